// SPDX-License-Identifier: GPL-2.0
/* bdev_file_open_by_path(), file_bdev(), bdev_fput(): opening a bdev (6.9+). */
#include <linux/blkdev.h>
#include <linux/fs.h>

struct block_device *nexus_probe(const char *path, void *holder);
struct block_device *nexus_probe(const char *path, void *holder)
{
	struct file *file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
						   holder, NULL);
	struct block_device *bdev = file_bdev(file);

	bdev_fput(file);
	return bdev;
}
