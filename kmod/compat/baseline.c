// SPDX-License-Identifier: GPL-2.0
/*
 * Probe sanity check: compiles on every kernel.  If it fails, the probe
 * environment itself is broken (headers, compiler), and probe.sh stops
 * instead of reporting every API as missing.
 */
#include <linux/module.h>
#include <net/genetlink.h>

int nexus_probe(void);
int nexus_probe(void)
{
	return GENL_ADMIN_PERM;
}
