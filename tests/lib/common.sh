# SPDX-License-Identifier: GPL-2.0
# Sourced by every guest test (tests/cases/*.sh).  Strict mode, assertions
# that say what they wanted, and cleanup that runs however the test ends.
#
# Exit status: 0 pass, 77 skip, anything else fail (tests/vm/vmtest).
set -euo pipefail

NEXUS_TOP=${NEXUS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
step() { echo "--- [${SECONDS} s] $*"; }

# Cleanup actions, run last-registered first when the test exits, each in
# a subshell: one that fails (or calls fail) cannot skip the others, and it
# fails the test, since a teardown that does not work is a bug too.
_nexus_cleanups=()
at_exit() { _nexus_cleanups+=("$*"); }
_nexus_run_cleanups() {
	local rc=$? i
	set +e
	for ((i = ${#_nexus_cleanups[@]} - 1; i >= 0; i--)); do
		if ! (eval "${_nexus_cleanups[i]}"); then
			echo "FAIL: cleanup '${_nexus_cleanups[i]}' failed" >&2
			[ "$rc" != 0 ] || rc=1
		fi
	done
	exit "$rc"
}
trap _nexus_run_cleanups EXIT

# run <cmd...>: run it, keep its exit status in RC, stdout in OUT and
# stderr in ERR, and show all three in the test's log.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	set +e
	"$@" >"$o" 2>"$e"
	RC=$?
	set -e
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	echo "\$ $* -> $RC"
	[ -z "$OUT" ] || sed 's/^/  out| /' <<<"$OUT"
	[ -z "$ERR" ] || sed 's/^/  err| /' <<<"$ERR"
}

expect_rc() {	# expect_rc <status> <cmd...>
	local want=$1
	shift
	run "$@"
	[ "$RC" = "$want" ] || fail "'$*' exited $RC, expected $want"
}

expect_in() {	# expect_in <haystack> <needle> [what]
	grep -qF -- "$2" <<<"$1" || fail "${3:-output} lacks '$2'"
}

expect_eq() {	# expect_eq <got> <want> <what>
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

module_loaded() { [ -d /sys/module/nexus ]; }

# dm_dev <name>: the /dev/dm-N of a device-mapper device (the guest runs no
# udev rules that would make /dev/mapper names).
dm_dev() {
	local d
	d=$(grep -lx "$1" /sys/block/dm-*/dm/name) || fail "no dm device $1"
	d=${d%/dm/name}
	echo "/dev/${d##*/}"
}

# nvme_disk <i>: the namespace of the test's i-th disk (its `disk=` order in
# the header, from 0).  Controllers probe in any order on newer kernels, so
# /dev/nvmeN is no fixed name: the harness gives disk i the serial
# nexus-test-<i>.
nvme_disk() {
	local c n serial
	for c in /sys/class/nvme/nvme*; do
		# NVMe pads the serial with blanks: read drops them.
		read -r serial <"$c/serial" 2>/dev/null || continue
		[ "$serial" = "nexus-test-$1" ] || continue
		for n in "$c"/nvme*n1; do
			[ -e "$n" ] && { echo "/dev/${n##*/}"; return 0; }
		done
	done
	fail "no NVMe namespace with serial nexus-test-$1"
}

unload_nexus() {
	if module_loaded; then
		rmmod nexus || fail "rmmod nexus failed"
	fi
}

# monitor_start <count> <file> [command prefix...]: run
# `nexusctl -j monitor count <count>` in the background (through the
# prefix, e.g. a function that drops privileges), writing its events to
# <file>; return once it is subscribed, so that no event can be missed.
# monitor_wait then collects them.
monitor_start() {
	local count=$1 out=$2
	shift 2
	"$@" nexusctl -j monitor count "$count" >"$out" 2>"$out.err" &
	MONITOR_PID=$!
	MONITOR_OUT=$out
	at_exit "kill $MONITOR_PID 2>/dev/null; true"
	for _ in $(seq 1 300); do
		grep -q "monitoring nexus events" "$out.err" && return 0
		sleep 0.1
	done
	fail "monitor did not start: $(cat "$out.err")"
}

monitor_wait() {
	for _ in $(seq 1 300); do
		kill -0 "$MONITOR_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$MONITOR_PID" 2>/dev/null; then
		kill "$MONITOR_PID"
		fail "monitor did not get its events within 30 s: $(cat "$MONITOR_OUT")"
	fi
	wait "$MONITOR_PID" || fail "monitor exited $?: $(cat "$MONITOR_OUT.err")"
	cat "$MONITOR_OUT"
}

# Power cuts, in a test of several boots (`# nexus-test: boots=N`, see
# docs/testing.md): NEXUS_BOOT is this boot (1..N), NEXUS_BOOTS is N, and
# $NEXUS_JOB_DIR (the job share, on the host) keeps what a boot wrote
# there for the next.  Every boot but the last ends in power_cut or
# power_cut_host; the last one as any test ends.

# job_sync <file...>: make what was written to files in $NEXUS_JOB_DIR
# reach the host before a power cut (fsync over 9p).
job_sync() {
	sync -- "$@" || fail "job_sync $* failed"
}

# power_cut: reset the guest at once, as sysrq-b does: no sync, no
# unmount, no cleanup (at_exit actions do not run).  QEMU exits
# (-no-reboot).  Lost: whatever the guest kernel had not yet sent to its
# disks; what it had sent, QEMU still writes to the image files.
power_cut() {
	echo 1 >/proc/sys/kernel/sysrq
	echo b >/proc/sysrq-trigger
	sleep 30
	fail "power_cut: the guest did not reset"
}

# power_cut_host: ask the harness to kill QEMU (SIGKILL, within a fraction
# of a second), which also loses the writes QEMU had not yet passed to the
# image files: the closer to a real power cut.  The guest runs on until
# killed; what it does in that moment is unpredictable, as in a real cut.
power_cut_host() {
	echo "nexus-vmtest: kill-me" >/dev/kmsg
	sleep 30
	fail "power_cut_host: the harness did not kill the guest"
}
