#!/bin/bash
# Power cut mid-workload: every write a replica acknowledged before its
# last completed flush survives, thin allocations included, and the pool
# imports clean.  Boot 1 writes numbered blocks to a thin and a thick
# replica, flushes every few blocks and records (on the job share) how far
# the last completed flush reached; the harness then kills QEMU.  Boot 2
# checks the pool offline, imports it and reads every recorded block back.
#
# Not on the debug kernel: two boots there cost about 5 minutes of CI, and
# the IO paths and import it runs are the ones `pool` covers there (and
# nexus-powercut covers a power cut under the debug kernel).
# nexus-test: disk=nvme:512M boots=2 timeout=600 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1
mark=$NEXUS_JOB_DIR/flushed

# block <i>: the 4 KiB that block i holds; each lands in its own 1 MiB,
# so that thin writes keep allocating clusters.
block() { head -c 4096 < <(yes "nexus powercut block $1"); }

if [ "$NEXUS_BOOT" = 1 ]; then
	step "boot 1: write, flush, record; then the power goes"
	expect_rc 0 nexusctl pool create p1 $dev
	expect_rc 0 nexusctl -j replica create p1 thin 400M --thin
	thin=/dev/$(jqf "$OUT" .device)
	expect_rc 0 nexusctl -j replica create p1 thick 64M
	thick=/dev/$(jqf "$OUT" .device)
	echo -1 >"$mark"
	job_sync "$mark"
	(
		for ((i = 0; i < 400; i++)); do
			block $i | dd of="$thin" bs=4k seek=$((i * 256)) oflag=direct status=none
			block $i | dd of="$thick" bs=4k seek=$((i % 16000)) oflag=direct status=none
			if ((i % 8 == 7)); then
				# A completed flush of each: all before it is durable.
				sync "$thin" "$thick"
				echo $i >"$mark.new" && mv "$mark.new" "$mark"
				job_sync "$mark"
			fi
		done
	) &
	# Cut once some flushes have completed, mid-stream.
	for _ in $(seq 600); do
		[ "$(cat "$mark")" -ge 40 ] && break
		sleep 0.1
	done
	echo "flushed up to block $(cat "$mark") before the cut"
	power_cut_host
fi

step "boot 2: the pool is sound and holds every flushed write"
flushed=$(cat "$mark")
[ "$flushed" -ge 40 ] || fail "boot 1 recorded too few flushes ($flushed)"
at_exit unload_nexus
at_exit pool_teardown p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict after the power cut"
expect_rc 0 nexusctl -j pool import $dev
expect_rc 0 nexusctl -j replica show p1 thin
thin=/dev/$(jqf "$OUT" .device)
[ "$(jqf "$OUT" .allocated)" -ge $(((flushed + 1) * 256 * 4096 / (4 << 20) * (4 << 20))) ] ||
	fail "thin allocation $(jqf "$OUT" .allocated) lost clusters of flushed writes"
expect_rc 0 nexusctl -j replica show p1 thick
thick=/dev/$(jqf "$OUT" .device)
bad=0
for ((i = 0; i <= flushed; i++)); do
	cmp -s <(block $i) <(dd if="$thin" bs=4k skip=$((i * 256)) count=1 iflag=direct status=none) ||
		{ echo "thin block $i lost"; bad=$((bad + 1)); }
	cmp -s <(block $i) <(dd if="$thick" bs=4k skip=$((i % 16000)) count=1 iflag=direct status=none) ||
		{ echo "thick block $i lost"; bad=$((bad + 1)); }
done
[ "$bad" = 0 ] || fail "$bad flushed blocks lost"
echo "all $((flushed + 1)) flushed blocks of each replica intact"
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict after import and export"
