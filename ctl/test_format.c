// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the userspace build of kmod/format.c (what `pool check`
 * runs): crc32c known answers, and a superblock laid out, sealed and
 * checked by the shared code.  The KUnit suite nexus-format covers the
 * walk itself, in the kernel build of the same file.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "test.h"


static void test_crc32c(void)
{
	static const unsigned char zeros[32];
	static const unsigned char ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	/* The check value of CRC-32C, and RFC 3720 (iSCSI) B.4's vectors. */
	CHECK(~crc32c(~0U, "123456789", 9) == 0xe3069283U);
	CHECK(~crc32c(~0U, zeros, sizeof(zeros)) == 0x8a9136aaU);
	CHECK(~crc32c(~0U, ones, sizeof(ones)) == 0x62a8ab43U);
	/* Running values chain, as the kernel's do. */
	CHECK(crc32c(crc32c(~0U, "1234", 4), "56789", 5) == crc32c(~0U, "123456789", 9));
}

static void test_superblock(void)
{
	/* Blocks, not bare structs: checksums cover the whole 4 KiB. */
	static union { struct nexus_sb sb; unsigned char b[NEXUS_BLOCK_SIZE]; } u, other;
	const unsigned long long gib = 1ULL << 30;
	struct nexus_sb *sb = &u.sb;
	const char *why0, *why1;

	CHECK(nexus_fmt_layout(sb, 1ULL << 20, NEXUS_CLUSTER_SHIFT_DEFAULT, 4096) != NULL);
	CHECK(nexus_fmt_layout(sb, gib, 19, 4096) != NULL);
	CHECK(nexus_fmt_layout(sb, gib, NEXUS_CLUSTER_SHIFT_DEFAULT, 0) != NULL);
	memset(&u, 0, sizeof(u));
	CHECK(nexus_fmt_layout(sb, gib, NEXUS_CLUSTER_SHIFT_DEFAULT, 4096) == NULL);
	memcpy(sb->name, "pool-1", 7);
	memset(sb->uuid, 0x5a, sizeof(sb->uuid));
	nexus_fmt_seal(sb, NEXUS_BLK_SUPER, 0, 7, nexus_fmt_seed(sb->uuid));
	CHECK(nexus_fmt_sb_check(sb, 0, gib) == NULL);
	CHECK(le32_to_cpu(sb->nr_clusters) > 200 && le32_to_cpu(sb->nr_clusters) < 256);
	CHECK(le64_to_cpu(sb->data_start) % NEXUS_DATA_ALIGN == 0);
	/* A truncated device, a slot mix-up, a flipped bit. */
	CHECK(nexus_fmt_sb_check(sb, 0, gib / 2) != NULL);
	CHECK(nexus_fmt_sb_check(sb, 1, gib) != NULL);
	u.b[100] ^= 1;
	CHECK(nexus_fmt_sb_check(sb, 0, gib) != NULL);
	u.b[100] ^= 1;
	/* Of two sound slots, the higher generation wins. */
	other = u;
	nexus_fmt_seal(&other.sb, NEXUS_BLK_SUPER, 1, 8, nexus_fmt_seed(sb->uuid));
	CHECK(nexus_fmt_sb_pick(sb, &other.sb, gib, &why0, &why1) == 1);
	CHECK(why0 == NULL && why1 == NULL);
}

int main(void)
{
	test_crc32c();
	test_superblock();
	if (failures) {
		fprintf(stderr, "test_format: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_format: all passed\n");
	return 0;
}
