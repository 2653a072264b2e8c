# SPDX-License-Identifier: GPL-2.0
# The patch series, one `step` per commit; sourced by scripts/patches.sh with
# the current directory at the root of a vanilla tree of $KERNEL.
#
# Files come from the repo: rust/ (what the kernel's rust/ gains), preload/
# (the module), Kconfig and Kbuild (kernel/bpf/preload/), iterators/ (the BPF
# programs and their generated light skeleton). Edits of kernel files are
# anchored on lines that must exist; a missing anchor stops the series.

# insert_line FILE ANCHOR LINE: insert LINE before the first line equal to ANCHOR.
insert_line() {
	local file=$1 anchor=$2 line=$3
	grep -qxF -- "$anchor" "$file" || die "series: no line '$anchor' in $file ($KERNEL)"
	awk -v a="$anchor" -v l="$line" '!done && $0 == a { print l; done = 1 } { print }' \
		"$file" >"$file.new"
	mv "$file.new" "$file"
}

# apply_diff FILE: apply a diff from the repo, which must apply exactly.
apply_diff() {
	git apply --whitespace=error-all "$TOP/$1" || die "series: $1 does not apply to $KERNEL"
}

# put FROM TO: copy a repo file into the tree. New files are added by force:
# Debian's kernel tree ignores everything at its top level (.gitignore: /*).
put() {
	cp "$TOP/$1" "$2" || die "series: copying $1"
	git add -f "$2"
}

# append_line FILE ANCHOR LINE: insert LINE after the first line equal to ANCHOR.
append_line() {
	local file=$1 anchor=$2 line=$3
	grep -qxF -- "$anchor" "$file" || die "series: no line '$anchor' in $file ($KERNEL)"
	awk -v a="$anchor" -v l="$line" '{ print } !done && $0 == a { print l; done = 1 }' \
		"$file" >"$file.new"
	mv "$file.new" "$file"
}

# put_without FROM TO PATTERN: put, minus the lines matching PATTERN (modules
# a later commit adds).
put_without() {
	grep -v -- "$3" "$TOP/$1" >"$2" || die "series: copying $1"
	git add -f "$2"
}

# --- rust: module! keys -------------------------------------------------------

macros_imports_ns() {
	apply_diff rust/macros/6.12-module-imports-ns.diff
}

macros_initcall() {
	apply_diff "rust/macros/$KERNEL-module-initcall.diff"
}

if [ "$KERNEL" = 6.12 ]; then
	step "rust: macros: module: add the imports_ns key" \
"Modules written in C import a symbol namespace with MODULE_IMPORT_NS();
Rust modules had no way to, so they could not use symbols such as the
BPF_INTERNAL ones that bpf_preload needs.

Add an imports_ns key taking a list of namespaces, each emitted as an
import_ns modinfo entry, the same key later kernels have." \
		macros_imports_ns
fi

step "rust: macros: module: add an initcall key for built-in modules" \
"A built-in Rust module always initialises at the device initcall level,
as module_init() does in C. Some modules depend on what other built-in
code registers later: bpf_preload needs the BPF iterator targets and the
bpf_map_sum_elem_count kfunc, which register at late_initcall, and the C
version of that module uses late_initcall() for this reason.

Add an optional initcall key naming the level (pure, core, postcore,
arch, subsys, fs, device or late) for a built-in module. Loadable modules
are not affected." \
	macros_initcall

# --- rust: kernel::bpf --------------------------------------------------------

bpf_base() {
	local h=rust/bindings/bindings_helper.h
	insert_line "$h" '#include <linux/blkdev.h>' '#include <linux/bpf.h>'
	# Declared in 7.3 already, for other abstractions.
	grep -qxF '#include <linux/fdtable.h>' "$h" ||
		insert_line "$h" '#include <linux/firmware.h>' '#include <linux/fdtable.h>'
	cat >>"$h" <<-'EOF'

		/* The light skeleton entry point of kernel/bpf/syscall.c, which no header declares. */
		int kern_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);
	EOF
	# In alphabetical order: after block, before bug (7.3) or build_assert (6.12).
	local next='pub mod bug;'
	[ "$KERNEL" = 6.12 ] && next='mod build_assert;'
	insert_line rust/kernel/lib.rs "$next" '#[cfg(CONFIG_BPF_SYSCALL)]'
	insert_line rust/kernel/lib.rs "$next" 'pub mod bpf;'
	# The BPF maintainers look after the abstraction, as after kernel/bpf/.
	insert_line MAINTAINERS "$(printf 'F:\tsamples/bpf/')" "$(printf 'F:\trust/kernel/bpf.rs')"
	mkdir -p rust/kernel/bpf
	put_without rust/kernel/bpf.rs rust/kernel/bpf.rs '^pub mod \(loader\|preload\);$'
}

bpf_loader() {
	# The first file of rust/kernel/bpf/, which the BPF maintainers look after too.
	insert_line MAINTAINERS "$(printf 'F:\tsamples/bpf/')" "$(printf 'F:\trust/kernel/bpf/')"
	put rust/kernel/bpf/loader.rs rust/kernel/bpf/loader.rs
	put_without rust/kernel/bpf.rs rust/kernel/bpf.rs '^pub mod preload;$'
}

bpf_preload() {
	cat >>rust/bindings/bindings_helper.h <<-'EOF'

		/* The interface between bpffs and the bpf_preload module. */
		#include <../../kernel/bpf/preload/bpf_preload.h>
	EOF
	put rust/kernel/bpf/preload.rs rust/kernel/bpf/preload.rs
	put rust/kernel/bpf.rs rust/kernel/bpf.rs
}

step "rust: bpf: add file descriptors, links and maps" \
"Kernel code creates BPF objects through kern_sys_bpf(), the bpf() of
light skeletons, and gets file descriptors in the file table of whatever
task runs it: the task loading a module, or the init task for built-in
code, whose table is empty so that descriptor 0 is a valid one.

Add kernel::bpf with:

 - Fd, an owned descriptor that closes on drop. It is neither Send nor
   Sync, so it cannot outlive the task and function that opened it, for
   example by being stored in a module's state.
 - Link, a counted reference to a struct bpf_link, taken from a
   descriptor, and the creation of iterator links (BPF_LINK_CREATE with
   BPF_TRACE_ITER) that leaves no descriptor behind.
 - Map, a counted reference to a struct bpf_map, with access to the
   value of a single-element array map, which is how a light skeleton
   reaches global data.

kern_sys_bpf() has no prototype in a header; declare it for bindgen.
List the new file under BPF [GENERAL], as kernel/bpf/ is." \
	bpf_base

step "rust: bpf: add a light skeleton loader runner" \
"A light skeleton is a BPF_PROG_TYPE_SYSCALL loader program plus a data
blob: run in the kernel, the loader loads an object's BTF, maps and
programs, relocated against the running kernel, and writes their
descriptors into its context. skel_internal.h does this for C code with
bpf_load_and_run().

Add kernel::bpf::loader, the same for Rust: LoaderSpec describes a
generated loader, and LoaderSpec::load() creates the __loader.map array
map holding the blob, loads the loader, sleepable, with that map as
fd_array[0], runs it with BPF_PROG_RUN on a context laid out as
skel_internal.h lays it out (flags = BPF_SKEL_KERNEL, so initial values
are kernel addresses) and returns the maps and programs as owned
descriptors. The loader map and program are closed on every path; a
failure is reported with the step that failed.

List rust/kernel/bpf/ under BPF [GENERAL] too." \
	bpf_loader

step "rust: bpf: add the bpf_preload registration" \
"On every mount, bpffs asks the registered struct bpf_preload_ops for the
links it pins as maps.debug and progs.debug, and takes its own references
to them.

Add kernel::bpf::preload::Registration, which registers a set of named
links for that and unregisters on drop. The callback bpffs calls runs
while bpffs holds a reference to the owner module, so the links are only
released once that module is going away; a registration dropped earlier
keeps them rather than risk a use after free. Registering fails with
EBUSY while another provider is registered instead of replacing it." \
	bpf_preload

# --- bpf: preload -------------------------------------------------------------

preload_rust() {
	local d=kernel/bpf/preload
	# Keep what the vanilla Kconfig has before BPF_PRELOAD (6.12: USERMODE_DRIVER).
	[ -n "$(grep -n '^menuconfig BPF_PRELOAD$' "$d/Kconfig")" ] ||
		die "series: no 'menuconfig BPF_PRELOAD' in $d/Kconfig ($KERNEL)"
	# Fault injection comes in its own commit (preload_fault_inject).
	{
		sed -n '1,/^menuconfig BPF_PRELOAD$/p' "$d/Kconfig" | sed '$d'
		tail -n +2 "$TOP/Kconfig" | awk '/^config FAIL_BPF_PRELOAD$/ { exit } { print }' |
			sed '${/^$/d}'
	} >"$d/Kconfig.new"
	mv "$d/Kconfig.new" "$d/Kconfig"
	put_without Kbuild "$d/Makefile" 'fault_inject\.o\|fault attribute'
	git rm -q "$d/bpf_preload_kern.c" "$d/iterators/Makefile" "$d/iterators/README" \
		"$d"/iterators/iterators.lskel-*.h
	put preload/bpf_preload.rs "$d/bpf_preload.rs"
	put iterators/iterators.bpf.c "$d/iterators/iterators.bpf.c"
	put iterators/iterators_skel_generated.rs "$d/iterators/iterators_skel_generated.rs"
}

step "bpf: preload: rewrite bpf_preload in Rust" \
"bpf_preload loads two BPF iterators whose links bpffs pins as maps.debug
and progs.debug. Rewrite it in Rust on top of kernel::bpf:

 - The iterators' light skeleton is Rust code generated from
   iterators.bpf.c, with the loader for both byte orders; it replaces the
   two C headers, of which the big-endian one had gone stale.
 - Init loads the skeleton, attaches both iterators and keeps only link
   references: every descriptor is closed before init returns, so none
   is left in the table of the task that ran it. The C version left the
   program and map descriptors open there, which for a built-in module
   is the init task.
 - A loader failure fails init with the kernel's errno and one error
   line naming the failed step; nothing stays loaded.
 - Built in, it still initialises at late_initcall.

BPF_PRELOAD, still a menuconfig, becomes the tristate for the module
itself, and BPF_PRELOAD_UMD goes away. It depends on RUST, on BPF_JIT
(running the loader and calling kfuncs need it), BPF_EVENTS (iterators
are tracing programs) and DEBUG_INFO_BTF (the loader relocates against
the kernel's BTF)." \
	preload_rust

# --- bpf: preload: fault injection --------------------------------------------

preload_fault_inject() {
	local d=kernel/bpf/preload
	{
		echo
		awk '/^config FAIL_BPF_PRELOAD$/ { p = 1 } p' "$TOP/Kconfig"
	} >>"$d/Kconfig"
	put Kbuild "$d/Makefile"
	# Linked into vmlinux even when bpf_preload is a module.
	append_line kernel/bpf/Makefile 'obj-$(CONFIG_BPF_PRELOAD) += preload/' \
		'obj-$(CONFIG_FAIL_BPF_PRELOAD) += preload/'
	insert_line "$d/bpf_preload.h" '#define BPF_PRELOAD_LINKS 2' \
		'bool bpf_preload_should_fail(void);'
	insert_line Documentation/admin-guide/kernel-parameters.txt "$(printf '\tfailslab=')" \
		"$(printf '\tfail_bpf_preload=')"
	put preload/fault_inject.c "$d/fault_inject.c"
	put iterators/iterators_fi_skel_generated.rs "$d/iterators/iterators_fi_skel_generated.rs"
}

step "bpf: preload: add fault injection at every loading step" \
"A failure at any step of loading bpf_preload's iterators must fail init
with the step's errno and one error line naming it, and leave no program,
map, link, BTF object or descriptor behind. Most of those failure paths
only run when the kernel is short of memory or misconfigured, so nothing
tests them.

Add CONFIG_FAIL_BPF_PRELOAD, a fault attribute fail_bpf_preload (debugfs
and boot option), built into the kernel so that it exists before the
module loads. Every step consults it in the order the steps run: the
runner's own steps (context, loader map, loader program, its run), each
step of the loader program (every bpf() command, BTF lookup and close),
then attaching each iterator and registering with bpffs. Its space
setting therefore picks the step that fails.

The loader's steps run inside the BPF loader program, so the module then
uses a second generated skeleton, built with fault injection: before
each step, the loader compares a context field with the step's number
and on a match takes its real failure path with the errno given. Without
the option the module is built from the usual skeleton, unchanged." \
	preload_fault_inject
