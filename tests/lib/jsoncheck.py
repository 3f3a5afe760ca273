#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Validate nexusctl -j output against docs/nexusctl.schema.json.

usage: jsoncheck.py <definition> [--lines]   (the document on stdin)

<definition> is a name under the schema's $defs ("pool", "nexuses",
"node_up", ...), or "none" for a command that must print nothing.
--lines: one document per line (monitor).  Exit 0 valid, 1 not (why on
stderr), 2 usage.
"""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                      "nexusctl.schema.json")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    name, lines = sys.argv[1], "--lines" in sys.argv[2:]
    text = sys.stdin.read()
    if name == "none":
        if text.strip():
            print(f"jsoncheck: expected no output, got: {text[:200]}", file=sys.stderr)
            return 1
        return 0
    schema = json.load(open(SCHEMA))
    if name not in schema["$defs"]:
        print(f"jsoncheck: no definition '{name}' in {SCHEMA}", file=sys.stderr)
        return 2
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
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


if __name__ == "__main__":
    sys.exit(main())
