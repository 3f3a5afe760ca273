#!/bin/bash
# Snapshots and clones: a snapshot keeps the data its origin had, whatever
# is written afterwards; clones (and clones of clones) start from a
# snapshot and diverge on their own; space is accounted exactly; every bad
# request gets a clear error and changes nothing; snapshots, clones and
# origins are destroyed in every order; all of it survives an export and
# an import, and the offline checker finds the pool clean throughout.
# Every image is compared with what it must hold, byte for byte.
#
# Not on stock: the debug kernel runs the same 6.1 source, and checks
# this code under KASAN and lockdep; 6.12 runs it too (open modes and the
# queue freeze differ there).
# nexus-test: disk=nvme:1G timeout=900 kernels=debug,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1
MiB=$((1 << 20))
tmp=$(mktemp -d)
at_exit rm -rf "$tmp"
at_exit unload_nexus
at_exit pool_teardown p1

# put <dev> <image> <src> <offset MiB> <length KiB>: write part of <src> at
# the offset to the device and to the image of what the device must hold.
put() {
	local n=$(($5 / 4)) seek=$(($4 * 256))
	dd if="$3" of="$1" bs=4k count=$n seek=$seek skip=$seek oflag=direct conv=notrunc \
		status=none || fail "writing $1"
	dd if="$3" of="$2" bs=4k count=$n seek=$seek skip=$seek conv=notrunc status=none
}

# holds <dev> <image> <what>: the device holds exactly the image.
holds() {
	cmp <(dd if="$1" bs=1M iflag=direct status=none) "$2" || fail "$3 does not hold what it must"
}

# field <pool> <name> <filter>: a field of a replica or snapshot.
field() { nexusctl -j replica show "$1" "$2" | jq -r "$3"; }

used() { nexusctl -j pool show p1 | jq -r .used; }

for f in A B C D; do
	head -c $((32 * MiB)) /dev/urandom >"$tmp/$f"
done

step "a pool with 1 MiB clusters, a thin and a thick replica holding data"
expect_rc 0 nexusctl pool create p1 $dev --cluster-size 1M
expect_rc 0 nexusctl -j replica create p1 t 32M --thin
t=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j replica create p1 k 32M
k=/dev/$(jqf "$OUT" .device)
head -c $((32 * MiB)) /dev/zero >"$tmp/t"
put "$t" "$tmp/t" "$tmp/A" 0 $((24 * 1024))	# clusters 24..31 stay unmapped
cp "$tmp/A" "$tmp/k"
dd if="$tmp/A" of="$k" bs=1M oflag=direct status=none
holds "$t" "$tmp/t" "thin replica t"
holds "$k" "$tmp/k" "thick replica k"
used0=$(used)
expect_eq "$used0" $(((24 + 32) * MiB)) "pool used before snapshots"

step "snapshots: metadata only, the origin's data, its properties"
expect_rc 0 nexusctl -j snapshot create p1 t st1 --prop owner=vol-1
expect_eq "$(jqf "$OUT" .snapshot)" true "snapshot flag"
expect_eq "$(jqf "$OUT" .parent)" t "snapshot origin"
expect_eq "$(jqf "$OUT" .parent_uuid)" "$(field p1 t .uuid)" "origin uuid"
expect_eq "$(jqf "$OUT" .properties.owner)" vol-1 "owner property"
expect_eq "$(jqf "$OUT" .device)" null "a snapshot has no device until exposed"
expect_eq "$(jqf "$OUT" .allocated)" $((24 * MiB)) "snapshot maps the origin's clusters"
expect_eq "$(jqf "$OUT" .exclusive)" 0 "a new snapshot shares every cluster"
now=$(date +%s)
created=$(jqf "$OUT" .created)
[ $((now - created)) -le 60 ] && [ "$created" -le "$now" ] || fail "creation time $created"
expect_rc 0 nexusctl -j snapshot create p1 k sk1
expect_eq "$(used)" "$used0" "pool used right after two snapshots"
expect_rc 0 nexusctl snapshot list p1
expect_in "$OUT" "st1"
expect_in "$OUT" "sk1"
expect_rc 0 nexusctl -j replica list p1
expect_eq "$(jqf "$OUT" 'map(.name) | sort | join(",")')" "k,t" "replica list leaves snapshots out"

step "overwrite the origins; the snapshots keep the old data"
cp "$tmp/t" "$tmp/st1"
cp "$tmp/k" "$tmp/sk1"
put "$t" "$tmp/t" "$tmp/B" 2 4		# 4 KiB into cluster 2: copy on write
put "$t" "$tmp/t" "$tmp/B" 10 3072	# clusters 10-12 whole
put "$t" "$tmp/t" "$tmp/B" 26 8		# an unmapped cluster: no copy
put "$k" "$tmp/k" "$tmp/B" 5 1024	# the thick origin copies too
put "$k" "$tmp/k" "$tmp/B" 7 4
holds "$t" "$tmp/t" "t after the overwrite"
holds "$k" "$tmp/k" "k after the overwrite"
expect_rc 0 nexusctl -j snapshot expose p1 st1
st1=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j snapshot expose p1 sk1
sk1=/dev/$(jqf "$OUT" .device)
expect_eq "$(blockdev --getro "$st1")" 1 "snapshot device read-only"
holds "$st1" "$tmp/st1" "snapshot st1"
holds "$sk1" "$tmp/sk1" "snapshot sk1"
expect_eq "$(field p1 st1 .exclusive)" $((4 * MiB)) "st1 alone holds the 4 clusters t copied"
expect_eq "$(field p1 sk1 .exclusive)" $((2 * MiB)) "sk1 alone holds the 2 clusters k copied"
expect_eq "$(used)" $((used0 + 7 * MiB)) "pool used: 4 + 2 copies, 1 new cluster"

step "a snapshot cannot be written"
run dd if="$tmp/D" of="$st1" bs=4k count=1 oflag=direct status=none
[ "$RC" != 0 ] || fail "writing a snapshot succeeded"
expect_in "$ERR" "Read-only file system"
holds "$st1" "$tmp/st1" "st1 after a refused write"

step "a busy origin: snapshots taken while fio writes to it"
fio --name=busy --filename="$t" --size=20M --rw=randwrite --bs=4k --direct=1 \
	--ioengine=libaio --iodepth=16 --time_based --runtime=8 --output-format=terse \
	>"$tmp/fio.out" 2>&1 &
fio_pid=$!
sleep 2
for i in 1 2 3; do
	expect_rc 0 nexusctl snapshot create p1 t busy$i
	sleep 1
done
wait $fio_pid || { cat "$tmp/fio.out"; fail "fio on the origin failed during snapshots"; }
expect_rc 0 nexusctl -j snapshot expose p1 busy2
b2=/dev/$(jqf "$OUT" .device)
sum1=$(dd if="$b2" bs=1M iflag=direct status=none | md5sum)
dd if="$tmp/C" of="$t" bs=1M count=20 oflag=direct status=none
sum2=$(dd if="$b2" bs=1M iflag=direct status=none | md5sum)
expect_eq "$sum2" "$sum1" "a snapshot taken under load, after more writes"
cmp <(dd if="$b2" bs=1M skip=20 iflag=direct status=none) \
	<(dd if="$tmp/t" bs=1M skip=20 status=none) || fail "busy2 beyond fio's range differs from t then"
for i in 1 2 3; do
	expect_rc 0 nexusctl snapshot hide p1 busy$i
	expect_rc 0 nexusctl snapshot destroy p1 busy$i
done
dd if="$tmp/C" of="$tmp/t" bs=1M count=20 conv=notrunc status=none
holds "$t" "$tmp/t" "t after the busy phase"

step "clones: the snapshot's data, then their own"
expect_rc 0 nexusctl -j replica create p1 c1 --from st1
c1=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .thin)" true "a clone is thin"
expect_eq "$(jqf "$OUT" .parent)" st1 "clone's snapshot"
expect_eq "$(jqf "$OUT" .size)" $((32 * MiB)) "clone size"
cp "$tmp/st1" "$tmp/c1"
holds "$c1" "$tmp/c1" "new clone c1"
put "$c1" "$tmp/c1" "$tmp/C" 0 4
put "$c1" "$tmp/c1" "$tmp/C" 20 2048
put "$c1" "$tmp/c1" "$tmp/C" 30 4	# unmapped in st1
holds "$c1" "$tmp/c1" "c1 after its writes"
holds "$st1" "$tmp/st1" "st1 after writes to its clone"
holds "$t" "$tmp/t" "t after writes to a clone of its snapshot"
fio_write "$c1" 8M 8M clone	# concurrent first writes to shared clusters
fio_verify "$c1" 8M 8M clone
dd if="$c1" of="$tmp/c1" bs=1M skip=8 seek=8 count=8 iflag=direct conv=notrunc status=none
holds "$st1" "$tmp/st1" "st1 after fio on its clone"

step "a clone of a clone"
expect_rc 0 nexusctl snapshot create p1 c1 sc1
expect_rc 0 nexusctl -j replica create p1 cc --from sc1
cc=/dev/$(jqf "$OUT" .device)
cp "$tmp/c1" "$tmp/cc"
holds "$cc" "$tmp/cc" "clone of a clone"
put "$cc" "$tmp/cc" "$tmp/D" 20 4
put "$cc" "$tmp/cc" "$tmp/D" 28 1024
holds "$cc" "$tmp/cc" "cc after its writes"
holds "$c1" "$tmp/c1" "c1 after writes to its clone's clone"
holds "$st1" "$tmp/st1" "st1 two clones down"

step "bad requests: clear errors, nothing changed"
before=$(nexusctl -j replica list p1 | md5sum)
expect_rc 1 nexusctl snapshot create p1 nosuch s9
expect_in "$ERR" "no such replica in the pool"
expect_rc 1 nexusctl snapshot create p1 t k
expect_in "$ERR" "a replica or snapshot with this name exists in the pool"
expect_rc 1 nexusctl snapshot create p1 st1 s9
expect_in "$ERR" "a snapshot is not snapshotted: clone it and snapshot the clone"
expect_rc 1 nexusctl replica create p1 c9 --from t
expect_in "$ERR" "clones are made from snapshots: snapshot the replica first"
expect_rc 1 nexusctl replica create p1 c9 --from nosuch
expect_in "$ERR" "no such snapshot in the pool"
expect_rc 1 nexusctl replica destroy p1 st1
expect_in "$ERR" "it is a snapshot, not a replica"
expect_rc 1 nexusctl snapshot destroy p1 t
expect_in "$ERR" "it is a replica, not a snapshot"
expect_rc 1 nexusctl snapshot destroy p1 nosuch
expect_in "$ERR" "no such snapshot in the pool"
expect_rc 1 nexusctl replica resize p1 st1 64M
expect_in "$ERR" "a snapshot cannot be resized: clone it"
expect_rc 1 nexusctl replica share p1 st1
expect_in "$ERR" "a snapshot cannot be shared: clone it, or expose it here"
exec 3<"$st1"	# held open: in use
expect_rc 1 nexusctl snapshot destroy p1 st1
expect_in "$ERR" "replica is in use"
expect_rc 1 nexusctl snapshot hide p1 st1
expect_in "$ERR" "replica is in use"
exec 3<&-
expect_eq "$(nexusctl -j replica list p1 | md5sum)" "$before" "replicas after refused requests"
run nexusctl -j pool show p1
free=$(($(jqf "$OUT" .capacity) - $(jqf "$OUT" .used)))
expect_rc 0 nexusctl replica create p1 filler $free
expect_rc 1 nexusctl snapshot create p1 t s9
expect_in "$ERR" "pool is full: the replica could not be written after a snapshot"
expect_rc 0 nexusctl replica destroy p1 filler
holds "$st1" "$tmp/st1" "st1 after the bad requests"
holds "$c1" "$tmp/c1" "c1 after the bad requests"

step "the offline checker, and everything again after export and import"
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict with snapshots and clones"
expect_eq "$(jqf "$OUT" .snapshots)" 3 "snapshots the checker found"
expect_rc 0 nexusctl pool import $dev
for r in t k c1 cc; do
	eval "$r=/dev/$(field p1 $r .device)"
	holds "${!r}" "$tmp/$r" "$r after import"
done
for s in st1 sk1 sc1; do
	expect_rc 0 nexusctl -j snapshot expose p1 $s
	eval "$s=/dev/$(jqf "$OUT" .device)"
done
holds "$st1" "$tmp/st1" "st1 after import"
holds "$sk1" "$tmp/sk1" "sk1 after import"
holds "$sc1" "$tmp/c1" "sc1 after import"
expect_eq "$(field p1 sc1 .parent)" c1 "sc1's origin after import"

step "destroy in every order: origin first, snapshot before its clones"
expect_rc 0 nexusctl replica destroy p1 t
expect_eq "$(field p1 st1 .parent)" null "st1's origin is gone"
expect_eq "$(field p1 st1 .parent_uuid | wc -c)" 37 "st1 keeps its origin's uuid"
holds "$st1" "$tmp/st1" "st1 without its origin"
expect_rc 0 nexusctl snapshot hide p1 st1
expect_rc 0 nexusctl snapshot destroy p1 st1
holds "$c1" "$tmp/c1" "c1 without its snapshot"
holds "$cc" "$tmp/cc" "cc without st1"
expect_rc 0 nexusctl replica destroy p1 c1
holds "$cc" "$tmp/cc" "cc without c1"
holds "$sc1" "$tmp/c1" "sc1 without its origin"
expect_rc 0 nexusctl replica destroy p1 cc
expect_rc 0 nexusctl snapshot hide p1 sc1
expect_rc 0 nexusctl snapshot destroy p1 sc1
holds "$k" "$tmp/k" "k after the others went"
expect_rc 0 nexusctl snapshot hide p1 sk1
expect_rc 0 nexusctl snapshot destroy p1 sk1
expect_eq "$(field p1 k .exclusive)" $((32 * MiB)) "k alone again"
holds "$k" "$tmp/k" "k without its snapshot"
expect_rc 0 nexusctl replica destroy p1 k
expect_eq "$(used)" 0 "pool used once everything is gone"
expect_rc 0 nexusctl pool export p1
expect_rc 0 nexusctl -j pool check $dev
expect_eq "$(jqf "$OUT" .clean)" true "checker verdict at the end"
expect_eq "$(jqf "$OUT" .used_clusters)" 0 "clusters in use at the end"
expect_rc 0 nexusctl pool import $dev
