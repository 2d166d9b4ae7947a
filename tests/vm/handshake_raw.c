// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's side of the handshake, without TLS: connect(), listen(),
 * accept(), CRYPTO data at each level through sendmsg()/recvmsg() with
 * QUIC_HANDSHAKE_INFO, keys from made-up secrets through
 * QUIC_SOCKOPT_CRYPTO_SECRET, transport parameters through
 * QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, and CONNECTION_CLOSE both ways.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <linux/quic.h>
#include <linux/tls.h>

#define TEST_SUITE "handshake_raw"
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "../lib/kpair.h"

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	CHECK(fl >= 0);
	CHECK_OK(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

static void initial_exchange(int family)
{
	uint8_t hello[300], reply[150], buf[300];
	struct pair p;

	fill(hello, sizeof(hello), 11);
	fill(reply, sizeof(reply), 99);
	p = start(family, hello, sizeof(hello));
	CHECK_OK(send_level(p.server, QUIC_CRYPTO_INITIAL, reply,
			    sizeof(reply)));
	recv_level(p.client, QUIC_CRYPTO_INITIAL, buf, sizeof(reply));
	CHECK(!memcmp(buf, reply, sizeof(reply)));
}

TEST(initial_exchange_v4)
{
	initial_exchange(AF_INET);
}

TEST(initial_exchange_v6)
{
	initial_exchange(AF_INET6);
}

static int state_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	return getpeername(fd, (struct sockaddr *)&ss, &sl);
}

static void full_handshake(int family)
{
	static uint8_t big[6000], buf[6000];
	uint8_t hello[400], fin[52];
	struct pair p;

	fill(hello, sizeof(hello), 5);
	fill(big, sizeof(big), 42);
	fill(fin, sizeof(fin), 77);
	p = start(family, hello, sizeof(hello));
	CHECK_OK(send_level(p.server, QUIC_CRYPTO_INITIAL, hello, 90));
	recv_level(p.client, QUIC_CRYPTO_INITIAL, buf, 90);

	set_secret(p.client, QUIC_CRYPTO_HANDSHAKE, 1, 1);
	set_secret(p.client, QUIC_CRYPTO_HANDSHAKE, 0, 2);
	set_secret(p.server, QUIC_CRYPTO_HANDSHAKE, 1, 2);
	set_secret(p.server, QUIC_CRYPTO_HANDSHAKE, 0, 1);
	/* A flight bigger than a datagram: several packets, in order. */
	CHECK_OK(send_level(p.server, QUIC_CRYPTO_HANDSHAKE, big, sizeof(big)));
	set_secret(p.server, QUIC_CRYPTO_APP, 1, 4);
	recv_level(p.client, QUIC_CRYPTO_HANDSHAKE, buf, sizeof(big));
	CHECK(!memcmp(buf, big, sizeof(big)));
	/* Not established before its 1-RTT receive key: no stream data. */
	CHECK_ERRNO(send(p.client, "x", 1, MSG_STREAM_NEW), ENOTCONN);

	set_secret(p.client, QUIC_CRYPTO_APP, 1, 3);
	set_secret(p.client, QUIC_CRYPTO_APP, 0, 4);
	CHECK_OK(send_level(p.client, QUIC_CRYPTO_HANDSHAKE, fin, sizeof(fin)));
	recv_level(p.server, QUIC_CRYPTO_HANDSHAKE, buf, sizeof(fin));
	CHECK(!memcmp(buf, fin, sizeof(fin)));
	set_secret(p.server, QUIC_CRYPTO_APP, 0, 3);

	/* Established both ways: the peer's address reads back. */
	CHECK_OK(state_of(p.client));
	CHECK_OK(state_of(p.server));
	/* Handshake data after the server dropped its Handshake keys. */
	CHECK_ERRNO(send_level(p.server, QUIC_CRYPTO_HANDSHAKE, fin, 1),
		    EINVAL);
}

TEST(full_handshake_v4)
{
	full_handshake(AF_INET);
}

TEST(full_handshake_v6)
{
	full_handshake(AF_INET6);
}

TEST(transport_params_exchanged)
{
	uint8_t hello[100], ctp[1024], stp[1024];
	socklen_t cl = sizeof(ctp), sl = sizeof(stp);
	struct pair p;

	fill(hello, sizeof(hello), 1);
	p = start(AF_INET, hello, sizeof(hello));
	CHECK_OK(getsockopt(p.client, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, ctp, &cl));
	CHECK_OK(getsockopt(p.server, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, stp, &sl));
	CHECK(cl > 20 && sl > cl);	/* the server adds its ODCID */
	CHECK_OK(setsockopt(p.server, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, ctp, cl));
	/* The client knows the server's ID once its Initial arrives. */
	CHECK_OK(send_level(p.server, QUIC_CRYPTO_INITIAL, hello, 10));
	recv_level(p.client, QUIC_CRYPTO_INITIAL, hello, 10);
	CHECK_OK(setsockopt(p.client, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, stp, sl));
	/* Parameters that name other connection IDs are refused. */
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC,
			       QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, ctp, cl),
		    EINVAL);
}

TEST(bad_transport_params_close)
{
	uint8_t hello[100], junk[8] = { 0x03, 0x02, 0x40 };
	struct quic_connection_close *cc;
	char buf[256];
	socklen_t len = sizeof(buf);
	struct pair p;

	fill(hello, sizeof(hello), 1);
	p = start(AF_INET, hello, sizeof(hello));
	/* max_udp_payload_size 64 < 1200: TRANSPORT_PARAMETER_ERROR. */
	CHECK_ERRNO(setsockopt(p.server, SOL_QUIC,
			       QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, junk, 3),
		    EINVAL);
	/* The client hears of it. */
	CHECK_ERRNO(recv(p.client, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK_OK(getsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, &len));
	cc = (struct quic_connection_close *)buf;
	CHECK(cc->errcode == QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM);
}

TEST(close_reaches_peer)
{
	uint8_t hello[100];
	char buf[256] = { 0 };
	struct quic_connection_close *cc = (void *)buf;
	struct quic_event_option ev = { QUIC_EVENT_CONNECTION_CLOSE, 1 };
	socklen_t len = sizeof(buf);
	struct msghdr msg = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	struct pair p;
	ssize_t n;

	fill(hello, sizeof(hello), 1);
	p = start(AF_INET, hello, sizeof(hello));
	finish(&p);
	CHECK_OK(setsockopt(p.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	cc->errcode = 42;
	strcpy((char *)cc->phrase, "bye now");
	CHECK_OK(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, sizeof(*cc) + 8));
	CHECK_OK(close(p.client));

	/* The event first, then the error. */
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	n = recvmsg(p.server, &msg, 0);
	/* The option's layout: the phrase NUL-terminated. */
	if (n != 1 + 5 + 8)
		FAIL("event of %zd bytes, type %d", n, buf[0]);
	CHECK(msg.msg_flags & MSG_NOTIFICATION);
	CHECK(buf[0] == QUIC_EVENT_CONNECTION_CLOSE);
	CHECK(((struct quic_connection_close *)(buf + 1))->errcode == 42);
	CHECK(!memcmp(buf + 1 + 5, "bye now", 8));
	CHECK_ERRNO(recv(p.server, buf, sizeof(buf), 0), ECONNRESET);

	memset(buf, 0, sizeof(buf));
	CHECK_OK(getsockopt(p.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, &len));
	CHECK(len == 5 + 8 && cc->errcode == 42);
	CHECK(!strcmp((char *)cc->phrase, "bye now"));
}

TEST(handshake_timeout)
{
	struct quic_transport_param tp = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(tp);
	int udp = socket(AF_INET, SOCK_DGRAM, 0), fd;
	socklen_t sl = sizeof(sa);
	struct timespec t0, t1;
	char buf[64];

	/* A UDP port that swallows everything: no QUIC server there. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(bind(udp, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(udp, (struct sockaddr *)&sa, &sl));
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.max_idle_timeout = 2000000;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
	CHECK_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_OK(send_level(fd, QUIC_CRYPTO_INITIAL, "hello", 5));
	CHECK_ERRNO(recv(fd, buf, sizeof(buf), 0), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec >= 1 && t1.tv_sec - t0.tv_sec <= 6);
	/* The Initial went out padded to 1200 bytes, more than once. */
	CHECK(recv(udp, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT) == 1200);
	CHECK(recv(udp, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT) == 1200);
}

TEST(handshake_api_errors)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	struct quic_crypto_secret s = { .type = TLS_CIPHER_AES_GCM_128 };
	uint8_t hello[100];
	struct pair p;
	char buf[16];

	/* Before connect(): nothing to act on. */
	CHECK_ERRNO(send_level(fd, QUIC_CRYPTO_INITIAL, "x", 1), ENOTCONN);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET, &s,
			       sizeof(s)), ENOTCONN);
	CHECK_ERRNO(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), ENOTCONN);

	fill(hello, sizeof(hello), 1);
	p = start(AF_INET, hello, sizeof(hello));
	/* Keys missing for the level, unknown cipher, bad level. */
	CHECK_ERRNO(send_level(p.client, QUIC_CRYPTO_HANDSHAKE, "x", 1),
		    EINVAL);
	CHECK_ERRNO(send_level(p.client, QUIC_CRYPTO_EARLY, "x", 1), EINVAL);
	CHECK_ERRNO(send_level(p.client, 9, "x", 1), EINVAL);
	s.level = QUIC_CRYPTO_HANDSHAKE;
	s.type = TLS_CIPHER_AES_CCM_128;
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET,
			       &s, sizeof(s)), EINVAL);
	s.type = TLS_CIPHER_AES_GCM_128;
	s.level = 7;
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET,
			       &s, sizeof(s)), EINVAL);
	CHECK_ERRNO(setsockopt(p.client, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET,
			       &s, sizeof(s) - 1), EINVAL);
	/* recv() without room for the level: EINVAL, and nothing lost. */
	CHECK_OK(send_level(p.server, QUIC_CRYPTO_INITIAL, "abc", 3));
	{
		struct pollfd pfd = { .fd = p.client, .events = POLLIN };

		CHECK(poll(&pfd, 1, 5000) == 1);
	}
	CHECK_ERRNO(recv(p.client, buf, sizeof(buf), 0), EINVAL);
	recv_level(p.client, QUIC_CRYPTO_INITIAL, buf, 3);
	CHECK(!memcmp(buf, "abc", 3));
	/* A second connect() on a connection. */
	CHECK_ERRNO(connect(p.client, (struct sockaddr *)&(struct sockaddr_in){
		.sin_family = AF_INET, .sin_port = htons(1),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
		sizeof(struct sockaddr_in)), EISCONN);
}

TEST(many_sequential_connections)
{
	uint8_t hello[200], buf[200];
	struct pair p;
	int i;

	fill(hello, sizeof(hello), 3);
	for (i = 0; i < 20; i++) {
		p = start(i & 1 ? AF_INET6 : AF_INET, hello, sizeof(hello));
		CHECK_OK(send_level(p.server, QUIC_CRYPTO_INITIAL, hello, 50));
		recv_level(p.client, QUIC_CRYPTO_INITIAL, buf, 50);
		finish(&p);
		close(p.client);
		close(p.server);
		close(p.listener);
	}
}

TEST(listener_needs_bind_and_shuts_down)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC), status;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	pid_t pid;

	/* listen() needs a bound socket. */
	CHECK_ERRNO(listen(fd, 1), EINVAL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(listen(fd, 1));
	set_nonblock(fd, 1);
	CHECK_ERRNO(accept(fd, NULL, NULL), EAGAIN);
	set_nonblock(fd, 0);

	/* shutdown() unblocks an accept() waiting in another process. */
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(accept(fd, NULL, NULL) == -1 && errno == EINVAL ? 0 : 1);
	usleep(300000);
	CHECK_OK(shutdown(fd, SHUT_RDWR));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	RUN(initial_exchange_v4);
	RUN(initial_exchange_v6);
	RUN(full_handshake_v4);
	RUN(full_handshake_v6);
	RUN(transport_params_exchanged);
	RUN(bad_transport_params_close);
	RUN(close_reaches_peer);
	RUN(handshake_timeout);
	RUN(handshake_api_errors);
	RUN(many_sequential_connections);
	RUN(listener_needs_bind_and_shuts_down);
	return test_done();
}
