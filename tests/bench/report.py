#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a benchmark run (tests/bench/bench.py's results.json).

Writes, next to the results or into --out: summary.md (the tables
docs/performance.md quotes: every ratio with min/median/max over the
repetitions, the goals with the figure that decides each, rebuild,
sysbench and kernel CPU per IO) and ratios.png (gnuplot).  A ratio is
always taken within one repetition (target and baseline measured next to
each other), then summarised over the repetitions.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

# (group, target, baseline): the ratios the summary shows.
COMPARISONS = [
    ("stack", "thick", "raw"), ("stack", "dm-linear", "raw"), ("stack", "thin", "raw"),
    ("stack", "dm-thin", "raw"), ("stack", "nexus-1", "raw"),
    ("stack", "thick", "dm-linear"), ("stack", "thin", "dm-thin"),
    ("nvme", "thick", "raw"), ("nvme", "nexus-1", "raw"),
    ("thinnew", "thin-new", "dm-thin-new"),
    ("mirror", "nexus-2", "one-leg"), ("mirror", "md-2", "one-leg"),
    ("mirror", "nexus-3", "one-leg"), ("mirror", "md-3", "one-leg"),
    ("mirror", "nexus-2", "md-2"), ("mirror", "nexus-3", "md-3"),
    ("tcp", "nexus-2", "one-leg"), ("tcp", "md-2", "one-leg"),
    ("tcp", "nexus-3", "one-leg"), ("tcp", "md-3", "one-leg"),
    ("tcp", "nexus-2", "md-2"), ("tcp", "nexus-3", "md-3"),
    ("publish", "nexus-tcp", "raw-tcp"),
    ("snapshot", "clone", "thin"),
]

# The goals: (text, group, target, baseline, workloads, at least).
# A goal is met when, for every workload listed that ran, the median ratio
# is at least the figure.
GOALS = [
    ("thick replica >= 0.98x raw", "stack", "thick", "raw", None, 0.98),
    ("thick replica >= dm-linear", "stack", "thick", "dm-linear", None, 1.0),
    ("1-child nexus >= 0.98x raw", "stack", "nexus-1", "raw", None, 0.98),
    ("thick replica >= 0.98x raw (QEMU NVMe)", "nvme", "thick", "raw", None, 0.98),
    ("1-child nexus >= 0.98x raw (QEMU NVMe)", "nvme", "nexus-1", "raw", None, 0.98),
    ("thin (allocated) >= dm-thin", "stack", "thin", "dm-thin", None, 1.0),
    ("thin first writes >= dm-thin first writes", "thinnew", "thin-new", "dm-thin-new", None, 1.0),
    ("2-way mirror writes >= md-raid1 (local legs)", "mirror", "nexus-2", "md-2",
     ["rw1", "rw32", "seqw"], 1.0),
    ("3-way mirror writes >= md-raid1 (local legs)", "mirror", "nexus-3", "md-3",
     ["rw1", "rw32", "seqw"], 1.0),
    ("2-way mirror writes >= md-raid1 (nvme-tcp legs)", "tcp", "nexus-2", "md-2",
     ["rw1", "rw32", "seqw"], 1.0),
    ("3-way mirror writes >= md-raid1 (nvme-tcp legs)", "tcp", "nexus-3", "md-3",
     ["rw1", "rw32", "seqw"], 1.0),
    ("2-leg reads >= 1.8x one leg (latency-bound legs, QD32)", "mirror", "nexus-2", "one-leg",
     ["rr32"], 1.8),
    ("published nexus >= 0.95x raw over nvme-tcp", "publish", "nexus-tcp", "raw-tcp", None, 0.95),
    ("clone random writes (after its first writes) >= 0.95x unshared thin", "snapshot", "clone",
     "thin", ["rw1", "rw32"], 0.95),
]

# Snapshot creation: every one under this many seconds, and the largest
# replica's median within this factor of the smallest one's.
SNAP_MAX_S = 1.0
SNAP_SIZE_FACTOR = 1.5

CHART = ["rr1", "rr32", "rw1", "rw32", "mix1", "mix32", "seqr", "seqw"]


def ratios(doc, group, target, base):
    """workload -> [ratio per repetition]."""
    runs = {(r["target"], r["workload"], r["rep"]): r for r in doc["runs"] if r["group"] == group}
    out = {}
    for (t, w, rep), r in sorted(runs.items(), key=lambda kv: kv[0][2]):
        if t != target or (base, w, rep) not in runs:
            continue
        b = runs[(base, w, rep)]["iops"]
        if b:
            out.setdefault(w, []).append(r["iops"] / b)
    return out


def mmm(vals):
    return min(vals), statistics.median(vals), max(vals)


def fmt3(vals):
    lo, med, hi = mmm(vals)
    return f"{med:.3f} ({lo:.3f}-{hi:.3f})"


def summary(doc):
    m = doc["meta"]
    lines = [f"Run {m['date']}: kernel {m['kernel']}, {m['cpus']} vCPUs, {m['mem_mib']} MiB, "
             f"{m['emulation']}, host CPU {m['cpu_model']}; mode {m['mode']}: "
             f"{m['reps']} repetitions interleaved, {m['runtime_s']} s per job after "
             f"{m['ramp_s']} s ramp; {m['fio']}; {m['seconds']:.0f} s in all.", ""]
    if doc["failures"]:
        lines += ["**Failed groups:** " + "; ".join(doc["failures"]), ""]

    lines += ["### Goals", "", "| goal | worst workload: median (min-max) | met |",
              "|---|---|---|"]
    goals = []
    for text, g, t, b, wls, need in GOALS:
        rs = ratios(doc, g, t, b)
        rs = {w: v for w, v in rs.items() if wls is None or w in wls}
        if not rs:
            lines.append(f"| {text} | not measured | - |")
            goals.append({"goal": text, "met": None})
            continue
        worst = min(rs, key=lambda w: statistics.median(rs[w]))
        met = all(statistics.median(v) >= need for v in rs.values())
        lines.append(f"| {text} | {worst}: {fmt3(rs[worst])} | {'yes' if met else '**no**'} |")
        goals.append({"goal": text, "met": met, "worst": worst,
                      "median": statistics.median(rs[worst])})
    rb = doc["extra"].get("rebuild", {}).get("full", [])
    if rb:
        vals = [r["ratio"] for r in rb]
        met = statistics.median(vals) >= 0.9
        lines.append(f"| full rebuild >= 0.9x a sequential copy (dd) | {fmt3(vals)} | "
                     f"{'yes' if met else '**no**'} |")
        goals.append({"goal": "rebuild", "met": met, "median": statistics.median(vals)})
    sb = doc["extra"].get("sysbench", {}).get("runs", [])
    for t, b, need in (("nexus-2", "raw", 0.9), ("nexus-2", "md-2", 1.0)):
        vals = sb_ratios(sb, t, b, "tps")
        if vals:
            met = statistics.median(vals) >= need
            lines.append(f"| sysbench tps: {t} >= {need}x {b} | {fmt3(vals)} | "
                         f"{'yes' if met else '**no**'} |")
            goals.append({"goal": f"sysbench {t}/{b}", "met": met,
                          "median": statistics.median(vals)})

    sc = doc["extra"].get("snapshot", {}).get("create", [])
    if sc:
        by = {}
        for r in sc:
            by.setdefault(r["gib"], []).append(r["seconds"])
        lo, hi = min(by), max(by)
        factor = statistics.median(by[hi]) / statistics.median(by[lo])
        met = max(r["seconds"] for r in sc) < SNAP_MAX_S and factor <= SNAP_SIZE_FACTOR
        lines.append(f"| snapshot creation < {SNAP_MAX_S:g} s, {hi} GiB within "
                     f"{SNAP_SIZE_FACTOR:g}x of {lo} GiB | " +
                     ", ".join(f"{g} GiB {fmt3(v)} s" for g, v in sorted(by.items())) +
                     f"; {factor:.2f}x | {'yes' if met else '**no**'} |")
        goals.append({"goal": "snapshot creation", "met": met, "factor": factor,
                      "max_s": max(r["seconds"] for r in sc)})

    wls = [w for w in CHART if any(r["workload"] == w for r in doc["runs"])]
    lines += ["", "### Ratios (IOPS; median, min-max over the repetitions)", "",
              "| group | stack / baseline | " + " | ".join(wls) + " |",
              "|---|---|" + "---|" * len(wls)]
    for g, t, b in COMPARISONS:
        rs = ratios(doc, g, t, b)
        if rs:
            lines.append(f"| {g} | {t} / {b} | " +
                         " | ".join(fmt3(rs[w]) if w in rs else "" for w in wls) + " |")

    lines += ["", "### Absolute figures (median IOPS; meaningful only within this run)", "",
              "| group | stack | " + " | ".join(wls) + " | kernel CPU us/IO (rr32, rw32) |",
              "|---|---|" + "---|" * (len(wls) + 1)]
    for g, info in doc["groups"].items():
        for t in info["targets"]:
            cells = []
            for w in wls:
                v = [r["iops"] for r in doc["runs"] if (r["group"], r["target"], r["workload"]) == (g, t, w)]
                cells.append(f"{statistics.median(v):.0f}" if v else "")
            cpu = []
            for w in ("rr32", "rw32"):
                v = [r["cpu_us_per_io"] for r in doc["runs"]
                     if (r["group"], r["target"], r["workload"]) == (g, t, w) and r["cpu_us_per_io"]]
                cpu.append(f"{statistics.median(v):.1f}" if v else "-")
            lines.append(f"| {g} | {t} | " + " | ".join(cells) + f" | {', '.join(cpu)} |")
    lines += ["", "Devices: " + "; ".join(f"{g}: {i['device']}, {i['span_mb']} MiB span"
                                         for g, i in doc["groups"].items()), ""]

    if rb:
        lines += ["### Rebuild (QEMU NVMe, %d MiB)" % doc["extra"]["rebuild"]["size_mb"], "",
                  "| rep | rebuild MiB/s | dd MiB/s | ratio |", "|---|---|---|---|"]
        lines += [f"| {r['rep']} | {r['rebuild_mbps']:.0f} | {r['dd_mbps']:.0f} | {r['ratio']:.2f} |"
                  for r in rb]
        pr = doc["extra"]["rebuild"].get("partial", [])
        if pr:
            lines += ["", "| rep | bytes written while away | bytes the partial rebuild copied | ratio |",
                      "|---|---|---|---|"]
            lines += [f"| {r['rep']} | {r['written']} | {r['copied']} | {r['ratio']:.2f} |" for r in pr]
        lines.append("")
    if sb:
        s = doc["extra"]["sysbench"]
        lines += [f"### sysbench oltp_read_write ({s['tables']} tables of {s['table_size']} rows, "
                  f"{s['threads']} threads, {s['seconds']} s, MariaDB on ext4, QEMU NVMe)", "",
                  "| stack | tps | qps | p95 ms | errors |", "|---|---|---|---|---|"]
        for t in ("raw", "nexus-2", "md-2"):
            rs = [r for r in sb if r["target"] == t]
            if rs:
                lines.append(f"| {t} | {fmt3([r['tps'] for r in rs])} | "
                             f"{fmt3([r['qps'] for r in rs])} | {fmt3([r['p95_ms'] for r in rs])} | "
                             f"{sum(r['errors'] for r in rs):.0f} |")
        lines.append("")
    lines += profile_lines(doc)
    return "\n".join(lines) + "\n", goals


# Functions shown per profiled comparison: the largest differences.
PROFILE_ROWS = 12


def profile_lines(doc):
    """Per group and workload profiled (bench.py --profile): each stack's CPU
    per IO against the baseline's, and the functions that differ most."""
    out = []
    for g, by_target in doc.get("profiles", {}).items():
        base = doc["groups"][g]["baseline"]
        for t, by_w in by_target.items():
            if t == base:
                continue
            for w, p in by_w.items():
                b = by_target.get(base, {}).get(w)
                if not b:
                    continue
                if not out:
                    out += ["### Profiles (perf in the guest: CPU microseconds per IO, kernel "
                            "and fio, idle left out)", ""]
                out += [f"**{g}: {t} against {base}, {w}**: {p['busy_us_per_io']:.1f} us "
                        f"against {b['busy_us_per_io']:.1f} us per IO "
                        f"({p['busy_us_per_io'] - b['busy_us_per_io']:+.1f})", "",
                        f"| function | {base} | {t} | difference |", "|---|---|---|---|"]
                names = set(p["functions"]) | set(b["functions"])
                diff = sorted(names, key=lambda n: -abs(p["functions"].get(n, 0) -
                                                        b["functions"].get(n, 0)))
                for n in diff[:PROFILE_ROWS]:
                    pv, bv = p["functions"].get(n, 0), b["functions"].get(n, 0)
                    out.append(f"| {n} | {bv:.2f} | {pv:.2f} | {pv - bv:+.2f} |")
                out.append("")
    return out


def sb_ratios(sb, t, b, key):
    by = {(r["target"], r["rep"]): r for r in sb}
    return [by[(t, rep)][key] / by[(b, rep)][key]
            for (tt, rep) in by if tt == t and (b, rep) in by and by[(b, rep)][key]]


def chart(doc, path):
    """A clustered bar chart: per comparison, the median ratio of each
    workload with its min-max range; a line at 1."""
    wls = [w for w in CHART if any(r["workload"] == w for r in doc["runs"])]
    rows = []
    for g, t, b in COMPARISONS:
        rs = ratios(doc, g, t, b)
        if not rs:
            continue
        cols = []
        for w in wls:
            lo, med, hi = mmm(rs[w]) if w in rs else (0, 0, 0)
            cols += [f"{med:.4f}", f"{lo:.4f}", f"{hi:.4f}"]
        rows.append(f'"{g}: {t}/{b}" ' + " ".join(cols))
    if not rows:
        # A run of groups with no ratios (rebuild, sysbench): no chart, no error.
        print("report: no ratio to chart in this run", file=sys.stderr)
        if os.path.exists(path):
            os.unlink(path)     # an older run's chart would pass for this one's
        return True
    data = path + ".dat"
    with open(data, "w") as f:
        f.write("\n".join(rows) + "\n")
    plot = ", ".join(f"'{data}' using {2 + 3 * i}:{3 + 3 * i}:{4 + 3 * i}"
                     + (":xtic(1)" if i == 0 else "") + f" title '{w}'"
                     for i, w in enumerate(wls))
    script = f"""
set terminal pngcairo size 1600,700 font 'sans,9'
set output '{path}'
set title 'nexus benchmark: ratio to baseline (median, min-max bars), {doc["meta"]["kernel"]}, {doc["meta"]["date"]}'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -35 scale 0
set yrange [0:*]
set grid ytics
set key outside right top
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 front
plot {plot}
"""
    p = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    os.unlink(data)
    if p.returncode:
        print(f"report: gnuplot failed: {p.stderr}", file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="results.json")
    ap.add_argument("--out", help="directory for summary.md and ratios.png (default: beside results)")
    args = ap.parse_args()
    doc = json.load(open(args.results))
    out = args.out or os.path.dirname(os.path.abspath(args.results))
    os.makedirs(out, exist_ok=True)
    text, goals = summary(doc)
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "goals.json"), "w") as f:
        json.dump(goals, f, indent=1)
    ok = chart(doc, os.path.join(out, "ratios.png"))
    sys.stdout.write(text)
    return 0 if ok and not doc["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
