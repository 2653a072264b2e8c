#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make conformance`: bpf-lskel against `bpftool gen skeleton -L` on the
# kernel's own BPF programs, every tools/testing/selftests/bpf/progs/*.c of
# the 6.12 tree. Each object is built with the build root's clang-19
# against a vmlinux.h of this host's kernel, given to both generators, and
# each header is compiled into one C harness
# (generator/tests/conformance/harness.c) that loads it on this kernel and
# prints what the kernel then holds; the two reports are compared.
# A measurement, not a gate: it exits 0 unless the harness itself broke.
#
# Writes build/conformance/report.txt (one line per object: name,
# category, detail), summary.md (counts, top reasons, objects beyond
# bpftool) and results.tsv (the raw lines, with section families and map
# types). Everything is cached under $CACHE/conformance, keyed by what it
# depends on, so a re-run redoes only what changed (a new generator: ours).
#
# Usage: scripts/conformance.sh [--subset] [--keep]
#   --subset  only the objects of generator/tests/conformance/subset.txt;
#             ends with "N passed, N failed" (passed: identical), non-zero
#             on any failure
#   --keep    keep the headers and harness binaries in the cache (of the
#             objects that run: a cached result is not run again)
# Environment: CONF_JOBS (2), CONF_TIMEOUT (300 s per step),
# CONF_KERNEL_SRC (the tree, default $CACHE/kernels/6.12/src), CONF_LSKEL
# (a bpf-lskel binary under the repo or the cache, instead of building one).

. "$(dirname "$0")/common.sh"

subset=0 keep=0
for arg; do
	case $arg in
	--subset) subset=1 ;;
	--keep) keep=1 ;;
	-h | --help)
		sed -n '/^# Usage/,/^[^#]/p' "$0" | sed -n 's/^# \{0,1\}//p'
		exit 0
		;;
	*) die "unknown argument $arg (see --help)" ;;
	esac
done

t0=$SECONDS
KSRC=${CONF_KERNEL_SRC:-$CACHE/kernels/6.12/src}
SB=$KSRC/tools/testing/selftests/bpf
CONF=$CACHE/conformance
OUT=$TOP/build/conformance
HERE=$TOP/generator/tests/conformance
JOBS=${CONF_JOBS:-2}
[ -d "$SB/progs" ] || die "no selftests at $SB/progs: run 'KERNEL=6.12 scripts/kernel.sh tree'"
[ -r /sys/kernel/btf/vmlinux ] || die "this kernel has no /sys/kernel/btf/vmlinux"
mkdir -p "$CONF"/{obj,bpftool,ours,runs,vmlinux} "$OUT"
# One run at a time: runs share the cache, and each prunes it.
exec 9>"$CONF/.lock"
flock -n 9 || { note "waiting for another conformance run"; flock 9; }

if [ -n "${CONF_LSKEL:-}" ]; then
	LSKEL=$(realpath "$CONF_LSKEL")
	root_path "$LSKEL" >/dev/null
else
	note "building bpf-lskel (release)"
	build_cli
fi
lskel_key=$(sha256sum <"$LSKEL" | cut -c1-16)

# This host's kernel types, once per kernel; the tools' versions.
vkey=$(sha256sum </sys/kernel/btf/vmlinux | cut -c1-16)
mkdir -p "$CONF/vmlinux/$vkey"
probe=$(in_root sh -ec '
	v=$1
	[ -s "$v/vmlinux.h" ] || {
		bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$v/vmlinux.h.tmp"
		mv "$v/vmlinux.h.tmp" "$v/vmlinux.h"
	}
	clang-19 --version | head -n 1
	bpftool version | head -n 2 | paste -sd " "
	sha256sum </usr/include/bpf/skel_internal.h | cut -c1-16
	uname -r
	sha256sum </usr/sbin/bpftool | cut -c1-16
' sh "$(root_path "$CONF/vmlinux/$vkey")") || die "probing the build root failed"

# The selftests' flags (tools/testing/selftests/bpf/Makefile, BPF_CFLAGS and
# CLANG_BPF_BUILD_RULE), with libbpf-dev's bpf/*.h from the root's
# /usr/include: the tree's tools/lib/bpf lacks the generated
# bpf_helper_defs.h. Relative paths: compiled from the selftests directory.
rsb=$(root_path "$SB")
cflags="-target bpfel -g -O2 -mcpu=v3 -Wall -Wno-compare-distinct-pointer-types"
cflags="$cflags -D__TARGET_ARCH_x86 -DENABLE_ATOMICS_TESTS"
cflags="$cflags -I$(root_path "$CONF/vmlinux/$vkey") -Iprogs -I. -I../../../include/uapi"
cflags="$cflags -idirafter /usr/include/x86_64-linux-gnu"
run_key=$( (cat "$HERE/harness.c" "$HERE/object.sh"; printf '%s\n' "$probe" "$vkey") |
	sha256sum | cut -c1-16)

if [ $subset = 1 ]; then
	mapfile -t names < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$HERE/subset.txt" | grep -v '^$')
	results=$OUT/subset.tsv report=$OUT/subset-report.txt
else
	mapfile -t names < <(cd "$SB/progs" && ls -- *.c | sed 's/\.c$//')
	results=$OUT/results.tsv report=$OUT/report.txt
fi
for n in "${names[@]}"; do
	[ -f "$SB/progs/$n.c" ] || die "no source progs/$n.c in $SB"
done
total=${#names[@]}
note "conformance: $total objects, $JOBS jobs, generator $lskel_key"

# One trip into the root for all of them; each line of progress is one
# object's result.
stamp=$CONF/.run-$$
touch "$stamp"
rc=0
printf '%s\n' "${names[@]}" |
	in_root env CONF_CACHE=/work/cache/conformance CONF_SRC="$rsb/progs" \
		CONF_CFLAGS="$cflags" CONF_OBJ_KEY="$cflags|$vkey|$probe" \
		CONF_HARNESS=/work/top/generator/tests/conformance/harness.c \
		CONF_RUN_KEY="$run_key" CONF_LSKEL="$(root_path "$LSKEL")" \
		CONF_LSKEL_KEY="$lskel_key" CONF_BPFTOOL_KEY="$(sed -n 5p <<<"$probe")" \
		CONF_KEEP=$keep CONF_TIMEOUT="${CONF_TIMEOUT:-300}" \
		xargs -P "$JOBS" -n 1 bash /work/top/generator/tests/conformance/object.sh |
	tee "$results.tmp" |
	awk -v n="$total" '{ if (NR % 50 == 0 || NR == n) printf "==> %d/%d\n", NR, n > "/dev/stderr" }' ||
	rc=$?
sort "$results.tmp" >"$results" && rm -f "$results.tmp"
elapsed=$((SECONDS - t0))
broke=0
[ "$rc" = 0 ] || { echo "conformance: a worker failed (status $rc)" >&2; broke=1; }
[ "$(wc -l <"$results")" = "$total" ] || {
	echo "conformance: $(wc -l <"$results") results for $total objects" >&2
	broke=1
}

# Results of older generators are of no use; a full run also drops what no
# object of this run used (an old vmlinux.h, harness or source).
find "$CONF/ours" -mindepth 1 -maxdepth 1 ! -name "$lskel_key" -exec rm -rf {} +
if [ $subset = 0 ] && [ $broke = 0 ]; then
	find "$CONF/obj" "$CONF/bpftool" "$CONF/ours/$lskel_key" "$CONF/runs" -mindepth 1 -maxdepth 1 \
		! -newer "$stamp" -exec rm -rf {} +
fi
rm -f "$stamp"

# --- report -------------------------------------------------------------------

awk -F'\t' '{ printf "%-40s %-20s %s\n", $1, $2, $3 }' "$results" >"$report"
count() {
	awk -F'\t' -v c="$1" '$2 == c { n++ } END { print n + 0 }' "$results"
}

if [ $subset = 1 ]; then
	passed=$(count identical)
	awk -F'\t' '$2 != "identical" { printf "FAIL %s: %s: %s\n", $1, $2, $3 }' "$results"
	echo "# conformance subset: $elapsed s; report in ${report#"$TOP"/}"
	echo "$passed passed, $((total - passed)) failed"
	[ $broke = 0 ] && [ "$passed" = "$total" ] || exit 1
	exit 0
fi

"$HERE/summary.sh" "$results" "$elapsed" "$probe" >"$OUT/summary.md"
sed -n '/^| category/,/^$/p' "$OUT/summary.md"
hb=$(($(count harness-broke) + $(count ours-crashed) + $(count bpftool-crashed)))
line="conformance: $(count identical) identical, $(count differ) differ"
line="$line, $(count only-bpftool-loads) only bpftool's loads, $(count ours-refused) refused by us"
line="$line, $(count beyond-bpftool) beyond bpftool, $(count bpftool-refused) refused by bpftool"
line="$line, $(count refused-by-both) refused by both, $(count kernel-refuses-both) refused by the kernel"
[ "$(count ours-header-broken)" = 0 ] || line="$line, $(count ours-header-broken) broken headers of ours"
[ "$hb" = 0 ] || line="$line, $hb crashed"
line="$line, $(count no-compile) do not compile here ($total objects, $elapsed s)"
echo "# report: ${report#"$TOP"/}, summary: ${OUT#"$TOP"/}/summary.md"
echo "$line"
[ $broke = 0 ] && [ "$(count harness-broke)" = 0 ] || exit 1
