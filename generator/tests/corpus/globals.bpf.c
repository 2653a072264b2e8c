// SPDX-License-Identifier: GPL-2.0
/* Global data: .data, .bss, .rodata, string literals and a custom section. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 42;
__u64 zeroed;
const volatile __u32 limit = 7;
static const char greeting[] = "hello";
int in_custom SEC(".data.custom") = 5;
const char table[4] SEC(".rodata.table") = { 1, 2, 3, 4 };
static volatile int hidden_static = 9;

SEC("syscall")
int touch_globals(void *ctx)
{
	char buf[8];

	counter++;
	zeroed += limit + in_custom + table[2] + hidden_static;
	__builtin_memcpy(buf, greeting, sizeof(greeting));
	bpf_printk("globals %d %s", counter, buf);
	return 0;
}

SEC("socket")
int read_only(struct __sk_buff *skb)
{
	return limit + table[0];
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
