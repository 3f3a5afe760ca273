// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl pool create | import | export | destroy | list | show | check.
 *
 * Before it asks the module to create a pool, pool create looks for
 * signatures on the device (libblkid): a file system, a partition table,
 * RAID or LVM metadata.  The module knows only its own format, and would
 * overwrite anything else.  --force erases those signatures (like wipefs)
 * and lets the module overwrite an old pool.
 *
 * Shares live in two places (see cmd_replica.c): pool import has nvmet
 * export the shared replicas again, export and destroy stop nvmet first.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <blkid/blkid.h>

#include "nexusctl.h"

struct nx_pool {
	char name[64], device[256], reason[256];	/* name first: nx_each() */
	uint8_t uuid[16];
	uint64_t cluster_size, capacity, used, created;
	uint32_t replicas, max_replicas, md_blocks, md_free;
	uint8_t state;
};

struct nx_pools {
	struct nx_pool *v;
	unsigned int n;
};

static int nx_pool_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	static const int need[] = {
		NEXUS_ATTR_POOL_NAME, NEXUS_ATTR_POOL_UUID, NEXUS_ATTR_POOL_DEVICE,
		NEXUS_ATTR_POOL_CLUSTER_SIZE, NEXUS_ATTR_POOL_CAPACITY, NEXUS_ATTR_POOL_USED,
		NEXUS_ATTR_POOL_STATE, NEXUS_ATTR_POOL_REPLICAS, NEXUS_ATTR_POOL_MAX_REPLICAS,
		NEXUS_ATTR_POOL_MD_BLOCKS, NEXUS_ATTR_POOL_MD_FREE, NEXUS_ATTR_POOL_CREATED,
	};
	struct nx_pools *list = arg;
	struct nx_pool *p;
	unsigned int i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!tb[need[i]])
			return -EBADMSG;
	p = realloc(list->v, (list->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	list->v = p;
	p = &list->v[list->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", nla_get_string(tb[NEXUS_ATTR_POOL_NAME]));
	snprintf(p->device, sizeof(p->device), "%s", nla_get_string(tb[NEXUS_ATTR_POOL_DEVICE]));
	if (tb[NEXUS_ATTR_POOL_STATE_REASON])
		snprintf(p->reason, sizeof(p->reason), "%s",
			 nla_get_string(tb[NEXUS_ATTR_POOL_STATE_REASON]));
	memcpy(p->uuid, nla_data(tb[NEXUS_ATTR_POOL_UUID]), 16);
	p->cluster_size = nla_get_u64(tb[NEXUS_ATTR_POOL_CLUSTER_SIZE]);
	p->capacity = nla_get_u64(tb[NEXUS_ATTR_POOL_CAPACITY]);
	p->used = nla_get_u64(tb[NEXUS_ATTR_POOL_USED]);
	p->created = nla_get_u64(tb[NEXUS_ATTR_POOL_CREATED]);
	p->state = nla_get_u8(tb[NEXUS_ATTR_POOL_STATE]);
	p->replicas = nla_get_u32(tb[NEXUS_ATTR_POOL_REPLICAS]);
	p->max_replicas = nla_get_u32(tb[NEXUS_ATTR_POOL_MAX_REPLICAS]);
	p->md_blocks = nla_get_u32(tb[NEXUS_ATTR_POOL_MD_BLOCKS]);
	p->md_free = nla_get_u32(tb[NEXUS_ATTR_POOL_MD_FREE]);
	return 0;
}

static const char *nx_pool_state(const struct nx_pool *p)
{
	return p->state == NEXUS_POOL_STATE_ONLINE ? "online" : "read-only";
}

static json_object *nx_pool_json(const struct nx_pool *p)
{
	json_object *obj = json_object_new_object();
	char uuid[37];

	nx_format_uuid(p->uuid, uuid);
	json_object_object_add(obj, "name", json_object_new_string(p->name));
	json_object_object_add(obj, "uuid", json_object_new_string(uuid));
	json_object_object_add(obj, "device", json_object_new_string(p->device));
	json_object_object_add(obj, "state", json_object_new_string(nx_pool_state(p)));
	json_object_object_add(obj, "state_reason",
			       p->reason[0] ? json_object_new_string(p->reason) : NULL);
	json_object_object_add(obj, "capacity", json_object_new_uint64(p->capacity));
	json_object_object_add(obj, "used", json_object_new_uint64(p->used));
	json_object_object_add(obj, "free", json_object_new_uint64(p->capacity - p->used));
	json_object_object_add(obj, "cluster_size", json_object_new_uint64(p->cluster_size));
	json_object_object_add(obj, "replicas", json_object_new_int64(p->replicas));
	json_object_object_add(obj, "max_replicas", json_object_new_int64(p->max_replicas));
	json_object_object_add(obj, "metadata_blocks", json_object_new_int64(p->md_blocks));
	json_object_object_add(obj, "metadata_blocks_free", json_object_new_int64(p->md_free));
	json_object_object_add(obj, "created", json_object_new_uint64(p->created));
	return obj;
}

static void nx_pool_print(struct nx_ctx *ctx, const struct nx_pool *p)
{
	char uuid[37], cap[32], used[32], fre[32], cl[32], when[64];
	time_t t = (time_t)p->created;

	if (ctx->json) {
		json_object *obj = nx_pool_json(p);

		nx_print_json(obj);
		json_object_put(obj);
		return;
	}
	nx_format_uuid(p->uuid, uuid);
	nx_format_bytes(p->capacity, cap, sizeof(cap));
	nx_format_bytes(p->used, used, sizeof(used));
	nx_format_bytes(p->capacity - p->used, fre, sizeof(fre));
	nx_format_bytes(p->cluster_size, cl, sizeof(cl));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("%-14s %s\n", "name", p->name);
	printf("%-14s %s\n", "uuid", uuid);
	printf("%-14s %s\n", "device", p->device);
	printf("%-14s %s%s%s\n", "state", nx_pool_state(p), p->reason[0] ? ": " : "", p->reason);
	printf("%-14s %s\n", "capacity", cap);
	printf("%-14s %s\n", "used", used);
	printf("%-14s %s\n", "free", fre);
	printf("%-14s %s\n", "cluster-size", cl);
	printf("%-14s %u of %u\n", "replicas", p->replicas, p->max_replicas);
	printf("%-14s %u blocks, %u free\n", "metadata", p->md_blocks, p->md_free);
	printf("%-14s %s\n", "created", when);
}

static int nx_pool_request(struct nx_ctx *ctx, struct nl_msg *msg, struct nx_pool *out)
{
	struct nx_pools list = {};
	struct nx_err err;

	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, nx_pool_reply, &list, &err) < 0) {
		free(list.v);
		return nx_fail(ctx, &err);
	}
	if (list.n != 1) {
		free(list.v);
		nx_warn("%s: malformed reply from the module", ctx->what);
		return NX_EXIT_FAIL;
	}
	*out = list.v[0];
	free(list.v);
	return NX_EXIT_OK;
}

static struct nl_msg *nx_pool_msg(struct nx_ctx *ctx, uint8_t cmd, const char *name)
{
	struct nl_msg *msg = nx_nl_msg(&ctx->nl, cmd);

	if (msg && name && nla_put_string(msg, NEXUS_ATTR_POOL_NAME, name) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * Signatures libblkid finds on @path: 0 none, 1 found (described in @what),
 * or a negative errno.  With @wipe, erase them.
 */
static int nx_signatures(const char *path, bool wipe, char *what, size_t len)
{
	const char *type, *usage;
	blkid_probe pr;
	int fd, found = 0, ret;

	fd = open(path, (wipe ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pr = blkid_new_probe();
	if (!pr || blkid_probe_set_device(pr, fd, 0, 0)) {
		ret = -ENOMEM;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
					  BLKID_SUBLKS_MAGIC);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	what[0] = '\0';
	while ((ret = blkid_do_probe(pr)) == 0) {
		if (!blkid_probe_lookup_value(pr, "TYPE", &type, NULL)) {
			if (blkid_probe_lookup_value(pr, "USAGE", &usage, NULL))
				usage = "filesystem";
			snprintf(what, len, "%s (%s)", type, usage);
		} else if (!blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL)) {
			snprintf(what, len, "a partition table (%s)", type);
		} else {
			continue;
		}
		found = 1;
		if (!wipe)
			break;
		if (blkid_do_wipe(pr, 0)) {
			ret = -errno ? -errno : -EIO;
			goto out;
		}
	}
	ret = ret < 0 && ret != 1 ? -EIO : found;
	if (wipe)
		fsync(fd);
out:
	blkid_free_probe(pr);
	close(fd);
	return ret;
}

static int nx_pool_create(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] =
		"pool create <name> <device> [--cluster-size <size>] [--max-replicas <n>]\n"
		"       [--uuid <uuid>] [--force]";
	static const struct option opts[] = {
		{ "cluster-size", required_argument, NULL, 'c' },
		{ "max-replicas", required_argument, NULL, 'm' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{}
	};
	uint64_t cluster = 0, max_replicas = 0;
	bool force = false, have_uuid = false;
	char what[160];
	struct nx_pool p;
	struct nl_msg *msg;
	uint8_t uuid[16];
	const char *dev;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:m:u:f", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (nx_parse_size(optarg, &cluster) || !cluster)
				return nx_usage_error("--cluster-size: '%s' is not a size (4M, 1G)",
						      optarg);
			break;
		case 'm':
			if (nx_parse_u64(optarg, &max_replicas) || !max_replicas ||
			    max_replicas > UINT32_MAX)
				return nx_usage_error("--max-replicas: '%s' is not a count", optarg);
			break;
		case 'u':
			if (nx_parse_uuid(optarg, uuid))
				return nx_usage_error("--uuid: '%s' is not a uuid", optarg);
			have_uuid = true;
			break;
		case 'f':
			force = true;
			break;
		default:
			return nx_usage_error("usage: %s", usage);
		}
	}
	if (argc - optind != 2)
		return nx_usage_error("usage: %s", usage);
	dev = argv[optind + 1];
	ret = nx_signatures(dev, false, what, sizeof(what));
	if (ret < 0) {
		nx_warn("%s: cannot probe %s: %s", ctx->what, dev, strerror(-ret));
		return nx_local_fail(ctx, ret);
	}
	if (ret && !force) {
		nx_warn("%s: %s holds data: %s; refusing to overwrite it (--force erases it)",
			ctx->what, dev, what);
		return NX_EXIT_FAIL;
	}
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	/* Nothing is erased for a request the module would refuse anyway. */
	if (force && !nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);
	if (force) {
		ret = nx_signatures(dev, true, what, sizeof(what));
		if (ret < 0) {
			nx_warn("%s: cannot erase the signatures on %s: %s", ctx->what, dev,
				strerror(-ret));
			return NX_EXIT_FAIL;
		}
	}
	msg = nx_pool_msg(ctx, NEXUS_CMD_POOL_CREATE, argv[optind]);
	if (msg && (nla_put_string(msg, NEXUS_ATTR_POOL_DEVICE, dev) < 0 ||
		    (cluster && nla_put_u64(msg, NEXUS_ATTR_POOL_CLUSTER_SIZE, cluster) < 0) ||
		    (max_replicas &&
		     nla_put_u32(msg, NEXUS_ATTR_POOL_MAX_REPLICAS, (uint32_t)max_replicas) < 0) ||
		    (have_uuid && nla_put(msg, NEXUS_ATTR_POOL_UUID, 16, uuid) < 0) ||
		    (force && nla_put_flag(msg, NEXUS_ATTR_FORCE) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_pool_request(ctx, msg, &p);
	if (ret)
		return ret;
	nx_pool_print(ctx, &p);
	return NX_EXIT_OK;
}

/* Have nvmet export the shared replicas of @pool; returns how many failed. */
static unsigned int nx_pool_restore_shares(struct nx_ctx *ctx, const char *pool)
{
	struct nx_replicas list = {};
	unsigned int i, failed = 0;

	if (nx_replicas_dump(ctx, pool, &list))
		return 1;
	for (i = 0; i < list.n; i++) {
		if (list.v[i].proto == NEXUS_SHARE_NONE)
			continue;
		if (nx_nvmet_share(&list.v[i])) {
			nx_warn("%s: replica %s/%s: its share could not be restored",
				ctx->what, pool, list.v[i].name);
			failed++;
		}
	}
	nx_replicas_release(&list);
	return failed;
}

/* Stop nvmet's exports of the replicas of @pool, which close them. */
static int nx_pool_stop_shares(struct nx_ctx *ctx, const char *pool, bool *stopped)
{
	struct nx_replicas list = {};
	unsigned int i;
	int ret;

	*stopped = false;
	ret = nx_replicas_dump(ctx, pool, &list);
	if (ret)
		return ret;
	for (i = 0; i < list.n; i++) {
		if (!nx_nvmet_shared(list.v[i].uuid))
			continue;
		*stopped = true;
		if (nx_nvmet_unshare(list.v[i].uuid)) {
			nx_warn("%s: cannot stop sharing %s/%s", ctx->what, pool, list.v[i].name);
			ret = NX_EXIT_FAIL;
			break;
		}
	}
	nx_replicas_release(&list);
	return ret;
}

static int nx_pool_import(struct nx_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "pool import <device> [--name <name>] | --scan";
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "scan", no_argument, NULL, 'S' },
		{}
	};
	const char *name = NULL;
	struct nl_msg *msg;
	struct nx_pool p;
	bool scan = false;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'S')
			scan = true;
		else if (c == 'n')
			name = optarg;
		else
			return nx_usage_error("usage: %s", usage);
	}
	if (scan) {
		if (name || argc != optind)
			return nx_usage_error("usage: %s", usage);
		return nx_pool_import_scan(ctx);
	}
	if (argc - optind != 1)
		return nx_usage_error("usage: %s", usage);
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_pool_msg(ctx, NEXUS_CMD_POOL_IMPORT, name);
	if (msg && nla_put_string(msg, NEXUS_ATTR_POOL_DEVICE, argv[optind]) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = nx_pool_request(ctx, msg, &p);
	if (ret)
		return ret;
	nx_pool_print(ctx, &p);
	return nx_pool_restore_shares(ctx, p.name) ? NX_EXIT_FAIL : NX_EXIT_OK;
}

/* Export or destroy @name: both let go of the pool, after its shares. */
static int nx_pool_let_go(struct nx_ctx *ctx, const char *name, uint8_t cmd, bool force)
{
	struct nl_msg *msg;
	struct nx_err err;
	bool stopped;
	int ret;

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	/*
	 * Export keeps the share settings for the next import; destroy
	 * without --force leaves everything as it is for the module to refuse.
	 */
	stopped = false;
	if (cmd == NEXUS_CMD_POOL_EXPORT || force) {
		ret = nx_pool_stop_shares(ctx, name, &stopped);
		if (ret)
			return ret;
	}
	msg = nx_pool_msg(ctx, cmd, name);
	if (msg && force && nla_put_flag(msg, NEXUS_ATTR_FORCE) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, NULL, NULL, &err) < 0) {
		ret = nx_fail(ctx, &err);
		if (stopped)
			nx_pool_restore_shares(ctx, name);
		return ret;
	}
	return NX_EXIT_OK;
}

static int nx_pool_release(struct nx_ctx *ctx, int argc, char **argv, uint8_t cmd)
{
	const char *usage = cmd == NEXUS_CMD_POOL_DESTROY ? "pool destroy <name> [--force]" :
				"pool export <name> | --all";
	bool force = false, all = false;
	const char *name = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (cmd == NEXUS_CMD_POOL_DESTROY &&
		    (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")))
			force = true;
		else if (cmd == NEXUS_CMD_POOL_EXPORT && !strcmp(argv[i], "--all"))
			all = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return nx_usage_error("usage: %s", usage);
	}
	if (all && !name)
		return nx_pool_export_all(ctx);
	if (!name || all)
		return nx_usage_error("usage: %s", usage);
	return nx_pool_let_go(ctx, name, cmd, force);
}

static int nx_pools_dump(struct nx_ctx *ctx, struct nx_pools *list)
{
	int ret = nx_dump(ctx, NEXUS_CMD_POOL_GET, nx_pool_reply, list);

	if (ret) {
		free(list->v);
		list->v = NULL;
		list->n = 0;
	}
	return ret;
}

static int nx_pool_list(struct nx_ctx *ctx, int argc, char **argv)
{
	char cap[32], used[32], fre[32], cl[32];
	struct nx_pools list = {};
	unsigned int i;
	int ret;

	if (argc > 1)
		return nx_usage_error("usage: pool list");
	ret = nx_pools_dump(ctx, &list);
	if (ret)
		return ret;
	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < list.n; i++)
			json_object_array_add(arr, nx_pool_json(&list.v[i]));
		nx_print_json(arr);
		json_object_put(arr);
		free(list.v);
		return NX_EXIT_OK;
	}
	printf("%-16s %-9s %10s %10s %10s %8s %8s %s\n", "NAME", "STATE", "CAPACITY", "USED",
	       "FREE", "CLUSTER", "REPLICAS", "DEVICE");
	for (i = 0; i < list.n; i++) {
		const struct nx_pool *p = &list.v[i];

		nx_format_bytes(p->capacity, cap, sizeof(cap));
		nx_format_bytes(p->used, used, sizeof(used));
		nx_format_bytes(p->capacity - p->used, fre, sizeof(fre));
		nx_format_bytes(p->cluster_size, cl, sizeof(cl));
		printf("%-16s %-9s %10s %10s %10s %8s %8u %s\n", p->name, nx_pool_state(p), cap,
		       used, fre, cl, p->replicas, p->device);
	}
	free(list.v);
	return NX_EXIT_OK;
}

static int nx_pool_show(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_pool p;
	int ret;

	if (argc != 2)
		return nx_usage_error("usage: pool show <name>");
	ret = nx_connect(ctx);
	if (ret)
		return ret;
	ret = nx_pool_request(ctx, nx_pool_msg(ctx, NEXUS_CMD_POOL_GET, argv[1]), &p);
	if (ret)
		return ret;
	nx_pool_print(ctx, &p);
	return NX_EXIT_OK;
}

static int nx_pool_export(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_pool_release(ctx, argc, argv, NEXUS_CMD_POOL_EXPORT);
}

static int nx_pool_destroy(struct nx_ctx *ctx, int argc, char **argv)
{
	return nx_pool_release(ctx, argc, argv, NEXUS_CMD_POOL_DESTROY);
}

int nx_cmd_pool(struct nx_ctx *ctx, int argc, char **argv)
{
	static const struct nx_verb verbs[] = {
		{ "list", "pool list", nx_pool_list },
		{ "create", "pool create", nx_pool_create },
		{ "import", "pool import", nx_pool_import },
		{ "export", "pool export", nx_pool_export },
		{ "destroy", "pool destroy", nx_pool_destroy },
		{ "show", "pool show", nx_pool_show },
		{ "check", "pool check", nx_pool_check },
	};

	return nx_dispatch(ctx, "pool", verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
}

/*
 * Boot and shutdown (cmd_node.c): pool import --scan, pool export --all.
 */

/*
 * Import every pool found on the node's devices (scan.c) that is not
 * imported yet, and restore its shares.  A pool seen on two devices (a
 * copy, or a path the scan could not tell apart) is imported from
 * neither: which one is current is the admin's call.
 */
int nx_pool_import_scan(struct nx_ctx *ctx)
{
	struct nx_pools have = {};
	struct nx_found *found = NULL;
	json_object *done = NULL;
	unsigned int i, j, nr = 0, failed = 0;
	struct nl_msg *msg;
	struct nx_pool p;
	bool skip;
	int ret;

	if (!nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);

	ret = nx_pools_dump(ctx, &have);
	if (ret)
		return ret;
	ret = nx_scan(NX_FOUND_POOL, &found, &nr);
	if (ret) {
		nx_warn("%s: cannot scan the block devices: %s", ctx->what, strerror(-ret));
		free(have.v);
		return NX_EXIT_FAIL;
	}
	if (ctx->json)
		done = json_object_new_array();
	for (i = 0; i < nr; i++) {
		skip = false;
		for (j = 0; j < have.n && !skip; j++)
			skip = !memcmp(have.v[j].uuid, found[i].uuid, 16);
		for (j = 0; j < i && !skip; j++)
			skip = !memcmp(found[j].uuid, found[i].uuid, 16);
		if (skip)
			continue;
		for (j = i + 1; j < nr; j++)
			if (!memcmp(found[j].uuid, found[i].uuid, 16))
				break;
		if (j < nr) {
			nx_warn("%s: pool %s is on both %s and %s: neither is imported; import the right one by hand",
				ctx->what, found[i].name, found[i].path, found[j].path);
			failed++;
			continue;
		}
		msg = nx_pool_msg(ctx, NEXUS_CMD_POOL_IMPORT, NULL);
		if (msg && nla_put_string(msg, NEXUS_ATTR_POOL_DEVICE, found[i].path) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		if (nx_pool_request(ctx, msg, &p)) {
			failed++;
			continue;
		}
		if (done)
			json_object_array_add(done, nx_pool_json(&p));
		else
			printf("imported pool %s from %s (%s)\n", p.name, p.device,
			       nx_pool_state(&p));
		failed += nx_pool_restore_shares(ctx, p.name);
	}
	if (done) {
		json_object *obj = json_object_new_object();

		json_object_object_add(obj, "imported", done);
		json_object_object_add(obj, "failed", json_object_new_int(failed));
		nx_emit_json(ctx, "pools", obj);
	}
	free(found);
	free(have.v);
	return failed ? NX_EXIT_FAIL : NX_EXIT_OK;
}

static int nx_pool_export_one(struct nx_ctx *ctx, const char *name)
{
	return nx_pool_let_go(ctx, name, NEXUS_CMD_POOL_EXPORT, false);
}

/* Export every pool: what a clean shutdown does after nexus stop --all. */
int nx_pool_export_all(struct nx_ctx *ctx)
{
	struct nx_pools list = {};
	int ret;

	if (!nx_may_net_admin())
		return nx_local_fail(ctx, -EPERM);
	ret = nx_pools_dump(ctx, &list);
	if (ret)
		return ret;
	/* The name is the first member of each: nx_each() reads it there. */
	ret = nx_each(ctx, "pools", "exported", "exported pool", list.v, list.n, sizeof(*list.v), nx_pool_export_one);
	free(list.v);
	return ret;
}
