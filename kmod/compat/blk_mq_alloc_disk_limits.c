// SPDX-License-Identifier: GPL-2.0
/* blk_mq_alloc_disk(set, struct queue_limits *, queuedata) (6.9+; before: no limits). */
#include <linux/blk-mq.h>

struct gendisk *nexus_probe(struct blk_mq_tag_set *set, struct queue_limits *lim);
struct gendisk *nexus_probe(struct blk_mq_tag_set *set, struct queue_limits *lim)
{
	return blk_mq_alloc_disk(set, lim, NULL);
}
