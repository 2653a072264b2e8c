# SPDX-License-Identifier: GPL-2.0
# Fault injection at every step of loading bpf_preload (CONFIG_FAIL_BPF_PRELOAD):
# for k = 1, 2, ... the fail_bpf_preload attribute fails step k (the runner's
# steps, each bpf() command, BTF lookup and close of the real generated
# loader, each attach) until init succeeds. Each failed init must return the
# injected errno (ENOMEM) with one error line naming the step, and leave no
# program, map, link or BTF object and no descriptor behind; on kernels with
# kmemleak, no leak.
#
# busybox modprobe retries a failed finit_module() with init_module(), so
# each k runs init twice: times=2 fails step k of the first attempt and the
# first step of the second.
#
# The steps that failed must be as many as the built sources declare
# (FI_STEPS, from scripts/kernel.sh: the runner's steps, the loader's
# FAULT_STEPS and the module's steps), so a step that no longer consults the
# attribute fails the test rather than shortening the count.
. /tests/lib.sh
. /tests/preload-common.sh

FI=/sys/kernel/debug/fail_bpf_preload
[ -d /sys/kernel/debug/fail_bpf_preload ] ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
[ -d $FI ] || skip "no $FI (CONFIG_FAIL_BPF_PRELOAD is off in this kernel)"
is_builtin bpf_preload && skip "bpf_preload is built in"
command -v bpfload >/dev/null || fail "no bpfload to list the kernel's BPF objects"
[ -z "${FI_STEPS_ERROR-}" ] || fail "$FI_STEPS_ERROR"
[ -n "${FI_STEPS-}" ] ||
	fail "no FI_STEPS in /tests/env: the kernel build wrote no fault-steps (rebuild it)"

disarm() {
	echo 0 >$FI/probability
	echo 0 >$FI/space
	echo 1 >$FI/times
}
trap disarm EXIT
unload_preload
disarm
echo 0 >$FI/verbose
echo 1 >$FI/interval
echo 0 >$FI/task-filter

# snapshot FILE: every BPF object in the kernel and every BPF descriptor of
# every task.
snapshot() {
	bpfload ids >"$1" || fail "bpfload ids"
	for p in /proc/[0-9]*; do
		bpf_fds "${p##*/}" | sed "s|^|fd of ${p##*/}: |"
	done >>"$1"
}

# settled BASE: wait (up to 5 s; the kernel frees objects a moment after
# their last reference goes) until snapshot shows nothing that BASE lacks.
# Only additions count: an object of an earlier test can still be on its way
# out when BASE is taken (a sleepable program, such as a loader, is freed
# after an RCU tasks trace grace period, seconds under TCG), and IDs are
# never reused, so whatever a failed init leaves is a line BASE lacks.
# The lines left are in /tmp/fi.new.
settled() {
	j=0
	while [ $j -lt 50 ]; do
		snapshot /tmp/fi.now
		grep -vxF -f "$1" /tmp/fi.now >/tmp/fi.new || return 0
		sleep 0.1
		j=$((j + 1))
	done
	return 1
}

snapshot /tmp/fi.base
[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK

k=0
clean=0
: >/tmp/fi.steps
while :; do
	k=$((k + 1))
	[ $k -le 200 ] || fail "init still fails after 200 injected steps"
	dmesg -c >/dev/null
	echo $k >$FI/space
	echo 2 >$FI/times
	echo 100 >$FI/probability
	if modprobe bpf_preload 2>/tmp/fi.err; then
		disarm
		break
	fi
	disarm
	dmesg >/tmp/fi.log
	grep -q '^bpf_preload ' /proc/modules && fail "step $k: bpf_preload is loaded after a failed init"
	grep -qi 'memory' /tmp/fi.err ||
		fail "step $k: modprobe did not fail with ENOMEM: $(cat /tmp/fi.err)"
	# The first attempt's line names step k; the retry's, the first step.
	lines=$(grep -c 'bpf_preload: .* failed: ' /tmp/fi.log || true)
	[ "$lines" -ge 1 ] && [ "$lines" -le 2 ] ||
		fail "step $k: $lines error lines, expected one per init attempt: $(cat /tmp/fi.log)"
	line=$(grep -m1 'bpf_preload: .* failed: ' /tmp/fi.log | sed 's/^\[[^]]*\] *//')
	case $line in
	"bpf_preload: "*" failed: ENOMEM") ;;
	*) fail "step $k: error line '$line' does not end in ENOMEM" ;;
	esac
	step=${line#bpf_preload: }
	step=${step% failed: ENOMEM}
	grep -qxF "$step" /tmp/fi.steps && fail "step $k: '$step' also failed at an earlier step"
	echo "$step" >>/tmp/fi.steps
	if settled /tmp/fi.base; then
		clean=$((clean + 1))
		echo "step $k: $step: clean"
	else
		echo "step $k: $step: left behind:"
		cat /tmp/fi.new
	fi
done
n=$((k - 1))
[ $n -gt 0 ] || fail "init succeeded with the first step injected"
# The module loaded with every step passing: it works, and unloads cleanly.
mount_bpffs /mnt/a
check_mount /mnt/a
umount /mnt/a
rmmod bpf_preload || fail "rmmod bpf_preload"
settled /tmp/fi.base || {
	cat /tmp/fi.new
	fail "objects left after a successful load and rmmod"
}
if [ -w $KMEMLEAK ]; then
	leaks=$(kmemleak_report)
	[ -z "$leaks" ] || fail "kmemleak: $leaks"
	echo "kmemleak: nothing suspected"
fi
echo "$n steps injected, $clean/$n clean"
[ "$n" = "$FI_STEPS" ] ||
	fail "$n steps failed one by one, but the sources declare $FI_STEPS ($FI_STEPS_DECLARED)"
echo "$n steps, as declared ($FI_STEPS_DECLARED)"
[ $clean = $n ] || fail "$((n - clean)) of $n failed steps left something behind"
