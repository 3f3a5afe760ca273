#!/bin/bash
# Mutating commands need CAP_NET_ADMIN: without it they get EPERM, a clear
# message and exit code 4, and change nothing.  Reading is open to all.
# nexus-test: timeout=300
. "$(dirname "$0")/../lib/common.sh"

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

step "nor manage pools and replicas"
# POOL_CREATE IMPORT EXPORT DESTROY, REPLICA_CREATE DESTROY RESIZE SET
for cmd in 5 6 7 8 11 12 13 14; do
	expect_rc 0 as_nobody python3 "$pub/genl.py" --cmd $cmd --attr str:8=p1
	expect_in "$OUT" "errno=1 " "command $cmd as nobody"
done
expect_rc 4 as_nobody nexusctl pool import /dev/null
expect_in "$ERR" "nexusctl: pool import: permission denied"
expect_rc 4 as_nobody nexusctl replica create p1 r1 1G
expect_rc 4 as_nobody nexusctl pool destroy p1 --force
expect_rc 0 as_nobody nexusctl -j pool list
expect_eq "$OUT" "[
]" "pools an unprivileged user sees"

step "nor manage nexuses and their children"
# NEXUS_CREATE ASSEMBLE STOP DESTROY SET, CHILD_ADD REMOVE FAULT ONLINE, REBUILD
for cmd in 17 18 19 20 21 24 25 26 27 28; do
	expect_rc 0 as_nobody python3 "$pub/genl.py" --cmd $cmd --attr str:36=vol1
	expect_in "$OUT" "errno=1 " "command $cmd as nobody"
done
expect_rc 4 as_nobody nexusctl nexus set vol1 read-policy round-robin
expect_in "$ERR" "nexusctl: nexus set: permission denied"
expect_rc 0 as_nobody nexusctl -j nexus list

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
