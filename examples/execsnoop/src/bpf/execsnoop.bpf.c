// SPDX-License-Identifier: GPL-2.0
/* Every exec on the machine as a ring buffer record: pid and new comm. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 pid;
	__u32 uid;
	__u64 ts;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Set before load: report only this uid's execs (-1 for all). */
const volatile __u32 only_uid = -1;

/* Read after load through the mapped .bss. */
__u64 seen;
__u64 dropped;

static int report(void)
{
	__u32 uid = bpf_get_current_uid_gid();
	struct event *e;

	if (only_uid != (__u32)-1 && uid != only_uid)
		return 0;
	__sync_fetch_and_add(&seen, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = uid;
	e->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Needs no tracefs. */
SEC("raw_tp/sched_process_exec")
int exec_raw(void *ctx)
{
	return report();
}

/* The same through the perf tracepoint (tracefs must be mounted). */
SEC("tp/sched/sched_process_exec")
int exec_tp(void *ctx)
{
	return report();
}

char LICENSE[] SEC("license") = "GPL";
