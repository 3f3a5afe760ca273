#!/bin/bash
# Soak: a mixed run on the debug kernel (KASAN, lockdep, kmemleak).  fio
# with verify runs on a 3-way nexus (a namespace and two replicas), a
# 2-way nexus over two thin replicas, and a thin replica used directly,
# while a churn loop, one action every few seconds, faults and onlines
# children (partial rebuilds), removes and re-adds one (a full rebuild),
# verifies a nexus online (the legs must never differ), snapshots the busy
# replica, clones the snapshot, writes the clone and destroys both, and
# grows a thin replica.  At the
# end: no fio error or verify mismatch, every leg of each nexus identical,
# everything destroyed, the checker finds the pool clean, and the module
# unloads with nothing leaked (the harness's kmemleak scan) and no splat.
#
# Length: NEXUS_SOAK_SECONDS (CI: 45; `make soak`: 1800).
# nexus-test: disk=nvme:512M disk=nvme:2G mem=3072 timeout=2700 kernels=debug
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

secs=${NEXUS_SOAK_SECONDS:-45}
raw=$(nvme_disk 0)
pooldev=$(nvme_disk 1)
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown v1
at_exit nexus_teardown v2
at_exit "pkill -x fio; true"

step "a pool, replicas, a 3-way and a 2-way nexus"
expect_rc 0 nexusctl pool create p1 "$pooldev" --cluster-size 1M
for r in a b; do expect_rc 0 nexusctl replica create p1 v1$r 200M; done
for r in a b; do expect_rc 0 nexusctl replica create p1 v2$r 200M --thin; done
expect_rc 0 nexusctl replica create p1 spare 200M --thin
expect_rc 0 nexusctl replica create p1 grow 16M --thin
spare=replica://p1/spare grow=0
expect_rc 0 nexusctl -j replica create p1 busy 128M --thin
busy=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j nexus create v1 bdev://$raw replica://p1/v1a replica://p1/v1b \
	--size 128M --bitmap-chunk 1M
n1=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j nexus create v2 replica://p1/v2a replica://p1/v2b --size 128M \
	--bitmap-chunk 1M
n2=/dev/$(jqf "$OUT" .device)

step "fio with verify on three volumes for $secs s, churn meanwhile"
pids=()
for dev in $n1 $n2 $busy; do
	# verify_backlog: written blocks are read back and checked as fio goes.
	fio --name="soak-${dev##*/}" --filename="$dev" --size=96M --rw=randwrite \
		--bs=4k --direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c \
		--verify_fatal=1 --verify_backlog=256 --time_based --runtime="$secs" \
		--randseed=7 --output-format=terse >"/tmp/fio-${dev##*/}.out" 2>&1 &
	pids+=($!)
done

# child_of <nexus> <index>: that child's uuid.
child_of() { nexusctl -j nexus show "$1" | jq -r ".children[$2].uuid"; }
# settle <nexus>: wait until no child of it is rebuilding.
settle() {
	local i
	for ((i = 0; i < 600; i++)); do
		nexusctl -j nexus show "$1" | jq -e '[.children[].state] | index("rebuilding")' \
			>/dev/null || return 0
		sleep 0.5
	done
	fail "$1 still rebuilding after 300 s"
}

actions=0 t0=$(date +%s)
while [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	case $((actions % 6)) in
	0)	# fault a leg of v1 by hand, bring it back: partial rebuild
		settle v1
		c=$(child_of v1 1)
		expect_rc 0 nexusctl child fault v1 "$c"
		sleep 2
		expect_rc 0 nexusctl child online v1 "$c" ;;
	1)	# snapshot the busy replica, clone it, write the clone, drop both
		expect_rc 0 nexusctl snapshot create p1 busy s$actions
		expect_rc 0 nexusctl -j replica create p1 c$actions --from s$actions
		dd if=/dev/urandom of="/dev/$(jqf "$OUT" .device)" bs=64k count=16 \
			oflag=direct status=none
		expect_rc 0 nexusctl replica destroy p1 c$actions
		expect_rc 0 nexusctl snapshot destroy p1 s$actions ;;
	2)	# swap a leg of v2 for the spare: a full rebuild; the removed
		# replica (its label erased) is the next spare
		settle v2
		c=$(child_of v2 1)
		uri=$(nexusctl -j nexus show v2 | jq -r '.children[1].uri')
		expect_rc 0 nexusctl child remove v2 "$c"
		expect_rc 0 nexusctl child add v2 "$spare"
		spare=$uri ;;
	3)	# an online verify of v1 under the writes: the legs never differ
		settle v1
		expect_rc 0 nexusctl nexus verify v1 --wait ;;
	4)	# fault and online a leg of v2
		settle v2
		c=$(child_of v2 0)
		expect_rc 0 nexusctl child fault v2 "$c"
		sleep 1
		expect_rc 0 nexusctl child online v2 "$c" ;;
	5)	# grow a thin replica
		grow=$((grow + 1))
		expect_rc 0 nexusctl replica resize p1 grow $((16 + grow))M ;;
	esac
	actions=$((actions + 1))
	sleep 3
done
echo "soak: $actions churn actions in $(($(date +%s) - t0)) s"

step "fio ends without an error; the legs agree; everything goes"
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "fio $i failed: $(tail -n 5 /tmp/fio-*.out)"
done
settle v1
settle v2
legs_identical v1
legs_identical v2
expect_rc 0 nexusctl nexus destroy v1
expect_rc 0 nexusctl nexus destroy v2
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl pool check "$pooldev"
expect_rc 0 nexusctl pool import "$pooldev"
expect_rc 0 nexusctl pool destroy p1 --force
echo "soak: ok"
