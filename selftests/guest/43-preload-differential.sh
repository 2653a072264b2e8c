# SPDX-License-Identifier: GPL-2.0
# Differential test against the reference C module, with the workload of
# `bpfload workload` alive (maps of seven types and fill levels, names of 15
# bytes and none, BTF function names of 15, 16 and 31 bytes, programs without
# BTF, fentry programs on another program):
#  1. one after the other: progs.debug and maps.debug under bpf_preload,
#     then under bpf_preload_ref, are identical once the ids and names of
#     each preload's own iterator programs and .rodata map are normalised;
#  2. together, each pinned in its own mount: both iterators walk the same
#     objects (theirs and ours) and print the same bytes.
# Both runs check that the workload's rows are there, as upstream prints them.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in: the reference cannot take over its mounts"
command -v bpfload >/dev/null || fail "bpfload is not in the guest (scripts/guest-bin.sh builds it)"

if [ "${1-}" != --held ]; then
	unload_preload
	# What earlier tests left (nothing, normally) compares as is.
	settled_bpf_objects /tmp/objs.pre
	# bpfload holds the workload's descriptors while this script runs
	# again; its report (one object per line) is the start of /tmp/wl.out.
	rc=0
	bpfload workload -- sh -e "$0" --held >/tmp/wl.out 2>&1 || rc=$?
	cat /tmp/wl.out
	exit $rc
fi
# What bpfload made: `KIND ID NAME key=value...`.
grep -E '^(prog|map|link|btf) ' /tmp/wl.out >/tmp/workload

# id KIND NAME: the id bpfload reported for the KIND (prog or map) it named
# NAME ("" for none).
id() {
	awk -v k="$1" -v n="$2" '$1 == k && $3 == n { print $2; exit }' /tmp/workload
}

# check_rows DIR: the workload's rows in DIR's files, as upstream prints
# them (printf with the iterators' own formats).
check_rows() {
	p=$1/progs.debug
	m=$1/maps.debug
	# Programs: a BTF function name longer than 16 bytes in full; a
	# 16-byte one with no padding; no BTF: the object name.
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_fentry_tgt)" workload_fentry_target_function '' '')"
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_prog_15chars)" btf_func_16chars '' '')"
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_btf_15)" btf_func_15char '' '')"
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_no_btf_15chr)" wl_no_btf_15chr '' '')"
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog '""')" '' '' '')"
	# fentry on the target: attach_func_name is the target's BTF name;
	# dst_prog is still set while only loaded, and cleared by the attach.
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_fentry_link)" wl_fentry_link workload_fentry_target_function '')"
	expect_row "$p" "$(printf '%4u %-16s %s %s' "$(id prog wl_fentry_nolnk)" wl_fentry_nolnk workload_fentry_target_function wl_fentry_tgt)"
	# Maps: hash maps count their elements, the others print 0.
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_hash_empty)" wl_hash_empty 16 0)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_hash_partial)" wl_hash_partial 16 5)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_hash_full)" wl_hash_full 16 16)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_percpu_hash)" wl_percpu_hash 32 7)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_lru_hash)" wl_lru_hash 256 100)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_array)" wl_array 8 0)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_array_of_map)" wl_array_of_map 4 0)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map wl_ringbuf)" wl_ringbuf 4096 0)"
	expect_row "$m" "$(printf '%4u %-16s  %10d   %10lld' "$(id map '""')" '' 2 0)"
}

# expect_row FILE ROW: FILE has ROW as a whole line.
expect_row() {
	grep -qxF "$2" "$1" || {
		cat "$1"
		fail "$1 lacks the row '$2'"
	}
}

# The kernel's programs and maps: what was there before, and the
# workload's as bpfload reported them.
bpf_objects /tmp/objs.base
awk '$1 == "prog" || $1 == "map" { print $1, $2 }' /tmp/workload >/tmp/objs.want
cut -d' ' -f1,2 /tmp/objs.pre >>/tmp/objs.want
sort /tmp/objs.want >/tmp/objs.want.sorted
cut -d' ' -f1,2 /tmp/objs.base | sort >/tmp/objs.got
cmp -s /tmp/objs.want.sorted /tmp/objs.got || {
	diff /tmp/objs.want.sorted /tmp/objs.got
	fail "the kernel's objects are not those of bpfload's report and those before it"
}
expect_eq "workload programs" 7 "$(grep -c '^prog ' /tmp/workload)"
expect_eq "workload maps" 11 "$(grep -c '^map ' /tmp/workload)"
np=$(grep -c '^prog ' /tmp/objs.base || true)
nm=$(grep -c '^map ' /tmp/objs.base || true)

# 1. One after the other.
for mod in bpf_preload bpf_preload_ref; do
	modprobe $mod || fail "modprobe $mod"
	mount_bpffs /mnt/$mod
	wait_settled /mnt/$mod $((np + 2)) $((nm + 1))
	check_mount /mnt/$mod
	check_rows /mnt/$mod
	for f in progs maps; do
		preload_normalise /mnt/$mod/$f.debug ${f%s} /tmp/objs.base >/tmp/$mod.$f
	done
	umount /mnt/$mod
	rmmod $mod || fail "rmmod $mod"
	wait_bpf_objects /tmp/objs.base
done
for f in progs maps; do
	echo "$f.debug (normalised):"
	cat /tmp/bpf_preload.$f
	diff -u /tmp/bpf_preload_ref.$f /tmp/bpf_preload.$f >/tmp/diff || {
		cat /tmp/diff
		fail "$f.debug differs between bpf_preload_ref (-) and bpf_preload (+)"
	}
done

# 2. Together. Ours first: it refuses to replace a registered provider,
# while the reference replaces whatever is registered.
modprobe bpf_preload || fail "modprobe bpf_preload"
mount_bpffs /mnt/ours
modprobe bpf_preload_ref || fail "modprobe bpf_preload_ref"
mount_bpffs /mnt/ref
# Both loaders' objects gone: two iterators and one .rodata map each.
wait_settled /mnt/ours $((np + 4)) $((nm + 2))
check_rows /mnt/ours
for f in progs.debug maps.debug; do
	cat /mnt/ours/$f >/tmp/ours.$f
	cat /mnt/ref/$f >/tmp/ref.$f
	diff -u /tmp/ref.$f /tmp/ours.$f >/tmp/diff || {
		cat /tmp/diff
		fail "$f differs between bpf_preload_ref (-) and bpf_preload (+), both loaded"
	}
done
expect_eq "programs listed" $((np + 4)) $(($(wc -l </tmp/ours.progs.debug) - 1))
expect_eq "maps listed" $((nm + 2)) $(($(wc -l </tmp/ours.maps.debug) - 1))
umount /mnt/ours /mnt/ref
unload_preload
