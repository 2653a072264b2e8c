// SPDX-License-Identifier: GPL-2.0
//! Fault injection: every step of a loader, made to fail in turn on this
//! machine's kernel, fails the loader with the injected errno and leaves
//! nothing behind, neither a file descriptor nor a BPF object.
//!
//! The loaders are the real generated ones, with the fault injection option;
//! only the ctx says which step fails. Kernel-tier tests skip with a reason
//! when `bpf()` is refused (see `common::harness`).

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::runner::{self, Attr, RunOpts};
use bpf_lskel::{generate, Endian, Plan};
use common::harness::{self, require_kernel, Outcome, Skip};

const FI: GenOptions = GenOptions {
    fault_inject: true,
    runner: Runner::Any,
};

/// An errno no step of a loader returns by itself (`ENOTRECOVERABLE`).
const ERRNO: u32 = 131;

const BPF_PROG_GET_NEXT_ID: u32 = 11;
const BPF_MAP_GET_NEXT_ID: u32 = 12;
const BPF_PROG_GET_FD_BY_ID: u32 = 13;
const BPF_MAP_GET_FD_BY_ID: u32 = 14;
const BPF_BTF_GET_FD_BY_ID: u32 = 19;
const BPF_BTF_GET_NEXT_ID: u32 = 23;

fn plan(name: &str) -> Plan {
    let base = name.trim_end_matches(".bpf.o").trim_end_matches(".bpfeb.o");
    Plan::build(&common::corpus_file(name), base).unwrap()
}

/// The loaders of both byte orders of `iterators`, each from its own object.
fn iterators_loaders(go: GenOptions) -> Vec<bpf_lskel::Loader> {
    [
        ("iterators.bpf.o", Endian::Little),
        ("iterators.bpfeb.o", Endian::Big),
    ]
    .into_iter()
    .map(|(file, e)| generate_with(&plan(file), e, go).unwrap())
    .collect()
}

/// Every little-endian corpus object.
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(common::corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".bpf.o"))
        .collect();
    v.sort();
    assert!(v.len() > 1, "corpus too small: {v:?}");
    v
}

/// The BPF objects (maps, programs, BTF) open in this process.
fn bpf_fds() -> Vec<String> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        if let Ok(l) = std::fs::read_link(e.path()) {
            let l = l.to_string_lossy().into_owned();
            if l.starts_with("anon_inode:bpf") || l.starts_with("anon_inode:btf") {
                v.push(format!("{} -> {l}", e.file_name().to_string_lossy()));
            }
        }
    }
    v
}

/// The ids of every object of one kind the kernel holds.
fn ids(next_cmd: u32) -> BTreeSet<u32> {
    let mut ids = BTreeSet::new();
    let mut id = 0;
    loop {
        let mut a = Attr::default();
        a.u32(0, id);
        if runner::sys_bpf(next_cmd, &mut a).is_err() {
            return ids;
        }
        id = a.get_u32(4);
        ids.insert(id);
    }
}

/// A snapshot of the kernel's maps, programs and BTF objects.
#[derive(Clone, PartialEq, Eq)]
struct Objects {
    maps: BTreeSet<u32>,
    progs: BTreeSet<u32>,
    btf: BTreeSet<u32>,
}

fn objects() -> Objects {
    Objects {
        maps: ids(BPF_MAP_GET_NEXT_ID),
        progs: ids(BPF_PROG_GET_NEXT_ID),
        btf: ids(BPF_BTF_GET_NEXT_ID),
    }
}

/// Describes one object by id, or `None` once it is gone.
fn describe(fd_cmd: u32, id: u32) -> Option<String> {
    let mut a = Attr::default();
    a.u32(0, id);
    let fd = runner::sys_bpf(fd_cmd, &mut a).ok()? as i32;
    // SAFETY: A successful `*_GET_FD_BY_ID` returns a new fd that we own.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    Some(match fd_cmd {
        BPF_MAP_GET_FD_BY_ID => format!("map {}", runner::map_info(&fd).ok()?.name),
        BPF_PROG_GET_FD_BY_ID => format!("prog {}", runner::prog_info(&fd).ok()?.name),
        _ => "btf".to_string(),
    })
}

/// Objects created since `before` that are ours: named like a map or a
/// program of `plan` or the loader's own, or any BTF object. Other programs
/// of this machine may create objects meanwhile; only ours count.
fn ours_since(before: &Objects, plan: &Plan) -> Vec<String> {
    let now = objects();
    let mut names: BTreeSet<String> = plan
        .maps
        .iter()
        .map(|m| format!("map {}", &m.name[..m.name.len().min(15)]))
        .collect();
    names.extend(
        plan.progs
            .iter()
            .map(|p| format!("prog {}", &p.name[..p.name.len().min(15)])),
    );
    names.insert("map __loader.map".into());
    names.insert("prog __loader.prog".into());
    let mut left = Vec::new();
    for (cmd, old, new) in [
        (BPF_MAP_GET_FD_BY_ID, &before.maps, &now.maps),
        (BPF_PROG_GET_FD_BY_ID, &before.progs, &now.progs),
        (BPF_BTF_GET_FD_BY_ID, &before.btf, &now.btf),
    ] {
        for &id in new.difference(old) {
            if let Some(d) = describe(cmd, id) {
                if cmd == BPF_BTF_GET_FD_BY_ID || names.contains(&d) {
                    left.push(format!("{d} (id {id})"));
                }
            }
        }
    }
    left
}

/// Waits until nothing of ours created since `before` is left: the kernel
/// frees objects a moment after their last reference goes (RCU, workqueues).
fn settled(before: &Objects, plan: &Plan) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = ours_since(before, plan);
        if left.is_empty() || start.elapsed() > Duration::from_secs(5) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Without the option, the loader is the product's, byte for byte; with it,
/// the steps are listed, named once each, and the loader differs.
fn option_off_is_unchanged() -> Outcome {
    // Each object in its own byte order: big-endian ones where there are.
    let big = corpus()
        .iter()
        .map(|n| n.replace(".bpf.o", ".bpfeb.o"))
        .filter(|n| common::corpus_dir().join(n).exists())
        .collect::<Vec<_>>();
    assert!(big.len() > 1, "no big-endian objects: {big:?}");
    for name in corpus().into_iter().chain(big) {
        let p = plan(&name);
        let e = p.endian;
        let plain = generate(&p, e).unwrap();
        assert_eq!(
            plain,
            generate_with(&p, e, GenOptions::default()).unwrap(),
            "{name}"
        );
        assert!(plain.steps.is_empty(), "{name}");
        let fi = generate_with(&p, e, FI).unwrap();
        assert!(!fi.steps.is_empty(), "{name}: no steps");
        assert_ne!(fi.insns, plain.insns, "{name}: no injection points");
        let distinct: BTreeSet<&String> = fi.steps.iter().collect();
        assert_eq!(distinct.len(), fi.steps.len(), "{name}: {:?}", fi.steps);
        // One BTF load, then at least one step per map and program.
        assert_eq!(fi.steps[0], "loading the object's BTF", "{name}");
        assert!(
            fi.steps.len() > p.maps.len() + p.progs.len(),
            "{name}: {:?}",
            fi.steps
        );
    }
    Ok(())
}

/// The skeletons list the steps; C has no fault injection skeleton.
fn skeletons_list_steps() -> Outcome {
    let p = plan("iterators.bpf.o");
    let loaders = iterators_loaders(FI);
    let o = Options {
        name: "iterators".into(),
        source: "iterators.bpf.o".into(),
        command: "bpf-lskel ...".into(),
    };
    let k = backend::render(Lang::RustKernel, &p, &loaders, &o).unwrap();
    let n = loaders[0].steps.len();
    assert!(k.contains(&format!(
        "pub static FAULT_STEPS: [&kernel::str::CStr; {n}] = ["
    )));
    for st in &loaders[0].steps {
        assert!(k.contains(&format!("kernel::c_str!({st:?}),")), "{st}");
    }
    assert!(k.contains("SPEC.load_fault_injected(&FAULT_STEPS)?"));
    let u = backend::render(Lang::RustUser, &p, &loaders, &o).unwrap();
    assert!(u.contains(&format!("pub static FAULT_STEPS: [&str; {n}] = [")));
    assert!(backend::render(Lang::C, &p, &loaders[..1], &o).is_err());
    let plain = vec![generate(&p, Endian::Little).unwrap()];
    let mixed = [plain[0].clone(), loaders[1].clone()];
    assert!(backend::render(Lang::RustKernel, &p, &mixed, &o).is_err());
    let k = backend::render(Lang::RustKernel, &p, &plain, &o).unwrap();
    assert!(!k.contains("FAULT_STEPS"));
    Ok(())
}

/// The kernel skeleton with fault injection type-checks against the stand-in
/// of the `kernel::bpf` contract (`tests/mock-kernel`), as the product does.
fn kernel_skeleton_compiles() -> Outcome {
    use std::process::Command;
    let rustc = common::rustc();
    let dir = std::env::temp_dir().join(format!("bpf-lskel-fi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = common::build_mock_kernel(&dir);
    let p = plan("iterators.bpf.o");
    let loaders = iterators_loaders(FI);
    let o = Options {
        name: "iterators".into(),
        source: "iterators.bpf.o".into(),
        command: "bpf-lskel ...".into(),
    };
    let skel = dir.join("skel.rs");
    std::fs::write(
        &skel,
        backend::render(Lang::RustKernel, &p, &loaders, &o).unwrap(),
    )
    .unwrap();
    let main = dir.join("main.rs");
    std::fs::write(
        &main,
        format!(
            "#![deny(warnings)]\n#[path = {:?}]\nmod skel;\nfn main() {{\n    let s = skel::Iterators::load().unwrap();\n    let _ = (s.dump_bpf_map(), skel::FAULT_STEPS.len());\n}}\n",
            skel.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new(&rustc)
        .args(["--edition", "2021", "--crate-type", "bin", "-o"])
        .arg(dir.join("main"))
        .arg("--extern")
        .arg(format!("kernel={}", lib.display()))
        .arg(&main)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the skeleton does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Command::new(dir.join("main")).status().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Every step of every corpus object that loads here: failing it fails the
/// loader with the injected errno and leaves no fd and no object of ours.
fn every_step_fails_cleanly() -> Outcome {
    require_kernel()?;
    let mut ran = Vec::new();
    let mut refused = Vec::new();
    for name in corpus() {
        let p = plan(&name);
        let l = generate_with(&p, Endian::host(), FI).unwrap();
        let (nm, np) = (p.maps.len(), p.progs.len());
        let run = |k: u32| {
            let o = RunOpts {
                fault: Some((k, ERRNO)),
                ..Default::default()
            };
            runner::run_loader(&l.insns, &l.data, nm, np, &o)
        };
        // Step 0 is none: the object must load here at all. Some need what
        // this kernel lacks (fentry, module kfuncs); those are reported.
        match run(0) {
            Ok(loaded) => drop(loaded),
            Err(e) => {
                refused.push(format!("{name}: {e}"));
                continue;
            }
        }
        let fds = bpf_fds();
        for k in 1..=l.steps.len() as u32 {
            let step = &l.steps[k as usize - 1];
            let before = objects();
            let e = match run(k) {
                Ok(_) => panic!("{name}: step {k} ({step}) injected, but the loader succeeded"),
                Err(e) => e,
            };
            assert_eq!(
                e.step, "error returned by loader prog",
                "{name}: step {k} ({step}): {e}"
            );
            assert_eq!(
                e.err.raw_os_error(),
                Some(ERRNO as i32),
                "{name}: step {k} ({step}): {e}"
            );
            assert_eq!(e.failed_step, k, "{name}: step {k} ({step}) names another");
            assert_eq!(bpf_fds(), fds, "{name}: step {k} ({step}) left fds");
            let left = settled(&before, &p);
            assert!(
                left.is_empty(),
                "{name}: step {k} ({step}) left objects: {left:?}"
            );
        }
        // Past the last step nothing fails.
        drop(run(l.steps.len() as u32 + 1).unwrap_or_else(|e| panic!("{name}: {e}")));
        ran.push(format!("{name} ({} steps)", l.steps.len()));
    }
    for r in &refused {
        eprintln!("not loadable on this kernel: {r}");
    }
    assert!(
        ran.iter().any(|r| r.starts_with("iterators.bpf.o")),
        "the iterators do not load here: {refused:?}"
    );
    eprintln!("every step failed cleanly: {}", ran.join(", "));
    Ok(())
}

/// A wrong step number is not a failure: the loaders only match their own.
fn no_step_no_failure() -> Outcome {
    require_kernel()?;
    let p = plan("iterators.bpf.o");
    let l = generate_with(&p, Endian::host(), FI).unwrap();
    for k in [0, l.steps.len() as u32 + 1, u32::MAX] {
        let o = RunOpts {
            fault: Some((k, ERRNO)),
            ..Default::default()
        };
        let loaded = runner::run_loader(&l.insns, &l.data, p.maps.len(), p.progs.len(), &o)
            .map_err(|e| Skip(format!("the iterators do not load here: {e}")))?;
        assert_eq!(loaded.progs.len(), p.progs.len());
    }
    Ok(())
}

/// A real failure, not an injected one, names the step that failed: a
/// map too large to create fails at that map's creation.
fn a_real_failure_names_its_step() -> Outcome {
    require_kernel()?;
    let p = plan("maps.bpf.o");
    let l = generate_with(&p, Endian::host(), GenOptions::default()).unwrap();
    let i = p
        .maps
        .iter()
        .position(|m| m.map_type == 2)
        .expect("maps.bpf.o has an array");
    let mut max_entries = vec![0; p.maps.len()];
    max_entries[i] = u32::MAX;
    let o = RunOpts {
        max_entries,
        ..Default::default()
    };
    let e = match runner::run_loader(&l.insns, &l.data, p.maps.len(), p.progs.len(), &o) {
        Ok(_) => panic!("an array of u32::MAX entries was created"),
        Err(e) => e,
    };
    let k = e.failed_step as usize;
    assert!(k >= 1 && k <= l.step_names.len(), "{e}");
    let want = format!("creating map {}", p.maps[i].name);
    assert_eq!(l.step_names[k - 1], want, "{e}");
    eprintln!("failed at step {k} ({}): {e}", l.step_names[k - 1]);
    Ok(())
}

/// `bpf-lskel run` computes `.kconfig` values for this kernel, and names
/// the object and the loader step when the loader fails.
fn run_takes_kconfig_and_names_the_step() -> Outcome {
    require_kernel()?;
    let bin = env!("CARGO_BIN_EXE_bpf-lskel");
    let dir = common::corpus_dir();
    let ok = std::process::Command::new(bin)
        .arg("run")
        .arg(dir.join("kconfig_values.bpf.o"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "non-weak kconfig externs: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let obj = dir.join("maps.bpf.o");
    let p = plan("maps.bpf.o");
    let l = generate_with(&p, Endian::host(), FI).unwrap();
    let k = l
        .steps
        .iter()
        .position(|s| s.starts_with("creating map "))
        .unwrap()
        + 1;
    let bad = std::process::Command::new(bin)
        .arg("run")
        .arg(&obj)
        .args(["--fault-step", &k.to_string(), "--fault-errno", "12"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    let want = format!("{}: {}: ", obj.display(), l.steps[k - 1]);
    assert!(err.contains(&want), "wanted {want:?} in {err}");
    Ok(())
}

fn main() {
    harness::run(&[
        (
            "run_takes_kconfig_and_names_the_step",
            run_takes_kconfig_and_names_the_step,
        ),
        (
            "a_real_failure_names_its_step",
            a_real_failure_names_its_step,
        ),
        ("option_off_is_unchanged", option_off_is_unchanged),
        ("skeletons_list_steps", skeletons_list_steps),
        ("kernel_skeleton_compiles", kernel_skeleton_compiles),
        ("every_step_fails_cleanly", every_step_fails_cleanly),
        ("no_step_no_failure", no_step_no_failure),
    ]);
}
