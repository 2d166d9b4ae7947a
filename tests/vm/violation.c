// SPDX-License-Identifier: GPL-2.0
/*
 * A peer that breaks the rules: the kernel server must close the
 * connection with the transport error RFC 9000 (and RFC 9221) names, and
 * its socket must then report EPROTO.
 *
 * The client is the raw peer (rawpeer.c): a UDP socket that holds every key.
 * The test plays TLS for the kernel server, installing made-up secrets and
 * the raw peer's transport parameters, and gives the raw peer the same
 * secrets; the raw peer then sends whatever 1-RTT frames a test wants and
 * reads the server's CONNECTION_CLOSE off the wire.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/quic.h>
#include <linux/tls.h>

#include "rawpeer.h"
#include "wire_param.h"

#define TEST_SUITE "violation"
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "rawconn.h"

/* ---- The raw peer itself ---- */

/* RFC 9001 appendix A.1: the Initial keys of DCID 0x8394c8f03e515708. */
TEST(rfc9001_initial_keys)
{
	uint8_t dcid[8], client[RAW_SECRET_LEN], server[RAW_SECRET_LEN];
	uint8_t sample[16], mask[5];
	struct raw_keys k;

	unhex("8394c8f03e515708", dcid, sizeof(dcid));
	CHECK_OK(raw_initial_secrets(dcid, sizeof(dcid), client, server));
	CHECK(same_hex(client, sizeof(client),
		       "c00cf151ca5be075ed0ebfb5c80323c4"
		       "2d6b7db67881289af4008f1f6c357aea"));
	CHECK(same_hex(server, sizeof(server),
		       "3c199828fd139efd216c155ad844cc81"
		       "fb82fa8d7446fa7d78be803acdda951b"));

	CHECK_OK(raw_keys_from_secret(&k, client));
	CHECK(same_hex(k.key, RAW_KEY_LEN, "1f369613dd76d5467730efcbe3b1a22d"));
	CHECK(same_hex(k.iv, RAW_IV_LEN, "fa044b2f42a3fd3b46fb255c"));
	CHECK(same_hex(k.hp, RAW_KEY_LEN, "9f50449e04a0e810283a1e9933adedd2"));
	/* Appendix A.2: the client Initial's header protection mask. */
	unhex("d1b1c98dd7689fb8ec11d242b123dc9b", sample, sizeof(sample));
	CHECK_OK(raw_hp_mask(k.hp, sample, mask));
	CHECK(same_hex(mask, sizeof(mask), "437b9aec36"));

	CHECK_OK(raw_keys_from_secret(&k, server));
	CHECK(same_hex(k.key, RAW_KEY_LEN, "cf3a5331653c364c88f0f379b6067e37"));
	CHECK(same_hex(k.iv, RAW_IV_LEN, "0ac1493ca1905853b0bba03e"));
	CHECK(same_hex(k.hp, RAW_KEY_LEN, "c206b8d9b9f0f37644430b490eeaa314"));
}

/* RFC 9001 appendix A.3: seal the server Initial, then open it again. */
TEST(rfc9001_server_initial)
{
	static const char hdr[] = "c1000000010008f067a5502a4262b50040750001";
	static const char payload_hex[] =
		"02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
		"88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
		"0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
		"020304";
	static const char packet_hex[] =
		"cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
		"5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
		"dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
		"022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
		"2158407dd074ee";
	uint8_t dcid[8], client[RAW_SECRET_LEN], server[RAW_SECRET_LEN];
	uint8_t pkt[256], payload[128];
	size_t hdr_len, plen, open_hdr;
	struct raw_keys k;
	uint64_t pn;
	int n;

	unhex("8394c8f03e515708", dcid, sizeof(dcid));
	CHECK_OK(raw_initial_secrets(dcid, sizeof(dcid), client, server));
	CHECK_OK(raw_keys_from_secret(&k, server));
	hdr_len = unhex(hdr, pkt, sizeof(pkt));
	plen = unhex(payload_hex, payload, sizeof(payload));
	CHECK(hdr_len == 20 && plen == 99);

	n = raw_seal_packet(&k, pkt, hdr_len, 1, payload, plen, sizeof(pkt));
	CHECK(n == 135);
	CHECK(same_hex(pkt, n, packet_hex));

	/* The Packet Number starts after the two-byte Length, at 18. */
	CHECK(raw_open_packet(&k, pkt, n, 18, -1, &pn, &open_hdr) == (int)plen);
	CHECK(pn == 1 && open_hdr == hdr_len);
	CHECK(!memcmp(pkt + open_hdr, payload, plen));
}

/* Valid data reaches the application; the server's ACK opens. */
TEST(valid_stream_data_is_delivered)
{
	struct quic_frame f = stream(0, 0, 40, true);
	struct quic_stream_info info;
	struct conn c;
	char buf[64];
	int64_t pn;

	start_small(&c);
	pn = raw_send_frames(&c.rp, RAW_APP, &f, 1);
	RAW_OK(&c, pn);
	CHECK(recv_stream(c.server, buf, sizeof(buf), &info) == 40);
	CHECK(!memcmp(buf, data_bytes(), 40));
	CHECK(info.stream_id == 0 && (info.stream_flags & MSG_STREAM_FIN));
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	CHECK(!c.rp.close.seen);
}

/* ---- Stream limits (RFC 9000 sections 4.6 and 19.8) ---- */

TEST(stream_beyond_stream_limit)
{
	struct conn c;

	start_small(&c);
	/* Client bidirectional stream 16 has index 4: the limit is 4. */
	send_frame(&c, stream(4 * SMALL_STREAMS, 0, 10, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_LIMIT, 0x0a, 0);
}

TEST(uni_stream_beyond_stream_limit)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, stream(4 * SMALL_STREAMS + 2, 0, 10, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_LIMIT, 0x0a, 0);
}

TEST(last_stream_within_limit)
{
	struct conn c;

	start_small(&c);
	/* Index 3 opens streams 0, 4, 8 and 12: all within the limit. */
	send_acked(&c, stream(4 * (SMALL_STREAMS - 1), 0, 10, false));
	CHECK(!c.rp.close.seen);
}

/* RFC 9000 section 19.11: more than 2^60 streams. */
TEST(max_streams_beyond_2_60)
{
	static const uint8_t payload[] = {
		QUIC_FRAME_MAX_STREAMS_BIDI,
		0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,	/* 2^60+1 */
	};
	struct conn c;

	start_small(&c);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, sizeof(payload)));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FRAME_ENCODING,
			 QUIC_FRAME_MAX_STREAMS_BIDI, 0);
}

/* ---- Flow control (RFC 9000 section 4) ---- */

TEST(stream_data_beyond_stream_window)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, stream(0, SMALL_STREAM_DATA - 10, 20, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL, 0x0e, 0);
}

TEST(data_beyond_connection_window)
{
	struct conn c;

	/* Two streams' windows fill max_data; a third stream goes over. */
	start(&c, 2 * SMALL_STREAM_DATA, 0);
	/* The largest offset counts, not the bytes that arrived (4.1). */
	send_acked(&c, stream(0, SMALL_STREAM_DATA - 1, 1, false));
	send_acked(&c, stream(4, SMALL_STREAM_DATA - 1, 1, false));
	send_frame(&c, stream(8, 0, 1, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL, 0x0a, 0);
}

/* Data sent again is not counted again against the window. */
TEST(data_sent_again_counts_once)
{
	struct conn c;

	start(&c, 2 * SMALL_STREAM_DATA, 0);
	send_acked(&c, stream(0, SMALL_STREAM_DATA - 1, 1, false));
	send_acked(&c, stream(4, SMALL_STREAM_DATA - 1, 1, false));
	send_acked(&c, stream(0, SMALL_STREAM_DATA - 1, 1, false));
	send_acked(&c, stream(4, 0, 100, false));
	CHECK(!c.rp.close.seen);
}

TEST(reset_beyond_stream_window)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, reset_stream(0, SMALL_STREAM_DATA + 1));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
			 QUIC_FRAME_RESET_STREAM, 0);
}

/*
 * A final size counts against max_data like the data would have.  (Bytes
 * of a reset stream are given back at once, so the window is filled with
 * data that was not read.)
 */
TEST(reset_beyond_connection_window)
{
	struct conn c;

	start(&c, 2 * SMALL_STREAM_DATA, 0);
	send_acked(&c, stream(0, SMALL_STREAM_DATA - 1, 1, false));
	send_acked(&c, stream(4, SMALL_STREAM_DATA - 1, 1, false));
	send_frame(&c, reset_stream(8, 1));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
			 QUIC_FRAME_RESET_STREAM, 0);
}

/*
 * Not a violation: streams the peer reset give their connection credit
 * back, so a window used up by resets moves on (RFC 9000 section 4.2)
 * without the application reading anything.
 */
static bool max_data_above(struct raw_peer *rp, const void *arg)
{
	return rp->max_data > *(const uint64_t *)arg || rp->close.seen;
}

TEST(resets_give_credit_back)
{
	uint64_t limit = 2 * SMALL_STREAM_DATA;
	struct conn c;

	start(&c, limit, 0);
	send_acked(&c, reset_stream(0, SMALL_STREAM_DATA));
	send_acked(&c, reset_stream(4, SMALL_STREAM_DATA));
	RAW_OK(&c, raw_wait(&c.rp, max_data_above, &limit, WAIT_MS));
	CHECK(!c.rp.close.seen);
	CHECK(c.rp.max_data > limit);
}

/*
 * Not a violation either: a server held by the client's stream limit says
 * so with STREAMS_BLOCKED when asked to (MSG_STREAM_SNDBLOCK).
 */
static bool streams_blocked_seen(struct raw_peer *rp, const void *arg)
{
	(void)arg;
	return (rp->seen & (1ULL << QUIC_FRAME_STREAMS_BLOCKED_BIDI)) ||
	       rp->close.seen;
}

TEST(streams_blocked_when_asked)
{
	struct quic_stream_info si;
	socklen_t len;
	struct conn c;
	int i;

	start_small(&c);
	for (i = 0; i < 16; i++) {	/* the raw peer allows 16 */
		si.stream_id = -1;
		si.stream_flags = 0;
		len = sizeof(si);
		CHECK_OK(getsockopt(c.server, SOL_QUIC,
				    QUIC_SOCKOPT_STREAM_OPEN, &si, &len));
		CHECK(si.stream_id == 4 * i + 1);
	}
	si.stream_id = -1;
	si.stream_flags = MSG_STREAM_DONTWAIT | MSG_STREAM_SNDBLOCK;
	len = sizeof(si);
	CHECK_ERRNO(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_STREAM_OPEN,
			       &si, &len), EAGAIN);
	RAW_OK(&c, raw_wait(&c.rp, streams_blocked_seen, NULL, WAIT_MS));
	CHECK(!c.rp.close.seen);
	CHECK(c.rp.streams_blocked == 16);
}

/*
 * RFC 9000 section 8.1: before the client's address is validated (by its
 * first Handshake packet), the server sends at most three times what it
 * received, in whole datagrams; then the rest of its flight follows.
 */
static bool never(struct raw_peer *rp, const void *arg)
{
	(void)rp;
	(void)arg;
	return false;
}

static bool received_over(struct raw_peer *rp, const void *arg)
{
	return rp->rx_bytes > *(const uint64_t *)arg;
}

TEST(amplification_limit)
{
	static uint8_t flight[12000];
	uint8_t c2s[RAW_SECRET_LEN], s2c[RAW_SECRET_LEN], fin[36];
	uint64_t limit = 3 * 1200;
	struct conn c;

	begin(&c, SMALL_MAX_DATA, 0);
	set_secret(c.server, QUIC_CRYPTO_HANDSHAKE, 1, SEED_HS_S2C);
	set_secret(c.server, QUIC_CRYPTO_HANDSHAKE, 0, SEED_HS_C2S);
	fill(c2s, sizeof(c2s), SEED_HS_C2S);
	fill(s2c, sizeof(s2c), SEED_HS_S2C);
	RAW_OK(&c, raw_set_secrets(&c.rp, RAW_HANDSHAKE, c2s, s2c));
	fill(flight, sizeof(flight), 3);
	CHECK(send_level(c.server, QUIC_CRYPTO_HANDSHAKE, flight,
			 sizeof(flight)) == sizeof(flight));

	/* Two seconds of silence from the client: probes stay within 3x. */
	raw_wait(&c.rp, never, NULL, 2000);
	CHECK(c.rp.dcid_learned);
	if (c.rp.rx_bytes > limit || c.rp.rx_bytes < 1200)
		FAIL("server sent %llu bytes before validation, limit %llu",
		     (unsigned long long)c.rp.rx_bytes,
		     (unsigned long long)limit);

	/* A Handshake packet validates us: the flight comes. */
	fill(fin, sizeof(fin), 7);
	RAW_OK(&c, raw_send_crypto(&c.rp, RAW_HANDSHAKE, fin, sizeof(fin)));
	RAW_OK(&c, raw_wait(&c.rp, received_over, &(uint64_t){ sizeof(flight) },
			    WAIT_MS));
}

/* RFC 9000 section 19.8: offset and length above 2^62 - 1. */
TEST(stream_offset_beyond_2_62)
{
	static const uint8_t payload[] = {
		0x0e, 0x00,					/* stream 0 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* 2^62-1 */
		0x01, 0xaa,					/* 1 byte */
	};
	static const uint64_t codes[] = {
		QUIC_TRANSPORT_ERROR_FRAME_ENCODING,
		QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
	};
	struct conn c;

	start_small(&c);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, sizeof(payload)));
	expect_close_any(&c, codes, 2, 0x0e);
	expect_eproto(&c, 0);
}

/* ---- Final size (RFC 9000 section 4.5) ---- */

TEST(data_after_fin)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	send_frame(&c, stream(0, 10, 5, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE, 0x0e, 10);
}

TEST(final_size_moved_up)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	send_frame(&c, stream(0, 10, 2, true));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE, 0x0f, 10);
}

TEST(final_size_moved_down)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	send_frame(&c, stream(0, 0, 8, true));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE, 0x0b, 10);
}

TEST(fin_below_received_data)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 20, false));
	send_frame(&c, stream(0, 0, 10, true));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE, 0x0b, 20);
}

TEST(reset_below_received)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 100, false));
	send_frame(&c, reset_stream(0, 50));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE,
			 QUIC_FRAME_RESET_STREAM, 100);
}

TEST(reset_changes_final_size)
{
	struct conn c;

	start_small(&c);
	send_acked(&c, stream(0, 0, 10, true));
	send_frame(&c, reset_stream(0, 12));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FINAL_SIZE,
			 QUIC_FRAME_RESET_STREAM, 10);
}

/* ---- Stream state (RFC 9000 sections 19.4 to 19.13) ---- */

/* Stream 1: the server's first bidirectional stream, never opened. */
TEST(stream_on_server_bidi_not_opened)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, stream(1, 0, 10, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE, 0x0a, 0);
}

/* Stream 3: the server's unidirectional stream, send-only for it. */
TEST(stream_on_server_uni)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, stream(3, 0, 10, false));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE, 0x0a, 0);
}

TEST(reset_stream_on_server_uni)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, reset_stream(3, 0));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
			 QUIC_FRAME_RESET_STREAM, 0);
}

TEST(stream_data_blocked_on_server_uni)
{
	struct quic_frame f = { .type = QUIC_FRAME_STREAM_DATA_BLOCKED };
	struct conn c;

	start_small(&c);
	f.stream_data_blocked.stream_id = 3;
	f.stream_data_blocked.limit = 100;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
			 QUIC_FRAME_STREAM_DATA_BLOCKED, 0);
}

TEST(max_stream_data_on_server_uni_not_opened)
{
	struct quic_frame f = { .type = QUIC_FRAME_MAX_STREAM_DATA };
	struct conn c;

	start_small(&c);
	f.max_stream_data.stream_id = 3;
	f.max_stream_data.max = 100000;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
			 QUIC_FRAME_MAX_STREAM_DATA, 0);
}

/* Stream 2: the client's unidirectional stream, receive-only here. */
TEST(max_stream_data_on_client_uni)
{
	struct quic_frame f = { .type = QUIC_FRAME_MAX_STREAM_DATA };
	struct conn c;

	start_small(&c);
	f.max_stream_data.stream_id = 2;
	f.max_stream_data.max = 100000;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
			 QUIC_FRAME_MAX_STREAM_DATA, 0);
}

TEST(stop_sending_on_client_uni)
{
	struct quic_frame f = { .type = QUIC_FRAME_STOP_SENDING };
	struct conn c;

	start_small(&c);
	f.stop_sending.stream_id = 2;
	f.stop_sending.errcode = 5;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_STREAM_STATE,
			 QUIC_FRAME_STOP_SENDING, 0);
}

/* ---- Datagrams (RFC 9221 section 3) ---- */

TEST(datagram_not_negotiated)
{
	struct quic_frame f = { .type = QUIC_FRAME_DATAGRAM_LEN };
	struct conn c;

	start_small(&c);
	f.datagram.len = 10;
	f.datagram.data = data_bytes();
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_DATAGRAM_LEN, 0);
}

TEST(datagram_beyond_max_size)
{
	struct quic_frame f = { .type = QUIC_FRAME_DATAGRAM_LEN };
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct conn c;
	char buf[256];

	/* At most 100 bytes per frame: type, length and data. */
	start(&c, SMALL_MAX_DATA, 100);
	f.datagram.data = data_bytes();
	f.datagram.len = 97;		/* a two-byte length: 100 bytes */
	CHECK(quic_frame_len(&f) == 100);
	send_acked(&c, f);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	CHECK(recvmsg(c.server, &msg, 0) == 97);
	CHECK(msg.msg_flags & MSG_DATAGRAM);
	CHECK(!memcmp(buf, data_bytes(), 97));

	f.datagram.len = 98;
	CHECK(quic_frame_len(&f) == 101);
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_DATAGRAM_LEN, 0);
}

/* ---- Frames a client may not send, and malformed frames ---- */

TEST(handshake_done_from_client)
{
	struct conn c;

	start_small(&c);
	send_frame(&c, (struct quic_frame){ .type = QUIC_FRAME_HANDSHAKE_DONE });
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_HANDSHAKE_DONE, 0);
}

TEST(new_token_from_client)
{
	struct quic_frame f = { .type = QUIC_FRAME_NEW_TOKEN };
	struct conn c;

	start_small(&c);
	f.new_token.token = data_bytes();
	f.new_token.len = 16;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_NEW_TOKEN, 0);
}

/* RFC 9000 section 13.1: an ACK of a packet the server never sent. */
TEST(ack_of_unsent_packet)
{
	struct quic_frame f = { .type = QUIC_FRAME_ACK };
	struct conn c;

	start_small(&c);
	f.ack.largest = 1000;
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_ACK, 0);
}

/* RFC 9000 section 12.4: an unknown frame type. */
TEST(unknown_frame_type)
{
	static const uint8_t payload[] = { 0x21 };
	struct conn c;

	start_small(&c);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, sizeof(payload)));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_FRAME_ENCODING, 0x21, 0);
}

/* RFC 9000 section 12.4: a frame type on more bytes than it needs. */
TEST(frame_type_not_minimal)
{
	static const uint8_t payload[] = { 0x40, 0x01 };	/* PING */
	struct conn c;

	start_small(&c);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, sizeof(payload)));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_PING, 0);
}

/* RFC 9000 section 7.5: CRYPTO data far beyond what was received. */
TEST(crypto_beyond_buffer)
{
	struct quic_frame f = { .type = QUIC_FRAME_CRYPTO };
	struct conn c;

	start_small(&c);
	f.crypto.offset = 1000000;
	f.crypto.len = 10;
	f.crypto.data = data_bytes();
	send_frame(&c, f);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED,
			 QUIC_FRAME_CRYPTO, 0);
}

/* ---- Packets (RFC 9000 sections 12.4 and 17.3.1) ---- */

TEST(packet_without_frames)
{
	struct conn c;

	start_small(&c);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, NULL, 0));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, 0, 0);
}

TEST(reserved_bits_set)
{
	struct conn c;

	start_small(&c);
	c.rp.short_bits = 0x18;
	send_frame(&c, (struct quic_frame){ .type = QUIC_FRAME_PING });
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, 0, 0);
}

/* A STREAM frame in an Initial packet, during the handshake. */
TEST(stream_frame_in_initial)
{
	struct quic_frame f = stream(0, 0, 10, false);
	struct conn c;

	begin(&c, SMALL_MAX_DATA, 0);
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_INITIAL, &f, 1));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, 0x0a, 0);
}

int main(void)
{
	RUN(rfc9001_initial_keys);
	RUN(rfc9001_server_initial);
	RUN(valid_stream_data_is_delivered);
	RUN(stream_beyond_stream_limit);
	RUN(uni_stream_beyond_stream_limit);
	RUN(last_stream_within_limit);
	RUN(max_streams_beyond_2_60);
	RUN(stream_data_beyond_stream_window);
	RUN(data_beyond_connection_window);
	RUN(data_sent_again_counts_once);
	RUN(reset_beyond_stream_window);
	RUN(reset_beyond_connection_window);
	RUN(resets_give_credit_back);
	RUN(streams_blocked_when_asked);
	RUN(amplification_limit);
	RUN(stream_offset_beyond_2_62);
	RUN(data_after_fin);
	RUN(final_size_moved_up);
	RUN(final_size_moved_down);
	RUN(fin_below_received_data);
	RUN(reset_below_received);
	RUN(reset_changes_final_size);
	RUN(stream_on_server_bidi_not_opened);
	RUN(stream_on_server_uni);
	RUN(reset_stream_on_server_uni);
	RUN(stream_data_blocked_on_server_uni);
	RUN(max_stream_data_on_server_uni_not_opened);
	RUN(max_stream_data_on_client_uni);
	RUN(stop_sending_on_client_uni);
	RUN(datagram_not_negotiated);
	RUN(datagram_beyond_max_size);
	RUN(handshake_done_from_client);
	RUN(new_token_from_client);
	RUN(ack_of_unsent_packet);
	RUN(unknown_frame_type);
	RUN(frame_type_not_minimal);
	RUN(crypto_beyond_buffer);
	RUN(packet_without_frames);
	RUN(reserved_bits_set);
	RUN(stream_frame_in_initial);
	return test_done();
}
