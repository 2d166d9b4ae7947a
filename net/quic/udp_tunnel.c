// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the kernel UDP tunnel sockets that carry QUIC packets.
 *
 * A QUIC socket that binds gets a kernel UDP socket for its local address
 * and port.  Sockets bound to exactly the same address and port share one
 * when both allow it with SO_REUSEADDR, or with SO_REUSEPORT and the same
 * owner, as two UDP sockets would.  Any other overlap (a wildcard and a
 * specific address on one port, say) is left to UDP's own bind rules: the
 * kernel socket takes the reuse flags and bound device of the QUIC socket
 * that creates it.
 */

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

#include "socket.h"
#include "udp_tunnel.h"

#define QUIC_UDP_HASH_BITS	8

/* Bound UDP sockets by port, across network namespaces. */
static DEFINE_HASHTABLE(quic_udp_table, QUIC_UDP_HASH_BITS);
static DEFINE_MUTEX(quic_udp_mutex);

static bool quic_addr_equal(const union quic_addr *a, const union quic_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_port == b->v4.sin_port &&
		       a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return a->v6.sin6_port == b->v6.sin6_port &&
	       ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr);
}

static int quic_addr_len(const union quic_addr *a)
{
	return a->sa.sa_family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
}

/* UDP's rule for two sockets on the same address and port. */
static bool quic_udp_may_share(struct sock *usk, struct sock *owner)
{
	if (usk->sk_reuse && owner->sk_reuse)
		return true;
	return usk->sk_reuseport && owner->sk_reuseport &&
	       uid_eq(sock_i_uid(usk), sock_i_uid(owner));
}

static struct quic_udp_sock *quic_udp_sock_create(struct sock *owner,
						  const union quic_addr *addr)
{
	struct udp_tunnel_sock_cfg cfg = {};
	struct net *net = sock_net(owner);
	struct quic_udp_sock *us;
	struct socket *sock;
	struct sock *sk;
	int err;

	us = kzalloc(sizeof(*us), GFP_KERNEL_ACCOUNT);
	if (!us)
		return ERR_PTR(-ENOMEM);

	err = sock_create_kern(net, addr->sa.sa_family, SOCK_DGRAM,
			       IPPROTO_UDP, &sock);
	if (err)
		goto free;
	sk = sock->sk;
	sk->sk_reuse = owner->sk_reuse;
	sk->sk_reuseport = owner->sk_reuseport;
	sk->sk_bound_dev_if = owner->sk_bound_dev_if;
	/* DF on every datagram, sized against the device and not against
	 * the route's learned path MTU: DPLPMTUD decides what fits, and an
	 * ICMP message alone cannot shrink it.
	 */
	ip_sock_set_mtu_discover(sk, IP_PMTUDISC_PROBE);
	if (addr->sa.sa_family == AF_INET6)
		inet6_sk(sk)->pmtudisc = IPV6_PMTUDISC_PROBE;
	if (addr->sa.sa_family == AF_INET6 && owner->sk_ipv6only) {
		err = ip6_sock_set_v6only(sk);
		if (err)
			goto release;
	}
	err = kernel_bind(sock, (struct sockaddr *)&addr->sa,
			  quic_addr_len(addr));
	if (err)
		goto release;

	us->sock = sock;
	us->addr = *addr;
	if (addr->sa.sa_family == AF_INET)
		us->addr.v4.sin_port = inet_sk(sk)->inet_sport;
	else
		us->addr.v6.sin6_port = inet_sk(sk)->inet_sport;
	refcount_set(&us->refcnt, 1);
	INIT_HLIST_HEAD(&us->listeners);
	spin_lock_init(&us->lock);

	cfg.sk_user_data = us;
	cfg.encap_type = 1;
	cfg.encap_rcv = quic_udp_rcv;
	cfg.encap_err_rcv = quic_udp_err;
	setup_udp_tunnel_sock(net, sock, &cfg);
	return us;

release:
	sock_release(sock);
free:
	kfree(us);
	return ERR_PTR(err);
}

/**
 * quic_udp_sock_get - find or create the UDP socket for a local address
 * @owner: the QUIC socket that binds (its reuse flags and device apply)
 * @addr: the local address; a zero port picks an ephemeral one
 *
 * Context: process context; may sleep.
 * Return: the UDP socket with a reference held, or an ERR_PTR(): %-EADDRINUSE
 * when the address is taken, or what binding a UDP socket there returned.
 */
struct quic_udp_sock *quic_udp_sock_get(struct sock *owner,
					const union quic_addr *addr)
{
	u16 port = quic_addr_port(addr);
	struct quic_udp_sock *us;
	struct sock *usk;

	mutex_lock(&quic_udp_mutex);
	if (port) {
		hash_for_each_possible(quic_udp_table, us, node, port) {
			usk = us->sock->sk;
			if (!net_eq(sock_net(usk), sock_net(owner)) ||
			    usk->sk_bound_dev_if != owner->sk_bound_dev_if ||
			    usk->sk_ipv6only != owner->sk_ipv6only ||
			    !quic_addr_equal(&us->addr, addr))
				continue;
			if (quic_udp_may_share(usk, owner))
				refcount_inc(&us->refcnt);
			else
				us = ERR_PTR(-EADDRINUSE);
			goto out;
		}
	}
	us = quic_udp_sock_create(owner, addr);
	if (!IS_ERR(us))
		hash_add(quic_udp_table, &us->node, quic_addr_port(&us->addr));
out:
	mutex_unlock(&quic_udp_mutex);
	return us;
}

/**
 * quic_udp_sock_put - drop a reference taken by quic_udp_sock_get()
 * @us: the UDP socket
 *
 * The last reference closes the UDP socket at once, so that its port can be
 * bound again as soon as this returns.  Receive paths still running hold
 * only an RCU reference to @us, which is freed after a grace period.
 *
 * Context: process context; may sleep.
 */
void quic_udp_sock_put(struct quic_udp_sock *us)
{
	might_sleep();
	if (!refcount_dec_and_mutex_lock(&us->refcnt, &quic_udp_mutex))
		return;
	hash_del(&us->node);
	mutex_unlock(&quic_udp_mutex);

	rcu_assign_sk_user_data(us->sock->sk, NULL);
	kernel_sock_shutdown(us->sock, SHUT_RDWR);
	sock_release(us->sock);
	kfree_rcu(us, rcu);
}

/* Make a listening socket findable by the client Initials that arrive. */
void quic_udp_listen(struct quic_udp_sock *us, struct hlist_node *n)
{
	spin_lock_bh(&us->lock);
	hlist_add_head_rcu(n, &us->listeners);
	spin_unlock_bh(&us->lock);
}

void quic_udp_unlisten(struct quic_udp_sock *us, struct hlist_node *n)
{
	spin_lock_bh(&us->lock);
	hlist_del_init_rcu(n);
	spin_unlock_bh(&us->lock);
}

void quic_udp_exit(void)
{
	/* Wait for the kfree_rcu() callbacks of the last sockets. */
	rcu_barrier();
}
