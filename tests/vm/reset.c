// SPDX-License-Identifier: GPL-2.0
/*
 * Stateless reset (RFC 9000 section 10.3): what a namespace answers to a
 * short header packet for a connection it does not have (its form, its
 * token, its size and rate limits), the key it derives tokens from
 * (net.quic.stateless_reset_key), and a kernel endpoint that receives a
 * reset: the connection ends with ENETRESET, whichever way the datagram
 * found it.  The peer is a plain UDP socket or the raw peer.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/quic.h>
#include <linux/tls.h>

#include "rawpeer.h"
#include "wire_param.h"

#define TEST_SUITE "reset"
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "../lib/netns.h"
#include "rawconn.h"

#define KEY_PATH	"/proc/sys/net/quic/stateless_reset_key"

/* Write @s to the key file; the write's errno, or 0. */
static int write_key(const char *s)
{
	int fd = open(KEY_PATH, O_WRONLY), err = 0;

	CHECK(fd >= 0);
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

static void read_key(char hex[66])
{
	int fd = open(KEY_PATH, O_RDONLY);
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, hex, 65);
	close(fd);
	CHECK(n == 65 && hex[64] == '\n');
	hex[64] = '\0';
}

static void set_key(uint8_t key[32], uint8_t seed, char hex[66])
{
	int i;

	fill(key, 32, seed);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	CHECK(write_key(hex) == 0);
}

static void token_of(const uint8_t key[32], const uint8_t *cid, size_t len,
		     uint8_t token[16])
{
	uint8_t mac[32];

	CHECK_OK(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, 32, cid, len, mac));
	memcpy(token, mac, 16);
}

/* A kernel listener on 127.0.0.1, and a UDP socket connected to it. */
static int listener_and_udp(int *udp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int l;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(l >= 0);
	CHECK_OK(bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(l, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(l, 8));
	*udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(*udp >= 0);
	CHECK_OK(connect(*udp, (struct sockaddr *)&sa, sl));
	return l;
}

/* A short header packet of @len bytes to @cid; the answer's length or 0. */
static ssize_t probe(int udp, const uint8_t cid[8], size_t len, uint8_t *ans,
		     int wait_ms)
{
	uint8_t pkt[1200];
	struct pollfd pfd = { .fd = udp, .events = POLLIN };
	ssize_t n;

	CHECK(len <= sizeof(pkt));
	fill(pkt, len, 0x21);
	pkt[0] = 0x41;
	if (len > 1)
		memcpy(pkt + 1, cid, len - 1 < 8 ? len - 1 : 8);
	CHECK(send(udp, pkt, len, 0) == (ssize_t)len);
	if (poll(&pfd, 1, wait_ms) <= 0)
		return 0;
	n = recv(udp, ans, 1500, 0);
	CHECK(n > 0);
	return n;
}

/*
 * The key reads as 64 hexadecimal digits, only by root (0600); a key
 * written reads back; anything but 64 digits is EINVAL and changes
 * nothing; another namespace has a key of its own.
 */
TEST(key_sysctl)
{
	char before[66], after[66], other[66], hex[66], bad[80];
	struct stat st;
	uint8_t key[32];

	own_netns();
	CHECK_OK(stat(KEY_PATH, &st));
	CHECK((st.st_mode & 0777) == 0600);
	read_key(before);
	CHECK(strspn(before, "0123456789abcdef") == 64);
	set_key(key, 0x11, hex);
	read_key(after);
	CHECK(!strcmp(after, hex));
	CHECK(write_key("abcd") == EINVAL);
	memset(bad, 'a', 64);
	bad[64] = '\0';
	bad[10] = 'z';
	CHECK(write_key(bad) == EINVAL);
	bad[10] = 'a';
	strcpy(bad + 64, "00");
	CHECK(write_key(bad) == EINVAL);
	read_key(before);
	CHECK(!strcmp(before, after));

	CHECK_OK(unshare(CLONE_NEWNET));
	read_key(other);
	CHECK(strcmp(other, after));
}

/*
 * RFC 9000 10.3: a short header packet for no connection is answered with
 * a stateless reset: shorter than it, at least 21 bytes, the form of a
 * short header (0b01 first), and the token of the DCID under the key
 * last.  An Initial or Handshake packet is not answered so.
 */
TEST(sent_for_unknown_cid)
{
	uint8_t key[32], token[16], ans[1500];
	uint8_t cid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	char hex[66];
	unsigned long long sent;
	int udp, l;
	ssize_t n;

	own_netns();
	set_key(key, 0x42, hex);
	l = listener_and_udp(&udp);
	sent = quic_snmp("QuicOutStatelessResets");
	n = probe(udp, cid, 60, ans, 2000);
	CHECK(n >= 21 && n < 60);
	CHECK((ans[0] & 0xc0) == 0x40);
	token_of(key, cid, 8, token);
	CHECK(!memcmp(ans + n - 16, token, 16));
	CHECK(quic_snmp("QuicOutStatelessResets") - sent == 1);

	/* A long header packet (Handshake type) to an unknown ID: nothing. */
	{
		uint8_t hs[100] = { 0xe0, 0, 0, 0, 1, 8 };

		/* DCID, an 8-byte SCID of zeros, Length 75: 100 bytes. */
		memcpy(hs + 6, cid, 8);
		hs[14] = 8;
		hs[23] = 0x40;
		hs[24] = 75;
		CHECK(send(udp, hs, sizeof(hs), 0) == sizeof(hs));
		CHECK(probe(udp, cid, 1, ans, 300) == 0);
	}
	CHECK(quic_snmp("QuicOutStatelessResets") - sent == 1);
	close(udp);
	close(l);
}

/*
 * The size rules: the shortest 1-RTT packet there can be (29 bytes with
 * an 8-byte ID: header, packet number and header protection sample) gets
 * a 28-byte reset, anything shorter nothing (two endpoints that lost
 * state stop answering each other), a large one a reset of 22 to 43
 * bytes.
 */
TEST(size_rules)
{
	uint8_t cid[8] = { 9, 9, 9, 9, 9, 9, 9, 9 }, ans[1500];
	int udp, l, i;
	ssize_t n;

	own_netns();
	l = listener_and_udp(&udp);
	CHECK(probe(udp, cid, 29, ans, 2000) == 28);
	CHECK(probe(udp, cid, 28, ans, 300) == 0);
	CHECK(probe(udp, cid, 22, ans, 300) == 0);
	CHECK(probe(udp, cid, 10, ans, 300) == 0);
	for (i = 0; i < 10; i++) {
		n = probe(udp, cid, 1200, ans, 2000);
		CHECK(n >= 22 && n <= 43);
	}
	close(udp);
	close(l);
}

/*
 * A namespace sends at most 100 resets a second: 400 packets in a burst
 * get no more than two seconds' worth, and the counter says how many.
 */
TEST(rate_limited)
{
	uint8_t cid[8] = { 7 }, pkt[50], ans[1500];
	unsigned long long sent;
	int udp, l, i, got = 0;
	struct pollfd pfd;

	own_netns();
	l = listener_and_udp(&udp);
	sent = quic_snmp("QuicOutStatelessResets");
	fill(pkt, sizeof(pkt), 3);
	pkt[0] = 0x40;
	memcpy(pkt + 1, cid, 8);
	for (i = 0; i < 400; i++)
		CHECK(send(udp, pkt, sizeof(pkt), 0) == sizeof(pkt));
	pfd.fd = udp;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 500) > 0 && recv(udp, ans, sizeof(ans), 0) > 0)
		got++;
	printf("# %d resets for 400 packets\n", got);
	CHECK(got >= 1 && got <= 200);
	CHECK(quic_snmp("QuicOutStatelessResets") - sent == (unsigned)got);
	close(udp);
	close(l);
}

static bool got_retired(struct raw_peer *rp, const void *arg)
{
	(void)arg;
	return rp->nretired >= 1;
}

/*
 * The raw peer gives the server ID 1 with a token of its choosing and
 * makes it retire ID 0, so the server sends to ID 1 and watches for its
 * token.  Returns the token.
 */
static void peer_token_in_use(struct conn *c, uint8_t token[16])
{
	struct quic_frame f = { .type = QUIC_FRAME_NEW_CONNECTION_ID };

	f.new_cid.seq = 1;
	f.new_cid.retire_prior_to = 1;
	f.new_cid.cid.len = RAW_CID_LEN;
	fill(f.new_cid.cid.data, RAW_CID_LEN, 0x77);
	fill(f.new_cid.token, 16, 0x88);
	memcpy(token, f.new_cid.token, 16);
	send_frame(c, f);
	RAW_OK(c, raw_wait(&c->rp, got_retired, NULL, WAIT_MS));
}

/* A reset-shaped datagram: @len bytes, random-looking, @token last. */
static void send_reset(struct conn *c, size_t len, const uint8_t *head,
		       const uint8_t token[16])
{
	uint8_t d[64];

	CHECK(len <= sizeof(d) && len >= 21);
	fill(d, len, 0x99);
	d[0] = 0x4b;
	if (head)
		memcpy(d + 1, head, RAW_CID_LEN);
	memcpy(d + len - 16, token, 16);
	CHECK(send(c->rp.fd, d, len, 0) == (ssize_t)len);
}

/*
 * The server's socket fails with ENETRESET, once, as a TCP socket reports
 * a reset, then EPIPE; it sends nothing more.
 */
static void expect_reset(struct conn *c, unsigned long long before)
{
	char buf[16];
	int i;

	for (i = 0; i < 200 && quic_snmp("QuicInStatelessResets") == before;
	     i++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicInStatelessResets") - before == 1);
	CHECK_ERRNO(recv(c->server, buf, sizeof(buf), 0), ENETRESET);
	CHECK_ERRNO(send(c->server, "x", 1, 0), EPIPE);
	CHECK(raw_wait_close(&c->rp, 300) < 0);
}

/*
 * A stateless reset with the token of the ID the server sends to ends its
 * connection with ENETRESET, found through the token table (its first
 * bytes are no ID of the server's); one with another token does nothing.
 */
TEST(detected_by_token)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	uint8_t token[16], wrong[16];
	unsigned long long before;
	struct conn c = {};
	int64_t pn;

	own_netns();
	start_small(&c);
	peer_token_in_use(&c, token);
	before = quic_snmp("QuicInStatelessResets");
	memcpy(wrong, token, 16);
	wrong[15] ^= 1;
	send_reset(&c, 40, NULL, wrong);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	CHECK(quic_snmp("QuicInStatelessResets") == before);

	send_reset(&c, 40, NULL, token);
	expect_reset(&c, before);
}

/*
 * The same when the reset's first bytes are the server's own ID: the
 * datagram finds the connection, does not open, and its last 16 bytes
 * are checked.  The old token (ID 0's, retired) is not watched.
 */
TEST(detected_with_known_dcid)
{
	unsigned long long before;
	uint8_t token[16];
	struct conn c = {};

	own_netns();
	start_small(&c);
	peer_token_in_use(&c, token);
	before = quic_snmp("QuicInStatelessResets");
	send_reset(&c, 21, c.rp.dcid, token);
	expect_reset(&c, before);
}

/* ---- The closing period (RFC 9000 10.2.1) ---- */

static void set_close(int fd, uint32_t code, const char *phrase)
{
	char buf[128] = { 0 };
	struct quic_connection_close *cc = (void *)buf;

	cc->errcode = code;
	strcpy((char *)cc->phrase, phrase);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    sizeof(*cc) + strlen(phrase) + 1));
}

static bool got_datagram(struct raw_peer *rp, const void *arg)
{
	return rp->rx_bytes > *(const uint64_t *)arg;
}

/*
 * A PING from the raw peer, as from a peer that missed our close: whether
 * a datagram comes back within @ms, and if so, that it is @close, byte
 * for byte (the same packet again, as 10.2.1 allows).
 */
static bool close_again(struct conn *c, const uint8_t *close, size_t len,
			int ms)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	uint64_t before = c->rp.rx_bytes;

	RAW_OK(c, raw_send_frames(&c->rp, RAW_APP, &ping, 1));
	if (raw_wait(&c->rp, got_datagram, &before, ms))
		return false;
	CHECK(c->rp.rx_copy_len == len);
	CHECK(!memcmp(c->rp.rx_copy, close, len));
	return true;
}

/*
 * Our CONNECTION_CLOSE, and the datagram it came in (the server's
 * last), once the raw peer saw it.
 */
static size_t first_close(struct conn *c, uint8_t *copy)
{
	RAW_OK(c, raw_wait_close(&c->rp, WAIT_MS));
	CHECK(c->rp.rx_copy_len <= RAW_DGRAM_KEEP);
	memcpy(copy, c->rp.rx_copy, c->rp.rx_copy_len);
	return c->rp.rx_copy_len;
}

/*
 * close() with an application error: the socket is gone, but for three
 * PTOs (1 s at least) a packet to its connection ID gets the
 * CONNECTION_CLOSE again (a
 * peer whose copy was lost learns the error code), on the 1st, 2nd, 4th
 * ... packet; then the record is gone and a stateless reset answers.
 */
TEST(closing_period_after_close)
{
	uint8_t close_dgram[RAW_DGRAM_KEEP];
	struct conn c = {};
	size_t len;
	int i;

	own_netns();
	start_small(&c);
	set_close(c.server, 0x1234, "bye");
	close(c.server);
	c.server = -1;
	len = first_close(&c, close_dgram);
	CHECK(c.rp.close.app && c.rp.close.errcode == 0x1234);
	CHECK(!strcmp(c.rp.close.phrase, "bye"));
	CHECK(quic_snmp("QuicClosingKept") == 1);

	for (i = 1; i <= 4; i++)
		if (close_again(&c, close_dgram, len, i == 3 ? 150 : WAIT_MS) !=
		    (i != 3))
			FAIL("packet %d after the close: %s", i,
			     i == 3 ? "answered" : "not answered");
	CHECK(quic_snmp("QuicOutCloseAgain") == 3);
	CHECK(quic_snmp("QuicOutStatelessResets") == 0);

	/* Three PTOs on loopback are a few ms, the period at least 1 s;
	 * the answer is then a stateless reset (its bytes differ).
	 */
	for (i = 0; i < 100 && !quic_snmp("QuicOutStatelessResets"); i++) {
		uint64_t before = c.rp.rx_bytes;
		struct quic_frame ping = { .type = QUIC_FRAME_PING };

		RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
		raw_wait(&c.rp, got_datagram, &before, 100);
	}
	CHECK(quic_snmp("QuicOutStatelessResets") > 0);
	CHECK(c.rp.rx_copy_len != len ||
	      memcmp(c.rp.rx_copy, close_dgram, len));
	/* Packet 8, if it came within the period, was answered too. */
	CHECK(quic_snmp("QuicOutCloseAgain") <= 4);
}

/*
 * SO_LINGER with a zero time: close() sends the CONNECTION_CLOSE and
 * keeps no closing period; the next packet gets a stateless reset.
 */
TEST(closing_period_linger_zero)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct conn c = {};
	int i;

	own_netns();
	start_small(&c);
	set_close(c.server, 0x1234, "bye");
	CHECK_OK(setsockopt(c.server, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(c.server);
	c.server = -1;
	RAW_OK(&c, raw_wait_close(&c.rp, WAIT_MS));
	CHECK(c.rp.close.app && c.rp.close.errcode == 0x1234);
	CHECK(quic_snmp("QuicClosingKept") == 0);
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
	for (i = 0; i < 100 && !quic_snmp("QuicOutStatelessResets"); i++)
		usleep(10000);
	CHECK(quic_snmp("QuicOutStatelessResets") == 1);
	CHECK(quic_snmp("QuicOutCloseAgain") == 0);
}

/*
 * net.quic.closing_max bounds the records a namespace keeps (65537 is
 * refused): with 2, the third connection closed keeps none, and its
 * peer's packet gets a stateless reset while the first two get their
 * close again.
 */
TEST(closing_records_bounded)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	uint8_t close_dgram[3][RAW_DGRAM_KEEP];
	struct conn c[3];
	size_t len[3];
	int i;

	own_netns();
	CHECK(sh("sysctl -qw net.quic.closing_max=65537 2>/dev/null") != 0);
	SH("sysctl -qw net.quic.closing_max=2");
	memset(c, 0, sizeof(c));
	for (i = 0; i < 3; i++)
		start_small(&c[i]);
	for (i = 0; i < 3; i++) {
		close(c[i].server);
		c[i].server = -1;
		len[i] = first_close(&c[i], close_dgram[i]);
	}
	CHECK(quic_snmp("QuicClosingKept") == 2);

	RAW_OK(&c[2], raw_send_frames(&c[2].rp, RAW_APP, &ping, 1));
	for (i = 0; i < 100 && !quic_snmp("QuicOutStatelessResets"); i++)
		usleep(10000);
	CHECK(quic_snmp("QuicOutStatelessResets") == 1);
	CHECK(close_again(&c[0], close_dgram[0], len[0], WAIT_MS));
	CHECK(close_again(&c[1], close_dgram[1], len[1], WAIT_MS));
	CHECK(quic_snmp("QuicOutCloseAgain") == 2);
}

/*
 * The server closes on a violation and its socket stays open: in the
 * closing state the connection answers a packet with the same close.
 * Then close() leaves the record that answers after it.
 */
TEST(closing_state_answers)
{
	struct quic_frame done = { .type = QUIC_FRAME_HANDSHAKE_DONE };
	uint8_t close_dgram[RAW_DGRAM_KEEP];
	struct conn c = {};
	size_t len;

	own_netns();
	start_small(&c);
	/* RFC 9000 19.20: a client does not send HANDSHAKE_DONE. */
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &done, 1));
	len = first_close(&c, close_dgram);
	CHECK(!c.rp.close.app && c.rp.close.errcode == 0xa);
	CHECK(close_again(&c, close_dgram, len, WAIT_MS));
	CHECK(close_again(&c, close_dgram, len, WAIT_MS));
	CHECK(quic_snmp("QuicOutCloseAgain") == 2);
	CHECK(quic_snmp("QuicClosingKept") == 0);

	close(c.server);
	c.server = -1;
	CHECK(quic_snmp("QuicClosingKept") == 1);
	CHECK(close_again(&c, close_dgram, len, WAIT_MS));
	CHECK(quic_snmp("QuicOutCloseAgain") == 3);
}

int main(void)
{
	RUN(key_sysctl);
	RUN(sent_for_unknown_cid);
	RUN(size_rules);
	RUN(rate_limited);
	RUN(detected_by_token);
	RUN(detected_with_known_dcid);
	RUN(closing_period_after_close);
	RUN(closing_period_linger_zero);
	RUN(closing_records_bounded);
	RUN(closing_state_answers);
	return test_done();
}
