// SPDX-License-Identifier: GPL-2.0
/* Refused: a kconfig extern that is neither CONFIG_* nor a known LINUX_*. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int LINUX_NO_SUCH_VALUE __kconfig;

int out;

SEC("syscall")
int prog(void *ctx)
{
	out = LINUX_NO_SUCH_VALUE;
	return 0;
}

char _license[] SEC("license") = "GPL";
