# SPDX-License-Identifier: GPL-2.0
# A file bpffs pinned keeps its own link reference: it keeps working after the
# module that provided it is unloaded, for ours as for the reference.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
for mod in bpf_preload_ref bpf_preload; do
	unload_preload
	modprobe "$mod" || fail "modprobe $mod"
	mount_bpffs /mnt/a
	rmmod "$mod" || fail "rmmod $mod with its files pinned"
	check_mount /mnt/a
	echo "$mod: files work after rmmod"
	umount /mnt/a
done
