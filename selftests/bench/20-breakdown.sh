# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: where module init time goes, measured in the kernel
# with kprobe events (entry and return probes), for ours and the reference,
# alternating, BENCH_TRACE_N rounds. Probes:
#   do_one_initcall  the module's init function, whole
#   kern_sys_bpf     each bpf() command the module issues (cmd), the loader
#                    run being BPF_PROG_TEST_RUN
#   bpf_check        the verifier: of the loader itself, and, nested in the
#                    loader run, of the programs the loader loads
#   __sys_bpf        each bpf() command the loader program issues (optional)
#   load_module      all of finit_module (optional)
#   bpf_int_jit_compile, bpf_compute_live_registers, bpf_check_core_relo
#                    the JIT and two verifier passes (optional)
# Prints the raw trace lines as "@trace,ROUND,WHO,LINE" and the modprobe time
# of each traced round as "@csv" for scripts/bench.sh, which does the sums.
. /tests/lib.sh
. /tests/preload-common.sh
. /tests/bench-lib.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
need_benchtime
n=${BENCH_TRACE_N:-30}
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null ||
	skip "no tracefs in this kernel"
[ -e $T/kprobe_events ] || skip "no kprobe events in this kernel"
unload_preload

echo 0 >$T/tracing_on
# Nanosecond monotonic clock, the same on every CPU.
echo mono >$T/trace_clock 2>/dev/null || echo global >$T/trace_clock
echo >$T/kprobe_events
probe() {
	echo "$1" >>$T/kprobe_events
}
probe 'p:bench/init_e do_one_initcall' || fail "no kprobe on do_one_initcall"
probe 'r:bench/init_x do_one_initcall' || fail "no kretprobe on do_one_initcall"
probe 'p:bench/sys_e kern_sys_bpf cmd=%di:s32' || fail "no kprobe on kern_sys_bpf"
probe 'r:bench/sys_x kern_sys_bpf ret=$retval:s32' || fail "no kretprobe on kern_sys_bpf"
probe 'p:bench/chk_e bpf_check' || fail "no kprobe on bpf_check"
probe 'r:bench/chk_x bpf_check ret=$retval:s32' || fail "no kretprobe on bpf_check"
probe 'p:bench/nsys_e __sys_bpf cmd=%di:s32' && probe 'r:bench/nsys_x __sys_bpf ret=$retval:s32' ||
	echo "note: no probe on __sys_bpf (inlined?): the loader's commands are not broken down"
probe 'p:bench/mod_e load_module' && probe 'r:bench/mod_x load_module ret=$retval:s32' ||
	echo "note: no probe on load_module"
# Inside bpf_check: on 7.3 the JIT runs there (the breakdown counts it
# apart from verification), and two passes worth naming: the liveness
# analysis (7.3; 6.12 has none), which costs per instruction, and the CO-RE relocations.
for p in jit:bpf_int_jit_compile live:bpf_compute_live_registers core:bpf_check_core_relo; do
	probe "p:bench/${p%%:*}_e ${p#*:}" && probe "r:bench/${p%%:*}_x ${p#*:}" ||
		echo "note: no probe on ${p#*:} in this kernel"
done
echo 1 >$T/events/bench/enable

# once ROUND WHO MODULE
once() {
	echo >$T/trace
	echo 1 >$T/tracing_on
	t=$(benchtime modprobe "$3") || fail "modprobe $3"
	echo 0 >$T/tracing_on
	[ "$1" != 0 ] && grep -v '^#' $T/trace | sed "s/^/@trace,$1,$2,/"
	rmmod "$3" || fail "rmmod $3"
	settle
	[ "$1" != 0 ] && csv trace modprobe - "$1" "$2" "$t"
	return 0
}

r=0
while [ $r -le "$n" ]; do
	once $r ours bpf_preload
	once $r ref bpf_preload_ref
	r=$((r + 1))
done
echo 0 >$T/events/bench/enable
# A missed return probe would make a duration wrong: say so.
awk '$3 != 0 { print "@missed," $1 "," $3; bad = 1 } END { exit bad }' $T/kprobe_profile ||
	fail "kprobes missed hits (above)"
echo >$T/kprobe_events
echo "$n traced rounds, ours and reference alternating"
