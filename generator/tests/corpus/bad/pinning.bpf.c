// SPDX-License-Identifier: GPL-2.0
/* Refused: a pinned map (a light skeleton has no bpffs to pin in). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned SEC(".maps");

SEC("syscall")
int prog(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&pinned, &k) ? 0 : 1;
}

char _license[] SEC("license") = "GPL";
