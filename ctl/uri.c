// SPDX-License-Identifier: GPL-2.0
/*
 * Child URIs: what a nexus child is, resolved to the block device the
 * module opens.
 *
 *   /dev/<x>, bdev:///dev/<x>     a local block device
 *   bdev:///<uuid>[?uuid=..]      a local replica by uuid (Mayastor's form)
 *   replica://<pool>/<name>       a local replica by pool and name
 *   nvmf://host[:port]/<nqn>      NVMe-oF over TCP (also nvmf+tcp://)
 *   nvmf+rdma://host[:port]/<nqn> NVMe-oF over RDMA
 *
 * Local replicas are opened through their own block device: no network,
 * no nvmet in the way.  Remote children are connected (fabrics.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nexusctl.h"

/* The local replica with @uuid, or of @pool and @name: its device. */
static int nx_uri_replica(struct nx_ctx *ctx, const uint8_t *uuid, const char *pool,
			  const char *name, struct nx_child_uri *out)
{
	struct nx_replicas list = {};
	unsigned int i;
	int ret;

	ret = nx_replicas_dump(ctx, pool, &list);
	if (ret)
		return ret;
	ret = NX_EXIT_FAIL;
	for (i = 0; i < list.n; i++) {
		const struct nx_replica *r = &list.v[i];

		if (uuid ? memcmp(r->uuid, uuid, 16) : strcmp(r->name, name))
			continue;
		if (!r->device[0])
			break;
		snprintf(out->path, sizeof(out->path), "/dev/%s", r->device);
		if (!out->has_uuid) {
			memcpy(out->uuid, r->uuid, 16);
			out->has_uuid = true;
		}
		ret = NX_EXIT_OK;
		break;
	}
	nx_replicas_release(&list);
	if (ret)
		nx_warn("%s: %s: no such local replica", ctx->what, out->uri);
	return ret;
}

/*
 * Resolve @uri into @out.  Returns an exit code, having said what is
 * wrong; a remote child is connected, which nx_uri_release() undoes if
 * the caller does not keep it.
 */
int nx_uri_resolve(struct nx_ctx *ctx, const char *uri, struct nx_child_uri *out)
{
	char why[512];
	const char *w;

	memset(out, 0, sizeof(*out));
	if (strlen(uri) >= sizeof(out->uri))
		return nx_usage_error("%s: URI too long", uri);
	strcpy(out->uri, uri);
	if (uri[0] == '/' || !strncmp(uri, "bdev:///dev/", 12)) {
		const char *path = uri[0] == '/' ? uri : uri + 7;
		const char *q = strchr(path, '?');
		size_t n = q ? (size_t)(q - path) : strlen(path);

		if (n >= sizeof(out->path))
			return nx_usage_error("%s: path too long", uri);
		memcpy(out->path, path, n);
		out->local = true;
		return NX_EXIT_OK;
	}
	if (!strncmp(uri, "bdev:///", 8)) {
		char id[37];

		snprintf(id, sizeof(id), "%.36s", uri + 8);
		if (nx_parse_uuid(id, out->uuid))
			return nx_usage_error("%s: bdev:/// takes /dev/<device> or a replica uuid",
					      uri);
		out->local = true;
		return nx_uri_replica(ctx, out->uuid, NULL, NULL, out);
	}
	if (!strncmp(uri, "replica://", 10)) {
		char pool[64], name[64];

		if (sscanf(uri + 10, "%63[^/]/%63[^/?]", pool, name) != 2)
			return nx_usage_error("%s: a replica URI is replica://<pool>/<name>", uri);
		out->local = true;
		return nx_uri_replica(ctx, NULL, pool, name, out);
	}
	if (!strncmp(uri, "nvmf", 4)) {
		if (nx_nvmf_parse(uri, &out->nvmf, &w))
			return nx_usage_error("%s: %s", uri, w);
		out->remote = true;
		if (out->nvmf.has_uuid) {
			memcpy(out->uuid, out->nvmf.uuid, 16);
			out->has_uuid = true;
		}
		if (nx_nvmf_connect(&out->nvmf, out->path, sizeof(out->path), &out->connected,
				    why, sizeof(why))) {
			nx_warn("%s: %s", ctx->what, why);
			return NX_EXIT_FAIL;
		}
		return NX_EXIT_OK;
	}
	return nx_usage_error("%s: unknown URI scheme (bdev:///, replica://, nvmf://, nvmf+rdma://)",
			      uri);
}

/* Undo what resolving @u did, if the nexus did not take it. */
void nx_uri_release(struct nx_child_uri *u)
{
	if (u->remote && u->connected)
		nx_nvmf_disconnect(&u->nvmf);
	u->connected = false;
}

/* A child the nexus let go of: disconnect it if it was remote. */
void nx_uri_forget(const char *uri)
{
	struct nx_nvmf f;
	const char *why;

	if (!strncmp(uri, "nvmf", 4) && !nx_nvmf_parse(uri, &f, &why))
		nx_nvmf_disconnect(&f);
}
