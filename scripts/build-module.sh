#!/bin/bash
# Build nexus.ko, and nexus_kunit.ko where the kernel has KUnit, for one
# kernel, warning-free at W=1: compiler warnings are errors (so no object
# is left behind for a later build to skip), and sparse or modpost warnings
# in the log fail the build.
#
# usage: scripts/build-module.sh <kernel build dir> [make arguments, e.g. C=2]
#
# Kbuild of 6.1 puts an external module's objects beside its sources, so
# each kernel gets its own tree of symlinks to the sources,
# build/<kernel release>/, and the builds for several kernels never mix.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: build-module.sh <kernel build dir> [make args]}
shift
[ -f "$kdir/include/generated/utsrelease.h" ] ||
	{ echo "build-module: $kdir is not a configured kernel build tree" >&2; exit 1; }
release=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")
out=${NEXUS_BUILD:-$top/build}/$release

mkdir -p "$out"
ln -sfn "$top/Kbuild" "$out/Kbuild"
ln -sfn "$top/dkms.conf" "$out/dkms.conf"
for d in kmod include kunit; do
	mkdir -p "$out/$d"
	cp -rsf "$top/$d/." "$out/$d/"
done

"$top/kmod/compat/probe.sh" "$kdir" "$out"

log=$out/build.log
set +e
make -C "$kdir" M="$out" W=1 KCFLAGS=-Werror "$@" modules 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || exit "$rc"
if grep -E -q '(warning|error):|^WARNING:' "$log"; then
	echo "build-module: warnings in the build for $release (see above); refusing them" >&2
	exit 1
fi
