#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nexus-test: timeout=2700 mem=4096 kernels=stock,backports disk=nvme:1G disk=nvme:1G disk=nvme:1G
#
# The benchmark's full mode (tests/bench/bench.py): every scenario, every
# workload, three interleaved repetitions.  `make bench` runs it and then
# tests/bench/report.py on the host.  NEXUS_BENCH_ONLY: the groups to run
# (default all); NEXUS_BENCH_PROFILE: workloads to profile with perf in
# each group (`make bench BENCH_ONLY=stack,nvme BENCH_PROFILE=rr32,rw1`).
# Profiles of every group take longer than the timeout below: name the
# groups, or raise NEXUS_TIMEOUT_SCALE.
exec python3 "$NEXUS_TOP/tests/bench/bench.py" --mode full --out "$NEXUS_JOB_DIR/bench" \
	${NEXUS_BENCH_ONLY:+--only "$NEXUS_BENCH_ONLY"} --profile "${NEXUS_BENCH_PROFILE:-}"
