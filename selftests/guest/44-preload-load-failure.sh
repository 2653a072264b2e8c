# SPDX-License-Identifier: GPL-2.0
# A loader step that fails (here: the JIT is off, so the iterators' kfunc
# call cannot load) fails init with one error line naming the step the
# loader program failed at, leaves nothing behind, and bpffs still mounts,
# without the files.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
jit=/proc/sys/net/core/bpf_jit_enable
[ -w $jit ] || skip "no $jit to turn the JIT off"
unload_preload
echo 0 >$jit 2>/dev/null || skip "the JIT cannot be turned off (BPF_JIT_ALWAYS_ON)"
trap 'echo 1 >$jit' EXIT
dmesg -c >/dev/null
modprobe bpf_preload 2>/dev/null && fail "modprobe bpf_preload succeeded without the JIT"
grep -q '^bpf_preload ' /proc/modules && fail "bpf_preload is loaded after a failed init"
dmesg >/tmp/log
cat /tmp/log
# One line per init attempt (busybox modprobe tries finit_module, then init_module).
grep -q 'failed' /tmp/log || fail "init failed without an error line"
expect_eq "distinct error lines" 1 "$(grep 'failed' /tmp/log | sort -u | wc -l)"
# The loader itself names its step that failed: the first program load.
grep -q 'bpf_preload: loading program dump_bpf_map failed: ENOTSUPP$' /tmp/log ||
	fail "the error line does not name the loader's step"
# Mounting asks for the module again, which fails again: no files, no error.
dmesg -c >/dev/null
mount_bpffs /mnt/a
expect_eq "files in a mount without bpf_preload" "" "$(ls -A /mnt/a)"
umount /mnt/a
echo 1 >$jit
# Nothing left: the reference, loaded now, sees only its own objects.
modprobe bpf_preload_ref || fail "modprobe bpf_preload_ref"
mount_bpffs /mnt/a
wait_settled /mnt/a 2 1
umount /mnt/a
rmmod bpf_preload_ref
