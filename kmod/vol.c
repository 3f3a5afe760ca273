// SPDX-License-Identifier: GPL-2.0
/*
 * Nexuses: creation over new children, assembly from the children's
 * labels, clean stop, destroy; their blk-mq disks (/dev/nexusN) and what
 * sysfs shows of them.
 *
 * Locking: nexus_vols_lock guards the list of nexuses and their names; it
 * is taken before a nexus's lock.  vol->open_lock guards openers.  The
 * rest is in nexus.h (struct nexus_vol) and the vol_*.c files.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nexus.h"

/* The nexuses and their names; taken before any nexus's own lock. */
DEFINE_MUTEX(nexus_vols_lock);
LIST_HEAD(nexus_vols);		/* guarded by nexus_vols_lock */

static int nexus_vol_major;
static DEFINE_IDA(nexus_vol_ida);

#define NEXUS_QUEUE_DEPTH	128

static int nexus_vol_open(struct gendisk *disk, bool write)
{
	struct nexus_vol *vol = disk->private_data;
	int err = 0;

	mutex_lock(&vol->open_lock);
	if (vol->stopping)	/* set under open_lock by nexus_vol_stop() */
		err = -ENXIO;
	else
		vol->openers++;
	mutex_unlock(&vol->open_lock);
	return err;
}

static void nexus_vol_release(struct gendisk *disk)
{
	struct nexus_vol *vol = disk->private_data;

	mutex_lock(&vol->open_lock);
	vol->openers--;
	mutex_unlock(&vol->open_lock);
}

NEXUS_DEFINE_BDOPS_OPEN_RELEASE(nexus_vol_open, nexus_vol_release)

static const struct block_device_operations nexus_vol_fops = {
	.owner = THIS_MODULE,
	.open = nexus_vol_open_bdops,
	.release = nexus_vol_release_bdops,
};

void nexus_stats_sum(struct nexus_stats __percpu *pcpu, struct nexus_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct nexus_stats *s = per_cpu_ptr(pcpu, cpu);

		sum->read_ops += READ_ONCE(s->read_ops);
		sum->read_bytes += READ_ONCE(s->read_bytes);
		sum->read_ns += READ_ONCE(s->read_ns);
		sum->write_ops += READ_ONCE(s->write_ops);
		sum->write_bytes += READ_ONCE(s->write_bytes);
		sum->write_ns += READ_ONCE(s->write_ns);
		sum->flush_ops += READ_ONCE(s->flush_ops);
		sum->discard_ops += READ_ONCE(s->discard_ops);
		sum->discard_bytes += READ_ONCE(s->discard_bytes);
		sum->errors += READ_ONCE(s->errors);
	}
}

/* enum nexus_state, as Mayastor reports a nexus. */
u8 nexus_vol_state(struct nexus_vol *vol)
{
	unsigned int slot, members = 0, synced;
	unsigned long flags;

	spin_lock_irqsave(&vol->state_lock, flags);
	synced = vol->nr_synced;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++)
		if (rcu_access_pointer(vol->children[slot]))
			members++;
	spin_unlock_irqrestore(&vol->state_lock, flags);
	if (!synced)
		return NEXUS_STATE_FAULTED;
	return synced == members ? NEXUS_STATE_ONLINE : NEXUS_STATE_DEGRADED;
}

/* /sys/block/nexusN/nexus/: what udev and admins read. */
static struct nexus_vol *nexus_dev_vol(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t name_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", nexus_dev_vol(dev)->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t uuid_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pUb\n", &nexus_dev_vol(dev)->uuid);
}
static DEVICE_ATTR_RO(uuid);

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	static const char * const names[] = { "online", "degraded", "faulted" };

	return sysfs_emit(buf, "%s\n", names[nexus_vol_state(nexus_dev_vol(dev))]);
}
static DEVICE_ATTR_RO(state);

static ssize_t synced_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(nexus_dev_vol(dev)->nr_synced));
}
static DEVICE_ATTR_RO(synced);

static ssize_t event_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(nexus_dev_vol(dev)->event));
}
static DEVICE_ATTR_RO(event);

static struct attribute *nexus_vol_attrs[] = {
	&dev_attr_name.attr,
	&dev_attr_uuid.attr,
	&dev_attr_state.attr,
	&dev_attr_synced.attr,
	&dev_attr_event.attr,
	NULL,
};

static const struct attribute_group nexus_vol_group = {
	.name = "nexus",
	.attrs = nexus_vol_attrs,
};

static const struct attribute_group *nexus_vol_groups[] = {
	&nexus_vol_group,
	NULL,
};

struct nexus_vol *nexus_vol_find(const char *name)
{
	struct nexus_vol *vol;

	lockdep_assert_held(&nexus_vols_lock);
	list_for_each_entry(vol, &nexus_vols, node)
		if (!strcmp(vol->name, name))
			return vol;
	return NULL;
}

static struct nexus_vol *nexus_vol_find_uuid(const u8 *uuid)
{
	struct nexus_vol *vol;

	lockdep_assert_held(&nexus_vols_lock);
	list_for_each_entry(vol, &nexus_vols, node)
		if (!memcmp(vol->uuid.b, uuid, 16))
			return vol;
	return NULL;
}

static void nexus_vol_free(struct nexus_vol *vol)
{
	unsigned int slot;

	/* Work still queued (a label write a late fault asked for) goes first. */
	WRITE_ONCE(vol->dead, true);
	if (vol->rebuild_wq)
		destroy_workqueue(vol->rebuild_wq);
	if (vol->wq)
		destroy_workqueue(vol->wq);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);

		if (c)
			nexus_child_free(c);
	}
	nexus_verify_free(vol);
	nexus_bitmap_destroy(&vol->bm);
	bioset_exit(&vol->bs);
	cleanup_srcu_struct(&vol->io_srcu);
	free_percpu(vol->stats);
	kfree(vol);
}

static struct nexus_vol *nexus_vol_alloc(const char *name)
{
	struct nexus_config cfg;
	struct nexus_vol *vol;

	vol = kzalloc(sizeof(*vol), GFP_KERNEL);
	if (!vol)
		return NULL;
	strscpy(vol->name, name, sizeof(vol->name));
	vol->id = -1;
	mutex_init(&vol->lock);
	mutex_init(&vol->freeze_lock);
	INIT_DELAYED_WORK(&vol->thaw_work, nexus_vol_thaw_work);
	mutex_init(&vol->label_lock);
	mutex_init(&vol->open_lock);
	spin_lock_init(&vol->state_lock);
	spin_lock_init(&vol->barrier_lock);
	spin_lock_init(&vol->bm.lock);
	INIT_LIST_HEAD(&vol->node);
	INIT_LIST_HEAD(&vol->deferred);
	INIT_LIST_HEAD(&vol->retry);
	INIT_LIST_HEAD(&vol->plugged);
	INIT_LIST_HEAD(&vol->barrier_wait);
	INIT_LIST_HEAD(&vol->bm.waiting);
	init_waitqueue_head(&vol->barrier_wq);
	INIT_WORK(&vol->label_work, nexus_vol_label_work);
	INIT_WORK(&vol->retry_work, nexus_vol_retry_work);
	INIT_WORK(&vol->plugged_work, nexus_vol_plugged_work);
	INIT_DELAYED_WORK(&vol->watchdog, nexus_vol_watchdog);
	nexus_config_get(&cfg);
	vol->io_timeout_ms = cfg.io_timeout_ms;
	vol->rebuild_rate_min = cfg.rebuild_rate_min;
	vol->rebuild_rate_max = cfg.rebuild_rate_max;
	if (init_srcu_struct(&vol->io_srcu))
		goto out_free_vol;
	vol->stats = alloc_percpu(struct nexus_stats);
	if (!vol->stats)
		goto out_cleanup_srcu;
	if (bioset_init(&vol->bs, 64, offsetof(struct nexus_clone, bio),
			BIOSET_NEED_BVECS | BIOSET_NEED_RESCUER))
		goto out_free_stats;
	vol->wq = alloc_workqueue("nexus-%s", WQ_MEM_RECLAIM | WQ_UNBOUND, 0, name);
	if (!vol->wq)
		goto out_exit_bioset;
	vol->rebuild_wq = alloc_workqueue("nexus-rb-%s", WQ_MEM_RECLAIM | WQ_UNBOUND, 0, name);
	if (!vol->rebuild_wq)
		goto out_destroy_wq;
	return vol;

out_destroy_wq:
	destroy_workqueue(vol->wq);
out_exit_bioset:
	bioset_exit(&vol->bs);
out_free_stats:
	free_percpu(vol->stats);
out_cleanup_srcu:
	cleanup_srcu_struct(&vol->io_srcu);
out_free_vol:
	kfree(vol);
	return NULL;
}

/* Queue limits stacked from every present child, at the data offset. */
static void nexus_vol_limits(struct nexus_vol *vol, struct queue_limits *lim, bool *nonrot)
{
	unsigned int slot;

	blk_set_stacking_limits(lim);
	*nonrot = true;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (!c || !c->dev.bdev)
			continue;
		if (blk_stack_limits(lim, &bdev_get_queue(c->dev.bdev)->limits,
				     vol->data_offset))
			pr_warn("%s: child %s is misaligned at the data offset\n", vol->name,
				c->path);
		if (!bdev_nonrot(c->dev.bdev))
			*nonrot = false;
	}
	/*
	 * A request must be one range within two barrier buckets: the
	 * bitmap and the rebuild barrier look at its first and last sector
	 * only.  So one discard range, and nothing longer than a bucket.
	 */
	lim->max_discard_segments = 1;
	lim->max_hw_sectors = min_t(unsigned int, lim->max_hw_sectors, NEXUS_MAX_REQUEST_SECTORS);
	lim->max_sectors = min_t(unsigned int, lim->max_sectors, NEXUS_MAX_REQUEST_SECTORS);
	lim->max_hw_discard_sectors = min_t(unsigned int, lim->max_hw_discard_sectors,
					    NEXUS_MAX_REQUEST_SECTORS);
	lim->max_discard_sectors = min_t(unsigned int, lim->max_discard_sectors,
					 NEXUS_MAX_REQUEST_SECTORS);
	lim->max_write_zeroes_sectors = min_t(unsigned int, lim->max_write_zeroes_sectors,
					      NEXUS_MAX_REQUEST_SECTORS);
}

static int nexus_vol_add_disk(struct nexus_vol *vol)
{
	struct blk_mq_tag_set *set = &vol->tag_set;
	struct queue_limits lim;
	struct gendisk *disk;
	bool nonrot;
	int err;

	vol->id = ida_alloc(&nexus_vol_ida, GFP_KERNEL);
	if (vol->id < 0)
		return vol->id;
	set->ops = &nexus_vol_mq_ops;
	set->nr_hw_queues = min_t(unsigned int, num_online_cpus(), 16);
	set->queue_depth = NEXUS_QUEUE_DEPTH;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct nexus_io);
	/* BLOCKING: clones are allocated with GFP_NOIO in queue_rq. */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING;
	set->driver_data = vol;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		goto out_free_id;

	nexus_vol_limits(vol, &lim, &nonrot);
	disk = nexus_mq_alloc_disk(set, &lim, nonrot, vol);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_tag_set;
	}
	disk->major = nexus_vol_major;
	disk->first_minor = vol->id;
	disk->minors = 1;
	disk->fops = &nexus_vol_fops;
	disk->private_data = vol;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "nexus%d", vol->id);
	set_capacity(disk, vol->size >> SECTOR_SHIFT);
	vol->disk = disk;
	err = device_add_disk(NULL, disk, nexus_vol_groups);
	if (err)
		goto out_put_disk;
	return 0;

out_put_disk:
	vol->disk = NULL;
	put_disk(disk);
out_free_tag_set:
	blk_mq_free_tag_set(set);
out_free_id:
	ida_free(&nexus_vol_ida, vol->id);
	vol->id = -1;
	return err;
}

/* /sys/block/nexusN/children/<slot>/ for every child. */
static void nexus_vol_sysfs_add(struct nexus_vol *vol)
{
	unsigned int slot;

	vol->children_kobj = kobject_create_and_add("children", &disk_to_dev(vol->disk)->kobj);
	if (!vol->children_kobj) {
		pr_warn("%s: no sysfs directory for the children\n", vol->name);
		return;
	}
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c)
			nexus_child_sysfs_add(c);
	}
}

static void nexus_vol_del_disk(struct nexus_vol *vol)
{
	unsigned int slot;

	if (!vol->disk)
		return;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);

		if (c)
			nexus_child_sysfs_del(c);
	}
	if (vol->children_kobj) {
		kobject_del(vol->children_kobj);
		kobject_put(vol->children_kobj);
		vol->children_kobj = NULL;
	}
	del_gendisk(vol->disk);
	put_disk(vol->disk);
	blk_mq_free_tag_set(&vol->tag_set);
	ida_free(&nexus_vol_ida, vol->id);
	vol->disk = NULL;
}

/* Background work of a live nexus: the watchdog and the bitmap sweep. */
static void nexus_vol_start_work(struct nexus_vol *vol)
{
	queue_delayed_work(vol->wq, &vol->watchdog, msecs_to_jiffies(NEXUS_WATCHDOG_MS));
	nexus_bitmap_kick(vol);
}

static void nexus_vol_stop_work(struct nexus_vol *vol)
{
	WRITE_ONCE(vol->stopping, true);
	cancel_delayed_work_sync(&vol->watchdog);
	nexus_bitmap_stop(vol);
	flush_work(&vol->plugged_work);
	flush_workqueue(vol->wq);
}

/*
 * The last steps of create and assemble: the bitmap image and labels on
 * the children, then the disk, then the nexus is listed.
 */
static int nexus_vol_go_live(struct nexus_vol *vol, struct netlink_ext_ack *extack)
{
	unsigned int slot;
	int err;

	nexus_bitmap_write_child(vol, NULL);
	err = nexus_vol_persist(vol, false);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot write the labels to the children");
		return err;
	}
	err = nexus_vol_add_disk(vol);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot add the nexus block device");
		return err;
	}
	nexus_vol_sysfs_add(vol);
	nexus_vol_start_work(vol);
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c && c->state == NEXUS_MEMBER_REBUILD)
			nexus_rebuild_start(vol, c);
	}
	return 0;
}

static int nexus_vol_check_new(const char *name, const u8 *uuid,
			       struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&nexus_vols_lock);
	if (nexus_vol_find(name)) {
		NL_SET_ERR_MSG(extack, "a nexus of that name exists already");
		return -EEXIST;
	}
	if (uuid && nexus_vol_find_uuid(uuid)) {
		NL_SET_ERR_MSG(extack, "a nexus with that uuid exists already");
		return -EEXIST;
	}
	return 0;
}

/* The volume size the children allow, and its layout in @tmpl. */
static int nexus_vol_layout(struct nexus_vol *vol, const struct nexus_vol_create *args,
			    struct nexus_label *tmpl, struct netlink_ext_ack *extack)
{
	u64 smallest = U64_MAX, size = args->size;
	unsigned int slot;
	const char *why;

	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c)
			smallest = min_t(u64, smallest, bdev_nr_bytes(c->dev.bdev));
	}
	if (!size) {
		/* As large as the smallest child allows. */
		why = nexus_label_layout(tmpl, round_down(smallest, 4096), args->chunk_shift);
		if (!why && le64_to_cpu(tmpl->data_offset) < smallest)
			size = round_down(smallest - le64_to_cpu(tmpl->data_offset), 4096);
		if (!size) {
			NL_SET_ERR_MSG(extack, "the children are too small to hold a volume");
			return -ENOSPC;
		}
	}
	why = nexus_label_layout(tmpl, size, args->chunk_shift);
	if (why) {
		nexus_set_err_msg_static(extack, why);
		return -EINVAL;
	}
	if (nexus_label_child_bytes(tmpl) > smallest) {
		NL_SET_ERR_MSG(extack,
			       "a child is smaller than the volume needs (size + data offset)");
		return -ENOSPC;
	}
	return 0;
}

/* No child may carry a label unless forced: it may be another nexus's. */
static int nexus_vol_check_labels(struct nexus_vol *vol, bool force,
				  struct netlink_ext_ack *extack)
{
	struct nexus_label *l;
	unsigned int slot;
	const char *why;
	int err = 0;

	if (force)
		return 0;
	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN && !err; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c && nexus_label_read(c->dev.bdev, l, &why) != -ENODATA) {
			nexus_set_err_msg_fmt(extack,
					      "a child holds a nexus label (use force to overwrite it)",
					      "a child holds a nexus label (use force to overwrite it): %s",
					      c->path);
			err = -EEXIST;
		}
	}
	kfree(l);
	return err;
}

int nexus_vol_create(const struct nexus_vol_create *args,
		     const struct nexus_child_spec *specs, unsigned int nr,
		     struct netlink_ext_ack *extack)
{
	struct nexus_label *tmpl;
	struct nexus_vol *vol;
	unsigned int i;
	int err;

	if (!nr || nr > NEXUS_MAX_CHILDREN) {
		NL_SET_ERR_MSG(extack, "a nexus has 1 to 16 children");
		return -EINVAL;
	}
	tmpl = kzalloc(sizeof(*tmpl), GFP_KERNEL);
	vol = nexus_vol_alloc(args->name);
	if (!tmpl || !vol) {
		err = -ENOMEM;
		NL_SET_ERR_MSG(extack, "out of memory for the nexus");
		goto out_free;
	}
	if (args->uuid)
		import_uuid(&vol->uuid, args->uuid);
	else
		uuid_gen(&vol->uuid);
	vol->read_policy = args->read_policy;
	if (args->io_timeout_ms)
		vol->io_timeout_ms = args->io_timeout_ms;
	vol->created = ktime_get_real_seconds();

	mutex_lock(&nexus_vols_lock);
	err = nexus_vol_check_new(args->name, args->uuid, extack);
	if (err)
		goto out_unlock;
	mutex_lock(&vol->lock);
	for (i = 0; i < nr; i++) {
		struct nexus_child *c = nexus_child_open(vol, &specs[i], i, extack);

		if (IS_ERR(c)) {
			err = PTR_ERR(c);
			goto out_unlock_vol;
		}
		c->state = NEXUS_MEMBER_SYNCED;
		c->reported_state = NEXUS_MEMBER_SYNCED;
		RCU_INIT_POINTER(vol->children[i], c);
		vol->nr_synced++;
	}
	err = nexus_vol_layout(vol, args, tmpl, extack);
	if (err)
		goto out_unlock_vol;
	err = nexus_vol_check_labels(vol, args->force, extack);
	if (err)
		goto out_unlock_vol;
	vol->size = le64_to_cpu(tmpl->size);
	vol->data_offset = le64_to_cpu(tmpl->data_offset) >> SECTOR_SHIFT;
	for (i = 0; i < nr; i++)
		rcu_dereference_protected(vol->children[i], 1)->rebuild_offset = vol->size;
	err = nexus_bitmap_init(&vol->bm, tmpl);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory for the write-intent bitmap");
		goto out_unlock_vol;
	}
	err = nexus_vol_go_live(vol, extack);
	if (err)
		goto out_stop_work;
	list_add_tail(&vol->node, &nexus_vols);
	pr_info("%s: nexus created: /dev/%s, %llu bytes over %u children\n", vol->name,
		vol->disk->disk_name, vol->size, nr);
	mutex_unlock(&vol->lock);
	mutex_unlock(&nexus_vols_lock);
	kfree(tmpl);
	return 0;

out_stop_work:
	nexus_vol_stop_work(vol);
out_unlock_vol:
	mutex_unlock(&vol->lock);
out_unlock:
	mutex_unlock(&nexus_vols_lock);
out_free:
	kfree(tmpl);
	if (vol)
		nexus_vol_free(vol);
	return err;
}

/*
 * Assembly: read every device's label, believe the one with the highest
 * event, and rebuild the nexus as that label's member table says.  After
 * an unclean stop the in-sync children may differ where the bitmap has
 * bits set: one of them (a local one if any) stays in sync, the others
 * resync those chunks from it.
 */
struct nexus_found {
	struct nexus_bdev dev;
	struct nexus_label label;
	const struct nexus_child_spec *spec;
};

static int nexus_vol_read_labels(struct nexus_vol *vol, const struct nexus_child_spec *specs,
				 unsigned int nr, struct nexus_found *found,
				 struct netlink_ext_ack *extack)
{
	unsigned int i;
	const char *why;
	int err;

	for (i = 0; i < nr; i++) {
		found[i].spec = &specs[i];
		err = nexus_bdev_open(&found[i].dev, specs[i].path, vol);
		if (err) {
			nexus_set_err_msg_fmt(extack, "cannot open a child device",
					      "cannot open a child device: %s: error %d",
					      specs[i].path, err);
			return err;
		}
		err = nexus_label_read(found[i].dev.bdev, &found[i].label, &why);
		if (err) {
			nexus_set_err_msg_fmt(extack, "a child device has no usable label",
					      "a child device has no usable label: %s: %s",
					      specs[i].path, why);
			return err;
		}
	}
	return 0;
}

static const struct nexus_label *nexus_vol_authority(struct nexus_found *found, unsigned int nr,
						     const char *name,
						     struct netlink_ext_ack *extack)
{
	const struct nexus_label *best = &found[0].label;
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		const struct nexus_label *l = &found[i].label;

		if (memcmp(l->nexus_uuid, best->nexus_uuid, 16)) {
			NL_SET_ERR_MSG(extack, "the devices are children of different nexuses");
			return NULL;
		}
		for (j = 0; j < i; j++)
			if (!memcmp(found[j].label.child_uuid, l->child_uuid, 16)) {
				NL_SET_ERR_MSG(extack, "two devices are the same child");
				return NULL;
			}
		if (le64_to_cpu(l->event) > le64_to_cpu(best->event))
			best = l;
	}
	if (name && strncmp(name, best->name, sizeof(best->name))) {
		NL_SET_ERR_MSG(extack, "the children's labels are of a nexus of another name");
		return NULL;
	}
	for (i = 0; i < nr; i++)
		if (nexus_label_member(best, found[i].label.child_uuid) < 0) {
			nexus_set_err_msg_fmt(extack, "a device is no member of the nexus any more",
					      "a device is no member of the nexus any more: %s",
					      found[i].spec->path);
			return NULL;
		}
	return best;
}

/* Make the children @auth's member table lists, with the devices found. */
static int nexus_vol_assemble_children(struct nexus_vol *vol, const struct nexus_label *auth,
				       struct nexus_found *found, unsigned int nr,
				       struct netlink_ext_ack *extack)
{
	bool clean = le32_to_cpu(auth->flags) & NEXUS_LABEL_CLEAN;
	struct nexus_child *primary = NULL;
	unsigned int slot, i;

	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		const struct nexus_label_member *m = &auth->members[slot];
		struct nexus_child_spec spec = { .uuid = m->uuid };
		struct nexus_child *c;

		if (le32_to_cpu(m->state) == NEXUS_MEMBER_EMPTY)
			continue;
		c = nexus_child_open(vol, &spec, slot, extack);
		if (IS_ERR(c))
			return PTR_ERR(c);
		c->state = le32_to_cpu(m->state);
		c->reason = le32_to_cpu(m->reason);
		c->rebuild_offset = le64_to_cpu(m->rebuild_offset);
		c->fault_event = le64_to_cpu(m->fault_event);
		c->fault_time = le64_to_cpu(m->fault_time);
		for (i = 0; i < nr; i++) {
			if (memcmp(found[i].label.child_uuid, m->uuid, 16))
				continue;
			c->dev = found[i].dev;		/* the child owns it now */
			found[i].dev.bdev = NULL;
			strscpy(c->path, found[i].spec->path, sizeof(c->path));
			if (found[i].spec->uri)
				strscpy(c->uri, found[i].spec->uri, sizeof(c->uri));
			c->local = found[i].spec->local;
		}
		if (!c->dev.bdev && c->state != NEXUS_MEMBER_FAULTED) {
			if (c->state == NEXUS_MEMBER_SYNCED)
				c->rebuild_offset = vol->size;
			c->state = NEXUS_MEMBER_FAULTED;
			c->reason = NEXUS_FAULT_CANT_OPEN;
			c->fault_event = le64_to_cpu(auth->event);
			c->fault_time = ktime_get_real_seconds();
		}
		if (c->state == NEXUS_MEMBER_SYNCED && !clean) {
			/* Unclean: only one of the in-sync children is believed. */
			if (!primary || (c->local && !primary->local)) {
				if (primary) {
					primary->state = NEXUS_MEMBER_REBUILD;
					primary->rebuild_offset = vol->size;
				}
				primary = c;
			} else {
				c->state = NEXUS_MEMBER_REBUILD;
				c->rebuild_offset = vol->size;
			}
		}
		c->reported_state = c->state;
		RCU_INIT_POINTER(vol->children[slot], c);
	}
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);

		if (c && c->state == NEXUS_MEMBER_SYNCED)
			vol->nr_synced++;
	}
	if (!vol->nr_synced) {
		NL_SET_ERR_MSG(extack, "no in-sync child is among the devices given");
		return -ENODEV;
	}
	return 0;
}

int nexus_vol_assemble(const char *name, const struct nexus_child_spec *specs,
		       unsigned int nr, char *assembled, struct netlink_ext_ack *extack)
{
	const struct nexus_label *auth;
	struct nexus_found *found;
	struct nexus_vol *vol;
	unsigned int i, slot;
	bool clean;
	int err;

	if (!nr || nr > NEXUS_MAX_CHILDREN) {
		NL_SET_ERR_MSG(extack, "a nexus has 1 to 16 children");
		return -EINVAL;
	}
	found = kvcalloc(nr, sizeof(*found), GFP_KERNEL);
	vol = nexus_vol_alloc(name ? name : "assembling");
	if (!found || !vol) {
		err = -ENOMEM;
		NL_SET_ERR_MSG(extack, "out of memory for the nexus");
		goto out_free;
	}
	mutex_lock(&nexus_vols_lock);
	mutex_lock(&vol->lock);
	err = nexus_vol_read_labels(vol, specs, nr, found, extack);
	if (err)
		goto out_unlock;
	auth = nexus_vol_authority(found, nr, name, extack);
	if (!auth) {
		err = -EINVAL;
		goto out_unlock;
	}
	strscpy(vol->name, auth->name, sizeof(vol->name));
	clean = le32_to_cpu(auth->flags) & NEXUS_LABEL_CLEAN;
	err = nexus_vol_check_new(vol->name, auth->nexus_uuid, extack);
	if (err)
		goto out_unlock;
	import_uuid(&vol->uuid, auth->nexus_uuid);
	vol->size = le64_to_cpu(auth->size);
	vol->data_offset = le64_to_cpu(auth->data_offset) >> SECTOR_SHIFT;
	vol->created = le64_to_cpu(auth->created);
	vol->event = le64_to_cpu(auth->event);
	err = nexus_bitmap_init(&vol->bm, auth);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory for the write-intent bitmap");
		goto out_unlock;
	}
	err = nexus_vol_assemble_children(vol, auth, found, nr, extack);
	if (err)
		goto out_unlock;
	/* The chunks that may differ: every in-sync child's bits, together. */
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot], 1);

		if (c && c->dev.bdev && c->state != NEXUS_MEMBER_FAULTED &&
		    le32_to_cpu(auth->members[slot].state) == NEXUS_MEMBER_SYNCED &&
		    nexus_bitmap_load(vol, c))
			pr_warn("%s: cannot read the bitmap of child %pUb\n", vol->name, &c->uuid);
	}
	err = nexus_vol_go_live(vol, extack);
	if (err)
		goto out_stop_work;
	list_add_tail(&vol->node, &nexus_vols);
	pr_info("%s: nexus assembled after %s stop: /dev/%s, %u of its children in sync\n",
		vol->name, clean ? "a clean" : "an unclean", vol->disk->disk_name,
		vol->nr_synced);
	nexus_nl_vol_notify(vol, NEXUS_EVENT_ASSEMBLED, NULL);
	strscpy(assembled, vol->name, NEXUS_NAME_LEN);
	mutex_unlock(&vol->lock);
	mutex_unlock(&nexus_vols_lock);
	kvfree(found);
	return 0;

out_stop_work:
	nexus_vol_stop_work(vol);
out_unlock:
	mutex_unlock(&vol->lock);
	mutex_unlock(&nexus_vols_lock);
out_free:
	for (i = 0; found && i < nr; i++)
		if (found[i].dev.bdev)
			nexus_bdev_close(&found[i].dev);
	kvfree(found);
	if (vol)
		nexus_vol_free(vol);
	return err;
}

/*
 * Stop @vol: no more IO, the labels say it stopped cleanly (or, @wipe,
 * are erased), the children are let go.  Called with nexus_vols_lock.
 */
int nexus_vol_stop(struct nexus_vol *vol, bool wipe, struct netlink_ext_ack *extack)
{
	unsigned int slot;

	lockdep_assert_held(&nexus_vols_lock);
	mutex_lock(&vol->lock);
	mutex_lock(&vol->open_lock);
	if (vol->openers) {
		mutex_unlock(&vol->open_lock);
		mutex_unlock(&vol->lock);
		NL_SET_ERR_MSG(extack, "the nexus is in use (open, mounted or published)");
		return -EBUSY;
	}
	vol->stopping = true;
	mutex_unlock(&vol->open_lock);

	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (c)
			nexus_rebuild_stop(vol, c);
	}
	nexus_verify_stop(vol, true);
	nexus_vol_freeze_stop(vol);
	/* del_gendisk drains the queue: no nexus IO after this. */
	nexus_vol_del_disk(vol);
	nexus_vol_stop_work(vol);
	if (wipe) {
		for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
			struct nexus_child *c;

			c = rcu_dereference_protected(vol->children[slot],
						      lockdep_is_held(&vol->lock));
			if (c && c->dev.bdev && nexus_child_wipe_label(c))
				pr_warn("%s: cannot erase the label of child %pUb\n", vol->name,
					&c->uuid);
		}
	} else if (nexus_vol_persist(vol, true)) {
		pr_warn("%s: the clean-stop label could not be written; the next assembly resyncs\n",
			vol->name);
	}
	WRITE_ONCE(vol->dead, true);
	list_del(&vol->node);
	mutex_unlock(&vol->lock);
	nexus_nl_vol_notify(vol, wipe ? NEXUS_EVENT_DESTROYED : NEXUS_EVENT_STOPPED, NULL);
	pr_info("%s: nexus %s\n", vol->name, wipe ? "destroyed" : "stopped");
	nexus_vol_free(vol);
	return 0;
}

/* Module unload: every nexus stops cleanly (none can be open then). */
void nexus_vol_stop_all(void)
{
	struct nexus_vol *vol, *next;

	mutex_lock(&nexus_vols_lock);
	list_for_each_entry_safe(vol, next, &nexus_vols, node)
		WARN_ON(nexus_vol_stop(vol, false, NULL));
	mutex_unlock(&nexus_vols_lock);
}

int nexus_vol_init(void)
{
	nexus_vol_major = register_blkdev(0, "nexus");
	return nexus_vol_major < 0 ? nexus_vol_major : 0;
}

void nexus_vol_exit(void)
{
	unregister_blkdev(nexus_vol_major, "nexus");
	ida_destroy(&nexus_vol_ida);
}
