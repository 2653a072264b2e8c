#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the generator's test corpus inside the build root: every
# generator/tests/corpus/*.bpf.c and iterators/iterators.bpf.c, for both
# byte orders, plus bpftool's light skeleton of each little-endian object
# (the reference the differential tests compare against), and the objects
# of generator/tests/corpus/bad/ and extra/ (see below).
#
# Usage: generator/tests/build-corpus.sh [OUTDIR]   (default: build/corpus)

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

out=${1:-$TOP/build/corpus}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rout=$(root_path "$out")

srcs=""
for src in "$TOP"/generator/tests/corpus/*.bpf.c "$TOP"/iterators/iterators.bpf.c; do
	srcs="$srcs $(root_path "$src")"
done

note "building corpus into $out"
# One trip into the root for everything: each entry costs a mount namespace.
in_root sh -ec '
	out=$1; shift
	arch=$(uname -m)-linux-gnu
	for src in "$@"; do
		name=$(basename "$src" .bpf.c)
		clang-19 -target bpfel -I/usr/include/$arch -g -O2 -Wall -Werror \
			-c "$src" -o "$out/$name.bpf.o"
		clang-19 -target bpfeb -I/usr/include/$arch -g -O2 -Wall -Werror \
			-c "$src" -o "$out/$name.bpfeb.o"
		bpftool gen skeleton -L "$out/$name.bpf.o" name "$name" > "$out/$name.lskel.h.tmp"
		mv "$out/$name.lskel.h.tmp" "$out/$name.lskel.h"
	done
' sh "$rout" $srcs
# Objects without a bpftool reference, compiled only, little-endian:
# corpus/bad (the generator must refuse them; libbpf refuses most too) and
# corpus/extra (libbpf cannot make a light skeleton of them, we can) and
# corpus/hostile (names that try to become code; see tests/hostile.rs).
for dir in bad extra hostile; do
	# Rebuilt whole each time: a removed source must not leave its object.
	rm -rf "$out/$dir"
	mkdir -p "$out/$dir"
	srcs=""
	for src in "$TOP"/generator/tests/corpus/$dir/*.bpf.c; do
		[ -e "$src" ] && srcs="$srcs $(root_path "$src")"
	done
	[ -n "$srcs" ] || continue
	in_root sh -ec '
		out=$1; shift
		for src in "$@"; do
			clang-19 -target bpfel -I/usr/include/$(uname -m)-linux-gnu -g -O2 \
				-Wall -Werror -c "$src" -o "$out/$(basename "$src" .bpf.c).bpf.o"
		done
	' sh "$rout/$dir" $srcs
done
# The BPF sources of the lskel examples (examples/*/src/bpf), prebuilt for
# hosts without clang: their build scripts take them from here.
rm -rf "$out/examples"
mkdir -p "$out/examples"
srcs=""
for src in "$TOP"/examples/*/src/bpf/*.bpf.c; do
	[ -e "$src" ] && srcs="$srcs $(root_path "$src")"
done
if [ -n "$srcs" ]; then
	in_root sh -ec '
		out=$1; shift
		for src in "$@"; do
			clang-19 -target bpfel -I/usr/include/$(uname -m)-linux-gnu -g -O2 \
				-Wall -Werror -c "$src" -o "$out/$(basename "$src" .bpf.c).bpf.o"
		done
	' sh "$rout/examples" $srcs
fi
# Upstream's own iterators, from the vanilla tag of a kernel tree (its work
# tree may hold our patch series, which replaces them): the checked-in
# little-endian light skeleton is the reference for the output format, and
# the source is one more input for our generator.
rel=kernel/bpf/preload/iterators
for tree in "$CACHE"/kernels/*/src; do
	git -C "$tree" rev-parse -q --verify vanilla >/dev/null 2>&1 || continue
	git -C "$tree" show "vanilla:$rel/iterators.lskel-little-endian.h" \
		>"$out/upstream_iterators.lskel.h.tmp" 2>/dev/null || continue
	git -C "$tree" show "vanilla:$rel/iterators.bpf.c" >"$out/upstream_iterators.bpf.c"
	mv "$out/upstream_iterators.lskel.h.tmp" "$out/upstream_iterators.lskel.h"
	in_root sh -ec '
		out=$1
		clang-19 -target bpfel -I/usr/include/$(uname -m)-linux-gnu -g -O2 \
			-c "$out/upstream_iterators.bpf.c" -o "$out/upstream_iterators.bpf.o"
	' sh "$rout"
	note "upstream iterators reference taken from $tree (tag vanilla)"
	break
done
rm -f "$out/upstream_iterators.lskel.h.tmp"
ls "$out"
