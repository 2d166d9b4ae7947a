// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: building and sending packets, and the connection's timer.
 *
 * One call to quic_conn_flush() sends what is pending: for each datagram
 * it gathers the frames of every packet number space that has something to
 * say (an ACK, CRYPTO data, HANDSHAKE_DONE, a probe, a CONNECTION_CLOSE),
 * coalesces the packets Initial first (RFC 9000 section 12.2), pads a
 * datagram that carries an Initial to 1200 bytes (section 14.1), seals each
 * packet and hands the datagram to the UDP tunnel socket.
 */

#include <linux/slab.h>
#include <net/dst_cache.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

#include "conn.h"
#include "socket.h"
#include "trace.h"
#include "wire_packet.h"

#define QUIC_FLUSH_MAX_DATAGRAMS	64
/* A GSO train: at most this many datagrams, in at most this many bytes. */
#define QUIC_GSO_MAX_SEGS		16
#define QUIC_GSO_MAX_BYTES		(64 * 1024)
#define QUIC_TX_HEADROOM	(MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr))
/* A path validation datagram smaller than this is not sent. */
#define QUIC_PATH_PROBE_MIN		64
/* Room below which a packet is not worth starting. */
#define QUIC_MIN_PAYLOAD		24
/* Packets that only acknowledge, remembered for their ACK. */
#define QUIC_ACK_ONLY_KEPT		32

struct quic_txpkt {
	enum quic_space_id	space;
	u8			*payload;
	u32			len;		/* payload bytes */
	u32			pn_len;
	u32			hdr_len;
	u32			tag_len;
	struct quic_sent	*sent;
};

bool quic_space_can_send(struct quic_conn *c, enum quic_space_id s)
{
	return !c->space[s].discarded &&
	       c->crypto[quic_space_level(s)].tx.ready;
}

static u32 quic_hdr_len(struct quic_conn *c, enum quic_space_id s,
			u32 pn_len)
{
	/* Long: first byte, version, two lengths and IDs, token length for
	 * Initial, a two-byte Length (payloads stay below 16384); short:
	 * first byte and the DCID.
	 */
	if (s == QUIC_SPACE_APP)
		return 1 + c->dcid.len + pn_len;
	return 1 + 4 + 1 + c->dcid.len + 1 + c->scid.len +
	       (s == QUIC_SPACE_INITIAL) + 2 + pn_len;
}

/*
 * The Packet Number field's length: what RFC 9000 17.1 asks from the
 * largest acknowledged, and at least two bytes for 1-RTT packets.  A
 * receiver decodes a packet that arrives far behind newer ones (loopback
 * reorders a connection's packets when they are sent from two CPUs) to the
 * wrong number; with protection its AEAD then fails and it is only lost,
 * but an unprotected one would be taken under that number, so those carry
 * all four bytes.
 */
static u32 quic_pn_len(struct quic_conn *c, enum quic_space_id s, u32 tag_len)
{
	struct quic_space *space = &c->space[s];
	u32 len = quic_packet_pn_encode_len(space->next_pn,
					    space->largest_acked,
					    space->any_acked);

	if (s != QUIC_SPACE_APP)
		return len;
	return tag_len ? max(len, 2U) : QUIC_PN_MAX_LEN;
}

/* What quic_seal() will write for @t's header, exactly. */
static u32 quic_exact_hdr_len(struct quic_conn *c, const struct quic_txpkt *t)
{
	struct quic_packet_long l = {
		.type = t->space == QUIC_SPACE_INITIAL ? QUIC_PACKET_INITIAL :
							  QUIC_PACKET_HANDSHAKE,
		.version = c->version,
		.dcid_len = c->dcid.len,
		.scid_len = c->scid.len,
		.pn = c->space[t->space].next_pn,
		.pn_len = t->pn_len,
		.payload_len = t->len + t->tag_len,
	};

	if (t->space == QUIC_SPACE_INITIAL) {
		l.token = c->token;
		l.token_len = c->token_len;
	}

	if (t->space == QUIC_SPACE_APP)
		return quic_packet_short_len(c->dcid.len, t->pn_len);
	return quic_packet_long_len(&l);
}

static bool quic_put_frame(u8 **p, u8 *end, const struct quic_frame *f)
{
	u32 len = quic_frame_len(f);

	if (!len || len > end - *p)
		return false;
	*p = quic_frame_encode(*p, f);
	return true;
}

/* CONNECTION_CLOSE in space @s: RFC 9000 section 10.2.3 for the handshake. */
static void quic_fill_close(struct quic_conn *c, enum quic_space_id s,
			    u8 **p, u8 *end)
{
	struct quic_frame f = {};

	if (c->close_app && s == QUIC_SPACE_APP) {
		f.type = QUIC_FRAME_CONNECTION_CLOSE_APP;
		f.close.errcode = c->close_errcode;
		f.close.phrase = c->close_phrase;
		f.close.phrase_len = c->close_phrase_len;
	} else if (c->close_app) {
		/* An application close cannot be seen before 1-RTT. */
		f.type = QUIC_FRAME_CONNECTION_CLOSE;
		f.close.errcode = QUIC_TRANSPORT_ERROR_APPLICATION;
	} else {
		f.type = QUIC_FRAME_CONNECTION_CLOSE;
		f.close.errcode = c->close_errcode;
		f.close.frame_type = c->close_frame_type;
		f.close.phrase = c->close_phrase;
		f.close.phrase_len = c->close_phrase_len;
	}
	if (!quic_put_frame(p, end, &f)) {
		f.close.phrase_len = 0;
		quic_put_frame(p, end, &f);
	}
}

static bool quic_pace_ok(struct quic_conn *c);

/* Whether the congestion window, and pacing, let more data go. */
static bool quic_cwnd_open(struct quic_conn *c)
{
	return c->inflight < c->cong.window && quic_pace_ok(c);
}

/* Whether space @s has frames to send besides an ACK. */
static bool quic_has_frames(struct quic_conn *c, enum quic_space_id s)
{
	struct quic_cstream *cs = &c->space[s].cs;

	if (cs->sent < cs->len || c->probe[s])
		return true;
	return s == QUIC_SPACE_APP &&
	       (c->handshake_done_pending || quic_cids_has_frames(c) ||
		(c->response_pending && !c->response_alt) ||
		(quic_cwnd_open(c) && quic_stream_has_data(c)));
}

/* Our ACK Delay field: the time since the largest arrived (19.3). */
static u64 quic_ack_delay_field(struct quic_conn *c, enum quic_space_id s)
{
	const struct quic_transport_param *lp = &quic_sk(c->sk)->local_param;
	u64 now = ktime_to_us(ktime_get());
	u64 t = c->space[s].largest_recv_time;

	if (s != QUIC_SPACE_APP || now < t)
		return 0;
	return (now - t) >> lp->ack_delay_exponent;
}

/* The frames of one packet in space @s, into @buf; returns their length. */
static u32 quic_fill(struct quic_conn *c, enum quic_space_id s, u8 *buf,
		     u32 room, struct quic_sent *sent)
{
	struct quic_space *space = &c->space[s];
	struct quic_cstream *cs = &space->cs;
	u8 *p = buf, *end = buf + room;
	struct quic_frame f;
	u32 n, over;

	if (c->close_pending) {
		quic_fill_close(c, s, &p, end);
		return p - buf;
	}
	/* An ACK when one is due, or for free with other frames. */
	if (!quic_ack_set_empty(&space->recvd) &&
	    (space->ack_pending ||
	     (space->ack_eliciting && quic_has_frames(c, s)))) {
		quic_ack_set_to_frame(&space->recvd, quic_ack_delay_field(c, s),
				      &f, c->ack_ranges,
				      sizeof(c->ack_ranges));
		/* RFC 9000 13.4.1: the counts, once any packet was marked. */
		if (space->ecn_recv[0] || space->ecn_recv[1] ||
		    space->ecn_recv[2]) {
			f.type = QUIC_FRAME_ACK_ECN;
			memcpy(f.ack.ecn, space->ecn_recv, sizeof(f.ack.ecn));
		}
		if (quic_put_frame(&p, end, &f)) {
			space->ack_pending = false;
			space->ack_eliciting = 0;
			sent->has_ack = true;
			sent->ack_largest = f.ack.largest;
			/* A packet of the peer's current key phase acked. */
			if (s == QUIC_SPACE_APP && c->ku_peer_seen &&
			    f.ack.largest >= c->ku_peer_first_pn)
				c->ku_peer_acked = true;
		}
	}
	if (s == QUIC_SPACE_APP && c->handshake_done_pending) {
		f.type = QUIC_FRAME_HANDSHAKE_DONE;
		if (quic_put_frame(&p, end, &f)) {
			sent->handshake_done = true;
			sent->ack_eliciting = true;
			c->handshake_done_pending = false;
		}
	}
	if (s == QUIC_SPACE_APP && c->response_pending && !c->response_alt) {
		f.type = QUIC_FRAME_PATH_RESPONSE;
		memcpy(f.path_data, c->path_response, QUIC_PATH_DATA_LEN);
		if (quic_put_frame(&p, end, &f)) {
			c->response_pending = false;
			sent->ack_eliciting = true;
		}
	}
	if (s == QUIC_SPACE_APP)
		p = quic_cids_fill(c, p, end, sent->frames, &sent->nframes,
				   &sent->ack_eliciting);
	if (cs->sent < cs->len) {
		/* Type, offset and a two-byte length come first. */
		over = 1 + quic_varint_len(cs->sent) + 2;
		if (end - p > over + 1) {
			n = min_t(u32, cs->len - cs->sent, end - p - over);
			f.type = QUIC_FRAME_CRYPTO;
			f.crypto.offset = cs->sent;
			f.crypto.len = n;
			f.crypto.data = cs->buf + cs->sent;
			if (quic_put_frame(&p, end, &f)) {
				sent->crypto_off = cs->sent;
				sent->crypto_len = n;
				sent->ack_eliciting = true;
				cs->sent += n;
			}
		}
	}
	/* RFC 9002 7.5: probes are not held by the congestion window; they
	 * carry data (the lost first) when there is some.
	 */
	if (s == QUIC_SPACE_APP) {
		if (quic_cwnd_open(c) || c->probe[s])
			p = quic_stream_fill(c, p, end, sent->frames,
					     &sent->nframes,
					     &sent->ack_eliciting);
		else if (quic_stream_has_data(c))
			c->cong.limited = true;
	}
	if (c->probe[s] && !sent->ack_eliciting) {
		f.type = QUIC_FRAME_PING;
		if (quic_put_frame(&p, end, &f))
			sent->ack_eliciting = true;
	}
	if (c->probe[s])
		c->probe[s]--;
	return p - buf;
}

/**
 * quic_reply_alloc - an sk_buff for an answer that belongs to no connection
 * @len: the UDP payload's length
 *
 * Context: any; the payload is written by the caller with skb_put().
 * Return: the sk_buff, or NULL.
 */
struct sk_buff *quic_reply_alloc(u32 len)
{
	struct sk_buff *skb = alloc_skb(QUIC_TX_HEADROOM + len, GFP_ATOMIC);

	if (skb)
		skb_reserve(skb, QUIC_TX_HEADROOM);
	return skb;
}

/**
 * quic_reply_xmit - send @skb back to where @rskb came from
 * @usk: the UDP tunnel socket @rskb arrived on
 * @rskb: the datagram received, its IP and UDP headers still in the buffer
 * @skb: the answer, from quic_reply_alloc(); consumed
 *
 * For what a host answers without a connection (Version Negotiation): from
 * the address and port the datagram was sent to, to its source.
 *
 * Context: softirq (the receive path).
 * Return: 0, or a negative errno (no route).
 */
int quic_reply_xmit(struct sock *usk, struct sk_buff *rskb,
		    struct sk_buff *skb)
{
	const struct udphdr *uh = udp_hdr(rskb);
	struct net *net = sock_net(usk);
	u32 len = skb->len;
	int err;

	if (ip_hdr(rskb)->version == 4) {
		const struct iphdr *iph = ip_hdr(rskb);
		struct flowi4 fl4;
		struct rtable *rt;

		rt = ip_route_output_ports(net, &fl4, NULL, iph->saddr,
					   iph->daddr, uh->source, uh->dest,
					   IPPROTO_UDP, 0, 0);
		err = PTR_ERR_OR_ZERO(rt);
		if (err)
			goto err;
		udp_tunnel_xmit_skb(rt, usk, skb, fl4.saddr, iph->saddr, 0,
				    ip4_dst_hoplimit(&rt->dst), 0, uh->dest,
				    uh->source, false, false);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(rskb);
		struct flowi6 fl6 = {};
		struct dst_entry *dst;

		fl6.flowi6_proto = IPPROTO_UDP;
		fl6.daddr = ip6h->saddr;
		fl6.saddr = ip6h->daddr;
		fl6.fl6_dport = uh->source;
		fl6.fl6_sport = uh->dest;
		/* A link-local peer is reached where it was heard. */
		if (ipv6_addr_type(&fl6.daddr) & IPV6_ADDR_LINKLOCAL)
			fl6.flowi6_oif = inet6_iif(rskb);
		dst = ip6_dst_lookup_flow(net, usk, &fl6, NULL);
		err = PTR_ERR_OR_ZERO(dst);
		if (err)
			goto err;
		udp_tunnel6_xmit_skb(dst, usk, skb, NULL, &fl6.saddr,
				     &fl6.daddr, 0, ip6_dst_hoplimit(dst), 0,
				     uh->dest, uh->source, false);
	}
	QUIC_INC_STATS(net, QUIC_MIB_OUT_DATAGRAMS);
	QUIC_ADD_STATS(net, QUIC_MIB_OUT_BYTES, len);
	return 0;

err:
	QUIC_INC_STATS(net, QUIC_MIB_OUT_ERRORS);
	kfree_skb(skb);
	return err;
}

/*
 * A packet that only acknowledges is remembered so that its ACK, once
 * acknowledged, lets us stop repeating those ranges (RFC 9000 13.2.4).  A
 * peer that never acknowledges must not grow the list: beyond
 * QUIC_ACK_ONLY_KEPT of them the oldest is forgotten, which costs nothing
 * but ranges sent a little longer.
 */
static void quic_sent_forget_ack_only(struct quic_space *space)
{
	struct quic_sent *p;

	list_for_each_entry(p, &space->sent, list) {
		if (p->ack_eliciting)
			continue;
		list_del(&p->list);
		kfree(p);
		space->ack_only--;
		return;
	}
}

/*
 * Write the header of one packet at @p and seal it.  The payload is at
 * t->payload: in txbuf for a long header packet, copied in behind the
 * header; already in place for a short one.
 */
static int quic_seal(struct quic_conn *c, struct quic_txpkt *t, u8 *p,
		     u32 *written)
{
	struct quic_space *space = &c->space[t->space];
	struct quic_crypto *crypto = &c->crypto[quic_space_level(t->space)];
	u64 pn = space->next_pn;
	u8 *start = p, *pn_at;
	struct quic_packet_long l = {};
	int err;

	if (t->space == QUIC_SPACE_APP) {
		p = quic_packet_put_short(p, c->dcid.data, c->dcid.len, pn,
					  t->pn_len, crypto->key_phase, false);
		/* RFC 9287: a peer that takes packets without the QUIC Bit
		 * gets an unpredictable one (outside header protection).
		 */
		if (p && c->peer_tp_set &&
		    quic_tp_has(&c->peer_tp, QUIC_TP_GREASE_QUIC_BIT) &&
		    (get_random_u8() & 1))
			start[0] &= ~QUIC_PACKET_FIXED_BIT;
	} else {
		l.type = t->space == QUIC_SPACE_INITIAL ? QUIC_PACKET_INITIAL :
							   QUIC_PACKET_HANDSHAKE;
		l.version = c->version;
		l.dcid = c->dcid.data;
		l.dcid_len = c->dcid.len;
		l.scid = c->scid.data;
		l.scid_len = c->scid.len;
		l.pn = pn;
		l.pn_len = t->pn_len;
		l.payload_len = t->len + t->tag_len;
		if (t->space == QUIC_SPACE_INITIAL) {
			l.token = c->token;
			l.token_len = c->token_len;
		}
		p = quic_packet_put_long(p, &l);
	}
	if (!p)
		return -EINVAL;
	pn_at = p - t->pn_len;
	if (p != t->payload)
		memmove(p, t->payload, t->len);
	err = quic_crypto_encrypt(crypto, start, pn_at - start, p - start,
				  t->len, pn);
	if (err)
		return err;
	if (t->space == QUIC_SPACE_APP)
		quic_conn_sealed(c);
	*written = p - start + t->len + t->tag_len;
	t->sent->pn = pn;
	t->sent->time = ktime_to_us(ktime_get());
	if (c->tx_ect) {
		t->sent->ecn = true;
		space->ecn_sent++;
		quic_path_ecn_sent(&c->path);
	}
	if (t->space == QUIC_SPACE_APP && t->sent->ack_eliciting &&
	    !t->sent->path_probe) {
		t->sent->bytes = *written;
		c->inflight += *written;
	}
	/* RFC 9000 10.1: the first ack-eliciting packet sent after one was
	 * received restarts the idle timer.
	 */
	if (t->sent->ack_eliciting && c->idle_rearm) {
		c->last_activity = jiffies;
		c->idle_rearm = false;
	}
	if (t->sent->probe) {
		quic_pmtu_sent(&c->pmtu, *written, pn);
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PMTU_PROBES);
	}
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_OUT_PACKETS);
	trace_quic_packet_sent(c->sk, t->space, pn, *written);
	space->next_pn++;
	list_add_tail(&t->sent->list, &space->sent);
	if (!t->sent->ack_eliciting &&
	    ++space->ack_only > QUIC_ACK_ONLY_KEPT)
		quic_sent_forget_ack_only(space);
	t->sent = NULL;
	return 0;
}

/* Whether a packet with a long header may still go out. */
static bool quic_long_headers(struct quic_conn *c)
{
	return quic_space_can_send(c, QUIC_SPACE_INITIAL) ||
	       quic_space_can_send(c, QUIC_SPACE_HANDSHAKE);
}

/* A PMTU probe: PING, then PADDING up to the size being tried. */
static u32 quic_fill_probe(struct quic_conn *c, u8 *buf, u32 room,
			   struct quic_sent *sent)
{
	struct quic_frame f = { .type = QUIC_FRAME_PING };
	u8 *p = buf;

	quic_put_frame(&p, buf + room, &f);
	memset(p, 0, buf + room - p);
	sent->ack_eliciting = true;
	sent->probe = true;
	return room;
}

/*
 * A datagram of path validation on @p (RFC 9000 8.2): its PATH_CHALLENGE,
 * the PATH_RESPONSE owed on it, and PADDING to the datagram's size.
 */
static u32 quic_fill_path(struct quic_conn *c, struct quic_path *p, u8 *buf,
			  u32 room, struct quic_sent *sent)
{
	u8 *q = buf, *end = buf + room;
	struct quic_frame f;
	bool on_alt;

	if (p->challenging) {
		f.type = QUIC_FRAME_PATH_CHALLENGE;
		memcpy(f.path_data, p->challenge, QUIC_PATH_DATA_LEN);
		if (quic_put_frame(&q, end, &f))
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_PATH_CHALLENGES);
	}
	on_alt = p == &c->alt;
	if (c->response_pending && c->response_alt == on_alt) {
		f.type = QUIC_FRAME_PATH_RESPONSE;
		memcpy(f.path_data, c->path_response, QUIC_PATH_DATA_LEN);
		if (quic_put_frame(&q, end, &f))
			c->response_pending = false;
	}
	if (q == buf)
		return 0;
	memset(q, 0, end - q);
	sent->ack_eliciting = true;
	sent->path_probe = true;
	return room;
}

/*
 * One datagram of at most @size bytes at @d: gather the packets of every
 * space that has something to say, pad, seal.  With @probe, a PMTU probe
 * of exactly @size bytes instead; with @full, a datagram that is to be
 * followed by others of a GSO train is padded to @size.  Returns its
 * length, 0 if nothing was due, or a negative errno.
 */
static int quic_datagram(struct quic_conn *c, u8 *d, u32 size, bool probe,
			 bool full, struct quic_path *path)
{
	struct quic_txpkt pkts[QUIC_SPACE_MAX];
	u32 total = 0, hdr, room, n = 0, i, len, min;
	bool initial = false, eliciting = false;
	struct quic_txpkt *t;
	int s, err = 0;

	for (s = 0; s < QUIC_SPACE_MAX; s++) {
		if (!quic_space_can_send(c, s) ||
		    ((probe || path) && s != QUIC_SPACE_APP))
			continue;
		t = &pkts[n];
		t->space = s;
		t->tag_len =
			quic_crypto_tag_len(&c->crypto[quic_space_level(s)]);
		t->pn_len = quic_pn_len(c, s, t->tag_len);
		hdr = quic_hdr_len(c, s, t->pn_len);
		if (total + hdr + t->tag_len + QUIC_MIN_PAYLOAD > size)
			break;
		room = size - total - hdr - t->tag_len;
		t->sent = kzalloc(sizeof(*t->sent), GFP_ATOMIC);
		if (!t->sent)
			break;
		/* 1-RTT payloads go in place; the others wait in txbuf. */
		t->payload = s == QUIC_SPACE_APP ? d + total + hdr :
						   c->txbuf[s];
		if (path)
			len = quic_fill_path(c, path, t->payload, room,
					     t->sent);
		else if (probe)
			len = quic_fill_probe(c, t->payload, room, t->sent);
		else
			len = quic_fill(c, s, t->payload, room, t->sent);
		if (!len) {
			kfree(t->sent);
			continue;
		}
		if (full && s == QUIC_SPACE_APP && len < room) {
			memset(t->payload + len, 0, room - len);
			len = room;
		}
		/* The header protection sample needs 16 bytes from 4 after
		 * the pn; an unprotected packet keeps the same shape, for
		 * the receiver's parser.
		 */
		min = QUIC_PN_MAX_LEN + QUIC_HP_SAMPLE_LEN - t->tag_len;
		if (len + t->pn_len < min) {
			memset(t->payload + len, 0, min - t->pn_len - len);
			len = min - t->pn_len;
		}
		t->len = len;
		t->hdr_len = quic_exact_hdr_len(c, t);
		initial |= s == QUIC_SPACE_INITIAL;
		eliciting |= t->sent->ack_eliciting;
		total += t->hdr_len + len + t->tag_len;
		n++;
	}
	if (!n)
		return 0;

	/* RFC 9000 14.1: PADDING in the last packet brings it to 1200; its
	 * Length field may take a byte more for it.
	 */
	if (initial && (!c->is_server || eliciting) &&
	    total < QUIC_MAX_DATAGRAM) {
		t = &pkts[n - 1];
		len = QUIC_MAX_DATAGRAM - total;
		total -= t->hdr_len;
		t->len += len;
		hdr = quic_exact_hdr_len(c, t);
		t->len -= hdr - t->hdr_len;
		len -= hdr - t->hdr_len;
		/* Shrunk back across the varint boundary: one byte more. */
		if (quic_exact_hdr_len(c, t) < hdr) {
			t->len++;
			len++;
		}
		memset(t->payload + t->len - len, 0, len);
		t->hdr_len = hdr;
		total += hdr;
	}

	total = 0;
	for (i = 0; i < n; i++) {
		if (!err) {
			err = quic_seal(c, &pkts[i], d + total, &len);
			if (!err)
				total += len;
		}
		kfree(pkts[i].sent);
	}
	if (err)
		return err;
	if (c->close_pending) {
		c->close_pending = false;
		/* Kept for the closing period (RFC 9000 10.2.1). */
		kfree(c->close_dgram);
		c->close_dgram = kmemdup(d, total, GFP_ATOMIC);
		c->close_dgram_len = c->close_dgram ? total : 0;
	}

	/* RFC 9001 4.9.1: a client drops Initial keys once it sends Handshake. */
	for (i = 0; i < n; i++)
		if (!c->is_server && pkts[i].space == QUIC_SPACE_HANDSHAKE)
			quic_conn_discard_space(c, QUIC_SPACE_INITIAL);
	return total;
}

/* RFC 9002 7.7: pacing at 5/4 of cwnd per smoothed RTT. */
static u64 quic_pace_ns(struct quic_conn *c, u64 bytes)
{
	return div64_u64(bytes * c->smoothed_rtt * NSEC_PER_USEC * 4,
			 5 * (u64)max(c->cong.window, 1U));
}

/* Whether pacing lets ack-eliciting data go now. */
static bool quic_pace_ok(struct quic_conn *c)
{
	if (!c->rtt_sampled)
		return true;
	return c->pace_next <= ktime_get_ns();
}

static void quic_pace_sent(struct quic_conn *c, u32 bytes)
{
	u64 now = ktime_get_ns();
	/* After a quiet spell, up to ten datagrams may go at once. */
	u64 floor = now - min(now, quic_pace_ns(c, 10 * c->cong.mss));

	if (!c->rtt_sampled)
		return;
	c->pace_next = max(c->pace_next, floor) + quic_pace_ns(c, bytes);
}

/* Pacing held data back: come back when it lets it go. */
static void quic_pace_arm(struct quic_conn *c)
{
	if (hrtimer_is_queued(&c->pace_timer))
		return;
	sock_hold(c->sk);
	hrtimer_start(&c->pace_timer, ns_to_ktime(c->pace_next),
		      HRTIMER_MODE_ABS_PINNED_SOFT);
}

/*
 * Send one datagram or, when 1-RTT data is waiting and the window allows
 * several, a GSO train of them.  Returns how many went, 0 if none was due.
 */
static u32 quic_flush_batch(struct quic_conn *c)
{
	u32 size, segs = 1, n = 0, probe = 0, room;
	bool app = !quic_long_headers(c), ect;
	struct sk_buff *skb;
	int len;

	/* Before address validation, only whole datagrams within 3x. */
	if (!quic_path_may_send(&c->path, QUIC_MAX_DATAGRAM)) {
		QUIC_INC_STATS(sock_net(c->sk),
			       QUIC_MIB_AMPLIFICATION_LIMITED);
		return 0;
	}

	size = app ? c->pmtu.mtu : QUIC_MAX_DATAGRAM;
	if (app && !c->close_pending && quic_space_can_send(c, QUIC_SPACE_APP)) {
		probe = quic_pmtu_next(&c->pmtu);
		if (probe && (c->inflight + probe > c->cong.window ||
			      !quic_pace_ok(c)))
			probe = 0;
		if (probe) {
			size = probe;
		} else if (quic_cwnd_open(c) && quic_stream_has_data(c)) {
			room = c->cong.window - c->inflight;
			segs = clamp_t(u32, DIV_ROUND_UP(room, size), 1,
				       min_t(u32, QUIC_GSO_MAX_SEGS,
					     QUIC_GSO_MAX_BYTES / size));
		}
	}

	skb = alloc_skb(QUIC_TX_HEADROOM + segs * size,
			GFP_ATOMIC | (segs > 1 ? __GFP_NOWARN : 0));
	if (!skb && segs > 1) {
		segs = 1;	/* no room for a train: one datagram will do */
		skb = alloc_skb(QUIC_TX_HEADROOM + size, GFP_ATOMIC);
	}
	if (!skb)
		return 0;
	skb_reserve(skb, QUIC_TX_HEADROOM);
	/* One mark for the whole train: its packets are recorded so. */
	c->tx_ect = quic_path_ecn_mark(&c->path);
	while (n < segs) {
		len = quic_datagram(c, skb_tail_pointer(skb), size, probe,
				    n + 1 < segs, NULL);
		if (len <= 0)
			break;
		skb_put(skb, len);
		n++;
		/* A short datagram ends the train; so does the window. */
		if (len < size || !quic_cwnd_open(c) ||
		    !quic_stream_has_data(c))
			break;
	}
	ect = c->tx_ect;
	c->tx_ect = false;
	if (!n) {
		kfree_skb(skb);
		return 0;
	}
	if (app)
		quic_pace_sent(c, skb->len);
	skb_set_owner_w(skb, c->sk);
	quic_path_xmit(&c->path, c->sk, skb, size, n, ect);
	return n;
}

/**
 * quic_conn_path_send - a datagram of path validation on @p, now
 * @c: the connection
 * @p: @c->path or @c->alt
 *
 * RFC 9000 8.2.1 and 8.2.2: a datagram with PATH_CHALLENGE or
 * PATH_RESPONSE is 1200 bytes, unless the path is not validated and the
 * amplification limit allows less; it is not held by the congestion
 * window.
 */
void quic_conn_path_send(struct quic_conn *c, struct quic_path *p)
{
	u32 size = QUIC_MAX_DATAGRAM;
	struct sk_buff *skb;
	u64 allowed;
	int len;

	if (quic_conn_ended(c) || !quic_space_can_send(c, QUIC_SPACE_APP))
		return;
	if (!p->validated) {
		allowed = 3 * p->bytes_recvd;
		allowed = allowed > p->bytes_sent ? allowed - p->bytes_sent : 0;
		size = min_t(u64, size, allowed);
	}
	if (size < QUIC_PATH_PROBE_MIN) {
		QUIC_INC_STATS(sock_net(c->sk),
			       QUIC_MIB_AMPLIFICATION_LIMITED);
		return;
	}
	skb = alloc_skb(QUIC_TX_HEADROOM + size, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, QUIC_TX_HEADROOM);
	if (p->has_dcid)
		swap(c->dcid, p->dcid);
	len = quic_datagram(c, skb->data, size, false, false, p);
	if (p->has_dcid)
		swap(c->dcid, p->dcid);
	if (len <= 0) {
		kfree_skb(skb);
		return;
	}
	skb_put(skb, len);
	skb_set_owner_w(skb, c->sk);
	quic_path_xmit(p, c->sk, skb, len, 1, false);
}

/*
 * DPLPMTUD (RFC 9000 14.3) runs once the handshake is confirmed, when
 * plpmtud_probe_interval is set; a finished search starts again after
 * that interval, to find a path that grew.
 */
static void quic_pmtu_maintain(struct quic_conn *c)
{
	const struct quic_sock *qs = quic_sk(c->sk);
	u32 interval = qs->config.plpmtud_probe_interval;
	u64 max;

	if (!interval || !quic_conn_confirmed(c) || !c->path.dev_mtu)
		return;
	if (c->pmtu.searching) {
		if (c->path.route_mtu < c->path.dev_mtu &&
		    c->path.route_mtu > c->path.ip_overhead)
			quic_pmtu_hint(&c->pmtu,
				       c->path.route_mtu - c->path.ip_overhead);
		return;
	}
	if (c->pmtu_started && time_before(jiffies, c->pmtu_raise))
		return;
	max = min3((u64)c->path.dev_mtu - c->path.ip_overhead,
		   qs->local_param.max_udp_payload_size,
		   c->peer_tp.max_udp_payload_size);
	quic_pmtu_search(&c->pmtu, min_t(u64, max, QUIC_PMTU_MAX));
	c->pmtu_started = true;
	c->pmtu_raise = jiffies + usecs_to_jiffies(interval);
}

/**
 * quic_conn_pmtu_update - the search moved: follow it
 * @c: the connection
 *
 * The congestion window counts in the new datagram size.
 */
void quic_conn_pmtu_update(struct quic_conn *c)
{
	u32 interval = quic_sk(c->sk)->config.plpmtud_probe_interval;

	if (c->cong.mss != c->pmtu.mtu)
		quic_cong_set_mss(&c->cong, c->pmtu.mtu);
	if (!c->pmtu.searching)
		c->pmtu_raise = jiffies + usecs_to_jiffies(interval);
}

/**
 * quic_conn_flush - send what is pending
 * @c: the connection
 *
 * Context: socket locked; does not sleep.
 */
void quic_conn_flush(struct quic_conn *c)
{
	u32 i, n;

	if (quic_conn_ended(c) || c->retry_pending || !quic_sk(c->sk)->udp)
		return;
	quic_pmtu_maintain(c);
	for (i = 0; i < QUIC_FLUSH_MAX_DATAGRAMS; i += n) {
		n = quic_flush_batch(c);
		if (!n)
			break;
	}
	if (!quic_conn_ended(c) && c->inflight < c->cong.window && !quic_pace_ok(c) &&
	    quic_stream_has_data(c))
		quic_pace_arm(c);
	if (!quic_conn_ended(c) && !timer_pending(&c->timer))
		quic_conn_timer_arm(c);
}

/* The delayed ACK is due. */
static void quic_conn_ack_timer(struct timer_list *t)
{
	struct quic_conn *c = from_timer(c, t, ack_timer);
	struct sock *sk = c->sk;

	bh_lock_sock(sk);
	if (READ_ONCE(c->dead))
		goto out;
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &c->ack_timer, jiffies + 1);
		goto out;
	}
	if (!quic_conn_ended(c) && c->space[QUIC_SPACE_APP].ack_eliciting) {
		c->space[QUIC_SPACE_APP].ack_pending = true;
		quic_conn_flush(c);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * RFC 9000 10.1: the connection closes silently once nothing was heard
 * for the idle timeout, and never sooner than three probe timeouts.  With
 * SO_KEEPALIVE, a PING goes out when half of it has passed quietly.
 */
static void quic_conn_idle(struct quic_conn *c)
{
	struct sock *sk = c->sk;
	unsigned long deadline, next;
	u64 t;

	t = max(c->idle_timeout, 3 * quic_conn_pto(c));
	deadline = c->last_activity + usecs_to_jiffies(t);
	if (time_after_eq(jiffies, deadline)) {
		quic_conn_end(c, QUIC_TRACE_CLOSE_IDLE, ETIME, 0, 0, false);
		return;
	}
	next = deadline;
	if (sock_flag(sk, SOCK_KEEPOPEN)) {
		/* A PING only if nothing ack-eliciting went out since we
		 * heard from the peer; its answer moves the clock on, so the
		 * next look is half a timeout after the latest activity.
		 */
		next = c->last_activity + usecs_to_jiffies(t / 2);
		if (c->idle_rearm && time_after_eq(jiffies, next)) {
			c->probe[QUIC_SPACE_APP] = 1;
			quic_conn_flush(c);
			next = c->last_activity + usecs_to_jiffies(t / 2);
		}
		if (time_before_eq(next, jiffies))
			next = deadline;	/* a PING is out: wait for it */
		deadline = c->last_activity + usecs_to_jiffies(t);
		if (time_after(next, deadline))
			next = deadline;
	}
	sk_reset_timer(sk, &c->idle_timer, next);
}

static void quic_conn_idle_timer(struct timer_list *t)
{
	struct quic_conn *c = from_timer(c, t, idle_timer);
	struct sock *sk = c->sk;

	bh_lock_sock(sk);
	if (READ_ONCE(c->dead))
		goto out;
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &c->idle_timer, jiffies + HZ / 20);
		goto out;
	}
	if (!quic_conn_ended(c) && c->idle_timeout)
		quic_conn_idle(c);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * quic_conn_idle_start - start the idle timer, once the handshake is over
 * @c: the connection
 *
 * The timeout is the smaller of both ends' max_idle_timeout, where both
 * set one (RFC 9000 10.1); zero on both sides means none.  Also called
 * when SO_KEEPALIVE changes, to take it into account at once.
 */
void quic_conn_idle_start(struct quic_conn *c)
{
	u64 local = quic_sk(c->sk)->local_param.max_idle_timeout;
	u64 peer = c->peer_tp.max_idle_timeout * USEC_PER_MSEC;

	c->idle_timeout = local && peer ? min(local, peer) : local ?: peer;
	if (!c->last_activity)
		c->last_activity = jiffies;
	if (c->idle_timeout && !quic_conn_ended(c))
		sk_reset_timer(c->sk, &c->idle_timer, jiffies);
}

/* Pacing let data go: send it, or have the socket's owner send it. */
static enum hrtimer_restart quic_conn_pace_timer(struct hrtimer *t)
{
	struct quic_conn *c = container_of(t, struct quic_conn, pace_timer);
	struct sock *sk = c->sk;

	bh_lock_sock(sk);
	if (READ_ONCE(c->dead) || quic_conn_ended(c))
		goto out;
	if (sock_owned_by_user(sk))
		c->flush_deferred = true;	/* see quic_conn_release_cb() */
	else
		quic_conn_flush(c);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return HRTIMER_NORESTART;
}

/**
 * quic_conn_release_cb - the socket's owner lets go: do what waited
 * @c: the connection
 *
 * Context: release_sock(), under the socket's spinlock.
 */
void quic_conn_release_cb(struct quic_conn *c)
{
	if (!c->flush_deferred)
		return;
	c->flush_deferred = false;
	quic_conn_flush(c);
}

void quic_conn_timer_init(struct quic_conn *c)
{
	hrtimer_init(&c->pace_timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_ABS_PINNED_SOFT);
	c->pace_timer.function = quic_conn_pace_timer;
	timer_setup(&c->timer, quic_conn_pto_timer, 0);
	timer_setup(&c->ack_timer, quic_conn_ack_timer, 0);
	timer_setup(&c->idle_timer, quic_conn_idle_timer, 0);
}
