// SPDX-License-Identifier: GPL-2.0
/*
 * Programs written from draft-lxin-quic-socket-apis, the way users write
 * them: accept() with an address, a dual-stack server on "::", stream
 * selection by stream_id -1 and by send() flags (section 4.3.1), option
 * structs zeroed with one field set (section 6), read loops that pass back
 * the flags they were given, one stream reset among others, a peer that
 * opens stream 400 first, and the Appendix B session helpers.
 *
 * Each connection is a real handshake through libquic (PSK unless a test
 * says certificate) over loopback.  What needs a raw peer on the wire is in
 * compat_raw.c, under the same suite name.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <netinet/quic.h>

#define TEST_SUITE "compat"
#define TEST_TIMEOUT 300
#include "../lib/test.h"

#define IO_TIMEOUT_MS	20000
#define BULK_SIZE	(16 * 1024 * 1024)
#define BULK_CHUNK	(64 * 1024)
#define SPARSE_FIRST	400	/* the stream the peer opens first */
#define SPARSE_MORE	20	/* and how many after it, one at a time */

static char dir[] = "/tmp/quic-compat-XXXXXX";
static char ca_file[128], key_file[128], cert_file[128];
static char psk_file[128], pskc_file[128];

static void make_keys(void)
{
	char cmd[300];

	if (!mkdtemp(dir))
		exit(1);
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, dir);
	if (system(cmd))
		exit(1);
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
	snprintf(key_file, sizeof(key_file), "%s/server.key", dir);
	snprintf(cert_file, sizeof(cert_file), "%s/server.pem", dir);
	snprintf(psk_file, sizeof(psk_file), "%s/psk.txt", dir);
	snprintf(pskc_file, sizeof(pskc_file), "%s/psk-client.txt", dir);
	setenv("QUIC_CA_FILE", ca_file, 1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_timeouts(int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

/* ---- Addresses ---- */

static socklen_t sockaddr_of(const char *ip, int port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	CHECK(inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	return sizeof(*s6);
}

static int port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ?
		     ((const struct sockaddr_in *)ss)->sin_port :
		     ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* "a.b.c.d:port" or "[v6]:port". */
static const char *addr_str(const struct sockaddr_storage *ss, char *buf,
			    size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			  ip, sizeof(ip));
		snprintf(buf, size, "%s:%d", ip, port_of(ss));
	} else {
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)ss)->sin6_addr, ip,
			  sizeof(ip));
		snprintf(buf, size, "[%s]:%d", ip, port_of(ss));
	}
	return buf;
}

/* @got must name @want (and be @want's size): address and port. */
static void same_addr(const char *what, const struct sockaddr_storage *got,
		      socklen_t got_len, const struct sockaddr_storage *want)
{
	char a[80], b[80];
	bool same = got->ss_family == want->ss_family;

	if (same && got->ss_family == AF_INET)
		same = got_len == sizeof(struct sockaddr_in) &&
		       !memcmp(&((const struct sockaddr_in *)got)->sin_addr,
			       &((const struct sockaddr_in *)want)->sin_addr,
			       4);
	else if (same)
		same = got_len == sizeof(struct sockaddr_in6) &&
		       !memcmp(&((const struct sockaddr_in6 *)got)->sin6_addr,
			       &((const struct sockaddr_in6 *)want)->sin6_addr,
			       16);
	if (!same || port_of(got) != port_of(want))
		FAIL("%s: %s (%u bytes), want %s", what,
		     addr_str(got, a, sizeof(a)), got_len,
		     addr_str(want, b, sizeof(b)));
}

/* The same IPv4 address, as an AF_INET6 socket names it (v4-mapped). */
static void v4mapped(const struct sockaddr_storage *v4,
		     struct sockaddr_storage *v6)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)v4;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)v6;

	memset(v6, 0, sizeof(*v6));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = s4->sin_port;
	s6->sin6_addr.s6_addr[10] = 0xff;
	s6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
}

/* And back: what an AF_INET socket names a v4-mapped address as. */
static void v4unmapped(const struct sockaddr_storage *v6,
		       struct sockaddr_storage *v4)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)v6;
	struct sockaddr_in *s4 = (struct sockaddr_in *)v4;

	CHECK(IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr));
	memset(v4, 0, sizeof(*v4));
	s4->sin_family = AF_INET;
	s4->sin_port = s6->sin6_port;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
}

/* ---- Listeners and connections ---- */

/* Runs on a listener before listen(); accepted sockets inherit it. */
typedef void (*sock_setup)(int fd);

/*
 * A listener bound to @ip (port 0: the kernel picks one); *@ss gets where
 * clients reach it.  @v6only: IPV6_V6ONLY for an AF_INET6 one, -1 leaves
 * the default (off, on Linux).
 */
static int listener(const char *ip, int v6only, sock_setup setup,
		    struct sockaddr_storage *ss)
{
	socklen_t len = sockaddr_of(ip, 0, ss);
	int fd = socket(ss->ss_family, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	if (v6only >= 0)
		CHECK_OK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
				    sizeof(v6only)));
	CHECK_OK(bind(fd, (struct sockaddr *)ss, len));
	CHECK_OK(getsockname(fd, (struct sockaddr *)ss, &len));
	set_timeouts(fd, IO_TIMEOUT_MS);
	if (setup)
		setup(fd);
	CHECK_OK(listen(fd, 4));
	return fd;
}

/* The ALPN list servers offer (none unless a test sets it). */
static const char *server_alpn;

/* The server end of one connection, made in a thread. */
struct server {
	int lfd;
	bool cert;			/* certificate, else PSK */
	int fd;
	int err;			/* -errno, or the handshake's */
	struct sockaddr_storage peer;	/* from accept() */
	socklen_t peer_len;
	struct sockaddr_storage peer2;	/* getpeername() right after */
	socklen_t peer2_len;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	/* As the draft's Appendix A server does: the address too. */
	s->peer_len = sizeof(s->peer);
	s->fd = accept(s->lfd, (struct sockaddr *)&s->peer, &s->peer_len);
	if (s->fd < 0) {
		s->err = -errno;
		return NULL;
	}
	s->peer2_len = sizeof(s->peer2);
	if (getpeername(s->fd, (struct sockaddr *)&s->peer2, &s->peer2_len)) {
		s->err = -errno;
		return NULL;
	}
	set_timeouts(s->fd, IO_TIMEOUT_MS);
	s->err = s->cert ?
		 quic_server_handshake(s->fd, key_file, cert_file, server_alpn) :
		 quic_server_handshake(s->fd, psk_file, NULL, server_alpn);
	return NULL;
}

static void server_start(struct server *s, int lfd, bool cert)
{
	memset(s, 0, sizeof(*s));
	s->lfd = lfd;
	s->cert = cert;
	s->fd = -1;
	CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static int server_wait(struct server *s)
{
	CHECK(pthread_join(s->thread, NULL) == 0);
	if (s->err)
		FAIL("server: accept or handshake: %d (%s)", s->err,
		     strerror(-s->err));
	return s->fd;
}

/* A client socket of @family connected to @ip and @ss's port. */
static int client_connect(int family, const char *ip,
			  const struct sockaddr_storage *ss,
			  struct sockaddr_storage *to)
{
	socklen_t len = sockaddr_of(ip, port_of(ss), to);
	int fd = socket(family, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	set_timeouts(fd, IO_TIMEOUT_MS);
	CHECK_OK(connect(fd, (struct sockaddr *)to, len));
	return fd;
}

static void client_handshake(int fd, bool cert)
{
	int err = cert ? quic_client_handshake(fd, NULL, "localhost", NULL) :
			 quic_client_handshake(fd, pskc_file, NULL, NULL);

	if (err)
		FAIL("client handshake: %d (%s)", err, strerror(-err));
}

struct pair {
	int client, server, lfd;
};

/* A connection over IPv4 loopback; @setup runs on the listener. */
static struct pair pair_with(sock_setup setup)
{
	struct sockaddr_storage ss, to;
	struct server s;
	struct pair p;

	p.lfd = listener("127.0.0.1", -1, setup, &ss);
	server_start(&s, p.lfd, false);
	p.client = client_connect(AF_INET, "127.0.0.1", &ss, &to);
	if (setup)
		setup(p.client);
	client_handshake(p.client, false);
	p.server = server_wait(&s);
	return p;
}

static struct pair pair(void)
{
	return pair_with(NULL);
}

/* ---- Reading ---- */

/* What one recvmsg() gave: stream data, or an event. */
struct msg {
	ssize_t n;
	int64_t sid;
	uint32_t flags;
	char data[256];
};

static struct msg read_msg(int fd)
{
	struct msg m = { 0 };

	m.n = quic_recvmsg(fd, m.data, sizeof(m.data) - 1, &m.sid, &m.flags);
	if (m.n < 0)
		FAIL("quic_recvmsg: %s", strerror(errno));
	return m;
}

/* Streams read to their FIN: what each carried, by stream ID. */
struct got {
	int64_t sid[8];
	char data[8][64];
	bool fin[8];
	int n;
};

static int got_index(struct got *g, int64_t sid)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->sid[i] == sid)
			return i;
	CHECK(g->n < 8);
	g->sid[g->n] = sid;
	g->data[g->n][0] = '\0';
	return g->n++;
}

/* Read until @fins streams have ended; events fail the test. */
static void read_streams(int fd, struct got *g, int fins)
{
	memset(g, 0, sizeof(*g));
	while (fins) {
		struct msg m = read_msg(fd);
		int i;

		if (m.flags & MSG_NOTIFICATION)
			FAIL("an event while reading streams");
		i = got_index(g, m.sid);
		if (g->fin[i])
			FAIL("data on stream %lld after its FIN",
			     (long long)m.sid);
		m.data[m.n] = '\0';
		CHECK(strlen(g->data[i]) + m.n < sizeof(g->data[i]));
		strcat(g->data[i], m.data);
		if (m.flags & MSG_STREAM_FIN) {
			g->fin[i] = true;
			fins--;
		} else if (!m.n) {
			FAIL("the connection ended with %d streams open", fins);
		}
	}
}

/* Stream @sid ended, carrying @want. */
static void expect_stream(struct got *g, int64_t sid, const char *want)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->sid[i] == sid)
			break;
	if (i == g->n)
		FAIL("nothing on stream %lld (want \"%s\")", (long long)sid,
		     want);
	if (strcmp(g->data[i], want))
		FAIL("stream %lld carried \"%s\", want \"%s\"",
		     (long long)sid, g->data[i], want);
}

static void send_ok(int fd, const char *s, int64_t sid, uint32_t flags)
{
	ssize_t n = quic_sendmsg(fd, s, strlen(s), sid, flags);

	if (n != (ssize_t)strlen(s))
		FAIL("quic_sendmsg(\"%s\", stream %lld, flags 0x%x): %zd (%s)",
		     s, (long long)sid, flags, n, strerror(errno));
}

/* ---- Section 3.1.4 and 3.1.11: accept() with an address ---- */

/*
 * A server that calls accept() with an address, and getpeername() right
 * after: both name the client as the client's getsockname() does (an IPv4
 * client of a listener on "::" as a v4-mapped address).  The client's
 * getpeername() names the server right after connect().
 */
static void accept_addr(const char *lip, int cfamily, const char *cip)
{
	struct sockaddr_storage ss, to, local, peer, want;
	socklen_t len;
	struct server s;
	int lfd, fd, sfd;

	lfd = listener(lip, -1, NULL, &ss);
	server_start(&s, lfd, false);
	fd = client_connect(cfamily, cip, &ss, &to);
	len = sizeof(peer);
	CHECK_OK(getpeername(fd, (struct sockaddr *)&peer, &len));
	same_addr("client getpeername() after connect()", &peer, len, &to);
	len = sizeof(local);
	CHECK_OK(getsockname(fd, (struct sockaddr *)&local, &len));
	client_handshake(fd, false);
	sfd = server_wait(&s);

	want = local;
	if (ss.ss_family == AF_INET6 && local.ss_family == AF_INET)
		v4mapped(&local, &want);
	if (ss.ss_family == AF_INET && local.ss_family == AF_INET6)
		v4unmapped(&local, &want);
	same_addr("accept() address", &s.peer, s.peer_len, &want);
	same_addr("server getpeername() after accept()", &s.peer2,
		  s.peer2_len, &want);
	/* And the same once established. */
	len = sizeof(peer);
	CHECK_OK(getpeername(sfd, (struct sockaddr *)&peer, &len));
	same_addr("server getpeername() established", &peer, len, &want);
	/* A listener has no peer. */
	CHECK_ERRNO(getpeername(lfd, (struct sockaddr *)&peer, &len),
		    ENOTCONN);

	send_ok(fd, "ping", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	{
		struct got g;

		read_streams(sfd, &g, 1);
		expect_stream(&g, 0, "ping");
	}
}

TEST(accept_addr_v4)
{
	accept_addr("127.0.0.1", AF_INET, "127.0.0.1");
}

TEST(accept_addr_v6)
{
	accept_addr("::1", AF_INET6, "::1");
}

TEST(accept_addr_dual_stack_v4_client)
{
	accept_addr("::", AF_INET, "127.0.0.1");
}

TEST(accept_addr_dual_stack_v6_client)
{
	accept_addr("::", AF_INET6, "::1");
}

/* An AF_INET6 client of an IPv4 server, by its v4-mapped address. */
TEST(v4mapped_client)
{
	accept_addr("127.0.0.1", AF_INET6, "::ffff:127.0.0.1");
}

/* getpeername() before connect(): ENOTCONN, as for TCP. */
TEST(getpeername_unconnected)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	CHECK_ERRNO(getpeername(fd, (struct sockaddr *)&ss, &len), ENOTCONN);
}

/*
 * Section 3.1.3: a zero backlog disables listening.  A blocked accept()
 * wakes with EINVAL; a later listen() with a backlog serves again.
 */
static void *accept_blocked(void *arg)
{
	int fd = *(int *)arg;

	return (void *)(long)(accept(fd, NULL, NULL) < 0 ? errno : 0);
}

TEST(listen_zero_disables)
{
	struct sockaddr_storage ss, to;
	struct server s;
	pthread_t thread;
	int lfd, fd, sfd;
	void *ret;

	lfd = listener("127.0.0.1", -1, NULL, &ss);
	CHECK(pthread_create(&thread, NULL, accept_blocked, &lfd) == 0);
	usleep(200000);
	CHECK_OK(listen(lfd, 0));
	CHECK(pthread_join(thread, &ret) == 0);
	CHECK((long)ret == EINVAL);
	CHECK_ERRNO(accept(lfd, NULL, NULL), EINVAL);

	CHECK_OK(listen(lfd, 4));
	server_start(&s, lfd, false);
	fd = client_connect(AF_INET, "127.0.0.1", &ss, &to);
	client_handshake(fd, false);
	sfd = server_wait(&s);
	send_ok(fd, "again", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	{
		struct got g;

		read_streams(sfd, &g, 1);
		expect_stream(&g, 0, "again");
	}
}

/* ---- A dual-stack server: 16 MiB each way over both families ---- */

struct bulk {
	int fd;
	uint64_t seed;
	int err;
	pthread_t thread;
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fill_chunk(uint64_t *x, unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = xorshift(x);

		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

/*
 * BULK_SIZE bytes on a new stream: the first send() opens it with
 * MSG_STREAM_NEW, the rest go to the latest stream (stream_id -1), the
 * last with MSG_STREAM_FIN.
 */
static void *bulk_send(void *arg)
{
	struct bulk *b = arg;
	unsigned char *buf = malloc(BULK_CHUNK);
	uint64_t x = b->seed;
	size_t sent;

	if (!buf) {
		b->err = ENOMEM;
		return NULL;
	}
	for (sent = 0; sent < BULK_SIZE; sent += BULK_CHUNK) {
		uint32_t flags = sent ? 0 : MSG_STREAM_NEW;

		if (sent + BULK_CHUNK == BULK_SIZE)
			flags |= MSG_STREAM_FIN;
		fill_chunk(&x, buf, BULK_CHUNK);
		if (send(b->fd, buf, BULK_CHUNK, flags) != BULK_CHUNK) {
			b->err = errno;
			break;
		}
	}
	free(buf);
	return NULL;
}

/* Read a bulk stream to its FIN, comparing every byte. */
static void bulk_check(int fd, uint64_t seed, const char *what)
{
	unsigned char *buf = malloc(BULK_CHUNK), *want = malloc(BULK_CHUNK);
	uint64_t x = seed, got = 0, have = 0;
	int64_t sid = -1;

	CHECK(buf && want);
	for (;;) {
		uint32_t flags = 0;
		int64_t s;
		ssize_t n = quic_recvmsg(fd, buf, BULK_CHUNK, &s, &flags);
		ssize_t i;

		if (n < 0)
			FAIL("%s: read after %llu bytes: %s", what,
			     (unsigned long long)got, strerror(errno));
		if (flags & MSG_NOTIFICATION)
			FAIL("%s: an event", what);
		if (sid == -1)
			sid = s;
		CHECK(s == sid);
		for (i = 0; i < n; i++, got++) {
			if (got == have) {
				CHECK(got < BULK_SIZE);
				fill_chunk(&x, want, BULK_CHUNK);
				have += BULK_CHUNK;
			}
			if (buf[i] != want[got % BULK_CHUNK])
				FAIL("%s: byte %llu differs", what,
				     (unsigned long long)got);
		}
		if (flags & MSG_STREAM_FIN)
			break;
		if (!n)
			FAIL("%s: ended after %llu bytes", what,
			     (unsigned long long)got);
	}
	CHECK(got == BULK_SIZE);
	free(buf);
	free(want);
}

/* 16 MiB each way at once, checked, then close. */
static void bulk_both_ways(int client, int server, const char *what)
{
	struct bulk up = { .fd = client, .seed = 0x1234567 };
	struct bulk down = { .fd = server, .seed = 0x7654321 };
	char name[64];

	CHECK(pthread_create(&up.thread, NULL, bulk_send, &up) == 0);
	CHECK(pthread_create(&down.thread, NULL, bulk_send, &down) == 0);
	snprintf(name, sizeof(name), "%s upload", what);
	bulk_check(server, up.seed, name);
	snprintf(name, sizeof(name), "%s download", what);
	bulk_check(client, down.seed, name);
	CHECK(pthread_join(up.thread, NULL) == 0);
	CHECK(pthread_join(down.thread, NULL) == 0);
	if (up.err || down.err)
		FAIL("%s: send: %s", what, strerror(up.err ?: down.err));
	CHECK_OK(close(client));
	CHECK_OK(close(server));
}

static void dual_stack(bool cert)
{
	struct sockaddr_storage ss, to;
	struct server s;
	int lfd, fd, sfd;

	lfd = listener("::", -1, NULL, &ss);

	server_start(&s, lfd, cert);
	fd = client_connect(AF_INET, "127.0.0.1", &ss, &to);
	client_handshake(fd, cert);
	sfd = server_wait(&s);
	CHECK(s.peer.ss_family == AF_INET6);
	bulk_both_ways(fd, sfd, "IPv4 client");

	server_start(&s, lfd, cert);
	fd = client_connect(AF_INET6, "::1", &ss, &to);
	client_handshake(fd, cert);
	sfd = server_wait(&s);
	bulk_both_ways(fd, sfd, "IPv6 client");
	CHECK_OK(close(lfd));
}

TEST(dual_stack_certificate)
{
	dual_stack(true);
}

TEST(dual_stack_psk)
{
	dual_stack(false);
}

/*
 * With IPV6_V6ONLY the listener takes no IPv4: the host answers the
 * client's Initial with port unreachable, and the client's handshake fails
 * with ECONNREFUSED at once, not at the end of its timeout.
 */
TEST(v6only_refuses_ipv4_quickly)
{
	struct sockaddr_storage ss, to;
	long t0, ms;
	int lfd, fd, err;

	lfd = listener("::", 1, NULL, &ss);
	fd = client_connect(AF_INET, "127.0.0.1", &ss, &to);
	t0 = now_ms();
	err = quic_client_handshake(fd, pskc_file, NULL, NULL);
	ms = now_ms() - t0;
	if (err != -ECONNREFUSED)
		FAIL("client handshake: %d (%s) after %ld ms, want ECONNREFUSED",
		     err, strerror(-err), ms);
	/* The handshake timeout is 30 s: this is the ICMP answer. */
	if (ms > 10000)
		FAIL("refused after %ld ms", ms);
	/* The error was told once; after it, as after TCP's: EPIPE. */
	CHECK_ERRNO(send(fd, "x", 1, MSG_STREAM_NEW), EPIPE);
	close(lfd);
}

/* ---- Section 4.3.1: which stream a send goes on ---- */

/* stream_id -1 with MSG_STREAM_NEW: the next bidirectional stream. */
TEST(send_minus1_new_opens_next_bidi)
{
	struct pair p = pair();
	struct got g;

	send_ok(p.client, "a", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	send_ok(p.client, "b", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	send_ok(p.client, "c", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	read_streams(p.server, &g, 3);
	expect_stream(&g, 0, "a");
	expect_stream(&g, 4, "b");
	expect_stream(&g, 8, "c");
	/* The server's own: 1, 5. */
	send_ok(p.server, "x", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	send_ok(p.server, "y", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	read_streams(p.client, &g, 2);
	expect_stream(&g, 1, "x");
	expect_stream(&g, 5, "y");
}

/* With MSG_STREAM_UNI as well: the next unidirectional stream. */
TEST(send_minus1_new_uni_opens_next_uni)
{
	struct pair p = pair();
	struct got g;

	send_ok(p.client, "a", -1,
		MSG_STREAM_NEW | MSG_STREAM_UNI | MSG_STREAM_FIN);
	send_ok(p.client, "b", -1,
		MSG_STREAM_NEW | MSG_STREAM_UNI | MSG_STREAM_FIN);
	send_ok(p.client, "c", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	read_streams(p.server, &g, 3);
	expect_stream(&g, 2, "a");
	expect_stream(&g, 6, "b");
	expect_stream(&g, 0, "c");
}

/* stream_id -1 without MSG_STREAM_NEW: the latest stream opened. */
TEST(send_minus1_uses_latest)
{
	struct pair p = pair();
	struct got g;

	send_ok(p.client, "x", -1, MSG_STREAM_NEW);
	send_ok(p.client, "y", -1, MSG_STREAM_NEW);
	send_ok(p.client, "z", -1, 0);
	send_ok(p.client, "!", -1, MSG_STREAM_FIN);
	send_ok(p.client, "w", 0, MSG_STREAM_FIN);
	read_streams(p.server, &g, 2);
	expect_stream(&g, 0, "xw");
	expect_stream(&g, 4, "yz!");
	/* The latest is over now: EPIPE, as after a FIN. */
	CHECK_ERRNO(quic_sendmsg(p.client, "v", 1, -1, 0), EPIPE);
}

/*
 * Section 3.1.9: send() and write() without a cmsg, the stream flags in
 * send()'s flags: the same rules.
 */
TEST(send_flags_without_cmsg)
{
	struct pair p = pair();
	struct got g;

	CHECK(send(p.client, "a", 1, MSG_STREAM_NEW) == 1);
	CHECK(send(p.client, "b", 1, MSG_STREAM_NEW) == 1);
	CHECK(send(p.client, "c", 1, MSG_STREAM_NEW | MSG_STREAM_UNI) == 1);
	CHECK(write(p.client, "d", 1) == 1);
	CHECK(send(p.client, "e", 1, MSG_STREAM_FIN) == 1);
	send_ok(p.client, "", 0, MSG_STREAM_FIN);
	send_ok(p.client, "", 4, MSG_STREAM_FIN);
	read_streams(p.server, &g, 3);
	expect_stream(&g, 0, "a");
	expect_stream(&g, 4, "b");
	expect_stream(&g, 2, "cde");
}

/* Section 3.2.1: stream flags the draft does not define are refused. */
TEST(send_unknown_stream_flag)
{
	struct quic_stream_info info = { .stream_id = -1,
					 .stream_flags = MSG_STREAM_NEW | 0x1 };
	char ctl[CMSG_SPACE(sizeof(info))] = { 0 };
	struct iovec iov = { "x", 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct pair p = pair();

	cmsg->cmsg_level = SOL_QUIC;
	cmsg->cmsg_type = QUIC_STREAM_INFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	CHECK_ERRNO(sendmsg(p.client, &msg, 0), EINVAL);
	info.stream_flags = MSG_STREAM_NEW | MSG_STREAM_FIN;
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	CHECK(sendmsg(p.client, &msg, 0) == 1);
}

/* No stream opened on either side: nothing to send on. */
TEST(send_without_stream)
{
	struct pair p = pair();

	CHECK_ERRNO(send(p.client, "a", 1, 0), EINVAL);
	CHECK_ERRNO(write(p.client, "a", 1), EINVAL);
	CHECK_ERRNO(quic_sendmsg(p.client, "a", 1, -1, 0), EINVAL);
}

/*
 * MSG_STREAM_NEW names a stream to open: on one that already carried data
 * it is a program error (EINVAL, nothing appended); on one opened with
 * QUIC_SOCKOPT_STREAM_OPEN and not yet used it is the first data.
 */
TEST(send_new_on_started_stream)
{
	struct quic_stream_info info = { .stream_id = 4 };
	socklen_t len = sizeof(info);
	struct pair p = pair();
	struct got g;

	send_ok(p.client, "a", 0, MSG_STREAM_NEW);
	CHECK_ERRNO(quic_sendmsg(p.client, "X", 1, 0, MSG_STREAM_NEW), EINVAL);
	CHECK_OK(getsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_STREAM_OPEN,
			    &info, &len));
	CHECK(info.stream_id == 4);
	send_ok(p.client, "c", 4, MSG_STREAM_NEW | MSG_STREAM_FIN);
	send_ok(p.client, "d", 0, MSG_STREAM_FIN);
	read_streams(p.server, &g, 2);
	expect_stream(&g, 0, "ad");
	expect_stream(&g, 4, "c");
}

/*
 * The latest stream is the latest this end opened: a stream the peer
 * opens since does not take its place.
 */
TEST(send_latest_after_peer_opened)
{
	struct pair p = pair();
	struct got g;

	send_ok(p.client, "a", -1, MSG_STREAM_NEW);
	/* The server opens 1 and 3 (bidirectional, unidirectional). */
	send_ok(p.server, "s", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	send_ok(p.server, "u", -1,
		MSG_STREAM_NEW | MSG_STREAM_UNI | MSG_STREAM_FIN);
	read_streams(p.client, &g, 2);
	expect_stream(&g, 1, "s");
	expect_stream(&g, 3, "u");
	/* send() still goes on the client's stream 0. */
	CHECK(send(p.client, "b", 1, MSG_STREAM_FIN) == 1);
	read_streams(p.server, &g, 1);
	expect_stream(&g, 0, "ab");
}

/* ---- Section 6.1.2 and 6.1.3: a zeroed struct, one field set ---- */

static struct quic_transport_param get_param(int fd, int remote)
{
	struct quic_transport_param tp = { .remote = (uint8_t)remote };
	socklen_t len = sizeof(tp);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	CHECK(len == sizeof(tp));
	return tp;
}

static void set_param(int fd, const struct quic_transport_param *tp)
{
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, tp,
			    sizeof(*tp)));
}

TEST(transport_param_one_field)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	struct quic_transport_param def, want, tp, got;

	CHECK(fd >= 0);
	def = get_param(fd, 0);

	/* One field, the rest 0: only that field changes. */
	memset(&tp, 0, sizeof(tp));
	tp.max_streams_uni = 5;
	set_param(fd, &tp);
	want = def;
	want.max_streams_uni = 5;
	got = get_param(fd, 0);
	CHECK(!memcmp(&got, &want, sizeof(got)));

	/* A second call with another field keeps the first. */
	memset(&tp, 0, sizeof(tp));
	tp.max_datagram_frame_size = 1200;
	tp.grease_quic_bit = 1;
	set_param(fd, &tp);
	want.max_datagram_frame_size = 1200;
	want.grease_quic_bit = 1;
	got = get_param(fd, 0);
	CHECK(!memcmp(&got, &want, sizeof(got)));

	/* QUIC_OPT_ZERO sets a field to 0. */
	memset(&tp, 0, sizeof(tp));
	tp.max_idle_timeout = QUIC_OPT_ZERO;
	tp.max_datagram_frame_size = QUIC_OPT_ZERO;
	tp.grease_quic_bit = QUIC_OPT_ZERO;
	set_param(fd, &tp);
	want.max_idle_timeout = 0;
	want.max_datagram_frame_size = 0;
	want.grease_quic_bit = 0;
	got = get_param(fd, 0);
	CHECK(!memcmp(&got, &want, sizeof(got)));

	/* The remote side, the same way, and apart. */
	def = get_param(fd, 1);
	memset(&tp, 0, sizeof(tp));
	tp.remote = 1;
	tp.max_data = 123456;
	set_param(fd, &tp);
	want = def;
	want.max_data = 123456;
	got = get_param(fd, 1);
	CHECK(!memcmp(&got, &want, sizeof(got)));
	CHECK(get_param(fd, 0).max_data != 123456);

	/* Still checked: a value out of range is refused. */
	memset(&tp, 0, sizeof(tp));
	tp.max_udp_payload_size = 1000;
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			       &tp, sizeof(tp)), EINVAL);
}

static struct quic_config get_config(int fd)
{
	struct quic_config c;
	socklen_t len = sizeof(c);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, &len));
	CHECK(len == sizeof(c));
	return c;
}

static void set_config(int fd, const struct quic_config *c)
{
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, c,
			    sizeof(*c)));
}

TEST(config_one_field)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	struct quic_config c, want, got;

	CHECK(fd >= 0);
	want = get_config(fd);
	memset(&c, 0, sizeof(c));
	c.congestion_control_algo = QUIC_CONG_ALG_CUBIC;
	set_config(fd, &c);
	memset(&c, 0, sizeof(c));
	c.plpmtud_probe_interval = 10000000;
	set_config(fd, &c);
	want.congestion_control_algo = QUIC_CONG_ALG_CUBIC;
	want.plpmtud_probe_interval = 10000000;
	got = get_config(fd);
	CHECK(!memcmp(&got, &want, sizeof(got)));

	/* Back to NewReno, whose value is 0. */
	memset(&c, 0, sizeof(c));
	c.congestion_control_algo = QUIC_OPT_ZERO;
	set_config(fd, &c);
	want.congestion_control_algo = QUIC_CONG_ALG_RENO;
	got = get_config(fd);
	CHECK(!memcmp(&got, &want, sizeof(got)));
}

/* A pair whose connection sets one transport parameter, as a user does. */
static void allow_datagrams(int fd)
{
	struct quic_transport_param tp;

	memset(&tp, 0, sizeof(tp));
	tp.max_datagram_frame_size = 1200;
	set_param(fd, &tp);
}

/* ---- Section 6.1.5: the CONNECTION_CLOSE option's layout ---- */

TEST(connection_close_option_layout)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	char buf[600] = { 0 };
	struct quic_connection_close *cc = (void *)buf;
	socklen_t len = sizeof(buf);
	size_t hdr = offsetof(struct quic_connection_close, phrase);

	CHECK(fd >= 0);
	/* The fixed part is the struct's size, not offsetof(phrase). */
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			       buf, hdr), EINVAL);
	/* The phrase must end with a NUL inside the value. */
	memcpy(cc->phrase, "abc", 3);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			       buf, sizeof(*cc)), EINVAL);
	/* At most 256 bytes of phrase. */
	memset(cc->phrase, 'p', 257);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			       buf, sizeof(*cc) + 258), EINVAL);
	memset(buf, 0, sizeof(buf));
	cc->errcode = 3;
	cc->frame = 0x1c;
	strcpy((char *)cc->phrase, "going away");
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    sizeof(*cc) + strlen("going away") + 1));
	memset(buf, 0xee, sizeof(buf));
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    &len));
	CHECK(len == hdr + strlen("going away") + 1);
	CHECK(cc->errcode == 3 && cc->frame == 0x1c);
	CHECK(!strcmp((char *)cc->phrase, "going away"));
	/* Too small a buffer for it: EINVAL. */
	len = hdr + 3;
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			       buf, &len), EINVAL);
	/* A zeroed struct alone: no phrase, and reads back as one. */
	memset(buf, 0, sizeof(buf));
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    sizeof(*cc)));
	len = sizeof(buf);
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    &len));
	CHECK(len == sizeof(*cc) && cc->phrase[0] == '\0');
}

/* The peer reads the phrase as the closing side set it. */
TEST(connection_close_phrase_reaches_peer)
{
	struct quic_event_option ev = { QUIC_EVENT_CONNECTION_CLOSE, 1 };
	char buf[128] = { 0 }, evbuf[128];
	struct quic_connection_close *cc = (void *)buf;
	struct iovec iov = { evbuf, sizeof(evbuf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	socklen_t len = sizeof(buf);
	struct pair p = pair();
	ssize_t n;

	CHECK_OK(setsockopt(p.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	cc->errcode = 0x99;
	strcpy((char *)cc->phrase, "maintenance");
	CHECK_OK(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, sizeof(*cc) + strlen("maintenance") + 1));
	CHECK_OK(close(p.client));
	/* The event: the type byte, then the option's layout. */
	n = recvmsg(p.server, &msg, 0);
	CHECK(n == (ssize_t)(1 + offsetof(struct quic_connection_close,
					  phrase) + strlen("maintenance") + 1));
	CHECK(msg.msg_flags & MSG_NOTIFICATION);
	CHECK(evbuf[0] == QUIC_EVENT_CONNECTION_CLOSE);
	cc = (void *)(evbuf + 1);
	CHECK(!strcmp((char *)cc->phrase, "maintenance"));
	memset(buf, 0, sizeof(buf));
	CHECK_OK(getsockopt(p.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, &len));
	cc = (void *)buf;
	CHECK(cc->errcode == 0x99);
	CHECK(len == offsetof(struct quic_connection_close, phrase) +
		     strlen("maintenance") + 1);
	CHECK(!strcmp((char *)cc->phrase, "maintenance"));
}

/* ---- Section 4.1: a read loop that passes its flags back ---- */

static void enable_event(int fd, uint8_t type)
{
	struct quic_event_option ev = { .type = type, .on = 1 };

	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
}

/*
 * recvmsg() called with what the last call returned in msg_flags
 * (MSG_EOR, MSG_STREAM_FIN, MSG_DATAGRAM, MSG_NOTIFICATION), and
 * quic_recvmsg() with its flags variable never reset: every read works.
 */
TEST(recv_flags_reused)
{
	struct pair p = pair_with(allow_datagrams);
	uint32_t seen = 0, flags = 0;
	int fins = 0, dgrams = 0, i;
	char buf[64];

	enable_event(p.server, QUIC_EVENT_STREAM_UPDATE);
	send_ok(p.client, "hello", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	CHECK(send(p.client, "dgram", 5, MSG_DATAGRAM) == 5);
	send_ok(p.client, "world", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	CHECK(send(p.client, "dgram", 5, MSG_DATAGRAM) == 5);
	send_ok(p.client, "again", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);

	/* Raw recvmsg(): msg_flags of one call is the next call's flags. */
	for (i = 0; fins < 2; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		CHECK(i < 100);
		n = recvmsg(p.server, &msg, (int)flags);
		if (n < 0)
			FAIL("recvmsg with flags 0x%x from the last call: %s",
			     flags, strerror(errno));
		flags = msg.msg_flags;
		seen |= flags;
		if (flags & MSG_DATAGRAM)
			dgrams++;
		else if (flags & MSG_STREAM_FIN)
			fins++;
	}
	CHECK(seen & MSG_EOR);
	CHECK(seen & MSG_STREAM_FIN);
	CHECK(seen & MSG_NOTIFICATION);

	/* quic_recvmsg(), its flags variable passed back as it came. */
	for (i = 0; fins < 3 || dgrams < 2; i++) {
		int64_t sid;
		ssize_t n;

		CHECK(i < 100);
		n = quic_recvmsg(p.server, buf, sizeof(buf), &sid, &flags);
		if (n < 0)
			FAIL("quic_recvmsg with flags 0x%x from the last call: %s",
			     flags, strerror(errno));
		if (flags & MSG_DATAGRAM)
			dgrams++;
		else if ((flags & MSG_STREAM_FIN) &&
			 !(flags & MSG_NOTIFICATION))
			fins++;
	}
	/* Input flags that are no output of recvmsg() are still refused. */
	CHECK_ERRNO(recv(p.server, buf, sizeof(buf), MSG_OOB), EOPNOTSUPP);
}

/* ---- Section 5.1.1: one stream reset among others ---- */

/*
 * A peer's RESET_STREAM on stream 0 is told by its RESET_RECVD event; the
 * reads of stream 4 go on as before, and no read fails.
 */
TEST(reset_one_of_two_streams)
{
	struct quic_errinfo reset = { .stream_id = 0, .errcode = 9 };
	struct pair p = pair();
	bool reset_seen = false, fin4 = false;
	char data4[64] = "";
	char big[4096];
	int i;

	memset(big, 'x', sizeof(big));
	enable_event(p.server, QUIC_EVENT_STREAM_UPDATE);
	CHECK(quic_sendmsg(p.client, big, sizeof(big), 0, MSG_STREAM_NEW) ==
	      sizeof(big));
	send_ok(p.client, "abc", 4, MSG_STREAM_NEW);
	CHECK_OK(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_STREAM_RESET,
			    &reset, sizeof(reset)));
	send_ok(p.client, "def", 4, MSG_STREAM_FIN);

	for (i = 0; !reset_seen || !fin4; i++) {
		struct msg m;

		CHECK(i < 1000);
		m = read_msg(p.server);
		if (m.flags & MSG_NOTIFICATION) {
			struct quic_stream_update u;

			CHECK(m.n == 1 + sizeof(u) &&
			      m.data[0] == QUIC_EVENT_STREAM_UPDATE);
			memcpy(&u, m.data + 1, sizeof(u));
			if (u.state != QUIC_STREAM_RECV_STATE_RESET_RECVD)
				continue;
			CHECK(u.id == 0 && u.errcode == 9 && !reset_seen);
			CHECK(u.finalsz <= sizeof(big));
			reset_seen = true;
			continue;
		}
		if (m.sid == 0) {
			CHECK(!reset_seen && !(m.flags & MSG_STREAM_FIN));
			continue;
		}
		CHECK(m.sid == 4 && !fin4);
		m.data[m.n] = '\0';
		strcat(data4, m.data);
		fin4 = m.flags & MSG_STREAM_FIN;
	}
	CHECK(!strcmp(data4, "abcdef"));
	/* Stream 0 is over: nothing of it is left to read. */
	CHECK_ERRNO(recv(p.server, big, sizeof(big), MSG_DONTWAIT), EAGAIN);
}

/* ---- Section 3.1.7: shutdown() ---- */

/* The next STREAM_UPDATE event with @state on @fd (others are skipped). */
static void wait_update(int fd, uint32_t state)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct quic_stream_update u;
		struct msg m = read_msg(fd);

		if (!(m.flags & MSG_NOTIFICATION))
			FAIL("data while waiting for stream state %u", state);
		CHECK(m.n == 1 + sizeof(u));
		memcpy(&u, m.data + 1, sizeof(u));
		if (u.state == state)
			return;
	}
	FAIL("no stream state %u", state);
}

/*
 * SHUT_RD: what comes is discarded quietly, and so is what waits; reads
 * return 0.  The peer is not held: 1 MiB, four times the stream window,
 * goes through and is acknowledged whole.
 */
TEST(shutdown_rd_discards)
{
	struct pair p = pair_with(allow_datagrams);
	char *big = calloc(1, 1 << 20), buf[64];

	CHECK(big);
	enable_event(p.client, QUIC_EVENT_STREAM_UPDATE);
	send_ok(p.client, "waiting", -1, MSG_STREAM_NEW);
	CHECK(send(p.client, "d", 1, MSG_DATAGRAM) == 1);
	usleep(200000);
	CHECK_OK(shutdown(p.server, SHUT_RD));
	CHECK(recv(p.server, buf, sizeof(buf), MSG_DONTWAIT) == 0);

	CHECK(quic_sendmsg(p.client, big, 1 << 20, 0, MSG_STREAM_FIN) ==
	      1 << 20);
	CHECK(send(p.client, "d", 1, MSG_DATAGRAM) == 1);
	wait_update(p.client, QUIC_STREAM_SEND_STATE_RECVD);
	CHECK(recv(p.server, buf, sizeof(buf), MSG_DONTWAIT) == 0);
	{
		struct quic_event_option ev = { QUIC_EVENT_STREAM_UPDATE, 0 };

		CHECK_OK(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_EVENT,
				    &ev, sizeof(ev)));
	}
	/* Sending still works. */
	send_ok(p.server, "still here", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	{
		struct got g;

		read_streams(p.client, &g, 1);
		expect_stream(&g, 1, "still here");
	}
	free(big);
}

/* SHUT_RD on a listener: connection requests are dropped quietly. */
TEST(shutdown_rd_listener)
{
	struct quic_transport_param tp;
	struct sockaddr_storage ss, to;
	struct pollfd pfd;
	int lfd, fd, err;

	lfd = listener("127.0.0.1", -1, NULL, &ss);
	CHECK_OK(shutdown(lfd, SHUT_RD));
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	/* The handshake gives up after 1 s. */
	memset(&tp, 0, sizeof(tp));
	tp.max_idle_timeout = 1000000;
	set_param(fd, &tp);
	sockaddr_of("127.0.0.1", port_of(&ss), &to);
	CHECK_OK(connect(fd, (struct sockaddr *)&to,
			 sizeof(struct sockaddr_in)));
	err = quic_client_handshake(fd, pskc_file, NULL, NULL);
	CHECK(err == -ETIMEDOUT);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 0);
	CHECK_ERRNO(accept(lfd, NULL, NULL), EINVAL);
}

struct blocked {
	int fd;
	bool send;
	long ret;
	int err;
};

static void *block_in_call(void *arg)
{
	struct blocked *b = arg;
	static char buf[1 << 20];

	if (b->send)
		b->ret = quic_sendmsg(b->fd, buf, sizeof(buf), -1,
				      MSG_STREAM_NEW);
	else
		b->ret = recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	return NULL;
}

/*
 * SHUT_RDWR unblocks a recvmsg() and a sendmsg() waiting in other
 * threads (accept() is handshake_raw's): the read returns 0, the write
 * what it queued, or fails.
 */
TEST(shutdown_rdwr_unblocks)
{
	struct pair p = pair();
	struct blocked r = { .fd = p.client }, w = { .fd = p.client,
						      .send = true };
	int sndbuf = 64 * 1024;
	pthread_t rt, wt;
	long t0;

	set_timeouts(p.client, 60000);
	/* The server reads nothing and sends nothing: the client's read
	 * waits, and its write once the stream window and the small send
	 * buffer are full.
	 */
	CHECK_OK(setsockopt(p.client, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			    sizeof(sndbuf)));
	CHECK(pthread_create(&rt, NULL, block_in_call, &r) == 0);
	CHECK(pthread_create(&wt, NULL, block_in_call, &w) == 0);
	usleep(1000000);
	t0 = now_ms();
	CHECK_OK(shutdown(p.client, SHUT_RDWR));
	CHECK(pthread_join(rt, NULL) == 0);
	CHECK(pthread_join(wt, NULL) == 0);
	CHECK(now_ms() - t0 < 10000);
	CHECK(r.ret == 0);
	if (w.ret == (long)(1 << 20))
		FAIL("the write was not blocked: all of it was queued");
}

/* ---- RFC 9000 section 4.6: a peer that opens stream 400 first ---- */

static void allow_101_bidi(int fd)
{
	struct quic_transport_param tp;

	memset(&tp, 0, sizeof(tp));
	tp.max_streams_bidi = SPARSE_FIRST / 4 + 1;
	set_param(fd, &tp);
}

/* Answer each stream that ends with "r" and a FIN. */
static void *sparse_server(void *arg)
{
	int fd = *(int *)arg, answered = 0;

	while (answered < SPARSE_MORE + 1) {
		char buf[16];
		uint32_t flags = 0;
		int64_t sid;
		ssize_t n = quic_recvmsg(fd, buf, sizeof(buf), &sid, &flags);

		if (n < 0)
			return (void *)(long)errno;
		if (!(flags & MSG_STREAM_FIN))
			continue;
		if (quic_sendmsg(fd, "r", 1, sid, MSG_STREAM_FIN) != 1)
			return (void *)(long)errno;
		answered++;
	}
	return NULL;
}

/*
 * Stream 400 first opens 0 to 396 with it (RFC 9000 section 3.2), and
 * those never end; each stream that does end must make room for the next
 * at once.  The client opens the next with stream_id -1 and
 * MSG_STREAM_NEW, blocking until the server allows it.
 */
TEST(peer_opens_stream_400_first)
{
	struct pair p = pair_with(allow_101_bidi);
	pthread_t thread;
	void *ret;
	int i;

	CHECK(pthread_create(&thread, NULL, sparse_server, &p.server) == 0);
	send_ok(p.client, "q", SPARSE_FIRST, MSG_STREAM_NEW | MSG_STREAM_FIN);
	for (i = 0; i <= SPARSE_MORE; i++) {
		struct got g;

		read_streams(p.client, &g, 1);
		expect_stream(&g, SPARSE_FIRST + 4 * i, "r");
		if (i == SPARSE_MORE)
			break;
		send_ok(p.client, "q", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	}
	CHECK(pthread_join(thread, &ret) == 0);
	if (ret)
		FAIL("server: %s", strerror((int)(long)ret));
}

/* ---- libquic/examples/echo, the way a user runs it ---- */

/* A free UDP port on "::" (both families), for a program to bind. */
static int free_port(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), port;

	CHECK(fd >= 0);
	CHECK_OK(bind(fd, (struct sockaddr *)&sa, len));
	CHECK_OK(getsockname(fd, (struct sockaddr *)&sa, &len));
	port = ntohs(sa.sin6_port);
	close(fd);
	return port;
}

/* Whether something is bound to UDP [::]:@port yet. */
static bool port_taken(int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	bool taken;

	CHECK(fd >= 0);
	taken = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		errno == EADDRINUSE;
	close(fd);
	return taken;
}

/*
 * The echo example's server on "::" (dual-stack, accept() with the
 * address, a read loop that reuses its flags), one client of @ip: the
 * client exits 0 and the server names it as @want_peer.
 */
static void echo_example(const char *ip, const char *want_peer)
{
	char cmd[512], out[512] = "";
	int port = free_port(), i, status;
	FILE *server;
	size_t n;

	snprintf(cmd, sizeof(cmd), "%s/echo server --psk %s :: %d",
		 H3_BIN, psk_file, port);
	server = popen(cmd, "r");
	CHECK(server);
	for (i = 0; i < 100 && !port_taken(port); i++)
		usleep(50000);
	CHECK(port_taken(port));
	snprintf(cmd, sizeof(cmd), "%s/echo client --psk %s %s %d",
		 H3_BIN, pskc_file, ip, port);
	status = system(cmd);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("%s: status 0x%x", cmd, status);
	n = fread(out, 1, sizeof(out) - 1, server);
	out[n] = '\0';
	status = pclose(server);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("echo server: status 0x%x, said \"%s\"", status, out);
	if (!strstr(out, want_peer))
		FAIL("echo server said \"%s\", want the client %s", out,
		     want_peer);
}

TEST(echo_example_dual_stack)
{
	echo_example("127.0.0.1", "from ::ffff:127.0.0.1 ");
	echo_example("::1", "from ::1 ");
}

/* ---- Appendix B: the session helpers ---- */

/*
 * A client with its own GnuTLS session, as the draft's Appendix B builds
 * it: quic_session_set_alpn() offers two protocols, quic_handshake() runs
 * it, quic_session_get_alpn() tells the one chosen.  Session tickets are
 * not there yet: quic_session_get_data() says so with EOPNOTSUPP.
 */
TEST(appendix_b_helpers)
{
	gnutls_certificate_credentials_t cred;
	struct sockaddr_storage ss, to;
	char alpn[64], kalpn[64] = { 0 };
	socklen_t klen = sizeof(kalpn);
	gnutls_session_t session;
	size_t len = sizeof(alpn);
	unsigned char ticket[512];
	struct server s;
	int lfd, fd, sfd, err;

	lfd = listener("127.0.0.1", -1, NULL, &ss);
	server_alpn = "smb";
	server_start(&s, lfd, true);
	fd = client_connect(AF_INET, "127.0.0.1", &ss, &to);

	CHECK(!gnutls_certificate_allocate_credentials(&cred));
	CHECK(gnutls_certificate_set_x509_trust_file(cred, ca_file,
						     GNUTLS_X509_FMT_PEM) > 0);
	CHECK(!gnutls_init(&session, GNUTLS_CLIENT |
			   GNUTLS_NO_END_OF_EARLY_DATA));
	CHECK(!gnutls_priority_set_direct(session, QUIC_PRIORITY, NULL));
	CHECK(!gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred));
	gnutls_session_set_verify_cert(session, "localhost", 0);
	gnutls_transport_set_int(session, fd);

	err = quic_session_set_alpn(session, "h3, smb", strlen("h3, smb"));
	if (err)
		FAIL("quic_session_set_alpn: %d", err);
	err = quic_handshake(session);
	if (err)
		FAIL("quic_handshake: %d (%s)", err, strerror(-err));
	sfd = server_wait(&s);

	err = quic_session_get_alpn(session, alpn, &len);
	if (err)
		FAIL("quic_session_get_alpn: %d", err);
	CHECK(len == 3 && !memcmp(alpn, "smb", 3));
	/* The kernel socket was told the same. */
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, kalpn, &klen));
	CHECK(klen == 3 && !memcmp(kalpn, "smb", 3));

	len = sizeof(ticket);
	CHECK(quic_session_get_data(session, ticket, &len) == -EOPNOTSUPP);
	CHECK(quic_session_set_data(session, ticket, 0) == -EINVAL);

	send_ok(fd, "hi", -1, MSG_STREAM_NEW | MSG_STREAM_FIN);
	{
		struct got g;

		read_streams(sfd, &g, 1);
		expect_stream(&g, 0, "hi");
	}
	gnutls_deinit(session);
	gnutls_certificate_free_credentials(cred);
}

int main(void)
{
	make_keys();

	RUN(accept_addr_v4);
	RUN(accept_addr_v6);
	RUN(accept_addr_dual_stack_v4_client);
	RUN(accept_addr_dual_stack_v6_client);
	RUN(v4mapped_client);
	RUN(getpeername_unconnected);
	RUN(listen_zero_disables);
	RUN(dual_stack_certificate);
	RUN(dual_stack_psk);
	RUN(v6only_refuses_ipv4_quickly);

	RUN(send_minus1_new_opens_next_bidi);
	RUN(send_minus1_new_uni_opens_next_uni);
	RUN(send_minus1_uses_latest);
	RUN(send_flags_without_cmsg);
	RUN(send_without_stream);
	RUN(send_unknown_stream_flag);
	RUN(send_new_on_started_stream);
	RUN(send_latest_after_peer_opened);

	RUN(transport_param_one_field);
	RUN(config_one_field);
	RUN(connection_close_option_layout);
	RUN(connection_close_phrase_reaches_peer);

	RUN(recv_flags_reused);
	RUN(reset_one_of_two_streams);
	RUN(shutdown_rd_discards);
	RUN(shutdown_rd_listener);
	RUN(shutdown_rdwr_unblocks);
	RUN(peer_opens_stream_400_first);
	RUN(appendix_b_helpers);
	RUN(echo_example_dual_stack);
	return test_done();
}
