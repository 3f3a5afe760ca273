#!/bin/bash
# Where the kernels nexus builds for and tests on are, by kind:
#   stock      Debian 12's 6.1 (linux-image-amd64, linux-headers-amd64)
#   backports  bookworm-backports' 6.12 (scripts/setup.sh installs one)
#   debug      the project's debug kernel (tests/kernel/, built on demand)
#
# usage: scripts/kernels.sh <kind> <release|image|kdir|modroot>
# modroot is empty for kernels installed in /lib/modules.
set -euo pipefail

kind=${1:?usage: kernels.sh <stock|backports|debug> <release|image|kdir|modroot>}
field=${2:?usage: kernels.sh <kind> <release|image|kdir|modroot>}
top=$(cd "$(dirname "$0")/.." && pwd)

installed() {	# newest release matching $1 with an image and headers
	local rel best=
	for dir in /lib/modules/$1; do
		rel=${dir##*/}
		[ -f "/boot/vmlinuz-$rel" ] && [ -f "$dir/build/include/generated/utsrelease.h" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$rel" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || { echo "kernels.sh: no $kind kernel with headers installed; run scripts/setup.sh" >&2; exit 1; }
	echo "$best"
}

case $kind in
stock|backports)
	if [ "$kind" = stock ]; then
		rel=$(installed '6.1.*-amd64')
	else
		rel=$(installed '6.12.*-amd64')
	fi
	image=/boot/vmlinuz-$rel
	kdir=/lib/modules/$rel/build
	modroot=
	;;
debug)
	dir=$("$top/tests/kernel/build-debug-kernel.sh" | tail -n 1)
	rel=$(cat "$dir/release")
	image=$dir/bzImage
	kdir=$dir/build
	modroot=$dir/modroot/lib/modules/$rel
	;;
*)
	echo "kernels.sh: unknown kind '$kind' (stock, backports, debug)" >&2
	exit 1
	;;
esac

case $field in
release) echo "$rel" ;;
image) echo "$image" ;;
kdir) echo "$kdir" ;;
modroot) echo "$modroot" ;;
*) echo "kernels.sh: unknown field '$field'" >&2; exit 1 ;;
esac
