// SPDX-License-Identifier: GPL-2.0
//! BTF and BTF.ext: parsing, the fix-ups the kernel needs, and serialisation.
//!
//! Types are kept as raw 32-bit words (every BTF record is made of them), so
//! converting between byte orders is exact and unknown details survive a
//! round trip. Only what the generator needs is interpreted.

use std::collections::HashMap;
use std::rc::Rc;

use crate::endian::{Endian, Reader, Writer};
use crate::error::Error;

/// The BTF magic number.
pub const BTF_MAGIC: u16 = 0xeb9f;

pub const KIND_INT: u32 = 1;
pub const KIND_PTR: u32 = 2;
pub const KIND_ARRAY: u32 = 3;
pub const KIND_STRUCT: u32 = 4;
pub const KIND_UNION: u32 = 5;
pub const KIND_ENUM: u32 = 6;
pub const KIND_FWD: u32 = 7;
pub const KIND_TYPEDEF: u32 = 8;
pub const KIND_VOLATILE: u32 = 9;
pub const KIND_CONST: u32 = 10;
pub const KIND_RESTRICT: u32 = 11;
pub const KIND_FUNC: u32 = 12;
pub const KIND_FUNC_PROTO: u32 = 13;
pub const KIND_VAR: u32 = 14;
pub const KIND_DATASEC: u32 = 15;
pub const KIND_FLOAT: u32 = 16;
pub const KIND_DECL_TAG: u32 = 17;
pub const KIND_TYPE_TAG: u32 = 18;
pub const KIND_ENUM64: u32 = 19;

/// `BTF_VAR_STATIC`.
pub const VAR_STATIC: u32 = 0;
/// `BTF_VAR_GLOBAL_ALLOCATED`.
pub const VAR_GLOBAL_ALLOCATED: u32 = 1;
/// `BTF_VAR_GLOBAL_EXTERN`.
pub const VAR_GLOBAL_EXTERN: u32 = 2;
/// `BTF_FUNC_STATIC`.
pub const FUNC_STATIC: u32 = 0;
/// `BTF_FUNC_GLOBAL`.
pub const FUNC_GLOBAL: u32 = 1;

/// One BTF type record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Type {
    /// Offset of the name in the string section.
    pub name_off: u32,
    /// `info`: vlen (bits 0-15), kind (24-28), kind_flag (31).
    pub info: u32,
    /// `size` or `type`, depending on the kind.
    pub size_or_type: u32,
    /// The kind-specific words that follow the common header.
    pub data: Vec<u32>,
}

impl Type {
    /// The kind (`KIND_*`).
    pub fn kind(&self) -> u32 {
        (self.info >> 24) & 0x1f
    }

    /// The vlen field (members, params, linkage of a FUNC...).
    pub fn vlen(&self) -> u32 {
        self.info & 0xffff
    }

    /// Replaces the vlen field.
    pub fn set_vlen(&mut self, v: u32) {
        self.info = (self.info & !0xffff) | (v & 0xffff);
    }

    /// Words of trailing data per vlen entry, and fixed trailing words.
    fn layout(kind: u32) -> Option<(usize, usize)> {
        Some(match kind {
            KIND_INT => (0, 1),
            KIND_ARRAY => (0, 3),
            KIND_STRUCT | KIND_UNION => (3, 0),
            KIND_ENUM => (2, 0),
            KIND_FUNC_PROTO => (2, 0),
            KIND_VAR => (0, 1),
            KIND_DATASEC => (3, 0),
            KIND_DECL_TAG => (0, 1),
            KIND_ENUM64 => (3, 0),
            KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
            | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => (0, 0),
            _ => return None,
        })
    }

    /// Indices in `data` that hold string offsets.
    fn string_slots(&self) -> Vec<usize> {
        let (per, _) = Self::layout(self.kind()).unwrap_or((0, 0));
        match self.kind() {
            KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_FUNC_PROTO | KIND_ENUM64 => {
                (0..self.vlen() as usize).map(|i| i * per).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// A parsed BTF blob. Type id `n` is `types[n]`; `types[0]` is `void`.
#[derive(Clone, Debug)]
pub struct Btf {
    /// All types, with a placeholder at index 0.
    pub types: Vec<Type>,
    /// The string section.
    pub strings: Vec<u8>,
}

fn bad(what: impl Into<String>) -> Error {
    Error::Btf {
        section: ".BTF".into(),
        msg: what.into(),
    }
}

impl Btf {
    /// Parses a `.BTF` section; the byte order comes from the magic.
    pub fn parse(data: &[u8]) -> Result<Btf, Error> {
        if data.len() < 24 {
            return Err(bad(format!(
                "{} bytes is shorter than the 24-byte header",
                data.len()
            )));
        }
        let endian = match [data[0], data[1]] {
            [0x9f, 0xeb] => Endian::Little,
            [0xeb, 0x9f] => Endian::Big,
            m => return Err(bad(format!("bad magic {:02x}{:02x}", m[0], m[1]))),
        };
        let mut r = Reader::new(data, endian);
        r.u16();
        let version = r.u8().unwrap_or(0);
        if version != 1 {
            return Err(bad(format!("unsupported version {version}")));
        }
        r.u8();
        let words: Vec<u32> = (0..5).map(|_| r.u32().unwrap_or(0)).collect();
        let (hdr_len, type_off, type_len, str_off, str_len) = (
            words[0] as usize,
            words[1] as usize,
            words[2] as usize,
            words[3] as usize,
            words[4] as usize,
        );
        let range = |off: usize, len: usize, what: &str| {
            let start = hdr_len.checked_add(off);
            let end = start.and_then(|s| s.checked_add(len));
            match (start, end) {
                (Some(s), Some(e)) if e <= data.len() => Ok(&data[s..e]),
                _ => Err(bad(format!(
                    "{what} section at {off:#x}+{len:#x} is past the end"
                ))),
            }
        };
        let types_data = range(type_off, type_len, "type")?;
        let strings = range(str_off, str_len, "string")?.to_vec();
        if strings.first().is_some_and(|&b| b != 0) || strings.last().is_some_and(|&b| b != 0) {
            return Err(bad("string section must start and end with NUL"));
        }
        let mut types = vec![Type {
            name_off: 0,
            info: 0,
            size_or_type: 0,
            data: Vec::new(),
        }];
        let mut r = Reader::new(types_data, endian);
        while r.remaining() > 0 {
            let at = r.pos();
            let short = || bad(format!("type #{} at {at:#x} is truncated", types.len()));
            let name_off = r.u32().ok_or_else(short)?;
            let info = r.u32().ok_or_else(short)?;
            let size_or_type = r.u32().ok_or_else(short)?;
            let kind = (info >> 24) & 0x1f;
            let (per, fixed) = Type::layout(kind).ok_or_else(|| {
                bad(format!(
                    "type #{} at {at:#x} has unknown kind {kind}",
                    types.len()
                ))
            })?;
            let n = fixed + per * (info & 0xffff) as usize;
            let mut d = Vec::with_capacity(n);
            for _ in 0..n {
                d.push(r.u32().ok_or_else(short)?);
            }
            types.push(Type {
                name_off,
                info,
                size_or_type,
                data: d,
            });
        }
        let btf = Btf { types, strings };
        for (id, t) in btf.types.iter().enumerate().skip(1) {
            btf.check_str(t.name_off, id)?;
            for s in t.string_slots() {
                btf.check_str(t.data[s], id)?;
            }
        }
        Ok(btf)
    }

    fn check_str(&self, off: u32, id: usize) -> Result<(), Error> {
        if (off as usize) < self.strings.len() {
            Ok(())
        } else {
            Err(bad(format!(
                "type #{id} names string offset {off:#x} past the string section"
            )))
        }
    }

    /// The string at `off`, or `""` if out of range or not UTF-8.
    pub fn str_at(&self, off: u32) -> &str {
        let s = self.strings.get(off as usize..).unwrap_or(&[]);
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        std::str::from_utf8(&s[..end]).unwrap_or("")
    }

    /// A type by id.
    pub fn get(&self, id: u32) -> Option<&Type> {
        if id == 0 {
            return None;
        }
        self.types.get(id as usize)
    }

    /// The name of a type.
    pub fn name(&self, id: u32) -> &str {
        self.get(id).map_or("", |t| self.str_at(t.name_off))
    }

    /// The first type of `kind` named `name`.
    pub fn find(&self, name: &str, kind: u32) -> Option<u32> {
        (1..self.types.len() as u32).find(|&id| {
            let t = &self.types[id as usize];
            t.kind() == kind && self.str_at(t.name_off) == name
        })
    }

    /// Follows typedefs and qualifiers.
    pub fn skip_mods(&self, mut id: u32) -> u32 {
        for _ in 0..64 {
            match self.get(id) {
                Some(t)
                    if matches!(
                        t.kind(),
                        KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type
                }
                _ => break,
            }
        }
        id
    }

    /// The size in bytes of a type, as `btf__resolve_size` computes it.
    pub fn resolve_size(&self, id: u32) -> Option<u64> {
        let mut id = id;
        let mut mul: u64 = 1;
        for _ in 0..64 {
            let t = self.get(id)?;
            match t.kind() {
                KIND_INT | KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_ENUM64 | KIND_FLOAT
                | KIND_DATASEC => return mul.checked_mul(u64::from(t.size_or_type)),
                KIND_PTR => return mul.checked_mul(8),
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                | KIND_VAR => id = t.size_or_type,
                KIND_ARRAY => {
                    mul = mul.checked_mul(u64::from(t.data[2]))?;
                    id = t.data[0];
                }
                _ => return None,
            }
        }
        None
    }

    /// Appends a string (or finds an equal one) and returns its offset.
    pub fn add_string(&mut self, s: &str) -> u32 {
        let needle: Vec<u8> = s.bytes().chain(std::iter::once(0)).collect();
        let mut start = 0;
        for (i, &b) in self.strings.iter().enumerate() {
            if b == 0 {
                if self.strings[start..=i] == needle[..] {
                    return start as u32;
                }
                start = i + 1;
            }
        }
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(&needle);
        off
    }

    /// Appends a type and returns its id.
    pub fn add_type(&mut self, t: Type) -> u32 {
        self.types.push(t);
        (self.types.len() - 1) as u32
    }

    /// Rebuilds the string section from the strings still referenced.
    ///
    /// `extra` holds offsets used outside the types (line info, CO-RE access
    /// strings); they are rewritten in place. Strings nobody references, such
    /// as a build path replaced earlier, disappear. The order is first use,
    /// so the result depends only on the content.
    pub fn compact_strings(&mut self, extra: &mut [&mut u32]) {
        let mut table = StringTable::default();
        let old = std::mem::take(&mut self.strings);
        let lookup = |off: u32| -> Vec<u8> {
            let s = old.get(off as usize..).unwrap_or(&[]);
            let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
            s[..end].to_vec()
        };
        for t in self.types.iter_mut().skip(1) {
            t.name_off = table.add(&lookup(t.name_off));
            for s in t.string_slots() {
                t.data[s] = table.add(&lookup(t.data[s]));
            }
        }
        for off in extra.iter_mut() {
            **off = table.add(&lookup(**off));
        }
        self.strings = table.data;
    }

    /// Serialises in `endian`.
    pub fn encode(&self, endian: Endian) -> Vec<u8> {
        let mut types = Writer::new(endian);
        for t in self.types.iter().skip(1) {
            types.u32(t.name_off);
            types.u32(t.info);
            types.u32(t.size_or_type);
            for &w in &t.data {
                types.u32(w);
            }
        }
        let mut w = Writer::new(endian);
        w.u16(BTF_MAGIC);
        w.u8(1);
        w.u8(0);
        w.u32(24);
        w.u32(0);
        w.u32(types.buf.len() as u32);
        w.u32(types.buf.len() as u32);
        w.u32(self.strings.len() as u32);
        w.bytes(&types.buf);
        w.bytes(&self.strings);
        w.buf
    }
}

/// How deep structs and arrays may nest in a value converted between byte
/// orders; deeper (or cyclic) types are refused.
const MAX_NESTING: u32 = 32;

/// What converting a value of one type between byte orders takes, computed
/// once per type (see [`Btf::swap_datasec`]).
#[derive(Clone, Debug)]
struct Swap {
    /// Struct and array levels below the type: 0 for a scalar.
    height: u32,
    /// The bytes to reverse; `None` if the type holds nothing wider than a byte.
    span: Option<Span>,
}

/// The bytes a conversion reverses in a value of some type.
#[derive(Clone, Debug)]
struct Span {
    /// The type's size: every reversed byte lies within it.
    size: u64,
    /// Where `node` starts in the value: a struct with one member to
    /// convert is converted as that member, so chains cost nothing.
    shift: u64,
    node: Node,
}

#[derive(Clone, Debug)]
enum Node {
    /// One scalar of this many bytes.
    Scalar(u64),
    /// `count` (two or more) values of type `elem`, `stride` bytes apart.
    Array { elem: u32, stride: u64, count: u64 },
    /// Two or more disjoint members: (type, offset).
    Members(Rc<[(u32, u64)]>),
}

/// A member (or variable) to convert: offset, type, name, span.
type Part<'b> = (u64, u32, &'b str, Span);

/// Sorts `parts`, merges those of one type at one offset (the same value)
/// and refuses any others that share a byte: they have no one conversion.
fn disjoint(parts: &mut Vec<Part<'_>>, what: &str, owner: &str) -> Result<(), String> {
    parts.sort_by_key(|p| (p.0, p.1));
    parts.dedup_by_key(|p| (p.0, p.1));
    for w in parts.windows(2) {
        if w[1].0 < w[0].0.saturating_add(w[0].3.size) {
            return Err(format!(
                "{what} `{}` and `{}` of `{owner}` overlap: they cannot be converted between byte orders",
                w[0].2, w[1].2
            ));
        }
    }
    Ok(())
}

impl Btf {
    /// Converts global data laid out as DATASEC `sec` between byte orders,
    /// swapping every scalar its variables hold. Bytes no variable covers
    /// (string literals, padding) are left alone.
    ///
    /// Each type's conversion is worked out once, and nodes with one part
    /// collapse into it, so the cost is linear in the BTF plus the value
    /// however types are shared. Parts of a struct (or variables) of
    /// different types over the same bytes are refused; so are members past
    /// their struct's end, which the kernel refuses too.
    pub fn swap_datasec(&self, sec: u32, data: &mut [u8]) -> Result<(), String> {
        let t = self.get(sec).ok_or("no such DATASEC")?;
        let mut memo = HashMap::new();
        let mut vars = Vec::new();
        for c in t.data.chunks_exact(3) {
            let var = self.get(c[0]).ok_or("DATASEC entry without type")?;
            if var.kind() != KIND_VAR {
                continue;
            }
            let s = self.swap_of(var.size_or_type, 0, &mut memo)?;
            if s.height > MAX_NESTING {
                return Err("type nesting too deep".into());
            }
            let Some(span) = s.span else { continue };
            let name = self.str_at(var.name_off);
            let off = u64::from(c[1]);
            if off.saturating_add(span.size) > data.len() as u64 {
                return Err(format!(
                    "`{name}` at {off:#x}+{} is outside the section",
                    span.size
                ));
            }
            vars.push((off, self.skip_mods(var.size_or_type), name, span));
        }
        disjoint(&mut vars, "variables", self.name(sec))?;
        // (type, offset, stride, count): `count` values `stride` bytes apart.
        let mut work: Vec<(u32, u64, u64, u64)> = vars.iter().map(|v| (v.1, v.0, 0, 1)).collect();
        while let Some((id, at, stride, count)) = work.pop() {
            if count > 1 {
                work.push((id, at + stride, stride, count - 1));
            }
            let Some(span) = memo.get(&id).and_then(|s: &Swap| s.span.as_ref()) else {
                continue;
            };
            let at = at + span.shift;
            match &span.node {
                Node::Scalar(n) => {
                    // In range by the checks above; an error all the same.
                    let s = usize::try_from(at)
                        .ok()
                        .zip(usize::try_from(at + n).ok())
                        .and_then(|(a, b)| data.get_mut(a..b))
                        .ok_or_else(|| format!("value at {at:#x}+{n} is outside the section"))?;
                    s.reverse();
                }
                &Node::Array {
                    elem,
                    stride,
                    count,
                } => work.push((elem, at, stride, count)),
                Node::Members(m) => work.extend(m.iter().map(|&(id, off)| (id, at + off, 0, 1))),
            }
        }
        Ok(())
    }

    /// The conversion of type `id`, met `depth` struct and array levels
    /// below a variable; `memo` holds every type's once worked out.
    fn swap_of(&self, id: u32, depth: u32, memo: &mut HashMap<u32, Swap>) -> Result<Swap, String> {
        let id = self.skip_mods(id);
        if let Some(s) = memo.get(&id) {
            return Ok(s.clone());
        }
        if depth > MAX_NESTING {
            return Err("type nesting too deep".into());
        }
        let scalar = |n: u64| Swap {
            height: 0,
            span: (n > 1).then_some(Span {
                size: n,
                shift: 0,
                node: Node::Scalar(n),
            }),
        };
        let none = Swap {
            height: 0,
            span: None,
        };
        let Some(t) = self.get(id) else {
            return Ok(none);
        };
        let swap = match t.kind() {
            KIND_INT | KIND_ENUM | KIND_ENUM64 | KIND_FLOAT => scalar(u64::from(t.size_or_type)),
            KIND_PTR => scalar(8),
            KIND_ARRAY if t.data[2] == 0 => none,
            KIND_ARRAY => {
                let e = self.swap_of(t.data[0], depth + 1, memo)?;
                let count = u64::from(t.data[2]);
                let span = match e.span {
                    Some(es) => {
                        let size = es.size.checked_mul(count).ok_or_else(|| {
                            format!(
                                "array of {count} elements of {} bytes is too large",
                                es.size
                            )
                        })?;
                        Some(if count == 1 {
                            Span { size, ..es }
                        } else {
                            Span {
                                size,
                                shift: 0,
                                node: Node::Array {
                                    elem: self.skip_mods(t.data[0]),
                                    stride: es.size,
                                    count,
                                },
                            }
                        })
                    }
                    None => None,
                };
                Swap {
                    height: e.height + 1,
                    span,
                }
            }
            KIND_STRUCT | KIND_UNION => self.swap_of_record(id, t, depth, memo)?,
            _ => none,
        };
        memo.insert(id, swap.clone());
        Ok(swap)
    }

    /// [`Btf::swap_of`] for a struct or union: a union is converted as its
    /// first member.
    fn swap_of_record(
        &self,
        id: u32,
        t: &Type,
        depth: u32,
        memo: &mut HashMap<u32, Swap>,
    ) -> Result<Swap, String> {
        let size = u64::from(t.size_or_type);
        let bitfields = t.info >> 31 == 1;
        let members = if t.kind() == KIND_UNION {
            t.vlen().min(1)
        } else {
            t.vlen()
        };
        let mut height = 0;
        let mut parts = Vec::new();
        for m in t.data.chunks_exact(3).take(members as usize) {
            let (bit_off, bits) = if bitfields {
                (m[2] & 0xff_ffff, m[2] >> 24)
            } else {
                (m[2], 0)
            };
            if bits != 0 || bit_off % 8 != 0 {
                return Err(format!(
                    "bitfield in `{}` cannot be converted between byte orders",
                    self.name(id)
                ));
            }
            let s = self.swap_of(m[1], depth + 1, memo)?;
            height = height.max(s.height + 1);
            let Some(span) = s.span else { continue };
            let name = self.str_at(m[0]);
            let off = u64::from(bit_off / 8);
            if off.saturating_add(span.size) > size {
                return Err(format!(
                    "member `{name}` of `{}` at {off:#x}+{} is past its {size} bytes",
                    self.name(id),
                    span.size
                ));
            }
            parts.push((off, self.skip_mods(m[1]), name, span));
        }
        disjoint(&mut parts, "members", self.name(id))?;
        let span = match parts.len() {
            0 => None,
            1 => parts.pop().map(|(off, _, _, s)| Span {
                size,
                shift: off + s.shift,
                node: s.node,
            }),
            _ => Some(Span {
                size,
                shift: 0,
                node: Node::Members(parts.iter().map(|p| (p.1, p.0)).collect()),
            }),
        };
        Ok(Swap { height, span })
    }
}

/// A deduplicating string section under construction.
#[derive(Debug)]
struct StringTable {
    data: Vec<u8>,
    index: HashMap<Vec<u8>, u32>,
}

impl Default for StringTable {
    fn default() -> Self {
        let mut index = HashMap::new();
        index.insert(Vec::new(), 0);
        StringTable {
            data: vec![0],
            index,
        }
    }
}

impl StringTable {
    fn add(&mut self, s: &[u8]) -> u32 {
        if let Some(&off) = self.index.get(s) {
            return off;
        }
        let off = self.data.len() as u32;
        self.data.extend_from_slice(s);
        self.data.push(0);
        self.index.insert(s.to_vec(), off);
        off
    }
}

/// A `bpf_func_info` record (offsets in instructions once rebased).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    /// Instruction offset (bytes in the ELF, instructions after planning).
    pub insn_off: u32,
    /// The FUNC type id.
    pub type_id: u32,
}

/// A `bpf_line_info` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInfo {
    /// Instruction offset (bytes in the ELF, instructions after planning).
    pub insn_off: u32,
    /// String offset of the file name.
    pub file_name_off: u32,
    /// String offset of the source line.
    pub line_off: u32,
    /// Line number and column.
    pub line_col: u32,
}

/// A `bpf_core_relo` record; the kernel takes `insn_off` in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreRelo {
    /// Byte offset of the instruction.
    pub insn_off: u32,
    /// Local type id.
    pub type_id: u32,
    /// String offset of the access specification.
    pub access_str_off: u32,
    /// `enum bpf_core_relo_kind`.
    pub kind: u32,
}

/// The records of `.BTF.ext` for one ELF section.
#[derive(Clone, Debug, Default)]
pub struct ExtSection {
    /// Function records.
    pub func_info: Vec<FuncInfo>,
    /// Line records.
    pub line_info: Vec<LineInfo>,
    /// CO-RE relocations.
    pub core_relos: Vec<CoreRelo>,
}

/// Parses `.BTF.ext` into records keyed by section name.
pub fn parse_ext(data: &[u8], btf: &Btf) -> Result<HashMap<String, ExtSection>, Error> {
    let bad = |msg: String| Error::Btf {
        section: ".BTF.ext".into(),
        msg,
    };
    if data.len() < 8 {
        return Err(bad(format!(
            "{} bytes is shorter than the header",
            data.len()
        )));
    }
    let endian = match [data[0], data[1]] {
        [0x9f, 0xeb] => Endian::Little,
        [0xeb, 0x9f] => Endian::Big,
        m => return Err(bad(format!("bad magic {:02x}{:02x}", m[0], m[1]))),
    };
    let mut r = Reader::new(data, endian);
    r.bytes(4);
    let hdr_len = r.u32().unwrap_or(0) as usize;
    if hdr_len < 24 || hdr_len > data.len() {
        return Err(bad(format!("header length {hdr_len} is invalid")));
    }
    let mut hdr = Vec::new();
    while r.pos() + 4 <= hdr_len {
        hdr.push(r.u32().unwrap_or(0) as usize);
    }
    let mut out: HashMap<String, ExtSection> = HashMap::new();
    let mut parts = vec![(0usize, hdr[0], hdr[1]), (1, hdr[2], hdr[3])];
    if hdr.len() >= 6 {
        parts.push((2, hdr[4], hdr[5]));
    }
    for (which, off, len) in parts {
        if len == 0 {
            continue;
        }
        let what = ["func_info", "line_info", "core_relo"][which];
        let min = [8usize, 16, 16][which];
        let start = hdr_len
            .checked_add(off)
            .filter(|s| s.checked_add(len).is_some_and(|e| e <= data.len()));
        let Some(start) = start else {
            return Err(bad(format!("{what} at {off:#x}+{len:#x} is past the end")));
        };
        let mut r = Reader::new(&data[start..start + len], endian);
        let rec_size =
            r.u32()
                .ok_or_else(|| bad(format!("{what}: truncated record size")))? as usize;
        if rec_size < min || rec_size % 4 != 0 {
            return Err(bad(format!("{what}: record size {rec_size} is invalid")));
        }
        while r.remaining() > 0 {
            let at = r.pos();
            let short = || bad(format!("{what}: truncated at {:#x}", off + at));
            let sec_off = r.u32().ok_or_else(short)?;
            let n = r.u32().ok_or_else(short)? as usize;
            let name = btf.str_at(sec_off).to_string();
            if name.is_empty() {
                return Err(bad(format!(
                    "{what}: section name offset {sec_off:#x} is invalid"
                )));
            }
            let sec = out.entry(name).or_default();
            for _ in 0..n {
                let rec = r.bytes(rec_size).ok_or_else(short)?;
                let mut rr = Reader::new(rec, endian);
                let w: Vec<u32> = (0..min / 4).map(|_| rr.u32().unwrap_or(0)).collect();
                match which {
                    0 => sec.func_info.push(FuncInfo {
                        insn_off: w[0],
                        type_id: w[1],
                    }),
                    1 => sec.line_info.push(LineInfo {
                        insn_off: w[0],
                        file_name_off: w[1],
                        line_off: w[2],
                        line_col: w[3],
                    }),
                    _ => sec.core_relos.push(CoreRelo {
                        insn_off: w[0],
                        type_id: w[1],
                        access_str_off: w[2],
                        kind: w[3],
                    }),
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Btf {
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
            info: KIND_INT << 24,
            size_or_type: 4,
            data: vec![32],
        });
        let s = b.add_string("s");
        let f = b.add_string("f");
        b.add_type(Type {
            name_off: s,
            info: (KIND_STRUCT << 24) | 1,
            size_or_type: 4,
            data: vec![f, 1, 0],
        });
        b
    }

    #[test]
    fn round_trip_and_sizes() {
        let b = sample();
        for e in [Endian::Little, Endian::Big] {
            let p = Btf::parse(&b.encode(e)).unwrap();
            assert_eq!(p.types, b.types);
            assert_eq!(p.name(2), "s");
            assert_eq!(p.resolve_size(2), Some(4));
        }
    }

    #[test]
    fn compact_drops_unused() {
        let mut b = sample();
        b.add_string("/very/long/host/path.c");
        let mut line = b.add_string("path.c");
        b.compact_strings(&mut [&mut line]);
        assert_eq!(b.str_at(line), "path.c");
        let mut b2 = sample();
        let mut line2 = b2.add_string("path.c");
        b2.compact_strings(&mut [&mut line2]);
        assert_eq!(b.strings, b2.strings);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Btf::parse(&[0u8; 10]).is_err());
        let mut e = sample().encode(Endian::Little);
        e.truncate(e.len() - 30);
        assert!(Btf::parse(&e).is_err());
        let mut e = sample().encode(Endian::Little);
        e[24 + 7] = 30; // kind 30 in the first type
        assert!(matches!(Btf::parse(&e), Err(Error::Btf { .. })));
    }
}
