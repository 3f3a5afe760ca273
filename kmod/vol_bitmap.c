// SPDX-License-Identifier: GPL-2.0
/*
 * The write-intent bitmap of a nexus (include/nexus_label.h says what it
 * promises).  On disk, chunk c is bit (c % 8) of byte (c / 8) of the image
 * that starts at NEXUS_LABEL_BITMAP_OFFSET on every written child.
 *
 * In memory (struct nexus_bitmap, all under bm->lock):
 *   pending[c]  writes in flight to chunk c;
 *   bits        the image the children must hold;
 *   durable     the bits known to be on every written child;
 *   touched     chunks written to since the last sweep;
 *   dirty_blocks image blocks changed since they were last written.
 *
 * A write sets its chunks in bits; if any is not durable yet it parks on
 * bm->waiting.  One work item, the only writer of the image, writes the
 * dirty blocks to every written child with FUA, marks what it wrote
 * durable and sends the writes whose chunks are all durable: writes that
 * arrive together share one bitmap write.  Every NEXUS_BITMAP_SWEEP_MS the
 * sweep clears chunks that are durable, idle and untouched since the last
 * sweep, but only while every member is in sync: a member out of sync
 * needs every bit set since it left.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "nexus.h"

#define NEXUS_BITS_PER_IMAGE_BLOCK	(NEXUS_LABEL_SIZE * 8)
#define NEXUS_IMAGE_SECTORS		(NEXUS_LABEL_SIZE >> SECTOR_SHIFT)
/*
 * As md writes its bitmap: a cache flush first, so that the data writes
 * of a chunk whose bit is cleared are durable before the bit goes, and
 * FUA, so that a bit is durable before the writes it covers are sent.
 */
#define NEXUS_BITMAP_WRITE	(REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_META | REQ_SYNC)

static struct nexus_vol *nexus_bm_vol(struct nexus_bitmap *bm)
{
	return container_of(bm, struct nexus_vol, bm);
}

static void nexus_bitmap_work(struct work_struct *work);
static void nexus_bitmap_sweep(struct work_struct *work);

int nexus_bitmap_init(struct nexus_bitmap *bm, const struct nexus_label *l)
{
	u32 blocks;

	bm->chunk_shift = le32_to_cpu(l->bitmap_chunk_shift);
	bm->nr_chunks = nexus_label_chunks(l);
	bm->bytes = le32_to_cpu(l->bitmap_bytes);
	blocks = bm->bytes / NEXUS_LABEL_SIZE;
	spin_lock_init(&bm->lock);
	INIT_LIST_HEAD(&bm->waiting);
	INIT_WORK(&bm->work, nexus_bitmap_work);
	INIT_DELAYED_WORK(&bm->sweep, nexus_bitmap_sweep);
	bm->pending = kvcalloc(bm->nr_chunks, sizeof(*bm->pending), GFP_KERNEL);
	bm->bits = bitmap_zalloc(bm->nr_chunks, GFP_KERNEL);
	bm->durable = bitmap_zalloc(bm->nr_chunks, GFP_KERNEL);
	bm->touched = bitmap_zalloc(bm->nr_chunks, GFP_KERNEL);
	bm->dirty_blocks = bitmap_zalloc(blocks, GFP_KERNEL);
	bm->image = kvzalloc(bm->bytes, GFP_KERNEL);
	if (!bm->pending || !bm->bits || !bm->durable || !bm->touched ||
	    !bm->dirty_blocks || !bm->image) {
		nexus_bitmap_destroy(bm);
		return -ENOMEM;
	}
	return 0;
}

void nexus_bitmap_destroy(struct nexus_bitmap *bm)
{
	kvfree(bm->pending);
	bitmap_free(bm->bits);
	bitmap_free(bm->durable);
	bitmap_free(bm->touched);
	bitmap_free(bm->dirty_blocks);
	kvfree(bm->image);
	bm->pending = NULL;
	bm->bits = NULL;
	bm->durable = NULL;
	bm->touched = NULL;
	bm->dirty_blocks = NULL;
	bm->image = NULL;
}

static void nexus_bitmap_range(struct nexus_bitmap *bm, sector_t pos, sector_t sectors,
			       u64 *first, u64 *last)
{
	u32 shift = bm->chunk_shift - SECTOR_SHIFT;

	*first = pos >> shift;
	*last = (pos + max_t(sector_t, sectors, 1) - 1) >> shift;
	if (*last >= bm->nr_chunks)
		*last = bm->nr_chunks - 1;
}

/*
 * Count @io as a write to its chunks.  True if their bits are durable and
 * it may go; false if it parked until the bitmap writer sends it.
 */
bool nexus_bitmap_start(struct nexus_vol *vol, struct nexus_io *io, sector_t pos,
			sector_t sectors)
{
	struct nexus_bitmap *bm = &vol->bm;
	bool wait = false, set = false;
	unsigned long flags;
	u64 c;

	nexus_bitmap_range(bm, pos, sectors, &io->first_chunk, &io->last_chunk);
	spin_lock_irqsave(&bm->lock, flags);
	for (c = io->first_chunk; c <= io->last_chunk; c++) {
		bm->pending[c]++;
		__set_bit(c, bm->touched);
		if (!test_bit(c, bm->bits)) {
			__set_bit(c, bm->bits);
			__set_bit(c / NEXUS_BITS_PER_IMAGE_BLOCK, bm->dirty_blocks);
			set = true;
		}
		if (!test_bit(c, bm->durable))
			wait = true;
	}
	if (wait)
		list_add_tail(&io->list, &bm->waiting);
	spin_unlock_irqrestore(&bm->lock, flags);
	/* Even with no new bit: a failed round may have left them to do. */
	if (set || wait)
		queue_work(vol->wq, &bm->work);
	return !wait;
}

void nexus_bitmap_end(struct nexus_vol *vol, struct nexus_io *io)
{
	struct nexus_bitmap *bm = &vol->bm;
	unsigned long flags;
	u64 c;

	spin_lock_irqsave(&bm->lock, flags);
	for (c = io->first_chunk; c <= io->last_chunk; c++)
		bm->pending[c]--;
	spin_unlock_irqrestore(&bm->lock, flags);
}

/* Copy block @b of bits into the image; returns its page-sized copy. */
static void nexus_bitmap_fill_block(struct nexus_bitmap *bm, unsigned int b)
{
	u8 *img = bm->image + (size_t)b * NEXUS_LABEL_SIZE;
	u64 c = (u64)b * NEXUS_BITS_PER_IMAGE_BLOCK;
	u64 end = min_t(u64, c + NEXUS_BITS_PER_IMAGE_BLOCK, bm->nr_chunks);

	memset(img, 0, NEXUS_LABEL_SIZE);
	for (c = find_next_bit(bm->bits, end, c); c < end; c = find_next_bit(bm->bits, end, c + 1))
		img[(c / 8) % NEXUS_LABEL_SIZE] |= 1 << (c % 8);
}

/* After block @b of the image is on every written child: it is durable. */
static void nexus_bitmap_block_durable(struct nexus_bitmap *bm, unsigned int b)
{
	const u8 *img = bm->image + (size_t)b * NEXUS_LABEL_SIZE;
	u64 c = (u64)b * NEXUS_BITS_PER_IMAGE_BLOCK;
	u64 end = min_t(u64, c + NEXUS_BITS_PER_IMAGE_BLOCK, bm->nr_chunks);

	for (; c < end; c++) {
		if (img[(c / 8) % NEXUS_LABEL_SIZE] & (1 << (c % 8)))
			__set_bit(c, bm->durable);
		else
			__clear_bit(c, bm->durable);
	}
}

/*
 * Write @blocks (a bitmap of image blocks) to every written child and wait.
 * Children that fail are faulted.  Returns false if no child still in
 * sync took the image, or the last in-sync child failed it.
 */
static bool nexus_bitmap_write_blocks(struct nexus_vol *vol, const unsigned long *blocks,
				      unsigned int nr_blocks)
{
	struct nexus_bitmap *bm = &vol->bm;
	unsigned long written, synced, failed = 0, late;
	struct nexus_child *kids[NEXUS_MAX_CHILDREN];
	struct nexus_batch *batch;
	unsigned int b, slot;
	bool refused = false;
	int idx;

	batch = nexus_batch_new();
	if (!batch)
		return false;
	idx = srcu_read_lock(&vol->io_srcu);
	written = nexus_vol_written(vol, &synced, kids);
	for_each_set_bit(b, blocks, nr_blocks) {
		struct page *page = alloc_page(GFP_NOIO);

		if (!page) {
			failed = written;
			break;
		}
		memcpy(page_address(page), bm->image + (size_t)b * NEXUS_LABEL_SIZE,
		       NEXUS_LABEL_SIZE);
		for_each_set_bit(slot, &written, NEXUS_MAX_CHILDREN)
			nexus_batch_add(batch, kids[slot], NEXUS_BITMAP_WRITE,
					(NEXUS_LABEL_BITMAP_OFFSET >> SECTOR_SHIFT) +
					(sector_t)b * NEXUS_IMAGE_SECTORS, &page, 1);
		put_page(page);
	}
	failed |= nexus_batch_wait(vol, batch, &late);
	for_each_set_bit(slot, &written, NEXUS_MAX_CHILDREN) {
		if (!((failed | late) & BIT(slot)))
			continue;
		u8 reason = (late & BIT(slot)) ? NEXUS_FAULT_TIMED_OUT : NEXUS_FAULT_IO_ERROR;

		if (nexus_child_fault(kids[slot], reason))
			refused = true;
	}
	/* Children removed or faulted meanwhile do not count. */
	for_each_set_bit(slot, &synced, NEXUS_MAX_CHILDREN)
		if (READ_ONCE(kids[slot]->state) != NEXUS_MEMBER_SYNCED)
			synced &= ~BIT(slot);
	srcu_read_unlock(&vol->io_srcu, idx);
	return !refused && (synced & ~(failed | late));
}

static void nexus_bitmap_work(struct work_struct *work)
{
	struct nexus_bitmap *bm = container_of(work, struct nexus_bitmap, work);
	struct nexus_vol *vol = nexus_bm_vol(bm);
	unsigned int nr_blocks = bm->bytes / NEXUS_LABEL_SIZE, b;
	struct nexus_io *io, *next;
	unsigned long *blocks;
	LIST_HEAD(ready);
	bool ok;
	u64 c;

	blocks = bitmap_zalloc(nr_blocks, GFP_NOIO);
	for (;;) {
		spin_lock_irq(&bm->lock);
		if (!blocks || bitmap_empty(bm->dirty_blocks, nr_blocks)) {
			spin_unlock_irq(&bm->lock);
			break;
		}
		bitmap_copy(blocks, bm->dirty_blocks, nr_blocks);
		bitmap_zero(bm->dirty_blocks, nr_blocks);
		for_each_set_bit(b, blocks, nr_blocks)
			nexus_bitmap_fill_block(bm, b);
		spin_unlock_irq(&bm->lock);

		ok = nexus_bitmap_write_blocks(vol, blocks, nr_blocks);

		spin_lock_irq(&bm->lock);
		if (ok)
			for_each_set_bit(b, blocks, nr_blocks)
				nexus_bitmap_block_durable(bm, b);
		else	/* written nowhere that counts: again next time */
			bitmap_or(bm->dirty_blocks, bm->dirty_blocks, blocks, nr_blocks);
		list_for_each_entry_safe(io, next, &bm->waiting, list) {
			bool all = true;

			for (c = io->first_chunk; c <= io->last_chunk && all; c++)
				all = test_bit(c, bm->durable);
			if (all || !ok)
				list_move_tail(&io->list, &ready);
		}
		spin_unlock_irq(&bm->lock);
		if (!ok)
			pr_err_ratelimited("%s: cannot write the write-intent bitmap to any in-sync child\n",
					   vol->name);
		list_for_each_entry_safe(io, next, &ready, list) {
			list_del_init(&io->list);
			if (ok)
				nexus_io_write_send(io);
			else
				nexus_io_end(io, BLK_STS_IOERR);
		}
		if (!ok)
			break;	/* the next write that parks tries again */
	}
	/* No memory for the copy: fail what waits rather than hang it. */
	if (!blocks) {
		spin_lock_irq(&bm->lock);
		list_splice_init(&bm->waiting, &ready);
		spin_unlock_irq(&bm->lock);
		list_for_each_entry_safe(io, next, &ready, list) {
			list_del_init(&io->list);
			nexus_io_end(io, BLK_STS_RESOURCE);
		}
	}
	bitmap_free(blocks);
}

/* Every member in sync and present: bits may be cleared. */
static bool nexus_bitmap_may_clear(struct nexus_vol *vol)
{
	bool ok = true;
	unsigned int slot;
	int idx;

	idx = srcu_read_lock(&vol->io_srcu);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN && ok; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);

		if (c && (!c->dev.bdev || READ_ONCE(c->state) != NEXUS_MEMBER_SYNCED))
			ok = false;
	}
	srcu_read_unlock(&vol->io_srcu, idx);
	return ok;
}

static void nexus_bitmap_sweep(struct work_struct *work)
{
	struct nexus_bitmap *bm = container_of(to_delayed_work(work), struct nexus_bitmap, sweep);
	struct nexus_vol *vol = nexus_bm_vol(bm);
	bool clear = nexus_bitmap_may_clear(vol), cleared = false;
	u64 c;

	spin_lock_irq(&bm->lock);
	if (clear) {
		for_each_set_bit(c, bm->bits, bm->nr_chunks) {
			if (bm->pending[c] || test_bit(c, bm->touched) || !test_bit(c, bm->durable))
				continue;
			/* Not durable any more: a new write must wait for its bit. */
			__clear_bit(c, bm->bits);
			__clear_bit(c, bm->durable);
			__set_bit(c / NEXUS_BITS_PER_IMAGE_BLOCK, bm->dirty_blocks);
			cleared = true;
		}
	}
	bitmap_zero(bm->touched, bm->nr_chunks);
	spin_unlock_irq(&bm->lock);
	if (cleared)
		queue_work(vol->wq, &bm->work);
	if (!READ_ONCE(bm->stopping))
		queue_delayed_work(vol->wq, &bm->sweep, msecs_to_jiffies(NEXUS_BITMAP_SWEEP_MS));
}

void nexus_bitmap_kick(struct nexus_vol *vol)
{
	queue_delayed_work(vol->wq, &vol->bm.sweep, msecs_to_jiffies(NEXUS_BITMAP_SWEEP_MS));
}

void nexus_bitmap_stop(struct nexus_vol *vol)
{
	WRITE_ONCE(vol->bm.stopping, true);
	cancel_delayed_work_sync(&vol->bm.sweep);
	flush_work(&vol->bm.work);
}

/* OR @child's on-disk bitmap into bits (assembly): those chunks may differ. */
int nexus_bitmap_load(struct nexus_vol *vol, struct nexus_child *child)
{
	struct nexus_bitmap *bm = &vol->bm;
	u8 *img;
	int err;
	u64 c;

	img = kvmalloc(bm->bytes, GFP_KERNEL);
	if (!img)
		return -ENOMEM;
	err = nexus_bdev_rw(child->dev.bdev, NEXUS_LABEL_BITMAP_OFFSET >> SECTOR_SHIFT, img,
			    bm->bytes, REQ_OP_READ);
	if (!err) {
		spin_lock_irq(&bm->lock);
		for (c = 0; c < bm->nr_chunks; c++)
			if (img[c / 8] & (1 << (c % 8)))
				__set_bit(c, bm->bits);
		spin_unlock_irq(&bm->lock);
	}
	kvfree(img);
	return err;
}

/*
 * Write the whole image to every written child, and wait: after assembly,
 * and before a rebuilt child is declared in sync (its image was stale).
 */
int nexus_bitmap_write_child(struct nexus_vol *vol, struct nexus_child *child)
{
	struct nexus_bitmap *bm = &vol->bm;

	spin_lock_irq(&bm->lock);
	bitmap_fill(bm->dirty_blocks, bm->bytes / NEXUS_LABEL_SIZE);
	spin_unlock_irq(&bm->lock);
	queue_work(vol->wq, &bm->work);
	flush_work(&bm->work);
	return child && READ_ONCE(child->state) == NEXUS_MEMBER_FAULTED ? -EIO : 0;
}

/* A copy of the bits, for a rebuild to walk; bitmap_free() it. */
unsigned long *nexus_bitmap_snapshot(struct nexus_vol *vol)
{
	struct nexus_bitmap *bm = &vol->bm;
	unsigned long *copy = bitmap_zalloc(bm->nr_chunks, GFP_KERNEL);

	if (!copy)
		return NULL;
	spin_lock_irq(&bm->lock);
	bitmap_copy(copy, bm->bits, bm->nr_chunks);
	spin_unlock_irq(&bm->lock);
	return copy;
}

/* Chunks set in the bitmap, for observability. */
u64 nexus_bitmap_dirty(struct nexus_vol *vol)
{
	struct nexus_bitmap *bm = &vol->bm;
	u64 n;

	spin_lock_irq(&bm->lock);
	n = bitmap_weight(bm->bits, bm->nr_chunks);
	spin_unlock_irq(&bm->lock);
	return n;
}
