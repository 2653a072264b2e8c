#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a built kernel under qemu and run guest tests; print KTAP and a closing
# "N passed, N failed" line.
#
#   selftests/run.sh [TEST...]      (default: every test in selftests/guest/)
#
# Environment:
#   KERNEL   7.3 (default) or 6.12
#   VARIANT  m (default), y, fi (m with fault injection) or debug
#   TIMEOUT  seconds before the guest is killed (default 300; fi 900; debug
#            3600; with LONG=1: 2400, debug 14400)
#   LONG     1: the heavy tests run their long mode (48-preload-cycles: 1000
#            cycles, 50-preload-races: 10 min); passed to the guest in
#            /tests/env with KERNEL and VARIANT (and, with fault injection,
#            FI_STEPS from the build's fault-steps)
#   MEM      guest memory (default 2G: KASAN takes an eighth for its shadow)
#   ACCEL    auto (default), tcg or kvm. auto uses KVM only when a probe (run
#            once per host kernel and qemu, cached) saw a guest boot under it:
#            on some machines /dev/kvm opens but guests hang.
#   SMP      guest CPUs (default 2)
#   GUEST_DIR  directory of the scripts to run (default selftests/guest);
#            selftests/guest/*.sh (lib.sh and its helpers) are always in
#            the guest, e.g. GUEST_DIR=selftests/bench for `make bench`
#   EXTRA_ROOT  a directory copied over the initramfs root (extra tools)
#   RESULTS_DIR  where the initramfs and serial log go (default
#            build/selftests/KERNEL-VARIANT)
#
# Fails on a failed test, a timeout, a missing end marker, or any Oops, BUG,
# WARNING, KASAN, kmemleak, lockdep or panic line in the serial log, which is
# kept under build/selftests/.

. "$(dirname "$0")/../scripts/common.sh"

VARIANT=${VARIANT:-m}
LONG=${LONG:-0}
# A debug kernel under TCG runs a test about five times slower (KASAN,
# lockdep) and waits 5 s after each for kmemleak to see its objects: on a
# loaded 2-core host the 6.12 debug run took over 1500 s. Hangs still show
# early, as hung-task reports in the log.
case $VARIANT:$LONG in
debug:1) TIMEOUT=${TIMEOUT:-14400} ;;
*:1) TIMEOUT=${TIMEOUT:-2400} ;;
debug:*) TIMEOUT=${TIMEOUT:-3600} ;;
fi:*) TIMEOUT=${TIMEOUT:-900} ;;
*) TIMEOUT=${TIMEOUT:-300} ;;
esac
MEM=${MEM:-2G}
ACCEL=${ACCEL:-auto}
SMP=${SMP:-2}
OUT=$CACHE/kernels/$KERNEL/build-$VARIANT
RESULTS=${RESULTS_DIR:-$TOP/build/selftests/$KERNEL-$VARIANT}
LIB=$TOP/selftests/guest
GUEST=${GUEST_DIR:-$LIB}
case $GUEST in /*) ;; *) GUEST=$TOP/$GUEST ;; esac

# Shared with other guest runs, exclusive against a rebuild (scripts/kernel.sh).
mkdir -p "$CACHE/kernels/$KERNEL"
exec 9>"$CACHE/kernels/$KERNEL/.lock"
flock -s 9

[ -e "$OUT/arch/x86/boot/bzImage" ] ||
	die "no $KERNEL ($VARIANT) kernel built: run 'make kernel KERNEL=$KERNEL VARIANT=$VARIANT'"
[ -d "$OUT/modinst/lib/modules" ] || die "$OUT/modinst is missing: rebuild the kernel"

tests=("$@")
if [ ${#tests[@]} = 0 ]; then
	for t in "$GUEST"/[0-9]*.sh; do
		tests+=("$(basename "$t" .sh)")
	done
fi
for t in "${tests[@]}"; do
	[ -f "$GUEST/$t.sh" ] || die "no guest test named '$t' (see ${GUEST#"$TOP"/}/)"
done

# The static helpers the tests call (bpfload); a no-op when up to date.
"$TOP/scripts/guest-bin.sh" || die "building the guest helpers failed (scripts/guest-bin.sh)"

mkdir -p "$RESULTS"
rm -f "$RESULTS"/serial.log

# The initramfs: static busybox, the installed modules, the tests, any static
# helpers from build/guest-bin, and an init that runs the tests.
stage=$(mktemp -d "$CACHE/initramfs.XXXXXX")
# mktemp makes it 0700: the guest's / must let unprivileged users in.
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,mnt,run,etc,tests,usr/bin}
cp "$ROOT/usr/bin/busybox" "$stage/bin/busybox"
cp -a "$OUT/modinst/lib" "$stage/lib"
cp "$LIB"/*.sh "$stage/tests/"
[ "$GUEST" = "$LIB" ] || cp "$GUEST"/*.sh "$stage/tests/"
if [ -d "$TOP/build/guest-bin" ]; then
	cp -a "$TOP/build/guest-bin/." "$stage/usr/bin/"
fi
if [ -n "${EXTRA_ROOT:-}" ]; then
	[ -d "$EXTRA_ROOT" ] || die "EXTRA_ROOT=$EXTRA_ROOT is not a directory"
	cp -a "$EXTRA_ROOT/." "$stage/"
fi
cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
exec /bin/sh /tests/lib.sh --main </dev/console >/dev/console 2>&1
EOF
chmod +x "$stage/init"
printf '%s\n' "${tests[@]}" >"$stage/tests/list"
printf 'KERNEL=%s\nVARIANT=%s\nLONG=%s\n' "$KERNEL" "$VARIANT" "$LONG" >"$stage/tests/env"
# With fault injection: how many steps the built sources declare (kernel.sh).
[ ! -e "$OUT/fault-steps" ] || cat "$OUT/fault-steps" >>"$stage/tests/env"
(cd "$stage" && find . | sort | cpio -o -H newc --quiet | gzip -1) >"$RESULTS/initramfs.cpio.gz"

# qemu_boot SECONDS LOG ACCEL-ARGS...: boot the initramfs, serial to LOG.
qemu_boot() {
	local secs=$1 log=$2
	shift 2
	timeout --foreground -k 5 "$secs" qemu-system-x86_64 "$@" -m "$MEM" -smp "$SMP" \
		-kernel "$OUT/arch/x86/boot/bzImage" -initrd "$RESULTS/initramfs.cpio.gz" \
		-display none -monitor none -serial "file:$log" -no-reboot \
		-append "console=ttyS0 panic=-1 quiet loglevel=4" </dev/null
}

if [ "$ACCEL" = auto ]; then
	probe=$CACHE/kvm-probe.$(uname -r).$(qemu-system-x86_64 --version | head -n1 | tr -dc '0-9.')
	if [ ! -e "$probe" ]; then
		verdict=tcg
		if [ -w /dev/kvm ]; then
			note "probing KVM (once): does a guest boot under it?"
			qemu_boot 30 "$RESULTS/kvm-probe.log" -accel kvm >/dev/null 2>&1 || true
			grep -q '^# guest done' "$RESULTS/kvm-probe.log" 2>/dev/null && verdict=kvm
		fi
		echo "$verdict" >"$probe"
	fi
	ACCEL=$(cat "$probe")
fi
accel=(-accel "$ACCEL")

long=
[ "$LONG" = 1 ] && long=", long mode"
note "booting $KERNEL ($VARIANT$long) under $ACCEL, timeout ${TIMEOUT}s: ${tests[*]}"
t0=$(date +%s.%N)
status=0
qemu_boot "$TIMEOUT" "$RESULTS/serial.log" "${accel[@]}" || status=$?
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN { print $t1 - $t0 }")

log=$RESULTS/serial.log
# The KTAP the guest printed, as is.
sed -n '/^KTAP version 1/,/^# guest done/p' "$log" | tr -d '\r'

fail=0
if [ $status = 124 ] || [ $status = 137 ]; then
	echo "# error: the guest did not finish within ${TIMEOUT}s"
	fail=1
elif ! grep -q '^# guest done' "$log"; then
	echo "# error: the guest stopped before running every test (qemu status $status)"
	fail=1
fi
# Kernel complaints fail the run even when every test passed.
bad='Oops|BUG:|WARNING:|KASAN:|kmemleak: [0-9]+ new suspected|Kernel panic|UBSAN:|possible circular locking|possible recursive locking|inconsistent lock state|irq lock inversion|lockdep is turned off|INFO: task .* blocked|Call Trace:'
if grep -Eq "$bad" "$log"; then
	echo "# error: the kernel complained:"
	grep -En -B2 -A12 "$bad" "$log" | head -n 60 | sed 's/^/#   /'
	fail=1
fi
passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^not ok ' "$log" || true)
skipped=$(grep -c '^ok .* # SKIP' "$log" || true)
passed=$((passed - skipped))
[ "$failed" = 0 ] || fail=1
echo "# guest: $KERNEL ($VARIANT), $ACCEL, $(printf '%.1f' "$secs") s from boot to power-off"
[ $fail = 0 ] || echo "# serial log: $log"
echo "$passed passed, $failed failed, $skipped skipped"
exit $fail
