# SPDX-License-Identifier: GPL-2.0
# Once loaded, only the iterators' objects remain: two programs and the
# .rodata map. The loader's own map and program (__loader.map,
# __loader.prog) and every descriptor are gone. Built in, init (pid 1) holds
# no BPF descriptor: the module initialised in its file table.
. /tests/lib.sh
. /tests/preload-common.sh

unload_preload
is_builtin bpf_preload || modprobe bpf_preload || fail "modprobe bpf_preload"
mount_bpffs /mnt/a
wait_settled /mnt/a 2 1
cat /mnt/a/progs.debug /mnt/a/maps.debug
grep -q __loader /mnt/a/progs.debug /mnt/a/maps.debug && fail "a __loader object is left"
fds=$(bpf_fds 1)
[ -z "$fds" ] || fail "init (pid 1) holds BPF descriptors: $fds"
fds=$(bpf_fds $$)
[ -z "$fds" ] || fail "this shell holds BPF descriptors: $fds"
umount /mnt/a
unload_preload
