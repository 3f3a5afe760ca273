#!/bin/bash
# Run the KUnit suites (kunit/*.c, built as nexus_kunit.ko) and report
# their KTAP results; any case that is not ok fails the test.
# nexus-test: kernels=debug timeout=600
. "$(dirname "$0")/../lib/common.sh"

[ -d /sys/kernel/debug/kunit ] || fail "this kernel has no KUnit debugfs"
at_exit "rmmod nexus_kunit 2>/dev/null"
expect_rc 0 modprobe nexus_kunit
suites=$(ls /sys/kernel/debug/kunit)
found=0
for suite in $suites; do
	case $suite in nexus-*) ;; *) continue ;; esac
	found=$((found + 1))
	results=/sys/kernel/debug/kunit/$suite/results
	cat "$results"
	grep -q "^ok [0-9]* $suite" "$results" || fail "KUnit suite $suite did not pass"
	! grep -q "not ok" "$results" || fail "KUnit suite $suite has failing cases"
done
[ "$found" -gt 0 ] || fail "no nexus KUnit suite ran"
echo "kunit: $found suite(s) passed"
