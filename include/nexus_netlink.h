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

/*
 * Limits of the module-wide settings (NEXUS_CMD_CONFIG_SET).  The module's
 * attribute policies enforce them; they are here so that documentation and
 * tools quote the same numbers.
 */
#define NEXUS_IO_TIMEOUT_MS_MIN		100
#define NEXUS_IO_TIMEOUT_MS_MAX		600000

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

	__NEXUS_ATTR_MAX,
	NEXUS_ATTR_MAX = __NEXUS_ATTR_MAX - 1
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
