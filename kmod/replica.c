// SPDX-License-Identifier: GPL-2.0
/*
 * Replicas: volumes carved from a pool, each a block device /dev/nxr<N>
 * whose sysfs directory says which pool and replica it is
 * (/sys/block/nxrN/nexus/{pool,name,uuid}; udev/60-nexus.rules makes the
 * /dev/nexus/ names from them).  Create, destroy, resize, settings
 * (share, properties, allowed hosts); opening and closing the device.
 *
 * A thick replica gets all its clusters at creation, contiguous if the
 * pool has an extent long enough, zeroed when the device can do that
 * without writing every byte.  A thin replica gets clusters as it is
 * written (replica_io.c).
 *
 * Locking: the callers of create, destroy, resize and set hold
 * pool->lock.  replica->open_lock guards openers and dying: a replica that
 * is open cannot be destroyed, shrunk or exported, and a dying one cannot
 * be opened.
 */
#include <linux/blkdev.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "nexus.h"

/* Thick replicas on devices that cannot zero cheaply get this much wiped. */
#define NEXUS_WIPE_BYTES	(8U << 20)

static int nexus_replica_major;
static DEFINE_IDA(nexus_replica_ida);

static int nexus_replica_open(struct gendisk *disk, bool write)
{
	struct nexus_replica *r = disk->private_data;
	int err = 0;

	if (write && r->snapshot)
		return -EROFS;
	mutex_lock(&r->open_lock);
	if (r->dying)
		err = -ENXIO;
	else
		r->openers++;
	mutex_unlock(&r->open_lock);
	return err;
}

static void nexus_replica_release(struct gendisk *disk)
{
	struct nexus_replica *r = disk->private_data;

	mutex_lock(&r->open_lock);
	r->openers--;
	mutex_unlock(&r->open_lock);
}

NEXUS_DEFINE_BDOPS_OPEN_RELEASE(nexus_replica_open, nexus_replica_release)

static const struct block_device_operations nexus_replica_fops = {
	.owner = THIS_MODULE,
	.submit_bio = nexus_replica_submit_bio,
	.open = nexus_replica_open_bdops,
	.release = nexus_replica_release_bdops,
};

/* /sys/block/nxrN/nexus/: what udev names the device after. */
static struct nexus_replica *nexus_dev_replica(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t pool_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", nexus_dev_replica(dev)->pool->name);
}
static DEVICE_ATTR_RO(pool);

static ssize_t name_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", nexus_dev_replica(dev)->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t uuid_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%pUb\n", &nexus_dev_replica(dev)->uuid);
}
static DEVICE_ATTR_RO(uuid);

static ssize_t thin_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", nexus_dev_replica(dev)->thin);
}
static DEVICE_ATTR_RO(thin);

static struct attribute *nexus_replica_attrs[] = {
	&dev_attr_pool.attr,
	&dev_attr_name.attr,
	&dev_attr_uuid.attr,
	&dev_attr_thin.attr,
	NULL,
};

static const struct attribute_group nexus_replica_group = {
	.name = "nexus",
	.attrs = nexus_replica_attrs,
};

static const struct attribute_group *nexus_replica_groups[] = {
	&nexus_replica_group,
	NULL,
};

struct nexus_replica *nexus_replica_find(struct nexus_pool *pool, const char *name)
{
	struct nexus_replica *r;

	lockdep_assert_held(&pool->lock);
	list_for_each_entry(r, &pool->replicas, node)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/*
 * A replica of any pool with @uuid.  nexus_pools_lock held, which every
 * change of a pool's replica list holds too: no pool->lock is needed (the
 * caller may hold one already).
 */
struct nexus_replica *nexus_replica_find_uuid(const u8 *uuid)
{
	struct nexus_pool *pool;
	struct nexus_replica *r;

	lockdep_assert_held(&nexus_pools_lock);
	list_for_each_entry(pool, &nexus_pools, node)
		list_for_each_entry(r, &pool->replicas, node)
			if (!memcmp(&r->uuid, uuid, sizeof(r->uuid)))
				return r;
	return NULL;
}

u64 nexus_replica_allocated(struct nexus_replica *r)
{
	struct nexus_pool *pool = r->pool;
	u64 mapped;

	mutex_lock(&pool->md_lock);
	mapped = le64_to_cpu(nexus_md_rec(&pool->md, r->index)->mapped);
	mutex_unlock(&pool->md_lock);
	return mapped << pool->cluster_shift;
}

static struct nexus_replica *nexus_replica_alloc(struct nexus_pool *pool, u32 index)
{
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);
	struct nexus_replica *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->pool = pool;
	r->index = index;
	memcpy(r->name, rec->name, NEXUS_NAME_LEN);
	r->name[NEXUS_NAME_LEN - 1] = '\0';
	memcpy(&r->uuid, rec->uuid, sizeof(r->uuid));
	r->thin = le32_to_cpu(rec->flags) & NEXUS_REPLICA_THIN;
	r->snapshot = le32_to_cpu(rec->flags) & NEXUS_REPLICA_SNAPSHOT;
	r->size = le64_to_cpu(rec->size);
	nexus_map_load(&r->map, rec);
	mutex_lock(&pool->md_lock);
	r->cow = r->snapshot || nexus_map_shared(pool, index);
	mutex_unlock(&pool->md_lock);
	mutex_init(&r->open_lock);
	xa_init(&r->pending);
	spin_lock_init(&r->hold_lock);
	bio_list_init(&r->held);
	INIT_LIST_HEAD(&r->node);
	r->id = -1;
	return r;
}

/* Make the replica's block device and show it. */
int nexus_replica_add_disk(struct nexus_replica *r)
{
	struct gendisk *disk;
	int err;

	r->id = ida_alloc(&nexus_replica_ida, GFP_KERNEL);
	if (r->id < 0)
		return r->id;
	disk = nexus_alloc_disk(r->pool->dev.bdev, r->thin);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_id;
	}
	disk->major = nexus_replica_major;
	disk->first_minor = r->id;
	disk->minors = 1;
	disk->fops = &nexus_replica_fops;
	disk->private_data = r;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "nxr%d", r->id);
	set_capacity(disk, r->size >> SECTOR_SHIFT);
	set_disk_ro(disk, r->snapshot);
	err = device_add_disk(NULL, disk, nexus_replica_groups);
	if (err)
		goto out_put_disk;
	r->disk = disk;
	return 0;

out_put_disk:
	put_disk(disk);
out_free_id:
	ida_free(&nexus_replica_ida, r->id);
	r->id = -1;
	return err;
}

/* Take the device away, if it has one: no IO is left afterwards. */
static void nexus_replica_del_disk(struct nexus_replica *r)
{
	if (!r->disk)
		return;
	del_gendisk(r->disk);
	put_disk(r->disk);
	ida_free(&nexus_replica_ida, r->id);
	r->disk = NULL;
	r->id = -1;
}

/* Take the device away and free the replica. */
void nexus_replica_free(struct nexus_replica *r)
{
	nexus_replica_del_disk(r);
	/* Allocations still queued finish before the replica goes. */
	flush_workqueue(r->pool->wq);
	WARN_ON(!xa_empty(&r->pending));
	xa_destroy(&r->pending);
	kfree(r);
}

/*
 * Set up the replica of record @index, with its device (a snapshot gets
 * one only when exposed), and add it to the pool.  pool->lock held.
 */
int nexus_replica_load(struct nexus_pool *pool, u32 index, struct nexus_replica **out)
{
	struct nexus_replica *r = nexus_replica_alloc(pool, index);
	int err;

	if (!r)
		return -ENOMEM;
	if (!r->snapshot) {
		err = nexus_replica_add_disk(r);
		if (err) {
			kfree(r);
			return err;
		}
	}
	list_add_tail(&r->node, &pool->replicas);
	if (out)
		*out = r;
	return 0;
}

/*
 * Mark every replica of @pool dying, so that none can be opened; if one is
 * open, undo that and return it.  pool->lock held.
 */
struct nexus_replica *nexus_replicas_close(struct nexus_pool *pool)
{
	struct nexus_replica *r, *busy = NULL;

	lockdep_assert_held(&pool->lock);
	list_for_each_entry(r, &pool->replicas, node) {
		mutex_lock(&r->open_lock);
		if (r->openers)
			busy = r;
		else
			r->dying = true;
		mutex_unlock(&r->open_lock);
		if (busy)
			break;
	}
	if (busy)
		nexus_replicas_reopen(pool);
	return busy;
}

void nexus_replicas_reopen(struct nexus_pool *pool)
{
	struct nexus_replica *r;

	list_for_each_entry(r, &pool->replicas, node) {
		mutex_lock(&r->open_lock);
		r->dying = false;
		mutex_unlock(&r->open_lock);
	}
}

/* Free the replica objects of @pool (not their records).  pool->lock held. */
void nexus_replicas_free(struct nexus_pool *pool)
{
	struct nexus_replica *r, *next;

	list_for_each_entry_safe(r, next, &pool->replicas, node) {
		list_del(&r->node);
		nexus_replica_free(r);
	}
}

/* Property blobs. */

/* Free the blob chain that starts at block @nr.  md_lock held. */
static void nexus_blob_free_chain(struct nexus_pool *pool, u32 nr)
{
	lockdep_assert_held(&pool->md_lock);
	while (nr) {
		u32 next = le32_to_cpu(*(__le32 *)nexus_fmt_payload(nexus_md_block(&pool->md, nr)));

		nexus_md_free_block(&pool->md, nr);
		nr = next;
	}
}

/* Free the blob chain of record @index.  md_lock held. */
static void nexus_blob_free(struct nexus_pool *pool, u32 index)
{
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);

	nexus_blob_free_chain(pool, le32_to_cpu(rec->blob));
	rec->blob = 0;
	nexus_md_rec_dirty(&pool->md, index);
}

/* Blocks the blob of @n entries takes; the same packing as below. */
static unsigned int nexus_blob_blocks(const struct nexus_blob_entry *e, unsigned int n)
{
	size_t used = NEXUS_BLOCK_PAYLOAD;	/* no block yet */
	unsigned int i, blocks = 0;

	for (i = 0; i < n; i++) {
		size_t need = 4 + e[i].key_len + e[i].value_len;

		if (used + need + 1 > NEXUS_BLOCK_PAYLOAD) {
			blocks++;
			used = 4;
		}
		used += need;
	}
	return blocks;
}

/*
 * Write @n entries as the blob of record @index, replacing the old one.
 * The new chain is built first and the old one freed only then: -E2BIG
 * (more than NEXUS_BLOB_MAX_BLOCKS blocks) or -ENOSPC (metadata full)
 * leave the old blob as it was.  md_lock held.
 */
static int nexus_blob_write(struct nexus_pool *pool, u32 index,
			    const struct nexus_blob_entry *e, unsigned int n)
{
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);
	__le32 head = 0, *link = &head;
	u32 link_block = 0;	/* 0: the link is @head */
	u8 *p = NULL, *end = NULL;
	unsigned int i;
	int err;

	if (nexus_blob_blocks(e, n) > NEXUS_BLOB_MAX_BLOCKS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		size_t need = 4 + e[i].key_len + e[i].value_len;

		if (!p || p + need + 1 > end) {
			u32 nr;

			err = nexus_md_alloc_block(&pool->md, NEXUS_BLK_BLOB, &nr);
			if (err) {
				nexus_blob_free_chain(pool, le32_to_cpu(head));
				return err;
			}
			*link = cpu_to_le32(nr);
			if (link_block)
				nexus_md_dirty(&pool->md, link_block);
			link = nexus_fmt_payload(nexus_md_block(&pool->md, nr));
			link_block = nr;
			p = (u8 *)link + 4;
			end = (u8 *)link + NEXUS_BLOCK_PAYLOAD;
		}
		p[0] = e[i].type;
		p[1] = e[i].key_len;
		nexus_fmt_blob_set_vlen(p, e[i].value_len);
		memcpy(p + 4, e[i].key, e[i].key_len);
		memcpy(p + 4 + e[i].key_len, e[i].value, e[i].value_len);
		p += need;
		nexus_md_dirty(&pool->md, link_block);
	}
	nexus_blob_free(pool, index);
	rec->blob = head;
	nexus_md_rec_dirty(&pool->md, index);
	return 0;
}

/* Call @fn for each entry of @r's blob (it was checked at import). */
int nexus_replica_blob_for_each(struct nexus_replica *r,
				int (*fn)(void *arg, const struct nexus_blob_entry *e),
				void *arg)
{
	struct nexus_pool *pool = r->pool;
	int err = 0;
	u32 nr;

	mutex_lock(&pool->md_lock);
	nr = le32_to_cpu(nexus_md_rec(&pool->md, r->index)->blob);
	while (nr && !err) {
		u8 *p = nexus_fmt_payload(nexus_md_block(&pool->md, nr));
		u8 *end = p + NEXUS_BLOCK_PAYLOAD;

		nr = le32_to_cpu(*(__le32 *)p);
		for (p += 4; !err && p + 4 <= end && *p != NEXUS_BLOB_END;) {
			struct nexus_blob_entry e = {
				.type = p[0],
				.key_len = p[1],
				.value_len = nexus_fmt_blob_vlen(p),
				.key = (char *)p + 4,
			};

			e.value = e.key + e.key_len;
			err = fn(arg, &e);
			p += 4 + e.key_len + e.value_len;
		}
	}
	mutex_unlock(&pool->md_lock);
	return err;
}

static void nexus_replica_apply(struct nexus_replica_rec *rec,
				const struct nexus_replica_settings *s)
{
	rec->share_proto = s->proto;
	rec->share_port = cpu_to_le16(s->port);
	rec->share_any_host = s->any_host;
	memset(rec->share_addr, 0, sizeof(rec->share_addr));
	if (s->addr)
		strscpy(rec->share_addr, s->addr, sizeof(rec->share_addr));
}

/* Commit the pool's metadata for an object change; its error for the user. */
static int nexus_replica_commit(struct nexus_pool *pool, struct netlink_ext_ack *extack)
{
	int err = nexus_pool_commit(pool);

	if (err)
		NL_SET_ERR_MSG(extack, "pool metadata write failed: the pool is read-only now");
	return err;
}

/* Commit the new record @index, then set up its replica.  pool->lock held. */
int nexus_replica_commit_new(struct nexus_pool *pool, u32 index, struct nexus_replica **out,
			     struct netlink_ext_ack *extack)
{
	int err = nexus_replica_commit(pool, extack);

	if (err)
		return err;
	err = nexus_replica_load(pool, index, out);
	if (err)
		NL_SET_ERR_MSG(extack, "made and committed, but not set up: import the pool again");
	return err;
}

bool nexus_pool_writable(struct nexus_pool *pool, struct netlink_ext_ack *extack)
{
	if (READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY) {
		NL_SET_ERR_MSG(extack, "pool is read-only (export and check it)");
		return false;
	}
	return true;
}

/*
 * Map logical clusters [@from, @to) of thick record @index to new clusters,
 * contiguous first.  On failure what was mapped stays mapped: the caller
 * unmaps it.  md_lock held.
 */
static int nexus_replica_thick_alloc(struct nexus_pool *pool, struct nexus_map *map,
				     u32 index, u64 from, u64 to)
{
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);
	u32 start, len, i;
	int err;

	lockdep_assert_held(&pool->md_lock);
	while (from < to) {
		err = nexus_alloc_get(&pool->alloc, min_t(u64, to - from, U32_MAX), false,
				      &start, &len);
		if (err)
			return err;
		for (i = 0; i < len; i++) {
			err = nexus_map_set(pool, map, index, from + i, start + i + 1);
			if (err < 0) {
				nexus_alloc_put(&pool->alloc, start + i, len - i);
				return err;
			}
			nexus_md_set_ref(&pool->md, start + i, 1);
			le64_add_cpu(&rec->mapped, 1);
		}
		nexus_md_rec_dirty(&pool->md, index);
		from += len;
	}
	return 0;
}

/*
 * Zero logical clusters [@from, @to) of a thick replica, if the device
 * zeroes without writing every byte; else wipe the first NEXUS_WIPE_BYTES
 * of the range (old signatures), as Mayastor does.
 */
static void nexus_replica_zero(struct nexus_pool *pool, struct nexus_map *map,
			       u64 from, u64 to)
{
	sector_t per = 1U << (pool->cluster_shift - SECTOR_SHIFT);
	bool cheap = true;
	u64 c;

	for (c = from; c < to && cheap; c++) {
		u32 v = nexus_map_lookup(pool, map, c);

		if (blkdev_issue_zeroout(pool->dev.bdev, nexus_cluster_sector(pool, v - 1), per,
					 GFP_KERNEL, BLKDEV_ZERO_NOFALLBACK))
			cheap = false;
	}
	for (c = from; !cheap && c < to &&
	     (c - from) << pool->cluster_shift < NEXUS_WIPE_BYTES; c++) {
		u32 v = nexus_map_lookup(pool, map, c);
		sector_t n = min_t(sector_t, per, NEXUS_WIPE_BYTES >> SECTOR_SHIFT);

		blkdev_issue_zeroout(pool->dev.bdev, nexus_cluster_sector(pool, v - 1), n,
				     GFP_KERNEL, 0);
	}
}

static bool nexus_replica_size_valid(struct nexus_pool *pool, u64 size, bool thin,
				     struct netlink_ext_ack *extack)
{
	if (!size || size % NEXUS_SIZE_ALIGN) {
		NL_SET_ERR_MSG(extack, "size must be a non-zero multiple of 4 KiB");
		return false;
	}
	if (size > nexus_fmt_max_replica_bytes(pool->cluster_shift)) {
		nexus_set_err_msg_fmt(extack, "size exceeds what a replica map can address",
				      "size exceeds what a replica map can address (%llu bytes)",
				      nexus_fmt_max_replica_bytes(pool->cluster_shift));
		return false;
	}
	if (!thin && size > (u64)pool->nr_clusters << pool->cluster_shift) {
		NL_SET_ERR_MSG(extack, "size exceeds the pool's capacity");
		return false;
	}
	return true;
}

static u64 nexus_replica_clusters(struct nexus_pool *pool, u64 size)
{
	return DIV_ROUND_UP_ULL(size, nexus_pool_cluster_bytes(pool));
}

/*
 * -EEXIST (and why) if @args names a replica or snapshot of @pool, or has
 * the uuid of one of any pool.  nexus_pools_lock and pool->lock held.
 */
int nexus_replica_unique(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&nexus_pools_lock);
	lockdep_assert_held(&pool->lock);
	if (nexus_replica_find(pool, args->name)) {
		NL_SET_ERR_MSG(extack, "a replica or snapshot with this name exists in the pool");
		return -EEXIST;
	}
	if (args->uuid && nexus_replica_find_uuid(args->uuid)) {
		NL_SET_ERR_MSG(extack, "a replica or snapshot with this uuid exists");
		return -EEXIST;
	}
	return 0;
}

/*
 * Take a free record for a new replica or snapshot named @args->name, with
 * its uuid, creation time and properties; the caller sets the rest.
 * Undone by nexus_replica_record_free().  md_lock held.
 */
int nexus_replica_record(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 u32 *index, struct netlink_ext_ack *extack)
{
	u32 max_rep = le32_to_cpu(pool->md.sb.max_replicas), i;
	struct nexus_replica_rec *rec;
	int err = 0;

	lockdep_assert_held(&pool->md_lock);
	err = nexus_replica_unique(pool, args, extack);
	if (err)
		return err;
	for (i = 0; i < max_rep; i++)
		if (!(le32_to_cpu(nexus_md_rec(&pool->md, i)->flags) & NEXUS_REPLICA_IN_USE))
			break;
	if (i == max_rep) {
		NL_SET_ERR_MSG(extack, "pool has as many replicas and snapshots as it can hold");
		return -ENOSPC;
	}
	rec = nexus_md_rec(&pool->md, i);
	memset(rec, 0, sizeof(*rec));
	rec->flags = cpu_to_le32(NEXUS_REPLICA_IN_USE);
	strscpy(rec->name, args->name, sizeof(rec->name));
	if (args->uuid)
		memcpy(rec->uuid, args->uuid, sizeof(rec->uuid));
	else
		generate_random_uuid(rec->uuid);
	rec->created = cpu_to_le64(ktime_get_real_seconds());
	nexus_md_rec_dirty(&pool->md, i);
	if (args->settings && args->settings->blob)
		err = nexus_blob_write(pool, i, args->settings->entries,
				       args->settings->nr_entries);
	if (err == -E2BIG)
		NL_SET_ERR_MSG(extack, "properties and hosts take more than 64 KiB of metadata");
	else if (err)
		NL_SET_ERR_MSG(extack, "pool metadata is full");
	if (err) {
		memset(rec, 0, sizeof(*rec));
		return err;
	}
	*index = i;
	return 0;
}

/* Free record @index, its map and blob.  md_lock held, no IO to it. */
void nexus_replica_record_free(struct nexus_pool *pool, u32 index)
{
	u32 max_rep = le32_to_cpu(pool->md.sb.max_replicas), i;
	struct nexus_replica_rec *rec = nexus_md_rec(&pool->md, index);
	struct nexus_map map;

	lockdep_assert_held(&pool->md_lock);
	nexus_map_load(&map, rec);
	nexus_map_free_from(pool, &map, index, 0);
	nexus_blob_free(pool, index);
	memset(rec, 0, sizeof(*rec));
	nexus_md_rec_dirty(&pool->md, index);
	/* Its snapshots and clones keep its uuid, not a link to a free record. */
	for (i = 0; i < max_rep; i++) {
		rec = nexus_md_rec(&pool->md, i);
		if (le32_to_cpu(rec->parent) == index + 1) {
			rec->parent = 0;
			nexus_md_rec_dirty(&pool->md, i);
		}
	}
}

int nexus_replica_create(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 struct nexus_replica **out, struct netlink_ext_ack *extack)
{
	u64 clusters = nexus_replica_clusters(pool, args->size);
	struct nexus_replica_rec *rec;
	struct nexus_map map = {};
	u32 index;
	int err;

	lockdep_assert_held(&nexus_pools_lock);
	lockdep_assert_held(&pool->lock);
	if (!nexus_pool_writable(pool, extack))
		return -EROFS;
	if (!nexus_replica_size_valid(pool, args->size, args->thin, extack))
		return -EINVAL;
	if (!args->thin && clusters > nexus_alloc_free_count(&pool->alloc)) {
		NL_SET_ERR_MSG(extack, "pool has not enough free space");
		return -ENOSPC;
	}

	mutex_lock(&pool->md_lock);
	err = nexus_replica_record(pool, args, &index, extack);
	if (err) {
		mutex_unlock(&pool->md_lock);
		return err;
	}
	rec = nexus_md_rec(&pool->md, index);
	rec->flags |= cpu_to_le32(args->thin ? NEXUS_REPLICA_THIN : 0);
	rec->size = cpu_to_le64(args->size);
	rec->map_height = nexus_fmt_map_height(clusters);
	if (args->settings && args->settings->share)
		nexus_replica_apply(rec, args->settings);
	nexus_md_rec_dirty(&pool->md, index);
	if (args->source) {
		err = nexus_clone_map(pool, args->source, index, extack);
		if (err)
			goto out_free_record;
	} else if (!args->thin) {
		err = nexus_replica_thick_alloc(pool, &map, index, 0, clusters);
		if (err) {
			NL_SET_ERR_MSG(extack, "pool has not enough free space or metadata");
			goto out_free_record;
		}
	}
	mutex_unlock(&pool->md_lock);

	if (!args->thin)
		nexus_replica_zero(pool, &map, 0, clusters);
	return nexus_replica_commit_new(pool, index, out, extack);

out_free_record:
	nexus_replica_record_free(pool, index);
	mutex_unlock(&pool->md_lock);
	return err;
}

/* Hold the replica closed; -EBUSY (and a message) if it is open. */
static int nexus_replica_hold_closed(struct nexus_replica *r, const char *doing,
				     struct netlink_ext_ack *extack)
{
	int err = 0;

	mutex_lock(&r->open_lock);
	if (r->openers) {
		nexus_set_err_msg_fmt(extack, "replica is in use",
				      "replica is in use: cannot %s it", doing);
		err = -EBUSY;
	} else {
		r->dying = true;
	}
	mutex_unlock(&r->open_lock);
	return err;
}

static void nexus_replica_release_closed(struct nexus_replica *r)
{
	mutex_lock(&r->open_lock);
	r->dying = false;
	mutex_unlock(&r->open_lock);
}

int nexus_replica_destroy(struct nexus_replica *r, struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool = r->pool;
	int err;

	lockdep_assert_held(&pool->lock);
	if (!nexus_pool_writable(pool, extack))
		return -EROFS;
	err = nexus_replica_hold_closed(r, "destroy", extack);
	if (err)
		return err;
	list_del(&r->node);
	/* No IO from here on: the device goes first. */
	nexus_replica_del_disk(r);

	mutex_lock(&pool->md_lock);
	nexus_replica_record_free(pool, r->index);
	mutex_unlock(&pool->md_lock);

	nexus_replica_free(r);
	return nexus_replica_commit(pool, extack);
}

int nexus_replica_resize(struct nexus_replica *r, u64 size, struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool = r->pool;
	u64 old = nexus_replica_clusters(pool, r->size);
	u64 new = nexus_replica_clusters(pool, size);
	struct nexus_replica_rec *rec;
	int err;

	lockdep_assert_held(&pool->lock);
	if (!nexus_pool_writable(pool, extack))
		return -EROFS;
	if (r->snapshot) {
		NL_SET_ERR_MSG(extack, "a snapshot cannot be resized: clone it");
		return -EINVAL;
	}
	if (!nexus_replica_size_valid(pool, size, r->thin, extack))
		return -EINVAL;
	if (size == r->size)
		return 0;
	if (size < r->size) {
		/* Shrinking under a user would pull data from under it. */
		err = nexus_replica_hold_closed(r, "shrink", extack);
		if (err)
			return err;
		set_capacity_and_notify(r->disk, size >> SECTOR_SHIFT);
		mutex_lock(&pool->md_lock);
		nexus_map_free_from(pool, &r->map, r->index, new);
		rec = nexus_md_rec(&pool->md, r->index);
		rec->size = cpu_to_le64(size);
		nexus_md_rec_dirty(&pool->md, r->index);
		r->size = size;
		mutex_unlock(&pool->md_lock);
		nexus_replica_release_closed(r);
		return nexus_replica_commit(pool, extack);
	}

	if (!r->thin && new - old > nexus_alloc_free_count(&pool->alloc)) {
		NL_SET_ERR_MSG(extack, "pool has not enough free space");
		return -ENOSPC;
	}
	mutex_lock(&pool->md_lock);
	err = nexus_map_grow(pool, &r->map, r->index, new);
	if (!err && !r->thin)
		err = nexus_replica_thick_alloc(pool, &r->map, r->index, old, new);
	if (err) {
		nexus_map_free_from(pool, &r->map, r->index, old);
		mutex_unlock(&pool->md_lock);
		NL_SET_ERR_MSG(extack, "pool has not enough free space or metadata");
		return err;
	}
	rec = nexus_md_rec(&pool->md, r->index);
	rec->size = cpu_to_le64(size);
	nexus_md_rec_dirty(&pool->md, r->index);
	mutex_unlock(&pool->md_lock);
	if (!r->thin)
		nexus_replica_zero(pool, &r->map, old, new);
	err = nexus_replica_commit(pool, extack);
	if (err)
		return err;
	r->size = size;
	set_capacity_and_notify(r->disk, size >> SECTOR_SHIFT);
	return 0;
}

int nexus_replica_set(struct nexus_replica *r, const struct nexus_replica_settings *s,
		      struct netlink_ext_ack *extack)
{
	struct nexus_pool *pool = r->pool;
	int err = 0;

	lockdep_assert_held(&pool->lock);
	if (!nexus_pool_writable(pool, extack))
		return -EROFS;
	if (r->snapshot && s->share && s->proto != NEXUS_SHARE_NONE) {
		NL_SET_ERR_MSG(extack, "a snapshot cannot be shared: clone it, or expose it here");
		return -EINVAL;
	}
	mutex_lock(&pool->md_lock);
	/* The blob first: if it cannot be written, nothing has changed. */
	if (s->blob)
		err = nexus_blob_write(pool, r->index, s->entries, s->nr_entries);
	if (!err && s->share) {
		nexus_replica_apply(nexus_md_rec(&pool->md, r->index), s);
		nexus_md_rec_dirty(&pool->md, r->index);
	}
	mutex_unlock(&pool->md_lock);
	if (err == -E2BIG) {
		NL_SET_ERR_MSG(extack, "properties and hosts take more than 64 KiB of metadata");
		return err;
	}
	if (err) {
		NL_SET_ERR_MSG(extack, "pool metadata is full");
		return err;
	}
	return nexus_replica_commit(pool, extack);
}

/*
 * Give snapshot @r a read-only device, or take it away.  Not kept in the
 * pool: an imported snapshot has no device until exposed again.
 */
int nexus_replica_expose(struct nexus_replica *r, bool expose, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&r->pool->lock);
	if (!r->snapshot) {
		NL_SET_ERR_MSG(extack,
			       "only snapshots are exposed on request: replicas always are");
		return -EINVAL;
	}
	if (expose == !!r->disk)
		return 0;
	if (expose) {
		err = nexus_replica_add_disk(r);
		if (err)
			NL_SET_ERR_MSG(extack, "cannot make the snapshot's device");
		return err;
	}
	err = nexus_replica_hold_closed(r, "hide", extack);
	if (err)
		return err;
	nexus_replica_del_disk(r);
	nexus_replica_release_closed(r);
	return 0;
}

int nexus_replica_init(void)
{
	nexus_replica_major = register_blkdev(0, "nxr");
	return nexus_replica_major < 0 ? nexus_replica_major : 0;
}

void nexus_replica_exit(void)
{
	unregister_blkdev(nexus_replica_major, "nxr");
	ida_destroy(&nexus_replica_ida);
}
