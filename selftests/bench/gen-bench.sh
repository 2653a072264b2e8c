#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the build root (scripts/bench.sh): loader size and generation
# time of `bpf-lskel gen skeleton -L` against `bpftool gen skeleton -L`, on
# iterators.bpf.o (ours, and upstream's as "vanilla"), and on synthetic
# objects of 1, 10, 50 and 200 programs.
#
#   gen-bench.sh WORKDIR BPF_LSKEL BENCHTIME ROUNDS ITERATORS_C VANILLA_ITERATORS_C
#
# Prints "@csv,..." samples like the guest scripts; times in nanoseconds,
# sizes in bytes.
set -eu
w=$1 lskel=$2 benchtime=$3 rounds=$4 iter_c=$5 vanilla_c=$6
counts="1 10 50 200"
here=$(dirname "$0")

csv() {
	echo "@csv,$1,$2,$3,$4,$5,$6"
}

cc() {
	clang-19 -target bpfel -I/usr/include/"$(uname -m)"-linux-gnu -g -O2 -Wall -Werror \
		-c "$1" -o "$2"
}

# synth N: N programs, each with its own constant, sharing one map and one
# subprogram, the shape of a typical multi-program object.
synth() {
	echo '#include <linux/bpf.h>'
	echo '#include <bpf/bpf_helpers.h>'
	echo 'struct {'
	echo '	__uint(type, BPF_MAP_TYPE_ARRAY);'
	echo '	__uint(max_entries, 1);'
	echo '	__type(key, __u32);'
	echo '	__type(value, __u64);'
	echo '} counts SEC(".maps");'
	echo 'static __noinline int add(int x)'
	echo '{'
	echo '	__u32 k = 0;'
	echo '	__u64 *v = bpf_map_lookup_elem(&counts, &k);'
	echo '	if (v)'
	echo '		__sync_fetch_and_add(v, x);'
	echo '	return 0;'
	echo '}'
	i=1
	while [ $i -le "$1" ]; do
		echo "SEC(\"xdp\") int prog$i(struct xdp_md *ctx) { return add($i) + XDP_PASS; }"
		i=$((i + 1))
	done
	echo 'char LICENSE[] SEC("license") = "GPL";'
}

objs="iterators"
cc "$iter_c" "$w/iterators.bpf.o"
cc "$vanilla_c" "$w/vanilla.bpf.o"
for n in $counts; do
	synth "$n" >"$w/n$n.bpf.c"
	cc "$w/n$n.bpf.c" "$w/n$n.bpf.o"
	objs="$objs n$n"
done

# Sizes: of the loader instructions and the blob in each tool's C header.
for o in $objs vanilla; do
	bpftool gen skeleton -L "$w/$o.bpf.o" name "$o" >"$w/$o.bpftool.h"
	"$lskel" gen skeleton -L "$w/$o.bpf.o" --lang c --endian little --name "$o" -o "$w/$o.ours.h"
	read -r bi bd <<-EOF
		$(python3 "$here/lskel-size.py" "$w/$o.bpftool.h")
	EOF
	read -r oi od <<-EOF
		$(python3 "$here/lskel-size.py" "$w/$o.ours.h")
	EOF
	csv loader insns "$o" 1 bpftool "$bi"
	csv loader blob "$o" 1 bpftool "$bd"
	csv loader insns "$o" 1 ours "$oi"
	csv loader blob "$o" 1 ours "$od"
done
# The loader bpf_preload runs: the Rust kernel skeleton's, which reads fewer
# ctx inputs than a C skeleton's (no verifier log, no overrides).
"$lskel" gen skeleton -L "$w/iterators.bpf.o" --lang rust-kernel --endian little \
	--name iterators -o "$w/iterators.kernel.rs"
read -r ki kd <<-EOF
	$(python3 "$here/lskel-size.py" "$w/iterators.kernel.rs")
EOF
csv loader insns iterators-kernel 1 ours "$ki"
csv loader blob iterators-kernel 1 ours "$kd"

# Times, alternating: one untimed warm-up pair, then ROUNDS pairs per object.
for o in $objs; do
	r=0
	while [ $r -le "$rounds" ]; do
		t=$("$benchtime" "$lskel" gen skeleton -L "$w/$o.bpf.o" --lang c --endian little --name "$o")
		[ $r = 0 ] || csv gen time "$o" $r ours "$t"
		t=$("$benchtime" bpftool gen skeleton -L "$w/$o.bpf.o" name "$o")
		[ $r = 0 ] || csv gen time "$o" $r bpftool "$t"
		r=$((r + 1))
	done
done
