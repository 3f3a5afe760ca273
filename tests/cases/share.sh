#!/bin/bash
# A replica shared over NVMe-oF TCP through the kernel's NVMe target, and
# used by the kernel's NVMe host in the same guest over 127.0.0.1: what a
# nexus on another node does.  Data written through the fabric reads back
# through the replica device; the NQN and namespace uuid are the documented
# ones; allowed hosts are enforced; shares survive export and import;
# destroying a pool with shared replicas needs --force.
#
# Not on the debug kernel: its lockdep reports a circular dependency inside
# nvmet-tcp itself (nvmet_tcp_install_queue flushes nvmet-wq from io_work;
# release_work cancels io_work), with no nexus frame in the chain.  It is
# the long-standing report that fails blktests nvme/005 upstream
# (linux-nvme/nvme-cli#3113).  The script passes there otherwise.
# nexus-test: disk=nvme:512M timeout=600 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"

dev=/dev/nvme0n1
nvmet=/sys/kernel/config/nvmet
host_a=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-00000000000a
host_b=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-00000000000b

disconnect_all() { nvme disconnect -n "$nqn" >/dev/null 2>&1 || true; }

at_exit unload_nexus
at_exit pool_teardown p1
at_exit disconnect_all
modprobe nvme-tcp || skip "no nvme-tcp host module"

step "share a thick replica on 127.0.0.1:8420"
expect_rc 0 nexusctl pool create p1 $dev
expect_rc 0 nexusctl -j replica create p1 r1 64M
uuid=$(jqf "$OUT" .uuid)
rdev=/dev/$(jqf "$OUT" .device)
expect_rc 0 nexusctl -j replica share p1 r1 --addr 127.0.0.1
nqn=$(jqf "$OUT" .share.nqn)
expect_eq "$nqn" "nqn.2019-05.io.openebs:$uuid" "subsystem NQN"
expect_eq "$(jqf "$OUT" .share.port)" 8420 "default port"
expect_eq "$(jqf "$OUT" .share.exported)" true "exported"
expect_eq "$(cat $nvmet/subsystems/$nqn/namespaces/1/device_path)" "$rdev" "namespace device"
expect_eq "$(cat $nvmet/subsystems/$nqn/namespaces/1/device_uuid)" "$uuid" "namespace uuid"
expect_eq "$(cat $nvmet/subsystems/$nqn/attr_allow_any_host)" 1 "any host allowed"

step "nvme connect, write through the fabric, read back through the replica"
expect_rc 0 nvme connect -t tcp -a 127.0.0.1 -s 8420 -n "$nqn" --hostnqn=$host_a
fdev=$(fabric_dev "$uuid") || fail "no namespace with uuid $uuid after connect"
expect_eq "$(blockdev --getsize64 "$fdev")" $((64 << 20)) "fabric namespace size"
fio_write "$fdev" 32M 0 fabric
head -c 4M /dev/urandom >pattern
expect_rc 0 dd if=pattern of="$fdev" bs=1M seek=40 oflag=direct conv=fsync status=none
expect_rc 0 nvme disconnect -n "$nqn"
fio_verify "$rdev" 32M 0 fabric
cmp <(dd if="$rdev" bs=1M skip=40 count=4 iflag=direct status=none) pattern ||
	fail "the replica does not hold what was written through the fabric"

step "allowed hosts: only the named host may connect"
expect_rc 0 nexusctl -j replica share p1 r1 --addr 127.0.0.1 --host $host_a
expect_eq "$(jqf "$OUT" .share.any_host)" false "any host after --host"
expect_eq "$(jqf "$OUT" '.share.hosts[0]')" "$host_a" "allowed host"
expect_eq "$(cat $nvmet/subsystems/$nqn/attr_allow_any_host)" 0 "any host allowed"
run nvme connect -t tcp -a 127.0.0.1 -s 8420 -n "$nqn" --hostnqn=$host_b
[ "$RC" != 0 ] || fail "a host not allowed could connect"
expect_rc 0 nvme connect -t tcp -a 127.0.0.1 -s 8420 -n "$nqn" --hostnqn=$host_a
fdev=$(fabric_dev "$uuid") || fail "the allowed host got no namespace"
cmp <(dd if="$fdev" bs=1M skip=40 count=4 iflag=direct status=none) pattern ||
	fail "reading through the fabric"
expect_rc 0 nvme disconnect -n "$nqn"

step "a shared replica is held: export stops the share, import restores it"
expect_rc 0 nexusctl pool export p1
[ ! -e "$nvmet/subsystems/$nqn" ] || fail "export left the nvmet subsystem"
expect_rc 0 nexusctl -j pool import $dev
[ -e "$nvmet/subsystems/$nqn/namespaces/1" ] || fail "import did not restore the share"
expect_rc 0 nexusctl -j replica show p1 r1
expect_eq "$(jqf "$OUT" .share.protocol)" nvmf-tcp "share after import"
expect_eq "$(jqf "$OUT" '.share.hosts[0]')" "$host_a" "allowed host after import"
expect_rc 0 nvme connect -t tcp -a 127.0.0.1 -s 8420 -n "$nqn" --hostnqn=$host_a
fdev=$(fabric_dev "$uuid") || fail "no namespace after import"
cmp <(dd if="$fdev" bs=1M skip=40 count=4 iflag=direct status=none) pattern ||
	fail "reading through the fabric after import"
expect_rc 0 nvme disconnect -n "$nqn"

step "unshare: the subsystem goes, the setting too"
expect_rc 0 nexusctl -j replica unshare p1 r1
expect_eq "$(jqf "$OUT" .share.protocol)" none "share after unshare"
[ ! -e "$nvmet/subsystems/$nqn" ] || fail "unshare left the nvmet subsystem"
[ -z "$(ls $nvmet/ports)" ] || fail "unshare left an empty port: $(ls $nvmet/ports)"

step "a pool with shared replicas is destroyed only with --force"
expect_rc 0 nexusctl replica share p1 r1 --addr 127.0.0.1 --port 4421
expect_rc 1 nexusctl pool destroy p1
expect_in "$ERR" "pool has shared replicas (force to unshare and destroy them)"
[ -e "$nvmet/subsystems/$nqn" ] || fail "a refused destroy touched the share"
expect_rc 0 nexusctl pool destroy p1 --force
[ ! -e "$nvmet/subsystems/$nqn" ] || fail "destroy --force left the nvmet subsystem"
expect_rc 0 nexusctl -j pool list
expect_eq "$(jq length <<<"$OUT")" 0 "pools after destroy"
