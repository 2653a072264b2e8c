// SPDX-License-Identifier: GPL-2.0
//! A `build.rs` helper that compiles BPF C sources and writes `lskel` light
//! skeletons of them into `OUT_DIR`, as libbpf-cargo's `SkeletonBuilder`.
//!
//! # Examples
//!
//! In `build.rs`'s `main`:
//!
//! ```no_run
//! lskel_build::Builder::new()
//!     .include("src/bpf/include")
//!     .build()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! and in the crate, for `src/bpf/execsnoop.bpf.c`:
//!
//! ```text
//! mod skel {
//!     include!(concat!(env!("OUT_DIR"), "/execsnoop.skel.rs"));
//! }
//! let skel = skel::ExecsnoopSkel::open()?.load()?;
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::{generate, Endian, Plan};

/// Why a build failed.
#[derive(Debug)]
pub enum Error {
    /// A cargo variable (`OUT_DIR`, ...) is missing: not run from build.rs.
    Env(&'static str),
    /// No clang, and no prebuilt object either.
    NoCompiler {
        /// The source that needed compiling.
        source: PathBuf,
        /// What was tried.
        tried: String,
    },
    /// clang failed.
    Compile {
        /// The source.
        source: PathBuf,
        /// clang's output.
        stderr: String,
    },
    /// The generator refused the object.
    Generate {
        /// The object.
        object: PathBuf,
        /// The generator's error.
        err: bpf_lskel::Error,
    },
    /// Reading or writing a file failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        err: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Env(v) => write!(f, "${v} is not set: run lskel-build from a build script"),
            Error::NoCompiler { source, tried } => write!(
                f,
                "{}: no clang to compile it ({tried}) and no prebuilt object: install clang, set $CLANG, or build the objects elsewhere and point prebuilt_dir (or $LSKEL_PREBUILT_DIR) at them",
                source.display()
            ),
            Error::Compile { source, stderr } => {
                write!(f, "{}: clang failed:\n{stderr}", source.display())
            }
            Error::Generate { object, err } => write!(f, "{}: {err}", object.display()),
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// Compiles BPF sources and writes their skeletons; see the crate docs.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    sources: Vec<PathBuf>,
    includes: Vec<PathBuf>,
    clang: Option<PathBuf>,
    clang_args: Vec<String>,
    prebuilt: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// A builder for every `src/bpf/*.bpf.c` of the crate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds `path` instead of (the first time) or besides `src/bpf/*.bpf.c`.
    pub fn source(mut self, path: impl Into<PathBuf>) -> Self {
        self.sources.push(path.into());
        self
    }

    /// Adds an include directory (`-I`), e.g. the one holding `vmlinux.h`.
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Self {
        self.includes.push(dir.into());
        self
    }

    /// Uses this clang (default: `$CLANG`, else `clang`, `clang-19` ...
    /// `clang-14` on `PATH`).
    pub fn clang(mut self, path: impl Into<PathBuf>) -> Self {
        self.clang = Some(path.into());
        self
    }

    /// Passes one more argument to clang.
    pub fn clang_arg(mut self, arg: impl Into<String>) -> Self {
        self.clang_args.push(arg.into());
        self
    }

    /// Looks for `NAME.bpf.o` in `dir` when no clang is found (also
    /// `$LSKEL_PREBUILT_DIR`).
    pub fn prebuilt_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.prebuilt.push(dir.into());
        self
    }

    /// Writes the skeletons there instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    fn find_clang(&self) -> Result<PathBuf, String> {
        let mut cands: Vec<PathBuf> = Vec::new();
        cands.extend(self.clang.clone());
        cands.extend(std::env::var_os("CLANG").map(PathBuf::from));
        if cands.is_empty() {
            cands.push("clang".into());
            cands.extend((14..=19).rev().map(|v| PathBuf::from(format!("clang-{v}"))));
        }
        for c in &cands {
            let ok = Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return Ok(c.clone());
            }
        }
        Err(cands
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(", "))
    }

    fn default_sources() -> Result<Vec<PathBuf>, Error> {
        let dir = PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").ok_or(Error::Env("CARGO_MANIFEST_DIR"))?,
        )
        .join("src/bpf");
        println!("cargo::rerun-if-changed={}", dir.display());
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(Error::Io { path: dir, err }),
        };
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
            .collect();
        v.sort();
        Ok(v)
    }

    /// Compiles every source and writes `NAME.skel.rs` for each into the
    /// output directory; prints the cargo directives. Returns the paths.
    pub fn build(self) -> Result<Vec<PathBuf>, Error> {
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or(Error::Env("OUT_DIR"))?),
        };
        println!("cargo::rustc-check-cfg=cfg(lskel)");
        println!("cargo::rustc-cfg=lskel");
        println!("cargo::rerun-if-env-changed=CLANG");
        println!("cargo::rerun-if-env-changed=LSKEL_PREBUILT_DIR");
        let sources = if self.sources.is_empty() {
            Self::default_sources()?
        } else {
            self.sources.clone()
        };
        let mut prebuilt = self.prebuilt.clone();
        prebuilt.extend(std::env::var_os("LSKEL_PREBUILT_DIR").map(PathBuf::from));
        let clang = self.find_clang();
        for d in &self.includes {
            println!("cargo::rerun-if-changed={}", d.display());
        }
        let mut written = Vec::new();
        for src in &sources {
            println!("cargo::rerun-if-changed={}", src.display());
            let file = src
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = file.strip_suffix(".bpf.c").unwrap_or(&file).to_string();
            let obj = out.join(format!("{stem}.bpf.o"));
            match &clang {
                Ok(c) => self.compile(c, src, &obj)?,
                Err(tried) => {
                    let found = prebuilt
                        .iter()
                        .map(|d| d.join(format!("{stem}.bpf.o")))
                        .find(|p| p.is_file());
                    let Some(p) = found else {
                        return Err(Error::NoCompiler {
                            source: src.clone(),
                            tried: tried.clone(),
                        });
                    };
                    println!("cargo::rerun-if-changed={}", p.display());
                    println!(
                        "cargo::warning=no clang ({tried}): using the prebuilt {}",
                        p.display()
                    );
                    std::fs::copy(&p, &obj).map_err(|err| Error::Io {
                        path: p.clone(),
                        err,
                    })?;
                }
            }
            let name = bpf_lskel::names::base(&stem);
            let text = skeleton(&obj, &name)?;
            let path = out.join(format!("{stem}.skel.rs"));
            std::fs::write(&path, text).map_err(|err| Error::Io {
                path: path.clone(),
                err,
            })?;
            written.push(path);
        }
        Ok(written)
    }

    fn compile(&self, clang: &Path, src: &Path, obj: &Path) -> Result<(), Error> {
        let target = if cfg!(target_endian = "big") {
            "bpfeb"
        } else {
            "bpfel"
        };
        let mut cmd = Command::new(clang);
        cmd.args(["-target", target, "-g", "-O2", "-Wall"]);
        if let Some(arch) = host_include_arch() {
            cmd.arg(format!("-I/usr/include/{arch}-linux-gnu"));
        }
        for d in &self.includes {
            cmd.arg("-I").arg(d);
        }
        cmd.args(&self.clang_args)
            .arg("-c")
            .arg(src)
            .arg("-o")
            .arg(obj);
        let o = cmd.output().map_err(|err| Error::Io {
            path: clang.to_path_buf(),
            err,
        })?;
        if o.status.success() {
            Ok(())
        } else {
            Err(Error::Compile {
                source: src.to_path_buf(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            })
        }
    }
}

/// The multiarch directory name of the build host (for `asm/types.h`).
fn host_include_arch() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("x86_64"),
        "aarch64" => Some("aarch64"),
        _ => None,
    }
}

/// The rust-user skeleton of object `obj`, named `name`, for the host's
/// byte order: its text, as `bpf-lskel gen skeleton -L --lang rust-user`
/// would write it.
pub fn skeleton(obj: &Path, name: &str) -> Result<String, Error> {
    let bytes = std::fs::read(obj).map_err(|err| Error::Io {
        path: obj.to_path_buf(),
        err,
    })?;
    let gen_err = |err| Error::Generate {
        object: obj.to_path_buf(),
        err,
    };
    let plan = Plan::build(&bytes, name).map_err(gen_err)?;
    let loader = generate(&plan, Endian::host()).map_err(gen_err)?;
    let file = obj
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let o = Options {
        name: name.to_string(),
        command: format!("lskel-build (bpf-lskel gen skeleton -L {file} --lang rust-user)"),
        source: file,
    };
    backend::render(Lang::RustUser, &plan, &[loader], &o).map_err(gen_err)
}
