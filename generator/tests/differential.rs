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

use bpf_lskel::ctx::CtxBuf;
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::plan::MapKind;
use bpf_lskel::runner::{self, RunOpts};
use bpf_lskel::{generate, Endian, Plan};
use common::harness::{self, require_kernel, Outcome, Skip};

/// Serialises the tests of this binary, so fd counts mean something.
/// The plan of corpus object `NAME`, named `NAME`, compiled for this
/// machine's byte order (`NAME.bpf.o` or `NAME.bpfeb.o`): a loader is made
/// from an object of its byte order.
fn corpus_plan(name: &str) -> Plan {
    let suffix = match Endian::host() {
        Endian::Little => "bpf.o",
        Endian::Big => "bpfeb.o",
    };
    let obj = common::corpus_file(&format!("{name}.{suffix}"));
    Plan::build(&obj, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Side {
    maps: Vec<runner::MapInfo>,
    contents: Vec<Option<Vec<u8>>>,
    /// Per map-in-map: (slot, index of the map it holds) for slots 0..64.
    slots: Vec<Vec<(u32, usize)>>,
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
        .map(|fd| runner::prog_info(fd.as_ref().expect("no `?` program here")).unwrap())
        .collect();
    // Which of this side's maps each map-in-map slot holds (ids differ
    // between the sides, indices must not).
    let slots = loaded
        .maps
        .iter()
        .zip(&maps)
        .map(|(fd, i)| {
            if !matches!(i.map_type, 12 | 13) {
                return Vec::new();
            }
            (0..64u32)
                .filter_map(|k| {
                    let v = runner::map_lookup(fd, &k.to_ne_bytes(), 4).ok()?;
                    let id = u32::from_ne_bytes(v.try_into().unwrap());
                    let idx = maps.iter().position(|m| m.id == id);
                    Some((k, idx.expect("slot holds a map of another object")))
                })
                .collect()
        })
        .collect();
    Side {
        maps,
        contents,
        slots,
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
    let text = String::from_utf8(common::corpus_file(&format!("{name}.lskel.h"))).unwrap();
    let theirs = common::parse_lskel(&text);
    let plan = corpus_plan(name);
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
    // Kconfig values come from the skeleton, as libbpf's come from the host.
    let mut initial_values = vec![None; plan.maps.len()];
    if let Some(v) = common::host_kconfig(&plan) {
        let k = plan.maps.len() - 1;
        assert_eq!(
            plan.maps[k].kind,
            MapKind::Kconfig,
            "{name}: kconfig map is not last"
        );
        initial_values[k] = Some(v);
    }
    let o = runner::run_loader(
        &ours.insns,
        &ours.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts {
            log_level: 1,
            initial_values,
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
        assert_eq!(ours.slots[i], theirs.slots[i], "{what}: map-in-map slots");
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
    let _: (&[OwnedFd], &[Option<OwnedFd>]) = (&ours.fds.maps, &theirs.fds.progs);
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

differential!(
    maps,
    globals,
    subprogs,
    core,
    externs,
    progtypes,
    iterators,
    kconfig,
    kconfig_values,
    mapinmap
);

fn main() {
    let mut tests = DIFFERENTIAL.to_vec();
    tests.extend_from_slice(&[
        (
            "iterators_print_like_upstream",
            iterators_print_like_upstream as fn() -> Outcome,
        ),
        ("ctx_overrides", ctx_overrides),
        (
            "kernel_loader_keeps_the_objects_values",
            kernel_loader_keeps_the_objects_values,
        ),
        ("failure_cleans_up", failure_cleans_up),
        ("fd_zero_is_a_valid_fd", fd_zero_is_a_valid_fd),
        ("kconfig_values_are_required", kconfig_values_are_required),
        ("prog_array_slots", prog_array_slots),
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

/// Reads every iterator of every side (`links[side][iterator]`). The
/// iterators walk the whole machine's maps and programs, which other
/// processes create and free meanwhile: read again (up to 20 times) until
/// all sides saw the same state, and return the last reading. A real
/// difference between the sides persists and fails the caller's checks.
fn read_settled(links: &[Vec<OwnedFd>]) -> Vec<Vec<String>> {
    let mut texts = Vec::new();
    for _ in 0..20 {
        texts = links
            .iter()
            .map(|l| l.iter().map(|i| runner::read_iter(i).unwrap()).collect())
            .collect();
        if texts.iter().all(|t| t == &texts[0]) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    texts
}

/// Both iterators, loaded both ways, print the same text (the kernel state
/// they walk is shared) in upstream's format.
fn iterators_print_like_upstream() -> Outcome {
    let _g = serial();
    let (ours, theirs, plan) = load_both("iterators")?;
    let mut links = Vec::new();
    for side in [&ours, &theirs] {
        let mut l = Vec::new();
        for (p, fd) in plan.progs.iter().zip(&side.fds.progs) {
            l.push(
                runner::attach_iter(fd.as_ref().expect("no `?` program here"))
                    .unwrap_or_else(|e| panic!("attach {}: {e}", p.name)),
            );
        }
        links.push(l);
    }
    let texts = read_settled(&links);
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
    Ok(())
}

/// The ctx's `max_entries` and `initial_value` override the object's, as
/// with upstream's skeletons.
fn ctx_overrides() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let plan = corpus_plan("globals");
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

    let plan = corpus_plan("maps");
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

/// A loader generated for the kernel runner reads neither overrides nor
/// initial values of global data other than `.kconfig` (its skeleton has
/// none to give): the object's values stay.
fn kernel_loader_keeps_the_objects_values() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let plan = corpus_plan("globals");
    let go = GenOptions {
        runner: Runner::Kernel,
        ..GenOptions::default()
    };
    let l = generate_with(&plan, Endian::host(), go).unwrap();
    let data = plan.maps.iter().position(|m| m.ident == "data").unwrap();
    let object = plan.initial_value(data, Endian::host()).unwrap().unwrap();
    let mut initial = vec![None; plan.maps.len()];
    initial[data] = Some(vec![0x11u8; object.len()]);
    let opts = RunOpts {
        initial_values: initial,
        max_entries: vec![7; plan.maps.len()],
        ..Default::default()
    };
    let loaded =
        runner::run_loader(&l.insns, &l.data, plan.maps.len(), plan.progs.len(), &opts).unwrap();
    let v = runner::map_lookup(&loaded.maps[data], &0u32.to_ne_bytes(), object.len()).unwrap();
    assert_eq!(v, object);
    for (m, fd) in plan.maps.iter().zip(&loaded.maps) {
        let info = runner::map_info(fd).unwrap();
        assert_eq!(info.max_entries, m.max_entries, "{}", m.name);
    }
    Ok(())
}

/// A failing load closes everything it opened and returns the errno.
fn failure_cleans_up() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let mut plan = corpus_plan("iterators");
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

/// The fds open in this process.
fn fd_set() -> Vec<i32> {
    let mut v: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    v.sort_unstable();
    v
}

/// Runs a loader as a built-in preload runs from init, whose fd table has
/// no fd 0: the loader map and program are opened while fd 0 is taken, then
/// fd 0 is freed for the run, so the first fd the loader itself opens (its
/// BTF) is 0. Returns the loader's result and the ctx.
fn run_without_fd0(insns: &[u8], data: &[u8], nmaps: usize, nprogs: usize) -> (i32, CtxBuf) {
    use runner::{sys_bpf, Attr};
    let map = {
        let mut a = Attr::default();
        a.u32(0, 2).u32(4, 4).u32(8, data.len() as u32).u32(12, 1);
        sys_bpf(0, &mut a).unwrap() as i32
    };
    let key = 0u32;
    let mut a = Attr::default();
    a.u32(0, map as u32).ptr(8, &key).ptr(16, data.as_ptr());
    sys_bpf(2, &mut a).unwrap();
    let license = c"GPL";
    let mut a = Attr::default();
    a.u32(0, 31) // BPF_PROG_TYPE_SYSCALL
        .u32(4, (insns.len() / 8) as u32)
        .ptr(8, insns.as_ptr())
        .ptr(16, license.as_ptr())
        .u32(44, 1 << 4) // BPF_F_SLEEPABLE
        .ptr(120, &map);
    let prog = sys_bpf(5, &mut a).unwrap() as i32;
    let mut ctx = CtxBuf::new(nmaps, nprogs);
    // SAFETY: fd 0 is this test's stdin, set aside in `saved` and put back
    // below; the harness runs one test at a time, so nothing else uses it.
    let saved = unsafe { libc::dup(0) };
    assert!(saved > 2);
    // SAFETY: As above; closing fd 0 frees the lowest fd number.
    assert_eq!(unsafe { libc::close(0) }, 0);
    let mut a = Attr::default();
    let bytes = ctx.bytes_mut();
    a.u32(0, prog as u32)
        .u32(40, bytes.len() as u32)
        .ptr(48, bytes.as_mut_ptr());
    let run = sys_bpf(10, &mut a);
    let ret = a.get_u32(4) as i32;
    // Whatever the loader left at fd 0 (nothing, if it cleaned up).
    // SAFETY: `fcntl(F_GETFD)` only queries the fd.
    let fd0_open = unsafe { libc::fcntl(0, libc::F_GETFD) } >= 0;
    // SAFETY: Puts stdin back at fd 0 (closing whatever held it) and closes
    // the fds this function opened.
    unsafe {
        libc::dup2(saved, 0);
        libc::close(saved);
        libc::close(prog);
        libc::close(map);
    }
    run.unwrap();
    assert!(
        !fd0_open || ret == 0,
        "the failed loader left fd 0 open: it took fd 0 for \"absent\""
    );
    (ret, ctx)
}

/// fd 0 is a valid fd: when the loader's first fd is 0 (no stdin, as in
/// init), it is closed like any other on success and on failure, and no
/// fd leaks either way.
fn fd_zero_is_a_valid_fd() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let mut plan = corpus_plan("iterators");
    let l = generate(&plan, Endian::host()).unwrap();
    let before = fd_set();
    let (ret, ctx) = run_without_fd0(&l.insns, &l.data, plan.maps.len(), plan.progs.len());
    assert_eq!(ret, 0, "loader failed without fd 0");
    let mut returned: Vec<i32> = (0..plan.maps.len())
        .map(|i| ctx.map_fd(i))
        .chain((0..plan.progs.len()).map(|j| ctx.prog_fd(j)))
        .collect();
    // The BTF took fd 0 and was closed, so everything returned is above it.
    assert!(returned.iter().all(|&fd| fd > 0), "{returned:?}");
    let mut after = fd_set();
    after.retain(|fd| !returned.contains(fd));
    assert_eq!(after, before, "fds leaked by a load without fd 0");
    for fd in returned.drain(..) {
        // SAFETY: The loader handed these fds to us; nothing else owns them.
        unsafe { libc::close(fd) };
    }

    // The same on the failure path: everything, fd 0 included, is closed.
    plan.progs[1].attach_target =
        Some(("bpf_iter_no_such_target".into(), bpf_lskel::btf::KIND_FUNC));
    let l = generate(&plan, Endian::host()).unwrap();
    let (ret, _) = run_without_fd0(&l.insns, &l.data, plan.maps.len(), plan.progs.len());
    assert_eq!(ret, -libc::ENOENT);
    assert_eq!(fd_set(), before, "fds leaked by a failed load without fd 0");
    Ok(())
}

/// A loader never runs with kconfig values it was not given: there is no
/// build-time default to fall back to.
fn kconfig_values_are_required() -> Outcome {
    let _g = serial();
    require_kernel()?;
    let plan = corpus_plan("kconfig");
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
    assert_eq!(err.err.raw_os_error(), Some(libc::EINVAL), "{err}");
    assert_eq!(open_fds(), before, "fds leaked");
    // The values land where the program reads them.
    let mut v = common::host_kconfig(&plan).unwrap();
    let version = plan
        .kconfig
        .iter()
        .find(|k| k.name == "LINUX_KERNEL_VERSION")
        .unwrap();
    let at = version.offset as usize;
    v[at..at + 4].copy_from_slice(&0x0102_0304u32.to_ne_bytes());
    let k = plan.maps.len() - 1;
    let mut initial_values = vec![None; plan.maps.len()];
    initial_values[k] = Some(v.clone());
    let loaded = runner::run_loader(
        &l.insns,
        &l.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts {
            initial_values,
            ..Default::default()
        },
    )
    .unwrap();
    let got = runner::map_lookup(&loaded.maps[k], &0u32.to_ne_bytes(), v.len()).unwrap();
    assert_eq!(got, v);
    Ok(())
}

/// PROG_ARRAY slots the object initialises hold its programs after loading
/// (libbpf's gen_loader refuses such objects, so there is no reference).
fn prog_array_slots() -> Outcome {
    let _g = serial();
    let path = common::corpus_dir().join("extra/progarray.bpf.o");
    let obj = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let plan = Plan::build(&obj, "progarray").unwrap();
    assert_eq!(plan.prog_slots.len(), 1);
    require_kernel()?;
    let l = generate(&plan, Endian::host()).unwrap();
    let loaded = runner::run_loader(
        &l.insns,
        &l.data,
        plan.maps.len(),
        plan.progs.len(),
        &RunOpts::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let jumps = plan.maps.iter().position(|m| m.name == "jumps").unwrap();
    let callee = plan.progs.iter().position(|p| p.name == "callee").unwrap();
    let id = runner::prog_info(loaded.progs[callee].as_ref().unwrap())
        .unwrap()
        .id;
    let fd = &loaded.maps[jumps];
    let slot1 = runner::map_lookup(fd, &1u32.to_ne_bytes(), 4).unwrap();
    assert_eq!(u32::from_ne_bytes(slot1.try_into().unwrap()), id);
    let slot0 = runner::map_lookup(fd, &0u32.to_ne_bytes(), 4).unwrap_err();
    assert_eq!(slot0.raw_os_error(), Some(libc::ENOENT));
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
    let text = String::from_utf8(common::corpus_file("tracing.lskel.h")).unwrap();
    let theirs = common::parse_lskel(&text);
    let plan = corpus_plan("tracing");
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
            "no upstream_iterators.lskel.h in the corpus (build-corpus.sh found no kernel tree with a vanilla tag)"
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
    let plan = corpus_plan("iterators");
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
                .map(|p| runner::attach_iter(p.as_ref().unwrap()).unwrap())
                .collect()
        })
        .collect();
    let all = read_settled(&links);
    for k in 0..2 {
        let texts: Vec<&String> = all.iter().map(|t| &t[k]).collect();
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
