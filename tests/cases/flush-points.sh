#!/bin/bash
# Power cuts at every flush point: the pool device sits on dm-log-writes
# while a workload runs (pool create, thick and thin replicas, thin
# allocation, writes with a flush each, grow and shrink, a replica made
# and destroyed, a snapshot and copy-on-write writes into it, a clone of
# it written too); then
# tests/lib/logwrites.py replays the log onto an image up to every flush
# and, at each, attaches a copy: the checker must find the pool clean, the
# module must import it, and every write acknowledged before the last mark
# passed (each after an fsync) must read back.  At each flush it also
# applies random subsets of the next epoch's unflushed writes in random
# order (NEXUS_FUZZ_ORDERS, default 2).  Counts in the log.
# nexus-test: disk=virtio:32M disk=virtio:512M mem=3072 timeout=1500 kernels=stock
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/logwrites.sh"

data=/dev/vda log=/dev/vdb
marks=/tmp/marks
orders=${NEXUS_FUZZ_ORDERS:-2}
at_exit unload_nexus
at_exit pool_teardown p1
at_exit "dmsetup remove lw 2>/dev/null; losetup -D; true"

expect_rc 0 modprobe loop
step "the pool device on dm-log-writes"
sectors=$(blockdev --getsz $data)
expect_rc 0 dmsetup create lw --table "0 $sectors log-writes $data $log"
lw=$(dm_dev lw)
: >$marks

# put <replica> <offset> <k>: 4 KiB of pattern k there, fsync'd, marked.
put() {
	local dev
	dev=/dev/$(nexusctl -j replica show p1 "$1" | jq -r .device)
	head -c 4096 /dev/urandom >"/tmp/pat.$3"
	dd if="/tmp/pat.$3" of="$dev" bs=4096 seek=$(($2 / 4096)) oflag=direct conv=fsync \
		status=none || fail "write $3 to $1"
	mark "w$3" data "$1" "$2" "/tmp/pat.$3"
}

step "the workload: each acknowledged step marked in the log"
expect_rc 0 nexusctl pool create p1 "$lw" --cluster-size 1M --max-replicas 16
mark created pool
expect_rc 0 nexusctl replica create p1 thick 4M
mark m-thick replica thick
expect_rc 0 nexusctl replica create p1 thin 12M --thin --prop owner=node-a
mark m-thin replica thin
k=0
for off in 0 1048576 5242880 4096 3145728; do
	k=$((k + 1))
	put thin $off $k
done
put thick 8192 6
expect_rc 0 nexusctl replica resize p1 thin 16M
mark m-grow replica thin
put thin $((14 << 20)) 7
expect_rc 0 nexusctl replica create p1 tmp 2M --thin
put tmp 0 8
# Once the destroy has begun, its commit may be durable before the command
# returns and the next mark is logged: tmp's data is no longer promised.
mark m-tmp-going void tmp
expect_rc 0 nexusctl replica destroy p1 tmp
mark m-tmp-gone gone tmp
expect_rc 0 nexusctl snapshot create p1 thin snap
mark m-snap replica snap
# Copy-on-write: into clusters the snapshot shares.
put thin 8192 9
put thin $((1048576 + 4096)) 10
# A clone of the snapshot: what it shares reads through, its own write
# copies a shared cluster, and the origin keeps its data.
expect_rc 0 nexusctl replica create p1 clone --from snap
mark m-clone replica clone
mark m-clone-0 data clone 0 /tmp/pat.1
put clone 4096 11
expect_rc 0 nexusctl replica resize p1 thick 2M
mark m-shrink replica thick
expect_rc 0 nexusctl pool export p1
mark exported
expect_rc 0 dmsetup remove lw
echo "marks: $(wc -l <$marks) promises"

step "replay to every flush point ($orders reorderings each): check, import, read back"
truncate -s $((sectors * 512)) /tmp/image
python3 "$NEXUS_TOP/tests/lib/logwrites.py" check --log $log --image /tmp/image \
	--marks $marks --pool p1 --orders "$orders" || fail "a replayed state was not clean"
echo "flush-points: ok"
