#!/bin/bash
# DKMS builds nexus for a kernel on this machine, against that kernel's
# headers, in a tree of its own under build/dkms/ (the machine's
# /var/lib/dkms and /usr/src are not touched), and packs the result with
# `dkms mktarball`: the dkms guest test loads it with `dkms ldtarball` and
# installs it, instead of compiling under emulation (minutes, not seconds).
#
# usage: scripts/dkms-tarball.sh <stock|backports|debug>
# Prints the tarball's path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:?usage: dkms-tarball.sh <kernel kind>}
release=$("$top/scripts/kernels.sh" "$kind" release)
kdir=$("$top/scripts/kernels.sh" "$kind" kdir)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
out=$top/build/dkms/$release
tarball=$out/nexus-$version-$release.dkms.tar.gz
trees=(--dkmstree "$out/tree" --sourcetree "$out/src")

rm -rf "$out"
mkdir -p "$out/tree" "$out/src/nexus-$version"
cp -r "$top"/{Kbuild,Makefile,dkms.conf,kmod,include,kunit} "$out/src/nexus-$version/"
{
	dkms add -m nexus -v "$version" "${trees[@]}"
	dkms build -m nexus -v "$version" -k "$release" --kernelsourcedir "$kdir" "${trees[@]}"
	dkms mktarball -m nexus -v "$version" -k "$release" "${trees[@]}" --archive="$tarball"
} >"$out/dkms.log" 2>&1 || {
	tail -n 30 "$out/dkms.log" >&2
	cat "$out/tree/nexus/$version/build/make.log" >&2 2>/dev/null || true
	exit 1
}
# DKMS only warns when a step of dkms.conf (its CLEAN) fails.
if grep -q "bad exit status" "$out/dkms.log"; then
	cat "$out/dkms.log" >&2
	exit 1
fi
echo "$tarball"
