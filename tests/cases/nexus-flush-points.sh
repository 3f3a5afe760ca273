#!/bin/bash
# Power cuts at every flush point of a nexus: its labels and its
# write-intent bitmap.  The four legs are dm-linear slices of one device
# on dm-log-writes, so that one log orders the writes to all of them.  The
# workload, each acknowledged step marked in the log: create over three
# legs, writes each fsync'd, a leg faulted by hand (stale from then on),
# writes without it, the leg onlined (a partial rebuild from the bitmap),
# writes after, an overwrite, the fourth leg added (a full rebuild), a
# write, the first leg removed, a write, a clean stop.
# tests/lib/logwrites.py then replays the log to every flush, and random
# subsets of the next epoch's unflushed writes in random order
# (NEXUS_FUZZ_ORDERS, default 1), and at each assembles the nexus from the
# legs alone: once created it must assemble from its members (a leg being
# added or removed may be refused, a member may not, a leg that is no
# member may not be taken in), it must not take a stale leg (nor one
# being added) for in sync, every fsync'd write must read back, and once
# any resync ends every in-sync leg must hold the same volume bytes.
# Counts in the log.
# nexus-test: disk=virtio:64M disk=virtio:256M mem=3072 timeout=1500 kernels=stock
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/logwrites.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

data=/dev/vda log=/dev/vdb
marks=/tmp/marks
orders=${NEXUS_FUZZ_ORDERS:-1}
leg_sectors=32768	# 16 MiB
at_exit unload_nexus
at_exit "dmsetup remove leg0 leg1 leg2 leg3 lw 2>/dev/null; losetup -D; true"
at_exit nexus_teardown vol1

# put <offset> <k>: 4 KiB of pattern k written to the nexus there, fsync'd.
put() {
	head -c 4096 /dev/urandom >"/tmp/pat.$2"
	dd if="/tmp/pat.$2" of="$nexus" bs=4096 seek=$(($1 / 4096)) oflag=direct conv=fsync \
		status=none || fail "write $2"
	mark "w$2" data "$1" "/tmp/pat.$2"
}

expect_rc 0 modprobe loop
step "four legs: slices of one device on dm-log-writes"
sectors=$(blockdev --getsz $data)
expect_rc 0 dmsetup create lw --table "0 $sectors log-writes $data $log"
lw=$(dm_dev lw)
uris=()
for i in 0 1 2 3; do
	expect_rc 0 dmsetup create leg$i --table "0 $leg_sectors linear $lw $((i * leg_sectors))"
	uris+=("bdev://$(dm_dev leg$i)")
done
: >$marks

step "the workload: each acknowledged step marked in the log"
expect_rc 0 nexusctl -j nexus create vol1 "${uris[@]:0:3}" --size 8M
nexus=/dev/$(jqf "$OUT" .device)
mark created nexus
put 0 1
put $((1048576 + 4096)) 2
put $((5 << 20)) 3
put $(((7 << 20) + 8192)) 4
stale=$(child_uuid vol1 "${uris[2]}")
expect_rc 0 nexusctl child fault vol1 "$stale"
mark f2 stale 2
put 4096 5
put $((3 << 20)) 6
put $((6 << 20)) 7
expect_rc 0 nexusctl child online vol1 "$stale"
mark o2 online 2
wait_synced vol1 "$stale"
put $((2 << 20)) 8
# An overwrite: from its start the old data is no longer promised.
mark v9 void 0
put 0 9
mark add3 adding 3
expect_rc 0 nexusctl child add vol1 "${uris[3]}"
mark added3 added 3
wait_synced vol1 "$(child_uuid vol1 "${uris[3]}")"
mark synced3 synced 3
put $((4 << 20)) 10
mark rm0 removing 0
expect_rc 0 nexusctl child remove vol1 "${uris[0]}"
mark removed0 removed 0
put $(((7 << 20) + 65536)) 11
legs_identical vol1
expect_rc 0 nexusctl nexus stop vol1
mark stopped
for d in leg0 leg1 leg2 leg3 lw; do
	expect_rc 0 dmsetup remove $d
done
echo "marks: $(wc -l <$marks) promises"

step "replay to every flush point ($orders reorderings each): assemble, check the legs, read back"
truncate -s $((sectors * 512)) /tmp/image
python3 "$NEXUS_TOP/tests/lib/logwrites.py" check --log $log --image /tmp/image \
	--marks $marks --nexus vol1 --orders "$orders" \
	--legs "$(for i in 0 1 2 3; do echo "$((i * leg_sectors * 512)):$((leg_sectors * 512))"; done | paste -sd,)" ||
	fail "a replayed state was not right"
echo "nexus-flush-points: ok"
