#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that README.md's `make run` block is what `make run` prints: that
# the show script's lines in it (which implementation runs, both files) and
# its closing "guest:" line are those of a real guest run.
#
#   scripts/readme-check.sh LOG
#
# LOG is the output of a selftests/run.sh run of 7.3 (m) that ran `show`
# (make check's guest-7.3-m tier runs it first, as on a fresh boot). Object
# ids and times are normalised; the README's block is taken as `make run`
# prints it (without the "# " of the guest's comment lines). Prints a diff
# on a mismatch, and one "N passed, N failed" line.

. "$(dirname "$0")/common.sh"

log=${1:?usage: readme-check.sh LOG}
readme=$TOP/README.md
work=$TOP/build/readme-check
mkdir -p "$work"

verdict() {
	echo "$1 passed, $2 failed"
	exit "$2"
}

[ -r "$log" ] || {
	echo "# readme-check: no guest log $log"
	verdict 0 1
}

# The fenced block after the line "`make run` prints ...".
awk '
	/^`make run` prints/ { want = 1; next }
	want && /^```/ { if (inside) exit; inside = 1; next }
	inside { print }
' "$readme" >"$work/block"

# show_lines: the show script's lines in KTAP on stdin: those before its
# "ok N show", back to the previous test's result (or the plan), without
# their "# " and without the runner's timing line.
show_lines() {
	# Reads to the end: leaving early would fail the writer with SIGPIPE.
	sed 's/\r$//' | awk '
		found { next }
		/^(ok|not ok) [0-9]+ / || /^1\.\.[0-9]+$/ {
			if ($0 ~ /^ok [0-9]+ show$/) found = 1
			else n = 0
			next
		}
		{ l[n++] = $0 }
		END {
			if (!found) exit 1
			for (i = 0; i < n; i++) print l[i]
		}
	' | sed -E 's/^# ?//' | grep -Ev '^show: [0-9.]+ s$'
}

# normalise: object ids, times, the accelerator (the README shows TCG; a
# host where KVM works boots under it) and trailing blanks (progs.debug
# ends its rows in one). Rows of the loader's map go: the loader program holds it
# until it is freed after an RCU tasks trace grace period, so a listing
# right after the module loaded may still show it.
normalise() {
	sed -E 's/^ *[0-9]+ / ID /; s/, (tcg|kvm), [0-9]+(\.[0-9]+)? s from boot/, ACCEL, T s from boot/; s/[[:space:]]+$//' |
		grep -Ev '^ ID __loader\.map ' || true
}

fail=0
if ! show_lines <"$work/block" | normalise >"$work/readme.show"; then
	echo "# readme-check: README.md's make run block has no 'ok 1 show'"
	fail=1
fi
if ! sed -n '/^KTAP version 1/,$p' "$log" | show_lines | normalise >"$work/guest.show"; then
	echo "# readme-check: $log has no passed show (ok N show)"
	fail=1
fi
[ -s "$work/guest.show" ] || fail=1
grep -E '^guest: ' "$work/block" | normalise >"$work/readme.guest" || true
grep -E '^# guest: ' "$log" | sed 's/^# //' | normalise >"$work/guest.guest" || true
[ $fail = 1 ] || {
	if ! diff -u --label "README.md (make run)" --label "${log#"$TOP"/} (show)" \
		"$work/readme.show" "$work/guest.show" | sed 's/^/# /'; then
		fail=1
	fi
	if ! diff -u --label "README.md (make run)" --label "${log#"$TOP"/}" \
		"$work/readme.guest" "$work/guest.guest" | sed 's/^/# /'; then
		fail=1
	fi
}
if [ $fail = 0 ]; then
	echo "# readme-check: README.md's make run block matches the show run in ${log#"$TOP"/}"
	verdict 1 0
fi
echo "# readme-check: README.md's make run block differs from a real run (above): paste a fresh 'make run'"
verdict 0 1
