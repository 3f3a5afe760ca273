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

static const char *nx_event_name(uint8_t ev)
{
	static const char *const names[] = {
		[NEXUS_EVENT_CREATED] = "created",
		[NEXUS_EVENT_IMPORTED] = "imported",
		[NEXUS_EVENT_EXPORTED] = "exported",
		[NEXUS_EVENT_DESTROYED] = "destroyed",
		[NEXUS_EVENT_RESIZED] = "resized",
		[NEXUS_EVENT_CHANGED] = "changed",
		[NEXUS_EVENT_STOPPED] = "stopped",
		[NEXUS_EVENT_ASSEMBLED] = "assembled",
		[NEXUS_EVENT_CHILD_ADDED] = "child-added",
		[NEXUS_EVENT_CHILD_REMOVED] = "child-removed",
		[NEXUS_EVENT_CHILD_FAULTED] = "child-faulted",
		[NEXUS_EVENT_CHILD_ONLINE] = "child-online",
		[NEXUS_EVENT_REBUILD_STARTED] = "rebuild-started",
		[NEXUS_EVENT_REBUILD_DONE] = "rebuild-done",
		[NEXUS_EVENT_REBUILD_FAILED] = "rebuild-failed",
		[NEXUS_EVENT_VERIFY_DONE] = "verify-done",
		[NEXUS_EVENT_FROZEN] = "frozen",
		[NEXUS_EVENT_THAWED] = "thawed",
	};

	return ev < sizeof(names) / sizeof(names[0]) && names[ev] ? names[ev] : "unknown";
}

static const char *nx_str_attr(struct nlattr *nla)
{
	const char *s = nla ? nla_data(nla) : NULL;

	return s && nla_len(nla) > 0 && !s[nla_len(nla) - 1] ? s : "?";
}

/* A pool, replica or nexus event: its kind, what happened, to what. */
static int nx_monitor_object(struct nx_monitor *mon, struct nlattr **tb, uint8_t cmd,
			     const char *when)
{
	static const char *const member[] = { "empty", "synced", "rebuilding", "faulted" };
	static const char *const nstate[] = { "online", "degraded", "faulted" };
	const char *kind = cmd == NEXUS_CMD_POOL_NTF ? "pool" :
			   cmd == NEXUS_CMD_REPLICA_NTF ? "replica" : "nexus";
	const char *ev, *name, *pool = nx_str_attr(tb[NEXUS_ATTR_POOL_NAME]);
	struct nlattr *ctb[NEXUS_CHILD_ATTR_MAX + 1] = {};
	char uuid[37] = "", obj_name[160];
	json_object *obj;
	uint8_t st = 0;

	if (!tb[NEXUS_ATTR_EVENT])
		return -EBADMSG;
	ev = nx_event_name(nla_get_u8(tb[NEXUS_ATTR_EVENT]));
	if (cmd == NEXUS_CMD_NEXUS_NTF)
		name = nx_str_attr(tb[NEXUS_ATTR_NEXUS_NAME]);
	else if (cmd == NEXUS_CMD_REPLICA_NTF)
		name = nx_str_attr(tb[NEXUS_ATTR_REPLICA_NAME]);
	else
		name = pool;
	if (cmd == NEXUS_CMD_REPLICA_NTF)
		snprintf(obj_name, sizeof(obj_name), "%s/%s", pool, name);
	else
		snprintf(obj_name, sizeof(obj_name), "%s", name);
	if (tb[NEXUS_ATTR_CHILD] &&
	    nla_parse_nested(ctb, NEXUS_CHILD_ATTR_MAX, tb[NEXUS_ATTR_CHILD], NULL) < 0)
		return -EBADMSG;
	if (ctb[NEXUS_CHILD_ATTR_UUID] && nla_len(ctb[NEXUS_CHILD_ATTR_UUID]) == 16)
		nx_format_uuid(nla_data(ctb[NEXUS_CHILD_ATTR_UUID]), uuid);
	if (tb[NEXUS_ATTR_NEXUS_STATE])
		st = nla_get_u8(tb[NEXUS_ATTR_NEXUS_STATE]);
	if (mon->ctx->json) {
		obj = json_object_new_object();
		json_object_object_add(obj, "time", json_object_new_string(when));
		json_object_object_add(obj, "event", json_object_new_string(kind));
		json_object_object_add(obj, "what", json_object_new_string(ev));
		json_object_object_add(obj, "name", json_object_new_string(obj_name));
		if (tb[NEXUS_ATTR_NEXUS_STATE])
			json_object_object_add(obj, "state",
					       json_object_new_string(st < 3 ? nstate[st] : "?"));
		if (uuid[0]) {
			json_object *c = json_object_new_object();
			uint8_t cs = ctb[NEXUS_CHILD_ATTR_STATE] ?
				     nla_get_u8(ctb[NEXUS_CHILD_ATTR_STATE]) : 0;

			json_object_object_add(c, "uuid", json_object_new_string(uuid));
			json_object_object_add(c, "uri", json_object_new_string(
					       nx_str_attr(ctb[NEXUS_CHILD_ATTR_URI])));
			json_object_object_add(c, "state",
					       json_object_new_string(cs < 4 ? member[cs] : "?"));
			json_object_object_add(obj, "child", c);
		}
		nx_put_json_text(stdout, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
		json_object_put(obj);
		return 0;
	}
	printf("%s %s %s %s", when, kind, obj_name, ev);
	if (uuid[0])
		printf(" child %s (%s)", uuid, nx_str_attr(ctb[NEXUS_CHILD_ATTR_URI]));
	if (tb[NEXUS_ATTR_NEXUS_STATE])
		printf(", nexus %s", st < 3 ? nstate[st] : "?");
	putchar('\n');
	return 0;
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
			nx_put_json_text(stdout, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
			json_object_put(obj);
		} else {
			printf("%s config: ", when);
			nx_config_print(&cfg, "%s %s", ", ");
			putchar('\n');
		}
		break;
	case NEXUS_CMD_POOL_NTF:
	case NEXUS_CMD_REPLICA_NTF:
	case NEXUS_CMD_NEXUS_NTF:
		if (nx_monitor_object(mon, tb, cmd, when))
			return -EBADMSG;
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
