/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the socket layer.
 */

#ifndef __NET_QUIC_SOCKET_H
#define __NET_QUIC_SOCKET_H

#include <linux/quic.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>

#include "udp_tunnel.h"

/* Longest ALPN list accepted by QUIC_SOCKOPT_ALPN, commas included. */
#define QUIC_ALPN_MAX_LEN	128
/* RFC 7301: one protocol name is 1 to 255 bytes. */
#define QUIC_ALPN_NAME_MAX_LEN	255

struct quic_sock {
	struct inet_sock		inet;
	struct quic_udp_sock		*udp;		/* set by bind() */

	struct quic_transport_param	local_param;
	struct quic_transport_param	remote_param;
	struct quic_config		config;
	u32				events;		/* BIT(type) if on */

	char				*alpn;		/* sock_kmalloc()ed */
	u8				alpn_len;
};

struct quic6_sock {
	struct quic_sock	quic;
	struct ipv6_pinfo	inet6;	/* last, where inet6_create() looks */
};

static inline struct quic_sock *quic_sk(const struct sock *sk)
{
	return (struct quic_sock *)sk;
}

extern struct proto quic_prot;
extern struct proto quicv6_prot;

#endif /* __NET_QUIC_SOCKET_H */
