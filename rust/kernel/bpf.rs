// SPDX-License-Identifier: GPL-2.0

//! BPF objects held by kernel code: file descriptors, links and maps.
//!
//! Kernel code creates BPF objects the way user space does, through the `bpf()` commands that
//! [`kern_sys_bpf`] accepts, and gets file descriptors back. Those descriptors live in the file
//! table of the task that happens to run the code (the task loading a module, or the init task
//! for built-in code), so they must not outlive the function that created them: [`Fd`] closes
//! its descriptor when dropped and cannot leave the thread. Objects meant to stay are held by
//! kernel references instead, [`Link`] and [`Map`], which belong to no file table.
//!
//! C headers: [`include/uapi/linux/bpf.h`](srctree/include/uapi/linux/bpf.h),
//! [`include/linux/bpf.h`](srctree/include/linux/bpf.h).
//!
//! [`kern_sys_bpf`]: srctree/kernel/bpf/syscall.c

use crate::{
    bindings,
    error::{from_err_ptr, to_result, Result},
    ffi::{c_int, c_uint},
    prelude::*,
};
use core::{marker::PhantomData, ptr::NonNull};

pub mod loader;
pub mod preload;

/// Runs the `bpf()` command `cmd` with `attr` as its argument.
///
/// The attribute union is passed whole: the kernel checks that every byte past the fields of
/// `cmd` is zero, which holds for unions built with [`attr_zeroed`].
///
/// Returns the command's non-negative result (often a new file descriptor) or its error.
fn sys_bpf(cmd: bindings::bpf_cmd, attr: &mut bindings::bpf_attr) -> Result<c_int> {
    // CAST: `bpf_cmd` values are small and fit an `int`.
    let cmd = cmd as c_int;
    // CAST: The union is a few hundred bytes long.
    let size = core::mem::size_of::<bindings::bpf_attr>() as c_uint;
    // SAFETY: `attr` is a valid, exclusively borrowed `union bpf_attr` of `size` bytes for the
    // whole call. Pointers inside it are kernel pointers, which is what `kern_sys_bpf` expects;
    // callers keep their targets alive for the call.
    let ret = unsafe { bindings::kern_sys_bpf(cmd, attr, size) };
    to_result(ret)?;
    Ok(ret)
}

/// Returns a `union bpf_attr` with every byte zero, the neutral value of every field.
fn attr_zeroed() -> bindings::bpf_attr {
    // SAFETY: `union bpf_attr` only holds integers (pointers are carried as `u64`), for which
    // all-zero bytes are valid.
    unsafe { core::mem::zeroed() }
}

/// Copies `name` into a fixed-size, NUL-padded object name (`BPF_OBJ_NAME_LEN` bytes).
///
/// Fails with `EINVAL` when the name and its NUL terminator do not fit.
fn obj_name<const N: usize>(name: &[u8]) -> Result<[crate::ffi::c_char; N]> {
    if name.len() >= N {
        return Err(EINVAL);
    }
    let mut out = [0; N];
    for (o, b) in out.iter_mut().zip(name) {
        // CAST: Names are ASCII; `c_char` is a byte.
        *o = *b as crate::ffi::c_char;
    }
    Ok(out)
}

/// An open BPF file descriptor owned by the current task.
///
/// Dropping it closes the descriptor. Descriptors index the file table of the task that
/// created them, so an `Fd` is neither [`Send`] nor [`Sync`]: it cannot be stored in a module's
/// state or handed to another thread, where closing it would close an unrelated file. Keep an
/// object beyond the current function with a kernel reference ([`Link`], [`Map`]) instead.
///
/// # Invariants
///
/// `self.fd` is an open file descriptor (0 is a valid one) in the file table of the task that
/// created this value, and this value is its only owner.
pub struct Fd {
    fd: c_int,
    _not_send: PhantomData<*mut ()>,
}

impl Fd {
    /// Takes ownership of the open file descriptor `fd`.
    ///
    /// # Safety
    ///
    /// `fd` must be an open file descriptor of the current task that nothing else closes or
    /// takes ownership of.
    pub(crate) unsafe fn from_raw(fd: c_int) -> Self {
        // INVARIANT: The caller guarantees that `fd` is open and ours alone.
        Self {
            fd,
            _not_send: PhantomData,
        }
    }

    /// Returns the raw descriptor, for `bpf()` attributes. It stays owned by `self`.
    pub fn as_raw(&self) -> c_int {
        self.fd
    }

    /// Returns the raw descriptor as the unsigned type `bpf()` attributes use.
    fn as_attr(&self) -> u32 {
        // CAST: By the type invariant the descriptor is open, hence non-negative.
        self.fd as u32
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // CAST: By the type invariant the descriptor is open, hence non-negative.
        let fd = self.fd as c_uint;
        // SAFETY: By the type invariant `fd` is open in this task's table (the type cannot
        // change tasks) and owned by `self` alone, so closing it closes nothing of anyone else.
        // Closing a valid descriptor cannot fail in a way we could handle.
        unsafe { bindings::close_fd(fd) };
    }
}

/// A counted reference to a `struct bpf_link`.
///
/// A link keeps its program attached; it is released when its last reference goes. A `Link`
/// belongs to no file table, so unlike [`Fd`] it may be kept anywhere, e.g. in a module's state.
///
/// # Invariants
///
/// `self.0` points to a live link and this value owns one reference to it.
pub struct Link(NonNull<bindings::bpf_link>);

// SAFETY: A link reference may be dropped from any thread: `bpf_link_put` defers the release
// to a workqueue when it is not allowed to sleep.
unsafe impl Send for Link {}

// SAFETY: `&Link` only exposes the link's address, which is immutable.
unsafe impl Sync for Link {}

impl Link {
    /// Takes a new reference to the link that `fd` refers to.
    ///
    /// Fails with `EBADF` if `fd` is no longer a link of this task, `EINVAL` if it is no link.
    pub fn from_fd(fd: &Fd) -> Result<Self> {
        // SAFETY: `bpf_link_get_from_fd` accepts any descriptor number and checks it.
        let link = from_err_ptr(unsafe { bindings::bpf_link_get_from_fd(fd.as_attr()) })?;
        let link = NonNull::new(link).ok_or(EINVAL)?;
        // INVARIANT: `bpf_link_get_from_fd` returned a live link with a reference for us.
        Ok(Self(link))
    }

    /// Attaches the iterator program `prog` (`BPF_TRACE_ITER`) and returns the new link.
    ///
    /// No file descriptor of the link is left behind: the one `BPF_LINK_CREATE` returns is
    /// closed before this returns, and the link lives on through the returned reference.
    pub fn attach_iter(prog: &Fd) -> Result<Self> {
        let fd = link_create(prog, bindings::bpf_attach_type_BPF_TRACE_ITER)?;
        Self::from_fd(&fd)
    }

    /// Returns the raw pointer, to hand the link to C code that takes its own reference.
    pub fn as_ptr(&self) -> *mut bindings::bpf_link {
        self.0.as_ptr()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own exactly one reference; it is dropped once.
        unsafe { bindings::bpf_link_put(self.0.as_ptr()) };
    }
}

/// Creates a link attaching `prog` with `attach_type` and no target (`BPF_LINK_CREATE`).
///
/// Returns the link's file descriptor.
pub fn link_create(prog: &Fd, attach_type: bindings::bpf_attach_type) -> Result<Fd> {
    let mut attr = attr_zeroed();
    attr.link_create.__bindgen_anon_1.prog_fd = prog.as_attr();
    attr.link_create.attach_type = attach_type;
    let fd = sys_bpf(bindings::bpf_cmd_BPF_LINK_CREATE, &mut attr)?;
    // SAFETY: A successful `BPF_LINK_CREATE` returns a new descriptor that only we know about.
    Ok(unsafe { Fd::from_raw(fd) })
}

/// A counted reference to a `struct bpf_map`.
///
/// # Invariants
///
/// `self.0` points to a live map and this value owns one reference to it.
pub struct Map(NonNull<bindings::bpf_map>);

// SAFETY: A map reference may be dropped from any thread (`bpf_map_put` defers the release).
unsafe impl Send for Map {}

// SAFETY: The methods taking `&self` only read fields that are fixed once the map exists, or
// copy the value with the same guarantees BPF programs have when they access it.
unsafe impl Sync for Map {}

impl Map {
    /// Takes a new reference to the map that `fd` refers to.
    pub fn from_fd(fd: &Fd) -> Result<Self> {
        // SAFETY: `bpf_map_get` accepts any descriptor number and checks it.
        let map = from_err_ptr(unsafe { bindings::bpf_map_get(fd.as_attr()) })?;
        let map = NonNull::new(map).ok_or(EINVAL)?;
        // INVARIANT: `bpf_map_get` returned a live map with a reference for us.
        Ok(Self(map))
    }

    /// Returns the size in bytes of one value.
    pub fn value_size(&self) -> usize {
        // SAFETY: By the type invariant the map is live; `value_size` never changes.
        let size = unsafe { (*self.0.as_ptr()).value_size };
        // CAST: A `u32` always fits a `usize` on the architectures the kernel supports.
        size as usize
    }

    /// Returns the address of the value of a single-element array map (typed global data).
    ///
    /// Fails with `ENOTSUPP`, as the kernel does, for other maps.
    fn value_addr(&self) -> Result<*mut u8> {
        let map = self.0.as_ptr();
        // SAFETY: By the type invariant the map is live; `ops` is set once at creation.
        let ops = unsafe { (*map).ops };
        // SAFETY: `ops` points to the map type's static operations table.
        let direct = unsafe { (*ops).map_direct_value_addr }.ok_or(ENOTSUPP)?;
        let mut addr = 0u64;
        // SAFETY: `map` is live and `addr` is a valid place for the result.
        to_result(unsafe { direct(map, &mut addr, 0) })?;
        // CAST: The kernel returns the address of the value as an integer.
        Ok(addr as usize as *mut u8)
    }

    /// Copies `out.len()` bytes at `offset` of the value of a single-element array map.
    ///
    /// BPF programs may write the value concurrently; as for them, there is no atomicity.
    /// Fails with `EINVAL` if the range is outside the value.
    pub fn read(&self, offset: usize, out: &mut [u8]) -> Result {
        let end = offset.checked_add(out.len()).ok_or(EINVAL)?;
        if end > self.value_size() {
            return Err(EINVAL);
        }
        let addr = self.value_addr()?;
        // SAFETY: `addr` points to `value_size()` bytes that live as long as the map, which
        // our reference keeps; `offset..end` is inside them and `out` is a distinct buffer.
        unsafe { core::ptr::copy_nonoverlapping(addr.add(offset), out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    /// Copies `data` to `offset` of the value of a single-element array map.
    ///
    /// Fails with `EPERM` for a frozen map (`.rodata`: the verifier relies on its contents
    /// never changing) and with `EINVAL` if the range is outside the value.
    pub fn write(&self, offset: usize, data: &[u8]) -> Result {
        let end = offset.checked_add(data.len()).ok_or(EINVAL)?;
        if end > self.value_size() {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariant the map is live.
        if unsafe { (*self.0.as_ptr()).frozen } {
            return Err(EPERM);
        }
        let addr = self.value_addr()?;
        // SAFETY: As in `read`, the range is inside the live value and `data` is distinct.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), addr.add(offset), data.len()) };
        Ok(())
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own exactly one reference; it is dropped once.
        unsafe { bindings::bpf_map_put(self.0.as_ptr()) };
    }
}
