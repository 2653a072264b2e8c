#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): generation time and loader size, ours next to
# `bpftool gen skeleton -L`, for iterators.bpf.o and for synthetic objects
# of 1 to 200 programs. Times are per run of each tool as a process.
#
# Usage: generator/tests/bench.sh [BPF_LSKEL_BINARY] [RUNS]

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

bin=${1:-$TOP/target/release/bpf-lskel}
runs=${2:-20}
work=$TOP/build/bench
mkdir -p "$work"
rwork=$(root_path "$work")
[ -x "$bin" ] || die "$bin missing: cargo build --release"
[ -e "$TOP/build/corpus/iterators.bpf.o" ] || die "run make corpus first"
cp "$TOP/build/corpus/iterators.bpf.o" "$work/"

# Synthetic objects: N programs sharing a map and a subprogram.
for n in 1 10 50 100 200; do
	{
		echo '#include <linux/bpf.h>'
		echo '#include <bpf/bpf_helpers.h>'
		echo 'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } m SEC(".maps");'
		echo 'static __noinline int bump(int x) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&m, &k); if (v) *v += x; return 0; }'
		for i in $(seq 1 $n); do
			echo "SEC(\"xdp\") int p$i(struct xdp_md *c) { return bump($i) + XDP_PASS; }"
		done
		echo 'char LICENSE[] SEC("license") = "GPL";'
	} > "$work/n$n.bpf.c"
done

# bpftool: size from its header, time of RUNS runs inside the root.
in_root sh -ec '
	w=$1; runs=$2
	for n in 1 10 50 100 200; do
		clang-19 -target bpfel -I/usr/include/$(uname -m)-linux-gnu -g -O2 -c $w/n$n.bpf.c -o $w/n$n.bpf.o
	done
	for o in iterators n1 n10 n50 n100 n200; do
		bpftool gen skeleton -L $w/$o.bpf.o name $o > $w/$o.bpftool.h
		s=$(date +%s%N)
		i=0; while [ $i -lt $runs ]; do bpftool gen skeleton -L $w/$o.bpf.o name $o > /dev/null; i=$((i+1)); done
		e=$(date +%s%N)
		echo "$o $(( (e - s) / runs / 1000 ))" >> $w/bpftool.times
	done
' sh "$rwork" "$runs" 2>/dev/null
: > "$work/ours.times"

size_of() { # loader bytes (insns + blob) in a bpftool header
	python3 - "$1" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
def n(var):
    m = re.search(r'static const char %s\[\] __attribute__\(\(__aligned__\(8\)\)\) = "\\\n(.*?)";' % var, s, re.S)
    body = m.group(1).replace('\\\n', '')
    return len(re.findall(r'\\x[0-9a-f]{2}|\\0|[^\\]', body))
print(n('opts_insn'), n('opts_data'))
PY
}

printf '%-10s %12s %12s %8s | %9s %9s %9s %6s\n' object bpftool_us ours_us ratio bpftool_B ours_B "(insn+blob)" ratio
for o in iterators n1 n10 n50 n100 n200; do
	s=$(date +%s%N)
	for _ in $(seq 1 "$runs"); do "$bin" gen skeleton -L "$work/$o.bpf.o" --lang c --endian little --name "$o" > "$work/$o.ours.h"; done
	e=$(date +%s%N)
	ours_us=$(( (e - s) / runs / 1000 ))
	bt_us=$(awk -v o="$o" '$1 == o { print $2 }' "$work/bpftool.times" | tail -n1)
	read -r bi bd < <(size_of "$work/$o.bpftool.h")
	read -r oi od < <(size_of "$work/$o.ours.h")
	printf '%-10s %12s %12s %8s | %9s %9s %11s %6s\n' "$o" "$bt_us" "$ours_us" \
		"$(awk -v a="$ours_us" -v b="$bt_us" 'BEGIN { printf "%.2f", a / b }')" \
		"$((bi + bd))" "$((oi + od))" "$oi+$od" \
		"$(awk -v a="$((oi + od))" -v b="$((bi + bd))" 'BEGIN { printf "%.2f", a / b }')"
done
rm -f "$work/bpftool.times"
