#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test. Host tests (cargo), generated-file freshness, and
# the guest tests on every supported kernel (with, on the m variants, the
# rust-kernel back end's test module). Ends with one line
# "N passed, N failed, N skipped" summing all tiers; non-zero on any failure.
#
# Environment: CHECK_MATRIX, the KERNEL:VARIANT pairs to build and boot
# (default "7.3:m 7.3:y 7.3:fi 6.12:m 6.12:y 6.12:fi"). The fi variant (m
# plus fault injection) carries a loader built for fault injection, which
# is not the product: it runs only the tests that need it.

. "$(dirname "$0")/common.sh"

matrix=${CHECK_MATRIX:-7.3:m 7.3:y 7.3:fi 6.12:m 6.12:y 6.12:fi}
results=$TOP/build/check
mkdir -p "$results"
passed=0 failed=0 skipped=0 broken=()
t0=$SECONDS

# add LOG: add the closing "N passed, N failed[, N skipped]" line of LOG.
add() {
	local line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

# run NAME KIND CMD...: run one part, keep its log. KIND "test" counts the
# closing line of its log (or one pass); KIND "setup" counts nothing unless it
# fails. A part that dies before reporting counts as one failure.
run() {
	local name=$1 kind=$2 log=$results/$1.log rc=0
	shift 2
	note "$name"
	"$@" 2>&1 | tee "$log" || rc=$?
	if add "$log"; then
		:
	elif [ $rc = 0 ]; then
		[ "$kind" = setup ] || passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	[ $rc = 0 ] || broken+=("$name")
	return $rc
}

run toolchain setup scripts/toolchain.sh || {
	echo "0 passed, 1 failed"
	exit 1
}
run host test scripts/host-test.sh || true
run c-skeleton test generator/tests/c-skeleton.sh "$TOP/target/debug/bpf-lskel" || true
run gen-fresh test scripts/gen.sh --check || true

for kv in $matrix; do
	k=${kv%%:*} v=${kv#*:}
	tests=()
	[ "$v" = fi ] && tests=(30-preload-files 47-preload-fault-inject)
	# The m tiers run make run's show first, as on a fresh boot (readme-check).
	[ "$v" = m ] && tests=(show $(cd "$TOP/selftests/guest" && ls [0-9]*.sh | sed 's/\.sh$//'))
	if run "kernel-$k-$v" setup env KERNEL="$k" VARIANT="$v" scripts/kernel.sh all; then
		run "guest-$k-$v" test env KERNEL="$k" VARIANT="$v" selftests/run.sh "${tests[@]}" || true
		# The rust-kernel back end end to end: skeletons in a module of its own.
		[ "$v" = m ] && { run "kmod-$k-$v" test env KERNEL="$k" VARIANT="$v" \
			generator/tests/kernel-skeleton.sh || true; }
		# README.md's make run block against that tier's show.
		[ "$k:$v" = 7.3:m ] && { run readme test scripts/readme-check.sh "$results/guest-$k-$v.log" || true; }
	fi
done
# The kernel's lints (rustfmt, clippy, rustdoc, checkpatch) on each kernel's series.
for k in $(printf '%s\n' $matrix | sed 's/:.*//' | awk '!seen[$0]++'); do
	run "lint-$k" test env KERNEL="$k" LINT_APPLIED=1 scripts/kernel-lint.sh || true
done

echo
echo "# check: $((SECONDS - t0)) s; logs in $results"
[ ${#broken[@]} = 0 ] || echo "# failed tiers: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#broken[@]} = 0 ] && [ "$failed" = 0 ]
