#!/bin/bash
# RDMA legs over soft-RoCE: a veth pair made inside the guest, an rxe
# device on each end, a replica shared over NVMe/RDMA (nvmet-rdma) on one
# end and reached by the nexus over nvme-rdma from the other.  The nexus
# mirrors to it, a leg faulted by hand comes back with a partial rebuild,
# and the nexus itself is published over RDMA and used with plain
# `nvme connect -t rdma`.
#
# Not on the debug kernel, like the other NVMe-oF tests (see share.sh).
# nexus-test: disk=nvme:512M disk=nvme:1G timeout=900 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"
. "$NEXUS_TOP/tests/lib/pool.sh"
. "$NEXUS_TOP/tests/lib/nexus.sh"

raw=$(nvme_disk 0)
for m in rdma_rxe nvme-rdma nvmet-rdma; do
	modprobe "$m" || skip "no $m module"
done
at_exit unload_nexus
at_exit pool_teardown p1
at_exit nexus_teardown vol1

step "soft-RoCE on a veth pair"
ip link add nxra type veth peer name nxrb
at_exit "ip link del nxra 2>/dev/null; true"
ip addr add 10.77.0.1/24 dev nxra
ip addr add 10.77.0.2/24 dev nxrb
ip link set nxra up
ip link set nxrb up
expect_rc 0 rdma link add rxea type rxe netdev nxra
at_exit "rdma link delete rxea 2>/dev/null; true"
expect_rc 0 rdma link add rxeb type rxe netdev nxrb
at_exit "rdma link delete rxeb 2>/dev/null; true"
expect_rc 0 rdma link show
expect_in "$OUT" "rxea"

step "a replica shared over NVMe/RDMA, mirrored to by a nexus"
expect_rc 0 nexusctl pool create p1 "$(nvme_disk 1)"
expect_rc 0 nexusctl replica create p1 local 300M
expect_rc 0 nexusctl -j replica create p1 remote 300M
ruuid=$(jqf "$OUT" .uuid)
expect_rc 0 nexusctl -j replica share p1 remote --proto rdma --addr 10.77.0.1 --any-host
nqn=$(jqf "$OUT" .share.nqn)
expect_eq "$(jqf "$OUT" .share.protocol)" nvmf-rdma "share protocol"
uri="nvmf+rdma://10.77.0.1:8420/$nqn?uuid=$ruuid"
expect_rc 0 nexusctl -j nexus create vol1 bdev://$raw replica://p1/local "$uri" --size 256M
nexus=/dev/$(jqf "$OUT" .device)
expect_eq "$(jqf "$OUT" .state)" online "nexus state"
c=$(grep -l "$nqn" /sys/class/nvme/nvme*/subsysnqn | head -n 1)
expect_eq "$(cat "${c%/subsysnqn}/transport")" rdma "transport of the remote child"
fio_write "$nexus" 32M 0 base
legs_identical vol1

step "the RDMA leg faulted and brought back: partial rebuild"
bitmap_settle vol1
expect_rc 0 nexusctl child fault vol1 "$ruuid"
fio_write "$nexus" 8M 96M later
expect_rc 0 nexusctl child online vol1 "$ruuid"
wait_synced vol1 "$ruuid"
expect_eq "$(child_field vol1 "$ruuid" .rebuild.copied)" $((8 << 20)) "bytes the partial rebuild copied"
legs_identical vol1

step "the nexus published over RDMA, used with nvme connect -t rdma"
host=nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-0000000000d1
vuuid=$(nexusctl -j nexus show vol1 | jq -r .uuid)
expect_rc 0 nexusctl nexus publish vol1 --proto rdma --addr 10.77.0.1 --port 4421 --host $host
pnqn=nqn.2019-05.io.openebs:vol1
expect_rc 0 nvme connect -t rdma -a 10.77.0.1 -s 4421 -n "$pnqn" --hostnqn=$host \
	--hostid=00000000-0000-0000-0000-0000000000d1
at_exit "nvme disconnect -n $pnqn >/dev/null 2>&1; true"
client=$(fabric_dev "$vuuid") || fail "no namespace of uuid $vuuid over RDMA"
fio_verify "$client" 32M 0 base
fio_write "$client" 8M 160M client
expect_rc 0 nvme disconnect -n "$pnqn"
fio_verify "$nexus" 8M 160M client
legs_identical vol1
expect_rc 0 nexusctl nexus destroy vol1
