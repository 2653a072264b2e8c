// SPDX-License-Identifier: GPL-2.0
/*
 * Two globals whose names differ only in case: distinct in C, one
 * constant name (`A_OFFSET`) in the Rust skeletons, which must refuse
 * them naming both rather than emit code that does not compile.
 * expect: rust-kernel=error rust-user=error c=ok
 * error: variable `a` and variable `A` both become `A_OFFSET`
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int a = 1;
int A = 2;

SEC("socket")
int prog(struct __sk_buff *skb) { return a + A; }

char _license[] SEC("license") = "GPL";
