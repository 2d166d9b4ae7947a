// SPDX-License-Identifier: GPL-2.0
/*
 * Real TLS 1.3 handshakes over kernel QUIC sockets, through libquic:
 * certificate and PSK modes, IPv4 and IPv6, and handshakes that must fail
 * fast and cleanly on both sides.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <netinet/quic.h>

#define TEST_SUITE "tls_handshake"
#define TEST_TIMEOUT 120
#include "../lib/test.h"

static char dir[] = "/tmp/quic-certs-XXXXXX";
static char path[6][300];
#define CA	path[0]
#define KEY	path[1]
#define CERT	path[2]
#define OTHER	path[3]
#define PSK	path[4]
#define PSKC	path[5]

static void make_certs(void)
{
	static const char *names[] = { "ca.pem", "server.key", "server.pem",
				       "other-ca.pem", "psk.txt",
				       "psk-client.txt" };
	char cmd[400];
	int i;

	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, dir);
	CHECK(system(cmd) == 0);
	for (i = 0; i < 6; i++)
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, names[i]);
}

struct server {
	int listener;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *key, *cert, *alpn;
	int result;		/* quic_server_handshake()'s */
	int fd;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	s->fd = accept(s->listener, NULL, NULL);
	if (s->fd < 0) {
		s->result = -errno;
		return NULL;
	}
	s->result = quic_server_handshake(s->fd, s->key, s->cert, s->alpn);
	/* As an application would: closing sends the alert to the peer. */
	if (s->result) {
		close(s->fd);
		s->fd = -1;
	}
	return NULL;
}

static void set_timeout(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
}

static void server_start(struct server *s, int family, const char *key,
			 const char *cert, const char *alpn)
{
	struct sockaddr_storage *ss = &s->addr;

	memset(s, 0, sizeof(*s));
	s->key = key;
	s->cert = cert;
	s->alpn = alpn;
	s->listener = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(s->listener >= 0);
	ss->ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	s->addrlen = family == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6);
	CHECK_OK(bind(s->listener, (struct sockaddr *)ss, s->addrlen));
	CHECK_OK(getsockname(s->listener, (struct sockaddr *)ss, &s->addrlen));
	if (alpn)
		CHECK_OK(setsockopt(s->listener, SOL_QUIC, QUIC_SOCKOPT_ALPN,
				    alpn, strlen(alpn)));
	CHECK_OK(listen(s->listener, 8));
	CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static int client_connect(struct server *s, int idle_secs)
{
	int fd = socket(s->addr.ss_family, SOCK_DGRAM, IPPROTO_QUIC);
	struct quic_transport_param tp;
	socklen_t len = sizeof(tp);

	CHECK(fd >= 0);
	if (idle_secs) {
		memset(&tp, 0, sizeof(tp));
		CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
				    &tp, &len));
		tp.max_idle_timeout = idle_secs * 1000000ULL;
		CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
				    &tp, sizeof(tp)));
	}
	set_timeout(fd, 30);
	CHECK_OK(connect(fd, (struct sockaddr *)&s->addr, s->addrlen));
	return fd;
}

static int server_wait(struct server *s)
{
	CHECK(pthread_join(s->thread, NULL) == 0);
	return s->result;
}

static void established(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	CHECK_OK(getpeername(fd, (struct sockaddr *)&ss, &sl));
}

/* One small message each way on stream 0, each ending the stream. */
static void message_each_way(int cfd, int sfd)
{
	static const char ping[] = "ping from the client";
	static const char pong[] = "pong from the server";
	uint32_t flags = 0;
	char buf[64];
	int64_t sid;
	ssize_t n;

	n = quic_sendmsg(cfd, ping, sizeof(ping), 0,
			 MSG_STREAM_NEW | MSG_STREAM_FIN);
	CHECK(n == sizeof(ping));
	set_timeout(sfd, 10);
	n = quic_recvmsg(sfd, buf, sizeof(buf), &sid, &flags);
	if (n < 0)
		FAIL("server recv: %s", strerror(errno));
	CHECK(n == sizeof(ping) && !memcmp(buf, ping, n));
	CHECK(sid == 0 && (flags & MSG_STREAM_FIN));

	n = quic_sendmsg(sfd, pong, sizeof(pong), 0, MSG_STREAM_FIN);
	CHECK(n == sizeof(pong));
	flags = 0;
	n = quic_recvmsg(cfd, buf, sizeof(buf), &sid, &flags);
	if (n < 0)
		FAIL("client recv: %s", strerror(errno));
	CHECK(n == sizeof(pong) && !memcmp(buf, pong, n));
	CHECK(sid == 0 && (flags & MSG_STREAM_FIN));
}

static void cert_handshake(int family, const char *host)
{
	char alpn[64] = { 0 };
	socklen_t len = sizeof(alpn);
	struct server s;
	int fd, err;

	make_certs();
	setenv("QUIC_CA_FILE", CA, 1);
	server_start(&s, family, KEY, CERT, "h3,smb");
	fd = client_connect(&s, 0);
	err = quic_client_handshake(fd, NULL, host, "smb");
	if (err)
		FAIL("client handshake: %d (%s)", err, strerror(-err));
	err = server_wait(&s);
	if (err)
		FAIL("server handshake: %d (%s)", err, strerror(-err));
	established(fd);
	established(s.fd);
	/* Both sockets know the selected ALPN. */
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, alpn, &len));
	CHECK(len == 3 && !memcmp(alpn, "smb", 3));
	len = sizeof(alpn);
	CHECK_OK(getsockopt(s.fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, alpn, &len));
	CHECK(len == 3 && !memcmp(alpn, "smb", 3));
	message_each_way(fd, s.fd);
}

TEST(certificate_v4)
{
	cert_handshake(AF_INET, "localhost");
}

TEST(certificate_v6)
{
	cert_handshake(AF_INET6, "localhost");
}

static void psk_handshake(int family)
{
	struct quic_transport_param tp;
	socklen_t len = sizeof(tp);
	struct server s;
	int fd, err;

	make_certs();
	server_start(&s, family, PSK, NULL, NULL);
	fd = client_connect(&s, 0);
	err = quic_client_handshake(fd, PSKC, NULL, NULL);
	if (err)
		FAIL("client handshake: %d (%s)", err, strerror(-err));
	CHECK(server_wait(&s) == 0);
	established(fd);
	established(s.fd);
	/* The peer's transport parameters read back as it sent them. */
	memset(&tp, 0, sizeof(tp));
	tp.remote = 1;
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	CHECK(tp.max_data == 65536 * 32 && tp.max_streams_bidi == 100);
	CHECK(tp.max_idle_timeout == 30000000 && tp.max_ack_delay == 25000);
	message_each_way(fd, s.fd);
}

TEST(psk_v4)
{
	psk_handshake(AF_INET);
}

TEST(psk_v6)
{
	psk_handshake(AF_INET6);
}

/* A failed handshake: the client's error, the server's, both quickly. */
static void must_fail(const char *ca, const char *host, const char *calpn,
		      const char *salpn, int want_client)
{
	struct timespec t0, t1;
	struct server s;
	int fd, err;

	make_certs();
	setenv("QUIC_CA_FILE", ca, 1);
	server_start(&s, AF_INET, KEY, CERT, salpn);
	fd = client_connect(&s, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = quic_client_handshake(fd, NULL, host, calpn);
	if (err != want_client)
		FAIL("client handshake: %d, want %d", err, want_client);
	/* Closing sends the TLS alert as a CRYPTO_ERROR to the server. */
	close(fd);
	err = server_wait(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(err < 0);
	CHECK(t1.tv_sec - t0.tv_sec < 10);
}

TEST(unknown_ca_fails)
{
	must_fail(OTHER, "localhost", NULL, NULL, -EKEYREJECTED);
}

TEST(wrong_hostname_fails)
{
	must_fail(CA, "not-the-server.example", NULL, NULL, -EKEYREJECTED);
}

TEST(alpn_mismatch_fails)
{
	must_fail(CA, "localhost", "h3", "smb", -ECONNREFUSED);
}

TEST(no_server_times_out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int udp = socket(AF_INET, SOCK_DGRAM, 0), fd, err;
	struct quic_transport_param tp;
	socklen_t len = sizeof(tp);
	struct timespec t0, t1;

	make_certs();
	setenv("QUIC_CA_FILE", CA, 1);
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
	err = quic_client_handshake(fd, NULL, "localhost", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(err == -ETIMEDOUT);
	CHECK(t1.tv_sec - t0.tv_sec <= 6);
}

TEST(peer_killed_mid_handshake)
{
	struct server s;
	int fd, err;
	pid_t pid;

	/* The server is a process that dies once the ClientHello arrived. */
	make_certs();
	setenv("QUIC_CA_FILE", CA, 1);
	memset(&s, 0, sizeof(s));
	s.listener = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	s.addr.ss_family = AF_INET;
	((struct sockaddr_in *)&s.addr)->sin_addr.s_addr =
		htonl(INADDR_LOOPBACK);
	s.addrlen = sizeof(struct sockaddr_in);
	CHECK_OK(bind(s.listener, (struct sockaddr *)&s.addr, s.addrlen));
	CHECK_OK(getsockname(s.listener, (struct sockaddr *)&s.addr,
			     &s.addrlen));
	CHECK_OK(listen(s.listener, 1));
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		accept(s.listener, NULL, NULL);
		_exit(0);	/* the kernel closes both sockets */
	}
	close(s.listener);
	fd = client_connect(&s, 3);
	err = quic_client_handshake(fd, NULL, "localhost", NULL);
	CHECK(err == -ECONNREFUSED || err == -ETIMEDOUT);
	waitpid(pid, NULL, 0);
}

TEST(sequential_50)
{
	struct server s;
	int i, fd, err;

	make_certs();
	setenv("QUIC_CA_FILE", CA, 1);
	for (i = 0; i < 50; i++) {
		server_start(&s, i & 1 ? AF_INET6 : AF_INET, PSK, NULL, NULL);
		fd = client_connect(&s, 0);
		err = quic_client_handshake(fd, PSKC, NULL, NULL);
		if (err)
			FAIL("handshake %d: %d", i, err);
		CHECK(server_wait(&s) == 0);
		close(fd);
		close(s.fd);
		close(s.listener);
	}
}

#define CONCURRENT 20

struct worker {
	struct sockaddr_storage *addr;
	socklen_t addrlen;
	int fd, result;
};

static void *server_worker(void *arg)
{
	struct worker *w = arg;

	w->result = quic_server_handshake(w->fd, PSK, NULL, NULL);
	return NULL;
}

static void *client_worker(void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { .tv_sec = 60 };

	w->fd = socket(w->addr->ss_family, SOCK_DGRAM, IPPROTO_QUIC);
	if (w->fd < 0 ||
	    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(w->fd, (struct sockaddr *)w->addr, w->addrlen)) {
		w->result = -errno;
		return NULL;
	}
	w->result = quic_client_handshake(w->fd, PSKC, NULL, NULL);
	return NULL;
}

TEST(concurrent_20)
{
	struct worker cw[CONCURRENT], sw[CONCURRENT];
	pthread_t ct[CONCURRENT], st[CONCURRENT];
	struct sockaddr_storage ss = { .ss_family = AF_INET };
	socklen_t sl = sizeof(struct sockaddr_in);
	int listener, i;

	make_certs();
	listener = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(bind(listener, (struct sockaddr *)&ss, sl));
	CHECK_OK(getsockname(listener, (struct sockaddr *)&ss, &sl));
	CHECK_OK(listen(listener, CONCURRENT));
	set_timeout(listener, 60);
	for (i = 0; i < CONCURRENT; i++) {
		cw[i] = (struct worker){ .addr = &ss, .addrlen = sl };
		CHECK(pthread_create(&ct[i], NULL, client_worker, &cw[i]) == 0);
	}
	for (i = 0; i < CONCURRENT; i++) {
		sw[i].fd = accept(listener, NULL, NULL);
		CHECK(sw[i].fd >= 0);
		CHECK(pthread_create(&st[i], NULL, server_worker, &sw[i]) == 0);
	}
	for (i = 0; i < CONCURRENT; i++) {
		CHECK(pthread_join(ct[i], NULL) == 0);
		CHECK(pthread_join(st[i], NULL) == 0);
		if (cw[i].result || sw[i].result)
			FAIL("handshake %d: client %d, server %d", i,
			     cw[i].result, sw[i].result);
		established(cw[i].fd);
		established(sw[i].fd);
	}
}

int main(void)
{
	RUN(certificate_v4);
	RUN(certificate_v6);
	RUN(psk_v4);
	RUN(psk_v6);
	RUN(unknown_ca_fails);
	RUN(wrong_hostname_fails);
	RUN(alpn_mismatch_fails);
	RUN(no_server_times_out);
	RUN(peer_killed_mid_handshake);
	RUN(sequential_50);
	RUN(concurrent_20);
	return test_done();
}
