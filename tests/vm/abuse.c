// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile peers: each test floods a kernel server from the raw peer
 * (rawconn.h) with what a finding of issue 14 says costs memory or CPU,
 * for a bounded count, then measures the bound it must hold (socket
 * receive memory, sk_buffs in the slab) and that the connection still
 * works, or that the attack was refused.
 *
 * So far: early CRYPTO data (empty frames, one-byte frames), client
 * Initials with a short Destination Connection ID, and copies of a
 * client's Initial racing accept().
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#define TEST_SUITE "abuse"
#define TEST_TIMEOUT 120
#include "../lib/test.h"
#include "../lib/aead_limit.h"
#include "../lib/handshake_msg.h"
#include "rawconn.h"

/* The number after @key at the start of a line of @path. */
static long proc_number(const char *path, const char *key)
{
	size_t n = strlen(key);
	char line[512];
	long v = -1;
	FILE *f = fopen(path, "r");

	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n)) {
			v = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	CHECK(v >= 0);
	return v;
}

/* Active sk_buffs, from /proc/slabinfo (the VM runs as root). */
static long skbs_in_use(void)
{
	return proc_number("/proc/slabinfo", "skbuff_head_cache ");
}

/* The socket's receive memory, sk_rmem_alloc, from SO_MEMINFO. */
static unsigned int rmem_of(int fd)
{
	unsigned int mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	return mem[SK_MEMINFO_RMEM_ALLOC];
}

/*
 * @count Initial packets of @per CRYPTO frames each, @len bytes long, at
 * offsets from @first on, @step apart: all beyond what the server read.
 */
static void crypto_flood(struct conn *c, int count, int per, uint64_t first,
			 uint64_t step, uint64_t len)
{
	static struct quic_frame f[300];
	uint64_t off = first;
	int i, j;

	CHECK(per <= 300);
	for (i = 0; i < count; i++) {
		for (j = 0; j < per; j++, off += step) {
			memset(&f[j], 0, sizeof(f[j]));
			f[j].type = QUIC_FRAME_CRYPTO;
			f[j].crypto.offset = off;
			f[j].crypto.len = len;
			f[j].crypto.data = data_bytes();
		}
		RAW_OK(c, raw_send_frames(&c->rp, RAW_INITIAL, f, per));
	}
}

/*
 * Early CRYPTO frames of length 0 add nothing: before, each cost an
 * uncharged sk_buff (a 1200-byte Initial holds about 250), with Initial
 * keys anyone derives from the DCID it chose.  Now they cost nothing, and
 * the handshake goes on.
 */
TEST(crypto_ooo_empty_frames)
{
	long before, after;
	unsigned int rmem0;
	struct conn c;

	begin(&c, SMALL_MAX_DATA, 0);
	rmem0 = rmem_of(c.server);
	before = skbs_in_use();
	/* 20 packets, 240 frames each: 4800 frames. */
	crypto_flood(&c, 20, 240, 1000, 1, 0);
	usleep(300000);
	after = skbs_in_use();
	printf("# %u -> %u bytes of receive memory, %ld more sk_buffs in use, after 4800 empty early CRYPTO frames\n",
	       rmem0, rmem_of(c.server), after - before);
	if (after - before > 500)
		FAIL("%ld more sk_buffs after 4800 empty CRYPTO frames",
		     after - before);
	CHECK(rmem_of(c.server) <= rmem0 + 4096);
	establish(&c);
}

/*
 * One new byte each, far apart: each would be a copy of its own.  At most
 * QUIC_CRYPTO_OOO_SKBS are kept, charged to the socket; the packets beyond
 * go unacknowledged, and the handshake still completes.
 */
TEST(crypto_ooo_one_byte_frames)
{
	long before, after;
	unsigned int rmem0, rmem1;
	struct conn c;
	int rcvbuf;
	socklen_t len = sizeof(rcvbuf);

	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(getsockopt(c.server, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	rmem0 = rmem_of(c.server);
	before = skbs_in_use();
	crypto_flood(&c, 20, 200, 1000, 3, 1);
	usleep(300000);
	after = skbs_in_use();
	rmem1 = rmem_of(c.server);
	printf("# %u -> %u bytes of receive memory (rcvbuf %d), %ld more sk_buffs in use, after 4000 one-byte early CRYPTO frames\n",
	       rmem0, rmem1, rcvbuf, after - before);
	if (after - before > 500)
		FAIL("%ld more sk_buffs after 4000 one-byte CRYPTO frames",
		     after - before);
	CHECK(rmem1 <= (unsigned int)rcvbuf);
	CHECK(rmem1 > rmem0);	/* what is kept is charged */
	establish(&c);
}

/*
 * RFC 9000 7.2: a client's first Destination Connection ID is at least 8
 * bytes, the seed of the Initial keys.  A shorter one makes no connection.
 */
TEST(initial_short_dcid)
{
	uint8_t client[RAW_SECRET_LEN], server[RAW_SECRET_LEN], hello[300];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct conn c;
	int lfd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(lfd >= 0);
	CHECK_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(lfd, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(lfd, 8));
	set_timeout(lfd, 1);

	RAW_OK(&c, raw_open(&c.rp, (struct sockaddr *)&sa, sl));
	c.rp.dcid_len = 4;
	CHECK(!raw_initial_secrets(c.rp.dcid, 4, client, server));
	RAW_OK(&c, raw_set_secrets(&c.rp, RAW_INITIAL, client, server));
	fill(hello, sizeof(hello), 1);
	RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));
	CHECK_ERRNO(accept(lfd, NULL, NULL), EAGAIN);
}

/* Copies of the client's Initial, sent as fast as it goes. */
struct copier {
	struct raw_peer *rp;
	const uint8_t *hello;
	size_t len;
	atomic_bool stop;
	int sent;
};

static void *send_copies(void *arg)
{
	struct copier *cp = arg;

	while (!atomic_load(&cp->stop) && cp->sent < 2000) {
		/* The same ClientHello at offset 0, as a retransmission. */
		cp->rp->sp[RAW_INITIAL].crypto_off = 0;
		if (raw_send_crypto(cp->rp, RAW_INITIAL, cp->hello, cp->len) < 0)
			break;
		cp->sent++;
	}
	return NULL;
}

/*
 * While accept() makes the server's socket for a client, copies of the
 * client's Initial keep coming.  Before, they could reach the new
 * connection before it was set up (its timer armed with a zero deadline:
 * an instant ETIMEDOUT); now the socket is published whole.  Ten rounds,
 * each a handshake that must complete.
 */
TEST(initial_copies_race_accept)
{
	int round;

	for (round = 0; round < 10; round++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);
		uint8_t hello[300], buf[300];
		struct copier cp = { 0 };
		pthread_t t;
		struct conn c;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c.listener = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
		CHECK(c.listener >= 0);
		server_params(c.listener, SMALL_MAX_DATA, 0);
		CHECK_OK(bind(c.listener, (struct sockaddr *)&sa,
			      sizeof(sa)));
		CHECK_OK(getsockname(c.listener, (struct sockaddr *)&sa, &sl));
		CHECK_OK(listen(c.listener, 8));
		set_timeout(c.listener, 10);
		RAW_OK(&c, raw_open(&c.rp, (struct sockaddr *)&sa, sl));
		fill(hello, sizeof(hello), 1);
		RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));

		cp.rp = &c.rp;
		cp.hello = hello;
		cp.len = sizeof(hello);
		CHECK(pthread_create(&t, NULL, send_copies, &cp) == 0);
		c.server = accept(c.listener, NULL, NULL);
		usleep(20000);
		atomic_store(&cp.stop, true);
		CHECK(pthread_join(t, NULL) == 0);
		CHECK(c.server >= 0);
		set_timeout(c.server, 10);
		recv_level(c.server, QUIC_CRYPTO_INITIAL, buf, sizeof(hello));
		CHECK(!memcmp(buf, hello, sizeof(hello)));
		establish(&c);
		close(c.server);
		close(c.listener);
		raw_free(&c.rp);
	}
}

static bool never(struct raw_peer *rp, const void *arg)
{
	(void)rp;
	(void)arg;
	return false;
}

/* Unreclaimable slab memory, in kB, from /proc/meminfo. */
static long slab_kb(void)
{
	return proc_number("/proc/meminfo", "SUnreclaim:");
}

/*
 * A peer that never acknowledges: every packet of ours that only carries
 * an ACK used to be remembered until acknowledged, one record each.  20000
 * PINGs draw about 10000 such packets; the memory they cost stays small,
 * and the connection still works.
 */
TEST(ack_only_packets_never_acked)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	long before, after;
	struct conn c;
	int i;

	start_small(&c);
	before = slab_kb();
	for (i = 0; i < 20000; i++)
		RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
	/* Read what came (and overflowed our socket), so that the last
	 * ACK has room.
	 */
	raw_wait(&c.rp, never, NULL, 300);
	after = slab_kb();
	printf("# unreclaimable slab %ld -> %ld kB after 20000 PINGs never acknowledged\n",
	       before, after);
	if (after - before > 2048)
		FAIL("slab grew by %ld kB", after - before);
	send_acked(&c, stream(0, 0, 10, true));
}

/*
 * A MAX_STREAMS flood, the event on and nobody reading: the events of one
 * stream type are one message, with the latest limit.
 */
TEST(max_streams_event_flood)
{
	struct quic_event_option ev = { QUIC_EVENT_STREAM_MAX_STREAM, 1 };
	static struct quic_frame f[100];
	unsigned char buf[64];
	uint64_t max = 16, id;
	unsigned int rmem;
	struct conn c;
	int64_t pn = 0;
	int i, j;

	start_small(&c);
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	for (i = 0; i < 50; i++) {
		for (j = 0; j < 100; j++) {
			memset(&f[j], 0, sizeof(f[j]));
			f[j].type = QUIC_FRAME_MAX_STREAMS_BIDI;
			f[j].max_streams = ++max;
		}
		pn = raw_send_frames(&c.rp, RAW_APP, f, 100);
		RAW_OK(&c, pn);
	}
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	rmem = rmem_of(c.server);
	printf("# %u bytes of receive memory after 5000 MAX_STREAMS with the event on\n",
	       rmem);
	CHECK(rmem < 4096);
	CHECK(recv(c.server, buf, sizeof(buf), 0) == 1 + sizeof(id));
	CHECK(buf[0] == QUIC_EVENT_STREAM_MAX_STREAM);
	memcpy(&id, buf + 1, sizeof(id));
	/* The server's own bidirectional streams: 1, 5, ... */
	CHECK(id == ((max - 1) << 2 | 1));
	CHECK_ERRNO(recv(c.server, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/*
 * In-order CRYPTO data after the handshake that the application never
 * reads: bounded by the receive buffer, then CRYPTO_BUFFER_EXCEEDED.
 */
TEST(crypto_in_order_flood)
{
	static struct quic_frame f[1];
	unsigned int rmem;
	int rcvbuf, i;
	socklen_t len = sizeof(rcvbuf);
	struct conn c;

	start_small(&c);
	CHECK_OK(getsockopt(c.server, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len));
	for (i = 0; i < 1000 && !c.rp.close.seen; i++) {
		memset(f, 0, sizeof(f));
		f[0].type = QUIC_FRAME_CRYPTO;
		f[0].crypto.offset = (uint64_t)i * 1000;
		f[0].crypto.len = 1000;
		f[0].crypto.data = data_bytes();
		RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, f, 1));
	}
	expect_close(&c, QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED,
		     QUIC_FRAME_CRYPTO);
	rmem = rmem_of(c.server);
	printf("# %u bytes of receive memory (rcvbuf %d) when the flood was closed\n",
	       rmem, rcvbuf);
	CHECK(rmem <= (unsigned int)rcvbuf);
}

/*
 * A handshake message after the handshake (a NewSessionTicket, say) does
 * not make every recv() without room for its cmsg fail: the stream data
 * behind it is read, and the message waits for a recvmsg() with the room.
 */
TEST(handshake_msg_does_not_block_recv)
{
	static struct quic_frame f;
	uint8_t buf[200];
	struct conn c;

	start_small(&c);
	memset(&f, 0, sizeof(f));
	f.type = QUIC_FRAME_CRYPTO;
	f.crypto.len = 100;
	f.crypto.data = data_bytes();
	send_acked(&c, f);
	send_acked(&c, stream(0, 0, 10, true));
	CHECK(recv(c.server, buf, sizeof(buf), 0) == 10);
	recv_level(c.server, QUIC_CRYPTO_APP, buf, 100);
	CHECK(!memcmp(buf, data_bytes(), 100));
}

/* The third of the three numbers in /proc/sys/net/ipv4/@name. */
static long tcp_mem_max(const char *name)
{
	char path[96];
	long a, b, c = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	f = fopen(path, "r");
	CHECK(f);
	CHECK(fscanf(f, "%ld %ld %ld", &a, &b, &c) == 3);
	fclose(f);
	return c;
}

static int sockbuf(int fd, int opt)
{
	int v;
	socklen_t len = sizeof(v);

	CHECK_OK(getsockopt(fd, SOL_SOCKET, opt, &v, &len));
	return v;
}

/*
 * The send buffer follows the peer's initial_max_data, the receive
 * buffer our max_data: up to TCP's own growth limits (tcp_wmem[2],
 * tcp_rmem[2]), never to a gigabyte because a peer (or an unprivileged
 * user) says so.
 */
TEST(buffers_within_sysctls)
{
	struct quic_transport_param tp;
	struct conn c;
	int fd;

	raw_initial_max_data = 1ULL << 40;
	start_small(&c);
	printf("# SO_SNDBUF %d with the peer's max_data 2^40 (tcp_wmem[2] %ld)\n",
	       sockbuf(c.server, SO_SNDBUF), tcp_mem_max("tcp_wmem"));
	CHECK(sockbuf(c.server, SO_SNDBUF) <= 2 * tcp_mem_max("tcp_wmem"));

	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	memset(&tp, 0, sizeof(tp));
	tp.max_data = 1ULL << 40;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
	printf("# SO_RCVBUF %d with a local max_data 2^40 (tcp_rmem[2] %ld)\n",
	       sockbuf(fd, SO_RCVBUF), tcp_mem_max("tcp_rmem"));
	CHECK(sockbuf(fd, SO_RCVBUF) <= 2 * tcp_mem_max("tcp_rmem"));
}

static struct quic_frame dgram(const char *s)
{
	struct quic_frame f = { .type = QUIC_FRAME_DATAGRAM_LEN };

	f.datagram.data = (const uint8_t *)s;
	f.datagram.len = strlen(s);
	return f;
}

/*
 * An old packet sent again (an on-path replay) after more gaps than the
 * received-packet set keeps ranges for: it used to be new again, and its
 * DATAGRAM delivered twice.  Now it is a duplicate.
 */
TEST(replay_after_many_gaps)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING }, f;
	uint64_t old_pn, next;
	char buf[64];
	struct conn c;
	int i;

	start(&c, SMALL_MAX_DATA, 1200);
	old_pn = c.rp.sp[RAW_APP].next_pn;
	f = dgram("first");
	send_acked(&c, f);
	CHECK(recv(c.server, buf, sizeof(buf), 0) == 5);
	/* 40 gaps: every other packet number skipped. */
	for (i = 0; i < 40; i++) {
		c.rp.sp[RAW_APP].next_pn++;
		send_acked(&c, ping);
	}
	next = c.rp.sp[RAW_APP].next_pn;
	c.rp.sp[RAW_APP].next_pn = old_pn;
	f = dgram("replayed");
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &f, 1));
	c.rp.sp[RAW_APP].next_pn = next;
	f = dgram("last");
	send_acked(&c, f);
	memset(buf, 0, sizeof(buf));
	CHECK(recv(c.server, buf, sizeof(buf), 0) > 0);
	if (strcmp(buf, "last"))
		FAIL("read \"%s\" after the replay, want \"last\"", buf);
	CHECK_ERRNO(recv(c.server, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* Make the raw peer a new client: a fresh first DCID, its Initial keys. */
static void new_client(struct conn *c, uint32_t n)
{
	uint8_t client[RAW_SECRET_LEN], server[RAW_SECRET_LEN];

	c->rp.dcid_len = RAW_CID_LEN;
	memset(c->rp.dcid, 0xa5, RAW_CID_LEN);
	memcpy(c->rp.dcid, &n, sizeof(n));
	CHECK(!raw_initial_secrets(c->rp.dcid, RAW_CID_LEN, client, server));
	RAW_OK(c, raw_set_secrets(&c->rp, RAW_INITIAL, client, server));
	c->rp.sp[RAW_INITIAL].next_pn = 0;
	c->rp.sp[RAW_INITIAL].crypto_off = 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Accept what waits, without blocking; each accepted socket closed. */
static int accept_all(int lfd)
{
	int n = 0, fd;

	CHECK_OK(fcntl(lfd, F_SETFL, O_NONBLOCK));
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		close(fd);
		n++;
	}
	CHECK(errno == EAGAIN);
	CHECK_OK(fcntl(lfd, F_SETFL, 0));
	return n;
}

/*
 * A flood of client Initials, each a new connection attempt, at a listener
 * with a backlog of 256 that nobody accepts from: what waits is charged
 * to the listener and bounded by its SO_RCVBUF (before, 256 uncharged
 * datagrams, 300 kB); a retransmission finds its first copy in a hash
 * table (it re-parsed every waiting request).  Then a real client still
 * connects.
 */
TEST(listener_initial_flood)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int flood = 400, copies = 400, rcvbuf, queued, i;
	double t_new, t_copy;
	socklen_t sl = sizeof(sa);
	long skbs_before, skbs_after;
	uint8_t hello[300], buf[300];
	struct quic_stream_info info;
	struct conn c;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.listener = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(c.listener >= 0);
	server_params(c.listener, SMALL_MAX_DATA, 0);
	CHECK_OK(bind(c.listener, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(c.listener, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(c.listener, 256));
	rcvbuf = sockbuf(c.listener, SO_RCVBUF);
	RAW_OK(&c, raw_open(&c.rp, (struct sockaddr *)&sa, sl));
	fill(hello, sizeof(hello), 1);

	skbs_before = skbs_in_use();
	t_new = now_ms();
	for (i = 0; i < flood; i++) {
		new_client(&c, i);
		RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));
	}
	t_new = now_ms() - t_new;
	skbs_after = skbs_in_use();
	printf("# %d new clients: listener rmem %u of SO_RCVBUF %d, skbs %+ld, %.0f ms\n",
	       flood, rmem_of(c.listener), rcvbuf, skbs_after - skbs_before,
	       t_new);
	CHECK(rmem_of(c.listener) <= (unsigned int)rcvbuf);

	/* The same client's Initial again and again: one request. */
	new_client(&c, flood);
	t_copy = now_ms();
	for (i = 0; i < copies; i++) {
		c.rp.sp[RAW_INITIAL].crypto_off = 0;
		RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));
	}
	t_copy = now_ms() - t_copy;
	printf("# %d copies of one Initial: %.0f ms (%.2f of the new clients' time)\n",
	       copies, t_copy, t_copy / t_new);

	queued = accept_all(c.listener);
	printf("# %d requests waited\n", queued);
	if (queued * 1200 > rcvbuf)
		FAIL("%d requests of 1200 bytes waited, SO_RCVBUF %d",
		     queued, rcvbuf);
	CHECK(queued > 8);
	CHECK(rmem_of(c.listener) == 0);

	/* A real client, from a new port: what the closed ones sent went
	 * to the old one.
	 */
	raw_free(&c.rp);
	RAW_OK(&c, raw_open(&c.rp, (struct sockaddr *)&sa, sl));
	for (i = 0; i < 50; i++) {
		c.rp.sp[RAW_INITIAL].crypto_off = 0;
		c.rp.sp[RAW_INITIAL].next_pn = 0;
		RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));
	}
	set_timeout(c.listener, 10);
	c.server = accept(c.listener, NULL, NULL);
	CHECK(c.server >= 0);
	CHECK(accept_all(c.listener) == 0);
	set_timeout(c.server, 10);
	recv_level(c.server, QUIC_CRYPTO_INITIAL, buf, sizeof(hello));
	CHECK(!memcmp(buf, hello, sizeof(hello)));
	establish(&c);
	send_acked(&c, stream(0, 0, 10, true));
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 10);
}

/* A long header packet of @type to @dcid, 1200 bytes, that cannot open. */
static void send_junk(int fd, uint8_t type, const uint8_t *dcid,
		      uint8_t dcid_len)
{
	uint8_t p[1200], *q = p;

	fill(p, sizeof(p), 9);
	*q++ = 0xc0 | type << 4;
	*q++ = 0; *q++ = 0; *q++ = 0; *q++ = 1;		/* QUIC v1 */
	*q++ = dcid_len;
	memcpy(q, dcid, dcid_len);
	q += dcid_len;
	*q++ = 0;					/* no SCID */
	if (type == 0)
		*q++ = 0;				/* no token */
	/* The length: the rest of the datagram, in two bytes. */
	*q = 0x40 | (sizeof(p) - (q - p) - 2) >> 8;
	q[1] = (sizeof(p) - (q - p) - 2) & 0xff;
	CHECK(send(fd, p, sizeof(p), 0) == sizeof(p));
}

/*
 * RFC 9000 section 8.1 counts what came from the client's address.  An
 * attacker with the server's connection ID sends junk from another port
 * while the victim's address is not validated; and the victim's own junk
 * Handshake packets, held for keys to come, are counted once, not again
 * when the keys come.  The server sends the victim no more than three
 * times what the victim sent.
 */
TEST(amplification_per_address)
{
	static uint8_t flight[40000];
	uint8_t c2s[RAW_SECRET_LEN], s2c[RAW_SECRET_LEN];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	uint64_t limit;
	struct conn c;
	int other, i;

	begin(&c, SMALL_MAX_DATA, 0);
	RAW_OK(&c, raw_wait_server_cid(&c.rp, WAIT_MS));
	/* Three Handshake packets before the server has Handshake keys. */
	for (i = 0; i < 3; i++)
		send_junk(c.rp.fd, 2, c.rp.dcid, c.rp.dcid_len);
	usleep(100000);
	set_secret(c.server, QUIC_CRYPTO_HANDSHAKE, 1, SEED_HS_S2C);
	set_secret(c.server, QUIC_CRYPTO_HANDSHAKE, 0, SEED_HS_C2S);
	fill(c2s, sizeof(c2s), SEED_HS_C2S);
	fill(s2c, sizeof(s2c), SEED_HS_S2C);
	RAW_OK(&c, raw_set_secrets(&c.rp, RAW_HANDSHAKE, c2s, s2c));

	/* The attacker, on another port, with the server's CID. */
	CHECK_OK(getpeername(c.rp.fd, (struct sockaddr *)&sa, &sl));
	other = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(other >= 0);
	CHECK_OK(connect(other, (struct sockaddr *)&sa, sl));
	for (i = 0; i < 20; i++)
		send_junk(other, 2, c.rp.dcid, c.rp.dcid_len);
	close(other);

	fill(flight, sizeof(flight), 3);
	CHECK(send_level(c.server, QUIC_CRYPTO_HANDSHAKE, flight,
			 sizeof(flight)) == sizeof(flight));
	raw_wait(&c.rp, never, NULL, 2000);
	limit = 3 * 4 * 1200;
	printf("# the victim sent 4 datagrams of 1200 bytes and received %llu bytes (limit %llu)\n",
	       (unsigned long long)c.rp.rx_bytes, (unsigned long long)limit);
	if (c.rp.rx_bytes > limit)
		FAIL("server sent %llu bytes before validation, limit %llu",
		     (unsigned long long)c.rp.rx_bytes,
		     (unsigned long long)limit);
	CHECK(c.rp.rx_bytes > 3 * 1200);
}

/* A 1-RTT packet to @c's server that cannot open: a forgery. */
static void send_forgery(struct conn *c)
{
	uint8_t p[100];

	fill(p, sizeof(p), 5);
	p[0] = 0x40 | (p[0] & 0x3f);
	memcpy(p + 1, c->rp.dcid, c->rp.dcid_len);
	CHECK(send(c->rp.fd, p, sizeof(p), 0) == sizeof(p));
}

/*
 * RFC 9001 section 6.6: past the integrity limit of its AEAD, packets
 * that fail to open close the connection with AEAD_LIMIT_REACHED (before,
 * they were dropped without end).  The limit is lowered to 64 for the
 * test; up to it the connection lives.
 */
TEST(aead_integrity_limit)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct conn c;
	int i;

	set_aead_limit(64);
	start_small(&c);
	for (i = 0; i < 64; i++)
		send_forgery(&c);
	send_acked(&c, ping);
	send_forgery(&c);
	expect_close(&c, QUIC_TRANSPORT_ERROR_AEAD_LIMIT_REACHED, 0);
	set_aead_limit(0);
}

/*
 * The raw peer's 1-RTT keys after @n key updates (RFC 9001 section 6.1:
 * each secret is "quic ku" of the one before; the header protection keys
 * stay), and the Key Phase bit of phase @n.
 */
static void raw_key_update_to(struct conn *c, int n)
{
	uint8_t c2s[RAW_SECRET_LEN], s2c[RAW_SECRET_LEN];
	struct raw_keys tx = c->rp.sp[RAW_APP].tx, rx = c->rp.sp[RAW_APP].rx;
	int i;

	fill(c2s, sizeof(c2s), SEED_APP_C2S);
	fill(s2c, sizeof(s2c), SEED_APP_S2C);
	for (i = 0; i < n; i++) {
		CHECK(!raw_hkdf_expand_label(c2s, sizeof(c2s), "quic ku", c2s,
					     sizeof(c2s)));
		CHECK(!raw_hkdf_expand_label(s2c, sizeof(s2c), "quic ku", s2c,
					     sizeof(s2c)));
	}
	RAW_OK(c, raw_set_secrets(&c->rp, RAW_APP, c2s, s2c));
	memcpy(c->rp.sp[RAW_APP].tx.hp, tx.hp, sizeof(tx.hp));
	memcpy(c->rp.sp[RAW_APP].rx.hp, rx.hp, sizeof(rx.hp));
	c->rp.short_bits = (n & 1) ? 0x04 : 0;
}

/*
 * RFC 9001 section 6.4: packets with higher numbers are never protected
 * with older keys.  The raw peer updates its keys (packet N, phase 1),
 * then sends packet N + 1 with the old ones: the server picks keys by
 * packet number (section 6.5: above every packet of the current phase,
 * the next keys), so that packet does not open and is dropped, never
 * processed; the connection goes on.
 */
TEST(key_update_old_keys_after_new)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct raw_keys old_tx;
	struct conn c;
	int64_t pn;

	start_small(&c);
	old_tx = c.rp.sp[RAW_APP].tx;
	raw_key_update_to(&c, 1);
	send_acked(&c, ping);
	c.rp.sp[RAW_APP].tx = old_tx;
	c.rp.short_bits = 0;
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	raw_key_update_to(&c, 1);
	send_acked(&c, ping);
	CHECK(!quic_ack_set_has(&c.rp.sp[RAW_APP].acked, pn));
	CHECK(!c.rp.close.seen);
}

/*
 * RFC 9001 sections 6.1 and 6.4: a peer updates its keys again only once
 * a packet of its current phase was acknowledged.  The raw peer updates
 * with a packet that carries only an ACK (not ack-eliciting, so nothing
 * acknowledges it), then updates again: KEY_UPDATE_ERROR.
 */
TEST(key_update_too_soon)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING }, ack;
	uint8_t ranges[QUIC_ACK_RANGES_BUF_LEN];
	struct raw_keys rx1;
	struct conn c;
	double t0;

	start_small(&c);
	raw_key_update_to(&c, 1);
	CHECK(!quic_ack_set_empty(&c.rp.sp[RAW_APP].recvd));
	quic_ack_set_to_frame(&c.rp.sp[RAW_APP].recvd, 0, &ack, ranges,
			      sizeof(ranges));
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ack, 1));
	rx1 = c.rp.sp[RAW_APP].rx;
	raw_key_update_to(&c, 2);
	/* The server refuses to follow: its close comes in phase 1. */
	c.rp.sp[RAW_APP].rx = rx1;
	/* Again until the server has the keys to open it (derived in a
	 * work item after the first update).
	 */
	for (t0 = now_ms(); now_ms() - t0 < 3000;) {
		RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
		if (!raw_wait_close(&c.rp, 100))
			break;
	}
	expect_close(&c, QUIC_TRANSPORT_ERROR_KEY_UPDATE, 0);
}

/*
 * RFC 9001 section 6.5: the current and the next receive keys, always.
 * The raw peer updates its keys, and as soon as the server acknowledged
 * that, updates them again.  The second update's packet opens as soon as
 * the server derived the keys after (it used to wait three of the
 * server's probe timeouts, here at least 6 s: the raw peer's max_ack_delay
 * is 2 s).  The packet is sent again every 100 ms until acknowledged.
 */
TEST(key_update_twice_quickly)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct conn c;
	double t0, ms;
	int64_t pn;
	int sent = 0;

	raw_max_ack_delay_ms = 2000;
	start_small(&c);
	raw_key_update_to(&c, 1);
	send_acked(&c, ping);
	raw_key_update_to(&c, 2);
	t0 = now_ms();
	for (;;) {
		pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
		RAW_OK(&c, pn);
		sent++;
		if (!raw_wait_acked(&c.rp, RAW_APP, pn, 100))
			break;
		ms = now_ms() - t0;
		if (ms > 3000 || c.rp.close.seen)
			FAIL("the second update did not open in %.0f ms (%d sent): %s",
			     ms, sent, c.rp.trace);
	}
	printf("# the second update opened after %.0f ms (%d packets sent)\n",
	       now_ms() - t0, sent);
	/* And a third, in phase 1 again. */
	raw_key_update_to(&c, 3);
	for (t0 = now_ms();;) {
		pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
		RAW_OK(&c, pn);
		if (!raw_wait_acked(&c.rp, RAW_APP, pn, 100))
			break;
		if (now_ms() - t0 > 3000)
			FAIL("the third update did not open in 3 s");
	}
	raw_max_ack_delay_ms = 0;
}

/* @packets packets of 100 MAX_DATA frames, each raising it by one. */
static double max_data_flood(struct conn *c, int packets, uint64_t *next)
{
	struct quic_frame f[100], ping = { .type = QUIC_FRAME_PING };
	double t = now_ms();
	int64_t pn;
	int i, j;

	for (i = 0; i < packets; i++) {
		for (j = 0; j < 100; j++) {
			memset(&f[j], 0, sizeof(f[j]));
			f[j].type = QUIC_FRAME_MAX_DATA;
			f[j].max_data = (*next)++;
		}
		pn = raw_send_frames(&c->rp, RAW_APP, f, 100);
		RAW_OK(c, pn);
		/* Read the ACKs as they come: the socket's buffer is small. */
		if (i % 16 == 15)
			RAW_OK(c, raw_wait_acked(&c->rp, RAW_APP, pn, WAIT_MS));
	}
	send_acked(c, ping);
	return now_ms() - t;
}

/*
 * A peer's frame for a stream far ahead opens every stream below it, in
 * softirq (RFC 9000 section 3.2): a max_streams of 2^60 let one frame
 * ask for 2^60 of them.  Now a larger limit is clamped to 4096 streams
 * open at once (as SO_RCVBUF is to rmem_max), and the 4096th costs a
 * bounded amount of memory.  Then MAX_DATA frames: each used to walk every
 * stream; with 4096 open they cost what they cost with none.
 */
TEST(peer_streams_far_ahead)
{
	struct quic_transport_param tp = { 0 };
	socklen_t len = sizeof(tp);
	uint64_t next = 1 << 21;
	double t_few, t_many;
	long before, after;
	struct conn c;

	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, &len));
	tp.max_streams_bidi = 1ULL << 60;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, sizeof(tp)));
	CHECK_OK(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, &len));
	printf("# max_streams_bidi 2^60 reads back as %llu\n",
	       (unsigned long long)tp.max_streams_bidi);
	CHECK(tp.max_streams_bidi == 4096);
	establish(&c);

	t_few = max_data_flood(&c, 200, &next);
	before = slab_kb();
	send_acked(&c, stream(4 * 4095, 0, 1, true));
	after = slab_kb();
	printf("# stream %d opened 4096 streams: unreclaimable slab %+ld kB\n",
	       4 * 4095, after - before);
	CHECK(after - before < 16 * 1024);
	t_many = max_data_flood(&c, 200, &next);
	printf("# 20000 MAX_DATA frames: %.0f ms with 1 stream, %.0f ms with 4096\n",
	       t_few, t_many);
	if (t_many > 5 * t_few + 1000)
		FAIL("MAX_DATA frames cost %.0f ms with 4096 streams, %.0f ms with one",
		     t_many, t_few);
	send_frame(&c, stream(4 * 4096, 0, 1, true));
	expect_close(&c, QUIC_TRANSPORT_ERROR_STREAM_LIMIT, 0x0b);
}

/* One-byte STREAM frames on stream 0 at offsets 1 to @n, 50 a packet. */
static void stream_ooo_bytes(struct conn *c, int n)
{
	struct quic_frame f[50], ping = { .type = QUIC_FRAME_PING };
	int i, k = 0;

	for (i = 1; i <= n; i++) {
		f[k++] = stream(0, i, 1, false);
		if (k == 50 || i == n) {
			RAW_OK(c, raw_send_frames(&c->rp, RAW_APP, f, k));
			k = 0;
		}
	}
	send_acked(c, ping);
}

/*
 * Out-of-order stream data is kept in a tree by offset (it was a list
 * walked per frame), and a frame whose bytes are all held already costs
 * nothing (each copy used to take an sk_buff, up to half of SO_RCVBUF).
 * 100 one-byte frames after a gap, then the same ten times over: the
 * receive memory does not move; then the gap is filled and all of it reads.
 */
TEST(stream_ooo_duplicates)
{
	struct quic_stream_info info;
	unsigned int once, again;
	uint8_t buf[200];
	struct conn c;
	int i;

	start_small(&c);
	stream_ooo_bytes(&c, 100);
	once = rmem_of(c.server);
	for (i = 0; i < 10; i++)
		stream_ooo_bytes(&c, 100);
	again = rmem_of(c.server);
	printf("# receive memory %u after 100 early one-byte frames, %u after ten copies of each\n",
	       once, again);
	CHECK(once > 0);
	if (again != once)
		FAIL("copies of held bytes cost %d bytes", (int)(again - once));
	send_acked(&c, stream(0, 0, 1, false));
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 101);
	CHECK(!memcmp(buf, data_bytes(), 1));
	for (i = 1; i <= 100; i++)
		CHECK(buf[i] == data_bytes()[0]);
}

/* A cgroup program for @type that refuses every connect(): "return 0". */
static int bpf_refuse(enum bpf_attach_type type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	return syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

static int bpf_attach(int cg, int prog, enum bpf_attach_type type, int cmd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cg;
	a.attach_bpf_fd = prog;
	a.attach_type = type;
	return syscall(SYS_bpf, cmd, &a, sizeof(a));
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	CHECK(f);
	CHECK(fputs(s, f) >= 0);
	CHECK(fclose(f) == 0);
}

/* connect() of a socket of @type to 127.0.0.1:@port, its errno or 0. */
static int connect_errno(int type, int proto, in_port_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = port };
	int fd = socket(AF_INET, type, proto), err;

	CHECK(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	close(fd);
	return err;
}

/*
 * A cgroup's BPF connect program decides for QUIC sockets too, as for UDP
 * (before, QUIC had no pre_connect and went past it).  The test moves
 * itself into a cgroup of its own whose program refuses every IPv4
 * connect(): both give EPERM; without the program both connect.
 */
TEST(pre_connect_bpf)
{
	const char *dir = "/sys/fs/cgroup/quic-abuse";
	char path[128], pid[32];
	int cg, prog;

	if (access("/sys/fs/cgroup/cgroup.procs", F_OK))
		CHECK_OK(mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL));
	CHECK(!mkdir(dir, 0755) || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	write_file(path, pid);
	cg = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(cg >= 0);
	prog = bpf_refuse(BPF_CGROUP_INET4_CONNECT);
	CHECK(prog >= 0);
	CHECK_OK(bpf_attach(cg, prog, BPF_CGROUP_INET4_CONNECT,
			    BPF_PROG_ATTACH));
	CHECK(connect_errno(SOCK_DGRAM, 0, htons(4433)) == EPERM);
	CHECK(connect_errno(SOCK_DGRAM, IPPROTO_QUIC, htons(4433)) == EPERM);
	CHECK_OK(bpf_attach(cg, prog, BPF_CGROUP_INET4_CONNECT,
			    BPF_PROG_DETACH));
	CHECK(connect_errno(SOCK_DGRAM, IPPROTO_QUIC, htons(4433)) == 0);
	write_file("/sys/fs/cgroup/cgroup.procs", pid);
	close(prog);
	close(cg);
	CHECK_OK(rmdir(dir));
}

/* The QUIC line's "memory" of /proc/net/protocols: pages; -1 if unkept. */
static long quic_memory_pages(void)
{
	char line[512], name[32];
	long pages = -2;
	FILE *f = fopen("/proc/net/protocols", "r");

	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %*d %*d %ld", name, &pages) == 2 &&
		    !strcmp(name, "QUIC"))
			break;
	fclose(f);
	CHECK(pages != -2);
	return pages;
}

/*
 * What QUIC sockets hold is charged to the protocol, as UDP's and TCP's
 * is, and bounded by its limits (the memory column of /proc/net/protocols
 * read -1: not kept).  4 MiB of stream data nobody reads shows there, and
 * goes when the connection does.
 */
TEST(protocol_memory_accounted)
{
	struct quic_transport_param tp = { 0 };
	struct quic_frame f[1], ping = { .type = QUIC_FRAME_PING };
	socklen_t len = sizeof(tp);
	long before, held, after;
	uint64_t off;
	int64_t pn;
	struct conn c;
	int i = 0;

	begin(&c, 8 << 20, 0);
	CHECK_OK(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, &len));
	tp.max_stream_data_bidi_remote = 8 << 20;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, sizeof(tp)));
	establish(&c);
	before = quic_memory_pages();
	for (off = 0; off < 4 << 20; off += 1000) {
		f[0] = stream(0, off, 1000, false);
		pn = raw_send_frames(&c.rp, RAW_APP, f, 1);
		RAW_OK(&c, pn);
		if (++i % 64 == 0)
			RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	}
	send_acked(&c, ping);
	held = quic_memory_pages();
	close(c.server);
	close(c.listener);
	raw_free(&c.rp);
	usleep(200000);
	after = quic_memory_pages();
	printf("# QUIC memory: %ld pages, %ld with 4 MiB unread, %ld after close\n",
	       before, held, after);
	CHECK(before >= 0);
	if (held < before + 256)
		FAIL("4 MiB held, the protocol's memory went from %ld to %ld pages",
		     before, held);
	/* Each CPU may keep up to 1 MiB (256 pages) of its own in reserve. */
	if (after > before + 512)
		FAIL("%ld pages still charged after close", after - before);
}

/*
 * Early data that finds the out-of-order memory full is dropped, and its
 * packet goes unacknowledged for the peer to send again; the packet's
 * other frames still count.  A peer's retransmission that puts the bytes
 * at the gap behind such a frame must not be dropped whole: it was, and
 * the same frames in the same order came back each probe timeout, so the
 * stream never moved again (stream.key_update_during_bulk stalled so,
 * now and then, after a burst of its packets was lost to a key update
 * the server could not follow yet).  With SO_RCVBUF small,
 * early frames fill the memory for them; then one packet carries another
 * early frame, then the bytes at offset 0: they are read.
 */
TEST(stream_gap_behind_dropped_frame)
{
	struct quic_frame f[2], ping = { .type = QUIC_FRAME_PING };
	struct quic_stream_info info;
	int rcvbuf = 4096, i;
	uint8_t buf[4096];
	struct conn c;
	ssize_t n;

	start_small(&c);
	CHECK_OK(setsockopt(c.server, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof(rcvbuf)));
	set_timeout(c.server, 3);
	for (i = 1; i <= 20; i++)
		send_frame(&c, stream(0, 500 * i, 500, false));
	/* Their acknowledgments, if any, are not awaited: a PING's is. */
	send_acked(&c, ping);
	f[0] = stream(0, 500 * 21, 500, false);
	f[1] = stream(0, 0, 500, false);
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, f, 2));
	n = recv_stream(c.server, buf, sizeof(buf), &info);
	if (n < 500)
		FAIL("the bytes at the gap were not taken: recv %zd (%s)", n,
		     n < 0 ? strerror(errno) : "short");
	CHECK(info.stream_id == 0);
	CHECK(!memcmp(buf, data_bytes(), 500));
}

/* A counter of /proc/net/quic/snmp. */
static long snmp(const char *name)
{
	return proc_number("/proc/net/quic/snmp", name);
}

static bool stream_came(struct raw_peer *rp, const void *arg)
{
	return rp->nstreams > *(const unsigned int *)arg;
}

/*
 * ECN counts the peer cannot have (RFC 9000 13.4.2.1): far more ECT(0)
 * packets than the server ever marked.  Before, honest counts (the raw
 * peer reads IP_TOS) validate the server's path.  The lie fails the
 * validation: the server marks no more, takes no congestion event from
 * it, and the connection goes on.
 */
TEST(ecn_counts_forged)
{
	long capable = snmp("QuicEcnCapablePaths");
	long failed = snmp("QuicEcnFailedPaths");
	long events = snmp("QuicEcnCongestionEvents");
	unsigned int n;
	struct conn c;
	int i;

	raw_ecn_report = true;
	start_small(&c);
	raw_ecn_report = false;
	CHECK(c.rp.sp[RAW_APP].ecn[0] > 0);
	CHECK(snmp("QuicEcnCapablePaths") == capable + 1);
	CHECK(snmp("QuicEcnFailedPaths") == failed);

	c.rp.ecn_extra[0] = 1ULL << 40;
	n = c.rp.nstreams;
	send_on(c.server, 1, "marked", MSG_STREAM_NEW, 0);
	RAW_OK(&c, raw_wait(&c.rp, stream_came, &n, WAIT_MS));
	CHECK(c.rp.rx_ecn == 2);	/* ECT(0): the path is capable */
	RAW_OK(&c, raw_send_ack(&c.rp, RAW_APP));
	for (i = 0; i < 100 && snmp("QuicEcnFailedPaths") == failed; i++)
		usleep(10000);
	CHECK(snmp("QuicEcnFailedPaths") == failed + 1);
	CHECK(snmp("QuicEcnCongestionEvents") == events);

	/* Unmarked from then on; the connection works. */
	n = c.rp.nstreams;
	send_on(c.server, 1, "unmarked", 0, 0);
	RAW_OK(&c, raw_wait(&c.rp, stream_came, &n, WAIT_MS));
	CHECK(c.rp.rx_ecn == 0);
	CHECK(!c.rp.close.seen);
	RAW_OK(&c, raw_send_ack(&c.rp, RAW_APP));
	send_acked(&c, stream(0, 0, 10, true));
}

/* When each of the server's STREAM frames came, for the gaps between. */
struct arrivals {
	unsigned int seen;	/* rp->nstreams at the last look */
	double last, max_gap;	/* s */
	unsigned int probes;
	double t0, at[32];
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool note_arrival(struct raw_peer *rp, const void *arg)
{
	struct arrivals *a = (struct arrivals *)arg;
	double t = mono_s();

	if (rp->nstreams != a->seen) {
		a->seen = rp->nstreams;
		if (t - a->last > a->max_gap)
			a->max_gap = t - a->last;
		a->last = t;
		if (a->probes < 32)
			a->at[a->probes] = t - a->t0;
		a->probes++;
	}
	return false;
}

/*
 * A peer that stops acknowledging, with a short idle timeout (2 s) and a
 * long probe timeout (its max_ack_delay is 100 ms): the server's probes
 * back off, but never to more than a quarter of the idle timeout apart.
 * They used to double up to 64 probe timeouts (7 s here): the peer's idle
 * timer, which runs from the last packet it heard, ended the connection
 * under a sender that never stopped trying (netem.loss_30_* under load).
 * The peer's PINGs keep the server's own idle timer from firing.  And the
 * first probe goes one probe timeout after the data: a timer left armed
 * from the handshake used to stand for it.
 */
#define IDLE_MS		2000
TEST(probes_within_idle_timeout)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct arrivals a = { 0 };
	unsigned int i;
	double end;
	struct conn c;

	raw_max_idle_ms = IDLE_MS;
	raw_max_ack_delay_ms = 100;
	start_small(&c);
	send_on(c.server, 1, "never acknowledged", MSG_STREAM_NEW, 0);
	a.last = mono_s();
	a.t0 = a.last;
	end = a.last + 3 * IDLE_MS / 1000.0;
	while (mono_s() < end) {
		raw_wait(&c.rp, note_arrival, &a, 250);
		RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
	}
	printf("# %u sends of the frame in %d s, at most %.2f s apart (idle timeout %.1f s)\n",
	       a.probes, 3 * IDLE_MS / 1000, a.max_gap, IDLE_MS / 1000.0);
	if (c.rp.close.seen)
		FAIL("the server closed: %s", c.rp.trace);
	/* A quarter of the idle timeout, with room for the emulator. */
	if (a.max_gap > IDLE_MS / 2000.0) {
		for (i = 0; i < a.probes && i < 32; i++)
			printf("# frame %u at %.3f s\n", i, a.at[i]);
		FAIL("probes %.2f s apart, the idle timeout is %.1f s",
		     a.max_gap, IDLE_MS / 1000.0);
	}
	/*
	 * The first probe one probe timeout (about 0.1 s) after the data,
	 * not at a deadline left from the handshake (it came after 1 s).
	 */
	if (a.probes < 2 || a.at[1] > 0.5)
		FAIL("the first probe %.2f s after the data",
		     a.probes < 2 ? 0 : a.at[1]);
	/* The path works again: everything goes on. */
	RAW_OK(&c, raw_send_ack(&c.rp, RAW_APP));
	send_acked(&c, stream(0, 0, 10, true));
}

int main(void)
{
	RUN(crypto_ooo_empty_frames);
	RUN(ecn_counts_forged);
	RUN(crypto_ooo_one_byte_frames);
	RUN(initial_short_dcid);
	RUN(initial_copies_race_accept);
	RUN(ack_only_packets_never_acked);
	RUN(max_streams_event_flood);
	RUN(crypto_in_order_flood);
	RUN(handshake_msg_does_not_block_recv);
	RUN(buffers_within_sysctls);
	RUN(replay_after_many_gaps);
	RUN(listener_initial_flood);
	RUN(amplification_per_address);
	RUN(aead_integrity_limit);
	RUN(key_update_old_keys_after_new);
	RUN(key_update_twice_quickly);
	RUN(key_update_too_soon);
	RUN(peer_streams_far_ahead);
	RUN(stream_ooo_duplicates);
	RUN(stream_gap_behind_dropped_frame);
	RUN(probes_within_idle_timeout);
	RUN(pre_connect_bpf);
	RUN(protocol_memory_accounted);
	return test_done();
}
