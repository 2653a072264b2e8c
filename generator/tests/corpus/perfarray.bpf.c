// SPDX-License-Identifier: GPL-2.0
/* A perf event array declared without max_entries: libbpf sizes it to the
 * possible CPUs of the machine that creates it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("kprobe/do_nanosleep")
int send_event(void *ctx)
{
	__u64 v = 1;

	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return 0;
}

char _license[] SEC("license") = "GPL";
