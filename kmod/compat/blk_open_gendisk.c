// SPDX-License-Identifier: GPL-2.0
/* block_device_operations .open(gendisk, blk_mode_t), .release(gendisk) (6.5+). */
#include <linux/blkdev.h>

static int nexus_probe_open(struct gendisk *disk, blk_mode_t mode)
{
	return 0;
}

static void nexus_probe_release(struct gendisk *disk)
{
}

const struct block_device_operations nexus_probe_ops;
const struct block_device_operations nexus_probe_ops = {
	.open = nexus_probe_open,
	.release = nexus_probe_release,
};
