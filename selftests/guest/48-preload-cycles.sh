# SPDX-License-Identifier: GPL-2.0
# modprobe/rmmod bpf_preload 100 times (1000 with LONG=1): afterwards the
# same BPF objects exist as before, slab usage has not grown beyond a
# tolerance, and kmemleak (debug kernels) suspects nothing.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in: it cannot be unloaded"
n=100
[ "${LONG:-0}" = 1 ] && n=1000
# Slab growth allowed, whatever the number of cycles, for the allocator's
# own noise: /proc/slabinfo's live objects (debug kernels, after a shrink)
# move by a few KiB between two quiet points; /proc/meminfo's Slab counts
# whole pages, including partial slabs each cache keeps per CPU, and was
# seen to move by 16 KiB over 100 cycles. Above that, a leak of 160 (resp.
# 640) bytes per cycle fails 100 cycles: a bpf_link is 64-128 bytes, a
# program's or map's records several hundred. Single small objects are
# kmemleak's to find.
tolerance_kb=64
[ -r /proc/slabinfo ] && tolerance_kb=16

cycle() {
	modprobe bpf_preload || fail "modprobe bpf_preload (cycle $1)"
	rmmod bpf_preload || fail "rmmod bpf_preload (cycle $1)"
}

# listing FILE: what lives, with the module loaded: the rows of both files
# of a fresh mount (every program and map in the system), minus their ids,
# which grow with every load.
listing() {
	modprobe bpf_preload || fail "modprobe bpf_preload"
	mount_bpffs /mnt/cyc
	wait_settled /mnt/cyc 2 1
	sed -E 's/^ *[0-9]+ //' /mnt/cyc/progs.debug /mnt/cyc/maps.debug >"$1"
	umount /mnt/cyc
	rmmod bpf_preload || fail "rmmod bpf_preload"
}

# objects FILE [WANT]: every BPF object by id, from `bpfload ids`
# (build/guest-bin) when the guest has it, taken with the module unloaded.
# Objects of the last unload are freed after an RCU grace period or from a
# workqueue, so wait (up to 10 s) until two snapshots agree, or until the
# snapshot equals WANT.
objects() {
	: >"$1"
	command -v bpfload >/dev/null || return 0
	bpfload ids >"$1.prev" || fail "bpfload ids"
	j=0
	while [ $j -lt 20 ]; do
		sleep 0.5
		bpfload ids >"$1" || fail "bpfload ids"
		if [ -n "${2-}" ]; then
			cmp -s "$1" "$2" && return 0
		else
			cmp -s "$1" "$1.prev" && return 0
			cp "$1" "$1.prev"
		fi
		j=$((j + 1))
	done
}

# Live slab bytes in KiB: from /proc/slabinfo (active objects times object
# size) when the kernel has it, else the Slab line of /proc/meminfo, which
# counts whole slab pages and so also what the allocator keeps cached. A
# shrink of every cache first drains KASAN's quarantine and empty slabs.
slab_kb() {
	for f in /sys/kernel/slab/*/shrink; do
		[ -w "$f" ] && echo 1 >"$f" 2>/dev/null || true
	done
	if [ -r /proc/slabinfo ]; then
		awk 'NR > 2 { b += $2 * $4 } END { printf "%d\n", b / 1024 }' /proc/slabinfo
	else
		awk '$1 == "Slab:" { print $2 }' /proc/meminfo
	fi
}

# Objects are freed after an RCU grace period or from a workqueue; let that
# happen before a measurement.
settle() {
	sleep 2
}

unload_preload
# Warm up: the first loads fill caches (module, kmalloc slabs, the verifier's
# state lists) that later loads reuse.
i=0
while [ $i -lt 5 ]; do
	cycle "warm-up $i"
	i=$((i + 1))
done
listing /tmp/cyc.before
objects /tmp/cyc.objs-before
settle
slab_before=$(slab_kb)

t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt $n ]; do
	cycle $i
	i=$((i + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
echo "$n cycles in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"

settle
slab_after=$(slab_kb)
objects /tmp/cyc.objs-after /tmp/cyc.objs-before
listing /tmp/cyc.after

echo "programs and maps:"
cat /tmp/cyc.after
expect_eq "programs and maps after $n cycles" "$(cat /tmp/cyc.before)" "$(cat /tmp/cyc.after)"
if command -v bpfload >/dev/null; then
	echo "BPF objects (bpfload ids):"
	cat /tmp/cyc.objs-after
	expect_eq "BPF objects after $n cycles" "$(cat /tmp/cyc.objs-before)" "$(cat /tmp/cyc.objs-after)"
else
	echo "no bpfload in this guest: link and BTF counts not checked"
fi
src=/proc/meminfo
[ -r /proc/slabinfo ] && src=/proc/slabinfo
growth=$((slab_after - slab_before))
echo "slab ($src): $slab_before KiB before, $slab_after KiB after, $growth KiB growth (tolerance $tolerance_kb)"
[ $growth -le $tolerance_kb ] ||
	fail "slab grew by $growth KiB over $n cycles, more than $tolerance_kb KiB"
leaks=$(kmemleak_report)
[ -z "$leaks" ] || {
	echo "$leaks"
	fail "kmemleak suspects $(kmemleak_count "$leaks") objects after $n cycles"
}
