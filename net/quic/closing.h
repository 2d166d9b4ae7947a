/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the closing period of a connection whose socket is gone
 * (RFC 9000 section 10.2.1).
 */

#ifndef __NET_QUIC_CLOSING_H
#define __NET_QUIC_CLOSING_H

#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "wire_packet.h"

/* The most connections in their closing period a namespace keeps, by
 * default (net.quic.closing_max) and at most.
 */
#define QUIC_CLOSING_MAX	4096
#define QUIC_CLOSING_MAX_LIMIT	65536
/* The closing period kept: three PTOs (RFC 9000 10.2), within these (ms). */
#define QUIC_CLOSING_MIN_MS	1000
#define QUIC_CLOSING_MAX_MS	10000
/* A record answers the 1st, 2nd, 4th ... 2^(N-1)th packet, no more. */
#define QUIC_CLOSING_ANSWERS	8

struct quic_conn;

void quic_closing_keep(struct quic_conn *c);
bool quic_closing_answer(struct net *net, struct sock *usk,
			 struct sk_buff *skb, const struct quic_packet_hdr *h);
void quic_closing_net_init(struct net *net);
void quic_closing_net_exit(struct net *net);

/* Whether the @n-th packet since the close gets the close again. */
static inline bool quic_closing_answers(u32 n)
{
	return n && !(n & (n - 1)) && n < (1U << QUIC_CLOSING_ANSWERS);
}

#endif /* __NET_QUIC_CLOSING_H */
