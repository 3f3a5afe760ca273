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
# Guests run two at a time (lanes) when the machine has two CPUs or more:
# an emulated guest keeps about one busy.  NEXUS_CHECK_LANES=N runs N.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
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

# selftest <kernel> <results>: the harness must fail what it should fail
# (tests/vm/selftest/); one entry in <results>.
selftest() {
	local start ok=1 verdict=PASS
	start=$(date +%s)
	echo "=== harness self-test ($1)"
	tests/vm/selftest/run "$1" || { ok=0 verdict=FAIL; }
	echo "$ok $((1 - ok)) 0|$verdict  harness self-test ($1) ($(($(date +%s) - start)) s)" >>"$2"
}

# count <results>: add the entries of <results> to the totals.
count() {
	local counts line p f s
	while IFS='|' read -r counts line; do
		read -r p f s <<<"$counts"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		summary+=("$line")
	done <"$1"
}

# guests <kernel>...: the harness self-tests (stock and debug have cases),
# then every guest test on every kernel in one vmtest run, $lanes guests at
# a time, longest first; one entry per kernel.
guests() {
	local results log bg_log pid='' self=() args=() k line start p f s
	results=$(mktemp)
	log=$(mktemp)
	bg_log=$(mktemp)
	for k in "$@"; do
		[ "$k" = backports ] || self+=("$k")
		args+=(-k "$k")
	done
	if [ "$lanes" -ge 2 ] && [ ${#self[@]} -ge 2 ]; then
		selftest "${self[0]}" "$results" >"$bg_log" 2>&1 &
		pid=$!
		self=("${self[@]:1}")
	fi
	for k in "${self[@]}"; do
		selftest "$k" "$results"
	done
	if [ -n "$pid" ]; then
		wait "$pid"
		cat "$bg_log"
	fi

	start=$(date +%s)
	echo "=== guest tests on $*, $lanes at a time"
	tests/vm/vmtest -j "$lanes" "${args[@]}" 2>&1 | tee "$log"
	for k in "$@"; do
		if [ $# = 1 ]; then
			line=$(tail -n 1 "$log")
		else
			line=$(grep -E "^$k: [0-9]+ passed" "$log" | tail -n 1)
			line=${line#"$k: "}
		fi
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
			p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
		else
			p=0 f=1 s=0	# the harness itself broke down
		fi
		echo "$p $f $s|$([ "$f" = 0 ] && echo PASS || echo FAIL)  guest tests on $k: $p passed, $f failed, $s skipped" >>"$results"
	done
	echo "0 0 0|      (the guest tests took $(($(date +%s) - start)) s, $lanes at a time)" >>"$results"
	# Tests that ran twice (vmtest's rerun_reason()), whatever their verdict.
	grep '^vmtest: ran twice' "$log" | sed 's/^vmtest: /0 0 0|      /' >>"$results"
	count "$results"
	rm -f "$results" "$log" "$bg_log"
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
