#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the C back end: generates a header for iterators.bpf.o, compiles a
# small user-space program against libbpf-dev's skel_internal.h inside the
# build root, loads, attaches and reads both iterators. Needs root and bpf().
#
# Usage: generator/tests/c-skeleton.sh [BPF_LSKEL_BINARY]

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

bin=${1:-$TOP/target/debug/bpf-lskel}
work=$TOP/build/c-skeleton
mkdir -p "$work"
# Both byte orders, each from its own object (the big-endian half is only
# compiled here, the little-endian one runs).
"$bin" gen skeleton -L "$TOP/build/corpus/iterators.bpf.o" "$TOP/build/corpus/iterators.bpfeb.o" \
	--lang c --endian both --name iterators_bpf -o "$work/iterators.skel.h"
cat > "$work/main.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "iterators.skel.h"

static int dump(int link_fd)
{
	union bpf_attr attr = { .iter_create = { .link_fd = link_fd } };
	char buf[4096];
	ssize_t n;
	int fd = skel_sys_bpf(BPF_ITER_CREATE, &attr, sizeof(attr));

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
	return 0;
}

int main(void)
{
	struct iterators_bpf *skel = iterators_bpf__open_and_load();

	if (!skel) {
		perror("iterators_bpf__open_and_load");
		return 1;
	}
	if (iterators_bpf__attach(skel) ||
	    dump(skel->links.dump_bpf_map_fd) || dump(skel->links.dump_bpf_prog_fd)) {
		perror("attach/read");
		return 1;
	}
	iterators_bpf__destroy(skel);
	return 0;
}
C
rwork=$(root_path "$work")
in_root sh -ec "cc -Wall -Werror -O2 -o $rwork/main $rwork/main.c && $rwork/main" > "$work/out.txt"
cat "$work/out.txt"
grep -q '^  id name             max_entries  cur_entries$' "$work/out.txt"
grep -q ' iterator.rodata  ' "$work/out.txt"
grep -q ' dump_bpf_map     bpf_iter_bpf_map $' "$work/out.txt"
# Typed global data, as bpftool's headers have it: .rodata set between
# __open and __load reaches the kernel's map, and after __load every
# pointer is a mapping of the map itself.
"$bin" gen skeleton -L "$TOP/build/corpus/globals.bpf.o" "$TOP/build/corpus/globals.bpfeb.o" \
	--lang c --name globals -o "$work/globals.skel.h"
cat > "$work/globals.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "globals.skel.h"

static int lookup(int map_fd, void *value)
{
	__u32 key = 0;
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map_fd;
	attr.key = (long)&key;
	attr.value = (long)value;
	return skel_sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
}

int main(void)
{
	struct globals *skel = globals__open();
	struct globals__rodata ro;
	struct globals__data rw;

	if (!skel || skel->data->counter != 42 || skel->rodata->limit != 7) {
		fprintf(stderr, "open: wrong initial contents\n");
		return 1;
	}
	skel->rodata->limit = 9;
	skel->data->counter = 40;
	if (globals__load(skel)) {
		fprintf(stderr, "load failed at %s\n", globals__failed_step(skel));
		return 1;
	}
	if (lookup(skel->maps.rodata.map_fd, &ro) || ro.limit != 9 ||
	    skel->rodata->limit != 9) {
		fprintf(stderr, "rodata: %u in the map, %u mapped\n", ro.limit, skel->rodata->limit);
		return 1;
	}
	skel->data->counter = 5;
	if (lookup(skel->maps.data.map_fd, &rw) || rw.counter != 5) {
		fprintf(stderr, "data: the mapping is not the map (%d)\n", rw.counter);
		return 1;
	}
	printf("globals: rodata.limit %u, data.counter %d through the mapping\n", ro.limit, rw.counter);
	globals__destroy(skel);
	return 0;
}
C
in_root sh -ec "cc -Wall -Werror -O2 -o $rwork/globals $rwork/globals.c && $rwork/globals" > "$work/globals.txt"
cat "$work/globals.txt"
grep -q '^globals: rodata.limit 9, data.counter 5 through the mapping$' "$work/globals.txt"
# A perf event array without max_entries: the header sizes it to this
# machine's possible CPUs when it opens, as libbpf would.
"$bin" gen skeleton -L "$TOP/build/corpus/perfarray.bpf.o" --lang c --name perfarray \
	-o "$work/perfarray.skel.h"
cat > "$work/perfarray.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include "perfarray.skel.h"

int main(void)
{
	struct perfarray *skel = perfarray__open_and_load();

	if (!skel) {
		perror("perfarray__open_and_load");
		return 1;
	}
	printf("perfarray: %u entries\n", skel->maps.events.max_entries);
	perfarray__destroy(skel);
	return 0;
}
C
in_root sh -ec "cc -Wall -Werror -O2 -o $rwork/perfarray $rwork/perfarray.c && $rwork/perfarray" > "$work/perfarray.txt"
cat "$work/perfarray.txt"
cpus=$(tr ',' '\n' </sys/devices/system/cpu/possible | awk -F- '{ n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n }')
grep -qx "perfarray: $cpus entries" "$work/perfarray.txt"
echo "c-skeleton: ok"
