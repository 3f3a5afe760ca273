// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c (Castagnoli, reflected polynomial 0x82F63B78), computed like the
 * kernel's crc32c(): the caller passes the running value, there is no
 * implicit inversion.  Table-driven; the table is built on first use.
 */
#include "kshim.h"

static uint32_t crc32c_table[256];

static void crc32c_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78U : c >> 1;
		crc32c_table[i] = c;
	}
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!crc32c_table[1])
		crc32c_init();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
