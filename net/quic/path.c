// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: network paths.  A connection sends on its path: the route to the
 * peer is looked up once and kept in a per-CPU cache (dst_cache), and the
 * device's and the route's MTU are noted for the path MTU search.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/inet_ecn.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "path.h"
#include "pernet.h"

int quic_path_init(struct quic_path *p, const union quic_addr *local,
		   const union quic_addr *peer, struct quic_udp_sock *udp,
		   gfp_t gfp)
{
	memset(p, 0, sizeof(*p));
	p->local = *local;
	p->peer = *peer;
	p->udp = udp;
	/* Every new path is tested for ECN (RFC 9000 13.4.2). */
	if (!READ_ONCE(quic_net(sock_net(udp->sock->sk))->ecn))
		p->ecn = QUIC_ECN_FAILED;
	return dst_cache_init(&p->dst_cache, gfp);
}

void quic_path_free(struct quic_path *p)
{
	dst_cache_destroy(&p->dst_cache);
}

/* Two addresses and ports are one: an IPv4 one and its v4-mapped form too. */
bool quic_addr_same(const union quic_addr *a, const union quic_addr *b)
{
	if (quic_addr_be_port(a) != quic_addr_be_port(b))
		return false;
	if (quic_addr_v4(a) || quic_addr_v4(b))
		return quic_addr_v4(a) && quic_addr_v4(b) &&
		       quic_addr_v4_addr(a) == quic_addr_v4_addr(b);
	return ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr);
}

/**
 * quic_skb_ecn - the ECN field of a received datagram's IP header
 * @skb: the datagram, its IP and UDP headers still in the buffer
 *
 * Return: INET_ECN_NOT_ECT, INET_ECN_ECT_1, INET_ECN_ECT_0 or INET_ECN_CE.
 */
u8 quic_skb_ecn(const struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 4)
		return ipv4_get_dsfield(ip_hdr(skb)) & INET_ECN_MASK;
	return ipv6_get_dsfield(ipv6_hdr(skb)) & INET_ECN_MASK;
}

/**
 * quic_path_from - whether a datagram came on the path
 * @p: the path
 * @skb: the datagram, its IP and UDP headers still in the buffer
 *
 * From its peer, to its local address (a server's preferred address is
 * another one).
 */
bool quic_path_from(const struct quic_path *p, struct sk_buff *skb)
{
	const struct udphdr *uh = udp_hdr(skb);

	if (uh->source != quic_addr_be_port(&p->peer) ||
	    uh->dest != quic_addr_be_port(&p->local))
		return false;
	if (ip_hdr(skb)->version == 4)
		return quic_addr_v4(&p->peer) &&
		       quic_addr_v4_addr(&p->peer) == ip_hdr(skb)->saddr &&
		       quic_addr_v4_addr(&p->local) == ip_hdr(skb)->daddr;
	return !quic_addr_v4(&p->peer) &&
	       ipv6_addr_equal(&p->peer.v6.sin6_addr, &ipv6_hdr(skb)->saddr) &&
	       ipv6_addr_equal(&p->local.v6.sin6_addr, &ipv6_hdr(skb)->daddr);
}

/**
 * quic_path_xmit - send a datagram, or a train of them, on a path
 * @p: the path
 * @sk: the QUIC socket (its bound device, its namespace)
 * @skb: the UDP payload; consumed
 * @seg: with @segs > 1, the size of each datagram of the train (the last
 *	may be shorter), for UDP GSO
 * @segs: how many datagrams
 * @ect: marked ECT(0) in the IP header (RFC 9000 13.4)
 *
 * Context: any; BH is disabled around the route cache.
 * Return: 0, or a negative errno (no route) with @skb freed.
 */
int quic_path_xmit(struct quic_path *p, struct sock *sk,
		   struct sk_buff *skb, u32 seg, u32 segs, bool ect)
{
	union quic_addr *la = &p->local, *ra = &p->peer;
	struct sock *usk = p->udp->sock->sk;
	u8 tos = ect ? INET_ECN_ECT_0 : INET_ECN_NOT_ECT;
	struct net *net = sock_net(sk);
	u32 len = skb->len;
	int err;

	skb->ignore_df = 0;
	if (segs > 1) {
		/* The UDP header goes in front of skb->data: checksum from
		 * there, as UDP GSO wants (udp_set_csum() seeds it).
		 */
		skb_shinfo(skb)->gso_size = seg;
		skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
		skb_shinfo(skb)->gso_segs = segs;
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_headroom(skb) - sizeof(struct udphdr);
		skb->csum_offset = offsetof(struct udphdr, check);
	}
	/* The per-CPU route cache wants BH off; so does the rest. */
	local_bh_disable();
	/* An IPv4 peer of an AF_INET6 socket (v4-mapped) goes as IPv4. */
	if (quic_addr_v4(ra)) {
		__be32 daddr = quic_addr_v4_addr(ra);
		struct flowi4 fl4;
		struct rtable *rt;
		__be32 saddr;

		rt = dst_cache_get_ip4(&p->dst_cache, &saddr);
		if (!rt) {
			rt = ip_route_output_ports(net, &fl4, NULL, daddr,
						   quic_addr_v4_addr(la),
						   quic_addr_be_port(ra),
						   quic_addr_be_port(la),
						   IPPROTO_UDP, 0,
						   sk->sk_bound_dev_if);
			err = PTR_ERR_OR_ZERO(rt);
			if (err)
				goto err;
			saddr = fl4.saddr;
			dst_cache_set_ip4(&p->dst_cache, &rt->dst, saddr);
		}
		p->dev_mtu = READ_ONCE(rt->dst.dev->mtu);
		p->route_mtu = dst_mtu(&rt->dst);
		p->ip_overhead = sizeof(struct iphdr) + sizeof(struct udphdr);
		udp_tunnel_xmit_skb(rt, usk, skb, saddr, daddr, tos,
				    ip4_dst_hoplimit(&rt->dst), htons(IP_DF),
				    quic_addr_be_port(la),
				    quic_addr_be_port(ra), false, false);
	} else {
		struct flowi6 fl6 = {};
		struct dst_entry *dst;
		struct in6_addr saddr;

		dst = dst_cache_get_ip6(&p->dst_cache, &saddr);
		if (!dst) {
			fl6.flowi6_proto = IPPROTO_UDP;
			fl6.flowi6_oif = sk->sk_bound_dev_if;
			fl6.daddr = ra->v6.sin6_addr;
			fl6.saddr = la->v6.sin6_addr;
			fl6.fl6_dport = ra->v6.sin6_port;
			fl6.fl6_sport = la->v6.sin6_port;
			dst = ip6_dst_lookup_flow(net, usk, &fl6, NULL);
			err = PTR_ERR_OR_ZERO(dst);
			if (err)
				goto err;
			saddr = fl6.saddr;
			dst_cache_set_ip6(&p->dst_cache, dst, &saddr);
		}
		p->dev_mtu = READ_ONCE(dst->dev->mtu);
		p->route_mtu = dst_mtu(dst);
		p->ip_overhead = sizeof(struct ipv6hdr) + sizeof(struct udphdr);
		udp_tunnel6_xmit_skb(dst, usk, skb, NULL, &saddr,
				     &ra->v6.sin6_addr, tos,
				     ip6_dst_hoplimit(dst), 0,
				     la->v6.sin6_port, ra->v6.sin6_port, false);
	}
	local_bh_enable();
	if (!p->validated)
		p->bytes_sent += len;
	QUIC_ADD_STATS(net, QUIC_MIB_OUT_DATAGRAMS, segs);
	QUIC_ADD_STATS(net, QUIC_MIB_OUT_BYTES, len);
	return 0;

err:
	local_bh_enable();
	QUIC_ADD_STATS(net, QUIC_MIB_OUT_ERRORS, segs);
	kfree_skb(skb);
	return err;
}
