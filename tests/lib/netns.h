/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What in-VM tests that each run in a network namespace of their own
 * share: the namespace, its QUIC counters (/proc/net/quic/snmp), and, for
 * those that link libquic (include <netinet/quic.h> first), a server
 * thread that accepts one connection and runs its PSK handshake through
 * it.  Include after test.h.
 */

#ifndef QUIC_TEST_NETNS_H
#define QUIC_TEST_NETNS_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A namespace of the test's own, with loopback up. */
static inline void own_netns(void)
{
	CHECK_OK(unshare(CLONE_NEWNET));
	CHECK(system("ip link set lo up") == 0);
}

static inline int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vsnprintf(cmd, sizeof(cmd), fmt, ap) >= (int)sizeof(cmd))
		FAIL("command too long: %.60s...", cmd);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

#define SH(...) do {							\
	if (sh(__VA_ARGS__))						\
		FAIL("command failed: " __VA_ARGS__);			\
} while (0)

/*
 * The local (@peer false) or peer address of socket @fd, IPv4 or IPv6:
 * its text in @ip (INET6_ADDRSTRLEN bytes) unless NULL, its port in @port.
 */
static inline void sock_addr(int fd, bool peer, char *ip, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len = sizeof(ss);

	CHECK_OK(peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
			getsockname(fd, (struct sockaddr *)&ss, &len));
	if (ss.ss_family == AF_INET6) {
		if (ip)
			inet_ntop(AF_INET6, &s6->sin6_addr, ip,
				  INET6_ADDRSTRLEN);
		*port = ntohs(s6->sin6_port);
	} else {
		if (ip)
			inet_ntop(AF_INET, &s4->sin_addr, ip, INET6_ADDRSTRLEN);
		*port = ntohs(s4->sin_port);
	}
}

/* The port of sock_addr(). */
static inline uint16_t sock_port(int fd, bool peer)
{
	uint16_t port;

	sock_addr(fd, peer, NULL, &port);
	return port;
}

/* One counter of the namespace; fails the test if it is missing. */
static inline unsigned long long quic_snmp(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	FILE *f;

	f = fopen("/proc/net/quic/snmp", "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) &&
		    (line[len] == ' ' || line[len] == '\t')) {
			fclose(f);
			return strtoull(line + len, NULL, 10);
		}
	}
	fclose(f);
	FAIL("no counter %s in /proc/net/quic/snmp", name);
}

#ifdef _NETINET_QUIC_H
/* accept() on @listener and a PSK handshake with @psk, in a thread. */
struct psk_server {
	int listener, fd, result;	/* result: 0 or -errno */
	const char *psk;
	pthread_t thread;
};

static inline void *psk_server_run(void *arg)
{
	struct psk_server *s = arg;

	s->fd = accept(s->listener, NULL, NULL);
	s->result = s->fd < 0 ? -errno :
		    quic_server_handshake(s->fd, s->psk, NULL, NULL);
	return NULL;
}

static inline void psk_server_start(struct psk_server *s)
{
	CHECK(pthread_create(&s->thread, NULL, psk_server_run, s) == 0);
}

#ifndef PORT
#define PORT		4433
#endif
#ifndef IO_TIMEOUT
#define IO_TIMEOUT	30
#endif

/* The PSK files of the test's handshakes (psk_setup()). */
static char psk[300], pskc[300];

static inline void set_io_timeout(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

/* @ip:@port of @family in @ss; its length. */
static inline socklen_t sockaddr_of(int family, const char *ip, int port,
				    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		CHECK(inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1);
		return sizeof(*sin6);
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	CHECK(inet_pton(AF_INET, ip, &sin->sin_addr) == 1);
	return sizeof(*sin);
}

/* If set, given the client socket of connect_pair_at() before connect(). */
static void (*pair_client_setup)(int client);

/*
 * A listener on @lip:PORT (of @lfamily) and a client of @cfamily that
 * connects to @cip:PORT, joined by a PSK handshake: a listener on "::"
 * with an IPv4 client is the dual-stack case.  The listener stays open in
 * *lfd when @lfd is not NULL.  @setup, if set, is given the listener
 * before listen(), to set its options.
 */
static inline void connect_pair_at(int lfamily, const char *lip,
				   int cfamily, const char *cip, int *cfd,
				   int *sfd, int *lfd,
				   void (*setup)(int listener))
{
	struct psk_server s = { .fd = -1, .psk = psk };
	struct sockaddr_storage ss;
	socklen_t sl;
	int err;

	sl = sockaddr_of(lfamily, lip, PORT, &ss);
	s.listener = socket(lfamily, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(s.listener >= 0);
	CHECK_OK(bind(s.listener, (struct sockaddr *)&ss, sl));
	if (setup)
		setup(s.listener);
	CHECK_OK(listen(s.listener, 4));
	set_io_timeout(s.listener, IO_TIMEOUT);
	psk_server_start(&s);

	sl = sockaddr_of(cfamily, cip, PORT, &ss);
	*cfd = socket(cfamily, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(*cfd >= 0);
	set_io_timeout(*cfd, IO_TIMEOUT);
	if (pair_client_setup)
		pair_client_setup(*cfd);
	CHECK_OK(connect(*cfd, (struct sockaddr *)&ss, sl));
	err = quic_client_handshake(*cfd, pskc, NULL, NULL);
	if (err)
		shutdown(s.listener, SHUT_RDWR);
	CHECK(pthread_join(s.thread, NULL) == 0);
	if (err)
		FAIL("client handshake: %s", strerror(-err));
	if (s.result)
		FAIL("server handshake: %s", strerror(-s.result));
	*sfd = s.fd;
	set_io_timeout(*sfd, IO_TIMEOUT);
	if (lfd)
		*lfd = s.listener;
	else
		close(s.listener);
}

/* connect_pair_at() with one family and address for both ends. */
static inline void connect_pair_with(int family, const char *ip, int *cfd,
				     int *sfd, int *lfd,
				     void (*setup)(int listener))
{
	connect_pair_at(family, ip, family, ip, cfd, sfd, lfd, setup);
}

static inline void connect_pair(int family, const char *ip, int *cfd,
				int *sfd, int *lfd)
{
	connect_pair_with(family, ip, cfd, sfd, lfd, NULL);
}

/* The PSK files of connect_pair(), made by certs.sh in a new directory. */
static inline void psk_setup(const char *dir_template)
{
	static char dir[64];
	char cmd[400];

	snprintf(dir, sizeof(dir), "%s", dir_template);
	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, dir);
	CHECK(system(cmd) == 0);
	snprintf(psk, sizeof(psk), "%s/psk.txt", dir);
	snprintf(pskc, sizeof(pskc), "%s/psk-client.txt", dir);
}

#endif /* _NETINET_QUIC_H */

#endif /* QUIC_TEST_NETNS_H */
