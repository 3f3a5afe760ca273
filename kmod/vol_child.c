// SPDX-License-Identifier: GPL-2.0
/*
 * Children of a nexus: opening them, their states, and the admin
 * operations on them (add, remove, fault, online).
 *
 * States (enum nexus_member_state, the same in memory and in the labels):
 *
 *   SYNCED   read and written; holds the volume's data.
 *   REBUILD  written, never read; a rebuild copies what it lacks.
 *   FAULTED  neither read nor written; reason says why.
 *
 *   add:             (new) -> REBUILD, full rebuild
 *   IO error/timeout: SYNCED or REBUILD -> FAULTED, unless it is the last
 *                    SYNCED child (refused: the IO fails instead)
 *   online:          FAULTED -> REBUILD, partial rebuild if it was in sync
 *   rebuild done:    REBUILD -> SYNCED
 *
 * Every change bumps vol->label_seq under vol->state_lock and is then
 * written to the labels (vol_label.c).  The children table changes under
 * vol->lock, vol->label_lock and vol->state_lock together, so that each of
 * them is enough to read it.
 */
#include <linux/blkdev.h>
#include <linux/kobject.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nexus.h"
#include "nexus_trace.h"

struct nexus_child *nexus_child_find(struct nexus_vol *vol, const u8 *uuid)
{
	unsigned int slot;

	lockdep_assert_held(&vol->lock);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c && !memcmp(c->uuid.b, uuid, 16))
			return c;
	}
	return NULL;
}

/*
 * /sys/block/nexusN/children/<slot>/: what a child is and how it is, one
 * value per file.  The kobject only points at the child; it is deleted
 * (which waits for readers) before the child is freed.
 */
struct nexus_child_kobj {
	struct kobject kobj;
	struct nexus_child *child;
};

static struct nexus_child *nexus_kobj_child(struct kobject *kobj)
{
	return container_of(kobj, struct nexus_child_kobj, kobj)->child;
}

static ssize_t uuid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pUb\n", &nexus_kobj_child(kobj)->uuid);
}

static ssize_t device_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", nexus_kobj_child(kobj)->path);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  nexus_member_state_name(READ_ONCE(nexus_kobj_child(kobj)->state)));
}

static ssize_t reason_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  nexus_fault_reason_name(READ_ONCE(nexus_kobj_child(kobj)->reason)));
}

static ssize_t rebuild_done_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(nexus_kobj_child(kobj)->rstat.done));
}

static ssize_t rebuild_total_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(nexus_kobj_child(kobj)->rstat.total));
}

static struct kobj_attribute nexus_child_attr_uuid = __ATTR_RO(uuid);
static struct kobj_attribute nexus_child_attr_device = __ATTR_RO(device);
static struct kobj_attribute nexus_child_attr_state = __ATTR_RO(state);
static struct kobj_attribute nexus_child_attr_reason = __ATTR_RO(reason);
static struct kobj_attribute nexus_child_attr_rebuild_done = __ATTR_RO(rebuild_done);
static struct kobj_attribute nexus_child_attr_rebuild_total = __ATTR_RO(rebuild_total);

static struct attribute *nexus_child_attrs[] = {
	&nexus_child_attr_uuid.attr,
	&nexus_child_attr_device.attr,
	&nexus_child_attr_state.attr,
	&nexus_child_attr_reason.attr,
	&nexus_child_attr_rebuild_done.attr,
	&nexus_child_attr_rebuild_total.attr,
	NULL,
};
ATTRIBUTE_GROUPS(nexus_child);

static void nexus_child_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct nexus_child_kobj, kobj));
}

static const struct kobj_type nexus_child_ktype = {
	.release = nexus_child_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = nexus_child_groups,
};

/* Show @child under the nexus's children directory (none yet: no-op). */
void nexus_child_sysfs_add(struct nexus_child *child)
{
	struct nexus_vol *vol = child->vol;
	struct nexus_child_kobj *ck;

	if (!vol->children_kobj || child->kobj)
		return;
	ck = kzalloc(sizeof(*ck), GFP_KERNEL);
	if (!ck)
		goto out_warn;
	ck->child = child;
	if (kobject_init_and_add(&ck->kobj, &nexus_child_ktype, vol->children_kobj, "%u",
				 child->slot)) {
		kobject_put(&ck->kobj);
		goto out_warn;
	}
	child->kobj = &ck->kobj;
	return;

out_warn:
	pr_warn("%s: child %pUb has no sysfs directory\n", vol->name, &child->uuid);
}

/* Take @child's directory away; readers in it are waited for. */
void nexus_child_sysfs_del(struct nexus_child *child)
{
	if (!child->kobj)
		return;
	kobject_del(child->kobj);
	kobject_put(child->kobj);
	child->kobj = NULL;
}

void nexus_child_free(struct nexus_child *child)
{
	nexus_child_sysfs_del(child);
	nexus_batch_drain(child);
	if (child->dev.bdev)
		nexus_bdev_close(&child->dev);
	free_percpu(child->stats);
	kfree(child);
}

/* Open @path for a child of @vol into @dev; the extack says why not. */
static int nexus_child_open_dev(struct nexus_vol *vol, struct nexus_bdev *dev,
				const char *path, struct netlink_ext_ack *extack)
{
	int err;

	err = nexus_bdev_open(dev, path, vol);
	if (err == -EBUSY) {
		NL_SET_ERR_MSG(extack,
			       "the child device is in use (mounted, or held by another driver or nexus)");
		return err;
	}
	if (err) {
		nexus_set_err_msg_fmt(extack, "cannot open the child device",
				      "cannot open the child device %s: error %d", path, err);
		return err;
	}
	return 0;
}

/*
 * Is the child on @bdev fit to hold the volume of @vol (size, block size,
 * the discard and write-zeroes support the nexus advertises), and no other
 * child's device?  @self: the child @bdev is for when it is a member
 * already (online with a new path), else NULL.
 */
static int nexus_child_fits(struct nexus_vol *vol, const struct nexus_child *self,
			    struct block_device *bdev, struct netlink_ext_ack *extack)
{
	struct queue_limits *lim;
	unsigned int slot;

	if (bdev_nr_bytes(bdev) < ((u64)vol->data_offset << SECTOR_SHIFT) + vol->size) {
		NL_SET_ERR_MSG(extack,
			       "the child is smaller than the volume needs (size + data offset)");
		return -ENOSPC;
	}
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c && c != self && c->dev.bdev == bdev) {
			NL_SET_ERR_MSG(extack, "the device is a child of this nexus already");
			return -EEXIST;
		}
	}
	if (!vol->disk)
		return 0;
	lim = &vol->disk->queue->limits;
	if (bdev_logical_block_size(bdev) > lim->logical_block_size) {
		NL_SET_ERR_MSG(extack, "the child's logical block size is larger than the nexus's");
		return -EINVAL;
	}
	if (lim->max_discard_sectors && !bdev_max_discard_sectors(bdev)) {
		NL_SET_ERR_MSG(extack, "the child cannot discard, which the nexus advertises");
		return -EOPNOTSUPP;
	}
	if (lim->max_write_zeroes_sectors && !bdev_write_zeroes_sectors(bdev)) {
		NL_SET_ERR_MSG(extack, "the child cannot write zeroes, which the nexus advertises");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* A child for @spec in @slot, opened (or, with no path, missing). */
struct nexus_child *nexus_child_open(struct nexus_vol *vol, const struct nexus_child_spec *spec,
				     unsigned int slot, struct netlink_ext_ack *extack)
{
	struct nexus_child *child;
	int err;

	child = kzalloc(sizeof(*child), GFP_KERNEL);
	if (!child)
		goto out_nomem;
	child->stats = alloc_percpu(struct nexus_stats);
	if (!child->stats)
		goto out_free_child;
	child->vol = vol;
	child->slot = slot;
	if (spec->uuid)
		import_uuid(&child->uuid, spec->uuid);
	else
		uuid_gen(&child->uuid);
	child->local = spec->local;
	if (spec->uri)
		strscpy(child->uri, spec->uri, sizeof(child->uri));
	if (spec->path) {
		err = nexus_child_open_dev(vol, &child->dev, spec->path, extack);
		if (err)
			goto out_free_stats;
		err = nexus_child_fits(vol, NULL, child->dev.bdev, extack);
		if (err)
			goto out_close;
		strscpy(child->path, spec->path, sizeof(child->path));
	}
	return child;

out_close:
	nexus_bdev_close(&child->dev);
out_free_stats:
	free_percpu(child->stats);
	kfree(child);
	return ERR_PTR(err);
out_free_child:
	kfree(child);
out_nomem:
	NL_SET_ERR_MSG(extack, "out of memory for the child");
	return ERR_PTR(-ENOMEM);
}

/*
 * Fault @child for @reason.  0 if it is faulted (now or already); -EBUSY
 * if it is the last in-sync child, which is never faulted.  Any context.
 */
int nexus_child_fault(struct nexus_child *child, u8 reason)
{
	struct nexus_vol *vol = child->vol;
	unsigned long flags;
	u8 was;

	spin_lock_irqsave(&vol->state_lock, flags);
	was = child->state;
	if (was == NEXUS_MEMBER_FAULTED) {
		spin_unlock_irqrestore(&vol->state_lock, flags);
		return 0;
	}
	if (was == NEXUS_MEMBER_SYNCED) {
		if (vol->nr_synced <= 1) {
			spin_unlock_irqrestore(&vol->state_lock, flags);
			trace_nexus_child_fault(child, was, reason, true);
			return -EBUSY;
		}
		vol->nr_synced--;
		/* The bitmap holds every write it misses from now on. */
		child->rebuild_offset = vol->size;
	}
	WRITE_ONCE(child->state, NEXUS_MEMBER_FAULTED);
	child->reason = reason;
	child->fault_event = vol->event + 1;
	child->fault_time = ktime_get_real_seconds();
	vol->label_seq++;
	spin_unlock_irqrestore(&vol->state_lock, flags);
	trace_nexus_child_fault(child, was, reason, false);
	pr_warn("%s: child %pUb (%s) faulted: %s; %s\n", vol->name, &child->uuid,
		child->path, nexus_fault_reason_name(reason),
		was == NEXUS_MEMBER_SYNCED ? "the nexus is degraded" : "its rebuild stops");
	queue_work(vol->wq, &vol->label_work);
	return 0;
}

/*
 * The children that writes go to (in sync or rebuilding, with a device),
 * as slot bits; @synced gets those in sync, and @kids[slot] each of them.
 * The caller is inside io_srcu: a section of its own, or the one a nexus
 * IO holds (not lockdep's).  It must use @kids, not read vol->children
 * again: a child being removed leaves its slot NULL before the section
 * ends (the child itself stays until it has).
 */
unsigned long nexus_vol_written(struct nexus_vol *vol, unsigned long *synced,
				struct nexus_child **kids)
{
	unsigned long written = 0;
	unsigned int slot;

	*synced = 0;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);
		u8 state;

		if (!c || !c->dev.bdev)
			continue;
		state = READ_ONCE(c->state);
		if (!nexus_child_writable(state))
			continue;
		written |= BIT(slot);
		kids[slot] = c;
		if (state == NEXUS_MEMBER_SYNCED)
			*synced |= BIT(slot);
	}
	return written;
}

/* Publish @child in its slot (NULL: unpublish it). */
static void nexus_child_publish(struct nexus_vol *vol, unsigned int slot,
				struct nexus_child *child)
{
	lockdep_assert_held(&vol->lock);
	mutex_lock(&vol->label_lock);
	spin_lock_irq(&vol->state_lock);
	rcu_assign_pointer(vol->children[slot], child);
	vol->label_seq++;
	spin_unlock_irq(&vol->state_lock);
	mutex_unlock(&vol->label_lock);
}

static int nexus_child_free_slot(struct nexus_vol *vol)
{
	unsigned int slot;

	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++)
		if (!rcu_access_pointer(vol->children[slot]))
			return slot;
	return -1;
}

int nexus_child_add(struct nexus_vol *vol, const struct nexus_child_spec *spec,
		    struct netlink_ext_ack *extack)
{
	struct nexus_label *l;
	struct nexus_child *child;
	const char *why;
	int slot, err;

	lockdep_assert_held(&vol->lock);
	slot = nexus_child_free_slot(vol);
	if (slot < 0) {
		NL_SET_ERR_MSG(extack, "the nexus has the most children it can have (16)");
		return -ENOSPC;
	}
	if (spec->uuid && nexus_child_find(vol, spec->uuid)) {
		NL_SET_ERR_MSG(extack, "the nexus has a child with this uuid already");
		return -EEXIST;
	}
	child = nexus_child_open(vol, spec, slot, extack);
	if (IS_ERR(child))
		return PTR_ERR(child);

	/* A member of a nexus (this one or another) is not taken silently. */
	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		err = -ENOMEM;
		NL_SET_ERR_MSG(extack, "out of memory");
		goto out_free_child;
	}
	err = nexus_label_read(child->dev.bdev, l, &why);
	if (!err && !memcmp(l->nexus_uuid, vol->uuid.b, 16) &&
	    nexus_label_member(l, l->child_uuid) >= 0 &&
	    nexus_child_find(vol, l->child_uuid)) {
		NL_SET_ERR_MSG(extack,
			       "the device is a faulted child of this nexus: bring it back with online");
		err = -EEXIST;
		goto out_free_label;
	}
	if (!err && !spec->force) {
		NL_SET_ERR_MSG(extack,
			       "the device holds the label of a nexus child (use force to overwrite it)");
		err = -EEXIST;
		goto out_free_label;
	}
	kfree(l);

	child->state = NEXUS_MEMBER_REBUILD;
	child->reported_state = NEXUS_MEMBER_REBUILD;
	child->rebuild_offset = 0;
	nexus_child_publish(vol, slot, child);
	nexus_child_sysfs_add(child);
	err = nexus_vol_persist(vol, false);
	if (err)
		NL_SET_ERR_MSG(extack, "the child was added, but the labels could not be written");
	else
		err = nexus_rebuild_start(vol, child);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_CHILD_ADDED, child);
	return err;

out_free_label:
	kfree(l);
out_free_child:
	nexus_child_free(child);
	return err;
}

int nexus_child_remove(struct nexus_vol *vol, struct nexus_child *child, bool force,
		       struct netlink_ext_ack *extack)
{
	bool last;

	lockdep_assert_held(&vol->lock);
	spin_lock_irq(&vol->state_lock);
	last = child->state == NEXUS_MEMBER_SYNCED && vol->nr_synced <= 1;
	spin_unlock_irq(&vol->state_lock);
	if (last && !force) {
		NL_SET_ERR_MSG(extack,
			       "cannot remove the last in-sync child (force does, and faults the nexus)");
		return -EBUSY;
	}
	nexus_rebuild_stop(vol, child);

	mutex_lock(&vol->label_lock);
	spin_lock_irq(&vol->state_lock);
	/* Again: another child may have been faulted meanwhile. */
	if (child->state == NEXUS_MEMBER_SYNCED && vol->nr_synced <= 1 && !force) {
		spin_unlock_irq(&vol->state_lock);
		mutex_unlock(&vol->label_lock);
		NL_SET_ERR_MSG(extack,
			       "cannot remove the last in-sync child (force does, and faults the nexus)");
		return -EBUSY;
	}
	if (child->state == NEXUS_MEMBER_SYNCED)
		vol->nr_synced--;
	WRITE_ONCE(child->state, NEXUS_MEMBER_FAULTED);
	RCU_INIT_POINTER(vol->children[child->slot], NULL);
	vol->label_seq++;
	spin_unlock_irq(&vol->state_lock);
	mutex_unlock(&vol->label_lock);
	/* No IO can reach it any more once the IO in flight is done. */
	synchronize_srcu(&vol->io_srcu);

	nexus_vol_persist(vol, false);
	/* A late label bio landing after the wipe would bring the label back. */
	nexus_batch_drain(child);
	if (child->dev.bdev && nexus_child_wipe_label(child))
		pr_warn("%s: cannot erase the label of removed child %pUb\n", vol->name,
			&child->uuid);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_CHILD_REMOVED, child);
	pr_info("%s: child %pUb (%s) removed\n", vol->name, &child->uuid, child->path);
	nexus_child_free(child);
	return 0;
}

int nexus_child_fault_admin(struct nexus_vol *vol, struct nexus_child *child,
			    struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&vol->lock);
	if (nexus_child_fault(child, NEXUS_FAULT_BY_CLIENT)) {
		NL_SET_ERR_MSG(extack, "cannot fault the last in-sync child");
		return -EBUSY;
	}
	nexus_rebuild_stop(vol, child);
	/* On disk before the answer: the admin may pull it right after. */
	if (nexus_vol_persist(vol, false)) {
		NL_SET_ERR_MSG(extack, "the child is faulted, but the labels could not be written");
		return -EIO;
	}
	return 0;
}

/* Does @bdev say it is @child of @vol? */
static int nexus_child_check_label(struct nexus_vol *vol, struct nexus_child *child,
				   struct block_device *bdev, struct netlink_ext_ack *extack)
{
	struct nexus_label *l;
	const char *why;
	int err;

	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	err = nexus_label_read(bdev, l, &why);
	if (err) {
		nexus_set_err_msg_static(extack, why);
	} else if (memcmp(l->nexus_uuid, vol->uuid.b, 16) ||
		   memcmp(l->child_uuid, child->uuid.b, 16)) {
		NL_SET_ERR_MSG(extack, "the device's label is not this child's of this nexus");
		err = -EINVAL;
	}
	kfree(l);
	return err;
}

int nexus_child_online(struct nexus_vol *vol, struct nexus_child *child,
		       const struct nexus_child_spec *spec, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&vol->lock);
	if (READ_ONCE(child->state) != NEXUS_MEMBER_FAULTED) {
		NL_SET_ERR_MSG(extack, "the child is not faulted");
		return -EINVAL;
	}
	nexus_rebuild_stop(vol, child);
	/* A new path (the device came back under another name): reopen. */
	if (spec && spec->path && (!child->dev.bdev || strcmp(spec->path, child->path))) {
		struct nexus_bdev dev = {}, old;

		err = nexus_child_open_dev(vol, &dev, spec->path, extack);
		if (!err)
			err = nexus_child_fits(vol, child, dev.bdev, extack);
		if (!err)
			err = nexus_child_check_label(vol, child, dev.bdev, extack);
		if (err) {
			if (dev.bdev)
				nexus_bdev_close(&dev);
			return err;
		}
		/*
		 * New IO leaves a faulted child alone, but IO that chose it
		 * before its fault may still send to the old device, and a
		 * late label or bitmap bio may still be on it: switch once
		 * both are done.
		 */
		synchronize_srcu(&vol->io_srcu);
		nexus_batch_drain(child);
		old = child->dev;
		child->dev = dev;
		if (old.bdev)
			nexus_bdev_close(&old);
		strscpy(child->path, spec->path, sizeof(child->path));
		if (spec->uri)
			strscpy(child->uri, spec->uri, sizeof(child->uri));
	}
	if (!child->dev.bdev) {
		NL_SET_ERR_MSG(extack, "the child has no device: give its path");
		return -ENODEV;
	}
	spin_lock_irq(&vol->state_lock);
	WRITE_ONCE(child->state, NEXUS_MEMBER_REBUILD);
	child->reason = NEXUS_FAULT_NONE;
	child->reported_state = NEXUS_MEMBER_REBUILD;
	child->wd_stalled_ms = 0;
	vol->label_seq++;
	spin_unlock_irq(&vol->state_lock);
	err = nexus_vol_persist(vol, false);
	if (err) {
		NL_SET_ERR_MSG(extack, "the labels could not be written");
		return err;
	}
	nexus_nl_vol_notify(vol, NEXUS_EVENT_CHILD_ONLINE, child);
	return nexus_rebuild_start(vol, child);
}
