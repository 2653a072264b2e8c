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
#include <linux/btf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct seq_file {
	long long index;
};

struct bpf_iter_meta {
	struct seq_file *seq;
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

/*
 * struct btf_type and struct btf_header are UAPI (<linux/btf.h>): their
 * layout is fixed, so reading them needs no CO-RE relocation. That matters
 * beyond the relocation itself: the kernel caches CO-RE candidates in a
 * 31-slot table keyed by a hash of the type name, where "btf_type" and
 * "bpf_prog_aux" share a slot. Relocating both made every load of
 * dump_bpf_prog evict one with the other and scan all of vmlinux BTF
 * twice (1.1 to 1.6 ms each under TCG on 7.3; bpf_core_find_cands).
 */
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
 * the iterator's seq_file, which the caller has loaded already.
 *
 * meta->seq_num, upstream's test, is not enough: it counts the objects
 * shown so far but is not advanced past the last one. If the listing has
 * shown one object when a read() reaches the end, and an object appears
 * before the next read(), the kernel shows that object with seq_num 0 again
 * and the header would be printed twice.
 *
 * seq->index is the position bpf_seq_read() hands to the target's start()
 * and next(). The bpf_map and bpf_prog targets move it from 0 to 1 in
 * start() when they return the first object and count up in next(), and a
 * later read() starts from where the last one stopped: it is 1 exactly for
 * the first object of the listing (kernel/bpf/map_iter.c, prog_iter.c, the
 * same in 6.12 and 7.3).
 *
 * A scalar field of @seq and one CO-RE relocation, as cheap as seq_num.
 * Reading file->f_pos, the first form of this fix, cost two relocations
 * and a pointer load from @seq, a trusted pointer: on 6.12 every such load
 * makes the verifier look up names like "seq_file__safe_trusted" with a
 * linear scan of vmlinux BTF (four scans, 5 ms per program under TCG).
 */
#define first_in_listing(seq) ((seq)->index == 1)

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
	bpf_probe_read_kernel(&name_off, sizeof(name_off), &type->name_off);
	if (name_off >= btf->hdr.str_len)
		return fallback;
	return btf->strings + name_off;
}

SEC("iter/bpf_map")
int dump_bpf_map(struct bpf_iter__bpf_map *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_map *map = ctx->map;

	if (!map)
		return 0;
	if (first_in_listing(seq))
		BPF_SEQ_PRINTF(seq, "  id name             max_entries  cur_entries\n");
	BPF_SEQ_PRINTF(seq, "%4u %-16s  %10d   %10lld\n", map->id, map->name,
		       map->max_entries, bpf_map_sum_elem_count(map));
	return 0;
}

/*
 * The BTF id of a program's main function. struct bpf_func_info is UAPI
 * too: read here, outside the CO-RE access chain of aux->func_info, it
 * takes no relocation (clang would carry the chain on through
 * aux->func_info[0].type_id), and a first load after boot one scan of
 * vmlinux BTF less.
 */
static __always_inline __u32 main_func_type_id(const struct bpf_func_info *func_info)
{
	return func_info->type_id;
}

SEC("iter/bpf_prog")
int dump_bpf_prog(struct bpf_iter__bpf_prog *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct bpf_prog *prog = ctx->prog;
	struct bpf_prog_aux *aux;

	if (!prog)
		return 0;
	aux = prog->aux;
	if (first_in_listing(seq))
		BPF_SEQ_PRINTF(seq, "  id name             attached\n");
	BPF_SEQ_PRINTF(seq, "%4u %-16s %s %s\n", aux->id,
		       func_name(aux->btf, main_func_type_id(aux->func_info), aux->name),
		       aux->attach_func_name, aux->dst_prog->aux->name);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
