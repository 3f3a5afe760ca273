#!/bin/bash
# Power cut under nexus writes, then assembly from the labels alone.
# Boot 1: a 3-way nexus over two emulated NVMe namespaces and a local
# replica; one child is faulted by hand (a stale leg), data is written and
# flushed, then the power goes while a random writer runs.  Boot 2:
# `nexus assemble` sees the unclean stop, keeps one in-sync child, resyncs
# the other from the bitmap, leaves the stale leg faulted until it is
# onlined, and every leg ends identical with the flushed data intact.
# nexus-test: disk=nvme:512M disk=nvme:512M disk=nvme:1G boots=2 timeout=900 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

a=$(nvme_disk 0)
b=$(nvme_disk 1)
pooldev=$(nvme_disk 2)
mark=$NEXUS_JOB_DIR/written

if [ "$NEXUS_BOOT" = 1 ]; then
	step "boot 1: a nexus with a stale leg, flushed data, then writes and the cut"
	expect_rc 0 nexusctl pool create p1 $pooldev
	expect_rc 0 nexusctl replica create p1 r1 300M
	expect_rc 0 nexusctl -j nexus create vol1 bdev://$a bdev://$b replica://p1/r1 --size 256M
	nexus=/dev/$(jqf "$OUT" .device)
	expect_rc 0 nexusctl child fault vol1 "$(child_uuid vol1 replica://p1/r1)"
	fio_write "$nexus" 32M 0 flushed
	sync "$nexus"
	echo done >"$mark"
	job_sync "$mark"
	fio --name=cut --filename="$nexus" --size=64M --offset=128M --rw=randwrite --bs=4k \
		--direct=1 --ioengine=libaio --iodepth=16 --time_based --runtime=60 \
		--output-format=terse >/dev/null 2>&1 &
	sleep 4
	power_cut_host
fi

step "boot 2: assembly after the unclean stop"
[ "$(cat "$mark")" = done ] || fail "boot 1 did not record its flushed data"
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol1
expect_rc 0 nexusctl pool import $pooldev
expect_rc 0 nexusctl -j nexus assemble bdev://$a bdev://$b replica://p1/r1
nexus=/dev/$(jqf "$OUT" .device)
r1=$(child_uuid vol1 replica://p1/r1)
expect_eq "$(child_field vol1 "$r1" .state)" faulted "the stale leg stays faulted"
states=$(jqf "$OUT" '[.children[] | select(.uri != "replica://p1/r1") | .state] | sort | join(",")')
# One in-sync child is believed; the other resyncs (it may be done already).
case $states in
rebuilding,synced | synced,synced) ;;
*) fail "states of the two in-sync children after an unclean stop: $states" ;;
esac
for u in bdev://$a bdev://$b; do
	wait_synced vol1 "$(child_uuid vol1 $u)"
done
for u in bdev://$a bdev://$b; do
	c=$(child_uuid vol1 $u)
	echo "$u: resync copied $(child_field vol1 "$c" .rebuild.copied) bytes"
done
fio_verify "$nexus" 32M 0 flushed

step "the stale leg comes back with a partial rebuild"
expect_rc 0 nexusctl child online vol1 "$r1"
wait_synced vol1 "$r1"
expect_eq "$(child_field vol1 "$r1" .rebuild.partial)" true "partial rebuild of the stale leg"
echo "stale leg: partial rebuild copied $(child_field vol1 "$r1" .rebuild.copied) bytes"
legs_identical vol1
fio_verify "$nexus" 32M 0 flushed
