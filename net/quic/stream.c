// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: streams, flow control and datagrams.
 *
 * A stream keeps what the application wrote until the peer acknowledges
 * it, and what the peer sent until the application reads it.  Frames that
 * are lost are rebuilt from that state (RFC 9000 section 13.3): a sent
 * packet remembers which stream bytes and which control frames it carried
 * (struct quic_sent_frame), never the packet itself.
 *
 * Everything here runs with the socket locked, as conn.c does.
 */

#include <linux/hash.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "conn.h"
#include "socket.h"
#include "stream.h"
#include "trace.h"

/* Bytes of a receive skb, so that small frames share one. */
#define QUIC_RCV_CHUNK		SKB_WITH_OVERHEAD(4096)
/* Bytes of a send skb. */
#define QUIC_SND_CHUNK		SKB_WITH_OVERHEAD(16384)

struct quic_snd_cb {
	u64	offset;
};

#define QUIC_SND_CB(skb)	((struct quic_snd_cb *)&((skb)->cb[0]))

static s64 quic_stream_id(const struct quic_conn *c, bool local, int dir,
			  u64 idx)
{
	return (s64)(idx << 2) | (dir ? QUIC_STREAM_TYPE_UNI_MASK : 0) |
	       (local == c->is_server ? QUIC_STREAM_TYPE_SERVER_MASK : 0);
}

static struct hlist_head *quic_stream_bucket(struct quic_streams *ss, s64 id)
{
	return &ss->hash[hash_64(id, QUIC_STREAM_HASH_BITS)];
}

struct quic_stream *quic_stream_find(struct quic_conn *c, s64 id)
{
	struct quic_stream *st;

	hlist_for_each_entry(st, quic_stream_bucket(&c->streams, id), node)
		if (st->id == id)
			return st;
	return NULL;
}

void quic_streams_init(struct quic_streams *ss)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ss->hash); i++)
		INIT_HLIST_HEAD(&ss->hash[i]);
	INIT_LIST_HEAD(&ss->send_list);
	INIT_LIST_HEAD(&ss->blocked_list);
	INIT_LIST_HEAD(&ss->rcv_list);
	skb_queue_head_init(&ss->dgramq);
	ss->last_id = -1;
	ss->peer_last_id = -1;
}

static struct quic_sock *quic_conn_qs(const struct quic_conn *c)
{
	return quic_sk(c->sk);
}

/**
 * quic_streams_start - take the limits of both ends once established
 * @c: the connection
 *
 * Also sizes the socket buffers as the draft's section 9 says: the receive
 * buffer follows our max_data, the send buffer the peer's.
 */
void quic_streams_start(struct quic_conn *c)
{
	const struct quic_transport_param *lp = &quic_conn_qs(c)->local_param;
	struct quic_streams *ss = &c->streams;
	struct sock *sk = c->sk;

	ss->local_max[0] = c->peer_tp.initial_max_streams_bidi;
	ss->local_max[1] = c->peer_tp.initial_max_streams_uni;
	ss->peer_max[0] = lp->max_streams_bidi;
	ss->peer_max[1] = lp->max_streams_uni;
	ss->snd_max = c->peer_tp.initial_max_data;
	ss->rcv_max = lp->max_data;
	ss->rcv_window = lp->max_data;
	ss->ready = true;

	quic_sk_rcvbuf_follow(sk, 2 * lp->max_data);
	quic_sk_sndbuf_follow(sk, 2 * ss->snd_max);
}

/* Send memory: the socket's queue (SO_SNDBUF) and the protocol's. */
static bool quic_stream_charge(struct sock *sk, struct sk_buff *skb)
{
	if (!sk_wmem_schedule(sk, skb->truesize))
		return false;
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return true;
}

static void quic_stream_uncharge(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	kfree_skb(skb);
}

static void quic_stream_free_lost(struct quic_stream *st)
{
	struct quic_lost *l, *tmp;

	list_for_each_entry_safe(l, tmp, &st->lost, list) {
		list_del(&l->list);
		kfree(l);
	}
}

static void quic_stream_drop_send(struct quic_conn *c, struct quic_stream *st)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&st->sndq)))
		quic_stream_uncharge(c->sk, skb);
	quic_stream_free_lost(st);
	kfree(st->snd_acked);
	st->snd_acked = NULL;
}

static void quic_stream_drop_recv(struct quic_conn *c, struct quic_stream *st)
{
	struct rb_node *node;
	struct sk_buff *skb;

	__skb_queue_purge(&st->rcvq);
	while ((node = rb_first(&st->ooo))) {
		skb = rb_to_skb(node);
		rb_erase(node, &st->ooo);
		c->streams.ooo_mem -= skb->truesize;
		kfree_skb(skb);
	}
}

static void quic_stream_destroy(struct quic_conn *c, struct quic_stream *st)
{
	trace_quic_stream(c->sk, st->id, QUIC_TRACE_STREAM_CLOSE);
	hlist_del(&st->node);
	list_del(&st->send_node);
	list_del(&st->rcv_node);
	quic_stream_drop_send(c, st);
	quic_stream_drop_recv(c, st);
	kfree(st);
}

void quic_streams_free(struct quic_conn *c)
{
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st;
	struct hlist_node *tmp;
	struct sk_buff *skb;
	int i;

	for (i = 0; i < ARRAY_SIZE(ss->hash); i++)
		hlist_for_each_entry_safe(st, tmp, &ss->hash[i], node)
			quic_stream_destroy(c, st);
	while ((skb = __skb_dequeue(&ss->dgramq)))
		quic_stream_uncharge(c->sk, skb);
}

static struct quic_stream *quic_stream_create(struct quic_conn *c, s64 id,
					      gfp_t gfp)
{
	const struct quic_transport_param *lp = &quic_conn_qs(c)->local_param;
	bool local = quic_stream_is_local(c, id);
	bool uni = quic_stream_dir(id);
	struct quic_stream *st;

	st = kzalloc(sizeof(*st), gfp | __GFP_ACCOUNT);
	if (!st)
		return NULL;
	st->id = id;
	st->can_send = local || !uni;
	st->can_recv = !local || !uni;
	skb_queue_head_init(&st->sndq);
	skb_queue_head_init(&st->rcvq);
	st->ooo = RB_ROOT;
	INIT_LIST_HEAD(&st->lost);
	INIT_LIST_HEAD(&st->send_node);
	INIT_LIST_HEAD(&st->rcv_node);
	st->send_state = QUIC_STREAM_SEND_STATE_READY;
	st->recv_state = QUIC_STREAM_RECV_STATE_RECV;

	/* RFC 9000 section 18.2: which limit applies to which stream. */
	if (local && !uni) {
		st->rcv_max = lp->max_stream_data_bidi_local;
		st->snd_max = c->peer_tp.initial_max_stream_data_bidi_remote;
	} else if (local) {
		st->snd_max = c->peer_tp.initial_max_stream_data_uni;
	} else if (!uni) {
		st->rcv_max = lp->max_stream_data_bidi_remote;
		st->snd_max = c->peer_tp.initial_max_stream_data_bidi_local;
	} else {
		st->rcv_max = lp->max_stream_data_uni;
	}
	hlist_add_head(&st->node, quic_stream_bucket(&c->streams, id));
	return st;
}

/* ---- Events ---- */

static void quic_stream_event(struct quic_conn *c, struct quic_stream *st,
			      u32 state, u32 errcode, u64 finalsz)
{
	struct quic_stream_update u = {
		.id = st->id,
		.state = state,
		.errcode = errcode,
		.finalsz = finalsz,
	};

	quic_sk_event(c->sk, QUIC_EVENT_STREAM_UPDATE, &u, sizeof(u));
}

static void quic_stream_wake_reader(struct quic_conn *c)
{
	c->sk->sk_data_ready(c->sk);
}

/* ---- Stream lifetime ---- */

static int quic_stream_rcv_window(struct quic_conn *c, struct quic_stream *st)
{
	const struct quic_transport_param *lp = &quic_conn_qs(c)->local_param;

	if (!quic_stream_is_local(c, st->id))
		return quic_stream_dir(st->id) ? lp->max_stream_data_uni :
						lp->max_stream_data_bidi_remote;
	return lp->max_stream_data_bidi_local;
}

static bool quic_stream_done(const struct quic_stream *st)
{
	bool send_done = !st->can_send ||
			 st->send_state == QUIC_STREAM_SEND_STATE_RECVD ||
			 st->send_state == QUIC_STREAM_SEND_STATE_RESET_RECVD;
	bool recv_done = !st->can_recv ||
			 st->recv_state == QUIC_STREAM_RECV_STATE_READ ||
			 st->recv_state == QUIC_STREAM_RECV_STATE_RESET_READ;

	return send_done && recv_done;
}

/* Free a stream that is over both ways; the peer may then open another. */
static void quic_stream_put(struct quic_conn *c, struct quic_stream *st)
{
	const struct quic_transport_param *lp = &quic_conn_qs(c)->local_param;
	struct quic_streams *ss = &c->streams;
	int dir = quic_stream_dir(st->id);
	u64 limit, max;

	if (!quic_stream_done(st))
		return;
	if (!quic_stream_is_local(c, st->id)) {
		ss->peer_done[dir]++;
		/* RFC 9000 4.6: each stream that ends makes room for one
		 * more, announced with the next packet.  Room that waits
		 * for many to end would starve a peer whose lower streams,
		 * opened implicitly (section 3.2), never end.
		 */
		limit = dir ? lp->max_streams_uni : lp->max_streams_bidi;
		max = min_t(u64, ss->peer_done[dir] + limit,
			    QUIC_MAX_STREAMS_LIMIT);
		if (max > ss->peer_max[dir]) {
			ss->peer_max[dir] = max;
			ss->max_streams_pending[dir] = true;
		}
	}
	quic_stream_destroy(c, st);
}

static void quic_stream_queue_send(struct quic_conn *c, struct quic_stream *st)
{
	if (st->conn_blocked) {
		st->conn_blocked = false;
		list_move_tail(&st->send_node, &c->streams.send_list);
	} else if (list_empty(&st->send_node)) {
		list_add_tail(&st->send_node, &c->streams.send_list);
	}
}

static void quic_stream_queue_rcv(struct quic_conn *c, struct quic_stream *st)
{
	if (list_empty(&st->rcv_node))
		list_add_tail(&st->rcv_node, &c->streams.rcv_list);
}

/* ---- Frames from the peer ---- */

static int quic_stream_error(struct quic_conn *c, u64 errcode, u64 type)
{
	return quic_conn_violation(c, errcode, type);
}

/*
 * Open the streams of one type, ours (@local) or the peer's, up to index
 * @idx: lower IDs open with a higher one (RFC 9000 section 3.2).  The
 * application hears of each stream the peer opens.
 */
static int quic_streams_open_upto(struct quic_conn *c, bool local, int dir,
				  u64 idx, gfp_t gfp)
{
	struct quic_streams *ss = &c->streams;
	u64 *next = local ? &ss->local_next[dir] : &ss->peer_next[dir];
	struct quic_stream *st;

	while (*next <= idx) {
		st = quic_stream_create(c, quic_stream_id(c, local, dir, *next),
					gfp);
		if (!st)
			return -ENOMEM;
		(*next)++;
		QUIC_INC_STATS(sock_net(c->sk), local ?
				    QUIC_MIB_STREAMS_OPENED :
				    QUIC_MIB_STREAMS_ACCEPTED);
		trace_quic_stream(c->sk, st->id, QUIC_TRACE_STREAM_OPEN);
		if (!local && !dir)
			ss->peer_last_id = st->id;
	}
	return 0;
}

/**
 * quic_stream_get_rx - the stream a peer's frame is about
 * @c: the connection
 * @id: the stream ID in the frame
 * @peer_sends: the frame is about the peer's sending part (STREAM,
 *	RESET_STREAM, STREAM_DATA_BLOCKED), else about ours (MAX_STREAM_DATA,
 *	STOP_SENDING)
 * @type: the frame type, for the error
 * @out: the stream, or NULL if it is over (frames for it are ignored)
 *
 * Opens the peer's streams up to @id (RFC 9000 section 3.2).
 *
 * Return: 0, or a negative errno after closing the connection.
 */
static int quic_stream_get_rx(struct quic_conn *c, s64 id, bool peer_sends,
			      u64 type, struct quic_stream **out)
{
	struct quic_streams *ss = &c->streams;
	bool local = quic_stream_is_local(c, id);
	int dir = quic_stream_dir(id);
	u64 idx = (u64)id >> 2;

	*out = NULL;
	/* Our unidirectional streams only send; the peer's only receive. */
	if (dir && local == peer_sends)
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
					 type);
	if (local) {
		if (idx >= ss->local_next[dir])
			return quic_stream_error(c,
					QUIC_TRANSPORT_ERROR_STREAM_STATE, type);
		*out = quic_stream_find(c, id);
		return 0;
	}
	if (idx >= ss->peer_max[dir])
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_STREAM_LIMIT,
					 type);
	if (quic_streams_open_upto(c, false, dir, idx, GFP_ATOMIC))
		return -ENOMEM;
	*out = quic_stream_find(c, id);
	return 0;
}

/* Bytes that became readable at the end of @st->rcvq. */
static int quic_stream_append(struct quic_conn *c, struct quic_stream *st,
			      const u8 *data, u32 len)
{
	struct sk_buff *skb = skb_peek_tail(&st->rcvq);
	u32 n;

	while (len) {
		if (!skb || !skb_tailroom(skb)) {
			skb = alloc_skb(max_t(u32, len, QUIC_RCV_CHUNK),
					GFP_ATOMIC);
			if (!skb)
				return -ENOMEM;
			if (!quic_skb_charge_r(c->sk, skb)) {
				kfree_skb(skb);
				return -ENOMEM;
			}
			QUIC_RCV_CB(skb)->read = 0;
			__skb_queue_tail(&st->rcvq, skb);
		}
		n = min_t(u32, len, skb_tailroom(skb));
		skb_put_data(skb, data, n);
		data += n;
		len -= n;
		st->rcv_off += n;
	}
	quic_stream_queue_rcv(c, st);
	return 0;
}

/* Keep bytes that came early, in offset order, within half of rcvbuf. */
static int quic_stream_keep_ooo(struct quic_conn *c, struct quic_stream *st,
				u64 off, const u8 *data, u32 len)
{
	struct rb_node **p = &st->ooo.rb_node, *parent = NULL;
	struct sk_buff *skb, *pos;

	/* Its place by offset, in O(log n); on the way, a frame whose bytes
	 * are all held already adds nothing and costs nothing.
	 */
	while (*p) {
		parent = *p;
		pos = rb_to_skb(parent);
		if (off < QUIC_RCV_CB(pos)->offset) {
			p = &parent->rb_left;
			continue;
		}
		if (QUIC_RCV_CB(pos)->offset + pos->len >= off + len)
			return 0;
		p = &parent->rb_right;
	}
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;
	/* Beyond, dropped: the peer sends it again. */
	if (c->streams.ooo_mem + skb->truesize > READ_ONCE(c->sk->sk_rcvbuf) / 2 ||
	    !quic_skb_charge_r(c->sk, skb)) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	skb_put_data(skb, data, len);
	QUIC_RCV_CB(skb)->offset = off;
	c->streams.ooo_mem += skb->truesize;
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &st->ooo);
	return 0;
}

/* Move what now follows on from @st->ooo to @st->rcvq. */
static int quic_stream_pull_ooo(struct quic_conn *c, struct quic_stream *st)
{
	struct rb_node *node;
	struct sk_buff *skb;
	u64 off, end;
	int err = 0;

	while ((node = rb_first(&st->ooo))) {
		skb = rb_to_skb(node);
		off = QUIC_RCV_CB(skb)->offset;
		if (off > st->rcv_off)
			break;
		end = off + skb->len;
		if (end > st->rcv_off)
			err = quic_stream_append(c, st,
						 skb->data + (st->rcv_off - off),
						 end - st->rcv_off);
		/* Acknowledged long ago: on failure what is left stays, for
		 * the next frame of the stream to pull.
		 */
		if (err)
			return err;
		rb_erase(&skb->rbnode, &st->ooo);
		c->streams.ooo_mem -= skb->truesize;
		kfree_skb(skb);
	}
	return 0;
}

static void quic_stream_check_recvd(struct quic_conn *c, struct quic_stream *st)
{
	if (!st->fin_known || st->rcv_off != st->final_size ||
	    st->recv_state == QUIC_STREAM_RECV_STATE_RECVD ||
	    st->recv_state == QUIC_STREAM_RECV_STATE_READ)
		return;
	st->recv_state = QUIC_STREAM_RECV_STATE_RECVD;
	quic_stream_event(c, st, QUIC_STREAM_RECV_STATE_RECVD, 0,
			  st->final_size);
	/* Even with nothing left to read, the FIN is. */
	quic_stream_queue_rcv(c, st);
}

/* Account new bytes against our connection-level limit. */
static int quic_stream_rcv_credit(struct quic_conn *c, struct quic_stream *st,
				  u64 end, u64 type)
{
	struct quic_streams *ss = &c->streams;

	if (end <= st->rcv_highest)
		return 0;
	if (ss->rcv_highest + (end - st->rcv_highest) > ss->rcv_max)
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
					 type);
	ss->rcv_highest += end - st->rcv_highest;
	st->rcv_highest = end;
	return 0;
}

static void quic_stream_update_windows(struct quic_conn *c,
				       struct quic_stream *st);

/* After shutdown(SHUT_RD) nothing is read: received bytes count as read. */
static bool quic_stream_rcv_off(const struct quic_conn *c)
{
	return READ_ONCE(c->sk->sk_shutdown) & RCV_SHUTDOWN;
}

/*
 * Drop what @st holds for the reader as if it was read: the flow-control
 * windows move on, so the peer is not held, and a stream whose end was
 * read this way is over.  @st may be freed.
 */
static void quic_stream_discard(struct quic_conn *c, struct quic_stream *st)
{
	u64 n = st->rcv_off - st->rcv_read;

	if (!st->can_recv)
		return;
	__skb_queue_purge(&st->rcvq);
	list_del_init(&st->rcv_node);
	st->rcv_read += n;
	c->streams.rcv_read += n;
	if (n)
		quic_stream_update_windows(c, st);
	if (st->fin_known && st->rcv_read == st->final_size &&
	    st->recv_state != QUIC_STREAM_RECV_STATE_RESET_READ) {
		st->recv_state = QUIC_STREAM_RECV_STATE_READ;
		quic_stream_put(c, st);
	}
}

/**
 * quic_streams_discard - shutdown(SHUT_RD): drop what waits to be read
 * @c: the connection
 *
 * The draft's section 3.1.7: incoming data is discarded quietly from now
 * on; the peer's streams still end as they would, so it is not stalled.
 */
void quic_streams_discard(struct quic_conn *c)
{
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st;
	struct hlist_node *tmp;
	int i;

	for (i = 0; i < ARRAY_SIZE(ss->hash); i++)
		hlist_for_each_entry_safe(st, tmp, &ss->hash[i], node)
			quic_stream_discard(c, st);
}

static int quic_stream_rcv_data(struct quic_conn *c, const struct quic_frame *f)
{
	u64 off = f->stream.offset, end = off + f->stream.len;
	bool fin = f->type & QUIC_STREAM_BIT_FIN;
	struct quic_stream *st;
	bool first;
	int err;

	err = quic_stream_get_rx(c, f->stream.stream_id, true, f->type, &st);
	if (err || !st)
		return err;
	if (end > st->rcv_max)
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
					 f->type);
	/* RFC 9000 4.5: the final size never changes. */
	if ((st->fin_known && (end > st->final_size ||
			       (fin && end != st->final_size))) ||
	    (fin && end < st->rcv_highest))
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_FINAL_SIZE,
					 f->type);
	if (st->recv_state == QUIC_STREAM_RECV_STATE_RESET_RECVD ||
	    st->recv_state == QUIC_STREAM_RECV_STATE_RESET_READ)
		return 0;
	first = !st->rcv_highest && end;
	err = quic_stream_rcv_credit(c, st, end, f->type);
	if (err)
		return err;
	/* Section 5.1.1 of the draft: the first data of a stream whose last
	 * fragment has not come yet.
	 */
	if (first && !fin)
		quic_stream_event(c, st, QUIC_STREAM_RECV_STATE_RECV, 0, 0);
	if (fin && !st->fin_known) {
		st->fin_known = true;
		st->final_size = end;
		/* Section 5.1.1: only when the end comes ahead of a gap. */
		if (off > st->rcv_off) {
			st->recv_state = QUIC_STREAM_RECV_STATE_SIZE_KNOWN;
			quic_stream_event(c, st,
					  QUIC_STREAM_RECV_STATE_SIZE_KNOWN, 0,
					  end);
		}
	}
	if (end > st->rcv_off) {
		if (off > st->rcv_off && !f->stream.len)
			return 0;
		if (off > st->rcv_off)
			return quic_stream_keep_ooo(c, st, off, f->stream.data,
						    f->stream.len);
		err = quic_stream_append(c, st,
					 f->stream.data + (st->rcv_off - off),
					 end - st->rcv_off);
		if (!err)
			err = quic_stream_pull_ooo(c, st);
		if (err)
			return err;
		quic_stream_wake_reader(c);
	}
	quic_stream_check_recvd(c, st);
	if (quic_stream_rcv_off(c)) {
		quic_stream_discard(c, st);
		return 0;
	}
	if (st->recv_state == QUIC_STREAM_RECV_STATE_RECVD)
		quic_stream_wake_reader(c);
	return 0;
}

static void quic_conn_update_window(struct quic_conn *c);

static int quic_stream_rcv_reset(struct quic_conn *c,
				 const struct quic_frame *f)
{
	u64 size = f->reset_stream.final_size;
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st;
	int err;

	err = quic_stream_get_rx(c, f->reset_stream.stream_id, true, f->type,
				 &st);
	if (err || !st)
		return err;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_STREAMS_RESET_RECV);
	trace_quic_stream(c->sk, st->id, QUIC_TRACE_STREAM_RESET_RECV);
	if (size > st->rcv_max)
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
					 f->type);
	if (size < st->rcv_highest || (st->fin_known && size != st->final_size))
		return quic_stream_error(c, QUIC_TRANSPORT_ERROR_FINAL_SIZE,
					 f->type);
	if (st->recv_state == QUIC_STREAM_RECV_STATE_RESET_RECVD ||
	    st->recv_state == QUIC_STREAM_RECV_STATE_RESET_READ ||
	    st->recv_state == QUIC_STREAM_RECV_STATE_READ)
		return 0;
	err = quic_stream_rcv_credit(c, st, size, f->type);
	if (err)
		return err;
	st->fin_known = true;
	st->final_size = size;
	/* The unread bytes are dropped and their credit given back. */
	ss->rcv_read += size - st->rcv_read;
	st->rcv_read = size;
	quic_conn_update_window(c);
	quic_stream_drop_recv(c, st);
	st->max_pending = false;
	/* The application hears of it from the event alone: the bytes it
	 * had not read are gone, and no read of another stream fails for
	 * it.  Nothing is left to deliver, so the reset counts as read.
	 */
	st->recv_state = QUIC_STREAM_RECV_STATE_RESET_RECVD;
	quic_stream_event(c, st, QUIC_STREAM_RECV_STATE_RESET_RECVD,
			  f->reset_stream.errcode, size);
	st->recv_state = QUIC_STREAM_RECV_STATE_RESET_READ;
	list_del_init(&st->rcv_node);
	quic_stream_put(c, st);
	return 0;
}

/* Abandon the sending part: drop the bytes, tell the peer. */
static void quic_stream_do_reset(struct quic_conn *c, struct quic_stream *st,
				 u32 code)
{
	/* What was never sent will not be: it waits for nothing now. */
	c->streams.snd_queued -= st->snd_len - st->snd_next;
	quic_stream_drop_send(c, st);
	st->send_state = QUIC_STREAM_SEND_STATE_RESET_SENT;
	st->reset_code = code;
	st->reset_pending = true;
	st->blocked_pending = false;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_STREAMS_RESET_SENT);
	trace_quic_stream(c->sk, st->id, QUIC_TRACE_STREAM_RESET_SENT);
	quic_stream_queue_send(c, st);
	c->sk->sk_write_space(c->sk);
}

static bool quic_stream_send_over(const struct quic_stream *st)
{
	return st->send_state == QUIC_STREAM_SEND_STATE_RECVD ||
	       st->send_state == QUIC_STREAM_SEND_STATE_RESET_SENT ||
	       st->send_state == QUIC_STREAM_SEND_STATE_RESET_RECVD;
}

static int quic_stream_rcv_stop(struct quic_conn *c, const struct quic_frame *f)
{
	struct quic_stream *st;
	int err;

	err = quic_stream_get_rx(c, f->stop_sending.stream_id, false, f->type,
				 &st);
	if (err || !st)
		return err;
	st->stopped = true;
	/* RFC 9000 3.5: answer with RESET_STREAM, with the peer's code. */
	if (!quic_stream_send_over(st)) {
		quic_stream_do_reset(c, st, f->stop_sending.errcode);
		quic_stream_event(c, st, QUIC_STREAM_SEND_STATE_RESET_SENT,
				  f->stop_sending.errcode, st->snd_next);
	}
	c->sk->sk_state_change(c->sk);
	return 0;
}

/**
 * quic_stream_frame_rcv - act on a stream or flow-control frame
 * @c: the connection
 * @f: the decoded frame, from a 1-RTT packet
 *
 * Return: 0; -ENOBUFS if the packet must be dropped unacknowledged (no
 * memory for early data); another negative errno after closing the
 * connection.
 */
int quic_stream_frame_rcv(struct quic_conn *c, const struct quic_frame *f)
{
	const struct quic_transport_param *lp = &quic_conn_qs(c)->local_param;
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st;
	int dir, err = 0;

	if (!ss->ready)
		return quic_stream_error(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, f->type);

	switch (f->type) {
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		return quic_stream_rcv_data(c, f);
	case QUIC_FRAME_RESET_STREAM:
		return quic_stream_rcv_reset(c, f);
	case QUIC_FRAME_STOP_SENDING:
		return quic_stream_rcv_stop(c, f);
	case QUIC_FRAME_MAX_DATA:
		/* What waited for it may go on: one splice, whatever
		 * number of streams or of frames.
		 */
		if (f->max_data > ss->snd_max) {
			ss->snd_max = f->max_data;
			list_splice_tail_init(&ss->blocked_list,
					      &ss->send_list);
		}
		return 0;
	case QUIC_FRAME_MAX_STREAM_DATA:
		err = quic_stream_get_rx(c, f->max_stream_data.stream_id, false,
					 f->type, &st);
		if (!err && st && f->max_stream_data.max > st->snd_max) {
			st->snd_max = f->max_stream_data.max;
			if (st->snd_next < st->snd_len)
				quic_stream_queue_send(c, st);
		}
		return err;
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		dir = f->type == QUIC_FRAME_MAX_STREAMS_UNI;
		if (f->max_streams > ss->local_max[dir]) {
			/* The event gives the largest ID we may now open. */
			u64 max = quic_stream_id(c, true, dir,
						 f->max_streams - 1);

			ss->local_max[dir] = f->max_streams;
			quic_sk_event(c->sk, QUIC_EVENT_STREAM_MAX_STREAM, &max,
				      sizeof(max));
			c->sk->sk_state_change(c->sk);
		}
		return 0;
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_BLOCKED_RECV);
		return quic_stream_get_rx(c, f->stream_data_blocked.stream_id,
					  true, f->type, &st);
	case QUIC_FRAME_DATAGRAM:
	case QUIC_FRAME_DATAGRAM_LEN:
		/* RFC 9221 section 3: not announced, or too big. */
		if (f->datagram.len + 1 +
		    (f->type == QUIC_FRAME_DATAGRAM_LEN ?
		     quic_varint_len(f->datagram.len) : 0) >
		    lp->max_datagram_frame_size)
			return quic_stream_error(c,
					QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
					f->type);
		return quic_dgram_rcv(c, f->datagram.data, f->datagram.len);
	case QUIC_FRAME_DATA_BLOCKED:
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		/* They need no answer. */
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_BLOCKED_RECV);
		return 0;
	default:
		return 0;
	}
}

/* ---- What became of the frames we sent ---- */

/* Acknowledged bytes [@off, @end): move snd_una, free what is below. */
static void quic_stream_ack_range(struct quic_conn *c, struct quic_stream *st,
				  u64 off, u64 end)
{
	struct quic_ack_set *set = st->snd_acked;
	struct sk_buff *skb;
	u32 i;

	if (end <= st->snd_una)
		return;
	if (off > st->snd_una) {
		if (!set) {
			set = kmalloc(sizeof(*set), GFP_ATOMIC);
			if (!set)
				return;	/* it is sent again, acked again */
			quic_ack_set_init(set);
			st->snd_acked = set;
		}
		quic_ack_set_add_range(set, off, end - 1);
		return;
	}
	st->snd_una = end;
	/* The smallest ranges, last in the set, may now follow on. */
	while (set && set->count) {
		i = set->count - 1;
		if (set->r[i].start > st->snd_una)
			break;
		st->snd_una = max(st->snd_una, set->r[i].end + 1);
		set->count--;
	}
	while ((skb = skb_peek(&st->sndq)) &&
	       QUIC_SND_CB(skb)->offset + skb->len <= st->snd_una) {
		__skb_unlink(skb, &st->sndq);
		quic_stream_uncharge(c->sk, skb);
	}
	c->sk->sk_write_space(c->sk);
}

void quic_stream_frame_acked(struct quic_conn *c,
			     const struct quic_sent_frame *f)
{
	struct quic_stream *st = quic_stream_find(c, f->id);

	if (!st)
		return;
	switch (f->type) {
	case QUIC_FRAME_STREAM:
		if (st->send_state != QUIC_STREAM_SEND_STATE_SEND &&
		    st->send_state != QUIC_STREAM_SEND_STATE_SENT)
			return;
		quic_stream_ack_range(c, st, f->off, f->off + f->len);
		if (f->fin)
			st->fin_acked = true;
		if (st->fin_acked && st->snd_una == st->snd_len) {
			st->send_state = QUIC_STREAM_SEND_STATE_RECVD;
			quic_stream_drop_send(c, st);
			quic_stream_event(c, st, QUIC_STREAM_SEND_STATE_RECVD,
					  0, st->snd_len);
			quic_stream_put(c, st);
		}
		return;
	case QUIC_FRAME_RESET_STREAM:
		if (st->send_state != QUIC_STREAM_SEND_STATE_RESET_SENT)
			return;
		st->send_state = QUIC_STREAM_SEND_STATE_RESET_RECVD;
		quic_stream_event(c, st, QUIC_STREAM_SEND_STATE_RESET_RECVD,
				  st->reset_code, st->snd_next);
		quic_stream_put(c, st);
		return;
	}
}

void quic_stream_frame_lost(struct quic_conn *c,
			    const struct quic_sent_frame *f)
{
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st;
	struct quic_lost *l;

	switch (f->type) {
	case QUIC_FRAME_MAX_DATA:
		ss->max_data_pending = true;
		return;
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		ss->max_streams_pending[f->type == QUIC_FRAME_MAX_STREAMS_UNI] =
			true;
		return;
	}
	st = quic_stream_find(c, f->id);
	if (!st)
		return;
	switch (f->type) {
	case QUIC_FRAME_STREAM:
		if (quic_stream_send_over(st) ||
		    (f->off + f->len <= st->snd_una && !f->fin))
			return;
		l = kmalloc(sizeof(*l), GFP_ATOMIC);
		if (!l)
			return;	/* a probe timeout will try again */
		l->off = f->off;
		l->len = f->len;
		l->fin = f->fin;
		list_add_tail(&l->list, &st->lost);
		break;
	case QUIC_FRAME_RESET_STREAM:
		if (st->send_state != QUIC_STREAM_SEND_STATE_RESET_SENT)
			return;
		st->reset_pending = true;
		break;
	case QUIC_FRAME_STOP_SENDING:
		if (st->recv_state != QUIC_STREAM_RECV_STATE_RECV &&
		    st->recv_state != QUIC_STREAM_RECV_STATE_SIZE_KNOWN)
			return;
		st->stop_pending = true;
		break;
	case QUIC_FRAME_MAX_STREAM_DATA:
		if (st->recv_state != QUIC_STREAM_RECV_STATE_RECV)
			return;
		st->max_pending = true;
		break;
	default:
		return;
	}
	quic_stream_queue_send(c, st);
}

/* ---- Building frames ---- */

struct quic_fill {
	u8			*p;
	u8			*end;
	struct quic_sent_frame	*frames;
	u8			*nframes;
	bool			*eliciting;
	bool			hold;		/* new stream bytes wait */
};

/* Write @f and remember it as @type, @id; false if it does not fit. */
static bool quic_fill_frame(struct quic_fill *fl, const struct quic_frame *f,
			    u8 type, s64 id, u64 off, u32 len, bool fin)
{
	struct quic_sent_frame *sf;
	u32 n = quic_frame_len(f);

	if (!n || n > fl->end - fl->p || *fl->nframes >= QUIC_SENT_FRAMES)
		return false;
	fl->p = quic_frame_encode(fl->p, f);
	sf = &fl->frames[(*fl->nframes)++];
	sf->type = type;
	sf->id = id;
	sf->off = off;
	sf->len = len;
	sf->fin = fin;
	*fl->eliciting = true;
	return true;
}

static bool quic_fill_conn_ctrl(struct quic_conn *c, struct quic_fill *fl)
{
	struct quic_streams *ss = &c->streams;
	struct quic_frame f = {};
	int dir;

	if (ss->max_data_pending) {
		f.type = QUIC_FRAME_MAX_DATA;
		f.max_data = ss->rcv_max;
		if (!quic_fill_frame(fl, &f, f.type, 0, 0, 0, false))
			return false;
		ss->max_data_pending = false;
	}
	for (dir = 0; dir < QUIC_STREAM_DIRS; dir++) {
		if (ss->max_streams_pending[dir]) {
			f.type = dir ? QUIC_FRAME_MAX_STREAMS_UNI :
				       QUIC_FRAME_MAX_STREAMS_BIDI;
			f.max_streams = ss->peer_max[dir];
			if (!quic_fill_frame(fl, &f, f.type, 0, 0, 0, false))
				return false;
			ss->max_streams_pending[dir] = false;
		}
		if (ss->blocked_pending[dir]) {
			f.type = dir ? QUIC_FRAME_STREAMS_BLOCKED_UNI :
				       QUIC_FRAME_STREAMS_BLOCKED_BIDI;
			f.streams_blocked = ss->local_max[dir];
			if (!quic_fill_frame(fl, &f, f.type, 0, 0, 0, false))
				return false;
			ss->blocked_pending[dir] = false;
		}
	}
	if (ss->data_blocked_pending) {
		f.type = QUIC_FRAME_DATA_BLOCKED;
		f.data_blocked = ss->snd_max;
		if (!quic_fill_frame(fl, &f, f.type, 0, 0, 0, false))
			return false;
		ss->data_blocked_pending = false;
	}
	return true;
}

static bool quic_fill_stream_ctrl(struct quic_conn *c, struct quic_stream *st,
				  struct quic_fill *fl)
{
	struct quic_frame f = {};

	if (st->reset_pending) {
		f.type = QUIC_FRAME_RESET_STREAM;
		f.reset_stream.stream_id = st->id;
		f.reset_stream.errcode = st->reset_code;
		f.reset_stream.final_size = st->snd_next;
		if (!quic_fill_frame(fl, &f, f.type, st->id, 0, 0, false))
			return false;
		st->reset_pending = false;
	}
	if (st->stop_pending) {
		f.type = QUIC_FRAME_STOP_SENDING;
		f.stop_sending.stream_id = st->id;
		f.stop_sending.errcode = st->stop_code;
		if (!quic_fill_frame(fl, &f, f.type, st->id, 0, 0, false))
			return false;
		st->stop_pending = false;
	}
	if (st->max_pending) {
		f.type = QUIC_FRAME_MAX_STREAM_DATA;
		f.max_stream_data.stream_id = st->id;
		f.max_stream_data.max = st->rcv_max;
		if (!quic_fill_frame(fl, &f, f.type, st->id, 0, 0, false))
			return false;
		st->max_pending = false;
	}
	if (st->blocked_pending) {
		f.type = QUIC_FRAME_STREAM_DATA_BLOCKED;
		f.stream_data_blocked.stream_id = st->id;
		f.stream_data_blocked.limit = st->snd_max;
		if (!quic_fill_frame(fl, &f, f.type, st->id, 0, 0, false))
			return false;
		st->blocked_pending = false;
	}
	return true;
}

/* The queued skb holding byte @off, and how many bytes follow in it. */
static const u8 *quic_stream_data_at(struct quic_stream *st, u64 off, u32 *len)
{
	struct sk_buff *skb;
	u64 start;

	skb_queue_walk(&st->sndq, skb) {
		start = QUIC_SND_CB(skb)->offset;
		if (off >= start && off < start + skb->len) {
			*len = start + skb->len - off;
			return skb->data + (off - start);
		}
	}
	*len = 0;
	return NULL;
}

/* One STREAM frame of bytes [@off, @off + at most @len) and maybe FIN. */
static u32 quic_fill_data(struct quic_stream *st, struct quic_fill *fl,
			  u64 off, u64 len, bool fin)
{
	struct quic_frame f = {};
	u32 hdr, room, avail = 0;
	const u8 *data = NULL;

	/* Type, ID, offset and a two-byte length (packets < 16384). */
	hdr = 1 + quic_varint_len(st->id) + (off ? quic_varint_len(off) : 0) +
	      2;
	if (fl->end - fl->p <= hdr)
		return 0;
	room = fl->end - fl->p - hdr;
	if (len) {
		data = quic_stream_data_at(st, off, &avail);
		if (!data)
			return 0;
		len = min3(len, (u64)avail, (u64)room);
		if (!len)
			return 0;
	}
	/* The FIN goes with the last byte only. */
	if (fin && off + len != st->snd_len)
		fin = false;
	if (!len && !fin)
		return 0;
	f.type = QUIC_FRAME_STREAM | QUIC_STREAM_BIT_LEN |
		 (off ? QUIC_STREAM_BIT_OFF : 0) | (fin ? QUIC_STREAM_BIT_FIN : 0);
	f.stream.stream_id = st->id;
	f.stream.offset = off;
	f.stream.len = len;
	f.stream.data = data;
	if (!quic_fill_frame(fl, &f, QUIC_FRAME_STREAM, st->id, off, len, fin))
		return 0;
	if (fin)
		st->fin_sent = true;
	return len ? len : 1;
}

/* Lost bytes of @st first, then new ones; false once the packet is full. */
static bool quic_fill_stream_data(struct quic_conn *c, struct quic_stream *st,
				  struct quic_fill *fl)
{
	struct quic_streams *ss = &c->streams;
	struct quic_lost *l;
	u64 off, lim, n;
	u32 sent;

	if (st->send_state == QUIC_STREAM_SEND_STATE_RESET_SENT ||
	    st->send_state == QUIC_STREAM_SEND_STATE_RESET_RECVD)
		return true;
	while ((l = list_first_entry_or_null(&st->lost, struct quic_lost,
					     list))) {
		/* Skip what was acknowledged since. */
		if (l->off < st->snd_una) {
			n = min_t(u64, st->snd_una - l->off, l->len);
			l->off += n;
			l->len -= n;
		}
		if (!l->len && (!l->fin || st->fin_acked)) {
			list_del(&l->list);
			kfree(l);
			continue;
		}
		sent = quic_fill_data(st, fl, l->off, l->len, l->fin);
		if (!sent)
			return false;
		sent = min_t(u32, sent, l->len);
		l->off += sent;
		l->len -= sent;
		if (!l->len) {
			list_del(&l->list);
			kfree(l);
		}
	}

	if (fl->hold)
		return true;
	/* New bytes, within both flow-control limits. */
	lim = min(st->snd_len, st->snd_max);
	lim = min(lim, st->snd_next + (ss->snd_max - ss->snd_sent));
	while (st->snd_next < lim || (st->fin && !st->fin_sent &&
				      st->snd_next == st->snd_len)) {
		off = st->snd_next;
		sent = quic_fill_data(st, fl, off, lim - off, st->fin);
		if (!sent)
			return false;
		if (off < lim) {
			st->snd_next += sent;
			ss->snd_sent += sent;
		}
		if (st->send_state == QUIC_STREAM_SEND_STATE_READY)
			st->send_state = QUIC_STREAM_SEND_STATE_SEND;
		if (st->fin_sent)
			st->send_state = QUIC_STREAM_SEND_STATE_SENT;
	}
	/* Held by the peer: say so once per limit (RFC 9000 4.1). */
	if (st->snd_next < st->snd_len && st->snd_next == st->snd_max &&
	    st->snd_blocked_at != st->snd_max) {
		st->snd_blocked_at = st->snd_max;
		st->blocked_pending = true;
		QUIC_INC_STATS(sock_net(c->sk),
			       QUIC_MIB_STREAM_DATA_BLOCKED_SENT);
		return quic_fill_stream_ctrl(c, st, fl);
	}
	if (st->snd_next < st->snd_len && ss->snd_sent == ss->snd_max &&
	    ss->snd_blocked_at != ss->snd_max) {
		ss->snd_blocked_at = ss->snd_max;
		ss->data_blocked_pending = true;
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_DATA_BLOCKED_SENT);
		return quic_fill_conn_ctrl(c, fl);
	}
	return true;
}

static bool quic_fill_dgrams(struct quic_conn *c, struct quic_fill *fl)
{
	struct sk_buff_head *q = &c->streams.dgramq;
	struct quic_frame f = {};
	struct sk_buff *skb;
	u32 n;

	while ((skb = skb_peek(q))) {
		f.type = QUIC_FRAME_DATAGRAM_LEN;
		f.datagram.len = skb->len;
		f.datagram.data = skb->data;
		n = quic_frame_len(&f);
		if (n > fl->end - fl->p)
			return false;
		fl->p = quic_frame_encode(fl->p, &f);
		*fl->eliciting = true;
		__skb_unlink(skb, q);
		quic_stream_uncharge(c->sk, skb);
	}
	return true;
}

/*
 * Whether new stream bytes wait for more to come, so as not to go in small
 * packets: less than a full packet of them is queued, and either the last
 * sendmsg() said more follows (MSG_MORE, the draft's section 4.1), or,
 * unless stream_data_nodelay is set (section 6.1.3), bytes sent earlier
 * are not acknowledged yet (the Nagle algorithm).  A queued FIN goes at
 * once: the application has nothing more to add.
 */
static bool quic_stream_hold(const struct quic_conn *c)
{
	const struct quic_streams *ss = &c->streams;

	if (ss->snd_queued - ss->snd_sent >= c->pmtu.mtu)
		return false;
	if (ss->corked)
		return true;
	if (ss->push || quic_conn_qs(c)->config.stream_data_nodelay)
		return false;
	return c->inflight;
}

/* New bytes or a FIN of @st not sent yet (and never to be, after a reset). */
static bool quic_stream_new_pending(const struct quic_stream *st)
{
	if (st->send_state == QUIC_STREAM_SEND_STATE_RESET_SENT ||
	    st->send_state == QUIC_STREAM_SEND_STATE_RESET_RECVD)
		return false;
	return st->snd_next < st->snd_len || (st->fin && !st->fin_sent);
}

/* Frames of @st that go whatever quic_stream_hold() says. */
static bool quic_stream_ctrl_pending(const struct quic_stream *st)
{
	return st->reset_pending || st->stop_pending || st->max_pending ||
	       st->blocked_pending || !list_empty(&st->lost);
}

/**
 * quic_stream_cork - what the last sendmsg() said of the next
 * @c: the connection
 * @more: MSG_MORE was set: hold what does not fill a packet
 */
void quic_stream_cork(struct quic_conn *c, bool more)
{
	c->streams.corked = more;
}

/* New bytes within the stream's window wait for the connection's. */
static bool quic_stream_conn_blocked(const struct quic_conn *c,
				     const struct quic_stream *st)
{
	return (st->send_state == QUIC_STREAM_SEND_STATE_READY ||
		st->send_state == QUIC_STREAM_SEND_STATE_SEND) &&
	       st->snd_next < min(st->snd_len, st->snd_max) &&
	       c->streams.snd_sent >= c->streams.snd_max;
}

/**
 * quic_stream_fill - write the application's frames into a 1-RTT packet
 * @c: the connection
 * @p: where to write
 * @end: the end of the room
 * @frames: where to record what was written, for its ACK or loss
 * @nframes: how many records are used (in and out)
 * @eliciting: set if an ack-eliciting frame was written
 *
 * Control frames first, then datagrams, then stream data from the streams
 * that have some, in turn.
 *
 * Return: the end of what was written.
 */
u8 *quic_stream_fill(struct quic_conn *c, u8 *p, u8 *end,
		     struct quic_sent_frame *frames, u8 *nframes,
		     bool *eliciting)
{
	struct quic_fill fl = { p, end, frames, nframes, eliciting };
	struct quic_streams *ss = &c->streams;
	struct quic_stream *st, *tmp, *full = NULL;

	if (!ss->ready || !quic_fill_conn_ctrl(c, &fl) ||
	    !quic_fill_dgrams(c, &fl))
		return fl.p;
	fl.hold = quic_stream_hold(c);
	list_for_each_entry_safe(st, tmp, &ss->send_list, send_node) {
		if (!quic_fill_stream_ctrl(c, st, &fl) ||
		    !quic_fill_stream_data(c, st, &fl)) {
			full = st;
			break;
		}
		/* Held bytes keep their place for when they may go. */
		if (fl.hold && quic_stream_new_pending(st))
			continue;
		/* Nothing more for now: off the list until something comes,
		 * or to the blocked list until MAX_DATA does.
		 */
		if (quic_stream_conn_blocked(c, st)) {
			st->conn_blocked = true;
			list_move_tail(&st->send_node, &ss->blocked_list);
			continue;
		}
		st->conn_blocked = false;
		list_del_init(&st->send_node);
		if (quic_stream_done(st))
			quic_stream_put(c, st);
	}
	/* Round robin: the stream that filled the packet goes last. */
	if (full)
		list_move_tail(&full->send_node, &ss->send_list);
	else if (list_empty(&ss->send_list))
		ss->push = false;
	return fl.p;
}

bool quic_stream_has_data(const struct quic_conn *c)
{
	const struct quic_streams *ss = &c->streams;
	const struct quic_stream *st;
	int dir;

	if (!ss->ready)
		return false;
	for (dir = 0; dir < QUIC_STREAM_DIRS; dir++)
		if (ss->max_streams_pending[dir] || ss->blocked_pending[dir])
			return true;
	if (ss->max_data_pending || ss->data_blocked_pending ||
	    !skb_queue_empty(&ss->dgramq))
		return true;
	if (list_empty(&ss->send_list) || !quic_stream_hold(c))
		return !list_empty(&ss->send_list);
	list_for_each_entry(st, &ss->send_list, send_node)
		if (quic_stream_ctrl_pending(st))
			return true;
	return false;
}

/* ---- The application's side ---- */

/**
 * quic_stream_open - open one of our streams
 * @c: the connection
 * @id: the stream ID, or -1 for the next of the type @flags says; set to
 *	the stream opened
 * @flags: MSG_STREAM_UNI for the next unidirectional stream
 *
 * Streams below @id of the same type are opened too (RFC 9000 3.2).
 *
 * Return: 0; -EAGAIN if the peer's stream limit is reached; -EINVAL for
 * an ID that is not ours; -EPIPE for one that is over; -ENOMEM.
 */
int quic_stream_open(struct quic_conn *c, s64 *id, u32 flags)
{
	struct quic_streams *ss = &c->streams;
	int dir;
	u64 idx;

	if (*id == -1) {
		dir = !!(flags & MSG_STREAM_UNI);
		*id = quic_stream_id(c, true, dir, ss->local_next[dir]);
	}
	if (*id < 0 || *id >= (s64)(QUIC_MAX_STREAMS_LIMIT << 2) ||
	    !quic_stream_is_local(c, *id))
		return -EINVAL;
	dir = quic_stream_dir(*id);
	idx = (u64)*id >> 2;
	if (idx < ss->local_next[dir])
		return quic_stream_find(c, *id) ? 0 : -EPIPE;
	if (idx >= ss->local_max[dir]) {
		/* RFC 9000 4.6: say so, once per limit. */
		if (ss->streams_blocked_at[dir] != ss->local_max[dir] + 1) {
			ss->streams_blocked_at[dir] = ss->local_max[dir] + 1;
			ss->blocked_pending[dir] = true;
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_STREAMS_BLOCKED_SENT);
		}
		return -EAGAIN;
	}
	if (quic_streams_open_upto(c, true, dir, idx, GFP_KERNEL))
		return -ENOMEM;
	ss->last_id = *id;
	return 0;
}

/**
 * quic_stream_latest - the stream send() uses without a stream ID
 * @c: the connection
 *
 * The draft's section 4.3.1: the stream this end opened last.  An end that
 * opened none (a server answering on the client's stream, say) uses the
 * bidirectional stream the peer opened last.
 *
 * Return: its ID, or -1 if there is none.
 */
s64 quic_stream_latest(const struct quic_conn *c)
{
	const struct quic_streams *ss = &c->streams;

	return ss->last_id >= 0 ? ss->last_id : ss->peer_last_id;
}

/* Has the application written on @st (data or a FIN)? */
bool quic_stream_started(const struct quic_stream *st)
{
	return st->snd_len || st->fin ||
	       st->send_state != QUIC_STREAM_SEND_STATE_READY;
}

/**
 * quic_stream_ended - whether a stream we could send on is over
 * @c: the connection
 * @id: its ID
 *
 * Return: true if the stream has a sending part here, was opened by
 * either side, and is gone since (both directions ended).
 */
bool quic_stream_ended(struct quic_conn *c, s64 id)
{
	struct quic_streams *ss = &c->streams;
	bool local = quic_stream_is_local(c, id);
	int dir = quic_stream_dir(id);
	u64 idx = (u64)id >> 2;

	if (id < 0 || (dir && !local) || quic_stream_find(c, id))
		return false;
	return idx < (local ? ss->local_next[dir] : ss->peer_next[dir]);
}

/**
 * quic_stream_send_check - may the application write on @st
 * @c: the connection
 * @st: the stream
 *
 * Return: 0, -EINVAL (no sending part), -ECONNRESET (the peer sent
 * STOP_SENDING), -EPIPE (after our FIN or reset).
 */
int quic_stream_send_check(struct quic_conn *c, struct quic_stream *st)
{
	if (!st->can_send)
		return -EINVAL;
	if (st->stopped)
		return -ECONNRESET;
	if (st->fin || quic_stream_send_over(st))
		return -EPIPE;
	return 0;
}

/**
 * quic_stream_send - queue bytes the application wrote
 * @c: the connection
 * @st: a stream quic_stream_send_check() allows
 * @from: the bytes
 * @len: how many; the caller checked the send buffer has room
 * @fin: they end the stream
 *
 * Return: bytes queued, or a negative errno.
 */
int quic_stream_send(struct quic_conn *c, struct quic_stream *st,
		     struct iov_iter *from, u32 len, bool fin)
{
	struct sock *sk = c->sk;
	struct sk_buff *skb;
	u32 copied = 0, n;
	int err = -ENOMEM;

	while (copied < len) {
		skb = skb_peek_tail(&st->sndq);
		if (!skb || !skb_tailroom(skb)) {
			skb = alloc_skb(min_t(u32, len - copied, QUIC_SND_CHUNK),
					sk->sk_allocation);
			if (!skb)
				break;
			if (!quic_stream_charge(sk, skb)) {
				kfree_skb(skb);
				err = -ENOBUFS;	/* the protocol's memory */
				break;
			}
			QUIC_SND_CB(skb)->offset = st->snd_len;
			__skb_queue_tail(&st->sndq, skb);
		}
		n = min_t(u32, len - copied, skb_tailroom(skb));
		if (!copy_from_iter_full(skb_put(skb, n), n, from)) {
			skb_trim(skb, skb->len - n);
			if (!copied)
				return -EFAULT;
			break;
		}
		copied += n;
		st->snd_len += n;
	}
	if (!copied && len)
		return err;
	c->streams.snd_queued += copied;
	if (fin && copied == len) {
		st->fin = true;
		c->streams.push = true;
	}
	quic_stream_queue_send(c, st);
	return copied;
}

int quic_stream_reset(struct quic_conn *c, s64 id, u32 code)
{
	struct quic_stream *st = quic_stream_find(c, id);

	if (!st || !st->can_send)
		return -EINVAL;
	if (quic_stream_send_over(st))
		return 0;
	quic_stream_do_reset(c, st, code);
	return 0;
}

int quic_stream_stop_sending(struct quic_conn *c, s64 id, u32 code)
{
	struct quic_stream *st = quic_stream_find(c, id);

	if (!st || !st->can_recv)
		return -EINVAL;
	if (st->stop_sent || (st->recv_state != QUIC_STREAM_RECV_STATE_RECV &&
			      st->recv_state != QUIC_STREAM_RECV_STATE_SIZE_KNOWN))
		return 0;
	st->stop_code = code;
	st->stop_pending = true;
	st->stop_sent = true;
	quic_stream_queue_send(c, st);
	return 0;
}

/* The first stream with something to read. */
struct quic_stream *quic_stream_readable(struct quic_conn *c)
{
	return list_first_entry_or_null(&c->streams.rcv_list,
					struct quic_stream, rcv_node);
}

/*
 * A receive window doubles when the reader used it up within two round
 * trips (the peer was held by it, not by the reader), up to this, and
 * never beyond half the receive buffer.
 */
#define QUIC_RCV_WINDOW_MAX	(16U << 20)

static u64 quic_window_grow(struct quic_conn *c, u64 *win, u64 *stamp)
{
	struct sock *sk = c->sk;
	u64 now = ktime_to_us(ktime_get());
	u64 rtt = c->rtt_sampled ? c->smoothed_rtt :
		  quic_conn_qs(c)->config.initial_smoothed_rtt;
	bool fast = *stamp && now - *stamp < 2 * rtt;

	*stamp = now;
	if (fast && *win < QUIC_RCV_WINDOW_MAX) {
		*win = min_t(u64, 2 * *win, QUIC_RCV_WINDOW_MAX);
		quic_sk_rcvbuf_follow(sk, 2 * *win);
	}
	return min_t(u64, *win, max(READ_ONCE(sk->sk_rcvbuf) / 2, 1));
}

/* Move the connection's window once half of it is used (4.2). */
static void quic_conn_update_window(struct quic_conn *c)
{
	struct quic_streams *ss = &c->streams;
	u64 win;

	if (ss->rcv_max - ss->rcv_read < ss->rcv_window / 2) {
		win = quic_window_grow(c, &ss->rcv_window, &ss->rcv_stamp);
		if (ss->rcv_read + win > ss->rcv_max) {
			ss->rcv_max = ss->rcv_read + win;
			ss->max_data_pending = true;
		}
	}
}

/* After a read: move the windows once half of them is used (4.2). */
static void quic_stream_update_windows(struct quic_conn *c,
				       struct quic_stream *st)
{
	u64 win;

	if (!st->rcv_window)
		st->rcv_window = quic_stream_rcv_window(c, st);
	if (!st->fin_known && st->rcv_max - st->rcv_read < st->rcv_window / 2) {
		win = quic_window_grow(c, &st->rcv_window, &st->rcv_stamp);
		if (st->rcv_read + win > st->rcv_max) {
			st->rcv_max = st->rcv_read + win;
			st->max_pending = true;
			quic_stream_queue_send(c, st);
		}
	}
	quic_conn_update_window(c);
}

/**
 * quic_stream_read - copy readable bytes of one stream to the application
 * @c: the connection
 * @st: the first readable stream
 * @msg: where to copy
 * @len: at most this much
 * @peek: leave the bytes where they are
 * @fin: set if the bytes returned end the stream
 *
 * Return: bytes copied, or -EFAULT.
 */
int quic_stream_read(struct quic_conn *c, struct quic_stream *st,
		     struct msghdr *msg, u32 len, bool peek, bool *fin)
{
	struct quic_streams *ss = &c->streams;
	struct sk_buff *skb, *tmp;
	u32 copied = 0, n, off;
	int err;

	*fin = false;
	skb_queue_walk_safe(&st->rcvq, skb, tmp) {
		if (copied == len)
			break;
		off = QUIC_RCV_CB(skb)->read;
		n = min_t(u32, len - copied, skb->len - off);
		err = skb_copy_datagram_msg(skb, off, msg, n);
		if (err)
			return copied ? copied : err;
		copied += n;
		if (peek)
			continue;
		QUIC_RCV_CB(skb)->read += n;
		if (QUIC_RCV_CB(skb)->read == skb->len) {
			__skb_unlink(skb, &st->rcvq);
			kfree_skb(skb);
		}
	}
	if (peek)
		return copied;
	st->rcv_read += copied;
	ss->rcv_read += copied;
	if (skb_queue_empty(&st->rcvq)) {
		if (st->fin_known && st->rcv_read == st->final_size) {
			*fin = true;
			st->recv_state = QUIC_STREAM_RECV_STATE_READ;
		}
		list_del_init(&st->rcv_node);
	}
	if (copied)
		quic_stream_update_windows(c, st);
	if (*fin)
		quic_stream_put(c, st);
	return copied;
}

/* ---- Datagrams ---- */

/* The largest payload a DATAGRAM frame of ours may carry now. */
int quic_dgram_max(const struct quic_conn *c)
{
	u64 peer = c->peer_tp.max_datagram_frame_size;
	u32 pkt = QUIC_MAX_DATAGRAM - QUIC_DGRAM_OVERHEAD;

	if (!peer)
		return -EINVAL;
	/* The frame's type and a two-byte length count in the peer's limit. */
	return peer < 3 ? 0 : min_t(u64, peer - 3, pkt);
}

int quic_dgram_send(struct quic_conn *c, struct iov_iter *from, u32 len)
{
	struct sock *sk = c->sk;
	struct sk_buff *skb;
	int max = quic_dgram_max(c);

	if (max < 0)
		return max;
	if (len > max)
		return -EMSGSIZE;
	skb = alloc_skb(len, sk->sk_allocation);
	if (!skb)
		return -ENOMEM;
	if (!copy_from_iter_full(skb_put(skb, len), len, from)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	if (!quic_stream_charge(sk, skb)) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	__skb_queue_tail(&c->streams.dgramq, skb);
	return len;
}

int quic_dgram_rcv(struct quic_conn *c, const u8 *data, u32 len)
{
	struct sock *sk = c->sk;
	struct sk_buff *skb;

	/* Unreliable: beyond the receive buffer it is dropped, and after
	 * shutdown(SHUT_RD) too.
	 */
	if (quic_stream_rcv_off(c))
		return 0;
	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf))
		goto full;
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return 0;
	if (!quic_skb_charge_r(sk, skb)) {
		kfree_skb(skb);
		goto full;
	}
	skb_put_data(skb, data, len);
	quic_rcvq_add(sk, skb, QUIC_RCV_DATAGRAM, 0);
	return 0;

full:
	QUIC_INC_STATS(sock_net(sk), QUIC_MIB_IN_RCVBUF_DROPS);
	return 0;
}
