#!/bin/bash
# The netlink fuzzer (tests/fuzz/genl_fuzz.py): random and mutated requests
# for every command and attribute of the nexus family, as root, against
# real pools, replicas, snapshots and a nexus over the guest's disks.
# Every request must be answered; afterwards the module must still make
# and tear down objects, and unload with nothing leaked (the harness's
# kmemleak scan).  Any splat in the kernel log fails the test.
#
# Messages: NEXUS_FUZZ_GENL (CI: 4000; `make fuzz-guest`: 1000000), from
# seed NEXUS_FUZZ_SEED (default 1): a failure names the message number,
# and the same seed replays it.
# nexus-test: disk=virtio:64M disk=virtio:40M disk=virtio:40M disk=virtio:40M kernels=debug timeout=1500
. "$(dirname "$0")/../lib/common.sh"

count=${NEXUS_FUZZ_GENL:-4000}
seed=${NEXUS_FUZZ_SEED:-1}
at_exit unload_nexus
at_exit "nexusctl nexus destroy fv >/dev/null 2>&1; nexusctl pool destroy fp --force >/dev/null 2>&1; true"

step "$count messages from seed $seed"
# The fuzzer's own verdict: every request answered, objects made afresh.
python3 "$NEXUS_TOP/tests/fuzz/genl_fuzz.py" --count "$count" --seed "$seed" \
	--disks /dev/vda,/dev/vdb,/dev/vdc,/dev/vdd || fail "the netlink fuzzer failed"

step "afterwards the module still works: its objects are made and used"
expect_rc 0 nexusctl -j nexus show fv
expect_eq "$(jq -r .state <<<"$OUT")" online "state of the base nexus after the fuzzing"
v=/dev/$(jq -r .device <<<"$OUT")
dd if=/dev/urandom of=/tmp/blk bs=64k count=4 status=none
dd if=/tmp/blk of="$v" bs=64k oflag=direct status=none
cmp /tmp/blk <(dd if="$v" bs=64k count=4 iflag=direct status=none) ||
	fail "data read back from the nexus differs"
expect_rc 0 nexusctl nexus destroy fv
expect_rc 0 nexusctl pool destroy fp --force
echo "fuzz-genl: ok"
