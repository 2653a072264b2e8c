# SPDX-License-Identifier: GPL-2.0
# Not a test: what `make run` shows. Mount bpffs where distributions do and
# print both files, as a user would; then unmount, so that tests run after
# it (make check's m tiers run it first) start without its pins.
. /tests/lib.sh

mkdir -p /sys/fs/bpf
mount -t bpf bpf /sys/fs/bpf || fail "mounting bpffs"
if grep -q '^bpf_preload ' /proc/modules; then
	echo "(bpf_preload was loaded on demand by the bpffs mount)"
fi
# Which implementation runs, from its symbols (preload_impl, lib.sh).
case $(preload_impl) in
rust-module) echo "(bpf_preload is this project's Rust module, loaded: /proc/kallsyms lists symbols of its Rust crate, bpf_preload)" ;;
rust-builtin) echo "(bpf_preload is this project's Rust module, built in: vmlinux has symbols of its Rust crate, bpf_preload)" ;;
c-module) echo "(bpf_preload is loaded but is not this project's Rust module: it has no symbols of the Rust crate bpf_preload, as upstream's C module)" ;;
c-builtin) echo "(bpf_preload is built in but is not this project's Rust module: vmlinux has no symbols of the Rust crate bpf_preload, as with upstream's C module)" ;;
unknown-module) echo "(bpf_preload is loaded, but /proc/kallsyms lists none of its symbols: which implementation it is cannot be told)" ;;
*) echo "(no bpf_preload: the mount loaded none and none is built in)" ;;
esac
for f in progs.debug maps.debug; do
	echo "\$ cat /sys/fs/bpf/$f"
	cat /sys/fs/bpf/$f || fail "reading /sys/fs/bpf/$f"
done
umount /sys/fs/bpf
