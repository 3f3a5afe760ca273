#!/bin/bash
# The nexus over local children, the way an admin uses it: a 3-way mirror
# over an emulated NVMe namespace and two replicas of a local pool, data
# written and verified through the nexus; an online verify finds a leg
# changed behind the nexus's back and repairs it; a child faulted by hand while
# fio runs comes back with a partial rebuild that copies only the chunks
# written meanwhile; a fresh child gets a full rebuild; every leg then
# holds the same bytes; a clean stop and assembly; the bad inputs an admin
# can type; destroy.
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=1200 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

raw=$(nvme_disk 0)
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol1

step "a pool on the second namespace, two replicas and a spare"
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
expect_rc 0 nexusctl replica create p1 r1 300M
expect_rc 0 nexusctl replica create p1 r2 300M --thin
expect_rc 0 nexusctl replica create p1 spare 300M

step "a 3-way nexus: the raw namespace and two local replicas"
expect_rc 0 nexusctl -j nexus create vol1 bdev://$raw replica://p1/r1 replica://p1/r2 --size 128M
nexus=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .state)" online "state of a new nexus"
expect_eq "$(jqf "$OUT" '.children | length')" 3 "children"
expect_eq "$(jqf "$OUT" '[.children[].state] | unique | join(",")')" synced "child states"
expect_eq "$(jqf "$OUT" '.children[1].local')" true "a replica child is local"
expect_eq "$(blockdev --getsize64 "$nexus")" $((128 << 20)) "nexus size"
offset=$(jqf "$OUT" .data_offset)
expect_eq "$offset" $((1 << 20)) "data offset of a 128 MiB volume"
expect_eq "$(cat /sys/block/${nexus#/dev/}/nexus/name)" vol1 "sysfs name"
expect_eq "$(cat /sys/block/${nexus#/dev/}/nexus/state)" online "sysfs state"
sys=/sys/block/${nexus#/dev/}/children
expect_eq "$(cat $sys/0/device)" "$raw" "sysfs: device of child 0"
expect_eq "$(cat $sys/2/state)" synced "sysfs: state of child 2"
expect_rc 0 nexusctl nexus list
expect_in "$OUT" "vol1"
expect_in "$OUT" "3/3"
mkdir -p /run/udev/rules.d
cp "$NEXUS_TOP/udev/60-nexus.rules" /run/udev/rules.d/
expect_rc 0 udevadm test --action=add "/sys/block/${nexus#/dev/}"
expect_in "$OUT$ERR" "nexus/by-name/vol1"
expect_in "$OUT$ERR" "nexus/by-uuid/$(nexusctl -j nexus show vol1 | jq -r .uuid)"

step "data written through the nexus is on every leg"
fio_write "$nexus" 32M 0 base
legs_identical vol1

step "large sequential writes in a plug: requests issued as the plug is flushed"
# 1 MiB writes, 8 in flight, to a 2-way nexus over null_blk legs: each
# write is split into requests that sit in the submitter's plug, and
# blk_finish_plug issues them to the nexus directly while walking the
# plug's list.  The children's bios must not go into that same plug (it
# was a NULL dereference in blk_add_rq_to_plug, found by the benchmark).
modprobe null_blk nr_devices=0 || fail "modprobe null_blk"
for leg in plug0 plug1; do
	d=/sys/kernel/config/nullb/$leg
	mkdir "$d" || fail "cannot make null_blk $leg"
	at_exit "rmdir $d"
	echo 64 >"$d/size"; echo 1 >"$d/memory_backed"; echo 2 >"$d/queue_mode"
	echo 2 >"$d/submit_queues"; echo 2 >"$d/irqmode"; echo 1000000 >"$d/completion_nsec"
	echo 1 >"$d/power"
	at_exit "echo 0 >$d/power"
done
expect_rc 0 nexusctl -j nexus create plug bdev:///dev/plug0 bdev:///dev/plug1
at_exit "nexus_teardown plug"
pdev=/dev/$(jqf "$OUT" .device)
expect_rc 0 fio --name=plug --filename="$pdev" --rw=write --bs=1M --iodepth=8 \
	--size=48M --direct=1 --ioengine=libaio --verify=crc32c --verify_fatal=1 \
	--output-format=terse
legs_identical plug
expect_rc 0 nexusctl nexus destroy plug

step "verify: the legs agree; a leg changed behind the nexus's back is found, then repaired"
expect_rc 0 nexusctl -j nexus verify vol1 --wait
expect_eq "$(jqf "$OUT" .verify.mismatch)" 0 "bytes differing between fresh legs"
expect_eq "$(jqf "$OUT" .verify.done)" $((128 << 20)) "bytes verified"
r1dev=$(jqf "$OUT" '.children[] | select(.uri == "replica://p1/r1") | .device')
head -c 8192 /dev/urandom >/tmp/junk
expect_rc 0 dd if=/tmp/junk of="$r1dev" bs=4k seek=$(((offset + (16 << 20)) / 4096)) \
	oflag=direct conv=notrunc status=none
expect_rc 1 nexusctl -j nexus verify vol1 --wait
expect_eq "$(jqf "$OUT" .verify.mismatch)" 8192 "bytes found differing"
expect_eq "$(jqf "$OUT" .verify.repaired)" 0 "bytes repaired without --repair"
expect_rc 0 nexusctl -j nexus verify vol1 --repair --wait
expect_eq "$(jqf "$OUT" .verify.repaired)" 8192 "bytes repaired"
legs_identical vol1
fio_verify "$nexus" 32M 0 base

step "a child faulted by hand while fio runs: no IO error, the others carry on"
bitmap_settle vol1
monitor_start 4 /tmp/events
fio --name=during --filename="$nexus" --size=8M --offset=96M --rw=randwrite --bs=4k \
	--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --randrepeat=1 --randseed=7 --rate_iops=400 \
	--output-format=terse >/tmp/fio-during.out 2>&1 &
fio_pid=$!
sleep 2
r2=$(child_uuid vol1 replica://p1/r2)
expect_rc 0 nexusctl -j child fault vol1 "$r2"
expect_eq "$(jqf "$OUT" .state)" degraded "nexus state with a faulted child"
expect_eq "$(child_field vol1 "$r2" .reason)" by-client "fault reason"
expect_eq "$(cat $sys/2/uuid) $(cat $sys/2/state) $(cat $sys/2/reason)" "$r2 faulted by-client" \
	"sysfs: the faulted child"
wait $fio_pid || fail "fio saw an error while a child was faulted: $(cat /tmp/fio-during.out)"

step "online: a partial rebuild copies only the chunks written while it was out"
expect_rc 0 nexusctl child online vol1 "$r2"
wait_synced vol1 "$r2"
copied=$(child_field vol1 "$r2" .rebuild.copied)
echo "partial rebuild copied $copied bytes"
expect_eq "$(child_field vol1 "$r2" .rebuild.partial)" true "partial rebuild"
# fio wrote 8 MiB at 96 MiB: two 4 MiB chunks.
expect_eq "$copied" $((8 << 20)) "bytes a partial rebuild copied"
events=$(monitor_wait)
expect_eq "$(jq -r '.what' <<<"$events" | paste -sd,)" \
	child-faulted,child-online,rebuild-started,rebuild-done "events seen by monitor"
expect_eq "$(jq -r '.child.uuid' <<<"$events" | sort -u)" "$r2" "child in the events"
expect_eq "$(jq -r 'select(.what == "child-faulted") | .state' <<<"$events")" degraded \
	"nexus state in the fault event"
legs_identical vol1
fio_verify "$nexus" 8M 96M during

step "a fresh child: full rebuild online, paused and resumed, then identical legs"
# 1 MiB/s: the 128 MiB copy takes two minutes, so that the checks below
# see it running however slow the emulation is (at 32 MiB/s a busy CI
# machine once found it done before the first check).
expect_rc 0 nexusctl nexus set vol1 rebuild-rate-max 1M
expect_rc 0 nexusctl -j child add vol1 replica://p1/spare
spare=$(child_uuid vol1 replica://p1/spare)
expect_eq "$(child_field vol1 "$spare" .state)" rebuilding "a new child's state"
expect_rc 0 nexusctl rebuild pause vol1 "$spare"
expect_eq "$(child_field vol1 "$spare" .rebuild.paused)" true "paused"
sleep 1		# the segment in flight when it was paused ends
before=$(child_field vol1 "$spare" .rebuild.copied)
sleep 2
expect_eq "$(child_field vol1 "$spare" .rebuild.copied)" "$before" "bytes copied while paused"
[ "$before" -lt $((128 << 20)) ] || fail "the rebuild ended before it could be paused"
expect_rc 0 nexusctl rebuild resume vol1 "$spare"
expect_rc 0 nexusctl nexus set vol1 rebuild-rate-max unlimited
wait_synced vol1 "$spare"
expect_eq "$(child_field vol1 "$spare" .rebuild.partial)" false "full rebuild"
expect_eq "$(child_field vol1 "$spare" .rebuild.copied)" $((128 << 20)) "bytes a full rebuild copied"
legs_identical vol1
fio_verify "$nexus" 32M 0 base

step "rebuild stop faults the child; remove: a child goes, its label with it"
expect_rc 0 nexusctl -j child remove vol1 replica://p1/spare
expect_eq "$(jqf "$OUT" '.children | length')" 3 "children after remove"
expect_rc 0 nexusctl nexus set vol1 rebuild-rate-max 1M
expect_rc 0 nexusctl -j child add vol1 replica://p1/spare	# its label is gone: no --force
expect_rc 0 nexusctl rebuild stop vol1 replica://p1/spare
expect_eq "$(child_field vol1 "$(child_uuid vol1 replica://p1/spare)" .state)" faulted "after rebuild stop"
expect_eq "$(child_field vol1 "$(child_uuid vol1 replica://p1/spare)" .reason)" by-client "reason"
expect_rc 1 nexusctl rebuild resume vol1 replica://p1/spare
expect_in "$ERR" "the child is not being rebuilt"
expect_rc 0 nexusctl nexus set vol1 rebuild-rate-max unlimited
expect_rc 0 nexusctl child remove vol1 replica://p1/spare
expect_rc 0 nexusctl replica destroy p1 spare

step "bad input, each with the module's reason"
expect_rc 2 nexusctl nexus create bad foo://x
expect_in "$ERR" "unknown URI scheme"
expect_rc 2 nexusctl nexus create bad nvmf://127.0.0.1
expect_in "$ERR" "an nvmf URI is nvmf://<host>[:<port>]/<subsystem nqn>"
expect_rc 2 nexusctl nexus create bad "nvmf://127.0.0.1:80x/nqn.x"
expect_in "$ERR" "the URI's port is not a number"
expect_rc 1 nexusctl nexus create vol1 bdev:///dev/nxr9
expect_in "$ERR" "a nexus of that name exists already"
expect_rc 1 nexusctl child add vol1 bdev://$raw
expect_in "$ERR" "a child of this nexus already"
expect_rc 0 nexusctl replica create p1 tiny 64M
expect_rc 1 nexusctl child add vol1 replica://p1/tiny
expect_in "$ERR" "smaller than the volume"
expect_rc 0 nexusctl child fault vol1 "$(child_uuid vol1 replica://p1/r1)"
expect_rc 0 nexusctl child fault vol1 "$r2"
expect_rc 1 nexusctl child fault vol1 "$(child_uuid vol1 bdev://$raw)"
expect_in "$ERR" "cannot fault the last in-sync child"
expect_rc 1 nexusctl child remove vol1 "$(child_uuid vol1 bdev://$raw)"
expect_in "$ERR" "cannot remove the last in-sync child"
expect_rc 1 nexusctl nexus stop nosuch
expect_in "$ERR" "no such nexus"
expect_rc 0 nexusctl child online vol1 "$(child_uuid vol1 replica://p1/r1)"
expect_rc 0 nexusctl child online vol1 "$r2"
wait_synced vol1 "$r2"
wait_synced vol1 "$(child_uuid vol1 replica://p1/r1)"

step "a clean stop and assembly from the labels alone"
exec {fd}<"$nexus"
expect_rc 1 nexusctl nexus stop vol1
expect_in "$ERR" "in use"
exec {fd}<&-
expect_rc 0 nexusctl nexus stop vol1
expect_rc 1 nexusctl nexus show vol1
expect_rc 0 nexusctl -j nexus assemble bdev://$raw replica://p1/r1 replica://p1/r2
expect_eq "$(jqf "$OUT" .name)" vol1 "assembled nexus name"
expect_eq "$(jqf "$OUT" .state)" online "state after a clean stop"
nexus=/dev/$(jqf "$OUT" .device)
fio_verify "$nexus" 32M 0 base
fio_verify "$nexus" 8M 96M during

step "destroy erases the labels: the children are free again"
expect_rc 0 nexusctl nexus destroy vol1
expect_rc 1 nexusctl nexus assemble bdev://$raw
expect_in "$ERR" "a child device has no usable label"
