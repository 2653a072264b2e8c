// SPDX-License-Identifier: GPL-2.0
/* Refused: a kconfig extern of a type libbpf cannot fill. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_HZ[2] __kconfig;

int out;

SEC("syscall")
int prog(void *ctx)
{
	out = CONFIG_HZ[1];
	return 0;
}

char _license[] SEC("license") = "GPL";
