// SPDX-License-Identifier: GPL-2.0
//! The loader context: the one definition of the layout the loader program,
//! the skeletons and the runner share.
//!
//! It is the layout of `struct bpf_loader_ctx`, `struct bpf_map_desc` and
//! `struct bpf_prog_desc` in the kernel's `tools/lib/bpf/skel_internal.h`, so
//! C skeletons and upstream's `bpf_load_and_run` work with our loaders.

use std::mem::{offset_of, size_of};

/// `BPF_SKEL_KERNEL`: initial values are kernel pointers.
pub const SKEL_KERNEL: u32 = 1;

/// Header of the context (`struct bpf_loader_ctx`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoaderCtx {
    /// Size of the whole context (header and descriptors).
    pub sz: u32,
    /// `SKEL_KERNEL` or 0.
    pub flags: u32,
    /// Verifier log level for every load.
    pub log_level: u32,
    /// Size of `log_buf`.
    pub log_size: u32,
    /// User pointer to the verifier log buffer.
    pub log_buf: u64,
}

/// Per-map descriptor (`struct bpf_map_desc`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapDesc {
    /// Output: the map's fd.
    pub map_fd: i32,
    /// Input: overrides `max_entries` when non-zero.
    pub max_entries: u32,
    /// Input: pointer to initial contents, or 0 for the object's.
    pub initial_value: u64,
}

/// Per-program descriptor (`struct bpf_prog_desc`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgDesc {
    /// Output: the program's fd.
    pub prog_fd: i32,
}

const _: () = {
    assert!(size_of::<LoaderCtx>() == 24);
    assert!(offset_of!(LoaderCtx, flags) == 4);
    assert!(offset_of!(LoaderCtx, log_level) == 8);
    assert!(offset_of!(LoaderCtx, log_size) == 12);
    assert!(offset_of!(LoaderCtx, log_buf) == 16);
    assert!(size_of::<MapDesc>() == 16);
    assert!(offset_of!(MapDesc, max_entries) == 4);
    assert!(offset_of!(MapDesc, initial_value) == 8);
    assert!(size_of::<ProgDesc>() == 4);
};

/// Offset of `log_level` in the context.
pub const LOG_LEVEL: usize = offset_of!(LoaderCtx, log_level);
/// Offset of `log_size`.
pub const LOG_SIZE: usize = offset_of!(LoaderCtx, log_size);
/// Offset of `log_buf`.
pub const LOG_BUF: usize = offset_of!(LoaderCtx, log_buf);
/// Offset of `flags`.
pub const FLAGS: usize = offset_of!(LoaderCtx, flags);

/// Offset of map `i`'s descriptor.
pub const fn map_desc(i: usize) -> usize {
    size_of::<LoaderCtx>() + i * size_of::<MapDesc>()
}

/// Offset of `max_entries` in map `i`'s descriptor.
pub const fn map_max_entries(i: usize) -> usize {
    map_desc(i) + offset_of!(MapDesc, max_entries)
}

/// Offset of `initial_value` in map `i`'s descriptor.
pub const fn map_initial_value(i: usize) -> usize {
    map_desc(i) + offset_of!(MapDesc, initial_value)
}

/// Offset of program `j`'s descriptor, after `nmaps` map descriptors.
pub const fn prog_desc(nmaps: usize, j: usize) -> usize {
    map_desc(nmaps) + j * size_of::<ProgDesc>()
}

/// Offset of `failed_step`, after the descriptors: a loader that fails
/// writes there the number of the step that failed (from 1, as in
/// [`crate::gen::Loader::step_names`]; 0 before the first). Not a field of
/// skel_internal.h's `struct bpf_loader_ctx`: C skeletons have it as a
/// member after `progs`, inside `ctx.sz`.
pub const fn failed_step(nmaps: usize, nprogs: usize) -> usize {
    prog_desc(nmaps, nprogs)
}

/// Size of the whole context.
pub const fn size(nmaps: usize, nprogs: usize) -> usize {
    failed_step(nmaps, nprogs) + 4
}

/// Offset of `fault_step`, which loaders generated with fault injection
/// read after `failed_step`: the number of the step to fail, 0 for none.
pub const fn fault_step(nmaps: usize, nprogs: usize) -> usize {
    size(nmaps, nprogs)
}

/// Offset of `fault_errno`: the (positive) errno the failed step returns.
pub const fn fault_errno(nmaps: usize, nprogs: usize) -> usize {
    fault_step(nmaps, nprogs) + 4
}

/// Size of the context of a loader generated with fault injection.
pub const fn size_fault(nmaps: usize, nprogs: usize) -> usize {
    fault_errno(nmaps, nprogs) + 4
}

/// A context in host memory, as a user-space skeleton holds it.
///
/// The kernel copies the context in and out byte-wise, so a byte vector in
/// host order is all it takes.
#[derive(Clone, Debug)]
pub struct CtxBuf {
    bytes: Vec<u8>,
    nmaps: usize,
    nprogs: usize,
}

impl CtxBuf {
    /// A zeroed context for `nmaps` maps and `nprogs` programs, `sz` set.
    pub fn new(nmaps: usize, nprogs: usize) -> Self {
        let len = size(nmaps, nprogs);
        let mut c = CtxBuf {
            bytes: vec![0; len],
            nmaps,
            nprogs,
        };
        c.put_u32(0, len as u32);
        c
    }

    /// A context for a loader generated with fault injection: step `step`
    /// (counted from 1; 0 for none) fails with `errno`.
    pub fn with_fault(nmaps: usize, nprogs: usize, step: u32, errno: u32) -> Self {
        let len = size_fault(nmaps, nprogs);
        let mut c = CtxBuf {
            bytes: vec![0; len],
            nmaps,
            nprogs,
        };
        c.put_u32(0, len as u32);
        c.put_u32(fault_step(nmaps, nprogs), step);
        c.put_u32(fault_errno(nmaps, nprogs), errno);
        c
    }

    /// The bytes (length `sz`).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Mutable bytes, to hand to the kernel.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Writes a host-endian `u32` at `off`.
    pub fn put_u32(&mut self, off: usize, v: u32) {
        self.bytes[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    }

    /// Writes a host-endian `u64` at `off`.
    pub fn put_u64(&mut self, off: usize, v: u64) {
        self.bytes[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    }

    /// Reads a host-endian `u32` at `off`.
    pub fn u32_at(&self, off: usize) -> u32 {
        let mut b = [0; 4];
        b.copy_from_slice(&self.bytes[off..off + 4]);
        u32::from_ne_bytes(b)
    }

    /// The fd the loader stored for map `i`.
    pub fn map_fd(&self, i: usize) -> i32 {
        self.u32_at(map_desc(i)) as i32
    }

    /// The fd the loader stored for program `j`.
    pub fn prog_fd(&self, j: usize) -> i32 {
        self.u32_at(prog_desc(self.nmaps, j)) as i32
    }

    /// The step a failed loader names (from 1; 0 for none).
    pub fn failed_step(&self) -> u32 {
        self.u32_at(failed_step(self.nmaps, self.nprogs))
    }
}
