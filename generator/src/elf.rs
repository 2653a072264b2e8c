// SPDX-License-Identifier: GPL-2.0
//! The ELF side of a BPF object: sections, symbols and relocations.
//!
//! This is a thin, IO-free view over the `object` crate that keeps only what
//! planning needs and turns every malformation into an [`Error`].

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader, Sym};
use object::{Object as _, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget};

use crate::endian::Endian;
use crate::error::Error;

/// `EM_BPF`.
pub const EM_BPF: u16 = 247;
/// `R_BPF_64_64`: the 64-bit immediate of an `ld_imm64`.
pub const R_BPF_64_64: u32 = 1;
/// `R_BPF_64_32`: the immediate of a call.
pub const R_BPF_64_32: u32 = 10;
/// `R_BPF_64_ABS64`: a 64-bit data pointer (map-in-map slots in `.maps`).
pub const R_BPF_64_ABS64: u32 = 2;

/// What a section holds, as far as loading is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    /// Executable BPF code.
    Code,
    /// Initialised data (`PROGBITS`, not executable).
    Data,
    /// Zero-initialised data (`NOBITS`).
    Bss,
    /// Anything else (symbols, strings, debug info, relocations).
    Other,
}

/// One ELF section.
#[derive(Clone, Debug)]
pub struct Section<'a> {
    /// Section header index.
    pub index: usize,
    /// Section name.
    pub name: String,
    /// Contents (empty for `NOBITS`).
    pub data: &'a [u8],
    /// Size in memory.
    pub size: u64,
    /// Classification.
    pub kind: SectionKind,
    /// Relocations that apply to this section, in table order.
    pub relocs: Vec<Reloc>,
}

/// One relocation entry.
#[derive(Clone, Copy, Debug)]
pub struct Reloc {
    /// Byte offset in the section.
    pub offset: u64,
    /// ELF relocation type.
    pub r_type: u32,
    /// Symbol table index.
    pub sym: usize,
}

/// Symbol types we care about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymKind {
    /// `STT_FUNC`.
    Func,
    /// `STT_OBJECT`.
    Object,
    /// `STT_SECTION`.
    Section,
    /// `STT_NOTYPE` and the rest.
    Other,
}

/// One symbol.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// Name (empty for section symbols).
    pub name: String,
    /// Defining section index; `None` when undefined (an extern).
    pub section: Option<usize>,
    /// Value (offset in the section).
    pub value: u64,
    /// Size.
    pub size: u64,
    /// Type.
    pub kind: SymKind,
    /// `STB_GLOBAL` or `STB_WEAK`.
    pub global: bool,
    /// `STB_WEAK`.
    pub weak: bool,
    /// `STV_HIDDEN` or `STV_INTERNAL`.
    pub hidden: bool,
}

/// A parsed BPF ELF object.
#[derive(Clone, Debug)]
pub struct ElfObject<'a> {
    /// Byte order from the ELF header.
    pub endian: Endian,
    /// Sections by header index (index 0 is the null section).
    pub sections: Vec<Section<'a>>,
    /// Symbols by symbol table index (index 0 is the null symbol).
    pub symbols: Vec<Symbol>,
}

impl<'a> ElfObject<'a> {
    /// Parses and validates the container.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        if data.len() < 4 || &data[..4] != b"\x7fELF" {
            return Err(Error::Elf("missing ELF magic".into()));
        }
        if data.len() > 4 && data[4] != elf::ELFCLASS64 {
            return Err(Error::NotBpf(
                "not a 64-bit ELF object (BPF objects are ELFCLASS64)".into(),
            ));
        }
        let file =
            ElfFile64::<object::Endianness>::parse(data).map_err(|e| Error::Elf(e.to_string()))?;
        let e = file.endian();
        let machine = file.elf_header().e_machine(e);
        if machine != EM_BPF {
            return Err(Error::NotBpf(format!(
                "e_machine is {machine}, expected {EM_BPF} (EM_BPF)"
            )));
        }
        let endian = if file.is_little_endian() {
            Endian::Little
        } else {
            Endian::Big
        };
        let mut sections = vec![Section {
            index: 0,
            name: String::new(),
            data: &[],
            size: 0,
            kind: SectionKind::Other,
            relocs: Vec::new(),
        }];
        for s in file.sections() {
            let index = s.index().0;
            let name = s
                .name()
                .map_err(|err| Error::Elf(format!("section #{index}: bad name: {err}")))?;
            let hdr = s.elf_section_header();
            let sh_type = hdr.sh_type(e);
            let flags = hdr.sh_flags(e);
            let kind = match sh_type {
                elf::SHT_PROGBITS if flags & u64::from(elf::SHF_EXECINSTR) != 0 => {
                    SectionKind::Code
                }
                elf::SHT_PROGBITS if flags & u64::from(elf::SHF_ALLOC) != 0 => SectionKind::Data,
                elf::SHT_PROGBITS if name == "license" || name == "version" || name == ".maps" => {
                    SectionKind::Data
                }
                elf::SHT_NOBITS => SectionKind::Bss,
                _ => SectionKind::Other,
            };
            let data: &[u8] = if sh_type == elf::SHT_NOBITS {
                &[]
            } else {
                s.data()
                    .map_err(|err| Error::Elf(format!("section `{name}`: {err}")))?
            };
            let mut relocs = Vec::new();
            if matches!(kind, SectionKind::Code | SectionKind::Data) {
                for (i, (offset, r)) in s.relocations().enumerate() {
                    let RelocationFlags::Elf { r_type } = r.flags() else {
                        return Err(Error::Elf(format!(
                            "section `{name}`: relocation #{i} is not an ELF relocation"
                        )));
                    };
                    let sym = match r.target() {
                        RelocationTarget::Symbol(idx) => idx.0,
                        _ => {
                            return Err(Error::Reloc {
                                section: name.to_string(),
                                index: i,
                                offset,
                                symbol: String::new(),
                                msg: "relocation has no symbol".into(),
                            })
                        }
                    };
                    relocs.push(Reloc {
                        offset,
                        r_type,
                        sym,
                    });
                }
            }
            while sections.len() < index {
                sections.push(Section {
                    index: sections.len(),
                    name: String::new(),
                    data: &[],
                    size: 0,
                    kind: SectionKind::Other,
                    relocs: Vec::new(),
                });
            }
            sections.push(Section {
                index,
                name: name.to_string(),
                data,
                size: s.size(),
                kind,
                relocs,
            });
        }
        let mut symbols = vec![Symbol {
            name: String::new(),
            section: None,
            value: 0,
            size: 0,
            kind: SymKind::Other,
            global: false,
            weak: false,
            hidden: false,
        }];
        for sym in file.symbols() {
            let idx = sym.index().0;
            let raw = sym.elf_symbol();
            let name = sym
                .name()
                .map_err(|err| Error::Elf(format!("symbol #{idx}: bad name: {err}")))?;
            let kind = match raw.st_type() {
                elf::STT_FUNC => SymKind::Func,
                elf::STT_OBJECT => SymKind::Object,
                elf::STT_SECTION => SymKind::Section,
                _ => SymKind::Other,
            };
            let shndx = raw.st_shndx(e);
            let section = match shndx {
                elf::SHN_UNDEF => None,
                elf::SHN_ABS | elf::SHN_COMMON => None,
                n if usize::from(n) < sections.len() => Some(usize::from(n)),
                n => {
                    return Err(Error::Elf(format!(
                        "symbol `{name}` refers to section #{n} which does not exist"
                    )))
                }
            };
            let bind = raw.st_bind();
            let vis = raw.st_other() & 3;
            let mut name = name.to_string();
            if kind == SymKind::Section {
                if let Some(s) = section {
                    name = sections[s].name.clone();
                }
            }
            while symbols.len() < idx {
                symbols.push(symbols[0].clone());
            }
            symbols.push(Symbol {
                name,
                section: if shndx == elf::SHN_UNDEF {
                    None
                } else {
                    section
                },
                value: raw.st_value(e),
                size: raw.st_size(e),
                kind,
                global: bind == elf::STB_GLOBAL || bind == elf::STB_WEAK,
                weak: bind == elf::STB_WEAK,
                hidden: vis == elf::STV_HIDDEN || vis == elf::STV_INTERNAL,
            });
        }
        for s in &sections {
            for (i, r) in s.relocs.iter().enumerate() {
                if r.sym >= symbols.len() {
                    return Err(Error::Reloc {
                        section: s.name.clone(),
                        index: i,
                        offset: r.offset,
                        symbol: format!("#{}", r.sym),
                        msg: "symbol index out of range".into(),
                    });
                }
            }
        }
        Ok(ElfObject {
            endian,
            sections,
            symbols,
        })
    }

    /// A section by name.
    pub fn section(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// A defined, non-section symbol by name.
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols
            .iter()
            .find(|s| s.name == name && s.section.is_some() && s.kind != SymKind::Section)
    }
}
