// SPDX-License-Identifier: GPL-2.0
/* Refused: a legacy `struct bpf_map_def` map in the `maps` section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct bpf_map_def SEC("maps") legacy = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 1,
};

SEC("syscall")
int prog(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&legacy, &k) ? 0 : 1;
}

char _license[] SEC("license") = "GPL";
