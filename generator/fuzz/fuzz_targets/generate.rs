// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the object parser and planner, and emission of whatever they accept.

#![no_main]

use bpf_lskel::{generate, Endian, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = Plan::build(data, "fuzz") {
        for e in [Endian::Little, Endian::Big] {
            let _ = generate(&plan, e);
        }
    }
});
