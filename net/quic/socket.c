// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the socket layer.
 *
 * Socket creation and release, bind() and the SOL_QUIC socket options, as
 * draft-lxin-quic-socket-apis gives them.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <uapi/linux/tls.h>

#include "socket.h"

#define QUIC_VARINT_MAX		(BIT_ULL(62) - 1)
#define QUIC_STREAMS_MAX	BIT_ULL(60)	/* RFC 9000 section 4.6 */

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

#define QUIC_DEF_IDLE_TIMEOUT	(30 * USEC_PER_SEC)
#define QUIC_DEF_MAX_DATA	(65536 * 32)
#define QUIC_DEF_MAX_STREAM_DATA	(65536 * 4)
#define QUIC_DEF_MAX_STREAMS	100

#define QUIC_DEF_RTT		(333 * USEC_PER_MSEC)	/* RFC 9002 */
#define QUIC_MIN_RTT		USEC_PER_MSEC
#define QUIC_MAX_RTT		(10 * USEC_PER_SEC)
#define QUIC_MIN_PROBE_INTERVAL	(5 * USEC_PER_SEC)

#define QUIC_CERT_REQUEST_MAX	2	/* 0 none, 1 request, 2 require */

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

static int quic_init_sock(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	qs->local_param = quic_default_local_param;
	qs->remote_param = quic_default_remote_param;
	qs->config = quic_default_config;
	return 0;
}

static void quic_destroy_sock(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	if (qs->alpn)
		sock_kfree_s(sk, qs->alpn, qs->alpn_len);
	qs->alpn = NULL;
	qs->alpn_len = 0;
}

/* Leave the lookup tables: for now, give up the local address. */
static void quic_unhash(struct sock *sk)
{
	struct quic_sock *qs = quic_sk(sk);

	if (!qs->udp)
		return;
	quic_udp_sock_put(qs->udp);
	qs->udp = NULL;
	inet_sk(sk)->inet_num = 0;
	inet_sk(sk)->inet_sport = 0;
}

static void quic_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	inet_sk_set_state(sk, TCP_CLOSE);
	release_sock(sk);

	sk_common_release(sk);
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
	port = ntohs(sk->sk_family == AF_INET ? addr.v4.sin_port :
						addr.v6.sin6_port);

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
	    p->max_streams_bidi > QUIC_STREAMS_MAX ||
	    p->max_streams_uni > QUIC_STREAMS_MAX)
		return -EINVAL;
	/* max_idle_timeout travels in milliseconds: any u64 of usec fits. */
	if (p->remote)
		return 0;
	if (p->active_connection_id_limit > QUIC_CONN_ID_LIMIT_MAX ||
	    p->max_datagram_frame_size > QUIC_MAX_UDP_PAYLOAD)
		return -EINVAL;
	return 0;
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
	err = quic_param_check(&p);
	if (err)
		return err;
	if (p.remote)
		qs->remote_param = p;
	else
		qs->local_param = p;
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
	struct quic_config c;
	int err;

	if (optlen != sizeof(c))
		return -EINVAL;
	if (copy_from_sockptr(&c, optval, sizeof(c)))
		return -EFAULT;
	err = quic_config_check(&c);
	if (err)
		return err;
	/* Zero selects the default, and reads back as it. */
	if (!c.version)
		c.version = quic_default_config.version;
	if (!c.initial_smoothed_rtt)
		c.initial_smoothed_rtt = quic_default_config.initial_smoothed_rtt;
	qs->config = c;
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

/* Options of the layers below, passed on one at a time as they make sense. */
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
	case QUIC_SOCKOPT_STREAM_OPEN ... QUIC_SOCKOPT_KEY_UPDATE:
	case QUIC_SOCKOPT_TOKEN:
	case QUIC_SOCKOPT_SESSION_TICKET ... QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		/* These act on a connection, which comes with the handshake. */
		err = -EOPNOTSUPP;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}

/* Copy a fixed-size option out; a larger buffer gets the struct's size. */
static int quic_put_opt(const void *val, unsigned int size, int len,
			char __user *optval, int __user *optlen)
{
	if (len < size)
		return -EINVAL;
	if (put_user(size, optlen) || copy_to_user(optval, val, size))
		return -EFAULT;
	return 0;
}

static int quic_sock_get_transport_param(struct sock *sk, int len,
					 char __user *optval,
					 int __user *optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_transport_param p;

	if (len < sizeof(p))
		return -EINVAL;
	/* The caller says which side it wants in the "remote" member. */
	if (copy_from_user(&p, optval, sizeof(p)))
		return -EFAULT;
	if (!quic_bool_ok(p.remote))
		return -EINVAL;
	p = p.remote ? qs->remote_param : qs->local_param;
	return quic_put_opt(&p, sizeof(p), len, optval, optlen);
}

static int quic_sock_get_event(struct sock *sk, int len, char __user *optval,
			       int __user *optlen)
{
	struct quic_sock *qs = quic_sk(sk);
	struct quic_event_option ev;

	if (len < sizeof(ev))
		return -EINVAL;
	/* The caller names the event in "type". */
	if (copy_from_user(&ev, optval, sizeof(ev)))
		return -EFAULT;
	if (ev.type == QUIC_EVENT_NONE || ev.type >= QUIC_EVENT_MAX)
		return -EINVAL;
	ev.on = !!(qs->events & BIT(ev.type));
	return quic_put_opt(&ev, sizeof(ev), len, optval, optlen);
}

static int quic_sock_get_alpn(struct sock *sk, int len, char __user *optval,
			      int __user *optlen)
{
	struct quic_sock *qs = quic_sk(sk);

	if (len < qs->alpn_len)
		return -EINVAL;
	if (put_user(qs->alpn_len, optlen) ||
	    copy_to_user(optval, qs->alpn, qs->alpn_len))
		return -EFAULT;
	return 0;
}

static int quic_sock_get_config(struct sock *sk, int len,
				char __user *optval, int __user *optlen)
{
	/* A copy on the stack: hardened usercopy rejects the sock's slab. */
	struct quic_config c = quic_sk(sk)->config;

	return quic_put_opt(&c, sizeof(c), len, optval, optlen);
}

static int quic_getsockopt(struct sock *sk, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	int len, err;

	if (level != SOL_QUIC) {
		if (!quic_ip_option(sk, level, optname))
			return -ENOPROTOOPT;
		return ipv6_getsockopt(sk, level, optname, optval, optlen);
	}

	if (get_user(len, optlen))
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
	case QUIC_SOCKOPT_STREAM_OPEN ... QUIC_SOCKOPT_KEY_UPDATE:
	case QUIC_SOCKOPT_TOKEN:
	case QUIC_SOCKOPT_SESSION_TICKET ... QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		err = -EOPNOTSUPP;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	release_sock(sk);
	return err;
}

struct proto quic_prot = {
	.name		= "QUIC",
	.owner		= THIS_MODULE,
	.init		= quic_init_sock,
	.destroy	= quic_destroy_sock,
	.close		= quic_close,
	.bind		= quic_bind,
	.unhash		= quic_unhash,
	.setsockopt	= quic_setsockopt,
	.getsockopt	= quic_getsockopt,
	.no_autobind	= true,
	.obj_size	= sizeof(struct quic_sock),
};

struct proto quicv6_prot = {
	.name		= "QUICv6",
	.owner		= THIS_MODULE,
	.init		= quic_init_sock,
	.destroy	= quic_destroy_sock,
	.close		= quic_close,
	.bind		= quic_bind,
	.unhash		= quic_unhash,
	.setsockopt	= quic_setsockopt,
	.getsockopt	= quic_getsockopt,
	.no_autobind	= true,
	.obj_size	= sizeof(struct quic6_sock),
#ifdef QUIC_HAVE_IPV6_PINFO_OFFSET
	.ipv6_pinfo_offset = offsetof(struct quic6_sock, inet6),
#endif
};
