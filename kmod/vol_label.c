// SPDX-License-Identifier: GPL-2.0
/*
 * Label IO on a nexus's children, and the persistence of child states.
 *
 * Every change of a child's state (vol_child.c) bumps vol->label_seq; the
 * label work writes a label with the new member table, and a new event
 * number, to every child that is written (in sync or being rebuilt), then
 * sets vol->label_done.  Writes that completed on the children while a
 * state change was not yet on disk wait on vol->deferred until it is
 * (vol_io.c): after a crash, assembly must never take a child that missed
 * an acknowledged write for an in-sync one.
 *
 * Writes to several children go out together as a batch and are waited for
 * at most the nexus's IO timeout: a child that has not answered by then is
 * faulted and left behind.  Each bio owns references to its pages and the
 * batch is reference counted, so a late answer touches nothing freed; each
 * child counts its bios in flight, and removing the child or stopping the
 * nexus waits for them (nexus_batch_drain()).
 *
 * Locking: vol->label_lock serialises label writes and guards vol->event
 * and vol->clean; the member table is read under vol->state_lock.
 */
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nexus.h"
#include "nexus_trace.h"

#define NEXUS_LABEL_SECTORS	(NEXUS_LABEL_SIZE >> SECTOR_SHIFT)
/* A label write: after a cache flush (what it describes is durable), FUA. */
#define NEXUS_LABEL_WRITE	(REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_META | REQ_SYNC)

/* Bios to several children, waited for together. */
struct nexus_batch {
	refcount_t ref;			/* the waiter's, and one per bio */
	atomic_t pending;		/* bios not answered */
	atomic_t slot_pending[NEXUS_MAX_CHILDREN];
	unsigned long failed;		/* slots with an error (set_bit) */
	unsigned long sent;		/* slots written to */
	struct completion done;
};

struct nexus_batch *nexus_batch_new(void)
{
	struct nexus_batch *b = kzalloc(sizeof(*b), GFP_NOIO);

	if (!b)
		return NULL;
	refcount_set(&b->ref, 1);
	atomic_set(&b->pending, 1);	/* the waiter's, dropped in wait */
	init_completion(&b->done);
	return b;
}

static void nexus_batch_put(struct nexus_batch *b)
{
	if (refcount_dec_and_test(&b->ref))
		kfree(b);
}

static void nexus_batch_endio(struct bio *bio)
{
	struct nexus_clone *cl = container_of(bio, struct nexus_clone, bio);
	struct nexus_batch *b = bio->bi_private;
	struct nexus_child *child = cl->child;
	unsigned int slot = child->slot;
	struct bio_vec *bv;
	struct bvec_iter_all iter;

	if (bio->bi_status)
		set_bit(slot, &b->failed);
	atomic_dec(&b->slot_pending[slot]);
	bio_for_each_segment_all(bv, bio, iter)
		put_page(bv->bv_page);
	bio_put(bio);
	if (atomic_dec_and_test(&b->pending))
		complete(&b->done);
	nexus_batch_put(b);
	/*
	 * Last: removal and stop wait for this count before the child (and
	 * the bio_set) go.  wake_up_var() only hashes the address.
	 */
	if (atomic_dec_and_test(&child->batch_inflight))
		wake_up_var(&child->batch_inflight);
}

/* Wait until no label or bitmap bio of @child is in flight (they may be late). */
void nexus_batch_drain(struct nexus_child *child)
{
	wait_var_event(&child->batch_inflight, !atomic_read(&child->batch_inflight));
}

/*
 * Write (or read) @nr pages to @child at @sector as part of @b.  The bio
 * takes its own reference to each page.
 */
void nexus_batch_add(struct nexus_batch *b, struct nexus_child *child, blk_opf_t opf,
		     sector_t sector, struct page **pages, unsigned int nr)
{
	struct nexus_vol *vol = child->vol;
	struct nexus_clone *cl;
	struct bio *bio;
	unsigned int i;

	while (nr) {
		unsigned int n = min_t(unsigned int, nr, BIO_MAX_VECS);

		bio = bio_alloc_bioset(child->dev.bdev, n, opf, GFP_NOIO, &vol->bs);
		cl = container_of(bio, struct nexus_clone, bio);
		cl->io = NULL;
		cl->child = child;
		bio->bi_iter.bi_sector = sector;
		bio->bi_private = b;
		bio->bi_end_io = nexus_batch_endio;
		for (i = 0; i < n; i++) {
			get_page(pages[i]);
			__bio_add_page(bio, pages[i], PAGE_SIZE, 0);
		}
		set_bit(child->slot, &b->sent);
		atomic_inc(&child->batch_inflight);
		atomic_inc(&b->slot_pending[child->slot]);
		atomic_inc(&b->pending);
		refcount_inc(&b->ref);
		submit_bio_noacct(bio);
		sector += (sector_t)n << (PAGE_SHIFT - SECTOR_SHIFT);
		pages += n;
		nr -= n;
	}
}

/*
 * Wait for @b, at most the nexus's IO timeout, and let go of it.  Returns
 * the slots whose IO failed; @late gets the slots that had not answered.
 */
unsigned long nexus_batch_wait(struct nexus_vol *vol, struct nexus_batch *b,
			       unsigned long *late)
{
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(vol->io_timeout_ms));
	unsigned long failed;
	unsigned int slot;

	*late = 0;
	if (!atomic_dec_and_test(&b->pending) &&
	    !wait_for_completion_timeout(&b->done, timeout)) {
		for_each_set_bit(slot, &b->sent, NEXUS_MAX_CHILDREN)
			if (atomic_read(&b->slot_pending[slot]))
				*late |= BIT(slot);
	}
	failed = READ_ONCE(b->failed) & ~*late;
	nexus_batch_put(b);
	return failed;
}

/* Read the label of the child on @bdev: 0, -ENODATA (none) or -EUCLEAN. */
int nexus_label_read(struct block_device *bdev, struct nexus_label *out, const char **why)
{
	const char *why0, *why1;
	struct nexus_label *l;
	int slot, err;

	l = kvmalloc(NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE, GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	err = nexus_bdev_rw(bdev, 0, l, NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE, REQ_OP_READ);
	if (err) {
		*why = "cannot read the child's label";
		goto out_free;
	}
	slot = nexus_label_pick(&l[0], &l[1], bdev_nr_bytes(bdev), &why0, &why1);
	if (slot < 0) {
		bool none = le64_to_cpu(l[0].magic) != NEXUS_LABEL_MAGIC &&
			    le64_to_cpu(l[1].magic) != NEXUS_LABEL_MAGIC;

		*why = none ? "the device has no nexus label" : why0;
		err = none ? -ENODATA : -EUCLEAN;
		goto out_free;
	}
	memcpy(out, &l[slot], sizeof(*out));
out_free:
	kvfree(l);
	return err;
}

/* The label every child gets, but for child_uuid and slot. */
void nexus_vol_build_label(struct nexus_vol *vol, struct nexus_label *l)
{
	unsigned int slot;

	memset(l, 0, sizeof(*l));
	strscpy(l->name, vol->name, sizeof(l->name));
	export_uuid(l->nexus_uuid, &vol->uuid);
	l->size = cpu_to_le64(vol->size);
	l->data_offset = cpu_to_le64((u64)vol->data_offset << SECTOR_SHIFT);
	l->bitmap_offset = cpu_to_le64(NEXUS_LABEL_BITMAP_OFFSET);
	l->bitmap_chunk_shift = cpu_to_le32(vol->bm.chunk_shift);
	l->bitmap_bytes = cpu_to_le32(vol->bm.bytes);
	l->created = cpu_to_le64(vol->created);
	lockdep_assert_held(&vol->state_lock);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_label_member *m = &l->members[slot];
		struct nexus_child *c;

		c = rcu_dereference_protected(vol->children[slot],
					      lockdep_is_held(&vol->state_lock));
		if (!c)
			continue;
		export_uuid(m->uuid, &c->uuid);
		m->state = cpu_to_le32(c->state);
		m->reason = cpu_to_le32(c->reason);
		m->rebuild_offset = cpu_to_le64(c->rebuild_offset);
		m->fault_event = cpu_to_le64(c->fault_event);
		m->fault_time = cpu_to_le64(c->fault_time);
	}
}

/*
 * Write labels saying what the children's states are now, with a new
 * event, to every written child; fault those that fail it.  Then release
 * the IO that waited for these states to be on disk.  @clean: the nexus is
 * stopping cleanly and nothing will be written after this.
 *
 * Returns 0, or -EIO if no in-sync child took the label (the IO that
 * waited for it fails: the nexus cannot say any more who is in sync).
 */
int nexus_vol_persist(struct nexus_vol *vol, bool clean)
{
	struct nexus_label *tmpl;
	struct page *pages[NEXUS_MAX_CHILDREN] = {};
	unsigned long written, failed, late, synced;
	unsigned int slot, rounds = 0;
	u64 seq, event, start_ns;
	int err;

	tmpl = kmalloc(sizeof(*tmpl), GFP_NOIO);
	if (!tmpl) {
		nexus_vol_complete_deferred(vol, 0, BLK_STS_RESOURCE);
		return -ENOMEM;
	}
	mutex_lock(&vol->label_lock);
again:
	written = 0;
	synced = 0;
	event = vol->event + 1;
	spin_lock_irq(&vol->state_lock);
	seq = vol->label_seq;
	nexus_vol_build_label(vol, tmpl);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c;

		c = rcu_dereference_protected(vol->children[slot],
					      lockdep_is_held(&vol->state_lock));
		if (!c || !c->dev.bdev || !nexus_child_writable(c->state))
			continue;
		written |= BIT(slot);
		if (c->state == NEXUS_MEMBER_SYNCED)
			synced |= BIT(slot);
	}
	spin_unlock_irq(&vol->state_lock);

	tmpl->event = cpu_to_le64(event);
	tmpl->flags = cpu_to_le32(clean ? NEXUS_LABEL_CLEAN : 0);
	err = 0;
	if (written) {
		struct nexus_batch *b = nexus_batch_new();

		if (!b) {
			err = -ENOMEM;
			goto out_unlock;
		}
		/* Children stay while label_lock is held: removal takes it. */
		failed = 0;
		start_ns = ktime_get_ns();
		for_each_set_bit(slot, &written, NEXUS_MAX_CHILDREN) {
			struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);
			struct nexus_label *l;

			pages[slot] = alloc_page(GFP_NOIO);
			if (!pages[slot]) {
				failed |= BIT(slot);
				continue;
			}
			l = page_address(pages[slot]);
			memcpy(l, tmpl, sizeof(*l));
			export_uuid(l->child_uuid, &c->uuid);
			nexus_label_seal(l, event & 1);
			nexus_batch_add(b, c, NEXUS_LABEL_WRITE, (event & 1) * NEXUS_LABEL_SECTORS,
					&pages[slot], 1);
		}
		failed |= nexus_batch_wait(vol, b, &late);
		trace_nexus_label_write(vol, event, written, failed | late,
					ktime_get_ns() - start_ns);
		for_each_set_bit(slot, &written, NEXUS_MAX_CHILDREN) {
			struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);

			if (pages[slot])
				put_page(pages[slot]);
			pages[slot] = NULL;
			if (!(failed & BIT(slot)) && !(late & BIT(slot)))
				continue;
			pr_warn("%s: child %pUb: label write %s\n", vol->name, &c->uuid,
				(late & BIT(slot)) ? "timed out" : "failed");
			nexus_child_fault(c, (late & BIT(slot)) ? NEXUS_FAULT_TIMED_OUT :
					  NEXUS_FAULT_LABEL);
		}
		/* Each round a new event: a late label of this one must lose. */
		vol->event = event;
		if (!(synced & ~(failed | late)))
			err = -EIO;
		else if (READ_ONCE(vol->label_seq) != seq && ++rounds < NEXUS_MAX_CHILDREN)
			goto again;	/* children were faulted: say so */
	}
	vol->event = event;
	vol->clean = clean;
out_unlock:
	mutex_unlock(&vol->label_lock);
	kfree(tmpl);
	if (err)
		pr_err("%s: cannot write the labels to any in-sync child: IO fails\n",
		       vol->name);
	nexus_vol_complete_deferred(vol, seq, err ? BLK_STS_IOERR : BLK_STS_OK);
	return err;
}

void nexus_vol_label_work(struct work_struct *work)
{
	struct nexus_vol *vol = container_of(work, struct nexus_vol, label_work);
	unsigned int slot;
	int srcu_idx;

	/* After a stop's last (clean) label, nothing may be written. */
	if (READ_ONCE(vol->dead))
		return;
	nexus_vol_persist(vol, false);

	/* Tell listeners which children changed state. */
	srcu_idx = srcu_read_lock(&vol->io_srcu);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);
		u8 state;

		if (!c)
			continue;
		spin_lock_irq(&vol->state_lock);
		state = c->state;
		if (state == c->reported_state) {
			spin_unlock_irq(&vol->state_lock);
			continue;
		}
		c->reported_state = state;
		spin_unlock_irq(&vol->state_lock);
		if (state == NEXUS_MEMBER_FAULTED)
			nexus_nl_vol_notify(vol, NEXUS_EVENT_CHILD_FAULTED, c);
	}
	srcu_read_unlock(&vol->io_srcu, srcu_idx);
}

/* Erase @child's label, so that it is no member of anything any more. */
int nexus_child_wipe_label(struct nexus_child *child)
{
	void *zero;
	int err;

	zero = kzalloc(NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE, GFP_KERNEL);
	if (!zero)
		return -ENOMEM;
	err = nexus_bdev_rw(child->dev.bdev, 0, zero, NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE,
			    REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_SYNC);
	kfree(zero);
	return err;
}
