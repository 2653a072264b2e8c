// SPDX-License-Identifier: GPL-2.0
/*
 * Global variables with a static one and an over-aligned one: the C
 * skeleton's typed contents keep the offsets with a padding member
 * (`char __padN[]`), as bpftool's do, named by neither the object nor a
 * keyword.
 * expect: rust-kernel=ok rust-user=ok c=ok
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int first = 1;
static volatile int hidden = 2;
int second __attribute__((aligned(16))) = 3;

SEC("socket")
int prog(struct __sk_buff *skb) { return first + hidden + second; }

char _license[] SEC("license") = "GPL";
