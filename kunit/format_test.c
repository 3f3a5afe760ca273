// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nexus-format": the on-disk format code (kmod/format.c, the
 * same code the offline checker runs), compiled into this test module.
 * Each case builds a small pool image in memory, damages it one way, and
 * checks that the walk finds exactly that; and the superblock choice,
 * layout limits and name rules.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../kmod/format.c"

#define NEXUS_TEST_DEVICE	(64ULL << 20)	/* 64 MiB */
#define NEXUS_TEST_SHIFT	20		/* 1 MiB clusters */

struct nexus_img {
	struct nexus_sb sb;
	u32 seed;
	u8 *blocks;
	/* what the walk reported */
	unsigned int problems;
	char last[160];
	char all[1024];
};

static void *nexus_img_block(struct nexus_img *img, u32 nr)
{
	return img->blocks + (size_t)nr * NEXUS_BLOCK_SIZE;
}

static void nexus_img_mark(struct nexus_img *img, u32 nr)
{
	u8 *bits = nexus_fmt_payload(nexus_img_block(img, nr / NEXUS_BITS_PER_BLOCK));

	bits[(nr % NEXUS_BITS_PER_BLOCK) / 8] |= 1U << (nr % 8);
}

static void nexus_img_type(struct nexus_img *img, u32 nr, u16 type)
{
	((struct nexus_md_header *)nexus_img_block(img, nr))->type = cpu_to_le16(type);
}

/* An empty pool: layout, fixed regions, bitmap. */
static struct nexus_img *nexus_img_new(struct kunit *test)
{
	struct nexus_img *img = kunit_kzalloc(test, sizeof(*img), GFP_KERNEL);
	struct nexus_sb *sb;
	u32 b;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, img);
	sb = &img->sb;
	KUNIT_ASSERT_NULL(test, nexus_fmt_layout(sb, NEXUS_TEST_DEVICE, NEXUS_TEST_SHIFT, 16));
	strscpy(sb->name, "tank", sizeof(sb->name));
	get_random_bytes(sb->uuid, sizeof(sb->uuid));
	img->seed = nexus_fmt_seed(sb->uuid);
	img->blocks = kunit_kzalloc(test, (size_t)le32_to_cpu(sb->md_blocks) * NEXUS_BLOCK_SIZE,
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, img->blocks);
	for (b = 0; b < le32_to_cpu(sb->dyn_start); b++) {
		u16 type = b < le32_to_cpu(sb->rtable_start) ? NEXUS_BLK_MD_BITMAP :
			   b < le32_to_cpu(sb->smap_start) ? NEXUS_BLK_RTABLE : NEXUS_BLK_SMAP;

		nexus_img_type(img, b, type);
		nexus_img_mark(img, b);
	}
	return img;
}

static u32 nexus_img_alloc(struct kunit *test, struct nexus_img *img, u16 type)
{
	u32 b;

	for (b = le32_to_cpu(img->sb.dyn_start); b < le32_to_cpu(img->sb.md_blocks); b++) {
		u8 *bits = nexus_fmt_payload(nexus_img_block(img, b / NEXUS_BITS_PER_BLOCK));

		if (bits[(b % NEXUS_BITS_PER_BLOCK) / 8] & (1U << (b % 8)))
			continue;
		nexus_img_mark(img, b);
		nexus_img_type(img, b, type);
		return b;
	}
	KUNIT_FAIL(test, "test image out of metadata blocks");
	return 0;
}

static struct nexus_replica_rec *nexus_img_rec(struct nexus_img *img, u32 index)
{
	return (struct nexus_replica_rec *)
	       nexus_fmt_payload(nexus_img_block(img, le32_to_cpu(img->sb.rtable_start) +
						 index / NEXUS_RECORDS_PER_BLOCK)) +
	       index % NEXUS_RECORDS_PER_BLOCK;
}

static __le16 *nexus_img_ref(struct nexus_img *img, u32 cluster)
{
	return (__le16 *)nexus_fmt_payload(nexus_img_block(img, le32_to_cpu(img->sb.smap_start) +
							   cluster / NEXUS_SMAP_PER_BLOCK)) +
	       cluster % NEXUS_SMAP_PER_BLOCK;
}

/*
 * Replica @index of @clusters clusters, its first @n mapped to @phys[],
 * each mapping counted in the space map.  Returns its map leaf.
 */
static u32 nexus_img_replica(struct kunit *test, struct nexus_img *img, u32 index,
			     const char *name, u32 clusters, bool thin,
			     const u32 *phys, u32 n)
{
	struct nexus_replica_rec *r = nexus_img_rec(img, index);
	__le32 *e;
	u32 leaf = 0, i;

	r->flags = cpu_to_le32(NEXUS_REPLICA_IN_USE | (thin ? NEXUS_REPLICA_THIN : 0));
	strscpy(r->name, name, sizeof(r->name));
	get_random_bytes(r->uuid, sizeof(r->uuid));
	r->size = cpu_to_le64((u64)clusters << NEXUS_TEST_SHIFT);
	r->map_height = nexus_fmt_map_height(clusters);
	if (n) {
		leaf = nexus_img_alloc(test, img, NEXUS_BLK_MAP_LEAF);
		r->map_root = cpu_to_le32(leaf);
		e = nexus_fmt_payload(nexus_img_block(img, leaf));
		for (i = 0; i < n; i++) {
			e[i] = cpu_to_le32(phys[i] + 1);
			le16_add_cpu(nexus_img_ref(img, phys[i]), 1);
		}
	}
	r->mapped = cpu_to_le64(n);
	return leaf;
}

/* Checksum every block in use, as a commit at generation 1 would. */
static void nexus_img_seal(struct nexus_img *img)
{
	u32 b;

	for (b = 0; b < le32_to_cpu(img->sb.md_blocks); b++) {
		struct nexus_md_header *h = nexus_img_block(img, b);

		if (h->type)
			nexus_fmt_seal(h, le16_to_cpu(h->type), b, 1, img->seed);
	}
	nexus_fmt_seal(&img->sb, NEXUS_BLK_SUPER, 0, 1, img->seed);
}

static const void *nexus_img_walk_block(struct nexus_fmt_walk *w, u32 nr)
{
	struct nexus_img *img = w->priv;

	return nr < le32_to_cpu(img->sb.md_blocks) ? nexus_img_block(img, nr) : NULL;
}

static void nexus_img_report(struct nexus_fmt_walk *w, const char *msg)
{
	struct nexus_img *img = w->priv;

	img->problems++;
	strscpy(img->last, msg, sizeof(img->last));
	if (strlen(img->all) + strlen(msg) + 2 < sizeof(img->all)) {
		strcat(img->all, msg);
		strcat(img->all, "\n");
	}
}

static int nexus_img_check(struct nexus_img *img, struct nexus_fmt_walk *w)
{
	*w = (struct nexus_fmt_walk) {
		.sb = &img->sb,
		.block = nexus_img_walk_block,
		.report = nexus_img_report,
		.priv = img,
	};
	img->problems = 0;
	img->last[0] = '\0';
	img->all[0] = '\0';
	return nexus_fmt_walk(w);
}

static void nexus_expect_found(struct kunit *test, struct nexus_img *img, const char *text)
{
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(img->all, text),
				  "expected a problem with '%s', got:\n%s", text, img->all);
}

/* Two replicas, thick and thin, on clusters 0-3 and 10, 12. */
static struct nexus_img *nexus_img_sample(struct kunit *test, u32 *thick_leaf, u32 *thin_leaf)
{
	static const u32 thick[] = { 0, 1, 2, 3 }, thin[] = { 10, 12 };
	struct nexus_img *img = nexus_img_new(test);

	*thick_leaf = nexus_img_replica(test, img, 0, "thick", 4, false, thick, 4);
	*thin_leaf = nexus_img_replica(test, img, 3, "thin", 20, true, thin, 2);
	return img;
}

static void nexus_format_test_clean(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 a, b;
	struct nexus_img *img = nexus_img_sample(test, &a, &b);

	nexus_img_seal(img);
	KUNIT_EXPECT_NULL(test, nexus_fmt_sb_check(&img->sb, 0, NEXUS_TEST_DEVICE));
	KUNIT_EXPECT_EQ_MSG(test, nexus_img_check(img, &w), 0, "%s", img->all);
	KUNIT_EXPECT_EQ(test, w.errors, 0U);
	KUNIT_EXPECT_EQ(test, w.replicas, 2U);
	KUNIT_EXPECT_EQ(test, w.mapped, 6ULL);
	KUNIT_EXPECT_EQ(test, w.used_clusters, 6ULL);
	KUNIT_EXPECT_EQ(test, w.md_used, le32_to_cpu(img->sb.dyn_start) + 2);
}

static void nexus_format_test_checksum(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 thick, thin;
	struct nexus_img *img = nexus_img_sample(test, &thick, &thin);
	u8 *p;

	nexus_img_seal(img);
	p = nexus_fmt_payload(nexus_img_block(img, thin));
	p[100] ^= 1;
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "bad checksum");

	/* A block sealed for another place in the copy. */
	p[100] ^= 1;
	nexus_fmt_seal(nexus_img_block(img, thin), NEXUS_BLK_MAP_LEAF, thin + 1, 1, img->seed);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "misdirected");

	/* A block of another pool. */
	nexus_fmt_seal(nexus_img_block(img, thin), NEXUS_BLK_MAP_LEAF, thin, 1, img->seed ^ 1);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "bad checksum");
}

static void nexus_format_test_leak(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 a, b;
	struct nexus_img *img = nexus_img_sample(test, &a, &b);

	*nexus_img_ref(img, 30) = cpu_to_le16(1);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	KUNIT_EXPECT_EQ(test, img->problems, 1U);
	nexus_expect_found(test, img, "cluster 30: refcount 1, 0 references (leaked)");
}

static void nexus_format_test_double_use(struct kunit *test)
{
	static const u32 same[] = { 2 };
	struct nexus_fmt_walk w;
	u32 a, b;
	struct nexus_img *img = nexus_img_sample(test, &a, &b);

	/* A third replica maps cluster 2 too, but the refcount says 1. */
	nexus_img_replica(test, img, 5, "other", 8, true, same, 1);
	*nexus_img_ref(img, 2) = cpu_to_le16(1);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "cluster 2: refcount 1, 2 references (over-shared)");
}

static void nexus_format_test_outside(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 thick, thin;
	struct nexus_img *img = nexus_img_sample(test, &thick, &thin);
	__le32 *e = nexus_fmt_payload(nexus_img_block(img, thin));

	le16_add_cpu(nexus_img_ref(img, 12), -1);
	e[1] = cpu_to_le32(le32_to_cpu(img->sb.nr_clusters) + 5);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "outside the pool");
	/* And a mapping past the replica's end. */
	e[1] = 0;
	e[25] = cpu_to_le32(13);
	le16_add_cpu(nexus_img_ref(img, 12), 1);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "beyond its end");
}

static void nexus_format_test_md_blocks(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 thick, thin;
	struct nexus_img *img = nexus_img_sample(test, &thick, &thin);
	u8 *bits;

	/* The thin replica's leaf, not marked in the bitmap. */
	bits = nexus_fmt_payload(nexus_img_block(img, thin / NEXUS_BITS_PER_BLOCK));
	bits[(thin % NEXUS_BITS_PER_BLOCK) / 8] &= ~(1U << (thin % 8));
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "not marked");

	/* Marked, and a second marked block nothing uses. */
	nexus_img_mark(img, thin);
	nexus_img_alloc(test, img, NEXUS_BLK_BLOB);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "(leaked)");
}

static void nexus_format_test_shared_node(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 thick, thin;
	struct nexus_img *img = nexus_img_sample(test, &thick, &thin);
	struct nexus_replica_rec *r = nexus_img_rec(img, 3);

	/* The thin replica's map points at the thick one's leaf. */
	r->map_root = cpu_to_le32(thick);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "referenced twice");
}

static void nexus_format_test_records(struct kunit *test)
{
	struct nexus_fmt_walk w;
	u32 thick, thin;
	struct nexus_img *img = nexus_img_sample(test, &thick, &thin);

	strscpy(nexus_img_rec(img, 3)->name, "thick", NEXUS_NAME_LEN);
	nexus_img_rec(img, 0)->mapped = cpu_to_le64(3);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "same name");
	nexus_expect_found(test, img, "4 clusters mapped, record says 3");

	/* A thick replica with a hole. */
	img = nexus_img_sample(test, &thick, &thin);
	((__le32 *)nexus_fmt_payload(nexus_img_block(img, thick)))[3] = 0;
	le16_add_cpu(nexus_img_ref(img, 3), -1);
	nexus_img_rec(img, 0)->mapped = cpu_to_le64(3);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "thick replica with 3 of 4 clusters mapped");
}

static void nexus_format_test_superblock(struct kunit *test)
{
	struct nexus_img *img = nexus_img_new(test);
	struct nexus_sb *sb0 = &img->sb, *sb1;
	const char *why0, *why1;

	nexus_img_seal(img);
	sb1 = kunit_kzalloc(test, sizeof(*sb1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sb1);

	KUNIT_EXPECT_NULL(test, nexus_fmt_sb_check(sb0, 0, NEXUS_TEST_DEVICE));
	KUNIT_EXPECT_STREQ(test, nexus_fmt_sb_check(sb0, 1, NEXUS_TEST_DEVICE),
			   "block belongs elsewhere (misdirected write)");
	KUNIT_EXPECT_STREQ(test, nexus_fmt_sb_check(sb0, 0, NEXUS_TEST_DEVICE / 2),
			   "device is smaller than the pool (truncated?)");
	KUNIT_EXPECT_STREQ(test, nexus_fmt_sb_check(sb1, 0, NEXUS_TEST_DEVICE),
			   "no nexus pool signature");

	/* Slot 1 at generation 5, slot 0 at 4: slot 1 wins, unless it is bad. */
	*sb1 = *sb0;
	nexus_fmt_seal(sb0, NEXUS_BLK_SUPER, 0, 4, img->seed);
	nexus_fmt_seal(sb1, NEXUS_BLK_SUPER, 1, 5, img->seed);
	KUNIT_EXPECT_EQ(test, nexus_fmt_sb_pick(sb0, sb1, NEXUS_TEST_DEVICE, &why0, &why1), 1);
	sb1->cluster_shift = cpu_to_le32(NEXUS_TEST_SHIFT + 1);
	KUNIT_EXPECT_EQ(test, nexus_fmt_sb_pick(sb0, sb1, NEXUS_TEST_DEVICE, &why0, &why1), 0);
	KUNIT_EXPECT_STREQ(test, why1, "bad checksum");
	nexus_fmt_seal(sb1, NEXUS_BLK_SUPER, 1, 5, img->seed);
	KUNIT_EXPECT_EQ(test, nexus_fmt_sb_pick(sb0, sb1, NEXUS_TEST_DEVICE, &why0, &why1), 0);
	KUNIT_EXPECT_STREQ(test, why1, "device is smaller than the pool (truncated?)");
	sb0->magic = 0;
	KUNIT_EXPECT_EQ(test, nexus_fmt_sb_pick(sb0, sb1, NEXUS_TEST_DEVICE, &why0, &why1), -1);

	/* A newer version, an unknown incompatible feature. */
	*sb1 = img->sb;
	sb1->magic = cpu_to_le64(NEXUS_SB_MAGIC);
	sb1->version = cpu_to_le32(NEXUS_FORMAT_VERSION + 1);
	nexus_fmt_seal(sb1, NEXUS_BLK_SUPER, 0, 1, img->seed);
	KUNIT_EXPECT_STREQ(test, nexus_fmt_sb_check(sb1, 0, NEXUS_TEST_DEVICE),
			   "format version not supported by this nexus");
	sb1->version = cpu_to_le32(NEXUS_FORMAT_VERSION);
	sb1->feature_incompat = cpu_to_le32(1U << 31);
	nexus_fmt_seal(sb1, NEXUS_BLK_SUPER, 0, 1, img->seed);
	KUNIT_EXPECT_STREQ(test, nexus_fmt_sb_check(sb1, 0, NEXUS_TEST_DEVICE),
			   "pool uses incompatible features this nexus does not know");
}

static void nexus_format_test_layout(struct kunit *test)
{
	struct nexus_sb sb = {};
	u64 end;

	KUNIT_EXPECT_NOT_NULL(test, nexus_fmt_layout(&sb, 1ULL << 20, NEXUS_TEST_SHIFT, 16));
	KUNIT_EXPECT_NOT_NULL(test, nexus_fmt_layout(&sb, NEXUS_TEST_DEVICE, 19, 16));
	KUNIT_EXPECT_NOT_NULL(test, nexus_fmt_layout(&sb, NEXUS_TEST_DEVICE, 31, 16));
	KUNIT_EXPECT_NOT_NULL(test, nexus_fmt_layout(&sb, NEXUS_TEST_DEVICE, 20, 0));
	KUNIT_EXPECT_NOT_NULL(test, nexus_fmt_layout(&sb, NEXUS_TEST_DEVICE, 20, 65537));
	/* 64 MiB in 4 MiB clusters, the default: the metadata costs one. */
	KUNIT_ASSERT_NULL(test, nexus_fmt_layout(&sb, NEXUS_TEST_DEVICE,
						 NEXUS_CLUSTER_SHIFT_DEFAULT, 16));
	end = le64_to_cpu(sb.data_start) +
	      ((u64)le32_to_cpu(sb.nr_clusters) << NEXUS_CLUSTER_SHIFT_DEFAULT);
	KUNIT_EXPECT_LE(test, end, NEXUS_TEST_DEVICE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(sb.nr_clusters), 15U);
	/* A device of 2^26 clusters is capped at 2^24. */
	KUNIT_ASSERT_NULL(test, nexus_fmt_layout(&sb, 256ULL << 40, NEXUS_TEST_SHIFT + 2, 4096));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(sb.nr_clusters), NEXUS_MAX_CLUSTERS);
}

static void nexus_format_test_names(struct kunit *test)
{
	static const char *const good[] = { "a", "tank", "pool-1", "r_2.x", "0abc" };
	static const char *const bad[] = { "", ".hidden", "-x", "a/b", "a b", "..", "x\n" };
	char longest[NEXUS_NAME_LEN + 1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		KUNIT_EXPECT_TRUE_MSG(test, nexus_fmt_name_valid(good[i], strlen(good[i])),
				      "'%s' refused", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test, nexus_fmt_name_valid(bad[i], strlen(bad[i])),
				       "'%s' accepted", bad[i]);
	memset(longest, 'n', sizeof(longest));
	KUNIT_EXPECT_TRUE(test, nexus_fmt_name_valid(longest, NEXUS_NAME_LEN - 1));
	KUNIT_EXPECT_FALSE(test, nexus_fmt_name_valid(longest, NEXUS_NAME_LEN));
}

/*
 * The sample, and a snapshot of its thin replica: a leaf of its own, the
 * same clusters, each referenced twice; @feature: the pool says so.
 */
static struct nexus_img *nexus_img_snapshot(struct kunit *test, bool feature)
{
	static const u32 thin[] = { 10, 12 };
	struct nexus_replica_rec *s;
	struct nexus_img *img;
	u32 thick, leaf;

	img = nexus_img_sample(test, &thick, &leaf);
	nexus_img_replica(test, img, 5, "snap", 20, true, thin, 2);
	s = nexus_img_rec(img, 5);
	s->flags |= cpu_to_le32(NEXUS_REPLICA_SNAPSHOT);
	s->parent = cpu_to_le32(3 + 1);
	if (feature)
		img->sb.feature_incompat = cpu_to_le32(NEXUS_FEATURE_INCOMPAT_SHARED);
	return img;
}

static void nexus_format_test_snapshot(struct kunit *test)
{
	struct nexus_img *img = nexus_img_snapshot(test, true);
	struct nexus_fmt_walk w;

	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), 0);
	KUNIT_EXPECT_EQ(test, img->problems, 0U);
	KUNIT_EXPECT_EQ(test, w.snapshots, 1U);
	KUNIT_EXPECT_EQ(test, w.mapped, 8ULL);
	/* A shared cluster is used once. */
	KUNIT_EXPECT_EQ(test, w.used_clusters, 6ULL);

	/* Without the feature a nexus that predates it would write in place. */
	img = nexus_img_snapshot(test, false);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "snapshot in a pool without the shared-clusters feature");
	nexus_expect_found(test, img,
			   "cluster 10: 2 references in a pool without the shared-clusters feature");
}

static void nexus_format_test_refcounts(struct kunit *test)
{
	struct nexus_img *img = nexus_img_snapshot(test, true);
	struct nexus_replica_rec *s;
	struct nexus_fmt_walk w;

	*nexus_img_ref(img, 10) = cpu_to_le16(1);
	*nexus_img_ref(img, 12) = cpu_to_le16(3);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	KUNIT_EXPECT_EQ(test, img->problems, 2U);
	nexus_expect_found(test, img, "cluster 10: refcount 1, 2 references (over-shared)");
	nexus_expect_found(test, img, "cluster 12: refcount 3, 2 references (leaked)");

	/* A link to a free record; a snapshot shared over NVMe-oF. */
	img = nexus_img_snapshot(test, true);
	s = nexus_img_rec(img, 5);
	s->parent = cpu_to_le32(8);
	s->share_proto = NEXUS_SHARE_NVMF_TCP;
	s->share_port = cpu_to_le16(8420);
	nexus_img_seal(img);
	KUNIT_EXPECT_EQ(test, nexus_img_check(img, &w), -EUCLEAN);
	nexus_expect_found(test, img, "parent 8 is not in use");
	nexus_expect_found(test, img, "shared snapshot");
}

static struct kunit_case nexus_format_test_cases[] = {
	KUNIT_CASE(nexus_format_test_clean),
	KUNIT_CASE(nexus_format_test_checksum),
	KUNIT_CASE(nexus_format_test_leak),
	KUNIT_CASE(nexus_format_test_double_use),
	KUNIT_CASE(nexus_format_test_outside),
	KUNIT_CASE(nexus_format_test_md_blocks),
	KUNIT_CASE(nexus_format_test_shared_node),
	KUNIT_CASE(nexus_format_test_records),
	KUNIT_CASE(nexus_format_test_snapshot),
	KUNIT_CASE(nexus_format_test_refcounts),
	KUNIT_CASE(nexus_format_test_superblock),
	KUNIT_CASE(nexus_format_test_layout),
	KUNIT_CASE(nexus_format_test_names),
	{}
};

static struct kunit_suite nexus_format_test_suite = {
	.name = "nexus-format",
	.test_cases = nexus_format_test_cases,
};

kunit_test_suite(nexus_format_test_suite);
