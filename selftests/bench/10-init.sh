# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: `modprobe bpf_preload` (ours, Rust) against
# `modprobe bpf_preload_ref` (upstream's C), alternating A B A B, rmmod after
# each, BENCH_INIT_N rounds after one warm-up round; then the loaded size of
# each (/proc/modules). Prints "@csv,..." samples for scripts/bench.sh.
. /tests/lib.sh
. /tests/preload-common.sh
. /tests/bench-lib.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
need_benchtime
n=${BENCH_INIT_N:-30}
unload_preload
echo "@uname,$(uname -r)"

# once ROUND WHO MODULE: one timed modprobe, then rmmod; round 0 is a warm-up.
once() {
	t=$(benchtime modprobe "$3") || fail "modprobe $3"
	grep -q "^$3 " /proc/modules || fail "$3 not in /proc/modules after modprobe"
	size=$(awk -v m="$3" '$1 == m { print $2 }' /proc/modules)
	rmmod "$3" || fail "rmmod $3"
	settle
	[ "$1" = 0 ] && return 0
	csv init modprobe - "$1" "$2" "$t"
	[ "$1" = 1 ] && csv size loaded - 1 "$2" "$size"
	return 0
}

r=0
while [ $r -le "$n" ]; do
	once $r ours bpf_preload
	once $r ref bpf_preload_ref
	r=$((r + 1))
done
echo "$n rounds of modprobe, ours and reference alternating"
