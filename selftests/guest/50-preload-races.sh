# SPDX-License-Identifier: GPL-2.0
# One process loads and unloads bpf_preload in a loop while three others
# mount bpffs, read both files and unmount, for 30 s (10 min with LONG=1).
# Every read either succeeds with well-formed output (upstream's header,
# every row printing back identically through upstream's format, both
# iterators and the .rodata map listed) or is of a file its mount does not
# have (the mount came while the module was away), which bpffs refuses with
# EPERM: it reserves names with a dot. Counts per kind and outcome are
# printed. Oopses, lockdep splats and hangs are the runner's to catch.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in: it cannot be unloaded"
secs=30
[ "${LONG:-0}" = 1 ] && secs=600
readers=3
dir=/tmp/race
rm -rf $dir
mkdir -p $dir

now() {
	cut -d. -f1 /proc/uptime
}

# errname FILE: the errno named by the busybox error message in FILE.
errname() {
	case $(cat "$1") in
	*"No such file or directory"*) echo ENOENT ;;
	*"Operation not permitted"*) echo EPERM ;;
	*"Resource temporarily unavailable"*) echo EAGAIN ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"File exists"*) echo EEXIST ;;
	*) echo "other:$(head -n 1 "$1" | tr -c 'A-Za-z0-9:\n' _)" ;;
	esac
}

# well_formed progs|maps FILE: FILE holds a complete listing: the header,
# then only rows that upstream's format prints back byte for byte, with the
# preload's own objects among them. Names hold no spaces, so a row's fields
# are its words; in progs.debug the name, attach point and target program
# may each be empty, so every way of placing the words is tried.
well_formed() {
	case $1 in
	progs)
		[ "$(head -n 1 "$2")" = "$HDR_PROGS" ] || return 1
		grep -Eq '^ *[0-9]+ dump_bpf_map +bpf_iter_bpf_map $' "$2" || return 1
		grep -Eq '^ *[0-9]+ dump_bpf_prog +bpf_iter_bpf_prog $' "$2" || return 1
		awk 'function row(line, k,   m, j, a, b, c) {
			for (m = 0; m < 8; m++) {
				if ((m % 2) + int(m / 2) % 2 + int(m / 4) != k)
					continue
				j = 2
				a = b = c = ""
				if (m % 2) a = $(j++)
				if (int(m / 2) % 2) b = $(j++)
				if (int(m / 4)) c = $(j++)
				if (sprintf("%4d %-16s %s %s", $1, a, b, c) == line)
					return 1
			}
			return 0
		}
		NR > 1 && !($1 ~ /^[0-9]+$/ && NF <= 4 && row($0, NF - 1)) { bad = 1 }
		END { exit bad }' "$2"
		;;
	maps)
		[ "$(head -n 1 "$2")" = "$HDR_MAPS" ] || return 1
		grep -Eq '^ *[0-9]+ [a-z_]*\.rodata +1 +[0-9]+$' "$2" || return 1
		awk 'NR > 1 {
			name = NF == 4 ? $2 : ""
			if (!($1 ~ /^[0-9]+$/ && (NF == 3 || NF == 4) &&
			      $(NF - 1) ~ /^-?[0-9]+$/ && $NF ~ /^-?[0-9]+$/ &&
			      sprintf("%4d %-16s  %10d   %10d", $1, name, $(NF - 1), $NF) == $0))
				bad = 1
		}
		END { exit bad }' "$2"
		;;
	esac
}

# loader END: modprobe and rmmod until END, one event line per call.
loader() {
	while [ "$(now)" -lt "$1" ]; do
		if modprobe bpf_preload 2>$dir/err.l; then
			echo "modprobe ok"
		else
			echo "modprobe $(errname $dir/err.l)"
		fi
		if rmmod bpf_preload 2>$dir/err.l; then
			echo "rmmod ok"
		else
			echo "rmmod $(errname $dir/err.l)"
		fi
	done >$dir/ev.loader
}

# reader N END: mount, read both files, unmount until END, one event line
# per call; a malformed listing is kept as $dir/bad.*. A file is pinned by
# the mount itself or never, so a failed read is "absent:ERRNO" when the
# mount does not list the file, and a plain ERRNO (a bug) when it does.
reader() {
	m=/mnt/race$1
	mkdir -p $m
	while [ "$(now)" -lt "$2" ]; do
		if ! mount -t bpf bpf $m 2>$dir/err.$1; then
			echo "mount $(errname $dir/err.$1)"
			continue
		fi
		echo "mount ok"
		for f in progs maps; do
			if ! cat $m/$f.debug >$dir/out.$1 2>$dir/err.$1; then
				if ls -A $m | grep -qx "$f.debug"; then
					echo "read $(errname $dir/err.$1)"
				else
					echo "read absent:$(errname $dir/err.$1)"
				fi
			elif well_formed $f $dir/out.$1; then
				echo "read ok"
			else
				echo "read malformed"
				cp $dir/out.$1 $dir/bad.$1.$f
			fi
		done
		if umount $m 2>$dir/err.$1; then
			echo "umount ok"
		else
			echo "umount $(errname $dir/err.$1)"
		fi
	done >$dir/ev.reader$1
}

unload_preload
end=$(($(now) + secs))
loader $end &
pids=$!
r=1
while [ $r -le $readers ]; do
	reader $r $end &
	pids="$pids $!"
	r=$((r + 1))
done
died=0
for p in $pids; do
	wait "$p" || died=$((died + 1))
done
for m in /mnt/race*; do
	while umount "$m" 2>/dev/null; do :; done
done
unload_preload

echo "$secs s, 1 loader, $readers readers:"
cat $dir/ev.* | sort | uniq -c | awk '{ printf "  %-10s %-16s %8d\n", $2, $3, $1 }' | tee $dir/summary
count() {
	awk -v k="$1" -v r="$2" '$1 == k && $2 == r { n = $3 } END { print n + 0 }' $dir/summary
}
# failed KIND CLEAN...: the failures of KIND with an errno not among CLEAN.
failed() {
	k=$1
	shift
	awk -v k="$k" -v clean=" ok $* " '$1 == k && index(clean, " " $2 " ") == 0 { n += $3 }
		END { print n + 0 }' $dir/summary
}

[ $died = 0 ] || fail "$died of the $((readers + 1)) workers died"
for b in $dir/bad.*; do
	[ -e "$b" ] || continue
	echo "malformed listing ($b):"
	cat "$b"
done
expect_eq "malformed reads" 0 "$(count read malformed)"
expect_eq "reads failing other than of absent files with EPERM or ENOENT" 0 \
	"$(failed read absent:EPERM absent:ENOENT)"
expect_eq "failed mounts" 0 "$(failed mount)"
expect_eq "failed unmounts" 0 "$(failed umount)"
# A module already loaded or going away is a clean refusal; any other
# modprobe failure is an init that failed under the race.
expect_eq "modprobe failures other than EEXIST" 0 "$(failed modprobe EEXIST)"
expect_eq "rmmod failures other than ENOENT, EAGAIN, EBUSY" 0 "$(failed rmmod ENOENT EAGAIN EBUSY)"
[ "$(count read ok)" -gt 0 ] || fail "no read succeeded in $secs s"
[ "$(count modprobe ok)" -gt 0 ] || fail "modprobe never succeeded in $secs s"
[ "$(count rmmod ok)" -gt 0 ] || fail "rmmod never succeeded in $secs s"
# Whatever happened, the module still works afterwards.
check_preload bpf_preload
