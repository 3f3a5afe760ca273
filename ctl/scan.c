// SPDX-License-Identifier: GPL-2.0
/*
 * What the node's block devices carry: nexus pools and nexus children,
 * found by their signatures, the way mdadm and LVM find theirs.
 *
 * A device is probed by reading its first 8 KiB (both superblock slots of
 * a pool, both label slots of a child) with O_DIRECT, and judging them
 * with the module's own checks (kmod/format.c, kmod/label.c): only a slot
 * that passes nexus_fmt_sb_pick() or nexus_label_pick() counts.  Nothing
 * is written.
 *
 * The scan walks /sys/class/block (whole disks and partitions) and leaves
 * out: the nexus volumes themselves (nexusN), devices of size 0, and
 * devices that something is stacked on (a non-empty holders/ directory:
 * dm or md over the device, whose signature is seen through the upper
 * device too).  Replica devices (nxrN) are probed for nexus labels, never
 * for pools.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <dirent.h>
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
#include "label.h"

#define NX_PROBE_BYTES	(2 * 4096)

int nx_probe(const char *path, struct nx_found *f)
{
	const char *why0, *why1;
	uint64_t bytes;
	unsigned int i;
	void *buf;
	ssize_t n;
	int fd, slot, ret = 0;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &bytes) || bytes < NX_PROBE_BYTES) {
		close(fd);
		return 0;
	}
	if (posix_memalign(&buf, 4096, NX_PROBE_BYTES)) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, buf, NX_PROBE_BYTES, 0);
	close(fd);
	if (n != NX_PROBE_BYTES) {
		ret = n < 0 ? -errno : -EIO;
		goto out_free;
	}
	slot = nexus_fmt_sb_pick(buf, (const struct nexus_sb *)((uint8_t *)buf + 4096),
				 bytes, &why0, &why1);
	if (slot >= 0) {
		const struct nexus_sb *sb = (const void *)((uint8_t *)buf + slot * 4096);

		f->kind = NX_FOUND_POOL;
		memcpy(f->uuid, sb->uuid, 16);
		snprintf(f->name, sizeof(f->name), "%.*s",
			 (int)strnlen(sb->name, NEXUS_NAME_LEN), sb->name);
		f->event = le64_to_cpu(sb->hdr.gen);
		ret = 1;
		goto out_free;
	}
	slot = nexus_label_pick(buf, (const struct nexus_label *)((uint8_t *)buf + 4096),
				bytes, &why0, &why1);
	if (slot >= 0) {
		const struct nexus_label *l = (const void *)((uint8_t *)buf + slot * 4096);

		f->kind = NX_FOUND_CHILD;
		memcpy(f->uuid, l->nexus_uuid, 16);
		memcpy(f->child_uuid, l->child_uuid, 16);
		snprintf(f->name, sizeof(f->name), "%.*s",
			 (int)strnlen(l->name, sizeof(l->name)), l->name);
		f->event = le64_to_cpu(l->event);
		for (i = 0; i < NEXUS_MAX_CHILDREN; i++)
			if (le32_to_cpu(l->members[i].state) != NEXUS_MEMBER_EMPTY)
				memcpy(f->members[f->nr_members++], l->members[i].uuid, 16);
		ret = 1;
	}
out_free:
	free(buf);
	return ret;
}

/* Is /sys/class/block/@name worth probing for @kind? */
static bool nx_scan_candidate(const char *name, enum nx_found_kind kind)
{
	char path[300];
	struct dirent *de;
	bool held = false;
	unsigned long long sectors;
	FILE *fp;
	DIR *d;

	if (!strncmp(name, "nexus", 5))
		return false;
	if (!strncmp(name, "nxr", 3) && kind == NX_FOUND_POOL)
		return false;
	snprintf(path, sizeof(path), "/sys/class/block/%s/size", name);
	fp = fopen(path, "re");
	if (!fp)
		return false;
	if (fscanf(fp, "%llu", &sectors) != 1)
		sectors = 0;
	fclose(fp);
	if (sectors * 512 < NX_PROBE_BYTES)
		return false;
	snprintf(path, sizeof(path), "/sys/class/block/%s/holders", name);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				held = true;
		closedir(d);
	}
	return !held;
}

int nx_scan(enum nx_found_kind kind, struct nx_found **out, unsigned int *nr)
{
	struct nx_found f, *v = NULL, *nv;
	char path[300];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	d = opendir("/sys/class/block");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !nx_scan_candidate(de->d_name, kind))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (nx_probe(path, &f) <= 0 || f.kind != kind)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			closedir(d);
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = f;
	}
	closedir(d);
	*out = v;
	*nr = n;
	return 0;
}
