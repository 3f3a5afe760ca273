#!/bin/bash
# Every nexusctl command with -j, its output validated against the
# documented schema (docs/nexusctl.schema.json, tests/lib/jsoncheck.py):
# queries, every mutating command of every object (those that print
# nothing must print nothing), the --scan, --all and node forms, pool
# check, and the events of monitor.  Objects in the schema are closed, so
# a field added to nexusctl without the schema fails here.  Each command
# must also succeed: the objects are real (a pool with thick, thin,
# snapshot and clone replicas, a shared replica, a published 2-way nexus,
# a nexus over replicas for a volume snapshot, a rebuild held slow enough
# to pause).
#
# Stock only: the output is nexusctl's, the same on every kernel.
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=600 kernels=stock
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

check=$NEXUS_TOP/tests/lib/jsoncheck.py
checked=0
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol2
at_exit nexus_teardown vol1
at_exit "nexusctl module set io-timeout 5s >/dev/null 2>&1 || true"

jdir=$(mktemp -d)
at_exit "rm -rf $jdir"

# j <definition> <nexusctl arguments...>: run nexusctl -j, which must
# succeed and print what the schema's definition says.  The outputs are
# kept and checked in one go at the end (jsoncheck.py --batch): one
# Python start-up, not one each, which took seconds under emulation.
j() {
	local def=$1
	shift
	run nexusctl -j "$@"
	[ "$RC" = 0 ] || fail "nexusctl -j $* exited $RC"
	checked=$((checked + 1))
	printf '%s\n%s\n' "$def" "nexusctl -j $*" >"$jdir/$checked.def"
	printf '%s' "$OUT" >"$jdir/$checked.out"
}

raw=$(nvme_disk 0)
dev=$(nvme_disk 1)
modprobe nvme-tcp || skip "no nvme-tcp host module"

step "module"
j version version
monitor_start 6 /tmp/events.json
j none module set io-timeout 6s
j module module show

step "pools and replicas"
j pool pool create p1 "$dev"
j pools pool list
j pool pool show p1
j replica replica create p1 r1 128M
j replica replica create p1 r2 128M --thin --prop owner=node-a
j replica replica create p1 t1 64M --thin
j replica replica resize p1 t1 96M
j replicas replica list
j replicas replica list p1
j replica replica show p1 r2
j replica replica share p1 r2 --addr 127.0.0.1 --port 4432 --any-host
expect_eq "$(jqf "$OUT" .share.exported)" true "r2 exported"
j replica replica unshare p1 r2

step "snapshots and clones"
j replica snapshot create p1 t1 s1 --prop why=test
j replicas snapshot list
j replica snapshot show p1 s1
j replica snapshot expose p1 s1
j replica snapshot hide p1 s1
j replica replica create p1 c1 --from s1
j none replica destroy p1 c1
j none snapshot destroy p1 s1

step "a nexus: create, show, set, publish, verify, freeze, children"
j nexus nexus create vol1 "bdev://$raw" replica://p1/r1 --size 64M
j nexuses nexus list
j nexus nexus show vol1
fio_write "/dev/$(jqf "$OUT" .device)" 4M 0 stats
j stats_report nexus stats vol1
[ "$(jqf "$OUT" '.[0].write_latency_us')" != null ] && [ "$(jqf "$OUT" '.[0].children[0].write_latency_us')" != null ] ||
	fail "no write latency after writes"
j stats_report stats
# The table: a line per nexus and per child, latency in us.
expect_rc 0 nexusctl stats vol1
expect_eq "$(grep -c ' us ' <<<"$OUT")" 3 "stats lines with a latency (vol1 and its 2 children)"
j nexus nexus set vol1 read-policy round-robin
j nexus nexus publish vol1 --addr 127.0.0.1 --port 4433
expect_eq "$(jqf "$OUT" .published)" nqn.2019-05.io.openebs:vol1 "vol1 published"
j nexus nexus verify vol1 --wait
j nexus nexus freeze vol1 --timeout 30s
j nexus nexus thaw vol1
child=$(child_uuid vol1 replica://p1/r1)
j nexus child fault vol1 "$child"
j nexus child online vol1 "$child"
wait_synced vol1 "$child"
j nexus nexus set vol1 rebuild-rate-max 1M
j nexus child add vol1 replica://p1/r2
new=$(child_uuid vol1 replica://p1/r2)
j nexus rebuild pause vol1 "$new"
j nexus rebuild resume vol1 "$new"
j nexus rebuild stop vol1 "$new"
j nexus child remove vol1 "$new"
j nexus nexus set vol1 rebuild-rate-max unlimited
j none nexus unpublish vol1

step "a volume snapshot"
j replica replica create p1 a 64M --thin
j nexus nexus create vol2 replica://p1/a --size 32M
j replicas nexus snapshot vol2 vs1
j none snapshot destroy p1 vs1

step "node down, node up, and their parts"
j node_down node down
j import_scan pool import --scan
j assemble_scan nexus assemble --scan
j stop_all nexus stop --all
j export_all pool export --all
j check pool check "$dev"
expect_eq "$(jqf "$OUT" .clean)" true "pool check"
j node_up node up
expect_eq "$(jqf "$OUT" '.nexuses.assembled | length')" 2 "nexuses node up assembled"

step "stop, import, assemble, destroy"
j none nexus stop vol2
j nexus nexus assemble replica://p1/a
j none nexus destroy vol2
j none nexus destroy vol1
j none pool export p1
j pool pool import "$dev"
j none replica destroy p1 r2
j none pool destroy p1 --force

step "monitor's events"
monitor_wait >/tmp/events.all
checked=$((checked + 1))
printf '%s\n%s\n' "event --lines" "nexusctl -j monitor" >"$jdir/$checked.def"
cp /tmp/events.all "$jdir/$checked.out"

step "every output against the schema"
python3 "$check" --batch "$jdir" || fail "outputs that do not match their definitions (above)"
expect_eq "$(ls "$jdir"/*.def | wc -l)" "$checked" "outputs checked"
echo "json: $checked commands' output valid"
