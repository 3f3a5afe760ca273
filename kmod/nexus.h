/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nexus: private header of the kernel module.
 *
 * The module is the data plane of a Mayastor-like storage stack: pools and
 * replicas carved from a block device, and the nexus, a mirror over local
 * and remote children.  Userspace drives it through the generic netlink
 * family "nexus" (include/nexus_netlink.h, docs/netlink.md).
 *
 * Files and what each owns:
 *   main.c    module init and exit, load-time parameters
 *   config.c  the module-wide settings, nexus_config_lock (their lock) and
 *             the attribute policy of NEXUS_CMD_CONFIG_SET
 *   genl.c    the netlink family: commands, replies, events
 *   compat.h  every difference between supported kernels, fed by the
 *             compile-time probes in compat/
 */
#ifndef NEXUS_H
#define NEXUS_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/types.h>
#include <net/genetlink.h>

#include "compat.h"
#include "nexus_netlink.h"

/* Defaults of the module-wide settings (module parameters in main.c). */
#define NEXUS_DEFAULT_IO_TIMEOUT_MS	5000U	/* Mayastor's NVME_TIMEOUT */
#define NEXUS_DEFAULT_REBUILD_RATE_MIN	1024U	/* KiB/s, md's is 1000 */
#define NEXUS_DEFAULT_REBUILD_RATE_MAX	0U	/* no cap */

/* Feature bits this module implements (NEXUS_F_* in the uAPI header). */
#define NEXUS_FEATURES			(NEXUS_F_EVENTS | NEXUS_F_CONFIG)

/*
 * Module-wide settings: the defaults that objects take when they are
 * created.  Changing them does not touch objects that exist already.
 * Objects copy what they need when they are created: IO paths never take
 * nexus_config_lock (an update sends an event, allocating, under it).
 */
struct nexus_config {
	u32 io_timeout_ms;	/* child IO timeout before it is faulted */
	u32 rebuild_rate_min;	/* KiB/s a rebuild gets even under load */
	u32 rebuild_rate_max;	/* KiB/s a rebuild never exceeds, 0 = none */
};

/* config.c */
extern const struct nla_policy nexus_config_policy[NEXUS_ATTR_MAX + 1];
int nexus_config_check(const struct nexus_config *cfg,
		       struct netlink_ext_ack *extack);
int nexus_config_init(const struct nexus_config *initial,
		      struct netlink_ext_ack *extack);
void nexus_config_get(struct nexus_config *out);
int nexus_config_update(struct nlattr **attrs, struct netlink_ext_ack *extack,
			void (*notify)(const struct nexus_config *cfg));

/* genl.c */
int nexus_genl_init(void);
void nexus_genl_exit(void);

#endif /* NEXUS_H */
