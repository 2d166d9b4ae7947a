// SPDX-License-Identifier: GPL-2.0
/*
 * Address validation with Retry (RFC 9000 section 8.1.2), issue 17's first
 * piece: a listener with QUIC_SOCKOPT_CONFIG's validate_peer_address
 * answers a client's first Initial with a Retry and takes its second,
 * which brings the token back; the handshake then completes through
 * libquic, the server's transport parameters naming the Retry's ID.  A
 * token that is not ours, is for another address or is too old opens
 * nothing.  The made-up Initials come from plain UDP sockets: the token
 * is checked before anything is decrypted.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/quic.h>

#define TEST_SUITE "resume"
#include "../lib/test.h"
#include "../lib/netns.h"

#define INITIAL_LEN	1200
#define TAG_LEN		16

static void retry_on(int listener)
{
	struct quic_config cfg = { .validate_peer_address = 1 };

	/* A zeroed struct with one field set: the others keep theirs. */
	CHECK_OK(setsockopt(listener, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg,
			    sizeof(cfg)));
}

/* A handshake, a message each way; the counters of a Retry. */
static void retry_pair(int lfamily, const char *lip, int cfamily,
		       const char *cip)
{
	int cfd, sfd, lfd;
	char buf[16];

	own_netns();
	connect_pair_at(lfamily, lip, cfamily, cip, &cfd, &sfd, &lfd,
			retry_on);
	CHECK(quic_snmp("QuicOutRetry") == 1);
	CHECK(quic_snmp("QuicInRetry") == 1);
	CHECK(quic_snmp("QuicInTokenInvalid") == 0);
	CHECK(quic_sendmsg(cfd, "hello", 5, 0, MSG_STREAM_NEW) == 5);
	CHECK(recv(sfd, buf, sizeof(buf), 0) == 5);
	CHECK(quic_sendmsg(sfd, "again", 5, 0, 0) == 5);
	CHECK(recv(cfd, buf, sizeof(buf), 0) == 5);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(retry_handshake)
{
	retry_pair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
}

/* The token binds the address as the listener on "::" sees it. */
TEST(retry_handshake_dual_stack)
{
	retry_pair(AF_INET6, "::", AF_INET, "127.0.0.1");
}

/* Without the option no Retry goes out. */
TEST(retry_off_by_default)
{
	int cfd, sfd, lfd;

	own_netns();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, &lfd);
	CHECK(quic_snmp("QuicOutRetry") == 0);
	CHECK(quic_snmp("QuicInRetry") == 0);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* ---- Made-up Initials ---- */

/* A 1200-byte Initial (v1) with @token; its payload is not protected. */
static size_t initial(uint8_t *b, const uint8_t *token, size_t tlen)
{
	size_t n = 0, rest;

	b[n++] = 0xc3;			/* long, fixed bit, Initial, pn 4 */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 1;
	b[n++] = 8;
	memcpy(b + n, "odcid-01", 8);
	n += 8;
	b[n++] = 8;
	memcpy(b + n, "client-1", 8);
	n += 8;
	CHECK(tlen < 16384);
	b[n++] = 0x40 | (uint8_t)(tlen >> 8);
	b[n++] = (uint8_t)tlen;
	memcpy(b + n, token, tlen);
	n += tlen;
	rest = INITIAL_LEN - n - 2;
	b[n++] = 0x40 | (uint8_t)(rest >> 8);
	b[n++] = (uint8_t)rest;
	memset(b + n, 0, rest);
	return n + rest;
}

/* A UDP socket connected to the listener at 127.0.0.1:PORT. */
static int udp_to_listener(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(AF_INET, "127.0.0.1", PORT, &ss);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	CHECK_OK(connect(fd, (struct sockaddr *)&ss, sl));
	return fd;
}

static int listener_with_retry(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(AF_INET, "127.0.0.1", PORT, &ss);
	int l = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(l >= 0);
	CHECK_OK(bind(l, (struct sockaddr *)&ss, sl));
	retry_on(l);
	CHECK_OK(listen(l, 4));
	return l;
}

/* Send an Initial with @token from @fd. */
static void send_initial(int fd, const uint8_t *token, size_t tlen)
{
	uint8_t b[INITIAL_LEN];

	CHECK(send(fd, b, initial(b, token, tlen), 0) == INITIAL_LEN);
}

/*
 * The Retry that answers a token-less Initial from @fd: it goes to our
 * SCID, from a new ID of the server's, with a token; its token in @token.
 */
static size_t get_retry(int fd, uint8_t *token, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t b[2048];
	size_t off;
	ssize_t n;

	CHECK(poll(&p, 1, 5000) == 1);
	n = recv(fd, b, sizeof(b), 0);
	CHECK(n > 7 + 8 + 1 + TAG_LEN);
	CHECK((b[0] & 0xf0) == 0xf0);		/* long, fixed, Retry (v1) */
	CHECK(b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 1);
	CHECK(b[5] == 8 && !memcmp(b + 6, "client-1", 8));
	off = 14;
	CHECK(b[off] >= 8);			/* the server's new ID */
	CHECK(b[off] != 8 || memcmp(b + off + 1, "odcid-01", 8));
	off += 1 + b[off];
	CHECK((size_t)n > off + TAG_LEN);
	n -= off + TAG_LEN;
	CHECK((size_t)n <= size);
	memcpy(token, b + off, n);
	return n;
}

/* Whether a connection request waits on @l within @ms. */
static bool request_waits(int l, int ms)
{
	struct pollfd p = { .fd = l, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/*
 * A token the server never made, one it made for another port, and the
 * right one from the right address: only the last opens a request (the
 * accepted socket's handshake then goes nowhere: the Initial is made up).
 */
TEST(retry_token_checked)
{
	static const uint8_t forged[40] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
	uint8_t token[256];
	int l, a, b, fd;
	size_t tlen;

	own_netns();
	l = listener_with_retry();
	a = udp_to_listener();
	b = udp_to_listener();

	send_initial(a, forged, sizeof(forged));
	send_initial(a, NULL, 0);
	tlen = get_retry(a, token, sizeof(token));
	CHECK(quic_snmp("QuicOutRetry") == 1);
	CHECK(quic_snmp("QuicInTokenInvalid") == 1);

	/* From another port: refused, and no Retry for it either. */
	send_initial(b, token, tlen);
	CHECK(!request_waits(l, 300));
	CHECK(quic_snmp("QuicInTokenInvalid") == 2);
	CHECK(quic_snmp("QuicOutRetry") == 1);

	/* One bit changed: refused. */
	token[tlen - 1] ^= 1;
	send_initial(a, token, tlen);
	token[tlen - 1] ^= 1;
	CHECK(!request_waits(l, 300));
	CHECK(quic_snmp("QuicInTokenInvalid") == 3);

	send_initial(a, token, tlen);
	CHECK(request_waits(l, 5000));
	fd = accept(l, NULL, NULL);
	CHECK(fd >= 0);
	CHECK(quic_snmp("QuicInTokenInvalid") == 3);
	close(fd);
	close(a);
	close(b);
	close(l);
}

/*
 * A token is good for 10 s (QUIC_RETRY_TOKEN_LIFETIME): after 11 it opens
 * nothing.  The wait is the feature.
 */
TEST(retry_token_expires)
{
	uint8_t token[256];
	size_t tlen;
	int l, a;

	own_netns();
	l = listener_with_retry();
	a = udp_to_listener();
	send_initial(a, NULL, 0);
	tlen = get_retry(a, token, sizeof(token));
	sleep(11);
	send_initial(a, token, tlen);
	CHECK(!request_waits(l, 300));
	CHECK(quic_snmp("QuicInTokenInvalid") == 1);
	close(a);
	close(l);
}

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-resume-XXXXXX");
	test_name = NULL;
	RUN(retry_handshake);
	RUN(retry_handshake_dual_stack);
	RUN(retry_off_by_default);
	RUN(retry_token_checked);
	RUN(retry_token_expires);
	return test_done();
}
