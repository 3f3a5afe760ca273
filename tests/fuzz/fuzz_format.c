// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the pool import's parsing, as the module runs it
 * (kmod/format.c, built on ctl/kshim.h): pick a superblock slot for a
 * device of the given size, then walk the metadata copy.  The input is a
 * struct nx_fuzz_hdr, two superblock slots and the copy's blocks (see
 * reseal.h); a block past the input's end reads as unreadable.
 *
 * Seeds are real pools, extracted in a guest (tests/cases/fuzz-import.sh);
 * crashers found are kept beside them as regression inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "reseal.h"

struct nx_fuzz_md {
	const u8 *blocks;
	u32 nr;
};

static const void *nx_fuzz_block(struct nexus_fmt_walk *w, u32 nr)
{
	struct nx_fuzz_md *md = w->priv;

	return nr < md->nr ? md->blocks + (size_t)nr * NEXUS_BLOCK_SIZE : NULL;
}

static void nx_fuzz_report(struct nexus_fmt_walk *w, const char *msg)
{
	/* The message must be a terminated string: touch all of it. */
	if (strlen(msg) >= 160)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	const size_t sbs_bytes = NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE;
	struct nexus_fmt_walk w = { .report = nx_fuzz_report };
	struct nx_fuzz_md md = { 0 };
	struct nx_fuzz_hdr hdr;
	const char *why0, *why1;
	struct nexus_sb *sb;
	size_t md_bytes;
	u8 *img;
	int slot;

	if (size < sizeof(hdr))
		return 0;
	memcpy(&hdr, data, sizeof(hdr));
	data += sizeof(hdr);
	size -= sizeof(hdr);
	/* Whole blocks only, the superblocks zero-padded as a short device. */
	md_bytes = size > sbs_bytes ? (size - sbs_bytes) / NEXUS_BLOCK_SIZE * NEXUS_BLOCK_SIZE : 0;
	img = calloc(1, sbs_bytes + md_bytes);
	if (!img)
		return 0;
	memcpy(img, data, size < sbs_bytes + md_bytes ? size : sbs_bytes + md_bytes);
	sb = (struct nexus_sb *)img;
	md.blocks = img + sbs_bytes;
	md.nr = md_bytes / NEXUS_BLOCK_SIZE;
	if (hdr.flags & NX_FUZZ_RESEAL) {
		nx_fuzz_reseal_sbs(&sb[0], (struct nexus_sb *)(img + NEXUS_BLOCK_SIZE));
		nx_fuzz_reseal_md(img + sbs_bytes, md.nr, nexus_fmt_seed(sb->uuid));
	}
	slot = nexus_fmt_sb_pick(&sb[0], (struct nexus_sb *)(img + NEXUS_BLOCK_SIZE),
				 le64_to_cpu(hdr.device_bytes), &why0, &why1);
	if (slot >= 0) {
		w.sb = (struct nexus_sb *)(img + (size_t)slot * NEXUS_BLOCK_SIZE);
		if (md.nr > le32_to_cpu(w.sb->md_blocks))
			md.nr = le32_to_cpu(w.sb->md_blocks);
		w.block = nx_fuzz_block;
		w.priv = &md;
		nexus_fmt_walk(&w);
	}
	free(img);
	return 0;
}
