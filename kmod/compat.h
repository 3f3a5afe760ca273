/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel API difference between the kernels nexus builds for
 * (Debian 12's 6.1 up to bookworm-backports' 6.12), in one place.
 *
 * Nothing here tests LINUX_VERSION_CODE: distribution kernels carry
 * backports (Debian's 6.1.192 has the 6.12 form of
 * genlmsg_multicast_allns), so a version number says little about an API.
 * Each difference is found by a compile-time probe, compat/<name>.c, which
 * compat/probe.sh compiles against the target kernel; a probe that
 * compiles becomes NEXUS_HAVE_<NAME> in the generated compat-gen.h.
 * The rest of the module calls only the wrappers below.
 */
#ifndef NEXUS_COMPAT_H
#define NEXUS_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/srcu.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat-gen.h"

/*
 * Extack messages with printf-style detail (NL_SET_ERR_MSG_FMT, 6.2).
 * Older kernels get @plain, which must say the same without the numbers;
 * tools and tests match on @plain, which both forms start with.
 */
/*
 * An extack message that is not a literal at the call site but a string of
 * static storage (the reasons format.c and md.c return): the same on every
 * kernel, since netlink keeps only the pointer until the ack is sent.
 */
static inline void nexus_set_err_msg_static(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

#ifdef NEXUS_HAVE_NL_SET_ERR_MSG_FMT
#define nexus_set_err_msg_fmt(extack, plain, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
#define nexus_set_err_msg_fmt(extack, plain, fmt, args...) \
	NL_SET_ERR_MSG(extack, plain)
#endif

/*
 * The block device a pool lives on, opened read-write and exclusively for
 * @holder.  6.9 replaced blkdev_get_by_path() by bdev_file_open_by_path().
 */
struct nexus_bdev {
	struct block_device *bdev;
#ifdef NEXUS_HAVE_BDEV_FILE_OPEN_BY_PATH
	struct file *file;
#endif
};

static inline int nexus_bdev_open(struct nexus_bdev *b, const char *path,
				  void *holder)
{
#if defined(NEXUS_HAVE_BDEV_FILE_OPEN_BY_PATH)
	struct file *file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
						   holder, NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	b->file = file;
	b->bdev = file_bdev(file);
#elif defined(NEXUS_HAVE_BLKDEV_GET_BY_PATH_3ARG)
	struct block_device *bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE |
						       FMODE_EXCL, holder);

	/* On failure @b stays closed: callers close only what they opened. */
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
#else
#error "no known way to open a block device by path: add a compat probe"
#endif
	return 0;
}

static inline void nexus_bdev_close(struct nexus_bdev *b)
{
#if defined(NEXUS_HAVE_BDEV_FILE_OPEN_BY_PATH)
	bdev_fput(b->file);
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	b->bdev = NULL;
}

/*
 * A bio-based gendisk whose queue limits are stacked on @under's.  With
 * @write_cache it says it has a volatile write cache and FUA whatever
 * @under has, so that its users send the flushes that commit metadata.
 * It never takes REQ_NOWAIT bios: its IO path may sleep.  Its IO is
 * accounted (iostat), which a bio-based queue is not by default.  6.9
 * moved the limits into blk_alloc_disk(), 6.11 queue flags into
 * limits.features.
 */
static inline struct gendisk *nexus_alloc_disk(struct block_device *under,
					       bool write_cache)
{
	struct queue_limits lim;
	struct gendisk *disk;

	blk_set_stacking_limits(&lim);
	blk_stack_limits(&lim, &bdev_get_queue(under)->limits, 0);
#ifdef NEXUS_HAVE_BLK_FEAT_WRITE_CACHE
	if (write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	lim.features &= ~BLK_FEAT_NOWAIT;
	lim.features |= BLK_FEAT_IO_STAT;
#endif
#ifdef NEXUS_HAVE_BLK_ALLOC_DISK_LIMITS
	disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
#else
	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk)
		return ERR_PTR(-ENOMEM);
	disk->queue->limits = lim;
#endif
	if (IS_ERR(disk))
		return disk;
#ifndef NEXUS_HAVE_BLK_FEAT_WRITE_CACHE
	blk_queue_write_cache(disk->queue, write_cache || bdev_write_cache(under),
			      write_cache || bdev_fua(under));
	if (bdev_nonrot(under))
		blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
	blk_queue_flag_clear(QUEUE_FLAG_NOWAIT, disk->queue);
	blk_queue_flag_set(QUEUE_FLAG_IO_STAT, disk->queue);
#endif
	return disk;
}

/*
 * A blk-mq gendisk on @set whose limits are @lim, with a volatile write
 * cache and FUA: the nexus passes flushes and FUA on to its children, which
 * have their own.  @nonrot: every child is non-rotational (6.11+ stacks
 * that in the limits' features).  6.9 moved the limits into blk_mq_alloc_disk(), 6.11
 * queue flags into limits.features.
 */
static inline struct gendisk *nexus_mq_alloc_disk(struct blk_mq_tag_set *set,
						  struct queue_limits *lim,
						  bool nonrot, void *queuedata)
{
	struct gendisk *disk;

#ifdef NEXUS_HAVE_BLK_FEAT_WRITE_CACHE
	lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
#endif
#ifdef NEXUS_HAVE_BLK_MQ_ALLOC_DISK_LIMITS
	disk = blk_mq_alloc_disk(set, lim, queuedata);
#else
	disk = blk_mq_alloc_disk(set, queuedata);
	if (!IS_ERR(disk))
		disk->queue->limits = *lim;
#endif
	if (IS_ERR(disk))
		return disk;
#ifndef NEXUS_HAVE_BLK_FEAT_WRITE_CACHE
	blk_queue_write_cache(disk->queue, true, true);
	if (nonrot)
		blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
	/* It waits for its children: no REQ_NOWAIT (6.11+ strips it in clones). */
	blk_queue_flag_clear(QUEUE_FLAG_NOWAIT, disk->queue);
#endif
	return disk;
}

/*
 * block_device_operations .open and .release: 6.5 made them take the
 * gendisk and blk_mode_t.  Defines @open##_bdops and @release##_bdops,
 * adaptors to int @open(struct gendisk *, bool write) and void
 * @release(struct gendisk *).
 */
#ifdef NEXUS_HAVE_BLK_OPEN_GENDISK
#define NEXUS_DEFINE_BDOPS_OPEN_RELEASE(open, release)			\
static int open##_bdops(struct gendisk *disk, blk_mode_t mode)		\
{									\
	return open(disk, mode & BLK_OPEN_WRITE);			\
}									\
static void release##_bdops(struct gendisk *disk)			\
{									\
	release(disk);							\
}
#else
#define NEXUS_DEFINE_BDOPS_OPEN_RELEASE(open, release)			\
static int open##_bdops(struct block_device *bdev, fmode_t mode)	\
{									\
	return open(bdev->bd_disk, mode & FMODE_WRITE);			\
}									\
static void release##_bdops(struct gendisk *disk, fmode_t mode)		\
{									\
	release(disk);							\
}
#endif

/*
 * An SRCU read section that another context ends: a bio in flight, from
 * submission to completion.  srcu_down_read() (6.3) is exactly
 * __srcu_read_lock() without lockdep's rule that the same task unlocks.
 * The section belongs to the IO, not to the function that starts or ends
 * it: __release()/__acquire() say so to sparse.
 */
static inline int nexus_srcu_down_read(struct srcu_struct *ssp)
{
	int idx;

#ifdef NEXUS_HAVE_SRCU_DOWN_READ
	idx = srcu_down_read(ssp);
#else
	idx = __srcu_read_lock(ssp);
#endif
	__release(ssp);
	return idx;
}

static inline void nexus_srcu_up_read(struct srcu_struct *ssp, int idx)
{
	__acquire(ssp);
#ifdef NEXUS_HAVE_SRCU_DOWN_READ
	srcu_up_read(ssp, idx);
#else
	__srcu_read_unlock(ssp, idx);
#endif
}

/*
 * A queue frozen by a command and thawed by another (or by a work item):
 * kernels that model the freeze as a lock for lockdep have _non_owner
 * variants for that.
 */
static inline void nexus_freeze_queue_start(struct request_queue *q)
{
#ifdef NEXUS_HAVE_FREEZE_NON_OWNER
	blk_freeze_queue_start_non_owner(q);
#else
	blk_freeze_queue_start(q);
#endif
}

static inline void nexus_unfreeze_queue(struct request_queue *q)
{
#ifdef NEXUS_HAVE_FREEZE_NON_OWNER
	blk_mq_unfreeze_queue_non_owner(q);
#else
	blk_mq_unfreeze_queue(q);
#endif
}

/*
 * A dump's attributes, parsed against the command's policy.  6.6 put them
 * in a struct genl_info (genl_info_dump()).
 */
static inline struct nlattr **nexus_dump_attrs(struct netlink_callback *cb)
{
#ifdef NEXUS_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Hide the task's plug while the nexus sends to its children from
 * ->queue_rq (vol_io.c), and put it back.  Since 6.9 a plug caches a
 * timestamp that every context switch invalidates through current->plug
 * when PF_BLOCK_TS is set (blk_plug_invalidate_ts(), no NULL check): drop
 * the cached time before the plug goes.  While hidden nothing caches one.
 */
static inline struct blk_plug *nexus_plug_hide(void)
{
	struct blk_plug *plug = current->plug;

#ifdef NEXUS_HAVE_PLUG_CUR_KTIME
	if (plug && (current->flags & PF_BLOCK_TS)) {
		plug->cur_ktime = 0;
		current->flags &= ~PF_BLOCK_TS;
	}
#endif
	current->plug = NULL;
	return plug;
}

static inline void nexus_plug_restore(struct blk_plug *plug)
{
	current->plug = plug;
}

#endif /* NEXUS_COMPAT_H */
