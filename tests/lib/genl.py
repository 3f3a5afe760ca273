#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one hand-made generic netlink request to a family and print what
came back.  For tests that must send what nexusctl never would: foreign or
malformed attributes, unknown commands, bad flags.

usage: genl.py [--family nexus] --cmd N [--attr KIND:TYPE=VALUE]... [--flags N]
       (KIND: u8 u16 u32 u64 str hex flag; e.g. --attr u32:5=7000)
       genl.py [--family nexus] --ops

Prints `errno=<n> msg=<extack message> offs=<attr offset> replies=<n>` and
exits 0; errno 0 is success.  Attributes go in the order given.  --ops
prints the family's operations as the controller lists them, one
`<command> <GENL_* flags, hex>` per line.
"""
import argparse
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_OPS = 1, 2, 6
CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS = 1, 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2


def nla(atype, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, atype) + payload + b"\0" * (-length % 4)


def parse_attrs(data):
    out = {}
    while len(data) >= 4:
        length, atype = struct.unpack_from("=HH", data)
        if length < 4:
            break
        out[atype & 0x3fff] = data[4:length]
        data = data[(length + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 1

    def request(self, family, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK, version=1):
        """Returns (errno, extack message, attribute offset, replies).  A dump
        (NLM_F_DUMP) collects replies up to its end; a request without ACK
        returns with its first reply.  Messages of earlier requests (an ACK
        after a dump's end) are skipped by their sequence number."""
        self.seq += 1
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        msg = struct.pack("=IHHII", 16 + len(body), family, flags, self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            while len(data) >= 16:
                length, mtype, mflags, seq, _ = struct.unpack_from("=IHHII", data)
                if length < 16 or length > len(data):
                    raise RuntimeError(f"broken netlink message: length {length} of {len(data)}")
                payload = data[16:length]
                data = data[(length + 3) & ~3:]
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload)[0]
                    ext = b""
                    if mflags & NLM_F_ACK_TLVS:
                        inner_len = 16 if mflags & NLM_F_CAPPED else struct.unpack_from("=I", payload, 4)[0]
                        ext = payload[4 + inner_len:]
                    tlv = parse_attrs(ext)
                    text = tlv.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode(errors="replace")
                    offs = struct.unpack("=I", tlv[NLMSGERR_ATTR_OFFS])[0] if NLMSGERR_ATTR_OFFS in tlv else -1
                    return err, text, offs, replies
                if mtype == NLMSG_DONE:
                    # A dump that failed partway says so in its DONE.
                    err = -struct.unpack_from("=i", payload)[0] if len(payload) >= 4 else 0
                    return err, "", -1, replies
                replies.append((mtype, payload))
                if not flags & NLM_F_ACK and not dump:
                    return 0, "", -1, replies

    def family(self, name):
        """The controller's attributes of family @name."""
        err, text, _, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY, nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err or not replies:
            sys.exit(f"genl.py: no family {name}: errno {err} {text}")
        return parse_attrs(replies[0][1][4:])

    def family_id(self, name):
        return struct.unpack("=H", self.family(name)[CTRL_ATTR_FAMILY_ID][:2])[0]

    def family_ops(self, name):
        """{command: GENL_* flags} of family @name's operations."""
        ops = {}
        for op in parse_attrs(self.family(name).get(CTRL_ATTR_OPS, b"")).values():
            a = parse_attrs(op)
            cmd = struct.unpack("=I", a[CTRL_ATTR_OP_ID][:4])[0]
            flags = struct.unpack("=I", a[CTRL_ATTR_OP_FLAGS][:4])[0] if CTRL_ATTR_OP_FLAGS in a else 0
            ops[cmd] = ops.get(cmd, 0) | flags
        return ops


def encode(spec):
    """KIND:TYPE=VALUE, KIND one of u8 u16 u32 u64 str hex flag, as an attribute."""
    kind, rest = spec.split(":", 1)
    atype, _, value = rest.partition("=")
    if kind == "flag":
        payload = b""
    elif kind == "str":
        payload = value.encode() + b"\0"
    elif kind == "hex":
        payload = bytes.fromhex(value)
    else:
        payload = struct.pack({"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[kind],
                              int(value, 0))
    return nla(int(atype, 0), payload)


def main():
    ap = argparse.ArgumentParser(description="Send one generic netlink request.")
    ap.add_argument("--family", default="nexus")
    ap.add_argument("--cmd", type=int)
    ap.add_argument("--ops", action="store_true")
    ap.add_argument("--flags", type=lambda s: int(s, 0), default=NLM_F_REQUEST | NLM_F_ACK)
    ap.add_argument("--attr", action="append", default=[], metavar="KIND:TYPE=VALUE",
                    help="u8|u16|u32|u64|str|hex|flag, in the order given")
    args = ap.parse_args()
    g = Genl()
    if args.ops:
        for cmd, flags in sorted(g.family_ops(args.family).items()):
            print(f"{cmd} {flags:#x}")
        return
    if args.cmd is None:
        ap.error("--cmd or --ops is needed")
    fam = g.family_id(args.family)
    err, text, offs, replies = g.request(fam, args.cmd, b"".join(map(encode, args.attr)),
                                         flags=args.flags)
    print(f"errno={err} msg={text} offs={offs} replies={len(replies)}")


if __name__ == "__main__":
    main()
