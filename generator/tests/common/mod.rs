// SPDX-License-Identifier: GPL-2.0
//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

/// The corpus directory: `$BPF_CORPUS_DIR`, else `../build/corpus`.
///
/// Panics when it is missing: the tests must never pass without their input.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("BPF_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/corpus"),
    };
    assert!(
        dir.join("iterators.bpf.o").is_file(),
        "corpus not found in {}: run `make corpus` (generator/tests/build-corpus.sh) first",
        dir.display()
    );
    dir
}

/// Reads a corpus file.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let p = corpus_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}: run `make corpus`", p.display()))
}

/// Whether this machine can run loaders; prints why not.
pub fn can_run() -> bool {
    match bpf_lskel::runner::probe() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("SKIPPED (kernel tier): {why}; loaders are only generated, not run");
            false
        }
    }
}

/// What `bpftool gen skeleton -L` produced for an object.
pub struct Lskel {
    /// Loader instructions.
    pub insns: Vec<u8>,
    /// Loader data blob.
    pub data: Vec<u8>,
    /// Map names, in ctx order.
    pub maps: Vec<String>,
    /// Program names, in ctx order.
    pub progs: Vec<String>,
}

/// Decodes a C string literal as bpftool prints it (`\0`, `\xHH`, line continuations).
fn c_literal(body: &str) -> Vec<u8> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(b'0') => {
                    out.push(0);
                    i += 2;
                }
                Some(b'x') => {
                    let h = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(h, 16).unwrap());
                    i += 4;
                }
                Some(&c) => {
                    out.push(c);
                    i += 2;
                }
                None => break,
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn literal(text: &str, var: &str) -> Vec<u8> {
    let key = format!("static const char {var}[] __attribute__((__aligned__(8))) = \"");
    let start = text.find(&key).unwrap_or_else(|| panic!("no {var} in skeleton")) + key.len();
    let end = start + text[start..].find("\";").unwrap();
    c_literal(&text[start..end])
}

/// Parses a light skeleton header written by bpftool.
pub fn parse_lskel(text: &str) -> Lskel {
    let mut maps = Vec::new();
    let mut progs = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some(n) = l.strip_prefix("struct bpf_map_desc ") {
            maps.push(n.trim_end_matches(';').to_string());
        } else if let Some(n) = l.strip_prefix("struct bpf_prog_desc ") {
            progs.push(n.trim_end_matches(';').to_string());
        }
    }
    Lskel { insns: literal(text, "opts_insn"), data: literal(text, "opts_data"), maps, progs }
}
