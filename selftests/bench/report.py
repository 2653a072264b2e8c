#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one `make bench` run directory into results.md and PNG plots.

Input: samples.csv (figure,case,param,round,who,value; times in ns, sizes in
bytes), trace.txt (ROUND,WHO,kprobe trace line) and meta.txt. Every time is
reported as the median over its rounds with min and max; a comparison is the
median of the per-round (per-pair) ratios, the two sides of a pair having run
one right after the other.
"""

import csv
import math
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MS = 1e6
# Goals of issue 6.
GOAL_INIT = 0.9
GOAL_NONVERIFY = 0.10
GOAL_LOADER = 0.8
GOAL_GEN = 0.5
GOAL_INTRO = 0.2
GOAL_MODSIZE = 1.5
# Growth exponent between the two largest sizes: 1 is linear (less with fixed
# costs), 2 quadratic. Growth counts as linear when nearer 1 than 2: one
# exponent from two noisy medians cannot tell 1.0 from 1.2.
GOAL_EXPONENT = 1.5

BPF_CMD = {0: "MAP_CREATE", 2: "MAP_UPDATE_ELEM", 5: "PROG_LOAD", 10: "PROG_TEST_RUN",
           18: "BTF_LOAD", 22: "MAP_FREEZE", 28: "LINK_CREATE"}


def load_samples(run):
    """Returns {(figure, case, param): {who: {round: value}}}."""
    data = defaultdict(lambda: defaultdict(dict))
    with open(run / "samples.csv") as f:
        for row in csv.DictReader(f):
            key = (row["figure"], row["case"], row["param"])
            data[key][row["who"]][int(row["round"])] = float(row["value"])
    return data


class Stat:
    """Median, min and max of some samples."""

    def __init__(self, values):
        values = list(values)
        if not values:
            raise ValueError("no samples")
        self.n = len(values)
        self.median = statistics.median(values)
        self.min = min(values)
        self.max = max(values)

    def fmt(self, scale=MS, digits=1):
        return (f"{self.median / scale:.{digits}f} "
                f"({self.min / scale:.{digits}f}-{self.max / scale:.{digits}f})")


def pair_ratio(a, b):
    """Median of a[r] / b[r] over the rounds both have, and how many there were."""
    rounds = sorted(set(a) & set(b))
    if not rounds:
        raise ValueError("no pairs")
    return statistics.median(a[r] / b[r] for r in rounds), len(rounds)


def verdict(value, goal, strict=False):
    """Whether value is at most goal (below it, when strict)."""
    ok = value < goal if strict else value <= goal
    return "met" if ok else "**missed**"


def exponent(xs, ys):
    """log(y2/y1) / log(x2/x1) over the two largest x."""
    (x1, y1), (x2, y2) = sorted(zip(xs, ys))[-2:]
    return math.log(y2 / y1) / math.log(x2 / x1)


# --- kprobe trace --------------------------------------------------------------

TRACE_LINE = re.compile(r"-(?P<pid>\d+)\s+\[\d+\].*?\s(?P<ts>\d+\.\d+):\s+(?P<ev>\w+)_(?P<kind>[ex]):(?P<rest>.*)$")


class Node:
    def __init__(self, name, start, arg):
        self.name, self.start, self.arg = name, start, arg
        self.end = None
        self.children = []

    @property
    def dur(self):
        return self.end - self.start

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def parse_trace(path):
    """Returns {(round, who): [top-level Node]} from the kprobe lines."""
    lines = defaultdict(list)
    for raw in open(path):
        rnd, who, line = raw.rstrip("\n").split(",", 2)
        lines[(int(rnd), who)].append(line)
    runs = {}
    for key, evs in lines.items():
        stacks = defaultdict(list)
        top = []
        for line in evs:
            m = TRACE_LINE.search(line)
            if not m:
                continue
            ts = float(m["ts"]) * 1e9
            arg = re.search(r"\bcmd=(-?\d+)", m["rest"])
            stack = stacks[m["pid"]]
            if m["kind"] == "e":
                node = Node(m["ev"], ts, int(arg.group(1)) if arg else None)
                (stack[-1].children if stack else top).append(node)
                stack.append(node)
            else:
                # Unwind to the matching entry; an unmatched return is dropped.
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i].name == m["ev"]:
                        stack[i].end = ts
                        del stack[i:]
                        break
        runs[key] = top
    return runs


def breakdown(top):
    """Components of one traced modprobe, in ns; None if it has no whole init."""
    inits = [n for t in top for n in t.walk() if n.name == "init" and n.end is not None]
    if len(inits) != 1:
        return None
    init = inits[0]
    mods = [n for t in top for n in t.walk() if n.name == "mod" and n.end is not None]
    c = {"init": init.dur}
    if mods:
        c["load_module"] = mods[0].dur
    sys_top = [n for n in init.walk() if n.name == "sys" and n.end is not None]
    # kern_sys_bpf does not nest in itself; keep the outermost ones anyway.
    inner = {id(d) for s in sys_top for d in list(s.walk())[1:]}
    sys_top = [s for s in sys_top if id(s) not in inner]
    runs = [s for s in sys_top if s.arg == 10]
    in_run = {id(d) for s in runs for d in s.walk()}
    checks = [n for n in init.walk() if n.name == "chk" and n.end is not None]
    in_check = {id(d) for n in checks for d in list(n.walk())[1:]}

    def total(name, run, nested=None):
        """Time in probe `name`, inside the loader run or outside it, and
        (if nested is given) inside bpf_check or outside it."""
        return sum(n.dur for n in init.walk()
                   if n.name == name and n.end is not None and (id(n) in in_run) == run
                   and (nested is None or (id(n) in in_check) == nested))

    # The JIT is no verification, though on 7.3 bpf_check runs it.
    c["iter_verify"] = total("chk", True) - total("jit", True, True)
    c["loader_verify"] = total("chk", False) - total("jit", False, True)
    if any(n.name == "jit" for n in init.walk()):
        c["jit"] = total("jit", True) + total("jit", False)
    # What the loader run spends on the iterators: verifying and JIT.
    iter_load = total("chk", True) + total("jit", True, False)
    c["loader_run"] = sum(s.dur for s in runs) - iter_load
    c["attach"] = sum(s.dur for s in sys_top if s.arg == 28)
    c["setup"] = (sum(s.dur for s in sys_top if s.arg not in (10, 28)) - total("chk", False)
                  - total("jit", False, False))
    c["rest"] = init.dur - sum(s.dur for s in sys_top)
    for key, name, run in (("loader_live", "live", False), ("iter_live", "live", True),
                           ("iter_core", "core", True)):
        if any(n.name == name for n in init.walk()):
            c[key] = total(name, run)
    # Inside the loader run: what the loader's own bpf() calls cost.
    nested = [n for s in runs for n in s.walk() if n.name == "nsys" and n.end is not None]
    if nested:
        load = sum(n.dur for n in nested if n.arg == 5)
        c["run_prog_load"] = load - iter_load
        c["run_btf_load"] = sum(n.dur for n in nested if n.arg == 18)
        c["run_maps"] = sum(n.dur for n in nested if n.arg in (0, 2, 22))
        c["run_other"] = c["loader_run"] - c["run_prog_load"] - c["run_btf_load"] - c["run_maps"]
    c["n_verify"] = len(checks)
    return c


COMPONENTS = [
    ("setup", "loader map and loader program (excl. its verification and JIT)"),
    ("loader_verify", "verification of the loader program"),
    ("iter_verify", "verification of the two iterators (the floor)"),
    ("jit", "JIT of the loader and the iterators"),
    ("loader_run", "loader run, excl. the iterators' verification and JIT"),
    ("attach", "attach (BPF_LINK_CREATE x2)"),
    ("rest", "rest of init (outside bpf())"),
]
# Rows under a component of the table (not stacked in the plot).
SUB_PARTS = {
    "loader_verify": [("loader_live", "&nbsp;&nbsp;of which the liveness analysis (bpf_compute_live_registers)")],
    "iter_verify": [("iter_core", "&nbsp;&nbsp;of which CO-RE relocations (bpf_check_core_relo)"),
                    ("iter_live", "&nbsp;&nbsp;of which the liveness analysis (bpf_compute_live_registers)")],
}
RUN_PARTS = [
    ("run_btf_load", "BTF_LOAD"),
    ("run_maps", "map create, update, freeze"),
    ("run_prog_load", "PROG_LOAD excl. verification and JIT (BTF checks, ...)"),
    ("run_other", "the loader's own instructions and helpers"),
]


# --- report ----------------------------------------------------------------------

def main():
    run = Path(sys.argv[1])
    data = load_samples(run)
    meta = dict(line.rstrip("\n").split("=", 1) for line in open(run / "meta.txt") if "=" in line)
    md = []
    summary = []
    csv_stats = [("figure", "case", "param", "who", "n", "median", "min", "max", "ratio", "pairs")]
    missing = []

    def get(fig, case, param="-"):
        d = data.get((fig, case, param))
        if not d:
            missing.append(f"{fig}/{case}/{param}")
        return d

    def add_stats(fig, case, param, d, a, b):
        ratio, pairs = pair_ratio(d[a], d[b])
        for who in (a, b):
            s = Stat(d[who].values())
            csv_stats.append((fig, case, param, who, s.n, s.median, s.min, s.max,
                              ratio if who == a else "", pairs if who == a else ""))
        return ratio, pairs

    # Figure 1: module init.
    init = get("init", "modprobe")
    if init:
        ratio, pairs = add_stats("init", "modprobe", "-", init, "ours", "ref")
        so, sr = Stat(init["ours"].values()), Stat(init["ref"].values())
        summary.append(("1. module init: modprobe, ms", so.fmt(), sr.fmt(), f"{ratio:.2f} ({pairs} pairs)",
                        f"<= {GOAL_INIT}", verdict(ratio, GOAL_INIT)))
    bd = {}
    if (run / "trace.txt").exists() and (run / "trace.txt").stat().st_size:
        for (rnd, who), top in parse_trace(run / "trace.txt").items():
            c = breakdown(top)
            if c:
                bd.setdefault(who, {})[rnd] = c
    if "ours" in bd and "ref" in bd:
        a = {r: c["init"] for r, c in bd["ours"].items()}
        b = {r: c["init"] for r, c in bd["ref"].items()}
        ratio, pairs = pair_ratio(a, b)
        summary.append(("1a. init function alone (do_one_initcall, traced rounds), ms", Stat(a.values()).fmt(),
                        Stat(b.values()).fmt(), f"{ratio:.2f} ({pairs} pairs)", f"<= {GOAL_INIT}",
                        verdict(ratio, GOAL_INIT)))
    if "ours" in bd:
        share = [(c["init"] - c["iter_verify"]) / c["init"] for c in bd["ours"].values()]
        s = Stat(share)
        summary.append(("1b. ours: init outside the iterators' verification, share of init",
                        f"{s.median:.0%} ({s.min:.0%}-{s.max:.0%})", "", "",
                        f"< {GOAL_NONVERIFY:.0%}", verdict(s.median, GOAL_NONVERIFY, strict=True)))
        share = [(c["init"] - c["iter_verify"] - c["loader_verify"]) / c["init"] for c in bd["ours"].values()]
        s = Stat(share)
        summary.append(("1c. ours: init outside any verification (loader's too), share of init",
                        f"{s.median:.0%} ({s.min:.0%}-{s.max:.0%})", "", "",
                        f"< {GOAL_NONVERIFY:.0%}", verdict(s.median, GOAL_NONVERIFY, strict=True)))
    # Figure 1d: the first modprobe after boot, one boot per sample. The
    # whole modprobe, not the init function: under TCG a cold run pays for
    # translating kernel code on its first execution, and the reference's
    # load_module (which parses its module BTF) runs code that our init
    # runs first, so only the whole compares.
    d = data.get(("cold", "modprobe", "-"))
    if d and d.get("ours") and d.get("ref"):
        ratio, pairs = add_stats("cold", "modprobe", "-", d, "ours", "ref")
        summary.append(("1d. first modprobe after boot (cold caches): modprobe, ms",
                        Stat(d["ours"].values()).fmt(), Stat(d["ref"].values()).fmt(),
                        f"{ratio:.2f} ({pairs} boots each)", "", ""))
    scans = data.get(("cold", "core-scans", "-"), {})
    if scans.get("ours") and scans.get("ref"):
        so, sr = Stat(scans["ours"].values()), Stat(scans["ref"].values())
        summary.append(("1d. ... CO-RE candidate scans of vmlinux BTF, count",
                        f"{so.median:.0f} ({so.min:.0f}-{so.max:.0f})",
                        f"{sr.median:.0f} ({sr.min:.0f}-{sr.max:.0f})", "", "", ""))
    # Figure 2: loader size.
    # Ours: the Rust kernel skeleton's loader, which bpf_preload runs (the
    # C header's, which reads every ctx input, is in the generators table).
    ours_it = [get("loader", p, "iterators-kernel") for p in ("insns", "blob")]
    up = [get("loader", p, "upstream-header") for p in ("insns", "blob")]
    if all(ours_it) and all(up):
        oi, ob = (d["ours"][1] for d in ours_it)
        ui, ub = (d["upstream"][1] for d in up)
        ratio = (oi + ob) / (ui + ub)
        summary.append(("2. loader size for iterators.bpf.o, bytes (insns + blob; ours: the kernel skeleton's)",
                        f"{oi + ob:.0f} ({oi:.0f} + {ob:.0f}; {oi / 8:.0f} instruction slots)",
                        f"{ui + ub:.0f} ({ui:.0f} + {ub:.0f}; {ui / 8:.0f} instruction slots)",
                        f"{ratio:.2f}", f"<= {GOAL_LOADER}", verdict(ratio, GOAL_LOADER)))
    # Figure 3: generation time.
    gen_objs = [o for o in ("iterators", "n1", "n10", "n50", "n200") if ("gen", "time", o) in data]
    gen_rows = []
    for o in gen_objs:
        d = data[("gen", "time", o)]
        ratio, pairs = add_stats("gen", "time", o, d, "ours", "bpftool")
        gen_rows.append((o, Stat(d["ours"].values()), Stat(d["bpftool"].values()), ratio, pairs))
    if gen_rows:
        worst = max(r[3] for r in gen_rows)
        it = [r for r in gen_rows if r[0] == "iterators"]
        if it:
            o, so, sb, ratio, pairs = it[0]
            summary.append(("3. generation time, iterators.bpf.o, ms", so.fmt(digits=2), sb.fmt(digits=2),
                            f"{ratio:.2f} ({pairs} pairs)", f"<= {GOAL_GEN}", verdict(ratio, GOAL_GEN)))
        summary.append(("3b. generation time, worst ratio over 1-200 programs", "", "", f"{worst:.2f}",
                        f"<= {GOAL_GEN}", verdict(worst, GOAL_GEN)))
        synth = [r for r in gen_rows if r[0].startswith("n")]
        if len(synth) >= 2:
            xs = [int(r[0][1:]) for r in synth]
            eo = exponent(xs, [r[1].median for r in synth])
            eb = exponent(xs, [r[2].median for r in synth])
            summary.append(("3c. generation time growth exponent, 50 to 200 programs", f"{eo:.2f}", f"{eb:.2f}",
                            "", f"< {GOAL_EXPONENT} (linear, not quadratic)", verdict(eo, GOAL_EXPONENT, strict=True)))
    # Figure 4: introspection.
    intro = defaultdict(list)
    for (fig, case, param), d in sorted(data.items(), key=lambda kv: (kv[0][1], int(kv[0][2]) if kv[0][2].isdigit() else 0)):
        if fig != "intro":
            continue
        ratio, pairs = add_stats(fig, case, param, d, "debugfile", "bpftool")
        intro[case].append((int(param), Stat(d["debugfile"].values()), Stat(d["bpftool"].values()), ratio, pairs))
    for case in ("progs", "maps"):
        rows = intro.get(case)
        if not rows:
            missing.append(f"intro/{case}")
            continue
        worst = max(r[3] for r in rows)
        n, sd, sb, _, _ = rows[-1]
        tool = "bpftool prog show" if case == "progs" else "bpftool map show"
        summary.append((f"4. {case}.debug vs {tool}, worst ratio; ms at N={n}", sd.fmt(), sb.fmt(),
                        f"{worst:.2f}", f"<= {GOAL_INTRO}", verdict(worst, GOAL_INTRO)))
        if len(rows) >= 2:
            e = exponent([r[0] for r in rows], [r[1].median for r in rows])
            eb = exponent([r[0] for r in rows], [r[2].median for r in rows])
            summary.append((f"4b. {case}.debug growth exponent, N={rows[-2][0]} to {rows[-1][0]}",
                            f"{e:.2f}", f"{eb:.2f}", "", f"< {GOAL_EXPONENT} (linear, not quadratic)", verdict(e, GOAL_EXPONENT, strict=True)))
    # Figure 5: module size.
    for case, what in (("ko", ".ko bytes, debug info stripped (INSTALL_MOD_STRIP=1)"),
                       ("loaded", "loaded size, /proc/modules")):
        d = get("size", case)
        if d:
            o, r = d["ours"][1], d["ref"][1]
            summary.append((f"5. module size: {what}", f"{o:.0f}", f"{r:.0f}", f"{o / r:.2f}",
                            f"<= {GOAL_MODSIZE}", verdict(o / r, GOAL_MODSIZE)))

    # results.md
    md.append(f"Kernel {meta.get('kernel', '?')}; qemu {meta.get('qemu', '?')}; "
              f"commit {meta.get('commit', '?')}; {meta.get('date', '?')}; host {meta.get('host', '?')}.")
    md.append("")
    md.append("Times: median (min-max) over alternating runs; ratio: median of per-pair ratios, "
              "ours / the other.")
    md.append("")
    md.append("| figure | ours | upstream / other | ratio | goal | verdict |")
    md.append("| --- | --- | --- | --- | --- | --- |")
    for row in summary:
        md.append("| " + " | ".join(row) + " |")
    if missing:
        md.append("")
        md.append("Missing measurements: " + ", ".join(missing) + ".")

    if bd:
        md.append("")
        md.append("### Module init, in the kernel (kprobe events), ms")
        md.append("")
        n = {who: len(v) for who, v in bd.items()}
        md.append("Median (min-max) over " + ", ".join(f"{w}: {k} rounds" for w, k in n.items())
                  + "; share: of init, median.")
        md.append("")
        md.append("| part | ours | share | reference (C) | share |")
        md.append("| --- | --- | --- | --- | --- |")

        def cell(who, key, sub=False):
            runs = bd.get(who, {}).values()
            vals = [c[key] for c in runs if key in c]
            if not vals:
                return "", ""
            s = Stat(vals)
            shares = [c[key] / c["init"] for c in runs if key in c]
            return s.fmt(digits=2), f"{statistics.median(shares):.0%}"

        rows = [("init", "module init function (do_one_initcall), whole")]
        rows += [r for part in COMPONENTS for r in [part] + SUB_PARTS.get(part[0], [])]
        rows += [(k, "&nbsp;&nbsp;loader run: " + t) for k, t in RUN_PARTS]
        rows += [("load_module", "finit_module's load_module, incl. init")]
        for key, text in rows:
            o, r = cell("ours", key), cell("ref", key)
            if o[0] or r[0]:
                md.append(f"| {text} | {o[0]} | {o[1]} | {r[0]} | {r[1]} |")
        tr = data.get(("trace", "modprobe", "-"))
        if tr:
            md.append(f"| modprobe, wall (traced rounds) | {Stat(tr['ours'].values()).fmt(digits=2)} | "
                      f"| {Stat(tr['ref'].values()).fmt(digits=2)} | |")

    if gen_rows:
        md.append("")
        md.append("### Generators: time per run (ms) and loader size (bytes)")
        md.append("")
        md.append("| object | bpf-lskel | bpftool | ratio | loader, ours | loader, bpftool | ratio |")
        md.append("| --- | --- | --- | --- | --- | --- | --- |")
        for o, so, sb, ratio, pairs in gen_rows:
            li = [data.get(("loader", p, o), {}) for p in ("insns", "blob")]
            try:
                lo = li[0]["ours"][1] + li[1]["ours"][1]
                lb = li[0]["bpftool"][1] + li[1]["bpftool"][1]
                sizes = f"{lo:.0f} | {lb:.0f} | {lo / lb:.2f}"
            except KeyError:
                sizes = " | | "
            md.append(f"| {o} | {so.fmt(digits=2)} | {sb.fmt(digits=2)} | {ratio:.2f} | {sizes} |")
        v = [data.get(("loader", p, "vanilla"), {}) for p in ("insns", "blob")]
        if all(v) and all(up):
            lo = v[0]["ours"][1] + v[1]["ours"][1]
            lb = v[0]["bpftool"][1] + v[1]["bpftool"][1]
            u = up[0]["upstream"][1] + up[1]["upstream"][1]
            md.append(f"| upstream's iterators.bpf.c | | | | {lo:.0f} | {lb:.0f} | {lo / lb:.2f} |")
            md.append(f"| upstream's checked-in header | | | | | {u:.0f} | |")

    if intro:
        md.append("")
        md.append("### Introspection, ms")
        md.append("")
        md.append("| objects | N | progs.debug / maps.debug | bpftool | ratio |")
        md.append("| --- | --- | --- | --- | --- |")
        for case, rows in sorted(intro.items(), reverse=True):
            for n, sd, sb, ratio, pairs in rows:
                md.append(f"| {case} | {n} | {sd.fmt(digits=2)} | {sb.fmt(digits=2)} | {ratio:.3f} |")

    md.append("")
    md.append("Plots: " + ", ".join(f"`{p}`" for p in plots(run, data, bd, gen_rows, intro)) + ".")
    (run / "results.md").write_text("\n".join(md) + "\n")
    with open(run / "stats.csv", "w", newline="") as f:
        csv.writer(f).writerows(csv_stats)
    return 1 if missing else 0


# --- plots -----------------------------------------------------------------------

def plots(run, data, bd, gen_rows, intro):
    out = []
    init = data.get(("init", "modprobe", "-"))
    if init or bd:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1.6]})
        ax = axes[0]
        if init:
            series = [[v / MS for v in init[w].values()] for w in ("ours", "ref")]
            ax.boxplot(series, tick_labels=["ours (Rust)", "upstream (C)"], showfliers=False)
            for i, s in enumerate(series, 1):
                ax.scatter([i + (j % 7 - 3) * 0.02 for j in range(len(s))], s, s=8, alpha=0.6)
            ax.set_ylabel("modprobe, ms")
            ax.set_ylim(bottom=0)
            ax.set_title(f"modprobe, {len(series[0])} alternating pairs")
        ax = axes[1]
        if bd:
            whos = [w for w in ("ours", "ref") if w in bd]
            left = [0.0] * len(whos)
            for key, text in COMPONENTS:
                vals = [statistics.median(c.get(key, 0) for c in bd[w].values()) / MS for w in whos]
                ax.barh(whos, vals, left=left, label=text)
                left = [a + b for a, b in zip(left, vals)]
            ax.set_xlabel("ms (medians)")
            ax.set_yticks(range(len(whos)), ["ours (Rust)" if w == "ours" else "upstream (C)" for w in whos])
            ax.set_title("where init goes (kprobe events)")
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
        fig.tight_layout()
        fig.savefig(run / "init.png", dpi=90)
        plt.close(fig)
        out.append("init.png")
    synth = [r for r in gen_rows if r[0].startswith("n")]
    if synth:
        fig, ax = plt.subplots(figsize=(6, 4))
        xs = [int(r[0][1:]) for r in synth]
        for idx, label in ((1, "bpf-lskel (ours)"), (2, "bpftool gen skeleton -L")):
            med = [r[idx].median / MS for r in synth]
            err = [[m - r[idx].min / MS for m, r in zip(med, synth)], [r[idx].max / MS - m for m, r in zip(med, synth)]]
            ax.errorbar(xs, med, yerr=err, marker="o", capsize=3, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("programs in the object")
        ax.set_ylabel("ms per run (median, min-max)")
        ax.set_title("light skeleton generation time")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(run / "gen.png", dpi=90)
        plt.close(fig)
        out.append("gen.png")
    if intro:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, case in zip(axes, ("progs", "maps")):
            rows = intro.get(case, [])
            if not rows:
                continue
            xs = [r[0] for r in rows]
            tool = "bpftool prog show" if case == "progs" else "bpftool map show"
            for idx, label in ((1, f"cat /sys/fs/bpf/{case}.debug"), (2, tool)):
                med = [r[idx].median / MS for r in rows]
                err = [[m - r[idx].min / MS for m, r in zip(med, rows)],
                       [r[idx].max / MS - m for m, r in zip(med, rows)]]
                ax.errorbar(xs, med, yerr=err, marker="o", capsize=3, label=label)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(f"{case} loaded")
            ax.set_ylabel("ms (median, min-max)")
            ax.set_title(f"listing {case}")
            ax.legend()
            ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(run / "introspect.png", dpi=90)
        plt.close(fig)
        out.append("introspect.png")
    def size(fig, case, param, who):
        try:
            return data[(fig, case, param)][who][1] / 1024
        except KeyError:
            return None

    loader = [(label, size("loader", "insns", p, w), size("loader", "blob", p, w))
              for label, p, w in (("ours (kernel)", "iterators-kernel", "ours"), ("ours (C)", "iterators", "ours"),
                                  ("upstream", "upstream-header", "upstream"))]
    loader = [x for x in loader if x[1] is not None and x[2] is not None]
    module = [(label, size("size", "ko", "-", w), size("size", "loaded", "-", w))
              for label, w in (("ours", "ours"), ("upstream", "ref"))]
    module = [x for x in module if x[1] is not None]
    if loader or module:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
        ax = axes[0]
        if loader:
            labels = [x[0] for x in loader]
            ax.barh(labels, [x[1] for x in loader], label="loader instructions")
            ax.barh(labels, [x[2] for x in loader], left=[x[1] for x in loader], label="data blob")
            ax.invert_yaxis()
            ax.set_xlim(0, max(x[1] + x[2] for x in loader) * 1.5)
            ax.set_xlabel("KiB")
            ax.set_title("iterators.bpf.o light skeleton")
            ax.legend(fontsize=8, loc="lower right")
        ax = axes[1]
        if module:
            ys = range(len(module))
            ax.barh([y - 0.2 for y in ys], [x[1] for x in module], height=0.4,
                    label=".ko, debug info stripped")
            ax.barh([y + 0.2 for y in ys], [x[2] or 0 for x in module], height=0.4,
                    label="loaded (/proc/modules)")
            ax.set_yticks(list(ys), [x[0] for x in module])
            ax.invert_yaxis()
            ax.set_xlim(0, max(max(x[1], x[2] or 0) for x in module) * 1.5)
            ax.set_xlabel("KiB")
            ax.set_title("bpf_preload module")
            ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        fig.savefig(run / "sizes.png", dpi=90)
        plt.close(fig)
        out.append("sizes.png")
    return out


if __name__ == "__main__":
    sys.exit(main())
