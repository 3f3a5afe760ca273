#!/bin/bash
# Print the directory of Debian's linux-source-6.1, unpacked (once, under a
# lock) into the cache outside the tree: $NEXUS_CACHE, default
# ~/.cache/nexus.  Used by the debug kernel build and by checkpatch.
set -euo pipefail

cache=${NEXUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus}
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "linux-source.sh: $tarball missing (apt install linux-source-6.1)" >&2; exit 1; }

version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
src=$cache/src/linux-source-6.1-$version
if [ ! -f "$src/.unpacked" ]; then
	mkdir -p "$cache/src"
	exec 9>"$cache/src/.lock"
	flock 9
	if [ ! -f "$src/.unpacked" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -xf "$tarball" -C "$src" --strip-components=1
		touch "$src/.unpacked"
	fi
fi
echo "$src"
