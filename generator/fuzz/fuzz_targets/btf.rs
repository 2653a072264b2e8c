// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the BTF parser: what it accepts must survive encoding in both
//! byte orders and parse back to the same types and strings.

#![no_main]

use bpf_lskel::btf::Btf;
use bpf_lskel::Endian;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(btf) = Btf::parse(data) else {
        return;
    };
    for id in 0..btf.types.len() as u32 {
        let _ = btf.resolve_size(id);
        let _ = btf.skip_mods(id);
        let _ = btf.name(id);
    }
    for e in [Endian::Little, Endian::Big] {
        let bytes = btf.encode(e);
        let back = Btf::parse(&bytes).expect("our own encoding does not parse");
        assert_eq!(back.types, btf.types);
        assert_eq!(back.strings, btf.strings);
    }
});
