#!/bin/bash
# Build (once) the project's debug kernel from Debian's linux-source-6.1 and
# print the directory that holds it.
#
# The kernel is cached outside the tree, in $NEXUS_CACHE (default
# ~/.cache/nexus), under a key that hashes every input: the config fragment,
# this script, the linux-source-6.1 package version and the compiler version.
# A second run with the same inputs prints the cached directory at once.
#
# The directory holds:
#   bzImage          the kernel the guest boots
#   build/           the O= build tree (out-of-tree modules build against it)
#   modroot/         modules_install output (lib/modules/<release>/...)
#   release          the kernel release string
#   build.log        the build's log; build-seconds, its wall time
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
cache=${NEXUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${NEXUS_KERNEL_JOBS:-$(($(nproc) + 1))}

[ -r "$tarball" ] || { echo "build-debug-kernel: $tarball missing (apt install linux-source-6.1)" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
ccver=$(gcc --version | head -n 1)
key=$( { cat "$fragment" "$0"; echo "$srcver"; echo "$ccver"; } | sha256sum | cut -c1-16)
dir=$cache/kernels/debug-$key

if [ -f "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache/kernels"
exec 9>"$cache/kernels/.lock-$key"
flock 9
if [ -f "$dir/.done" ]; then	# built by whoever held the lock
	echo "$dir"
	exit 0
fi

src=$("$here/../../scripts/linux-source.sh")

rm -rf "$dir"
mkdir -p "$dir/build"
log=$dir/build.log
start=$(date +%s)
echo "build-debug-kernel: building $dir with -j$jobs (log: $log)" >&2

kmake() { make -C "$src" O="$dir/build" ARCH=x86_64 "$@" >>"$log" 2>&1; }

kmake allnoconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" "$dir/build/.config" "$fragment" >>"$log" 2>&1
kmake olddefconfig

# Every option the fragment sets must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$dir/build/.config" || { echo "build-debug-kernel: not applied: $line" >&2; missing=1; }
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		if grep -q "^$opt=" "$dir/build/.config"; then
			echo "build-debug-kernel: not applied: $line" >&2
			missing=1
		fi
		;;
	esac
done <"$fragment"
[ "$missing" = 0 ] || { echo "build-debug-kernel: fix $fragment (dependencies?)" >&2; exit 1; }

kmake -j"$jobs" bzImage modules || { tail -n 40 "$log" >&2; exit 1; }
kmake INSTALL_MOD_PATH="$dir/modroot" modules_install
cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
make -s -C "$src" O="$dir/build" ARCH=x86_64 kernelrelease >"$dir/release"
echo $(($(date +%s) - start)) >"$dir/build-seconds"
touch "$dir/.done"
echo "build-debug-kernel: done in $(cat "$dir/build-seconds") s" >&2
echo "$dir"
