// SPDX-License-Identifier: GPL-2.0
/* Map-in-map slots initialised by the object, in an array and a hash. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_array SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [5] = &inner_b },
};

SEC("syscall")
int use_slots(void *ctx)
{
	__u32 key = 2, zero = 0;
	__u64 *v;
	void *m;

	m = bpf_map_lookup_elem(&outer_array, &key);
	if (!m)
		return 1;
	v = bpf_map_lookup_elem(m, &zero);
	if (v)
		*v += 1;
	key = 5;
	m = bpf_map_lookup_elem(&outer_hash, &key);
	return m ? 0 : 2;
}

char _license[] SEC("license") = "GPL";
