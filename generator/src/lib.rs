// SPDX-License-Identifier: GPL-2.0
//! Light skeleton generator for BPF objects.
//!
//! Turns a BPF ELF object into a loader: a `BPF_PROG_TYPE_SYSCALL` program
//! plus a data blob that replays, inside the kernel, the `bpf()` calls that
//! load the object (BTF, maps, programs), in the manner of libbpf's
//! `gen_loader` and `bpftool gen skeleton -L`. Parsing ([`elf`], [`btf`])
//! is IO-free and separate from planning ([`plan`]) and emission ([`gen`]);
//! skeleton back ends ([`backend`]) only format a [`gen::Loader`].

pub mod asm;
pub mod backend;
pub mod btf;
pub mod cdecl;
pub mod ctx;
pub mod elf;
pub mod endian;
pub mod error;
pub mod gen;
pub mod insn;
pub mod kconfig;
pub mod names;
pub mod output;
pub mod plan;
pub mod progtype;
#[cfg(target_os = "linux")]
pub mod runner;
pub mod sections;
pub mod typed;

pub use endian::Endian;
pub use error::Error;
pub use gen::{generate, Loader};
pub use plan::Plan;
