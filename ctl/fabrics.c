// SPDX-License-Identifier: GPL-2.0
/*
 * Remote nexus children: NVMe-oF URIs, and connecting and disconnecting
 * them through libnvme (the kernel's nvme-fabrics host does the work).
 *
 * Timeouts chosen for a mirror (docs/nexusctl.md says why):
 *   fast_io_fail_tmo 1 s   IO to a lost controller fails after 1 s instead
 *                          of waiting for it to come back: the nexus faults
 *                          the child and goes on with the others;
 *   reconnect_delay  2 s   the host keeps trying, so that a child that
 *                          comes back is ready for `child online`;
 *   ctrl_loss_tmo  600 s   Mayastor's faulted-child wait window: after it
 *                          the controller is removed, and bringing the child
 *                          back needs a new connect (`child online <uri>`);
 *   keep_alive_tmo   5 s   a silent target is noticed within 5 s.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nvme/fabrics.h>
#include <nvme/tree.h>

#include "nexusctl.h"

#define NX_FAST_IO_FAIL_TMO	1
#define NX_RECONNECT_DELAY	2
#define NX_CTRL_LOSS_TMO	600
#define NX_KEEP_ALIVE_TMO	5
#define NX_NS_WAIT_MS		10000

/* Copy the query value of @key in @query ("a=b&c=d") into @buf. */
static bool nx_query(const char *query, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			if (n - klen - 1 >= len)
				return false;
			memcpy(buf, p + klen + 1, n - klen - 1);
			buf[n - klen - 1] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

/*
 * nvmf[+tcp|+rdma[+tcp]]://host[:port]/<subsystem nqn>[?uuid=..&hostnqn=..]
 * (Mayastor's form).  0, or -EINVAL with @why set.
 */
int nx_nvmf_parse(const char *uri, struct nx_nvmf *f, const char **why)
{
	const char *p, *host, *slash, *query, *colon;
	size_t n;

	memset(f, 0, sizeof(*f));
	if (!strncmp(uri, "nvmf://", 7) || !strncmp(uri, "nvmf+tcp://", 11)) {
		strcpy(f->transport, "tcp");
	} else if (!strncmp(uri, "nvmf+rdma://", 12) || !strncmp(uri, "nvmf+rdma+tcp://", 16)) {
		strcpy(f->transport, "rdma");
	} else {
		*why = "not an nvmf:// URI";
		return -EINVAL;
	}
	host = strstr(uri, "://") + 3;
	slash = strchr(host, '/');
	if (!slash || slash == host) {
		*why = "an nvmf URI is nvmf://<host>[:<port>]/<subsystem nqn>";
		return -EINVAL;
	}
	query = strchr(slash, '?');
	p = slash + 1;
	n = query ? (size_t)(query - p) : strlen(p);
	if (!n || n >= sizeof(f->nqn) || memchr(p, '/', n)) {
		*why = "the URI's path must be exactly one subsystem NQN";
		return -EINVAL;
	}
	memcpy(f->nqn, p, n);
	/* host, [v6 host], host:port */
	if (*host == '[') {
		const char *close = memchr(host, ']', slash - host);

		if (!close || (size_t)(close - host - 1) >= sizeof(f->traddr)) {
			*why = "bad IPv6 address in the URI";
			return -EINVAL;
		}
		memcpy(f->traddr, host + 1, close - host - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(host, ':', slash - host);
		n = (colon ? colon : slash) - host;
		if (n >= sizeof(f->traddr)) {
			*why = "the URI's host is too long";
			return -EINVAL;
		}
		memcpy(f->traddr, host, n);
	}
	if (colon) {
		n = slash - colon - 1;
		if (!n || n >= sizeof(f->trsvcid) || strspn(colon + 1, "0123456789") < n) {
			*why = "the URI's port is not a number";
			return -EINVAL;
		}
		memcpy(f->trsvcid, colon + 1, n);
	} else {
		snprintf(f->trsvcid, sizeof(f->trsvcid), "%u", NEXUS_SHARE_DEFAULT_PORT);
	}
	if (query) {
		char uuid[64];

		nx_query(query + 1, "hostnqn", f->hostnqn, sizeof(f->hostnqn));
		if (nx_query(query + 1, "uuid", uuid, sizeof(uuid))) {
			if (nx_parse_uuid(uuid, f->uuid)) {
				*why = "the URI's uuid is not a uuid";
				return -EINVAL;
			}
			f->has_uuid = true;
		}
	}
	return 0;
}

static bool nx_nvmf_match(nvme_ctrl_t c, const struct nx_nvmf *f)
{
	const char *tr = nvme_ctrl_get_transport(c), *addr = nvme_ctrl_get_traddr(c);
	const char *svc = nvme_ctrl_get_trsvcid(c), *nqn = nvme_ctrl_get_subsysnqn(c);

	return tr && addr && svc && nqn && !strcmp(tr, f->transport) &&
	       !strcmp(addr, f->traddr) && !strcmp(svc, f->trsvcid) && !strcmp(nqn, f->nqn);
}

static nvme_ctrl_t nx_nvmf_find(nvme_root_t r, const struct nx_nvmf *f)
{
	nvme_subsystem_t s;
	nvme_host_t h;
	nvme_ctrl_t c;

	nvme_for_each_host(r, h)
		nvme_for_each_subsystem(h, s)
			nvme_subsystem_for_each_ctrl(s, c)
				if (nx_nvmf_match(c, f))
					return c;
	return NULL;
}

/*
 * The block device of controller @ctrl's first namespace: with native
 * multipath the path nvmeXcYnZ is hidden and the device is nvmeXnZ.
 */
static bool nx_ctrl_ns(const char *ctrl, char *dev, size_t len)
{
	char dir[128];
	struct dirent *d;
	bool found = false;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/sys/class/nvme/%s", ctrl);
	dp = opendir(dir);
	if (!dp)
		return false;
	while (!found && (d = readdir(dp))) {
		unsigned int x, y, z;
		char tail;

		if (sscanf(d->d_name, "nvme%uc%un%u%c", &x, &y, &z, &tail) == 3)
			found = snprintf(dev, len, "/dev/nvme%un%u", x, z) < (int)len;
		else if (sscanf(d->d_name, "nvme%un%u%c", &x, &z, &tail) == 2)
			found = snprintf(dev, len, "/dev/%s", d->d_name) < (int)len;
	}
	closedir(dp);
	return found && access(dev, F_OK) == 0;
}

/* Connect (or find connected) @f; its namespace's device goes into @dev. */
int nx_nvmf_connect(const struct nx_nvmf *f, char *dev, size_t len, bool *connected,
		    char *why, size_t whylen)
{
	struct nvme_fabrics_config cfg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char ctrl[64];
	nvme_root_t r;
	nvme_host_t h;
	nvme_ctrl_t c;
	int waited, err;

	*connected = false;
	/*
	 * The host's fabrics module, and the transport's (the kernel would
	 * ask for it too): at boot nothing may have loaded them yet.
	 */
	if (access("/dev/nvme-fabrics", F_OK)) {
		char module[16];

		snprintf(module, sizeof(module), "nvme-%s", f->transport);
		nx_modprobe("nvme-fabrics");
		nx_modprobe(module);
	}
	r = nvme_scan(NULL);
	if (!r) {
		snprintf(why, whylen, "cannot read the NVMe topology: %s", strerror(errno));
		return -errno;
	}
	c = nx_nvmf_find(r, f);
	if (!c) {
		h = f->hostnqn[0] ? nvme_lookup_host(r, f->hostnqn, NULL) : nvme_default_host(r);
		c = h ? nvme_create_ctrl(r, f->nqn, f->transport, f->traddr, NULL, NULL,
					 f->trsvcid) : NULL;
		if (!c) {
			snprintf(why, whylen, "cannot set up a controller for %s", f->nqn);
			nvme_free_tree(r);
			return -ENOMEM;
		}
		nvmf_default_config(&cfg);
		cfg.fast_io_fail_tmo = NX_FAST_IO_FAIL_TMO;
		cfg.reconnect_delay = NX_RECONNECT_DELAY;
		cfg.ctrl_loss_tmo = NX_CTRL_LOSS_TMO;
		cfg.keep_alive_tmo = NX_KEEP_ALIVE_TMO;
		if (nvmf_add_ctrl(h, c, &cfg)) {
			err = -errno;
			snprintf(why, whylen, "cannot connect to %s at %s %s:%s: %s", f->nqn,
				 f->transport, f->traddr, f->trsvcid, strerror(errno));
			nvme_free_ctrl(c);
			nvme_free_tree(r);
			return err;
		}
		*connected = true;
	}
	snprintf(ctrl, sizeof(ctrl), "%s", nvme_ctrl_get_name(c));
	nvme_free_tree(r);
	for (waited = 0; waited < NX_NS_WAIT_MS; waited += 100) {
		if (nx_ctrl_ns(ctrl, dev, len))
			return 0;
		nanosleep(&ts, NULL);
	}
	snprintf(why, whylen, "controller %s of %s shows no namespace", ctrl, f->nqn);
	/* A connection made for nothing would keep reconnecting: undo it. */
	if (*connected) {
		nx_nvmf_disconnect(f);
		*connected = false;
	}
	return -ENODEV;
}

/* Disconnect every controller of @f; 0 if there was none. */
int nx_nvmf_disconnect(const struct nx_nvmf *f)
{
	nvme_root_t r = nvme_scan(NULL);
	nvme_ctrl_t c;
	int err = 0;

	if (!r)
		return -errno;
	while (!err && (c = nx_nvmf_find(r, f))) {
		err = nvme_disconnect_ctrl(c);
		nvme_free_tree(r);
		r = nvme_scan(NULL);
		if (!r)
			return -errno;
	}
	nvme_free_tree(r);
	return err;
}
