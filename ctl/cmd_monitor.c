// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl monitor: print the module's events as they happen, one line
 * (or, with -j, one JSON object per line) per event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nexusctl.h"

struct nx_monitor {
	struct nx_ctx *ctx;
	uint64_t left;		/* events still to print; 0 = no limit */
};

/* RFC 3339, in UTC. */
static void nx_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int nx_monitor_event(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nx_monitor *mon = arg;
	struct nx_config cfg;
	char when[32];
	json_object *obj;

	nx_timestamp(when, sizeof(when));
	switch (cmd) {
	case NEXUS_CMD_CONFIG_NTF:
		if (nx_config_from_attrs(tb, &cfg))
			return -EBADMSG;
		if (mon->ctx->json) {
			obj = json_object_new_object();
			json_object_object_add(obj, "time", json_object_new_string(when));
			json_object_object_add(obj, "event", json_object_new_string("config"));
			nx_config_add_json(obj, &cfg);
			puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
			json_object_put(obj);
		} else {
			printf("%s config: ", when);
			nx_config_print(&cfg, "%s %s", ", ");
			putchar('\n');
		}
		break;
	default:
		/* A newer module's event: say so rather than drop it. */
		if (mon->ctx->json)
			printf("{\"time\": \"%s\", \"event\": \"unknown\", \"cmd\": %u}\n", when, cmd);
		else
			printf("%s unknown event %u\n", when, cmd);
		break;
	}
	fflush(stdout);
	if (mon->left && --mon->left == 0)
		return -ECANCELED;
	return 0;
}

/* nexusctl monitor [count <n>] */
int nx_cmd_monitor(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_monitor mon = { .ctx = ctx };
	struct nx_err err;
	int ret;

	ctx->what = "monitor";
	if (argc == 3 && !strcmp(argv[1], "count")) {
		if (nx_parse_u64(argv[2], &mon.left) || !mon.left)
			return nx_usage_error("monitor: count wants a positive number");
	} else if (argc != 1) {
		return nx_usage_error("usage: monitor [count <n>]");
	}
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	if (nx_nl_subscribe(&ctx->nl, NEXUS_GENL_MCGRP_EVENTS, &err) < 0)
		return nx_fail(ctx, &err);
	/* On stderr, so that scripts know when events can no longer be missed. */
	fprintf(stderr, "nexusctl: monitoring nexus events\n");
	if (nx_nl_listen(&ctx->nl, nx_monitor_event, &mon, &err) < 0)
		return nx_fail(ctx, &err);
	return NX_EXIT_OK;
}
