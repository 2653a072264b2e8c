# SPDX-License-Identifier: GPL-2.0
# Mounting bpffs without a prior modprobe loads bpf_preload (the kernel asks
# for it by that name) and the mount gets both files.
. /tests/lib.sh
. /tests/preload-common.sh

unload_preload
mount_bpffs /mnt/auto
if [ -n "$(modinfo -F filename bpf_preload 2>/dev/null)" ]; then
	grep -q '^bpf_preload ' /proc/modules || fail "mounting bpffs did not load bpf_preload"
fi
check_mount /mnt/auto
umount /mnt/auto
unload_preload
