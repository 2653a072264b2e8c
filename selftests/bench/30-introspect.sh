# SPDX-License-Identifier: GPL-2.0
# Benchmark, not a test: listing N programs and N maps, for each N of
# BENCH_SCALE, with bpffs's progs.debug and maps.debug (ours, Rust) against
# `bpftool prog show` and `bpftool map show`, alternating, BENCH_INTRO_N
# rounds. `bpfload many` holds the objects while this script runs again as
# `30-introspect.sh measure N`, which first checks that every listing holds
# all of them, then times.
. /tests/lib.sh
. /tests/preload-common.sh
. /tests/bench-lib.sh

d=/sys/fs/bpf

# timed CASE COUNT ROUND WHO CMD...: one sample of CMD's wall time.
timed() {
	c=$1 k=$2 rr=$3 who=$4
	shift 4
	t=$(benchtime "$@") || fail "$* failed"
	csv intro "$c" "$k" "$rr" "$who" "$t"
}

# rows FILE: data rows of a .debug file.
rows() {
	echo $(($(wc -l <"$1") - 1))
}

measure() {
	count=$1
	p=$(rows $d/progs.debug)
	m=$(rows $d/maps.debug)
	[ "$p" -ge "$count" ] || fail "progs.debug lists $p programs, expected $count or more"
	[ "$m" -ge "$count" ] || fail "maps.debug lists $m maps, expected $count or more"
	bp=$(bpftool prog show | grep -c '^[0-9]*: ')
	bm=$(bpftool map show | grep -c '^[0-9]*: ')
	[ "$bp" -ge "$count" ] || fail "bpftool prog show lists $bp programs, expected $count or more"
	[ "$bm" -ge "$count" ] || fail "bpftool map show lists $bm maps, expected $count or more"
	echo "N=$count: progs.debug $p rows, maps.debug $m rows, bpftool $bp programs, $bm maps"
	r=1
	while [ $r -le "${BENCH_INTRO_N:-5}" ]; do
		timed progs "$count" $r debugfile cat $d/progs.debug
		timed progs "$count" $r bpftool bpftool prog show
		timed maps "$count" $r debugfile cat $d/maps.debug
		timed maps "$count" $r bpftool bpftool map show
		r=$((r + 1))
	done
}

if [ "${1-}" = measure ]; then
	measure "$2"
	exit 0
fi

need_benchtime
command -v bpftool >/dev/null || skip "no bpftool in this initramfs: run 'make bench'"
command -v bpfload >/dev/null || skip "no bpfload in this initramfs (scripts/guest-bin.sh)"
unload_preload
is_builtin bpf_preload || modprobe bpf_preload || fail "modprobe bpf_preload"
mount -t bpf bpf $d || fail "mounting bpffs"
[ -e $d/progs.debug ] || fail "no progs.debug in bpffs"
base=$(rows $d/progs.debug)

for count in ${BENCH_SCALE:-100 1000 10000}; do
	t0=$(benchtime -n)
	bpfload many --progs "$count" --maps "$count" --quiet -- \
		sh -e /tests/30-introspect.sh measure "$count" ||
		fail "bpfload many --progs $count --maps $count, or the measurement"
	echo "N=$count: $((($(benchtime -n) - t0) / 1000000)) ms to load, measure and unload"
	# Freeing is deferred: wait for the objects to go before the next size.
	i=0
	while [ "$(rows $d/progs.debug)" -gt $((base + 5)) ]; do
		[ $i -lt 600 ] || fail "$(rows $d/progs.debug) programs still listed 60 s after unloading"
		sleep 0.1
		i=$((i + 1))
	done
done
umount $d
echo "${BENCH_INTRO_N:-5} rounds for each of ${BENCH_SCALE:-100 1000 10000} programs and maps"
