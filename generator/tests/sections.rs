// SPDX-License-Identifier: GPL-2.0
//! libbpf's section table end to end: `corpus/sections.bpf.c` holds one
//! program per section family this host loads without attaching, and is
//! planned, loaded by bpftool's light skeleton loader and by ours, and
//! compared; synthetic objects cover the families this host cannot load
//! and the sections a light skeleton refuses.
//!
//! The kernel doesn't report expected attach types or load flags, so those
//! are compared in the loaders' `BPF_PROG_LOAD` attributes; the corpus
//! programs are written so that a wrong expected attach type or a missing
//! sleepable flag also fails their load, which `wrong_requests_fail`
//! checks. Kernel-tier tests need root and `bpf()`: without them they print
//! why on stderr and return.

mod common;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use bpf_lskel::btf::{KIND_FUNC, KIND_TYPEDEF};
use bpf_lskel::ctx::{self, CtxBuf};
use bpf_lskel::insn::encode_all;
use bpf_lskel::plan::ProgPlan;
use bpf_lskel::progtype::*;
use bpf_lskel::runner::{self, Attr};
use bpf_lskel::sections::Attach;
use bpf_lskel::{generate, Endian, Plan};
use common::harness::{require_kernel, Skip};
use common::synth;
use object::SectionKind;

/// Whether the kernel tier can run; says why not on stderr.
fn kernel() -> bool {
    match require_kernel() {
        Ok(()) => true,
        Err(Skip(why)) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// Serialises the kernel-tier tests of this binary.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn corpus_plan(suffix: &str) -> Plan {
    let obj = common::corpus_file(&format!("sections.{suffix}"));
    Plan::build(&obj, "sections").unwrap_or_else(|e| panic!("sections.{suffix}: {e}"))
}

/// The host's byte order's object: a loader is made from its own.
fn host_plan() -> Plan {
    corpus_plan(match Endian::host() {
        Endian::Little => "bpf.o",
        Endian::Big => "bpfeb.o",
    })
}

fn bpftool() -> common::Lskel {
    let text = String::from_utf8(common::corpus_file("sections.lskel.h")).unwrap();
    common::parse_lskel(&text)
}

/// `union bpf_attr` offsets of `BPF_PROG_LOAD` (UAPI).
mod attr {
    pub const INSN_CNT: usize = 4;
    pub const PROG_FLAGS: usize = 44;
    pub const PROG_NAME: usize = 48;
    pub const EXPECTED_ATTACH_TYPE: usize = 68;
    pub const FUNC_INFO_CNT: usize = 88;
    pub const LINE_INFO_CNT: usize = 104;
    pub const CORE_RELO_CNT: usize = 116;
    /// Bytes read here from an attribute.
    pub const READ: usize = CORE_RELO_CNT + 4;
}

/// The `BPF_PROG_LOAD` attribute of program `name` of type `prog_type` in
/// a loader blob (both loaders lay it out whole before running): its
/// offset, or `None` if the loader never loads the program.
fn find_attr(blob: &[u8], name: &str, prog_type: u32) -> Option<usize> {
    let mut field = [0u8; 16];
    let n = name.len().min(15);
    field[..n].copy_from_slice(&name.as_bytes()[..n]);
    (0..=blob.len().saturating_sub(attr::READ)).find(|&a| {
        blob[a + attr::PROG_NAME..a + attr::PROG_NAME + 16] == field && u32_at(blob, a) == prog_type
    })
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_ne_bytes(b[o..o + 4].try_into().unwrap())
}

/// (expected attach type, prog_flags) a loader asks for `name`.
fn prog_load_attr(blob: &[u8], name: &str, prog_type: u32) -> Option<(u32, u32)> {
    find_attr(blob, name, prog_type).map(|a| {
        (
            u32_at(blob, a + attr::EXPECTED_ATTACH_TYPE),
            u32_at(blob, a + attr::PROG_FLAGS),
        )
    })
}

/// What libbpf's gen_loader asks the kernel to load for one program.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    expected_attach_type: u32,
    prog_flags: u32,
    /// The instructions, as loaded.
    insns: Vec<u8>,
    /// `bpf_func_info` records: (insn_off, type_id).
    func_info: Vec<(u32, u32)>,
    /// `bpf_line_info` records: (insn_off, line_col); string offsets
    /// differ (we rebuild the string section).
    line_info: Vec<(u32, u32)>,
}

/// The request of program `name` in a blob of libbpf's gen_loader, whose
/// `bpf_gen__prog_load` adds the instructions, func info, line info, CO-RE
/// records and then the attribute, each padded to 8 bytes.
fn their_request(blob: &[u8], name: &str, prog_type: u32) -> Option<Request> {
    let a = find_attr(blob, name, prog_type)?;
    let pad = |n: usize| n.div_ceil(8) * 8;
    let ninsns = u32_at(blob, a + attr::INSN_CNT) as usize;
    let nfunc = u32_at(blob, a + attr::FUNC_INFO_CNT) as usize;
    let nline = u32_at(blob, a + attr::LINE_INFO_CNT) as usize;
    let ncore = u32_at(blob, a + attr::CORE_RELO_CNT) as usize;
    let core = a - pad(ncore * 16);
    let line = core - pad(nline * 16);
    let func = line - pad(nfunc * 8);
    let insns = func - ninsns * 8;
    Some(Request {
        expected_attach_type: u32_at(blob, a + attr::EXPECTED_ATTACH_TYPE),
        prog_flags: u32_at(blob, a + attr::PROG_FLAGS),
        insns: blob[insns..func].to_vec(),
        func_info: (0..nfunc)
            .map(|i| (u32_at(blob, func + 8 * i), u32_at(blob, func + 8 * i + 4)))
            .collect(),
        line_info: (0..nline)
            .map(|i| {
                (
                    u32_at(blob, line + 16 * i),
                    u32_at(blob, line + 16 * i + 12),
                )
            })
            .collect(),
    })
}

/// Our request for a planned program, in the same terms.
fn our_request(p: &ProgPlan) -> Request {
    Request {
        expected_attach_type: p.expected_attach_type,
        prog_flags: p.prog_flags,
        insns: encode_all(&p.insns, Endian::Little),
        func_info: p
            .func_info
            .iter()
            .map(|f| (f.insn_off, f.type_id))
            .collect(),
        line_info: p
            .line_info
            .iter()
            .map(|l| (l.insn_off, l.line_col))
            .collect(),
    }
}

/// Every program, in order, is what libbpf's loader asks the kernel for:
/// type, expected attach type, flags, instructions, func and line info,
/// attach target; autoload-off programs are listed and not loaded.
#[test]
fn plan_matches_bpftool_requests() {
    let theirs = bpftool();
    let plan = corpus_plan("bpf.o");
    let names: Vec<&str> = plan.progs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, theirs.progs, "bpftool lists other programs");
    assert!(plan.maps.is_empty() && theirs.maps.is_empty());
    let mut off = 0;
    for p in &plan.progs {
        let t = their_request(&theirs.data, &p.name, p.prog_type);
        if !p.autoload {
            off += 1;
            assert_eq!(t, None, "bpftool's loader loads autoload-off `{}`", p.name);
            continue;
        }
        let t = t.unwrap_or_else(|| {
            panic!(
                "bpftool's loader loads no `{}` of type {}",
                p.name,
                prog_type_name(p.prog_type)
            )
        });
        assert_eq!(
            our_request(p),
            t,
            "`{}` in `{}`: ours (left) and bpftool's (right) differ",
            p.name,
            p.section
        );
        if let Some((target, _)) = &p.attach_target {
            assert!(
                theirs
                    .data
                    .windows(target.len() + 1)
                    .any(|w| w[..target.len()] == *target.as_bytes() && w[target.len()] == 0),
                "libbpf resolves another attach target than {target}"
            );
        }
    }
    assert_eq!(off, 2, "the corpus has two autoload-off programs");
    // The big-endian object plans alike.
    let be = corpus_plan("bpfeb.o");
    let key = |p: &ProgPlan| {
        (
            p.name.clone(),
            p.section.clone(),
            p.prog_type,
            p.expected_attach_type,
            p.prog_flags,
            p.autoload,
            p.attach,
            p.attach_target.clone(),
        )
    };
    assert_eq!(
        plan.progs.iter().map(key).collect::<Vec<_>>(),
        be.progs.iter().map(key).collect::<Vec<_>>()
    );
    // And our loader asks for what the plan says, and nothing for a
    // program whose autoload is off.
    let ours = generate(&plan, Endian::Little).unwrap();
    for p in &plan.progs {
        assert_eq!(
            prog_load_attr(&ours.data, &p.name, p.prog_type),
            p.autoload.then_some((p.expected_attach_type, p.prog_flags)),
            "`{}`",
            p.name
        );
    }
}

/// What each corpus program is, written out: sections without `?`, the
/// attachment, autoload.
#[test]
fn corpus_programs_by_family() {
    let plan = corpus_plan("bpf.o");
    let get = |name: &str| {
        plan.progs
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no program {name}"))
    };
    #[rustfmt::skip]
    let cases: &[(&str, &str, u32, u32, u32, Attach)] = &[
        ("socket_filter", "socket", PROG_SOCKET_FILTER, 0, 0, Attach::SocketFilter),
        ("reuse_migrate", "sk_reuseport/migrate", PROG_SK_REUSEPORT, ATTACH_SK_REUSEPORT_SELECT_OR_MIGRATE, 0, Attach::Reuseport),
        ("uprobe_sleep", "uprobe.s//proc/self/exe:main", PROG_KPROBE, 0, F_SLEEPABLE, Attach::Uprobe),
        ("kmulti", "kprobe.multi/do_nano*", PROG_KPROBE, ATTACH_TRACE_KPROBE_MULTI, 0, Attach::KprobeMulti),
        ("ksession", "kprobe.session/do_nano*", PROG_KPROBE, ATTACH_TRACE_KPROBE_SESSION, 0, Attach::KprobeSession),
        ("uretmulti_slp", "uretprobe.multi.s//proc/self/exe:ma*", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, F_SLEEPABLE, Attach::UprobeMulti),
        ("ksyscall_slp", "ksyscall/nanosleep", PROG_KPROBE, 0, 0, Attach::Ksyscall),
        ("usdt_probe", "usdt//proc/self/exe:provider:probe", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, 0, Attach::Usdt),
        ("tc_ingress", "tc/ingress", PROG_SCHED_CLS, ATTACH_TCX_INGRESS, 0, Attach::Tcx),
        ("tcx_egress", "tcx/egress", PROG_SCHED_CLS, ATTACH_TCX_EGRESS, 0, Attach::Tcx),
        ("tc_off", "tc", PROG_SCHED_CLS, 0, 0, Attach::Tc),
        ("netkit_peer", "netkit/peer", PROG_SCHED_CLS, ATTACH_NETKIT_PEER, 0, Attach::Netkit),
        ("raw_tp_w", "raw_tp.w/sys_exit", PROG_RAW_TRACEPOINT_WRITABLE, 0, 0, Attach::RawTracepoint),
        ("iter_task_slp", "iter.s/task", PROG_TRACING, ATTACH_TRACE_ITER, F_SLEEPABLE, Attach::Iter),
        ("syscall_prog", "syscall", PROG_SYSCALL, 0, F_SLEEPABLE, Attach::Run),
        ("xdp_frags_dev", "xdp.frags/devmap", PROG_XDP, ATTACH_XDP_DEVMAP, F_XDP_HAS_FRAGS, Attach::XdpMapEntry),
        ("xdp_frags", "xdp.frags", PROG_XDP, ATTACH_XDP, F_XDP_HAS_FRAGS, Attach::Xdp),
        ("lwt_xmit_prog", "lwt_xmit", PROG_LWT_XMIT, 0, 0, Attach::Lwt),
        ("sockops_prog", "sockops", PROG_SOCK_OPS, ATTACH_CGROUP_SOCK_OPS, 0, Attach::Cgroup),
        ("skb_verdict", "sk_skb/verdict", PROG_SK_SKB, ATTACH_SK_SKB_VERDICT, 0, Attach::SockMap),
        ("sk_msg_prog", "sk_msg", PROG_SK_MSG, ATTACH_SK_MSG_VERDICT, 0, Attach::SockMap),
        ("flow_dissect", "flow_dissector", PROG_FLOW_DISSECTOR, ATTACH_FLOW_DISSECTOR, 0, Attach::Netns),
        ("cgroup_skb", "cgroup/skb", PROG_CGROUP_SKB, 0, 0, Attach::Cgroup),
        ("sock_release", "cgroup/sock_release", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_RELEASE, 0, Attach::Cgroup),
        ("connect_unix", "cgroup/connect_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_CONNECT, 0, Attach::Cgroup),
        ("getsockname_unx", "cgroup/getsockname_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_GETSOCKNAME, 0, Attach::Cgroup),
        ("sysctl", "cgroup/sysctl", PROG_CGROUP_SYSCTL, ATTACH_CGROUP_SYSCTL, 0, Attach::Cgroup),
        ("dev", "cgroup/dev", PROG_CGROUP_DEVICE, ATTACH_CGROUP_DEVICE, 0, Attach::Cgroup),
        ("sk_lookup_prog", "sk_lookup", PROG_SK_LOOKUP, ATTACH_SK_LOOKUP, 0, Attach::Netns),
        ("netfilter_prog", "netfilter", PROG_NETFILTER, ATTACH_NETFILTER, 0, Attach::Netfilter),
        ("socket_off", "socket", PROG_SOCKET_FILTER, 0, 0, Attach::SocketFilter),
    ];
    for &(name, sec, ty, at, flags, attach) in cases {
        let p = get(name);
        assert_eq!(
            (
                p.section.as_str(),
                p.prog_type,
                p.expected_attach_type,
                p.prog_flags,
                p.attach
            ),
            (sec, ty, at, flags, attach),
            "{name}"
        );
        assert_eq!(p.autoload, !name.ends_with("_off"), "{name}");
    }
    assert_eq!(
        get("iter_map").attach_target,
        Some(("bpf_iter_bpf_map".into(), KIND_FUNC))
    );
    assert_eq!(
        get("tp_btf").attach_target,
        Some(("btf_trace_sched_switch".into(), KIND_TYPEDEF))
    );
    assert!(plan
        .progs
        .iter()
        .filter(|p| p.attach_target.is_some())
        .all(|p| p.prog_type == PROG_TRACING));
}

/// The `bpf()` commands [`run_raw`] makes (UAPI).
const BPF_MAP_CREATE: u32 = 0;
const BPF_MAP_UPDATE_ELEM: u32 = 2;
const BPF_PROG_LOAD: u32 = 5;
const BPF_PROG_RUN: u32 = 10;
const BPF_MAP_FREEZE: u32 = 22;

/// A loader's run: the ctx as it left it, and its verifier log.
struct Run {
    ctx: CtxBuf,
    ret: i32,
    log: String,
}

/// Runs a loader as `runner::run_loader` does, but hands back the ctx
/// untouched: bpftool's loader writes the fds of the programs it loads,
/// packed, into the first program slots and leaves the others as they
/// were, so slots are read by the caller, not owned blindly.
fn run_raw(insns: &[u8], data: &[u8], nmaps: usize, nprogs: usize) -> Run {
    run_raw_or_refused(insns, data, nmaps, nprogs)
        .unwrap_or_else(|log| panic!("loader program refused: {log}"))
}

/// [`run_raw`], or the loader program's verifier log if it is refused.
fn run_raw_or_refused(
    insns: &[u8],
    data: &[u8],
    nmaps: usize,
    nprogs: usize,
) -> Result<Run, String> {
    let fd = |r: std::io::Result<i64>, what: &str| {
        let fd = r.unwrap_or_else(|e| panic!("{what}: {e}")) as i32;
        // SAFETY: A successful fd-returning `bpf()` command gives a new fd
        // that nothing else owns.
        unsafe { OwnedFd::from_raw_fd(fd) }
    };
    let mut a = Attr::default();
    a.u32(0, 2).u32(4, 4).u32(8, data.len() as u32).u32(12, 1);
    let map = fd(runner::sys_bpf(BPF_MAP_CREATE, &mut a), "loader map");
    let key = 0u32;
    let mut a = Attr::default();
    a.u32(0, map.as_raw_fd() as u32)
        .ptr(8, &key)
        .ptr(16, data.as_ptr());
    runner::sys_bpf(BPF_MAP_UPDATE_ELEM, &mut a).unwrap();
    let mut a = Attr::default();
    a.u32(0, map.as_raw_fd() as u32);
    runner::sys_bpf(BPF_MAP_FREEZE, &mut a).unwrap();
    let map_fd = map.as_raw_fd();
    let license = c"GPL";
    let mut a = Attr::default();
    a.u32(0, PROG_SYSCALL)
        .u32(4, (insns.len() / 8) as u32)
        .ptr(8, insns.as_ptr())
        .ptr(16, license.as_ptr())
        .u32(44, F_SLEEPABLE)
        .ptr(120, &map_fd);
    let mut log = vec![0u8; 1 << 20];
    let text = |log: &[u8]| {
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        String::from_utf8_lossy(&log[..end]).into_owned()
    };
    a.u32(24, 1)
        .u32(28, log.len() as u32)
        .ptr(32, log.as_mut_ptr());
    let r = runner::sys_bpf(BPF_PROG_LOAD, &mut a);
    if let Err(e) = &r {
        return Err(format!("{e}\n{}", text(&log)));
    }
    let prog = fd(r, "loader program");
    log.fill(0);
    let mut c = CtxBuf::new(nmaps, nprogs);
    c.put_u32(ctx::LOG_LEVEL, 1);
    c.put_u32(ctx::LOG_SIZE, log.len() as u32);
    c.put_u64(ctx::LOG_BUF, log.as_mut_ptr() as usize as u64);
    let mut a = Attr::default();
    let bytes = c.bytes_mut();
    a.u32(0, prog.as_raw_fd() as u32)
        .u32(40, bytes.len() as u32)
        .ptr(48, bytes.as_mut_ptr());
    runner::sys_bpf(BPF_PROG_RUN, &mut a).unwrap();
    let ret = a.get_u32(4) as i32;
    Ok(Run {
        ctx: c,
        ret,
        log: text(&log),
    })
}

/// Takes the program fds of a successful run: `Some` where the slot holds
/// a program (fd 0 is this process's stdin, never a loader's), `None`
/// where it holds nothing.
fn take_progs(r: &Run, nprogs: usize) -> Vec<Option<OwnedFd>> {
    (0..nprogs)
        .map(|j| {
            let fd = r.ctx.prog_fd(j);
            // SAFETY: The loader handed over every fd it left in a program
            // slot; a slot it did not write holds 0 or -1, no fd of ours.
            (fd > 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
        })
        .collect()
}

/// libbpf's gen_loader keeps the fds of the programs it loads on its
/// stack, room for `MAX_USED_PROGS` of them, and writes past it for more:
/// the verifier refuses such a loader.
const GEN_LOADER_MAX_PROGS: usize = 32;

/// Our loader loads every program here. bpftool's loader of this object
/// is refused if it loads more programs than libbpf's gen_loader can (see
/// [`GEN_LOADER_MAX_PROGS`]); where it runs, the kernel must hold the same
/// programs from both: type, name, tag, BTF attach id, func and line info.
#[test]
fn loads_on_this_kernel() {
    if !kernel() {
        return;
    }
    let _g = serial();
    let plan = host_plan();
    let ours = generate(&plan, Endian::host()).unwrap();
    let n = plan.progs.len();
    let o = run_raw(&ours.insns, &ours.data, 0, n);
    assert!(
        o.ret == 0,
        "our loader failed at step {} ({:?}): {}",
        o.ctx.failed_step(),
        ours.step_names
            .get(o.ctx.failed_step().wrapping_sub(1) as usize),
        o.log
    );
    let op = take_progs(&o, n);
    let mut families = Vec::new();
    for (p, fd) in plan.progs.iter().zip(&op) {
        // Until gen.rs reads `autoload`, ours loads `?` programs too.
        let Some(fd) = fd else {
            assert!(!p.autoload, "`{}` was not loaded", p.name);
            continue;
        };
        let i = runner::prog_info(fd).unwrap();
        assert_eq!(i.prog_type, p.prog_type, "`{}`", p.name);
        assert_eq!(i.name, p.name[..p.name.len().min(15)]);
        if p.attach_target.is_some() {
            assert_ne!(i.attach_btf_id, 0, "`{}`", p.name);
        }
        let family = p.section.split('/').next().unwrap().to_string();
        if !families.contains(&family) {
            families.push(family);
        }
    }
    eprintln!("loaded here: {}", families.join(" "));

    if !cfg!(target_endian = "little") {
        return;
    }
    let theirs = bpftool();
    let loaded: Vec<usize> = (0..n).filter(|&j| plan.progs[j].autoload).collect();
    let t = run_raw_or_refused(&theirs.insns, &theirs.data, 0, n);
    let t = match t {
        Ok(t) => t,
        Err(log) => {
            assert!(
                loaded.len() > GEN_LOADER_MAX_PROGS && log.contains("invalid write to stack"),
                "bpftool's loader refused for another reason:\n{log}"
            );
            eprintln!(
                "bpftool's loader is refused: {} programs to load, libbpf's gen_loader has room for {GEN_LOADER_MAX_PROGS}",
                loaded.len()
            );
            return;
        }
    };
    assert_eq!(t.ret, 0, "bpftool's loader failed: {}", t.log);
    // It packs the fds of the programs it loads into the first slots.
    let tp = take_progs(&t, n);
    assert!(
        tp[..loaded.len()].iter().all(Option::is_some)
            && tp[loaded.len()..].iter().all(Option::is_none),
        "bpftool's loader did not load exactly the autoload programs"
    );
    for (k, &j) in loaded.iter().enumerate() {
        let p = &plan.progs[j];
        let oi = runner::prog_info(op[j].as_ref().unwrap()).unwrap();
        let ti = runner::prog_info(tp[k].as_ref().unwrap()).unwrap();
        let what = format!("`{}` in `{}`", p.name, p.section);
        assert_eq!(oi.name, ti.name, "{what}: name (slot order)");
        assert_eq!(oi.prog_type, ti.prog_type, "{what}: type");
        assert_eq!(oi.tag, ti.tag, "{what}: tag");
        assert_eq!(oi.xlated_len, ti.xlated_len, "{what}: translated length");
        assert_eq!(oi.attach_btf_id, ti.attach_btf_id, "{what}: attach_btf_id");
        assert_eq!(
            (oi.nr_func_info, oi.nr_line_info),
            (ti.nr_func_info, ti.nr_line_info),
            "{what}: func/line info"
        );
    }
}

/// The corpus programs load only with the requests libbpf makes: a wrong
/// expected attach type, or a sleepable program without its flag, fails
/// that program's load (so the comparisons above can fail too).
#[test]
fn wrong_requests_fail() {
    if !kernel() {
        return;
    }
    let _g = serial();
    let plan = host_plan();
    let n = plan.progs.len();
    #[rustfmt::skip]
    let attach_types: &[(&str, u32)] = &[
        ("xdp_devmap", ATTACH_XDP),
        ("xdp_frags_dev", ATTACH_XDP_CPUMAP),
        ("post_bind4", ATTACH_CGROUP_INET6_POST_BIND),
        ("post_bind6", ATTACH_CGROUP_INET_SOCK_CREATE),
        ("bind4", ATTACH_CGROUP_INET6_BIND),
        ("bind6", ATTACH_CGROUP_INET4_BIND),
        ("connect4", ATTACH_CGROUP_INET6_CONNECT),
        ("connect6", ATTACH_CGROUP_UNIX_CONNECT),
        ("sendmsg4", ATTACH_CGROUP_INET4_CONNECT),
        ("sendmsg6", ATTACH_CGROUP_UDP4_SENDMSG),
        ("getsockopt", ATTACH_CGROUP_SETSOCKOPT),
        ("sk_lookup_prog", 0),
        ("netfilter_prog", 0),
    ];
    let sleepable = [
        "uprobe_sleep",
        "uretprobe_slp",
        "umulti_sleep",
        "uretmulti_slp",
        "usdt_sleep",
        "iter_task_slp",
    ];
    let mutations = attach_types
        .iter()
        .map(|&(name, at)| (name, Some(at)))
        .chain(sleepable.iter().map(|&name| (name, None)));
    let mut wrong = Vec::new();
    for (name, at) in mutations {
        let mut p = plan.clone();
        let j = p.progs.iter().position(|q| q.name == name).unwrap();
        match at {
            Some(at) => p.progs[j].expected_attach_type = at,
            None => p.progs[j].prog_flags &= !F_SLEEPABLE,
        }
        let l = generate(&p, Endian::host()).unwrap();
        let r = run_raw(&l.insns, &l.data, 0, n);
        drop(take_progs(&r, n));
        let step = r.ctx.failed_step() as usize;
        let failed = l.step_names.get(step.wrapping_sub(1));
        if r.ret >= 0 || failed != Some(&format!("loading program {name}")) {
            wrong.push(format!("{name} with {at:?}: {} at {failed:?}", r.ret));
        }
    }
    assert!(wrong.is_empty(), "loaded or failed elsewhere: {wrong:#?}");
}

/// libbpf's light skeletons list an autoload-off (`?`) program but never
/// load it, and leave its fd unset.
#[test]
fn autoload_off_programs_are_not_loaded() {
    if !kernel() {
        return;
    }
    let _g = serial();
    let plan = host_plan();
    let n = plan.progs.len();
    let l = generate(&plan, Endian::host()).unwrap();
    for p in plan.progs.iter().filter(|p| !p.autoload) {
        assert_eq!(
            prog_load_attr(&l.data, &p.name, p.prog_type),
            None,
            "{}",
            p.name
        );
    }
    let r = run_raw(&l.insns, &l.data, 0, n);
    assert_eq!(r.ret, 0, "{}", r.log);
    let fds = take_progs(&r, n);
    for (p, fd) in plan.progs.iter().zip(&fds) {
        assert_eq!(fd.is_some(), p.autoload, "{}", p.name);
    }
}

/// A synthetic object with one `r0 = 0; exit` program per `(section, name)`.
fn synthetic(progs: &[(&str, &str)]) -> Vec<u8> {
    let mut e = synth::Elf::bpf();
    for &(sec, name) in progs {
        e.prog(sec, name, &synth::ret0());
    }
    e.section(
        ".BTF",
        SectionKind::Other,
        &synth::btf().encode(Endian::Little),
    );
    e.build()
}

/// A section and what it plans: type, expected attach type, flags, BTF
/// attach target and kind, attachment.
type Expected = (
    &'static str,
    u32,
    u32,
    u32,
    Option<(&'static str, u32)>,
    Attach,
);

/// Families this host refuses to load (trampolines, LSM, kernels without
/// the program type) plan as libbpf's loader would load them.
#[test]
fn plans_families_this_host_cannot_load() {
    #[rustfmt::skip]
    let cases: &[Expected] = &[
        ("fentry/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FENTRY, 0, Some(("do_nanosleep", KIND_FUNC)), Attach::Trace),
        ("fentry.s/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FENTRY, F_SLEEPABLE, Some(("do_nanosleep", KIND_FUNC)), Attach::Trace),
        ("fexit/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FEXIT, 0, Some(("do_nanosleep", KIND_FUNC)), Attach::Trace),
        ("fmod_ret.s/security_file_open", PROG_TRACING, ATTACH_MODIFY_RETURN, F_SLEEPABLE, Some(("security_file_open", KIND_FUNC)), Attach::Trace),
        ("fsession/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FSESSION, 0, Some(("do_nanosleep", KIND_FUNC)), Attach::Trace),
        ("fentry.multi/do_nano*", PROG_TRACING, ATTACH_TRACE_FENTRY_MULTI, 0, None, Attach::TracingMulti),
        ("fexit.multi.s/do_nano*", PROG_TRACING, ATTACH_TRACE_FEXIT_MULTI, F_SLEEPABLE, None, Attach::TracingMulti),
        ("lsm/file_open", PROG_LSM, ATTACH_LSM_MAC, 0, Some(("bpf_lsm_file_open", KIND_FUNC)), Attach::Lsm),
        ("lsm.s/bpf", PROG_LSM, ATTACH_LSM_MAC, F_SLEEPABLE, Some(("bpf_lsm_bpf", KIND_FUNC)), Attach::Lsm),
        ("lsm_cgroup/socket_bind", PROG_LSM, ATTACH_LSM_CGROUP, 0, Some(("bpf_lsm_socket_bind", KIND_FUNC)), Attach::Cgroup),
        ("tp_btf.s/sched_switch", PROG_TRACING, ATTACH_TRACE_RAW_TP, F_SLEEPABLE, Some(("btf_trace_sched_switch", KIND_TYPEDEF)), Attach::Trace),
        ("raw_tp.s/sys_enter", PROG_RAW_TRACEPOINT, 0, F_SLEEPABLE, None, Attach::RawTracepoint),
        ("tp.s/syscalls/sys_enter_getpid", PROG_TRACEPOINT, 0, F_SLEEPABLE, None, Attach::Tracepoint),
        ("uprobe.session//bin/sh:main", PROG_KPROBE, ATTACH_TRACE_UPROBE_SESSION, 0, None, Attach::UprobeMulti),
        ("lwt_seg6local", PROG_LWT_SEG6LOCAL, 0, 0, None, Attach::Lwt),
        ("lirc_mode2", PROG_LIRC_MODE2, ATTACH_LIRC_MODE2, 0, None, Attach::Lirc),
        ("?fentry/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FENTRY, 0, Some(("do_nanosleep", KIND_FUNC)), Attach::Trace),
    ];
    let names: Vec<String> = (0..cases.len()).map(|i| format!("p{i}")).collect();
    let progs: Vec<(&str, &str)> = cases
        .iter()
        .zip(&names)
        .map(|(c, n)| (c.0, n.as_str()))
        .collect();
    let plan = Plan::build(&synthetic(&progs), "t").unwrap();
    assert_eq!(plan.progs.len(), cases.len());
    for (p, &(sec, ty, at, flags, target, attach)) in plan.progs.iter().zip(cases) {
        let target = target.map(|(t, k)| (t.to_string(), k));
        assert_eq!(
            (
                p.prog_type,
                p.expected_attach_type,
                p.prog_flags,
                &p.attach_target,
                p.attach
            ),
            (ty, at, flags, &target, attach),
            "{sec}"
        );
        assert_eq!(p.autoload, !sec.starts_with('?'), "{sec}");
        assert_eq!(p.section, sec.trim_start_matches('?'));
    }
    let l = generate(&plan, Endian::Little).unwrap();
    for p in &plan.progs {
        assert_eq!(
            prog_load_attr(&l.data, &p.name, p.prog_type),
            p.autoload.then_some((p.expected_attach_type, p.prog_flags)),
            "{}",
            p.section
        );
    }
}

/// Sections a light skeleton cannot load are refused, naming the program,
/// its section and why, `?` or not (libbpf only fails the ones it loads).
#[test]
fn refuses_what_a_light_skeleton_cannot_load() {
    for (sec, want) in [
        ("freplace/handler", "attach_prog_fd"),
        ("struct_ops/test_1", "struct_ops maps"),
        ("fentry", "names no attach target: write `fentry/TARGET`"),
        ("iter/", "names no attach target"),
        ("?lsm", "names no attach target"),
        ("fentry.multi/bpf_testmod:f*", "module `bpf_testmod`"),
        ("tcx", "unknown section name `tcx`"),
        ("??socket", "unknown section name `??socket`"),
    ] {
        let e = Plan::build(&synthetic(&[("xdp", "ok"), (sec, "bad")]), "t")
            .err()
            .unwrap_or_else(|| panic!("`{sec}` accepted"))
            .to_string();
        assert!(
            e.contains(&format!("program `bad` in section `{sec}`: ")) && e.contains(want),
            "{sec}: {e}"
        );
    }
}
