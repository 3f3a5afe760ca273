#!/bin/bash
# DKMS: the module built by DKMS for the running kernel, installed with
# `dkms install`, loaded with modprobe, talked to, removed again.
#
# The build: `make check` has DKMS build it on the host against this
# kernel's headers (scripts/dkms-tarball.sh: dkms add, build and
# mktarball, in a tree of its own); here `dkms ldtarball` takes it up.
# Compiling under emulation took 6 to 8 minutes of CI; the host does it
# in 15 s, with the same dkms.conf, headers and probes.  Without a
# tarball built from the sources as they are now (the test run by hand
# after a change), DKMS builds it here, as on bare metal.
#
# Stock 6.1 only: what it adds on 6.12 (dkms.conf, the dkms-build target,
# the probes run by DKMS) is the same there; the module's build against
# 6.12 is checked by `make sparse KERNELS=backports` with W=1 on every run.
# nexus-test: kernels=stock timeout=1200
. "$(dirname "$0")/../lib/common.sh"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$NEXUS_TOP/dkms.conf")
release=$(uname -r)
src=/usr/src/nexus-$version

at_exit unload_nexus
unload_nexus

step "the harness's copy of nexus.ko goes away: DKMS's must be the one found"
rm -f "/lib/modules/$release/extra/nexus.ko"
depmod -a "$release"
run modinfo -n nexus
[ "$RC" != 0 ] || fail "nexus.ko still found after removing it: $OUT"

at_exit "dkms remove -m nexus -v $version --all >/dev/null 2>&1; rm -rf $src"
tarball=$NEXUS_TOP/build/dkms/$release/nexus-$version-$release.dkms.tar.gz
built_from=$(cat "${tarball%/*}/sources.sha256" 2>/dev/null || true)
if [ -f "$tarball" ] && [ "$built_from" = "$("$NEXUS_TOP/scripts/dkms-tarball.sh" --digest)" ]; then
	step "dkms ldtarball (DKMS's build on the host, for this kernel), install"
	expect_rc 0 dkms ldtarball "$tarball"
	expect_rc 0 dkms status -m nexus -v "$version" -k "$release"
	expect_in "$OUT" "built"
	[ -d "$src/kmod" ] || fail "ldtarball left no sources in $src"
else
	step "dkms add, build (no current tarball from the host: here), install"
	mkdir -p "$src"
	cp -r "$NEXUS_TOP"/{Kbuild,Makefile,dkms.conf,kmod,include,kunit} "$src/"
	expect_rc 0 dkms add -m nexus -v "$version"
	run dkms build -m nexus -v "$version" -k "$release"
	if [ "$RC" != 0 ]; then
		cat "/var/lib/dkms/nexus/$version/build/make.log" || true
		fail "dkms build exited $RC"
	fi
	# DKMS runs dkms.conf's CLEAN before building and only warns if it fails.
	[[ $OUT != *"bad exit status"* ]] || fail "a DKMS step failed: $OUT"
fi
expect_rc 0 dkms install -m nexus -v "$version" -k "$release"
expect_rc 0 dkms status -m nexus -v "$version" -k "$release"
expect_in "$OUT" "installed"

step "modprobe loads the DKMS build, which answers over netlink"
expect_rc 0 modinfo -n nexus
expect_in "$OUT" "/updates/dkms/nexus.ko"
expect_rc 0 modprobe nexus
expect_eq "$(cat /sys/module/nexus/version)" "$version" "loaded module version"
expect_rc 0 nexusctl -j version
expect_eq "$(jq -r .module.version <<<"$OUT")" "$version" "module version over netlink"
expect_rc 0 rmmod nexus

step "dkms remove takes it away"
expect_rc 0 dkms remove -m nexus -v "$version" --all
run modinfo -n nexus
[ "$RC" != 0 ] || fail "nexus.ko still installed after dkms remove: $OUT"
echo "dkms: ok"
