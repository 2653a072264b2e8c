// SPDX-License-Identifier: GPL-2.0
//! Names and literals in generated source: the one place where text from
//! an object (section, symbol, map and extern names, the file name) or
//! from the command line becomes part of a skeleton.
//!
//! Guarantees, for any input text:
//!
//! - An identifier is ASCII `[A-Za-z_][A-Za-z0-9_]*`: every other character
//!   becomes `_`, and `_` is put in front of an empty name or one that
//!   starts with a digit. A keyword of the target language is made usable:
//!   Rust keywords become raw identifiers (`r#type`), those that cannot be
//!   raw (`self`, `Self`, `super`, `crate`, `_`) and C keywords get a `_`
//!   suffix (`self_`, `int_`), as bindgen does.
//! - Two things that land on one identifier in one scope are an error
//!   naming both ([`Scope::claim`]), never silently merged or dropped;
//!   names the skeleton itself uses are claimed first.
//! - String literals escape everything but printable ASCII, so their value
//!   is the text and nothing ends them early.
//! - Text in comments ([`code`]) is printable ASCII in a code span: other
//!   characters are escaped, so no name ends a comment or a doc line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::Error;

/// A language the back ends write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Rust 2021 and later.
    Rust,
    /// C (C23 keywords included).
    C,
}

/// Rust keywords that a raw identifier can spell (strict, reserved and the
/// 2018 and 2024 edition keywords).
const RUST_RAW_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "try", "gen", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield",
];

/// Rust keywords that cannot be raw identifiers.
const RUST_PATH_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// C keywords (C23 included) and the macros every hosted C program sees,
/// which a skeleton's member names must not be.
const C_RESERVED: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Alignas",
    "_Alignof",
    "_Atomic",
    "_Bool",
    "_Complex",
    "_Generic",
    "_Imaginary",
    "_Noreturn",
    "_Static_assert",
    "_Thread_local",
    "alignas",
    "alignof",
    "bool",
    "constexpr",
    "false",
    "nullptr",
    "static_assert",
    "thread_local",
    "true",
    "typeof",
    "typeof_unqual",
    "asm",
    "__asm__",
    "__attribute__",
    "__typeof__",
    "__inline__",
    "__volatile__",
    "__restrict",
    "__extension__",
    // Macros of <stddef.h>, <stdlib.h>, <stdio.h>, <errno.h> and GCC's
    // predefined ones in GNU modes.
    "NULL",
    "EOF",
    "errno",
    "offsetof",
    "assert",
    "stdin",
    "stdout",
    "stderr",
    "linux",
    "unix",
    "i386",
];

/// `text` reduced to identifier characters: ASCII letters, digits and `_`,
/// never empty, never starting with a digit. Not yet checked against
/// keywords: compose with other parts first, then call [`ident`].
pub fn base(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `s` is made of identifier characters and does not start with a
/// digit (keywords not considered).
pub fn is_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `text` as an identifier of `syntax`: [`base`], then keywords made usable.
pub fn ident(text: &str, syntax: Syntax) -> String {
    let b = base(text);
    match syntax {
        Syntax::Rust if RUST_RAW_KEYWORDS.contains(&b.as_str()) => format!("r#{b}"),
        Syntax::Rust if RUST_PATH_KEYWORDS.contains(&b.as_str()) => format!("{b}_"),
        Syntax::C if C_RESERVED.contains(&b.as_str()) || is_errno_macro(&b) => format!("{b}_"),
        _ => b,
    }
}

/// `E` followed by capitals and digits: the shape of `<errno.h>`'s macros.
fn is_errno_macro(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('E')
        && s[1..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `text` in `CamelCase` for a Rust type name: `_`-separated words with
/// their first letter capitalised; `_` in front when that leaves nothing
/// or a leading digit.
pub fn camel(text: &str) -> String {
    let mut out: String = base(text)
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Identifiers of one scope of a skeleton and where each came from.
#[derive(Debug)]
pub struct Scope {
    what: String,
    taken: BTreeMap<String, String>,
}

impl Scope {
    /// An empty scope, described as `what` in errors ("the C skeleton's
    /// program members").
    pub fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            taken: BTreeMap::new(),
        }
    }

    /// A scope whose `reserved` names the skeleton itself uses.
    pub fn with_reserved(what: impl Into<String>, reserved: &[&str]) -> Self {
        let mut s = Self::new(what);
        for r in reserved {
            s.taken
                .insert((*r).to_string(), "the skeleton itself".to_string());
        }
        s
    }

    /// Whether `ident` is taken.
    pub fn contains(&self, ident: &str) -> bool {
        self.taken.contains_key(ident)
    }

    /// Takes `ident` for `source` ("program `a.b`"), or fails naming both
    /// claimants.
    pub fn claim(&mut self, ident: &str, source: impl Into<String>) -> Result<(), Error> {
        let source = source.into();
        if let Some(first) = self.taken.get(ident) {
            return Err(Error::Name {
                scope: self.what.clone(),
                ident: ident.to_string(),
                first: first.clone(),
                second: source,
            });
        }
        self.taken.insert(ident.to_string(), source);
        Ok(())
    }
}

/// `text` as a Rust string literal, quotes included: printable ASCII but
/// `"` and `\` as is, the rest escaped (`\n`, `\x7f`, `\u{e9}`).
pub fn rust_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// `bytes` as a C string literal, quotes included: printable ASCII but
/// `"`, `\` and `?` (trigraphs) as is, every other byte a three-digit
/// octal escape (which, unlike `\x`, no following digit extends).
pub fn c_str(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' | b'?' => {
                out.push('\\');
                out.push(char::from(b));
            }
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('"');
    out
}

/// `text` for a comment or doc line, in a Markdown code span: printable
/// ASCII but `` ` `` and `\` as is, the rest escaped as in [`rust_str`];
/// `*/`, `/*` and `??` are broken up, so no C comment ends or nests in it
/// and no trigraph forms.
pub fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('`');
    let mut prev = '\0';
    for c in text.chars() {
        match c {
            '`' => out.push_str("\\x60"),
            '\\' => out.push_str("\\\\"),
            '/' if prev == '*' => out.push_str("\\x2f"),
            '*' if prev == '/' => out.push_str("\\x2a"),
            '?' if prev == '?' => out.push_str("\\x3f"),
            ' '..='~' => out.push(c),
            c if c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
        prev = c;
    }
    out.push('`');
    out
}

/// A skeleton name given by the user: it names types and functions in
/// every back end, so it must already be an identifier, not a keyword in
/// either language.
pub fn check_skeleton_name(name: &str) -> Result<(), Error> {
    let ok = is_word(name) && ident(name, Syntax::Rust) == name && ident(name, Syntax::C) == name;
    if ok {
        Ok(())
    } else {
        Err(Error::BadName {
            what: "skeleton name".into(),
            name: name.escape_debug().to_string(),
            why: "it names C and Rust types and functions: use letters, digits and `_`, \
                  not starting with a digit, and no keyword"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(ident("dump_bpf_map", Syntax::Rust), "dump_bpf_map");
        assert_eq!(ident("data.p.q", Syntax::C), "data_p_q");
        assert_eq!(ident("", Syntax::C), "_");
        assert_eq!(ident("", Syntax::Rust), "__");
        assert_eq!(ident("9lives", Syntax::Rust), "_9lives");
        assert_eq!(ident("type", Syntax::Rust), "r#type");
        assert_eq!(ident("self", Syntax::Rust), "self_");
        assert_eq!(ident("Self", Syntax::Rust), "Self_");
        assert_eq!(ident("crate", Syntax::Rust), "crate_");
        assert_eq!(ident("int", Syntax::C), "int_");
        assert_eq!(ident("errno", Syntax::C), "errno_");
        assert_eq!(ident("EINVAL", Syntax::C), "EINVAL_");
        assert_eq!(ident("E", Syntax::C), "E");
        assert_eq!(
            ident("x\", y) + system(\"id", Syntax::C),
            "x___y____system__id"
        );
        assert_eq!(ident("caf\u{e9}", Syntax::Rust), "caf_");
        for s in ["a", "_", "x\n", "\u{1f600}", "9", "self", "r#x"] {
            for syn in [Syntax::Rust, Syntax::C] {
                let i = ident(s, syn);
                let bare = i.strip_prefix("r#").unwrap_or(&i);
                assert!(is_word(bare), "{s:?} -> {i:?}");
            }
        }
    }

    #[test]
    fn camel_case() {
        assert_eq!(camel("iterators"), "Iterators");
        assert_eq!(camel("my_skel"), "MySkel");
        assert_eq!(camel("_"), "_");
        assert_eq!(camel("_1x"), "_1x");
        assert_eq!(camel("a-b"), "AB");
    }

    #[test]
    fn scopes_name_both_claimants() {
        let mut s = Scope::with_reserved("the skeleton's methods", &["load"]);
        s.claim("a_b", "program `a.b`").unwrap();
        let e = s.claim("a_b", "program `a_b`").unwrap_err().to_string();
        assert!(
            e.contains("program `a.b`") && e.contains("program `a_b`"),
            "{e}"
        );
        let e = s.claim("load", "program `load`").unwrap_err().to_string();
        assert!(e.contains("the skeleton itself"), "{e}");
    }

    #[test]
    fn literals() {
        assert_eq!(
            rust_str("a\"b\\c\nd\u{7f}\u{e9}"),
            r#""a\"b\\c\nd\x7f\u{e9}""#
        );
        assert_eq!(c_str(b"x\", y\\?\n\x01"), r#""x\", y\\\?\012\001""#);
        assert_eq!(code("a`b*/c\n"), "`a\\x60b*\\x2fc\\x0a`");
        assert!(!code("*/*/").contains("*/"));
    }

    #[test]
    fn skeleton_names() {
        check_skeleton_name("iterators_bpf").unwrap();
        for bad in ["my-skel", "", "1x", "type", "int", "self", "a b", "x\ny"] {
            assert!(check_skeleton_name(bad).is_err(), "{bad:?}");
        }
    }
}
