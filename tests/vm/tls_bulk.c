// SPDX-License-Identifier: GPL-2.0
/*
 * One big stream each way after a PSK handshake, checked byte for byte,
 * and its throughput printed next to TCP's over the same loopback in the
 * same boot (printed only: no test asserts a timing).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/crypto.h>
#include <netinet/quic.h>

#define TEST_SUITE "tls_bulk"
#define TEST_TIMEOUT 300
#include "../lib/test.h"

#define BULK_BYTES	(32u << 20)
#define WRITE_SIZE	(64u << 10)

static char dir[] = "/tmp/quic-bulk-XXXXXX";
static char psk[300], pskc[300];

static void make_psk(void)
{
	char cmd[400];

	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, dir);
	CHECK(system(cmd) == 0);
	snprintf(psk, sizeof(psk), "%s/psk.txt", dir);
	snprintf(pskc, sizeof(pskc), "%s/psk-client.txt", dir);
}

/* The same pseudo-random bytes on both sides, from a seed. */
static void fill(uint8_t *buf, size_t len, uint64_t *state)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		buf[i] = (uint8_t)*state;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct peer {
	int listener, fd, result;
	int tcp;		/* TCP instead of QUIC */
	pthread_t thread;
};

static void *accept_and_handshake(void *arg)
{
	struct peer *p = arg;

	p->fd = accept(p->listener, NULL, NULL);
	if (p->fd < 0) {
		p->result = -errno;
		return NULL;
	}
	p->result = p->tcp ? 0 : quic_server_handshake(p->fd, psk, NULL, NULL);
	return NULL;
}

/* A connected pair over 127.0.0.1: *cfd the client, *sfd the server. */
static void connect_pair(int tcp, int *cfd, int *sfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 60 };
	socklen_t sl = sizeof(sa);
	struct peer p = { .tcp = tcp };
	int proto = tcp ? IPPROTO_TCP : IPPROTO_QUIC;
	int type = tcp ? SOCK_STREAM : SOCK_DGRAM;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p.listener = socket(AF_INET, type, proto);
	CHECK(p.listener >= 0);
	CHECK_OK(bind(p.listener, (struct sockaddr *)&sa, sl));
	CHECK_OK(getsockname(p.listener, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(p.listener, 4));
	CHECK(pthread_create(&p.thread, NULL, accept_and_handshake, &p) == 0);
	*cfd = socket(AF_INET, type, proto);
	CHECK(*cfd >= 0);
	CHECK_OK(connect(*cfd, (struct sockaddr *)&sa, sl));
	if (!tcp)
		CHECK(quic_client_handshake(*cfd, pskc, NULL, NULL) == 0);
	CHECK(pthread_join(p.thread, NULL) == 0);
	CHECK(p.result == 0);
	*sfd = p.fd;
	close(p.listener);
	CHECK_OK(setsockopt(*cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(*sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(*cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(*sfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

struct writer {
	int fd, tcp;
	int64_t sid;
	uint64_t seed;
	ssize_t result;
	pthread_t thread;
};

static void *write_all(void *arg)
{
	static __thread uint8_t buf[WRITE_SIZE];
	struct writer *w = arg;
	uint64_t state = w->seed;
	size_t left = BULK_BYTES, n;
	uint32_t flags = MSG_STREAM_NEW;
	ssize_t r;

	while (left) {
		n = left < WRITE_SIZE ? left : WRITE_SIZE;
		fill(buf, n, &state);
		if (n == left)
			flags |= MSG_STREAM_FIN;
		r = w->tcp ? send(w->fd, buf, n, 0) :
			     quic_sendmsg(w->fd, buf, n, w->sid, flags);
		if (r <= 0) {
			w->result = -errno;
			return NULL;
		}
		/* A short write: send the rest of this block again. */
		if ((size_t)r < n) {
			memmove(buf, buf + r, n - r);
			while ((size_t)r < n) {
				ssize_t m = w->tcp ?
					send(w->fd, buf, n - r, 0) :
					quic_sendmsg(w->fd, buf, n - r, w->sid,
						     n == left ? MSG_STREAM_FIN : 0);
				if (m <= 0) {
					w->result = -errno;
					return NULL;
				}
				memmove(buf, buf + m, n - r - m);
				r += m;
			}
		}
		flags &= ~MSG_STREAM_NEW;
		left -= n;
	}
	if (w->tcp)
		shutdown(w->fd, SHUT_WR);
	w->result = BULK_BYTES;
	return NULL;
}

/* Read the stream to its end and compare it with the writer's digest. */
static double transfer(int tcp, int from, int to, int64_t want_sid,
		       uint64_t seed)
{
	static uint8_t buf[WRITE_SIZE], want[WRITE_SIZE];
	struct writer w = { .fd = from, .tcp = tcp, .seed = seed,
			    .sid = want_sid };
	uint64_t state = seed;
	size_t got = 0, i, checked = 0;
	uint32_t flags = 0;
	double t0 = now();
	int64_t sid;
	ssize_t n;

	CHECK(pthread_create(&w.thread, NULL, write_all, &w) == 0);
	for (;;) {
		flags = 0;
		n = tcp ? recv(to, buf, sizeof(buf), 0) :
			  quic_recvmsg(to, buf, sizeof(buf), &sid, &flags);
		if (n < 0)
			FAIL("recv after %zu bytes: %s", got, strerror(errno));
		if (!tcp)
			CHECK(sid == want_sid);
		/* Compare in the writer's block order. */
		for (i = 0; i < (size_t)n; i++, checked++) {
			if (checked % WRITE_SIZE == 0)
				fill(want, WRITE_SIZE, &state);
			if (buf[i] != want[checked % WRITE_SIZE])
				FAIL("byte %zu differs", checked);
		}
		got += n;
		if (tcp ? n == 0 : (flags & MSG_STREAM_FIN) != 0)
			break;
	}
	CHECK(pthread_join(w.thread, NULL) == 0);
	if (w.result < 0)
		FAIL("writer: %s", strerror((int)-w.result));
	CHECK(got == BULK_BYTES);
	return BULK_BYTES / (now() - t0) / 1e6;
}

TEST(client_to_server_32mib)
{
	int c, s;
	double quic, tcp;

	make_psk();
	connect_pair(0, &c, &s);
	quic = transfer(0, c, s, 0, 1);
	close(c);
	close(s);
	connect_pair(1, &c, &s);
	tcp = transfer(1, c, s, 0, 1);
	close(c);
	close(s);
	printf("# single stream, 64 KiB writes: QUIC %.1f MB/s, TCP %.1f MB/s "
	       "(QUIC/TCP %.3f)\n", quic, tcp, quic / tcp);
}

TEST(server_to_client_32mib)
{
	int c, s;

	make_psk();
	connect_pair(0, &c, &s);
	transfer(0, s, c, 1, 2);
	close(c);
	close(s);
}

int main(void)
{
	RUN(client_to_server_32mib);
	RUN(server_to_client_32mib);
	return test_done();
}
