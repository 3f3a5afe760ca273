// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl output: JSON documents, messages on stderr, and the mapping of
 * failures to exit codes.  What the kernel says when it refuses a request
 * is printed verbatim, after the command and the attribute it concerns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nexusctl.h"

/* Command-line names of the attributes, for messages; units in brackets. */
static const struct {
	const char *name;
	const char *unit;
} nx_attrs[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_PAD] = { "pad", "" },
	[NEXUS_ATTR_VERSION] = { "version", "" },
	[NEXUS_ATTR_API_VERSION] = { "api-version", "" },
	[NEXUS_ATTR_FEATURES] = { "features", "" },
	[NEXUS_ATTR_IO_TIMEOUT_MS] = { "io-timeout", " ms" },
	[NEXUS_ATTR_REBUILD_RATE_MIN] = { "rebuild-rate-min", " KiB/s" },
	[NEXUS_ATTR_REBUILD_RATE_MAX] = { "rebuild-rate-max", " KiB/s" },
	[NEXUS_ATTR_POOL_NAME] = { "pool", "" },
	[NEXUS_ATTR_POOL_UUID] = { "pool uuid", "" },
	[NEXUS_ATTR_POOL_DEVICE] = { "device", "" },
	[NEXUS_ATTR_POOL_CLUSTER_SIZE] = { "cluster-size", " bytes" },
	[NEXUS_ATTR_POOL_MAX_REPLICAS] = { "max-replicas", "" },
	[NEXUS_ATTR_FORCE] = { "force", "" },
	[NEXUS_ATTR_REPLICA_NAME] = { "replica", "" },
	[NEXUS_ATTR_REPLICA_UUID] = { "replica uuid", "" },
	[NEXUS_ATTR_REPLICA_SIZE] = { "size", " bytes" },
	[NEXUS_ATTR_REPLICA_THIN] = { "thin", "" },
	[NEXUS_ATTR_SHARE_PROTO] = { "share protocol", "" },
	[NEXUS_ATTR_SHARE_ADDR] = { "address", "" },
	[NEXUS_ATTR_SHARE_PORT] = { "port", "" },
	[NEXUS_ATTR_SHARE_ANY_HOST] = { "any-host", "" },
	[NEXUS_ATTR_REPLICA_HOSTS] = { "host", "" },
	[NEXUS_ATTR_REPLICA_PROPS] = { "property", "" },
	[NEXUS_ATTR_NEXUS_NAME] = { "nexus", "" },
	[NEXUS_ATTR_NEXUS_UUID] = { "nexus uuid", "" },
	[NEXUS_ATTR_NEXUS_SIZE] = { "size", " bytes" },
	[NEXUS_ATTR_BITMAP_CHUNK] = { "bitmap-chunk", " bytes" },
	[NEXUS_ATTR_READ_POLICY] = { "read-policy", "" },
	[NEXUS_ATTR_CHILDREN] = { "children", "" },
	[NEXUS_ATTR_CHILD] = { "child", "" },
	[NEXUS_ATTR_REBUILD_ACTION] = { "rebuild action", "" },
	[NEXUS_ATTR_CHILD_UUID] = { "child uuid", "" },
	[NEXUS_ATTR_REPLICA_SNAPSHOT] = { "snapshot", "" },
	[NEXUS_ATTR_REPLICA_PARENT] = { "source", "" },
	[NEXUS_ATTR_REPLICA_EXPOSE] = { "expose", "" },
	[NEXUS_ATTR_FREEZE_TIMEOUT_MS] = { "freeze timeout", " ms" },
};

const char *nx_attr_name(int type)
{
	if (type > 0 && type <= NEXUS_ATTR_MAX && nx_attrs[type].name)
		return nx_attrs[type].name;
	return NULL;
}

static const char *const nx_feature_names[] = {
	"events",	/* NEXUS_F_EVENTS */
	"config",	/* NEXUS_F_CONFIG */
	"pools",	/* NEXUS_F_POOLS */
	"nexus",	/* NEXUS_F_NEXUS */
	"snapshots",	/* NEXUS_F_SNAPSHOTS */
};

json_object *nx_features_json(uint64_t features)
{
	json_object *arr = json_object_new_array();
	char unknown[32];
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		if (bit < sizeof(nx_feature_names) / sizeof(nx_feature_names[0])) {
			json_object_array_add(arr, json_object_new_string(nx_feature_names[bit]));
		} else {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			json_object_array_add(arr, json_object_new_string(unknown));
		}
	}
	return arr;
}

void nx_print_json(json_object *obj)
{
	nx_put_json_text(stdout, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
}

void nx_emit_json(struct nx_ctx *ctx, const char *key, json_object *obj)
{
	if (ctx->collect) {
		json_object_object_add(ctx->collect, key, obj);
		return;
	}
	nx_print_json(obj);
	json_object_put(obj);
}

int nx_each(struct nx_ctx *ctx, const char *group, const char *key, const char *what,
	    const void *items, unsigned int n, size_t stride,
	    int (*one)(struct nx_ctx *ctx, const char *name))
{
	json_object *done = ctx->json ? json_object_new_array() : NULL, *obj;
	unsigned int i, failed = 0;
	const char *name;

	for (i = 0; i < n; i++) {
		name = (const char *)items + i * stride;
		if (one(ctx, name)) {
			failed++;
			continue;
		}
		if (done)
			json_object_array_add(done, json_object_new_string(name));
		else
			printf("%s %s\n", what, name);
	}
	if (done) {
		obj = json_object_new_object();
		json_object_object_add(obj, key, done);
		json_object_object_add(obj, "failed", json_object_new_int(failed));
		nx_emit_json(ctx, group, obj);
	}
	return failed ? NX_EXIT_FAIL : NX_EXIT_OK;
}

void nx_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("nexusctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Exactly @want arguments, else the usage error (NX_EXIT_USAGE). */
int nx_args(int argc, int want, const char *usage)
{
	if (argc != want)
		return nx_usage_error("usage: %s", usage);
	return 0;
}

int nx_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nexusctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see nexusctl --help)\n", stderr);
	return NX_EXIT_USAGE;
}

/* Report a failed request, return the exit code it maps to. */
int nx_fail(struct nx_ctx *ctx, const struct nx_err *err)
{
	const char *attr = nx_attr_name(err->bad_attr);
	const char *missing = nx_attr_name(err->missing_attr);

	if ((err->errnum == EPERM || err->errnum == EACCES) && !err->msg[0]) {
		/* The genl core's GENL_ADMIN_PERM refusal comes without a message. */
		nx_warn("%s: permission denied: this command needs CAP_NET_ADMIN (run it as root)",
			ctx->what);
		return NX_EXIT_PERM;
	}
	fprintf(stderr, "nexusctl: %s: ", ctx->what);
	if (attr)
		fprintf(stderr, "%s: ", attr);
	if (err->msg[0])
		fputs(err->msg, stderr);
	else
		fputs(strerror(err->errnum), stderr);
	if (missing)
		fprintf(stderr, " (missing: %s)", missing);
	if (err->has_range)
		fprintf(stderr, " (allowed: %llu to %llu%s)",
			(unsigned long long)err->min, (unsigned long long)err->max,
			attr ? nx_attrs[err->bad_attr].unit : "");
	fputc('\n', stderr);
	return err->errnum == EPERM || err->errnum == EACCES ? NX_EXIT_PERM : NX_EXIT_FAIL;
}

int nx_local_fail(struct nx_ctx *ctx, int err)
{
	if (!err)
		return NX_EXIT_OK;
	if (err != -EPERM && err != -EACCES)
		return NX_EXIT_FAIL;
	nx_warn("%s: permission denied: this command needs root (CAP_NET_ADMIN, the device, "
		"nvmet's configfs)", ctx->what);
	return NX_EXIT_PERM;
}

/* Open the netlink session once; on failure report and return the exit code. */
int nx_connect(struct nx_ctx *ctx)
{
	struct nx_err err;
	int ret;

	if (ctx->nl_open)
		return NX_EXIT_OK;
	ret = nx_nl_open(&ctx->nl, &err);
	if (ret == -ENOENT && access("/sys/module/nexus", F_OK) == 0) {
		/* Loaded, but the family lives in the initial network namespace. */
		nx_warn("the nexus module is loaded but cannot be reached from this "
			"network namespace: run nexusctl in the initial one");
		return NX_EXIT_NOMODULE;
	}
	if (ret == -ENOENT) {
		nx_warn("the nexus kernel module is not loaded and could not be loaded on demand "
			"(is it installed? try: modprobe nexus)");
		return NX_EXIT_NOMODULE;
	}
	if (ret < 0) {
		nx_warn("cannot open a generic netlink socket: %s", err.msg);
		return NX_EXIT_FAIL;
	}
	ctx->nl_open = true;
	return NX_EXIT_OK;
}

int nx_dump(struct nx_ctx *ctx, uint8_t cmd, nx_reply_fn fn, void *arg)
{
	struct nl_msg *msg;
	struct nx_err err;
	int ret;

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nl_dump_msg(&ctx->nl, cmd);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, fn, arg, &err) < 0)
		return nx_fail(ctx, &err);
	return NX_EXIT_OK;
}
