#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate nexusctl -j output against docs/nexusctl.schema.json.

usage: jsoncheck.py <definition> [--lines]   (the document on stdin)
       jsoncheck.py --batch DIR

<definition> is a name under the schema's $defs ("pool", "nexuses",
"node_up", ...), or "none" for a command that must print nothing.
--lines: one document per line (monitor).  --batch: every <n>.def in DIR
(its first line a definition and maybe --lines, its second the command,
for the messages) with its output in <n>.out, in one run: the json test
checks its 60-odd outputs with one Python start-up, not one each
(seconds each under emulation).  Exit 0 valid, 1 not (why on stderr),
2 usage.
"""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "nexusctl.schema.json")


def check(name, text, lines, schema, validators):
    """0 if @text (one document, or one per line) is valid for @name."""
    if name == "none":
        if text.strip():
            print(f"jsoncheck: expected no output, got: {text[:200]}", file=sys.stderr)
            return 1
        return 0
    if name not in schema["$defs"]:
        print(f"jsoncheck: no definition '{name}' in {SCHEMA}", file=sys.stderr)
        return 2
    if name not in validators:
        validators[name] = jsonschema.Draft202012Validator(
            {"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator = validators[name]
    docs = [line for line in text.splitlines() if line.strip()] if lines else [text]
    if not docs:
        print(f"jsoncheck: no output to check against '{name}'", file=sys.stderr)
        return 1
    bad = 0
    for doc in docs:
        try:
            value = json.loads(doc)
        except ValueError as e:
            print(f"jsoncheck: not JSON ({e}): {doc[:200]}", file=sys.stderr)
            bad += 1
            continue
        for err in validator.iter_errors(value):
            path = "/".join(str(p) for p in err.absolute_path) or "(top)"
            print(f"jsoncheck: {name}: at {path}: {err.message}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


def batch(directory, schema):
    """Every <n>.def (definition [--lines], then the command) with its
    <n>.out in @directory; 0 if all are valid."""
    validators, checked, bad = {}, 0, 0
    defs = [f for f in os.listdir(directory) if f.endswith(".def")]
    for f in sorted(defs, key=lambda f: int(f.split(".")[0])):
        spec, command = open(os.path.join(directory, f)).read().split("\n")[:2]
        spec = spec.split()
        text = open(os.path.join(directory, f[:-4] + ".out")).read()
        checked += 1
        if check(spec[0], text, "--lines" in spec[1:], schema, validators):
            print(f"jsoncheck: {command}: output does not match '{spec[0]}'", file=sys.stderr)
            bad += 1
    print(f"jsoncheck: {checked} outputs checked, {bad} not valid")
    return 1 if bad or not checked else 0


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(SCHEMA))
    if sys.argv[1] == "--batch" and len(sys.argv) == 3:
        return batch(sys.argv[2], schema)
    name, lines = sys.argv[1], "--lines" in sys.argv[2:]
    return check(name, sys.stdin.read(), lines, schema, {})


if __name__ == "__main__":
    sys.exit(main())
