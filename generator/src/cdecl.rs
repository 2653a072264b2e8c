// SPDX-License-Identifier: GPL-2.0
//! C declarations of BTF types, for the C skeleton's typed global data
//! (`struct <name>__data { int counter; } *data;`), as bpftool writes them
//! with libbpf's `btf_dump__emit_type_decl`: named structs, unions, enums
//! and typedefs by name, anonymous ones inline, modifiers stripped.
//!
//! Every name that reaches the declaration (tags, typedefs, members,
//! enumerators) must be a C identifier that is no keyword; a type with any
//! other name, or nested deeper than [`MAX_DEPTH`], gets no declaration
//! ([`decl`] returns `None`) and the caller declares bytes instead.

use std::fmt::Write as _;

use crate::btf::{self, Btf};
use crate::names::{self, Syntax};

/// How deep anonymous types may nest inline.
pub const MAX_DEPTH: u32 = 16;

/// Words BTF integer and float names are made of (`long long unsigned int`).
const NUMERIC_WORDS: &[&str] = &[
    "unsigned", "signed", "int", "long", "short", "char", "_Bool", "__int128", "float", "double",
];

/// `name` if it can stand in C source as written.
fn c_name(name: &str) -> Option<&str> {
    (names::is_word(name) && names::ident(name, Syntax::C) == name).then_some(name)
}

/// The declaration of `declarator` (a name, possibly with `*` and `[N]`)
/// with BTF type `id`, members indented by `indent` tabs.
pub fn decl(b: &Btf, id: u32, declarator: &str, indent: usize) -> Option<String> {
    go(b, id, declarator.to_string(), indent, 0)
}

fn join(ty: &str, declarator: &str) -> String {
    if declarator.is_empty() {
        ty.to_string()
    } else {
        format!("{ty} {declarator}")
    }
}

fn go(b: &Btf, id: u32, d: String, indent: usize, depth: u32) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    if id == 0 {
        return Some(join("void", &d));
    }
    let t = b.get(id)?;
    let name = b.str_at(t.name_off);
    match t.kind() {
        btf::KIND_INT | btf::KIND_FLOAT => {
            let ok = !name.is_empty() && name.split(' ').all(|w| NUMERIC_WORDS.contains(&w));
            ok.then(|| join(name, &d))
        }
        btf::KIND_PTR => {
            let target = t.size_or_type;
            let tk = b.get(b.skip_mods(target)).map(btf::Type::kind);
            let inner = if matches!(tk, Some(btf::KIND_ARRAY | btf::KIND_FUNC_PROTO)) {
                format!("(*{d})")
            } else {
                format!("*{d}")
            };
            go(b, target, inner, indent, depth + 1)
        }
        btf::KIND_ARRAY => {
            let (elem, n) = (*t.data.first()?, *t.data.get(2)?);
            go(b, elem, format!("{d}[{n}]"), indent, depth + 1)
        }
        btf::KIND_TYPEDEF => c_name(name).map(|n| join(n, &d)),
        btf::KIND_FWD => {
            let kw = if t.info >> 31 != 0 { "union" } else { "struct" };
            c_name(name).map(|n| join(&format!("{kw} {n}"), &d))
        }
        btf::KIND_STRUCT | btf::KIND_UNION => {
            let kw = if t.kind() == btf::KIND_UNION {
                "union"
            } else {
                "struct"
            };
            if !name.is_empty() {
                return c_name(name).map(|n| join(&format!("{kw} {n}"), &d));
            }
            let pad = "\t".repeat(indent + 1);
            let mut s = format!("{kw} {{\n");
            let bitfields = t.info >> 31 != 0;
            for m in t.data.chunks_exact(3) {
                let mname = b.str_at(m[0]);
                let mname = if mname.is_empty() { "" } else { c_name(mname)? };
                let _ = write!(
                    s,
                    "{pad}{}",
                    go(b, m[1], mname.to_string(), indent + 1, depth + 1)?
                );
                let bits = m[2] >> 24;
                if bitfields && bits > 0 {
                    let _ = write!(s, ": {bits}");
                }
                s.push_str(";\n");
            }
            let _ = write!(s, "{}}}", "\t".repeat(indent));
            Some(join(&s, &d))
        }
        btf::KIND_ENUM | btf::KIND_ENUM64 => {
            if !name.is_empty() {
                return c_name(name).map(|n| join(&format!("enum {n}"), &d));
            }
            let pad = "\t".repeat(indent + 1);
            let signed = t.info >> 31 != 0;
            let step = if t.kind() == btf::KIND_ENUM { 2 } else { 3 };
            let mut s = "enum {\n".to_string();
            for e in t.data.chunks_exact(step) {
                let n = c_name(b.str_at(e[0]))?;
                let v: i128 = if step == 2 {
                    if signed {
                        i128::from(e[1] as i32)
                    } else {
                        i128::from(e[1])
                    }
                } else {
                    let v = u64::from(e[1]) | (u64::from(e[2]) << 32);
                    if signed {
                        i128::from(v as i64)
                    } else {
                        i128::from(v)
                    }
                };
                let _ = writeln!(s, "{pad}{n} = {v},");
            }
            let _ = write!(s, "{}}}", "\t".repeat(indent));
            Some(join(&s, &d))
        }
        btf::KIND_CONST | btf::KIND_VOLATILE | btf::KIND_RESTRICT | btf::KIND_TYPE_TAG => {
            go(b, t.size_or_type, d, indent, depth + 1)
        }
        _ => None,
    }
}

/// The alignment of type `id` as C lays it out (libbpf's `btf__align_of`),
/// or `None` for a type without one.
pub fn align_of(b: &Btf, id: u32) -> Option<u32> {
    align(b, id, 0)
}

fn align(b: &Btf, id: u32, depth: u32) -> Option<u32> {
    if depth > MAX_DEPTH * 4 {
        return None;
    }
    let t = b.get(id)?;
    match t.kind() {
        btf::KIND_INT | btf::KIND_ENUM | btf::KIND_ENUM64 | btf::KIND_FLOAT => {
            Some(t.size_or_type.clamp(1, 8))
        }
        btf::KIND_PTR => Some(8),
        btf::KIND_ARRAY => align(b, *t.data.first()?, depth + 1),
        btf::KIND_TYPEDEF
        | btf::KIND_CONST
        | btf::KIND_VOLATILE
        | btf::KIND_RESTRICT
        | btf::KIND_TYPE_TAG => align(b, t.size_or_type, depth + 1),
        btf::KIND_STRUCT | btf::KIND_UNION => {
            let mut a = 1;
            let bitfields = t.info >> 31 != 0;
            for m in t.data.chunks_exact(3) {
                let ma = align(b, m[1], depth + 1)?;
                let bit_off = if bitfields { m[2] & 0xff_ffff } else { m[2] };
                // A member off its natural alignment: the struct is packed.
                if bit_off % (8 * ma) != 0 && !(bitfields && m[2] >> 24 != 0) {
                    return Some(1);
                }
                a = a.max(ma);
            }
            (t.size_or_type % a == 0).then_some(a).or(Some(1))
        }
        _ => None,
    }
}
