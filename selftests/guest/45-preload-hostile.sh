# SPDX-License-Identifier: GPL-2.0
# Hostile content (issue 5, item 4). The kernel refuses, with EINVAL and
# keeping nothing, object names without a NUL in 16 bytes or with a byte its
# isalnum() (Latin-1) does not take other than _ and . - so %, newline,
# space, UTF-8 - and BTF function names of more than 512 bytes, or empty, or
# with other bytes than those and letters, or starting with a digit. So it
# takes Latin-1 letters (bytes 0xc0-0xff but 0xd7 and 0xf7) in both, which
# then print as raw, non-UTF-8 bytes, and dots in BTF names. What it accepts
# (those, empty object names, names starting with a digit or a dot, long
# BTF names, programs without BTF, fentry programs whose targets' descriptors
# were closed) must leave progs.debug and maps.debug well formed under both
# modules: one row per object, every row in upstream's format, no kernel
# pointer. One exception, upstream's: a program whose BTF name has 507 bytes
# or more has no row (bpf_seq_printf has 512 bytes for all its arguments and
# fails with ENOSPC); ours must do the same.
. /tests/lib.sh
. /tests/preload-common.sh

command -v bpfload >/dev/null || fail "bpfload is not in the guest (scripts/guest-bin.sh builds it)"

# A BTF function name of N bytes: a valid identifier of repeated letters.
long_name() {
	awk -v n="$1" 'BEGIN { s = "L"; while (length(s) < n) s = s "x"; print s }'
}

if [ "${1-}" != --held ]; then
	unload_preload
	settled_bpf_objects /tmp/objs.before

	# reject OPTION NAME WHAT: `bpfload create OPTION NAME` fails with EINVAL.
	reject() {
		if out=$(bpfload create "$1" "$2" 2>&1); then
			fail "the kernel accepted $3: $out"
		fi
		echo "$out" | grep -q ': EINVAL (' || fail "$3: expected EINVAL, got: $out"
		echo "refused $3: $(echo "$out" | head -n 1)"
	}
	for opt in --map --prog; do
		kind=${opt#--}
		reject $opt 'pct%s%p' "a $kind name with %"
		reject $opt "$(printf 'new\nline')" "a $kind name with a newline"
		reject $opt "$(printf 'caf\303\251')" "a UTF-8 $kind name"
		reject $opt "$(printf 'a\327b')" "a $kind name with Latin-1 multiplication sign 0xd7"
		reject $opt "$(printf 'a\200')" "a $kind name with byte 0x80"
		reject $opt 'with space' "a $kind name with a space"
		reject $opt sixteen_chars_xx "a $kind name of 16 bytes (no NUL in 16)"
	done
	reject --btf-func 'pct%s' "a BTF function name with %"
	reject --btf-func "$(printf 'new\nline')" "a BTF function name with a newline"
	reject --btf-func "$(printf 'f\303\274nf')" "a UTF-8 BTF function name"
	reject --btf-func 'has space' "a BTF function name with a space"
	reject --btf-func 0digit_first "a BTF function name starting with a digit"
	reject --btf-func '' "an empty BTF function name"
	reject --btf-func "$(long_name 513)" "a BTF function name of 513 bytes"
	# Refused loads leave nothing behind.
	wait_bpf_objects /tmp/objs.before

	# What the kernel takes, held while this script runs again.
	rc=0
	bpfload create --map .dot_first --map 0digit_first --map . --map '' \
		--map "$(printf 'latin1_\377\376')" --prog "$(printf '\300\351t\351')" \
		--prog a.b --prog '' --prog 15_bytes_name_x \
		--btf-prog hostile_under _ \
		--btf-prog hostile_dot .has.dots \
		--btf-prog hostile_l1 "$(printf '\300\351t\351_func')" \
		--btf-prog hostile_long "$(long_name 200)" \
		--btf-prog hostile_500 "$(long_name 500)" \
		--btf-prog hostile_max "$(long_name 512)" \
		--orphan-fentry \
		-- sh -e "$0" --held >/tmp/hostile.out 2>&1 || rc=$?
	cat /tmp/hostile.out
	exit $rc
fi

grep -E '^(prog|map|link|btf) ' /tmp/hostile.out >/tmp/created
bpf_objects /tmp/objs.base

# id NAME: the id of the program bpfload reported as NAME.
id() {
	awk -v n="$1" '$1 == "prog" && $3 == n { print $2; exit }' /tmp/created
}

# check DIR: DIR's files are well formed and list exactly the kernel's objects.
check() {
	d=$1
	check_mount "$d"
	for f in progs maps; do
		kind=${f%s}
		cat "$d/$f.debug" >/tmp/$f
		bad=$(malformed_rows /tmp/$f $kind)
		[ -z "$bad" ] || {
			cat /tmp/$f
			fail "$d/$f.debug: rows not in upstream's format: $bad"
		}
		if grep -Eiq 'ffff[0-9a-f]{12}|0x[0-9a-f]|%' /tmp/$f; then
			cat /tmp/$f
			fail "$d/$f.debug shows a kernel pointer or a format directive"
		fi
		# One row per object: the rows' ids are the kernel's ids, but for
		# the program upstream cannot print.
		tail -n +2 /tmp/$f | awk '{ print $1 }' | sort -n >/tmp/$f.ids
		awk -v k=$kind -v max="$(id hostile_max)" '$1 == k && !(k == "prog" && $2 == max) { print $2 }' \
			/tmp/objs.now | sort -n >/tmp/$f.want
		cmp -s /tmp/$f.ids /tmp/$f.want || {
			cat /tmp/$f
			echo "ids in $d/$f.debug, then in the kernel:"
			cat /tmp/$f.ids
			cat /tmp/$f.want
			fail "$d/$f.debug does not list every $kind exactly once"
		}
	done
	# Accepted odd names print as given; fentry programs whose targets'
	# descriptors were closed still name them.
	p=/tmp/progs
	grep -Eq '^ *[0-9]+ \.dot_first +1 +0$' /tmp/maps || fail "map .dot_first not listed"
	grep -Eq '^ *[0-9]+ a\.b  +$' $p || fail "program a.b not listed"
	grep -Eq "^ *$(id hostile_under) _  +\$" $p || fail "program with BTF name _ not listed"
	grep -Eq "^ *$(id hostile_dot) \.has\.dots  +\$" $p || fail "program with BTF name .has.dots not listed"
	grep -q "^ *$(id hostile_l1) $(printf '\300\351t\351_func')  " $p ||
		fail "program with BTF name \\xc0\\xe9t\\xe9_func not listed"
	grep -Eq "^ *$(id hostile_long) $(long_name 200)  \$" $p ||
		fail "program with a 200-byte BTF name not listed in full"
	grep -Eq "^ *$(id hostile_500) $(long_name 500)  \$" $p ||
		fail "program with a 500-byte BTF name not listed in full"
	if grep -Eq "^ *$(id hostile_max) " $p; then
		fail "the program with a 512-byte BTF name has a row: upstream has none"
	fi
	grep -q "^ *[0-9]* latin1_$(printf '\377\376')  " /tmp/maps || fail "map latin1_\\xff\\xfe not listed"
	latin1=$(grep -F 'prog' /tmp/created | grep -F '"\xc0\xe9t\xe9"' | cut -d' ' -f2)
	grep -q "^ *$latin1 $(printf '\300\351t\351')  " $p ||
		fail "program \\xc0\\xe9t\\xe9 not listed"
	grep -Eq "^ *$(id orphan_tgt_lnk) orphan_target_of_a_link  \$" $p ||
		fail "the released target of a link not listed"
	grep -Eq "^ *$(id orphan_fentry_l) orphan_fentry_l  orphan_target_of_a_link \$" $p ||
		fail "fentry program attached to a released target not listed with it"
	grep -Eq "^ *$(id orphan_fentry) orphan_fentry    orphan_target_of_a_loaded_prog orphan_tgt\$" $p ||
		fail "loaded fentry program on a released target not listed with it"
}

if is_builtin bpf_preload; then
	mods=builtin
else
	mods="bpf_preload bpf_preload_ref"
fi
for mod in $mods; do
	[ $mod = builtin ] || modprobe $mod || fail "modprobe $mod"
	mount_bpffs /mnt/h
	# The preload adds two programs and a map.
	np=$(grep -c '^prog ' /tmp/objs.base || true)
	nm=$(grep -c '^map ' /tmp/objs.base || true)
	wait_settled /mnt/h $((np + 2)) $((nm + 1))
	bpf_objects /tmp/objs.now
	echo "$mod:"
	cat /mnt/h/progs.debug /mnt/h/maps.debug
	check /mnt/h
	umount /mnt/h
	[ $mod = builtin ] || rmmod $mod || fail "rmmod $mod"
	[ $mod = builtin ] || wait_bpf_objects /tmp/objs.base
done
