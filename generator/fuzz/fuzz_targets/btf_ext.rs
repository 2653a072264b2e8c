// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the `.BTF.ext` parser against a BTF: the input is a little-endian
//! `u32` length, that many bytes of `.BTF`, then `.BTF.ext` (see the seed
//! tool, which cuts both out of real objects).

#![no_main]

use bpf_lskel::btf::{self, Btf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = u32::from_le_bytes(*len) as usize;
    if len > rest.len() {
        return;
    }
    let (btf, ext) = rest.split_at(len);
    let Ok(btf) = Btf::parse(btf) else {
        return;
    };
    if let Ok(secs) = btf::parse_ext(ext, &btf) {
        for s in secs.values() {
            for l in &s.line_info {
                let _ = btf.str_at(l.file_name_off);
                let _ = btf.str_at(l.line_off);
            }
            for c in &s.core_relos {
                let _ = btf.str_at(c.access_str_off);
            }
        }
    }
});
