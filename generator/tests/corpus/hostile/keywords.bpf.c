// SPDX-License-Identifier: GPL-2.0
/*
 * Program, map and variable names that are keywords or reserved words of
 * C or Rust, or the names of the skeleton's own members, given through asm
 * labels as any assembler-made object can: each back end must turn them
 * into identifiers that compile.
 * expect: rust-kernel=ok rust-user=ok c=ok
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PROG(label) \
	SEC("socket") int prog_##label(struct __sk_buff *skb) __asm__(#label); \
	int prog_##label(struct __sk_buff *skb) { return 0; }

PROG(self)
PROG(Self)
PROG(super)
PROG(crate)
PROG(type)
PROG(load)
PROG(object)
PROG(int)
PROG(errno)
PROG(EINVAL)
PROG(linux)
PROG(_)
PROG(gen)

/* Maps named like the skeletons' own methods. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} map_open __asm__("open") SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} map_attach __asm__("attach") SEC(".maps");

/* Globals named like Rust keywords (legal C names). */
int fn = 5;
int impl;
long long where = 6;
const volatile int mut = 7;

char _license[] SEC("license") = "GPL";
