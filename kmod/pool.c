// SPDX-License-Identifier: GPL-2.0
/*
 * Pools: one block device each, carved into replicas.  Create, import,
 * export, destroy; and when metadata is committed.
 *
 * Commits.  Object changes (replica create, destroy, resize, settings)
 * commit before they return.  Changes the IO path makes (thin clusters
 * mapped or unmapped) commit when a FLUSH or FUA asks for it, and at the
 * latest NEXUS_COMMIT_PERIOD after the first uncommitted one (dm-thin's
 * rule).  A cluster freed since the last commit is not given out again
 * until a commit has recorded the free and the IO that could still touch
 * it has finished (pool->io_srcu): otherwise a crash, or a late write,
 * could expose or damage another replica's data.
 *
 * Locking, outermost first: nexus_pools_lock (the list of pools, names),
 * pool->lock (replicas, state), pool->commit_lock (one commit at a time),
 * pool->md_lock (metadata, free_pending), then the allocator's spinlock.
 */
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "nexus.h"

#define NEXUS_COMMIT_PERIOD	HZ

/* Guards nexus_pools, and so pool names and uuids being unique. */
DEFINE_MUTEX(nexus_pools_lock);
LIST_HEAD(nexus_pools);	/* guarded by nexus_pools_lock */

struct nexus_pool *nexus_pool_find(const char *name)
{
	struct nexus_pool *pool;

	lockdep_assert_held(&nexus_pools_lock);
	list_for_each_entry(pool, &nexus_pools, node)
		if (!strcmp(pool->name, name))
			return pool;
	return NULL;
}

static struct nexus_pool *nexus_pool_find_uuid(const u8 *uuid)
{
	struct nexus_pool *pool;

	lockdep_assert_held(&nexus_pools_lock);
	list_for_each_entry(pool, &nexus_pools, node)
		if (!memcmp(&pool->uuid, uuid, sizeof(pool->uuid)))
			return pool;
	return NULL;
}

static void nexus_pool_commit_timer(struct timer_list *t)
{
	struct nexus_pool *pool = from_timer(pool, t, commit_timer);

	queue_work(pool->wq, &pool->commit_work);
}

static void nexus_pool_commit_work(struct work_struct *work)
{
	struct nexus_pool *pool = container_of(work, struct nexus_pool, commit_work);
	struct bio_list flushes;
	struct bio *bio;
	int err;

	spin_lock_irq(&pool->flush_lock);
	flushes = pool->flush_bios;
	bio_list_init(&pool->flush_bios);
	spin_unlock_irq(&pool->flush_lock);

	err = nexus_pool_commit(pool);
	while ((bio = bio_list_pop(&flushes)))
		nexus_replica_flush_done(pool, bio, err);
}

/* The IO path changed metadata: commit it within NEXUS_COMMIT_PERIOD. */
void nexus_pool_changed(struct nexus_pool *pool)
{
	if (!timer_pending(&pool->commit_timer))
		mod_timer(&pool->commit_timer, jiffies + NEXUS_COMMIT_PERIOD);
}

void nexus_pool_go_read_only(struct nexus_pool *pool, const char *reason)
{
	if (READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY)
		return;
	pool->ro_reason = reason;
	smp_wmb();	/* the reason before the state */
	WRITE_ONCE(pool->state, NEXUS_POOL_READ_ONLY);
	pr_err("pool %s: read-only: %s\n", pool->name, reason);
}

/* Give the clusters set in @map back to the allocator. */
static void nexus_pool_release_clusters(struct nexus_pool *pool, unsigned long *map)
{
	unsigned int start, end;
	int err;

	for_each_set_bitrange(start, end, map, pool->nr_clusters) {
		err = nexus_alloc_put(&pool->alloc, start, end - start);
		if (err)
			pr_warn_ratelimited("pool %s: clusters %u-%u not reusable until reimport: %d\n",
					    pool->name, start, end - 1, err);
	}
}

/**
 * nexus_pool_commit() - commit the metadata, make completed writes durable
 * @pool: the pool
 *
 * Return: 0, or the error that turned the pool read-only.
 */
int nexus_pool_commit(struct nexus_pool *pool)
{
	unsigned long *freed = NULL;
	u32 nr_freed;
	int err;

	mutex_lock(&pool->commit_lock);
	if (READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY) {
		err = -EROFS;
		goto out_unlock;
	}
	/*
	 * The frees made so far are in the metadata this commit writes; later
	 * ones wait for the next commit, which is safe.
	 */
	mutex_lock(&pool->md_lock);
	nr_freed = pool->nr_free_pending;
	if (nr_freed) {
		freed = bitmap_zalloc(pool->nr_clusters, GFP_NOIO);
		if (freed) {
			bitmap_copy(freed, pool->free_pending, pool->nr_clusters);
			bitmap_zero(pool->free_pending, pool->nr_clusters);
			pool->nr_free_pending = 0;
		}
	}
	if (!pool->md.changed)
		goto out_flush;
	mutex_unlock(&pool->md_lock);

	/* The superblock write flushes the cache first: data, then metadata. */
	err = nexus_md_commit(&pool->md, pool->dev.bdev, &pool->md_lock);
	if (err)
		goto out_failed;
	goto out_release;

out_flush:
	mutex_unlock(&pool->md_lock);
	err = blkdev_issue_flush(pool->dev.bdev);
	if (err)
		goto out_failed;
out_release:
	if (freed) {
		/* IO that looked these clusters up before the free must end. */
		synchronize_srcu(&pool->io_srcu);
		nexus_pool_release_clusters(pool, freed);
	}
	goto out_free;

out_failed:
	if (freed) {
		mutex_lock(&pool->md_lock);
		bitmap_or(pool->free_pending, pool->free_pending, freed, pool->nr_clusters);
		pool->nr_free_pending += nr_freed;
		mutex_unlock(&pool->md_lock);
	}
	nexus_pool_go_read_only(pool, "metadata write failed");
out_free:
	bitmap_free(freed);
out_unlock:
	mutex_unlock(&pool->commit_lock);
	return err;
}

u32 nexus_pool_used(struct nexus_pool *pool)
{
	return pool->nr_clusters - nexus_alloc_free_count(&pool->alloc);
}

/* Copy-on-write buffers (mempool_create_kvmalloc_pool() is 6.3+). */
static void *nexus_copy_buf_alloc(gfp_t gfp, void *data)
{
	return kvmalloc(NEXUS_COPY_CHUNK, gfp);
}

static void nexus_copy_buf_free(void *buf, void *data)
{
	kvfree(buf);
}

static struct nexus_pool *nexus_pool_alloc(void)
{
	struct nexus_pool *pool = kzalloc(sizeof(*pool), GFP_KERNEL);

	if (!pool)
		return NULL;
	mutex_init(&pool->lock);
	mutex_init(&pool->commit_lock);
	mutex_init(&pool->md_lock);
	INIT_LIST_HEAD(&pool->replicas);
	INIT_LIST_HEAD(&pool->node);
	spin_lock_init(&pool->flush_lock);
	bio_list_init(&pool->flush_bios);
	INIT_WORK(&pool->commit_work, nexus_pool_commit_work);
	timer_setup(&pool->commit_timer, nexus_pool_commit_timer, 0);
	if (init_srcu_struct(&pool->io_srcu))
		goto out_free_pool;
	if (bioset_init(&pool->bs, BIO_POOL_SIZE, offsetof(struct nexus_tio, clone), 0))
		goto out_cleanup_srcu;
	if (bioset_init(&pool->split_bs, BIO_POOL_SIZE, 0, 0))
		goto out_exit_bioset;
	pool->wq = alloc_workqueue("nexus_pool", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!pool->wq)
		goto out_exit_split_bioset;
	pool->copy_bufs = mempool_create(1, nexus_copy_buf_alloc, nexus_copy_buf_free, NULL);
	if (!pool->copy_bufs)
		goto out_destroy_wq;
	return pool;

out_destroy_wq:
	destroy_workqueue(pool->wq);
out_exit_split_bioset:
	bioset_exit(&pool->split_bs);
out_exit_bioset:
	bioset_exit(&pool->bs);
out_cleanup_srcu:
	cleanup_srcu_struct(&pool->io_srcu);
out_free_pool:
	kfree(pool);
	return NULL;
}

/* Undo nexus_pool_alloc() and what nexus_pool_open() set up. */
static void nexus_pool_free(struct nexus_pool *pool)
{
	del_timer_sync(&pool->commit_timer);
	destroy_workqueue(pool->wq);
	mempool_destroy(pool->copy_bufs);
	bioset_exit(&pool->split_bs);
	bioset_exit(&pool->bs);
	cleanup_srcu_struct(&pool->io_srcu);
	nexus_alloc_destroy(&pool->alloc);
	bitmap_free(pool->free_pending);
	nexus_md_release(&pool->md);
	if (pool->dev.bdev)
		nexus_bdev_close(&pool->dev);
	kfree(pool);
}

/* Take the identity and geometry of the metadata just loaded or made. */
static int nexus_pool_adopt(struct nexus_pool *pool)
{
	const struct nexus_sb *sb = &pool->md.sb;

	memcpy(pool->name, sb->name, NEXUS_NAME_LEN);
	pool->name[NEXUS_NAME_LEN - 1] = '\0';
	memcpy(&pool->uuid, sb->uuid, sizeof(pool->uuid));
	pool->cluster_shift = le32_to_cpu(sb->cluster_shift);
	pool->nr_clusters = le32_to_cpu(sb->nr_clusters);
	pool->data_start = le64_to_cpu(sb->data_start) >> SECTOR_SHIFT;
	pool->free_pending = bitmap_zalloc(pool->nr_clusters, GFP_KERNEL);
	if (!pool->free_pending)
		return -ENOMEM;
	nexus_alloc_init(&pool->alloc, pool->nr_clusters);
	return 0;
}

static u16 nexus_pool_smap_ref(void *arg, u32 cluster)
{
	return nexus_md_ref(arg, cluster);
}

static int nexus_pool_open_dev(struct nexus_pool *pool, const char *path,
			       struct netlink_ext_ack *extack)
{
	int err;

	strscpy(pool->path, path, sizeof(pool->path));
	err = nexus_bdev_open(&pool->dev, path, pool);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG(extack, "device is in use (mounted, a pool, or held by a driver)");
		return err;
	}
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the device");
		return err;
	}
	if (bdev_logical_block_size(pool->dev.bdev) > NEXUS_BLOCK_SIZE) {
		NL_SET_ERR_MSG(extack, "device's logical block size is larger than 4 KiB");
		return -EINVAL;
	}
	if (bdev_read_only(pool->dev.bdev)) {
		NL_SET_ERR_MSG(extack, "device is read-only");
		return -EROFS;
	}
	return 0;
}

int nexus_pool_create(const struct nexus_pool_create *args, struct nexus_pool **out,
		      struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool;
	struct nexus_sb sb = {};
	const char *why;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	if (nexus_pool_find(args->name)) {
		NL_SET_ERR_MSG(extack, "a pool with this name exists");
		return -EEXIST;
	}
	if (args->uuid && nexus_pool_find_uuid(args->uuid)) {
		NL_SET_ERR_MSG(extack, "a pool with this uuid exists");
		return -EEXIST;
	}
	pool = nexus_pool_alloc();
	if (!pool) {
		NL_SET_ERR_MSG(extack, "out of memory");
		return -ENOMEM;
	}
	err = nexus_pool_open_dev(pool, args->path, extack);
	if (err)
		goto out_free_pool;
	err = nexus_md_probe(pool->dev.bdev);
	if (err < 0) {
		NL_SET_ERR_MSG(extack, "cannot read the device");
		goto out_free_pool;
	}
	if (err && !args->force) {
		NL_SET_ERR_MSG(extack, "device holds a nexus pool (force to overwrite it)");
		err = -EEXIST;
		goto out_free_pool;
	}
	why = nexus_fmt_layout(&sb, bdev_nr_bytes(pool->dev.bdev), args->cluster_shift,
			       args->max_replicas);
	if (why) {
		nexus_set_err_msg_static(extack, why);
		err = -EINVAL;
		goto out_free_pool;
	}
	strscpy(sb.name, args->name, sizeof(sb.name));
	if (args->uuid)
		memcpy(sb.uuid, args->uuid, sizeof(sb.uuid));
	else
		generate_random_uuid(sb.uuid);
	sb.created = cpu_to_le64(ktime_get_real_seconds());
	err = nexus_md_format(&pool->md, pool->dev.bdev, &sb, &why);
	if (err) {
		nexus_set_err_msg_static(extack, why);
		goto out_free_pool;
	}
	err = nexus_pool_adopt(pool);
	if (!err)
		err = nexus_alloc_put(&pool->alloc, 0, pool->nr_clusters);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory");
		goto out_free_pool;
	}
	list_add_tail(&pool->node, &nexus_pools);
	pr_info("pool %s created on %s: %u clusters of %llu MiB\n", pool->name, pool->path,
		pool->nr_clusters, nexus_pool_cluster_bytes(pool) >> 20);
	*out = pool;
	return 0;

out_free_pool:
	nexus_pool_free(pool);
	return err;
}

int nexus_pool_import(const char *path, const char *name, struct nexus_pool **out,
		      struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool;
	const char *why;
	u32 i;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	pool = nexus_pool_alloc();
	if (!pool) {
		NL_SET_ERR_MSG(extack, "out of memory");
		return -ENOMEM;
	}
	err = nexus_pool_open_dev(pool, path, extack);
	if (err)
		goto out_free_pool;
	err = nexus_md_load(&pool->md, pool->dev.bdev, &why);
	if (err) {
		nexus_set_err_msg_static(extack, why);
		goto out_free_pool;
	}
	if (name && strncmp(name, pool->md.sb.name, NEXUS_NAME_LEN)) {
		NL_SET_ERR_MSG(extack, "the pool on this device has another name");
		err = -ENOENT;
		goto out_free_pool;
	}
	if (nexus_pool_find(pool->md.sb.name) || nexus_pool_find_uuid(pool->md.sb.uuid)) {
		NL_SET_ERR_MSG(extack, "a pool with this name or uuid is imported");
		err = -EEXIST;
		goto out_free_pool;
	}
	err = nexus_pool_adopt(pool);
	if (!err)
		err = nexus_alloc_load(&pool->alloc, nexus_pool_smap_ref, &pool->md);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory");
		goto out_free_pool;
	}
	for (i = 0; i < le32_to_cpu(pool->md.sb.max_replicas); i++) {
		if (!(le32_to_cpu(nexus_md_rec(&pool->md, i)->flags) & NEXUS_REPLICA_IN_USE))
			continue;
		err = nexus_replica_load(pool, i, NULL);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot set up the pool's replicas");
			goto out_free_replicas;
		}
	}
	list_add_tail(&pool->node, &nexus_pools);
	pr_info("pool %s imported from %s: %u of %u clusters used\n", pool->name, pool->path,
		nexus_pool_used(pool), pool->nr_clusters);
	*out = pool;
	return 0;

out_free_replicas:
	nexus_replicas_free(pool);
out_free_pool:
	nexus_pool_free(pool);
	return err;
}

/* Remove a pool from the list and free it; its replicas are gone already. */
static void nexus_pool_release(struct nexus_pool *pool)
{
	lockdep_assert_held(&nexus_pools_lock);
	list_del(&pool->node);
	nexus_pool_free(pool);
}

int nexus_pool_export(struct nexus_pool *pool, struct netlink_ext_ack *extack)
{
	struct nexus_replica *busy;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	mutex_lock(&pool->lock);
	busy = nexus_replicas_close(pool);
	if (busy) {
		nexus_set_err_msg_fmt(extack, "a replica of the pool is in use",
				      "a replica of the pool is in use: %s", busy->name);
		mutex_unlock(&pool->lock);
		return -EBUSY;
	}
	del_timer_sync(&pool->commit_timer);
	flush_workqueue(pool->wq);
	err = nexus_pool_commit(pool);
	nexus_replicas_free(pool);
	mutex_unlock(&pool->lock);
	if (err)
		pr_err("pool %s: exported with its last changes uncommitted: %d\n",
		       pool->name, err);
	else
		pr_info("pool %s exported\n", pool->name);
	nexus_pool_release(pool);
	return 0;
}

int nexus_pool_destroy(struct nexus_pool *pool, bool force, struct netlink_ext_ack *extack)
{
	struct nexus_replica *busy;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	mutex_lock(&pool->lock);
	if (!list_empty(&pool->replicas) && !force) {
		struct nexus_replica *r;
		bool shared = false;

		list_for_each_entry(r, &pool->replicas, node) {
			u8 proto = nexus_md_rec(&pool->md, r->index)->share_proto;

			shared |= proto != NEXUS_SHARE_NONE;
		}
		if (shared)
			NL_SET_ERR_MSG(extack,
				       "pool has shared replicas (force to unshare and destroy them)");
		else
			NL_SET_ERR_MSG(extack, "pool has replicas (force to destroy them too)");
		err = -EBUSY;
		goto out_unlock;
	}
	busy = nexus_replicas_close(pool);
	if (busy) {
		nexus_set_err_msg_fmt(extack, "a replica of the pool is in use",
				      "a replica of the pool is in use: %s", busy->name);
		err = -EBUSY;
		goto out_unlock;
	}
	del_timer_sync(&pool->commit_timer);
	flush_workqueue(pool->wq);
	err = nexus_md_wipe(pool->dev.bdev);
	if (err) {
		nexus_replicas_reopen(pool);
		NL_SET_ERR_MSG(extack, "cannot erase the pool's superblocks");
		goto out_unlock;
	}
	nexus_replicas_free(pool);
	mutex_unlock(&pool->lock);
	pr_info("pool %s destroyed\n", pool->name);
	nexus_pool_release(pool);
	return 0;

out_unlock:
	mutex_unlock(&pool->lock);
	return err;
}

/* Module exit: nothing can hold a replica open (each holds the module). */
void nexus_pool_export_all(void)
{
	struct nexus_pool *pool, *next;

	mutex_lock(&nexus_pools_lock);
	list_for_each_entry_safe(pool, next, &nexus_pools, node)
		WARN_ON(nexus_pool_export(pool, NULL));
	mutex_unlock(&nexus_pools_lock);
}
