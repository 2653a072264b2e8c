#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guests' static helpers into build/guest-bin/, which
# selftests/run.sh copies to /usr/bin in every initramfs. Today that is
# bpfload (selftests/bpfload/), built with the build root's rustc (no cargo
# there; the crate is std only) as a static x86_64 binary. Does nothing when
# the binary is newer than its sources and this script.

. "$(dirname "$0")/common.sh"

cd "$TOP"
src=selftests/bpfload
out=build/guest-bin/bpfload
mkdir -p build/guest-bin

if [ -e "$out" ] &&
	[ -z "$(find "$src" scripts/guest-bin.sh -type f -newer "$out" -print -quit)" ]; then
	exit 0
fi
note "building $out"
# Built under a temporary name and renamed: a guest run may be copying
# build/guest-bin at this moment.
tmp=build/.bpfload.$$
trap 'rm -f "$TOP/$tmp"' EXIT
in_root rustc --edition 2021 --crate-name bpfload --crate-type bin \
	--target x86_64-unknown-linux-gnu -C target-feature=+crt-static \
	-C opt-level=2 -C panic=abort -C strip=symbols -D warnings \
	-o "/work/top/$tmp" "/work/top/$src/src/main.rs"
# A dynamic binary would not run in the initramfs, which has no libc.
file -b "$tmp" | grep -Eq 'statically linked|static-pie linked' ||
	die "$tmp is not statically linked: $(file -b "$tmp")"
mv -f "$tmp" "$out"
