/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: kernel UDP tunnel sockets, shared by the QUIC sockets bound to the
 * same local address and port.
 */

#ifndef __NET_QUIC_UDP_TUNNEL_H
#define __NET_QUIC_UDP_TUNNEL_H

#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

union quic_addr {
	struct sockaddr		sa;
	struct sockaddr_in	v4;
	struct sockaddr_in6	v6;
};

/* An IPv4 address, or an IPv6 one that maps one (::ffff:a.b.c.d). */
static inline bool quic_addr_v4(const union quic_addr *a)
{
	return a->sa.sa_family == AF_INET ||
	       ipv6_addr_v4mapped(&a->v6.sin6_addr);
}

/* The IPv4 address of one that quic_addr_v4() holds true for. */
static inline __be32 quic_addr_v4_addr(const union quic_addr *a)
{
	return a->sa.sa_family == AF_INET ? a->v4.sin_addr.s_addr :
					    a->v6.sin6_addr.s6_addr32[3];
}

/* The port in network order: both sockaddrs keep it at the same place. */
static inline __be16 quic_addr_be_port(const union quic_addr *a)
{
	return a->v4.sin_port;
}

static inline u16 quic_addr_port(const union quic_addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->v4.sin_port :
						  a->v6.sin6_port);
}

static inline bool quic_addr_any(const union quic_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == htonl(INADDR_ANY);
	return ipv6_addr_any(&a->v6.sin6_addr);
}

struct quic_udp_sock {
	struct hlist_node	node;		/* in quic_udp_table, by port */
	refcount_t		refcnt;		/* one per QUIC socket using it */
	struct socket		*sock;		/* the kernel UDP socket */
	union quic_addr		addr;		/* as bound, port filled in */
	struct rcu_head		rcu;

	/* Listening QUIC sockets on this address: RCU readers. */
	struct hlist_head	listeners;
	spinlock_t		lock;		/* for changes to @listeners */
};

struct quic_udp_sock *quic_udp_sock_get(struct sock *owner,
					const union quic_addr *addr);
void quic_udp_sock_put(struct quic_udp_sock *us);

void quic_udp_exit(void);
void quic_udp_listen(struct quic_udp_sock *us, struct hlist_node *n);
void quic_udp_unlisten(struct quic_udp_sock *us, struct hlist_node *n);

#endif /* __NET_QUIC_UDP_TUNNEL_H */
