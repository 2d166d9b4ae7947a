// SPDX-License-Identifier: GPL-2.0
/*
 * Streams and datagrams over kernel QUIC sockets, as Documentation/quic.rst
 * ("Streams and datagrams") describes them: small messages, the socket API
 * draft's Appendix A exchange, bulk transfers checked by SHA-256 on one
 * stream and on 100 at once, a slow reader, stream IDs and limits, reset
 * and STOP_SENDING, datagrams, an epoll echo server with 50 clients,
 * non-blocking calls and timeouts, and plain read()/write().
 *
 * Every connection is a PSK handshake over loopback through libquic, the
 * client in the test's thread and the server in another.  Every wait is
 * bounded (SO_RCVTIMEO, SO_SNDTIMEO, poll timeouts, the harness's alarm), so
 * a kernel bug fails a test instead of hanging the suite.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <netinet/quic.h>

#define TEST_SUITE "stream"
#define TEST_TIMEOUT 120	/* seconds per test; the bulk tests take more */
#include "../lib/test.h"
#include "../lib/aead_limit.h"

/* ---- Sizes and limits ---- */

#define KiB			1024
#define MiB			(1024 * 1024)

#define IO_TIMEOUT_MS		30000	/* SO_RCVTIMEO/SO_SNDTIMEO by default */
#define BULK_TIME_LIMIT		300	/* seconds, each bulk test */
#define RECV_BUF		(64 * KiB)

/* One stream each way (the reader sends back the SHA-256 it computed). */
#define BULK_ONE_SIZE		(80ULL * MiB)
#define BULK_ONE_CHUNK		(64 * KiB)
/* 100 streams at once, half bidirectional, half unidirectional. */
#define MULTI_STREAMS		100
#define MULTI_STREAM_SIZE	(512 * KiB)
#define MULTI_CHUNK		(16 * KiB)
/* What the bulk tests move in all, both directions together. */
#define BULK_TOTAL		(2 * BULK_ONE_SIZE + \
				 2ULL * MULTI_STREAMS * MULTI_STREAM_SIZE)

_Static_assert(BULK_TOTAL >= 256ULL * MiB, "bulk tests move >= 256 MiB");
_Static_assert(MULTI_STREAM_SIZE % MULTI_CHUNK == 0, "whole chunks");

#define SLOW_SIZE		(8 * MiB)	/* beyond SO_SNDBUF + windows */
#define SLOW_CHUNK		(64 * KiB)
#define RESET_SIZE		(1 * MiB)	/* beyond one stream window */
#define STOP_CHUNK		(16 * KiB)
#define ECHO_CLIENTS		50
#define ECHO_SIZE		(64 * KiB)
#define ECHO_TIME_LIMIT		100	/* seconds for the echo server */
#define DGRAM_MAX		1200	/* max_datagram_frame_size */
#define DGRAM_COUNT		10
#define DGRAM_LEN		100
#define DGRAM_MIN_ARRIVED	8	/* loss allowed, even on loopback */
#define DIGEST_LEN		32	/* SHA-256 */

/* ---- Small helpers ---- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The harness gives a test TEST_TIMEOUT seconds; this changes it. */
static void time_limit(unsigned int secs)
{
	alarm(secs);
}

static void set_timeouts(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

static void set_nonblocking(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	CHECK(fl >= 0);
	CHECK_OK(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

/*
 * xorshift64*: fast, and good enough to give every stream its own bytes.
 * The receivers do not regenerate it: they hash what they got.
 */
struct prng {
	uint64_t s;
};

static void prng_seed(struct prng *r, uint64_t seed)
{
	r->s = (seed + 1) * 0x9e3779b97f4a7c15ULL | 1;
}

static uint64_t prng_next(struct prng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static void prng_fill(struct prng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t v;

	for (; len >= sizeof(v); p += sizeof(v), len -= sizeof(v)) {
		v = prng_next(r);
		memcpy(p, &v, sizeof(v));
	}
	if (len) {
		v = prng_next(r);
		memcpy(p, &v, len);
	}
}

static void sha_init(gnutls_hash_hd_t *h)
{
	CHECK(gnutls_hash_init(h, GNUTLS_DIG_SHA256) == 0);
}

static void sha_update(gnutls_hash_hd_t h, const void *data, size_t len)
{
	CHECK(gnutls_hash(h, data, len) == 0);
}

/* ---- A connected pair: PSK handshake over loopback ---- */

static char psk_dir[] = "/tmp/quic-stream-XXXXXX";
static char psk_file[64];

/* libquic's PSK file: "identity:hexkey"; the client uses the first line. */
static int make_psk_file(void)
{
	static const char line[] = "client1:"
		"00112233445566778899aabbccddeeff"
		"0123456789abcdef0123456789abcdef\n";
	FILE *f;

	if (!mkdtemp(psk_dir))
		return -1;
	snprintf(psk_file, sizeof(psk_file), "%s/psk.txt", psk_dir);
	f = fopen(psk_file, "w");
	if (!f)
		return -1;
	fputs(line, f);
	fchmod(fileno(f), 0600);
	return fclose(f);
}

struct pair {
	int client;
	int server;		/* accepted from listener */
	int listener;
};

/* Runs on a socket before connect() (client) or listen() (server). */
typedef void (*sock_setup)(int fd);

struct acceptor {
	int listener;
	int fd;
	int err;		/* quic_server_handshake()'s, or -errno */
};

static void *accept_and_handshake(void *arg)
{
	struct acceptor *a = arg;

	a->fd = accept(a->listener, NULL, NULL);
	if (a->fd < 0) {
		a->err = -errno;
		return NULL;
	}
	a->err = quic_server_handshake(a->fd, psk_file, NULL, NULL);
	return NULL;
}

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/*
 * A listener on an ephemeral loopback port (*ss gets its address), with
 * IO_TIMEOUT_MS as SO_RCVTIMEO for accept().  @setup, if any, runs before
 * listen(): accepted sockets inherit the listener's options.
 */
static int listen_loopback(int family, struct sockaddr_storage *ss,
			   socklen_t *len, int backlog, sock_setup setup)
{
	int fd = socket(family, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	*len = loopback(family, ss);
	CHECK_OK(bind(fd, (struct sockaddr *)ss, *len));
	CHECK_OK(getsockname(fd, (struct sockaddr *)ss, len));
	set_timeouts(fd, IO_TIMEOUT_MS);
	if (setup)
		setup(fd);
	CHECK_OK(listen(fd, backlog));
	return fd;
}

/*
 * Both ends of an established connection.  @client_setup runs on the
 * client before connect(), @server_setup on the listener before listen();
 * either may be NULL.  Both sockets end up with IO_TIMEOUT_MS as
 * SO_RCVTIMEO and SO_SNDTIMEO.
 */
static struct pair quic_pair_with(int family, sock_setup client_setup,
				  sock_setup server_setup)
{
	struct sockaddr_storage ss;
	struct acceptor a = { 0 };
	struct pair p;
	pthread_t thread;
	socklen_t len;
	int err;

	p.listener = listen_loopback(family, &ss, &len, 1, server_setup);
	a.listener = p.listener;
	CHECK(pthread_create(&thread, NULL, accept_and_handshake, &a) == 0);

	p.client = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(p.client >= 0);
	set_timeouts(p.client, IO_TIMEOUT_MS);
	if (client_setup)
		client_setup(p.client);
	CHECK_OK(connect(p.client, (struct sockaddr *)&ss, len));
	err = quic_client_handshake(p.client, psk_file, NULL, NULL);
	if (err)
		FAIL("client handshake: %d (%s)", err, strerror(-err));

	CHECK(pthread_join(thread, NULL) == 0);
	if (a.err)
		FAIL("server handshake: %d (%s)", a.err, strerror(-a.err));
	p.server = a.fd;
	set_timeouts(p.server, IO_TIMEOUT_MS);
	return p;
}

static struct pair quic_pair(int family)
{
	return quic_pair_with(family, NULL, NULL);
}

static struct quic_transport_param local_params(int fd)
{
	struct quic_transport_param p = { .remote = 0 };
	socklen_t len = sizeof(p);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &p,
			    &len));
	return p;
}

static void set_local_params(int fd, const struct quic_transport_param *p)
{
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, p,
			    sizeof(*p)));
}

static void allow_datagrams(int fd)
{
	struct quic_transport_param p = local_params(fd);

	p.max_datagram_frame_size = DGRAM_MAX;
	set_local_params(fd, &p);
}

static void allow_two_bidi_streams(int fd)
{
	struct quic_transport_param p = local_params(fd);

	p.max_streams_bidi = 2;
	set_local_params(fd, &p);
}

static void allow_two_uni_streams(int fd)
{
	struct quic_transport_param p = local_params(fd);

	p.max_streams_uni = 2;
	set_local_params(fd, &p);
}

static void enable_event(int fd, uint8_t type)
{
	struct quic_event_option ev = { .type = type, .on = 1 };

	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
}

/* ---- Sending and receiving ---- */

/* A blocking send returns once every byte is queued: anything less fails. */
static void send_all(int fd, int64_t sid, const void *buf, size_t len,
		     uint32_t flags)
{
	ssize_t n = quic_sendmsg(fd, buf, len, sid, flags);

	if (n != (ssize_t)len)
		FAIL("send of %zu bytes on stream %lld (flags 0x%x): %zd (%s)",
		     len, (long long)sid, flags, n, n < 0 ? strerror(errno) : "");
}

static void send_str(int fd, int64_t sid, const char *s, uint32_t flags)
{
	send_all(fd, sid, s, strlen(s), flags);
}

/*
 * Read stream @sid up to its FIN into @buf, at most @size bytes; returns
 * the length.  Anything else (another stream, an event, an error, a longer
 * stream) fails the test.
 */
static size_t read_stream(int fd, int64_t sid, void *buf, size_t size)
{
	unsigned char *p = buf, spare;
	size_t len = 0;

	for (;;) {
		/* With the buffer full only a bare FIN may follow. */
		void *at = len < size ? p + len : &spare;
		size_t room = len < size ? size - len : 1;
		uint32_t flags = 0;
		int64_t got;
		ssize_t n;

		n = quic_recvmsg(fd, at, room, &got, &flags);
		if (n < 0)
			FAIL("reading stream %lld after %zu bytes: %s",
			     (long long)sid, len, strerror(errno));
		if (flags & MSG_NOTIFICATION)
			FAIL("an event while reading stream %lld",
			     (long long)sid);
		if (got != sid)
			FAIL("%zd bytes of stream %lld while reading stream %lld",
			     n, (long long)got, (long long)sid);
		if (len == size && n)
			FAIL("stream %lld is longer than %zu bytes",
			     (long long)sid, size);
		len += n;
		if (flags & MSG_STREAM_FIN)
			return len;
		if (!n)
			FAIL("stream %lld: connection ended before the FIN",
			     (long long)sid);
	}
}

/* Read stream @sid up to its FIN, hashing it; returns its length. */
static uint64_t read_stream_hashed(int fd, int64_t sid,
				   unsigned char digest[DIGEST_LEN])
{
	unsigned char *buf = malloc(RECV_BUF);
	gnutls_hash_hd_t h;
	uint64_t len = 0;

	CHECK(buf);
	sha_init(&h);
	for (;;) {
		uint32_t flags = 0;
		int64_t got;
		ssize_t n;

		n = quic_recvmsg(fd, buf, RECV_BUF, &got, &flags);
		if (n < 0)
			FAIL("reading stream %lld after %llu bytes: %s",
			     (long long)sid, (unsigned long long)len,
			     strerror(errno));
		if (got != sid || (flags & MSG_NOTIFICATION))
			FAIL("%zd bytes of stream %lld (flags 0x%x) while reading stream %lld",
			     n, (long long)got, flags, (long long)sid);
		sha_update(h, buf, n);
		len += n;
		if (flags & MSG_STREAM_FIN)
			break;
		if (!n)
			FAIL("stream %lld: connection ended after %llu bytes",
			     (long long)sid, (unsigned long long)len);
	}
	gnutls_hash_deinit(h, digest);
	free(buf);
	return len;
}

/* A few short streams read at once, each up to its FIN. */
struct small_stream {
	int64_t sid;		/* set by the caller */
	char data[64];		/* NUL-terminated */
	size_t len;
	bool fin;
};

static void read_small_streams(int fd, struct small_stream *s, int count)
{
	int open = count, i;

	while (open) {
		char buf[64];
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n;

		n = quic_recvmsg(fd, buf, sizeof(buf), &sid, &flags);
		if (n < 0)
			FAIL("quic_recvmsg with %d streams open: %s", open,
			     strerror(errno));
		if (flags & MSG_NOTIFICATION)
			FAIL("an unexpected event");
		for (i = 0; i < count && s[i].sid != sid; i++)
			;
		if (i == count || s[i].fin)
			FAIL("%zd bytes on stream %lld: not expected", n,
			     (long long)sid);
		if (s[i].len + n >= sizeof(s[i].data))
			FAIL("stream %lld: too long", (long long)sid);
		memcpy(s[i].data + s[i].len, buf, n);
		s[i].len += n;
		s[i].data[s[i].len] = '\0';
		if (flags & MSG_STREAM_FIN) {
			s[i].fin = true;
			open--;
		} else if (!n) {
			FAIL("connection ended with %d streams open", open);
		}
	}
}

/* An event's type byte, then struct quic_stream_update. */
static struct quic_stream_update stream_update(const unsigned char *buf,
					       ssize_t n)
{
	struct quic_stream_update u;

	if (n < (ssize_t)(1 + sizeof(u)) || buf[0] != QUIC_EVENT_STREAM_UPDATE)
		FAIL("not a STREAM_UPDATE event: %zd bytes, type %d", n,
		     n > 0 ? buf[0] : -1);
	memcpy(&u, buf + 1, sizeof(u));
	return u;
}

/* Read events until a STREAM_UPDATE with @state; nothing else may come. */
static struct quic_stream_update wait_stream_update(int fd, uint32_t state)
{
	unsigned char buf[256];
	struct quic_stream_update u;
	int i;

	for (i = 0; i < 100; i++) {
		uint32_t flags = 0;
		ssize_t n;

		n = quic_recvmsg(fd, buf, sizeof(buf), NULL, &flags);
		if (n < 0)
			FAIL("waiting for stream state %u: %s", state,
			     strerror(errno));
		if (!(flags & MSG_NOTIFICATION))
			FAIL("%zd bytes of data while waiting for stream state %u",
			     n, state);
		u = stream_update(buf, n);
		if (u.state == state)
			return u;
	}
	FAIL("no stream state %u in 100 events", state);
}

/* QUIC_SOCKOPT_STREAM_OPEN for the next stream: its ID, or -1 and errno. */
static int64_t try_open_stream(int fd, uint32_t flags)
{
	struct quic_stream_info info = { .stream_id = -1,
					 .stream_flags = flags };
	socklen_t len = sizeof(info);

	if (getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_STREAM_OPEN, &info, &len))
		return -1;
	return info.stream_id;
}

static int64_t open_stream(int fd, uint32_t flags)
{
	int64_t sid = try_open_stream(fd, flags);

	if (sid < 0)
		FAIL("QUIC_SOCKOPT_STREAM_OPEN (flags 0x%x): %s", flags,
		     strerror(errno));
	return sid;
}

/* Open the next stream once the peer's MAX_STREAMS allows it (10 s). */
static int64_t open_stream_when_allowed(int fd, uint32_t flags)
{
	long deadline = now_ms() + 10000;
	int64_t sid;

	for (;;) {
		sid = try_open_stream(fd, flags | MSG_STREAM_DONTWAIT);
		if (sid >= 0)
			return sid;
		if (errno != EAGAIN)
			FAIL("opening a stream: %s, want EAGAIN or success",
			     strerror(errno));
		if (now_ms() > deadline)
			FAIL("no MAX_STREAMS within 10 s");
		usleep(20000);
	}
}

/* ---- 1. A small message each way ---- */

/*
 * recvmsg() by hand, to show the cmsg: the stream ID and MSG_STREAM_FIN
 * in stream_flags, and the FIN in msg_flags as well.
 */
static size_t recv_with_cmsg(int fd, char *buf, size_t size, int64_t sid)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct quic_stream_info))];
	} ctrl;
	size_t len = 0;

	for (;;) {
		struct iovec iov = { .iov_base = buf + len,
				     .iov_len = size - len };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctrl.buf,
			.msg_controllen = sizeof(ctrl.buf),
		};
		struct quic_stream_info info;
		struct cmsghdr *cmsg;
		ssize_t n;

		CHECK(len < size);
		n = recvmsg(fd, &msg, 0);
		CHECK(n >= 0);
		cmsg = CMSG_FIRSTHDR(&msg);
		CHECK(cmsg && cmsg->cmsg_level == SOL_QUIC &&
		      cmsg->cmsg_type == QUIC_STREAM_INFO &&
		      cmsg->cmsg_len >= CMSG_LEN(sizeof(info)));
		memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
		CHECK(info.stream_id == sid);
		len += n;
		if (info.stream_flags & MSG_STREAM_FIN) {
			CHECK(msg.msg_flags & MSG_STREAM_FIN);
			/* Everything readable of the stream was returned. */
			CHECK(msg.msg_flags & MSG_EOR);
			return len;
		}
		CHECK(n > 0 && !(msg.msg_flags & MSG_STREAM_FIN));
	}
}

static void small_message_each_way(int family)
{
	static const char ask[] = "hello from the client";
	static const char answer[] = "hello back on stream 0";
	static const char more[] = "and on the server's stream 1";
	struct pair p = quic_pair(family);
	char buf[64];
	size_t len;

	/* The client opens stream 0; one call carries the whole message. */
	send_str(p.client, 0, ask, MSG_STREAM_NEW | MSG_STREAM_FIN);
	len = recv_with_cmsg(p.server, buf, sizeof(buf), 0);
	CHECK(len == strlen(ask) && !memcmp(buf, ask, len));

	/* The server answers on the client's stream 0... */
	send_str(p.server, 0, answer, MSG_STREAM_FIN);
	len = read_stream(p.client, 0, buf, sizeof(buf));
	CHECK(len == strlen(answer) && !memcmp(buf, answer, len));

	/* ...and on a stream of its own. */
	send_str(p.server, 1, more, MSG_STREAM_NEW | MSG_STREAM_FIN);
	len = read_stream(p.client, 1, buf, sizeof(buf));
	CHECK(len == strlen(more) && !memcmp(buf, more, len));
}

TEST(small_message_each_way_v4)
{
	small_message_each_way(AF_INET);
}

TEST(small_message_each_way_v6)
{
	small_message_each_way(AF_INET6);
}

/* ---- 2. The socket API draft's Appendix A ---- */

/*
 * The client sends on its bidirectional stream 0 and its unidirectional
 * stream 2, interleaved, and ends both; the server reads until both ended
 * and answers on its own stream 1.  Client and server run one after the
 * other here: none of these calls has to wait for the other side.
 */
TEST(appendix_a)
{
	struct stream {
		char msg[64];
		size_t len;
		uint32_t flags;
	} stream[2] = { 0 };
	struct pair p = quic_pair(AF_INET);
	char msg[64];
	size_t len;

	/* Client: the first message of a stream opens it. */
	send_str(p.client, 0, "hello ", MSG_STREAM_NEW);
	send_str(p.client, 2, "hello quic ", MSG_STREAM_NEW);
	send_str(p.client, 0, "quic ", 0);
	send_str(p.client, 2, "server stream 2!", MSG_STREAM_FIN);
	send_str(p.client, 0, "server stream 0!", MSG_STREAM_FIN);

	/* Server: stream 0 and 2 go to stream[0] and stream[1] (sid >> 1). */
	while (!(stream[0].flags & MSG_STREAM_FIN) ||
	       !(stream[1].flags & MSG_STREAM_FIN)) {
		struct stream *s;
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n;

		n = quic_recvmsg(p.server, msg, sizeof(msg), &sid, &flags);
		CHECK(n >= 0);
		if (sid != 0 && sid != 2)
			FAIL("data on stream %lld", (long long)sid);
		s = &stream[sid >> 1];
		if (s->flags & MSG_STREAM_FIN)
			FAIL("data after the FIN on stream %lld",
			     (long long)sid);
		if (!n && !(flags & MSG_STREAM_FIN))
			FAIL("connection ended");
		CHECK(s->len + n < sizeof(s->msg));
		memcpy(s->msg + s->len, msg, n);
		s->len += n;
		s->flags = flags;
	}
	CHECK(!strcmp(stream[0].msg, "hello quic server stream 0!"));
	CHECK(!strcmp(stream[1].msg, "hello quic server stream 2!"));

	send_str(p.server, 1, "hello quic client stream 1!",
		 MSG_STREAM_NEW | MSG_STREAM_FIN);

	/* Client: the answer. */
	len = read_stream(p.client, 1, msg, sizeof(msg) - 1);
	msg[len] = '\0';
	CHECK(!strcmp(msg, "hello quic client stream 1!"));
}

/* ---- 3. Bulk transfers checked by SHA-256 ---- */

/*
 * One stream: the writer sends BULK_ONE_SIZE bytes and its FIN, the reader
 * hashes them and sends its digest back on the same stream, the writer
 * compares it with the digest of what it sent.
 */
struct bulk_writer {
	int fd;
	int64_t sid;
	uint64_t seed;
	unsigned char sent[DIGEST_LEN];
	unsigned char echoed[DIGEST_LEN];
	size_t echoed_len;
};

static void *bulk_write(void *arg)
{
	struct bulk_writer *w = arg;
	unsigned char *buf = malloc(BULK_ONE_CHUNK);
	uint32_t flags = MSG_STREAM_NEW;
	uint64_t left = BULK_ONE_SIZE;
	gnutls_hash_hd_t h;
	struct prng r;

	CHECK(buf);
	prng_seed(&r, w->seed);
	sha_init(&h);
	while (left) {
		size_t n = left < BULK_ONE_CHUNK ? left : BULK_ONE_CHUNK;

		prng_fill(&r, buf, n);
		sha_update(h, buf, n);
		left -= n;
		if (!left)
			flags |= MSG_STREAM_FIN;
		send_all(w->fd, w->sid, buf, n, flags);
		flags = 0;
	}
	gnutls_hash_deinit(h, w->sent);
	w->echoed_len = read_stream(w->fd, w->sid, w->echoed,
				    sizeof(w->echoed));
	free(buf);
	return NULL;
}

static void bulk_one_stream(int family, bool client_writes)
{
	unsigned char digest[DIGEST_LEN];
	struct bulk_writer w = { 0 };
	pthread_t thread;
	struct pair p;
	int reader;

	time_limit(BULK_TIME_LIMIT);
	p = quic_pair(family);
	w.fd = client_writes ? p.client : p.server;
	reader = client_writes ? p.server : p.client;
	/* The writer's first bidirectional stream. */
	w.sid = client_writes ? 0 : 1;
	w.seed = client_writes ? 0x1a : 0x1b;

	CHECK(pthread_create(&thread, NULL, bulk_write, &w) == 0);
	CHECK(read_stream_hashed(reader, w.sid, digest) == BULK_ONE_SIZE);
	send_all(reader, w.sid, digest, sizeof(digest), MSG_STREAM_FIN);
	CHECK(pthread_join(thread, NULL) == 0);
	CHECK(w.echoed_len == DIGEST_LEN);
	CHECK(!memcmp(w.sent, w.echoed, DIGEST_LEN));
}

TEST(bulk_one_stream_client_to_server)
{
	bulk_one_stream(AF_INET, true);
}

TEST(bulk_one_stream_server_to_client_v6)
{
	bulk_one_stream(AF_INET6, false);
}

/*
 * 100 streams at once: even ones bidirectional, odd ones unidirectional,
 * with explicit IDs (client 0, 2, 4, 6...: 0 bidi, 2 uni, 4 bidi...; the
 * server's are one more).  The writer goes round the streams writing
 * MULTI_CHUNK bytes on each; the reader takes whatever comes, sorts it by
 * the stream ID of each read, and hashes each stream.
 */
static int64_t mixed_stream_id(int i, bool server)
{
	return (int64_t)(i / 2) * 4 + (i % 2 ? QUIC_STREAM_TYPE_UNI_MASK : 0) +
	       (server ? QUIC_STREAM_TYPE_SERVER_MASK : 0);
}

static int64_t mixed_stream_index(int64_t sid)
{
	return (sid >> 2) * 2 + !!(sid & QUIC_STREAM_TYPE_UNI_MASK);
}

struct multi_writer {
	int fd;
	bool server;
	unsigned char sent[MULTI_STREAMS][DIGEST_LEN];
};

static void *multi_write(void *arg)
{
	struct multi_writer *w = arg;
	gnutls_hash_hd_t h[MULTI_STREAMS];
	struct prng r[MULTI_STREAMS];
	unsigned char *buf = malloc(MULTI_CHUNK);
	size_t off;
	int i;

	CHECK(buf);
	for (i = 0; i < MULTI_STREAMS; i++) {
		prng_seed(&r[i], 0x3000 + i + (w->server ? MULTI_STREAMS : 0));
		sha_init(&h[i]);
	}
	for (off = 0; off < MULTI_STREAM_SIZE; off += MULTI_CHUNK) {
		for (i = 0; i < MULTI_STREAMS; i++) {
			uint32_t flags = 0;

			if (!off)
				flags |= MSG_STREAM_NEW;
			if (off + MULTI_CHUNK == MULTI_STREAM_SIZE)
				flags |= MSG_STREAM_FIN;
			prng_fill(&r[i], buf, MULTI_CHUNK);
			sha_update(h[i], buf, MULTI_CHUNK);
			send_all(w->fd, mixed_stream_id(i, w->server), buf,
				 MULTI_CHUNK, flags);
		}
	}
	for (i = 0; i < MULTI_STREAMS; i++)
		gnutls_hash_deinit(h[i], w->sent[i]);
	free(buf);
	return NULL;
}

static void multi_read(int fd, bool from_server,
		       unsigned char got[MULTI_STREAMS][DIGEST_LEN])
{
	gnutls_hash_hd_t h[MULTI_STREAMS];
	uint64_t len[MULTI_STREAMS] = { 0 };
	bool fin[MULTI_STREAMS] = { false };
	unsigned char *buf = malloc(RECV_BUF);
	int open = MULTI_STREAMS, i;

	CHECK(buf);
	for (i = 0; i < MULTI_STREAMS; i++)
		sha_init(&h[i]);
	while (open) {
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n;

		n = quic_recvmsg(fd, buf, RECV_BUF, &sid, &flags);
		if (n < 0)
			FAIL("quic_recvmsg with %d streams open: %s", open,
			     strerror(errno));
		if (flags & MSG_NOTIFICATION)
			FAIL("an unexpected event");
		if (sid < 0 || mixed_stream_index(sid) >= MULTI_STREAMS ||
		    !(sid & QUIC_STREAM_TYPE_SERVER_MASK) != !from_server)
			FAIL("%zd bytes on stream %lld: not one of ours", n,
			     (long long)sid);
		i = (int)mixed_stream_index(sid);
		if (fin[i])
			FAIL("data after the FIN on stream %lld",
			     (long long)sid);
		if (!n && !(flags & MSG_STREAM_FIN))
			FAIL("connection ended with %d streams open", open);
		sha_update(h[i], buf, n);
		len[i] += n;
		if (!(flags & MSG_STREAM_FIN))
			continue;
		if (len[i] != MULTI_STREAM_SIZE)
			FAIL("stream %lld ended after %llu bytes, want %d",
			     (long long)sid, (unsigned long long)len[i],
			     MULTI_STREAM_SIZE);
		gnutls_hash_deinit(h[i], got[i]);
		fin[i] = true;
		open--;
	}
	free(buf);
}

static void bulk_100_streams(bool client_writes)
{
	struct multi_writer *w = calloc(1, sizeof(*w));
	unsigned char got[MULTI_STREAMS][DIGEST_LEN];
	pthread_t thread;
	struct pair p;
	int i;

	time_limit(BULK_TIME_LIMIT);
	p = quic_pair(AF_INET);
	CHECK(w);
	w->fd = client_writes ? p.client : p.server;
	w->server = !client_writes;
	CHECK(pthread_create(&thread, NULL, multi_write, w) == 0);
	multi_read(client_writes ? p.server : p.client, !client_writes, got);
	CHECK(pthread_join(thread, NULL) == 0);
	for (i = 0; i < MULTI_STREAMS; i++)
		if (memcmp(w->sent[i], got[i], DIGEST_LEN))
			FAIL("stream %lld: SHA-256 differs",
			     (long long)mixed_stream_id(i, w->server));
	free(w);
}

TEST(bulk_100_streams_client_to_server)
{
	bulk_100_streams(true);
}

TEST(bulk_100_streams_server_to_client)
{
	bulk_100_streams(false);
}

/* ---- 4. A slow reader holds the writer back ---- */

struct slow_writer {
	int fd;
	unsigned char digest[DIGEST_LEN];
	size_t nonblocking;	/* queued before the first EAGAIN */
	atomic_int phase;	/* 1: socket full, 2: blocking send returned */
	ssize_t blocking;	/* what the blocking send returned */
};

static void *slow_write(void *arg)
{
	struct slow_writer *w = arg;
	unsigned char *buf = malloc(SLOW_SIZE);
	struct prng r;
	size_t off = 0;

	CHECK(buf);
	prng_seed(&r, 0x4);
	prng_fill(&r, buf, SLOW_SIZE);
	CHECK(gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, SLOW_SIZE,
			       w->digest) == 0);

	/* Without blocking, until the socket takes no more. */
	for (;;) {
		size_t len = SLOW_SIZE - off < SLOW_CHUNK ? SLOW_SIZE - off :
							     SLOW_CHUNK;
		ssize_t n;

		n = quic_sendmsg(w->fd, buf + off, len, 0,
				 (off ? 0 : MSG_STREAM_NEW) | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN && off)
			break;
		if (n <= 0)
			FAIL("non-blocking send after %zu bytes: %zd (%s)",
			     off, n, strerror(errno));
		off += n;
		if (off == SLOW_SIZE)
			FAIL("all %d bytes queued while nobody reads",
			     SLOW_SIZE);
	}
	w->nonblocking = off;
	atomic_store(&w->phase, 1);

	/* The rest blocks until the reader makes room. */
	w->blocking = quic_sendmsg(w->fd, buf + off, SLOW_SIZE - off, 0,
				   MSG_STREAM_FIN);
	atomic_store(&w->phase, 2);
	free(buf);
	return NULL;
}

TEST(slow_reader)
{
	struct pair p = quic_pair(AF_INET);
	struct slow_writer w = { .fd = p.client };
	unsigned char digest[DIGEST_LEN];
	socklen_t len = sizeof(int);
	pthread_t thread;
	int sndbuf, i;

	CHECK_OK(getsockopt(p.client, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len));
	CHECK(sndbuf > 0);
	atomic_init(&w.phase, 0);
	CHECK(pthread_create(&thread, NULL, slow_write, &w) == 0);

	/* The reader sleeps 2 s; after the first second the writer waits. */
	for (i = 0; i < 500 && atomic_load(&w.phase) == 0; i++)
		usleep(10000);
	if (atomic_load(&w.phase) == 0)
		FAIL("the socket did not fill within 5 s");
	sleep(1);
	if (atomic_load(&w.phase) != 1)
		FAIL("the blocking send returned %zd while nobody read",
		     w.blocking);
	/* What was queued is bounded by SO_SNDBUF (plus what was acked). */
	if (w.nonblocking > 2 * (size_t)sndbuf)
		FAIL("%zu bytes queued without blocking, SO_SNDBUF %d",
		     w.nonblocking, sndbuf);
	sleep(1);

	CHECK(read_stream_hashed(p.server, 0, digest) == SLOW_SIZE);
	CHECK(pthread_join(thread, NULL) == 0);
	CHECK(w.blocking == (ssize_t)(SLOW_SIZE - w.nonblocking));
	CHECK(!memcmp(digest, w.digest, DIGEST_LEN));
}

/* ---- 5. Stream IDs and limits ---- */

TEST(stream_open_ids)
{
	struct pair p = quic_pair(AF_INET);
	struct small_stream in[2] = { { .sid = 4 }, { .sid = 6 } };
	char buf[16];

	/* RFC 9000 2.1: bit 0 server-initiated, bit 1 unidirectional. */
	CHECK(open_stream(p.client, 0) == 0);
	CHECK(open_stream(p.client, 0) == 4);
	CHECK(open_stream(p.client, MSG_STREAM_UNI) == 2);
	CHECK(open_stream(p.client, MSG_STREAM_UNI) == 6);
	CHECK(open_stream(p.server, 0) == 1);
	CHECK(open_stream(p.server, MSG_STREAM_UNI) == 3);
	CHECK(open_stream(p.server, 0) == 5);

	/* Opened streams take data without MSG_STREAM_NEW. */
	send_str(p.client, 4, "four", MSG_STREAM_FIN);
	send_str(p.client, 6, "six", MSG_STREAM_FIN);
	read_small_streams(p.server, in, 2);
	CHECK(!strcmp(in[0].data, "four") && !strcmp(in[1].data, "six"));
	send_str(p.server, 3, "three", MSG_STREAM_FIN);
	CHECK(read_stream(p.client, 3, buf, sizeof(buf)) == 5);
	CHECK(!memcmp(buf, "three", 5));
}

/*
 * The server allows two bidirectional streams.  A stream ends when both
 * directions are done and read: the server answers each with a bare FIN,
 * which the client reads; then MAX_STREAMS lets the client open stream 8.
 */
TEST(stream_limit_bidi)
{
	struct pair p = quic_pair_with(AF_INET, NULL, allow_two_bidi_streams);
	struct small_stream in[2] = { { .sid = 0 }, { .sid = 4 } };
	struct small_stream back[2] = { { .sid = 0 }, { .sid = 4 } };

	CHECK(open_stream(p.client, 0) == 0);
	CHECK(open_stream(p.client, 0) == 4);
	CHECK_ERRNO(try_open_stream(p.client, MSG_STREAM_DONTWAIT), EAGAIN);
	/* Opening by sending obeys the same limit. */
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 8,
				 MSG_STREAM_NEW | MSG_STREAM_DONTWAIT), EAGAIN);

	send_str(p.client, 0, "zero", MSG_STREAM_FIN);
	send_str(p.client, 4, "four", MSG_STREAM_FIN);
	read_small_streams(p.server, in, 2);
	CHECK(!strcmp(in[0].data, "zero") && !strcmp(in[1].data, "four"));
	send_all(p.server, 0, "", 0, MSG_STREAM_FIN);
	send_all(p.server, 4, "", 0, MSG_STREAM_FIN);
	read_small_streams(p.client, back, 2);
	CHECK(back[0].len == 0 && back[1].len == 0);

	CHECK(open_stream_when_allowed(p.client, 0) == 8);
}

/*
 * The server allows two unidirectional streams; once it read both to their
 * FIN, the client hears of the new limit through the MAX_STREAM event (the
 * largest stream ID it may now open) and opens stream 10.
 */
TEST(stream_limit_uni)
{
	struct pair p = quic_pair_with(AF_INET, NULL, allow_two_uni_streams);
	struct small_stream in[2] = { { .sid = 2 }, { .sid = 6 } };
	unsigned char buf[64];
	uint64_t max_stream = 0;
	int i;

	enable_event(p.client, QUIC_EVENT_STREAM_MAX_STREAM);
	CHECK(open_stream(p.client, MSG_STREAM_UNI) == 2);
	CHECK(open_stream(p.client, MSG_STREAM_UNI) == 6);
	CHECK_ERRNO(try_open_stream(p.client,
				    MSG_STREAM_UNI | MSG_STREAM_DONTWAIT),
		    EAGAIN);

	send_str(p.client, 2, "two", MSG_STREAM_FIN);
	send_str(p.client, 6, "six", MSG_STREAM_FIN);
	read_small_streams(p.server, in, 2);
	CHECK(!strcmp(in[0].data, "two") && !strcmp(in[1].data, "six"));

	/* The event for client unidirectional streams (ID bits 0b10). */
	for (i = 0; i < 10 && max_stream < 10; i++) {
		uint32_t flags = 0;
		ssize_t n;

		n = quic_recvmsg(p.client, buf, sizeof(buf), NULL, &flags);
		if (n < 0)
			FAIL("waiting for the MAX_STREAM event: %s",
			     strerror(errno));
		CHECK(flags & MSG_NOTIFICATION);
		CHECK(n >= 1 + (ssize_t)sizeof(max_stream));
		CHECK(buf[0] == QUIC_EVENT_STREAM_MAX_STREAM);
		memcpy(&max_stream, buf + 1, sizeof(max_stream));
		CHECK((max_stream & QUIC_STREAM_TYPE_MASK) ==
		      QUIC_STREAM_TYPE_UNI_MASK);
	}
	CHECK(max_stream >= 10);
	CHECK(try_open_stream(p.client, MSG_STREAM_UNI |
			      MSG_STREAM_DONTWAIT) == 10);
}

/* The errors the spec lists for sendmsg() and the stream options. */
TEST(stream_errors)
{
	struct sockaddr_storage ss;
	struct quic_errinfo info;
	uint32_t flags = 0;
	struct pair p;
	socklen_t len;
	char buf[16];
	int64_t sid;
	ssize_t n;
	int fd;

	/* Before the handshake: not connected, then connected. */
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_ERRNO(quic_sendmsg(fd, "x", 1, 0, MSG_STREAM_NEW), ENOTCONN);
	len = loopback(AF_INET, &ss);
	((struct sockaddr_in *)&ss)->sin_port = htons(4433);
	CHECK_OK(connect(fd, (struct sockaddr *)&ss, len));
	CHECK_ERRNO(quic_sendmsg(fd, "x", 1, 0, MSG_STREAM_NEW), ENOTCONN);
	close(fd);

	p = quic_pair(AF_INET);
	/* One of ours not opened yet, without MSG_STREAM_NEW. */
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 4, 0), EINVAL);
	/* The peer's streams it has not opened, even with MSG_STREAM_NEW. */
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 1, 0), EINVAL);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 1, MSG_STREAM_NEW), EINVAL);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 3, MSG_STREAM_NEW), EINVAL);

	/* The peer's unidirectional stream, open (not ended): read-only. */
	send_str(p.server, 3, "uni", MSG_STREAM_NEW);
	n = quic_recvmsg(p.client, buf, sizeof(buf), &sid, &flags);
	CHECK(n == 3 && sid == 3 && !(flags & MSG_STREAM_FIN));
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 3, 0), EINVAL);
	info = (struct quic_errinfo){ .stream_id = 3, .errcode = 1 };
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_STREAM_RESET,
			       &info, sizeof(info)), EINVAL);
	send_all(p.server, 3, "", 0, MSG_STREAM_FIN);
	CHECK(read_stream(p.client, 3, buf, sizeof(buf)) == 0);

	/* Our unidirectional stream has no receiving side to stop. */
	CHECK(open_stream(p.client, MSG_STREAM_UNI) == 2);
	info = (struct quic_errinfo){ .stream_id = 2, .errcode = 1 };
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC,
			       QUIC_SOCKOPT_STREAM_STOP_SENDING,
			       &info, sizeof(info)), EINVAL);

	/* Streams that do not exist. */
	info = (struct quic_errinfo){ .stream_id = 8, .errcode = 1 };
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_STREAM_RESET,
			       &info, sizeof(info)), EINVAL);
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC,
			       QUIC_SOCKOPT_STREAM_STOP_SENDING,
			       &info, sizeof(info)), EINVAL);

	/* After our FIN. */
	send_str(p.client, 0, "end", MSG_STREAM_NEW | MSG_STREAM_FIN);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 0, 0), EPIPE);
	CHECK(read_stream(p.server, 0, buf, sizeof(buf)) == 3);

	/* After both ends are over (and the stream forgotten): still EPIPE. */
	send_str(p.server, 0, "bye", MSG_STREAM_FIN);
	CHECK(read_stream(p.client, 0, buf, sizeof(buf)) == 3);
	usleep(300 * 1000);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 0, 0), EPIPE);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 0, MSG_STREAM_NEW), EPIPE);
}

/* ---- 6. RESET_STREAM ---- */

TEST(reset_stream)
{
	struct quic_errinfo reset = { .stream_id = 0, .errcode = 77 };
	struct pair p = quic_pair(AF_INET);
	unsigned char *data = malloc(RESET_SIZE), *buf = malloc(RECV_BUF);
	bool got_event = false;
	struct quic_stream_update u;
	uint64_t finalsz = 0;
	size_t got = 0;
	struct prng r;
	int rounds = 0;

	CHECK(data && buf);
	prng_seed(&r, 0x6);
	prng_fill(&r, data, RESET_SIZE);
	enable_event(p.server, QUIC_EVENT_STREAM_UPDATE);
	enable_event(p.client, QUIC_EVENT_STREAM_UPDATE);

	/* More than the stream's window: some is unsent at the reset. */
	send_all(p.client, 0, data, RESET_SIZE, MSG_STREAM_NEW);
	CHECK_OK(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_STREAM_RESET,
			    &reset, sizeof(reset)));
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 0, 0), EPIPE);

	/*
	 * The server reads a prefix of the data, then the RESET_RECVD event:
	 * the reset is told by the event alone, no read fails for it.
	 */
	while (!got_event) {
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n;

		CHECK(++rounds < 10000);
		n = quic_recvmsg(p.server, buf, RECV_BUF, &sid, &flags);
		if (n < 0)
			FAIL("read after %zu bytes: %s", got, strerror(errno));
		if (flags & MSG_NOTIFICATION) {
			u = stream_update(buf, n);
			if (u.state != QUIC_STREAM_RECV_STATE_RESET_RECVD)
				continue;
			CHECK(u.id == 0);
			CHECK(u.errcode == 77);
			CHECK(u.finalsz <= RESET_SIZE);
			finalsz = u.finalsz;
			got_event = true;
			continue;
		}
		CHECK(sid == 0 && n > 0 && !(flags & MSG_STREAM_FIN));
		CHECK(got + n <= RESET_SIZE && !memcmp(buf, data + got, n));
		got += n;
	}
	CHECK(got <= finalsz);
	/* Once: nothing more to read. */
	CHECK_ERRNO(recv(p.server, buf, RECV_BUF, MSG_DONTWAIT), EAGAIN);

	/* The client hears that its RESET_STREAM was acknowledged. */
	u = wait_stream_update(p.client, QUIC_STREAM_SEND_STATE_RESET_RECVD);
	CHECK(u.id == 0);
	CHECK_ERRNO(quic_sendmsg(p.client, "x", 1, 0, 0), EPIPE);
	free(data);
	free(buf);
}

/* ---- 7. STOP_SENDING ---- */

TEST(stop_sending)
{
	struct quic_errinfo stop = { .stream_id = 0, .errcode = 99 };
	struct pair p = quic_pair(AF_INET);
	unsigned char *chunk = calloc(1, STOP_CHUNK), *buf = malloc(RECV_BUF);
	struct quic_stream_update u;
	uint32_t flags = 0;
	long deadline;
	int64_t sid;
	ssize_t n;
	int rounds;

	CHECK(chunk && buf);
	enable_event(p.client, QUIC_EVENT_STREAM_UPDATE);
	/* A blocked send gives up after 1 s; the loop below decides. */
	set_timeouts(p.client, 1000);
	send_all(p.client, 0, chunk, STOP_CHUNK, MSG_STREAM_NEW);

	/* The server has the stream, and asks the client to stop. */
	n = quic_recvmsg(p.server, buf, RECV_BUF, &sid, &flags);
	CHECK(n > 0 && sid == 0);
	/* The reset that answers is told by its event. */
	enable_event(p.server, QUIC_EVENT_STREAM_UPDATE);
	CHECK_OK(setsockopt(p.server, SOL_QUIC,
			    QUIC_SOCKOPT_STREAM_STOP_SENDING,
			    &stop, sizeof(stop)));

	/* The client writes on until the STOP_SENDING arrives. */
	deadline = now_ms() + 10000;
	for (;;) {
		n = quic_sendmsg(p.client, chunk, STOP_CHUNK, 0, 0);
		if (n < 0 && errno == ECONNRESET)
			break;
		if (n < 0 && errno != EAGAIN)
			FAIL("send on a stopped stream: %s, want ECONNRESET",
			     strerror(errno));
		if (now_ms() > deadline)
			FAIL("no ECONNRESET within 10 s of STOP_SENDING");
	}
	u = wait_stream_update(p.client, QUIC_STREAM_SEND_STATE_RESET_SENT);
	CHECK(u.id == 0);
	CHECK(u.errcode == 99);

	/* The client's RESET_STREAM reaches the server as the event. */
	for (rounds = 0;; rounds++) {
		CHECK(rounds < 10000);
		flags = 0;
		n = quic_recvmsg(p.server, buf, RECV_BUF, &sid, &flags);
		if (n < 0)
			FAIL("server read: %s", strerror(errno));
		if (flags & MSG_NOTIFICATION) {
			u = stream_update(buf, n);
			if (u.state != QUIC_STREAM_RECV_STATE_RESET_RECVD)
				continue;
			CHECK(u.id == 0 && u.errcode == 99);
			break;
		}
		CHECK(sid == 0 && n > 0 && !(flags & MSG_STREAM_FIN));
	}
	free(chunk);
	free(buf);
}

/* ---- 8. Datagrams ---- */

static void send_datagrams(int fd)
{
	unsigned char buf[DGRAM_LEN];
	int i, j;

	for (i = 0; i < DGRAM_COUNT; i++) {
		buf[0] = (unsigned char)i;
		for (j = 1; j < DGRAM_LEN; j++)
			buf[j] = (unsigned char)(i * 31 + j);
		CHECK(send(fd, buf, DGRAM_LEN, MSG_DATAGRAM) == DGRAM_LEN);
	}
}

/* At least DGRAM_MIN_ARRIVED of them, each whole, none twice. */
static void recv_datagrams(int fd)
{
	bool seen[DGRAM_COUNT] = { false };
	unsigned char buf[2048];
	int got = 0, i, j;

	/* A lost datagram is never sent again: wait 2 s at most. */
	set_timeouts(fd, 2000);
	while (got < DGRAM_COUNT) {
		uint32_t flags = 0;
		ssize_t n;

		n = quic_recvmsg(fd, buf, sizeof(buf), NULL, &flags);
		if (n < 0 && errno == EAGAIN)
			break;
		CHECK(n >= 0);
		CHECK(!(flags & MSG_NOTIFICATION));
		CHECK(flags & MSG_DATAGRAM);
		CHECK(flags & MSG_EOR);
		CHECK(n == DGRAM_LEN);
		/* Datagram i: i, then i * 31 + j. */
		i = buf[0];
		CHECK(i < DGRAM_COUNT && !seen[i]);
		for (j = 1; j < DGRAM_LEN; j++)
			CHECK(buf[j] == (unsigned char)(i * 31 + j));
		seen[i] = true;
		got++;
	}
	if (got < DGRAM_MIN_ARRIVED)
		FAIL("%d of %d datagrams arrived", got, DGRAM_COUNT);
	set_timeouts(fd, IO_TIMEOUT_MS);
}

TEST(datagrams)
{
	struct pair p = quic_pair_with(AF_INET, allow_datagrams,
				       allow_datagrams);
	static unsigned char big[2000];
	char buf[16];

	send_datagrams(p.client);
	recv_datagrams(p.server);
	send_datagrams(p.server);
	recv_datagrams(p.client);

	/* The frame (type, length, data) must fit (RFC 9221 section 3). */
	CHECK_ERRNO(send(p.client, big, sizeof(big), MSG_DATAGRAM), EMSGSIZE);
	CHECK_ERRNO(send(p.client, big, DGRAM_MAX, MSG_DATAGRAM), EMSGSIZE);

	/* Streams work alongside. */
	send_str(p.client, 0, "stream", MSG_STREAM_NEW | MSG_STREAM_FIN);
	CHECK(read_stream(p.server, 0, buf, sizeof(buf)) == 6);
}

/* The server did not announce max_datagram_frame_size. */
TEST(datagram_not_negotiated)
{
	struct pair p = quic_pair_with(AF_INET, allow_datagrams, NULL);
	unsigned char buf[DGRAM_LEN] = { 0 };

	CHECK_ERRNO(send(p.client, buf, sizeof(buf), MSG_DATAGRAM), EINVAL);
}

/* ---- 9. An epoll echo server with 50 clients ---- */

/*
 * One thread runs the server: a non-blocking listener and the connections
 * in one epoll set.  accept() hands each new socket to a thread of its own
 * for the (blocking) handshake, which then makes the socket non-blocking
 * and adds it to the set.  The loop echoes each client's stream back on
 * the same stream, FIN included, keeping what it could not send yet and
 * waiting for EPOLLOUT then.
 */
struct echo_server;

struct echo_conn {
	struct echo_server *server;
	int fd;
	pthread_t handshake;
	int64_t sid;		/* -1 until the first read */
	unsigned char buf[ECHO_SIZE + 1];
	size_t rx, tx;		/* bytes read, bytes echoed */
	bool fin_in, fin_out, want_out;
};

struct echo_server {
	int listener, epfd;
	int accepted, finished;
	struct echo_conn conns[ECHO_CLIENTS];
};

static void *echo_handshake(void *arg)
{
	struct echo_conn *c = arg;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int err;

	err = quic_server_handshake(c->fd, psk_file, NULL, NULL);
	if (err)
		FAIL("server handshake: %d (%s)", err, strerror(-err));
	set_nonblocking(c->fd, true);
	CHECK_OK(epoll_ctl(c->server->epfd, EPOLL_CTL_ADD, c->fd, &ev));
	return NULL;
}

static void echo_accept(struct echo_server *s)
{
	for (;;) {
		struct echo_conn *c;
		int fd;

		fd = accept(s->listener, NULL, NULL);
		if (fd < 0 && errno == EAGAIN)
			return;
		CHECK(fd >= 0);
		if (s->accepted == ECHO_CLIENTS)
			FAIL("more than %d connections", ECHO_CLIENTS);
		c = &s->conns[s->accepted++];
		c->server = s;
		c->fd = fd;
		c->sid = -1;
		CHECK(pthread_create(&c->handshake, NULL, echo_handshake,
				     c) == 0);
	}
}

static void echo_want_output(struct echo_conn *c, bool on)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (on ? EPOLLOUT : 0),
		.data.ptr = c,
	};

	if (c->want_out == on)
		return;
	CHECK_OK(epoll_ctl(c->server->epfd, EPOLL_CTL_MOD, c->fd, &ev));
	c->want_out = on;
}

static void echo_read(struct echo_conn *c)
{
	for (;;) {
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n;

		n = quic_recvmsg(c->fd, c->buf + c->rx, sizeof(c->buf) - c->rx,
				 &sid, &flags);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			FAIL("echo server read: %s", strerror(errno));
		if (c->fin_in || (!n && !(flags & MSG_STREAM_FIN)))
			FAIL("echo server: %zd bytes (flags 0x%x) after %zu",
			     n, flags, c->rx);
		if (c->sid < 0)
			c->sid = sid;
		if (sid != c->sid)
			FAIL("echo server: stream %lld, then %lld",
			     (long long)c->sid, (long long)sid);
		c->rx += n;
		if (c->rx > ECHO_SIZE)
			FAIL("echo server: more than %d bytes", ECHO_SIZE);
		if (flags & MSG_STREAM_FIN)
			c->fin_in = true;
	}
}

/* Send what was read and not echoed yet; the FIN goes with the last. */
static void echo_write(struct echo_conn *c)
{
	while (c->tx < c->rx || (c->fin_in && !c->fin_out)) {
		uint32_t flags = c->fin_in ? MSG_STREAM_FIN : 0;
		size_t len = c->rx - c->tx;
		ssize_t n;

		n = quic_sendmsg(c->fd, c->buf + c->tx, len, c->sid, flags);
		if (n < 0 && errno != EAGAIN)
			FAIL("echo server send: %s", strerror(errno));
		if (n > 0)
			c->tx += n;
		/* A short send did not take the FIN: try again later. */
		if (n < 0 || (size_t)n < len) {
			echo_want_output(c, true);
			return;
		}
		if (flags & MSG_STREAM_FIN) {
			c->fin_out = true;
			c->server->finished++;
			/* Done; the socket stays open until the test ends. */
			CHECK_OK(epoll_ctl(c->server->epfd, EPOLL_CTL_DEL,
					   c->fd, NULL));
			return;
		}
	}
	echo_want_output(c, false);
}

static void *echo_serve(void *arg)
{
	struct echo_server *s = arg;
	long deadline = now_ms() + ECHO_TIME_LIMIT * 1000L;
	struct epoll_event evs[16];
	int n, i;

	while (s->finished < ECHO_CLIENTS) {
		if (now_ms() > deadline)
			FAIL("echo server: %d accepted, %d done after %d s",
			     s->accepted, s->finished, ECHO_TIME_LIMIT);
		n = epoll_wait(s->epfd, evs, 16, 1000);
		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n >= 0);
		for (i = 0; i < n; i++) {
			struct echo_conn *c = evs[i].data.ptr;

			if (!c) {
				echo_accept(s);
				continue;
			}
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				FAIL("echo server: events 0x%x after %zu bytes",
				     evs[i].events, c->rx);
			if (evs[i].events & EPOLLIN)
				echo_read(c);
			echo_write(c);
		}
	}
	return NULL;
}

struct echo_client {
	int index;
	struct sockaddr_storage *addr;
	socklen_t addrlen;
	int fd;
};

static void *echo_client(void *arg)
{
	struct echo_client *ec = arg;
	unsigned char *data = malloc(ECHO_SIZE), *back = malloc(ECHO_SIZE);
	struct prng r;
	int err;

	CHECK(data && back);
	ec->fd = socket(ec->addr->ss_family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(ec->fd >= 0);
	set_timeouts(ec->fd, 60000);
	CHECK_OK(connect(ec->fd, (struct sockaddr *)ec->addr, ec->addrlen));
	err = quic_client_handshake(ec->fd, psk_file, NULL, NULL);
	if (err)
		FAIL("client %d handshake: %d (%s)", ec->index, err,
		     strerror(-err));

	prng_seed(&r, 0x9000 + ec->index);
	prng_fill(&r, data, ECHO_SIZE);
	send_all(ec->fd, 0, data, ECHO_SIZE, MSG_STREAM_NEW | MSG_STREAM_FIN);
	if (read_stream(ec->fd, 0, back, ECHO_SIZE) != ECHO_SIZE ||
	    memcmp(data, back, ECHO_SIZE))
		FAIL("client %d: the echo differs", ec->index);
	free(data);
	free(back);
	return NULL;
}

TEST(epoll_server_50_clients)
{
	struct echo_server *s = calloc(1, sizeof(*s));
	struct echo_client ec[ECHO_CLIENTS];
	pthread_t ct[ECHO_CLIENTS], st;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct sockaddr_storage ss;
	socklen_t len;
	int i;

	CHECK(s);
	s->listener = listen_loopback(AF_INET, &ss, &len, ECHO_CLIENTS, NULL);
	set_nonblocking(s->listener, true);
	s->epfd = epoll_create1(0);
	CHECK(s->epfd >= 0);
	CHECK_OK(epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listener, &ev));
	CHECK(pthread_create(&st, NULL, echo_serve, s) == 0);

	for (i = 0; i < ECHO_CLIENTS; i++) {
		ec[i] = (struct echo_client){ .index = i, .addr = &ss,
					      .addrlen = len, .fd = -1 };
		CHECK(pthread_create(&ct[i], NULL, echo_client, &ec[i]) == 0);
	}
	for (i = 0; i < ECHO_CLIENTS; i++)
		CHECK(pthread_join(ct[i], NULL) == 0);
	CHECK(pthread_join(st, NULL) == 0);
	CHECK(s->accepted == ECHO_CLIENTS && s->finished == ECHO_CLIENTS);
	for (i = 0; i < ECHO_CLIENTS; i++) {
		CHECK(pthread_join(s->conns[i].handshake, NULL) == 0);
		CHECK(s->conns[i].tx == ECHO_SIZE);
		close(s->conns[i].fd);
		close(ec[i].fd);
	}
	free(s);
}

/* ---- 10. Non-blocking calls, timeouts, poll() ---- */

TEST(nonblocking_and_timeouts)
{
	struct pair p = quic_pair(AF_INET);
	struct pollfd pfd = { .fd = p.client, .events = POLLIN | POLLOUT };
	char buf[64];
	long t0, ms;

	/* An idle connection has nothing to read. */
	CHECK_ERRNO(recv(p.client, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_ERRNO(recv(p.server, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	set_nonblocking(p.client, true);
	CHECK_ERRNO(read(p.client, buf, sizeof(buf)), EAGAIN);
	set_nonblocking(p.client, false);

	/* SO_RCVTIMEO ends a blocking read. */
	set_timeouts(p.client, 200);
	t0 = now_ms();
	CHECK_ERRNO(recv(p.client, buf, sizeof(buf), 0), EAGAIN);
	ms = now_ms() - t0;
	if (ms < 190 || ms > 2000)
		FAIL("SO_RCVTIMEO of 200 ms returned after %ld ms", ms);
	set_timeouts(p.client, IO_TIMEOUT_MS);

	/* A fresh connection: writable, nothing to read. */
	CHECK(poll(&pfd, 1, 1000) == 1);
	CHECK(pfd.revents & POLLOUT);
	CHECK(!(pfd.revents & (POLLIN | POLLERR | POLLHUP)));

	/* Readable once the peer sent, and no longer once it was read. */
	send_str(p.server, 1, "ping", MSG_STREAM_NEW | MSG_STREAM_FIN);
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1);
	CHECK(pfd.revents & POLLIN);
	CHECK(read_stream(p.client, 1, buf, sizeof(buf)) == 4);
	CHECK(!memcmp(buf, "ping", 4));
	CHECK(poll(&pfd, 1, 0) == 0);
}

/* ---- 11. Plain write(), send() and read() ---- */

TEST(send_recv_plain)
{
	static const char want[] = "first second third";
	struct pair p = quic_pair(AF_INET);
	struct small_stream s4[1] = { { .sid = 4 } };
	char buf[64];
	size_t len = 0;
	ssize_t n;

	/* Stream 0 is the most recently opened: write() and send() use it. */
	send_str(p.client, 0, "first ", MSG_STREAM_NEW);
	CHECK(write(p.client, "second ", 7) == 7);
	CHECK(send(p.client, "third", 5, MSG_STREAM_FIN) == 5);
	while (len < strlen(want)) {
		n = read(p.server, buf + len, sizeof(buf) - len);
		CHECK(n > 0);
		len += n;
	}
	CHECK(len == strlen(want) && !memcmp(buf, want, len));

	/* The server's most recent stream is the one the client opened. */
	CHECK(write(p.server, "reply", 5) == 5);
	CHECK(send(p.server, "!", 1, MSG_STREAM_FIN) == 1);
	CHECK(read_stream(p.client, 0, buf, sizeof(buf)) == 6);
	CHECK(!memcmp(buf, "reply!", 6));

	/* A newly opened stream takes over. */
	send_str(p.client, 4, "x", MSG_STREAM_NEW);
	CHECK(write(p.client, "y", 1) == 1);
	CHECK(send(p.client, "z", 1, MSG_STREAM_FIN) == 1);
	read_small_streams(p.server, s4, 1);
	CHECK(!strcmp(s4[0].data, "xyz"));
}

/*
 * A signal ends a blocked sendmsg() with what it queued so far, and a
 * blocked recvmsg() with EINTR.
 */
static void on_usr1(int sig)
{
	(void)sig;
}

static void *kick_after_1s(void *arg)
{
	usleep(1000 * 1000);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

TEST(signal_interrupts)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	size_t len = 16 * MiB;
	pthread_t self = pthread_self(), kicker;
	struct pair p = quic_pair(AF_INET);
	char *buf = calloc(1, len);
	char small[16];
	ssize_t n;

	CHECK(buf);
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	CHECK(pthread_create(&kicker, NULL, kick_after_1s, &self) == 0);
	n = quic_sendmsg(p.client, buf, len, 0, MSG_STREAM_NEW);
	CHECK(pthread_join(kicker, NULL) == 0);
	if (n <= 0 || (size_t)n >= len)
		FAIL("interrupted send returned %zd (%s), want a short count",
		     n, n < 0 ? strerror(errno) : "");

	CHECK(pthread_create(&kicker, NULL, kick_after_1s, &self) == 0);
	CHECK_ERRNO(recv(p.client, small, sizeof(small), 0), EINTR);
	CHECK(pthread_join(kicker, NULL) == 0);
	free(buf);
}

/* ---- Key update (RFC 9001 section 6) ---- */

#define KU_ROUNDS		4
#define KU_BULK_SIZE		(16 * MiB)
#define KU_BULK_EVERY		(1 * MiB)	/* an update asked for each */

static int key_update(int fd)
{
	return setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_KEY_UPDATE, NULL, 0);
}

/* Start an update on @fd, waiting (up to 5 s) while the last is not done. */
static void key_update_when_allowed(int fd)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!key_update(fd))
			return;
		if (errno != EAGAIN)
			FAIL("QUIC_SOCKOPT_KEY_UPDATE: %s", strerror(errno));
		usleep(10000);
	}
	FAIL("QUIC_SOCKOPT_KEY_UPDATE still EAGAIN after 5 s");
}

/* The next thing @fd reads is the event of key phase @phase. */
static void expect_key_update(int fd, uint8_t phase)
{
	unsigned char buf[64];
	uint32_t flags = 0;
	int64_t sid;
	ssize_t n;

	n = quic_recvmsg(fd, buf, sizeof(buf), &sid, &flags);
	if (n < 0)
		FAIL("waiting for the key update event: %s", strerror(errno));
	if (!(flags & MSG_NOTIFICATION) || n < 2 ||
	    buf[0] != QUIC_EVENT_KEY_UPDATE)
		FAIL("%zd bytes (flags 0x%x, first 0x%x) instead of the key update event",
		     n, flags, n > 0 ? buf[0] : 0);
	if (buf[1] != phase)
		FAIL("key update event of phase %u, want %u", buf[1], phase);
}

/*
 * Each end in turn starts an update: the other follows at the first packet
 * of the new phase, and both report it, before the bytes of that packet.
 * A second update before the first is done is refused.
 */
TEST(key_update_both_ways)
{
	char buf[64];
	struct pair p;
	int fd, i;

	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_ERRNO(key_update(fd), ENOTCONN);
	close(fd);

	p = quic_pair(AF_INET);
	CHECK_ERRNO(setsockopt(p.server, SOL_QUIC, QUIC_SOCKOPT_KEY_UPDATE,
			       buf, 4), EINVAL);
	enable_event(p.client, QUIC_EVENT_KEY_UPDATE);
	enable_event(p.server, QUIC_EVENT_KEY_UPDATE);

	for (i = 0; i < KU_ROUNDS; i++) {
		int from = i & 1 ? p.client : p.server;
		int to = i & 1 ? p.server : p.client;
		int64_t sid = i & 1 ? 4 * i : 4 * i + 1;
		uint8_t phase = (i + 1) & 1;

		key_update_when_allowed(from);
		CHECK_ERRNO(key_update(from), EAGAIN);
		send_str(from, sid, "new keys", MSG_STREAM_NEW | MSG_STREAM_FIN);
		expect_key_update(to, phase);
		CHECK(read_stream(to, sid, buf, sizeof(buf)) == 8);
		CHECK(!memcmp(buf, "new keys", 8));
		send_str(to, sid, "answer", MSG_STREAM_FIN);
		expect_key_update(from, phase);
		CHECK(read_stream(from, sid, buf, sizeof(buf)) == 6);
	}
	close(p.client);
	close(p.server);
	close(p.listener);
}

struct ku_writer {
	int fd;
	unsigned char sent[DIGEST_LEN];
	int updates;		/* that the socket took */
	bool ask_none;		/* leave the updates to the module */
};

static void *ku_write(void *arg)
{
	struct ku_writer *w = arg;
	unsigned char *buf = malloc(BULK_ONE_CHUNK);
	uint64_t done = 0, next = KU_BULK_EVERY;
	uint32_t flags = MSG_STREAM_NEW;
	gnutls_hash_hd_t h;
	struct prng r;

	CHECK(buf);
	prng_seed(&r, 0x4b55);
	sha_init(&h);
	while (done < KU_BULK_SIZE) {
		prng_fill(&r, buf, BULK_ONE_CHUNK);
		sha_update(h, buf, BULK_ONE_CHUNK);
		done += BULK_ONE_CHUNK;
		if (done == KU_BULK_SIZE)
			flags |= MSG_STREAM_FIN;
		send_all(w->fd, 0, buf, BULK_ONE_CHUNK, flags);
		flags = 0;
		if (done >= next && !w->ask_none) {
			next += KU_BULK_EVERY;
			if (!key_update(w->fd))
				w->updates++;
			else if (errno != EAGAIN)
				FAIL("QUIC_SOCKOPT_KEY_UPDATE: %s",
				     strerror(errno));
		}
	}
	gnutls_hash_deinit(h, w->sent);
	free(buf);
	return NULL;
}

/* Updates while data flows: nothing is lost or corrupted on the way. */
TEST(key_update_during_bulk)
{
	unsigned char digest[DIGEST_LEN];
	struct ku_writer w = { 0 };
	pthread_t thread;
	struct pair p;

	time_limit(BULK_TIME_LIMIT);
	p = quic_pair(AF_INET);
	w.fd = p.client;
	/* The first needs the handshake confirmed (HANDSHAKE_DONE) only. */
	key_update_when_allowed(p.client);
	w.updates = 1;
	CHECK(pthread_create(&thread, NULL, ku_write, &w) == 0);
	CHECK(read_stream_hashed(p.server, 0, digest) == KU_BULK_SIZE);
	CHECK(pthread_join(thread, NULL) == 0);
	CHECK(!memcmp(digest, w.sent, DIGEST_LEN));
	printf("# %s: %d key updates in %d MiB\n", test_name, w.updates,
	       KU_BULK_SIZE / MiB);
	if (w.updates < 3)
		FAIL("only %d key updates were taken", w.updates);
}

/*
 * RFC 9001 section 6.6: the send keys are updated, unasked, before their
 * AEAD's confidentiality limit.  The module's testing knob lowers it to
 * 4000 packets: 16 MiB take three times as many, and each end updates
 * from 3500 on (the receiver's acknowledgments count too).  The writer
 * hears of each update as an event.
 */
TEST(key_update_at_aead_limit)
{
	unsigned char digest[DIGEST_LEN], buf[64];
	struct ku_writer w = { .ask_none = true };
	int events = 0;
	pthread_t thread;
	uint32_t flags;
	struct pair p;
	int64_t sid;

	time_limit(BULK_TIME_LIMIT);
	set_aead_limit(4000);
	p = quic_pair(AF_INET);
	enable_event(p.client, QUIC_EVENT_KEY_UPDATE);
	w.fd = p.client;
	CHECK(pthread_create(&thread, NULL, ku_write, &w) == 0);
	CHECK(read_stream_hashed(p.server, 0, digest) == KU_BULK_SIZE);
	CHECK(pthread_join(thread, NULL) == 0);
	set_aead_limit(0);
	CHECK(!memcmp(digest, w.sent, DIGEST_LEN));
	for (;;) {
		flags = MSG_DONTWAIT;
		if (quic_recvmsg(p.client, buf, sizeof(buf), &sid, &flags) < 0)
			break;
		if ((flags & MSG_NOTIFICATION) && buf[0] == QUIC_EVENT_KEY_UPDATE)
			events++;
	}
	CHECK(errno == EAGAIN);
	printf("# %d key updates in %d MiB, none asked for\n", events,
	       KU_BULK_SIZE / MiB);
	if (events < 2)
		FAIL("%d key updates, want 2 or more", events);
	close(p.client);
	close(p.server);
	close(p.listener);
}

int main(void)
{
	/* EPIPE must come back as an error, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (make_psk_file()) {
		printf("FAIL: %s: cannot write %s: %s\n", TEST_SUITE,
		       psk_file, strerror(errno));
		return 1;
	}

	RUN(small_message_each_way_v4);
	RUN(small_message_each_way_v6);
	RUN(appendix_a);
	RUN(bulk_one_stream_client_to_server);
	RUN(bulk_one_stream_server_to_client_v6);
	RUN(bulk_100_streams_client_to_server);
	RUN(bulk_100_streams_server_to_client);
	RUN(slow_reader);
	RUN(stream_open_ids);
	RUN(stream_limit_bidi);
	RUN(stream_limit_uni);
	RUN(stream_errors);
	RUN(reset_stream);
	RUN(stop_sending);
	RUN(datagrams);
	RUN(datagram_not_negotiated);
	RUN(epoll_server_50_clients);
	RUN(nonblocking_and_timeouts);
	RUN(send_recv_plain);
	RUN(signal_interrupts);
	RUN(key_update_both_ways);
	RUN(key_update_during_bulk);
	RUN(key_update_at_aead_limit);

	unlink(psk_file);
	rmdir(psk_dir);
	return test_done();
}
