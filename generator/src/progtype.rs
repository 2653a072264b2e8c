// SPDX-License-Identifier: GPL-2.0
//! UAPI numbers a program's load attributes take: `enum bpf_prog_type`,
//! `enum bpf_attach_type` and the `prog_flags` bits libbpf's section table
//! sets.
//!
//! Values as in Linux 7.3's `include/uapi/linux/bpf.h`; a unit test checks
//! every one against that header when the kernel tree is cached. Types and
//! attach types newer than a target kernel are fine here: that kernel
//! refuses them when the program is loaded.

/// Defines one `u32` constant per entry and a table of them all, named as
/// the constants (`PROG_X` is `BPF_PROG_TYPE_X`, `ATTACH_X` is `BPF_X`).
macro_rules! uapi_numbers {
    ($(#[$meta:meta])* $table:ident { $($name:ident = $value:literal,)* }) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: see [`", stringify!($table), "`].")]
            pub const $name: u32 = $value;
        )*
        $(#[$meta])*
        pub const $table: &[(&str, u32)] = &[$((stringify!($name), $value),)*];
    };
}

uapi_numbers! {
    /// Every `enum bpf_prog_type` value of 7.3 (`PROG_X` is
    /// `BPF_PROG_TYPE_X`), in the header's order.
    PROG_TYPES {
        PROG_UNSPEC = 0,
        PROG_SOCKET_FILTER = 1,
        PROG_KPROBE = 2,
        PROG_SCHED_CLS = 3,
        PROG_SCHED_ACT = 4,
        PROG_TRACEPOINT = 5,
        PROG_XDP = 6,
        PROG_PERF_EVENT = 7,
        PROG_CGROUP_SKB = 8,
        PROG_CGROUP_SOCK = 9,
        PROG_LWT_IN = 10,
        PROG_LWT_OUT = 11,
        PROG_LWT_XMIT = 12,
        PROG_SOCK_OPS = 13,
        PROG_SK_SKB = 14,
        PROG_CGROUP_DEVICE = 15,
        PROG_SK_MSG = 16,
        PROG_RAW_TRACEPOINT = 17,
        PROG_CGROUP_SOCK_ADDR = 18,
        PROG_LWT_SEG6LOCAL = 19,
        PROG_LIRC_MODE2 = 20,
        PROG_SK_REUSEPORT = 21,
        PROG_FLOW_DISSECTOR = 22,
        PROG_CGROUP_SYSCTL = 23,
        PROG_RAW_TRACEPOINT_WRITABLE = 24,
        PROG_CGROUP_SOCKOPT = 25,
        PROG_TRACING = 26,
        PROG_STRUCT_OPS = 27,
        PROG_EXT = 28,
        PROG_LSM = 29,
        PROG_SK_LOOKUP = 30,
        PROG_SYSCALL = 31,
        PROG_NETFILTER = 32,
    }
}

uapi_numbers! {
    /// Every `enum bpf_attach_type` value of 7.3 (`ATTACH_X` is `BPF_X`),
    /// in the header's order. 0 is both "none" and
    /// `BPF_CGROUP_INET_INGRESS`: the program type tells which.
    ATTACH_TYPES {
        ATTACH_CGROUP_INET_INGRESS = 0,
        ATTACH_CGROUP_INET_EGRESS = 1,
        ATTACH_CGROUP_INET_SOCK_CREATE = 2,
        ATTACH_CGROUP_SOCK_OPS = 3,
        ATTACH_SK_SKB_STREAM_PARSER = 4,
        ATTACH_SK_SKB_STREAM_VERDICT = 5,
        ATTACH_CGROUP_DEVICE = 6,
        ATTACH_SK_MSG_VERDICT = 7,
        ATTACH_CGROUP_INET4_BIND = 8,
        ATTACH_CGROUP_INET6_BIND = 9,
        ATTACH_CGROUP_INET4_CONNECT = 10,
        ATTACH_CGROUP_INET6_CONNECT = 11,
        ATTACH_CGROUP_INET4_POST_BIND = 12,
        ATTACH_CGROUP_INET6_POST_BIND = 13,
        ATTACH_CGROUP_UDP4_SENDMSG = 14,
        ATTACH_CGROUP_UDP6_SENDMSG = 15,
        ATTACH_LIRC_MODE2 = 16,
        ATTACH_FLOW_DISSECTOR = 17,
        ATTACH_CGROUP_SYSCTL = 18,
        ATTACH_CGROUP_UDP4_RECVMSG = 19,
        ATTACH_CGROUP_UDP6_RECVMSG = 20,
        ATTACH_CGROUP_GETSOCKOPT = 21,
        ATTACH_CGROUP_SETSOCKOPT = 22,
        ATTACH_TRACE_RAW_TP = 23,
        ATTACH_TRACE_FENTRY = 24,
        ATTACH_TRACE_FEXIT = 25,
        ATTACH_MODIFY_RETURN = 26,
        ATTACH_LSM_MAC = 27,
        ATTACH_TRACE_ITER = 28,
        ATTACH_CGROUP_INET4_GETPEERNAME = 29,
        ATTACH_CGROUP_INET6_GETPEERNAME = 30,
        ATTACH_CGROUP_INET4_GETSOCKNAME = 31,
        ATTACH_CGROUP_INET6_GETSOCKNAME = 32,
        ATTACH_XDP_DEVMAP = 33,
        ATTACH_CGROUP_INET_SOCK_RELEASE = 34,
        ATTACH_XDP_CPUMAP = 35,
        ATTACH_SK_LOOKUP = 36,
        ATTACH_XDP = 37,
        ATTACH_SK_SKB_VERDICT = 38,
        ATTACH_SK_REUSEPORT_SELECT = 39,
        ATTACH_SK_REUSEPORT_SELECT_OR_MIGRATE = 40,
        ATTACH_PERF_EVENT = 41,
        ATTACH_TRACE_KPROBE_MULTI = 42,
        ATTACH_LSM_CGROUP = 43,
        ATTACH_STRUCT_OPS = 44,
        ATTACH_NETFILTER = 45,
        ATTACH_TCX_INGRESS = 46,
        ATTACH_TCX_EGRESS = 47,
        ATTACH_TRACE_UPROBE_MULTI = 48,
        ATTACH_CGROUP_UNIX_CONNECT = 49,
        ATTACH_CGROUP_UNIX_SENDMSG = 50,
        ATTACH_CGROUP_UNIX_RECVMSG = 51,
        ATTACH_CGROUP_UNIX_GETPEERNAME = 52,
        ATTACH_CGROUP_UNIX_GETSOCKNAME = 53,
        ATTACH_NETKIT_PRIMARY = 54,
        ATTACH_NETKIT_PEER = 55,
        ATTACH_TRACE_KPROBE_SESSION = 56,
        ATTACH_TRACE_UPROBE_SESSION = 57,
        ATTACH_TRACE_FSESSION = 58,
        ATTACH_TRACE_FENTRY_MULTI = 59,
        ATTACH_TRACE_FEXIT_MULTI = 60,
        ATTACH_TRACE_FSESSION_MULTI = 61,
    }
}

uapi_numbers! {
    /// The `prog_flags` bits a section can set (`F_X` is `BPF_F_X`).
    PROG_FLAGS {
        F_SLEEPABLE = 16,
        F_XDP_HAS_FRAGS = 32,
    }
}

/// The UAPI name of a constant of [`PROG_TYPES`], [`ATTACH_TYPES`] or
/// [`PROG_FLAGS`], as the header spells it.
pub fn uapi_name(constant: &str) -> String {
    if let Some(t) = constant.strip_prefix("PROG_") {
        format!("BPF_PROG_TYPE_{t}")
    } else if let Some(a) = constant.strip_prefix("ATTACH_") {
        format!("BPF_{a}")
    } else {
        format!("BPF_{constant}")
    }
}

/// The constant's name for a program type, e.g. `PROG_KPROBE`, or its
/// number for one this table does not know.
pub fn prog_type_name(prog_type: u32) -> String {
    name_of(PROG_TYPES, prog_type)
}

/// The constant's name for an attach type, e.g. `ATTACH_CGROUP_INET4_BIND`,
/// or its number for one this table does not know.
pub fn attach_type_name(attach_type: u32) -> String {
    name_of(ATTACH_TYPES, attach_type)
}

fn name_of(table: &[(&str, u32)], value: u32) -> String {
    table
        .iter()
        .find(|&&(_, v)| v == value)
        .map_or_else(|| value.to_string(), |&(n, _)| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The cached Linux 7.3 tree's UAPI `bpf.h`, if there is one.
    fn uapi_header() -> Option<String> {
        let cache = std::env::var_os("BPF_PRELOAD_CACHE")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| std::path::PathBuf::from(h).join(".cache/bpf-preload-rs"))
            })?;
        std::fs::read_to_string(cache.join("kernels/7.3/src/include/uapi/linux/bpf.h")).ok()
    }

    /// The enumerators of C enum `name` in `header`, with their values.
    fn c_enum(header: &str, name: &str) -> BTreeMap<String, u32> {
        let start = header
            .find(&format!("enum {name} {{"))
            .unwrap_or_else(|| panic!("no enum {name}"));
        let body = &header[start..];
        let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
        let mut out = BTreeMap::new();
        let mut next = 0;
        for item in body.split(',') {
            // Drop comments, keep `NAME` or `NAME = VALUE`.
            let item: String = item
                .lines()
                .map(|l| l.split("/*").next().unwrap().split("//").next().unwrap())
                .collect::<Vec<_>>()
                .join(" ");
            let item = item.split("*/").last().unwrap().trim();
            if item.is_empty() || item.starts_with("__MAX") {
                continue;
            }
            let (n, v) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), v.trim().parse().unwrap()),
                None => (item, next),
            };
            out.insert(n.to_string(), v);
            next = v + 1;
        }
        out
    }

    /// `#define NAME (1U << K)` in `header`.
    fn c_flag(header: &str, name: &str) -> Option<u32> {
        let line = header
            .lines()
            .find(|l| l.split_whitespace().take(2).eq(["#define", name]))?;
        let shift = line.split("<<").nth(1)?.trim().trim_end_matches(')').trim();
        Some(1 << shift.parse::<u32>().ok()?)
    }

    #[test]
    fn numbers_match_the_uapi_header() {
        let Some(h) = uapi_header() else {
            eprintln!(
                "skipped: no cached 7.3 tree (kernels/7.3/src/include/uapi/linux/bpf.h): scripts/kernel.sh fetches it"
            );
            return;
        };
        for (table, c) in [
            (PROG_TYPES, "bpf_prog_type"),
            (ATTACH_TYPES, "bpf_attach_type"),
        ] {
            let header = c_enum(&h, c);
            let ours: BTreeMap<String, u32> =
                table.iter().map(|&(n, v)| (uapi_name(n), v)).collect();
            assert_eq!(ours, header, "enum {c}");
        }
        for &(n, v) in PROG_FLAGS {
            assert_eq!(c_flag(&h, &uapi_name(n)), Some(v), "{n}");
        }
    }

    /// The parser above reads what it should: it would catch a change.
    #[test]
    fn enum_parser() {
        let h = "enum e {\n\tA, /* a */\n\tB = 5,\n\tC,\t// c\n\t__MAX_E\n};\n#define BPF_F_X\t(1U << 3)\n";
        let want = BTreeMap::from([("A".into(), 0), ("B".into(), 5), ("C".into(), 6)]);
        assert_eq!(c_enum(h, "e"), want);
        assert_eq!(c_flag(h, "BPF_F_X"), Some(8));
    }

    #[test]
    fn names() {
        assert_eq!(uapi_name("PROG_KPROBE"), "BPF_PROG_TYPE_KPROBE");
        assert_eq!(uapi_name("ATTACH_TRACE_ITER"), "BPF_TRACE_ITER");
        assert_eq!(uapi_name("F_SLEEPABLE"), "BPF_F_SLEEPABLE");
        assert_eq!(prog_type_name(PROG_NETFILTER), "PROG_NETFILTER");
        assert_eq!(attach_type_name(ATTACH_NETFILTER), "ATTACH_NETFILTER");
        assert_eq!(prog_type_name(999), "999");
        // Every value once, in order, from 0.
        for table in [PROG_TYPES, ATTACH_TYPES] {
            for (i, &(_, v)) in table.iter().enumerate() {
                assert_eq!(v as usize, i);
            }
        }
    }
}
