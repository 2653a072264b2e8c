# SPDX-License-Identifier: GPL-2.0
# The bpf_preload this kernel has, loaded or built in, is the project's Rust
# module: /proc/kallsyms lists symbols of the Rust crate bpf_preload for it
# (preload_impl, lib.sh). A series that lost the module, or carries
# upstream's C one, fails here. The detector is checked both ways on other
# modules: the Rust sample rust_minimal must count as its crate's, and
# upstream's C module (bpf_preload_ref) as C.
. /tests/lib.sh

mod=bpf_preload
if preload_builtin; then
	impl=$(preload_impl)
	expect_eq "bpf_preload, built in" rust-builtin "$impl"
	echo "$mod is built in; vmlinux has $(rust_crate_syms $mod | wc -l) symbols of the Rust crate $mod"
else
	unload_preload
	modprobe $mod || fail "modprobe $mod: no such module, and not built in"
	impl=$(module_impl $mod bpf_preload)
	expect_eq "$mod, loaded" rust "$impl"
	echo "$mod is a module with $(rust_crate_syms bpf_preload $mod | wc -l) symbols of the Rust crate bpf_preload, e.g.:"
	rust_crate_syms bpf_preload $mod | sort | head -n 3
	rmmod $mod || fail "rmmod $mod"
fi

# The detector tells a Rust crate's module...
modprobe rust_minimal || fail "modprobe rust_minimal"
expect_eq "rust_minimal, detected as" rust "$(module_impl rust_minimal rust_minimal)"
rmmod rust_minimal || fail "rmmod rust_minimal"
# ... from a C module with symbols. Loading the reference over a built-in
# bpf_preload would replace its bpffs ops.
if ! preload_builtin; then
	modprobe bpf_preload_ref || fail "modprobe bpf_preload_ref"
	expect_eq "bpf_preload_ref (C), detected as" c "$(module_impl bpf_preload_ref bpf_preload)"
	expect_eq "Rust symbols in bpf_preload_ref (C)" "" \
		"$(awk 'NF == 4 && $4 == "[bpf_preload_ref]" && $3 ~ /^_R/' /proc/kallsyms)"
	rmmod bpf_preload_ref || fail "rmmod bpf_preload_ref"
	echo "controls: rust_minimal detected as Rust, bpf_preload_ref as C"
else
	echo "control: rust_minimal detected as Rust"
fi
