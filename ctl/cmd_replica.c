// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl replica create | destroy | resize | list | show | share | unshare,
 * and the parsing of the module's replies about replicas.
 *
 * A share has two halves: the settings, which the module keeps in the pool
 * (REPLICA_SET), and nvmet's configuration, which nvmet.c makes match them.
 * The settings are written first, so that the module validates them; if
 * nvmet then cannot follow, the previous settings are put back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nexusctl.h"

const char *nx_share_proto_name(uint8_t proto)
{
	switch (proto) {
	case NEXUS_SHARE_NONE:
		return "none";
	case NEXUS_SHARE_NVMF_TCP:
		return "nvmf-tcp";
	case NEXUS_SHARE_NVMF_RDMA:
		return "nvmf-rdma";
	}
	return "unknown";
}

/* Copy a string attribute that must end in its NUL; false if it does not. */
static bool nx_nla_str(const struct nlattr *nla, char *buf, size_t len)
{
	int n = nla_len(nla);
	const char *s = nla_data(nla);

	if (n < 1 || s[n - 1] || (size_t)n > len)
		return false;
	memcpy(buf, s, n);
	return true;
}

static char *nx_nla_strdup(const struct nlattr *nla)
{
	int n = nla_len(nla);
	const char *s = nla_data(nla);

	if (n < 1 || s[n - 1])
		return NULL;
	return strdup(s);
}

void nx_replica_release(struct nx_replica *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_hosts; i++)
		free(r->hosts[i]);
	for (i = 0; i < r->nr_props; i++) {
		free(r->keys[i]);
		free(r->values[i]);
	}
	free(r->hosts);
	free(r->keys);
	free(r->values);
	r->hosts = r->keys = r->values = NULL;
	r->nr_hosts = r->nr_props = 0;
}

void nx_replicas_release(struct nx_replicas *list)
{
	unsigned int i;

	for (i = 0; i < list->n; i++)
		nx_replica_release(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int nx_replica_hosts(struct nx_replica *r, struct nlattr *nest)
{
	struct nlattr *nla;
	char **v;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != NEXUS_HOST_ATTR_NQN)
			continue;
		v = realloc(r->hosts, (r->nr_hosts + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->hosts = v;
		r->hosts[r->nr_hosts] = nx_nla_strdup(nla);
		if (!r->hosts[r->nr_hosts])
			return -EBADMSG;
		r->nr_hosts++;
	}
	return 0;
}

static int nx_replica_props(struct nx_replica *r, struct nlattr *nest)
{
	struct nlattr *nla, *tb[NEXUS_PROP_ATTR_MAX + 1];
	char **k, **v;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != NEXUS_PROP_ATTR_ENTRY ||
		    nla_parse_nested(tb, NEXUS_PROP_ATTR_MAX, nla, NULL) < 0 ||
		    !tb[NEXUS_PROP_ATTR_KEY] || !tb[NEXUS_PROP_ATTR_VALUE])
			return -EBADMSG;
		k = realloc(r->keys, (r->nr_props + 1) * sizeof(*k));
		if (!k)
			return -ENOMEM;
		r->keys = k;
		v = realloc(r->values, (r->nr_props + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->values = v;
		r->keys[r->nr_props] = nx_nla_strdup(tb[NEXUS_PROP_ATTR_KEY]);
		r->values[r->nr_props] = nx_nla_strdup(tb[NEXUS_PROP_ATTR_VALUE]);
		r->nr_props++;
		if (!r->keys[r->nr_props - 1] || !r->values[r->nr_props - 1])
			return -EBADMSG;
	}
	return 0;
}

/* One replica message: appended to the struct nx_replicas @arg. */
int nx_replica_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nx_replicas *list = arg;
	struct nx_replica *r, *v;
	int err;

	if (!tb[NEXUS_ATTR_POOL_NAME] || !tb[NEXUS_ATTR_REPLICA_NAME] ||
	    !tb[NEXUS_ATTR_REPLICA_UUID] || !tb[NEXUS_ATTR_REPLICA_SIZE] ||
	    !tb[NEXUS_ATTR_REPLICA_THIN] || !tb[NEXUS_ATTR_REPLICA_ALLOCATED] ||
	    !tb[NEXUS_ATTR_SHARE_PROTO])
		return -EBADMSG;
	v = realloc(list->v, (list->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	list->v = v;
	r = &list->v[list->n++];
	memset(r, 0, sizeof(*r));
	if (!nx_nla_str(tb[NEXUS_ATTR_POOL_NAME], r->pool, sizeof(r->pool)) ||
	    !nx_nla_str(tb[NEXUS_ATTR_REPLICA_NAME], r->name, sizeof(r->name)) ||
	    (tb[NEXUS_ATTR_REPLICA_DEVICE] &&
	     !nx_nla_str(tb[NEXUS_ATTR_REPLICA_DEVICE], r->device, sizeof(r->device))) ||
	    (tb[NEXUS_ATTR_SHARE_ADDR] &&
	     !nx_nla_str(tb[NEXUS_ATTR_SHARE_ADDR], r->addr, sizeof(r->addr))))
		return -EBADMSG;
	memcpy(r->uuid, nla_data(tb[NEXUS_ATTR_REPLICA_UUID]), 16);
	r->size = nla_get_u64(tb[NEXUS_ATTR_REPLICA_SIZE]);
	r->allocated = nla_get_u64(tb[NEXUS_ATTR_REPLICA_ALLOCATED]);
	r->thin = nla_get_u8(tb[NEXUS_ATTR_REPLICA_THIN]);
	if (tb[NEXUS_ATTR_REPLICA_SNAPSHOT])
		r->snapshot = nla_get_u8(tb[NEXUS_ATTR_REPLICA_SNAPSHOT]);
	if (tb[NEXUS_ATTR_REPLICA_EXCLUSIVE])
		r->exclusive = nla_get_u64(tb[NEXUS_ATTR_REPLICA_EXCLUSIVE]);
	if ((tb[NEXUS_ATTR_REPLICA_PARENT] &&
	     !nx_nla_str(tb[NEXUS_ATTR_REPLICA_PARENT], r->parent, sizeof(r->parent))) ||
	    (tb[NEXUS_ATTR_REPLICA_PARENT_UUID] && nla_len(tb[NEXUS_ATTR_REPLICA_PARENT_UUID]) != 16))
		return -EBADMSG;
	if (tb[NEXUS_ATTR_REPLICA_PARENT_UUID])
		memcpy(r->parent_uuid, nla_data(tb[NEXUS_ATTR_REPLICA_PARENT_UUID]), 16);
	if (tb[NEXUS_ATTR_REPLICA_CREATED])
		r->created = nla_get_u64(tb[NEXUS_ATTR_REPLICA_CREATED]);
	r->proto = nla_get_u8(tb[NEXUS_ATTR_SHARE_PROTO]);
	if (tb[NEXUS_ATTR_SHARE_PORT])
		r->port = nla_get_u16(tb[NEXUS_ATTR_SHARE_PORT]);
	if (tb[NEXUS_ATTR_SHARE_ANY_HOST])
		r->any_host = nla_get_u8(tb[NEXUS_ATTR_SHARE_ANY_HOST]);
	err = 0;
	if (tb[NEXUS_ATTR_REPLICA_HOSTS])
		err = nx_replica_hosts(r, tb[NEXUS_ATTR_REPLICA_HOSTS]);
	if (!err && tb[NEXUS_ATTR_REPLICA_PROPS])
		err = nx_replica_props(r, tb[NEXUS_ATTR_REPLICA_PROPS]);
	return err;
}

/* All replicas, or those of @pool. */
int nx_replicas_dump(struct nx_ctx *ctx, const char *pool, struct nx_replicas *list)
{
	struct nl_msg *msg;
	struct nx_err err;
	int ret;

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nl_dump_msg(&ctx->nl, NEXUS_CMD_REPLICA_GET);
	if (!msg || (pool && nla_put_string(msg, NEXUS_ATTR_POOL_NAME, pool) < 0)) {
		nlmsg_free(msg);
		return NX_EXIT_FAIL;
	}
	if (nx_nl_request(&ctx->nl, msg, nx_replica_reply, list, &err) < 0) {
		nx_replicas_release(list);
		return nx_fail(ctx, &err);
	}
	return NX_EXIT_OK;
}

/* A request about the replica or snapshot @name of @pool. */
struct nl_msg *nx_replica_msg(struct nx_ctx *ctx, uint8_t cmd, const char *pool,
			      const char *name)
{
	struct nl_msg *msg = nx_nl_msg(&ctx->nl, cmd);

	if (msg && (nla_put_string(msg, NEXUS_ATTR_POOL_NAME, pool) < 0 ||
		    nla_put_string(msg, NEXUS_ATTR_REPLICA_NAME, name) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Send @msg, which answers with the replica; it goes into @out. */
int nx_replica_request(struct nx_ctx *ctx, struct nl_msg *msg, struct nx_replica *out)
{
	struct nx_replicas list = {};
	struct nx_err err;

	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, nx_replica_reply, &list, &err) < 0) {
		nx_replicas_release(&list);
		return nx_fail(ctx, &err);
	}
	if (list.n != 1) {
		nx_replicas_release(&list);
		nx_warn("%s: malformed reply from the module", ctx->what);
		return NX_EXIT_FAIL;
	}
	*out = list.v[0];
	free(list.v);
	return NX_EXIT_OK;
}

static int nx_replica_get(struct nx_ctx *ctx, const char *pool, const char *name,
			  struct nx_replica *out)
{
	int ret = nx_connect(ctx);

	if (ret)
		return ret;
	return nx_replica_request(ctx, nx_replica_msg(ctx, NEXUS_CMD_REPLICA_GET, pool, name),
				  out);
}

/* Output. */

json_object *nx_replica_json(const struct nx_replica *r)
{
	json_object *obj = json_object_new_object(), *share, *arr, *props;
	char uuid[37], nqn[256];
	unsigned int i;

	nx_format_uuid(r->uuid, uuid);
	json_object_object_add(obj, "pool", json_object_new_string(r->pool));
	json_object_object_add(obj, "name", json_object_new_string(r->name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid));
	json_object_object_add(obj, "size", json_object_new_uint64(r->size));
	json_object_object_add(obj, "thin", json_object_new_boolean(r->thin));
	json_object_object_add(obj, "allocated", json_object_new_uint64(r->allocated));
	json_object_object_add(obj, "exclusive", json_object_new_uint64(r->exclusive));
	json_object_object_add(obj, "snapshot", json_object_new_boolean(r->snapshot));
	json_object_object_add(obj, "parent", r->parent[0] ?
			       json_object_new_string(r->parent) : NULL);
	if (nx_uuid_set(r->parent_uuid)) {
		nx_format_uuid(r->parent_uuid, uuid);
		json_object_object_add(obj, "parent_uuid", json_object_new_string(uuid));
	} else {
		json_object_object_add(obj, "parent_uuid", NULL);
	}
	nx_format_uuid(r->uuid, uuid);
	json_object_object_add(obj, "device", r->device[0] ?
			       json_object_new_string(r->device) : NULL);
	json_object_object_add(obj, "created", json_object_new_uint64(r->created));
	share = json_object_new_object();
	json_object_object_add(share, "protocol",
			       json_object_new_string(nx_share_proto_name(r->proto)));
	if (r->proto != NEXUS_SHARE_NONE) {
		nx_share_nqn(r->uuid, nqn, sizeof(nqn));
		json_object_object_add(share, "nqn", json_object_new_string(nqn));
		json_object_object_add(share, "address", json_object_new_string(r->addr));
		json_object_object_add(share, "port", json_object_new_int(r->port));
		json_object_object_add(share, "any_host", json_object_new_boolean(r->any_host));
		json_object_object_add(share, "exported",
				       json_object_new_boolean(nx_nvmet_shared(r->uuid)));
	}
	arr = json_object_new_array();
	for (i = 0; i < r->nr_hosts; i++)
		json_object_array_add(arr, json_object_new_string(r->hosts[i]));
	json_object_object_add(share, "hosts", arr);
	json_object_object_add(obj, "share", share);
	props = json_object_new_object();
	for (i = 0; i < r->nr_props; i++)
		json_object_object_add(props, r->keys[i], json_object_new_string(r->values[i]));
	json_object_object_add(obj, "properties", props);
	return obj;
}

void nx_replica_print(struct nx_ctx *ctx, const struct nx_replica *r)
{
	char uuid[37], nqn[256], size[32], alloc[32], when[64];
	time_t t = (time_t)r->created;
	unsigned int i;

	if (ctx->json) {
		json_object *obj = nx_replica_json(r);

		nx_print_json(obj);
		json_object_put(obj);
		return;
	}
	nx_format_uuid(r->uuid, uuid);
	nx_format_bytes(r->size, size, sizeof(size));
	nx_format_bytes(r->allocated, alloc, sizeof(alloc));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("%-12s %s\n", "pool", r->pool);
	printf("%-12s %s\n", "name", r->name);
	printf("%-12s %s\n", "uuid", uuid);
	printf("%-12s %s (%llu bytes)\n", "size", size, (unsigned long long)r->size);
	printf("%-12s %s%s\n", "type", r->snapshot ? "snapshot of a " : "",
	       r->thin ? "thin replica" : "thick replica");
	printf("%-12s %s\n", "allocated", alloc);
	nx_format_bytes(r->exclusive, alloc, sizeof(alloc));
	printf("%-12s %s\n", "exclusive", alloc);
	if (nx_uuid_set(r->parent_uuid)) {
		nx_format_uuid(r->parent_uuid, uuid);
		printf("%-12s %s (%s)\n", r->snapshot ? "origin" : "snapshot",
		       r->parent[0] ? r->parent : "destroyed", uuid);
		nx_format_uuid(r->uuid, uuid);
	}
	printf("%-12s %s%s\n", "device", r->device[0] ? "/dev/" : "",
	       r->device[0] ? r->device : "-");
	printf("%-12s %s\n", "created", when);
	printf("%-12s %s\n", "share", nx_share_proto_name(r->proto));
	if (r->proto != NEXUS_SHARE_NONE) {
		nx_share_nqn(r->uuid, nqn, sizeof(nqn));
		printf("%-12s %s\n", "nqn", nqn);
		printf("%-12s %s:%u\n", "listen", r->addr, r->port);
		printf("%-12s %s\n", "exported", nx_nvmet_shared(r->uuid) ? "yes" : "no");
		if (r->any_host || !r->nr_hosts)
			printf("%-12s %s\n", "hosts", r->any_host ? "any" : "none");
		for (i = 0; !r->any_host && i < r->nr_hosts; i++)
			printf("%-12s %s\n", i ? "" : "hosts", r->hosts[i]);
	}
	for (i = 0; i < r->nr_props; i++)
		printf("%-12s %s=%s\n", i ? "" : "properties", r->keys[i], r->values[i]);
}

static void nx_replicas_print(struct nx_ctx *ctx, const struct nx_replicas *list)
{
	char size[32], alloc[32], uuid[37], share[80];
	unsigned int i;

	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < list->n; i++)
			if (!list->v[i].snapshot)
				json_object_array_add(arr, nx_replica_json(&list->v[i]));
		nx_print_json(arr);
		json_object_put(arr);
		return;
	}
	printf("%-16s %-20s %10s %10s %-5s %-8s %-22s %s\n", "POOL", "NAME", "SIZE", "ALLOCATED",
	       "TYPE", "DEVICE", "SHARE", "UUID");
	for (i = 0; i < list->n; i++) {
		const struct nx_replica *r = &list->v[i];

		if (r->snapshot)
			continue;

		nx_format_bytes(r->size, size, sizeof(size));
		nx_format_bytes(r->allocated, alloc, sizeof(alloc));
		nx_format_uuid(r->uuid, uuid);
		if (r->proto == NEXUS_SHARE_NONE)
			snprintf(share, sizeof(share), "-");
		else
			snprintf(share, sizeof(share), "%s:%u", r->proto == NEXUS_SHARE_NVMF_RDMA ?
				 "rdma" : "tcp", r->port);
		printf("%-16s %-20s %10s %10s %-5s %-8s %-22s %s\n", r->pool, r->name, size, alloc,
		       r->thin ? "thin" : "thick", r->device[0] ? r->device : "-", share, uuid);
	}
}

/* Verbs. */

/* Add "key=value" as a property entry to @msg's open props nest. */
static int nx_put_prop(struct nl_msg *msg, const char *key, const char *value)
{
	struct nlattr *entry = nla_nest_start(msg, NEXUS_PROP_ATTR_ENTRY);

	if (!entry || nla_put_string(msg, NEXUS_PROP_ATTR_KEY, key) < 0 ||
	    nla_put_string(msg, NEXUS_PROP_ATTR_VALUE, value) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, entry);
	return 0;
}

/* The "key=value" strings @props as NEXUS_ATTR_REPLICA_PROPS, if any. */
int nx_put_props(struct nl_msg *msg, const char *const *props, unsigned int n)
{
	struct nlattr *nest;
	unsigned int i;

	if (!n)
		return 0;
	nest = nla_nest_start(msg, NEXUS_ATTR_REPLICA_PROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		char key[256];
		const char *eq = strchr(props[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - props[i]), props[i]);
		if (nx_put_prop(msg, key, eq + 1))
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int nx_replica_create(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"replica create <pool> <name> <size> [--thin] [--uuid <uuid>] [--prop <key>=<value>]...\n"
		"       replica create <pool> <name> --from <snapshot> [--uuid <uuid>] [--prop ...]";
	static const struct option opts[] = {
		{ "thin", no_argument, NULL, 't' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "prop", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{}
	};
	const char *props[256], *from = NULL;
	unsigned int nprops = 0;
	struct nx_replica r;
	struct nl_msg *msg;
	uint8_t uuid[16];
	bool thin = false, have_uuid = false;
	uint64_t size = 0;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "tu:p:f:", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			thin = true;
			break;
		case 'f':
			from = optarg;
			break;
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
	/* A clone takes its snapshot's size, and is thin. */
	if (nx_args(argc - optind, from ? 2 : 3, usage))
		return NX_EXIT_USAGE;
	if (from && thin)
		return nx_usage_error("--thin: clones are always thin");
	if (!from && nx_parse_size(argv[optind + 2], &size))
		return nx_usage_error("size: '%s' is not a size (10G, 512M, 1048576)",
				      argv[optind + 2]);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_CREATE, argv[optind], argv[optind + 1]);
	if (!msg)
		return NX_EXIT_FAIL;
	if ((from ? nla_put_string(msg, NEXUS_ATTR_REPLICA_PARENT, from) :
		    nla_put_u64(msg, NEXUS_ATTR_REPLICA_SIZE, size)) < 0 ||
	    (!from && nla_put_u8(msg, NEXUS_ATTR_REPLICA_THIN, thin) < 0) ||
	    (have_uuid && nla_put(msg, NEXUS_ATTR_REPLICA_UUID, 16, uuid) < 0) ||
	    nx_put_props(msg, props, nprops))
		goto out_nomem;
	ret = nx_replica_request(ctx, msg, &r);
	if (ret)
		return ret;
	nx_replica_print(ctx, &r);
	nx_replica_release(&r);
	return NX_EXIT_OK;

out_nomem:
	nlmsg_free(msg);
	nx_warn("%s: request too large", ctx->what);
	return NX_EXIT_FAIL;
}

/*
 * REPLICA_SET with the share settings of @s, its hosts, and (the blob is
 * replaced as a whole) its properties.  The replica as it now is goes to
 * @out.
 */
static int nx_replica_set_share(struct nx_ctx *ctx, const struct nx_replica *s,
				struct nx_replica *out)
{
	struct nlattr *nest;
	struct nl_msg *msg;
	unsigned int i;

	msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_SET, s->pool, s->name);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nla_put_u8(msg, NEXUS_ATTR_SHARE_PROTO, s->proto) < 0)
		goto out_nomem;
	if (s->proto != NEXUS_SHARE_NONE &&
	    (nla_put_string(msg, NEXUS_ATTR_SHARE_ADDR, s->addr) < 0 ||
	     nla_put_u16(msg, NEXUS_ATTR_SHARE_PORT, s->port) < 0 ||
	     nla_put_u8(msg, NEXUS_ATTR_SHARE_ANY_HOST, s->any_host) < 0))
		goto out_nomem;
	nest = nla_nest_start(msg, NEXUS_ATTR_REPLICA_HOSTS);
	if (!nest)
		goto out_nomem;
	for (i = 0; i < s->nr_hosts; i++)
		if (nla_put_string(msg, NEXUS_HOST_ATTR_NQN, s->hosts[i]) < 0)
			goto out_nomem;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, NEXUS_ATTR_REPLICA_PROPS);
	if (!nest)
		goto out_nomem;
	for (i = 0; i < s->nr_props; i++)
		if (nx_put_prop(msg, s->keys[i], s->values[i]))
			goto out_nomem;
	nla_nest_end(msg, nest);
	return nx_replica_request(ctx, msg, out);

out_nomem:
	nlmsg_free(msg);
	nx_warn("%s: request too large", ctx->what);
	return NX_EXIT_FAIL;
}

static int nx_replica_share(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"replica share <pool> <name> [--proto tcp|rdma] [--addr <ip>] [--port <port>]\n"
		"       [--host <host nqn>]... | [--any-host]";
	static const struct option opts[] = {
		{ "proto", required_argument, NULL, 'P' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "any-host", no_argument, NULL, 'A' },
		{}
	};
	struct nx_replica old, want, now;
	const char *hosts[256];
	unsigned int nhosts = 0;
	bool any = false;
	uint64_t port;
	int c, ret;

	memset(&want, 0, sizeof(want));
	want.proto = NEXUS_SHARE_NVMF_TCP;
	want.port = NEXUS_SHARE_DEFAULT_PORT;
	snprintf(want.addr, sizeof(want.addr), "0.0.0.0");
	optind = 0;
	while ((c = getopt_long(argc, argv, "P:a:p:H:A", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (!strcmp(optarg, "tcp") || !strcmp(optarg, "nvmf-tcp"))
				want.proto = NEXUS_SHARE_NVMF_TCP;
			else if (!strcmp(optarg, "rdma") || !strcmp(optarg, "nvmf-rdma"))
				want.proto = NEXUS_SHARE_NVMF_RDMA;
			else
				return nx_usage_error("--proto: '%s' is not tcp or rdma", optarg);
			break;
		case 'a':
			if (strlen(optarg) >= NEXUS_TRADDR_LEN || !*optarg)
				return nx_usage_error("--addr: '%s' is not an address", optarg);
			snprintf(want.addr, sizeof(want.addr), "%s", optarg);
			break;
		case 'p':
			if (nx_parse_u64(optarg, &port) || !port || port > 65535)
				return nx_usage_error("--port: '%s' is not a port (1-65535)", optarg);
			want.port = (uint16_t)port;
			break;
		case 'H':
			if (nhosts == sizeof(hosts) / sizeof(hosts[0]))
				return nx_usage_error("--host: 256 hosts at most");
			hosts[nhosts++] = optarg;
			break;
		case 'A':
			any = true;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (nx_args(argc - optind, 2, usage))
		return NX_EXIT_USAGE;
	if (any && nhosts)
		return nx_usage_error("--any-host and --host exclude each other");
	/* No host named: any host may connect, as with Mayastor. */
	want.any_host = any || !nhosts;

	ret = nx_replica_get(ctx, argv[optind], argv[optind + 1], &old);
	if (ret)
		return ret;
	snprintf(want.pool, sizeof(want.pool), "%s", old.pool);
	snprintf(want.name, sizeof(want.name), "%s", old.name);
	want.hosts = (char **)hosts;
	want.nr_hosts = nhosts;
	want.keys = old.keys;
	want.values = old.values;
	want.nr_props = old.nr_props;
	ret = nx_replica_set_share(ctx, &want, &now);
	if (ret)
		goto out_release;
	/* Tear down the old share: its port or hosts may differ. */
	if (nx_nvmet_unshare(now.uuid) || nx_nvmet_share(&now)) {
		struct nx_replica back;

		nx_nvmet_unshare(now.uuid);
		nx_warn("%s: nvmet could not export the replica: share settings left as before",
			ctx->what);
		if (!nx_replica_set_share(ctx, &old, &back)) {
			if (back.proto != NEXUS_SHARE_NONE)
				nx_nvmet_share(&back);
			nx_replica_release(&back);
		}
		ret = NX_EXIT_FAIL;
	} else {
		nx_replica_print(ctx, &now);
	}
	nx_replica_release(&now);
out_release:
	nx_replica_release(&old);
	return ret;
}

static int nx_replica_unshare(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_replica r, now;
	struct nl_msg *msg;
	int ret;

	if (nx_args(argc - 1, 2, "replica unshare <pool> <name>"))
		return NX_EXIT_USAGE;
	ret = nx_replica_get(ctx, argv[1], argv[2], &r);
	if (ret)
		return ret;
	if (nx_nvmet_unshare(r.uuid)) {
		nx_warn("%s: nvmet still exports %s/%s", ctx->what, r.pool, r.name);
		nx_replica_release(&r);
		return NX_EXIT_FAIL;
	}
	msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_SET, r.pool, r.name);
	if (msg && nla_put_u8(msg, NEXUS_ATTR_SHARE_PROTO, NEXUS_SHARE_NONE) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	nx_replica_release(&r);
	ret = nx_replica_request(ctx, msg, &now);
	if (ret)
		return ret;
	nx_replica_print(ctx, &now);
	nx_replica_release(&now);
	return NX_EXIT_OK;
}

static int nx_replica_destroy(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct nx_replica r;
	struct nx_err err;
	bool was_shared;
	int ret;

	if (nx_args(argc - 1, 2, "replica destroy <pool> <name>"))
		return NX_EXIT_USAGE;
	ret = nx_replica_get(ctx, argv[1], argv[2], &r);
	if (ret)
		return ret;
	/* nvmet holds a shared replica open: stop the share first. */
	was_shared = nx_nvmet_shared(r.uuid);
	if (was_shared && nx_nvmet_unshare(r.uuid)) {
		nx_warn("%s: cannot stop sharing %s/%s", ctx->what, r.pool, r.name);
		ret = NX_EXIT_FAIL;
		goto out_release;
	}
	msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_DESTROY, r.pool, r.name);
	if (msg && nla_put_u8(msg, NEXUS_ATTR_REPLICA_SNAPSHOT, 0) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg) {
		ret = NX_EXIT_FAIL;
		goto out_release;
	}
	if (nx_nl_request(&ctx->nl, msg, NULL, NULL, &err) < 0) {
		ret = nx_fail(ctx, &err);
		if (was_shared)
			nx_nvmet_share(&r);
	}
out_release:
	nx_replica_release(&r);
	return ret;
}

static int nx_replica_resize(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_replica r;
	struct nl_msg *msg;
	uint64_t size;
	int ret;

	if (nx_args(argc - 1, 3, "replica resize <pool> <name> <size>"))
		return NX_EXIT_USAGE;
	if (nx_parse_size(argv[3], &size))
		return nx_usage_error("size: '%s' is not a size (10G, 512M, 1048576)", argv[3]);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_replica_msg(ctx, NEXUS_CMD_REPLICA_RESIZE, argv[1], argv[2]);
	if (msg && nla_put_u64(msg, NEXUS_ATTR_REPLICA_SIZE, size) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_replica_request(ctx, msg, &r);
	if (ret)
		return ret;
	nx_replica_print(ctx, &r);
	nx_replica_release(&r);
	return NX_EXIT_OK;
}

static int nx_replica_show(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_replica r;
	int ret;

	if (nx_args(argc - 1, 2, "replica show <pool> <name>"))
		return NX_EXIT_USAGE;
	ret = nx_replica_get(ctx, argv[1], argv[2], &r);
	if (ret)
		return ret;
	nx_replica_print(ctx, &r);
	nx_replica_release(&r);
	return NX_EXIT_OK;
}

/* "<what> list [<pool>]": the replicas (of a pool), printed by @print. */
int nx_replicas_list(struct nx_ctx *ctx, int argc, char **argv, const char *what,
		     void (*print)(struct nx_ctx *ctx, const struct nx_replicas *list))
{
	struct nx_replicas list = {};
	int ret;

	if (argc > 2)
		return nx_usage_error("usage: %s list [<pool>]", what);
	ret = nx_replicas_dump(ctx, argc == 2 ? argv[1] : NULL, &list);
	if (ret)
		return ret;
	print(ctx, &list);
	nx_replicas_release(&list);
	return NX_EXIT_OK;
}

static int nx_replica_list(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_replicas_list(ctx, argc, argv, "replica", nx_replicas_print);
}

int nx_cmd_replica(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "list", "replica list", nx_replica_list },
		{ "create", "replica create", nx_replica_create },
		{ "destroy", "replica destroy", nx_replica_destroy },
		{ "resize", "replica resize", nx_replica_resize },
		{ "show", "replica show", nx_replica_show },
		{ "share", "replica share", nx_replica_share },
		{ "unshare", "replica unshare", nx_replica_unshare },
	};

	return nx_dispatch(ctx, "replica", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}
