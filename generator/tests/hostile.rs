// SPDX-License-Identifier: GPL-2.0
//! The hostile corpus (`corpus/hostile/`): objects whose names try to
//! become code or to make a skeleton that does not compile. Each object's
//! source says what each back end must do (`expect: LANG=ok|error`, and
//! the `error:` text); an accepted object's every skeleton must compile
//! (C with gcc `-Wall -Werror` against skel_internal.h, Rust with rustc,
//! both as a module and `include!`d, kernel skeletons against the mock
//! kernel crate) and pass the oracle (`common::oracle`): no identifier or
//! call that neither the back end nor a program, map or variable name
//! gave.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::{generate, Endian, Plan};

const LANGS: [(&str, Lang); 3] = [
    ("rust-kernel", Lang::RustKernel),
    ("rust-user", Lang::RustUser),
    ("c", Lang::C),
];

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bpf-lskel-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Compiles a Rust skeleton at `skel` as a module and `include!`d.
fn compile_rust(dir: &Path, skel: &Path, kernel: Option<&Path>) -> Result<(), String> {
    let main = dir.join("main.rs");
    let p = skel.display();
    std::fs::write(
        &main,
        format!(
            "#![deny(warnings)]\n#[path = \"{p}\"]\npub mod as_module;\npub mod as_include {{\n    include!(\"{p}\");\n}}\nfn main() {{}}\n"
        ),
    )
    .unwrap();
    let mut cmd = Command::new(common::rustc());
    cmd.args(["--edition", "2021", "--crate-type", "bin", "-o"])
        .arg(dir.join("main"))
        .envs([("VERSION", "7"), ("PATCHLEVEL", "3"), ("SUBLEVEL", "4")]);
    if let Some(k) = kernel {
        cmd.arg("--extern").arg(format!("kernel={}", k.display()));
    }
    let out = cmd.arg(&main).output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Compiles a C skeleton with gcc against libbpf-dev's skel_internal.h.
fn compile_c(dir: &Path, skel: &Path) -> Result<(), String> {
    let main = dir.join("main.c");
    // libbpf 1.1's skel_internal.h uses errno and EINVAL without including
    // <errno.h>.
    std::fs::write(
        &main,
        format!(
            "#include <errno.h>\n#include \"{}\"\nint main(void)\n{{\n\treturn 0;\n}}\n",
            skel.display()
        ),
    )
    .unwrap();
    let out = Command::new("gcc")
        .args(["-fsyntax-only", "-Wall", "-Werror", "-std=gnu11"])
        .arg(&main)
        .output()
        .expect("gcc not found");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The `expect:` and `error:` lines of a hostile source.
fn expectations(src: &str) -> (Vec<(String, bool)>, Option<String>) {
    let mut ok = Vec::new();
    let mut err = None;
    for l in src.lines() {
        let l = l.trim_start_matches([' ', '*', '/']);
        if let Some(e) = l.strip_prefix("expect:") {
            for kv in e.split_whitespace() {
                let (k, v) = kv.split_once('=').expect("expect: LANG=ok|error");
                assert!(v == "ok" || v == "error", "{kv}");
                ok.push((k.to_string(), v == "ok"));
            }
        } else if let Some(e) = l.strip_prefix("error:") {
            err = Some(e.trim().to_string());
        }
    }
    (ok, err)
}

#[test]
fn hostile_corpus() {
    let sources = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/hostile");
    let objs = common::corpus_dir().join("hostile");
    let mut names: Vec<String> = std::fs::read_dir(&sources)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            Some(n.strip_suffix(".bpf.c")?.to_string())
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 7,
        "hostile corpus has {} objects",
        names.len()
    );
    let dir = scratch("hostile");
    let kernel = common::build_mock_kernel(&dir);
    let mut compiled = 0;
    for name in &names {
        let src = std::fs::read_to_string(sources.join(format!("{name}.bpf.c"))).unwrap();
        let (expect, want_err) = expectations(&src);
        assert_eq!(expect.len(), 3, "{name}: expect: names every back end");
        let obj = objs.join(format!("{name}.bpf.o"));
        assert!(obj.is_file(), "{}: run `make corpus`", obj.display());
        let skel = format!("{name}_bpf");
        let plan = Plan::build(&std::fs::read(&obj).unwrap(), &skel).unwrap();
        for (lang, ok) in &expect {
            let out = dir.join(format!("{name}.{lang}.out"));
            let _ = std::fs::remove_file(&out);
            let r = Command::new(env!("CARGO_BIN_EXE_bpf-lskel"))
                .args(["gen", "skeleton", "-L"])
                .arg(&obj)
                .args(["--lang", lang, "--endian", "little", "-o"])
                .arg(&out)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&r.stderr);
            if !ok {
                assert!(!r.status.success(), "{name} {lang}: accepted");
                assert!(!out.exists(), "{name} {lang}: wrote output");
                let want = want_err.as_deref().expect("error: line");
                assert!(stderr.contains(want), "{name} {lang}: {stderr}");
                assert!(
                    stderr.contains(&format!("{name}.bpf.o")),
                    "{name} {lang}: {stderr}"
                );
                continue;
            }
            assert!(r.status.success(), "{name} {lang}: {stderr}");
            let text = std::fs::read_to_string(&out).unwrap();
            let (checked, built) = if *lang == "c" {
                (
                    common::oracle::check_c(&text, &plan, &skel),
                    compile_c(&dir, &out),
                )
            } else {
                let k = (*lang == "rust-kernel").then_some(kernel.as_path());
                (
                    common::oracle::check_rust(&text, &plan, &skel),
                    compile_rust(&dir, &out, k),
                )
            };
            checked.unwrap_or_else(|e| panic!("{name} {lang}: {e}"));
            built.unwrap_or_else(|e| panic!("{name} {lang}: does not compile:\n{e}"));
            compiled += 1;
        }
    }
    assert!(compiled >= 15, "only {compiled} skeletons compiled");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The oracle itself: it accepts every skeleton of the ordinary corpus and
/// rejects the same skeletons with code spliced in.
#[test]
fn oracle_accepts_the_corpus_and_catches_injection() {
    for name in [
        "maps",
        "globals",
        "subprogs",
        "tracing",
        "iterators",
        "kconfig",
        "mapinmap",
        "perfarray",
    ] {
        let obj = common::corpus_file(&format!("{name}.bpf.o"));
        let plan = Plan::build(&obj, name).unwrap();
        let loaders = vec![generate(&plan, Endian::Little).unwrap()];
        let o = Options {
            name: name.into(),
            source: format!("{name}.bpf.o"),
            command: "bpf-lskel gen skeleton -L".into(),
        };
        for (lang, l) in LANGS {
            // The kernel back end refuses perfarray (see perf_array.rs).
            let Ok(text) = backend::render(l, &plan, &loaders, &o) else {
                assert!(
                    name == "perfarray" && l == Lang::RustKernel,
                    "{name} {lang}"
                );
                continue;
            };
            let check = |t: &str| {
                if l == Lang::C {
                    common::oracle::check_c(t, &plan, name)
                } else {
                    common::oracle::check_rust(t, &plan, name)
                }
            };
            check(&text).unwrap_or_else(|e| panic!("{name} {lang}: {e}"));
            let spliced = if l == Lang::C {
                text.replacen("\treturn ret < 0", "\tsystem(\"id\");\n\treturn ret < 0", 1)
            } else {
                text.replacen(
                    "pub use imp::*;",
                    "pub use imp::*;\npub fn injected() -> u32 {\n    42\n}",
                    1,
                )
            };
            assert_ne!(spliced, text, "{name} {lang}: nothing spliced");
            assert!(check(&spliced).is_err(), "{name} {lang}: injection passed");
            let unterminated = text.replacen("\"", "", 1);
            assert!(
                check(&unterminated).is_err(),
                "{name} {lang}: broken literal passed"
            );
        }
    }
}

/// Names from the command line: `--name` must be an identifier; a file
/// name is one only after sanitising, and reaches comments escaped.
#[test]
fn skeleton_and_file_names() {
    let dir = scratch("names");
    let obj = common::corpus_file("iterators.bpf.o");
    for bad in ["my-skel", "type", "int", "self", "1x", "a b", "x\ny", ""] {
        let r = Command::new(env!("CARGO_BIN_EXE_bpf-lskel"))
            .args(["gen", "skeleton", "-L"])
            .arg(common::corpus_dir().join("iterators.bpf.o"))
            .args(["--lang", "c", "--endian", "little", "--name", bad])
            .output()
            .unwrap();
        assert!(!r.status.success(), "--name {bad:?} accepted");
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("skeleton name"),
            "--name {bad:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    // Everything but `/` (which a file name cannot hold, so no `*/`).
    let stem = "we\nird `x` \\ \u{e9} ?? \" */";
    let stem = stem.replace('/', "");
    let weird = dir.join(format!("{stem}.bpf.o"));
    std::fs::write(&weird, &obj).unwrap();
    let kernel = common::build_mock_kernel(&dir);
    for (lang, _) in LANGS {
        let out = dir.join(format!("weird.{lang}"));
        let r = Command::new(env!("CARGO_BIN_EXE_bpf-lskel"))
            .args(["gen", "skeleton", "-L"])
            .arg(&weird)
            .args(["--lang", lang, "--endian", "little", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            r.status.success(),
            "{lang}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        // The default name is the file name made an identifier.
        let skel = &bpf_lskel::names::base(&format!("{stem}.bpf"));
        assert!(text.contains(skel.as_str()), "{lang}: no {skel}");
        assert!(
            !text.contains("we\nird"),
            "{lang}: raw newline from the file name"
        );
        let plan = Plan::build(&obj, skel).unwrap();
        if lang == "c" {
            common::oracle::check_c(&text, &plan, skel).unwrap();
            compile_c(&dir, &out).unwrap_or_else(|e| panic!("{lang}: {e}"));
        } else {
            common::oracle::check_rust(&text, &plan, skel).unwrap();
            let k = (lang == "rust-kernel").then_some(kernel.as_path());
            compile_rust(&dir, &out, k).unwrap_or_else(|e| panic!("{lang}: {e}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A C header with one byte order's loader does not compile for the other,
/// and each loader's global data is its own object's, not a conversion.
#[test]
fn one_byte_order_per_loader() {
    let dir = scratch("endian");
    let host = Endian::host();
    let other = if host == Endian::Little {
        Endian::Big
    } else {
        Endian::Little
    };
    let suffix = |e: Endian| {
        if e == Endian::Little {
            "bpf.o"
        } else {
            "bpfeb.o"
        }
    };
    let plan_of = |e: Endian| {
        Plan::build(&common::corpus_file(&format!("globals.{}", suffix(e))), "g").unwrap()
    };
    let o = Options {
        name: "g".into(),
        source: "globals.bpf.o".into(),
        command: "bpf-lskel".into(),
    };
    let theirs = generate(&plan_of(other), other).unwrap();
    let text =
        backend::render(Lang::C, &plan_of(other), std::slice::from_ref(&theirs), &o).unwrap();
    let out = dir.join("other.h");
    std::fs::write(&out, &text).unwrap();
    let err = compile_c(&dir, &out).expect_err("the other byte order's header compiled");
    assert!(err.contains("loader only"), "{err}");
    let mine = generate(&plan_of(host), host).unwrap();
    let text = backend::render(Lang::C, &plan_of(host), std::slice::from_ref(&mine), &o).unwrap();
    std::fs::write(&out, &text).unwrap();
    compile_c(&dir, &out).unwrap();
    // The Rust skeleton of both takes each loader's data from its own blob.
    let text = backend::render(
        Lang::RustUser,
        &plan_of(host),
        &[mine.clone(), theirs.clone()],
        &o,
    )
    .unwrap();
    for l in [&mine, &theirs] {
        let v = l
            .initial_values
            .iter()
            .flatten()
            .next()
            .expect("globals has data");
        let lit: String = v.iter().map(|b| format!("\\x{b:02x}")).collect();
        assert!(
            text.replace("\\\n", "").contains(&lit),
            "{} data not in the skeleton",
            l.endian
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
