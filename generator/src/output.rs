// SPDX-License-Identifier: GPL-2.0
//! Writing an output file the way a user of `-o FILE` expects.
//!
//! - A symbolic link is followed, hop by hop, to the file it names; the link
//!   stays and that file is written. A dangling link gets its target
//!   created, as a shell's `>` would, if the target's directory exists.
//! - A regular file (or a new one) is replaced atomically: the bytes go to a
//!   temporary file in the same directory, which is renamed over it. On any
//!   error the old file stays as it was and the temporary file is removed.
//!   A replaced file keeps its permission bits (and, where allowed, its
//!   owner); a new one gets `0644` less the umask.
//! - Anything else that can be opened for writing (a character or block
//!   device, a FIFO) is opened and written in place, never replaced: a
//!   rename would turn `/dev/null` into a regular file.
//!
//! The temporary file has an unpredictable name and is created with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`, so no file or link planted in the
//! directory can redirect the write.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Most symbolic links followed from the given path, as Linux's `ELOOP`.
pub const MAX_LINKS: usize = 40;

/// Temporary names tried before giving up.
const TEMP_TRIES: usize = 64;

/// Why an output file could not be written; every variant names the path
/// given and, after a symbolic link, the file it leads to.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A system call failed.
    #[error("{}: {what}: {source}", shown(.path, .target))]
    Io {
        /// The path given.
        path: PathBuf,
        /// The file it resolves to.
        target: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The directory the file would go in does not exist.
    #[error("{}: the directory `{}` does not exist", shown(.path, .target), .dir.display())]
    NoDirectory {
        /// The path given.
        path: PathBuf,
        /// The file it resolves to.
        target: PathBuf,
        /// The missing directory.
        dir: PathBuf,
    },
    /// The path names a directory.
    #[error("{}: is a directory", shown(.path, .target))]
    IsDirectory {
        /// The path given.
        path: PathBuf,
        /// The file it resolves to.
        target: PathBuf,
    },
    /// The path does not end in a file name (`""`, `..`, `dir/`).
    #[error("{}: not a file name", shown(.path, .target))]
    NotAFileName {
        /// The path given.
        path: PathBuf,
        /// The file it resolves to.
        target: PathBuf,
    },
    /// Too many symbolic links, or a loop of them.
    #[error("{}: more than {MAX_LINKS} symbolic links", .path.display())]
    TooManyLinks {
        /// The path given.
        path: PathBuf,
    },
    /// Every temporary name tried was taken.
    #[error("{}: no unused temporary name in `{}` after {TEMP_TRIES} tries", shown(.path, .target), .dir.display())]
    NoTemporaryName {
        /// The path given.
        path: PathBuf,
        /// The file it resolves to.
        target: PathBuf,
        /// The directory of the temporary file.
        dir: PathBuf,
    },
}

/// `path`, or `path -> target` after a symbolic link.
fn shown(path: &Path, target: &Path) -> String {
    if path.as_os_str().is_empty() {
        "the empty path".into()
    } else if path == target {
        path.display().to_string()
    } else {
        format!("{} -> {}", path.display(), target.display())
    }
}

/// Writes `bytes` to `path` as described in the module documentation.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_with(path, bytes, &mut random_name)
}

/// [`write`], with temporary names from `names`.
fn write_with(
    path: &Path,
    bytes: &[u8],
    names: &mut dyn FnMut(&OsStr) -> OsString,
) -> Result<(), OutputError> {
    let target = resolve(path)?;
    let err = |what, source| OutputError::Io {
        path: path.into(),
        target: target.clone(),
        what,
        source,
    };
    match fs::symlink_metadata(&target) {
        Ok(m) if m.is_dir() => Err(OutputError::IsDirectory {
            path: path.into(),
            target,
        }),
        Ok(m) if m.is_file() => replace(path, &target, Some(&m), bytes, names),
        Ok(_) => OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|e| err("cannot open it for writing", e))?
            .write_all(bytes)
            .map_err(|e| err("writing", e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(path, &target, None, bytes, names),
        Err(e) => Err(err("cannot look it up", e)),
    }
}

/// Follows symbolic links from `path` to what is not one (or is missing).
fn resolve(path: &Path) -> Result<PathBuf, OutputError> {
    let mut p = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&p).map_err(|source| OutputError::Io {
                    path: path.into(),
                    target: p.clone(),
                    what: "cannot read the symbolic link",
                    source,
                })?;
                // A relative link is relative to the link's directory.
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(OutputError::TooManyLinks { path: path.into() })
}

/// A temporary file, removed on drop unless renamed into place.
struct Temp {
    path: PathBuf,
    file: File,
    keep: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Creates a new file in `dir` that no existing file or link can stand in
/// for, under the first free name from `names`.
fn create_temp(
    dir: &Path,
    name: &OsStr,
    mode: u32,
    names: &mut dyn FnMut(&OsStr) -> OsString,
) -> Result<Option<Temp>, io::Error> {
    for _ in 0..TEMP_TRIES {
        let path = dir.join(names(name));
        let mut o = OpenOptions::new();
        // create_new is O_CREAT | O_EXCL: it fails on any existing name,
        // a symbolic link included, which O_NOFOLLOW makes doubly sure of.
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(mode).custom_flags(libc::O_NOFOLLOW);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match o.open(&path) {
            Ok(file) => {
                return Ok(Some(Temp {
                    path,
                    file,
                    keep: false,
                }))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Replaces (or creates) the regular file `target` through a temporary file.
fn replace(
    path: &Path,
    target: &Path,
    old: Option<&Metadata>,
    bytes: &[u8],
    names: &mut dyn FnMut(&OsStr) -> OsString,
) -> Result<(), OutputError> {
    let err = |what, source| OutputError::Io {
        path: path.into(),
        target: target.into(),
        what,
        source,
    };
    let Some(name) = target.file_name() else {
        return Err(OutputError::NotAFileName {
            path: path.into(),
            target: target.into(),
        });
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Private until its permissions are those of the file it replaces.
    let mode = if old.is_some() { 0o600 } else { 0o644 };
    let mut tmp = match create_temp(dir, name, mode, names) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(OutputError::NoTemporaryName {
                path: path.into(),
                target: target.into(),
                dir: dir.into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(OutputError::NoDirectory {
                path: path.into(),
                target: target.into(),
                dir: dir.into(),
            })
        }
        Err(e) => return Err(err("cannot create a temporary file", e)),
    };
    tmp.file
        .write_all(bytes)
        .map_err(|e| err("writing a temporary file", e))?;
    if let Some(m) = old {
        keep_owner_and_mode(&tmp.file, m).map_err(|e| err("setting permissions", e))?;
    }
    tmp.file
        .sync_all()
        .map_err(|e| err("writing a temporary file", e))?;
    fs::rename(&tmp.path, target).map_err(|e| err("cannot rename the temporary file", e))?;
    tmp.keep = true;
    Ok(())
}

/// Gives `file` the owner (where allowed) and permission bits of `old`.
#[cfg(unix)]
fn keep_owner_and_mode(file: &File, old: &Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        // Only root may give a file away: anyone else ends up owning the
        // new file, as with any tool that saves by renaming.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    // Set-id bits are not carried over to a file of new contents.
    file.set_permissions(fs::Permissions::from_mode(old.mode() & 0o1777))
}

#[cfg(not(unix))]
fn keep_owner_and_mode(file: &File, old: &Metadata) -> io::Result<()> {
    file.set_permissions(old.permissions())
}

/// `.NAME.` and 16 hex digits no other process can predict: SipHash keyed
/// by `RandomState`, whose keys come from the OS's random source.
fn random_name(name: &OsStr) -> OsString {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{:016x}", h.finish()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};

    /// A fresh directory under the repository's `build/`.
    fn tmpdir(name: &str) -> PathBuf {
        let d = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../build/test-output")
            .join(format!("{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn is_symlink(p: &Path) -> bool {
        fs::symlink_metadata(p).unwrap().file_type().is_symlink()
    }

    #[test]
    fn new_and_replaced_files() {
        let d = tmpdir("plain");
        let f = d.join("out");
        write(&f, b"one").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"one");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o604)).unwrap();
        write(&f, b"two").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"two");
        let mode = fs::metadata(&f).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o604);
        assert_eq!(entries(&d), ["out"]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn names_are_hidden_and_differ() {
        let a = random_name(OsStr::new("x.rs"));
        let b = random_name(OsStr::new("x.rs"));
        assert_ne!(a, b);
        let a = a.to_string_lossy().into_owned();
        assert!(
            a.starts_with(".x.rs.") && a.len() == ".x.rs.".len() + 16,
            "{a}"
        );
    }

    #[test]
    fn links_are_followed_and_kept() {
        let d = tmpdir("links");
        fs::create_dir_all(d.join("sub")).unwrap();
        fs::write(d.join("sub/real"), "old").unwrap();
        symlink("sub/real", d.join("l1")).unwrap();
        symlink(d.join("l1"), d.join("l2")).unwrap();
        write(&d.join("l2"), b"new").unwrap();
        assert_eq!(fs::read(d.join("sub/real")).unwrap(), b"new");
        assert!(is_symlink(&d.join("l1")) && is_symlink(&d.join("l2")));
        assert_eq!(entries(&d.join("sub")), ["real"]);

        // Dangling: created. A loop: refused.
        symlink("sub/created", d.join("dangling")).unwrap();
        write(&d.join("dangling"), b"x").unwrap();
        assert_eq!(fs::read(d.join("sub/created")).unwrap(), b"x");
        symlink("loop", d.join("loop")).unwrap();
        let e = write(&d.join("loop"), b"x").unwrap_err();
        assert!(matches!(e, OutputError::TooManyLinks { .. }), "{e}");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn fifo_is_written_in_place() {
        let d = tmpdir("fifo");
        let fifo = d.join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let r = fifo.clone();
        let reader = std::thread::spawn(move || fs::read(r).unwrap());
        write(&fifo, b"through").unwrap();
        assert_eq!(reader.join().unwrap(), b"through");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(entries(&d), ["fifo"]);
        let _ = fs::remove_dir_all(&d);
    }

    /// A name taken by a planted link is skipped, the link's target is
    /// left alone; when every name is taken, nothing is written at all.
    #[test]
    fn planted_links_are_never_followed() {
        let d = tmpdir("planted");
        fs::write(d.join("victim"), "victim").unwrap();
        fs::write(d.join("out"), "old").unwrap();
        symlink("victim", d.join("taken")).unwrap();
        let mut n = 0;
        let mut names = |_: &OsStr| {
            n += 1;
            OsString::from(if n == 1 { "taken" } else { "free" })
        };
        write_with(&d.join("out"), b"new", &mut names).unwrap();
        assert_eq!(fs::read(d.join("victim")).unwrap(), b"victim");
        assert_eq!(fs::read(d.join("out")).unwrap(), b"new");
        assert_eq!(entries(&d), ["out", "taken", "victim"]);

        let e = write_with(&d.join("out"), b"newer", &mut |_| "taken".into()).unwrap_err();
        assert!(matches!(e, OutputError::NoTemporaryName { .. }), "{e}");
        assert_eq!(fs::read(d.join("victim")).unwrap(), b"victim");
        assert_eq!(fs::read(d.join("out")).unwrap(), b"new");
        let _ = fs::remove_dir_all(&d);
    }

    /// A failed rename leaves the old file and no temporary file.
    #[test]
    fn failure_removes_the_temporary_file() {
        let d = tmpdir("fail");
        fs::write(d.join("out"), "old").unwrap();
        let old = fs::symlink_metadata(d.join("out")).unwrap();
        // A directory cannot be renamed over by a file.
        fs::create_dir(d.join("dir")).unwrap();
        fs::write(d.join("dir/inside"), "").unwrap();
        let e = replace(
            &d.join("dir"),
            &d.join("dir"),
            Some(&old),
            b"new",
            &mut random_name,
        )
        .unwrap_err();
        assert!(matches!(e, OutputError::Io { .. }), "{e}");
        assert_eq!(entries(&d), ["dir", "out"]);
        assert_eq!(entries(&d.join("dir")), ["inside"]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn clear_errors() {
        let d = tmpdir("errors");
        let e = write(&d.join("missing/out"), b"x").unwrap_err();
        assert!(matches!(e, OutputError::NoDirectory { .. }), "{e}");
        assert!(e.to_string().contains("missing` does not exist"), "{e}");
        let e = write(&d, b"x").unwrap_err();
        assert!(matches!(e, OutputError::IsDirectory { .. }), "{e}");
        let e = write(Path::new(""), b"x").unwrap_err();
        assert!(matches!(e, OutputError::NotAFileName { .. }), "{e}");
        symlink("missing/out", d.join("link")).unwrap();
        let e = write(&d.join("link"), b"x").unwrap_err().to_string();
        assert!(
            e.contains("link -> ") && e.contains("does not exist"),
            "{e}"
        );
        assert_eq!(entries(&d), ["link"]);
        let _ = fs::remove_dir_all(&d);
    }
}
