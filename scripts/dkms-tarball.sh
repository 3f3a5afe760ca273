#!/bin/bash
# DKMS builds nexus for a kernel on this machine, against that kernel's
# headers, in a tree of its own under build/dkms/ (the machine's
# /var/lib/dkms and /usr/src are not touched), and packs the result with
# `dkms mktarball`: the reboot guest test has the nexus-dkms package's
# postinst load it (a prebuilt tarball in /usr/share/nexus-dkms/) and
# install it, instead of compiling under emulation (minutes, not seconds).
#
# usage: scripts/dkms-tarball.sh <stock|backports|debug>
#        scripts/dkms-tarball.sh --digest
# Prints the tarball's path; beside it, sources.sha256 holds the digest of
# the sources it was built from, which --digest prints for the tree as it
# is now (the reboot test uses a tarball only when the two agree).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sources=(Kbuild Makefile dkms.conf kmod include kunit)

# digest: one sha256 over every source file DKMS gets (not build output).
digest() {
	(cd "$top" && find "${sources[@]}" -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' ! -name '.*' \
		-print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
if [ "${1:-}" = --digest ]; then
	digest
	exit 0
fi
kind=${1:?usage: dkms-tarball.sh <kernel kind>}
release=$("$top/scripts/kernels.sh" "$kind" release)
kdir=$("$top/scripts/kernels.sh" "$kind" kdir)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
out=$top/build/dkms/$release
tarball=$out/nexus-$version-$release.dkms.tar.gz
trees=(--dkmstree "$out/tree" --sourcetree "$out/src")

rm -rf "$out"
mkdir -p "$out/tree" "$out/src/nexus-$version"
(cd "$top" && cp -r "${sources[@]}" "$out/src/nexus-$version/")
digest >"$out/sources.sha256"
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
