// SPDX-License-Identifier: GPL-2.0
//! Byte order of the target kernel, and little helpers to read and write it.

use std::fmt;

/// The byte order of the kernel a loader is generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endian {
    /// Little-endian (`bpfel`, x86, arm64, ...).
    Little,
    /// Big-endian (`bpfeb`, s390x, ...).
    Big,
}

impl Endian {
    /// The byte order of the machine running this program.
    pub const fn host() -> Self {
        if cfg!(target_endian = "little") {
            Endian::Little
        } else {
            Endian::Big
        }
    }

    /// The value `target_endian` takes in a Rust `cfg` for this byte order.
    pub const fn cfg_name(self) -> &'static str {
        match self {
            Endian::Little => "little",
            Endian::Big => "big",
        }
    }

    /// Encodes a `u16`.
    pub fn u16(self, v: u16) -> [u8; 2] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }

    /// Encodes a `u32`.
    pub fn u32(self, v: u32) -> [u8; 4] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }

    /// Encodes a `u64`.
    pub fn u64(self, v: u64) -> [u8; 8] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }

    /// Decodes a `u16` from exactly two bytes.
    pub fn read_u16(self, b: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }
    }

    /// Decodes a `u32` from exactly four bytes.
    pub fn read_u32(self, b: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        }
    }

    /// Decodes a `u64` from exactly eight bytes.
    pub fn read_u64(self, b: [u8; 8]) -> u64 {
        match self {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        }
    }
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cfg_name())
    }
}

/// A bounds-checked cursor over a byte slice in a given byte order.
///
/// Every read returns `None` past the end instead of panicking, so parsers
/// can turn a short input into an error that names what was being read.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    endian: Endian,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8], endian: Endian) -> Self {
        Reader {
            data,
            pos: 0,
            endian,
        }
    }

    /// The current offset from the start.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Takes the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    /// Reads a `u16`.
    pub fn u16(&mut self) -> Option<u16> {
        Some(self.endian.read_u16(self.bytes(2)?.try_into().ok()?))
    }

    /// Reads a `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        Some(self.endian.read_u32(self.bytes(4)?.try_into().ok()?))
    }
}

/// A growable byte buffer written in a given byte order.
#[derive(Clone, Debug)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
    endian: Endian,
}

impl Writer {
    /// An empty buffer.
    pub fn new(endian: Endian) -> Self {
        Writer {
            buf: Vec::new(),
            endian,
        }
    }

    /// Appends a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Appends a `u16`.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&self.endian.u16(v));
    }

    /// Appends a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&self.endian.u32(v));
    }

    /// Appends a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&self.endian.u64(v));
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_stops_at_end() {
        let mut r = Reader::new(&[1, 0, 0, 0, 2], Endian::Little);
        assert_eq!(r.u32(), Some(1));
        assert_eq!(r.u32(), None);
        assert_eq!(r.u8(), Some(2));
        assert_eq!(r.u8(), None);
    }

    #[test]
    fn both_orders() {
        assert_eq!(Endian::Big.u32(0x0102_0304), [1, 2, 3, 4]);
        assert_eq!(Endian::Little.u32(0x0102_0304), [4, 3, 2, 1]);
        assert_eq!(Endian::Big.read_u16([1, 2]), 0x0102);
    }
}
