// SPDX-License-Identifier: GPL-2.0
//! The object sets of the subcommands: the differential workload, many
//! trivial objects, and single objects named on the command line.

use std::os::fd::{AsFd, OwnedFd};

use crate::btf;
use crate::held::Held;
use crate::obj::{self, show, Kind, MapSpec, ProgSpec};
use crate::sys::SysError;

/// One workload map: its spec and how many elements to put in.
struct WlMap {
    name: &'static [u8],
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    fill: u32,
}

/// Maps of several types at fill levels 0, partial and full, so that
/// `cur_entries` (`bpf_map_sum_elem_count`, counted by hash maps) varies.
/// `wl_hash_partial` has the longest name the kernel takes: 15 bytes.
const WL_MAPS: &[WlMap] = &[
    WlMap {
        name: b"wl_array",
        map_type: obj::MAP_ARRAY,
        key_size: 4,
        value_size: 8,
        max_entries: 8,
        fill: 8,
    },
    WlMap {
        name: b"wl_hash_empty",
        map_type: obj::MAP_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        fill: 0,
    },
    WlMap {
        name: b"wl_hash_partial",
        map_type: obj::MAP_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        fill: 5,
    },
    WlMap {
        name: b"wl_hash_full",
        map_type: obj::MAP_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 16,
        fill: 16,
    },
    WlMap {
        name: b"wl_percpu_hash",
        map_type: obj::MAP_PERCPU_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 32,
        fill: 7,
    },
    WlMap {
        name: b"wl_lru_hash",
        map_type: obj::MAP_LRU_HASH,
        key_size: 4,
        value_size: 8,
        max_entries: 256,
        fill: 100,
    },
    WlMap {
        name: b"wl_queue",
        map_type: obj::MAP_QUEUE,
        key_size: 0,
        value_size: 4,
        max_entries: 16,
        fill: 3,
    },
    WlMap {
        name: b"wl_ringbuf",
        map_type: obj::MAP_RINGBUF,
        key_size: 0,
        value_size: 0,
        max_entries: 4096,
        fill: 0,
    },
    // No name at all: the row shows 16 blanks.
    WlMap {
        name: b"",
        map_type: obj::MAP_ARRAY,
        key_size: 4,
        value_size: 8,
        max_entries: 2,
        fill: 0,
    },
];

/// The array of maps (15-byte name) and its inner map.
const WL_OUTER: &[u8] = b"wl_array_of_map";
const WL_INNER: &[u8] = b"wl_inner";

/// Programs with BTF: object name, BTF function name. The target of the
/// fentry programs has a function name longer than 16 bytes, so
/// `progs.debug` must show more than `aux->name` can hold.
const WL_TARGET: (&[u8], &[u8]) = (b"wl_fentry_tgt", b"workload_fentry_target_function");
const WL_BTF_PROGS: &[(&[u8], &[u8])] = &[
    (b"wl_prog_15chars", b"btf_func_16chars"),
    (b"wl_btf_15", b"btf_func_15char"),
];
/// Programs without BTF: the 16-byte name is all there is.
const WL_PLAIN_PROGS: &[&[u8]] = &[b"wl_no_btf_15chr", b""];
/// The fentry programs on the target: one attached through a link, one only
/// loaded (its `dst_prog` still set).
const WL_FENTRY_LINKED: &[u8] = b"wl_fentry_link";
const WL_FENTRY_LOADED: &[u8] = b"wl_fentry_nolnk";

fn map_line(s: &MapSpec<'_>, filled: u32) -> String {
    format!(
        "{} type={} max_entries={} filled={filled}",
        show(s.name),
        obj::map_type_name(s.map_type),
        s.max_entries
    )
}

/// Creates, fills and reports one map.
fn add_map(h: &mut Held, spec: &MapSpec<'_>, fill: u32) -> Result<OwnedFd, SysError> {
    let fd = obj::map_create(spec)?;
    let what = format!("map {}", show(spec.name));
    for i in 0..fill {
        let value = u64::from(i) * 3 + 1;
        let v = value.to_ne_bytes();
        let value = &v[..spec.value_size as usize];
        let key = i.to_ne_bytes();
        let key = (spec.key_size > 0).then_some(&key[..]);
        obj::map_update(fd.as_fd(), &format!("{what} element {i}"), key, value)?;
    }
    let id = obj::id_of(fd.as_fd(), &what)?;
    let held = fd
        .try_clone()
        .map_err(|e| SysError::new("dup", &what, crate::sys::io_errno(&e)))?;
    h.add(Kind::Map, id, held, &map_line(spec, fill));
    Ok(fd)
}

fn add_btf(h: &mut Held, names: &[&[u8]]) -> Result<(OwnedFd, Vec<u32>), SysError> {
    let (blob, ids) = btf::funcs(names);
    let fd = obj::btf_load(&blob)?;
    let id = obj::btf_id_of(fd.as_fd())?;
    let funcs: Vec<String> = names.iter().map(|n| show(n)).collect();
    let dup = fd
        .try_clone()
        .map_err(|e| SysError::new("dup", "btf", crate::sys::io_errno(&e)))?;
    h.add(Kind::Btf, id, dup, &format!("funcs={}", funcs.join(",")));
    Ok((fd, ids))
}

/// Loads and reports one program; returns its fd and id.
fn add_prog(h: &mut Held, spec: &ProgSpec<'_>, extra: &str) -> Result<(OwnedFd, u32), SysError> {
    let fd = obj::prog_load(spec)?;
    let what = format!("prog {}", show(spec.name));
    let id = obj::id_of(fd.as_fd(), &what)?;
    let kind = if spec.prog_type == obj::PROG_TRACING {
        "tracing"
    } else {
        "socket_filter"
    };
    let dup = fd
        .try_clone()
        .map_err(|e| SysError::new("dup", &what, crate::sys::io_errno(&e)))?;
    h.add(
        Kind::Prog,
        id,
        dup,
        &format!("{} type={kind}{extra}", show(spec.name)),
    );
    Ok((fd, id))
}

/// An fentry program on `target` (function `func_id` of its BTF), attached
/// through a link when `attach`.
fn add_fentry(
    h: &mut Held,
    name: &[u8],
    target: (&OwnedFd, u32, u32),
    attach: bool,
) -> Result<(), SysError> {
    let (target_fd, target_id, func_id) = target;
    let spec = ProgSpec {
        name,
        prog_type: obj::PROG_TRACING,
        expected_attach_type: obj::TRACE_FENTRY,
        btf: None,
        attach_prog: Some((target_fd.as_fd(), func_id)),
    };
    let (fd, id) = add_prog(h, &spec, &format!(" attach=fentry target={target_id}"))?;
    if attach {
        let what = format!("fentry prog {}", show(name));
        let link = obj::raw_tp_open(fd.as_fd(), &what)?;
        let link_id = obj::id_of(link.as_fd(), &format!("link of {what}"))?;
        h.add(
            Kind::Link,
            link_id,
            link,
            &format!("fentry prog={id} target={target_id}"),
        );
    }
    Ok(())
}

/// The differential workload (see `WL_MAPS` and the program tables).
pub fn workload(h: &mut Held) -> Result<(), SysError> {
    for m in WL_MAPS {
        let spec = MapSpec {
            name: m.name,
            map_type: m.map_type,
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            inner_map: None,
        };
        add_map(h, &spec, m.fill)?;
    }
    let inner_spec = MapSpec {
        name: WL_INNER,
        map_type: obj::MAP_ARRAY,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        inner_map: None,
    };
    let inner = add_map(h, &inner_spec, 1)?;
    let outer_spec = MapSpec {
        name: WL_OUTER,
        map_type: obj::MAP_ARRAY_OF_MAPS,
        key_size: 4,
        value_size: 4,
        max_entries: 4,
        inner_map: Some(inner.as_fd()),
    };
    let outer = obj::map_create(&outer_spec)?;
    let inner_fd = (crate::sys::raw(inner.as_fd())).to_ne_bytes();
    obj::map_update(
        outer.as_fd(),
        &format!("map {} slot 0", show(WL_OUTER)),
        Some(&0u32.to_ne_bytes()),
        &inner_fd,
    )?;
    let outer_id = obj::id_of(outer.as_fd(), "map wl_array_of_map")?;
    h.add(Kind::Map, outer_id, outer, &map_line(&outer_spec, 1));

    let mut names = vec![WL_TARGET.1];
    names.extend(WL_BTF_PROGS.iter().map(|p| p.1));
    let (btf, func_ids) = add_btf(h, &names)?;
    let target_spec = ProgSpec {
        btf: Some((btf.as_fd(), func_ids[0])),
        ..ProgSpec::filter(WL_TARGET.0)
    };
    let (target, target_id) =
        add_prog(h, &target_spec, &format!(" btf_func={}", show(WL_TARGET.1)))?;
    for (p, &func_id) in WL_BTF_PROGS.iter().zip(&func_ids[1..]) {
        let spec = ProgSpec {
            btf: Some((btf.as_fd(), func_id)),
            ..ProgSpec::filter(p.0)
        };
        add_prog(h, &spec, &format!(" btf_func={}", show(p.1)))?;
    }
    for name in WL_PLAIN_PROGS {
        add_prog(h, &ProgSpec::filter(name), "")?;
    }
    add_fentry(h, WL_FENTRY_LINKED, (&target, target_id, func_ids[0]), true)?;
    add_fentry(
        h,
        WL_FENTRY_LOADED,
        (&target, target_id, func_ids[0]),
        false,
    )?;
    Ok(())
}

/// `many`: `progs` trivial socket filters and `maps` one-entry arrays; with
/// `with_btf` each program gets a BTF function name from one shared BTF.
pub fn many(h: &mut Held, progs: u32, maps: u32, with_btf: bool) -> Result<(), SysError> {
    // Every object is a descriptor until the end, plus a few of our own.
    crate::sys::raise_nofile(u64::from(progs) + u64::from(maps) + 64)?;
    let mut map_ids = Vec::new();
    for i in 0..maps {
        let name = format!("many_m{i}");
        let spec = MapSpec {
            value_size: 4,
            ..MapSpec::array(name.as_bytes(), 1)
        };
        let fd = obj::map_create(&spec)?;
        let id = obj::id_of(fd.as_fd(), &format!("map {name}"))?;
        h.add(Kind::Map, id, fd, &name);
        map_ids.push(id);
    }
    let btf = if with_btf && progs > 0 {
        let names: Vec<String> = (0..progs).map(|i| format!("many_function_{i}")).collect();
        let refs: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
        let (blob, ids) = btf::funcs(&refs);
        let fd = obj::btf_load(&blob)?;
        Some((fd, ids))
    } else {
        None
    };
    let mut prog_ids = Vec::new();
    for i in 0..progs {
        let name = format!("many_p{i}");
        let spec = ProgSpec {
            btf: btf.as_ref().map(|(fd, ids)| (fd.as_fd(), ids[i as usize])),
            ..ProgSpec::filter(name.as_bytes())
        };
        let fd = obj::prog_load(&spec)?;
        let id = obj::id_of(fd.as_fd(), &format!("prog {name}"))?;
        h.add(Kind::Prog, id, fd, &name);
        prog_ids.push(id);
    }
    let range = |ids: &[u32]| match (ids.first(), ids.last()) {
        (Some(a), Some(b)) => format!(" (ids {a}-{b})"),
        _ => String::new(),
    };
    h.summary(&format!(
        "many: {progs} progs{}, {maps} maps{}",
        range(&prog_ids),
        range(&map_ids)
    ));
    Ok(())
}

/// One object named on the `create` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A one-entry array map.
    Map(Vec<u8>),
    /// A socket filter without BTF.
    Prog(Vec<u8>),
    /// A socket filter whose own BTF names its function.
    BtfProg(Vec<u8>, Vec<u8>),
    /// BTF with one function, and no program.
    BtfFunc(Vec<u8>),
    /// fentry programs whose targets' descriptors are closed: one attached
    /// (the link holds the target), one only loaded (it holds its target).
    OrphanFentry,
}

pub fn create(h: &mut Held, specs: &[Spec]) -> Result<(), SysError> {
    for s in specs {
        match s {
            Spec::Map(name) => {
                add_map(h, &MapSpec::array(name, 1), 0)?;
            }
            Spec::Prog(name) => {
                add_prog(h, &ProgSpec::filter(name), "")?;
            }
            Spec::BtfProg(name, func) => {
                let (btf, ids) = add_btf(h, &[func])?;
                let spec = ProgSpec {
                    btf: Some((btf.as_fd(), ids[0])),
                    ..ProgSpec::filter(name)
                };
                add_prog(h, &spec, &format!(" btf_func={}", show(func)))?;
            }
            Spec::BtfFunc(func) => {
                add_btf(h, &[func])?;
            }
            Spec::OrphanFentry => orphan_fentry(h)?,
        }
    }
    Ok(())
}

fn orphan_fentry(h: &mut Held) -> Result<(), SysError> {
    for (target_name, func, fentry, attach) in [
        (
            &b"orphan_tgt_lnk"[..],
            &b"orphan_target_of_a_link"[..],
            &b"orphan_fentry_l"[..],
            true,
        ),
        (
            b"orphan_tgt",
            b"orphan_target_of_a_loaded_prog",
            b"orphan_fentry",
            false,
        ),
    ] {
        let (blob, ids) = btf::funcs(&[func]);
        let btf = obj::btf_load(&blob)?;
        let spec = ProgSpec {
            btf: Some((btf.as_fd(), ids[0])),
            ..ProgSpec::filter(target_name)
        };
        // Not held: only the fentry program (or its link) keeps it.
        let target = obj::prog_load(&spec)?;
        let what = format!("prog {}", show(target_name));
        let target_id = obj::id_of(target.as_fd(), &what)?;
        h.say(&format!(
            "prog {target_id} {} type=socket_filter btf_func={} released",
            show(target_name),
            show(func)
        ));
        add_fentry(h, fentry, (&target, target_id, ids[0]), attach)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_names_hit_the_limits() {
        assert!(WL_MAPS
            .iter()
            .any(|m| m.name.len() == obj::OBJ_NAME_LEN - 1));
        assert!(WL_MAPS.iter().any(|m| m.name.is_empty()));
        assert_eq!(WL_OUTER.len(), 15);
        assert_eq!(WL_BTF_PROGS[0].0.len(), 15);
        assert_eq!(WL_BTF_PROGS[0].1.len(), 16);
        assert_eq!(WL_BTF_PROGS[1].1.len(), 15);
        assert_eq!(WL_PLAIN_PROGS[0].len(), 15);
        assert_eq!(WL_FENTRY_LOADED.len(), 15);
        assert!(WL_TARGET.1.len() > obj::OBJ_NAME_LEN);
        // Every object name fits with its NUL and is one the kernel takes.
        let names = WL_MAPS
            .iter()
            .map(|m| m.name)
            .chain([
                WL_OUTER,
                WL_INNER,
                WL_TARGET.0,
                WL_FENTRY_LINKED,
                WL_FENTRY_LOADED,
            ])
            .chain(WL_BTF_PROGS.iter().map(|p| p.0))
            .chain(WL_PLAIN_PROGS.iter().copied());
        for n in names {
            assert!(n.len() < obj::OBJ_NAME_LEN, "{}", show(n));
            assert_eq!(show(n).starts_with('"'), n.is_empty(), "{}", show(n));
        }
    }

    #[test]
    fn fill_levels_cover_empty_partial_and_full() {
        let hashes = WL_MAPS.iter().filter(|m| m.map_type == obj::MAP_HASH);
        let fills: Vec<_> = hashes.map(|m| (m.fill, m.max_entries)).collect();
        assert!(fills.iter().any(|&(f, _)| f == 0));
        assert!(fills.iter().any(|&(f, m)| f > 0 && f < m));
        assert!(fills.iter().any(|&(f, m)| f == m));
        assert!(WL_MAPS.iter().all(|m| m.fill <= m.max_entries));
    }
}
