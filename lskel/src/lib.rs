// SPDX-License-Identifier: GPL-2.0
//! Runtime for the Rust light skeletons `bpf-lskel` generates: no libbpf,
//! no C, only the standard library and `libc`.
//!
//! A light skeleton carries its object as a loader program and a data blob
//! ([`LoaderSpec`]): loading it runs the loader once in the kernel, which
//! creates the maps and loads the programs there, as libbpf's
//! `skel_internal.h` does. This crate runs that loader, then gives the
//! object's maps, programs and global data typed handles:
//!
//! - [`OpenObject`]: before load, `max_entries`, initial values of global
//!   data (typed through the skeleton's structs) and autoload per program;
//! - [`Object`]: after load, owning every fd; [`Map`] (lookup, update,
//!   delete, keys), [`GlobalData`] (`.data`, `.bss`, `.rodata` mapped into
//!   memory), [`Program`] with [`Program::attach`] for iterators, raw
//!   tracepoints, tracepoints, kprobes, tracing programs, XDP and tcx,
//!   each giving a [`Link`] that detaches on drop;
//! - [`RingBuffer`]: a consumer of ring buffer maps with a callback per
//!   record;
//! - [`kconfig`]: the `.kconfig` values of the running kernel.
//!
//! # Examples
//!
//! With a skeleton generated into `OUT_DIR` by `lskel-build`:
//!
//! ```text
//! mod skel {
//!     include!(concat!(env!("OUT_DIR"), "/execsnoop.skel.rs"));
//! }
//!
//! let mut open = skel::ExecsnoopSkel::open()?;
//! open.events().set_max_entries(1 << 20);
//! let mut skel = open.load()?;
//! skel.attach()?;
//! let mut rb = lskel::RingBuffer::new();
//! rb.add(skel.events(), |rec: &[u8]| println!("{} bytes", rec.len()))?;
//! rb.poll(std::time::Duration::from_secs(1))?;
//! # Ok::<(), lskel::Error>(())
//! ```

mod error;
pub mod kconfig;
mod link;
mod map;
mod object;
mod prog;
mod ringbuf;
mod spec;
mod sys;

pub use error::{Error, Result};
pub use link::Link;
pub use map::{possible_cpus, GlobalData, Keys, Map, MapInfo, UpdateFlags};
pub use object::{Object, OpenMap, OpenObject, OpenProgram};
pub use prog::{tracepoint_id, ProgInfo, Program, TcDirection, XdpMode};
pub use ringbuf::RingBuffer;
pub use spec::{Attach, KconfigSpec, KconfigType, LoaderSpec, MapKind, MapSpec, ProgSpec};

/// Whether this process may load BPF objects: `Err` says why not (not
/// root, or `bpf()` refused). For tests and tools that skip politely.
pub fn probe() -> std::result::Result<(), String> {
    if !sys::is_root() {
        return Err("not running as root".into());
    }
    let mut a = sys::Attr::default();
    a.u32(0, sys::MAP_TYPE_ARRAY).u32(4, 4).u32(8, 4).u32(12, 1);
    sys::bpf_fd(sys::cmd::MAP_CREATE, &mut a)
        .map(drop)
        .map_err(|e| format!("bpf(BPF_MAP_CREATE) failed: {e}"))
}
