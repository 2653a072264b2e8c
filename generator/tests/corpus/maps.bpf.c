// SPDX-License-Identifier: GPL-2.0
/* BTF-defined maps of several kinds, including map-in-map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct { __u64 a; __u32 b; });
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 16);
} percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, __u64);
	__type(value, __u32);
} lru_with_a_long_name SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ringbuf SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} queue SEC(".maps");

SEC("xdp")
int use_maps(struct xdp_md *ctx)
{
	__u32 k = 0, v32 = 1;
	__u64 *v, one = 1;
	void *in;

	v = bpf_map_lookup_elem(&hash, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&hash, &k, &one, BPF_ANY);
	if (bpf_map_lookup_elem(&array, &k) && bpf_map_lookup_elem(&percpu, &k))
		bpf_map_update_elem(&lru_with_a_long_name, &one, &k, BPF_ANY);
	bpf_ringbuf_output(&ringbuf, &one, sizeof(one), 0);
	in = bpf_map_lookup_elem(&outer, &k);
	if (in)
		bpf_map_lookup_elem(in, &k);
	bpf_map_push_elem(&queue, &v32, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
