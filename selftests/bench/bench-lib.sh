# SPDX-License-Identifier: GPL-2.0
# Helpers for the benchmark scripts, sourced after lib.sh. Samples go to
# stdout as "@csv,FIGURE,CASE,PARAM,ROUND,WHO,VALUE" lines, which
# scripts/bench.sh picks out of the serial log; times are in nanoseconds.

# Settings from scripts/bench.sh (BENCH_*), when it wrote any.
[ -r /etc/bench.conf ] && . /etc/bench.conf

csv() {
	echo "@csv,$1,$2,$3,$4,$5,$6"
}

need_benchtime() {
	command -v benchtime >/dev/null ||
		skip "no benchtime helper in this initramfs: run 'make bench'"
}

# Let deferred frees (RCU, workqueues) of the BPF objects just released run
# before the next sample, so one sample does not pay for the last.
settle() {
	sleep 0.1
}
