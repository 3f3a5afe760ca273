#!/bin/bash
# Volume snapshots: a nexus frozen and thawed by hand and by its timeout,
# then a one-command snapshot of a busy nexus mirrored over replicas of
# two pools, while a file system on it is being written.  Both replica
# snapshots must hold the same volume, byte for byte (the nexus was
# drained); a clone of each, checked with e2fsck and mounted read-only,
# holds every file written and synced before the snapshot.
# nexus-test: disk=nvme:512M disk=nvme:512M disk=nvme:64M timeout=900 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

tmp=$(mktemp -d)
mnt=$tmp/mnt
mkdir -p "$mnt"
at_exit rm -rf "$tmp"
at_exit unload_nexus
at_exit pool_teardown p1
at_exit pool_teardown p2
at_exit nexus_teardown vol
at_exit nexus_teardown raw
at_exit "! mountpoint -q $mnt || umount $mnt"
at_exit "losetup -D"

expect_rc 0 modprobe loop

step "a nexus over replicas of two pools, ext4 on it"
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 0)"
expect_rc 0 nexusctl pool create p2 "$(nvme_disk 1)"
expect_rc 0 nexusctl replica create p1 r1 300M --thin
expect_rc 0 nexusctl replica create p2 r2 300M --thin
expect_rc 0 nexusctl -j nexus create vol replica://p1/r1 replica://p2/r2 --size 256M
nexus=/dev/$(jqf "$OUT" .device)
offset=$(jqf "$OUT" .data_offset)
expect_rc 0 mkfs.ext4 -q "$nexus"
expect_rc 0 mount "$nexus" "$mnt"
mkdir "$mnt/before"
for i in $(seq 20); do
	head -c $((256 << 10)) /dev/urandom >"$mnt/before/f$i"
done
sync -f "$mnt"
(cd "$mnt/before" && md5sum f*) >"$tmp/before.md5"

step "freeze holds IO until thawed; freeze and thaw refuse what makes no sense"
expect_rc 0 nexusctl -j nexus freeze vol --timeout 60s
until=$(jqf "$OUT" .frozen_until)
[ "$until" -gt "$(date +%s)" ] || fail "frozen_until $until is not in the future"
dd if="$nexus" of=/dev/null bs=4k count=1 skip=100 iflag=direct status=none &
reader=$!
sleep 1
kill -0 $reader 2>/dev/null || fail "a read went through a frozen nexus"
expect_rc 1 nexusctl nexus freeze vol
expect_in "$ERR" "the nexus is frozen already"
expect_rc 0 nexusctl -j nexus thaw vol
expect_eq "$(jqf "$OUT" .frozen_until)" null "frozen_until after thaw"
wait $reader || fail "the read held by the freeze failed"
expect_rc 1 nexusctl nexus thaw vol
expect_in "$ERR" "the nexus is not frozen"
expect_rc 2 nexusctl nexus freeze vol --timeout 20m

step "a freeze nobody thaws ends by itself"
monitor_start 2 "$tmp/events"
expect_rc 0 nexusctl nexus freeze vol --timeout 2s
dd if="$nexus" of=/dev/null bs=4k count=1 skip=200 iflag=direct status=none &
reader=$!
monitor_wait >/dev/null
expect_eq "$(jq -r '.what' "$tmp/events" | paste -sd,)" frozen,thawed "events of a timed-out freeze"
wait $reader || fail "the read held by the freeze failed"
expect_eq "$(nexusctl -j nexus show vol | jq -r .frozen_until)" null "frozen_until after the timeout"

step "a snapshot of the busy volume, in one command"
(
	n=0
	while [ ! -e "$tmp/stop" ]; do
		head -c $((64 << 10)) /dev/urandom >"$mnt/busy.$((n % 50))"
		n=$((n + 1))
	done
) &
writer=$!
sleep 2
expect_rc 0 nexusctl -j nexus snapshot vol vs1
expect_eq "$(jqf "$OUT" 'map(.pool + "/" + .name + "<" + .parent) | sort | join(",")')" \
	"p1/vs1<r1,p2/vs1<r2" "the volume snapshot's replica snapshots"
expect_eq "$(nexusctl -j nexus show vol | jq -r .frozen_until)" null "thawed after the snapshot"
sleep 1
touch "$tmp/stop"
wait $writer
(cd "$mnt/before" && md5sum -c --quiet "$tmp/before.md5") || fail "files changed on the volume"

step "both replica snapshots hold the same volume, a sound file system with the files"
expect_rc 0 nexusctl -j snapshot expose p1 vs1
s1=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j snapshot expose p2 vs1
s2=/dev/$(jqf "$OUT" .device)
cmp <(dd if="$s1" bs=1M skip=$((offset >> 20)) count=256 iflag=direct status=none) \
	<(dd if="$s2" bs=1M skip=$((offset >> 20)) count=256 iflag=direct status=none) ||
	fail "the two children's snapshots differ: not one point in time"
for p in p1 p2; do
	expect_rc 0 nexusctl -j replica create $p c$p --from vs1
	clone=/dev/$(jqf "$OUT" .device)
	loop=$(losetup -f --show -o "$offset" --sizelimit $((256 << 20)) "$clone")
	run e2fsck -fy "$loop"	# replays the journal: 0 or 1 (fixed)
	[ "$RC" -le 1 ] || fail "e2fsck -fy on the clone of $p/vs1 exited $RC"
	expect_rc 0 e2fsck -fn "$loop"
	mkdir -p "$tmp/snap"
	expect_rc 0 mount -o ro "$loop" "$tmp/snap"
	(cd "$tmp/snap/before" && md5sum -c --quiet "$tmp/before.md5") ||
		fail "files written before the snapshot differ in $p/vs1"
	expect_rc 0 umount "$tmp/snap"
	expect_rc 0 losetup -d "$loop"
	expect_rc 0 nexusctl replica destroy $p c$p
	expect_rc 0 nexusctl snapshot hide $p vs1
done

step "a nexus with a child that is not a local replica"
expect_rc 0 nexusctl nexus create raw "bdev://$(nvme_disk 2)"
expect_rc 1 nexusctl nexus snapshot raw s
expect_in "$ERR" "is not a replica of a pool on this node"
expect_eq "$(nexusctl -j nexus show raw | jq -r .frozen_until)" null "raw nexus not left frozen"
expect_rc 0 nexusctl nexus destroy raw

step "teardown: the nexus, the snapshots, the replicas"
expect_rc 0 umount "$mnt"
expect_rc 0 nexusctl nexus destroy vol
for p in p1 p2; do
	expect_rc 0 nexusctl snapshot destroy $p vs1
done
expect_rc 0 nexusctl replica destroy p1 r1
expect_rc 0 nexusctl replica destroy p2 r2
