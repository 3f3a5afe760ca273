#!/bin/bash
# Run the KUnit suites (kunit/*.c, built as nexus_kunit.ko) and report
# their KTAP results; any case that is not ok fails the test.
# nexus-test: kernels=debug timeout=600
. "$(dirname "$0")/../lib/common.sh"

[ -d /sys/kernel/debug/kunit ] || fail "this kernel has no KUnit debugfs"
at_exit "rmmod nexus_kunit 2>/dev/null"
expect_rc 0 modprobe nexus_kunit
suites=$(ls /sys/kernel/debug/kunit)
found=0 failed=
for suite in $suites; do
	case $suite in nexus-*) ;; *) continue ;; esac
	found=$((found + 1))
	results=/sys/kernel/debug/kunit/$suite/results
	cat "$results"
	if ! grep -q "^ok [0-9]* $suite" "$results" || grep -q "not ok" "$results"; then
		failed="$failed $suite"
	fi
done
[ "$found" -gt 0 ] || fail "no nexus KUnit suite ran"
[ -z "$failed" ] || fail "KUnit suites with failing cases:$failed"
echo "kunit: $found suite(s) passed"
