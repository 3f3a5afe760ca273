#!/bin/bash
# The leg-fault matrix: a 3-way nexus under fio with verify (every
# completed write must read back) while, one kind at a time, a leg fails:
#
#   port-removed      the remote leg's nvmet port loses its subsystem
#   ctrl-deleted      the host's fabrics controller of the remote leg goes
#   nft-drop          packets to the remote leg's 127.0.0.2 are dropped
#   netem-delay       packets to 127.0.0.2 are delayed 20 s, past the timeout
#   dm-error          the dm device under the local leg starts failing
#   dm-flakey         the same leg fails one second in two
#   fail-make-request the block layer fails the local leg's IO (debug kernel)
#
# For each: fio sees no IO error and no verify error, the leg is faulted
# within 10 s (the nexus's IO timeout is 5 s), and when the leg comes back
# `child online` rebuilds it from the bitmap, after which every leg holds
# the same bytes.  One line per kind goes to the log and to
# $NEXUS_JOB_DIR/fault-matrix.txt (docs/reliability.md has a run's lines).
#
# On the debug kernel the remote leg is a local replica and only the
# local kinds can run (nvmet-tcp trips lockdep there by itself, share.sh);
# by default only fail-make-request, which needs that kernel: the dm kinds
# run on stock.  NEXUS_FAULT_KINDS (vmtest passes it in) picks the kinds,
# e.g. "dm-error dm-flakey fail-make-request" on debug.
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=1500 kernels=stock,debug
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

raw=$(nvme_disk 0)
nvmet=/sys/kernel/config/nvmet
results=${NEXUS_JOB_DIR:-/tmp}/fault-matrix.txt
bound_ms=10000
remote=1
if [ "$NEXUS_KERNEL_KIND" = debug ]; then
	remote=
	kinds=${NEXUS_FAULT_KINDS:-fail-make-request}
else
	modprobe nvme-tcp || skip "no nvme-tcp host module"
	kinds=${NEXUS_FAULT_KINDS:-port-removed ctrl-deleted nft-drop netem-delay dm-error dm-flakey}
fi
: >"$results"
at_exit unload_nexus
at_exit pool_teardown p1
at_exit "dmsetup remove legA"
at_exit nexus_teardown vol1
at_exit "nft delete table inet nexus_fault 2>/dev/null; tc qdisc del dev lo root 2>/dev/null; true"

step "legs: a dm device over a namespace, a local replica, and a remote replica"
sectors=$(blockdev --getsz "$raw")
linear="0 $sectors linear $raw 0"
expect_rc 0 dmsetup create legA --table "$linear"
dmname=$(dm_dev legA)
dmname=${dmname#/dev/}
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
expect_rc 0 nexusctl replica create p1 local 200M
expect_rc 0 nexusctl -j replica create p1 remote 200M --thin
ruuid=$(jqf "$OUT" .uuid)
if [ -n "$remote" ]; then
	expect_rc 0 nexusctl -j replica share p1 remote --addr 127.0.0.2 --any-host
	nqn=$(jqf "$OUT" .share.nqn)
	ruri="nvmf://127.0.0.2:8420/$nqn?uuid=$ruuid"
else
	ruri=replica://p1/remote
fi
expect_rc 0 nexusctl -j nexus create vol1 bdev:///dev/$dmname replica://p1/local "$ruri" \
	--size 128M --io-timeout 5s
nexus=/dev/$(jqf "$OUT" .device)
auuid=$(child_uuid vol1 bdev:///dev/$dmname)
fio_write "$nexus" 16M 0 base
legs_identical vol1

# remote_live: wait until the host's controller of the remote leg is live.
remote_live() {
	local c i
	for ((i = 0; i < 200; i++)); do
		for c in /sys/class/nvme/nvme*; do
			[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$nqn" ] &&
				[ "$(cat "$c/state" 2>/dev/null)" = live ] && return 0
		done
		sleep 0.2
	done
	fail "the host did not reconnect to $nqn"
}

port_dir() {
	local p
	p=$(grep -lx 127.0.0.2 $nvmet/ports/*/addr_traddr | head -n 1)
	echo "${p%/addr_traddr}"
}

# inject_<kind> / heal_<kind>: make the leg fail, and let it come back.
inject_port-removed() { rm "$(port_dir)/subsystems/$nqn"; }
heal_port-removed() { ln -s "$nvmet/subsystems/$nqn" "$(port_dir)/subsystems/$nqn"; remote_live; }
inject_ctrl-deleted() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$nqn" ] && echo 1 >"$c/delete_controller"
	done
	return 0
}
heal_ctrl-deleted() { :; }	# child online connects the URI again
inject_nft-drop() {
	nft add table inet nexus_fault
	nft add chain inet nexus_fault out '{ type filter hook output priority 0; }'
	nft add rule inet nexus_fault out ip daddr 127.0.0.2 tcp dport 8420 drop
	nft add rule inet nexus_fault out ip saddr 127.0.0.2 tcp sport 8420 drop
}
heal_nft-drop() { nft delete table inet nexus_fault; remote_live; }
inject_netem-delay() {
	tc qdisc add dev lo root handle 1: prio
	tc qdisc add dev lo parent 1:3 handle 30: netem delay 20s limit 100000
	tc filter add dev lo parent 1:0 protocol ip u32 match ip dst 127.0.0.2/32 flowid 1:3
}
heal_netem-delay() { tc qdisc del dev lo root; remote_live; }
inject_dm-error() {
	dmsetup reload legA --table "0 $sectors error" && dmsetup resume legA
}
heal_dm-error() { dmsetup reload legA --table "$linear" && dmsetup resume legA; }
inject_dm-flakey() {
	dmsetup reload legA --table "0 $sectors flakey $raw 0 1 1" && dmsetup resume legA
}
heal_dm-flakey() { heal_dm-error; }
fmr=/sys/kernel/debug/fail_make_request
inject_fail-make-request() {
	[ -d $fmr ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	[ -d $fmr ] || fail "no $fmr: the kernel lacks CONFIG_FAIL_MAKE_REQUEST"
	echo 100 >$fmr/probability
	echo -1 >$fmr/times
	echo 0 >$fmr/verbose
	echo 1 >"/sys/block/$dmname/make-it-fail"
}
heal_fail-make-request() {
	echo 0 >"/sys/block/$dmname/make-it-fail"
	echo 0 >$fmr/probability
}

n=0
for kind in $kinds; do
	case $kind in dm-* | fail-*) leg=$auuid ;; *) leg=$ruuid ;; esac
	off=$((16 + n * 8))M
	n=$((n + 1))
	step "$kind: the leg fails under fio, is faulted within the bound, comes back"
	bitmap_settle vol1
	fio --name="$kind" --filename="$nexus" --size=8M --offset="$off" --rw=randwrite --bs=4k \
		--direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --randrepeat=1 --randseed=$n --rate_iops=150 \
		--output-format=terse >/tmp/fio-$kind.out 2>&1 &
	fio_pid=$!
	sleep 2
	"inject_$kind" || fail "could not inject $kind"
	t0=$(date +%s%N)
	for _ in $(seq 300); do
		[ "$(child_field vol1 "$leg" .state)" = faulted ] && break
		sleep 0.1
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_eq "$(child_field vol1 "$leg" .state)" faulted "the leg after $kind"
	reason=$(child_field vol1 "$leg" .reason)
	fio_rc=0
	wait $fio_pid || fio_rc=$?
	# verify_fatal: any IO or verify error ends fio with a non-zero status.
	[ "$fio_rc" = 0 ] || fail "$kind: fio saw an error: $(cat /tmp/fio-$kind.out)"
	[ "$ms" -le "$bound_ms" ] || fail "$kind: faulted after $ms ms, over the $bound_ms ms bound"
	"heal_$kind" || fail "could not heal $kind"
	expect_rc 0 nexusctl child online vol1 "$leg"
	wait_synced vol1 "$leg"
	copied=$(child_field vol1 "$leg" .rebuild.copied)
	partial=$(child_field vol1 "$leg" .rebuild.partial)
	legs_identical vol1
	fio_verify "$nexus" 8M "$off" "$kind"
	line="$kind: faulted in $ms ms ($reason); fio IO errors 0, verify errors 0; rebuild copied $copied bytes (partial $partial); legs identical"
	echo "matrix: $line"
	echo "$line" >>"$results"
done
fio_verify "$nexus" 16M 0 base
echo "fault-matrix: ok ($n kinds)"
