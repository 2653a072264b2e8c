// SPDX-License-Identifier: GPL-2.0
//! `bpf-lskel`: generate light skeleton loaders from BPF objects.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    // Like other filters, end quietly when the reader of stdout goes away
    // (`bpf-lskel run OBJ | head`) instead of panicking on EPIPE.
    #[cfg(unix)]
    // SAFETY: called before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bpf-lskel: error: {e}");
            ExitCode::FAILURE
        }
    }
}
