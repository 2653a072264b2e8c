// SPDX-License-Identifier: GPL-2.0
/* Refused: a PROG_ARRAY slot pointing to a subprogram, not a program. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__noinline int helper(struct __sk_buff *skb)
{
	return skb->len;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [0] = (void *)&helper },
};

SEC("socket")
int caller(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jumps, 0);
	return helper(skb);
}

char _license[] SEC("license") = "GPL";
