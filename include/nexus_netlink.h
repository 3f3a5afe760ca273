/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nexus generic netlink API: family "nexus", version 1.
 *
 * This header is the contract between the kernel module (kmod/) and
 * nexusctl (ctl/); both include this very file.  docs/netlink.md describes
 * every command and attribute.  Rules for changing it:
 *   - never renumber or reuse a command, attribute or feature bit;
 *   - add new commands and attributes at the end of their enum;
 *   - a change that old tools cannot ignore bumps NEXUS_GENL_VERSION.
 */
#ifndef _UAPI_NEXUS_NETLINK_H
#define _UAPI_NEXUS_NETLINK_H

#include <linux/const.h>

#define NEXUS_GENL_NAME			"nexus"
#define NEXUS_GENL_VERSION		1
#define NEXUS_GENL_MCGRP_EVENTS		"events"

/*
 * Feature bits, reported by NEXUS_CMD_INFO_GET in NEXUS_ATTR_FEATURES.  A
 * tool checks a bit before it uses the commands the bit stands for.
 */
#define NEXUS_F_EVENTS			_BITULL(0) /* multicast group "events" */
#define NEXUS_F_CONFIG			_BITULL(1) /* CONFIG_GET, CONFIG_SET */
#define NEXUS_F_POOLS			_BITULL(2) /* pools and replicas */
#define NEXUS_F_NEXUS			_BITULL(3) /* nexuses and their children */
#define NEXUS_F_SNAPSHOTS		_BITULL(4) /* snapshots and clones */

/*
 * Limits of the module-wide settings (NEXUS_CMD_CONFIG_SET).  The module's
 * attribute policies enforce them; they are here so that documentation and
 * tools quote the same numbers.
 */
#define NEXUS_IO_TIMEOUT_MS_MIN		100
#define NEXUS_IO_TIMEOUT_MS_MAX		600000
#define NEXUS_FREEZE_TIMEOUT_MS_MIN	100
#define NEXUS_FREEZE_TIMEOUT_MS_MAX	600000
#define NEXUS_FREEZE_TIMEOUT_MS_DEFAULT	30000

enum nexus_cmd {
	NEXUS_CMD_UNSPEC,
	NEXUS_CMD_INFO_GET,	/* module version, API version, features */
	NEXUS_CMD_CONFIG_GET,	/* module-wide settings */
	NEXUS_CMD_CONFIG_SET,	/* change them; needs CAP_NET_ADMIN */
	NEXUS_CMD_CONFIG_NTF,	/* event on "events": settings changed */
	NEXUS_CMD_POOL_CREATE,	/* make a pool on a device (CAP_NET_ADMIN) */
	NEXUS_CMD_POOL_IMPORT,	/* take up the pool on a device (CAP_NET_ADMIN) */
	NEXUS_CMD_POOL_EXPORT,	/* let go of a pool, cleanly (CAP_NET_ADMIN) */
	NEXUS_CMD_POOL_DESTROY,	/* erase a pool (CAP_NET_ADMIN) */
	NEXUS_CMD_POOL_GET,	/* one pool, or (dump) all */
	NEXUS_CMD_POOL_NTF,	/* event: a pool changed (NEXUS_ATTR_EVENT) */
	NEXUS_CMD_REPLICA_CREATE,	/* (CAP_NET_ADMIN) */
	NEXUS_CMD_REPLICA_DESTROY,	/* (CAP_NET_ADMIN) */
	NEXUS_CMD_REPLICA_RESIZE,	/* (CAP_NET_ADMIN) */
	NEXUS_CMD_REPLICA_SET,	/* share settings, properties (CAP_NET_ADMIN) */
	NEXUS_CMD_REPLICA_GET,	/* one replica, or (dump) all, of a pool if given */
	NEXUS_CMD_REPLICA_NTF,	/* event: a replica changed (NEXUS_ATTR_EVENT) */
	NEXUS_CMD_NEXUS_CREATE,	/* a new nexus over new children (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_ASSEMBLE,	/* start one again from its children's labels */
	NEXUS_CMD_NEXUS_STOP,	/* stop cleanly; the labels stay (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_DESTROY,	/* stop and erase the labels (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_SET,	/* read policy, timeouts, rates (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_GET,	/* one nexus, or (dump) all */
	NEXUS_CMD_NEXUS_NTF,	/* event: a nexus or child changed */
	NEXUS_CMD_CHILD_ADD,	/* add a child; it is rebuilt (CAP_NET_ADMIN) */
	NEXUS_CMD_CHILD_REMOVE,	/* (CAP_NET_ADMIN) */
	NEXUS_CMD_CHILD_FAULT,	/* fault a child by hand (CAP_NET_ADMIN) */
	NEXUS_CMD_CHILD_ONLINE,	/* bring a faulted child back (CAP_NET_ADMIN) */
	NEXUS_CMD_REBUILD,	/* pause, resume, stop, start (CAP_NET_ADMIN) */
	NEXUS_CMD_VERIFY,	/* compare the legs online, maybe repair (CAP_NET_ADMIN) */
	NEXUS_CMD_SNAPSHOT_CREATE,	/* snapshot a replica (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_FREEZE,	/* drain, flush, hold IO (CAP_NET_ADMIN) */
	NEXUS_CMD_NEXUS_THAW,	/* let IO go again (CAP_NET_ADMIN) */

	__NEXUS_CMD_MAX,
	NEXUS_CMD_MAX = __NEXUS_CMD_MAX - 1
};

enum nexus_attr {
	NEXUS_ATTR_UNSPEC,
	NEXUS_ATTR_PAD,			/* alignment padding for u64 */
	NEXUS_ATTR_VERSION,		/* string: module version */
	NEXUS_ATTR_API_VERSION,		/* u32: NEXUS_GENL_VERSION */
	NEXUS_ATTR_FEATURES,		/* u64: NEXUS_F_* */
	NEXUS_ATTR_IO_TIMEOUT_MS,	/* u32: default child IO timeout */
	NEXUS_ATTR_REBUILD_RATE_MIN,	/* u32: KiB/s a rebuild always gets */
	NEXUS_ATTR_REBUILD_RATE_MAX,	/* u32: KiB/s cap, 0 = no cap */
	NEXUS_ATTR_POOL_NAME,		/* string: [A-Za-z0-9._-], 1-63 bytes */
	NEXUS_ATTR_POOL_UUID,		/* binary, 16 bytes */
	NEXUS_ATTR_POOL_DEVICE,		/* string: path of the block device */
	NEXUS_ATTR_POOL_CLUSTER_SIZE,	/* u64: bytes, power of two, 1 MiB-1 GiB */
	NEXUS_ATTR_POOL_MAX_REPLICAS,	/* u32 */
	NEXUS_ATTR_FORCE,		/* flag: do it although it loses data */
	NEXUS_ATTR_POOL_CAPACITY,	/* u64: bytes of data clusters */
	NEXUS_ATTR_POOL_USED,		/* u64: bytes in clusters in use */
	NEXUS_ATTR_POOL_STATE,		/* u8: enum nexus_pool_state_attr */
	NEXUS_ATTR_POOL_STATE_REASON,	/* string: why it is not online */
	NEXUS_ATTR_POOL_REPLICAS,	/* u32: replicas in the pool */
	NEXUS_ATTR_POOL_MD_BLOCKS,	/* u32: dynamic metadata blocks */
	NEXUS_ATTR_POOL_MD_FREE,	/* u32: of which free */
	NEXUS_ATTR_POOL_CREATED,	/* u64: seconds since the epoch */
	NEXUS_ATTR_REPLICA_NAME,	/* string, like pool names */
	NEXUS_ATTR_REPLICA_UUID,	/* binary, 16 bytes */
	NEXUS_ATTR_REPLICA_SIZE,	/* u64: bytes, multiple of 4 KiB */
	NEXUS_ATTR_REPLICA_THIN,	/* u8: 1 thin, 0 thick */
	NEXUS_ATTR_REPLICA_ALLOCATED,	/* u64: bytes of clusters mapped */
	NEXUS_ATTR_REPLICA_DEVICE,	/* string: block device name, nxrN */
	NEXUS_ATTR_REPLICA_CREATED,	/* u64: seconds since the epoch */
	NEXUS_ATTR_SHARE_PROTO,		/* u8: enum nexus_share_proto */
	NEXUS_ATTR_SHARE_ADDR,		/* string: NVMe-oF traddr */
	NEXUS_ATTR_SHARE_PORT,		/* u16: NVMe-oF trsvcid */
	NEXUS_ATTR_SHARE_ANY_HOST,	/* u8: 1 any host may connect */
	NEXUS_ATTR_REPLICA_HOSTS,	/* nest: NEXUS_HOST_ATTR_NQN, repeated */
	NEXUS_ATTR_REPLICA_PROPS,	/* nest: NEXUS_PROP_ATTR_ENTRY, repeated */
	NEXUS_ATTR_EVENT,		/* u8: enum nexus_event */
	NEXUS_ATTR_NEXUS_NAME,		/* string, like pool names */
	NEXUS_ATTR_NEXUS_UUID,		/* binary, 16 bytes */
	NEXUS_ATTR_NEXUS_SIZE,		/* u64: bytes, multiple of 4 KiB */
	NEXUS_ATTR_NEXUS_DEVICE,	/* string: block device name, nexusN */
	NEXUS_ATTR_NEXUS_STATE,		/* u8: enum nexus_state */
	NEXUS_ATTR_BITMAP_CHUNK,	/* u64: bytes, power of two, 64 KiB-1 GiB */
	NEXUS_ATTR_READ_POLICY,		/* u8: enum nexus_read_policy */
	NEXUS_ATTR_CHILDREN,		/* nest: NEXUS_ATTR_CHILD, repeated */
	NEXUS_ATTR_CHILD,		/* nest: enum nexus_child_attr */
	NEXUS_ATTR_DATA_OFFSET,		/* u64: bytes before the data, per child */
	NEXUS_ATTR_LABEL_EVENT,		/* u64: event counter of the labels */
	NEXUS_ATTR_REBUILD_ACTION,	/* u8: enum nexus_rebuild_action */
	NEXUS_ATTR_STATS,		/* nest: enum nexus_stat_attr */
	NEXUS_ATTR_CHILD_UUID,		/* binary, 16 bytes: the child acted on */
	NEXUS_ATTR_BITMAP_DIRTY,	/* u64: chunks set in the write-intent bitmap */
	NEXUS_ATTR_VERIFY_REPAIR,	/* u8: 1 rewrite the legs that differ */
	NEXUS_ATTR_VERIFY,		/* nest: enum nexus_verify_attr, replies */
	NEXUS_ATTR_REPLICA_SNAPSHOT,	/* u8: 1 a snapshot; in requests, the kind expected */
	NEXUS_ATTR_REPLICA_PARENT,	/* string: origin of a snapshot, snapshot of a clone */
	NEXUS_ATTR_REPLICA_PARENT_UUID,	/* binary, 16 bytes: the parent, even once gone */
	NEXUS_ATTR_REPLICA_EXCLUSIVE,	/* u64: bytes no other map shares (freed with it) */
	NEXUS_ATTR_REPLICA_EXPOSE,	/* u8: 1 give a snapshot a read-only device */
	NEXUS_ATTR_FREEZE_TIMEOUT_MS,	/* u32: a frozen nexus thaws by itself after it */
	NEXUS_ATTR_NEXUS_FROZEN_UNTIL,	/* u64: replies, while frozen: when it thaws (s) */

	__NEXUS_ATTR_MAX,
	NEXUS_ATTR_MAX = __NEXUS_ATTR_MAX - 1
};

/* NEXUS_ATTR_NEXUS_STATE, as Mayastor names them */
enum nexus_state {
	NEXUS_STATE_ONLINE = 0,		/* every child in sync */
	NEXUS_STATE_DEGRADED = 1,	/* at least one in sync, not all */
	NEXUS_STATE_FAULTED = 2,	/* none in sync: IO fails */
};

/* NEXUS_ATTR_READ_POLICY */
enum nexus_read_policy {
	NEXUS_READ_LEAST_PENDING = 0,	/* fewest reads and writes in flight */
	NEXUS_READ_ROUND_ROBIN = 1,	/* Mayastor's policy */
	NEXUS_READ_LOCAL_FIRST = 2,	/* local children, then the rest */
	__NEXUS_READ_POLICY_MAX
};

/* NEXUS_ATTR_REBUILD_ACTION */
enum nexus_rebuild_action {
	NEXUS_REBUILD_PAUSE = 1,
	NEXUS_REBUILD_RESUME = 2,
	NEXUS_REBUILD_STOP = 3,		/* the child is faulted (rebuild-failed) */
};

/*
 * Inside NEXUS_ATTR_CHILD.  In requests: PATH (the block device nexusctl
 * resolved the URI to), URI (kept for display and removal), and for a new
 * child optionally UUID.  In replies and events: all of them.
 */
enum nexus_child_attr {
	NEXUS_CHILD_ATTR_UNSPEC,
	NEXUS_CHILD_ATTR_PAD,
	NEXUS_CHILD_ATTR_UUID,		/* binary, 16 bytes */
	NEXUS_CHILD_ATTR_PATH,		/* string: block device path */
	NEXUS_CHILD_ATTR_URI,		/* string: as the admin gave it */
	NEXUS_CHILD_ATTR_LOCAL,		/* u8: 1 no network in the way */
	NEXUS_CHILD_ATTR_STATE,		/* u8: enum nexus_member_state */
	NEXUS_CHILD_ATTR_REASON,	/* u8: enum nexus_fault_reason */
	NEXUS_CHILD_ATTR_REBUILD_DONE,	/* u64: bytes of the range walked */
	NEXUS_CHILD_ATTR_REBUILD_TOTAL,	/* u64: bytes the rebuild must walk */
	NEXUS_CHILD_ATTR_REBUILD_COPIED, /* u64: bytes copied so far */
	NEXUS_CHILD_ATTR_REBUILD_PAUSED, /* u8: 1 paused by an admin */
	NEXUS_CHILD_ATTR_REBUILD_PARTIAL, /* u8: 1 bitmap-driven only */
	NEXUS_CHILD_ATTR_STATS,		/* nest: enum nexus_stat_attr */

	__NEXUS_CHILD_ATTR_MAX,
	NEXUS_CHILD_ATTR_MAX = __NEXUS_CHILD_ATTR_MAX - 1
};

/* Inside NEXUS_ATTR_VERIFY: the last or running verify of a nexus. */
enum nexus_verify_attr {
	NEXUS_VERIFY_ATTR_UNSPEC,
	NEXUS_VERIFY_ATTR_PAD,
	NEXUS_VERIFY_ATTR_RUNNING,	/* u8 */
	NEXUS_VERIFY_ATTR_REPAIR,	/* u8: it rewrites what differs */
	NEXUS_VERIFY_ATTR_DONE,		/* u64: bytes of the volume compared */
	NEXUS_VERIFY_ATTR_TOTAL,	/* u64: the volume's size */
	NEXUS_VERIFY_ATTR_MISMATCH,	/* u64: bytes (4 KiB blocks) that differed */
	NEXUS_VERIFY_ATTR_REPAIRED,	/* u64: bytes rewritten from the first leg */
	NEXUS_VERIFY_ATTR_ERROR,	/* u32: errno it stopped with, 0 if none */

	__NEXUS_VERIFY_ATTR_MAX,
	NEXUS_VERIFY_ATTR_MAX = __NEXUS_VERIFY_ATTR_MAX - 1
};

/* Inside NEXUS_ATTR_STATS and NEXUS_CHILD_ATTR_STATS: u64 counters. */
enum nexus_stat_attr {
	NEXUS_STAT_UNSPEC,
	NEXUS_STAT_PAD,
	NEXUS_STAT_READ_OPS,
	NEXUS_STAT_READ_BYTES,
	NEXUS_STAT_READ_NS,		/* summed latency */
	NEXUS_STAT_WRITE_OPS,
	NEXUS_STAT_WRITE_BYTES,
	NEXUS_STAT_WRITE_NS,
	NEXUS_STAT_FLUSH_OPS,
	NEXUS_STAT_DISCARD_OPS,		/* discards and write-zeroes */
	NEXUS_STAT_DISCARD_BYTES,
	NEXUS_STAT_ERRORS,
	NEXUS_STAT_INFLIGHT,

	__NEXUS_STAT_MAX,
	NEXUS_STAT_MAX = __NEXUS_STAT_MAX - 1
};

/* NEXUS_ATTR_POOL_STATE */
enum nexus_pool_state_attr {
	NEXUS_POOL_STATE_ONLINE = 0,
	NEXUS_POOL_STATE_READ_ONLY = 1,
};

/* NEXUS_ATTR_EVENT, in NEXUS_CMD_POOL_NTF and NEXUS_CMD_REPLICA_NTF */
enum nexus_event {
	NEXUS_EVENT_CREATED = 1,
	NEXUS_EVENT_IMPORTED = 2,
	NEXUS_EVENT_EXPORTED = 3,
	NEXUS_EVENT_DESTROYED = 4,
	NEXUS_EVENT_RESIZED = 5,
	NEXUS_EVENT_CHANGED = 6,	/* settings */
	NEXUS_EVENT_STOPPED = 7,	/* a nexus stopped cleanly */
	NEXUS_EVENT_ASSEMBLED = 8,
	NEXUS_EVENT_CHILD_ADDED = 9,	/* NEXUS_ATTR_CHILD says which */
	NEXUS_EVENT_CHILD_REMOVED = 10,
	NEXUS_EVENT_CHILD_FAULTED = 11,	/* with the child's reason */
	NEXUS_EVENT_CHILD_ONLINE = 12,	/* back, to be rebuilt */
	NEXUS_EVENT_REBUILD_STARTED = 13,
	NEXUS_EVENT_REBUILD_DONE = 14,	/* the child is in sync */
	NEXUS_EVENT_REBUILD_FAILED = 15,
	NEXUS_EVENT_VERIFY_DONE = 16,	/* NEXUS_ATTR_VERIFY has the result */
	NEXUS_EVENT_FROZEN = 17,
	NEXUS_EVENT_THAWED = 18,	/* by command, or when the freeze timed out */
};

/* Inside NEXUS_ATTR_REPLICA_HOSTS. */
enum nexus_host_attr {
	NEXUS_HOST_ATTR_UNSPEC,
	NEXUS_HOST_ATTR_NQN,		/* string: a host NQN, 1-223 bytes */

	__NEXUS_HOST_ATTR_MAX,
	NEXUS_HOST_ATTR_MAX = __NEXUS_HOST_ATTR_MAX - 1
};

/* Inside NEXUS_ATTR_REPLICA_PROPS. */
enum nexus_prop_attr {
	NEXUS_PROP_ATTR_UNSPEC,
	NEXUS_PROP_ATTR_ENTRY,		/* nest: KEY and VALUE */
	NEXUS_PROP_ATTR_KEY,		/* string, 1-63 printable bytes */
	NEXUS_PROP_ATTR_VALUE,		/* string, 0-1024 printable bytes */

	__NEXUS_PROP_ATTR_MAX,
	NEXUS_PROP_ATTR_MAX = __NEXUS_PROP_ATTR_MAX - 1
};

/* Mayastor's defaults for shares. */
#define NEXUS_SHARE_DEFAULT_PORT	8420
#define NEXUS_SHARE_NQN_PREFIX		"nqn.2019-05.io.openebs:"

#endif /* _UAPI_NEXUS_NETLINK_H */
