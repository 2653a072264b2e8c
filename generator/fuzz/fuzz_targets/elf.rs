// SPDX-License-Identifier: GPL-2.0
//! Fuzzes the ELF reader: whatever it accepts must be self-consistent.

#![no_main]

use bpf_lskel::elf::ElfObject;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(elf) = ElfObject::parse(data) else {
        return;
    };
    for (i, s) in elf.sections.iter().enumerate() {
        // Sections sit at their ELF index; contents are exactly their size.
        assert_eq!(s.index, i);
        assert!(s.data.is_empty() || s.data.len() as u64 == s.size);
        assert!(elf.section(&s.name).is_some());
        for r in &s.relocs {
            assert!(r.sym < elf.symbols.len());
        }
    }
    for sym in &elf.symbols {
        if let Some(sec) = sym.section {
            assert!(sec < elf.sections.len());
        }
        if let Some(found) = elf.symbol(&sym.name) {
            assert_eq!(found.name, sym.name);
        }
    }
});
