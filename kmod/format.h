/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing and checking of the pool on-disk format (include/nexus_format.h),
 * shared by the module and by nexusctl's offline checker: both compile
 * format.c.  In the kernel it builds on <linux/...>; in userspace on
 * ctl/kshim.h, which gives the few kernel helpers it uses (le*_to_cpu,
 * crc32c, kvcalloc, ...) the same names.  Keep it to those.
 *
 * Nothing here does IO: callers read the blocks and hand them over.
 */
#ifndef NEXUS_FORMAT_H
#define NEXUS_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kshim.h"
#endif

#include "nexus_format.h"

/* Seed of every block checksum of a pool. */
u32 nexus_fmt_seed(const u8 uuid[16]);
u32 nexus_fmt_csum(const void *block, u32 seed);
/* Fill in a block's header (type, number, generation) and its checksum. */
void nexus_fmt_seal(void *block, u16 type, u32 blocknr, u64 gen, u32 seed);
/* NULL if the block is what it should be, else why not. */
const char *nexus_fmt_block_check(const void *block, u16 type, u32 blocknr,
				  u64 max_gen, u32 seed);

/*
 * The layout of a new pool on a device of @device_bytes: fills in every
 * layout field of @sb (name, uuid, times are the caller's).  NULL, or why
 * the device cannot hold such a pool.
 */
const char *nexus_fmt_layout(struct nexus_sb *sb, u64 device_bytes,
			     u32 cluster_shift, u32 max_replicas);
/* NULL if @sb (a superblock read from slot @slot) is sound, else why not. */
const char *nexus_fmt_sb_check(const struct nexus_sb *sb, u32 slot,
			       u64 device_bytes);
/* Which of two superblock slots to import: 0, 1, or -1 if neither is sound. */
int nexus_fmt_sb_pick(const struct nexus_sb *sb0, const struct nexus_sb *sb1,
		      u64 device_bytes, const char **why0, const char **why1);

/* Names of pools and replicas: 1 to 63 bytes of [A-Za-z0-9._-]. */
bool nexus_fmt_name_valid(const char *name, size_t len);
/* Replica sizes: a multiple of 4 KiB, at least one, within the pool. */
#define NEXUS_SIZE_ALIGN	NEXUS_BLOCK_SIZE

/* Map tree shape for a replica of @clusters logical clusters. */
u8 nexus_fmt_map_height(u64 clusters);
u64 nexus_fmt_map_capacity(u8 height);
/*
 * The largest replica a map can address: thin replicas may be larger than
 * their pool (overprovisioning) up to this, thick ones not past the pool.
 */
u64 nexus_fmt_max_replica_bytes(u32 cluster_shift);

struct nexus_fmt_walk;
/* A problem found by the walk: printf-style, one line, no newline. */
typedef void (*nexus_fmt_report_fn)(struct nexus_fmt_walk *w, const char *msg);

/*
 * Check a whole metadata copy: every block in use, every replica record,
 * every map tree, the refcounts against the maps, the metadata bitmap
 * against the blocks in use.  The import runs it before it trusts
 * anything; the offline checker runs it to report.
 */
struct nexus_fmt_walk {
	/* in */
	const struct nexus_sb *sb;	/* the chosen superblock */
	const void *(*block)(struct nexus_fmt_walk *w, u32 nr); /* NULL: unreadable */
	nexus_fmt_report_fn report;
	void *priv;
	/* out */
	unsigned int errors;		/* problems found */
	unsigned int replicas;		/* records in use */
	unsigned int snapshots;		/* of which snapshots */
	u64 mapped;			/* map entries, all replicas */
	u64 used_clusters;		/* clusters with a non-zero refcount */
	u32 md_used;			/* metadata blocks in use */
	/* scratch, owned by nexus_fmt_walk() */
	u16 *refs;			/* references found, per cluster */
	unsigned long *md_seen;		/* metadata blocks found in use */
	unsigned long *md_bad;		/* fixed-region blocks that failed */
	u32 seed;
	u64 gen;
};

int nexus_fmt_walk(struct nexus_fmt_walk *w);

/*
 * A property blob entry's value length: little-endian, at byte 2 of the
 * entry, and entries are packed, so it is often unaligned: read and
 * written a byte at a time.
 */
static inline u16 nexus_fmt_blob_vlen(const u8 *entry)
{
	return entry[2] | (u16)entry[3] << 8;
}

static inline void nexus_fmt_blob_set_vlen(u8 *entry, u16 len)
{
	entry[2] = len & 0xff;
	entry[3] = len >> 8;
}

/* Typed access to a block's payload. */
static inline void *nexus_fmt_payload(const void *block)
{
	return (u8 *)block + sizeof(struct nexus_md_header);
}

#endif /* NEXUS_FORMAT_H */
