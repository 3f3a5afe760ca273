// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl's netlink session, on libnl-genl-3: resolve the "nexus" family
 * (which makes the kernel load the module on demand), send one request,
 * collect its replies, and keep what the kernel says when it refuses one
 * (its extended ack: message, offending attribute, allowed range).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "nexusctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void nx_err_reset(struct nx_err *err)
{
	memset(err, 0, sizeof(*err));
	err->bad_attr = -1;
	err->missing_attr = -1;
}

int nx_nl_open(struct nx_nl *nl, struct nx_err *err)
{
	int one = 1;
	int ret;

	nx_err_reset(err);
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err->errnum = ENOMEM;
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0)
		goto out_free_sock;
	/* Ask for extended acks: the kernel's reason for a refusal. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	ret = genl_ctrl_resolve(nl->sk, NEXUS_GENL_NAME);
	if (ret < 0)
		goto out_free_sock;
	nl->family = ret;
	return 0;

out_free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	err->errnum = ret == -NLE_OBJ_NOTFOUND ? ENOENT : EIO;
	snprintf(err->msg, sizeof(err->msg), "%s", nl_geterror(ret));
	return ret == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
}

void nx_nl_close(struct nx_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *nx_nl_msg(struct nx_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				NLM_F_ACK, cmd, NEXUS_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* A dump request: the module answers with one message per object. */
struct nl_msg *nx_nl_dump_msg(struct nx_nl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				NLM_F_DUMP, cmd, NEXUS_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/*
 * What the module's replies and events may carry: libnl checks lengths and
 * that strings end within their attribute before a handler reads them.
 */
static struct nla_policy nx_reply_policy[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_VERSION] = { .type = NLA_STRING },
	[NEXUS_ATTR_API_VERSION] = { .type = NLA_U32 },
	[NEXUS_ATTR_FEATURES] = { .type = NLA_U64 },
	[NEXUS_ATTR_IO_TIMEOUT_MS] = { .type = NLA_U32 },
	[NEXUS_ATTR_REBUILD_RATE_MIN] = { .type = NLA_U32 },
	[NEXUS_ATTR_REBUILD_RATE_MAX] = { .type = NLA_U32 },
	[NEXUS_ATTR_POOL_NAME] = { .type = NLA_STRING },
	[NEXUS_ATTR_POOL_UUID] = { .minlen = 16 },
	[NEXUS_ATTR_POOL_DEVICE] = { .type = NLA_STRING },
	[NEXUS_ATTR_POOL_CLUSTER_SIZE] = { .type = NLA_U64 },
	[NEXUS_ATTR_POOL_MAX_REPLICAS] = { .type = NLA_U32 },
	[NEXUS_ATTR_POOL_CAPACITY] = { .type = NLA_U64 },
	[NEXUS_ATTR_POOL_USED] = { .type = NLA_U64 },
	[NEXUS_ATTR_POOL_STATE] = { .type = NLA_U8 },
	[NEXUS_ATTR_POOL_STATE_REASON] = { .type = NLA_STRING },
	[NEXUS_ATTR_POOL_REPLICAS] = { .type = NLA_U32 },
	[NEXUS_ATTR_POOL_MD_BLOCKS] = { .type = NLA_U32 },
	[NEXUS_ATTR_POOL_MD_FREE] = { .type = NLA_U32 },
	[NEXUS_ATTR_POOL_CREATED] = { .type = NLA_U64 },
	[NEXUS_ATTR_REPLICA_NAME] = { .type = NLA_STRING },
	[NEXUS_ATTR_REPLICA_UUID] = { .minlen = 16 },
	[NEXUS_ATTR_REPLICA_SIZE] = { .type = NLA_U64 },
	[NEXUS_ATTR_REPLICA_THIN] = { .type = NLA_U8 },
	[NEXUS_ATTR_REPLICA_ALLOCATED] = { .type = NLA_U64 },
	[NEXUS_ATTR_REPLICA_DEVICE] = { .type = NLA_STRING },
	[NEXUS_ATTR_REPLICA_CREATED] = { .type = NLA_U64 },
	[NEXUS_ATTR_SHARE_PROTO] = { .type = NLA_U8 },
	[NEXUS_ATTR_SHARE_ADDR] = { .type = NLA_STRING },
	[NEXUS_ATTR_SHARE_PORT] = { .type = NLA_U16 },
	[NEXUS_ATTR_SHARE_ANY_HOST] = { .type = NLA_U8 },
	[NEXUS_ATTR_REPLICA_HOSTS] = { .type = NLA_NESTED },
	[NEXUS_ATTR_REPLICA_PROPS] = { .type = NLA_NESTED },
	[NEXUS_ATTR_EVENT] = { .type = NLA_U8 },
};

int nx_nl_parse(struct nl_msg *msg, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, NEXUS_ATTR_MAX, nx_reply_policy);
}

/* State of one request while its answers come in. */
struct nx_request {
	struct nl_msg *msg;	/* the request, to find the offending attribute */
	int family;		/* the module's family id */
	nx_reply_fn fn;
	void *arg;
	struct nx_err *err;
	int fn_err;
	bool done;
};

static int nx_nl_valid(struct nl_msg *msg, void *data)
{
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct nx_request *req = data;
	int ret;

	if (!req->fn)
		return NL_OK;
	ret = nx_nl_parse(msg, tb);
	if (ret < 0) {
		req->fn_err = -EBADMSG;
		return NL_STOP;
	}
	ret = req->fn(tb, genlmsg_hdr(nlmsg_hdr(msg))->cmd, req->arg);
	if (ret < 0) {
		req->fn_err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

/* The ack of a request, or the end of a dump. */
static int nx_nl_ack(struct nl_msg *msg, void *data)
{
	struct nx_request *req = data;

	req->done = true;
	return NL_STOP;
}

/* Which attribute of our request starts @offset bytes into its message? */
static int nx_attr_at(struct nl_msg *msg, uint32_t offset)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, nlh, GENL_HDRLEN, rem) {
		if ((uint32_t)((char *)nla - (char *)nlh) == offset)
			return nla_type(nla);
	}
	return -1;
}

static void nx_parse_policy(struct nlattr *pol, struct nx_err *err)
{
	static struct nla_policy policy[NL_POLICY_TYPE_ATTR_MAX + 1] = {
		[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] = { .type = NLA_U64 },
		[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] = { .type = NLA_U64 },
	};
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, pol, policy) < 0)
		return;
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] && tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) {
		err->has_range = true;
		err->min = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
		err->max = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
	}
}

/*
 * An NLMSG_ERROR with a non-zero error.  With NLM_F_ACK_TLVS the extended
 * ack follows the struct nlmsgerr and the echoed request (only its header
 * if NLM_F_CAPPED), padded to NLMSG_ALIGNTO, as netlink_ack() builds it.
 */
static int nx_nl_error(struct sockaddr_nl *nla, struct nlmsgerr *nlerr, void *data)
{
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS] = { .type = NLA_U32 },
		[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
		[NLMSGERR_ATTR_POLICY] = { .type = NLA_NESTED },
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)nlerr - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nx_request *req = data;
	struct nx_err *err = req->err;
	size_t off;

	err->errnum = -nlerr->error;
	req->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = sizeof(*nlerr);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (nlerr->msg.nlmsg_len < NLMSG_HDRLEN)
			return NL_STOP;
		off += nlerr->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (off >= nlh->nlmsg_len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), policy) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(err->msg, sizeof(err->msg), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS])
		err->bad_attr = nx_attr_at(req->msg, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		err->missing_attr = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_POLICY])
		nx_parse_policy(tb[NLMSGERR_ATTR_POLICY], err);
	return NL_STOP;
}

/*
 * Send @msg (consumed), call @fn for each reply, wait for the ack.
 * Returns 0, or a negative errno with @err filled in.
 */
int nx_nl_request(struct nx_nl *nl, struct nl_msg *msg, nx_reply_fn fn,
		  void *arg, struct nx_err *err)
{
	struct nx_request req = { .msg = msg, .fn = fn, .arg = arg, .err = err };
	struct nl_cb *cb;
	int ret;

	nx_err_reset(err);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		err->errnum = ENOMEM;
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nx_nl_valid, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nx_nl_ack, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nx_nl_ack, &req);	/* dumps */
	nl_cb_err(cb, NL_CB_CUSTOM, nx_nl_error, &req);

	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		err->errnum = EIO;
		snprintf(err->msg, sizeof(err->msg), "cannot send: %s", nl_geterror(ret));
		goto out;
	}
	while (!req.done && !req.fn_err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !err->errnum) {
			err->errnum = EIO;
			snprintf(err->msg, sizeof(err->msg), "netlink: %s", nl_geterror(ret));
		}
		if (ret < 0)
			break;
	}
	if (req.fn_err && !err->errnum) {
		err->errnum = -req.fn_err;
		snprintf(err->msg, sizeof(err->msg), "malformed reply from the module");
	}
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err->errnum ? -err->errnum : 0;
}

static int nx_nl_join(struct nx_nl *nl, const char *family, const char *group,
		      struct nx_err *err)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(nl->sk, family, group);
	if (grp < 0) {
		err->errnum = ENOENT;
		snprintf(err->msg, sizeof(err->msg), "no multicast group %s/%s: %s",
			 family, group, nl_geterror(grp));
		return -ENOENT;
	}
	ret = nl_socket_add_membership(nl->sk, grp);
	if (ret < 0) {
		err->errnum = EIO;
		snprintf(err->msg, sizeof(err->msg), "cannot join %s/%s: %s",
			 family, group, nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

/*
 * Join the module's @group, and the controller's "notify" group, which says
 * when the family goes away (the module is unloaded): unregistering a
 * family drops its listeners without a word.
 */
int nx_nl_subscribe(struct nx_nl *nl, const char *group, struct nx_err *err)
{
	nx_err_reset(err);
	if (nx_nl_join(nl, NEXUS_GENL_NAME, group, err) < 0)
		return -err->errnum;
	return nx_nl_join(nl, "nlctrl", "notify", err);
}

/* Events carry sequence number 0, not one of ours: accept them. */
static int nx_nl_any_seq(struct nl_msg *msg, void *data)
{
	return NL_OK;
}

/* A multicast message: the module's event, or the controller's notice. */
static int nx_nl_event(struct nl_msg *msg, void *data)
{
	static struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_NAME] = { .type = NLA_STRING },
	};
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nx_request *req = data;

	if (nlh->nlmsg_type == req->family)
		return nx_nl_valid(msg, data);
	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return NL_OK;
	if (genlmsg_hdr(nlh)->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), NEXUS_GENL_NAME))
		return NL_OK;
	req->err->errnum = ENODEV;
	snprintf(req->err->msg, sizeof(req->err->msg),
		 "the nexus module was unloaded: no more events");
	return NL_STOP;
}

/*
 * Deliver the module's events to @fn until it returns an error; -ECANCELED
 * from @fn is its way to stop and is no error.  Returns 0 or a negative
 * errno with @err filled in.  Events lost to a full receive buffer are
 * reported on stderr, and listening goes on.
 */
int nx_nl_listen(struct nx_nl *nl, nx_reply_fn fn, void *arg, struct nx_err *err)
{
	struct nx_request req = { .family = nl->family, .fn = fn, .arg = arg, .err = err };
	struct nl_cb *cb;
	int ret;

	nx_err_reset(err);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err->errnum = ENOMEM;
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, nx_nl_any_seq, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nx_nl_event, &req);
	for (;;) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (req.fn_err || err->errnum)
			break;
		if (ret == -NLE_NOMEM) {	/* ENOBUFS: the socket overran */
			fprintf(stderr, "nexusctl: monitor: events were lost (receive buffer overrun)\n");
			continue;
		}
		if (ret < 0) {
			err->errnum = EIO;
			snprintf(err->msg, sizeof(err->msg), "netlink: %s", nl_geterror(ret));
			break;
		}
	}
	nl_cb_put(cb);
	if (req.fn_err == -ECANCELED)
		return 0;
	if (req.fn_err) {
		err->errnum = -req.fn_err;
		snprintf(err->msg, sizeof(err->msg), "malformed event from the module");
	}
	return -err->errnum;
}

bool nx_may_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return true;	/* cannot tell: the kernel will */
	return data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN);
}
