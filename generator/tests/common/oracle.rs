// SPDX-License-Identifier: GPL-2.0
//! Whether generated source holds code of the object's: an oracle for the
//! hostile corpus and the fuzzer, independent of whether it compiles.
//!
//! Every identifier of a skeleton must be the back end's own (a fixed
//! vocabulary) or made from a name the object gives a program, map,
//! variable or kconfig extern (with the affixes the back ends add); every
//! call must be to a function the back ends call. Text of the object that
//! is not such a name (sections, tracepoint names, file names) may appear
//! only inside string literals and comments, so injected code shows up as
//! an identifier or a call nobody derived. Rust is parsed with `syn`; C
//! goes through a tokenizer that rejects anything outside the small
//! grammar the C back end writes.

use std::collections::BTreeSet;

use bpf_lskel::backend;
use bpf_lskel::names::{self, Syntax};
use bpf_lskel::Plan;

/// Identifiers the Rust back ends write themselves.
const RUST_VOCAB: &[&str] = &[
    "kernel",
    "bpf",
    "loader",
    "LoadError",
    "LoaderSpec",
    "MapSpec",
    "Object",
    "ProgSpec",
    "Fd",
    "INSNS",
    "DATA",
    "MAP_NAMES",
    "PROG_NAMES",
    "CTX_SIZE",
    "FAULT_STEPS",
    "MAPS",
    "PROGS",
    "SPEC",
    "KCONFIG_VALUE",
    "take",
    "put",
    "kernel_version",
    "dec",
    "tristate",
    "kchar",
    "imp",
    "target_endian",
    "allow",
    "dead_code",
    "non_camel_case_types",
    "non_snake_case",
    "non_upper_case_globals",
    "derive",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Eq",
    "cfg",
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
    "bool",
    "str",
    "Self",
    "self",
    "Result",
    "Ok",
    "Some",
    "None",
    "Map",
    "error",
    "core",
    "array",
    "from_fn",
    "from_ne_bytes",
    "to_ne_bytes",
    "copy_from_slice",
    "from_bytes",
    "from_fd",
    "read",
    "write",
    "iter",
    "enumerate",
    "from",
    "c_str",
    "CStr",
    "insns",
    "data",
    "maps",
    "progs",
    "name",
    "initial_value",
    "obj",
    "load",
    "load_fault_injected",
    "object",
    "prog",
    "map",
    "SIZE",
    "b",
    "v",
    "k",
    "x",
    "y",
    "m",
    "n",
    "i",
    "at",
    "N",
    "s",
    "env",
    "as_bytes",
    "len",
    "patch",
    "VERSION",
    "PATCHLEVEL",
    "SUBLEVEL",
    "CONFIG_ARCH_HAS_SYSCALL_WRAPPER",
    "mut",
    "pub",
    "fn",
    "const",
    "static",
    "struct",
    "impl",
    "use",
    "mod",
    "let",
    "if",
    "else",
    "while",
    "for",
    "in",
    "as",
    "return",
    "doc",
    "LOADER_STEPS",
    "FAILED_STEP_OFFSET",
    "steps",
    // The user-space skeleton over the `lskel` runtime.
    "lskel",
    // The elided lifetime `'_` of borrowed handles.
    "_",
    "KCONFIG",
    "MapKind",
    "Btf",
    "Data",
    "Rodata",
    "Bss",
    "Kconfig",
    "KconfigSpec",
    "KconfigType",
    "Bool",
    "Char",
    "Tristate",
    "Int",
    "CharArray",
    "signed",
    "Attach",
    "Manual",
    "Iter",
    "RawTracepoint",
    "Tracepoint",
    "Kprobe",
    "Trace",
    "Xdp",
    "Tc",
    "TcxIngress",
    "TcxEgress",
    "category",
    "function",
    "offset",
    "retprobe",
    "kind",
    "map_type",
    "key_size",
    "value_size",
    "max_entries",
    "map_flags",
    "section",
    "prog_type",
    "expected_attach_type",
    "attach",
    "size",
    "ty",
    "weak",
    "kconfig",
    "OpenObject",
    "OpenMap",
    "OpenProgram",
    "Program",
    "new",
    "open",
    "object_mut",
    "attach_all",
    "detach",
    "detach_all",
    "global_value",
    "set_global_value",
    "initial_array",
    "set_initial_value",
];

/// Functions, methods and macros the Rust back ends call.
const RUST_CALLS: &[&str] = &[
    "Ok",
    "Some",
    "from_fn",
    "from_ne_bytes",
    "to_ne_bytes",
    "copy_from_slice",
    "from_bytes",
    "from_fd",
    "read",
    "write",
    "iter",
    "enumerate",
    "from",
    "c_str",
    "take",
    "put",
    "load",
    "load_fault_injected",
    "prog",
    "map",
    "kernel_version",
    "dec",
    "tristate",
    "kchar",
    "env",
    "as_bytes",
    "len",
    "cfg",
    "RawTracepoint",
    "new",
    "attach_all",
    "detach_all",
    "global_value",
    "set_global_value",
    "initial_array",
    "set_initial_value",
];

/// Identifiers the C back end writes itself, the calls among them included.
const C_VOCAB: &[&str] = &[
    "ifndef",
    "define",
    "include",
    "bpf",
    "skel_internal",
    "h",
    "if",
    "elif",
    "else",
    "error",
    "endif",
    "__BYTE_ORDER__",
    "__ORDER_LITTLE_ENDIAN__",
    "__ORDER_BIG_ENDIAN__",
    "struct",
    "bpf_loader_ctx",
    "ctx",
    "bpf_map_desc",
    "bpf_prog_desc",
    "maps",
    "progs",
    "links",
    "int",
    "static",
    "inline",
    "void",
    "return",
    "prog_fd",
    "map_fd",
    "fd",
    "skel",
    "ret",
    "sz",
    "opts",
    "bpf_load_and_run_opts",
    "const",
    "char",
    "opts_data",
    "opts_insn",
    "__attribute__",
    "__aligned__",
    "err",
    "data_sz",
    "data",
    "insns_sz",
    "insns",
    "sizeof",
    "NULL",
    "skel_alloc",
    "skel_free",
    "skel_closenz",
    "skel_link_create",
    "skel_raw_tracepoint_open",
    "bpf_load_and_run",
    "BPF_TRACE_ITER",
    "__u32",
    "failed_step",
    "steps",
    "goto",
    "max_entries",
    "buf",
    "cpus",
    "len",
    "ssize_t",
    "O_RDONLY",
    "O_CLOEXEC",
    "a",
    "b",
    "p",
    "while",
    "break",
    "fcntl",
    "open",
    "read",
    "close",
    "strtoul",
    "num_possible_cpus",
    "initial_value",
    "cleanup",
    "skel_prep_map_data",
    "skel_finalize_map_data",
    "skel_free_map_data",
    "PROT_READ",
    "PROT_WRITE",
    "ENOMEM",
    "size_t",
    "page",
    "sysconf",
    "_SC_PAGESIZE",
    "__KERNEL__",
    "PAGE_ALIGN",
    "ifdef",
    "__cplusplus",
    "_Static_assert",
    "static_assert",
    "undef",
    "unused",
    "s",
    "long",
    "__u64",
    "char",
    "unsigned",
    "signed",
    "short",
    "_Bool",
    "__int128",
    "float",
    "double",
    "union",
    "enum",
    "typedef",
];

/// Calls the C back end writes (besides the skeleton's own functions).
const C_CALLS: &[&str] = &[
    "skel_alloc",
    "skel_free",
    "skel_closenz",
    "skel_link_create",
    "skel_raw_tracepoint_open",
    "bpf_load_and_run",
    "sizeof",
    "__attribute__",
    "__aligned__",
    "if",
    "skel_prep_map_data",
    "skel_finalize_map_data",
    "skel_free_map_data",
    "sysconf",
    "PAGE_ALIGN",
    "_Static_assert",
    "while",
    "open",
    "read",
    "close",
    "strtoul",
    "num_possible_cpus",
];

/// The names an object may give identifiers, and what back ends make of them.
fn derived(plan: &Plan, skel: &str) -> BTreeSet<String> {
    let mut words: Vec<String> = vec![skel.to_string()];
    words.extend(plan.progs.iter().map(|p| p.name.clone()));
    words.extend(plan.kconfig.iter().map(|k| k.name.clone()));
    for (i, m) in plan.maps.iter().enumerate() {
        words.push(m.name.clone());
        words.push(m.ident.clone());
        for v in backend::data_vars(plan, i) {
            words.push(format!("{}_{}", m.ident, names::base(&v.name)));
            words.push(v.name);
        }
        words.push(format!("{}{}", names::camel(skel), names::camel(&m.ident)));
    }
    let mut out = BTreeSet::new();
    for w in &words {
        let b = names::base(w);
        out.insert(b.to_ascii_uppercase());
        out.insert(names::camel(w));
        for syn in [Syntax::Rust, Syntax::C] {
            let i = names::ident(w, syn);
            out.insert(i.trim_start_matches("r#").to_string());
        }
        out.insert(b);
    }
    for p in &plan.progs {
        out.insert(format!("{skel}__{}", names::ident(&p.name, Syntax::C)));
    }
    for m in &plan.maps {
        out.insert(format!("{skel}__{}", names::ident(&m.ident, Syntax::C)));
    }
    // Type, member and enumerator names of the object's BTF, which typed
    // global data declares in C as they are (when they are identifiers).
    for t in &plan.btf.types {
        let mut offs = vec![t.name_off];
        match t.kind() {
            bpf_lskel::btf::KIND_STRUCT | bpf_lskel::btf::KIND_UNION => {
                offs.extend(t.data.chunks_exact(3).map(|m| m[0]));
            }
            bpf_lskel::btf::KIND_ENUM => offs.extend(t.data.chunks_exact(2).map(|e| e[0])),
            bpf_lskel::btf::KIND_ENUM64 => offs.extend(t.data.chunks_exact(3).map(|e| e[0])),
            _ => {}
        }
        for o in offs {
            let n = plan.btf.str_at(o);
            if names::is_word(n) {
                out.insert(n.to_string());
            }
        }
    }
    for f in [
        "mmap_sz",
        "possible_cpus",
        "assert",
        "attach",
        "detach",
        "destroy",
        "open",
        "load",
        "open_and_load",
        "failed_step",
    ] {
        out.insert(format!("{skel}__{f}"));
    }
    let guard = format!("__{}_SKEL_H__", skel.to_ascii_uppercase());
    out.insert(guard);
    out
}

/// Whether `id` is the back end's own or made from a name in `derived`.
fn allowed(id: &str, vocab: &[&str], derived: &BTreeSet<String>) -> bool {
    let id = id.trim_start_matches("r#");
    if vocab.contains(&id) || derived.contains(id) {
        return true;
    }
    // The C back end's padding members between typed variables.
    if id
        .strip_prefix("__pad")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    let stems = ["", "set_", "Open"];
    let tails = [
        "", "_", "_value", "_OFFSET", "_SIZE", "_INITIAL", "_prog", "_map", "_fd", "__attach",
        "Skel",
    ];
    stems.iter().any(|p| {
        tails.iter().any(|t| {
            id.strip_prefix(p)
                .and_then(|r| r.strip_suffix(t))
                .is_some_and(|r| derived.contains(r) || derived.contains(&format!("{r}_")))
        })
    })
}

/// Collects identifiers and callees of a Rust file.
#[derive(Default)]
struct RustWalk {
    idents: Vec<String>,
    calls: Vec<String>,
}

impl<'ast> syn::visit::Visit<'ast> for RustWalk {
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.idents.push(i.to_string());
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(s) = p.path.segments.last() {
                self.calls.push(s.ident.to_string());
            }
        } else {
            self.calls.push("<not a path>".into());
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, c: &'ast syn::ExprMethodCall) {
        self.calls.push(c.method.to_string());
        syn::visit::visit_expr_method_call(self, c);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if let Some(s) = m.path.segments.last() {
            self.calls.push(s.ident.to_string());
        }
        // Macro arguments are tokens to syn: lex them for identifiers.
        collect_token_idents(m.tokens.clone(), &mut self.idents);
        syn::visit::visit_macro(self, m);
    }
}

fn collect_token_idents(ts: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for t in ts {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => collect_token_idents(g.stream(), out),
            _ => {}
        }
    }
}

/// Checks a Rust skeleton of `plan` named `skel`.
pub fn check_rust(text: &str, plan: &Plan, skel: &str) -> Result<(), String> {
    let file = syn::parse_file(text).map_err(|e| format!("not Rust: {e}"))?;
    let mut w = RustWalk::default();
    syn::visit::Visit::visit_file(&mut w, &file);
    let d = derived(plan, skel);
    if let Some(i) = w.idents.iter().find(|i| !allowed(i, RUST_VOCAB, &d)) {
        return Err(format!(
            "identifier `{i}` is neither the back end's nor a name's"
        ));
    }
    if let Some(c) = w.calls.iter().find(|c| !RUST_CALLS.contains(&c.as_str())) {
        return Err(format!("call of `{c}`, which no back end writes"));
    }
    Ok(())
}

/// A C token.
#[derive(Debug, PartialEq)]
enum CTok {
    Ident(String),
    Punct(u8),
    Other,
}

/// Tokenizes the C the back end writes: identifiers, numbers, string
/// literals (with `\`-newline continuations), comments, preprocessor
/// `<...>` includes and punctuation; anything else is an error.
fn c_tokens(text: &str) -> Result<Vec<CTok>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' => i += 1,
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").ok_or("unterminated comment")?;
                let body = &text[i + 2..i + 2 + end];
                if body.contains("/*") {
                    return Err(format!("nested comment: {body:?}"));
                }
                i += 2 + end + 2;
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None | Some(b'\n') => return Err("unterminated string".into()),
                        Some(b'\\') => {
                            let n = *b.get(i + 1).ok_or("unterminated string")?;
                            if !b"\\\"?n0x\n01234567".contains(&n) {
                                return Err(format!("escape \\{}", char::from(n)));
                            }
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&x) if (0x20..0x7f).contains(&x) => i += 1,
                        Some(x) => return Err(format!("byte {x:#x} in a string")),
                    }
                }
                out.push(CTok::Other);
            }
            // A character literal of one printable character, as in
            // `*p == '-'`.
            b'\'' => {
                let c = *b.get(i + 1).ok_or("unterminated character")?;
                if !(0x20..0x7f).contains(&c)
                    || c == b'\''
                    || c == b'\\'
                    || b.get(i + 2) != Some(&b'\'')
                {
                    return Err(format!("character literal at {i}"));
                }
                out.push(CTok::Other);
                i += 3;
            }
            b'<' if text[..i].ends_with("#include ") => {
                let end = text[i..].find('>').ok_or("unterminated include")?;
                out.push(CTok::Other);
                i += end + 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(CTok::Ident(text[s..i].to_string()));
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push(CTok::Other);
            }
            b'#' | b'{' | b'}' | b'(' | b')' | b'[' | b']' | b';' | b',' | b'.' | b'*' | b'&'
            | b'+' | b'-' | b'<' | b'>' | b'=' | b'!' | b'?' | b':' | b'|' | b'/' => {
                out.push(CTok::Punct(c));
                i += 1;
            }
            _ => return Err(format!("byte {c:#x} outside the C grammar at {i}")),
        }
    }
    Ok(out)
}

/// Checks a C skeleton of `plan` named `skel`.
pub fn check_c(text: &str, plan: &Plan, skel: &str) -> Result<(), String> {
    let toks = c_tokens(text)?;
    let d = derived(plan, skel);
    for (k, t) in toks.iter().enumerate() {
        let CTok::Ident(id) = t else { continue };
        if !allowed(id, C_VOCAB, &d) {
            return Err(format!(
                "identifier `{id}` is neither the back end's nor a name's"
            ));
        }
        // An identifier before `(` is a call or the definition of one of
        // the skeleton's own functions.
        let called = toks.get(k + 1) == Some(&CTok::Punct(b'('));
        let own = id.starts_with(&format!("{skel}__"));
        if called && !own && !C_CALLS.contains(&id.as_str()) {
            return Err(format!("call of `{id}`, which no back end writes"));
        }
    }
    Ok(())
}
