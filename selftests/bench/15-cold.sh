# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: the first modprobe after boot, as a distribution's
# boot does it, with every kernel cache cold (CO-RE candidates among them).
# One module per boot: scripts/bench.sh boots BENCH_COLD_N times per module,
# alternating, and names the module and round in /etc/bench-cold.conf
# (BENCH_COLD_WHO=ours|ref, BENCH_COLD_ROUND). Prints the modprobe time, the
# init function's (kprobe events on do_one_initcall) and how many times
# CO-RE scanned a BTF for candidates (bpf_core_add_cands), as "@csv".
. /tests/lib.sh
. /tests/preload-common.sh
. /tests/bench-lib.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
need_benchtime
[ -r /etc/bench-cold.conf ] || skip "no /etc/bench-cold.conf: run 'make bench'"
. /etc/bench-cold.conf
case $BENCH_COLD_WHO in
ours) mod=bpf_preload ;;
ref) mod=bpf_preload_ref ;;
*) fail "BENCH_COLD_WHO is '$BENCH_COLD_WHO', not ours or ref" ;;
esac
grep -q '^bpf_preload' /proc/modules && fail "a preload module is loaded before the cold modprobe"
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null ||
	skip "no tracefs in this kernel"
[ -e $T/kprobe_events ] || skip "no kprobe events in this kernel"

echo 0 >$T/tracing_on
echo mono >$T/trace_clock 2>/dev/null || echo global >$T/trace_clock
echo >$T/kprobe_events
echo 'p:cold/init_e do_one_initcall' >>$T/kprobe_events || fail "no kprobe on do_one_initcall"
echo 'r:cold/init_x do_one_initcall' >>$T/kprobe_events || fail "no kretprobe on do_one_initcall"
echo 'p:cold/cands bpf_core_add_cands' >>$T/kprobe_events ||
	echo "note: no probe on bpf_core_add_cands (inlined?): CO-RE scans not counted"
echo 1 >$T/events/cold/enable
echo >$T/trace
echo 1 >$T/tracing_on
t=$(benchtime modprobe "$mod") || fail "modprobe $mod"
echo 0 >$T/tracing_on
echo 0 >$T/events/cold/enable
grep -q "^$mod " /proc/modules || fail "$mod not in /proc/modules after modprobe"
# The init function: the one do_one_initcall of modprobe's task.
init=$(grep -v '^#' $T/trace | awk '
	{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) ts = substr($i, 1, length($i) - 1) }
	/ init_e:/ { s = ts } / init_x:/ && s != "" { printf "%.0f\n", (ts - s) * 1e9; exit }')
[ -n "$init" ] || fail "no do_one_initcall entry and return traced"
scans=$(grep -v '^#' $T/trace | grep -c ' cands:' || true)
echo >$T/kprobe_events
csv cold modprobe - "$BENCH_COLD_ROUND" "$BENCH_COLD_WHO" "$t"
csv cold init - "$BENCH_COLD_ROUND" "$BENCH_COLD_WHO" "$init"
csv cold core-scans - "$BENCH_COLD_ROUND" "$BENCH_COLD_WHO" "$scans"
echo "cold modprobe of $mod: $t ns, init $init ns, $scans CO-RE candidate scans"
