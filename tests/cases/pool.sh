#!/bin/bash
# Pools and replicas, the way an admin uses them: a pool on an emulated
# NVMe namespace, thick and thin replicas written and read back with fio
# verify, udev names, accounting, resize, the module unloaded and loaded
# again with the data intact, the offline checker, destroy.
# nexus-test: disk=nvme:1G timeout=900 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1
at_exit unload_nexus
at_exit pool_teardown p1

step "a device with a file system is refused, then taken with --force"
expect_rc 0 mkfs.ext4 -q -F $dev 64M
expect_rc 1 nexusctl pool create p1 $dev
expect_in "$ERR" "holds data: ext4 (filesystem); refusing to overwrite it"
expect_rc 0 nexusctl -j pool create p1 $dev --force
expect_eq "$(jqf "$OUT" .name)" p1 "pool name"
expect_eq "$(jqf "$OUT" .state)" online "pool state"
expect_eq "$(jqf "$OUT" .cluster_size)" $((4 << 20)) "default cluster size"
expect_eq "$(jqf "$OUT" .used)" 0 "used bytes of a new pool"
expect_eq "$(jqf "$OUT" .replicas)" 0 "replicas of a new pool"
capacity=$(jqf "$OUT" .capacity)
[ "$capacity" -gt $((900 << 20)) ] && [ "$capacity" -le $((1 << 30)) ] ||
	fail "capacity $capacity of a 1 GiB device"
expect_rc 2 blkid -p $dev	# 2: nothing found

step "list and show, as a table and as JSON"
expect_rc 0 nexusctl pool list
expect_in "$OUT" "p1 "
expect_in "$OUT" "$dev"
expect_rc 0 nexusctl -j pool list
expect_eq "$(jqf "$OUT" '.[0].name')" p1 "listed pool"
expect_rc 0 nexusctl pool show p1
expect_in "$OUT" "cluster-size   4 MiB"

step "a thick replica: all its clusters up front, data verified"
expect_rc 0 nexusctl -j replica create p1 thick 256M --prop owner=vol-7
thick=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .thin)" false "thick replica"
expect_eq "$(jqf "$OUT" .allocated)" $((256 << 20)) "thick allocation"
expect_eq "$(jqf "$OUT" .properties.owner)" vol-7 "owner property"
thick_uuid=$(jqf "$OUT" .uuid)
expect_eq "$(blockdev --getsize64 "$thick")" $((256 << 20)) "thick device size"
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .used)" $((256 << 20)) "pool used after a thick replica"
fio_write "$thick" 64M 0 thick

step "a thin replica: clusters on first write, zeros elsewhere"
expect_rc 0 nexusctl -j replica create p1 thin 2G --thin
thin=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .allocated)" 0 "a new thin replica's allocation"
expect_eq "$(blockdev --getsize64 "$thin")" $((2 << 30)) "thin device size (overprovisioned)"
cmp <(dd if="$thin" bs=1M count=16 iflag=direct status=none) <(head -c 16M /dev/zero) ||
	fail "unwritten thin replica does not read zeros"
fio_write "$thin" 32M 1G thin
expect_rc 0 nexusctl -j replica show p1 thin
expect_eq "$(jqf "$OUT" .allocated)" $((32 << 20)) "thin allocation after 32 MiB of writes"
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .used)" $(((256 + 32) << 20)) "pool used"

step "udev names them by pool and name, and by uuid"
mkdir -p /run/udev/rules.d
cp "$NEXUS_TOP/udev/60-nexus.rules" /run/udev/rules.d/
expect_rc 0 udevadm test --action=add "/sys/block/${thick#/dev/}"
expect_in "$OUT$ERR" "nexus/p1/thick"
expect_in "$OUT$ERR" "nexus/by-uuid/$thick_uuid"

step "discard on thin gives whole clusters back"
expect_rc 0 blkdiscard -o $((1 << 30)) -l $((8 << 20)) "$thin"
expect_rc 0 nexusctl -j replica show p1 thin
expect_eq "$(jqf "$OUT" .allocated)" $((24 << 20)) "thin allocation after discarding 2 clusters"
cmp <(dd if="$thin" bs=1M skip=1024 count=8 iflag=direct status=none) <(head -c 8M /dev/zero) ||
	fail "discarded clusters do not read zeros"

step "resize: grow both, shrink the thick one"
expect_rc 0 nexusctl -j replica resize p1 thick 300M
expect_eq "$(blockdev --getsize64 "$thick")" $((300 << 20)) "grown thick device"
expect_rc 0 nexusctl -j replica resize p1 thin 3G
expect_eq "$(blockdev --getsize64 "$thin")" $((3 << 30)) "grown thin device"
expect_rc 0 nexusctl -j replica resize p1 thick 128M
expect_eq "$(jqf "$OUT" .allocated)" $((128 << 20)) "shrunk thick allocation"
expect_eq "$(blockdev --getsize64 "$thick")" $((128 << 20)) "shrunk thick device"
fio_verify "$thick" 64M 0 thick

step "the module goes away and comes back: import, data intact"
expect_rc 0 rmmod nexus
[ ! -e "$thick" ] || fail "$thick still there after rmmod"
expect_rc 0 modprobe nexus
expect_rc 0 nexusctl -j pool import $dev
expect_eq "$(jqf "$OUT" .name)" p1 "imported pool"
expect_eq "$(jqf "$OUT" .used)" $(((128 + 24) << 20)) "used after import"
expect_rc 0 nexusctl -j replica show p1 thick
thick=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .properties.owner)" vol-7 "owner property after import"
expect_rc 0 nexusctl -j replica show p1 thin
thin=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .size)" $((3 << 30)) "thin size after import"
fio_verify "$thick" 64M 0 thick
# The first 8 MiB of the thin job's range were discarded: verify the rest.
fio_verify "$thin" 24M $(((1 << 30) + (8 << 20))) thin-rest

step "export, the offline checker, import again"
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl pool check $dev
expect_in "$OUT" "result      clean"
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict"
expect_eq "$(jqf "$OUT" .replicas)" 2 "replicas the checker found"
expect_rc 0 nexusctl pool import $dev --name p1

step "destroy: refused with replicas, done with --force"
expect_rc 1 nexusctl pool destroy p1
expect_in "$ERR" "pool has replicas (force to destroy them too)"
expect_rc 0 nexusctl replica destroy p1 thin
expect_rc 0 nexusctl -j pool show p1
expect_eq "$(jqf "$OUT" .used)" $((128 << 20)) "used after destroying the thin replica"
expect_rc 0 nexusctl pool destroy p1 --force
expect_rc 0 nexusctl -j pool list
expect_eq "$(jq length <<<"$OUT")" 0 "pools after destroy"
expect_rc 1 nexusctl pool import $dev
expect_in "$ERR" "no nexus pool on this device"
