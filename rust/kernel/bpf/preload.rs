// SPDX-License-Identifier: GPL-2.0

//! Links that every bpffs mount shows as files.
//!
//! When bpffs is mounted, it asks the registered `bpf_preload_ops` for
//! `BPF_PRELOAD_LINKS` iterator links and pins each of them under the name given with it
//! (`maps.debug`, `progs.debug`), taking its own reference. If nothing is registered, it first
//! asks for the module `bpf_preload`. One provider is registered at a time.
//!
//! C header: [`kernel/bpf/preload/bpf_preload.h`](srctree/kernel/bpf/preload/bpf_preload.h)

use super::Link;
use crate::{bindings, ffi::c_int, prelude::*, types::Opaque, ThisModule};
use core::{
    ptr::{addr_of_mut, null_mut},
    sync::atomic::{AtomicPtr, Ordering},
};

/// The number of links a provider hands to every mount.
pub const LINKS: usize = bindings::BPF_PRELOAD_LINKS as usize;

/// The length of a file name in `struct bpf_preload_info`, with its NUL terminator.
const NAME_LEN: usize = 16;

/// A link and the name of the file bpffs pins it as.
pub struct PreloadLink {
    /// The file name; shorter than 16 bytes.
    pub name: &'static CStr,
    /// The link to pin.
    pub link: Link,
}

/// The registered links, with their names as `struct bpf_preload_info` spells them.
struct Links {
    names: [[u8; NAME_LEN]; LINKS],
    links: [Link; LINKS],
}

/// The ops bpffs calls; `owner` is set while registered.
struct Ops(Opaque<bindings::bpf_preload_ops>);

// SAFETY: `OPS` is only written while unpublished, by the one registration that owns `CURRENT`;
// C code reads it after `bpf_preload_ops` was set to it.
unsafe impl Sync for Ops {}

static OPS: Ops = Ops(Opaque::new(bindings::bpf_preload_ops {
    preload: Some(preload),
    owner: null_mut(),
}));

/// The links of the current registration, or null.
static CURRENT: AtomicPtr<Links> = AtomicPtr::new(null_mut());

/// Returns `bpf_preload_ops`, the pointer bpffs reads, as an atomic.
fn global_ops() -> &'static AtomicPtr<bindings::bpf_preload_ops> {
    // SAFETY: `bpf_preload_ops` is a pointer-sized, aligned global that lives forever. C code
    // reads and writes it whole, with plain accesses, which is how the kernel treats aligned
    // word-sized accesses; we only use atomic ones.
    unsafe { AtomicPtr::from_ptr(addr_of_mut!(bindings::bpf_preload_ops)) }
}

/// The `preload` callback: fills `info` with the current registration's links.
///
/// # Safety
///
/// `info` must point to `BPF_PRELOAD_LINKS` writable entries. The caller (bpffs) holds a
/// reference to `OPS.owner`, the module of the current registration, for the whole time it
/// uses the links it gets, so the registration outlives that use (see [`Registration`]).
unsafe extern "C" fn preload(info: *mut bindings::bpf_preload_info) -> c_int {
    let links = CURRENT.load(Ordering::Acquire);
    if links.is_null() {
        return ENOENT.to_errno();
    }
    // SAFETY: `links` is the live `Links` of the current registration (see above).
    let links = unsafe { &*links };
    for i in 0..LINKS {
        // SAFETY: The caller guarantees `LINKS` writable entries at `info`.
        let entry = unsafe { &mut *info.add(i) };
        for (d, s) in entry.link_name.iter_mut().zip(links.names[i]) {
            // CAST: File names are bytes; `c_char` is a byte.
            *d = s as crate::ffi::c_char;
        }
        // bpffs takes its own reference before pinning.
        entry.link = links.links[i].as_ptr();
    }
    0
}

/// The registered provider of the links every bpffs mount pins.
///
/// Dropping it unregisters the links and releases them; files already pinned keep their own
/// references, as do mounts in progress.
///
/// # Invariants
///
/// While this value exists, `CURRENT` points to the links in `self.links` and `OPS.owner` is
/// `self.module`.
/// `bpf_preload_ops` points to `OPS` unless another provider replaced it.
pub struct Registration {
    /// Always `Some` until dropped.
    links: Option<KBox<Links>>,
    module: &'static ThisModule,
}

impl Registration {
    /// Registers `links` as the files of every bpffs mounted from now on.
    ///
    /// `module` must be the caller's own module (`THIS_MODULE`): bpffs pins it while it takes
    /// the links. Fails with `EBUSY` if another provider is registered, `EINVAL` if a name is
    /// too long or not UTF-8.
    pub fn new(module: &'static ThisModule, links: [PreloadLink; LINKS]) -> Result<Self> {
        let mut names = [[0u8; NAME_LEN]; LINKS];
        for (name, l) in names.iter_mut().zip(&links) {
            let bytes = l.name.to_str().map_err(|_| EINVAL)?.as_bytes();
            if bytes.len() >= NAME_LEN {
                return Err(EINVAL);
            }
            name[..bytes.len()].copy_from_slice(bytes);
        }
        let links = KBox::new(
            Links {
                names,
                links: links.map(|l| l.link),
            },
            GFP_KERNEL,
        )?;
        let ptr: *const Links = &*links;
        CURRENT
            .compare_exchange(
                null_mut(),
                ptr.cast_mut(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map_err(|_| EBUSY)?;
        // SAFETY: We own `CURRENT`, so no other registration writes `OPS`; `OPS` is not
        // published (`bpf_preload_ops` does not point to it) while `CURRENT` is ours.
        unsafe { core::ptr::write_volatile(addr_of_mut!((*OPS.0.get()).owner), module.as_ptr()) };
        if global_ops()
            .compare_exchange(null_mut(), OPS.0.get(), Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            CURRENT.store(null_mut(), Ordering::Release);
            return Err(EBUSY);
        }
        // INVARIANT: `CURRENT` points to the links, `OPS.owner` is `module`, ops published.
        Ok(Self {
            links: Some(links),
            module,
        })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Unpublish, unless another provider took over, then stop handing out the links.
        let _ = global_ops().compare_exchange(
            OPS.0.get(),
            null_mut(),
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        CURRENT.store(null_mut(), Ordering::Release);

        // bpffs uses the links between taking a reference to the owner module and dropping
        // it. Once the module is going away no such reference can be taken and none is held
        // (unloading waits for them), so the links can go. In any other state (dropped while
        // the module is still initialising) a mount may be using them right now: keep them
        // rather than risk a use after free.
        let owner = self.module.as_ptr();
        let going = !owner.is_null() && {
            // SAFETY: `owner` is not null, so it is our module, live while its code runs.
            let state = unsafe { (*owner).state };
            state == bindings::module_state_MODULE_STATE_GOING
        };
        if let Some(links) = self.links.take() {
            if going {
                drop(links);
            } else {
                pr_warn!("bpf preload: links may still be in use by bpffs, keeping them\n");
                core::mem::forget(links);
            }
        }
    }
}
