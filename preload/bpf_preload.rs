// SPDX-License-Identifier: GPL-2.0

//! Pins `maps.debug` and `progs.debug` into every BPF file system mount.
//!
//! Both files are BPF iterators, `iterators/iterators.bpf.c`, that list the loaded BPF maps and
//! programs. At init the module loads them through their light skeleton, attaches them and
//! keeps only kernel references to the two links: every file descriptor the loading created is
//! closed before init returns, whichever task ran it. bpffs then asks for the links on each
//! mount and pins them, with its own references, so pinned files survive the module.

use kernel::{
    bpf::{
        preload::{PreloadLink, Registration},
        Link,
    },
    prelude::*,
};

// Public: the generated skeleton has items this module does not use.
#[path = "iterators/iterators_skel_generated.rs"]
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
        let (maps, progs) = load()?;
        let registration = Registration::new(
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
        .inspect_err(|e| pr_err!("registering with bpffs failed: {:?}\n", e))?;
        Ok(Self {
            _registration: registration,
        })
    }
}

/// Loads and attaches both iterators; returns their links, `maps.debug` first.
///
/// Every descriptor is closed when this returns, on success and on failure alike.
fn load() -> Result<(Link, Link)> {
    // The loader reports which of its steps failed.
    let skel = iterators::Iterators::load()?;
    let maps = Link::attach_iter(skel.dump_bpf_map())
        .inspect_err(|e| pr_err!("attaching the iterator dump_bpf_map failed: {:?}\n", e))?;
    let progs = Link::attach_iter(skel.dump_bpf_prog())
        .inspect_err(|e| pr_err!("attaching the iterator dump_bpf_prog failed: {:?}\n", e))?;
    Ok((maps, progs))
}
