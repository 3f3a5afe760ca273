// SPDX-License-Identifier: GPL-2.0
/*
 * nexus-mutate: damage the on-disk metadata of a pool or a nexus child in
 * place, reproducibly from a seed, for the guest's import and assembly
 * fuzzing (tests/cases/fuzz-import.sh); and extract a device's metadata
 * as a libFuzzer seed (the input layout of reseal.h).
 *
 *   nexus-mutate pool <device> <seed> [--raw]
 *   nexus-mutate label <device> <seed> [--raw]
 *   nexus-mutate extract-pool <device> <file>
 *   nexus-mutate extract-label <device> <file>
 *   nexus-mutate span pool|label <device>
 *
 * A pool mutation changes a few fields of the superblock the import would
 * choose and of the blocks in use in its metadata copy, biased towards
 * replica records, map nodes and the space map, with values chosen to sit
 * on the edges (0, 1, counts and limits, one past them, all ones).  A
 * label mutation changes the chosen label, or both, or the bitmap.  Then
 * every checksum is recomputed (unless --raw), so that the checks behind
 * the checksums are what gets exercised.  It prints what it did.
 *
 * span prints how many bytes at the device's start hold the metadata (a
 * pool's data_start, a child's data offset): what a test saves to undo a
 * mutation.
 *
 * IO is O_DIRECT: the module reads with its own bios, past the page cache.
 * Exit status: 0 done, 1 an IO error, 2 bad usage or nothing to mutate.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "reseal.h"

/* A pool's metadata copy larger than this is not mutated here. */
#define NX_MUT_MD_MAX_BLOCKS	16384

struct nx_mut {
	u64 rng;
	u64 device_bytes;
	char log[1024];
	size_t log_len;
};

static __printf(2, 3) void nx_mut_log(struct nx_mut *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->log_len >= sizeof(m->log) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->log + m->log_len, sizeof(m->log) - m->log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->log_len += (size_t)n;
	if (m->log_len > sizeof(m->log) - 1)
		m->log_len = sizeof(m->log) - 1;
}

/* xorshift64*: reproducible from the seed, good enough to pick offsets. */
static u64 nx_rand(struct nx_mut *m)
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545f4914f6cdd1dULL;
}

static u32 nx_below(struct nx_mut *m, u32 n)
{
	return n ? (u32)(nx_rand(m) % n) : 0;
}

static void *nx_alloc(size_t bytes)
{
	void *p;

	if (posix_memalign(&p, NEXUS_BLOCK_SIZE, bytes ? bytes : NEXUS_BLOCK_SIZE))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

static int nx_io(int fd, void *buf, size_t len, off_t off, bool write)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write ? pwrite(fd, (char *)buf + done, len - done, off + (off_t)done) :
			    pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "nexus-mutate: %s at %lld: %s\n", write ? "write" : "read",
				(long long)(off + (off_t)done), n < 0 ? strerror(errno) : "short");
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int nx_open(const char *path, int flags, u64 *bytes)
{
	struct stat st;
	int fd;

	fd = open(path, flags | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "nexus-mutate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		*bytes = (u64)st.st_size;
	} else if (ioctl(fd, BLKGETSIZE64, bytes)) {
		fprintf(stderr, "nexus-mutate: %s: no size: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Change the @len bytes at @p (the field at offset @off of what @what
 * names) one way, chosen at random, with values worth trying there.
 */
static void nx_mutate_bytes(struct nx_mut *m, u8 *p, size_t len, const char *what,
			    size_t off, const u32 *edges, unsigned int nr_edges)
{
	u32 v32;
	u64 v64;
	size_t at, n;

	switch (nx_below(m, 6)) {
	case 0:	/* one bit */
		at = nx_below(m, (u32)len);
		p[at] ^= 1U << nx_below(m, 8);
		nx_mut_log(m, "%s+%zu bitflip; ", what, off + at);
		break;
	case 1:	/* one byte */
		at = nx_below(m, (u32)len);
		p[at] = (u8)nx_rand(m);
		nx_mut_log(m, "%s+%zu byte=%#x; ", what, off + at, p[at]);
		break;
	case 2:	/* an aligned u32 from the edges */
	case 3:
		if (len < 4)
			return nx_mutate_bytes(m, p, len, what, off, NULL, 0);
		at = nx_below(m, (u32)(len / 4)) * 4;
		v32 = nr_edges && nx_below(m, 4) ? edges[nx_below(m, nr_edges)] +
			(u32)nx_below(m, 3) - 1 : (u32)nx_rand(m);
		nx_mut_log(m, "%s+%zu u32=%#x; ", what, off + at, v32);
		v32 = cpu_to_le32(v32);
		memcpy(p + at, &v32, 4);
		break;
	case 4:	/* an aligned u64: all ones, huge, or just past 32 bits */
		if (len < 8)
			return nx_mutate_bytes(m, p, len, what, off, NULL, 0);
		at = nx_below(m, (u32)(len / 8)) * 8;
		v64 = nx_below(m, 2) ? ~0ULL >> nx_below(m, 64) : (1ULL << 32) + nx_below(m, 3);
		nx_mut_log(m, "%s+%zu u64=%#llx; ", what, off + at, (unsigned long long)v64);
		v64 = cpu_to_le64(v64);
		memcpy(p + at, &v64, 8);
		break;
	default: /* a run of zeroes or of ones */
		at = nx_below(m, (u32)len);
		n = 1 + nx_below(m, 32);
		if (n > len - at)
			n = len - at;
		memset(p + at, nx_below(m, 2) ? 0 : 0xff, n);
		nx_mut_log(m, "%s+%zu fill %zu; ", what, off + at, n);
		break;
	}
}

static const char *nx_block_type_name(u16 type)
{
	static const char * const names[] = {
		"free", "super", "md-bitmap", "rtable", "smap", "map-leaf", "map-inner", "blob",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

/* Mutate one block of the metadata copy, its header now and then. */
static void nx_mutate_md_block(struct nx_mut *m, u8 *md, u32 nr, const u32 *edges,
			       unsigned int nr_edges)
{
	u8 *block = md + (size_t)nr * NEXUS_BLOCK_SIZE;
	struct nexus_md_header *h = (void *)block;
	u16 type = le16_to_cpu(h->type);
	u8 *payload = nexus_fmt_payload(block);
	size_t off = 0, len = NEXUS_BLOCK_PAYLOAD;
	char what[48];
	u32 i, rec;

	snprintf(what, sizeof(what), "block %u (%s)", nr, nx_block_type_name(type));
	if (!nx_below(m, 16)) {
		nx_mutate_bytes(m, block + 4, sizeof(*h) - 4, what, 4, edges, nr_edges);
		return;
	}
	if (type == NEXUS_BLK_RTABLE) {
		/* Mostly a record in use: that is what the import reads. */
		rec = nx_below(m, NEXUS_RECORDS_PER_BLOCK);
		for (i = 0; i < NEXUS_RECORDS_PER_BLOCK && nx_below(m, 8); i++) {
			struct nexus_replica_rec *r = (void *)(payload + (size_t)rec * sizeof(*r));

			if (le32_to_cpu(r->flags) & NEXUS_REPLICA_IN_USE)
				break;
			rec = (rec + 1) % NEXUS_RECORDS_PER_BLOCK;
		}
		off = (size_t)rec * sizeof(struct nexus_replica_rec);
		len = sizeof(struct nexus_replica_rec);
	} else if (type == NEXUS_BLK_MAP_LEAF || type == NEXUS_BLK_MAP_INNER ||
		   type == NEXUS_BLK_SMAP) {
		/* Mostly among the entries in use, which come first. */
		for (len = NEXUS_BLOCK_PAYLOAD; len > 4 && !payload[len - 1] &&
		     !payload[len - 2] && !payload[len - 3] && !payload[len - 4]; len -= 4)
			;
		len += 4 * nx_below(m, 3);
		if (len > NEXUS_BLOCK_PAYLOAD)
			len = NEXUS_BLOCK_PAYLOAD;
	}
	nx_mutate_bytes(m, payload + off, len, what, sizeof(*h) + off, edges, nr_edges);
}

static int nx_mutate_pool(const char *dev, u64 seed, bool raw)
{
	struct nx_mut m = { .rng = seed * 2654435761ULL + 0x9e3779b97f4a7c15ULL };
	u32 edges[10], *used = NULL, nr_used = 0, md_blocks, b, n, copy;
	off_t md_off;
	const char *why0, *why1;
	struct nexus_sb *sbs, *sb;
	u8 *md = NULL;
	int fd, slot, ret = 1;

	fd = nx_open(dev, O_RDWR, &m.device_bytes);
	if (fd < 0)
		return 1;
	sbs = nx_alloc(NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE);
	if (!sbs || nx_io(fd, sbs, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE, 0, false))
		goto out;
	slot = nexus_fmt_sb_pick(sbs, (void *)((u8 *)sbs + NEXUS_BLOCK_SIZE), m.device_bytes,
				 &why0, &why1);
	if (slot < 0) {
		fprintf(stderr, "nexus-mutate: %s holds no sound pool: %s\n", dev, why0);
		ret = 2;
		goto out;
	}
	sb = (void *)((u8 *)sbs + (size_t)slot * NEXUS_BLOCK_SIZE);
	copy = le32_to_cpu(sb->hdr.blocknr);
	md_blocks = le32_to_cpu(sb->md_blocks);
	if (md_blocks > NX_MUT_MD_MAX_BLOCKS) {
		fprintf(stderr, "nexus-mutate: %u metadata blocks: too many\n", md_blocks);
		ret = 2;
		goto out;
	}
	/* Where the copy is, before a mutation of the superblock moves it. */
	md_off = (off_t)le64_to_cpu(sb->md_start[copy]);
	md = nx_alloc((size_t)md_blocks * NEXUS_BLOCK_SIZE);
	used = calloc(md_blocks, sizeof(*used));
	if (!md || !used || nx_io(fd, md, (size_t)md_blocks * NEXUS_BLOCK_SIZE, md_off, false))
		goto out;
	for (b = 0; b < md_blocks; b++)
		if (((struct nexus_md_header *)(md + (size_t)b * NEXUS_BLOCK_SIZE))->type)
			used[nr_used++] = b;
	/* The values that sit on an edge of this pool. */
	edges[0] = 0;
	edges[1] = 1;
	edges[2] = md_blocks;
	edges[3] = le32_to_cpu(sb->nr_clusters);
	edges[4] = le32_to_cpu(sb->dyn_start);
	edges[5] = le32_to_cpu(sb->max_replicas);
	edges[6] = NEXUS_MAP_PER_BLOCK;
	edges[7] = 0x7fffffff;
	edges[8] = 0xffffffff;
	edges[9] = 0xffff;

	n = 1 + nx_below(&m, 3);
	nx_mut_log(&m, "seed %llu slot %d: ", (unsigned long long)seed, slot);
	while (n--) {
		if (!nr_used || !nx_below(&m, 12))
			nx_mutate_bytes(&m, (u8 *)sb + sizeof(sb->hdr),
					offsetof(struct nexus_sb, reserved) - sizeof(sb->hdr),
					"superblock", sizeof(sb->hdr), edges, ARRAY_SIZE(edges));
		else
			nx_mutate_md_block(&m, md, used[nx_below(&m, nr_used)], edges,
					   ARRAY_SIZE(edges));
	}
	if (!raw) {
		nx_fuzz_reseal_sbs(sbs, (void *)((u8 *)sbs + NEXUS_BLOCK_SIZE));
		nx_fuzz_reseal_md(md, md_blocks, nexus_fmt_seed(sb->uuid));
	}
	if (nx_io(fd, sbs, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE, 0, true) ||
	    nx_io(fd, md, (size_t)md_blocks * NEXUS_BLOCK_SIZE, md_off, true) || fsync(fd))
		goto out;
	printf("%s%s\n", m.log, raw ? "(raw)" : "(resealed)");
	ret = 0;
out:
	free(used);
	free(md);
	free(sbs);
	close(fd);
	return ret;
}

static int nx_mutate_label(const char *dev, u64 seed, bool raw)
{
	struct nx_mut m = { .rng = seed * 2654435761ULL + 0x7f4a7c159e3779b9ULL };
	const size_t label_bytes = NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE;
	u32 edges[8], bitmap_bytes, r;
	const char *why0, *why1;
	struct nexus_label *l;
	u8 *bitmap = NULL;
	int fd, slot, ret = 1;
	char what[24];

	fd = nx_open(dev, O_RDWR, &m.device_bytes);
	if (fd < 0)
		return 1;
	l = nx_alloc(label_bytes);
	if (!l || nx_io(fd, l, label_bytes, 0, false))
		goto out;
	slot = nexus_label_pick(&l[0], &l[1], m.device_bytes, &why0, &why1);
	if (slot < 0) {
		fprintf(stderr, "nexus-mutate: %s holds no sound label: %s\n", dev, why0);
		ret = 2;
		goto out;
	}
	bitmap_bytes = le32_to_cpu(l[slot].bitmap_bytes);
	bitmap = nx_alloc(bitmap_bytes);
	if (!bitmap || nx_io(fd, bitmap, bitmap_bytes, NEXUS_LABEL_BITMAP_OFFSET, false))
		goto out;
	edges[0] = 0;
	edges[1] = 1;
	edges[2] = NEXUS_MEMBER_FAULTED;
	edges[3] = NEXUS_FAULT_LABEL;
	edges[4] = NEXUS_MAX_CHILDREN;
	edges[5] = le32_to_cpu(l[slot].bitmap_chunk_shift);
	edges[6] = bitmap_bytes;
	edges[7] = 0xffffffff;

	nx_mut_log(&m, "seed %llu slot %d: ", (unsigned long long)seed, slot);
	r = nx_below(&m, 10);
	snprintf(what, sizeof(what), "label %d", slot);
	if (r < 2) {
		nx_mutate_bytes(&m, bitmap, bitmap_bytes, "bitmap", NEXUS_LABEL_BITMAP_OFFSET,
				edges, ARRAY_SIZE(edges));
	} else if (r < 6) {
		nx_mutate_bytes(&m, (u8 *)l[slot].members, sizeof(l[slot].members), what,
				offsetof(struct nexus_label, members), edges, ARRAY_SIZE(edges));
	} else {
		nx_mutate_bytes(&m, (u8 *)&l[slot].event,
				offsetof(struct nexus_label, reserved) -
				offsetof(struct nexus_label, event), what,
				offsetof(struct nexus_label, event), edges, ARRAY_SIZE(edges));
	}
	/* Half the time the other slot says the same: no fallback to it. */
	if (r >= 2 && nx_below(&m, 2)) {
		l[!slot] = l[slot];
		l[!slot].slot = cpu_to_le16(!slot);
		nx_mut_log(&m, "copied to slot %d; ", !slot);
	}
	if (!raw)
		nx_fuzz_reseal_labels(&l[0], &l[1]);
	if (nx_io(fd, l, label_bytes, 0, true) ||
	    nx_io(fd, bitmap, bitmap_bytes, NEXUS_LABEL_BITMAP_OFFSET, true) || fsync(fd))
		goto out;
	printf("%s%s\n", m.log, raw ? "(raw)" : "(resealed)");
	ret = 0;
out:
	free(bitmap);
	free(l);
	close(fd);
	return ret;
}

/* Write @dev's metadata as a fuzz input (reseal.h) to @out. */
static int nx_extract(const char *dev, const char *out, bool pool)
{
	struct nx_fuzz_hdr hdr = { .flags = NX_FUZZ_RESEAL };
	const size_t head = pool ? NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE :
				   NEXUS_LABEL_SLOTS * NEXUS_LABEL_SIZE;
	size_t tail_bytes = 0;
	u64 bytes, tail_off = 0;
	const char *why0, *why1;
	u8 *buf = NULL, *tail = NULL;
	FILE *f = NULL;
	int fd, slot, ret = 1;

	fd = nx_open(dev, O_RDONLY, &bytes);
	if (fd < 0)
		return 1;
	buf = nx_alloc(head);
	if (!buf || nx_io(fd, buf, head, 0, false))
		goto out;
	if (pool) {
		struct nexus_sb *sb;

		slot = nexus_fmt_sb_pick((void *)buf, (void *)(buf + NEXUS_BLOCK_SIZE), bytes,
					 &why0, &why1);
		if (slot < 0)
			goto out_none;
		sb = (void *)(buf + (size_t)slot * NEXUS_BLOCK_SIZE);
		tail_bytes = (size_t)le32_to_cpu(sb->md_blocks) * NEXUS_BLOCK_SIZE;
		tail_off = le64_to_cpu(sb->md_start[le32_to_cpu(sb->hdr.blocknr)]);
		if (le32_to_cpu(sb->md_blocks) > NX_MUT_MD_MAX_BLOCKS)
			goto out_none;
	} else {
		struct nexus_label *l = (void *)buf;

		slot = nexus_label_pick(&l[0], &l[1], bytes, &why0, &why1);
		if (slot < 0)
			goto out_none;
		tail_bytes = le32_to_cpu(l[slot].bitmap_bytes);
		tail_off = NEXUS_LABEL_BITMAP_OFFSET;
	}
	tail = nx_alloc(tail_bytes);
	if (!tail || nx_io(fd, tail, tail_bytes, (off_t)tail_off, false))
		goto out;
	hdr.device_bytes = cpu_to_le64(bytes);
	f = fopen(out, "w");
	if (!f || fwrite(&hdr, sizeof(hdr), 1, f) != 1 || fwrite(buf, head, 1, f) != 1 ||
	    (tail_bytes && fwrite(tail, tail_bytes, 1, f) != 1)) {
		fprintf(stderr, "nexus-mutate: %s: %s\n", out, strerror(errno));
		goto out;
	}
	ret = 0;
	goto out;
out_none:
	fprintf(stderr, "nexus-mutate: %s holds nothing to extract\n", dev);
	ret = 2;
out:
	if (f && fclose(f))
		ret = 1;
	free(tail);
	free(buf);
	close(fd);
	return ret;
}

static int nx_span(const char *dev, bool pool)
{
	const char *why0, *why1;
	u64 bytes, span = 0;
	u8 *buf;
	int fd, slot = -1;

	fd = nx_open(dev, O_RDONLY, &bytes);
	if (fd < 0)
		return 1;
	buf = nx_alloc(2 * NEXUS_BLOCK_SIZE);
	if (!buf || nx_io(fd, buf, 2 * NEXUS_BLOCK_SIZE, 0, false))
		goto out;
	if (pool) {
		slot = nexus_fmt_sb_pick((void *)buf, (void *)(buf + NEXUS_BLOCK_SIZE), bytes,
					 &why0, &why1);
		if (slot >= 0)
			span = le64_to_cpu(((struct nexus_sb *)(buf + (size_t)slot *
								NEXUS_BLOCK_SIZE))->data_start);
	} else {
		struct nexus_label *l = (void *)buf;

		slot = nexus_label_pick(&l[0], &l[1], bytes, &why0, &why1);
		if (slot >= 0)
			span = le64_to_cpu(l[slot].data_offset);
	}
	if (slot < 0)
		fprintf(stderr, "nexus-mutate: %s: %s\n", dev, why0);
	else
		printf("%llu\n", (unsigned long long)span);
out:
	free(buf);
	close(fd);
	return slot < 0 ? 2 : 0;
}

int main(int argc, char **argv)
{
	bool raw = argc == 5 && !strcmp(argv[4], "--raw");

	if (argc == 4 && !strcmp(argv[1], "extract-pool"))
		return nx_extract(argv[2], argv[3], true);
	if (argc == 4 && !strcmp(argv[1], "extract-label"))
		return nx_extract(argv[2], argv[3], false);
	if (argc == 4 && !strcmp(argv[1], "span"))
		return nx_span(argv[3], !strcmp(argv[2], "pool"));
	if ((argc == 4 || raw) && !strcmp(argv[1], "pool"))
		return nx_mutate_pool(argv[2], strtoull(argv[3], NULL, 0), raw);
	if ((argc == 4 || raw) && !strcmp(argv[1], "label"))
		return nx_mutate_label(argv[2], strtoull(argv[3], NULL, 0), raw);
	fprintf(stderr, "usage: nexus-mutate pool|label <device> <seed> [--raw]\n"
		"       nexus-mutate extract-pool|extract-label <device> <file>\n"
		"       nexus-mutate span pool|label <device>\n");
	return 2;
}
