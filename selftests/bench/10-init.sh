# SPDX-License-Identifier: GPL-2.0
# Not a pass/fail check: modprobe time and module size of bpf_preload against
# the reference, alternating, N=${BENCH_N:-5} rounds. Prints a table.
. /tests/lib.sh
. /tests/preload-common.sh

is_builtin bpf_preload && skip "bpf_preload is built in"
now_us() {
	read -r up _ </proc/uptime
	echo "$up" | awk '{ printf "%d", $1 * 1000000 }'
}
# Microseconds when busybox date has %N, else /proc/uptime (10 ms steps).
if [ "$(date +%N 2>/dev/null)" != "%N" ] && [ -n "$(date +%N 2>/dev/null)" ]; then
	now_us() {
		date +%s%N | awk '{ printf "%d", substr($1, 1, length($1) - 3) }'
	}
fi
n=${BENCH_N:-5}
unload_preload
for mod in bpf_preload bpf_preload_ref; do
	eval "t_$mod=0"
done
i=0
while [ $i -lt "$n" ]; do
	for mod in bpf_preload bpf_preload_ref; do
		t0=$(now_us)
		modprobe "$mod" || fail "modprobe $mod"
		t1=$(now_us)
		eval "t_$mod=\$((t_$mod + t1 - t0))"
		eval "size_$mod=$(awk -v m="$mod" '$1 == m { print $2 }' /proc/modules)"
		rmmod "$mod" || fail "rmmod $mod"
	done
	i=$((i + 1))
done
printf '%-16s %12s %10s\n' module "modprobe_us" size
for mod in bpf_preload bpf_preload_ref; do
	eval "t=\$t_$mod; s=\$size_$mod"
	printf '%-16s %12d %10d\n' "$mod" $((t / n)) "$s"
done
awk -v a="$t_bpf_preload" -v b="$t_bpf_preload_ref" -v sa="$size_bpf_preload" \
	-v sb="$size_bpf_preload_ref" \
	'BEGIN { printf "ratio Rust/C: modprobe %.2f (goal <= 0.9), size %.2f (goal <= 1.5)\n", a / b, sa / sb }'
