// SPDX-License-Identifier: GPL-2.0
/*
 * Variable-length integers (RFC 9000 section 16 and appendix A.1).
 */

#include <stdlib.h>
#include "wire.h"

#define TEST_SUITE "wire_varint"
#include "../lib/test.h"

/* Decode exactly @n bytes copied to a heap buffer of that size. */
static bool decode(const u8 *bytes, u32 n, u64 *v, u32 *used)
{
	u8 *buf = malloc(n ? n : 1);
	const u8 *p = buf;
	u32 len = n;
	bool ok;

	CHECK(buf);
	memcpy(buf, bytes, n);
	ok = quic_get_varint(&p, &len, v);
	*used = n - len;
	CHECK(p == buf + *used);
	free(buf);
	return ok;
}

TEST(rfc_samples)
{
	static const struct {
		u8 bytes[8];
		u32 n;
		u64 value;
	} s[] = {
		{ { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c }, 8,
		  151288809941952652ULL },
		{ { 0x9d, 0x7f, 0x3e, 0x7d }, 4, 494878333 },
		{ { 0x7b, 0xbd }, 2, 15293 },
		{ { 0x25 }, 1, 37 },
		{ { 0x40, 0x25 }, 2, 37 },	/* not minimal: accepted */
	};
	u32 i, used;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		CHECK(decode(s[i].bytes, s[i].n, &v, &used));
		CHECK(used == s[i].n);
		CHECK(v == s[i].value);
	}
}

TEST(non_minimal_all_lengths)
{
	static const u8 four[] = { 0x80, 0x00, 0x00, 0x25 };
	static const u8 eight[] = { 0xc0, 0, 0, 0, 0, 0, 0, 0x25 };
	u32 used;
	u64 v;

	CHECK(decode(four, 4, &v, &used) && v == 37 && used == 4);
	CHECK(decode(eight, 8, &v, &used) && v == 37 && used == 8);
}

TEST(lengths_and_limits)
{
	CHECK(quic_varint_len(0) == 1);
	CHECK(quic_varint_len(63) == 1);
	CHECK(quic_varint_len(64) == 2);
	CHECK(quic_varint_len(16383) == 2);
	CHECK(quic_varint_len(16384) == 4);
	CHECK(quic_varint_len(1073741823) == 4);
	CHECK(quic_varint_len(1073741824) == 8);
	CHECK(quic_varint_len(QUIC_VARINT_MAX) == 8);
	/* Encoding refuses values above 2^62-1. */
	CHECK(quic_varint_len(QUIC_VARINT_MAX + 1) == 0);
	CHECK(quic_varint_len(~0ULL) == 0);
}

TEST(encode_samples)
{
	static const u8 want8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8,
				    0x8c };
	static const u8 want4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	static const u8 want2[] = { 0x7b, 0xbd };
	u8 buf[8] = { 0 };

	CHECK(quic_put_varint(buf, 151288809941952652ULL) == buf + 8);
	CHECK(!memcmp(buf, want8, 8));
	memset(buf, 0, sizeof(buf));
	CHECK(quic_put_varint(buf, 494878333) == buf + 4);
	CHECK(!memcmp(buf, want4, 4));
	memset(buf, 0, sizeof(buf));
	CHECK(quic_put_varint(buf, 15293) == buf + 2);
	CHECK(!memcmp(buf, want2, 2));
	memset(buf, 0xff, sizeof(buf));
	CHECK(quic_put_varint(buf, 37) == buf + 1 && buf[0] == 0x25);
	/* A fixed length, as for a Length field written before its data. */
	memset(buf, 0xff, sizeof(buf));
	CHECK(quic_put_varint_n(buf, 37, 2) == buf + 2);
	CHECK(buf[0] == 0x40 && buf[1] == 0x25);
}

TEST(round_trip_boundaries)
{
	static const u64 vals[] = {
		0, 1, 62, 63, 64, 65, 16382, 16383, 16384, 16385,
		1073741822, 1073741823, 1073741824, 1073741825,
		QUIC_VARINT_MAX - 1, QUIC_VARINT_MAX,
	};
	u32 i, used;
	u8 buf[8];
	u64 v;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		memset(buf, 0xaa, sizeof(buf));
		u8 *end = quic_put_varint(buf, vals[i]);

		CHECK((u32)(end - buf) == quic_varint_len(vals[i]));
		CHECK(decode(buf, end - buf, &v, &used));
		CHECK(v == vals[i] && used == (u32)(end - buf));
	}
}

TEST(every_truncation_fails)
{
	static const u8 enc[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8,
				  0x8c };
	u32 cut, used;
	u64 v = 7;

	/* Each strict prefix of an 8-, 4- and 2-byte encoding. */
	for (cut = 0; cut < 8; cut++) {
		CHECK(!decode(enc, cut, &v, &used));
		CHECK(used == 0 && v == 7);
	}
	for (cut = 0; cut < 4; cut++)
		CHECK(!decode((const u8 *)"\x9d\x7f\x3e\x7d", cut, &v, &used));
	CHECK(!decode((const u8 *)"\x7b", 1, &v, &used));
}

TEST(fixed_width_integers)
{
	static const u8 b[] = { 0x6b, 0x33, 0x43, 0xcf, 0x01 };
	const u8 *p = b, *out;
	u32 len = sizeof(b);
	u8 buf[4];
	u64 v;

	CHECK(quic_get_uint(&p, &len, 4, &v) && v == QUIC_VERSION_V2);
	CHECK(len == 1 && p == b + 4);
	CHECK(!quic_get_uint(&p, &len, 2, &v) && len == 1 && p == b + 4);
	CHECK(quic_get_bytes(&p, &len, 1, &out) && out == b + 4 && !len);
	CHECK(!quic_get_bytes(&p, &len, 1, &out));
	CHECK(quic_put_uint(buf, QUIC_VERSION_V2, 4) == buf + 4);
	CHECK(!memcmp(buf, b, 4));
}

int main(void)
{
	RUN(rfc_samples);
	RUN(non_minimal_all_lengths);
	RUN(lengths_and_limits);
	RUN(encode_samples);
	RUN(round_trip_boundaries);
	RUN(every_truncation_fails);
	RUN(fixed_width_integers);
	return test_done();
}
