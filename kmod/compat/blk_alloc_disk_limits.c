// SPDX-License-Identifier: GPL-2.0
/* blk_alloc_disk(struct queue_limits *, node) (6.9+; before: node only). */
#include <linux/blkdev.h>

struct gendisk *nexus_probe(struct queue_limits *lim);
struct gendisk *nexus_probe(struct queue_limits *lim)
{
	return blk_alloc_disk(lim, NUMA_NO_NODE);
}
