/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: a network path, the pair of addresses a connection's datagrams
 * go between (RFC 9000 section 9), with its route, what is known of its
 * MTU, its validation (section 8.2) and, until it is validated, what was
 * received and sent on it (the amplification limit, sections 8 and 9.3).
 */

#ifndef __NET_QUIC_PATH_H
#define __NET_QUIC_PATH_H

#include <linux/skbuff.h>
#include <net/dst_cache.h>
#include <net/sock.h>

#include "udp_tunnel.h"
#include "wire.h"

/*
 * RFC 9000 13.4.2 and appendix A.4: what is known of ECN on a path.  Its
 * first QUIC_ECN_TEST_PACKETS packets go out ECT(0); then none, until an
 * ACK frame shows that the marks arrived and were reported.
 */
enum quic_ecn_state {
	QUIC_ECN_TESTING,	/* marking the first packets */
	QUIC_ECN_UNKNOWN,	/* waiting for an ACK to tell */
	QUIC_ECN_CAPABLE,	/* every packet ECT(0) */
	QUIC_ECN_FAILED,	/* no marks: validation failed, or ECN off */
};

#define QUIC_ECN_TEST_PACKETS	10

struct quic_path {
	union quic_addr		local;
	union quic_addr		peer;
	struct quic_udp_sock	*udp;		/* sent from; not held */
	struct dst_cache	dst_cache;	/* the route to @peer */
	u32			dev_mtu;	/* the route's device's */
	u32			route_mtu;	/* lowered by ICMP: a hint */
	u32			ip_overhead;	/* IP and UDP headers */

	/* RFC 9000 8.2: PATH_CHALLENGE data in flight, and its outcome. */
	u8			challenge[QUIC_PATH_DATA_LEN];
	bool			challenging;
	bool			validated;
	u8			challenges;	/* sent so far */
	unsigned long		challenge_until;	/* jiffies: gives up */

	/* RFC 9000 8.1, 9.3: bytes received from and sent to @peer while
	 * it is not validated; at most three times as many go out.
	 */
	u64			bytes_recvd;
	u64			bytes_sent;

	/* RFC 9000 9.5: a path probed before the connection moves to it
	 * has a peer connection ID of its own (@has_dcid), not the one the
	 * path in use sends to.
	 */
	struct quic_conn_id	dcid;
	bool			has_dcid;

	/* ECN (RFC 9000 13.4): its state, and the ECT(0) packets sent
	 * while testing and of them declared lost.
	 */
	enum quic_ecn_state	ecn;
	u32			ecn_tested;
	u32			ecn_lost;
};

int quic_path_init(struct quic_path *p, const union quic_addr *local,
		   const union quic_addr *peer, struct quic_udp_sock *udp,
		   gfp_t gfp);
void quic_path_free(struct quic_path *p);
int quic_path_xmit(struct quic_path *p, struct sock *sk,
		   struct sk_buff *skb, u32 seg, u32 segs, bool ect);
bool quic_path_from(const struct quic_path *p, struct sk_buff *skb);
u8 quic_skb_ecn(const struct sk_buff *skb);
bool quic_addr_same(const union quic_addr *a, const union quic_addr *b);

/* Whether @len more bytes may go to the path's peer now (8.1, 9.3). */
static inline bool quic_path_may_send(const struct quic_path *p, u32 len)
{
	return p->validated || p->bytes_sent + len <= 3 * p->bytes_recvd;
}

/* Whether the next datagram on the path goes out ECT(0). */
static inline bool quic_path_ecn_mark(const struct quic_path *p)
{
	return p->ecn == QUIC_ECN_TESTING || p->ecn == QUIC_ECN_CAPABLE;
}

/* A packet went out ECT(0): the testing period ends after a few. */
static inline void quic_path_ecn_sent(struct quic_path *p)
{
	if (p->ecn == QUIC_ECN_TESTING &&
	    ++p->ecn_tested >= QUIC_ECN_TEST_PACKETS)
		p->ecn = QUIC_ECN_UNKNOWN;
}

#endif /* __NET_QUIC_PATH_H */
