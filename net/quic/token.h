/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: address validation tokens (RFC 9000 section 8.1).
 */

#ifndef __NET_QUIC_TOKEN_H
#define __NET_QUIC_TOKEN_H

#include <net/net_namespace.h>

#include "udp_tunnel.h"
#include "wire.h"

/* A Retry token: type, time, the ODCID, a MAC (token.c). */
#define QUIC_TOKEN_MAC_LEN	16
#define QUIC_RETRY_TOKEN_MAX	(1 + 8 + 1 + QUIC_CONN_ID_MAX_LEN + \
				 QUIC_TOKEN_MAC_LEN)
/* How long a Retry token is good for, in seconds: one round trip is
 * what it has to last; a little more for slow paths.
 */
#define QUIC_RETRY_TOKEN_LIFETIME	10
/* The token key changes every this many seconds; a token is checked
 * with the key of the period it was made in.
 */
#define QUIC_TOKEN_KEY_PERIOD		3600

u32 quic_token_retry(struct net *net, const union quic_addr *peer,
		     const u8 *odcid, u32 odcid_len, u8 *token);
int quic_token_check(struct net *net, const union quic_addr *peer,
		     const u8 *token, u32 len, u32 max_age,
		     struct quic_conn_id *odcid);

#endif /* __NET_QUIC_TOKEN_H */
