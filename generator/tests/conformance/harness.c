// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance harness: loads one light skeleton on this kernel and prints
 * what the kernel then holds, as text that does not depend on the run (no
 * ids, no fds, no addresses), so that bpftool's skeleton and ours of one
 * object can be compared line by line.
 *
 * Built once per header, in the build root, against libbpf-dev's
 * skel_internal.h; only the header's inline functions and raw bpf() calls
 * are used, nothing is linked. The script passes:
 *
 *   -DSKEL=name             the skeleton's name (struct name, name__open, ...)
 *   -DSKEL_HEADER='"x.h"'   the header
 *   -DHAVE_MAPS -DHAVE_PROGS  when the header's struct has them (a
 *                           skeleton without maps has no `maps` member)
 *   -DHAVE_KCONFIG          when it has a `.kconfig` map and its data
 *                           pointer (maps.kconfig, *kconfig)
 *   -DHAVE_FAILED_STEP      ours: name__failed_step() exists
 *   -DPROG_FIELDS='"f.h"'   a file defining prog_fields[], the names of the
 *                           struct's program descriptors, in order
 *
 * Environment: CONF_KCONFIG_IN=FILE gives the `.kconfig` map's initial
 * value, written into the buffer __open prepared (ours needs it, bpftool
 * bakes the values of the machine it ran on); CONF_KCONFIG_OUT=FILE
 * writes the value the kernel holds after the load. Diagnostics go to
 * stderr: on a failed load, the step (ours) and the tail of the verifier
 * log of a second, logged attempt.
 *
 * Exit: 0 loaded, 1 the load failed (both print their report on stdout),
 * 2 the harness itself failed (an info query on a live fd, a lost fd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
/*
 * Types a skeleton's data structs may name: enum libbpf_tristate, and the
 * kernel's short integer names that BPF code declares globals with (the
 * selftests' user space has them from tools/include/linux/types.h).
 */
#include <bpf/libbpf.h>
typedef __u64 u64;
typedef __s64 s64;
typedef __u32 u32;
typedef __s32 s32;
typedef __u16 u16;
typedef __s16 s16;
typedef __u8 u8;
typedef __s8 s8;
#include SKEL_HEADER
#ifdef PROG_FIELDS
#include PROG_FIELDS
#else
static const char *const prog_fields[] = {};
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(suffix) CAT(SKEL, suffix)
#define STR_(x) #x
#define STR(x) STR_(x)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_MAPS 1024
#define MAX_SLOTS 4096
#define LOG_SIZE (16u << 20)

static const char *const prog_types[] = {
	[BPF_PROG_TYPE_UNSPEC] = "unspec",
	[BPF_PROG_TYPE_SOCKET_FILTER] = "socket_filter",
	[BPF_PROG_TYPE_KPROBE] = "kprobe",
	[BPF_PROG_TYPE_SCHED_CLS] = "sched_cls",
	[BPF_PROG_TYPE_SCHED_ACT] = "sched_act",
	[BPF_PROG_TYPE_TRACEPOINT] = "tracepoint",
	[BPF_PROG_TYPE_XDP] = "xdp",
	[BPF_PROG_TYPE_PERF_EVENT] = "perf_event",
	[BPF_PROG_TYPE_CGROUP_SKB] = "cgroup_skb",
	[BPF_PROG_TYPE_CGROUP_SOCK] = "cgroup_sock",
	[BPF_PROG_TYPE_LWT_IN] = "lwt_in",
	[BPF_PROG_TYPE_LWT_OUT] = "lwt_out",
	[BPF_PROG_TYPE_LWT_XMIT] = "lwt_xmit",
	[BPF_PROG_TYPE_SOCK_OPS] = "sock_ops",
	[BPF_PROG_TYPE_SK_SKB] = "sk_skb",
	[BPF_PROG_TYPE_CGROUP_DEVICE] = "cgroup_device",
	[BPF_PROG_TYPE_SK_MSG] = "sk_msg",
	[BPF_PROG_TYPE_RAW_TRACEPOINT] = "raw_tracepoint",
	[BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
	[BPF_PROG_TYPE_LWT_SEG6LOCAL] = "lwt_seg6local",
	[BPF_PROG_TYPE_LIRC_MODE2] = "lirc_mode2",
	[BPF_PROG_TYPE_SK_REUSEPORT] = "sk_reuseport",
	[BPF_PROG_TYPE_FLOW_DISSECTOR] = "flow_dissector",
	[BPF_PROG_TYPE_CGROUP_SYSCTL] = "cgroup_sysctl",
	[BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = "raw_tracepoint_writable",
	[BPF_PROG_TYPE_CGROUP_SOCKOPT] = "cgroup_sockopt",
	[BPF_PROG_TYPE_TRACING] = "tracing",
	[BPF_PROG_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_PROG_TYPE_EXT] = "ext",
	[BPF_PROG_TYPE_LSM] = "lsm",
	[BPF_PROG_TYPE_SK_LOOKUP] = "sk_lookup",
	[BPF_PROG_TYPE_SYSCALL] = "syscall",
	[BPF_PROG_TYPE_NETFILTER] = "netfilter",
};

static const char *const map_types[] = {
	[BPF_MAP_TYPE_UNSPEC] = "unspec",
	[BPF_MAP_TYPE_HASH] = "hash",
	[BPF_MAP_TYPE_ARRAY] = "array",
	[BPF_MAP_TYPE_PROG_ARRAY] = "prog_array",
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = "perf_event_array",
	[BPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash",
	[BPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
	[BPF_MAP_TYPE_STACK_TRACE] = "stack_trace",
	[BPF_MAP_TYPE_CGROUP_ARRAY] = "cgroup_array",
	[BPF_MAP_TYPE_LRU_HASH] = "lru_hash",
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = "lru_percpu_hash",
	[BPF_MAP_TYPE_LPM_TRIE] = "lpm_trie",
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = "array_of_maps",
	[BPF_MAP_TYPE_HASH_OF_MAPS] = "hash_of_maps",
	[BPF_MAP_TYPE_DEVMAP] = "devmap",
	[BPF_MAP_TYPE_SOCKMAP] = "sockmap",
	[BPF_MAP_TYPE_CPUMAP] = "cpumap",
	[BPF_MAP_TYPE_XSKMAP] = "xskmap",
	[BPF_MAP_TYPE_SOCKHASH] = "sockhash",
	[BPF_MAP_TYPE_CGROUP_STORAGE] = "cgroup_storage",
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = "reuseport_sockarray",
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = "percpu_cgroup_storage",
	[BPF_MAP_TYPE_QUEUE] = "queue",
	[BPF_MAP_TYPE_STACK] = "stack",
	[BPF_MAP_TYPE_SK_STORAGE] = "sk_storage",
	[BPF_MAP_TYPE_DEVMAP_HASH] = "devmap_hash",
	[BPF_MAP_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_MAP_TYPE_RINGBUF] = "ringbuf",
	[BPF_MAP_TYPE_INODE_STORAGE] = "inode_storage",
	[BPF_MAP_TYPE_TASK_STORAGE] = "task_storage",
	[BPF_MAP_TYPE_BLOOM_FILTER] = "bloom_filter",
	[BPF_MAP_TYPE_USER_RINGBUF] = "user_ringbuf",
	[BPF_MAP_TYPE_CGRP_STORAGE] = "cgrp_storage",
	[BPF_MAP_TYPE_ARENA] = "arena",
};

static const char *type_name(const char *const *names, size_t n, __u32 type)
{
	static char buf[16];

	if (type < n && names[type])
		return names[type];
	snprintf(buf, sizeof(buf), "%u", type);
	return buf;
}

static const char *yes(__u64 v)
{
	return v ? "yes" : "no";
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int obj_info(int fd, void *info, __u32 len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = len;
	attr.info.info = (__u64)(uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

static int lookup(int fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (__u64)(uintptr_t)key;
	attr.value = (__u64)(uintptr_t)value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr);
}

static int next_key(int fd, const void *key, void *next)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (__u64)(uintptr_t)key;
	attr.next_key = (__u64)(uintptr_t)next;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &attr);
}

static __u64 fnv1a(const unsigned char *p, size_t n)
{
	__u64 h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* BPF objects this process holds open: maps, programs, links, BTF. */
static int count_bpf_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[64], target[64];
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%.32s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = 0;
		if (!strncmp(target, "anon_inode:bpf", 14) || !strcmp(target, "anon_inode:btf"))
			n++;
	}
	closedir(d);
	return n;
}

/* The `frozen:` line of a map's fdinfo: the info struct does not carry it. */
static int map_frozen(int fd)
{
	char path[64], line[128];
	int frozen = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "frozen: %d", &frozen) == 1)
			break;
	fclose(f);
	return frozen;
}

static int fail(const char *what, int fd)
{
	fprintf(stderr, "harness: %s (fd %d): %s\n", what, fd, strerror(errno));
	return -1;
}

/*
 * Map-in-map and program-array slots the loader filled: a lookup from user
 * space gives the inner object's id, which is not compared, only counted.
 */
static int count_slots(int fd, const struct bpf_map_info *info)
{
	unsigned char *key = calloc(2, info->key_size + 8);
	unsigned char *next = key + info->key_size + 8;
	__u32 value[2];
	int n = 0, i;

	if (!key)
		return -1;
	if (next_key(fd, NULL, next) == 0) {
		for (i = 0; i < MAX_SLOTS; i++) {
			memcpy(key, next, info->key_size);
			if (lookup(fd, key, value) == 0)
				n++;
			if (next_key(fd, key, next))
				break;
		}
	}
	free(key);
	return n;
}

static int print_map(int i, int fd, __u32 *id)
{
	struct bpf_map_info info;
	int frozen;

	*id = 0;
	if (fd <= 0) {
		printf("map %d: not created\n", i);
		return 0;
	}
	memset(&info, 0, sizeof(info));
	if (obj_info(fd, &info, sizeof(info)))
		return fail("map info", fd);
	*id = info.id;
	frozen = map_frozen(fd);
	printf("map %d: %s name %s key %u value %u max_entries %u flags %#x extra %llu",
	       i, type_name(map_types, ARRAY_LEN(map_types), info.type), info.name,
	       info.key_size, info.value_size, info.max_entries, info.map_flags,
	       (unsigned long long)info.map_extra);
	printf(" btf_key %s btf_value %s btf_vmlinux_value %s frozen %d",
	       yes(info.btf_key_type_id), yes(info.btf_value_type_id),
	       yes(info.btf_vmlinux_value_type_id), frozen);
	if (info.type == BPF_MAP_TYPE_ARRAY && info.max_entries == 1 && info.key_size == 4) {
		unsigned char *value = malloc(info.value_size ? info.value_size : 1);
		__u32 key = 0;

		if (!value)
			return fail("malloc", fd);
		if (lookup(fd, &key, value) == 0)
			printf(" value_fnv1a %016llx",
			       (unsigned long long)fnv1a(value, info.value_size));
		else
			printf(" value_lookup %s", strerror(errno));
		free(value);
	}
	if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS ||
	    info.type == BPF_MAP_TYPE_PROG_ARRAY)
		printf(" slots %d", count_slots(fd, &info));
	printf("\n");
	return 0;
}

/*
 * The program's expected attach type, which the info struct does not
 * carry. For these types the kernel's BPF_LINK_CREATE checks the attach
 * type against it before it looks at the target: with no target (fd -1)
 * an accepted type fails on the target (EBADF), another with EINVAL, and
 * nothing is attached.
 */
static void print_attach_types(int fd, __u32 type)
{
	union bpf_attr attr;
	int t, link, shown = 0;

	switch (type) {
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_SK_LOOKUP:
		break;
	default:
		return;
	}
	printf(" attach_types [");
	for (t = 0; t < __MAX_BPF_ATTACH_TYPE; t++) {
		memset(&attr, 0, sizeof(attr));
		attr.link_create.prog_fd = fd;
		attr.link_create.target_fd = -1;
		attr.link_create.attach_type = t;
		link = sys_bpf(BPF_LINK_CREATE, &attr);
		if (link >= 0)
			close(link);
		if (link >= 0 || errno != EINVAL)
			printf("%s%d", shown++ ? " " : "", t);
	}
	printf("]");
}

static int print_prog(int i, int fd, const __u32 *map_ids, int nmaps)
{
	struct bpf_prog_info info;
	__u32 used[64];
	union bpf_attr attr;
	unsigned int j;
	int k, link, shown = 0;

	/* Not loaded: libbpf skips programs of "?" sections (autoload off). */
	if (fd <= 0) {
		printf("prog %d: not loaded\n", i);
		return 0;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = ARRAY_LEN(used);
	info.map_ids = (__u64)(uintptr_t)used;
	if (obj_info(fd, &info, sizeof(info)))
		return fail("prog info", fd);
	printf("prog %d: %s name %s ", i,
	       type_name(prog_types, ARRAY_LEN(prog_types), info.type), info.name);
	/*
	 * The kernel keeps a program's name to BPF_OBJ_NAME_LEN - 1 bytes:
	 * another name is another program's fd in this descriptor.
	 */
	if ((size_t)i < ARRAY_LEN(prog_fields) &&
	    strncmp(info.name, prog_fields[i], sizeof(info.name) - 1))
		printf("(in the slot of %s) ", prog_fields[i]);
	printf("tag ");
	for (j = 0; j < sizeof(info.tag); j++)
		printf("%02x", info.tag[j]);
	printf(" insns %u gpl %s maps %u [", info.xlated_prog_len / 8,
	       yes(info.gpl_compatible), info.nr_map_ids);
	/* Used maps by their place in the skeleton, in that order. */
	for (k = 0; k < nmaps; k++)
		for (j = 0; j < info.nr_map_ids && j < ARRAY_LEN(used); j++)
			if (used[j] == map_ids[k])
				printf("%s%d", shown++ ? " " : "", k);
	printf("] btf %s func_info %u line_info %u attach_btf_obj %s attach_btf_id %s",
	       yes(info.btf_id), info.nr_func_info, info.nr_line_info,
	       yes(info.attach_btf_obj_id), yes(info.attach_btf_id));
	print_attach_types(fd, info.type);
	/* Iterators are the only programs safe to attach here: try, close. */
	if (info.type == BPF_PROG_TYPE_TRACING) {
		memset(&attr, 0, sizeof(attr));
		attr.link_create.prog_fd = fd;
		attr.link_create.attach_type = BPF_TRACE_ITER;
		link = sys_bpf(BPF_LINK_CREATE, &attr);
		if (link >= 0) {
			printf(" iter_link ok");
			close(link);
		} else {
			printf(" iter_link %s", errno == EINVAL ? "EINVAL" : "error");
		}
	}
	printf("\n");
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

/* bpftool's run keeps its `.kconfig` value for ours (see the file comment). */
static void save_kconfig(struct SKEL *skel)
{
#ifdef HAVE_KCONFIG
	const char *out = getenv("CONF_KCONFIG_OUT");
	struct bpf_map_info info;
	unsigned char *value;
	__u32 key = 0;
	FILE *f;

	if (!out || !*out)
		return;
	memset(&info, 0, sizeof(info));
	if (obj_info(skel->maps.kconfig.map_fd, &info, sizeof(info)))
		return;
	value = malloc(info.value_size);
	if (value && lookup(skel->maps.kconfig.map_fd, &key, value) == 0) {
		f = fopen(out, "wb");
		if (f) {
			fwrite(value, 1, info.value_size, f);
			fclose(f);
		}
	}
	free(value);
#else
	(void)skel;
#endif
}

static struct SKEL *open_skel(const void *kconfig, size_t klen, char *log)
{
	struct SKEL *skel = FN(__open)();

	if (!skel)
		return NULL;
	if (log) {
		skel->ctx.log_level = 1;
		skel->ctx.log_size = LOG_SIZE;
		skel->ctx.log_buf = (__u64)(uintptr_t)log;
	}
#ifdef HAVE_KCONFIG
	/*
	 * __open mapped the value the loader copies (initial_value points at
	 * it, and __load maps the kernel's map there): write into it.
	 */
	if (kconfig && skel->maps.kconfig.initial_value)
		memcpy((void *)(uintptr_t)skel->maps.kconfig.initial_value, kconfig,
		       klen < sizeof(*skel->kconfig) ? klen : sizeof(*skel->kconfig));
#else
	(void)kconfig;
	(void)klen;
#endif
	return skel;
}

/* A failed load, again with the verifier log: print where and why. */
static void explain(const void *kconfig, size_t klen)
{
	char *log = calloc(1, LOG_SIZE);
	struct SKEL *skel;
	int err, lines = 0;
	char *p;

	if (!log)
		return;
	skel = open_skel(kconfig, klen, log);
	if (!skel) {
		free(log);
		return;
	}
	err = FN(__load)(skel);
#ifdef HAVE_FAILED_STEP
	if (err && FN(__failed_step)(skel))
		fprintf(stderr, "failed step: %s\n", FN(__failed_step)(skel));
#endif
	/* The last lines of the log: the verifier's reason comes last. */
	for (p = log + strnlen(log, LOG_SIZE); p > log && lines < 4; p--)
		if (p[-1] == '\n' && p[0])
			lines++;
	if (err && *p)
		fprintf(stderr, "log tail:\n%s", p);
	FN(__destroy)(skel);
	free(log);
}

int main(void)
{
	void *kconfig = NULL;
	struct SKEL *skel;
	__u32 map_ids[MAX_MAPS];
	int before, after, err, nmaps = 0, nprogs = 0;
	const char *in = getenv("CONF_KCONFIG_IN");
	size_t klen = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (in && *in)
		kconfig = read_file(in, &klen);
	before = count_bpf_fds();
	if (kconfig) {
		skel = open_skel(kconfig, klen, NULL);
		if (!skel) {
			fprintf(stderr, "harness: %s__open failed\n", STR(SKEL));
			return 2;
		}
		err = FN(__load)(skel);
		if (err)
			FN(__destroy)(skel);
	} else {
		/* The skeleton's own entry point, as its users call it. */
		skel = FN(__open_and_load)();
		err = skel ? 0 : (errno ? -errno : -EIO);
	}
	if (err) {
		printf("load: failed, %s\n", strerrorname_np(-err) ?: "?");
		after = count_bpf_fds();
		printf("bpf fds left after destroy: %d\n", after - before);
		explain(kconfig, klen);
		return 1;
	}
	printf("load: ok\n");
#ifdef HAVE_MAPS
	nmaps = sizeof(skel->maps) / sizeof(struct bpf_map_desc);
#endif
#ifdef HAVE_PROGS
	nprogs = sizeof(skel->progs) / sizeof(struct bpf_prog_desc);
#endif
	printf("maps %d progs %d\n", nmaps, nprogs);
	if (nmaps > MAX_MAPS)
		return 2;
	/* The descriptors one after the other: walk them as arrays. */
#ifdef HAVE_MAPS
	for (int i = 0; i < nmaps; i++) {
		const struct bpf_map_desc *map = (const struct bpf_map_desc *)&skel->maps + i;

		if (print_map(i, map->map_fd, &map_ids[i]))
			return 2;
	}
#endif
#ifdef HAVE_PROGS
	for (int i = 0; i < nprogs; i++) {
		const struct bpf_prog_desc *prog = (const struct bpf_prog_desc *)&skel->progs + i;

		if (print_prog(i, prog->prog_fd, map_ids, nmaps))
			return 2;
	}
#endif
	save_kconfig(skel);
	FN(__destroy)(skel);
	after = count_bpf_fds();
	printf("bpf fds left after destroy: %d\n", after - before);
	free(kconfig);
	return 0;
}
