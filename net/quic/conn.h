/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: connection state.  A QUIC socket that connects or is accepted gets
 * one struct quic_conn: its connection IDs, its packet number spaces and
 * their keys, the CRYPTO streams of the handshake, and its timer.
 */

#ifndef __NET_QUIC_CONN_H
#define __NET_QUIC_CONN_H

#include <linux/hrtimer.h>
#include <linux/skbuff.h>
#include <linux/timer.h>

#include "conn_id.h"
#include "cong.h"
#include "crypto.h"
#include "path.h"
#include "pmtu.h"
#include "stream.h"
#include "wire_ack.h"
#include "wire_packet.h"
#include "wire_param.h"

/* Datagrams with long header packets stay at the size every path carries;
 * 1-RTT ones grow to what DPLPMTUD confirms, up to QUIC_PMTU_MAX.
 */
#define QUIC_MAX_DATAGRAM	QUIC_PMTU_BASE
#define QUIC_PMTU_MAX		9216

/* Longest reason phrase kept or sent in a CONNECTION_CLOSE. */
#define QUIC_CLOSE_PHRASE_MAX_LEN	256

/* Packet number spaces (RFC 9000 section 12.3). */
enum quic_space_id {
	QUIC_SPACE_INITIAL,
	QUIC_SPACE_HANDSHAKE,
	QUIC_SPACE_APP,
	QUIC_SPACE_MAX,
};

/* A sent packet, kept until acknowledged or given up. */
struct quic_sent {
	struct list_head	list;
	u64			pn;
	u64			crypto_off;	/* CRYPTO data it carried */
	u32			crypto_len;
	bool			ack_eliciting;
	bool			handshake_done;
	bool			probe;		/* a PMTU probe */
	bool			path_probe;	/* PATH_CHALLENGE/RESPONSE */
	bool			ecn;		/* sent ECT(0) */
	u64			ack_largest;	/* the ACK it carried, if any */
	bool			has_ack;
	u8			nframes;
	u32			bytes;		/* counted in flight */
	u64			time;		/* sent, in us */
	struct quic_sent_frame	frames[QUIC_SENT_FRAMES];
};

/* The CRYPTO stream of one space: handshake bytes each way. */
struct quic_cstream {
	/* Sending: bytes from userspace, kept until acknowledged. */
	u8			*buf;
	u32			len;		/* bytes written by userspace */
	u32			cap;
	u32			sent;		/* bytes sent at least once */
	u32			acked;		/* contiguous prefix acknowledged */
	/* Receiving: the next offset to deliver; early data waits in @ooo. */
	u64			rcv_off;
	struct sk_buff_head	ooo;
	u32			ooo_bytes;
};

struct quic_space {
	u64			next_pn;
	struct quic_ack_set	recvd;
	bool			ack_pending;	/* an ACK is due now */
	u8			ack_eliciting;	/* received since our last ACK */
	u64			largest_recv_time;	/* us */
	u64			largest_acked;
	bool			any_acked;
	u64			loss_time;	/* us: a packet turns lost; 0 */
	struct list_head	sent;		/* struct quic_sent, by pn */
	u32			ack_only;	/* of them not ack-eliciting */
	bool			discarded;	/* keys dropped (RFC 9001 4.9) */
	/* RFC 9000 13.4: ECN counts (ECT(0), ECT(1), CE) of the packets
	 * received, for our ACK frames; those of the peer's last ACK frame
	 * that raised its largest; and our packets sent ECT(0).
	 */
	u64			ecn_recv[3];
	u64			ecn_acked[3];
	u64			ecn_sent;
	struct quic_cstream	cs;
	struct sk_buff_head	pending;	/* packets awaiting keys */
};

/* RFC 9001 section 4.1: where the handshake is. */
enum quic_phase {
	QUIC_PHASE_HANDSHAKE,	/* 1-RTT keys not all in yet */
	QUIC_PHASE_COMPLETE,	/* complete; a client's not yet confirmed */
	QUIC_PHASE_CONFIRMED,	/* confirmed (4.1.2): a server's at once */
};

/* RFC 9000 section 10: how the connection ended; it sends no more. */
enum quic_end {
	QUIC_END_NONE,		/* open */
	QUIC_END_CLOSING,	/* we sent CONNECTION_CLOSE (10.2.1) */
	QUIC_END_DRAINING,	/* the peer's came (10.2.2) */
	QUIC_END_CLOSED,	/* silently: a timeout, a reset, an abort */
};

/* The longest Retry token a client takes (its Initials must still fit). */
#define QUIC_TOKEN_MAX_LEN	512

struct quic_conn {
	struct sock		*sk;
	struct rcu_head		rcu;
	bool			is_server;
	u32			version;

	struct quic_conn_id	scid;		/* ours */
	struct quic_conn_id	dcid;		/* the peer's, in use */
	struct quic_conn_id	odcid;		/* client's first DCID */
	bool			dcid_set;	/* client: server's SCID seen */
	struct quic_cid_entry	*odcid_entry;	/* server only */
	struct quic_cid_set	cids;		/* each side's, by number */

	struct quic_crypto	crypto[QUIC_CRYPTO_MAX];
	/* Compatible version negotiation (RFC 9368 2.3, RFC 9369 4): the
	 * Initial keys of @alt_version.  A client's, derived at connect(),
	 * are taken when the server's first Initial comes in that version;
	 * a server that moved to its preferred version keeps the original
	 * one's here, to open the client's Initials still in it.
	 */
	struct quic_crypto	*initial_alt;
	u32			alt_version;
	bool			version_fixed;	/* client: no more moving */
	bool			version_moved;	/* negotiated != original */
	struct quic_space	space[QUIC_SPACE_MAX];
	/* An ACK frame's encoded ranges, while a packet is filled. */
	u8			ack_ranges[QUIC_ACK_RANGES_BUF_LEN];

	struct quic_tp		peer_tp;
	bool			peer_tp_set;
	bool			local_tp_done;	/* ours went to TLS */
	/* A server's preferred_address parameter, made with the first. */
	struct quic_tp_preferred_address pref_tp;
	bool			pref_tp_set;
	/* A client's move to the server's preferred_address (RFC 9000
	 * 9.6.1), made from the work once the handshake is confirmed.
	 */
	union quic_addr		pref_peer;
	bool			pref_pending;

	/* Key update (RFC 9001 section 6).  The 1-RTT keys have two
	 * phases; crypto[QUIC_CRYPTO_APP].key_phase is the one we send in,
	 * and a packet is opened with the phase its Key Phase bit names.
	 */
	/* Retry (RFC 9000 section 8.1.2), client: the server's token and
	 * SCID; the Initial keys are derived again from it in process
	 * context, and nothing is sent until then.
	 */
	u8			*token;
	u32			token_len;
	struct quic_conn_id	retry_scid;
	bool			retry_seen;
	bool			retry_pending;

	bool			ku_next_ready;	/* the other phase: next keys */
	bool			ku_peer_seen;	/* a peer packet in this phase */
	bool			ku_acked;	/* one of ours in it was acked */
	u64			ku_first_pn;	/* our first in this phase */
	u64			ku_peer_first_pn; /* the peer's lowest in it */
	bool			ku_peer_acked;	/* we acked one of those */
	unsigned long		ku_old_until;	/* jiffies: old keys go */
	/* RFC 9001 section 6.6: packets sealed with the current 1-RTT send
	 * key, and packets that failed to open, Initial ones aside.
	 */
	u64			key_tx_packets;
	u64			auth_failures;

	/* Where the handshake is, and whether and how the connection ended:
	 * two states, set only by quic_conn_phase() and quic_conn_end().
	 */
	u8			phase;		/* enum quic_phase */
	u8			end;		/* enum quic_end */
	bool			handshake_done_pending;	/* server: to send */
	bool			close_pending;	/* CONNECTION_CLOSE to send */
	bool			dead;		/* being freed */

	/* Our CONNECTION_CLOSE. */
	u32			close_errcode;
	u64			close_frame_type;
	bool			close_app;
	u8			*close_phrase;
	u32			close_phrase_len;
	/* RFC 9000 10.2.1: the datagram that carried our CONNECTION_CLOSE,
	 * sent again in the closing period; packets received in it.
	 */
	u8			*close_dgram;
	u32			close_dgram_len;
	u32			closing_packets;
	/* The peer's. */
	u32			peer_errcode;
	u8			peer_frame;
	bool			peer_app_close;
	u8			*peer_phrase;
	u32			peer_phrase_len;

	/* The path datagrams go on.  RFC 9000 8.1: until a Handshake
	 * packet validates the client's address, a server sends at most 3x
	 * what it received on it.
	 */
	struct quic_path	path;
	/* RFC 9000 9: a second path: where a probe from a new address is
	 * answered, or, after the peer moved, the one it left (to go back
	 * to if the new one fails validation).
	 */
	struct quic_path	alt;
	bool			alt_set;
	bool			alt_is_old;	/* @alt is the path left */
	/* The PATH_RESPONSE owed for the last PATH_CHALLENGE, and whether
	 * it came on @alt.
	 */
	u8			path_response[QUIC_PATH_DATA_LEN];
	bool			response_pending;
	bool			response_alt;
	/* The datagram being processed: from @path's peer or not, and what
	 * it held.
	 */
	bool			rx_other;	/* from another address */
	bool			rx_opened;	/* a packet of it opened */
	bool			rx_nonprobing;	/* a non-probing frame */
	bool			rx_newest;	/* the largest pn so far */
	bool			rx_dcid_changed; /* to another of our IDs */
	u8			rx_ecn;		/* its ECN field */
	/* The datagram being built goes out ECT(0). */
	bool			tx_ect;
	/* A client's own migration (QUIC_SOCKOPT_CONNECTION_MIGRATION):
	 * in progress, and the UDP socket it left, released in process
	 * context once the new path is validated.
	 */
	bool			migrating;
	struct quic_udp_sock	*udp_old;

	struct quic_streams	streams;

	/* RFC 9002 section 5, in microseconds. */
	u64			latest_rtt;
	u64			smoothed_rtt;
	u64			rttvar;
	u64			min_rtt;
	bool			rtt_sampled;
	u64			first_rtt_time;	/* us */
	u32			inflight;	/* ack-eliciting 1-RTT bytes */
	struct quic_cong	cong;

	struct timer_list	timer;		/* probe timeout */
	struct timer_list	ack_timer;	/* delayed ACK (RFC 9000 13.2.1) */
	/* RFC 9000 10.1: idle timeout, and keep-alive under SO_KEEPALIVE. */
	struct timer_list	idle_timer;
	u64			idle_timeout;	/* us; 0: none */
	unsigned long		last_activity;	/* jiffies */
	bool			idle_rearm;	/* next ack-eliciting send counts */
	u32			pto_count;
	u8			probe[QUIC_SPACE_MAX];	/* probe packets to send */
	unsigned long		handshake_deadline;	/* jiffies */

	/* Path MTU (DPLPMTUD). */
	struct quic_pmtu	pmtu;
	bool			pmtu_started;
	unsigned long		pmtu_raise;	/* jiffies: search again */

	/* Pacing (RFC 9002 7.7): no data before @pace_next, in ns. */
	struct hrtimer		pace_timer;
	u64			pace_next;
	bool			flush_deferred;	/* the timer found the socket owned */

	/* Payloads of the long header packets of the datagram being built
	 * (1-RTT payloads are written in place).
	 */
	u8			txbuf[QUIC_SPACE_APP][QUIC_MAX_DATAGRAM];
};

static inline bool quic_conn_complete(const struct quic_conn *c)
{
	return c->phase >= QUIC_PHASE_COMPLETE;
}

static inline bool quic_conn_confirmed(const struct quic_conn *c)
{
	return c->phase == QUIC_PHASE_CONFIRMED;
}

/* Ended, one way or another: no packet goes out or is processed. */
static inline bool quic_conn_ended(const struct quic_conn *c)
{
	return c->end != QUIC_END_NONE;
}

/* Whether stream @id is one this endpoint opens (RFC 9000 section 2.1). */
static inline bool quic_stream_is_local(const struct quic_conn *c, s64 id)
{
	return (id & QUIC_STREAM_TYPE_SERVER_MASK) == c->is_server;
}

static inline enum quic_space_id quic_level_space(u8 level)
{
	switch (level) {
	case QUIC_CRYPTO_INITIAL:
		return QUIC_SPACE_INITIAL;
	case QUIC_CRYPTO_HANDSHAKE:
		return QUIC_SPACE_HANDSHAKE;
	default:
		return QUIC_SPACE_APP;
	}
}

static inline u8 quic_space_level(enum quic_space_id s)
{
	static const u8 levels[] = {
		[QUIC_SPACE_INITIAL] = QUIC_CRYPTO_INITIAL,
		[QUIC_SPACE_HANDSHAKE] = QUIC_CRYPTO_HANDSHAKE,
		[QUIC_SPACE_APP] = QUIC_CRYPTO_APP,
	};

	return levels[s];
}

struct quic_conn *quic_conn_create(struct sock *sk, bool is_server,
				   u32 version, const union quic_addr *local,
				   const union quic_addr *peer);
void quic_conn_destroy(struct quic_conn *c);
int quic_conn_client_start(struct quic_conn *c);
int quic_conn_server_start(struct quic_conn *c,
			   const struct quic_packet_hdr *h);
int quic_conn_initial_keys(struct quic_conn *c);
int quic_conn_set_secret(struct quic_conn *c,
			 const struct quic_crypto_secret *s);
int quic_conn_set_peer_tp(struct quic_conn *c, const u8 *p, u32 len);
int quic_conn_get_local_tp(struct quic_conn *c, u8 *buf, u32 size);
int quic_conn_crypto_send(struct quic_conn *c, u8 level,
			  struct iov_iter *from, u32 len);
void quic_conn_close(struct quic_conn *c, u32 errcode, u64 frame_type,
		     bool app);
void quic_conn_end(struct quic_conn *c, u8 why, int err, u32 errcode,
		   u64 frame, bool app);
int quic_conn_key_update(struct quic_conn *c);
int quic_conn_migrate(struct quic_conn *c, struct quic_udp_sock *us,
		      const union quic_addr *la);
void quic_conn_work(struct quic_conn *c);

void quic_conn_rcv(struct quic_conn *c, struct sk_buff *skb);
int quic_conn_violation(struct quic_conn *c, u64 errcode, u64 frame_type);
void quic_conn_refused(struct quic_conn *c);
void quic_conn_sealed(struct quic_conn *c);

/* conn_id.c: the connection's IDs */
int quic_cids_add_local(struct quic_conn *c, gfp_t gfp);
int quic_cids_add_preferred(struct quic_conn *c,
			    struct quic_tp_preferred_address *pa);
void quic_cids_start(struct quic_conn *c);
void quic_cids_free(struct quic_conn *c);
int quic_cids_new_rcv(struct quic_conn *c, const struct quic_frame *f);
int quic_cids_retire_rcv(struct quic_conn *c, const struct quic_frame *f,
			 const u8 *dcid, u32 dcid_len);
bool quic_cids_rcv_dcid(struct quic_conn *c, const u8 *dcid, u32 len);
int quic_cids_migrate(struct quic_conn *c, gfp_t gfp);
bool quic_cids_reset_match(struct quic_conn *c, const u8 *tail);
bool quic_cids_has_frames(const struct quic_conn *c);
u8 *quic_cids_fill(struct quic_conn *c, u8 *p, u8 *end,
		   struct quic_sent_frame *frames, u8 *nframes,
		   bool *eliciting);
void quic_cids_frame_done(struct quic_conn *c,
			  const struct quic_sent_frame *sf, bool acked);
void quic_cids_get(struct quic_conn *c, struct quic_connection_id_info *info);
int quic_cids_set(struct quic_conn *c,
		  const struct quic_connection_id_info *info);

/* recovery.c */
int quic_conn_ack_rcv(struct quic_conn *c, enum quic_space_id s,
		      const struct quic_frame *f);
void quic_conn_sent_lost(struct quic_conn *c, enum quic_space_id s,
			 struct quic_sent *p, bool congestion);
bool quic_conn_loss_timer(struct quic_conn *c);
u64 quic_conn_loss_time(struct quic_conn *c);
u64 quic_conn_pto(struct quic_conn *c);
void quic_conn_timer_arm(struct quic_conn *c);
void quic_conn_pto_timer(struct timer_list *t);

/* output.c */
struct sk_buff *quic_reply_alloc(u32 len);
int quic_reply_xmit(struct sock *usk, struct sk_buff *rskb,
		    struct sk_buff *skb);
bool quic_space_can_send(struct quic_conn *c, enum quic_space_id s);
void quic_conn_path_send(struct quic_conn *c, struct quic_path *p);
void quic_conn_flush(struct quic_conn *c);
void quic_conn_timer_init(struct quic_conn *c);
void quic_conn_discard_space(struct quic_conn *c, enum quic_space_id s);
void quic_conn_idle_start(struct quic_conn *c);
void quic_conn_pmtu_update(struct quic_conn *c);
void quic_conn_release_cb(struct quic_conn *c);

#endif /* __NET_QUIC_CONN_H */
