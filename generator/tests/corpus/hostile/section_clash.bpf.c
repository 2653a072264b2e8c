// SPDX-License-Identifier: GPL-2.0
/*
 * Two data sections that differ only in punctuation, which every back end
 * would name `data_p_q`: refused, naming both maps.
 * expect: rust-kernel=error rust-user=error c=error
 * error: both become `
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int x SEC(".data.p.q") = 1;
int y SEC(".data.p_q") = 2;

SEC("socket")
int prog(struct __sk_buff *skb) { return x + y; }

char _license[] SEC("license") = "GPL";
