// SPDX-License-Identifier: GPL-2.0
/*
 * The pool on-disk format: block checksums, the layout of a new pool,
 * superblock checks, and the walk that checks a whole metadata copy.
 *
 * Shared with nexusctl's offline checker (see format.h): no IO, no locks,
 * no state outside the caller's struct nexus_fmt_walk.
 */
#ifdef __KERNEL__
#include <linux/bitmap.h>
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#endif

#include "format.h"

/* How many problems the walk describes; it counts them all. */
#define NEXUS_FMT_REPORT_MAX	200

static_assert(sizeof(struct nexus_md_header) == 32);
static_assert(sizeof(struct nexus_sb) <= NEXUS_BLOCK_SIZE);
static_assert(sizeof(struct nexus_replica_rec) == 256);

u32 nexus_fmt_seed(const u8 uuid[16])
{
	return crc32c(~0U, uuid, 16);
}

u32 nexus_fmt_csum(const void *block, u32 seed)
{
	static const u8 zero[4];
	u32 crc = crc32c(seed, zero, sizeof(zero));

	return crc32c(crc, (const u8 *)block + sizeof(zero),
		      NEXUS_BLOCK_SIZE - sizeof(zero));
}

void nexus_fmt_seal(void *block, u16 type, u32 blocknr, u64 gen, u32 seed)
{
	struct nexus_md_header *h = block;

	h->type = cpu_to_le16(type);
	h->flags = 0;
	h->blocknr = cpu_to_le32(blocknr);
	h->reserved0 = 0;
	h->gen = cpu_to_le64(gen);
	h->reserved1 = 0;
	h->csum = cpu_to_le32(nexus_fmt_csum(block, seed));
}

const char *nexus_fmt_block_check(const void *block, u16 type, u32 blocknr,
				  u64 max_gen, u32 seed)
{
	const struct nexus_md_header *h = block;

	if (le32_to_cpu(h->csum) != nexus_fmt_csum(block, seed))
		return "bad checksum";
	if (le16_to_cpu(h->type) != type)
		return "wrong block type";
	if (le32_to_cpu(h->blocknr) != blocknr)
		return "block belongs elsewhere (misdirected write)";
	if (le64_to_cpu(h->gen) > max_gen)
		return "block is newer than the superblock";
	return NULL;
}

bool nexus_fmt_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len < 1 || len >= NEXUS_NAME_LEN)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

u64 nexus_fmt_map_capacity(u8 height)
{
	u64 cap = 1;

	while (height--)
		cap *= NEXUS_MAP_PER_BLOCK;
	return cap;
}

u64 nexus_fmt_max_replica_bytes(u32 cluster_shift)
{
	return nexus_fmt_map_capacity(NEXUS_MAX_MAP_HEIGHT) << cluster_shift;
}

u8 nexus_fmt_map_height(u64 clusters)
{
	u8 height = 1;

	while (height < NEXUS_MAX_MAP_HEIGHT && nexus_fmt_map_capacity(height) < clusters)
		height++;
	return height;
}

const char *nexus_fmt_layout(struct nexus_sb *sb, u64 device_bytes,
			     u32 cluster_shift, u32 max_replicas)
{
	u64 cmax, leaves, dyn, fixed, md_blocks, md_end, data_start, clusters;
	u32 rtable, smap, bitmap;

	if (cluster_shift < NEXUS_CLUSTER_SHIFT_MIN || cluster_shift > NEXUS_CLUSTER_SHIFT_MAX)
		return "cluster size must be a power of two from 1 MiB to 1 GiB";
	if (!max_replicas || max_replicas > NEXUS_MAX_REPLICAS_LIMIT)
		return "max replicas must be 1 to 65536";
	if (device_bytes < NEXUS_DATA_ALIGN * 2ULL)
		return "device too small for a pool";

	/* Size the metadata for at most as many clusters as the device has. */
	cmax = min_t(u64, device_bytes >> cluster_shift, NEXUS_MAX_CLUSTERS);
	rtable = DIV_ROUND_UP(max_replicas, (u32)NEXUS_RECORDS_PER_BLOCK);
	smap = DIV_ROUND_UP_ULL(cmax, NEXUS_SMAP_PER_BLOCK);
	leaves = DIV_ROUND_UP_ULL(cmax * NEXUS_MAP_RESERVE, NEXUS_MAP_PER_BLOCK);
	dyn = leaves + DIV_ROUND_UP_ULL(leaves, NEXUS_MAP_PER_BLOCK) +
	      DIV_ROUND_UP(max_replicas, 4) + 64;
	fixed = rtable + smap + dyn;
	bitmap = DIV_ROUND_UP_ULL(fixed, NEXUS_BITS_PER_BLOCK);
	bitmap = DIV_ROUND_UP_ULL(fixed + bitmap, NEXUS_BITS_PER_BLOCK);
	md_blocks = fixed + bitmap;

	md_end = NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE +
		 NEXUS_MD_COPIES * md_blocks * NEXUS_BLOCK_SIZE;
	data_start = round_up(md_end, (u64)NEXUS_DATA_ALIGN);
	if (data_start >= device_bytes)
		return "device too small for the pool's metadata";
	clusters = min_t(u64, (device_bytes - data_start) >> cluster_shift,
			 NEXUS_MAX_CLUSTERS);
	if (!clusters)
		return "device too small for one cluster of this size";

	sb->magic = cpu_to_le64(NEXUS_SB_MAGIC);
	sb->version = cpu_to_le32(NEXUS_FORMAT_VERSION);
	sb->feature_compat = 0;
	sb->feature_ro_compat = 0;
	sb->feature_incompat = 0;
	sb->device_bytes = cpu_to_le64(device_bytes);
	sb->cluster_shift = cpu_to_le32(cluster_shift);
	sb->nr_clusters = cpu_to_le32((u32)clusters);
	sb->data_start = cpu_to_le64(data_start);
	sb->md_start[0] = cpu_to_le64(NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE);
	sb->md_start[1] = cpu_to_le64(NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE +
				      md_blocks * NEXUS_BLOCK_SIZE);
	sb->md_blocks = cpu_to_le32((u32)md_blocks);
	sb->md_bitmap_start = 0;
	sb->md_bitmap_blocks = cpu_to_le32(bitmap);
	sb->rtable_start = cpu_to_le32(bitmap);
	sb->rtable_blocks = cpu_to_le32(rtable);
	sb->max_replicas = cpu_to_le32(max_replicas);
	sb->smap_start = cpu_to_le32(bitmap + rtable);
	sb->smap_blocks = cpu_to_le32(smap);
	sb->dyn_start = cpu_to_le32(bitmap + rtable + smap);
	return NULL;
}

const char *nexus_fmt_sb_check(const struct nexus_sb *sb, u32 slot,
			       u64 device_bytes)
{
	u32 shift, clusters, md_blocks, bitmap, rtable, smap, max_rep;
	u64 md_end, data_start;
	const char *why;

	if (le64_to_cpu(sb->magic) != NEXUS_SB_MAGIC)
		return "no nexus pool signature";
	why = nexus_fmt_block_check(sb, NEXUS_BLK_SUPER, slot, U64_MAX,
				    nexus_fmt_seed(sb->uuid));
	if (why)
		return why;
	if (le32_to_cpu(sb->version) != NEXUS_FORMAT_VERSION)
		return "format version not supported by this nexus";
	if (le32_to_cpu(sb->feature_incompat) & ~NEXUS_FEATURE_INCOMPAT_SUPP)
		return "pool uses incompatible features this nexus does not know";
	/* A read-only import is not there yet: refuse rather than write. */
	if (le32_to_cpu(sb->feature_ro_compat) & ~NEXUS_FEATURE_RO_COMPAT_SUPP)
		return "pool uses features this nexus could only read: refused";
	if (!nexus_fmt_name_valid(sb->name, strnlen(sb->name, NEXUS_NAME_LEN)))
		return "bad pool name";

	shift = le32_to_cpu(sb->cluster_shift);
	clusters = le32_to_cpu(sb->nr_clusters);
	md_blocks = le32_to_cpu(sb->md_blocks);
	bitmap = le32_to_cpu(sb->md_bitmap_blocks);
	rtable = le32_to_cpu(sb->rtable_blocks);
	smap = le32_to_cpu(sb->smap_blocks);
	max_rep = le32_to_cpu(sb->max_replicas);
	if (shift < NEXUS_CLUSTER_SHIFT_MIN || shift > NEXUS_CLUSTER_SHIFT_MAX)
		return "bad cluster size";
	if (!clusters || clusters > NEXUS_MAX_CLUSTERS)
		return "bad cluster count";
	if (!max_rep || max_rep > NEXUS_MAX_REPLICAS_LIMIT)
		return "bad replica limit";
	if (le32_to_cpu(sb->md_bitmap_start) != 0 ||
	    le32_to_cpu(sb->rtable_start) != bitmap ||
	    le32_to_cpu(sb->smap_start) != bitmap + rtable ||
	    le32_to_cpu(sb->dyn_start) != bitmap + rtable + smap ||
	    (u64)bitmap + rtable + smap >= md_blocks ||
	    (u64)bitmap * NEXUS_BITS_PER_BLOCK < md_blocks ||
	    (u64)rtable * NEXUS_RECORDS_PER_BLOCK < max_rep ||
	    (u64)smap * NEXUS_SMAP_PER_BLOCK < clusters)
		return "inconsistent metadata layout";
	if (le64_to_cpu(sb->md_start[0]) != NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE ||
	    le64_to_cpu(sb->md_start[1]) != NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE +
					    (u64)md_blocks * NEXUS_BLOCK_SIZE)
		return "inconsistent metadata location";
	md_end = le64_to_cpu(sb->md_start[1]) + (u64)md_blocks * NEXUS_BLOCK_SIZE;
	data_start = le64_to_cpu(sb->data_start);
	if (data_start < md_end || data_start % NEXUS_DATA_ALIGN)
		return "inconsistent data location";
	if (data_start > device_bytes || ((u64)clusters << shift) > device_bytes - data_start)
		return "device is smaller than the pool (truncated?)";
	return NULL;
}

int nexus_fmt_sb_pick(const struct nexus_sb *sb0, const struct nexus_sb *sb1,
		      u64 device_bytes, const char **why0, const char **why1)
{
	*why0 = nexus_fmt_sb_check(sb0, 0, device_bytes);
	*why1 = nexus_fmt_sb_check(sb1, 1, device_bytes);
	if (*why0 && *why1)
		return -1;
	if (*why0)
		return 1;
	if (*why1)
		return 0;
	/* Both sound: the slots of one pool, or a stale slot of an older one. */
	if (memcmp(sb0->uuid, sb1->uuid, sizeof(sb0->uuid)))
		return le64_to_cpu(sb0->created) >= le64_to_cpu(sb1->created) ? 0 : 1;
	return le64_to_cpu(sb0->hdr.gen) >= le64_to_cpu(sb1->hdr.gen) ? 0 : 1;
}

/* The walk. */

static void nexus_fmt_problem(struct nexus_fmt_walk *w, const char *fmt, ...)
	__printf(2, 3);

static void nexus_fmt_problem(struct nexus_fmt_walk *w, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (w->errors++ >= NEXUS_FMT_REPORT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->report(w, msg);
}

static bool nexus_fmt_bit(const void *block, u32 bit)
{
	const u8 *p = nexus_fmt_payload(block);

	return p[bit / 8] & (1U << (bit % 8));
}

/* A problem with replica record @rec. */
static void nexus_fmt_rec_problem(struct nexus_fmt_walk *w, u32 rec, const char *fmt, ...)
	__printf(3, 4);

static void nexus_fmt_rec_problem(struct nexus_fmt_walk *w, u32 rec, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nexus_fmt_problem(w, "replica record %u: %s", rec, msg);
}

/* Get block @nr of the copy, checked; NULL (and a problem) if it is bad. */
static const void *nexus_fmt_get(struct nexus_fmt_walk *w, u32 nr, u16 type,
				 const char *what)
{
	const void *block;
	const char *why;

	block = w->block(w, nr);
	if (!block) {
		nexus_fmt_problem(w, "metadata block %u (%s): cannot be read", nr, what);
		return NULL;
	}
	why = nexus_fmt_block_check(block, type, nr, w->gen, w->seed);
	if (why) {
		nexus_fmt_problem(w, "metadata block %u (%s): %s", nr, what, why);
		return NULL;
	}
	return block;
}

/* Claim a dynamic block for one user; false if it cannot be. */
static bool nexus_fmt_claim(struct nexus_fmt_walk *w, u32 nr, u32 rec, const char *what)
{
	u32 dyn = le32_to_cpu(w->sb->dyn_start);

	if (nr < dyn || nr >= le32_to_cpu(w->sb->md_blocks)) {
		nexus_fmt_rec_problem(w, rec, "%s block %u is outside the metadata area",
				      what, nr);
		return false;
	}
	if (test_bit(nr, w->md_seen)) {
		nexus_fmt_rec_problem(w, rec, "%s block %u is referenced twice", what, nr);
		return false;
	}
	__set_bit(nr, w->md_seen);
	return true;
}

static void nexus_fmt_walk_blob(struct nexus_fmt_walk *w, u32 rec, u32 nr)
{
	unsigned int blocks = 0;

	while (nr) {
		const u8 *p, *end;
		const void *block;

		if (++blocks > NEXUS_BLOB_MAX_BLOCKS) {
			nexus_fmt_rec_problem(w, rec, "property blob longer than %u blocks",
					      NEXUS_BLOB_MAX_BLOCKS);
			return;
		}
		if (!nexus_fmt_claim(w, nr, rec, "property blob"))
			return;
		block = nexus_fmt_get(w, nr, NEXUS_BLK_BLOB, "property blob");
		if (!block)
			return;
		p = nexus_fmt_payload(block);
		end = p + NEXUS_BLOCK_PAYLOAD;
		nr = le32_to_cpu(*(const __le32 *)p);
		for (p += 4; p + 4 <= end && *p != NEXUS_BLOB_END;) {
			u8 type = p[0], klen = p[1];
			u16 vlen = nexus_fmt_blob_vlen(p);

			if (type > NEXUS_BLOB_ALLOWED_HOST || p + 4 + klen + vlen > end ||
			    klen > NEXUS_PROP_KEY_LEN || vlen > NEXUS_PROP_VALUE_LEN ||
			    memchr(p + 4, 0, klen + vlen)) {
				nexus_fmt_rec_problem(w, rec, "malformed property blob entry");
				return;
			}
			p += 4 + klen + vlen;
		}
	}
}

/* Walk a map subtree; returns the map entries found under it. */
static u64 nexus_fmt_walk_map(struct nexus_fmt_walk *w, u32 rec, u32 nr, u8 level,
			      u64 base, u64 vclusters)
{
	u32 clusters = le32_to_cpu(w->sb->nr_clusters);
	u64 span = nexus_fmt_map_capacity(level - 1), mapped = 0;
	const __le32 *e;
	const void *block;
	u32 i;

	if (!nexus_fmt_claim(w, nr, rec, "map node"))
		return 0;
	block = nexus_fmt_get(w, nr, level == 1 ? NEXUS_BLK_MAP_LEAF : NEXUS_BLK_MAP_INNER,
			      "map node");
	if (!block)
		return 0;
	e = nexus_fmt_payload(block);
	for (i = 0; i < NEXUS_MAP_PER_BLOCK; i++) {
		u32 v = le32_to_cpu(e[i]);
		u64 logical = base + i * span;

		if (!v)
			continue;
		if (logical >= vclusters) {
			nexus_fmt_rec_problem(w, rec, "map entry for cluster %llu, beyond its end",
					      (unsigned long long)logical);
			continue;
		}
		if (level > 1) {
			mapped += nexus_fmt_walk_map(w, rec, v, level - 1, logical, vclusters);
			continue;
		}
		if (v - 1 >= clusters) {
			nexus_fmt_rec_problem(w, rec, "cluster %llu maps to %u, outside the pool",
					      (unsigned long long)logical, v - 1);
			continue;
		}
		if (w->refs[v - 1] == U16_MAX) {
			nexus_fmt_rec_problem(w, rec, "cluster %u shared more than %u times",
					      v - 1, U16_MAX);
			continue;
		}
		w->refs[v - 1]++;
		mapped++;
	}
	return mapped;
}

/* May clusters be shared (snapshots, clones)? */
static bool nexus_fmt_shared(const struct nexus_fmt_walk *w)
{
	return le32_to_cpu(w->sb->feature_incompat) & NEXUS_FEATURE_INCOMPAT_SHARED;
}

static void nexus_fmt_walk_record(struct nexus_fmt_walk *w, u32 i,
				  const struct nexus_replica_rec *r)
{
	u32 shift = le32_to_cpu(w->sb->cluster_shift);
	u64 capacity = (u64)le32_to_cpu(w->sb->nr_clusters) << shift;
	u64 size = le64_to_cpu(r->size), vclusters, mapped = 0;
	u32 flags = le32_to_cpu(r->flags), parent = le32_to_cpu(r->parent);
	u32 root = le32_to_cpu(r->map_root);

	if (!nexus_fmt_name_valid(r->name, strnlen(r->name, NEXUS_NAME_LEN)))
		nexus_fmt_rec_problem(w, i, "bad name");
	if (flags & ~NEXUS_REPLICA_FLAGS_KNOWN)
		nexus_fmt_rec_problem(w, i, "unknown flags %#x", flags);
	if ((flags & NEXUS_REPLICA_SNAPSHOT) && !nexus_fmt_shared(w))
		nexus_fmt_rec_problem(w, i,
				      "snapshot in a pool without the shared-clusters feature");
	if ((flags & NEXUS_REPLICA_SNAPSHOT) && r->share_proto != NEXUS_SHARE_NONE)
		nexus_fmt_rec_problem(w, i, "shared snapshot");
	if (!size || size % NEXUS_SIZE_ALIGN ||
	    size > nexus_fmt_max_replica_bytes(shift) ||
	    (!(flags & NEXUS_REPLICA_THIN) && size > capacity)) {
		nexus_fmt_rec_problem(w, i, "bad size %llu", (unsigned long long)size);
		return;
	}
	if (r->share_proto > NEXUS_SHARE_NVMF_RDMA || r->share_any_host > 1 ||
	    !memchr(r->share_addr, 0, sizeof(r->share_addr)) ||
	    (r->share_proto != NEXUS_SHARE_NONE && !le16_to_cpu(r->share_port)))
		nexus_fmt_rec_problem(w, i, "bad share settings");
	if (parent > le32_to_cpu(w->sb->max_replicas) || parent == i + 1)
		nexus_fmt_rec_problem(w, i, "bad parent %u", parent);
	if (r->blob)
		nexus_fmt_walk_blob(w, i, le32_to_cpu(r->blob));

	vclusters = DIV_ROUND_UP_ULL(size, 1ULL << shift);
	/* The IO path trusts the height even of an empty map: check it always. */
	if (r->map_height < nexus_fmt_map_height(vclusters) ||
	    r->map_height > NEXUS_MAX_MAP_HEIGHT)
		nexus_fmt_rec_problem(w, i, "bad map height %u", r->map_height);
	else if (root)
		mapped = nexus_fmt_walk_map(w, i, root, r->map_height, 0, vclusters);
	if (mapped != le64_to_cpu(r->mapped))
		nexus_fmt_rec_problem(w, i, "%llu clusters mapped, record says %llu",
				      (unsigned long long)mapped,
				  (unsigned long long)le64_to_cpu(r->mapped));
	if (!(flags & NEXUS_REPLICA_THIN) && mapped != vclusters)
		nexus_fmt_rec_problem(w, i, "thick replica with %llu of %llu clusters mapped",
				      (unsigned long long)mapped, (unsigned long long)vclusters);
	w->mapped += mapped;
	w->replicas++;
	if (flags & NEXUS_REPLICA_SNAPSHOT)
		w->snapshots++;
}

/* Records in use, sorted by name, to find duplicates of name or uuid. */
struct nexus_fmt_ref {
	const struct nexus_replica_rec *rec;
	u32 index;
};

static int nexus_fmt_cmp_name(const void *a, const void *b)
{
	return strncmp(((const struct nexus_fmt_ref *)a)->rec->name,
		       ((const struct nexus_fmt_ref *)b)->rec->name, NEXUS_NAME_LEN);
}

static int nexus_fmt_cmp_uuid(const void *a, const void *b)
{
	return memcmp(((const struct nexus_fmt_ref *)a)->rec->uuid,
		      ((const struct nexus_fmt_ref *)b)->rec->uuid, 16);
}

static void nexus_fmt_duplicates(struct nexus_fmt_walk *w, struct nexus_fmt_ref *refs,
				 u32 n)
{
	u32 i;

	sort(refs, n, sizeof(*refs), nexus_fmt_cmp_name, NULL);
	for (i = 1; i < n; i++)
		if (!nexus_fmt_cmp_name(&refs[i - 1], &refs[i]))
			nexus_fmt_problem(w, "replica records %u and %u have the same name",
					  refs[i - 1].index, refs[i].index);
	sort(refs, n, sizeof(*refs), nexus_fmt_cmp_uuid, NULL);
	for (i = 1; i < n; i++)
		if (!nexus_fmt_cmp_uuid(&refs[i - 1], &refs[i]))
			nexus_fmt_problem(w, "replica records %u and %u have the same uuid",
					  refs[i - 1].index, refs[i].index);
}

/* Check the fixed regions once; remember which blocks are bad. */
static void nexus_fmt_walk_fixed(struct nexus_fmt_walk *w)
{
	const struct nexus_sb *sb = w->sb;
	static const struct {
		const char *what;
		u16 type;
	} regions[] = {
		{ "metadata bitmap", NEXUS_BLK_MD_BITMAP },
		{ "replica table", NEXUS_BLK_RTABLE },
		{ "space map", NEXUS_BLK_SMAP },
	};
	u32 starts[] = { le32_to_cpu(sb->md_bitmap_start), le32_to_cpu(sb->rtable_start),
			 le32_to_cpu(sb->smap_start) };
	u32 counts[] = { le32_to_cpu(sb->md_bitmap_blocks), le32_to_cpu(sb->rtable_blocks),
			 le32_to_cpu(sb->smap_blocks) };
	u32 r, b;

	for (r = 0; r < ARRAY_SIZE(regions); r++) {
		for (b = starts[r]; b < starts[r] + counts[r]; b++) {
			__set_bit(b, w->md_seen);
			if (!nexus_fmt_get(w, b, regions[r].type, regions[r].what))
				__set_bit(b, w->md_bad);
		}
	}
}

/* A fixed-region block that nexus_fmt_walk_fixed() found sound, or NULL. */
static const void *nexus_fmt_fixed(struct nexus_fmt_walk *w, u32 nr)
{
	return test_bit(nr, w->md_bad) ? NULL : w->block(w, nr);
}

/* Record @i if its table block is sound, else NULL. */
static const struct nexus_replica_rec *nexus_fmt_record(struct nexus_fmt_walk *w, u32 i)
{
	const void *block = nexus_fmt_fixed(w, le32_to_cpu(w->sb->rtable_start) +
					    i / NEXUS_RECORDS_PER_BLOCK);

	if (!block)
		return NULL;
	return (const struct nexus_replica_rec *)nexus_fmt_payload(block) +
	       i % NEXUS_RECORDS_PER_BLOCK;
}

static void nexus_fmt_walk_records(struct nexus_fmt_walk *w, struct nexus_fmt_ref *refs)
{
	u32 max_rep = le32_to_cpu(w->sb->max_replicas), n = 0, i;
	const struct nexus_replica_rec *r, *origin;

	for (i = 0; i < max_rep; i++) {
		r = nexus_fmt_record(w, i);
		if (!r || !(le32_to_cpu(r->flags) & NEXUS_REPLICA_IN_USE))
			continue;
		nexus_fmt_walk_record(w, i, r);
		refs[n].rec = r;
		refs[n++].index = i;
	}
	/* A parent is a record in use: destroying one clears its children's link. */
	for (i = 0; i < n; i++) {
		u32 parent = le32_to_cpu(refs[i].rec->parent);

		if (!parent || parent > max_rep || parent == refs[i].index + 1)
			continue;
		origin = nexus_fmt_record(w, parent - 1);
		if (origin && !(le32_to_cpu(origin->flags) & NEXUS_REPLICA_IN_USE))
			nexus_fmt_rec_problem(w, refs[i].index, "parent %u is not in use", parent);
	}
	nexus_fmt_duplicates(w, refs, n);
}

/* Cluster @c's refcount @have against the @want references maps make. */
static void nexus_fmt_check_ref(struct nexus_fmt_walk *w, u32 c, u16 have, u16 want)
{
	if (have)
		w->used_clusters++;
	if (want > 1 && !nexus_fmt_shared(w))
		nexus_fmt_problem(w,
				  "cluster %u: %u references in a pool without the shared-clusters feature",
				  c, want);
	if (have == want)
		return;
	if (c >= le32_to_cpu(w->sb->nr_clusters))
		nexus_fmt_problem(w, "space map: refcount %u for cluster %u, past the pool's end",
				  have, c);
	else if (have > want)
		nexus_fmt_problem(w, "cluster %u: refcount %u, %u references (leaked)",
				  c, have, want);
	else if (have)
		nexus_fmt_problem(w, "cluster %u: refcount %u, %u references (over-shared)",
				  c, have, want);
	else
		nexus_fmt_problem(w, "cluster %u: refcount 0, %u references (used but free)",
				  c, want);
}

/* Refcounts in the space map against the references the maps make. */
static void nexus_fmt_walk_smap(struct nexus_fmt_walk *w)
{
	const struct nexus_sb *sb = w->sb;
	u32 clusters = le32_to_cpu(sb->nr_clusters), b, i;

	for (b = 0; b < le32_to_cpu(sb->smap_blocks); b++) {
		const void *block = nexus_fmt_fixed(w, le32_to_cpu(sb->smap_start) + b);
		const __le16 *e;

		if (!block)
			continue;
		e = nexus_fmt_payload(block);
		for (i = 0; i < NEXUS_SMAP_PER_BLOCK; i++) {
			u32 c = b * NEXUS_SMAP_PER_BLOCK + i;

			nexus_fmt_check_ref(w, c, le16_to_cpu(e[i]), c < clusters ? w->refs[c] : 0);
		}
	}
}

/* Metadata block @b's bit in the bitmap against it being in use. */
static void nexus_fmt_check_bit(struct nexus_fmt_walk *w, u32 b, bool marked)
{
	bool seen = test_bit(b, w->md_seen);

	if (marked && !seen)
		nexus_fmt_problem(w, "metadata block %u: marked in use, unused (leaked)", b);
	else if (!marked && seen)
		nexus_fmt_problem(w, "metadata block %u: in use, not marked (reusable)", b);
}

/* The metadata bitmap against the blocks found in use. */
static void nexus_fmt_walk_bitmap(struct nexus_fmt_walk *w)
{
	const struct nexus_sb *sb = w->sb;
	u32 md_blocks = le32_to_cpu(sb->md_blocks), b;
	const void *block = NULL;

	for (b = 0; b < md_blocks; b++) {
		if (test_bit(b, w->md_seen))
			w->md_used++;
		if (b % NEXUS_BITS_PER_BLOCK == 0)
			block = nexus_fmt_fixed(w, le32_to_cpu(sb->md_bitmap_start) +
						b / NEXUS_BITS_PER_BLOCK);
		if (block)
			nexus_fmt_check_bit(w, b, nexus_fmt_bit(block, b % NEXUS_BITS_PER_BLOCK));
	}
}

int nexus_fmt_walk(struct nexus_fmt_walk *w)
{
	const struct nexus_sb *sb = w->sb;
	u32 clusters = le32_to_cpu(sb->nr_clusters);
	struct nexus_fmt_ref *refs;

	w->errors = 0;
	w->replicas = 0;
	w->snapshots = 0;
	w->mapped = 0;
	w->used_clusters = 0;
	w->md_used = 0;
	w->seed = nexus_fmt_seed(sb->uuid);
	w->gen = le64_to_cpu(sb->hdr.gen);
	w->refs = kvcalloc(clusters, sizeof(*w->refs), GFP_KERNEL);
	w->md_seen = bitmap_zalloc(le32_to_cpu(sb->md_blocks), GFP_KERNEL);
	w->md_bad = bitmap_zalloc(le32_to_cpu(sb->md_blocks), GFP_KERNEL);
	refs = kvcalloc(le32_to_cpu(sb->max_replicas), sizeof(*refs), GFP_KERNEL);
	if (!w->refs || !w->md_seen || !w->md_bad || !refs) {
		kvfree(refs);
		bitmap_free(w->md_bad);
		bitmap_free(w->md_seen);
		kvfree(w->refs);
		return -ENOMEM;
	}

	nexus_fmt_walk_fixed(w);
	nexus_fmt_walk_records(w, refs);
	nexus_fmt_walk_smap(w);
	nexus_fmt_walk_bitmap(w);

	kvfree(refs);
	bitmap_free(w->md_bad);
	bitmap_free(w->md_seen);
	kvfree(w->refs);
	w->md_bad = NULL;
	w->md_seen = NULL;
	w->refs = NULL;
	return w->errors ? -EUCLEAN : 0;
}
