#!/bin/bash
# A 3-way nexus over an emulated NVMe namespace, a local replica and a
# replica reached over NVMe/TCP (127.0.0.2), while fio writes and
# verifies: the remote leg's nvmet port goes away and the leg is faulted
# within the 10 s bound with no IO error and no verify error; the port
# comes back, the host reconnects, and `child online` copies only the
# chunks written meanwhile; the legs then compare identical; the nexus is
# published through nvmet and a client uses it with plain `nvme connect`;
# stopping the nexus disconnects the remote child.
#
# Not on the debug kernel: nvmet-tcp itself trips lockdep there (see
# share.sh and docs/testing.md).
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=900 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

raw=$(nvme_disk 0)
nvmet=/sys/kernel/config/nvmet
modprobe nvme-tcp || skip "no nvme-tcp host module"
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol1

step "a local replica, and one shared over NVMe/TCP on 127.0.0.2"
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
expect_rc 0 nexusctl replica create p1 local 300M
expect_rc 0 nexusctl -j replica create p1 remote 300M --thin
ruuid=$(jqf "$OUT" .uuid)
expect_rc 0 nexusctl -j replica share p1 remote --addr 127.0.0.2 --any-host
nqn=$(jqf "$OUT" .share.nqn)
uri="nvmf://127.0.0.2:8420/$nqn?uuid=$ruuid"

step "the nexus connects the remote child itself"
expect_rc 0 nexusctl -j nexus create vol1 bdev://$raw replica://p1/local "$uri" --size 256M
nexus=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" '[.children[].state] | unique | join(",")')" synced "child states"
expect_eq "$(child_field vol1 "$ruuid" .local)" false "the remote child is not local"
rdev=$(child_field vol1 "$ruuid" .device)
case $rdev in /dev/nvme*n*) ;; *) fail "remote child device $rdev" ;; esac
fio_write "$nexus" 32M 0 base
legs_identical vol1
bitmap_settle vol1

step "the remote port goes away under fio: faulted within 10 s, no IO error"
port=$(grep -lx 127.0.0.2 $nvmet/ports/*/addr_traddr | head -n 1)
port=${port%/addr_traddr}
[ -e "$port/subsystems/$nqn" ] || fail "no nvmet port of $nqn"
fio --name=during --filename="$nexus" --size=16M --offset=64M --rw=randwrite --bs=4k \
	--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --randrepeat=1 --randseed=9 --rate_iops=300 \
	--output-format=terse >/tmp/fio-during.out 2>&1 &
fio_pid=$!
sleep 3
rm "$port/subsystems/$nqn"
t0=$(date +%s%N)
for _ in $(seq 200); do
	[ "$(child_field vol1 "$ruuid" .state)" = faulted ] && break
	sleep 0.1
done
elapsed=$((($(date +%s%N) - t0) / 1000000))
expect_eq "$(child_field vol1 "$ruuid" .state)" faulted "remote child after its port went"
echo "remote child faulted $elapsed ms after its port went ($(child_field vol1 "$ruuid" .reason))"
[ "$elapsed" -le 10000 ] || fail "fault took $elapsed ms, more than the 10 s bound"
wait $fio_pid || fail "fio saw an error: $(cat /tmp/fio-during.out)"
expect_eq "$(nexusctl -j nexus show vol1 | jq -r .state)" degraded "nexus state"
dirty=$(nexusctl -j nexus show vol1 | jq -r .bitmap_dirty_chunks)
echo "bitmap: $dirty dirty chunks while the remote leg is out"

step "the port comes back: online copies only what changed"
ln -s "$nvmet/subsystems/$nqn" "$port/subsystems/$nqn"
ctrl=
for _ in $(seq 150); do
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$nqn" ] &&
			[ "$(cat "$c/state")" = live ] && ctrl=$c
	done
	[ -n "$ctrl" ] && break
	sleep 0.2
done
[ -n "$ctrl" ] || fail "the host did not reconnect to $nqn"
expect_rc 0 nexusctl child online vol1 "$ruuid"
wait_synced vol1 "$ruuid"
copied=$(child_field vol1 "$ruuid" .rebuild.copied)
echo "partial rebuild copied $copied bytes ($dirty chunks of 4 MiB dirty)"
expect_eq "$(child_field vol1 "$ruuid" .rebuild.partial)" true "partial rebuild"
expect_eq "$copied" $((dirty * (4 << 20))) "bytes the partial rebuild copied"
[ "$copied" -lt $((256 << 20)) ] || fail "a partial rebuild copied the whole volume"
legs_identical vol1
fio_verify "$nexus" 32M 0 base
fio_verify "$nexus" 16M 64M during

step "publish: a client connects with plain nvme connect and uses the volume"
host=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-0000000000c1
vuuid=$(nexusctl -j nexus show vol1 | jq -r .uuid)
expect_rc 0 nexusctl -j nexus publish vol1 --addr 127.0.0.3 --host $host
pnqn=nqn.2019-05.io.openebs:vol1
expect_eq "$(jqf "$OUT" .published)" "$pnqn" "published NQN"
expect_rc 0 nvme connect -t tcp -a 127.0.0.3 -s 8420 -n "$pnqn" --hostnqn=$host \
	--hostid=00000000-0000-0000-0000-0000000000c1
at_exit "nvme disconnect -n $pnqn >/dev/null 2>&1; true"
client=$(fabric_dev "$vuuid") || fail "no namespace of uuid $vuuid after nvme connect"
expect_eq "$(blockdev --getsize64 "$client")" $((256 << 20)) "size the client sees"
fio_verify "$client" 32M 0 base
fio_write "$client" 16M 160M client
expect_rc 0 nvme disconnect -n "$pnqn"
fio_verify "$nexus" 16M 160M client
legs_identical vol1
expect_rc 0 nexusctl nexus unpublish vol1
expect_rc 0 nexusctl -j nexus show vol1
expect_eq "$(jqf "$OUT" .published)" null "published after unpublish"

step "stop lets go of the remote child and disconnects it"
expect_rc 0 nexusctl nexus stop vol1
for c in /sys/class/nvme/nvme*; do
	[ "$(cat "$c/subsysnqn" 2>/dev/null)" != "$nqn" ] || fail "still connected: $c"
done
expect_rc 0 nexusctl -j nexus assemble bdev://$raw replica://p1/local "$uri"
expect_eq "$(jqf "$OUT" .state)" online "state after assembly with the remote child"
fio_verify "/dev/$(jqf "$OUT" .device)" 32M 0 base
expect_rc 0 nexusctl nexus destroy vol1
