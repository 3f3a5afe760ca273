/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel API difference between the kernels nexus builds for
 * (Debian 12's 6.1 up to bookworm-backports' 6.12), in one place.
 *
 * Nothing here tests LINUX_VERSION_CODE: distribution kernels carry
 * backports (Debian's 6.1.192 has the 6.12 form of
 * genlmsg_multicast_allns), so a version number says little about an API.
 * Each difference is found by a compile-time probe, compat/<name>.c, which
 * compat/probe.sh compiles against the target kernel; a probe that
 * compiles becomes NEXUS_HAVE_<NAME> in the generated compat-gen.h.
 * The rest of the module calls only the wrappers below.
 */
#ifndef NEXUS_COMPAT_H
#define NEXUS_COMPAT_H

#include <net/netlink.h>

#include "compat-gen.h"

/*
 * Extack messages with printf-style detail (NL_SET_ERR_MSG_FMT, 6.2).
 * Older kernels get @plain, which must say the same without the numbers;
 * tools and tests match on @plain, which both forms start with.
 */
#ifdef NEXUS_HAVE_NL_SET_ERR_MSG_FMT
#define nexus_set_err_msg_fmt(extack, plain, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
#define nexus_set_err_msg_fmt(extack, plain, fmt, args...) \
	NL_SET_ERR_MSG(extack, plain)
#endif

#endif /* NEXUS_COMPAT_H */
