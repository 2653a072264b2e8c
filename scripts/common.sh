# SPDX-License-Identifier: GPL-2.0
# Shared settings for the project's scripts; sourced, never run.

set -euo pipefail
# No script of ours may fail without saying where.
trap 'printf "error: %s:%s: failed (status %s): %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$?" "$BASH_COMMAND" >&2' ERR

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything heavy (build root, kernel sources and builds) lives here, outside
# the repo, so a re-run on the same machine is incremental.
CACHE=${BPF_PRELOAD_CACHE:-${HOME:-/root}/.cache/bpf-preload-rs}
ROOT=$CACHE/root

# Kernel series we support; the default is the current stable.
KERNEL=${KERNEL:-7.3}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

note() {
	printf '==> %s\n' "$*" >&2
}

# Build the generator's command-line tool (release) and set LSKEL to it. It
# is linked statically (static-pie): on a small object a run is mostly
# process start, and a dynamically linked build spent 0.4 ms of its 1.5 ms
# (task clock, iterators.bpf.o) in the dynamic linker and libgcc_s. The
# explicit --target keeps crt-static off build scripts and proc macros.
build_cli() {
	local triple var
	triple=$(rustc -vV | sed -n 's/^host: //p')
	[ -n "$triple" ] || die "rustc -vV names no host triple"
	var=CARGO_TARGET_$(printf '%s' "$triple" | tr 'a-z.-' 'A-Z__')_RUSTFLAGS
	(cd "$TOP" && env "$var=-C target-feature=+crt-static" \
		cargo build -q --release -p bpf-lskel --target "$triple")
	LSKEL=$TOP/target/$triple/release/bpf-lskel
}

# Run a command inside the build root. A private mount namespace holds the
# bind mounts, so they vanish with the command whatever way it ends.
in_root() {
	[ -e "$ROOT/.bootstrapped" ] || die "build root missing: run 'make toolchain'"
	unshare --mount --propagation private -- sh -ec '
		root=$1; top=$2; cache=$3; shift 3
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mkdir -p "$root/work/top" "$root/work/cache"
		mount --bind "$top" "$root/work/top"
		mount --bind "$cache" "$root/work/cache"
		exec chroot "$root" env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			"$@"
	' sh "$ROOT" "$TOP" "$CACHE" "$@"
}

# Translate a host path under $TOP or $CACHE into the build root's view.
root_path() {
	case $1 in
	"$TOP"/*) printf '/work/top/%s\n' "${1#"$TOP"/}" ;;
	"$TOP") printf '/work/top\n' ;;
	"$CACHE"/*) printf '/work/cache/%s\n' "${1#"$CACHE"/}" ;;
	*) die "path $1 is outside the repo and the cache" ;;
	esac
}

# version_ge A B: true when version A >= version B.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
