// SPDX-License-Identifier: GPL-2.0
//! The seam to the kernel: `bpf(2)` through glibc's `syscall`, and `setrlimit`.
//!
//! Everything else in the crate builds attributes and reads results; only this
//! module calls into C.

use std::ffi::{c_int, c_long, c_uint, c_void};
use std::fmt;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `__NR_bpf` on x86_64, the only target the guests run.
const SYS_BPF: c_long = 321;
/// `RLIMIT_NOFILE` on Linux.
const RLIMIT_NOFILE: c_int = 7;

#[repr(C)]
struct Rlimit {
    cur: u64,
    max: u64,
}

extern "C" {
    fn syscall(num: c_long, ...) -> c_long;
    fn getrlimit(resource: c_int, rlim: *mut Rlimit) -> c_int;
    fn setrlimit(resource: c_int, rlim: *const Rlimit) -> c_int;
}

/// The `bpf(2)` commands this tool issues (`enum bpf_cmd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    MapCreate = 0,
    MapUpdateElem = 2,
    ProgLoad = 5,
    ObjPin = 6,
    ProgGetNextId = 11,
    MapGetNextId = 12,
    ProgGetFdById = 13,
    MapGetFdById = 14,
    ObjGetInfoByFd = 15,
    RawTracepointOpen = 17,
    BtfLoad = 18,
    BtfGetNextId = 23,
    LinkGetNextId = 31,
}

impl Cmd {
    /// The command's name as in `<linux/bpf.h>`.
    pub fn name(self) -> &'static str {
        match self {
            Cmd::MapCreate => "BPF_MAP_CREATE",
            Cmd::MapUpdateElem => "BPF_MAP_UPDATE_ELEM",
            Cmd::ProgLoad => "BPF_PROG_LOAD",
            Cmd::ObjPin => "BPF_OBJ_PIN",
            Cmd::ProgGetNextId => "BPF_PROG_GET_NEXT_ID",
            Cmd::MapGetNextId => "BPF_MAP_GET_NEXT_ID",
            Cmd::ProgGetFdById => "BPF_PROG_GET_FD_BY_ID",
            Cmd::MapGetFdById => "BPF_MAP_GET_FD_BY_ID",
            Cmd::ObjGetInfoByFd => "BPF_OBJ_GET_INFO_BY_FD",
            Cmd::RawTracepointOpen => "BPF_RAW_TRACEPOINT_OPEN",
            Cmd::BtfLoad => "BPF_BTF_LOAD",
            Cmd::BtfGetNextId => "BPF_BTF_GET_NEXT_ID",
            Cmd::LinkGetNextId => "BPF_LINK_GET_NEXT_ID",
        }
    }
}

/// Size of `union bpf_attr` in Linux 7.3. Older kernels accept a larger
/// attribute as long as the bytes they do not know are zero.
pub const ATTR_SIZE: usize = 168;

/// A `union bpf_attr`, written field by field at the offsets of `<linux/bpf.h>`.
#[repr(C, align(8))]
pub struct Attr([u8; ATTR_SIZE]);

impl Default for Attr {
    fn default() -> Self {
        Attr([0; ATTR_SIZE])
    }
}

impl Attr {
    /// Stores `v` at byte offset `off`.
    pub fn u32(mut self, off: usize, v: u32) -> Self {
        self.0[off..off + 4].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Stores `v` at byte offset `off`, which must be 8-aligned.
    pub fn u64(mut self, off: usize, v: u64) -> Self {
        debug_assert_eq!(off % 8, 0);
        self.0[off..off + 8].copy_from_slice(&v.to_ne_bytes());
        self
    }

    /// Stores the address of `p` at byte offset `off`.
    pub fn ptr<T: ?Sized>(self, off: usize, p: *const T) -> Self {
        self.u64(off, p.cast::<u8>() as u64)
    }

    /// Copies `bytes` to byte offset `off`, at most `len` of them.
    pub fn bytes(mut self, off: usize, len: usize, bytes: &[u8]) -> Self {
        let n = bytes.len().min(len);
        self.0[off..off + n].copy_from_slice(&bytes[..n]);
        self
    }

    /// Reads the `u32` at byte offset `off`.
    pub fn get_u32(&self, off: usize) -> u32 {
        let mut b = [0; 4];
        b.copy_from_slice(&self.0[off..off + 4]);
        u32::from_ne_bytes(b)
    }
}

/// A failed system call: which one, on what, and the errno.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysError {
    /// The call, e.g. `BPF_MAP_CREATE` or `open`.
    pub call: String,
    /// What it was called on, e.g. `map "wl_hash_full"`.
    pub object: String,
    pub errno: i32,
    /// The kernel's verifier or BTF log, when one was fetched.
    pub log: String,
}

impl SysError {
    pub fn new(call: &str, object: &str, errno: i32) -> Self {
        SysError {
            call: call.to_string(),
            object: object.to_string(),
            errno,
            log: String::new(),
        }
    }
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} ({})",
            self.call,
            self.object,
            errno_name(self.errno),
            strerror(self.errno)
        )?;
        if !self.log.is_empty() {
            write!(f, "\nkernel log:\n{}", self.log.trim_end())?;
        }
        Ok(())
    }
}

/// The symbolic name of an errno, as in `<errno.h>` (and the kernel's
/// internal `ENOTSUPP`, which `bpf(2)` leaks), or its number.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        7 => "E2BIG",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        18 => "EXDEV",
        19 => "ENODEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        28 => "ENOSPC",
        30 => "EROFS",
        34 => "ERANGE",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        40 => "ELOOP",
        95 => "EOPNOTSUPP",
        524 => "ENOTSUPP",
        _ => return format!("errno {errno}"),
    };
    name.to_string()
}

fn strerror(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The errno of an `io::Error`, or `EIO` when it has none.
pub fn io_errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(5)
}

/// Issues `bpf(cmd, attr, ATTR_SIZE)`; the result or the errno.
pub fn bpf(cmd: Cmd, attr: &mut Attr) -> Result<i32, i32> {
    // SAFETY: `attr` is a live, writable, 8-aligned buffer of ATTR_SIZE bytes
    // for the whole call. Every pointer the callers stored in it (Attr::ptr)
    // refers to a buffer they keep alive across this call.
    let ret = unsafe {
        syscall(
            SYS_BPF,
            cmd as c_int,
            attr.0.as_mut_ptr().cast::<c_void>(),
            ATTR_SIZE as c_uint,
        )
    };
    if ret < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(5))
    } else {
        Ok(ret as i32)
    }
}

/// Issues a command that returns a new file descriptor and takes ownership of it.
pub fn bpf_fd(cmd: Cmd, attr: &mut Attr) -> Result<OwnedFd, i32> {
    let fd = bpf(cmd, attr)?;
    // SAFETY: On success these commands return a new descriptor that nothing
    // else owns; OwnedFd closes it exactly once.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The raw number of a borrowed descriptor, for an attribute field.
pub fn raw(fd: BorrowedFd<'_>) -> u32 {
    fd.as_raw_fd() as u32
}

/// Raises `RLIMIT_NOFILE` (soft and, if needed, hard) to at least `want`.
pub fn raise_nofile(want: u64) -> Result<(), SysError> {
    let mut lim = Rlimit { cur: 0, max: 0 };
    // SAFETY: `lim` is a valid, writable rlimit for the call.
    if unsafe { getrlimit(RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(SysError::new(
            "getrlimit",
            "RLIMIT_NOFILE",
            io_errno(&std::io::Error::last_os_error()),
        ));
    }
    if lim.cur >= want {
        return Ok(());
    }
    let new = Rlimit {
        cur: want,
        max: lim.max.max(want),
    };
    // SAFETY: `new` is a valid rlimit that outlives the call.
    if unsafe { setrlimit(RLIMIT_NOFILE, &new) } != 0 {
        return Err(SysError::new(
            "setrlimit",
            &format!("RLIMIT_NOFILE to {want}"),
            io_errno(&std::io::Error::last_os_error()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_fields_land_at_their_offsets() {
        let a = Attr::default()
            .u32(0, 0x1122_3344)
            .u64(8, 0x0102_0304_0506_0708)
            .bytes(28, 16, b"name");
        assert_eq!(a.get_u32(0), 0x1122_3344);
        assert_eq!(a.get_u32(8), 0x0506_0708);
        assert_eq!(a.get_u32(12), 0x0102_0304);
        assert_eq!(&a.0[28..33], b"name\0");
    }

    #[test]
    fn bytes_are_cut_at_the_field_length() {
        let a = Attr::default().bytes(28, 16, b"seventeen_chars_x");
        assert_eq!(&a.0[28..44], b"seventeen_chars_");
        assert_eq!(a.0[44], 0);
    }

    #[test]
    fn errors_name_call_object_and_errno() {
        let e = SysError::new("BPF_MAP_CREATE", "map \"a%b\"", 22);
        assert_eq!(
            e.to_string(),
            "BPF_MAP_CREATE map \"a%b\": EINVAL (Invalid argument)"
        );
        assert_eq!(errno_name(524), "ENOTSUPP");
        assert_eq!(errno_name(4242), "errno 4242");
    }
}
