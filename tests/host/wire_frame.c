// SPDX-License-Identifier: GPL-2.0
/*
 * Frames (RFC 9000 section 19, RFC 9221 section 4): decoding known bytes
 * written by hand from the RFC's layouts, encoding them back, every
 * truncation, every error rule, and the tables of sections 12.4 (table 3),
 * 13.2 and 9.1.
 */

#include <stdlib.h>
#include "wire_frame.h"

#define TEST_SUITE "wire_frame"
#include "../lib/test.h"

#define FE	QUIC_TRANSPORT_ERROR_FRAME_ENCODING
#define PV	QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION
#define VMAX	QUIC_VARINT_MAX
#define FF8	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff	/* 2^62-1 */
#define U(x)	((unsigned long long)(x))

static u8 *dup_exact(const u8 *b, u32 n)
{
	u8 *c = malloc(n ? n : 1);

	CHECK(c);
	memcpy(c, b, n);
	return c;
}

/*
 * Decode @n bytes copied to a heap buffer of exactly that size (kept, as
 * the frame points into it).  Returns the bytes used, or -1 on failure with
 * *@err set and the cursor checked unmoved.
 */
static long dec(const u8 *wire, u32 n, struct quic_frame *f,
		struct quic_frame_error *err)
{
	u8 *c = dup_exact(wire, n);
	const u8 *p = c;
	u32 len = n;

	if (!quic_frame_decode(&p, &len, f, err)) {
		CHECK(p == c && len == n);
		free(c);
		return -1;
	}
	CHECK(p == c + (n - len));
	return n - len;
}

/* Encode @f and compare with @wire. */
static void enc_check(const struct quic_frame *f, const u8 *wire, u32 n)
{
	u32 l = quic_frame_len(f);
	u8 *b;

	if (l != n)
		FAIL("quic_frame_len %u, want %u", l, n);
	b = malloc(l + 1);
	CHECK(b);
	CHECK(quic_frame_encode(b, f) == b + l);
	for (u32 i = 0; i < n; i++)
		if (b[i] != wire[i])
			FAIL("byte %u: 0x%02x, want 0x%02x", i, b[i], wire[i]);
	free(b);
}

/*
 * Every strict prefix shorter than @min_ok fails with FRAME_ENCODING_ERROR
 * (frame type 0 if not even the type is there); longer prefixes (frames
 * that run to the end of the packet) decode all they are given.
 */
static void prefixes(const u8 *wire, u32 n, u32 min_ok)
{
	struct quic_frame_error err;
	struct quic_frame f;
	u32 k;
	long r;

	for (k = 0; k < n; k++) {
		r = dec(wire, k, &f, &err);
		if (k >= min_ok) {
			if (r != k)
				FAIL("prefix %u of %u: got %ld", k, n, r);
			continue;
		}
		if (r != -1)
			FAIL("prefix %u of %u decoded (%ld)", k, n, r);
		if (err.errcode != FE)
			FAIL("prefix %u: errcode 0x%llx", k, U(err.errcode));
		if (err.frame_type != (k ? wire[0] : 0))
			FAIL("prefix %u: frame_type 0x%llx", k,
			     U(err.frame_type));
	}
}

/*
 * The full check of a valid frame of @n bytes: decodes all of it, encodes
 * back to the same bytes, every truncation below @min_ok fails, and with a
 * byte after it (unless it runs @to_end of the packet) it stops before it.
 */
static struct quic_frame rt(const u8 *wire, u32 n, u32 min_ok, bool to_end)
{
	struct quic_frame_error err;
	struct quic_frame f, g;
	u8 *more;
	long r;

	r = dec(wire, n, &f, &err);
	if (r != n)
		FAIL("decode: %ld of %u, err 0x%llx type 0x%llx", r, n,
		     U(err.errcode), U(err.frame_type));
	enc_check(&f, wire, n);
	prefixes(wire, n, min_ok);
	if (!to_end) {
		more = malloc(n + 1);
		CHECK(more);
		memcpy(more, wire, n);
		more[n] = QUIC_FRAME_PING;
		CHECK(dec(more, n + 1, &g, &err) == n);
		free(more);
	}
	return f;
}

#define RT(a)		rt(a, sizeof(a), sizeof(a), false)
#define RT_TO_END(a, h)	rt(a, sizeof(a), h, true)

static void dec_err(const u8 *wire, u32 n, u64 code, u64 type)
{
	struct quic_frame_error err;
	struct quic_frame f;

	if (dec(wire, n, &f, &err) != -1)
		FAIL("decoded, want error 0x%llx", U(code));
	if (err.errcode != code || err.frame_type != type)
		FAIL("error 0x%llx type 0x%llx, want 0x%llx type 0x%llx",
		     U(err.errcode), U(err.frame_type), U(code), U(type));
}

#define ERR(a, code, type)	dec_err(a, sizeof(a), code, type)

static bool data_is(const u8 *p, u64 len, const char *s)
{
	return len == strlen(s) && (!len || !memcmp(p, s, len));
}

/* The ranges of an ACK frame, as pairs (smallest, largest). */
static void ranges_are(const struct quic_frame *f, const u64 *want, u32 n)
{
	struct quic_ack_iter it;
	u64 lo, hi;
	u32 i = 0;

	quic_ack_iter_init(&it, f);
	while (quic_ack_iter_next(&it, &lo, &hi)) {
		if (i >= n)
			FAIL("more than %u ranges", n);
		if (lo != want[2 * i] || hi != want[2 * i + 1])
			FAIL("range %u: [%llu, %llu], want [%llu, %llu]", i,
			     U(lo), U(hi), U(want[2 * i]), U(want[2 * i + 1]));
		i++;
	}
	if (i != n)
		FAIL("%u ranges, want %u", i, n);
	CHECK(!quic_ack_iter_next(&it, &lo, &hi));
}

/* 19.1 */
TEST(padding_one)
{
	static const u8 w[] = { 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_PADDING && f.padding_len == 1);
}

TEST(padding_run_is_one_frame)
{
	static const u8 w[] = { 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct quic_frame f = RT_TO_END(w, 1);

	CHECK(f.type == QUIC_FRAME_PADDING && f.padding_len == 5);
}

TEST(padding_run_stops_at_next_frame)
{
	static const u8 w[] = { 0x00, 0x00, 0x00, QUIC_FRAME_PING };
	struct quic_frame_error err;
	struct quic_frame f;

	CHECK(dec(w, sizeof(w), &f, &err) == 3);
	CHECK(f.type == QUIC_FRAME_PADDING && f.padding_len == 3);
}

TEST(padding_encode_zero_is_one_byte)
{
	static const u8 one[] = { 0x00 };
	static const u8 three[] = { 0x00, 0x00, 0x00 };
	struct quic_frame f = { .type = QUIC_FRAME_PADDING };

	enc_check(&f, one, 1);
	f.padding_len = 3;
	enc_check(&f, three, 3);
}

/* 19.2 */
TEST(ping)
{
	static const u8 w[] = { 0x01 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_PING);
}

/* 19.3: largest 100, first range 3, (gap 1, len 4), (gap 0, len 0). */
static const u8 ack_w[] = { 0x02, 0x40, 0x64, 0x0a, 0x02, 0x03,
			    0x01, 0x04, 0x00, 0x00 };

TEST(ack)
{
	static const u64 want[] = { 97, 100, 90, 94, 88, 88 };
	struct quic_frame f = RT(ack_w);

	CHECK(f.type == QUIC_FRAME_ACK);
	CHECK(f.ack.largest == 100 && f.ack.delay == 10);
	CHECK(f.ack.range_count == 2 && f.ack.first_range == 3);
	CHECK(f.ack.ranges_len == 4);
	CHECK(!memcmp(f.ack.ranges, ack_w + 6, 4));
	CHECK(!f.ack.ecn[0] && !f.ack.ecn[1] && !f.ack.ecn[2]);
	ranges_are(&f, want, 3);
}

TEST(ack_delay_not_scaled)
{
	static const u8 w[] = { 0x02, 0x00, 0x7f, 0xff, 0x00, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.ack.delay == 0x3fff);
}

TEST(ack_ecn)
{
	/* largest 5, first 0, (gap 0, len 3); ECT0 0x1234, ECT1 0, CE 1 */
	static const u8 w[] = { 0x03, 0x05, 0x00, 0x01, 0x00, 0x00, 0x03,
				0x52, 0x34, 0x00, 0x01 };
	static const u64 want[] = { 5, 5, 0, 3 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_ACK_ECN);
	CHECK(f.ack.largest == 5 && f.ack.range_count == 1);
	CHECK(f.ack.ecn[0] == 0x1234 && f.ack.ecn[1] == 0 &&
	      f.ack.ecn[2] == 1);
	ranges_are(&f, want, 2);
}

TEST(ack_ecn_large_counts)
{
	static const u8 w[] = { 0x03, 0x00, 0x00, 0x00, 0x00,
				0x80, 0x01, 0x00, 0x00, FF8,
				0xc0, 0, 0, 0, 0x40, 0, 0, 0 };
	struct quic_frame f = RT(w);

	CHECK(f.ack.ecn[0] == 65536 && f.ack.ecn[1] == VMAX &&
	      f.ack.ecn[2] == 1ULL << 30);
}

TEST(ack_single_packet_zero)
{
	static const u8 w[] = { 0x02, 0x00, 0x00, 0x00, 0x00 };
	static const u64 want[] = { 0, 0 };
	struct quic_frame f = RT(w);

	CHECK(f.ack.ranges_len == 0);
	ranges_are(&f, want, 1);
}

TEST(ack_ranges_down_to_zero)
{
	/* largest 5, first 0: [5]; gap 3: largest 0, len 0: [0] */
	static const u8 w[] = { 0x02, 0x05, 0x00, 0x01, 0x00, 0x03, 0x00 };
	static const u64 want[] = { 5, 5, 0, 0 };
	struct quic_frame f = RT(w);

	ranges_are(&f, want, 2);
}

TEST(ack_largest_max)
{
	static const u8 w[] = { 0x02, FF8, 0x00, 0x00, FF8 };
	/* the first range covers all: no room for another range */
	static const u8 v[] = { 0x02, FF8, 0x00, 0x01, FF8, 0x00, 0x00 };
	static const u64 want[] = { 0, VMAX };
	struct quic_frame f = RT(w);

	ranges_are(&f, want, 1);
	ERR(v, FE, 0x02);
}

TEST(ack_many_ranges)
{
	/* largest 1000, 100 ranges, first 0, then 100 x (gap 0, len 0) */
	u8 w[7 + 200] = { 0x02, 0x43, 0xe8, 0x00, 0x40, 0x64, 0x00 };
	u64 want[2 * 101];
	struct quic_frame f;
	u32 i;

	for (i = 0; i <= 100; i++) {
		want[2 * i] = 1000 - 2 * i;
		want[2 * i + 1] = 1000 - 2 * i;
	}
	f = RT(w);
	CHECK(f.ack.range_count == 100 && f.ack.ranges_len == 200);
	ranges_are(&f, want, 101);
}

TEST(ack_err_first_range_above_largest)
{
	static const u8 w[] = { 0x02, 0x05, 0x00, 0x00, 0x06 };

	ERR(w, FE, 0x02);
}

TEST(ack_err_gap_below_zero)
{
	/* [5]; gap 4: largest = 5 - 4 - 2 = -1 */
	static const u8 w[] = { 0x02, 0x05, 0x00, 0x01, 0x00, 0x04, 0x00 };
	/* [0, 1]: smallest 0 leaves no room for any gap */
	static const u8 v[] = { 0x02, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00 };
	/* [1]: a gap of 0 would put the next range at -1 */
	static const u8 y[] = { 0x02, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00 };
	/* second range of three underflows */
	static const u8 x[] = { 0x02, 0x0a, 0x00, 0x02, 0x00,
				0x00, 0x05, 0x02, 0x00 };

	ERR(w, FE, 0x02);
	ERR(v, FE, 0x02);
	ERR(x, FE, 0x02);
	ERR(y, FE, 0x02);
}

TEST(ack_err_range_below_zero)
{
	/* [5]; gap 0: largest 3, length 4: smallest -1 */
	static const u8 w[] = { 0x02, 0x05, 0x00, 0x01, 0x00, 0x00, 0x04 };
	static const u8 ok[] = { 0x02, 0x05, 0x00, 0x01, 0x00, 0x00, 0x03 };

	ERR(w, FE, 0x02);
	RT(ok);
}

TEST(ack_err_huge_range_count)
{
	/* 2^62-1 ranges announced, three present */
	static const u8 w[] = { 0x02, FF8, 0x00, FF8, 0x00,
				0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	/* and many present, all valid: still stops at the end */
	u8 *big = calloc(1, sizeof(w) + 200000);

	ERR(w, FE, 0x02);
	CHECK(big);
	memcpy(big, w, sizeof(w));
	dec_err(big, sizeof(w) + 200000, FE, 0x02);
	free(big);
}

TEST(ack_err_range_count_one_too_many)
{
	static const u8 w[] = { 0x02, 0x40, 0x64, 0x0a, 0x03, 0x03,
				0x01, 0x04, 0x00, 0x00 };

	ERR(w, FE, 0x02);
}

TEST(ack_ecn_err_missing_counts)
{
	static const u8 w[] = { 0x03, 0x05, 0x00, 0x00, 0x00, 0x01, 0x02 };

	ERR(w, FE, 0x03);
}

/* 19.4 */
TEST(reset_stream)
{
	static const u8 w[] = { 0x04, 0x04, 0x52, 0x34, FF8 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_RESET_STREAM);
	CHECK(f.reset_stream.stream_id == 4);
	CHECK(f.reset_stream.errcode == 0x1234);
	CHECK(f.reset_stream.final_size == VMAX);
}

/* 19.5 */
TEST(stop_sending)
{
	static const u8 w[] = { 0x05, 0x03, 0x80, 0x00, 0x40, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_STOP_SENDING);
	CHECK(f.stop_sending.stream_id == 3);
	CHECK(f.stop_sending.errcode == 16384);
}

/* 19.6 */
TEST(crypto)
{
	static const u8 w[] = { 0x06, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o' };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_CRYPTO && f.crypto.offset == 0);
	CHECK(data_is(f.crypto.data, f.crypto.len, "hello"));
}

TEST(crypto_empty_at_offset)
{
	static const u8 w[] = { 0x06, 0x43, 0xe8, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.crypto.offset == 1000 && f.crypto.len == 0);
}

TEST(crypto_offset_limit)
{
	static const u8 at_max[] = { 0x06, FF8, 0x00 };
	static const u8 end_max[] = { 0x06, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0xff, 0xfe, 0x01, 'x' };
	static const u8 over[] = { 0x06, FF8, 0x01, 'x' };

	RT(at_max);
	RT(end_max);
	ERR(over, FE, 0x06);
}

TEST(crypto_err_length_above_rest)
{
	static const u8 w[] = { 0x06, 0x00, 0x06, 'h', 'e', 'l', 'l', 'o' };
	static const u8 huge[] = { 0x06, 0x00, 0xbf, 0xff, 0xff, 0xff, 'x' };

	ERR(w, FE, 0x06);
	ERR(huge, FE, 0x06);
}

/* 19.7 */
TEST(new_token)
{
	static const u8 w[] = { 0x07, 0x03, 0xaa, 0xbb, 0xcc };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_NEW_TOKEN && f.new_token.len == 3);
	CHECK(!memcmp(f.new_token.token, w + 2, 3));
}

TEST(new_token_err_empty)
{
	static const u8 w[] = { 0x07, 0x00 };

	ERR(w, FE, 0x07);
}

TEST(new_token_err_length_above_rest)
{
	static const u8 w[] = { 0x07, 0x04, 0xaa, 0xbb, 0xcc };

	ERR(w, FE, 0x07);
}

/* 19.8: all eight OFF/LEN/FIN combinations, stream 4, "abc" at 0/128. */
TEST(stream_08)
{
	static const u8 w[] = { 0x08, 0x04, 'a', 'b', 'c' };
	struct quic_frame f = RT_TO_END(w, 2);

	CHECK(f.type == 0x08 && f.stream.stream_id == 4);
	CHECK(f.stream.offset == 0);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_09_fin)
{
	static const u8 w[] = { 0x09, 0x04, 'a', 'b', 'c' };
	struct quic_frame f = RT_TO_END(w, 2);

	CHECK(f.type == 0x09 && f.stream.offset == 0);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0a_len)
{
	static const u8 w[] = { 0x0a, 0x04, 0x03, 'a', 'b', 'c' };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x0a && f.stream.offset == 0);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0b_len_fin)
{
	static const u8 w[] = { 0x0b, 0x04, 0x03, 'a', 'b', 'c' };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x0b && f.stream.stream_id == 4);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0c_off)
{
	static const u8 w[] = { 0x0c, 0x04, 0x40, 0x80, 'a', 'b', 'c' };
	struct quic_frame f = RT_TO_END(w, 4);

	CHECK(f.type == 0x0c && f.stream.offset == 128);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0d_off_fin)
{
	static const u8 w[] = { 0x0d, 0x04, 0x40, 0x80, 'a', 'b', 'c' };
	struct quic_frame f = RT_TO_END(w, 4);

	CHECK(f.type == 0x0d && f.stream.offset == 128);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0e_off_len)
{
	static const u8 w[] = { 0x0e, 0x04, 0x40, 0x80, 0x03, 'a', 'b', 'c' };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x0e && f.stream.offset == 128);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_0f_off_len_fin)
{
	static const u8 w[] = { 0x0f, 0x04, 0x40, 0x80, 0x03, 'a', 'b', 'c' };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x0f && f.stream.offset == 128);
	CHECK(data_is(f.stream.data, f.stream.len, "abc"));
}

TEST(stream_empty_fin)
{
	static const u8 to_end[] = { 0x09, 0x04 };
	static const u8 with_len[] = { 0x0f, 0x04, 0x05, 0x00 };
	struct quic_frame f = RT_TO_END(to_end, 2);

	CHECK(f.stream.len == 0);
	f = RT(with_len);
	CHECK(f.stream.len == 0 && f.stream.offset == 5);
}

TEST(stream_offset_limit)
{
	static const u8 at_max[] = { 0x0e, 0x04, FF8, 0x00 };
	static const u8 over[] = { 0x0e, 0x04, FF8, 0x01, 'x' };
	static const u8 to_end_max[] = { 0x0c, 0x04, FF8 };
	static const u8 to_end_over[] = { 0x0c, 0x04, FF8, 'x' };

	RT(at_max);
	ERR(over, FE, 0x0e);
	RT_TO_END(to_end_max, sizeof(to_end_max));
	ERR(to_end_over, FE, 0x0c);
}

TEST(stream_err_length_above_rest)
{
	static const u8 w[] = { 0x0a, 0x04, 0x04, 'a', 'b', 'c' };

	ERR(w, FE, 0x0a);
}

TEST(stream_encode_refuses_lost_offset)
{
	struct quic_frame f = { .type = 0x0a };

	f.stream.stream_id = 4;
	f.stream.offset = 1;
	CHECK(quic_frame_len(&f) == 0);
	f.type = 0x0e;
	CHECK(quic_frame_len(&f) == 4);
}

/* 19.9 to 19.14 */
TEST(max_data)
{
	static const u8 w[] = { 0x10, 0xc0, 0, 0, 0x01, 0, 0, 0, 0 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_MAX_DATA && f.max_data == 1ULL << 32);
}

TEST(max_stream_data)
{
	static const u8 w[] = { 0x11, 0x08, 0x44, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.max_stream_data.stream_id == 8);
	CHECK(f.max_stream_data.max == 1024);
}

TEST(max_streams)
{
	static const u8 bidi[] = { 0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 uni[] = { 0x13, 0x0a };
	struct quic_frame f = RT(bidi);

	CHECK(f.type == 0x12 && f.max_streams == 1ULL << 60);
	f = RT(uni);
	CHECK(f.type == 0x13 && f.max_streams == 10);
}

TEST(max_streams_err_above_2_60)
{
	static const u8 bidi[] = { 0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const u8 uni[] = { 0x13, FF8 };

	ERR(bidi, FE, 0x12);
	ERR(uni, FE, 0x13);
}

TEST(data_blocked)
{
	static const u8 w[] = { 0x14, 0x80, 0x01, 0x00, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x14 && f.data_blocked == 65536);
}

TEST(stream_data_blocked)
{
	static const u8 w[] = { 0x15, 0x01, 0x3f };
	struct quic_frame f = RT(w);

	CHECK(f.stream_data_blocked.stream_id == 1);
	CHECK(f.stream_data_blocked.limit == 63);
}

TEST(streams_blocked)
{
	static const u8 bidi[] = { 0x16, 0x25 };
	static const u8 uni[] = { 0x17, 0xd0, 0, 0, 0, 0, 0, 0, 0 };
	struct quic_frame f = RT(bidi);

	CHECK(f.type == 0x16 && f.streams_blocked == 37);
	f = RT(uni);
	CHECK(f.type == 0x17 && f.streams_blocked == 1ULL << 60);
}

TEST(streams_blocked_err_above_2_60)
{
	static const u8 bidi[] = { 0x16, 0xd0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const u8 uni[] = { 0x17, FF8 };

	ERR(bidi, FE, 0x16);
	ERR(uni, FE, 0x17);
}

/* 19.15 */
#define TOKEN16	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15

TEST(new_connection_id)
{
	static const u8 w[] = { 0x18, 0x02, 0x01, 0x04,
				0xde, 0xad, 0xbe, 0xef, TOKEN16 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_NEW_CONNECTION_ID);
	CHECK(f.new_cid.seq == 2 && f.new_cid.retire_prior_to == 1);
	CHECK(f.new_cid.cid.len == 4 && !memcmp(f.new_cid.cid.data, w + 4, 4));
	CHECK(!memcmp(f.new_cid.token, w + 8, 16));
}

TEST(new_connection_id_20_bytes_rpt_equal)
{
	static const u8 w[] = { 0x18, 0x07, 0x07, 0x14,
				1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
				TOKEN16 };
	struct quic_frame f = RT(w);

	CHECK(f.new_cid.cid.len == 20 && f.new_cid.cid.data[19] == 20);
	CHECK(f.new_cid.retire_prior_to == 7);
}

TEST(new_connection_id_err_length)
{
	static const u8 zero[] = { 0x18, 0x02, 0x01, 0x00, TOKEN16 };
	static const u8 big[] = { 0x18, 0x02, 0x01, 0x15,
				  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				  12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
				  TOKEN16 };

	ERR(zero, FE, 0x18);
	ERR(big, FE, 0x18);
}

TEST(new_connection_id_err_retire_prior_to)
{
	static const u8 w[] = { 0x18, 0x02, 0x03, 0x04,
				0xde, 0xad, 0xbe, 0xef, TOKEN16 };

	ERR(w, FE, 0x18);
}

/* 19.16 to 19.18 */
TEST(retire_connection_id)
{
	static const u8 w[] = { 0x19, 0x07 };
	struct quic_frame f = RT(w);

	CHECK(f.type == 0x19 && f.retire_seq == 7);
}

TEST(path_challenge_response)
{
	static const u8 c[] = { 0x1a, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const u8 r[] = { 0x1b, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct quic_frame f = RT(c);

	CHECK(f.type == 0x1a && !memcmp(f.path_data, c + 1, 8));
	f = RT(r);
	CHECK(f.type == 0x1b && !memcmp(f.path_data, r + 1, 8));
}

/* 19.19 */
TEST(connection_close_transport)
{
	static const u8 w[] = { 0x1c, 0x07, 0x06, 0x03, 'b', 'a', 'd' };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_CONNECTION_CLOSE);
	CHECK(f.close.errcode == FE && f.close.frame_type == 0x06);
	CHECK(data_is(f.close.phrase, f.close.phrase_len, "bad"));
}

TEST(connection_close_empty_reason)
{
	static const u8 w[] = { 0x1c, 0x00, 0x00, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(!f.close.errcode && !f.close.frame_type && !f.close.phrase_len);
}

TEST(connection_close_app_has_no_frame_type)
{
	static const u8 w[] = { 0x1d, 0x41, 0x00, 0x02, 'h', 'i' };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_CONNECTION_CLOSE_APP);
	CHECK(f.close.errcode == 256 && f.close.frame_type == 0);
	CHECK(data_is(f.close.phrase, f.close.phrase_len, "hi"));
}

TEST(connection_close_err_reason_above_rest)
{
	static const u8 t[] = { 0x1c, 0x07, 0x06, 0x04, 'b', 'a', 'd' };
	static const u8 a[] = { 0x1d, 0x07, 0x03, 'b', 'a' };

	ERR(t, FE, 0x1c);
	ERR(a, FE, 0x1d);
}

/* 19.20 */
TEST(handshake_done)
{
	static const u8 w[] = { 0x1e };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_HANDSHAKE_DONE);
}

/* RFC 9221 section 4 */
TEST(datagram_to_end)
{
	static const u8 w[] = { 0x30, 'x', 'y', 'z' };
	static const u8 empty[] = { 0x30 };
	struct quic_frame f = RT_TO_END(w, 1);

	CHECK(f.type == QUIC_FRAME_DATAGRAM);
	CHECK(data_is(f.datagram.data, f.datagram.len, "xyz"));
	f = RT_TO_END(empty, 1);
	CHECK(f.datagram.len == 0);
}

TEST(datagram_len)
{
	static const u8 w[] = { 0x31, 0x02, 'x', 'y' };
	static const u8 empty[] = { 0x31, 0x00 };
	struct quic_frame f = RT(w);

	CHECK(f.type == QUIC_FRAME_DATAGRAM_LEN);
	CHECK(data_is(f.datagram.data, f.datagram.len, "xy"));
	f = RT(empty);
	CHECK(f.datagram.len == 0);
}

TEST(datagram_err_length_above_rest)
{
	static const u8 w[] = { 0x31, 0x03, 'x', 'y' };

	ERR(w, FE, 0x31);
}

/* Frame types: section 12.4. */
TEST(err_empty_payload)
{
	static const u8 none[1];
	struct quic_frame_error err;
	struct quic_frame f;

	CHECK(dec(none, 0, &f, &err) == -1);
	CHECK(err.errcode == FE && err.frame_type == 0);
}

TEST(err_truncated_type)
{
	static const u8 w[] = { 0x40 };
	static const u8 v[] = { 0x80, 0x00, 0x00 };

	ERR(w, FE, 0);
	ERR(v, FE, 0);
}

TEST(err_unknown_types)
{
	static const u8 t1f[] = { 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 t20[] = { 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 t2f[] = { 0x2f };
	static const u8 t32[] = { 0x32, 0x00 };
	static const u8 t3f[] = { 0x3f };
	static const u8 t40[] = { 0x40, 0x40 };
	static const u8 t4000[] = { 0x80, 0x00, 0x40, 0x00 };
	static const u8 tmax[] = { FF8 };

	ERR(t1f, FE, 0x1f);
	ERR(t20, FE, 0x20);
	ERR(t2f, FE, 0x2f);
	ERR(t32, FE, 0x32);
	ERR(t3f, FE, 0x3f);
	ERR(t40, FE, 0x40);
	ERR(t4000, FE, 0x4000);
	ERR(tmax, FE, VMAX);
}

TEST(err_non_minimal_type)
{
	static const u8 ping2[] = { 0x40, 0x01 };
	static const u8 ping4[] = { 0x80, 0x00, 0x00, 0x01 };
	static const u8 ping8[] = { 0xc0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const u8 pad2[] = { 0x40, 0x00 };
	static const u8 stream2[] = { 0x40, 0x0b, 0x04, 0x00 };
	static const u8 dgram2[] = { 0x40, 0x30 };
	static const u8 unknown2[] = { 0x40, 0x3f };
	static const u8 t40_4[] = { 0x80, 0x00, 0x00, 0x40 };

	ERR(ping2, PV, 0x01);
	ERR(ping4, PV, 0x01);
	ERR(ping8, PV, 0x01);
	ERR(pad2, PV, 0x00);
	ERR(stream2, PV, 0x0b);
	ERR(dgram2, PV, 0x30);
	/* minimality is checked before the type is looked up */
	ERR(unknown2, PV, 0x3f);
	ERR(t40_4, PV, 0x40);
}

TEST(non_minimal_fields_accepted_encoded_minimal)
{
	static const u8 w[] = { 0x0e, 0x40, 0x04, 0x80, 0, 0, 0x05,
				0xc0, 0, 0, 0, 0, 0, 0, 0x01, 'a' };
	static const u8 min[] = { 0x0e, 0x04, 0x05, 0x01, 'a' };
	struct quic_frame_error err;
	struct quic_frame f;

	CHECK(dec(w, sizeof(w), &f, &err) == sizeof(w));
	CHECK(f.stream.stream_id == 4 && f.stream.offset == 5);
	enc_check(&f, min, sizeof(min));
}

TEST(packet_of_many_frames)
{
	static const u8 w[] = {
		0x02, 0x05, 0x00, 0x00, 0x01,		/* ACK */
		0x01,					/* PING */
		0x06, 0x00, 0x02, 'h', 'i',		/* CRYPTO */
		0x00, 0x00, 0x00,			/* PADDING x3 */
		0x1c, 0x00, 0x00, 0x00,			/* CONNECTION_CLOSE */
		0x08, 0x00, 'e', 'n', 'd',		/* STREAM to end */
	};
	static const u64 types[] = { 0x02, 0x01, 0x06, 0x00, 0x1c, 0x08 };
	struct quic_frame_error err;
	struct quic_frame f;
	u8 *c = dup_exact(w, sizeof(w));
	const u8 *p = c;
	u32 len = sizeof(w), i = 0;

	while (len) {
		CHECK(i < ARRAY_SIZE(types));
		CHECK(quic_frame_decode(&p, &len, &f, &err));
		CHECK(f.type == types[i]);
		i++;
	}
	CHECK(i == ARRAY_SIZE(types) && p == c + sizeof(w));
	CHECK(data_is(f.stream.data, f.stream.len, "end"));
	free(c);
}

/* quic_frame_len() refusals */
TEST(len_unknown_type)
{
	struct quic_frame f = { .type = 0x1f };

	CHECK(quic_frame_len(&f) == 0);
	f.type = 0x40;
	CHECK(quic_frame_len(&f) == 0);
	f.type = 0x32;
	CHECK(quic_frame_len(&f) == 0);
}

TEST(len_value_above_varint_max)
{
	struct quic_frame f = { .type = QUIC_FRAME_MAX_DATA };

	f.max_data = VMAX;
	CHECK(quic_frame_len(&f) == 9);
	f.max_data = VMAX + 1;
	CHECK(quic_frame_len(&f) == 0);
	f.type = QUIC_FRAME_RESET_STREAM;
	f.reset_stream.stream_id = 0;
	f.reset_stream.errcode = 0;
	f.reset_stream.final_size = ~0ULL;
	CHECK(quic_frame_len(&f) == 0);
}

TEST(len_conn_id_length)
{
	struct quic_frame f = { .type = QUIC_FRAME_NEW_CONNECTION_ID };

	f.new_cid.cid.len = 0;
	CHECK(quic_frame_len(&f) == 0);
	f.new_cid.cid.len = 21;
	CHECK(quic_frame_len(&f) == 0);
	f.new_cid.cid.len = 20;
	CHECK(quic_frame_len(&f) == 1 + 1 + 1 + 1 + 20 + 16);
	f.new_cid.retire_prior_to = 1;
	CHECK(quic_frame_len(&f) == 0);
}

TEST(len_other_limits)
{
	struct quic_frame f = { .type = QUIC_FRAME_NEW_TOKEN };

	CHECK(quic_frame_len(&f) == 0);			/* empty token */
	f.type = QUIC_FRAME_MAX_STREAMS_UNI;
	f.max_streams = (1ULL << 60) + 1;
	CHECK(quic_frame_len(&f) == 0);
	f.type = QUIC_FRAME_STREAMS_BLOCKED_BIDI;
	f.streams_blocked = (1ULL << 60) + 1;
	CHECK(quic_frame_len(&f) == 0);
	f.streams_blocked = 1ULL << 60;
	CHECK(quic_frame_len(&f) == 9);

	memset(&f, 0, sizeof(f));
	f.type = QUIC_FRAME_CRYPTO;
	f.crypto.offset = VMAX;
	f.crypto.len = 1;
	CHECK(quic_frame_len(&f) == 0);
	f.crypto.offset = VMAX - 1;
	CHECK(quic_frame_len(&f) == 1 + 8 + 1 + 1);

	memset(&f, 0, sizeof(f));
	f.type = 0x0f;
	f.stream.offset = VMAX;
	f.stream.len = 1;
	CHECK(quic_frame_len(&f) == 0);
	f.type = 0x0d;				/* the same without LEN */
	CHECK(quic_frame_len(&f) == 0);
	f.stream.len = 0;
	CHECK(quic_frame_len(&f) == 10);

	memset(&f, 0, sizeof(f));
	f.type = QUIC_FRAME_DATAGRAM;
	f.datagram.len = 1ULL << 33;		/* above a u32 */
	CHECK(quic_frame_len(&f) == 0);
	f.type = QUIC_FRAME_DATAGRAM_LEN;
	CHECK(quic_frame_len(&f) == 0);
	f.datagram.len = VMAX + 1;
	CHECK(quic_frame_len(&f) == 0);
}

TEST(len_ack_inconsistent)
{
	static const u8 pairs[] = { 0x01, 0x04, 0x00, 0x00 };
	struct quic_frame f = { .type = QUIC_FRAME_ACK };

	f.ack.largest = 100;
	f.ack.first_range = 3;
	f.ack.delay = 10;
	f.ack.ranges = pairs;
	f.ack.ranges_len = 4;
	f.ack.range_count = 2;
	enc_check(&f, ack_w, sizeof(ack_w));
	f.ack.range_count = 1;			/* bytes left over */
	CHECK(quic_frame_len(&f) == 0);
	f.ack.range_count = 3;			/* too few pairs */
	CHECK(quic_frame_len(&f) == 0);
	f.ack.range_count = 2;
	f.ack.ranges_len = 3;			/* cut inside a pair */
	CHECK(quic_frame_len(&f) == 0);
	f.ack.ranges_len = 4;
	f.ack.first_range = 101;
	CHECK(quic_frame_len(&f) == 0);
	f.ack.first_range = 96;			/* [4, 100], gap 1 -> 1 */
	CHECK(quic_frame_len(&f) == 0);
	f.ack.first_range = 3;
	f.ack.ranges = NULL;
	CHECK(quic_frame_len(&f) == 0);
	f.ack.ranges_len = 0;
	f.ack.range_count = 0;
	CHECK(quic_frame_len(&f) == 6);
	f.type = QUIC_FRAME_ACK_ECN;
	f.ack.ecn[2] = VMAX + 1;
	CHECK(quic_frame_len(&f) == 0);
}

TEST(encode_built_frames)
{
	static const u8 s[] = { 0x0f, 0x04, 0x40, 0x80, 0x03, 'a', 'b', 'c' };
	static const u8 c[] = { 0x1c, 0x07, 0x06, 0x03, 'b', 'a', 'd' };
	static const u8 a[] = { 0x1d, 0x41, 0x00, 0x02, 'h', 'i' };
	struct quic_frame f = { .type = 0x0f };

	f.stream.stream_id = 4;
	f.stream.offset = 128;
	f.stream.len = 3;
	f.stream.data = (const u8 *)"abc";
	enc_check(&f, s, sizeof(s));

	memset(&f, 0, sizeof(f));
	f.type = QUIC_FRAME_CONNECTION_CLOSE;
	f.close.errcode = FE;
	f.close.frame_type = QUIC_FRAME_CRYPTO;
	f.close.phrase_len = 3;
	f.close.phrase = (const u8 *)"bad";
	enc_check(&f, c, sizeof(c));

	/* 0x1d ignores the frame type member */
	f.type = QUIC_FRAME_CONNECTION_CLOSE_APP;
	f.close.errcode = 256;
	f.close.phrase_len = 2;
	f.close.phrase = (const u8 *)"hi";
	enc_check(&f, a, sizeof(a));
}

/* Iterator */
TEST(ack_iter_not_ack)
{
	struct quic_frame f = { .type = QUIC_FRAME_PING };
	struct quic_ack_iter it;
	u64 lo, hi;

	quic_ack_iter_init(&it, &f);
	CHECK(!quic_ack_iter_next(&it, &lo, &hi));
}

TEST(ack_iter_stops_on_bad_ranges)
{
	/* not from quic_frame_decode(): the walk ends safely */
	static const u8 pairs[] = { 0x00, 0x00, 0x09, 0x00 };
	static const u64 want[] = { 10, 10, 8, 8 };
	struct quic_frame f = { .type = QUIC_FRAME_ACK };

	f.ack.largest = 10;
	f.ack.range_count = 5;
	f.ack.ranges = pairs;
	f.ack.ranges_len = sizeof(pairs);
	ranges_are(&f, want, 2);
}

/* Table 3 */
TEST(allowed_table_3)
{
	static const struct {
		u64 type;
		const char *pkts;	/* I, H, 0, 1 as in the RFC */
	} t[] = {
		{ 0x00, "IH01" }, { 0x01, "IH01" }, { 0x02, "IH_1" },
		{ 0x03, "IH_1" }, { 0x04, "__01" }, { 0x05, "__01" },
		{ 0x06, "IH_1" }, { 0x07, "___1" }, { 0x08, "__01" },
		{ 0x09, "__01" }, { 0x0a, "__01" }, { 0x0b, "__01" },
		{ 0x0c, "__01" }, { 0x0d, "__01" }, { 0x0e, "__01" },
		{ 0x0f, "__01" }, { 0x10, "__01" }, { 0x11, "__01" },
		{ 0x12, "__01" }, { 0x13, "__01" }, { 0x14, "__01" },
		{ 0x15, "__01" }, { 0x16, "__01" }, { 0x17, "__01" },
		{ 0x18, "__01" }, { 0x19, "__01" }, { 0x1a, "__01" },
		{ 0x1b, "___1" }, { 0x1c, "IH01" }, { 0x1d, "__01" },
		{ 0x1e, "___1" }, { 0x30, "__01" }, { 0x31, "__01" },
	};
	static const enum quic_pkt_level lv[4] = {
		QUIC_PKT_INITIAL, QUIC_PKT_HANDSHAKE, QUIC_PKT_0RTT,
		QUIC_PKT_1RTT,
	};
	u32 i, j;
	u64 ty;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		for (j = 0; j < 4; j++)
			if (quic_frame_allowed(t[i].type, lv[j]) !=
			    (t[i].pkts[j] != '_'))
				FAIL("type 0x%llx level %u", U(t[i].type), j);
	/* unknown types nowhere */
	for (ty = 0x1f; ty < 0x100; ty++) {
		if (ty == 0x30 || ty == 0x31)
			continue;
		for (j = 0; j < 4; j++)
			CHECK(!quic_frame_allowed(ty, lv[j]));
	}
	CHECK(!quic_frame_allowed(VMAX, QUIC_PKT_1RTT));
	CHECK(!quic_frame_allowed(0x01, (enum quic_pkt_level)4));
}

TEST(ack_eliciting_set)
{
	u64 t;

	for (t = 0; t <= 0x1e; t++)
		CHECK(quic_frame_ack_eliciting(t) ==
		      !(t == 0x00 || t == 0x02 || t == 0x03 ||
			t == 0x1c || t == 0x1d));
	CHECK(quic_frame_ack_eliciting(QUIC_FRAME_DATAGRAM));
	CHECK(quic_frame_ack_eliciting(QUIC_FRAME_DATAGRAM_LEN));
}

TEST(probing_set)
{
	u64 t;

	for (t = 0; t <= 0x40; t++)
		CHECK(quic_frame_probing(t) ==
		      (t == 0x00 || t == 0x18 || t == 0x1a || t == 0x1b));
}

int main(void)
{
	RUN(padding_one);
	RUN(padding_run_is_one_frame);
	RUN(padding_run_stops_at_next_frame);
	RUN(padding_encode_zero_is_one_byte);
	RUN(ping);
	RUN(ack);
	RUN(ack_delay_not_scaled);
	RUN(ack_ecn);
	RUN(ack_ecn_large_counts);
	RUN(ack_single_packet_zero);
	RUN(ack_ranges_down_to_zero);
	RUN(ack_largest_max);
	RUN(ack_many_ranges);
	RUN(ack_err_first_range_above_largest);
	RUN(ack_err_gap_below_zero);
	RUN(ack_err_range_below_zero);
	RUN(ack_err_huge_range_count);
	RUN(ack_err_range_count_one_too_many);
	RUN(ack_ecn_err_missing_counts);
	RUN(reset_stream);
	RUN(stop_sending);
	RUN(crypto);
	RUN(crypto_empty_at_offset);
	RUN(crypto_offset_limit);
	RUN(crypto_err_length_above_rest);
	RUN(new_token);
	RUN(new_token_err_empty);
	RUN(new_token_err_length_above_rest);
	RUN(stream_08);
	RUN(stream_09_fin);
	RUN(stream_0a_len);
	RUN(stream_0b_len_fin);
	RUN(stream_0c_off);
	RUN(stream_0d_off_fin);
	RUN(stream_0e_off_len);
	RUN(stream_0f_off_len_fin);
	RUN(stream_empty_fin);
	RUN(stream_offset_limit);
	RUN(stream_err_length_above_rest);
	RUN(stream_encode_refuses_lost_offset);
	RUN(max_data);
	RUN(max_stream_data);
	RUN(max_streams);
	RUN(max_streams_err_above_2_60);
	RUN(data_blocked);
	RUN(stream_data_blocked);
	RUN(streams_blocked);
	RUN(streams_blocked_err_above_2_60);
	RUN(new_connection_id);
	RUN(new_connection_id_20_bytes_rpt_equal);
	RUN(new_connection_id_err_length);
	RUN(new_connection_id_err_retire_prior_to);
	RUN(retire_connection_id);
	RUN(path_challenge_response);
	RUN(connection_close_transport);
	RUN(connection_close_empty_reason);
	RUN(connection_close_app_has_no_frame_type);
	RUN(connection_close_err_reason_above_rest);
	RUN(handshake_done);
	RUN(datagram_to_end);
	RUN(datagram_len);
	RUN(datagram_err_length_above_rest);
	RUN(err_empty_payload);
	RUN(err_truncated_type);
	RUN(err_unknown_types);
	RUN(err_non_minimal_type);
	RUN(non_minimal_fields_accepted_encoded_minimal);
	RUN(packet_of_many_frames);
	RUN(len_unknown_type);
	RUN(len_value_above_varint_max);
	RUN(len_conn_id_length);
	RUN(len_other_limits);
	RUN(len_ack_inconsistent);
	RUN(encode_built_frames);
	RUN(ack_iter_not_ack);
	RUN(ack_iter_stops_on_bad_ranges);
	RUN(allowed_table_3);
	RUN(ack_eliciting_set);
	RUN(probing_set);
	return test_done();
}
