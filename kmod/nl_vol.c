// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink commands for nexuses and their children: attribute
 * policies, the checks policies cannot express, replies, dumps, events.
 * include/nexus_netlink.h has the numbers, docs/netlink.md the contract.
 *
 * Locking: every command takes nexus_vols_lock to find its nexus, and a
 * command on a nexus takes vol->lock after it; the IO path takes neither.
 */
#include <linux/slab.h>

#include "nexus.h"

static struct netlink_range_validation nexus_chunk_range = {
	.min = 1ULL << NEXUS_BITMAP_CHUNK_SHIFT_MIN,
	.max = 1ULL << NEXUS_BITMAP_CHUNK_SHIFT_MAX,
};

static struct netlink_range_validation nexus_freeze_timeout_range = {
	.min = NEXUS_FREEZE_TIMEOUT_MS_MIN,
	.max = NEXUS_FREEZE_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation nexus_vol_size_range = {
	.min = 4096,
	.max = NEXUS_MAX_VOLUME_BYTES,
};

static const struct nla_policy nexus_child_policy[NEXUS_CHILD_ATTR_MAX + 1] = {
	[NEXUS_CHILD_ATTR_UUID] = NLA_POLICY_EXACT_LEN(16),
	[NEXUS_CHILD_ATTR_PATH] = { .type = NLA_NUL_STRING, .len = NEXUS_PATH_LEN - 1 },
	[NEXUS_CHILD_ATTR_URI] = { .type = NLA_NUL_STRING, .len = NEXUS_URI_LEN - 1 },
	[NEXUS_CHILD_ATTR_LOCAL] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* NEXUS_ATTR_CHILDREN holds NEXUS_ATTR_CHILD entries. */
static const struct nla_policy nexus_child_list_policy[NEXUS_ATTR_CHILD + 1] = {
	[NEXUS_ATTR_CHILD] = NLA_POLICY_NESTED(nexus_child_policy),
};

const struct nla_policy nexus_vol_policy[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_NEXUS_NAME] = { .type = NLA_NUL_STRING, .len = NEXUS_NAME_LEN - 1 },
	[NEXUS_ATTR_NEXUS_UUID] = NLA_POLICY_EXACT_LEN(16),
	[NEXUS_ATTR_NEXUS_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64, &nexus_vol_size_range),
	[NEXUS_ATTR_BITMAP_CHUNK] = NLA_POLICY_FULL_RANGE(NLA_U64, &nexus_chunk_range),
	[NEXUS_ATTR_READ_POLICY] = NLA_POLICY_MAX(NLA_U8, __NEXUS_READ_POLICY_MAX - 1),
	[NEXUS_ATTR_CHILDREN] = NLA_POLICY_NESTED(nexus_child_list_policy),
	[NEXUS_ATTR_CHILD] = NLA_POLICY_NESTED(nexus_child_policy),
	[NEXUS_ATTR_CHILD_UUID] = NLA_POLICY_EXACT_LEN(16),
	[NEXUS_ATTR_FORCE] = { .type = NLA_FLAG },
	[NEXUS_ATTR_IO_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &nexus_io_timeout_range),
	[NEXUS_ATTR_REBUILD_RATE_MIN] = { .type = NLA_U32 },
	[NEXUS_ATTR_REBUILD_RATE_MAX] = { .type = NLA_U32 },
	[NEXUS_ATTR_REBUILD_ACTION] = NLA_POLICY_RANGE(NLA_U8, NEXUS_REBUILD_PAUSE,
						       NEXUS_REBUILD_STOP),
	[NEXUS_ATTR_VERIFY_REPAIR] = NLA_POLICY_MAX(NLA_U8, 1),
	[NEXUS_ATTR_FREEZE_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nexus_freeze_timeout_range),
};

/* Fills. */

static int nexus_nl_put_stats(struct sk_buff *msg, int attr, struct nexus_stats __percpu *pcpu,
			      u64 inflight)
{
	struct nexus_stats s;
	struct nlattr *nest;

	nexus_stats_sum(pcpu, &s);
	nest = nla_nest_start(msg, attr);
	if (!nest ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_READ_OPS, s.read_ops, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_READ_BYTES, s.read_bytes, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_READ_NS, s.read_ns, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_WRITE_OPS, s.write_ops, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_WRITE_BYTES, s.write_bytes, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_WRITE_NS, s.write_ns, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_FLUSH_OPS, s.flush_ops, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_DISCARD_OPS, s.discard_ops, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_DISCARD_BYTES, s.discard_bytes, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_ERRORS, s.errors, NEXUS_STAT_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_STAT_INFLIGHT, inflight, NEXUS_STAT_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* @child's attributes in a NEXUS_ATTR_CHILD nest. */
static int nexus_nl_put_child(struct sk_buff *msg, struct nexus_child *c)
{
	struct nexus_vol *vol = c->vol;
	u64 done, total, copied;
	bool paused, partial;
	struct nlattr *nest;
	u8 state, reason;

	spin_lock_irq(&vol->state_lock);
	state = c->state;
	reason = c->reason;
	spin_unlock_irq(&vol->state_lock);
	nexus_rebuild_progress(c, &done, &total, &copied, &paused, &partial);
	nest = nla_nest_start(msg, NEXUS_ATTR_CHILD);
	if (!nest ||
	    nla_put(msg, NEXUS_CHILD_ATTR_UUID, 16, &c->uuid) ||
	    nla_put_string(msg, NEXUS_CHILD_ATTR_PATH, c->path) ||
	    nla_put_string(msg, NEXUS_CHILD_ATTR_URI, c->uri) ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_LOCAL, c->local) ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_STATE, state) ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_REASON, reason) ||
	    nla_put_u64_64bit(msg, NEXUS_CHILD_ATTR_REBUILD_DONE, done, NEXUS_CHILD_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_CHILD_ATTR_REBUILD_TOTAL, total, NEXUS_CHILD_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_CHILD_ATTR_REBUILD_COPIED, copied,
			      NEXUS_CHILD_ATTR_PAD) ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_REBUILD_PAUSED, paused) ||
	    nla_put_u8(msg, NEXUS_CHILD_ATTR_REBUILD_PARTIAL, partial) ||
	    nexus_nl_put_stats(msg, NEXUS_CHILD_ATTR_STATS, c->stats, atomic_read(&c->inflight)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int nexus_nl_put_vol(struct sk_buff *msg, struct nexus_vol *vol)
{
	u64 inflight = 0, frozen_until;
	struct nlattr *nest;
	unsigned int slot;

	lockdep_assert_held(&vol->lock);
	frozen_until = nexus_vol_frozen_until(vol);
	if (frozen_until && nla_put_u64_64bit(msg, NEXUS_ATTR_NEXUS_FROZEN_UNTIL, frozen_until,
					      NEXUS_ATTR_PAD))
		return -EMSGSIZE;
	if (nla_put_string(msg, NEXUS_ATTR_NEXUS_NAME, vol->name) ||
	    nla_put(msg, NEXUS_ATTR_NEXUS_UUID, 16, &vol->uuid) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_NEXUS_SIZE, vol->size, NEXUS_ATTR_PAD) ||
	    (vol->disk && nla_put_string(msg, NEXUS_ATTR_NEXUS_DEVICE, vol->disk->disk_name)) ||
	    nla_put_u8(msg, NEXUS_ATTR_NEXUS_STATE, nexus_vol_state(vol)) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_BITMAP_CHUNK, 1ULL << vol->bm.chunk_shift,
			      NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_BITMAP_DIRTY, nexus_bitmap_dirty(vol),
			      NEXUS_ATTR_PAD) ||
	    nla_put_u8(msg, NEXUS_ATTR_READ_POLICY, READ_ONCE(vol->read_policy)) ||
	    nla_put_u32(msg, NEXUS_ATTR_IO_TIMEOUT_MS, READ_ONCE(vol->io_timeout_ms)) ||
	    nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MIN, READ_ONCE(vol->rebuild_rate_min)) ||
	    nla_put_u32(msg, NEXUS_ATTR_REBUILD_RATE_MAX, READ_ONCE(vol->rebuild_rate_max)) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_DATA_OFFSET, (u64)vol->data_offset << SECTOR_SHIFT,
			      NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_LABEL_EVENT, READ_ONCE(vol->event),
			      NEXUS_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, NEXUS_ATTR_POOL_CREATED, vol->created, NEXUS_ATTR_PAD))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, NEXUS_ATTR_CHILDREN);
	if (!nest)
		return -EMSGSIZE;
	for (slot = 0; slot < NEXUS_MAX_CHILDREN; slot++) {
		struct nexus_child *c = rcu_dereference_protected(vol->children[slot],
								  lockdep_is_held(&vol->lock));

		if (!c)
			continue;
		inflight += atomic_read(&c->inflight);
		if (nexus_nl_put_child(msg, c))
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	if (nexus_verify_put(msg, vol))
		return -EMSGSIZE;
	return nexus_nl_put_stats(msg, NEXUS_ATTR_STATS, vol->stats, inflight);
}

/* Tell the events group about @vol and, if given, which child. */
void nexus_nl_vol_notify(struct nexus_vol *vol, u8 event, struct nexus_child *child)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_event_new(NEXUS_CMD_NEXUS_NTF, event, &hdr);
	if (!msg)
		return;
	nexus_nl_event_send(msg, hdr,
			    nla_put_string(msg, NEXUS_ATTR_NEXUS_NAME, vol->name) ||
			    nla_put(msg, NEXUS_ATTR_NEXUS_UUID, 16, &vol->uuid) ||
			    nla_put_u8(msg, NEXUS_ATTR_NEXUS_STATE, nexus_vol_state(vol)) ||
			    (child && nexus_nl_put_child(msg, child)) ||
			    (event == NEXUS_EVENT_VERIFY_DONE && nexus_verify_put(msg, vol)));
}

static int nexus_nl_reply_vol(struct genl_info *info, struct nexus_vol *vol, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = nexus_nl_reply_new(info, cmd, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nexus_nl_put_vol(msg, vol))
		return nexus_nl_reply_overflow(msg, info);
	return nexus_nl_reply_send(msg, hdr, info);
}

/* Requests. */

static struct nexus_vol *nexus_nl_vol(struct genl_info *info)
{
	struct nexus_vol *vol;

	lockdep_assert_held(&nexus_vols_lock);
	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_NEXUS_NAME))
		return ERR_PTR(-EINVAL);
	vol = nexus_vol_find(nla_data(info->attrs[NEXUS_ATTR_NEXUS_NAME]));
	if (!vol) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_NEXUS_NAME],
				    "no such nexus");
		return ERR_PTR(-ENOENT);
	}
	return vol;
}

/* The child a command is about, by NEXUS_ATTR_CHILD_UUID.  Under vol->lock. */
static struct nexus_child *nexus_nl_child(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child *c;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_CHILD_UUID))
		return ERR_PTR(-EINVAL);
	c = nexus_child_find(vol, nla_data(info->attrs[NEXUS_ATTR_CHILD_UUID]));
	if (!c) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_CHILD_UUID],
				    "the nexus has no such child");
		return ERR_PTR(-ENOENT);
	}
	return c;
}

/* One NEXUS_ATTR_CHILD nest (already validated) as a spec. */
static int nexus_nl_child_spec(struct nlattr *nest, struct nexus_child_spec *spec,
			       bool need_path, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NEXUS_CHILD_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NEXUS_CHILD_ATTR_MAX, nest, nexus_child_policy, extack);
	if (err)
		return err;
	memset(spec, 0, sizeof(*spec));
	if (need_path && !tb[NEXUS_CHILD_ATTR_PATH]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a child needs the path of its device");
		return -EINVAL;
	}
	if (tb[NEXUS_CHILD_ATTR_PATH])
		spec->path = nla_data(tb[NEXUS_CHILD_ATTR_PATH]);
	if (tb[NEXUS_CHILD_ATTR_URI])
		spec->uri = nla_data(tb[NEXUS_CHILD_ATTR_URI]);
	if ((spec->path && !nexus_nl_text_ok(spec->path, false)) ||
	    (spec->uri && !nexus_nl_text_ok(spec->uri, false))) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a child's path and URI are printable ASCII, no spaces");
		return -EINVAL;
	}
	if (tb[NEXUS_CHILD_ATTR_UUID])
		spec->uuid = nla_data(tb[NEXUS_CHILD_ATTR_UUID]);
	if (tb[NEXUS_CHILD_ATTR_LOCAL])
		spec->local = nla_get_u8(tb[NEXUS_CHILD_ATTR_LOCAL]);
	return 0;
}

/* The NEXUS_ATTR_CHILDREN list as specs; kfree *specs. */
static int nexus_nl_child_specs(struct genl_info *info, struct nexus_child_spec **specs,
				unsigned int *nr)
{
	struct nlattr *list = info->attrs[NEXUS_ATTR_CHILDREN], *nla;
	unsigned int n = 0;
	int rem, err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_CHILDREN))
		return -EINVAL;
	nla_for_each_nested(nla, list, rem)
		n++;
	if (!n || n > NEXUS_MAX_CHILDREN) {
		NL_SET_ERR_MSG_ATTR(info->extack, list, "a nexus has 1 to 16 children");
		return -EINVAL;
	}
	*specs = kcalloc(n, sizeof(**specs), GFP_KERNEL);
	if (!*specs)
		return -ENOMEM;
	n = 0;
	nla_for_each_nested(nla, list, rem) {
		if (nla_type(nla) != NEXUS_ATTR_CHILD)
			continue;
		err = nexus_nl_child_spec(nla, &(*specs)[n++], true, info->extack);
		if (err) {
			kfree(*specs);
			return err;
		}
	}
	*nr = n;
	return 0;
}

int nexus_nl_vol_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_vol_create args = {
		.chunk_shift = NEXUS_BITMAP_CHUNK_SHIFT_DEFAULT,
	};
	struct nexus_child_spec *specs;
	struct nexus_vol *vol;
	unsigned int i, nr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_NEXUS_NAME) ||
	    !nexus_nl_name_ok(info, NEXUS_ATTR_NEXUS_NAME))
		return -EINVAL;
	args.name = nla_data(info->attrs[NEXUS_ATTR_NEXUS_NAME]);
	if (info->attrs[NEXUS_ATTR_NEXUS_UUID])
		args.uuid = nla_data(info->attrs[NEXUS_ATTR_NEXUS_UUID]);
	if (info->attrs[NEXUS_ATTR_NEXUS_SIZE]) {
		args.size = nla_get_u64(info->attrs[NEXUS_ATTR_NEXUS_SIZE]);
		if (args.size % 4096) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_NEXUS_SIZE],
					    "the size must be a multiple of 4 KiB");
			return -EINVAL;
		}
	}
	if (info->attrs[NEXUS_ATTR_BITMAP_CHUNK]) {
		u64 chunk = nla_get_u64(info->attrs[NEXUS_ATTR_BITMAP_CHUNK]);

		if (!is_power_of_2(chunk)) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NEXUS_ATTR_BITMAP_CHUNK],
					    "the bitmap chunk must be a power of two");
			return -EINVAL;
		}
		args.chunk_shift = ilog2(chunk);
	}
	if (info->attrs[NEXUS_ATTR_READ_POLICY])
		args.read_policy = nla_get_u8(info->attrs[NEXUS_ATTR_READ_POLICY]);
	if (info->attrs[NEXUS_ATTR_IO_TIMEOUT_MS])
		args.io_timeout_ms = nla_get_u32(info->attrs[NEXUS_ATTR_IO_TIMEOUT_MS]);
	args.force = nla_get_flag(info->attrs[NEXUS_ATTR_FORCE]);
	err = nexus_nl_child_specs(info, &specs, &nr);
	if (err)
		return err;
	for (i = 0; i < nr; i++)
		specs[i].force = args.force;
	err = nexus_vol_create(&args, specs, nr, info->extack);
	kfree(specs);
	if (err)
		return err;
	mutex_lock(&nexus_vols_lock);
	vol = nexus_vol_find(args.name);
	if (vol) {
		mutex_lock(&vol->lock);
		nexus_nl_vol_notify(vol, NEXUS_EVENT_CREATED, NULL);
		err = nexus_nl_reply_vol(info, vol, NEXUS_CMD_NEXUS_CREATE);
		mutex_unlock(&vol->lock);
	}
	mutex_unlock(&nexus_vols_lock);
	return err;
}

int nexus_nl_vol_assemble_doit(struct sk_buff *skb, struct genl_info *info)
{
	char assembled[NEXUS_NAME_LEN];
	struct nexus_child_spec *specs;
	const char *name = NULL;
	struct nexus_vol *vol;
	unsigned int nr;
	int err;

	if (info->attrs[NEXUS_ATTR_NEXUS_NAME]) {
		if (!nexus_nl_name_ok(info, NEXUS_ATTR_NEXUS_NAME))
			return -EINVAL;
		name = nla_data(info->attrs[NEXUS_ATTR_NEXUS_NAME]);
	}
	err = nexus_nl_child_specs(info, &specs, &nr);
	if (err)
		return err;
	err = nexus_vol_assemble(name, specs, nr, assembled, info->extack);
	kfree(specs);
	if (err)
		return err;
	mutex_lock(&nexus_vols_lock);
	vol = nexus_vol_find(assembled);
	if (vol) {
		mutex_lock(&vol->lock);
		err = nexus_nl_reply_vol(info, vol, NEXUS_CMD_NEXUS_ASSEMBLE);
		mutex_unlock(&vol->lock);
	}
	mutex_unlock(&nexus_vols_lock);
	return err;
}

static int nexus_nl_vol_stop_common(struct genl_info *info, bool wipe)
{
	struct nexus_vol *vol;
	int err;

	mutex_lock(&nexus_vols_lock);
	vol = nexus_nl_vol(info);
	err = IS_ERR(vol) ? PTR_ERR(vol) : nexus_vol_stop(vol, wipe, info->extack);
	mutex_unlock(&nexus_vols_lock);
	return err;
}

int nexus_nl_vol_stop_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_stop_common(info, false);
}

int nexus_nl_vol_destroy_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_stop_common(info, true);
}

int nexus_nl_vol_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct nexus_vol *vol;
	int err = 0;

	mutex_lock(&nexus_vols_lock);
	vol = nexus_nl_vol(info);
	if (IS_ERR(vol)) {
		mutex_unlock(&nexus_vols_lock);
		return PTR_ERR(vol);
	}
	mutex_lock(&vol->lock);
	if (a[NEXUS_ATTR_REBUILD_RATE_MIN] && a[NEXUS_ATTR_REBUILD_RATE_MAX] &&
	    nla_get_u32(a[NEXUS_ATTR_REBUILD_RATE_MAX]) &&
	    nla_get_u32(a[NEXUS_ATTR_REBUILD_RATE_MAX]) <
	    nla_get_u32(a[NEXUS_ATTR_REBUILD_RATE_MIN])) {
		NL_SET_ERR_MSG(info->extack, "the rebuild rate cap is below the minimum rate");
		err = -EINVAL;
		goto out_unlock;
	}
	if (a[NEXUS_ATTR_READ_POLICY])
		WRITE_ONCE(vol->read_policy, nla_get_u8(a[NEXUS_ATTR_READ_POLICY]));
	if (a[NEXUS_ATTR_IO_TIMEOUT_MS])
		WRITE_ONCE(vol->io_timeout_ms, nla_get_u32(a[NEXUS_ATTR_IO_TIMEOUT_MS]));
	if (a[NEXUS_ATTR_REBUILD_RATE_MIN])
		WRITE_ONCE(vol->rebuild_rate_min, nla_get_u32(a[NEXUS_ATTR_REBUILD_RATE_MIN]));
	if (a[NEXUS_ATTR_REBUILD_RATE_MAX])
		WRITE_ONCE(vol->rebuild_rate_max, nla_get_u32(a[NEXUS_ATTR_REBUILD_RATE_MAX]));
	nexus_nl_vol_notify(vol, NEXUS_EVENT_CHANGED, NULL);
	err = nexus_nl_reply_vol(info, vol, NEXUS_CMD_NEXUS_SET);
out_unlock:
	mutex_unlock(&vol->lock);
	mutex_unlock(&nexus_vols_lock);
	return err;
}

int nexus_nl_vol_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nexus_vol *vol;
	int err;

	mutex_lock(&nexus_vols_lock);
	vol = nexus_nl_vol(info);
	if (IS_ERR(vol)) {
		err = PTR_ERR(vol);
	} else {
		mutex_lock(&vol->lock);
		err = nexus_nl_reply_vol(info, vol, NEXUS_CMD_NEXUS_GET);
		mutex_unlock(&vol->lock);
	}
	mutex_unlock(&nexus_vols_lock);
	return err;
}

/* Dumps remember how many nexuses they have sent in cb->args[0]. */
int nexus_nl_vol_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nexus_vol *vol;
	bool full = false;
	long i = 0;

	mutex_lock(&nexus_vols_lock);
	list_for_each_entry(vol, &nexus_vols, node) {
		void *hdr;
		int err;

		if (i < cb->args[0]) {
			i++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &nexus_genl_family, NLM_F_MULTI, NEXUS_CMD_NEXUS_GET);
		err = -EMSGSIZE;
		if (hdr) {
			mutex_lock(&vol->lock);
			err = nexus_nl_put_vol(skb, vol);
			mutex_unlock(&vol->lock);
		}
		if (err) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			full = true;
			break;
		}
		genlmsg_end(skb, hdr);
		i++;
	}
	mutex_unlock(&nexus_vols_lock);
	if (full && i == cb->args[0] && !skb->len)
		return -EMSGSIZE;
	cb->args[0] = i;
	return skb->len;
}

/*
 * Run @fn on the nexus the request names, under its lock, and answer
 * with the nexus as it is afterwards.
 */
static int nexus_nl_vol_op(struct genl_info *info, u8 cmd,
			   int (*fn)(struct genl_info *info, struct nexus_vol *vol))
{
	struct nexus_vol *vol;
	int err;

	mutex_lock(&nexus_vols_lock);
	vol = nexus_nl_vol(info);
	if (IS_ERR(vol)) {
		mutex_unlock(&nexus_vols_lock);
		return PTR_ERR(vol);
	}
	mutex_lock(&vol->lock);
	err = fn(info, vol);
	if (!err)
		err = nexus_nl_reply_vol(info, vol, cmd);
	mutex_unlock(&vol->lock);
	mutex_unlock(&nexus_vols_lock);
	return err;
}

static int nexus_nl_child_add(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child_spec spec;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_CHILD))
		return -EINVAL;
	err = nexus_nl_child_spec(info->attrs[NEXUS_ATTR_CHILD], &spec, true, info->extack);
	if (err)
		return err;
	spec.force = nla_get_flag(info->attrs[NEXUS_ATTR_FORCE]);
	return nexus_child_add(vol, &spec, info->extack);
}

static int nexus_nl_child_remove(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child *c = nexus_nl_child(info, vol);

	if (IS_ERR(c))
		return PTR_ERR(c);
	return nexus_child_remove(vol, c, nla_get_flag(info->attrs[NEXUS_ATTR_FORCE]),
				  info->extack);
}

static int nexus_nl_child_fault(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child *c = nexus_nl_child(info, vol);

	if (IS_ERR(c))
		return PTR_ERR(c);
	return nexus_child_fault_admin(vol, c, info->extack);
}

static int nexus_nl_child_online(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child *c = nexus_nl_child(info, vol);
	struct nexus_child_spec spec;
	int err;

	if (IS_ERR(c))
		return PTR_ERR(c);
	if (!info->attrs[NEXUS_ATTR_CHILD])
		return nexus_child_online(vol, c, NULL, info->extack);
	err = nexus_nl_child_spec(info->attrs[NEXUS_ATTR_CHILD], &spec, false, info->extack);
	if (err)
		return err;
	return nexus_child_online(vol, c, &spec, info->extack);
}

static int nexus_nl_rebuild(struct genl_info *info, struct nexus_vol *vol)
{
	struct nexus_child *c = nexus_nl_child(info, vol);

	if (IS_ERR(c))
		return PTR_ERR(c);
	if (GENL_REQ_ATTR_CHECK(info, NEXUS_ATTR_REBUILD_ACTION))
		return -EINVAL;
	return nexus_rebuild_action(vol, c, nla_get_u8(info->attrs[NEXUS_ATTR_REBUILD_ACTION]),
				    info->extack);
}

/* Start a verify, or stop one (REBUILD_ACTION stop). */
static int nexus_nl_verify(struct genl_info *info, struct nexus_vol *vol)
{
	struct nlattr *action = info->attrs[NEXUS_ATTR_REBUILD_ACTION];

	if (action) {
		if (nla_get_u8(action) != NEXUS_REBUILD_STOP) {
			NL_SET_ERR_MSG_ATTR(info->extack, action, "a verify can only be stopped");
			return -EINVAL;
		}
		nexus_verify_stop(vol, true);
		return 0;
	}
	return nexus_verify_start(vol, info->attrs[NEXUS_ATTR_VERIFY_REPAIR] &&
				  nla_get_u8(info->attrs[NEXUS_ATTR_VERIFY_REPAIR]), info->extack);
}

static int nexus_nl_freeze(struct genl_info *info, struct nexus_vol *vol)
{
	struct nlattr *timeout = info->attrs[NEXUS_ATTR_FREEZE_TIMEOUT_MS];

	return nexus_vol_freeze(vol, timeout ? nla_get_u32(timeout) : 0, info->extack);
}

static int nexus_nl_thaw(struct genl_info *info, struct nexus_vol *vol)
{
	return nexus_vol_thaw(vol, info->extack);
}

int nexus_nl_freeze_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_NEXUS_FREEZE, nexus_nl_freeze);
}

int nexus_nl_thaw_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_NEXUS_THAW, nexus_nl_thaw);
}

int nexus_nl_verify_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_VERIFY, nexus_nl_verify);
}

int nexus_nl_child_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_CHILD_ADD, nexus_nl_child_add);
}

int nexus_nl_child_remove_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_CHILD_REMOVE, nexus_nl_child_remove);
}

int nexus_nl_child_fault_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_CHILD_FAULT, nexus_nl_child_fault);
}

int nexus_nl_child_online_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_CHILD_ONLINE, nexus_nl_child_online);
}

int nexus_nl_rebuild_doit(struct sk_buff *skb, struct genl_info *info)
{
	return nexus_nl_vol_op(info, NEXUS_CMD_REBUILD, nexus_nl_rebuild);
}
