// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the table that finds a connection from a Destination Connection ID.
 *
 * Every connection ID a connection answers to (the ones it chose, and on a
 * server the client's original Destination Connection ID until the
 * handshake moves on) has an entry.  Lookups run in softirq under RCU;
 * changes take a spinlock.
 */

#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/netns/hash.h>

#include "conn_id.h"

#define QUIC_CID_HASH_BITS	10

static DEFINE_HASHTABLE(quic_cid_table, QUIC_CID_HASH_BITS);
static DEFINE_SPINLOCK(quic_cid_lock);

static u32 quic_cid_hash(const struct net *net, const u8 *cid, u32 len)
{
	return jhash(cid, len, net_hash_mix(net));
}

void quic_cid_generate(struct quic_conn_id *cid, u32 len)
{
	cid->len = len;
	get_random_bytes(cid->data, len);
}

static struct quic_cid_entry *quic_cid_find(struct net *net, const u8 *cid,
					    u32 len, u32 hash)
{
	struct quic_cid_entry *e;

	hash_for_each_possible_rcu(quic_cid_table, e, node, hash)
		if (e->cid.len == len && !memcmp(e->cid.data, cid, len) &&
		    net_eq(read_pnet(&e->net), net))
			return e;
	return NULL;
}

/**
 * quic_cid_register - make a connection ID find @sk
 * @sk: the socket
 * @cid: the connection ID
 *
 * Context: process context.
 * Return: the entry, ERR_PTR(-EEXIST) if another socket of the namespace
 * has this ID, or ERR_PTR(-ENOMEM).
 */
struct quic_cid_entry *quic_cid_register(struct sock *sk,
					 const struct quic_conn_id *cid)
{
	struct net *net = sock_net(sk);
	u32 hash = quic_cid_hash(net, cid->data, cid->len);
	struct quic_cid_entry *e;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->cid = *cid;
	e->sk = sk;
	write_pnet(&e->net, net);

	spin_lock_bh(&quic_cid_lock);
	if (quic_cid_find(net, cid->data, cid->len, hash)) {
		spin_unlock_bh(&quic_cid_lock);
		kfree(e);
		return ERR_PTR(-EEXIST);
	}
	hash_add_rcu(quic_cid_table, &e->node, hash);
	spin_unlock_bh(&quic_cid_lock);
	return e;
}

void quic_cid_unregister(struct quic_cid_entry *e)
{
	spin_lock_bh(&quic_cid_lock);
	hash_del_rcu(&e->node);
	spin_unlock_bh(&quic_cid_lock);
	kfree_rcu(e, rcu);
}

/**
 * quic_cid_lookup - the socket a Destination Connection ID belongs to
 * @net: the network namespace the packet arrived in
 * @cid: the connection ID
 * @len: its length
 *
 * Context: any, under rcu_read_lock().
 * Return: the socket with a reference held (sock_put() it), or NULL.
 */
struct sock *quic_cid_lookup(struct net *net, const u8 *cid, u32 len)
{
	struct quic_cid_entry *e;
	struct sock *sk;

	e = quic_cid_find(net, cid, len, quic_cid_hash(net, cid, len));
	if (!e)
		return NULL;
	sk = e->sk;
	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	return sk;
}
