// SPDX-License-Identifier: GPL-2.0
//! Runs `execsnoop` for a bounded time, execs `/bin/true` and checks that
//! the tracer printed those execs: through the raw tracepoint, through the
//! perf tracepoint (tracefs mounted in a private mount namespace), and not
//! at all for another uid (the `.rodata` filter set before load).
//!
//! Where `bpf()` is refused the tests say `ignored, <reason>`, which
//! `scripts/host-test.sh` counts as skipped; libtest cannot skip at run
//! time, so this binary has its own small harness.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const TOOL: &str = env!("CARGO_BIN_EXE_execsnoop");

/// The tool running, its stdout lines arriving on a channel.
struct Tracer {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Tracer {
    fn start(cmd: &mut Command) -> Tracer {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start execsnoop");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Tracer {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits up to `limit` for a line `want` accepts.
    fn wait_for(&mut self, limit: Duration, want: impl Fn(&str) -> bool) -> Option<String> {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if want(&l) {
                        return Some(l);
                    }
                }
                Err(_) => break,
            }
        }
        None
    }

    fn tail(&self) -> String {
        let n = self.seen.len().saturating_sub(10);
        self.seen[n..].join("\n")
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Execs `/bin/true` a few times; returns their pids.
fn exec_true() -> Vec<u32> {
    (0..3)
        .map(|_| {
            let mut c = Command::new("/bin/true").spawn().expect("/bin/true");
            let pid = c.id();
            c.wait().unwrap();
            pid
        })
        .collect()
}

fn is_exec_of(line: &str, pids: &[u32]) -> bool {
    pids.iter()
        .any(|p| line.starts_with(&format!("pid={p} ")) && line.ends_with(" comm=true"))
}

/// Starts the tracer, waits until it is attached, execs and checks.
fn traces_exec(cmd: &mut Command) -> Result<(), String> {
    let mut t = Tracer::start(cmd);
    if t.wait_for(Duration::from_secs(20), |l| l.starts_with("tracing execs"))
        .is_none()
    {
        let st = t.child.try_wait().ok().flatten();
        return Err(format!("tracer never attached ({st:?}): {}", t.tail()));
    }
    let started = Instant::now();
    let pids = exec_true();
    match t.wait_for(Duration::from_secs(10), |l| is_exec_of(l, &pids)) {
        Some(l) => {
            println!("    {l} ({:?} after the exec)", started.elapsed());
            Ok(())
        }
        None => Err(format!(
            "no exec of {pids:?} reported; last lines:\n{}",
            t.tail()
        )),
    }
}

fn raw_tracepoint() -> Outcome {
    require_bpf()?;
    traces_exec(Command::new(TOOL).args(["--duration", "30"])).map_err(Why::Fail)
}

fn perf_tracepoint() -> Outcome {
    require_bpf()?;
    // tracefs in a mount namespace of the tracer's own: nothing is mounted
    // on the host.
    let probe = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg("mount -t tracefs tracefs /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/debug/tracing")
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Err(Why::Skip(
            "cannot mount tracefs in a private mount namespace".into(),
        ));
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg("mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || mount -t tracefs tracefs /sys/kernel/debug/tracing; exec \"$0\" \"$@\"")
        .args([TOOL, "--tracepoint", "--duration", "30"]);
    traces_exec(&mut cmd).map_err(Why::Fail)
}

fn rodata_filter() -> Outcome {
    require_bpf()?;
    // No exec of uid 4000000 happens here: the tracer must report none of
    // ours, and count none.
    let mut t = Tracer::start(Command::new(TOOL).args(["--duration", "2", "--uid", "4000000"]));
    if t.wait_for(Duration::from_secs(20), |l| l.starts_with("tracing execs"))
        .is_none()
    {
        return Err(Why::Fail(format!("tracer never attached: {}", t.tail())));
    }
    let pids = exec_true();
    let summary = t.wait_for(Duration::from_secs(20), |l| l.ends_with("dropped"));
    if let Some(l) = t.seen.iter().find(|l| l.starts_with("pid=")) {
        return Err(Why::Fail(format!(
            "the uid filter let `{l}` through ({pids:?})"
        )));
    }
    match summary {
        Some(l) if l.starts_with("0 execs seen") => Ok(()),
        other => Err(Why::Fail(format!("summary {other:?}: {}", t.tail()))),
    }
}

// ---- harness ----

struct Skip(String);

enum Why {
    Skip(String),
    Fail(String),
}

type Outcome = Result<(), Why>;

type Test = (&'static str, fn() -> Outcome);

impl From<Skip> for Why {
    fn from(s: Skip) -> Self {
        Why::Skip(s.0)
    }
}

fn require_bpf() -> Result<(), Skip> {
    lskel::probe().map_err(|why| Skip(format!("kernel tier: {why}")))
}

fn main() {
    let tests: [Test; 3] = [
        ("raw_tracepoint", raw_tracepoint),
        ("perf_tracepoint", perf_tracepoint),
        ("rodata_filter", rodata_filter),
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (n, _) in tests {
            println!("{n}: test");
        }
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let chosen: Vec<_> = tests
        .iter()
        .filter(|(n, _)| filters.is_empty() || filters.iter().any(|f| n.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", chosen.len());
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    let start = Instant::now();
    for (name, f) in chosen {
        match f() {
            Ok(()) => {
                println!("test {name} ... ok");
                pass += 1;
            }
            Err(Why::Skip(r)) => {
                println!("test {name} ... ignored, {r}");
                skip += 1;
            }
            Err(Why::Fail(r)) => {
                println!("test {name} ... FAILED\n{r}");
                fail += 1;
            }
        }
    }
    let verdict = if fail == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {pass} passed; {fail} failed; {skip} ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        start.elapsed().as_secs_f64()
    );
    if fail > 0 {
        std::process::exit(101);
    }
}
