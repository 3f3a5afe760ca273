// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl node up | down: what the node's boot and shutdown run
 * (nexus.service, docs/operations.md), built from the per-object forms an
 * admin can also run alone:
 *
 *   up:   pool import --scan      pools found on the devices, their shares
 *         nexus assemble --scan   nexuses from records and labels, their
 *                                 remote children connected, republished
 *   down: nexus stop --all        unpublished, stopped clean, disconnected
 *         pool export --all       shares stopped, pools committed and let go
 *
 * Each step runs even if the one before failed: one bad pool must not
 * keep the others from coming up.  Exit 1 if any step failed.  With -j,
 * one document: {"pools": {...}, "nexuses": {...}}, each step's own.
 */
#include <errno.h>
#include <string.h>

#include "nexusctl.h"

static int nx_node_run(struct nx_ctx *ctx, int (*const steps[2])(struct nx_ctx *ctx))
{
	int i, ret, worst = NX_EXIT_OK;

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	/* Said once, not by every step. */
	if (!nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);
	if (ctx->json)
		ctx->collect = json_object_new_object();
	for (i = 0; i < 2; i++) {
		ret = steps[i](ctx);
		if (ret > worst)
			worst = ret;
	}
	if (ctx->collect) {
		nx_print_json(ctx->collect);
		json_object_put(ctx->collect);
		ctx->collect = NULL;
	}
	return worst;
}

static int nx_node_up(struct nx_ctx *ctx, int argc, char **argv)
{
	static int (*const steps[2])(struct nx_ctx *ctx) = {
		nx_pool_import_scan, nx_nexus_assemble_scan,
	};

	if (argc > 1)
		return nx_usage_error("usage: node up");
	return nx_node_run(ctx, steps);
}

static int nx_node_down(struct nx_ctx *ctx, int argc, char **argv)
{
	static int (*const steps[2])(struct nx_ctx *ctx) = {
		nx_nexus_stop_all, nx_pool_export_all,
	};

	if (argc > 1)
		return nx_usage_error("usage: node down");
	return nx_node_run(ctx, steps);
}

int nx_cmd_node(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "up", "node up", nx_node_up },
		{ "down", "node down", nx_node_down },
	};

	if (argc < 1)
		return nx_usage_error("usage: node up | down");
	return nx_dispatch(ctx, "node", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}
