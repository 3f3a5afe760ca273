#!/bin/bash
# Install every Debian package that building, testing and the demo need, on
# Debian 12 (bookworm): compilers, Debian's 6.1 kernel image, headers and
# source, QEMU, the libraries nexusctl links, the tools the guest tests run,
# and a 6.12 kernel with headers from bookworm-backports.
#
# Idempotent: when everything is there it makes no apt call at all.
# Runs apt as root, through sudo when not root.
# NEXUS_NO_BACKPORTS=1 skips the 6.12 kernel.
set -euo pipefail

packages=(
	# building the module, the debug kernel and nexusctl
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
	xz-utils pkg-config sparse dkms
	# the Debian packages (dpkg-buildpackage)
	debhelper dh-dkms
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libnvme-dev libblkid-dev
	# Debian 12's kernel, its headers and its source (debug kernel, checkpatch)
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# the guest harness
	qemu-system-x86 busybox-static python3
	# what the guest tests run (from the host's root file system)
	jq iproute2 util-linux nvme-cli fio udev e2fsprogs nftables python3-jsonschema
	# iostat, which the observe test reads the devices' statistics with
	sysstat
	# what the benchmark runs in the guest (perf for its profiles), and its
	# chart on the host
	mdadm dmsetup mariadb-server sysbench gnuplot-nox linux-perf
	# the fuzzers of the on-disk parsing code (libFuzzer, sanitizers)
	clang libclang-rt-14-dev
)

sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "setup.sh: run as root (no sudo)" >&2; exit 1; }
	sudo=sudo
fi
apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@"; }

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
updated=
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	apt_get update
	updated=1
	apt_get install --no-install-recommends "${missing[@]}"
fi

# A 6.12 kernel, image and headers, from bookworm-backports.
have_612() {
	local d
	for d in /lib/modules/6.12.*-amd64; do
		[ -f "$d/build/include/generated/utsrelease.h" ] && [ -f "/boot/vmlinuz-${d##*/}" ] && return 0
	done
	return 1
}
if [ "${NEXUS_NO_BACKPORTS:-0}" != 1 ] && ! have_612; then
	if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deb http://deb.debian.org/debian bookworm-backports main" |
			$sudo tee /etc/apt/sources.list.d/nexus-bookworm-backports.list >/dev/null
		updated=
	fi
	[ -n "$updated" ] || apt_get update
	# The newest 6.12 release that has both an image and headers.
	release=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V |
		while read -r r; do
			apt-cache show "linux-image-$r" >/dev/null 2>&1 && echo "$r"
		done | tail -n 1)
	[ -n "$release" ] || { echo "setup.sh: no 6.12 kernel in bookworm-backports" >&2; exit 1; }
	echo "setup.sh: installing the backports kernel $release"
	apt_get install --no-install-recommends "linux-image-$release" "linux-headers-$release"
fi
echo "setup.sh: all packages present"
