// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuild of nexus children, online, and the range barrier that keeps
 * nexus writes out of the range being copied.
 *
 * Barrier (md raid1's buckets): the volume is hashed into
 * NEXUS_BARRIER_BUCKETS buckets of 64 MiB.  A write counts itself in the
 * buckets it touches (barrier_pending) unless a barrier is up there, in
 * which case it parks on vol->barrier_wait.  A rebuild raises the barrier
 * of the bucket it is about to copy, waits until no write is in it, copies
 * one segment, and lowers the barrier, which starts the parked writes
 * again.  So a segment is read from the source and written to the target
 * with no nexus write to it in between: a rebuild never writes stale data
 * over a newer write.
 *
 * Rebuild: one work item per child being rebuilt, on vol->rebuild_wq (it
 * waits for work on vol->wq: the bitmap writer).  It copies, in segments
 * of NEXUS_REBUILD_SEGMENT, every chunk set in a snapshot of the
 * write-intent bitmap taken when it started, and everything at or above
 * the child's rebuild_offset (include/nexus_label.h).  The child is
 * written by nexus IO throughout, so what changes after the snapshot
 * reaches it anyway.  Progress of a full rebuild is saved in the labels
 * every few seconds; when the walk is done the whole bitmap image is
 * written to the child, which is then declared in sync.
 *
 * Rate: never above rebuild_rate_max; above rebuild_rate_min it yields
 * while the nexus has IO in flight (md's speed_limit_min/max).
 *
 * Verify (scrub): one work item per nexus walks the volume in the same
 * segments under the same barrier, reads each segment from every in-sync
 * child, compares them in 4 KiB blocks against the first (a local one
 * first) and counts what differs; with repair, it rewrites the segment on
 * the children that differ.  A child that fails a read is faulted (never
 * the last in-sync one).
 *
 * Locking: the rebuild of a child is started, paused, resumed and stopped
 * under vol->lock, and so is the verify; the work itself takes no vol->lock (a stop waits for
 * it under that lock), only vol->state_lock for the child's state.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "nexus.h"
#include "nexus_trace.h"

#define NEXUS_BARRIER_BITS	10
static_assert(NEXUS_BARRIER_BUCKETS == 1 << NEXUS_BARRIER_BITS);

#define NEXUS_REBUILD_SAVE_MS	5000U	/* how often progress is persisted */

struct nexus_rebuild {
	struct nexus_vol *vol;
	struct nexus_child *child;
	struct work_struct work;
	unsigned long *map;		/* bitmap snapshot */
	u64 from;			/* rebuild_offset at start */
	u64 done, total, copied;	/* bytes; READ_ONCE for progress */
	bool partial;
	bool paused;			/* under vol->lock, READ_ONCE */
	bool stop;			/* under vol->lock, READ_ONCE */
	bool by_admin;			/* stopped by `rebuild stop`: fault the child */
	bool running;
	wait_queue_head_t wq;		/* pause */
};

static int nexus_bucket(sector_t pos)
{
	return hash_64(pos >> NEXUS_BARRIER_SHIFT, NEXUS_BARRIER_BITS);
}

/*
 * Count @io in the buckets of [pos, pos + sectors).  False if a barrier
 * is up there: @io parked, and nexus_barrier_lower() starts it again.
 */
bool nexus_barrier_enter(struct nexus_vol *vol, struct nexus_io *io, sector_t pos,
			 sector_t sectors)
{
	int b0 = nexus_bucket(pos);
	int b1 = nexus_bucket(pos + max_t(sector_t, sectors, 1) - 1);
	unsigned long flags;

	if (b1 == b0)
		b1 = -1;
	for (;;) {
		atomic_inc(&vol->barrier_pending[b0]);
		if (b1 >= 0)
			atomic_inc(&vol->barrier_pending[b1]);
		/* Count, then look: pairs with the barrier in nexus_barrier_raise(). */
		smp_mb__after_atomic();
		if (!READ_ONCE(vol->barrier[b0]) && (b1 < 0 || !READ_ONCE(vol->barrier[b1]))) {
			io->bucket[0] = b0;
			io->bucket[1] = b1;
			io->barrier_held = true;
			return true;
		}
		io->bucket[0] = b0;
		io->bucket[1] = b1;
		io->barrier_held = true;
		nexus_barrier_exit(vol, io);

		spin_lock_irqsave(&vol->barrier_lock, flags);
		if (vol->barrier[b0] || (b1 >= 0 && vol->barrier[b1])) {
			list_add_tail(&io->list, &vol->barrier_wait);
			spin_unlock_irqrestore(&vol->barrier_lock, flags);
			return false;
		}
		spin_unlock_irqrestore(&vol->barrier_lock, flags);
	}
}

void nexus_barrier_exit(struct nexus_vol *vol, struct nexus_io *io)
{
	int i;

	io->barrier_held = false;
	for (i = 0; i < 2; i++) {
		int b = io->bucket[i];

		if (b < 0)
			continue;
		atomic_dec(&vol->barrier_pending[b]);
		/* Uncount, then look whether a rebuild waits for the bucket to drain. */
		smp_mb__after_atomic();
		if (READ_ONCE(vol->barrier[b]))
			wake_up(&vol->barrier_wq);
	}
}

static void nexus_barrier_raise(struct nexus_vol *vol, int b)
{
	spin_lock_irq(&vol->barrier_lock);
	WRITE_ONCE(vol->barrier[b], vol->barrier[b] + 1);
	spin_unlock_irq(&vol->barrier_lock);
	/* Raise, then look at the count: pairs with nexus_barrier_enter(). */
	smp_mb();
	wait_event(vol->barrier_wq, !atomic_read(&vol->barrier_pending[b]));
}

static void nexus_barrier_lower(struct nexus_vol *vol, int b)
{
	struct nexus_io *io, *next;
	LIST_HEAD(list);

	spin_lock_irq(&vol->barrier_lock);
	WRITE_ONCE(vol->barrier[b], vol->barrier[b] - 1);
	if (!vol->barrier[b])
		list_splice_init(&vol->barrier_wait, &list);
	spin_unlock_irq(&vol->barrier_lock);
	/* Those still blocked by another bucket park again. */
	list_for_each_entry_safe(io, next, &list, list) {
		list_del_init(&io->list);
		nexus_io_write_start(io);
	}
}

/* An in-sync child to copy from, local ones first; NULL if none. */
static struct nexus_child *nexus_rebuild_source(struct nexus_vol *vol,
						struct nexus_child *target)
{
	struct nexus_child *best = NULL;
	unsigned int slot;

	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);

		if (!c || c == target || !c->dev.bdev ||
		    READ_ONCE(c->state) != NEXUS_MEMBER_SYNCED)
			continue;
		if (!best || (c->local && !best->local))
			best = c;
	}
	return best;
}

/*
 * Read @len bytes at @sector from an in-sync child other than @exclude
 * into @buf; a child that fails the read is faulted and the next one
 * tried.  Returns the child read, or ERR_PTR(-ENODEV) if none is left,
 * ERR_PTR(-EIO) if the last one failed.  Inside io_srcu.
 */
static struct nexus_child *nexus_read_source(struct nexus_vol *vol, struct nexus_child *exclude,
					     sector_t sector, void *buf, u32 len)
{
	struct nexus_child *src;

	for (;;) {
		src = nexus_rebuild_source(vol, exclude);
		if (!src)
			return ERR_PTR(-ENODEV);
		if (!nexus_bdev_rw(src->dev.bdev, sector, buf, len, REQ_OP_READ))
			return src;
		if (nexus_child_fault(src, NEXUS_FAULT_IO_ERROR))
			return ERR_PTR(-EIO);	/* the last in-sync child */
	}
}

/* The next byte offset at or after @off that must be copied, or size. */
static u64 nexus_rebuild_next(struct nexus_rebuild *rb, u64 off)
{
	struct nexus_bitmap *bm = &rb->vol->bm;
	u64 c;

	if (off >= rb->from)
		return off;
	c = find_next_bit(rb->map, bm->nr_chunks, off >> bm->chunk_shift);
	if (c >= bm->nr_chunks)
		return rb->from;
	return min(max(off, c << bm->chunk_shift), rb->from);
}

/*
 * Sleep as the rate limits say, for a job that has moved @bytes since
 * @start_ns (a rebuild or a verify).
 */
static void nexus_throttle(struct nexus_vol *vol, u64 bytes, u64 start_ns)
{
	u64 elapsed_ms = div_u64(ktime_get_ns() - start_ns, NSEC_PER_MSEC) + 1;
	u64 rate = div64_u64(bytes >> 10, elapsed_ms) * MSEC_PER_SEC; /* KiB/s */
	u32 max = READ_ONCE(vol->rebuild_rate_max), min = READ_ONCE(vol->rebuild_rate_min);
	unsigned int slot;
	bool busy = false;
	int idx;

	if (max && rate > max) {
		/* Sleep until the average is back at the cap. */
		u64 due_ms = div64_u64((bytes >> 10) * MSEC_PER_SEC, max);

		if (due_ms > elapsed_ms)
			msleep_interruptible(min_t(u64, due_ms - elapsed_ms, 1000));
		return;
	}
	if (rate <= min)
		return;
	idx = srcu_read_lock(&vol->io_srcu);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN && !busy; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);

		busy = c && atomic_read(&c->inflight);
	}
	srcu_read_unlock(&vol->io_srcu, idx);
	if (busy)
		msleep_interruptible(10);
}

/*
 * Copy [off, off + len) from an in-sync child to the target.  0, or
 * -EIO if the target failed (it is faulted), or the error of nexus_read_source().
 */
static int nexus_rebuild_copy(struct nexus_rebuild *rb, void *buf, u64 off, u32 len)
{
	struct nexus_vol *vol = rb->vol;
	struct nexus_child *target = rb->child, *src;
	sector_t sector = vol->data_offset + (off >> SECTOR_SHIFT);
	int err, idx;

	idx = srcu_read_lock(&vol->io_srcu);
	src = nexus_read_source(vol, target, sector, buf, len);
	if (IS_ERR(src)) {
		err = PTR_ERR(src);
		goto out;
	}
	if (!memchr_inv(buf, 0, len) && bdev_write_zeroes_sectors(target->dev.bdev))
		err = blkdev_issue_zeroout(target->dev.bdev, sector, len >> SECTOR_SHIFT,
					   GFP_NOIO, 0);
	else
		err = nexus_bdev_rw(target->dev.bdev, sector, buf, len, REQ_OP_WRITE);
	if (err) {
		nexus_child_fault(target, NEXUS_FAULT_IO_ERROR);
		err = -EIO;
	}
out:
	srcu_read_unlock(&vol->io_srcu, idx);
	return err;
}

/* The rebuild is done: the child gets the bitmap, then is in sync. */
static int nexus_rebuild_finish(struct nexus_rebuild *rb)
{
	struct nexus_vol *vol = rb->vol;
	struct nexus_child *child = rb->child;
	int err;

	err = nexus_bitmap_write_child(vol, child);
	if (err)
		return err;
	spin_lock_irq(&vol->state_lock);
	if (child->state != NEXUS_MEMBER_REBUILD) {
		spin_unlock_irq(&vol->state_lock);
		return -EIO;
	}
	child->state = NEXUS_MEMBER_SYNCED;
	child->reason = NEXUS_FAULT_NONE;
	child->rebuild_offset = vol->size;
	child->reported_state = NEXUS_MEMBER_SYNCED;
	vol->nr_synced++;
	vol->label_seq++;
	spin_unlock_irq(&vol->state_lock);
	return nexus_vol_persist(vol, false);
}

static void nexus_rebuild_work(struct work_struct *work)
{
	struct nexus_rebuild *rb = container_of(work, struct nexus_rebuild, work);
	struct nexus_vol *vol = rb->vol;
	struct nexus_child *child = rb->child;
	u64 off = 0, start_ns = ktime_get_ns(), saved_ns = start_ns, seg_ns;
	unsigned int noio;
	void *buf;
	int err = 0;

	noio = memalloc_noio_save();
	buf = kvmalloc(NEXUS_REBUILD_SEGMENT, GFP_KERNEL);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	pr_info("%s: %s rebuild of child %pUb started (%llu bytes to walk)\n", vol->name,
		rb->partial ? "partial" : "full", &child->uuid, rb->total);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_REBUILD_STARTED, child);
	while ((off = nexus_rebuild_next(rb, off)) < vol->size) {
		struct nexus_bitmap *bm = &vol->bm;
		u64 end = min_t(u64, round_down(off, NEXUS_REBUILD_SEGMENT) + NEXUS_REBUILD_SEGMENT,
				vol->size);
		int b = nexus_bucket(off >> SECTOR_SHIFT);

		if (off < rb->from)	/* bitmap-driven: one chunk at a time */
			end = min(end, ((off >> bm->chunk_shift) + 1) << bm->chunk_shift);
		wait_event(rb->wq, !READ_ONCE(rb->paused) || READ_ONCE(rb->stop));
		if (READ_ONCE(rb->stop)) {
			err = -EINTR;
			break;
		}
		if (READ_ONCE(child->state) != NEXUS_MEMBER_REBUILD) {
			err = -EIO;
			break;
		}
		seg_ns = ktime_get_ns();
		nexus_barrier_raise(vol, b);
		err = nexus_rebuild_copy(rb, buf, off, end - off);
		nexus_barrier_lower(vol, b);
		trace_nexus_rebuild_segment(child, off, end - off, ktime_get_ns() - seg_ns, err);
		if (err)
			break;
		WRITE_ONCE(rb->copied, rb->copied + (end - off));
		WRITE_ONCE(rb->done, min(rb->done + (end - off), rb->total));
		WRITE_ONCE(child->rstat.copied, rb->copied);
		WRITE_ONCE(child->rstat.done, rb->done);
		off = end;
		if (off > rb->from) {
			spin_lock_irq(&vol->state_lock);
			child->rebuild_offset = off;
			if (ktime_get_ns() - saved_ns > NEXUS_REBUILD_SAVE_MS * NSEC_PER_MSEC) {
				vol->label_seq++;
				saved_ns = ktime_get_ns();
				queue_work(vol->wq, &vol->label_work);
			}
			spin_unlock_irq(&vol->state_lock);
		}
		nexus_throttle(vol, rb->copied, start_ns);
	}
	if (!err)
		err = nexus_rebuild_finish(rb);
out:
	kvfree(buf);
	memalloc_noio_restore(noio);
	if (!err) {
		pr_info("%s: child %pUb rebuilt: %llu bytes copied in %llu ms\n", vol->name,
			&child->uuid, rb->copied,
			div_u64(ktime_get_ns() - start_ns, NSEC_PER_MSEC));
		nexus_nl_vol_notify(vol, NEXUS_EVENT_REBUILD_DONE, child);
	} else if (err == -EINTR && !READ_ONCE(rb->by_admin)) {
		/*
		 * The nexus stops, or the child goes: it stays rebuilding, and
		 * its saved progress lets the next assembly resume.
		 */
		pr_info("%s: rebuild of child %pUb interrupted after %llu bytes\n", vol->name,
			&child->uuid, rb->copied);
	} else {
		u8 reason = err == -EINTR ? NEXUS_FAULT_BY_CLIENT : NEXUS_FAULT_REBUILD_FAILED;

		/* Still rebuilding: it did not fail by itself, so say why it stops. */
		if (READ_ONCE(child->state) == NEXUS_MEMBER_REBUILD)
			nexus_child_fault(child, reason);
		pr_warn("%s: rebuild of child %pUb %s after %llu bytes\n", vol->name,
			&child->uuid, err == -EINTR ? "stopped" : "failed", rb->copied);
		nexus_nl_vol_notify(vol, NEXUS_EVENT_REBUILD_FAILED, child);
	}
	WRITE_ONCE(rb->running, false);
}

/* Wait for @child's rebuild, if any, to end, and forget it. */
void nexus_rebuild_stop(struct nexus_vol *vol, struct nexus_child *child)
{
	struct nexus_rebuild *rb = child->rebuild;

	lockdep_assert_held(&vol->lock);
	if (!rb)
		return;
	WRITE_ONCE(rb->stop, true);
	wake_up(&rb->wq);
	flush_work(&rb->work);
	bitmap_free(rb->map);
	kfree(rb);
	child->rebuild = NULL;
}

/* Start rebuilding @child, which is in state REBUILD. */
int nexus_rebuild_start(struct nexus_vol *vol, struct nexus_child *child)
{
	struct nexus_bitmap *bm = &vol->bm;
	struct nexus_rebuild *rb;
	u64 below;

	lockdep_assert_held(&vol->lock);
	nexus_rebuild_stop(vol, child);
	rb = kzalloc(sizeof(*rb), GFP_KERNEL);
	if (!rb)
		return -ENOMEM;
	rb->map = nexus_bitmap_snapshot(vol);
	if (!rb->map) {
		kfree(rb);
		return -ENOMEM;
	}
	rb->vol = vol;
	rb->child = child;
	init_waitqueue_head(&rb->wq);
	INIT_WORK(&rb->work, nexus_rebuild_work);
	spin_lock_irq(&vol->state_lock);
	rb->from = child->rebuild_offset;
	spin_unlock_irq(&vol->state_lock);
	rb->partial = rb->from >= vol->size;
	below = bitmap_weight(rb->map, min_t(u64, bm->nr_chunks, rb->from >> bm->chunk_shift));
	rb->total = min(below << bm->chunk_shift, rb->from) + (vol->size - rb->from);
	rb->running = true;
	WRITE_ONCE(child->rstat.done, 0);
	WRITE_ONCE(child->rstat.copied, 0);
	WRITE_ONCE(child->rstat.total, rb->total);
	WRITE_ONCE(child->rstat.partial, rb->partial);
	WRITE_ONCE(child->rstat.paused, false);
	child->rebuild = rb;
	queue_work(vol->rebuild_wq, &rb->work);
	return 0;
}

int nexus_rebuild_action(struct nexus_vol *vol, struct nexus_child *child, u8 action,
			 struct netlink_ext_ack *extack)
{
	struct nexus_rebuild *rb = child->rebuild;

	lockdep_assert_held(&vol->lock);
	if (!rb || !READ_ONCE(rb->running)) {
		NL_SET_ERR_MSG(extack, "the child is not being rebuilt");
		return -ENOENT;
	}
	switch (action) {
	case NEXUS_REBUILD_PAUSE:
		WRITE_ONCE(rb->paused, true);
		WRITE_ONCE(child->rstat.paused, true);
		break;
	case NEXUS_REBUILD_RESUME:
		WRITE_ONCE(rb->paused, false);
		WRITE_ONCE(child->rstat.paused, false);
		wake_up(&rb->wq);
		break;
	case NEXUS_REBUILD_STOP:
		WRITE_ONCE(rb->by_admin, true);
		nexus_rebuild_stop(vol, child);
		break;
	}
	return 0;
}

/* The last or running rebuild of @child: no lock needed. */
void nexus_rebuild_progress(struct nexus_child *child, u64 *done, u64 *total,
			    u64 *copied, bool *paused, bool *partial)
{
	*done = READ_ONCE(child->rstat.done);
	*total = READ_ONCE(child->rstat.total);
	*copied = READ_ONCE(child->rstat.copied);
	*paused = READ_ONCE(child->rstat.paused);
	*partial = READ_ONCE(child->rstat.partial);
}

struct nexus_verify {
	struct nexus_vol *vol;
	struct work_struct work;
	bool repair;
	bool stop;			/* READ_ONCE */
	bool running;			/* READ_ONCE */
	u64 done, mismatch, repaired;	/* bytes; READ_ONCE */
	int error;
};

/* Blocks of @len bytes at @a and @b that differ, as bytes. */
static u64 nexus_verify_diff(const u8 *a, const u8 *b, u32 len)
{
	u64 differ = 0;
	u32 i;

	for (i = 0; i < len; i += NEXUS_LABEL_SIZE)
		if (memcmp(a + i, b + i, min_t(u32, NEXUS_LABEL_SIZE, len - i)))
			differ += min_t(u32, NEXUS_LABEL_SIZE, len - i);
	return differ;
}

/* Compare (and maybe repair) one segment.  0, or -ENODEV: no leg to read. */
static int nexus_verify_segment(struct nexus_verify *v, void *ref, void *cmp, u64 off, u32 len)
{
	struct nexus_vol *vol = v->vol;
	sector_t sector = vol->data_offset + (off >> SECTOR_SHIFT);
	struct nexus_child *first;
	unsigned int slot;
	int err = 0, idx;

	idx = srcu_read_lock(&vol->io_srcu);
	first = nexus_read_source(vol, NULL, sector, ref, len);
	if (IS_ERR(first)) {
		err = PTR_ERR(first);
		goto out;
	}
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);
		u64 differ;

		if (!c || c == first || !c->dev.bdev || READ_ONCE(c->state) != NEXUS_MEMBER_SYNCED)
			continue;
		if (nexus_bdev_rw(c->dev.bdev, sector, cmp, len, REQ_OP_READ)) {
			nexus_child_fault(c, NEXUS_FAULT_IO_ERROR);
			continue;
		}
		differ = nexus_verify_diff(ref, cmp, len);
		if (!differ)
			continue;
		WRITE_ONCE(v->mismatch, v->mismatch + differ);
		pr_warn_ratelimited("%s: verify: child %pUb differs from %pUb in %llu bytes at %llu\n",
				    vol->name, &c->uuid, &first->uuid, differ, off);
		if (!v->repair)
			continue;
		if (nexus_bdev_rw(c->dev.bdev, sector, ref, len, REQ_OP_WRITE))
			nexus_child_fault(c, NEXUS_FAULT_IO_ERROR);
		else
			WRITE_ONCE(v->repaired, v->repaired + differ);
	}
out:
	srcu_read_unlock(&vol->io_srcu, idx);
	return err;
}

static void nexus_verify_work(struct work_struct *work)
{
	struct nexus_verify *v = container_of(work, struct nexus_verify, work);
	struct nexus_vol *vol = v->vol;
	u64 off, start_ns = ktime_get_ns();
	unsigned int noio;
	void *ref, *cmp;
	int err = 0;

	noio = memalloc_noio_save();
	ref = kvmalloc(NEXUS_REBUILD_SEGMENT, GFP_KERNEL);
	cmp = kvmalloc(NEXUS_REBUILD_SEGMENT, GFP_KERNEL);
	if (!ref || !cmp) {
		err = -ENOMEM;
		goto out;
	}
	pr_info("%s: verify%s started\n", vol->name, v->repair ? " with repair" : "");
	for (off = 0; off < vol->size; off += NEXUS_REBUILD_SEGMENT) {
		u32 len = min_t(u64, NEXUS_REBUILD_SEGMENT, vol->size - off);
		int b = nexus_bucket(off >> SECTOR_SHIFT);

		if (READ_ONCE(v->stop)) {
			err = -EINTR;
			break;
		}
		nexus_barrier_raise(vol, b);
		err = nexus_verify_segment(v, ref, cmp, off, len);
		nexus_barrier_lower(vol, b);
		if (err)
			break;
		WRITE_ONCE(v->done, off + len);
		nexus_throttle(vol, v->done, start_ns);
	}
out:
	kvfree(ref);
	kvfree(cmp);
	memalloc_noio_restore(noio);
	v->error = err;
	pr_info("%s: verify %s: %llu of %llu bytes compared, %llu differed, %llu repaired\n",
		vol->name, err ? "stopped" : "done", v->done, vol->size, v->mismatch, v->repaired);
	WRITE_ONCE(v->running, false);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_VERIFY_DONE, NULL);
}

/* Wait for a verify of @vol, if any, to end (stopping it if @stop). */
void nexus_verify_stop(struct nexus_vol *vol, bool stop)
{
	struct nexus_verify *v = vol->verify;

	lockdep_assert_held(&vol->lock);
	if (!v)
		return;
	if (stop)
		WRITE_ONCE(v->stop, true);
	flush_work(&v->work);
}

int nexus_verify_start(struct nexus_vol *vol, bool repair, struct netlink_ext_ack *extack)
{
	struct nexus_verify *v = vol->verify;

	lockdep_assert_held(&vol->lock);
	if (v && READ_ONCE(v->running)) {
		NL_SET_ERR_MSG(extack, "a verify of this nexus is running already");
		return -EBUSY;
	}
	if (READ_ONCE(vol->nr_synced) < 2) {
		NL_SET_ERR_MSG(extack, "a verify needs two children in sync to compare");
		return -EINVAL;
	}
	if (!v) {
		v = kzalloc(sizeof(*v), GFP_KERNEL);
		if (!v)
			return -ENOMEM;
		v->vol = vol;
		INIT_WORK(&v->work, nexus_verify_work);
		vol->verify = v;
	}
	v->repair = repair;
	v->stop = false;
	v->done = 0;
	v->mismatch = 0;
	v->repaired = 0;
	v->error = 0;
	v->running = true;
	queue_work(vol->rebuild_wq, &v->work);
	return 0;
}

/* The verify's attributes, in a NEXUS_ATTR_VERIFY nest; none if never run. */
int nexus_verify_put(struct sk_buff *msg, struct nexus_vol *vol)
{
	struct nexus_verify *v = vol->verify;
	struct nlattr *nest;

	if (!v)
		return 0;
	nest = nla_nest_start(msg, NEXUS_ATTR_VERIFY);
	if (!nest ||
	    nla_put_u8(msg, NEXUS_VERIFY_ATTR_RUNNING, READ_ONCE(v->running)) ||
	    nla_put_u8(msg, NEXUS_VERIFY_ATTR_REPAIR, v->repair) ||
	    nla_put_u64_64bit(msg, NEXUS_VERIFY_ATTR_DONE, READ_ONCE(v->done),
			      NEXUS_VERIFY_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_VERIFY_ATTR_TOTAL, vol->size, NEXUS_VERIFY_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_VERIFY_ATTR_MISMATCH, READ_ONCE(v->mismatch),
			      NEXUS_VERIFY_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_VERIFY_ATTR_REPAIRED, READ_ONCE(v->repaired),
			      NEXUS_VERIFY_ATTR_PAD) ||
	    nla_put_u32(msg, NEXUS_VERIFY_ATTR_ERROR, READ_ONCE(v->running) ? 0 : -v->error))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

void nexus_verify_free(struct nexus_vol *vol)
{
	kfree(vol->verify);
	vol->verify = NULL;
}
