// SPDX-License-Identifier: GPL-2.0
/*
 * __kconfig externs every back end can fill: the kernel version and bool,
 * tristate and char values of options, plus a weak option that is unset.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_NET __kconfig;
extern _Bool CONFIG_BPF_LSKEL_NO_SUCH_OPTION __kconfig __weak;

__u64 seen;

SEC("syscall")
int read_kconfig(void *ctx)
{
	seen = LINUX_KERNEL_VERSION;
	if (CONFIG_BPF_SYSCALL)
		seen += 1ULL << 32;
	if (CONFIG_BPF_JIT == TRI_YES)
		seen += 1ULL << 33;
	if (CONFIG_NET == 'y')
		seen += 1ULL << 34;
	if (CONFIG_BPF_LSKEL_NO_SUCH_OPTION)
		seen += 1ULL << 35;
	return 0;
}

char _license[] SEC("license") = "GPL";
