// SPDX-License-Identifier: GPL-2.0
//! Command-line handling.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use bpf_lskel::backend::{self, Lang, Options};
use bpf_lskel::gen::{generate_with, GenOptions, Runner};
use bpf_lskel::plan::MapKind;
use bpf_lskel::{generate, names, Endian, Plan};

const USAGE: &str = "\
Usage: bpf-lskel gen skeleton [-L] OBJ [OBJ] [options]
       bpf-lskel run OBJ [--log] [--name NAME] [--fault-step K [--fault-errno E]]
       bpf-lskel bench OBJ [--name NAME] [--iterations N]

Turn a BPF ELF object into a light skeleton: a BPF_PROG_TYPE_SYSCALL loader
program plus a data blob that loads the object's BTF, maps and programs from
inside the kernel.

gen skeleton: each byte order's loader is made from an object of that byte
order (clang -target bpfel, -target bpfeb): give one object, or two of one
source, one per byte order, to emit both. The two must agree in everything
but what the byte order changes (constants in instructions, offsets of loads
and stores): generation fails naming the first difference.

gen skeleton options:
  -L                 light skeleton (the only kind; accepted for bpftool compatibility)
  --lang LANG        rust-kernel (default), rust-user or c; a rust-kernel loader
                     reads no verifier log settings and no overrides from its ctx
  --endian ORDER     little, big or both (default: the byte orders of the
                     objects given); needs an object of each byte order asked
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
    /// `gen skeleton`'s second object, of the other byte order.
    other: Option<String>,
    name: Option<String>,
    rest: Vec<(String, Option<String>)>,
}

fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Common, String> {
    let mut obj = None;
    let mut other = None;
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
        } else if other.is_none() {
            other = Some(a.to_string());
        } else {
            return Err(format!(
                "unexpected argument `{a}`: at most two objects, one per byte order"
            ));
        }
    }
    Ok(Common {
        obj: obj.ok_or("missing OBJ")?,
        other,
        name,
        rest,
    })
}

/// Refuses a second object where only `gen skeleton` takes one.
fn one_object(c: &Common) -> Result<(), String> {
    match &c.other {
        Some(a) => Err(format!("unexpected argument `{a}`")),
        None => Ok(()),
    }
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

fn base_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The plan of `gen skeleton`'s second object, `path`, checked against
/// `first`'s: the other byte order, and otherwise the same.
fn other_plan(c: &Common, first: &Plan, path: &str) -> Result<Plan, String> {
    let p = Plan::build(&read_obj(path)?, &skel_name(c)).map_err(|e| format!("{path}: {e}"))?;
    if p.endian == first.endian {
        return Err(format!(
            "{} and {path} are both {}-endian: give one object per byte order",
            c.obj, p.endian
        ));
    }
    check_pair(first, &p).map_err(|e| {
        format!(
            "{} and {path} are not one object in two byte orders: {e}",
            c.obj
        )
    })?;
    Ok(p)
}

/// The error for a byte order no object given has.
fn no_object_for(obj: &str, e: Endian) -> String {
    let target = match e {
        Endian::Little => "bpfel",
        Endian::Big => "bpfeb",
    };
    format!(
        "no {e}-endian object: a {e}-endian loader is made from the object compiled for it \
         (clang -target {target}); give both: gen skeleton -L {obj} OBJ.{target}.o"
    )
}

/// `Ok` if `a == b`, else what differs.
fn same<T: PartialEq + std::fmt::Debug>(what: &str, a: &T, b: &T) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!("{what}: {a:?} against {b:?}"))
    }
}

/// `Ok` if the lists are equal, else the first difference.
fn same_list<T: PartialEq + std::fmt::Debug>(what: &str, a: &[T], b: &[T]) -> Result<(), String> {
    same(what, &a.len(), &b.len())?;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        same(&format!("{what} #{i}"), x, y)?;
    }
    Ok(())
}

/// Checks that `a` and `b`, objects of two byte orders, are one source
/// compiled twice, so that one skeleton fits the loaders of both; names
/// the first difference. What a byte order may change is let through:
/// immediates (clang folds byte-order-dependent constants), offsets of
/// loads and stores (a narrowed load reads the low byte at another
/// address), the upper half of a 64-bit immediate; nothing else.
fn check_pair(a: &Plan, b: &Plan) -> Result<(), String> {
    use bpf_lskel::insn::{BPF_JMP, BPF_JMP32, CALL, LD_IMM64};
    same("license", &a.license, &b.license)?;
    same("kern_version", &a.kern_version, &b.kern_version)?;
    same("maps", &a.maps.len(), &b.maps.len())?;
    for (i, (x, y)) in a.maps.iter().zip(&b.maps).enumerate() {
        let what = format!("map #{i} `{}`", x.name);
        let field = |f: &str| format!("{what}: {f}");
        same(&field("name"), &x.name, &y.name)?;
        same(&field("ident"), &x.ident, &y.ident)?;
        same(&field("kind"), &x.kind, &y.kind)?;
        same(&field("type"), &x.map_type, &y.map_type)?;
        same(&field("key size"), &x.key_size, &y.key_size)?;
        same(&field("value size"), &x.value_size, &y.value_size)?;
        same(&field("max_entries"), &x.max_entries, &y.max_entries)?;
        same(&field("flags"), &x.map_flags, &y.map_flags)?;
        same(&field("numa_node"), &x.numa_node, &y.numa_node)?;
        same(&field("map_extra"), &x.map_extra, &y.map_extra)?;
        same(
            &field("BTF key type"),
            &x.btf_key_type_id,
            &y.btf_key_type_id,
        )?;
        same(
            &field("BTF value type"),
            &x.btf_value_type_id,
            &y.btf_value_type_id,
        )?;
        same(&field("inner map"), &x.inner, &y.inner)?;
        same(&field("freeze"), &x.freeze, &y.freeze)?;
        // The skeleton's initial values for `b`'s byte order come from `a`
        // through its BTF: they must be `b`'s own.
        let converted = a
            .initial_value(i, b.endian)
            .map_err(|e| format!("{what}: initial value: {e}"))?;
        let own = b
            .initial_value(i, b.endian)
            .map_err(|e| format!("{what}: {e}"))?;
        match (converted, own) {
            (Some(x), Some(y)) if x != y => {
                let at = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
                return Err(format!("{what}: initial value differs at byte {at}"));
            }
            (x, y) => same(&field("initial value"), &x.is_some(), &y.is_some())?,
        }
    }
    same_list("map-in-map slots", &a.map_slots, &b.map_slots)?;
    same_list("program array slots", &a.prog_slots, &b.prog_slots)?;
    same_list("externs", &a.externs, &b.externs)?;
    same_list("kconfig externs", &a.kconfig, &b.kconfig)?;
    same("programs", &a.progs.len(), &b.progs.len())?;
    for (j, (x, y)) in a.progs.iter().zip(&b.progs).enumerate() {
        let what = format!("program #{j} `{}`", x.name);
        let field = |f: &str| format!("{what}: {f}");
        same(&field("name"), &x.name, &y.name)?;
        same(&field("section"), &x.section, &y.section)?;
        same(&field("type"), &x.prog_type, &y.prog_type)?;
        same(
            &field("expected attach type"),
            &x.expected_attach_type,
            &y.expected_attach_type,
        )?;
        same(&field("flags"), &x.prog_flags, &y.prog_flags)?;
        same(&field("attach target"), &x.attach_target, &y.attach_target)?;
        same(&field("instructions"), &x.insns.len(), &y.insns.len())?;
        for (k, (p, q)) in x.insns.iter().zip(&y.insns).enumerate() {
            let jump = matches!(p.class(), BPF_JMP | BPF_JMP32);
            let reference = p.src != 0 && (p.code == LD_IMM64 || p.code == CALL);
            let agree = (p.code, p.dst, p.src) == (q.code, q.dst, q.src)
                && (!jump || p.off == q.off)
                && (!reference || p.imm == q.imm);
            if !agree {
                return Err(format!("{what}: instruction #{k}: {p:?} against {q:?}"));
            }
        }
        same_list(&field("func_info"), &x.func_info, &y.func_info)?;
        same_list(&field("line_info"), &x.line_info, &y.line_info)?;
        same_list(&field("CO-RE relocations"), &x.core_relos, &y.core_relos)?;
        same_list(&field("extern uses"), &x.extern_refs, &y.extern_refs)?;
    }
    same("BTF types", &a.btf.types.len(), &b.btf.types.len())?;
    if let Some(id) = (0..a.btf.types.len()).find(|&i| a.btf.types[i] != b.btf.types[i]) {
        let name = a.btf.str_at(a.btf.types[id].name_off);
        return Err(format!("BTF type #{id} `{name}` differs"));
    }
    if a.btf.strings != b.btf.strings {
        let at = (a.btf.strings.iter().zip(&b.btf.strings)).take_while(|(x, y)| x == y);
        return Err(format!("BTF strings differ at byte {}", at.count()));
    }
    Ok(())
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
    let data = read_obj(&c.obj)?;
    let plan = build_plan(&c, &data)?;
    let other = match &c.other {
        None => None,
        Some(path) => Some((path.as_str(), other_plan(&c, &plan, path)?)),
    };
    // Each byte order's loader from the object of that byte order.
    let objects: Vec<(&str, &Plan)> = std::iter::once((c.obj.as_str(), &plan))
        .chain(other.as_ref().map(|(path, p)| (*path, p)))
        .collect();
    let endians = match opt(&c, "--endian") {
        Some("little") => vec![Endian::Little],
        Some("big") => vec![Endian::Big],
        Some("both") => vec![Endian::Little, Endian::Big],
        None => {
            let mut v: Vec<Endian> = objects.iter().map(|(_, p)| p.endian).collect();
            v.sort();
            v
        }
        Some(e) => return Err(format!("unknown --endian `{e}` (little, big or both)")),
    };
    let go = GenOptions {
        fault_inject: has(&c, "--fault-inject"),
        runner: match lang {
            Lang::RustKernel => Runner::Kernel,
            Lang::RustUser | Lang::C => Runner::Any,
        },
    };
    let loaders = endians
        .iter()
        .map(|&e| {
            let (path, p) = objects
                .iter()
                .find(|(_, p)| p.endian == e)
                .ok_or_else(|| no_object_for(&c.obj, e))?;
            generate_with(p, e, go).map_err(|err| format!("{path}: {err}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
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
    command.extend(c.other.as_deref().map(base_name));
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
    one_object(&c)?;
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
    // `.kconfig` values as a user-space skeleton computes them on its
    // target: this kernel's release and configuration.
    let mut initial_values = vec![None; plan.maps.len()];
    if let Some(i) = plan.maps.iter().position(|m| m.kind == MapKind::Kconfig) {
        initial_values[i] =
            bpf_lskel::kconfig::from_host(&plan).map_err(|e| format!("{}: {e}", c.obj))?;
    }
    let max_entries = runner::perf_event_array_sizes(&plan)
        .map_err(|e| format!("{}: sizing perf event arrays: {e}", c.obj))?;
    let opts = runner::RunOpts {
        log_level: u32::from(has(&c, "--log")),
        fault,
        initial_values,
        max_entries,
        ..Default::default()
    };
    let loaded = runner::run_loader(&l.insns, &l.data, plan.maps.len(), plan.progs.len(), &opts)
        .map_err(|e| {
            // Name the loader's step that failed, when it named one.
            let step = (e.failed_step as usize)
                .checked_sub(1)
                .and_then(|i| l.steps.get(i).or(l.step_names.get(i)));
            match step {
                Some(step) => format!("{}: {step}: {}", c.obj, e.err),
                None => format!("{}: {e}", c.obj),
            }
        })?;
    for (m, fd) in plan.maps.iter().zip(&loaded.maps) {
        let i = runner::map_info(fd).map_err(|e| e.to_string())?;
        println!(
            "map {:<16} type {:2} key {:3} value {:5} max_entries {:6} flags {:#x}",
            i.name, i.map_type, i.key_size, i.value_size, i.max_entries, i.map_flags
        );
        let _ = m;
    }
    for (p, fd) in plan.progs.iter().zip(&loaded.progs) {
        let Some(fd) = fd else {
            println!("prog {:<16} not loaded: autoload off", p.name);
            continue;
        };
        let i = runner::prog_info(fd).map_err(|e| e.to_string())?;
        let tag: String = i.tag.iter().map(|b| format!("{b:02x}")).collect();
        println!("prog {:<16} type {:2} tag {tag}", i.name, i.prog_type);
    }
    for (p, fd) in plan.progs.iter().zip(&loaded.progs) {
        let Some(fd) = fd else { continue };
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
    one_object(&c)?;
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
            generate(&plan, plan.endian).map_err(|e| e.to_string())?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use bpf_lskel::insn::{BPF_ALU64, BPF_JMP, CALL, LD_IMM64};

    /// The corpus objects `NAME.bpf.o` and `NAME.bpfeb.o`.
    fn pair(name: &str) -> (Plan, Plan) {
        let dir = std::env::var_os("BPF_CORPUS_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/corpus"),
            Into::into,
        );
        let plan = |suffix| {
            let p = dir.join(format!("{name}.{suffix}"));
            let data = std::fs::read(&p).unwrap_or_else(|e| {
                panic!("{}: {e}: run generator/tests/build-corpus.sh", p.display())
            });
            Plan::build(&data, name).unwrap()
        };
        (plan("bpf.o"), plan("bpfeb.o"))
    }

    #[test]
    fn corpus_pairs_agree() {
        for name in [
            "maps",
            "globals",
            "subprogs",
            "core",
            "externs",
            "progtypes",
            "tracing",
            "iterators",
            "kconfig",
            "kconfig_values",
            "mapinmap",
        ] {
            let (a, b) = pair(name);
            check_pair(&a, &b).unwrap_or_else(|e| panic!("{name}: {e}"));
            check_pair(&b, &a).unwrap_or_else(|e| panic!("{name}: {e}"));
            // Folded constants (globals) and byte loads at other offsets
            // (kconfig_values): the code is not the same, the check knows.
            let same_code = !matches!(name, "globals" | "kconfig_values");
            assert_eq!(a.progs == b.progs, same_code, "{name}");
        }
    }

    /// What a byte order changes passes; anything else is named.
    #[test]
    fn differences_are_named() {
        let (a, b) = pair("globals");
        let err = |f: &dyn Fn(&mut Plan)| {
            let mut m = b.clone();
            f(&mut m);
            check_pair(&a, &m).err()
        };
        let insns = &b.progs[0].insns;
        let find = |ok: &dyn Fn(&bpf_lskel::insn::Insn) -> bool| insns.iter().position(ok).unwrap();
        let alu = find(&|i| i.class() == BPF_ALU64);
        let map_ref = find(&|i| i.code == LD_IMM64 && i.src != 0);
        let mem = find(&|i| i.class() == bpf_lskel::insn::BPF_LDX);
        let data = b.maps.iter().position(|m| m.initial.is_some()).unwrap();

        assert_eq!(err(&|m| m.progs[0].insns[alu].imm ^= 0x100), None);
        assert_eq!(err(&|m| m.progs[0].insns[mem].off ^= 2), None);
        assert_eq!(err(&|m| m.progs[0].insns[map_ref + 1].imm ^= 4), None);
        let prog = "program #0 `touch_globals`";
        for (what, f, want) in [
            (
                "register",
                &(|m: &mut Plan| m.progs[0].insns[alu].dst ^= 1) as &dyn Fn(&mut Plan),
                format!("{prog}: instruction #{alu}"),
            ),
            (
                "map reference",
                &|m: &mut Plan| m.progs[0].insns[map_ref].imm += 1,
                format!("{prog}: instruction #{map_ref}"),
            ),
            (
                "length",
                &|m: &mut Plan| m.progs[0].insns.push(bpf_lskel::insn::Insn::default()),
                format!(
                    "{prog}: instructions: {} against {}",
                    insns.len(),
                    insns.len() + 1
                ),
            ),
            (
                "section",
                &|m: &mut Plan| m.progs[1].section = "xdp".into(),
                "program #1 `read_only`: section: \"socket\" against \"xdp\"".into(),
            ),
            (
                "max_entries",
                &|m: &mut Plan| m.maps[0].max_entries += 1,
                format!("map #0 `{}`: max_entries: 1 against 2", b.maps[0].name),
            ),
            (
                "initial value",
                &|m: &mut Plan| m.maps[data].initial.as_mut().unwrap()[1] ^= 1,
                format!(
                    "map #{data} `{}`: initial value differs at byte 1",
                    b.maps[data].name
                ),
            ),
            (
                "BTF",
                &|m: &mut Plan| m.btf.types[3].size_or_type ^= 1,
                "BTF type #3".into(),
            ),
            (
                "license",
                &|m: &mut Plan| m.license = "GPL".into(),
                "license: \"Dual BSD/GPL\" against \"GPL\"".into(),
            ),
        ] {
            let e = err(f).unwrap_or_else(|| panic!("{what}: accepted"));
            assert!(e.starts_with(&want), "{what}: {e}");
        }

        // A jump's offset is the control flow: it may not differ.
        let (a, mut b) = pair("maps");
        let jump = (b.progs[0].insns.iter())
            .position(|i| i.class() == BPF_JMP && i.code != CALL && i.off != 0)
            .unwrap();
        b.progs[0].insns[jump].off += 1;
        let e = check_pair(&a, &b).unwrap_err();
        assert!(
            e.starts_with(&format!("program #0 `use_maps`: instruction #{jump}")),
            "{e}"
        );
    }
}
