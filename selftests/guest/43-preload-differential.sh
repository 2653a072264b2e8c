# SPDX-License-Identifier: GPL-2.0
# Differential test against the reference C module: with both loaded, each
# pinned in its own mount, the two iterator implementations walk the same
# programs and maps (theirs and ours) and must print the same bytes.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in: the reference cannot take over its mounts"
unload_preload
# Ours first: it refuses to replace a registered provider, while the
# reference replaces whatever is registered.
modprobe bpf_preload || fail "modprobe bpf_preload"
mount_bpffs /mnt/ours
modprobe bpf_preload_ref || fail "modprobe bpf_preload_ref"
mount_bpffs /mnt/ref
# Both loaders' objects gone: two iterators and one .rodata map each.
wait_settled /mnt/ours 4 2
for f in progs.debug maps.debug; do
	cat /mnt/ours/$f >/tmp/ours.$f
	cat /mnt/ref/$f >/tmp/ref.$f
	echo "$f:"
	cat /tmp/ours.$f
	cmp -s /tmp/ours.$f /tmp/ref.$f || {
		echo "reference $f:"
		cat /tmp/ref.$f
		fail "$f differs between bpf_preload and bpf_preload_ref"
	}
done
expect_eq "programs listed" 4 $(($(wc -l </tmp/ours.progs.debug) - 1))
umount /mnt/ours /mnt/ref
unload_preload
