// SPDX-License-Identifier: GPL-2.0
/*
 * Names no C or Rust compiler would write, which assembler-made objects
 * can hold: dots, dashes, spaces, quotes, a leading digit, non-ASCII, a
 * 4 KiB name, and data sections with punctuation. They become identifiers
 * of `_`-joined words that compile in every back end.
 * expect: rust-kernel=ok rust-user=ok c=ok
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define X16(s) s s s s s s s s s s s s s s s s
#define LONG X16(X16(X16("n")))

SEC("socket") int p1(struct __sk_buff *skb) __asm__("a.b-c d");
int p1(struct __sk_buff *skb) { return 0; }
SEC("socket") int p2(struct __sk_buff *skb) __asm__("9lives");
int p2(struct __sk_buff *skb) { return 0; }
SEC("socket") int p3(struct __sk_buff *skb) __asm__("q\"uo'te`*/");
int p3(struct __sk_buff *skb) { return 0; }
SEC("socket") int p4(struct __sk_buff *skb) __asm__("café");
int p4(struct __sk_buff *skb) { return 0; }
SEC("socket") int p5(struct __sk_buff *skb) __asm__(LONG);
int p5(struct __sk_buff *skb) { return 0; }

int v1 SEC(".data.a-b*/c") = 1;
int v2 SEC(".data.x y") = 2;
int v3 SEC(".rodata.é") = 3;
int w __asm__("w.x") = 4;

char _license[] SEC("license") = "GPL";
