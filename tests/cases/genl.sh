#!/bin/bash
# The generic netlink family "nexus": it autoloads the module, answers the
# info and config commands, validates strictly, explains every refusal
# (extack) without changing anything, and sends events.
# Not on the debug kernel: there fuzz-genl sends every command and
# attribute, well-formed and not, against real objects under KASAN and
# lockdep; what this test checks are the answers, the same on any build
# of a kernel.
# nexus-test: timeout=300 kernels=stock,backports
. "$(dirname "$0")/../lib/common.sh"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$NEXUS_TOP/dkms.conf")
rawgenl() { python3 "$NEXUS_TOP/tests/lib/genl.py" "$@"; }
# Command and attribute numbers, from the uAPI header (docs/netlink.md).
CMD_INFO_GET=1 CMD_CONFIG_GET=2 CMD_CONFIG_SET=3
A_VERSION=2 A_IO_TIMEOUT_MS=5 A_RATE_MIN=6 A_RATE_MAX=7 A_POOL_NAME=8 A_MAX=59

at_exit unload_nexus
unload_nexus

step "the family loads the module on demand"
expect_rc 0 nexusctl version
module_loaded || fail "nexusctl version did not load the module"
expect_in "$OUT" "nexusctl $version (netlink API 1)"
expect_in "$OUT" "module   $version (netlink API 1, features: events config pools nexus snapshots)"
expect_rc 0 nexusctl -j version
expect_eq "$(jq -r .module.version <<<"$OUT")" "$version" "module version"
expect_eq "$(jq -r .module.api_version <<<"$OUT")" 1 "module API version"
expect_eq "$(jq -c .module.features <<<"$OUT")" '["events","config","pools","nexus","snapshots"]' "features"
expect_eq "$(jq -r .nexusctl.version <<<"$OUT")" "$version" "nexusctl version"

step "the controller sees the family, its ops and its events group"
expect_rc 0 genl ctrl get name nexus
expect_in "$OUT" "Name: nexus"
expect_in "$OUT" "events"

step "settings: show, set, show"
expect_rc 0 nexusctl module show
expect_in "$OUT" "io-timeout         5000 ms"
expect_in "$OUT" "rebuild-rate-min   1 MiB/s"
expect_in "$OUT" "rebuild-rate-max   unlimited"
expect_rc 0 nexusctl module set io-timeout 7s rebuild-rate-min 2M rebuild-rate-max 1G
expect_rc 0 nexusctl -j module show
expect_eq "$(jq -c '[.io_timeout_ms, .rebuild_rate_min_kib, .rebuild_rate_max_kib]' <<<"$OUT")" \
	'[7000,2048,1048576]' "settings after set"
expect_rc 0 nexusctl module set rebuild-rate-max unlimited
expect_rc 0 nexusctl -j module show
expect_eq "$(jq -c '[.io_timeout_ms, .rebuild_rate_min_kib, .rebuild_rate_max_kib]' <<<"$OUT")" \
	'[7000,2048,0]' "settings after a partial set"

step "refusals carry the kernel's reason, and change nothing"
before=$(nexusctl -j module show)
expect_rc 1 nexusctl module set io-timeout 50ms
expect_in "$ERR" "nexusctl: module set: io-timeout: integer out of range (allowed: 100 to 600000 ms)"
expect_rc 1 nexusctl module set io-timeout 11m
expect_in "$ERR" "io-timeout: integer out of range"
expect_eq "$(nexusctl -j module show)" "$before" "settings after refused io-timeouts"
expect_rc 0 nexusctl module set rebuild-rate-max 4M
before=$(nexusctl -j module show)
expect_rc 1 nexusctl module set rebuild-rate-min 8M io-timeout 9s
expect_in "$ERR" "nexusctl: module set: rebuild-rate-min exceeds rebuild-rate-max"
expect_eq "$(nexusctl -j module show)" "$before" "settings after refused sets"

step "the command line is checked before anything is sent"
expect_rc 2 nexusctl module set io-timeout
expect_rc 2 nexusctl module set bogus 1
expect_in "$ERR" "unknown setting 'bogus'"
expect_rc 2 nexusctl module set io-timeout 1 io-timeout 2
expect_rc 2 nexusctl module set io-timeout five
expect_rc 2 nexusctl module set rebuild-rate-max 5T
expect_in "$ERR" "too large"
expect_rc 2 nexusctl module set io-timeout 5000h
expect_in "$ERR" "too large"
expect_rc 2 nexusctl module set rebuild-rate-min unlimited
expect_rc 2 nexusctl frobnicate
expect_rc 2 nexusctl

step "strict validation of what nexusctl would never send"
expect_rc 0 rawgenl --cmd $CMD_INFO_GET --attr u32:$A_IO_TIMEOUT_MS=1
expect_in "$OUT" "errno=22"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_GET --attr u32:$A_IO_TIMEOUT_MS=1
expect_in "$OUT" "errno=22"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr str:$A_VERSION=x
expect_in "$OUT" "errno=22 msg=Unsupported attribute offs=20"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr u32:$((A_MAX + 1))=1
expect_in "$OUT" "errno=22 msg=Unknown attribute type offs=20"
# An attribute of the family that this command does not take.
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr str:$A_POOL_NAME=p1
expect_in "$OUT" "errno=22 msg=Unsupported attribute offs=20"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr u16:$A_IO_TIMEOUT_MS=5000
expect_in "$OUT" "errno=22 msg=invalid attribute length offs=20"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr u64:$A_RATE_MIN=1
expect_in "$OUT" "errno=22 msg=invalid attribute length offs=20"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET
expect_in "$OUT" "errno=22 msg=no setting given"
expect_rc 0 rawgenl --cmd 99
expect_in "$OUT" "errno=95"
expect_rc 0 rawgenl --cmd $CMD_CONFIG_SET --attr u32:$A_IO_TIMEOUT_MS=8000 --attr u32:$A_RATE_MIN=1
expect_in "$OUT" "errno=0"
expect_rc 0 nexusctl -j module show
expect_eq "$(jq -r .io_timeout_ms <<<"$OUT")" 8000 "io_timeout_ms set through raw netlink"

step "text the module shows back must be printable ASCII: other bytes are refused"
# A child's URI is shown back by nexus show and monitor; the netlink
# fuzzer once gave one with a byte 0x80, and nexusctl's JSON broke.
expect_rc 0 python3 - <<'PY'
import os, sys
sys.path[:0] = [os.environ["NEXUS_TOP"] + "/tests/lib", os.environ["NEXUS_TOP"] + "/tests/fuzz"]
from genl import Genl, nla
from genl_fuzz import A, C, CHILD, NLA_F_NESTED
g = Genl()
fam = g.family_id("nexus")
for uri in (b"bdev:///dev/caf\xc3\xa9", b"bdev:///dev/a\x80", b"bdev:///dev/a b", b"bdev:///dev/\x1b[2J"):
    child = nla(CHILD["PATH"], b"/dev/null\0") + nla(CHILD["URI"], uri + b"\0")
    body = nla(A["NEXUS_NAME"], b"vbad\0") + \
        nla(A["CHILDREN"] | NLA_F_NESTED, nla(A["CHILD"] | NLA_F_NESTED, child))
    err, text, _, _ = g.request(fam, C["NEXUS_CREATE"], body)
    assert (err, text) == (22, "a child's path and URI are printable ASCII, no spaces"), (uri, err, text)
for cmd in ("POOL_CREATE", "POOL_IMPORT"):
    body = nla(A["POOL_NAME"], b"pbad\0") + nla(A["POOL_DEVICE"], b"/dev/caf\xc3\xa9\0")
    err, text, _, _ = g.request(fam, C[cmd], body)
    assert (err, text) == (22, "a device path is printable ASCII, no spaces"), (cmd, err, text)
print("refused: 4 URIs, 2 device paths")
PY
expect_in "$OUT" "refused: 4 URIs, 2 device paths"

step "events: each change is announced, in order; a refusal is not"
monitor_start 3 monitor.out
expect_rc 1 nexusctl module set io-timeout 1
expect_rc 0 nexusctl module set io-timeout 9s
expect_rc 0 nexusctl module set io-timeout 10s
expect_rc 1 nexusctl module set rebuild-rate-min 1G
expect_rc 0 nexusctl module set io-timeout 11s
monitor_wait
expect_eq "$(jq -sc 'map(.event)' monitor.out)" '["config","config","config"]' "events"
expect_eq "$(jq -sc 'map(.io_timeout_ms)' monitor.out)" '[9000,10000,11000]' "io_timeout_ms in the events"
expect_eq "$(jq -sc 'map(.rebuild_rate_max_kib) | unique' monitor.out)" '[4096]' "rebuild_rate_max_kib in the events"

step "a monitor ends, and says so, when the module goes away"
monitor_start 5 monitor2.out
expect_rc 0 rmmod nexus
run wait "$MONITOR_PID"
expect_eq "$RC" 1 "monitor exit status after rmmod"
expect_in "$(cat monitor2.out.err)" "the nexus module was unloaded"
echo "genl: ok"
