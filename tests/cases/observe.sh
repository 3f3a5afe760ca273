#!/bin/bash
# What an admin sees of the IO path, besides nexusctl: iostat's numbers for
# the nexus and for replica devices (a thick one under the nexus, a thin
# one read where unmapped, written and discarded: exact byte counts), and
# the tracepoints of the slow events in tracefs.  A leg over a dm device
# is switched to an error table under reads: each event must appear with
# the right nexus, child and reason (an IO error, the fault, the read sent
# to the other leg, the label write), a refused fault of the last in-sync
# child, and after the leg comes back one event per rebuild segment, whose
# bytes add up to what the rebuild says it copied.  `nexusctl nexus stats`
# counts the leg's errors.
# On 6.1 and 6.12: the replica's accounting flag is set in two ways (queue
# flags, limits features).
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=600 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

raw=$(nvme_disk 0)
tr=/sys/kernel/tracing
events="nexus_child_io_error nexus_child_fault nexus_read_retry nexus_label_write nexus_rebuild_segment"
at_exit unload_nexus
at_exit pool_teardown p1
at_exit "dmsetup remove legA"
at_exit nexus_teardown vol1
at_exit "[ ! -d $tr/events/nexus ] || echo 0 >$tr/events/nexus/enable"

# kib <dev>: "read written discarded" KiB since boot, as iostat says.
kib() {
	iostat -d -k -o JSON "${1##*/}" | jq -er --arg d "${1##*/}" \
		'.sysstat.hosts[0].statistics[0].disk[] | select(.disk_device == $d) |
		 "\(.kB_read) \(.kB_wrtn) \(.kB_dscd)"' || fail "iostat does not list ${1##*/}"
}

# delta <before> <after>: "read written discarded" KiB between two kib.
delta() {
	local a b
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	echo "$((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2]))"
}

step "a 2-way nexus over a dm device and a thick replica; a thin replica beside"
sectors=$(blockdev --getsz "$raw")
expect_rc 0 dmsetup create legA --table "0 $sectors linear $raw 0"
dm=$(dm_dev legA)
dm=${dm#/dev/}
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
expect_rc 0 nexusctl -j replica create p1 r1 100M
thick=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j replica create p1 thin 64M --thin
thin=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j nexus create vol1 bdev:///dev/$dm replica://p1/r1 --size 64M \
	--read-policy round-robin
nexus=/dev/$(jqf "$OUT" .device)
leg=$(child_uuid vol1 bdev:///dev/$dm)
r1=$(child_uuid vol1 replica://p1/r1)
udevadm settle 2>/dev/null || true

step "tracefs lists the nexus events, each with its format"
[ -d $tr/events ] || mount -t tracefs nodev $tr
for e in $events; do
	[ -f $tr/events/nexus/$e/format ] || fail "no tracepoint nexus:$e"
done
expect_eq "$(ls -d $tr/events/nexus/nexus_* | wc -l)" 5 "nexus tracepoints"
expect_in "$(cat $tr/events/nexus/nexus_child_fault/format)" "field:u8 reason;" "fault format"

step "iostat: the nexus and the thick replica under it count their IO"
for d in $nexus $thick $thin; do
	expect_eq "$(cat /sys/block/${d##*/}/queue/iostats)" 1 "queue/iostats of $d"
done
# Reads are counted before the device is first written: closing it after a
# write makes udev probe it, reads of its own.
head -c $((8 << 20)) /dev/urandom >/tmp/data
n0=$(kib $nexus) t0=$(kib $thick)
expect_rc 0 dd if=$nexus of=/dev/null bs=1M count=8 iflag=direct
n1=$(kib $nexus) t1=$(kib $thick)
expect_rc 0 dd if=/tmp/data of=$nexus bs=1M oflag=direct
read -r nr _ <<<"$(delta "$n0" "$n1")"
read -r tread _ <<<"$(delta "$t0" "$t1")"
read -r _ nw _ <<<"$(delta "$n1" "$(kib $nexus)")"
read -r _ twrite _ <<<"$(delta "$t1" "$(kib $thick)")"
echo "nexus: read $nr KiB, written $nw KiB; thick replica: read $tread KiB, written $twrite KiB"
expect_eq "$nr $nw" "8192 8192" "KiB read and written through the nexus"
# Every write is mirrored; round-robin sends it some of the reads.  Labels
# and the bitmap go to it too, so at least.
[ "$twrite" -ge 8192 ] || fail "the thick replica counts $twrite KiB written, expected at least 8192"
[ "$tread" -gt 0 ] || fail "the thick replica counts no read under round-robin"
[ "$(awk -v d=${thick##*/} '$3 == d { print $13 }' /proc/diskstats)" -gt 0 ] ||
	fail "the thick replica counts no time doing IO"

step "iostat: a thin replica counts reads of unmapped clusters, writes and discards"
t0=$(kib $thin)
expect_rc 0 dd if=$thin of=/dev/null bs=1M count=4 iflag=direct
t1=$(kib $thin)
expect_rc 0 dd if=/tmp/data of=$thin bs=1M count=4 seek=8 oflag=direct
expect_rc 0 blkdiscard -o $((8 << 20)) -l $((4 << 20)) $thin
read -r tread _ <<<"$(delta "$t0" "$t1")"
read -r _ twrite tdisc <<<"$(delta "$t1" "$(kib $thin)")"
expect_eq "$tread $twrite $tdisc" "4096 4096 4096" "KiB read, written, discarded"

step "tracepoints: a leg failing reads is faulted and its reads go to the other leg"
# The bitmap's sweep writes every child some seconds after the writes:
# done before the leg fails, so that reads are what finds it failing.
bitmap_settle vol1
echo 0 >$tr/tracing_on
: >$tr/trace
echo 1 >$tr/events/nexus/enable
echo 1 >$tr/tracing_on
expect_rc 0 dmsetup suspend legA
expect_rc 0 dmsetup load legA --table "0 $sectors error"
expect_rc 0 dmsetup resume legA
expect_rc 0 dd if=$nexus of=/tmp/back bs=64k count=128 iflag=direct
cmp /tmp/data /tmp/back || fail "reads with a failing leg did not read back the data"
expect_eq "$(child_field vol1 "$leg" .state) $(child_field vol1 "$leg" .reason)" \
	"faulted io-error" "the failing leg"
# The label write runs in a work item: the read may be back before it.
for ((i = 0; i < 50; i++)); do
	grep -q "nexus_label_write: vol1: event " $tr/trace && break
	sleep 0.2
done
trace=$(cat $tr/trace)
grep nexus_ <<<"$trace" | head -20
expect_in "$trace" "nexus_child_io_error: vol1 child 0 $leg: R" "the trace"
expect_in "$trace" "nexus_child_fault: vol1 child 0 $leg: io-error, was synced, refused=0" \
	"the trace"
expect_in "$trace" "nexus_read_retry: vol1: read of " "the trace"
expect_in "$trace" "failed on child 0 $leg (error -5): sent again" "the trace"
expect_in "$trace" "nexus_label_write: vol1: event " "the trace"
expect_in "$trace" "to children 0x2, failed 0x0" "the trace: label write to the other leg"
expect_rc 0 nexusctl -j nexus stats vol1
errors=$(jq -r --arg u "$leg" '.[0].children[] | select(.uuid == $u) | .stats.errors' <<<"$OUT")
[ "$errors" -ge 1 ] || fail "nexus stats counts $errors errors on the failing leg"

step "tracepoints: the last in-sync child is not faulted, and the trace says so"
expect_rc 1 nexusctl child fault vol1 "$r1"
expect_in "$ERR" "cannot fault the last in-sync child"
expect_in "$(cat $tr/trace)" "nexus_child_fault: vol1 child 1 $r1: by-client, was synced, refused=1" \
	"the trace"

step "tracepoints: the leg comes back, one event per rebuild segment"
expect_rc 0 dd if=/tmp/data of=$nexus bs=1M count=4 seek=16 oflag=direct
expect_rc 0 dmsetup suspend legA
expect_rc 0 dmsetup load legA --table "0 $sectors linear $raw 0"
expect_rc 0 dmsetup resume legA
: >$tr/trace
expect_rc 0 nexusctl child online vol1 "$leg"
wait_synced vol1 "$leg"
copied=$(child_field vol1 "$leg" .rebuild.copied)
segs=$(grep -c "nexus_rebuild_segment: vol1 child 0 $leg: .*: error 0$" $tr/trace || true)
sum=$( (grep "nexus_rebuild_segment: vol1 child 0 $leg: " $tr/trace || true) |
	sed -n 's/.*: \([0-9]*\) bytes at offset .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
echo "rebuild: $copied bytes copied, $segs segments traced, $sum bytes in them"
[ "$segs" -ge 1 ] || fail "no rebuild segment traced"
expect_eq "$sum" "$copied" "bytes of the traced segments"
expect_eq "$(grep -c 'nexus_rebuild_segment: .*error -' $tr/trace)" 0 "failed segments"
echo 0 >$tr/events/nexus/enable
legs_identical vol1
