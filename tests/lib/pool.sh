# SPDX-License-Identifier: GPL-2.0
# Sourced by the pool and replica guest tests, after common.sh: data
# written and verified with fio, and teardown of pools a test made.

# fio_write <dev> <size> [offset] [jobname]: random 4 KiB writes, each block
# carrying a crc32c and its offset, read back and verified at once.
fio_write() {
	expect_rc 0 fio --name="${4:-nexus}" --filename="$1" --size="$2" --offset="${3:-0}" \
		--rw=randwrite --bs=4k --direct=1 --ioengine=libaio --iodepth=16 \
		--verify=crc32c --verify_fatal=1 --do_verify=1 --randrepeat=1 \
		--randseed=4242 --output-format=terse
}

# fio_verify <dev> <size> [offset] [jobname]: verify what fio_write wrote,
# without writing.
fio_verify() {
	expect_rc 0 fio --name="${4:-nexus}" --filename="$1" --size="$2" --offset="${3:-0}" \
		--rw=randwrite --bs=4k --direct=1 --ioengine=libaio --iodepth=16 \
		--verify=crc32c --verify_fatal=1 --verify_only=1 --randrepeat=1 \
		--randseed=4242 --output-format=terse
}

# fabric_dev <uuid>: the NVMe-oF namespace of that uuid, once the host
# has it (the multipath head, never a hidden nvmeXcYnZ path).
fabric_dev() {
	local i d
	for i in $(seq 50); do
		for d in /sys/block/nvme*n*; do
			# nvmeXcYnZ: a hidden path of a multipath namespace
			case ${d##*/} in nvme*c*n*) continue ;; esac
			[ "$(cat "$d/uuid" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
		done
		sleep 0.2
	done
	return 1
}

# pool_teardown <pool>: destroy the pool if it is still there.
pool_teardown() {
	if nexusctl pool show "$1" >/dev/null 2>&1; then
		nexusctl pool destroy "$1" --force
	fi
}

# jqf <json> <filter>: one value out of a JSON document.
jqf() { jq -r "$2" <<<"$1"; }
