/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: what differs between the kernels this module builds for (6.1, 6.12).
 */

#ifndef __NET_QUIC_COMPAT_H
#define __NET_QUIC_COMPAT_H

#include <linux/version.h>

/* struct proto says where struct ipv6_pinfo lives since 6.6. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define QUIC_HAVE_IPV6_PINFO_OFFSET
#endif

#endif /* __NET_QUIC_COMPAT_H */
