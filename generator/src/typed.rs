// SPDX-License-Identifier: GPL-2.0
//! Typed global data for the Rust skeletons: one struct per global data
//! map (`.data`, `.rodata`, `.bss`, `.kconfig`, ...), like the C skeleton's
//! `struct <name>__data`, and for the kernel, accessors that go through
//! `kernel::bpf::Map`. Generated code has no `unsafe`: values are decoded
//! and encoded field by field from byte arrays in the target's byte order,
//! which is the order the map holds.
//!
//! Field types: integers, `bool`, enums (as integers), pointers (as `u64`)
//! and one-dimensional arrays of these; anything else (structs, unions,
//! floats, bitfields, nested arrays) is a byte array of its size.
//! Static variables stay out of the struct; [`write`-methods](rust_types)
//! leave their bytes alone.

use std::fmt::Write as _;

use crate::btf::{self, Btf};
use crate::error::Error;
use crate::names::{self, code, Scope, Syntax};
use crate::plan::{KconfigType, MapKind, Plan};

/// Largest value the kernel accessors copy on the stack at once.
pub const KERNEL_STACK_COPY: u32 = 256;

/// A field's Rust type.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ty {
    /// An integer type (`u32`, `i8`, ...) of `size` bytes.
    Int(&'static str, u32),
    /// `bool`.
    Bool,
    /// `[elem; n]`.
    Array(Box<Ty>, u32),
    /// `[u8; n]`.
    Bytes(u32),
}

impl Ty {
    fn size(&self) -> u32 {
        match self {
            Ty::Int(_, s) => *s,
            Ty::Bool => 1,
            Ty::Array(e, n) => e.size().saturating_mul(*n),
            Ty::Bytes(n) => *n,
        }
    }

    fn name(&self) -> String {
        match self {
            Ty::Int(t, _) => (*t).to_string(),
            Ty::Bool => "bool".into(),
            Ty::Array(e, n) => format!("[{}; {n}]", e.name()),
            Ty::Bytes(n) => format!("[u8; {n}]"),
        }
    }
}

fn int_name(size: u32, signed: bool) -> Option<&'static str> {
    Some(match (size, signed) {
        (1, false) => "u8",
        (1, true) => "i8",
        (2, false) => "u16",
        (2, true) => "i16",
        (4, false) => "u32",
        (4, true) => "i32",
        (8, false) => "u64",
        (8, true) => "i64",
        (16, false) => "u128",
        (16, true) => "i128",
        _ => return None,
    })
}

/// The Rust type of BTF type `id`, `size` bytes.
fn rust_ty(b: &Btf, id: u32, size: u32, depth: u32) -> Ty {
    let bytes = Ty::Bytes(size);
    let Some(t) = b.get(b.skip_mods(id)) else {
        return bytes;
    };
    let ty = match t.kind() {
        btf::KIND_INT => {
            let word = t.data.first().copied().unwrap_or(0);
            let (enc, off, bits) = (word >> 24, (word >> 16) & 0xff, word & 0xff);
            if off != 0 || u64::from(bits) != u64::from(t.size_or_type) * 8 {
                bytes
            } else if enc & 4 != 0 && t.size_or_type == 1 {
                Ty::Bool
            } else {
                int_name(t.size_or_type, enc & 1 != 0).map_or(bytes, |n| Ty::Int(n, t.size_or_type))
            }
        }
        btf::KIND_ENUM | btf::KIND_ENUM64 => {
            let signed = t.info >> 31 != 0;
            int_name(t.size_or_type, signed).map_or(bytes, |n| Ty::Int(n, t.size_or_type))
        }
        btf::KIND_PTR => Ty::Int("u64", 8),
        btf::KIND_ARRAY if depth == 0 && t.data.len() == 3 && t.data[2] > 0 => {
            let n = t.data[2];
            let esize = b
                .resolve_size(t.data[0])
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0);
            match rust_ty(b, t.data[0], esize, depth + 1) {
                e @ (Ty::Int(..) | Ty::Bool) if esize > 0 => Ty::Array(Box::new(e), n),
                _ => bytes,
            }
        }
        _ => bytes,
    };
    if ty.size() == size {
        ty
    } else {
        Ty::Bytes(size)
    }
}

/// A typed variable of a global data map.
struct Field {
    /// The C name.
    name: String,
    /// The Rust field name.
    ident: String,
    offset: u32,
    ty: Ty,
}

/// A variable's field name: its identifier characters, in its own case,
/// as in C (`int a, A;` are two fields).
fn field_base(name: &str) -> String {
    names::base(name)
}

/// The typed fields of map `i`, sorted by offset; empty if it has none.
/// Variables that are empty or overrun the map's value get no field; two
/// whose field names are the same are an error.
fn fields(plan: &Plan, i: usize) -> Result<Vec<Field>, Error> {
    let m = &plan.maps[i];
    let value_size = u64::from(m.value_size);
    let mut out: Vec<Field> = Vec::new();
    let mut scope = Scope::new(format!(
        "the fields of the typed struct of map {}",
        code(&m.name)
    ));
    for v in crate::backend::data_vars(plan, i) {
        if v.size == 0 || u64::from(v.offset) + u64::from(v.size) > value_size {
            continue;
        }
        let ident = names::ident(&field_base(&v.name), Syntax::Rust);
        scope.claim(&ident, format!("variable {}", code(&v.name)))?;
        out.push(Field {
            ty: rust_ty(&plan.btf, v.type_id, v.size, 0),
            name: v.name,
            ident,
            offset: v.offset,
        });
    }
    Ok(out)
}

/// The name of the typed struct of map `i` in a skeleton named `skel`.
fn struct_name(plan: &Plan, i: usize, skel: &str) -> String {
    format!(
        "{}{}",
        names::camel(skel),
        names::camel(&plan.maps[i].ident)
    )
}

/// `off + size * k`, without the terms clippy calls identities.
fn index(off: u32, size: u32, var: &str) -> String {
    let scaled = if size == 1 {
        var.to_string()
    } else {
        format!("{size} * {var}")
    };
    if off == 0 {
        scaled
    } else {
        format!("{off} + {scaled}")
    }
}

/// An expression decoding `ty` from byte slice `buf` at `off`.
fn decode(ty: &Ty, buf: &str, off: u32) -> String {
    match ty {
        Ty::Int(t, _) => format!("{t}::from_ne_bytes(take({buf}, {off}))"),
        Ty::Bool => format!("{buf}[{off}] != 0"),
        Ty::Bytes(_) => format!("take({buf}, {off})"),
        Ty::Array(e, _) => {
            let at = index(off, e.size(), "k");
            match &**e {
                Ty::Int(t, _) => {
                    format!("core::array::from_fn(|k| {t}::from_ne_bytes(take({buf}, {at})))")
                }
                _ => format!("core::array::from_fn(|k| {buf}[{at}] != 0)"),
            }
        }
    }
}

/// Statements storing `val` (an expression of type `ty`) into `buf` at `off`.
fn encode(ty: &Ty, val: &str, buf: &str, off: u32, indent: &str) -> String {
    match ty {
        Ty::Int(..) => format!("{indent}put({buf}, {off}, &{val}.to_ne_bytes());\n"),
        Ty::Bool => format!("{indent}{buf}[{off}] = u8::from({val});\n"),
        Ty::Bytes(_) => format!("{indent}put({buf}, {off}, &{val});\n"),
        Ty::Array(e, _) => {
            let at = index(off, e.size(), "k");
            let body = match &**e {
                Ty::Int(..) => format!("put({buf}, {at}, &x.to_ne_bytes());"),
                _ => format!("{buf}[{at}] = u8::from(*x);"),
            };
            format!(
                "{indent}for (k, x) in {val}.iter().enumerate() {{\n{indent}    {body}\n{indent}}}\n"
            )
        }
    }
}

/// Whether any map gets a typed struct.
fn any_typed(plan: &Plan) -> Result<bool, Error> {
    for (i, m) in plan.maps.iter().enumerate() {
        if m.initial.is_some() && !fields(plan, i)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The byte helpers typed structs use, once per skeleton.
pub fn rust_helpers(plan: &Plan) -> Result<String, Error> {
    if !any_typed(plan)? {
        return Ok(String::new());
    }
    Ok("/// `N` bytes of `b` at `at`.\n\
     fn take<const N: usize>(b: &[u8], at: usize) -> [u8; N] {\n    \
         let mut v = [0; N];\n    \
         v.copy_from_slice(&b[at..at + N]);\n    \
         v\n\
     }\n\n\
     /// Copies `x` into `b` at `at`.\n\
     fn put(b: &mut [u8], at: usize, x: &[u8]) {\n    \
         b[at..at + x.len()].copy_from_slice(x);\n\
     }\n\n"
        .to_string())
}

/// The typed struct of global data map `i`, if it has typed variables;
/// its name is claimed in `items`.
pub fn rust_types(plan: &Plan, i: usize, skel: &str, items: &mut Scope) -> Result<String, Error> {
    let m = &plan.maps[i];
    let fs = fields(plan, i)?;
    if m.initial.is_none() || fs.is_empty() {
        return Ok(String::new());
    }
    let name = struct_name(plan, i, skel);
    items.claim(&name, format!("the typed struct of map {}", code(&m.name)))?;
    let size = m.value_size;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/// The global variables of map {}, typed (static ones are left out).",
        code(&m.name)
    );
    s.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq)]\n");
    let _ = writeln!(s, "pub struct {name} {{");
    for f in &fs {
        let _ = writeln!(s, "    /// {}, at offset {}.", code(&f.name), f.offset);
        let _ = writeln!(s, "    pub {}: {},", f.ident, f.ty.name());
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl {name} {{");
    s.push_str("    /// Size of the map's value.\n");
    let _ = writeln!(s, "    pub const SIZE: usize = {size};\n");
    s.push_str("    /// Decodes a map value (in the target's byte order, as the map holds it).\n");
    let _ = writeln!(s, "    pub fn from_bytes(b: &[u8; {size}]) -> Self {{");
    s.push_str("        Self {\n");
    for f in &fs {
        let _ = writeln!(
            s,
            "            {}: {},",
            f.ident,
            decode(&f.ty, "b", f.offset)
        );
    }
    s.push_str("        }\n    }\n\n");
    s.push_str(
        "    /// Stores the variables into a map value; other bytes (static variables, padding)\n    /// keep theirs.\n",
    );
    let _ = writeln!(s, "    pub fn write(&self, b: &mut [u8; {size}]) {{");
    for f in &fs {
        s.push_str(&encode(
            &f.ty,
            &format!("self.{}", f.ident),
            "b",
            f.offset,
            "        ",
        ));
    }
    s.push_str("    }\n}\n\n");
    Ok(s)
}

/// Checks that the kernel back end can provide every `.kconfig` value.
pub fn check_kernel(plan: &Plan) -> Result<(), Error> {
    for v in &plan.kconfig {
        let ok = match v.name.as_str() {
            "LINUX_KERNEL_VERSION" => matches!(v.ty, KconfigType::Int { .. }) && v.size >= 4,
            "LINUX_HAS_BPF_COOKIE" | "LINUX_HAS_SYSCALL_WRAPPER" => {
                matches!(
                    v.ty,
                    KconfigType::Int { .. } | KconfigType::Bool | KconfigType::Char
                )
            }
            n if n.starts_with("CONFIG_") => {
                // The name becomes a `cfg!` predicate: Kconfig symbols are
                // identifier characters only.
                if !names::is_word(n) {
                    return Err(Error::BadName {
                        what: "`.kconfig` extern".into(),
                        name: n.escape_debug().to_string(),
                        why: "a Kconfig symbol is made of letters, digits and `_`".into(),
                    });
                }
                matches!(
                    v.ty,
                    KconfigType::Bool | KconfigType::Tristate | KconfigType::Char
                )
            }
            // Unknown weak LINUX_* externs: 0, as libbpf leaves them.
            _ => v.weak,
        };
        if !ok {
            return Err(Error::Map {
                map: format!(".kconfig: {}", v.name),
                msg: "the kernel back end fills only LINUX_KERNEL_VERSION, LINUX_HAS_* and bool, tristate or char CONFIG_* externs at compile time; integer and string values are not available to Rust code".into(),
            });
        }
    }
    Ok(())
}

/// The `.kconfig` value of a kernel skeleton, computed when the module is
/// compiled: options from Kbuild's `--cfg CONFIG_*="y"|"m"`, the version
/// from the `VERSION`, `PATCHLEVEL` and `SUBLEVEL` variables Kbuild exports.
fn kernel_kconfig(plan: &Plan, size: u32) -> String {
    let mut s = String::new();
    s.push_str(
        "/// The `.kconfig` values of the kernel this module is compiled for: options from\n\
         /// Kbuild's `CONFIG_*` cfgs, the version from the variables Kbuild exports.\n",
    );
    let _ = writeln!(s, "pub static KCONFIG_VALUE: [u8; {size}] = {{");
    let _ = writeln!(s, "    let mut v = [0u8; {size}];");
    for k in &plan.kconfig {
        let _ = writeln!(s, "    // {}.", code(&k.name));
        let n = &k.name;
        let value = match n.as_str() {
            "LINUX_KERNEL_VERSION" => "kernel_version()",
            "LINUX_HAS_BPF_COOKIE" => "1",
            "LINUX_HAS_SYSCALL_WRAPPER" => {
                s.push_str("    let y = cfg!(CONFIG_ARCH_HAS_SYSCALL_WRAPPER = \"y\");\n");
                "y"
            }
            _ if n.starts_with("CONFIG_") => {
                let _ = writeln!(s, "    let y = cfg!({n} = \"y\");");
                if k.ty != KconfigType::Bool {
                    let _ = writeln!(s, "    let m = cfg!({n} = \"m\");");
                }
                match k.ty {
                    KconfigType::Bool => "y",
                    KconfigType::Tristate => "tristate(y, m)",
                    _ => "kchar(y, m)",
                }
            }
            _ => "0",
        };
        let _ = writeln!(s, "    let x = ({value} as u{}).to_ne_bytes();", k.size * 8);
        for b in 0..k.size {
            let _ = writeln!(s, "    v[{}] = x[{b}];", k.offset + b);
        }
    }
    s.push_str("    v\n};\n\n");
    s
}

/// Compile-time helpers of [`kernel_kconfig`].
fn kernel_kconfig_helpers() -> &'static str {
    "/// `KERNEL_VERSION()` of the kernel being built, from Kbuild's environment.\n\
     const fn kernel_version() -> u64 {\n    \
         let patch = dec(env!(\"SUBLEVEL\"));\n    \
         let patch = if patch > 255 { 255 } else { patch };\n    \
         (dec(env!(\"VERSION\")) << 16) + (dec(env!(\"PATCHLEVEL\")) << 8) + patch\n\
     }\n\n\
     /// A decimal number.\n\
     const fn dec(s: &str) -> u64 {\n    \
         let b = s.as_bytes();\n    \
         let mut n = 0;\n    \
         let mut i = 0;\n    \
         while i < b.len() {\n        \
             n = n * 10 + (b[i] - b'0') as u64;\n        \
             i += 1;\n    \
         }\n    \
         n\n\
     }\n\n\
     /// libbpf's `enum libbpf_tristate`.\n\
     const fn tristate(y: bool, m: bool) -> u64 {\n    \
         if y {\n        \
             1\n    \
         } else if m {\n        \
             2\n    \
         } else {\n        \
             0\n    \
         }\n\
     }\n\n\
     /// A `char` kconfig value.\n\
     const fn kchar(y: bool, m: bool) -> u64 {\n    \
         if y {\n        \
             b'y' as u64\n    \
         } else if m {\n        \
             b'm' as u64\n    \
         } else {\n        \
             b'n' as u64\n    \
         }\n\
     }\n\n"
}

/// Items a kernel skeleton needs before its `MapSpec`s: the `.kconfig`
/// value, if the object has kconfig externs.
pub fn kernel_items(plan: &Plan) -> Result<String, Error> {
    let Some(m) = plan.maps.iter().find(|m| m.kind == MapKind::Kconfig) else {
        return Ok(String::new());
    };
    check_kernel(plan)?;
    let mut s = kernel_kconfig_helpers().to_string();
    s.push_str(&kernel_kconfig(plan, m.value_size));
    Ok(s)
}

/// The `initial_value` of map `i` in a kernel skeleton's `MapSpec`.
pub fn kernel_initial(plan: &Plan, i: usize) -> &'static str {
    if plan.maps[i].kind == MapKind::Kconfig {
        "Some(&KCONFIG_VALUE)"
    } else {
        "None"
    }
}

/// Methods of a kernel skeleton reading and writing its global data
/// through `kernel::bpf::Map`: whole values up to [`KERNEL_STACK_COPY`]
/// bytes, and each variable up to that size. Their names are claimed in
/// `methods`.
pub fn kernel_accessors(plan: &Plan, skel: &str, methods: &mut Scope) -> Result<String, Error> {
    let mut s = String::new();
    for (i, m) in plan.maps.iter().enumerate() {
        let fs = fields(plan, i)?;
        if m.initial.is_none() || fs.is_empty() {
            continue;
        }
        let writable = matches!(m.kind, MapKind::Data | MapKind::Bss);
        let id = &m.ident;
        let what = format!("map {}", code(&m.name));
        let mut method = |base: String, of: &str| -> Result<String, Error> {
            let f = names::ident(&base, Syntax::Rust);
            methods.claim(&f, format!("the accessor of {of}"))?;
            Ok(f)
        };
        let map = format!("kernel::bpf::Map::from_fd(self.obj.map({i}))?");
        if m.value_size <= KERNEL_STACK_COPY {
            let name = struct_name(plan, i, skel);
            let size = m.value_size;
            let get = method(format!("{id}_value"), &what)?;
            let _ = writeln!(s, "\n    /// Reads the variables of {what}.");
            let _ = writeln!(
                s,
                "    pub fn {get}(&self) -> kernel::error::Result<{name}> {{"
            );
            let _ = writeln!(s, "        let mut b = [0; {size}];");
            let _ = writeln!(s, "        {map}.read(0, &mut b)?;");
            let _ = writeln!(s, "        Ok({name}::from_bytes(&b))\n    }}");
            if writable {
                let set = method(format!("set_{id}_value"), &what)?;
                let _ = writeln!(
                    s,
                    "\n    /// Writes the variables of {what} (other bytes keep theirs)."
                );
                let _ = writeln!(
                    s,
                    "    pub fn {set}(&self, v: &{name}) -> kernel::error::Result {{"
                );
                let _ = writeln!(s, "        let map = {map};");
                let _ = writeln!(s, "        let mut b = [0; {size}];");
                s.push_str("        map.read(0, &mut b)?;\n        v.write(&mut b);\n        map.write(0, &b)\n    }\n");
            }
        }
        for f in fs.iter().filter(|f| f.ty.size() <= KERNEL_STACK_COPY) {
            let size = f.ty.size();
            let ty = f.ty.name();
            let var = format!("{} of {what}", code(&f.name));
            let get = method(format!("{id}_{}", field_base(&f.name)), &var)?;
            let _ = writeln!(s, "\n    /// Reads {var}.");
            let _ = writeln!(
                s,
                "    pub fn {get}(&self) -> kernel::error::Result<{ty}> {{"
            );
            let _ = writeln!(s, "        let b = &mut [0u8; {size}];");
            let _ = writeln!(s, "        {map}.read({}, b)?;", f.offset);
            let _ = writeln!(s, "        Ok({})\n    }}", decode(&f.ty, "b", 0));
            if writable {
                let set = method(format!("set_{id}_{}", field_base(&f.name)), &var)?;
                let _ = writeln!(s, "\n    /// Writes {var}.");
                let _ = writeln!(
                    s,
                    "    pub fn {set}(&self, v: {ty}) -> kernel::error::Result {{"
                );
                let _ = writeln!(s, "        let b = &mut [0u8; {size}];");
                s.push_str(&encode(&f.ty, "v", "b", 0, "        "));
                let _ = writeln!(s, "        {map}.write({}, b)\n    }}", f.offset);
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btf(types: Vec<btf::Type>) -> Btf {
        let mut all = vec![btf::Type {
            name_off: 0,
            info: 0,
            size_or_type: 0,
            data: Vec::new(),
        }];
        all.extend(types);
        Btf {
            types: all,
            strings: vec![0],
        }
    }

    /// Found by the `generate` fuzz target: an integer whose byte size
    /// times 8 overflows `u32` is bytes, not a panic.
    #[test]
    fn huge_integer_is_bytes() {
        let b = btf(vec![btf::Type {
            name_off: 0,
            info: btf::KIND_INT << 24,
            size_or_type: 0x2000_0000,
            data: vec![0],
        }]);
        assert_eq!(rust_ty(&b, 1, 0x2000_0000, 0), Ty::Bytes(0x2000_0000));
    }
}
