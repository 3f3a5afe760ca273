/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nexus pool on-disk format, version 1.  docs/format.md is the full
 * description; this header is the byte layout.  The module and the offline
 * checker (nexusctl pool check) both include it, and both parse it with the
 * same code (kmod/format.c).
 *
 * All integers are little-endian.  All metadata lives in 4 KiB blocks; each
 * block carries a crc32c of itself, seeded with the pool's uuid, so that a
 * block of another pool, a torn block or a misdirected write is refused.
 *
 * Device layout (byte offsets):
 *
 *   0        superblock slot 0
 *   4 KiB    superblock slot 1
 *   8 KiB    metadata copy 0   (md_blocks blocks)
 *   ...      metadata copy 1   (md_blocks blocks)
 *   data_start (1 MiB aligned)  nr_clusters clusters of 2^cluster_shift bytes
 *
 * Commits: the module keeps the metadata in memory and writes a commit to
 * the copy the current superblock does not use, then writes the superblock
 * slot of the same number (slot s always describes copy s) with a higher
 * generation, after a cache flush and with FUA.  Import takes the valid slot
 * with the highest generation: a torn commit leaves the previous one whole.
 *
 * Metadata copy layout (block numbers within the copy):
 *
 *   md_bitmap_start   md_bitmap_blocks   which metadata blocks are in use
 *   rtable_start      rtable_blocks      replica records, 15 per block
 *   smap_start        smap_blocks        one u16 refcount per data cluster
 *   dynamic area      the rest           map nodes and property blobs
 *
 * A cluster's refcount counts the cluster maps that point at it: 0 is free,
 * 1 owned by one replica, more than 1 shared (snapshots and clones, copied
 * on write).  A replica's cluster map is a radix tree of map nodes: a leaf
 * holds physical cluster + 1 for each of its logical clusters (0: unmapped,
 * reads as zeros), an inner node holds child block numbers (0: none).
 */
#ifndef _UAPI_NEXUS_FORMAT_H
#define _UAPI_NEXUS_FORMAT_H

#include <linux/const.h>
#include <linux/types.h>

#define NEXUS_SB_MAGIC			0x4c4f4f5053584e4eULL /* "NNXSPOOL" */
#define NEXUS_FORMAT_VERSION		1

#define NEXUS_BLOCK_SIZE		4096
#define NEXUS_BLOCK_SHIFT		12
#define NEXUS_SB_SLOTS			2
#define NEXUS_MD_COPIES			2

/* Cluster size: a power of two, 1 MiB to 1 GiB, default 4 MiB (Mayastor's). */
#define NEXUS_CLUSTER_SHIFT_MIN		20
#define NEXUS_CLUSTER_SHIFT_MAX		30
#define NEXUS_CLUSTER_SHIFT_DEFAULT	22

/*
 * Limits, and where they come from:
 * - clusters per pool: 2^24, so that the metadata the module keeps in
 *   memory stays bounded (about 18 bytes per cluster at the default map
 *   reserve): 16 TiB pools at 1 MiB clusters, 64 TiB at 4 MiB, 16 PiB at
 *   1 GiB.  Map entries are u32 (cluster + 1), which alone would allow 2^32.
 * - replicas (and, later, snapshots) per pool: set at pool creation, at
 *   most 65536 (rtable size), default 4096.
 * - map reserve: the dynamic area holds map nodes for NEXUS_MAP_RESERVE
 *   times the pool's clusters by default (thin overprovisioning and
 *   snapshots share it); when it is full, allocations fail with ENOSPC and
 *   the pool says its metadata is full.
 * - names: 63 bytes; properties and allowed hosts: a blob of blocks.
 */
#define NEXUS_MAX_CLUSTERS		(16U * 1024 * 1024)
#define NEXUS_MAX_REPLICAS_LIMIT	65536
#define NEXUS_MAX_REPLICAS_DEFAULT	4096
#define NEXUS_MAP_RESERVE		4
#define NEXUS_NAME_LEN			64	/* with the terminating NUL */
#define NEXUS_DATA_ALIGN		(1024U * 1024)

/*
 * Feature flags.  An unknown incompat bit refuses import; an unknown
 * ro_compat bit means only a read-only import would be safe, which v1 does
 * not offer, so it refuses too; compat bits are advisory.
 */
/*
 * NEXUS_FEATURE_INCOMPAT_SHARED: the pool may hold snapshots and clusters
 * shared by several maps.  A nexus without it would write into shared
 * clusters in place, and would not know the snapshot flag: it must refuse
 * the pool.  Set by the first snapshot or clone, never cleared.
 */
#define NEXUS_FEATURE_INCOMPAT_SHARED	_BITUL(0)

#define NEXUS_FEATURE_COMPAT_SUPP	0
#define NEXUS_FEATURE_RO_COMPAT_SUPP	0
#define NEXUS_FEATURE_INCOMPAT_SUPP	NEXUS_FEATURE_INCOMPAT_SHARED

/* Block types (struct nexus_md_header.type). */
enum nexus_block_type {
	NEXUS_BLK_SUPER = 1,
	NEXUS_BLK_MD_BITMAP = 2,
	NEXUS_BLK_RTABLE = 3,
	NEXUS_BLK_SMAP = 4,
	NEXUS_BLK_MAP_LEAF = 5,
	NEXUS_BLK_MAP_INNER = 6,
	NEXUS_BLK_BLOB = 7,
};

/*
 * Header of every metadata block (32 bytes).  csum is crc32c over the whole
 * block with csum taken as 0, seeded with crc32c(~0, pool uuid).  blocknr is
 * the block's number within its metadata copy (the superblock's: its slot),
 * gen the commit that wrote it.
 */
struct nexus_md_header {
	__le32 csum;
	__le16 type;
	__le16 flags;
	__le32 blocknr;
	__le32 reserved0;
	__le64 gen;
	__le64 reserved1;
};

#define NEXUS_BLOCK_PAYLOAD	(NEXUS_BLOCK_SIZE - sizeof(struct nexus_md_header))

/* Superblock: the first 4 KiB of slot 0 and of slot 1. */
struct nexus_sb {
	struct nexus_md_header hdr;	/* type NEXUS_BLK_SUPER, blocknr = slot */
	__le64 magic;
	__le32 version;
	__le32 feature_compat;
	__le32 feature_ro_compat;
	__le32 feature_incompat;
	__u8 uuid[16];
	char name[NEXUS_NAME_LEN];
	__le64 created;			/* seconds since the epoch */
	__le64 device_bytes;		/* device size at creation */
	__le32 cluster_shift;
	__le32 nr_clusters;
	__le64 data_start;		/* byte offset of cluster 0 */
	__le64 md_start[NEXUS_MD_COPIES]; /* byte offset of each copy */
	__le32 md_blocks;		/* blocks per copy */
	__le32 md_bitmap_start;
	__le32 md_bitmap_blocks;
	__le32 rtable_start;
	__le32 rtable_blocks;
	__le32 max_replicas;
	__le32 smap_start;
	__le32 smap_blocks;
	__le32 dyn_start;		/* first block of the dynamic area */
	__le32 reserved2;
	__le64 reserved[64];
};

/* Replica records: 256 bytes, NEXUS_RECORDS_PER_BLOCK per rtable block. */
#define NEXUS_REPLICA_IN_USE		_BITUL(0)
#define NEXUS_REPLICA_THIN		_BITUL(1)
/* A read-only snapshot (needs NEXUS_FEATURE_INCOMPAT_SHARED). */
#define NEXUS_REPLICA_SNAPSHOT		_BITUL(2)
#define NEXUS_REPLICA_FLAGS_KNOWN	(NEXUS_REPLICA_IN_USE | NEXUS_REPLICA_THIN | \
					 NEXUS_REPLICA_SNAPSHOT)

/* Share protocols (nexus_replica_rec.share_proto). */
enum nexus_share_proto {
	NEXUS_SHARE_NONE = 0,
	NEXUS_SHARE_NVMF_TCP = 1,
	NEXUS_SHARE_NVMF_RDMA = 2,
};

#define NEXUS_TRADDR_LEN		48

struct nexus_replica_rec {
	__u8 uuid[16];
	char name[NEXUS_NAME_LEN];
	__le64 size;			/* bytes, a multiple of 4 KiB */
	__le32 flags;			/* NEXUS_REPLICA_* */
	__le32 map_root;		/* map node block, 0 = nothing mapped */
	__u8 map_height;		/* levels of the map tree, 1 = leaf root */
	__u8 share_proto;		/* enum nexus_share_proto */
	__u8 share_any_host;		/* 1: any host may connect */
	__u8 reserved0;
	__le16 share_port;		/* NVMe-oF trsvcid */
	__le16 reserved1;
	char share_addr[NEXUS_TRADDR_LEN]; /* NVMe-oF traddr to listen on */
	__le64 created;			/* seconds since the epoch */
	__le32 parent;			/* record index + 1 of the origin, 0 = none */
	__le32 blob;			/* first property blob block, 0 = none */
	__le64 mapped;			/* clusters its map points at */
	__u8 parent_uuid[16];		/* uuid of the origin, kept when it goes */
	__u8 reserved[64];
};

#define NEXUS_RECORDS_PER_BLOCK		(NEXUS_BLOCK_PAYLOAD / sizeof(struct nexus_replica_rec))
#define NEXUS_SMAP_PER_BLOCK		(NEXUS_BLOCK_PAYLOAD / sizeof(__le16))
#define NEXUS_MAP_PER_BLOCK		(NEXUS_BLOCK_PAYLOAD / sizeof(__le32))
#define NEXUS_BITS_PER_BLOCK		(NEXUS_BLOCK_PAYLOAD * 8)
#define NEXUS_MAX_MAP_HEIGHT		3

/*
 * Property blob: a chain of blocks, each a sequence of entries, ended by an
 * entry of type 0.  Entry: __u8 type, __u8 key_len, __le16 value_len, then
 * key and value bytes (no NULs).  The first 4 payload bytes are the next
 * block of the chain (0 = last).
 */
enum nexus_blob_entry_type {
	NEXUS_BLOB_END = 0,
	NEXUS_BLOB_PROPERTY = 1,	/* free-form key = value */
	NEXUS_BLOB_ALLOWED_HOST = 2,	/* value: a host NQN */
};

#define NEXUS_BLOB_MAX_BLOCKS		16	/* longest chain: 64 KiB */
#define NEXUS_NQN_LEN			223	/* NVMF_NQN_SIZE without the NUL */
#define NEXUS_PROP_KEY_LEN		63
#define NEXUS_PROP_VALUE_LEN		1024

#endif /* _UAPI_NEXUS_FORMAT_H */
