// SPDX-License-Identifier: GPL-2.0
/*
 * A pool's metadata in memory, and its way to and from the device.
 *
 * The whole of a metadata copy lives in memory (md->mem), block for block
 * as on disk.  Changes are made there and mark the block dirty for both
 * on-disk copies.  A commit copies out the blocks dirty for the copy the
 * last superblock does not use, writes them there, then writes that copy's
 * superblock slot with the next generation, with a cache flush before it
 * and FUA: until that write completes the previous commit is whole on
 * disk, and everything the new superblock points at (metadata, and data
 * written before the commit) is durable before it.  include/nexus_format.h
 * and docs/format.md describe the format.
 *
 * Locking: the caller's pool->md_lock guards md->mem, the dirty maps,
 * md->changed and the metadata block allocator.  nexus_md_commit() holds it
 * only while it copies out what it will write; pool->commit_lock keeps
 * commits one at a time.
 */
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "nexus.h"

#define NEXUS_SECTORS_PER_BLOCK	(NEXUS_BLOCK_SIZE >> SECTOR_SHIFT)

/*
 * Synchronous IO of @len bytes of @buf (kmalloc'ed or vmalloc'ed) at
 * @sector, in bios of up to BIO_MAX_VECS pages.
 */
int nexus_bdev_rw(struct block_device *bdev, sector_t sector, void *buf,
		  size_t len, blk_opf_t opf)
{
	u8 *p = buf;
	int err = 0;

	while (len && !err) {
		unsigned int pages = min_t(size_t, DIV_ROUND_UP(len, PAGE_SIZE), BIO_MAX_VECS);
		struct bio *bio = bio_alloc(bdev, pages, opf, GFP_KERNEL);
		size_t done = 0;

		bio->bi_iter.bi_sector = sector;
		while (len - done && bio->bi_vcnt < pages) {
			size_t n = min_t(size_t, len - done, PAGE_SIZE - offset_in_page(p + done));
			struct page *page = is_vmalloc_addr(p + done) ?
					    vmalloc_to_page(p + done) : virt_to_page(p + done);

			if (bio_add_page(bio, page, n, offset_in_page(p + done)) != n)
				break;
			done += n;
		}
		err = submit_bio_wait(bio);
		bio_put(bio);
		p += done;
		len -= done;
		sector += done >> SECTOR_SHIFT;
	}
	return err;
}

/* Blocks written together; the submitter waits for all of them. */
struct nexus_md_batch {
	atomic_t pending;
	blk_status_t status;
	struct completion done;
};

static void nexus_md_batch_endio(struct bio *bio)
{
	struct nexus_md_batch *batch = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(batch->status, bio->bi_status);
	if (atomic_dec_and_test(&batch->pending))
		complete(&batch->done);
	bio_put(bio);
}

/* Write @n single-block @pages to blocks @nrs of the copy at @start. */
static int nexus_md_write_blocks(struct block_device *bdev, sector_t start,
				 struct page **pages, const u32 *nrs, u32 n)
{
	struct nexus_md_batch batch = { .status = BLK_STS_OK };
	struct blk_plug plug;
	u32 i;

	atomic_set(&batch.pending, 1);
	init_completion(&batch.done);
	blk_start_plug(&plug);
	for (i = 0; i < n; i++) {
		struct bio *bio = bio_alloc(bdev, 1, REQ_OP_WRITE | REQ_META | REQ_SYNC,
					    GFP_NOIO);

		bio->bi_iter.bi_sector = start + (sector_t)nrs[i] * NEXUS_SECTORS_PER_BLOCK;
		__bio_add_page(bio, pages[i], NEXUS_BLOCK_SIZE, 0);
		bio->bi_private = &batch;
		bio->bi_end_io = nexus_md_batch_endio;
		atomic_inc(&batch.pending);
		submit_bio(bio);
	}
	blk_finish_plug(&plug);
	if (!atomic_dec_and_test(&batch.pending))
		wait_for_completion_io(&batch.done);
	return blk_status_to_errno(batch.status);
}

void nexus_md_dirty(struct nexus_md *md, u32 nr)
{
	__set_bit(nr, md->dirty[0]);
	__set_bit(nr, md->dirty[1]);
	md->changed = true;
}

/* The byte and bit of metadata block @nr in the metadata bitmap. */
static u8 *nexus_md_bit(struct nexus_md *md, u32 nr, u8 *mask, u32 *block)
{
	*block = le32_to_cpu(md->sb.md_bitmap_start) + nr / NEXUS_BITS_PER_BLOCK;
	*mask = 1U << (nr % 8);
	return (u8 *)nexus_fmt_payload(nexus_md_block(md, *block)) +
	       (nr % NEXUS_BITS_PER_BLOCK) / 8;
}

/* Start a block of @type at @nr: zeroed, with its header filled in. */
static void nexus_md_init_block(struct nexus_md *md, u32 nr, u16 type)
{
	struct nexus_md_header *h = nexus_md_block(md, nr);

	memset(h, 0, NEXUS_BLOCK_SIZE);
	h->type = cpu_to_le16(type);
	h->blocknr = cpu_to_le32(nr);
	nexus_md_dirty(md, nr);
}

/* A free dynamic block, zeroed and of @type, marked in use: -ENOSPC if none. */
int nexus_md_alloc_block(struct nexus_md *md, u16 type, u32 *nr)
{
	u32 dyn = le32_to_cpu(md->sb.dyn_start), n = md->nr_blocks - dyn, i;

	for (i = 0; i < n; i++) {
		u32 b = dyn + (md->alloc_hint - dyn + i) % n, bitmap;
		u8 mask, *byte = nexus_md_bit(md, b, &mask, &bitmap);

		if (*byte & mask)
			continue;
		*byte |= mask;
		nexus_md_dirty(md, bitmap);
		nexus_md_init_block(md, b, type);
		md->alloc_hint = b + 1 < md->nr_blocks ? b + 1 : dyn;
		md->free_blocks--;
		*nr = b;
		return 0;
	}
	return -ENOSPC;
}

void nexus_md_free_block(struct nexus_md *md, u32 nr)
{
	u32 bitmap;
	u8 mask, *byte = nexus_md_bit(md, nr, &mask, &bitmap);

	if (WARN_ON_ONCE(nr < le32_to_cpu(md->sb.dyn_start) || !(*byte & mask)))
		return;
	*byte &= ~mask;
	nexus_md_dirty(md, bitmap);
	md->free_blocks++;
}

static u32 nexus_md_rec_block(struct nexus_md *md, u32 index)
{
	return le32_to_cpu(md->sb.rtable_start) + index / NEXUS_RECORDS_PER_BLOCK;
}

struct nexus_replica_rec *nexus_md_rec(struct nexus_md *md, u32 index)
{
	return (struct nexus_replica_rec *)
	       nexus_fmt_payload(nexus_md_block(md, nexus_md_rec_block(md, index))) +
	       index % NEXUS_RECORDS_PER_BLOCK;
}

void nexus_md_rec_dirty(struct nexus_md *md, u32 index)
{
	nexus_md_dirty(md, nexus_md_rec_block(md, index));
}

static __le16 *nexus_md_ref_slot(struct nexus_md *md, u32 cluster, u32 *block)
{
	*block = le32_to_cpu(md->sb.smap_start) + cluster / NEXUS_SMAP_PER_BLOCK;
	return (__le16 *)nexus_fmt_payload(nexus_md_block(md, *block)) +
	       cluster % NEXUS_SMAP_PER_BLOCK;
}

/* A cluster's refcount.  The IO path reads it without md_lock. */
u16 nexus_md_ref(struct nexus_md *md, u32 cluster)
{
	u32 block;

	return le16_to_cpu(READ_ONCE(*nexus_md_ref_slot(md, cluster, &block)));
}

/* Set it; md_lock held. */
void nexus_md_set_ref(struct nexus_md *md, u32 cluster, u16 ref)
{
	u32 block;

	WRITE_ONCE(*nexus_md_ref_slot(md, cluster, &block), cpu_to_le16(ref));
	nexus_md_dirty(md, block);
}

static int nexus_md_alloc_mem(struct nexus_md *md)
{
	md->nr_blocks = le32_to_cpu(md->sb.md_blocks);
	md->seed = nexus_fmt_seed(md->sb.uuid);
	md->mem = kvmalloc(array_size(md->nr_blocks, NEXUS_BLOCK_SIZE), GFP_KERNEL);
	md->dirty[0] = bitmap_zalloc(md->nr_blocks, GFP_KERNEL);
	md->dirty[1] = bitmap_zalloc(md->nr_blocks, GFP_KERNEL);
	if (!md->mem || !md->dirty[0] || !md->dirty[1]) {
		nexus_md_release(md);
		return -ENOMEM;
	}
	return 0;
}

void nexus_md_release(struct nexus_md *md)
{
	bitmap_free(md->dirty[1]);
	bitmap_free(md->dirty[0]);
	kvfree(md->mem);
	md->dirty[1] = NULL;
	md->dirty[0] = NULL;
	md->mem = NULL;
}

/* Count the dynamic blocks not in use, for the allocator and for reports. */
static void nexus_md_count_free(struct nexus_md *md)
{
	u32 b, bitmap;
	u8 mask;

	md->free_blocks = 0;
	for (b = le32_to_cpu(md->sb.dyn_start); b < md->nr_blocks; b++)
		if (!(*nexus_md_bit(md, b, &mask, &bitmap) & mask))
			md->free_blocks++;
	md->alloc_hint = le32_to_cpu(md->sb.dyn_start);
}

/*
 * Write all of the metadata in memory, sealed as of its blocks' current
 * generations, to copy @copy.  Used when nothing else touches md->mem: at
 * format, and at import to make both copies equal.
 */
static int nexus_md_write_copy(struct nexus_md *md, struct block_device *bdev,
			       unsigned int copy, u64 gen)
{
	u32 b, dyn = le32_to_cpu(md->sb.dyn_start), bitmap;
	u8 mask;

	for (b = 0; b < md->nr_blocks; b++) {
		struct nexus_md_header *h = nexus_md_block(md, b);

		if (b < dyn || (*nexus_md_bit(md, b, &mask, &bitmap) & mask))
			nexus_fmt_seal(h, le16_to_cpu(h->type), b,
				       gen ? gen : le64_to_cpu(h->gen), md->seed);
	}
	return nexus_bdev_rw(bdev, le64_to_cpu(md->sb.md_start[copy]) >> SECTOR_SHIFT,
			     md->mem, (size_t)md->nr_blocks * NEXUS_BLOCK_SIZE,
			     REQ_OP_WRITE | REQ_META | REQ_SYNC);
}

/* Write superblock @sb (sealed here) to slot @slot, after a cache flush. */
static int nexus_md_write_sb(struct nexus_md *md, struct block_device *bdev,
			     struct nexus_sb *sb, u32 slot, u64 gen)
{
	void *buf = kzalloc(NEXUS_BLOCK_SIZE, GFP_KERNEL);
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, sb, sizeof(*sb));
	nexus_fmt_seal(buf, NEXUS_BLK_SUPER, slot, gen, md->seed);
	err = nexus_bdev_rw(bdev, slot * NEXUS_SECTORS_PER_BLOCK, buf, NEXUS_BLOCK_SIZE,
			    REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_META | REQ_SYNC);
	if (!err)
		memcpy(sb, buf, sizeof(*sb));
	kfree(buf);
	return err;
}

/*
 * The metadata of a new, empty pool described by @sb, in memory only: the
 * fixed regions laid out and marked in use, nothing dirty.  0 or -ENOMEM.
 */
int nexus_md_init(struct nexus_md *md, const struct nexus_sb *sb)
{
	static const u16 types[] = { NEXUS_BLK_MD_BITMAP, NEXUS_BLK_RTABLE, NEXUS_BLK_SMAP };
	u32 starts[ARRAY_SIZE(types)], counts[ARRAY_SIZE(types)], r, b, bitmap;
	u8 mask;
	int err;

	md->sb = *sb;
	err = nexus_md_alloc_mem(md);
	if (err)
		return err;
	memset(md->mem, 0, (size_t)md->nr_blocks * NEXUS_BLOCK_SIZE);
	starts[0] = le32_to_cpu(sb->md_bitmap_start);
	counts[0] = le32_to_cpu(sb->md_bitmap_blocks);
	starts[1] = le32_to_cpu(sb->rtable_start);
	counts[1] = le32_to_cpu(sb->rtable_blocks);
	starts[2] = le32_to_cpu(sb->smap_start);
	counts[2] = le32_to_cpu(sb->smap_blocks);
	for (r = 0; r < ARRAY_SIZE(types); r++)
		for (b = starts[r]; b < starts[r] + counts[r]; b++)
			nexus_md_init_block(md, b, types[r]);
	for (b = 0; b < le32_to_cpu(sb->dyn_start); b++)
		*nexus_md_bit(md, b, &mask, &bitmap) |= mask;
	bitmap_zero(md->dirty[0], md->nr_blocks);
	bitmap_zero(md->dirty[1], md->nr_blocks);
	md->changed = false;
	nexus_md_count_free(md);
	return 0;
}

/*
 * Lay a new pool down: both metadata copies, slot 1 cleared (a slot of a
 * pool that was here before must not win), then slot 0 at generation 1.
 */
int nexus_md_format(struct nexus_md *md, struct block_device *bdev,
		    const struct nexus_sb *sb, const char **why)
{
	void *zero;
	int err;

	err = nexus_md_init(md, sb);
	if (err) {
		*why = "out of memory for the pool's metadata";
		return err;
	}
	zero = kzalloc(NEXUS_BLOCK_SIZE, GFP_KERNEL);
	if (!zero) {
		err = -ENOMEM;
		goto out_release;
	}
	err = nexus_bdev_rw(bdev, NEXUS_SECTORS_PER_BLOCK, zero, NEXUS_BLOCK_SIZE,
			    REQ_OP_WRITE | REQ_SYNC);
	kfree(zero);
	if (!err)
		err = nexus_md_write_copy(md, bdev, 0, 1);
	if (!err)
		err = nexus_md_write_copy(md, bdev, 1, 1);
	if (!err)
		err = nexus_md_write_sb(md, bdev, &md->sb, 0, 1);
	if (err)
		goto out_release;
	return 0;

out_release:
	*why = "cannot write the pool's metadata";
	nexus_md_release(md);
	return err;
}

struct nexus_md_walk {
	struct nexus_md *md;
	unsigned int reported;
};

static const void *nexus_md_walk_block(struct nexus_fmt_walk *w, u32 nr)
{
	struct nexus_md_walk *mw = w->priv;

	return nr < mw->md->nr_blocks ? nexus_md_block(mw->md, nr) : NULL;
}

/*
 * The first problems of a refused import go to the kernel log, the rest
 * only to the offline checker: a damaged pool must not flood the log.
 */
#define NEXUS_MD_LOG_PROBLEMS	8

static void nexus_md_walk_report(struct nexus_fmt_walk *w, const char *msg)
{
	struct nexus_md_walk *mw = w->priv;

	if (mw->reported++ < NEXUS_MD_LOG_PROBLEMS)
		pr_err("pool %.63s: %s\n", mw->md->sb.name, msg);
}

/* Read both superblock slots; choose the one to import. */
static int nexus_md_read_sb(struct nexus_md *md, struct block_device *bdev,
			    const char **why)
{
	const char *why0, *why1;
	struct nexus_sb *sbs;
	int slot, err;

	sbs = kmalloc_array(NEXUS_SB_SLOTS, NEXUS_BLOCK_SIZE, GFP_KERNEL);
	if (!sbs)
		return -ENOMEM;
	err = nexus_bdev_rw(bdev, 0, sbs, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE,
			    REQ_OP_READ | REQ_META | REQ_SYNC);
	if (err) {
		*why = "cannot read the superblocks";
		goto out_free;
	}
	slot = nexus_fmt_sb_pick(&sbs[0], (void *)((u8 *)sbs + NEXUS_BLOCK_SIZE),
				 bdev_nr_bytes(bdev), &why0, &why1);
	if (slot < 0) {
		/* Say what is wrong with a slot that looked like ours. */
		if (le64_to_cpu(sbs[0].magic) == NEXUS_SB_MAGIC)
			*why = why0;
		else if (le64_to_cpu(((struct nexus_sb *)((u8 *)sbs + NEXUS_BLOCK_SIZE))->magic) ==
			 NEXUS_SB_MAGIC)
			*why = why1;
		else
			*why = "no nexus pool on this device";
		err = -EINVAL;
		goto out_free;
	}
	memcpy(&md->sb, (u8 *)sbs + slot * NEXUS_BLOCK_SIZE, sizeof(md->sb));
out_free:
	kfree(sbs);
	return err;
}

/*
 * Import: choose a superblock, read its metadata copy, check all of it
 * (the same walk as the offline checker), and make the other copy equal,
 * so that a commit writes only what it changed.  Refuses, never
 * half-imports: on any problem nothing is kept.
 */
int nexus_md_load(struct nexus_md *md, struct block_device *bdev, const char **why)
{
	struct nexus_md_walk mw = { .md = md };
	struct nexus_fmt_walk w = {
		.sb = &md->sb,
		.block = nexus_md_walk_block,
		.report = nexus_md_walk_report,
		.priv = &mw,
	};
	unsigned int copy;
	int err;

	err = nexus_md_read_sb(md, bdev, why);
	if (err)
		return err;
	err = nexus_md_alloc_mem(md);
	if (err) {
		*why = "out of memory for the pool's metadata";
		return err;
	}
	copy = le32_to_cpu(md->sb.hdr.blocknr);
	err = nexus_bdev_rw(bdev, le64_to_cpu(md->sb.md_start[copy]) >> SECTOR_SHIFT,
			    md->mem, (size_t)md->nr_blocks * NEXUS_BLOCK_SIZE,
			    REQ_OP_READ | REQ_META | REQ_SYNC);
	if (err) {
		*why = "cannot read the pool's metadata";
		goto out_release;
	}
	err = nexus_fmt_walk(&w);
	if (w.errors > NEXUS_MD_LOG_PROBLEMS)
		pr_err("pool %.63s: %u more problem%s (see nexusctl pool check)\n",
		       md->sb.name, w.errors - NEXUS_MD_LOG_PROBLEMS,
		       w.errors - NEXUS_MD_LOG_PROBLEMS == 1 ? "" : "s");
	if (err) {
		*why = err == -ENOMEM ? "out of memory to check the metadata" :
		       "metadata is damaged (kernel log, or nexusctl pool check, says how)";
		goto out_release;
	}
	err = nexus_md_write_copy(md, bdev, 1 - copy, 0);
	if (err) {
		*why = "cannot write the pool's metadata";
		goto out_release;
	}
	md->changed = false;
	nexus_md_count_free(md);
	return 0;

out_release:
	nexus_md_release(md);
	return err;
}

/*
 * Commit what changed since the last commit.  Returns 0, or an error with
 * the previous commit still the one on disk (and the changes kept for a
 * later attempt).
 */
int nexus_md_commit(struct nexus_md *md, struct block_device *bdev, struct mutex *md_lock)
{
	struct nexus_sb *sb;
	unsigned int target;
	struct page **pages;
	u32 *nrs, n, i = 0, b;
	u64 gen;
	int err = 0;

	mutex_lock(md_lock);
	if (!md->changed) {
		mutex_unlock(md_lock);
		return 0;
	}
	target = 1 - le32_to_cpu(md->sb.hdr.blocknr);
	gen = nexus_md_gen(md) + 1;
	n = bitmap_weight(md->dirty[target], md->nr_blocks);
	pages = kvcalloc(n, sizeof(*pages), GFP_NOIO);
	nrs = kvcalloc(n, sizeof(*nrs), GFP_NOIO);
	sb = kmemdup(&md->sb, sizeof(*sb), GFP_NOIO);
	if (!pages || !nrs || !sb) {
		mutex_unlock(md_lock);
		err = -ENOMEM;
		goto out_free;
	}
	for_each_set_bit(b, md->dirty[target], md->nr_blocks) {
		struct nexus_md_header *h = nexus_md_block(md, b);

		pages[i] = alloc_page(GFP_NOIO);
		if (!pages[i]) {
			mutex_unlock(md_lock);
			err = -ENOMEM;
			goto out_free;
		}
		memcpy(page_address(pages[i]), h, NEXUS_BLOCK_SIZE);
		nexus_fmt_seal(page_address(pages[i]), le16_to_cpu(h->type), b, gen, md->seed);
		nrs[i++] = b;
	}
	bitmap_zero(md->dirty[target], md->nr_blocks);
	/* What was changed is now committing: FUA writes still wait for it. */
	WRITE_ONCE(md->committing, true);
	WRITE_ONCE(md->changed, false);
	mutex_unlock(md_lock);

	err = nexus_md_write_blocks(bdev, le64_to_cpu(sb->md_start[target]) >> SECTOR_SHIFT,
				    pages, nrs, n);
	if (!err)
		err = nexus_md_write_sb(md, bdev, sb, target, gen);

	mutex_lock(md_lock);
	if (err) {
		/* The old commit stands; write all of this again next time. */
		for (i = 0; i < n; i++)
			__set_bit(nrs[i], md->dirty[target]);
		md->changed = true;
	} else {
		md->sb = *sb;
	}
	WRITE_ONCE(md->committing, false);
	mutex_unlock(md_lock);

out_free:
	for (i = 0; pages && i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kfree(sb);
	kvfree(nrs);
	kvfree(pages);
	return err;
}

/* 1 if @bdev holds a sound nexus superblock in either slot, else 0, or an error. */
int nexus_md_probe(struct block_device *bdev)
{
	struct nexus_md md = {};
	const char *why;
	int err = nexus_md_read_sb(&md, bdev, &why);

	if (err == -EINVAL && !strcmp(why, "no nexus pool on this device"))
		return 0;
	return err ? (err == -EINVAL ? 1 : err) : 1;
}

/* Clear both superblock slots: the pool is gone. */
int nexus_md_wipe(struct block_device *bdev)
{
	void *zero = kzalloc(NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE, GFP_KERNEL);
	int err;

	if (!zero)
		return -ENOMEM;
	err = nexus_bdev_rw(bdev, 0, zero, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE,
			    REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_SYNC);
	kfree(zero);
	return err;
}
