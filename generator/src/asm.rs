// SPDX-License-Identifier: GPL-2.0
//! A small BPF assembler with labels and a fix-up pass.
//!
//! Jumps name a [`Label`]; [`Asm::finish`] computes every offset once all
//! code is emitted, so nobody counts instructions by hand.

use crate::error::Error;
use crate::insn::*;

/// Register numbers.
pub const R0: u8 = 0;
pub const R1: u8 = 1;
pub const R2: u8 = 2;
pub const R3: u8 = 3;
pub const R4: u8 = 4;
pub const R6: u8 = 6;
pub const R7: u8 = 7;
pub const R8: u8 = 8;
pub const R9: u8 = 9;
pub const R10: u8 = 10;

/// A position in the instruction stream, bound once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// An instruction stream under construction.
#[derive(Debug, Default)]
pub struct Asm {
    insns: Vec<Insn>,
    labels: Vec<Option<usize>>,
    fixups: Vec<(usize, Label)>,
}

impl Asm {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of instruction slots emitted so far.
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Whether nothing was emitted yet.
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// A new, unbound label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Binds `l` to the next instruction; binding twice is a bug reported by `finish`.
    pub fn bind(&mut self, l: Label) {
        if self.labels[l.0].is_some() {
            self.fixups.push((usize::MAX, l));
        }
        self.labels[l.0] = Some(self.insns.len());
    }

    /// Emits a raw instruction.
    pub fn emit(&mut self, i: Insn) {
        self.insns.push(i);
    }

    /// `dst = src` (64-bit).
    pub fn mov_reg(&mut self, dst: u8, src: u8) {
        self.emit(Insn::new(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
    }

    /// `dst = imm` (64-bit, sign-extended).
    pub fn mov_imm(&mut self, dst: u8, imm: i32) {
        self.emit(Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
    }

    /// `dst += imm` (64-bit).
    pub fn add_imm(&mut self, dst: u8, imm: i32) {
        self.emit(Insn::new(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm));
    }

    /// `dst &= imm` (64-bit).
    pub fn and_imm(&mut self, dst: u8, imm: i32) {
        self.emit(Insn::new(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm));
    }

    /// `dst = -dst` (64-bit).
    pub fn neg(&mut self, dst: u8) {
        self.emit(Insn::new(BPF_ALU64 | BPF_NEG | BPF_K, dst, 0, 0, 0));
    }

    /// `dst >>= imm` (64-bit, logical).
    pub fn rsh_imm(&mut self, dst: u8, imm: i32) {
        self.emit(Insn::new(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm));
    }

    /// `dst = *(size *)(src + off)`.
    pub fn ldx(&mut self, size: u8, dst: u8, src: u8, off: i16) {
        self.emit(Insn::new(BPF_LDX | BPF_MEM | size, dst, src, off, 0));
    }

    /// `*(size *)(dst + off) = src`.
    pub fn stx(&mut self, size: u8, dst: u8, src: u8, off: i16) {
        self.emit(Insn::new(BPF_STX | BPF_MEM | size, dst, src, off, 0));
    }

    /// `*(size *)(dst + off) = imm`.
    pub fn st_imm(&mut self, size: u8, dst: u8, off: i16, imm: i32) {
        self.emit(Insn::new(BPF_ST | BPF_MEM | size, dst, 0, off, imm));
    }

    /// `ld_imm64` with a pseudo source (two slots).
    pub fn ld_imm64(&mut self, dst: u8, src: u8, imm: i32, imm2: i32) {
        self.emit(Insn::new(LD_IMM64, dst, src, 0, imm));
        self.emit(Insn::new(0, 0, 0, 0, imm2));
    }

    /// Calls helper `id`.
    pub fn call(&mut self, id: i32) {
        self.emit(Insn::new(CALL, 0, 0, 0, id));
    }

    /// Returns from the program.
    pub fn exit(&mut self) {
        self.emit(Insn::new(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }

    /// Jumps to `target` unconditionally.
    pub fn ja(&mut self, target: Label) {
        self.fixups.push((self.insns.len(), target));
        self.emit(Insn::new(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    }

    /// Jumps to `target` if `reg op imm` (`op` is `BPF_JEQ`, `BPF_JSLT`...).
    pub fn jmp_imm(&mut self, op: u8, reg: u8, imm: i32, target: Label) {
        self.fixups.push((self.insns.len(), target));
        self.emit(Insn::new(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
    }

    /// Resolves every jump and returns the instructions.
    pub fn finish(mut self) -> Result<Vec<Insn>, Error> {
        for &(at, l) in &self.fixups {
            if at == usize::MAX {
                return Err(Error::Asm(format!("label {} bound twice", l.0)));
            }
            let target =
                self.labels[l.0].ok_or_else(|| Error::Asm(format!("label {} never bound", l.0)))?;
            let off = target as i64 - at as i64 - 1;
            if off == -1 {
                return Err(Error::Asm(format!("jump at {at} would loop on itself")));
            }
            let off = i16::try_from(off).map_err(|_| {
                Error::Asm(format!("jump at {at} to {target} does not fit in 16 bits"))
            })?;
            self.insns[at].off = off;
        }
        Ok(self.insns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_and_backward() {
        let mut a = Asm::new();
        let top = a.label();
        let end = a.label();
        a.bind(top);
        a.mov_imm(R0, 0);
        a.jmp_imm(BPF_JEQ, R0, 0, end);
        a.ja(top);
        a.bind(end);
        a.exit();
        let p = a.finish().unwrap();
        assert_eq!(p[1].off, 1);
        assert_eq!(p[2].off, -3);
    }

    #[test]
    fn errors() {
        let mut a = Asm::new();
        let l = a.label();
        a.ja(l);
        assert!(a.finish().is_err(), "unbound label");

        let mut a = Asm::new();
        let l = a.label();
        a.bind(l);
        a.ja(l);
        assert!(a.finish().unwrap_err().to_string().contains("itself"));

        let mut a = Asm::new();
        let l = a.label();
        a.ja(l);
        for _ in 0..40000 {
            a.mov_imm(R0, 0);
        }
        a.bind(l);
        a.exit();
        assert!(a.finish().unwrap_err().to_string().contains("16 bits"));
    }
}
