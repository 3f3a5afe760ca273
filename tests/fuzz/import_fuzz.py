#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Rounds of mutated pool images or child labels, tried on the module: the
loop of tests/cases/fuzz-import.sh, in one process that talks netlink
itself, so that a round costs one mutation and one request, not a dozen
programs started under emulation.

Each round restores the saved metadata region(s), damages one device with
nexus-mutate (seeded by the round number: `nexus-mutate pool|label <dev>
<round>` replays it), and asks the module to import the pool or assemble
the nexus.  Then:

  refused:  the answer carries a reason (extack), and no pool or nexus is
            left behind;
  accepted: each replica (or the nexus) is read and written (errors are
            allowed, hangs and splats are not), the pool is exported (or
            the nexus stopped), which must work, and a pool must then pass
            the offline checker (nexusctl pool check): the module took it
            up, so its walk found it sound, and it wrote back only sound
            metadata.

usage: import_fuzz.py pool <dev> <saved image> <rounds> <mutator>
       import_fuzz.py label <dev0,dev1> <image0,image1> <rounds> <mutator>
<rounds>: N for rounds 1 to N, or FIRST-LAST (so that several guests can
share a long run without repeating a round).
Exit status 0: every round as above; 1: one was not (the round is named).
"""
import mmap
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from genl import Genl, nla, parse_attrs  # noqa: E402
from genl_fuzz import A, C, CHILD, NLA_F_NESTED  # noqa: E402

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300


def s(t, v):
    return nla(t, v.encode() + b"\0")


def aligned(size):
    """A page-aligned buffer for O_DIRECT."""
    return mmap.mmap(-1, max(size, 4096))


def restore(image, dev):
    data = open(image, "rb").read()
    buf = aligned(len(data))
    buf[:len(data)] = data
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    try:
        os.pwritev(fd, [memoryview(buf)[:len(data)]], 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def touch(dev, log):
    """Read a little of a device and write one block: either may fail."""
    buf = aligned(1 << 18)
    try:
        fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
    except OSError as e:
        log.append(f"open {dev}: {e.strerror} (allowed)")
        return
    try:
        for what, fn in (("read", lambda: os.preadv(fd, [buf], 0)),
                         ("write", lambda: os.pwritev(fd, [memoryview(buf)[:4096]], 7 * 4096))):
            try:
                fn()
            except OSError as e:
                log.append(f"{what} {dev}: {e.strerror} (allowed)")
    finally:
        os.close(fd)


class Rounds:
    def __init__(self, mutator):
        self.g = Genl()
        self.g.sock.settimeout(300)
        self.fam = self.g.family_id("nexus")
        self.mutator = mutator
        self.accepted = self.refused = 0

    def req(self, cmd, *attrs, dump=False):
        flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        err, msg, _, replies = self.g.request(self.fam, cmd, b"".join(attrs), flags=flags)
        return err, msg, [parse_attrs(p[4:]) for _, p in replies]

    def mutate(self, kind, dev, rnd):
        raw = ["--raw"] if rnd % 8 == 0 else []
        out = subprocess.run([self.mutator, kind, dev, str(rnd), *raw], capture_output=True,
                             text=True)
        if out.returncode:
            sys.exit(f"round {rnd}: nexus-mutate {kind} {dev} {rnd} failed: {out.stderr}")
        return out.stdout.strip(), " ".join(raw)

    def refused_ok(self, rnd, replay, msg, leftover_cmd):
        self.refused += 1
        if not msg:
            fail(rnd, replay, "refused without a reason")
        _, _, left = self.req(leftover_cmd, dump=True)
        if left:
            fail(rnd, replay, "a refusal left something behind")
        print(f"  refused: {msg}")

    def pool_round(self, dev, image, rnd):
        restore(image, dev)
        desc, raw = self.mutate("pool", dev, rnd)
        replay = f"nexus-mutate pool {dev} {rnd} {raw}"
        print(f"round {rnd}: {desc}", flush=True)
        err, msg, replies = self.req(C["POOL_IMPORT"], s(A["POOL_DEVICE"], dev))
        if err:
            return self.refused_ok(rnd, replay, msg, C["POOL_GET"])
        self.accepted += 1
        name = replies[0][A["POOL_NAME"]].rstrip(b"\0").decode() if replies else None
        if not name:
            fail(rnd, replay, "an import answered without the pool's name")
        log = []
        _, _, reps = self.req(C["REPLICA_GET"], s(A["POOL_NAME"], name), dump=True)
        for r in reps:
            d = r.get(A["REPLICA_DEVICE"], b"").rstrip(b"\0").decode()
            if d:
                touch("/dev/" + d, log)
        for line in log:
            print("  " + line)
        err, msg, _ = self.req(C["POOL_EXPORT"], s(A["POOL_NAME"], name))
        if err:
            fail(rnd, replay, f"an imported pool did not export: {os.strerror(err)}: {msg}")
        check = subprocess.run(["nexusctl", "pool", "check", dev], capture_output=True,
                               text=True)
        if check.returncode:
            print(check.stdout)
            fail(rnd, replay, "the module took up a pool the checker then finds damaged")
        print(f"  imported ({len(reps)} replicas), exported, clean")

    def label_round(self, devs, images, rnd):
        for d, i in zip(devs, images):
            restore(i, d)
        dev = devs[rnd % len(devs)]
        desc, raw = self.mutate("label", dev, rnd)
        replay = f"nexus-mutate label {dev} {rnd} {raw}"
        print(f"round {rnd}: {desc}", flush=True)
        kids = b"".join(nla(A["CHILD"] | NLA_F_NESTED,
                            s(CHILD["PATH"], d) + s(CHILD["URI"], "bdev://" + d) +
                            nla(CHILD["LOCAL"], b"\1")) for d in devs)
        err, msg, replies = self.req(C["NEXUS_ASSEMBLE"], nla(A["CHILDREN"] | NLA_F_NESTED, kids))
        if err:
            return self.refused_ok(rnd, replay, msg, C["NEXUS_GET"])
        self.accepted += 1
        r = replies[0] if replies else {}
        name = r.get(A["NEXUS_NAME"], b"").rstrip(b"\0").decode()
        vdev = r.get(A["NEXUS_DEVICE"], b"").rstrip(b"\0").decode()
        if not name or not vdev:
            fail(rnd, replay, "an assembly answered without the nexus's name and device")
        log = []
        touch("/dev/" + vdev, log)
        for line in log:
            print("  " + line)
        err, msg, _ = self.req(C["NEXUS_STOP"], s(A["NEXUS_NAME"], name))
        if err:
            fail(rnd, replay, f"an assembled nexus did not stop: {os.strerror(err)}: {msg}")
        print(f"  assembled as {vdev}, stopped")


def fail(rnd, replay, why):
    print(f"FAIL: round {rnd}: {why} (replay: {replay})")
    sys.exit(1)


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("pool", "label"):
        sys.exit(__doc__)
    kind, devs, images, rounds, mutator = sys.argv[1:]
    first, sep, last = rounds.partition("-")
    if not sep:
        first, last = "1", rounds
    if not (first.isdigit() and last.isdigit() and 1 <= int(first) <= int(last)):
        sys.exit(f"rounds: want N or FIRST-LAST, not {rounds}")
    first, last = int(first), int(last)
    rounds = last - first + 1
    r = Rounds(mutator)
    t0 = time.monotonic()
    for rnd in range(first, last + 1):
        if kind == "pool":
            r.pool_round(devs, images, rnd)
        else:
            r.label_round(devs.split(","), images.split(","), rnd)
    what = "imported" if kind == "pool" else "assembled"
    print(f"{kind}s: {rounds} rounds ({first} to {last}), {r.accepted} {what}, {r.refused} refused, "
          f"{time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
