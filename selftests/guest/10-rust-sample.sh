# SPDX-License-Identifier: GPL-2.0
# Rust-for-Linux works in this kernel: a Rust sample module loads and unloads.
. /tests/lib.sh

modprobe rust_minimal || fail "modprobe rust_minimal"
dmesg | grep -q 'Rust minimal sample (init)' || fail "rust_minimal did not print its init line"
rmmod rust_minimal || fail "rmmod rust_minimal"
dmesg | grep -q 'Rust minimal sample (exit)' || fail "rust_minimal did not print its exit line"
echo "rust_minimal loaded and unloaded"
