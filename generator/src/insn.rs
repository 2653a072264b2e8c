// SPDX-License-Identifier: GPL-2.0
//! BPF instructions: a byte-order-free model, decoding and encoding.

use crate::endian::Endian;

/// Size of one instruction slot in bytes.
pub const INSN_SIZE: usize = 8;

// Instruction classes.
pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;

// Sizes.
pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;

// Modes.
pub const BPF_IMM: u8 = 0x00;
pub const BPF_MEM: u8 = 0x60;

// Operations.
pub const BPF_ADD: u8 = 0x00;
pub const BPF_AND: u8 = 0x50;
pub const BPF_RSH: u8 = 0x70;
pub const BPF_NEG: u8 = 0x80;
pub const BPF_MOV: u8 = 0xb0;

// Jumps.
pub const BPF_JA: u8 = 0x00;
pub const BPF_JEQ: u8 = 0x10;
pub const BPF_JNE: u8 = 0x50;
pub const BPF_JSGE: u8 = 0x70;
pub const BPF_CALL: u8 = 0x80;
pub const BPF_EXIT: u8 = 0x90;
pub const BPF_JSLT: u8 = 0xc0;

// Sources.
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;

/// `ld_imm64` opcode.
pub const LD_IMM64: u8 = BPF_LD | BPF_DW | BPF_IMM;
/// Call opcode.
pub const CALL: u8 = BPF_JMP | BPF_CALL;

// `src_reg` values of `ld_imm64` and calls.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
pub const BPF_PSEUDO_FUNC: u8 = 4;
pub const BPF_PSEUDO_MAP_IDX: u8 = 5;
pub const BPF_PSEUDO_MAP_IDX_VALUE: u8 = 6;
pub const BPF_PSEUDO_CALL: u8 = 1;
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;

/// One instruction slot (an `ld_imm64` takes two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Insn {
    /// Opcode.
    pub code: u8,
    /// Destination register.
    pub dst: u8,
    /// Source register (or pseudo source for `ld_imm64` and calls).
    pub src: u8,
    /// Signed offset.
    pub off: i16,
    /// Signed immediate.
    pub imm: i32,
}

impl Insn {
    /// Builds an instruction from its fields.
    pub const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Self {
        Insn {
            code,
            dst,
            src,
            off,
            imm,
        }
    }

    /// Decodes one slot; `b` must hold at least eight bytes.
    pub fn decode(b: &[u8], endian: Endian) -> Self {
        let regs = b[1];
        let (dst, src) = match endian {
            Endian::Little => (regs & 0xf, regs >> 4),
            Endian::Big => (regs >> 4, regs & 0xf),
        };
        Insn {
            code: b[0],
            dst,
            src,
            off: endian.read_u16([b[2], b[3]]) as i16,
            imm: endian.read_u32([b[4], b[5], b[6], b[7]]) as i32,
        }
    }

    /// Encodes one slot.
    pub fn encode(&self, endian: Endian) -> [u8; INSN_SIZE] {
        let regs = match endian {
            Endian::Little => (self.src << 4) | (self.dst & 0xf),
            Endian::Big => (self.dst << 4) | (self.src & 0xf),
        };
        let off = endian.u16(self.off as u16);
        let imm = endian.u32(self.imm as u32);
        [
            self.code, regs, off[0], off[1], imm[0], imm[1], imm[2], imm[3],
        ]
    }

    /// The instruction class.
    pub fn class(&self) -> u8 {
        self.code & 0x07
    }

    /// Whether this is the first slot of an `ld_imm64`.
    pub fn is_ld_imm64(&self) -> bool {
        self.code == LD_IMM64
    }

    /// Whether this is a call to a BPF subprogram.
    pub fn is_pseudo_call(&self) -> bool {
        self.code == CALL && self.src == BPF_PSEUDO_CALL
    }

    /// Whether this loads the address of a BPF subprogram (callbacks).
    pub fn is_pseudo_func(&self) -> bool {
        self.is_ld_imm64() && self.src == BPF_PSEUDO_FUNC
    }
}

/// Decodes a whole instruction stream; `b.len()` must be a multiple of 8.
pub fn decode_all(b: &[u8], endian: Endian) -> Vec<Insn> {
    b.chunks_exact(INSN_SIZE)
        .map(|c| Insn::decode(c, endian))
        .collect()
}

/// Encodes a whole instruction stream.
pub fn encode_all(insns: &[Insn], endian: Endian) -> Vec<u8> {
    let mut out = Vec::with_capacity(insns.len() * INSN_SIZE);
    for i in insns {
        out.extend_from_slice(&i.encode(endian));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both_orders() {
        let i = Insn::new(LD_IMM64, 1, BPF_PSEUDO_MAP_IDX_VALUE, -3, -42);
        for e in [Endian::Little, Endian::Big] {
            assert_eq!(Insn::decode(&i.encode(e), e), i);
        }
        assert_eq!(i.encode(Endian::Little)[1], 0x61);
        assert_eq!(i.encode(Endian::Big)[1], 0x16);
    }
}
