// SPDX-License-Identifier: GPL-2.0
//! The plan: what maps and programs an object has, in the form the kernel
//! wants them, independent of how a loader is emitted.
//!
//! Planning follows libbpf's rules (map order and names, subprogram
//! appending, relocation semantics) so that the kernel ends up holding the
//! same objects as with `bpftool gen skeleton -L`.

use std::collections::{BTreeMap, HashMap};

use crate::btf::{self, Btf, CoreRelo, ExtSection, FuncInfo, LineInfo, Type};
use crate::elf::{ElfObject, SectionKind, SymKind, R_BPF_64_32, R_BPF_64_64};
use crate::error::Error;
use crate::insn::{self, Insn, INSN_SIZE};
use crate::sections::{self, Attach};

/// Longest name the kernel stores for maps and programs, without the NUL.
pub const OBJ_NAME_LEN: usize = 15;

pub const MAP_ARRAY: u32 = 2;
pub const MAP_PROG_ARRAY: u32 = 3;
pub const MAP_ARRAY_OF_MAPS: u32 = 12;
pub const MAP_HASH_OF_MAPS: u32 = 13;
pub const MAP_STRUCT_OPS: u32 = 26;
/// Highest map type the generator knows how to create.
pub const MAP_TYPE_MAX: u32 = 33;
/// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`: sized to the possible CPUs when declared
/// without `max_entries`.
pub const MAP_TYPE_PERF_EVENT_ARRAY: u32 = 4;

/// Largest global data section, which must fit the loader blob.
pub const MAX_DATA_SIZE: u64 = 1 << 20;
/// The kernel's `BPF_MAX_SUBPROGS`: the verifier takes at most this many
/// functions in one program, the program itself included.
pub const BPF_MAX_SUBPROGS: usize = 256;

/// `BPF_F_RDONLY_PROG`.
pub const F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_MMAPABLE`.
pub const F_MMAPABLE: u32 = 1 << 10;

/// Where a map comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// A BTF-defined map in `.maps`.
    Btf,
    /// `.data*`.
    Data,
    /// `.rodata*`: frozen after its contents are written.
    Rodata,
    /// `.bss*`.
    Bss,
    /// `.kconfig`: the values of `__kconfig` externs, frozen after writing.
    Kconfig,
}

/// The type of a `__kconfig` extern, as libbpf classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KconfigType {
    /// `bool`: `y` is 1, anything else 0.
    Bool,
    /// `char`: `y`, `m` or `n` itself.
    Char,
    /// `enum libbpf_tristate`: `n` 0, `y` 1, `m` 2.
    Tristate,
    /// An integer of 1, 2, 4 or 8 bytes.
    Int {
        /// Signed.
        signed: bool,
    },
    /// `char[N]`: a string value, NUL-terminated.
    CharArray,
}

/// A `__kconfig` extern: a slot of the `.kconfig` map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KconfigVar {
    /// `CONFIG_*` or one of the virtual `LINUX_*` names.
    pub name: String,
    /// Offset in the map value.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// Type.
    pub ty: KconfigType,
    /// Missing is fine (`__weak`): the value is then 0.
    pub weak: bool,
}

/// The virtual `__kconfig` externs libbpf knows; others must be `CONFIG_*`.
pub const KCONFIG_VIRTUAL: &[&str] = &[
    "LINUX_KERNEL_VERSION",
    "LINUX_HAS_BPF_COOKIE",
    "LINUX_HAS_SYSCALL_WRAPPER",
];

/// A map to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapPlan {
    /// Name given to the kernel (at most 15 bytes).
    pub name: String,
    /// Identifier for skeleton accessors.
    pub ident: String,
    /// Origin.
    pub kind: MapKind,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Default number of entries.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// NUMA node.
    pub numa_node: u32,
    /// `map_extra`.
    pub map_extra: u64,
    /// BTF type id of the key, or 0.
    pub btf_key_type_id: u32,
    /// BTF type id of the value, or 0.
    pub btf_value_type_id: u32,
    /// Inner map template of a map-in-map.
    pub inner: Option<Box<MapPlan>>,
    /// Initial contents (global data only).
    pub initial: Option<Vec<u8>>,
    /// Freeze after writing the initial contents.
    pub freeze: bool,
}

impl MapPlan {
    /// Whether the map takes one entry per possible CPU of the machine
    /// that creates it: a perf event array declared without `max_entries`,
    /// which libbpf sizes at load time.
    pub fn sized_per_cpu(&self) -> bool {
        self.map_type == MAP_TYPE_PERF_EVENT_ARRAY && self.max_entries == 0
    }
}

/// A map-in-map slot the object initialises (`.values = { [i] = &inner }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapSlot {
    /// Index of the outer map.
    pub outer: usize,
    /// The slot (array index or hash key, a `u32`).
    pub slot: u32,
    /// Index of the map stored in it.
    pub inner: usize,
}

/// A `PROG_ARRAY` slot the object initialises (`.values = { [i] = &prog }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgSlot {
    /// Index of the `PROG_ARRAY` map.
    pub map: usize,
    /// The slot.
    pub slot: u32,
    /// Index of the program stored in it.
    pub prog: usize,
}

/// How an extern symbol is resolved on the target kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternKind {
    /// Found in kernel BTF by name and kind (`KIND_FUNC` for kfuncs,
    /// `KIND_VAR` for typed ksyms).
    Btf(u32),
    /// A typeless `__ksym`: its address, from kallsyms.
    Typeless,
}

/// An extern resolved once per loader run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extern {
    /// Symbol name.
    pub name: String,
    /// What to look up.
    pub kind: ExternKind,
    /// Missing is fine (`__weak`).
    pub weak: bool,
}

/// How an instruction uses an extern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternUse {
    /// A kfunc call: `imm` = BTF id, `off` = fd_array index of a module BTF.
    Call,
    /// `ld_imm64` of a BTF object (`BPF_PSEUDO_BTF_ID`): `imm` = BTF id,
    /// second `imm` = module BTF fd; becomes `ld_imm64 0` if weak and missing.
    LdBtf,
    /// `ld_imm64` of an address from kallsyms.
    LdAddr,
}

/// A program to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgPlan {
    /// Full function name.
    pub name: String,
    /// ELF section, without the `?` that turns autoload off (as libbpf
    /// reports it).
    pub section: String,
    /// `false` for a `?` section: libbpf's light skeletons list such a
    /// program but do not load it.
    pub autoload: bool,
    /// How the program gets attached, from its section.
    pub attach: Attach,
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `expected_attach_type`.
    pub expected_attach_type: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// BTF name and kind resolved into `attach_btf_id` on the target.
    pub attach_target: Option<(String, u32)>,
    /// Instructions after relocation, subprograms appended.
    pub insns: Vec<Insn>,
    /// Function records, offsets in instructions.
    pub func_info: Vec<FuncInfo>,
    /// Line records, offsets in instructions.
    pub line_info: Vec<LineInfo>,
    /// CO-RE relocations, offsets in bytes.
    pub core_relos: Vec<CoreRelo>,
    /// Instructions to patch with resolved externs: (insn index, extern index, use).
    pub extern_refs: Vec<(usize, usize, ExternUse)>,
}

/// Everything a loader needs to create.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Object name used in map names, like libbpf's `obj->name`.
    pub obj_name: String,
    /// Fixed-up BTF.
    pub btf: Btf,
    /// Maps, in libbpf's order (their index is their fd_array slot).
    pub maps: Vec<MapPlan>,
    /// Map-in-map slots to fill once every map exists.
    pub map_slots: Vec<MapSlot>,
    /// `PROG_ARRAY` slots to fill once every program is loaded.
    pub prog_slots: Vec<ProgSlot>,
    /// Programs, in ELF order.
    pub progs: Vec<ProgPlan>,
    /// Externs used by the programs.
    pub externs: Vec<Extern>,
    /// `__kconfig` externs, in the order of their offsets in the `.kconfig`
    /// map (the map of kind [`MapKind::Kconfig`], if any).
    pub kconfig: Vec<KconfigVar>,
    /// License string.
    pub license: String,
    /// `kern_version` from a `version` section, or 0.
    pub kern_version: u32,
    /// Byte order of the object (and of the initial values of global data).
    pub endian: crate::Endian,
}

/// A function in an executable section.
#[derive(Clone, Debug)]
struct Func {
    name: String,
    sec: usize,
    /// First instruction, in section instructions.
    start: usize,
    len: usize,
    hidden_global: bool,
}

/// The libbpf object name for a file name: the base name up to the first dot.
pub fn default_obj_name(file_name: &str) -> String {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    let base = base.split('.').next().unwrap_or(base);
    base.chars().take(OBJ_NAME_LEN).collect()
}

/// libbpf's name for a global data map: a prefix of the object name plus
/// the section name, only characters the kernel accepts.
pub fn internal_map_name(obj_name: &str, sec_name: &str) -> String {
    let sfx_len = sec_name.len().clamp(7, OBJ_NAME_LEN);
    let pfx_len = if sec_name.get(1..).is_some_and(|s| s.contains('.')) {
        0
    } else {
        (OBJ_NAME_LEN - sfx_len).min(obj_name.len())
    };
    let name: String = obj_name
        .chars()
        .take(pfx_len)
        .chain(sec_name.chars().take(sfx_len))
        .collect();
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn is_data_sec(name: &str, prefix: &str) -> bool {
    name == prefix
        || name
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('.'))
}

impl Plan {
    /// The initial contents of map `i` in byte order `endian`.
    pub fn initial_value(&self, i: usize, endian: crate::Endian) -> Result<Option<Vec<u8>>, Error> {
        let m = &self.maps[i];
        let Some(v) = &m.initial else { return Ok(None) };
        let mut v = v.clone();
        if endian != self.endian && m.btf_value_type_id != 0 {
            self.btf
                .swap_datasec(m.btf_value_type_id, &mut v)
                .map_err(|msg| Error::Map {
                    map: m.name.clone(),
                    msg,
                })?;
        }
        Ok(Some(v))
    }

    /// Plans the loading of a BPF object; `obj_name` as libbpf would name it.
    pub fn build(data: &[u8], obj_name: &str) -> Result<Plan, Error> {
        let elf = ElfObject::parse(data)?;
        Planner::new(&elf, obj_name)?.run()
    }
}

struct Planner<'e, 'a> {
    elf: &'e ElfObject<'a>,
    obj_name: String,
    btf: Btf,
    ext: HashMap<String, ExtSection>,
    maps: Vec<MapPlan>,
    /// Map index by (section, offset) for relocations.
    map_at: HashMap<(usize, u64), usize>,
    externs: Vec<Extern>,
    funcs: Vec<Func>,
    /// `.ksyms` externs by name: BTF kind before fix-ups and typelessness.
    ksyms: HashMap<String, (u32, bool)>,
    /// `__kconfig` externs and the index of their map.
    kconfig: Vec<KconfigVar>,
    kconfig_map: Option<usize>,
    map_slots: Vec<MapSlot>,
    prog_slots: Vec<ProgSlot>,
}

impl<'e, 'a> Planner<'e, 'a> {
    fn new(elf: &'e ElfObject<'a>, obj_name: &str) -> Result<Self, Error> {
        let btf_sec = elf.section(".BTF").ok_or_else(|| Error::Btf {
            section: ".BTF".into(),
            msg: "missing (build with clang -g)".into(),
        })?;
        let btf = Btf::parse(btf_sec.data)?;
        let ext = match elf.section(".BTF.ext") {
            Some(s) => btf::parse_ext(s.data, &btf)?,
            None => HashMap::new(),
        };
        Ok(Planner {
            elf,
            obj_name: obj_name.chars().take(OBJ_NAME_LEN).collect(),
            btf,
            ext,
            maps: Vec::new(),
            map_at: HashMap::new(),
            externs: Vec::new(),
            funcs: Vec::new(),
            ksyms: HashMap::new(),
            kconfig: Vec::new(),
            kconfig_map: None,
            map_slots: Vec::new(),
            prog_slots: Vec::new(),
        })
    }

    fn run(mut self) -> Result<Plan, Error> {
        if let Some(s) = self.elf.section("maps") {
            if s.size > 0 {
                return Err(Error::Map {
                    map: "maps".into(),
                    msg: "legacy `struct bpf_map_def` maps are not supported; use BTF-defined maps in `.maps`".into(),
                });
            }
        }
        if let Some(s) = self
            .elf
            .sections
            .iter()
            .find(|s| s.name.starts_with(".struct_ops"))
        {
            return Err(Error::Map {
                map: s.name.clone(),
                msg: "struct_ops maps are not supported by light skeletons".into(),
            });
        }
        self.fixup_datasecs()?;
        self.fixup_ksyms();
        self.collect_funcs()?;
        self.collect_btf_maps()?;
        self.collect_data_maps()?;
        self.collect_kconfig()?;
        let mut progs = Vec::new();
        for fi in 0..self.funcs.len() {
            if self.elf.sections[self.funcs[fi].sec].name != ".text" {
                progs.push(self.build_prog(fi)?);
            }
        }
        if progs.is_empty() {
            return Err(Error::NotBpf(
                "no programs: no function in a non-`.text` executable section".into(),
            ));
        }
        // Kernel verifies global functions independently; hidden ones are
        // meant to be static, as libbpf marks them.
        for f in &self.funcs {
            if f.hidden_global {
                if let Some(id) = self.btf.find(&f.name, btf::KIND_FUNC) {
                    self.btf.types[id as usize].set_vlen(btf::FUNC_STATIC);
                }
            }
        }
        self.strip_paths(&mut progs);
        let license = match self.elf.section("license") {
            Some(s) => {
                let end = s.data.iter().position(|&b| b == 0).unwrap_or(s.data.len());
                String::from_utf8_lossy(&s.data[..end]).into_owned()
            }
            None => String::new(),
        };
        let kern_version = match self.elf.section("version") {
            Some(s) if s.data.len() == 4 => self
                .elf
                .endian
                .read_u32(s.data.try_into().unwrap_or([0; 4])),
            _ => 0,
        };
        Ok(Plan {
            obj_name: self.obj_name,
            btf: self.btf,
            maps: self.maps,
            map_slots: self.map_slots,
            prog_slots: self.prog_slots,
            progs,
            externs: self.externs,
            kconfig: self.kconfig,
            license,
            kern_version,
            endian: self.elf.endian,
        })
    }

    /// Fills in DATASEC sizes and variable offsets from the ELF, like libbpf.
    fn fixup_datasecs(&mut self) -> Result<(), Error> {
        for id in 1..self.btf.types.len() {
            if self.btf.types[id].kind() != btf::KIND_DATASEC {
                continue;
            }
            let name = self.btf.str_at(self.btf.types[id].name_off).to_string();
            if name == ".ksyms" || name == ".kconfig" {
                continue;
            }
            let mut fixup_offsets = false;
            if self.btf.types[id].size_or_type == 0 {
                let sec = self.elf.section(&name).ok_or_else(|| Error::Btf {
                    section: ".BTF".into(),
                    msg: format!("DATASEC `{name}` has no ELF section"),
                })?;
                self.btf.types[id].size_or_type = u32::try_from(sec.size).unwrap_or(u32::MAX);
                fixup_offsets = true;
            }
            let n = self.btf.types[id].vlen() as usize;
            for i in 0..n {
                let var_id = self.btf.types[id].data[i * 3];
                let Some(var) = self.btf.get(var_id) else {
                    return Err(Error::Btf {
                        section: ".BTF".into(),
                        msg: format!("DATASEC `{name}` entry #{i} refers to missing type {var_id}"),
                    });
                };
                if var.kind() != btf::KIND_VAR {
                    return Err(Error::Btf {
                        section: ".BTF".into(),
                        msg: format!("DATASEC `{name}` entry #{i} is not a VAR"),
                    });
                }
                let linkage = var.data[0];
                if linkage == btf::VAR_STATIC || linkage == btf::VAR_GLOBAL_EXTERN {
                    continue;
                }
                let var_name = self.btf.str_at(var.name_off).to_string();
                let sym = self.elf.symbol(&var_name).ok_or_else(|| Error::Btf {
                    section: ".BTF".into(),
                    msg: format!("variable `{var_name}` in DATASEC `{name}` has no ELF symbol"),
                })?;
                if fixup_offsets {
                    self.btf.types[id].data[i * 3 + 1] = sym.value as u32;
                }
                if sym.hidden {
                    self.btf.types[var_id as usize].data[0] = btf::VAR_STATIC;
                }
            }
            let t = &mut self.btf.types[id];
            let mut entries: Vec<[u32; 3]> =
                t.data.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
            entries.sort_by_key(|e| e[1]);
            t.data = entries.concat();
        }
        Ok(())
    }

    /// Rewrites `.ksyms` so the kernel accepts it, exactly as libbpf does:
    /// extern functions become a dummy `int` variable, extern variables
    /// become allocated `int`s, 4 bytes apart.
    fn fixup_ksyms(&mut self) {
        let Some(sec_id) = self.btf.find(".ksyms", btf::KIND_DATASEC) else {
            return;
        };
        let n = self.btf.types[sec_id as usize].vlen() as usize;
        let has_func = (0..n).any(|i| {
            let vid = self.btf.types[sec_id as usize].data[i * 3];
            self.btf
                .get(vid)
                .is_some_and(|t| t.kind() == btf::KIND_FUNC)
        });
        let int_id = (1..self.btf.types.len() as u32)
            .find(|&id| {
                let t = &self.btf.types[id as usize];
                t.kind() == btf::KIND_INT && t.size_or_type == 4 && (t.data[0] & 0xff) == 32
            })
            .unwrap_or(0);
        let dummy = if has_func {
            let name_off = self.btf.add_string("dummy_ksym");
            Some(self.btf.add_type(Type {
                name_off,
                info: btf::KIND_VAR << 24,
                size_or_type: int_id,
                data: vec![btf::VAR_GLOBAL_ALLOCATED],
            }))
        } else {
            None
        };
        let dummy_name = dummy
            .map(|d| self.btf.types[d as usize].name_off)
            .unwrap_or(0);
        for i in 0..n {
            let vid = self.btf.types[sec_id as usize].data[i * 3];
            let kind = self.btf.get(vid).map_or(0, |t| t.kind());
            let typeless = kind == btf::KIND_VAR
                && self
                    .btf
                    .skip_mods(self.btf.types[vid as usize].size_or_type)
                    == 0;
            self.ksyms
                .insert(self.btf.name(vid).to_string(), (kind, typeless));
            if kind == btf::KIND_FUNC {
                let proto = self.btf.types[vid as usize].size_or_type as usize;
                if let Some(p) = self.btf.types.get_mut(proto) {
                    if p.kind() == btf::KIND_FUNC_PROTO {
                        for j in 0..p.vlen() as usize {
                            if p.data[j * 2 + 1] != 0 && p.data[j * 2] == 0 {
                                p.data[j * 2] = dummy_name;
                            }
                        }
                    }
                }
                self.btf.types[sec_id as usize].data[i * 3] = dummy.unwrap_or(0);
                self.btf.types[vid as usize].set_vlen(btf::FUNC_GLOBAL);
            } else if kind == btf::KIND_VAR {
                let t = &mut self.btf.types[vid as usize];
                t.data[0] = btf::VAR_GLOBAL_ALLOCATED;
                t.size_or_type = int_id;
            }
            let d = &mut self.btf.types[sec_id as usize].data;
            d[i * 3 + 1] = (i * 4) as u32;
            d[i * 3 + 2] = 4;
        }
        self.btf.types[sec_id as usize].size_or_type = (n * 4) as u32;
    }

    fn collect_funcs(&mut self) -> Result<(), Error> {
        for sec in &self.elf.sections {
            if sec.kind != SectionKind::Code || sec.size == 0 {
                continue;
            }
            if sec.data.len() % INSN_SIZE != 0 {
                return Err(Error::Elf(format!(
                    "section `{}`: size {:#x} is not a multiple of the instruction size",
                    sec.name,
                    sec.data.len()
                )));
            }
            let n_insns = sec.data.len() / INSN_SIZE;
            let mut syms: Vec<_> = self
                .elf
                .symbols
                .iter()
                .filter(|s| s.section == Some(sec.index) && s.kind == SymKind::Func)
                .collect();
            syms.sort_by_key(|s| s.value);
            for (k, s) in syms.iter().enumerate() {
                if s.value % INSN_SIZE as u64 != 0 {
                    return Err(Error::Elf(format!(
                        "section `{}`: function `{}` at {:#x} is not instruction-aligned",
                        sec.name, s.name, s.value
                    )));
                }
                let start = (s.value / INSN_SIZE as u64) as usize;
                let end = if s.size > 0 {
                    start + (s.size / INSN_SIZE as u64) as usize
                } else {
                    syms.get(k + 1)
                        .map_or(n_insns, |n| (n.value / INSN_SIZE as u64) as usize)
                };
                if start >= n_insns || end > n_insns || end <= start {
                    return Err(Error::Elf(format!(
                        "section `{}`: function `{}` at {:#x} size {:#x} is outside the section",
                        sec.name, s.name, s.value, s.size
                    )));
                }
                self.funcs.push(Func {
                    name: s.name.clone(),
                    sec: sec.index,
                    start,
                    len: end - start,
                    hidden_global: sec.name == ".text" && s.global && s.hidden,
                });
            }
        }
        Ok(())
    }

    fn map_err(map: &str, msg: impl Into<String>) -> Error {
        Error::Map {
            map: map.into(),
            msg: msg.into(),
        }
    }

    /// Reads `int (*name)[N]` (or an enum holding N) from a map definition.
    fn def_uint(&self, map: &str, field: &str, type_id: u32) -> Result<u64, Error> {
        let t = self
            .btf
            .get(type_id)
            .ok_or_else(|| Self::map_err(map, format!("`{field}` has no type")))?;
        match t.kind() {
            btf::KIND_PTR => {
                let a = self.btf.get(t.size_or_type);
                match a {
                    Some(a) if a.kind() == btf::KIND_ARRAY => Ok(u64::from(a.data[2])),
                    _ => Err(Self::map_err(
                        map,
                        format!("`{field}` is not declared with __uint()"),
                    )),
                }
            }
            btf::KIND_ENUM if t.vlen() == 1 => Ok(u64::from(t.data[1])),
            btf::KIND_ENUM64 if t.vlen() == 1 => {
                Ok(u64::from(t.data[1]) | (u64::from(t.data[2]) << 32))
            }
            _ => Err(Self::map_err(
                map,
                format!("`{field}` is not declared with __uint()"),
            )),
        }
    }

    /// Parses a map definition struct.
    fn parse_map_def(&self, map: &str, def_id: u32, inner: bool) -> Result<MapPlan, Error> {
        let def_id = self.btf.skip_mods(def_id);
        let def = self
            .btf
            .get(def_id)
            .filter(|t| t.kind() == btf::KIND_STRUCT)
            .ok_or_else(|| Self::map_err(map, "definition is not a struct"))?;
        let mut m = MapPlan {
            name: map.chars().take(OBJ_NAME_LEN).collect(),
            ident: crate::names::base(map),
            kind: MapKind::Btf,
            map_type: 0,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            map_flags: 0,
            numa_node: 0,
            map_extra: 0,
            btf_key_type_id: 0,
            btf_value_type_id: 0,
            inner: None,
            initial: None,
            freeze: false,
        };
        let n = def.vlen() as usize;
        let mut inner_def = None;
        for i in 0..n {
            let name = self.btf.str_at(def.data[i * 3]).to_string();
            let ty = def.data[i * 3 + 1];
            let small = |v: u64| {
                u32::try_from(v)
                    .map_err(|_| Self::map_err(map, format!("`{name}` = {v} does not fit 32 bits")))
            };
            match name.as_str() {
                "type" => m.map_type = small(self.def_uint(map, &name, ty)?)?,
                "max_entries" => m.max_entries = small(self.def_uint(map, &name, ty)?)?,
                "map_flags" => m.map_flags = small(self.def_uint(map, &name, ty)?)?,
                "numa_node" => m.numa_node = small(self.def_uint(map, &name, ty)?)?,
                "map_extra" => m.map_extra = self.def_uint(map, &name, ty)?,
                "key_size" | "value_size" => {
                    let v = small(self.def_uint(map, &name, ty)?)?;
                    let cur = if name == "key_size" {
                        &mut m.key_size
                    } else {
                        &mut m.value_size
                    };
                    if *cur != 0 && *cur != v {
                        return Err(Self::map_err(
                            map,
                            format!("`{name}` = {v} conflicts with the type's size {cur}"),
                        ));
                    }
                    *cur = v;
                }
                "key" | "value" => {
                    let p = self
                        .btf
                        .get(ty)
                        .filter(|t| t.kind() == btf::KIND_PTR)
                        .ok_or_else(|| {
                            Self::map_err(map, format!("`{name}` is not declared with __type()"))
                        })?;
                    let target = p.size_or_type;
                    let size = self
                        .btf
                        .resolve_size(target)
                        .and_then(|s| u32::try_from(s).ok())
                        .ok_or_else(|| {
                            Self::map_err(map, format!("cannot size the `{name}` type"))
                        })?;
                    let (cur, id) = if name == "key" {
                        (&mut m.key_size, &mut m.btf_key_type_id)
                    } else {
                        (&mut m.value_size, &mut m.btf_value_type_id)
                    };
                    if *cur != 0 && *cur != size {
                        return Err(Self::map_err(
                            map,
                            format!("`{name}` size {size} conflicts with {cur}"),
                        ));
                    }
                    *cur = size;
                    *id = target;
                }
                "values" => {
                    if inner {
                        return Err(Self::map_err(
                            map,
                            "multi-level inner maps are not supported",
                        ));
                    }
                    if i != n - 1 {
                        return Err(Self::map_err(map, "`values` must be the last member"));
                    }
                    let arr = self
                        .btf
                        .get(ty)
                        .filter(|t| t.kind() == btf::KIND_ARRAY)
                        .ok_or_else(|| Self::map_err(map, "`values` is not an array"))?;
                    let ptr = self
                        .btf
                        .get(self.btf.skip_mods(arr.data[0]))
                        .filter(|t| t.kind() == btf::KIND_PTR)
                        .ok_or_else(|| {
                            Self::map_err(map, "`values` is not an array of pointers")
                        })?;
                    if m.map_type == MAP_PROG_ARRAY {
                        // Slots hold programs: there is no inner map.
                        let proto = self.btf.get(self.btf.skip_mods(ptr.size_or_type));
                        if proto.is_none_or(|t| t.kind() != btf::KIND_FUNC_PROTO) {
                            return Err(Self::map_err(
                                map,
                                "`values` of a PROG_ARRAY must be function pointers",
                            ));
                        }
                        if m.value_size != 0 && m.value_size != 4 {
                            return Err(Self::map_err(map, "PROG_ARRAY value size must be 4"));
                        }
                        m.value_size = 4;
                    } else {
                        inner_def = Some(ptr.size_or_type);
                    }
                }
                "pinning" => {
                    if self.def_uint(map, &name, ty)? != 0 {
                        return Err(Self::map_err(
                            map,
                            "pinning (LIBBPF_PIN_BY_NAME) is not supported by light skeletons; pin the map after loading",
                        ));
                    }
                }
                _ => {
                    return Err(Self::map_err(
                        map,
                        format!("unknown map definition member `{name}`"),
                    ))
                }
            }
        }
        if m.map_type == 0 || m.map_type > MAP_TYPE_MAX || m.map_type == MAP_STRUCT_OPS {
            return Err(Self::map_err(
                map,
                format!("unsupported map type {}", m.map_type),
            ));
        }
        if let Some(def) = inner_def {
            let is_mim = matches!(m.map_type, MAP_ARRAY_OF_MAPS | MAP_HASH_OF_MAPS);
            if !is_mim {
                return Err(Self::map_err(
                    map,
                    "`values` is only supported for map-in-map types",
                ));
            }
            if m.value_size != 0 && m.value_size != 4 {
                return Err(Self::map_err(map, "map-in-map value size must be 4"));
            }
            m.value_size = 4;
            let mut im = self.parse_map_def(&format!("{map}.inner"), def, true)?;
            im.ident = format!("{}_inner", m.ident);
            m.inner = Some(Box::new(im));
        } else if matches!(m.map_type, MAP_ARRAY_OF_MAPS | MAP_HASH_OF_MAPS) {
            return Err(Self::map_err(
                map,
                "map-in-map needs an inner map definition (`__array(values, ...)`)",
            ));
        }
        // The kernel takes no BTF key/value for these map types.
        if matches!(
            m.map_type,
            3 | 4 | 7 | 8 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 22 | 23 | 25 | 33
        ) {
            m.btf_key_type_id = 0;
            m.btf_value_type_id = 0;
        }
        Ok(m)
    }

    fn collect_btf_maps(&mut self) -> Result<(), Error> {
        let Some(sec) = self.elf.section(".maps") else {
            return Ok(());
        };
        let sec_index = sec.index;
        let ds = self
            .btf
            .find(".maps", btf::KIND_DATASEC)
            .ok_or_else(|| Error::Btf {
                section: ".BTF".into(),
                msg: "`.maps` section has no DATASEC".into(),
            })?;
        let entries: Vec<[u32; 3]> = self.btf.types[ds as usize]
            .data
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        for [var_id, off, _] in entries {
            let var = self.btf.get(var_id).cloned().unwrap_or(Type {
                name_off: 0,
                info: 0,
                size_or_type: 0,
                data: vec![],
            });
            let name = self.btf.str_at(var.name_off).to_string();
            let m = self.parse_map_def(&name, var.size_or_type, false)?;
            self.map_at
                .insert((sec_index, u64::from(off)), self.maps.len());
            self.maps.push(m);
        }
        self.collect_map_slots(sec_index, ds)
    }

    /// The slot of `values` at byte `at` of map definition variable `var_id`.
    fn values_slot(&self, var_id: u32, at: u64) -> Option<u32> {
        let def = self
            .btf
            .get(var_id)
            .map_or(0, |v| self.btf.skip_mods(v.size_or_type));
        let t = self
            .btf
            .get(def)
            .filter(|t| t.kind() == btf::KIND_STRUCT && t.vlen() > 0)?;
        let n = t.vlen() as usize - 1;
        if self.btf.str_at(t.data[n * 3]) != "values" {
            return None;
        }
        let moff = u64::from(t.data[n * 3 + 2] / 8);
        if at < moff || (at - moff) % 8 != 0 {
            return None;
        }
        u32::try_from((at - moff) / 8).ok()
    }

    /// Reads `.values = { [i] = &map }` of map-in-maps from the relocations
    /// of `.maps`, with libbpf's rules.
    fn collect_map_slots(&mut self, sec_index: usize, ds: u32) -> Result<(), Error> {
        let relocs = self.elf.sections[sec_index].relocs.clone();
        let entries: Vec<[u32; 3]> = self.btf.types[ds as usize]
            .data
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]])
            .collect();
        for (ri, r) in relocs.iter().enumerate() {
            let sym = self.elf.symbols[r.sym].clone();
            let err = |msg: String| Error::Reloc {
                section: ".maps".into(),
                index: ri,
                offset: r.offset,
                symbol: sym.name.clone(),
                msg,
            };
            // The map whose definition holds the 8-byte pointer.
            let Some([var_id, off, _]) = entries.iter().find(|e| {
                u64::from(e[1]) <= r.offset
                    && r.offset.saturating_add(8) <= u64::from(e[1]) + u64::from(e[2])
            }) else {
                return Err(err("not inside a map definition".into()));
            };
            let outer = self.map_at[&(sec_index, u64::from(*off))];
            let m = &self.maps[outer];
            if r.r_type != crate::elf::R_BPF_64_ABS64 {
                return Err(err(format!("relocation type {} in `.maps`", r.r_type)));
            }
            if m.map_type == MAP_PROG_ARRAY {
                // libbpf's rules: an entry-point program, at its start.
                let text = self.elf.section(".text").map(|s| s.index);
                let mut entry = 0;
                let mut found = None;
                for f in &self.funcs {
                    if Some(f.sec) == text {
                        continue;
                    }
                    if Some(f.sec) == sym.section && (f.start * INSN_SIZE) as u64 == sym.value {
                        found = Some(entry);
                        break;
                    }
                    entry += 1;
                }
                let prog = found.ok_or_else(|| {
                    err("the slot does not point to an entry-point program".into())
                })?;
                let slot = self
                    .values_slot(*var_id, r.offset - u64::from(*off))
                    .ok_or_else(|| err("not a slot of `values`".into()))?;
                if slot >= m.max_entries {
                    return Err(err(format!(
                        "slot {slot} is beyond max_entries {} of `{}`",
                        m.max_entries, m.name
                    )));
                }
                self.prog_slots.push(ProgSlot {
                    map: outer,
                    slot,
                    prog,
                });
                continue;
            }
            if !matches!(m.map_type, MAP_ARRAY_OF_MAPS | MAP_HASH_OF_MAPS) {
                return Err(err(format!(
                    "map `{}` is not a map-in-map, its slots cannot be initialised",
                    m.name
                )));
            }
            if m.map_type == MAP_HASH_OF_MAPS && m.key_size != 4 {
                return Err(err(
                    "a hash-of-maps with initialised slots needs a 4-byte key".into(),
                ));
            }
            if sym.section != Some(sec_index) {
                return Err(err("the slot does not point to a BTF-defined map".into()));
            }
            let inner = *self
                .map_at
                .get(&(sec_index, sym.value))
                .ok_or_else(|| err("the slot does not point to the start of a map".into()))?;
            if self.maps[inner].inner.is_some() {
                return Err(err("a map-in-map cannot be stored in a map-in-map".into()));
            }
            let slot = self
                .values_slot(*var_id, r.offset - u64::from(*off))
                .ok_or_else(|| err("not a slot of `values`".into()))?;
            if m.map_type == MAP_ARRAY_OF_MAPS && slot >= m.max_entries {
                return Err(err(format!(
                    "slot {slot} is beyond max_entries {} of `{}`",
                    m.max_entries, m.name
                )));
            }
            self.map_slots.push(MapSlot { outer, slot, inner });
        }
        Ok(())
    }

    fn collect_data_maps(&mut self) -> Result<(), Error> {
        for sec in &self.elf.sections {
            let kind = match sec.kind {
                SectionKind::Data if is_data_sec(&sec.name, ".data") => MapKind::Data,
                SectionKind::Data if is_data_sec(&sec.name, ".rodata") => MapKind::Rodata,
                SectionKind::Bss if is_data_sec(&sec.name, ".bss") => MapKind::Bss,
                _ => continue,
            };
            if sec.size == 0 {
                continue;
            }
            if sec.size > MAX_DATA_SIZE {
                return Err(Error::Limit {
                    what: "size of a global data section (MAX_DATA_SIZE)",
                    got: usize::try_from(sec.size).unwrap_or(usize::MAX),
                    max: MAX_DATA_SIZE as usize,
                });
            }
            if sec.name == ".kconfig" {
                return Err(Self::map_err(
                    ".kconfig",
                    "kconfig externs are not supported",
                ));
            }
            let value_size = u32::try_from(sec.size)
                .map_err(|_| Self::map_err(&sec.name, "section too large"))?;
            let datasec = self.btf.find(&sec.name, btf::KIND_DATASEC).unwrap_or(0);
            let mmapable = datasec != 0 && {
                let t = &self.btf.types[datasec as usize];
                t.data.chunks_exact(3).any(|c| {
                    self.btf
                        .get(c[0])
                        .is_some_and(|v| v.kind() == btf::KIND_VAR && v.data[0] != btf::VAR_STATIC)
                })
            };
            let mut flags = if kind == MapKind::Rodata {
                F_RDONLY_PROG
            } else {
                0
            };
            if mmapable {
                flags |= F_MMAPABLE;
            }
            let initial = match kind {
                MapKind::Bss => vec![0; sec.size as usize],
                _ => sec.data.to_vec(),
            };
            self.map_at.insert((sec.index, 0), self.maps.len());
            self.maps.push(MapPlan {
                name: internal_map_name(&self.obj_name, &sec.name),
                ident: crate::names::base(sec.name.trim_start_matches('.')),
                kind,
                map_type: MAP_ARRAY,
                key_size: 4,
                value_size,
                max_entries: 1,
                map_flags: flags,
                numa_node: 0,
                map_extra: 0,
                btf_key_type_id: 0,
                btf_value_type_id: datasec,
                inner: None,
                initial: Some(initial),
                freeze: kind == MapKind::Rodata,
            });
        }
        Ok(())
    }

    /// libbpf's kcfg type of a `.kconfig` extern's type, and its alignment.
    fn kconfig_type(&self, id: u32) -> Option<(KconfigType, u32)> {
        let t = self.btf.get(self.btf.skip_mods(id))?;
        let name = self.btf.str_at(t.name_off);
        match t.kind() {
            btf::KIND_INT => {
                let enc = t.data.first()? >> 24;
                let size = t.size_or_type;
                if enc & 4 != 0 {
                    return (size == 1).then_some((KconfigType::Bool, 1));
                }
                if size == 1 {
                    return Some((KconfigType::Char, 1));
                }
                matches!(size, 2 | 4 | 8).then_some((
                    KconfigType::Int {
                        signed: enc & 1 != 0,
                    },
                    size,
                ))
            }
            btf::KIND_ENUM if t.size_or_type == 4 && name == "libbpf_tristate" => {
                Some((KconfigType::Tristate, 4))
            }
            btf::KIND_ENUM64 if name == "libbpf_tristate" => {
                Some((KconfigType::Tristate, t.size_or_type.min(8)))
            }
            // Only an array of `char` (so no array of arrays, which also
            // bounds the recursion whatever cycle the BTF holds).
            btf::KIND_ARRAY if t.data[2] > 0 => {
                let elem = self.btf.get(self.btf.skip_mods(t.data[0]))?;
                if elem.kind() != btf::KIND_INT {
                    return None;
                }
                match self.kconfig_type(t.data[0])? {
                    (KconfigType::Char, _) => Some((KconfigType::CharArray, 1)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Lays out `__kconfig` externs as libbpf does (alignment descending,
    /// then size ascending, then name) and adds the `.kconfig` map after
    /// the global data maps. Values are not known here: the loader takes
    /// them from the skeleton (see `gen`), never from the build host.
    fn collect_kconfig(&mut self) -> Result<(), Error> {
        let Some(sec_id) = self.btf.find(".kconfig", btf::KIND_DATASEC) else {
            return Ok(());
        };
        let kerr = |name: &str, msg: String| Error::Map {
            map: format!(".kconfig: {name}"),
            msg,
        };
        let entries: Vec<u32> = self.btf.types[sec_id as usize]
            .data
            .chunks_exact(3)
            .map(|c| c[0])
            .collect();
        let mut vars = Vec::new();
        for var_id in entries {
            let var = self
                .btf
                .get(var_id)
                .filter(|v| v.kind() == btf::KIND_VAR)
                .ok_or_else(|| kerr("?", format!("entry {var_id} is not a VAR")))?;
            let name = self.btf.str_at(var.name_off).to_string();
            let (ty, align) = self
                .kconfig_type(var.size_or_type)
                .ok_or_else(|| kerr(&name, "type is not supported for a kconfig extern".into()))?;
            let size = self
                .btf
                .resolve_size(var.size_or_type)
                .and_then(|s| u32::try_from(s).ok())
                .filter(|&s| s > 0 && u64::from(s) <= MAX_DATA_SIZE)
                .ok_or_else(|| kerr(&name, "cannot size the type".into()))?;
            let weak = self
                .elf
                .symbols
                .iter()
                .find(|s| s.name == name && s.section.is_none())
                .is_some_and(|s| s.weak);
            let known = name.starts_with("CONFIG_")
                || KCONFIG_VIRTUAL.contains(&name.as_str())
                || weak && name.starts_with("LINUX_");
            if !known {
                return Err(kerr(
                    &name,
                    "only CONFIG_* and libbpf's virtual LINUX_* externs exist".into(),
                ));
            }
            vars.push((
                align,
                KconfigVar {
                    name,
                    offset: 0,
                    size,
                    ty,
                    weak,
                },
            ));
        }
        if vars.is_empty() {
            return Ok(());
        }
        vars.sort_by(|(aa, a), (ab, b)| {
            ab.cmp(aa)
                .then(a.size.cmp(&b.size))
                .then(a.name.cmp(&b.name))
        });
        let mut off: u64 = 0;
        for (align, v) in &mut vars {
            off = off.div_ceil(u64::from(*align)) * u64::from(*align);
            v.offset = off as u32;
            off += u64::from(v.size);
        }
        if off > MAX_DATA_SIZE {
            return Err(Error::Limit {
                what: "size of the .kconfig map (MAX_DATA_SIZE)",
                got: off as usize,
                max: MAX_DATA_SIZE as usize,
            });
        }
        let vars: Vec<KconfigVar> = vars.into_iter().map(|(_, v)| v).collect();
        // The kernel wants allocated variables at increasing offsets.
        let mut data: Vec<[u32; 3]> = Vec::new();
        for c in self.btf.types[sec_id as usize].data.clone().chunks_exact(3) {
            let name = self.btf.name(c[0]).to_string();
            let v = vars
                .iter()
                .find(|v| v.name == name)
                .ok_or_else(|| kerr(&name, "no layout".into()))?;
            self.btf.types[c[0] as usize].data[0] = btf::VAR_GLOBAL_ALLOCATED;
            data.push([c[0], v.offset, v.size]);
        }
        data.sort_by_key(|e| e[1]);
        let t = &mut self.btf.types[sec_id as usize];
        t.data = data.concat();
        t.size_or_type = off as u32;
        self.kconfig_map = Some(self.maps.len());
        self.maps.push(MapPlan {
            name: internal_map_name(&self.obj_name, ".kconfig"),
            ident: "kconfig".into(),
            kind: MapKind::Kconfig,
            map_type: MAP_ARRAY,
            key_size: 4,
            value_size: off as u32,
            max_entries: 1,
            map_flags: F_RDONLY_PROG | F_MMAPABLE,
            numa_node: 0,
            map_extra: 0,
            btf_key_type_id: 0,
            btf_value_type_id: sec_id,
            inner: None,
            initial: Some(vec![0; off as usize]),
            freeze: true,
        });
        self.kconfig = vars;
        Ok(())
    }

    fn func_insns(&self, f: &Func) -> Vec<Insn> {
        let sec = &self.elf.sections[f.sec];
        insn::decode_all(
            &sec.data[f.start * INSN_SIZE..(f.start + f.len) * INSN_SIZE],
            self.elf.endian,
        )
    }

    fn reloc_err(&self, sec: usize, index: usize, msg: impl Into<String>) -> Error {
        let s = &self.elf.sections[sec];
        let r = s.relocs[index];
        Error::Reloc {
            section: s.name.clone(),
            index,
            offset: r.offset,
            symbol: self.elf.symbols[r.sym].name.clone(),
            msg: msg.into(),
        }
    }

    fn build_prog(&mut self, main: usize) -> Result<ProgPlan, Error> {
        let f = self.funcs[main].clone();
        let section = self.elf.sections[f.sec].name.clone();
        let perr = |msg: String| Error::Prog {
            prog: f.name.clone(),
            section: section.clone(),
            msg,
        };
        let def = sections::classify(&section).map_err(|e| perr(e.to_string()))?;
        let mut insns = self.func_insns(&f);
        // (function index, start in the program), in append order.
        let mut placed: Vec<(usize, usize)> = vec![(main, 0)];
        self.reloc_code(&mut insns, &mut placed, 0)?;
        let mut extern_refs = Vec::new();
        for &(fi, start) in &placed {
            self.reloc_data(&mut insns, fi, start, &mut extern_refs)?;
        }
        let mut func_info = Vec::new();
        let mut line_info = Vec::new();
        let mut core_relos = Vec::new();
        for &(fi, start) in &placed {
            let g = &self.funcs[fi];
            let Some(ext) = self.ext.get(&self.elf.sections[g.sec].name) else {
                continue;
            };
            let lo = (g.start * INSN_SIZE) as u32;
            let hi = ((g.start + g.len) * INSN_SIZE) as u32;
            let rebase = |off: u32| (off / INSN_SIZE as u32 - g.start as u32) + start as u32;
            for r in ext
                .func_info
                .iter()
                .filter(|r| (lo..hi).contains(&r.insn_off))
            {
                func_info.push(FuncInfo {
                    insn_off: rebase(r.insn_off),
                    ..*r
                });
            }
            for r in ext
                .line_info
                .iter()
                .filter(|r| (lo..hi).contains(&r.insn_off))
            {
                line_info.push(LineInfo {
                    insn_off: rebase(r.insn_off),
                    ..*r
                });
            }
            for r in ext
                .core_relos
                .iter()
                .filter(|r| (lo..hi).contains(&r.insn_off))
            {
                core_relos.push(CoreRelo {
                    insn_off: rebase(r.insn_off) * INSN_SIZE as u32,
                    ..*r
                });
            }
        }
        Ok(ProgPlan {
            name: f.name.clone(),
            section: def.name,
            autoload: def.autoload,
            attach: def.def.attach,
            prog_type: def.prog_type,
            expected_attach_type: def.expected_attach_type,
            prog_flags: def.prog_flags,
            attach_target: def.attach_target,
            insns,
            func_info,
            line_info,
            core_relos,
            extern_refs,
        })
    }

    /// Appends called subprograms depth-first, as libbpf does, and points
    /// each call at its callee's place in this program.
    ///
    /// A worklist, not recursion: a call chain as long as the object likes
    /// cannot overflow the stack. Past [`BPF_MAX_SUBPROGS`] functions the
    /// kernel would refuse the program, so that is an error here. Lookups
    /// go through maps built once per program, so the cost is linear in
    /// the relocations, the functions and the instructions placed.
    fn reloc_code(
        &self,
        insns: &mut Vec<Insn>,
        placed: &mut Vec<(usize, usize)>,
        which: usize,
    ) -> Result<(), Error> {
        let text = self.elf.section(".text").map(|s| s.index);
        // Per section, the first relocation at each byte offset.
        let mut relocs_at: HashMap<usize, HashMap<u64, usize>> = HashMap::new();
        // The first function starting at each `.text` instruction.
        let mut text_funcs: Option<HashMap<usize, usize>> = None;
        // (index in `placed`, next instruction to look at): the callers
        // whose walk a callee interrupted, and the callee on top.
        let mut stack = vec![(which, 0)];
        'walk: while let Some((which, from)) = stack.pop() {
            let (fi, start) = placed[which];
            let f = &self.funcs[fi];
            let relocs = relocs_at.entry(f.sec).or_insert_with(|| {
                let mut m = HashMap::new();
                for (ri, r) in self.elf.sections[f.sec].relocs.iter().enumerate() {
                    m.entry(r.offset).or_insert(ri);
                }
                m
            });
            for i in from..f.len {
                let insn = insns[start + i];
                let is_call = insn.is_pseudo_call();
                let is_ld = insn.is_ld_imm64();
                if !is_call && !is_ld {
                    continue;
                }
                let relo = relocs.get(&(((f.start + i) * INSN_SIZE) as u64)).copied();
                let target = match relo {
                    Some(ri) => {
                        let r = self.elf.sections[f.sec].relocs[ri];
                        let sym = &self.elf.symbols[r.sym];
                        if sym.section.is_none() {
                            continue; // An extern: handled with the data relocations.
                        }
                        let in_text = sym.section == text && text.is_some();
                        if is_ld
                            && !(in_text
                                && (sym.kind == SymKind::Func || sym.kind == SymKind::Section))
                        {
                            continue; // Map or data reference.
                        }
                        if !in_text {
                            return Err(self.reloc_err(f.sec, ri, "call target is not in `.text`"));
                        }
                        if is_call {
                            (sym.value as i64 / INSN_SIZE as i64) + i64::from(insn.imm) + 1
                        } else {
                            (sym.value as i64 + i64::from(insn.imm)) / INSN_SIZE as i64
                        }
                    }
                    None if is_call => {
                        if Some(f.sec) != text {
                            return Err(Error::Prog {
                                prog: f.name.clone(),
                                section: self.elf.sections[f.sec].name.clone(),
                                msg: format!(
                                    "call at insn {i} has no relocation and is not in `.text`"
                                ),
                            });
                        }
                        (f.start + i) as i64 + i64::from(insn.imm) + 1
                    }
                    None => {
                        if insn.is_pseudo_func() {
                            return Err(Error::Prog {
                                prog: f.name.clone(),
                                section: self.elf.sections[f.sec].name.clone(),
                                msg: format!("callback address at insn {i} has no relocation"),
                            });
                        }
                        continue;
                    }
                };
                let text_funcs = text_funcs.get_or_insert_with(|| {
                    let mut m = HashMap::new();
                    for (gi, g) in self.funcs.iter().enumerate() {
                        if Some(g.sec) == text {
                            m.entry(g.start).or_insert(gi);
                        }
                    }
                    m
                });
                let callee = usize::try_from(target)
                    .ok()
                    .and_then(|t| text_funcs.get(&t).copied())
                    .ok_or_else(|| Error::Prog {
                        prog: f.name.clone(),
                        section: self.elf.sections[f.sec].name.clone(),
                        msg: format!(
                            "insn {i} calls `.text` instruction {target}, which starts no function"
                        ),
                    })?;
                let placed_at = placed.iter().find(|p| p.0 == callee).map(|p| p.1);
                let callee_start = placed_at.unwrap_or(insns.len());
                let ins = &mut insns[start + i];
                ins.imm = callee_start as i32 - (start + i) as i32 - 1;
                if is_ld {
                    ins.src = insn::BPF_PSEUDO_FUNC;
                }
                if placed_at.is_none() {
                    if placed.len() == BPF_MAX_SUBPROGS {
                        let (main, _) = placed[0];
                        let main = &self.funcs[main];
                        return Err(Error::Prog {
                            prog: main.name.clone(),
                            section: self.elf.sections[main.sec].name.clone(),
                            msg: format!(
                                "it and the functions it calls are more than {BPF_MAX_SUBPROGS} \
                                 subprograms (`{}` would be one more), the most the kernel \
                                 verifies in a program (BPF_MAX_SUBPROGS)",
                                self.funcs[callee].name
                            ),
                        });
                    }
                    insns.extend(self.func_insns(&self.funcs[callee]));
                    placed.push((callee, callee_start));
                    // The callee's own calls come first, then the rest of ours.
                    stack.push((which, i + 1));
                    stack.push((placed.len() - 1, 0));
                    continue 'walk;
                }
            }
        }
        Ok(())
    }

    fn extern_index(&mut self, name: &str, kind: ExternKind, weak: bool) -> usize {
        if let Some(i) = self.externs.iter().position(|e| e.name == name) {
            return i;
        }
        self.externs.push(Extern {
            name: name.to_string(),
            kind,
            weak,
        });
        self.externs.len() - 1
    }

    /// Applies map, global data and extern relocations of one function.
    fn reloc_data(
        &mut self,
        insns: &mut [Insn],
        fi: usize,
        start: usize,
        refs: &mut Vec<(usize, usize, ExternUse)>,
    ) -> Result<(), Error> {
        let f = self.funcs[fi].clone();
        let text = self.elf.section(".text").map(|s| s.index);
        let relocs = self.elf.sections[f.sec].relocs.clone();
        for (ri, r) in relocs.iter().enumerate() {
            if r.offset % INSN_SIZE as u64 != 0 {
                return Err(self.reloc_err(f.sec, ri, "offset is not instruction-aligned"));
            }
            let at = (r.offset / INSN_SIZE as u64) as usize;
            if at < f.start || at >= f.start + f.len {
                continue;
            }
            let idx = start + at - f.start;
            let sym = self.elf.symbols[r.sym].clone();
            let insn = insns[idx];
            if r.r_type != R_BPF_64_64 && r.r_type != R_BPF_64_32 {
                return Err(self.reloc_err(
                    f.sec,
                    ri,
                    format!("unsupported relocation type {}", r.r_type),
                ));
            }
            if sym.section.is_none() {
                if let Some(v) = self.kconfig.iter().find(|v| v.name == sym.name) {
                    // A `.kconfig` value: a load from the kconfig map.
                    if !insn.is_ld_imm64() || idx + 1 >= insns.len() || r.r_type != R_BPF_64_64 {
                        return Err(self.reloc_err(
                            f.sec,
                            ri,
                            "a kconfig extern is only read through ld_imm64",
                        ));
                    }
                    let offset = v.offset;
                    insns[idx].src = insn::BPF_PSEUDO_MAP_IDX_VALUE;
                    insns[idx].imm = self.kconfig_map.unwrap_or(0) as i32;
                    insns[idx + 1].imm = offset as i32;
                    continue;
                }
                // Extern: kfunc or ksym, described by BTF in `.ksyms`.
                let (btf_kind, typeless) = self.find_extern(&sym.name).ok_or_else(|| {
                    self.reloc_err(f.sec, ri, "extern has no BTF in `.ksyms` or `.kconfig`")
                })?;
                let (kind, usage) = if insn.is_pseudo_call() && btf_kind == btf::KIND_FUNC {
                    insns[idx].src = insn::BPF_PSEUDO_KFUNC_CALL;
                    insns[idx].imm = 0;
                    insns[idx].off = 0;
                    (ExternKind::Btf(btf::KIND_FUNC), ExternUse::Call)
                } else if insn.is_ld_imm64()
                    && idx + 1 < insns.len()
                    && (btf_kind == btf::KIND_VAR || btf_kind == btf::KIND_FUNC)
                {
                    insns[idx].src = if typeless { 0 } else { insn::BPF_PSEUDO_BTF_ID };
                    insns[idx].imm = 0;
                    insns[idx + 1].imm = 0;
                    if typeless {
                        (ExternKind::Typeless, ExternUse::LdAddr)
                    } else {
                        (ExternKind::Btf(btf_kind), ExternUse::LdBtf)
                    }
                } else {
                    return Err(self.reloc_err(
                        f.sec,
                        ri,
                        "unsupported use of an extern (only kfunc calls and ksym loads)",
                    ));
                };
                let e = self.extern_index(&sym.name, kind, sym.weak);
                refs.push((idx, e, usage));
                continue;
            }
            if insn.is_pseudo_call() || insn.is_pseudo_func() {
                continue; // Done by reloc_code.
            }
            let sec = sym.section.unwrap_or(0);
            if insn.is_ld_imm64() && sym.section == text && text.is_some() {
                continue; // Callback address, done by reloc_code.
            }
            if !insn.is_ld_imm64() || r.r_type != R_BPF_64_64 {
                return Err(self.reloc_err(
                    f.sec,
                    ri,
                    format!(
                        "relocation on instruction code {:#04x}, expected ld_imm64",
                        insn.code
                    ),
                ));
            }
            if idx + 1 >= insns.len() {
                return Err(self.reloc_err(f.sec, ri, "ld_imm64 is truncated"));
            }
            let sec_name = self.elf.sections[sec].name.clone();
            if sec_name == ".maps" {
                let m = *self.map_at.get(&(sec, sym.value)).ok_or_else(|| {
                    self.reloc_err(
                        f.sec,
                        ri,
                        format!("no map at offset {:#x} of `.maps`", sym.value),
                    )
                })?;
                insns[idx].src = insn::BPF_PSEUDO_MAP_IDX;
                insns[idx].imm = m as i32;
            } else if let Some(&m) = self.map_at.get(&(sec, 0)) {
                if self.maps[m].kind == MapKind::Btf {
                    return Err(self.reloc_err(f.sec, ri, "unexpected map reference"));
                }
                insns[idx + 1].imm = insns[idx].imm.wrapping_add(sym.value as i32);
                insns[idx].src = insn::BPF_PSEUDO_MAP_IDX_VALUE;
                insns[idx].imm = m as i32;
            } else {
                return Err(self.reloc_err(
                    f.sec,
                    ri,
                    format!(
                        "reference to section `{sec_name}`, which is neither a map nor global data"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The BTF kind of a `.ksyms` extern before fix-ups, and whether it is typeless.
    fn find_extern(&self, name: &str) -> Option<(u32, bool)> {
        self.ksyms.get(name).copied()
    }

    /// Rewrites line info file names to base names, so no build path ends up
    /// in the loader, and compacts the string section.
    fn strip_paths(&mut self, progs: &mut [ProgPlan]) {
        let mut renamed: BTreeMap<u32, u32> = BTreeMap::new();
        for p in progs.iter() {
            for l in &p.line_info {
                if renamed.contains_key(&l.file_name_off) {
                    continue;
                }
                let path = self.btf.str_at(l.file_name_off).to_string();
                let base = path.rsplit('/').next().unwrap_or(&path).to_string();
                let off = if base == path {
                    l.file_name_off
                } else {
                    self.btf.add_string(&base)
                };
                renamed.insert(l.file_name_off, off);
            }
        }
        for p in progs.iter_mut() {
            for l in &mut p.line_info {
                l.file_name_off = renamed[&l.file_name_off];
            }
        }
        let mut extra: Vec<&mut u32> = Vec::new();
        for p in progs.iter_mut() {
            for l in &mut p.line_info {
                extra.push(&mut l.file_name_off);
                extra.push(&mut l.line_off);
            }
            for c in &mut p.core_relos {
                extra.push(&mut c.access_str_off);
            }
        }
        self.btf.compact_strings(&mut extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libbpf_map_names() {
        assert_eq!(internal_map_name("iterators", ".rodata"), "iterator.rodata");
        assert_eq!(
            internal_map_name("iterators_bpf", ".rodata"),
            "iterator.rodata"
        );
        assert_eq!(internal_map_name("x", ".bss"), "x.bss");
        assert_eq!(
            internal_map_name("corpus", ".rodata.str1.1"),
            ".rodata.str1.1"
        );
        assert_eq!(
            internal_map_name("obj", ".data.very_long_section"),
            ".data.very_long"
        );
        assert_eq!(default_obj_name("/a/b/iterators.bpf.o"), "iterators");
    }
}
