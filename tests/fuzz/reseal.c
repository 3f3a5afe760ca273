// SPDX-License-Identifier: GPL-2.0
/*
 * Reseal: recompute only the checksum of each block, leaving every other
 * field (type, block number, generation, slot) as the mutation left it, so
 * that the parser's own checks of those fields are what is exercised.
 */
#include "reseal.h"

void nx_fuzz_reseal_sbs(struct nexus_sb *sb0, struct nexus_sb *sb1)
{
	sb0->hdr.csum = cpu_to_le32(nexus_fmt_csum(sb0, nexus_fmt_seed(sb0->uuid)));
	sb1->hdr.csum = cpu_to_le32(nexus_fmt_csum(sb1, nexus_fmt_seed(sb1->uuid)));
}

void nx_fuzz_reseal_md(void *md, u32 nr_blocks, u32 seed)
{
	u32 b;

	for (b = 0; b < nr_blocks; b++) {
		struct nexus_md_header *h = (void *)((u8 *)md + (size_t)b * NEXUS_BLOCK_SIZE);

		if (h->type)
			h->csum = cpu_to_le32(nexus_fmt_csum(h, seed));
	}
}

void nx_fuzz_reseal_labels(struct nexus_label *l0, struct nexus_label *l1)
{
	l0->csum = cpu_to_le32(nexus_label_csum(l0));
	l1->csum = cpu_to_le32(nexus_label_csum(l1));
}
