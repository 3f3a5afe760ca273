#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nexus-test: timeout=900 mem=4096 kernels=stock disk=nvme:1G disk=nvme:1G disk=nvme:1G
#
# The benchmark's quick mode (tests/bench/bench.py): every scenario briefly,
# numbers written and summarised (report.py, gnuplot chart included), speed
# not judged: a scenario that fails or produces no IO fails the test.
# The stack group is profiled at one workload too, which must give every
# stack's CPU per IO and its functions.
# `make bench-quick` runs this test; CI runs it with the stock guest tests.
set -e
out=$NEXUS_JOB_DIR/bench
python3 "$NEXUS_TOP/tests/bench/bench.py" --mode quick --profile rr32 --profile-groups stack \
	--out "$out"
python3 "$NEXUS_TOP/tests/bench/report.py" "$out/results.json" >/dev/null
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
doc = json.load(open(f"{d}/results.json"))
assert list(doc["profiles"]) == ["stack"], f"profiled groups: {list(doc['profiles'])}"
prof = doc["profiles"]["stack"]
targets = doc["groups"]["stack"]["targets"]
assert sorted(prof) == sorted(targets), f"profiled {sorted(prof)}, stacks {targets}"
for t, by_w in prof.items():
    p = by_w["rr32"]
    assert p["ios"] > 0 and p["busy_us_per_io"] > 0, f"{t}: {p}"
    assert len(p["functions"]) >= 10, f"{t}: {len(p['functions'])} functions"
    # every IO goes through the block layer: its entry must be among them
    assert any(f.startswith(("submit_bio", "blk_mq_", "__submit_bio")) for f in p["functions"]), \
        f"{t}: no block layer function in {list(p['functions'])[:10]}"
    print(f"profile {t}: {p['busy_us_per_io']:.1f} us per IO, top: " +
          ", ".join(f"{k} {v:.2f}" for k, v in list(p["functions"].items())[:4]))
summary = open(f"{d}/summary.md").read()
assert "### Profiles" in summary and "stack: nexus-1 against raw, rr32" in summary, "no profile in summary"
PY
