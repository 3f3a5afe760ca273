/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nexus: private header of the kernel module.
 *
 * The module is the data plane of a Mayastor-like storage stack: pools and
 * replicas carved from a block device, and the nexus, a mirror over local
 * and remote children.  Userspace drives it through the generic netlink
 * family "nexus" (include/nexus_netlink.h, docs/netlink.md).
 *
 * Files and what each owns:
 *   main.c        module init and exit, load-time parameters
 *   config.c      the module-wide settings, nexus_config_lock (their lock)
 *                 and the attribute policy of NEXUS_CMD_CONFIG_SET
 *   genl.c        the netlink family: commands, replies, events
 *   nl_pool.c     the pool and replica commands
 *   format.c      the on-disk format: checksums, layout, the check walk
 *                 (shared with nexusctl's offline checker)
 *   md.c          a pool's metadata in memory, its load and its commits
 *   alloc.c       the cluster allocator (free extents, in memory)
 *   map.c         replica cluster maps (radix trees of map nodes), the
 *                 references they hold: sharing, copy-on-write, unref
 *   pool.c        pools: create, import, export, destroy; commit scheduling
 *   replica.c     replicas: create, destroy, resize, settings; their disks
 *   replica_io.c  the replica IO path: remap, thin allocation, copy on
 *                 write, flush
 *   snapshot.c    snapshots and clones; the write hold a snapshot takes
 *   label.c       the child label format (shared with nexusctl)
 *   vol.c         nexuses: create, assemble, stop, destroy; their disks
 *   vol_child.c   children: open, add, remove, fault, online; states
 *   vol_label.c   label and bitmap IO on the children, label persistence
 *   vol_io.c      the nexus IO path: fan-out, completion, read policies,
 *                 retries, the child IO watchdog
 *   vol_bitmap.c  the write-intent bitmap
 *   vol_rebuild.c rebuild and verify, and the range barrier they take
 *   vol_freeze.c  freeze and thaw: drain, flush and hold a nexus's IO
 *   nl_vol.c      the nexus and child commands
 *   compat.h      every difference between supported kernels, fed by the
 *                 compile-time probes in compat/
 *
 * Lock order, outermost first: nexus_pools_lock, pool->lock,
 * pool->commit_lock, pool->md_lock, replica->pending_lock, alloc->lock;
 * replica->hold_lock is a leaf.
 * Nexuses: nexus_vols_lock, vol->lock, vol->freeze_lock; vol->lock,
 * vol->label_lock, vol->state_lock, vol->bm.lock.  A nexus's children may
 * be replicas: a nexus lock may be held while replica IO runs, never the
 * other way round.
 */
#ifndef NEXUS_H
#define NEXUS_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/percpu.h>
#include <linux/blkdev.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sizes.h>
#include <linux/srcu.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "compat.h"
#include "format.h"
#include "label.h"
#include "nexus_netlink.h"

/* Defaults of the module-wide settings (module parameters in main.c). */
#define NEXUS_DEFAULT_IO_TIMEOUT_MS	5000U	/* Mayastor's NVME_TIMEOUT */
#define NEXUS_DEFAULT_REBUILD_RATE_MIN	1024U	/* KiB/s, md's is 1000 */
#define NEXUS_DEFAULT_REBUILD_RATE_MAX	0U	/* no cap */

/* Feature bits this module implements (NEXUS_F_* in the uAPI header). */
#define NEXUS_FEATURES			(NEXUS_F_EVENTS | NEXUS_F_CONFIG | NEXUS_F_POOLS | \
					 NEXUS_F_NEXUS | NEXUS_F_SNAPSHOTS)

/*
 * Module-wide settings: the defaults that objects take when they are
 * created.  Changing them does not touch objects that exist already.
 * Objects copy what they need when they are created: IO paths never take
 * nexus_config_lock (an update sends an event, allocating, under it).
 */
struct nexus_config {
	u32 io_timeout_ms;	/* child IO timeout before it is faulted */
	u32 rebuild_rate_min;	/* KiB/s a rebuild gets even under load */
	u32 rebuild_rate_max;	/* KiB/s a rebuild never exceeds, 0 = none */
};

/* config.c */
extern const struct nla_policy nexus_config_policy[NEXUS_ATTR_MAX + 1];
extern struct netlink_range_validation nexus_io_timeout_range;
int nexus_config_check(const struct nexus_config *cfg,
		       struct netlink_ext_ack *extack);
int nexus_config_init(const struct nexus_config *initial,
		      struct netlink_ext_ack *extack);
void nexus_config_get(struct nexus_config *out);
int nexus_config_update(struct nlattr **attrs, struct netlink_ext_ack *extack,
			void (*notify)(const struct nexus_config *cfg));

/* genl.c */
enum nexus_mcgrp {
	NEXUS_MCGRP_EVENTS,
};

extern struct genl_family nexus_genl_family;
int nexus_genl_init(void);
void nexus_genl_exit(void);
struct sk_buff *nexus_nl_reply_new(struct genl_info *info, u8 cmd, void **hdr);
int nexus_nl_reply_overflow(struct sk_buff *msg, struct genl_info *info);
int nexus_nl_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info);
struct sk_buff *nexus_nl_event_new(u8 cmd, u8 event, void **hdr);
void nexus_nl_event_send(struct sk_buff *msg, void *hdr, int err);
bool nexus_nl_name_ok(struct genl_info *info, int attr);
bool nexus_nl_text_ok(const char *s, bool spaces);

/*
 * md.c: a pool's metadata, all of it in memory as the blocks of a metadata
 * copy.  The pool's md_lock guards the blocks and dirty maps; the IO path
 * reads map entries without it (map.c says how).
 */
struct nexus_md {
	struct nexus_sb sb;		/* the superblock of the last commit */
	u32 seed;			/* block checksum seed */
	u32 nr_blocks;
	void *mem;			/* nr_blocks blocks */
	unsigned long *dirty[NEXUS_MD_COPIES];	/* changed since written there */
	bool changed;			/* anything changed since the last commit */
	bool committing;		/* a commit's writes are in flight */
	u32 free_blocks;		/* dynamic blocks not in use */
	u32 alloc_hint;			/* where the block allocator looks first */
};

static inline void *nexus_md_block(struct nexus_md *md, u32 nr)
{
	return (u8 *)md->mem + ((size_t)nr << NEXUS_BLOCK_SHIFT);
}

static inline u64 nexus_md_gen(const struct nexus_md *md)
{
	return le64_to_cpu(md->sb.hdr.gen);
}

int nexus_bdev_rw(struct block_device *bdev, sector_t sector, void *buf,
		  size_t len, blk_opf_t opf);
void nexus_md_dirty(struct nexus_md *md, u32 nr);
int nexus_md_alloc_block(struct nexus_md *md, u16 type, u32 *nr);
void nexus_md_free_block(struct nexus_md *md, u32 nr);
struct nexus_replica_rec *nexus_md_rec(struct nexus_md *md, u32 index);
void nexus_md_rec_dirty(struct nexus_md *md, u32 index);
u16 nexus_md_ref(struct nexus_md *md, u32 cluster);
void nexus_md_set_ref(struct nexus_md *md, u32 cluster, u16 ref);
int nexus_md_init(struct nexus_md *md, const struct nexus_sb *sb);
int nexus_md_format(struct nexus_md *md, struct block_device *bdev,
		    const struct nexus_sb *sb, const char **why);
int nexus_md_load(struct nexus_md *md, struct block_device *bdev,
		  const char **why);
int nexus_md_commit(struct nexus_md *md, struct block_device *bdev, struct mutex *md_lock);
void nexus_md_release(struct nexus_md *md);
int nexus_md_wipe(struct block_device *bdev);
int nexus_md_probe(struct block_device *bdev);

/*
 * alloc.c: free data clusters as extents in an rbtree ordered by start,
 * each node knowing the longest extent below it, so that the first extent
 * of a given length is found in O(log n).  Lives only in memory: import
 * rebuilds it from the space map.
 */
struct nexus_alloc {
	spinlock_t lock;		/* guards everything below */
	struct rb_root free;		/* struct nexus_extent, by start */
	u32 nr_clusters;
	u32 nr_free;			/* clusters in the tree */
};

void nexus_alloc_init(struct nexus_alloc *a, u32 nr_clusters);
void nexus_alloc_destroy(struct nexus_alloc *a);
int nexus_alloc_put(struct nexus_alloc *a, u32 start, u32 len);
int nexus_alloc_get(struct nexus_alloc *a, u32 want, bool whole, u32 *start,
		    u32 *len);
int nexus_alloc_one(struct nexus_alloc *a, u32 *cluster);
u32 nexus_alloc_free_count(struct nexus_alloc *a);
int nexus_alloc_load(struct nexus_alloc *a, u16 (*ref)(void *arg, u32 cluster), void *arg);

struct nexus_replica;

/* pool.c: a pool. */
enum nexus_pool_state {
	NEXUS_POOL_ONLINE,
	NEXUS_POOL_READ_ONLY,		/* metadata writes failed: ro_reason */
};

/* Copy-on-write goes through a buffer of this size. */
#define NEXUS_COPY_CHUNK	SZ_1M

struct nexus_pool {
	struct list_head node;		/* nexus_pools, under nexus_pools_lock */
	char name[NEXUS_NAME_LEN];
	uuid_t uuid;
	char path[256];			/* the device, as given at import */
	struct nexus_bdev dev;
	u32 cluster_shift;
	u32 nr_clusters;
	sector_t data_start;		/* sector of cluster 0 */

	/*
	 * Outermost: object changes (replicas created, destroyed, resized,
	 * settings), export and destroy.  Guards replicas and state.
	 */
	struct mutex lock;
	/* changed under nexus_pools_lock and lock: either lets one read it */
	struct list_head replicas;	/* struct nexus_replica.node */
	enum nexus_pool_state state;
	const char *ro_reason;

	/* One commit at a time; taken before md_lock. */
	struct mutex commit_lock;
	/*
	 * The metadata (struct nexus_md: blocks, dirty maps), and the clusters
	 * freed since the last commit (free_pending, nr_free_pending).
	 */
	struct mutex md_lock;
	struct nexus_md md;
	unsigned long *free_pending;	/* back to the allocator after a commit */
	u32 nr_free_pending;

	struct nexus_alloc alloc;	/* has its own lock */

	/*
	 * Every replica data IO, from its lookup to its end: cluster frees
	 * wait for it (pool.c), and so does a snapshot (snapshot.c).
	 */
	struct srcu_struct io_srcu;

	struct workqueue_struct *wq;	/* allocations, copies, commits */
	mempool_t *copy_bufs;		/* copy-on-write never fails for memory */
	struct work_struct commit_work;
	struct timer_list commit_timer;	/* commits what IO changed */
	spinlock_t flush_lock;		/* guards flush_bios */
	struct bio_list flush_bios;	/* wait for the next commit */
	struct bio_set bs;		/* clones with a struct nexus_tio in front */
	struct bio_set split_bs;	/* splits (never from bs: one mempool each) */
};

extern struct mutex nexus_pools_lock;
extern struct list_head nexus_pools;

static inline u64 nexus_pool_cluster_bytes(const struct nexus_pool *pool)
{
	return 1ULL << pool->cluster_shift;
}

static inline sector_t nexus_cluster_sector(const struct nexus_pool *pool, u32 cluster)
{
	return pool->data_start + ((sector_t)cluster << (pool->cluster_shift - SECTOR_SHIFT));
}

struct nexus_pool_create {
	const char *name;
	const char *path;
	const u8 *uuid;			/* NULL: a random one */
	u32 cluster_shift;
	u32 max_replicas;
	bool force;
};

struct nexus_pool *nexus_pool_find(const char *name);
int nexus_pool_create(const struct nexus_pool_create *args, struct nexus_pool **out,
		      struct netlink_ext_ack *extack);
int nexus_pool_import(const char *path, const char *name, struct nexus_pool **out,
		      struct netlink_ext_ack *extack);
int nexus_pool_export(struct nexus_pool *pool, struct netlink_ext_ack *extack);
int nexus_pool_destroy(struct nexus_pool *pool, bool force,
		       struct netlink_ext_ack *extack);
void nexus_pool_export_all(void);
int nexus_pool_commit(struct nexus_pool *pool);
void nexus_pool_changed(struct nexus_pool *pool);
void nexus_pool_go_read_only(struct nexus_pool *pool, const char *reason);
u32 nexus_pool_used(struct nexus_pool *pool);

/*
 * map.c: a replica's cluster map.  Writers hold pool->md_lock; the IO path
 * looks up without it: nodes are published after they are filled in, and
 * only freed when no IO can be in flight (the replica is closed).
 */
struct nexus_map {
	unsigned long top;		/* root block << 2 | height, READ_ONCE */
};

u32 nexus_map_lookup(struct nexus_pool *pool, struct nexus_map *map, u64 logical);
/* Called with the NEXUS_MAP_PER_BLOCK entries of a leaf; non-zero stops. */
typedef int (*nexus_leaf_fn)(struct nexus_pool *pool, __le32 *e, void *arg);
int nexus_map_leaf_walk(struct nexus_pool *pool, u32 rec, nexus_leaf_fn fn, void *arg);
u32 nexus_map_nodes(struct nexus_pool *pool, u32 rec);
void nexus_map_copy(struct nexus_pool *pool, u32 from, u32 to);
void nexus_map_unref(struct nexus_pool *pool, u32 cluster);
int nexus_map_share(struct nexus_pool *pool, u32 from, u32 to);
int nexus_map_cow(struct nexus_pool *pool, struct nexus_map *map, u32 rec, u64 logical,
		  u32 old, u32 cluster);
bool nexus_map_shared(struct nexus_pool *pool, u32 rec);
u64 nexus_map_exclusive(struct nexus_pool *pool, u32 rec);
int nexus_map_set(struct nexus_pool *pool, struct nexus_map *map, u32 rec,
		  u64 logical, u32 value);
int nexus_map_grow(struct nexus_pool *pool, struct nexus_map *map, u32 rec,
		   u64 clusters);
void nexus_map_free_from(struct nexus_pool *pool, struct nexus_map *map, u32 rec,
			 u64 from);
void nexus_map_load(struct nexus_map *map, const struct nexus_replica_rec *r);

/* replica.c: a replica of a pool, and its block device. */
struct nexus_replica {
	struct list_head node;		/* pool->replicas, under pool->lock */
	struct nexus_pool *pool;
	u32 index;			/* its record in the replica table */
	char name[NEXUS_NAME_LEN];
	uuid_t uuid;
	bool thin;
	bool snapshot;			/* read-only, a device only when exposed */
	/*
	 * Its clusters may be shared (a snapshot, a clone, an origin): IO
	 * takes the mapping path, which copies shared clusters on write.
	 * Set under pool->md_lock while writes are held (READ_ONCE).
	 */
	bool cow;
	u64 size;			/* bytes; changes under pool->lock */
	struct nexus_map map;
	struct gendisk *disk;
	int id;				/* the disk's minor: /dev/nxr<id> */

	/* Opening and going away; guards openers and dying. */
	struct mutex open_lock;
	unsigned int openers;
	bool dying;

	/* Thin clusters being allocated: logical cluster -> nexus_pending. */
	struct xarray pending;		/* and its lock guards their bio lists */

	/* A snapshot being taken holds the writes (snapshot.c). */
	spinlock_t hold_lock;		/* guards frozen and held */
	bool frozen;			/* writes wait in held */
	struct bio_list held;
};

struct nexus_replica_create {
	const char *name;
	const u8 *uuid;			/* NULL: a random one */
	u64 size;
	bool thin;
	struct nexus_replica *source;	/* a snapshot: make a clone of it */
	const struct nexus_replica_settings *settings;	/* or NULL */
};

/* A property or an allowed host, as kept in a replica's blob. */
struct nexus_blob_entry {
	u8 type;			/* enum nexus_blob_entry_type */
	u8 key_len;
	u16 value_len;
	const char *key;
	const char *value;
};

struct nexus_replica_settings {
	bool share;			/* share settings given */
	u8 proto;			/* enum nexus_share_proto */
	u16 port;
	bool any_host;
	const char *addr;
	bool blob;			/* entries given: they replace the blob */
	const struct nexus_blob_entry *entries;
	unsigned int nr_entries;
};

int nexus_replica_init(void);
void nexus_replica_exit(void);
struct nexus_replica *nexus_replicas_close(struct nexus_pool *pool);
void nexus_replicas_reopen(struct nexus_pool *pool);
void nexus_replicas_free(struct nexus_pool *pool);
int nexus_replica_set(struct nexus_replica *r, const struct nexus_replica_settings *s,
		      struct netlink_ext_ack *extack);
struct nexus_replica *nexus_replica_find_uuid(const u8 *uuid);
int nexus_replica_blob_for_each(struct nexus_replica *r,
				int (*fn)(void *arg, const struct nexus_blob_entry *e),
				void *arg);
struct nexus_replica *nexus_replica_find(struct nexus_pool *pool, const char *name);
int nexus_replica_create(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 struct nexus_replica **out, struct netlink_ext_ack *extack);
int nexus_replica_destroy(struct nexus_replica *r, struct netlink_ext_ack *extack);
int nexus_replica_resize(struct nexus_replica *r, u64 size, struct netlink_ext_ack *extack);
int nexus_replica_add_disk(struct nexus_replica *r);
void nexus_replica_free(struct nexus_replica *r);
int nexus_replica_load(struct nexus_pool *pool, u32 index, struct nexus_replica **out);
u64 nexus_replica_allocated(struct nexus_replica *r);
int nexus_replica_expose(struct nexus_replica *r, bool expose,
			 struct netlink_ext_ack *extack);
bool nexus_pool_writable(struct nexus_pool *pool, struct netlink_ext_ack *extack);
int nexus_replica_commit_new(struct nexus_pool *pool, u32 index, struct nexus_replica **out,
			     struct netlink_ext_ack *extack);
int nexus_replica_record(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 u32 *index, struct netlink_ext_ack *extack);
void nexus_replica_record_free(struct nexus_pool *pool, u32 index);
int nexus_replica_unique(struct nexus_pool *pool, const struct nexus_replica_create *args,
			 struct netlink_ext_ack *extack);

/* snapshot.c: snapshots and clones; the write hold snapshots take. */
int nexus_snapshot_create(struct nexus_replica *origin, const struct nexus_replica_create *args,
			  struct nexus_replica **out, struct netlink_ext_ack *extack);
int nexus_clone_map(struct nexus_pool *pool, struct nexus_replica *snap, u32 index,
		    struct netlink_ext_ack *extack);
bool nexus_replica_hold(struct nexus_replica *r, struct bio *bio);

/* In front of each clone the replica IO path sends down (pool->bs). */
struct nexus_tio {
	struct bio *orig;
	struct nexus_pool *pool;
	int srcu_idx;			/* the io_srcu section the IO is in */
	bool commit_after;		/* a FUA write: commit before completing */
	bool acct;			/* accounted to the replica's disk (iostat) */
	unsigned long start_time;	/* of the accounting, in jiffies */
	struct bio clone;		/* last: the bio_set's front_pad ends here */
};

/* nl_pool.c: the pool and replica commands (genl.c has the ops table) */
extern const struct nla_policy nexus_pool_policy[NEXUS_ATTR_MAX + 1];
extern const struct nla_policy nexus_replica_policy[NEXUS_ATTR_MAX + 1];
int nexus_nl_pool_create_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_pool_import_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_pool_export_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_pool_destroy_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_pool_get_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_pool_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int nexus_nl_replica_create_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_replica_destroy_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_replica_resize_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_replica_set_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_replica_get_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_replica_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int nexus_nl_snapshot_create_doit(struct sk_buff *skb, struct genl_info *info);

/* replica_io.c */
void nexus_replica_submit_bio(struct bio *bio);
void nexus_replica_queue_flush(struct nexus_pool *pool, struct bio *bio);
void nexus_replica_flush_done(struct nexus_pool *pool, struct bio *bio, int err);

/*
 * The nexus: a blk-mq device mirroring a volume over up to
 * NEXUS_MAX_CHILDREN children (vol.c and the vol_*.c files).
 *
 * A child's slot is its index in the member table of the labels and in
 * vol->children.  The IO path finds children through vol->children inside
 * an io_srcu read section that lasts from queue_rq to the completion of the
 * nexus request; removing a child unpublishes it and waits for io_srcu.
 */
#define NEXUS_PATH_LEN			256
#define NEXUS_URI_LEN			512
#define NEXUS_WATCHDOG_MS		250U	/* child IO watchdog period */
#define NEXUS_BITMAP_SWEEP_MS		5000U	/* md's daemon_sleep */
#define NEXUS_REBUILD_SEGMENT		SZ_1M	/* bytes per copy */
#define NEXUS_BARRIER_SHIFT		(26 - SECTOR_SHIFT) /* 64 MiB buckets */
#define NEXUS_BARRIER_BUCKETS		1024
#define NEXUS_MAX_REQUEST_SECTORS	((unsigned int)BIT(NEXUS_BARRIER_SHIFT)) /* a bucket */

struct nexus_stats {
	u64 read_ops, read_bytes, read_ns;
	u64 write_ops, write_bytes, write_ns;
	u64 flush_ops, discard_ops, discard_bytes;
	u64 errors;
};

/*
 * The write-intent bitmap (vol_bitmap.c): @bits is the image the children
 * must hold, @durable the bits known to be on every written child.
 */
struct nexus_bitmap {
	u32 chunk_shift;		/* bytes per chunk, log2 */
	u64 nr_chunks;
	u32 bytes;			/* of the on-disk image */
	/* Guards everything below; taken from IO completion (irqsave). */
	spinlock_t lock;
	u16 *pending;			/* writes in flight, per chunk */
	unsigned long *bits;
	unsigned long *durable;
	unsigned long *touched;		/* written to since the last sweep */
	unsigned long *dirty_blocks;	/* 4 KiB image blocks to write */
	struct list_head waiting;	/* struct nexus_io.list: need bits */
	u8 *image;			/* the worker's copy, written out */
	struct work_struct work;	/* the one writer of the image */
	struct delayed_work sweep;	/* clears idle bits */
	bool stopping;
};

struct nexus_rebuild;
struct nexus_verify;

struct nexus_child {
	struct nexus_vol *vol;
	u8 slot;
	uuid_t uuid;
	char path[NEXUS_PATH_LEN];
	char uri[NEXUS_URI_LEN];
	bool local;			/* no network in the way */
	struct nexus_bdev dev;		/* .bdev NULL: missing since assembly */

	/* Guarded by vol->state_lock; the IO path reads state with READ_ONCE. */
	u8 state;			/* enum nexus_member_state */
	u8 reason;			/* enum nexus_fault_reason */
	u8 reported_state;		/* as the last event told listeners */
	u64 rebuild_offset;		/* bytes, see include/nexus_label.h */
	u64 fault_event;
	u64 fault_time;

	atomic_t inflight;		/* clones sent and not back */
	atomic_t batch_inflight;	/* label and bitmap bios not back (wake_up_var) */
	atomic64_t completed;		/* clones back, for the watchdog */
	u64 wd_completed;		/* the watchdog's: last value seen */
	unsigned int wd_stalled_ms;	/* the watchdog's: time without progress */
	struct nexus_stats __percpu *stats;

	struct nexus_rebuild *rebuild;	/* under vol->lock */
	/* The last or running rebuild's progress: WRITE_ONCE, READ_ONCE. */
	struct {
		u64 done, total, copied;	/* bytes */
		bool paused, partial;
	} rstat;
	struct kobject *kobj;		/* /sys/block/nexusN/children/<slot> */
};

struct nexus_vol {
	struct list_head node;		/* nexus_vols, under nexus_vols_lock */
	char name[NEXUS_NAME_LEN];
	uuid_t uuid;
	u64 size;			/* bytes */
	sector_t data_offset;		/* sectors, the same on every child */
	u64 created;
	int id;				/* /dev/nexus<id> */
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct kobject *children_kobj;	/* /sys/block/nexusN/children */
	/* Opening and stopping: guards openers (stopping is under lock). */
	struct mutex open_lock;
	unsigned int openers;

	/* Settings: changed under lock, read with READ_ONCE. */
	u32 io_timeout_ms;
	u32 rebuild_rate_min;		/* KiB/s */
	u32 rebuild_rate_max;		/* KiB/s, 0 = none */
	u8 read_policy;			/* enum nexus_read_policy */
	atomic_t read_rr;		/* round-robin cursor */

	/*
	 * Configuration: children added, removed, faulted or onlined by
	 * hand, rebuilds started and stopped, stop.  Sleeps, and may wait
	 * for IO.  Guards the children table (written also under
	 * state_lock), each child's rebuild, and stopping.
	 */
	struct mutex lock;
	struct nexus_child __rcu *children[NEXUS_MAX_CHILDREN];
	bool stopping;
	bool dead;			/* the last label is written: no more */
	struct srcu_struct io_srcu;

	/*
	 * Label writes, one at a time: event and clean.  Never held while
	 * waiting for nexus IO, so that IO may wait for a label write.
	 */
	struct mutex label_lock;
	u64 event;			/* of the last label written */
	bool clean;			/* what the last label said */

	/*
	 * Child states (each child's state, reason, rebuild_offset, fault
	 * fields), the counts below, the IO waiting for a label write, and
	 * the retry and plugged lists.
	 * Taken in IO completion: irqsave.
	 */
	spinlock_t state_lock;
	unsigned int nr_synced;
	u64 label_seq;			/* state changes made */
	u64 label_done;			/* state changes on disk */
	struct list_head deferred;	/* struct nexus_io.list */
	struct list_head retry;		/* reads to send to another child */
	struct list_head plugged;	/* requests that came with a plug */

	struct workqueue_struct *wq;	/* label, bitmap, retries, watchdog */
	struct workqueue_struct *rebuild_wq;	/* rebuilds: they wait on wq */
	struct work_struct label_work;	/* persists state changes */
	struct work_struct retry_work;	/* resends reads, parked writes */
	struct work_struct plugged_work; /* sends vol->plugged, on kblockd */
	struct delayed_work watchdog;

	/* Rebuild range barrier (vol_rebuild.c), as md's raid1 buckets. */
	atomic_t barrier_pending[NEXUS_BARRIER_BUCKETS];
	int barrier[NEXUS_BARRIER_BUCKETS];	/* WRITE_ONCE under barrier_lock */
	spinlock_t barrier_lock;	/* guards barrier_wait and barrier[] */
	struct list_head barrier_wait;	/* struct nexus_io.list */
	wait_queue_head_t barrier_wq;	/* rebuilds waiting for writes */

	struct nexus_bitmap bm;
	struct nexus_verify *verify;	/* the last or running one; under lock */
	struct bio_set bs;		/* clones, struct nexus_clone */
	struct nexus_stats __percpu *stats;

	/* Freeze (vol_freeze.c); inside lock. Guards frozen, frozen_until. */
	struct mutex freeze_lock;
	bool frozen;			/* the queue is frozen until thawed */
	u64 frozen_until;		/* seconds since the epoch */
	struct delayed_work thaw_work;	/* thaws when the timeout runs out */
};

/* The blk-mq request payload: one nexus IO. */
struct nexus_io {
	struct nexus_vol *vol;
	struct list_head list;		/* on one of the waiting lists */
	int srcu_idx;
	atomic_t pending;		/* clones in flight, +1 while sending */
	unsigned long targets;		/* children sent to */
	unsigned long synced;		/* of which in sync when sent */
	unsigned long failed;		/* children that failed it */
	unsigned long tried;		/* reads: children tried */
	blk_status_t status;		/* a child's error */
	blk_status_t result;		/* what the nexus IO ends with */
	u64 start_ns;			/* local_clock() at queue_rq */
	u64 seq;			/* deferred: label_seq to wait for */
	u64 first_chunk, last_chunk;	/* bitmap range held (writes) */
	int bucket[2];			/* barrier buckets held, -1 none */
	bool barrier_held;
	bool bitmap_held;
};

/* In front of every bio the nexus sends to a child (vol->bs). */
struct nexus_clone {
	struct nexus_io *io;		/* NULL: label, bitmap or rebuild IO */
	struct nexus_child *child;
	sector_t sector;		/* where it was sent, for the trace */
	u32 bytes;
	u64 start_ns;			/* local_clock() when sent */
	struct bio bio;			/* last: the bio_set's front_pad ends here */
};

extern struct mutex nexus_vols_lock;
extern struct list_head nexus_vols;

static inline bool nexus_child_writable(u8 state)
{
	return state == NEXUS_MEMBER_SYNCED || state == NEXUS_MEMBER_REBUILD;
}

static inline struct nexus_child *nexus_vol_child(struct nexus_vol *vol, unsigned int slot)
{
	return srcu_dereference_check(vol->children[slot], &vol->io_srcu,
				      lockdep_is_held(&vol->lock));
}

/* vol.c */
struct nexus_vol_create {
	const char *name;
	const u8 *uuid;			/* NULL: a random one */
	u64 size;			/* 0: the smallest child's capacity */
	u32 chunk_shift;
	u8 read_policy;
	u32 io_timeout_ms;		/* 0: the module default */
	bool force;			/* overwrite children with labels */
};

struct nexus_child_spec {
	const char *path;
	const char *uri;
	const u8 *uuid;			/* NULL: a random one */
	bool local;
	bool force;			/* take it although it has a label */
};

int nexus_vol_init(void);
void nexus_vol_exit(void);
struct nexus_vol *nexus_vol_find(const char *name);
int nexus_vol_create(const struct nexus_vol_create *args,
		     const struct nexus_child_spec *specs, unsigned int nr,
		     struct netlink_ext_ack *extack);
int nexus_vol_assemble(const char *name, const struct nexus_child_spec *specs,
		       unsigned int nr, char *assembled, struct netlink_ext_ack *extack);
int nexus_vol_stop(struct nexus_vol *vol, bool wipe, struct netlink_ext_ack *extack);
void nexus_vol_stop_all(void);
u8 nexus_vol_state(struct nexus_vol *vol);
void nexus_stats_sum(struct nexus_stats __percpu *pcpu, struct nexus_stats *sum);

/* vol_freeze.c */
int nexus_vol_freeze(struct nexus_vol *vol, u32 timeout_ms, struct netlink_ext_ack *extack);
int nexus_vol_thaw(struct nexus_vol *vol, struct netlink_ext_ack *extack);
void nexus_vol_thaw_work(struct work_struct *work);
void nexus_vol_freeze_stop(struct nexus_vol *vol);
u64 nexus_vol_frozen_until(struct nexus_vol *vol);

/* vol_child.c */
struct nexus_child *nexus_child_open(struct nexus_vol *vol, const struct nexus_child_spec *spec,
				     unsigned int slot, struct netlink_ext_ack *extack);
void nexus_child_free(struct nexus_child *child);
void nexus_child_sysfs_add(struct nexus_child *child);
void nexus_child_sysfs_del(struct nexus_child *child);
struct nexus_child *nexus_child_find(struct nexus_vol *vol, const u8 *uuid);
int nexus_child_add(struct nexus_vol *vol, const struct nexus_child_spec *spec,
		    struct netlink_ext_ack *extack);
int nexus_child_remove(struct nexus_vol *vol, struct nexus_child *child, bool force,
		       struct netlink_ext_ack *extack);
int nexus_child_fault_admin(struct nexus_vol *vol, struct nexus_child *child,
			    struct netlink_ext_ack *extack);
int nexus_child_online(struct nexus_vol *vol, struct nexus_child *child,
		       const struct nexus_child_spec *spec, struct netlink_ext_ack *extack);
int nexus_child_fault(struct nexus_child *child, u8 reason);
unsigned long nexus_vol_written(struct nexus_vol *vol, unsigned long *synced,
				struct nexus_child **kids);

/* vol_label.c */
struct nexus_batch;
struct nexus_batch *nexus_batch_new(void);
void nexus_batch_add(struct nexus_batch *b, struct nexus_child *child, blk_opf_t opf,
		     sector_t sector, struct page **pages, unsigned int nr);
unsigned long nexus_batch_wait(struct nexus_vol *vol, struct nexus_batch *b,
			       unsigned long *late);
void nexus_batch_drain(struct nexus_child *child);
void nexus_vol_build_label(struct nexus_vol *vol, struct nexus_label *l);
int nexus_label_read(struct block_device *bdev, struct nexus_label *out, const char **why);
int nexus_vol_persist(struct nexus_vol *vol, bool clean);
void nexus_vol_label_work(struct work_struct *work);
int nexus_child_wipe_label(struct nexus_child *child);

/* vol_io.c */
extern const struct blk_mq_ops nexus_vol_mq_ops;
void nexus_io_write_start(struct nexus_io *io);
void nexus_io_write_send(struct nexus_io *io);
void nexus_io_end(struct nexus_io *io, blk_status_t status);
void nexus_child_account(struct nexus_child *child, enum req_op op, u32 bytes, u64 ns,
			 blk_status_t status);
void nexus_vol_retry_work(struct work_struct *work);
void nexus_vol_plugged_work(struct work_struct *work);
void nexus_vol_watchdog(struct work_struct *work);
void nexus_vol_complete_deferred(struct nexus_vol *vol, u64 done, blk_status_t status);

/* vol_bitmap.c */
int nexus_bitmap_init(struct nexus_bitmap *bm, const struct nexus_label *l);
void nexus_bitmap_destroy(struct nexus_bitmap *bm);
bool nexus_bitmap_start(struct nexus_vol *vol, struct nexus_io *io, sector_t pos,
			sector_t sectors);
void nexus_bitmap_end(struct nexus_vol *vol, struct nexus_io *io);
int nexus_bitmap_load(struct nexus_vol *vol, struct nexus_child *child);
int nexus_bitmap_write_child(struct nexus_vol *vol, struct nexus_child *child);
unsigned long *nexus_bitmap_snapshot(struct nexus_vol *vol);
void nexus_bitmap_kick(struct nexus_vol *vol);
u64 nexus_bitmap_dirty(struct nexus_vol *vol);
void nexus_bitmap_stop(struct nexus_vol *vol);

/* vol_rebuild.c */
bool nexus_barrier_enter(struct nexus_vol *vol, struct nexus_io *io, sector_t pos,
			 sector_t sectors);
void nexus_barrier_exit(struct nexus_vol *vol, struct nexus_io *io);
int nexus_rebuild_start(struct nexus_vol *vol, struct nexus_child *child);
void nexus_rebuild_stop(struct nexus_vol *vol, struct nexus_child *child);
int nexus_rebuild_action(struct nexus_vol *vol, struct nexus_child *child, u8 action,
			 struct netlink_ext_ack *extack);
void nexus_rebuild_progress(struct nexus_child *child, u64 *done, u64 *total,
			    u64 *copied, bool *paused, bool *partial);
int nexus_verify_start(struct nexus_vol *vol, bool repair, struct netlink_ext_ack *extack);
void nexus_verify_stop(struct nexus_vol *vol, bool stop);
int nexus_verify_put(struct sk_buff *msg, struct nexus_vol *vol);
void nexus_verify_free(struct nexus_vol *vol);

/* nl_vol.c */
extern const struct nla_policy nexus_vol_policy[NEXUS_ATTR_MAX + 1];
int nexus_nl_vol_create_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_assemble_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_stop_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_destroy_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_set_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_get_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_vol_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int nexus_nl_child_add_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_child_remove_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_child_fault_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_child_online_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_rebuild_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_verify_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_freeze_doit(struct sk_buff *skb, struct genl_info *info);
int nexus_nl_thaw_doit(struct sk_buff *skb, struct genl_info *info);
void nexus_nl_vol_notify(struct nexus_vol *vol, u8 event, struct nexus_child *child);

#endif /* NEXUS_H */
