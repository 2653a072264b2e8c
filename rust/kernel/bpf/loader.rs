// SPDX-License-Identifier: GPL-2.0

//! Light skeleton loaders: BPF objects loaded by a BPF program.
//!
//! A light skeleton carries no ELF object. A generator turns the object into two byte
//! streams: the instructions of a loader program (`BPF_PROG_TYPE_SYSCALL`) and a data blob
//! holding BTF, map definitions and program instructions. Run in the kernel, the loader replays
//! the `bpf()` calls that load the object, applying CO-RE and kfunc relocations against the
//! running kernel's BTF, and writes the descriptors of the maps and programs it created into
//! its context. This module runs such a loader, the way `bpf_load_and_run` in
//! [`tools/lib/bpf/skel_internal.h`](srctree/tools/lib/bpf/skel_internal.h) does for C.
//!
//! Generated code describes a loader with a [`LoaderSpec`] and calls [`LoaderSpec::load`].
//!
//! A failure is reported as a [`LoadError`] naming the step that failed, for the caller to log.
//! With `CONFIG_FAIL_BPF_PRELOAD`, the `fail_bpf_preload` fault attribute can make any step fail
//! (see [`step`]), including each step inside a loader generated with fault injection
//! (`LoaderSpec::load_fault_injected`, which only exists with that option), so that tests reach
//! every failure path.

use super::{attr_zeroed, obj_name, sys_bpf, Fd};
use crate::{bindings, error::Error, prelude::*};
use core::mem::size_of;

/// Why loading failed: the step that failed and its error.
#[derive(Debug)]
pub struct LoadError {
    /// What failed, e.g. `c"creating the loader map"`.
    pub step: &'static CStr,
    /// The kernel's (or the loader's) error.
    pub err: Error,
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        e.err
    }
}

/// The names of the errors `bpf()` and its helpers return, which the kernel only knows with
/// `CONFIG_SYMBOLIC_ERRNAME`.
const ERRNO_NAMES: &[(u32, &str)] = &[
    (bindings::EPERM, "EPERM"),
    (bindings::ENOENT, "ENOENT"),
    (bindings::ESRCH, "ESRCH"),
    (bindings::EINTR, "EINTR"),
    (bindings::EIO, "EIO"),
    (bindings::E2BIG, "E2BIG"),
    (bindings::EBADF, "EBADF"),
    (bindings::EAGAIN, "EAGAIN"),
    (bindings::ENOMEM, "ENOMEM"),
    (bindings::EACCES, "EACCES"),
    (bindings::EFAULT, "EFAULT"),
    (bindings::EBUSY, "EBUSY"),
    (bindings::EEXIST, "EEXIST"),
    (bindings::ENODEV, "ENODEV"),
    (bindings::EINVAL, "EINVAL"),
    (bindings::ENFILE, "ENFILE"),
    (bindings::EMFILE, "EMFILE"),
    (bindings::ENOSPC, "ENOSPC"),
    (bindings::ERANGE, "ERANGE"),
    (bindings::ENOSYS, "ENOSYS"),
    (bindings::ELOOP, "ELOOP"),
    (bindings::EOVERFLOW, "EOVERFLOW"),
    (bindings::EOPNOTSUPP, "EOPNOTSUPP"),
    (bindings::ENOTSUPP, "ENOTSUPP"),
];

impl LoadError {
    /// Returns the failed step, e.g. `"creating the loader map"`.
    pub fn step_name(&self) -> &'static str {
        self.step.to_str().unwrap_or("a step")
    }

    /// Returns the name of the error, e.g. `"ENOMEM"`, when it is one `bpf()` returns.
    pub fn errno_name(&self) -> Option<&'static str> {
        let errno = self.err.to_errno().unsigned_abs();
        ERRNO_NAMES
            .iter()
            .find(|(n, _)| *n == errno)
            .map(|(_, name)| *name)
    }
}

/// The errno of an injected failure.
#[cfg(CONFIG_FAIL_BPF_PRELOAD)]
const FAULT_ERRNO: Error = ENOMEM;

/// Returns whether fault injection makes the next step fail.
#[cfg(CONFIG_FAIL_BPF_PRELOAD)]
fn should_fail() -> bool {
    // SAFETY: `bpf_preload_should_fail` may be called from any task context.
    unsafe { bindings::bpf_preload_should_fail() }
}

/// Runs the loading step `name`, `f`, and names it in the error if it fails.
///
/// With `CONFIG_FAIL_BPF_PRELOAD`, the step first consults the `fail_bpf_preload` fault
/// attribute and may fail with `ENOMEM` without running `f`. Steps consult it in the order they
/// run, so that its `space` setting picks the step that fails.
pub fn step<T>(name: &'static CStr, f: impl FnOnce() -> Result<T>) -> Result<T, LoadError> {
    #[cfg(CONFIG_FAIL_BPF_PRELOAD)]
    if should_fail() {
        return Err(LoadError {
            step: name,
            err: FAULT_ERRNO,
        });
    }
    f().map_err(|err| LoadError { step: name, err })
}

/// A map the loader creates.
pub struct MapSpec {
    /// The map's name in the object, for messages.
    pub name: &'static CStr,
    /// The values of a `.kconfig` map, which the loader copies into the map: they have no
    /// build-time default. At least as long as the map's value. Loaders generated for the kernel
    /// read it for `.kconfig` maps only; other global data maps take the object's data.
    pub initial_value: Option<&'static [u8]>,
}

/// A program the loader loads.
pub struct ProgSpec {
    /// The program's name in the object, for messages.
    pub name: &'static CStr,
}

/// A light skeleton loader, as a generator emits it.
pub struct LoaderSpec {
    /// The loader program's instructions, in the byte order of the kernel.
    pub insns: &'static [u8],
    /// The data blob the loader reads its attributes from.
    pub data: &'static [u8],
    /// The maps, in the order the loader's context lists them.
    pub maps: &'static [MapSpec],
    /// The programs, in the order the loader's context lists them.
    pub progs: &'static [ProgSpec],
    /// The loader's steps that can fail, in order: a failed loader names the one that failed by
    /// its number (from 1) in its context, and the error names the step.
    pub steps: &'static [&'static CStr],
}

/// The maps and programs a loader created, as descriptors of the current task.
///
/// Like [`Fd`], an `Object` cannot leave the task that loaded it; take [`super::Link`] or
/// [`super::Map`] references for what must outlive the loading function.
pub struct Object {
    maps: KVec<Fd>,
    progs: KVec<Fd>,
}

impl Object {
    /// Returns the map at `idx` of [`LoaderSpec::maps`].
    ///
    /// # Panics
    ///
    /// Panics if `idx` is out of bounds; generated code only uses the indices it declared.
    pub fn map(&self, idx: usize) -> &Fd {
        &self.maps[idx]
    }

    /// Returns the program at `idx` of [`LoaderSpec::progs`].
    ///
    /// # Panics
    ///
    /// Panics if `idx` is out of bounds; generated code only uses the indices it declared.
    pub fn prog(&self, idx: usize) -> &Fd {
        &self.progs[idx]
    }
}

/// `struct bpf_loader_ctx`: the context header every loader reads first.
#[repr(C)]
struct CtxHeader {
    /// Size of the whole context: header, map and program descriptors.
    sz: u32,
    /// `BPF_SKEL_KERNEL` when run by the kernel.
    flags: u32,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
}

/// `struct bpf_map_desc`: one per map, after the header.
#[repr(C)]
struct CtxMap {
    /// Written by the loader.
    map_fd: i32,
    /// Overrides the object's value unless 0; loaders generated for the kernel do not read it.
    max_entries: u32,
    /// Read by the loader for `.kconfig` maps: a kernel address, or 0.
    initial_value: u64,
}

/// `struct bpf_prog_desc`: one per program, after the maps.
#[repr(C)]
struct CtxProg {
    /// Written by the loader.
    prog_fd: i32,
}

// The layout loaders are generated against; see `struct bpf_loader_ctx` in skel_internal.h.
const _: () =
    assert!(size_of::<CtxHeader>() == 24 && core::mem::offset_of!(CtxHeader, log_buf) == 16);
const _: () =
    assert!(size_of::<CtxMap>() == 16 && core::mem::offset_of!(CtxMap, initial_value) == 8);
const _: () = assert!(size_of::<CtxProg>() == 4);

/// Tells the loader that initial values are kernel addresses (`bpf_probe_read_kernel`), not
/// user ones (`bpf_copy_from_user`).
const BPF_SKEL_KERNEL: u32 = 1 << 0;

/// Descriptors the loader did not write keep this value.
const NO_FD: i32 = -1;

/// After the descriptors: the number of the loader step that failed (from 1), which a failed
/// loader writes.
#[repr(C)]
struct CtxFailed {
    failed_step: u32,
}

/// After that, for loaders generated with fault injection: the step to fail (from 1, or 0 for
/// none) and the positive errno it fails with.
#[repr(C)]
struct CtxFault {
    fault_step: u32,
    fault_errno: u32,
}

/// The loader's context: header, map descriptors, program descriptors.
///
/// # Invariants
///
/// `buf` holds at least `size()` bytes, 8-byte aligned, laid out as a header followed by
/// `maps` [`CtxMap`] and `progs` [`CtxProg`] entries, a [`CtxFailed`], and a [`CtxFault`] if
/// `fault`.
struct Ctx {
    buf: KVec<u64>,
    maps: usize,
    progs: usize,
    fault: bool,
}

impl Ctx {
    fn map_offset(idx: usize) -> usize {
        size_of::<CtxHeader>() + idx * size_of::<CtxMap>()
    }

    fn prog_offset(&self, idx: usize) -> usize {
        Self::map_offset(self.maps) + idx * size_of::<CtxProg>()
    }

    fn failed_offset(&self) -> usize {
        self.prog_offset(self.progs)
    }

    fn fault_offset(&self) -> usize {
        self.failed_offset() + size_of::<CtxFailed>()
    }

    fn size(&self) -> usize {
        self.fault_offset() + if self.fault { size_of::<CtxFault>() } else { 0 }
    }

    /// A context for `spec`'s loader; `fault` for a loader generated with fault injection.
    fn new(spec: &'static LoaderSpec, fault: bool) -> Result<Self> {
        let (maps, progs) = (spec.maps.len(), spec.progs.len());
        let size = size_of::<CtxHeader>()
            + maps * size_of::<CtxMap>()
            + progs * size_of::<CtxProg>()
            + size_of::<CtxFailed>()
            + if fault { size_of::<CtxFault>() } else { 0 };
        // `BPF_PROG_RUN` takes contexts of up to `U16_MAX` bytes.
        if size > u16::MAX.into() {
            return Err(E2BIG);
        }
        let buf = KVec::from_elem(0u64, size.div_ceil(size_of::<u64>()), GFP_KERNEL)?;
        // INVARIANT: `buf` has `size` bytes or more, aligned for `u64`; the writes below lay
        // the entries out.
        let mut ctx = Self {
            buf,
            maps,
            progs,
            fault,
        };
        ctx.write(
            0,
            CtxHeader {
                // CAST: Checked above to fit 16 bits.
                sz: size as u32,
                flags: BPF_SKEL_KERNEL,
                log_level: 0,
                log_size: 0,
                log_buf: 0,
            },
        );
        for (i, map) in spec.maps.iter().enumerate() {
            let desc = CtxMap {
                map_fd: NO_FD,
                // Loaders generated for the kernel keep the object's value.
                max_entries: 0,
                // CAST: The loader takes the kernel address as a 64-bit integer.
                initial_value: map.initial_value.map_or(0, |v| v.as_ptr() as usize as u64),
            };
            ctx.write(Self::map_offset(i), desc);
        }
        for i in 0..progs {
            let off = ctx.prog_offset(i);
            ctx.write(off, CtxProg { prog_fd: NO_FD });
        }
        let off = ctx.failed_offset();
        ctx.write(off, CtxFailed { failed_step: 0 });
        if fault {
            ctx.set_fault(0, 0);
        }
        Ok(ctx)
    }

    /// Makes step `step` of a loader generated with fault injection fail with `errno`.
    fn set_fault(&mut self, step: u32, errno: u32) {
        let off = self.fault_offset();
        self.write(
            off,
            CtxFault {
                fault_step: step,
                fault_errno: errno,
            },
        );
    }

    /// Writes `entry` at byte offset `off`, which the layout reserves for a `T`.
    fn write<T>(&mut self, off: usize, entry: T) {
        assert!(off + size_of::<T>() <= self.size());
        // SAFETY: By the type invariant `buf` holds `size()` bytes, so the entry fits; every
        // entry's offset is a multiple of its alignment and `buf` is 8-byte aligned.
        unsafe {
            self.buf
                .as_mut_ptr()
                .cast::<u8>()
                .add(off)
                .cast::<T>()
                .write(entry)
        };
    }

    /// Reads the descriptor at byte offset `off`, the first field of a map or program entry.
    fn read_fd(&self, off: usize) -> i32 {
        assert!(off + size_of::<i32>() <= self.size());
        // SAFETY: As in `write`, an entry starting with an `i32` is at `off`, in bounds.
        unsafe { self.buf.as_ptr().cast::<u8>().add(off).cast::<i32>().read() }
    }

    /// Returns the number of the step a failed loader named (from 1; 0 for none).
    fn failed_step(&self) -> u32 {
        let off = self.failed_offset();
        // SAFETY: As in `write`, the `CtxFailed` entry is at `off`, in bounds and aligned.
        unsafe { self.buf.as_ptr().cast::<u8>().add(off).cast::<u32>().read() }
    }

    fn as_attr(&mut self) -> u64 {
        // CAST: `bpf()` attributes carry kernel pointers as 64-bit integers.
        self.buf.as_mut_ptr() as usize as u64
    }
}

impl LoaderSpec {
    /// Loads the object: runs the loader and returns the maps and programs it created.
    ///
    /// The loader's own map and program are closed before this returns, on every path. On
    /// failure nothing the loader created is left open, and the error names the failed step;
    /// its errno is the kernel's (or the loader's).
    pub fn load(&'static self) -> Result<Object, LoadError> {
        self.try_load(&[])
    }

    /// Loads the object with a loader generated with fault injection, whose steps are `steps`.
    ///
    /// As [`Self::load`], but fault injection may also fail any step of the loader: after the
    /// runner's own steps, each of `steps` in turn consults the `fail_bpf_preload` fault
    /// attribute, and the first that is to fail is the one the loader fails, taking its own
    /// failure path. The error then names that step.
    #[cfg(CONFIG_FAIL_BPF_PRELOAD)]
    pub fn load_fault_injected(
        &'static self,
        steps: &'static [&'static CStr],
    ) -> Result<Object, LoadError> {
        if steps.is_empty() {
            return Err(LoadError {
                step: crate::c_str!("checking the loader's steps"),
                err: EINVAL,
            });
        }
        self.try_load(steps)
    }

    /// Runs the loader; `steps` names the steps of a loader generated with fault injection and
    /// is empty for any other.
    fn try_load(&'static self, steps: &'static [&'static CStr]) -> Result<Object, LoadError> {
        let fault = !steps.is_empty();
        if self.insns.len() % size_of::<bindings::bpf_insn>() != 0 {
            return Err(LoadError {
                step: crate::c_str!("checking the loader's instructions"),
                err: EINVAL,
            });
        }
        let mut ctx = step(crate::c_str!("allocating the loader context"), || {
            Ctx::new(self, fault)
        })?;
        let mut maps = step(crate::c_str!("allocating the map list"), || {
            Ok(KVec::with_capacity(self.maps.len(), GFP_KERNEL)?)
        })?;
        let mut progs = step(crate::c_str!("allocating the program list"), || {
            Ok(KVec::with_capacity(self.progs.len(), GFP_KERNEL)?)
        })?;

        let map = step(crate::c_str!("creating the loader map"), || {
            loader_map_create(self.data)
        })?;
        step(crate::c_str!("filling the loader map"), || {
            loader_map_fill(&map, self.data)
        })?;
        let prog = step(crate::c_str!("loading the loader program"), || {
            loader_prog_load(self.insns, &map)
        })?;
        let run = crate::c_str!("running the loader program");
        step(run, || Ok(()))?;
        // The loader's own steps, in order: the first that fault injection picks fails.
        #[cfg(CONFIG_FAIL_BPF_PRELOAD)]
        let injected = steps
            .iter()
            .zip(1u32..)
            .find(|_| should_fail())
            .map(|(name, k)| {
                // CAST: Errors are small negative numbers.
                ctx.set_fault(k, FAULT_ERRNO.to_errno().unsigned_abs());
                *name
            });
        #[cfg(not(CONFIG_FAIL_BPF_PRELOAD))]
        let injected: Option<&'static CStr> = None;
        let ret = prog_run(&prog, &mut ctx).map_err(|err| LoadError { step: run, err })?;
        // The loader is no longer needed, whatever it returned.
        drop(prog);
        drop(map);
        if ret < 0 {
            // The loader closed what it had created before returning its error, and named the
            // step that failed: one of `self.steps`, or with fault injection one of `steps`,
            // which starts with them.
            let k = ctx.failed_step() as usize;
            let named = k
                .checked_sub(1)
                .and_then(|i| self.steps.get(i).or_else(|| steps.get(i)));
            return Err(LoadError {
                step: named
                    .copied()
                    .or(injected)
                    .unwrap_or(crate::c_str!("the loader program")),
                err: Error::from_errno(ret),
            });
        }

        // Own every descriptor the loader wrote before checking any, so all are closed if one
        // is missing.
        let mut missing = false;
        let mut collect = |list: &mut KVec<Fd>, off| {
            let fd = ctx.read_fd(off);
            if fd < 0 {
                missing = true;
                return;
            }
            // SAFETY: A loader that returned 0 wrote, into each entry, a descriptor it created
            // in this task for that map or program alone, and closed nothing of it since.
            let fd = unsafe { Fd::from_raw(fd) };
            // The capacity is reserved, so this does not fail; if it did, `fd` is closed.
            missing |= list.push(fd, GFP_KERNEL).is_err();
        };
        for i in 0..self.maps.len() {
            collect(&mut maps, Ctx::map_offset(i));
        }
        for i in 0..self.progs.len() {
            collect(&mut progs, ctx.prog_offset(i));
        }
        if missing {
            return Err(LoadError {
                step: crate::c_str!("collecting the loader's descriptors"),
                err: EINVAL,
            });
        }
        if let Some(name) = injected {
            // The loader went past the step it was to fail: what it created is closed here.
            return Err(LoadError {
                step: name,
                // CAST: Errno values are small.
                err: Error::from_errno(-(bindings::EPROTO as i32)),
            });
        }
        Ok(Object { maps, progs })
    }
}

/// Creates the loader's map: one array element holding the blob.
fn loader_map_create(data: &[u8]) -> Result<Fd> {
    let mut attr = attr_zeroed();
    // SAFETY: Writing fields of the `BPF_MAP_CREATE` member of a zeroed union.
    let create = unsafe { &mut attr.__bindgen_anon_1 };
    create.map_type = bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY;
    create.key_size = size_of::<u32>() as u32;
    create.value_size = u32::try_from(data.len()).map_err(|_| E2BIG)?;
    create.max_entries = 1;
    create.map_name = obj_name(b"__loader.map")?;
    let fd = sys_bpf(bindings::bpf_cmd_BPF_MAP_CREATE, &mut attr)?;
    // SAFETY: A successful `BPF_MAP_CREATE` returns a new descriptor that only we know about.
    Ok(unsafe { Fd::from_raw(fd) })
}

/// Copies the blob into the loader's map.
fn loader_map_fill(map: &Fd, data: &'static [u8]) -> Result {
    let key: u32 = 0;
    let mut attr = attr_zeroed();
    // SAFETY: Writing fields of the `BPF_MAP_*_ELEM` member of a zeroed union.
    let elem = unsafe { &mut attr.__bindgen_anon_2 };
    elem.map_fd = map.as_attr();
    // CAST: `bpf()` attributes carry kernel pointers as 64-bit integers.
    elem.key = core::ptr::from_ref(&key) as usize as u64;
    elem.__bindgen_anon_1.value = data.as_ptr() as usize as u64;
    elem.flags = bindings::BPF_ANY.into();
    // `key` and `data` outlive the call.
    sys_bpf(bindings::bpf_cmd_BPF_MAP_UPDATE_ELEM, &mut attr).map(|_| ())
}

/// Loads the loader program, sleepable, with the loader map as `fd_array[0]`.
fn loader_prog_load(insns: &'static [u8], map: &Fd) -> Result<Fd> {
    let fd_array: [i32; 1] = [map.as_raw()];
    let mut attr = attr_zeroed();
    // SAFETY: Writing fields of the `BPF_PROG_LOAD` member of a zeroed union.
    let load = unsafe { &mut attr.__bindgen_anon_3 };
    load.prog_type = bindings::bpf_prog_type_BPF_PROG_TYPE_SYSCALL;
    // CAST: `bpf()` attributes carry kernel pointers as 64-bit integers.
    load.insns = insns.as_ptr() as usize as u64;
    load.insn_cnt =
        u32::try_from(insns.len() / size_of::<bindings::bpf_insn>()).map_err(|_| E2BIG)?;
    load.license = crate::c_str!("GPL").as_char_ptr() as usize as u64;
    load.prog_name = obj_name(b"__loader.prog")?;
    load.prog_flags = bindings::BPF_F_SLEEPABLE;
    load.fd_array = fd_array.as_ptr() as usize as u64;
    // `insns`, the license and `fd_array` outlive the call.
    let fd = sys_bpf(bindings::bpf_cmd_BPF_PROG_LOAD, &mut attr)?;
    // SAFETY: A successful `BPF_PROG_LOAD` returns a new descriptor that only we know about.
    Ok(unsafe { Fd::from_raw(fd) })
}

/// Runs a syscall program on `ctx` and returns what the program returned.
fn prog_run(prog: &Fd, ctx: &mut Ctx) -> Result<i32> {
    let mut attr = attr_zeroed();
    attr.test.prog_fd = prog.as_attr();
    attr.test.ctx_in = ctx.as_attr();
    // CAST: `Ctx::new` checked that the size fits 16 bits.
    attr.test.ctx_size_in = ctx.size() as u32;
    // The context outlives the call; the program writes descriptors into it.
    sys_bpf(bindings::bpf_cmd_BPF_PROG_TEST_RUN, &mut attr)?;
    // SAFETY: `BPF_PROG_TEST_RUN` wrote its result into the member we filled in.
    let retval = unsafe { attr.test.retval };
    // CAST: The program's `int` return value comes back as its bit pattern.
    Ok(retval as i32)
}
