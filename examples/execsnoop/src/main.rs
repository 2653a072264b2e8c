// SPDX-License-Identifier: GPL-2.0
//! `execsnoop`: prints every exec on the machine (pid, uid, command), read
//! from a BPF ring buffer, for a bounded time or until interrupted.
//!
//! ```text
//! execsnoop [--duration SECS] [--uid UID] [--tracepoint]
//! ```
//!
//! `--tracepoint` attaches the perf tracepoint program (tracefs must be
//! mounted) instead of the raw tracepoint one, whose autoload it turns off.

mod skel {
    include!(concat!(env!("OUT_DIR"), "/execsnoop.skel.rs"));
}

use std::io::Write;
use std::time::{Duration, Instant};

use skel::ExecsnoopSkel;

/// One record of `struct event` (`src/bpf/execsnoop.bpf.c`).
struct Event {
    pid: u32,
    uid: u32,
    comm: String,
}

impl Event {
    fn parse(b: &[u8]) -> Option<Self> {
        let u32_at = |at: usize| Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?));
        let comm = b.get(16..32)?;
        let end = comm.iter().position(|&c| c == 0).unwrap_or(comm.len());
        Some(Event {
            pid: u32_at(0)?,
            uid: u32_at(4)?,
            comm: String::from_utf8_lossy(&comm[..end]).into_owned(),
        })
    }
}

struct Args {
    duration: Option<Duration>,
    uid: Option<u32>,
    tracepoint: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        duration: None,
        uid: None,
        tracepoint: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--duration" => {
                let v = value("--duration")?;
                let s: f64 = v
                    .parse()
                    .map_err(|_| format!("--duration {v}: not seconds"))?;
                a.duration = Some(Duration::from_secs_f64(s));
            }
            "--uid" => {
                let v = value("--uid")?;
                a.uid = Some(v.parse().map_err(|_| format!("--uid {v}: not a uid"))?);
            }
            "--tracepoint" => a.tracepoint = true,
            "-h" | "--help" => {
                println!("usage: execsnoop [--duration SECS] [--uid UID] [--tracepoint]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn run(a: &Args) -> lskel::Result<()> {
    let mut open = ExecsnoopSkel::open()?;
    if let Some(uid) = a.uid {
        let mut ro = open.rodata_value()?;
        ro.only_uid = uid;
        open.set_rodata_value(&ro)?;
    }
    if a.tracepoint {
        open.exec_raw().set_autoload(false);
    } else {
        open.exec_tp().set_autoload(false);
    }
    let mut skel = open.load()?;
    skel.attach()?;
    let how = if a.tracepoint {
        "tracepoint sched/sched_process_exec"
    } else {
        "raw tracepoint sched_process_exec"
    };
    println!("tracing execs through the {how}");
    let mut out = std::io::stdout().lock();
    let _ = out.flush();
    let mut rb = lskel::RingBuffer::new();
    rb.add(skel.events(), |rec: &[u8]| {
        if let Some(e) = Event::parse(rec) {
            let _ = writeln!(out, "pid={} uid={} comm={}", e.pid, e.uid, e.comm);
            let _ = out.flush();
        }
    })?;
    let start = Instant::now();
    loop {
        let left = match a.duration {
            Some(d) => match d.checked_sub(start.elapsed()) {
                Some(left) if !left.is_zero() => left,
                _ => break,
            },
            None => Duration::from_secs(1),
        };
        rb.poll(left.min(Duration::from_millis(200)))?;
    }
    rb.consume();
    drop(rb);
    let bss = skel.bss_value()?;
    println!("{} execs seen, {} dropped", bss.seen, bss.dropped);
    Ok(())
}

fn main() {
    let a = args().unwrap_or_else(|e| {
        eprintln!("execsnoop: {e}");
        std::process::exit(2);
    });
    if let Err(e) = run(&a) {
        eprintln!("execsnoop: {e}");
        if let Some(log) = e.log() {
            eprintln!("{log}");
        }
        std::process::exit(1);
    }
}
