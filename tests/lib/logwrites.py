#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Replay a dm-log-writes log (drivers/md/dm-log-writes.c) onto a device,
up to every flush, and check what a power cut there would have left: the
power-cut replayer of tests/cases/flush-points.sh (a pool) and
tests/cases/nexus-flush-points.sh (a nexus whose legs share one logged
device, so that one log orders the writes to every leg).

The log: a super block at byte 0 (magic, version, entries, sector size),
then per entry one sector-size block (sector, sectors, flags, data length,
and a mark's name after them) followed by the written data, except for
discards.  dm-log-writes logs a write once it has completed, and a flush
once everything before it has: every state "all entries up to a flush"
is one the device may hold after a power cut, and so is "all entries up
to a flush, then any subset of the writes that follow it before the next
flush or FUA write, in any order" (the device may have written them, or
not, in any order).

usage: logwrites.py check --log DEV --image FILE --marks FILE
                          (--pool NAME | --nexus NAME --legs OFF:LEN,...)
                          [--orders N] [--seed S]

--image is a file on tmpfs of the pool device's size: the replay target.
--marks lists what must be found once a mark has been passed, one per line:
    <mark> pool                          the pool exists (from here on)
    <mark> replica <name>                the replica exists
    <mark> data <replica> <offset> <file> the replica holds <file> there
    <mark> gone <name>                   the replica no longer exists
    <mark> void <name>                   its destruction has begun: from here
                                         on it may exist or not, and its data
                                         promises no longer hold
At each flush after the first mark, and after the log's end, a copy of the
image is attached to a loop device; the offline checker must find the pool
clean, the module must import it, and everything the marks passed so far
promise must be there; then the pool is exported and the copy dropped.
After each flush, --orders random subsets of the next epoch's writes are
applied in random order to another copy and checked the same way.

With --nexus, the image holds the nexus's legs at the byte ranges --legs
gives, and the marks promise:
    <mark> nexus                         assembly from the legs must work
    <mark> data <offset> <file>          the volume holds <file> there
    <mark> void <offset>                 an overwrite begins: until its own
                                         data mark, either may be there
    <mark> stale <leg>                   leg (its index in --legs) is out
                                         of sync: assembly must not call it
                                         in sync ...
    <mark> online <leg>                  ... until this mark
    <mark> adding <leg>                  a child add of the leg begins: from
                                         here it may be a member, not in sync
    <mark> added <leg>                   it is a member; its rebuild may end,
                                         and its label say in sync, any time
    <mark> synced <leg>                  its rebuild ended
    <mark> removing <leg>                a child remove begins: from here it
                                         may be a member or not
    <mark> removed <leg>                 it is no member
A leg no add names is a member from the start.  At each point the legs are
attached (loop devices over a copy) and the nexus is assembled from all of
them, and if that is refused, without ever more of the legs whose add or
remove was under way or that are no member (no label, or no place in the
newest label's member table): it must work without them, with every
member given, and a leg that is no member must not be taken in.  Any
child the nexus resyncs is waited for; then the promised data must read
back through the nexus, every child in sync must hold the same volume
bytes (the write-intent bitmap covered every write that may differ
between them), and the nexus is stopped.

Prints one line per point and a summary: points, orderings, failures.
Exit status 0: every point and ordering was clean.
"""
import argparse
import hashlib
import itertools
import json
import mmap
import os
import random
import shutil
import struct
import subprocess
import sys
import time

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK, METADATA = 1, 2, 4, 8, 16


class Entry:
    __slots__ = ("index", "sector", "nr", "flags", "mark", "data_off")


def read_log(path):
    """The log's sector size and entries (data left in the log, by offset)."""
    with open(path, "rb") as f:
        magic, version, nr_entries, sectorsize = struct.unpack("<QQQI", f.read(28))
        if magic != MAGIC or version != 1:
            sys.exit(f"logwrites: {path} is not a dm-log-writes log")
        entries, off = [], sectorsize
        for i in range(nr_entries):
            f.seek(off)
            hdr = f.read(sectorsize)
            e = Entry()
            e.index = i
            e.sector, e.nr, e.flags, data_len = struct.unpack_from("<QQQQ", hdr)
            e.mark = hdr[32:32 + data_len].rstrip(b"\0").decode() if e.flags & MARK else None
            e.data_off = off + sectorsize
            off += sectorsize
            if not e.flags & DISCARD:
                off += e.nr * sectorsize
            entries.append(e)
    return sectorsize, entries


class Replayer:
    def __init__(self, log, image, sectorsize):
        self.log = open(log, "rb")
        self.image = image
        self.ss = sectorsize
        self.fd = os.open(image, os.O_RDWR)

    def apply(self, e, fd=None):
        fd = self.fd if fd is None else fd
        if e.flags & MARK or not e.nr:
            return
        if e.flags & DISCARD:
            # What a discarded range reads back is not promised: zeroes.
            os.pwrite(fd, bytes(e.nr * self.ss), e.sector * self.ss)
            return
        self.log.seek(e.data_off)
        os.pwrite(fd, self.log.read(e.nr * self.ss), e.sector * self.ss)


def sh(*argv):
    return subprocess.run(argv, capture_output=True, text=True)


class Checker:
    def __init__(self, args):
        self.pool = args.pool
        self.promises = []
        for line in open(args.marks):
            parts = line.split()
            if parts:
                self.promises.append(parts)
        self.points = self.orderings = self.failures = 0

    def check(self, image, passed, what):
        """Attach a copy of @image, check, import, verify, export."""
        copy = image + ".check"
        shutil.copyfile(image, copy)
        out = sh("losetup", "--find", "--show", copy)
        loop = out.stdout.strip()
        if out.returncode or not loop:
            sys.exit(f"logwrites: losetup {copy}: {out.stderr.strip()}")
        problems = []
        try:
            out = sh("nexusctl", "pool", "check", loop)
            if out.returncode:
                problems.append("checker: " + " / ".join(
                    [line for line in out.stdout.splitlines()
                     if line.startswith(("problem", "slot"))] + [out.stderr.strip()]))
            imp = sh("nexusctl", "pool", "import", loop)
            if imp.returncode:
                problems.append("import refused: " + imp.stderr.strip())
            else:
                problems += self.verify(passed)
                exp = sh("nexusctl", "pool", "export", self.pool)
                if exp.returncode:
                    problems.append("export: " + exp.stderr.strip())
        finally:
            sh("losetup", "-d", loop)
            os.unlink(copy)
        if problems:
            self.failures += 1
            print(f"FAIL {what}: " + "; ".join(problems), flush=True)
        return not problems

    def verify(self, passed):
        """What the marks passed so far promise."""
        problems, replicas = [], {}
        for kind in ("replica", "snapshot"):
            out = sh("nexusctl", "-j", kind, "list", self.pool)
            for r in json.loads(out.stdout) if out.returncode == 0 else []:
                replicas[r["name"]] = r
        expose = []
        for p in self.promises:
            if p[0] not in passed:
                continue
            if p[1] == "replica" and p[2] not in replicas:
                problems.append(f"replica {p[2]} missing (promised at {p[0]})")
            elif p[1] == "gone" and p[2] in replicas:
                problems.append(f"replica {p[2]} still there (gone at {p[0]})")
            elif p[1] == "data":
                expose.append(p)
        # Later promises about the same place win (an overwrite); a
        # replica gone takes its data with it.
        gone = {p[2] for p in self.promises if p[0] in passed and p[1] in ("gone", "void")}
        latest = {}
        for p in expose:
            if p[2] not in gone:
                latest[(p[2], int(p[3]))] = p
        for (name, off), p in latest.items():
            r = replicas.get(name)
            if not r or not r.get("device"):
                problems.append(f"no device for replica {name} (data of {p[0]})")
                continue
            want = open(p[4], "rb").read()
            fd = os.open("/dev/" + r["device"], os.O_RDONLY)
            try:
                got = os.pread(fd, len(want), off)
            finally:
                os.close(fd)
            if got != want:
                problems.append(f"replica {name} at {off}: not the data of {p[0]}")
        return problems


def read_direct(path, off, length):
    """@length bytes at @off of a block device, past its page cache."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        buf = mmap.mmap(-1, length)
        got = os.preadv(fd, [buf], off)
        return bytes(buf[:got])
    finally:
        os.close(fd)


class NexusChecker:
    """The checks of a nexus whose legs lie in the image (--legs)."""

    def __init__(self, args):
        self.nexus = args.nexus
        self.legs = [tuple(int(x) for x in leg.split(":")) for leg in args.legs.split(",")]
        self.promises = [line.split() for line in open(args.marks) if line.split()]
        self.points = self.orderings = self.failures = 0

    def check(self, image, passed, what):
        copy = image + ".check"
        shutil.copyfile(image, copy)
        loops, problems = [], []
        try:
            for off, length in self.legs:
                out = sh("losetup", "--find", "--show", "--offset", str(off),
                         "--sizelimit", str(length), copy)
                if out.returncode:
                    sys.exit(f"logwrites: losetup {copy}: {out.stderr.strip()}")
                loops.append(out.stdout.strip())
            problems = self.assemble_and_verify(loops, passed)
        finally:
            sh("nexusctl", "nexus", "stop", self.nexus)
            for loop in loops:
                sh("losetup", "-d", loop)
            os.unlink(copy)
        if problems:
            self.failures += 1
            print(f"FAIL {what}: " + "; ".join(problems), flush=True)
        else:
            print(f"ok {what}", flush=True)
        return not problems

    def show(self):
        out = sh("nexusctl", "-j", "nexus", "show", self.nexus)
        return json.loads(out.stdout) if out.returncode == 0 else None

    def membership(self, passed):
        """Per leg: "in" (a member), "maybe" (its add or remove under way)
        or "out"; and the legs that must not be in sync."""
        added = {int(p[2]) for p in self.promises if p[1] == "adding"}
        member = {i: "out" if i in added else "in" for i in range(len(self.legs))}
        stale = set()
        for p in self.promises:
            if p[0] not in passed:
                continue
            kind = p[1]
            if kind in ("stale", "adding"):
                stale.add(int(p[2]))
            elif kind in ("online", "added", "synced"):
                stale.discard(int(p[2]))
            if kind in ("adding", "removing"):
                member[int(p[2])] = "maybe"
            elif kind == "added":
                member[int(p[2])] = "in"
            elif kind == "removed":
                member[int(p[2])] = "out"
        return member, stale

    def assemble(self, loops, member, must):
        """Assemble from every leg, else without ever more of the legs that
        need not be members (on 6.1 the refusal does not name the device);
        (nexus, problems), nexus None if it was not assembled."""
        optional = [i for i in range(len(loops)) if member[i] != "in"]
        for k in range(len(optional) + 1):
            for drop in itertools.combinations(optional, k):
                legs = [i for i in range(len(loops)) if i not in drop]
                out = sh("nexusctl", "-j", "nexus", "assemble", "--name", self.nexus,
                         *[f"bdev://{loops[i]}" for i in legs])
                if out.returncode == 0:
                    taken = [i for i in legs if member[i] == "out"] if must else []
                    return json.loads(out.stdout), [f"leg {i}, no member, taken in"
                                                    for i in taken]
                err = out.stderr.strip()
                if not must:
                    return None, []
        return None, [f"assembly refused with every leg that must be a member: {err}"]

    def assemble_and_verify(self, loops, passed):
        must = any(p[1] == "nexus" for p in self.promises if p[0] in passed)
        member, stale = self.membership(passed)
        nx, problems = self.assemble(loops, member, must)
        if nx is None:
            return problems
        leg_of = {f"bdev://{loop}": i for i, loop in enumerate(loops)}
        for c in nx["children"]:
            if leg_of.get(c["uri"]) in stale and c["state"] == "synced":
                problems.append(f"stale leg {leg_of[c['uri']]} assembled in sync")
        # Resyncs from the bitmap, or rebuilds resumed, end.
        for _ in range(300):
            nx = self.show()
            if not nx or all(c["state"] != "rebuilding" for c in nx["children"]):
                break
            time.sleep(0.2)
        if not nx:
            return problems + ["the nexus went away after assembly"]
        states = {leg_of.get(c["uri"]): c["state"] for c in nx["children"]}
        if "rebuilding" in states.values():
            problems.append(f"still rebuilding after 60 s: {states}")
        dev = "/dev/" + nx["device"]
        latest = {}
        for p in self.promises:
            if p[0] in passed and p[1] in ("data", "void"):
                latest[int(p[2])] = p if p[1] == "data" else None
        for off, p in latest.items():
            if p is None:
                continue
            want = open(p[3], "rb").read()
            if read_direct(dev, off, len(want)) != want:
                problems.append(f"volume at {off}: not the data of {p[0]}")
        size, start = nx["size"], nx["data_offset"]
        first = None
        for c in nx["children"]:
            if c["state"] != "synced":
                continue
            data = read_direct(c["device"], start, size)
            if first is None:
                first = (c["uri"], hashlib.sha256(data).digest())
            elif hashlib.sha256(data).digest() != first[1]:
                problems.append(f"in-sync legs {first[0]} and {c['uri']} differ")
        if first is None:
            problems.append("no child in sync")
        return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["check"])
    ap.add_argument("--log", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--marks", required=True)
    ap.add_argument("--pool")
    ap.add_argument("--nexus")
    ap.add_argument("--legs", help="OFF:LEN,... bytes: the nexus's legs in the image")
    ap.add_argument("--orders", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    ss, entries = read_log(args.log)
    rep = Replayer(args.log, args.image, ss)
    if bool(args.pool) == bool(args.nexus) or bool(args.nexus) != bool(args.legs):
        ap.error("give --pool, or --nexus and --legs")
    chk = NexusChecker(args) if args.nexus else Checker(args)
    first_mark = next((e.index for e in entries if e.flags & MARK), None)
    if first_mark is None:
        sys.exit("logwrites: the log has no mark")
    passed = set()
    flushes = sum(1 for e in entries if e.flags & FLUSH)
    print(f"logwrites: {len(entries)} entries, {flushes} flushes, sector size {ss}", flush=True)
    for i, e in enumerate(entries):
        rep.apply(e)
        if e.flags & MARK:
            passed.add(e.mark)
        last = i == len(entries) - 1
        if i < first_mark or not (e.flags & FLUSH or last):
            continue
        chk.points += 1
        chk.check(args.image, passed, f"entry {i} (flush {chk.points})")
        # The next epoch: writes after this flush up to the next flush or
        # FUA write (one that completed is durable, so those logged before
        # it cannot be dropped around it: stop short of it).
        epoch, epoch_marks = [], set()
        for n in entries[i + 1:]:
            if n.flags & (FLUSH | FUA):
                break
            if n.flags & MARK:
                epoch_marks.add(n.mark)
            elif n.nr:
                epoch.append(n)
        # A write of the epoch may come after a mark that voids a promise
        # (an overwrite or a destroy begins): the promise is void here too.
        voids = {p[0] for p in chk.promises if p[1] == "void"} & epoch_marks
        for k in range(args.orders if len(epoch) > 1 else 0):
            subset = [n for n in epoch if rng.random() < 0.5]
            rng.shuffle(subset)
            copy = args.image + ".order"
            shutil.copyfile(args.image, copy)
            fd = os.open(copy, os.O_RDWR)
            try:
                for n in subset:
                    rep.apply(n, fd)
            finally:
                os.close(fd)
            chk.orderings += 1
            chk.check(copy, passed | voids, f"entry {i} + {len(subset)} of {len(epoch)} "
                      f"unflushed writes, order {k + 1}")
            os.unlink(copy)
    print(f"logwrites: {chk.points} flush points, {chk.orderings} reorderings, "
          f"{chk.failures} failed")
    return 1 if chk.failures else 0


if __name__ == "__main__":
    sys.exit(main())
