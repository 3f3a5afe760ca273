// SPDX-License-Identifier: GPL-2.0
/*
 * The replica IO path.
 *
 * Every bio that carries data holds pool->io_srcu from before its lookup
 * until it ends: a cluster it was sent to is given to another replica only
 * after a commit and a grace period (pool.c), and a snapshot being taken
 * waits for the writes in flight (snapshot.c).  Writes (and discards,
 * write-zeroes) first pass the replica's hold: while a snapshot of it is
 * taken, they wait in replica->held.
 *
 * Thick replicas with no shared cluster have every cluster mapped from
 * their creation on, so a bio is remapped onto the pool's device through a
 * clone, split only where the clusters it spans are not contiguous on the
 * device.  FLUSH, FUA, discard and write-zeroes go down remapped too.
 *
 * Thin replicas, and any replica whose clusters may be shared (snapshots,
 * clones, origins: replica->cow), split bios at cluster boundaries.
 *   - A cluster mapped to this replica alone: the bio goes down to it.
 *   - Reading an unmapped cluster reads zeros; reading a shared one reads
 *     it where it is.
 *   - Writing an unmapped or a shared cluster waits for the cluster to be
 *     made the replica's own (struct nexus_pending, one per logical
 *     cluster, in replica->pending): the pool's workqueue takes the lowest
 *     free cluster, zeroes it (unmapped) or copies the shared one into it
 *     (copy-on-write), maps it, and sends the waiting writes to it.  Until
 *     then the old mapping stays: no reader sees a half-copied cluster, and
 *     a crash leaves the new cluster free.  A full pool fails them with
 *     ENOSPC.
 *   - Discard and write-zeroes of a whole cluster of a thin replica unmap
 *     it (it reads as zeros; a shared cluster loses one reference); of part
 *     of a cluster, or on a thick replica, go down to a cluster the replica
 *     owns alone; a discard of a shared cluster is dropped.
 *   - FLUSH: the bio waits for the next commit, which flushes the device
 *     before it writes the superblock; then its data, if any, goes on.
 *   - FUA while metadata is uncommitted: the write, then a commit, then
 *     completion.
 *
 * iostat: each bio that is served is accounted to the replica's disk once,
 * where it ends up: from its remap to its end on the pool's device, or as
 * an IO of no time when it needs none (a read of an unmapped cluster, a
 * discard that unmaps or is dropped, write-zeroes of an unmapped cluster).
 * A split part counts as an IO of its own, as a request does in blk-mq.
 * Not counted: empty flushes (md does not count them either) and bios
 * failed before they reach the pool's device (a write to a snapshot, a
 * full pool, a failed commit).  The time starts at the remap: a thin
 * write's wait for its cluster (zeroing, copy-on-write) or a FLUSH's wait
 * for the commit is not in it, and a FUA write's time ends with its data,
 * before the commit that may follow.  Writing 0 to queue/iostats turns it
 * off.
 *
 * Locking: map lookups take no lock (map.c); mapping takes pool->md_lock
 * in the work item; replica->pending is guarded by its xarray lock.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/sched/mm.h>
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

/* @bio, served with no IO to the pool's device: an IO of no time (iostat). */
static void nexus_acct_instant(struct bio *bio)
{
	if (blk_queue_io_stat(bio->bi_bdev->bd_disk->queue))
		bio_end_io_acct(bio, bio_start_io_acct(bio));
}

/* The clone of a replica IO ended. */
static void nexus_remap_endio(struct bio *clone)
{
	struct nexus_tio *tio = container_of(clone, struct nexus_tio, clone);
	struct nexus_pool *pool = tio->pool;
	struct bio *orig = tio->orig;
	blk_status_t status = clone->bi_status;
	bool commit = tio->commit_after;

	if (tio->acct)
		bio_end_io_acct(orig, tio->start_time);
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

/*
 * Send @bio to physical cluster @v - 1 (where its logical cluster, or the
 * first of a contiguous run, lies); the SRCU section @idx ends with it.
 * @mapping: the replica's map changes on the IO path (not a plain thick
 * replica), so a FUA write may need a commit.
 */
static void nexus_remap(struct nexus_pool *pool, struct bio *bio, u32 v, int idx, bool mapping)
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
	tio->commit_after = mapping && (bio->bi_opf & REQ_FUA) &&
			    (READ_ONCE(pool->md.changed) || READ_ONCE(pool->md.committing));
	tio->acct = blk_queue_io_stat(bio->bi_bdev->bd_disk->queue);
	if (tio->acct)
		tio->start_time = bio_start_io_acct(bio);
	clone->bi_iter.bi_sector = nexus_cluster_sector(pool, v - 1) +
				   (bio->bi_iter.bi_sector & (per - 1));
	clone->bi_end_io = nexus_remap_endio;
	submit_bio_noacct(clone);
}

/* A plain thick replica: every cluster mapped, none shared. */
static void nexus_thick_submit(struct nexus_replica *r, struct bio *bio, int idx)
{
	struct nexus_pool *pool = r->pool;
	sector_t per = nexus_cluster_sectors(pool), sector = bio->bi_iter.bi_sector;
	u64 logical = sector >> (pool->cluster_shift - SECTOR_SHIFT);
	u32 v = nexus_map_lookup(pool, &r->map, logical), run = 1;

	if (WARN_ON_ONCE(!v)) {
		nexus_srcu_up_read(&pool->io_srcu, idx);
		bio_io_error(bio);
		return;
	}
	/* Clusters contiguous on the device go down as one bio. */
	while (((logical + run) * per) < bio_end_sector(bio) &&
	       nexus_map_lookup(pool, &r->map, logical + run) == v + run)
		run++;
	bio = nexus_split_at(bio, (logical + run) * per, &pool->split_bs);
	nexus_remap(pool, bio, v, idx, false);
}

/* Unmap logical cluster @logical of @r: it reads as zeros from now on. */
static void nexus_thin_unmap(struct nexus_replica *r, u64 logical)
{
	struct nexus_pool *pool = r->pool;
	int old;

	mutex_lock(&pool->md_lock);
	old = nexus_map_set(pool, &r->map, r->index, logical, 0);
	if (old > 0) {
		smp_wmb();	/* the map moves before the reference goes: nexus_owns() */
		nexus_map_unref(pool, old - 1);
		le64_add_cpu(&nexus_md_rec(&pool->md, r->index)->mapped, -1);
		nexus_md_rec_dirty(&pool->md, r->index);
		nexus_pool_changed(pool);
	}
	mutex_unlock(&pool->md_lock);
}

/* Copy cluster @from into cluster @to, NEXUS_COPY_CHUNK at a time. */
static int nexus_cluster_copy(struct nexus_pool *pool, u32 from, u32 to)
{
	u64 bytes = nexus_pool_cluster_bytes(pool), off;
	size_t len = min_t(u64, bytes, NEXUS_COPY_CHUNK);
	unsigned int noio = memalloc_noio_save();
	/* Waits for the pool's reserved buffer rather than fail. */
	void *buf = mempool_alloc(pool->copy_bufs, GFP_KERNEL);
	int err = 0;

	for (off = 0; !err && off < bytes; off += len) {
		err = nexus_bdev_rw(pool->dev.bdev, nexus_cluster_sector(pool, from) +
				    (off >> SECTOR_SHIFT), buf, len, REQ_OP_READ);
		if (!err)
			err = nexus_bdev_rw(pool->dev.bdev, nexus_cluster_sector(pool, to) +
					    (off >> SECTOR_SHIFT), buf, len, REQ_OP_WRITE);
	}
	mempool_free(buf, pool->copy_bufs);
	memalloc_noio_restore(noio);
	return err;
}

/*
 * Make @p's logical cluster the replica's own: a new zeroed cluster if it
 * is unmapped, a copy if it is shared.  0 also when it already was, or
 * when a discard changed the mapping meanwhile (the writes look again).
 */
static int nexus_pending_own(struct nexus_pending *p)
{
	struct nexus_replica *r = p->r;
	struct nexus_pool *pool = r->pool;
	u32 cluster, v;
	int idx, err;

	if (READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY)
		return -EROFS;
	/* The shared cluster must not be freed while it is copied. */
	idx = nexus_srcu_down_read(&pool->io_srcu);
	v = nexus_map_lookup(pool, &r->map, p->logical);
	err = 0;
	if (v && nexus_md_ref(&pool->md, v - 1) == 1)
		goto out_unlock_srcu;
	err = nexus_alloc_one(&pool->alloc, &cluster);
	if (err)
		goto out_unlock_srcu;
	/* What a previous owner left there must never show. */
	if (v)
		err = nexus_cluster_copy(pool, v - 1, cluster);
	else
		err = blkdev_issue_zeroout(pool->dev.bdev, nexus_cluster_sector(pool, cluster),
					   nexus_cluster_sectors(pool), GFP_NOIO, 0);
	if (err)
		goto out_put_cluster;

	mutex_lock(&pool->md_lock);
	err = nexus_map_cow(pool, &r->map, r->index, p->logical, v, cluster);
	if (err <= 0) {
		/* Refused (0: the writes look again), or the metadata is full. */
		mutex_unlock(&pool->md_lock);
		goto out_put_cluster;
	}
	nexus_pool_changed(pool);
	mutex_unlock(&pool->md_lock);
	nexus_srcu_up_read(&pool->io_srcu, idx);
	return 0;

out_put_cluster:
	nexus_alloc_put(&pool->alloc, cluster, 1);
out_unlock_srcu:
	nexus_srcu_up_read(&pool->io_srcu, idx);
	return err;
}

static void nexus_replica_alloc_work(struct work_struct *work)
{
	struct nexus_pending *p = container_of(work, struct nexus_pending, work);
	struct nexus_replica *r = p->r;
	struct bio_list bios;
	struct bio *bio;
	int err;

	err = nexus_pending_own(p);
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

/*
 * Is @v, which @r maps at @logical, @r's alone, to write in place?  A
 * copy-on-write or an unmap points the map elsewhere before it drops the
 * reference (smp_wmb there): a refcount of 1 seen with the map still at @v
 * means no other map has it, and none can get it while the write is in
 * flight (a snapshot waits for it).
 */
static bool nexus_owns(struct nexus_replica *r, u64 logical, u32 v)
{
	if (nexus_md_ref(&r->pool->md, v - 1) != 1)
		return false;
	smp_rmb();	/* pairs with the smp_wmb() before the reference goes */
	return nexus_map_lookup(r->pool, &r->map, logical) == v;
}

/* A cluster that this replica alone maps, or 0. */
static u32 nexus_own_cluster(struct nexus_replica *r, u64 logical)
{
	u32 v = nexus_map_lookup(r->pool, &r->map, logical);

	return v && nexus_owns(r, logical, v) ? v : 0;
}

/*
 * A write to an unmapped or a shared cluster: wait until the replica owns
 * one, with any others waiting.
 */
static void nexus_thin_wait_cluster(struct nexus_replica *r, struct bio *bio, u64 logical)
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
		/* Owned since the lookup?  The mapping is made before the erase. */
		if (nexus_own_cluster(r, logical)) {
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

/* A thin replica, or one whose clusters may be shared. */
static void nexus_thin_submit(struct nexus_replica *r, struct bio *bio, int idx)
{
	struct nexus_pool *pool = r->pool;
	sector_t per = nexus_cluster_sectors(pool);
	u64 logical;
	u32 v;

	if (bio->bi_opf & REQ_PREFLUSH) {
		nexus_srcu_up_read(&pool->io_srcu, idx);
		nexus_replica_queue_flush(pool, bio);
		return;
	}
	bio = nexus_split_at(bio, round_down(bio->bi_iter.bi_sector, per) + per,
			     &pool->split_bs);
	logical = bio->bi_iter.bi_sector >> (pool->cluster_shift - SECTOR_SHIFT);

	if (r->thin && (bio_op(bio) == REQ_OP_DISCARD || bio_op(bio) == REQ_OP_WRITE_ZEROES) &&
	    bio_sectors(bio) == per) {
		nexus_srcu_up_read(&pool->io_srcu, idx);
		/* A read-only pool keeps its clusters: zeroing them fails. */
		if (READ_ONCE(pool->state) != NEXUS_POOL_READ_ONLY)
			nexus_thin_unmap(r, logical);
		else if (bio_op(bio) == REQ_OP_WRITE_ZEROES)
			bio->bi_status = BLK_STS_IOERR;
		if (!bio->bi_status)
			nexus_acct_instant(bio);
		bio_endio(bio);
		return;
	}

	v = nexus_map_lookup(pool, &r->map, logical);
	if (v && (bio_op(bio) == REQ_OP_READ || nexus_owns(r, logical, v))) {
		nexus_remap(pool, bio, v, idx, true);
		return;
	}

	/*
	 * A write waits for its cluster inside the io_srcu section: a snapshot
	 * of the replica, once past its grace period, finds it queued.
	 */
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		zero_fill_bio(bio);
		nexus_acct_instant(bio);
		bio_endio(bio);
		break;
	case REQ_OP_WRITE:
		nexus_thin_wait_cluster(r, bio, logical);
		break;
	case REQ_OP_WRITE_ZEROES:
		/* Unmapped: reads as zeros already.  Shared: copy it first. */
		if (v) {
			nexus_thin_wait_cluster(r, bio, logical);
			break;
		}
		nexus_acct_instant(bio);
		bio_endio(bio);
		break;
	default:
		/* A discard of part of an unmapped cluster, or of a shared one. */
		nexus_acct_instant(bio);
		bio_endio(bio);
		break;
	}
	nexus_srcu_up_read(&pool->io_srcu, idx);
}

void nexus_replica_submit_bio(struct bio *bio)
{
	struct nexus_replica *r = bio->bi_bdev->bd_disk->private_data;
	struct nexus_pool *pool = r->pool;
	bool write = op_is_write(bio_op(bio));
	int idx;

	if (unlikely(r->snapshot) && write && bio_sectors(bio)) {
		bio->bi_status = BLK_STS_IOERR;	/* read-only */
		bio_endio(bio);
		return;
	}
	if (!bio_sectors(bio)) {
		/* An empty flush: a commit if IO changes the map, else the device's. */
		if (r->thin || READ_ONCE(r->cow)) {
			nexus_replica_queue_flush(pool, bio);
		} else {
			bio_set_dev(bio, pool->dev.bdev);
			submit_bio_noacct(bio);
		}
		return;
	}
	idx = nexus_srcu_down_read(&pool->io_srcu);
	if (write && nexus_replica_hold(r, bio)) {
		nexus_srcu_up_read(&pool->io_srcu, idx);
		return;
	}
	if (r->thin || READ_ONCE(r->cow))
		nexus_thin_submit(r, bio, idx);
	else
		nexus_thick_submit(r, bio, idx);
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
