#!/bin/bash
# The harness gives a test what its header asks for, and nothing more:
# an emulated NVMe namespace and a virtio disk of the requested sizes that
# hold data, the host's tools, no network beyond loopback.
# nexus-test: disk=nvme:256M disk=virtio:64M timeout=300 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"

step "an emulated NVMe namespace of 256 MiB"
[ -b /dev/nvme0n1 ] || fail "no /dev/nvme0n1"
expect_eq "$(blockdev --getsize64 /dev/nvme0n1)" $((256 << 20)) "nvme0n1 size"
expect_rc 0 nvme id-ctrl /dev/nvme0 -o json
expect_eq "$(jq -r .sn <<<"$OUT" | sed 's/ *$//')" "nexus-test-0" "NVMe serial number"
expect_eq "$(cat /sys/block/nvme0n1/queue/logical_block_size)" 512 "logical block size"

step "a virtio disk of 64 MiB"
[ -b /dev/vda ] || fail "no /dev/vda"
expect_eq "$(blockdev --getsize64 /dev/vda)" $((64 << 20)) "vda size"

step "both hold what is written to them"
for dev in /dev/nvme0n1 /dev/vda; do
	head -c $((4 << 20)) /dev/urandom >pattern
	dd if=pattern of="$dev" bs=1M seek=3 oflag=direct status=none
	cmp <(dd if="$dev" bs=1M skip=3 count=4 iflag=direct status=none) pattern ||
		fail "$dev did not read back what was written"
	# Unwritten space of the sparse image reads as zeros.
	cmp <(dd if="$dev" bs=1M count=3 iflag=direct status=none) <(head -c $((3 << 20)) /dev/zero) ||
		fail "$dev: unwritten blocks are not zero"
done

step "no network but loopback"
# No network device backed by (emulated) hardware; virtual ones such as
# the debug kernel's sit0 tunnel may exist, down.
for dev in /sys/class/net/*; do
	case $(readlink -f "$dev") in
	/sys/devices/virtual/*) ;;
	*) fail "network device ${dev##*/} is backed by hardware" ;;
	esac
done
up=$(ip -o link show up | awk -F': ' '{print $2}' | tr '\n' ' ')
expect_eq "$up" "lo " "interfaces that are up"
expect_eq "$(ip route show; ip -6 route show | grep -v '^::1 ')" "" "routes"
run python3 -c 'import socket; socket.create_connection(("192.0.2.1", 80), timeout=3)'
[ "$RC" != 0 ] || fail "reached 192.0.2.1: the guest has a network"
expect_in "$ERR" "Network is unreachable"
# Loopback works, on all of 127.0.0.0/8 (tests put fabrics targets there).
expect_rc 0 python3 -c '
import socket
srv = socket.socket()
srv.bind(("127.0.0.2", 0))
srv.listen()
cli = socket.create_connection(srv.getsockname(), timeout=3)
cli.sendall(b"x")
assert srv.accept()[0].recv(1) == b"x"
'

step "the host's tools and the code under test"
for tool in fio nvme jq python3 nexusctl; do
	command -v "$tool" >/dev/null || fail "$tool missing in the guest"
done
[ -f "/lib/modules/$(uname -r)/extra/nexus.ko" ] || fail "nexus.ko not installed"
echo "harness: ok"
