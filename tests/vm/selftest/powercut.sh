#!/bin/bash
# A power cut by the guest (power_cut: sysrq-b) between two boots of one
# test, on the same disk and job share.  Boot 1 writes a marker to the
# NVMe disk with O_DIRECT (acknowledged by the device) and to the job
# share (synced), leaves another one only in its page cache (the disk held
# open, so that no close writes it back), and cuts the power.  Boot 2 must
# find the first two and not the third: the cut kept what was written and
# lost what a clean shutdown would have synced.
# selftest: kernel=stock expect=PASS
# nexus-test: timeout=60 boots=2 disk=nvme:64M
. "$(dirname "$0")/../../lib/common.sh"

dev=/dev/nvme0n1
expect_eq "$NEXUS_BOOTS" 2 NEXUS_BOOTS
[ -d "$NEXUS_JOB_DIR" ] || fail "NEXUS_JOB_DIR '$NEXUS_JOB_DIR' is not a directory"

block() {	# block <MiB>: the text in the 4 KiB block at that offset, from the disk
	dd if="$dev" bs=4096 skip=$(($1 * 256)) count=1 iflag=direct status=none | tr -d '\0'
}

case $NEXUS_BOOT in
1)
	[ ! -e "$NEXUS_JOB_DIR/powercut.marker" ] || fail "a marker before boot 1 wrote one"
	marker="powercut $(cat /proc/sys/kernel/random/uuid)"
	step "boot 1: '$marker' on $dev (O_DIRECT) and in the job directory"
	printf '%s' "$marker" | dd of="$dev" bs=4096 seek=256 conv=sync oflag=direct status=none
	printf '%s\n' "$marker" >"$NEXUS_JOB_DIR/powercut.marker"
	job_sync "$NEXUS_JOB_DIR/powercut.marker"
	step "boot 1: 'cached $marker' in the page cache only, then the power cut"
	exec 3<"$dev"
	printf '%s' "cached $marker" | dd of="$dev" bs=4096 seek=512 conv=sync status=none
	expect_eq "$(dd if="$dev" bs=4096 skip=512 count=1 status=none | tr -d '\0')" \
		"cached $marker" "the cached block, read through the cache"
	power_cut
	;;
2)
	marker=$(cat "$NEXUS_JOB_DIR/powercut.marker") || fail "boot 1's marker is not in the job directory"
	expect_in "$marker" "powercut " "the job directory's marker"
	step "boot 2: '$marker' on $dev, nothing where the cached write went"
	expect_eq "$(block 1)" "$marker" "the O_DIRECT block after the power cut"
	expect_eq "$(block 2)" "" "the block boot 1 had only in its page cache"
	echo "powercut: the disk and the job directory kept boot 1's markers"
	;;
*)
	fail "NEXUS_BOOT is '$NEXUS_BOOT'"
	;;
esac
