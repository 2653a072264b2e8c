// SPDX-License-Identifier: GPL-2.0
//! Command-line handling.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::{generate, names, Endian, Plan};

const USAGE: &str = "\
Usage: bpf-lskel gen skeleton [-L] OBJ [options]
       bpf-lskel run OBJ [--log] [--name NAME] [--fault-step K [--fault-errno E]]
       bpf-lskel bench OBJ [--name NAME] [--iterations N]

Turn a BPF ELF object into a light skeleton: a BPF_PROG_TYPE_SYSCALL loader
program plus a data blob that loads the object's BTF, maps and programs from
inside the kernel.

gen skeleton options:
  -L                 light skeleton (the only kind; accepted for bpftool compatibility)
  --lang LANG        rust-kernel (default), rust-user or c; a rust-kernel loader
                     reads no verifier log settings and no overrides from its ctx
  --endian ORDER     little, big or both (default: both for rust-*, host for c)
  --name NAME        skeleton and object name (default: file name without .o)
  -o FILE            write FILE (default, or -: stdout): a regular file is
                     replaced atomically, keeping its permissions; a symbolic
                     link is followed (a dangling one gets its target
                     created); a device or FIFO is written in place
  --fault-inject     test build: the loader can fail any of its steps on
                     request (rust-kernel, rust-user); lists the steps

run: generate for the host, run the loader on this kernel like a user-space
skeleton, print what the kernel holds, attach and read iterators. With
--fault-step K (from 1), the loader is generated with fault injection and
step K fails with errno E (default 125, ECANCELED).
bench: print generation time and loader size.
";

/// Runs the command line; errors are printed by `main`.
pub fn main(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some("gen") => {
            if args.get(1).map(String::as_str) != Some("skeleton") {
                return Err(format!(
                    "unknown gen subcommand; expected `gen skeleton`\n\n{USAGE}"
                ));
            }
            gen_skeleton(&args[2..])
        }
        Some("run") => run(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

struct Common {
    obj: String,
    name: Option<String>,
    rest: Vec<(String, Option<String>)>,
}

fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Common, String> {
    let mut obj = None;
    let mut name = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "-h" || a == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        } else if a == "--name" || a == "name" {
            name = Some(it.next().ok_or("--name needs a value")?.clone());
        } else if with_value.contains(&a) {
            let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
            rest.push((a.to_string(), Some(v.clone())));
        } else if flags.contains(&a) {
            rest.push((a.to_string(), None));
        } else if a.starts_with('-') {
            return Err(format!("unknown option `{a}`\n\n{USAGE}"));
        } else if obj.is_none() {
            obj = Some(a.to_string());
        } else {
            return Err(format!("unexpected argument `{a}`"));
        }
    }
    Ok(Common {
        obj: obj.ok_or("missing OBJ")?,
        name,
        rest,
    })
}

fn opt<'a>(c: &'a Common, key: &str) -> Option<&'a str> {
    c.rest
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.as_deref())
}

fn has(c: &Common, key: &str) -> bool {
    c.rest.iter().any(|(k, _)| k == key)
}

fn read_obj(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// The skeleton name: `--name`, which must be an identifier (the back ends
/// check), else the file name without `.o` made one: other characters
/// become `_`, and a keyword gets a `_` suffix.
fn skel_name(c: &Common) -> String {
    match &c.name {
        Some(n) => n.clone(),
        None => {
            let base = Path::new(&c.obj)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let n = names::base(base.strip_suffix(".o").unwrap_or(&base));
            if names::check_skeleton_name(&n).is_ok() {
                n
            } else {
                format!("{n}_")
            }
        }
    }
}

fn build_plan(c: &Common, data: &[u8]) -> Result<Plan, String> {
    Plan::build(data, &skel_name(c)).map_err(|e| format!("{}: {e}", c.obj))
}

fn gen_skeleton(args: &[String]) -> Result<(), String> {
    let c = parse(
        args,
        &["--lang", "--endian", "-o"],
        &["-L", "--fault-inject"],
    )?;
    let lang = match opt(&c, "--lang").unwrap_or("rust-kernel") {
        "rust-kernel" => Lang::RustKernel,
        "rust-user" => Lang::RustUser,
        "c" => Lang::C,
        l => {
            return Err(format!(
                "unknown --lang `{l}` (rust-kernel, rust-user or c)"
            ))
        }
    };
    let endians = match opt(&c, "--endian") {
        Some("little") => vec![Endian::Little],
        Some("big") => vec![Endian::Big],
        Some("both") => vec![Endian::Little, Endian::Big],
        None if lang == Lang::C => vec![Endian::host()],
        None => vec![Endian::Little, Endian::Big],
        Some(e) => return Err(format!("unknown --endian `{e}` (little, big or both)")),
    };
    let data = read_obj(&c.obj)?;
    let plan = build_plan(&c, &data)?;
    let go = GenOptions {
        fault_inject: has(&c, "--fault-inject"),
        runner: match lang {
            Lang::RustKernel => Runner::Kernel,
            Lang::RustUser | Lang::C => Runner::Any,
        },
    };
    let loaders = endians
        .iter()
        .map(|&e| generate_with(&plan, e, go))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", c.obj))?;
    let mut command = vec![
        "bpf-lskel".to_string(),
        "gen".into(),
        "skeleton".into(),
        "-L".into(),
    ];
    let obj_base = Path::new(&c.obj)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    command.push(obj_base.clone());
    command.extend([
        "--lang".into(),
        opt(&c, "--lang").unwrap_or("rust-kernel").into(),
    ]);
    if let Some(e) = opt(&c, "--endian") {
        command.extend(["--endian".into(), e.into()]);
    }
    command.extend(["--name".into(), skel_name(&c)]);
    if go.fault_inject {
        command.push("--fault-inject".into());
    }
    let o = Options {
        name: skel_name(&c),
        source: obj_base,
        command: command.join(" "),
    };
    let text = backend::render(lang, &plan, &loaders, &o).map_err(|e| format!("{}: {e}", c.obj))?;
    match opt(&c, "-o") {
        None | Some("-") => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
        Some(path) => {
            bpf_lskel::output::write(Path::new(path), text.as_bytes()).map_err(|e| e.to_string())
        }
    }
}

#[cfg(target_os = "linux")]
fn run(args: &[String]) -> Result<(), String> {
    use bpf_lskel::runner;
    let c = parse(args, &["--fault-step", "--fault-errno"], &["--log"])?;
    let num = |key, default| -> Result<Option<u32>, String> {
        opt(&c, key)
            .map(|v| v.parse().map_err(|e| format!("{key}: {e}")))
            .transpose()
            .map(|v| v.or(default))
    };
    let fault = match (num("--fault-step", None)?, num("--fault-errno", Some(125))?) {
        (Some(k), Some(e)) => Some((k, e)),
        _ => None,
    };
    let data = read_obj(&c.obj)?;
    let plan = build_plan(&c, &data)?;
    let go = GenOptions {
        fault_inject: fault.is_some(),
        ..GenOptions::default()
    };
    let l = generate_with(&plan, Endian::host(), go).map_err(|e| e.to_string())?;
    runner::probe().map_err(|e| format!("cannot run loaders here: {e}"))?;
    if let Some((k, _)) = fault {
        let name = (k as usize)
            .checked_sub(1)
            .and_then(|i| l.steps.get(i))
            .map_or("none: no such step", String::as_str);
        println!("fault injection: step {k} of {} ({name})", l.steps.len());
    }
    let opts = runner::RunOpts {
        log_level: u32::from(has(&c, "--log")),
        fault,
        ..Default::default()
    };
    let loaded = runner::run_loader(&l.insns, &l.data, plan.maps.len(), plan.progs.len(), &opts)
        .map_err(|e| e.to_string())?;
    for (m, fd) in plan.maps.iter().zip(&loaded.maps) {
        let i = runner::map_info(fd).map_err(|e| e.to_string())?;
        println!(
            "map {:<16} type {:2} key {:3} value {:5} max_entries {:6} flags {:#x}",
            i.name, i.map_type, i.key_size, i.value_size, i.max_entries, i.map_flags
        );
        let _ = m;
    }
    for fd in &loaded.progs {
        let i = runner::prog_info(fd).map_err(|e| e.to_string())?;
        let tag: String = i.tag.iter().map(|b| format!("{b:02x}")).collect();
        println!("prog {:<16} type {:2} tag {tag}", i.name, i.prog_type);
    }
    for (p, fd) in plan.progs.iter().zip(&loaded.progs) {
        if p.section.starts_with("iter/") {
            let link = runner::attach_iter(fd).map_err(|e| format!("{}: attach: {e}", p.name))?;
            let text = runner::read_iter(&link).map_err(|e| format!("{}: read: {e}", p.name))?;
            println!("--- {} ---", p.section);
            print!("{text}");
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_: &[String]) -> Result<(), String> {
    Err("run needs Linux".into())
}

fn bench(args: &[String]) -> Result<(), String> {
    let c = parse(args, &["--iterations"], &[])?;
    let n: u32 = opt(&c, "--iterations")
        .unwrap_or("100")
        .parse()
        .map_err(|e| format!("--iterations: {e}"))?;
    let data = read_obj(&c.obj)?;
    let start = Instant::now();
    let mut last = None;
    for _ in 0..n.max(1) {
        let plan = build_plan(&c, &data)?;
        last = Some((
            generate(&plan, Endian::Little).map_err(|e| e.to_string())?,
            plan,
        ));
    }
    let per = start.elapsed() / n.max(1);
    let (l, plan) = last.ok_or("no iterations")?;
    println!(
        "{}: programs {} maps {} generation {:.1} us insns {} ({} B) blob {} B total {} B",
        c.obj,
        plan.progs.len(),
        plan.maps.len(),
        per.as_secs_f64() * 1e6,
        l.insns.len() / 8,
        l.insns.len(),
        l.data.len(),
        l.insns.len() + l.data.len()
    );
    Ok(())
}
