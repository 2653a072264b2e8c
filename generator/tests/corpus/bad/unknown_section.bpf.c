// SPDX-License-Identifier: GPL-2.0
/* Refused: a program section that names no program type. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("no_such_program_type/x")
int prog(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
