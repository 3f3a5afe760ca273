#!/bin/bash
# The project's test command (`make check`; .ci/run calls it): set up the
# machine, build, run the static checks, the host unit tests, and the guest
# tests (KUnit included) on the stock 6.1, the debug and the 6.12 kernels.
#
# Each build or check step counts as one test; each guest test counts as
# one.  The closing line is `N passed, N failed, N skipped`; the exit
# status is non-zero if anything failed.
#
# NEXUS_CHECK_KERNELS (default "stock debug backports") picks the guest runs.
# The debug kernel's guest tests run beside the others (two lanes) when the
# machine has two CPUs or more: an emulated guest keeps about one busy.
# NEXUS_CHECK_LANES=1 runs them one kernel after the other.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=${NEXUS_CHECK_KERNELS:-stock debug backports}
lanes=${NEXUS_CHECK_LANES:-$(($(nproc) >= 2 ? 2 : 1))}
passed=0 failed=0 skipped=0
summary=()
t0=$(date +%s)

# step <name> <command...>: one pass/fail entry.
step() {
	local name=$1 start rc
	shift
	start=$(date +%s)
	echo "=== $name"
	"$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		summary+=("PASS  $name ($(($(date +%s) - start)) s)")
	else
		failed=$((failed + 1))
		summary+=("FAIL  $name ($(($(date +%s) - start)) s)")
	fi
	return "$rc"
}

# guest <kernel> <results>: every guest test that applies to it; appends
# "passed failed skipped|summary line" to <results>.
guest() {
	local kind=$1 results=$2 start log line p f s
	start=$(date +%s)
	log=$(mktemp)
	echo "=== guest tests on the $kind kernel"
	tests/vm/vmtest -k "$kind" 2>&1 | tee "$log"
	line=$(tail -n 1 "$log")
	rm -f "$log"
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	else
		p=0 f=1 s=0	# the harness itself broke down
	fi
	echo "$p $f $s|$([ "$f" = 0 ] && echo PASS || echo FAIL)  guest tests on $kind: $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)" >>"$results"
}

# selftest <kernel> <results>: the harness must fail what it should fail
# (tests/vm/selftest/); one entry in <results>.
selftest() {
	local start ok=1 verdict=PASS
	start=$(date +%s)
	echo "=== harness self-test ($1)"
	tests/vm/selftest/run "$1" || { ok=0 verdict=FAIL; }
	echo "$ok $((1 - ok)) 0|$verdict  harness self-test ($1) ($(($(date +%s) - start)) s)" >>"$2"
}

# lane <results> <kernel>...: for each kernel its harness self-test, then
# its guest tests.
lane() {
	local results=$1 k
	shift
	for k in "$@"; do
		selftest "$k" "$results"
	done
	for k in "$@"; do
		guest "$k" "$results"
	done
}

# guests <kernel>...: the self-tests and guest tests of each kernel, in
# lanes, counted.  (The self-test has cases for stock and debug only.)
guests() {
	local results bg=() fg=() k lane_log pid p f s line
	results=$(mktemp)
	lane_log=$(mktemp)
	for k in "$@"; do
		if [ "$lanes" -ge 2 ] && [ "$k" = debug ]; then bg+=("$k"); else fg+=("$k"); fi
	done
	pid=
	if [ ${#bg[@]} -gt 0 ]; then
		echo "=== ${bg[*]}: self-test and guest tests run beside the others; their log follows"
		(lane "$results" "${bg[@]}") >"$lane_log" 2>&1 &
		pid=$!
	fi
	for k in "${fg[@]}"; do
		[ "$k" = backports ] || selftest "$k" "$results"
	done
	for k in "${fg[@]}"; do
		guest "$k" "$results"
	done
	if [ -n "$pid" ]; then
		wait "$pid"
		cat "$lane_log"
	fi
	while IFS='|' read -r counts line; do
		read -r p f s <<<"$counts"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		summary+=("$line")
	done <"$results"
	rm -f "$results" "$lane_log"
}

step "setup (apt packages)" scripts/setup.sh || { echo "check: setup failed, stopping" >&2; exit 1; }
step "nexusctl and the test tools build (-Werror)" make --no-print-directory test-tools
step "nexusctl unit tests" make --no-print-directory ctl-test
# The kept corpus and crashers replayed, then each target fuzzed briefly.
step "libFuzzer on the on-disk parsing code (${NEXUS_CHECK_FUZZ_TIME:-30} s each)" \
	make --no-print-directory fuzz FUZZ_TIME="${NEXUS_CHECK_FUZZ_TIME:-30}"
step "harness unit tests" python3 tests/vm/test_vmtest.py
step "checkpatch --strict" make --no-print-directory checkpatch
for k in stock backports; do
	step "nexus.ko for $k, W=1 and sparse (C=2)" \
		make --no-print-directory sparse KERNELS=$k
done
# DKMS's build for the stock kernel, on the host; the reboot guest test
# installs it instead of compiling under emulation.
step "DKMS builds nexus for stock (dkms mktarball)" scripts/dkms-tarball.sh stock
# The Debian packages (the reboot guest test installs them).
step "Debian packages nexusctl and nexus-dkms (dpkg-buildpackage)" scripts/deb.sh
step "debug kernel (built once, cached)" make --no-print-directory debug-kernel &&
	step "nexus.ko and nexus_kunit.ko for debug, W=1" make --no-print-directory modules KERNELS=debug
# shellcheck disable=SC2086 # a list of kernels
guests $kernels

echo
echo "=== summary ($(($(date +%s) - t0)) s)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
