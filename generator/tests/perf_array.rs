// SPDX-License-Identifier: GPL-2.0
//! A perf event array declared without `max_entries` (corpus/perfarray):
//! libbpf sizes it to the possible CPUs of the machine that creates it, at
//! load time. Skeletons do the same on their target, never with a number
//! of the host that generated them; the kernel back end, whose spec is
//! static, refuses it naming the map.

mod common;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::runner::{self, RunOpts};
use bpf_lskel::{generate, Endian, Plan};
use common::harness::{self, require_kernel, Outcome};

fn plan() -> Plan {
    Plan::build(&common::corpus_file("perfarray.bpf.o"), "perfarray").unwrap()
}

fn cpu_lists_count_like_libbpf() -> Outcome {
    for (s, n) in [("0", 1), ("0-3", 4), ("0-3,6", 5), ("0,2,4-7", 6)] {
        assert_eq!(runner::parse_cpu_list(s).unwrap(), n, "{s}");
    }
    for bad in ["", "3-1", "x", "0-"] {
        assert!(runner::parse_cpu_list(bad).is_err(), "{bad:?}");
    }
    Ok(())
}

fn sized_on_the_target() -> Outcome {
    require_kernel()?;
    let p = plan();
    let i = p.maps.iter().position(|m| m.name == "events").unwrap();
    assert_eq!(
        p.maps[i].max_entries, 0,
        "the object leaves it to the loader"
    );
    let l = generate(&p, Endian::host()).unwrap();
    // Without sizes the kernel refuses the map, at that map's step.
    let e = match runner::run_loader(
        &l.insns,
        &l.data,
        p.maps.len(),
        p.progs.len(),
        &RunOpts::default(),
    ) {
        Ok(_) => panic!("a perf event array of 0 entries was created"),
        Err(e) => e,
    };
    assert_eq!(
        l.step_names[e.failed_step as usize - 1],
        "creating map events",
        "{e}"
    );
    let o = RunOpts {
        max_entries: runner::perf_event_array_sizes(&p).unwrap(),
        ..Default::default()
    };
    let loaded = runner::run_loader(&l.insns, &l.data, p.maps.len(), p.progs.len(), &o).unwrap();
    let info = runner::map_info(&loaded.maps[i]).unwrap();
    assert_eq!(info.max_entries, runner::possible_cpus().unwrap());
    eprintln!("events: {} entries, the possible CPUs", info.max_entries);
    Ok(())
}

fn kernel_back_end_refuses() -> Outcome {
    let p = plan();
    let go = GenOptions {
        runner: Runner::Kernel,
        ..GenOptions::default()
    };
    let l = vec![generate_with(&p, Endian::host(), go).unwrap()];
    let o = Options {
        name: "perfarray".into(),
        source: "perfarray.bpf.o".into(),
        command: "x".into(),
    };
    let e = backend::render(Lang::RustKernel, &p, &l, &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("events") && e.contains("max_entries"), "{e}");
    // The C header sizes it when it opens: no number is baked in.
    let l = vec![generate(&p, Endian::host()).unwrap()];
    let c = backend::render(Lang::C, &p, &l, &o).unwrap();
    assert!(c.contains("skel->maps.events.max_entries = perfarray__possible_cpus();"));
    Ok(())
}

fn main() {
    harness::run(&[
        ("cpu_lists_count_like_libbpf", cpu_lists_count_like_libbpf),
        ("sized_on_the_target", sized_on_the_target),
        ("kernel_back_end_refuses", kernel_back_end_refuses),
    ]);
}
