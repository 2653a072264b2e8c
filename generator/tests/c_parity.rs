// SPDX-License-Identifier: GPL-2.0
//! The C back end against bpftool's light skeletons of the same objects:
//! code written against bpftool's header must compile against ours, so the
//! typed global data (`struct NAME__SEC { ... } *SEC;`), the functions and
//! the members it names must be the same.

mod common;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::{generate, Endian, Plan};

const CORPUS: &[&str] = &[
    "maps",
    "globals",
    "subprogs",
    "core",
    "externs",
    "progtypes",
    "tracing",
    "iterators",
    "kconfig",
    "kconfig_values",
    "mapinmap",
];

/// The `struct NAME__...` blocks of a header, whitespace folded.
fn typed_blocks(text: &str, name: &str) -> Vec<String> {
    let key = format!("struct {name}__");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&key) {
        let tail = &rest[at..];
        let Some(end) = tail.find("} *") else { break };
        let end = end + tail[end..].find(';').unwrap_or(0) + 1;
        let block: Vec<&str> = tail[..end].split_whitespace().collect();
        out.push(block.join(" "));
        rest = &tail[end..];
    }
    out
}

/// The names of the header's `static` functions.
fn functions(text: &str) -> Vec<String> {
    let mut f: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let (name, _) = l.split_once('(')?;
            (!name.contains(' ') && !name.starts_with(['\t', '#', '/', ' ']))
                .then(|| name.to_string())
        })
        .filter(|n| n.contains("__") && !n.starts_with("__attribute__"))
        .collect();
    f.sort();
    f.dedup();
    f
}

#[test]
fn c_headers_match_bpftool() {
    let mut typed = 0;
    for name in CORPUS {
        let theirs = String::from_utf8(common::corpus_file(&format!("{name}.lskel.h"))).unwrap();
        let p = Plan::build(&common::corpus_file(&format!("{name}.bpf.o")), name).unwrap();
        let l = vec![generate(&p, Endian::Little).unwrap()];
        let o = Options {
            name: name.to_string(),
            source: format!("{name}.bpf.o"),
            command: "x".into(),
        };
        let ours = backend::render(Lang::C, &p, &l, &o).unwrap();
        let (a, b) = (typed_blocks(&ours, name), typed_blocks(&theirs, name));
        assert_eq!(a, b, "{name}: typed global data differs from bpftool's");
        typed += a.len();
        let (fa, fb) = (functions(&ours), functions(&theirs));
        for f in &fb {
            assert!(
                fa.contains(f),
                "{name}: bpftool's header has {f}, ours not: {fa:?}"
            );
        }
    }
    assert!(typed >= 8, "only {typed} typed sections compared");
}
