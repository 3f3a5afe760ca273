// SPDX-License-Identifier: GPL-2.0
/*
 * Exporting block devices over NVMe-oF through the kernel's NVMe target
 * (nvmet), configured through its configfs tree, /sys/kernel/config/nvmet:
 * replicas (shares) and nexuses (publish).
 *
 *   subsystems/<nqn>                     one per export: a replica's NQN
 *                                        is NEXUS_SHARE_NQN_PREFIX + its
 *                                        uuid, a nexus's the prefix + its
 *                                        name (Mayastor names a nexus
 *                                        after its volume uuid)
 *   subsystems/<nqn>/namespaces/1        device_path /dev/nxrN or nexusN,
 *                                        device_uuid = its uuid
 *   subsystems/<nqn>/allowed_hosts/<h>   link to hosts/<h>, or
 *   subsystems/<nqn>/attr_allow_any_host 1
 *   ports/<id>                           one per (transport, address,
 *                                        port): reused when it exists
 *   ports/<id>/subsystems/<nqn>          link to the subsystem
 *
 * The module keeps the share settings in the pool (they survive export
 * and import); this file only makes nvmet match them.  Every step is
 * idempotent, so that sharing again repairs a half-made share.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nexusctl.h"

#define NX_CONFIGFS	"/sys/kernel/config"
#define NX_NVMET	NX_CONFIGFS "/nvmet"

/* snprintf() for paths; configfs paths here are far below PATH_MAX. */
static __attribute__((format(printf, 3, 4)))
void nx_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';	/* no such path: the operation on it fails */
}

static const char *nx_trtype(uint8_t proto)
{
	return proto == NEXUS_SHARE_NVMF_RDMA ? "rdma" : "tcp";
}

void nx_share_nqn(const uint8_t uuid[16], char *nqn, size_t len)
{
	char u[37];

	nx_format_uuid(uuid, u);
	snprintf(nqn, len, "%s%s", NEXUS_SHARE_NQN_PREFIX, u);
}

static int nx_write_attr(const char *dir, const char *attr, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	nx_path(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		nx_warn("nvmet: cannot open %s: %s", path, strerror(err));
		return -err;
	}
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = errno;
	close(fd);
	if (err) {
		nx_warn("nvmet: cannot write '%s' to %s: %s", val, path, strerror(err));
		return -err;
	}
	return 0;
}

/* Read a configfs attribute, without its trailing newline. */
static int nx_read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	nx_path(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int nx_mkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		nx_warn("nvmet: cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int nx_modprobe(const char *module)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execlp("modprobe", "modprobe", "-q", module, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ENOENT;
}

/* configfs mounted, nvmet and its transport loaded. */
static int nx_nvmet_ready(uint8_t proto)
{
	char module[32];
	struct stat st;

	if (stat(NX_NVMET, &st)) {
		int err = 0;

		nx_modprobe("nvmet");
		/* configfs may be loaded but not mounted. */
		if (stat(NX_NVMET, &st) && mount("configfs", NX_CONFIGFS, "configfs", 0, NULL) &&
		    errno != EBUSY) {
			err = -errno;
			nx_warn("cannot mount configfs on %s: %s", NX_CONFIGFS, strerror(-err));
		}
		if (stat(NX_NVMET, &st)) {
			/* Not allowed to mount it: that is the reason, not nvmet. */
			if (err == -EPERM || err == -EACCES)
				return err;
			nx_warn("nvmet: %s is missing: the kernel's NVMe target (module nvmet) "
				"is not available", NX_NVMET);
			return -ENOENT;
		}
	}
	snprintf(module, sizeof(module), "nvmet-%s", nx_trtype(proto));
	/* A transport in use is loaded; loading it again is harmless. */
	if (nx_modprobe(module)) {
		nx_warn("nvmet: cannot load %s, the NVMe-oF %s transport", module,
			nx_trtype(proto));
		return -ENOENT;
	}
	return 0;
}

/* The port for (proto, addr, port): an existing one, else a new one. */
static int nx_nvmet_port(const struct nx_export *r, char *dir, size_t len)
{
	char path[PATH_MAX], buf[256], svc[8];
	unsigned long id, max = 0;
	struct dirent *de;
	DIR *d;
	int err;

	snprintf(svc, sizeof(svc), "%u", r->port);
	d = opendir(NX_NVMET "/ports");
	if (!d) {
		nx_warn("nvmet: cannot list %s/ports: %s", NX_NVMET, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char *end;

		if (de->d_name[0] == '.')
			continue;
		id = strtoul(de->d_name, &end, 10);
		if (*end)
			continue;
		if (id > max)
			max = id;
		nx_path(path, sizeof(path), "%s/ports/%s", NX_NVMET, de->d_name);
		if (nx_read_attr(path, "addr_trtype", buf, sizeof(buf)) ||
		    strcmp(buf, nx_trtype(r->proto)) ||
		    nx_read_attr(path, "addr_traddr", buf, sizeof(buf)) || strcmp(buf, r->addr) ||
		    nx_read_attr(path, "addr_trsvcid", buf, sizeof(buf)) || strcmp(buf, svc))
			continue;
		closedir(d);
		nx_path(dir, len, "%s", path);
		return 0;
	}
	closedir(d);
	nx_path(dir, len, "%s/ports/%lu", NX_NVMET, max + 1);
	err = nx_mkdir(dir);
	if (!err)
		err = nx_write_attr(dir, "addr_trtype", nx_trtype(r->proto));
	if (!err)
		err = nx_write_attr(dir, "addr_adrfam", strchr(r->addr, ':') ? "ipv6" : "ipv4");
	if (!err)
		err = nx_write_attr(dir, "addr_traddr", r->addr);
	if (!err)
		err = nx_write_attr(dir, "addr_trsvcid", svc);
	if (err)
		rmdir(dir);
	return err;
}

static int nx_symlink(const char *target, const char *link)
{
	if (symlink(target, link) && errno != EEXIST) {
		nx_warn("nvmet: cannot link %s to %s: %s", link, target, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Make nvmet export @r as described. */
int nx_nvmet_export(const struct nx_export *r)
{
	char sub[PATH_MAX], ns[PATH_MAX], port[PATH_MAX], path[PATH_MAX];
	char uuid[37], cur[16];
	const char *nqn = r->nqn, *dev = r->device;
	unsigned int i;
	int err;

	err = nx_nvmet_ready(r->proto);
	if (err)
		return err;
	nx_format_uuid(r->uuid, uuid);
	nx_path(sub, sizeof(sub), "%s/subsystems/%s", NX_NVMET, nqn);
	err = nx_mkdir(sub);
	if (err)
		return err;

	/* Who may connect: any host, or the hosts listed. */
	err = nx_write_attr(sub, "attr_allow_any_host", r->any_host ? "1" : "0");
	for (i = 0; !err && !r->any_host && i < r->nr_hosts; i++) {
		nx_path(path, sizeof(path), "%s/hosts/%s", NX_NVMET, r->hosts[i]);
		err = nx_mkdir(path);
		if (!err) {
			char link[PATH_MAX];

			nx_path(link, sizeof(link), "%s/allowed_hosts/%s", sub, r->hosts[i]);
			err = nx_symlink(path, link);
		}
	}
	if (err)
		return err;

	/* The namespace: the block device, and its uuid. */
	nx_path(ns, sizeof(ns), "%s/namespaces/1", sub);
	err = nx_mkdir(ns);
	if (err)
		return err;
	if (nx_read_attr(ns, "enable", cur, sizeof(cur)) || strcmp(cur, "1")) {
		err = nx_write_attr(ns, "device_path", dev);
		if (!err)
			err = nx_write_attr(ns, "device_uuid", uuid);
		if (!err)
			err = nx_write_attr(ns, "enable", "1");
		if (err)
			return err;
	}

	err = nx_nvmet_port(r, port, sizeof(port));
	if (err)
		return err;
	nx_path(path, sizeof(path), "%s/subsystems/%s", port, nqn);
	return nx_symlink(sub, path);
}

/* Remove entries of @dir (links or directories); errors are reported. */
static int nx_rm_entries(const char *dir, bool links)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		nx_path(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((links ? unlink(path) : rmdir(path)) && errno != ENOENT) {
			nx_warn("nvmet: cannot remove %s: %s", path, strerror(errno));
			err = -errno;
		}
	}
	closedir(d);
	return err;
}

static bool nx_dir_empty(const char *dir)
{
	struct dirent *de;
	bool empty = true;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			empty = false;
	closedir(d);
	return empty;
}

/*
 * Undo nx_nvmet_export() for @nqn: unlink the subsystem from every port (a
 * port left with no subsystem and no referral is removed), then remove its
 * namespace, its host links and itself.  Connected hosts lose the
 * namespace.  Nothing to undo is not an error.
 */
int nx_nvmet_unexport(const char *nqn)
{
	char sub[PATH_MAX], path[PATH_MAX], port[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	nx_path(sub, sizeof(sub), "%s/subsystems/%s", NX_NVMET, nqn);
	if (access(sub, F_OK))
		return 0;
	/*
	 * Who may not change it must not take half of it down.  The
	 * effective ids and capabilities decide, as for the writes below.
	 */
	if (faccessat(AT_FDCWD, sub, W_OK, AT_EACCESS)) {
		err = -errno;
		nx_warn("nvmet: cannot change %s: %s", sub, strerror(-err));
		return err;
	}
	d = opendir(NX_NVMET "/ports");
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			nx_path(port, sizeof(port), "%s/ports/%s", NX_NVMET, de->d_name);
			nx_path(path, sizeof(path), "%s/subsystems/%s", port, nqn);
			if (unlink(path)) {
				if (errno != ENOENT) {
					nx_warn("nvmet: cannot remove %s: %s", path,
						strerror(errno));
					err = -errno;
				}
				continue;
			}
			nx_path(path, sizeof(path), "%s/subsystems", port);
			if (nx_dir_empty(path)) {
				nx_path(path, sizeof(path), "%s/referrals", port);
				if (nx_dir_empty(path))
					rmdir(port);
			}
		}
		closedir(d);
	}
	nx_path(path, sizeof(path), "%s/namespaces/1", sub);
	if (!access(path, F_OK)) {
		if (nx_write_attr(path, "enable", "0"))
			err = -EIO;
	}
	nx_path(path, sizeof(path), "%s/namespaces", sub);
	if (nx_rm_entries(path, false))
		err = -EIO;
	nx_path(path, sizeof(path), "%s/allowed_hosts", sub);
	if (nx_rm_entries(path, true))
		err = -EIO;
	if (!err && rmdir(sub)) {
		nx_warn("nvmet: cannot remove %s: %s", sub, strerror(errno));
		err = -errno;
	}
	return err;
}

/* Is @nqn exported by nvmet right now? */
bool nx_nvmet_exported(const char *nqn)
{
	char path[PATH_MAX];

	nx_path(path, sizeof(path), "%s/subsystems/%s", NX_NVMET, nqn);
	return access(path, F_OK) == 0;
}

/* A replica's share: its settings, as an export. */
int nx_nvmet_share(const struct nx_replica *r)
{
	char nqn[256], dev[64];
	struct nx_export e = {
		.nqn = nqn, .device = dev, .uuid = r->uuid, .proto = r->proto,
		.addr = r->addr, .port = r->port, .any_host = r->any_host,
		.hosts = r->hosts, .nr_hosts = r->nr_hosts,
	};

	if (!r->device[0]) {
		nx_warn("replica %s/%s has no block device to share", r->pool, r->name);
		return -ENODEV;
	}
	nx_share_nqn(r->uuid, nqn, sizeof(nqn));
	snprintf(dev, sizeof(dev), "/dev/%s", r->device);
	return nx_nvmet_export(&e);
}

int nx_nvmet_unshare(const uint8_t uuid[16])
{
	char nqn[256];

	nx_share_nqn(uuid, nqn, sizeof(nqn));
	return nx_nvmet_unexport(nqn);
}

bool nx_nvmet_shared(const uint8_t uuid[16])
{
	char nqn[256];

	nx_share_nqn(uuid, nqn, sizeof(nqn));
	return nx_nvmet_exported(nqn);
}
