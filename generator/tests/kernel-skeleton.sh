#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end check of the rust-kernel back end: generates the skeletons of
# corpus/globals and corpus/kconfig, builds generator/tests/kmod (a test
# module using them) against a built kernel with CLIPPY=1, fails on any
# warning, then loads it in the guest: typed global data read and written
# through kernel::bpf::Map, and the .kconfig map holding what the skeleton
# computed at compile time (expected values from the kernel's .config).
#
# Usage: KERNEL=7.3|6.12 VARIANT=m|y|debug generator/tests/kernel-skeleton.sh

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

KERNEL=${KERNEL:-7.3}
VARIANT=${VARIANT:-m}
src=$CACHE/kernels/$KERNEL/src
obj=$CACHE/kernels/$KERNEL/build-$VARIANT
out=$TOP/build/kmod/$KERNEL-$VARIANT
[ -f "$obj/Module.symvers" ] ||
	die "no $KERNEL ($VARIANT) kernel built: run 'make kernel KERNEL=$KERNEL VARIANT=$VARIANT'"
[ -f "$TOP/build/corpus/kconfig.bpf.o" ] || "$TOP"/generator/tests/build-corpus.sh

cd "$TOP"
cargo build -q --release -p bpf-lskel
rm -rf "$out"
mkdir -p "$out/root"
cp generator/tests/kmod/skeltest.rs generator/tests/kmod/Kbuild "$out/"
for name in globals kconfig; do
	target/release/bpf-lskel gen skeleton -L "build/corpus/$name.bpf.o" "build/corpus/$name.bpfeb.o" \
		--lang rust-kernel --endian both --name "$name" -o "$out/${name}_skel_generated.rs"
done

note "building the test module against $KERNEL ($VARIANT)"
(
	# Shared with guest runs, exclusive with kernel builds of this tree.
	exec 9>"$CACHE/kernels/$KERNEL/.lock"
	flock -s 9
	in_root sh -ec 'cd "$1" && make -s O="$2" LLVM=-19 CLIPPY=1 M="$3" modules 2>&1' \
		sh "$(root_path "$src")" "$(root_path "$obj")" "$(root_path "$out")"
) | tee "$out/build.log"
[ "${PIPESTATUS[0]}" = 0 ] || die "the test module does not build"
! grep -q '^warning' "$out/build.log" || die "warnings building generated skeletons (see $out/build.log)"
cp "$out/skeltest.ko" "$out/root/"

# What the guest must see, from the kernel's configuration.
cfg() { sed -n "s/^$1=//p" "$obj/.config"; }
code=$(sed -n 's/^#define LINUX_VERSION_CODE //p' "$obj/include/generated/uapi/linux/version.h")
case $(cfg CONFIG_BPF_JIT) in y) jit=1 ;; m) jit=2 ;; *) jit=0 ;; esac
case $(cfg CONFIG_BPF_SYSCALL) in y) syscall=true ;; *) syscall=false ;; esac
case $(cfg CONFIG_NET) in y) net=121 ;; m) net=109 ;; *) net=110 ;; esac
printf 'VERSION=%#x\nJIT=%s\nSYSCALL=%s\nNET=%s\n' "$code" "$jit" "$syscall" "$net" >"$out/root/skeltest.expect"

KERNEL=$KERNEL VARIANT=$VARIANT GUEST_DIR=$TOP/generator/tests/kmod/guest EXTRA_ROOT=$out/root \
	"$TOP"/selftests/run.sh 10-skeltest
