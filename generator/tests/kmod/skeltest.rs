// SPDX-License-Identifier: GPL-2.0

//! Loads two generated kernel skeletons and reports what their typed global
//! data accessors and compile-time kconfig values see, for
//! `generator/tests/kernel-skeleton.sh`. A test module, never shipped.

use kernel::prelude::*;

/// The light skeleton of `globals.bpf.o`.
#[path = "globals_skel_generated.rs"]
pub mod globals_skel;
/// The light skeleton of `kconfig.bpf.o`.
#[path = "kconfig_skel_generated.rs"]
pub mod kconfig_skel;

module! {
    type: SkelTest,
    name: "skeltest",
    description: "Checks generated light skeletons in a real kernel",
    license: "GPL",
    imports_ns: ["BPF_INTERNAL"],
}

struct SkelTest;

impl kernel::Module for SkelTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Typed accessors on the maps a loader created: `.rodata` holds the
        // object's value, `.data` what we write.
        let g = globals_skel::Globals::load()?;
        g.set_data_counter(5)?;
        let data = g.data_value()?;
        pr_info!("skeltest: counter {} limit {}\n", data.counter, g.rodata_limit()?);
        // The `.kconfig` map holds what the skeleton computed at compile time.
        let k = kconfig_skel::Kconfig::load()?;
        let want = kconfig_skel::KconfigKconfig::from_bytes(&kconfig_skel::KCONFIG_VALUE);
        let got = k.kconfig_value()?;
        let same = want == got;
        pr_info!("skeltest: kconfig map matches {}\n", same);
        pr_info!(
            "skeltest: version {:#x} jit {} syscall {} net {}\n",
            got.LINUX_KERNEL_VERSION,
            got.CONFIG_BPF_JIT,
            got.CONFIG_BPF_SYSCALL,
            got.CONFIG_NET
        );
        Ok(SkelTest)
    }
}
