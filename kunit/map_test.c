// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nexus-map": cluster maps and their reference counts, the
 * logic of snapshots, clones and copy-on-write (kmod/map.c, over the
 * in-memory metadata of kmod/md.c, both compiled into this test module).
 * Each case lays out an empty pool's metadata in memory (no device), maps
 * clusters, shares, copies on write and frees as the module does, then
 * checks the refcounts one by one and the whole metadata with the same walk
 * that import and the offline checker run (kmod/format.c, compiled into
 * format_test.c of this module).
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../kmod/md.c"
#include "../kmod/map.c"

#define NEXUS_MT_DEVICE		(64ULL << 20)	/* 64 MiB */
#define NEXUS_MT_SHIFT		20		/* 1 MiB clusters */
#define NEXUS_MT_REPLICAS	16

struct nexus_mt {
	struct nexus_pool pool;
	struct nexus_map map[NEXUS_MT_REPLICAS];
};

static int nexus_mt_res_init(struct kunit_resource *res, void *context)
{
	struct nexus_mt *mt = kzalloc(sizeof(*mt), GFP_KERNEL);
	struct nexus_sb sb = {};
	int err = -ENOMEM;

	if (!mt)
		return -ENOMEM;
	if (nexus_fmt_layout(&sb, NEXUS_MT_DEVICE, NEXUS_MT_SHIFT, NEXUS_MT_REPLICAS))
		goto out_free;
	get_random_bytes(sb.uuid, sizeof(sb.uuid));
	strscpy(sb.name, "tank", sizeof(sb.name));
	sb.hdr.gen = cpu_to_le64(1);
	mutex_init(&mt->pool.md_lock);
	mt->pool.cluster_shift = NEXUS_MT_SHIFT;
	mt->pool.nr_clusters = le32_to_cpu(sb.nr_clusters);
	mt->pool.free_pending = bitmap_zalloc(mt->pool.nr_clusters, GFP_KERNEL);
	if (!mt->pool.free_pending)
		goto out_free;
	err = nexus_md_init(&mt->pool.md, &sb);
	if (err)
		goto out_free_bitmap;
	res->data = mt;
	return 0;

out_free_bitmap:
	bitmap_free(mt->pool.free_pending);
out_free:
	kfree(mt);
	return err;
}

static void nexus_mt_res_free(struct kunit_resource *res)
{
	struct nexus_mt *mt = res->data;

	nexus_md_release(&mt->pool.md);
	bitmap_free(mt->pool.free_pending);
	kfree(mt);
}

/* An empty pool's metadata; freed however the test ends.  md_lock held. */
static struct nexus_mt *nexus_mt_new(struct kunit *test)
{
	struct nexus_mt *mt = kunit_alloc_resource(test, nexus_mt_res_init, nexus_mt_res_free,
						   GFP_KERNEL, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mt);
	mutex_lock(&mt->pool.md_lock);
	return mt;
}

static void nexus_mt_done(struct nexus_mt *mt)
{
	mutex_unlock(&mt->pool.md_lock);
}

static u16 nexus_mt_ref(struct nexus_mt *mt, u32 cluster)
{
	return nexus_md_ref(&mt->pool.md, cluster);
}

/* Thin record @index of @clusters clusters, mapping its first @n to @phys.. */
static void nexus_mt_replica(struct kunit *test, struct nexus_mt *mt, u32 index,
			     const char *name, u32 clusters, u32 phys, u32 n)
{
	struct nexus_pool *pool = &mt->pool;
	struct nexus_replica_rec *r = nexus_md_rec(&pool->md, index);
	u32 i;

	r->flags = cpu_to_le32(NEXUS_REPLICA_IN_USE | NEXUS_REPLICA_THIN);
	strscpy(r->name, name, sizeof(r->name));
	get_random_bytes(r->uuid, sizeof(r->uuid));
	r->size = cpu_to_le64((u64)clusters << NEXUS_MT_SHIFT);
	r->map_height = nexus_fmt_map_height(clusters);
	nexus_md_rec_dirty(&pool->md, index);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, nexus_map_set(pool, &mt->map[index], index, i,
						    phys + i + 1), 0);
		nexus_md_set_ref(&pool->md, phys + i, nexus_mt_ref(mt, phys + i) + 1);
		le64_add_cpu(&r->mapped, 1);
	}
}

/* Drop record @index and its map, as destroying a replica does. */
static void nexus_mt_destroy(struct nexus_mt *mt, u32 index)
{
	nexus_map_free_from(&mt->pool, &mt->map[index], index, 0);
	memset(nexus_md_rec(&mt->pool.md, index), 0, sizeof(struct nexus_replica_rec));
	nexus_md_rec_dirty(&mt->pool.md, index);
}

static const void *nexus_mt_block(struct nexus_fmt_walk *w, u32 nr)
{
	u8 *copy = w->priv;

	return copy + (size_t)nr * NEXUS_BLOCK_SIZE;
}

static void nexus_mt_report(struct nexus_fmt_walk *w, const char *msg)
{
	pr_info("nexus-map: walk: %s\n", msg);
}

/* The metadata, sealed as a commit would, through the import's walk. */
static void nexus_mt_walk(struct kunit *test, struct nexus_mt *mt, struct nexus_fmt_walk *w)
{
	struct nexus_md *md = &mt->pool.md;
	size_t bytes = (size_t)md->nr_blocks * NEXUS_BLOCK_SIZE;
	u8 *copy = kunit_kmalloc(test, bytes, GFP_KERNEL);
	u32 b;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	memcpy(copy, md->mem, bytes);
	for (b = 0; b < md->nr_blocks; b++) {
		struct nexus_md_header *h = (void *)(copy + (size_t)b * NEXUS_BLOCK_SIZE);

		if (h->type)
			nexus_fmt_seal(h, le16_to_cpu(h->type), b, 1, md->seed);
	}
	*w = (struct nexus_fmt_walk) {
		.sb = &md->sb,
		.block = nexus_mt_block,
		.report = nexus_mt_report,
		.priv = copy,
	};
	KUNIT_EXPECT_EQ(test, nexus_fmt_walk(w), 0);
	KUNIT_EXPECT_EQ(test, w->errors, 0U);
}

/* A snapshot shares every cluster: one more reference, new map nodes. */
static void nexus_map_test_share(struct kunit *test)
{
	struct nexus_mt *mt = nexus_mt_new(test);
	struct nexus_pool *pool = &mt->pool;
	struct nexus_fmt_walk w;
	u32 c;

	nexus_mt_replica(test, mt, 0, "origin", 32, 0, 10);
	nexus_mt_walk(test, mt, &w);
	KUNIT_EXPECT_FALSE(test, nexus_map_shared(pool, 0));

	nexus_mt_replica(test, mt, 1, "snap", 32, 0, 0);
	KUNIT_ASSERT_EQ(test, nexus_map_share(pool, 0, 1), 0);
	nexus_map_load(&mt->map[1], nexus_md_rec(&pool->md, 1));
	KUNIT_EXPECT_TRUE(test, le32_to_cpu(pool->md.sb.feature_incompat) &
			  NEXUS_FEATURE_INCOMPAT_SHARED);
	KUNIT_EXPECT_NE(test, nexus_md_rec(&pool->md, 1)->map_root,
			nexus_md_rec(&pool->md, 0)->map_root);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(nexus_md_rec(&pool->md, 1)->mapped), 10ULL);
	for (c = 0; c < 10; c++) {
		KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, c), 2);
		KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[1], c), c + 1);
	}
	KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[1], 10), 0U);
	KUNIT_EXPECT_TRUE(test, nexus_map_shared(pool, 0));
	nexus_mt_walk(test, mt, &w);
	KUNIT_EXPECT_EQ(test, w.mapped, 20ULL);
	KUNIT_EXPECT_EQ(test, w.used_clusters, 10ULL);
	nexus_mt_done(mt);
	/* Nothing is exclusive to either while all is shared. */
	KUNIT_EXPECT_EQ(test, nexus_map_exclusive(pool, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, nexus_map_exclusive(pool, 1), 0ULL);
}

/*
 * Copy-on-write moves the writer's map to its copy and leaves the snapshot
 * the old cluster; a stale or unshared mapping is left alone.
 */
static void nexus_map_test_cow(struct kunit *test)
{
	struct nexus_mt *mt = nexus_mt_new(test);
	struct nexus_pool *pool = &mt->pool;
	struct nexus_fmt_walk w;

	nexus_mt_replica(test, mt, 0, "origin", 32, 0, 10);
	nexus_mt_replica(test, mt, 1, "snap", 32, 0, 0);
	KUNIT_ASSERT_EQ(test, nexus_map_share(pool, 0, 1), 0);
	nexus_map_load(&mt->map[1], nexus_md_rec(&pool->md, 1));

	/* Logical 3 (cluster 3) copied into cluster 20. */
	KUNIT_EXPECT_EQ(test, nexus_map_cow(pool, &mt->map[0], 0, 3, 4, 20), 1);
	KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[0], 3), 21U);
	KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[1], 3), 4U);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 3), 1);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 20), 1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(nexus_md_rec(&pool->md, 0)->mapped), 10ULL);
	/* The same copy again: the mapping is no longer cluster 3. */
	KUNIT_EXPECT_EQ(test, nexus_map_cow(pool, &mt->map[0], 0, 3, 4, 21), 0);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 21), 0);
	/* An unmapped cluster gets a zeroed one. */
	KUNIT_EXPECT_EQ(test, nexus_map_cow(pool, &mt->map[0], 0, 15, 0, 22), 1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(nexus_md_rec(&pool->md, 0)->mapped), 11ULL);
	nexus_mt_walk(test, mt, &w);
	KUNIT_EXPECT_EQ(test, w.used_clusters, 12ULL);
	nexus_mt_done(mt);
	KUNIT_EXPECT_EQ(test, nexus_map_exclusive(pool, 0), 2ULL << NEXUS_MT_SHIFT);
	KUNIT_EXPECT_EQ(test, nexus_map_exclusive(pool, 1), 1ULL << NEXUS_MT_SHIFT);

	/*
	 * The snapshot goes: its clusters drop to one reference, the copied
	 * one is free after the next commit, and a copy of a cluster that is
	 * no longer shared is refused (writes may have gone to it in place).
	 */
	mutex_lock(&pool->md_lock);
	nexus_mt_destroy(mt, 1);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 5), 1);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 3), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(3, pool->free_pending));
	KUNIT_EXPECT_EQ(test, pool->nr_free_pending, 1U);
	KUNIT_EXPECT_EQ(test, nexus_map_cow(pool, &mt->map[0], 0, 5, 6, 23), 0);
	KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[0], 5), 6U);
	KUNIT_EXPECT_FALSE(test, nexus_map_shared(pool, 0));
	nexus_mt_walk(test, mt, &w);
	KUNIT_EXPECT_EQ(test, w.used_clusters, 11ULL);
	nexus_mt_done(mt);
}

/* Clones of clones, destroyed in every order: the refcounts follow. */
static void nexus_map_test_chain(struct kunit *test)
{
	struct nexus_mt *mt = nexus_mt_new(test);
	struct nexus_pool *pool = &mt->pool;
	struct nexus_fmt_walk w;
	u32 i, c;

	nexus_mt_replica(test, mt, 0, "origin", 16, 0, 8);
	for (i = 1; i < 4; i++) {
		nexus_mt_replica(test, mt, i, i == 1 ? "s1" : i == 2 ? "c1" : "s2", 16, 0, 0);
		KUNIT_ASSERT_EQ(test, nexus_map_share(pool, i - 1, i), 0);
		nexus_map_load(&mt->map[i], nexus_md_rec(&pool->md, i));
	}
	for (c = 0; c < 8; c++)
		KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, c), 4);
	/* The clone c1 (record 2) writes logical 0: its own copy. */
	KUNIT_EXPECT_EQ(test, nexus_map_cow(pool, &mt->map[2], 2, 0, 1, 30), 1);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 0), 3);
	/* s2 was taken before: it keeps cluster 0. */
	KUNIT_EXPECT_EQ(test, nexus_map_lookup(pool, &mt->map[3], 0), 1U);
	nexus_mt_walk(test, mt, &w);

	nexus_mt_destroy(mt, 0);	/* the origin first */
	nexus_mt_destroy(mt, 2);	/* then a clone, before its snapshot s2 */
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 30), 0);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 0), 2);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 7), 2);
	nexus_mt_walk(test, mt, &w);
	nexus_mt_destroy(mt, 1);
	nexus_mt_destroy(mt, 3);
	for (c = 0; c < 8; c++)
		KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, c), 0);
	KUNIT_EXPECT_EQ(test, pool->nr_free_pending, 9U);
	nexus_mt_walk(test, mt, &w);
	KUNIT_EXPECT_EQ(test, w.used_clusters, 0ULL);
	KUNIT_EXPECT_EQ(test, w.md_used, le32_to_cpu(pool->md.sb.dyn_start));
	nexus_mt_done(mt);
}

/* A share that cannot be done changes nothing. */
static void nexus_map_test_refused(struct kunit *test)
{
	struct nexus_mt *mt = nexus_mt_new(test);
	struct nexus_pool *pool = &mt->pool;
	u32 nr, free;

	nexus_mt_replica(test, mt, 0, "origin", 8, 0, 4);
	nexus_mt_replica(test, mt, 1, "snap", 8, 0, 0);
	/* A cluster with as many references as a refcount holds. */
	nexus_md_set_ref(&pool->md, 2, U16_MAX);
	KUNIT_EXPECT_EQ(test, nexus_map_share(pool, 0, 1), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, nexus_md_rec(&pool->md, 1)->map_root, 0U);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 1), 1);
	nexus_md_set_ref(&pool->md, 2, 1);

	/* Metadata full: no block for the copy of the map. */
	while (!nexus_md_alloc_block(&pool->md, NEXUS_BLK_BLOB, &nr))
		;
	free = pool->md.free_blocks;
	KUNIT_EXPECT_EQ(test, free, 0U);
	KUNIT_EXPECT_EQ(test, nexus_map_share(pool, 0, 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nexus_md_rec(&pool->md, 1)->map_root, 0U);
	KUNIT_EXPECT_EQ(test, nexus_mt_ref(mt, 0), 1);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pool->md.sb.feature_incompat), 0U);
	nexus_mt_done(mt);
}

static struct kunit_case nexus_map_test_cases[] = {
	KUNIT_CASE(nexus_map_test_share),
	KUNIT_CASE(nexus_map_test_cow),
	KUNIT_CASE(nexus_map_test_chain),
	KUNIT_CASE(nexus_map_test_refused),
	{}
};

static struct kunit_suite nexus_map_test_suite = {
	.name = "nexus-map",
	.test_cases = nexus_map_test_cases,
};

kunit_test_suite(nexus_map_test_suite);
