// SPDX-License-Identifier: GPL-2.0
/* queue_limits.features and BLK_FEAT_* (6.11+; before: queue flags). */
#include <linux/blkdev.h>

void nexus_probe(struct queue_limits *lim);
void nexus_probe(struct queue_limits *lim)
{
	lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA | BLK_FEAT_IO_STAT;
}
