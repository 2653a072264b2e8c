// SPDX-License-Identifier: GPL-2.0
//! Seeds the fuzz corpora from BPF objects: whole objects for `elf` and
//! `generate`, their `.BTF` for `btf`, and length-prefixed `.BTF` plus
//! `.BTF.ext` for `btf_ext`.
//!
//! Usage: `cargo run --bin seed -- OBJECT... ` (writes under `corpus/`).

use std::path::Path;

use bpf_lskel::elf::ElfObject;

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("corpus").join(target);
    std::fs::create_dir_all(&dir).expect("create corpus directory");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let name = Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        put("elf", &name, &bytes);
        put("generate", &name, &bytes);
        let Ok(elf) = ElfObject::parse(&bytes) else {
            continue;
        };
        let Some(btf) = elf.section(".BTF") else {
            continue;
        };
        put("btf", &name, btf.data);
        if let Some(ext) = elf.section(".BTF.ext") {
            let mut v = (btf.data.len() as u32).to_le_bytes().to_vec();
            v.extend_from_slice(btf.data);
            v.extend_from_slice(ext.data);
            put("btf_ext", &name, &v);
        }
    }
}
