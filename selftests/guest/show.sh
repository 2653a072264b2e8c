# SPDX-License-Identifier: GPL-2.0
# Not a test: what `make run` shows. Mount bpffs where distributions do and
# print both files, as a user would.
. /tests/lib.sh

mkdir -p /sys/fs/bpf
mount -t bpf bpf /sys/fs/bpf || fail "mounting bpffs"
if grep -q '^bpf_preload ' /proc/modules; then
	echo "(bpf_preload was loaded on demand by the bpffs mount)"
fi
# Rust symbols are v0-mangled (_R...): tell the user which implementation runs.
if grep ' \[bpf_preload\]$' /proc/kallsyms | grep -q ' _R'; then
	echo "(bpf_preload is this project's Rust module)"
else
	echo "(bpf_preload is upstream's C module: the Rust module is not in the series yet)"
fi
for f in progs.debug maps.debug; do
	echo "\$ cat /sys/fs/bpf/$f"
	cat /sys/fs/bpf/$f || fail "reading /sys/fs/bpf/$f"
done
