// SPDX-License-Identifier: GPL-2.0
/*
 * A program named like the kernel skeleton's accessor of a global
 * (`bss_x`, for `x` in `.bss`): refused by the kernel back end, which has
 * both; the others have no such accessors.
 * expect: rust-kernel=error rust-user=ok c=ok
 * error: both become `bss_x`
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int x;

SEC("socket")
int bss_x(struct __sk_buff *skb) { return x; }

char _license[] SEC("license") = "GPL";
