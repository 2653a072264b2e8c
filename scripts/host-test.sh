#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests: build the BPF test corpus in the build root, then formatting,
# clippy and `cargo test` for the workspace. Ends with the summed
# "N passed, N failed, N skipped" of every cargo test binary.

. "$(dirname "$0")/common.sh"

command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (rustup) on the host"
cd "$TOP"
[ -f Cargo.toml ] || die "no Cargo workspace at $TOP"

if [ -x generator/tests/build-corpus.sh ]; then
	note "building the BPF corpus"
	generator/tests/build-corpus.sh
fi
export BPF_CORPUS_DIR=${BPF_CORPUS_DIR:-$TOP/build/corpus}

note "cargo fmt --check"
cargo fmt --all --check
note "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
note "cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
cargo test --workspace 2>&1 | tee "$log" || rc=$?
# Tests that could not run say why ("test NAME ... ignored, REASON", from
# libtest's #[ignore = REASON] or the kernel tier's own harness); they are
# counted as skipped, never as passed.
sed -n 's/^test \(.*\) \.\.\. ignored, \(.*\)$/skipped: \1: \2/p' "$log"
awk '/^test result:/ {
	for (i = 1; i <= NF; i++) {
		if ($(i + 1) ~ /^passed/) p += $i
		if ($(i + 1) ~ /^failed/) f += $i
		if ($(i + 1) ~ /^ignored/) s += $i
	}
} END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $rc
