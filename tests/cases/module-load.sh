#!/bin/bash
# nexus.ko loads and unloads cleanly, with default and with given
# parameters, and refuses parameters that make no sense.
# nexus-test: timeout=300
. "$(dirname "$0")/../lib/common.sh"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$NEXUS_TOP/dkms.conf")
at_exit unload_nexus
unload_nexus

step "modprobe with the defaults"
expect_rc 0 modprobe nexus
module_loaded || fail "no /sys/module/nexus after modprobe"
expect_eq "$(cat /sys/module/nexus/version)" "$version" "module version"
expect_eq "$(cat /sys/module/nexus/parameters/io_timeout_ms)" 5000 "io_timeout_ms"
expect_eq "$(cat /sys/module/nexus/parameters/rebuild_rate_min)" 1024 "rebuild_rate_min"
expect_eq "$(cat /sys/module/nexus/parameters/rebuild_rate_max)" 0 "rebuild_rate_max"
dmesg | grep -q "nexus: version $version loaded (netlink API 1)" || fail "no load message"
expect_rc 0 rmmod nexus
module_loaded && fail "nexus still loaded after rmmod"

step "modprobe with parameters"
expect_rc 0 modprobe nexus io_timeout_ms=2000 rebuild_rate_max=100000
expect_rc 0 nexusctl -j module show
expect_eq "$(jq -r .io_timeout_ms <<<"$OUT")" 2000 "io_timeout_ms"
expect_eq "$(jq -r .rebuild_rate_min_kib <<<"$OUT")" 1024 "rebuild_rate_min_kib"
expect_eq "$(jq -r .rebuild_rate_max_kib <<<"$OUT")" 100000 "rebuild_rate_max_kib"
expect_rc 0 rmmod nexus

step "parameters that make no sense are refused, with the reason in dmesg"
expect_rc 1 modprobe nexus io_timeout_ms=5
module_loaded && fail "loaded with io_timeout_ms=5"
dmesg | grep -q "nexus: invalid module parameters: io-timeout must be 100 to 600000 ms" ||
	fail "no reason for refusing io_timeout_ms=5 in dmesg"
expect_rc 1 modprobe nexus rebuild_rate_min=10 rebuild_rate_max=5
module_loaded && fail "loaded with rebuild_rate_min > rebuild_rate_max"
dmesg | grep -q "nexus: invalid module parameters: rebuild-rate-min exceeds rebuild-rate-max" ||
	fail "no reason for refusing rebuild_rate_min > max in dmesg"

step "load and unload cycles"
for i in 1 2 3 4 5; do
	modprobe nexus || fail "modprobe #$i failed"
	nexusctl version >/dev/null || fail "nexusctl version #$i failed"
	rmmod nexus || fail "rmmod #$i failed"
done
echo "module-load: ok"
