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
 *   map.c         replica cluster maps (radix trees of map nodes)
 *   pool.c        pools: create, import, export, destroy; commit scheduling
 *   replica.c     replicas: create, destroy, resize, settings; their disks
 *   replica_io.c  the replica IO path: remap, thin allocation, flush
 *   compat.h      every difference between supported kernels, fed by the
 *                 compile-time probes in compat/
 *
 * Lock order, outermost first: nexus_pools_lock, pool->lock,
 * pool->commit_lock, pool->md_lock, replica->pending_lock, alloc->lock.
 */
#ifndef NEXUS_H
#define NEXUS_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/srcu.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "compat.h"
#include "format.h"
#include "nexus_netlink.h"

/* Defaults of the module-wide settings (module parameters in main.c). */
#define NEXUS_DEFAULT_IO_TIMEOUT_MS	5000U	/* Mayastor's NVME_TIMEOUT */
#define NEXUS_DEFAULT_REBUILD_RATE_MIN	1024U	/* KiB/s, md's is 1000 */
#define NEXUS_DEFAULT_REBUILD_RATE_MAX	0U	/* no cap */

/* Feature bits this module implements (NEXUS_F_* in the uAPI header). */
#define NEXUS_FEATURES			(NEXUS_F_EVENTS | NEXUS_F_CONFIG | NEXUS_F_POOLS)

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

void nexus_md_dirty(struct nexus_md *md, u32 nr);
int nexus_md_alloc_block(struct nexus_md *md, u16 type, u32 *nr);
void nexus_md_free_block(struct nexus_md *md, u32 nr);
struct nexus_replica_rec *nexus_md_rec(struct nexus_md *md, u32 index);
void nexus_md_rec_dirty(struct nexus_md *md, u32 index);
u16 nexus_md_ref(struct nexus_md *md, u32 cluster);
void nexus_md_set_ref(struct nexus_md *md, u32 cluster, u16 ref);
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

	/* Data IO that may touch freed clusters: see nexus_pool_free_settle(). */
	struct srcu_struct io_srcu;

	struct workqueue_struct *wq;	/* allocations and commits */
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
void nexus_pool_free_cluster(struct nexus_pool *pool, u32 cluster);
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
};

struct nexus_replica_create {
	const char *name;
	const u8 *uuid;			/* NULL: a random one */
	u64 size;
	bool thin;
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
int nexus_replica_load(struct nexus_pool *pool, u32 index);
u64 nexus_replica_allocated(struct nexus_replica *r);

/* In front of each clone the thin IO path sends down (pool->bs). */
struct nexus_tio {
	struct bio *orig;
	struct nexus_pool *pool;
	int srcu_idx;			/* the io_srcu section the IO is in */
	bool commit_after;		/* a FUA write: commit before completing */
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

/* replica_io.c */
void nexus_replica_submit_bio(struct bio *bio);
void nexus_replica_queue_flush(struct nexus_pool *pool, struct bio *bio);
void nexus_replica_flush_done(struct nexus_pool *pool, struct bio *bio, int err);

#endif /* NEXUS_H */
