/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: stateless reset (RFC 9000 section 10.3).
 */

#ifndef __NET_QUIC_RESET_H
#define __NET_QUIC_RESET_H

#include <net/sock.h>

#include "wire.h"
#include "wire_packet.h"

/* The key a namespace derives its stateless reset tokens from. */
#define QUIC_RESET_KEY_LEN	32
/* RFC 9000 10.3: five bytes that look like a short header, and a token. */
#define QUIC_RESET_MIN_LEN	(5 + QUIC_RESET_TOKEN_LEN)
/* Stateless resets a namespace sends per second, at most. */
#define QUIC_RESET_PER_SEC	100

struct quic_reset_entry;

void quic_reset_token(const struct net *net, const struct quic_conn_id *cid,
		      u8 *token);
struct quic_reset_entry *quic_reset_register(struct sock *sk,
					     const u8 *token, gfp_t gfp);
void quic_reset_unregister(struct quic_reset_entry *e);
struct sock *quic_reset_lookup(struct net *net, const u8 *data, u32 len);
bool quic_reset_match(const u8 *data, u32 len, const u8 *token);
void quic_reset_send(struct sock *usk, struct sk_buff *rskb,
		     const struct quic_packet_hdr *h);
void quic_reset_init(void);
void quic_hmac_sha256(const u8 *key, u32 key_len, const u8 *msg, u32 len,
		      u8 *out);

#endif /* __NET_QUIC_RESET_H */
