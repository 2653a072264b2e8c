#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the test runner, for busybox sh. As `lib.sh --main` it is the
# body of /init: runs every test named in /tests/list, prints KTAP, powers off.
# Tests source it for the helpers below. A test exits 0 (pass), 77 (skip, the
# reason on its last line) or anything else (fail). On kernels with kmemleak
# (VARIANT=debug) a test that leaves suspected leaks behind fails too.
#
# The host passes settings in /tests/env (selftests/run.sh): KERNEL, VARIANT,
# LONG (1: the long mode of the heavy tests) and, on kernels with fault
# injection, FI_STEPS and FI_STEPS_DECLARED or FI_STEPS_ERROR (from
# scripts/kernel.sh).

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# expect_eq WHAT WANT GOT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# expect_file PATH MODE: PATH exists, is owned by root, has MODE (octal).
expect_file() {
	[ -e "$1" ] || fail "$1 does not exist"
	expect_eq "mode and owner of $1" "$2 0 0" "$(stat -c '%a %u %g' "$1")"
}

mount_bpffs() {
	mkdir -p "$1"
	mount -t bpf bpf "$1" || fail "mounting bpffs at $1"
}

# True when bpf_preload is built into the kernel (VARIANT=y).
preload_builtin() {
	grep -q '/bpf_preload\.ko$' "/lib/modules/$(uname -r)/modules.builtin"
}

# rust_crate_syms CRATE [MODULE]: the symbols /proc/kallsyms lists for the
# Rust crate CRATE in the loaded MODULE, or without MODULE in vmlinux. Rust
# symbols are v0-mangled, `_R...`, and every item of a crate has the crate
# root `C[s<disambiguator>_]<length><name>` in its path. A module's symbols
# end in a TAB and `[MODULE]` ("%px %c %s\t[%s]\n", kernel/kallsyms.c),
# vmlinux's have no tag. kallsyms lists names to every user (kptr_restrict
# and non-root readers only see zero addresses): a module's text symbols,
# and with CONFIG_KALLSYMS_ALL its data too.
rust_crate_syms() {
	awk -v mod="${2-}" -v re="^_R.*C(s[0-9A-Za-z]*_)?${#1}$1" '
		(mod == "" ? (NF == 3) : (NF == 4 && $4 == ("[" mod "]"))) && $3 ~ re { print $3 }
	' /proc/kallsyms
}

# module_impl MODULE CRATE: "rust" when the loaded MODULE has symbols of the
# Rust crate CRATE, "c" when it has symbols but none of that crate,
# "unknown" when kallsyms lists none of its symbols, "absent" when MODULE is
# not loaded.
module_impl() {
	grep -q "^$1 " /proc/modules || {
		echo absent
		return 0
	}
	if [ -n "$(rust_crate_syms "$2" "$1")" ]; then
		echo rust
	elif awk -v tag="[$1]" 'NF == 4 && $4 == tag { found = 1; exit } END { exit !found }' \
		/proc/kallsyms; then
		echo c
	else
		echo unknown
	fi
}

# preload_impl: which bpf_preload the kernel has now, from its symbols:
# "rust-module" or "c-module" (loaded), "rust-builtin" or "c-builtin" (built
# in: vmlinux has, or lacks, symbols of the Rust crate bpf_preload),
# "unknown-module" (loaded, but kallsyms lists none of its symbols) or
# "none" (neither loaded nor built in).
preload_impl() {
	if grep -q '^bpf_preload ' /proc/modules; then
		echo "$(module_impl bpf_preload bpf_preload)-module"
	elif preload_builtin; then
		if [ -n "$(rust_crate_syms bpf_preload)" ]; then
			echo rust-builtin
		else
			echo c-builtin
		fi
	else
		echo none
	fi
}

# bpf_objects FILE: the programs and maps in the kernel, one `prog ID [NAME]`
# or `map ID [NAME]` per line, as `bpfload ids` lists them.
bpf_objects() {
	bpfload ids >"$1.all" || fail "bpfload ids"
	grep -E '^(prog|map) ' "$1.all" >"$1" || true
}

# wait_bpf_objects WANT: wait (up to 5 s) until the kernel's programs and
# maps are those in WANT (from bpf_objects): freeing is deferred.
wait_bpf_objects() {
	j=0
	while [ $j -lt 50 ]; do
		bpf_objects /tmp/objs.now
		cmp -s /tmp/objs.now "$1" && return 0
		sleep 0.1
		j=$((j + 1))
	done
	diff "$1" /tmp/objs.now
	fail "the kernel's programs and maps differ from $1 after 5 s (diff above)"
}

# settled_bpf_objects FILE: bpf_objects once two snapshots 0.2 s apart agree
# (up to 5 s), so that objects freed a moment ago are gone.
settled_bpf_objects() {
	bpf_objects "$1"
	j=0
	while [ $j -lt 25 ]; do
		sleep 0.2
		bpf_objects "$1.next"
		cmp -s "$1" "$1.next" && return 0
		mv "$1.next" "$1"
		j=$((j + 1))
	done
	fail "the kernel's programs and maps keep changing"
}

# preload_normalise FILE KIND BASE: FILE (progs.debug for KIND prog,
# maps.debug for map) with the rows of objects not in BASE (bpf_objects
# output: the preload's own iterators and .rodata map) given id N and name
# PRELOAD, so that two preloads' files compare.
preload_normalise() {
	awk -v kind="$2" '
		FNR == NR { if ($1 == kind) base[$2] = 1; next }
		FNR == 1 || ($1 in base) { print; next }
		kind == "prog" { printf "   N %-16s %s %s\n", "PRELOAD", $3, $4; next }
		{ printf "   N %-16s  %10s   %10s\n", "PRELOAD", $3, $4 }
	' "$3" "$1"
}

# malformed_rows FILE KIND: the rows of FILE (progs.debug for KIND prog,
# maps.debug for map) that upstream's format would not print from their
# own fields ("%4u %-16s %s %s" and "%4u %-16s  %10d   %10lld"), or with
# characters no object or BTF name can have. Object names may have Latin-1
# letters (shown as x here).
malformed_rows() {
	tr '\300-\377' x <"$1" | awk -v kind="$2" '
		NR == 1 { next }
		!match($0, /^ *[0-9]+ /) { print; next }
		{
			id = substr($0, 1, RLENGTH - 1) + 0
			rest = substr($0, RLENGTH + 1)
			n = index(rest, " ")
			if (n == 0) { print; next }
			name = substr(rest, 1, n - 1)
			rest = substr(rest, n)
			pad = 16 - length(name)
			if (pad < 0)
				pad = 0
			rest = substr(rest, pad + 2)
			if (name !~ /^[A-Za-z0-9_.]*$/) { print; next }
		}
		kind == "prog" {
			n = index(rest, " ")
			attach = substr(rest, 1, n - 1)
			dst = substr(rest, n + 1)
			if (n == 0 || attach !~ /^[A-Za-z0-9_]*$/ || dst !~ /^[A-Za-z0-9_.]*$/ ||
			    sprintf("%4u %-16s %s %s", id, name, attach, dst) != $0)
				print
			next
		}
		{
			if (split(rest, f, " ") != 2 || f[1] !~ /^-?[0-9]+$/ || f[2] !~ /^-?[0-9]+$/ ||
			    sprintf("%4u %-16s  %10d   %10d", id, name, f[1], f[2]) != $0)
				print
		}
	'
}

# Unload every preload module so each test starts from the same state.
unload_preload() {
	for m in bpf_preload bpf_preload_ref; do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	return 0
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# kmemleak_report: print what kmemleak suspects now (nothing without it).
# Objects younger than 5 s are never reported, so wait that long first; and
# scan twice, since a scan passes over objects whose contents changed since
# the previous one.
kmemleak_report() {
	[ -w $KMEMLEAK ] || return 0
	sleep 5
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	cat $KMEMLEAK
}

# kmemleak_count REPORT: the number of objects in a kmemleak report.
kmemleak_count() {
	echo "$1" | grep -c '^unreferenced object'
}

# The sample module 90-kmemleak-canary loads, and leaves loaded, leaks on
# purpose: the runner does not count what it allocated (while the module is
# loaded, each backtrace names it: "init_module+0x59/0x4c0 [kmemleak_test]").
CANARY_LEAKS='[[]kmemleak_test[]]'

# kmemleak_drop PATTERN: the kmemleak report on stdin without the objects
# whose entry (address, dump, backtrace) matches the awk regex PATTERN.
kmemleak_drop() {
	awk -v drop="$1" '
		/^unreferenced object/ { if (e !~ drop) printf "%s", e; e = "" }
		{ e = e $0 "\n" }
		END { if (e !~ drop) printf "%s", e }'
}

# kmemleak_check OUT WHAT [IGNORE]: scan; if kmemleak suspects new leaks,
# other than objects matching IGNORE (see kmemleak_drop), append its report
# and a closing count line naming WHAT to OUT, forget them (so the next scan
# reports only newer ones) and return 1. What the runner does after every
# test; 90-kmemleak-canary checks it catches a real leak.
kmemleak_check() {
	leaks=$(kmemleak_report)
	[ -n "$leaks" ] || return 0
	echo clear >$KMEMLEAK
	[ -z "${3-}" ] || leaks=$(echo "$leaks" | kmemleak_drop "$3")
	[ -n "$leaks" ] || return 0
	echo "$leaks" >>"$1"
	echo "kmemleak: $(kmemleak_count "$leaks") new suspected memory leaks after $2" >>"$1"
	return 1
}

main() {
	set -- $(cat /tests/list)
	if [ -e /tests/env ]; then
		set -a
		. /tests/env
		set +a
	fi
	echo "KTAP version 1"
	echo "1..$#"
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	if [ -w $KMEMLEAK ]; then
		# Scans happen between tests only, so a report names its test.
		echo scan=off >$KMEMLEAK
		echo "# kmemleak: on, scanned after every test"
		leaks=$(kmemleak_report)
		echo clear >$KMEMLEAK
		if [ -n "$leaks" ]; then
			echo "$leaks" | sed 's/^/# /'
			echo "# kmemleak: $(kmemleak_count "$leaks") new suspected memory leaks at boot"
		fi
	fi
	i=0
	for t in "$@"; do
		i=$((i + 1))
		out=/tmp/out.$i
		start=$(cut -d' ' -f1 /proc/uptime)
		(cd /tmp && sh -e "/tests/$t.sh") >"$out" 2>&1
		rc=$?
		end=$(cut -d' ' -f1 /proc/uptime)
		kmemleak_check "$out" "$t" $CANARY_LEAKS || rc=1
		sed 's/^/# /' "$out"
		echo "# $t: $(awk "BEGIN { printf \"%.2f\", $end - $start }") s"
		case $rc in
		0) echo "ok $i $t" ;;
		77) echo "ok $i $t # SKIP $(tail -n 1 "$out")" ;;
		*) echo "not ok $i $t" ;;
		esac
	done
	echo "# guest done"
	poweroff -f
	reboot -f
}

if [ "${1-}" = --main ]; then
	main
fi
