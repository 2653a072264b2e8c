# SPDX-License-Identifier: GPL-2.0
# check_preload MODULE: the checks every bpf_preload implementation must pass.
# Sourced by tests after lib.sh.

HDR_PROGS='  id name             attached'
HDR_MAPS='  id name             max_entries  cur_entries'

# check_mount DIR: both files present, 0400 root, upstream's headers, the two
# iterators and the .rodata map listed, every row well formed.
check_mount() {
	d=$1
	expect_file "$d/progs.debug" 400
	expect_file "$d/maps.debug" 400
	cat "$d/progs.debug" >/tmp/progs || fail "reading $d/progs.debug"
	cat "$d/maps.debug" >/tmp/maps || fail "reading $d/maps.debug"
	expect_eq "$d/progs.debug header" "$HDR_PROGS" "$(head -n 1 /tmp/progs)"
	expect_eq "$d/maps.debug header" "$HDR_MAPS" "$(head -n 1 /tmp/maps)"
	grep -Eq '^ *[0-9]+ dump_bpf_map +bpf_iter_bpf_map $' /tmp/progs ||
		fail "dump_bpf_map attached to bpf_iter_bpf_map not listed in $d/progs.debug"
	grep -Eq '^ *[0-9]+ dump_bpf_prog +bpf_iter_bpf_prog $' /tmp/progs ||
		fail "dump_bpf_prog attached to bpf_iter_bpf_prog not listed in $d/progs.debug"
	grep -Eq '^ *[0-9]+ [a-z_]*\.rodata +1 +[0-9]+$' /tmp/maps ||
		fail "no .rodata map with 1 entry in $d/maps.debug"
	tail -n +2 /tmp/maps | grep -Evq '^ *[0-9]+ .{16}  +-?[0-9]+ +-?[0-9]+$' &&
		fail "malformed row in $d/maps.debug: $(tail -n +2 /tmp/maps | grep -Ev '^ *[0-9]+ .{16}  +-?[0-9]+ +-?[0-9]+$' | head -n 1)"
	return 0
}

check_preload() {
	mod=$1
	unload_preload
	modprobe "$mod" || fail "modprobe $mod"
	grep -q "^$mod " /proc/modules || fail "$mod not in /proc/modules after modprobe"
	mount_bpffs /mnt/a
	mount_bpffs /mnt/b
	check_mount /mnt/a
	check_mount /mnt/b
	echo "progs.debug:"
	cat /mnt/a/progs.debug
	echo "maps.debug:"
	cat /mnt/a/maps.debug
	umount /mnt/a /mnt/b
	rmmod "$mod" || fail "rmmod $mod"
}

# is_builtin MODULE: true when MODULE is built into the kernel, not loadable.
is_builtin() {
	[ -z "$(modinfo -F filename "$1" 2>/dev/null)" ]
}

# wait_settled DIR MAXPROGS MAXMAPS: wait (up to 5 s) until DIR's files list
# no more than MAXPROGS programs and MAXMAPS maps. Freeing BPF objects is
# deferred (RCU, workqueues), so objects closed a moment ago may still show.
wait_settled() {
	d=$1
	i=0
	while [ $i -lt 50 ]; do
		p=$(($(wc -l <"$d/progs.debug") - 1))
		m=$(($(wc -l <"$d/maps.debug") - 1))
		[ "$p" -le "$2" ] && [ "$m" -le "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "progs.debug:"
	cat "$d/progs.debug"
	echo "maps.debug:"
	cat "$d/maps.debug"
	fail "$d still lists $p programs and $m maps after 5 s, expected at most $2 and $3"
}

# bpf_fds PID: the BPF objects (maps, programs, links, BTF) open in PID's file table.
bpf_fds() {
	for f in /proc/"$1"/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		case $l in
		anon_inode:bpf* | anon_inode:btf*) echo "${f##*/} -> $l" ;;
		esac
	done
}
