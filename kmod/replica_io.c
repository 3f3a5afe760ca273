// SPDX-License-Identifier: GPL-2.0
/*
 * The replica IO path.
 *
 * Thick replicas have every cluster mapped from their creation on, so a
 * bio is remapped onto the pool's device and sent on, split only where the
 * clusters it spans are not contiguous on the device: no clone, no per-IO
 * state.  FLUSH, FUA, discard and write-zeroes go down remapped too.
 *
 * Thin replicas split bios at cluster boundaries.
 *   - A mapped cluster: the bio goes down through a clone that holds
 *     pool->io_srcu from before the lookup until the IO ends, because a
 *     discard may unmap and free the cluster meanwhile; freed clusters are
 *     given out again only after the next commit and a grace period.
 *   - Reading an unmapped cluster reads zeros.
 *   - Writing one waits for a cluster (struct nexus_pending, one per
 *     logical cluster being allocated, in replica->pending): the pool's
 *     workqueue takes the lowest free cluster, zeroes it, maps it, and
 *     sends the waiting writes to it.  A full pool fails them with ENOSPC.
 *   - Discard and write-zeroes of a whole cluster unmap it (it reads as
 *     zeros); of part of a mapped one go down (a discard only if the
 *     cluster is not shared).
 *   - FLUSH: the bio waits for the next commit, which flushes the device
 *     before it writes the superblock; then its data, if any, goes on.
 *   - FUA while metadata is uncommitted: the write, then a commit, then
 *     completion.
 *
 * Locking: map lookups take no lock (map.c); mapping takes pool->md_lock
 * in the work item; replica->pending is guarded by its xarray lock.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/slab.h>

#include "nexus.h"

struct nexus_pending {
	struct work_struct work;
	struct nexus_replica *r;
	u64 logical;
	struct bio_list bios;	/* waiting for the cluster; under the xa_lock */
};

static sector_t nexus_cluster_sectors(struct nexus_pool *pool)
{
	return (sector_t)1 << (pool->cluster_shift - SECTOR_SHIFT);
}

/*
 * If @bio goes past logical sector @end, split off what comes before,
 * send the rest back through the queue, and return the front part.
 */
static struct bio *nexus_split_at(struct bio *bio, sector_t end, struct bio_set *bs)
{
	sector_t sectors = end - bio->bi_iter.bi_sector;
	struct bio *split;

	if (bio_sectors(bio) <= sectors)
		return bio;
	split = bio_split(bio, sectors, GFP_NOIO, bs);
	bio_chain(split, bio);
	submit_bio_noacct(bio);
	return split;
}

static void nexus_thick_submit(struct nexus_replica *r, struct bio *bio)
{
	struct nexus_pool *pool = r->pool;
	sector_t per = nexus_cluster_sectors(pool), sector = bio->bi_iter.bi_sector;
	u64 logical = sector >> (pool->cluster_shift - SECTOR_SHIFT);
	u32 v = nexus_map_lookup(pool, &r->map, logical), run = 1;

	if (bio_sectors(bio)) {
		if (WARN_ON_ONCE(!v)) {
			bio_io_error(bio);
			return;
		}
		/* Clusters contiguous on the device go down as one bio. */
		while (((logical + run) * per) < bio_end_sector(bio) &&
		       nexus_map_lookup(pool, &r->map, logical + run) == v + run)
			run++;
		bio = nexus_split_at(bio, (logical + run) * per, &pool->split_bs);
		bio->bi_iter.bi_sector = nexus_cluster_sector(pool, v - 1) + (sector & (per - 1));
	}
	bio_set_dev(bio, pool->dev.bdev);
	submit_bio_noacct(bio);
}

/* The clone of a thin IO ended. */
static void nexus_thin_endio(struct bio *clone)
{
	struct nexus_tio *tio = container_of(clone, struct nexus_tio, clone);
	struct nexus_pool *pool = tio->pool;
	struct bio *orig = tio->orig;
	blk_status_t status = clone->bi_status;
	bool commit = tio->commit_after;

	nexus_srcu_up_read(&pool->io_srcu, tio->srcu_idx);
	bio_put(clone);
	if (!status && commit) {
		/* A FUA write is durable only once its mapping is. */
		nexus_replica_queue_flush(pool, orig);
		return;
	}
	orig->bi_status = status;
	bio_endio(orig);
}

/* Send @bio to physical cluster @v - 1; the SRCU section @idx ends with it. */
static void nexus_thin_remap(struct nexus_pool *pool, struct bio *bio, u32 v, int idx)
{
	sector_t per = nexus_cluster_sectors(pool);
	struct nexus_tio *tio;
	struct bio *clone;

	clone = bio_alloc_clone(pool->dev.bdev, bio, GFP_NOIO, &pool->bs);
	tio = container_of(clone, struct nexus_tio, clone);
	tio->orig = bio;
	tio->pool = pool;
	tio->srcu_idx = idx;
	/* The mapping may be in memory only, or in a commit still in flight. */
	tio->commit_after = (bio->bi_opf & REQ_FUA) &&
			    (READ_ONCE(pool->md.changed) || READ_ONCE(pool->md.committing));
	clone->bi_iter.bi_sector = nexus_cluster_sector(pool, v - 1) +
				   (bio->bi_iter.bi_sector & (per - 1));
	clone->bi_end_io = nexus_thin_endio;
	submit_bio_noacct(clone);
}

/* Unmap logical cluster @logical of @r: it reads as zeros from now on. */
static void nexus_thin_unmap(struct nexus_replica *r, u64 logical)
{
	struct nexus_pool *pool = r->pool;
	int old;

	mutex_lock(&pool->md_lock);
	old = nexus_map_set(pool, &r->map, r->index, logical, 0);
	if (old > 0) {
		nexus_pool_free_cluster(pool, old - 1);
		le64_add_cpu(&nexus_md_rec(&pool->md, r->index)->mapped, -1);
		nexus_md_rec_dirty(&pool->md, r->index);
		nexus_pool_changed(pool);
	}
	mutex_unlock(&pool->md_lock);
}

/* Map a new cluster for @p, or say why not. */
static int nexus_pending_map(struct nexus_pending *p)
{
	struct nexus_replica *r = p->r;
	struct nexus_pool *pool = r->pool;
	u32 cluster;
	int err;

	if (READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY)
		return -EROFS;
	err = nexus_alloc_one(&pool->alloc, &cluster);
	if (err)
		return err;
	/* What a previous owner left there must never show. */
	err = blkdev_issue_zeroout(pool->dev.bdev, nexus_cluster_sector(pool, cluster),
				   nexus_cluster_sectors(pool), GFP_NOIO, 0);
	if (!err) {
		mutex_lock(&pool->md_lock);
		err = nexus_map_set(pool, &r->map, r->index, p->logical, cluster + 1);
		if (err >= 0) {
			err = 0;
			nexus_md_set_ref(&pool->md, cluster, 1);
			le64_add_cpu(&nexus_md_rec(&pool->md, r->index)->mapped, 1);
			nexus_md_rec_dirty(&pool->md, r->index);
			nexus_pool_changed(pool);
		}
		mutex_unlock(&pool->md_lock);
	}
	if (err)
		nexus_alloc_put(&pool->alloc, cluster, 1);
	return err;
}

static void nexus_replica_alloc_work(struct work_struct *work)
{
	struct nexus_pending *p = container_of(work, struct nexus_pending, work);
	struct nexus_replica *r = p->r;
	struct bio_list bios;
	struct bio *bio;
	int err;

	err = nexus_pending_map(p);
	if (err && err != -ENOSPC)
		pr_err_ratelimited("replica %s/%s: cannot allocate a cluster: %d\n",
				   r->pool->name, r->name, err);
	xa_lock(&r->pending);
	__xa_erase(&r->pending, p->logical);
	bios = p->bios;
	xa_unlock(&r->pending);
	kfree(p);

	while ((bio = bio_list_pop(&bios))) {
		if (err) {
			bio->bi_status = err == -ENOSPC ? BLK_STS_NOSPC : BLK_STS_IOERR;
			bio_endio(bio);
		} else {
			submit_bio_noacct(bio);	/* mapped now */
		}
	}
}

/* A write to an unmapped cluster: wait for one, with any others waiting. */
static void nexus_thin_write_unmapped(struct nexus_replica *r, struct bio *bio, u64 logical)
{
	struct nexus_pool *pool = r->pool;
	struct nexus_pending *p, *new;
	int err;

	new = kmalloc(sizeof(*new), GFP_NOIO);
	if (!new) {
		bio->bi_status = BLK_STS_RESOURCE;
		bio_endio(bio);
		return;
	}
	xa_lock(&r->pending);
	for (;;) {
		p = xa_load(&r->pending, logical);
		if (p) {
			bio_list_add(&p->bios, bio);
			break;
		}
		/* Mapped since the lookup?  The mapping is made before the erase. */
		if (nexus_map_lookup(pool, &r->map, logical)) {
			xa_unlock(&r->pending);
			kfree(new);
			submit_bio_noacct(bio);
			return;
		}
		err = __xa_insert(&r->pending, logical, new, GFP_NOIO);
		if (err == -EBUSY)
			continue;	/* someone else inserted while we slept */
		if (err) {
			xa_unlock(&r->pending);
			kfree(new);
			bio->bi_status = BLK_STS_RESOURCE;
			bio_endio(bio);
			return;
		}
		INIT_WORK(&new->work, nexus_replica_alloc_work);
		new->r = r;
		new->logical = logical;
		bio_list_init(&new->bios);
		bio_list_add(&new->bios, bio);
		queue_work(pool->wq, &new->work);
		new = NULL;
		break;
	}
	xa_unlock(&r->pending);
	kfree(new);
}

static void nexus_thin_submit(struct nexus_replica *r, struct bio *bio)
{
	struct nexus_pool *pool = r->pool;
	sector_t per = nexus_cluster_sectors(pool);
	u64 logical;
	u32 v;
	int idx;

	if (bio->bi_opf & REQ_PREFLUSH) {
		nexus_replica_queue_flush(pool, bio);
		return;
	}
	bio = nexus_split_at(bio, round_down(bio->bi_iter.bi_sector, per) + per,
			     &pool->split_bs);
	logical = bio->bi_iter.bi_sector >> (pool->cluster_shift - SECTOR_SHIFT);

	if ((bio_op(bio) == REQ_OP_DISCARD || bio_op(bio) == REQ_OP_WRITE_ZEROES) &&
	    bio_sectors(bio) == per) {
		/* A read-only pool keeps its clusters: zeroing them fails. */
		if (READ_ONCE(pool->state) != NEXUS_POOL_READ_ONLY)
			nexus_thin_unmap(r, logical);
		else if (bio_op(bio) == REQ_OP_WRITE_ZEROES)
			bio->bi_status = BLK_STS_IOERR;
		bio_endio(bio);
		return;
	}

	idx = nexus_srcu_down_read(&pool->io_srcu);
	v = nexus_map_lookup(pool, &r->map, logical);
	if (v && !(bio_op(bio) == REQ_OP_DISCARD &&
		   nexus_md_ref(&pool->md, v - 1) > 1)) {
		nexus_thin_remap(pool, bio, v, idx);
		return;
	}
	nexus_srcu_up_read(&pool->io_srcu, idx);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		zero_fill_bio(bio);
		bio_endio(bio);
		break;
	case REQ_OP_WRITE:
		nexus_thin_write_unmapped(r, bio, logical);
		break;
	default:
		/* Discard or write-zeroes of part of an unmapped or shared cluster. */
		bio_endio(bio);
		break;
	}
}

void nexus_replica_submit_bio(struct bio *bio)
{
	struct nexus_replica *r = bio->bi_bdev->bd_disk->private_data;

	if (r->thin)
		nexus_thin_submit(r, bio);
	else
		nexus_thick_submit(r, bio);
}

/* Make @bio wait for the next commit (a thin FLUSH, or a FUA write). */
void nexus_replica_queue_flush(struct nexus_pool *pool, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->flush_lock, flags);
	bio_list_add(&pool->flush_bios, bio);
	spin_unlock_irqrestore(&pool->flush_lock, flags);
	queue_work(pool->wq, &pool->commit_work);
}

/* The commit @bio waited for is done (@err): its data, if any, goes on. */
void nexus_replica_flush_done(struct nexus_pool *pool, struct bio *bio, int err)
{
	if (err) {
		bio->bi_status = errno_to_blk_status(err);
		bio_endio(bio);
	} else if (bio->bi_opf & REQ_PREFLUSH) {
		bio->bi_opf &= ~REQ_PREFLUSH;
		if (bio_sectors(bio))
			submit_bio_noacct(bio);
		else
			bio_endio(bio);
	} else {
		bio_endio(bio);		/* a FUA write, its mapping now committed */
	}
}
