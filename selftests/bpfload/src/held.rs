// SPDX-License-Identifier: GPL-2.0
//! Objects a subcommand created, reported one per line, and what keeps them
//! alive afterwards: nothing, pins in a bpffs, or this process while a
//! command runs.

use std::ffi::OsString;
use std::io::{self, BufWriter, Stdout, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use crate::obj::{pin, Kind};
use crate::sys::{io_errno, SysError};

/// How created objects outlive the subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// Closed when bpfload exits.
    Release,
    /// Pinned as `DIR/KIND_ID` (bpffs refuses dots in names; BTF cannot be
    /// pinned: programs hold theirs).
    Pin(String),
    /// Held while `CMD ARGS` runs; bpfload exits with its status.
    Run(Vec<OsString>),
}

struct Obj {
    kind: Kind,
    id: u32,
    fd: OwnedFd,
}

/// The objects a subcommand holds, in creation order.
pub struct Held {
    objs: Vec<Obj>,
    out: BufWriter<Stdout>,
    quiet: bool,
}

impl Held {
    /// With `quiet`, `add` prints nothing; the caller prints a summary.
    pub fn new(quiet: bool) -> Self {
        Held {
            objs: Vec::new(),
            out: BufWriter::new(io::stdout()),
            quiet,
        }
    }

    /// Keeps `fd` and prints `KIND ID DESCRIPTION`.
    pub fn add(&mut self, kind: Kind, id: u32, fd: OwnedFd, description: &str) {
        self.say(&format!("{} {id} {description}", kind.name()));
        self.objs.push(Obj { kind, id, fd });
    }

    /// Prints a line (unless quiet).
    pub fn say(&mut self, line: &str) {
        if !self.quiet {
            // A closed stdout must not stop the objects from being made.
            let _ = writeln!(self.out, "{}", line.trim_end());
        }
    }

    /// Prints a line even when quiet.
    pub fn summary(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    /// Releases the objects, pins them, or runs a command while holding
    /// them; the exit status for bpfload.
    pub fn finish(mut self, keep: &Keep) -> Result<i32, SysError> {
        match keep {
            Keep::Release => {
                let _ = self.out.flush();
                Ok(0)
            }
            Keep::Pin(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| SysError::new("mkdir", dir, io_errno(&e)))?;
                for o in &self.objs {
                    if o.kind == Kind::Btf {
                        continue;
                    }
                    let path = format!("{dir}/{}_{}", o.kind.name(), o.id);
                    pin(o.fd.as_fd(), &path)?;
                    if !self.quiet {
                        let _ = writeln!(self.out, "pinned {path}");
                    }
                }
                let _ = self.out.flush();
                Ok(0)
            }
            Keep::Run(cmd) => {
                let _ = self.out.flush();
                let what = cmd[0].to_string_lossy().into_owned();
                let status = Command::new(&cmd[0])
                    .args(&cmd[1..])
                    .status()
                    .map_err(|e| SysError::new("exec", &what, io_errno(&e)))?;
                drop(self.objs);
                Ok(status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
            }
        }
    }
}
