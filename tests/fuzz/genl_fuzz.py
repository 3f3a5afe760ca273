#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generic netlink fuzzer for the nexus family: random and mutated requests
for every command and attribute, sent as root, so that they get past the
permission check into the policies and the handlers.

Commands and attribute types are read from include/nexus_netlink.h (the
enum comments name each attribute's type), so new ones are fuzzed without
touching this file.  Each message is one of:

  * a template, a request nexusctl could send about the objects that exist
    (pools, replicas, snapshots, nexuses over the guest's disks), then
    mutated: attributes dropped, duplicated, retyped, given edge values,
    overlong strings, nests of garbage;
  * random: any command number (past the last too), any attributes;
  * raw: a template's bytes with a few flipped, nla_len fields included.

Flags are mostly REQUEST|ACK, sometimes a dump, sometimes odd.  Every
request must be answered (an error or a reply) within --timeout seconds:
a hang fails the run.  Every --reset messages, and at the end, the objects
are cleaned up through nexusctl and made afresh, so that templates keep
hitting real objects.

usage: genl_fuzz.py --count N --seed S --disks /dev/vda,/dev/vdb,... [--reset K]
Prints a summary (messages, errnos seen, replies, rate); exits 1 on a hang
or a broken answer.
"""
import argparse
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from genl import Genl, nla  # noqa: E402

TOP = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLA_F_NESTED = 0x8000


def read_uapi():
    """Commands and attributes of include/nexus_netlink.h: name -> value,
    and for attributes the kind their comment gives."""
    text = open(os.path.join(TOP, "include", "nexus_netlink.h")).read()
    enums = {}
    for m in re.finditer(r"enum (\w+) \{(.*?)\};", text, re.S):
        value, members = 0, []
        for line in m.group(2).splitlines():
            e = re.match(r"\s*(\w+)(?:\s*=\s*(\w+))?,\s*(?:/\*\s*(.*?)\s*\*/)?", line)
            if not e or e.group(1).startswith("__"):
                continue
            if e.group(2):
                value = int(e.group(2), 0)
            kind = (e.group(3) or "").split(":")[0].split(",")[0].strip()
            members.append((e.group(1), value, kind))
            value += 1
        enums[m.group(1)] = members
    return enums


UAPI = read_uapi()
CMDS = {n: v for n, v, _ in UAPI["nexus_cmd"]}
ATTRS = {n: (v, k) for n, v, k in UAPI["nexus_attr"]}
A = {n[len("NEXUS_ATTR_"):]: v for n, (v, _) in ATTRS.items()}
C = {n[len("NEXUS_CMD_"):]: v for n, v in CMDS.items()}
CHILD = {n[len("NEXUS_CHILD_ATTR_"):]: v for n, v, _ in UAPI["nexus_child_attr"]}
ATTR_MAX = max(v for v, _ in ATTRS.values())
CMD_MAX = max(CMDS.values())


def u8(t, v): return nla(t, struct.pack("=B", v & 0xff))
def u16(t, v): return nla(t, struct.pack("=H", v & 0xffff))
def u32(t, v): return nla(t, struct.pack("=I", v & 0xffffffff))
def u64(t, v): return nla(t, struct.pack("=Q", v & 0xffffffffffffffff))
def s(t, v): return nla(t, v.encode() + b"\0")
def flag(t): return nla(t, b"")
def nest(t, *parts): return nla(t | NLA_F_NESTED, b"".join(parts))


EDGE_INTS = [0, 1, 2, 3, 7, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 4095, 4096, 1 << 20,
             (1 << 20) + 1, 1 << 30, 1 << 31, 0xffffffff, 1 << 32, 1 << 53, 1 << 63,
             0xffffffffffffffff, 0xfffffffffffff000]


class Fuzzer:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.disks = args.disks
        self.g = Genl()
        self.g.sock.settimeout(args.timeout)
        self.fam = self.g.family_id("nexus")
        self.errnos = {}
        self.sent = self.replies = 0
        self.state = {}

    # -- objects, made and torn down through nexusctl --------------------------
    def ctl(self, *argv):
        return subprocess.run(["nexusctl", "-j", *argv], capture_output=True, text=True,
                              timeout=120)

    def reset(self):
        """Tear down whatever the fuzzing left, then make the base objects."""
        for v in self.json_list("nexus", "list"):
            self.ctl("nexus", "thaw", v["name"])
            if self.ctl("nexus", "destroy", v["name"]).returncode:
                self.ctl("nexus", "destroy", v["name"], "--force")
        # A pool may live on another pool's replica: the upper one must go
        # first, so go round until nothing is left (or nothing moves).
        for _ in range(4):
            pools = self.json_list("pool", "list")
            for p in pools:
                self.ctl("pool", "destroy", p["name"], "--force")
            if not pools:
                break
        left = self.json_list("nexus", "list") + self.json_list("pool", "list")
        if left:
            sys.exit(f"genl_fuzz: could not clean up: {left}")
        pool_dev, c0, c1 = self.disks[0], self.disks[1], self.disks[2]
        self.ctl("pool", "create", "fp", pool_dev, "--cluster-size", "1M", "--force")
        self.ctl("replica", "create", "fp", "r0", "8M")
        self.ctl("replica", "create", "fp", "r1", "8M", "--thin")
        self.ctl("snapshot", "create", "fp", "r1", "s0")
        # --force: a nexus the fuzzing stopped left its labels behind.
        out = self.ctl("nexus", "create", "fv", f"bdev://{c0}", f"bdev://{c1}", "--size", "16M",
                       "--force")
        if out.returncode:
            sys.exit(f"genl_fuzz: the base nexus could not be made: {out.stderr}")
        import json
        kids = [bytes.fromhex(c["uuid"].replace("-", "")) for c in json.loads(out.stdout)["children"]]
        devs = ["/dev/" + r["device"] for r in self.json_list("replica", "list", "fp")
                if r.get("device")]
        if len(devs) != 2:
            sys.exit("genl_fuzz: the base pool and replicas could not be made")
        self.state = {"pools": ["fp", "fq"], "replicas": ["r0", "r1", "r2", "s0"],
                      "nexus": ["fv", "fw"], "children": kids,
                      "paths": [pool_dev, c0, c1] + self.disks[3:] + devs + ["/dev/null", "/"],
                      "uuids": kids + [bytes(16), self.rng.randbytes(16)]}

    def json_list(self, *argv):
        import json
        out = self.ctl(*argv)
        try:
            return json.loads(out.stdout) if out.returncode == 0 else []
        except ValueError:
            return []

    # -- values --------------------------------------------------------------
    def pick(self, key):
        return self.rng.choice(self.state[key])

    def name(self, key):
        r = self.rng.random()
        if r < 0.85:
            return self.pick(key)
        return self.rng.choice(["", "x" * 63, "x" * 64, "x" * 300, "a b", "by-uuid", "..",
                                "\x01", "r0\x00tail", "é"])

    def edge(self):
        return self.rng.choice(EDGE_INTS) + self.rng.choice([0, 0, 0, -1, 1])

    # -- templates: what nexusctl could send ------------------------------------
    def child(self):
        path = self.pick("paths")
        parts = [s(CHILD["PATH"], path), s(CHILD["URI"], "bdev://" + path),
                 u8(CHILD["LOCAL"], 1)]
        if self.rng.random() < 0.3:
            parts.append(nla(CHILD["UUID"], self.pick("uuids")))
        return nest(A["CHILD"], *parts)

    def template(self):
        r, pool, rep, vol = self.rng, s(A["POOL_NAME"], self.name("pools")), \
            s(A["REPLICA_NAME"], self.name("replicas")), s(A["NEXUS_NAME"], self.name("nexus"))
        t = {
            "INFO_GET": [], "CONFIG_GET": [],
            "CONFIG_SET": [u32(A["IO_TIMEOUT_MS"], r.choice([5000, 1, 100, 600000])),
                           u32(A["REBUILD_RATE_MIN"], r.choice([0, 1, 1 << 20])),
                           u32(A["REBUILD_RATE_MAX"], r.choice([0, 1, 1 << 20]))],
            "POOL_CREATE": [pool, s(A["POOL_DEVICE"], self.pick("paths")),
                            u64(A["POOL_CLUSTER_SIZE"], r.choice([1 << 20, 4 << 20, 1 << 30])),
                            u32(A["POOL_MAX_REPLICAS"], r.choice([1, 16, 65536])),
                            flag(A["FORCE"])],
            "POOL_IMPORT": [s(A["POOL_DEVICE"], self.pick("paths"))],
            "POOL_EXPORT": [pool], "POOL_DESTROY": [pool, flag(A["FORCE"])],
            "POOL_GET": [pool],
            "REPLICA_CREATE": [pool, rep, u64(A["REPLICA_SIZE"], r.choice([4096, 1 << 20, 3 << 20, 1 << 40])),
                               u8(A["REPLICA_THIN"], r.choice([0, 1])),
                               nest(A["REPLICA_PROPS"], nest(1, s(2, "owner"), s(3, "node")))],
            "REPLICA_DESTROY": [pool, rep, u8(A["REPLICA_SNAPSHOT"], r.choice([0, 1])), flag(A["FORCE"])],
            "REPLICA_RESIZE": [pool, rep, u64(A["REPLICA_SIZE"], r.choice([4096, 4 << 20, 16 << 20]))],
            "REPLICA_SET": [pool, rep, u8(A["SHARE_PROTO"], r.choice([0, 1, 2])),
                            s(A["SHARE_ADDR"], "127.0.0.1"), u16(A["SHARE_PORT"], 8420),
                            u8(A["SHARE_ANY_HOST"], 1),
                            nest(A["REPLICA_HOSTS"], s(1, "nqn.2014-08.org.nvmexpress:uuid:x")),
                            u8(A["REPLICA_EXPOSE"], r.choice([0, 1]))],
            "REPLICA_GET": [pool, rep],
            "NEXUS_CREATE": [vol, u64(A["NEXUS_SIZE"], r.choice([4 << 20, 16 << 20, 4096])),
                             u64(A["BITMAP_CHUNK"], r.choice([64 << 10, 1 << 20])),
                             u8(A["READ_POLICY"], r.choice([0, 1, 2])),
                             nest(A["CHILDREN"], *[self.child() for _ in range(r.randint(1, 3))])],
            "NEXUS_ASSEMBLE": [nest(A["CHILDREN"], *[self.child() for _ in range(r.randint(1, 3))])],
            "NEXUS_STOP": [vol], "NEXUS_DESTROY": [vol, flag(A["FORCE"])],
            "NEXUS_SET": [vol, u8(A["READ_POLICY"], r.choice([0, 1, 2])),
                          u32(A["IO_TIMEOUT_MS"], 5000), u32(A["REBUILD_RATE_MAX"], 1 << 16)],
            "NEXUS_GET": [vol],
            "CHILD_ADD": [vol, self.child(), flag(A["FORCE"])],
            "CHILD_REMOVE": [vol, nla(A["CHILD_UUID"], self.pick("uuids")), flag(A["FORCE"])],
            "CHILD_FAULT": [vol, nla(A["CHILD_UUID"], self.pick("uuids"))],
            "CHILD_ONLINE": [vol, nla(A["CHILD_UUID"], self.pick("uuids"))],
            "REBUILD": [vol, nla(A["CHILD_UUID"], self.pick("uuids")),
                        u8(A["REBUILD_ACTION"], r.choice([1, 2, 3]))],
            "VERIFY": [vol, u8(A["VERIFY_REPAIR"], r.choice([0, 1]))],
            "SNAPSHOT_CREATE": [pool, s(A["REPLICA_PARENT"], self.name("replicas")),
                                s(A["REPLICA_NAME"], "s%d" % r.randint(0, 3))],
            "NEXUS_FREEZE": [vol, u32(A["FREEZE_TIMEOUT_MS"], r.choice([1, 100, 1000]))],
            "NEXUS_THAW": [vol],
        }
        names = [n for n in t if n in C]
        cmd = r.choice(names)
        attrs = [a for a in t[cmd] if r.random() < 0.9]
        return C[cmd], attrs

    # -- mutations ---------------------------------------------------------
    def typed_attr(self):
        """An attribute of the kind its header comment names, edge-valued."""
        r = self.rng
        name, (t, kind) = r.choice(list(ATTRS.items()))
        width = {"u8": u8, "u16": u16, "u32": u32, "u64": u64}.get(kind)
        if width:
            return width(t, self.edge())
        if kind == "string":
            return s(t, r.choice(["", "x" * r.choice([1, 63, 64, 255, 256]), "fp", "r0", "fv",
                                  "/dev/vdb", "bdev:///dev/vdb", "127.0.0.1"]))
        if kind == "binary":
            return nla(t, r.choice([self.pick("uuids"), bytes(15), bytes(17), b""]))
        if kind == "flag":
            return flag(t)
        return nest(t, *[self.random_attr() for _ in range(r.randint(0, 3))])

    def random_attr(self):
        r = self.rng
        if r.random() < 0.5:
            return self.typed_attr()
        t = r.randint(0, ATTR_MAX + 3)
        kind = r.randrange(8)
        if kind == 0:
            return u8(t, self.edge())
        if kind == 1:
            return u16(t, self.edge())
        if kind == 2:
            return u32(t, self.edge())
        if kind == 3:
            return u64(t, self.edge())
        if kind == 4:
            return nla(t, bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 3, 15, 16, 17, 64]))))
        if kind == 5:
            return s(t, r.choice(["", "a" * r.choice([1, 47, 48, 63, 64, 255, 256, 1024]),
                                  "/dev/vda", "127.0.0.1", "nqn.x", "k=v"]))
        if kind == 6:
            return nest(t, *[self.random_attr() for _ in range(r.randint(0, 3))])
        return flag(t)

    def mutate(self, attrs):
        r = self.rng
        attrs = list(attrs)
        for _ in range(r.randint(0, 3)):
            op = r.randrange(5)
            if op == 0 and attrs:
                attrs.pop(r.randrange(len(attrs)))
            elif op == 1 and attrs:
                attrs.insert(r.randrange(len(attrs) + 1), r.choice(attrs))
            elif op == 2 and attrs:
                # Same type, another payload (an edge integer of another width).
                i = r.randrange(len(attrs))
                atype = struct.unpack_from("=H", attrs[i], 2)[0]
                attrs[i] = r.choice([u8, u16, u32, u64])(atype, self.edge())
            else:
                attrs.insert(r.randrange(len(attrs) + 1), self.random_attr())
        return attrs

    def message(self):
        """(cmd, attribute bytes, flags, version) of the next request."""
        r = self.rng
        mode = r.random()
        if mode < 0.55:
            cmd, attrs = self.template()
            body = b"".join(self.mutate(attrs) if r.random() < 0.7 else attrs)
        elif mode < 0.8:
            cmd = r.randint(0, CMD_MAX + 2)
            body = b"".join(self.random_attr() for _ in range(r.randint(0, 6)))
        else:
            cmd, attrs = self.template()
            body = bytearray(b"".join(attrs))
            for _ in range(r.randint(1, 4)):
                if body:
                    body[r.randrange(len(body))] = r.getrandbits(8)
            if body and r.random() < 0.3:
                body = body[:r.randrange(len(body))]
            body = bytes(body)
        flags = NLM_F_REQUEST | NLM_F_ACK
        x = r.random()
        if x < 0.1:
            flags |= NLM_F_DUMP
        elif x < 0.13:
            flags = NLM_F_REQUEST | r.getrandbits(12)
        version = 1 if r.random() < 0.95 else r.getrandbits(8)
        return cmd, body, flags, version

    # -- the wire --------------------------------------------------------------
    def send(self, cmd, body, flags, version):
        self.sent += 1
        if not flags & NLM_F_ACK and flags & NLM_F_DUMP != NLM_F_DUMP:
            # Answered only by a reply or an error, maybe not at all: send
            # it, and drain() reads off whatever comes.
            g = self.g
            g.seq += 1
            payload = struct.pack("=BBH", cmd, version, 0) + body
            g.sock.send(struct.pack("=IHHII", 16 + len(payload), self.fam, flags, g.seq, 0) +
                        payload)
            return
        err, _, _, replies = self.g.request(self.fam, cmd, body, flags=flags, version=version)
        self.replies += len(replies)
        self.errnos[err] = self.errnos.get(err, 0) + 1

    def drain(self):
        """Answers to requests that asked for none but failed: read them off."""
        self.g.sock.setblocking(False)
        try:
            while self.g.sock.recv(1 << 20):
                pass
        except (BlockingIOError, OSError):
            pass
        self.g.sock.settimeout(self.timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--disks", required=True, help="comma-separated: pool disk, two child disks, ...")
    ap.add_argument("--reset", type=int, default=2000)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    args.disks = args.disks.split(",")
    f = Fuzzer(args)
    f.timeout = args.timeout
    f.reset()
    t0 = time.monotonic()
    for i in range(1, args.count + 1):
        cmd, body, flags, version = f.message()
        try:
            f.send(cmd, body, flags, version)
        except socket.timeout:
            print(f"genl_fuzz: message {i} (seed {args.seed}): no answer in {args.timeout} s: "
                  f"cmd {cmd} flags {flags:#x} body {body.hex()}")
            return 1
        except RuntimeError as e:
            print(f"genl_fuzz: message {i}: {e}")
            return 1
        if not flags & NLM_F_ACK and flags & NLM_F_DUMP != NLM_F_DUMP:
            f.drain()
        if i % args.reset == 0:
            f.reset()
            print(f"genl_fuzz: {i} messages, {time.monotonic() - t0:.0f} s", flush=True)
    f.reset()
    secs = time.monotonic() - t0
    common = ", ".join(f"{os.strerror(e) if e else 'ok'} {n}"
                       for e, n in sorted(f.errnos.items(), key=lambda x: -x[1])[:8])
    print(f"genl_fuzz: {f.sent} messages in {secs:.0f} s ({f.sent / secs:.0f}/s), "
          f"{f.replies} replies; answers: {common}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
