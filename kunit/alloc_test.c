// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nexus-alloc": the cluster allocator (kmod/alloc.c),
 * compiled into this test module: contiguous-first allocation,
 * fragmentation, exhaustion, double frees, and the accounting an allocator
 * rebuilt from a space map (what import does) ends up with.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../kmod/alloc.c"

#define NEXUS_TEST_CLUSTERS	1000

static int nexus_alloc_test_res_init(struct kunit_resource *res, void *context)
{
	struct nexus_alloc *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	nexus_alloc_init(a, NEXUS_TEST_CLUSTERS);
	res->data = a;
	return 0;
}

static void nexus_alloc_test_res_free(struct kunit_resource *res)
{
	nexus_alloc_destroy(res->data);
	kfree(res->data);
}

/*
 * An allocator of NEXUS_TEST_CLUSTERS clusters, all free unless @empty;
 * a KUnit resource, so that it is freed however the test ends.
 */
static struct nexus_alloc *nexus_alloc_test_new(struct kunit *test, bool empty)
{
	struct nexus_alloc *a = kunit_alloc_resource(test, nexus_alloc_test_res_init,
						     nexus_alloc_test_res_free, GFP_KERNEL, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	if (!empty)
		KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 0, NEXUS_TEST_CLUSTERS), 0);
	return a;
}

/* Count the extents in the tree, checking order and the max augmentation. */
static u32 nexus_alloc_test_extents(struct kunit *test, struct nexus_alloc *a)
{
	struct rb_node *n;
	u32 count = 0, end = 0, free = 0;

	for (n = rb_first(&a->free); n; n = rb_next(n)) {
		struct nexus_extent *e = nexus_extent_of(n);
		u32 max = e->len;

		if (n->rb_left)
			max = max(max, nexus_extent_of(n->rb_left)->subtree_max);
		if (n->rb_right)
			max = max(max, nexus_extent_of(n->rb_right)->subtree_max);
		KUNIT_EXPECT_EQ(test, e->subtree_max, max);
		/* Sorted, not overlapping, not adjacent (they would have merged). */
		KUNIT_EXPECT_GT(test, e->len, 0U);
		if (count)
			KUNIT_EXPECT_GT(test, e->start, end);
		end = e->start + e->len;
		free += e->len;
		count++;
	}
	KUNIT_EXPECT_EQ(test, free, a->nr_free);
	return count;
}

static void nexus_alloc_test_contiguous_first(struct kunit *test)
{
	struct nexus_alloc *a = nexus_alloc_test_new(test, true);
	u32 start, len;

	/* Free extents of 10 at 0, 40 at 20, 100 at 100. */
	KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 0, 10), 0);
	KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 20, 40), 0);
	KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 100, 100), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 150U);

	/* The lowest extent that holds all of it. */
	KUNIT_ASSERT_EQ(test, nexus_alloc_get(a, 30, true, &start, &len), 0);
	KUNIT_EXPECT_EQ(test, start, 20U);
	KUNIT_EXPECT_EQ(test, len, 30U);
	KUNIT_ASSERT_EQ(test, nexus_alloc_get(a, 95, true, &start, &len), 0);
	KUNIT_EXPECT_EQ(test, start, 100U);
	/*
	 * Left: 10 at 0, 10 at 50, 5 at 195.  None holds 50: whole fails,
	 * partial gets the longest, the lowest of equals.
	 */
	KUNIT_EXPECT_EQ(test, nexus_alloc_get(a, 50, true, &start, &len), -ENOSPC);
	KUNIT_ASSERT_EQ(test, nexus_alloc_get(a, 50, false, &start, &len), 0);
	KUNIT_EXPECT_EQ(test, start, 0U);
	KUNIT_EXPECT_EQ(test, len, 10U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 15U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, a), 2U);
}

static void nexus_alloc_test_fragmentation(struct kunit *test)
{
	struct nexus_alloc *a = nexus_alloc_test_new(test, false);
	u32 c, start, len, got = 0;

	/* Thin-style: one at a time, lowest first. */
	for (c = 0; c < NEXUS_TEST_CLUSTERS; c++) {
		u32 one;

		KUNIT_ASSERT_EQ(test, nexus_alloc_one(a, &one), 0);
		KUNIT_EXPECT_EQ(test, one, c);
	}
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 0U);
	/* Free every other cluster: 500 extents of one. */
	for (c = 0; c < NEXUS_TEST_CLUSTERS; c += 2)
		KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, c, 1), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, a), NEXUS_TEST_CLUSTERS / 2);
	KUNIT_EXPECT_EQ(test, nexus_alloc_get(a, 2, true, &start, &len), -ENOSPC);
	/* A thick allocation still fits, in pieces. */
	while (got < 100) {
		KUNIT_ASSERT_EQ(test, nexus_alloc_get(a, 100 - got, false, &start, &len), 0);
		KUNIT_EXPECT_EQ(test, len, 1U);
		got += len;
	}
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), NEXUS_TEST_CLUSTERS / 2 - 100);
	/*
	 * The pieces were 0, 2, ..., 198.  Freeing the odd clusters leaves
	 * 1, 3, ..., 197 alone and merges 199 onwards: 100 extents.
	 */
	for (c = 1; c < NEXUS_TEST_CLUSTERS; c += 2)
		KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, c, 1), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), NEXUS_TEST_CLUSTERS - 100);
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, a), 100U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_get(a, NEXUS_TEST_CLUSTERS - 199, true, &start, &len), 0);
	KUNIT_EXPECT_EQ(test, start, 199U);
}

static void nexus_alloc_test_exhaustion(struct kunit *test)
{
	struct nexus_alloc *a = nexus_alloc_test_new(test, false);
	u32 start, len, total = 0, one;

	while (!nexus_alloc_get(a, 64, false, &start, &len))
		total += len;
	KUNIT_EXPECT_EQ(test, total, (u32)NEXUS_TEST_CLUSTERS);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 0U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_one(a, &one), -ENOSPC);
	KUNIT_EXPECT_EQ(test, nexus_alloc_get(a, 1, false, &start, &len), -ENOSPC);
	KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 0, NEXUS_TEST_CLUSTERS), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), (u32)NEXUS_TEST_CLUSTERS);
	KUNIT_EXPECT_EQ(test, nexus_alloc_get(a, 0, false, &start, &len), -EINVAL);
}

static void nexus_alloc_test_double_free(struct kunit *test)
{
	struct nexus_alloc *a = nexus_alloc_test_new(test, true);

	KUNIT_ASSERT_EQ(test, nexus_alloc_put(a, 10, 5), 0);
	/* The same range, a range overlapping its start, its end, inside it. */
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 10, 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 8, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 14, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 12, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 5, 20), -EINVAL);
	/* Outside the pool, empty, wrapping. */
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, NEXUS_TEST_CLUSTERS - 1, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, U32_MAX, 2), -EINVAL);
	/* Nothing changed. */
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 5U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, a), 1U);
	/* Adjacent frees are fine and merge. */
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 15, 5), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_put(a, 5, 5), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, a), 1U);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(a), 15U);
}

static u16 nexus_alloc_test_ref(void *arg, u32 cluster)
{
	return ((u16 *)arg)[cluster];
}

/*
 * Random allocations and frees, with a space map kept alongside as the
 * pool keeps it (refcounts of 1 to 3: any non-zero one is used); an
 * allocator rebuilt from that map must hand out exactly what the live one
 * still has.
 */
static void nexus_alloc_test_reload(struct kunit *test)
{
	struct nexus_alloc *live = nexus_alloc_test_new(test, false);
	struct nexus_alloc *loaded = nexus_alloc_test_new(test, true);
	u16 *refs = kunit_kcalloc(test, NEXUS_TEST_CLUSTERS, sizeof(*refs), GFP_KERNEL);
	u32 i, start, len, c;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, refs);
	for (i = 0; i < 2000; i++) {
		if (get_random_u32_below(3)) {
			u32 want = 1 + get_random_u32_below(20);

			if (nexus_alloc_get(live, want, false, &start, &len))
				continue;
			/* Some shared, as snapshots and clones leave them. */
			for (c = start; c < start + len; c++)
				refs[c] = 1 + get_random_u32_below(3);
		} else {
			c = get_random_u32_below(NEXUS_TEST_CLUSTERS);
			if (!refs[c])
				continue;
			for (len = 0; c + len < NEXUS_TEST_CLUSTERS && refs[c + len] &&
			     len < 10; len++)
				refs[c + len] = 0;
			KUNIT_ASSERT_EQ(test, nexus_alloc_put(live, c, len), 0);
		}
	}
	KUNIT_ASSERT_EQ(test, nexus_alloc_load(loaded, nexus_alloc_test_ref, refs), 0);
	KUNIT_EXPECT_EQ(test, nexus_alloc_free_count(loaded), nexus_alloc_free_count(live));
	KUNIT_EXPECT_EQ(test, nexus_alloc_test_extents(test, loaded),
			nexus_alloc_test_extents(test, live));
	/* Both give out the same clusters, in the same order. */
	for (;;) {
		u32 a, b;
		int ea = nexus_alloc_one(live, &a), eb = nexus_alloc_one(loaded, &b);

		KUNIT_ASSERT_EQ(test, ea, eb);
		if (ea)
			break;
		KUNIT_ASSERT_EQ(test, a, b);
		KUNIT_EXPECT_EQ(test, refs[a], 0);
	}
}

static struct kunit_case nexus_alloc_test_cases[] = {
	KUNIT_CASE(nexus_alloc_test_contiguous_first),
	KUNIT_CASE(nexus_alloc_test_fragmentation),
	KUNIT_CASE(nexus_alloc_test_exhaustion),
	KUNIT_CASE(nexus_alloc_test_double_free),
	KUNIT_CASE(nexus_alloc_test_reload),
	{}
};

static struct kunit_suite nexus_alloc_test_suite = {
	.name = "nexus-alloc",
	.test_cases = nexus_alloc_test_cases,
};

kunit_test_suite(nexus_alloc_test_suite);
