#!/bin/bash
# Mutated pool images and nexus labels, imported and assembled by the
# module: each is either refused with a reason and leaves nothing behind,
# or taken up, used (replicas read and written, the nexus read and
# written), let go cleanly, and then found clean by the offline checker.
# Whatever the result, the kernel log must stay free of splats (the
# harness fails the test otherwise).
#
# A real pool (thick, thin, snapshot, clone, properties, a share) and a real
# 2-way nexus are made first; their metadata is saved, and each round
# (tests/fuzz/import_fuzz.py) restores it, damages it with
# tests/fuzz/mutate.c (seeded: a failure names its seed, `nexus-mutate
# pool|label <dev> <seed>` replays it), and tries it.  Most rounds recompute the checksums after the damage, so that
# the checks behind them are what is exercised; one in eight does not.
#
# Rounds: NEXUS_FUZZ_POOLS and NEXUS_FUZZ_LABELS (CI: 60 and 20;
# `make fuzz-guest`: 10000 and 2000), numbered from NEXUS_FUZZ_FIRST
# (default 1: two guests with 1 and 5001 share a run of 10000).  CI runs
# it on the debug kernel and, without KASAN's cost, on 6.12.  The seeds
# of the host fuzzers (tests/fuzz/corpus/) are extracted here, into the
# job directory.
# nexus-test: disk=virtio:64M disk=virtio:40M disk=virtio:40M kernels=debug,backports timeout=1500
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

pools=${NEXUS_FUZZ_POOLS:-60}
labels=${NEXUS_FUZZ_LABELS:-20}
first=${NEXUS_FUZZ_FIRST:-1}
mutate=$NEXUS_TOP/build/fuzz/nexus-mutate
out=${NEXUS_JOB_DIR:-$(mktemp -d)}
dev=/dev/vda c0=/dev/vdb c1=/dev/vdc
[ -x "$mutate" ] || fail "$mutate is not built (make test-tools)"

at_exit unload_nexus
at_exit pool_teardown fz
at_exit nexus_teardown fzv
at_exit "nvmet_teardown_all"

# nvmet_teardown_all: a mutated share may have been restored: undo it.
nvmet_teardown_all() {
	local c=/sys/kernel/config/nvmet
	[ -d $c ] || return 0
	rm -f $c/ports/*/subsystems/* 2>/dev/null || true
	rmdir $c/ports/* 2>/dev/null || true
	rmdir $c/subsystems/*/namespaces/* 2>/dev/null || true
	rm -f $c/subsystems/*/allowed_hosts/* 2>/dev/null || true
	rmdir $c/subsystems/* $c/hosts/* 2>/dev/null || true
}

# save <dev> <bytes> <file>, restore <file> <dev>: the metadata region.
save() { dd if="$1" of="$3" bs=64k count=$(($2 / 65536)) iflag=direct status=none; }
restore() { dd if="$1" of="$2" bs=64k oflag=direct conv=notrunc status=none; }

step "a pool with one of each: thick, thin, snapshot, clone, properties, a share"
expect_rc 0 nexusctl pool create fz $dev --cluster-size 1M --max-replicas 16
expect_rc 0 nexusctl replica create fz thick 8M
expect_rc 0 nexusctl replica create fz thin 16M --thin --prop owner=node-a --prop zone=z1
expect_rc 0 nexusctl -j replica show fz thin
thin=/dev/$(jqf "$OUT" .device)
for off in 0 5 11; do
	dd if=/dev/urandom of="$thin" bs=1M count=1 seek=$off oflag=direct status=none
done
expect_rc 0 nexusctl snapshot create fz thin snap
expect_rc 0 nexusctl -j replica create fz clone --from snap
dd if=/dev/urandom of="/dev/$(jqf "$OUT" .device)" bs=4k count=1 seek=300 oflag=direct \
	status=none
expect_rc 0 nexusctl replica share fz thick --addr 127.0.0.1 --port 8421
expect_rc 0 nexusctl pool export fz
expect_rc 0 nexusctl pool check $dev
expect_rc 0 "$mutate" span pool $dev
span=$OUT
[ "$span" -gt 0 ] && [ $((span % 65536)) = 0 ] || fail "metadata span $span"
save $dev "$span" /tmp/pool.img
expect_rc 0 "$mutate" extract-pool $dev "$out/seed-pool"

step "$pools mutated pools: refused with a reason, or imported, used, exported, clean"
python3 "$NEXUS_TOP/tests/fuzz/import_fuzz.py" pool $dev /tmp/pool.img \
	"$first-$((first + pools - 1))" "$mutate" ||
	fail "a mutated pool was not handled as it must be"
restore /tmp/pool.img $dev
expect_rc 0 nexusctl pool import $dev
expect_rc 0 nexusctl pool destroy fz --force

step "a 2-way nexus with a faulted leg and a dirty bitmap"
expect_rc 0 nexusctl -j nexus create fzv bdev://$c0 bdev://$c1 --bitmap-chunk 1M
vol=/dev/$(jqf "$OUT" .device)
child1=$(jqf "$OUT" .children[1].uuid)
dd if=/dev/urandom of="$vol" bs=1M count=4 oflag=direct status=none
expect_rc 0 nexusctl child fault fzv "$child1"
dd if=/dev/urandom of="$vol" bs=64k count=3 seek=100 oflag=direct status=none
expect_rc 0 nexusctl nexus stop fzv
for c in $c0 $c1; do
	expect_rc 0 "$mutate" span label $c
	save $c "$OUT" "/tmp/label-${c##*/}.img"
done
expect_rc 0 "$mutate" extract-label $c0 "$out/seed-label-synced"
expect_rc 0 "$mutate" extract-label $c1 "$out/seed-label-faulted"

step "$labels mutated labels: refused with a reason, or assembled, used, stopped"
python3 "$NEXUS_TOP/tests/fuzz/import_fuzz.py" label $c0,$c1 /tmp/label-vdb.img,/tmp/label-vdc.img \
	"$first-$((first + labels - 1))" "$mutate" || fail "a mutated label was not handled as it must be"
for c in $c0 $c1; do restore "/tmp/label-${c##*/}.img" $c; done
expect_rc 0 nexusctl nexus assemble bdev://$c0 bdev://$c1
expect_rc 0 nexusctl nexus destroy fzv
echo "fuzz-import: ok"
