// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: stateless reset (RFC 9000 section 10.3).
 *
 * Each connection ID we issue comes with a token, HMAC-SHA256 of the ID
 * under the namespace's key (net.quic.stateless_reset_key), cut to 16
 * bytes: an endpoint that lost a connection's state (a restart with the
 * same key, or a connection long gone) can still compute the token of a
 * connection ID it sees and end the peer's connection with it.
 *
 * The other way, the tokens of the connection IDs we send to are in a
 * table: a datagram that belongs to no connection, or does not open,
 * ends the connection whose token its last 16 bytes are.  The table's
 * buckets are chosen with a secret key, and tokens are compared in
 * constant time (crypto_memneq()), so timing tells an attacker nothing of
 * a token.
 */

#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "conn.h"
#include "pernet.h"
#include "reset.h"

#define QUIC_RESET_HASH_BITS	10

struct quic_reset_entry {
	struct hlist_node	node;
	struct rcu_head		rcu;
	u8			token[QUIC_RESET_TOKEN_LEN];
	struct sock		*sk;
	possible_net_t		net;
};

static DEFINE_HASHTABLE(quic_reset_table, QUIC_RESET_HASH_BITS);
static DEFINE_SPINLOCK(quic_reset_lock);
static siphash_key_t quic_reset_hash_key __read_mostly;

/**
 * quic_hmac_sha256 - RFC 2104 over the kernel's SHA-256
 * @key: the key, one block (64 bytes) or shorter
 * @key_len: its length
 * @msg: the message
 * @len: its length
 * @out: SHA256_DIGEST_SIZE bytes, written
 *
 * Context: any.
 */
void quic_hmac_sha256(const u8 *key, u32 key_len, const u8 *msg, u32 len,
		      u8 *out)
{
	u8 pad[SHA256_BLOCK_SIZE] = {};
	struct sha256_state st;
	int i;

	memcpy(pad, key, key_len);
	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, msg, len);
	sha256_final(&st, out);
	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, out, SHA256_DIGEST_SIZE);
	sha256_final(&st, out);
	memzero_explicit(pad, sizeof(pad));
}

/**
 * quic_reset_token - the stateless reset token of one of our connection IDs
 * @net: the namespace
 * @cid: the connection ID
 * @token: QUIC_RESET_TOKEN_LEN bytes, written
 *
 * Context: any.
 */
void quic_reset_token(const struct net *net, const struct quic_conn_id *cid,
		      u8 *token)
{
	struct quic_net *qn = quic_net(net);
	u8 key[QUIC_RESET_KEY_LEN], mac[SHA256_DIGEST_SIZE];
	unsigned int seq;

	do {
		seq = read_seqbegin(&qn->reset_key_lock);
		memcpy(key, qn->reset_key, sizeof(key));
	} while (read_seqretry(&qn->reset_key_lock, seq));
	quic_hmac_sha256(key, sizeof(key), cid->data, cid->len, mac);
	memcpy(token, mac, QUIC_RESET_TOKEN_LEN);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(mac, sizeof(mac));
}

static u32 quic_reset_hash(const struct net *net, const u8 *token)
{
	return siphash_2u64(get_unaligned((const u64 *)token),
			    get_unaligned((const u64 *)(token + 8)) ^
			    net_hash_mix(net), &quic_reset_hash_key);
}

/**
 * quic_reset_register - a peer's token that ends @sk's connection
 * @sk: the socket
 * @token: the token of a connection ID of the peer's that we use
 * @gfp: allocation flags
 *
 * Context: any; the entry is charged to no one: a connection has one.
 * Return: the entry, or NULL without memory.
 */
struct quic_reset_entry *quic_reset_register(struct sock *sk,
					     const u8 *token, gfp_t gfp)
{
	struct quic_reset_entry *e;

	e = kzalloc(sizeof(*e), gfp);
	if (!e)
		return NULL;
	memcpy(e->token, token, QUIC_RESET_TOKEN_LEN);
	e->sk = sk;
	write_pnet(&e->net, sock_net(sk));
	spin_lock_bh(&quic_reset_lock);
	hash_add_rcu(quic_reset_table, &e->node,
		     quic_reset_hash(sock_net(sk), token));
	spin_unlock_bh(&quic_reset_lock);
	return e;
}

void quic_reset_unregister(struct quic_reset_entry *e)
{
	if (!e)
		return;
	spin_lock_bh(&quic_reset_lock);
	hash_del_rcu(&e->node);
	spin_unlock_bh(&quic_reset_lock);
	kfree_rcu(e, rcu);
}

/**
 * quic_reset_match - whether a datagram ends with @token
 * @data: the UDP payload
 * @len: its length
 * @token: a stateless reset token
 *
 * Return: true if @data is long enough and its last 16 bytes are @token,
 * compared in constant time.
 */
bool quic_reset_match(const u8 *data, u32 len, const u8 *token)
{
	return len >= QUIC_RESET_MIN_LEN &&
	       !crypto_memneq(data + len - QUIC_RESET_TOKEN_LEN, token,
			      QUIC_RESET_TOKEN_LEN);
}

/**
 * quic_reset_lookup - the socket a stateless reset is meant for
 * @net: the namespace it arrived in
 * @data: the UDP payload
 * @len: its length
 *
 * Context: softirq, under rcu_read_lock().
 * Return: the socket, with a reference held, or NULL.
 */
struct sock *quic_reset_lookup(struct net *net, const u8 *data, u32 len)
{
	const u8 *token = data + len - QUIC_RESET_TOKEN_LEN;
	struct quic_reset_entry *e;

	if (len < QUIC_RESET_MIN_LEN)
		return NULL;
	hash_for_each_possible_rcu(quic_reset_table, e, node,
				   quic_reset_hash(net, token)) {
		if (!net_eq(read_pnet(&e->net), net) ||
		    crypto_memneq(e->token, token, QUIC_RESET_TOKEN_LEN))
			continue;
		if (refcount_inc_not_zero(&e->sk->sk_refcnt))
			return e->sk;
	}
	return NULL;
}

/**
 * quic_reset_send - answer a short header packet that found no connection
 * @usk: the UDP tunnel socket it came to
 * @rskb: the datagram
 * @h: its parsed header (the DCID is one of ours, or was)
 *
 * RFC 9000 section 10.3: the reset looks like a short header packet, with
 * random bytes and the DCID's token last.  It is shorter than what it
 * answers, so that two endpoints that both lost state stop answering each
 * other, and nothing under QUIC_RESET_MIN_LEN + 1 bytes is answered;
 * beyond 43 bytes the length is random within 22 to 43, as a short
 * packet's would be.  A namespace sends QUIC_RESET_PER_SEC at most.
 *
 * Context: softirq (the receive path).
 */
void quic_reset_send(struct sock *usk, struct sk_buff *rskb,
		     const struct quic_packet_hdr *h)
{
	struct net *net = sock_net(usk);
	struct quic_conn_id cid;
	struct sk_buff *skb;
	u32 len = rskb->len;
	u8 *p;

	if (len <= QUIC_RESET_MIN_LEN || h->dcid_len > QUIC_CONN_ID_MAX_LEN ||
	    !__ratelimit(&quic_net(net)->reset_limit))
		return;
	len = len - 1 <= 42 ? len - 1 :
	      QUIC_RESET_MIN_LEN + 1 + get_random_u32_below(22);
	skb = quic_reply_alloc(len);
	if (!skb)
		return;
	p = skb_put(skb, len);
	get_random_bytes(p, len - QUIC_RESET_TOKEN_LEN);
	p[0] = (p[0] & ~QUIC_PACKET_FORM_LONG) | QUIC_PACKET_FIXED_BIT;
	cid.len = h->dcid_len;
	memcpy(cid.data, h->dcid, h->dcid_len);
	quic_reset_token(net, &cid, p + len - QUIC_RESET_TOKEN_LEN);
	if (!quic_reply_xmit(usk, rskb, skb))
		QUIC_INC_STATS(net, QUIC_MIB_OUT_STATELESS_RESETS);
}

void quic_reset_init(void)
{
	get_random_bytes(&quic_reset_hash_key, sizeof(quic_reset_hash_key));
}
