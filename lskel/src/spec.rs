// SPDX-License-Identifier: GPL-2.0
//! What a generated skeleton tells the runtime about its object: static
//! data, written by `bpf-lskel gen skeleton -L --lang rust-user`.

/// Where a map comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// A BTF-defined map of the `.maps` section.
    Btf,
    /// `.data` or `.data.*`: writable global data.
    Data,
    /// `.rodata` or `.rodata.*`: frozen after load, read-only to everyone.
    Rodata,
    /// `.bss` or `.bss.*`: zero-initialised global data.
    Bss,
    /// `.kconfig`: the values of `__kconfig` externs, frozen.
    Kconfig,
}

/// How a program attaches, from its section name (libbpf's conventions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// No automatic attachment: attach by hand with the fd, or not at all.
    Manual,
    /// `iter/...`: `BPF_LINK_CREATE` with `BPF_TRACE_ITER`.
    Iter,
    /// `raw_tp/NAME`, `raw_tracepoint/NAME`: `BPF_RAW_TRACEPOINT_OPEN`.
    RawTracepoint(&'static str),
    /// `tp/CATEGORY/NAME`, `tracepoint/CATEGORY/NAME`: a perf event of the
    /// tracepoint's id from tracefs, then `BPF_LINK_CREATE`.
    Tracepoint {
        /// Tracepoint category (`sched`).
        category: &'static str,
        /// Tracepoint name (`sched_process_exec`).
        name: &'static str,
    },
    /// `kprobe/FUNC[+OFFSET]` and `kretprobe/FUNC`: a perf event of the
    /// kprobe PMU, then `BPF_LINK_CREATE`.
    Kprobe {
        /// The kernel function.
        function: &'static str,
        /// Offset into it (kprobes only).
        offset: u64,
        /// A return probe.
        retprobe: bool,
    },
    /// `fentry/`, `fexit/`, `fmod_ret/`, `tp_btf/`, `lsm/`: the target is
    /// fixed at load, `BPF_RAW_TRACEPOINT_OPEN` without a name attaches.
    Trace,
    /// `xdp`: needs an interface, [`crate::Program::attach_xdp`].
    Xdp,
    /// `tc`, `classifier`: needs an interface and a direction,
    /// [`crate::Program::attach_tcx`].
    Tc,
    /// `tcx/ingress`: needs an interface.
    TcxIngress,
    /// `tcx/egress`: needs an interface.
    TcxEgress,
}

/// One map of a skeleton's object, in ctx order.
#[derive(Clone, Copy, Debug)]
pub struct MapSpec {
    /// The map's name as libbpf names it (`events`, `execsnoo.bss`).
    pub name: &'static str,
    /// Where it comes from.
    pub kind: MapKind,
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// `max_entries` as the object defines it.
    pub max_entries: u32,
    /// `map_flags` (`BPF_F_MMAPABLE` for global data with variables).
    pub map_flags: u32,
    /// The initial contents of a global data map, in the target's byte
    /// order (`None` for other maps).
    pub initial_value: Option<&'static [u8]>,
}

/// One program of a skeleton's object, in ctx order.
#[derive(Clone, Copy, Debug)]
pub struct ProgSpec {
    /// The program's (function's) name.
    pub name: &'static str,
    /// Its ELF section (`raw_tp/sched_process_exec`).
    pub section: &'static str,
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// `expected_attach_type` given at load.
    pub expected_attach_type: u32,
    /// How [`crate::Program::attach`] attaches it.
    pub attach: Attach,
}

/// How libbpf classifies a `__kconfig` extern's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KconfigType {
    /// `bool`: `y` is 1, `n` 0, `m` an error.
    Bool,
    /// `char`: the letter itself.
    Char,
    /// `enum libbpf_tristate`: `n` 0, `y` 1, `m` 2.
    Tristate,
    /// An integer.
    Int {
        /// Signed.
        signed: bool,
    },
    /// `char[N]`: a string value, NUL-terminated.
    CharArray,
}

/// A `__kconfig` extern: a slot of the `.kconfig` map's value.
#[derive(Clone, Copy, Debug)]
pub struct KconfigSpec {
    /// `CONFIG_*` or `LINUX_KERNEL_VERSION`, `LINUX_HAS_BPF_COOKIE`,
    /// `LINUX_HAS_SYSCALL_WRAPPER`.
    pub name: &'static str,
    /// Offset in the map's value.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
    /// Type.
    pub ty: KconfigType,
    /// `__weak`: 0 when this machine has no value.
    pub weak: bool,
}

/// Everything a skeleton's object needs at run time: the loader program
/// (`insns`) and its blob (`data`), and what the loader creates.
///
/// # Examples
///
/// A hand-written spec of an object without maps or programs (a generated
/// skeleton writes one per object, as `SPEC`):
///
/// ```
/// static SPEC: lskel::LoaderSpec = lskel::LoaderSpec {
///     insns: &[],
///     data: &[],
///     maps: &[],
///     progs: &[],
///     steps: &[],
///     kconfig: &[],
/// };
/// let open = lskel::OpenObject::new(&SPEC);
/// assert_eq!(open.spec().maps.len(), 0);
/// ```
#[derive(Debug)]
pub struct LoaderSpec {
    /// The `BPF_PROG_TYPE_SYSCALL` loader program, host byte order.
    pub insns: &'static [u8],
    /// Its data blob (the loader map's value).
    pub data: &'static [u8],
    /// The maps, in ctx order.
    pub maps: &'static [MapSpec],
    /// The programs, in ctx order.
    pub progs: &'static [ProgSpec],
    /// The loader's steps that can fail, for errors: step `k` at `k - 1`.
    pub steps: &'static [&'static str],
    /// The `.kconfig` externs the runtime fills on this machine.
    pub kconfig: &'static [KconfigSpec],
}
