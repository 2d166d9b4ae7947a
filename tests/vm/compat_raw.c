// SPDX-License-Identifier: GPL-2.0
/*
 * The socket API as the draft says, seen from the wire: what a kernel
 * server puts in its packets (the CONNECTION_CLOSE reason phrase, the
 * MAX_STREAMS that follow streams as they end), and the STREAM_UPDATE
 * events that frames only a raw peer sends in that order (out of order,
 * sparse) give.  The client is the raw peer (rawconn.h); the suite is
 * "compat", as tests/vm/compat.c's.
 */

#define _GNU_SOURCE
#include <sys/time.h>

#define TEST_SUITE "compat"
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "rawconn.h"

static void enable_stream_events(int fd)
{
	struct quic_event_option ev = { QUIC_EVENT_STREAM_UPDATE, 1 };

	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
}

/* The next thing to read must be a STREAM_UPDATE event. */
static struct quic_stream_update next_update(int fd)
{
	unsigned char buf[64];
	struct quic_stream_update u;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &msg, 0);

	CHECK(n >= 0);
	if (!(msg.msg_flags & MSG_NOTIFICATION) || n != 1 + sizeof(u) ||
	    buf[0] != QUIC_EVENT_STREAM_UPDATE)
		FAIL("want a STREAM_UPDATE event, got %zd bytes, flags 0x%x",
		     n, msg.msg_flags);
	memcpy(&u, buf + 1, sizeof(u));
	return u;
}

static void expect_update(int fd, int64_t id, uint32_t state,
			  uint64_t finalsz)
{
	struct quic_stream_update u = next_update(fd);

	if (u.id != id || u.state != state || u.finalsz != finalsz)
		FAIL("event: stream %lld state %u finalsz %llu, want stream %lld state %u finalsz %llu",
		     (long long)u.id, u.state,
		     (unsigned long long)u.finalsz, (long long)id, state,
		     (unsigned long long)finalsz);
}

/* ---- Section 6.1.5: the reason phrase on the wire ---- */

/*
 * The option is struct quic_connection_close with a NUL-terminated phrase,
 * sized with sizeof() as libquic and programs do: the frame carries the
 * phrase's bytes and nothing more (no NUL, no padding).
 */
TEST(close_phrase_on_wire)
{
	static const char phrase[] = "bye now";
	char buf[64] = { 0 }, got[64] = { 0 };
	struct quic_connection_close *cc = (void *)buf;
	socklen_t len = sizeof(got);
	struct conn c;

	start_small(&c);
	cc->errcode = 0x42;
	cc->frame = 0;
	memcpy(cc->phrase, phrase, sizeof(phrase));
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    buf, sizeof(*cc) + sizeof(phrase)));
	/* Read back in the same layout. */
	CHECK_OK(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    got, &len));
	CHECK(len == offsetof(struct quic_connection_close, phrase) +
		     sizeof(phrase));
	CHECK(((struct quic_connection_close *)got)->errcode == 0x42);
	CHECK(!strcmp((char *)((struct quic_connection_close *)got)->phrase,
		      phrase));

	CHECK_OK(close(c.server));
	RAW_OK(&c, raw_wait_close(&c.rp, WAIT_MS));
	CHECK(c.rp.close.app && c.rp.close.errcode == 0x42);
	if (c.rp.close.phrase_len != strlen(phrase) ||
	    memcmp(c.rp.close.phrase_raw, phrase, strlen(phrase)))
		FAIL("phrase of %llu bytes on the wire, want the %zu of \"%s\"",
		     (unsigned long long)c.rp.close.phrase_len, strlen(phrase),
		     phrase);
}

/* A zeroed struct alone: no phrase at all. */
TEST(close_phrase_empty_on_wire)
{
	struct quic_connection_close cc;
	struct conn c;

	memset(&cc, 0, sizeof(cc));
	cc.errcode = 7;
	start_small(&c);
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    &cc, sizeof(cc)));
	CHECK_OK(close(c.server));
	RAW_OK(&c, raw_wait_close(&c.rp, WAIT_MS));
	CHECK(c.rp.close.app && c.rp.close.errcode == 7);
	CHECK(c.rp.close.phrase_len == 0);
}

/* ---- Section 5.1.1: the receive-side updates, in their order ---- */

/*
 * RECV when data first arrives before the end, SIZE_KNOWN when the FIN
 * comes ahead of a gap, RECVD when the gap fills: all before the data.
 */
TEST(stream_update_order)
{
	char buf[64];
	struct quic_stream_info info;
	struct conn c;

	start_small(&c);
	enable_stream_events(c.server);
	send_acked(&c, stream(0, 0, 5, false));
	send_acked(&c, stream(0, 10, 10, true));
	send_acked(&c, stream(0, 5, 5, false));

	expect_update(c.server, 0, QUIC_STREAM_RECV_STATE_RECV, 0);
	expect_update(c.server, 0, QUIC_STREAM_RECV_STATE_SIZE_KNOWN, 20);
	expect_update(c.server, 0, QUIC_STREAM_RECV_STATE_RECVD, 20);
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 20);
	CHECK(info.stream_id == 0 && (info.stream_flags & MSG_STREAM_FIN));
}

/*
 * Streams opened only because a higher one was (RFC 9000 section 3.2)
 * have no data: no RECV for them until data comes.  A stream whose first
 * frame ends it has no RECV either, only RECVD.
 */
TEST(stream_update_sparse)
{
	char buf[64];
	struct quic_stream_info info;
	struct conn c;

	start_small(&c);
	enable_stream_events(c.server);
	send_acked(&c, stream(8, 0, 3, true));
	send_acked(&c, stream(4, 0, 2, false));

	expect_update(c.server, 8, QUIC_STREAM_RECV_STATE_RECVD, 3);
	expect_update(c.server, 4, QUIC_STREAM_RECV_STATE_RECV, 0);
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 3);
	CHECK(info.stream_id == 8 && (info.stream_flags & MSG_STREAM_FIN));
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 2);
	CHECK(info.stream_id == 4 && !(info.stream_flags & MSG_STREAM_FIN));
}

/* ---- RFC 9000 section 4.6: more streams as streams end ---- */

static void send_fin(int fd, int64_t sid)
{
	send_on(fd, sid, "ok", MSG_STREAM_FIN, 0);
}

struct streams_arg {
	uint64_t max;
};

static bool max_streams_reached(struct raw_peer *rp, const void *arg)
{
	const struct streams_arg *a = arg;

	/* Acknowledge the server's answers, so that its streams end. */
	raw_send_ack(rp, RAW_APP);
	return rp->max_streams[0] >= a->max;
}

/*
 * The peer opens its last allowed stream first: the lower ones open with
 * it and never end.  Each stream that ends makes room for one more at
 * once: the server's limit rises by one per stream, 8 times over.
 */
TEST(max_streams_per_stream_end)
{
	struct quic_stream_info info;
	struct streams_arg a;
	char buf[64];
	struct conn c;
	int64_t sid;
	int i;

	start_small(&c);
	for (i = 0; i < 8; i++) {
		sid = (SMALL_STREAMS - 1 + i) * 4;
		send_acked(&c, stream(sid, 0, 2, true));
		CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 2);
		CHECK(info.stream_id == sid &&
		      (info.stream_flags & MSG_STREAM_FIN));
		send_fin(c.server, sid);
		a.max = SMALL_STREAMS + i + 1;
		if (raw_wait(&c.rp, max_streams_reached, &a, WAIT_MS))
			FAIL("MAX_STREAMS %llu after stream %lld ended: %s",
			     (unsigned long long)a.max, (long long)sid,
			     c.rp.err);
	}
}

/* ---- Section 4.1 MSG_MORE, section 6.1.3 stream_data_nodelay ---- */

struct at {
	uint64_t id, off;
};

/* A STREAM frame of the server's carried byte @off of stream @id. */
static bool stream_byte_seen(struct raw_peer *rp, const void *arg)
{
	const struct at *a = arg;
	unsigned int i;

	for (i = 0; i < rp->nstreams && i < RAW_STREAM_LOG; i++) {
		const struct raw_stream_frame *s = &rp->streams[i];

		if (s->id == a->id && s->off <= a->off &&
		    a->off < s->off + s->len)
			return true;
	}
	return false;
}

static bool never(struct raw_peer *rp, const void *arg)
{
	(void)rp;
	(void)arg;
	return false;
}

/* Read what the server sends for @ms, acknowledging nothing. */
static void watch(struct conn *c, int ms)
{
	raw_wait(&c->rp, never, NULL, ms);
}

static void expect_byte(struct conn *c, uint64_t id, uint64_t off)
{
	struct at a = { id, off };

	if (raw_wait(&c->rp, stream_byte_seen, &a, WAIT_MS))
		FAIL("byte %llu of stream %llu never came: %s",
		     (unsigned long long)off, (unsigned long long)id,
		     c->rp.err);
}

static void expect_no_byte(struct conn *c, uint64_t id, uint64_t off)
{
	struct at a = { id, off };

	if (stream_byte_seen(&c->rp, &a))
		FAIL("byte %llu of stream %llu was sent: %s",
		     (unsigned long long)off, (unsigned long long)id,
		     c->rp.trace);
}

/*
 * A server whose probe timeout is long (the raw peer announces a
 * max_ack_delay of 2 s), so that within the test's watch nothing goes out
 * again, and all it sent so far acknowledged.
 */
static void start_quiet(struct conn *c)
{
	raw_max_ack_delay_ms = 2000;
	start_small(c);
	usleep(100000);
}

/* Bytes sent with MSG_MORE wait for the next send without it. */
TEST(msg_more_holds_until_next_send)
{
	struct conn c;

	start_quiet(&c);
	send_on(c.server, 1, "a", MSG_STREAM_NEW, MSG_MORE);
	send_on(c.server, 1, "b", 0, MSG_MORE);
	watch(&c, 300);
	CHECK(c.rp.nstreams == 0);
	send_on(c.server, 1, "c", 0, 0);
	expect_byte(&c, 1, 2);
	/* All three in one frame. */
	CHECK(c.rp.nstreams == 1 && c.rp.streams[0].off == 0 &&
	      c.rp.streams[0].len == 3);
}

/*
 * The Nagle algorithm, on by default: a small send waits while bytes sent
 * before are not acknowledged, and goes when they are; a FIN does not wait.
 */
TEST(nagle_holds_small_sends)
{
	struct conn c;

	start_quiet(&c);
	send_on(c.server, 1, "a", MSG_STREAM_NEW, 0);
	expect_byte(&c, 1, 0);		/* nothing was in flight */
	send_on(c.server, 1, "b", 0, 0);
	watch(&c, 300);
	expect_no_byte(&c, 1, 1);
	RAW_OK(&c, raw_send_ack(&c.rp, RAW_APP));
	expect_byte(&c, 1, 1);
	/* "b" is not acknowledged, and the FIN goes all the same. */
	send_on(c.server, 1, "c", MSG_STREAM_FIN, 0);
	expect_byte(&c, 1, 2);
}

/* stream_data_nodelay: every send goes at once. */
TEST(nodelay_sends_at_once)
{
	struct quic_config cfg;
	struct conn c;

	start_quiet(&c);
	memset(&cfg, 0, sizeof(cfg));
	cfg.stream_data_nodelay = 1;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg,
			    sizeof(cfg)));
	send_on(c.server, 1, "a", MSG_STREAM_NEW, 0);
	expect_byte(&c, 1, 0);
	send_on(c.server, 1, "b", 0, 0);
	expect_byte(&c, 1, 1);
	send_on(c.server, 1, "c", 0, 0);
	expect_byte(&c, 1, 2);
}

int main(void)
{
	RUN(close_phrase_on_wire);
	RUN(close_phrase_empty_on_wire);
	RUN(stream_update_order);
	RUN(stream_update_sparse);
	RUN(max_streams_per_stream_end);
	RUN(msg_more_holds_until_next_send);
	RUN(nagle_holds_small_sends);
	RUN(nodelay_sends_at_once);
	return test_done();
}
