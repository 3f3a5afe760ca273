// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots and clones of replicas (the objects; map.c has the map copies
 * and reference counts they are made of).
 *
 * A snapshot is a replica record flagged NEXUS_REPLICA_SNAPSHOT whose map
 * is a copy of its origin's map at the moment it was taken: new map nodes,
 * the same clusters, each cluster's refcount raised by one.  No data is
 * copied, so taking one costs a map copy (one 4 KiB node per 1016
 * clusters) and a commit, whatever the size of the data.  A clone is a
 * thin replica made the same way from a snapshot.  From then on a write to
 * a cluster whose refcount is above 1 copies it first (replica_io.c), and
 * the writer's map points at its own copy: the snapshot keeps what it had.
 *
 * Every map holds its own references, so any record can go at any time:
 * destroying one drops a reference on each of its clusters, and a cluster
 * returns to the pool with its last reference.  A snapshot that still has
 * clones goes at once; the clusters its clones share with it stay until
 * the last clone that maps them lets them go (docs/design.md says why).
 *
 * Taking a snapshot holds the origin's writes: new ones wait in
 * replica->held, and those already sent are waited for through
 * pool->io_srcu, which every replica IO holds until it ends (or until it
 * is queued for a cluster: then the pool's workqueue is flushed too).  No
 * write can then land in a cluster after it became shared, and no copy of
 * a cluster is half done when it does.
 *
 * Locking: the callers hold nexus_pools_lock and pool->lock; maps and
 * refcounts change under pool->md_lock; replica->hold_lock guards frozen
 * and held.
 */
#include <linux/bio.h>

#include "nexus.h"

/*
 * Writes to @r wait from now on; on return those in flight have ended, and
 * so have the cluster allocations and copies they queued (their writes now
 * wait with the others): no copy of a cluster is in progress while its
 * refcount changes under the snapshot.
 */
static void nexus_replica_freeze(struct nexus_replica *r)
{
	spin_lock_irq(&r->hold_lock);
	r->frozen = true;
	spin_unlock_irq(&r->hold_lock);
	synchronize_srcu(&r->pool->io_srcu);
	flush_workqueue(r->pool->wq);
}

/* Let @r's writes go again, the held ones first. */
static void nexus_replica_thaw(struct nexus_replica *r)
{
	struct bio_list held;
	struct bio *bio;

	spin_lock_irq(&r->hold_lock);
	/* What changed while frozen (replica->cow) before the writes see it. */
	smp_store_release(&r->frozen, false);
	held = r->held;
	bio_list_init(&r->held);
	spin_unlock_irq(&r->hold_lock);
	while ((bio = bio_list_pop(&held)))
		submit_bio_noacct(bio);
}

/*
 * Called for each write inside its io_srcu section: true if @r is frozen
 * and the write now waits in @r->held.
 */
bool nexus_replica_hold(struct nexus_replica *r, struct bio *bio)
{
	unsigned long flags;
	bool held = false;

	/* Pairs with nexus_replica_thaw(): a write let through sees cow. */
	if (!smp_load_acquire(&r->frozen))
		return false;
	spin_lock_irqsave(&r->hold_lock, flags);
	if (r->frozen) {
		bio_list_add(&r->held, bio);
		held = true;
	}
	spin_unlock_irqrestore(&r->hold_lock, flags);
	return held;
}

/*
 * Give the new record @index a copy of @from's map, sharing its clusters,
 * and link it to @from as its parent.  Nothing changes on failure.
 * md_lock held.
 */
static int nexus_snapshot_share(struct nexus_pool *pool, struct nexus_replica *from, u32 index,
				struct netlink_ext_ack *extack)
{
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);
	int err = nexus_map_share(pool, from->index, index);

	if (err == -ENOSPC)
		NL_SET_ERR_MSG(extack, "pool metadata is full");
	else if (err == -EOVERFLOW)
		NL_SET_ERR_MSG(extack, "a cluster of it is shared 65535 times already");
	if (err)
		return err;
	rec->parent = cpu_to_le32(from->index + 1);
	memcpy(rec->parent_uuid, &from->uuid, sizeof(rec->parent_uuid));
	nexus_md_rec_dirty(&pool->md, index);
	return 0;
}

/* Clone record @index (new, thin, in use) from snapshot @snap.  md_lock held. */
int nexus_clone_map(struct nexus_pool *pool, struct nexus_replica *snap, u32 index,
		    struct netlink_ext_ack *extack)
{
	if (!snap->snapshot) {
		NL_SET_ERR_MSG(extack,
			       "clones are made from snapshots: snapshot the replica first");
		return -EINVAL;
	}
	return nexus_snapshot_share(pool, snap, index, extack);
}

/**
 * nexus_snapshot_create() - take a snapshot of a replica
 * @origin: the replica; nexus_pools_lock and its pool->lock held
 * @args: name, uuid and properties of the snapshot (size and thin unused)
 * @out: the snapshot, on success
 * @extack: what went wrong
 *
 * The snapshot holds every write @origin completed before this call, and
 * is committed before it returns.
 *
 * Return: 0 or a negative errno.  A refusal changes nothing; a failed
 * commit leaves the pool read-only, as for every object change.
 */
int nexus_snapshot_create(struct nexus_replica *origin, const struct nexus_replica_create *args,
			  struct nexus_replica **out, struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool = origin->pool;
	struct nexus_replica_rec *rec;
	u32 index;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	lockdep_assert_held(&pool->lock);
	if (!nexus_pool_writable(pool, extack))
		return -EROFS;
	if (origin->snapshot) {
		NL_SET_ERR_MSG(extack,
			       "a snapshot is not snapshotted: clone it and snapshot the clone");
		return -EINVAL;
	}
	/* What nexus_replica_record() refuses, refused before writes wait. */
	err = nexus_replica_unique(pool, args, extack);
	if (err)
		return err;
	/* Every first write after it needs a cluster: a full pool fails them all. */
	if (!nexus_alloc_free_count(&pool->alloc)) {
		NL_SET_ERR_MSG(extack,
			       "pool is full: the replica could not be written after a snapshot");
		return -ENOSPC;
	}

	nexus_replica_freeze(origin);
	mutex_lock(&pool->md_lock);
	err = nexus_replica_record(pool, args, &index, extack);
	if (err)
		goto out_unlock_thaw;
	rec = nexus_md_rec(&pool->md, index);
	rec->flags |= cpu_to_le32(NEXUS_REPLICA_SNAPSHOT |
				  (origin->thin ? NEXUS_REPLICA_THIN : 0));
	rec->size = cpu_to_le64(origin->size);
	err = nexus_snapshot_share(pool, origin, index, extack);
	if (err) {
		nexus_replica_record_free(pool, index);
		goto out_unlock_thaw;
	}
	WRITE_ONCE(origin->cow, true);
	mutex_unlock(&pool->md_lock);
	nexus_replica_thaw(origin);

	return nexus_replica_commit_new(pool, index, out, extack);

out_unlock_thaw:
	mutex_unlock(&pool->md_lock);
	nexus_replica_thaw(origin);
	return err;
}
