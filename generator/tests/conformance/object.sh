#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One object of the conformance run, inside the build root (scripts/
# conformance.sh runs it through xargs): compile the source, generate a
# light skeleton with bpftool and with bpf-lskel, build the harness against
# each header, load both on this kernel, compare what the kernel holds.
# Prints one line, tab-separated:
#
#   NAME  CATEGORY  DETAIL  SECTION-FAMILIES  MAP-TYPES
#
# Every step is cached under $CONF_CACHE, keyed by what it depends on: the
# object (obj/) by its source, flags, vmlinux.h and compiler; a generator's
# output (bpftool/, ours/GENERATOR/) by the object; the harness's results
# (runs/) by the header, the harness, bpftool and the kernel. A new
# generator regenerates every header (milliseconds each) but builds and
# loads only the headers that changed.
#
# Environment (from conformance.sh): CONF_CACHE, CONF_SRC (the progs
# directory), CONF_CFLAGS, CONF_OBJ_KEY (flags, vmlinux.h, compiler),
# CONF_HARNESS (harness.c), CONF_RUN_KEY (harness, bpftool, kernel),
# CONF_LSKEL, CONF_LSKEL_KEY, CONF_BPFTOOL_KEY (the binaries' hashes),
# CONF_KEEP (1: keep headers and binaries),
# CONF_TIMEOUT (seconds per step).

set -u
name=$1
src=$CONF_SRC/$name.c
timeout=${CONF_TIMEOUT:-300}
# The skeleton's name: the object's, as a C identifier.
sk=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_' '_')
case $sk in [0-9]*) sk=_$sk ;; esac

key() {
	sha256sum | cut -c1-16
}

first_line() {
	grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null | cut -c1-300
}

# --- the object -------------------------------------------------------------

okey=$( (cat "$src"; printf '%s' "$CONF_OBJ_KEY") | key)
od=$CONF_CACHE/obj/$name.$okey
if [ ! -e "$od/rc" ]; then
	rm -rf "$od.tmp" && mkdir -p "$od.tmp"
	(cd "$CONF_SRC/.." && eval "timeout $timeout clang-19 $CONF_CFLAGS -c progs/$name.c -o $od.tmp/obj.o") \
		2>"$od.tmp/err"
	echo $? >"$od.tmp/rc"
	rm -rf "$od" && mv "$od.tmp" "$od"
fi
touch "$od"
if [ "$(cat "$od/rc")" != 0 ]; then
	msg=$(grep -m1 'error:' "$od/err" | sed 's,^.*/,,' | cut -c1-300)
	printf '%s\tno-compile\t%s\t\t\n' "$name" "${msg:-$(first_line "$od/err")}"
	exit 0
fi
obj=$od/obj.o
[ -s "$od/objkey" ] || key <"$obj" >"$od/objkey"
objkey=$(cat "$od/objkey")
bd=$CONF_CACHE/bpftool/$name.$objkey.$CONF_BPFTOOL_KEY
ud=$CONF_CACHE/ours/$CONF_LSKEL_KEY/$name.$objkey

# The whole answer, when neither side changed since it was given: ours'
# directory goes with the generator, bpftool's with the object, both runs
# with the run key.
res=$ud/result.$CONF_RUN_KEY
if [ -e "$res" ] && [ -e "$bd/done" ]; then
	touch "$bd" "$ud"
	[ ! -e "$bd/run" ] || touch "$bd/run/"
	[ ! -e "$ud/run" ] || touch "$ud/run/"
	cat "$res"
	exit 0
fi

# Section families of the programs, for choosing the subset: an executable
# section's name up to its first '/' (cgroup, sk_skb and sk_reuseport up to
# the second: the attach type), without the '?' of autoload off.
[ -e "$od/sections" ] || llvm-readelf-19 -S --wide "$obj" |
	awk '/^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, ""); if ($7 ~ /X/) print $1 }' >"$od/sections"
families=$(sed 's,^?,,' "$od/sections" |
	sed -E -e 's,^(cgroup|sk_skb|sk_reuseport)/([^/]*).*,\1/\2,; t' -e 's,/.*,,' |
	grep -vx '\.text' | sort -u | paste -sd,)

# --- one tool's side ----------------------------------------------------------

# run_dir TOOL HKEY: where the harness's results for a header live. A
# header is run once, whatever generator made it: a new generator reruns
# only the objects whose header it changed. Ours also depends on bpftool's
# `.kconfig` value (harness.c), so on its header.
run_dir() {
	if [ "$1" = bpftool ]; then
		echo "$CONF_CACHE/runs/bpftool.$name.$2.$CONF_RUN_KEY"
	else
		echo "$CONF_CACHE/runs/ours.$name.$2.$(cat "$bd/hkey" 2>/dev/null).$CONF_RUN_KEY"
	fi
}

# side DIR TOOL: generate (gen.rc, gen.err, hkey: the header's hash, in
# DIR), then build the harness and run it (build.rc, build.err, run.rc, out,
# run.err, in DIR/run, a link to the header's run directory).
side() {
	local d=$1 tool=$2 t=$1.tmp flags="" rc r
	# Reuse a generation that failed, or one whose header ran with this
	# harness (else generate again: the header is not kept).
	if [ -e "$d/done" ]; then
		if [ "$(cat "$d/gen.rc")" != 0 ]; then
			touch "$d"
			return 0
		fi
		r=$(run_dir "$tool" "$(cat "$d/hkey")")
		if [ "$(readlink "$d/run")" = "$r" ] && [ -e "$r/done" ]; then
			touch "$d" "$r"
			return 0
		fi
	fi
	rm -rf "$t" && mkdir -p "$t"
	# The braces take bash's own word on a crash ("Segmentation fault"):
	# the status says it.
	if [ "$tool" = bpftool ]; then
		{ timeout "$timeout" bpftool gen skeleton -L "$obj" name "$sk" >"$t/skel.h" 2>"$t/gen.err"; } 2>/dev/null
	else
		{ timeout "$timeout" "$CONF_LSKEL" gen skeleton -L "$obj" --lang c --endian little \
			--name "$sk" -o "$t/skel.h" 2>"$t/gen.err"; } 2>/dev/null
	fi
	rc=$?
	echo $rc >"$t/gen.rc"
	if [ $rc = 0 ]; then
		key <"$t/skel.h" >"$t/hkey"
		r=$(run_dir "$tool" "$(cat "$t/hkey")")
		ln -s "$r" "$t/run"
	fi
	if [ $rc = 0 ] && [ ! -e "$r/done" ]; then
		rm -rf "$r.tmp" && mkdir -p "$r.tmp"
		grep -qE '^[[:space:]]*\} maps;' "$t/skel.h" && flags="$flags -DHAVE_MAPS"
		grep -qE '^[[:space:]]*\} progs;' "$t/skel.h" && flags="$flags -DHAVE_PROGS"
		grep -qE '^[[:space:]]*struct bpf_map_desc kconfig;' "$t/skel.h" &&
			grep -qE '^[[:space:]]*\} \*kconfig;' "$t/skel.h" && flags="$flags -DHAVE_KCONFIG"
		grep -q "^${sk}__failed_step(" "$t/skel.h" && flags="$flags -DHAVE_FAILED_STEP"
		# The program descriptors' names, to tell a program in another's slot.
		{
			echo 'static const char *const prog_fields[] = {'
			sed -n 's/^\t\tstruct bpf_prog_desc \([A-Za-z0-9_]*\);$/\t"\1",/p' "$t/skel.h"
			echo '};'
		} >"$r.tmp/fields.h"
		flags="$flags -DPROG_FIELDS=\"$r.tmp/fields.h\""
		# shellcheck disable=SC2086 # flags are words
		timeout "$timeout" cc -O0 -Wall -DSKEL="$sk" -DSKEL_HEADER="\"$t/skel.h\"" $flags \
			-o "$r.tmp/harness" "$CONF_HARNESS" 2>"$r.tmp/build.err"
		rc=$?
		echo $rc >"$r.tmp/build.rc"
		if [ $rc = 0 ]; then
			if [ "$tool" = bpftool ]; then
				{ CONF_KCONFIG_OUT=$r.tmp/kconfig.bin timeout "$timeout" "$r.tmp/harness" \
					>"$r.tmp/out" 2>"$r.tmp/run.err"; } 2>/dev/null
			else
				{ CONF_KCONFIG_IN=$bd/run/kconfig.bin timeout "$timeout" "$r.tmp/harness" \
					>"$r.tmp/out" 2>"$r.tmp/run.err"; } 2>/dev/null
			fi
			echo $? >"$r.tmp/run.rc"
		fi
		[ "${CONF_KEEP:-0}" = 1 ] && cp "$t/skel.h" "$r.tmp/" || rm -f "$r.tmp/harness"
		touch "$r.tmp/done"
		rm -rf "$r" && mv "$r.tmp" "$r"
	fi
	rm -f "$t/skel.h"
	touch "$t/done"
	rm -rf "$d" && mv "$t" "$d"
}

side "$bd" bpftool
side "$ud" ours

# --- classify -------------------------------------------------------------------

# crashed RC: a timeout, a fatal signal (SIGILL, SIGABRT, SIGBUS, SIGFPE,
# SIGSEGV) or a Rust panic, not a refusal. bpftool exits with 256 - errno
# (-EOPNOTSUPP: 161), so other values above 128 are refusals.
crashed() {
	case $1 in 124 | 132 | 134 | 135 | 136 | 139 | 101) return 0 ;; esac
	return 1
}

# status DIR: gen-failed, gen-crashed, build-failed, loaded, load-failed,
# harness-broke, run-crashed.
status() {
	local g b r
	g=$(cat "$1/gen.rc")
	if [ "$g" != 0 ]; then
		crashed "$g" && echo gen-crashed || echo gen-failed
		return
	fi
	b=$(cat "$1/run/build.rc")
	[ "$b" = 0 ] || { echo build-failed; return; }
	r=$(cat "$1/run/run.rc")
	case $r in
	0) echo loaded ;;
	1) echo load-failed ;;
	2) echo harness-broke ;;
	*) echo run-crashed ;;
	esac
}

# gen_error DIR: the generator's own words. bpftool: libbpf's first
# complaint (its last line only says that opening failed), ours: line one.
gen_error() {
	local m rc e
	m=$(grep -m1 -E '^libbpf: .*(fail|unsupport|not |invalid|error|can.t|unrecognized|unknown|missing|no )' \
		"$1/gen.err" 2>/dev/null | cut -c1-300)
	[ -n "$m" ] || m=$(first_line "$1/gen.err" | sed -e 's/^bpf-lskel: error: //' -e "s|^$obj: ||")
	rc=$(cat "$1/gen.rc")
	if crashed "$rc"; then
		case $rc in
		124) e="timed out" ;; 101) e="panicked" ;; 132) e="SIGILL" ;; 134) e="SIGABRT" ;;
		135) e="SIGBUS" ;; 136) e="SIGFPE" ;; 139) e="SIGSEGV" ;;
		esac
		m="crashed ($e)${m:+: $m}"
	elif [ "$rc" -gt 128 ]; then
		# bpftool's status is 256 - errno: say which.
		case $((256 - rc)) in
		1) e=EPERM ;; 2) e=ENOENT ;; 3) e=ESRCH ;; 7) e=E2BIG ;; 9) e=EBADF ;;
		12) e=ENOMEM ;; 13) e=EACCES ;; 22) e=EINVAL ;; 95) e=EOPNOTSUPP ;;
		*) e=$((256 - rc)) ;;
		esac
		m="${m:-no message} (-$e)"
	fi
	printf '%s' "${m:-no message}"
}

# load_error DIR: the errno, for ours the loader step that failed, and the
# verifier log's last word (of the program, the BTF, or bpftool's loader
# itself), in braces.
load_error() {
	local e s l
	e=$(sed -n 's/^load: failed, //p' "$1/run/out")
	s=$(sed -n 's/^failed step: //p' "$1/run/run.err")
	l=$(sed -n '/^log tail:$/,$p' "$1/run/run.err" | grep -v -e '^log tail:$' -e '^processed [0-9]* insns' \
		-e '^[[:space:]]*$' | tail -n 1 | cut -c1-160)
	# A BTF record without a complaint: the log of a BTF that loaded.
	[[ $l =~ ^[[:space:]] || $l =~ ^\[[0-9]+\].*(=[0-9]+|[[:space:]](struct|union))$ ]] && l=
	# Ours names the step: a log says something only about a load.
	case $s in '' | loading*) ;; *) l= ;; esac
	printf '%s%s%s' "$e" "${s:+ at \"$s\"}" "${l:+ {log: $l\}}"
}

# first_diff A B: the first line where the two reports differ, and its
# fields that differ (the word before each differing value).
first_diff() {
	awk 'NR == FNR { a[FNR] = $0; na = FNR; next }
	{ nb = FNR; if (!done && a[FNR] != $0) { report(a[FNR], $0); done = 1 } }
	END {
		if (!done && nb != na) report(a[nb + 1], "(end)")
	}
	function report(x, y,   wx, wy, nx, ny, i, f) {
		nx = split(x, wx, " "); ny = split(y, wy, " ")
		if (x ~ /: not (loaded|created)$/ || y ~ /: not (loaded|created)$/)
			f = "loaded"
		else
			for (i = 1; i <= (nx > ny ? nx : ny); i++)
				if (wx[i] != wy[i]) f = f (f ? "," : "") (i > 1 ? wx[i - 1] : "line")
		printf "%s: bpftool \"%s\" ours \"%s\"", f, x, y
	}' "$1" "$2"
}

maptypes() {
	grep -o '^map [0-9]*: [a-z_0-9]*' "$1/run/out" 2>/dev/null | awk '{print $3}' | sort -u | paste -sd,
}

# unusable STATUS: bpftool gave no skeleton a program can use.
unusable() {
	case $1 in gen-failed | gen-crashed | build-failed) return 0 ;; esac
	return 1
}

# refusal DIR STATUS: why a side gave no usable skeleton.
refusal() {
	if [ "$2" = build-failed ]; then
		printf 'its header does not compile: %s' \
			"$(grep -m1 'error' "$1/run/build.err" | sed 's,^.*/,,' | cut -c1-200)"
	else
		gen_error "$1"
	fi
}

bs=$(status "$bd")
us=$(status "$ud")
cat=unknown detail=""
case $bs/$us in
*/gen-failed | */gen-crashed)
	if unusable "$bs"; then
		cat=refused-by-both detail="ours: $(gen_error "$ud"); bpftool: $(refusal "$bd" "$bs")"
	else
		case $bs in
		loaded) b="bpftool's loads" ;;
		load-failed) b="bpftool's fails to load: $(load_error "$bd")" ;;
		*) b="bpftool's: $bs" ;;
		esac
		cat=ours-refused detail="$(gen_error "$ud") ($b)"
	fi
	[ "$us" = gen-crashed ] && cat=ours-crashed
	;;
build-failed/build-failed)
	# The header names a type only the object's own user defines.
	cat=headers-do-not-build detail=$(refusal "$ud" "$us")
	;;
*/build-failed)
	cat=ours-header-broken detail=$(refusal "$ud" "$us")
	# No header of bpftool's to compare with, and ours lacks a user's type.
	unusable "$bs" && grep -qE 'incomplete (element )?type|unknown type name' "$ud/run/build.err" &&
		cat=headers-do-not-build
	;;
gen-failed/* | gen-crashed/* | build-failed/*)
	case $us in
	loaded) cat=beyond-bpftool detail="bpftool: $(refusal "$bd" "$bs")" ;;
	load-failed) cat=bpftool-refused detail="bpftool: $(refusal "$bd" "$bs"); ours fails to load: $(load_error "$ud")" ;;
	*) cat=bpftool-refused detail="bpftool: $(refusal "$bd" "$bs"); ours: $us" ;;
	esac
	[ "$bs" = gen-crashed ] && [ "$cat" != beyond-bpftool ] && cat=bpftool-crashed
	;;
harness-broke/* | */harness-broke)
	cat=harness-broke detail="$(first_line "$bd/run/run.err") / $(first_line "$ud/run/run.err")"
	;;
*/run-crashed)
	cat=ours-crashed detail="harness exit status $(cat "$ud/run/run.rc")"
	;;
run-crashed/*)
	cat=bpftool-crashed detail="harness exit status $(cat "$bd/run/run.rc")"
	;;
loaded/loaded)
	if cmp -s "$bd/run/out" "$ud/run/out"; then
		cat=identical
	elif grep -q '(in the slot of' "$bd/run/out" && ! grep -q '(in the slot of' "$ud/run/out"; then
		# libbpf's gen_loader numbers the programs it loads, not the
		# object's: with an autoload-off program before others, their fds
		# land in the wrong descriptors.
		cat=beyond-bpftool detail="bpftool's skeleton puts programs in other programs' descriptors:"
		detail="$detail $(grep -m1 '(in the slot of' "$bd/run/out" | cut -c1-200)"
	else
		cat=differ detail=$(first_diff "$bd/run/out" "$ud/run/out" | cut -c1-600)
	fi
	;;
loaded/load-failed)
	cat=only-bpftool-loads detail="ours: $(load_error "$ud")"
	;;
load-failed/loaded)
	cat=beyond-bpftool detail="bpftool's fails to load: $(load_error "$bd")"
	;;
load-failed/load-failed)
	cat=kernel-refuses-both detail="bpftool: $(load_error "$bd"); ours: $(load_error "$ud")"
	# The same errno on both sides is the kernel's verdict; otherwise say so.
	[ "$(sed -n 1p "$bd/run/out")" = "$(sed -n 1p "$ud/run/out")" ] || detail="errno differs: $detail"
	;;
esac
types=$(maptypes "$bd")
[ -n "$types" ] || types=$(maptypes "$ud")
printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$cat" "$(printf '%s' "$detail" | tr '\t\n' '  ')" \
	"$families" "$types" >"$res.tmp"
mv "$res.tmp" "$res"
cat "$res"
