// SPDX-License-Identifier: GPL-2.0
/*
 * PROG_ARRAY slots initialised by the object, which libbpf's gen_loader
 * refuses and our loaders fill after loading the programs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int callee(struct __sk_buff *skb)
{
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&callee },
};

SEC("socket")
int caller(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jumps, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
