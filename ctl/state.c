// SPDX-License-Identifier: GPL-2.0
/*
 * Nexus records: what boot assembly (nexus assemble --scan) needs to know
 * that the children's labels cannot say.  A label names its nexus and the
 * members by uuid, which is enough for children on this node's devices,
 * found by scanning them; a remote child must be connected before its
 * label can be read, and a publication lives only in nvmet.  So nexusctl
 * keeps, per nexus, one text file <state dir>/nexus/<uuid>:
 *
 *   uuid 6a1c...           the nexus's uuid
 *   name vol1
 *   child <uuid> <uri>     one per child: member uuid, URI
 *   publish tcp|rdma <address> <port>
 *   host <host nqn>        one per allowed host; none means any host
 *
 * It is written after the module accepted a create, assemble, child add,
 * remove or online, publish or unpublish; destroy deletes it; stop keeps
 * it (a stopped nexus is assembled again at boot, as md does) unless told
 * to forget it.  Files are replaced whole (written beside under a name of
 * their own, synced, renamed, the directory synced), so a crash leaves
 * the old record or the new one; a read-modify-write of a record holds an
 * flock on <state dir>/nexus/.lock (nx_records_lock()), so that two
 * nexusctl runs cannot lose each other's change.  They are read as untrusted text: unknown
 * keys and bad lines are skipped with a warning.
 */
#define _GNU_SOURCE	/* mkostemp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nexusctl.h"

const char *nx_state_dir(void)
{
	const char *d = getenv("NEXUS_STATE_DIR");

	return d && d[0] ? d : "/var/lib/nexus";
}

static int nx_record_path(const uint8_t uuid[16], char *buf, size_t len)
{
	char id[37];

	nx_format_uuid(uuid, id);
	if ((size_t)snprintf(buf, len, "%s/nexus/%s", nx_state_dir(), id) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p for the record directory. */
static int nx_state_mkdir(void)
{
	char path[4096];
	size_t i;

	if ((size_t)snprintf(path, sizeof(path), "%s/nexus", nx_state_dir()) >= sizeof(path))
		return -ENAMETOOLONG;
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		path[i] = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* One "key value" line into @r; false if it makes no sense. */
static bool nx_record_line(struct nx_record *r, const char *key, const char *val)
{
	uint64_t port;

	if (!strcmp(key, "uuid"))
		return !nx_parse_uuid(val, r->uuid);
	if (!strcmp(key, "name")) {
		if (strlen(val) >= sizeof(r->name))
			return false;
		strcpy(r->name, val);
		return true;
	}
	if (!strcmp(key, "child")) {
		struct nx_record_child *c = &r->children[r->nr_children];
		char id[37];

		if (r->nr_children == NEXUS_MAX_CHILDREN || strlen(val) < 38 || val[36] != ' ' ||
		    strlen(val + 37) >= sizeof(c->uri))
			return false;
		memcpy(id, val, 36);
		id[36] = 0;
		if (nx_parse_uuid(id, c->uuid))
			return false;
		strcpy(c->uri, val + 37);
		r->nr_children++;
		return true;
	}
	if (!strcmp(key, "publish")) {
		char proto[8], addr[64];

		if (sscanf(val, "%7s %63s %*s", proto, addr) != 2 ||
		    nx_parse_u64(strrchr(val, ' ') + 1, &port) || !port || port > 65535)
			return false;
		if (!strcmp(proto, "tcp"))
			r->proto = NEXUS_SHARE_NVMF_TCP;
		else if (!strcmp(proto, "rdma"))
			r->proto = NEXUS_SHARE_NVMF_RDMA;
		else
			return false;
		strcpy(r->addr, addr);
		r->port = (uint16_t)port;
		r->published = true;
		return true;
	}
	if (!strcmp(key, "host")) {
		if (r->nr_hosts == NX_RECORD_HOSTS || strlen(val) >= sizeof(r->hosts[0]) ||
		    strncmp(val, "nqn.", 4))
			return false;
		strcpy(r->hosts[r->nr_hosts++], val);
		return true;
	}
	return false;
}

static int nx_record_read(const char *path, struct nx_record *r)
{
	char line[1024], *val, *end;
	unsigned int lineno = 0;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		end = line + strcspn(line, "\r\n");
		*end = 0;
		if (!line[0] || line[0] == '#')
			continue;
		val = strchr(line, ' ');
		if (val)
			*val++ = 0;
		if (!val || !nx_record_line(r, line, val))
			nx_warn("%s:%u: line ignored", path, lineno);
	}
	fclose(fp);
	if (!nx_uuid_set(r->uuid)) {
		nx_warn("%s: no uuid: record ignored", path);
		return -EINVAL;
	}
	r->any_host = !r->nr_hosts;
	return 0;
}

int nx_record_load(const uint8_t uuid[16], struct nx_record *r)
{
	char path[4200];
	int ret;

	ret = nx_record_path(uuid, path, sizeof(path));
	if (ret)
		return ret;
	ret = nx_record_read(path, r);
	if (!ret && memcmp(r->uuid, uuid, 16)) {
		nx_warn("%s: names another nexus: record ignored", path);
		return -EINVAL;
	}
	return ret;
}

int nx_records_lock(void)
{
	char path[4200];
	int fd, ret;

	ret = nx_state_mkdir();
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/nexus/.lock", nx_state_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

void nx_records_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int nx_record_save(const struct nx_record *r)
{
	char path[4200], tmp[4220], dir[4100], id[37];
	unsigned int i;
	FILE *fp;
	int ret, fd;

	ret = nx_state_mkdir();
	if (!ret)
		ret = nx_record_path(r->uuid, path, sizeof(path));
	if (ret)
		return ret;
	/* A name of its own: another nexusctl may be writing one too. */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644);
	fp = fdopen(fd, "w");
	if (!fp) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	nx_format_uuid(r->uuid, id);
	fprintf(fp, "# nexus %s, kept by nexusctl for boot assembly (nexusctl(8))\n", r->name);
	fprintf(fp, "uuid %s\nname %s\n", id, r->name);
	for (i = 0; i < r->nr_children; i++) {
		nx_format_uuid(r->children[i].uuid, id);
		fprintf(fp, "child %s %s\n", id, r->children[i].uri);
	}
	if (r->published) {
		fprintf(fp, "publish %s %s %u\n",
			r->proto == NEXUS_SHARE_NVMF_RDMA ? "rdma" : "tcp", r->addr, r->port);
		for (i = 0; i < r->nr_hosts; i++)
			fprintf(fp, "host %s\n", r->hosts[i]);
	}
	if (fflush(fp) || fsync(fileno(fp))) {
		ret = -errno;
		fclose(fp);
		unlink(tmp);
		return ret;
	}
	if (fclose(fp) || rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	/* The rename itself, durable: a crash leaves the old record or this one. */
	snprintf(dir, sizeof(dir), "%s/nexus", nx_state_dir());
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int nx_record_delete(const uint8_t uuid[16])
{
	char path[4200];
	int ret;

	ret = nx_record_path(uuid, path, sizeof(path));
	if (ret)
		return ret;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int nx_records(struct nx_record **out, unsigned int *nr)
{
	struct nx_record *v = NULL, *nv;
	char dir[4100], path[4400];
	unsigned int n = 0;
	struct dirent *de;
	uint8_t uuid[16];
	DIR *d;

	*out = NULL;
	*nr = 0;
	snprintf(dir, sizeof(dir), "%s/nexus", nx_state_dir());
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		/* Only <uuid>: leaves out ".", "..", ".lock", temp files, strays. */
		if (nx_parse_uuid(de->d_name, uuid))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (nx_record_read(path, &v[n]))
			continue;
		if (memcmp(v[n].uuid, uuid, 16)) {
			nx_warn("%s: names another nexus: record ignored", path);
			continue;
		}
		n++;
	}
	closedir(d);
	*out = v;
	*nr = n;
	return 0;
}
