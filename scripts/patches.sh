#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Write the patch series that integrates this project into a vanilla kernel
# tree, git format-patch style, so a kernel builder can `git am` it.
#
#   scripts/patches.sh OUTDIR        (KERNEL selects the series)
#
# The build applies exactly this series: what we test is what we ship. The
# steps are in scripts/series.sh; each becomes one commit when it changes
# something. Author and dates are fixed so the series is reproducible.

. "$(dirname "$0")/common.sh"

out=${1:?usage: patches.sh OUTDIR}
case $out in /*) ;; *) out=$PWD/$out ;; esac
src=$CACHE/kernels/$KERNEL/src
[ -e "$src/.git/vanilla-done" ] ||
	die "no $KERNEL tree yet: run 'make kernel KERNEL=$KERNEL' (or scripts/kernel.sh fetch)"

wt=$(mktemp -d "$CACHE/series.XXXXXX")
cleanup() {
	git -C "$src" worktree remove -f "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	git -C "$src" worktree prune
}
trap cleanup EXIT
git -C "$src" worktree add -q --detach "$wt" refs/tags/vanilla

# step SUBJECT BODY FUNCTION: run FUNCTION in the worktree, commit the result.
step() {
	local subject=$1 body=$2 fn=$3
	(cd "$wt" && "$fn")
	# -f: the Debian tree's .gitignore ignores every top-level path.
	git -C "$wt" add -A -f
	git -C "$wt" diff --cached --quiet && return 0
	GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z git -C "$wt" \
		-c user.name="bpf-preload-rs developers" -c user.email="bpf-preload-rs@invalid" \
		commit -q -s -m "$subject" -m "$body"
}

. "$TOP/scripts/series.sh"

rm -rf "$out"
mkdir -p "$out"
git -C "$wt" format-patch -q --no-signature --zero-commit -o "$out" refs/tags/vanilla..HEAD
ls "$out"
