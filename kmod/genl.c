// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "nexus": its commands, their attribute
 * policies and the "events" multicast group.  include/nexus_netlink.h has
 * the numbers, docs/netlink.md the description users read.
 *
 * Validation: resv_start_op is 0, so the genl core validates every command
 * strictly against its policy (unknown or malformed attributes, trailing
 * bytes, flags it does not know), and a command without a policy refuses
 * any attribute.  Every error a handler returns carries an extack message;
 * the policies of commands that take attributes live with the code that
 * owns those attributes (config.c: nexus_config_policy).
 *
 * Permissions: commands that change state carry GENL_ADMIN_PERM: the genl
 * core checks CAP_NET_ADMIN in the initial user namespace
 * (netlink_capable()) before the handler runs, so root inside a user
 * namespace is refused too.  Commands that only read, and the events group,
 * are open to every user, as `ip link show` is.
 *
 * Locking: the family runs with parallel_ops, so the global genl mutex does
 * not serialise its commands; each object a command touches has its own
 * lock (config.c: nexus_config_lock).
 */
#include <net/genetlink.h>

#include "nexus.h"

static const struct genl_multicast_group nexus_genl_mcgrps[] = {
	[NEXUS_MCGRP_EVENTS] = { .name = NEXUS_GENL_MCGRP_EVENTS },
};

/*
 * Start a reply to @info.  On failure the extack says why and NULL is
 * returned; the caller returns -ENOMEM.
 */
struct sk_buff *nexus_nl_reply_new(struct genl_info *info, u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG(info->extack, "out of memory for the reply");
		return NULL;
	}
	*hdr = genlmsg_put_reply(msg, info, &nexus_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG(info->extack, "no room for the reply's header");
		return NULL;
	}
	return msg;
}

/* A reply whose attributes did not fit: that is a module bug. */
int nexus_nl_reply_overflow(struct sk_buff *msg, struct genl_info *info)
{
	nlmsg_free(msg);
	NL_SET_ERR_MSG(info->extack, "reply does not fit in a netlink message");
	return -EMSGSIZE;
}

/* Finish and send a reply (consumed, whatever happens). */
int nexus_nl_reply_send(struct sk_buff *msg, void *hdr, struct genl_info *info)
{
	int err;

	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	if (err)
		NL_SET_ERR_MSG(info->extack, "cannot deliver the reply");
	return err;
}

/* Start an event message; NULL if nobody listens or there is no memory. */
struct sk_buff *nexus_nl_event_new(u8 cmd, u8 event, void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&nexus_genl_family, &init_net, NEXUS_MCGRP_EVENTS))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &nexus_genl_family, 0, cmd);
	if (!*hdr || nla_put_u8(msg, NEXUS_ATTR_EVENT, event)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void nexus_nl_event_send(struct sk_buff *msg, void *hdr, int err)
{
	if (err) {
		nlmsg_free(msg);
		pr_warn_ratelimited("event lost: does not fit in a message\n");
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&nexus_genl_family, msg, 0, NEXUS_MCGRP_EVENTS, GFP_KERNEL);
}

/* Is the name in @attr one pools, replicas and nexuses may have? */
bool nexus_nl_name_ok(struct genl_info *info, int attr)
{
	const char *name = nla_data(info->attrs[attr]);

	if (nexus_fmt_name_valid(name, strlen(name)))
		return true;
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
			    "names are 1 to 63 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
	return false;
}

/*
 * Is @s, a string of a request that nexusctl shows back (a pool's device
 * path, a child's path or URI, a share address, a host NQN, a property),
 * printable ASCII, spaces allowed or not?  Not the kernel's isgraph():
 * its table takes Latin-1 letters for printable, and what is shown back
 * must be valid UTF-8 (JSON) and must not drive a terminal.
 */
bool nexus_nl_text_ok(const char *s, bool spaces)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c > 0x7e || c < 0x20 || (c == ' ' && !spaces))
			return false;
	}
	return true;
}

static int nexus_nl_put_config(struct sk_buff *msg,
			       const struct nexus_config *cfg)
{
	if (nla_put_u32(msg, NEXUS_ATTR_IO_TIMEOUT_MS, cfg->io_timeout_ms) ||
	    nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MIN, cfg->rebuild_rate_min) ||
	    nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MAX, cfg->rebuild_rate_max))
		return -EMSGSIZE;
	return 0;
}

static int nexus_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_reply_new(info, NEXUS_CMD_INFO_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, NEXUS_ATTR_VERSION, NEXUS_VERSION) ||
	    nla_put_u32(msg, NEXUS_ATTR_API_VERSION, NEXUS_GENL_VERSION) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_FEATURES, NEXUS_FEATURES,
			      NEXUS_ATTR_PAD))
		return nexus_nl_reply_overflow(msg, info);
	return nexus_nl_reply_send(msg, hdr, info);
}

static int nexus_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_config cfg;
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_reply_new(info, NEXUS_CMD_CONFIG_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	nexus_config_get(&cfg);
	if (nexus_nl_put_config(msg, &cfg))
		return nexus_nl_reply_overflow(msg, info);
	return nexus_nl_reply_send(msg, hdr, info);
}

/* Tell the events group that the settings changed; best effort. */
static void nexus_nl_notify_config(const struct nexus_config *cfg)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&nexus_genl_family, &init_net, NEXUS_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out_lost;
	hdr = genlmsg_put(msg, 0, 0, &nexus_genl_family, 0, NEXUS_CMD_CONFIG_NTF);
	if (!hdr || nexus_nl_put_config(msg, cfg))
		goto out_free_msg;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&nexus_genl_family, msg, 0, NEXUS_MCGRP_EVENTS,
			  GFP_KERNEL);
	return;

out_free_msg:
	nlmsg_free(msg);
out_lost:
	pr_warn_ratelimited("settings-changed event lost: cannot build it\n");
}

static int nexus_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_config_update(info->attrs, info->extack,
				   nexus_nl_notify_config);
}

static const struct genl_ops nexus_genl_ops[] = {
	{
		.cmd = NEXUS_CMD_INFO_GET,
		.doit = nexus_nl_info_get_doit,
	},
	{
		.cmd = NEXUS_CMD_CONFIG_GET,
		.doit = nexus_nl_config_get_doit,
	},
	{
		.cmd = NEXUS_CMD_CONFIG_SET,
		.doit = nexus_nl_config_set_doit,
		.policy = nexus_config_policy,
		.maxattr = NEXUS_ATTR_MAX,
		.flags = GENL_ADMIN_PERM,
	},
#define NEXUS_OP(c, d, p)						\
	{ .cmd = (c), .doit = (d), .policy = (p), .maxattr = NEXUS_ATTR_MAX,	\
	  .flags = GENL_ADMIN_PERM }
	NEXUS_OP(NEXUS_CMD_POOL_CREATE, nexus_nl_pool_create_doit, nexus_pool_policy),
	NEXUS_OP(NEXUS_CMD_POOL_IMPORT, nexus_nl_pool_import_doit, nexus_pool_policy),
	NEXUS_OP(NEXUS_CMD_POOL_EXPORT, nexus_nl_pool_export_doit, nexus_pool_policy),
	NEXUS_OP(NEXUS_CMD_POOL_DESTROY, nexus_nl_pool_destroy_doit, nexus_pool_policy),
	{
		.cmd = NEXUS_CMD_POOL_GET,
		.doit = nexus_nl_pool_get_doit,
		.dumpit = nexus_nl_pool_get_dumpit,
		.policy = nexus_pool_policy,
		.maxattr = NEXUS_ATTR_MAX,
	},
	NEXUS_OP(NEXUS_CMD_REPLICA_CREATE, nexus_nl_replica_create_doit, nexus_replica_policy),
	NEXUS_OP(NEXUS_CMD_REPLICA_DESTROY, nexus_nl_replica_destroy_doit, nexus_replica_policy),
	NEXUS_OP(NEXUS_CMD_REPLICA_RESIZE, nexus_nl_replica_resize_doit, nexus_replica_policy),
	NEXUS_OP(NEXUS_CMD_REPLICA_SET, nexus_nl_replica_set_doit, nexus_replica_policy),
	NEXUS_OP(NEXUS_CMD_SNAPSHOT_CREATE, nexus_nl_snapshot_create_doit, nexus_replica_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_CREATE, nexus_nl_vol_create_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_ASSEMBLE, nexus_nl_vol_assemble_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_STOP, nexus_nl_vol_stop_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_DESTROY, nexus_nl_vol_destroy_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_SET, nexus_nl_vol_set_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_CHILD_ADD, nexus_nl_child_add_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_CHILD_REMOVE, nexus_nl_child_remove_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_CHILD_FAULT, nexus_nl_child_fault_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_CHILD_ONLINE, nexus_nl_child_online_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_REBUILD, nexus_nl_rebuild_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_VERIFY, nexus_nl_verify_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_FREEZE, nexus_nl_freeze_doit, nexus_vol_policy),
	NEXUS_OP(NEXUS_CMD_NEXUS_THAW, nexus_nl_thaw_doit, nexus_vol_policy),
#undef NEXUS_OP
	{
		.cmd = NEXUS_CMD_REPLICA_GET,
		.doit = nexus_nl_replica_get_doit,
		.dumpit = nexus_nl_replica_get_dumpit,
		.policy = nexus_replica_policy,
		.maxattr = NEXUS_ATTR_MAX,
	},
	{
		.cmd = NEXUS_CMD_NEXUS_GET,
		.doit = nexus_nl_vol_get_doit,
		.dumpit = nexus_nl_vol_get_dumpit,
		.policy = nexus_vol_policy,
		.maxattr = NEXUS_ATTR_MAX,
	},
};

struct genl_family nexus_genl_family __ro_after_init = {
	.name = NEXUS_GENL_NAME,
	.version = NEXUS_GENL_VERSION,
	.maxattr = NEXUS_ATTR_MAX,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = nexus_genl_ops,
	.n_ops = ARRAY_SIZE(nexus_genl_ops),
	.mcgrps = nexus_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nexus_genl_mcgrps),
};

int __init nexus_genl_init(void)
{
	return genl_register_family(&nexus_genl_family);
}

void nexus_genl_exit(void)
{
	genl_unregister_family(&nexus_genl_family);
}
