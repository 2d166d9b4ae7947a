// SPDX-License-Identifier: GPL-2.0
/*
 * Version Negotiation (RFC 9000 section 6, RFC 8999): our server answering
 * a version it does not speak, and our client hearing that its version is
 * not spoken; and the QUIC Bit (RFC 9287): dropped without it unless we
 * advertised grease_quic_bit, cleared at random toward a peer that did.
 * The other end is a plain UDP socket, or our own with a packet socket
 * watching loopback; each test in a network namespace of its own so that
 * the counters it reads are its own.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/quic.h>

#define TEST_SUITE "vn"
#define TEST_TIMEOUT 60
#include "../lib/test.h"
#include "../lib/netns.h"
#include "../lib/handshake_msg.h"
#include "../lib/kpair.h"

#define PORT		4433
#define RAW_PORT	4434
#define UNKNOWN_VERSION	0x1a2a3a4au
#define QUIC_V2		0x6b3343cfu
/* net/quic/pernet.h */
#define VN_PER_SEC	100


static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return a;
}

static int listener(int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(listen(fd, 4));
	return fd;
}

static int udp_socket(int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	if (port)
		CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	return fd;
}

/*
 * A long header of @version, @len bytes in all (padding after the IDs):
 * what a client of another version sends first.
 */
static size_t long_header(uint8_t *p, size_t len, uint32_t version,
			  const uint8_t *dcid, uint8_t dcid_len,
			  const uint8_t *scid, uint8_t scid_len)
{
	size_t n = 0;

	memset(p, 0, len);
	p[n++] = 0xc0;
	p[n++] = version >> 24;
	p[n++] = version >> 16;
	p[n++] = version >> 8;
	p[n++] = version;
	p[n++] = dcid_len;
	memcpy(p + n, dcid, dcid_len);
	n += dcid_len;
	p[n++] = scid_len;
	memcpy(p + n, scid, scid_len);
	return len;
}

/* A datagram within @ms, its length; 0 if none came. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recv(fd, buf, len, 0);
	CHECK(n >= 0);
	return n;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * Check a Version Negotiation packet: IDs swapped from what we sent, and
 * the versions 1 and 2 listed (RFC 9000 section 17.2.1).
 */
static void check_vn(const uint8_t *p, size_t n, const uint8_t *dcid,
		     uint8_t dcid_len, const uint8_t *scid, uint8_t scid_len)
{
	bool v1 = false, v2 = false, grease = false;
	size_t off;

	CHECK(n >= 7u + dcid_len + scid_len + 4);
	CHECK(p[0] & 0x80);
	CHECK(be32(p + 1) == 0);
	/* Its DCID is our SCID, its SCID our DCID. */
	CHECK(p[5] == scid_len && !memcmp(p + 6, scid, scid_len));
	off = 6 + scid_len;
	CHECK(p[off] == dcid_len && !memcmp(p + off + 1, dcid, dcid_len));
	off += 1 + dcid_len;
	CHECK((n - off) % 4 == 0);
	for (; off < n; off += 4) {
		uint32_t v = be32(p + off);

		v1 |= v == 1;
		v2 |= v == QUIC_V2;
		grease |= (v & 0x0f0f0f0f) == 0x0a0a0a0a;
		CHECK(v != UNKNOWN_VERSION);
	}
	CHECK(v1 && v2 && grease);
}

/* ---- Our server ---- */

TEST(server_answers_unknown_version)
{
	struct sockaddr_in to = loopback(PORT);
	uint8_t pkt[1200], buf[1500], dcid[200], scid[5];
	ssize_t n;
	int l, u;

	own_netns();
	l = listener(PORT);
	u = udp_socket(0);
	memset(dcid, 0xd1, sizeof(dcid));
	memset(scid, 0x5c, sizeof(scid));
	/* 8 bytes of DCID, then 200: other versions may use longer IDs. */
	long_header(pkt, sizeof(pkt), UNKNOWN_VERSION, dcid, 8, scid, 5);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	n = recv_within(u, buf, sizeof(buf), 2000);
	if (!n)
		FAIL("no Version Negotiation for version 0x%x", UNKNOWN_VERSION);
	check_vn(buf, n, dcid, 8, scid, 5);
	CHECK(n == 7 + 8 + 5 + 12);

	long_header(pkt, sizeof(pkt), UNKNOWN_VERSION, dcid, 200, scid, 0);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	n = recv_within(u, buf, sizeof(buf), 2000);
	CHECK(n > 0);
	check_vn(buf, n, dcid, 200, scid, 0);

	CHECK(quic_snmp("QuicOutVersionNegotiation") == 2);
	CHECK(quic_snmp("QuicInVersionDrops") == 2);
	close(u);
	close(l);
}

/* Under 1200 bytes a datagram cannot open a connection: no answer. */
TEST(server_ignores_short_datagram)
{
	struct sockaddr_in to = loopback(PORT);
	uint8_t pkt[1199], buf[1500], cid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int l, u;

	own_netns();
	l = listener(PORT);
	u = udp_socket(0);
	long_header(pkt, sizeof(pkt), UNKNOWN_VERSION, cid, 8, cid, 8);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	CHECK(recv_within(u, buf, sizeof(buf), 300) == 0);
	CHECK(quic_snmp("QuicOutVersionNegotiation") == 0);
	CHECK(quic_snmp("QuicInVersionDrops") == 1);
	close(u);
	close(l);
}

/* A port where no server listens (a client's) answers nothing. */
TEST(no_listener_no_answer)
{
	struct sockaddr_in to = loopback(PORT);
	uint8_t pkt[1200], buf[1500], cid[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	int s, u;

	own_netns();
	s = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(s >= 0);
	CHECK_OK(bind(s, (struct sockaddr *)&to, sizeof(to)));
	u = udp_socket(0);
	long_header(pkt, sizeof(pkt), UNKNOWN_VERSION, cid, 8, cid, 8);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	CHECK(recv_within(u, buf, sizeof(buf), 300) == 0);
	CHECK(quic_snmp("QuicOutVersionNegotiation") == 0);
	close(u);
	close(s);
}

/*
 * A flood of unknown versions gets VN_PER_SEC answers a second at most:
 * the answers in one burst are bounded, every one is counted, and the
 * next second answers again.
 */
TEST(server_rate_limited)
{
	enum { FLOOD = 400 };
	struct sockaddr_in to = loopback(PORT);
	uint8_t pkt[1200], buf[1500], cid[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	int l, u, i, got = 0, rcvbuf = 1 << 20;

	own_netns();
	l = listener(PORT);
	u = udp_socket(0);
	CHECK_OK(setsockopt(u, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)));
	long_header(pkt, sizeof(pkt), UNKNOWN_VERSION, cid, 8, cid, 8);
	for (i = 0; i < FLOOD; i++) {
		CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
			     sizeof(to)) == sizeof(pkt));
		if (i % 50 == 49)
			usleep(2000);	/* loopback's backlog, not the limit */
	}
	while (recv_within(u, buf, sizeof(buf), 300) > 0)
		got++;
	printf("# %s.%s: %d answers to %d datagrams\n", TEST_SUITE, test_name,
	       got, FLOOD);
	/* The flood may straddle a second: two bursts at most. */
	if (got < 1 || got > 2 * VN_PER_SEC)
		FAIL("%d answers to %d datagrams", got, FLOOD);
	CHECK(quic_snmp("QuicOutVersionNegotiation") == (unsigned long long)got);
	CHECK(quic_snmp("QuicInVersionDrops") == FLOOD);

	sleep(1);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	CHECK(recv_within(u, buf, sizeof(buf), 2000) > 0);
	close(u);
	close(l);
}

/* ---- Our client ---- */

struct client {
	int fd, result;
	pthread_t thread;
};

static void *client_handshake(void *arg)
{
	struct client *c = arg;

	c->result = quic_client_handshake(c->fd, pskc, NULL, NULL);
	return NULL;
}

/* A client connecting to a UDP socket; its first Initial in @buf. */
static void client_start(struct client *c, int u, uint8_t *buf, size_t len,
			 ssize_t *n)
{
	struct sockaddr_in to = loopback(RAW_PORT);
	struct timeval tv = { .tv_sec = 10 };

	c->fd = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(c->fd >= 0);
	CHECK_OK(setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(connect(c->fd, (struct sockaddr *)&to, sizeof(to)));
	CHECK(pthread_create(&c->thread, NULL, client_handshake, c) == 0);
	*n = recv_within(u, buf, len, 5000);
	CHECK(*n >= 1200);
	CHECK(buf[0] & 0x80);
	CHECK(be32(buf + 1) == 1);
}

/* Answer the Initial in @in with a VN listing @versions, IDs as given. */
static void send_vn(int u, const struct sockaddr_in *to, const uint8_t *in,
		    const uint32_t *versions, int count, bool swap_ids)
{
	const uint8_t *dcid = in + 6, *scid;
	uint8_t out[600];
	size_t n = 0;
	uint8_t dlen = in[5], slen;
	int i;

	scid = dcid + dlen + 1;
	slen = dcid[dlen];
	out[n++] = 0xc0 | 0x15;
	memset(out + n, 0, 4);
	n += 4;
	if (swap_ids) {
		out[n++] = slen;
		memcpy(out + n, scid, slen);
		n += slen;
		out[n++] = dlen;
		memcpy(out + n, dcid, dlen);
		n += dlen;
	} else {
		/* The right DCID (else nothing finds the client) but a SCID
		 * that is not the one the client chose for the server.
		 */
		out[n++] = slen;
		memcpy(out + n, scid, slen);
		n += slen;
		out[n++] = 4;
		memcpy(out + n, "\xee\xee\xee\xee", 4);
		n += 4;
	}
	for (i = 0; i < count; i++) {
		out[n++] = versions[i] >> 24;
		out[n++] = versions[i] >> 16;
		out[n++] = versions[i] >> 8;
		out[n++] = versions[i];
	}
	CHECK(sendto(u, out, n, 0, (const struct sockaddr *)to,
		     sizeof(*to)) == (ssize_t)n);
}

/* The server speaks none of what we asked: EPROTONOSUPPORT, at once. */
TEST(client_no_common_version)
{
	static const uint32_t versions[] = { UNKNOWN_VERSION, 0xff00001d };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct client c = { .fd = -1 };
	uint8_t in[1500];
	ssize_t n;
	int u, err;
	socklen_t el = sizeof(err);

	own_netns();
	u = udp_socket(RAW_PORT);
	client_start(&c, u, in, sizeof(in), &n);
	/* Where the Initial came from: the client's port. */
	CHECK(getsockname(c.fd, (struct sockaddr *)&from, &fl) == 0);
	from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	send_vn(u, &from, in, versions, 2, true);
	CHECK(pthread_join(c.thread, NULL) == 0);
	if (c.result != -EPROTONOSUPPORT)
		FAIL("handshake: %d (%s), want -EPROTONOSUPPORT", c.result,
		     strerror(-c.result));
	CHECK_OK(getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &el));
	CHECK(err == EPROTONOSUPPORT || err == 0);
	CHECK(quic_snmp("QuicInVersionNegotiation") == 1);
	close(c.fd);
	close(u);
}

/*
 * RFC 9000 6.2: a VN that lists the version we use, or whose connection
 * IDs are not ours swapped, is ignored: the attempt goes on (and here
 * ends only when we close it).
 */
TEST(client_ignores_bad_vn)
{
	static const uint32_t with_ours[] = { UNKNOWN_VERSION, 1 };
	static const uint32_t none[] = { UNKNOWN_VERSION };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from), el = sizeof(int);
	struct client c = { .fd = -1 };
	uint8_t in[1500];
	int u, err;
	ssize_t n;

	own_netns();
	u = udp_socket(RAW_PORT);
	client_start(&c, u, in, sizeof(in), &n);
	CHECK(getsockname(c.fd, (struct sockaddr *)&from, &fl) == 0);
	from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	send_vn(u, &from, in, with_ours, 2, true);
	send_vn(u, &from, in, none, 1, false);
	for (int i = 0; i < 100 && quic_snmp("QuicInVersionNegotiation") < 2; i++)
		usleep(10000);
	CHECK(quic_snmp("QuicInVersionNegotiation") == 2);
	usleep(200000);
	CHECK_OK(getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &el));
	if (err)
		FAIL("the attempt ended: %s", strerror(err));
	/* It still tries: its Initial comes again (a probe). */
	CHECK(recv_within(u, in, sizeof(in), 5000) >= 1200);
	shutdown(c.fd, SHUT_RDWR);
	CHECK(pthread_join(c.thread, NULL) == 0);
	CHECK(c.result != -EPROTONOSUPPORT);
	close(c.fd);
	close(u);
}

/* ---- The QUIC Bit (RFC 9287) ---- */

static void set_grease(int fd)
{
	struct quic_transport_param tp;
	socklen_t len = sizeof(tp);

	memset(&tp, 0, sizeof(tp));
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.grease_quic_bit = 1;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

/*
 * A client Initial without the QUIC Bit (version 1, 1200 bytes): dropped
 * by a listener that did not advertise grease_quic_bit, waiting for
 * accept() at one that did.
 */
TEST(quic_bit_zero)
{
	struct sockaddr_in to = loopback(PORT);
	uint8_t pkt[1200], cid[8] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	struct pollfd pfd = { .events = POLLIN };
	int l, u;

	own_netns();
	u = udp_socket(0);
	long_header(pkt, sizeof(pkt), 1, cid, 8, cid, 8);
	pkt[0] = 0x80;		/* Initial, no QUIC Bit */
	pkt[23] = 0;		/* no token */
	pkt[24] = 0x44;		/* Length: 1174, to the datagram's end */
	pkt[25] = 0x96;

	l = listener(PORT);
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	pfd.fd = l;
	CHECK(poll(&pfd, 1, 300) == 0);
	CHECK(quic_snmp("QuicInHdrErrors") == 1);
	close(l);

	l = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(l >= 0);
	set_grease(l);
	CHECK_OK(bind(l, (struct sockaddr *)&to, sizeof(to)));
	CHECK_OK(listen(l, 4));
	CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		     sizeof(to)) == sizeof(pkt));
	pfd.fd = l;
	if (poll(&pfd, 1, 2000) != 1)
		FAIL("the listener that takes the bit cleared did not queue it");
	CHECK(quic_snmp("QuicInHdrErrors") == 1);
	close(l);
	close(u);
}

/*
 * Short header packets on loopback toward each of two ports, as a packet
 * socket saw them: how many, and how many without the QUIC Bit.
 */
static void count_bits(int ps, const int port[2], int shorts[2],
		       int cleared[2])
{
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(ps, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct iphdr *ip = (struct iphdr *)buf;
		struct udphdr *uh;
		uint8_t first;

		if (n < 20 || ip->version != 4 || ip->protocol != IPPROTO_UDP)
			continue;
		uh = (struct udphdr *)(buf + ip->ihl * 4);
		if ((uint8_t *)(uh + 1) >= buf + n)
			continue;
		first = *(uint8_t *)(uh + 1);
		if (first & 0x80)
			continue;
		for (int i = 0; i < 2; i++) {
			if (ntohs(uh->dest) != port[i])
				continue;
			shorts[i]++;
			if (!(first & 0x40))
				cleared[i]++;
		}
	}
}

/*
 * Our two ends with grease_quic_bit on @who (1 server, 2 client, 3 both):
 * 1 MiB each way; the 1-RTT packets toward an end that advertised it lose
 * the bit about half of the time, the others never.
 */
static void grease_run(int who, int *to_server, int *to_client)
{
	struct sockaddr_in to = loopback(PORT), cl;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct psk_server s = { .fd = -1, .psk = psk };
	static uint8_t buf[64 * 1024];
	int c, ps, err, i, rcvbuf = 64 << 20;
	int shorts[2] = {}, cleared[2] = {}, port[2];
	socklen_t sl = sizeof(cl);
	uint32_t flags;
	int64_t sid;
	ssize_t n;
	size_t got;

	ps = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	CHECK(ps >= 0);
	/* Past rmem_max: the GSO trains of 1 MiB each way, seen twice. */
	CHECK_OK(setsockopt(ps, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			    sizeof(rcvbuf)));
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = if_nametoindex("lo");
	CHECK_OK(bind(ps, (struct sockaddr *)&ll, sizeof(ll)));

	s.listener = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(s.listener >= 0);
	if (who & 1)
		set_grease(s.listener);
	CHECK_OK(bind(s.listener, (struct sockaddr *)&to, sizeof(to)));
	CHECK_OK(listen(s.listener, 4));
	psk_server_start(&s);
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(c >= 0);
	if (who & 2)
		set_grease(c);
	CHECK_OK(connect(c, (struct sockaddr *)&to, sizeof(to)));
	err = quic_client_handshake(c, pskc, NULL, NULL);
	CHECK(pthread_join(s.thread, NULL) == 0);
	if (err || s.result)
		FAIL("handshake: client %d, server %d", err, s.result);
	CHECK_OK(getsockname(c, (struct sockaddr *)&cl, &sl));

	memset(buf, 0x33, sizeof(buf));
	/* Four rounds of 256 KiB (one stream's window) each way, each on a
	 * new stream: 40 short headers each way at least, mostly ACKs, so
	 * that "none cleared" at one in two is as good as impossible.
	 */
	for (i = 0; i < 8; i++) {
		int from = i % 2 ? s.fd : c, dst = i % 2 ? c : s.fd;

		for (int k = 0; k < 4; k++)
			CHECK(quic_sendmsg(from, buf, sizeof(buf),
					   (i / 2) * 4 + i % 2,
					   (k ? 0 : MSG_STREAM_NEW) |
					   (k == 3 ? MSG_STREAM_FIN : 0)) ==
			      sizeof(buf));
		for (got = 0, flags = 0; !(flags & MSG_STREAM_FIN);) {
			flags = 0;
			n = quic_recvmsg(dst, buf, sizeof(buf), &sid, &flags);
			CHECK(n >= 0);
			got += n;
			if (!n && !(flags & MSG_STREAM_FIN))
				FAIL("empty read");
		}
		CHECK(got == 4 * sizeof(buf));
	}
	port[0] = PORT;
	port[1] = ntohs(cl.sin_port);
	count_bits(ps, port, shorts, cleared);
	*to_server = cleared[0];
	*to_client = cleared[1];
	printf("# %s.%s: who %d: to the server %d of %d short headers without the bit, to the client %d of %d\n",
	       TEST_SUITE, test_name, who, cleared[0], shorts[0], cleared[1],
	       shorts[1]);
	CHECK(shorts[0] >= 40 && shorts[1] >= 40);
	close(c);
	close(s.fd);
	close(s.listener);
	close(ps);
}

TEST(grease_quic_bit)
{
	int to_s, to_c;

	own_netns();
	grease_run(0, &to_s, &to_c);
	CHECK(to_s == 0 && to_c == 0);
	grease_run(1, &to_s, &to_c);
	CHECK(to_s > 0 && to_c == 0);
	grease_run(3, &to_s, &to_c);
	CHECK(to_s > 0 && to_c > 0);
}


/* ---- Compatible version negotiation (RFC 9368, RFC 9369) ---- */

/* The version a socket's connection uses (QUIC_SOCKOPT_CONFIG). */
static uint32_t version_of(int fd)
{
	struct quic_config cfg;
	socklen_t len = sizeof(cfg);

	memset(&cfg, 0, sizeof(cfg));
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg, &len));
	return cfg.version;
}

/* A zeroed struct with one field set: the others stay as they were. */
static void set_version(int fd, uint32_t version)
{
	struct quic_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.version = version;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg,
			    sizeof(cfg)));
}

static void no_compatible_version(int fd)
{
	struct quic_transport_param tp;

	memset(&tp, 0, sizeof(tp));
	tp.disable_compatible_version = 1;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

/* What the next kernel pair's sockets are given before the handshake. */
static uint32_t server_version, client_version;
static bool client_no_compat;

static void versions_setup(int listener, int client)
{
	if (server_version)
		set_version(listener, server_version);
	if (client_version)
		set_version(client, client_version);
	if (client_no_compat)
		no_compatible_version(client);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}


/*
 * Both ends' version after a whole handshake between our kernel ends,
 * and stream data both ways in it; @moves connections that moved from
 * the client's original version (QuicVersionMoves, both ends counted).
 */
static void negotiate(uint32_t server_v, uint32_t client_v, bool no_compat,
		      uint32_t want, unsigned int moves)
{
	unsigned long long before;
	struct pair p;
	char buf[8];

	own_netns();
	server_version = server_v;
	client_version = client_v;
	client_no_compat = no_compat;
	before = quic_snmp("QuicVersionMoves");
	CHECK(kpair_handshake(&p, versions_setup, NULL, NULL) == 0);
	if (version_of(p.client) != want || version_of(p.server) != want)
		FAIL("versions 0x%x (client), 0x%x (server), want 0x%x",
		     version_of(p.client), version_of(p.server), want);
	CHECK(quic_snmp("QuicVersionMoves") - before == moves);
	CHECK(send(p.client, "ping", 4, MSG_STREAM_NEW) == 4);
	CHECK(recv(p.server, buf, sizeof(buf), 0) == 4);
	CHECK(send(p.server, "pong", 4, 0) == 4);
	CHECK(recv(p.client, buf, sizeof(buf), 0) == 4);
	close(p.client);
	close(p.server);
	close(p.listener);
}

/* A server set to version 2 moves a version 1 client that offers it. */
TEST(compatible_v1_to_v2)
{
	negotiate(QUIC_V2, 0, false, QUIC_V2, 2);
}

/* ... and one set to version 1 a version 2 client. */
TEST(compatible_v2_to_v1)
{
	negotiate(1, QUIC_V2, false, 1, 2);
}

/* A server whose version was never set keeps the client's. */
TEST(server_keeps_client_version)
{
	negotiate(0, QUIC_V2, false, QUIC_V2, 0);
	negotiate(0, 0, false, 1, 0);
}

/*
 * disable_compatible_version: the client lists only its own version
 * (RFC 9368 section 2.3), and the server set to another keeps it.
 */
TEST(client_disables_compatible)
{
	uint8_t tp[1024];
	socklen_t len = sizeof(tp);
	size_t vlen;
	uint8_t *v;
	int fd;

	negotiate(QUIC_V2, 0, true, 1, 0);
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	client_version = 0;
	client_no_compat = false;
	{
		struct sockaddr_in a = loopback(PORT);

		no_compatible_version(fd);
		CHECK_OK(connect(fd, (struct sockaddr *)&a, sizeof(a)));
	}
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, tp,
			    &len));
	v = kpair_tp_find(tp, len, 0x11, &vlen);
	CHECK(vlen == 8 && be32(v) == 1 && be32(v + 4) == 1);
	close(fd);
}

/* The client's parameters say it chose version 2; it sent version 1. */
static socklen_t chosen_v2(uint8_t *tp, socklen_t len)
{
	size_t vlen;

	put32(kpair_tp_find(tp, len, 0x11, &vlen), QUIC_V2);
	return len;
}

/* The server's say version 2; its packets were version 1. */
static socklen_t chosen_v2_server(uint8_t *tp, socklen_t len)
{
	return chosen_v2(tp, len);
}

/* The peer's close, as QUIC_SOCKOPT_CONNECTION_CLOSE reads it. */
static uint32_t close_code(int fd)
{
	struct quic_connection_close *cc;
	char buf[256];
	socklen_t len = sizeof(buf);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    &len));
	cc = (struct quic_connection_close *)buf;
	return cc->errcode;
}

/*
 * RFC 9368 section 4: a Chosen Version other than the version in use is
 * VERSION_NEGOTIATION_ERROR (0x11), at the server for the client's and
 * at the client for the server's; the setsockopt() that handed them in
 * fails with EPROTONOSUPPORT and the other end reads the close.
 */
TEST(wrong_chosen_version_closes)
{
	struct pair p;
	char buf[8];

	own_netns();
	server_version = client_version = 0;
	client_no_compat = false;
	CHECK(kpair_handshake(&p, versions_setup, chosen_v2, NULL) == EPROTONOSUPPORT);
	CHECK_ERRNO(recv(p.client, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK(close_code(p.client) == 0x11);
	close(p.client);
	close(p.server);
	close(p.listener);

	CHECK(kpair_handshake(&p, versions_setup, NULL, chosen_v2_server) == EPROTONOSUPPORT);
	CHECK_ERRNO(recv(p.server, buf, sizeof(buf), 0), ECONNREFUSED);
	CHECK(close_code(p.server) == 0x11);
	close(p.client);
	close(p.server);
	close(p.listener);
}

/*
 * A server set to version 2 and a libquic client (GnuTLS, the library's
 * defaults): the handshake moves to version 2, and data flows.
 */
static void listener_v2(int fd)
{
	set_version(fd, QUIC_V2);
}

TEST(libquic_compatible_v2)
{
	int cfd, sfd;
	char buf[8];

	own_netns();
	connect_pair_with(AF_INET, "127.0.0.1", &cfd, &sfd, NULL, listener_v2);
	CHECK(version_of(cfd) == QUIC_V2 && version_of(sfd) == QUIC_V2);
	CHECK(quic_sendmsg(cfd, "ping", 4, 0, MSG_STREAM_NEW) == 4);
	CHECK(recv(sfd, buf, sizeof(buf), 0) == 4);
	close(cfd);
	close(sfd);
}

/*
 * An Initial in version 2 that does not open (made up, to the client's
 * ID) moves no client: it is dropped, and a Version Negotiation for the
 * still unanswered first Initial still ends the attempt.
 */
TEST(client_ignores_forged_other_version)
{
	static const uint32_t versions[] = { UNKNOWN_VERSION };
	unsigned long long drops;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct client c = { .fd = -1 };
	uint8_t in[1500], out[1200];
	const uint8_t *scid;
	size_t n = 0;
	ssize_t len;
	int u;

	own_netns();
	u = udp_socket(RAW_PORT);
	client_start(&c, u, in, sizeof(in), &len);
	CHECK(getsockname(c.fd, (struct sockaddr *)&from, &fl) == 0);
	from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	scid = in + 6 + in[5] + 1;
	/* Initial, version 2: DCID the client's SCID, no token, a length
	 * that covers the rest, and bytes that are no packet.
	 */
	memset(out, 0x5a, sizeof(out));
	out[n++] = 0xd0;	/* v2's Initial type is 0b01 */
	put32(out + n, QUIC_V2);
	n += 4;
	out[n++] = in[6 + in[5]];
	memcpy(out + n, scid, in[6 + in[5]]);
	n += in[6 + in[5]];
	out[n++] = 4;
	memcpy(out + n, "\x01\x02\x03\x04", 4);
	n += 4;
	out[n++] = 0;
	out[n] = 0x40 | (uint8_t)((sizeof(out) - n - 2) >> 8);
	out[n + 1] = (uint8_t)(sizeof(out) - n - 2);
	drops = quic_snmp("QuicInDecryptErrors");
	CHECK(sendto(u, out, sizeof(out), 0, (struct sockaddr *)&from,
		     sizeof(from)) == (ssize_t)sizeof(out));
	for (n = 0; n < 100 && quic_snmp("QuicInDecryptErrors") == drops; n++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicInDecryptErrors") > drops);
	send_vn(u, &from, in, versions, 1, true);
	CHECK(pthread_join(c.thread, NULL) == 0);
	if (c.result != -EPROTONOSUPPORT)
		FAIL("handshake: %d (%s), want -EPROTONOSUPPORT", c.result,
		     strerror(-c.result));
	close(c.fd);
	close(u);
}

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-vn-XXXXXX");
	test_name = NULL;

	RUN(server_answers_unknown_version);
	RUN(server_ignores_short_datagram);
	RUN(no_listener_no_answer);
	RUN(server_rate_limited);
	RUN(client_no_common_version);
	RUN(client_ignores_bad_vn);
	RUN(quic_bit_zero);
	RUN(grease_quic_bit);
	RUN(compatible_v1_to_v2);
	RUN(compatible_v2_to_v1);
	RUN(server_keeps_client_version);
	RUN(client_disables_compatible);
	RUN(wrong_chosen_version_closes);
	RUN(libquic_compatible_v2);
	RUN(client_ignores_forged_other_version);
	return test_done();
}
