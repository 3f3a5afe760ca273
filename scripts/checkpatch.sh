#!/bin/bash
# checkpatch.pl --strict, from Debian's linux-source-6.1, on the files given
# (make checkpatch: the module's and the KUnit suites' sources).  Exits
# non-zero on any error, warning or check.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$("$top/scripts/linux-source.sh")
cd "$top"
# Trace headers (kmod/*_trace.h) are laid out the way the kernel's own are
# (include/trace/events/): TRACE_EVENT's parts open a line with '(' and
# align on the event.  checkpatch knows nothing of that layout; for them,
# and them only, those two checks are off (the header says so too).
files=() traces=()
for f in "$@"; do
	case $f in
	*_trace.h) traces+=("$f") ;;
	*) files+=("$f") ;;
	esac
done
cp=("$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f)
[ ${#files[@]} = 0 ] || "${cp[@]}" "${files[@]}"
[ ${#traces[@]} = 0 ] || "${cp[@]}" --ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT "${traces[@]}"
echo "checkpatch: $# files clean"
