// SPDX-License-Identifier: GPL-2.0
/* NL_SET_ERR_MSG_FMT: extack messages with printf detail (6.2). */
#include <net/netlink.h>

void nexus_probe(struct netlink_ext_ack *extack);
void nexus_probe(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_FMT(extack, "probe %d", 1);
}
