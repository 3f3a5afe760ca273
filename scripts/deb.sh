#!/bin/bash
# The Debian packages, nexusctl and nexus-dkms, built with dpkg-buildpackage
# from a copy of the tree's sources in build/deb/ (dpkg-buildpackage writes
# its results beside the source directory, and must not see build output).
# Prints the paths of the two .debs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
out=$top/build/deb
src=$out/nexus-$version
sources=(Kbuild Makefile dkms.conf kmod include kunit ctl udev systemd debian docs/man)

rm -rf "$out"
mkdir -p "$src/docs"
(cd "$top" && cp -r --parents "${sources[@]}" "$src/")
# Build output the tree may hold beside the sources (6.1's Kbuild builds in place).
find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \) -delete
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	exit 1
}
ls "$out"/nexusctl_"$version"_*.deb "$out"/nexus-dkms_"$version"_all.deb
