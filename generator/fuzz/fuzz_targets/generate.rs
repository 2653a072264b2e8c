// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the whole generate path: object bytes, plan, loader for both
//! byte orders, and every skeleton back end over the result.

#![no_main]

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::{generate, Endian, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = Plan::build(data, "fuzz") else {
        return;
    };
    let mut loaders = Vec::new();
    for e in [Endian::Little, Endian::Big] {
        match generate(&plan, e) {
            Ok(l) => {
                // Emission is deterministic.
                assert_eq!(generate(&plan, e).ok().as_ref(), Some(&l));
                assert_eq!(l.insns.len() % 8, 0);
                loaders.push(l);
            }
            Err(_) => return,
        }
    }
    let o = Options {
        name: "fuzz".into(),
        source: "fuzz.bpf.o".into(),
        command: "fuzz".into(),
    };
    for lang in [Lang::RustKernel, Lang::RustUser, Lang::C] {
        if let Ok(text) = backend::render(lang, &plan, &loaders, &o) {
            assert!(!text.contains("unsafe"));
        }
    }
});
