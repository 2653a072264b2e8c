// SPDX-License-Identifier: GPL-2.0
/* Static and global subprograms shared between programs, and a callback. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} acc SEC(".maps");

static __noinline __u64 square(__u64 x)
{
	return x * x;
}

static __noinline __u64 add_to_acc(__u64 x)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&acc, &k);

	if (v)
		*v += square(x);
	return v ? *v : 0;
}

__noinline int global_helper(int x)
{
	return x + 1;
}

__attribute__((visibility("hidden"))) __noinline int hidden_helper(int x)
{
	return x * 3;
}

static int loop_cb(__u32 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int first(void *ctx)
{
	__u64 sum = 0;

	bpf_loop(4, loop_cb, &sum, 0);
	return add_to_acc(sum) + global_helper(1);
}

SEC("raw_tp/sys_enter")
int second(void *ctx)
{
	return square(3) + hidden_helper(2) + add_to_acc(1);
}

char LICENSE[] SEC("license") = "GPL";
