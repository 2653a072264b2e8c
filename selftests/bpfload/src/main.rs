// SPDX-License-Identifier: GPL-2.0
//! `bpfload`: the guest tests' static helper for BPF objects.
//!
//! It makes programs, maps, links and BTF with raw `bpf(2)` calls (no libbpf),
//! lists the kernel's objects, and runs commands as another user. See
//! `USAGE` for the subcommands.

mod btf;
mod held;
mod make;
mod obj;
mod sys;

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::{exit, Command};

use held::{Held, Keep};
use make::Spec;
use obj::Kind;
use sys::{errno_name, io_errno, SysError};

const USAGE: &str = "\
usage: bpfload SUBCOMMAND [OPTIONS] [KEEP]

Subcommands that create objects print one line per object, `KIND ID NAME
key=value...` (names that are not [A-Za-z0-9_.]+ are quoted with C escapes),
and exit 1 naming the command, the object and the errno at the first failed
system call. What they created then stays alive as KEEP says:

  (nothing)        everything is closed when bpfload exits
  --pin DIR        pin programs, maps and links as DIR/KIND_ID in a bpffs,
                   creating DIR (BTF cannot be pinned: the programs using
                   it hold it); prints `pinned PATH` per object
  -- CMD [ARG...]  hold every descriptor while CMD runs, then exit with its
                   status; CMD inherits none of them (they are close-on-exec)

bpfload workload [KEEP]
    The differential workload: maps of types array, hash, percpu_hash,
    lru_hash, queue, ringbuf and array_of_maps filled empty, partly and fully;
    names of 15 bytes and none; socket filters whose BTF function names have
    15, 16 and 31 bytes, and some without BTF; two fentry programs on the
    31-byte one, one attached through a link, one only loaded.

bpfload many --progs N --maps N [--btf] [--quiet] [KEEP]
    N trivial socket filters `many_pI` (with --btf, each named
    `many_function_I` by one shared BTF) and N one-entry arrays `many_mI`.
    --quiet prints only the closing `many: ...` summary line.

bpfload create SPEC... [KEEP]
    --map NAME              a one-entry array map
    --prog NAME             a socket filter without BTF
    --btf-prog NAME FUNC    a socket filter named FUNC by its own BTF
    --btf-func FUNC         BTF with one function FUNC, no program
    --orphan-fentry         fentry programs whose targets' descriptors are
                            closed (targets print with `released`): one
                            attached through a link, one only loaded
    Names are passed as given: one of 16 bytes or more is cut to 16 bytes
    without a NUL, which the kernel rejects, as it rejects characters outside
    [A-Za-z0-9_.] (BTF: not an identifier).

bpfload ids
    Every program, map, link and BTF id in the kernel, one `prog ID NAME`,
    `map ID NAME`, `link ID` or `btf ID` per line: programs, then maps, links
    and BTF, each by ascending id. Objects freed while listing are left out.

bpfload as-user UID[:GID] -- CMD [ARG...]
    Drop supplementary groups, setgid (GID defaults to UID), setuid, exec CMD.

bpfload try-open --read|--write PATH
    Open PATH and read or write one byte; print the outcome as
    `open=ok read=ok`, `open=ok write=EINVAL`, `open=EACCES`... Exits 0 when
    it could report, whatever the outcome.
";

#[derive(Debug)]
enum Error {
    Usage(String),
    Sys(SysError),
}

impl From<SysError> for Error {
    fn from(e: SysError) -> Self {
        Error::Sys(e)
    }
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// The command line after the subcommand, consumed front to back.
struct Args {
    rest: Vec<OsString>,
    pos: usize,
}

impl Args {
    fn next(&mut self) -> Option<OsString> {
        let a = self.rest.get(self.pos).cloned();
        self.pos += a.is_some() as usize;
        a
    }

    fn value(&mut self, opt: &str) -> Result<OsString, Error> {
        self.next()
            .ok_or_else(|| usage(format!("{opt} needs a value")))
    }

    fn number(&mut self, opt: &str) -> Result<u32, Error> {
        let v = self.value(opt)?;
        v.to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| usage(format!("{opt}: not a number: {}", v.to_string_lossy())))
    }

    /// Everything after `--`.
    fn command(&mut self) -> Result<Vec<OsString>, Error> {
        let cmd = self.rest[self.pos..].to_vec();
        self.pos = self.rest.len();
        if cmd.is_empty() {
            return Err(usage("no command after --"));
        }
        Ok(cmd)
    }

    /// Handles a KEEP option; false when `a` is not one.
    fn keep(&mut self, a: &OsString, keep: &mut Keep) -> Result<bool, Error> {
        let new = match a.as_bytes() {
            b"--pin" => Keep::Pin(self.value("--pin")?.to_string_lossy().into_owned()),
            b"--" => Keep::Run(self.command()?),
            _ => return Ok(false),
        };
        if *keep != Keep::Release {
            return Err(usage("--pin and -- CMD exclude each other"));
        }
        *keep = new;
        Ok(true)
    }
}

fn unknown(a: &OsString) -> Error {
    usage(format!("unknown argument: {}", a.to_string_lossy()))
}

fn cmd_workload(mut args: Args) -> Result<i32, Error> {
    let mut keep = Keep::Release;
    while let Some(a) = args.next() {
        if !args.keep(&a, &mut keep)? {
            return Err(unknown(&a));
        }
    }
    let mut h = Held::new(false);
    make::workload(&mut h)?;
    Ok(h.finish(&keep)?)
}

fn cmd_many(mut args: Args) -> Result<i32, Error> {
    let (mut progs, mut maps, mut with_btf, mut quiet) = (None, None, false, false);
    let mut keep = Keep::Release;
    while let Some(a) = args.next() {
        match a.as_bytes() {
            b"--progs" => progs = Some(args.number("--progs")?),
            b"--maps" => maps = Some(args.number("--maps")?),
            b"--btf" => with_btf = true,
            b"--quiet" => quiet = true,
            _ if args.keep(&a, &mut keep)? => {}
            _ => return Err(unknown(&a)),
        }
    }
    let (Some(progs), Some(maps)) = (progs, maps) else {
        return Err(usage("many needs --progs N and --maps N"));
    };
    let mut h = Held::new(quiet);
    make::many(&mut h, progs, maps, with_btf)?;
    Ok(h.finish(&keep)?)
}

fn cmd_create(mut args: Args) -> Result<i32, Error> {
    let mut specs = Vec::new();
    let mut keep = Keep::Release;
    while let Some(a) = args.next() {
        let bytes = |v: OsString| v.as_bytes().to_vec();
        match a.as_bytes() {
            b"--map" => specs.push(Spec::Map(bytes(args.value("--map")?))),
            b"--prog" => specs.push(Spec::Prog(bytes(args.value("--prog")?))),
            b"--btf-prog" => {
                let name = bytes(args.value("--btf-prog")?);
                specs.push(Spec::BtfProg(name, bytes(args.value("--btf-prog")?)));
            }
            b"--btf-func" => specs.push(Spec::BtfFunc(bytes(args.value("--btf-func")?))),
            b"--orphan-fentry" => specs.push(Spec::OrphanFentry),
            _ if args.keep(&a, &mut keep)? => {}
            _ => return Err(unknown(&a)),
        }
    }
    if specs.is_empty() {
        return Err(usage("create needs at least one object"));
    }
    let mut h = Held::new(false);
    make::create(&mut h, &specs)?;
    Ok(h.finish(&keep)?)
}

fn cmd_ids(mut args: Args) -> Result<i32, Error> {
    if let Some(a) = args.next() {
        return Err(unknown(&a));
    }
    let mut out = String::new();
    for kind in Kind::ALL {
        for id in obj::ids(kind)? {
            let line = match kind {
                Kind::Prog | Kind::Map => match obj::name_by_id(kind, id)? {
                    None => continue,
                    Some(n) if n.is_empty() => format!("{} {id}", kind.name()),
                    Some(n) => format!("{} {id} {}", kind.name(), obj::show(&n)),
                },
                Kind::Link | Kind::Btf => format!("{} {id}", kind.name()),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    print!("{out}");
    Ok(0)
}

/// Parses `UID[:GID]`.
fn parse_ids(s: &str) -> Option<(u32, u32)> {
    match s.split_once(':') {
        Some((u, g)) => Some((u.parse().ok()?, g.parse().ok()?)),
        None => {
            let u = s.parse().ok()?;
            Some((u, u))
        }
    }
}

fn cmd_as_user(mut args: Args) -> Result<i32, Error> {
    let who = args.value("as-user")?;
    let who = who.to_string_lossy().into_owned();
    let (uid, gid) = parse_ids(&who).ok_or_else(|| usage(format!("not UID[:GID]: {who}")))?;
    if args.next().as_deref().map(|a| a.as_bytes()) != Some(b"--") {
        return Err(usage("as-user UID[:GID] -- CMD [ARG...]"));
    }
    let cmd = args.command()?;
    // std drops supplementary groups, then calls setgid and setuid, then exec.
    let e = Command::new(&cmd[0])
        .args(&cmd[1..])
        .gid(gid)
        .uid(uid)
        .exec();
    Err(SysError::new(
        "exec",
        &format!("{} as {uid}:{gid}", cmd[0].to_string_lossy()),
        io_errno(&e),
    )
    .into())
}

fn cmd_try_open(mut args: Args) -> Result<i32, Error> {
    let mode = args.value("try-open")?;
    let write = match mode.as_bytes() {
        b"--read" => false,
        b"--write" => true,
        _ => return Err(usage("try-open --read|--write PATH")),
    };
    let path = args.value("try-open")?;
    if let Some(a) = args.next() {
        return Err(unknown(&a));
    }
    println!("{}", try_open(write, &path));
    Ok(0)
}

/// One line: how opening `path` and reading or writing a byte went.
fn try_open(write: bool, path: &std::ffi::OsStr) -> String {
    use std::io::{Read, Write};

    let outcome = |r: std::io::Result<usize>| match r {
        Ok(_) => "ok".to_string(),
        Err(e) => errno_name(io_errno(&e)),
    };
    match std::fs::OpenOptions::new()
        .read(!write)
        .write(write)
        .open(path)
    {
        Err(e) => format!("open={}", errno_name(io_errno(&e))),
        Ok(mut f) if write => format!("open=ok write={}", outcome(f.write(b"x"))),
        Ok(mut f) => format!("open=ok read={}", outcome(f.read(&mut [0u8; 1]))),
    }
}

fn run(argv: Vec<OsString>) -> Result<i32, Error> {
    let Some(sub) = argv.get(1) else {
        return Err(usage("no subcommand"));
    };
    let args = Args {
        rest: argv[2..].to_vec(),
        pos: 0,
    };
    match sub.as_bytes() {
        b"workload" => cmd_workload(args),
        b"many" => cmd_many(args),
        b"create" => cmd_create(args),
        b"ids" => cmd_ids(args),
        b"as-user" => cmd_as_user(args),
        b"try-open" => cmd_try_open(args),
        b"-h" | b"--help" | b"help" => {
            print!("{USAGE}");
            Ok(0)
        }
        _ => Err(usage(format!(
            "unknown subcommand: {}",
            sub.to_string_lossy()
        ))),
    }
}

fn main() {
    let code = match run(std::env::args_os().collect()) {
        Ok(code) => code,
        Err(Error::Usage(m)) => {
            eprintln!("bpfload: {m}\nTry 'bpfload --help'.");
            2
        }
        Err(Error::Sys(e)) => {
            eprintln!("bpfload: {e}");
            1
        }
    };
    exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<OsString> {
        std::iter::once("bpfload")
            .chain(a.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn usage_of(a: &[&str]) -> String {
        match run(argv(a)) {
            Err(Error::Usage(m)) => m,
            other => panic!("{a:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        assert_eq!(usage_of(&[]), "no subcommand");
        assert_eq!(usage_of(&["frob"]), "unknown subcommand: frob");
        assert_eq!(
            usage_of(&["many", "--progs", "3"]),
            "many needs --progs N and --maps N"
        );
        assert_eq!(
            usage_of(&["many", "--progs", "x"]),
            "--progs: not a number: x"
        );
        assert_eq!(usage_of(&["workload", "--"]), "no command after --");
        assert_eq!(
            usage_of(&["workload", "--pin", "/x", "--", "true"]),
            "--pin and -- CMD exclude each other"
        );
        assert_eq!(usage_of(&["create"]), "create needs at least one object");
        assert_eq!(
            usage_of(&["create", "--btf-prog", "a"]),
            "--btf-prog needs a value"
        );
        assert_eq!(usage_of(&["ids", "x"]), "unknown argument: x");
        assert_eq!(
            usage_of(&["as-user", "nobody", "--", "id"]),
            "not UID[:GID]: nobody"
        );
        assert_eq!(
            usage_of(&["as-user", "1", "id"]),
            "as-user UID[:GID] -- CMD [ARG...]"
        );
        assert_eq!(
            usage_of(&["try-open", "-w", "/x"]),
            "try-open --read|--write PATH"
        );
    }

    #[test]
    fn keep_parses_pin_and_command() {
        let mut a = Args {
            rest: argv(&["--pin", "/sys/fs/bpf/x"])[1..].to_vec(),
            pos: 0,
        };
        let mut keep = Keep::Release;
        let first = a.next().unwrap();
        assert!(a.keep(&first, &mut keep).unwrap());
        assert_eq!(keep, Keep::Pin("/sys/fs/bpf/x".into()));

        let mut a = Args {
            rest: argv(&["--", "sh", "-c", "true"])[1..].to_vec(),
            pos: 0,
        };
        let mut keep = Keep::Release;
        let first = a.next().unwrap();
        assert!(a.keep(&first, &mut keep).unwrap());
        assert_eq!(keep, Keep::Run(argv(&["sh", "-c", "true"])[1..].to_vec()));
        assert_eq!(a.next(), None);
    }

    #[test]
    fn user_and_group_ids() {
        assert_eq!(parse_ids("1000"), Some((1000, 1000)));
        assert_eq!(parse_ids("1000:5"), Some((1000, 5)));
        assert_eq!(parse_ids("1000:"), None);
        assert_eq!(parse_ids("-1"), None);
    }

    #[test]
    fn try_open_reports_outcomes() {
        let dir = std::env::temp_dir().join(format!("bpfload-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        std::fs::write(&f, b"y").unwrap();
        assert_eq!(try_open(false, f.as_os_str()), "open=ok read=ok");
        assert_eq!(try_open(true, f.as_os_str()), "open=ok write=ok");
        assert_eq!(
            try_open(false, dir.join("missing").as_os_str()),
            "open=ENOENT"
        );
        assert_eq!(try_open(true, dir.as_os_str()), "open=EISDIR");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
