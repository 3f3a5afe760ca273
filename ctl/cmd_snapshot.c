// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl snapshot create | destroy | list | show | expose | hide.
 *
 * A snapshot is a read-only replica record of its pool (the module answers
 * about both with the same replica messages, cmd_replica.c parses them).
 * Every request names the kind it means (NEXUS_ATTR_REPLICA_SNAPSHOT = 1),
 * so that "snapshot destroy" never destroys a replica of the same name.
 * Clones are replicas: "replica create <pool> <name> --from <snapshot>".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nexusctl.h"

/* A request about snapshot @name of @pool, that refuses anything else. */
static struct nl_msg *nx_snap_msg(struct nx_ctx *ctx, uint8_t cmd, const char *pool,
				  const char *name)
{
	struct nl_msg *msg = nx_replica_msg(ctx, cmd, pool, name);

	if (msg && nla_put_u8(msg, NEXUS_ATTR_REPLICA_SNAPSHOT, 1) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int nx_snap_reply(struct nx_ctx *ctx, struct nl_msg *msg)
{
	struct nx_replica r;
	int ret = nx_replica_request(ctx, msg, &r);

	if (ret)
		return ret;
	nx_replica_print(ctx, &r);
	nx_replica_release(&r);
	return NX_EXIT_OK;
}

static int nx_snap_create(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"snapshot create <pool> <replica> <snapshot> [--uuid <uuid>] [--prop <key>=<value>]...";
	static const struct option opts[] = {
		{ "uuid", required_argument, NULL, 'u' },
		{ "prop", required_argument, NULL, 'p' },
		{}
	};
	const char *props[256];
	unsigned int nprops = 0;
	bool have_uuid = false;
	struct nl_msg *msg;
	uint8_t uuid[16];
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "u:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (nx_parse_uuid(optarg, uuid))
				return nx_usage_error("--uuid: '%s' is not a uuid", optarg);
			have_uuid = true;
			break;
		case 'p':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return nx_usage_error("--prop: '%s' is not <key>=<value>", optarg);
			if (nprops == sizeof(props) / sizeof(props[0]))
				return nx_usage_error("--prop: 256 properties at most");
			props[nprops++] = optarg;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (nx_args(argc - optind, 3, usage))
		return NX_EXIT_USAGE;
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_replica_msg(ctx, NEXUS_CMD_SNAPSHOT_CREATE, argv[optind], argv[optind + 2]);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nla_put_string(msg, NEXUS_ATTR_REPLICA_PARENT, argv[optind + 1]) < 0 ||
	    (have_uuid && nla_put(msg, NEXUS_ATTR_REPLICA_UUID, 16, uuid) < 0) ||
	    nx_put_props(msg, props, nprops)) {
		nlmsg_free(msg);
		nx_warn("%s: request too large", ctx->what);
		return NX_EXIT_FAIL;
	}
	return nx_snap_reply(ctx, msg);
}

static int nx_snap_destroy(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct nx_err err;
	int ret;

	if (nx_args(argc - 1, 2, "snapshot destroy <pool> <snapshot>"))
		return NX_EXIT_USAGE;
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_snap_msg(ctx, NEXUS_CMD_REPLICA_DESTROY, argv[1], argv[2]);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, NULL, NULL, &err) < 0)
		return nx_fail(ctx, &err);
	return NX_EXIT_OK;
}

/* expose: give it a read-only device; hide: take the device away. */
static int nx_snap_expose(struct nx_ctx *ctx, int argc, char **argv, bool expose)
{
	struct nl_msg *msg;
	int ret;

	if (nx_args(argc - 1, 2, expose ? "snapshot expose <pool> <snapshot>" :
			 "snapshot hide <pool> <snapshot>"))
		return NX_EXIT_USAGE;
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_snap_msg(ctx, NEXUS_CMD_REPLICA_SET, argv[1], argv[2]);
	if (msg && nla_put_u8(msg, NEXUS_ATTR_REPLICA_EXPOSE, expose) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return nx_snap_reply(ctx, msg);
}

static int nx_snap_expose_cmd(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_snap_expose(ctx, argc, argv, true);
}

static int nx_snap_hide_cmd(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_snap_expose(ctx, argc, argv, false);
}

static int nx_snap_show(struct nx_ctx *ctx, int argc, char **argv)
{
	int ret;

	if (nx_args(argc - 1, 2, "snapshot show <pool> <snapshot>"))
		return NX_EXIT_USAGE;
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	return nx_snap_reply(ctx, nx_snap_msg(ctx, NEXUS_CMD_REPLICA_GET, argv[1], argv[2]));
}

static void nx_snaps_print(struct nx_ctx *ctx, const struct nx_replicas *list)
{
	char size[32], excl[32], when[32];
	unsigned int i;

	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < list->n; i++)
			if (list->v[i].snapshot)
				json_object_array_add(arr, nx_replica_json(&list->v[i]));
		nx_print_json(arr);
		json_object_put(arr);
		return;
	}
	printf("%-16s %-20s %-20s %-19s %10s %10s %s\n", "POOL", "NAME", "ORIGIN", "CREATED",
	       "SIZE", "EXCLUSIVE", "DEVICE");
	for (i = 0; i < list->n; i++) {
		const struct nx_replica *r = &list->v[i];
		time_t t = (time_t)r->created;

		if (!r->snapshot)
			continue;
		nx_format_bytes(r->size, size, sizeof(size));
		nx_format_bytes(r->exclusive, excl, sizeof(excl));
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("%-16s %-20s %-20s %-19s %10s %10s %s\n", r->pool, r->name,
		       r->parent[0] ? r->parent : "(destroyed)", when, size, excl,
		       r->device[0] ? r->device : "-");
	}
}

static int nx_snap_list(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_replicas_list(ctx, argc, argv, "snapshot", nx_snaps_print);
}

int nx_cmd_snapshot(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "list", "snapshot list", nx_snap_list },
		{ "create", "snapshot create", nx_snap_create },
		{ "destroy", "snapshot destroy", nx_snap_destroy },
		{ "show", "snapshot show", nx_snap_show },
		{ "expose", "snapshot expose", nx_snap_expose_cmd },
		{ "hide", "snapshot hide", nx_snap_hide_cmd },
	};

	return nx_dispatch(ctx, "snapshot", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}
