#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the test runner, for busybox sh. As `lib.sh --main` it is the
# body of /init: runs every test named in /tests/list, prints KTAP, powers off.
# Tests source it for the helpers below. A test exits 0 (pass), 77 (skip, the
# reason on its last line) or anything else (fail).

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

# Unload every preload module so each test starts from the same state.
unload_preload() {
	for m in bpf_preload bpf_preload_ref; do
		grep -q "^$m " /proc/modules && rmmod "$m"
	done
	return 0
}

main() {
	set -- $(cat /tests/list)
	echo "KTAP version 1"
	echo "1..$#"
	i=0
	for t in "$@"; do
		i=$((i + 1))
		out=/tmp/out.$i
		start=$(cut -d' ' -f1 /proc/uptime)
		(cd /tmp && sh -e "/tests/$t.sh") >"$out" 2>&1
		rc=$?
		end=$(cut -d' ' -f1 /proc/uptime)
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
