# SPDX-License-Identifier: GPL-2.0
# A listing read in several read() calls, with an object created between
# them, has one header: the kernel shows an object found after a read()
# that reached the end with the seq_num of the last object shown, which is 0
# when the listing had shown only one. The 7.3 race test found it (a
# concurrent modprobe's loader map); here it is made deterministic: only the
# module's .rodata map is listed when the first read() runs.
. /tests/lib.sh
. /tests/preload-common.sh

command -v bpfload >/dev/null || fail "bpfload is not in the guest (scripts/guest-bin.sh builds it)"

# reread MOUNT FILE SPEC: read MOUNT/FILE.debug once, create the object of
# SPEC (`--map NAME` or `--prog NAME`), read again while it lives, then once
# more; the three chunks go to /tmp/reread.FILE.1..3.
reread() {
	exec 3<"$1/$2.debug" || fail "opening $1/$2.debug"
	dd bs=65536 count=1 <&3 >/tmp/reread.$2.1 2>/dev/null || fail "first read of $2.debug"
	# fd 3 stays open across exec: CMD reads on from the same position.
	bpfload create $3 -- sh -c "dd bs=65536 count=1 <&3 >/tmp/reread.$2.2 2>/dev/null" \
		>/tmp/reread.created || fail "bpfload create $3"
	dd bs=65536 count=1 <&3 >/tmp/reread.$2.3 2>/dev/null || fail "third read of $2.debug"
	exec 3<&-
}

# check_reread FILE HEADER NAME KIND: one header, first; NAME listed in the
# second chunk; the third chunk empty; every row well formed.
check_reread() {
	cat /tmp/reread.$1.1 /tmp/reread.$1.2 >/tmp/reread.$1
	echo "$1.debug, read in two chunks around the creation of $3:"
	cat /tmp/reread.$1
	expect_eq "$1.debug: header lines" 1 "$(grep -cx "$2" /tmp/reread.$1)"
	expect_eq "$1.debug: first line" "$2" "$(head -n 1 /tmp/reread.$1)"
	grep -Eq "^ *[0-9]+ $3 " /tmp/reread.$1.2 ||
		fail "$3, created between two read() calls, is not in the second chunk"
	expect_eq "$1.debug: bytes after the end" 0 "$(wc -c </tmp/reread.$1.3)"
	bad=$(malformed_rows /tmp/reread.$1 $4)
	[ -z "$bad" ] || fail "malformed rows in $1.debug: $bad"
}

preload_builtin || {
	unload_preload
	modprobe bpf_preload || fail "modprobe bpf_preload"
}
mount_bpffs /mnt/r
# The module's own objects only: two iterators, one .rodata map.
wait_settled /mnt/r 2 1
expect_eq "maps listed before the first read" 1 "$(($(wc -l </mnt/r/maps.debug) - 1))"

reread /mnt/r maps "--map reread_map"
check_reread maps "$HDR_MAPS" reread_map map
reread /mnt/r progs "--prog reread_prog"
check_reread progs "$HDR_PROGS" reread_prog prog
umount /mnt/r
preload_builtin || rmmod bpf_preload || fail "rmmod bpf_preload"

# Upstream's iterators print the header on seq_num 0 alone: show, without
# judging, what the reference module does in the same sequence.
if ! preload_builtin && modprobe bpf_preload_ref 2>/dev/null; then
	mount_bpffs /mnt/r
	wait_settled /mnt/r 2 1
	reread /mnt/r maps "--map reread_map"
	echo "upstream's reference: $(cat /tmp/reread.maps.1 /tmp/reread.maps.2 |
		grep -cx "$HDR_MAPS") header line(s) in the same sequence"
	umount /mnt/r
	rmmod bpf_preload_ref
fi
