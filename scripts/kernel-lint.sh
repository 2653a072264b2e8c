#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own lints on what the patch series adds, on the tree
# scripts/kernel.sh applies it to:
#
#   rustfmt     `make rustfmtcheck`: every Rust file of the tree (upstream's
#               are clean), ours included, the skeletons that bpf_preload.rs
#               declares as modules too
#   clippy-V    a `CLIPPY=1` build of rust/ (the macros and kernel crates,
#               kernel::bpf in the latter) and kernel/bpf/preload/, for each
#               configuration V that has a build of m (the product) and fi
#               (m with CONFIG_FAIL_BPF_PRELOAD, whose code m leaves out)
#   rustdoc     `make rustdoc`, in the first of those configurations
#   checkpatch  `scripts/checkpatch.pl --strict` on each patch
#   maintainers every file a patch adds is under BPF [GENERAL] in the
#               MAINTAINERS of that patch; this replaces checkpatch's
#               FILE_PATH_CHANGES, which asks the question of any patch
#               that adds a file and does not touch MAINTAINERS
#
# A check fails on any warning in a file the series adds or changes, or
# that names no file; warnings located in upstream's other files are listed
# and not counted. Prints "ok"/"not ok" per check and one closing line
# "N passed, N failed, N skipped"; non-zero on any failure.
#
#   scripts/kernel-lint.sh          (KERNEL selects the series)
#
# Environment: LINT_VARIANTS, the configurations for clippy (default: those
# of m and fi with a build directory; rustdoc takes the first). y adds
# little: it differs from m in what module! expands to, which clippy
# leaves alone as another crate's macro, at the cost of a third build.
# LINT_APPLIED=1: lint the series the tree holds, as `make check` does
# after its kernel builds applied it (the series those tiers tested),
# instead of writing and applying the current one (about 30 s).
#
# clippy and rustdoc build in lint-V/, beside build-V/: a copy of it without
# vmlinux, made once and whenever build-V's .config changes, then always
# built with CLIPPY=1. The test builds never see a clippy command line,
# which would rebuild them, and the lint builds stay incremental: a run
# rebuilds what the series changed, and always the macros and kernel crates
# and kernel/bpf/preload/, whose warnings are only printed when compiled.
# Logs are in build/lint/KERNEL.

. "$(dirname "$0")/common.sh"

KDIR=$CACHE/kernels/$KERNEL
SRC=$KDIR/src
out=$TOP/build/lint/$KERNEL
JOBS=${JOBS:-$(($(nproc) + 1))}

[ -e "$SRC/.git/vanilla-done" ] ||
	die "no $KERNEL tree yet: run 'make kernel KERNEL=$KERNEL'"
# Apply the current series (kernel.sh waits for a build of this kernel),
# unless told to lint the series the tree holds.
if [ "${LINT_APPLIED:-0}" != 1 ]; then
	t=$SECONDS
	"$TOP/scripts/kernel.sh" tree
	echo "# the series applied to $KERNEL: $((SECONDS - t)) s"
fi

# One lint run per kernel at a time (lint-V/ is ours); against kernel.sh,
# shared like a guest run: we only read the tree and the build directories.
exec 8>"$KDIR/.lint-lock"
flock -n 8 || {
	note "waiting for another lint run of $KERNEL"
	flock 8
}
exec 9>"$KDIR/.lock"
flock -s -n 9 || {
	note "waiting for a build of $KERNEL to finish"
	flock -s 9
}

want=$(find "$KDIR/series" -name '*.patch' | sort | xargs -r cat | sha256sum | cut -d' ' -f1)
[ "$want" = "$(cat "$SRC/.git/applied-series" 2>/dev/null)" ] ||
	die "the $KERNEL tree does not hold the series in $KDIR/series"
rm -rf "$out"
mkdir -p "$out/patches"
cp "$KDIR"/series/*.patch "$out/patches/"
# What the series adds or changes, relative to the tree's top.
git -C "$SRC" diff --name-only refs/tags/vanilla HEAD >"$out/files"
rsrc=$(root_path "$SRC")

variants=${LINT_VARIANTS:-}
if [ -z "$variants" ]; then
	for v in m fi; do
		[ -e "$KDIR/build-$v/.config" ] && variants="$variants $v"
	done
fi
[ -n "$variants" ] || die "no m or fi build of $KERNEL: run 'make kernel KERNEL=$KERNEL'"

kmake() {
	local dir=$1
	shift
	in_root make -C "$rsrc" O="$(root_path "$dir")" LLVM=-19 "$@"
}

# warnings LOG: the diagnostics of LOG (rustc, clippy, rustdoc and C
# compiler), one block each, sorted by where they point: upstream's files
# (listed, on stdout), or ours or none (printed in full); the last line
# is the count of the latter.
warnings() {
	awk -v files="$out/files" -v src="$rsrc/" '
		BEGIN { while ((getline f < files) > 0) ours[f] = 1 }
		function where(p) {
			sub(/:[0-9]+(:[0-9]+)?:?$/, "", p)
			if (index(p, src) == 1) p = substr(p, length(src) + 1)
			sub(/^\.\//, "", p)
			return p
		}
		function flush() {
			if (block == "") return
			if (file != "" && !(file in ours)) {
				printf "# upstream (not counted): %s: %s\n", file, head
			} else {
				n++
				printf "%s", block
			}
			block = file = head = ""
		}
		/^warning: [0-9]+ warnings? emitted/ { flush(); next }
		/^(warning|error)(\[[^]]*\])?: / {
			flush(); head = $0; block = $0 "\n"; next
		}
		/^[^ ]+:[0-9]+:[0-9]+: (warning|error): / {
			flush(); head = $0; file = where($1); block = $0 "\n"; next
		}
		block != "" && /^ *--> / && file == "" { file = where($2) }
		block != "" && /^$/ { flush(); next }
		# A Kbuild line ends a C compiler diagnostic.
		/^  [A-Z][A-Z_]* / { flush(); next }
		block != "" { block = block $0 "\n" }
		END { flush(); print n + 0 }
	' "$1"
}

passed=0 failed=0 skipped=0 num=0
# result NAME OK DETAIL: print one check's verdict.
result() {
	num=$((num + 1))
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $num $1${3:+ # $3}"
	else
		failed=$((failed + 1))
		echo "not ok $num $1${3:+ # $3}"
	fi
}

# skip NAME REASON: a check that cannot run here.
skip() {
	num=$((num + 1))
	skipped=$((skipped + 1))
	echo "ok $num $1 # SKIP $2"
}

# show LOG [N]: the first N (200) lines of LOG as comments.
show() {
	sed -n "1,${2:-200}s/^/# /p" "$1"
}

# diagnostics LOG WARNINGS RC: print the counted warnings of LOG (from
# `warnings`, in WARNINGS) and, if RC is not 0, its errors; print their
# count, a failed command counting as one.
diagnostics() {
	local n
	n=$(tail -n 1 "$2")
	sed '$d' "$2" | sed 's/^\([^#]\)/# \1/; s/^$/#/'
	if [ "$3" != 0 ]; then
		grep -E 'error|Error' "$1" | sed -n '1,20s/^/# /p' || true
		n=$((n + 1))
	fi
	echo "$n" >"$2.count"
}

# seed V: lint-V as a copy of build-V without what linking vmlinux made.
seed() {
	local from=$KDIR/build-$1 to=$KDIR/lint-$1
	[ -e "$to/.config" ] && cmp -s "$from/.config" "$to/.config" && return 0
	note "copying build-$1 of $KERNEL to lint-$1"
	rm -rf "$to" "$to.tmp"
	cp -a "$from" "$to.tmp"
	(cd "$to.tmp" && rm -rf modinst ref fault-steps vmlinux vmlinux.* .tmp_vmlinux* \
		System.map arch/x86/boot/bzImage)
	mv "$to.tmp" "$to"
}

for v in $variants; do
	seed "$v"
done
v1=${variants# }
v1=${v1%% *}

# --- rustfmt -----------------------------------------------------------------

t=$SECONDS
rc=0
kmake "$KDIR/lint-$v1" -s rustfmtcheck >"$out/rustfmt.log" 2>&1 || rc=$?
n=$(grep -c '^Diff in ' "$out/rustfmt.log" || true)
[ $rc = 0 ] || show "$out/rustfmt.log"
result rustfmt $rc "$n diffs, $((SECONDS - t)) s"

# --- clippy --------------------------------------------------------------------

for v in $variants; do
	t=$SECONDS
	d=$KDIR/lint-$v
	# Rebuilt every run: rustc prints a crate's warnings only when it compiles it.
	rm -f "$d/rust/kernel.o" "$d/rust/libmacros.so" "$d"/kernel/bpf/preload/*.o
	rc=0
	kmake "$d" CLIPPY=1 -j"$JOBS" rust/ kernel/bpf/preload/ >"$out/clippy-$v.log" 2>&1 || rc=$?
	warnings "$out/clippy-$v.log" >"$out/clippy-$v.warnings"
	diagnostics "$out/clippy-$v.log" "$out/clippy-$v.warnings" $rc
	n=$(cat "$out/clippy-$v.warnings.count")
	result "clippy-$v" "$n" "$n warnings in the series' files, $((SECONDS - t)) s"
done

# --- rustdoc -------------------------------------------------------------------

t=$SECONDS
v=$v1
rc=0
kmake "$KDIR/lint-$v" CLIPPY=1 rustdoc >"$out/rustdoc.log" 2>&1 || rc=$?
warnings "$out/rustdoc.log" >"$out/rustdoc.warnings"
diagnostics "$out/rustdoc.log" "$out/rustdoc.warnings" $rc
n=$(cat "$out/rustdoc.warnings.count")
result "rustdoc ($v)" "$n" "$n warnings in the series' files, $((SECONDS - t)) s"

# --- checkpatch ------------------------------------------------------------------

# In the build root, as the kernel is built. checkpatch validates SPDX
# identifiers with scripts/spdxcheck.py, which needs python3's ply and git
# modules; without them it says so on stderr and takes every identifier.
if in_root python3 -c 'import ply, git' 2>/dev/null; then
	spdx=1
else
	spdx=0
fi
t=$SECONDS
for p in "$out"/patches/*.patch; do
	name=$(basename "$p" .patch)
	log=$out/checkpatch-$name.log
	in_root sh -c 'cd "$1" && perl scripts/checkpatch.pl --strict --ignore FILE_PATH_CHANGES "$2"' \
		sh "$rsrc" "$(root_path "$p")" >"$log" 2>/dev/null || true
	total=$(grep -E '^total: [0-9]+ errors, [0-9]+ warnings, [0-9]+ checks' "$log" | tail -n 1)
	rc=1
	case $total in "total: 0 errors, 0 warnings, 0 checks"*) rc=0 ;; esac
	[ $rc = 0 ] || show "$log"
	result "checkpatch $name" $rc "${total:-no verdict}"
done
if [ $spdx = 1 ]; then
	result "checkpatch: SPDX identifiers" 0 "validated by spdxcheck.py in each patch above"
else
	skip "checkpatch: SPDX identifiers" "spdxcheck.py needs python3-ply and python3-git in the build root"
fi
echo "# checkpatch: $((SECONDS - t)) s"

# --- MAINTAINERS -------------------------------------------------------------------

t=$SECONDS
rc=0
m=$(mktemp)
trap 'rm -f "$m"' EXIT
for c in $(git -C "$SRC" rev-list --reverse refs/tags/vanilla..HEAD); do
	git -C "$SRC" show "$c:MAINTAINERS" >"$m"
	for f in $(git -C "$SRC" diff-tree --no-commit-id --diff-filter=A --name-only -r "$c"); do
		sections=$(cd "$SRC" && perl scripts/get_maintainer.pl --mpath "$m" --nogit \
			--nogit-fallback --nokeywords --norolestats --subsystem --nol --nor -f "$f" 2>&1) ||
			true
		case $sections in "BPF [GENERAL]"* | *"
BPF [GENERAL]"*) continue ;; esac
		echo "# $(git -C "$SRC" log -1 --format=%s "$c"): adds $f, which no F: line of BPF [GENERAL] covers"
		rc=1
	done
done
result maintainers $rc "each file a patch adds is under BPF [GENERAL], $((SECONDS - t)) s"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
