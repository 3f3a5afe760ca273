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

	__NEXUS_ATTR_MAX,
	NEXUS_ATTR_MAX = __NEXUS_ATTR_MAX - 1
};

#endif /* _UAPI_NEXUS_NETLINK_H */
