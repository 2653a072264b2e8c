// SPDX-License-Identifier: GPL-2.0
//! Values of `__kconfig` externs, computed from a kernel release string and
//! a Kconfig file with libbpf's rules ([`values`], IO-free), or from the
//! running kernel ([`from_host`]).
//!
//! Loaders never carry such values: they would be the build host's. A
//! user-space skeleton computes them on the machine it runs on with
//! [`values`] and passes them as the `.kconfig` map's initial value; the
//! kernel skeleton computes them at compile time (see `backend`).

use crate::plan::{KconfigType, KconfigVar};
use crate::Endian;

/// `KERNEL_VERSION(a, b, c)`, the sublevel clamped to 255 as the kernel does.
pub const fn kernel_version(major: u32, minor: u32, patch: u32) -> u32 {
    (major << 16) + (minor << 8) + if patch > 255 { 255 } else { patch }
}

/// `LINUX_KERNEL_VERSION` for a release such as `6.18.44-foo`: its first
/// three numbers, as libbpf reads `uname -r` (outside Ubuntu and Debian
/// kernels, whose packaging reports the version elsewhere).
pub fn release_version(release: &str) -> Option<u32> {
    let mut nums = release.splitn(3, '.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let (a, b, c) = (nums.next()??, nums.next()??, nums.next()??);
    Some(kernel_version(a, b, c))
}

fn put(out: &mut [u8], v: &KconfigVar, value: u64, e: Endian) -> Result<(), String> {
    let at = v.offset as usize;
    let n = v.size as usize;
    let bits = 8 * n as u32;
    let fits = match v.ty {
        _ if n == 8 => true,
        KconfigType::Int { signed: true } => value.wrapping_add(1 << (bits - 1)) < (1u64 << bits),
        _ => value >> bits == 0,
    };
    if !fits {
        return Err(format!("{}: {value} does not fit {n} bytes", v.name));
    }
    let bytes = e.u64(value);
    let slot = out
        .get_mut(at..at + n)
        .ok_or_else(|| format!("{}: outside the map", v.name))?;
    match e {
        Endian::Little => slot.copy_from_slice(&bytes[..n]),
        Endian::Big => slot.copy_from_slice(&bytes[8 - n..]),
    }
    Ok(())
}

/// Sets one variable from a Kconfig value (`y`, `"text"`, `250`, ...).
fn set(out: &mut [u8], v: &KconfigVar, value: &str, e: Endian) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{}: value `{value}` {why}", v.name));
    match value.as_bytes().first() {
        Some(&c @ (b'y' | b'n' | b'm')) => match v.ty {
            KconfigType::Bool if c == b'm' => bad("is a tristate, the extern a bool"),
            KconfigType::Bool => put(out, v, u64::from(c == b'y'), e),
            KconfigType::Tristate => put(
                out,
                v,
                [0, 1, 2][usize::from(c == b'y') + 2 * usize::from(c == b'm')],
                e,
            ),
            KconfigType::Char => put(out, v, u64::from(c), e),
            _ => bad("implies a bool, tristate or char extern"),
        },
        Some(b'"') => {
            if v.ty != KconfigType::CharArray || value.len() < 2 || !value.ends_with('"') {
                return bad("is a string, the extern is not a char array");
            }
            let text = &value.as_bytes()[1..value.len() - 1];
            let n = text.len().min(v.size as usize - 1);
            let at = v.offset as usize;
            let slot = out
                .get_mut(at..at + n + 1)
                .ok_or_else(|| format!("{}: outside the map", v.name))?;
            slot[..n].copy_from_slice(&text[..n]);
            slot[n] = 0;
            Ok(())
        }
        _ => {
            let num = if let Some(h) = value.strip_prefix("0x").or(value.strip_prefix("0X")) {
                u64::from_str_radix(h, 16)
            } else if let Some(neg) = value.strip_prefix('-') {
                neg.parse::<u64>().map(u64::wrapping_neg)
            } else {
                value.parse::<u64>()
            };
            let Ok(num) = num else {
                return bad("is not a number");
            };
            match v.ty {
                KconfigType::Int { .. } | KconfigType::Char => put(out, v, num, e),
                _ => bad("is a number, the extern is not an integer"),
            }
        }
    }
}

/// The `.kconfig` map value for `vars` (`size` bytes, byte order `e`):
/// `LINUX_KERNEL_VERSION` from `release`, `CONFIG_*` from the text of a
/// Kconfig file. Unset weak externs are 0; an unset strong one is an error.
pub fn values(
    vars: &[KconfigVar],
    size: usize,
    e: Endian,
    release: &str,
    config: &str,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; size];
    for v in vars {
        let found = if v.name == "LINUX_KERNEL_VERSION" {
            let ver = release_version(release)
                .ok_or_else(|| format!("cannot read a version from release `{release}`"))?;
            put(&mut out, v, u64::from(ver), e)?;
            true
        } else if v.name.starts_with("CONFIG_") {
            let key = format!("{}=", v.name);
            match config.lines().find_map(|l| l.strip_prefix(key.as_str())) {
                Some(value) if !value.is_empty() => {
                    set(&mut out, v, value, e)?;
                    true
                }
                _ => false,
            }
        } else {
            false
        };
        if !found && !v.weak {
            return Err(format!(
                "{}: no value (and the extern is not __weak)",
                v.name
            ));
        }
    }
    Ok(out)
}

/// The `.kconfig` map value of `plan` for the running kernel, read the way
/// libbpf reads it (`/proc/sys/kernel/osrelease`, then
/// `/boot/config-$release` or `/proc/config.gz` through `gzip -dc`), in
/// host byte order; `None` if the object has no kconfig externs. For
/// user-space runs of a loader (tests, `bpf-lskel run`).
pub fn from_host(plan: &crate::Plan) -> Result<Option<Vec<u8>>, String> {
    let Some(m) = plan
        .maps
        .iter()
        .find(|m| m.kind == crate::plan::MapKind::Kconfig)
    else {
        return Ok(None);
    };
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_err(|e| format!("/proc/sys/kernel/osrelease: {e}"))?;
    let release = release.trim();
    let boot = format!("/boot/config-{release}");
    let config = match std::fs::read_to_string(&boot) {
        Ok(text) => text,
        Err(_) => {
            let out = std::process::Command::new("gzip")
                .args(["-dc", "/proc/config.gz"])
                .output()
                .map_err(|e| format!("gzip -dc /proc/config.gz: {e}"))?;
            if !out.status.success() {
                return Err(format!("no {boot} and no readable /proc/config.gz"));
            }
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    values(
        &plan.kconfig,
        m.value_size as usize,
        Endian::host(),
        release,
        &config,
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, offset: u32, size: u32, ty: KconfigType, weak: bool) -> KconfigVar {
        KconfigVar {
            name: name.into(),
            offset,
            size,
            ty,
            weak,
        }
    }

    #[test]
    fn versions() {
        assert_eq!(release_version("6.18.44-fc-v1147"), Some(0x06122c));
        assert_eq!(release_version("7.3.300"), Some(0x0703ff));
        assert_eq!(release_version("6.12"), None);
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
        ];
        let cfg = "# CONFIG_W is not set\nCONFIG_A=m\nCONFIG_B=y\nCONFIG_C=n\nCONFIG_S=\"hello\"\nCONFIG_N=-2\n";
        let v = values(&vars, 18, Endian::Little, "7.3.4", cfg).unwrap();
        assert_eq!(
            v,
            [4, 3, 7, 0, 2, 0, 0, 0, 1, b'n', b'h', b'e', b'l', 0, 0, 0, 0xfe, 0xff]
        );
        let v = values(&vars, 18, Endian::Big, "7.3.4", cfg).unwrap();
        assert_eq!(&v[..8], [0, 7, 3, 4, 0, 0, 0, 2]);
        assert!(values(&vars, 18, Endian::Little, "7.3.4", "CONFIG_A=y\n").is_err());
        let bool_m = "CONFIG_A=y\nCONFIG_B=m\nCONFIG_C=y\nCONFIG_S=\"\"\nCONFIG_N=1\n";
        assert!(values(&vars, 18, Endian::Little, "7.3.4", bool_m).is_err());
        let big = "CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\nCONFIG_S=\"\"\nCONFIG_N=40000\n";
        assert!(values(&vars, 18, Endian::Little, "7.3.4", big).is_err());
    }
}
