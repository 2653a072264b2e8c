// SPDX-License-Identifier: GPL-2.0
//! Every corpus object's rust-user skeleton, runtime part included
//! (`--cfg lskel`), compiles against `lskel` with warnings denied; the
//! hostile corpus too, where the generator accepts it. The program built
//! from them then loads two objects on this kernel (where `bpf()` is
//! allowed) and checks what `lskel` gives: typed `.rodata` set before
//! load, a syscall program run, `.data`/`.bss` read back through their
//! mappings and written, map lookups and keys, an iterator read.

use std::path::PathBuf;
use std::process::Command;

fn corpus() -> PathBuf {
    let d = std::env::var_os("BPF_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/corpus"));
    assert!(
        d.join("iterators.bpf.o").is_file(),
        "no corpus in {}: run generator/tests/build-corpus.sh",
        d.display()
    );
    d
}

/// The newest `liblskel-*.rlib` next to this test binary.
fn lskel_rlib() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap().to_path_buf();
    let rlib = std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("liblskel-") && n.ends_with(".rlib")
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .expect("liblskel rlib beside the test binary");
    (rlib, deps)
}

const CHECKS: &str = r#"
fn globals() -> lskel::Result<()> {
    use globals::*;
    let mut open = GlobalsSkel::open()?;
    let mut ro = open.rodata_value()?;
    assert_eq!(ro.limit, 7, "the object's .rodata");
    ro.limit = 9;
    open.set_rodata_value(&ro)?;
    let mut skel = open.load()?;
    assert_eq!(skel.rodata_value()?.limit, 9, ".rodata set before load");
    assert_eq!(skel.data_value()?.counter, 42);
    skel.touch_globals()?.test_run(&mut [])?;
    // counter++; zeroed += limit + in_custom + table[2] + hidden_static.
    assert_eq!(skel.data_value()?.counter, 43);
    assert_eq!(skel.bss_value()?.zeroed, 9 + 5 + 3 + 9);
    let mut bss = skel.bss_value()?;
    bss.zeroed = 1000;
    skel.set_bss_value(&bss)?;
    skel.touch_globals()?.test_run(&mut [])?;
    assert_eq!(skel.bss_value()?.zeroed, 1000 + 26, "a write through the mapping");
    // The raw mapping and the map agree.
    let i = SPEC.maps.iter().position(|m| m.kind == lskel::MapKind::Bss).unwrap();
    let g = skel.object().global(i).expect("mmapped .bss");
    assert_eq!(g.as_slice()[..8], (1026u64).to_ne_bytes());
    let v = skel.object().map(i).lookup(&0u32.to_ne_bytes())?.unwrap();
    assert_eq!(v[..8], (1026u64).to_ne_bytes());
    let keys: Vec<_> = skel.object().map(i).keys().collect::<lskel::Result<_>>()?;
    assert_eq!(keys, vec![0u32.to_ne_bytes().to_vec()]);
    // Frozen .rodata: no writable mapping.
    let r = SPEC.maps.iter().position(|m| m.kind == lskel::MapKind::Rodata).unwrap();
    assert!(skel.object_mut().global_mut(r).is_none());
    println!("globals: ok");
    Ok(())
}

fn iterators() -> lskel::Result<()> {
    let mut open = iterators::IteratorsSkel::open()?;
    open.object().set_log_level(1);
    let mut skel = open.load()?;
    skel.attach()?;
    assert_eq!(skel.object().links().len(), 2);
    let text = skel.object().links()[0].read_iter()?;
    assert!(text.contains("max_entries"), "{text}");
    let info = skel.dump_bpf_map()?.info()?;
    assert_eq!(info.name, "dump_bpf_map");
    println!("iterators: ok ({} lines)", text.lines().count());
    Ok(())
}

fn main() {
    if let Err(why) = lskel::probe() {
        println!("skipped: {why}");
        return;
    }
    for (name, f) in [("globals", globals as fn() -> lskel::Result<()>), ("iterators", iterators)] {
        if let Err(e) = f() {
            panic!("{name}: {e}{}", e.log().map(|l| format!("\n{l}")).unwrap_or_default());
        }
    }
}
"#;

#[test]
fn every_skeleton_compiles_and_two_run() {
    let dir = corpus();
    let out = std::env::temp_dir().join(format!("lskel-skeletons-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let mut objs: Vec<PathBuf> = Vec::new();
    for d in [
        dir.clone(),
        dir.join("hostile"),
        dir.join("extra"),
        dir.join("examples"),
    ] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        objs.extend(
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".bpf.o")),
        );
    }
    objs.sort();
    let mut main = String::from("#![deny(warnings)]\n");
    let mut n = 0;
    let mut refused = Vec::new();
    let mut modules = std::collections::BTreeSet::new();
    for o in &objs {
        let stem = o
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".bpf.o", "");
        let name = bpf_name(&stem);
        match lskel_build::skeleton(o, &name) {
            Ok(text) => {
                assert!(
                    !text.contains("unsafe"),
                    "{}: unsafe in a skeleton",
                    o.display()
                );
                let p = out.join(format!("{name}_{n}.rs"));
                std::fs::write(&p, text).unwrap();
                // Hostile objects may share a name with an ordinary one.
                let module = if modules.insert(name.clone()) {
                    name.clone()
                } else {
                    format!("{name}_{n}")
                };
                main.push_str(&format!(
                    "pub mod {module} {{\n    include!({:?});\n}}\n",
                    p.display().to_string()
                ));
                n += 1;
            }
            Err(e) => refused.push(format!("{}: {e}", o.display())),
        }
    }
    assert!(n >= 15, "only {n} skeletons: {refused:?}");
    for r in &refused {
        assert!(r.contains("/hostile/"), "an ordinary object refused: {r}");
    }
    main.push_str(CHECKS);
    let main_rs = out.join("main.rs");
    std::fs::write(&main_rs, main).unwrap();
    let (rlib, deps) = lskel_rlib();
    let bin = out.join("skeletons");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let o = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "bin",
            "--cfg",
            "lskel",
            "-o",
        ])
        .arg(&bin)
        .arg("--extern")
        .arg(format!("lskel={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg(&main_rs)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "skeletons do not compile:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = Command::new(&bin).output().unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(
        r.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&r.stderr)
    );
    println!("{n} skeletons compiled; {}", stdout.trim());
    let _ = std::fs::remove_dir_all(&out);
}

/// The skeleton name the command line would give `stem`.
fn bpf_name(stem: &str) -> String {
    bpf_lskel::names::base(stem)
}
