// SPDX-License-Identifier: GPL-2.0
//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

pub mod harness;
pub mod oracle;

/// The corpus directory: `$BPF_CORPUS_DIR`, else `../build/corpus`.
///
/// Panics when it is missing: the tests must never pass without their input.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("BPF_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/corpus"),
    };
    assert!(
        dir.join("iterators.bpf.o").is_file(),
        "corpus not found in {}: run `make corpus` (generator/tests/build-corpus.sh) first",
        dir.display()
    );
    dir
}

/// Reads a corpus file.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let p = corpus_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}: run `make corpus`", p.display()))
}

/// The `.kconfig` map value of `plan` for the running kernel, computed the
/// way libbpf does on the host; `None` if the object has no kconfig externs.
pub fn host_kconfig(plan: &bpf_lskel::Plan) -> Option<Vec<u8>> {
    bpf_lskel::kconfig::from_host(plan).unwrap_or_else(|e| panic!("kconfig: {e}"))
}

/// What `bpftool gen skeleton -L` produced for an object.
pub struct Lskel {
    /// Loader instructions.
    pub insns: Vec<u8>,
    /// Loader data blob.
    pub data: Vec<u8>,
    /// Map names, in ctx order.
    pub maps: Vec<String>,
    /// Program names, in ctx order.
    pub progs: Vec<String>,
}

/// Decodes a C string literal as bpftool prints it (`\0`, `\xHH`, line continuations).
fn c_literal(body: &str) -> Vec<u8> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(b'0') => {
                    out.push(0);
                    i += 2;
                }
                Some(b'x') => {
                    let h = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(h, 16).unwrap());
                    i += 4;
                }
                Some(&c) => {
                    out.push(c);
                    i += 2;
                }
                None => break,
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn literal(text: &str, var: &str, field: &str) -> Vec<u8> {
    // bpftool 7.x declares an aligned array; older ones assign the literal.
    let keys = [
        format!("static const char {var}[] __attribute__((__aligned__(8))) = \""),
        format!("opts.{field} = (void *)\""),
    ];
    let (at, key) = keys
        .iter()
        .find_map(|k| text.find(k.as_str()).map(|at| (at, k)))
        .unwrap_or_else(|| panic!("no {var} in skeleton"));
    let start = at + key.len();
    let end = start + text[start..].find("\";").unwrap();
    c_literal(&text[start..end])
}

/// Parses a light skeleton header written by bpftool.
pub fn parse_lskel(text: &str) -> Lskel {
    let mut maps = Vec::new();
    let mut progs = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some(n) = l.strip_prefix("struct bpf_map_desc ") {
            maps.push(n.trim_end_matches(';').to_string());
        } else if let Some(n) = l.strip_prefix("struct bpf_prog_desc ") {
            progs.push(n.trim_end_matches(';').to_string());
        }
    }
    Lskel {
        insns: literal(text, "opts_insn", "insns"),
        data: literal(text, "opts_data", "data"),
        maps,
        progs,
    }
}

/// Pieces of a synthetic object built with `object::write`.
pub mod synth {
    use bpf_lskel::btf::{self, Btf, Type};
    use bpf_lskel::insn::{self, Insn};
    use bpf_lskel::Endian;
    use object::write::{Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
    use object::{
        Architecture, BinaryFormat, Endianness, RelocationFlags, SectionKind, SymbolFlags,
        SymbolKind, SymbolScope,
    };

    /// An ELF object under construction.
    pub struct Elf {
        pub obj: Object<'static>,
    }

    impl Elf {
        /// A little-endian object for `arch`.
        pub fn new(arch: Architecture) -> Self {
            Elf {
                obj: Object::new(BinaryFormat::Elf, arch, Endianness::Little),
            }
        }

        /// A BPF object.
        pub fn bpf() -> Self {
            Self::new(Architecture::Bpf)
        }

        /// Adds a section.
        pub fn section(&mut self, name: &str, kind: SectionKind, data: &[u8]) -> SectionId {
            let id = self
                .obj
                .add_section(Vec::new(), name.as_bytes().to_vec(), kind);
            self.obj.append_section_data(id, data, 8);
            id
        }

        /// Adds a global function symbol covering a whole section.
        pub fn func(&mut self, name: &str, sec: SectionId, size: u64) -> SymbolId {
            self.obj.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: 0,
                size,
                kind: SymbolKind::Text,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Section(sec),
                flags: SymbolFlags::None,
            })
        }

        /// Adds a relocation.
        pub fn reloc(&mut self, sec: SectionId, offset: u64, sym: SymbolId, r_type: u32) {
            self.obj
                .add_relocation(
                    sec,
                    Relocation {
                        offset,
                        symbol: sym,
                        addend: 0,
                        flags: RelocationFlags::Elf { r_type },
                    },
                )
                .unwrap();
        }

        /// A program section `name` with `insns` and a function symbol.
        pub fn prog(&mut self, sec: &str, name: &str, insns: &[Insn]) -> SectionId {
            let bytes = insn::encode_all(insns, Endian::Little);
            let id = self.section(sec, SectionKind::Text, &bytes);
            self.func(name, id, bytes.len() as u64);
            id
        }

        /// Serialises.
        pub fn build(self) -> Vec<u8> {
            self.obj.write().unwrap()
        }
    }

    /// `r0 = 0; exit`.
    pub fn ret0() -> Vec<Insn> {
        vec![Insn::new(0xb7, 0, 0, 0, 0), Insn::new(0x95, 0, 0, 0, 0)]
    }

    /// A minimal BTF with an `int`.
    pub fn btf() -> Btf {
        let mut b = Btf {
            types: vec![Type {
                name_off: 0,
                info: 0,
                size_or_type: 0,
                data: vec![],
            }],
            strings: vec![0],
        };
        let int = b.add_string("int");
        b.add_type(Type {
            name_off: int,
            info: btf::KIND_INT << 24,
            size_or_type: 4,
            data: vec![32],
        });
        b
    }

    /// Adds a global data symbol.
    pub fn object_sym(e: &mut Elf, name: &str, sec: SectionId, value: u64, size: u64) -> SymbolId {
        e.obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size,
            kind: SymbolKind::Data,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(sec),
            flags: SymbolFlags::None,
        })
    }

    /// Adds a BTF-defined map `name` of `map_type` to `b`, returns the VAR id.
    pub fn btf_map(b: &mut Btf, name: &str, map_type: u32) -> u32 {
        let idx = b.add_string("__ARRAY_SIZE_TYPE__");
        let idx_t = b.add_type(Type {
            name_off: idx,
            info: btf::KIND_INT << 24,
            size_or_type: 4,
            data: vec![32],
        });
        let arr = b.add_type(Type {
            name_off: 0,
            info: btf::KIND_ARRAY << 24,
            size_or_type: 0,
            data: vec![1, idx_t, map_type],
        });
        let ptr = b.add_type(Type {
            name_off: 0,
            info: btf::KIND_PTR << 24,
            size_or_type: arr,
            data: vec![],
        });
        let ty = b.add_string("type");
        let def = b.add_type(Type {
            name_off: 0,
            info: (btf::KIND_STRUCT << 24) | 1,
            size_or_type: 8,
            data: vec![ty, ptr, 0],
        });
        let n = b.add_string(name);
        b.add_type(Type {
            name_off: n,
            info: btf::KIND_VAR << 24,
            size_or_type: def,
            data: vec![btf::VAR_GLOBAL_ALLOCATED],
        })
    }

    /// Adds a `.maps` DATASEC holding `vars` (8 bytes each).
    pub fn maps_datasec(b: &mut Btf, vars: &[u32]) {
        let n = b.add_string(".maps");
        let data = vars
            .iter()
            .enumerate()
            .flat_map(|(i, &v)| [v, (i * 8) as u32, 8])
            .collect();
        b.add_type(Type {
            name_off: n,
            info: (btf::KIND_DATASEC << 24) | vars.len() as u32,
            size_or_type: (vars.len() * 8) as u32,
            data,
        });
    }
}

/// `$RUSTC`, else `rustc`: the compiler the skeleton tests build with.
pub fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

/// Builds the stand-in of the `kernel::bpf` contract (tests/mock-kernel) as
/// `DIR/libkernel.rlib`, for kernel skeletons to compile against.
pub fn build_mock_kernel(dir: &std::path::Path) -> PathBuf {
    let mock = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mock-kernel/kernel.rs");
    let lib = dir.join("libkernel.rlib");
    let st = std::process::Command::new(rustc())
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "rlib",
            "--crate-name",
            "kernel",
            "-o",
        ])
        .arg(&lib)
        .arg(&mock)
        .status()
        .unwrap();
    assert!(st.success(), "mock kernel crate does not build");
    lib
}
