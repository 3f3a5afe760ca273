# SPDX-License-Identifier: GPL-2.0
# Sourced by the nexus guest tests, after common.sh and pool.sh: lookups
# in `nexusctl -j nexus show`, waits for rebuilds, leg comparison.

# nexus_teardown <name>: stop the nexus (erasing labels) if it is there.
nexus_teardown() {
	if nexusctl nexus show "$1" >/dev/null 2>&1; then
		nexusctl nexus destroy "$1"
	fi
}

# child_uuid <nexus> <uri>: the uuid of the child given as <uri>.
child_uuid() {
	nexusctl -j nexus show "$1" |
		jq -er --arg u "$2" '.children[] | select(.uri == $u) | .uuid' ||
		fail "nexus $1 has no child $2"
}

# child_field <nexus> <child uuid> <jq path>: one field of a child.
child_field() {
	local v
	v=$(nexusctl -j nexus show "$1" |
		jq -r --arg u "$2" ".children[] | select(.uuid == \$u) | $3")
	[ -n "$v" ] && [ "$v" != null ] || fail "nexus $1: no field $3 for child $2"
	echo "$v"
}

# wait_synced <nexus> <child uuid> [seconds]: wait for its rebuild to end
# with the child in sync; a child that ends up faulted fails the test.
wait_synced() {
	local state i
	for ((i = 0; i < ${3:-300} * 5; i++)); do
		state=$(child_field "$1" "$2" .state)
		case $state in
		synced) return 0 ;;
		faulted) fail "child $2 of $1 faulted: $(child_field "$1" "$2" .reason)" ;;
		esac
		sleep 0.2
	done
	fail "child $2 of $1 not in sync after ${3:-300} s (state $state)"
}

# bitmap_settle <nexus>: wait until the write-intent bitmap is clean, so
# that what a partial rebuild copies is only what comes after.
bitmap_settle() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(nexusctl -j nexus show "$1" | jq -r .bitmap_dirty_chunks)" = 0 ] && return 0
		sleep 0.5
	done
	fail "the bitmap of $1 is still dirty after 50 s"
}

# legs_identical <nexus>: every in-sync child holds the same volume bytes.
legs_identical() {
	local json size off first dev
	json=$(nexusctl -j nexus show "$1")
	size=$(jq -r .size <<<"$json")
	off=$(jq -r .data_offset <<<"$json")
	first=
	for dev in $(jq -r '.children[] | select(.state == "synced") | .device' <<<"$json"); do
		if [ -z "$first" ]; then
			first=$dev
			continue
		fi
		blockdev --flushbufs "$first" "$dev"
		cmp -n "$size" -i "$off:$off" "$first" "$dev" ||
			fail "legs $first and $dev of $1 differ"
	done
	[ -n "$first" ] || fail "nexus $1 has no child in sync"
	echo "legs of $1 identical over $size bytes"
}
