// SPDX-License-Identifier: GPL-2.0
//! Program handles and their attachments.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::map::{c_name, obj_info, u32_at};
use crate::spec::{Attach, ProgSpec};
use crate::sys::{self, attach, cmd, Attr};

/// Direction of a tc (tcx) attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcDirection {
    /// `BPF_TCX_INGRESS`.
    Ingress,
    /// `BPF_TCX_EGRESS`.
    Egress,
}

/// XDP attachment mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpMode {
    /// Let the kernel choose (native if the driver has it).
    Default,
    /// `XDP_FLAGS_SKB_MODE`: generic XDP, any interface.
    Generic,
    /// `XDP_FLAGS_DRV_MODE`: the driver's.
    Native,
}

/// What the kernel says about a program (`struct bpf_prog_info`, in part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgInfo {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// Kernel id.
    pub id: u32,
    /// Name (at most 15 bytes).
    pub name: String,
}

/// A loaded program of an [`crate::Object`], borrowed from it.
///
/// # Examples
///
/// ```no_run
/// # fn f(obj: &lskel::Object) -> lskel::Result<()> {
/// let prog = obj.prog(0)?;
/// let link = match prog.spec().attach {
///     lskel::Attach::Xdp => prog.attach_xdp(1, lskel::XdpMode::Generic)?,
///     _ => prog.attach()?,
/// };
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Program<'a> {
    spec: &'static ProgSpec,
    fd: BorrowedFd<'a>,
}

impl<'a> Program<'a> {
    pub(crate) fn new(spec: &'static ProgSpec, fd: BorrowedFd<'a>) -> Self {
        Program { spec, fd }
    }

    /// The program's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// Its spec (section, types, how it attaches).
    pub fn spec(&self) -> &'static ProgSpec {
        self.spec
    }

    /// The program's fd, borrowed.
    pub fn fd(&self) -> BorrowedFd<'a> {
        self.fd
    }

    fn err(&self, op: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
        let prog = self.spec.name.to_string();
        let op = op.into();
        move |source| Error::Program { prog, op, source }
    }

    /// Whether [`attach`](Self::attach) needs nothing more than the
    /// section says (not XDP, tc or manual programs).
    pub fn attaches_by_itself(&self) -> bool {
        !matches!(
            self.spec.attach,
            Attach::Manual | Attach::Xdp | Attach::Tc | Attach::TcxIngress | Attach::TcxEgress
        )
    }

    /// Attaches where the section says: iterators, raw tracepoints,
    /// tracepoints, kprobes and kretprobes, and tracing programs whose
    /// target was fixed at load (fentry, fexit, tp_btf, lsm). Others need
    /// [`attach_xdp`](Self::attach_xdp) or [`attach_tcx`](Self::attach_tcx).
    pub fn attach(&self) -> Result<Link> {
        match self.spec.attach {
            Attach::Iter => self.attach_iter(),
            Attach::RawTracepoint(name) => self.attach_raw_tracepoint(Some(name)),
            Attach::Trace => self.attach_raw_tracepoint(None),
            Attach::Tracepoint { category, name } => self.attach_tracepoint(category, name),
            Attach::Kprobe {
                function,
                offset,
                retprobe,
            } => self.attach_kprobe(function, offset, retprobe),
            Attach::Manual | Attach::Xdp | Attach::Tc | Attach::TcxIngress | Attach::TcxEgress => {
                Err(Error::invalid(format!(
                    "program `{}` (section `{}`) needs an attach point: use attach_xdp or attach_tcx",
                    self.spec.name, self.spec.section
                )))
            }
        }
    }

    /// An iterator link (`BPF_LINK_CREATE`, `BPF_TRACE_ITER`).
    pub fn attach_iter(&self) -> Result<Link> {
        let mut a = Attr::default();
        a.fd(0, self.fd).u32(8, attach::TRACE_ITER);
        let fd = sys::bpf_fd(cmd::LINK_CREATE, &mut a).map_err(self.err("attach iterator"))?;
        Ok(Link::new(fd, None, self.spec.name))
    }

    /// `BPF_RAW_TRACEPOINT_OPEN` on tracepoint `name`, or with no name for
    /// tracing programs whose target is fixed at load.
    pub fn attach_raw_tracepoint(&self, name: Option<&str>) -> Result<Link> {
        let c = name
            .map(std::ffi::CString::new)
            .transpose()
            .map_err(|_| Error::invalid("tracepoint name with a NUL byte"))?;
        let mut a = Attr::default();
        if let Some(c) = &c {
            a.ptr(0, c.as_ptr());
        }
        a.fd(8, self.fd);
        let op = match name {
            Some(n) => format!("attach raw tracepoint `{n}`"),
            None => "attach tracing program".into(),
        };
        let fd = sys::bpf_fd(cmd::RAW_TRACEPOINT_OPEN, &mut a).map_err(self.err(op))?;
        Ok(Link::new(fd, None, self.spec.name))
    }

    /// A tracepoint: a perf event of the id tracefs gives
    /// `events/CATEGORY/NAME` (tracefs at `/sys/kernel/tracing` or under
    /// `/sys/kernel/debug/tracing`), with the program attached to it.
    pub fn attach_tracepoint(&self, category: &str, name: &str) -> Result<Link> {
        let id = tracepoint_id(category, name).map_err(self.err(format!(
            "find tracepoint `{category}/{name}` in tracefs (is it mounted?)"
        )))?;
        let mut attr = perf_attr(2 /* PERF_TYPE_TRACEPOINT */, id);
        let perf = sys::perf_event_open(&mut attr, -1, 0)
            .map_err(self.err(format!("perf_event_open of tracepoint `{category}/{name}`")))?;
        self.attach_perf_event(perf)
    }

    /// A kprobe or kretprobe on kernel function `function` (`+offset`):
    /// a perf event of the kprobe PMU, with the program attached to it.
    pub fn attach_kprobe(&self, function: &str, offset: u64, retprobe: bool) -> Result<Link> {
        let what = if retprobe { "kretprobe" } else { "kprobe" };
        let pmu = "/sys/bus/event_source/devices/kprobe";
        let ty = read_u64(&format!("{pmu}/type")).map_err(self.err(format!(
            "{what} `{function}`: no kprobe PMU ({pmu}/type; kernel without CONFIG_KPROBES?)"
        )))?;
        let mut attr = perf_attr(ty as u32, 0);
        if retprobe {
            let bit =
                retprobe_bit(pmu).map_err(self.err(format!("{what}: {pmu}/format/retprobe")))?;
            attr[8..16].copy_from_slice(&(1u64 << bit).to_ne_bytes());
        }
        let func = std::ffi::CString::new(function)
            .map_err(|_| Error::invalid("function name with a NUL byte"))?;
        // config1 is the function name's address, config2 the offset.
        // CAST: user pointers are `__u64` to the kernel.
        attr[56..64].copy_from_slice(&(func.as_ptr() as usize as u64).to_ne_bytes());
        attr[64..72].copy_from_slice(&offset.to_ne_bytes());
        let perf = sys::perf_event_open(&mut attr, -1, 0)
            .map_err(self.err(format!("perf_event_open of {what} `{function}`")))?;
        drop(func);
        self.attach_perf_event(perf)
    }

    /// Attaches to an open perf event: `BPF_LINK_CREATE` with
    /// `BPF_PERF_EVENT`, or on kernels without perf links (before 5.15)
    /// `PERF_EVENT_IOC_SET_BPF` and `PERF_EVENT_IOC_ENABLE`.
    pub fn attach_perf_event(&self, perf: OwnedFd) -> Result<Link> {
        let mut a = Attr::default();
        a.fd(0, self.fd)
            .fd(4, perf.as_fd())
            .u32(8, attach::PERF_EVENT);
        match sys::bpf_fd(cmd::LINK_CREATE, &mut a) {
            Ok(fd) => Ok(Link::new(fd, Some(perf), self.spec.name)),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP)) => {
                const SET_BPF: libc::c_ulong = 0x4004_2408;
                const ENABLE: libc::c_ulong = 0x2400;
                let raw = std::os::fd::AsRawFd::as_raw_fd(&self.fd);
                // CAST: the ioctl takes the program fd as its argument.
                sys::ioctl(perf.as_fd(), SET_BPF, raw as libc::c_ulong)
                    .map_err(self.err("PERF_EVENT_IOC_SET_BPF"))?;
                sys::ioctl(perf.as_fd(), ENABLE, 0).map_err(self.err("PERF_EVENT_IOC_ENABLE"))?;
                let keep = perf.try_clone().map_err(self.err("dup perf event"))?;
                Ok(Link::new(perf, Some(keep), self.spec.name))
            }
            Err(e) => Err(self.err("attach to perf event")(e)),
        }
    }

    /// An XDP link on interface `ifindex` (`BPF_LINK_CREATE`, `BPF_XDP`).
    pub fn attach_xdp(&self, ifindex: u32, mode: XdpMode) -> Result<Link> {
        let flags = match mode {
            XdpMode::Default => 0,
            XdpMode::Generic => 1 << 1,
            XdpMode::Native => 1 << 2,
        };
        let mut a = Attr::default();
        a.fd(0, self.fd)
            .u32(4, ifindex)
            .u32(8, attach::XDP)
            .u32(12, flags);
        let fd = sys::bpf_fd(cmd::LINK_CREATE, &mut a)
            .map_err(self.err(format!("attach XDP to ifindex {ifindex}")))?;
        Ok(Link::new(fd, None, self.spec.name))
    }

    /// A tcx link on interface `ifindex` (`BPF_LINK_CREATE`,
    /// `BPF_TCX_INGRESS` or `BPF_TCX_EGRESS`), after the programs already
    /// there; Linux 6.6 and later.
    pub fn attach_tcx(&self, ifindex: u32, dir: TcDirection) -> Result<Link> {
        let (ty, d) = match dir {
            TcDirection::Ingress => (attach::TCX_INGRESS, "ingress"),
            TcDirection::Egress => (attach::TCX_EGRESS, "egress"),
        };
        let mut a = Attr::default();
        a.fd(0, self.fd).u32(4, ifindex).u32(8, ty);
        let fd = sys::bpf_fd(cmd::LINK_CREATE, &mut a)
            .map_err(self.err(format!("attach tcx {d} to ifindex {ifindex}")))?;
        Ok(Link::new(fd, None, self.spec.name))
    }

    /// What the kernel says about the program.
    pub fn info(&self) -> Result<ProgInfo> {
        let mut b = [0u8; 232];
        obj_info(self.fd, &mut b).map_err(self.err("get info"))?;
        Ok(ProgInfo {
            prog_type: u32_at(&b, 0),
            id: u32_at(&b, 4),
            name: c_name(&b[64..80]),
        })
    }

    /// Runs the program once with `BPF_PROG_RUN` (syscall, XDP, tc, socket
    /// filter and raw tracepoint programs) on `ctx`; returns its return
    /// value.
    pub fn test_run(&self, ctx: &mut [u8]) -> Result<u32> {
        let mut a = Attr::default();
        // CAST: ctx buffers are small.
        a.fd(0, self.fd)
            .u32(40, ctx.len() as u32)
            .ptr(48, ctx.as_mut_ptr());
        if ctx.is_empty() {
            a.u64(48, 0);
        }
        sys::bpf(cmd::PROG_RUN, &mut a).map_err(self.err("test run"))?;
        Ok(a.get_u32(4))
    }
}

/// A `struct perf_event_attr` of `type` and `config`, sample period 1.
fn perf_attr(ty: u32, config: u64) -> [u8; 128] {
    let mut a = [0u8; 128];
    a[0..4].copy_from_slice(&ty.to_ne_bytes());
    a[4..8].copy_from_slice(&128u32.to_ne_bytes());
    a[8..16].copy_from_slice(&config.to_ne_bytes());
    a[16..24].copy_from_slice(&1u64.to_ne_bytes());
    a
}

fn read_u64(path: &str) -> io::Result<u64> {
    let s = std::fs::read_to_string(path)?;
    s.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{path}: `{}`", s.trim()),
        )
    })
}

/// The bit of `config` that makes a kprobe a return probe (`config:0`).
fn retprobe_bit(pmu: &str) -> io::Result<u32> {
    let s = std::fs::read_to_string(format!("{pmu}/format/retprobe"))?;
    s.trim()
        .strip_prefix("config:")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, s.trim().to_string()))
}

/// The id of tracepoint `category/name` from tracefs.
pub fn tracepoint_id(category: &str, name: &str) -> io::Result<u64> {
    let bad = |s: &str| s.is_empty() || s.contains('/') || s == "." || s == "..";
    if bad(category) || bad(name) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut last = None;
    for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
        match read_u64(&format!("{root}/events/{category}/{name}/id")) {
            Ok(id) => return Ok(id),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from_raw_os_error(libc::ENOENT)))
}
