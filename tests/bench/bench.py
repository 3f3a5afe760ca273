#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The nexus benchmark, run inside a test guest (tests/bench/*.sh).

Every figure is a ratio between stacks measured in this one run: under
software emulation absolute IOPS mean nothing, a ratio of two stacks on
identical devices, measured next to each other, does (docs/performance.md).

Groups, each with its own devices (made here, removed afterwards):

  stack    CPU-bound memory devices (null_blk, memory backed): raw device,
           thick replica, dm-linear, thin replica (allocated), dm-thin
           (allocated), 1-child nexus.  Each stack on its own identical
           device, so that all of them stand side by side.
  nvme     raw device, thick replica and 1-child nexus again, on QEMU NVMe
           namespaces (one each), 4 KiB random workloads: a device whose
           own time counts, as a real disk's does, where stack's memory
           devices show every instruction of a layer.
  thinnew  first writes: a fresh thin replica against a fresh dm-thin
           volume, 4 MiB clusters/blocks on both, zeroing on both.
  mirror   latency-bound legs (null_blk, fixed completion time): one leg,
           2- and 3-way nexus, 2- and 3-way md-raid1 (internal bitmap,
           4 MiB chunks as the nexus).  Identical legs for each stack.
  tcp      the same over memory-device legs reached through nvme-tcp on
           127.0.0.1 (nvmet in the guest).
  publish  a raw memory device exported through nvmet-tcp against a 1-child
           nexus over the same kind of device published with nexusctl,
           both used over nvme-tcp loopback.
  rebuild  QEMU NVMe namespaces: full rebuild against dd of the same bytes
           between the same two namespaces, each timed by its own clock;
           partial rebuild bytes against the bytes written while the leg
           was away.
  sysbench MariaDB oltp_read_write on ext4: raw QEMU NVMe namespace, 2-way
           nexus and md-raid1 over two other namespaces.
  snapshot the time `nexusctl snapshot create` takes on thick replicas of
           1 GiB and 16 GiB (every cluster mapped: the most a snapshot
           copies); and a clone, once it has written every cluster it
           shared with its snapshot, against an unshared thin replica of
           the same pool (null_blk memory; 4 KiB random workloads).

fio groups repeat --reps times, interleaved: each repetition runs every
stack once (A B C A B C ...), one fio invocation per stack with the
workloads as stonewalled jobs.  Around each job fio snapshots /proc/stat
and the device's /sys/block/<dev>/stat (exec_prerun/exec_postrun): the
kernel CPU time (system + irq + softirq, all CPUs) per completed IO.

With --profile <workloads>, each fio group ends with one profiled run of
each of those workloads on each stack (profile_fio(): perf, CPU time per
IO per function), kept under "profiles" in the results; --profile-groups
limits that to some groups.

Output: <out>/results.json (tests/bench/report.py makes the summary).
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

NULLB = "/sys/kernel/config/nullb"
NVMET = "/sys/kernel/config/nvmet"
NQN_PREFIX = "nqn.2026-11.io.nexus.bench"
TCP_PORT = 4420
PUB_PORT = 4421
MIB = 1 << 20

WORKLOADS = {
    # name: fio options (4 KiB random at QD1 and QD32, 128 KiB sequential)
    "rr1": {"rw": "randread", "bs": "4k", "iodepth": 1},
    "rr32": {"rw": "randread", "bs": "4k", "iodepth": 32},
    "rw1": {"rw": "randwrite", "bs": "4k", "iodepth": 1},
    "rw32": {"rw": "randwrite", "bs": "4k", "iodepth": 32},
    "mix1": {"rw": "randrw", "rwmixread": 70, "bs": "4k", "iodepth": 1},
    "mix32": {"rw": "randrw", "rwmixread": 70, "bs": "4k", "iodepth": 32},
    "seqr": {"rw": "read", "bs": "128k", "iodepth": 8},
    "seqw": {"rw": "write", "bs": "128k", "iodepth": 8},
}

# 4 KiB random reads and writes at QD1 and QD32: where a layer's cost shows.
RANDOM_4K = ["rr1", "rr32", "rw1", "rw32"]

MODES = {
    # reps: repetitions; runtime/ramp: seconds per fio job; lat_ms: the
    # latency-bound legs' completion time; sb_*: sysbench sizes and
    # seconds; rebuild_mb: the nexus size for the rebuild runs.  The full
    # mode must finish within 30 minutes on 2 cores: about 500 fio jobs,
    # so every 0.1 s per job costs about a minute (1579 s in all at 1.5 s
    # after a 0.25 s ramp, docs/performance.md).
    "quick": {"reps": 1, "runtime": 1, "ramp": 0, "workloads": ["rr32", "rw32"],
              "stack_mb": 96, "nvme_mb": 128, "leg_mb": 64, "lat_ms": 10,
              "sb_tables": 2, "sb_rows": 5000, "sb_time": 5, "rebuild_mb": 128,
              "sb_reps": 1, "rebuild_reps": 1, "snap_gib": [1, 16], "snap_reps": 2},
    "full": {"reps": 3, "runtime": 1.5, "ramp": 0.25, "workloads": list(WORKLOADS),
             "stack_mb": 256, "nvme_mb": 512, "leg_mb": 128, "lat_ms": 10,
             "sb_tables": 4, "sb_rows": 25000, "sb_time": 15, "rebuild_mb": 512,
             "sb_reps": 3, "rebuild_reps": 3, "snap_gib": [1, 16], "snap_reps": 5},
}


def log(msg):
    print(f"bench: {msg}", flush=True)


def sh(cmd, check=True, capture=True, inp=None):
    """Run a command (list or shell string); return its stdout."""
    shell = isinstance(cmd, str)
    p = subprocess.run(cmd, shell=shell, input=inp, text=True,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None)
    if check and p.returncode:
        raise RuntimeError(f"{cmd if shell else ' '.join(map(str, cmd))}: exit {p.returncode}: "
                           f"{(p.stderr or '').strip()}")
    return p.stdout if capture else ""


def write(path, val):
    with open(path, "w") as f:
        f.write(str(val))


def ctl(*args):
    """nexusctl -j <args>; the JSON answer."""
    out = sh(["nexusctl", "-j", *map(str, args)])
    return json.loads(out) if out.strip() else {}


def devpath(name):
    return name if name.startswith("/") else f"/dev/{name}"


class Cleanup:
    """Undo actions, run last first."""

    def __init__(self):
        self.undo = []

    def add(self, fn, *args):
        self.undo.append((fn, args))

    def run(self):
        while self.undo:
            fn, args = self.undo.pop()
            try:
                fn(*args)
            except Exception as e:      # keep undoing the rest
                log(f"cleanup: {e}")


# ---- devices ---------------------------------------------------------------

def nullb(cu, name, mb, lat_ms=0):
    """A memory-backed null_blk device /dev/<name> of mb MiB; with lat_ms,
    every command completes after that time (timer mode)."""
    d = f"{NULLB}/{name}"
    os.mkdir(d)
    cu.add(os.rmdir, d)
    write(f"{d}/size", mb)
    write(f"{d}/memory_backed", 1)
    write(f"{d}/queue_mode", 2)
    write(f"{d}/submit_queues", os.cpu_count())
    write(f"{d}/hw_queue_depth", 64)
    if lat_ms:
        # A leg that completes each command after lat_ms and holds 8 at
        # most (one queue of 8): a QD32 load saturates one leg, so that
        # spreading reads over legs shows (8 / lat_ms per leg).
        write(f"{d}/irqmode", 2)
        write(f"{d}/completion_nsec", lat_ms * 1000000)
        write(f"{d}/submit_queues", 1)
        write(f"{d}/hw_queue_depth", 8)
    else:
        write(f"{d}/irqmode", 0)
    write(f"{d}/power", 1)
    cu.add(write, f"{d}/power", 0)
    for _ in range(50):
        if os.path.exists(f"/dev/{name}"):
            return f"/dev/{name}"
        time.sleep(0.1)
    raise RuntimeError(f"null_blk {name} did not appear")


def qemu_nvme(i):
    """The QEMU NVMe namespace with serial nexus-test-<i>."""
    for c in glob.glob("/sys/class/nvme/nvme*"):
        try:
            serial = open(f"{c}/serial").read().strip()
        except OSError:
            continue
        if serial == f"nexus-test-{i}":
            ns = glob.glob(f"{c}/nvme*n1")
            if ns:
                return "/dev/" + os.path.basename(ns[0])
    raise RuntimeError(f"no NVMe namespace with serial nexus-test-{i}")


def fabric_dev(uuid):
    """The NVMe-oF namespace of that uuid (the multipath head)."""
    for _ in range(100):
        for d in glob.glob("/sys/block/nvme*n*"):
            if re.match(r"nvme\d+c\d+n\d+$", os.path.basename(d)):
                continue
            try:
                if open(f"{d}/uuid").read().strip() == uuid:
                    return "/dev/" + os.path.basename(d)
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"no NVMe-oF namespace of uuid {uuid}")


def nvmet_port(cu, port):
    """An nvmet-tcp port on 127.0.0.1 (and the host's nvme-tcp)."""
    sh(["modprobe", "nvmet-tcp"])
    sh(["modprobe", "nvme-tcp"])
    d = f"{NVMET}/ports/{port}"
    os.mkdir(d)
    cu.add(os.rmdir, d)
    write(f"{d}/addr_trtype", "tcp")
    write(f"{d}/addr_adrfam", "ipv4")
    write(f"{d}/addr_traddr", "127.0.0.1")
    write(f"{d}/addr_trsvcid", port)
    return d


def nvmet_export(cu, port_dir, port, dev, name):
    """Export dev through nvmet-tcp and connect to it: the host's device."""
    nqn = f"{NQN_PREFIX}:{name}"
    uuid = str(uuidlib.uuid4())
    s = f"{NVMET}/subsystems/{nqn}"
    os.mkdir(s)
    cu.add(os.rmdir, s)
    write(f"{s}/attr_allow_any_host", 1)
    ns = f"{s}/namespaces/1"
    os.mkdir(ns)
    cu.add(os.rmdir, ns)
    write(f"{ns}/device_path", dev)
    write(f"{ns}/device_uuid", uuid)
    write(f"{ns}/enable", 1)
    cu.add(write, f"{ns}/enable", 0)
    link = f"{port_dir}/subsystems/{nqn}"
    os.symlink(s, link)
    cu.add(os.unlink, link)
    return nvme_connect(cu, port, nqn, uuid)


def nvme_connect(cu, port, nqn, uuid):
    sh(["nvme", "connect", "-t", "tcp", "-a", "127.0.0.1", "-s", str(port), "-n", nqn])
    cu.add(sh, ["nvme", "disconnect", "-n", nqn], False)
    return fabric_dev(uuid)


def dm_create(cu, name, table):
    """A dm device; its /dev/dm-N (the guest runs no udev for /dev/mapper)."""
    sh(["dmsetup", "create", name, "--table", table])
    cu.add(sh, ["dmsetup", "remove", "--retry", name])
    for d in glob.glob("/sys/block/dm-*"):
        if open(f"{d}/dm/name").read().strip() == name:
            return "/dev/" + os.path.basename(d)
    raise RuntimeError(f"dm device {name} has no /sys/block entry")


def dm_linear(cu, name, dev):
    sectors = int(sh(["blockdev", "--getsz", dev]))
    return dm_create(cu, name, f"0 {sectors} linear {dev} 0")


def dm_thin_pool(cu, name, meta, data):
    """A dm-thin pool with 4 MiB blocks (the pool's default cluster)."""
    sh(["dd", "if=/dev/zero", f"of={meta}", "bs=4k", "count=1", "oflag=direct"])
    sectors = int(sh(["blockdev", "--getsz", data]))
    return dm_create(cu, name, f"0 {sectors} thin-pool {meta} {data} 8192 0")


def dm_thin(cu, pool, pool_dev, name, tid, mb):
    sh(["dmsetup", "message", pool, "0", f"create_thin {tid}"])
    cu.add(sh, ["dmsetup", "message", pool, "0", f"delete {tid}"])
    return dm_create(cu, name, f"0 {mb * 2048} thin {pool_dev} {tid}")


def pool(cu, name, dev):
    ctl("pool", "create", name, dev)
    cu.add(ctl, "pool", "destroy", name, "--force")


def replica(cu, pool_name, name, mb, thin=False):
    args = ["replica", "create", pool_name, name, f"{mb}M"] + (["--thin"] if thin else [])
    r = ctl(*args)
    cu.add(ctl, "replica", "destroy", pool_name, name)
    return devpath(r["device"])


def nexus(cu, name, legs, size_mb=None):
    args = ["nexus", "create", name, *[f"bdev://{leg}" for leg in legs], "--force"]
    if size_mb:
        args += ["--size", f"{size_mb}M"]
    n = ctl(*args)
    cu.add(ctl, "nexus", "destroy", name)
    return devpath(n["device"])


def md_raid1(cu, num, legs):
    dev = f"/dev/md{num}"
    sh(["mdadm", "--create", dev, "--run", "--force", "--level=1",
        f"--raid-devices={len(legs)}", "--assume-clean", "--metadata=1.2",
        "--bitmap=internal", "--bitmap-chunk=4M", "--homehost=any", *legs])
    cu.add(sh, ["mdadm", "--zero-superblock", *legs], False)
    cu.add(sh, ["mdadm", "--stop", dev])
    return dev


def fill(dev, mb):
    """Write every block once (null_blk allocates memory on first write,
    thin stacks allocate clusters): what follows measures steady state."""
    sh(["fio", "--name=fill", f"--filename={dev}", "--rw=write", "--bs=1M", "--iodepth=8",
        "--ioengine=libaio", "--direct=1", f"--size={mb}M", "--output-format=terse"])


def wipe(dev):
    sh(["wipefs", "-a", "-q", dev], check=False)
    sh(["dd", "if=/dev/zero", f"of={dev}", "bs=1M", "count=8", "oflag=direct"])


# ---- fio -------------------------------------------------------------------

def fio_jobs(dev, span_mb, workloads, mode, snapdir, timed):
    """A job file; timed: for mode's runtime, else every block once."""
    lines = ["[global]", f"filename={dev}", "ioengine=libaio", "direct=1", "randrepeat=0",
             f"size={span_mb}M", "group_reporting", "thread"]
    if timed:
        lines += ["time_based", f"runtime={int(mode['runtime'] * 1000)}ms", "norandommap"]
    if mode["ramp"]:
        lines.append(f"ramp_time={int(mode['ramp'] * 1000)}ms")
    snap = os.path.abspath(__file__).replace("bench.py", "snap.sh")
    for w in workloads:
        lines += ["", f"[{w}]", "stonewall",
                  f"exec_prerun={snap} {snapdir}/{w}.pre {dev}",
                  f"exec_postrun={snap} {snapdir}/{w}.post {dev}"]
        lines += [f"{k}={v}" for k, v in WORKLOADS[w].items()]
    return "\n".join(lines) + "\n"


def read_snap(path):
    d = dict(line.split() for line in open(path) if line.strip())
    return {k: int(v) for k, v in d.items()}


def run_fio(dev, span_mb, workloads, mode, timed=True):
    """One fio invocation, one stonewalled job per workload; per workload:
    IOPS, bandwidth, latencies and kernel CPU per IO."""
    with tempfile.TemporaryDirectory() as snapdir:
        jobfile = os.path.join(snapdir, "jobs.fio")
        write(jobfile, fio_jobs(dev, span_mb, workloads, mode, snapdir, timed))
        out = sh(["fio", "--output-format=json", jobfile])
        res = json.loads(out[out.index("{"):])
        hz = os.sysconf("SC_CLK_TCK")
        results = {}
        for job in res["jobs"]:
            w = job["jobname"]
            rd, wr = job["read"], job["write"]
            ios = rd["total_ios"] + wr["total_ios"]
            pre, post = read_snap(f"{snapdir}/{w}.pre"), read_snap(f"{snapdir}/{w}.post")
            dev_ios = (post["reads"] - pre["reads"]) + (post["writes"] - pre["writes"])
            ticks = post["cpu"] - pre["cpu"]
            r = {
                "iops": rd["iops"] + wr["iops"],
                "bw_bytes": rd["bw_bytes"] + wr["bw_bytes"],
                "ios": ios,
                "errors": job["error"],
                "read_lat_us": rd["lat_ns"]["mean"] / 1000 if rd["total_ios"] else None,
                "write_lat_us": wr["lat_ns"]["mean"] / 1000 if wr["total_ios"] else None,
                "read_p99_us": (rd["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000
                                if rd["total_ios"] else None),
                "write_p99_us": (wr["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1000
                                 if wr["total_ios"] else None),
                # IOs the device completed between the snapshots (ramp
                # included, as the CPU time is); fio's count if the device
                # keeps no statistics.
                "cpu_us_per_io": (ticks * 1e6 / hz / (dev_ios or ios)) if (dev_ios or ios) else None,
            }
            if job["error"] or not ios:
                raise RuntimeError(f"fio {w} on {dev}: error {job['error']}, {ios} IOs")
            results[w] = r
        return results


# ---- profiles --------------------------------------------------------------

# perf samples cpu-clock every PROFILE_PERIOD_NS of each CPU's time (a
# software event: under emulation there is no PMU), kernel and fio alike,
# for PROFILE_SECONDS while fio's IO runs: no start-up, no teardown in the
# window.
PROFILE_PERIOD_NS = 1000000
PROFILE_SECONDS = 3
# Samples that are not the IO's: idle CPUs, and perf itself.
IDLE_SYMBOLS = {"native_safe_halt", "pv_native_safe_halt", "acpi_safe_halt", "default_idle",
                "amd_e400_idle", "acpi_idle_do_entry",
                "cpu_idle_poll", "poll_idle", "mwait_idle", "intel_idle"}
NOT_IO_COMMS = {"perf"}
PROFILE_TOP = 60


def dev_ios(dev):
    """IOs @dev has completed (reads + writes, its stat file; for an NVMe
    multipath head, which counts nothing on 6.1, its paths')."""
    name = os.path.basename(os.path.realpath(dev))
    m = re.fullmatch(r"nvme(\d+)n(\d+)", name)
    paths = glob.glob(f"/sys/class/block/nvme{m[1]}c*n{m[2]}") if m else []
    total = 0
    for d in paths or [f"/sys/class/block/{name}"]:
        f = open(f"{d}/stat").read().split()
        total += int(f[0]) + int(f[4])
    return total


# How long perf may take to answer a command (it starts slowly under
# emulation: tens of seconds beside a busy guest).
PERF_ANSWER_S = 300


def perf_control(perf, wfd, rfd, cmd):
    """Send perf record a command through its control fifo (@wfd) and wait
    for its ack (@rfd); an error if perf has died or does not answer."""
    os.write(wfd, (cmd + "\n").encode())
    end, got = time.monotonic() + PERF_ANSWER_S, b""
    while b"\n" not in got:
        if perf.poll() is not None:
            raise RuntimeError(f"perf ended (exit {perf.returncode}) before answering {cmd}")
        if time.monotonic() > end:
            raise RuntimeError(f"perf did not answer {cmd} in {PERF_ANSWER_S} s")
        if select.select([rfd], [], [], 0.5)[0]:
            got += os.read(rfd, 64)
    # perf writes "ack\n" with its terminating NUL.
    if got.replace(b"\0", b"").strip() != b"ack":
        raise RuntimeError(f"perf answered {cmd} with {got!r}")


def profile_fio(dev, span_mb, workload):
    """CPU time per IO, per function, of @workload on @dev: `perf record`
    over all CPUs, enabled for PROFILE_SECONDS once fio's IO is under way
    (its data in /dev/shm: written to the test's 9p directory it would
    cost more than the IO), divided by the IOs the device completed
    between perf's answers to enable and to disable."""
    window = {"runtime": 600, "ramp": 0}       # stopped once profiled
    with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        jobfile, data = os.path.join(tmp, "jobs.fio"), os.path.join(tmp, "perf.data")
        ctl, ack = os.path.join(tmp, "ctl"), os.path.join(tmp, "ack")
        os.mkfifo(ctl)
        os.mkfifo(ack)
        write(jobfile, fio_jobs(dev, span_mb, [workload], window, tmp, True))
        perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-c",
                                 str(PROFILE_PERIOD_NS), "-a", "-B", "-N", "-D", "-1",
                                 "--control", f"fifo:{ctl},{ack}", "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Both fifos open read-write on our side too (which never blocks)
        # for as long as perf runs: a command written before perf has
        # opened them stays in the pipe until it reads it.
        wfd = os.open(ctl, os.O_RDWR)
        rfd = os.open(ack, os.O_RDWR | os.O_NONBLOCK)
        fio, ferr, ios = None, "", 0
        try:
            # Once perf answers, it is ready: it starts far more slowly (a
            # minute and more) beside a busy fio than on an idle guest.
            perf_control(perf, wfd, rfd, "disable")
            fio = subprocess.Popen(["fio", "--output-format=json", jobfile], text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # fio is under way once the device completes IOs.
            base, end = dev_ios(dev), time.monotonic() + 60
            while dev_ios(dev) - base < 100 and time.monotonic() < end and fio.poll() is None:
                time.sleep(0.1)
            perf_control(perf, wfd, rfd, "enable")
            before, t0 = dev_ios(dev), time.monotonic()
            time.sleep(PROFILE_SECONDS)
            perf_control(perf, wfd, rfd, "disable")
            ios, secs = dev_ios(dev) - before, time.monotonic() - t0
        finally:
            for p in (fio, perf):
                if p and p.poll() is None:
                    p.send_signal(signal.SIGINT)
            if fio:
                _, ferr = fio.communicate()
            _, perr = perf.communicate()
            os.close(wfd)
            os.close(rfd)
        # perf ends a SIGINT'ed record by raising the signal again.
        if perf.returncode not in (0, -signal.SIGINT) or not ios:
            raise RuntimeError(f"profile of {dev}: perf exit {perf.returncode}, {ios} IOs: "
                               f"{perr.strip()[-300:]}; fio: {ferr.strip()[-300:]}")
        rep = sh(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "comm,sym",
                  "-n", "--percent-limit", "0"])
    per = PROFILE_PERIOD_NS / 1000 / ios      # us of CPU per IO, per sample
    syms, busy = {}, 0.0
    for line in rep.splitlines():
        m = re.match(r"\s*[\d.]+%\s+(\d+)\s+(\S+)\s+\[(.)\]\s+(\S+)", line)
        if not m or m.group(2) in NOT_IO_COMMS or m.group(4) in IDLE_SYMBOLS:
            continue
        us = int(m.group(1)) * per
        busy += us
        name = m.group(4)
        if name.startswith("0x"):       # no symbol: the vDSO of a process perf saw start
            name = "[unresolved]"
        if m.group(3) != "k":
            name += " (user)"
        syms[name] = syms.get(name, 0.0) + us
    top = dict(sorted(syms.items(), key=lambda kv: -kv[1])[:PROFILE_TOP])
    return {"ios": ios, "iops": round(ios / secs), "busy_us_per_io": round(busy, 3),
            "functions": {k: round(v, 3) for k, v in top.items()}}


# ---- groups ----------------------------------------------------------------

class Bench:
    def __init__(self, mode_name, profile=(), profile_groups=()):
        self.mode = MODES[mode_name]
        self.profile = list(profile)   # workloads to profile in each fio group
        self.profile_groups = list(profile_groups)     # those groups only, if any
        self.running = None     # the group (of GROUPS) being run
        self.profiles = {}      # group -> target -> workload -> profile_fio()
        self.runs = []          # fio results, one per (group, target, workload, rep)
        self.extra = {}         # rebuild, sysbench
        self.groups = {}        # group -> {"device", "baseline", "targets", "span_mb"}
        self.failures = []

    def fio_group(self, group, device, baseline, targets, span_mb, only=None):
        """Every target (name -> device) written once in full, then
        interleaved repetitions over them; then, with --profile, one
        profiled run of each of those workloads (of the group's) on each
        target.  @only:
        the mode's workloads limited to these."""
        workloads = [w for w in self.mode["workloads"] if only is None or w in only]
        for dev in targets.values():
            fill(dev, span_mb)
        self.groups[group] = {"device": device, "baseline": baseline,
                              "targets": list(targets), "span_mb": span_mb,
                              "workloads": workloads}
        for rep in range(1, self.mode["reps"] + 1):
            for name, dev in targets.items():
                t = time.monotonic()
                res = run_fio(dev, span_mb, workloads, self.mode)
                for w, r in res.items():
                    self.runs.append({"group": group, "target": name, "workload": w,
                                      "rep": rep, **r})
                log(f"{group} rep {rep} {name}: " +
                    " ".join(f"{w}={res[w]['iops']:.0f}" for w in workloads) +
                    f" ({time.monotonic() - t:.1f} s)")
        profiled = not self.profile_groups or self.running in self.profile_groups
        for w in [w for w in self.profile if w in workloads and profiled]:
            for name, dev in targets.items():
                try:
                    p = profile_fio(dev, span_mb, w)
                except RuntimeError as e:
                    log(f"{group} profile {name} {w} FAILED: {e}")
                    self.failures.append(f"{group} profile {name} {w}: {e}")
                    continue
                self.profiles.setdefault(group, {}).setdefault(name, {})[w] = p
                log(f"{group} profile {name} {w}: {p['busy_us_per_io']:.1f} us of CPU per IO")

    def stack(self):
        cu, mb, span = Cleanup(), self.mode["stack_mb"], self.mode["stack_mb"] * 7 // 8
        try:
            t = {"raw": nullb(cu, "b_raw", mb)}
            pool(cu, "bp", nullb(cu, "b_pool", 2 * mb + 64))
            t["thick"] = replica(cu, "bp", "thick", mb)
            t["dm-linear"] = dm_linear(cu, "b_lin", nullb(cu, "b_lindev", mb))
            t["thin"] = replica(cu, "bp", "thin", mb, thin=True)
            tp = dm_thin_pool(cu, "b_tpool", nullb(cu, "b_tmeta", 16), nullb(cu, "b_tdata", mb))
            t["dm-thin"] = dm_thin(cu, "b_tpool", tp, "b_thin", 1, mb)
            t["nexus-1"] = nexus(cu, "bn1", [nullb(cu, "b_nx", mb)])
            self.fio_group("stack", "null_blk memory", "raw", t, span)
        finally:
            cu.run()

    def nvme(self):
        """raw, thick and nexus-1 of the stack group on QEMU NVMe namespaces."""
        cu, mb = Cleanup(), self.mode["nvme_mb"]
        try:
            devs = [qemu_nvme(i) for i in range(3)]
            for d in devs:
                wipe(d)
            t = {"raw": devs[0]}
            pool(cu, "bnv", devs[1])
            t["thick"] = replica(cu, "bnv", "thick", mb)
            t["nexus-1"] = nexus(cu, "bnv1", [devs[2]], size_mb=mb)
            # The 4 KiB random workloads (the goals'), to keep the full
            # mode within its 30 minutes.
            self.fio_group("nvme", "QEMU NVMe", "raw", t, mb * 7 // 8, RANDOM_4K)
        finally:
            cu.run()

    def thinnew(self):
        """First writes into fresh thin volumes, a new one for each job."""
        cu, mb = Cleanup(), self.mode["stack_mb"]
        span = mb * 7 // 8
        workloads = ["rw32", "seqw"]
        self.groups["thinnew"] = {"device": "null_blk memory", "baseline": "dm-thin-new",
                                  "targets": ["dm-thin-new", "thin-new"], "span_mb": span,
                                  "workloads": workloads}
        try:
            pool(cu, "bq", nullb(cu, "b_qpool", 2 * mb + 64))
            tp = dm_thin_pool(cu, "b_qtpool", nullb(cu, "b_qtmeta", 16), nullb(cu, "b_qtdata", 2 * mb))
            tid = 10
            for rep in range(1, self.mode["reps"] + 1):
                for w in workloads:
                    for name in self.groups["thinnew"]["targets"]:
                        one = Cleanup()
                        try:
                            tid += 1
                            if name == "thin-new":
                                dev = replica(one, "bq", "fresh", mb, thin=True)
                            else:
                                dev = dm_thin(one, "b_qtpool", tp, "b_qthin", tid, mb)
                            # size-based: every block written once, all first writes
                            res = run_fio(dev, span, [w], dict(self.mode, ramp=0),
                                          timed=False)[w]
                        finally:
                            one.run()
                        self.runs.append({"group": "thinnew", "target": name, "workload": w,
                                          "rep": rep, **res})
                        log(f"thinnew rep {rep} {name} {w}={res['iops']:.0f}")
        finally:
            cu.run()

    def mirror(self, group, device, legs_of):
        """One leg against 2- and 3-way nexus and md-raid1, each stack on
        its own set of identical legs made by legs_of(cleanup, prefix, n)."""
        cu, span = Cleanup(), self.mode["leg_mb"] * 7 // 8
        try:
            t = {"one-leg": legs_of(cu, "o", 1)[0]}
            t["nexus-2"] = nexus(cu, f"{group}n2", legs_of(cu, "n2", 2))
            t["md-2"] = md_raid1(cu, 2, legs_of(cu, "m2", 2))
            t["nexus-3"] = nexus(cu, f"{group}n3", legs_of(cu, "n3", 3))
            t["md-3"] = md_raid1(cu, 3, legs_of(cu, "m3", 3))
            self.fio_group(group, device, "one-leg", t, span)
        finally:
            cu.run()

    def mirror_local(self):
        lat, mb = self.mode["lat_ms"], self.mode["leg_mb"]
        self.mirror("mirror", f"null_blk, {lat} ms completion", lambda cu, p, n: [nullb(cu, f"l{p}{i}", mb, lat) for i in range(n)])

    def mirror_tcp(self):
        mb = self.mode["leg_mb"]
        cu = Cleanup()
        try:
            port = nvmet_port(cu, TCP_PORT)

            def legs(c, p, n):
                return [nvmet_export(c, port, TCP_PORT, nullb(c, f"t{p}{i}", mb), f"t{p}{i}")
                        for i in range(n)]
            self.mirror("tcp", "null_blk memory over nvme-tcp 127.0.0.1", legs)
        finally:
            cu.run()

    def publish(self):
        cu, mb = Cleanup(), self.mode["stack_mb"]
        span = mb * 7 // 8
        try:
            port = nvmet_port(cu, TCP_PORT)
            t = {"raw-tcp": nvmet_export(cu, port, TCP_PORT, nullb(cu, "p_raw", mb), "p_raw")}
            nexus(cu, "pub", [nullb(cu, "p_nx", mb)])
            n = ctl("nexus", "publish", "pub", "--addr", "127.0.0.1", "--port", PUB_PORT)
            cu.add(ctl, "nexus", "unpublish", "pub")
            t["nexus-tcp"] = nvme_connect(cu, PUB_PORT, n["published"], n["uuid"])
            self.fio_group("publish", "null_blk memory over nvme-tcp 127.0.0.1", "raw-tcp", t, span)
        finally:
            cu.run()

    def rebuild(self):
        """Full rebuild rate against dd between the same namespaces; partial
        rebuild bytes against what was written while the leg was away."""
        mb = self.mode["rebuild_mb"]
        src, dst = qemu_nvme(1), qemu_nvme(2)
        out = self.extra.setdefault("rebuild", {"full": [], "partial": [], "size_mb": mb,
                                                "device": "QEMU NVMe"})
        ctl("module", "set", "rebuild-rate-max", "unlimited")
        # The host allocates a disk image's blocks at their first write:
        # once here, so that the first copy of the first repetition (dd)
        # does not pay for it alone (212 MiB/s against 900-1200 after).
        fill(dst, mb + 16)
        for rep in range(1, self.mode["rebuild_reps"] + 1):
            cu = Cleanup()
            try:
                for d in (src, dst):
                    wipe(d)
                nx = nexus(cu, "rb", [src], mb)
                fill(nx, mb)
                offset = ctl("nexus", "show", "rb")["data_offset"]
                # dd: the same bytes, the same two namespaces, 1 MiB direct IO
                # (the rebuild's segment), one at a time as the rebuild does
                # (the namespace takes 512 KiB at most: the rebuild sends a
                # segment's two halves at once, dd the second after the first).
                # Each copy is timed by its own clock: dd's summary (its
                # first IO to its last), the module's "rebuilt" message
                # (its first read to its labels written after the last
                # copy, a little more than dd's span).  Timing from here
                # would add dd's start-up to one and the polling of the
                # child's state to the other, each tenths of a second under
                # emulation, a copy being about half a second.
                dd_s = dd_seconds(["dd", f"if={src}", f"of={dst}", "bs=1M", f"count={mb}",
                                   f"skip={offset // MIB}", f"seek={offset // MIB}",
                                   "iflag=direct", "oflag=direct"])
                wipe(dst)   # the rebuild starts from a leg holding nothing
                ctl("child", "add", "rb", f"bdev://{dst}", "--force")
                child = wait_child("rb", nx, dst)
                copied = child["rebuild"]["copied"]
                rb_s = rebuild_seconds("rb", child["uuid"], copied)
                out["full"].append({"rep": rep, "bytes": copied, "rebuild_s": rb_s,
                                    "dd_bytes": mb * MIB, "dd_s": dd_s,
                                    "rebuild_mbps": copied / MIB / rb_s,
                                    "dd_mbps": mb / dd_s,
                                    "ratio": (copied / MIB / rb_s) / (mb / dd_s)})
                log(f"rebuild rep {rep}: {copied / MIB / rb_s:.0f} MiB/s, dd {mb / dd_s:.0f} MiB/s")

                # partial: fault the new leg, write 24 MiB in one place (6
                # bitmap chunks) and 8 scattered 4 KiB blocks (up to 8 more
                # chunks of 4 MiB), bring it back
                settle("rb")
                cuuid = child["uuid"]
                ctl("child", "fault", "rb", cuuid)
                sh(["fio", "--name=seq", f"--filename={nx}", "--rw=write", "--bs=1M",
                    "--direct=1", "--ioengine=libaio", "--offset=32M", "--size=24M",
                    "--output-format=terse"])
                sh(["fio", "--name=scatter", f"--filename={nx}", "--rw=randwrite", "--bs=4k",
                    "--direct=1", "--ioengine=libaio", f"--size={mb}M", "--number_ios=8",
                    "--output-format=terse"])
                written = 24 * MIB + 8 * 4096
                ctl("child", "online", "rb", cuuid)
                child = wait_child("rb", nx, dst)
                copied = child["rebuild"]["copied"]
                chunk = ctl("nexus", "show", "rb")["bitmap_chunk"]
                out["partial"].append({"rep": rep, "written": written, "copied": copied,
                                       "bitmap_chunk": chunk,
                                       "partial": child["rebuild"]["partial"],
                                       "ratio": copied / written})
                log(f"partial rebuild rep {rep}: wrote {written}, copied {copied}")
            finally:
                cu.run()

    def snapshot(self):
        """Snapshot creation time against replica size; clone writes
        against an unshared thin replica."""
        cu, mb = Cleanup(), self.mode["stack_mb"]
        span = mb * 7 // 8
        out = self.extra.setdefault("snapshot", {"create": [], "device": "null_blk memory"})
        try:
            sizes = self.mode["snap_gib"]
            # null_blk allocates memory on first write only: a thick
            # replica maps all its clusters but writes 8 MiB of them.
            pool(cu, "bs", nullb(cu, "s_pool", sum(sizes) * 1024 + 128))
            for gib in sizes:
                replica(cu, "bs", f"r{gib}", gib * 1024)
            for rep in range(1, self.mode["snap_reps"] + 1):
                for gib in sizes:
                    t = time.monotonic()
                    ctl("snapshot", "create", "bs", f"r{gib}", f"s{gib}")
                    dt = time.monotonic() - t
                    ctl("snapshot", "destroy", "bs", f"s{gib}")
                    out["create"].append({"rep": rep, "gib": gib, "seconds": dt})
                    log(f"snapshot rep {rep} {gib} GiB: {dt * 1000:.0f} ms")

            pool(cu, "bc", nullb(cu, "c_pool", 3 * mb + 64))
            t = {"thin": replica(cu, "bc", "thin", mb, thin=True)}
            origin = replica(cu, "bc", "origin", mb, thin=True)
            fill(origin, mb)
            ctl("snapshot", "create", "bc", "origin", "snap")
            cu.add(ctl, "snapshot", "destroy", "bc", "snap")
            c = ctl("replica", "create", "bc", "clone", "--from", "snap")
            cu.add(ctl, "replica", "destroy", "bc", "clone")
            t["clone"] = devpath(c["device"])
            # fio_group writes every block of both first: the clone copies
            # each cluster it shares then, and is measured after.
            self.fio_group("snapshot", "null_blk memory", "thin", t, span, RANDOM_4K)
        finally:
            cu.run()

    def sysbench(self):
        """oltp_read_write on MariaDB, the database prepared once and copied
        onto each stack's fresh ext4."""
        m = self.mode
        raw, legs = qemu_nvme(0), [qemu_nvme(1), qemu_nvme(2)]
        res = self.extra.setdefault("sysbench", {"runs": [], "device": "QEMU NVMe",
                                                 "tables": m["sb_tables"],
                                                 "table_size": m["sb_rows"],
                                                 "seconds": m["sb_time"], "threads": 4})
        seed = "/tmp/sbseed"
        with Mariadb("/tmp/sbprep") as db:
            db.sysbench("prepare", m)
        shutil.rmtree(seed, ignore_errors=True)
        shutil.copytree("/tmp/sbprep", seed, symlinks=True)
        shutil.rmtree("/tmp/sbprep")
        for rep in range(1, m["sb_reps"] + 1):
            for name in ("raw", "nexus-2", "md-2"):
                cu = Cleanup()
                try:
                    for d in [raw] + legs:
                        wipe(d)
                    if name == "raw":
                        dev = raw
                    elif name == "nexus-2":
                        dev = nexus(cu, "sb", legs)
                    else:
                        dev = md_raid1(cu, 5, legs)
                    mnt = "/mnt/sb"
                    os.makedirs(mnt, exist_ok=True)
                    sh(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", dev])
                    sh(["mount", "-o", "noatime", dev, mnt])
                    cu.add(sh, ["umount", mnt])
                    data = f"{mnt}/db"
                    shutil.copytree(seed, data, symlinks=True)
                    sh(["sync"])
                    with Mariadb(data, fresh=False) as db:
                        r = db.sysbench("run", m)
                    r.update({"target": name, "rep": rep})
                    res["runs"].append(r)
                    log(f"sysbench rep {rep} {name}: tps {r['tps']:.1f} qps {r['qps']:.0f} "
                        f"p95 {r['p95_ms']} ms")
                finally:
                    cu.run()
        shutil.rmtree(seed, ignore_errors=True)


def wait_child(name, nx, dev):
    """The child on @dev of nexus @name (at @nx), once in sync, as
    `nexusctl nexus show` gives it."""
    wait_synced_quietly(nx, dev)
    uri = f"bdev://{dev}"
    for c in ctl("nexus", "show", name)["children"]:
        if c["uri"] == uri:
            return c
    raise RuntimeError(f"child {uri} of {name} is gone")


def wait_synced_quietly(nx, dev, limit=600):
    """Wait until the child on @dev of the nexus at @nx is in sync, reading
    its state in sysfs, with no process started meanwhile.  A `nexusctl`
    call costs tenths of a second of guest CPU under emulation, and polling
    with it slowed the rebuild it waited for by 1.5-2x (the emulated NVMe
    devices compete for the host's CPUs with the busy vCPU), while dd, its
    baseline, ran on an idle guest."""
    children = f"/sys/block/{os.path.basename(nx)}/children"
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            slots = os.listdir(children)
        except FileNotFoundError:
            slots = []  # the module could not make it: the limit applies
        for slot in slots:
            try:
                with open(f"{children}/{slot}/device") as f:
                    if f.read().strip() != dev:
                        continue
                with open(f"{children}/{slot}/state") as f:
                    state = f.read().strip()
                with open(f"{children}/{slot}/reason") as f:
                    reason = f.read().strip()
            except FileNotFoundError:
                continue    # removed meanwhile
            if state == "synced":
                # The labels are written after the state shows synced, inside
                # the rebuild's time: leave them undisturbed too.
                time.sleep(0.2)
                return
            if state == "faulted":
                raise RuntimeError(f"child {dev} of {nx} faulted: {reason}")
        time.sleep(0.1)
    raise RuntimeError(f"child {dev} of {nx} not in sync after {limit} s")


def dd_seconds(cmd):
    """Run dd; the copy's duration in its summary ("N bytes ... copied, S s,
    ...", on stderr; LC_ALL=C for the decimal point)."""
    p = subprocess.run(cmd, env=dict(os.environ, LC_ALL="C"), text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    m = re.search(r"copied, ([0-9.]+) s", p.stderr)
    if p.returncode or not m:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return float(m.group(1))


def rebuild_seconds(name, child_uuid, copied, limit=10):
    """The duration the module logged for the latest rebuild of that child
    of nexus @name, from its first read to its end (labels written).  The
    child shows in sync before the labels are written and the message
    printed: wait for it, up to @limit seconds."""
    pat = re.compile(rf"{re.escape(name)}: child {child_uuid} rebuilt: (\d+) bytes copied in (\d+) ms")
    end = time.monotonic() + limit
    while True:
        hits = [m for m in map(pat.search, sh(["dmesg"]).splitlines()) if m]
        if hits and int(hits[-1].group(1)) == copied:
            return max(int(hits[-1].group(2)), 1) / 1000
        if time.monotonic() > end:
            raise RuntimeError(f"no kernel message for the rebuild of {copied} bytes of {child_uuid}")
        time.sleep(0.05)


def settle(name):
    for _ in range(200):
        if ctl("nexus", "show", name)["bitmap_dirty_chunks"] == 0:
            return
        time.sleep(0.25)
    raise RuntimeError(f"the bitmap of {name} stays dirty")


class Mariadb:
    """mariadbd on a data directory, for the length of a with block."""
    SOCK = "/run/bench-mysqld.sock"

    def __init__(self, datadir, fresh=True):
        self.datadir, self.fresh = datadir, fresh

    def __enter__(self):
        if self.fresh:
            shutil.rmtree(self.datadir, ignore_errors=True)
            os.makedirs(self.datadir)
            sh(["mariadb-install-db", "--user=root", f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal", "--skip-test-db"])
        self.log = open("/tmp/mariadbd.log", "a")
        self.proc = subprocess.Popen(
            ["mariadbd", "--user=root", f"--datadir={self.datadir}",
             f"--socket={self.SOCK}", "--skip-networking", "--pid-file=/run/bench-mysqld.pid",
             "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=64M",
             "--innodb-flush-log-at-trx-commit=1", "--innodb-flush-method=O_DIRECT",
             "--max-connections=64"], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            if subprocess.run(["mariadb", "-S", self.SOCK, "-e", "select 1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited: see /tmp/mariadbd.log")
            time.sleep(0.1)
        else:
            raise RuntimeError("mariadbd did not start")
        if self.fresh:
            sh(["mariadb", "-S", self.SOCK, "-e", "CREATE DATABASE sbtest"])
        return self

    def __exit__(self, *exc):
        sh(["mariadb-admin", "-S", self.SOCK, "shutdown"], check=False)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def sysbench(self, what, m):
        args = ["sysbench", "oltp_read_write", "--db-driver=mysql",
                f"--mysql-socket={self.SOCK}", "--mysql-user=root", "--mysql-db=sbtest",
                f"--tables={m['sb_tables']}", f"--table-size={m['sb_rows']}"]
        if what == "prepare":
            sh(args + ["prepare"])
            return None
        out = sh(args + ["--threads=4", f"--time={m['sb_time']}", "--percentile=95", "run"])

        def num(pattern):
            mt = re.search(pattern, out)
            if not mt:
                raise RuntimeError(f"sysbench output without {pattern}:\n{out}")
            return float(mt.group(1))
        return {"tps": num(r"transactions:\s+\d+\s+\(([\d.]+) per sec"),
                "qps": num(r"queries:\s+\d+\s+\(([\d.]+) per sec"),
                "p95_ms": num(r"95th percentile:\s+([\d.]+)"),
                "errors": num(r"ignored errors:\s+(\d+)")}


def meta(mode_name, mode):
    mem = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) // 1024
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "kernel": platform.release(), "cpus": os.cpu_count(), "mem_mib": mem,
            "cpu_model": cpu.group(1) if cpu else "?", "mode": mode_name,
            "emulation": "QEMU TCG (software)", "fio": sh(["fio", "--version"]).strip(),
            "reps": mode["reps"], "runtime_s": mode["runtime"], "ramp_s": mode["ramp"]}


GROUPS = ["stack", "nvme", "thinnew", "mirror_local", "mirror_tcp", "publish", "rebuild", "sysbench",
          "snapshot"]
# The groups whose stacks run through fio_group(), which --profile profiles.
FIO_GROUPS = ["stack", "nvme", "mirror_local", "mirror_tcp", "publish", "snapshot"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=MODES, default="quick")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=",".join(GROUPS), help="groups to run (comma list)")
    ap.add_argument("--profile", default="",
                    help="workloads to profile with perf in each fio group (comma list)")
    ap.add_argument("--profile-groups", default="",
                    help="the fio groups to profile (comma list; default: every one run)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sh(["modprobe", "null_blk", "nr_devices=0"])
    sh(["modprobe", "dm-thin-pool"])
    sh(["modprobe", "nexus"])
    # fio's buffers are malloc'd, so often in transparent huge pages; a
    # 128 KiB write whose bio merged pages of two physically adjacent huge
    # pages reaches nvmet-tcp over loopback as one skb fragment spanning
    # both, and hardened usercopy stops the receive with a BUG (Debian
    # 6.1.192, mm/usercopy.c:101 from nvmet_tcp_io_work; a kernel issue,
    # no nexus code involved).  Small pages only.
    write("/sys/kernel/mm/transparent_hugepage/enabled", "never")
    profile = [w for w in args.profile.split(",") if w]
    for w in profile:
        if w not in WORKLOADS:
            sys.exit(f"bench: unknown workload {w}")
    profile_groups = [g for g in args.profile_groups.split(",") if g]
    for g in profile_groups:
        if g not in FIO_GROUPS:
            sys.exit(f"bench: {g} is no fio group to profile (one of {', '.join(FIO_GROUPS)})")
    b = Bench(args.mode, profile, profile_groups)
    t0 = time.monotonic()
    timings = {}
    for g in args.only.split(","):
        if g not in GROUPS:
            sys.exit(f"bench: unknown group {g}")
        t = time.monotonic()
        log(f"== {g}")
        b.running = g
        try:
            getattr(b, g)()
        except Exception as e:
            log(f"{g} FAILED: {e}")
            b.failures.append(f"{g}: {e}")
        timings[g] = round(time.monotonic() - t, 1)
    m = meta(args.mode, b.mode)
    m["seconds"] = round(time.monotonic() - t0, 1)
    m["group_seconds"] = timings
    if profile:
        m["profile"] = {"workloads": profile,
                        "groups": [g for g in args.only.split(",")
                                   if g in (profile_groups or FIO_GROUPS)],
                        "period_ns": PROFILE_PERIOD_NS,
                        "seconds": PROFILE_SECONDS}
    doc = {"meta": m, "groups": b.groups, "runs": b.runs, "extra": b.extra,
           "failures": b.failures, "profiles": b.profiles}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    log(f"done in {m['seconds']} s, {len(b.runs)} fio results, {len(b.failures)} failures")
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
