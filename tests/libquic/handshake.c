// SPDX-License-Identifier: GPL-2.0
/*
 * libquic's handshake against a fake kernel, on the host.
 *
 * libquic's sources are linked in with -Wl,--wrap=sendmsg,--wrap=recvmsg,
 * --wrap=setsockopt,--wrap=getsockopt.  On the descriptors a test makes,
 * the wrappers act as the handshake contract says the kernel does (CRYPTO
 * data with a QUIC_HANDSHAKE_INFO cmsg; CRYPTO_SECRET, TRANSPORT_PARAM_EXT,
 * ALPN, CONFIG and CONNECTION_CLOSE), over an AF_UNIX SOCK_SEQPACKET pair,
 * and record what libquic asked of them.  A client and a server run in two
 * threads and really handshake with each other, so what each side
 * installs can be compared with the other.
 *
 * The key material comes from tests/vm/certs.sh (CERTS_SH).
 */

#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "internal.h"

#define TEST_SUITE "libquic_handshake"
#include "../lib/test.h"

#ifndef CERTS_SH
#define CERTS_SH "tests/vm/certs.sh"
#endif

ssize_t __real_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __real_recvmsg(int fd, struct msghdr *msg, int flags);
int __real_setsockopt(int fd, int level, int name, const void *val,
		      socklen_t len);
int __real_getsockopt(int fd, int level, int name, void *val,
		      socklen_t *len);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags);
int __wrap_setsockopt(int fd, int level, int name, const void *val,
		      socklen_t len);
int __wrap_getsockopt(int fd, int level, int name, void *val,
		      socklen_t *len);

/* ---- The fake kernel ---- */

#define MAX_FD		64
#define MAX_SECRETS	16
#define MAX_DATA	70000

struct secret_rec {
	struct quic_crypto_secret s;
	int seq;
};

struct fake {
	bool used;
	/* What the "kernel" is set up with. */
	struct quic_config config;
	char alpn[256];
	unsigned int alpn_len;
	const char *tp;			/* TRANSPORT_PARAM_EXT content */
	bool tp_reject;			/* setting it fails with EINVAL */
	size_t chunk;			/* most bytes one handshake read gives */
	int timeout_ms;			/* the handshake timer */

	/* What libquic did; seq orders the events. */
	int seq;
	struct secret_rec secrets[MAX_SECRETS];
	int nsecrets;
	char peer_tp[1024];
	unsigned int peer_tp_len;
	char alpn_out[256];
	unsigned int alpn_out_len;
	int alpn_seq;
	int last_crypto_seq;
	bool closed;
	uint32_t close_code;
	uint8_t close_frame;
	char close_phrase[256];
	int send_flags;			/* the flags sendmsg() got */
	bool send_cmsg;			/* ... and whether a stream cmsg */
	int recv_flags;			/* the flags recvmsg() got */
	int ticket_mode;		/* QUIC_SOCKOPT_SESSION_TICKET: below */
	int ticket_asked;		/* ... how many times it was read */

	/* A handshake packet handed out in pieces. */
	uint8_t pending[MAX_DATA];
	size_t pending_len, pending_off;
	uint8_t pending_level;
};

/*
 * What getsockopt(QUIC_SOCKOPT_SESSION_TICKET) answers.  The kernel has no
 * session tickets yet and fails it with EOPNOTSUPP; the other two play
 * one that has: no ticket arrived yet (empty), or the NewSessionTicket
 * the peer sent (its next handshake message).
 */
enum { TICKET_UNSUPPORTED, TICKET_EMPTY, TICKET_FROM_PEER };

static struct fake fakes[MAX_FD];

/* What crosses the socket pair: a header, then the payload. */
struct wire {
	char kind;		/* 'H'andshake, 'S'tream, 'D'atagram */
	uint8_t level;
	uint32_t flags;
	int64_t sid;
};

static struct fake *fake_of(int fd)
{
	return fd >= 0 && fd < MAX_FD && fakes[fd].used ? &fakes[fd] : NULL;
}

static void fake_init(int fd, const char *tp)
{
	struct fake *f;

	CHECK(fd < MAX_FD);
	f = &fakes[fd];
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->tp = tp;
	f->chunk = MAX_DATA;
	f->timeout_ms = 10000;
}

static struct cmsghdr *quic_cmsg(const struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c))
		if (c->cmsg_level == SOL_QUIC)
			return c;
	return NULL;
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct fake *f = fake_of(fd);
	struct cmsghdr *c;
	struct wire w = { .kind = 'D', .flags = flags };
	uint8_t *pkt;
	size_t len = 0, i;

	if (!f)
		return __real_sendmsg(fd, msg, flags);

	pkt = malloc(sizeof(w) + MAX_DATA);
	CHECK(pkt);
	for (i = 0; i < (size_t)msg->msg_iovlen; i++) {
		CHECK(len + msg->msg_iov[i].iov_len <= MAX_DATA);
		memcpy(pkt + sizeof(w) + len, msg->msg_iov[i].iov_base,
		       msg->msg_iov[i].iov_len);
		len += msg->msg_iov[i].iov_len;
	}

	c = quic_cmsg(msg);
	f->send_flags = flags;
	f->send_cmsg = false;
	if (c && c->cmsg_type == QUIC_HANDSHAKE_INFO) {
		struct quic_handshake_info info;

		CHECK(c->cmsg_len == CMSG_LEN(sizeof(info)));
		memcpy(&info, CMSG_DATA(c), sizeof(info));
		CHECK(info.crypto_level < QUIC_CRYPTO_MAX);
		w.kind = 'H';
		w.level = info.crypto_level;
		f->last_crypto_seq = ++f->seq;
	} else if (c && c->cmsg_type == QUIC_STREAM_INFO) {
		struct quic_stream_info info;

		CHECK(c->cmsg_len == CMSG_LEN(sizeof(info)));
		memcpy(&info, CMSG_DATA(c), sizeof(info));
		w.kind = 'S';
		w.sid = info.stream_id;
		w.flags = info.stream_flags;
		f->send_cmsg = true;
	}

	memcpy(pkt, &w, sizeof(w));
	if (send(fd, pkt, sizeof(w) + len, MSG_NOSIGNAL) < 0) {
		free(pkt);
		errno = ECONNREFUSED;	/* the peer closed */
		return -1;
	}
	free(pkt);
	return len;
}

static void put_cmsg(struct msghdr *msg, int type, const void *data,
		     size_t len)
{
	struct cmsghdr *c;

	if (msg->msg_controllen < CMSG_SPACE(len)) {
		msg->msg_controllen = 0;
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_QUIC;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	msg->msg_controllen = CMSG_SPACE(len);
}

/* Wait for the next packet as the kernel's handshake timer would. */
static ssize_t next_packet(struct fake *f, int fd, uint8_t *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	n = poll(&pfd, 1, f->timeout_ms);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	n = recv(fd, buf, size, 0);
	if (n == 0) {
		errno = ECONNREFUSED;
		return -1;
	}
	return n;
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct fake *f = fake_of(fd);
	struct quic_handshake_info hs;
	struct wire w;
	uint8_t *pkt;
	size_t n;
	ssize_t got;

	if (!f)
		return __real_recvmsg(fd, msg, flags);
	f->recv_flags = flags;
	msg->msg_flags = 0;
	CHECK(msg->msg_iovlen == 1);

	if (f->pending_off == f->pending_len) {
		pkt = malloc(sizeof(w) + MAX_DATA);
		CHECK(pkt);
		got = next_packet(f, fd, pkt, sizeof(w) + MAX_DATA);
		if (got < 0) {
			free(pkt);
			return -1;
		}
		memcpy(&w, pkt, sizeof(w));
		got -= sizeof(w);
		if (w.kind != 'H') {
			/* Stream data or a datagram, in one piece. */
			struct quic_stream_info info = {
				.stream_id = w.sid,
				.stream_flags = w.flags,
			};

			CHECK((size_t)got <= msg->msg_iov[0].iov_len);
			memcpy(msg->msg_iov[0].iov_base, pkt + sizeof(w), got);
			if (w.kind == 'S')
				put_cmsg(msg, QUIC_STREAM_INFO, &info,
					 sizeof(info));
			else
				msg->msg_controllen = 0;
			msg->msg_flags |= w.kind == 'D' ? MSG_DATAGRAM :
					  (w.flags & MSG_STREAM_FIN ? MSG_EOR : 0);
			free(pkt);
			return got;
		}
		memcpy(f->pending, pkt + sizeof(w), got);
		f->pending_len = got;
		f->pending_off = 0;
		f->pending_level = w.level;
		free(pkt);
	}

	/* Handshake data: at most chunk bytes of it a read. */
	n = f->pending_len - f->pending_off;
	if (n > f->chunk)
		n = f->chunk;
	if (n > msg->msg_iov[0].iov_len)
		n = msg->msg_iov[0].iov_len;
	memcpy(msg->msg_iov[0].iov_base, f->pending + f->pending_off, n);
	f->pending_off += n;
	hs.crypto_level = f->pending_level;
	put_cmsg(msg, QUIC_HANDSHAKE_INFO, &hs, sizeof(hs));
	return n;
}

static int fake_set(struct fake *f, int name, const void *val, socklen_t len)
{
	switch (name) {
	case QUIC_SOCKOPT_CRYPTO_SECRET:
		CHECK(len == sizeof(struct quic_crypto_secret));
		CHECK(f->nsecrets < MAX_SECRETS);
		memcpy(&f->secrets[f->nsecrets].s, val, len);
		f->secrets[f->nsecrets++].seq = ++f->seq;
		return 0;
	case QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		if (f->tp_reject) {
			errno = EINVAL;
			return -1;
		}
		CHECK(len <= sizeof(f->peer_tp));
		memcpy(f->peer_tp, val, len);
		f->peer_tp_len = len;
		return 0;
	case QUIC_SOCKOPT_ALPN:
		CHECK(len < sizeof(f->alpn_out));
		memcpy(f->alpn_out, val, len);
		f->alpn_out_len = len;
		f->alpn_seq = ++f->seq;
		return 0;
	case QUIC_SOCKOPT_CONNECTION_CLOSE: {
		const struct quic_connection_close *c = val;
		size_t plen = len - offsetof(struct quic_connection_close, phrase);

		CHECK(len >= sizeof(*c));
		f->closed = true;
		f->close_code = c->errcode;
		f->close_frame = c->frame;
		CHECK(plen < sizeof(f->close_phrase));
		CHECK(memchr(c->phrase, '\0', plen));	/* NUL-terminated */
		strcpy(f->close_phrase, (const char *)c->phrase);
		return 0;
	}
	}
	errno = ENOPROTOOPT;
	return -1;
}

int __wrap_setsockopt(int fd, int level, int name, const void *val,
		      socklen_t len)
{
	struct fake *f = fake_of(fd);

	if (!f || level != SOL_QUIC)
		return __real_setsockopt(fd, level, name, val, len);
	return fake_set(f, name, val, len);
}

static int copy_out(void *val, socklen_t *len, const void *data, size_t n)
{
	if (*len < n) {
		errno = EINVAL;
		return -1;
	}
	memcpy(val, data, n);
	*len = n;
	return 0;
}

static int fake_ticket(struct fake *f, int fd, void *val, socklen_t *len)
{
	struct wire w;
	uint8_t *pkt;
	ssize_t got;
	int ret;

	f->ticket_asked++;
	if (f->ticket_mode == TICKET_EMPTY) {
		*len = 0;
		return 0;
	}
	if (f->ticket_mode != TICKET_FROM_PEER) {
		errno = EOPNOTSUPP;
		return -1;
	}

	pkt = malloc(sizeof(w) + MAX_DATA);
	CHECK(pkt);
	got = next_packet(f, fd, pkt, sizeof(w) + MAX_DATA);
	if (got < 0) {
		free(pkt);
		return -1;
	}
	memcpy(&w, pkt, sizeof(w));
	CHECK(w.kind == 'H' && w.level == QUIC_CRYPTO_APP);
	ret = copy_out(val, len, pkt + sizeof(w), got - sizeof(w));
	free(pkt);
	return ret;
}

int __wrap_getsockopt(int fd, int level, int name, void *val,
		      socklen_t *len)
{
	struct fake *f = fake_of(fd);

	if (!f || level != SOL_QUIC)
		return __real_getsockopt(fd, level, name, val, len);
	switch (name) {
	case QUIC_SOCKOPT_CONFIG:
		return copy_out(val, len, &f->config, sizeof(f->config));
	case QUIC_SOCKOPT_ALPN:
		return copy_out(val, len, f->alpn, f->alpn_len);
	case QUIC_SOCKOPT_TRANSPORT_PARAM_EXT:
		return copy_out(val, len, f->tp, strlen(f->tp));
	case QUIC_SOCKOPT_SESSION_TICKET:
		return fake_ticket(f, fd, val, len);
	}
	errno = ENOPROTOOPT;
	return -1;
}

/* ---- Running a client and a server ---- */

static char certs[256];

/* A file of the key material directory (a few at once in one call). */
static const char *cert(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ % 8];

	snprintf(p, 512, "%s/%s", certs, name);
	return p;
}

struct peer {
	int fd;
	int (*fn)(struct peer *p);
	const char *a, *b, *c;		/* the handshake's arguments */
	int ret;
	gnutls_datum_t ticket;		/* resumption tests */
	bool resumed;

	/* Custom sessions: the session helpers (quic_session_*()). */
	const char *alpns;		/* set with quic_session_set_alpn() */
	char alpn[64];			/* what quic_session_get_alpn() gave */
	size_t alpn_len;
	int alpn_ret;
	bool get_data;			/* quic_session_get_data() after */
	size_t data_size;		/* ... the size it left */
	int data_ret;			/* ... and what it returned */
};

static int client_fn(struct peer *p)
{
	return quic_client_handshake(p->fd, p->a, p->b, p->c);
}

static int server_fn(struct peer *p)
{
	return quic_server_handshake(p->fd, p->a, p->b, p->c);
}

/* A peer that never answers. */
static int silent_fn(struct peer *p)
{
	(void)p;
	return 0;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	p->ret = p->fn(p);
	/* A failed side goes away, as close() would make it. */
	if (p->ret)
		shutdown(p->fd, SHUT_RDWR);
	return NULL;
}

/* A connected pair of fake QUIC sockets. */
static void pair(struct peer *client, struct peer *server)
{
	int sv[2];

	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	client->fd = sv[0];
	server->fd = sv[1];
	fake_init(sv[0], "client transport parameters");
	fake_init(sv[1], "server transport parameters");
	if (!client->fn)
		client->fn = client_fn;
	if (!server->fn)
		server->fn = server_fn;
}

static void handshake(struct peer *client, struct peer *server)
{
	pthread_t tc, ts;

	CHECK(!pthread_create(&ts, NULL, peer_main, server));
	CHECK(!pthread_create(&tc, NULL, peer_main, client));
	CHECK(!pthread_join(tc, NULL));
	CHECK(!pthread_join(ts, NULL));
}

static const struct secret_rec *find_secret(const struct fake *f, int level,
					    int send)
{
	const struct secret_rec *found = NULL;
	int i;

	for (i = 0; i < f->nsecrets; i++) {
		if (f->secrets[i].s.level == level &&
		    f->secrets[i].s.send == send) {
			CHECK(!found);		/* once per direction */
			found = &f->secrets[i];
		}
	}
	return found;
}

/* What one side sends with, the other must receive with. */
static void check_secret_pair(const struct secret_rec *tx,
			      const struct secret_rec *rx, uint32_t type,
			      size_t len)
{
	static const uint8_t zero[QUIC_CRYPTO_SECRET_BUFFER_SIZE];

	CHECK(tx && rx);
	CHECK(tx->s.type == type && rx->s.type == type);
	CHECK(!memcmp(tx->s.secret, rx->s.secret, sizeof(tx->s.secret)));
	CHECK(memcmp(tx->s.secret, zero, len));
	CHECK(!memcmp(tx->s.secret + len, zero, sizeof(zero) - len));
}

/*
 * Both sides installed matching HANDSHAKE and APPLICATION keys of the
 * cipher, nothing else, and the APPLICATION receive key last of all.
 */
static void check_keys(int c, int s, uint32_t type, size_t len)
{
	const struct fake *fc = &fakes[c], *fs = &fakes[s];
	const int levels[] = { QUIC_CRYPTO_HANDSHAKE, QUIC_CRYPTO_APP };
	const struct fake *both[] = { fc, fs };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		check_secret_pair(find_secret(fc, levels[i], 1),
				  find_secret(fs, levels[i], 0), type, len);
		check_secret_pair(find_secret(fs, levels[i], 1),
				  find_secret(fc, levels[i], 0), type, len);
	}
	for (i = 0; i < 2; i++) {
		const struct fake *f = both[i];
		const struct secret_rec *app = find_secret(f, QUIC_CRYPTO_APP, 0);

		CHECK(f->nsecrets == 4);
		CHECK(app->seq == f->seq);
		CHECK(app->seq > f->last_crypto_seq);
		CHECK(app->seq > f->alpn_seq);
		CHECK(!f->closed);
	}
}

static void check_tp(int c, int s)
{
	CHECK(fakes[s].peer_tp_len == strlen(fakes[c].tp));
	CHECK(!memcmp(fakes[s].peer_tp, fakes[c].tp, fakes[s].peer_tp_len));
	CHECK(fakes[c].peer_tp_len == strlen(fakes[s].tp));
	CHECK(!memcmp(fakes[c].peer_tp, fakes[s].tp, fakes[c].peer_tp_len));
}

static void check_alpn(int fd, const char *alpn)
{
	CHECK(fakes[fd].alpn_out_len == strlen(alpn));
	CHECK(!memcmp(fakes[fd].alpn_out, alpn, strlen(alpn)));
}

static void check_closed(int fd, uint32_t code)
{
	if (!fakes[fd].closed || fakes[fd].close_code != code)
		FAIL("fd %d: closed %d with 0x%x, want 0x%x", fd,
		     fakes[fd].closed, fakes[fd].close_code, code);
	CHECK(fakes[fd].close_phrase[0]);
}

static void check_ret(const struct peer *p, int want)
{
	if (p->ret != want)
		FAIL("handshake returned %d (%s), want %d (%s)", p->ret,
		     strerror(-p->ret), want, strerror(-want));
}

/* ---- Certificates ---- */

TEST(cert_handshake)
{
	struct peer c = { .b = "localhost", .c = "h3" };
	struct peer s = { .c = "h3" };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_AES_GCM_128, 32);
	check_tp(c.fd, s.fd);
	check_alpn(c.fd, "h3");
	check_alpn(s.fd, "h3");
}

/* Partial TLS messages: the kernel may hand them out a byte at a time. */
TEST(cert_handshake_byte_by_byte)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[c.fd].chunk = 1;
	fakes[s.fd].chunk = 1;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_AES_GCM_128, 32);
	/* No ALPN asked for, none set. */
	CHECK(!fakes[c.fd].alpn_seq && !fakes[s.fd].alpn_seq);
}

/* The certificate names 127.0.0.1 too; an address is never sent as SNI. */
TEST(cert_ip_address)
{
	struct peer c = { .b = "127.0.0.1" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
}

/* Without a hostname the chain is still verified. */
TEST(cert_no_hostname)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
}

TEST(cert_wrong_hostname)
{
	struct peer c = { .b = "example.com" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, -EKEYREJECTED);
	check_closed(c.fd, 0x100 + GNUTLS_A_BAD_CERTIFICATE);
	CHECK(fakes[c.fd].close_frame == 0x06);
	check_ret(&s, -ECONNREFUSED);
	CHECK(!fakes[s.fd].closed);
}

TEST(cert_unknown_ca)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	CHECK_OK(setenv("QUIC_CA_FILE", cert("other-ca.pem"), 1));
	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, -EKEYREJECTED);
	check_closed(c.fd, 0x100 + GNUTLS_A_UNKNOWN_CA);
	check_ret(&s, -ECONNREFUSED);
}

TEST(cert_ca_file_missing)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	CHECK_OK(setenv("QUIC_CA_FILE", cert("no-such-file.pem"), 1));
	pair(&c, &s);
	CHECK(quic_client_handshake(c.fd, NULL, NULL, NULL) == -ENOENT);
	/* Not PEM at all. */
	CHECK_OK(setenv("QUIC_CA_FILE", cert("psk.txt"), 1));
	CHECK(quic_client_handshake(c.fd, NULL, NULL, NULL) == -EINVAL);
}

TEST(server_key_missing)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	CHECK(quic_server_handshake(s.fd, cert("nothing.key"),
				    cert("server.pem"), NULL) == -ENOENT);
	/* A key that is not the certificate's. */
	CHECK(quic_server_handshake(s.fd, cert("client.key"),
				    cert("server.pem"), NULL) == -EINVAL);
	CHECK(quic_server_handshake(s.fd, NULL, cert("server.pem"),
				    NULL) == -EINVAL);
}

/* certificate_request 2 and a client without one: certificate_required. */
TEST(client_cert_required)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].config.certificate_request = 2;
	handshake(&c, &s);
	check_ret(&s, -EKEYREJECTED);
	check_closed(s.fd, 0x100 + GNUTLS_A_CERTIFICATE_REQUIRED);
	/* TLS 1.3: the client finished before the server saw its Finished. */
	CHECK(c.ret == 0 || c.ret == -ECONNREFUSED);
}

TEST(client_cert_optional)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].config.certificate_request = 1;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
}

/* The selected protocol, into p->alpn; and buffers of the edge sizes. */
static void record_alpn(struct peer *p, gnutls_session_t session)
{
	size_t size = sizeof(p->alpn), n;
	char exact[sizeof(p->alpn)];

	memset(p->alpn, 'X', sizeof(p->alpn));
	p->alpn_ret = quic_session_get_alpn(session, p->alpn, &size);
	p->alpn_len = size;
	if (p->alpn_ret)
		return;

	/* One byte short: -EINVAL, and *size is left alone. */
	n = size - 1;
	CHECK(quic_session_get_alpn(session, exact, &n) == -EINVAL);
	CHECK(n == size - 1);
	/* Exactly its length: the bytes, with no room for a NUL. */
	memset(exact, 'X', sizeof(exact));
	n = size;
	CHECK(quic_session_get_alpn(session, exact, &n) == 0);
	CHECK(n == size && !memcmp(exact, p->alpn, size));
	CHECK(exact[size] == 'X');
}

/* quic_session_get_data() into p->ticket (allocated as GnuTLS would). */
static void record_data(struct peer *p, gnutls_session_t session)
{
	uint8_t buf[8192];
	size_t size = sizeof(buf);

	p->data_ret = quic_session_get_data(session, buf, &size);
	p->data_size = size;
	if (p->data_ret || !size)
		return;
	p->ticket.data = gnutls_malloc(size);
	CHECK(p->ticket.data);
	memcpy(p->ticket.data, buf, size);
	p->ticket.size = size;
}

/* quic_handshake() on the application's own session, with a client cert. */
static int custom_client_fn(struct peer *p)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t session;
	int marker, ret;

	CHECK(!gnutls_certificate_allocate_credentials(&cred));
	CHECK(gnutls_certificate_set_x509_trust_file(cred, cert("ca.pem"),
						     GNUTLS_X509_FMT_PEM) == 1);
	if (p->a)
		CHECK(!gnutls_certificate_set_x509_key_file(cred, cert("client.pem"),
							    cert("client.key"),
							    GNUTLS_X509_FMT_PEM));
	CHECK(!gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA));
	CHECK(!gnutls_priority_set_direct(session, QUIC_PRIORITY, NULL));
	CHECK(!gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred));
	gnutls_session_set_verify_cert(session, "localhost", 0);
	gnutls_transport_set_int(session, p->fd);
	if (p->ticket.size)
		CHECK(quic_session_set_data(session, p->ticket.data,
					    p->ticket.size) == 0);
	if (p->alpns)
		CHECK(quic_session_set_alpn(session, p->alpns,
					    strlen(p->alpns)) == 0);
	/* The session's user pointer stays the application's. */
	gnutls_session_set_ptr(session, &marker);

	ret = quic_handshake(session);
	CHECK(gnutls_session_get_ptr(session) == &marker);
	/* One session, one handshake. */
	if (!ret)
		CHECK(quic_handshake(session) == -EINVAL);

	p->resumed = !ret && gnutls_session_is_resumed(session);
	if (!ret)
		record_alpn(p, session);
	if (!ret && p->get_data)
		record_data(p, session);
	if (!ret && p->b) {
		/* Appendix B: the NewSessionTicket, then the session data. */
		uint8_t buf[4096];
		uint8_t level;
		ssize_t n = quic_crypto_recv(p->fd, &level, buf, sizeof(buf));

		CHECK(n > 0 && level == QUIC_CRYPTO_APP);
		CHECK(quic_handshake_process(session, level, buf, n) == 0);
		CHECK(!gnutls_session_get_data2(session, &p->ticket));
		CHECK(p->ticket.size > 100);
	}
	gnutls_deinit(session);
	gnutls_certificate_free_credentials(cred);
	return ret;
}

/* Asked for, not required, and one came: it is verified. */
TEST(client_cert_optional_given)
{
	struct peer c = { .fn = custom_client_fn, .a = "client cert" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].config.certificate_request = 1;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
}

TEST(custom_session_client_cert)
{
	struct peer c = { .fn = custom_client_fn, .a = "client cert" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].config.certificate_request = 2;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_AES_GCM_128, 32);
}

/* A server with session tickets: sends one after the handshake. */
static gnutls_datum_t ticket_key;

static int ticket_server_fn(struct peer *p)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t session;
	int ret;

	CHECK(!gnutls_certificate_allocate_credentials(&cred));
	CHECK(!gnutls_certificate_set_x509_key_file(cred, cert("server.pem"),
						    cert("server.key"),
						    GNUTLS_X509_FMT_PEM));
	CHECK(!gnutls_init(&session, GNUTLS_SERVER | GNUTLS_NO_END_OF_EARLY_DATA));
	CHECK(!gnutls_priority_set_direct(session, QUIC_PRIORITY, NULL));
	CHECK(!gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred));
	CHECK(!gnutls_session_ticket_enable_server(session, &ticket_key));
	if (p->alpns)
		CHECK(quic_session_set_alpn(session, p->alpns,
					    strlen(p->alpns)) == 0);
	gnutls_transport_set_int(session, p->fd);

	ret = quic_handshake(session);
	p->resumed = !ret && gnutls_session_is_resumed(session);
	if (!ret)
		record_alpn(p, session);
	if (!ret && !p->resumed)
		CHECK(gnutls_session_ticket_send(session, 1, 0) == 0);
	gnutls_deinit(session);
	gnutls_certificate_free_credentials(cred);
	return ret;
}

TEST(resumption)
{
	struct peer c = { .fn = custom_client_fn, .b = "want ticket" };
	struct peer s = { .fn = ticket_server_fn };
	struct peer c2 = { .fn = custom_client_fn };
	struct peer s2 = { .fn = ticket_server_fn };

	CHECK(!gnutls_session_ticket_key_generate(&ticket_key));
	pair(&c, &s);
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(!c.resumed);

	pair(&c2, &s2);
	c2.ticket = c.ticket;
	handshake(&c2, &s2);
	check_ret(&c2, 0);
	check_ret(&s2, 0);
	CHECK(c2.resumed && s2.resumed);
	check_keys(c2.fd, s2.fd, TLS_CIPHER_AES_GCM_128, 32);
	gnutls_free(c.ticket.data);
	gnutls_free(ticket_key.data);
}

/* ---- ALPN ---- */

TEST(alpn_mismatch)
{
	struct peer c = { .b = "localhost", .c = "h3" };
	struct peer s = { .c = "smbd" };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&s, -ENOPROTOOPT);
	check_closed(s.fd, 0x100 + GNUTLS_A_NO_APPLICATION_PROTOCOL);
	check_ret(&c, -ECONNREFUSED);
}

TEST(alpn_one_of_several)
{
	struct peer c = { .b = "localhost", .c = "smbd, h3" };
	struct peer s = { .c = "h3,nfs" };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_alpn(c.fd, "h3");
	check_alpn(s.fd, "h3");
}

/* alpns NULL: the list set on the socket (as kernel consumers do). */
TEST(alpn_from_socket)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	strcpy(fakes[c.fd].alpn, "smbd,h3");
	fakes[c.fd].alpn_len = strlen("smbd,h3");
	strcpy(fakes[s.fd].alpn, "h3");
	fakes[s.fd].alpn_len = strlen("h3") + 1;	/* with its NUL */
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_alpn(c.fd, "h3");
	check_alpn(s.fd, "h3");
}

TEST(alpn_bad_list)
{
	struct peer c = { 0 };
	struct peer s = { 0 };
	char longname[40];

	pair(&c, &s);
	CHECK(quic_client_handshake(c.fd, NULL, NULL, ",h3") == -EINVAL);
	CHECK(quic_client_handshake(c.fd, NULL, NULL, "") == -EINVAL);
	/* GnuTLS 3.7 takes names of 31 bytes at most. */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(quic_client_handshake(c.fd, NULL, NULL, longname) == -EINVAL);
	CHECK(quic_server_handshake(s.fd, cert("server.key"),
				    cert("server.pem"), "h3,") == -EINVAL);
	CHECK(!fakes[c.fd].closed && !fakes[c.fd].last_crypto_seq);
}

/* ---- The session helpers (the draft's Appendix B) ---- */

static int set_alpn(gnutls_session_t session, const char *alpns)
{
	return quic_session_set_alpn(session, alpns, strlen(alpns));
}

/* Lists quic_session_set_alpn() takes and refuses; no handshake. */
TEST(session_set_alpn_lists)
{
	static const char *const bad[] = {
		"", " ", ",", ",h3", "h3,", "h3,,smb", "h3, ,smb", " ,h3",
	};
	gnutls_session_t session;
	char name[300], list[300];
	unsigned int i;

	CHECK(!gnutls_init(&session, GNUTLS_CLIENT));
	CHECK(set_alpn(session, "h3, smb ,x") == 0);
	CHECK(set_alpn(session, "h3") == 0);
	/* The string's own NUL may be counted; one inside may not. */
	CHECK(quic_session_set_alpn(session, "h3", 3) == 0);
	CHECK(quic_session_set_alpn(session, "h3\0x", 4) == -EINVAL);
	/* Not NUL-terminated: size says where the list ends. */
	CHECK(quic_session_set_alpn(session, "h3,smbXXX", 6) == 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (set_alpn(session, bad[i]) != -EINVAL)
			FAIL("\"%s\" accepted", bad[i]);

	/* Over 255 bytes (RFC 7301): refused by the parser. */
	memset(name, 'a', 256);
	name[256] = '\0';
	CHECK(set_alpn(session, name) == -EINVAL);
	/* GnuTLS 3.7 takes names of 31 bytes at most. */
	name[31] = '\0';
	CHECK(set_alpn(session, name) == 0);
	name[31] = 'a';
	name[32] = '\0';
	CHECK(set_alpn(session, name) == -EINVAL);

	/* Eight names at most, however long the list: no 64-byte limit. */
	list[0] = '\0';
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "%sprotocol-number-%u",
			 i ? ", " : "", i);
		strcat(list, name);
	}
	CHECK(strlen(list) > 64);
	CHECK(set_alpn(session, list) == 0);
	strcat(list, ",x");
	CHECK(set_alpn(session, list) == -EINVAL);

	CHECK(quic_session_set_alpn(NULL, "h3", 2) == -EINVAL);
	CHECK(quic_session_set_alpn(session, NULL, 2) == -EINVAL);
	gnutls_deinit(session);
}

/* The client's list, set with quic_session_set_alpn(), is what it offers. */
TEST(session_alpn_client)
{
	struct peer c = { .fn = custom_client_fn, .alpns = "smb, h3 ,x" };
	struct peer s = { .c = "nfs,h3" };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(c.alpn_ret == 0);
	CHECK(c.alpn_len == 2 && !strcmp(c.alpn, "h3"));
	check_alpn(c.fd, "h3");
	check_alpn(s.fd, "h3");
}

TEST(session_alpn_server)
{
	struct peer c = { .b = "localhost", .c = "x" };
	struct peer s = { .fn = ticket_server_fn, .alpns = "h3, x" };

	CHECK(!gnutls_session_ticket_key_generate(&ticket_key));
	pair(&c, &s);
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(s.alpn_ret == 0);
	CHECK(s.alpn_len == 1 && !strcmp(s.alpn, "x"));
	check_alpn(s.fd, "x");
	gnutls_free(ticket_key.data);
}

/* No ALPN on either side: none was selected. */
TEST(session_alpn_none)
{
	struct peer c = { .fn = custom_client_fn };
	struct peer s = { 0 };
	gnutls_session_t session;
	char buf[8];
	size_t size = sizeof(buf);

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(c.alpn_ret == -ENOENT);
	CHECK(c.alpn_len == sizeof(c.alpn));	/* left alone */

	/* Before any handshake, the same; and bad arguments. */
	CHECK(!gnutls_init(&session, GNUTLS_CLIENT));
	CHECK(quic_session_get_alpn(session, buf, &size) == -ENOENT);
	CHECK(set_alpn(session, "h3") == 0);
	CHECK(quic_session_get_alpn(session, buf, &size) == -ENOENT);
	CHECK(quic_session_get_alpn(NULL, buf, &size) == -EINVAL);
	CHECK(quic_session_get_alpn(session, NULL, &size) == -EINVAL);
	CHECK(quic_session_get_alpn(session, buf, NULL) == -EINVAL);
	CHECK(size == sizeof(buf));
	gnutls_deinit(session);
}

/* Today's kernel: no session tickets, and quic_session_get_data() says so. */
TEST(session_get_data_unsupported)
{
	struct peer c = { .fn = custom_client_fn, .get_data = true };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(fakes[c.fd].ticket_asked == 1);
	CHECK(c.data_ret == -EOPNOTSUPP);
	CHECK(c.data_size == 8192);		/* left alone */
	CHECK(!c.ticket.size);
}

/* A kernel with tickets but none arrived yet: 0 bytes of session data. */
TEST(session_get_data_none_yet)
{
	struct peer c = { .fn = custom_client_fn, .get_data = true };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[c.fd].ticket_mode = TICKET_EMPTY;
	handshake(&c, &s);
	check_ret(&c, 0);
	CHECK(fakes[c.fd].ticket_asked == 1);
	CHECK(c.data_ret == 0 && c.data_size == 0);
}

/*
 * A kernel that hands over the NewSessionTicket (as this one will): the
 * session data from quic_session_get_data() resume the next connection
 * through quic_session_set_data().
 */
TEST(session_data_resumption)
{
	struct peer c = { .fn = custom_client_fn, .get_data = true };
	struct peer s = { .fn = ticket_server_fn };
	struct peer c2 = { .fn = custom_client_fn };
	struct peer s2 = { .fn = ticket_server_fn };

	CHECK(!gnutls_session_ticket_key_generate(&ticket_key));
	pair(&c, &s);
	fakes[c.fd].ticket_mode = TICKET_FROM_PEER;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	CHECK(c.data_ret == 0);
	CHECK(c.data_size > 100 && c.ticket.size == c.data_size);

	pair(&c2, &s2);
	c2.ticket = c.ticket;
	handshake(&c2, &s2);
	check_ret(&c2, 0);
	check_ret(&s2, 0);
	CHECK(c2.resumed && s2.resumed);
	gnutls_free(c.ticket.data);
	gnutls_free(ticket_key.data);
}

TEST(session_data_bad_arguments)
{
	static const uint8_t junk[64] = { 1, 2, 3 };
	gnutls_session_t session;
	uint8_t buf[64];
	size_t size = sizeof(buf);

	CHECK(!gnutls_init(&session, GNUTLS_CLIENT));
	CHECK(quic_session_set_data(session, junk, sizeof(junk)) == -EINVAL);
	CHECK(quic_session_set_data(session, junk, 0) == -EINVAL);
	CHECK(quic_session_set_data(session, NULL, 4) == -EINVAL);
	CHECK(quic_session_set_data(NULL, junk, 4) == -EINVAL);

	/* No transport: no socket to ask. */
	CHECK(quic_session_get_data(session, buf, &size) == -EINVAL);
	CHECK(quic_session_get_data(NULL, buf, &size) == -EINVAL);
	CHECK(quic_session_get_data(session, NULL, &size) == -EINVAL);
	CHECK(quic_session_get_data(session, buf, NULL) == -EINVAL);
	CHECK(size == sizeof(buf));
	gnutls_deinit(session);
}

/* ---- PSK ---- */

TEST(psk_handshake)
{
	struct peer c = { .c = "h3" };
	struct peer s = { .c = "h3" };

	pair(&c, &s);
	c.a = cert("psk-client.txt");
	s.a = cert("psk.txt");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_AES_GCM_128, 32);
	check_tp(c.fd, s.fd);
}

/* The server looks the identity up: here its file's second line. */
TEST(psk_second_identity)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	c.a = cert("psk-client2.txt");
	s.a = cert("psk.txt");
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
}

TEST(psk_unknown_identity)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	c.a = cert("psk-unknown.txt");
	s.a = cert("psk.txt");
	handshake(&c, &s);
	check_ret(&s, -EKEYREJECTED);
	CHECK(fakes[s.fd].closed);
	CHECK((fakes[s.fd].close_code & ~0xffu) == 0x100);
	check_ret(&c, -ECONNREFUSED);
}

/* GnuTLS reports a wrong binder as illegal_parameter: -EPROTO. */
TEST(psk_wrong_key)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	c.a = cert("psk-wrong-key.txt");
	s.a = cert("psk.txt");
	handshake(&c, &s);
	check_ret(&s, -EPROTO);
	check_closed(s.fd, 0x100 + GNUTLS_A_ILLEGAL_PARAMETER);
	check_ret(&c, -ECONNREFUSED);
}

TEST(psk_bad_files)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	CHECK(quic_client_handshake(c.fd, cert("psk-bad.txt"), NULL,
				    NULL) == -EINVAL);
	CHECK(quic_client_handshake(c.fd, cert("no-such.txt"), NULL,
				    NULL) == -ENOENT);
	CHECK(quic_server_handshake(s.fd, cert("psk-bad.txt"), NULL,
				    NULL) == -EINVAL);
	CHECK(quic_server_handshake(s.fd, NULL, NULL, NULL) == -EINVAL);
}

/* ---- Ciphers, transport parameters, failures ---- */

TEST(cipher_chacha20)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[c.fd].config.payload_cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_CHACHA20_POLY1305, 32);
}

/* TLS_AES_256_GCM_SHA384: 48-byte secrets. */
TEST(cipher_aes256)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].config.payload_cipher_type = TLS_CIPHER_AES_GCM_256;
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_keys(c.fd, s.fd, TLS_CIPHER_AES_GCM_256, 48);
}

TEST(cipher_no_common)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[c.fd].config.payload_cipher_type = TLS_CIPHER_AES_GCM_128;
	fakes[s.fd].config.payload_cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
	handshake(&c, &s);
	check_ret(&s, -EPROTO);
	check_closed(s.fd, 0x100 + GNUTLS_A_HANDSHAKE_FAILURE);
	check_ret(&c, -ECONNREFUSED);
}

TEST(cipher_unsupported_config)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	fakes[c.fd].config.payload_cipher_type = TLS_CIPHER_AES_CCM_128;
	CHECK(quic_client_handshake(c.fd, NULL, NULL, NULL) == -EINVAL);
}

/* The kernel rejects the peer's parameters: TRANSPORT_PARAMETER_ERROR. */
TEST(transport_params_rejected)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[s.fd].tp_reject = true;
	handshake(&c, &s);
	check_ret(&s, -EPROTO);
	check_closed(s.fd, QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM);
	check_ret(&c, -ECONNREFUSED);
}

/* An empty extension still goes out (and is the kernel's to judge). */
TEST(transport_params_empty)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { 0 };

	pair(&c, &s);
	s.a = cert("server.key");
	s.b = cert("server.pem");
	fakes[c.fd].tp = "";
	handshake(&c, &s);
	check_ret(&c, 0);
	check_ret(&s, 0);
	check_tp(c.fd, s.fd);
}

TEST(timeout)
{
	struct peer c = { .b = "localhost" };
	struct peer s = { .fn = silent_fn };

	pair(&c, &s);
	fakes[c.fd].timeout_ms = 200;
	handshake(&c, &s);
	check_ret(&c, -ETIMEDOUT);
	CHECK(!fakes[c.fd].closed);	/* nobody left to tell */
	CHECK(fakes[c.fd].last_crypto_seq);	/* the ClientHello went */
}

TEST(bad_arguments)
{
	uint8_t data[4] = { 0 };
	gnutls_session_t session;
	int udp = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(quic_client_handshake(-1, NULL, NULL, NULL) == -EINVAL);
	CHECK(quic_server_handshake(-1, "k", "c", NULL) == -EINVAL);
	CHECK(quic_handshake(NULL) == -EINVAL);
	CHECK(quic_handshake_process(NULL, QUIC_CRYPTO_APP, data, 4) == -EINVAL);

	CHECK(!gnutls_init(&session, GNUTLS_CLIENT));
	CHECK(quic_handshake(session) == -EINVAL);	/* no transport */
	CHECK(quic_handshake_process(session, QUIC_CRYPTO_MAX, data, 4) ==
	      -EINVAL);
	CHECK(quic_handshake_process(session, QUIC_CRYPTO_APP, NULL, 4) ==
	      -EINVAL);
	gnutls_deinit(session);

	/* Not a QUIC socket: the kernel has no SOL_QUIC options there. */
	CHECK(udp >= 0);
	CHECK(quic_client_handshake(udp, NULL, NULL, NULL) == -EINVAL);
	close(udp);
}

/* ---- quic_sendmsg() and quic_recvmsg() ---- */

TEST(stream_send_recv)
{
	struct peer c = { 0 };
	struct peer s = { 0 };
	char buf[64] = { 0 };
	int64_t sid = 99;
	uint32_t flags;

	pair(&c, &s);
	CHECK(quic_sendmsg(c.fd, "hello", 5, 4,
			   MSG_STREAM_NEW | MSG_STREAM_FIN | MSG_DONTWAIT) == 5);
	/* Stream flags in the cmsg, the rest for sendmsg(). */
	CHECK(fakes[c.fd].send_cmsg);
	CHECK(fakes[c.fd].send_flags == MSG_DONTWAIT);

	flags = MSG_DONTWAIT;
	CHECK(quic_recvmsg(s.fd, buf, sizeof(buf), &sid, &flags) == 5);
	CHECK(fakes[s.fd].recv_flags == MSG_DONTWAIT);
	CHECK(!strcmp(buf, "hello"));
	CHECK(sid == 4);
	CHECK(flags == (MSG_STREAM_NEW | MSG_STREAM_FIN | MSG_EOR));

	/* NULL sid and flags are allowed. */
	CHECK(quic_sendmsg(s.fd, "x", 1, 1, 0) == 1);
	CHECK(quic_recvmsg(c.fd, buf, sizeof(buf), NULL, NULL) == 1);
}

TEST(datagram_send_recv)
{
	struct peer c = { 0 };
	struct peer s = { 0 };
	char buf[64] = { 0 };
	int64_t sid = 99;
	uint32_t flags = 0;

	pair(&c, &s);
	CHECK(quic_sendmsg(c.fd, "dgram", 5, 0, MSG_DATAGRAM) == 5);
	CHECK(!fakes[c.fd].send_cmsg);
	CHECK(fakes[c.fd].send_flags == MSG_DATAGRAM);

	CHECK(quic_recvmsg(s.fd, buf, sizeof(buf), &sid, &flags) == 5);
	CHECK(!strcmp(buf, "dgram"));
	CHECK(sid == -1);
	CHECK(flags == MSG_DATAGRAM);
}

/*
 * A flags variable reused from an earlier quic_recvmsg() holds what that
 * call returned: none of it reaches recvmsg(), its input flags do.
 */
TEST(recv_drops_output_flags)
{
	struct peer c = { 0 };
	struct peer s = { 0 };
	char buf[64] = { 0 };
	int64_t sid;
	uint32_t flags;

	pair(&c, &s);
	CHECK(quic_sendmsg(c.fd, "one", 3, 0, MSG_STREAM_NEW) == 3);
	CHECK(quic_sendmsg(c.fd, "two", 3, 0, MSG_STREAM_FIN) == 3);

	/* (The fake only records the flags; it does not peek.) */
	flags = MSG_EOR | MSG_STREAM_FIN | MSG_NOTIFICATION | MSG_DATAGRAM |
		MSG_TRUNC | MSG_STREAM_NEW | MSG_STREAM_UNI |
		MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL;
	CHECK(quic_recvmsg(s.fd, buf, sizeof(buf), &sid, &flags) == 3);
	CHECK(fakes[s.fd].recv_flags == (MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL));
	CHECK(flags == MSG_STREAM_NEW);

	/* As the draft's examples do: the same variable, as it came back. */
	flags |= MSG_EOR | MSG_STREAM_FIN;
	CHECK(quic_recvmsg(s.fd, buf, sizeof(buf), &sid, &flags) == 3);
	CHECK(fakes[s.fd].recv_flags == 0);
	CHECK(flags == (MSG_STREAM_FIN | MSG_EOR));
}

/*
 * On send, MSG_EOR and MSG_TRUNC (outputs of quic_recvmsg()) are dropped;
 * MSG_NOTIFICATION is MSG_MORE's bit and goes to sendmsg() as MSG_MORE.
 */
TEST(send_drops_output_flags)
{
	struct peer c = { 0 };
	struct peer s = { 0 };

	pair(&c, &s);
	CHECK(quic_sendmsg(c.fd, "a", 1, 0, MSG_EOR | MSG_TRUNC |
			   MSG_STREAM_NEW | MSG_DONTWAIT) == 1);
	CHECK(fakes[c.fd].send_cmsg);
	CHECK(fakes[c.fd].send_flags == MSG_DONTWAIT);

	CHECK(quic_sendmsg(c.fd, "b", 1, 0, MSG_MORE) == 1);
	CHECK(fakes[c.fd].send_flags == MSG_MORE);
	CHECK(MSG_MORE == MSG_NOTIFICATION);

	/* A datagram belongs to no stream: no stream flags either. */
	CHECK(quic_sendmsg(c.fd, "c", 1, 0, MSG_DATAGRAM | MSG_EOR |
			   MSG_STREAM_FIN | MSG_STREAM_NEW) == 1);
	CHECK(!fakes[c.fd].send_cmsg);
	CHECK(fakes[c.fd].send_flags == MSG_DATAGRAM);
}

TEST(recv_error)
{
	struct peer c = { 0 };
	struct peer s = { 0 };
	char buf[8];
	int64_t sid;
	uint32_t flags = 0;

	pair(&c, &s);
	shutdown(c.fd, SHUT_RDWR);
	CHECK_ERRNO(quic_recvmsg(s.fd, buf, sizeof(buf), &sid, &flags),
		    ECONNREFUSED);
}

/* Key material, and PSK files for the failure cases. */
static void make_certs(void)
{
	static const struct {
		const char *name, *text;
	} files[] = {
		{ "psk-client2.txt",
		  "client2:c0ffeec0ffeec0ffeec0ffeec0ffeec0\n" },
		{ "psk-unknown.txt",
		  "nobody:000102030405060708090a0b0c0d0e0f\n" },
		{ "psk-wrong-key.txt",
		  "client1:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n" },
		{ "psk-bad.txt", "client1:not-hex\n" },
	};
	char cmd[600];
	unsigned int i;

	strcpy(certs, "/tmp/libquic-test.XXXXXX");
	if (!mkdtemp(certs)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, certs);
	if (system(cmd)) {
		fprintf(stderr, "%s failed\n", cmd);
		exit(2);
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(cert(files[i].name), "w");

		if (!f || fputs(files[i].text, f) < 0 || fclose(f)) {
			perror(files[i].name);
			exit(2);
		}
	}
}

int main(void)
{
	char cmd[300];
	int ret;

	make_certs();
	setenv("QUIC_CA_FILE", cert("ca.pem"), 1);

	RUN(cert_handshake);
	RUN(cert_handshake_byte_by_byte);
	RUN(cert_ip_address);
	RUN(cert_no_hostname);
	RUN(cert_wrong_hostname);
	RUN(cert_unknown_ca);
	RUN(cert_ca_file_missing);
	RUN(server_key_missing);
	RUN(client_cert_required);
	RUN(client_cert_optional);
	RUN(client_cert_optional_given);
	RUN(custom_session_client_cert);
	RUN(resumption);
	RUN(alpn_mismatch);
	RUN(alpn_one_of_several);
	RUN(alpn_from_socket);
	RUN(alpn_bad_list);
	RUN(session_set_alpn_lists);
	RUN(session_alpn_client);
	RUN(session_alpn_server);
	RUN(session_alpn_none);
	RUN(session_get_data_unsupported);
	RUN(session_get_data_none_yet);
	RUN(session_data_resumption);
	RUN(session_data_bad_arguments);
	RUN(psk_handshake);
	RUN(psk_second_identity);
	RUN(psk_unknown_identity);
	RUN(psk_wrong_key);
	RUN(psk_bad_files);
	RUN(cipher_chacha20);
	RUN(cipher_aes256);
	RUN(cipher_no_common);
	RUN(cipher_unsupported_config);
	RUN(transport_params_rejected);
	RUN(transport_params_empty);
	RUN(timeout);
	RUN(bad_arguments);
	RUN(stream_send_recv);
	RUN(datagram_send_recv);
	RUN(recv_drops_output_flags);
	RUN(send_drops_output_flags);
	RUN(recv_error);
	ret = test_done();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", certs);
	if (system(cmd))
		ret = 1;
	return ret;
}
