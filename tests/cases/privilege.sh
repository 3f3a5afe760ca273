#!/bin/bash
# Mutating commands need CAP_NET_ADMIN: without it they get EPERM, a clear
# message and exit code 4, and change nothing.  Reading is open to all.
# Checked three ways: the family's operation table as the kernel lists it
# (every operation but five reads carries GENL_ADMIN_PERM), every mutating
# nexusctl command run by nobody against real objects, and raw requests.
# Stock and 6.12 (whose split genl ops list flags differently); not the
# debug kernel: refusals run no handler for KASAN or lockdep to watch.
# nexus-test: disk=virtio:64M disk=virtio:32M timeout=400 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# The tree may live where nobody cannot read (a clone under /root).
pub=$(mktemp -d)
chmod 0755 "$pub"
install -m 0644 "$NEXUS_TOP/tests/lib/genl.py" "$pub/genl.py"
# root, but with CAP_NET_ADMIN out of the bounding set (so not effective).
as_root_without_net_admin() { setpriv --bounding-set=-net_admin "$@"; }

at_exit unload_nexus
unload_nexus

step "an unprivileged user's query loads the module on demand"
expect_rc 0 as_nobody nexusctl version
module_loaded || fail "the family lookup by an unprivileged user did not load the module"

step "unprivileged users may read"
expect_rc 0 as_nobody nexusctl -j module show
expect_eq "$(jq -r .io_timeout_ms <<<"$OUT")" 5000 "io_timeout_ms"

step "but not change"
expect_rc 4 as_nobody nexusctl module set io-timeout 6s
expect_in "$ERR" "nexusctl: module set: permission denied: this command needs CAP_NET_ADMIN"
expect_rc 4 as_root_without_net_admin nexusctl module set io-timeout 6s
expect_in "$ERR" "permission denied"
expect_rc 0 as_nobody python3 "$pub/genl.py" --cmd 3 --attr u32:5=6000
expect_in "$OUT" "errno=1 "
expect_rc 0 nexusctl -j module show
expect_eq "$(jq -r .io_timeout_ms <<<"$OUT")" 5000 "io_timeout_ms after refused changes"

step "the kernel's own table: every operation but the read-only ones needs CAP_NET_ADMIN"
# The read-only operations anyone may run (docs/reliability.md says why):
# INFO_GET, CONFIG_GET, POOL_GET, REPLICA_GET, NEXUS_GET.  Any other
# operation, present or future, must carry GENL_ADMIN_PERM.
open_ops=" INFO_GET CONFIG_GET POOL_GET REPLICA_GET NEXUS_GET "
expect_rc 0 as_nobody python3 "$pub/genl.py" --ops
ops=$OUT
nops=0
while read -r num name; do
	case $name in *_NTF) continue ;; esac	# events: no operation
	flags=$(awk -v c="$num" '$1 == c { print $2 }' <<<"$ops")
	[ -n "$flags" ] || fail "command $name ($num) is not an operation of the family"
	if [[ $open_ops == *" $name "* ]]; then
		[ $((flags & 1)) = 0 ] || fail "$name needs CAP_NET_ADMIN, but reading is open to all"
	else
		[ $((flags & 1)) = 1 ] || fail "$name ($num) changes state without GENL_ADMIN_PERM"
	fi
	nops=$((nops + 1))
done < <(sed -n 's/^\tNEXUS_CMD_\([A-Z_]*\),.*/\1/p' "$NEXUS_TOP/include/nexus_netlink.h" |
	 grep -vx UNSPEC | awk '{ print NR, $1 }')
echo "checked $nops operations"
[ "$nops" -ge 28 ] || fail "only $nops operations found in the header"

step "objects to act on: a pool, replicas, a snapshot, a nexus"
expect_rc 0 nexusctl pool create p1 /dev/vda --cluster-size 1M
expect_rc 0 nexusctl replica create p1 r1 8M
expect_rc 0 nexusctl replica create p1 r2 8M --thin
expect_rc 0 nexusctl snapshot create p1 r2 s1
# Over a replica, so that `nexus snapshot` gets as far as the freeze.
expect_rc 0 nexusctl -j nexus create vol1 replica://p1/r1 --size 4M
child=$(jq -r '.children[0].uuid' <<<"$OUT")
expect_rc 0 nexusctl nexus publish vol1 --addr 127.0.0.1 --port 4421
at_exit pool_teardown p1
at_exit nexus_teardown vol1
at_exit "! nexusctl nexus show vol1 >/dev/null 2>&1 || nexusctl nexus unpublish vol1"
# state: everything an admin can see, to show that refusals changed nothing.
state() {
	nexusctl -j pool list && nexusctl -j replica list && nexusctl -j snapshot list &&
		nexusctl -j nexus list | jq 'del(.[].stats, .[].children[].stats)' &&
		nexusctl -j module show && { ls /sys/kernel/config/nvmet/subsystems 2>/dev/null || true; }
}
before=$(state)

step "every mutating nexusctl command, run by nobody, is refused and changes nothing"
wrong=
while IFS= read -r cmd; do
	[ -n "$cmd" ] || continue
	# shellcheck disable=SC2086 # one command line per entry
	run as_nobody nexusctl $cmd
	[ "$RC" = 4 ] && [[ $ERR == *"permission denied"* ]] ||
		wrong+="  nexusctl $cmd: exit $RC: $ERR"$'\n'
done <<EOC
module set io-timeout 6s
pool create p2 /dev/vdb
pool import /dev/vdb
pool export p1
pool destroy p1 --force
replica create p1 r3 8M
replica create p1 c1 --from s1
replica destroy p1 r1
replica resize p1 r1 16M
replica share p1 r1 --addr 127.0.0.1
replica unshare p1 r1
snapshot create p1 r1 s2
snapshot destroy p1 s1
snapshot expose p1 s1
snapshot hide p1 s1
nexus create vol2 bdev:///dev/vdb
nexus assemble bdev:///dev/vdb
nexus stop vol1
nexus destroy vol1
nexus set vol1 read-policy round-robin
nexus freeze vol1
nexus thaw vol1
nexus snapshot vol1 snap
nexus publish vol1 --addr 127.0.0.1
nexus unpublish vol1
nexus verify vol1
nexus verify vol1 --stop
child add vol1 bdev:///dev/vdb
child remove vol1 $child
child fault vol1 $child
child online vol1 $child
rebuild pause vol1 $child
rebuild resume vol1 $child
rebuild stop vol1 $child
pool import --scan
pool export --all
nexus assemble --scan
nexus stop --all
nexus stop vol1 --forget
node up
node down
EOC
[ -z "$wrong" ] || fail "not refused with exit 4 and 'permission denied':"$'\n'"$wrong"
expect_eq "$(state)" "$before" "what an admin sees after the refused commands"

step "a user who may write the device but lacks CAP_NET_ADMIN: --force erases nothing"
mkfs.ext4 -q -F /dev/vdb
chgrp disk /dev/vdb
chmod 0660 /dev/vdb
expect_rc 4 setpriv --reuid=65534 --regid=65534 --groups=disk \
	nexusctl pool create p2 /dev/vdb --force
expect_in "$ERR" "permission denied"
expect_eq "$(blkid -o value -s TYPE /dev/vdb)" ext4 "the signature on /dev/vdb after the refusal"
expect_eq "$(state)" "$before" "what an admin sees after the refused create"

step "requests nexusctl would never send are refused the same way"
while read -r cmd flags; do
	[ $((flags & 1)) = 1 ] || continue
	expect_rc 0 as_nobody python3 "$pub/genl.py" --cmd "$cmd" --attr str:8=p1
	expect_in "$OUT" "errno=1 " "command $cmd as nobody"
done <<<"$ops"
expect_eq "$(state)" "$before" "what an admin sees after the refused requests"

step "unprivileged users may read"
expect_rc 0 as_nobody nexusctl -j pool list
expect_eq "$(jq -r '.[0].name' <<<"$OUT")" p1 "a pool an unprivileged user sees"
expect_rc 0 as_nobody nexusctl -j replica show p1 r1
expect_rc 0 as_nobody nexusctl -j nexus show vol1
expect_rc 0 as_nobody nexusctl -j snapshot list p1
expect_rc 0 nexusctl nexus unpublish vol1
expect_rc 0 nexusctl nexus destroy vol1
expect_rc 0 nexusctl pool destroy p1 --force

step "root may"
expect_rc 0 nexusctl module set io-timeout 6s

step "unprivileged users may listen to events"
monitor_start 1 monitor.out as_nobody
expect_rc 0 nexusctl module set io-timeout 7s
monitor_wait
expect_eq "$(jq -r .io_timeout_ms monitor.out)" 7000 "io_timeout_ms in the event"

step "without the module, nexusctl says so and exits 3"
unload_nexus
# modprobe (and so the on-demand load) now fails as for a missing module.
echo "install nexus /bin/false" >/etc/modprobe.d/nexus-test-absent.conf
at_exit "rm -f /etc/modprobe.d/nexus-test-absent.conf"
expect_rc 3 nexusctl version
expect_in "$OUT" "nexusctl"
expect_in "$ERR" "the nexus kernel module is not loaded"
expect_rc 3 nexusctl -j version
expect_eq "$(jq -r .module <<<"$OUT")" null "module in JSON when absent"
expect_rc 3 as_nobody nexusctl module show
expect_rc 3 nexusctl module set io-timeout 6s
echo "privilege: ok"
