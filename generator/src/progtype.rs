// SPDX-License-Identifier: GPL-2.0
//! Program type, expected attach type and attach target from a SEC name.
//!
//! The prefixes follow libbpf's conventions so objects written for libbpf
//! load the same way.

use crate::btf::{KIND_FUNC, KIND_TYPEDEF};

pub const PROG_SOCKET_FILTER: u32 = 1;
pub const PROG_KPROBE: u32 = 2;
pub const PROG_SCHED_CLS: u32 = 3;
pub const PROG_SCHED_ACT: u32 = 4;
pub const PROG_TRACEPOINT: u32 = 5;
pub const PROG_XDP: u32 = 6;
pub const PROG_PERF_EVENT: u32 = 7;
pub const PROG_CGROUP_SKB: u32 = 8;
pub const PROG_CGROUP_SOCK: u32 = 9;
pub const PROG_RAW_TRACEPOINT: u32 = 17;
pub const PROG_TRACING: u32 = 26;
pub const PROG_LSM: u32 = 29;
pub const PROG_SYSCALL: u32 = 31;

pub const ATTACH_CGROUP_INET_INGRESS: u32 = 0;
pub const ATTACH_CGROUP_INET_EGRESS: u32 = 1;
pub const ATTACH_CGROUP_INET_SOCK_CREATE: u32 = 2;
pub const ATTACH_TRACE_RAW_TP: u32 = 23;
pub const ATTACH_TRACE_FENTRY: u32 = 24;
pub const ATTACH_TRACE_FEXIT: u32 = 25;
pub const ATTACH_MODIFY_RETURN: u32 = 26;
pub const ATTACH_LSM_MAC: u32 = 27;
pub const ATTACH_TRACE_ITER: u32 = 28;
pub const ATTACH_XDP: u32 = 37;

/// `BPF_F_SLEEPABLE`.
pub const F_SLEEPABLE: u32 = 1 << 4;

/// What the SEC name says about a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecDef {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `enum bpf_attach_type` given at load time.
    pub expected_attach_type: u32,
    /// `prog_flags` (sleepable).
    pub prog_flags: u32,
    /// BTF name and kind to resolve on the target kernel into `attach_btf_id`.
    pub attach_target: Option<(String, u32)>,
}

/// How a SEC prefix maps to a program.
struct Rule {
    prefix: &'static str,
    /// Exact match only (no `/...` suffix allowed).
    exact: bool,
    prog_type: u32,
    attach: u32,
    sleepable: bool,
    /// Prefix of the attach target's BTF name, and its kind.
    target: Option<(&'static str, u32)>,
}

const fn r(prefix: &'static str, exact: bool, prog_type: u32, attach: u32) -> Rule {
    Rule {
        prefix,
        exact,
        prog_type,
        attach,
        sleepable: false,
        target: None,
    }
}

const fn t(
    prefix: &'static str,
    attach: u32,
    sleepable: bool,
    tp: &'static str,
    kind: u32,
    prog_type: u32,
) -> Rule {
    Rule {
        prefix,
        exact: false,
        prog_type,
        attach,
        sleepable,
        target: Some((tp, kind)),
    }
}

const RULES: &[Rule] = &[
    t(
        "iter/",
        ATTACH_TRACE_ITER,
        false,
        "bpf_iter_",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "iter.s/",
        ATTACH_TRACE_ITER,
        true,
        "bpf_iter_",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fentry/",
        ATTACH_TRACE_FENTRY,
        false,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fentry.s/",
        ATTACH_TRACE_FENTRY,
        true,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fexit/",
        ATTACH_TRACE_FEXIT,
        false,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fexit.s/",
        ATTACH_TRACE_FEXIT,
        true,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fmod_ret/",
        ATTACH_MODIFY_RETURN,
        false,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "fmod_ret.s/",
        ATTACH_MODIFY_RETURN,
        true,
        "",
        KIND_FUNC,
        PROG_TRACING,
    ),
    t(
        "tp_btf/",
        ATTACH_TRACE_RAW_TP,
        false,
        "btf_trace_",
        KIND_TYPEDEF,
        PROG_TRACING,
    ),
    t(
        "lsm/",
        ATTACH_LSM_MAC,
        false,
        "bpf_lsm_",
        KIND_FUNC,
        PROG_LSM,
    ),
    t(
        "lsm.s/",
        ATTACH_LSM_MAC,
        true,
        "bpf_lsm_",
        KIND_FUNC,
        PROG_LSM,
    ),
    r("raw_tp", false, PROG_RAW_TRACEPOINT, 0),
    r("raw_tracepoint", false, PROG_RAW_TRACEPOINT, 0),
    r("tp", false, PROG_TRACEPOINT, 0),
    r("tracepoint", false, PROG_TRACEPOINT, 0),
    r("kprobe", false, PROG_KPROBE, 0),
    r("kretprobe", false, PROG_KPROBE, 0),
    r("socket", true, PROG_SOCKET_FILTER, 0),
    r("xdp", true, PROG_XDP, ATTACH_XDP),
    r("tc", true, PROG_SCHED_CLS, 0),
    r("classifier", true, PROG_SCHED_CLS, 0),
    r("action", true, PROG_SCHED_ACT, 0),
    r("perf_event", true, PROG_PERF_EVENT, 0),
    r(
        "cgroup_skb/ingress",
        true,
        PROG_CGROUP_SKB,
        ATTACH_CGROUP_INET_INGRESS,
    ),
    r(
        "cgroup_skb/egress",
        true,
        PROG_CGROUP_SKB,
        ATTACH_CGROUP_INET_EGRESS,
    ),
    r(
        "cgroup/sock_create",
        true,
        PROG_CGROUP_SOCK,
        ATTACH_CGROUP_INET_SOCK_CREATE,
    ),
    r(
        "cgroup/sock",
        true,
        PROG_CGROUP_SOCK,
        ATTACH_CGROUP_INET_SOCK_CREATE,
    ),
    Rule {
        prefix: "syscall",
        exact: true,
        prog_type: PROG_SYSCALL,
        attach: 0,
        sleepable: true,
        target: None,
    },
];

/// Interprets a SEC name; `None` if no rule matches.
pub fn sec_def(sec: &str) -> Option<SecDef> {
    for rule in RULES {
        let Some(rest) = sec.strip_prefix(rule.prefix) else {
            continue;
        };
        let matched = if let Some((tp, kind)) = rule.target {
            if rest.is_empty() {
                continue;
            }
            Some((format!("{tp}{rest}"), kind))
        } else if rest.is_empty() || (!rule.exact && rest.starts_with('/')) {
            None
        } else {
            continue;
        };
        return Some(SecDef {
            prog_type: rule.prog_type,
            expected_attach_type: rule.attach,
            prog_flags: if rule.sleepable { F_SLEEPABLE } else { 0 },
            attach_target: matched,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sections() {
        let d = sec_def("iter/bpf_map").unwrap();
        assert_eq!(
            (d.prog_type, d.expected_attach_type),
            (PROG_TRACING, ATTACH_TRACE_ITER)
        );
        assert_eq!(
            d.attach_target,
            Some(("bpf_iter_bpf_map".into(), KIND_FUNC))
        );
        assert_eq!(
            sec_def("tp_btf/sched_switch")
                .unwrap()
                .attach_target
                .unwrap()
                .0,
            "btf_trace_sched_switch"
        );
        assert_eq!(
            sec_def("kprobe/do_sys_open").unwrap().prog_type,
            PROG_KPROBE
        );
        assert_eq!(sec_def("syscall").unwrap().prog_flags, F_SLEEPABLE);
        assert_eq!(sec_def("xdp").unwrap().expected_attach_type, ATTACH_XDP);
        assert!(sec_def("xdpfoo").is_none());
        assert!(sec_def("iter/").is_none());
        assert!(sec_def("tcx").is_none());
        assert!(sec_def("tc/ingress").is_none());
        assert!(sec_def("unknown").is_none());
    }
}
