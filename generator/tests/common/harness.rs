// SPDX-License-Identifier: GPL-2.0
//! A minimal test harness for tests that may have to be skipped at run time.
//!
//! libtest has no run-time skip: a test that finds no `bpf()` can only pass
//! or fail. Binaries built with `harness = false` list their tests here;
//! each returns `Err(Skip)` with a reason when it cannot run, and is then
//! reported as `ignored, <reason>` and counted in libtest's `ignored`
//! column, which `scripts/host-test.sh` sums as skipped. Output and exit
//! status follow libtest, so `cargo test` treats these binaries as usual.

use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

/// Why a test did not run.
#[derive(Debug)]
pub struct Skip(pub String);

/// What a test returns: `Ok` passed, `Err` skipped; a panic fails it.
pub type Outcome = Result<(), Skip>;

/// One test: its name and body.
pub type Test = (&'static str, fn() -> Outcome);

/// Whether this machine can run loaders: `Err` says why not.
pub fn require_kernel() -> Outcome {
    bpf_lskel::runner::probe().map_err(|why| {
        Skip(format!(
            "kernel tier: {why}; loaders are only generated, not run"
        ))
    })
}

struct Args {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    list: bool,
    only_ignored: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        filters: Vec::new(),
        skips: Vec::new(),
        exact: false,
        list: false,
        only_ignored: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--exact" => a.exact = true,
            "--list" => a.list = true,
            // No test here is ignored at build time: `--ignored` runs none.
            "--ignored" => a.only_ignored = true,
            "--skip" => a.skips.extend(it.next()),
            // libtest options with a value that do not matter here.
            "--test-threads" | "--color" | "--format" | "--logfile" | "-Z" => {
                it.next();
            }
            s if s.starts_with('-') => {}
            s => a.filters.push(s.to_string()),
        }
    }
    a
}

fn selected(a: &Args, name: &str) -> bool {
    let hit = |f: &String| {
        if a.exact {
            name == f
        } else {
            name.contains(f.as_str())
        }
    };
    (a.filters.is_empty() || a.filters.iter().any(hit)) && !a.skips.iter().any(hit)
}

/// Runs the selected tests one after the other and exits like libtest.
pub fn run(tests: &[Test]) -> ! {
    let a = parse_args();
    let chosen: Vec<&Test> = tests
        .iter()
        .filter(|t| !a.only_ignored && selected(&a, t.0))
        .collect();
    if a.list {
        for t in &chosen {
            println!("{}: test", t.0);
        }
        std::process::exit(0);
    }
    let start = Instant::now();
    println!("\nrunning {} tests", chosen.len());
    let (mut passed, mut skipped) = (0, 0);
    let mut failed = Vec::new();
    for (name, body) in chosen.iter().copied() {
        match panic::catch_unwind(AssertUnwindSafe(body)) {
            Ok(Ok(())) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Ok(Err(Skip(why))) => {
                skipped += 1;
                println!("test {name} ... ignored, {why}");
            }
            Err(_) => {
                failed.push(*name);
                println!("test {name} ... FAILED");
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for f in &failed {
            println!("    {f}");
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {skipped} ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        tests.len() - chosen.len(),
        start.elapsed().as_secs_f64()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 101 });
}
