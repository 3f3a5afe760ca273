// SPDX-License-Identifier: GPL-2.0
/* A plug caches a timestamp, PF_BLOCK_TS says it must be invalidated (6.9+). */
#include <linux/blkdev.h>
#include <linux/sched.h>

void nexus_probe(struct blk_plug *plug);
void nexus_probe(struct blk_plug *plug)
{
	plug->cur_ktime = 0;
	current->flags &= ~PF_BLOCK_TS;
}
