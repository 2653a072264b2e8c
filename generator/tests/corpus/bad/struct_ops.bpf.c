// SPDX-License-Identifier: GPL-2.0
/* Refused: struct_ops maps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_dummy_ops {
	int (*test_1)(void *state);
};

SEC("struct_ops/test_1")
int test_1(void *state)
{
	return 0;
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy = {
	.test_1 = (void *)test_1,
};

char _license[] SEC("license") = "GPL";
