# SPDX-License-Identifier: GPL-2.0
# The pinned files can be removed like any bpffs file; other mounts keep theirs.
. /tests/lib.sh
. /tests/preload-common.sh

unload_preload
is_builtin bpf_preload || modprobe bpf_preload || fail "modprobe bpf_preload"
mount_bpffs /mnt/a
mount_bpffs /mnt/b
rm /mnt/a/maps.debug /mnt/a/progs.debug || fail "rm of the pinned files"
expect_eq "files left in /mnt/a" "" "$(ls -A /mnt/a)"
check_mount /mnt/b
umount /mnt/a /mnt/b
# A fresh mount gets both files again.
mount_bpffs /mnt/a
check_mount /mnt/a
umount /mnt/a
unload_preload
