// SPDX-License-Identifier: GPL-2.0
/*
 * Freezing a nexus: the building block of volume snapshots.
 *
 * Freeze drains the nexus (the queue freeze waits for every request in
 * flight, at most the freeze timeout; the children have completed each
 * one), flushes every child that is written to, and holds new IO:
 * submitters wait in the block layer's queue entry until the thaw.  Nothing on the children changes
 * meanwhile but the nexus's own labels and bitmap, so a snapshot of each
 * child taken now holds the same volume data, and every write the nexus
 * completed before the freeze, durably.
 *
 * A frozen nexus thaws on command, or by itself when the timeout given at
 * the freeze runs out (default NEXUS_FREEZE_TIMEOUT_MS_DEFAULT, 30 s): an
 * orchestrator that dies between freeze and thaw cannot hang the volume's
 * users for ever.  Stopping the nexus thaws it too.
 *
 * Locking: vol->freeze_lock guards frozen and frozen_until, and is taken
 * inside vol->lock (commands) or alone (the timeout's work item), so that
 * stop can wait for that work while it holds vol->lock.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>

#include "nexus.h"

/* Unfreeze @vol if frozen; true if it was.  freeze_lock held. */
static bool nexus_vol_unfreeze(struct nexus_vol *vol)
{
	lockdep_assert_held(&vol->freeze_lock);
	if (!vol->frozen)
		return false;
	vol->frozen = false;
	nexus_unfreeze_queue(vol->disk->queue);
	return true;
}

/* The timeout ran out and nobody thawed the nexus. */
void nexus_vol_thaw_work(struct work_struct *work)
{
	struct nexus_vol *vol = container_of(to_delayed_work(work), struct nexus_vol,
					     thaw_work);
	bool thawed;

	mutex_lock(&vol->freeze_lock);
	thawed = nexus_vol_unfreeze(vol);
	mutex_unlock(&vol->freeze_lock);
	if (thawed) {
		pr_warn("%s: thawed after the freeze timeout: nobody thawed it\n", vol->name);
		nexus_nl_vol_notify(vol, NEXUS_EVENT_THAWED, NULL);
	}
}

/* Flush every child the nexus writes to; the first error. */
static int nexus_vol_flush_children(struct nexus_vol *vol, struct netlink_ext_ack *extack)
{
	unsigned int slot;
	int err;

	lockdep_assert_held(&vol->lock);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = nexus_vol_child(vol, slot);

		if (!c || !c->dev.bdev || !nexus_child_writable(READ_ONCE(c->state)))
			continue;
		err = blkdev_issue_flush(c->dev.bdev);
		if (err) {
			nexus_set_err_msg_fmt(extack, "a child failed its cache flush",
					      "child %pUb failed its cache flush", &c->uuid);
			return err;
		}
	}
	return 0;
}

/**
 * nexus_vol_freeze() - drain a nexus, flush its children, hold its IO
 * @vol: the nexus, vol->lock held
 * @timeout_ms: thaw by itself after this long; 0 for the default
 * @extack: why not
 *
 * Return: 0, or a negative errno with the nexus not frozen.
 */
int nexus_vol_freeze(struct nexus_vol *vol, u32 timeout_ms, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&vol->lock);
	if (!timeout_ms)
		timeout_ms = NEXUS_FREEZE_TIMEOUT_MS_DEFAULT;
	mutex_lock(&vol->freeze_lock);
	if (vol->frozen) {
		NL_SET_ERR_MSG(extack, "the nexus is frozen already");
		err = -EALREADY;
		goto out_unlock;
	}
	/* A child that hangs must not hold every command on nexuses for ever. */
	nexus_freeze_queue_start(vol->disk->queue);
	vol->frozen = true;
	if (blk_mq_freeze_queue_wait_timeout(vol->disk->queue,
					     msecs_to_jiffies(timeout_ms)) <= 0) {
		NL_SET_ERR_MSG(extack, "the nexus did not drain within the freeze timeout");
		nexus_vol_unfreeze(vol);
		err = -ETIMEDOUT;
		goto out_unlock;
	}
	err = nexus_vol_flush_children(vol, extack);
	if (err) {
		nexus_vol_unfreeze(vol);
		goto out_unlock;
	}
	vol->frozen_until = ktime_get_real_seconds() + DIV_ROUND_UP(timeout_ms, MSEC_PER_SEC);
	mod_delayed_work(system_wq, &vol->thaw_work, msecs_to_jiffies(timeout_ms));
out_unlock:
	mutex_unlock(&vol->freeze_lock);
	if (!err)
		nexus_nl_vol_notify(vol, NEXUS_EVENT_FROZEN, NULL);
	return err;
}

/* Let the IO of @vol go again.  vol->lock held. */
int nexus_vol_thaw(struct nexus_vol *vol, struct netlink_ext_ack *extack)
{
	bool thawed;

	lockdep_assert_held(&vol->lock);
	mutex_lock(&vol->freeze_lock);
	thawed = nexus_vol_unfreeze(vol);
	mutex_unlock(&vol->freeze_lock);
	if (!thawed) {
		NL_SET_ERR_MSG(extack, "the nexus is not frozen");
		return -EINVAL;
	}
	/*
	 * Wait for the work item if it runs now (it finds the nexus thawed):
	 * left to run later, it could thaw the next freeze.
	 */
	cancel_delayed_work_sync(&vol->thaw_work);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_THAWED, NULL);
	return 0;
}

/* Stop: thaw, and make sure the timeout's work item is over.  vol->lock held. */
void nexus_vol_freeze_stop(struct nexus_vol *vol)
{
	lockdep_assert_held(&vol->lock);
	mutex_lock(&vol->freeze_lock);
	nexus_vol_unfreeze(vol);
	mutex_unlock(&vol->freeze_lock);
	cancel_delayed_work_sync(&vol->thaw_work);
}

/* Seconds since the epoch when @vol thaws by itself, 0 if not frozen. */
u64 nexus_vol_frozen_until(struct nexus_vol *vol)
{
	u64 until;

	mutex_lock(&vol->freeze_lock);
	until = vol->frozen ? vol->frozen_until : 0;
	mutex_unlock(&vol->freeze_lock);
	return until;
}
