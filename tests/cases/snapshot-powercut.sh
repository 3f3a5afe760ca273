#!/bin/bash
# Power cut during copy-on-write: snapshots reported created survive, every
# write acknowledged before a completed flush survives, and no cluster is
# ever seen half copied.  Boot 1 fills a thin and a thick replica, takes a
# snapshot of each, then writes one 4 KiB block into each shared cluster
# (each write copies its 1 MiB cluster first), flushing every few blocks
# and recording on the job share how far the last completed flush reached;
# the harness then kills QEMU.  Boot 2 checks the pool offline, imports it,
# and compares the snapshots and every cluster of the origins.
#
# Stock only: copy-on-write and its commits use no API that differs on
# 6.12 (nexus-snapshot runs snapshots, clones and freezes there), and the
# CI time goes to the longer lane (docs/testing.md, Times).
# nexus-test: disk=nvme:512M boots=2 timeout=600 kernels=stock
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1
mark=$NEXUS_JOB_DIR/flushed
img=$NEXUS_JOB_DIR/A	# what both replicas held when the snapshots were taken

# block <i>: the 4 KiB written into cluster i (thin) and cluster i % 64 (thick).
block() { head -c 4096 < <(yes "nexus snapshot powercut block $1"); }

# clusters_ok <image of the device> <clusters> <flushed>: each 1 MiB
# cluster i holds the snapshot's data with block i written at its start, or
# (only past the last flushed block) the snapshot's data alone: nothing
# between, no half-copied cluster.  Prints what is wrong.
clusters_ok() {
	python3 - "$1" "$img" "$2" "$3" <<'PY'
import sys
dev, img, n, flushed = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[3]), int(sys.argv[4])
bad = 0
for i in range(n):
    got, old = dev[i << 20:(i + 1) << 20], img[i << 20:(i + 1) << 20]
    line = f"nexus snapshot powercut block {i}\n".encode()
    new = (line * (4096 // len(line) + 1))[:4096] + old[4096:]
    if got == new or (got == old and i > flushed):
        continue
    print(f"cluster {i}: " + ("flushed block lost" if got == old else "half copied or damaged"))
    bad += 1
sys.exit(1 if bad else 0)
PY
}

if [ "$NEXUS_BOOT" = 1 ]; then
	step "boot 1: data, snapshots, copy-on-write writes with flushes; then the power goes"
	head -c $((128 << 20)) /dev/urandom >"$img"
	expect_rc 0 nexusctl pool create p1 $dev --cluster-size 1M
	expect_rc 0 nexusctl -j replica create p1 t 160M --thin
	t=/dev/$(jqf "$OUT" .device)
	expect_rc 0 nexusctl -j replica create p1 k 64M
	k=/dev/$(jqf "$OUT" .device)
	dd if="$img" of="$t" bs=1M oflag=direct status=none
	dd if="$img" of="$k" bs=1M count=64 oflag=direct status=none
	expect_rc 0 nexusctl snapshot create p1 t st
	expect_rc 0 nexusctl snapshot create p1 k sk
	echo -1 >"$mark"
	job_sync "$mark"
	(
		for ((i = 0; i < 128; i++)); do
			block $i | dd of="$t" bs=4k seek=$((i * 256)) oflag=direct status=none
			if ((i < 64)); then
				block $i | dd of="$k" bs=4k seek=$((i * 256)) oflag=direct status=none
			fi
			if ((i % 8 == 7)); then
				sync "$t" "$k"
				echo $i >"$mark.new" && mv "$mark.new" "$mark"
				job_sync "$mark"
			fi
		done
	) &
	for _ in $(seq 600); do
		[ "$(cat "$mark")" -ge 23 ] && break
		sleep 0.1
	done
	echo "flushed up to block $(cat "$mark") before the cut"
	power_cut_host
fi

step "boot 2: a clean pool, whole snapshots, flushed writes, no half-copied cluster"
flushed=$(cat "$mark")
[ "$flushed" -ge 23 ] || fail "boot 1 recorded too few flushes ($flushed)"
tmp=$(mktemp -d)
at_exit rm -rf "$tmp"
at_exit unload_nexus
at_exit pool_teardown p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict after the power cut"
expect_eq "$(jqf "$OUT" .snapshots)" 2 "snapshots after the power cut"
expect_rc 0 nexusctl -j pool import $dev
t=/dev/$(nexusctl -j replica show p1 t | jq -r .device)
k=/dev/$(nexusctl -j replica show p1 k | jq -r .device)
expect_rc 0 nexusctl -j snapshot expose p1 st
st=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j snapshot expose p1 sk
sk=/dev/$(jqf "$OUT" .device)
cmp <(dd if="$st" bs=1M count=128 iflag=direct status=none) "$img" || fail "snapshot st changed"
cmp <(dd if="$st" bs=1M skip=128 iflag=direct status=none) <(head -c $((32 << 20)) /dev/zero) ||
	fail "snapshot st beyond the data is not zeros"
cmp <(dd if="$sk" bs=1M iflag=direct status=none) <(head -c $((64 << 20)) "$img") ||
	fail "snapshot sk changed"
dd if="$t" of="$tmp/t" bs=1M count=128 iflag=direct status=none
dd if="$k" of="$tmp/k" bs=1M iflag=direct status=none
clusters_ok "$tmp/t" 128 "$flushed" || fail "the thin origin is wrong"
clusters_ok "$tmp/k" 64 "$flushed" || fail "the thick origin is wrong"
echo "all $((flushed + 1)) flushed blocks of each origin intact, no cluster half copied"
expect_rc 0 nexusctl snapshot hide p1 st
expect_rc 0 nexusctl snapshot hide p1 sk
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict after import and export"
