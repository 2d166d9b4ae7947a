/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A kernel client and a kernel server joined without TLS: the test plays
 * TLS for both, moving CRYPTO data with send_level()/recv_level() and
 * installing made-up secrets.  Include after test.h and handshake_msg.h.
 */

#ifndef QUIC_TEST_KPAIR_H
#define QUIC_TEST_KPAIR_H

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/quic.h>
#include <linux/tls.h>

struct pair {
	int listener, client, server;
	int family;
};

static inline void fill(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static inline void set_secret(int fd, uint8_t level, int send, uint8_t seed)
{
	struct quic_crypto_secret s = {
		.send = (uint8_t)send, .level = level,
		.type = TLS_CIPHER_AES_GCM_128,
	};

	fill(s.secret, 32, seed);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET, &s,
			    sizeof(s)));
}

/*
 * Listener, client connected to it, and the accepted server socket; the
 * client's first Initial carries @hello.  @setup, if set, is given the
 * listener and the client before listen() and connect().
 */
static inline struct pair start_with(int family, const uint8_t *hello,
				     size_t len,
				     void (*setup)(int listener, int client))
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	struct pair p = { .family = family };
	uint8_t buf[2000];

	p.listener = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	p.client = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(p.listener >= 0 && p.client >= 0);
	if (setup)
		setup(p.listener, p.client);
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	CHECK_OK(bind(p.listener, (struct sockaddr *)&ss, sl));
	CHECK_OK(getsockname(p.listener, (struct sockaddr *)&ss, &sl));
	CHECK_OK(listen(p.listener, 8));
	set_timeout(p.listener, 10);
	set_timeout(p.client, 10);

	CHECK_OK(connect(p.client, (struct sockaddr *)&ss, sl));
	CHECK_OK(send_level(p.client, QUIC_CRYPTO_INITIAL, hello, len));
	p.server = accept(p.listener, NULL, NULL);
	CHECK(p.server >= 0);
	set_timeout(p.server, 10);
	recv_level(p.server, QUIC_CRYPTO_INITIAL, buf, len);
	CHECK(!memcmp(buf, hello, len));
	/* Each side names the other before the handshake, as TCP does
	 * from its SYN: the server from the client's Initial.
	 */
	{
		struct sockaddr_storage peer, local;
		socklen_t pl = sizeof(peer), ll = sizeof(local);

		CHECK_OK(getpeername(p.client, (struct sockaddr *)&peer, &pl));
		CHECK(pl == sl && !memcmp(&peer, &ss, sl));
		CHECK_OK(getsockname(p.client, (struct sockaddr *)&local,
				     &ll));
		pl = sizeof(peer);
		CHECK_OK(getpeername(p.server, (struct sockaddr *)&peer, &pl));
		CHECK(pl == ll && peer.ss_family == local.ss_family);
		CHECK(((struct sockaddr_in *)&peer)->sin_port ==
		      ((struct sockaddr_in *)&local)->sin_port);
	}
	return p;
}

static inline struct pair start(int family, const uint8_t *hello, size_t len)
{
	return start_with(family, hello, len, NULL);
}

/* Both sides through Handshake to 1-RTT keys, the server's secret last. */
static inline void finish(struct pair *p)
{
	set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 1, 1);
	set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 0, 2);
	set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 1, 2);
	set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 0, 1);
	set_secret(p->server, QUIC_CRYPTO_APP, 1, 4);
	set_secret(p->client, QUIC_CRYPTO_APP, 1, 3);
	set_secret(p->client, QUIC_CRYPTO_APP, 0, 4);
	set_secret(p->server, QUIC_CRYPTO_APP, 0, 3);
}

/*
 * The kernel pair's handshake with the test as TLS, in TLS's order: the
 * client's transport parameters reach the server before its first
 * reply, the server's reach the client with its Handshake flight.
 * @setup is start_with()'s; @edit_c/@edit_s, if set, change each side's
 * parameters on the way (in a buffer of 1024 bytes; they return the new
 * length).  Returns 0, or the errno of the setsockopt() that
 * refused them (the handshake then stops).
 */
static inline int kpair_handshake(struct pair *p,
				  void (*setup)(int listener, int client),
				  socklen_t (*edit_c)(uint8_t *, socklen_t),
				  socklen_t (*edit_s)(uint8_t *, socklen_t))
{
	uint8_t hello[300], buf[300], ctp[1024], stp[1024], fin[52];
	socklen_t cl = sizeof(ctp), sl = sizeof(stp);

	fill(hello, sizeof(hello), 9);
	*p = start_with(AF_INET, hello, sizeof(hello), setup);
	CHECK_OK(getsockopt(p->client, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, ctp, &cl));
	if (edit_c)
		cl = edit_c(ctp, cl);
	if (setsockopt(p->server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
		       ctp, cl))
		return errno;
	CHECK_OK(getsockopt(p->server, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, stp, &sl));
	if (edit_s)
		sl = edit_s(stp, sl);
	CHECK_OK(send_level(p->server, QUIC_CRYPTO_INITIAL, hello, 90));
	recv_level(p->client, QUIC_CRYPTO_INITIAL, buf, 90);
	set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 1, 1);
	set_secret(p->client, QUIC_CRYPTO_HANDSHAKE, 0, 2);
	set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 1, 2);
	set_secret(p->server, QUIC_CRYPTO_HANDSHAKE, 0, 1);
	CHECK_OK(send_level(p->server, QUIC_CRYPTO_HANDSHAKE, hello, 200));
	set_secret(p->server, QUIC_CRYPTO_APP, 1, 4);
	recv_level(p->client, QUIC_CRYPTO_HANDSHAKE, buf, 200);
	if (setsockopt(p->client, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
		       stp, sl))
		return errno;
	set_secret(p->client, QUIC_CRYPTO_APP, 1, 3);
	set_secret(p->client, QUIC_CRYPTO_APP, 0, 4);
	fill(fin, sizeof(fin), 77);
	CHECK_OK(send_level(p->client, QUIC_CRYPTO_HANDSHAKE, fin, sizeof(fin)));
	recv_level(p->server, QUIC_CRYPTO_HANDSHAKE, buf, sizeof(fin));
	set_secret(p->server, QUIC_CRYPTO_APP, 0, 3);
	return 0;
}

/* A QUIC varint of transport parameters @tp, bounded by @end. */
static inline uint64_t kpair_varint(const uint8_t **p, const uint8_t *end)
{
	unsigned int n = 1u << (**p >> 6), i;
	uint64_t v = **p & 0x3f;

	CHECK(*p + n <= end);
	for (i = 1; i < n; i++)
		v = v << 8 | (*p)[i];
	*p += n;
	return v;
}

/*
 * The value of parameter @id in encoded transport parameters @tp (its
 * length in *@vlen); fails the test if it is not there.
 */
static inline uint8_t *kpair_tp_find(uint8_t *tp, size_t len, uint64_t id,
				     size_t *vlen)
{
	const uint8_t *p = tp, *end = tp + len;
	uint64_t i, l;

	while (p < end) {
		i = kpair_varint(&p, end);
		l = kpair_varint(&p, end);
		CHECK(p + l <= end);
		if (i == id) {
			*vlen = l;
			return (uint8_t *)p;
		}
		p += l;
	}
	FAIL("no transport parameter 0x%llx", (unsigned long long)id);
	return NULL;
}

#endif /* QUIC_TEST_KPAIR_H */
