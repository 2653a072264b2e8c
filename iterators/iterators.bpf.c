// SPDX-License-Identifier: GPL-2.0
/*
 * BPF iterators behind bpffs's maps.debug and progs.debug.
 *
 * The output format matches the kernel's own kernel/bpf/preload iterators
 * byte for byte, so tools that parse those files keep working.
 *
 * Kernel types are declared locally with preserve_access_index: the loader
 * hands the CO-RE relocations to the kernel, which resolves field offsets
 * against its own BTF, so no vmlinux.h is needed to build this object.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct file {
	long long f_pos;
};

struct seq_file {
	struct file *file;
};

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_map {
	__u32 id;
	char name[16];
	__u32 max_entries;
};

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
};

struct btf_type {
	__u32 name_off;
};

struct btf_header {
	__u32 str_len;
};

struct btf {
	const char *strings;
	struct btf_type **types;
	struct btf_header hdr;
};

struct bpf_prog_aux {
	__u32 id;
	char name[16];
	const char *attach_func_name;
	struct bpf_prog *dst_prog;
	struct bpf_func_info *func_info;
	struct btf *btf;
};

struct bpf_prog {
	struct bpf_prog_aux *aux;
};

struct bpf_iter__bpf_prog {
	struct bpf_iter_meta *meta;
	struct bpf_prog *prog;
};
#pragma clang attribute pop

/*
 * Whether this object opens the listing, so the header goes first; @seq is
 * @meta's seq_file, which the caller has loaded already. Callers keep @meta
 * in a local: each access through ctx is a CO-RE relocation of its own,
 * which the kernel resolves at every load.
 *
 * seq_num alone is not enough: it counts the objects shown so far but is
 * not advanced past the last one. If the listing has shown one object when
 * a read() reaches the end, and an object appears before the next read(),
 * the kernel shows that object with seq_num 0 again and the header would be
 * printed twice. file->f_pos is the number of bytes already handed to the
 * reader (read() updates it only after ->read() returns), so it is 0
 * exactly while the first chunk of output is built.
 * A macro, not a function: it costs the loader no line info of its own.
 * One test of both values, not two branches: with two, the verifier walks
 * the rest of dump_bpf_map twice (68 instructions processed instead of 39
 * on Linux 6.18).
 */
#define first_in_listing(meta, seq) (((meta)->seq_num | (seq)->file->f_pos) == 0)

/* Sum of the per-CPU element counters of a map (kernel/bpf/map_iter.c). */
extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/*
 * The full BTF name of a program's main function, or @fallback (the name
 * truncated to 16 bytes) when the program has no BTF or the id looks wrong.
 */
static const char *func_name(struct btf *btf, long type_id, const char *fallback)
{
	struct btf_type **types, *type;
	__u32 name_off;

	if (!btf)
		return fallback;
	types = btf->types;
	bpf_probe_read_kernel(&type, sizeof(type), types + type_id);
	name_off = BPF_CORE_READ(type, name_off);
	if (name_off >= btf->hdr.str_len)
		return fallback;
	return btf->strings + name_off;
}

SEC("iter/bpf_map")
int dump_bpf_map(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct seq_file *seq = meta->seq;
	struct bpf_map *map = ctx->map;

	if (!map)
		return 0;
	if (first_in_listing(meta, seq))
		BPF_SEQ_PRINTF(seq, "  id name             max_entries  cur_entries\n");
	BPF_SEQ_PRINTF(seq, "%4u %-16s  %10d   %10lld\n", map->id, map->name,
		       map->max_entries, bpf_map_sum_elem_count(map));
	return 0;
}

SEC("iter/bpf_prog")
int dump_bpf_prog(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct seq_file *seq = meta->seq;
	struct bpf_prog *prog = ctx->prog;
	struct bpf_prog_aux *aux;

	if (!prog)
		return 0;
	aux = prog->aux;
	if (first_in_listing(meta, seq))
		BPF_SEQ_PRINTF(seq, "  id name             attached\n");
	BPF_SEQ_PRINTF(seq, "%4u %-16s %s %s\n", aux->id,
		       func_name(aux->btf, aux->func_info[0].type_id, aux->name),
		       aux->attach_func_name, aux->dst_prog->aux->name);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
