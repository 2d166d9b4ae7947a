// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the closing period after close() (RFC 9000 section 10.2.1).
 *
 * A connection that sent CONNECTION_CLOSE is in the closing state for
 * three probe timeouts: a packet the peer sends in that time, because our
 * CONNECTION_CLOSE was lost, gets it again.  While the socket lives, the
 * connection answers itself (conn.c).  When the socket is closed first, it
 * leaves a record here: the datagram that carried the CONNECTION_CLOSE and
 * the connection IDs the peer may still send to.  A packet to one of them
 * gets that same datagram back (10.2.1 allows the same packet again), to
 * where it came from, on the 1st, 2nd, 4th ... packet, QUIC_CLOSING_ANSWERS
 * times at most, and never more than three times the bytes that came
 * (section 8: the source is not validated).  Without a record, the peer
 * would get a stateless reset instead, and lose the error code.
 *
 * Records are few and short-lived: net.quic.closing_max per namespace
 * (QUIC_CLOSING_MAX by default; none kept beyond: the stateless reset
 * remains), each for three PTOs, but
 * not less than QUIC_CLOSING_MIN_MS (a PTO on a short path is a few ms:
 * "at least three PTOs", 10.2) nor more than QUIC_CLOSING_MAX_MS.
 * Lookups run in softirq under RCU; changes take one spinlock.  A socket
 * closed with SO_LINGER and a zero time leaves none (an abortive close).
 */

#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/netns/hash.h>

#include "closing.h"
#include "conn.h"
#include "pernet.h"

struct quic_closing;

/* One connection ID a record answers to. */
struct quic_closing_id {
	struct hlist_node	node;
	struct quic_conn_id	cid;
	struct quic_closing	*rec;
};

struct quic_closing {
	struct list_head	list;		/* the namespace's; empty: gone */
	struct timer_list	timer;		/* the period's end */
	struct rcu_head		rcu;
	possible_net_t		net;
	atomic_t		packets;	/* received since the close */
	u32			nids;
	struct quic_closing_id	ids[QUIC_CID_LOCAL_SLOTS + 1];
	u32			len;
	u8			dgram[];	/* the CONNECTION_CLOSE's */
};

#define QUIC_CLOSING_HASH_BITS	8

static DEFINE_HASHTABLE(quic_closing_table, QUIC_CLOSING_HASH_BITS);
/* The table and every namespace's list and count. */
static DEFINE_SPINLOCK(quic_closing_lock);

static u32 quic_closing_hash(const struct net *net, const u8 *cid, u32 len)
{
	return jhash(cid, len, net_hash_mix(net));
}

/* Out of the table and the namespace's list; under quic_closing_lock. */
static void quic_closing_unlink(struct quic_closing *r)
{
	struct quic_net *qn = quic_net(read_pnet(&r->net));
	u32 i;

	for (i = 0; i < r->nids; i++)
		hash_del_rcu(&r->ids[i].node);
	list_del_init(&r->list);
	qn->nclosing--;
}

static void quic_closing_expire(struct timer_list *t)
{
	struct quic_closing *r = from_timer(r, t, timer);
	bool mine;

	spin_lock_bh(&quic_closing_lock);
	/* The namespace's exit may have taken it already. */
	mine = !list_empty(&r->list);
	if (mine)
		quic_closing_unlink(r);
	spin_unlock_bh(&quic_closing_lock);
	if (mine)
		kfree_rcu(r, rcu);
}

static void quic_closing_add_id(struct quic_closing *r,
				const struct quic_cid_entry *e)
{
	struct quic_closing_id *id = &r->ids[r->nids++];

	id->cid = e->cid;
	id->rec = r;
}

/**
 * quic_closing_keep - a closing connection's socket goes: keep its close
 * @c: the connection, not yet destroyed (its IDs still registered)
 *
 * Only a connection in the closing state (it sent CONNECTION_CLOSE, and
 * kept the datagram) leaves a record; a draining or silently closed one
 * sends nothing more (RFC 9000 10.2.2).
 *
 * Context: process (the socket's close()).
 */
void quic_closing_keep(struct quic_conn *c)
{
	struct net *net = sock_net(c->sk);
	struct quic_net *qn = quic_net(net);
	struct quic_closing *r;
	unsigned long period;
	u32 i;

	if (c->end != QUIC_END_CLOSING || !c->close_dgram ||
	    READ_ONCE(qn->nclosing) >= READ_ONCE(qn->closing_max))
		return;
	r = kzalloc(struct_size(r, dgram, c->close_dgram_len), GFP_KERNEL);
	if (!r)
		return;
	write_pnet(&r->net, net);
	atomic_set(&r->packets, 0);
	r->len = c->close_dgram_len;
	memcpy(r->dgram, c->close_dgram, r->len);
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
		if (c->cids.local[i].entry)
			quic_closing_add_id(r, c->cids.local[i].entry);
	/* A server's client-chosen ID, if the client still sends to it. */
	if (c->odcid_entry)
		quic_closing_add_id(r, c->odcid_entry);
	if (!r->nids) {
		kfree(r);
		return;
	}
	period = usecs_to_jiffies(clamp_t(u64, 3 * quic_conn_pto(c),
					  QUIC_CLOSING_MIN_MS * USEC_PER_MSEC,
					  QUIC_CLOSING_MAX_MS * USEC_PER_MSEC));
	timer_setup(&r->timer, quic_closing_expire, 0);

	spin_lock_bh(&quic_closing_lock);
	if (qn->nclosing >= READ_ONCE(qn->closing_max)) {
		spin_unlock_bh(&quic_closing_lock);
		kfree(r);
		return;
	}
	for (i = 0; i < r->nids; i++)
		hash_add_rcu(quic_closing_table, &r->ids[i].node,
			     quic_closing_hash(net, r->ids[i].cid.data,
					       r->ids[i].cid.len));
	list_add(&r->list, &qn->closing);
	qn->nclosing++;
	mod_timer(&r->timer, jiffies + period);
	spin_unlock_bh(&quic_closing_lock);
	QUIC_INC_STATS(net, QUIC_MIB_CLOSING_KEPT);
}

/**
 * quic_closing_answer - a datagram to a connection ID no socket has
 * @net: its namespace
 * @usk: the UDP socket it came on
 * @skb: the datagram, its IP and UDP headers still in the buffer
 * @h: its first packet's header
 *
 * Context: softirq, under rcu_read_lock().
 * Return: true if the ID is of a connection in its closing period (the
 * datagram is then answered or not, and the caller drops it).
 */
bool quic_closing_answer(struct net *net, struct sock *usk,
			 struct sk_buff *skb, const struct quic_packet_hdr *h)
{
	u32 hash = quic_closing_hash(net, h->dcid, h->dcid_len);
	struct quic_closing *r = NULL;
	struct quic_closing_id *id;
	struct sk_buff *a;

	hash_for_each_possible_rcu(quic_closing_table, id, node, hash)
		if (id->cid.len == h->dcid_len &&
		    !memcmp(id->cid.data, h->dcid, h->dcid_len) &&
		    net_eq(read_pnet(&id->rec->net), net)) {
			r = id->rec;
			break;
		}
	if (!r)
		return false;
	if (!quic_closing_answers(atomic_inc_return(&r->packets)) ||
	    r->len > 3 * skb->len)
		return true;
	a = quic_reply_alloc(r->len);
	if (!a)
		return true;
	skb_put_data(a, r->dgram, r->len);
	if (!quic_reply_xmit(usk, skb, a))
		QUIC_INC_STATS(net, QUIC_MIB_OUT_CLOSE_AGAIN);
	return true;
}

void quic_closing_net_init(struct net *net)
{
	INIT_LIST_HEAD(&quic_net(net)->closing);
	quic_net(net)->closing_max = QUIC_CLOSING_MAX;
}

/* The namespace goes: so do its records, their timers stopped. */
void quic_closing_net_exit(struct net *net)
{
	struct quic_net *qn = quic_net(net);
	struct quic_closing *r;

	for (;;) {
		spin_lock_bh(&quic_closing_lock);
		r = list_first_entry_or_null(&qn->closing, struct quic_closing,
					     list);
		if (r)
			quic_closing_unlink(r);
		spin_unlock_bh(&quic_closing_lock);
		if (!r)
			break;
		/* A running expiry finds it gone and leaves it to us. */
		timer_shutdown_sync(&r->timer);
		kfree_rcu(r, rcu);
	}
}
