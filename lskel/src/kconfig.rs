// SPDX-License-Identifier: GPL-2.0
//! `.kconfig` values computed on the machine that loads the object, with
//! libbpf's rules: `LINUX_KERNEL_VERSION` from the release (Ubuntu's
//! `/proc/version_signature` first, as libbpf), `LINUX_HAS_BPF_COOKIE`
//! and `LINUX_HAS_SYSCALL_WRAPPER` probed, `CONFIG_*` from
//! `/boot/config-$(uname -r)` or `/proc/config.gz`.
//!
//! [`values`] is IO-free; [`host_values`] reads the files.

use std::io::Read;

use crate::error::{Error, Result};
use crate::spec::{KconfigSpec, KconfigType};

/// `KERNEL_VERSION(a, b, c)`, the sublevel clamped to 255 as the kernel does.
pub const fn kernel_version(major: u32, minor: u32, patch: u32) -> u32 {
    (major << 16) + (minor << 8) + if patch > 255 { 255 } else { patch }
}

/// The first three numbers of a release such as `6.18.44-foo`.
pub fn release_version(release: &str) -> Option<u32> {
    let mut nums = release.splitn(3, '.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let (a, b, c) = (nums.next()??, nums.next()??, nums.next()??);
    Some(kernel_version(a, b, c))
}

/// What [`values`] needs to know about the machine.
#[derive(Clone, Debug, Default)]
pub struct Host {
    /// `KERNEL_VERSION()` of the running kernel.
    pub version: u32,
    /// The Kconfig file's text (`CONFIG_X=y` lines).
    pub config: String,
    /// The kernel has `bpf_get_attach_cookie` (Linux 5.15 and later).
    pub has_bpf_cookie: bool,
    /// System calls go through `__<arch>_sys_*` wrappers.
    pub has_syscall_wrapper: bool,
}

fn put(out: &mut [u8], v: &KconfigSpec, value: u64) -> Result<()> {
    let (at, n) = (v.offset as usize, v.size as usize);
    let bits = 8 * n as u32;
    let fits = match v.ty {
        _ if n >= 8 => true,
        KconfigType::Int { signed: true } => value.wrapping_add(1 << (bits - 1)) < (1u64 << bits),
        _ => value >> bits == 0,
    };
    if !fits {
        return Err(Error::Kconfig {
            what: v.name.into(),
            why: format!("value {value} does not fit {n} bytes"),
        });
    }
    let slot = out.get_mut(at..at + n).ok_or_else(|| Error::Kconfig {
        what: v.name.into(),
        why: "outside the map".into(),
    })?;
    let bytes = value.to_ne_bytes();
    if cfg!(target_endian = "little") {
        slot.copy_from_slice(&bytes[..n]);
    } else {
        slot.copy_from_slice(&bytes[8 - n..]);
    }
    Ok(())
}

/// An integer as libbpf's `strtoull(value, NULL, 0)` reads it: decimal,
/// `0x` hex, `0` octal, a leading `-` negating.
fn parse_int(s: &str) -> Option<u64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()?
    } else {
        s.parse().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Sets one extern from its Kconfig value (`y`, `"text"`, `250`).
fn set(out: &mut [u8], v: &KconfigSpec, value: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::Kconfig {
            what: v.name.into(),
            why: format!("value `{value}` {why}"),
        })
    };
    match value.as_bytes().first() {
        Some(&c @ (b'y' | b'n' | b'm')) if value.len() == 1 => match v.ty {
            KconfigType::Bool if c == b'm' => bad("is a tristate, the extern a bool"),
            KconfigType::Bool => put(out, v, u64::from(c == b'y')),
            KconfigType::Tristate => put(
                out,
                v,
                match c {
                    b'y' => 1,
                    b'm' => 2,
                    _ => 0,
                },
            ),
            KconfigType::Char => put(out, v, u64::from(c)),
            _ => bad("is y, n or m: the extern is not a bool, tristate or char"),
        },
        Some(b'"') => {
            if v.ty != KconfigType::CharArray || value.len() < 2 || !value.ends_with('"') {
                return bad("is a string, the extern is not a char array");
            }
            let text = &value.as_bytes()[1..value.len() - 1];
            let n = text.len().min((v.size as usize).saturating_sub(1));
            let at = v.offset as usize;
            let slot = out.get_mut(at..at + n + 1).ok_or_else(|| Error::Kconfig {
                what: v.name.into(),
                why: "outside the map".into(),
            })?;
            slot[..n].copy_from_slice(&text[..n]);
            slot[n] = 0;
            Ok(())
        }
        _ => match (parse_int(value), v.ty) {
            (Some(num), KconfigType::Int { .. }) => put(out, v, num),
            (Some(_), _) => bad("is a number, the extern is not an integer"),
            (None, _) => bad("is not a number"),
        },
    }
}

/// The `.kconfig` map value (`size` bytes, host byte order) for `vars` on
/// `host`. Unset `__weak` externs are 0; an unset strong one is an error.
pub fn values(vars: &[KconfigSpec], size: usize, host: &Host) -> Result<Vec<u8>> {
    let mut out = vec![0u8; size];
    for v in vars {
        let found = match v.name {
            "LINUX_KERNEL_VERSION" => {
                put(&mut out, v, u64::from(host.version))?;
                true
            }
            "LINUX_HAS_BPF_COOKIE" => {
                put(&mut out, v, u64::from(host.has_bpf_cookie))?;
                true
            }
            "LINUX_HAS_SYSCALL_WRAPPER" => {
                put(&mut out, v, u64::from(host.has_syscall_wrapper))?;
                true
            }
            n if n.starts_with("CONFIG_") => {
                let key = format!("{n}=");
                match host
                    .config
                    .lines()
                    .find_map(|l| l.strip_prefix(key.as_str()))
                {
                    Some(value) if !value.is_empty() => {
                        set(&mut out, v, value)?;
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !found && !v.weak {
            return Err(Error::Kconfig {
                what: v.name.into(),
                why: "no value on this machine (and the extern is not __weak)".into(),
            });
        }
    }
    Ok(out)
}

/// Decompresses a gzip file (`/proc/config.gz`): header, raw deflate.
pub fn gunzip(gz: &[u8]) -> Result<Vec<u8>> {
    let bad = |why: &str| Error::Kconfig {
        what: "config.gz".into(),
        why: why.into(),
    };
    if gz.len() < 18 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8 {
        return Err(bad("not a gzip file"));
    }
    let flags = gz[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let n = usize::from(u16::from_le_bytes([gz[at], gz[at + 1]]));
        at += 2 + n;
    }
    for bit in [8, 16] {
        if flags & bit != 0 {
            let end = gz
                .get(at..)
                .and_then(|r| r.iter().position(|&b| b == 0))
                .ok_or_else(|| bad("truncated header"))?;
            at += end + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    let body = gz.get(at..).ok_or_else(|| bad("truncated header"))?;
    miniz_oxide::inflate::decompress_to_vec(body).map_err(|e| bad(&format!("inflate: {e:?}")))
}

/// This machine's Kconfig text: `/boot/config-$release`, else
/// `/proc/config.gz`.
pub fn host_config(release: &str) -> Result<String> {
    let boot = format!("/boot/config-{release}");
    if let Ok(text) = std::fs::read_to_string(&boot) {
        return Ok(text);
    }
    let mut gz = Vec::new();
    std::fs::File::open("/proc/config.gz")
        .and_then(|mut f| f.read_to_end(&mut gz))
        .map_err(|e| Error::Kconfig {
            what: "kernel configuration".into(),
            why: format!("no {boot}, and /proc/config.gz: {e}"),
        })?;
    Ok(String::from_utf8_lossy(&gunzip(&gz)?).into_owned())
}

/// The version libbpf's `get_kernel_version` gives: Ubuntu's
/// `/proc/version_signature` (`Ubuntu 5.15.0-91.101-generic 5.15.131`),
/// else the release.
fn host_version(release: &str) -> Option<u32> {
    if let Ok(sig) = std::fs::read_to_string("/proc/version_signature") {
        if let Some(v) = sig.split_whitespace().nth(2).and_then(release_version) {
            return Some(v);
        }
    }
    release_version(release)
}

/// Whether `/proc/kallsyms` has the arch's syscall wrapper of `bpf`
/// (`__x64_sys_bpf`, `__arm64_sys_bpf`, ...), libbpf's test.
fn host_syscall_wrapper() -> bool {
    let prefix = match std::env::consts::ARCH {
        "x86_64" => "__x64_",
        "x86" => "__ia32_",
        "aarch64" => "__arm64_",
        "s390x" => "__s390x_",
        "riscv64" => "__riscv_",
        "powerpc64" => "",
        _ => return false,
    };
    let want = format!("{prefix}sys_bpf");
    std::fs::read_to_string("/proc/kallsyms").is_ok_and(|s| {
        s.lines()
            .any(|l| l.split_whitespace().nth(2) == Some(want.as_str()))
    })
}

/// Reads what [`values`] needs from this machine; the Kconfig file only if
/// some extern is a `CONFIG_*`.
pub fn host(vars: &[KconfigSpec]) -> Result<Host> {
    let path = "/proc/sys/kernel/osrelease";
    let release = std::fs::read_to_string(path).map_err(|e| Error::Kconfig {
        what: path.into(),
        why: e.to_string(),
    })?;
    let release = release.trim();
    let version = host_version(release).ok_or_else(|| Error::Kconfig {
        what: "LINUX_KERNEL_VERSION".into(),
        why: format!("no version in release `{release}`"),
    })?;
    let needs = |p: &str| vars.iter().any(|v| v.name.starts_with(p));
    Ok(Host {
        version,
        config: if needs("CONFIG_") {
            host_config(release)?
        } else {
            String::new()
        },
        has_bpf_cookie: version >= kernel_version(5, 15, 0),
        has_syscall_wrapper: needs("LINUX_HAS_SYSCALL_WRAPPER") && host_syscall_wrapper(),
    })
}

/// The `.kconfig` value of `vars` for this machine.
pub fn host_values(vars: &[KconfigSpec], size: usize) -> Result<Vec<u8>> {
    values(vars, size, &host(vars)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn var(
        name: &'static str,
        offset: u32,
        size: u32,
        ty: KconfigType,
        weak: bool,
    ) -> KconfigSpec {
        KconfigSpec {
            name,
            offset,
            size,
            ty,
            weak,
        }
    }

    #[test]
    fn libbpf_rules() {
        let vars = [
            var(
                "LINUX_KERNEL_VERSION",
                0,
                4,
                KconfigType::Int { signed: false },
                false,
            ),
            var("CONFIG_A", 4, 4, KconfigType::Tristate, false),
            var("CONFIG_B", 8, 1, KconfigType::Bool, false),
            var("CONFIG_C", 9, 1, KconfigType::Char, false),
            var("CONFIG_S", 10, 4, KconfigType::CharArray, false),
            var("CONFIG_W", 14, 1, KconfigType::Bool, true),
            var("CONFIG_N", 16, 2, KconfigType::Int { signed: true }, false),
            var("CONFIG_H", 18, 2, KconfigType::Int { signed: false }, false),
        ];
        let host = Host {
            version: kernel_version(7, 3, 4),
            config: "# CONFIG_W is not set\nCONFIG_A=m\nCONFIG_B=y\nCONFIG_C=n\n\
                     CONFIG_S=\"hello\"\nCONFIG_N=-2\nCONFIG_H=0x1f\n"
                .into(),
            ..Host::default()
        };
        let v = values(&vars, 20, &host).unwrap();
        let mut want = vec![];
        want.extend(kernel_version(7, 3, 4).to_ne_bytes());
        want.extend(2u32.to_ne_bytes());
        want.extend([1, b'n', b'h', b'e', b'l', 0, 0, 0]);
        want.extend((-2i16).to_ne_bytes());
        want.extend(0x1fu16.to_ne_bytes());
        assert_eq!(v, want);
        let mut h = host.clone();
        h.config = "CONFIG_A=y\n".into();
        assert!(values(&vars, 20, &h).is_err(), "strong externs unset");
        h.config = host.config.replace("CONFIG_B=y", "CONFIG_B=m");
        assert!(values(&vars, 20, &h).is_err(), "m for a bool");
        h.config = host.config.replace("CONFIG_N=-2", "CONFIG_N=40000");
        assert!(values(&vars, 20, &h).is_err(), "too large");
        assert_eq!(release_version("6.18.44-fc-v1252"), Some(0x06122c));
        assert_eq!(release_version("7.3.300"), Some(0x0703ff));
        assert_eq!(release_version("6.12"), None);
        assert_eq!(parse_int("010"), Some(8));
    }

    #[test]
    fn gzip_of_a_config() {
        // `printf 'CONFIG_X=y\nCONFIG_Y="a b"\n' | gzip -9n`
        let gz = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x73, 0xf6, 0xf7, 0x73,
            0xf3, 0x74, 0x8f, 0x8f, 0xb0, 0xad, 0xe4, 0x72, 0x86, 0x30, 0x23, 0x6d, 0x95, 0x12,
            0x15, 0x92, 0x94, 0xb8, 0x00, 0xa9, 0x5e, 0x96, 0xf3, 0x1a, 0x00, 0x00, 0x00,
        ];
        let text = gunzip(&gz).unwrap();
        assert_eq!(text, b"CONFIG_X=y\nCONFIG_Y=\"a b\"\n");
        assert!(gunzip(&gz[..5]).is_err());
    }

    #[test]
    fn this_machine() {
        // Whatever the machine, the version is there and agrees with uname.
        let h = host(&[]).unwrap();
        let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        if std::fs::metadata("/proc/version_signature").is_err() {
            assert_eq!(Some(h.version), release_version(rel.trim()));
        }
    }
}
