#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs: a few host packages (apt) and a Debian trixie
# build root in the cache holding the kernel toolchain. Idempotent: when all is
# present it only re-checks versions.

. "$(dirname "$0")/common.sh"

# libbpf-dev and gcc: the hostile-corpus test compiles C skeletons on the host.
HOST_PKGS="debootstrap qemu-system-x86 util-linux xz-utils zstd cpio gcc libc6-dev libbpf-dev"
ROOT_PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio kmod python3
	rustc rust-src rustfmt rust-clippy bindgen clang-19 lld-19 llvm-19
	libclang-19-dev dwarves bpftool libbpf-dev busybox-static rsync xz-utils
	zstd gzip file libdw-dev git ca-certificates"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
LOG=$CACHE/log
mkdir -p "$LOG"

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and apt need it)"

# Host packages. qemu runs on the host; everything else in the root.
missing=
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	note "installing host packages:$missing"
	apt-get update -q >"$LOG/apt-host.log" 2>&1 ||
		die "apt-get update failed (mirror unreachable?), see $LOG/apt-host.log"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >>"$LOG/apt-host.log" 2>&1 ||
		die "installing$missing failed, see $LOG/apt-host.log"
fi

# The build root. A stamp marks a completed bootstrap so that an interrupted
# one is redone rather than trusted.
if [ ! -e "$ROOT/.bootstrapped" ]; then
	need_kb=$((6 * 1024 * 1024))
	mkdir -p "$CACHE"
	avail_kb=$(df -Pk "$CACHE" | awk 'NR == 2 { print $4 }')
	[ "$avail_kb" -ge "$need_kb" ] ||
		die "need 6 GiB free in $CACHE for the build root, have $((avail_kb / 1024)) MiB"
	note "bootstrapping Debian trixie into $ROOT (1-2 min)"
	rm -rf "$ROOT"
	debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >"$LOG/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $LOG/debootstrap.log"
	cat >"$ROOT/etc/apt/sources.list" <<-EOF
		deb $MIRROR trixie main
		deb $MIRROR trixie-updates main
		deb $MIRROR trixie-backports main
		deb http://deb.debian.org/debian-security trixie-security main
	EOF
	touch "$ROOT/.bootstrapped"
fi

if [ ! -e "$ROOT/.packages" ] || [ "$(cat "$ROOT/.packages")" != "$(echo $ROOT_PKGS)" ]; then
	note "installing the toolchain into the build root (1-3 min)"
	# Name servers for apt inside the root.
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	# shellcheck disable=SC2086
	in_root sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $(echo $ROOT_PKGS)" \
		>"$LOG/apt-root.log" 2>&1 ||
		die "installing the build root's packages failed, see $LOG/apt-root.log"
	echo $ROOT_PKGS >"$ROOT/.packages"
fi

# Versions against the minimums of the kernels we build. 7.3 has the higher
# ones; 6.12 is satisfied by the same tools.
check() {
	local tool=$1 have=$2 need=$3
	[ -n "$have" ] || die "$tool: not found in the build root"
	version_ge "$have" "$need" ||
		die "$tool $have is too old: the kernel needs $need or newer"
}
ver() { grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1; }
check rustc "$(in_root rustc --version | ver)" 1.85.0
check bindgen "$(in_root bindgen --version | ver)" 0.71.1
check clang "$(in_root clang-19 --version | ver)" 19.1.0
check pahole "$(in_root pahole --version | tr -d v | ver)" 1.24
check bpftool "$(in_root bpftool version | ver)" 7.0
in_root test -d /usr/lib/rustlib/src/rust/library/core ||
	die "rust-src: the standard library sources are missing in the build root"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing on the host"
note "toolchain ready in $ROOT"
