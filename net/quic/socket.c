// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the socket layer.
 *
 * Socket creation and release, bind() and the SOL_QUIC socket options, as
 * draft-lxin-quic-socket-apis gives them.
 */

#include <linux/bpf-cgroup.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/quic.h>
#include <net/sock.h>
#include <uapi/linux/tls.h>

#include "closing.h"
#include "conn.h"
#include "socket.h"
#include "trace.h"
#include "wire_packet.h"

#define QUIC_VARINT_MAX		(BIT_ULL(62) - 1)

#define QUIC_MIN_UDP_PAYLOAD	1200
#define QUIC_MAX_UDP_PAYLOAD	65527
#define QUIC_MAX_ACK_DELAY_EXPONENT	20
#define QUIC_MAX_ACK_DELAY	(16384 * USEC_PER_MSEC)	/* exclusive */
#define QUIC_DEF_ACK_DELAY_EXPONENT	3
#define QUIC_DEF_ACK_DELAY	(25 * USEC_PER_MSEC)

/* How many of the peer's connection IDs we keep. */
#define QUIC_CONN_ID_LIMIT_MAX	8
#define QUIC_CONN_ID_LIMIT_DEF	7
#define QUIC_CONN_ID_LIMIT_MIN	2

#define QUIC_DEF_MAX_DATA	(65536 * 32)
#define QUIC_DEF_MAX_STREAM_DATA	(65536 * 4)
#define QUIC_DEF_MAX_STREAMS	100

#define QUIC_DEF_RTT		(333 * USEC_PER_MSEC)	/* RFC 9002 */
#define QUIC_MIN_RTT		USEC_PER_MSEC
#define QUIC_MAX_RTT		(10 * USEC_PER_SEC)
#define QUIC_MIN_PROBE_INTERVAL	(5 * USEC_PER_SEC)

#define QUIC_CERT_REQUEST_MAX	2	/* 0 none, 1 request, 2 require */

/* Longest transport parameters extension taken or given. */
#define QUIC_TP_EXT_MAX_LEN	1024

/* What a fresh socket advertises. */
static const struct quic_transport_param quic_default_local_param = {
	.max_udp_payload_size		= QUIC_MAX_UDP_PAYLOAD,
	.ack_delay_exponent		= QUIC_DEF_ACK_DELAY_EXPONENT,
	.max_ack_delay			= QUIC_DEF_ACK_DELAY,
	.active_connection_id_limit	= QUIC_CONN_ID_LIMIT_DEF,
	.max_idle_timeout		= QUIC_DEF_IDLE_TIMEOUT,
	.max_data			= QUIC_DEF_MAX_DATA,
	.max_stream_data_bidi_local	= QUIC_DEF_MAX_STREAM_DATA,
	.max_stream_data_bidi_remote	= QUIC_DEF_MAX_STREAM_DATA,
	.max_stream_data_uni		= QUIC_DEF_MAX_STREAM_DATA,
	.max_streams_bidi		= QUIC_DEF_MAX_STREAMS,
	.max_streams_uni		= QUIC_DEF_MAX_STREAMS,
};

/* The peer's values until it sends its own: RFC 9000 section 18.2 defaults. */
static const struct quic_transport_param quic_default_remote_param = {
	.remote				= 1,
	.max_udp_payload_size		= QUIC_MAX_UDP_PAYLOAD,
	.ack_delay_exponent		= QUIC_DEF_ACK_DELAY_EXPONENT,
	.max_ack_delay			= QUIC_DEF_ACK_DELAY,
	.active_connection_id_limit	= QUIC_CONN_ID_LIMIT_MIN,
};

static const struct quic_config quic_default_config = {
	.version		= QUIC_VERSION_V1,
	.initial_smoothed_rtt	= QUIC_DEF_RTT,
	.congestion_control_algo = QUIC_CONG_ALG_RENO,
};

/* Room in the send buffer: what sendmsg() waits for. */
static bool quic_sndbuf_room(const struct sock *sk)
{
	return READ_ONCE(sk->sk_wmem_queued) < READ_ONCE(sk->sk_sndbuf);
}

static void quic_write_space(struct sock *sk)
{
	struct socket_wq *wq;

	if (!quic_sndbuf_room(sk))
		return;
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_sync_poll(&wq->wait, EPOLLOUT |
						EPOLLWRNORM | EPOLLWRBAND);
	sk_wake_async(sk, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * What the connection needs process context for (quic_conn_work()): the
 * work holds a reference on the socket, and a closed socket has no
 * connection left to work for.
 */
static void quic_sock_work(struct work_struct *work)
{
	struct quic_sock *qs = container_of(to_delayed_work(work),
					    struct quic_sock, work);
	struct sock *sk = &qs->inet.sk;

	lock_sock(sk);
	if (qs->conn)
		quic_conn_work(qs->conn);
	release_sock(sk);
	sock_put(sk);
}

/**
 * quic_set_state - move the socket to @state, for tracing and for poll
 * @sk: the socket
 * @state: a TCP state: SYN_SENT, SYN_RECV, ESTABLISHED, LISTEN or CLOSE
 */
void quic_set_state(struct sock *sk, int state)
{
	trace_quic_state(sk, sk->sk_state, state);
	inet_sk_set_state(sk, state);
}

static int quic_init_sock(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	INIT_DELAYED_WORK(&qs->work, quic_sock_work);

	qs->local_param = quic_default_local_param;
	qs->remote_param = quic_default_remote_param;
	qs->config = quic_default_config;
	skb_queue_head_init(&qs->reqs);
	INIT_HLIST_NODE(&qs->listen_node);
	/* Connection ID lookups find sockets under RCU alone. */
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_write_space = quic_write_space;
	/* IPv6 output sizes a datagram by its owner's setting (see
	 * quic_udp_sock_create()).
	 */
	if (sk->sk_family == AF_INET6)
		inet6_sk(sk)->pmtudisc = IPV6_PMTUDISC_PROBE;
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(sysctl_quic_rmem[1]));
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(sysctl_quic_wmem[1]));
	quic_net_sock_add(sk);
	return 0;
}

static void quic_conn_release(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_conn *c = qs->conn;

	/* Gone for /proc/net/quic/sockets before it is freed. */
	if (c) {
		WRITE_ONCE(qs->conn, NULL);
		quic_conn_destroy(c);
	}
}

static void quic_destroy_sock(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	quic_net_sock_del(sk);
	quic_conn_release(sk);
	quic_reqs_free(sk);
	if (qs->alpn)
		sock_kfree_s(sk, qs->alpn, qs->alpn_len);
	qs->alpn = NULL;
	qs->alpn_len = 0;
	if (qs->close_phrase)
		sock_kfree_s(sk, qs->close_phrase, qs->close_phrase_len);
	qs->close_phrase = NULL;
	qs->close_phrase_len = 0;
}

/* Leave the lookup tables: stop listening, give up the local address. */
static void quic_unhash(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_udp_sock *us = qs->udp;

	if (qs->pref_udp) {
		quic_udp_sock_put(qs->pref_udp);
		qs->pref_udp = NULL;
	}
	if (!us)
		return;
	if (!hlist_unhashed(&qs->listen_node))
		quic_udp_unlisten(us, &qs->listen_node);
	/* Gone for /proc/net/quic/sockets before it may be freed. */
	WRITE_ONCE(qs->udp, NULL);
	quic_udp_sock_put(us);
	inet_sk(sk)->inet_num = 0;
	inet_sk(sk)->inet_sport = 0;
}

/* Close the connection as the application asked (CONNECTION_CLOSE option). */
static void quic_close_user(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_conn *c = qs->conn;
	bool app = true;

	if (!c || quic_conn_ended(c))
		return;
	/* A handshake that failed in TLS closes with a CRYPTO_ERROR. */
	if (!quic_conn_complete(c) &&
	    qs->close_errcode >= QUIC_TRANSPORT_ERROR_CRYPTO &&
	    qs->close_errcode < QUIC_TRANSPORT_ERROR_CRYPTO + 0x100)
		app = false;
	if (qs->close_phrase_len) {
		c->close_phrase = kmemdup(qs->close_phrase,
					  qs->close_phrase_len, GFP_KERNEL);
		if (c->close_phrase)
			c->close_phrase_len = qs->close_phrase_len;
	}
	quic_conn_close(c, qs->close_errcode, qs->close_frame, app);
}

static void quic_close(struct sock *sk, long timeout)
{
	struct quic_sock *qs = quic_sk(sk);

	lock_sock(sk);
	quic_close_user(sk);
	/* SO_LINGER with a zero time: an abortive close, no closing period
	 * (as TCP sends a RST and skips TIME_WAIT).
	 */
	if (qs->conn && !(sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime))
		quic_closing_keep(qs->conn);
	quic_conn_release(sk);
	if (cancel_delayed_work(&qs->work))
		__sock_put(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	quic_reqs_purge(sk, true);
	release_sock(sk);

	sk_common_release(sk);
}

static int quic_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	if (c)
		quic_conn_rcv(c, skb);
	else
		kfree_skb(skb);
	return 0;
}

/* Check a bind() address against the socket's family. */
static int quic_addr_from_user(struct sock *sk, const struct sockaddr *uaddr,
			       int addr_len, union quic_addr *addr)
{
	if (sk->sk_family == AF_INET) {
		if (addr_len < (int)sizeof(addr->v4))
			return -EINVAL;
		if (uaddr->sa_family != AF_INET)
			return -EAFNOSUPPORT;
		memcpy(&addr->v4, uaddr, sizeof(addr->v4));
		return 0;
	}

	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (uaddr->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(&addr->v6, uaddr, SIN6_LEN_RFC2133);
	if (ipv6_addr_v4mapped(&addr->v6.sin6_addr) && sk->sk_ipv6only)
		return -EINVAL;
	return 0;
}

static int quic_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct quic_sock *qs = quic_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct quic_udp_sock *us;
	union quic_addr addr = {};
	u16 port;
	int err;

	err = quic_addr_from_user(sk, uaddr, addr_len, &addr);
	if (err)
		return err;
	port = quic_addr_port(&addr);

	lock_sock(sk);
	err = -EINVAL;
	if (qs->udp || sk->sk_state != TCP_CLOSE)
		goto out;
	err = -EACCES;
	if (port && inet_port_requires_bind_service(sock_net(sk), port) &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE))
		goto out;
	if (sk->sk_family == AF_INET6 && addr.v6.sin6_scope_id &&
	    ipv6_addr_type(&addr.v6.sin6_addr) & IPV6_ADDR_LINKLOCAL) {
		err = -EINVAL;
		if (sk->sk_bound_dev_if &&
		    sk->sk_bound_dev_if != addr.v6.sin6_scope_id)
			goto out;
		sk->sk_bound_dev_if = addr.v6.sin6_scope_id;
	}

	us = quic_udp_sock_get(sk, &addr);
	err = PTR_ERR_OR_ZERO(us);
	if (err)
		goto out;

	qs->udp = us;
	inet->inet_sport = inet_sk(us->sock->sk)->inet_sport;
	inet->inet_num = ntohs(inet->inet_sport);
	if (sk->sk_family == AF_INET) {
		inet->inet_rcv_saddr = addr.v4.sin_addr.s_addr;
		inet->inet_saddr = addr.v4.sin_addr.s_addr;
	} else {
		sk->sk_v6_rcv_saddr = addr.v6.sin6_addr;
		inet6_sk(sk)->saddr = addr.v6.sin6_addr;
		if (ipv6_addr_v4mapped(&addr.v6.sin6_addr))
			inet->inet_rcv_saddr = addr.v6.sin6_addr.s6_addr32[3];
	}
out:
	release_sock(sk);
	return err;
}

/* The source address a route to @ra takes, port left 0. */
static int quic_route_source(struct sock *sk, const union quic_addr *ra,
			     union quic_addr *la)
{
	struct net *net = sock_net(sk);

	memset(la, 0, sizeof(*la));
	la->sa.sa_family = ra->sa.sa_family;
	if (quic_addr_v4(ra)) {
		struct flowi4 fl4;
		struct rtable *rt;

		rt = ip_route_output_ports(net, &fl4, NULL,
					   quic_addr_v4_addr(ra), 0,
					   quic_addr_be_port(ra), 0,
					   IPPROTO_UDP, 0, sk->sk_bound_dev_if);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		if (ra->sa.sa_family == AF_INET)
			la->v4.sin_addr.s_addr = fl4.saddr;
		else
			ipv6_addr_set_v4mapped(fl4.saddr, &la->v6.sin6_addr);
		ip_rt_put(rt);
	} else {
		struct flowi6 fl6 = {};
		struct dst_entry *dst;

		fl6.flowi6_proto = IPPROTO_UDP;
		fl6.flowi6_oif = sk->sk_bound_dev_if;
		fl6.daddr = ra->v6.sin6_addr;
		dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		la->v6.sin6_addr = fl6.saddr;
		dst_release(dst);
	}
	return 0;
}

static void quic_set_peer(struct sock *sk, const union quic_addr *ra)
{
	struct inet_sock *inet = inet_sk(sk);

	quic_sk(sk)->peer = *ra;
	if (ra->sa.sa_family == AF_INET) {
		inet->inet_daddr = ra->v4.sin_addr.s_addr;
		inet->inet_dport = ra->v4.sin_port;
	} else {
		sk->sk_v6_daddr = ra->v6.sin6_addr;
		inet->inet_dport = ra->v6.sin6_port;
	}
}

/* The connection moved to another peer address (conn.c). */
void quic_sk_set_peer(struct sock *sk, const union quic_addr *ra)
{
	quic_set_peer(sk, ra);
}

static void quic_set_local(struct sock *sk, const union quic_addr *la)
{
	struct inet_sock *inet = inet_sk(sk);

	quic_sk(sk)->local = *la;
	if (la->sa.sa_family == AF_INET) {
		inet->inet_saddr = la->v4.sin_addr.s_addr;
		inet->inet_rcv_saddr = la->v4.sin_addr.s_addr;
		inet->inet_sport = la->v4.sin_port;
	} else {
		sk->sk_v6_rcv_saddr = la->v6.sin6_addr;
		inet6_sk(sk)->saddr = la->v6.sin6_addr;
		inet->inet_sport = la->v6.sin6_port;
	}
	inet->inet_num = ntohs(inet->inet_sport);
}

void quic_sk_set_local(struct sock *sk, const union quic_addr *la)
{
	quic_set_local(sk, la);
}

/**
 * quic_sk_swap_udp - the socket sends and receives through @us from now on
 * @sk: the socket, locked
 * @us: the UDP socket of the new local address, a reference for @sk
 * @la: the new local address and port
 *
 * For a connection's migration (conn.c).  Return: the UDP socket it used,
 * whose reference the caller now holds.
 */
struct quic_udp_sock *quic_sk_swap_udp(struct sock *sk,
				       struct quic_udp_sock *us,
				       const union quic_addr *la)
{
	struct quic_udp_sock *old = quic_sk(sk)->udp;

	WRITE_ONCE(quic_sk(sk)->udp, us);
	quic_set_local(sk, la);
	return old;
}

/*
 * A server's preferred_address (RFC 9000 9.6): on a listener, for the
 * connections it accepts from then on; on an accepted socket, until its
 * transport parameters went out.  A specific address and port, other
 * than the socket's own; packets to it come through a UDP socket bound
 * there now (so an address that is not local fails here).
 */
static int quic_sock_set_preferred(struct sock *sk, const union quic_addr *a)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_udp_sock *us, *old;

	if (qs->conn && qs->conn->local_tp_done)
		return -EISCONN;
	if (!quic_addr_port(a) || quic_addr_any(a) ||
	    (qs->udp && quic_addr_same(a, &qs->udp->addr)) ||
	    quic_addr_same(a, &qs->local))
		return -EINVAL;
	us = quic_udp_sock_get(sk, a);
	if (IS_ERR(us))
		return PTR_ERR(us);
	old = qs->pref_udp;
	qs->pref_udp = us;
	if (old)
		quic_udp_sock_put(old);
	return 0;
}

/*
 * QUIC_SOCKOPT_CONNECTION_MIGRATION: a client moves its connection to a
 * new local address (port 0: an ephemeral one), once the handshake is
 * confirmed; on a server, before the handshake, it sets the preferred
 * address.
 */
static int quic_sock_migrate(struct sock *sk, sockptr_t optval,
			     unsigned int optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_conn *c = qs->conn;
	struct sockaddr_storage ss;
	struct quic_udp_sock *us;
	union quic_addr la;
	int err;

	if (optlen > sizeof(ss))
		return -EINVAL;
	if (copy_from_sockptr(&ss, optval, optlen))
		return -EFAULT;
	err = quic_addr_from_user(sk, (struct sockaddr *)&ss, optlen, &la);
	if (err)
		return err;
	if (sk->sk_state == TCP_LISTEN || (c && c->is_server))
		return quic_sock_set_preferred(sk, &la);
	if (!c)
		return -ENOTCONN;
	if (!quic_conn_confirmed(c))
		return -ENOTCONN;
	if (quic_conn_ended(c))
		return -EPIPE;
	if (quic_addr_v4(&la) != quic_addr_v4(&qs->peer))
		return -EAFNOSUPPORT;
	if (quic_addr_same(&la, &qs->local))
		return -EINVAL;
	us = quic_udp_sock_get(sk, &la);
	if (IS_ERR(us))
		return PTR_ERR(us);
	la = us->addr;
	if (us == qs->udp) {
		quic_udp_sock_put(us);
		return -EINVAL;
	}
	err = quic_conn_migrate(c, us, &la);
	if (err)
		quic_udp_sock_put(us);
	return err;
}

static int quic_connect(struct sock *sk, struct sockaddr *uaddr, int len)
{
	struct quic_sock *qs = quic_sk(sk);
	union quic_addr ra = {}, la;
	struct quic_udp_sock *us;
	struct quic_conn *c;
	int err;

	err = quic_addr_from_user(sk, uaddr, len, &ra);
	if (err)
		return err;
	if (!quic_addr_port(&ra) || quic_addr_any(&ra))
		return -EINVAL;

	lock_sock(sk);
	err = -EISCONN;
	if (qs->conn || sk->sk_state != TCP_CLOSE)
		goto out;
	err = quic_route_source(sk, &ra, &la);
	if (err)
		goto out;
	if (!qs->udp) {
		us = quic_udp_sock_get(sk, &la);
		err = PTR_ERR_OR_ZERO(us);
		if (err)
			goto out;
		qs->udp = us;
		la = us->addr;
	} else {
		/* Bound: keep the port; a wildcard takes the routed address. */
		if (!quic_addr_any(&qs->udp->addr))
			la = qs->udp->addr;
		else if (la.sa.sa_family == AF_INET)
			la.v4.sin_port = qs->udp->addr.v4.sin_port;
		else
			la.v6.sin6_port = qs->udp->addr.v6.sin6_port;
	}
	/* An AF_INET6 socket bound to an IPv6 address reaches no IPv4 peer,
	 * and one bound to a v4-mapped address no IPv6 peer.
	 */
	err = -ENETUNREACH;
	if (quic_addr_v4(&la) != quic_addr_v4(&ra))
		goto out;

	err = -ENOMEM;
	c = quic_conn_create(sk, false, qs->config.version, &la, &ra);
	if (!c)
		goto out;
	err = quic_conn_client_start(c);
	if (err) {
		quic_conn_destroy(c);
		goto out;
	}
	smp_store_release(&qs->conn, c);	/* for /proc/net/quic/sockets */
	quic_set_local(sk, &la);
	quic_set_peer(sk, &ra);
	quic_set_state(sk, TCP_SYN_SENT);
	/* Nothing goes out until userspace sends the ClientHello. */
	quic_conn_flush(c);
out:
	release_sock(sk);
	return err;
}

/* The cgroup BPF connect hooks take the address length since 6.7. */
static int quic_bpf_connect(struct sock *sk, struct sockaddr *addr, int *len)
{
#ifdef QUIC_HAVE_BPF_ADDRLEN
	if (addr->sa_family == AF_INET)
		return BPF_CGROUP_RUN_PROG_INET4_CONNECT_LOCK(sk, addr, len);
	return BPF_CGROUP_RUN_PROG_INET6_CONNECT_LOCK(sk, addr, len);
#else
	if (addr->sa_family == AF_INET)
		return BPF_CGROUP_RUN_PROG_INET4_CONNECT_LOCK(sk, addr);
	return BPF_CGROUP_RUN_PROG_INET6_CONNECT_LOCK(sk, addr);
#endif
}

/*
 * The cgroup BPF connect programs see (and may rewrite, or refuse with
 * EPERM) the address a QUIC socket connects to, as for UDP and TCP.
 */
static int quic_pre_connect(struct sock *sk, struct sockaddr *addr,
			    int addr_len)
{
	/* An address connect() refuses goes to it unseen, for its errno. */
	if (addr->sa_family == AF_INET &&
	    addr_len >= sizeof(struct sockaddr_in))
		return quic_bpf_connect(sk, addr, &addr_len);
	if (addr->sa_family == AF_INET6 && sk->sk_family == AF_INET6 &&
	    addr_len >= SIN6_LEN_RFC2133)
		return quic_bpf_connect(sk, addr, &addr_len);
	return 0;
}

int quic_inet_connect(struct socket *sock, struct sockaddr *addr, int len,
		      int flags)
{
	struct sock *sk = sock->sk;
	int err;

	if (len < sizeof(addr->sa_family))
		return -EINVAL;
	if (BPF_CGROUP_PRE_CONNECT_ENABLED(sk)) {
		err = sk->sk_prot->pre_connect(sk, addr, len);
		if (err)
			return err;
	}
	return sk->sk_prot->connect(sk, addr, len);
}

/*
 * getpeername() names the peer from connect() on (client) or from the
 * Initial that made the socket (server), as TCP does from its SYN: the
 * kernel's accept() asks for it before any handshake has run.  An IPv4
 * peer of an AF_INET6 socket reads as a v4-mapped address.
 */
static int quic_getpeername(struct sock *sk, struct sockaddr *uaddr)
{
	struct quic_sock *qs = quic_sk(sk);
	union quic_addr peer = {};

	lock_sock(sk);
	if (qs->conn)
		peer = qs->peer;
	release_sock(sk);
	if (!quic_addr_port(&peer))
		return -ENOTCONN;
	if (sk->sk_family == AF_INET) {
		memcpy(uaddr, &peer.v4, sizeof(peer.v4));
		return sizeof(peer.v4);
	}
	memcpy(uaddr, &peer.v6, sizeof(peer.v6));
	return sizeof(peer.v6);
}

int quic_inet_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	if (peer)
		return quic_getpeername(sock->sk, uaddr);
	return inet_getname(sock, uaddr, peer);
}

int quic_inet6_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	if (peer)
		return quic_getpeername(sock->sk, uaddr);
	return inet6_getname(sock, uaddr, peer);
}

/*
 * listen(fd, 0): the draft's section 3.1.3 says a zero backlog disables
 * listening.  Requests waiting are dropped, a blocked accept() wakes with
 * EINVAL, and the socket may listen again later.
 */
static void quic_listen_stop(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	quic_reqs_purge(sk, true);
	quic_udp_unlisten(qs->udp, &qs->listen_node);
	/* Receive paths may still walk the node: wait before it is reused. */
	synchronize_rcu();
	sk->sk_state_change(sk);
}

int quic_inet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct quic_sock *qs = quic_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (!backlog) {
		if (sk->sk_state == TCP_LISTEN)
			quic_listen_stop(sk);
		err = sk->sk_state == TCP_CLOSE && !qs->conn ? 0 : -EINVAL;
		goto out;
	}
	if (!qs->udp || qs->conn ||
	    (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN))
		goto out;
	err = quic_reqs_init(sk);
	if (err)
		goto out;
	/* listen(2) caps it so; kernel users get the same bound. */
	backlog = min_t(int, backlog,
			READ_ONCE(sock_net(sk)->core.sysctl_somaxconn));
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state != TCP_LISTEN) {
		quic_set_state(sk, TCP_LISTEN);
		quic_udp_listen(qs->udp, &qs->listen_node);
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

/* A new socket for the connection a client Initial starts. */
static struct sock *quic_accept_child(struct sock *lsk, struct sk_buff *skb,
				      int *errp)
{
	struct quic_sock *lqs = quic_sk(lsk), *qs;
	union quic_addr ra, la;
	struct quic_packet_hdr h;
	struct quic_conn *c;
	struct sock *sk;
	int err;

	err = quic_packet_parse(skb->data, skb->len, 0, &h);
	if (err || h.type != QUIC_PACKET_INITIAL) {
		kfree_skb(skb);
		*errp = -EAGAIN;
		return NULL;
	}
	quic_skb_addrs(skb, lsk->sk_family, &ra, &la);

	sk = sk_clone_lock(lsk, GFP_KERNEL);
	if (!sk) {
		kfree_skb(skb);
		*errp = -ENOMEM;
		return NULL;
	}
	__acquire(&sk->sk_lock.slock);	/* sk_clone_lock() returns it locked */
	/* ... and with two references, one for a hash table we do not use. */
	__sock_put(sk);
	/* The copy shares the listener's pointers: make them its own. */
	qs = quic_sk(sk);
	if (sk->sk_family == AF_INET6)
		inet_sk(sk)->pinet6 = &quic6_sk(sk)->inet6;
	skb_queue_head_init(&qs->reqs);
	qs->req_hash = NULL;
	INIT_HLIST_NODE(&qs->listen_node);
	INIT_DELAYED_WORK(&qs->work, quic_sock_work);
	qs->conn = NULL;
	qs->alpn = NULL;
	qs->alpn_len = 0;
	qs->close_phrase = NULL;
	qs->close_phrase_len = 0;
	quic_net_sock_add(sk);
	refcount_inc(&lqs->udp->refcnt);
	if (qs->pref_udp)
		refcount_inc(&qs->pref_udp->refcnt);
	quic_set_state(sk, TCP_SYN_RECV);
	bh_unlock_sock(sk);
	/*
	 * Owned from here until complete: once its connection IDs are
	 * registered the receive path finds it, and must then queue what it
	 * brings on the backlog, for release_sock() to hand over.
	 */
	lock_sock(sk);

	err = -ENOMEM;
	if (lqs->alpn_len) {
		qs->alpn = sock_kmalloc(sk, lqs->alpn_len, GFP_KERNEL);
		if (!qs->alpn)
			goto err;
		memcpy(qs->alpn, lqs->alpn, lqs->alpn_len);
		qs->alpn_len = lqs->alpn_len;
	}
	c = quic_conn_create(sk, true, h.version, &la, &ra);
	if (!c)
		goto err;
	smp_store_release(&qs->conn, c);	/* for /proc/net/quic/sockets */
	err = quic_conn_server_start(c, &h);
	if (err)
		goto err;	/* -EEXIST: a copy of one accepted before */
	quic_set_local(sk, &la);
	quic_set_peer(sk, &ra);

	quic_conn_rcv(c, skb);
	release_sock(sk);
	return sk;

err:
	kfree_skb(skb);
	*errp = err;
	release_sock(sk);
	/* Not visible to anyone yet: close it as a socket would be. */
	quic_set_state(sk, TCP_CLOSE);
	sk->sk_prot->close(sk, 0);
	return NULL;
}

/* Sleep, the socket released, until @cond or a signal or the timeout. */
#define quic_wait_for(sk, timeo, cond)					\
	({								\
		DEFINE_WAIT_FUNC(__wait, woken_wake_function);		\
		struct sock *__sk = (sk);				\
		int __rc;						\
									\
		add_wait_queue(sk_sleep(__sk), &__wait);		\
		__rc = sk_wait_event(__sk, timeo, cond, &__wait);	\
		remove_wait_queue(sk_sleep(__sk), &__wait);		\
		__rc;							\
	})

static bool quic_accept_ready(struct sock *sk)
{
	return !skb_queue_empty(&quic_sk(sk)->reqs) ||
	       sk->sk_state != TCP_LISTEN || (sk->sk_shutdown & RCV_SHUTDOWN);
}

static struct sock *quic_accept(struct sock *sk, int flags, int *errp)
{
	struct sock *newsk = NULL;
	struct sk_buff *skb;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	while (!newsk) {
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN ||
		    (sk->sk_shutdown & RCV_SHUTDOWN))
			break;
		skb = quic_reqs_dequeue(sk);
		if (!skb) {
			err = -EAGAIN;
			if (!timeo)
				break;
			err = sock_intr_errno(timeo);
			if (signal_pending(current))
				break;
			quic_wait_for(sk, &timeo, quic_accept_ready(sk));
			continue;
		}
		newsk = quic_accept_child(sk, skb, &err);
		/* A duplicate of an accepted Initial: wait for the next. */
		if (!newsk && err != -EEXIST && err != -EAGAIN)
			break;
	}
	release_sock(sk);
	if (!newsk)
		*errp = err;
	return newsk;
}

int quic_do_accept(struct socket *sock, struct socket *newsock, int flags,
		   bool kern)
{
	struct sock *newsk;
	int err = 0;

	newsk = quic_accept(sock->sk, flags, &err);
	if (!newsk)
		return err;
	lock_sock(newsk);
	sock_graft(newsk, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(newsk);
	return 0;
}

/* What the cmsg of a sendmsg() says: a handshake level or a stream. */
struct quic_send_info {
	int	level;		/* -1 unless QUIC_HANDSHAKE_INFO */
	bool	has_stream;
	s64	stream_id;
	u32	flags;
};

/* The stream_flags a sendmsg() cmsg may carry (section 4.3.1). */
#define QUIC_STREAM_SEND_FLAGS	(MSG_STREAM_NEW | MSG_STREAM_FIN | \
				 MSG_STREAM_UNI | MSG_STREAM_DONTWAIT | \
				 MSG_STREAM_SNDBLOCK)

static int quic_msg_info(struct msghdr *msg, struct quic_send_info *si)
{
	struct quic_handshake_info *hi;
	struct quic_stream_info *sinfo;
	struct cmsghdr *cmsg;

	si->level = -1;
	si->has_stream = false;
	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_QUIC)
			continue;
		/* The draft allows one of them per call. */
		if (si->level >= 0 || si->has_stream)
			return -EINVAL;
		switch (cmsg->cmsg_type) {
		case QUIC_HANDSHAKE_INFO:
			if (cmsg->cmsg_len != CMSG_LEN(sizeof(*hi)))
				return -EINVAL;
			hi = CMSG_DATA(cmsg);
			si->level = hi->crypto_level;
			break;
		case QUIC_STREAM_INFO:
			if (cmsg->cmsg_len != CMSG_LEN(sizeof(*sinfo)))
				return -EINVAL;
			sinfo = CMSG_DATA(cmsg);
			/* Section 3.2.1: unknown flags are refused. */
			if (sinfo->stream_flags & ~QUIC_STREAM_SEND_FLAGS)
				return -EINVAL;
			si->has_stream = true;
			si->stream_id = sinfo->stream_id;
			si->flags = sinfo->stream_flags;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* The connection is usable for data, else the error to give. */
static int quic_data_check(struct sock *sk)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	if (!c)
		return -ENOTCONN;
	if (quic_conn_ended(c) || (sk->sk_shutdown & SEND_SHUTDOWN))
		return sk->sk_err ? -sk->sk_err : -EPIPE;
	if (!quic_conn_complete(c))
		return -ENOTCONN;
	return 0;
}

/* Before sleeping in sendmsg(): fail if it must not, else 0. */
static int quic_send_wait(long *timeo)
{
	if (!*timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(*timeo);
	return 0;
}

/*
 * Find or open the stream a sendmsg() is for, as the draft's section 4.3.1
 * says.  Stream ID -1 (or no QUIC_STREAM_INFO cmsg, section 3.1.9) with
 * MSG_STREAM_NEW opens the next bidirectional stream, or with
 * MSG_STREAM_UNI the next unidirectional one; without MSG_STREAM_NEW it is
 * the latest stream opened.  A given ID names the stream; MSG_STREAM_NEW
 * opens it (and those below it), and is refused on a stream that already
 * carried data.
 */
static int quic_send_stream(struct sock *sk, struct quic_send_info *si,
			    long *timeo, struct quic_stream **out)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	bool new = si->flags & MSG_STREAM_NEW;
	s64 want = si->has_stream ? si->stream_id : -1;
	struct quic_stream *st;
	s64 id = want;
	int err, dir;

	if (id == -1 && !new) {
		id = quic_stream_latest(c);
		if (id < 0)
			return -EINVAL;	/* no stream opened yet */
	}
	if (id != -1) {
		st = id >= 0 ? quic_stream_find(c, id) : NULL;
		if (st) {
			if (new && quic_stream_started(st))
				return -EINVAL;
			*out = st;
			return 0;
		}
		/* A stream that ended both ways is over, like one after
		 * our FIN.
		 */
		if (quic_stream_ended(c, id))
			return -EPIPE;
		if (!new)
			return -EINVAL;
	}
	for (;;) {
		err = quic_stream_open(c, &id, si->flags);
		if (err != -EAGAIN)
			break;
		dir = quic_stream_dir(id);
		if (si->flags & MSG_STREAM_SNDBLOCK) {
			c->streams.blocked_pending[dir] = true;
			quic_conn_flush(c);
		}
		if (si->flags & MSG_STREAM_DONTWAIT)
			return -EAGAIN;
		err = quic_send_wait(timeo);
		if (err)
			return err;
		quic_wait_for(sk, timeo,
			      quic_data_check(sk) ||
			      (u64)id >> 2 < c->streams.local_max[dir]);
		err = quic_data_check(sk);
		if (err)
			return err;
		id = want;
	}
	if (err)
		return err;
	*out = quic_stream_find(c, id);
	return *out ? 0 : -EINVAL;
}

static int quic_send_datagram(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	int err;

	for (;;) {
		err = quic_data_check(sk);
		if (err)
			return err;
		if (quic_sndbuf_room(sk))
			break;
		err = quic_send_wait(&timeo);
		if (err)
			return err;
		quic_wait_for(sk, &timeo, quic_data_check(sk) ||
			      quic_sndbuf_room(sk));
	}
	err = quic_dgram_send(c, &msg->msg_iter, len);
	if (err >= 0)
		quic_conn_flush(c);
	return err;
}

static int quic_send_stream_data(struct sock *sk, struct msghdr *msg,
				 size_t len, struct quic_send_info *si)
{
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	bool fin = si->flags & MSG_STREAM_FIN;
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_stream *st;
	size_t copied = 0, chunk;
	int err, n;
	u32 room;
	s64 id;

	err = quic_send_stream(sk, si, &timeo, &st);
	if (err)
		return err;
	id = st->id;
	/* MSG_MORE: what does not fill a packet waits for the next send. */
	quic_stream_cork(c, msg->msg_flags & MSG_MORE);
	for (;;) {
		err = quic_stream_send_check(c, st);
		if (err)
			break;
		room = 0;
		if (quic_sndbuf_room(sk))
			room = sk->sk_sndbuf - sk->sk_wmem_queued;
		if (room || (copied == len && fin)) {
			chunk = min_t(size_t, len - copied, room);
			/* The FIN goes with the last byte of the call. */
			n = quic_stream_send(c, st, &msg->msg_iter, chunk,
					     fin && copied + chunk == len);
			if (n < 0) {
				err = n;
				break;
			}
			copied += n;
			quic_conn_flush(c);
			if (copied == len)
				break;
		}
		err = quic_send_wait(&timeo);
		if (err)
			break;
		quic_wait_for(sk, &timeo, quic_data_check(sk) ||
			      quic_sndbuf_room(sk));
		err = quic_data_check(sk);
		if (err)
			break;
		/* The stream may be over while we slept. */
		st = quic_stream_find(c, id);
		if (!st) {
			err = -EPIPE;
			break;
		}
	}
	return copied ? copied : err;
}

static int quic_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_send_info si;
	int err;

	err = quic_msg_info(msg, &si);
	if (err)
		return err;
	if (len > INT_MAX)
		return -EMSGSIZE;
	if (!si.has_stream)
		si.flags = msg->msg_flags;

	lock_sock(sk);
	if (si.level >= 0) {
		err = -ENOTCONN;
		if (!qs->conn)
			goto out;
		if (quic_conn_ended(qs->conn) || (sk->sk_shutdown & SEND_SHUTDOWN)) {
			err = sk->sk_err ? sock_error(sk) : -EPIPE;
			goto out;
		}
		err = quic_conn_crypto_send(qs->conn, si.level, &msg->msg_iter,
					    len);
		goto out;
	}
	err = quic_data_check(sk);
	if (err)
		goto out;
	if (msg->msg_flags & MSG_DATAGRAM)
		err = quic_send_datagram(sk, msg, len);
	else
		err = quic_send_stream_data(sk, msg, len, &si);
out:
	release_sock(sk);
	return err;
}

/*
 * The message of sk_receive_queue a recvmsg() reads first.  Without room
 * for the level's cmsg (recv(), read()) a handshake message cannot be
 * read; once the handshake is over (a NewSessionTicket, say) it waits for
 * a recvmsg() that has the room, and what follows it is read past it,
 * rather than every read failing with EINVAL.
 */
static struct sk_buff *quic_recv_head(struct sock *sk, struct msghdr *msg)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct sk_buff *skb;

	if (msg->msg_controllen || !c || !quic_conn_complete(c))
		return skb_peek(&sk->sk_receive_queue);
	skb_queue_walk(&sk->sk_receive_queue, skb)
		if (QUIC_RCV_CB(skb)->type != QUIC_RCV_HANDSHAKE)
			return skb;
	return NULL;
}

static bool quic_rcv_ready(struct sock *sk, struct msghdr *msg)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	return quic_recv_head(sk, msg) || sk->sk_err ||
	       (sk->sk_shutdown & RCV_SHUTDOWN) || !c || quic_conn_ended(c) ||
	       !list_empty(&c->streams.rcv_list);
}

/* Read the first message of sk_receive_queue: handshake, event, datagram. */
static int quic_recv_queued(struct sock *sk, struct sk_buff *skb,
			    struct msghdr *msg, size_t len, int flags)
{
	struct quic_rcv_cb *cb = QUIC_RCV_CB(skb);
	struct quic_handshake_info info;
	int err, n;

	switch (cb->type) {
	case QUIC_RCV_HANDSHAKE:
		/* recv() cannot say which level: the draft asks EINVAL. */
		if (!msg->msg_controllen)
			return -EINVAL;
		info.crypto_level = cb->level;
		err = put_cmsg(msg, SOL_QUIC, QUIC_HANDSHAKE_INFO,
			       sizeof(info), &info);
		if (err)
			return err;
		break;
	case QUIC_RCV_DATAGRAM:
		msg->msg_flags |= MSG_DATAGRAM;
		break;
	default:
		msg->msg_flags |= MSG_NOTIFICATION;
		break;
	}
	n = min_t(u32, len, skb->len - cb->read);
	err = skb_copy_datagram_msg(skb, cb->read, msg, n);
	if (err)
		return err;
	if (cb->read + n == skb->len)
		msg->msg_flags |= MSG_EOR;
	if (!(flags & MSG_PEEK)) {
		cb->read += n;
		if (cb->read == skb->len) {
			skb_unlink(skb, &sk->sk_receive_queue);
			kfree_skb(skb);
		}
	}
	return n;
}

static int quic_recv_stream(struct sock *sk, struct quic_stream *st,
			    struct msghdr *msg, size_t len, int flags)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_stream_info info;
	bool fin;
	int n;

	/* All of it goes to userspace, the tail padding too. */
	memset(&info, 0, sizeof(info));
	info.stream_id = st->id;

	n = quic_stream_read(c, st, msg, min_t(size_t, len, INT_MAX),
			     flags & MSG_PEEK, &fin);
	if (n < 0)
		return n;
	/* @st may be gone now. */
	if (fin) {
		info.stream_flags = MSG_STREAM_FIN;
		msg->msg_flags |= MSG_STREAM_FIN;
	}
	if (!(flags & MSG_PEEK) && (fin || list_empty(&st->rcv_node)))
		msg->msg_flags |= MSG_EOR;
	if (msg->msg_controllen)
		put_cmsg(msg, SOL_QUIC, QUIC_STREAM_INFO, sizeof(info), &info);
	quic_conn_flush(c);
	return n;
}

/* The msg_flags recvmsg() sets: never taken as input flags. */
#define QUIC_RECV_OUT_FLAGS	(MSG_EOR | MSG_STREAM_FIN | MSG_DATAGRAM | \
				 MSG_NOTIFICATION)

static int quic_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			int flags, int *addr_len)
{
	struct quic_stream *st = NULL;
	struct quic_conn *c;
	struct sk_buff *skb;
	long timeo;
	int err;

	/* What an earlier call returned may come back in a reused variable:
	 * those bits are outputs and mean nothing here (section 4.1).
	 */
	flags &= ~QUIC_RECV_OUT_FLAGS;
	if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC |
		      MSG_CMSG_COMPAT | MSG_CMSG_CLOEXEC))
		return -EOPNOTSUPP;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	for (;;) {
		skb = quic_recv_head(sk, msg);
		if (skb)
			break;
		c = quic_sk(sk)->conn;
		err = -ENOTCONN;
		if (!c)
			goto out;
		st = quic_stream_readable(c);
		if (st)
			break;
		if (sk->sk_err) {
			err = sock_error(sk);
			goto out;
		}
		err = 0;
		if ((sk->sk_shutdown & RCV_SHUTDOWN) || quic_conn_ended(c))
			goto out;
		err = -EAGAIN;
		if (!timeo)
			goto out;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			goto out;
		quic_wait_for(sk, &timeo, quic_rcv_ready(sk, msg));
	}
	if (skb)
		err = quic_recv_queued(sk, skb, msg, len, flags);
	else
		err = quic_recv_stream(sk, st, msg, len, flags);
out:
	release_sock(sk);
	return err;
}

__poll_t quic_inet_poll(struct file *file, struct socket *sock,
			poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct quic_conn *c;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN)
		return skb_queue_empty_lockless(&quic_sk(sk)->reqs) ? 0 :
		       EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= EPOLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	c = READ_ONCE(quic_sk(sk)->conn);
	if (c && !list_empty_careful(&c->streams.rcv_list))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (c && READ_ONCE(c->end) != QUIC_END_NONE)
		mask |= EPOLLHUP;
	else if (c && quic_sndbuf_room(sk))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

int quic_inet_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR: 0, 1, 2 -> RCV, SEND, both. */
	how++;
	if (how <= 0 || how > SHUTDOWN_MASK)
		return -EINVAL;
	lock_sock(sk);
	if (how & SEND_SHUTDOWN)
		quic_close_user(sk);
	sk->sk_shutdown |= how;
	/* Section 3.1.7: SHUT_RD discards incoming data and connection
	 * requests quietly, what waits and what comes.
	 */
	if (how & RCV_SHUTDOWN) {
		skb_queue_purge(&sk->sk_receive_queue);
		quic_reqs_purge(sk, false);
		if (quic_sk(sk)->conn) {
			quic_streams_discard(quic_sk(sk)->conn);
			quic_conn_flush(quic_sk(sk)->conn);
		}
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return 0;
}

/**
 * quic_sk_event - queue an event for recvmsg() if the application wants it
 * @sk: the socket
 * @type: enum quic_event_type
 * @data: what follows the type byte
 * @len: its length
 */
void quic_sk_event(struct sock *sk, u8 type, const void *data, u32 len)
{
	struct sk_buff *skb;

	if (!(quic_sk(sk)->events & BIT(type)) ||
	    (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		return;
	/* A newer limit replaces one of the same stream type not read yet:
	 * a MAX_STREAMS flood costs one message.
	 */
	skb = skb_peek_tail(&sk->sk_receive_queue);
	if (type == QUIC_EVENT_STREAM_MAX_STREAM && skb &&
	    QUIC_RCV_CB(skb)->type == QUIC_RCV_EVENT &&
	    !QUIC_RCV_CB(skb)->read && skb->len == 1 + sizeof(u64) &&
	    len == sizeof(u64) && skb->data[0] == type) {
		u64 old, new;

		memcpy(&old, skb->data + 1, sizeof(old));
		memcpy(&new, data, sizeof(new));
		if ((old & QUIC_STREAM_TYPE_MASK) ==
		    (new & QUIC_STREAM_TYPE_MASK)) {
			memcpy(skb->data + 1, &new, sizeof(new));
			return;
		}
	}
	skb = alloc_skb(1 + len, GFP_ATOMIC);
	if (!skb)
		return;
	/* Events a reader does not read are bounded by its buffer. */
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    READ_ONCE(sk->sk_rcvbuf) || !quic_skb_charge_r(sk, skb)) {
		kfree_skb(skb);
		return;
	}
	*(u8 *)skb_put(skb, 1) = type;
	skb_put_data(skb, data, len);
	quic_rcvq_add(sk, skb, QUIC_RCV_EVENT, 0);
}

/**
 * quic_close_info - struct quic_connection_close with its phrase
 * @errcode: the error code
 * @frame: the frame type
 * @phrase: the phrase, not NUL-terminated (may be NULL if @plen is 0)
 * @plen: its length
 * @len: set to the length of the result
 * @gfp: allocation flags
 *
 * The layout of QUIC_SOCKOPT_CONNECTION_CLOSE and of the CONNECTION_CLOSE
 * event: the phrase NUL-terminated at offsetof(phrase), the whole at least
 * sizeof(struct quic_connection_close).
 *
 * Return: the buffer (kfree() it), or NULL.
 */
u8 *quic_close_info(u32 errcode, u8 frame, const u8 *phrase, u32 plen,
		    int *len, gfp_t gfp)
{
	u32 hdr = offsetof(struct quic_connection_close, phrase);
	struct quic_connection_close *cc;
	u32 n = max_t(u32, hdr + plen + 1, sizeof(*cc));

	cc = kzalloc(n, gfp);
	if (!cc)
		return NULL;
	cc->errcode = errcode;
	cc->frame = frame;
	if (plen)
		memcpy(cc->phrase, phrase, plen);
	*len = n;
	return (u8 *)cc;
}

/* QUIC_EVENT_CONNECTION_CLOSE: the peer's code, frame and phrase. */
void quic_sk_event_close(struct sock *sk)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	u8 *info;
	int len;

	if (!c || !(quic_sk(sk)->events & BIT(QUIC_EVENT_CONNECTION_CLOSE)))
		return;
	info = quic_close_info(c->peer_errcode, c->peer_frame, c->peer_phrase,
			       c->peer_phrase_len, &len, GFP_ATOMIC);
	if (!info)
		return;
	quic_sk_event(sk, QUIC_EVENT_CONNECTION_CLOSE, info, len);
	kfree(info);
}

static bool quic_bool_ok(u8 v)
{
	return v <= 1;
}

/* RFC 9000 section 18.2, and what this implementation keeps locally. */
static int quic_param_check(const struct quic_transport_param *p)
{
	if (!quic_bool_ok(p->remote) ||
	    !quic_bool_ok(p->disable_active_migration) ||
	    !quic_bool_ok(p->grease_quic_bit) ||
	    !quic_bool_ok(p->stateless_reset) ||
	    !quic_bool_ok(p->disable_1rtt_encryption) ||
	    !quic_bool_ok(p->disable_compatible_version))
		return -EINVAL;
	if (p->max_udp_payload_size < QUIC_MIN_UDP_PAYLOAD ||
	    p->max_udp_payload_size > QUIC_MAX_UDP_PAYLOAD ||
	    p->ack_delay_exponent > QUIC_MAX_ACK_DELAY_EXPONENT ||
	    p->max_ack_delay >= QUIC_MAX_ACK_DELAY ||
	    p->active_connection_id_limit < QUIC_CONN_ID_LIMIT_MIN ||
	    p->active_connection_id_limit > QUIC_VARINT_MAX ||
	    p->max_datagram_frame_size > QUIC_VARINT_MAX ||
	    p->max_data > QUIC_VARINT_MAX ||
	    p->max_stream_data_bidi_local > QUIC_VARINT_MAX ||
	    p->max_stream_data_bidi_remote > QUIC_VARINT_MAX ||
	    p->max_stream_data_uni > QUIC_VARINT_MAX ||
	    p->max_streams_bidi > QUIC_MAX_STREAMS_LIMIT ||
	    p->max_streams_uni > QUIC_MAX_STREAMS_LIMIT)
		return -EINVAL;
	/* max_idle_timeout travels in milliseconds: any u64 of usec fits. */
	if (p->remote)
		return 0;
	if (p->active_connection_id_limit > QUIC_CONN_ID_LIMIT_MAX ||
	    p->max_datagram_frame_size > QUIC_MAX_UDP_PAYLOAD)
		return -EINVAL;
	return 0;
}

/*
 * A field of an option struct: 0 keeps the current value, QUIC_OPT_ZERO
 * (all ones) sets 0, anything else is the new value.
 */
static void quic_opt64(u64 *v, u64 cur)
{
	*v = *v == (u64)QUIC_OPT_ZERO ? 0 : *v ?: cur;
}

static void quic_opt32(u32 *v, u32 cur)
{
	*v = *v == (u32)QUIC_OPT_ZERO ? 0 : *v ?: cur;
}

static void quic_opt8(u8 *v, u8 cur)
{
	*v = *v == (u8)QUIC_OPT_ZERO ? 0 : *v ?: cur;
}

static void quic_param_merge(const struct quic_transport_param *o,
			     struct quic_transport_param *p)
{
	quic_opt8(&p->disable_active_migration, o->disable_active_migration);
	quic_opt8(&p->grease_quic_bit, o->grease_quic_bit);
	quic_opt8(&p->stateless_reset, o->stateless_reset);
	quic_opt8(&p->disable_1rtt_encryption, o->disable_1rtt_encryption);
	quic_opt8(&p->disable_compatible_version,
		  o->disable_compatible_version);
	quic_opt64(&p->max_udp_payload_size, o->max_udp_payload_size);
	quic_opt64(&p->ack_delay_exponent, o->ack_delay_exponent);
	quic_opt64(&p->max_ack_delay, o->max_ack_delay);
	quic_opt64(&p->active_connection_id_limit,
		   o->active_connection_id_limit);
	quic_opt64(&p->max_idle_timeout, o->max_idle_timeout);
	quic_opt64(&p->max_datagram_frame_size, o->max_datagram_frame_size);
	quic_opt64(&p->max_data, o->max_data);
	quic_opt64(&p->max_stream_data_bidi_local,
		   o->max_stream_data_bidi_local);
	quic_opt64(&p->max_stream_data_bidi_remote,
		   o->max_stream_data_bidi_remote);
	quic_opt64(&p->max_stream_data_uni, o->max_stream_data_uni);
	quic_opt64(&p->max_streams_bidi, o->max_streams_bidi);
	quic_opt64(&p->max_streams_uni, o->max_streams_uni);
}

static int quic_sock_set_transport_param(struct sock *sk, sockptr_t optval,
					 unsigned int optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_transport_param p;
	int err;

	if (optlen != sizeof(p))
		return -EINVAL;
	if (copy_from_sockptr(&p, optval, sizeof(p)))
		return -EFAULT;
	if (!quic_bool_ok(p.remote))
		return -EINVAL;
	quic_param_merge(p.remote ? &qs->remote_param : &qs->local_param, &p);
	err = quic_param_check(&p);
	if (err)
		return err;
	if (p.remote) {
		qs->remote_param = p;
		return 0;
	}
	p.max_streams_bidi = min_t(u64, p.max_streams_bidi,
				   QUIC_STREAMS_OPEN_MAX);
	p.max_streams_uni = min_t(u64, p.max_streams_uni,
				  QUIC_STREAMS_OPEN_MAX);
	qs->local_param = p;
	/* The draft's section 9: the receive buffer follows max_data. */
	quic_sk_rcvbuf_follow(sk, 2 * p.max_data);
	return 0;
}

static int quic_config_check(const struct quic_config *c)
{
	if (c->version && c->version != QUIC_VERSION_V1 &&
	    c->version != QUIC_VERSION_V2)
		return -EINVAL;
	if (c->plpmtud_probe_interval &&
	    c->plpmtud_probe_interval < QUIC_MIN_PROBE_INTERVAL)
		return -EINVAL;
	if (c->initial_smoothed_rtt &&
	    (c->initial_smoothed_rtt < QUIC_MIN_RTT ||
	     c->initial_smoothed_rtt > QUIC_MAX_RTT))
		return -EINVAL;
	if (c->congestion_control_algo >= QUIC_CONG_ALG_MAX ||
	    !quic_bool_ok(c->validate_peer_address) ||
	    !quic_bool_ok(c->stream_data_nodelay) ||
	    c->certificate_request > QUIC_CERT_REQUEST_MAX)
		return -EINVAL;
	switch (c->payload_cipher_type) {
	case 0:
	case TLS_CIPHER_AES_GCM_128:
	case TLS_CIPHER_AES_GCM_256:
	case TLS_CIPHER_CHACHA20_POLY1305:
		return 0;
	default:
		return -EINVAL;
	}
}

static int quic_sock_set_config(struct sock *sk, sockptr_t optval,
				unsigned int optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	const struct quic_config *o = &qs->config;
	struct quic_config c;
	bool set_version;
	int err;

	if (optlen != sizeof(c))
		return -EINVAL;
	if (copy_from_sockptr(&c, optval, sizeof(c)))
		return -EFAULT;
	set_version = c.version;
	/* Version and RTT have no meaning at 0: the default stands in. */
	if (c.version == (u32)QUIC_OPT_ZERO)
		c.version = quic_default_config.version;
	if (c.initial_smoothed_rtt == (u64)QUIC_OPT_ZERO)
		c.initial_smoothed_rtt = quic_default_config.initial_smoothed_rtt;
	quic_opt32(&c.version, o->version);
	quic_opt32(&c.plpmtud_probe_interval, o->plpmtud_probe_interval);
	quic_opt64(&c.initial_smoothed_rtt, o->initial_smoothed_rtt);
	quic_opt8(&c.congestion_control_algo, o->congestion_control_algo);
	quic_opt8(&c.validate_peer_address, o->validate_peer_address);
	quic_opt32(&c.payload_cipher_type, o->payload_cipher_type);
	quic_opt8(&c.receive_session_ticket, o->receive_session_ticket);
	quic_opt8(&c.certificate_request, o->certificate_request);
	quic_opt8(&c.stream_data_nodelay, o->stream_data_nodelay);
	err = quic_config_check(&c);
	if (err)
		return err;
	qs->config = c;
	/* A server moves clients that offer it to the version it chose. */
	if (set_version)
		qs->version_set = true;
	return 0;
}

static int quic_sock_set_event(struct sock *sk, sockptr_t optval,
			       unsigned int optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_event_option ev;

	if (optlen != sizeof(ev))
		return -EINVAL;
	if (copy_from_sockptr(&ev, optval, sizeof(ev)))
		return -EFAULT;
	if (ev.type == QUIC_EVENT_NONE || ev.type >= QUIC_EVENT_MAX ||
	    !quic_bool_ok(ev.on))
		return -EINVAL;
	if (ev.on)
		qs->events |= BIT(ev.type);
	else
		qs->events &= ~BIT(ev.type);
	return 0;
}

/*
 * A comma-separated list of protocol names (RFC 7301: 1 to 255 bytes each),
 * for example "h3,smb".  One trailing NUL is allowed and dropped.
 */
static bool quic_alpn_valid(const char *alpn, unsigned int len)
{
	unsigned int i, name = 0;

	for (i = 0; i < len; i++) {
		if (alpn[i] == '\0')
			return false;
		if (alpn[i] != ',') {
			if (++name > QUIC_ALPN_NAME_MAX_LEN)
				return false;
			continue;
		}
		if (!name)
			return false;
		name = 0;
	}
	return name;
}

static int quic_sock_set_alpn(struct sock *sk, sockptr_t optval,
			      unsigned int optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	char buf[QUIC_ALPN_MAX_LEN + 1];
	char *alpn = NULL;
	unsigned int len;

	if (optlen > sizeof(buf))
		return -EINVAL;
	if (sk->sk_state == TCP_LISTEN)
		return -EISCONN;
	if (copy_from_sockptr(buf, optval, optlen))
		return -EFAULT;
	len = optlen;
	if (len && buf[len - 1] == '\0')
		len--;
	if (len > QUIC_ALPN_MAX_LEN || (optlen && !quic_alpn_valid(buf, len)))
		return -EINVAL;
	if (len) {
		alpn = sock_kmalloc(sk, len, GFP_KERNEL);
		if (!alpn)
			return -ENOMEM;
		memcpy(alpn, buf, len);
	}

	if (qs->alpn)
		sock_kfree_s(sk, qs->alpn, qs->alpn_len);
	qs->alpn = alpn;
	qs->alpn_len = len;
	return 0;
}

static int quic_sock_set_crypto_secret(struct sock *sk, sockptr_t optval,
				       unsigned int optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_crypto_secret secret;
	int err;

	if (optlen != sizeof(secret))
		return -EINVAL;
	if (copy_from_sockptr(&secret, optval, sizeof(secret)))
		return -EFAULT;
	err = c ? quic_conn_set_secret(c, &secret) : -ENOTCONN;
	memzero_explicit(&secret, sizeof(secret));
	return err;
}

/* QUIC_SOCKOPT_KEY_UPDATE: no value. */
/*
 * QUIC_SOCKOPT_CONNECTION_ID: which connection IDs are in use, and a
 * change to them (conn_id.c), once the handshake has completed.
 */
static int quic_sock_set_cid(struct sock *sk, sockptr_t optval,
			     unsigned int optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_connection_id_info info;

	if (optlen < sizeof(info))
		return -EINVAL;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	if (!c || !quic_conn_complete(c))
		return -ENOTCONN;
	if (quic_conn_ended(c))
		return -EPIPE;
	return quic_cids_set(c, &info);
}

static int quic_sock_key_update(struct sock *sk, unsigned int optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	if (optlen)
		return -EINVAL;
	return c ? quic_conn_key_update(c) : -ENOTCONN;
}

/* The peer's transport parameters, as TLS received them. */
static int quic_sock_set_tp_ext(struct sock *sk, sockptr_t optval,
				unsigned int optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	u8 *buf;
	int err;

	if (!c)
		return -ENOTCONN;
	if (!optlen || optlen > QUIC_TP_EXT_MAX_LEN)
		return -EINVAL;
	buf = kmalloc(optlen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = -EFAULT;
	if (!copy_from_sockptr(buf, optval, optlen))
		err = quic_conn_set_peer_tp(c, buf, optlen);
	kfree(buf);
	return err;
}

/*
 * QUIC_SOCKOPT_CONNECTION_CLOSE: struct quic_connection_close, whose
 * phrase[] is a C string: the value is at least sizeof() the struct, and a
 * NUL ends the phrase within it (a zeroed struct alone is an empty phrase).
 * Bytes after the NUL are not looked at.
 */
static int quic_sock_set_close(struct sock *sk, sockptr_t optval,
			       unsigned int optlen)
{
	u32 hdr = offsetof(struct quic_connection_close, phrase);
	struct quic_sock *qs = quic_sk(sk);
	struct quic_connection_close cc;
	u8 *buf, *phrase = NULL;
	u32 len;

	if (optlen < sizeof(cc) ||
	    optlen > sizeof(cc) + QUIC_CLOSE_PHRASE_MAX_LEN)
		return -EINVAL;
	buf = kmalloc(optlen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_sockptr(buf, optval, optlen)) {
		kfree(buf);
		return -EFAULT;
	}
	memcpy(&cc, buf, hdr);
	len = strnlen(buf + hdr, optlen - hdr);
	if (len == optlen - hdr || len > QUIC_CLOSE_PHRASE_MAX_LEN) {
		kfree(buf);
		return -EINVAL;	/* no NUL: not the draft's phrase */
	}
	if (len) {
		phrase = sock_kmalloc(sk, len, GFP_KERNEL);
		if (!phrase) {
			kfree(buf);
			return -ENOMEM;
		}
		memcpy(phrase, buf + hdr, len);
	}
	kfree(buf);
	if (qs->close_phrase)
		sock_kfree_s(sk, qs->close_phrase, qs->close_phrase_len);
	qs->close_phrase = phrase;
	qs->close_phrase_len = len;
	qs->close_errcode = cc.errcode;
	qs->close_frame = cc.frame;
	return 0;
}

/* Options of the layers below, passed on one at a time as they make sense. */
/* QUIC_SOCKOPT_STREAM_RESET and QUIC_SOCKOPT_STREAM_STOP_SENDING. */
static int quic_sock_set_stream_err(struct sock *sk, int optname,
				    sockptr_t optval, unsigned int optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_errinfo info;
	int err;

	if (optlen != sizeof(info))
		return -EINVAL;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	err = quic_data_check(sk);
	if (err)
		return err;
	if (optname == QUIC_SOCKOPT_STREAM_RESET)
		err = quic_stream_reset(c, info.stream_id, info.errcode);
	else
		err = quic_stream_stop_sending(c, info.stream_id, info.errcode);
	if (!err)
		quic_conn_flush(c);
	return err;
}

static bool quic_ip_option(struct sock *sk, int level, int optname)
{
	return sk->sk_family == AF_INET6 && level == SOL_IPV6 &&
	       optname == IPV6_V6ONLY;
}

static int quic_setsockopt(struct sock *sk, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	int err;

	if (level != SOL_QUIC) {
		if (!quic_ip_option(sk, level, optname))
			return -ENOPROTOOPT;
		return ipv6_setsockopt(sk, level, optname, optval, optlen);
	}

	lock_sock(sk);
	switch (optname) {
	case QUIC_SOCKOPT_EVENT:
		err = quic_sock_set_event(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_TRANSPORT_PARAM:
		err = quic_sock_set_transport_param(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONFIG:
		err = quic_sock_set_config(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_ALPN:
		err = quic_sock_set_alpn(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_CRYPTO_SECRET:
		err = quic_sock_set_crypto_secret(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		err = quic_sock_set_tp_ext(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONNECTION_CLOSE:
		err = quic_sock_set_close(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_STREAM_RESET:
	case QUIC_SOCKOPT_STREAM_STOP_SENDING:
		err = quic_sock_set_stream_err(sk, optname, optval, optlen);
		break;
	case QUIC_SOCKOPT_STREAM_OPEN:
		err = -EOPNOTSUPP;	/* a getsockopt() */
		break;
	case QUIC_SOCKOPT_KEY_UPDATE:
		err = quic_sock_key_update(sk, optlen);
		break;
	case QUIC_SOCKOPT_CONNECTION_ID:
		err = quic_sock_set_cid(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONNECTION_MIGRATION:
		err = quic_sock_migrate(sk, optval, optlen);
		break;
	case QUIC_SOCKOPT_TOKEN:
	case QUIC_SOCKOPT_SESSION_TICKET:
		/* Resumption: not yet. */
		err = -EOPNOTSUPP;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}

/* @size bytes of @val out, and @size as the option's length. */
static int quic_put_len(sockptr_t optval, sockptr_t optlen, const void *val,
			int size)
{
	if (copy_to_sockptr(optlen, &size, sizeof(size)) ||
	    copy_to_sockptr(optval, val, size))
		return -EFAULT;
	return 0;
}

/* Copy a fixed-size option out; a larger buffer gets the struct's size. */
static int quic_put_opt(const void *val, unsigned int size, int len,
			sockptr_t optval, sockptr_t optlen)
{
	if (len < size)
		return -EINVAL;
	return quic_put_len(optval, optlen, val, size);
}

static int quic_sock_get_transport_param(struct sock *sk, int len,
					 sockptr_t optval,
					 sockptr_t optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_transport_param p;

	if (len < sizeof(p))
		return -EINVAL;
	/* The caller says which side it wants in the "remote" member. */
	if (copy_from_sockptr(&p, optval, sizeof(p)))
		return -EFAULT;
	if (!quic_bool_ok(p.remote))
		return -EINVAL;
	p = p.remote ? qs->remote_param : qs->local_param;
	return quic_put_opt(&p, sizeof(p), len, optval, optlen);
}

static int quic_sock_get_event(struct sock *sk, int len, sockptr_t optval,
			       sockptr_t optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_event_option ev;

	if (len < sizeof(ev))
		return -EINVAL;
	/* The caller names the event in "type". */
	if (copy_from_sockptr(&ev, optval, sizeof(ev)))
		return -EFAULT;
	if (ev.type == QUIC_EVENT_NONE || ev.type >= QUIC_EVENT_MAX)
		return -EINVAL;
	ev.on = !!(qs->events & BIT(ev.type));
	return quic_put_opt(&ev, sizeof(ev), len, optval, optlen);
}

static int quic_sock_get_alpn(struct sock *sk, int len, sockptr_t optval,
			      sockptr_t optlen)
{
	struct quic_sock *qs = quic_sk(sk);

	if (len < qs->alpn_len)
		return -EINVAL;
	return quic_put_len(optval, optlen, qs->alpn, qs->alpn_len);
}

static int quic_sock_get_tp_ext(struct sock *sk, int len, sockptr_t optval,
				sockptr_t optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	u8 *buf;
	int n;

	if (!c)
		return -ENOTCONN;
	buf = kmalloc(QUIC_TP_EXT_MAX_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = quic_conn_get_local_tp(c, buf, QUIC_TP_EXT_MAX_LEN);
	if (n >= 0 && len < n)
		n = -EINVAL;
	if (n >= 0)
		n = quic_put_len(optval, optlen, buf, n) ?: n;
	kfree(buf);
	return n < 0 ? n : 0;
}

/*
 * The peer's close once it closed, else what close() will send; in the
 * layout the option is set with: the phrase NUL-terminated, the whole at
 * least sizeof(struct quic_connection_close).
 */
static int quic_sock_get_cid(struct sock *sk, int len, sockptr_t optval,
			     sockptr_t optlen)
{
	struct quic_conn *c = quic_sk(sk)->conn;
	struct quic_connection_id_info info;

	if (len < sizeof(info))
		return -EINVAL;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	if (!c || !quic_conn_complete(c))
		return -ENOTCONN;
	info.dest = !!info.dest;
	quic_cids_get(c, &info);
	return quic_put_len(optval, optlen, &info, sizeof(info));
}

static int quic_sock_get_close(struct sock *sk, int len, sockptr_t optval,
			       sockptr_t optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_conn *c = qs->conn;
	const u8 *phrase = qs->close_phrase;
	u32 plen = qs->close_phrase_len;
	u32 errcode = qs->close_errcode;
	u8 frame = qs->close_frame;
	u8 *buf;
	int n;

	if (c && c->end == QUIC_END_DRAINING) {
		errcode = c->peer_errcode;
		frame = c->peer_frame;
		phrase = c->peer_phrase;
		plen = c->peer_phrase_len;
	}
	buf = quic_close_info(errcode, frame, phrase, plen, &n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (len < n)
		n = -EINVAL;
	else
		n = quic_put_len(optval, optlen, buf, n) ?: n;
	kfree(buf);
	return n < 0 ? n : 0;
}

static int quic_sock_get_config(struct sock *sk, int len,
				sockptr_t optval, sockptr_t optlen)
{
	/* A copy on the stack: hardened usercopy rejects the sock's slab. */
	struct quic_config c = quic_sk(sk)->config;
	struct quic_conn *conn = quic_sk(sk)->conn;

	/* With a connection: the version it uses (RFC 9368 negotiation). */
	if (conn)
		c.version = conn->version;
	return quic_put_opt(&c, sizeof(c), len, optval, optlen);
}

/* QUIC_SOCKOPT_STREAM_OPEN: open a stream, say which. */
static int quic_sock_stream_open(struct sock *sk, int len,
				 sockptr_t optval, sockptr_t optlen)
{
	struct quic_send_info si = { .has_stream = true };
	struct quic_stream_info info;
	struct quic_stream *st;
	long timeo;
	int err;

	if (len < sizeof(info))
		return -EINVAL;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	if (info.stream_flags & ~(MSG_STREAM_UNI | MSG_STREAM_DONTWAIT |
				  MSG_STREAM_SNDBLOCK))
		return -EINVAL;
	err = quic_data_check(sk);
	if (err)
		return err;
	si.stream_id = info.stream_id;
	si.flags = info.stream_flags | MSG_STREAM_NEW;
	timeo = sock_sndtimeo(sk, 0);
	err = quic_send_stream(sk, &si, &timeo, &st);
	if (err)
		return err;
	info.stream_id = st->id;
	return quic_put_opt(&info, sizeof(info), len, optval, optlen);
}

/*
 * IP_MTU and IPV6_MTU: the path MTU that DPLPMTUD confirmed, in IP terms
 * (the largest UDP payload plus the UDP and IP headers).
 */
static int quic_sock_get_mtu(struct sock *sk, sockptr_t optval,
			     sockptr_t optlen)
{
	struct quic_conn *c;
	int len, val = 0;

	if (copy_from_sockptr(&len, optlen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	lock_sock(sk);
	c = quic_sk(sk)->conn;
	if (c && !quic_conn_ended(c) && c->path.ip_overhead)
		val = c->pmtu.mtu + c->path.ip_overhead;
	release_sock(sk);
	if (!val)
		return -ENOTCONN;
	return quic_put_len(optval, optlen, &val, min_t(int, len, sizeof(val)));
}

static int quic_do_getsockopt(struct sock *sk, int optname, sockptr_t optval,
			      sockptr_t optlen)
{
	int len, err;

	if (copy_from_sockptr(&len, optlen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	lock_sock(sk);
	switch (optname) {
	case QUIC_SOCKOPT_EVENT:
		err = quic_sock_get_event(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_TRANSPORT_PARAM:
		err = quic_sock_get_transport_param(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONFIG:
		err = quic_sock_get_config(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_ALPN:
		err = quic_sock_get_alpn(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		err = quic_sock_get_tp_ext(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONNECTION_CLOSE:
		err = quic_sock_get_close(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_STREAM_OPEN:
		err = quic_sock_stream_open(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_CONNECTION_ID:
		err = quic_sock_get_cid(sk, len, optval, optlen);
		break;
	case QUIC_SOCKOPT_STREAM_RESET:
	case QUIC_SOCKOPT_STREAM_STOP_SENDING:
	case QUIC_SOCKOPT_CONNECTION_MIGRATION:
	case QUIC_SOCKOPT_KEY_UPDATE:
	case QUIC_SOCKOPT_TOKEN:
	case QUIC_SOCKOPT_SESSION_TICKET:
	case QUIC_SOCKOPT_CRYPTO_SECRET:
		err = -EOPNOTSUPP;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}

static int quic_getsockopt(struct sock *sk, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	if ((level == SOL_IP && optname == IP_MTU) ||
	    (level == SOL_IPV6 && optname == IPV6_MTU))
		return quic_sock_get_mtu(sk, USER_SOCKPTR(optval),
					 USER_SOCKPTR(optlen));
	if (level != SOL_QUIC) {
		if (!quic_ip_option(sk, level, optname))
			return -ENOPROTOOPT;
		return ipv6_getsockopt(sk, level, optname, optval, optlen);
	}
	return quic_do_getsockopt(sk, optname, USER_SOCKPTR(optval),
				  USER_SOCKPTR(optlen));
}

/**
 * quic_kernel_getsockopt - read a %SOL_QUIC option into kernel memory
 * @sk: a QUIC socket
 * @optname: the option, %QUIC_SOCKOPT_*
 * @optval: the option's buffer; what the option reads is there on entry
 *	    (the stream to open, the event to look at, the side of the
 *	    transport parameters)
 * @optlen: the buffer's size on entry, the option's length on return
 *
 * The kernel's getsockopt() takes user pointers only: this is the same
 * option read for a consumer in the kernel, with the same rules and errors
 * as getsockopt(2) on a %SOL_QUIC option.
 *
 * Context: process context; may sleep (%QUIC_SOCKOPT_STREAM_OPEN may wait
 * for the peer to allow a stream, within the socket's send timeout).
 * Return: 0, or a negative errno.
 */
int quic_kernel_getsockopt(struct sock *sk, int optname, void *optval,
			   int *optlen)
{
	return quic_do_getsockopt(sk, optname, KERNEL_SOCKPTR(optval),
				  KERNEL_SOCKPTR(optlen));
}
EXPORT_SYMBOL_GPL(quic_kernel_getsockopt);

/**
 * quic_kernel_setsockopt - set a %SOL_QUIC option from kernel memory
 * @sk: a QUIC socket
 * @optname: the option, %QUIC_SOCKOPT_*
 * @optval: the option's value
 * @optlen: its length
 *
 * The same as setsockopt(2) on a %SOL_QUIC option.
 *
 * Context: process context; may sleep.
 * Return: 0, or a negative errno.
 */
int quic_kernel_setsockopt(struct sock *sk, int optname, const void *optval,
			   unsigned int optlen)
{
	return quic_setsockopt(sk, SOL_QUIC, optname,
			       KERNEL_SOCKPTR((void *)optval), optlen);
}
EXPORT_SYMBOL_GPL(quic_kernel_setsockopt);

#ifdef QUIC_HAVE_PROTO_ACCEPT_ARG
static struct sock *quic_prot_accept(struct sock *sk,
				     struct proto_accept_arg *arg)
{
	return quic_accept(sk, arg->flags, &arg->err);
}
#else
static struct sock *quic_prot_accept(struct sock *sk, int flags, int *err,
				     bool kern)
{
	return quic_accept(sk, flags, err);
}
#endif

static void quic_release_cb(struct sock *sk)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	if (c)
		quic_conn_release_cb(c);
}

/* SO_KEEPALIVE: the idle timer looks at the flag; let it look now. */
static void quic_keepalive(struct sock *sk, int valbool)
{
	struct quic_conn *c = quic_sk(sk)->conn;

	if (c && quic_conn_complete(c))
		quic_conn_idle_start(c);
}

/*
 * What all QUIC sockets hold, in pages, and its limits (UDP's defaults);
 * below a page of its own a socket may always charge more.
 */
static atomic_long_t quic_memory_allocated;
static DEFINE_PER_CPU(int, quic_memory_per_cpu_fw_alloc);
long sysctl_quic_mem[3];

void quic_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 8, 128UL);

	sysctl_quic_mem[0] = limit / 4 * 3;
	sysctl_quic_mem[1] = limit;
	sysctl_quic_mem[2] = sysctl_quic_mem[0] * 2;
}

struct proto quic_prot = {
	.name		= "QUIC",
	.owner		= THIS_MODULE,
	.init		= quic_init_sock,
	.destroy	= quic_destroy_sock,
	.close		= quic_close,
	.pre_connect	= quic_pre_connect,
	.connect	= quic_connect,
	.accept		= quic_prot_accept,
	.sendmsg	= quic_sendmsg,
	.recvmsg	= quic_recvmsg,
	.backlog_rcv	= quic_backlog_rcv,
	.bind		= quic_bind,
	.unhash		= quic_unhash,
	.setsockopt	= quic_setsockopt,
	.getsockopt	= quic_getsockopt,
	.keepalive	= quic_keepalive,
	.release_cb	= quic_release_cb,
	.no_autobind	= true,
	.memory_allocated = &quic_memory_allocated,
	.per_cpu_fw_alloc = &quic_memory_per_cpu_fw_alloc,
	.sysctl_mem	= sysctl_quic_mem,
	.sysctl_rmem	= &sysctl_quic_rmem[0],
	.sysctl_wmem	= &sysctl_quic_wmem[0],
	.obj_size	= sizeof(struct quic_sock),
};

struct proto quicv6_prot;

/* The IPv6 proto is the IPv4 one with room for struct ipv6_pinfo. */
void quic_v6_prot_init(void)
{
	quicv6_prot = quic_prot;
	strscpy(quicv6_prot.name, "QUICv6", sizeof(quicv6_prot.name));
	quicv6_prot.obj_size = sizeof(struct quic6_sock);
#ifdef QUIC_HAVE_IPV6_PINFO_OFFSET
	quicv6_prot.ipv6_pinfo_offset = offsetof(struct quic6_sock, inet6);
#endif
}
