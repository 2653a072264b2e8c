// SPDX-License-Identifier: GPL-2.0
//! Errors of the generator; each names the section, symbol or offset at fault.

/// Everything that can go wrong turning an object into a loader.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ELF container itself is malformed.
    #[error("malformed ELF: {0}")]
    Elf(String),
    /// The ELF is fine but not a BPF object we can use.
    #[error("not a BPF object: {0}")]
    NotBpf(String),
    /// `.BTF` or `.BTF.ext` is missing or malformed.
    #[error("section `{section}`: {msg}")]
    Btf {
        /// The section at fault.
        section: String,
        /// What is wrong.
        msg: String,
    },
    /// A section has an unsupported or malformed relocation.
    #[error("section `{section}`: relocation #{index} at {offset:#x} against `{symbol}`: {msg}")]
    Reloc {
        /// The section holding the instruction.
        section: String,
        /// Index of the relocation in its table.
        index: usize,
        /// Byte offset in the section.
        offset: u64,
        /// The symbol the relocation refers to.
        symbol: String,
        /// What is wrong.
        msg: String,
    },
    /// A map definition cannot be turned into a map.
    #[error("map `{map}`: {msg}")]
    Map {
        /// The map name.
        map: String,
        /// What is wrong.
        msg: String,
    },
    /// A program cannot be loaded as written.
    #[error("program `{prog}` in section `{section}`: {msg}")]
    Prog {
        /// The program name.
        prog: String,
        /// Its ELF section.
        section: String,
        /// What is wrong.
        msg: String,
    },
    /// The object exceeds a limit of the loader.
    #[error("limit exceeded: {what} is {got}, at most {max} supported")]
    Limit {
        /// The limit's name.
        what: &'static str,
        /// The value the object needs.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// Two names of the object (or one and the skeleton's own) become the
    /// same identifier in one scope of the generated source.
    #[error("{first} and {second} both become `{ident}` in {scope}: rename one of them")]
    Name {
        /// The scope, e.g. "the C skeleton's program members".
        scope: String,
        /// The identifier both would take.
        ident: String,
        /// What claimed it first.
        first: String,
        /// What claimed it second.
        second: String,
    },
    /// A name cannot be used in generated source.
    #[error("{what} `{name}` cannot be used: {why}")]
    BadName {
        /// What the name names.
        what: String,
        /// The name, escaped for printing.
        name: String,
        /// Why not.
        why: String,
    },
    /// The loader program could not be assembled.
    #[error("assembler: {0}")]
    Asm(String),
    /// A loader of another byte order than the object's was asked for.
    /// There is no faithful conversion: clang folds byte-order-dependent
    /// constants into the code (a string stored through an immediate).
    #[error(
        "the object is {object}-endian: a {target}-endian loader needs the object \
         compiled for {target}-endian BPF (clang -target {})",
        if *.target == crate::Endian::Big { "bpfeb" } else { "bpfel" }
    )]
    ByteOrder {
        /// The object's byte order.
        object: crate::Endian,
        /// The byte order asked for.
        target: crate::Endian,
    },
}
