// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzers against the live module (issue 14), each bounded in time and
 * count, each from a fixed seed that is printed (FUZZ_SEED=<number>
 * replaces it; FUZZ_MS=<milliseconds> the time each fuzzer runs).
 *
 *  - established: the raw peer (rawconn.h) completes a handshake with a
 *    kernel server, then sends it correctly protected 1-RTT packets (and
 *    some Initial and Handshake ones) of random frames: every frame type,
 *    varints at their edges, stream IDs near the limits, offsets near 2^62,
 *    lengths beyond the packet, frames cut short; packets duplicated,
 *    reordered, with their numbers reused.
 *  - handshake: the same at the Initial and Handshake levels of a
 *    connection whose handshake is under way.
 *  - listener: Initials to a listening socket, protected or not, with
 *    garbage after a valid header, broken header fields, coalesced garbage.
 *  - sockopt_cmsg: several threads call getsockopt()/setsockopt() with
 *    random SOL_QUIC option names, lengths and values, sendmsg()/recvmsg()
 *    with random cmsgs, racing close(), shutdown(), connect(), bind(),
 *    listen() and accept() on the same fd numbers.
 *
 * Between rounds each packet fuzzer checks that the kernel is sane: a
 * connection nobody attacks still carries data, and the connection under
 * attack either still answers a PING or was closed with a transport error
 * (its CONNECTION_CLOSE on the wire, its socket's error, and for a close the
 * fuzzer sent, what QUIC_SOCKOPT_CONNECTION_CLOSE reads).  Never a hang.
 *
 * The last two tests check that every socket of the suite is gone (the
 * module's reference count back where it was: rmmod can go), and that the
 * kernel log has no WARN, BUG, KASAN, refcount or leak line since the
 * suite began (a marker written to /dev/kmsg).
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#define TEST_SUITE "fuzz"
#define TEST_TIMEOUT 90
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "rawconn.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define FUZZ_DEFAULT_SEED	0x5eed0014u
#define FUZZ_DEFAULT_MS		4000
#define VI_MAX			((1ULL << 62) - 1)
#define PING_WAIT_MS		3000

static uint64_t fuzz_seed;
static int64_t fuzz_ms = FUZZ_DEFAULT_MS;
static long refcnt_before = -1;
static char kmsg_marker[96];
static bool kmsg_marked;

/* ---- Random numbers: splitmix64, one stream per test ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct rng *r, uint64_t n)
{
	return n ? rnd64(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return rnd(r, 100) < percent;
}

static void rnd_bytes(struct rng *r, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd64(r);
}

/* The test's own stream: the suite's seed and the test's name. */
static void rng_init(struct rng *r, const char *name)
{
	r->s = fuzz_seed;
	while (*name)
		r->s = (r->s ^ (uint8_t)*name++) * 0x100000001b3ULL;
	printf("# %s.%s: seed 0x%llx (from FUZZ_SEED=0x%llx), %lld ms\n",
	       TEST_SUITE, test_name, (unsigned long long)r->s,
	       (unsigned long long)fuzz_seed, (long long)fuzz_ms);
	fflush(stdout);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Values at the edges ---- */

static const uint64_t vi_edges[] = {
	0, 1, 2, 63, 64, 16383, 16384, (1ULL << 30) - 1, 1ULL << 30,
	(1ULL << 32) - 1, 1ULL << 32, (1ULL << 60) - 1, 1ULL << 60,
	VI_MAX - 1, VI_MAX,
};

static uint64_t pick_vi(struct rng *r)
{
	switch (rnd(r, 4)) {
	case 0:
		return vi_edges[rnd(r, ARRAY_SIZE(vi_edges))];
	case 1:
		return rnd(r, 64);
	case 2:
		return rnd(r, 1 << 16);
	default:
		return rnd64(r) & VI_MAX;
	}
}

/* A varint, now and then on more bytes than it needs (that is allowed). */
static uint8_t *put_vi(struct rng *r, uint8_t *p, uint64_t v)
{
	uint32_t n;

	v &= VI_MAX;
	n = quic_varint_len(v);
	if (chance(r, 8))
		n = 8;
	else if (n < 4 && chance(r, 5))
		n = 4;
	return quic_put_varint_n(p, v, n);
}

/* Stream IDs: the first ones, around both ends' limits, the last. */
static uint64_t pick_stream_id(struct rng *r)
{
	switch (rnd(r, 6)) {
	case 0:
		return rnd(r, 12);
	case 1:	/* the server's limit on our streams, SMALL_STREAMS */
		return (SMALL_STREAMS - 1 + rnd(r, 3)) * 4 + rnd(r, 4);
	case 2:	/* ours on the server's, 16 (client_params()) */
		return (16 - 1 + rnd(r, 3)) * 4 + rnd(r, 4);
	case 3:	/* 2^60 streams: the last IDs there are, and past them */
		return VI_MAX - rnd(r, 8);
	case 4:
		return (QUIC_STREAMS_MAX - rnd(r, 2)) * 4 + rnd(r, 4);
	default:
		return pick_vi(r);
	}
}

/* Offsets: 0, small, at the flow control limits, near 2^62. */
static uint64_t pick_offset(struct rng *r, uint64_t len)
{
	switch (rnd(r, 6)) {
	case 0:
		return 0;
	case 1:
		return rnd(r, 2048);
	case 2:
		return SMALL_STREAM_DATA - rnd(r, 64);
	case 3:
		return SMALL_MAX_DATA - rnd(r, 64);
	case 4:	/* the last bytes a stream can have, and one past */
		return VI_MAX - (len & 0xffff) + 1 - rnd(r, 3);
	default:
		return pick_vi(r);
	}
}

/* A Length field: 0, what fits, more than the packet, anything. */
static uint64_t pick_len(struct rng *r, size_t room)
{
	switch (rnd(r, 6)) {
	case 0:
		return 0;
	case 1:
	case 2:
		return rnd(r, (room < 200 ? room : 200) + 1);
	case 3:
		return room + 1 + rnd(r, 100);
	case 4:
		return rnd(r, room + 1);
	default:
		return pick_vi(r);
	}
}

/* ---- Frames ---- */

#define SCRATCH		4096
#define DATA_MAX	1400	/* bytes of data a frame carries at most */

static const uint64_t frame_types[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x30, 0x31,
};

#define CLOSES_KEPT	64

/* One packet fuzzer's state. */
struct fz {
	struct rng r;
	struct raw_peer *rp;
	/* Error codes of the CONNECTION_CLOSE frames we sent, as u32. */
	uint32_t close_sent[CLOSES_KEPT];
	unsigned int nclose;
	/* The last packet of each level, to send again as it was. */
	uint8_t last[RAW_LEVELS][RAW_MAX_DATAGRAM];
	size_t last_len[RAW_LEVELS];
	int64_t last_pn[RAW_LEVELS];
	/* Packet numbers skipped, to send late. */
	uint64_t holes[RAW_LEVELS][8];
	unsigned int nholes[RAW_LEVELS];
	/* What was done, for the summary and failure messages. */
	unsigned long packets, frames, rounds, dups, late, reused;
	unsigned long closed_by_server, closed_by_us, conns;
	unsigned long errs[0x20];	/* server closes by error code */
	char last_desc[160];
	unsigned int hostile;	/* percent of frames that break rules */
	unsigned int age;	/* rounds on this connection */
};

static void note_close(struct fz *z, uint64_t errcode)
{
	z->close_sent[z->nclose++ % CLOSES_KEPT] = (uint32_t)errcode;
}

/* Data bytes of a frame: as many as @len says, as many as fit in @room. */
static uint8_t *put_data(struct fz *z, uint8_t *p, uint64_t len, size_t room)
{
	size_t n = len < room ? len : room;

	if (n > DATA_MAX)
		n = DATA_MAX;
	rnd_bytes(&z->r, p, n);
	return p + n;
}

static uint64_t pick_limit(struct rng *r)
{
	switch (rnd(r, 4)) {
	case 0:
		return rnd(r, 64);
	case 1:
		return QUIC_STREAMS_MAX - 1 + rnd(r, 3);
	case 2:
		return SMALL_MAX_DATA + rnd(r, 1 << 20);
	default:
		return pick_vi(r);
	}
}

/*
 * A frame a well-behaved client could send at @level, with values within
 * the limits (it may still break a rule now and then: a final size that
 * does not match, data at an offset seen with other bytes).
 */
static size_t gen_mild(struct fz *z, enum raw_level level, uint8_t *out,
		       size_t room)
{
	static const uint8_t app[] = {
		QUIC_FRAME_PADDING, QUIC_FRAME_PING, QUIC_FRAME_ACK,
		QUIC_FRAME_RESET_STREAM, QUIC_FRAME_STOP_SENDING,
		QUIC_FRAME_CRYPTO, QUIC_FRAME_STREAM | QUIC_STREAM_BIT_LEN,
		QUIC_FRAME_STREAM | QUIC_STREAM_BIT_LEN | QUIC_STREAM_BIT_OFF,
		QUIC_FRAME_STREAM | QUIC_STREAM_BIT_LEN | QUIC_STREAM_BIT_OFF |
		QUIC_STREAM_BIT_FIN, QUIC_FRAME_STREAM | QUIC_STREAM_BIT_OFF,
		QUIC_FRAME_MAX_DATA, QUIC_FRAME_MAX_STREAM_DATA,
		QUIC_FRAME_MAX_STREAMS_BIDI, QUIC_FRAME_MAX_STREAMS_UNI,
		QUIC_FRAME_DATA_BLOCKED, QUIC_FRAME_STREAM_DATA_BLOCKED,
		QUIC_FRAME_STREAMS_BLOCKED_BIDI, QUIC_FRAME_STREAMS_BLOCKED_UNI,
		QUIC_FRAME_RETIRE_CONNECTION_ID, QUIC_FRAME_PATH_CHALLENGE,
		QUIC_FRAME_DATAGRAM_LEN, QUIC_FRAME_DATAGRAM,
	};
	static const uint8_t early[] = {
		QUIC_FRAME_PADDING, QUIC_FRAME_PING, QUIC_FRAME_ACK,
		QUIC_FRAME_CRYPTO,
	};
	struct raw_space *sp = &z->rp->sp[level];
	struct rng *r = &z->r;
	uint8_t *p = out, type;
	uint64_t id, off, len;
	size_t n;

	type = level == RAW_APP ? app[rnd(r, sizeof(app))] :
				  early[rnd(r, sizeof(early))];
	if (type == QUIC_FRAME_ACK && quic_ack_set_empty(&sp->recvd))
		type = QUIC_FRAME_PING;
	/* Client streams within the server's limit of SMALL_STREAMS. */
	id = rnd(r, SMALL_STREAMS) * 4 + (chance(r, 70) ? 0 : 2);
	*p++ = type;
	switch (type) {
	case QUIC_FRAME_PADDING:
		n = rnd(r, 20);
		memset(p, 0, n);
		p += n;
		break;
	case QUIC_FRAME_ACK:
		p = quic_put_varint(p, quic_ack_set_largest(&sp->recvd));
		p = quic_put_varint(p, rnd(r, 100));
		p = quic_put_varint(p, 0);
		p = quic_put_varint(p, 0);
		break;
	case QUIC_FRAME_RESET_STREAM:
		p = quic_put_varint(p, id);
		p = quic_put_varint(p, rnd(r, 100));
		p = quic_put_varint(p, rnd(r, 3000));
		break;
	case QUIC_FRAME_STOP_SENDING:
	case QUIC_FRAME_MAX_STREAM_DATA:
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		p = quic_put_varint(p, id & ~2ULL);	/* bidirectional */
		p = quic_put_varint(p, rnd(r, 1 << 20));
		break;
	case QUIC_FRAME_CRYPTO:
		len = rnd(r, (room < 300 ? room : 300) + 1);
		p = quic_put_varint(p, rnd(r, 2000));
		p = quic_put_varint(p, len);
		p = put_data(z, p, len, room);
		break;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		len = rnd(r, (room < 1000 ? room : 1000) + 1);
		off = rnd(r, 2000);
		p = quic_put_varint(p, id);
		if (type & QUIC_STREAM_BIT_OFF)
			p = quic_put_varint(p, off);
		if (type & QUIC_STREAM_BIT_LEN)
			p = quic_put_varint(p, len);
		p = put_data(z, p, len, room);
		break;
	case QUIC_FRAME_MAX_DATA:
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
	case QUIC_FRAME_DATA_BLOCKED:
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		p = quic_put_varint(p, rnd(r, 1 << 20));
		break;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		p = quic_put_varint(p, 1 + rnd(r, 3));
		break;
	case QUIC_FRAME_PATH_CHALLENGE:
		rnd_bytes(r, p, QUIC_PATH_DATA_LEN);
		p += QUIC_PATH_DATA_LEN;
		break;
	case QUIC_FRAME_DATAGRAM_LEN:
		len = rnd(r, (room < 500 ? room : 500) + 1);
		p = quic_put_varint(p, len);
		p = put_data(z, p, len, room);
		break;
	case QUIC_FRAME_DATAGRAM:
		p = put_data(z, p, rnd(r, room + 1), room);
		break;
	default:	/* PING */
		break;
	}
	z->frames++;
	return p - out;
}

/*
 * One frame into @out (SCRATCH bytes), for a packet with @room bytes left;
 * what goes beyond @room is cut by the caller.  Returns its length.
 */
static size_t gen_frame(struct fz *z, enum raw_level level, uint8_t *out,
			size_t room)
{
	struct raw_space *sp = &z->rp->sp[level];
	struct rng *r = &z->r;
	uint64_t type, v, count, i, largest;
	uint8_t *p = out;
	size_t n;

	if (!chance(r, z->hostile))
		return gen_mild(z, level, out, room);
	if (chance(r, 4)) {
		switch (rnd(r, 4)) {
		case 0:
			type = 0x1f;
			break;
		case 1:
			type = 0x20 + rnd(r, 16);
			break;
		case 2:
			type = 0x32 + rnd(r, 100);
			break;
		default:
			type = pick_vi(r);
			break;
		}
	} else {
		type = frame_types[rnd(r, ARRAY_SIZE(frame_types))];
	}
	/* The type on more bytes than it needs is a PROTOCOL_VIOLATION. */
	if (chance(r, 2))
		p = quic_put_varint_n(p, type & VI_MAX,
				      (type & VI_MAX) < (1 << 14) ? 2 : 8);
	else
		p = quic_put_varint(p, type & VI_MAX);

	switch (type) {
	case QUIC_FRAME_PADDING:
		n = rnd(r, 40);
		memset(p, 0, n);
		p += n;
		break;
	case QUIC_FRAME_PING:
	case QUIC_FRAME_HANDSHAKE_DONE:
		break;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		/* Mostly of what the server did send, so that some hold. */
		largest = !quic_ack_set_empty(&sp->recvd) && chance(r, 70) ?
			  quic_ack_set_largest(&sp->recvd) : pick_vi(r);
		p = put_vi(r, p, largest);
		p = put_vi(r, p, chance(r, 70) ? rnd(r, 1000) : pick_vi(r));
		count = chance(r, 70) ? rnd(r, 3) : pick_vi(r);
		p = put_vi(r, p, count);
		p = put_vi(r, p, chance(r, 70) ? rnd(r, (largest & 0xffff) + 1) :
						 pick_vi(r));
		for (i = 0; i < count && i < 20; i++) {
			p = put_vi(r, p, chance(r, 80) ? rnd(r, 4) : pick_vi(r));
			p = put_vi(r, p, chance(r, 80) ? rnd(r, 4) : pick_vi(r));
		}
		if (type == QUIC_FRAME_ACK_ECN)
			for (i = 0; i < 3; i++)
				p = put_vi(r, p, chance(r, 50) ? rnd(r, 10) :
								 pick_vi(r));
		break;
	case QUIC_FRAME_RESET_STREAM:
		p = put_vi(r, p, pick_stream_id(r));
		p = put_vi(r, p, pick_vi(r));
		p = put_vi(r, p, pick_offset(r, 0));
		break;
	case QUIC_FRAME_STOP_SENDING:
		p = put_vi(r, p, pick_stream_id(r));
		p = put_vi(r, p, pick_vi(r));
		break;
	case QUIC_FRAME_CRYPTO:
		v = pick_len(r, room);
		p = put_vi(r, p, chance(r, 50) ? rnd(r, 4096) :
						 pick_offset(r, v));
		p = put_vi(r, p, v);
		p = put_data(z, p, v, room);
		break;
	case QUIC_FRAME_NEW_TOKEN:
		v = pick_len(r, room);
		p = put_vi(r, p, v);
		p = put_data(z, p, v, room);
		break;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		v = pick_len(r, room);
		p = put_vi(r, p, pick_stream_id(r));
		if (type & QUIC_STREAM_BIT_OFF)
			p = put_vi(r, p, pick_offset(r, v));
		if (type & QUIC_STREAM_BIT_LEN) {
			p = put_vi(r, p, v);
			p = put_data(z, p, v, room);
		} else {
			p = put_data(z, p, rnd(r, room + 1), room);
		}
		break;
	case QUIC_FRAME_MAX_DATA:
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
	case QUIC_FRAME_DATA_BLOCKED:
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		p = put_vi(r, p, pick_limit(r));
		break;
	case QUIC_FRAME_MAX_STREAM_DATA:
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		p = put_vi(r, p, pick_stream_id(r));
		p = put_vi(r, p, pick_limit(r));
		break;
	case QUIC_FRAME_NEW_CONNECTION_ID:
		v = chance(r, 70) ? 1 + rnd(r, 8) : pick_vi(r);
		p = put_vi(r, p, v);
		p = put_vi(r, p, chance(r, 70) ? rnd(r, v + 2) : pick_vi(r));
		n = chance(r, 80) ? 1 + rnd(r, 20) : rnd(r, 256);
		*p++ = (uint8_t)n;
		n = n <= 21 ? n : rnd(r, 30);
		rnd_bytes(r, p, n + QUIC_RESET_TOKEN_LEN);
		p += n + QUIC_RESET_TOKEN_LEN;
		break;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		p = put_vi(r, p, chance(r, 70) ? rnd(r, 4) : pick_vi(r));
		break;
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		n = chance(r, 90) ? QUIC_PATH_DATA_LEN : rnd(r, 8);
		rnd_bytes(r, p, n);
		p += n;
		break;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		switch (rnd(r, 3)) {
		case 0:
			v = rnd(r, 0x11);
			break;
		case 1:
			v = 0x100 + rnd(r, 0x100);
			break;
		default:
			v = pick_vi(r);
			break;
		}
		note_close(z, v);
		p = put_vi(r, p, v);
		if (type == QUIC_FRAME_CONNECTION_CLOSE)
			p = put_vi(r, p, chance(r, 70) ? rnd(r, 0x40) :
							 pick_vi(r));
		v = chance(r, 60) ? rnd(r, 40) : pick_len(r, room);
		p = put_vi(r, p, v);
		p = put_data(z, p, v, room);
		break;
	case QUIC_FRAME_DATAGRAM:
		p = put_data(z, p, rnd(r, room + 1), room);
		break;
	case QUIC_FRAME_DATAGRAM_LEN:
		v = pick_len(r, room);
		p = put_vi(r, p, v);
		p = put_data(z, p, v, room);
		break;
	default:	/* unknown: whatever follows */
		n = rnd(r, 20);
		rnd_bytes(r, p, n);
		p += n;
		break;
	}
	z->frames++;
	return p - out;
}

/* A payload of random frames, the last one perhaps cut short. */
static size_t gen_payload(struct fz *z, enum raw_level level, uint8_t *pl,
			  size_t room)
{
	uint8_t tmp[SCRATCH];
	size_t used = 0, len;
	int i, n;

	if (chance(&z->r, 30))
		room = 1 + rnd(&z->r, room);
	n = chance(&z->r, 2) ? 0 : 1 + (int)rnd(&z->r, 6);
	for (i = 0; i < n && used < room; i++) {
		len = gen_frame(z, level, tmp, room - used);
		if (len > room - used)
			len = room - used;
		memcpy(pl + used, tmp, len);
		used += len;
	}
	return used;
}

/* Room for a payload at @level (rawpeer.c's header sizes). */
static size_t payload_room(const struct raw_peer *rp, enum raw_level level)
{
	size_t hdr = level == RAW_APP ? 1 + rp->dcid_len + 4 :
		     1 + 4 + 1 + rp->dcid_len + 1 + RAW_CID_LEN +
		     (level == RAW_INITIAL) + 2 + 4;

	return RAW_MAX_DATAGRAM - RAW_TAG_LEN - hdr;
}

static void describe(struct fz *z, enum raw_level level, uint64_t pn,
		     const uint8_t *pl, size_t len, const char *how)
{
	int n, i;

	n = snprintf(z->last_desc, sizeof(z->last_desc),
		     "%s pn %llu level %c, %zu bytes:", how,
		     (unsigned long long)pn, "IHA"[level], len);
	for (i = 0; i < 24 && (size_t)i < len &&
	     n < (int)sizeof(z->last_desc) - 4; i++)
		n += snprintf(z->last_desc + n, sizeof(z->last_desc) - n,
			      " %02x", pl[i]);
}

/*
 * One fuzzed packet at @level: new, or the last one again as it was, or a
 * new payload under a number already used, or a number skipped (a gap
 * that a later packet fills: reordering).
 */
static void send_fuzzed(struct fz *z, enum raw_level level)
{
	struct raw_space *sp = &z->rp->sp[level];
	uint64_t next = sp->next_pn, pn;
	uint8_t pl[RAW_MAX_DATAGRAM];
	struct rng *r = &z->r;
	const char *how = "new";
	unsigned int m = rnd(r, 100);
	size_t len;
	int64_t got;

	if (!sp->tx.ready)
		return;
	if (m < 8 && z->last_len[level]) {
		/* A duplicate: the same number and the same bytes. */
		sp->next_pn = z->last_pn[level];
		len = z->last_len[level];
		memcpy(pl, z->last[level], len);
		how = "duplicate";
		z->dups++;
	} else {
		len = gen_payload(z, level, pl, payload_room(z->rp, level));
		if (m < 14 && next) {
			sp->next_pn = next - 1 - rnd(r, next < 4 ? next : 4);
			how = "reused pn";
			z->reused++;
		} else if (m < 24 && z->nholes[level]) {
			sp->next_pn = z->holes[level][--z->nholes[level]];
			how = "late";
			z->late++;
		} else if (m < 34 && z->nholes[level] < 8) {
			z->holes[level][z->nholes[level]++] = next;
			sp->next_pn = next + 1 + rnd(r, 3);
		}
	}
	/* Now and then the reserved bits or the key phase of a short header. */
	z->rp->short_bits = level == RAW_APP && chance(r, 2) ?
			    (chance(r, 50) ? 0x18 : 0x04) : 0;
	pn = sp->next_pn;
	describe(z, level, pn, pl, len, how);
	got = raw_send_payload(z->rp, level, pl, len);
	z->rp->short_bits = 0;
	if (got < 0)
		FAIL("sending a fuzzed packet: %s", z->rp->err);
	memcpy(z->last[level], pl, len);
	z->last_len[level] = len;
	z->last_pn[level] = got;
	if (sp->next_pn < next)
		sp->next_pn = next;
	z->packets++;
}

/* ---- Sanity ---- */

static bool never(struct raw_peer *rp, const void *arg)
{
	(void)rp;
	(void)arg;
	return false;
}

/* Take in what the server sent for @ms: ACKs, a CONNECTION_CLOSE. */
static void take_in(struct raw_peer *rp, int ms)
{
	char err[sizeof(rp->err)];

	memcpy(err, rp->err, sizeof(err));
	raw_wait(rp, never, NULL, ms);
	memcpy(rp->err, err, sizeof(err));
}

static bool valid_transport_error(uint64_t e)
{
	return (e >= QUIC_TRANSPORT_ERROR_INTERNAL &&
		e <= QUIC_TRANSPORT_ERROR_NO_VIABLE_PATH) ||
	       (e >= QUIC_TRANSPORT_ERROR_CRYPTO &&
		e < QUIC_TRANSPORT_ERROR_CRYPTO + 0x100);
}

/*
 * Read all the server socket holds (stream data, handshake messages,
 * datagrams), to EAGAIN or its error; returns that errno.
 */
static int drain_socket(int fd)
{
	static uint8_t buf[65536];
	char ctl[256];
	int i;

	for (i = 0; i < 100000; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};

		if (recvmsg(fd, &msg, MSG_DONTWAIT) < 0)
			return errno;
	}
	return 0;
}

enum fate { ALIVE, CLOSED_BY_SERVER, CLOSED_BY_US };

/*
 * What became of the connection under attack: it still answers a PING at
 * @level, or it was closed, and says so consistently on the wire, in its
 * socket's error and in QUIC_SOCKOPT_CONNECTION_CLOSE.
 */
static enum fate judge(struct fz *z, struct conn *c, enum raw_level level,
		       bool established)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	uint8_t ccbuf[sizeof(struct quic_connection_close) + 300];
	struct quic_connection_close *cc = (void *)ccbuf;
	socklen_t cclen = sizeof(ccbuf);
	int err, tries = 0;
	unsigned int i;
	int64_t pn;

again:
	take_in(&c->rp, 20);
	err = drain_socket(c->server);
	if (err == EAGAIN) {
		if (c->rp.close.seen)
			FAIL("round %lu: the server sent CONNECTION_CLOSE (0x%llx) but its socket reads no error; last packet: %s",
			     z->rounds,
			     (unsigned long long)c->rp.close.errcode,
			     z->last_desc);
		pn = raw_send_frames(&c->rp, level, &ping, 1);
		RAW_OK(c, pn);
		if (!raw_wait_acked(&c->rp, level, pn, PING_WAIT_MS))
			return ALIVE;
		/* Closed meanwhile (by a packet of ours still in flight)? */
		if (tries++ || (!c->rp.close.seen && !z->nclose))
			FAIL("round %lu: the server neither acknowledged a PING nor closed: %s; last packet: %s",
			     z->rounds, c->rp.err, z->last_desc);
		usleep(100000);
		goto again;
	}
	if (err == EPROTO) {
		/* The server found a violation: it said which on the wire. */
		if (!c->rp.close.seen)
			RAW_OK(c, raw_wait_close(&c->rp, WAIT_MS));
		if (c->rp.close.app ||
		    !valid_transport_error(c->rp.close.errcode))
			FAIL("round %lu: closed with %s error 0x%llx, want a transport error; last packet: %s",
			     z->rounds, c->rp.close.app ? "application" :
			     "transport", (unsigned long long)c->rp.close.errcode,
			     z->last_desc);
		z->errs[c->rp.close.errcode < 0x20 ?
			c->rp.close.errcode : 0x1f]++;
		z->closed_by_server++;
		return CLOSED_BY_SERVER;
	}
	/*
	 * A CONNECTION_CLOSE of ours was taken: a refusal before the
	 * handshake completes, a reset or an abort after.  The socket holds
	 * the code we sent, and the server says nothing more.
	 */
	if (err != (established ? ECONNRESET : ECONNREFUSED) &&
	    err != (established ? ECONNABORTED : ECONNREFUSED))
		FAIL("round %lu: the server socket fails with %d (%s); last packet: %s",
		     z->rounds, err, strerror(err), z->last_desc);
	if (!z->nclose)
		FAIL("round %lu: the socket fails with %s, and no CONNECTION_CLOSE was sent; last packet: %s",
		     z->rounds, strerror(err), z->last_desc);
	if (c->rp.close.seen)
		FAIL("round %lu: the server sent CONNECTION_CLOSE 0x%llx after ours (draining sends nothing)",
		     z->rounds, (unsigned long long)c->rp.close.errcode);
	CHECK_OK(getsockopt(c->server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
			    ccbuf, &cclen));
	for (i = 0; i < z->nclose && i < CLOSES_KEPT; i++)
		if (z->close_sent[i] == cc->errcode)
			break;
	if (i == z->nclose || i == CLOSES_KEPT)
		FAIL("round %lu: QUIC_SOCKOPT_CONNECTION_CLOSE reads error 0x%x, none of the %u codes we sent",
		     z->rounds, cc->errcode, z->nclose);
	z->closed_by_us++;
	return CLOSED_BY_US;
}

/* The connection nobody attacks: 16 more bytes on its stream 0. */
static void check_control(struct conn *ctl, uint64_t *off)
{
	struct quic_stream_info info;
	uint8_t buf[64];
	ssize_t n;

	take_in(&ctl->rp, 1);
	RAW_OK(ctl, raw_send_ack(&ctl->rp, RAW_APP));
	RAW_OK(ctl, raw_send_frames(&ctl->rp, RAW_APP,
				    (struct quic_frame[]){
					    stream(0, *off, 16, false) }, 1));
	n = recv_stream(ctl->server, buf, sizeof(buf), &info);
	if (n != 16 || info.stream_id != 0 ||
	    memcmp(buf, data_bytes(), 16))
		FAIL("the connection nobody attacks: read %zd bytes (errno %d: %s) of stream %lld at offset %llu, want 16 of stream 0",
		     n, errno, strerror(errno), (long long)info.stream_id,
		     (unsigned long long)*off);
	*off += 16;
}

static void conn_free(struct conn *c)
{
	close(c->server);
	close(c->listener);
	raw_free(&c->rp);
}

static void fz_reset(struct fz *z, struct conn *c)
{
	static const unsigned int hostility[] = { 0, 2, 5, 15, 50, 100 };

	memset(z->last_len, 0, sizeof(z->last_len));
	memset(z->nholes, 0, sizeof(z->nholes));
	z->nclose = 0;
	z->rp = &c->rp;
	z->conns++;
	z->age = 0;
	/* Some connections well-behaved for long, some attacked at once. */
	z->hostile = hostility[rnd(&z->r, ARRAY_SIZE(hostility))];
}

static void summary(struct fz *z)
{
	int i;

	printf("# %s.%s: %lu rounds, %lu connections, %lu packets (%lu duplicates, %lu with a used number, %lu late), %lu frames; closed by the server %lu times, by our CONNECTION_CLOSE %lu times; server errors:",
	       TEST_SUITE, test_name, z->rounds, z->conns, z->packets, z->dups,
	       z->reused, z->late, z->frames, z->closed_by_server,
	       z->closed_by_us);
	for (i = 0; i < 0x20; i++)
		if (z->errs[i])
			printf(" 0x%x:%lu", i, z->errs[i]);
	printf("\n");
	fflush(stdout);
}

/* ---- The packet fuzzers ---- */

/*
 * Against established connections: rounds of 1 to 8 packets, mostly
 * 1-RTT, then the checks.  A closed connection is replaced by a new one.
 */
TEST(established)
{
	static struct fz z;
	struct conn ctl, c;
	uint64_t ctl_off = 0;
	int64_t deadline;
	int i, n;

	rng_init(&z.r, "established");
	start_small(&ctl);
	set_timeout(ctl.server, 5);
	start(&c, SMALL_MAX_DATA, 1200);
	fz_reset(&z, &c);
	deadline = now_ms() + fuzz_ms;
	while (now_ms() < deadline && z.rounds < 2000) {
		z.rounds++;
		n = 1 + rnd(&z.r, 8);
		for (i = 0; i < n; i++) {
			unsigned int m = rnd(&z.r, 100);

			send_fuzzed(&z, m < 90 ? RAW_APP : m < 95 ?
				    RAW_HANDSHAKE : RAW_INITIAL);
		}
		if (judge(&z, &c, RAW_APP, true) != ALIVE || ++z.age >= 30) {
			conn_free(&c);
			start(&c, SMALL_MAX_DATA, 1200);
			fz_reset(&z, &c);
		}
		check_control(&ctl, &ctl_off);
	}
	summary(&z);
	CHECK(z.packets > 0);
	conn_free(&c);
	conn_free(&ctl);
}

/*
 * Against handshakes under way: Initial and Handshake packets (and a few
 * 1-RTT ones the server cannot open yet).  Each connection takes up to
 * eight rounds, then a new one begins.
 */
TEST(handshake)
{
	static struct fz z;
	struct conn ctl, c;
	uint64_t ctl_off = 0;
	int64_t deadline;
	int i, n;

	rng_init(&z.r, "handshake");
	start_small(&ctl);
	set_timeout(ctl.server, 5);
	begin(&c, SMALL_MAX_DATA, 0);
	establish_keys(&c);
	fz_reset(&z, &c);
	deadline = now_ms() + fuzz_ms;
	while (now_ms() < deadline && z.rounds < 2000) {
		z.rounds++;
		n = 1 + rnd(&z.r, 6);
		for (i = 0; i < n; i++) {
			unsigned int m = rnd(&z.r, 100);

			send_fuzzed(&z, m < 45 ? RAW_INITIAL : m < 95 ?
				    RAW_HANDSHAKE : RAW_APP);
		}
		/*
		 * At the Handshake level: the server drops its Initial keys
		 * once a Handshake packet opens (RFC 9001 section 4.9.1).
		 */
		if (judge(&z, &c, RAW_HANDSHAKE, false) != ALIVE ||
		    ++z.age >= 8) {
			conn_free(&c);
			begin(&c, SMALL_MAX_DATA, 0);
			establish_keys(&c);
			fz_reset(&z, &c);
		}
		check_control(&ctl, &ctl_off);
	}
	summary(&z);
	CHECK(z.packets > 0);
	conn_free(&c);
	/* And a handshake from start to end still completes. */
	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	conn_free(&c);
	conn_free(&ctl);
}

/* ---- Initials to a listener ---- */

/*
 * One datagram for a listener, in @d (2048 bytes): a long header, valid or
 * broken in one field, then a payload protected with the Initial keys of
 * its DCID, or garbage; perhaps garbage after it, perhaps cut short.
 */
static size_t gen_initial(struct fz *z, uint8_t *d)
{
	uint8_t dcid[255], scid[32], c_sec[RAW_SECRET_LEN], s_sec[RAW_SECRET_LEN];
	uint8_t pl[2600], tmp[SCRATCH];
	struct rng *r = &z->r;
	size_t dcid_len, scid_len, tok_len, hdr, len, used, total, f;
	uint32_t version = QUIC_VERSION_V1;
	struct raw_keys k;
	uint8_t *p = d, *length_at;
	bool protect = chance(r, 70);
	int i, nf;

	dcid_len = chance(r, 85) ? 8 + rnd(r, 13) : rnd(r, 8);
	if (chance(r, 3))
		dcid_len = 21 + rnd(r, 235);	/* beyond v1's 20 */
	scid_len = chance(r, 95) ? rnd(r, 21) : 21 + rnd(r, 11);
	tok_len = chance(r, 75) ? 0 : chance(r, 50) ? rnd(r, 60) :
		  rnd(r, 2000);
	if (chance(r, 10)) {
		static const uint32_t versions[] = {
			0, QUIC_VERSION_V2, 0x0a0a0a0a, 0xff00001d,
		};

		version = chance(r, 70) ? versions[rnd(r, 4)] :
			  (uint32_t)rnd64(r);
		protect = false;
	}
	rnd_bytes(r, dcid, dcid_len);
	rnd_bytes(r, scid, scid_len);

	/* Initial, fixed bit, four-byte packet number; or something else. */
	*p++ = chance(r, 90) ? 0xc3 : 0x80 | (uint8_t)rnd(r, 0x80);
	p = quic_put_uint(p, version, 4);
	*p++ = (uint8_t)dcid_len;
	memcpy(p, dcid, dcid_len);
	p += dcid_len;
	*p++ = (uint8_t)scid_len;
	memcpy(p, scid, scid_len);
	p += scid_len;
	if (chance(r, 3)) {
		/* A token length beyond the datagram. */
		p = put_vi(r, p, 2000 + rnd(r, 1 << 20));
		tok_len = 0;
	} else {
		p = quic_put_varint(p, tok_len);
	}
	if (tok_len > 900)
		tok_len = 900;	/* the rest is missing */
	rnd_bytes(r, p, tok_len);
	p += tok_len;
	length_at = p;
	p += 2;
	p = quic_put_uint(p, 0, 4);	/* packet number 0 */
	hdr = p - d;

	/* Frames of an Initial: often a ClientHello-like CRYPTO at 0. */
	used = 0;
	if (chance(r, 60)) {
		pl[used++] = QUIC_FRAME_CRYPTO;
		pl[used++] = 0;
		f = 1 + rnd(r, 300);
		quic_put_varint_n(pl + used, f, 2);
		used += 2;
		rnd_bytes(r, pl + used, f);
		used += f;
	}
	nf = rnd(r, 4);
	for (i = 0; i < nf; i++) {
		f = gen_frame(z, RAW_INITIAL, tmp, 400);
		if (f > 400)
			f = 400;
		memcpy(pl + used, tmp, f);
		used += f;
	}
	/* Padding to a datagram of 1200 bytes, mostly. */
	len = used;
	if (chance(r, 90) && hdr + len + RAW_TAG_LEN < RAW_MAX_DATAGRAM)
		len = RAW_MAX_DATAGRAM - hdr - RAW_TAG_LEN;
	if (hdr + len + RAW_TAG_LEN > 1500)
		len = hdr + RAW_TAG_LEN < 1500 ? 1500 - hdr - RAW_TAG_LEN : 0;
	if (len > used)
		memset(pl + used, 0, len - used);
	if (len < used)
		used = len;

	/* The Length: right, or anything (more than the datagram). */
	quic_put_varint_n(length_at, chance(r, 85) ? 4 + len + RAW_TAG_LEN :
				     rnd(r, 1 << 14), 2);
	if (protect && dcid_len <= QUIC_CONN_ID_MAX_LEN) {
		/* The header has four packet number bytes: say so. */
		d[0] |= 0x03;
		CHECK(!raw_initial_secrets(dcid, dcid_len, c_sec, s_sec));
		CHECK(!raw_keys_from_secret(&k, c_sec));
		total = raw_seal_packet(&k, d, hdr, 0, pl, len, 2048);
		CHECK((ssize_t)total > 0);
	} else {
		rnd_bytes(r, d + hdr, len + RAW_TAG_LEN);
		total = hdr + len + RAW_TAG_LEN;
	}
	if (chance(r, 25) && total < 2000) {
		/* Coalesced garbage, or a short header's worth. */
		f = rnd(r, 2000 - total);
		rnd_bytes(r, d + total, f);
		if (f && chance(r, 50))
			d[total] = 0x40 | (d[total] & 0x3f);
		total += f;
	}
	if (chance(r, 8))
		total = rnd(r, total + 1);	/* cut short */
	z->frames += nf;
	return total;
}

/* Close every socket the listener has ready. */
static unsigned int drain_accept(int lfd)
{
	unsigned int n = 0;
	int s;

	while ((s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		drain_socket(s);
		close(s);
		n++;
	}
	CHECK(errno == EAGAIN);
	return n;
}

static uint16_t port_of(int fd, bool peer)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	if (peer)
		CHECK_OK(getpeername(fd, (struct sockaddr *)&sa, &sl));
	else
		CHECK_OK(getsockname(fd, (struct sockaddr *)&sa, &sl));
	return ntohs(sa.sin_port);
}

/*
 * A real client through the listener under attack: its socket is the one
 * whose peer is the raw peer's port (others are the fuzzer's, closed); the
 * handshake completes, and stream data gets through.
 */
static void legit_via(int lfd, const struct sockaddr_in *sa, unsigned int *extra)
{
	uint8_t hello[300], buf[300];
	struct quic_stream_info info;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	struct conn c = { .listener = -1, .server = -1 };
	uint16_t port;
	int s, i;

	RAW_OK(&c, raw_open(&c.rp, (const struct sockaddr *)sa, sizeof(*sa)));
	port = port_of(c.rp.fd, false);
	fill(hello, sizeof(hello), 1);
	RAW_OK(&c, raw_initial(&c.rp, hello, sizeof(hello)));
	for (i = 0; i < 256 && c.server < 0; i++) {
		if (poll(&pfd, 1, WAIT_MS) != 1)
			FAIL("the listener under attack makes no socket for a real client in %d ms",
			     WAIT_MS);
		s = accept4(lfd, NULL, NULL, 0);
		if (s < 0 && errno == EAGAIN)
			continue;
		CHECK(s >= 0);
		if (port_of(s, true) == port) {
			c.server = s;
			break;
		}
		close(s);
		(*extra)++;
	}
	CHECK(c.server >= 0);
	set_timeout(c.server, 5);
	recv_level(c.server, QUIC_CRYPTO_INITIAL, buf, sizeof(hello));
	CHECK(!memcmp(buf, hello, sizeof(hello)));
	establish(&c);
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP,
				   (struct quic_frame[]){
					   stream(0, 0, 20, true) }, 1));
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 20);
	CHECK(info.stream_id == 0 && !memcmp(buf, data_bytes(), 20));
	close(c.server);
	raw_free(&c.rp);
}

/*
 * Rounds of 1 to 40 datagrams, some sent twice, to a listening socket;
 * after each, the sockets it made are closed and a real client connects
 * through it.
 */
TEST(listener)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static uint8_t d[2048], rx[4096];
	socklen_t sl = sizeof(sa);
	static struct fz z;
	struct raw_peer dummy;
	unsigned int made = 0, extra = 0;
	unsigned long dgrams = 0;
	int64_t deadline;
	int lfd, ufd, i, n;
	size_t len;

	rng_init(&z.r, "listener");
	memset(&dummy, 0, sizeof(dummy));
	z.rp = &dummy;	/* gen_frame() looks at its ACK ranges: none */
	z.hostile = 50;
	for (i = 0; i < RAW_LEVELS; i++)
		quic_ack_set_init(&dummy.sp[i].recvd);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(lfd >= 0);
	server_params(lfd, SMALL_MAX_DATA, 0);
	CHECK_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(lfd, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(lfd, 64));
	CHECK_OK(fcntl(lfd, F_SETFL, O_NONBLOCK));
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(ufd >= 0);
	CHECK_OK(connect(ufd, (struct sockaddr *)&sa, sl));

	deadline = now_ms() + fuzz_ms;
	while (now_ms() < deadline && z.rounds < 500) {
		z.rounds++;
		n = 1 + rnd(&z.r, 40);
		for (i = 0; i < n; i++) {
			len = gen_initial(&z, d);
			CHECK(send(ufd, d, len, 0) == (ssize_t)len);
			dgrams++;
			if (chance(&z.r, 10)) {
				CHECK(send(ufd, d, len, 0) == (ssize_t)len);
				dgrams++;
				z.dups++;
			}
		}
		/* What the server answered: read, and not looked at. */
		while (recv(ufd, rx, sizeof(rx), MSG_DONTWAIT) >= 0)
			;
		made += drain_accept(lfd);
		if (z.rounds % 4 == 1)
			legit_via(lfd, &sa, &extra);
	}
	legit_via(lfd, &sa, &extra);
	made += drain_accept(lfd) + extra;
	printf("# %s.%s: %lu rounds, %lu datagrams (%lu sent twice), %lu frames; the listener made %u sockets of them\n",
	       TEST_SUITE, test_name, z.rounds, dgrams, z.dups, z.frames, made);
	CHECK(dgrams > 0);
	close(ufd);
	close(lfd);
}

/* ---- The sockopt and cmsg fuzzer ---- */

#define NSLOTS		16
#define NTHREADS	4
#define OPS_MAX		5000	/* per thread */
#define PORT_BASE	47310	/* bind() and connect() pick among four */
#define BUF_LEN		65536
#define CANARY		64

enum op {
	OP_SOCKET, OP_CLOSE, OP_SHUTDOWN, OP_CONNECT, OP_BIND, OP_LISTEN,
	OP_ACCEPT, OP_SETSOCKOPT, OP_GETSOCKOPT, OP_SENDMSG, OP_RECVMSG,
	OP_SOCKOPT_SOCKET, OP_POLL, OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	"socket", "close", "shutdown", "connect", "bind", "listen", "accept",
	"setsockopt", "getsockopt", "sendmsg", "recvmsg", "SOL_SOCKET option",
	"poll",
};

struct pool {
	atomic_int fd[NSLOTS];
	atomic_bool stop;
	int64_t deadline;
};

struct worker {
	pthread_t t;
	struct rng r;
	struct pool *pl;
	atomic_int op;		/* what it is doing, -1 when done */
	atomic_llong since;	/* since when (ms) */
	atomic_int fd;
	long ops, ok, by_op[OP_COUNT];
	uint8_t buf[BUF_LEN + CANARY];
	uint8_t ctl[1024 + CANARY];
};

/* An error number no syscall may hand to userspace (ERESTARTSYS...). */
static void check_errno(struct worker *w, long ret, int op, int fd, int opt)
{
	if (ret >= 0) {
		w->ok++;
		return;
	}
	if (errno <= 0 || errno >= 512)
		FAIL("%s on fd %d (option %d) returned errno %d", op_names[op],
		     fd, opt, errno);
}

static void set_canary(uint8_t *p)
{
	memset(p, 0xa5, CANARY);
}

static void check_canary(const uint8_t *p, const char *what, int opt, long len)
{
	int i;

	for (i = 0; i < CANARY; i++)
		if (p[i] != 0xa5)
			FAIL("%s (option %d, length %ld) wrote past the length it was given",
			     what, opt, len);
}

static int pick_optname(struct rng *r)
{
	if (chance(r, 85))
		return rnd(r, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT + 1);
	switch (rnd(r, 4)) {
	case 0:
		return -1 - (int)rnd(r, 3);
	case 1:
		return QUIC_SOCKOPT_TRANSPORT_PARAM_EXT + 1 + rnd(r, 10);
	case 2:
		return 0x7fffffff;
	default:
		return (int)rnd64(r);
	}
}

/* The size of what an option takes, give or take. */
static size_t opt_size(int opt)
{
	switch (opt) {
	case QUIC_SOCKOPT_EVENT:
		return sizeof(struct quic_event_option);
	case QUIC_SOCKOPT_STREAM_OPEN:
		return sizeof(struct quic_stream_info);
	case QUIC_SOCKOPT_STREAM_RESET:
	case QUIC_SOCKOPT_STREAM_STOP_SENDING:
		return sizeof(struct quic_errinfo);
	case QUIC_SOCKOPT_CONNECTION_ID:
		return sizeof(struct quic_connection_id_info);
	case QUIC_SOCKOPT_CONNECTION_CLOSE:
		return sizeof(struct quic_connection_close) + 8;
	case QUIC_SOCKOPT_TRANSPORT_PARAM:
		return sizeof(struct quic_transport_param);
	case QUIC_SOCKOPT_CONFIG:
		return sizeof(struct quic_config);
	case QUIC_SOCKOPT_CRYPTO_SECRET:
		return sizeof(struct quic_crypto_secret);
	case QUIC_SOCKOPT_CONNECTION_MIGRATION:
		return sizeof(struct sockaddr_in6);
	default:
		return 4;
	}
}

static long pick_optlen(struct rng *r, int opt, bool set)
{
	size_t sz = opt_size(opt);

	switch (rnd(r, 8)) {
	case 0:
		return 0;
	case 1:
		return rnd(r, 8);
	case 2:
	case 3:
		return sz;
	case 4:
		return sz - 1 + rnd(r, 3);
	case 5:
		return rnd(r, 1100);
	case 6:
		return (long)rnd(r, BUF_LEN + 1);
	default:
		/* Beyond the buffer: EFAULT, or a refusal before the copy. */
		if (set)
			return chance(r, 50) ? 0x7fffffff : 0x10000000;
		return -1 - (long)rnd(r, 2);
	}
}

/* Values for a struct: mostly small numbers and edges, some noise. */
static void fill_value(struct rng *r, uint8_t *p, size_t len, int opt)
{
	struct quic_crypto_secret *cs = (void *)p;
	struct quic_stream_info *si = (void *)p;
	size_t i;

	switch (rnd(r, 4)) {
	case 0:
		rnd_bytes(r, p, len);
		break;
	case 1:
		memset(p, 0, len);
		break;
	default:
		for (i = 0; i + 8 <= len; i += 8) {
			uint64_t v = chance(r, 50) ? rnd(r, 4) : pick_vi(r);

			if (chance(r, 10))
				v = (uint64_t)-1;
			memcpy(p + i, &v, 8);
		}
		for (; i < len; i++)
			p[i] = (uint8_t)rnd(r, 4);
		break;
	}
	if (opt == QUIC_SOCKOPT_CRYPTO_SECRET && len >= sizeof(*cs) &&
	    chance(r, 70)) {
		static const uint32_t types[] = { 51, 52, 54, 0, 0xffffffff };

		cs->send = (uint8_t)rnd(r, 3);
		cs->level = (uint8_t)rnd(r, 6);
		cs->type = types[rnd(r, 5)];
	}
	if ((opt == QUIC_SOCKOPT_STREAM_OPEN ||
	     opt == QUIC_SOCKOPT_STREAM_RESET ||
	     opt == QUIC_SOCKOPT_STREAM_STOP_SENDING) &&
	    len >= sizeof(*si) && chance(r, 70)) {
		si->stream_id = chance(r, 20) ? -1 : (int64_t)pick_stream_id(r);
		if (opt == QUIC_SOCKOPT_STREAM_OPEN)
			si->stream_flags = chance(r, 50) ? 0 :
				(uint32_t)rnd64(r) & (MSG_STREAM_UNI |
				MSG_STREAM_DONTWAIT | MSG_STREAM_FIN);
	}
	if (opt == QUIC_SOCKOPT_EVENT && len >= 2 && chance(r, 70)) {
		p[0] = (uint8_t)rnd(r, QUIC_EVENT_MAX + 2);
		p[1] = (uint8_t)rnd(r, 3);
	}
	if ((opt == QUIC_SOCKOPT_ALPN ||
	     opt == QUIC_SOCKOPT_CONNECTION_CLOSE) && len && chance(r, 60)) {
		for (i = opt == QUIC_SOCKOPT_CONNECTION_CLOSE ? 5 : 0; i < len;
		     i++)
			p[i] = chance(r, 10) ? ',' : 'a' + rnd(r, 26);
		if (chance(r, 70))
			p[len - 1] = 0;
	}
	if (opt == QUIC_SOCKOPT_TRANSPORT_PARAM_EXT && chance(r, 60)) {
		/* Parameters as TLS carries them: id, length, value. */
		uint8_t *q = p, *end = p + len;

		while (end - q > 20) {
			uint64_t id = chance(r, 80) ? rnd(r, 0x21) :
				      chance(r, 50) ? 0xbaad : pick_vi(r);
			uint64_t v = pick_vi(r);
			uint32_t vl = quic_varint_len(v);

			q = quic_put_varint(q, id);
			if (chance(r, 80)) {
				q = quic_put_varint(q, vl);
				q = quic_put_varint(q, v);
			} else {
				vl = rnd(r, 12);
				q = quic_put_varint(q, chance(r, 80) ? vl :
						    pick_vi(r));
				rnd_bytes(r, q, vl);
				q += vl;
			}
		}
	}
}

static struct sockaddr_storage pick_addr(struct rng *r, socklen_t *len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (void *)&ss;
	struct sockaddr_in6 *sin6 = (void *)&ss;

	memset(&ss, 0, sizeof(ss));
	switch (rnd(r, 6)) {
	case 0:
	case 1:
	case 2:
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(PORT_BASE + rnd(r, 4));
		*len = sizeof(*sin);
		break;
	case 3:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr.s6_addr[15] = 1;
		sin6->sin6_port = htons(PORT_BASE + rnd(r, 4));
		*len = sizeof(*sin6);
		break;
	case 4:
		sin->sin_family = AF_UNSPEC;
		*len = sizeof(*sin);
		break;
	default:
		rnd_bytes(r, (uint8_t *)&ss, sizeof(ss));
		ss.ss_family = chance(r, 50) ? AF_INET : AF_INET6;
		*len = rnd(r, sizeof(ss) + 1);
		break;
	}
	return ss;
}

static void put_slot(struct pool *pl, struct rng *r, int fd)
{
	if (fd < 0)
		return;
	if (fd > 512) {	/* plenty: the table forgot many */
		close(fd);
		return;
	}
	atomic_store(&pl->fd[rnd(r, NSLOTS)], fd);
}

/* A sendmsg() with 0 to 3 cmsgs of random levels, types and lengths. */
static long fuzz_sendmsg(struct worker *w, int fd)
{
	struct rng *r = &w->r;
	struct iovec iov = { w->buf, rnd(r, chance(r, 90) ? 2000 : BUF_LEN) };
	struct sockaddr_storage ss;
	socklen_t sl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	static const int flag_bits[] = {
		MSG_STREAM_NEW, MSG_STREAM_FIN, MSG_STREAM_UNI,
		MSG_STREAM_DONTWAIT, MSG_STREAM_SNDBLOCK, MSG_DATAGRAM,
		MSG_MORE, MSG_NOTIFICATION, MSG_OOB, MSG_EOR,
	};
	size_t used = 0, clen;
	struct cmsghdr *cm;
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL, i, n;

	rnd_bytes(r, w->buf, iov.iov_len < 256 ? iov.iov_len : 256);
	for (i = 0; i < 10; i++)
		if (chance(r, 15))
			flags |= flag_bits[i];
	if (chance(r, 10)) {
		ss = pick_addr(r, &sl);
		msg.msg_name = &ss;
		msg.msg_namelen = sl;
	}
	n = rnd(r, 4);
	for (i = 0; i < n; i++) {
		struct quic_stream_info si;
		struct quic_handshake_info hi;

		clen = rnd(r, 5);
		clen = clen == 0 ? sizeof(si) : clen == 1 ? sizeof(hi) :
		       clen == 2 ? rnd(r, 40) : clen == 3 ? 0 : rnd(r, 200);
		if (used + CMSG_SPACE(clen) > 1024)
			break;
		cm = (struct cmsghdr *)(w->ctl + used);
		cm->cmsg_level = chance(r, 85) ? SOL_QUIC :
				 chance(r, 50) ? SOL_SOCKET : (int)rnd64(r);
		cm->cmsg_type = chance(r, 85) ? (int)rnd(r, 2) : (int)rnd64(r);
		cm->cmsg_len = chance(r, 90) ? CMSG_LEN(clen) : rnd(r, 300);
		si.stream_id = chance(r, 20) ? -1 : (int64_t)pick_stream_id(r);
		si.stream_flags = 0;
		if (chance(r, 50))
			si.stream_flags = flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL);
		hi.crypto_level = (uint8_t)(chance(r, 80) ? rnd(r, 5) :
					    rnd64(r));
		if (clen == sizeof(si))
			memcpy(CMSG_DATA(cm), &si, sizeof(si));
		else if (clen == sizeof(hi))
			memcpy(CMSG_DATA(cm), &hi, sizeof(hi));
		else
			rnd_bytes(r, CMSG_DATA(cm), clen);
		used += CMSG_SPACE(clen);
	}
	if (used) {
		msg.msg_control = w->ctl;
		msg.msg_controllen = chance(r, 90) ? used : rnd(r, used + 1);
	}
	return sendmsg(fd, &msg, flags);
}

static long fuzz_recvmsg(struct worker *w, int fd)
{
	struct rng *r = &w->r;
	size_t len = rnd(r, chance(r, 80) ? 2000 : BUF_LEN);
	size_t clen = chance(r, 20) ? 0 : rnd(r, 100);
	struct iovec iov = { w->buf, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = clen ? w->ctl : NULL, .msg_controllen = clen,
	};
	int flags = MSG_DONTWAIT;
	long n;

	if (chance(r, 10))
		flags |= MSG_PEEK;
	if (chance(r, 5))
		flags |= MSG_TRUNC;
	if (chance(r, 5))
		flags |= MSG_WAITALL;
	if (chance(r, 5))
		flags |= MSG_ERRQUEUE;
	set_canary(w->buf + len);
	set_canary(w->ctl + clen);
	n = recvmsg(fd, &msg, flags);
	check_canary(w->buf + len, "recvmsg() data", 0, len);
	check_canary(w->ctl + clen, "recvmsg() control", 0, clen);
	if (n >= 0) {
		if ((size_t)n > len && !(flags & MSG_TRUNC))
			FAIL("recvmsg() returned %ld for %zu bytes", n, len);
		if (msg.msg_controllen > clen)
			FAIL("recvmsg() says %zu bytes of cmsg, %zu were given",
			     (size_t)msg.msg_controllen, clen);
	}
	return n;
}

static void one_op(struct worker *w)
{
	struct pool *pl = w->pl;
	struct rng *r = &w->r;
	int slot = rnd(r, NSLOTS), fd = atomic_load(&pl->fd[slot]);
	struct sockaddr_storage ss;
	int op = rnd(r, OP_COUNT), opt = 0, s;
	socklen_t sl, ol;
	long ret = 0, len;

	/* The fuzzer's own business is sockopts and messages: more of them. */
	if (chance(r, 50))
		op = chance(r, 50) ? (chance(r, 50) ? OP_SETSOCKOPT :
				      OP_GETSOCKOPT) :
		     (chance(r, 50) ? OP_SENDMSG : OP_RECVMSG);
	atomic_store(&w->fd, fd);
	atomic_store(&w->since, now_ms());
	atomic_store(&w->op, op);
	switch (op) {
	case OP_SOCKET:
		s = socket(chance(r, 70) ? AF_INET : AF_INET6,
			   (chance(r, 50) ? SOCK_DGRAM : SOCK_STREAM) |
			   SOCK_NONBLOCK, IPPROTO_QUIC);
		ret = s;
		put_slot(pl, r, s);
		break;
	case OP_CLOSE:
		if (fd < 3)
			break;
		atomic_compare_exchange_strong(&pl->fd[slot], &fd, -1);
		ret = close(fd);
		break;
	case OP_SHUTDOWN:
		ret = shutdown(fd, rnd(r, 4));
		break;
	case OP_CONNECT:
		ss = pick_addr(r, &sl);
		ret = connect(fd, (struct sockaddr *)&ss, sl);
		break;
	case OP_BIND:
		ss = pick_addr(r, &sl);
		ret = bind(fd, (struct sockaddr *)&ss, sl);
		break;
	case OP_LISTEN:
		ret = listen(fd, chance(r, 20) ? 0 : (int)rnd(r, 20) - 1);
		break;
	case OP_ACCEPT:
		s = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
		ret = s;
		put_slot(pl, r, s);
		break;
	case OP_SETSOCKOPT:
		opt = pick_optname(r);
		len = pick_optlen(r, opt, true);
		fill_value(r, w->buf, len > BUF_LEN ? BUF_LEN : len, opt);
		ret = setsockopt(fd, SOL_QUIC, opt,
				 chance(r, 3) ? NULL : w->buf, len);
		break;
	case OP_GETSOCKOPT:
		opt = pick_optname(r);
		len = pick_optlen(r, opt, false);
		fill_value(r, w->buf, len > 0 ? len : 0, opt);
		set_canary(w->buf + (len > 0 ? len : 0));
		ol = len;
		ret = getsockopt(fd, SOL_QUIC, opt, w->buf, &ol);
		check_canary(w->buf + (len > 0 ? len : 0), "getsockopt()", opt,
			     len);
		if (!ret && len >= 0 && ol > (socklen_t)len)
			FAIL("getsockopt(%d) of %ld bytes says it wrote %u",
			     opt, len, ol);
		break;
	case OP_SENDMSG:
		ret = fuzz_sendmsg(w, fd);
		break;
	case OP_RECVMSG:
		ret = fuzz_recvmsg(w, fd);
		break;
	case OP_SOCKOPT_SOCKET: {
		static const int names[] = {
			SO_RCVBUF, SO_SNDBUF, SO_RCVBUFFORCE, SO_LINGER,
			SO_REUSEADDR, SO_RCVLOWAT, SO_ZEROCOPY,
		};

		opt = names[rnd(r, 7)];
		len = chance(r, 80) ? 4 : (long)rnd(r, 16);
		fill_value(r, w->buf, len, opt);
		ret = setsockopt(fd, SOL_SOCKET, opt, w->buf, len);
		break;
	}
	default: {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

		ret = poll(&pfd, 1, 0);
		break;
	}
	}
	check_errno(w, ret, op, fd, opt);
	w->by_op[op]++;
	w->ops++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&w->pl->stop) && w->ops < OPS_MAX &&
	       now_ms() < w->pl->deadline)
		one_op(w);
	atomic_store(&w->op, -1);
	return NULL;
}

TEST(sockopt_cmsg)
{
	static struct worker w[NTHREADS];
	struct conn c1, c2, c;
	struct quic_stream_info info;
	struct pool pl;
	struct rng r;
	uint8_t buf[64];
	long total = 0, ok = 0, by_op[OP_COUNT] = { 0 };
	int64_t hard;
	int i, j, left;

	rng_init(&r, "sockopt_cmsg");
	signal(SIGPIPE, SIG_IGN);
	/* Established connections in the pool too, with all their state. */
	start_small(&c1);
	start(&c2, SMALL_MAX_DATA, 1200);
	CHECK_OK(fcntl(c1.server, F_SETFL, O_NONBLOCK));
	CHECK_OK(fcntl(c2.server, F_SETFL, O_NONBLOCK));
	for (i = 0; i < NSLOTS; i++)
		atomic_init(&pl.fd[i], -1);
	atomic_store(&pl.fd[0], c1.server);
	atomic_store(&pl.fd[1], c2.server);
	atomic_store(&pl.fd[2], c1.listener);
	for (i = 3; i < 10; i++)
		atomic_store(&pl.fd[i],
			     socket(i & 1 ? AF_INET : AF_INET6,
				    (i & 2 ? SOCK_STREAM : SOCK_DGRAM) |
				    SOCK_NONBLOCK, IPPROTO_QUIC));
	atomic_init(&pl.stop, false);
	pl.deadline = now_ms() + fuzz_ms;
	for (i = 0; i < NTHREADS; i++) {
		w[i].pl = &pl;
		w[i].r.s = rnd64(&r);
		atomic_init(&w[i].op, OP_POLL);
		atomic_init(&w[i].since, now_ms());
		CHECK(pthread_create(&w[i].t, NULL, worker_main, &w[i]) == 0);
	}
	/* No call may hang: each ends within ten seconds. */
	hard = pl.deadline + 10000;
	do {
		usleep(50000);
		left = 0;
		for (i = 0; i < NTHREADS; i++) {
			int op = atomic_load(&w[i].op);

			if (op < 0)
				continue;
			left++;
			if (now_ms() > hard &&
			    now_ms() - atomic_load(&w[i].since) > 10000)
				FAIL("thread %d stuck in %s on fd %d for %lld ms",
				     i, op_names[op], atomic_load(&w[i].fd),
				     (long long)(now_ms() -
						 atomic_load(&w[i].since)));
		}
	} while (left);
	for (i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(w[i].t, NULL) == 0);
		total += w[i].ops;
		ok += w[i].ok;
		for (j = 0; j < OP_COUNT; j++)
			by_op[j] += w[i].by_op[j];
	}
	printf("# %s.%s: %d threads, %ld calls (%ld succeeded):", TEST_SUITE,
	       test_name, NTHREADS, total, ok);
	for (j = 0; j < OP_COUNT; j++)
		printf(" %s %ld%s", op_names[j], by_op[j],
		       j + 1 < OP_COUNT ? "," : "\n");
	fflush(stdout);
	CHECK(total > 0);

	/* Every socket closed; then a new connection carries data. */
	for (i = 3; i < 1024; i++)
		close(i);
	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 10);
	CHECK(info.stream_id == 0 && !memcmp(buf, data_bytes(), 10));
	conn_free(&c);
}

/* ---- After the fuzzers ---- */

static long quic_refcnt(void)
{
	long v = -1;
	FILE *f = fopen("/sys/module/quic/refcnt", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Every socket of the suite freed: quic.ko's reference count back where it
 * was before the first test (each socket holds one), so rmmod can go.
 */
TEST(sockets_freed)
{
	long now = quic_refcnt();
	int i;

	CHECK(refcnt_before >= 0);
	for (i = 0; i < 100 && now > refcnt_before; i++) {
		usleep(100000);
		now = quic_refcnt();
	}
	if (now > refcnt_before)
		FAIL("quic.ko's reference count is %ld, was %ld before the suite: sockets left behind",
		     now, refcnt_before);
}

/* Kernel log lines that fail the suite (tests/vm/run-in-vm.sh's list). */
static const char *const bad_log[] = {
	"WARNING:", "BUG:", "Oops", "general protection", "refcount_t",
	"refcount", "list_add corruption", "list_del corruption",
	"kernel BUG", "Call Trace", "still has objects", "UBSAN", "KASAN",
	"leak",
};

/* The kernel log since the marker main() wrote has no such line. */
TEST(kernel_log_clean)
{
	static char rec[8192];
	bool found = false;
	unsigned int lines = 0, i;
	ssize_t n;
	int fd;

	if (!kmsg_marked)
		FAIL("could not write the suite's marker to /dev/kmsg");
	usleep(500000);	/* deferred work (RCU, workqueues) */
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	CHECK(fd >= 0);
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n < 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, kmsg_marker)) {
			found = true;
			continue;
		}
		if (!found)
			continue;
		lines++;
		for (i = 0; i < ARRAY_SIZE(bad_log); i++)
			if (strstr(rec, bad_log[i]))
				FAIL("kernel log: %.300s", strchr(rec, ';') ?
				     strchr(rec, ';') + 1 : rec);
	}
	CHECK(errno == EAGAIN);
	close(fd);
	if (!found)
		FAIL("the suite's marker \"%s\" is not in the kernel log",
		     kmsg_marker);
	printf("# %u kernel log lines since the suite began, none bad\n",
	       lines);
}

int main(void)
{
	const char *s = getenv("FUZZ_SEED");
	int fd;

	fuzz_seed = s && *s ? strtoull(s, NULL, 0) : FUZZ_DEFAULT_SEED;
	s = getenv("FUZZ_MS");
	if (s && *s)
		fuzz_ms = strtoll(s, NULL, 0);
	printf("# fuzz seed 0x%llx (set FUZZ_SEED to change it), %lld ms a fuzzer\n",
	       (unsigned long long)fuzz_seed, (long long)fuzz_ms);
	fflush(stdout);
	refcnt_before = quic_refcnt();
	snprintf(kmsg_marker, sizeof(kmsg_marker),
		 "quic-fuzz: suite start pid %d seed 0x%llx", (int)getpid(),
		 (unsigned long long)fuzz_seed);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0) {
		char line[sizeof(kmsg_marker) + 1];

		/* A whole line: without its newline the record waits. */
		snprintf(line, sizeof(line), "%s\n", kmsg_marker);
		kmsg_marked = write(fd, line, strlen(line)) > 0;
		close(fd);
	}
	RUN(established);
	RUN(handshake);
	RUN(listener);
	RUN(sockopt_cmsg);
	RUN(sockets_freed);
	RUN(kernel_log_clean);
	return test_done();
}
