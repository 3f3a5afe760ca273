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

# pool_teardown <pool>: destroy the pool if it is still there.
pool_teardown() {
	if nexusctl pool show "$1" >/dev/null 2>&1; then
		nexusctl pool destroy "$1" --force
	fi
}

# jqf <json> <filter>: one value out of a JSON document.
jqf() { jq -r "$2" <<<"$1"; }
