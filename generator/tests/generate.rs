// SPDX-License-Identifier: GPL-2.0
//! Generation tests: determinism, byte orders, limits, formatting, bad input.

mod common;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::insn::Insn;
use bpf_lskel::{generate, Endian, Error, Plan};
use common::synth;
use object::SectionKind;

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
    "mapinmap",
];

fn plan(name: &str, suffix: &str) -> Plan {
    let obj = common::corpus_file(&format!("{name}.{suffix}"));
    Plan::build(&obj, name).unwrap_or_else(|e| panic!("{name}.{suffix}: {e}"))
}

/// Each byte order's corpus object: `NAME.bpf.o` and `NAME.bpfeb.o`.
const BYTE_ORDERS: [(&str, Endian); 2] = [("bpf.o", Endian::Little), ("bpfeb.o", Endian::Big)];

/// The loaders of both byte orders, each from the object of its byte order.
fn both_loaders(name: &str, go: GenOptions) -> Vec<bpf_lskel::Loader> {
    BYTE_ORDERS
        .iter()
        .map(|&(suffix, e)| generate_with(&plan(name, suffix), e, go).unwrap())
        .collect()
}

#[test]
fn deterministic_and_free_of_build_paths() {
    for name in CORPUS {
        for (suffix, e) in BYTE_ORDERS {
            let obj = common::corpus_file(&format!("{name}.{suffix}"));
            // The object itself names the build directory; the loader must not.
            assert!(
                obj.windows(10).any(|w| w == b"/work/top/"),
                "{name}.{suffix}: corpus object lost its path?"
            );
            let a = generate(&Plan::build(&obj, name).unwrap(), e).unwrap();
            let b = generate(&Plan::build(&obj, name).unwrap(), e).unwrap();
            assert_eq!(a, b, "{name}: two runs differ");
            assert!(
                !a.data.windows(5).any(|w| w == b"/work"),
                "{name}: blob holds a build path"
            );
        }
    }
}

#[test]
fn both_byte_orders_agree() {
    // kconfig_values too: its code reads bytes at byte-order-dependent
    // offsets, as globals' folds a string into an immediate.
    for name in CORPUS.iter().chain(&["kconfig_values"]) {
        let el = plan(name, "bpf.o");
        let eb = plan(name, "bpfeb.o");
        let strip = |p: &Plan| {
            p.maps
                .iter()
                .map(|m| bpf_lskel::plan::MapPlan {
                    initial: None,
                    ..m.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            strip(&el),
            strip(&eb),
            "{name}: maps differ between bpfel and bpfeb objects"
        );
        for i in 0..el.maps.len() {
            for e in [Endian::Little, Endian::Big] {
                assert_eq!(
                    el.initial_value(i, e).unwrap(),
                    eb.initial_value(i, e).unwrap(),
                    "{name}: map #{i} contents ({e})"
                );
            }
        }
        // Code may legitimately differ (clang folds constants such as
        // string bytes per byte order), its shape may not.
        let shape = |p: &Plan| {
            p.progs
                .iter()
                .map(|q| {
                    let code: Vec<_> = q.insns.iter().map(|i| (i.code, i.dst, i.src)).collect();
                    (
                        q.name.clone(),
                        q.prog_type,
                        q.attach_target.clone(),
                        code,
                        q.func_info.clone(),
                        q.line_info.len(),
                        q.core_relos.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shape(&el),
            shape(&eb),
            "{name}: programs differ between bpfel and bpfeb objects"
        );
        // Each loader comes from the object of its byte order. The two are
        // laid out alike: the same code, immediates aside (the loader stores
        // some bytes of encoded instructions as immediates), and blobs of
        // the same size.
        let l = generate(&el, Endian::Little).unwrap();
        let b = generate(&eb, Endian::Big).unwrap();
        let code = |insns: &[u8], e| {
            bpf_lskel::insn::decode_all(insns, e)
                .iter()
                .map(|i| (i.code, i.dst, i.src, i.off))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            code(&l.insns, Endian::Little),
            code(&b.insns, Endian::Big),
            "{name}: the loaders differ"
        );
        assert_ne!(l.insns, b.insns);
        assert_eq!(l.data.len(), b.data.len(), "{name}: blob sizes differ");
        // Each blob holds its object's programs as that object has them:
        // for globals, a string clang folded into an immediate per byte
        // order, which no conversion of the other object reproduces.
        for (loader, p, e) in [(&l, &el, Endian::Little), (&b, &eb, Endian::Big)] {
            for q in &p.progs {
                let want = bpf_lskel::insn::encode_all(&q.insns, e);
                assert!(
                    loader.data.windows(want.len()).any(|w| w == want),
                    "{name}: the {e}-endian blob lacks the instructions of `{}`",
                    q.name
                );
            }
        }
    }
}

/// A loader for the other byte order than the object's is refused: clang
/// folds byte-order-dependent constants into the code (corpus/globals
/// stores a string through an immediate), so converting the object would
/// make a loader that loads a different program.
#[test]
fn other_byte_order_is_refused() {
    for name in CORPUS {
        for (suffix, other) in [("bpf.o", Endian::Big), ("bpfeb.o", Endian::Little)] {
            let p = plan(name, suffix);
            let Err(e) = generate(&p, other) else {
                panic!("{name}.{suffix}: made a {other}-endian loader");
            };
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("{other}-endian loader")) && msg.contains("object"),
                "{name}.{suffix}: {msg}"
            );
        }
    }
}

#[test]
fn limits_fail_at_generation_time() {
    let mut p = plan("maps", "bpf.o");
    let m = p.maps[0].clone();
    p.maps = vec![m; bpf_lskel::gen::MAX_MAPS + 1];
    let err = generate(&p, Endian::Little).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
    assert!(err.to_string().contains("MAX_MAPS"), "{err}");

    let mut p = plan("progtypes", "bpf.o");
    let prog = p.progs[0].clone();
    p.progs = vec![prog; bpf_lskel::gen::MAX_PROGS + 1];
    assert!(generate(&p, Endian::Little)
        .unwrap_err()
        .to_string()
        .contains("MAX_PROGS"));

    // Just under the limits still works.
    p.progs.truncate(200);
    generate(&p, Endian::Little).unwrap();
}

fn rustfmt_check(text: &str) -> Option<bool> {
    // A file, not stdin: on stdin `rustfmt --check` prints the diff but
    // exits 0, so a check of stdin can never fail.
    let path = std::env::temp_dir().join(format!(
        "bpf-lskel-fmt-{}-{:?}.rs",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, text).ok()?;
    let st = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--check"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok();
    let _ = std::fs::remove_file(&path);
    Some(st?.success())
}

/// The check itself can fail: output off rustfmt's layout is caught.
#[test]
fn rustfmt_check_can_fail() {
    assert_eq!(rustfmt_check("fn f() { }\n"), Some(false));
    assert_eq!(rustfmt_check("fn f() {}\n"), Some(true));
}

#[test]
fn rust_back_ends_are_rustfmt_clean() {
    for name in CORPUS {
        let p = plan(name, "bpf.o");
        let loaders = both_loaders(name, GenOptions::default());
        let o = Options {
            name: name.to_string(),
            source: format!("{name}.bpf.o"),
            command: "bpf-lskel ...".into(),
        };
        for lang in [Lang::RustKernel, Lang::RustUser] {
            let text = backend::render(lang, &p, &loaders, &o).unwrap();
            assert!(text.starts_with("// SPDX-License-Identifier: GPL-2.0\n// GENERATED"));
            assert!(
                !text.contains("unsafe"),
                "{name}: generated code must not use unsafe"
            );
            // rustfmt comes with every toolchain `cargo fmt` works with.
            let ok = rustfmt_check(&text)
                .expect("rustfmt not found: install it (rustup component add rustfmt)");
            assert!(ok, "{name} {lang:?}: output is not rustfmt-formatted");
        }
        let c = backend::render(Lang::C, &p, &loaders, &o).unwrap();
        assert!(c.contains("#include <bpf/skel_internal.h>"));
        assert!(c.contains(&format!("{name}__open_and_load")));
    }
}

fn expect_err(bytes: &[u8], want: &str) -> Error {
    match Plan::build(bytes, "t") {
        Ok(_) => panic!("accepted bad input, wanted error containing {want:?}"),
        Err(e) => {
            assert!(
                e.to_string().contains(want),
                "error `{e}` does not mention {want:?}"
            );
            e
        }
    }
}

#[test]
fn truncated_objects_fail_cleanly() {
    let obj = common::corpus_file("iterators.bpf.o");
    for len in 0..obj.len() {
        // Must return an error (or, rarely, a plan), never panic.
        let _ = Plan::build(&obj[..len], "t");
    }
    expect_err(&obj[..3], "ELF");
    expect_err(&obj[..100], "ELF");
}

#[test]
fn corrupted_objects_never_panic() {
    let obj = common::corpus_file("iterators.bpf.o");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut o = obj.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % o.len() as u64) as usize;
            o[at] = (seed >> 32) as u8;
        }
        if let Ok(p) = Plan::build(&o, "t") {
            let _ = generate(&p, Endian::Little);
        }
    }
}

#[test]
fn wrong_machine() {
    let mut e = synth::Elf::new(object::Architecture::X86_64);
    e.section(".text", SectionKind::Text, &[0x90]);
    expect_err(&e.build(), "e_machine");
}

#[test]
fn missing_and_corrupt_btf() {
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    expect_err(&e.build(), "`.BTF`: missing");

    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let mut btf = synth::btf().encode(Endian::Little);
    btf[24 + 7] = 0x1f; // Unknown kind in the first type.
    e.section(".BTF", SectionKind::Other, &btf);
    let err = expect_err(&e.build(), "unknown kind");
    assert!(err.to_string().contains(".BTF"), "{err}");

    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    e.section(".BTF", SectionKind::Other, &[0x9f, 0xeb, 1, 0, 24, 0, 0, 0]);
    expect_err(&e.build(), "shorter than the 24-byte header");
}

#[test]
fn unknown_relocation_type() {
    let mut e = synth::Elf::bpf();
    let insns = vec![
        Insn::new(0x18, 1, 0, 0, 0),
        Insn::new(0, 0, 0, 0, 0),
        Insn::new(0xb7, 0, 0, 0, 0),
        Insn::new(0x95, 0, 0, 0, 0),
    ];
    let sec = e.prog("xdp", "prog", &insns);
    let data = e.section(".data", SectionKind::Data, &[0; 8]);
    let sym = e.obj.section_symbol(data);
    e.reloc(sec, 0, sym, 3);
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    let err = expect_err(&e.build(), "unsupported relocation type 3");
    let msg = err.to_string();
    assert!(
        msg.contains("section `xdp`") && msg.contains("0x0"),
        "{msg}"
    );
}

#[test]
fn unsupported_map_and_program_types() {
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let mut b = synth::btf();
    let v = synth::btf_map(&mut b, "weird", 99);
    synth::maps_datasec(&mut b, &[v]);
    let maps = e.section(".maps", SectionKind::Data, &[0; 8]);
    synth::object_sym(&mut e, "weird", maps, 0, 8);
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    let err = expect_err(&e.build(), "unsupported map type 99");
    assert!(err.to_string().contains("map `weird`"), "{err}");

    let mut e = synth::Elf::bpf();
    e.prog("frobnicate/x", "p", &synth::ret0());
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    let err = expect_err(&e.build(), "unknown section name `frobnicate/x`");
    assert!(err.to_string().contains("program `p`"), "{err}");
}

#[test]
fn minimal_synthetic_object_plans() {
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let mut b = synth::btf();
    let v = synth::btf_map(&mut b, "arr", 2);
    synth::maps_datasec(&mut b, &[v]);
    let maps = e.section(".maps", SectionKind::Data, &[0; 8]);
    synth::object_sym(&mut e, "arr", maps, 0, 8);
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    let p = Plan::build(&e.build(), "t").unwrap();
    assert_eq!(p.progs.len(), 1);
    assert_eq!(p.maps[0].name, "arr");
    assert_eq!(p.maps[0].map_type, 2);
    generate(&p, Endian::Little).unwrap();
    let e = generate(&p, Endian::Big).unwrap_err();
    assert!(
        matches!(
            e,
            Error::ByteOrder {
                object: Endian::Little,
                target: Endian::Big
            }
        ),
        "{e}"
    );
}

/// The checked-in skeletons match what the generator makes of the corpus's
/// iterators object (run `make gen` when this fails).
#[test]
fn checked_in_iterators_skeleton_is_fresh() {
    let top = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = plan("iterators", "bpf.o");
    for (lang, runner, file, name, lang_arg) in [
        (
            Lang::RustKernel,
            Runner::Kernel,
            "iterators_skel_generated.rs",
            "iterators",
            "rust-kernel",
        ),
        (
            Lang::C,
            Runner::Any,
            "iterators.lskel.h",
            "iterators_bpf",
            "c",
        ),
    ] {
        let go = GenOptions {
            runner,
            ..GenOptions::default()
        };
        let loaders = both_loaders("iterators", go);
        let path = top.join("iterators").join(file);
        let checked_in =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let o = Options {
            name: name.into(),
            source: "iterators.bpf.o".into(),
            command: format!("bpf-lskel gen skeleton -L iterators.bpf.o iterators.bpfeb.o --lang {lang_arg} --endian both --name {name}"),
        };
        let fresh = backend::render(lang, &p, &loaders, &o).unwrap();
        assert!(
            fresh == checked_in,
            "{} is stale: regenerate it (make gen)",
            path.display()
        );
    }
}

/// Found by fuzzing: a huge `.bss` must be a limit error, not a 2 GiB allocation.
#[test]
fn huge_bss_is_a_limit() {
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let bss = e
        .obj
        .add_section(Vec::new(), b".bss".to_vec(), SectionKind::UninitializedData);
    e.obj.append_section_bss(bss, 1 << 31, 8);
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    let err = expect_err(&e.build(), "MAX_DATA_SIZE");
    assert!(matches!(err, Error::Limit { .. }));
}

/// Generated kernel skeletons type-check against the `kernel::bpf` contract
/// (a host stand-in of it) with warnings denied.
#[test]
fn rust_kernel_skeletons_compile_against_the_contract() {
    use std::process::Command;
    let rustc = common::rustc();
    let dir = std::env::temp_dir().join(format!("bpf-lskel-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::build_mock_kernel(&dir);
    for name in CORPUS {
        let p = plan(name, "bpf.o");
        let loaders = both_loaders(name, GenOptions::default());
        let o = Options {
            name: name.to_string(),
            source: format!("{name}.bpf.o"),
            command: "bpf-lskel ...".into(),
        };
        let skel = backend::render(Lang::RustKernel, &p, &loaders, &o).unwrap();
        let ty: String = name[..1].to_uppercase() + &name[1..];
        let src = dir.join(format!("{name}_skel_generated.rs"));
        std::fs::write(&src, &skel).unwrap();
        let main = dir.join(format!("{name}_main.rs"));
        std::fs::write(
            &main,
            format!(
                "#![deny(warnings)]\n#[path = \"{}\"]\nmod skel;\nfn main() {{\n    let s = skel::{ty}::load().unwrap();\n    assert_eq!(skel::PROG_NAMES.len(), {});\n    let _ = s.object();\n}}\n",
                src.display(),
                p.progs.len()
            ),
        )
        .unwrap();
        let out = Command::new(&rustc)
            .args(["--edition", "2021", "--crate-type", "bin", "-o"])
            // What Kbuild exports, for skeletons with kconfig externs.
            .envs([("VERSION", "7"), ("PATCHLEVEL", "3"), ("SUBLEVEL", "4")])
            .arg(dir.join(format!("{name}_main")))
            .arg("--extern")
            .arg(format!("kernel={}", dir.join("libkernel.rlib").display()))
            .arg(&main)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: skeleton does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let run = Command::new(dir.join(format!("{name}_main")))
            .status()
            .unwrap();
        assert!(
            run.success(),
            "{name}: skeleton misbehaves against the mock"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every `bpf_sys_close` in every loader is guarded by "fd < 0 means
/// empty", never by a test that would take fd 0 for "absent".
#[test]
fn closes_treat_fd_zero_as_valid() {
    use bpf_lskel::insn::{decode_all, BPF_JMP, BPF_JSLT, BPF_K, BPF_LDX, BPF_MEM, BPF_W, CALL};
    for name in CORPUS {
        for (suffix, e) in BYTE_ORDERS {
            let p = plan(name, suffix);
            let l = generate(&p, e).unwrap();
            let insns = decode_all(&l.insns, e);
            let mut closes = 0;
            for (k, i) in insns.iter().enumerate() {
                if i.code != CALL || i.imm != 168 {
                    continue;
                }
                closes += 1;
                assert!(k >= 2, "{name}: close without a guard");
                let (ld, guard) = (insns[k - 2], insns[k - 1]);
                assert_eq!(ld.code, BPF_LDX | BPF_MEM | BPF_W, "{name}: insn {k}");
                assert_eq!(ld.dst, 1, "{name}: insn {k}: fd not in R1");
                assert_eq!(
                    (guard.code, guard.dst, guard.imm),
                    (BPF_JMP | BPF_JSLT | BPF_K, 1, 0),
                    "{name}: insn {k}: close not guarded by `if r1 < 0`"
                );
            }
            // One close per fd slot on success (temporaries) and cleanup (all).
            assert!(
                closes > p.maps.len() + p.progs.len(),
                "{name}: {closes} closes"
            );
        }
    }
}

/// Objects the generator cannot fully understand get a clear error and no
/// loader, from the library and from the command line (no output file,
/// for any language).
#[test]
fn refused_objects_emit_nothing() {
    const BAD: &[(&str, &str)] = &[
        ("kconfig_type", "type is not supported for a kconfig extern"),
        (
            "kconfig_unknown",
            "only CONFIG_* and libbpf's virtual LINUX_*",
        ),
        (
            "legacy_maps",
            "legacy `struct bpf_map_def` maps are not supported",
        ),
        ("pinning", "pinning (LIBBPF_PIN_BY_NAME) is not supported"),
        (
            "prog_array_subprog",
            "does not point to an entry-point program",
        ),
        ("struct_ops", "struct_ops maps are not supported"),
        ("unknown_section", "cannot tell the program type"),
    ];
    let dir = common::corpus_dir().join("bad");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}: run `make corpus`", dir.display()))
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            Some(n.strip_suffix(".bpf.o")?.to_string())
        })
        .collect();
    found.sort();
    let listed: Vec<&str> = BAD.iter().map(|b| b.0).collect();
    assert_eq!(
        found, listed,
        "every object in corpus/bad needs an expected error here"
    );
    let out = std::env::temp_dir().join(format!("bpf-lskel-bad-{}", std::process::id()));
    for (name, want) in BAD {
        let obj = dir.join(format!("{name}.bpf.o"));
        expect_err(&std::fs::read(&obj).unwrap(), want);
        for lang in ["rust-kernel", "rust-user", "c"] {
            let _ = std::fs::remove_file(&out);
            let r = std::process::Command::new(env!("CARGO_BIN_EXE_bpf-lskel"))
                .args(["gen", "skeleton", "-L"])
                .arg(&obj)
                .args(["--lang", lang, "--name", "bad", "-o"])
                .arg(&out)
                .output()
                .unwrap();
            assert!(!r.status.success(), "{name} {lang}: accepted");
            let err = String::from_utf8_lossy(&r.stderr);
            assert!(err.contains(want), "{name} {lang}: {err}");
            assert!(!out.exists(), "{name} {lang}: wrote a skeleton");
        }
    }
}

/// Builds the mock kernel crate into `dir` and a program `main` (with the
/// skeleton of `name` as module `skel`) against it; runs the program.
fn run_with_skeleton(
    dir: &std::path::Path,
    name: &str,
    lang: Lang,
    main: &str,
    rustc_args: &[&str],
) {
    use std::process::Command;
    let rustc = common::rustc();
    std::fs::create_dir_all(dir).unwrap();
    let kernel = lang == Lang::RustKernel;
    if kernel && !dir.join("libkernel.rlib").exists() {
        common::build_mock_kernel(dir);
    }
    let p = plan(name, "bpf.o");
    let loaders = both_loaders(name, GenOptions::default());
    let o = Options {
        name: name.to_string(),
        source: format!("{name}.bpf.o"),
        command: "bpf-lskel ...".into(),
    };
    let skel = backend::render(lang, &p, &loaders, &o).unwrap();
    let src = dir.join(format!("{name}_{kernel}_skel.rs"));
    std::fs::write(&src, &skel).unwrap();
    let main_rs = dir.join(format!("{name}_{kernel}_main.rs"));
    let text = format!(
        "#![deny(warnings)]\n#[path = \"{}\"]\nmod skel;\n{main}",
        src.display()
    );
    std::fs::write(&main_rs, text).unwrap();
    let exe = dir.join(format!("{name}_{kernel}_main"));
    let mut c = Command::new(&rustc);
    c.args(["--edition", "2021", "--crate-type", "bin", "-o"])
        .arg(&exe)
        .args(rustc_args)
        .envs([("VERSION", "7"), ("PATCHLEVEL", "3"), ("SUBLEVEL", "4")]);
    if kernel {
        c.arg("--extern")
            .arg(format!("kernel={}", dir.join("libkernel.rlib").display()));
    }
    let out = c.arg(&main_rs).output().unwrap();
    assert!(
        out.status.success(),
        "{name} {lang:?}: does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "{name} {lang:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Typed global data: the user skeleton decodes the object's initial
/// values and writes them back byte for byte; the kernel skeleton's
/// accessors read and write the right bytes through `kernel::bpf::Map`.
#[test]
fn typed_global_data() {
    let dir = std::env::temp_dir().join(format!("bpf-lskel-typed-{}", std::process::id()));
    // Values from corpus/globals.bpf.c.
    run_with_skeleton(
        &dir,
        "globals",
        Lang::RustUser,
        r#"
fn main() {
    let d = skel::GlobalsData::from_bytes(skel::DATA_INITIAL.try_into().unwrap());
    assert_eq!(d.counter, 42);
    let r = skel::GlobalsRodata::from_bytes(skel::RODATA_INITIAL.try_into().unwrap());
    assert_eq!(r.limit, 7);
    let t = skel::GlobalsRodataTable::from_bytes(skel::RODATA_TABLE_INITIAL.try_into().unwrap());
    assert_eq!(t.table, [1, 2, 3, 4]);
    let c = skel::GlobalsDataCustom::from_bytes(skel::DATA_CUSTOM_INITIAL.try_into().unwrap());
    assert_eq!(c.in_custom, 5);
    // Writing leaves the static variable's bytes (hidden_static = 9) alone.
    let mut b: [u8; skel::GlobalsData::SIZE] = skel::DATA_INITIAL.try_into().unwrap();
    let mut d2 = d;
    d2.counter = -3;
    d2.write(&mut b);
    assert_eq!(skel::GlobalsData::from_bytes(&b).counter, -3);
    assert!(b.windows(4).any(|w| w == 9i32.to_ne_bytes()));
    d.write(&mut b);
    assert_eq!(&b[..], skel::DATA_INITIAL);
}
"#,
        &[],
    );
    run_with_skeleton(
        &dir,
        "globals",
        Lang::RustKernel,
        r#"
fn main() {
    let s = skel::Globals::load().unwrap();
    let fd = |name: &str| skel::MAP_NAMES.iter().position(|n| n.ends_with(name)).unwrap() as i32;
    s.set_data_counter(77).unwrap();
    assert_eq!(s.data_counter().unwrap(), 77);
    let bytes = kernel::bpf::mock_map_bytes(fd(".data"));
    let at = skel::data::COUNTER_OFFSET;
    assert_eq!(bytes[at..at + 4], 77i32.to_ne_bytes());
    let mut v = s.data_value().unwrap();
    assert_eq!(v.counter, 77);
    v.counter = 5;
    s.set_data_value(&v).unwrap();
    assert_eq!(s.data_counter().unwrap(), 5);
    s.set_bss_zeroed(9).unwrap();
    assert_eq!(s.bss_value().unwrap().zeroed, 9);
    assert_eq!(s.rodata_table_table().unwrap(), [0; 4]);
}
"#,
        &[],
    );
    // The kernel skeleton's compile-time kconfig values agree with the
    // host-side resolver (itself checked against libbpf) for the same config.
    let p = plan("kconfig", "bpf.o");
    let size = p.maps.last().unwrap().value_size as usize;
    let config = "CONFIG_BPF_SYSCALL=y\nCONFIG_BPF_JIT=m\nCONFIG_NET=y\n";
    let want =
        bpf_lskel::kconfig::values(&p.kconfig, size, Endian::host(), "7.3.4", config).unwrap();
    run_with_skeleton(
        &dir,
        "kconfig",
        Lang::RustKernel,
        &format!("fn main() {{\n    assert_eq!(skel::KCONFIG_VALUE, {want:?});\n}}\n"),
        &[
            "--cfg",
            "CONFIG_BPF_SYSCALL=\"y\"",
            "--cfg",
            "CONFIG_BPF_JIT=\"m\"",
            "--cfg",
            "CONFIG_NET=\"y\"",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The kernel back end refuses kconfig values it cannot know at compile time.
#[test]
fn kernel_back_end_refuses_runtime_only_kconfig() {
    let p = plan("kconfig_values", "bpf.o");
    let l = vec![generate(&p, Endian::Little).unwrap()];
    let o = Options {
        name: "kv".into(),
        source: "kconfig.bpf.o".into(),
        command: "x".into(),
    };
    let e = backend::render(Lang::RustKernel, &p, &l, &o).unwrap_err();
    assert!(e.to_string().contains("integer and string values"), "{e}");
    assert!(backend::render(Lang::RustUser, &p, &l, &o).is_ok());
    assert!(backend::render(Lang::C, &p, &l, &o).is_ok());
}

/// A `.maps` relocation at the very end of the address space is an error,
/// not an overflow.
#[test]
fn map_slot_relocation_far_outside() {
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let mut b = synth::btf();
    let v = synth::btf_map(&mut b, "arr", 2);
    synth::maps_datasec(&mut b, &[v]);
    let maps = e.section(".maps", SectionKind::Data, &[0; 8]);
    let sym = synth::object_sym(&mut e, "arr", maps, 0, 8);
    e.reloc(maps, u64::MAX - 3, sym, 2);
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    expect_err(&e.build(), "not inside a map definition");
}

/// A global whose BTF array type claims more elements than fit 32 bits of
/// bytes is a byte array in typed skeletons, not an overflow.
#[test]
fn typed_array_with_absurd_count() {
    use bpf_lskel::btf::{self, Type};
    let mut e = synth::Elf::bpf();
    e.prog("xdp", "p", &synth::ret0());
    let bss = e
        .obj
        .add_section(Vec::new(), b".bss".to_vec(), SectionKind::UninitializedData);
    e.obj.append_section_bss(bss, 8, 8);
    // A visible global (synth's symbols are hidden, so static to libbpf).
    e.obj.add_symbol(object::write::Symbol {
        name: b"big".to_vec(),
        value: 0,
        size: 8,
        kind: object::SymbolKind::Data,
        scope: object::SymbolScope::Dynamic,
        weak: false,
        section: object::write::SymbolSection::Section(bss),
        flags: object::SymbolFlags::None,
    });
    let mut b = synth::btf();
    let arr = b.add_type(Type {
        name_off: 0,
        info: btf::KIND_ARRAY << 24,
        size_or_type: 0,
        data: vec![1, 1, 0x8000_0000],
    });
    let name = b.add_string("big");
    let var = b.add_type(Type {
        name_off: name,
        info: btf::KIND_VAR << 24,
        size_or_type: arr,
        data: vec![btf::VAR_GLOBAL_ALLOCATED],
    });
    let sec = b.add_string(".bss");
    b.add_type(Type {
        name_off: sec,
        info: (btf::KIND_DATASEC << 24) | 1,
        size_or_type: 8,
        data: vec![var, 0, 8],
    });
    e.section(".BTF", SectionKind::Other, &b.encode(Endian::Little));
    let p = Plan::build(&e.build(), "t").unwrap();
    let l = vec![generate(&p, Endian::Little).unwrap()];
    let o = Options {
        name: "t".into(),
        source: "t.bpf.o".into(),
        command: "x".into(),
    };
    let text = backend::render(Lang::RustUser, &p, &l, &o).unwrap();
    assert!(text.contains("pub big: [u8; 8],"), "{text}");
}

/// The typed structs hold the same variables, in the same order, as the
/// `struct <name>__<section>` of bpftool's skeleton of the same object.
#[test]
fn typed_structs_match_bpftool() {
    fn camel(s: &str) -> String {
        s.split('_')
            .filter(|p| !p.is_empty())
            .map(|p| p[..1].to_uppercase() + &p[1..])
            .collect()
    }
    let mut compared = 0;
    for name in CORPUS.iter().chain(&["kconfig_values"]) {
        let text = String::from_utf8(common::corpus_file(&format!("{name}.lskel.h"))).unwrap();
        let p = plan(name, "bpf.o");
        let l = vec![generate(&p, Endian::Little).unwrap()];
        let o = Options {
            name: name.to_string(),
            source: format!("{name}.bpf.o"),
            command: "x".into(),
        };
        let ours = backend::render(Lang::RustUser, &p, &l, &o).unwrap();
        for m in &p.maps {
            let key = format!("struct {name}__{} {{", m.ident);
            let theirs: Vec<String> = match text.find(&key) {
                Some(at) => text[at + key.len()..]
                    .lines()
                    .skip(1)
                    .take_while(|l| !l.trim_start().starts_with('}'))
                    .filter_map(|l| {
                        let decl = l.trim().trim_end_matches(';');
                        let decl = decl.split('[').next()?;
                        let field = decl.rsplit([' ', '*']).next()?;
                        (!field.starts_with("__pad")).then(|| field.to_string())
                    })
                    .collect(),
                None => Vec::new(),
            };
            let key = format!("pub struct {}{} {{", camel(name), camel(&m.ident));
            let mine: Vec<String> = match ours.find(&key) {
                Some(at) => ours[at + key.len()..]
                    .lines()
                    .take_while(|l| !l.trim_start().starts_with('}'))
                    .filter_map(|l| {
                        let f = l.trim().strip_prefix("pub ")?.split(':').next()?;
                        Some(f.trim_start_matches("r#").to_string())
                    })
                    .collect(),
                None => Vec::new(),
            };
            assert_eq!(mine, theirs, "{name}: map `{}`", m.name);
            compared += mine.len();
        }
    }
    assert!(compared >= 10, "only {compared} variables compared");
}

/// Offsets in the ctx each loader reads (`r6` holds the ctx; the fault
/// injection fields are not used here).
fn ctx_reads(insns: &[u8]) -> Vec<i16> {
    let mut v: Vec<i16> = bpf_lskel::insn::decode_all(insns, Endian::Little)
        .iter()
        .filter(|i| i.class() == bpf_lskel::insn::BPF_LDX && i.src == 6)
        .map(|i| i.off)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A loader for the kernel runner reads no verifier log settings, no
/// `max_entries` overrides and no initial values but `.kconfig`'s; a loader
/// for any runner reads them all. C and user-space skeletons refuse it.
#[test]
fn kernel_runner_loader_reads_only_kernel_inputs() {
    use bpf_lskel::ctx;
    let p = plan("globals", "bpf.o");
    let kernel = GenOptions {
        runner: Runner::Kernel,
        ..GenOptions::default()
    };
    let k = generate_with(&p, Endian::Little, kernel).unwrap();
    let a = generate(&p, Endian::Little).unwrap();
    let inputs: Vec<i16> = [ctx::FLAGS, ctx::LOG_LEVEL, ctx::LOG_SIZE, ctx::LOG_BUF]
        .into_iter()
        .chain((0..p.maps.len()).flat_map(|i| [ctx::map_max_entries(i), ctx::map_initial_value(i)]))
        .map(|o| o as i16)
        .collect();
    let (kr, ar) = (ctx_reads(&k.insns), ctx_reads(&a.insns));
    assert!(
        inputs.iter().all(|o| !kr.contains(o)),
        "kernel loader reads {kr:?}"
    );
    assert!(
        inputs
            .iter()
            .filter(|&&o| o != ctx::LOG_SIZE as i16)
            .all(|o| ar.contains(o)),
        "any-runner loader reads only {ar:?}"
    );
    assert!(k.insns.len() < a.insns.len());

    // `.kconfig` values still come through the ctx.
    let p = plan("kconfig", "bpf.o");
    let k = generate_with(&p, Endian::Little, kernel).unwrap();
    let i = p
        .maps
        .iter()
        .position(|m| m.kind == bpf_lskel::plan::MapKind::Kconfig)
        .unwrap();
    assert!(ctx_reads(&k.insns).contains(&(ctx::map_initial_value(i) as i16)));

    let o = Options {
        name: "k".into(),
        source: "kconfig.bpf.o".into(),
        command: String::new(),
    };
    for lang in [Lang::C, Lang::RustUser] {
        assert!(backend::render(lang, &p, std::slice::from_ref(&k), &o).is_err());
    }
    assert!(backend::render(Lang::RustKernel, &p, &[k], &o).is_ok());
}
