// SPDX-License-Identifier: GPL-2.0
//! A libbpf-free user-space runner: executes a loader on the running kernel
//! the way a light skeleton does, and inspects what the kernel then holds.
//!
//! All `bpf()` calls go through [`sys_bpf`], the one place with `unsafe`.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::ctx::{self, CtxBuf};

const BPF_MAP_CREATE: u32 = 0;
const BPF_MAP_LOOKUP_ELEM: u32 = 1;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_PROG_LOAD: u32 = 5;
const BPF_OBJ_GET: u32 = 7;
const BPF_PROG_RUN: u32 = 10;
const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
const BPF_MAP_FREEZE: u32 = 22;
const BPF_LINK_CREATE: u32 = 28;
const BPF_ITER_CREATE: u32 = 33;
const BPF_TRACE_ITER: u32 = 28;
const PROG_TYPE_SYSCALL: u32 = 31;
const F_SLEEPABLE: u32 = 1 << 4;

/// Size of the attribute buffer we pass (`sizeof(union bpf_attr)` in 6.x).
const ATTR_SIZE: usize = 152;

/// A `union bpf_attr` in host byte order.
#[derive(Clone)]
pub struct Attr([u64; ATTR_SIZE / 8]);

impl Default for Attr {
    fn default() -> Self {
        Attr([0; ATTR_SIZE / 8])
    }
}

impl Attr {
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `[u64; N]` has no padding and every byte pattern is a valid
        // `u8`; the slice covers exactly the array and borrows it exclusively.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast::<u8>(), ATTR_SIZE) }
    }

    /// Sets a `u32` field.
    pub fn u32(&mut self, off: usize, v: u32) -> &mut Self {
        self.bytes_mut()[off..off + 4].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Sets a `u64` field.
    pub fn u64(&mut self, off: usize, v: u64) -> &mut Self {
        self.bytes_mut()[off..off + 8].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Sets a pointer field.
    pub fn ptr<T>(&mut self, off: usize, p: *const T) -> &mut Self {
        self.u64(off, p as usize as u64)
    }

    /// Reads a `u32` field.
    pub fn get_u32(&mut self, off: usize) -> u32 {
        let mut b = [0; 4];
        b.copy_from_slice(&self.bytes_mut()[off..off + 4]);
        u32::from_ne_bytes(b)
    }

    /// Sets a NUL-padded name field of 16 bytes.
    pub fn name(&mut self, off: usize, s: &str) -> &mut Self {
        let n = s.len().min(15);
        self.bytes_mut()[off..off + n].copy_from_slice(&s.as_bytes()[..n]);
        self
    }
}

/// Calls `bpf(cmd, attr, sizeof(attr))`.
///
/// The attribute may hold pointers; callers keep what they point to alive
/// and large enough for the command, which is what every function of this
/// module does with locals that outlive the call.
pub fn sys_bpf(cmd: u32, attr: &mut Attr) -> io::Result<i64> {
    // SAFETY: `attr` is a valid, exclusively borrowed buffer of `ATTR_SIZE`
    // bytes. Pointer fields inside it refer to buffers the caller keeps alive
    // for the duration of the call (see above); the kernel checks sizes.
    let r = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd as libc::c_long,
            attr.0.as_mut_ptr(),
            ATTR_SIZE,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn fd_call(cmd: u32, attr: &mut Attr) -> io::Result<OwnedFd> {
    let fd = sys_bpf(cmd, attr)? as RawFd;
    // SAFETY: A successful fd-returning `bpf()` command hands us a new fd
    // that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Takes ownership of an fd a loader left in its ctx.
fn own(fd: i32) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::other(format!("loader returned invalid fd {fd}")));
    }
    // SAFETY: The loader opened `fd` in this process for the skeleton and
    // handed it over through the ctx; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Why a loader run failed.
#[derive(Debug)]
pub struct RunError {
    /// The step, like upstream's `errstr`.
    pub step: &'static str,
    /// When the loader itself failed: the number of its step that failed
    /// (from 1, an index into [`crate::gen::Loader::step_names`] plus one),
    /// as it left it in the ctx; 0 otherwise.
    pub failed_step: u32,
    /// The error.
    pub err: io::Error,
    /// Verifier log (of the loader, or of whatever it loaded), if any.
    pub log: String,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.step)?;
        if self.failed_step > 0 {
            write!(f, " at its step {}", self.failed_step)?;
        }
        write!(f, ": {}", self.err)?;
        if !self.log.is_empty() {
            write!(f, "\nverifier log:\n{}", self.log.trim_end())?;
        }
        Ok(())
    }
}

impl std::error::Error for RunError {}

/// What a loader created.
#[derive(Debug)]
pub struct Loaded {
    /// Map fds, in plan order.
    pub maps: Vec<OwnedFd>,
    /// Program fds, in plan order; `None` for a program the loader does
    /// not load (autoload off, a `?` section).
    pub progs: Vec<Option<OwnedFd>>,
}

/// Options of a run.
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    /// Verifier log level for the loader and every load it makes (0: off).
    pub log_level: u32,
    /// `max_entries` overrides per map (0 keeps the object's).
    pub max_entries: Vec<u32>,
    /// Initial contents per map (None keeps the object's).
    pub initial_values: Vec<Option<Vec<u8>>>,
    /// ctx flags; `ctx::SKEL_KERNEL` makes the loader treat initial values
    /// as kernel pointers (only meaningful for testing from user space).
    pub flags: u32,
    /// For loaders generated with fault injection (and only for them): the
    /// step to fail, counted from 1 (0 for none), and the errno it returns.
    pub fault: Option<(u32, u32)>,
}

fn cstr_log(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Creates the loader map holding `data`, like `bpf_load_and_run`.
fn loader_map(data: &[u8]) -> io::Result<OwnedFd> {
    let mut a = Attr::default();
    a.u32(0, 2)
        .u32(4, 4)
        .u32(8, data.len() as u32)
        .u32(12, 1)
        .name(28, "__loader.map");
    let map = fd_call(BPF_MAP_CREATE, &mut a)?;
    let key = 0u32;
    let mut a = Attr::default();
    a.u32(0, map.as_raw_fd() as u32)
        .ptr(8, &key)
        .ptr(16, data.as_ptr())
        .u64(24, 0);
    sys_bpf(BPF_MAP_UPDATE_ELEM, &mut a)?;
    let mut a = Attr::default();
    a.u32(0, map.as_raw_fd() as u32);
    sys_bpf(BPF_MAP_FREEZE, &mut a)?;
    Ok(map)
}

/// Runs a loader exactly as a user-space light skeleton does: loader map,
/// sleepable syscall program with `fd_array = [map]`, `BPF_PROG_RUN` with
/// the ctx, loader map and program closed afterwards.
pub fn run_loader(
    insns: &[u8],
    data: &[u8],
    nmaps: usize,
    nprogs: usize,
    opts: &RunOpts,
) -> Result<Loaded, RunError> {
    let fail = |step, err| RunError {
        step,
        failed_step: 0,
        err,
        log: String::new(),
    };
    let map = loader_map(data).map_err(|e| fail("failed to create loader map", e))?;
    let mut log = vec![0u8; if opts.log_level > 0 { 4 << 20 } else { 0 }];
    let mut cbuf = match opts.fault {
        Some((step, errno)) => CtxBuf::with_fault(nmaps, nprogs, step, errno),
        None => CtxBuf::new(nmaps, nprogs),
    };
    cbuf.put_u32(ctx::FLAGS, opts.flags);
    cbuf.put_u32(ctx::LOG_LEVEL, opts.log_level);
    cbuf.put_u32(ctx::LOG_SIZE, log.len() as u32);
    let log_ptr = if log.is_empty() {
        std::ptr::null_mut()
    } else {
        log.as_mut_ptr()
    };
    cbuf.put_u64(ctx::LOG_BUF, log_ptr as usize as u64);
    for (i, &m) in opts.max_entries.iter().enumerate().take(nmaps) {
        cbuf.put_u32(ctx::map_max_entries(i), m);
    }
    for (i, v) in opts.initial_values.iter().enumerate().take(nmaps) {
        if let Some(v) = v {
            cbuf.put_u64(ctx::map_initial_value(i), v.as_ptr() as usize as u64);
        }
    }
    let map_fd = map.as_raw_fd();
    let license = c"Dual BSD/GPL";
    let mut a = Attr::default();
    a.u32(0, PROG_TYPE_SYSCALL)
        .u32(4, (insns.len() / 8) as u32)
        .ptr(8, insns.as_ptr())
        .ptr(16, license.as_ptr())
        .u32(24, opts.log_level)
        .u32(28, log.len() as u32)
        .ptr(32, log_ptr)
        .u32(44, F_SLEEPABLE)
        .name(48, "__loader.prog")
        .ptr(120, &map_fd);
    let prog = fd_call(BPF_PROG_LOAD, &mut a).map_err(|e| RunError {
        step: "failed to load loader prog",
        failed_step: 0,
        err: e,
        log: cstr_log(&log),
    })?;
    let mut a = Attr::default();
    let ctx_bytes = cbuf.bytes_mut();
    a.u32(0, prog.as_raw_fd() as u32)
        .u32(40, ctx_bytes.len() as u32)
        .ptr(48, ctx_bytes.as_mut_ptr());
    sys_bpf(BPF_PROG_RUN, &mut a).map_err(|e| fail("failed to execute loader prog", e))?;
    let ret = a.get_u32(4) as i32;
    drop(prog);
    drop(map);
    if ret < 0 {
        return Err(RunError {
            step: "error returned by loader prog",
            failed_step: cbuf.failed_step(),
            err: io::Error::from_raw_os_error(-ret),
            log: cstr_log(&log),
        });
    }
    let maps = (0..nmaps)
        .map(|i| own(cbuf.map_fd(i)))
        .collect::<io::Result<Vec<_>>>();
    let progs = (0..nprogs)
        .map(|j| match cbuf.prog_fd(j) {
            -1 => Ok(None),
            fd => own(fd).map(Some),
        })
        .collect::<io::Result<Vec<_>>>();
    Ok(Loaded {
        maps: maps.map_err(|e| fail("reading map fds", e))?,
        progs: progs.map_err(|e| fail("reading prog fds", e))?,
    })
}

/// The number of possible CPUs (`/sys/devices/system/cpu/possible`, a
/// list such as `0-3,6`), which libbpf gives a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`
/// declared without `max_entries`.
pub fn possible_cpus() -> io::Result<u32> {
    parse_cpu_list(std::fs::read_to_string("/sys/devices/system/cpu/possible")?.trim())
}

/// Counts the CPUs of a list such as `0-3,6`.
pub fn parse_cpu_list(s: &str) -> io::Result<u32> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, format!("CPU list `{s}`"));
    let mut n = 0u32;
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        n = n
            .checked_add(b.checked_sub(a).ok_or_else(bad)? + 1)
            .ok_or_else(bad)?;
    }
    if n == 0 {
        return Err(bad());
    }
    Ok(n)
}

/// `max_entries` overrides that size every perf event array declared
/// without `max_entries` to this machine's possible CPUs, as libbpf does
/// when it creates the map; 0 (the object's) for every other map.
pub fn perf_event_array_sizes(plan: &crate::Plan) -> io::Result<Vec<u32>> {
    let mut cpus = None;
    plan.maps
        .iter()
        .map(|m| {
            if m.sized_per_cpu() {
                if cpus.is_none() {
                    cpus = Some(possible_cpus()?);
                }
                Ok(cpus.unwrap_or(0))
            } else {
                Ok(0)
            }
        })
        .collect()
}

/// Attaches an iterator program (`BPF_LINK_CREATE` with `BPF_TRACE_ITER`).
pub fn attach_iter(prog: &OwnedFd) -> io::Result<OwnedFd> {
    let mut a = Attr::default();
    a.u32(0, prog.as_raw_fd() as u32).u32(8, BPF_TRACE_ITER);
    fd_call(BPF_LINK_CREATE, &mut a)
}

/// Creates an iterator instance from a link and reads all of it.
pub fn read_iter(link: &OwnedFd) -> io::Result<String> {
    let mut a = Attr::default();
    a.u32(0, link.as_raw_fd() as u32);
    let fd = fd_call(BPF_ITER_CREATE, &mut a)?;
    let mut s = String::new();
    File::from(fd).read_to_string(&mut s)?;
    Ok(s)
}

/// Opens a pinned object.
pub fn obj_get(path: &str) -> io::Result<OwnedFd> {
    let p = std::ffi::CString::new(path).map_err(io::Error::other)?;
    let mut a = Attr::default();
    a.ptr(0, p.as_ptr());
    fd_call(BPF_OBJ_GET, &mut a)
}

fn info(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<()> {
    let mut a = Attr::default();
    a.u32(0, fd.as_raw_fd() as u32)
        .u32(4, buf.len() as u32)
        .ptr(8, buf.as_mut_ptr());
    sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &mut a).map(|_| ())
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&b[off..off + 4]);
    u32::from_ne_bytes(w)
}

fn name_at(b: &[u8], off: usize) -> String {
    cstr_log(&b[off..off + 16])
}

/// What the kernel says about a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgInfo {
    /// Program type.
    pub prog_type: u32,
    /// Kernel id.
    pub id: u32,
    /// Tag (hash of the instructions as loaded).
    pub tag: [u8; 8],
    /// Name.
    pub name: String,
    /// Number of maps used.
    pub nr_map_ids: u32,
    /// Attach BTF id.
    pub attach_btf_id: u32,
    /// Number of func_info records.
    pub nr_func_info: u32,
    /// Number of line_info records.
    pub nr_line_info: u32,
    /// Size of the translated program.
    pub xlated_len: u32,
}

/// Queries a program.
pub fn prog_info(fd: &OwnedFd) -> io::Result<ProgInfo> {
    let mut b = vec![0u8; 232];
    info(fd, &mut b)?;
    let mut tag = [0; 8];
    tag.copy_from_slice(&b[8..16]);
    Ok(ProgInfo {
        prog_type: u32_at(&b, 0),
        id: u32_at(&b, 4),
        tag,
        name: name_at(&b, 64),
        nr_map_ids: u32_at(&b, 52),
        attach_btf_id: u32_at(&b, 224),
        nr_func_info: u32_at(&b, 144),
        nr_line_info: u32_at(&b, 148),
        xlated_len: u32_at(&b, 20),
    })
}

/// What the kernel says about a map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapInfo {
    /// Map type.
    pub map_type: u32,
    /// Kernel id.
    pub id: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// Entries.
    pub max_entries: u32,
    /// Flags.
    pub map_flags: u32,
    /// Name.
    pub name: String,
    /// BTF key type id.
    pub btf_key_type_id: u32,
    /// BTF value type id.
    pub btf_value_type_id: u32,
}

/// Queries a map.
pub fn map_info(fd: &OwnedFd) -> io::Result<MapInfo> {
    let mut b = vec![0u8; 88];
    info(fd, &mut b)?;
    Ok(MapInfo {
        map_type: u32_at(&b, 0),
        id: u32_at(&b, 4),
        key_size: u32_at(&b, 8),
        value_size: u32_at(&b, 12),
        max_entries: u32_at(&b, 16),
        map_flags: u32_at(&b, 20),
        name: name_at(&b, 24),
        btf_key_type_id: u32_at(&b, 68),
        btf_value_type_id: u32_at(&b, 72),
    })
}

/// Reads the value at `key` of a map.
pub fn map_lookup(fd: &OwnedFd, key: &[u8], value_size: usize) -> io::Result<Vec<u8>> {
    let mut v = vec![0u8; value_size];
    let mut a = Attr::default();
    a.u32(0, fd.as_raw_fd() as u32)
        .ptr(8, key.as_ptr())
        .ptr(16, v.as_mut_ptr());
    sys_bpf(BPF_MAP_LOOKUP_ELEM, &mut a)?;
    Ok(v)
}

/// Checks that this process may load programs: `Err` says why not.
pub fn probe() -> Result<(), String> {
    // SAFETY: `geteuid` has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not running as root".into());
    }
    let mut a = Attr::default();
    a.u32(0, 2).u32(4, 4).u32(8, 4).u32(12, 1);
    fd_call(BPF_MAP_CREATE, &mut a)
        .map(drop)
        .map_err(|e| format!("bpf(BPF_MAP_CREATE) failed: {e}"))
}
