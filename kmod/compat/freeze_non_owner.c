// SPDX-License-Identifier: GPL-2.0
/*
 * blk_freeze_queue_start_non_owner(), blk_mq_unfreeze_queue_non_owner(): a
 * queue frozen by one context and thawed by another, without lockdep's
 * freeze-as-a-lock annotation (6.13, and Debian's 6.12 backport).
 */
#include <linux/blk-mq.h>

void nexus_probe(struct request_queue *q);
void nexus_probe(struct request_queue *q)
{
	blk_freeze_queue_start_non_owner(q);
	blk_mq_unfreeze_queue_non_owner(q);
}
