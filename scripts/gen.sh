#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the checked-in generated files from source: the iterators'
# objects are compiled in the build root (clang 19), one per byte order, then
# the generator writes their Rust kernel and C light skeletons, and the Rust
# kernel skeleton with fault injection that CONFIG_FAIL_BPF_PRELOAD builds
# use instead. Each byte order's loader comes from the object of that byte
# order: clang folds byte-order-dependent constants into the code, so no
# object converts faithfully to the other byte order.
#
#   scripts/gen.sh           rewrite the files
#   scripts/gen.sh --check   fail, naming the file, if any is stale

. "$(dirname "$0")/common.sh"

check=0
[ "${1-}" = --check ] && check=1
cd "$TOP"
obj=$TOP/build/gen
mkdir -p "$obj"
for target in bpfel bpfeb; do
	out=iterators.bpf.o
	[ $target = bpfeb ] && out=iterators.bpfeb.o
	in_root clang-19 -target $target -I/usr/include/x86_64-linux-gnu -g -O2 -Wall -Werror \
		-c /work/top/iterators/iterators.bpf.c -o "$(root_path "$obj")/$out"
done
build_cli
gen=$LSKEL

# LANG SKEL-NAME FILE [OPTION...]
outputs=(
	"rust-kernel iterators iterators/iterators_skel_generated.rs"
	"rust-kernel iterators iterators/iterators_fi_skel_generated.rs --fault-inject"
	"c iterators_bpf iterators/iterators.lskel.h"
)
stale=0
for o in "${outputs[@]}"; do
	read -r lang name file opts <<<"$o"
	tmp=$obj/$(basename "$file")
	# The generator records the object's file name, never the host path.
	# shellcheck disable=SC2086 # $opts holds zero or more options.
	(cd "$obj" && "$gen" gen skeleton -L iterators.bpf.o iterators.bpfeb.o --lang "$lang" \
		--endian both --name "$name" $opts -o "$tmp")
	if [ $check = 1 ]; then
		if ! cmp -s "$tmp" "$file"; then
			echo "stale: $file (run 'make gen')" >&2
			diff -u "$file" "$tmp" | head -n 20 >&2 || true
			stale=1
		fi
	else
		cp "$tmp" "$file"
	fi
done
if [ $check = 1 ]; then
	[ $stale = 0 ] || die "generated files are stale"
	echo "generated files are fresh"
fi
