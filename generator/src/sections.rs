// SPDX-License-Identifier: GPL-2.0
//! libbpf's section table: what a program's ELF section name says about its
//! program type, expected attach type, load flags and attachment.
//!
//! [`SECTION_DEFS`] is Linux 7.3's `section_defs[]` (`tools/lib/bpf/libbpf.c`)
//! as data, in its order: the first entry that matches a name wins, as in
//! libbpf's `find_sec_def`. Each entry's name keeps libbpf's spelling, which
//! is also its match rule (see [`Match`]). A unit test compares the table
//! with libbpf's, entry by entry, when the 7.3 tree is cached.
//!
//! [`classify`] turns a section name into load attributes the way libbpf's
//! light skeleton loader (`gen_loader`) does: a leading `?` turns autoload
//! off, and the loader assumes the newest kernel, so optional expected
//! attach types stay and `usdt` programs get `BPF_TRACE_UPROBE_MULTI`.
//! Sections whose programs a light skeleton cannot load are errors naming
//! why, `?` or not: libbpf only fails a program it loads, but the loader
//! does not skip autoload-off programs yet (`gen` loads every
//! [`crate::plan::ProgPlan`], whatever its `autoload`), so one that cannot
//! load is refused here rather than failing every run of the loader.

use crate::btf::{KIND_FUNC, KIND_TYPEDEF};
use crate::progtype::*;

/// `SEC_NONE`: nothing special.
pub const SEC_NONE: u32 = 0;
/// `SEC_EXP_ATTACH_OPT`: libbpf drops the expected attach type on kernels
/// that do not take one; a light skeleton assumes they all do.
pub const SEC_EXP_ATTACH_OPT: u32 = 1;
/// `SEC_ATTACHABLE`: legacy, only `libbpf_attach_type_by_name` reads it.
pub const SEC_ATTACHABLE: u32 = 2;
/// `SEC_ATTACHABLE_OPT`: both of the above.
pub const SEC_ATTACHABLE_OPT: u32 = SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT;
/// `SEC_ATTACH_BTF`: the section names a BTF attach target after its `/`.
pub const SEC_ATTACH_BTF: u32 = 4;
/// `SEC_SLEEPABLE`: loaded with `BPF_F_SLEEPABLE`.
pub const SEC_SLEEPABLE: u32 = 8;
/// `SEC_XDP_FRAGS`: loaded with `BPF_F_XDP_HAS_FRAGS`.
pub const SEC_XDP_FRAGS: u32 = 16;
/// `SEC_USDT`: expected attach type `BPF_TRACE_UPROBE_MULTI` on kernels
/// with uprobe-multi links (every kernel, for a light skeleton).
pub const SEC_USDT: u32 = 32;

/// How an entry's name matches a section name, from its last character
/// as in libbpf's `sec_def_matches`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// `"name"`: exactly the name.
    Exact,
    /// `"name+"`: the name alone or followed by `/` and anything.
    ExactOrSlash,
    /// `"name/"`: the name and anything after it (the `/` is required).
    Slash,
}

/// How a loaded program gets attached, for the back ends' attach code:
/// libbpf's attach function of the entry where it has one (its auto-attach,
/// which reads the target from the section name after the `/`), else the
/// kernel interface the program is meant for (the target comes from the
/// caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// `setsockopt(SO_ATTACH_BPF)` on a socket.
    SocketFilter,
    /// `setsockopt(SO_ATTACH_REUSEPORT_EBPF)` on a reuseport group.
    Reuseport,
    /// A perf-event kprobe or kretprobe (`kprobe/FUNC[+OFF]`): libbpf's
    /// `attach_kprobe`.
    Kprobe,
    /// A perf-event uprobe or uretprobe (`uprobe/PATH:FUNC[+OFF]`):
    /// `attach_uprobe`.
    Uprobe,
    /// A kprobe-multi link (`kprobe.multi/PATTERN`): `attach_kprobe_multi`.
    KprobeMulti,
    /// A kprobe-multi link in session mode: `attach_kprobe_session`.
    KprobeSession,
    /// A uprobe-multi link (`uprobe.multi/PATH:PATTERN`), sessions too:
    /// `attach_uprobe_multi`.
    UprobeMulti,
    /// A kprobe on the syscall's kernel function (`ksyscall/NAME`):
    /// `attach_ksyscall`.
    Ksyscall,
    /// USDT probes (`usdt/PATH:PROVIDER:NAME`), through uprobe-multi links
    /// and libbpf's USDT maps: `attach_usdt`.
    Usdt,
    /// A perf-event tracepoint (`tp/CATEGORY/NAME`): `attach_tp`.
    Tracepoint,
    /// `BPF_RAW_TRACEPOINT_OPEN` with the name after the `/`:
    /// `attach_raw_tp`.
    RawTracepoint,
    /// A tracing link to the BTF target the program was loaded with
    /// (`BPF_RAW_TRACEPOINT_OPEN` without a name, or `BPF_LINK_CREATE`):
    /// `attach_trace` (tp_btf, fentry, fexit, fmod_ret, fsession, freplace).
    Trace,
    /// A tracing-multi link to the functions the section's pattern names:
    /// `attach_tracing_multi`.
    TracingMulti,
    /// An LSM link to the hook the program was loaded with: `attach_lsm`.
    Lsm,
    /// An iterator link, `BPF_LINK_CREATE` with `BPF_TRACE_ITER`:
    /// `attach_iter`.
    Iter,
    /// Run with `BPF_PROG_RUN`, never attached (`syscall`).
    Run,
    /// An XDP link or netlink on a device.
    Xdp,
    /// The value of a devmap or cpumap entry (`xdp/devmap`, `xdp/cpumap`).
    XdpMapEntry,
    /// A tcx link on a device (`tcx/ingress`, and `tc/ingress`, its alias).
    Tcx,
    /// A legacy tc filter or action, through netlink.
    Tc,
    /// A netkit link on a netkit device.
    Netkit,
    /// `PERF_EVENT_IOC_SET_BPF` or a perf link on a perf event.
    PerfEvent,
    /// A lightweight tunnel route's encap, through netlink.
    Lwt,
    /// `BPF_PROG_ATTACH` or `BPF_LINK_CREATE` on a cgroup, with the expected
    /// attach type (cgroup programs, sockops, lsm_cgroup).
    Cgroup,
    /// `BPF_PROG_ATTACH` to a sockmap or sockhash (sk_skb, sk_msg).
    SockMap,
    /// `BPF_PROG_ATTACH` to a lirc device.
    Lirc,
    /// `BPF_PROG_ATTACH` or `BPF_LINK_CREATE` on a network namespace
    /// (flow_dissector, sk_lookup).
    Netns,
    /// Through a struct_ops map.
    StructOps,
    /// A netfilter link (protocol family, hook, priority).
    Netfilter,
}

impl Attach {
    /// Whether libbpf's skeleton `__attach` attaches such a program by
    /// itself (given a target in the section name where it needs one).
    pub fn auto(self) -> bool {
        matches!(
            self,
            Attach::Kprobe
                | Attach::Uprobe
                | Attach::KprobeMulti
                | Attach::KprobeSession
                | Attach::UprobeMulti
                | Attach::Ksyscall
                | Attach::Usdt
                | Attach::Tracepoint
                | Attach::RawTracepoint
                | Attach::Trace
                | Attach::TracingMulti
                | Attach::Lsm
                | Attach::Iter
        )
    }
}

/// One entry of the section table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecDef {
    /// Name as libbpf spells it: a trailing `+` or `/` is the match rule.
    pub sec: &'static str,
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `enum bpf_attach_type` (0 also stands for none).
    pub expected_attach_type: u32,
    /// `SEC_*` bits.
    pub flags: u32,
    /// How the program gets attached.
    pub attach: Attach,
}

impl SecDef {
    /// The name without its match rule.
    pub fn prefix(&self) -> &'static str {
        self.sec
            .strip_suffix('+')
            .unwrap_or(self.sec)
            .trim_end_matches('/')
    }

    /// The match rule.
    pub fn rule(&self) -> Match {
        if self.sec.ends_with('+') {
            Match::ExactOrSlash
        } else if self.sec.ends_with('/') {
            Match::Slash
        } else {
            Match::Exact
        }
    }

    /// Whether section name `name` (without `?`) selects this entry.
    pub fn matches(&self, name: &str) -> bool {
        match self.rule() {
            Match::Exact => name == self.sec,
            Match::Slash => name.starts_with(self.sec),
            Match::ExactOrSlash => name
                .strip_prefix(self.prefix())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }

    /// The prefix and BTF kind of an attach target's name in kernel BTF,
    /// as libbpf's `btf_get_kernel_prefix_kind` gives them.
    pub fn btf_target(&self) -> (&'static str, u32) {
        match self.expected_attach_type {
            ATTACH_TRACE_RAW_TP => ("btf_trace_", KIND_TYPEDEF),
            ATTACH_LSM_MAC | ATTACH_LSM_CGROUP => ("bpf_lsm_", KIND_FUNC),
            ATTACH_TRACE_ITER => ("bpf_iter_", KIND_FUNC),
            _ => ("", KIND_FUNC),
        }
    }
}

const fn d(sec: &'static str, prog_type: u32, atype: u32, flags: u32, attach: Attach) -> SecDef {
    SecDef {
        sec,
        prog_type,
        expected_attach_type: atype,
        flags,
        attach,
    }
}

use Attach as A;

/// libbpf 7.3's section table, in its order (first match wins).
#[rustfmt::skip]
pub const SECTION_DEFS: &[SecDef] = &[
    d("socket", PROG_SOCKET_FILTER, 0, SEC_NONE, A::SocketFilter),
    d("sk_reuseport/migrate", PROG_SK_REUSEPORT, ATTACH_SK_REUSEPORT_SELECT_OR_MIGRATE, SEC_ATTACHABLE, A::Reuseport),
    d("sk_reuseport", PROG_SK_REUSEPORT, ATTACH_SK_REUSEPORT_SELECT, SEC_ATTACHABLE, A::Reuseport),
    d("kprobe+", PROG_KPROBE, 0, SEC_NONE, A::Kprobe),
    d("uprobe+", PROG_KPROBE, 0, SEC_NONE, A::Uprobe),
    d("uprobe.s+", PROG_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    d("kretprobe+", PROG_KPROBE, 0, SEC_NONE, A::Kprobe),
    d("uretprobe+", PROG_KPROBE, 0, SEC_NONE, A::Uprobe),
    d("uretprobe.s+", PROG_KPROBE, 0, SEC_SLEEPABLE, A::Uprobe),
    d("kprobe.multi+", PROG_KPROBE, ATTACH_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
    d("kretprobe.multi+", PROG_KPROBE, ATTACH_TRACE_KPROBE_MULTI, SEC_NONE, A::KprobeMulti),
    d("kprobe.session+", PROG_KPROBE, ATTACH_TRACE_KPROBE_SESSION, SEC_NONE, A::KprobeSession),
    d("uprobe.multi+", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, SEC_NONE, A::UprobeMulti),
    d("uretprobe.multi+", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, SEC_NONE, A::UprobeMulti),
    d("uprobe.session+", PROG_KPROBE, ATTACH_TRACE_UPROBE_SESSION, SEC_NONE, A::UprobeMulti),
    d("uprobe.multi.s+", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    d("uretprobe.multi.s+", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, SEC_SLEEPABLE, A::UprobeMulti),
    d("uprobe.session.s+", PROG_KPROBE, ATTACH_TRACE_UPROBE_SESSION, SEC_SLEEPABLE, A::UprobeMulti),
    d("ksyscall+", PROG_KPROBE, 0, SEC_NONE, A::Ksyscall),
    d("kretsyscall+", PROG_KPROBE, 0, SEC_NONE, A::Ksyscall),
    d("usdt+", PROG_KPROBE, 0, SEC_USDT, A::Usdt),
    d("usdt.s+", PROG_KPROBE, 0, SEC_USDT | SEC_SLEEPABLE, A::Usdt),
    d("tc/ingress", PROG_SCHED_CLS, ATTACH_TCX_INGRESS, SEC_NONE, A::Tcx),
    d("tc/egress", PROG_SCHED_CLS, ATTACH_TCX_EGRESS, SEC_NONE, A::Tcx),
    d("tcx/ingress", PROG_SCHED_CLS, ATTACH_TCX_INGRESS, SEC_NONE, A::Tcx),
    d("tcx/egress", PROG_SCHED_CLS, ATTACH_TCX_EGRESS, SEC_NONE, A::Tcx),
    d("tc", PROG_SCHED_CLS, 0, SEC_NONE, A::Tc),
    d("classifier", PROG_SCHED_CLS, 0, SEC_NONE, A::Tc),
    d("action", PROG_SCHED_ACT, 0, SEC_NONE, A::Tc),
    d("netkit/primary", PROG_SCHED_CLS, ATTACH_NETKIT_PRIMARY, SEC_NONE, A::Netkit),
    d("netkit/peer", PROG_SCHED_CLS, ATTACH_NETKIT_PEER, SEC_NONE, A::Netkit),
    d("tracepoint+", PROG_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
    d("tp+", PROG_TRACEPOINT, 0, SEC_NONE, A::Tracepoint),
    d("tracepoint.s+", PROG_TRACEPOINT, 0, SEC_SLEEPABLE, A::Tracepoint),
    d("tp.s+", PROG_TRACEPOINT, 0, SEC_SLEEPABLE, A::Tracepoint),
    d("raw_tracepoint+", PROG_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
    d("raw_tp+", PROG_RAW_TRACEPOINT, 0, SEC_NONE, A::RawTracepoint),
    d("raw_tracepoint.s+", PROG_RAW_TRACEPOINT, 0, SEC_SLEEPABLE, A::RawTracepoint),
    d("raw_tp.s+", PROG_RAW_TRACEPOINT, 0, SEC_SLEEPABLE, A::RawTracepoint),
    d("raw_tracepoint.w+", PROG_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
    d("raw_tp.w+", PROG_RAW_TRACEPOINT_WRITABLE, 0, SEC_NONE, A::RawTracepoint),
    d("tp_btf+", PROG_TRACING, ATTACH_TRACE_RAW_TP, SEC_ATTACH_BTF, A::Trace),
    d("tp_btf.s+", PROG_TRACING, ATTACH_TRACE_RAW_TP, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    d("fentry+", PROG_TRACING, ATTACH_TRACE_FENTRY, SEC_ATTACH_BTF, A::Trace),
    d("fmod_ret+", PROG_TRACING, ATTACH_MODIFY_RETURN, SEC_ATTACH_BTF, A::Trace),
    d("fexit+", PROG_TRACING, ATTACH_TRACE_FEXIT, SEC_ATTACH_BTF, A::Trace),
    d("fentry.s+", PROG_TRACING, ATTACH_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    d("fmod_ret.s+", PROG_TRACING, ATTACH_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    d("fexit.s+", PROG_TRACING, ATTACH_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    d("fsession+", PROG_TRACING, ATTACH_TRACE_FSESSION, SEC_ATTACH_BTF, A::Trace),
    d("fsession.s+", PROG_TRACING, ATTACH_TRACE_FSESSION, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Trace),
    d("fsession.multi+", PROG_TRACING, ATTACH_TRACE_FSESSION_MULTI, SEC_NONE, A::TracingMulti),
    d("fsession.multi.s+", PROG_TRACING, ATTACH_TRACE_FSESSION_MULTI, SEC_SLEEPABLE, A::TracingMulti),
    d("fentry.multi+", PROG_TRACING, ATTACH_TRACE_FENTRY_MULTI, SEC_NONE, A::TracingMulti),
    d("fexit.multi+", PROG_TRACING, ATTACH_TRACE_FEXIT_MULTI, SEC_NONE, A::TracingMulti),
    d("fentry.multi.s+", PROG_TRACING, ATTACH_TRACE_FENTRY_MULTI, SEC_SLEEPABLE, A::TracingMulti),
    d("fexit.multi.s+", PROG_TRACING, ATTACH_TRACE_FEXIT_MULTI, SEC_SLEEPABLE, A::TracingMulti),
    d("freplace+", PROG_EXT, 0, SEC_ATTACH_BTF, A::Trace),
    d("lsm+", PROG_LSM, ATTACH_LSM_MAC, SEC_ATTACH_BTF, A::Lsm),
    d("lsm.s+", PROG_LSM, ATTACH_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Lsm),
    d("lsm_cgroup+", PROG_LSM, ATTACH_LSM_CGROUP, SEC_ATTACH_BTF, A::Cgroup),
    d("iter+", PROG_TRACING, ATTACH_TRACE_ITER, SEC_ATTACH_BTF, A::Iter),
    d("iter.s+", PROG_TRACING, ATTACH_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE, A::Iter),
    d("syscall", PROG_SYSCALL, 0, SEC_SLEEPABLE, A::Run),
    d("xdp.frags/devmap", PROG_XDP, ATTACH_XDP_DEVMAP, SEC_XDP_FRAGS, A::XdpMapEntry),
    d("xdp/devmap", PROG_XDP, ATTACH_XDP_DEVMAP, SEC_ATTACHABLE, A::XdpMapEntry),
    d("xdp.frags/cpumap", PROG_XDP, ATTACH_XDP_CPUMAP, SEC_XDP_FRAGS, A::XdpMapEntry),
    d("xdp/cpumap", PROG_XDP, ATTACH_XDP_CPUMAP, SEC_ATTACHABLE, A::XdpMapEntry),
    d("xdp.frags", PROG_XDP, ATTACH_XDP, SEC_XDP_FRAGS, A::Xdp),
    d("xdp", PROG_XDP, ATTACH_XDP, SEC_ATTACHABLE_OPT, A::Xdp),
    d("perf_event", PROG_PERF_EVENT, 0, SEC_NONE, A::PerfEvent),
    d("lwt_in", PROG_LWT_IN, 0, SEC_NONE, A::Lwt),
    d("lwt_out", PROG_LWT_OUT, 0, SEC_NONE, A::Lwt),
    d("lwt_xmit", PROG_LWT_XMIT, 0, SEC_NONE, A::Lwt),
    d("lwt_seg6local", PROG_LWT_SEG6LOCAL, 0, SEC_NONE, A::Lwt),
    d("sockops", PROG_SOCK_OPS, ATTACH_CGROUP_SOCK_OPS, SEC_ATTACHABLE_OPT, A::Cgroup),
    d("sk_skb/stream_parser", PROG_SK_SKB, ATTACH_SK_SKB_STREAM_PARSER, SEC_ATTACHABLE_OPT, A::SockMap),
    d("sk_skb/stream_verdict", PROG_SK_SKB, ATTACH_SK_SKB_STREAM_VERDICT, SEC_ATTACHABLE_OPT, A::SockMap),
    d("sk_skb/verdict", PROG_SK_SKB, ATTACH_SK_SKB_VERDICT, SEC_ATTACHABLE_OPT, A::SockMap),
    d("sk_skb", PROG_SK_SKB, 0, SEC_NONE, A::SockMap),
    d("sk_msg", PROG_SK_MSG, ATTACH_SK_MSG_VERDICT, SEC_ATTACHABLE_OPT, A::SockMap),
    d("lirc_mode2", PROG_LIRC_MODE2, ATTACH_LIRC_MODE2, SEC_ATTACHABLE_OPT, A::Lirc),
    d("flow_dissector", PROG_FLOW_DISSECTOR, ATTACH_FLOW_DISSECTOR, SEC_ATTACHABLE_OPT, A::Netns),
    d("cgroup_skb/ingress", PROG_CGROUP_SKB, ATTACH_CGROUP_INET_INGRESS, SEC_ATTACHABLE_OPT, A::Cgroup),
    d("cgroup_skb/egress", PROG_CGROUP_SKB, ATTACH_CGROUP_INET_EGRESS, SEC_ATTACHABLE_OPT, A::Cgroup),
    d("cgroup/skb", PROG_CGROUP_SKB, 0, SEC_NONE, A::Cgroup),
    d("cgroup/sock_create", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sock_release", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_RELEASE, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sock", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_CREATE, SEC_ATTACHABLE_OPT, A::Cgroup),
    d("cgroup/post_bind4", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET4_POST_BIND, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/post_bind6", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET6_POST_BIND, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/bind4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_BIND, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/bind6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_BIND, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/connect4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_CONNECT, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/connect6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_CONNECT, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/connect_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_CONNECT, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sendmsg4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP4_SENDMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sendmsg6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP6_SENDMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sendmsg_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_SENDMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/recvmsg4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP4_RECVMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/recvmsg6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP6_RECVMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/recvmsg_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_RECVMSG, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getpeername4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_GETPEERNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getpeername6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_GETPEERNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getpeername_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_GETPEERNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getsockname4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_GETSOCKNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getsockname6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_GETSOCKNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getsockname_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_GETSOCKNAME, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/sysctl", PROG_CGROUP_SYSCTL, ATTACH_CGROUP_SYSCTL, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/getsockopt", PROG_CGROUP_SOCKOPT, ATTACH_CGROUP_GETSOCKOPT, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/setsockopt", PROG_CGROUP_SOCKOPT, ATTACH_CGROUP_SETSOCKOPT, SEC_ATTACHABLE, A::Cgroup),
    d("cgroup/dev", PROG_CGROUP_DEVICE, ATTACH_CGROUP_DEVICE, SEC_ATTACHABLE_OPT, A::Cgroup),
    d("struct_ops+", PROG_STRUCT_OPS, 0, SEC_NONE, A::StructOps),
    d("struct_ops.s+", PROG_STRUCT_OPS, 0, SEC_SLEEPABLE, A::StructOps),
    d("sk_lookup", PROG_SK_LOOKUP, ATTACH_SK_LOOKUP, SEC_ATTACHABLE, A::Netns),
    d("netfilter", PROG_NETFILTER, ATTACH_NETFILTER, SEC_NONE, A::Netfilter),
];

/// The first entry of [`SECTION_DEFS`] that section name `name` (without
/// `?`) selects.
pub fn find(name: &str) -> Option<&'static SecDef> {
    SECTION_DEFS.iter().find(|d| d.matches(name))
}

/// Why a light skeleton cannot load a program of some section.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SectionError {
    /// No entry matches.
    #[error("unknown section name `{section}`: cannot tell the program type")]
    Unknown {
        /// The section name.
        section: String,
    },
    /// A BTF-attached program without a target: libbpf wants one from
    /// `bpf_program__set_attach_target()`, which a light skeleton lacks.
    #[error(
        "section `{section}` names no attach target: write `{prefix}/TARGET` (a light skeleton cannot set one at run time)"
    )]
    NoAttachTarget {
        /// The section name.
        section: String,
        /// The entry's prefix.
        prefix: &'static str,
    },
    /// `freplace` replaces a function of another loaded program, whose fd
    /// the load needs: libbpf's gen_loader refuses these too.
    #[error(
        "freplace programs need the fd of the program they replace (attach_prog_fd), which a light skeleton cannot give"
    )]
    Freplace,
    /// struct_ops programs are loaded for a struct_ops map.
    #[error(
        "struct_ops programs are loaded through struct_ops maps, which light skeletons do not support"
    )]
    StructOps,
    /// A tracing-multi target in a module: libbpf's gen_loader cannot
    /// open module BTFs and refuses these.
    #[error(
        "section `{section}` names module `{module}`: a light skeleton cannot open a module's BTF for tracing-multi programs"
    )]
    TracingMultiModule {
        /// The section name.
        section: String,
        /// The module named.
        module: String,
    },
}

/// A program's section, as libbpf's light skeleton loader reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The section name without its `?`, as libbpf reports it.
    pub name: String,
    /// The entry it selects.
    pub def: &'static SecDef,
    /// `false` for a `?` section: the program is listed but not loaded.
    pub autoload: bool,
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `expected_attach_type` at load time.
    pub expected_attach_type: u32,
    /// `prog_flags`.
    pub prog_flags: u32,
    /// BTF name and kind to resolve on the target into `attach_btf_id`.
    pub attach_target: Option<(String, u32)>,
}

/// Interprets ELF section name `sec` as libbpf's light skeleton loader
/// does, or says why such a program cannot be loaded from one.
pub fn classify(sec: &str) -> Result<Section, SectionError> {
    let (name, autoload) = match sec.strip_prefix('?') {
        Some(rest) => (rest, false),
        None => (sec, true),
    };
    let def = find(name).ok_or_else(|| SectionError::Unknown {
        section: sec.to_string(),
    })?;
    // What follows the `/`: libbpf's attach functions and BTF lookups read it.
    let spec = name[def.prefix().len()..].strip_prefix('/');
    let mut prog_flags = 0;
    if def.flags & SEC_SLEEPABLE != 0 {
        prog_flags |= F_SLEEPABLE;
    }
    if def.prog_type == PROG_XDP && def.flags & SEC_XDP_FRAGS != 0 {
        prog_flags |= F_XDP_HAS_FRAGS;
    }
    let mut expected_attach_type = def.expected_attach_type;
    if def.flags & SEC_USDT != 0 {
        expected_attach_type = ATTACH_TRACE_UPROBE_MULTI;
    }
    match def.prog_type {
        PROG_EXT => return Err(SectionError::Freplace),
        PROG_STRUCT_OPS => return Err(SectionError::StructOps),
        _ => {}
    }
    let multi = matches!(
        expected_attach_type,
        ATTACH_TRACE_FENTRY_MULTI | ATTACH_TRACE_FEXIT_MULTI | ATTACH_TRACE_FSESSION_MULTI
    );
    if let Some((module, _)) = spec.filter(|_| multi).and_then(|s| s.split_once(':')) {
        return Err(SectionError::TracingMultiModule {
            section: sec.to_string(),
            module: module.to_string(),
        });
    }
    let attach_target = if def.flags & SEC_ATTACH_BTF != 0 {
        let target = spec
            .filter(|t| !t.is_empty())
            .ok_or(SectionError::NoAttachTarget {
                section: sec.to_string(),
                prefix: def.prefix(),
            })?;
        let (prefix, kind) = def.btf_target();
        Some((format!("{prefix}{target}"), kind))
    } else {
        None
    };
    Ok(Section {
        name: name.to_string(),
        def,
        autoload,
        prog_type: def.prog_type,
        expected_attach_type,
        prog_flags,
        attach_target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section name that selects `d` (with a target where it needs one).
    fn example(d: &SecDef) -> String {
        match d.rule() {
            Match::Exact => d.sec.to_string(),
            Match::Slash => format!("{}x", d.sec),
            Match::ExactOrSlash => format!("{}/x", d.prefix()),
        }
    }

    /// Every entry is reachable (no earlier one shadows it) and gives its
    /// type, expected attach type and flags.
    #[test]
    fn every_entry_resolves_to_itself() {
        for d in SECTION_DEFS {
            for name in [example(d), d.prefix().to_string()] {
                if !d.matches(&name) {
                    assert_eq!(d.rule(), Match::Slash, "{name}");
                    continue;
                }
                assert_eq!(find(&name), Some(d), "`{name}` selects another entry");
                let s = match classify(&name) {
                    Ok(s) => s,
                    Err(SectionError::NoAttachTarget { .. }) if name == d.prefix() => {
                        assert_ne!(d.flags & SEC_ATTACH_BTF, 0, "{name}");
                        continue;
                    }
                    Err(SectionError::Freplace) => {
                        assert_eq!(d.prog_type, PROG_EXT);
                        continue;
                    }
                    Err(SectionError::StructOps) => {
                        assert_eq!(d.prog_type, PROG_STRUCT_OPS);
                        continue;
                    }
                    Err(e) => panic!("{name}: {e}"),
                };
                assert_eq!(s.def, d);
                assert!(s.autoload);
                assert_eq!(s.name, name);
                assert_eq!(s.prog_type, d.prog_type, "{name}");
                let want = if d.flags & SEC_USDT != 0 {
                    ATTACH_TRACE_UPROBE_MULTI
                } else {
                    d.expected_attach_type
                };
                assert_eq!(s.expected_attach_type, want, "{name}");
                let mut flags = 0;
                if d.flags & SEC_SLEEPABLE != 0 {
                    flags |= F_SLEEPABLE;
                }
                if d.flags & SEC_XDP_FRAGS != 0 {
                    flags |= F_XDP_HAS_FRAGS;
                }
                assert_eq!(s.prog_flags, flags, "{name}");
                assert_eq!(
                    s.attach_target.is_some(),
                    d.flags & SEC_ATTACH_BTF != 0,
                    "{name}"
                );
                let q = classify(&format!("?{name}")).unwrap();
                assert!(!q.autoload);
                assert_eq!((q.name, q.def), (name.clone(), d));
            }
        }
    }

    /// What each family gives, written out independently of the table.
    #[test]
    fn families() {
        const S: u32 = F_SLEEPABLE;
        const FR: u32 = F_XDP_HAS_FRAGS;
        #[rustfmt::skip]
        let cases: &[(&str, u32, u32, u32, Attach)] = &[
            ("socket", PROG_SOCKET_FILTER, 0, 0, Attach::SocketFilter),
            ("sk_reuseport", PROG_SK_REUSEPORT, ATTACH_SK_REUSEPORT_SELECT, 0, Attach::Reuseport),
            ("sk_reuseport/migrate", PROG_SK_REUSEPORT, ATTACH_SK_REUSEPORT_SELECT_OR_MIGRATE, 0, Attach::Reuseport),
            ("kprobe", PROG_KPROBE, 0, 0, Attach::Kprobe),
            ("kprobe/do_nanosleep+0x10", PROG_KPROBE, 0, 0, Attach::Kprobe),
            ("kretprobe/do_nanosleep", PROG_KPROBE, 0, 0, Attach::Kprobe),
            ("uprobe", PROG_KPROBE, 0, 0, Attach::Uprobe),
            ("uprobe//usr/bin/true:main+0x4", PROG_KPROBE, 0, 0, Attach::Uprobe),
            ("uretprobe//lib/libc.so.6:malloc", PROG_KPROBE, 0, 0, Attach::Uprobe),
            ("uprobe.s//bin/sh:main", PROG_KPROBE, 0, S, Attach::Uprobe),
            ("uretprobe.s//bin/sh:main", PROG_KPROBE, 0, S, Attach::Uprobe),
            ("kprobe.multi/do_*", PROG_KPROBE, ATTACH_TRACE_KPROBE_MULTI, 0, Attach::KprobeMulti),
            ("kretprobe.multi/do_*", PROG_KPROBE, ATTACH_TRACE_KPROBE_MULTI, 0, Attach::KprobeMulti),
            ("kprobe.session/do_*", PROG_KPROBE, ATTACH_TRACE_KPROBE_SESSION, 0, Attach::KprobeSession),
            ("uprobe.multi//bin/sh:ma*", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, 0, Attach::UprobeMulti),
            ("uretprobe.multi.s//bin/sh:ma*", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, S, Attach::UprobeMulti),
            ("uprobe.session//bin/sh:ma*", PROG_KPROBE, ATTACH_TRACE_UPROBE_SESSION, 0, Attach::UprobeMulti),
            ("uprobe.session.s//bin/sh:ma*", PROG_KPROBE, ATTACH_TRACE_UPROBE_SESSION, S, Attach::UprobeMulti),
            ("ksyscall/nanosleep", PROG_KPROBE, 0, 0, Attach::Ksyscall),
            ("kretsyscall/nanosleep", PROG_KPROBE, 0, 0, Attach::Ksyscall),
            ("usdt//bin/sh:p:n", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, 0, Attach::Usdt),
            ("usdt.s//bin/sh:p:n", PROG_KPROBE, ATTACH_TRACE_UPROBE_MULTI, S, Attach::Usdt),
            ("tc/ingress", PROG_SCHED_CLS, ATTACH_TCX_INGRESS, 0, Attach::Tcx),
            ("tc/egress", PROG_SCHED_CLS, ATTACH_TCX_EGRESS, 0, Attach::Tcx),
            ("tcx/ingress", PROG_SCHED_CLS, ATTACH_TCX_INGRESS, 0, Attach::Tcx),
            ("tcx/egress", PROG_SCHED_CLS, ATTACH_TCX_EGRESS, 0, Attach::Tcx),
            ("tc", PROG_SCHED_CLS, 0, 0, Attach::Tc),
            ("classifier", PROG_SCHED_CLS, 0, 0, Attach::Tc),
            ("action", PROG_SCHED_ACT, 0, 0, Attach::Tc),
            ("netkit/primary", PROG_SCHED_CLS, ATTACH_NETKIT_PRIMARY, 0, Attach::Netkit),
            ("netkit/peer", PROG_SCHED_CLS, ATTACH_NETKIT_PEER, 0, Attach::Netkit),
            ("tp/syscalls/sys_enter_getpid", PROG_TRACEPOINT, 0, 0, Attach::Tracepoint),
            ("tracepoint/sched/sched_switch", PROG_TRACEPOINT, 0, 0, Attach::Tracepoint),
            ("tp.s/syscalls/sys_enter_getpid", PROG_TRACEPOINT, 0, S, Attach::Tracepoint),
            ("raw_tp/sys_enter", PROG_RAW_TRACEPOINT, 0, 0, Attach::RawTracepoint),
            ("raw_tracepoint/sys_enter", PROG_RAW_TRACEPOINT, 0, 0, Attach::RawTracepoint),
            ("raw_tp.s/sys_enter", PROG_RAW_TRACEPOINT, 0, S, Attach::RawTracepoint),
            ("raw_tp.w/sys_enter", PROG_RAW_TRACEPOINT_WRITABLE, 0, 0, Attach::RawTracepoint),
            ("raw_tracepoint.w/sys_enter", PROG_RAW_TRACEPOINT_WRITABLE, 0, 0, Attach::RawTracepoint),
            ("tp_btf/sched_switch", PROG_TRACING, ATTACH_TRACE_RAW_TP, 0, Attach::Trace),
            ("tp_btf.s/sched_switch", PROG_TRACING, ATTACH_TRACE_RAW_TP, S, Attach::Trace),
            ("fentry/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FENTRY, 0, Attach::Trace),
            ("fentry.s/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FENTRY, S, Attach::Trace),
            ("fexit/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FEXIT, 0, Attach::Trace),
            ("fexit.s/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FEXIT, S, Attach::Trace),
            ("fmod_ret/do_nanosleep", PROG_TRACING, ATTACH_MODIFY_RETURN, 0, Attach::Trace),
            ("fmod_ret.s/do_nanosleep", PROG_TRACING, ATTACH_MODIFY_RETURN, S, Attach::Trace),
            ("fsession/do_nanosleep", PROG_TRACING, ATTACH_TRACE_FSESSION, 0, Attach::Trace),
            ("fentry.multi/do_*", PROG_TRACING, ATTACH_TRACE_FENTRY_MULTI, 0, Attach::TracingMulti),
            ("fexit.multi.s/do_*", PROG_TRACING, ATTACH_TRACE_FEXIT_MULTI, S, Attach::TracingMulti),
            ("fsession.multi", PROG_TRACING, ATTACH_TRACE_FSESSION_MULTI, 0, Attach::TracingMulti),
            ("lsm/file_open", PROG_LSM, ATTACH_LSM_MAC, 0, Attach::Lsm),
            ("lsm.s/bpf", PROG_LSM, ATTACH_LSM_MAC, S, Attach::Lsm),
            ("lsm_cgroup/socket_bind", PROG_LSM, ATTACH_LSM_CGROUP, 0, Attach::Cgroup),
            ("iter/task", PROG_TRACING, ATTACH_TRACE_ITER, 0, Attach::Iter),
            ("iter.s/task", PROG_TRACING, ATTACH_TRACE_ITER, S, Attach::Iter),
            ("syscall", PROG_SYSCALL, 0, S, Attach::Run),
            ("xdp", PROG_XDP, ATTACH_XDP, 0, Attach::Xdp),
            ("xdp.frags", PROG_XDP, ATTACH_XDP, FR, Attach::Xdp),
            ("xdp/devmap", PROG_XDP, ATTACH_XDP_DEVMAP, 0, Attach::XdpMapEntry),
            ("xdp.frags/devmap", PROG_XDP, ATTACH_XDP_DEVMAP, FR, Attach::XdpMapEntry),
            ("xdp/cpumap", PROG_XDP, ATTACH_XDP_CPUMAP, 0, Attach::XdpMapEntry),
            ("xdp.frags/cpumap", PROG_XDP, ATTACH_XDP_CPUMAP, FR, Attach::XdpMapEntry),
            ("perf_event", PROG_PERF_EVENT, 0, 0, Attach::PerfEvent),
            ("lwt_in", PROG_LWT_IN, 0, 0, Attach::Lwt),
            ("lwt_out", PROG_LWT_OUT, 0, 0, Attach::Lwt),
            ("lwt_xmit", PROG_LWT_XMIT, 0, 0, Attach::Lwt),
            ("lwt_seg6local", PROG_LWT_SEG6LOCAL, 0, 0, Attach::Lwt),
            ("sockops", PROG_SOCK_OPS, ATTACH_CGROUP_SOCK_OPS, 0, Attach::Cgroup),
            ("sk_skb", PROG_SK_SKB, 0, 0, Attach::SockMap),
            ("sk_skb/stream_parser", PROG_SK_SKB, ATTACH_SK_SKB_STREAM_PARSER, 0, Attach::SockMap),
            ("sk_skb/stream_verdict", PROG_SK_SKB, ATTACH_SK_SKB_STREAM_VERDICT, 0, Attach::SockMap),
            ("sk_skb/verdict", PROG_SK_SKB, ATTACH_SK_SKB_VERDICT, 0, Attach::SockMap),
            ("sk_msg", PROG_SK_MSG, ATTACH_SK_MSG_VERDICT, 0, Attach::SockMap),
            ("lirc_mode2", PROG_LIRC_MODE2, ATTACH_LIRC_MODE2, 0, Attach::Lirc),
            ("flow_dissector", PROG_FLOW_DISSECTOR, ATTACH_FLOW_DISSECTOR, 0, Attach::Netns),
            ("cgroup_skb/ingress", PROG_CGROUP_SKB, ATTACH_CGROUP_INET_INGRESS, 0, Attach::Cgroup),
            ("cgroup_skb/egress", PROG_CGROUP_SKB, ATTACH_CGROUP_INET_EGRESS, 0, Attach::Cgroup),
            ("cgroup/skb", PROG_CGROUP_SKB, 0, 0, Attach::Cgroup),
            ("cgroup/sock", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_CREATE, 0, Attach::Cgroup),
            ("cgroup/sock_create", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_CREATE, 0, Attach::Cgroup),
            ("cgroup/sock_release", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET_SOCK_RELEASE, 0, Attach::Cgroup),
            ("cgroup/post_bind4", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET4_POST_BIND, 0, Attach::Cgroup),
            ("cgroup/post_bind6", PROG_CGROUP_SOCK, ATTACH_CGROUP_INET6_POST_BIND, 0, Attach::Cgroup),
            ("cgroup/bind4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_BIND, 0, Attach::Cgroup),
            ("cgroup/bind6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_BIND, 0, Attach::Cgroup),
            ("cgroup/connect4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_CONNECT, 0, Attach::Cgroup),
            ("cgroup/connect6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_CONNECT, 0, Attach::Cgroup),
            ("cgroup/connect_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_CONNECT, 0, Attach::Cgroup),
            ("cgroup/sendmsg4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP4_SENDMSG, 0, Attach::Cgroup),
            ("cgroup/sendmsg6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP6_SENDMSG, 0, Attach::Cgroup),
            ("cgroup/sendmsg_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_SENDMSG, 0, Attach::Cgroup),
            ("cgroup/recvmsg4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP4_RECVMSG, 0, Attach::Cgroup),
            ("cgroup/recvmsg6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UDP6_RECVMSG, 0, Attach::Cgroup),
            ("cgroup/recvmsg_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_RECVMSG, 0, Attach::Cgroup),
            ("cgroup/getpeername4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_GETPEERNAME, 0, Attach::Cgroup),
            ("cgroup/getpeername6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_GETPEERNAME, 0, Attach::Cgroup),
            ("cgroup/getpeername_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_GETPEERNAME, 0, Attach::Cgroup),
            ("cgroup/getsockname4", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET4_GETSOCKNAME, 0, Attach::Cgroup),
            ("cgroup/getsockname6", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_INET6_GETSOCKNAME, 0, Attach::Cgroup),
            ("cgroup/getsockname_unix", PROG_CGROUP_SOCK_ADDR, ATTACH_CGROUP_UNIX_GETSOCKNAME, 0, Attach::Cgroup),
            ("cgroup/sysctl", PROG_CGROUP_SYSCTL, ATTACH_CGROUP_SYSCTL, 0, Attach::Cgroup),
            ("cgroup/getsockopt", PROG_CGROUP_SOCKOPT, ATTACH_CGROUP_GETSOCKOPT, 0, Attach::Cgroup),
            ("cgroup/setsockopt", PROG_CGROUP_SOCKOPT, ATTACH_CGROUP_SETSOCKOPT, 0, Attach::Cgroup),
            ("cgroup/dev", PROG_CGROUP_DEVICE, ATTACH_CGROUP_DEVICE, 0, Attach::Cgroup),
            ("sk_lookup", PROG_SK_LOOKUP, ATTACH_SK_LOOKUP, 0, Attach::Netns),
            ("netfilter", PROG_NETFILTER, ATTACH_NETFILTER, 0, Attach::Netfilter),
        ];
        for &(sec, ty, at, flags, attach) in cases {
            let s = classify(sec).unwrap_or_else(|e| panic!("{sec}: {e}"));
            assert_eq!(
                (
                    s.prog_type,
                    s.expected_attach_type,
                    s.prog_flags,
                    s.def.attach
                ),
                (ty, at, flags, attach),
                "{sec}"
            );
        }
        // Attach targets, with libbpf's prefixes and kinds.
        for (sec, target, kind) in [
            ("iter/bpf_map", "bpf_iter_bpf_map", KIND_FUNC),
            ("iter.s/task", "bpf_iter_task", KIND_FUNC),
            (
                "tp_btf/sched_switch",
                "btf_trace_sched_switch",
                KIND_TYPEDEF,
            ),
            (
                "tp_btf.s/sched_switch",
                "btf_trace_sched_switch",
                KIND_TYPEDEF,
            ),
            ("fentry/do_nanosleep", "do_nanosleep", KIND_FUNC),
            ("fexit.s/do_nanosleep", "do_nanosleep", KIND_FUNC),
            (
                "fmod_ret/security_file_open",
                "security_file_open",
                KIND_FUNC,
            ),
            ("fsession.s/f", "f", KIND_FUNC),
            ("lsm/file_open", "bpf_lsm_file_open", KIND_FUNC),
            ("lsm.s/bpf", "bpf_lsm_bpf", KIND_FUNC),
            ("lsm_cgroup/socket_bind", "bpf_lsm_socket_bind", KIND_FUNC),
        ] {
            let s = classify(sec).unwrap();
            assert_eq!(s.attach_target, Some((target.to_string(), kind)), "{sec}");
        }
        assert_eq!(classify("fentry.multi/do_*").unwrap().attach_target, None);
    }

    /// libbpf's match rules: exact names, `name+` and `name/`.
    #[test]
    fn match_rules() {
        for sec in [
            "xdpfoo",
            "xdp/",
            "xdp/foo",
            "socket/x",
            "kprobefoo",
            "kprobe.",
            "sk_reuseport/other",
            "tc/ingress/x",
            "tcx",
            "tcx/other",
            "cgroup/sock_created",
            "cgroup_skb",
            "syscall/x",
            "??xdp",
            "",
            "?",
        ] {
            assert!(
                matches!(classify(sec), Err(SectionError::Unknown { .. })),
                "`{sec}` matched"
            );
        }
        // `name+` takes the name alone and anything after a `/`, even
        // nothing ("kprobe/" is a kprobe that libbpf cannot auto-attach).
        assert_eq!(find("kprobe").unwrap().sec, "kprobe+");
        assert_eq!(find("kprobe/").unwrap().sec, "kprobe+");
        assert_eq!(find("kprobe.multi").unwrap().sec, "kprobe.multi+");
        assert_eq!(find("uprobe.multi.s/x").unwrap().sec, "uprobe.multi.s+");
        assert_eq!(find("tc").unwrap().sec, "tc");
        assert_eq!(find("tc/ingress").unwrap().sec, "tc/ingress");
        // A `name/` entry (libbpf has none left) needs something after.
        let slash = d("t/", PROG_XDP, 0, SEC_NONE, Attach::Xdp);
        assert_eq!(slash.rule(), Match::Slash);
        assert_eq!(slash.prefix(), "t");
        assert!(slash.matches("t/x") && slash.matches("t/") && !slash.matches("t"));
        // `?` is autoload off, and only one is taken.
        let s = classify("?xdp.frags").unwrap();
        assert_eq!((s.autoload, s.name.as_str()), (false, "xdp.frags"));
        assert_eq!(s.prog_flags, F_XDP_HAS_FRAGS);
    }

    /// Sections whose programs a light skeleton cannot load.
    #[test]
    fn refusals() {
        for (sec, want) in [
            ("fentry", "names no attach target: write `fentry/TARGET`"),
            ("fentry/", "names no attach target"),
            ("iter", "names no attach target: write `iter/TARGET`"),
            ("tp_btf", "names no attach target"),
            ("lsm.s", "names no attach target"),
            ("?lsm_cgroup", "names no attach target"),
            ("freplace/handler", "attach_prog_fd"),
            ("freplace", "attach_prog_fd"),
            ("struct_ops/test_1", "struct_ops maps"),
            ("struct_ops.s", "struct_ops maps"),
            ("fentry.multi/bpf_testmod:f*", "module `bpf_testmod`"),
            ("fsession.multi.s/m:f", "module `m`"),
            ("frobnicate/x", "unknown section name `frobnicate/x`"),
        ] {
            let e = classify(sec).unwrap_err().to_string();
            assert!(e.contains(want), "{sec}: {e}");
        }
    }

    /// The table is libbpf's, entry by entry and in order: 7.3's all of it,
    /// 6.12's (bpftool's libbpf 1.5) as a subsequence.
    #[test]
    fn table_matches_libbpf() {
        let Some(cache) = std::env::var_os("BPF_PRELOAD_CACHE")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| std::path::PathBuf::from(h).join(".cache/bpf-preload-rs"))
            })
        else {
            eprintln!("skipped: no cache directory");
            return;
        };
        let mut seen = 0;
        for (release, whole) in [("7.3", true), ("6.12", false)] {
            let path = cache.join(format!("kernels/{release}/src/tools/lib/bpf/libbpf.c"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                eprintln!("skipped {release}: no {}", path.display());
                continue;
            };
            let theirs = libbpf_table(&text);
            let mut ours = SECTION_DEFS.iter();
            for t in &theirs {
                // All of 7.3's in order; 6.12's in order with gaps.
                let o = if whole {
                    ours.next().filter(|d| d.sec == t.sec)
                } else {
                    ours.by_ref().find(|d| d.sec == t.sec)
                };
                let Some(o) = o else {
                    panic!("{release}: libbpf's `{}` is missing or out of order", t.sec);
                };
                assert_eq!(
                    (o.prog_type, o.expected_attach_type, o.flags),
                    (t.prog_type, t.expected_attach_type, t.flags),
                    "{release}: `{}`",
                    t.sec
                );
                assert_eq!(
                    o.attach.auto(),
                    t.attach.is_some(),
                    "{release}: `{}` auto-attach",
                    t.sec
                );
                if let Some(a) = t.attach {
                    assert_eq!(o.attach, a, "{release}: `{}`", t.sec);
                }
            }
            if whole {
                assert_eq!(ours.next(), None, "{release}: entries libbpf does not have");
                assert_eq!(theirs.len(), SECTION_DEFS.len());
            }
            seen += 1;
        }
        if seen == 0 {
            eprintln!("skipped: no cached kernel tree with libbpf.c");
        }
    }

    struct Theirs {
        sec: String,
        prog_type: u32,
        expected_attach_type: u32,
        flags: u32,
        attach: Option<Attach>,
    }

    /// `section_defs[]` of a libbpf.c.
    fn libbpf_table(text: &str) -> Vec<Theirs> {
        let start = text
            .find("static const struct bpf_sec_def section_defs[] = {")
            .expect("no section_defs[]");
        let body = &text[start..];
        let body = &body[..body.find("\n};").unwrap()];
        let number = |table: &[(&str, u32)], name: &str| {
            table
                .iter()
                .find(|&&(n, _)| crate::progtype::uapi_name(n) == name)
                .unwrap_or_else(|| panic!("libbpf uses {name}, unknown here"))
                .1
        };
        let mut out = Vec::new();
        for line in body.lines() {
            let Some(args) = line.trim().strip_prefix("SEC_DEF(") else {
                continue;
            };
            let args = args.split("/*").next().unwrap().trim();
            let args = args.trim_end_matches(',').trim_end_matches(')');
            let f: Vec<&str> = args.split(',').map(str::trim).collect();
            let flags = f[3]
                .split('|')
                .map(|n| match n.trim() {
                    "0" | "SEC_NONE" => SEC_NONE,
                    "SEC_EXP_ATTACH_OPT" => SEC_EXP_ATTACH_OPT,
                    "SEC_ATTACHABLE" => SEC_ATTACHABLE,
                    "SEC_ATTACHABLE_OPT" => SEC_ATTACHABLE_OPT,
                    "SEC_ATTACH_BTF" => SEC_ATTACH_BTF,
                    "SEC_SLEEPABLE" => SEC_SLEEPABLE,
                    "SEC_XDP_FRAGS" => SEC_XDP_FRAGS,
                    "SEC_USDT" => SEC_USDT,
                    other => panic!("flag {other}"),
                })
                .fold(0, |a, b| a | b);
            let attach = f.get(4).map(|a| match *a {
                "attach_kprobe" => Attach::Kprobe,
                "attach_uprobe" => Attach::Uprobe,
                "attach_kprobe_multi" => Attach::KprobeMulti,
                "attach_kprobe_session" => Attach::KprobeSession,
                "attach_uprobe_multi" => Attach::UprobeMulti,
                "attach_ksyscall" => Attach::Ksyscall,
                "attach_usdt" => Attach::Usdt,
                "attach_tp" => Attach::Tracepoint,
                "attach_raw_tp" => Attach::RawTracepoint,
                "attach_trace" => Attach::Trace,
                "attach_tracing_multi" => Attach::TracingMulti,
                "attach_lsm" => Attach::Lsm,
                "attach_iter" => Attach::Iter,
                other => panic!("attach function {other}"),
            });
            out.push(Theirs {
                sec: f[0].trim_matches('"').to_string(),
                prog_type: number(PROG_TYPES, &format!("BPF_PROG_TYPE_{}", f[1])),
                expected_attach_type: if f[2] == "0" {
                    0
                } else {
                    number(ATTACH_TYPES, f[2])
                },
                flags,
                attach,
            });
        }
        assert!(out.len() > 50, "parsed only {} entries", out.len());
        out
    }
}
