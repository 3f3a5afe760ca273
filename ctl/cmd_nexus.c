// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl nexus create | assemble | stop | destroy | set | list | show,
 * nexusctl child add | remove | fault | online,
 * nexusctl rebuild pause | resume | stop,
 * and the parsing of the module's replies about nexuses.
 *
 * Children are given as URIs (uri.c); nexusctl resolves each to a block
 * device, connecting remote ones, and hands the module the device's path
 * with the URI.  When the module lets go of a remote child (remove, stop,
 * destroy) nexusctl disconnects it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nexusctl.h"

struct nx_stats {
	uint64_t v[NEXUS_STAT_MAX + 1];
};

struct nx_child {
	uint8_t uuid[16];
	char path[256], uri[512];
	bool local;
	uint8_t state, reason;
	uint64_t rb_done, rb_total, rb_copied;
	bool rb_paused, rb_partial;
	struct nx_stats stats;
};

struct nx_nexus {
	char name[64], device[32];	/* name first: nx_each() */
	uint8_t uuid[16];
	uint64_t size, chunk, dirty, data_offset, event, created;
	uint64_t frozen_until;		/* seconds since the epoch, 0 not frozen */
	uint8_t state, read_policy;
	uint32_t io_timeout_ms, rate_min, rate_max;
	struct nx_stats stats;
	struct nx_child children[16];
	unsigned int nr_children;
	bool has_verify, v_running, v_repair;
	uint64_t v_done, v_total, v_mismatch, v_repaired;
	uint32_t v_error;
};

struct nx_nexuses {
	struct nx_nexus *v;
	unsigned int n;
};

static const char *const nx_state_names[] = { "online", "degraded", "faulted" };
static const char *const nx_policy_names[] = { "least-pending", "round-robin", "local-first" };
static const char *const nx_stat_names[NEXUS_STAT_MAX + 1] = {
	[NEXUS_STAT_READ_OPS] = "read_ops",
	[NEXUS_STAT_READ_BYTES] = "read_bytes",
	[NEXUS_STAT_READ_NS] = "read_ns",
	[NEXUS_STAT_WRITE_OPS] = "write_ops",
	[NEXUS_STAT_WRITE_BYTES] = "write_bytes",
	[NEXUS_STAT_WRITE_NS] = "write_ns",
	[NEXUS_STAT_FLUSH_OPS] = "flush_ops",
	[NEXUS_STAT_DISCARD_OPS] = "discard_ops",
	[NEXUS_STAT_DISCARD_BYTES] = "discard_bytes",
	[NEXUS_STAT_ERRORS] = "errors",
	[NEXUS_STAT_INFLIGHT] = "inflight",
};

static const char *nx_name(const char *const *names, unsigned int n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

#define NX_NAME(names, v) nx_name(names, sizeof(names) / sizeof(names[0]), v)

static const char *nx_member_state(uint8_t s)
{
	static const char *const names[] = { "empty", "synced", "rebuilding", "faulted" };

	return NX_NAME(names, s);
}

static const char *nx_fault_reason(uint8_t r)
{
	static const char *const names[] = {
		"-", "io-error", "timed-out", "by-client", "rebuild-failed",
		"cannot-open", "no-space", "label-write-failed",
	};

	return NX_NAME(names, r);
}

/* Reply parsing. */

static bool nx_str(const struct nlattr *nla, char *buf, size_t len)
{
	int n = nla_len(nla);
	const char *s = nla_data(nla);

	if (n < 1 || s[n - 1] || (size_t)n > len)
		return false;
	memcpy(buf, s, n);
	return true;
}

static int nx_stats_parse(struct nlattr *nest, struct nx_stats *st)
{
	struct nlattr *nla;
	int rem;

	memset(st, 0, sizeof(*st));
	nla_for_each_nested(nla, nest, rem) {
		int t = nla_type(nla);

		if (t > NEXUS_STAT_PAD && t <= NEXUS_STAT_MAX && nla_len(nla) == 8)
			st->v[t] = nla_get_u64(nla);
	}
	return 0;
}

static int nx_child_parse(struct nlattr *nest, struct nx_child *c)
{
	struct nlattr *tb[NEXUS_CHILD_ATTR_MAX + 1];

	if (nla_parse_nested(tb, NEXUS_CHILD_ATTR_MAX, nest, NULL) < 0 ||
	    !tb[NEXUS_CHILD_ATTR_UUID] || nla_len(tb[NEXUS_CHILD_ATTR_UUID]) != 16 ||
	    !tb[NEXUS_CHILD_ATTR_STATE] || !tb[NEXUS_CHILD_ATTR_PATH] ||
	    !nx_str(tb[NEXUS_CHILD_ATTR_PATH], c->path, sizeof(c->path)) ||
	    (tb[NEXUS_CHILD_ATTR_URI] && !nx_str(tb[NEXUS_CHILD_ATTR_URI], c->uri, sizeof(c->uri))))
		return -EBADMSG;
	memcpy(c->uuid, nla_data(tb[NEXUS_CHILD_ATTR_UUID]), 16);
	c->state = nla_get_u8(tb[NEXUS_CHILD_ATTR_STATE]);
	if (tb[NEXUS_CHILD_ATTR_REASON])
		c->reason = nla_get_u8(tb[NEXUS_CHILD_ATTR_REASON]);
	if (tb[NEXUS_CHILD_ATTR_LOCAL])
		c->local = nla_get_u8(tb[NEXUS_CHILD_ATTR_LOCAL]);
	if (tb[NEXUS_CHILD_ATTR_REBUILD_DONE])
		c->rb_done = nla_get_u64(tb[NEXUS_CHILD_ATTR_REBUILD_DONE]);
	if (tb[NEXUS_CHILD_ATTR_REBUILD_TOTAL])
		c->rb_total = nla_get_u64(tb[NEXUS_CHILD_ATTR_REBUILD_TOTAL]);
	if (tb[NEXUS_CHILD_ATTR_REBUILD_COPIED])
		c->rb_copied = nla_get_u64(tb[NEXUS_CHILD_ATTR_REBUILD_COPIED]);
	if (tb[NEXUS_CHILD_ATTR_REBUILD_PAUSED])
		c->rb_paused = nla_get_u8(tb[NEXUS_CHILD_ATTR_REBUILD_PAUSED]);
	if (tb[NEXUS_CHILD_ATTR_REBUILD_PARTIAL])
		c->rb_partial = nla_get_u8(tb[NEXUS_CHILD_ATTR_REBUILD_PARTIAL]);
	if (tb[NEXUS_CHILD_ATTR_STATS])
		nx_stats_parse(tb[NEXUS_CHILD_ATTR_STATS], &c->stats);
	return 0;
}

static int nx_nexus_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nx_nexuses *list = arg;
	struct nx_nexus *n, *v;
	struct nlattr *nla;
	int rem;

	if (!tb[NEXUS_ATTR_NEXUS_NAME] || !tb[NEXUS_ATTR_NEXUS_UUID] ||
	    !tb[NEXUS_ATTR_NEXUS_SIZE] || !tb[NEXUS_ATTR_NEXUS_STATE])
		return -EBADMSG;
	v = realloc(list->v, (list->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	list->v = v;
	n = &list->v[list->n++];
	memset(n, 0, sizeof(*n));
	if (!nx_str(tb[NEXUS_ATTR_NEXUS_NAME], n->name, sizeof(n->name)) ||
	    (tb[NEXUS_ATTR_NEXUS_DEVICE] &&
	     !nx_str(tb[NEXUS_ATTR_NEXUS_DEVICE], n->device, sizeof(n->device))))
		return -EBADMSG;
	memcpy(n->uuid, nla_data(tb[NEXUS_ATTR_NEXUS_UUID]), 16);
	n->size = nla_get_u64(tb[NEXUS_ATTR_NEXUS_SIZE]);
	n->state = nla_get_u8(tb[NEXUS_ATTR_NEXUS_STATE]);
	if (tb[NEXUS_ATTR_BITMAP_CHUNK])
		n->chunk = nla_get_u64(tb[NEXUS_ATTR_BITMAP_CHUNK]);
	if (tb[NEXUS_ATTR_BITMAP_DIRTY])
		n->dirty = nla_get_u64(tb[NEXUS_ATTR_BITMAP_DIRTY]);
	if (tb[NEXUS_ATTR_DATA_OFFSET])
		n->data_offset = nla_get_u64(tb[NEXUS_ATTR_DATA_OFFSET]);
	if (tb[NEXUS_ATTR_LABEL_EVENT])
		n->event = nla_get_u64(tb[NEXUS_ATTR_LABEL_EVENT]);
	if (tb[NEXUS_ATTR_POOL_CREATED])
		n->created = nla_get_u64(tb[NEXUS_ATTR_POOL_CREATED]);
	if (tb[NEXUS_ATTR_READ_POLICY])
		n->read_policy = nla_get_u8(tb[NEXUS_ATTR_READ_POLICY]);
	if (tb[NEXUS_ATTR_NEXUS_FROZEN_UNTIL])
		n->frozen_until = nla_get_u64(tb[NEXUS_ATTR_NEXUS_FROZEN_UNTIL]);
	if (tb[NEXUS_ATTR_IO_TIMEOUT_MS])
		n->io_timeout_ms = nla_get_u32(tb[NEXUS_ATTR_IO_TIMEOUT_MS]);
	if (tb[NEXUS_ATTR_REBUILD_RATE_MIN])
		n->rate_min = nla_get_u32(tb[NEXUS_ATTR_REBUILD_RATE_MIN]);
	if (tb[NEXUS_ATTR_REBUILD_RATE_MAX])
		n->rate_max = nla_get_u32(tb[NEXUS_ATTR_REBUILD_RATE_MAX]);
	if (tb[NEXUS_ATTR_STATS])
		nx_stats_parse(tb[NEXUS_ATTR_STATS], &n->stats);
	if (tb[NEXUS_ATTR_VERIFY]) {
		struct nlattr *vt[NEXUS_VERIFY_ATTR_MAX + 1];

		if (nla_parse_nested(vt, NEXUS_VERIFY_ATTR_MAX, tb[NEXUS_ATTR_VERIFY], NULL) < 0 ||
		    !vt[NEXUS_VERIFY_ATTR_RUNNING] || !vt[NEXUS_VERIFY_ATTR_DONE] ||
		    !vt[NEXUS_VERIFY_ATTR_TOTAL] || !vt[NEXUS_VERIFY_ATTR_MISMATCH] ||
		    !vt[NEXUS_VERIFY_ATTR_REPAIRED])
			return -EBADMSG;
		n->has_verify = true;
		n->v_running = nla_get_u8(vt[NEXUS_VERIFY_ATTR_RUNNING]);
		if (vt[NEXUS_VERIFY_ATTR_REPAIR])
			n->v_repair = nla_get_u8(vt[NEXUS_VERIFY_ATTR_REPAIR]);
		n->v_done = nla_get_u64(vt[NEXUS_VERIFY_ATTR_DONE]);
		n->v_total = nla_get_u64(vt[NEXUS_VERIFY_ATTR_TOTAL]);
		n->v_mismatch = nla_get_u64(vt[NEXUS_VERIFY_ATTR_MISMATCH]);
		n->v_repaired = nla_get_u64(vt[NEXUS_VERIFY_ATTR_REPAIRED]);
		if (vt[NEXUS_VERIFY_ATTR_ERROR])
			n->v_error = nla_get_u32(vt[NEXUS_VERIFY_ATTR_ERROR]);
	}
	if (tb[NEXUS_ATTR_CHILDREN]) {
		nla_for_each_nested(nla, tb[NEXUS_ATTR_CHILDREN], rem) {
			if (nla_type(nla) != NEXUS_ATTR_CHILD || n->nr_children == 16)
				continue;
			if (nx_child_parse(nla, &n->children[n->nr_children++]))
				return -EBADMSG;
		}
	}
	return 0;
}

/* Send @msg; the nexus it answers with goes into @out (may be NULL). */
static int nx_nexus_request(struct nx_ctx *ctx, struct nl_msg *msg, struct nx_nexus *out)
{
	struct nx_nexuses list = {};
	struct nx_err err;

	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, nx_nexus_reply, &list, &err) < 0) {
		free(list.v);
		return nx_fail(ctx, &err);
	}
	if (out && list.n != 1) {
		free(list.v);
		nx_warn("%s: malformed reply from the module", ctx->what);
		return NX_EXIT_FAIL;
	}
	if (out)
		*out = list.v[0];
	free(list.v);
	return NX_EXIT_OK;
}

/* A request about the nexus @name. */
static struct nl_msg *nx_nexus_msg(struct nx_ctx *ctx, uint8_t cmd, const char *name)
{
	struct nl_msg *msg = nx_nl_msg(&ctx->nl, cmd);

	if (msg && nla_put_string(msg, NEXUS_ATTR_NEXUS_NAME, name) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int nx_nexus_get(struct nx_ctx *ctx, const char *name, struct nx_nexus *out)
{
	int ret = nx_connect(ctx);

	if (ret)
		return ret;
	return nx_nexus_request(ctx, nx_nexus_msg(ctx, NEXUS_CMD_NEXUS_GET, name), out);
}

/* Output. */

/* A nexus's NQN when published: Mayastor's prefix and the nexus's name. */
static void nx_nexus_nqn(const char *name, char *nqn, size_t len)
{
	snprintf(nqn, len, "%s%s", NEXUS_SHARE_NQN_PREFIX, name);
}


static json_object *nx_stats_json(const struct nx_stats *st)
{
	json_object *obj = json_object_new_object();
	unsigned int i;

	for (i = 0; i <= NEXUS_STAT_MAX; i++)
		if (nx_stat_names[i])
			json_object_object_add(obj, nx_stat_names[i],
					       json_object_new_uint64(st->v[i]));
	return obj;
}

static json_object *nx_child_json(const struct nx_child *c)
{
	json_object *obj = json_object_new_object(), *rb;
	char uuid[37];

	nx_format_uuid(c->uuid, uuid);
	json_object_object_add(obj, "uuid", json_object_new_string(uuid));
	json_object_object_add(obj, "uri", json_object_new_string(c->uri));
	json_object_object_add(obj, "device", json_object_new_string(c->path));
	json_object_object_add(obj, "local", json_object_new_boolean(c->local));
	json_object_object_add(obj, "state", json_object_new_string(nx_member_state(c->state)));
	/* Text says "-" for no reason; JSON says null, as for every absent value. */
	json_object_object_add(obj, "reason", c->reason ?
			       json_object_new_string(nx_fault_reason(c->reason)) : NULL);
	rb = json_object_new_object();
	json_object_object_add(rb, "done", json_object_new_uint64(c->rb_done));
	json_object_object_add(rb, "total", json_object_new_uint64(c->rb_total));
	json_object_object_add(rb, "copied", json_object_new_uint64(c->rb_copied));
	json_object_object_add(rb, "paused", json_object_new_boolean(c->rb_paused));
	json_object_object_add(rb, "partial", json_object_new_boolean(c->rb_partial));
	json_object_object_add(obj, "rebuild", rb);
	json_object_object_add(obj, "stats", nx_stats_json(&c->stats));
	return obj;
}

static json_object *nx_nexus_json(const struct nx_nexus *n)
{
	json_object *obj = json_object_new_object(), *arr = json_object_new_array();
	char uuid[37], nqn[256];
	unsigned int i;

	nx_format_uuid(n->uuid, uuid);
	json_object_object_add(obj, "name", json_object_new_string(n->name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid));
	json_object_object_add(obj, "size", json_object_new_uint64(n->size));
	json_object_object_add(obj, "device", n->device[0] ?
			       json_object_new_string(n->device) : NULL);
	json_object_object_add(obj, "state", json_object_new_string(NX_NAME(nx_state_names,
									    n->state)));
	json_object_object_add(obj, "read_policy",
			       json_object_new_string(NX_NAME(nx_policy_names, n->read_policy)));
	json_object_object_add(obj, "io_timeout_ms", json_object_new_uint64(n->io_timeout_ms));
	json_object_object_add(obj, "rebuild_rate_min", json_object_new_uint64(n->rate_min));
	json_object_object_add(obj, "rebuild_rate_max", json_object_new_uint64(n->rate_max));
	json_object_object_add(obj, "bitmap_chunk", json_object_new_uint64(n->chunk));
	json_object_object_add(obj, "bitmap_dirty_chunks", json_object_new_uint64(n->dirty));
	json_object_object_add(obj, "data_offset", json_object_new_uint64(n->data_offset));
	json_object_object_add(obj, "event", json_object_new_uint64(n->event));
	json_object_object_add(obj, "created", json_object_new_uint64(n->created));
	json_object_object_add(obj, "frozen_until", n->frozen_until ?
			       json_object_new_uint64(n->frozen_until) : NULL);
	nx_nexus_nqn(n->name, nqn, sizeof(nqn));
	json_object_object_add(obj, "published", nx_nvmet_exported(nqn) ?
			       json_object_new_string(nqn) : NULL);
	for (i = 0; i < n->nr_children; i++)
		json_object_array_add(arr, nx_child_json(&n->children[i]));
	json_object_object_add(obj, "children", arr);
	if (n->has_verify) {
		json_object *v = json_object_new_object();

		json_object_object_add(v, "running", json_object_new_boolean(n->v_running));
		json_object_object_add(v, "repair", json_object_new_boolean(n->v_repair));
		json_object_object_add(v, "done", json_object_new_uint64(n->v_done));
		json_object_object_add(v, "total", json_object_new_uint64(n->v_total));
		json_object_object_add(v, "mismatch", json_object_new_uint64(n->v_mismatch));
		json_object_object_add(v, "repaired", json_object_new_uint64(n->v_repaired));
		json_object_object_add(v, "error", n->v_error ?
				       json_object_new_string(strerror(n->v_error)) : NULL);
		json_object_object_add(obj, "verify", v);
	} else {
		json_object_object_add(obj, "verify", NULL);
	}
	json_object_object_add(obj, "stats", nx_stats_json(&n->stats));
	return obj;
}

static unsigned int nx_synced(const struct nx_nexus *n)
{
	unsigned int i, synced = 0;

	for (i = 0; i < n->nr_children; i++)
		synced += n->children[i].state == NEXUS_MEMBER_SYNCED;
	return synced;
}

static void nx_nexus_print(struct nx_ctx *ctx, const struct nx_nexus *n)
{
	char uuid[37], size[32], chunk[32], nqn[256];
	unsigned int i;

	if (ctx->json) {
		json_object *obj = nx_nexus_json(n);

		nx_print_json(obj);
		json_object_put(obj);
		return;
	}
	nx_format_uuid(n->uuid, uuid);
	nx_format_bytes(n->size, size, sizeof(size));
	nx_format_bytes(n->chunk, chunk, sizeof(chunk));
	printf("%-14s %s\n", "name", n->name);
	printf("%-14s %s\n", "uuid", uuid);
	printf("%-14s %s (%llu bytes)\n", "size", size, (unsigned long long)n->size);
	printf("%-14s %s%s\n", "device", n->device[0] ? "/dev/" : "",
	       n->device[0] ? n->device : "-");
	printf("%-14s %s (%u of %u children in sync)\n", "state",
	       NX_NAME(nx_state_names, n->state), nx_synced(n), n->nr_children);
	if (n->frozen_until) {
		time_t t = (time_t)n->frozen_until;
		char when[64];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
		printf("%-14s %s\n", "frozen until", when);
	}
	printf("%-14s %s\n", "read policy", NX_NAME(nx_policy_names, n->read_policy));
	printf("%-14s %u ms\n", "io timeout", n->io_timeout_ms);
	printf("%-14s %s, %llu dirty\n", "bitmap chunk", chunk, (unsigned long long)n->dirty);
	printf("%-14s %llu\n", "label event", (unsigned long long)n->event);
	nx_nexus_nqn(n->name, nqn, sizeof(nqn));
	printf("%-14s %s\n", "published", nx_nvmet_exported(nqn) ? nqn : "no");
	if (n->has_verify)
		printf("%-14s %s%s, %llu of %llu bytes, %llu differ, %llu repaired%s%s\n", "verify",
		       n->v_running ? "running" : "done", n->v_repair ? " (repair)" : "",
		       (unsigned long long)n->v_done, (unsigned long long)n->v_total,
		       (unsigned long long)n->v_mismatch, (unsigned long long)n->v_repaired,
		       n->v_error ? ", stopped: " : "", n->v_error ? strerror(n->v_error) : "");
	printf("\n%-36s %-10s %-14s %-9s %s\n", "CHILD", "STATE", "REASON", "REBUILD", "URI");
	for (i = 0; i < n->nr_children; i++) {
		const struct nx_child *c = &n->children[i];
		char rb[16] = "-";

		nx_format_uuid(c->uuid, uuid);
		if (c->rb_total && c->state == NEXUS_MEMBER_REBUILD)
			snprintf(rb, sizeof(rb), "%llu%%%s",
				 (unsigned long long)(c->rb_done * 100 / c->rb_total),
				 c->rb_paused ? " (p)" : "");
		printf("%-36s %-10s %-14s %-9s %s\n", uuid, nx_member_state(c->state),
		       nx_fault_reason(c->reason), rb, c->uri[0] ? c->uri : c->path);
	}
}

static void nx_nexuses_print(struct nx_ctx *ctx, const struct nx_nexuses *list)
{
	char uuid[37], size[32], kids[16];
	unsigned int i;

	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < list->n; i++)
			json_object_array_add(arr, nx_nexus_json(&list->v[i]));
		nx_print_json(arr);
		json_object_put(arr);
		return;
	}
	printf("%-20s %-9s %10s %-9s %-8s %s\n", "NAME", "STATE", "SIZE", "DEVICE", "SYNCED",
	       "UUID");
	for (i = 0; i < list->n; i++) {
		const struct nx_nexus *n = &list->v[i];

		nx_format_uuid(n->uuid, uuid);
		nx_format_bytes(n->size, size, sizeof(size));
		snprintf(kids, sizeof(kids), "%u/%u", nx_synced(n), n->nr_children);
		printf("%-20s %-9s %10s %-9s %-8s %s\n", n->name, NX_NAME(nx_state_names, n->state),
		       size, n->device[0] ? n->device : "-", kids, uuid);
	}
}

/*
 * nexus stats [<name>] (also nexusctl stats): per nexus and per child, IO
 * counts, bytes, and the mean latency of reads and writes since the nexus
 * started (the module sums each request's time from submission to
 * completion; stats in nexus show -j are those sums).
 */
static json_object *nx_latency_json(uint64_t ns, uint64_t ops)
{
	return ops ? json_object_new_uint64(ns / ops / 1000) : NULL;
}

static json_object *nx_stats_report_json(const struct nx_nexus *n)
{
	json_object *obj = json_object_new_object(), *arr = json_object_new_array(), *c;
	const struct nx_stats *st = &n->stats;
	char uuid[37];
	unsigned int i;

	nx_format_uuid(n->uuid, uuid);
	json_object_object_add(obj, "name", json_object_new_string(n->name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid));
	json_object_object_add(obj, "read_latency_us",
			       nx_latency_json(st->v[NEXUS_STAT_READ_NS], st->v[NEXUS_STAT_READ_OPS]));
	json_object_object_add(obj, "write_latency_us",
			       nx_latency_json(st->v[NEXUS_STAT_WRITE_NS], st->v[NEXUS_STAT_WRITE_OPS]));
	json_object_object_add(obj, "stats", nx_stats_json(st));
	for (i = 0; i < n->nr_children; i++) {
		const struct nx_child *ch = &n->children[i];

		st = &ch->stats;
		c = json_object_new_object();
		nx_format_uuid(ch->uuid, uuid);
		json_object_object_add(c, "uuid", json_object_new_string(uuid));
		json_object_object_add(c, "uri", json_object_new_string(ch->uri));
		json_object_object_add(c, "state", json_object_new_string(nx_member_state(ch->state)));
		json_object_object_add(c, "read_latency_us",
				       nx_latency_json(st->v[NEXUS_STAT_READ_NS],
						       st->v[NEXUS_STAT_READ_OPS]));
		json_object_object_add(c, "write_latency_us",
				       nx_latency_json(st->v[NEXUS_STAT_WRITE_NS],
						       st->v[NEXUS_STAT_WRITE_OPS]));
		json_object_object_add(c, "stats", nx_stats_json(st));
		json_object_array_add(arr, c);
	}
	json_object_object_add(obj, "children", arr);
	return obj;
}

/* One line of the stats table: what, then counts, MiB and mean latency. */
static void nx_stats_line(const char *what, const struct nx_stats *st)
{
	const uint64_t *v = st->v;
	char rl[24] = "-", wl[24] = "-";

	if (v[NEXUS_STAT_READ_OPS])
		snprintf(rl, sizeof(rl), "%llu us", (unsigned long long)
			 (v[NEXUS_STAT_READ_NS] / v[NEXUS_STAT_READ_OPS] / 1000));
	if (v[NEXUS_STAT_WRITE_OPS])
		snprintf(wl, sizeof(wl), "%llu us", (unsigned long long)
			 (v[NEXUS_STAT_WRITE_NS] / v[NEXUS_STAT_WRITE_OPS] / 1000));
	printf("%-44s %10llu %9llu %10s %10llu %9llu %10s %8llu %6llu %8llu\n", what,
	       (unsigned long long)v[NEXUS_STAT_READ_OPS],
	       (unsigned long long)(v[NEXUS_STAT_READ_BYTES] >> 20), rl,
	       (unsigned long long)v[NEXUS_STAT_WRITE_OPS],
	       (unsigned long long)(v[NEXUS_STAT_WRITE_BYTES] >> 20), wl,
	       (unsigned long long)v[NEXUS_STAT_FLUSH_OPS],
	       (unsigned long long)v[NEXUS_STAT_ERRORS],
	       (unsigned long long)v[NEXUS_STAT_INFLIGHT]);
}

static int nx_nexus_dump(struct nx_ctx *ctx, struct nx_nexuses *list);

static int nx_nexus_stats(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_nexuses list = {};
	char what[80], uuid[37];
	unsigned int i, k;
	json_object *arr;
	int ret;

	if (argc > 2)
		return nx_usage_error("usage: nexus stats [<name>]");
	if (argc == 2) {
		list.v = calloc(1, sizeof(*list.v));
		if (!list.v)
			return NX_EXIT_FAIL;
		ret = nx_nexus_get(ctx, argv[1], list.v);
		list.n = !ret;
	} else {
		ret = nx_nexus_dump(ctx, &list);
	}
	if (ret) {
		free(list.v);
		return ret;
	}
	if (ctx->json) {
		arr = json_object_new_array();
		for (i = 0; i < list.n; i++)
			json_object_array_add(arr, nx_stats_report_json(&list.v[i]));
		nx_print_json(arr);
		json_object_put(arr);
		free(list.v);
		return NX_EXIT_OK;
	}
	printf("%-44s %10s %9s %10s %10s %9s %10s %8s %6s %8s\n", "NEXUS / CHILD", "READS",
	       "READ-MiB", "READ-LAT", "WRITES", "WRITE-MiB", "WRITE-LAT", "FLUSHES", "ERRORS",
	       "INFLIGHT");
	for (i = 0; i < list.n; i++) {
		const struct nx_nexus *n = &list.v[i];

		nx_stats_line(n->name, &n->stats);
		for (k = 0; k < n->nr_children; k++) {
			nx_format_uuid(n->children[k].uuid, uuid);
			snprintf(what, sizeof(what), "  %.8s %s", uuid,
				 n->children[k].uri[0] ? n->children[k].uri : n->children[k].path);
			nx_stats_line(what, &n->children[k].stats);
		}
	}
	free(list.v);
	return NX_EXIT_OK;
}

int nx_cmd_stats(struct nx_ctx *ctx, int argc, char **argv)
{
	ctx->what = "stats";
	return nx_nexus_stats(ctx, argc, argv);
}

/* Requests with children. */

static int nx_put_child(struct nl_msg *msg, const struct nx_child_uri *u)
{
	struct nlattr *nest = nla_nest_start(msg, NEXUS_ATTR_CHILD);

	if (!nest || nla_put_string(msg, NEXUS_CHILD_ATTR_PATH, u->path) < 0 ||
	    nla_put_string(msg, NEXUS_CHILD_ATTR_URI, u->uri) < 0 ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_LOCAL, u->local) < 0 ||
	    (u->has_uuid && nla_put(msg, NEXUS_CHILD_ATTR_UUID, 16, u->uuid) < 0))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* Resolve @uris; on failure those resolved so far are released. */
static int nx_resolve_all(struct nx_ctx *ctx, char **uris, int n, struct nx_child_uri *out)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = nx_uri_resolve(ctx, uris[i], &out[i]);
		if (ret) {
			while (i--)
				nx_uri_release(&out[i]);
			return ret;
		}
	}
	return NX_EXIT_OK;
}

static void nx_release_all(struct nx_child_uri *u, int n)
{
	while (n--)
		nx_uri_release(&u[n]);
}

/* The children attribute of a create or assemble request. */
static int nx_put_children(struct nl_msg *msg, const struct nx_child_uri *uris, int nr)
{
	struct nlattr *nest = nla_nest_start(msg, NEXUS_ATTR_CHILDREN);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < nr; i++)
		if (nx_put_child(msg, &uris[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Records (state.c): after the module accepted a change of @n's children,
 * its record says what the module now says.  A member the module knows
 * no URI of (not found at assembly) keeps the URI the record had.  The
 * publication is kept, cleared, or set from @e.
 */
enum { NX_PUBLISH_KEEP, NX_PUBLISH_CLEAR, NX_PUBLISH_SET };

static void nx_nexus_record(struct nx_ctx *ctx, const struct nx_nexus *n, int publish,
			    const struct nx_export *e)
{
	struct nx_record *old, *r;
	bool have_old;
	unsigned int i, j;
	int ret, lock;

	old = calloc(2, sizeof(*old));
	if (!old) {
		nx_warn("%s: out of memory for the record of nexus %s", ctx->what, n->name);
		return;
	}
	r = old + 1;
	lock = nx_records_lock();
	have_old = !nx_record_load(n->uuid, old);
	memcpy(r->uuid, n->uuid, 16);
	snprintf(r->name, sizeof(r->name), "%s", n->name);
	for (i = 0; i < n->nr_children && r->nr_children < NEXUS_MAX_CHILDREN; i++) {
		struct nx_record_child *rc = &r->children[r->nr_children];

		memcpy(rc->uuid, n->children[i].uuid, 16);
		snprintf(rc->uri, sizeof(rc->uri), "%s", n->children[i].uri);
		for (j = 0; !rc->uri[0] && have_old && j < old->nr_children; j++)
			if (!memcmp(old->children[j].uuid, rc->uuid, 16))
				strcpy(rc->uri, old->children[j].uri);
		if (rc->uri[0])
			r->nr_children++;
	}
	if (publish == NX_PUBLISH_KEEP && have_old && old->published) {
		r->published = true;
		r->proto = old->proto;
		r->port = old->port;
		strcpy(r->addr, old->addr);
		r->nr_hosts = old->nr_hosts;
		memcpy(r->hosts, old->hosts, sizeof(r->hosts));
	} else if (publish == NX_PUBLISH_SET) {
		r->published = true;
		r->proto = e->proto;
		r->port = e->port;
		snprintf(r->addr, sizeof(r->addr), "%s", e->addr);
		for (i = 0; !e->any_host && i < e->nr_hosts; i++) {
			if (i == NX_RECORD_HOSTS) {
				nx_warn("%s: the record keeps %u allowed hosts: boot will publish to the first %u only",
					ctx->what, NX_RECORD_HOSTS, NX_RECORD_HOSTS);
				break;
			}
			snprintf(r->hosts[r->nr_hosts++], sizeof(r->hosts[0]), "%s", e->hosts[i]);
		}
	}
	ret = lock < 0 ? lock : nx_record_save(r);
	nx_records_unlock(lock);
	if (ret)
		nx_warn("%s: cannot write the record of nexus %s under %s (%s): boot assembly will not know of this change",
			ctx->what, n->name, nx_state_dir(), strerror(-ret));
	free(old);
}

static int nx_parse_policy(const char *s, uint8_t *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(nx_policy_names) / sizeof(nx_policy_names[0]); i++)
		if (!strcmp(s, nx_policy_names[i])) {
			*out = i;
			return 0;
		}
	return nx_usage_error("--read-policy: '%s' is not least-pending, round-robin or local-first",
			      s);
}

/* The create and assemble commands: options, children, request. */
static int nx_nexus_start(struct nx_ctx *ctx, int argc, char **argv, bool assemble)
{
	static const char create_usage[] =
		"nexus create <name> <child uri>... [--size <size>] [--uuid <uuid>]\n"
		"       [--bitmap-chunk <size>] [--read-policy <policy>] [--io-timeout <time>] [--force]";
	static const char assemble_usage[] =
		"nexus assemble [--name <name>] <child uri>... | --scan";
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "bitmap-chunk", required_argument, NULL, 'b' },
		{ "read-policy", required_argument, NULL, 'r' },
		{ "io-timeout", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "scan", no_argument, NULL, 'S' },
		{}
	};
	const char *usage = assemble ? assemble_usage : create_usage, *name = NULL;
	uint64_t size = 0, chunk = 0, timeout = 0;
	struct nx_child_uri *uris;
	uint8_t uuid[16], policy = 0;
	bool have_uuid = false, have_policy = false, force = false, scan = false;
	struct nx_nexus n;
	struct nl_msg *msg;
	int c, nr, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:u:b:r:t:n:f", opts, NULL)) != -1) {
		if (c != 'S' && c != 'n' && c != '?' && assemble)
			return nx_usage_error("usage: %s", usage);
		switch (c) {
		case 's':
			if (nx_parse_size(optarg, &size))
				return nx_usage_error("--size: '%s' is not a size", optarg);
			break;
		case 'u':
			if (nx_parse_uuid(optarg, uuid))
				return nx_usage_error("--uuid: '%s' is not a uuid", optarg);
			have_uuid = true;
			break;
		case 'b':
			if (nx_parse_size(optarg, &chunk))
				return nx_usage_error("--bitmap-chunk: '%s' is not a size", optarg);
			break;
		case 'r':
			if (nx_parse_policy(optarg, &policy))
				return NX_EXIT_USAGE;
			have_policy = true;
			break;
		case 't':
			if (nx_parse_duration_ms(optarg, &timeout))
				return nx_usage_error("--io-timeout: '%s' is not a duration", optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'S':
			if (!assemble)
				return nx_usage_error("usage: %s", usage);
			scan = true;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (scan) {
		if (name || optind != argc)
			return nx_usage_error("usage: %s", usage);
		return nx_nexus_assemble_scan(ctx);
	}
	if (!assemble) {
		if (argc - optind < 2)
			return nx_usage_error("usage: %s", usage);
		name = argv[optind++];
	}
	nr = argc - optind;
	if (nr < 1 || nr > 16)
		return nx_usage_error("usage: %s (1 to 16 children)", usage);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	uris = calloc(nr, sizeof(*uris));
	if (!uris)
		return NX_EXIT_FAIL;
	ret = nx_resolve_all(ctx, argv + optind, nr, uris);
	if (ret) {
		free(uris);
		return ret;
	}
	msg = nx_nl_msg(&ctx->nl, assemble ? NEXUS_CMD_NEXUS_ASSEMBLE : NEXUS_CMD_NEXUS_CREATE);
	if (!msg ||
	    (name && nla_put_string(msg, NEXUS_ATTR_NEXUS_NAME, name) < 0) ||
	    (size && nla_put_u64(msg, NEXUS_ATTR_NEXUS_SIZE, size) < 0) ||
	    (chunk && nla_put_u64(msg, NEXUS_ATTR_BITMAP_CHUNK, chunk) < 0) ||
	    (have_uuid && nla_put(msg, NEXUS_ATTR_NEXUS_UUID, 16, uuid) < 0) ||
	    (have_policy && nla_put_u8(msg, NEXUS_ATTR_READ_POLICY, policy) < 0) ||
	    (timeout && nla_put_u32(msg, NEXUS_ATTR_IO_TIMEOUT_MS, (uint32_t)timeout) < 0) ||
	    (force && nla_put_flag(msg, NEXUS_ATTR_FORCE) < 0) ||
	    nx_put_children(msg, uris, nr))
		goto out_nomem;
	ret = nx_nexus_request(ctx, msg, &n);
	if (ret) {
		nx_release_all(uris, nr);
	} else {
		nx_nexus_record(ctx, &n, NX_PUBLISH_KEEP, NULL);
		nx_nexus_print(ctx, &n);
	}
	free(uris);
	return ret;

out_nomem:
	nlmsg_free(msg);
	nx_release_all(uris, nr);
	free(uris);
	nx_warn("%s: request too large", ctx->what);
	return NX_EXIT_FAIL;
}

static int nx_nexus_create(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_nexus_start(ctx, argc, argv, false);
}

static int nx_nexus_assemble(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_nexus_start(ctx, argc, argv, true);
}

static int nx_nexus_republish(struct nx_ctx *ctx, const struct nx_record *r,
			      const struct nx_nexus *n, json_object *done);

/* Stop or destroy @name: then disconnect the remote children it had. */
static int nx_nexus_end_one(struct nx_ctx *ctx, const char *name, uint8_t cmd)
{
	bool unpublished = false;
	struct nx_record *r;
	char nqn[256];
	struct nx_nexus n;
	unsigned int i;
	int ret;

	ret = nx_nexus_get(ctx, name, &n);
	if (ret)
		return ret;
	/* A published nexus is held open by nvmet: unpublish it first. */
	nx_nexus_nqn(n.name, nqn, sizeof(nqn));
	if (nx_nvmet_exported(nqn)) {
		ret = nx_nvmet_unexport(nqn);
		if (ret) {
			nx_warn("%s: cannot unpublish %s", ctx->what, nqn);
			return nx_local_fail(ctx, ret);
		}
		unpublished = true;
	}
	ret = nx_nexus_request(ctx, nx_nexus_msg(ctx, cmd, name), NULL);
	if (ret) {
		/* Refused (open elsewhere): its clients get it back. */
		r = unpublished ? malloc(sizeof(*r)) : NULL;
		if (r && !nx_record_load(n.uuid, r) && r->published) {
			/* Said in text; with -j nothing but the refusal. */
			json_object *quiet = ctx->json ? json_object_new_array() : NULL;

			nx_nexus_republish(ctx, r, &n, quiet);
			json_object_put(quiet);
		}
		else if (unpublished)
			nx_warn("%s: nexus %s stays unpublished: its record has no publication to restore",
				ctx->what, n.name);
		free(r);
		return ret;
	}
	for (i = 0; i < n.nr_children; i++)
		nx_uri_forget(n.children[i].uri);
	/* Stop keeps the record: boot assembles a stopped nexus again. */
	if (cmd == NEXUS_CMD_NEXUS_DESTROY) {
		ret = nx_record_delete(n.uuid);
		if (ret)
			nx_warn("%s: cannot remove the record of nexus %s under %s (%s)",
				ctx->what, n.name, nx_state_dir(), strerror(-ret));
	}
	return NX_EXIT_OK;
}

/*
 * stop <name> [--forget] | --all.  --forget also drops the record, for a
 * nexus that moves to another node: this one must not assemble it again.
 */
static int nx_nexus_stop(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "usage: nexus stop <name> [--forget] | --all";
	bool forget = argc == 3 && !strcmp(argv[2], "--forget");
	struct nx_nexus n;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--all"))
		return nx_nexus_stop_all(ctx);
	if ((argc != 2 && !forget) || argv[1][0] == '-')
		return nx_usage_error(usage);
	if (!forget)
		return nx_nexus_end_one(ctx, argv[1], NEXUS_CMD_NEXUS_STOP);
	ret = nx_nexus_get(ctx, argv[1], &n);
	if (!ret)
		ret = nx_nexus_end_one(ctx, argv[1], NEXUS_CMD_NEXUS_STOP);
	if (!ret) {
		ret = nx_local_fail(ctx, nx_record_delete(n.uuid));
		if (ret)
			nx_warn("%s: nexus %s stopped, but its record under %s could not be removed",
				ctx->what, n.name, nx_state_dir());
	}
	return ret;
}

static int nx_nexus_destroy(struct nx_ctx *ctx, int argc, char **argv)
{
	if (argc != 2)
		return nx_usage_error("usage: nexus destroy <name>");
	return nx_nexus_end_one(ctx, argv[1], NEXUS_CMD_NEXUS_DESTROY);
}

static int nx_nexus_set(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"nexus set <name> [read-policy <policy>] [io-timeout <time>]\n"
		"       [rebuild-rate-min <rate>] [rebuild-rate-max <rate>]";
	struct nl_msg *msg;
	struct nx_nexus n;
	uint64_t v;
	uint8_t p = 0;
	int i, ret;

	if (argc < 4 || argc % 2)
		return nx_usage_error("usage: %s", usage);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nexus_msg(ctx, NEXUS_CMD_NEXUS_SET, argv[1]);
	if (!msg)
		return NX_EXIT_FAIL;
	for (i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = argv[i + 1];
		int err;

		if (!strcmp(key, "read-policy")) {
			if (nx_parse_policy(val, &p))
				goto out_usage;
			err = nla_put_u8(msg, NEXUS_ATTR_READ_POLICY, p);
		} else if (!strcmp(key, "io-timeout")) {
			if (nx_parse_duration_ms(val, &v) || v > UINT32_MAX)
				goto out_bad;
			err = nla_put_u32(msg, NEXUS_ATTR_IO_TIMEOUT_MS, (uint32_t)v);
		} else if (!strcmp(key, "rebuild-rate-min")) {
			if (nx_parse_rate_kib(val, &v) || v > UINT32_MAX)
				goto out_bad;
			err = nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MIN, (uint32_t)v);
		} else if (!strcmp(key, "rebuild-rate-max")) {
			if (nx_parse_rate_cap_kib(val, &v) || v > UINT32_MAX)
				goto out_bad;
			err = nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MAX, (uint32_t)v);
		} else {
			nlmsg_free(msg);
			return nx_usage_error("nexus set: unknown setting '%s'\nusage: %s", key,
					      usage);
		}
		if (err < 0) {
			nlmsg_free(msg);
			return NX_EXIT_FAIL;
		}
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (!ret)
		nx_nexus_print(ctx, &n);
	return ret;

out_bad:
	nlmsg_free(msg);
	return nx_usage_error("nexus set: %s: '%s' is not a valid value", argv[i], argv[i + 1]);
out_usage:
	nlmsg_free(msg);
	return NX_EXIT_USAGE;
}

static int nx_nexus_dump(struct nx_ctx *ctx, struct nx_nexuses *list);

static int nx_nexus_list(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_nexuses list = {};
	int ret;

	if (argc > 1)
		return nx_usage_error("usage: nexus list");
	ret = nx_nexus_dump(ctx, &list);
	if (ret)
		return ret;
	nx_nexuses_print(ctx, &list);
	free(list.v);
	return NX_EXIT_OK;
}

static int nx_nexus_show(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_nexus n;
	int ret;

	if (argc != 2)
		return nx_usage_error("usage: nexus show <name>");
	ret = nx_nexus_get(ctx, argv[1], &n);
	if (!ret)
		nx_nexus_print(ctx, &n);
	return ret;
}

/* publish <name> [--proto tcp|rdma] [--addr <ip>] [--port <port>] [--host <nqn>]... */
static int nx_nexus_publish(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"nexus publish <name> [--proto tcp|rdma] [--addr <ip>] [--port <port>]\n"
		"       [--host <host nqn>]... | [--any-host]";
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'P' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "any-host", no_argument, NULL, 'A' },
		{}
	};
	char nqn[256], dev[64], *hosts[256];
	struct nx_export e = {
		.nqn = nqn, .device = dev, .proto = NEXUS_SHARE_NVMF_TCP, .addr = "0.0.0.0",
		.port = NEXUS_SHARE_DEFAULT_PORT, .hosts = hosts,
	};
	bool any = false;
	struct nx_nexus n;
	uint64_t port;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "P:a:p:H:A", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (!strcmp(optarg, "tcp"))
				e.proto = NEXUS_SHARE_NVMF_TCP;
			else if (!strcmp(optarg, "rdma"))
				e.proto = NEXUS_SHARE_NVMF_RDMA;
			else
				return nx_usage_error("--proto: tcp or rdma, not '%s'", optarg);
			break;
		case 'a':
			e.addr = optarg;
			break;
		case 'p':
			if (nx_parse_u64(optarg, &port) || !port || port > 65535)
				return nx_usage_error("--port: '%s' is not a port", optarg);
			e.port = (uint16_t)port;
			break;
		case 'H':
			if (strncmp(optarg, "nqn.", 4) || strlen(optarg) > NEXUS_NQN_LEN)
				return nx_usage_error("--host: '%s' is not a host NQN", optarg);
			if (e.nr_hosts == 256)
				return nx_usage_error("--host: 256 hosts at most");
			hosts[e.nr_hosts++] = optarg;
			break;
		case 'A':
			any = true;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (argc - optind != 1)
		return nx_usage_error("usage: %s", usage);
	if (any && e.nr_hosts)
		return nx_usage_error("--any-host and --host exclude each other");
	e.any_host = any || !e.nr_hosts;
	ret = nx_nexus_get(ctx, argv[optind], &n);
	if (ret)
		return ret;
	if (!n.device[0]) {
		nx_warn("%s: nexus %s has no block device", ctx->what, n.name);
		return NX_EXIT_FAIL;
	}
	nx_nexus_nqn(n.name, nqn, sizeof(nqn));
	snprintf(dev, sizeof(dev), "/dev/%s", n.device);
	e.uuid = n.uuid;
	ret = nx_nvmet_export(&e);
	if (ret) {
		nx_nvmet_unexport(nqn);
		return nx_local_fail(ctx, ret);
	}
	nx_nexus_record(ctx, &n, NX_PUBLISH_SET, &e);
	nx_nexus_print(ctx, &n);
	return NX_EXIT_OK;
}

static int nx_nexus_unpublish(struct nx_ctx *ctx, int argc, char **argv)
{
	char nqn[256];
	struct nx_nexus n;
	int ret;

	if (argc != 2)
		return nx_usage_error("usage: nexus unpublish <name>");
	ret = nx_nexus_get(ctx, argv[1], &n);
	if (ret)
		return ret;
	nx_nexus_nqn(n.name, nqn, sizeof(nqn));
	ret = nx_local_fail(ctx, nx_nvmet_unexport(nqn));
	if (!ret)
		nx_nexus_record(ctx, &n, NX_PUBLISH_CLEAR, NULL);
	return ret;
}

/*
 * verify <name> [--repair] [--wait] | --stop.  With --wait, exit 0 when the
 * legs ended up identical (nothing differed, or all was repaired), 1 if
 * not or if the verify stopped early.
 */
static int nx_nexus_verify(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "nexus verify <name> [--repair] [--wait] | --stop";
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "wait", no_argument, NULL, 'w' },
		{ "stop", no_argument, NULL, 's' },
		{}
	};
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	bool repair = false, wait = false, stop = false;
	struct nl_msg *msg;
	struct nx_nexus n;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "rws", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			repair = true;
			break;
		case 'w':
			wait = true;
			break;
		case 's':
			stop = true;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (argc - optind != 1 || (stop && (repair || wait)))
		return nx_usage_error("usage: %s", usage);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nexus_msg(ctx, NEXUS_CMD_VERIFY, argv[optind]);
	if (msg && ((repair && nla_put_u8(msg, NEXUS_ATTR_VERIFY_REPAIR, 1) < 0) ||
		    (stop && nla_put_u8(msg, NEXUS_ATTR_REBUILD_ACTION, NEXUS_REBUILD_STOP) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	while (!ret && wait && n.v_running) {
		nanosleep(&ts, NULL);
		ret = nx_nexus_get(ctx, argv[optind], &n);
	}
	if (ret)
		return ret;
	nx_nexus_print(ctx, &n);
	if (wait && (n.v_error || n.v_mismatch > n.v_repaired))
		return NX_EXIT_FAIL;
	return NX_EXIT_OK;
}

/* FREEZE with @timeout_ms (0: the module's default), or THAW. */
static int nx_nexus_freeze_req(struct nx_ctx *ctx, const char *name, bool freeze,
			       uint64_t timeout_ms, struct nx_nexus *out)
{
	struct nl_msg *msg = nx_nexus_msg(ctx, freeze ? NEXUS_CMD_NEXUS_FREEZE :
					  NEXUS_CMD_NEXUS_THAW, name);

	if (msg && timeout_ms && nla_put_u32(msg, NEXUS_ATTR_FREEZE_TIMEOUT_MS,
					     (uint32_t)timeout_ms) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return nx_nexus_request(ctx, msg, out);
}

/* [--timeout <time>] then <name> and @extra more arguments. */
static int nx_freeze_args(int argc, char **argv, int extra, const char *usage,
			  uint64_t *timeout_ms)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{}
	};
	int c;

	*timeout_ms = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return nx_usage_error("usage: %s", usage);
		if (nx_parse_duration_ms(optarg, timeout_ms) ||
		    *timeout_ms < NEXUS_FREEZE_TIMEOUT_MS_MIN ||
		    *timeout_ms > NEXUS_FREEZE_TIMEOUT_MS_MAX)
			return nx_usage_error("--timeout: '%s' is not a time from 100ms to 10m",
					      optarg);
	}
	if (argc - optind != 1 + extra)
		return nx_usage_error("usage: %s", usage);
	return 0;
}

static int nx_nexus_freeze(struct nx_ctx *ctx, int argc, char **argv)
{
	uint64_t timeout_ms;
	struct nx_nexus n;
	int ret;

	if (nx_freeze_args(argc, argv, 0, "nexus freeze <name> [--timeout <time>]", &timeout_ms))
		return NX_EXIT_USAGE;
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	ret = nx_nexus_freeze_req(ctx, argv[optind], true, timeout_ms, &n);
	if (!ret)
		nx_nexus_print(ctx, &n);
	return ret;
}

static int nx_nexus_thaw(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_nexus n;
	int ret;

	if (argc != 2)
		return nx_usage_error("usage: nexus thaw <name>");
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	ret = nx_nexus_freeze_req(ctx, argv[1], false, 0, &n);
	if (!ret)
		nx_nexus_print(ctx, &n);
	return ret;
}

/* Pool and name of the replica whose device is @path; false if none. */
static bool nx_replica_of(const char *path, char *pool, char *name, size_t len)
{
	char real[PATH_MAX], attr[PATH_MAX + 32];
	const char *dev;
	FILE *f;
	bool ok;

	if (!realpath(path, real))
		return false;
	dev = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	snprintf(attr, sizeof(attr), "/sys/block/%s/nexus/pool", dev);
	f = fopen(attr, "r");
	if (!f)
		return false;
	ok = fgets(pool, (int)len, f) != NULL;
	fclose(f);
	snprintf(attr, sizeof(attr), "/sys/block/%s/nexus/name", dev);
	f = ok ? fopen(attr, "r") : NULL;
	ok = f && fgets(name, (int)len, f) != NULL;
	if (f)
		fclose(f);
	if (!ok)
		return false;
	pool[strcspn(pool, "\n")] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return *pool && *name;
}

/* Destroy the snapshots @snaps[0..@n) made by a volume snapshot that failed. */
static void nx_volsnap_undo(struct nx_ctx *ctx, struct nx_replica *snaps, unsigned int n)
{
	struct nx_err err;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct nl_msg *msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_DESTROY, snaps[i].pool,
						    snaps[i].name);

		if (!msg || nla_put_u8(msg, NEXUS_ATTR_REPLICA_SNAPSHOT, 1) < 0 ||
		    nx_nl_request(&ctx->nl, msg, NULL, NULL, &err) < 0)
			nx_warn("%s: could not destroy snapshot %s/%s of the failed volume snapshot",
				ctx->what, snaps[i].pool, snaps[i].name);
	}
}

/*
 * The pool and replica of each in-sync child of @n, into @pools, @names
 * and @nr; exit status and a message if one is not a replica of a pool on
 * this node, or two share a pool (one snapshot name per pool).
 */
static int nx_volsnap_children(struct nx_ctx *ctx, const struct nx_nexus *n,
			       char pools[][64], char names[][64], unsigned int *nr)
{
	unsigned int i, j;

	*nr = 0;
	for (i = 0; i < n->nr_children; i++) {
		const struct nx_child *c = &n->children[i];

		if (c->state != NEXUS_MEMBER_SYNCED)
			continue;
		if (!nx_replica_of(c->path, pools[*nr], names[*nr], 64)) {
			nx_warn("%s: child %s is not a replica of a pool on this node: snapshot each "
				"replica on its own node between 'nexus freeze' and 'nexus thaw'",
				ctx->what, c->uri[0] ? c->uri : c->path);
			return NX_EXIT_FAIL;
		}
		for (j = 0; j < *nr; j++) {
			if (!strcmp(pools[j], pools[*nr])) {
				nx_warn("%s: replicas %s and %s are both in pool %s: a volume snapshot "
					"takes one snapshot name per pool", ctx->what, names[j],
					names[*nr], pools[j]);
				return NX_EXIT_FAIL;
			}
		}
		(*nr)++;
	}
	if (!*nr) {
		nx_warn("%s: the nexus has no child in sync", ctx->what);
		return NX_EXIT_FAIL;
	}
	return NX_EXIT_OK;
}

/*
 * A crash-consistent snapshot of a nexus whose in-sync children are all
 * replicas of pools on this node: freeze, snapshot each, thaw.  A child
 * that is not in sync is left out (its data is not the volume's).
 */
static int nx_nexus_snapshot(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "nexus snapshot <name> <snapshot> [--timeout <time>]";
	char pools[16][64], names[16][64];
	struct nx_replica snaps[16];
	unsigned int i, nr = 0, made = 0;
	const char *snap;
	uint64_t timeout_ms;
	struct nx_nexus n;
	int ret;

	if (nx_freeze_args(argc, argv, 1, usage, &timeout_ms))
		return NX_EXIT_USAGE;
	snap = argv[optind + 1];
	ret = nx_nexus_get(ctx, argv[optind], &n);
	if (ret)
		return ret;
	/* Refuse what cannot be done before the volume waits for anything. */
	ret = nx_volsnap_children(ctx, &n, pools, names, &nr);
	if (ret)
		return ret;
	ret = nx_nexus_freeze_req(ctx, n.name, true, timeout_ms, &n);
	if (ret)
		return ret;
	/* The children in sync now, frozen, are those the snapshot is of. */
	ret = nx_volsnap_children(ctx, &n, pools, names, &nr);
	if (ret) {
		nx_nexus_freeze_req(ctx, n.name, false, 0, NULL);
		return ret;
	}
	for (i = 0; i < nr; i++) {
		struct nl_msg *msg = nx_replica_msg(ctx, NEXUS_CMD_SNAPSHOT_CREATE, pools[i], snap);

		if (msg && nla_put_string(msg, NEXUS_ATTR_REPLICA_PARENT, names[i]) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		ret = nx_replica_request(ctx, msg, &snaps[made]);
		if (ret)
			break;
		made++;
	}
	/* Thawed by its timeout meanwhile: the snapshots may differ. */
	if (nx_nexus_freeze_req(ctx, n.name, false, 0, NULL)) {
		nx_warn("%s: the nexus thawed before the snapshots were all taken: undone",
			ctx->what);
		ret = NX_EXIT_FAIL;
	}
	if (ret) {
		nx_volsnap_undo(ctx, snaps, made);
	} else if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < made; i++)
			json_object_array_add(arr, nx_replica_json(&snaps[i]));
		nx_print_json(arr);
		json_object_put(arr);
	} else {
		for (i = 0; i < made; i++)
			printf("%s/%s: snapshot of replica %s\n", snaps[i].pool, snaps[i].name,
			       names[i]);
	}
	for (i = 0; i < made; i++)
		nx_replica_release(&snaps[i]);
	return ret;
}

int nx_cmd_nexus(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "list", "nexus list", nx_nexus_list },
		{ "show", "nexus show", nx_nexus_show },
		{ "create", "nexus create", nx_nexus_create },
		{ "assemble", "nexus assemble", nx_nexus_assemble },
		{ "stop", "nexus stop", nx_nexus_stop },
		{ "destroy", "nexus destroy", nx_nexus_destroy },
		{ "set", "nexus set", nx_nexus_set },
		{ "publish", "nexus publish", nx_nexus_publish },
		{ "unpublish", "nexus unpublish", nx_nexus_unpublish },
		{ "verify", "nexus verify", nx_nexus_verify },
		{ "freeze", "nexus freeze", nx_nexus_freeze },
		{ "thaw", "nexus thaw", nx_nexus_thaw },
		{ "snapshot", "nexus snapshot", nx_nexus_snapshot },
		{ "stats", "nexus stats", nx_nexus_stats },
	};

	return nx_dispatch(ctx, "nexus", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

/*
 * The child of @n that @ref names: its uuid, its URI or its device.
 * Returns NULL having said so.
 */
static const struct nx_child *nx_child_ref(struct nx_ctx *ctx, const struct nx_nexus *n,
					   const char *ref)
{
	uint8_t uuid[16];
	bool by_uuid = !nx_parse_uuid(ref, uuid);
	unsigned int i;

	for (i = 0; i < n->nr_children; i++) {
		const struct nx_child *c = &n->children[i];

		if (by_uuid ? !memcmp(c->uuid, uuid, 16) :
		    (!strcmp(c->uri, ref) || !strcmp(c->path, ref)))
			return c;
	}
	nx_warn("%s: nexus %s has no child '%s'", ctx->what, n->name, ref);
	return NULL;
}

/* A request about child @c of nexus @name. */
static struct nl_msg *nx_child_msg(struct nx_ctx *ctx, uint8_t cmd, const char *name,
				   const struct nx_child *c)
{
	struct nl_msg *msg = nx_nexus_msg(ctx, cmd, name);

	if (msg && nla_put(msg, NEXUS_ATTR_CHILD_UUID, 16, c->uuid) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int nx_child_add(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "child add <nexus> <child uri> [--force]";
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, {} };
	struct nx_child_uri u;
	struct nl_msg *msg;
	struct nx_nexus n;
	bool force = false;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c != 'f')
			return nx_usage_error("usage: %s", usage);
		force = true;
	}
	if (argc - optind != 2)
		return nx_usage_error("usage: %s", usage);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	ret = nx_uri_resolve(ctx, argv[optind + 1], &u);
	if (ret)
		return ret;
	msg = nx_nexus_msg(ctx, NEXUS_CMD_CHILD_ADD, argv[optind]);
	if (msg && (nx_put_child(msg, &u) || (force && nla_put_flag(msg, NEXUS_ATTR_FORCE) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (ret) {
		nx_uri_release(&u);
	} else {
		nx_nexus_record(ctx, &n, NX_PUBLISH_KEEP, NULL);
		nx_nexus_print(ctx, &n);
	}
	return ret;
}

static int nx_child_remove(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "child remove <nexus> <child uuid|uri> [--force]";
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, {} };
	const struct nx_child *child;
	struct nl_msg *msg;
	struct nx_nexus n;
	char uri[512];
	bool force = false;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c != 'f')
			return nx_usage_error("usage: %s", usage);
		force = true;
	}
	if (argc - optind != 2)
		return nx_usage_error("usage: %s", usage);
	ret = nx_nexus_get(ctx, argv[optind], &n);
	if (ret)
		return ret;
	child = nx_child_ref(ctx, &n, argv[optind + 1]);
	if (!child)
		return NX_EXIT_FAIL;
	snprintf(uri, sizeof(uri), "%s", child->uri);
	msg = nx_child_msg(ctx, NEXUS_CMD_CHILD_REMOVE, argv[optind], child);
	if (msg && force && nla_put_flag(msg, NEXUS_ATTR_FORCE) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (ret)
		return ret;
	nx_uri_forget(uri);
	nx_nexus_record(ctx, &n, NX_PUBLISH_KEEP, NULL);
	nx_nexus_print(ctx, &n);
	return NX_EXIT_OK;
}

/* fault <nexus> <child>, online <nexus> <child> [<uri>] */
static int nx_child_state(struct nx_ctx *ctx, int argc, char **argv, uint8_t cmd)
{
	const struct nx_child *child;
	struct nx_child_uri u;
	bool have_uri = cmd == NEXUS_CMD_CHILD_ONLINE && argc == 4;
	struct nl_msg *msg;
	struct nx_nexus n;
	int ret;

	if (argc != 3 && !have_uri)
		return nx_usage_error("usage: %s <nexus> <child uuid|uri>%s", ctx->what,
				      cmd == NEXUS_CMD_CHILD_ONLINE ? " [<new uri>]" : "");
	ret = nx_nexus_get(ctx, argv[1], &n);
	if (ret)
		return ret;
	child = nx_child_ref(ctx, &n, argv[2]);
	if (!child)
		return NX_EXIT_FAIL;
	/* Online: a remote child is reconnected (a no-op if it still is). */
	memset(&u, 0, sizeof(u));
	if (have_uri || (cmd == NEXUS_CMD_CHILD_ONLINE && !strncmp(child->uri, "nvmf", 4))) {
		ret = nx_uri_resolve(ctx, have_uri ? argv[3] : child->uri, &u);
		if (ret)
			return ret;
	}
	msg = nx_child_msg(ctx, cmd, argv[1], child);
	if (msg && u.path[0] && nx_put_child(msg, &u)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (ret) {
		nx_uri_release(&u);
		return ret;
	}
	if (cmd == NEXUS_CMD_CHILD_ONLINE)
		nx_nexus_record(ctx, &n, NX_PUBLISH_KEEP, NULL);
	nx_nexus_print(ctx, &n);
	return NX_EXIT_OK;
}

static int nx_child_fault(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_child_state(ctx, argc, argv, NEXUS_CMD_CHILD_FAULT);
}

static int nx_child_online(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_child_state(ctx, argc, argv, NEXUS_CMD_CHILD_ONLINE);
}

int nx_cmd_child(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "add", "child add", nx_child_add },
		{ "remove", "child remove", nx_child_remove },
		{ "fault", "child fault", nx_child_fault },
		{ "online", "child online", nx_child_online },
	};

	return nx_dispatch(ctx, "child", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

static int nx_rebuild_do(struct nx_ctx *ctx, int argc, char **argv, uint8_t action)
{
	const struct nx_child *child;
	struct nl_msg *msg;
	struct nx_nexus n;
	int ret;

	if (argc != 3)
		return nx_usage_error("usage: %s <nexus> <child uuid|uri>", ctx->what);
	ret = nx_nexus_get(ctx, argv[1], &n);
	if (ret)
		return ret;
	child = nx_child_ref(ctx, &n, argv[2]);
	if (!child)
		return NX_EXIT_FAIL;
	msg = nx_child_msg(ctx, NEXUS_CMD_REBUILD, argv[1], child);
	if (msg && nla_put_u8(msg, NEXUS_ATTR_REBUILD_ACTION, action) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (!ret)
		nx_nexus_print(ctx, &n);
	return ret;
}

static int nx_rebuild_pause(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_rebuild_do(ctx, argc, argv, NEXUS_REBUILD_PAUSE);
}

static int nx_rebuild_resume(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_rebuild_do(ctx, argc, argv, NEXUS_REBUILD_RESUME);
}

static int nx_rebuild_stop(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_rebuild_do(ctx, argc, argv, NEXUS_REBUILD_STOP);
}

int nx_cmd_rebuild(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "pause", "rebuild pause", nx_rebuild_pause },
		{ "resume", "rebuild resume", nx_rebuild_resume },
		{ "stop", "rebuild stop", nx_rebuild_stop },
	};

	return nx_dispatch(ctx, "rebuild", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

/*
 * Boot and shutdown (cmd_node.c): nexus assemble --scan, nexus stop --all.
 */

static int nx_nexus_dump(struct nx_ctx *ctx, struct nx_nexuses *list)
{
	int ret = nx_dump(ctx, NEXUS_CMD_NEXUS_GET, nx_nexus_reply, list);

	if (ret) {
		free(list->v);
		list->v = NULL;
		list->n = 0;
	}
	return ret;
}

static const struct nx_nexus *nx_nexus_find(const struct nx_nexuses *list, const uint8_t uuid[16])
{
	unsigned int i;

	for (i = 0; i < list->n; i++)
		if (!memcmp(list->v[i].uuid, uuid, 16))
			return &list->v[i];
	return NULL;
}

/*
 * The children gathered for one nexus to assemble, and the label of each.
 * The label with the highest event among them and the scanned devices of
 * the same nexus names the members (g->best): a device whose member is not
 * one of them (a child removed while it could not be opened, whose label
 * could not be erased) is left out, or the module would refuse the lot.
 */
struct nx_gather {
	const uint8_t *nexus_uuid;
	const char *name;		/* for messages */
	struct nx_child_uri uris[NEXUS_MAX_CHILDREN];
	struct nx_found labels[NEXUS_MAX_CHILDREN];
	int nr;
	const struct nx_found *best;
};

static bool nx_gather_has(const struct nx_gather *g, const uint8_t child[16])
{
	int i;

	for (i = 0; i < g->nr; i++)
		if (!memcmp(g->labels[i].child_uuid, child, 16))
			return true;
	return false;
}

static bool nx_label_member(const struct nx_found *label, const uint8_t child[16])
{
	unsigned int i;

	for (i = 0; i < label->nr_members; i++)
		if (!memcmp(label->members[i], child, 16))
			return true;
	return false;
}

static void nx_gather_best(struct nx_gather *g, const struct nx_found *f)
{
	if (!memcmp(f->uuid, g->nexus_uuid, 16) && (!g->best || f->event > g->best->event))
		g->best = f;
}

/*
 * Add @uri to @g if it resolves to a device carrying a label of g's
 * nexus for a member not gathered yet; else say why it is left out.
 */
static void nx_gather_uri(struct nx_ctx *ctx, struct nx_gather *g, const char *uri)
{
	struct nx_child_uri *u = &g->uris[g->nr];
	struct nx_found *f = &g->labels[g->nr];
	int ret;

	if (g->nr == NEXUS_MAX_CHILDREN)
		return;
	if (nx_uri_resolve(ctx, uri, u)) {
		nx_warn("%s: nexus %s: child %s not found: left out (cannot open)",
			ctx->what, g->name, uri);
		return;
	}
	ret = nx_probe(u->path, f);
	if (ret <= 0 || f->kind != NX_FOUND_CHILD || memcmp(f->uuid, g->nexus_uuid, 16)) {
		nx_warn("%s: nexus %s: %s (%s) carries no label of this nexus: left out",
			ctx->what, g->name, uri, u->path);
		nx_uri_release(u);
		return;
	}
	if (nx_gather_has(g, f->child_uuid)) {
		nx_warn("%s: nexus %s: %s (%s) is a member already found: left out",
			ctx->what, g->name, uri, u->path);
		nx_uri_release(u);
		return;
	}
	g->nr++;
}

/* Leave out what g->best does not name as a member; say so. */
static void nx_gather_members(struct nx_ctx *ctx, struct nx_gather *g)
{
	int i, kept = 0;

	for (i = 0; i < g->nr; i++) {
		if (nx_label_member(g->best, g->labels[i].child_uuid)) {
			if (kept != i) {
				g->uris[kept] = g->uris[i];
				g->labels[kept] = g->labels[i];
			}
			kept++;
			continue;
		}
		nx_warn("%s: nexus %s: %s is no longer a member (a newer label says so): left out",
			ctx->what, g->name, g->uris[i].uri);
		nx_uri_release(&g->uris[i]);
	}
	g->nr = kept;
}

/*
 * Assemble what @g gathered, plus the scanned devices @found that carry
 * labels of the same nexus for members not gathered yet: not replicas
 * shared with other nodes, and not a member two devices claim (a copy,
 * a clone of a child: which is current is the admin's call).  0 or an
 * exit code; the children are released on failure.
 */
static int nx_gather_assemble(struct nx_ctx *ctx, struct nx_gather *g,
			      const struct nx_found *found, unsigned int nr_found,
			      json_object *done)
{
	struct nl_msg *msg;
	struct nx_nexus n;
	unsigned int i, j;
	int ret;

	g->best = NULL;
	for (i = 0; i < (unsigned int)g->nr; i++)
		nx_gather_best(g, &g->labels[i]);
	for (i = 0; i < nr_found; i++)
		if (!found[i].shared)
			nx_gather_best(g, &found[i]);
	if (g->best)
		nx_gather_members(ctx, g);
	for (i = 0; g->best && i < nr_found && g->nr < NEXUS_MAX_CHILDREN; i++) {
		const struct nx_found *f = &found[i];

		if (memcmp(f->uuid, g->nexus_uuid, 16) || f->shared ||
		    nx_gather_has(g, f->child_uuid) || !nx_label_member(g->best, f->child_uuid))
			continue;
		for (j = 0; j < nr_found; j++)
			if (j != i && !found[j].shared && !memcmp(found[j].uuid, f->uuid, 16) &&
			    !memcmp(found[j].child_uuid, f->child_uuid, 16))
				break;
		if (j < nr_found) {
			nx_warn("%s: nexus %s: one member is on both %s and %s: neither is used",
				ctx->what, g->name, f->path, found[j].path);
			continue;
		}
		if (nx_uri_resolve(ctx, f->path, &g->uris[g->nr]))
			continue;
		g->labels[g->nr++] = *f;
	}
	if (!g->nr) {
		nx_warn("%s: nexus %s: no child found", ctx->what, g->name);
		return NX_EXIT_FAIL;
	}
	msg = nx_nl_msg(&ctx->nl, NEXUS_CMD_NEXUS_ASSEMBLE);
	if (!msg || nx_put_children(msg, g->uris, g->nr)) {
		nlmsg_free(msg);
		nx_release_all(g->uris, g->nr);
		nx_warn("%s: request too large", ctx->what);
		return NX_EXIT_FAIL;
	}
	ret = nx_nexus_request(ctx, msg, &n);
	if (ret) {
		nx_release_all(g->uris, g->nr);
		return ret;
	}
	nx_nexus_record(ctx, &n, NX_PUBLISH_KEEP, NULL);
	if (done)
		json_object_array_add(done, nx_nexus_json(&n));
	else
		printf("assembled nexus %s (/dev/%s) from %d of %u children, %u in sync\n",
		       n.name, n.device, g->nr, n.nr_children, nx_synced(&n));
	return NX_EXIT_OK;
}

/* Mark the scanned devices that are replicas shared over NVMe-oF. */
static void nx_mark_shared(struct nx_ctx *ctx, struct nx_found *found, unsigned int nr_found)
{
	struct nx_replicas reps = {};
	unsigned int i, j;
	char dev[48];

	if (!nr_found || nx_replicas_dump(ctx, NULL, &reps))
		return;
	for (i = 0; i < reps.n; i++) {
		if (reps.v[i].proto == NEXUS_SHARE_NONE || !reps.v[i].device[0])
			continue;
		snprintf(dev, sizeof(dev), "/dev/%s", reps.v[i].device);
		for (j = 0; j < nr_found; j++)
			if (!strcmp(found[j].path, dev))
				found[j].shared = true;
	}
	nx_replicas_release(&reps);
}

/* Publish again what @r says was published, unless it still is. */
static int nx_nexus_republish(struct nx_ctx *ctx, const struct nx_record *r,
			      const struct nx_nexus *n, json_object *done)
{
	char nqn[256], dev[64], *hosts[NX_RECORD_HOSTS];
	struct nx_export e = {
		.nqn = nqn, .device = dev, .uuid = n->uuid, .proto = r->proto,
		.addr = r->addr, .port = r->port, .any_host = r->any_host,
		.hosts = hosts, .nr_hosts = r->nr_hosts,
	};
	unsigned int i;
	int ret;

	nx_nexus_nqn(n->name, nqn, sizeof(nqn));
	if (nx_nvmet_exported(nqn) || !n->device[0])
		return NX_EXIT_OK;
	snprintf(dev, sizeof(dev), "/dev/%s", n->device);
	for (i = 0; i < r->nr_hosts; i++)
		hosts[i] = (char *)r->hosts[i];
	ret = nx_nvmet_export(&e);
	if (ret) {
		nx_nvmet_unexport(nqn);
		nx_warn("%s: nexus %s: cannot publish it again", ctx->what, n->name);
		return nx_local_fail(ctx, ret);
	}
	if (done)
		json_object_array_add(done, json_object_new_string(n->name));
	else
		printf("published nexus %s as %s on %s %s:%u\n", n->name, nqn,
		       nx_share_proto_name(r->proto), r->addr, r->port);
	return NX_EXIT_OK;
}

int nx_nexus_assemble_scan(struct nx_ctx *ctx)
{
	json_object *obj = NULL, *assembled = NULL, *published = NULL;
	struct nx_nexuses running = {}, after = {};
	struct nx_found *found = NULL;
	struct nx_record *recs = NULL;
	unsigned int i, j, nr_found = 0, nr_recs = 0, failed = 0;
	struct nx_gather *g;
	int ret;

	if (!nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);

	ret = nx_nexus_dump(ctx, &running);
	if (ret)
		return ret;
	g = malloc(sizeof(*g));
	if (!g) {
		free(running.v);
		return NX_EXIT_FAIL;
	}
	ret = nx_records(&recs, &nr_recs);
	if (ret) {
		nx_warn("%s: cannot read the records under %s: %s", ctx->what, nx_state_dir(),
			strerror(-ret));
		failed++;
	}
	ret = nx_scan(NX_FOUND_CHILD, &found, &nr_found);
	if (ret) {
		nx_warn("%s: cannot scan the block devices: %s", ctx->what, strerror(-ret));
		failed++;
	}
	nx_mark_shared(ctx, found, nr_found);
	if (ctx->json) {
		obj = json_object_new_object();
		assembled = json_object_new_array();
		published = json_object_new_array();
	}
	/* Nexuses with records: their URIs first (remote children), then scanned devices. */
	for (i = 0; i < nr_recs; i++) {
		const struct nx_record *r = &recs[i];

		if (nx_nexus_find(&running, r->uuid))
			continue;
		memset(g, 0, sizeof(*g));
		g->nexus_uuid = r->uuid;
		g->name = r->name;
		for (j = 0; j < r->nr_children; j++)
			nx_gather_uri(ctx, g, r->children[j].uri);
		if (nx_gather_assemble(ctx, g, found, nr_found, assembled))
			failed++;
	}
	/* Nexuses found only by their labels, one at a time. */
	for (i = 0; i < nr_found; i++) {
		bool known = nx_nexus_find(&running, found[i].uuid);

		for (j = 0; j < nr_recs && !known; j++)
			known = !memcmp(recs[j].uuid, found[i].uuid, 16);
		for (j = 0; j < i && !known; j++)
			known = !memcmp(found[j].uuid, found[i].uuid, 16);
		if (known)
			continue;
		/*
		 * A replica shared over NVMe-oF that carries the label of a
		 * nexus this node has no record of is most likely the child of
		 * a nexus on another node: assembling it here would write to
		 * the volume from two nodes.  Such a nexus is this node's only
		 * by hand (nexus assemble), which records it.
		 */
		for (j = i; j < nr_found && !known; j++)
			known = found[j].shared && !memcmp(found[j].uuid, found[i].uuid, 16);
		if (known) {
			nx_warn("%s: nexus %s: a child is a replica shared with other nodes and this node has no record of it: not assembled here",
				ctx->what, found[i].name);
			continue;
		}
		memset(g, 0, sizeof(*g));
		g->nexus_uuid = found[i].uuid;
		g->name = found[i].name;
		if (nx_gather_assemble(ctx, g, found, nr_found, assembled))
			failed++;
	}
	/* Publications: whatever is running now and has one recorded. */
	if (nr_recs && !nx_nexus_dump(ctx, &after)) {
		for (i = 0; i < nr_recs; i++) {
			const struct nx_nexus *n = nx_nexus_find(&after, recs[i].uuid);

			if (n && recs[i].published &&
			    nx_nexus_republish(ctx, &recs[i], n, published))
				failed++;
		}
	}
	if (obj) {
		json_object_object_add(obj, "assembled", assembled);
		json_object_object_add(obj, "published", published);
		json_object_object_add(obj, "failed", json_object_new_int(failed));
		nx_emit_json(ctx, "nexuses", obj);
	}
	free(after.v);
	free(found);
	free(recs);
	free(g);
	free(running.v);
	return failed ? NX_EXIT_FAIL : NX_EXIT_OK;
}

static int nx_nexus_stop_one(struct nx_ctx *ctx, const char *name)
{
	return nx_nexus_end_one(ctx, name, NEXUS_CMD_NEXUS_STOP);
}

int nx_nexus_stop_all(struct nx_ctx *ctx)
{
	struct nx_nexuses list = {};
	int ret;

	if (!nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);
	ret = nx_nexus_dump(ctx, &list);
	if (ret)
		return ret;
	/* The name is the first member of each: nx_each() reads it there. */
	ret = nx_each(ctx, "nexuses", "stopped", "stopped nexus", list.v, list.n, sizeof(*list.v), nx_nexus_stop_one);
	free(list.v);
	return ret;
}
