// SPDX-License-Identifier: GPL-2.0
/*
 * echo: a QUIC client and server with libquic.  The client sends one
 * message on a new stream, the server sends it back on the same stream.
 *
 *   echo server [--psk FILE] ADDR PORT [KEY CERT] [ALPN]
 *   echo client [--psk FILE] ADDR PORT [ALPN]
 *
 * Certificates: the server needs KEY and CERT; the client checks the
 * server's certificate against ADDR (a name or an address) and the system's
 * CAs, or the PEM file QUIC_CA_FILE names.  PSK: both take a file of
 * "identity:hexkey" lines (the client uses its first line).
 *
 * ADDR may be IPv4 or IPv6; a server on "::" takes both (IPv4 clients show
 * as ::ffff:a.b.c.d).  For instance, with tests/vm/certs.sh's files:
 *
 *   echo server :: 4433 server.key server.pem echo &
 *   QUIC_CA_FILE=ca.pem echo client 127.0.0.1 4433 echo
 */

#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/quic.h>

#define MESSAGE "hello over QUIC"

static int usage(void)
{
	fprintf(stderr,
		"usage: echo server [--psk FILE] ADDR PORT [KEY CERT] [ALPN]\n"
		"       echo client [--psk FILE] ADDR PORT [ALPN]\n");
	return 2;
}

/* A QUIC socket for the first address ADDR PORT resolves to. */
static int quic_socket(const char *addr, const char *port, int passive,
		       struct addrinfo **ai)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = passive ? AI_PASSIVE : 0,
	};
	int err, fd;

	err = getaddrinfo(addr, port, &hints, ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", addr, gai_strerror(err));
		return -1;
	}
	fd = socket((*ai)->ai_family, SOCK_DGRAM, IPPROTO_QUIC);
	if (fd < 0) {
		perror("socket (is quic.ko loaded?)");
		freeaddrinfo(*ai);
	}
	return fd;
}

/*
 * Read one whole stream message, up to its FIN.  @flags goes back in as
 * each call left it: what recvmsg() returns there is output only.
 */
static ssize_t recv_message(int fd, char *buf, size_t size, int64_t *sid)
{
	uint32_t flags = 0;
	size_t len = 0;

	do {
		ssize_t n;

		if (len == size)
			return -1;
		n = quic_recvmsg(fd, buf + len, size - len, sid, &flags);
		if (n < 0) {
			perror("quic_recvmsg");
			return -1;
		}
		len += n;
	} while (!(flags & MSG_STREAM_FIN));
	return len;
}

/* "a.b.c.d port" or "v6 port". */
static const char *addr_str(const struct sockaddr_storage *ss, char *buf,
			    size_t size)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s %u", ip, ntohs(s4->sin_port));
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s %u", ip, ntohs(s6->sin6_port));
	}
	return buf;
}

static int server(const char *psk, int argc, char **argv)
{
	const char *key = NULL, *cert = NULL, *alpn = NULL;
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);
	char name[INET6_ADDRSTRLEN + 8];
	struct addrinfo *ai;
	int lfd, fd, ret;
	char buf[1024];
	int64_t sid;
	ssize_t n;

	/* ADDR PORT, then KEY CERT unless PSK, then the optional ALPN. */
	if (argc < (psk ? 2 : 4))
		return usage();
	if (!psk) {
		key = argv[2];
		cert = argv[3];
	}
	if (argc > (psk ? 2 : 4))
		alpn = argv[psk ? 2 : 4];

	lfd = quic_socket(argv[0], argv[1], 1, &ai);
	if (lfd < 0)
		return 1;
	ret = bind(lfd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (ret || listen(lfd, 1)) {
		perror("bind/listen");
		return 1;
	}

	fd = accept(lfd, (struct sockaddr *)&peer, &peer_len);
	if (fd < 0) {
		perror("accept");
		return 1;
	}
	printf("server: a client from %s\n", addr_str(&peer, name,
						     sizeof(name)));
	ret = quic_server_handshake(fd, psk ? psk : key, cert, alpn);
	if (ret) {
		fprintf(stderr, "handshake: %s\n", strerror(-ret));
		return 1;
	}

	n = recv_message(fd, buf, sizeof(buf), &sid);
	if (n < 0)
		return 1;
	printf("server: %.*s (stream %lld)\n", (int)n, buf, (long long)sid);

	/* Back on the client's stream, which the FIN closes. */
	if (quic_sendmsg(fd, buf, n, sid, MSG_STREAM_FIN) != n) {
		perror("quic_sendmsg");
		return 1;
	}
	/*
	 * close() now could cut the reply off in flight: wait until the
	 * client, having read it, closes the connection.
	 */
	if (read(fd, buf, sizeof(buf)) > 0)
		fprintf(stderr, "server: more data after the message\n");
	close(fd);
	close(lfd);
	return 0;
}

static int client(const char *psk, int argc, char **argv)
{
	const char *alpn = argc > 2 ? argv[2] : NULL;
	struct addrinfo *ai;
	char buf[1024];
	int fd, ret;
	int64_t sid;
	ssize_t n;

	if (argc < 2)
		return usage();
	fd = quic_socket(argv[0], argv[1], 0, &ai);
	if (fd < 0)
		return 1;
	ret = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (ret) {
		perror("connect");
		return 1;
	}

	/* The server's certificate must name ADDR. */
	ret = quic_client_handshake(fd, psk, psk ? NULL : argv[0], alpn);
	if (ret) {
		fprintf(stderr, "handshake: %s\n", strerror(-ret));
		return 1;
	}

	/* Stream -1 with MSG_STREAM_NEW: the next bidirectional stream. */
	n = quic_sendmsg(fd, MESSAGE, strlen(MESSAGE), -1,
			 MSG_STREAM_NEW | MSG_STREAM_FIN);
	if (n != (ssize_t)strlen(MESSAGE)) {
		perror("quic_sendmsg");
		return 1;
	}
	n = recv_message(fd, buf, sizeof(buf), &sid);
	if (n < 0)
		return 1;
	printf("client: %.*s (stream %lld)\n", (int)n, buf, (long long)sid);
	close(fd);
	return n == (ssize_t)strlen(MESSAGE) && !memcmp(buf, MESSAGE, n) ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *psk = NULL;
	int i = 2;

	if (argc < 2)
		return usage();
	if (argc > 3 && !strcmp(argv[2], "--psk")) {
		psk = argv[3];
		i = 4;
	}
	if (!strcmp(argv[1], "server"))
		return server(psk, argc - i, argv + i);
	if (!strcmp(argv[1], "client"))
		return client(psk, argc - i, argv + i);
	return usage();
}
