// SPDX-License-Identifier: GPL-2.0
/*
 * Globals named like the Rust keywords that cannot be raw identifiers and
 * like C keywords (through asm labels; `Self` would clash with `self` in
 * the offset constants, `SELF_OFFSET`): the typed structs and accessors of
 * the Rust skeletons must still compile.
 * expect: rust-kernel=ok rust-user=ok c=ok
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int v_self __asm__("self") = 1;
int v_super __asm__("super") = 3;
int v_crate __asm__("crate") = 4;
int v_type __asm__("type") = 5;
int v_int __asm__("int") = 6;
int v_under __asm__("_");

SEC("socket")
int prog(struct __sk_buff *skb) { return v_self + v_super + v_crate + v_type + v_int + v_under; }

char _license[] SEC("license") = "GPL";
