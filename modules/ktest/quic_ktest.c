// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: kernel sockets on the paths userspace sockets take.
 *
 * Loading this module (after quic.ko) runs a list of tests in the loading
 * process's context, each on sockets made with sock_create_kern() and driven
 * through the kernel socket API: kernel_bind(), kernel_listen(),
 * kernel_connect(), kernel_accept(), kernel_sendmsg() and kernel_recvmsg()
 * with a kernel cmsg buffer, kernel_sock_shutdown() and sock_release(),
 * and the SOL_QUIC options through quic_kernel_setsockopt() and
 * quic_kernel_getsockopt() (<net/quic.h>) with kernel buffers.  The handshake test does what
 * tests/vm/handshake_raw.c does from userspace: CRYPTO data at each level
 * with QUIC_HANDSHAKE_INFO, keys from made-up secrets, no TLS; the stream
 * test then moves data with QUIC_STREAM_INFO and MSG_DATAGRAM.
 *
 * Each test logs one line, "quic_ktest: PASS <name>" or
 * "quic_ktest: FAIL <name>: <reason>", and the run ends with
 * "quic_ktest: <n> passed, <m> failed".  tests/vm/run-in-vm.sh turns them
 * into the suite's "ktest.<name>" results.  Loading succeeds whether tests
 * pass or not; it fails only when the tests cannot run at all.
 *
 *	insmod quic_ktest.ko [filter=<glob on "ktest.<name>">]
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/glob.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sockptr.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/quic.h>
#include <net/sock.h>
#include <uapi/linux/tls.h>

static char *filter;
module_param(filter, charp, 0444);
MODULE_PARM_DESC(filter, "Run only the tests whose \"ktest.<name>\" matches this glob");

/* Every blocking call on a test socket gives up after this. */
#define KT_TIMEOUT		(5 * HZ)

/* Transport parameter IDs (RFC 9000 section 18.2) the tests look for. */
#define KT_TP_ORIGINAL_DCID	0x00
#define KT_TP_MAX_IDLE_TIMEOUT	0x01
#define KT_TP_INITIAL_SCID	0x0f

#define KT_TP_EXT_MAX		1024
#define KT_WHY_LEN		200

/* One test's outcome: the first failure is kept. */
struct kt {
	const char	*name;
	bool		failed;
	char		why[KT_WHY_LEN];
};

/* The listener, the client connected to it and the accepted socket. */
struct kt_pair {
	struct socket	*listener;
	struct socket	*client;
	struct socket	*server;
};

/* Room for one SOL_QUIC cmsg (the larger is a stream's), aligned. */
union kt_cmsg {
	struct cmsghdr	hdr;
	u8		buf[CMSG_SPACE(sizeof(struct quic_stream_info))];
};

/* CMSG_DATA(), through the whole buffer for FORTIFY_SOURCE to see. */
static void *kt_cmsg_data(union kt_cmsg *ctl)
{
	return ctl->buf + CMSG_LEN(0);
}

static __printf(3, 4) void kt_fail(struct kt *t, int line, const char *fmt,
				   ...)
{
	va_list args;
	int n;

	if (t->failed)
		return;
	t->failed = true;
	n = scnprintf(t->why, sizeof(t->why), "line %d: ", line);
	va_start(args, fmt);
	vscnprintf(t->why + n, sizeof(t->why) - n, fmt, args);
	va_end(args);
}

static bool kt_eq(struct kt *t, int line, const char *expr, long got,
		  long want)
{
	if (got == want)
		return true;
	kt_fail(t, line, "%s = %ld, want %ld", expr, got, want);
	return false;
}

static bool kt_true(struct kt *t, int line, const char *expr, bool cond)
{
	if (!cond)
		kt_fail(t, line, "%s is false", expr);
	return cond;
}

/* Both record a failure and return false, for "if (!KT_EQ()) goto out". */
#define KT_EQ(t, expr, want)	kt_eq(t, __LINE__, #expr, (long)(expr), want)
#define KT_TRUE(t, cond)	kt_true(t, __LINE__, #cond, cond)

static void kt_fill(u8 *buf, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(seed + i * 7 + (i >> 8));
}

static int kt_socket(int family, struct socket **res)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, family, SOCK_DGRAM, IPPROTO_QUIC,
			       &sock);
	if (err)
		return err;
	WRITE_ONCE(sock->sk->sk_rcvtimeo, KT_TIMEOUT);
	WRITE_ONCE(sock->sk->sk_sndtimeo, KT_TIMEOUT);
	*res = sock;
	return 0;
}

static void kt_release(struct socket **sock)
{
	if (*sock)
		sock_release(*sock);
	*sock = NULL;
}

static void kt_pair_release(struct kt_pair *p)
{
	kt_release(&p->server);
	kt_release(&p->client);
	kt_release(&p->listener);
}

/* The loopback address of @family, port @port; returns its length. */
static int kt_loopback(int family, u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

static u16 kt_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Same family, address and port. */
static bool kt_same_addr(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
}

/* The options through the calls quic.ko exports for kernel users. */
static int kt_setsockopt(struct socket *sock, int optname, const void *val,
			 unsigned int len)
{
	return quic_kernel_setsockopt(sock->sk, optname, val, len);
}

/* @len is both ways: the buffer's size in, the option's length out. */
static int kt_getsockopt(struct socket *sock, int optname, void *val,
			 int *len)
{
	return quic_kernel_getsockopt(sock->sk, optname, val, len);
}

static int kt_set_secret(struct socket *sock, u8 level, u8 send, u8 seed)
{
	struct quic_crypto_secret s = {
		.send = send,
		.level = level,
		.type = TLS_CIPHER_AES_GCM_128,
	};

	kt_fill(s.secret, 32, seed);
	return kt_setsockopt(sock, QUIC_SOCKOPT_CRYPTO_SECRET, &s, sizeof(s));
}

/*
 * sendmsg() of @len bytes with @msg_flags and, unless @type is -1, one
 * SOL_QUIC cmsg of @type carrying @info, built in kernel memory.
 */
static int kt_send(struct socket *sock, int type, const void *info,
		   size_t info_len, const void *data, size_t len,
		   int msg_flags)
{
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };
	union kt_cmsg ctl = {};
	struct msghdr msg = { .msg_flags = msg_flags };

	if (type >= 0) {
		ctl.hdr.cmsg_level = SOL_QUIC;
		ctl.hdr.cmsg_type = type;
		ctl.hdr.cmsg_len = CMSG_LEN(info_len);
		memcpy(kt_cmsg_data(&ctl), info, info_len);
		msg.msg_control = &ctl;
		msg.msg_controllen = CMSG_SPACE(info_len);
	}
	return kernel_sendmsg(sock, &msg, &iov, 1, len);
}

/* CRYPTO data at @level, the level in a QUIC_HANDSHAKE_INFO cmsg. */
static int kt_send_level(struct socket *sock, u8 level, const void *data,
			 size_t len)
{
	struct quic_handshake_info info = { .crypto_level = level };

	return kt_send(sock, QUIC_HANDSHAKE_INFO, &info, sizeof(info), data,
		       len, 0);
}

/* Stream data, the stream in a QUIC_STREAM_INFO cmsg. */
static int kt_send_stream(struct socket *sock, s64 id, u32 stream_flags,
			  const void *data, size_t len)
{
	struct quic_stream_info info = {
		.stream_id = id,
		.stream_flags = stream_flags,
	};

	return kt_send(sock, QUIC_STREAM_INFO, &info, sizeof(info), data, len,
		       0);
}

/* What one recvmsg() said besides its bytes. */
struct kt_rcv {
	int				flags;	/* msg_flags */
	int				cmsg;	/* SOL_QUIC cmsg type, or -1 */
	struct quic_handshake_info	hs;	/* QUIC_HANDSHAKE_INFO */
	struct quic_stream_info		st;	/* QUIC_STREAM_INFO */
};

/* One recvmsg() into @buf with room for one cmsg; returns what it did. */
static int kt_recv_once(struct socket *sock, void *buf, size_t len, int flags,
			struct kt_rcv *r)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	union kt_cmsg ctl = {};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	size_t used, dlen;
	int n;

	memset(r, 0, sizeof(*r));
	r->cmsg = -1;
	n = kernel_recvmsg(sock, &msg, &iov, 1, len, flags);
	r->flags = msg.msg_flags;
	if (n < 0)
		return n;
	/* put_cmsg() moves msg_control on and shrinks msg_controllen. */
	used = sizeof(ctl) - msg.msg_controllen;
	if (used < sizeof(ctl.hdr) || ctl.hdr.cmsg_level != SOL_QUIC)
		return n;
	dlen = ctl.hdr.cmsg_len - CMSG_LEN(0);
	if (ctl.hdr.cmsg_type == QUIC_HANDSHAKE_INFO &&
	    dlen == sizeof(r->hs))
		memcpy(&r->hs, kt_cmsg_data(&ctl), sizeof(r->hs));
	else if (ctl.hdr.cmsg_type == QUIC_STREAM_INFO &&
		 dlen == sizeof(r->st))
		memcpy(&r->st, kt_cmsg_data(&ctl), sizeof(r->st));
	else
		return n;
	r->cmsg = ctl.hdr.cmsg_type;
	return n;
}

/* recvmsg() without a control buffer, as recv() makes it. */
static int kt_recv_nocmsg(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};

	return kernel_recvmsg(sock, &msg, &iov, 1, len, 0);
}

/* Read exactly @len bytes of @level, in as many reads as it takes. */
static bool kt_recv_level(struct kt *t, int line, struct socket *sock,
			  u8 level, void *buf, size_t len)
{
	struct kt_rcv r;
	size_t got = 0;
	int n;

	while (got < len) {
		n = kt_recv_once(sock, buf + got, len - got, 0, &r);
		if (n <= 0) {
			kt_fail(t, line, "recvmsg at level %u: %d after %zu of %zu bytes",
				level, n, got, len);
			return false;
		}
		if (r.cmsg != QUIC_HANDSHAKE_INFO || r.hs.crypto_level != level) {
			kt_fail(t, line, "recvmsg: cmsg %d level %u, want level %u",
				r.cmsg, r.hs.crypto_level, level);
			return false;
		}
		got += n;
	}
	return true;
}

/* Read a QUIC variable-length integer (RFC 9000 section 16). */
static bool kt_varint(const u8 **p, const u8 *end, u64 *v)
{
	unsigned int i, n;

	if (*p >= end)
		return false;
	n = 1U << (**p >> 6);
	if (end - *p < n)
		return false;
	*v = **p & 0x3f;
	for (i = 1; i < n; i++)
		*v = (*v << 8) | (*p)[i];
	*p += n;
	return true;
}

/*
 * Walk an encoded transport parameters extension to its end.  Returns the
 * bitmap of the IDs below 64 found, or 0 if it does not parse; *@idle is
 * max_idle_timeout's value (milliseconds), if there.
 */
static u64 kt_tp_ids(const u8 *buf, int len, u64 *idle)
{
	const u8 *p = buf, *end = buf + len;
	u64 ids = 0, id, vlen;
	const u8 *val;

	while (p < end) {
		if (!kt_varint(&p, end, &id) || !kt_varint(&p, end, &vlen) ||
		    vlen > end - p)
			return 0;
		val = p;
		p += vlen;
		if (id < 64)
			ids |= BIT_ULL(id);
		if (id == KT_TP_MAX_IDLE_TIMEOUT &&
		    (!kt_varint(&val, p, idle) || val != p))
			return 0;
	}
	return ids;
}

#define KT_DGRAM_MAX		1200

/* Announce max_datagram_frame_size in the transport parameters. */
static int kt_allow_dgram(struct socket *sock)
{
	struct quic_transport_param tp = {};
	int len = sizeof(tp), err;

	err = kt_getsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp, &len);
	if (err)
		return err;
	tp.max_datagram_frame_size = KT_DGRAM_MAX;
	return kt_setsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			     sizeof(tp));
}

/*
 * A listener on loopback, a client connected to it that sent @hello at the
 * Initial level, and the server socket kernel_accept() made of it, which
 * has read @hello.
 */
static bool kt_start(struct kt *t, int family, struct kt_pair *p,
		     const u8 *hello, size_t len, u8 *buf, bool dgram)
{
	struct sockaddr_storage ss;
	int alen;

	memset(p, 0, sizeof(*p));
	if (!KT_EQ(t, kt_socket(family, &p->listener), 0) ||
	    !KT_EQ(t, kt_socket(family, &p->client), 0))
		return false;
	/* Both ends take DATAGRAM frames (the accepted socket inherits). */
	if (dgram && (!KT_EQ(t, kt_allow_dgram(p->listener), 0) ||
		      !KT_EQ(t, kt_allow_dgram(p->client), 0)))
		return false;
	alen = kt_loopback(family, 0, &ss);
	if (!KT_EQ(t, kernel_bind(p->listener, (struct sockaddr *)&ss, alen),
		   0))
		return false;
	alen = kernel_getsockname(p->listener, (struct sockaddr *)&ss);
	if (!KT_TRUE(t, alen > 0 && kt_port(&ss)) ||
	    !KT_EQ(t, kernel_listen(p->listener, 8), 0) ||
	    !KT_EQ(t, kernel_connect(p->client, (struct sockaddr *)&ss, alen,
				     0), 0) ||
	    !KT_EQ(t, kt_send_level(p->client, QUIC_CRYPTO_INITIAL, hello,
				    len), len) ||
	    !KT_EQ(t, kernel_accept(p->listener, &p->server, 0), 0))
		return false;
	WRITE_ONCE(p->server->sk->sk_rcvtimeo, KT_TIMEOUT);
	WRITE_ONCE(p->server->sk->sk_sndtimeo, KT_TIMEOUT);
	/* Without room for the level: EINVAL, and nothing is consumed. */
	if (!KT_EQ(t, kt_recv_nocmsg(p->server, buf, len), -EINVAL) ||
	    !kt_recv_level(t, __LINE__, p->server, QUIC_CRYPTO_INITIAL, buf,
			   len))
		return false;
	return KT_TRUE(t, !memcmp(buf, hello, len));
}

/* 1. Create and bind: getsockname() gives the loopback address and a port. */
static void kt_create_bind(struct kt *t, int family)
{
	struct socket *dgram = NULL, *stream = NULL;
	struct sockaddr_storage ss, got;
	int alen;

	if (!KT_EQ(t, kt_socket(family, &dgram), 0))
		goto out;
	if (!KT_EQ(t, sock_create_kern(&init_net, family, SOCK_STREAM,
				       IPPROTO_QUIC, &stream), 0))
		goto out;
	if (!KT_EQ(t, dgram->sk->sk_protocol, IPPROTO_QUIC) ||
	    !KT_EQ(t, dgram->sk->sk_family, family) ||
	    !KT_TRUE(t, dgram->sk->sk_kern_sock))
		goto out;
	alen = kt_loopback(family, 0, &ss);
	if (!KT_EQ(t, kernel_bind(dgram, (struct sockaddr *)&ss, alen), 0) ||
	    !KT_EQ(t, kernel_bind(dgram, (struct sockaddr *)&ss, alen),
		   -EINVAL))
		goto out;
	memset(&got, 0, sizeof(got));
	if (!KT_EQ(t, kernel_getsockname(dgram, (struct sockaddr *)&got),
		   alen) ||
	    !KT_TRUE(t, kt_port(&got) != 0))
		goto out;
	kt_loopback(family, kt_port(&got), &ss);
	if (!KT_TRUE(t, kt_same_addr(&got, &ss)))
		goto out;
	/* The port is taken: a second socket without SO_REUSEADDR fails. */
	KT_EQ(t, kernel_bind(stream, (struct sockaddr *)&ss, alen),
	      -EADDRINUSE);
out:
	kt_release(&stream);
	kt_release(&dgram);
}

/*
 * 2. listen() and connect() on loopback: connect() sends nothing, and the
 * client's transport parameters read back encoded, with what was set.
 */
static void kt_connect(struct kt *t, int family)
{
	struct quic_transport_param tp = {};
	struct sockaddr_storage ss, peer;
	struct socket *listener = NULL, *client = NULL, *child = NULL;
	u64 ids, idle = 0;
	struct kt_rcv r;
	int alen, len;
	u8 *buf;

	buf = kmalloc(KT_TP_EXT_MAX, GFP_KERNEL);
	if (!KT_TRUE(t, buf))
		return;
	if (!KT_EQ(t, kt_socket(family, &listener), 0) ||
	    !KT_EQ(t, kt_socket(family, &client), 0))
		goto out;
	alen = kt_loopback(family, 0, &ss);
	if (!KT_EQ(t, kernel_bind(listener, (struct sockaddr *)&ss, alen), 0) ||
	    !KT_EQ(t, kernel_getsockname(listener, (struct sockaddr *)&ss),
		   alen) ||
	    !KT_EQ(t, kernel_listen(listener, 4), 0))
		goto out;

	/* Set through a kernel pointer, read back through the user page. */
	len = sizeof(tp);
	if (!KT_EQ(t, kt_getsockopt(client, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    &len), 0) ||
	    !KT_EQ(t, len, sizeof(tp)))
		goto out;
	tp.max_idle_timeout = 7000000;
	if (!KT_EQ(t, kt_setsockopt(client, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    sizeof(tp)), 0))
		goto out;

	/* No connection yet: nothing to encode. */
	len = KT_TP_EXT_MAX;
	if (!KT_EQ(t, kt_getsockopt(client, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
				    buf, &len), -ENOTCONN))
		goto out;

	if (!KT_EQ(t, kernel_connect(client, (struct sockaddr *)&ss, alen, 0),
		   0) ||
	    !KT_EQ(t, kernel_connect(client, (struct sockaddr *)&ss, alen, 0),
		   -EISCONN))
		goto out;
	/* From connect() on the client names its peer, as TCP does. */
	if (!KT_EQ(t, kernel_getpeername(client, (struct sockaddr *)&peer),
		   alen) ||
	    !KT_EQ(t, peer.ss_family, family))
		goto out;
	/* connect() sent nothing: accept() waits out its timeout. */
	WRITE_ONCE(listener->sk->sk_rcvtimeo, HZ / 4);
	if (!KT_EQ(t, kernel_accept(listener, &child, 0), -EAGAIN))
		goto out;
	/* Nothing came back either. */
	if (!KT_EQ(t, kt_recv_once(client, buf, KT_TP_EXT_MAX, MSG_DONTWAIT,
				   &r), -EAGAIN))
		goto out;

	len = KT_TP_EXT_MAX;
	if (!KT_EQ(t, kt_getsockopt(client, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
				    buf, &len), 0) ||
	    !KT_TRUE(t, len > 20 && len <= KT_TP_EXT_MAX))
		goto out;
	ids = kt_tp_ids(buf, len, &idle);
	/* A client's carry its source connection ID and no original DCID. */
	if (!KT_TRUE(t, ids & BIT_ULL(KT_TP_INITIAL_SCID)) ||
	    !KT_TRUE(t, !(ids & BIT_ULL(KT_TP_ORIGINAL_DCID))))
		goto out;
	KT_EQ(t, idle, 7000);
out:
	kt_release(&child);
	kt_release(&client);
	kt_release(&listener);
	kfree(buf);
}

/* Sizes of the handshake test's messages. */
#define KT_HELLO_LEN		400
#define KT_REPLY_LEN		90
#define KT_FLIGHT_LEN		6000	/* bigger than a datagram */
#define KT_FIN_LEN		52

struct kt_hs_bufs {
	u8	hello[KT_HELLO_LEN];
	u8	fin[KT_FIN_LEN];
	u8	flight[KT_FLIGHT_LEN];
	u8	buf[KT_FLIGHT_LEN];
	u8	ctp[KT_TP_EXT_MAX];
	u8	stp[KT_TP_EXT_MAX];
};

/* The peer's transport parameters, each way, as TLS would carry them. */
static bool kt_exchange_tp(struct kt *t, struct kt_pair *p,
			   struct kt_hs_bufs *b)
{
	int clen = KT_TP_EXT_MAX, slen = KT_TP_EXT_MAX;
	u64 idle;

	if (!KT_EQ(t, kt_getsockopt(p->client,
				    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, b->ctp,
				    &clen), 0) ||
	    !KT_EQ(t, kt_getsockopt(p->server,
				    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, b->stp,
				    &slen), 0))
		return false;
	/* The server's name the client's first destination ID. */
	if (!KT_TRUE(t, kt_tp_ids(b->stp, slen, &idle) &
		     BIT_ULL(KT_TP_ORIGINAL_DCID)) ||
	    !KT_EQ(t, kt_setsockopt(p->server,
				    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, b->ctp,
				    clen), 0))
		return false;
	/* The server's Initial tells the client the server's ID. */
	if (!KT_EQ(t, kt_send_level(p->server, QUIC_CRYPTO_INITIAL, b->hello,
				    KT_REPLY_LEN), KT_REPLY_LEN) ||
	    !kt_recv_level(t, __LINE__, p->client, QUIC_CRYPTO_INITIAL, b->buf,
			   KT_REPLY_LEN) ||
	    !KT_TRUE(t, !memcmp(b->buf, b->hello, KT_REPLY_LEN)))
		return false;
	return KT_EQ(t, kt_setsockopt(p->client,
				      QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, b->stp,
				      slen), 0);
}

/*
 * The Handshake level both ways, a flight of several packets, and the
 * 1-RTT keys: the order tests/vm/handshake_raw.c follows.
 */
static bool kt_finish(struct kt *t, struct kt_pair *p, struct kt_hs_bufs *b)
{
	struct sockaddr_storage ss;

	if (!KT_EQ(t, kt_set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 1, 1),
		   0) ||
	    !KT_EQ(t, kt_set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 0, 2),
		   0) ||
	    !KT_EQ(t, kt_set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 1, 2),
		   0) ||
	    !KT_EQ(t, kt_set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 0, 1),
		   0))
		return false;
	if (!KT_EQ(t, kt_send_level(p->server, QUIC_CRYPTO_HANDSHAKE,
				    b->flight, KT_FLIGHT_LEN), KT_FLIGHT_LEN) ||
	    !KT_EQ(t, kt_set_secret(p->server, QUIC_CRYPTO_APP, 1, 4), 0) ||
	    !kt_recv_level(t, __LINE__, p->client, QUIC_CRYPTO_HANDSHAKE,
			   b->buf, KT_FLIGHT_LEN) ||
	    !KT_TRUE(t, !memcmp(b->buf, b->flight, KT_FLIGHT_LEN)))
		return false;
	/* Named since connect(), established or not. */
	if (!KT_TRUE(t, kernel_getpeername(p->client,
					   (struct sockaddr *)&ss) > 0))
		return false;
	if (!KT_EQ(t, kt_set_secret(p->client, QUIC_CRYPTO_APP, 1, 3), 0) ||
	    !KT_EQ(t, kt_set_secret(p->client, QUIC_CRYPTO_APP, 0, 4), 0) ||
	    !KT_EQ(t, kt_send_level(p->client, QUIC_CRYPTO_HANDSHAKE, b->fin,
				    KT_FIN_LEN), KT_FIN_LEN) ||
	    !kt_recv_level(t, __LINE__, p->server, QUIC_CRYPTO_HANDSHAKE,
			   b->buf, KT_FIN_LEN) ||
	    !KT_TRUE(t, !memcmp(b->buf, b->fin, KT_FIN_LEN)))
		return false;
	return KT_EQ(t, kt_set_secret(p->server, QUIC_CRYPTO_APP, 0, 3), 0);
}

/* Each end's peer is the other end. */
static bool kt_check_peers(struct kt *t, struct kt_pair *p)
{
	struct sockaddr_storage name, peer;
	int alen;

	alen = kernel_getsockname(p->listener, (struct sockaddr *)&name);
	if (!KT_TRUE(t, alen > 0) ||
	    !KT_EQ(t, kernel_getpeername(p->client, (struct sockaddr *)&peer),
		   alen) ||
	    !KT_TRUE(t, kt_same_addr(&peer, &name)))
		return false;
	alen = kernel_getsockname(p->client, (struct sockaddr *)&name);
	if (!KT_TRUE(t, alen > 0) ||
	    !KT_EQ(t, kernel_getpeername(p->server, (struct sockaddr *)&peer),
		   alen) ||
	    !KT_TRUE(t, kt_same_addr(&peer, &name)))
		return false;
	/* The accepted socket shares the listener's port. */
	alen = kernel_getsockname(p->listener, (struct sockaddr *)&name);
	return KT_EQ(t, kernel_getsockname(p->server,
					   (struct sockaddr *)&peer), alen) &&
	       KT_EQ(t, kt_port(&peer), kt_port(&name));
}

#define KT_CLOSE_CODE		42
#define KT_CLOSE_PHRASE		"kernel says bye"

/*
 * The client closes with a code and phrase; the server hears it, as an
 * event first, then as ECONNRESET, and reads it back with getsockopt().
 */
static bool kt_close(struct kt *t, struct kt_pair *p, struct kt_hs_bufs *b,
		     bool by_shutdown)
{
	u32 hdr = offsetof(struct quic_connection_close, phrase);
	u32 plen = sizeof(KT_CLOSE_PHRASE) - 1;
	struct quic_event_option ev = {
		.type = QUIC_EVENT_CONNECTION_CLOSE,
		.on = 1,
	};
	struct quic_connection_close *cc = (void *)b->buf;
	struct kt_rcv r;
	int n, len;

	if (!KT_EQ(t, kt_setsockopt(p->server, QUIC_SOCKOPT_EVENT, &ev,
				    sizeof(ev)), 0))
		return false;
	memset(b->buf, 0, hdr);
	cc->errcode = KT_CLOSE_CODE;
	memcpy(cc->phrase, KT_CLOSE_PHRASE, plen + 1);
	/* Sized as programs size it: the struct, the phrase, its NUL. */
	if (!KT_EQ(t, kt_setsockopt(p->client, QUIC_SOCKOPT_CONNECTION_CLOSE,
				    cc, sizeof(*cc) + plen + 1), 0))
		return false;
	if (by_shutdown &&
	    !KT_EQ(t, kernel_sock_shutdown(p->client, SHUT_WR), 0))
		return false;
	kt_release(&p->client);

	memset(b->buf, 0, KT_TP_EXT_MAX);
	n = kt_recv_once(p->server, b->buf, KT_TP_EXT_MAX, 0, &r);
	/* The option's layout: the phrase NUL-terminated. */
	if (!KT_EQ(t, n, 1 + hdr + plen + 1) ||
	    !KT_TRUE(t, r.flags & MSG_NOTIFICATION) ||
	    !KT_EQ(t, r.cmsg, -1) ||
	    !KT_EQ(t, b->buf[0], QUIC_EVENT_CONNECTION_CLOSE))
		return false;
	cc = (void *)(b->buf + 1);
	if (!KT_EQ(t, cc->errcode, KT_CLOSE_CODE) ||
	    !KT_TRUE(t, !memcmp(cc->phrase, KT_CLOSE_PHRASE, plen + 1)))
		return false;
	if (!KT_EQ(t, kt_recv_once(p->server, b->buf, KT_TP_EXT_MAX, 0, &r),
		   -ECONNRESET))
		return false;

	memset(b->buf, 0, KT_TP_EXT_MAX);
	cc = (void *)b->buf;
	len = KT_TP_EXT_MAX;
	if (!KT_EQ(t, kt_getsockopt(p->server, QUIC_SOCKOPT_CONNECTION_CLOSE,
				    cc, &len), 0))
		return false;
	return KT_EQ(t, len, hdr + plen + 1) &&
	       KT_EQ(t, cc->errcode, KT_CLOSE_CODE) &&
	       KT_TRUE(t, !memcmp(cc->phrase, KT_CLOSE_PHRASE, plen + 1));
}

/* 3. A full handshake between two kernel sockets, without TLS, then close. */
static void kt_handshake(struct kt *t, int family, bool by_shutdown)
{
	struct kt_hs_bufs *b;
	struct kt_pair p;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!KT_TRUE(t, b))
		return;
	kt_fill(b->hello, sizeof(b->hello), 5);
	kt_fill(b->flight, sizeof(b->flight), 42);
	kt_fill(b->fin, sizeof(b->fin), 77);

	if (!kt_start(t, family, &p, b->hello, sizeof(b->hello), b->buf,
		      false) ||
	    !kt_exchange_tp(t, &p, b) ||
	    !kt_finish(t, &p, b) ||
	    !kt_check_peers(t, &p))
		goto out;
	/* Handshake data after the server dropped its Handshake keys. */
	if (!KT_EQ(t, kt_send_level(p.server, QUIC_CRYPTO_HANDSHAKE, b->fin,
				    1), -EINVAL))
		goto out;
	kt_close(t, &p, b, by_shutdown);
out:
	kt_pair_release(&p);
	kfree(b);
}

static void kt_handshake_close(struct kt *t, int family)
{
	kt_handshake(t, family, false);
}

static void kt_handshake_shutdown(struct kt *t, int family)
{
	kt_handshake(t, family, true);
}

#define KT_STREAM_LEN		(64 * 1024)	/* within the stream window */
#define KT_PONG			"pong from a kernel server"
#define KT_DGRAM		"a kernel datagram"

/* Read stream @id to its FIN into @buf; returns the bytes, or -1. */
static long kt_recv_stream(struct kt *t, int line, struct socket *sock,
			   s64 id, u8 *buf, size_t len)
{
	struct kt_rcv r;
	size_t got = 0;
	int n;

	for (;;) {
		n = kt_recv_once(sock, buf + got, len - got, 0, &r);
		if (n < 0 || r.cmsg != QUIC_STREAM_INFO || r.st.stream_id != id) {
			kt_fail(t, line, "recvmsg: %d, cmsg %d, stream %lld after %zu bytes",
				n, r.cmsg, r.st.stream_id, got);
			return -1;
		}
		got += n;
		if (r.st.stream_flags & MSG_STREAM_FIN)
			break;
		if (!n || got == len) {
			kt_fail(t, line, "no FIN after %zu bytes", got);
			return -1;
		}
	}
	if (!(r.flags & MSG_STREAM_FIN) || !(r.flags & MSG_EOR)) {
		kt_fail(t, line, "msg_flags %#x at the FIN", r.flags);
		return -1;
	}
	return got;
}

/*
 * Data after the handshake: a stream opened with getsockopt(STREAM_OPEN),
 * 64 KiB on it in one sendmsg() with a QUIC_STREAM_INFO cmsg and FIN, the
 * answer sent without a cmsg (msg_flags carry MSG_STREAM_FIN) to the last
 * stream opened, and a DATAGRAM frame.
 */
static void kt_streams(struct kt *t, int family)
{
	struct quic_stream_info si = { .stream_id = -1 };
	u8 *data = NULL, *got = NULL;
	struct kt_hs_bufs *b;
	struct kt_pair p;
	struct kt_rcv r;
	int len;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!KT_TRUE(t, b))
		return;
	memset(&p, 0, sizeof(p));
	data = kvmalloc(KT_STREAM_LEN, GFP_KERNEL);
	got = kvmalloc(KT_STREAM_LEN, GFP_KERNEL);
	if (!KT_TRUE(t, data && got))
		goto out;
	kt_fill(data, KT_STREAM_LEN, 23);
	kt_fill(b->hello, sizeof(b->hello), 3);
	if (!kt_start(t, family, &p, b->hello, sizeof(b->hello), b->buf,
		      true) ||
	    !kt_exchange_tp(t, &p, b) ||
	    !kt_finish(t, &p, b))
		goto out;

	len = sizeof(si);
	if (!KT_EQ(t, kt_getsockopt(p.client, QUIC_SOCKOPT_STREAM_OPEN, &si,
				    &len), 0) ||
	    !KT_EQ(t, si.stream_id, 0) ||
	    !KT_EQ(t, kt_send_stream(p.client, si.stream_id, MSG_STREAM_FIN,
				     data, KT_STREAM_LEN), KT_STREAM_LEN))
		goto out;
	/* Our side of the stream is over, the server's is not. */
	if (!KT_EQ(t, kt_send_stream(p.client, 0, 0, data, 1), -EPIPE) ||
	    !KT_EQ(t, kt_recv_stream(t, __LINE__, p.server, 0, got,
				     KT_STREAM_LEN), KT_STREAM_LEN) ||
	    !KT_TRUE(t, !memcmp(got, data, KT_STREAM_LEN)))
		goto out;

	if (!KT_EQ(t, kt_send(p.server, -1, NULL, 0, KT_PONG, sizeof(KT_PONG),
			      MSG_STREAM_FIN), sizeof(KT_PONG)) ||
	    !KT_EQ(t, kt_recv_stream(t, __LINE__, p.client, 0, got,
				     KT_STREAM_LEN), sizeof(KT_PONG)) ||
	    !KT_TRUE(t, !memcmp(got, KT_PONG, sizeof(KT_PONG))))
		goto out;

	if (!KT_EQ(t, kt_send(p.client, -1, NULL, 0, KT_DGRAM, sizeof(KT_DGRAM),
			      MSG_DATAGRAM), sizeof(KT_DGRAM)) ||
	    !KT_EQ(t, kt_recv_once(p.server, got, KT_STREAM_LEN, 0, &r),
		   sizeof(KT_DGRAM)) ||
	    !KT_TRUE(t, r.flags & MSG_DATAGRAM) ||
	    !KT_EQ(t, r.cmsg, -1))
		goto out;
	KT_TRUE(t, !memcmp(got, KT_DGRAM, sizeof(KT_DGRAM)));
out:
	kt_pair_release(&p);
	kvfree(got);
	kvfree(data);
	kfree(b);
}

/*
 * The client closes before 1-RTT keys: its application close goes out as
 * a transport APPLICATION_ERROR without the phrase (RFC 9000 10.2.3), and
 * the server's reads fail with ECONNREFUSED.
 */
static void kt_close_in_handshake(struct kt *t, int family)
{
	u32 hdr = offsetof(struct quic_connection_close, phrase);
	struct quic_connection_close *cc;
	struct kt_hs_bufs *b;
	struct kt_pair p;
	struct kt_rcv r;
	int len;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!KT_TRUE(t, b))
		return;
	kt_fill(b->hello, sizeof(b->hello), 9);
	if (!kt_start(t, family, &p, b->hello, sizeof(b->hello), b->buf,
		      false))
		goto out;
	cc = (void *)b->buf;
	memset(b->buf, 0, hdr);
	cc->errcode = KT_CLOSE_CODE;
	memcpy(cc->phrase, KT_CLOSE_PHRASE, sizeof(KT_CLOSE_PHRASE));
	if (!KT_EQ(t, kt_setsockopt(p.client, QUIC_SOCKOPT_CONNECTION_CLOSE,
				    cc, sizeof(*cc) + sizeof(KT_CLOSE_PHRASE)), 0))
		goto out;
	kt_release(&p.client);

	if (!KT_EQ(t, kt_recv_once(p.server, b->buf, KT_TP_EXT_MAX, 0, &r),
		   -ECONNREFUSED))
		goto out;
	memset(b->buf, 0xff, KT_TP_EXT_MAX);
	len = KT_TP_EXT_MAX;
	if (!KT_EQ(t, kt_getsockopt(p.server, QUIC_SOCKOPT_CONNECTION_CLOSE,
				    cc, &len), 0) ||
	    !KT_EQ(t, len, sizeof(*cc)) ||
	    !KT_EQ(t, cc->errcode, QUIC_TRANSPORT_ERROR_APPLICATION))
		goto out;
	/* Closed, its error already read: EPIPE. */
	KT_EQ(t, kt_send_level(p.server, QUIC_CRYPTO_INITIAL, b->hello, 1),
	      -EPIPE);
out:
	kt_pair_release(&p);
	kfree(b);
}

struct kt_acceptor {
	struct socket		*listener;
	struct completion	done;
	int			err;
};

static int kt_acceptor(void *arg)
{
	struct kt_acceptor *a = arg;
	struct socket *sock = NULL;

	a->err = kernel_accept(a->listener, &sock, 0);
	if (sock)
		sock_release(sock);
	kthread_complete_and_exit(&a->done, 0);
}

/*
 * A kernel thread blocked in kernel_accept() wakes with EINVAL when the
 * listener is shut down, as a kernel server stopping would do it.  The
 * listener's receive timeout bounds the wait if the wakeup is lost.
 */
static void kt_accept_shutdown(struct kt *t, int family)
{
	struct kt_acceptor *a;
	struct task_struct *task;
	struct sockaddr_storage ss;
	unsigned long left;
	int alen;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!KT_TRUE(t, a))
		return;
	init_completion(&a->done);
	if (!KT_EQ(t, kt_socket(family, &a->listener), 0))
		goto out;
	alen = kt_loopback(family, 0, &ss);
	if (!KT_EQ(t, kernel_bind(a->listener, (struct sockaddr *)&ss, alen),
		   0) ||
	    !KT_EQ(t, kernel_listen(a->listener, 1), 0))
		goto out;
	task = kthread_run(kt_acceptor, a, "quic_ktest_acc");
	if (!KT_TRUE(t, !IS_ERR(task)))
		goto out;
	msleep(300);
	if (!KT_TRUE(t, !completion_done(&a->done)))
		goto wait;
	KT_EQ(t, kernel_sock_shutdown(a->listener, SHUT_RDWR), 0);
wait:
	left = wait_for_completion_timeout(&a->done, 2 * KT_TIMEOUT);
	if (!left) {
		/* Still using them: leave the listener and @a behind. */
		kt_fail(t, __LINE__, "the accepting thread did not return");
		return;
	}
	KT_EQ(t, a->err, -EINVAL);
out:
	kt_release(&a->listener);
	kfree(a);
}

/* 4. Errors: not connected, bad option lengths. */
static void kt_errors(struct kt *t, int family)
{
	struct quic_transport_param tp = {};
	struct quic_crypto_secret secret = {};
	struct quic_event_option ev = { .type = QUIC_EVENT_CONNECTION_CLOSE };
	struct quic_config cfg = {};
	struct socket *sock = NULL;
	struct sockaddr_storage ss;
	u8 buf[16] = {}, *big = NULL;
	struct kt_rcv r;
	int alen, len;

	if (!KT_EQ(t, kt_socket(family, &sock), 0))
		return;

	/* Nothing to receive from or send on before connect(). */
	if (!KT_EQ(t, kt_recv_once(sock, buf, sizeof(buf), 0, &r),
		   -ENOTCONN) ||
	    !KT_EQ(t, kt_recv_once(sock, buf, sizeof(buf), MSG_DONTWAIT, &r),
		   -ENOTCONN) ||
	    !KT_EQ(t, kt_send_level(sock, QUIC_CRYPTO_INITIAL, buf, 1),
		   -ENOTCONN) ||
	    !KT_EQ(t, kt_set_secret(sock, QUIC_CRYPTO_HANDSHAKE, 1, 1),
		   -ENOTCONN))
		goto out;

	/* setsockopt(): fixed-size options take exactly their size. */
	if (!KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    sizeof(tp) - 1), -EINVAL) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg,
				    sizeof(cfg) + 1), -EINVAL) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_EVENT, &ev, 0),
		   -EINVAL) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CRYPTO_SECRET, &secret,
				    sizeof(secret) - 1), -EINVAL) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
				    4), -EINVAL))
		goto out;
	/* A value out of range changes nothing. */
	if (!KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg,
				    sizeof(cfg)), 0))
		goto out;
	cfg.version = 3;
	if (!KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg,
				    sizeof(cfg)), -EINVAL))
		goto out;
	len = sizeof(cfg);
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg, &len), 0) ||
	    !KT_EQ(t, cfg.version, QUIC_VERSION_V1))
		goto out;
	big = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!KT_TRUE(t, big))
		goto out;
	memset(big, 'a', 200);
	if (!KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_ALPN, big, 200),
		   -EINVAL) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
				    big, 8), -ENOTCONN) ||
	    !KT_EQ(t, kt_setsockopt(sock, 99, buf, sizeof(buf)),
		   -ENOPROTOOPT))
		goto out;

	/* getsockopt(): too short a buffer, a negative length. */
	len = sizeof(tp) - 1;
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    &len), -EINVAL))
		goto out;
	len = -1;
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg, &len),
		   -EINVAL))
		goto out;
	len = sizeof(ev) - 1;
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_EVENT, &ev, &len),
		   -EINVAL))
		goto out;
	len = sizeof(buf);
	if (!KT_EQ(t, kt_getsockopt(sock, 99, buf, &len), -ENOPROTOOPT))
		goto out;

	/* listen() needs bind(); connect() needs a port. */
	alen = kt_loopback(family, 0, &ss);
	if (!KT_EQ(t, kernel_listen(sock, 1), -EINVAL) ||
	    !KT_EQ(t, kernel_connect(sock, (struct sockaddr *)&ss, alen, 0),
		   -EINVAL))
		goto out;
	/* The other family's address. */
	kt_loopback(family == AF_INET ? AF_INET6 : AF_INET, 0, &ss);
	KT_EQ(t, kernel_bind(sock, (struct sockaddr *)&ss,
			     sizeof(struct sockaddr_in6)), -EAFNOSUPPORT);
out:
	kfree(big);
	kt_release(&sock);
}

/*
 * What a kernel user sets through a kernel pointer reads back through the
 * same getsockopt() userspace calls.
 */
static void kt_sockopt_roundtrip(struct kt *t, int family)
{
	struct quic_transport_param tp = {};
	struct quic_event_option ev = {
		.type = QUIC_EVENT_CONNECTION_CLOSE,
		.on = 1,
	};
	struct quic_config cfg = {};
	struct socket *sock = NULL;
	char alpn[16] = "smbd,h3";
	int len;

	if (!KT_EQ(t, kt_socket(family, &sock), 0))
		return;
	tp.max_udp_payload_size = 1400;
	tp.ack_delay_exponent = 5;
	tp.max_ack_delay = 30000;
	tp.active_connection_id_limit = 4;
	tp.max_idle_timeout = 12000000;
	tp.max_data = 1 << 20;
	tp.max_streams_bidi = 7;
	cfg.version = QUIC_VERSION_V2;
	cfg.congestion_control_algo = QUIC_CONG_ALG_CUBIC;
	if (!KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    sizeof(tp)), 0) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg,
				    sizeof(cfg)), 0) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_EVENT, &ev, sizeof(ev)),
		   0) ||
	    !KT_EQ(t, kt_setsockopt(sock, QUIC_SOCKOPT_ALPN, alpn,
				    strlen(alpn) + 1), 0))
		goto out;

	memset(&tp, 0, sizeof(tp));
	len = sizeof(tp);
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
				    &len), 0) ||
	    !KT_EQ(t, tp.max_udp_payload_size, 1400) ||
	    !KT_EQ(t, tp.ack_delay_exponent, 5) ||
	    !KT_EQ(t, tp.max_idle_timeout, 12000000) ||
	    !KT_EQ(t, tp.max_streams_bidi, 7))
		goto out;
	memset(&cfg, 0, sizeof(cfg));
	len = sizeof(cfg);
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_CONFIG, &cfg, &len), 0) ||
	    !KT_EQ(t, cfg.version, QUIC_VERSION_V2) ||
	    !KT_EQ(t, cfg.congestion_control_algo, QUIC_CONG_ALG_CUBIC))
		goto out;
	ev.on = 0;
	len = sizeof(ev);
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_EVENT, &ev, &len), 0) ||
	    !KT_EQ(t, ev.on, 1))
		goto out;
	memset(alpn, 0, sizeof(alpn));
	len = sizeof(alpn);
	if (!KT_EQ(t, kt_getsockopt(sock, QUIC_SOCKOPT_ALPN, alpn, &len), 0))
		goto out;
	KT_TRUE(t, len == 7 && !memcmp(alpn, "smbd,h3", 7));
out:
	kt_release(&sock);
}

struct kt_case {
	const char	*name;
	void		(*fn)(struct kt *t, int family);
	int		family;
};

static const struct kt_case kt_cases[] = {
	{ "create_bind_v4",		kt_create_bind,		AF_INET },
	{ "create_bind_v6",		kt_create_bind,		AF_INET6 },
	{ "connect_v4",			kt_connect,		AF_INET },
	{ "connect_v6",			kt_connect,		AF_INET6 },
	{ "sockopt_roundtrip",		kt_sockopt_roundtrip,	AF_INET },
	{ "handshake_v4",		kt_handshake_close,	AF_INET },
	{ "handshake_v6",		kt_handshake_close,	AF_INET6 },
	{ "handshake_shutdown_v4",	kt_handshake_shutdown,	AF_INET },
	{ "stream_data_v4",		kt_streams,		AF_INET },
	{ "stream_data_v6",		kt_streams,		AF_INET6 },
	{ "close_in_handshake_v4",	kt_close_in_handshake,	AF_INET },
	{ "accept_shutdown_v4",		kt_accept_shutdown,	AF_INET },
	{ "errors_v4",			kt_errors,		AF_INET },
	{ "errors_v6",			kt_errors,		AF_INET6 },
};

/* As tests/lib/test.h: the glob names the test or the whole suite. */
static bool kt_wanted(const char *name)
{
	char full[64];

	if (!filter || !*filter)
		return true;
	snprintf(full, sizeof(full), "ktest.%s", name);
	return glob_match(filter, full) || glob_match(filter, "ktest");
}

static int __init quic_ktest_init(void)
{
	struct socket *probe;
	unsigned int i, passed = 0, failed = 0;
	struct kt *t;
	int err;

	/* quic.ko must be there: this module does not pull it in. */
	err = sock_create_kern(&init_net, AF_INET, SOCK_DGRAM, IPPROTO_QUIC,
			       &probe);
	if (err) {
		pr_err("no QUIC sockets (%d): load quic.ko first\n", err);
		return err;
	}
	sock_release(probe);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(kt_cases); i++) {
		if (!kt_wanted(kt_cases[i].name))
			continue;
		memset(t, 0, sizeof(*t));
		t->name = kt_cases[i].name;
		kt_cases[i].fn(t, kt_cases[i].family);
		if (t->failed) {
			failed++;
			pr_info("FAIL %s: %s\n", t->name, t->why);
		} else {
			passed++;
			pr_info("PASS %s\n", t->name);
		}
	}

	kfree(t);
	/* Sockets are freed after a grace period; so is quic.ko's reference. */
	rcu_barrier();
	pr_info("%u passed, %u failed\n", passed, failed);
	return 0;
}

static void __exit quic_ktest_exit(void)
{
}

module_init(quic_ktest_init);
module_exit(quic_ktest_exit);

MODULE_DESCRIPTION("QUIC: tests of kernel sockets through the kernel socket API");
MODULE_LICENSE("GPL");
