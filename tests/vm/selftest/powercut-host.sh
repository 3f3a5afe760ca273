#!/bin/bash
# Power cuts by the harness (power_cut_host: QEMU killed with SIGKILL)
# across three boots of one test, on the same virtio disk and job share.
# Boots 1 and 2 each write their marker to the disk with O_DIRECT and to
# the job share (synced) and ask for the kill; boot 3 must find them all.
# selftest: kernel=stock expect=PASS
# nexus-test: timeout=60 boots=3 disk=virtio:64M
. "$(dirname "$0")/../../lib/common.sh"

dev=/dev/vda
expect_eq "$NEXUS_BOOTS" 3 NEXUS_BOOTS

block() {	# block <MiB>: the text in the 4 KiB block at that offset, from the disk
	dd if="$dev" bs=4096 skip=$(($1 * 256)) count=1 iflag=direct status=none | tr -d '\0'
}

for ((b = 1; b < NEXUS_BOOT; b++)); do
	marker=$(cat "$NEXUS_JOB_DIR/marker-$b") || fail "boot $b's marker is not in the job directory"
	expect_in "$marker" "boot $b " "boot $b's marker in the job directory"
	expect_eq "$(block "$b")" "$marker" "boot $b's block after the power cut"
done
[ "$NEXUS_BOOT" -lt "$NEXUS_BOOTS" ] || {
	echo "powercut-host: the markers of boots 1 to $((NEXUS_BOOT - 1)) survived"
	exit 0
}
marker="boot $NEXUS_BOOT $(cat /proc/sys/kernel/random/uuid)"
step "boot $NEXUS_BOOT: '$marker' on $dev (O_DIRECT) and in the job directory"
printf '%s' "$marker" | dd of="$dev" bs=4096 seek=$((NEXUS_BOOT * 256)) conv=sync oflag=direct status=none
printf '%s\n' "$marker" >"$NEXUS_JOB_DIR/marker-$NEXUS_BOOT"
job_sync "$NEXUS_JOB_DIR/marker-$NEXUS_BOOT"
power_cut_host
