// SPDX-License-Identifier: GPL-2.0
/*
 * Interoperability with a QUIC stack nobody here wrote: ngtcp2's
 * gtlsclient against our server, and our client against its gtlsserver
 * (QUIC v1, ALPN h3).  Success is read from the peer's own output.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/quic.h>

#define TEST_SUITE "tls_interop"
#define TEST_TIMEOUT 120
#include "../lib/test.h"

#define PEER_DONE	"QUIC handshake has completed"

static char dir[] = "/tmp/quic-interop-XXXXXX";
static char ca[300], key[300], cert[300];

static void make_certs(void)
{
	char cmd[400];

	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, dir);
	CHECK(system(cmd) == 0);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
}

/* Run @argv with its output in @log; returns the child's pid. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int fd;

	CHECK(pid >= 0);
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Wait up to @secs for @text to show in @log. */
static int log_has(const char *log, const char *text, int secs)
{
	char buf[65536];
	int i, fd;
	ssize_t n;

	for (i = 0; i < secs * 10; i++) {
		fd = open(log, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = 0;
				if (strstr(buf, text))
					return 1;
			}
		}
		usleep(100000);
	}
	return 0;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

struct server {
	int listener, fd, result;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	s->fd = accept(s->listener, NULL, NULL);
	s->result = s->fd < 0 ? -errno :
		    quic_server_handshake(s->fd, key, cert, "h3");
	return NULL;
}

static void ngtcp2_client(int family)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t sl = sizeof(ss);
	char port[16], log[400], addr[64];
	struct server s = { 0 };
	struct timeval tv = { .tv_sec = 20 };
	pthread_t t;
	pid_t pid;

	make_certs();
	s.listener = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(s.listener >= 0);
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	CHECK_OK(bind(s.listener, (struct sockaddr *)&ss, sl));
	CHECK_OK(getsockname(s.listener, (struct sockaddr *)&ss, &sl));
	CHECK_OK(setsockopt(s.listener, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3", 2));
	CHECK_OK(setsockopt(s.listener, SOL_SOCKET, SO_RCVTIMEO, &tv,
			    sizeof(tv)));
	CHECK_OK(listen(s.listener, 4));
	CHECK(pthread_create(&t, NULL, serve, &s) == 0);

	snprintf(port, sizeof(port), "%d",
		 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	snprintf(addr, sizeof(addr), "%s", family == AF_INET ? "127.0.0.1" :
							       "::1");
	snprintf(log, sizeof(log), "%s/gtlsclient.log", dir);
	pid = spawn((char *const[]){ "gtlsclient", "--timeout=10s",
				     "--exit-on-all-streams-close", addr,
				     port, "https://localhost/", NULL }, log);
	CHECK(pthread_join(t, NULL) == 0);
	if (s.result)
		FAIL("our server's handshake: %d", s.result);
	if (!log_has(log, PEER_DONE, 10))
		FAIL("gtlsclient did not complete its handshake (see %s)", log);
	stop(pid);
	close(s.fd);
}

TEST(ngtcp2_client_v4)
{
	ngtcp2_client(AF_INET);
}

TEST(ngtcp2_client_v6)
{
	ngtcp2_client(AF_INET6);
}

static void ngtcp2_server(int family)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t sl = family == AF_INET ? sizeof(struct sockaddr_in) :
					   sizeof(struct sockaddr_in6);
	const char *addr = family == AF_INET ? "127.0.0.1" : "::1";
	struct timeval tv = { .tv_sec = 20 };
	char port[16], log[400];
	int probe, fd, err, i;
	pid_t pid;

	make_certs();
	/* A free UDP port for gtlsserver. */
	probe = socket(family, SOCK_DGRAM, 0);
	inet_pton(family, addr, family == AF_INET ?
		  (void *)&((struct sockaddr_in *)&ss)->sin_addr :
		  (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr);
	CHECK_OK(bind(probe, (struct sockaddr *)&ss, sl));
	CHECK_OK(getsockname(probe, (struct sockaddr *)&ss, &sl));
	close(probe);
	snprintf(port, sizeof(port), "%d",
		 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	snprintf(log, sizeof(log), "%s/gtlsserver.log", dir);
	pid = spawn((char *const[]){ "gtlsserver", (char *)addr, port, key,
				     cert, NULL }, log);
	/* It is up once its port is taken. */
	for (i = 0; i < 50; i++) {
		probe = socket(family, SOCK_DGRAM, 0);
		err = bind(probe, (struct sockaddr *)&ss, sl);
		close(probe);
		if (err)
			break;
		usleep(100000);
	}

	setenv("QUIC_CA_FILE", ca, 1);
	fd = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(connect(fd, (struct sockaddr *)&ss, sl));
	err = quic_client_handshake(fd, NULL, "localhost", "h3");
	if (err)
		FAIL("our client's handshake: %d", err);
	if (!log_has(log, PEER_DONE, 10))
		FAIL("gtlsserver did not complete its handshake (see %s)", log);
	CHECK(log_has(log, "Negotiated ALPN is h3", 1));
	close(fd);
	stop(pid);
}

TEST(ngtcp2_server_v4)
{
	ngtcp2_server(AF_INET);
}

TEST(ngtcp2_server_v6)
{
	ngtcp2_server(AF_INET6);
}

int main(void)
{
	RUN(ngtcp2_client_v4);
	RUN(ngtcp2_client_v6);
	RUN(ngtcp2_server_v4);
	RUN(ngtcp2_server_v6);
	return test_done();
}
