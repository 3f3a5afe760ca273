// SPDX-License-Identifier: GPL-2.0
/*
 * nexus: module init and exit, and the load-time parameters.
 *
 * The parameters give the module-wide settings their first values (set
 * them in /etc/modprobe.d/ to keep them across reboots).  They are
 * read-only in sysfs, which keeps showing the load-time value; the live
 * values are read and changed with `nexusctl module show|set`.
 */
#include <linux/module.h>

#include "nexus.h"

static unsigned int io_timeout_ms = NEXUS_DEFAULT_IO_TIMEOUT_MS;
module_param(io_timeout_ms, uint, 0444);
MODULE_PARM_DESC(io_timeout_ms,
		 "Child IO timeout in ms before the child is faulted, default for new nexuses (100-600000)");

static unsigned int rebuild_rate_min = NEXUS_DEFAULT_REBUILD_RATE_MIN;
module_param(rebuild_rate_min, uint, 0444);
MODULE_PARM_DESC(rebuild_rate_min,
		 "Rebuild rate in KiB/s kept even under application IO");

static unsigned int rebuild_rate_max = NEXUS_DEFAULT_REBUILD_RATE_MAX;
module_param(rebuild_rate_max, uint, 0444);
MODULE_PARM_DESC(rebuild_rate_max,
		 "Rebuild rate cap in KiB/s, 0 for none");

static int __init nexus_init(void)
{
	struct nexus_config initial = {
		.io_timeout_ms = io_timeout_ms,
		.rebuild_rate_min = rebuild_rate_min,
		.rebuild_rate_max = rebuild_rate_max,
	};
	struct netlink_ext_ack extack = {};
	int err;

	err = nexus_config_init(&initial, &extack);
	if (err) {
		pr_err("invalid module parameters: %s\n", extack._msg);
		return err;
	}
	err = nexus_replica_init();
	if (err) {
		pr_err("cannot register the replica block major: %d\n", err);
		return err;
	}
	err = nexus_vol_init();
	if (err) {
		pr_err("cannot register the nexus block major: %d\n", err);
		goto out_replica_exit;
	}
	err = nexus_genl_init();
	if (err) {
		pr_err("cannot register the generic netlink family: %d\n", err);
		goto out_vol_exit;
	}
	pr_info("version %s loaded (netlink API %u)\n", NEXUS_VERSION,
		NEXUS_GENL_VERSION);
	return 0;

out_vol_exit:
	nexus_vol_exit();
out_replica_exit:
	nexus_replica_exit();
	return err;
}

static void __exit nexus_exit(void)
{
	/* No new commands, then every nexus stopped and every pool exported. */
	nexus_genl_exit();
	nexus_vol_stop_all();
	nexus_pool_export_all();
	nexus_vol_exit();
	nexus_replica_exit();
	pr_info("unloaded\n");
}

module_init(nexus_init);
module_exit(nexus_exit);

MODULE_DESCRIPTION("nexus: pools, replicas and mirrored volumes (Mayastor data plane)");
MODULE_AUTHOR("The nexus authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(NEXUS_VERSION);
MODULE_ALIAS_GENL_FAMILY(NEXUS_GENL_NAME);
