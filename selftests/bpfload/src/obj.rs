// SPDX-License-Identifier: GPL-2.0
//! BPF objects: create, fill, attach, pin, list. Each failure names the
//! command, the object and the errno.

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::sys::{bpf, bpf_fd, raw, Attr, Cmd, SysError};

/// `BPF_OBJ_NAME_LEN`: 15 name bytes and a NUL.
pub const OBJ_NAME_LEN: usize = 16;

pub const MAP_HASH: u32 = 1;
pub const MAP_ARRAY: u32 = 2;
pub const MAP_PERCPU_HASH: u32 = 5;
pub const MAP_LRU_HASH: u32 = 9;
pub const MAP_ARRAY_OF_MAPS: u32 = 12;
pub const MAP_QUEUE: u32 = 22;
pub const MAP_RINGBUF: u32 = 27;

pub const PROG_SOCKET_FILTER: u32 = 1;
pub const PROG_TRACING: u32 = 26;
pub const TRACE_FENTRY: u32 = 24;

/// `r0 = 0; exit`: valid for socket filters and fentry programs alike.
pub const RETURN_ZERO: [u64; 2] = [insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)];

/// One instruction in the kernel's in-memory layout (x86_64: registers in
/// the low nibble first).
pub const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> u64 {
    let off = off as u16 as u64;
    let imm = imm as u32 as u64;
    code as u64 | ((dst as u64 | ((src as u64) << 4)) << 8) | (off << 16) | (imm << 32)
}

/// A name as the tool shows it: bare when it only has the characters the
/// kernel accepts in object names, else quoted with C escapes.
pub fn show(name: &[u8]) -> String {
    if !name.is_empty()
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
    {
        return String::from_utf8_lossy(name).into_owned();
    }
    let mut s = String::from("\"");
    for &c in name {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

pub fn map_type_name(t: u32) -> &'static str {
    match t {
        MAP_HASH => "hash",
        MAP_ARRAY => "array",
        MAP_PERCPU_HASH => "percpu_hash",
        MAP_LRU_HASH => "lru_hash",
        MAP_ARRAY_OF_MAPS => "array_of_maps",
        MAP_QUEUE => "queue",
        MAP_RINGBUF => "ringbuf",
        _ => "other",
    }
}

/// What `BPF_MAP_CREATE` gets.
pub struct MapSpec<'a> {
    pub name: &'a [u8],
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub inner_map: Option<BorrowedFd<'a>>,
}

impl MapSpec<'_> {
    /// An array map of `max_entries` `u64` values.
    pub fn array(name: &[u8], max_entries: u32) -> MapSpec<'_> {
        MapSpec {
            name,
            map_type: MAP_ARRAY,
            key_size: 4,
            value_size: 8,
            max_entries,
            inner_map: None,
        }
    }
}

/// Creates a map. A name of 16 bytes or more is passed as its first 16 bytes
/// without a NUL, as a raw `bpf(2)` caller would (libbpf cuts it to 15).
pub fn map_create(spec: &MapSpec<'_>) -> Result<OwnedFd, SysError> {
    let mut attr = Attr::default()
        .u32(0, spec.map_type)
        .u32(4, spec.key_size)
        .u32(8, spec.value_size)
        .u32(12, spec.max_entries)
        .u32(20, spec.inner_map.map_or(0, raw))
        .bytes(28, OBJ_NAME_LEN, spec.name);
    bpf_fd(Cmd::MapCreate, &mut attr).map_err(|e| {
        SysError::new(
            Cmd::MapCreate.name(),
            &format!("map {}", show(spec.name)),
            e,
        )
    })
}

/// Updates (or, with `key` `None`, pushes to) a map.
pub fn map_update(
    map: BorrowedFd<'_>,
    what: &str,
    key: Option<&[u8]>,
    value: &[u8],
) -> Result<(), SysError> {
    let mut attr = Attr::default()
        .u32(0, raw(map))
        .ptr(16, value.as_ptr())
        .u64(24, 0);
    if let Some(k) = key {
        attr = attr.ptr(8, k.as_ptr());
    }
    bpf(Cmd::MapUpdateElem, &mut attr)
        .map(drop)
        .map_err(|e| SysError::new(Cmd::MapUpdateElem.name(), what, e))
}

/// Loads BTF; on failure fetches the kernel's log for the message.
pub fn btf_load(blob: &[u8]) -> Result<OwnedFd, SysError> {
    let attr = || {
        Attr::default()
            .ptr(0, blob.as_ptr())
            .u32(16, blob.len() as u32)
    };
    bpf_fd(Cmd::BtfLoad, &mut attr()).map_err(|e| {
        let mut err = SysError::new(Cmd::BtfLoad.name(), "btf", e);
        let mut log = vec![0u8; 64 * 1024];
        let mut with_log = attr()
            .ptr(8, log.as_mut_ptr())
            .u32(20, log.len() as u32)
            .u32(24, 1);
        if bpf_fd(Cmd::BtfLoad, &mut with_log).is_err() {
            err.log = c_text(&log);
        }
        err
    })
}

/// What `BPF_PROG_LOAD` gets.
pub struct ProgSpec<'a> {
    pub name: &'a [u8],
    pub prog_type: u32,
    pub expected_attach_type: u32,
    /// BTF and the type id of the program's `BTF_KIND_FUNC`.
    pub btf: Option<(BorrowedFd<'a>, u32)>,
    /// The program an fentry program attaches to, and its function's BTF id.
    pub attach_prog: Option<(BorrowedFd<'a>, u32)>,
}

impl ProgSpec<'_> {
    /// A socket filter returning 0, without BTF.
    pub fn filter(name: &[u8]) -> ProgSpec<'_> {
        ProgSpec {
            name,
            prog_type: PROG_SOCKET_FILTER,
            expected_attach_type: 0,
            btf: None,
            attach_prog: None,
        }
    }
}

/// Loads `r0 = 0; exit` as `spec` says; on failure fetches the verifier log.
pub fn prog_load(spec: &ProgSpec<'_>) -> Result<OwnedFd, SysError> {
    const LICENSE: &[u8] = b"GPL\0";
    // struct bpf_func_info: insn_off, type_id.
    let func_info: [u32; 2] = [0, spec.btf.map_or(0, |(_, id)| id)];
    let attr = || {
        let mut a = Attr::default()
            .u32(0, spec.prog_type)
            .u32(4, RETURN_ZERO.len() as u32)
            .ptr(8, RETURN_ZERO.as_ptr())
            .ptr(16, LICENSE.as_ptr())
            .bytes(48, OBJ_NAME_LEN, spec.name)
            .u32(68, spec.expected_attach_type);
        if let Some((btf, _)) = spec.btf {
            a = a
                .u32(72, raw(btf))
                .u32(76, 8)
                .ptr(80, func_info.as_ptr())
                .u32(88, 1);
        }
        if let Some((target, btf_id)) = spec.attach_prog {
            a = a.u32(108, btf_id).u32(112, raw(target));
        }
        a
    };
    bpf_fd(Cmd::ProgLoad, &mut attr()).map_err(|e| {
        let mut err = SysError::new(
            Cmd::ProgLoad.name(),
            &format!("prog {}", show(spec.name)),
            e,
        );
        let mut log = vec![0u8; 64 * 1024];
        let mut with_log = attr()
            .u32(24, 1)
            .u32(28, log.len() as u32)
            .ptr(32, log.as_mut_ptr());
        if bpf_fd(Cmd::ProgLoad, &mut with_log).is_err() {
            err.log = c_text(&log);
        }
        err
    })
}

/// Attaches a tracing program to the target it was loaded for; the link.
pub fn raw_tp_open(prog: BorrowedFd<'_>, what: &str) -> Result<OwnedFd, SysError> {
    let mut attr = Attr::default().u32(8, raw(prog));
    bpf_fd(Cmd::RawTracepointOpen, &mut attr)
        .map_err(|e| SysError::new(Cmd::RawTracepointOpen.name(), what, e))
}

/// Pins an object at `path` in a bpffs.
pub fn pin(fd: BorrowedFd<'_>, path: &str) -> Result<(), SysError> {
    let c = CString::new(path)
        .map_err(|_| SysError::new(Cmd::ObjPin.name(), &format!("path {path:?}"), 22))?;
    let mut attr = Attr::default().ptr(0, c.as_ptr()).u32(8, raw(fd));
    bpf(Cmd::ObjPin, &mut attr)
        .map(drop)
        .map_err(|e| SysError::new(Cmd::ObjPin.name(), path, e))
}

/// The object kinds `BPF_*_GET_NEXT_ID` walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Prog,
    Map,
    Link,
    Btf,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Prog, Kind::Map, Kind::Link, Kind::Btf];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Prog => "prog",
            Kind::Map => "map",
            Kind::Link => "link",
            Kind::Btf => "btf",
        }
    }

    fn next_id_cmd(self) -> Cmd {
        match self {
            Kind::Prog => Cmd::ProgGetNextId,
            Kind::Map => Cmd::MapGetNextId,
            Kind::Link => Cmd::LinkGetNextId,
            Kind::Btf => Cmd::BtfGetNextId,
        }
    }
}

/// Every id of `kind` in the kernel, ascending.
pub fn ids(kind: Kind) -> Result<Vec<u32>, SysError> {
    let cmd = kind.next_id_cmd();
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let mut attr = Attr::default().u32(0, start);
        match bpf(cmd, &mut attr) {
            Ok(_) => {
                start = attr.get_u32(4);
                out.push(start);
            }
            Err(2) => return Ok(out),
            Err(e) => {
                return Err(SysError::new(
                    cmd.name(),
                    &format!("{} after id {start}", kind.name()),
                    e,
                ))
            }
        }
    }
}

/// The name of program or map `id`, `None` when it is gone.
pub fn name_by_id(kind: Kind, id: u32) -> Result<Option<Vec<u8>>, SysError> {
    let (cmd, name_off) = match kind {
        Kind::Prog => (Cmd::ProgGetFdById, 64),
        Kind::Map => (Cmd::MapGetFdById, 24),
        _ => unreachable!("only programs and maps have names"),
    };
    let what = format!("{} {id}", kind.name());
    let mut attr = Attr::default().u32(0, id);
    let fd = match bpf_fd(cmd, &mut attr) {
        Ok(fd) => fd,
        Err(2) => return Ok(None),
        Err(e) => return Err(SysError::new(cmd.name(), &what, e)),
    };
    let info = info(fd.as_fd(), &what)?;
    Ok(Some(
        c_bytes(&info[name_off..name_off + OBJ_NAME_LEN]).to_vec(),
    ))
}

/// The `bpf_*_info` of an object: 256 bytes, zero past what the kernel knows.
pub fn info(fd: BorrowedFd<'_>, what: &str) -> Result<[u8; 256], SysError> {
    let mut buf = [0u8; 256];
    let mut attr = Attr::default()
        .u32(0, raw(fd))
        .u32(4, buf.len() as u32)
        .ptr(8, buf.as_mut_ptr());
    bpf(Cmd::ObjGetInfoByFd, &mut attr)
        .map_err(|e| SysError::new(Cmd::ObjGetInfoByFd.name(), what, e))?;
    Ok(buf)
}

/// The id of a program, map or link (all keep it at offset 4 of their info).
pub fn id_of(fd: BorrowedFd<'_>, what: &str) -> Result<u32, SysError> {
    let i = info(fd, what)?;
    Ok(u32::from_ne_bytes([i[4], i[5], i[6], i[7]]))
}

/// The id of a BTF object (offset 12 of `struct bpf_btf_info`).
pub fn btf_id_of(fd: BorrowedFd<'_>) -> Result<u32, SysError> {
    let i = info(fd, "btf")?;
    Ok(u32::from_ne_bytes([i[12], i[13], i[14], i[15]]))
}

/// The bytes before the first NUL.
pub fn c_bytes(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

fn c_text(b: &[u8]) -> String {
    String::from_utf8_lossy(c_bytes(b)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_zero_encodes_as_the_kernel_reads_it() {
        assert_eq!(
            RETURN_ZERO.map(u64::to_le_bytes),
            [[0xb7, 0, 0, 0, 0, 0, 0, 0], [0x95, 0, 0, 0, 0, 0, 0, 0]]
        );
        // r1 = r10 + -8 style fields: dst low nibble, src high, off, imm.
        assert_eq!(
            insn(0x07, 1, 10, -8, -1).to_le_bytes(),
            [0x07, 0xa1, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn names_show_bare_or_escaped() {
        assert_eq!(show(b"wl_hash.full_15"), "wl_hash.full_15");
        assert_eq!(show(b""), "\"\"");
        assert_eq!(show(b"a%b"), "\"a%b\"");
        assert_eq!(show(b"a\nb"), "\"a\\nb\"");
        assert_eq!(show("caf\u{e9}".as_bytes()), "\"caf\\xc3\\xa9\"");
        assert_eq!(show(b"q\"\\"), "\"q\\\"\\\\\"");
    }

    #[test]
    fn c_bytes_stops_at_nul() {
        assert_eq!(c_bytes(b"abc\0def"), b"abc");
        assert_eq!(c_bytes(b"abc"), b"abc");
    }
}
