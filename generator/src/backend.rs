// SPDX-License-Identifier: GPL-2.0
//! Skeleton back ends: thin formatters over a plan and its loaders.
//!
//! Output is deterministic: it depends only on the object's contents, the
//! skeleton name and the options, never on paths, time or the host.

use std::fmt::Write as _;

use crate::btf;
use crate::ctx;
use crate::error::Error;
use crate::gen::{Loader, Runner};
use crate::names::{self, code, Scope, Syntax};
use crate::plan::{MapKind, Plan};
use crate::progtype;
use crate::sections::Attach as SecAttach;
use crate::Endian;

/// Output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Rust for the kernel's `kernel::bpf` abstraction.
    RustKernel,
    /// Rust for user space: loader data and ctx layout.
    RustUser,
    /// A C header compatible with `skel_internal.h`.
    C,
}

/// What every back end needs besides the plan.
#[derive(Clone, Debug)]
pub struct Options {
    /// Skeleton name.
    pub name: String,
    /// Source object (base name only, for determinism).
    pub source: String,
    /// The command that regenerates the output.
    pub command: String,
}

/// Renders a skeleton.
///
/// Loaders generated with fault injection ([`crate::gen::GenOptions`]) give
/// a test skeleton: it lists the steps (`FAULT_STEPS`) and, for the kernel,
/// runs the loader with `LoaderSpec::load_fault_injected`. C has no such
/// skeleton.
pub fn render(lang: Lang, plan: &Plan, loaders: &[Loader], o: &Options) -> Result<String, Error> {
    let fault = loaders.first().is_some_and(|l| !l.steps.is_empty());
    if loaders.iter().any(|l| l.steps.is_empty() == fault) {
        return Err(Error::Asm(
            "loaders with and without fault injection in one skeleton".into(),
        ));
    }
    if lang != Lang::RustKernel && loaders.iter().any(|l| l.runner != Runner::Any) {
        return Err(Error::Asm(
            "a loader generated for the kernel runner in a C or user-space skeleton".into(),
        ));
    }
    if fault && lang == Lang::C {
        return Err(Error::Asm(
            "the C back end has no fault injection skeleton".into(),
        ));
    }
    names::check_skeleton_name(&o.name)?;
    match lang {
        Lang::RustKernel => {
            crate::typed::check_kernel(plan)?;
            if let Some(m) = plan.maps.iter().find(|m| m.sized_per_cpu()) {
                return Err(Error::Map {
                    map: m.name.clone(),
                    msg: "a perf event array without max_entries is sized to the possible \
                          CPUs when it is created, which a kernel skeleton's static spec \
                          cannot give: declare max_entries"
                        .into(),
                });
            }
            rust(plan, loaders, o, true)
        }
        Lang::RustUser => rust(plan, loaders, o, false),
        Lang::C => c(plan, loaders, o),
    }
}

/// A global (not static) variable of a global data map, from its DATASEC.
pub struct Var {
    /// The variable's name.
    pub name: String,
    /// The BTF id of the variable's type.
    pub type_id: u32,
    /// Offset in the map's value.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// The global variables of map `i`, by offset then name; empty when its
/// value type is not a DATASEC.
pub fn data_vars(plan: &Plan, i: usize) -> Vec<Var> {
    let m = &plan.maps[i];
    let Some(t) = plan
        .btf
        .get(m.btf_value_type_id)
        .filter(|t| t.kind() == btf::KIND_DATASEC)
    else {
        return Vec::new();
    };
    let mut vars: Vec<Var> = t
        .data
        .chunks_exact(3)
        .filter_map(|c| {
            let v = plan.btf.get(c[0]).filter(|v| v.kind() == btf::KIND_VAR)?;
            (v.data.first() != Some(&btf::VAR_STATIC)).then(|| Var {
                name: plan.btf.str_at(v.name_off).to_string(),
                type_id: v.size_or_type,
                offset: c[1],
                size: c[2],
            })
        })
        .collect();
    vars.sort_by(|a, b| (a.offset, &a.name).cmp(&(b.offset, &b.name)));
    vars
}

/// A byte string literal, continued over lines of at most ~100 columns.
fn byte_literal(out: &mut String, bytes: &[u8]) {
    out.push_str("b\"\\\n");
    let mut col = 0;
    for &b in bytes {
        let _ = write!(out, "\\x{b:02x}");
        col += 4;
        if col >= 96 {
            out.push_str("\\\n");
            col = 0;
        }
    }
    out.push('"');
}

/// A C string literal in bpftool's style.
fn c_literal(out: &mut String, bytes: &[u8]) {
    out.push_str("\"\\\n");
    let mut col = 0;
    for &b in bytes {
        let w = if b == 0 { 2 } else { 4 };
        col += w;
        if col > 78 {
            out.push_str("\\\n");
            col = w;
        }
        if b == 0 {
            out.push_str("\\0");
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
}

/// `text` escaped as comment text ([`code`], without its backticks) and
/// cut at spaces into lines of at most `width` characters where it can.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let t = code(text);
    let t = &t[1..t.len() - 1];
    // An option stays on one line with the value after it.
    let mut units: Vec<String> = Vec::new();
    for w in t.split(' ') {
        match units.last_mut() {
            Some(u) if u.starts_with('-') && !u.contains(' ') && !w.starts_with('-') => {
                u.push(' ');
                u.push_str(w);
            }
            _ => units.push(w.to_string()),
        }
    }
    let mut lines = vec![String::new()];
    for w in &units {
        let cur = lines.last_mut().expect("one line at least");
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(w.clone());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
        }
    }
    lines
}

/// Names of the Rust skeleton's module level that the skeleton itself uses
/// or that its code names unqualified.
const RUST_ITEMS: &[&str] = &[
    "INSNS",
    "DATA",
    "MAP_NAMES",
    "PROG_NAMES",
    "CTX_SIZE",
    "LOADER_STEPS",
    "FAILED_STEP_OFFSET",
    "FAULT_STEPS",
    "MAPS",
    "PROGS",
    "SPEC",
    "KCONFIG_VALUE",
    "KCONFIG",
    "take",
    "put",
    "kernel_version",
    "dec",
    "tristate",
    "kchar",
    "imp",
    "kernel",
    "core",
    "std",
    "alloc",
    "LoadError",
    "LoaderSpec",
    "MapSpec",
    "Object",
    "ProgSpec",
    "Fd",
    "Result",
    "Option",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "Copy",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "usize",
    "isize",
    "bool",
    "str",
    "char",
    "f32",
    "f64",
];

/// Methods of a kernel skeleton that are not a program's or a map's.
const RUST_METHODS: &[&str] = &["load", "object", "open", "attach", "detach", "destroy"];

/// The accessor names of a kernel skeleton: one per program, then one per
/// map. A program named like one of the skeleton's own methods gets
/// `_prog`, a map named like a program or such a method `_map`.
fn accessors(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let progs: Vec<String> = plan
        .progs
        .iter()
        .map(|p| {
            let b = names::base(&p.name);
            if RUST_METHODS.contains(&b.as_str()) {
                format!("{b}_prog")
            } else {
                b
            }
        })
        .collect();
    let maps = plan
        .maps
        .iter()
        .map(|m| {
            if progs.contains(&m.ident) || RUST_METHODS.contains(&m.ident.as_str()) {
                format!("{}_map", m.ident)
            } else {
                m.ident.clone()
            }
        })
        .collect();
    (progs, maps)
}

/// Indents the body of the wrapper module, leaving the continuation lines
/// of string literals (after a line ending in `\`) as they are.
fn indent_module(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    let mut in_literal = false;
    for line in body.lines() {
        if !in_literal && !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
        in_literal = line.ends_with('\\');
    }
    out
}

fn rust(plan: &Plan, loaders: &[Loader], o: &Options, kernel: bool) -> Result<String, Error> {
    let mut items = Scope::with_reserved("the Rust skeleton's items", RUST_ITEMS);
    let ty = names::camel(&o.name);
    items.claim(&ty, format!("the skeleton name {}", code(&o.name)))?;
    let mut head = String::new();
    let _ = writeln!(head, "// SPDX-License-Identifier: GPL-2.0");
    let _ = writeln!(
        head,
        "// GENERATED by bpf-lskel from {}: do not edit.",
        code(&o.source)
    );
    head.push_str("// Regenerate with:\n");
    for l in wrapped(&o.command, 96) {
        let _ = writeln!(head, "//   {l}");
    }
    head.push_str("//\n");
    let _ = writeln!(
        head,
        "// Light skeleton for the BPF object {}.",
        code(&o.source)
    );
    head.push_str("//\n");
    head.push_str(
        "// `INSNS` is a `BPF_PROG_TYPE_SYSCALL` loader program and `DATA` its blob: run\n\
         // together, they load the object's BTF, create its maps and load its programs inside\n\
         // the kernel. Both exist for each byte order, selected by `target_endian`.\n\
         //\n\
         // Global data maps start with the contents the object was compiled with, which the\n",
    );
    if kernel {
        head.push_str(
            "// blob carries (`.kconfig` excepted: the skeleton passes its values). The same bytes\n\
             // are exported as `*_INITIAL` constants so users can check sizes.\n",
        );
    } else {
        head.push_str(
            "// blob carries. The same bytes are exported as `*_INITIAL` constants so users can\n\
             // check sizes or build a replacement to pass as the map's initial value.\n",
        );
    }
    if let Some(l) = loaders.first().filter(|l| !l.steps.is_empty()) {
        head.push_str("//\n");
        let _ = writeln!(
            head,
            "// Test build with fault injection: the loader can fail each of its {} steps\n\
             // (`FAULT_STEPS`) on request, through two fields after the descriptors in its ctx.",
            l.steps.len()
        );
    }
    head.push_str(
        "//\n\
         // The items live in a private module, re-exported, so that the file works both as a\n\
         // module of its own and `include!`d; not every user needs every item.\n",
    );
    head.push('\n');
    let mut s = String::new();
    if kernel {
        s.push_str("use kernel::bpf::{\n    loader::{LoadError, LoaderSpec, MapSpec, Object, ProgSpec},\n    Fd,\n};\n\n");
    }
    for l in loaders {
        let e = l.endian.cfg_name();
        let _ = writeln!(
            s,
            "/// Loader program ({e}-endian, {} instructions).",
            l.insns.len() / 8
        );
        let _ = writeln!(s, "#[cfg(target_endian = \"{e}\")]");
        s.push_str("pub const INSNS: &[u8] = ");
        byte_literal(&mut s, &l.insns);
        s.push_str(";\n\n");
        let _ = writeln!(s, "/// Loader data blob ({e}-endian).");
        let _ = writeln!(s, "#[cfg(target_endian = \"{e}\")]");
        s.push_str("pub const DATA: &[u8] = ");
        byte_literal(&mut s, &l.data);
        s.push_str(";\n\n");
    }
    s.push_str(&crate::typed::rust_helpers(plan)?);
    for (i, m) in plan.maps.iter().enumerate() {
        if m.initial.is_none() {
            continue;
        }
        let map = format!("map {}", code(&m.name));
        let up = m.ident.to_ascii_uppercase();
        items.claim(&format!("{up}_INITIAL"), map.clone())?;
        for l in loaders {
            let e = l.endian.cfg_name();
            // Each loader's own bytes: the blob of that byte order's object.
            let v = l
                .initial_values
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_default();
            let _ = writeln!(s, "/// Initial contents of {map} ({e}-endian).");
            let _ = writeln!(s, "#[cfg(target_endian = \"{e}\")]");
            let _ = write!(s, "pub const {up}_INITIAL: &[u8] = ");
            byte_literal(&mut s, &v);
            s.push_str(";\n\n");
        }
        let vars = data_vars(plan, i);
        if !vars.is_empty() {
            let module = names::ident(&m.ident, Syntax::Rust);
            items.claim(&module, map.clone())?;
            let mut consts = Scope::new(format!("module `{module}` of {map}"));
            let _ = writeln!(s, "/// Offsets and sizes of the global variables in {map}.");
            let _ = writeln!(s, "pub mod {module} {{");
            for v in vars {
                let n = names::base(&v.name).to_ascii_uppercase();
                let var = format!("variable {}", code(&v.name));
                consts.claim(&format!("{n}_OFFSET"), var.clone())?;
                consts.claim(&format!("{n}_SIZE"), var.clone())?;
                let _ = writeln!(s, "    /// Offset of {}.", code(&v.name));
                let _ = writeln!(s, "    pub const {n}_OFFSET: usize = {};", v.offset);
                let _ = writeln!(s, "    /// Size of {}.", code(&v.name));
                let _ = writeln!(s, "    pub const {n}_SIZE: usize = {};", v.size);
            }
            s.push_str("}\n\n");
        }
        s.push_str(&crate::typed::rust_types(plan, i, &o.name, &mut items)?);
    }
    let nm = plan.maps.len();
    let np = plan.progs.len();
    s.push_str("/// Names of the maps, in ctx order.\n");
    name_list(
        &mut s,
        "MAP_NAMES",
        plan.maps.iter().map(|m| m.name.as_str()),
    );
    s.push_str("/// Names of the programs, in ctx order.\n");
    name_list(
        &mut s,
        "PROG_NAMES",
        plan.progs.iter().map(|p| p.name.as_str()),
    );
    let steps = loaders
        .first()
        .map(|l| l.steps.as_slice())
        .unwrap_or_default();
    let step_names = loaders
        .first()
        .map(|l| l.step_names.as_slice())
        .unwrap_or_default();
    let str_ty = if kernel { "kernel::str::CStr" } else { "str" };
    let lit = |st: &str| {
        if kernel {
            format!("kernel::c_str!({})", names::rust_str(st))
        } else {
            names::rust_str(st)
        }
    };
    s.push_str(
        "/// The loader's steps that can fail: a failed loader leaves the number of the one that\n\
         /// failed (from 1: step `k` is at `k - 1`) at [`FAILED_STEP_OFFSET`] in its ctx.\n",
    );
    // Numbered as the loader numbers them; comments on lines of their own
    // also keep rustfmt from joining short lists onto one line.
    let steps_list: Vec<String> = step_names
        .iter()
        .map(|st| format!("{},", lit(st)))
        .collect();
    if steps_list.is_empty() {
        let _ = writeln!(s, "pub static LOADER_STEPS: [&{str_ty}; 0] = [];\n");
    } else {
        let _ = writeln!(
            s,
            "pub static LOADER_STEPS: [&{str_ty}; {}] = [",
            steps_list.len()
        );
        for (k, it) in steps_list.iter().enumerate() {
            let _ = writeln!(s, "    // {}\n    {it}", k + 1);
        }
        s.push_str("];\n\n");
    }
    s.push_str("/// Offset of the `u32` failed step in the loader ctx, after the descriptors.\n");
    let _ = writeln!(
        s,
        "pub const FAILED_STEP_OFFSET: usize = {};\n",
        ctx::failed_step(nm, np)
    );
    if steps.is_empty() {
        s.push_str(
            "/// Size of the loader ctx (`struct bpf_loader_ctx`, descriptors and the failed step).\n",
        );
        let _ = writeln!(s, "pub const CTX_SIZE: usize = {};", ctx::size(nm, np));
    } else {
        s.push_str(
            "/// Size of the loader ctx (`struct bpf_loader_ctx`, descriptors, the failed step,\n",
        );
        s.push_str("/// `fault_step` and `fault_errno`).\n");
        let _ = writeln!(
            s,
            "pub const CTX_SIZE: usize = {};",
            ctx::size_fault(nm, np)
        );
        s.push('\n');
        s.push_str(
            "/// The loader's steps that fault injection can fail; step `k` is at `k - 1`.\n",
        );
        let _ = writeln!(
            s,
            "pub static FAULT_STEPS: [&{str_ty}; {}] = [",
            steps.len()
        );
        for st in steps {
            let _ = writeln!(s, "    {},", lit(st));
        }
        s.push_str("];\n");
    }
    if kernel {
        kernel_skeleton(&mut s, plan, o, &ty, steps.is_empty())?;
    } else if steps.is_empty() {
        user_skeleton(&mut s, plan, o, &ty, &mut items)?;
    }
    let mut out = head;
    out.push_str(
        "#[allow(\n    dead_code,\n    non_camel_case_types,\n    non_snake_case,\n    non_upper_case_globals\n)]\nmod imp {\n",
    );
    out.push_str(&indent_module(&s));
    out.push_str("}\n\npub use imp::*;\n");
    Ok(out)
}

/// The kernel skeleton's specs, struct and methods.
fn kernel_skeleton(
    s: &mut String,
    plan: &Plan,
    o: &Options,
    ty: &str,
    plain: bool,
) -> Result<(), Error> {
    s.push('\n');
    let maps: Vec<String> = plan
        .maps
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "MapSpec {{\nname: kernel::c_str!({}),\ninitial_value: {},\n}}",
                names::rust_str(&m.name),
                crate::typed::kernel_initial(plan, i)
            )
        })
        .collect();
    s.push_str(&crate::typed::kernel_items(plan)?);
    static_array(s, "MAPS", "MapSpec", &maps);
    let progs: Vec<String> = plan
        .progs
        .iter()
        .map(|p| {
            format!(
                "ProgSpec {{\nname: kernel::c_str!({}),\n}}",
                names::rust_str(&p.name.chars().take(15).collect::<String>())
            )
        })
        .collect();
    static_array(s, "PROGS", "ProgSpec", &progs);
    let _ = writeln!(s, "/// What [`{ty}::load`] runs.");
    s.push_str("pub static SPEC: LoaderSpec = LoaderSpec {\n    insns: INSNS,\n    data: DATA,\n    maps: &MAPS,\n    progs: &PROGS,\n    steps: &LOADER_STEPS,\n};\n\n");
    let _ = writeln!(
        s,
        "/// The loaded {} object: its maps and programs.",
        code(&o.source)
    );
    let _ = writeln!(s, "pub struct {ty} {{\n    obj: Object,\n}}\n");
    let _ = writeln!(s, "impl {ty} {{");
    s.push_str("    /// Runs the loader in the kernel: BTF, maps and programs.\n");
    if plain {
        s.push_str("    pub fn load() -> Result<Self, LoadError> {\n        Ok(Self { obj: SPEC.load()? })\n    }\n");
    } else {
        s.push_str("    ///\n    /// Fault injection may fail any of the loader's steps.\n");
        s.push_str("    pub fn load() -> Result<Self, LoadError> {\n        Ok(Self {\n            obj: SPEC.load_fault_injected(&FAULT_STEPS)?,\n        })\n    }\n");
    }
    s.push_str("\n    /// The underlying object.\n    pub fn object(&self) -> &Object {\n        &self.obj\n    }\n");
    let mut methods = Scope::with_reserved(format!("the methods of `{ty}`"), RUST_METHODS);
    let (prog_acc, map_acc) = accessors(plan);
    for (j, p) in plan.progs.iter().enumerate() {
        let what = match p.attach_target.as_ref() {
            Some((t, _)) if p.expected_attach_type == progtype::ATTACH_TRACE_ITER => {
                format!("iterator {}", code(t))
            }
            Some((t, _)) => format!("program attaching to {}", code(t)),
            None => format!("program in section {}", code(&p.section)),
        };
        let f = names::ident(&prog_acc[j], Syntax::Rust);
        methods.claim(&f, format!("program {}", code(&p.name)))?;
        let _ = writeln!(s, "\n    /// The {what} ({}).", code(&p.name));
        let _ = writeln!(
            s,
            "    pub fn {f}(&self) -> &Fd {{\n        self.obj.prog({j})\n    }}"
        );
    }
    for (i, m) in plan.maps.iter().enumerate() {
        let kind = match m.kind {
            MapKind::Btf => "map",
            MapKind::Data => "global data map",
            MapKind::Rodata => "read-only global data map (frozen)",
            MapKind::Bss => "zero-initialised global data map",
            MapKind::Kconfig => "kconfig values map (frozen)",
        };
        let f = names::ident(&map_acc[i], Syntax::Rust);
        methods.claim(&f, format!("map {}", code(&m.name)))?;
        let _ = writeln!(s, "\n    /// The {kind} {}.", code(&m.name));
        let _ = writeln!(
            s,
            "    pub fn {f}(&self) -> &Fd {{\n        self.obj.map({i})\n    }}"
        );
    }
    s.push_str(&crate::typed::kernel_accessors(
        plan,
        &o.name,
        &mut methods,
    )?);
    s.push_str("}\n");
    Ok(())
}

/// How the `lskel` runtime attaches program `p`, as a `::lskel::Attach`
/// expression, from its type and section (libbpf's conventions).
fn user_attach(p: &crate::plan::ProgPlan) -> String {
    let sec = p.section.as_str();
    let after = |prefixes: &[&str]| {
        prefixes
            .iter()
            .find_map(|pre| sec.strip_prefix(pre))
            .filter(|r| !r.is_empty())
    };
    let a = "::lskel::Attach::";
    // The section table says how a program attaches; the runtime does
    // what it can of that, the rest is the user's (Manual).
    match p.attach {
        SecAttach::Iter => format!("{a}Iter"),
        SecAttach::Trace | SecAttach::Lsm => format!("{a}Trace"),
        SecAttach::RawTracepoint => match after(&[
            "raw_tp/",
            "raw_tracepoint/",
            "raw_tp.w/",
            "raw_tracepoint.w/",
            "raw_tp.s/",
            "raw_tracepoint.s/",
        ]) {
            Some(tp) => format!("{a}RawTracepoint({})", names::rust_str(tp)),
            None => format!("{a}Manual"),
        },
        SecAttach::Tracepoint => {
            match after(&["tp/", "tracepoint/", "tp.s/", "tracepoint.s/"])
                .and_then(|r| r.split_once('/'))
            {
                Some((cat, name)) if !cat.is_empty() && !name.is_empty() => format!(
                    "{a}Tracepoint {{\ncategory: {},\nname: {},\n}}",
                    names::rust_str(cat),
                    names::rust_str(name)
                ),
                _ => format!("{a}Manual"),
            }
        }
        SecAttach::Kprobe => {
            let (f, ret) = match (after(&["kprobe/"]), after(&["kretprobe/"])) {
                (Some(f), _) => (f, false),
                (None, Some(f)) => (f, true),
                (None, None) => return format!("{a}Manual"),
            };
            let (func, off) = match f.split_once('+') {
                Some((func, off)) if !ret => {
                    let off = off
                        .strip_prefix("0x")
                        .map_or_else(|| off.parse().ok(), |h| u64::from_str_radix(h, 16).ok());
                    match off {
                        Some(o) => (func, o),
                        None => return format!("{a}Manual"),
                    }
                }
                _ => (f, 0),
            };
            format!(
                "{a}Kprobe {{\nfunction: {},\noffset: {off},\nretprobe: {ret},\n}}",
                names::rust_str(func)
            )
        }
        SecAttach::Xdp => format!("{a}Xdp"),
        SecAttach::Tcx => match p.expected_attach_type {
            progtype::ATTACH_TCX_INGRESS => format!("{a}TcxIngress"),
            progtype::ATTACH_TCX_EGRESS => format!("{a}TcxEgress"),
            _ => format!("{a}Manual"),
        },
        SecAttach::Tc => format!("{a}Tc"),
        _ => format!("{a}Manual"),
    }
}

/// A struct literal for `static_array`: `ty {`, one field a line, `}`; a
/// field value over lines is indented with the field.
fn struct_lit(ty: &str, fields: &[(&str, String)]) -> String {
    let mut s = format!("{ty} {{\n");
    for (f, v) in fields {
        // Lines between the first and the last are one level deeper.
        let lines: Vec<&str> = v.split('\n').collect();
        let last = lines.len() - 1;
        for (k, l) in lines.iter().enumerate() {
            let pad = if k == 0 || k == last { "" } else { "    " };
            let start = if k == 0 {
                format!("{f}: ")
            } else {
                String::new()
            };
            let end = if k == last { "," } else { "" };
            let _ = writeln!(s, "{pad}{start}{l}{end}");
        }
    }
    s.push('}');
    s
}

/// Whether map `i` gets a typed struct from `typed::rust_types`.
fn user_typed(plan: &Plan, i: usize) -> bool {
    let m = &plan.maps[i];
    m.initial.is_some()
        && data_vars(plan, i).iter().any(|v| {
            v.size > 0 && u64::from(v.offset) + u64::from(v.size) <= u64::from(m.value_size)
        })
}

/// The user-space skeleton over the `lskel` runtime: the spec, then
/// `<Name>Skel` and `Open<Name>` with accessors per map, program and typed
/// global data. Compiled only with `--cfg lskel` (which `lskel-build`
/// sets), so the file still builds where the runtime is not a dependency.
fn user_skeleton(
    s: &mut String,
    plan: &Plan,
    o: &Options,
    ty: &str,
    items: &mut Scope,
) -> Result<(), Error> {
    let skel = format!("{ty}Skel");
    let open = format!("Open{ty}");
    items.claim(&skel, format!("the skeleton name {}", code(&o.name)))?;
    items.claim(&open, format!("the skeleton name {}", code(&o.name)))?;
    let cfg = "#[cfg(lskel)]\n";
    s.push('\n');
    let maps: Vec<String> = plan
        .maps
        .iter()
        .map(|m| {
            let kind = match m.kind {
                MapKind::Btf => "Btf",
                MapKind::Data => "Data",
                MapKind::Rodata => "Rodata",
                MapKind::Bss => "Bss",
                MapKind::Kconfig => "Kconfig",
            };
            let initial = if m.initial.is_some() {
                format!("Some({}_INITIAL)", m.ident.to_ascii_uppercase())
            } else {
                "None".into()
            };
            struct_lit(
                "::lskel::MapSpec",
                &[
                    ("name", names::rust_str(&m.name)),
                    ("kind", format!("::lskel::MapKind::{kind}")),
                    ("map_type", m.map_type.to_string()),
                    ("key_size", m.key_size.to_string()),
                    ("value_size", m.value_size.to_string()),
                    ("max_entries", m.max_entries.to_string()),
                    ("map_flags", m.map_flags.to_string()),
                    ("initial_value", initial),
                ],
            )
        })
        .collect();
    s.push_str(cfg);
    static_array(s, "MAPS", "::lskel::MapSpec", &maps);
    let progs: Vec<String> = plan
        .progs
        .iter()
        .map(|p| {
            struct_lit(
                "::lskel::ProgSpec",
                &[
                    ("name", names::rust_str(&p.name)),
                    ("section", names::rust_str(&p.section)),
                    ("prog_type", p.prog_type.to_string()),
                    ("expected_attach_type", p.expected_attach_type.to_string()),
                    ("attach", user_attach(p)),
                ],
            )
        })
        .collect();
    s.push_str(cfg);
    static_array(s, "PROGS", "::lskel::ProgSpec", &progs);
    let kconfig: Vec<String> = plan
        .kconfig
        .iter()
        .map(|k| {
            let t = match k.ty {
                crate::plan::KconfigType::Bool => "Bool".to_string(),
                crate::plan::KconfigType::Char => "Char".to_string(),
                crate::plan::KconfigType::Tristate => "Tristate".to_string(),
                crate::plan::KconfigType::Int { signed } => format!("Int {{ signed: {signed} }}"),
                crate::plan::KconfigType::CharArray => "CharArray".to_string(),
            };
            struct_lit(
                "::lskel::KconfigSpec",
                &[
                    ("name", names::rust_str(&k.name)),
                    ("offset", k.offset.to_string()),
                    ("size", k.size.to_string()),
                    ("ty", format!("::lskel::KconfigType::{t}")),
                    ("weak", k.weak.to_string()),
                ],
            )
        })
        .collect();
    s.push_str(cfg);
    static_array(s, "KCONFIG", "::lskel::KconfigSpec", &kconfig);
    let _ = writeln!(s, "/// What [`{skel}::open`] opens.");
    s.push_str(cfg);
    s.push_str("pub static SPEC: ::lskel::LoaderSpec = ::lskel::LoaderSpec {\n    insns: INSNS,\n    data: DATA,\n    maps: &MAPS,\n    progs: &PROGS,\n    steps: &LOADER_STEPS,\n    kconfig: &KCONFIG,\n};\n\n");
    let (prog_acc, map_acc) = accessors(plan);
    let reserved: Vec<&str> = RUST_METHODS.iter().copied().chain(["object_mut"]).collect();
    let mut loaded = Scope::with_reserved(format!("the methods of `{skel}`"), &reserved);
    let mut opened = Scope::with_reserved(format!("the methods of `{open}`"), RUST_METHODS);
    let mut lm = String::new();
    let mut om = String::new();
    for (j, p) in plan.progs.iter().enumerate() {
        let f = names::ident(&prog_acc[j], Syntax::Rust);
        let what = format!("program {}", code(&p.name));
        loaded.claim(&f, what.clone())?;
        opened.claim(&f, what.clone())?;
        let _ = writeln!(
            lm,
            "\n    /// The {what} (section {}).\n    pub fn {f}(&self) -> ::lskel::Result<::lskel::Program<'_>> {{\n        self.obj.prog({j})\n    }}",
            code(&p.section)
        );
        let _ = writeln!(
            om,
            "\n    /// The {what}: its autoload.\n    pub fn {f}(&mut self) -> ::lskel::OpenProgram<'_> {{\n        self.obj.prog({j})\n    }}"
        );
    }
    for (i, m) in plan.maps.iter().enumerate() {
        let f = names::ident(&map_acc[i], Syntax::Rust);
        let what = format!("map {}", code(&m.name));
        loaded.claim(&f, what.clone())?;
        opened.claim(&f, what.clone())?;
        let _ = writeln!(
            lm,
            "\n    /// The {what}.\n    pub fn {f}(&self) -> ::lskel::Map<'_> {{\n        self.obj.map({i})\n    }}"
        );
        let _ = writeln!(
            om,
            "\n    /// The {what}: its `max_entries` and initial value.\n    pub fn {f}(&mut self) -> ::lskel::OpenMap<'_> {{\n        self.obj.map({i})\n    }}"
        );
    }
    for (i, m) in plan.maps.iter().enumerate() {
        if !user_typed(plan, i) {
            continue;
        }
        let st = format!("{}{}", names::camel(&o.name), names::camel(&m.ident));
        let what = format!("map {}", code(&m.name));
        let get = names::ident(&format!("{}_value", m.ident), Syntax::Rust);
        let set = names::ident(&format!("set_{}_value", m.ident), Syntax::Rust);
        for scope in [&mut loaded, &mut opened] {
            scope.claim(&get, format!("the accessor of {what}"))?;
        }
        opened.claim(&set, format!("the accessor of {what}"))?;
        let _ = writeln!(
            om,
            "\n    /// The variables of {what} as the loader will set them.\n    pub fn {get}(&self) -> ::lskel::Result<{st}> {{\n        let b = self.obj.initial_array({i})?;\n        Ok({st}::from_bytes(&b))\n    }}"
        );
        let _ = writeln!(
            om,
            "\n    /// Sets the variables of {what} for the loader (other bytes keep theirs).\n    pub fn {set}(&mut self, v: &{st}) -> ::lskel::Result<()> {{\n        let mut b = self.obj.initial_array({i})?;\n        v.write(&mut b);\n        self.obj.set_initial_value({i}, &b)\n    }}"
        );
        let _ = writeln!(
            lm,
            "\n    /// Reads the variables of {what}.\n    pub fn {get}(&self) -> ::lskel::Result<{st}> {{\n        let b = self.obj.global_value({i})?;\n        Ok({st}::from_bytes(&b))\n    }}"
        );
        if matches!(m.kind, MapKind::Data | MapKind::Bss) {
            loaded.claim(&set, format!("the accessor of {what}"))?;
            let _ = writeln!(
                lm,
                "\n    /// Writes the variables of {what} (other bytes keep theirs).\n    pub fn {set}(&mut self, v: &{st}) -> ::lskel::Result<()> {{\n        let mut b = self.obj.global_value({i})?;\n        v.write(&mut b);\n        self.obj.set_global_value({i}, &b)\n    }}"
            );
        }
    }
    // Not the file name: a skeleton of two objects names the first given.
    let src = "BPF";
    let _ = writeln!(
        s,
        "/// The loaded {src} object: it owns its maps, programs and links.\n{cfg}pub struct {skel} {{\n    obj: ::lskel::Object,\n}}\n"
    );
    let _ = writeln!(s, "{cfg}impl {skel} {{");
    let _ = writeln!(
        s,
        "    /// Opens the object; nothing is created before [`{open}::load`].\n    pub fn open() -> ::lskel::Result<{open}> {{\n        Ok({open} {{\n            obj: ::lskel::OpenObject::new(&SPEC),\n        }})\n    }}\n"
    );
    s.push_str("    /// The underlying object.\n    pub fn object(&self) -> &::lskel::Object {\n        &self.obj\n    }\n\n");
    s.push_str("    /// The underlying object, mutable: global data as `&mut [u8]`, links.\n    pub fn object_mut(&mut self) -> &mut ::lskel::Object {\n        &mut self.obj\n    }\n\n");
    s.push_str("    /// Attaches every program whose section says where (not XDP or tc ones).\n    pub fn attach(&mut self) -> ::lskel::Result<()> {\n        self.obj.attach_all()\n    }\n\n");
    s.push_str("    /// Detaches what [`Self::attach`] attached.\n    pub fn detach(&mut self) {\n        self.obj.detach_all()\n    }\n");
    s.push_str(&lm);
    s.push_str("}\n\n");
    let _ = writeln!(
        s,
        "/// The {src} object before load: map sizes, initial values, autoload.\n{cfg}pub struct {open} {{\n    obj: ::lskel::OpenObject,\n}}\n"
    );
    let _ = writeln!(s, "{cfg}impl {open} {{");
    let _ = writeln!(
        s,
        "    /// Runs the loader: creates the maps and loads the programs.\n    pub fn load(self) -> ::lskel::Result<{skel}> {{\n        Ok({skel} {{\n            obj: self.obj.load()?,\n        }})\n    }}\n"
    );
    s.push_str("    /// The underlying open object.\n    pub fn object(&mut self) -> &mut ::lskel::OpenObject {\n        &mut self.obj\n    }\n");
    s.push_str(&om);
    s.push_str("}\n");
    Ok(())
}

/// A list of names, one per line with its index, which rustfmt keeps as is.
fn name_list<'a>(s: &mut String, name: &str, list: impl ExactSizeIterator<Item = &'a str>) {
    let n = list.len();
    if n == 0 {
        let _ = writeln!(s, "pub const {name}: [&str; 0] = [];\n");
        return;
    }
    let items: Vec<String> = list.map(|x| format!("{},", names::rust_str(x))).collect();
    let w = items.iter().map(String::len).max().unwrap_or(0);
    let _ = writeln!(s, "pub const {name}: [&str; {n}] = [");
    for (i, x) in items.iter().enumerate() {
        let _ = writeln!(s, "    {x:<w$} // {i}");
    }
    s.push_str("];\n\n");
}

/// A static array of struct literals (given with `\n` between lines), laid
/// out the way rustfmt lays it out.
fn static_array(s: &mut String, name: &str, ty: &str, items: &[String]) {
    let n = items.len();
    let indent = |item: &str, base: &str| -> String {
        let lines: Vec<&str> = item.split('\n').collect();
        let last = lines.len() - 1;
        lines
            .iter()
            .enumerate()
            .map(|(k, l)| {
                if k == 0 || k == last {
                    format!("{base}{l}")
                } else {
                    format!("{base}    {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    match n {
        0 => {
            let _ = writeln!(s, "static {name}: [{ty}; 0] = [];\n");
        }
        1 => {
            let body = indent(&items[0], "");
            let _ = writeln!(s, "static {name}: [{ty}; 1] = [{body}];\n");
        }
        _ => {
            let _ = writeln!(s, "static {name}: [{ty}; {n}] = [");
            for it in items {
                let _ = writeln!(s, "{},", indent(it, "    "));
            }
            s.push_str("];\n\n");
        }
    }
}

/// A global data map of a C skeleton with typed, mmapped contents, as
/// bpftool's light skeletons have them (`skel->bss->counter`).
struct CData {
    /// Index of the map.
    map: usize,
    /// The map's (and the pointer member's) identifier.
    id: String,
    /// The struct's member lines.
    body: String,
    /// Members whose size `__assert` checks, with that size.
    sized: Vec<(String, u32)>,
    /// Frozen: read-only once loaded.
    read_only: bool,
}

/// The typed contents of map `i` (identifier `id`), if libbpf would mmap
/// it: a global data map with at least one global variable. Members are
/// laid out at their offsets with `char __padN[]` between them; a variable
/// whose type has no safe C declaration is `char NAME[SIZE]`.
fn c_data(plan: &Plan, i: usize, id: &str) -> Result<Option<CData>, Error> {
    let m = &plan.maps[i];
    if m.map_flags & crate::plan::F_MMAPABLE == 0 || m.initial.is_none() {
        return Ok(None);
    }
    let vars = data_vars(plan, i);
    if vars.is_empty() {
        return Ok(None);
    }
    let mut scope = Scope::new(format!(
        "the members of the typed contents of map {}",
        code(&m.name)
    ));
    let (mut body, mut sized) = (String::new(), Vec::new());
    let (mut off, mut pads) = (0u32, 0);
    for v in vars {
        if v.offset < off || v.size == 0 {
            // Overlapping or empty: nothing C can lay out there.
            continue;
        }
        let name = names::ident(&v.name, Syntax::C);
        scope.claim(&name, format!("variable {}", code(&v.name)))?;
        let typed = crate::cdecl::decl(&plan.btf, v.type_id, &name, 2)
            .zip(crate::cdecl::align_of(&plan.btf, v.type_id));
        let align = typed.as_ref().map_or(1, |t| t.1.max(1));
        if off.div_ceil(align) * align != v.offset {
            let pad = format!("__pad{pads}");
            scope.claim(&pad, "padding")?;
            let _ = writeln!(body, "\t\tchar {pad}[{}];", v.offset - off);
            pads += 1;
        }
        let d = typed.map_or_else(|| format!("char {name}[{}]", v.size), |t| t.0);
        let _ = writeln!(body, "\t\t{d};");
        sized.push((name, v.size));
        off = v.offset + v.size;
    }
    Ok(Some(CData {
        map: i,
        id: id.to_string(),
        body,
        sized,
        read_only: m.freeze,
    }))
}

fn c(plan: &Plan, loaders: &[Loader], o: &Options) -> Result<String, Error> {
    let mut s = String::new();
    let n = &o.name;
    let mut map_scope = Scope::new(format!("the map members of `struct {n}`"));
    let mut maps = Vec::with_capacity(plan.maps.len());
    for m in &plan.maps {
        let id = names::ident(&m.ident, Syntax::C);
        map_scope.claim(&id, format!("map {}", code(&m.name)))?;
        maps.push(id);
    }
    let mut prog_scope = Scope::new(format!("the program members of `struct {n}`"));
    let mut progs = Vec::with_capacity(plan.progs.len());
    for p in &plan.progs {
        let id = names::ident(&p.name, Syntax::C);
        prog_scope.claim(&id, format!("program {}", code(&p.name)))?;
        progs.push(id);
    }
    let mut members = Scope::with_reserved(
        format!("the members of `struct {n}`"),
        &["ctx", "maps", "progs", "failed_step", "links"],
    );
    let mut datas = Vec::new();
    for (i, id) in maps.iter().enumerate() {
        if let Some(d) = c_data(plan, i, id)? {
            members.claim(
                id,
                format!("the contents of map {}", code(&plan.maps[i].name)),
            )?;
            datas.push(d);
        }
    }
    let guard = format!("__{}_SKEL_H__", n.to_ascii_uppercase());
    s.push_str("/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */\n");
    let _ = writeln!(
        s,
        "/* GENERATED by bpf-lskel from {}: do not edit. */",
        code(&o.source)
    );
    s.push_str("/* Regenerate with:\n");
    for l in wrapped(&o.command, 96) {
        let _ = writeln!(s, " *   {l}");
    }
    s.push_str(" */\n");
    let _ = writeln!(s, "#ifndef {guard}\n#define {guard}\n");
    s.push_str("#include <bpf/skel_internal.h>\n");
    if plan.maps.iter().any(|m| m.sized_per_cpu()) {
        // open() for NAME__possible_cpus().
        s.push_str("#ifndef __KERNEL__\n#include <fcntl.h>\n#endif\n");
    }
    s.push('\n');
    let _ = writeln!(s, "struct {n} {{\n\tstruct bpf_loader_ctx ctx;");
    if !plan.maps.is_empty() {
        s.push_str("\tstruct {\n");
        for m in &maps {
            let _ = writeln!(s, "\t\tstruct bpf_map_desc {m};");
        }
        s.push_str("\t} maps;\n");
    }
    s.push_str("\tstruct {\n");
    for p in &progs {
        let _ = writeln!(s, "\t\tstruct bpf_prog_desc {p};");
    }
    s.push_str("\t} progs;\n");
    s.push_str("\t__u32 failed_step; /* set by a failed __load: see __failed_step() */\n");
    s.push_str("\tstruct {\n");
    for p in &progs {
        let _ = writeln!(s, "\t\tint {p}_fd;");
    }
    s.push_str("\t} links;\n");
    for d in &datas {
        let _ = writeln!(s, "\tstruct {n}__{} {{\n{}\t}} *{};", d.id, d.body, d.id);
    }
    s.push_str("};\n\n");
    if !datas.is_empty() {
        // bpftool rounds to the build host's page size; this asks the target's.
        let _ = writeln!(
            s,
            "/* The size of a mapping of SZ bytes of map data: whole pages. */\n\
             static inline size_t\n{n}__mmap_sz(size_t sz)\n{{\n\
             #ifdef __KERNEL__\n\treturn PAGE_ALIGN(sz);\n#else\n\
             \tsize_t page = sysconf(_SC_PAGESIZE);\n\n\
             \treturn page * ((sz + page - 1) / page);\n#endif\n}}\n"
        );
    }
    // One attach function per program, as bpftool writes them; those the
    // skeleton cannot attach by itself return 0 and attach nothing.
    for (p, id) in plan.progs.iter().zip(&progs) {
        // What bpftool's headers attach, by the section table's kind:
        // iterators, BTF-attached tracing and LSM programs, raw
        // tracepoints; no lsm_cgroup or tracing-multi link through
        // raw_tracepoint_open as bpftool's switch on the program type does.
        let call = match p.attach {
            SecAttach::Iter => Some("skel_link_create(prog_fd, 0, BPF_TRACE_ITER)".to_string()),
            SecAttach::Trace | SecAttach::Lsm => {
                Some("skel_raw_tracepoint_open(NULL, prog_fd)".to_string())
            }
            SecAttach::RawTracepoint => {
                p.section
                    .split_once('/')
                    .filter(|x| !x.1.is_empty())
                    .map(|x| {
                        format!(
                            "skel_raw_tracepoint_open({}, prog_fd)",
                            names::c_str(x.1.as_bytes())
                        )
                    })
            }
            _ => None,
        };
        let call =
            call.unwrap_or_else(|| "((void)prog_fd, 0); /* auto-attach not supported */".into());
        let call = if call.ends_with("*/") {
            call
        } else {
            format!("{call};")
        };
        let _ = writeln!(
            s,
            "static inline int\n{n}__{id}__attach(struct {n} *skel)\n{{\n\tint prog_fd = skel->progs.{id}.prog_fd;\n\tint fd = {call}\n\n\tif (fd > 0)\n\t\tskel->links.{id}_fd = fd;\n\treturn fd;\n}}\n"
        );
    }
    let _ = writeln!(
        s,
        "static inline int\n{n}__attach(struct {n} *skel)\n{{\n\tint ret = 0;\n"
    );
    for id in &progs {
        let _ = writeln!(s, "\tret = ret < 0 ? ret : {n}__{id}__attach(skel);");
    }
    s.push_str("\treturn ret < 0 ? ret : 0;\n}\n\n");
    let _ = writeln!(s, "static inline void\n{n}__detach(struct {n} *skel)\n{{");
    for p in &progs {
        let _ = writeln!(s, "\tskel_closenz(skel->links.{p}_fd);");
    }
    s.push_str("}\n\n");
    if plan.maps.iter().any(|m| m.sized_per_cpu()) {
        s.push_str(&c_possible_cpus(n));
    }
    let mmap_sz = |d: &CData| format!("{n}__mmap_sz({})", plan.maps[d.map].value_size);
    let _ = writeln!(s, "static void\n{n}__destroy(struct {n} *skel)\n{{\n\tif (!skel)\n\t\treturn;\n\t{n}__detach(skel);");
    for p in &progs {
        let _ = writeln!(s, "\tskel_closenz(skel->progs.{p}.prog_fd);");
    }
    for (i, m) in maps.iter().enumerate() {
        if let Some(d) = datas.iter().find(|d| d.map == i) {
            let _ = writeln!(
                s,
                "\tskel_free_map_data(skel->{m}, skel->maps.{m}.initial_value, {});",
                mmap_sz(d)
            );
        }
        let _ = writeln!(s, "\tskel_closenz(skel->maps.{m}.map_fd);");
    }
    s.push_str("\tskel_free(skel);\n}\n\n");
    let _ = writeln!(
        s,
        "static inline struct {n} *\n{n}__open(void)\n{{\n\tstruct {n} *skel;\n\n\tskel = skel_alloc(sizeof(*skel));\n\tif (!skel)\n\t\tgoto cleanup;\n\tskel->ctx.sz = (void *)&skel->links - (void *)skel;"
    );
    // Perf event arrays declared without max_entries hold one entry per
    // possible CPU of the machine that loads them, as libbpf sizes them.
    for (i, m) in plan.maps.iter().enumerate() {
        if m.sized_per_cpu() {
            let _ = writeln!(
                s,
                "\tskel->maps.{}.max_entries = {n}__possible_cpus();\n\tif (!skel->maps.{}.max_entries)\n\t\tgoto cleanup;",
                maps[i], maps[i]
            );
        }
    }
    // Typed contents start as the object's, in memory of the skeleton's
    // own: set them (.rodata included) before __load, which hands them to
    // the loader and maps the maps in their place.
    for d in &datas {
        let id = &d.id;
        s.push_str("\t{\n");
        by_order(&mut s, loaders, false, |s, l| {
            let v = l
                .initial_values
                .get(d.map)
                .cloned()
                .flatten()
                .unwrap_or_default();
            s.push_str("\t\tstatic const char data[] __attribute__((__aligned__(8))) = ");
            c_literal(s, &v);
            s.push_str(";\n");
        });
        let _ = writeln!(
            s,
            "\n\t\tskel->{id} = skel_prep_map_data((void *)data, {}, sizeof(data) - 1);\n\t\tif (!skel->{id})\n\t\t\tgoto cleanup;\n\t\tskel->maps.{id}.initial_value = (__u64)(long)skel->{id};\n\t}}",
            mmap_sz(d)
        );
    }
    let _ = writeln!(
        s,
        "\treturn skel;\ncleanup:\n\t{n}__destroy(skel);\n\treturn NULL;\n}}\n"
    );
    let _ = writeln!(s, "static inline int\n{n}__load(struct {n} *skel)\n{{\n\tstruct bpf_load_and_run_opts opts = {{}};");
    by_order(&mut s, loaders, true, |s, l| {
        s.push_str("\tstatic const char opts_data[] __attribute__((__aligned__(8))) = ");
        c_literal(s, &l.data);
        s.push_str(";\n\tstatic const char opts_insn[] __attribute__((__aligned__(8))) = ");
        c_literal(s, &l.insns);
        s.push_str(";\n");
    });
    let _ = writeln!(
        s,
        "\tint err;\n\n\topts.ctx = (struct bpf_loader_ctx *)skel;\n\topts.data_sz = sizeof(opts_data) - 1;\n\topts.data = (void *)opts_data;\n\topts.insns_sz = sizeof(opts_insn) - 1;\n\topts.insns = (void *)opts_insn;\n\n\terr = bpf_load_and_run(&opts);\n\tif (err < 0)\n\t\treturn err;"
    );
    for d in &datas {
        let id = &d.id;
        let prot = if d.read_only {
            "PROT_READ"
        } else {
            "PROT_READ | PROT_WRITE"
        };
        let _ = writeln!(
            s,
            "\tskel->{id} = skel_finalize_map_data(&skel->maps.{id}.initial_value, {},\n\t\t\t\t\t{prot}, skel->maps.{id}.map_fd);\n\tif (!skel->{id})\n\t\treturn -ENOMEM;",
            mmap_sz(d)
        );
    }
    s.push_str("\treturn 0;\n}\n\n");
    let names_of: Vec<&String> = loaders
        .first()
        .map(|l| l.step_names.iter().collect())
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "/* The step of the loader that failed, after __load failed; NULL if none. */\n\
         static inline const char *\n{n}__failed_step(const struct {n} *skel)\n{{"
    );
    if names_of.is_empty() {
        s.push_str("\t(void)skel;\n\treturn NULL;\n}\n\n");
    } else {
        s.push_str("\tstatic const char *const steps[] = {\n");
        for st in names_of {
            let _ = writeln!(s, "\t\t{},", names::c_str(st.as_bytes()));
        }
        s.push_str(
            "\t};\n\n\tif (skel->failed_step < 1 || skel->failed_step > sizeof(steps) / sizeof(steps[0]))\n\
             \t\treturn NULL;\n\treturn steps[skel->failed_step - 1];\n}\n\n",
        );
    }
    let _ = writeln!(
        s,
        "static inline struct {n} *\n{n}__open_and_load(void)\n{{\n\tstruct {n} *skel;\n\n\tskel = {n}__open();\n\tif (!skel)\n\t\treturn NULL;\n\tif ({n}__load(skel)) {{\n\t\t{n}__destroy(skel);\n\t\treturn NULL;\n\t}}\n\treturn skel;\n}}\n"
    );
    {
        let _ = writeln!(
            s,
            "__attribute__((unused)) static void\n{n}__assert(struct {n} *s __attribute__((unused)))\n{{\n#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif"
        );
        for d in &datas {
            for (v, size) in &d.sized {
                let _ = writeln!(
                    s,
                    "\t_Static_assert(sizeof(s->{}->{v}) == {size}, \"unexpected size of '{v}'\");",
                    d.id
                );
            }
        }
        s.push_str("#ifdef __cplusplus\n#undef _Static_assert\n#endif\n}\n\n");
    }
    let _ = writeln!(s, "#endif /* {guard} */");
    Ok(s)
}

/// `NAME__possible_cpus()`: the number of possible CPUs, counted from
/// `/sys/devices/system/cpu/possible` in user space (0 if it cannot be
/// read), `num_possible_cpus()` in the kernel.
fn c_possible_cpus(n: &str) -> String {
    format!(
        "/* The possible CPUs of this machine, as libbpf counts them; 0 on error. */\n\
         static inline __u32\n{n}__possible_cpus(void)\n{{\n\
         #ifdef __KERNEL__\n\treturn num_possible_cpus();\n#else\n\
         \tchar buf[4096], *p = buf;\n\
         \t__u32 cpus = 0;\n\
         \tssize_t len;\n\
         \tint fd;\n\n\
         \tfd = open(\"/sys/devices/system/cpu/possible\", O_RDONLY | O_CLOEXEC);\n\
         \tif (fd < 0)\n\t\treturn 0;\n\
         \tlen = read(fd, buf, sizeof(buf) - 1);\n\
         \tclose(fd);\n\
         \tif (len <= 0)\n\t\treturn 0;\n\
         \tbuf[len] = 0;\n\
         \twhile (*p >= '0' && *p <= '9') {{\n\
         \t\tunsigned long a = strtoul(p, &p, 10), b = a;\n\n\
         \t\tif (*p == '-')\n\t\t\tb = strtoul(p + 1, &p, 10);\n\
         \t\tif (b < a)\n\t\t\treturn 0;\n\
         \t\tcpus += b - a + 1;\n\
         \t\tif (*p != ',')\n\t\t\tbreak;\n\
         \t\tp++;\n\
         \t}}\n\
         \treturn cpus;\n#endif\n}}\n\n"
    )
}

/// Emits `f` for each loader, under `#if __BYTE_ORDER__` tests when there
/// are two; with one and `guard`, a test refuses the other byte order.
fn by_order(
    s: &mut String,
    loaders: &[Loader],
    guard: bool,
    mut f: impl FnMut(&mut String, &Loader),
) {
    let order = |l: &Loader| {
        if l.endian == Endian::Little {
            "__ORDER_LITTLE_ENDIAN__"
        } else {
            "__ORDER_BIG_ENDIAN__"
        }
    };
    if let [l] = loaders {
        if guard {
            let _ = writeln!(
                s,
                "#if __BYTE_ORDER__ != {}\n#error \"this skeleton holds a {}-endian loader only\"\n#endif",
                order(l),
                l.endian.cfg_name()
            );
        }
        f(s, l);
        return;
    }
    for (k, l) in loaders.iter().enumerate() {
        let _ = writeln!(
            s,
            "#{} __BYTE_ORDER__ == {}",
            if k == 0 { "if" } else { "elif" },
            order(l)
        );
        f(s, l);
    }
    s.push_str("#else\n#error \"unsupported byte order\"\n#endif\n");
}
