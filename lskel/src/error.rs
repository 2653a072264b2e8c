// SPDX-License-Identifier: GPL-2.0
//! Errors: every variant says what failed and where, and keeps the OS error.

use std::fmt;
use std::io;

/// What went wrong, with the map, program or loader step it concerns.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Running the loader failed before or around the loader program:
    /// `step` is like `bpf_load_and_run`'s messages ("failed to load loader
    /// prog"); `log` holds the verifier's log when one was asked for.
    Loader {
        /// The step of `bpf_load_and_run` that failed.
        step: &'static str,
        /// The OS error.
        source: io::Error,
        /// Verifier log, possibly empty.
        log: String,
    },
    /// The loader program ran and failed at one of its own steps.
    LoaderStep {
        /// The step's number, from 1 (0: the loader named none).
        index: u32,
        /// Its name from [`crate::LoaderSpec::steps`] ("map_create map
        /// `x.bss`"), or `"unknown step"`.
        step: &'static str,
        /// The errno the loader returned.
        source: io::Error,
        /// Verifier log, possibly empty.
        log: String,
    },
    /// A map operation failed.
    Map {
        /// The map's name.
        map: String,
        /// What was done ("lookup", "mmap", ...).
        op: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// A program operation failed (attach, iterator creation, ...).
    Program {
        /// The program's name.
        prog: String,
        /// What was done.
        op: String,
        /// The OS error.
        source: io::Error,
    },
    /// A `.kconfig` value could not be computed on this machine.
    Kconfig {
        /// The extern or file concerned.
        what: String,
        /// Why.
        why: String,
    },
    /// An argument does not fit the object (sizes, indices, states).
    Invalid {
        /// What is wrong.
        what: String,
    },
    /// Another OS error (epoll, files).
    Io {
        /// What was done.
        op: String,
        /// The OS error.
        source: io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        Error::Invalid { what: what.into() }
    }

    pub(crate) fn io(op: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            op: op.into(),
            source,
        }
    }

    /// The OS error number behind this error, if any.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Loader { source, .. }
            | Error::LoaderStep { source, .. }
            | Error::Map { source, .. }
            | Error::Program { source, .. }
            | Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }

    /// The verifier log the error carries, if any.
    pub fn log(&self) -> Option<&str> {
        match self {
            Error::Loader { log, .. } | Error::LoaderStep { log, .. } if !log.is_empty() => {
                Some(log)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Loader { step, source, .. } => write!(f, "{step}: {source}"),
            Error::LoaderStep {
                index,
                step,
                source,
                ..
            } => write!(f, "loader step {index} ({step}) failed: {source}"),
            Error::Map { map, op, source } => write!(f, "map `{map}`: {op}: {source}"),
            Error::Program { prog, op, source } => write!(f, "program `{prog}`: {op}: {source}"),
            Error::Kconfig { what, why } => write!(f, ".kconfig: {what}: {why}"),
            Error::Invalid { what } => f.write_str(what),
            Error::Io { op, source } => write!(f, "{op}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Loader { source, .. }
            | Error::LoaderStep { source, .. }
            | Error::Map { source, .. }
            | Error::Program { source, .. }
            | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
