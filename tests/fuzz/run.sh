#!/bin/bash
# Run the libFuzzer targets (build/fuzz/fuzz_*) for <seconds> each, from the
# kept corpus (tests/fuzz/corpus/<target>/: real pools and labels extracted
# in a guest, and every crasher found, kept as a regression case).  New
# inputs go to build/fuzz/corpus-<target>/, crashers to build/fuzz/crashes/.
# <seconds> 0 only replays the kept corpus.  Exit status 0: no crash.
#
# usage: run.sh <seconds> [target...]      (targets: format label)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:?usage: run.sh <seconds> [target...]}
shift
# Each target once: two runs of one would share its log and corpus.
if [ $# -gt 0 ]; then
	mapfile -t targets < <(printf '%s\n' "$@" | sort -u)
else
	targets=(format label)
fi
build=$top/build/fuzz
rc=0

# fuzz <target>: one run; its exit status in $build/fuzz_<target>.status.
fuzz() {
	local t=$1 bin=$build/fuzz_$1 kept=$top/tests/fuzz/corpus/$1 work=$build/corpus-$1
	local log=$build/fuzz_$1.log
	mkdir -p "$work"
	if [ "$secs" = 0 ]; then
		# Replay: every kept input once.
		"$bin" -runs=0 -artifact_prefix="$build/crashes/$t-" "$kept" >"$log" 2>&1
	else
		# 2 GiB: a superblock may ask for 2^24 clusters of refcounts.
		"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=120 \
			-artifact_prefix="$build/crashes/$t-" -print_final_stats=1 \
			"$work" "$kept" >"$log" 2>&1
	fi
	echo $? >"$build/fuzz_$t.status"
}

mkdir -p "$build/crashes"
for t in "${targets[@]}"; do
	[ -x "$build/fuzz_$t" ] || { echo "run.sh: $build/fuzz_$t is not built (make fuzz)" >&2; exit 2; }
done
# The targets side by side: each keeps one CPU busy.  Killed, this
# script takes them with it.
stop_all() {
	local p
	for p in $(jobs -p); do
		pkill -P "$p" 2>/dev/null	# the fuzzer under each subshell
		kill "$p" 2>/dev/null
	done
}
trap stop_all EXIT
trap 'exit 143' INT TERM
for t in "${targets[@]}"; do
	rm -f "$build/fuzz_$t.status"
	fuzz "$t" &
done
wait
for t in "${targets[@]}"; do
	kept=$top/tests/fuzz/corpus/$t log=$build/fuzz_$t.log
	status=$(cat "$build/fuzz_$t.status" 2>/dev/null || echo "none")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ "$status" = 0 ]; then
		echo "fuzz $t: ok, ${execs:-$(ls "$kept" | wc -l) inputs replayed}${execs:+ runs} ${cov:+($cov)}"
	else
		echo "fuzz $t: FAILED (exit $status); the end of $log:"
		tail -n 40 "$log"
		rc=1
	fi
done
exit $rc
