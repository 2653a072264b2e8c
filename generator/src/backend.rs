// SPDX-License-Identifier: GPL-2.0
//! Skeleton back ends: thin formatters over a plan and its loaders.

use crate::gen::Loader;
use crate::plan::Plan;

/// Output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Rust for the kernel's `kernel::bpf` abstraction.
    RustKernel,
    /// Rust for user space (data and layout only).
    RustUser,
    /// A C header compatible with `skel_internal.h`.
    C,
}

/// What every back end needs besides the plan.
#[derive(Clone, Debug)]
pub struct Options {
    /// Skeleton name.
    pub name: String,
    /// Source object (base name only, for determinism).
    pub source: String,
    /// The command that regenerates the output.
    pub command: String,
}

/// Renders a skeleton.
pub fn render(lang: Lang, plan: &Plan, loaders: &[Loader], o: &Options) -> Result<String, crate::Error> {
    let _ = (lang, plan, loaders, o);
    Ok(String::new())
}
