// SPDX-License-Identifier: GPL-2.0
//! Opening and loading an object: the ctx, overrides, and the loader run
//! of `skel_internal.h`'s `bpf_load_and_run`.

use std::os::fd::{AsFd, OwnedFd};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::map::{GlobalData, Map};
use crate::prog::Program;
use crate::spec::{LoaderSpec, MapKind};
use crate::sys::{self, cmd, Attr};

/// Size of `struct bpf_loader_ctx`.
const CTX_HEADER: usize = 24;
/// Size of `struct bpf_map_desc`.
const MAP_DESC: usize = 16;
/// Size of `struct bpf_prog_desc`.
const PROG_DESC: usize = 4;

/// The loader ctx of `nmaps` maps and `nprogs` programs, as the generator's
/// `ctx` module lays it out: header, map descriptors, program descriptors,
/// the `u32` failed step.
struct Ctx {
    bytes: Vec<u8>,
    nmaps: usize,
}

impl Ctx {
    fn new(nmaps: usize, nprogs: usize) -> Self {
        let len = CTX_HEADER + nmaps * MAP_DESC + nprogs * PROG_DESC + 4;
        let mut c = Ctx {
            bytes: vec![0; len],
            nmaps,
        };
        // CAST: at most 256 maps and programs: the ctx is a few KiB.
        c.put_u32(0, len as u32);
        c
    }

    fn put_u32(&mut self, off: usize, v: u32) {
        self.bytes[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    }

    fn put_u64(&mut self, off: usize, v: u64) {
        self.bytes[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    }

    fn u32_at(&self, off: usize) -> u32 {
        let mut b = [0; 4];
        b.copy_from_slice(&self.bytes[off..off + 4]);
        u32::from_ne_bytes(b)
    }

    fn map_desc(i: usize) -> usize {
        CTX_HEADER + i * MAP_DESC
    }

    fn prog_desc(&self, j: usize) -> usize {
        CTX_HEADER + self.nmaps * MAP_DESC + j * PROG_DESC
    }

    fn failed_step(&self) -> u32 {
        self.u32_at(self.bytes.len() - 4)
    }
}

/// An object before load: what the loader will be given.
///
/// Set `max_entries` and initial values of maps and whether programs are
/// kept, then [`OpenObject::load`].
///
/// # Examples
///
/// ```no_run
/// # static SPEC: lskel::LoaderSpec = lskel::LoaderSpec {
/// #     insns: &[], data: &[], maps: &[], progs: &[], steps: &[], kconfig: &[],
/// # };
/// let mut open = lskel::OpenObject::new(&SPEC);
/// open.set_log_level(1);
/// let obj = open.load()?;
/// # Ok::<(), lskel::Error>(())
/// ```
#[derive(Debug)]
pub struct OpenObject {
    spec: &'static LoaderSpec,
    max_entries: Vec<u32>,
    initial: Vec<Option<Vec<u8>>>,
    autoload: Vec<bool>,
    log_level: u32,
}

/// One map of an [`OpenObject`]: settings the loader reads.
#[derive(Debug)]
pub struct OpenMap<'a> {
    obj: &'a mut OpenObject,
    index: usize,
}

/// One program of an [`OpenObject`].
#[derive(Debug)]
pub struct OpenProgram<'a> {
    obj: &'a mut OpenObject,
    index: usize,
}

impl OpenObject {
    /// Opens `spec`: nothing is created until [`load`](Self::load).
    pub fn new(spec: &'static LoaderSpec) -> Self {
        OpenObject {
            spec,
            max_entries: vec![0; spec.maps.len()],
            initial: vec![None; spec.maps.len()],
            autoload: vec![true; spec.progs.len()],
            log_level: 0,
        }
    }

    /// The object's spec.
    pub fn spec(&self) -> &'static LoaderSpec {
        self.spec
    }

    /// Asks the verifier for a log of every load (1: on failure, 2:
    /// everything); load errors then carry it ([`Error::log`]).
    pub fn set_log_level(&mut self, level: u32) {
        self.log_level = level;
    }

    /// Map `index` (ctx order); panics if there is no such map, which a
    /// generated skeleton never asks for.
    pub fn map(&mut self, index: usize) -> OpenMap<'_> {
        assert!(index < self.spec.maps.len(), "no map {index}");
        OpenMap { obj: self, index }
    }

    /// Program `index` (ctx order); panics if there is no such program.
    pub fn prog(&mut self, index: usize) -> OpenProgram<'_> {
        assert!(index < self.spec.progs.len(), "no program {index}");
        OpenProgram { obj: self, index }
    }

    /// The initial value of global data map `index` as it stands: the
    /// object's or the one set, as a fixed-size array for the typed
    /// structs' `from_bytes`.
    pub fn initial_array<const N: usize>(&self, index: usize) -> Result<[u8; N]> {
        let m = self
            .spec
            .maps
            .get(index)
            .ok_or_else(|| Error::invalid(format!("no map {index}")))?;
        let v: &[u8] = match &self.initial[index] {
            Some(v) => v,
            None => m
                .initial_value
                .ok_or_else(|| Error::invalid(format!("map `{}` has no initial value", m.name)))?,
        };
        v.try_into().map_err(|_| {
            Error::invalid(format!(
                "map `{}`: value of {} bytes, {N} asked",
                m.name,
                v.len()
            ))
        })
    }

    /// Sets the initial value of map `index`; it must be the map's value
    /// size.
    pub fn set_initial_value(&mut self, index: usize, value: &[u8]) -> Result<()> {
        self.map(index).set_initial_value(value)
    }

    /// Runs the loader: creates the maps, loads the programs, then drops the
    /// programs whose autoload is off and maps global data into memory.
    ///
    /// Like `bpf_load_and_run`: a loader map holding the blob, frozen; the
    /// loader as a sleepable `BPF_PROG_TYPE_SYSCALL` program with the map
    /// in its `fd_array`; `BPF_PROG_RUN` with the ctx. A failure names the
    /// loader's step, from the ctx's failed step and [`LoaderSpec::steps`].
    pub fn load(mut self) -> Result<Object> {
        let spec = self.spec;
        if let Some(k) = spec.maps.iter().position(|m| m.kind == MapKind::Kconfig) {
            if self.initial[k].is_none() {
                let size = spec.maps[k].value_size as usize;
                self.initial[k] = Some(crate::kconfig::host_values(spec.kconfig, size)?);
            }
        }
        // A perf event array declared without max_entries holds one entry
        // per possible CPU of this machine, as libbpf sizes it.
        for (m, o) in spec.maps.iter().zip(self.max_entries.iter_mut()) {
            if m.map_type == 4 && m.max_entries == 0 && *o == 0 {
                *o = possible_cpus()?;
            }
        }
        let (maps, progs) = run_loader(&self)?;
        let mut progs = progs;
        for (j, keep) in self.autoload.iter().enumerate() {
            if !keep {
                progs[j] = None;
            }
        }
        let max_entries = spec
            .maps
            .iter()
            .zip(&self.max_entries)
            .map(|(m, &o)| if o == 0 { m.max_entries } else { o })
            .collect();
        let mut globals = Vec::with_capacity(maps.len());
        for (i, fd) in maps.iter().enumerate() {
            globals.push(GlobalData::map(&spec.maps[i], fd.as_fd())?);
        }
        Ok(Object {
            links: Vec::new(),
            globals,
            progs,
            maps,
            max_entries,
            spec,
        })
    }
}

impl OpenMap<'_> {
    /// The map's name.
    pub fn name(&self) -> &'static str {
        self.obj.spec.maps[self.index].name
    }

    /// Overrides `max_entries` (0 keeps the object's).
    pub fn set_max_entries(&mut self, n: u32) {
        self.obj.max_entries[self.index] = n;
    }

    /// Sets the contents the loader writes into the map at creation, for
    /// global data (`.rodata` before it is frozen, `.data`, `.bss`,
    /// `.kconfig`); `value` must be the map's value size.
    pub fn set_initial_value(&mut self, value: &[u8]) -> Result<()> {
        let m = &self.obj.spec.maps[self.index];
        if m.initial_value.is_none() && m.kind != MapKind::Kconfig {
            return Err(Error::invalid(format!(
                "map `{}` takes no initial value: it is not global data",
                m.name
            )));
        }
        if value.len() != m.value_size as usize {
            return Err(Error::invalid(format!(
                "map `{}`: initial value of {} bytes, the value size is {}",
                m.name,
                value.len(),
                m.value_size
            )));
        }
        self.obj.initial[self.index] = Some(value.to_vec());
        Ok(())
    }
}

impl OpenProgram<'_> {
    /// The program's name.
    pub fn name(&self) -> &'static str {
        self.obj.spec.progs[self.index].name
    }

    /// Whether the program is kept after load (default: yes).
    ///
    /// The loader is made ahead of time and loads every program, so a
    /// program turned off here is still verified: it is closed right after
    /// load and never attached. (libbpf skips its load instead.)
    pub fn set_autoload(&mut self, keep: bool) {
        self.obj.autoload[self.index] = keep;
    }
}

/// Runs the loader of `open`; returns the map and program fds.
fn run_loader(open: &OpenObject) -> Result<(Vec<OwnedFd>, Vec<Option<OwnedFd>>)> {
    let spec = open.spec;
    let fail = |step: &'static str| {
        move |source| Error::Loader {
            step,
            source,
            log: String::new(),
        }
    };
    let (nmaps, nprogs) = (spec.maps.len(), spec.progs.len());
    let map = loader_map(spec.data).map_err(fail("failed to create loader map"))?;
    let mut log = vec![0u8; if open.log_level > 0 { 16 << 20 } else { 0 }];
    let log_ptr = if log.is_empty() {
        std::ptr::null_mut()
    } else {
        log.as_mut_ptr()
    };
    let mut ctx = Ctx::new(nmaps, nprogs);
    ctx.put_u32(8, open.log_level);
    // CAST: 16 MiB fits a `u32`.
    ctx.put_u32(12, log.len() as u32);
    // CAST: the kernel takes user pointers as `__u64`.
    ctx.put_u64(16, log_ptr as usize as u64);
    for i in 0..nmaps {
        ctx.put_u32(Ctx::map_desc(i) + 4, open.max_entries[i]);
        if let Some(v) = &open.initial[i] {
            // CAST: as above; `v` outlives the loader run.
            ctx.put_u64(Ctx::map_desc(i) + 8, v.as_ptr() as usize as u64);
        }
    }
    let map_fd = std::os::fd::AsRawFd::as_raw_fd(&map);
    let license = c"Dual BSD/GPL";
    let mut a = Attr::default();
    a.u32(0, sys::PROG_TYPE_SYSCALL)
        // CAST: the generator bounds the loader far below 4G instructions.
        .u32(4, (spec.insns.len() / 8) as u32)
        .ptr(8, spec.insns.as_ptr())
        .ptr(16, license.as_ptr())
        .u32(24, open.log_level)
        .u32(28, log.len() as u32)
        .ptr(32, log_ptr)
        .u32(44, sys::F_SLEEPABLE)
        .name(48, "__loader.prog")
        .ptr(120, &map_fd);
    let prog = sys::bpf_fd(cmd::PROG_LOAD, &mut a).map_err(|source| Error::Loader {
        step: "failed to load loader prog",
        source,
        log: c_string(&log),
    })?;
    let mut a = Attr::default();
    // CAST: the ctx is a few KiB.
    a.fd(0, prog.as_fd())
        .u32(40, ctx.bytes.len() as u32)
        .ptr(48, ctx.bytes.as_mut_ptr());
    sys::bpf(cmd::PROG_RUN, &mut a).map_err(fail("failed to execute loader prog"))?;
    // CAST: the loader returns 0 or a negative errno in its `u32` retval.
    let ret = a.get_u32(4) as i32;
    drop(prog);
    drop(map);
    if ret < 0 {
        let index = ctx.failed_step();
        let step = index
            .checked_sub(1)
            .and_then(|k| spec.steps.get(k as usize))
            .copied()
            .unwrap_or("unknown step");
        return Err(Error::LoaderStep {
            index,
            step,
            source: std::io::Error::from_raw_os_error(-ret),
            log: c_string(&log),
        });
    }
    let take = |off: usize| -> Result<OwnedFd> {
        // CAST: the loader stores `int` fds.
        let fd = ctx.u32_at(off) as i32;
        if fd < 0 {
            return Err(Error::invalid(format!("the loader returned fd {fd}")));
        }
        // SAFETY: A successful loader opened every map and program fd in
        // this process and handed each over through its own ctx slot, read
        // once here.
        Ok(unsafe { sys::own_loader_fd(fd) })
    };
    let maps = (0..nmaps)
        .map(|i| take(Ctx::map_desc(i)))
        .collect::<Result<Vec<_>>>()?;
    // A program the loader does not load (a `?` section: autoload off
    // when the skeleton was generated) keeps -1.
    let progs = (0..nprogs)
        .map(|j| match ctx.u32_at(ctx.prog_desc(j)) as i32 {
            -1 => Ok(None),
            _ => take(ctx.prog_desc(j)).map(Some),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((maps, progs))
}

/// The loader map: one array slot holding the blob, frozen.
fn loader_map(data: &[u8]) -> std::io::Result<OwnedFd> {
    let mut a = Attr::default();
    // CAST: the generator bounds the blob to 4 MiB.
    a.u32(0, sys::MAP_TYPE_ARRAY)
        .u32(4, 4)
        .u32(8, data.len() as u32)
        .u32(12, 1)
        .name(28, "__loader.map");
    let map = sys::bpf_fd(cmd::MAP_CREATE, &mut a)?;
    let key = 0u32;
    let mut a = Attr::default();
    a.fd(0, map.as_fd())
        .ptr(8, &key)
        .ptr(16, data.as_ptr())
        .u64(24, 0);
    sys::bpf(cmd::MAP_UPDATE_ELEM, &mut a)?;
    let mut a = Attr::default();
    a.fd(0, map.as_fd());
    sys::bpf(cmd::MAP_FREEZE, &mut a)?;
    Ok(map)
}

fn c_string(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// A loaded object: it owns every map, program and link fd and closes them
/// when dropped (links first, so programs are detached).
///
/// # Examples
///
/// ```no_run
/// # static SPEC: lskel::LoaderSpec = lskel::LoaderSpec {
/// #     insns: &[], data: &[], maps: &[], progs: &[], steps: &[], kconfig: &[],
/// # };
/// let mut obj = lskel::OpenObject::new(&SPEC).load()?;
/// obj.attach_all()?;
/// for key in obj.map(0).keys() {
///     println!("{:?}", obj.map(0).lookup(&key?)?);
/// }
/// # Ok::<(), lskel::Error>(())
/// ```
#[derive(Debug)]
pub struct Object {
    // Fields drop in order: links, then mappings, programs and maps.
    links: Vec<Link>,
    globals: Vec<Option<GlobalData>>,
    progs: Vec<Option<OwnedFd>>,
    maps: Vec<OwnedFd>,
    max_entries: Vec<u32>,
    spec: &'static LoaderSpec,
}

impl Object {
    /// The object's spec.
    pub fn spec(&self) -> &'static LoaderSpec {
        self.spec
    }

    /// Map `index` (ctx order); panics if there is no such map, which a
    /// generated skeleton never asks for.
    pub fn map(&self, index: usize) -> Map<'_> {
        Map::new(
            &self.spec.maps[index],
            self.maps[index].as_fd(),
            self.max_entries[index],
        )
    }

    /// Program `index` (ctx order); an error if its autoload was off.
    pub fn prog(&self, index: usize) -> Result<Program<'_>> {
        let spec = &self.spec.progs[index];
        let fd = self.progs[index].as_ref().ok_or_else(|| {
            Error::invalid(format!(
                "program `{}` was not kept: its autoload was off",
                spec.name
            ))
        })?;
        Ok(Program::new(spec, fd.as_fd()))
    }

    /// The memory-mapped value of global data map `index`, if it is
    /// mmapable (every global data map with non-static variables is).
    pub fn global(&self, index: usize) -> Option<&GlobalData> {
        self.globals.get(index)?.as_ref()
    }

    /// The same, writable; `None` for a frozen map (`.rodata`, `.kconfig`).
    pub fn global_mut(&mut self, index: usize) -> Option<&mut GlobalData> {
        self.globals
            .get_mut(index)?
            .as_mut()
            .filter(|g| g.writable())
    }

    /// A copy of global data map `index`'s value, for the typed structs'
    /// `from_bytes`: from its mapping, else by lookup.
    pub fn global_value<const N: usize>(&self, index: usize) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        match self.global(index) {
            Some(g) => g.read(0, &mut out)?,
            None => {
                let v = self.map(index).lookup(&0u32.to_ne_bytes())?;
                let v = v.ok_or_else(|| Error::invalid("no value at key 0"))?;
                if v.len() != N {
                    return Err(Error::invalid(format!(
                        "value of {} bytes, {N} asked",
                        v.len()
                    )));
                }
                out.copy_from_slice(&v);
            }
        }
        Ok(out)
    }

    /// Writes global data map `index`'s value (`.data`, `.bss`).
    pub fn set_global_value(&mut self, index: usize, value: &[u8]) -> Result<()> {
        match self.global_mut(index) {
            Some(g) => g.write(0, value),
            None => self
                .map(index)
                .update(&0u32.to_ne_bytes(), value, crate::UpdateFlags::Any),
        }
    }

    /// Attaches every kept program whose section says where without more
    /// arguments (iterators, raw and perf tracepoints, kprobes, tracing);
    /// the links live until [`detach_all`](Self::detach_all) or drop.
    /// Attaches nothing if one fails.
    pub fn attach_all(&mut self) -> Result<()> {
        let mut links = Vec::new();
        for j in 0..self.progs.len() {
            let Ok(p) = self.prog(j) else { continue };
            if p.attaches_by_itself() {
                links.push(p.attach()?);
            }
        }
        self.links.extend(links);
        Ok(())
    }

    /// Keeps a link with the object, to detach it with the others.
    pub fn keep_link(&mut self, link: Link) {
        self.links.push(link);
    }

    /// The links [`attach_all`](Self::attach_all) made or that were kept.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Detaches every link the object holds.
    pub fn detach_all(&mut self) {
        self.links.clear();
    }
}

/// The number of possible CPUs, from `/sys/devices/system/cpu/possible`
/// (a list such as `0-3,6`).
fn possible_cpus() -> Result<u32> {
    let path = "/sys/devices/system/cpu/possible";
    let text = std::fs::read_to_string(path).map_err(|e| Error::invalid(format!("{path}: {e}")))?;
    let bad = || Error::invalid(format!("{path}: not a CPU list: {}", text.trim()));
    let mut n = 0u32;
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: u32 = a.parse().map_err(|_| bad())?;
        let b: u32 = b.parse().map_err(|_| bad())?;
        n = n
            .checked_add(b.checked_sub(a).ok_or_else(bad)? + 1)
            .ok_or_else(bad)?;
    }
    if n == 0 {
        return Err(bad());
    }
    Ok(n)
}
