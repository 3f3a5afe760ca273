// SPDX-License-Identifier: GPL-2.0
/*
 * The nexus IO path.
 *
 * Each blk-mq request is one struct nexus_io.  Writes, write-zeroes,
 * discards and flushes go to every written child (in sync or being
 * rebuilt): a write first enters the rebuild range barrier
 * (vol_rebuild.c), then has its bitmap chunks made durable
 * (vol_bitmap.c); either may park it, and whoever unparks it carries on.
 * Each bio of the request is cloned to each child, shifted by the data
 * offset.  The request completes when every clone has answered:
 *
 *   - children that failed are faulted (vol_child.c); the request succeeds
 *     if a child that was in sync when it was sent took it and no fault
 *     was refused (the last in-sync child is never faulted: its error is
 *     the request's);
 *   - a successful write waits until every child state change made so far
 *     is in the labels (vol_label.c), so that no acknowledged write can be
 *     missing from a child that assembly would believe in sync.
 *
 * A read goes to one in-sync child picked by the read policy; if it fails
 * and another in-sync child is left, the child is faulted and the read is
 * sent again, from a work item, to the next one.
 *
 * The watchdog faults a child that has had IO outstanding and completed
 * none for the nexus's IO timeout.  Its clones are still waited for (they
 * point at the request's pages); the lower layer bounds that wait: remote
 * children are connected with a short fast_io_fail_tmo, and the nexus
 * sends REQ_FAILFAST_* when another in-sync child could take over.
 *
 * Children are found in vol->children inside the io_srcu section each
 * request holds from queue_rq to its end (nexus_io_child()).  A child
 * being removed leaves its slot NULL before that section ends: a request
 * reads each slot once to send, and at completion a NULL slot is a child
 * removed meanwhile (already out of the nexus: nothing to fault).
 */
#include <linux/blk-mq.h>
#include <linux/sched/clock.h>

#include "nexus.h"
#include "nexus_trace.h"

/*
 * Time stamps of the latency statistics come from local_clock() (the
 * scheduler's clock: the TSC on x86), not ktime_get_ns().  Statistics need
 * no clock shared by every CPU, and reading the clocksource can be dear:
 * where the TSC is not trusted (HPET, as under emulation) each read is a
 * device access, and the block layer already makes several per request.
 * An IO may end on another CPU than it started on, whose clock can be a
 * little behind: such an IO counts as taking no time.
 */
static u64 nexus_since(u64 start)
{
	u64 now = local_clock();

	return now > start ? now - start : 0;
}

/* @slot's child, for an IO inside its io_srcu section. */
static struct nexus_child *nexus_io_child(struct nexus_io *io, unsigned int slot)
{
	/* The section was entered by nexus_srcu_down_read(): not lockdep's. */
	return rcu_dereference_protected(io->vol->children[slot], 1);
}

static void nexus_stats_add(struct nexus_stats __percpu *pcpu, enum req_op op, u32 bytes,
			    u64 ns, blk_status_t status)
{
	struct nexus_stats *s = get_cpu_ptr(pcpu);

	switch (op) {
	case REQ_OP_READ:
		s->read_ops++;
		s->read_bytes += bytes;
		s->read_ns += ns;
		break;
	case REQ_OP_WRITE:
		if (!bytes) {		/* an empty flush */
			s->flush_ops++;
			break;
		}
		s->write_ops++;
		s->write_bytes += bytes;
		s->write_ns += ns;
		break;
	case REQ_OP_FLUSH:
		s->flush_ops++;
		break;
	default:
		s->discard_ops++;
		s->discard_bytes += bytes;
		break;
	}
	if (status)
		s->errors++;
	put_cpu_ptr(pcpu);
}

void nexus_child_account(struct nexus_child *child, enum req_op op, u32 bytes, u64 ns,
			 blk_status_t status)
{
	nexus_stats_add(child->stats, op, bytes, ns, status);
}

void nexus_io_end(struct nexus_io *io, blk_status_t status)
{
	struct request *rq = blk_mq_rq_from_pdu(io);
	struct nexus_vol *vol = io->vol;

	if (io->bitmap_held)
		nexus_bitmap_end(vol, io);
	if (io->barrier_held)
		nexus_barrier_exit(vol, io);
	nexus_stats_add(vol->stats, req_op(rq), blk_rq_bytes(rq),
			nexus_since(io->start_ns), status);
	nexus_srcu_up_read(&vol->io_srcu, io->srcu_idx);
	blk_mq_end_request(rq, status);
}

static void nexus_io_done(struct nexus_io *io);

static void nexus_io_put(struct nexus_io *io)
{
	if (atomic_dec_and_test(&io->pending))
		nexus_io_done(io);
}

static void nexus_clone_endio(struct bio *bio)
{
	struct nexus_clone *cl = container_of(bio, struct nexus_clone, bio);
	struct nexus_io *io = cl->io;
	struct nexus_child *child = cl->child;

	if (bio->bi_status) {
		trace_nexus_child_io_error(child, bio->bi_opf, cl->sector, cl->bytes,
					   bio->bi_status);
		set_bit(child->slot, &io->failed);
		WRITE_ONCE(io->status, bio->bi_status);
	}
	nexus_child_account(child, bio_op(bio), cl->bytes, nexus_since(cl->start_ns),
			    bio->bi_status);
	atomic_dec(&child->inflight);
	atomic64_inc(&child->completed);
	bio_put(bio);
	nexus_io_put(io);
}

static void nexus_clone_submit(struct nexus_io *io, struct nexus_child *child,
			       struct bio *clone)
{
	struct nexus_clone *cl = container_of(clone, struct nexus_clone, bio);

	cl->io = io;
	cl->child = child;
	cl->sector = clone->bi_iter.bi_sector;
	cl->bytes = clone->bi_iter.bi_size;
	cl->start_ns = local_clock();
	clone->bi_end_io = nexus_clone_endio;
	clone->bi_private = io;
	atomic_inc(&io->pending);
	atomic_inc(&child->inflight);
	submit_bio_noacct(clone);
}

/* Clone every bio of @io's request to @child. */
static void nexus_io_send(struct nexus_io *io, struct nexus_child *child, blk_opf_t extra)
{
	struct request *rq = blk_mq_rq_from_pdu(io);
	struct nexus_vol *vol = io->vol;
	struct bio *bio, *clone;

	if (req_op(rq) == REQ_OP_FLUSH) {
		clone = bio_alloc_bioset(child->dev.bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH | extra,
					 GFP_NOIO, &vol->bs);
		nexus_clone_submit(io, child, clone);
		return;
	}
	__rq_for_each_bio(bio, rq) {
		clone = bio_alloc_clone(child->dev.bdev, bio, GFP_NOIO, &vol->bs);
		clone->bi_iter.bi_sector += vol->data_offset;
		/* The nexus may wait for its children: they must not say AGAIN. */
		clone->bi_opf &= ~REQ_NOWAIT;
		clone->bi_opf |= extra;
		nexus_clone_submit(io, child, clone);
	}
}

/* Failfast: let the child's driver give up early when another can take it. */
#define NEXUS_FAILFAST	(REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT)

/* Send a write, write-zeroes, discard or flush to every written child. */
void nexus_io_write_send(struct nexus_io *io)
{
	struct nexus_child *kids[NEXUS_MAX_CHILDREN];
	unsigned long targets, synced;
	unsigned int slot;

	targets = nexus_vol_written(io->vol, &synced, kids);
	if (!synced) {
		nexus_io_end(io, BLK_STS_IOERR);	/* no child in sync: faulted */
		return;
	}
	io->targets = targets;
	io->synced = synced;
	atomic_set(&io->pending, 1);
	for_each_set_bit(slot, &targets, NEXUS_MAX_CHILDREN)
		nexus_io_send(io, kids[slot], hweight_long(synced) > 1 ? NEXUS_FAILFAST : 0);
	nexus_io_put(io);
}

/*
 * Start a write: range barrier, then bitmap, then send.  Also where a
 * write parked on the barrier starts again.
 */
void nexus_io_write_start(struct nexus_io *io)
{
	struct request *rq = blk_mq_rq_from_pdu(io);
	sector_t pos = blk_rq_pos(rq), sectors = blk_rq_sectors(rq);

	if (!io->barrier_held && !nexus_barrier_enter(io->vol, io, pos, sectors))
		return;		/* parked: the rebuild starts it again */
	if (!io->bitmap_held) {
		io->bitmap_held = true;
		if (!nexus_bitmap_start(io->vol, io, pos, sectors))
			return;	/* parked: the bitmap writer sends it */
	}
	nexus_io_write_send(io);
}

static bool nexus_read_candidate(struct nexus_io *io, struct nexus_child *c)
{
	return c && c->dev.bdev && READ_ONCE(c->state) == NEXUS_MEMBER_SYNCED &&
	       !(io->tried & BIT(c->slot));
}

/* The child a read goes to, by the nexus's read policy; NULL if none. */
static struct nexus_child *nexus_read_pick(struct nexus_io *io, unsigned int *others)
{
	struct nexus_vol *vol = io->vol;
	u8 policy = READ_ONCE(vol->read_policy);
	struct nexus_child *cand[NEXUS_MAX_CHILDREN], *best = NULL;
	unsigned int n = 0, i, start, best_load = UINT_MAX;
	bool best_local = false;

	for (i = 0; i < NEXUS_MAX_CHILDREN; i++) {
		struct nexus_child *c = nexus_io_child(io, i);

		if (nexus_read_candidate(io, c))
			cand[n++] = c;
	}
	*others = n ? n - 1 : 0;
	if (!n)
		return NULL;
	start = (unsigned int)atomic_inc_return(&vol->read_rr);
	if (policy == NEXUS_READ_ROUND_ROBIN)
		return cand[start % n];
	/* Fewest clones in flight, local ones first if asked; ties rotate. */
	for (i = 0; i < n; i++) {
		struct nexus_child *c = cand[(start + i) % n];
		unsigned int load = atomic_read(&c->inflight);
		bool local = policy == NEXUS_READ_LOCAL_FIRST && c->local;

		if (!best || (local && !best_local) ||
		    (local == best_local && load < best_load)) {
			best = c;
			best_load = load;
			best_local = local;
		}
	}
	return best;
}

static void nexus_io_read_send(struct nexus_io *io)
{
	struct nexus_child *child;
	unsigned int others;

	child = nexus_read_pick(io, &others);
	if (!child) {
		nexus_io_end(io, io->status ? io->status : BLK_STS_IOERR);
		return;
	}
	io->tried |= BIT(child->slot);
	io->targets = BIT(child->slot);
	io->synced = io->targets;
	io->failed = 0;
	atomic_set(&io->pending, 1);
	nexus_io_send(io, child, others ? NEXUS_FAILFAST : 0);
	nexus_io_put(io);
}

static u8 nexus_fault_reason(blk_status_t status)
{
	return status == BLK_STS_NOSPC ? NEXUS_FAULT_NO_SPACE : NEXUS_FAULT_IO_ERROR;
}

static void nexus_io_read_done(struct nexus_io *io)
{
	struct request *rq = blk_mq_rq_from_pdu(io);
	struct nexus_vol *vol = io->vol;
	struct nexus_child *child;
	unsigned long flags;

	if (!io->failed) {
		nexus_io_end(io, BLK_STS_OK);
		return;
	}
	child = nexus_io_child(io, __ffs(io->targets));
	/* The last in-sync child is not faulted: the read fails. */
	if (child && nexus_child_fault(child, nexus_fault_reason(io->status))) {
		nexus_io_end(io, io->status);
		return;
	}
	if (child)
		trace_nexus_read_retry(child, blk_rq_pos(rq), blk_rq_bytes(rq),
				       blk_status_to_errno(io->status));
	spin_lock_irqsave(&vol->state_lock, flags);
	list_add_tail(&io->list, &vol->retry);
	spin_unlock_irqrestore(&vol->state_lock, flags);
	queue_work(vol->wq, &vol->retry_work);
}

static void nexus_io_write_done(struct nexus_io *io)
{
	struct nexus_vol *vol = io->vol;
	unsigned long failed = READ_ONCE(io->failed), flags;
	bool refused = false;
	unsigned int slot;

	for_each_set_bit(slot, &failed, NEXUS_MAX_CHILDREN) {
		struct nexus_child *c = nexus_io_child(io, slot);

		if (c && nexus_child_fault(c, nexus_fault_reason(io->status)))
			refused = true;
	}
	if (refused || !(io->synced & ~failed)) {
		nexus_io_end(io, io->status ? io->status : BLK_STS_IOERR);
		return;
	}
	/* Acknowledge only once every state change made so far is on disk. */
	smp_rmb();
	if (likely(READ_ONCE(vol->label_done) >= READ_ONCE(vol->label_seq))) {
		nexus_io_end(io, BLK_STS_OK);
		return;
	}
	spin_lock_irqsave(&vol->state_lock, flags);
	if (vol->label_done >= vol->label_seq) {
		spin_unlock_irqrestore(&vol->state_lock, flags);
		nexus_io_end(io, BLK_STS_OK);
		return;
	}
	io->seq = vol->label_seq;
	io->result = BLK_STS_OK;
	list_add_tail(&io->list, &vol->deferred);
	spin_unlock_irqrestore(&vol->state_lock, flags);
	queue_work(vol->wq, &vol->label_work);
}

static void nexus_io_done(struct nexus_io *io)
{
	if (req_op(blk_mq_rq_from_pdu(io)) == REQ_OP_READ)
		nexus_io_read_done(io);
	else
		nexus_io_write_done(io);
}

/*
 * End the deferred writes whose state changes are now on disk (@done), or,
 * if the labels could not be written (@status), fail them all: label_done
 * then stays where it was, so that later writes wait for a label write that
 * works (md blocks writes until its superblock is written, likewise).
 */
void nexus_vol_complete_deferred(struct nexus_vol *vol, u64 done, blk_status_t status)
{
	struct nexus_io *io, *next;
	LIST_HEAD(ready);

	spin_lock_irq(&vol->state_lock);
	if (!status && done > vol->label_done)
		vol->label_done = done;
	list_for_each_entry_safe(io, next, &vol->deferred, list)
		if (io->seq <= vol->label_done || status)
			list_move_tail(&io->list, &ready);
	spin_unlock_irq(&vol->state_lock);
	list_for_each_entry_safe(io, next, &ready, list) {
		list_del_init(&io->list);
		nexus_io_end(io, status ? status : io->result);
	}
}

/* Reads to send to another child. */
void nexus_vol_retry_work(struct work_struct *work)
{
	struct nexus_vol *vol = container_of(work, struct nexus_vol, retry_work);
	struct nexus_io *io, *next;
	LIST_HEAD(list);

	spin_lock_irq(&vol->state_lock);
	list_splice_init(&vol->retry, &list);
	spin_unlock_irq(&vol->state_lock);
	list_for_each_entry_safe(io, next, &list, list) {
		list_del_init(&io->list);
		nexus_io_read_send(io);
	}
}

/*
 * Fault children that have had IO outstanding and completed none for the
 * IO timeout.  Runs every NEXUS_WATCHDOG_MS while the nexus lives.
 */
void nexus_vol_watchdog(struct work_struct *work)
{
	struct nexus_vol *vol = container_of(to_delayed_work(work), struct nexus_vol, watchdog);
	u32 timeout = READ_ONCE(vol->io_timeout_ms);
	unsigned int slot;
	int idx;

	idx = srcu_read_lock(&vol->io_srcu);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = srcu_dereference(vol->children[slot], &vol->io_srcu);
		u64 done;

		if (!c || !c->dev.bdev)
			continue;
		done = atomic64_read(&c->completed);
		if (!atomic_read(&c->inflight) || done != c->wd_completed) {
			c->wd_completed = done;
			c->wd_stalled_ms = 0;
			continue;
		}
		c->wd_stalled_ms += NEXUS_WATCHDOG_MS;
		if (c->wd_stalled_ms < timeout || READ_ONCE(c->state) == NEXUS_MEMBER_FAULTED)
			continue;
		if (nexus_child_fault(c, NEXUS_FAULT_TIMED_OUT))
			pr_warn_ratelimited("%s: last in-sync child %pUb has not answered for %u ms\n",
					    vol->name, &c->uuid, c->wd_stalled_ms);
		else
			pr_warn("%s: child %pUb answered nothing for %u ms: faulted\n",
				vol->name, &c->uuid, c->wd_stalled_ms);
	}
	srcu_read_unlock(&vol->io_srcu, idx);
	if (!READ_ONCE(vol->stopping))
		queue_delayed_work(vol->wq, &vol->watchdog, msecs_to_jiffies(NEXUS_WATCHDOG_MS));
}

/* Send a started request to the children. */
static void nexus_io_dispatch(struct nexus_io *io)
{
	switch (req_op(blk_mq_rq_from_pdu(io))) {
	case REQ_OP_READ:
		nexus_io_read_send(io);
		break;
	case REQ_OP_FLUSH:
		nexus_io_write_send(io);
		break;
	case REQ_OP_WRITE:
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_DISCARD:
		nexus_io_write_start(io);
		break;
	default:
		nexus_io_end(io, BLK_STS_NOTSUPP);
		break;
	}
}

/*
 * Send a request to the children under a plug of their own, the caller's
 * (if any) hidden meanwhile: the children's requests are batched as they
 * would be under the caller's, and flushed before we return, or whenever
 * a child submission sleeps.
 */
static void nexus_io_dispatch_plugged(struct nexus_io *io)
{
	struct blk_plug *caller = nexus_plug_hide();
	struct blk_plug plug;

	blk_start_plug(&plug);
	nexus_io_dispatch(io);
	blk_finish_plug(&plug);
	nexus_plug_restore(caller);
}

/* Requests that came inside submit_bio() with a plug (nexus_queue_rq). */
void nexus_vol_plugged_work(struct work_struct *work)
{
	struct nexus_vol *vol = container_of(work, struct nexus_vol, plugged_work);
	struct nexus_io *io, *next;
	struct blk_plug plug;
	LIST_HEAD(list);

	spin_lock_irq(&vol->state_lock);
	list_splice_init(&vol->plugged, &list);
	spin_unlock_irq(&vol->state_lock);
	blk_start_plug(&plug);
	list_for_each_entry_safe(io, next, &list, list) {
		list_del_init(&io->list);
		nexus_io_dispatch(io);
	}
	blk_finish_plug(&plug);
}

static blk_status_t nexus_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct nexus_io *io = blk_mq_rq_to_pdu(rq);
	struct nexus_vol *vol = hctx->queue->queuedata;

	io->vol = vol;
	INIT_LIST_HEAD(&io->list);
	io->targets = 0;
	io->synced = 0;
	io->failed = 0;
	io->tried = 0;
	io->status = BLK_STS_OK;
	io->result = BLK_STS_OK;
	io->barrier_held = false;
	io->bitmap_held = false;
	io->start_ns = local_clock();
	blk_mq_start_request(rq);
	io->srcu_idx = nexus_srcu_down_read(&vol->io_srcu);

	/*
	 * Called with a plug, we may be inside blk_finish_plug() walking that
	 * plug's list (blk_mq_plug_issue_direct): a child's request must not
	 * join the list being walked, so the children get a plug of their own
	 * (nexus_io_dispatch_plugged).  Inside submit_bio() (a full plug
	 * flushed) the children's bios would wait on current->bio_list and
	 * land in the caller's plug all the same, where a child submission
	 * that sleeps (writeback throttling, no free tag) could wait for them
	 * with nobody to flush it: those requests are sent from kblockd.  (md
	 * and dm never meet this: they are bio based.)
	 */
	if (current->plug && current->bio_list) {
		spin_lock_irq(&vol->state_lock);
		list_add_tail(&io->list, &vol->plugged);
		spin_unlock_irq(&vol->state_lock);
		kblockd_schedule_work(&vol->plugged_work);
		return BLK_STS_OK;
	}
	nexus_io_dispatch_plugged(io);
	return BLK_STS_OK;
}

/*
 * The nexus's flush machinery completes its requests from inside a child's
 * (a child's flush ends, its clone ends, the nexus request ends): its flush
 * queue lock gets a class of its own, as nvme-loop's does, or lockdep takes
 * the two queues' locks for one taken twice.
 */
static struct lock_class_key nexus_fq_lock_key;

static int nexus_init_hctx(struct blk_mq_hw_ctx *hctx, void *data, unsigned int index)
{
	blk_mq_hctx_set_fq_lock_class(hctx, &nexus_fq_lock_key);
	return 0;
}

const struct blk_mq_ops nexus_vol_mq_ops = {
	.queue_rq = nexus_queue_rq,
	.init_hctx = nexus_init_hctx,
};
