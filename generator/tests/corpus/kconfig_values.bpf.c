// SPDX-License-Identifier: GPL-2.0
/*
 * __kconfig externs with integer and string values, which only a skeleton
 * running on the target can fill (the kernel back end refuses them).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_HZ __kconfig;
extern char CONFIG_DEFAULT_TCP_CONG[8] __kconfig;
extern unsigned long long CONFIG_BPF_LSKEL_NO_SUCH_INT __kconfig __weak;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;

int hz;
char cong[8];

SEC("syscall")
int read_values(void *ctx)
{
	hz = CONFIG_HZ + CONFIG_BPF_LSKEL_NO_SUCH_INT + CONFIG_BPF_SYSCALL;
	__builtin_memcpy(cong, CONFIG_DEFAULT_TCP_CONG, sizeof(cong));
	return 0;
}

char _license[] SEC("license") = "GPL";
