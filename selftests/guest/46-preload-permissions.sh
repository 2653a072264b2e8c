# SPDX-License-Identifier: GPL-2.0
# Permissions (issue 5, item 5): in every bpffs mount, whatever its mode,
# uid and gid options, both files are mode 0400 and owned by root; an
# unprivileged user can neither read nor write them (EACCES); root can read
# them but not write them; /sys/module/bpf_preload has no writable parameter
# and nothing writable besides what every module has. Under both modules,
# with the same outcomes: the files are bpffs's, the reference says what
# upstream does.
. /tests/lib.sh
. /tests/preload-common.sh

command -v bpfload >/dev/null || fail "bpfload is not in the guest (scripts/guest-bin.sh builds it)"
UNPRIV=1000

# The helper really drops privileges, so that the checks below can fail.
expect_eq "uid and gid after as-user" "$UNPRIV $UNPRIV" \
	"$(bpfload as-user $UNPRIV -- sh -c 'echo $(id -u) $(id -g)')"
expect_eq "groups after as-user" "$UNPRIV" "$(bpfload as-user $UNPRIV -- id -G)"

# check_mount_perms MOD OPTIONS: mount bpffs with OPTIONS ("-" for none) and
# check both files; record what was seen in /tmp/MOD.seen.
check_mount_perms() {
	mod=$1 opts=$2
	mkdir -p /mnt/p
	if [ "$opts" = - ]; then
		mount -t bpf bpf /mnt/p || fail "mounting bpffs"
	else
		mount -t bpf -o "$opts" bpf /mnt/p || fail "mounting bpffs with -o $opts"
	fi
	for f in progs.debug maps.debug; do
		p=/mnt/p/$f
		[ -e $p ] || fail "$p missing (mount options $opts)"
		# bpffs fills a new mount before it gives the root directory its
		# mode, so not even a setgid root passes its group on.
		st=$(stat -c '%a %u %g' $p)
		expect_eq "mode, owner and group of $f (mount options $opts)" "400 0 0" "$st"
		r=$(bpfload try-open --read $p)
		expect_eq "root reading $f" "open=ok read=ok" "$r"
		w=$(bpfload try-open --write $p)
		case $w in
		*=ok | open=ok*write=ok) fail "root could write $f (mount options $opts): $w" ;;
		esac
		ur=$(bpfload as-user $UNPRIV -- bpfload try-open --read $p)
		expect_eq "uid $UNPRIV reading $f (mount options $opts)" "open=EACCES" "$ur"
		uw=$(bpfload as-user $UNPRIV -- bpfload try-open --write $p)
		expect_eq "uid $UNPRIV writing $f (mount options $opts)" "open=EACCES" "$uw"
		bpfload as-user $UNPRIV -- cat $p >/dev/null 2>&1 && fail "uid $UNPRIV could cat $f"
		echo "$opts $f: $st; root: $r, $w; uid $UNPRIV: $ur, $uw" | tee -a /tmp/$mod.seen
	done
	umount /mnt/p
}

# check_sysfs MOD: /sys/module/MOD exposes no writable parameter, and no
# writable file but the uevent every module has. Record it.
check_sysfs() {
	d=/sys/module/$1
	if [ ! -d $d ]; then
		echo "$d: none" | tee -a /tmp/$1.sysfs
		return 0
	fi
	if [ -d $d/parameters ]; then
		w=$(find $d/parameters -perm /222)
		[ -z "$w" ] || fail "writable parameters: $w"
	fi
	w=$(find $d -maxdepth 1 -type f -perm /222 | sed "s|^$d/||" | sort | tr '\n' ' ')
	case $w in
	'' | 'uevent ') ;;
	*) fail "$d has writable files: $w" ;;
	esac
	echo "$d: parameters: $(ls $d/parameters 2>/dev/null | tr '\n' ' ')writable: $w" |
		sed "s|/sys/module/$1|/sys/module/MOD|" | tee -a /tmp/$1.sysfs
}

if is_builtin bpf_preload; then
	mods=builtin
else
	mods="bpf_preload bpf_preload_ref"
fi
unload_preload
for mod in $mods; do
	: >/tmp/$mod.seen
	: >/tmp/$mod.sysfs
	[ $mod = builtin ] || modprobe $mod || fail "modprobe $mod"
	for opts in - mode=0700 mode=0755,uid=$UNPRIV,gid=$UNPRIV mode=2777,gid=$UNPRIV; do
		check_mount_perms $mod $opts
	done
	if [ $mod = builtin ]; then
		check_sysfs bpf_preload
	else
		check_sysfs $mod
		rmmod $mod || fail "rmmod $mod"
	fi
done
if [ "$mods" != builtin ]; then
	for what in seen sysfs; do
		diff -u /tmp/bpf_preload_ref.$what /tmp/bpf_preload.$what ||
			fail "bpf_preload_ref (-) and bpf_preload (+) differ"
	done
fi
