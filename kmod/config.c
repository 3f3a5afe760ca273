// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide settings: the defaults that nexuses and rebuilds take when
 * they are created.  They start from the load-time module parameters
 * (main.c) and change through NEXUS_CMD_CONFIG_SET (genl.c).
 *
 * Locking: nexus_config_lock guards nexus_config.  Readers copy the whole
 * struct under it, so that nobody sees half of an update; an update
 * notifies listeners before it drops the lock, so that events arrive in
 * the order the changes were made.
 */
#include <linux/mutex.h>
#include <linux/stringify.h>

#include "nexus.h"

static DEFINE_MUTEX(nexus_config_lock);
static struct nexus_config nexus_config;	/* guarded by nexus_config_lock */

/* Not const: 6.1's struct nla_policy points at a mutable range. */
struct netlink_range_validation nexus_io_timeout_range = {
	.min = NEXUS_IO_TIMEOUT_MS_MIN,
	.max = NEXUS_IO_TIMEOUT_MS_MAX,
};

/* Attributes NEXUS_CMD_CONFIG_SET accepts; the genl core rejects others. */
const struct nla_policy nexus_config_policy[NEXUS_ATTR_MAX + 1] = {
	[NEXUS_ATTR_IO_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nexus_io_timeout_range),
	[NEXUS_ATTR_REBUILD_RATE_MIN] = { .type = NLA_U32 },
	[NEXUS_ATTR_REBUILD_RATE_MAX] = { .type = NLA_U32 },
};

/**
 * nexus_config_check() - check a complete set of settings
 * @cfg: the settings
 * @extack: where the reason goes; may be NULL
 *
 * The netlink policy checks each attribute on its own; this checks the
 * settings as a whole, and checks load-time parameters, which never went
 * through a policy.
 *
 * Return: 0, or -EINVAL with a message in @extack.
 */
int nexus_config_check(const struct nexus_config *cfg,
		       struct netlink_ext_ack *extack)
{
	if (cfg->io_timeout_ms < NEXUS_IO_TIMEOUT_MS_MIN ||
	    cfg->io_timeout_ms > NEXUS_IO_TIMEOUT_MS_MAX) {
		NL_SET_ERR_MSG(extack, "io-timeout must be "
			       __stringify(NEXUS_IO_TIMEOUT_MS_MIN) " to "
			       __stringify(NEXUS_IO_TIMEOUT_MS_MAX) " ms");
		return -EINVAL;
	}
	if (cfg->rebuild_rate_max && cfg->rebuild_rate_min > cfg->rebuild_rate_max) {
		nexus_set_err_msg_fmt(extack,
				      "rebuild-rate-min exceeds rebuild-rate-max",
				      "rebuild-rate-min exceeds rebuild-rate-max (%u > %u KiB/s)",
				      cfg->rebuild_rate_min, cfg->rebuild_rate_max);
		return -EINVAL;
	}
	return 0;
}

/**
 * nexus_config_init() - set the settings the module starts with
 * @initial: the load-time values
 * @extack: where the reason goes if they are refused
 *
 * Return: 0, or -EINVAL if @initial does not pass nexus_config_check().
 */
int nexus_config_init(const struct nexus_config *initial,
		      struct netlink_ext_ack *extack)
{
	int err;

	err = nexus_config_check(initial, extack);
	if (err)
		return err;
	mutex_lock(&nexus_config_lock);
	nexus_config = *initial;
	mutex_unlock(&nexus_config_lock);
	return 0;
}

/**
 * nexus_config_get() - copy the current settings
 * @out: where they go
 */
void nexus_config_get(struct nexus_config *out)
{
	mutex_lock(&nexus_config_lock);
	*out = nexus_config;
	mutex_unlock(&nexus_config_lock);
}

/**
 * nexus_config_update() - change some settings
 * @attrs: NEXUS_CMD_CONFIG_SET attributes, already checked against
 *	   nexus_config_policy; those absent keep their current value
 * @extack: where the reason for a refusal goes
 * @notify: called with the new settings, under the lock; may be NULL
 *
 * Either every given setting changes or none does.
 *
 * Return: 0, or -EINVAL with a message in @extack.
 */
int nexus_config_update(struct nlattr **attrs, struct netlink_ext_ack *extack,
			void (*notify)(const struct nexus_config *cfg))
{
	struct nexus_config cfg;
	int err;

	if (!attrs[NEXUS_ATTR_IO_TIMEOUT_MS] &&
	    !attrs[NEXUS_ATTR_REBUILD_RATE_MIN] &&
	    !attrs[NEXUS_ATTR_REBUILD_RATE_MAX]) {
		NL_SET_ERR_MSG(extack, "no setting given");
		return -EINVAL;
	}

	mutex_lock(&nexus_config_lock);
	cfg = nexus_config;
	if (attrs[NEXUS_ATTR_IO_TIMEOUT_MS])
		cfg.io_timeout_ms = nla_get_u32(attrs[NEXUS_ATTR_IO_TIMEOUT_MS]);
	if (attrs[NEXUS_ATTR_REBUILD_RATE_MIN])
		cfg.rebuild_rate_min = nla_get_u32(attrs[NEXUS_ATTR_REBUILD_RATE_MIN]);
	if (attrs[NEXUS_ATTR_REBUILD_RATE_MAX])
		cfg.rebuild_rate_max = nla_get_u32(attrs[NEXUS_ATTR_REBUILD_RATE_MAX]);

	err = nexus_config_check(&cfg, extack);
	if (!err) {
		nexus_config = cfg;
		if (notify)
			notify(&cfg);
	}
	mutex_unlock(&nexus_config_lock);
	return err;
}
