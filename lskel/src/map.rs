// SPDX-License-Identifier: GPL-2.0
//! Map handles (`BPF_MAP_*` commands) and memory-mapped global data.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::spec::{MapKind, MapSpec};
use crate::sys::{self, cmd, Attr, Mmap};

/// `BPF_MAP_UPDATE_ELEM` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateFlags {
    /// `BPF_ANY`: create or replace.
    Any,
    /// `BPF_NOEXIST`: create only.
    NoExist,
    /// `BPF_EXIST`: replace only.
    Exist,
}

/// `BPF_MAP_TYPE_*` whose values are per CPU.
fn per_cpu(map_type: u32) -> bool {
    // PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE.
    matches!(map_type, 5 | 6 | 10 | 21)
}

/// The number of possible CPUs, as `/sys/devices/system/cpu/possible`
/// lists them (`0-3,5`), which per-CPU values are sized by.
pub fn possible_cpus() -> Result<usize> {
    let path = "/sys/devices/system/cpu/possible";
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut n = 0;
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: usize = a
            .parse()
            .map_err(|_| Error::invalid(format!("{path}: `{text}`")))?;
        let b: usize = b
            .parse()
            .map_err(|_| Error::invalid(format!("{path}: `{text}`")))?;
        n = n.max(b + 1).max(a + 1);
    }
    Ok(n)
}

/// What the kernel says about a map (`struct bpf_map_info`, in part).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapInfo {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Kernel id.
    pub id: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// `max_entries`.
    pub max_entries: u32,
    /// `map_flags`.
    pub map_flags: u32,
    /// Name (at most 15 bytes).
    pub name: String,
}

/// A map of a loaded [`crate::Object`], borrowed from it.
///
/// # Examples
///
/// ```no_run
/// # fn f(map: lskel::Map<'_>) -> lskel::Result<()> {
/// let key = 1u32.to_ne_bytes();
/// map.update(&key, &7u64.to_ne_bytes(), lskel::UpdateFlags::Any)?;
/// assert_eq!(map.lookup(&key)?, Some(7u64.to_ne_bytes().to_vec()));
/// map.delete(&key)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Map<'a> {
    spec: &'static MapSpec,
    fd: BorrowedFd<'a>,
    max_entries: u32,
}

impl<'a> Map<'a> {
    pub(crate) fn new(spec: &'static MapSpec, fd: BorrowedFd<'a>, max_entries: u32) -> Self {
        Map {
            spec,
            fd,
            max_entries,
        }
    }

    /// The map's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// Its spec.
    pub fn spec(&self) -> &'static MapSpec {
        self.spec
    }

    /// `max_entries` as created (the override, if one was set).
    pub fn max_entries(&self) -> u32 {
        self.max_entries
    }

    /// The map's fd, borrowed.
    pub fn fd(&self) -> BorrowedFd<'a> {
        self.fd
    }

    fn err(&self, op: &'static str) -> impl FnOnce(io::Error) -> Error + '_ {
        move |source| Error::Map {
            map: self.spec.name.to_string(),
            op,
            source,
        }
    }

    fn check(&self, what: &str, got: usize, want: usize) -> Result<()> {
        if got == want {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "map `{}`: {what} of {got} bytes, the map's is {want}",
                self.spec.name
            )))
        }
    }

    /// The size of a value as lookups return it: the value size, or for
    /// per-CPU maps one 8-byte aligned value per possible CPU.
    pub fn value_len(&self) -> Result<usize> {
        let v = self.spec.value_size as usize;
        if per_cpu(self.spec.map_type) {
            Ok(v.div_ceil(8) * 8 * possible_cpus()?)
        } else {
            Ok(v)
        }
    }

    /// The value at `key`, or `None` if there is none.
    pub fn lookup(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check("key", key.len(), self.spec.key_size as usize)?;
        let mut v = vec![0u8; self.value_len()?];
        let mut a = Attr::default();
        a.fd(0, self.fd)
            .ptr(8, key.as_ptr())
            .ptr(16, v.as_mut_ptr());
        match sys::bpf(cmd::MAP_LOOKUP_ELEM, &mut a) {
            Ok(_) => Ok(Some(v)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(self.err("lookup")(e)),
        }
    }

    /// Stores `value` at `key`.
    pub fn update(&self, key: &[u8], value: &[u8], flags: UpdateFlags) -> Result<()> {
        self.check("key", key.len(), self.spec.key_size as usize)?;
        self.check("value", value.len(), self.value_len()?)?;
        let f = match flags {
            UpdateFlags::Any => 0,
            UpdateFlags::NoExist => 1,
            UpdateFlags::Exist => 2,
        };
        let mut a = Attr::default();
        a.fd(0, self.fd)
            .ptr(8, key.as_ptr())
            .ptr(16, value.as_ptr())
            .u64(24, f);
        sys::bpf(cmd::MAP_UPDATE_ELEM, &mut a)
            .map(drop)
            .map_err(self.err("update"))
    }

    /// Deletes the value at `key`; deleting a missing key is an error
    /// (`ENOENT`), as the kernel says.
    pub fn delete(&self, key: &[u8]) -> Result<()> {
        self.check("key", key.len(), self.spec.key_size as usize)?;
        let mut a = Attr::default();
        a.fd(0, self.fd).ptr(8, key.as_ptr());
        sys::bpf(cmd::MAP_DELETE_ELEM, &mut a)
            .map(drop)
            .map_err(self.err("delete"))
    }

    /// The keys, in the kernel's order (`BPF_MAP_GET_NEXT_KEY`). Changing
    /// a hash map while iterating may restart or skip keys, as in libbpf.
    pub fn keys(&self) -> Keys<'a> {
        Keys {
            map: *self,
            prev: None,
            done: false,
        }
    }

    /// What the kernel says about the map.
    pub fn info(&self) -> Result<MapInfo> {
        let mut b = [0u8; 88];
        obj_info(self.fd, &mut b).map_err(self.err("get info"))?;
        Ok(MapInfo {
            map_type: u32_at(&b, 0),
            id: u32_at(&b, 4),
            key_size: u32_at(&b, 8),
            value_size: u32_at(&b, 12),
            max_entries: u32_at(&b, 16),
            map_flags: u32_at(&b, 20),
            name: c_name(&b[24..40]),
        })
    }
}

/// `BPF_OBJ_GET_INFO_BY_FD` into `buf`.
pub(crate) fn obj_info(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<()> {
    let mut a = Attr::default();
    // CAST: info structs are a few hundred bytes.
    a.fd(0, fd)
        .u32(4, buf.len() as u32)
        .ptr(8, buf.as_mut_ptr());
    sys::bpf(cmd::OBJ_GET_INFO_BY_FD, &mut a).map(drop)
}

pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&b[off..off + 4]);
    u32::from_ne_bytes(w)
}

pub(crate) fn c_name(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The keys of a map: [`Map::keys`].
#[derive(Debug)]
pub struct Keys<'a> {
    map: Map<'a>,
    prev: Option<Vec<u8>>,
    done: bool,
}

impl Iterator for Keys<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut next = vec![0u8; self.map.spec.key_size as usize];
        let mut a = Attr::default();
        a.fd(0, self.map.fd).ptr(16, next.as_mut_ptr());
        if let Some(p) = &self.prev {
            a.ptr(8, p.as_ptr());
        }
        match sys::bpf(cmd::MAP_GET_NEXT_KEY, &mut a) {
            Ok(_) => {
                self.prev = Some(next.clone());
                Some(Ok(next))
            }
            Err(e) => {
                self.done = true;
                if e.raw_os_error() == Some(libc::ENOENT) {
                    None
                } else {
                    Some(Err(self.map.err("get next key")(e)))
                }
            }
        }
    }
}

/// The value of a global data map (`.data`, `.bss`, `.rodata`, `.kconfig`),
/// mapped into memory: reads and writes reach the programs' variables
/// without system calls.
///
/// `.rodata` and `.kconfig` are frozen, so mapped read-only. BPF programs
/// may write the variables at any time: [`read`](Self::read) copies with
/// volatile loads, and the slices of [`as_slice`](Self::as_slice) are
/// snapshots only as far as nothing writes concurrently.
///
/// # Examples
///
/// ```no_run
/// # fn f(obj: &mut lskel::Object) -> lskel::Result<()> {
/// let mut v = [0u8; 4];
/// obj.global(2).expect("mmapable").read(0, &mut v)?;
/// obj.global_mut(2).expect("writable").write(0, &1u32.to_ne_bytes())?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct GlobalData {
    mmap: Mmap,
    size: usize,
    name: &'static str,
}

impl GlobalData {
    /// Maps map `fd` if `spec` is an mmapable global data map.
    pub(crate) fn map(spec: &'static MapSpec, fd: BorrowedFd<'_>) -> Result<Option<Self>> {
        if spec.kind == MapKind::Btf || spec.map_flags & sys::F_MMAPABLE == 0 {
            return Ok(None);
        }
        let size = spec.value_size as usize;
        let len = size.div_ceil(sys::page_size()) * sys::page_size();
        let writable = matches!(spec.kind, MapKind::Data | MapKind::Bss);
        let mmap =
            Mmap::new(fd, len.max(sys::page_size()), 0, writable).map_err(|source| Error::Map {
                map: spec.name.to_string(),
                op: "mmap",
                source,
            })?;
        Ok(Some(GlobalData {
            mmap,
            size,
            name: spec.name,
        }))
    }

    /// The value's size.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Whether it can be written (not frozen).
    pub fn writable(&self) -> bool {
        self.mmap.writable()
    }

    fn range(&self, offset: usize, n: usize) -> Result<()> {
        if offset.checked_add(n).is_some_and(|end| end <= self.size) {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "map `{}`: {n} bytes at {offset} outside its {} bytes",
                self.name, self.size
            )))
        }
    }

    /// Copies `out.len()` bytes at `offset` out of the mapping.
    pub fn read(&self, offset: usize, out: &mut [u8]) -> Result<()> {
        self.range(offset, out.len())?;
        let base = self.mmap.as_ptr();
        for (k, b) in out.iter_mut().enumerate() {
            // SAFETY: `offset + k < size <= len` by `range`, so the byte is
            // inside the live mapping, which `self` owns.
            *b = unsafe { base.add(offset + k).read_volatile() };
        }
        Ok(())
    }

    /// Copies `data` into the mapping at `offset`; an error for frozen maps.
    pub fn write(&mut self, offset: usize, data: &[u8]) -> Result<()> {
        if !self.writable() {
            return Err(Error::invalid(format!(
                "map `{}` is frozen: it cannot be written",
                self.name
            )));
        }
        self.range(offset, data.len())?;
        let base = self.mmap.as_ptr();
        for (k, &b) in data.iter().enumerate() {
            // SAFETY: In range (see `read`), and the mapping is writable.
            unsafe { base.add(offset + k).write_volatile(b) };
        }
        Ok(())
    }

    /// The value as a slice.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: The mapping is live for as long as `self`, at least `size`
        // bytes, and no `&mut` to it exists while `self` is borrowed shared.
        // BPF programs may change the bytes (see the type's docs).
        unsafe { std::slice::from_raw_parts(self.mmap.as_ptr(), self.size) }
    }

    /// The value as a mutable slice; `None` for frozen maps.
    pub fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        if !self.writable() {
            return None;
        }
        // SAFETY: As for `as_slice`; the mapping is writable and `&mut
        // self` makes this the only borrow.
        Some(unsafe { std::slice::from_raw_parts_mut(self.mmap.as_ptr(), self.size) })
    }
}

/// Duplicates a map's fd, `O_CLOEXEC`.
pub(crate) fn dup(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}
