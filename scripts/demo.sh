#!/bin/bash
# The demo (make demo): set up the machine, build, and boot a guest on
# Debian's stock 6.1 kernel that loads nexus and talks to it (the script
# is tests/demo/foundation.sh; its output is printed here).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/setup.sh
make --no-print-directory ctl modules KERNELS=stock
tests/vm/vmtest -k stock --show tests/demo/foundation.sh
