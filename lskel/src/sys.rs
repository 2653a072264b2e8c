// SPDX-License-Identifier: GPL-2.0
//! The system calls: `bpf()`, `perf_event_open()`, `mmap()`, `epoll` and
//! `ioctl()`, the crate's only `unsafe` code besides the mapped memory of
//! [`crate::map`] and [`crate::ringbuf`].
//!
//! Attributes are byte buffers in host order with named offsets, as the
//! kernel's `union bpf_attr` lays them out; the kernel checks every size.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// `enum bpf_cmd` values used here.
pub mod cmd {
    pub const MAP_CREATE: u32 = 0;
    pub const MAP_LOOKUP_ELEM: u32 = 1;
    pub const MAP_UPDATE_ELEM: u32 = 2;
    pub const MAP_DELETE_ELEM: u32 = 3;
    pub const MAP_GET_NEXT_KEY: u32 = 4;
    pub const PROG_LOAD: u32 = 5;
    pub const PROG_RUN: u32 = 10;
    pub const OBJ_GET_INFO_BY_FD: u32 = 15;
    pub const RAW_TRACEPOINT_OPEN: u32 = 17;
    pub const MAP_FREEZE: u32 = 22;
    pub const LINK_CREATE: u32 = 28;
    pub const ITER_CREATE: u32 = 33;
}

/// `enum bpf_attach_type` values used here.
pub mod attach {
    pub const TRACE_ITER: u32 = 28;
    pub const XDP: u32 = 37;
    pub const PERF_EVENT: u32 = 41;
    pub const TCX_INGRESS: u32 = 46;
    pub const TCX_EGRESS: u32 = 47;
}

/// `BPF_PROG_TYPE_SYSCALL`.
pub const PROG_TYPE_SYSCALL: u32 = 31;
/// `BPF_F_SLEEPABLE`.
pub const F_SLEEPABLE: u32 = 1 << 4;
/// `BPF_F_MMAPABLE`.
pub const F_MMAPABLE: u32 = 1 << 10;
/// `BPF_MAP_TYPE_ARRAY`.
pub const MAP_TYPE_ARRAY: u32 = 2;
/// `BPF_MAP_TYPE_RINGBUF`.
pub const MAP_TYPE_RINGBUF: u32 = 27;

/// Size of the attribute buffer (`sizeof(union bpf_attr)` in Linux 6.x).
const ATTR_SIZE: usize = 152;

/// A `union bpf_attr` in host byte order.
#[derive(Clone)]
pub struct Attr([u8; ATTR_SIZE]);

impl Default for Attr {
    fn default() -> Self {
        Attr([0; ATTR_SIZE])
    }
}

impl Attr {
    /// Sets a `u32` field at `off`.
    pub fn u32(&mut self, off: usize, v: u32) -> &mut Self {
        self.0[off..off + 4].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Sets a `u64` field at `off`.
    pub fn u64(&mut self, off: usize, v: u64) -> &mut Self {
        self.0[off..off + 8].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Sets a pointer field at `off`.
    pub fn ptr<T>(&mut self, off: usize, p: *const T) -> &mut Self {
        // CAST: the kernel takes user pointers as `__aligned_u64`.
        self.u64(off, p as usize as u64)
    }

    /// Sets an fd field at `off`.
    pub fn fd(&mut self, off: usize, fd: BorrowedFd<'_>) -> &mut Self {
        // CAST: fds the kernel gave are non-negative `int`s.
        self.u32(off, fd.as_raw_fd() as u32)
    }

    /// Sets a NUL-padded name of at most 15 bytes at `off`.
    pub fn name(&mut self, off: usize, s: &str) -> &mut Self {
        let n = s.len().min(15);
        self.0[off..off + n].copy_from_slice(&s.as_bytes()[..n]);
        self
    }

    /// Reads a `u32` field at `off`.
    pub fn get_u32(&self, off: usize) -> u32 {
        let mut b = [0; 4];
        b.copy_from_slice(&self.0[off..off + 4]);
        u32::from_ne_bytes(b)
    }
}

/// Calls `bpf(cmd, attr, sizeof(attr))`.
///
/// Pointer fields of `attr` refer to buffers the caller keeps alive and
/// large enough for the command: every caller in this crate passes locals
/// or borrowed slices that outlive the call.
pub fn bpf(cmd: u32, attr: &mut Attr) -> io::Result<i64> {
    // SAFETY: `attr` is an exclusively borrowed buffer of `ATTR_SIZE` bytes;
    // the buffers its pointer fields name outlive the call (see above), and
    // the kernel checks their sizes against the other fields.
    let r = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            libc::c_long::from(cmd as i32),
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

/// Takes ownership of a new fd a system call returned.
fn own(fd: i64) -> io::Result<OwnedFd> {
    let fd = RawFd::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: The kernel just created `fd` for this process and returned it
    // to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A `bpf()` command that returns a new fd.
pub fn bpf_fd(cmd: u32, attr: &mut Attr) -> io::Result<OwnedFd> {
    own(bpf(cmd, attr)?)
}

/// Takes ownership of an fd the loader program stored in its ctx.
///
/// # Safety
///
/// `fd` must be an open fd of this process that nothing else owns or
/// closes: the loader opened it for the caller and handed it over.
pub unsafe fn own_loader_fd(fd: i32) -> OwnedFd {
    // SAFETY: By the function's contract, `fd` is open and unowned.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)` with a
/// `struct perf_event_attr` of 128 bytes (`PERF_ATTR_SIZE_VER7`).
pub fn perf_event_open(attr: &mut [u8; 128], pid: i32, cpu: i32) -> io::Result<OwnedFd> {
    const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 8;
    // SAFETY: `attr` is a 128-byte buffer whose `size` field the caller set
    // to 128; pointer fields in it (kprobe function names) are kept alive by
    // the caller for the call. The kernel copies the attribute in.
    let r = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr.as_mut_ptr(),
            pid,
            cpu,
            -1 as libc::c_int,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        own(r)
    }
}

/// `ioctl(fd, request, arg)` with an integer argument.
pub fn ioctl(fd: BorrowedFd<'_>, request: libc::c_ulong, arg: libc::c_ulong) -> io::Result<()> {
    // SAFETY: The perf event ioctls used here take an integer argument
    // (an fd or 0), no pointer.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, arg) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The system page size.
pub fn page_size() -> usize {
    // SAFETY: `sysconf` has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

/// A shared mapping of part of a map's fd.
///
/// # Invariants
///
/// `ptr` is the start of a live mapping of `len` bytes (`len > 0`) that this
/// value alone owns and unmaps; it is writable when `writable` is set.
#[derive(Debug)]
pub struct Mmap {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
    writable: bool,
}

// SAFETY: The mapping is plain shared memory owned by this value; moving
// the owner to another thread moves nothing else.
unsafe impl Send for Mmap {}
// SAFETY: `&Mmap` only gives out raw pointers and reads through them;
// writes need `&mut Mmap`.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps `len` bytes of `fd` at `offset`, shared, read-only unless
    /// `writable`.
    pub fn new(fd: BorrowedFd<'_>, len: usize, offset: usize, writable: bool) -> io::Result<Self> {
        if len == 0 {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        let off = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: A new mapping at an address the kernel picks aliases no
        // Rust object; `fd` is open for the call.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                off,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = std::ptr::NonNull::new(p.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        // INVARIANT: `mmap` succeeded with `len > 0` bytes and `prot`.
        Ok(Mmap { ptr, len, writable })
    }

    /// The start of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Whether it may be written.
    pub fn writable(&self) -> bool {
        self.writable
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own this live mapping; it is
        // unmapped once, here, and no borrow of it outlives `self`.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A new epoll instance.
pub fn epoll_create() -> io::Result<OwnedFd> {
    // SAFETY: `epoll_create1` has no memory preconditions.
    let r = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        own(i64::from(r))
    }
}

/// Adds `fd` to `epoll` for input, with `data` as its tag.
pub fn epoll_add(epoll: BorrowedFd<'_>, fd: BorrowedFd<'_>, data: u64) -> io::Result<()> {
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: data,
    };
    // SAFETY: `ev` is a valid event the kernel copies in; both fds are open.
    let r = unsafe {
        libc::epoll_ctl(
            epoll.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            fd.as_raw_fd(),
            &mut ev,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Waits up to `timeout_ms` (-1: forever) for events; returns their tags.
/// An interrupted wait returns no tags.
pub fn epoll_wait(epoll: BorrowedFd<'_>, out: &mut Vec<u64>, timeout_ms: i32) -> io::Result<()> {
    let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 16];
    // SAFETY: `evs` is a writable array of 16 events, its length passed.
    let r = unsafe { libc::epoll_wait(epoll.as_raw_fd(), evs.as_mut_ptr(), 16, timeout_ms) };
    out.clear();
    if r < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(())
        } else {
            Err(e)
        };
    }
    // CAST: `r` is between 0 and 16 here.
    out.extend(evs[..r as usize].iter().map(|e| e.u64));
    Ok(())
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: `geteuid` has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
