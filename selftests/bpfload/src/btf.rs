// SPDX-License-Identifier: GPL-2.0
//! A minimal BTF writer: enough types to give programs named functions.
//!
//! The blob is in native byte order, as `BPF_BTF_LOAD` expects.

const BTF_MAGIC: u16 = 0xeb9f;
const HDR_LEN: u32 = 24;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;

/// `BTF_INT_SIGNED` in an int's encoding word.
const INT_SIGNED: u32 = 1 << 24;

/// `BTF_FUNC_GLOBAL`, a function's linkage, kept in its vlen: what compilers
/// give a program's entry point.
const LINKAGE_GLOBAL: u32 = 1;

/// A BTF type section and string section under construction.
pub struct Builder {
    types: Vec<u8>,
    strings: Vec<u8>,
    last_id: u32,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            types: Vec::new(),
            // Offset 0 is the empty name.
            strings: vec![0],
            last_id: 0,
        }
    }
}

impl Builder {
    fn name(&mut self, name: &[u8]) -> u32 {
        if name.is_empty() {
            return 0;
        }
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(name);
        self.strings.push(0);
        off
    }

    fn word(&mut self, v: u32) {
        self.types.extend_from_slice(&v.to_ne_bytes());
    }

    /// Appends a `struct btf_type` header; returns the new type's id.
    fn header(&mut self, name: &[u8], kind: u32, vlen: u32, size_or_type: u32) -> u32 {
        let off = self.name(name);
        self.word(off);
        self.word((kind << 24) | vlen);
        self.word(size_or_type);
        self.last_id += 1;
        self.last_id
    }

    /// A 32-bit or smaller integer type.
    pub fn int(&mut self, name: &[u8], bytes: u32, signed: bool) -> u32 {
        let id = self.header(name, KIND_INT, 0, bytes);
        self.word(if signed { INT_SIGNED } else { 0 } | (bytes * 8));
        id
    }

    /// A pointer to type `target` (0 is void).
    pub fn ptr(&mut self, target: u32) -> u32 {
        self.header(b"", KIND_PTR, 0, target)
    }

    /// A function prototype returning `ret` with named parameters.
    pub fn func_proto(&mut self, ret: u32, params: &[(&[u8], u32)]) -> u32 {
        let id = self.header(b"", KIND_FUNC_PROTO, params.len() as u32, ret);
        for (name, ty) in params {
            let off = self.name(name);
            self.word(off);
            self.word(*ty);
        }
        id
    }

    /// A global function of prototype `proto`.
    pub fn func(&mut self, name: &[u8], proto: u32) -> u32 {
        self.header(name, KIND_FUNC, LINKAGE_GLOBAL, proto)
    }

    /// The blob: header, types, strings.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HDR_LEN as usize + self.types.len() + self.strings.len());
        out.extend_from_slice(&BTF_MAGIC.to_ne_bytes());
        out.push(1); // version
        out.push(0); // flags
        out.extend_from_slice(&HDR_LEN.to_ne_bytes());
        let type_len = self.types.len() as u32;
        for v in [0, type_len, type_len, self.strings.len() as u32] {
            out.extend_from_slice(&v.to_ne_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

/// BTF with one `int NAME(void *ctx)` function per name. Returns the blob and
/// the type id of each function, in the order of `names`.
pub fn funcs(names: &[&[u8]]) -> (Vec<u8>, Vec<u32>) {
    let mut b = Builder::default();
    let int = b.int(b"int", 4, true);
    let void_ptr = b.ptr(0);
    let proto = b.func_proto(int, &[(b"ctx", void_ptr)]);
    let ids = names.iter().map(|n| b.func(n, proto)).collect();
    (b.finish(), ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(b: &[u8]) -> Vec<u32> {
        b.chunks_exact(4)
            .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn one_function_blob_is_exact() {
        let (blob, ids) = funcs(&[b"f"]);
        assert_eq!(ids, [4]);
        let strings = b"\0int\0ctx\0f\0";
        let type_len = 4 * (4 + 3 + 3 + 2 + 3) as u32;
        assert_eq!(blob.len() as u32, HDR_LEN + type_len + strings.len() as u32);
        assert_eq!(u16::from_ne_bytes([blob[0], blob[1]]), 0xeb9f);
        assert_eq!(&blob[2..4], &[1, 0]);
        let w = words(&blob[4..]);
        assert_eq!(&w[..5], &[24, 0, type_len, type_len, strings.len() as u32]);
        let t = &w[5..5 + type_len as usize / 4];
        // [1] int: name "int", kind INT, size 4, signed 32 bits.
        assert_eq!(&t[0..4], &[1, KIND_INT << 24, 4, INT_SIGNED | 32]);
        // [2] void *.
        assert_eq!(&t[4..7], &[0, KIND_PTR << 24, 0]);
        // [3] int (void *ctx).
        assert_eq!(&t[7..12], &[0, (KIND_FUNC_PROTO << 24) | 1, 1, 5, 2]);
        // [4] global func "f" of type 3.
        assert_eq!(&t[12..15], &[9, (KIND_FUNC << 24) | 1, 3]);
        assert_eq!(&blob[blob.len() - strings.len()..], strings);
    }

    #[test]
    fn function_ids_follow_the_names() {
        let (_, ids) = funcs(&[b"a", b"b", b"c"]);
        assert_eq!(ids, [4, 5, 6]);
    }

    #[test]
    fn empty_names_share_offset_zero() {
        let mut b = Builder::default();
        let p = b.ptr(0);
        let blob = b.finish();
        assert_eq!(p, 1);
        // Header, one 12-byte type, the one-byte string section.
        assert_eq!(blob.len(), 24 + 12 + 1);
    }
}
