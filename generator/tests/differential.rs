// SPDX-License-Identifier: GPL-2.0
//! Differential tests against libbpf: every corpus object is loaded once by
//! bpftool's light skeleton loader and once by ours, both run by our
//! runner on this machine's kernel, and what the kernel holds is compared.

//!
//! The tests need root and `bpf()`; where the kernel refuses, they are
//! reported as skipped with the reason (see `common::harness`), never as
//! passed.

mod common;

use std::os::fd::OwnedFd;
use std::sync::{Mutex, MutexGuard};

use bpf_lskel::runner::{self, RunOpts};
use bpf_lskel::{generate, Endian, Plan};
use common::harness::{self, require_kernel, Outcome, Skip};

/// Serialises the tests of this binary, so fd counts mean something.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Side {
    maps: Vec<runner::MapInfo>,
    contents: Vec<Option<Vec<u8>>>,
    progs: Vec<runner::ProgInfo>,
    fds: runner::Loaded,
}

fn inspect(loaded: runner::Loaded) -> Side {
    let mut maps = Vec::new();
    let mut contents = Vec::new();
    for fd in &loaded.maps {
        let i = runner::map_info(fd).unwrap();
        // Global data and small arrays: compare the first value.
        let c = (i.map_type == 2 && i.value_size > 0)
            .then(|| runner::map_lookup(fd, &0u32.to_ne_bytes(), i.value_size as usize).unwrap());
        contents.push(c);
        maps.push(i);
    }
    let progs = loaded
        .progs
        .iter()
        .map(|fd| runner::prog_info(fd).unwrap())
        .collect();
    Side {
        maps,
        contents,
        progs,
        fds: loaded,
    }
}

/// Finds the prebuilt `BPF_PROG_LOAD` attribute of a program in a loader
/// blob (by its name and type) and returns its expected attach type and
/// flags: the kernel does not report them, so compare the requests.
fn prog_load_attr(blob: &[u8], name: &str, prog_type: u32) -> Option<(u32, u32)> {
    let mut field = [0u8; 16];
    let n = name.len().min(15);
    field[..n].copy_from_slice(&name.as_bytes()[..n]);
    let u32_at = |o: usize| u32::from_ne_bytes(blob[o..o + 4].try_into().unwrap());
    (48..blob.len().saturating_sub(72))
        .filter(|&o| blob[o..o + 16] == field && u32_at(o - 48) == prog_type)
        .map(|o| (u32_at(o + 20), u32_at(o - 4)))
        .next()
}

fn load_both(name: &str) -> Result<(Side, Side, Plan), Skip> {
    let obj = common::corpus_file(&format!("{name}.bpf.o"));
    let text = String::from_utf8(common::corpus_file(&format!("{name}.lskel.h"))).unwrap();
    let theirs = common::parse_lskel(&text);
    let plan = Plan::build(&obj, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours = generate(&plan, Endian::host()).unwrap();
    assert_eq!(plan.maps.len(), theirs.maps.len(), "{name}: map count");
    assert_eq!(
        plan.progs.len(),
        theirs.progs.len(),
        "{name}: program count"
    );
    for (m, t) in plan.maps.iter().zip(&theirs.maps) {
        assert_eq!(&m.ident, t, "{name}: skeleton map names differ");
    }
    require_kernel()?;
    let opts = RunOpts::default();
    let t = runner::run_loader(
        &theirs.insns,
        &theirs.data,
        theirs.maps.len(),
        theirs.progs.len(),
        &opts,
    )
    .unwrap_or_else(|e| panic!("{name}: bpftool's loader failed: {e}"));
    let o = runner::run_loader(
        &ours.insns,
        &ours.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts {
            log_level: 1,
            ..opts
        },
    )
    .unwrap_or_else(|e| panic!("{name}: our loader failed: {e}"));
    Ok((inspect(o), inspect(t), plan))
}

fn compare(name: &str) -> Outcome {
    let _g = serial();
    let (ours, theirs, plan) = load_both(name)?;
    for (i, (o, t)) in ours.maps.iter().zip(&theirs.maps).enumerate() {
        let what = format!("{name}: map #{i} `{}`", plan.maps[i].name);
        assert_eq!(o.name, t.name, "{what}: name");
        assert_eq!(o.map_type, t.map_type, "{what}: type");
        assert_eq!(
            (o.key_size, o.value_size),
            (t.key_size, t.value_size),
            "{what}: key/value size"
        );
        assert_eq!(o.max_entries, t.max_entries, "{what}: max_entries");
        assert_eq!(o.map_flags, t.map_flags, "{what}: flags");
        assert_eq!(
            (o.btf_key_type_id, o.btf_value_type_id),
            (t.btf_key_type_id, t.btf_value_type_id),
            "{what}: BTF ids"
        );
        assert_eq!(ours.contents[i], theirs.contents[i], "{what}: contents");
    }
    for (j, (o, t)) in ours.progs.iter().zip(&theirs.progs).enumerate() {
        let what = format!("{name}: program #{j} `{}`", plan.progs[j].name);
        assert_eq!(o.name, t.name, "{what}: name");
        assert_eq!(o.prog_type, t.prog_type, "{what}: type");
        assert_eq!(o.tag, t.tag, "{what}: tag (instructions after relocation)");
        assert_eq!(o.nr_map_ids, t.nr_map_ids, "{what}: maps used");
        assert_eq!(o.attach_btf_id, t.attach_btf_id, "{what}: attach_btf_id");
        assert_eq!(
            (o.nr_func_info, o.nr_line_info),
            (t.nr_func_info, t.nr_line_info),
            "{what}: func/line info"
        );
        assert_eq!(o.xlated_len, t.xlated_len, "{what}: translated length");
    }
    let _: (&[OwnedFd], &[OwnedFd]) = (&ours.fds.maps, &theirs.fds.progs);
    Ok(())
}

macro_rules! differential {
    ($($t:ident),*) => {
        /// One differential test per corpus object.
        const DIFFERENTIAL: &[harness::Test] = &[$(
            (stringify!($t), || compare(stringify!($t))),
        )*];
    };
}

differential!(maps, globals, subprogs, core, externs, progtypes, iterators);

fn main() {
    let mut tests = DIFFERENTIAL.to_vec();
    tests.extend_from_slice(&[
        (
            "iterators_print_like_upstream",
            iterators_print_like_upstream as fn() -> Outcome,
        ),
        ("ctx_overrides", ctx_overrides),
        ("failure_cleans_up", failure_cleans_up),
        (
            "tracing_requests_match_libbpf",
            tracing_requests_match_libbpf,
        ),
        (
            "output_matches_upstream_iterators",
            output_matches_upstream_iterators,
        ),
    ]);
    harness::run(&tests);
}

/// Both iterators, loaded both ways, print the same text (the kernel state
/// they walk is shared) in upstream's format.
fn iterators_print_like_upstream() -> Outcome {
    let _g = serial();
    let (ours, theirs, plan) = load_both("iterators")?;
    let mut texts = Vec::new();
    let mut links = Vec::new();
    for side in [&ours, &theirs] {
        let mut t = Vec::new();
        for (p, fd) in plan.progs.iter().zip(&side.fds.progs) {
            let link = runner::attach_iter(fd).unwrap_or_else(|e| panic!("attach {}: {e}", p.name));
            links.push(link);
        }
        for link in &links[links.len() - 2..] {
            t.push(runner::read_iter(link).unwrap());
        }
        texts.push(t);
    }
    assert_eq!(
        texts[0], texts[1],
        "ours and libbpf's iterators print differently"
    );
    let maps = &texts[0][0];
    let progs = &texts[0][1];
    assert!(
        maps.starts_with("  id name             max_entries  cur_entries\n"),
        "{maps}"
    );
    assert!(
        progs.starts_with("  id name             attached\n"),
        "{progs}"
    );
    assert!(
        maps.lines()
            .any(|l| l.contains(" iterator.rodata ") && l.ends_with("           1            0")),
        "{maps}"
    );
    let map_row = ours.maps[0].id;
    let row = format!("{map_row:4} {:<16}  {:10}   {:10}", "iterator.rodata", 1, 0);
    assert!(
        maps.lines().any(|l| l == row),
        "missing row {row:?} in\n{maps}"
    );
    for (p, info) in plan.progs.iter().zip(&ours.progs) {
        let target = p.attach_target.as_ref().unwrap().0.clone();
        let row = format!("{:4} {:<16} {target} ", info.id, p.name);
        assert!(
            progs.lines().any(|l| l == row),
            "missing row {row:?} in\n{progs}"
        );
    }
    println!("{maps}{progs}");
    Ok(())
}

/// The ctx's `max_entries` and `initial_value` override the object's, as
/// with upstream's skeletons.
fn ctx_overrides() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let obj = common::corpus_file("globals.bpf.o");
    let plan = Plan::build(&obj, "globals").unwrap();
    let l = generate(&plan, Endian::host()).unwrap();
    let data = plan.maps.iter().position(|m| m.ident == "data").unwrap();
    let mut initial = vec![None; plan.maps.len()];
    let replacement = vec![0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    initial[data] = Some(replacement.clone());
    let opts = RunOpts {
        initial_values: initial,
        ..Default::default()
    };
    let loaded =
        runner::run_loader(&l.insns, &l.data, plan.maps.len(), plan.progs.len(), &opts).unwrap();
    let v = runner::map_lookup(&loaded.maps[data], &0u32.to_ne_bytes(), 8).unwrap();
    assert_eq!(v, replacement);

    let obj = common::corpus_file("maps.bpf.o");
    let plan = Plan::build(&obj, "maps").unwrap();
    let l = generate(&plan, Endian::host()).unwrap();
    let mut max = vec![0; plan.maps.len()];
    max[0] = 1000;
    let opts = RunOpts {
        max_entries: max,
        ..Default::default()
    };
    let loaded =
        runner::run_loader(&l.insns, &l.data, plan.maps.len(), plan.progs.len(), &opts).unwrap();
    assert_eq!(runner::map_info(&loaded.maps[0]).unwrap().max_entries, 1000);
    assert_eq!(runner::map_info(&loaded.maps[1]).unwrap().max_entries, 4);
    Ok(())
}

/// A failing load closes everything it opened and returns the errno.
fn failure_cleans_up() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let obj = common::corpus_file("iterators.bpf.o");
    let mut plan = Plan::build(&obj, "iterators").unwrap();
    // A target that does not exist makes the second program's load fail
    // after the BTF, the map and the first program were created.
    plan.progs[1].attach_target =
        Some(("bpf_iter_no_such_target".into(), bpf_lskel::btf::KIND_FUNC));
    let l = generate(&plan, Endian::host()).unwrap();
    let before = open_fds();
    let err = runner::run_loader(
        &l.insns,
        &l.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts::default(),
    )
    .unwrap_err();
    assert_eq!(err.err.raw_os_error(), Some(libc::ENOENT), "{err}");
    assert_eq!(open_fds(), before, "fds leaked by a failed load");
    Ok(())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Programs this host cannot load (trampolines, LSM): at least what the
/// loaders ask the kernel for is the same as libbpf's.
fn tracing_requests_match_libbpf() -> Outcome {
    let obj = common::corpus_file("tracing.bpf.o");
    let text = String::from_utf8(common::corpus_file("tracing.lskel.h")).unwrap();
    let theirs = common::parse_lskel(&text);
    let plan = Plan::build(&obj, "tracing").unwrap();
    let ours = generate(&plan, Endian::host()).unwrap();
    assert_eq!(plan.progs.len(), theirs.progs.len());
    for p in &plan.progs {
        let o = prog_load_attr(&ours.data, &p.name, p.prog_type);
        assert!(o.is_some(), "no PROG_LOAD attr for {}", p.name);
        assert_eq!(
            o,
            prog_load_attr(&theirs.data, &p.name, p.prog_type),
            "`{}`",
            p.name
        );
        let target = &p.attach_target.as_ref().unwrap().0;
        assert!(
            theirs
                .data
                .windows(target.len())
                .any(|w| w == target.as_bytes()),
            "libbpf resolves another target than {target}"
        );
    }
    Ok(())
}

/// Our iterators print byte for byte what the kernel's own iterators print:
/// upstream's checked-in light skeleton and ours run side by side and walk
/// the same maps and programs. Also loads upstream's object with our loader.
fn output_matches_upstream_iterators() -> Outcome {
    let _g = serial();
    let dir = common::corpus_dir();
    let Ok(text) = std::fs::read_to_string(dir.join("upstream_iterators.lskel.h")) else {
        return Err(Skip(
            "no upstream_iterators.lskel.h in the corpus (build-corpus.sh found no kernel tree)"
                .into(),
        ));
    };
    require_kernel()?;
    let up = common::parse_lskel(&text);
    assert_eq!(up.progs, ["dump_bpf_map", "dump_bpf_prog"]);
    let theirs = runner::run_loader(
        &up.insns,
        &up.data,
        up.maps.len(),
        up.progs.len(),
        &RunOpts::default(),
    )
    .unwrap_or_else(|e| panic!("upstream loader: {e}"));
    let obj = common::corpus_file("iterators.bpf.o");
    let plan = Plan::build(&obj, "iterators").unwrap();
    let l = generate(&plan, Endian::host()).unwrap();
    let ours = runner::run_loader(
        &l.insns,
        &l.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts::default(),
    )
    .unwrap();
    let upobj = common::corpus_file("upstream_iterators.bpf.o");
    let upplan = Plan::build(&upobj, "iterators").unwrap();
    let ul = generate(&upplan, Endian::host()).unwrap();
    let ours_of_up = runner::run_loader(
        &ul.insns,
        &ul.data,
        upplan.maps.len(),
        upplan.progs.len(),
        &RunOpts::default(),
    )
    .unwrap();
    println!(
        "upstream loader {} + {} B, ours for upstream's object {} + {} B, ours for ours {} + {} B",
        up.insns.len(),
        up.data.len(),
        ul.insns.len(),
        ul.data.len(),
        l.insns.len(),
        l.data.len()
    );
    let links: Vec<Vec<OwnedFd>> = [&theirs, &ours, &ours_of_up]
        .iter()
        .map(|side| {
            side.progs
                .iter()
                .map(|p| runner::attach_iter(p).unwrap())
                .collect()
        })
        .collect();
    for k in 0..2 {
        let texts: Vec<String> = links
            .iter()
            .map(|l| runner::read_iter(&l[k]).unwrap())
            .collect();
        assert_eq!(
            texts[1], texts[0],
            "iterator #{k}: ours differs from upstream's"
        );
        assert_eq!(
            texts[2], texts[0],
            "iterator #{k}: upstream's object via our loader differs"
        );
        assert!(
            texts[0].lines().count() >= 4,
            "too little to compare:\n{}",
            texts[0]
        );
    }
    Ok(())
}
