// SPDX-License-Identifier: GPL-2.0
//! BTF and BTF.ext: parsing, the fix-ups the kernel needs, and serialisation.
//!
//! Types are kept as raw 32-bit words (every BTF record is made of them), so
//! converting between byte orders is exact and unknown details survive a
//! round trip. Only what the generator needs is interpreted.

use std::collections::HashMap;

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

impl Btf {
    /// Converts global data laid out as DATASEC `sec` between byte orders,
    /// swapping every scalar its variables hold. Bytes no variable covers
    /// (string literals, padding) are left alone.
    pub fn swap_datasec(&self, sec: u32, data: &mut [u8]) -> Result<(), String> {
        let t = self.get(sec).ok_or("no such DATASEC")?;
        for c in t.data.chunks_exact(3) {
            let var = self.get(c[0]).ok_or("DATASEC entry without type")?;
            let off = c[1] as usize;
            if var.kind() == KIND_VAR {
                self.swap_type(var.size_or_type, data, off, 0)?;
            }
        }
        Ok(())
    }

    fn swap_type(&self, id: u32, data: &mut [u8], off: usize, depth: u32) -> Result<(), String> {
        if depth > 32 {
            return Err("type nesting too deep".into());
        }
        let id = self.skip_mods(id);
        let Some(t) = self.get(id) else { return Ok(()) };
        let swap = |data: &mut [u8], n: usize| -> Result<(), String> {
            let s = data
                .get_mut(off..off + n)
                .ok_or_else(|| format!("value at {off:#x}+{n} is outside the section"))?;
            s.reverse();
            Ok(())
        };
        match t.kind() {
            KIND_INT | KIND_ENUM | KIND_ENUM64 | KIND_FLOAT => {
                let n = t.size_or_type as usize;
                if n > 1 {
                    swap(data, n)?;
                }
            }
            KIND_PTR => swap(data, 8)?,
            KIND_ARRAY => {
                let elem = t.data[0];
                let size = self.resolve_size(elem).ok_or("unsized array element")? as usize;
                let n = t.data[2] as usize;
                if size == 0 {
                    return Ok(());
                }
                if n.checked_mul(size)
                    .and_then(|l| l.checked_add(off))
                    .is_none_or(|end| end > data.len())
                {
                    return Err(format!("array at {off:#x} is outside the section"));
                }
                for i in 0..n {
                    self.swap_type(elem, data, off + i * size, depth + 1)?;
                }
            }
            KIND_STRUCT | KIND_UNION => {
                let bitfields = t.info >> 31 == 1;
                let members = if t.kind() == KIND_UNION {
                    t.vlen().min(1)
                } else {
                    t.vlen()
                };
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
                    self.swap_type(m[1], data, off + (bit_off / 8) as usize, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
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
