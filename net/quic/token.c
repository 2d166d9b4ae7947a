// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: address validation tokens (RFC 9000 section 8.1).
 *
 * A listener that validates addresses (validate_peer_address) answers a
 * client's first Initial with a Retry whose token it can check later
 * without keeping anything: the token says when it was made and the
 * client's original Destination Connection ID, and carries a MAC over
 * those and the client's address and port:
 *
 *	type (1) | time (8, seconds) | ODCID length (1) | ODCID | MAC (16)
 *
 * The MAC is HMAC-SHA256 under a key derived from the namespace's random
 * token key and the period of the time (QUIC_TOKEN_KEY_PERIOD): the key
 * changes every period by itself, and a token is checked with its own
 * period's key.  A token is good for QUIC_RETRY_TOKEN_LIFETIME seconds,
 * from the address it was given to; the MAC is compared in constant time.
 */

#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <linux/timekeeping.h>

#include "pernet.h"
#include "reset.h"
#include "token.h"

#define QUIC_TOKEN_RETRY	1	/* the type byte of a Retry token */

/* The key of @period, from the namespace's token key. */
static void quic_token_key(struct net *net, u64 period, u8 *key)
{
	u8 msg[8 + 9];

	memcpy(msg, "quic tok", 8);
	put_unaligned_be64(period, msg + 8);
	msg[16] = QUIC_TOKEN_RETRY;
	quic_hmac_sha256(quic_net(net)->token_key,
			 sizeof(quic_net(net)->token_key), msg, sizeof(msg),
			 key);
}

/* The MAC of the token's first @len bytes and @peer, its time in @at. */
static void quic_token_mac(struct net *net, const union quic_addr *peer,
			   const u8 *token, u32 len, u64 at, u8 *mac)
{
	u8 key[SHA256_DIGEST_SIZE], out[SHA256_DIGEST_SIZE];
	u8 msg[QUIC_RETRY_TOKEN_MAX + 16 + 2];
	struct in6_addr a;

	if (quic_addr_v4(peer))
		ipv6_addr_set_v4mapped(quic_addr_v4_addr(peer), &a);
	else
		a = peer->v6.sin6_addr;
	memcpy(msg, token, len);
	memcpy(msg + len, &a, sizeof(a));
	memcpy(msg + len + sizeof(a), &peer->v4.sin_port, 2);
	quic_token_key(net, div_u64(at, QUIC_TOKEN_KEY_PERIOD), key);
	quic_hmac_sha256(key, sizeof(key), msg, len + sizeof(a) + 2, out);
	memcpy(mac, out, QUIC_TOKEN_MAC_LEN);
	memzero_explicit(key, sizeof(key));
}

/**
 * quic_token_retry - the token of a Retry to @peer
 * @net: the namespace
 * @peer: the client's address and port
 * @odcid: the Destination Connection ID of its first Initial
 * @odcid_len: its length, at most QUIC_CONN_ID_MAX_LEN
 * @token: QUIC_RETRY_TOKEN_MAX bytes, written
 *
 * Context: any.
 * Return: the token's length.
 */
u32 quic_token_retry(struct net *net, const union quic_addr *peer,
		     const u8 *odcid, u32 odcid_len, u8 *token)
{
	u64 now = ktime_get_real_seconds();
	u32 len = 1 + 8 + 1 + odcid_len;

	token[0] = QUIC_TOKEN_RETRY;
	put_unaligned_be64(now, token + 1);
	token[9] = odcid_len;
	memcpy(token + 10, odcid, odcid_len);
	quic_token_mac(net, peer, token, len, now, token + len);
	return len + QUIC_TOKEN_MAC_LEN;
}

/**
 * quic_token_check - whether a client's token is one of our Retry tokens
 * @net: the namespace
 * @peer: where the Initial that carries it came from
 * @token: the token
 * @len: its length
 * @max_age: the oldest it may be, in seconds (QUIC_RETRY_TOKEN_LIFETIME
 *	when it arrives; U32_MAX for one checked then, read again later)
 * @odcid: the original Destination Connection ID it holds, written if so
 *
 * Context: any.
 * Return: 0, -EINVAL for a token that is not ours or not for @peer, or
 * -ETIMEDOUT for one too old.
 */
int quic_token_check(struct net *net, const union quic_addr *peer,
		     const u8 *token, u32 len, u32 max_age,
		     struct quic_conn_id *odcid)
{
	u64 now = ktime_get_real_seconds(), at;
	u8 mac[QUIC_TOKEN_MAC_LEN];
	u32 n;

	if (len < 1 + 8 + 1 + QUIC_TOKEN_MAC_LEN ||
	    token[0] != QUIC_TOKEN_RETRY)
		return -EINVAL;
	n = token[9];
	if (n > QUIC_CONN_ID_MAX_LEN || len != 1 + 8 + 1 + n +
					       QUIC_TOKEN_MAC_LEN)
		return -EINVAL;
	at = get_unaligned_be64(token + 1);
	quic_token_mac(net, peer, token, len - QUIC_TOKEN_MAC_LEN, at, mac);
	if (crypto_memneq(mac, token + len - QUIC_TOKEN_MAC_LEN, sizeof(mac)))
		return -EINVAL;
	if (at > now + 1 || now - at > max_age)
		return -ETIMEDOUT;
	odcid->len = n;
	memcpy(odcid->data, token + 10, n);
	return 0;
}
