// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the whole generate path: object bytes, plan, loader, and every
//! skeleton back end over the result. The oracle is the output's validity,
//! not only the absence of panics: a skeleton must parse (Rust, with
//! `syn`), stay within the C back end's grammar, and hold no identifier or
//! call that neither the back end nor a name of the object's gave
//! (`tests/common/oracle.rs`, shared with the hostile-corpus test).

#![no_main]

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::{generate, Endian, Plan};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/oracle.rs"]
mod oracle;

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = Plan::build(data, "fuzz") else {
        return;
    };
    let mut loaders = Vec::new();
    for e in [Endian::Little, Endian::Big] {
        // A loader exists only for the object's own byte order.
        if let Ok(l) = generate(&plan, e) {
            // Emission is deterministic.
            assert_eq!(generate(&plan, e).ok().as_ref(), Some(&l));
            assert_eq!(l.insns.len() % 8, 0);
            loaders.push(l);
        }
    }
    if loaders.is_empty() {
        return;
    }
    let o = Options {
        name: "fuzz".into(),
        source: "fuzz.bpf.o".into(),
        command: "fuzz".into(),
    };
    for lang in [Lang::RustKernel, Lang::RustUser, Lang::C] {
        if let Ok(text) = backend::render(lang, &plan, &loaders, &o) {
            assert!(!text.contains("unsafe"));
            let verdict = if lang == Lang::C {
                oracle::check_c(&text, &plan, "fuzz")
            } else {
                oracle::check_rust(&text, &plan, "fuzz")
            };
            if let Err(e) = verdict {
                panic!("{lang:?} skeleton fails the oracle: {e}");
            }
        }
    }
});
