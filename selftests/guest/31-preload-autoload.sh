# SPDX-License-Identifier: GPL-2.0
# Mounting bpffs without a prior modprobe loads bpf_preload (the kernel asks
# for it by that name) and the mount gets both files; built in, the files are
# there from the first mount.
. /tests/lib.sh
. /tests/preload-common.sh

unload_preload
mount_bpffs /mnt/auto
if ! preload_builtin; then
	grep -q '^bpf_preload ' /proc/modules || fail "mounting bpffs did not load bpf_preload"
fi
check_mount /mnt/auto
umount /mnt/auto
unload_preload
