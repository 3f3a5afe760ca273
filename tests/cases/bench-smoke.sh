#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nexus-test: timeout=900 mem=4096 kernels=stock disk=nvme:1G disk=nvme:1G disk=nvme:1G
#
# The benchmark's quick mode (tests/bench/bench.py): every scenario briefly,
# numbers written and summarised (report.py, gnuplot chart included), speed
# not judged: a scenario that fails or produces no IO fails the test.
# `make bench-quick` runs it alone; CI runs it with the stock guest tests.
set -e
out=$NEXUS_JOB_DIR/bench
python3 "$NEXUS_TOP/tests/bench/bench.py" --mode quick --out "$out"
python3 "$NEXUS_TOP/tests/bench/report.py" "$out/results.json" >/dev/null
