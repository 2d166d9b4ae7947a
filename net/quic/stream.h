/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: streams (RFC 9000 sections 2 to 4), their flow control, and
 * DATAGRAM frames (RFC 9221).
 */

#ifndef __NET_QUIC_STREAM_H
#define __NET_QUIC_STREAM_H

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <linux/uio.h>

#include "wire_ack.h"

#define QUIC_STREAM_HASH_BITS	6

/* Stream types by initiator and direction: the low two bits of an ID. */
#define QUIC_STREAM_DIRS	2	/* index: 0 bidirectional, 1 uni */
/* RFC 9000 section 4.6: at most 2^60 streams of each type. */
#define QUIC_MAX_STREAMS_LIMIT	BIT_ULL(60)
/*
 * The most streams of one type we let the peer have open at once: a
 * larger max_streams is clamped to it, as SO_RCVBUF is to rmem_max.  A
 * frame for the peer's highest stream opens every one below (RFC 9000
 * section 3.2), in softirq: this bounds that work and its memory.
 */
#define QUIC_STREAMS_OPEN_MAX	4096

struct quic_conn;

/* 0 for a bidirectional stream, 1 for a unidirectional one. */
static inline int quic_stream_dir(s64 id)
{
	return !!(id & QUIC_STREAM_TYPE_UNI_MASK);
}

/* A range of stream data to send again (RFC 9000 section 13.3). */
struct quic_lost {
	struct list_head	list;
	u64			off;
	u32			len;
	bool			fin;
};

struct quic_stream {
	struct hlist_node	node;		/* in quic_streams.hash */
	/* In quic_streams.send_list, or in its blocked_list when
	 * @conn_blocked (which may be stale after a splice: see
	 * quic_stream_queue_send()).
	 */
	struct list_head	send_node;
	struct list_head	rcv_node;	/* in quic_streams.rcv_list */
	s64			id;
	bool			conn_blocked;
	bool			can_send;
	bool			can_recv;

	/* Sending: bytes [snd_una, snd_len) are in @sndq. */
	u8			send_state;	/* QUIC_STREAM_SEND_STATE_* */
	struct sk_buff_head	sndq;
	u64			snd_len;	/* queued by the application */
	u64			snd_next;	/* first byte never sent */
	u64			snd_una;	/* all below acknowledged */
	u64			snd_max;	/* the peer's MAX_STREAM_DATA */
	u64			snd_blocked_at;	/* STREAM_DATA_BLOCKED sent */
	struct quic_ack_set	*snd_acked;	/* acknowledged above una */
	struct list_head	lost;		/* struct quic_lost */
	u32			reset_code;
	bool			fin;		/* FIN at snd_len */
	bool			fin_sent;
	bool			fin_acked;
	bool			reset_pending;	/* RESET_STREAM to send */
	bool			blocked_pending; /* STREAM_DATA_BLOCKED */
	bool			stopped;	/* the peer sent STOP_SENDING */

	/* Receiving: [rcv_read, rcv_off) wait in @rcvq, later bytes in @ooo. */
	u8			recv_state;	/* QUIC_STREAM_RECV_STATE_* */
	struct sk_buff_head	rcvq;
	struct rb_root		ooo;		/* by offset: skb->rbnode */
	u64			rcv_off;	/* first byte not yet received */
	u64			rcv_read;	/* read by the application */
	u64			rcv_max;	/* our MAX_STREAM_DATA */
	u64			rcv_window;	/* how far it moves ahead */
	u64			rcv_stamp;	/* when it last moved, us */
	u64			rcv_highest;	/* largest offset seen */
	u64			final_size;
	u32			stop_code;
	bool			fin_known;
	bool			max_pending;	/* MAX_STREAM_DATA to send */
	bool			stop_pending;	/* STOP_SENDING to send */
	bool			stop_sent;
};

/* The streams of a connection and the connection-level flow control. */
struct quic_streams {
	struct hlist_head	hash[1 << QUIC_STREAM_HASH_BITS];
	struct list_head	send_list;	/* streams with frames to send */
	/* Streams whose new bytes wait for the peer's MAX_DATA, and only
	 * for it: a larger one moves them all back at once.
	 */
	struct list_head	blocked_list;
	struct list_head	rcv_list;	/* streams with something to read */
	s64			last_id;	/* we opened last, or -1 */
	s64			peer_last_id;	/* bidi the peer opened last */
	bool			ready;		/* limits set: established */

	/* Ours, by direction: the next index and the peer's limit. */
	u64			local_next[QUIC_STREAM_DIRS];
	u64			local_max[QUIC_STREAM_DIRS];
	bool			blocked_pending[QUIC_STREAM_DIRS];
	u64			streams_blocked_at[QUIC_STREAM_DIRS]; /* +1 */
	/* The peer's: the next index, our limit, how many are over. */
	u64			peer_next[QUIC_STREAM_DIRS];
	u64			peer_max[QUIC_STREAM_DIRS];
	u64			peer_done[QUIC_STREAM_DIRS];
	bool			max_streams_pending[QUIC_STREAM_DIRS];

	/* Connection flow control (RFC 9000 section 4.1). */
	u64			snd_max;	/* the peer's MAX_DATA */
	u64			snd_sent;	/* new bytes sent, all streams */
	u64			snd_queued;	/* and queued, reset ones not */
	bool			corked;		/* MSG_MORE on the last send */
	bool			push;		/* a FIN waits: no Nagle delay */
	u64			snd_blocked_at;	/* DATA_BLOCKED sent */
	bool			data_blocked_pending;
	u64			rcv_max;	/* our MAX_DATA */
	u64			rcv_window;
	u64			rcv_stamp;
	u64			rcv_highest;	/* sum of the streams' highest */
	u64			rcv_read;	/* sum of what was read */
	bool			max_data_pending;
	u32			ooo_mem;	/* truesize held out of order */

	/* DATAGRAM frames to send. */
	struct sk_buff_head	dgramq;
};

/* What one frame of a sent packet was, to act on its ACK or loss. */
struct quic_sent_frame {
	u8			type;		/* QUIC_FRAME_*, STREAM as 0x08 */
	bool			fin;
	u32			len;
	s64			id;
	u64			off;
};

#define QUIC_SENT_FRAMES	8

/* The largest DATAGRAM payload one of our packets carries. */
#define QUIC_DGRAM_OVERHEAD	(1 + 20 + 4 + 16 + 3)

void quic_streams_init(struct quic_streams *ss);
void quic_streams_free(struct quic_conn *c);
void quic_streams_start(struct quic_conn *c);

/* Frames from the peer, in conn.c's dispatch; 0 or a negative errno. */
int quic_stream_frame_rcv(struct quic_conn *c, const struct quic_frame *f);

/* What happened to a frame we sent. */
void quic_stream_frame_acked(struct quic_conn *c,
			     const struct quic_sent_frame *f);
void quic_stream_frame_lost(struct quic_conn *c,
			    const struct quic_sent_frame *f);

/* Fill a 1-RTT packet with stream, flow-control and DATAGRAM frames. */
u8 *quic_stream_fill(struct quic_conn *c, u8 *p, u8 *end,
		     struct quic_sent_frame *frames, u8 *nframes,
		     bool *eliciting);
bool quic_stream_has_data(const struct quic_conn *c);
void quic_stream_cork(struct quic_conn *c, bool more);
void quic_streams_discard(struct quic_conn *c);

/* From the socket layer, socket locked. */
int quic_stream_open(struct quic_conn *c, s64 *id, u32 flags);
struct quic_stream *quic_stream_find(struct quic_conn *c, s64 id);
int quic_stream_send(struct quic_conn *c, struct quic_stream *st,
		     struct iov_iter *from, u32 len, bool fin);
int quic_stream_send_check(struct quic_conn *c, struct quic_stream *st);
bool quic_stream_ended(struct quic_conn *c, s64 id);
s64 quic_stream_latest(const struct quic_conn *c);
bool quic_stream_started(const struct quic_stream *st);
int quic_stream_reset(struct quic_conn *c, s64 id, u32 code);
int quic_stream_stop_sending(struct quic_conn *c, s64 id, u32 code);
struct quic_stream *quic_stream_readable(struct quic_conn *c);
int quic_stream_read(struct quic_conn *c, struct quic_stream *st,
		     struct msghdr *msg, u32 len, bool peek, bool *fin);
int quic_dgram_send(struct quic_conn *c, struct iov_iter *from, u32 len);
int quic_dgram_max(const struct quic_conn *c);
int quic_dgram_rcv(struct quic_conn *c, const u8 *data, u32 len);

#endif /* __NET_QUIC_STREAM_H */
