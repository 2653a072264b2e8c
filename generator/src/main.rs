// SPDX-License-Identifier: GPL-2.0
//! `bpf-lskel`: generate light skeleton loaders from BPF objects.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match cli::main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bpf-lskel: error: {e}");
            ExitCode::FAILURE
        }
    }
}
