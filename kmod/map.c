// SPDX-License-Identifier: GPL-2.0
/*
 * Replica cluster maps: per replica, a radix tree of metadata blocks.  A
 * leaf maps NEXUS_MAP_PER_BLOCK logical clusters to physical cluster + 1
 * (0: unmapped, reads as zeros); an inner node holds child block numbers.
 * The tree has the height its replica's size needs (1 to 3); nodes are
 * created when a cluster under them is first mapped.
 *
 * Locking: writers hold pool->md_lock.  The IO path looks up without it:
 * a new node is filled in before the entry that links it is written
 * (smp_wmb), entries and the root are read with READ_ONCE, and nodes are
 * freed only when no IO can be in flight (the replica is not open:
 * destroy and shrink).  The root and height live in map->top, one word,
 * so that a lookup never sees a root of one height and the height of
 * another.
 */
#include <linux/math64.h>

#include "nexus.h"

/**
 * nexus_map_unref() - a map stopped pointing at a cluster
 * @pool: the pool, md_lock held
 * @cluster: the cluster
 *
 * One reference less; with the last, the cluster is free, and given out
 * again only once a commit has recorded that (pool.c, free_pending).
 */
void nexus_map_unref(struct nexus_pool *pool, u32 cluster)
{
	u16 ref = nexus_md_ref(&pool->md, cluster);

	lockdep_assert_held(&pool->md_lock);
	if (WARN_ON_ONCE(!ref))
		return;
	nexus_md_set_ref(&pool->md, cluster, ref - 1);
	if (ref == 1) {
		__set_bit(cluster, pool->free_pending);
		pool->nr_free_pending++;
	}
}

static inline unsigned long nexus_map_top(u32 root, u8 height)
{
	return root ? ((unsigned long)root << 2) | height : 0;
}

void nexus_map_load(struct nexus_map *map, const struct nexus_replica_rec *r)
{
	WRITE_ONCE(map->top, nexus_map_top(le32_to_cpu(r->map_root), r->map_height));
}

static __le32 *nexus_map_entries(struct nexus_pool *pool, u32 nr)
{
	return nexus_fmt_payload(nexus_md_block(&pool->md, nr));
}

/* Physical cluster + 1 that @logical maps to, 0 if none.  Any context. */
u32 nexus_map_lookup(struct nexus_pool *pool, struct nexus_map *map, u64 logical)
{
	unsigned long top = READ_ONCE(map->top);
	u32 nr = top >> 2, rem;
	u8 height = top & 3;

	while (nr) {
		u64 idx = div_u64_rem(logical, (u32)nexus_fmt_map_capacity(height - 1), &rem);
		u32 v;

		if (idx >= NEXUS_MAP_PER_BLOCK)
			return 0;
		v = le32_to_cpu(READ_ONCE(nexus_map_entries(pool, nr)[idx]));
		if (height == 1)
			return v;
		logical = rem;
		nr = v;
		height--;
	}
	return 0;
}

/* Publish the new root @root of height @height, in the record and in @map. */
static void nexus_map_set_top(struct nexus_pool *pool, struct nexus_map *map,
			      u32 rec, u32 root, u8 height)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);

	r->map_root = cpu_to_le32(root);
	r->map_height = height;
	nexus_md_rec_dirty(&pool->md, rec);
	smp_wmb();	/* the root's contents before the root */
	WRITE_ONCE(map->top, nexus_map_top(root, height));
}

/**
 * nexus_map_set() - map a logical cluster
 * @pool: its pool, md_lock held
 * @map: the replica's map
 * @rec: the replica's record
 * @logical: the logical cluster, below the replica's size
 * @value: physical cluster + 1, or 0 to unmap
 *
 * Creates the nodes on the way.  The caller keeps refcounts and the
 * record's mapped count.
 *
 * Return: the previous value (>= 0), or -ENOSPC if the metadata is full.
 */
int nexus_map_set(struct nexus_pool *pool, struct nexus_map *map, u32 rec,
		  u64 logical, u32 value)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);
	u8 height = r->map_height;
	u32 nr = le32_to_cpu(r->map_root), old, rem;
	int err;

	lockdep_assert_held(&pool->md_lock);
	if (!nr) {
		if (!value)
			return 0;
		err = nexus_md_alloc_block(&pool->md, height == 1 ? NEXUS_BLK_MAP_LEAF :
					   NEXUS_BLK_MAP_INNER, &nr);
		if (err)
			return err;
		nexus_map_set_top(pool, map, rec, nr, height);
	}
	for (; height > 1; height--) {
		__le32 *e = nexus_map_entries(pool, nr);
		u64 idx = div_u64_rem(logical, (u32)nexus_fmt_map_capacity(height - 1), &rem);
		u32 child = le32_to_cpu(e[idx]);

		if (!child) {
			if (!value)
				return 0;
			err = nexus_md_alloc_block(&pool->md, height == 2 ? NEXUS_BLK_MAP_LEAF :
						   NEXUS_BLK_MAP_INNER, &child);
			if (err)
				return err;
			smp_wmb();	/* the node's contents before its link */
			WRITE_ONCE(e[idx], cpu_to_le32(child));
			nexus_md_dirty(&pool->md, nr);
		}
		nr = child;
		logical = rem;
	}
	old = le32_to_cpu(nexus_map_entries(pool, nr)[logical]);
	WRITE_ONCE(nexus_map_entries(pool, nr)[logical], cpu_to_le32(value));
	nexus_md_dirty(&pool->md, nr);
	return old;
}

/*
 * Make the tree tall enough for @clusters logical clusters: a new root
 * above the old one for each level it lacks.  0, or -ENOSPC.
 */
int nexus_map_grow(struct nexus_pool *pool, struct nexus_map *map, u32 rec, u64 clusters)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);
	u8 want = nexus_fmt_map_height(clusters);
	u32 root = le32_to_cpu(r->map_root), nr;
	int err;

	lockdep_assert_held(&pool->md_lock);
	if (!root) {
		r->map_height = max(r->map_height, want);
		nexus_md_rec_dirty(&pool->md, rec);
		return 0;
	}
	while (r->map_height < want) {
		err = nexus_md_alloc_block(&pool->md, NEXUS_BLK_MAP_INNER, &nr);
		if (err)
			return err;
		nexus_map_entries(pool, nr)[0] = cpu_to_le32(root);
		root = nr;
		nexus_map_set_top(pool, map, rec, root, r->map_height + 1);
	}
	return 0;
}

/*
 * Free what lies at or above logical cluster @from under node @nr (the
 * node covering logical clusters from @base on); true if the node itself
 * is now empty and freed.
 */
static bool nexus_map_free_node(struct nexus_pool *pool, u32 rec, u32 nr, u8 height,
				u64 base, u64 from, u64 *unmapped)
{
	__le32 *e = nexus_map_entries(pool, nr);
	u64 span = nexus_fmt_map_capacity(height - 1);
	bool empty = true;
	u32 i;

	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		u32 v = le32_to_cpu(e[i]);
		u64 first = base + i * span;

		if (!v)
			continue;
		if (first + span <= from) {
			empty = false;
			continue;
		}
		if (height > 1) {
			if (!nexus_map_free_node(pool, rec, v, height - 1, first, from, unmapped)) {
				empty = false;
				continue;
			}
		} else {
			nexus_map_unref(pool, v - 1);
			(*unmapped)++;
		}
		e[i] = 0;
		nexus_md_dirty(&pool->md, nr);
	}
	if (empty)
		nexus_md_free_block(&pool->md, nr);
	return empty;
}

/*
 * Unmap every logical cluster from @from on, freeing the clusters (once
 * unreferenced) and the nodes left empty.  The replica must have no IO in
 * flight.  Updates the record's mapped count.
 */
void nexus_map_free_from(struct nexus_pool *pool, struct nexus_map *map, u32 rec, u64 from)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);
	u32 root = le32_to_cpu(r->map_root);
	u64 unmapped = 0;

	lockdep_assert_held(&pool->md_lock);
	if (root && nexus_map_free_node(pool, rec, root, r->map_height, 0, from, &unmapped))
		nexus_map_set_top(pool, map, rec, 0, r->map_height);
	le64_add_cpu(&r->mapped, -(s64)unmapped);
	nexus_md_rec_dirty(&pool->md, rec);
}

static int nexus_map_leaves(struct nexus_pool *pool, u32 nr, u8 height, nexus_leaf_fn fn,
			    void *arg)
{
	__le32 *e = nexus_map_entries(pool, nr);
	u32 i;
	int err;

	if (height == 1)
		return fn(pool, e, arg);
	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		if (!e[i])
			continue;
		err = nexus_map_leaves(pool, le32_to_cpu(e[i]), height - 1, fn, arg);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Call @fn with the entries of each leaf of record @rec's map, until it
 * returns non-zero (which is returned).  md_lock held.
 */
int nexus_map_leaf_walk(struct nexus_pool *pool, u32 rec, nexus_leaf_fn fn, void *arg)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);
	u32 root = le32_to_cpu(r->map_root);

	lockdep_assert_held(&pool->md_lock);
	return root ? nexus_map_leaves(pool, root, r->map_height, fn, arg) : 0;
}

static u32 nexus_map_count(struct nexus_pool *pool, u32 nr, u8 height)
{
	__le32 *e = nexus_map_entries(pool, nr);
	u32 n = 1, i;

	for (i = 0; height > 1 && i < NEXUS_MAP_PER_BLOCK; i++)
		if (e[i])
			n += nexus_map_count(pool, le32_to_cpu(e[i]), height - 1);
	return n;
}

/* Map nodes of record @rec's map.  md_lock held. */
u32 nexus_map_nodes(struct nexus_pool *pool, u32 rec)
{
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, rec);
	u32 root = le32_to_cpu(r->map_root);

	lockdep_assert_held(&pool->md_lock);
	return root ? nexus_map_count(pool, root, r->map_height) : 0;
}

static u32 nexus_map_copy_node(struct nexus_pool *pool, u32 nr, u8 height)
{
	__le32 *e;
	u32 copy, i;

	if (WARN_ON(nexus_md_alloc_block(&pool->md, height == 1 ? NEXUS_BLK_MAP_LEAF :
					 NEXUS_BLK_MAP_INNER, &copy)))
		return 0;
	e = nexus_map_entries(pool, copy);
	memcpy(e, nexus_map_entries(pool, nr), NEXUS_BLOCK_PAYLOAD);
	for (i = 0; height > 1 && i < NEXUS_MAP_PER_BLOCK; i++)
		if (e[i])
			e[i] = cpu_to_le32(nexus_map_copy_node(pool, le32_to_cpu(e[i]),
							       height - 1));
	nexus_md_dirty(&pool->md, copy);
	return copy;
}

/*
 * Give record @to (with no map yet) a copy of record @from's map: new
 * nodes, the same entries, height and mapped count.  Map nodes are never
 * shared; the clusters are, and their refcounts are the caller's.  The
 * caller made sure that nexus_map_nodes(@from) blocks are free.  md_lock
 * held; @to has no device yet, so no lookup can race with it.
 */
void nexus_map_copy(struct nexus_pool *pool, u32 from, u32 to)
{
	struct nexus_replica_rec *src = nexus_md_rec(&pool->md, from);
	struct nexus_replica_rec *dst = nexus_md_rec(&pool->md, to);
	u32 root = le32_to_cpu(src->map_root);

	lockdep_assert_held(&pool->md_lock);
	dst->map_height = src->map_height;
	dst->map_root = cpu_to_le32(root ? nexus_map_copy_node(pool, root, src->map_height) : 0);
	dst->mapped = src->mapped;
	nexus_md_rec_dirty(&pool->md, to);
}

/* Leaf walkers for the refcounts of a map's clusters; md_lock held. */

static int nexus_refs_room(struct nexus_pool *pool, __le32 *e, void *arg)
{
	u32 i, v;

	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		v = le32_to_cpu(e[i]);
		if (v && nexus_md_ref(&pool->md, v - 1) == U16_MAX)
			return -EOVERFLOW;
	}
	return 0;
}

static int nexus_refs_get(struct nexus_pool *pool, __le32 *e, void *arg)
{
	u32 i, v;

	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		v = le32_to_cpu(e[i]);
		if (v)
			nexus_md_set_ref(&pool->md, v - 1, nexus_md_ref(&pool->md, v - 1) + 1);
	}
	return 0;
}

static int nexus_refs_shared(struct nexus_pool *pool, __le32 *e, void *arg)
{
	u32 i, v;

	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		v = le32_to_cpu(e[i]);
		if (v && nexus_md_ref(&pool->md, v - 1) > 1)
			return 1;
	}
	return 0;
}

static int nexus_refs_alone(struct nexus_pool *pool, __le32 *e, void *arg)
{
	u64 *alone = arg;
	u32 i, v;

	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		v = le32_to_cpu(e[i]);
		if (v && nexus_md_ref(&pool->md, v - 1) == 1)
			(*alone)++;
	}
	return 0;
}

/**
 * nexus_map_share() - give a new record a copy of another's map
 * @pool: the pool, md_lock held
 * @from: the record whose map is copied
 * @to: the new record, no map yet, no device yet
 *
 * New map nodes, the same clusters, one more reference on each; the pool
 * is marked as holding shared clusters.
 *
 * Return: 0; -ENOSPC if the metadata has too few free blocks, -EOVERFLOW if
 * a cluster already has 65535 references: then nothing has changed.
 */
int nexus_map_share(struct nexus_pool *pool, u32 from, u32 to)
{
	lockdep_assert_held(&pool->md_lock);
	if (nexus_map_nodes(pool, from) > pool->md.free_blocks)
		return -ENOSPC;
	if (nexus_map_leaf_walk(pool, from, nexus_refs_room, NULL))
		return -EOVERFLOW;
	nexus_map_copy(pool, from, to);
	nexus_map_leaf_walk(pool, to, nexus_refs_get, NULL);
	pool->md.sb.feature_incompat |= cpu_to_le32(NEXUS_FEATURE_INCOMPAT_SHARED);
	return 0;
}

/**
 * nexus_map_cow() - point a logical cluster at the replica's own copy
 * @pool: the pool, md_lock held
 * @map: the replica's map
 * @rec: its record
 * @logical: the logical cluster
 * @old: physical cluster + 1 it mapped when the copy (or zeroing) began
 * @cluster: the new cluster, holding that copy (or zeros, @old 0)
 *
 * The map moves to @cluster (refcount 1) before @old loses this map's
 * reference, with a write barrier between (nexus_owns() in replica_io.c
 * pairs with it).  Refused, and nothing changed, if the mapping is no
 * longer @old (a discard), or @old is no longer shared: its other maps
 * went, and writes may have gone to it in place, which the copy lacks.
 *
 * Return: 1 remapped, 0 refused (@cluster is the caller's to free),
 * -ENOSPC if the metadata is full.
 */
int nexus_map_cow(struct nexus_pool *pool, struct nexus_map *map, u32 rec, u64 logical,
		  u32 old, u32 cluster)
{
	int err;

	lockdep_assert_held(&pool->md_lock);
	if (nexus_map_lookup(pool, map, logical) != old ||
	    (old && nexus_md_ref(&pool->md, old - 1) == 1))
		return 0;
	err = nexus_map_set(pool, map, rec, logical, cluster + 1);
	if (err < 0)
		return err;
	nexus_md_set_ref(&pool->md, cluster, 1);
	if (old) {
		smp_wmb();	/* the map moves before the reference goes: nexus_owns() */
		nexus_map_unref(pool, old - 1);
	} else {
		le64_add_cpu(&nexus_md_rec(&pool->md, rec)->mapped, 1);
		nexus_md_rec_dirty(&pool->md, rec);
	}
	return 1;
}

/* Does record @rec map a cluster that another map shares?  md_lock held. */
bool nexus_map_shared(struct nexus_pool *pool, u32 rec)
{
	return nexus_map_leaf_walk(pool, rec, nexus_refs_shared, NULL) > 0;
}

/* Bytes only record @rec's map points at: what destroying it frees. */
u64 nexus_map_exclusive(struct nexus_pool *pool, u32 rec)
{
	u64 alone = 0;

	mutex_lock(&pool->md_lock);
	nexus_map_leaf_walk(pool, rec, nexus_refs_alone, &alone);
	mutex_unlock(&pool->md_lock);
	return alone << pool->cluster_shift;
}
