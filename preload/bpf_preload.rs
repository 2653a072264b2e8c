// SPDX-License-Identifier: GPL-2.0

//! Pins `maps.debug` and `progs.debug` into every BPF file system mount.
//!
//! Both files are BPF iterators, `iterators/iterators.bpf.c`, that list the loaded BPF maps and
//! programs. At init the module loads them through their light skeleton, attaches them and
//! keeps only kernel references to the two links: every file descriptor the loading created is
//! closed before init returns, whichever task ran it. bpffs then asks for the links on each
//! mount and pins them, with its own references, so pinned files survive the module.
//!
//! A failure fails init with one error line naming the step. With `CONFIG_FAIL_BPF_PRELOAD`,
//! the skeleton is the one generated with fault injection, and the `fail_bpf_preload` fault
//! attribute can fail any step, the loader's included.

use kernel::{
    bpf::{
        loader::{step, LoadError},
        preload::{PreloadLink, Registration},
        Link,
    },
    prelude::*,
};

// Public: the generated skeleton has items this module does not use.
#[cfg(not(CONFIG_FAIL_BPF_PRELOAD))]
#[path = "iterators/iterators_skel_generated.rs"]
pub mod iterators;
#[cfg(CONFIG_FAIL_BPF_PRELOAD)]
#[path = "iterators/iterators_fi_skel_generated.rs"]
pub mod iterators;

module! {
    type: BpfPreload,
    name: "bpf_preload",
    description: "Embedded BPF programs for introspection in bpffs",
    license: "GPL",
    imports_ns: ["BPF_INTERNAL"],
    // The iterator targets and the kfunc the iterators use register at `late_initcall`.
    initcall: "late",
}

struct BpfPreload {
    _registration: Registration,
}

impl kernel::Module for BpfPreload {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let registration = load(module).inspect_err(|e| match e.errno_name() {
            Some(name) => pr_err!("{} failed: {}\n", e.step_name(), name),
            None => pr_err!("{} failed: error {}\n", e.step_name(), e.err.to_errno()),
        })?;
        Ok(Self {
            _registration: registration,
        })
    }
}

/// Loads and attaches both iterators and registers their links with bpffs.
///
/// Every descriptor is closed when this returns, on success and on failure alike.
fn load(module: &'static ThisModule) -> Result<Registration, LoadError> {
    let skel = iterators::Iterators::load()?;
    let maps = step(
        kernel::c_str!("attaching the iterator dump_bpf_map"),
        || Link::attach_iter(skel.dump_bpf_map()),
    )?;
    let progs = step(
        kernel::c_str!("attaching the iterator dump_bpf_prog"),
        || Link::attach_iter(skel.dump_bpf_prog()),
    )?;
    step(kernel::c_str!("registering with bpffs"), || {
        Registration::new(
            module,
            [
                PreloadLink {
                    name: kernel::c_str!("maps.debug"),
                    link: maps,
                },
                PreloadLink {
                    name: kernel::c_str!("progs.debug"),
                    link: progs,
                },
            ],
        )
    })
}
