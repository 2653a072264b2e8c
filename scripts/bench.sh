#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: measurements against upstream, not tests (not part of `make
# check`). Builds what it needs, boots the guest once for the in-kernel
# figures and once per cold modprobe sample, times the generators in the
# build root, and writes a markdown
# table, the raw samples (CSV) and PNG plots to build/bench/RUN/, with
# build/bench/latest pointing at the last run.
#
# Figures (every time: median over alternating runs A B A B ..., min, max,
# and the median of the per-pair ratios):
#   1. module init: modprobe bpf_preload (Rust) vs bpf_preload_ref (C), and
#      where ours spends it, from kprobe events in the guest kernel; and the
#      first modprobe after boot, caches cold, one boot per sample
#   2. loader size for iterators.bpf.o vs upstream's light skeleton
#   3. generation time: bpf-lskel vs bpftool gen skeleton -L, 1..200 programs
#   4. introspection: cat progs.debug/maps.debug vs bpftool prog/map show,
#      with 100 to 10000 programs and maps loaded
#   5. module size: .ko (debug info stripped alike) and loaded size
#
# Environment: KERNEL (7.3, default, or 6.12); BENCH_INIT_N (30),
# BENCH_TRACE_N (30), BENCH_GEN_N (20), BENCH_INTRO_N (5) rounds,
# BENCH_COLD_N (10) boots per module for the cold modprobe;
# BENCH_SCALE ("100 1000 10000") object counts for figure 4; BENCH_PUBLISH=1
# also copies the table and plots to docs/bench/ (what README.md shows).

. "$(dirname "$0")/common.sh"

export KERNEL VARIANT=m
BENCH_INIT_N=${BENCH_INIT_N:-30}
BENCH_TRACE_N=${BENCH_TRACE_N:-30}
BENCH_GEN_N=${BENCH_GEN_N:-20}
BENCH_INTRO_N=${BENCH_INTRO_N:-5}
BENCH_COLD_N=${BENCH_COLD_N:-10}
BENCH_SCALE=${BENCH_SCALE:-100 1000 10000}
KDIR=$CACHE/kernels/$KERNEL
OUT=$KDIR/build-$VARIANT
BENCH=$TOP/build/bench
STAGE=$BENCH/stage
VENV=$CACHE/venv
run_id=$(date -u +%Y%m%dT%H%M%SZ)-$KERNEL
# Timings on shared cores: say how busy the host was around the guest run.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
RUN=$BENCH/$run_id
mkdir -p "$RUN" "$STAGE"
cd "$TOP"

# --- what the figures need ----------------------------------------------------

note "toolchain and kernel $KERNEL ($VARIANT)"
scripts/toolchain.sh >"$RUN/toolchain.log" 2>&1 || {
	tail -n 20 "$RUN/toolchain.log" >&2
	die "toolchain failed, see $RUN/toolchain.log"
}
# Rebuild (and wait for the kernel's lock) only when the kernel is missing or
# older than what goes into it.
stamp=$OUT/modinst/lib/modules
if [ -d "$stamp" ] && [ -n "$(find "$stamp" -name bpf_preload_ref.ko)" ] &&
	[ -z "$(find rust preload iterators Kconfig Kbuild selftests/configs scripts/series.sh \
		scripts/kernel.sh -newer "$stamp" -print -quit)" ]; then
	note "kernel $KERNEL ($VARIANT) is up to date"
else
	scripts/kernel.sh all
fi
build_cli

# The bench-only part of the initramfs: benchtime, bpftool and the shared
# libraries it needs (as ldd finds them in the build root), the settings.
note "staging benchtime and bpftool for the guest"
rm -rf "$STAGE"
mkdir -p "$STAGE"/{usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc}
in_root gcc -static -O2 -Wall -Wextra -Werror -o "$(root_path "$STAGE")/usr/bin/benchtime" \
	/work/top/selftests/bench/benchtime.c
in_root sh -ec '
	s=$1
	cp /usr/sbin/bpftool $s/usr/sbin/
	ldd /usr/sbin/bpftool | awk "/=> \\// { print \$3 } /^\\t\\/lib/ { print \$1 }" |
	while read -r lib; do
		case $lib in
		*/ld-linux*) cp -L "$lib" $s/lib64/ ;;
		*) cp -L "$lib" $s/lib/x86_64-linux-gnu/ ;;
		esac
	done
' sh "$(root_path "$STAGE")"
[ -e "$STAGE/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader staged for bpftool"
cat >"$STAGE/etc/bench.conf" <<EOF
BENCH_INIT_N=$BENCH_INIT_N
BENCH_TRACE_N=$BENCH_TRACE_N
BENCH_INTRO_N=$BENCH_INTRO_N
BENCH_SCALE="$BENCH_SCALE"
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH
EOF

# --- figures 1, 4 and 5 (loaded size): one guest boot -------------------------

status=0
note "guest: figures 1, 4 and 5 (several minutes under TCG)"
load_guest=$(cut -d' ' -f1-3 /proc/loadavg)
RESULTS_DIR=$RUN/guest GUEST_DIR=selftests/bench EXTRA_ROOT=$STAGE TIMEOUT=${BENCH_TIMEOUT:-3600} \
	selftests/run.sh 10-init 20-breakdown 30-introspect >"$RUN/guest.log" 2>"$RUN/guest.err" || status=$?
grep -v '^# @' "$RUN/guest.log" | grep -E '^(ok|not ok|# (error|FAIL|note|guest))' >&2 || true
mkdir -p "$RUN/guest"
[ -e "$RUN/guest/serial.log" ] || : >"$RUN/guest/serial.log"
accel=$(sed -n 's/.* under \([a-z]*\)[,:].*/\1/p' "$RUN/guest.err" | head -n 1)
tr -d '\r' <"$RUN/guest/serial.log" | sed -n 's/^# @csv,//p' >"$RUN/samples.csv.part"
tr -d '\r' <"$RUN/guest/serial.log" | sed -n 's/^# @trace,//p' >"$RUN/trace.txt"
guest_kernel=$(tr -d '\r' <"$RUN/guest/serial.log" | sed -n 's/^# @uname,//p' | head -n 1)

# --- figure 1d: the first modprobe after boot, one boot per sample -------------

note "guest: cold modprobe, $BENCH_COLD_N boots per module"
r=1
while [ $r -le "$BENCH_COLD_N" ]; do
	for who in ours ref; do
		printf 'BENCH_COLD_WHO=%s\nBENCH_COLD_ROUND=%s\n' "$who" "$r" >"$STAGE/etc/bench-cold.conf"
		d=$RUN/cold/$r-$who
		mkdir -p "$d"
		RESULTS_DIR=$d GUEST_DIR=selftests/bench EXTRA_ROOT=$STAGE TIMEOUT=${BENCH_TIMEOUT:-3600} \
			selftests/run.sh 15-cold >"$d/guest.log" 2>"$d/guest.err" || {
			status=1
			grep -E '^(not ok|# (error|FAIL))' "$d/guest.log" >&2 || true
		}
		[ -e "$d/serial.log" ] && tr -d '\r' <"$d/serial.log" | sed -n 's/^# @csv,//p' >>"$RUN/samples.csv.part"
	done
	r=$((r + 1))
done
rm -f "$STAGE/etc/bench-cold.conf"

# --- figures 2 and 3: generators, in the build root ---------------------------

note "generators: loader size and generation time ($BENCH_GEN_N rounds)"
gw=$RUN/gen
mkdir -p "$gw"
git -C "$KDIR/src" show vanilla:kernel/bpf/preload/iterators/iterators.bpf.c >"$gw/vanilla.bpf.c"
cp "$LSKEL" "$gw/bpf-lskel"
in_root sh /work/top/selftests/bench/gen-bench.sh "$(root_path "$gw")" "$(root_path "$gw")/bpf-lskel" \
	"$(root_path "$STAGE")/usr/bin/benchtime" "$BENCH_GEN_N" /work/top/iterators/iterators.bpf.c \
	"$(root_path "$gw")/vanilla.bpf.c" | sed -n 's/^@csv,//p' >>"$RUN/samples.csv.part" ||
	status=1

# Upstream's checked-in light skeleton, from the vanilla tree in use.
hdr=$(git -C "$KDIR/src" show vanilla:kernel/bpf/preload/iterators/iterators.lskel-little-endian.h)
ui=$(echo "$hdr" | sed -n 's/.*opts\.insns_sz = \([0-9]*\);.*/\1/p')
ud=$(echo "$hdr" | sed -n 's/.*opts\.data_sz = \([0-9]*\);.*/\1/p')
[ -n "$ui" ] && [ -n "$ud" ] || die "no sizes in the vanilla tree's iterators.lskel-little-endian.h"
echo "loader,insns,upstream-header,1,upstream,$ui" >>"$RUN/samples.csv.part"
echo "loader,blob,upstream-header,1,upstream,$ud" >>"$RUN/samples.csv.part"

# --- figure 5: .ko sizes, both installed with INSTALL_MOD_STRIP=1 -------------

ours_ko=$(find "$OUT/modinst" -name bpf_preload.ko | head -n 1)
ref_ko=$(find "$OUT/modinst" -name bpf_preload_ref.ko | head -n 1)
[ -n "$ours_ko" ] && [ -n "$ref_ko" ] || die "bpf_preload.ko or bpf_preload_ref.ko not installed in $OUT/modinst"
echo "size,ko,-,1,ours,$(stat -c %s "$ours_ko")" >>"$RUN/samples.csv.part"
echo "size,ko,-,1,ref,$(stat -c %s "$ref_ko")" >>"$RUN/samples.csv.part"
{
	echo "figure,case,param,round,who,value"
	cat "$RUN/samples.csv.part"
} >"$RUN/samples.csv"
rm -f "$RUN/samples.csv.part"

# --- report ------------------------------------------------------------------

commit=$(git rev-parse --short=12 HEAD)
# The kernel is built from the work tree: say when it is not the commit.
[ -z "$(git status --porcelain -- rust preload iterators generator Kconfig Kbuild scripts selftests)" ] ||
	commit="$commit + uncommitted changes"
cat >"$RUN/meta.txt" <<EOF
kernel=$KERNEL $(cat "$KDIR/VERSION") ($VARIANT)${guest_kernel:+, guest uname -r $guest_kernel}
qemu=${accel:-unknown}, $(qemu-system-x86_64 --version | head -n 1)
commit=$commit
date=$(date -u '+%Y-%m-%d %H:%M UTC')
host=$(uname -r), $(nproc) CPUs, load average $load_before at start, $load_guest at guest boot, $(cut -d' ' -f1-3 /proc/loadavg) at end
EOF

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
	note "installing matplotlib into $VENV"
	py=/usr/bin/python3
	"$py" -m venv --help >/dev/null 2>&1 || py=python3
	rm -rf "$VENV"
	"$py" -m venv "$VENV" >"$RUN/venv.log" 2>&1 &&
		"$VENV/bin/python" -m pip install -q 'matplotlib==3.9.*' >>"$RUN/venv.log" 2>&1 ||
		die "installing matplotlib failed, see $RUN/venv.log"
fi
"$VENV/bin/python" selftests/bench/report.py "$RUN" || status=1
ln -sfn "$run_id" "$BENCH/latest"
if [ "${BENCH_PUBLISH:-0}" = 1 ]; then
	mkdir -p docs/bench
	rm -f docs/bench/*.png
	cp "$RUN"/*.png "$RUN/results.md" docs/bench/
	note "copied the table and plots to docs/bench/"
fi
cat "$RUN/results.md"
echo
note "results: build/bench/$run_id (build/bench/latest)"
[ $status = 0 ] || die "some measurements failed (guest: $RUN/guest.log, serial: $RUN/guest/serial.log)"
