#!/bin/bash
# Bad input gets a clear error and loses nothing: corrupt and truncated
# pool devices, devices in use, names and uuids that exist, sizes that
# overflow, a full pool (thin writers get ENOSPC, the pool stays
# consistent).  Every refusal leaves the pool as it was.
# nexus-test: disk=nvme:512M disk=virtio:128M timeout=900 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1 small=/dev/vda
at_exit unload_nexus
at_exit pool_teardown p1
at_exit pool_teardown p2
at_exit "losetup -D"

# digest <dev>: the pool's metadata region, to show a refusal wrote nothing.
digest() { dd if="$1" bs=1M count=16 iflag=direct status=none | md5sum; }

step "names, uuids and sizes the module refuses, each with its reason"
expect_rc 0 nexusctl pool create p1 $dev
expect_rc 1 nexusctl pool create "bad name" $small
expect_in "$ERR" "pool create: pool: names are 1 to 63 of A-Z a-z 0-9 . _ -"
expect_rc 1 nexusctl pool create p1 $small
expect_in "$ERR" "a pool with this name exists"
expect_rc 1 nexusctl pool create by-uuid $small
expect_in "$ERR" "by-name and by-uuid are reserved"
expect_rc 1 nexusctl pool create p2 $small --cluster-size 3M
expect_in "$ERR" "cluster size must be a power of two"
expect_rc 1 nexusctl pool create p2 $small --cluster-size 2G
expect_in "$ERR" "cluster-size: "
expect_in "$ERR" "(allowed: 1048576 to 1073741824 bytes)"
expect_rc 1 nexusctl pool create p2 $small --max-replicas 70000
expect_in "$ERR" "(allowed: 1 to 65536)"
expect_rc 1 nexusctl pool create p2 $dev
expect_in "$ERR" "device is in use"
expect_rc 0 nexusctl -j replica create p1 r1 64M
uuid=$(jqf "$OUT" .uuid)
expect_rc 1 nexusctl replica create p1 r1 64M
expect_in "$ERR" "exists"
expect_rc 1 nexusctl replica create p1 r2 64M --uuid "$uuid"
expect_in "$ERR" "uuid"
expect_rc 1 nexusctl replica create p1 r2 1000
expect_in "$ERR" "size must be a non-zero multiple of 4 KiB"
expect_rc 1 nexusctl replica create p1 r2 1T
expect_in "$ERR" "size exceeds the pool's capacity"
expect_rc 1 nexusctl replica create p1 r2 18446744073709547520 --thin
expect_in "$ERR" "size exceeds what a replica map can address"
expect_rc 2 nexusctl replica create p1 r2 16E
expect_in "$ERR" "is not a size"
expect_rc 1 nexusctl replica create p1 r2 1G --prop "bad key=1"
expect_in "$ERR" "property keys are 1 to 63 printable ASCII characters"
expect_rc 1 nexusctl replica create p1 r2 1G --prop "$(printf 'zone=z\303\274rich')"
expect_in "$ERR" "property values are printable ASCII"
expect_rc 1 nexusctl replica resize p1 r1 5G
expect_in "$ERR" "size exceeds the pool's capacity"
expect_rc 1 nexusctl replica show p1 nope
expect_in "$ERR" "no such replica in the pool"
expect_rc 1 nexusctl pool show nope
expect_in "$ERR" "no such pool"
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .replicas)" 1 "replicas after the refusals"
expect_eq "$(jqf "$OUT" .used)" $((64 << 20)) "used after the refusals"

step "a replica in use is neither destroyed nor shrunk"
# Opened here, held by a process the cleanup can kill.
exec {fd}<"/dev/$(nexusctl -j replica show p1 r1 | jq -r .device)"
sleep 600 <&$fd &
holder=$!
exec {fd}<&-
at_exit "kill $holder 2>/dev/null; wait $holder 2>/dev/null; true"
expect_rc 1 nexusctl replica destroy p1 r1
expect_in "$ERR" "in use"
expect_rc 1 nexusctl replica resize p1 r1 32M
expect_in "$ERR" "in use"
expect_rc 1 nexusctl pool export p1
expect_in "$ERR" "a replica of the pool is in use"
kill $holder
wait $holder || true

step "a full pool: thin writers get ENOSPC, the pool stays consistent"
expect_rc 0 nexusctl -j replica create p1 big 1G --thin
big=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j pool show p1
free=$(jqf "$OUT" .free)
run dd if=/dev/urandom of="$big" bs=4M oflag=direct status=none
[ "$RC" != 0 ] || fail "writing past the pool's space succeeded"
expect_in "$ERR" "No space left on device"
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .free)" 0 "free space of a full pool"
expect_rc 0 nexusctl -j replica show p1 big
expect_eq "$(jqf "$OUT" .allocated)" "$free" "what the thin replica got"
expect_rc 1 nexusctl replica create p1 thick2 4M
expect_in "$ERR" "pool has not enough free space"
# What it acknowledged is there: the first clusters read back.
dd if="$big" bs=4M count=2 iflag=direct status=none | md5sum >before
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict on a full pool"
expect_rc 0 nexusctl pool import $dev
cmp before <(dd if="$big" bs=4M count=2 iflag=direct status=none | md5sum) ||
	fail "a full pool lost acknowledged data"
expect_rc 0 blkdiscard "$big"
# Freed clusters are reusable once the free is committed: a flush commits.
expect_rc 0 sync "$big"
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .used)" $((64 << 20)) "used after discarding the thin replica"

step "a truncated pool device is refused, and left as it is"
expect_rc 0 nexusctl pool create p2 $small
expect_rc 0 nexusctl pool export p2
modprobe loop 2>/dev/null || true
loop=$(losetup --sizelimit $((64 << 20)) -f --show $small)
sum=$(digest "$loop")
expect_rc 1 nexusctl pool import "$loop"
expect_in "$ERR" "device is smaller than the pool (truncated?)"
expect_rc 1 nexusctl pool check "$loop"
expect_eq "$(digest "$loop")" "$sum" "truncated device after the refused import"
losetup -d "$loop"
expect_rc 0 nexusctl pool import $small

step "damaged metadata is refused on import, reported by the checker"
expect_rc 0 nexusctl -j pool check $dev
expect_in "$ERR" "in use"
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
off=$(jqf "$OUT" .metadata_offset)
# One byte of the first block of the metadata copy an import would use.
printf '\x5a' | dd of=$dev bs=1 seek=$((off + 200)) conv=notrunc oflag=direct status=none 2>/dev/null ||
	printf '\x5a' | dd of=$dev bs=1 seek=$((off + 200)) conv=notrunc,fsync status=none
sum=$(digest $dev)
expect_rc 1 nexusctl pool import $dev
expect_in "$ERR" "pool import: metadata is damaged (kernel log, or nexusctl pool check, says how)"
expect_eq "$(digest $dev)" "$sum" "damaged device after the refused import"
expect_rc 1 nexusctl pool check $dev
expect_in "$OUT" "bad checksum"
expect_in "$OUT" "result      DAMAGED"
expect_rc 1 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" false "checker verdict on a damaged pool"
expect_rc 1 nexusctl pool check /dev/null
# An imported pool can be checked, with a warning that it may change.
expect_rc 0 nexusctl pool check $small
expect_in "$ERR" "is in use (an imported pool?)"
