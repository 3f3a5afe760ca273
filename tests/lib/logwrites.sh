# SPDX-License-Identifier: GPL-2.0
# Sourced by the flush-point tests, after common.sh: marks in the
# dm-log-writes device "lw", each with what it promises, one line per
# promise in $marks, which tests/lib/logwrites.py reads.

# mark <name> <promise...>: a mark in the log, and what it promises.
mark() {
	local name=$1
	shift
	dmsetup message lw 0 mark "$name" || fail "mark $name"
	[ $# = 0 ] || echo "$name $*" >>"$marks"
}
