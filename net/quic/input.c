// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: receiving.  A datagram from a UDP tunnel socket finds its
 * connection by the Destination Connection ID of its first packet; a
 * client Initial for no known connection goes to a listening socket on
 * that UDP socket, to wait for accept().
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "closing.h"
#include "conn.h"
#include "reset.h"
#include "socket.h"
#include "token.h"
#include "wire_packet.h"

/* RFC 9000 section 14.1: servers drop smaller client Initials. */
#define QUIC_MIN_INITIAL_DATAGRAM	1200
#define QUIC_MIN_ODCID_LEN		8

/**
 * quic_skb_addrs - the source and destination of a received datagram
 * @skb: the datagram, its IP and UDP headers still in place
 * @family: the family of the socket that wants them (IPv4 maps into IPv6)
 * @src: the peer's address and port
 * @dst: ours
 */
void quic_skb_addrs(struct sk_buff *skb, sa_family_t family,
		    union quic_addr *src, union quic_addr *dst)
{
	struct udphdr *uh = udp_hdr(skb);

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (ip_hdr(skb)->version == 4) {
		if (family == AF_INET) {
			src->v4.sin_family = AF_INET;
			src->v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
			src->v4.sin_port = uh->source;
			dst->v4.sin_family = AF_INET;
			dst->v4.sin_addr.s_addr = ip_hdr(skb)->daddr;
			dst->v4.sin_port = uh->dest;
			return;
		}
		src->v6.sin6_family = AF_INET6;
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &src->v6.sin6_addr);
		src->v6.sin6_port = uh->source;
		dst->v6.sin6_family = AF_INET6;
		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, &dst->v6.sin6_addr);
		dst->v6.sin6_port = uh->dest;
		return;
	}
	src->v6.sin6_family = AF_INET6;
	src->v6.sin6_addr = ipv6_hdr(skb)->saddr;
	src->v6.sin6_port = uh->source;
	dst->v6.sin6_family = AF_INET6;
	dst->v6.sin6_addr = ipv6_hdr(skb)->daddr;
	dst->v6.sin6_port = uh->dest;
	if (ipv6_addr_type(&src->v6.sin6_addr) & IPV6_ADDR_LINKLOCAL)
		src->v6.sin6_scope_id = inet6_iif(skb);
}

/* A listening socket on @us, with a reference held. */
static struct sock *quic_listener_get(struct quic_udp_sock *us)
{
	struct quic_sock *qs;

	hlist_for_each_entry_rcu(qs, &us->listeners, listen_node) {
		struct sock *sk = &qs->inet.sk;

		if (refcount_inc_not_zero(&sk->sk_refcnt))
			return sk;
	}
	return NULL;
}

/*
 * Client Initials waiting for accept() sit on the listener's reqs queue,
 * in arrival order, and in a hash table keyed by the client's address,
 * port and first Destination Connection ID, where a retransmission finds
 * its first copy in O(1): the key lives in the skb's control block.  Each
 * is charged to the listener's sk_rmem_alloc: SO_RCVBUF and the backlog
 * bound what half-open connections cost.
 */
struct quic_req_cb {
	struct hlist_node	node;		/* in qs->req_hash */
	struct sk_buff		*skb;		/* whose control block this is */
	u8			dcid_len;
	u8			dcid[QUIC_CONN_ID_MAX_LEN];
};

#define QUIC_REQ_CB(skb)	((struct quic_req_cb *)&((skb)->cb[0]))

static u32 quic_req_seed __read_mostly;

/* The client's address and port, as IPv6 (IPv4 maps into it). */
static void quic_req_src(struct sk_buff *skb, union quic_addr *src)
{
	union quic_addr dst;

	quic_skb_addrs(skb, AF_INET6, src, &dst);
}

/* Same client, same first Destination Connection ID: a retransmission. */
static bool quic_req_same(const struct quic_req_cb *a,
			  const union quic_addr *src, const struct quic_req_cb *b)
{
	union quic_addr sb;

	if (a->dcid_len != b->dcid_len ||
	    memcmp(a->dcid, b->dcid, a->dcid_len))
		return false;
	quic_req_src(b->skb, &sb);
	return src->v6.sin6_port == sb.v6.sin6_port &&
	       ipv6_addr_equal(&src->v6.sin6_addr, &sb.v6.sin6_addr);
}

static void quic_req_rfree(struct sk_buff *skb)
{
	atomic_sub(skb->truesize, &skb->sk->sk_rmem_alloc);
}

/**
 * quic_reqs_init - make a listener's table of waiting requests
 * @sk: the socket about to listen, locked
 *
 * Return: 0, or -ENOMEM.
 */
int quic_reqs_init(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);
	struct hlist_head *h;
	int i;

	if (qs->req_hash)
		return 0;
	net_get_random_once(&quic_req_seed, sizeof(quic_req_seed));
	h = kmalloc_array(QUIC_REQ_HASH_SIZE, sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	for (i = 0; i < QUIC_REQ_HASH_SIZE; i++)
		INIT_HLIST_HEAD(&h[i]);
	spin_lock_bh(&qs->reqs.lock);
	qs->req_hash = h;
	spin_unlock_bh(&qs->reqs.lock);
	return 0;
}

/**
 * quic_reqs_dequeue - the oldest waiting request, no longer charged
 * @sk: the listener
 *
 * Return: the client's Initial datagram, or NULL.
 */
struct sk_buff *quic_reqs_dequeue(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);
	struct sk_buff *skb;

	spin_lock_bh(&qs->reqs.lock);
	skb = __skb_dequeue(&qs->reqs);
	if (skb)
		hlist_del(&QUIC_REQ_CB(skb)->node);
	spin_unlock_bh(&qs->reqs.lock);
	if (skb)
		skb_orphan(skb);
	return skb;
}

/**
 * quic_reqs_purge - drop every waiting request
 * @sk: the listener
 * @stop: leave TCP_LISTEN too, under the queue's lock, so that no request
 *	is queued after this
 */
void quic_reqs_purge(struct sock *sk, bool stop)
{
	struct quic_sock *qs = quic_sk(sk);
	struct sk_buff_head q;
	int i;

	__skb_queue_head_init(&q);
	spin_lock_bh(&qs->reqs.lock);
	if (stop)
		quic_set_state(sk, TCP_CLOSE);
	skb_queue_splice_init(&qs->reqs, &q);
	if (qs->req_hash)
		for (i = 0; i < QUIC_REQ_HASH_SIZE; i++)
			INIT_HLIST_HEAD(&qs->req_hash[i]);
	spin_unlock_bh(&qs->reqs.lock);
	__skb_queue_purge(&q);
}

/**
 * quic_reqs_free - free a listener's table, its queue empty
 * @sk: the socket, being destroyed
 */
void quic_reqs_free(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	quic_reqs_purge(sk, false);
	kfree(qs->req_hash);
	qs->req_hash = NULL;
}

/* Queue a client Initial for accept(), once per connection attempt. */
static void quic_listener_request(struct sock *sk, struct sk_buff *skb,
				  const struct quic_packet_hdr *h)
{
	struct quic_req_cb *cb = QUIC_REQ_CB(skb);
	struct quic_sock *qs = quic_sk(sk);
	struct hlist_head *head;
	union quic_addr src;
	struct quic_req_cb *q;
	bool queued = false;
	u32 hash;

	BUILD_BUG_ON(sizeof(struct quic_req_cb) > sizeof(skb->cb));
	quic_req_src(skb, &src);
	cb->skb = skb;
	cb->dcid_len = h->dcid_len;
	memcpy(cb->dcid, h->dcid, h->dcid_len);
	hash = jhash(&src.v6.sin6_addr, sizeof(src.v6.sin6_addr),
		     jhash(h->dcid, h->dcid_len, quic_req_seed) ^
		     (__force u32)src.v6.sin6_port);

	spin_lock(&qs->reqs.lock);
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN || !qs->req_hash ||
	    (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		goto out;
	head = &qs->req_hash[hash & (QUIC_REQ_HASH_SIZE - 1)];
	hlist_for_each_entry(q, head, node)
		if (quic_req_same(cb, &src, q))
			goto out;
	if (skb_queue_len(&qs->reqs) >= READ_ONCE(sk->sk_max_ack_backlog) ||
	    atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    READ_ONCE(sk->sk_rcvbuf)) {
		QUIC_INC_STATS(sock_net(sk), QUIC_MIB_LISTEN_OVERFLOWS);
		goto out;
	}
	skb_orphan(skb);
	skb->sk = sk;
	skb->destructor = quic_req_rfree;
	atomic_add(skb->truesize, &sk->sk_rmem_alloc);
	hlist_add_head(&cb->node, head);
	__skb_queue_tail(&qs->reqs, skb);
	queued = true;
out:
	spin_unlock(&qs->reqs.lock);
	if (queued)
		sk->sk_data_ready(sk);
	else
		kfree_skb(skb);
}

/*
 * RFC 9000 8.1.2: a listener that validates addresses answers an Initial
 * without a token with a Retry (a new connection ID, a token, RFC 9001
 * 5.8's integrity tag), and lets one with a valid token through; one with
 * a token that is not (made up, for another address, too old) is dropped.
 * A Retry is far smaller than the 1200-byte datagram that asked for it.
 *
 * Return: true if the datagram goes no further.
 */
static bool quic_listener_retry(struct sock *usk, struct sk_buff *skb,
				const struct quic_packet_hdr *h)
{
	u8 token[QUIC_RETRY_TOKEN_MAX], scid[QUIC_CID_LEN], *p, *pseudo;
	struct net *net = sock_net(usk);
	struct quic_conn_id odcid;
	struct sk_buff *rskb;
	union quic_addr src;
	u32 tlen, len, plen;
	int err;

	quic_req_src(skb, &src);
	if (h->token_len) {
		if (!quic_token_check(net, &src, h->token, h->token_len,
				      QUIC_RETRY_TOKEN_LIFETIME, &odcid))
			return false;
		QUIC_INC_STATS(net, QUIC_MIB_IN_TOKEN_INVALID);
		return true;
	}
	tlen = quic_token_retry(net, &src, h->dcid, h->dcid_len, token);
	get_random_bytes(scid, sizeof(scid));
	len = quic_packet_retry_len(h->scid_len, sizeof(scid), tlen);
	rskb = len ? quic_reply_alloc(len + QUIC_PACKET_RETRY_TAG_LEN) : NULL;
	if (!rskb)
		return true;
	p = skb_put(rskb, len + QUIC_PACKET_RETRY_TAG_LEN);
	quic_packet_put_retry(p, h->version, get_random_u8(), h->scid,
			      h->scid_len, scid, sizeof(scid), token, tlen);
	plen = quic_packet_retry_pseudo_len(h->dcid_len, len);
	pseudo = kmalloc(plen, GFP_ATOMIC);
	err = -ENOMEM;
	if (pseudo) {
		quic_packet_retry_pseudo(pseudo, h->dcid, h->dcid_len, p, len);
		err = quic_crypto_retry_tag(h->version, pseudo, plen, p + len);
		kfree(pseudo);
	}
	if (err) {
		kfree_skb(rskb);
		return true;
	}
	if (!quic_reply_xmit(usk, skb, rskb))
		QUIC_INC_STATS(net, QUIC_MIB_OUT_RETRY);
	return true;
}

/*
 * RFC 9000 sections 5.2.2 and 6.1: a datagram that could open a connection
 * (1200 bytes at least) in a version we do not speak, at a port where a
 * server listens, is answered with the versions we do, and a reserved one
 * (section 15: so that clients keep ignoring unknown ones).  The answer is
 * smaller than what asked for it, and the namespace sends a bounded
 * number per second (QUIC_VN_PER_SEC).
 */
static void quic_version_negotiate(struct quic_udp_sock *us, struct sock *usk,
				   struct sk_buff *rskb,
				   const struct quic_packet_hdr *h)
{
	struct net *net = sock_net(usk);
	u32 versions[3], len;
	struct sk_buff *skb;

	if (rskb->len < QUIC_MIN_INITIAL_DATAGRAM ||
	    hlist_empty(&us->listeners) ||
	    !__ratelimit(&quic_net(net)->vn_limit))
		return;
	versions[0] = QUIC_VERSION_V1;
	versions[1] = QUIC_VERSION_V2;
	versions[2] = (get_random_u32() & 0xf0f0f0f0) | 0x0a0a0a0a;
	len = quic_packet_vn_len(h->scid_len, h->dcid_len, 3);
	skb = quic_reply_alloc(len);
	if (!skb)
		return;
	quic_packet_put_vn(skb_put(skb, len), get_random_u8(), h->scid,
			   h->scid_len, h->dcid, h->dcid_len, versions, 3);
	if (!quic_reply_xmit(usk, rskb, skb))
		QUIC_INC_STATS(net, QUIC_MIB_OUT_VERSION_NEGOTIATION);
}

/**
 * quic_udp_rcv - the UDP tunnel socket's receive hook
 * @usk: the UDP socket
 * @skb: the datagram, starting at its UDP header
 *
 * Context: softirq, under rcu_read_lock().
 * Return: 0: the datagram is consumed.
 */
int quic_udp_rcv(struct sock *usk, struct sk_buff *skb)
{
	struct net *net = sock_net(usk);
	struct quic_packet_hdr h;
	struct quic_udp_sock *us;
	struct sock *sk;
	int err;

	us = rcu_dereference_sk_user_data(usk);
	if (!us || skb_linearize(skb))
		goto drop;
	__skb_pull(skb, sizeof(struct udphdr));
	QUIC_INC_STATS(net, QUIC_MIB_IN_DATAGRAMS);
	QUIC_ADD_STATS(net, QUIC_MIB_IN_BYTES, skb->len);

	err = quic_packet_parse(skb->data, skb->len, QUIC_CID_LEN, &h);
	if (err == -EPROTONOSUPPORT) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_VERSION_DROPS);
		quic_version_negotiate(us, usk, skb, &h);
		goto drop;
	}
	if (err) {
		/* A stateless reset may be too short for a 1-RTT packet. */
		if (skb->len >= QUIC_RESET_MIN_LEN &&
		    !(skb->data[0] & QUIC_PACKET_FORM_LONG)) {
			sk = quic_reset_lookup(net, skb->data, skb->len);
			if (sk)
				goto deliver;
		}
		QUIC_INC_STATS(net, QUIC_MIB_IN_HDR_ERRORS);
		goto drop;
	}
	sk = quic_cid_lookup(net, h.dcid, h.dcid_len);
	/* RFC 9000 10.3.1: a stateless reset's first bytes are random; its
	 * last are the token of a peer's ID we send to.
	 */
	if (!sk && h.type == QUIC_PACKET_1RTT)
		sk = quic_reset_lookup(net, skb->data, skb->len);
	if (!sk) {
		/* RFC 9000 10.2.1: a connection closed, its socket gone. */
		if (quic_closing_answer(net, usk, skb, &h)) {
			QUIC_INC_STATS(net, QUIC_MIB_IN_NO_CONN_DROPS);
			goto drop;
		}
		if (h.type == QUIC_PACKET_1RTT)
			quic_reset_send(usk, skb, &h);
		/* RFC 9000 14.1: 1200 bytes; 7.2: a client's first DCID is
		 * at least 8 unpredictable bytes, our Initial keys' seed.
		 */
		if (h.type != QUIC_PACKET_INITIAL) {
			QUIC_INC_STATS(net, QUIC_MIB_IN_NO_CONN_DROPS);
			goto drop;
		}
		if (skb->len < QUIC_MIN_INITIAL_DATAGRAM ||
		    h.dcid_len < QUIC_MIN_ODCID_LEN) {
			QUIC_INC_STATS(net, QUIC_MIB_IN_SHORT_DROPS);
			goto drop;
		}
		sk = quic_listener_get(us);
		if (!sk) {
			QUIC_INC_STATS(net, QUIC_MIB_IN_NO_CONN_DROPS);
			goto drop;
		}
		/* The QUIC Bit, as quic_conn_rcv() wants it (RFC 9287). */
		if (!h.fixed_bit && !quic_sk(sk)->local_param.grease_quic_bit) {
			QUIC_INC_STATS(net, QUIC_MIB_IN_HDR_ERRORS);
			sock_put(sk);
			goto drop;
		}
		if (READ_ONCE(quic_sk(sk)->config.validate_peer_address) &&
		    quic_listener_retry(usk, skb, &h)) {
			sock_put(sk);
			goto drop;
		}
		quic_listener_request(sk, skb, &h);
		sock_put(sk);
		return 0;
	}

deliver:
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		if (quic_sk(sk)->conn)
			quic_conn_rcv(quic_sk(sk)->conn, skb);
		else
			kfree_skb(skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf))) {
		bh_unlock_sock(sk);
		sock_put(sk);
		QUIC_INC_STATS(net, QUIC_MIB_IN_BACKLOG_DROPS);
		goto drop;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;

drop:
	kfree_skb(skb);
	return 0;
}

/*
 * A port unreachable answer to a client's handshake packet says nothing
 * listens there (an IPv4 client of a listener that is IPv6 only, say): the
 * connection attempt fails at once with ECONNREFUSED rather than at the
 * end of its handshake timeout.  Other errors are left to the loss timers:
 * RFC 9000 section 14.2 lets an ICMP message only hint.  @payload is the
 * quoted UDP payload, the start of a packet we sent.
 */
static void quic_udp_refused(struct sock *usk, struct sk_buff *skb,
			     const u8 *payload)
{
	u8 buf[1 + 4 + 2 + 2 * QUIC_CONN_ID_MAX_LEN];
	const u8 *p, *scid;
	struct sock *sk;
	u32 len, scid_len;
	int off;

	off = payload - skb->data;
	if (off < 0 || off >= skb->len)
		return;
	len = min_t(u32, skb->len - off, sizeof(buf));
	p = skb_header_pointer(skb, off, len, buf);
	if (!p || quic_packet_quoted_scid(p, len, &scid, &scid_len))
		return;
	sk = quic_cid_lookup(sock_net(usk), scid, scid_len);
	if (!sk)
		return;
	bh_lock_sock(sk);
	/* Owned by the user: its next probe draws another answer. */
	if (!sock_owned_by_user(sk) && quic_sk(sk)->conn)
		quic_conn_refused(quic_sk(sk)->conn);
	bh_unlock_sock(sk);
	sock_put(sk);
}

#ifdef QUIC_HAVE_ENCAP_ERR_INFO
/**
 * quic_udp_err - the UDP tunnel socket's ICMP error hook
 * @usk: the UDP socket that sent the packet the error quotes
 * @skb: the ICMP message
 * @err: the errno the ICMP type and code translate to
 * @port: the destination port of the quoted packet
 * @info: the ICMP info field
 * @payload: the quoted UDP payload
 *
 * Context: softirq, under rcu_read_lock().
 */
void quic_udp_err(struct sock *usk, struct sk_buff *skb, int err,
		  __be16 port, u32 info, u8 *payload)
{
	if (err == ECONNREFUSED)
		quic_udp_refused(usk, skb, payload);
}
#else
/**
 * quic_udp_err - the UDP tunnel socket's ICMP error hook (before 6.2)
 * @usk: the UDP socket that sent the packet the error quotes
 * @skb: the ICMP message, its data at the quoted IP header
 * @udp_offset: where the quoted UDP header starts, from @skb->data
 *
 * Context: softirq, under rcu_read_lock().
 */
void quic_udp_err(struct sock *usk, struct sk_buff *skb,
		  unsigned int udp_offset)
{
	bool refused;

	if (skb->protocol == htons(ETH_P_IP))
		refused = icmp_hdr(skb)->type == ICMP_DEST_UNREACH &&
			  icmp_hdr(skb)->code == ICMP_PORT_UNREACH;
	else
		refused = icmp6_hdr(skb)->icmp6_type == ICMPV6_DEST_UNREACH &&
			  icmp6_hdr(skb)->icmp6_code == ICMPV6_PORT_UNREACH;
	if (refused)
		quic_udp_refused(usk, skb,
				 skb->data + udp_offset + sizeof(struct udphdr));
}
#endif
