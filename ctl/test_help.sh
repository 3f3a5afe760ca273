#!/bin/bash
# nexusctl's help and completion agree: every object and verb that the
# bash completion offers has `--help` (exit 0, an entry naming it), and a
# verb that does not exist has none (exit 2).  Runs on the host, without
# the module: help never talks to it.
# usage: ctl/test_help.sh <nexusctl>
set -euo pipefail
ctl=${1:?usage: test_help.sh <nexusctl>}
comp=$(dirname "$0")/completion.bash
fails=0 n=0

# The completion's "<object>) verbs=\"...\" ;;" lines, continuation included.
pairs=$(sed -n '/case \$obj in/,/esac/p' "$comp" | tr '\n\t' '  ' |
	grep -o '[a-z]*) verbs="[^"]*"' | sed 's/) verbs="/ /; s/"$//')
[ -n "$pairs" ] || { echo "test_help: no verbs found in $comp" >&2; exit 1; }
while read -r obj verbs; do
	for verb in $verbs; do
		[ "$obj.$verb" = monitor.count ] && verb=
		n=$((n + 1))
		if ! out=$("$ctl" $obj $verb --help 2>&1) || [[ $out != *"  $obj"* ]]; then
			echo "FAIL: nexusctl $obj $verb --help: $out" >&2
			fails=$((fails + 1))
		fi
	done
done <<<"$pairs"
for cmd in stats version; do
	n=$((n + 1))
	out=$("$ctl" $cmd --help 2>&1) && [[ $out == *"  $cmd"* ]] ||
		{ echo "FAIL: nexusctl $cmd --help: $out" >&2; fails=$((fails + 1)); }
done
for cmd in "pool frobnicate" "nexus teleport"; do
	n=$((n + 1))
	rc=0
	"$ctl" $cmd --help >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || { echo "FAIL: nexusctl $cmd --help exited $rc, not 2" >&2; fails=$((fails + 1)); }
done
echo "test_help: $n commands, $fails failed"
[ "$fails" = 0 ]
