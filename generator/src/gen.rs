// SPDX-License-Identifier: GPL-2.0
//! Emits the loader: a `BPF_PROG_TYPE_SYSCALL` program and its data blob.
//!
//! Register roles: R0 = result of the last call, R6 = ctx, R7 = 0 or the
//! errno in the shared end, R8 = start of the blob (the loader map's
//! value), R9 = scratch address for blob offsets that do not fit an
//! instruction's 16-bit displacement.
//!
//! The blob starts with an array of fd slots, all -1 until something is
//! opened: map fds first (so a map's index is its `fd_array` slot, as the
//! instructions say with `BPF_PSEUDO_MAP_IDX`), then every other fd the
//! loader opens. Success and failure share one end, with R7 = 0 or the
//! negative errno: it closes every temporary slot holding an fd (0
//! included), then success hands map and program fds to the ctx while
//! failure closes them too and returns the errno. Every failure jumps to
//! that end.
//!
//! Attributes for each `bpf()` command are prebuilt in the blob in the
//! target byte order; only fds, pointers into the blob and ctx overrides are
//! stored at run time, each result straight from R0 to where it is used.
//!
//! The loader is small on purpose: the kernel verifies it on every load,
//! and on Linux 7.3 its liveness analysis costs about as much per
//! instruction as the walk itself (under TCG, 30 us of a loader's 50 us
//! per instruction), so each instruction saved is load time. For the same
//! reason a loader reads only the ctx inputs its runner can give
//! ([`Runner`]): one for the kernel reads neither verifier log settings
//! nor overrides.
//!
//! fd 0 is a valid fd (a preload runs from init, whose fd table may have
//! no stdin): slots are "empty" only when negative. The one place where 0
//! means "none" is the kernel's own ABI for module BTF: the high half of
//! `bpf_btf_find_by_name_kind`'s result, `attach_btf_obj_fd` and the second
//! `imm` of a `BPF_PSEUDO_BTF_ID` load all say vmlinux with 0. A module BTF
//! fd can still never be 0 here: the loader's first act is `BTF_LOAD`,
//! whose fd it holds until it returns, so if fd 0 was free it is the
//! object's BTF, and every later fd is above it (the kernel hands out the
//! lowest free number). Kfunc calls name their module BTF by `fd_array`
//! slot, never 0 since map slots come first.
//!
//! For tests, [`GenOptions::fault_inject`] adds a check before each step
//! that can fail (every `bpf()` command, BTF and symbol lookup, and each
//! close on the success path): when the ctx's `fault_step` equals the step's
//! number, the loader takes the failure path with `-fault_errno` as if the
//! call had returned it, so its real cleanup runs. [`Loader::steps`] names
//! the steps in order. Without the option the output does not change.

use crate::asm::*;
use crate::ctx;
use crate::endian::Endian;
use crate::error::Error;
use crate::insn::*;
use crate::plan::{ExternKind, ExternUse, MapKind, MapPlan, Plan, ProgPlan};

/// Most maps (top-level and inner) one loader creates.
pub const MAX_MAPS: usize = 256;
/// Most programs one loader loads.
pub const MAX_PROGS: usize = 256;
/// Most externs (kfuncs and ksyms) one object may use.
pub const MAX_EXTERNS: usize = 256;
/// Largest data blob: the loader map's value, which the kernel allocates
/// in one piece (`KMALLOC_MAX_SIZE` is 4 MiB on common configurations).
pub const MAX_BLOB: usize = 4 << 20;

/// The stack slot (from r10) holding the number of the step under way.
const STEP_SLOT: i16 = -8;

const BPF_MAP_CREATE: i32 = 0;
const BPF_MAP_UPDATE_ELEM: i32 = 2;
const BPF_PROG_LOAD: i32 = 5;
const BPF_BTF_LOAD: i32 = 18;
const BPF_MAP_FREEZE: i32 = 22;

/// Returned when a required ctx input (kconfig values) is missing.
const EINVAL: i32 = 22;

const HELPER_PROBE_READ_KERNEL: i32 = 113;
const HELPER_COPY_FROM_USER: i32 = 148;
const HELPER_SYS_BPF: i32 = 166;
const HELPER_BTF_FIND_BY_NAME_KIND: i32 = 167;
const HELPER_SYS_CLOSE: i32 = 168;
const HELPER_KALLSYMS_LOOKUP_NAME: i32 = 179;

// `union bpf_attr` offsets used below.
mod attr {
    pub const MAP_TYPE: usize = 0;
    pub const KEY_SIZE: usize = 4;
    pub const VALUE_SIZE: usize = 8;
    pub const MAX_ENTRIES: usize = 12;
    pub const MAP_FLAGS: usize = 16;
    pub const INNER_MAP_FD: usize = 20;
    pub const NUMA_NODE: usize = 24;
    pub const MAP_NAME: usize = 28;
    pub const MAP_BTF_FD: usize = 48;
    pub const BTF_KEY_TYPE_ID: usize = 52;
    pub const BTF_VALUE_TYPE_ID: usize = 56;
    pub const MAP_EXTRA: usize = 64;

    pub const ELEM_MAP_FD: usize = 0;
    pub const ELEM_KEY: usize = 8;
    pub const ELEM_VALUE: usize = 16;

    pub const PROG_TYPE: usize = 0;
    pub const INSN_CNT: usize = 4;
    pub const INSNS: usize = 8;
    pub const LICENSE: usize = 16;
    pub const LOG_LEVEL: usize = 24;
    pub const LOG_SIZE: usize = 28;
    pub const LOG_BUF: usize = 32;
    pub const KERN_VERSION: usize = 40;
    pub const PROG_FLAGS: usize = 44;
    pub const PROG_NAME: usize = 48;
    pub const EXPECTED_ATTACH_TYPE: usize = 68;
    pub const PROG_BTF_FD: usize = 72;
    pub const FUNC_INFO_REC_SIZE: usize = 76;
    pub const FUNC_INFO: usize = 80;
    pub const FUNC_INFO_CNT: usize = 88;
    pub const LINE_INFO_REC_SIZE: usize = 92;
    pub const LINE_INFO: usize = 96;
    pub const LINE_INFO_CNT: usize = 104;
    pub const ATTACH_BTF_ID: usize = 108;
    pub const ATTACH_BTF_OBJ_FD: usize = 112;
    pub const CORE_RELO_CNT: usize = 116;
    pub const FD_ARRAY: usize = 120;
    pub const CORE_RELOS: usize = 128;
    pub const CORE_RELO_REC_SIZE: usize = 136;

    pub const BTF: usize = 0;
    pub const BTF_LOG_BUF: usize = 8;
    pub const BTF_SIZE: usize = 16;
    pub const BTF_LOG_SIZE: usize = 20;
    pub const BTF_LOG_LEVEL: usize = 24;
}

/// A generated loader for one byte order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loader {
    /// Target byte order.
    pub endian: Endian,
    /// The loader program.
    pub insns: Vec<u8>,
    /// The data blob, the value of the loader map.
    pub data: Vec<u8>,
    /// With fault injection, the name of each step, step `k` at index
    /// `k - 1`; empty otherwise.
    pub steps: Vec<String>,
    /// The steps that can fail, numbered from 1 (step `k` at index
    /// `k - 1`): a failed loader leaves the number of the step that
    /// failed in the ctx's `failed_step` ([`ctx::failed_step`]). With fault
    /// injection these are the first entries of [`Self::steps`], and an
    /// injected failure of a later one (a close) names its number there.
    pub step_names: Vec<String>,
    /// The initial contents of each map as this loader's blob holds them
    /// (global data maps; `None` for the others), in its byte order.
    pub initial_values: Vec<Option<Vec<u8>>>,
    /// Who may run it.
    pub runner: Runner,
}

/// Generation options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenOptions {
    /// Emit a fault injection point before each step (test builds only):
    /// the loader then expects the larger ctx of [`ctx::size_fault`].
    pub fault_inject: bool,
    /// Who runs the loader, which decides the ctx inputs it reads.
    pub runner: Runner,
}

/// Who runs a loader. A loader reads only the ctx inputs its runner can
/// give: each one costs instructions, which the kernel verifies on every
/// load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Runner {
    /// Any runner, such as `bpf_load_and_run()` of `skel_internal.h` in
    /// the kernel or in user space: the verifier log settings, a
    /// `max_entries` override for every map, and an initial value for
    /// every global data map, read from kernel or user memory as the ctx
    /// flags say.
    #[default]
    Any,
    /// The kernel, through `kernel::bpf::LoaderSpec`. No verifier log (the
    /// kernel could not read it: its buffer is a user pointer), no
    /// `max_entries` overrides (the spec is static), and initial values
    /// only for `.kconfig`, whose values have no build-time default, read
    /// from kernel memory. Other maps take the object's data from the blob.
    Kernel,
}

impl Runner {
    /// Whether the runner can give verifier log settings.
    fn gives_log(self) -> bool {
        self == Runner::Any
    }

    /// Whether the runner can give `max_entries` overrides.
    fn gives_max_entries(self) -> bool {
        self == Runner::Any
    }

    /// Whether the runner can give an initial value for a map of `kind`.
    fn gives_initial_value(self, kind: MapKind) -> bool {
        self == Runner::Any || kind == MapKind::Kconfig
    }
}

/// The blob under construction, in the target byte order.
struct Blob {
    data: Vec<u8>,
    e: Endian,
}

impl Blob {
    fn align(&mut self, a: usize) {
        while self.data.len() % a != 0 {
            self.data.push(0);
        }
    }

    fn add(&mut self, b: &[u8], align: usize) -> usize {
        self.align(align);
        let off = self.data.len();
        self.data.extend_from_slice(b);
        off
    }

    fn zeroed(&mut self, n: usize, align: usize) -> usize {
        self.add(&vec![0; n], align)
    }

    fn cstr(&mut self, s: &str) -> usize {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.add(&b, 1)
    }

    fn u32(&mut self, off: usize, v: u32) {
        self.data[off..off + 4].copy_from_slice(&self.e.u32(v));
    }

    fn u64(&mut self, off: usize, v: u64) {
        self.data[off..off + 8].copy_from_slice(&self.e.u64(v));
    }

    fn name(&mut self, off: usize, s: &str) {
        let b = s.as_bytes();
        let n = b.len().min(15);
        self.data[off..off + n].copy_from_slice(&b[..n]);
    }
}

/// Emission state.
struct Gen<'p> {
    plan: &'p Plan,
    a: Asm,
    b: Blob,
    /// The shared end, with r7 = 0 or the errno.
    cleanup: Label,
    /// The failure path for a negative r0: r7 = r0, then `cleanup`.
    fail: Label,
    /// Temporary fd slots (blob offsets), closed in the shared end, with
    /// the name of that step; map and program slots are not temporary.
    temp_slots: Vec<(usize, String)>,
    nslots: usize,
    /// Fault injection: ctx offset of `fault_step`, if enabled.
    fault: Option<usize>,
    /// Names of the fault injection points emitted so far.
    steps: Vec<String>,
    /// Names of the failable steps emitted so far.
    step_names: Vec<String>,
    runner: Runner,
}

impl Gen<'_> {
    fn slot(&self, i: usize) -> usize {
        i * 4
    }

    /// A new fd slot; `temp` names the step closing it on success, `None`
    /// for map and program slots, which go to the ctx.
    fn new_slot(&mut self, temp: Option<String>) -> usize {
        let off = self.slot(self.nslots);
        self.nslots += 1;
        if let Some(name) = temp {
            self.temp_slots.push((off, name));
        }
        off
    }

    /// Base register and displacement to reach blob offset `off`.
    fn at(&mut self, off: usize) -> (u8, i16) {
        match i16::try_from(off) {
            Ok(d) => (R8, d),
            Err(_) => {
                self.a.mov_reg(R9, R8);
                self.a.add_imm(R9, off as i32);
                (R9, 0)
            }
        }
    }

    fn ld_blob(&mut self, size: u8, dst: u8, off: usize) {
        let (base, d) = self.at(off);
        self.a.ldx(size, dst, base, d);
    }

    fn st_blob(&mut self, size: u8, off: usize, src: u8) {
        let (base, d) = self.at(off);
        self.a.stx(size, base, src, d);
    }

    fn st_blob_imm(&mut self, size: u8, off: usize, imm: i32) {
        let (base, d) = self.at(off);
        self.a.st_imm(size, base, d, imm);
    }

    /// `reg = address of blob + off`. Beyond the start, one `ld_imm64` of
    /// the map value at that offset: as many bytes as `mov` and `add`, but
    /// one instruction for the verifier to analyse instead of two.
    fn addr(&mut self, reg: u8, off: usize) {
        if off == 0 {
            self.a.mov_reg(reg, R8);
        } else {
            self.a
                .ld_imm64(reg, BPF_PSEUDO_MAP_IDX_VALUE, 0, off as i32);
        }
    }

    /// Stores the address of `target` into the pointer field at `field`.
    fn ptr(&mut self, field: usize, target: usize) {
        if target == 0 {
            self.st_blob(BPF_DW, field, R8);
        } else {
            self.addr(R0, target);
            self.st_blob(BPF_DW, field, R0);
        }
    }

    /// Copies a ctx field into the blob.
    fn ctx_to_blob(&mut self, size: u8, ctx_off: usize, blob_off: usize) {
        self.a.ldx(size, R0, R6, ctx_off as i16);
        self.st_blob(size, blob_off, R0);
    }

    /// Copies the ctx's verifier log settings into an attr, for a runner
    /// that can give them.
    fn log_fields(&mut self, level: usize, size: usize, buf: usize) {
        if !self.runner.gives_log() {
            return;
        }
        self.ctx_to_blob(BPF_W, ctx::LOG_LEVEL, level);
        self.ctx_to_blob(BPF_W, ctx::LOG_SIZE, size);
        self.ctx_to_blob(BPF_DW, ctx::LOG_BUF, buf);
    }

    /// Starts failable step `name`: numbers it (from 1) and keeps the
    /// number on the stack, which the shared end copies into the ctx's
    /// `failed_step` on failure. With fault injection, it is also fault
    /// step `steps.len() + 1`: if the ctx's `fault_step` is that number,
    /// `r7 = -fault_errno` and go to cleanup, as if the step's call had
    /// failed.
    fn fault_point(&mut self, name: impl FnOnce() -> String) {
        let name = name();
        self.step_names.push(name.clone());
        self.a
            .st_imm(BPF_W, R10, STEP_SLOT, self.step_names.len() as i32);
        let Some(off) = self.fault else { return };
        let skip = self.a.label();
        self.fault_test(off, || name, skip);
        self.a.ja(self.cleanup);
        self.a.bind(skip);
    }

    /// Numbers step `name` and emits its test: unless the ctx's
    /// `fault_step` (at ctx offset `off`) is that number, go to `skip`;
    /// otherwise fall through with `r7 = -fault_errno`.
    fn fault_test(&mut self, off: usize, name: impl FnOnce() -> String, skip: Label) {
        self.steps.push(name());
        self.a.ldx(BPF_W, R0, R6, off as i16);
        self.a.jmp_imm(BPF_JNE, R0, self.steps.len() as i32, skip);
        self.a.ldx(BPF_W, R7, R6, (off + 4) as i16);
        self.a.neg(R7);
    }

    /// Stores the fd in blob slot `value_slot` at `key` of the map whose fd is in
    /// blob slot `map_slot` (map-in-map and PROG_ARRAY initialisers).
    fn fill_slot(
        &mut self,
        map_slot: usize,
        key: &[u8],
        value_slot: usize,
        step: impl FnOnce() -> String,
    ) {
        let key = self.b.add(key, 4);
        let value = self.b.zeroed(4, 4);
        let upd = self.b.zeroed(32, 8);
        self.ld_blob(BPF_W, R0, map_slot);
        self.st_blob(BPF_W, upd + attr::ELEM_MAP_FD, R0);
        self.ld_blob(BPF_W, R0, value_slot);
        self.st_blob(BPF_W, value, R0);
        self.ptr(upd + attr::ELEM_KEY, key);
        self.ptr(upd + attr::ELEM_VALUE, value);
        self.sys_bpf(BPF_MAP_UPDATE_ELEM, upd, 32, step);
    }

    /// `r0 = bpf(cmd, attr, size)`; on error go to the failure path.
    fn sys_bpf(&mut self, cmd: i32, attr_off: usize, size: usize, step: impl FnOnce() -> String) {
        self.fault_point(step);
        self.a.mov_imm(R1, cmd);
        self.addr(R2, attr_off);
        self.a.mov_imm(R3, size as i32);
        self.a.call(HELPER_SYS_BPF);
        self.check();
    }

    /// On a negative result in r0 go to the failure path, which takes the
    /// errno to r7; the result stays in r0 for the stores that follow.
    fn check(&mut self) {
        self.a.jmp_imm(BPF_JSLT, R0, 0, self.fail);
    }

    /// In the shared end, closes the fd in a temporary slot if it holds
    /// one. With fault injection the close is a step of the success path
    /// (r7 is 0): its fault turns the rest of the end into the failure
    /// path, after this close, with `-fault_errno`, and names its own
    /// number (in [`Loader::steps`]) as the failed step.
    fn close_temp(&mut self, off: usize, step: impl FnOnce() -> String) {
        if let Some(off) = self.fault {
            let skip = self.a.label();
            self.a.jmp_imm(BPF_JNE, R7, 0, skip);
            self.fault_test(off, step, skip);
            self.a
                .st_imm(BPF_W, R10, STEP_SLOT, self.steps.len() as i32);
            self.a.bind(skip);
        }
        self.close_slot(off);
    }

    /// Closes the fd in a slot if it holds one.
    fn close_slot(&mut self, off: usize) {
        let skip = self.a.label();
        self.ld_blob(BPF_W, R1, off);
        self.a.jmp_imm(BPF_JSLT, R1, 0, skip);
        self.a.call(HELPER_SYS_CLOSE);
        self.a.bind(skip);
    }

    /// `r7 = bpf_btf_find_by_name_kind(name, kind)`.
    fn find_btf(&mut self, name: &str, kind: u32) {
        let n = self.b.cstr(name);
        self.addr(R1, n);
        self.a.mov_imm(R2, name.len() as i32 + 1);
        self.a.mov_imm(R3, kind as i32);
        self.a.mov_imm(R4, 0);
        self.a.call(HELPER_BTF_FIND_BY_NAME_KIND);
    }

    /// Lays out the `BPF_MAP_CREATE` attr of `m` in the blob (no code).
    fn map_attr(&mut self, m: &MapPlan) -> Attr {
        let size = if m.map_extra != 0 {
            attr::MAP_EXTRA + 8
        } else {
            attr::BTF_VALUE_TYPE_ID + 4
        };
        let at = self.b.zeroed(size, 8);
        self.b.u32(at + attr::MAP_TYPE, m.map_type);
        self.b.u32(at + attr::KEY_SIZE, m.key_size);
        self.b.u32(at + attr::VALUE_SIZE, m.value_size);
        self.b.u32(at + attr::MAX_ENTRIES, m.max_entries);
        self.b.u32(at + attr::MAP_FLAGS, m.map_flags);
        self.b.u32(at + attr::NUMA_NODE, m.numa_node);
        self.b.name(at + attr::MAP_NAME, &m.name);
        self.b.u32(at + attr::BTF_KEY_TYPE_ID, m.btf_key_type_id);
        self.b
            .u32(at + attr::BTF_VALUE_TYPE_ID, m.btf_value_type_id);
        if m.map_extra != 0 {
            self.b.u64(at + attr::MAP_EXTRA, m.map_extra);
        }
        let btf_fd =
            (m.btf_key_type_id != 0 || m.btf_value_type_id != 0).then_some(at + attr::MAP_BTF_FD);
        Attr { at, size, btf_fd }
    }

    fn map_create(
        &mut self,
        m: &MapPlan,
        a: &Attr,
        init: Option<Vec<u8>>,
        slot: usize,
        ctx_idx: Option<usize>,
        inner_slot: Option<usize>,
    ) {
        let at = a.at;
        if let Some(i) = ctx_idx.filter(|_| self.runner.gives_max_entries()) {
            let keep = self.a.label();
            self.a.ldx(BPF_W, R0, R6, ctx::map_max_entries(i) as i16);
            self.a.jmp_imm(BPF_JEQ, R0, 0, keep);
            self.st_blob(BPF_W, at + attr::MAX_ENTRIES, R0);
            self.a.bind(keep);
        }
        if let Some(s) = inner_slot {
            self.ld_blob(BPF_W, R0, s);
            self.st_blob(BPF_W, at + attr::INNER_MAP_FD, R0);
        }
        let what = if ctx_idx.is_some() {
            format!("map {}", m.name)
        } else {
            format!("the inner map {}", m.name)
        };
        self.sys_bpf(BPF_MAP_CREATE, at, a.size, || format!("creating {what}"));
        self.st_blob(BPF_W, slot, R0);
        let Some(init) = init else { return };
        let value = self.b.add(&init, 8);
        let key = self.b.zeroed(4, 4);
        let upd = self.b.zeroed(32, 8);
        // The fd is still in r0: no reload from the slot.
        self.st_blob(BPF_W, upd + attr::ELEM_MAP_FD, R0);
        if let Some(i) = ctx_idx.filter(|_| self.runner.gives_initial_value(m.kind)) {
            // A non-zero initial_value in the ctx replaces the object's data.
            let keep = self.a.label();
            self.a.ldx(BPF_DW, R3, R6, ctx::map_initial_value(i) as i16);
            if m.kind == MapKind::Kconfig && self.plan.kconfig.iter().any(|v| !v.weak) {
                // Kconfig values have no build-time default (they would be
                // the build host's): the skeleton must pass them.
                let given = self.a.label();
                self.a.jmp_imm(BPF_JNE, R3, 0, given);
                self.a.mov_imm(R7, -EINVAL);
                self.a.ja(self.cleanup);
                self.a.bind(given);
            }
            self.a.jmp_imm(BPF_JEQ, R3, 0, keep);
            self.addr(R1, value);
            self.a.mov_imm(R2, init.len() as i32);
            if self.runner == Runner::Kernel {
                self.a.call(HELPER_PROBE_READ_KERNEL);
            } else {
                let user = self.a.label();
                let done = self.a.label();
                self.a.ldx(BPF_W, R0, R6, ctx::FLAGS as i16);
                self.a.and_imm(R0, ctx::SKEL_KERNEL as i32);
                self.a.jmp_imm(BPF_JEQ, R0, 0, user);
                self.a.call(HELPER_PROBE_READ_KERNEL);
                self.a.ja(done);
                self.a.bind(user);
                self.a.call(HELPER_COPY_FROM_USER);
                self.a.bind(done);
            }
            self.check();
            self.a.bind(keep);
        }
        self.ptr(upd + attr::ELEM_KEY, key);
        self.ptr(upd + attr::ELEM_VALUE, value);
        self.sys_bpf(BPF_MAP_UPDATE_ELEM, upd, 32, || format!("filling {what}"));
        if m.freeze {
            // MAP_FREEZE takes only map_fd, which sits where it does here.
            self.sys_bpf(BPF_MAP_FREEZE, upd, 4, || format!("freezing {what}"));
        }
    }

    /// Lays out everything `BPF_PROG_LOAD` of `p` reads in the blob: its
    /// instructions, BTF records and attr (no code).
    fn prog_attr(&mut self, p: &ProgPlan) -> ProgAttr {
        let e = self.b.e;
        let insns = self.b.add(&encode_all(&p.insns, e), 8);
        let mut w = crate::endian::Writer::new(e);
        for f in &p.func_info {
            w.u32(f.insn_off);
            w.u32(f.type_id);
        }
        let func_info = (!p.func_info.is_empty()).then(|| self.b.add(&w.buf, 8));
        let mut w = crate::endian::Writer::new(e);
        for l in &p.line_info {
            w.u32(l.insn_off);
            w.u32(l.file_name_off);
            w.u32(l.line_off);
            w.u32(l.line_col);
        }
        let line_info = (!p.line_info.is_empty()).then(|| self.b.add(&w.buf, 8));
        let mut w = crate::endian::Writer::new(e);
        for c in &p.core_relos {
            w.u32(c.insn_off);
            w.u32(c.type_id);
            w.u32(c.access_str_off);
            w.u32(c.kind);
        }
        let core = (!p.core_relos.is_empty()).then(|| self.b.add(&w.buf, 8));
        let size = if core.is_some() {
            attr::CORE_RELO_REC_SIZE + 4
        } else {
            attr::FD_ARRAY + 8
        };
        let at = self.b.zeroed(size, 8);
        self.b.u32(at + attr::PROG_TYPE, p.prog_type);
        self.b.u32(at + attr::INSN_CNT, p.insns.len() as u32);
        self.b.u32(at + attr::KERN_VERSION, self.plan.kern_version);
        self.b.u32(at + attr::PROG_FLAGS, p.prog_flags);
        self.b.name(at + attr::PROG_NAME, &p.name);
        self.b
            .u32(at + attr::EXPECTED_ATTACH_TYPE, p.expected_attach_type);
        if func_info.is_some() {
            self.b.u32(at + attr::FUNC_INFO_REC_SIZE, 8);
            self.b
                .u32(at + attr::FUNC_INFO_CNT, p.func_info.len() as u32);
        }
        if line_info.is_some() {
            self.b.u32(at + attr::LINE_INFO_REC_SIZE, 16);
            self.b
                .u32(at + attr::LINE_INFO_CNT, p.line_info.len() as u32);
        }
        if core.is_some() {
            self.b.u32(at + attr::CORE_RELO_REC_SIZE, 16);
            self.b
                .u32(at + attr::CORE_RELO_CNT, p.core_relos.len() as u32);
        }
        let btf_fd = (func_info.is_some() || line_info.is_some() || core.is_some())
            .then_some(at + attr::PROG_BTF_FD);
        ProgAttr {
            attr: Attr { at, size, btf_fd },
            insns,
            func_info,
            line_info,
            core,
        }
    }

    fn prog_load(&mut self, p: &ProgPlan, j: usize, pa: &ProgAttr, license: usize) {
        let at = pa.attr.at;
        self.ptr(at + attr::INSNS, pa.insns);
        self.ptr(at + attr::LICENSE, license);
        self.ptr(at + attr::FD_ARRAY, 0);
        if let Some(f) = pa.func_info {
            self.ptr(at + attr::FUNC_INFO, f);
        }
        if let Some(l) = pa.line_info {
            self.ptr(at + attr::LINE_INFO, l);
        }
        if let Some(c) = pa.core {
            self.ptr(at + attr::CORE_RELOS, c);
        }
        // log_level and log_size sit side by side in both the ctx and the
        // attr, so one 64-bit copy moves both whatever the byte order.
        const _: () =
            assert!(ctx::LOG_SIZE == ctx::LOG_LEVEL + 4 && attr::LOG_SIZE == attr::LOG_LEVEL + 4);
        if self.runner.gives_log() {
            self.ctx_to_blob(BPF_DW, ctx::LOG_LEVEL, at + attr::LOG_LEVEL);
            self.ctx_to_blob(BPF_DW, ctx::LOG_BUF, at + attr::LOG_BUF);
        }
        if let Some((name, kind)) = &p.attach_target {
            let fd_slot = self.new_slot(Some(format!(
                "closing the BTF of the attach target of {}",
                p.name
            )));
            self.fault_point(|| format!("looking up the attach target {name} of {}", p.name));
            self.find_btf(name, *kind);
            self.check();
            // r0 = module BTF fd << 32 | BTF id.
            self.st_blob(BPF_W, at + attr::ATTACH_BTF_ID, R0);
            self.a.rsh_imm(R0, 32);
            self.st_blob(BPF_W, at + attr::ATTACH_BTF_OBJ_FD, R0);
            // 0 is vmlinux, not an fd: see the module documentation.
            let vmlinux = self.a.label();
            self.a.jmp_imm(BPF_JEQ, R0, 0, vmlinux);
            self.st_blob(BPF_W, fd_slot, R0);
            self.a.bind(vmlinux);
        }
        self.sys_bpf(BPF_PROG_LOAD, at, pa.attr.size, || {
            format!("loading program {}", p.name)
        });
        let slot = self.slot(self.plan.maps.len() + j);
        self.st_blob(BPF_W, slot, R0);
    }
}

/// A `bpf()` attr laid out in the blob.
struct Attr {
    /// Blob offset.
    at: usize,
    /// Size passed to `bpf()`.
    size: usize,
    /// Blob offset of its BTF fd field, if the object's BTF goes there.
    btf_fd: Option<usize>,
}

/// What `BPF_PROG_LOAD` of one program reads from the blob.
struct ProgAttr {
    attr: Attr,
    /// Blob offsets of the instructions and of the BTF records.
    insns: usize,
    func_info: Option<usize>,
    line_info: Option<usize>,
    core: Option<usize>,
}

/// Emits the loader for `plan` in byte order `endian`.
pub fn generate(plan: &Plan, endian: Endian) -> Result<Loader, Error> {
    generate_with(plan, endian, GenOptions::default())
}

/// Emits the loader for `plan` in byte order `endian` with options `o`.
///
/// `endian` must be the byte order of the plan's object, else
/// [`Error::ByteOrder`]: a loader for the other byte order is made from
/// the object compiled for it.
pub fn generate_with(plan: &Plan, endian: Endian, o: GenOptions) -> Result<Loader, Error> {
    if endian != plan.endian {
        return Err(Error::ByteOrder {
            object: plan.endian,
            target: endian,
        });
    }
    let nmaps = plan.maps.len();
    let ninner = plan.maps.iter().filter(|m| m.inner.is_some()).count();
    if nmaps + ninner > MAX_MAPS {
        return Err(Error::Limit {
            what: "maps (MAX_MAPS)",
            got: nmaps + ninner,
            max: MAX_MAPS,
        });
    }
    if plan.progs.len() > MAX_PROGS {
        return Err(Error::Limit {
            what: "programs (MAX_PROGS)",
            got: plan.progs.len(),
            max: MAX_PROGS,
        });
    }
    if plan.externs.len() > MAX_EXTERNS {
        return Err(Error::Limit {
            what: "externs (MAX_EXTERNS)",
            got: plan.externs.len(),
            max: MAX_EXTERNS,
        });
    }
    let mut a = Asm::new();
    let cleanup = a.label();
    let fail = a.label();
    let mut g = Gen {
        plan,
        a,
        b: Blob {
            data: Vec::new(),
            e: endian,
        },
        cleanup,
        fail,
        temp_slots: Vec::new(),
        nslots: 0,
        fault: o
            .fault_inject
            .then(|| ctx::fault_step(nmaps, plan.progs.len())),
        steps: Vec::new(),
        step_names: Vec::new(),
        runner: o.runner,
    };
    // Slots: maps, programs, then everything else.
    let map_slots: Vec<usize> = (0..nmaps).map(|_| g.new_slot(None)).collect();
    let prog_slots: Vec<usize> = (0..plan.progs.len()).map(|_| g.new_slot(None)).collect();
    let btf_slot = g.new_slot(Some("closing the object's BTF".into()));
    let inner_slots: Vec<Option<usize>> = plan
        .maps
        .iter()
        .map(|m| {
            m.inner
                .as_ref()
                .map(|i| g.new_slot(Some(format!("closing the inner map {}", i.name))))
        })
        .collect();
    let kfunc_slots: Vec<Option<usize>> = plan
        .externs
        .iter()
        .map(|x| {
            matches!(x.kind, ExternKind::Btf(_))
                .then(|| g.new_slot(Some(format!("closing the BTF of {}", x.name))))
        })
        .collect();
    // The blob holds the slots first; attach-target slots are added while
    // emitting programs, so reserve them now.
    let nattach = plan
        .progs
        .iter()
        .filter(|p| p.autoload && p.attach_target.is_some())
        .count();
    let reserved = g.nslots + nattach;
    g.b.data = endian.u32(u32::MAX).repeat(reserved);

    // Every attr, instruction array and BTF record goes into the blob
    // before any code, so that the code can store a result straight where
    // it is needed instead of through a slot.
    let map_attrs: Vec<(Option<Attr>, Attr)> = plan
        .maps
        .iter()
        .map(|m| (m.inner.as_ref().map(|i| g.map_attr(i)), g.map_attr(m)))
        .collect();
    // Programs whose autoload is off get nothing in the blob either.
    let prog_attrs: Vec<Option<ProgAttr>> = plan
        .progs
        .iter()
        .map(|p| p.autoload.then(|| g.prog_attr(p)))
        .collect();

    g.a.mov_reg(R6, R1);
    // No step yet: a failure before the first reports step 0.
    g.a.st_imm(BPF_W, R10, STEP_SLOT, 0);
    g.a.ld_imm64(R8, BPF_PSEUDO_MAP_IDX_VALUE, 0, 0);

    // BTF.
    let btf_bytes = plan.btf.encode(endian);
    let btf_off = g.b.add(&btf_bytes, 8);
    let battr = g.b.zeroed(attr::BTF_LOG_LEVEL + 4, 8);
    g.b.u32(battr + attr::BTF_SIZE, btf_bytes.len() as u32);
    g.ptr(battr + attr::BTF, btf_off);
    g.log_fields(
        battr + attr::BTF_LOG_LEVEL,
        battr + attr::BTF_LOG_SIZE,
        battr + attr::BTF_LOG_BUF,
    );
    g.sys_bpf(BPF_BTF_LOAD, battr, attr::BTF_LOG_LEVEL + 4, || {
        "loading the object's BTF".into()
    });
    g.st_blob(BPF_W, btf_slot, R0);
    let btf_fields = map_attrs
        .iter()
        .flat_map(|(inner, outer)| [inner.as_ref(), Some(outer)])
        .flatten()
        .chain(prog_attrs.iter().flatten().map(|p| &p.attr))
        .filter_map(|a| a.btf_fd);
    for f in btf_fields {
        g.st_blob(BPF_W, f, R0);
    }

    // Maps, each populated and frozen right after creation, as libbpf does.
    let mut initial_values = Vec::with_capacity(plan.maps.len());
    for (i, m) in plan.maps.iter().enumerate() {
        let (inner_attr, attr) = &map_attrs[i];
        if let (Some(inner), Some(a), Some(s)) = (&m.inner, inner_attr, inner_slots[i]) {
            g.map_create(inner, a, None, s, None, None);
        }
        let init = plan.initial_value(i, endian)?;
        initial_values.push(init.clone());
        g.map_create(m, attr, init, map_slots[i], Some(i), inner_slots[i]);
    }

    // Map-in-map slots the object initialises, once every map exists.
    for ms in &plan.map_slots {
        let key = endian.u32(ms.slot);
        g.fill_slot(map_slots[ms.outer], &key, map_slots[ms.inner], || {
            format!(
                "filling slot {} of map {}",
                ms.slot, plan.maps[ms.outer].name
            )
        });
    }

    // Externs, once each; the result goes straight into every instruction
    // that uses it. Where each use sits in the blob:
    // Programs whose autoload is off (`?` sections) are not loaded, as
    // libbpf's gen_loader does: their descriptor stays -1, and what only
    // they use is not looked up.
    let uses = |x: usize| {
        plan.progs
            .iter()
            .zip(&prog_attrs)
            .filter_map(|(p, pa)| Some((p, pa.as_ref()?)))
            .flat_map(move |(p, pa)| {
                p.extern_refs
                    .iter()
                    .filter(move |r| r.1 == x)
                    .map(move |&(idx, _, usage)| (p, idx, pa.insns + idx * INSN_SIZE, usage))
            })
            .collect::<Vec<_>>()
    };
    for (x, e) in plan.externs.iter().enumerate() {
        let uses = uses(x);
        let anyone = plan
            .progs
            .iter()
            .any(|p| p.extern_refs.iter().any(|r| r.1 == x));
        if uses.is_empty() && anyone {
            continue;
        }
        match e.kind {
            ExternKind::Btf(kind) => {
                // A weak extern that is not found is no failure.
                if !e.weak {
                    g.fault_point(|| format!("looking up {}", e.name));
                }
                g.find_btf(&e.name, kind);
                if e.weak {
                    let ok = g.a.label();
                    g.a.jmp_imm(BPF_JSGE, R0, 0, ok);
                    g.a.mov_imm(R0, 0);
                    g.a.bind(ok);
                } else {
                    g.check();
                }
                // r0 = module BTF fd << 32 | BTF id; a 32-bit store takes
                // the id whatever the byte order.
                for &(p, idx, at, usage) in &uses {
                    g.st_blob(BPF_W, at + 4, R0);
                    if usage == ExternUse::LdBtf && e.weak {
                        // Not found: turn it into `ld_imm64 dst, 0`.
                        let found = g.a.label();
                        g.a.jmp_imm(BPF_JNE, R0, 0, found);
                        let mut plain = p.insns[idx];
                        plain.src = 0;
                        g.st_blob_imm(BPF_B, at + 1, i32::from(plain.encode(endian)[1]));
                        g.a.bind(found);
                    }
                }
                let done = g.a.label();
                g.a.rsh_imm(R0, 32);
                // 0 is vmlinux, not an fd: see the module documentation.
                g.a.jmp_imm(BPF_JEQ, R0, 0, done);
                let slot = kfunc_slots[x].unwrap_or(0);
                g.st_blob(BPF_W, slot, R0);
                for &(_, _, at, usage) in &uses {
                    match usage {
                        // A kfunc names its module BTF by fd_array index.
                        ExternUse::Call => g.st_blob_imm(BPF_H, at + 2, (slot / 4) as i32),
                        ExternUse::LdBtf => g.st_blob(BPF_W, at + INSN_SIZE + 4, R0),
                        ExternUse::LdAddr => {}
                    }
                }
                g.a.bind(done);
            }
            ExternKind::Typeless => {
                if !e.weak {
                    g.fault_point(|| format!("looking up {}", e.name));
                }
                let id = g.b.zeroed(8, 8);
                let n = g.b.cstr(&e.name);
                g.addr(R1, n);
                g.a.mov_imm(R2, e.name.len() as i32 + 1);
                g.a.mov_imm(R3, 0);
                g.addr(R4, id);
                g.a.call(HELPER_KALLSYMS_LOOKUP_NAME);
                if !e.weak {
                    g.check();
                }
                for &(_, _, at, usage) in &uses {
                    if usage == ExternUse::LdAddr {
                        g.ld_blob(BPF_DW, R0, id);
                        g.st_blob(BPF_W, at + 4, R0);
                        g.a.rsh_imm(R0, 32);
                        g.st_blob(BPF_W, at + INSN_SIZE + 4, R0);
                    }
                }
            }
        }
    }

    // Programs.
    let license = g.b.cstr(&plan.license);
    for (j, (p, pa)) in plan.progs.iter().zip(&prog_attrs).enumerate() {
        if let Some(pa) = pa {
            g.prog_load(p, j, pa, license);
        }
    }

    // PROG_ARRAY slots the object initialises, once every program is loaded.
    for ps in plan
        .prog_slots
        .iter()
        .filter(|ps| plan.progs[ps.prog].autoload)
    {
        let key = endian.u32(ps.slot);
        g.fill_slot(map_slots[ps.map], &key, prog_slots[ps.prog], || {
            format!("filling slot {} of map {}", ps.slot, plan.maps[ps.map].name)
        });
    }
    debug_assert_eq!(g.nslots, reserved);

    // Success and failure share the end: r7 is 0 on success, the negative
    // errno otherwise. Temporaries are closed either way; then success
    // hands maps and programs to the ctx, failure closes them too.
    // Success enters through the failure path's copy with r0 = 0.
    g.a.mov_imm(R0, 0);
    g.a.bind(fail);
    g.a.mov_reg(R7, R0);
    g.a.bind(cleanup);
    for (s, name) in g.temp_slots.clone() {
        g.close_temp(s, || name);
    }
    let failed = g.a.label();
    g.a.jmp_imm(BPF_JNE, R7, 0, failed);
    for (i, &s) in map_slots.iter().enumerate() {
        g.ld_blob(BPF_W, R0, s);
        g.a.stx(BPF_W, R6, R0, ctx::map_desc(i) as i16);
    }
    for (j, &s) in prog_slots.iter().enumerate() {
        g.ld_blob(BPF_W, R0, s);
        g.a.stx(BPF_W, R6, R0, ctx::prog_desc(nmaps, j) as i16);
    }
    g.a.mov_imm(R0, 0);
    g.a.exit();
    g.a.bind(failed);
    g.a.ldx(BPF_W, R1, R10, STEP_SLOT);
    g.a.stx(
        BPF_W,
        R6,
        R1,
        ctx::failed_step(nmaps, plan.progs.len()) as i16,
    );
    for s in map_slots.iter().chain(&prog_slots) {
        g.close_slot(*s);
    }
    g.a.mov_reg(R0, R7);
    g.a.exit();

    if g.b.data.len() > MAX_BLOB {
        return Err(Error::Limit {
            what: "loader data blob bytes (MAX_BLOB)",
            got: g.b.data.len(),
            max: MAX_BLOB,
        });
    }
    let insns = g.a.finish()?;
    Ok(Loader {
        endian,
        insns: encode_all(&insns, endian),
        data: g.b.data,
        steps: g.steps,
        step_names: g.step_names,
        initial_values,
        runner: o.runner,
    })
}
