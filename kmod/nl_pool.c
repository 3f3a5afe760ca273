// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink commands for pools and replicas: their attribute policies,
 * the checks policies cannot express, replies, dumps and events.
 * include/nexus_netlink.h has the numbers, docs/netlink.md the contract.
 *
 * Locking: every command takes nexus_pools_lock, and a replica command
 * also pool->lock; management commands are rare, the IO path takes
 * neither.  Dumps take nexus_pools_lock for each message they fill.
 */
#include <linux/slab.h>

#include "nexus.h"

/* How many properties and hosts one request may carry. */
#define NEXUS_NL_MAX_ENTRIES	256

static struct netlink_range_validation nexus_cluster_range = {
	.min = 1ULL << NEXUS_CLUSTER_SHIFT_MIN,
	.max = 1ULL << NEXUS_CLUSTER_SHIFT_MAX,
};

static struct netlink_range_validation nexus_max_replicas_range = {
	.min = 1,
	.max = NEXUS_MAX_REPLICAS_LIMIT,
};

static const struct nla_policy nexus_host_policy[NEXUS_HOST_ATTR_MAX + 1] = {
	[NEXUS_HOST_ATTR_NQN] = { .type = NLA_NUL_STRING, .len = NEXUS_NQN_LEN },
};

static const struct nla_policy nexus_prop_policy[NEXUS_PROP_ATTR_MAX + 1] = {
	[NEXUS_PROP_ATTR_ENTRY] = NLA_POLICY_NESTED(nexus_prop_policy),
	[NEXUS_PROP_ATTR_KEY] = { .type = NLA_NUL_STRING, .len = NEXUS_PROP_KEY_LEN },
	[NEXUS_PROP_ATTR_VALUE] = { .type = NLA_NUL_STRING, .len = NEXUS_PROP_VALUE_LEN },
};

#define NEXUS_NAME_POLICY { .type = NLA_NUL_STRING, .len = NEXUS_NAME_LEN - 1 }
#define NEXUS_UUID_POLICY NLA_POLICY_EXACT_LEN(16)

const struct nla_policy nexus_pool_policy[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_POOL_NAME] = NEXUS_NAME_POLICY,
	[NEXUS_ATTR_POOL_UUID] = NEXUS_UUID_POLICY,
	[NEXUS_ATTR_POOL_DEVICE] = { .type = NLA_NUL_STRING, .len = 255 },
	[NEXUS_ATTR_POOL_CLUSTER_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64, &nexus_cluster_range),
	[NEXUS_ATTR_POOL_MAX_REPLICAS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nexus_max_replicas_range),
	[NEXUS_ATTR_FORCE] = { .type = NLA_FLAG },
};

const struct nla_policy nexus_replica_policy[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_POOL_NAME] = NEXUS_NAME_POLICY,
	[NEXUS_ATTR_REPLICA_NAME] = NEXUS_NAME_POLICY,
	[NEXUS_ATTR_REPLICA_UUID] = NEXUS_UUID_POLICY,
	[NEXUS_ATTR_REPLICA_SIZE] = { .type = NLA_U64 },
	[NEXUS_ATTR_REPLICA_THIN] = NLA_POLICY_MAX(NLA_U8, 1),
	[NEXUS_ATTR_SHARE_PROTO] = NLA_POLICY_MAX(NLA_U8, NEXUS_SHARE_NVMF_RDMA),
	[NEXUS_ATTR_SHARE_ADDR] = { .type = NLA_NUL_STRING, .len = NEXUS_TRADDR_LEN - 1 },
	[NEXUS_ATTR_SHARE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[NEXUS_ATTR_SHARE_ANY_HOST] = NLA_POLICY_MAX(NLA_U8, 1),
	[NEXUS_ATTR_REPLICA_HOSTS] = NLA_POLICY_NESTED(nexus_host_policy),
	[NEXUS_ATTR_REPLICA_PROPS] = NLA_POLICY_NESTED(nexus_prop_policy),
	[NEXUS_ATTR_REPLICA_SNAPSHOT] = NLA_POLICY_MAX(NLA_U8, 1),
	[NEXUS_ATTR_REPLICA_PARENT] = NEXUS_NAME_POLICY,
	[NEXUS_ATTR_REPLICA_EXPOSE] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* Fills. */

static int nexus_nl_put_pool(struct sk_buff *msg, struct nexus_pool *pool)
{
	u64 cbytes = nexus_pool_cluster_bytes(pool);
	u32 replicas = 0, md_free, md_blocks;
	struct nexus_replica *r;
	u8 state;

	mutex_lock(&pool->lock);
	list_for_each_entry(r, &pool->replicas, node)
		replicas++;
	state = READ_ONCE(pool->state) == NEXUS_POOL_READ_ONLY ?
		NEXUS_POOL_STATE_READ_ONLY : NEXUS_POOL_STATE_ONLINE;
	mutex_unlock(&pool->lock);
	mutex_lock(&pool->md_lock);
	md_free = pool->md.free_blocks;
	md_blocks = pool->md.nr_blocks - le32_to_cpu(pool->md.sb.dyn_start);
	mutex_unlock(&pool->md_lock);

	if (nla_put_string(msg, NEXUS_ATTR_POOL_NAME, pool->name) ||
	    nla_put(msg, NEXUS_ATTR_POOL_UUID, 16, &pool->uuid) ||
	    nla_put_string(msg, NEXUS_ATTR_POOL_DEVICE, pool->path) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_POOL_CLUSTER_SIZE, cbytes, NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_POOL_CAPACITY, pool->nr_clusters * cbytes,
			      NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_POOL_USED, nexus_pool_used(pool) * cbytes,
			      NEXUS_ATTR_PAD) ||
	    nla_put_u8(msg, NEXUS_ATTR_POOL_STATE, state) ||
	    nla_put_u32(msg, NEXUS_ATTR_POOL_REPLICAS, replicas) ||
	    nla_put_u32(msg, NEXUS_ATTR_POOL_MAX_REPLICAS,
			le32_to_cpu(pool->md.sb.max_replicas)) ||
	    nla_put_u32(msg, NEXUS_ATTR_POOL_MD_BLOCKS, md_blocks) ||
	    nla_put_u32(msg, NEXUS_ATTR_POOL_MD_FREE, md_free) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_POOL_CREATED, le64_to_cpu(pool->md.sb.created),
			      NEXUS_ATTR_PAD))
		return -EMSGSIZE;
	if (state != NEXUS_POOL_STATE_ONLINE &&
	    nla_put_string(msg, NEXUS_ATTR_POOL_STATE_REASON, pool->ro_reason))
		return -EMSGSIZE;
	return 0;
}

static int nexus_nl_put_host(void *arg, const struct nexus_blob_entry *e)
{
	struct sk_buff *msg = arg;
	char *nqn;
	int err;

	if (e->type != NEXUS_BLOB_ALLOWED_HOST)
		return 0;
	nqn = kmemdup_nul(e->value, e->value_len, GFP_KERNEL);
	if (!nqn)
		return -ENOMEM;
	err = nla_put_string(msg, NEXUS_HOST_ATTR_NQN, nqn);
	kfree(nqn);
	return err;
}

static int nexus_nl_put_prop(void *arg, const struct nexus_blob_entry *e)
{
	struct sk_buff *msg = arg;
	char key[NEXUS_PROP_KEY_LEN + 1];
	struct nlattr *nest;
	char *value;
	int err;

	if (e->type != NEXUS_BLOB_PROPERTY)
		return 0;
	memcpy(key, e->key, e->key_len);
	key[e->key_len] = '\0';
	value = kmemdup_nul(e->value, e->value_len, GFP_KERNEL);
	if (!value)
		return -ENOMEM;
	err = -EMSGSIZE;
	nest = nla_nest_start(msg, NEXUS_PROP_ATTR_ENTRY);
	if (nest && !nla_put_string(msg, NEXUS_PROP_ATTR_KEY, key) &&
	    !nla_put_string(msg, NEXUS_PROP_ATTR_VALUE, value)) {
		nla_nest_end(msg, nest);
		err = 0;
	}
	kfree(value);
	return err;
}

/* The replica object of record @index of @pool, if any.  pool->lock held. */
static struct nexus_replica *nexus_nl_record_replica(struct nexus_pool *pool, u32 index)
{
	struct nexus_replica *r;

	list_for_each_entry(r, &pool->replicas, node)
		if (r->index == index)
			return r;
	return NULL;
}

static int nexus_nl_put_replica(struct sk_buff *msg, struct nexus_replica *r)
{
	struct nexus_pool *pool = r->pool;
	struct nexus_replica *parent = NULL;
	struct nexus_replica_rec rec;
	struct nlattr *nest;

	lockdep_assert_held(&pool->lock);
	mutex_lock(&pool->md_lock);
	rec = *nexus_md_rec(&pool->md, r->index);
	mutex_unlock(&pool->md_lock);
	if (rec.parent)
		parent = nexus_nl_record_replica(pool, le32_to_cpu(rec.parent) - 1);
	if (nla_put_u8(msg, NEXUS_ATTR_REPLICA_SNAPSHOT, r->snapshot) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_REPLICA_EXCLUSIVE,
			      nexus_map_exclusive(pool, r->index), NEXUS_ATTR_PAD) ||
	    (parent && nla_put_string(msg, NEXUS_ATTR_REPLICA_PARENT, parent->name)) ||
	    (memchr_inv(rec.parent_uuid, 0, sizeof(rec.parent_uuid)) &&
	     nla_put(msg, NEXUS_ATTR_REPLICA_PARENT_UUID, 16, rec.parent_uuid)))
		return -EMSGSIZE;

	if (nla_put_string(msg, NEXUS_ATTR_POOL_NAME, pool->name) ||
	    nla_put_string(msg, NEXUS_ATTR_REPLICA_NAME, r->name) ||
	    nla_put(msg, NEXUS_ATTR_REPLICA_UUID, 16, &r->uuid) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_REPLICA_SIZE, r->size, NEXUS_ATTR_PAD) ||
	    nla_put_u8(msg, NEXUS_ATTR_REPLICA_THIN, r->thin) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_REPLICA_ALLOCATED,
			      le64_to_cpu(rec.mapped) << pool->cluster_shift, NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_REPLICA_CREATED, le64_to_cpu(rec.created),
			      NEXUS_ATTR_PAD) ||
	    (r->disk && nla_put_string(msg, NEXUS_ATTR_REPLICA_DEVICE, r->disk->disk_name)) ||
	    nla_put_u8(msg, NEXUS_ATTR_SHARE_PROTO, rec.share_proto))
		return -EMSGSIZE;
	if (rec.share_proto != NEXUS_SHARE_NONE &&
	    (nla_put_string(msg, NEXUS_ATTR_SHARE_ADDR, rec.share_addr) ||
	     nla_put_u16(msg, NEXUS_ATTR_SHARE_PORT, le16_to_cpu(rec.share_port)) ||
	     nla_put_u8(msg, NEXUS_ATTR_SHARE_ANY_HOST, rec.share_any_host)))
		return -EMSGSIZE;

	nest = nla_nest_start(msg, NEXUS_ATTR_REPLICA_HOSTS);
	if (!nest || nexus_replica_blob_for_each(r, nexus_nl_put_host, msg))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	nest = nla_nest_start(msg, NEXUS_ATTR_REPLICA_PROPS);
	if (!nest || nexus_replica_blob_for_each(r, nexus_nl_put_prop, msg))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static void nexus_nl_notify_pool(struct nexus_pool *pool, u8 event)
{
	void *hdr;
	struct sk_buff *msg = nexus_nl_event_new(NEXUS_CMD_POOL_NTF, event, &hdr);

	if (msg)
		nexus_nl_event_send(msg, hdr, nexus_nl_put_pool(msg, pool));
}

static void nexus_nl_notify_replica(struct nexus_replica *r, u8 event)
{
	void *hdr;
	struct sk_buff *msg = nexus_nl_event_new(NEXUS_CMD_REPLICA_NTF, event, &hdr);

	if (msg)
		nexus_nl_event_send(msg, hdr, nexus_nl_put_replica(msg, r));
}

/* An object that is gone: its names and uuid are all the event says. */
struct nexus_nl_gone {
	char pool[NEXUS_NAME_LEN];
	char replica[NEXUS_NAME_LEN];	/* "" for a pool */
	uuid_t uuid;
};

static void nexus_nl_notify_gone(const struct nexus_nl_gone *gone, u8 event)
{
	u8 cmd = gone->replica[0] ? NEXUS_CMD_REPLICA_NTF : NEXUS_CMD_POOL_NTF;
	int uuid_attr = gone->replica[0] ? NEXUS_ATTR_REPLICA_UUID : NEXUS_ATTR_POOL_UUID;
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_event_new(cmd, event, &hdr);
	if (msg)
		nexus_nl_event_send(msg, hdr,
				    nla_put_string(msg, NEXUS_ATTR_POOL_NAME, gone->pool) ||
				    (gone->replica[0] &&
				     nla_put_string(msg, NEXUS_ATTR_REPLICA_NAME, gone->replica)) ||
				    nla_put(msg, uuid_attr, 16, &gone->uuid));
}

static int nexus_nl_reply_pool(struct genl_info *info, struct nexus_pool *pool, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_reply_new(info, cmd, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nexus_nl_put_pool(msg, pool))
		return nexus_nl_reply_overflow(msg, info);
	return nexus_nl_reply_send(msg, hdr, info);
}

static int nexus_nl_reply_replica(struct genl_info *info, struct nexus_replica *r, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_reply_new(info, cmd, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nexus_nl_put_replica(msg, r))
		return nexus_nl_reply_overflow(msg, info);
	return nexus_nl_reply_send(msg, hdr, info);
}

/* Lookups, with the extack message when they fail. */

static struct nexus_pool *nexus_nl_pool(struct genl_info *info)
{
	struct nexus_pool *pool;

	lockdep_assert_held(&nexus_pools_lock);
	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_POOL_NAME))
		return ERR_PTR(-EINVAL);
	pool = nexus_pool_find(nla_data(info->attrs[NEXUS_ATTR_POOL_NAME]));
	if (!pool) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_POOL_NAME],
				    "no such pool");
		return ERR_PTR(-ENOENT);
	}
	return pool;
}

/*
 * The replica a command is about: by uuid, or by pool and name.  Returns
 * it with its pool->lock held.
 */
static struct nexus_replica *nexus_nl_replica_any(struct genl_info *info)
{
	struct nexus_replica *r;
	struct nexus_pool *pool;

	lockdep_assert_held(&nexus_pools_lock);
	if (info->attrs[NEXUS_ATTR_REPLICA_UUID]) {
		r = nexus_replica_find_uuid(nla_data(info->attrs[NEXUS_ATTR_REPLICA_UUID]));
		if (!r) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_REPLICA_UUID],
					    "no such replica");
			return ERR_PTR(-ENOENT);
		}
		mutex_lock(&r->pool->lock);
		return r;
	}
	pool = nexus_nl_pool(info);
	if (IS_ERR(pool))
		return ERR_CAST(pool);
	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_NAME))
		return ERR_PTR(-EINVAL);
	mutex_lock(&pool->lock);
	r = nexus_replica_find(pool, nla_data(info->attrs[NEXUS_ATTR_REPLICA_NAME]));
	if (!r) {
		struct nlattr *kind = info->attrs[NEXUS_ATTR_REPLICA_SNAPSHOT];

		mutex_unlock(&pool->lock);
		if (kind && nla_get_u8(kind))
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_REPLICA_NAME],
					    "no such snapshot in the pool");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_REPLICA_NAME],
					    "no such replica in the pool");
		return ERR_PTR(-ENOENT);
	}
	return r;
}

/*
 * The same, of the kind NEXUS_ATTR_REPLICA_SNAPSHOT asks for if given: a
 * tool that means a snapshot does not destroy a replica by mistake.
 */
static struct nexus_replica *nexus_nl_replica(struct genl_info *info)
{
	struct nlattr *kind = info->attrs[NEXUS_ATTR_REPLICA_SNAPSHOT];
	struct nexus_replica *r = nexus_nl_replica_any(info);

	if (IS_ERR(r) || !kind || nla_get_u8(kind) == r->snapshot)
		return r;
	mutex_unlock(&r->pool->lock);
	if (r->snapshot)
		NL_SET_ERR_MSG_ATTR(info->extack, kind, "it is a snapshot, not a replica");
	else
		NL_SET_ERR_MSG_ATTR(info->extack, kind, "it is a replica, not a snapshot");
	return ERR_PTR(-EINVAL);
}

/* Pool commands. */

/* The pool's device path is kept and shown back: printable ASCII only. */
static bool nexus_nl_device_ok(struct genl_info *info)
{
	if (nexus_nl_text_ok(nla_data(info->attrs[NEXUS_ATTR_POOL_DEVICE]), false))
		return true;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_POOL_DEVICE],
			    "a device path is printable ASCII, no spaces");
	return false;
}

int nexus_nl_pool_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_pool_create args = {
		.cluster_shift = NEXUS_CLUSTER_SHIFT_DEFAULT,
		.max_replicas = NEXUS_MAX_REPLICAS_DEFAULT,
		.force = nla_get_flag(info->attrs[NEXUS_ATTR_FORCE]),
	};
	struct nexus_pool *pool;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_POOL_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_POOL_DEVICE) ||
	    !nexus_nl_name_ok(info, NEXUS_ATTR_POOL_NAME) || !nexus_nl_device_ok(info))
		return -EINVAL;
	args.name = nla_data(info->attrs[NEXUS_ATTR_POOL_NAME]);
	/* /dev/nexus/<pool>/ sits beside /dev/nexus/by-name/ and by-uuid/. */
	if (!strcmp(args.name, "by-name") || !strcmp(args.name, "by-uuid")) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_POOL_NAME],
				    "by-name and by-uuid are reserved: /dev/nexus/ uses them");
		return -EINVAL;
	}
	args.path = nla_data(info->attrs[NEXUS_ATTR_POOL_DEVICE]);
	if (info->attrs[NEXUS_ATTR_POOL_UUID])
		args.uuid = nla_data(info->attrs[NEXUS_ATTR_POOL_UUID]);
	if (info->attrs[NEXUS_ATTR_POOL_CLUSTER_SIZE]) {
		u64 size = nla_get_u64(info->attrs[NEXUS_ATTR_POOL_CLUSTER_SIZE]);

		if (!is_power_of_2(size)) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_POOL_CLUSTER_SIZE],
					    "cluster size must be a power of two");
			return -EINVAL;
		}
		args.cluster_shift = ilog2(size);
	}
	if (info->attrs[NEXUS_ATTR_POOL_MAX_REPLICAS])
		args.max_replicas = nla_get_u32(info->attrs[NEXUS_ATTR_POOL_MAX_REPLICAS]);

	mutex_lock(&nexus_pools_lock);
	err = nexus_pool_create(&args, &pool, info->extack);
	if (!err) {
		nexus_nl_notify_pool(pool, NEXUS_EVENT_CREATED);
		err = nexus_nl_reply_pool(info, pool, NEXUS_CMD_POOL_CREATE);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_pool_import_doit(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = NULL;
	struct nexus_pool *pool;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_POOL_DEVICE) || !nexus_nl_device_ok(info))
		return -EINVAL;
	if (info->attrs[NEXUS_ATTR_POOL_NAME])
		name = nla_data(info->attrs[NEXUS_ATTR_POOL_NAME]);
	mutex_lock(&nexus_pools_lock);
	err = nexus_pool_import(nla_data(info->attrs[NEXUS_ATTR_POOL_DEVICE]), name, &pool,
				info->extack);
	if (!err) {
		nexus_nl_notify_pool(pool, NEXUS_EVENT_IMPORTED);
		err = nexus_nl_reply_pool(info, pool, NEXUS_CMD_POOL_IMPORT);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_pool_export_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_nl_gone gone = {};
	struct nexus_pool *pool;
	int err;

	mutex_lock(&nexus_pools_lock);
	pool = nexus_nl_pool(info);
	err = PTR_ERR_OR_ZERO(pool);
	if (!err) {
		strscpy(gone.pool, pool->name, sizeof(gone.pool));
		gone.uuid = pool->uuid;
		err = nexus_pool_export(pool, info->extack);
		if (!err)
			nexus_nl_notify_gone(&gone, NEXUS_EVENT_EXPORTED);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_pool_destroy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_nl_gone gone = {};
	struct nexus_pool *pool;
	int err;

	mutex_lock(&nexus_pools_lock);
	pool = nexus_nl_pool(info);
	err = PTR_ERR_OR_ZERO(pool);
	if (!err) {
		strscpy(gone.pool, pool->name, sizeof(gone.pool));
		gone.uuid = pool->uuid;
		err = nexus_pool_destroy(pool, nla_get_flag(info->attrs[NEXUS_ATTR_FORCE]),
					 info->extack);
		if (!err)
			nexus_nl_notify_gone(&gone, NEXUS_EVENT_DESTROYED);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_pool_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_pool *pool;
	int err;

	mutex_lock(&nexus_pools_lock);
	pool = nexus_nl_pool(info);
	err = PTR_ERR_OR_ZERO(pool);
	if (!err)
		err = nexus_nl_reply_pool(info, pool, NEXUS_CMD_POOL_GET);
	mutex_unlock(&nexus_pools_lock);
	return err;
}

/* Dumps remember how many objects they have sent in cb->args[0]. */
int nexus_nl_pool_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nexus_pool *pool;
	bool full = false;
	long i = 0;

	mutex_lock(&nexus_pools_lock);
	list_for_each_entry(pool, &nexus_pools, node) {
		void *hdr;

		if (i < cb->args[0]) {
			i++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &nexus_genl_family, NLM_F_MULTI, NEXUS_CMD_POOL_GET);
		if (!hdr || nexus_nl_put_pool(skb, pool)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			full = true;
			break;
		}
		genlmsg_end(skb, hdr);
		i++;
	}
	mutex_unlock(&nexus_pools_lock);
	if (full && i == cb->args[0] && !skb->len)
		return -EMSGSIZE;
	cb->args[0] = i;
	return skb->len;
}

/* Replica commands. */

/* Properties and hosts of a request, as blob entries; NULL if none given. */
static int nexus_nl_entries(struct genl_info *info, struct nexus_replica_settings *s)
{
	struct nlattr *props = info->attrs[NEXUS_ATTR_REPLICA_PROPS];
	struct nlattr *hosts = info->attrs[NEXUS_ATTR_REPLICA_HOSTS];
	struct nexus_blob_entry *e;
	struct nlattr *nla, *tb[NEXUS_PROP_ATTR_MAX + 1];
	unsigned int n = 0;
	int rem, err;

	if (!props && !hosts)
		return 0;
	e = kcalloc(NEXUS_NL_MAX_ENTRIES, sizeof(*e), GFP_KERNEL);
	if (!e) {
		NL_SET_ERR_MSG(info->extack, "out of memory");
		return -ENOMEM;
	}
	if (hosts) {
		nla_for_each_nested(nla, hosts, rem) {
			const char *nqn = nla_data(nla);

			if (nla_type(nla) != NEXUS_HOST_ATTR_NQN || n == NEXUS_NL_MAX_ENTRIES ||
			    strncmp(nqn, "nqn.", 4) || !nexus_nl_text_ok(nqn, false)) {
				NL_SET_ERR_MSG_ATTR(info->extack, nla,
						    "a host is an NQN (nqn...., printable ASCII), 256 at most");
				err = -EINVAL;
				goto out_free;
			}
			e[n].type = NEXUS_BLOB_ALLOWED_HOST;
			e[n].value = nqn;
			e[n++].value_len = strlen(nqn);
		}
	}
	if (props) {
		nla_for_each_nested(nla, props, rem) {
			const char *key;

			err = nla_parse_nested(tb, NEXUS_PROP_ATTR_MAX, nla, nexus_prop_policy,
					       info->extack);
			if (err)
				goto out_free;
			if (nla_type(nla) != NEXUS_PROP_ATTR_ENTRY || !tb[NEXUS_PROP_ATTR_KEY] ||
			    !tb[NEXUS_PROP_ATTR_VALUE] || n == NEXUS_NL_MAX_ENTRIES) {
				NL_SET_ERR_MSG_ATTR(info->extack, nla,
						    "a property is an entry with a key and a value, 256 at most");
				err = -EINVAL;
				goto out_free;
			}
			key = nla_data(tb[NEXUS_PROP_ATTR_KEY]);
			e[n].type = NEXUS_BLOB_PROPERTY;
			e[n].key = key;
			e[n].key_len = strlen(key);
			e[n].value = nla_data(tb[NEXUS_PROP_ATTR_VALUE]);
			e[n].value_len = strlen(e[n].value);
			if (!e[n].key_len || strchr(key, '=') || !nexus_nl_text_ok(key, false)) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[NEXUS_PROP_ATTR_KEY],
						    "property keys are 1 to 63 printable ASCII characters, no spaces or '='");
				err = -EINVAL;
				goto out_free;
			}
			if (!nexus_nl_text_ok(e[n].value, true)) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[NEXUS_PROP_ATTR_VALUE],
						    "property values are printable ASCII");
				err = -EINVAL;
				goto out_free;
			}
			n++;
		}
	}
	s->blob = true;
	s->entries = e;
	s->nr_entries = n;
	return 0;

out_free:
	kfree(e);
	return err;
}

/* Share settings of a request; false (and a message) if they make no sense. */
static bool nexus_nl_share(struct genl_info *info, struct nexus_replica_settings *s)
{
	struct nlattr **a = info->attrs;

	if (!a[NEXUS_ATTR_SHARE_PROTO]) {
		if (a[NEXUS_ATTR_SHARE_ADDR] || a[NEXUS_ATTR_SHARE_PORT] ||
		    a[NEXUS_ATTR_SHARE_ANY_HOST]) {
			NL_SET_ERR_MSG(info->extack, "share settings without a share protocol");
			return false;
		}
		return true;
	}
	s->share = true;
	s->proto = nla_get_u8(a[NEXUS_ATTR_SHARE_PROTO]);
	if (s->proto == NEXUS_SHARE_NONE)
		return true;
	s->port = a[NEXUS_ATTR_SHARE_PORT] ? nla_get_u16(a[NEXUS_ATTR_SHARE_PORT]) :
		  NEXUS_SHARE_DEFAULT_PORT;
	s->any_host = a[NEXUS_ATTR_SHARE_ANY_HOST] && nla_get_u8(a[NEXUS_ATTR_SHARE_ANY_HOST]);
	s->addr = a[NEXUS_ATTR_SHARE_ADDR] ? nla_data(a[NEXUS_ATTR_SHARE_ADDR]) : "0.0.0.0";
	if (!*s->addr) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NEXUS_ATTR_SHARE_ADDR],
				    "share address is empty");
		return false;
	}
	if (!nexus_nl_text_ok(s->addr, false)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NEXUS_ATTR_SHARE_ADDR],
				    "a share address is printable ASCII, no spaces");
		return false;
	}
	return true;
}

/* A clone of the snapshot NEXUS_ATTR_REPLICA_PARENT: its size, thin.  pool->lock held. */
static int nexus_nl_clone_args(struct genl_info *info, struct nexus_pool *pool,
			       struct nexus_replica_create *args)
{
	struct nlattr *from = info->attrs[NEXUS_ATTR_REPLICA_PARENT];
	struct nexus_replica *snap = nexus_replica_find(pool, nla_data(from));

	if (!snap) {
		NL_SET_ERR_MSG_ATTR(info->extack, from, "no such snapshot in the pool");
		return -ENOENT;
	}
	if (!snap->snapshot) {
		NL_SET_ERR_MSG_ATTR(info->extack, from,
				    "clones are made from snapshots: snapshot the replica first");
		return -EINVAL;
	}
	if (info->attrs[NEXUS_ATTR_REPLICA_SIZE] && args->size != snap->size) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_REPLICA_SIZE],
				    "a clone has its snapshot's size: resize it afterwards");
		return -EINVAL;
	}
	args->size = snap->size;
	args->thin = true;
	args->source = snap;
	return 0;
}

/*
 * Make a replica or snapshot with @make in the pool the request names,
 * under its pool->lock; announce it and answer with it.
 */
static int nexus_nl_make(struct genl_info *info, struct nexus_replica_create *args, u8 cmd,
			 int (*make)(struct genl_info *info, struct nexus_pool *pool,
				     struct nexus_replica_create *args,
				     struct nexus_replica **out))
{
	struct nexus_replica *r;
	struct nexus_pool *pool;
	int err;

	mutex_lock(&nexus_pools_lock);
	pool = nexus_nl_pool(info);
	err = PTR_ERR_OR_ZERO(pool);
	if (!err) {
		mutex_lock(&pool->lock);
		err = make(info, pool, args, &r);
		if (!err) {
			nexus_nl_notify_replica(r, NEXUS_EVENT_CREATED);
			err = nexus_nl_reply_replica(info, r, cmd);
		}
		mutex_unlock(&pool->lock);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

static int nexus_nl_make_replica(struct genl_info *info, struct nexus_pool *pool,
				 struct nexus_replica_create *args, struct nexus_replica **out)
{
	int err = 0;

	if (info->attrs[NEXUS_ATTR_REPLICA_PARENT])
		err = nexus_nl_clone_args(info, pool, args);
	return err ?: nexus_replica_create(pool, args, out, info->extack);
}

static int nexus_nl_make_snapshot(struct genl_info *info, struct nexus_pool *pool,
				  struct nexus_replica_create *args, struct nexus_replica **out)
{
	struct nlattr *from = info->attrs[NEXUS_ATTR_REPLICA_PARENT];
	struct nexus_replica *origin = nexus_replica_find(pool, nla_data(from));

	if (!origin) {
		NL_SET_ERR_MSG_ATTR(info->extack, from, "no such replica in the pool");
		return -ENOENT;
	}
	return nexus_snapshot_create(origin, args, out, info->extack);
}

int nexus_nl_replica_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_replica_settings settings = {};
	struct nexus_replica_create args = { .settings = &settings };
	struct nlattr **a = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_NAME) ||
	    (!a[NEXUS_ATTR_REPLICA_PARENT] && GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_SIZE)) ||
	    !nexus_nl_name_ok(info, NEXUS_ATTR_REPLICA_NAME) ||
	    !nexus_nl_share(info, &settings))
		return -EINVAL;
	args.name = nla_data(a[NEXUS_ATTR_REPLICA_NAME]);
	if (a[NEXUS_ATTR_REPLICA_SIZE])
		args.size = nla_get_u64(a[NEXUS_ATTR_REPLICA_SIZE]);
	args.thin = a[NEXUS_ATTR_REPLICA_THIN] && nla_get_u8(a[NEXUS_ATTR_REPLICA_THIN]);
	if (a[NEXUS_ATTR_REPLICA_PARENT] && a[NEXUS_ATTR_REPLICA_THIN] && !args.thin) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NEXUS_ATTR_REPLICA_THIN], "clones are thin");
		return -EINVAL;
	}
	if (a[NEXUS_ATTR_REPLICA_UUID])
		args.uuid = nla_data(a[NEXUS_ATTR_REPLICA_UUID]);
	err = nexus_nl_entries(info, &settings);
	if (err)
		return err;
	err = nexus_nl_make(info, &args, NEXUS_CMD_REPLICA_CREATE, nexus_nl_make_replica);
	kfree(settings.entries);
	return err;
}

int nexus_nl_snapshot_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_replica_settings settings = {};
	struct nexus_replica_create args = { .settings = &settings };
	struct nlattr **a = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_PARENT) ||
	    !nexus_nl_name_ok(info, NEXUS_ATTR_REPLICA_NAME))
		return -EINVAL;
	if (a[NEXUS_ATTR_REPLICA_SIZE] || a[NEXUS_ATTR_REPLICA_THIN] || a[NEXUS_ATTR_SHARE_PROTO] ||
	    a[NEXUS_ATTR_SHARE_ADDR] || a[NEXUS_ATTR_SHARE_PORT] || a[NEXUS_ATTR_SHARE_ANY_HOST] ||
	    a[NEXUS_ATTR_REPLICA_HOSTS]) {
		NL_SET_ERR_MSG(info->extack,
			       "a snapshot takes its origin's size and type, and is not shared");
		return -EINVAL;
	}
	args.name = nla_data(a[NEXUS_ATTR_REPLICA_NAME]);
	if (a[NEXUS_ATTR_REPLICA_UUID])
		args.uuid = nla_data(a[NEXUS_ATTR_REPLICA_UUID]);
	err = nexus_nl_entries(info, &settings);
	if (err)
		return err;
	err = nexus_nl_make(info, &args, NEXUS_CMD_SNAPSHOT_CREATE, nexus_nl_make_snapshot);
	kfree(settings.entries);
	return err;
}

int nexus_nl_replica_destroy_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_nl_gone gone = {};
	struct nexus_replica *r;
	struct nexus_pool *pool;
	int err;

	mutex_lock(&nexus_pools_lock);
	r = nexus_nl_replica(info);
	err = PTR_ERR_OR_ZERO(r);
	if (!err) {
		pool = r->pool;
		strscpy(gone.pool, pool->name, sizeof(gone.pool));
		strscpy(gone.replica, r->name, sizeof(gone.replica));
		gone.uuid = r->uuid;
		err = nexus_replica_destroy(r, info->extack);
		if (!err)
			nexus_nl_notify_gone(&gone, NEXUS_EVENT_DESTROYED);
		mutex_unlock(&pool->lock);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_replica_resize_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_replica *r;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REPLICA_SIZE))
		return -EINVAL;
	mutex_lock(&nexus_pools_lock);
	r = nexus_nl_replica(info);
	err = PTR_ERR_OR_ZERO(r);
	if (!err) {
		err = nexus_replica_resize(r, nla_get_u64(info->attrs[NEXUS_ATTR_REPLICA_SIZE]),
					   info->extack);
		if (!err) {
			nexus_nl_notify_replica(r, NEXUS_EVENT_RESIZED);
			err = nexus_nl_reply_replica(info, r, NEXUS_CMD_REPLICA_RESIZE);
		}
		mutex_unlock(&r->pool->lock);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

int nexus_nl_replica_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_replica_settings settings = {};
	struct nexus_replica *r;
	int err;

	struct nlattr *expose = info->attrs[NEXUS_ATTR_REPLICA_EXPOSE];

	if (!nexus_nl_share(info, &settings))
		return -EINVAL;
	err = nexus_nl_entries(info, &settings);
	if (err)
		return err;
	if (!settings.share && !settings.blob && !expose) {
		NL_SET_ERR_MSG(info->extack, "no setting given");
		return -EINVAL;
	}
	mutex_lock(&nexus_pools_lock);
	r = nexus_nl_replica(info);
	err = PTR_ERR_OR_ZERO(r);
	if (!err) {
		if (expose)
			err = nexus_replica_expose(r, nla_get_u8(expose), info->extack);
		if (!err && (settings.share || settings.blob))
			err = nexus_replica_set(r, &settings, info->extack);
		if (!err) {
			nexus_nl_notify_replica(r, NEXUS_EVENT_CHANGED);
			err = nexus_nl_reply_replica(info, r, NEXUS_CMD_REPLICA_SET);
		}
		mutex_unlock(&r->pool->lock);
	}
	mutex_unlock(&nexus_pools_lock);
	kfree(settings.entries);
	return err;
}

int nexus_nl_replica_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_replica *r;
	int err;

	mutex_lock(&nexus_pools_lock);
	r = nexus_nl_replica(info);
	err = PTR_ERR_OR_ZERO(r);
	if (!err) {
		err = nexus_nl_reply_replica(info, r, NEXUS_CMD_REPLICA_GET);
		mutex_unlock(&r->pool->lock);
	}
	mutex_unlock(&nexus_pools_lock);
	return err;
}

/* All replicas, of the pool NEXUS_ATTR_POOL_NAME if given. */
int nexus_nl_replica_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *only = nexus_dump_attrs(cb)[NEXUS_ATTR_POOL_NAME];
	struct nexus_replica *r;
	struct nexus_pool *pool;
	bool full = false;
	long i = 0;

	mutex_lock(&nexus_pools_lock);
	list_for_each_entry(pool, &nexus_pools, node) {
		if (only && strcmp(pool->name, nla_data(only)))
			continue;
		mutex_lock(&pool->lock);
		list_for_each_entry(r, &pool->replicas, node) {
			void *hdr;

			if (i < cb->args[0]) {
				i++;
				continue;
			}
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					  &nexus_genl_family, NLM_F_MULTI, NEXUS_CMD_REPLICA_GET);
			if (!hdr || nexus_nl_put_replica(skb, r)) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				full = true;
				break;
			}
			genlmsg_end(skb, hdr);
			i++;
		}
		mutex_unlock(&pool->lock);
		if (full)
			break;
	}
	mutex_unlock(&nexus_pools_lock);
	/* A replica that does not fit in an empty message never will. */
	if (full && i == cb->args[0] && !skb->len)
		return -EMSGSIZE;
	cb->args[0] = i;
	return skb->len;
}
