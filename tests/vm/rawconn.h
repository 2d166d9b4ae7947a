/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A kernel server and the raw peer (rawpeer.c) as its client, connected:
 * the test plays TLS for the kernel server, installing made-up secrets and
 * the raw peer's transport parameters, and gives the raw peer the same
 * secrets; the raw peer then sends whatever 1-RTT frames a test wants and
 * reads what the server sends off the wire.
 *
 * Include after ../lib/test.h and ../lib/handshake_msg.h.
 */

#ifndef QUIC_TEST_RAWCONN_H
#define QUIC_TEST_RAWCONN_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/quic.h>
#include <linux/tls.h>

#include "rawpeer.h"
#include "wire_param.h"

/* How long the raw peer waits for an answer. */
#define WAIT_MS		5000

/* The server's limits in these tests: small, to be easy to exceed. */
#define SMALL_MAX_DATA		(64 * 1024)
#define SMALL_STREAM_DATA	(16 * 1024)
#define SMALL_STREAMS		4

/* Secrets the test makes up, as TLS would have derived them. */
enum {
	SEED_HS_C2S = 0x11,	/* Handshake, client to server */
	SEED_HS_S2C = 0x22,
	SEED_APP_C2S = 0x33,	/* 1-RTT */
	SEED_APP_S2C = 0x44,
};

/*
 * The raw peer's max_ack_delay (ms), when a test sets it: the server's
 * probe timeout grows by it, for tests that must see nothing sent again
 * for a while.
 */
static uint64_t raw_max_ack_delay_ms;
/* The raw peer's initial_max_data, when a test sets it. */
static uint64_t raw_initial_max_data;
/* The raw peer reports ECN counts in its ACK frames (ACK_ECN). */
static bool raw_ecn_report;
/* The raw peer's max_idle_timeout (ms), when a test sets it; else 30 s. */
static uint64_t raw_max_idle_ms;
/* The raw peer's active_connection_id_limit, when a test sets it. */
static uint64_t raw_cid_limit;

struct conn {
	int listener, server;
	struct raw_peer rp;
};

/* A raw peer call that returns -1 on failure, with its reason. */
#define RAW_OK(c, expr) do {						\
	if ((int64_t)(expr) < 0)					\
		FAIL("%s: %s", #expr, (c)->rp.err);			\
} while (0)

static inline void fill(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 13 + (i >> 7));
}

/* Up to @max bytes of hexadecimal, spaces allowed; returns the count. */
static inline size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned int b;

	for (; *s; s++) {
		if (*s == ' ')
			continue;
		if (n == max || sscanf(s, "%2x", &b) != 1)
			break;
		out[n++] = (uint8_t)b;
		s++;
	}
	return n;
}

static inline bool same_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t buf[256];

	return unhex(want, buf, sizeof(buf)) == len && !memcmp(got, buf, len);
}

/* ---- The kernel server's side ---- */

static inline void set_secret(int fd, uint8_t level, int send, uint8_t seed)
{
	struct quic_crypto_secret s = {
		.send = (uint8_t)send, .level = level,
		.type = TLS_CIPHER_AES_GCM_128,
	};

	fill(s.secret, RAW_SECRET_LEN, seed);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET, &s,
			    sizeof(s)));
}

/* Stream bytes, with the stream and its flags from the cmsg. */
static inline ssize_t recv_stream(int fd, void *buf, size_t len,
			   struct quic_stream_info *info)
{
	char ctl[CMSG_SPACE(sizeof(*info))];
	struct iovec iov = { buf, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return n;
	cmsg = CMSG_FIRSTHDR(&msg);
	CHECK(cmsg && cmsg->cmsg_level == SOL_QUIC &&
	      cmsg->cmsg_type == QUIC_STREAM_INFO);
	memcpy(info, CMSG_DATA(cmsg), sizeof(*info));
	CHECK(!(info->stream_flags & MSG_STREAM_FIN) ==
	      !(msg.msg_flags & MSG_STREAM_FIN));
	return n;
}

/* @s on stream @sid, with @sflags in the cmsg and @mflags to sendmsg(). */
static inline void send_on(int fd, int64_t sid, const char *s,
			   uint32_t sflags, int mflags)
{
	struct quic_stream_info info = { .stream_id = sid,
					 .stream_flags = sflags };
	char ctl[CMSG_SPACE(sizeof(info))] = { 0 };
	struct iovec iov = { (void *)s, strlen(s) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_QUIC;
	cmsg->cmsg_type = QUIC_STREAM_INFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	CHECK(sendmsg(fd, &msg, mflags) == (ssize_t)strlen(s));
}

/* The server's own transport parameters (set on the listener). */
static inline void server_params(int fd, uint64_t max_data, uint64_t max_dgram)
{
	struct quic_transport_param tp = { 0 };
	socklen_t len = sizeof(tp);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.max_data = max_data;
	tp.max_stream_data_bidi_local = SMALL_STREAM_DATA;
	tp.max_stream_data_bidi_remote = SMALL_STREAM_DATA;
	tp.max_stream_data_uni = SMALL_STREAM_DATA;
	tp.max_streams_bidi = SMALL_STREAMS;
	tp.max_streams_uni = SMALL_STREAMS;
	tp.max_datagram_frame_size = max_dgram;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

/* The raw peer's transport parameters, encoded as TLS would carry them. */
static inline uint32_t client_params(const struct raw_peer *rp, uint8_t *buf,
			      uint32_t size)
{
	struct quic_tp tp;
	uint32_t len;

	quic_tp_init(&tp);
	tp.present = BIT_ULL(QUIC_TP_MAX_IDLE_TIMEOUT) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_DATA) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_STREAMS_BIDI) |
		     BIT_ULL(QUIC_TP_INITIAL_MAX_STREAMS_UNI) |
		     BIT_ULL(QUIC_TP_INITIAL_SCID);
	tp.max_idle_timeout = raw_max_idle_ms ?: 30000;	/* ms */
	if (raw_max_ack_delay_ms) {
		tp.present |= BIT_ULL(QUIC_TP_MAX_ACK_DELAY);
		tp.max_ack_delay = raw_max_ack_delay_ms;
	}
	if (raw_cid_limit) {
		tp.present |= BIT_ULL(QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT);
		tp.active_connection_id_limit = raw_cid_limit;
	}
	tp.initial_max_data = raw_initial_max_data ?: 1 << 20;
	tp.initial_max_stream_data_bidi_local = 1 << 18;
	tp.initial_max_stream_data_bidi_remote = 1 << 18;
	tp.initial_max_stream_data_uni = 1 << 18;
	tp.initial_max_streams_bidi = 16;
	tp.initial_max_streams_uni = 16;
	/* RFC 9000 section 7.3: the server checks it against our SCID. */
	tp.initial_source_connection_id.len = RAW_CID_LEN;
	memcpy(tp.initial_source_connection_id.data, rp->scid, RAW_CID_LEN);
	len = quic_tp_len(&tp, false);
	CHECK(len && len <= size);
	quic_tp_encode(buf, &tp, false);
	return len;
}

/*
 * A kernel listener on 127.0.0.1 with @max_data and @max_dgram, the raw
 * peer's first Initial sent to it (a made-up ClientHello), and the accepted
 * server socket, its CRYPTO data read: the handshake has begun.
 */
static inline void begin(struct conn *c, uint64_t max_data, uint64_t max_dgram)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t hello[300], buf[300];
	socklen_t sl = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->listener = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(c->listener >= 0);
	server_params(c->listener, max_data, max_dgram);
	CHECK_OK(bind(c->listener, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(getsockname(c->listener, (struct sockaddr *)&sa, &sl));
	CHECK_OK(listen(c->listener, 8));
	set_timeout(c->listener, 10);

	RAW_OK(c, raw_open(&c->rp, (struct sockaddr *)&sa, sl));
	c->rp.ecn_report = raw_ecn_report;
	fill(hello, sizeof(hello), 1);
	RAW_OK(c, raw_initial(&c->rp, hello, sizeof(hello)));
	c->server = accept(c->listener, NULL, NULL);
	CHECK(c->server >= 0);
	set_timeout(c->server, 10);
	recv_level(c->server, QUIC_CRYPTO_INITIAL, buf, sizeof(hello));
	CHECK(!memcmp(buf, hello, sizeof(hello)));
}

/*
 * The handshake's keys on both ends, TLS played by the test: the server
 * gets its Handshake secrets, its 1-RTT send secret and our transport
 * parameters; the raw peer all its secrets and the server's connection ID.
 * Our Finished is not sent yet.
 */
static inline void establish_keys(struct conn *c)
{
	uint8_t c2s[RAW_SECRET_LEN], s2c[RAW_SECRET_LEN], params[256];
	uint32_t len;

	set_secret(c->server, QUIC_CRYPTO_HANDSHAKE, 1, SEED_HS_S2C);
	set_secret(c->server, QUIC_CRYPTO_HANDSHAKE, 0, SEED_HS_C2S);
	set_secret(c->server, QUIC_CRYPTO_APP, 1, SEED_APP_S2C);
	len = client_params(&c->rp, params, sizeof(params));
	CHECK_OK(setsockopt(c->server, SOL_QUIC,
			    QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, params, len));
	fill(c2s, sizeof(c2s), SEED_HS_C2S);
	fill(s2c, sizeof(s2c), SEED_HS_S2C);
	RAW_OK(c, raw_set_secrets(&c->rp, RAW_HANDSHAKE, c2s, s2c));
	fill(c2s, sizeof(c2s), SEED_APP_C2S);
	fill(s2c, sizeof(s2c), SEED_APP_S2C);
	RAW_OK(c, raw_set_secrets(&c->rp, RAW_APP, c2s, s2c));

	/* The server's Initial (its ACK) names its connection ID. */
	RAW_OK(c, raw_wait_server_cid(&c->rp, WAIT_MS));
}

/*
 * The rest of the handshake: the raw peer's Handshake packet carries a
 * made-up Finished, and the server's 1-RTT receive secret, installed last,
 * establishes it.  On return the raw peer has received HANDSHAKE_DONE and
 * acknowledged it.
 */
static inline void establish(struct conn *c)
{
	uint8_t fin[36], buf[36];

	establish_keys(c);
	fill(fin, sizeof(fin), 7);
	RAW_OK(c, raw_send_crypto(&c->rp, RAW_HANDSHAKE, fin, sizeof(fin)));
	recv_level(c->server, QUIC_CRYPTO_HANDSHAKE, buf, sizeof(fin));
	CHECK(!memcmp(buf, fin, sizeof(fin)));
	set_secret(c->server, QUIC_CRYPTO_APP, 0, SEED_APP_C2S);
	RAW_OK(c, raw_wait_handshake_done(&c->rp, WAIT_MS));
	RAW_OK(c, raw_send_ack(&c->rp, RAW_APP));
}

static inline void start(struct conn *c, uint64_t max_data, uint64_t max_dgram)
{
	begin(c, max_data, max_dgram);
	establish(c);
}

static inline void start_small(struct conn *c)
{
	start(c, SMALL_MAX_DATA, 0);
}

/* ---- Frames ---- */

static inline const uint8_t *data_bytes(void)
{
	static uint8_t data[1024];

	fill(data, sizeof(data), 99);
	return data;
}

static inline struct quic_frame stream(uint64_t id, uint64_t off, uint64_t len,
				bool fin)
{
	struct quic_frame f = {
		.type = QUIC_FRAME_STREAM | QUIC_STREAM_BIT_LEN |
			(off ? QUIC_STREAM_BIT_OFF : 0) |
			(fin ? QUIC_STREAM_BIT_FIN : 0),
	};

	f.stream.stream_id = id;
	f.stream.offset = off;
	f.stream.len = len;
	f.stream.data = data_bytes();
	return f;
}

static inline struct quic_frame reset_stream(uint64_t id, uint64_t final_size)
{
	struct quic_frame f = { .type = QUIC_FRAME_RESET_STREAM };

	f.reset_stream.stream_id = id;
	f.reset_stream.errcode = 77;
	f.reset_stream.final_size = final_size;
	return f;
}

/* Send @f alone in a 1-RTT packet. */
static inline void send_frame(struct conn *c, struct quic_frame f)
{
	RAW_OK(c, raw_send_frames(&c->rp, RAW_APP, &f, 1));
}

/* Send @f and wait until the server acknowledges it: it was accepted. */
static inline void send_acked(struct conn *c, struct quic_frame f)
{
	int64_t pn = raw_send_frames(&c->rp, RAW_APP, &f, 1);

	RAW_OK(c, pn);
	RAW_OK(c, raw_wait_acked(&c->rp, RAW_APP, pn, WAIT_MS));
}

/* The server closed with a transport CONNECTION_CLOSE of one of @codes. */
static inline void expect_close_any(struct conn *c, const uint64_t *codes, int n,
			     uint64_t frame_type)
{
	const struct raw_close *cc = &c->rp.close;
	int i;

	RAW_OK(c, raw_wait_close(&c->rp, WAIT_MS));
	for (i = 0; i < n; i++)
		if (!cc->app && cc->errcode == codes[i] &&
		    cc->frame_type == frame_type)
			return;
	FAIL("CONNECTION_CLOSE%s error 0x%llx frame 0x%llx \"%s\", want error 0x%llx frame 0x%llx",
	     cc->app ? "(app)" : "", (unsigned long long)cc->errcode,
	     (unsigned long long)cc->frame_type, cc->phrase,
	     (unsigned long long)codes[0], (unsigned long long)frame_type);
}

static inline void expect_close(struct conn *c, uint64_t errcode,
			 uint64_t frame_type)
{
	expect_close_any(c, &errcode, 1, frame_type);
}

/* The server socket, once @readable stream bytes are read, gives EPROTO. */
static inline void expect_eproto(struct conn *c, size_t readable)
{
	size_t got = 0;
	char buf[4096];
	ssize_t n;

	while (got < readable) {
		n = recv(c->server, buf, sizeof(buf) < readable - got ?
			 sizeof(buf) : readable - got, 0);
		if (n <= 0)
			FAIL("read %zu of the %zu bytes received before the error, then %zd (errno %d: %s)",
			     got, readable, n, errno, strerror(errno));
		got += n;
	}
	CHECK_ERRNO(recv(c->server, buf, sizeof(buf), 0), EPROTO);
}

/*
 * The server closed with a transport CONNECTION_CLOSE of @errcode for a
 * frame of @frame_type, and its socket, once the @readable stream bytes
 * received before are read, fails with EPROTO.
 */
static inline void expect_violation(struct conn *c, uint64_t errcode,
			     uint64_t frame_type, size_t readable)
{
	expect_close(c, errcode, frame_type);
	expect_eproto(c, readable);
}

#endif /* QUIC_TEST_RAWCONN_H */
