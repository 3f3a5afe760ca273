#!/bin/bash
# checkpatch.pl --strict, from Debian's linux-source-6.1, on the files given
# (make checkpatch: the module's and the KUnit suites' sources).  Exits
# non-zero on any error, warning or check.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$("$top/scripts/linux-source.sh")
cd "$top"
"$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f "$@"
echo "checkpatch: $# files clean"
