// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: connection IDs.
 *
 * The table: every connection ID a connection answers to (the ones it
 * chose, and on a server the client's original Destination Connection ID
 * until the handshake moves on) has an entry.  Lookups run in softirq
 * under RCU; changes take a spinlock.
 *
 * Each connection's set (RFC 9000 section 5.1): after the handshake we
 * issue IDs up to the peer's active_connection_id_limit, each with its
 * stateless reset token, and replace those the peer retires; the peer's
 * IDs are kept up to our limit, retired when its Retire Prior To says so
 * or the application asks (QUIC_SOCKOPT_CONNECTION_ID).
 */

#include <crypto/algapi.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/netns/hash.h>

#include "conn.h"
#include "reset.h"
#include "socket.h"
#include "trace.h"

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
 * @gfp: allocation flags
 *
 * Context: any that @gfp allows.
 * Return: the entry, ERR_PTR(-EEXIST) if another socket of the namespace
 * has this ID, or ERR_PTR(-ENOMEM).
 */
struct quic_cid_entry *quic_cid_register(struct sock *sk,
					 const struct quic_conn_id *cid,
					 gfp_t gfp)
{
	struct net *net = sock_net(sk);
	u32 hash = quic_cid_hash(net, cid->data, cid->len);
	struct quic_cid_entry *e;

	e = kzalloc(sizeof(*e), gfp);
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

/* ---- Each connection's set ---- */

static void quic_cids_event(struct quic_conn *c, bool dest)
{
	struct quic_connection_id_info info = { .dest = dest };

	quic_cids_get(c, &info);
	quic_sk_event(c->sk, QUIC_EVENT_CONNECTION_ID, &info, sizeof(info));
}

/**
 * quic_cids_add_local - choose, register and remember one more of our IDs
 * @c: the connection
 * @gfp: allocation flags
 *
 * The first (sequence number 0) is the handshake's Source Connection ID,
 * also kept in @c->scid.
 *
 * Return: 0, -EADDRINUSE if no free ID was found in four tries, -ENOSPC
 * without a free slot, or -ENOMEM.
 */
int quic_cids_add_local(struct quic_conn *c, gfp_t gfp)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_local *l = NULL;
	struct quic_conn_id cid;
	struct quic_cid_entry *e;
	int i;

	for (i = 0; i < QUIC_CID_LOCAL_SLOTS && !l; i++)
		if (!cs->local[i].entry)
			l = &cs->local[i];
	if (!l)
		return -ENOSPC;
	for (i = 0; i < 4; i++) {
		quic_cid_generate(&cid, QUIC_CID_LEN);
		e = quic_cid_register(c->sk, &cid, gfp);
		if (!IS_ERR(e))
			break;
		if (PTR_ERR(e) != -EEXIST)
			return PTR_ERR(e);
	}
	if (IS_ERR(e))
		return -EADDRINUSE;
	l->entry = e;
	l->seq = cs->local_next++;
	quic_reset_token(sock_net(c->sk), &cid, l->token);
	l->to_send = l->seq > 0;
	if (!l->seq)
		c->scid = cid;
	else
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_CONN_IDS_ISSUED);
	return 0;
}

/**
 * quic_cids_add_preferred - our ID for the preferred_address parameter
 * @c: the connection, a server's, its parameters not yet sent
 * @pa: the parameter; its @cid and @token are filled in
 *
 * RFC 9000 5.1.1: it is sequence number 1, and NEW_CONNECTION_ID never
 * carries it.
 *
 * Context: process context.
 * Return: 0, or the error of quic_cids_add_local().
 */
int quic_cids_add_preferred(struct quic_conn *c,
			    struct quic_tp_preferred_address *pa)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_local *l;
	int err, i;

	err = quic_cids_add_local(c, GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++) {
		l = &cs->local[i];
		if (l->entry && l->seq == cs->local_next - 1)
			break;
	}
	l->to_send = false;
	pa->cid = l->entry->cid;
	memcpy(pa->token, l->token, QUIC_RESET_TOKEN_LEN);
	return 0;
}

/* Ours that the peer may use: not asked to retire. */
static u32 quic_cids_local_count(const struct quic_cid_set *cs)
{
	u32 i, n = 0;

	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
		n += cs->local[i].entry &&
		     cs->local[i].seq >= cs->local_prior_to;
	return n;
}

/*
 * Issue IDs up to the peer's limit (RFC 9000 5.1.1), ours included in the
 * count; a failure leaves fewer, which is allowed.
 */
static void quic_cids_issue(struct quic_conn *c, gfp_t gfp)
{
	u64 limit = min_t(u64, c->peer_tp.active_connection_id_limit,
			  QUIC_CID_SET_MAX);

	while (quic_cids_local_count(&c->cids) < limit)
		if (quic_cids_add_local(c, gfp))
			break;
}

/* Send to the peer's ID @r from now on, and watch for its token. */
static void quic_cids_use(struct quic_conn *c, struct quic_cid_remote *r,
			  gfp_t gfp)
{
	struct quic_cid_set *cs = &c->cids;

	c->dcid = r->cid;
	cs->remote_active = r->seq;
	quic_reset_unregister(cs->reset);
	cs->reset = NULL;
	if (r->has_token)
		cs->reset = quic_reset_register(c->sk, r->token, gfp);
}

/**
 * quic_cids_start - the handshake completed: the first IDs of each side
 * @c: the connection
 *
 * The peer's first ID is the one its handshake packets came from, with
 * the token of its transport parameters if a server sent one; ours are
 * issued up to its limit.
 *
 * Context: process context, socket locked.
 */
void quic_cids_start(struct quic_conn *c)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_remote *r = &cs->remote[0];

	if (cs->started)
		return;
	cs->started = true;
	r->set = true;
	r->seq = 0;
	r->cid = c->dcid;
	if (!c->is_server &&
	    quic_tp_has(&c->peer_tp, QUIC_TP_STATELESS_RESET_TOKEN)) {
		memcpy(r->token, c->peer_tp.stateless_reset_token,
		       QUIC_RESET_TOKEN_LEN);
		r->has_token = true;
	}
	quic_cids_use(c, r, GFP_KERNEL);
	/* RFC 9000 5.1.1: the preferred_address ID is number 1. */
	if (!c->is_server &&
	    quic_tp_has(&c->peer_tp, QUIC_TP_PREFERRED_ADDRESS)) {
		r = &cs->remote[1];
		r->set = true;
		r->seq = 1;
		r->cid = c->peer_tp.preferred_address.cid;
		memcpy(r->token, c->peer_tp.preferred_address.token,
		       QUIC_RESET_TOKEN_LEN);
		r->has_token = true;
	}
	quic_cids_issue(c, GFP_KERNEL);
}

void quic_cids_free(struct quic_conn *c)
{
	struct quic_cid_set *cs = &c->cids;
	int i;

	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++) {
		if (cs->local[i].entry)
			quic_cid_unregister(cs->local[i].entry);
		cs->local[i].entry = NULL;
	}
	quic_reset_unregister(cs->reset);
	cs->reset = NULL;
}

/* Owe the peer a RETIRE_CONNECTION_ID for @seq (RFC 9000 5.1.2). */
static int quic_cids_retire_remote(struct quic_conn *c, u64 seq)
{
	struct quic_cid_set *cs = &c->cids;
	u32 i;

	for (i = 0; i < cs->nretire; i++)
		if (cs->retire[i].seq == seq)
			return 0;
	if (cs->nretire == QUIC_CID_RETIRE_MAX)
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT,
				QUIC_FRAME_NEW_CONNECTION_ID);
	cs->retire[cs->nretire].seq = seq;
	cs->retire[cs->nretire].to_send = true;
	cs->nretire++;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PEER_CONN_IDS_RETIRED);
	return 0;
}

/*
 * Retire the peer's IDs below @prior_to; if the one in use goes, move to
 * the lowest left, if one is.  Returns how many went, or the error of a
 * connection closed for owing too many RETIRE_CONNECTION_IDs.
 */
static int quic_cids_retire_below(struct quic_conn *c, u64 prior_to,
				  gfp_t gfp)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_remote *r, *next = NULL;
	bool moved = false;
	int i, err, n = 0;

	for (i = 0; i < QUIC_CID_SET_MAX; i++) {
		r = &cs->remote[i];
		if (!r->set)
			continue;
		if (r->seq >= prior_to) {
			if (!next || r->seq < next->seq)
				next = r;
			continue;
		}
		err = quic_cids_retire_remote(c, r->seq);
		if (err)
			return err;
		r->set = false;
		moved |= r->seq == cs->remote_active;
		n++;
	}
	if (moved && next)
		quic_cids_use(c, next, gfp);
	return n;
}

/**
 * quic_cids_new_rcv - a NEW_CONNECTION_ID frame from the peer
 * @c: the connection
 * @f: the frame (the wire layer checked its lengths and Retire Prior To)
 *
 * RFC 9000 sections 5.1.1, 5.1.2 and 19.15.
 *
 * Context: socket locked (softirq or process context).
 * Return: 0, or the error of a connection closed for a violation.
 */
int quic_cids_new_rcv(struct quic_conn *c, const struct quic_frame *f)
{
	struct quic_cid_set *cs = &c->cids;
	u64 seq = f->new_cid.seq, rpt = f->new_cid.retire_prior_to;
	const struct quic_conn_id *id = &f->new_cid.cid;
	struct quic_cid_remote *r, *slot = NULL;
	int i, n = 0, retired = 0;

	/* A peer whose ID is zero-length has none to give (19.15). */
	if (!c->dcid.len || !cs->started)
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
				f->type);
	for (i = 0; i < QUIC_CID_SET_MAX; i++) {
		r = &cs->remote[i];
		if (!r->set)
			continue;
		if (r->seq != seq &&
		    (r->cid.len != id->len ||
		     memcmp(r->cid.data, id->data, id->len)))
			continue;
		/* A frame sent again; anything else reuses what was set. */
		if (r->seq == seq && r->cid.len == id->len &&
		    !memcmp(r->cid.data, id->data, id->len) &&
		    !memcmp(r->token, f->new_cid.token, QUIC_RESET_TOKEN_LEN))
			return 0;
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
				f->type);
	}
	/* Retired already by a Retire Prior To: retire it at once. */
	if (seq < cs->remote_prior_to)
		return quic_cids_retire_remote(c, seq);
	if (rpt > cs->remote_prior_to) {
		cs->remote_prior_to = rpt;
		retired = quic_cids_retire_below(c, rpt, GFP_ATOMIC);
		if (retired < 0)
			return retired;
	}
	for (i = 0; i < QUIC_CID_SET_MAX; i++) {
		if (cs->remote[i].set)
			n++;
		else if (!slot)
			slot = &cs->remote[i];
	}
	if (n >= quic_sk(c->sk)->local_param.active_connection_id_limit ||
	    !slot)
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT,
				f->type);
	slot->set = true;
	slot->seq = seq;
	slot->cid = *id;
	memcpy(slot->token, f->new_cid.token, QUIC_RESET_TOKEN_LEN);
	slot->has_token = true;
	/* The one in use was retired: move to the lowest left. */
	if (cs->remote_active < rpt) {
		for (i = 0; i < QUIC_CID_SET_MAX; i++)
			if (cs->remote[i].set && cs->remote[i].seq < slot->seq)
				slot = &cs->remote[i];
		quic_cids_use(c, slot, GFP_ATOMIC);
	}
	if (retired)
		quic_cids_event(c, true);
	return 0;
}

/**
 * quic_cids_retire_rcv - a RETIRE_CONNECTION_ID frame from the peer
 * @c: the connection
 * @f: the frame
 * @dcid: the Destination Connection ID of the packet that carried it
 * @dcid_len: its length
 *
 * RFC 9000 section 19.16: retiring a number never sent, or the ID the
 * frame's own packet was sent to, is a PROTOCOL_VIOLATION.  A retired ID
 * is replaced by a new one.
 *
 * Context: socket locked (softirq or process context).
 * Return: 0, or the error of a connection closed for a violation.
 */
int quic_cids_retire_rcv(struct quic_conn *c, const struct quic_frame *f,
			 const u8 *dcid, u32 dcid_len)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_local *l;
	u32 i;

	if (f->retire_seq >= cs->local_next)
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
				f->type);
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++) {
		l = &cs->local[i];
		if (!l->entry || l->seq != f->retire_seq)
			continue;
		if (l->entry->cid.len == dcid_len &&
		    !memcmp(l->entry->cid.data, dcid, dcid_len))
			return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
				f->type);
		quic_cid_unregister(l->entry);
		l->entry = NULL;
		l->to_send = false;
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_CONN_IDS_RETIRED);
		quic_cids_issue(c, GFP_ATOMIC);
		quic_cids_event(c, false);
		break;
	}
	return 0;
}

/**
 * quic_cids_rcv_dcid - a packet that opened was sent to our ID @dcid
 * @c: the connection
 * @dcid: the packet's Destination Connection ID
 * @len: its length
 *
 * Notes which of ours the peer uses, for QUIC_SOCKOPT_CONNECTION_ID.
 *
 * Return: true if it is another one than before.
 */
bool quic_cids_rcv_dcid(struct quic_conn *c, const u8 *dcid, u32 len)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_local *l = &cs->local[cs->local_active_slot];
	u32 i;

	if (l->entry && l->seq == cs->local_active &&
	    !memcmp(l->entry->cid.data, dcid, len))
		return false;
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++) {
		l = &cs->local[i];
		if (l->entry && l->entry->cid.len == len &&
		    !memcmp(l->entry->cid.data, dcid, len)) {
			cs->local_active = l->seq;
			cs->local_active_slot = i;
			return true;
		}
	}
	return false;
}

/**
 * quic_cids_migrate - move to an unused ID of the peer's, for a new path
 * @c: the connection
 * @gfp: allocation flags
 *
 * RFC 9000 9.5: packets on a new path use a connection ID not used on the
 * old one, so that the two cannot be linked; the old one is retired.
 *
 * Return: 0, or -EAGAIN if the peer gave no unused ID, or the error of a
 * connection closed for owing too many RETIRE_CONNECTION_IDs.
 */
int quic_cids_migrate(struct quic_conn *c, gfp_t gfp)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_remote *r, *next = NULL, *cur = NULL;
	int i, err;

	for (i = 0; i < QUIC_CID_SET_MAX; i++) {
		r = &cs->remote[i];
		if (!r->set)
			continue;
		if (r->seq == cs->remote_active)
			cur = r;
		else if (r->seq > cs->remote_active &&
			 (!next || r->seq < next->seq))
			next = r;
	}
	if (!next)
		return -EAGAIN;
	if (cur) {
		err = quic_cids_retire_remote(c, cur->seq);
		if (err)
			return err;
		cur->set = false;
	}
	quic_cids_use(c, next, gfp);
	return 0;
}

/**
 * quic_cids_reset_match - whether a datagram is the peer's stateless reset
 * @c: the connection
 * @tail: the datagram's last QUIC_RESET_TOKEN_LEN bytes
 *
 * RFC 9000 10.3.1: the tokens of the peer's IDs we sent to; we send to
 * one at a time.  Compared in constant time.
 */
bool quic_cids_reset_match(struct quic_conn *c, const u8 *tail)
{
	struct quic_cid_set *cs = &c->cids;
	u32 i;

	for (i = 0; i < QUIC_CID_SET_MAX; i++)
		if (cs->remote[i].set && cs->remote[i].has_token &&
		    cs->remote[i].seq == cs->remote_active &&
		    !crypto_memneq(cs->remote[i].token, tail,
				   QUIC_RESET_TOKEN_LEN))
			return true;
	return false;
}

bool quic_cids_has_frames(const struct quic_conn *c)
{
	const struct quic_cid_set *cs = &c->cids;
	u32 i;

	for (i = 0; i < cs->nretire; i++)
		if (cs->retire[i].to_send)
			return true;
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
		if (cs->local[i].entry && cs->local[i].to_send)
			return true;
	return false;
}

static bool quic_cids_put(u8 **p, u8 *end, const struct quic_frame *f,
			  struct quic_sent_frame *frames, u8 *nframes,
			  u64 seq)
{
	u32 n = quic_frame_len(f);
	struct quic_sent_frame *sf;

	if (!n || n > end - *p || *nframes >= QUIC_SENT_FRAMES)
		return false;
	*p = quic_frame_encode(*p, f);
	sf = &frames[(*nframes)++];
	memset(sf, 0, sizeof(*sf));
	sf->type = f->type;
	sf->off = seq;
	return true;
}

/**
 * quic_cids_fill - NEW_CONNECTION_ID and RETIRE_CONNECTION_ID frames
 * @c: the connection
 * @p: where the packet's next frame goes
 * @end: the packet's end
 * @frames: what the packet carries, for its ACK or loss
 * @nframes: how many of @frames are used
 * @eliciting: set if a frame was written
 *
 * Return: the new end of the packet's frames.
 */
u8 *quic_cids_fill(struct quic_conn *c, u8 *p, u8 *end,
		   struct quic_sent_frame *frames, u8 *nframes,
		   bool *eliciting)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_frame f;
	u32 i;

	for (i = 0; i < cs->nretire; i++) {
		if (!cs->retire[i].to_send)
			continue;
		f.type = QUIC_FRAME_RETIRE_CONNECTION_ID;
		f.retire_seq = cs->retire[i].seq;
		if (!quic_cids_put(&p, end, &f, frames, nframes, f.retire_seq))
			return p;
		cs->retire[i].to_send = false;
		*eliciting = true;
	}
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++) {
		struct quic_cid_local *l = &cs->local[i];

		if (!l->entry || !l->to_send)
			continue;
		f.type = QUIC_FRAME_NEW_CONNECTION_ID;
		f.new_cid.seq = l->seq;
		f.new_cid.retire_prior_to = min(cs->local_prior_to, l->seq);
		f.new_cid.cid = l->entry->cid;
		memcpy(f.new_cid.token, l->token, QUIC_RESET_TOKEN_LEN);
		if (!quic_cids_put(&p, end, &f, frames, nframes, l->seq))
			return p;
		l->to_send = false;
		*eliciting = true;
	}
	return p;
}

/* A packet with a frame of ours was acknowledged (@acked) or lost. */
void quic_cids_frame_done(struct quic_conn *c,
			  const struct quic_sent_frame *sf, bool acked)
{
	struct quic_cid_set *cs = &c->cids;
	u32 i;

	if (sf->type == QUIC_FRAME_RETIRE_CONNECTION_ID) {
		for (i = 0; i < cs->nretire; i++) {
			if (cs->retire[i].seq != sf->off)
				continue;
			if (!acked) {
				cs->retire[i].to_send = true;
				return;
			}
			cs->retire[i] = cs->retire[--cs->nretire];
			return;
		}
		return;
	}
	if (acked)
		return;
	for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
		if (cs->local[i].entry && cs->local[i].seq == sf->off)
			cs->local[i].to_send = true;
}

/**
 * quic_cids_get - QUIC_SOCKOPT_CONNECTION_ID read
 * @c: the connection
 * @info: @info->dest says which side; the rest is filled in
 */
void quic_cids_get(struct quic_conn *c, struct quic_connection_id_info *info)
{
	struct quic_cid_set *cs = &c->cids;
	u64 low = U64_MAX;
	u32 i;

	if (info->dest) {
		info->active = cs->remote_active;
		for (i = 0; i < QUIC_CID_SET_MAX; i++)
			if (cs->remote[i].set)
				low = min(low, cs->remote[i].seq);
	} else {
		info->active = cs->local_active;
		for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
			if (cs->local[i].entry &&
			    cs->local[i].seq >= cs->local_prior_to)
				low = min(low, cs->local[i].seq);
	}
	info->prior_to = low == U64_MAX ? 0 : low;
}

/**
 * quic_cids_set - QUIC_SOCKOPT_CONNECTION_ID write
 * @c: the connection, its handshake complete
 * @info: what to change
 *
 * For the peer's IDs (@info->dest): retire those below @info->prior_to
 * (RETIRE_CONNECTION_ID), then send to number @info->active.  For ours:
 * ask the peer to retire those below @info->prior_to, with new ones
 * issued in their place (NEW_CONNECTION_ID's Retire Prior To); which of
 * ours the peer sends to is its choice, so @info->active is not used.
 *
 * Context: process context, socket locked.
 * Return: 0; -EINVAL if no ID would be left, @info->active is not one of
 * the peer's or is below @info->prior_to, or @info->prior_to would
 * retire IDs we did not issue yet.
 */
int quic_cids_set(struct quic_conn *c,
		  const struct quic_connection_id_info *info)
{
	struct quic_cid_set *cs = &c->cids;
	struct quic_cid_remote *r = NULL;
	u32 i;
	int err;

	if (!info->dest) {
		if (info->prior_to > cs->local_next)
			return -EINVAL;
		if (info->prior_to <= cs->local_prior_to)
			return 0;
		cs->local_prior_to = info->prior_to;
		quic_cids_issue(c, GFP_KERNEL);
		/* The new Retire Prior To rides on every one not acked. */
		for (i = 0; i < QUIC_CID_LOCAL_SLOTS; i++)
			if (cs->local[i].entry &&
			    cs->local[i].seq >= cs->local_prior_to)
				cs->local[i].to_send = true;
		quic_conn_flush(c);
		return 0;
	}
	for (i = 0; i < QUIC_CID_SET_MAX; i++)
		if (cs->remote[i].set && cs->remote[i].seq == info->active)
			r = &cs->remote[i];
	if (!r || info->active < info->prior_to)
		return -EINVAL;
	err = quic_cids_retire_below(c, info->prior_to, GFP_KERNEL);
	if (err < 0)
		return err;
	if (cs->remote_active != r->seq)
		quic_cids_use(c, r, GFP_KERNEL);
	quic_conn_flush(c);
	return 0;
}
