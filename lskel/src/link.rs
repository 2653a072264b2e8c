// SPDX-License-Identifier: GPL-2.0
//! Links: an attached program, detached when its [`Link`] is dropped.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::sys::{self, cmd, Attr};

/// An attachment of a program. Dropping it detaches the program (closes
/// the link fd, and the perf event of a tracepoint or kprobe).
///
/// # Examples
///
/// ```no_run
/// # fn f(obj: &lskel::Object) -> lskel::Result<()> {
/// let link = obj.prog(0)?.attach()?; // an `iter/bpf_map` program
/// print!("{}", link.read_iter()?);
/// drop(link); // detached
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Link {
    fd: OwnedFd,
    // The perf event a perf link or `PERF_EVENT_IOC_SET_BPF` attached to;
    // dropped after `fd`.
    perf: Option<OwnedFd>,
    prog: &'static str,
}

impl Link {
    pub(crate) fn new(fd: OwnedFd, perf: Option<OwnedFd>, prog: &'static str) -> Self {
        Link { fd, perf, prog }
    }

    /// The name of the program it attaches.
    pub fn program(&self) -> &'static str {
        self.prog
    }

    /// The perf event fd of a tracepoint or kprobe attachment.
    pub fn perf_event(&self) -> Option<BorrowedFd<'_>> {
        self.perf.as_ref().map(AsFd::as_fd)
    }

    /// Opens an instance of an iterator link (`BPF_ITER_CREATE`): reading
    /// the file runs the iterator.
    pub fn open_iter(&self) -> Result<File> {
        let mut a = Attr::default();
        a.fd(0, self.fd.as_fd());
        let fd = sys::bpf_fd(cmd::ITER_CREATE, &mut a).map_err(|source| Error::Program {
            prog: self.prog.to_string(),
            op: "create iterator".into(),
            source,
        })?;
        Ok(File::from(fd))
    }

    /// Runs an iterator link once and returns what it printed.
    pub fn read_iter(&self) -> Result<String> {
        let mut s = String::new();
        self.open_iter()?
            .read_to_string(&mut s)
            .map_err(|source| Error::Program {
                prog: self.prog.to_string(),
                op: "read iterator".into(),
                source,
            })?;
        Ok(s)
    }
}

impl AsFd for Link {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
