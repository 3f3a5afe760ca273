// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl pool check <device>: the offline checker.  It reads the two
 * superblock slots and the metadata copy an import would use, and runs
 * kmod/format.c's nexus_fmt_walk() on them, the very code the module runs
 * before it imports a pool: bad checksums, records that make no sense,
 * maps pointing outside the pool, clusters leaked or used twice.
 *
 * It reads with O_DIRECT, past the page cache, which may hold blocks the
 * module has since rewritten through its own bios.  It never writes.
 * Exit status: 0 clean, 1 problems found or no pool to check.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fs.h>

#include "nexusctl.h"
#include "format.h"

struct nx_check {
	uint8_t *md;		/* the metadata copy */
	uint32_t nr_blocks;
	json_object *problems;	/* JSON mode */
	bool json;
};

static const void *nx_check_block(struct nexus_fmt_walk *w, u32 nr)
{
	struct nx_check *c = w->priv;

	return nr < c->nr_blocks ? c->md + (size_t)nr * NEXUS_BLOCK_SIZE : NULL;
}

static void nx_check_report(struct nexus_fmt_walk *w, const char *msg)
{
	struct nx_check *c = w->priv;

	if (c->json)
		json_object_array_add(c->problems, json_object_new_string(msg));
	else
		printf("problem: %s\n", msg);
}

static int nx_pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static void nx_check_out(struct nx_ctx *ctx, json_object *obj, const char *key,
			 const char *fmt, json_object *val)
{
	if (ctx->json) {
		json_object_object_add(obj, key, val);
		return;
	}
	printf(fmt, json_object_get_string(val));
	json_object_put(val);
}

int nx_pool_check(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_check c = { .json = ctx->json };
	struct nexus_fmt_walk w = {
		.block = nx_check_block,
		.report = nx_check_report,
		.priv = &c,
	};
	const char *why0, *why1, *dev;
	json_object *obj = NULL;
	struct nexus_sb *sbs;
	uint64_t bytes;
	unsigned int copy;
	char uuid[37];
	int fd, slot, err, ret = NX_EXIT_FAIL;

	if (argc != 2)
		return nx_usage_error("usage: pool check <device>");
	dev = argv[1];
	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC | O_EXCL);
	if (fd < 0 && errno == EBUSY) {
		nx_warn("%s: %s is in use (an imported pool?): its metadata may change "
			"while it is read", ctx->what, dev);
		fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	}
	if (fd < 0) {
		nx_warn("%s: cannot open %s: %s", ctx->what, dev, strerror(errno));
		return NX_EXIT_FAIL;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes)) {
		nx_warn("%s: %s is not a block device: %s", ctx->what, dev, strerror(errno));
		goto out_close;
	}
	if (posix_memalign((void **)&sbs, NEXUS_BLOCK_SIZE, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE))
		goto out_close;
	err = nx_pread_all(fd, sbs, NEXUS_SB_SLOTS * NEXUS_BLOCK_SIZE, 0);
	if (err) {
		nx_warn("%s: cannot read the superblocks of %s: %s", ctx->what, dev,
			strerror(-err));
		goto out_free_sbs;
	}
	slot = nexus_fmt_sb_pick(&sbs[0], (struct nexus_sb *)((uint8_t *)sbs + NEXUS_BLOCK_SIZE),
				 bytes, &why0, &why1);
	obj = json_object_new_object();
	c.problems = json_object_new_array();
	nx_check_out(ctx, obj, "device", "device      %s\n", json_object_new_string(dev));
	nx_check_out(ctx, obj, "slot0", "slot 0      %s\n",
		     json_object_new_string(why0 ? why0 : "sound"));
	nx_check_out(ctx, obj, "slot1", "slot 1      %s\n",
		     json_object_new_string(why1 ? why1 : "sound"));
	if (slot < 0) {
		nx_check_report(&w, "no sound superblock: not a nexus pool, or both slots damaged");
		w.errors++;
		goto out_result;
	}
	w.sb = (struct nexus_sb *)((uint8_t *)sbs + slot * NEXUS_BLOCK_SIZE);
	copy = le32_to_cpu(w.sb->hdr.blocknr);
	c.nr_blocks = le32_to_cpu(w.sb->md_blocks);
	nx_format_uuid(w.sb->uuid, uuid);
	nx_check_out(ctx, obj, "pool", "pool        %s\n",
		     json_object_new_string_len(w.sb->name, strnlen(w.sb->name, NEXUS_NAME_LEN)));
	nx_check_out(ctx, obj, "uuid", "uuid        %s\n", json_object_new_string(uuid));
	nx_check_out(ctx, obj, "generation", "generation  %s\n",
		     json_object_new_uint64(le64_to_cpu(w.sb->hdr.gen)));
	nx_check_out(ctx, obj, "metadata_copy", "copy        %s\n", json_object_new_int(copy));
	nx_check_out(ctx, obj, "metadata_offset", "offset      %s\n",
		     json_object_new_uint64(le64_to_cpu(w.sb->md_start[copy])));
	nx_check_out(ctx, obj, "metadata_blocks", "blocks      %s\n",
		     json_object_new_int64(c.nr_blocks));
	if (posix_memalign((void **)&c.md, NEXUS_BLOCK_SIZE,
			   (size_t)c.nr_blocks * NEXUS_BLOCK_SIZE)) {
		nx_warn("%s: out of memory for %u metadata blocks", ctx->what, c.nr_blocks);
		goto out_free_obj;
	}
	err = nx_pread_all(fd, c.md, (size_t)c.nr_blocks * NEXUS_BLOCK_SIZE,
			   (off_t)le64_to_cpu(w.sb->md_start[copy]));
	if (err) {
		nx_check_report(&w, "cannot read the metadata copy");
		w.errors++;
		goto out_result;
	}
	err = nexus_fmt_walk(&w);
	if (err == -ENOMEM) {
		nx_warn("%s: out of memory", ctx->what);
		goto out_free_obj;
	}
	nx_check_out(ctx, obj, "replicas", "replicas    %s\n", json_object_new_int(w.replicas));
	nx_check_out(ctx, obj, "snapshots", "snapshots   %s\n", json_object_new_int(w.snapshots));
	nx_check_out(ctx, obj, "map_entries", "mapped      %s map entries\n",
		     json_object_new_uint64(w.mapped));
	nx_check_out(ctx, obj, "used_clusters", "used        %s clusters\n",
		     json_object_new_uint64(w.used_clusters));
	nx_check_out(ctx, obj, "metadata_blocks_used", "metadata    %s blocks in use\n",
		     json_object_new_int64(w.md_used));
out_result:
	if (!w.errors)
		ret = NX_EXIT_OK;
	if (ctx->json) {
		json_object_object_add(obj, "clean", json_object_new_boolean(!w.errors));
		json_object_object_add(obj, "errors", json_object_new_int(w.errors));
		json_object_object_add(obj, "problems", c.problems);
		c.problems = NULL;
		nx_print_json(obj);
	} else {
		printf("result      %s", w.errors ? "DAMAGED" : "clean");
		if (w.errors)
			printf(" (%u problem%s)", w.errors, w.errors == 1 ? "" : "s");
		putchar('\n');
	}
out_free_obj:
	json_object_put(c.problems);
	json_object_put(obj);
	free(c.md);
out_free_sbs:
	free(sbs);
out_close:
	close(fd);
	return ret;
}
