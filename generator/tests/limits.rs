// SPDX-License-Identifier: GPL-2.0
//! Hostile shapes: BTF and call graphs that must cost time linear in their
//! size and fail, if at all, with an error, never a hang or a stack overflow.

mod common;

use std::time::{Duration, Instant};

use bpf_lskel::btf::{self, Btf, Type};
use bpf_lskel::insn::{Insn, BPF_PSEUDO_CALL, CALL};
use bpf_lskel::plan::MapKind;
use bpf_lskel::{generate, Endian, Error, Plan};
use common::synth;
use object::write::{Symbol, SymbolSection};
use object::{SectionKind, SymbolFlags, SymbolKind, SymbolScope};

/// Generous bounds: the work is a few milliseconds in a debug build.
const SLOW: Duration = Duration::from_secs(5);

/// `R_BPF_64_32`, the relocation of a call.
const R_BPF_64_32: u32 = 10;

/// Adds a struct (or union) of `size` bytes with `(name, type, bit offset)` members.
fn record(b: &mut Btf, kind: u32, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
    let name_off = b.add_string(name);
    let data = members
        .iter()
        .flat_map(|&(m, ty, off)| [b.add_string(m), ty, off])
        .collect();
    b.add_type(Type {
        name_off,
        info: (kind << 24) | members.len() as u32,
        size_or_type: size,
        data,
    })
}

/// Adds an array of `n` elements of `elem`.
fn array(b: &mut Btf, elem: u32, n: u32) -> u32 {
    b.add_type(Type {
        name_off: 0,
        info: btf::KIND_ARRAY << 24,
        size_or_type: 0,
        data: vec![elem, 1, n],
    })
}

/// Adds an integer type of `size` bytes.
fn int(b: &mut Btf, name: &str, size: u32) -> u32 {
    let name_off = b.add_string(name);
    b.add_type(Type {
        name_off,
        info: btf::KIND_INT << 24,
        size_or_type: size,
        data: vec![size * 8],
    })
}

/// An object whose `.data` is `data`, holding static variables of the
/// given types at the given offsets, with one trivial program.
fn data_object(mut b: Btf, vars: &[(u32, u32)], data: &[u8]) -> Vec<u8> {
    let mut entries = Vec::new();
    for (k, &(ty, off)) in vars.iter().enumerate() {
        let name_off = b.add_string(&format!("v{k}"));
        let var = b.add_type(Type {
            name_off,
            info: btf::KIND_VAR << 24,
            size_or_type: ty,
            data: vec![btf::VAR_STATIC],
        });
        let size = b.resolve_size(ty).unwrap_or(0) as u32;
        entries.extend([var, off, size]);
    }
    let name_off = b.add_string(".data");
    b.add_type(Type {
        name_off,
        info: (btf::KIND_DATASEC << 24) | vars.len() as u32,
        size_or_type: data.len() as u32,
        data: entries,
    });
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    e.section(".data", SectionKind::Data, data);
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    e.build()
}

/// `.data`'s initial value converted to big endian, and the time it took.
fn to_big(obj: &[u8]) -> (Result<Vec<u8>, Error>, Duration) {
    let p = Plan::build(obj, "t").unwrap();
    let i = p.maps.iter().position(|m| m.kind == MapKind::Data).unwrap();
    let t = Instant::now();
    let v = p.initial_value(i, Endian::Big).map(Option::unwrap);
    (v, t.elapsed())
}

fn expect_map_err(r: Result<Vec<u8>, Error>, want: &str) {
    match r {
        Ok(v) => panic!("converted {v:?}, wanted an error containing {want:?}"),
        Err(e) => assert!(e.to_string().contains(want), "error `{e}` lacks {want:?}"),
    }
}

/// `levels` structs, each holding the next one twice at offset 0, the
/// last one an `int` twice: 2^levels paths to one `int`.
fn shared_chain(levels: usize) -> Vec<u8> {
    let mut b = synth::btf();
    let mut ty = 1; // `int`
    for level in (0..levels).rev() {
        ty = record(
            &mut b,
            btf::KIND_STRUCT,
            &format!("s{level}"),
            4,
            &[("a", ty, 0), ("b", ty, 0)],
        );
    }
    data_object(b, &[(ty, 0)], &[1, 2, 3, 4, 5, 6])
}

/// Thirty-two levels of shared members, as deep as a value may nest. Two
/// members of the same type at the same place are one value, swapped once.
#[test]
fn shared_members_are_swapped_once() {
    let (v, took) = to_big(&shared_chain(32));
    eprintln!("32 levels of shared members: {took:?}");
    assert_eq!(v.unwrap(), [4, 3, 2, 1, 5, 6]);
    assert!(took < SLOW, "{took:?}");

    let (v, took) = to_big(&shared_chain(33));
    expect_map_err(v, "nesting too deep");
    assert!(took < SLOW, "{took:?}");
}

/// Disjoint members of one type at different offsets (a value of 2^18
/// `int`s): every one swapped, in time linear in the value.
#[test]
fn repeated_disjoint_members() {
    let mut b = synth::btf();
    let mut ty = 1;
    let mut size = 4;
    for level in 0..18 {
        ty = record(
            &mut b,
            btf::KIND_STRUCT,
            &format!("s{level}"),
            size * 2,
            &[("a", ty, 0), ("b", ty, size * 8)],
        );
        size *= 2;
    }
    let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let obj = data_object(b, &[(ty, 0)], &data);
    let (v, took) = to_big(&obj);
    eprintln!("2^18 ints in a binary tree of structs: {took:?}");
    let want: Vec<u8> = data
        .chunks(4)
        .flat_map(|c| c.iter().rev().copied())
        .collect();
    assert!(v.unwrap() == want);
    assert!(took < SLOW, "{took:?}");
}

/// Arrays, typedefs, qualifiers, unions and pointers, converted exactly.
#[test]
fn mixed_layout_converts_exactly() {
    let mut b = synth::btf();
    let u16_t = int(&mut b, "u16", 2);
    let u64_t = int(&mut b, "u64", 8);
    let char_t = int(&mut b, "char", 1);
    let name_off = b.add_string("word");
    let word = b.add_type(Type {
        name_off,
        info: btf::KIND_TYPEDEF << 24,
        size_or_type: u16_t,
        data: vec![],
    });
    let cword = b.add_type(Type {
        name_off: 0,
        info: btf::KIND_CONST << 24,
        size_or_type: word,
        data: vec![],
    });
    let words = array(&mut b, cword, 3);
    let ptr = b.add_type(Type {
        name_off: 0,
        info: btf::KIND_PTR << 24,
        size_or_type: 0,
        data: vec![],
    });
    // The first member decides a union's conversion.
    let un = record(
        &mut b,
        btf::KIND_UNION,
        "u",
        4,
        &[("i", 1, 0), ("w", u16_t, 0)],
    );
    let tag = array(&mut b, char_t, 2);
    // { u16 w[3]; char tag[2]; union u; void *p; u64 x; empty[0] }
    let empty = record(&mut b, btf::KIND_STRUCT, "empty", 0, &[]);
    let none = array(&mut b, empty, 0);
    let s = record(
        &mut b,
        btf::KIND_STRUCT,
        "s",
        28,
        &[
            ("w", words, 0),
            ("tag", tag, 48),
            ("u", un, 64),
            ("p", ptr, 96),
            ("x", u64_t, 160),
            ("z", none, 224),
        ],
    );
    let two = array(&mut b, s, 2);
    let data: Vec<u8> = (0..60).collect();
    let obj = data_object(b, &[(two, 0), (u16_t, 56), (char_t, 58)], &data);
    let (v, _) = to_big(&obj);
    let mut want = data.clone();
    for base in [0, 28] {
        for (off, n) in [(0, 2), (2, 2), (4, 2), (8, 4), (12, 8), (20, 8)] {
            want[base + off..base + off + n].reverse();
        }
    }
    want[56..58].reverse();
    assert_eq!(v.unwrap(), want);
}

/// Members of different types over the same bytes have no single
/// conversion; thousands of them must not cost thousands of passes.
#[test]
fn overlapping_members_are_refused() {
    let mut b = synth::btf();
    let u16_t = int(&mut b, "u16", 2);
    let u32_t = int(&mut b, "u32", 4);
    let s = record(
        &mut b,
        btf::KIND_STRUCT,
        "s",
        4,
        &[("a", u16_t, 0), ("b", u32_t, 0)],
    );
    expect_map_err(
        to_big(&data_object(b, &[(s, 0)], &[0; 4])).0,
        "members `a` and `b` of `s` overlap",
    );

    // Many distinct element types over one 1 MiB value.
    let mut b = synth::btf();
    let mut members = Vec::new();
    let names: Vec<String> = (0..1000).map(|k| format!("m{k}")).collect();
    for name in &names {
        let e = int(&mut b, "u16", 2);
        members.push((name.as_str(), array(&mut b, e, 1 << 19), 0));
    }
    let s = record(&mut b, btf::KIND_STRUCT, "big", 1 << 20, &members);
    let obj = data_object(b, &[(s, 0)], &vec![0; 1 << 20]);
    let (v, took) = to_big(&obj);
    eprintln!("1000 overlapping 1 MiB arrays: {took:?}");
    expect_map_err(v, "overlap");
    assert!(took < SLOW, "{took:?}");

    // Overlapping variables of a DATASEC.
    let mut b = synth::btf();
    let u16_t = int(&mut b, "u16", 2);
    expect_map_err(
        to_big(&data_object(b, &[(1, 0), (u16_t, 2)], &[0; 4])).0,
        "overlap",
    );
}

/// A member past the end of its struct would let an array of small
/// structs swap the same bytes again and again.
#[test]
fn members_past_their_struct_are_refused() {
    let mut b = synth::btf();
    let u16_t = int(&mut b, "u16", 2);
    let wide = array(&mut b, u16_t, 1 << 18);
    let s = record(&mut b, btf::KIND_STRUCT, "s", 2, &[("w", wide, 0)]);
    let many = array(&mut b, s, 1 << 18);
    let obj = data_object(b, &[(many, 0)], &vec![0; 1 << 20]);
    let (v, took) = to_big(&obj);
    expect_map_err(v, "member `w` of `s`");
    assert!(took < SLOW, "{took:?}");
}

/// A struct holding itself, an array of itself and modifier loops end in
/// an error or in nothing to swap, quickly.
#[test]
fn cyclic_types_end() {
    let mut b = synth::btf();
    // Type 2 is a struct whose member is type 3, an array of type 2.
    let s = record(&mut b, btf::KIND_STRUCT, "s", 4, &[("a", 3, 0)]);
    let a = array(&mut b, s, 1);
    assert_eq!((s, a), (2, 3));
    expect_map_err(
        to_big(&data_object(b, &[(s, 0)], &[0; 4])).0,
        "nesting too deep",
    );

    // A typedef naming itself and a const naming a volatile naming it.
    let mut b = synth::btf();
    for (kind, target) in [
        (btf::KIND_TYPEDEF, 2),
        (btf::KIND_CONST, 4),
        (btf::KIND_VOLATILE, 3),
    ] {
        b.add_type(Type {
            name_off: 0,
            info: kind << 24,
            size_or_type: target,
            data: vec![],
        });
    }
    let (v, took) = to_big(&data_object(b, &[(2, 0), (3, 4)], &[7; 8]));
    assert_eq!(v.unwrap(), [7; 8]);
    assert!(took < SLOW, "{took:?}");
}

/// A `.kconfig` extern whose array type holds itself: libbpf wants an
/// array of `char`, so this is refused, without unbounded recursion.
#[test]
fn kconfig_array_of_itself() {
    let mut b = synth::btf();
    let a = array(&mut b, 2, 1);
    assert_eq!(a, 2);
    let name_off = b.add_string("CONFIG_LOOP");
    let var = b.add_type(Type {
        name_off,
        info: btf::KIND_VAR << 24,
        size_or_type: a,
        data: vec![btf::VAR_GLOBAL_EXTERN],
    });
    let name_off = b.add_string(".kconfig");
    b.add_type(Type {
        name_off,
        info: (btf::KIND_DATASEC << 24) | 1,
        size_or_type: 0,
        data: vec![var, 0, 1],
    });
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    let err = Plan::build(&e.build(), "t").unwrap_err().to_string();
    assert!(
        err.contains("CONFIG_LOOP") && err.contains("not supported"),
        "{err}"
    );
}

/// An object whose program `p` (section `xdp`) calls `f0` in `.text`, and
/// each `f<k>` calls `f<k+1>` through `f<n-1>`, which returns. Each
/// function sets `r0` to its number first, to be found in the program.
fn call_chain(n: usize) -> Vec<u8> {
    let mut e = synth::Elf::bpf();
    let mut text = Vec::new();
    for k in 0..n {
        text.push(Insn::new(0xb7, 0, 0, 0, 1000 + k as i32));
        if k + 1 < n {
            text.push(Insn::new(CALL, 0, BPF_PSEUDO_CALL, 0, 1));
        }
        text.push(Insn::new(0x95, 0, 0, 0, 0));
    }
    let bytes = bpf_lskel::insn::encode_all(&text, Endian::Little);
    let sec = e.section(".text", SectionKind::Text, &bytes);
    let mut first = None;
    let mut at = 0;
    for k in 0..n {
        let len = if k + 1 < n { 24 } else { 16 };
        let sym = func_at(&mut e, &format!("f{k}"), sec, at, len);
        first.get_or_insert(sym);
        at += len;
    }
    let main = e.prog(
        "xdp",
        "p",
        &[
            Insn::new(CALL, 0, BPF_PSEUDO_CALL, 0, -1),
            Insn::new(0x95, 0, 0, 0, 0),
        ],
    );
    e.reloc(main, 0, first.unwrap(), R_BPF_64_32);
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    e.build()
}

/// Adds a static function symbol of `size` bytes at `value` of `sec`.
fn func_at(
    e: &mut synth::Elf,
    name: &str,
    sec: object::write::SectionId,
    value: u64,
    size: u64,
) -> object::write::SymbolId {
    e.obj.add_symbol(Symbol {
        name: name.as_bytes().to_vec(),
        value,
        size,
        kind: SymbolKind::Text,
        scope: SymbolScope::Compilation,
        weak: false,
        section: SymbolSection::Section(sec),
        flags: SymbolFlags::None,
    })
}

/// The numbers the functions of program 0 put in `r0`, in program order.
fn layout(p: &Plan) -> Vec<i32> {
    p.progs[0]
        .insns
        .iter()
        .filter(|i| i.code == 0xb7)
        .map(|i| i.imm - 1000)
        .collect()
}

/// The kernel verifies at most 256 subprograms per program, the program
/// itself included (`BPF_MAX_SUBPROGS`): 255 more functions are fine.
#[test]
fn call_chain_at_the_kernel_limit() {
    let p = Plan::build(&call_chain(255), "t").unwrap();
    assert_eq!(layout(&p), (0..255).collect::<Vec<_>>());
    // Each call lands on the next function's first instruction.
    let insns = &p.progs[0].insns;
    for (at, i) in insns.iter().enumerate() {
        if i.code == CALL {
            let to = (at as i64 + 1 + i64::from(i.imm)) as usize;
            assert_eq!(insns[to].code, 0xb7, "call at {at}");
        }
    }
    generate(&p, Endian::Little).unwrap();
}

/// One function more than the kernel takes, and 20,000 more, are refused
/// with an error naming the program, its section and the limit, not a
/// stack overflow.
#[test]
fn deep_call_chains_are_refused() {
    for n in [256, 20_000] {
        let obj = call_chain(n);
        let t = Instant::now();
        let err = Plan::build(&obj, "t").unwrap_err().to_string();
        let took = t.elapsed();
        eprintln!("call chain of {n}: {took:?}");
        assert!(
            err.contains("program `p` in section `xdp`") && err.contains("BPF_MAX_SUBPROGS"),
            "{err}"
        );
        assert!(took < SLOW, "{took:?}");
    }
}

/// Subprograms are appended depth-first in the order of their first call,
/// as libbpf appends them: p calls a and b, a calls c, b calls c and d.
#[test]
fn subprograms_are_placed_depth_first() {
    // (name, callees); every function is `r0 = k; call...; exit`.
    let funcs: [(&str, &[usize]); 4] = [("a", &[2]), ("b", &[2, 3]), ("c", &[]), ("d", &[])];
    let mut starts = Vec::new();
    let mut at = 0;
    for (_, calls) in &funcs {
        starts.push(at);
        at += 2 + calls.len();
    }
    let mut text = Vec::new();
    for (k, (_, calls)) in funcs.iter().enumerate() {
        text.push(Insn::new(0xb7, 0, 0, 0, 1001 + k as i32));
        for &c in *calls {
            let imm = starts[c] as i32 - text.len() as i32 - 1;
            text.push(Insn::new(CALL, 0, BPF_PSEUDO_CALL, 0, imm));
        }
        text.push(Insn::new(0x95, 0, 0, 0, 0));
    }
    let mut e = synth::Elf::bpf();
    let bytes = bpf_lskel::insn::encode_all(&text, Endian::Little);
    let sec = e.section(".text", SectionKind::Text, &bytes);
    let mut syms = Vec::new();
    for (k, (name, calls)) in funcs.iter().enumerate() {
        let len = (2 + calls.len()) as u64 * 8;
        syms.push(func_at(&mut e, name, sec, starts[k] as u64 * 8, len));
    }
    let main = e.prog(
        "xdp",
        "p",
        &[
            Insn::new(0xb7, 0, 0, 0, 1000),
            Insn::new(CALL, 0, BPF_PSEUDO_CALL, 0, -1),
            Insn::new(CALL, 0, BPF_PSEUDO_CALL, 0, -1),
            Insn::new(0x95, 0, 0, 0, 0),
        ],
    );
    e.reloc(main, 8, syms[0], R_BPF_64_32);
    e.reloc(main, 16, syms[1], R_BPF_64_32);
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    let p = Plan::build(&e.build(), "t").unwrap();
    // p, a, c, b, d.
    assert_eq!(layout(&p), [0, 1, 3, 2, 4]);
    let insns = &p.progs[0].insns;
    let targets: Vec<i32> = insns
        .iter()
        .enumerate()
        .filter(|(_, i)| i.code == CALL)
        .map(|(at, i)| insns[(at as i64 + 1 + i64::from(i.imm)) as usize].imm - 1000)
        .collect();
    // p -> a, b; a -> c; b -> c, d.
    assert_eq!(targets, [1, 2, 3, 3, 4]);
}
