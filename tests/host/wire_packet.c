// SPDX-License-Identifier: GPL-2.0
/*
 * Packet headers and packet numbers (RFC 9000 section 17 and appendix A,
 * RFC 9001 section 5.4.2 and appendix A, RFC 9369 section 3.2 and
 * appendix A).
 */

#include <stdlib.h>
#include "wire_packet.h"

#define TEST_SUITE "wire_packet"
#include "../lib/test.h"

#define V1 QUIC_VERSION_V1
#define V2 QUIC_VERSION_V2

/* A packet in a heap buffer of exactly its size, so ASan sees over-reads. */
struct pkt {
	u8 *p;
	u32 n;
};

static struct pkt pkt_new(u32 n)
{
	struct pkt b = { malloc(n ? n : 1), n };

	CHECK(b.p);
	memset(b.p, 0, n);
	return b;
}

static struct pkt pkt_from(const u8 *bytes, u32 n)
{
	struct pkt b = pkt_new(n);

	memcpy(b.p, bytes, n);
	return b;
}

static u32 unhex(const char *s, u8 *out)
{
	u32 n = 0;

	while (s[0] && s[1]) {
		unsigned int v;

		CHECK(sscanf(s, "%2x", &v) == 1);
		out[n++] = v;
		s += 2;
	}
	return n;
}

/* @hex, then zeros up to @total bytes. */
static struct pkt pkt_hex(const char *hex, u32 total)
{
	u8 tmp[512];
	u32 n = unhex(hex, tmp);
	struct pkt b;

	if (total < n)
		total = n;
	b = pkt_new(total);
	memcpy(b.p, tmp, n);
	return b;
}

/* Parse the first @n bytes of @b from a copy of exactly that size. */
static int parse_prefix(const struct pkt *b, u32 n, u8 sdl)
{
	struct pkt c = pkt_from(b->p, n);
	struct quic_packet_hdr h;
	int r;

	r = quic_packet_parse(c.p, n, sdl, &h);
	if (!r)
		CHECK(h.len <= n && h.len > 0);
	free(c.p);
	return r;
}

static u64 read_pn(const struct pkt *b, const struct quic_packet_hdr *h)
{
	const u8 *q = b->p + h->pn_offset;
	u32 left = h->len - h->pn_offset;
	u64 v;

	CHECK(quic_get_uint(&q, &left, quic_packet_pn_len(h->first), &v));
	return v;
}

static bool same(const u8 *a, const char *hex)
{
	u8 tmp[512];
	u32 n = unhex(hex, tmp);

	return !memcmp(a, tmp, n);
}

static const char *rfc_dcid = "8394c8f03e515708";
static const char *rfc_scid = "f067a5502a4262b5";

/* RFC 9001 A.2 / RFC 9369 A.2: the client Initial's unprotected header. */
static void check_client_initial(const char *hex, u32 version)
{
	struct pkt b = pkt_hex(hex, 1200);
	struct quic_packet_hdr h;

	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_INITIAL);
	CHECK(h.version == version);
	CHECK(h.fixed_bit);
	CHECK(h.dcid_len == 8 && h.dcid == b.p + 6 && same(h.dcid, rfc_dcid));
	CHECK(h.scid_len == 0);
	CHECK(h.token_len == 0 && !h.token);
	CHECK(h.pn_offset == 18);
	CHECK(h.len == 18 + 1182 && h.len == 1200);
	CHECK(quic_packet_pn_len(h.first) == 4);
	CHECK(read_pn(&b, &h) == 2);
	CHECK(!h.retry_tag && !h.versions && !h.versions_count);
	free(b.p);
}

TEST(rfc9001_client_initial)
{
	check_client_initial("c300000001088394c8f03e5157080000449e00000002",
			     V1);
}

TEST(rfc9369_client_initial)
{
	check_client_initial("d36b3343cf088394c8f03e5157080000449e00000002",
			     V2);
}

/* The protected first bytes parse the same: the type bits are clear. */
TEST(rfc9001_client_initial_protected)
{
	struct pkt b = pkt_hex("c000000001088394c8f03e5157080000449e7b9aec34",
			       1200);
	struct quic_packet_hdr h;

	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_INITIAL && h.first == 0xc0);
	CHECK(h.pn_offset == 18 && h.len == 1200);
	free(b.p);
}

/* RFC 9001 A.3 / RFC 9369 A.3: 2-byte pn 1, Length 0x75 = 117. */
static void check_server_initial(const char *hex, u32 version)
{
	struct pkt b = pkt_hex(hex, 18 + 117);
	struct quic_packet_hdr h;

	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_INITIAL && h.version == version);
	CHECK(h.dcid_len == 0);
	CHECK(h.scid_len == 8 && same(h.scid, rfc_scid));
	CHECK(h.token_len == 0);
	CHECK(h.pn_offset == 18 && h.len == 135);
	CHECK(quic_packet_pn_len(h.first) == 2);
	CHECK(read_pn(&b, &h) == 1);
	free(b.p);
}

TEST(rfc9001_server_initial)
{
	check_server_initial("c1000000010008f067a5502a4262b50040750001", V1);
}

TEST(rfc9369_server_initial)
{
	check_server_initial("d16b3343cf0008f067a5502a4262b50040750001", V2);
}

static void check_build_initial(const char *hex, u32 version, bool client)
{
	u8 dcid[8], scid[8], want[64], out[64] = { 0 };
	struct quic_packet_long l = {
		.type = QUIC_PACKET_INITIAL,
		.version = version,
	};
	u32 n = unhex(hex, want);
	u8 *end;

	unhex(rfc_dcid, dcid);
	unhex(rfc_scid, scid);
	if (client) {
		l.dcid = dcid;
		l.dcid_len = 8;
		l.pn = 2;
		l.pn_len = 4;
		l.payload_len = 1182 - 4;
	} else {
		l.scid = scid;
		l.scid_len = 8;
		l.pn = 1;
		l.pn_len = 2;
		l.payload_len = 117 - 2;
	}
	CHECK(quic_packet_long_len(&l) == n);
	end = quic_packet_put_long(out, &l);
	CHECK(end == out + n);
	CHECK(!memcmp(out, want, n));
}

TEST(build_rfc_initials)
{
	check_build_initial("c300000001088394c8f03e5157080000449e00000002",
			    V1, true);
	check_build_initial("c1000000010008f067a5502a4262b50040750001",
			    V1, false);
	check_build_initial("d36b3343cf088394c8f03e5157080000449e00000002",
			    V2, true);
	check_build_initial("d16b3343cf0008f067a5502a4262b50040750001",
			    V2, false);
}

static const char *retry_v1 =
	"ff000000010008f067a5502a4262b5746f6b656e"
	"04a265ba2eff4d829058fb3f0f2496ba";
static const char *retry_v2 =
	"cf6b3343cf0008f067a5502a4262b5746f6b656e"
	"c8646ce8bfe33952d955543665dcc7b6";

static void check_retry(const char *hex, u32 version, const char *tag)
{
	struct pkt b = pkt_hex(hex, 0);
	struct quic_packet_hdr h;

	CHECK(b.n == 36);
	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_RETRY && h.version == version);
	CHECK(h.dcid_len == 0);
	CHECK(h.scid_len == 8 && same(h.scid, rfc_scid));
	CHECK(h.token_len == 5 && !memcmp(h.token, "token", 5));
	CHECK(h.retry_tag == b.p + 20 && same(h.retry_tag, tag));
	CHECK(h.len == 36);
	free(b.p);
}

TEST(rfc9001_retry)
{
	check_retry(retry_v1, V1, "04a265ba2eff4d829058fb3f0f2496ba");
}

TEST(rfc9369_retry)
{
	check_retry(retry_v2, V2, "c8646ce8bfe33952d955543665dcc7b6");
}

TEST(build_rfc_retries)
{
	u8 scid[8], want[64], out[64];
	u32 n;

	unhex(rfc_scid, scid);
	CHECK(quic_packet_retry_len(0, 8, 5) == 20);

	n = unhex(retry_v1, want);
	CHECK(n == 36);
	CHECK(quic_packet_put_retry(out, V1, 0x0f, NULL, 0, scid, 8,
				    (const u8 *)"token", 5) == out + 20);
	CHECK(!memcmp(out, want, 20));

	unhex(retry_v2, want);
	CHECK(quic_packet_put_retry(out, V2, 0x0f, NULL, 0, scid, 8,
				    (const u8 *)"token", 5) == out + 20);
	CHECK(!memcmp(out, want, 20));

	/* Only the low 4 bits are the caller's. */
	CHECK(quic_packet_put_retry(out, V1, 0xf5, NULL, 0, scid, 8,
				    (const u8 *)"token", 5) == out + 20);
	CHECK(out[0] == 0xf5);
	CHECK(quic_packet_put_retry(out, V2, 0x00, NULL, 0, scid, 8,
				    (const u8 *)"token", 5) == out + 20);
	CHECK(out[0] == 0xc0);
}

/* RFC 9001 section 5.8: ODCID Length, ODCID, Retry without the tag. */
TEST(retry_pseudo_packet)
{
	struct pkt b = pkt_hex(retry_v1, 0);
	struct quic_packet_hdr h;
	u8 odcid[8], out[64];
	u8 *end;

	unhex(rfc_dcid, odcid);
	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(quic_packet_retry_pseudo_len(8, h.len - 16) == 29);
	end = quic_packet_retry_pseudo(out, odcid, 8, b.p, h.len - 16);
	CHECK(end == out + 29);
	CHECK(same(out, "088394c8f03e515708"
		   "ff000000010008f067a5502a4262b5746f6b656e"));

	CHECK(quic_packet_retry_pseudo_len(0, 20) == 21);
	CHECK(quic_packet_retry_pseudo(out, NULL, 0, b.p, 20) == out + 21);
	CHECK(out[0] == 0 && !memcmp(out + 1, b.p, 20));

	CHECK(quic_packet_retry_pseudo_len(21, 20) == 0);
	CHECK(!quic_packet_retry_pseudo(out, b.p, 21, b.p, 20));
	free(b.p);
}

/*
 * RFC 9001 A.5: the ChaCha20 short header, no connection ID, a 3-byte pn
 * 49140 of packet 654360564, and the smallest possible (21-byte) packet.
 */
TEST(rfc9001_short_header)
{
	struct pkt b = pkt_hex("4200bff4", 21);
	struct quic_packet_hdr h;
	u8 out[8];
	u64 t;

	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_1RTT && h.fixed_bit);
	CHECK(h.dcid_len == 0 && h.pn_offset == 1 && h.len == 21);
	CHECK(h.version == 0 && !h.scid && !h.token);
	CHECK(quic_packet_pn_len(h.first) == 3);
	t = read_pn(&b, &h);
	CHECK(t == 49140);
	CHECK(quic_packet_pn_decode(654360563, t, 24) == 654360564);
	CHECK(quic_packet_pn_decode(654360564 - 1000, t, 24) == 654360564);

	CHECK(quic_packet_short_len(0, 3) == 4);
	CHECK(quic_packet_put_short(out, NULL, 0, 654360564, 3, false,
				    false) == out + 4);
	CHECK(same(out, "4200bff4"));
	free(b.p);
}

TEST(rfc_protected_short_packets)
{
	static const char * const hex[] = {
		"4cfe4189655e5cd55c41f69080575d7999c25a5bfb",	/* 9001 */
		"5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba",	/* 9369 */
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(hex); i++) {
		struct pkt b = pkt_hex(hex[i], 0);

		CHECK(b.n == 21);
		CHECK(parse_prefix(&b, 21, 0) == 0);
		CHECK(parse_prefix(&b, 20, 0) == -EINVAL);
		free(b.p);
	}
}

TEST(short_header_bits)
{
	u8 dcid[20], buf[64] = { 0 };
	struct quic_packet_hdr h;
	u32 i;

	for (i = 0; i < 20; i++)
		dcid[i] = 0xa0 + i;
	CHECK(quic_packet_short_len(20, 4) == 25);
	CHECK(quic_packet_put_short(buf, dcid, 20, 0x12345678, 4, true,
				    true) == buf + 25);
	CHECK(buf[0] == (0x40 | 0x20 | 0x04 | 0x03));
	CHECK(!memcmp(buf + 1, dcid, 20));
	CHECK(same(buf + 21, "12345678"));
	CHECK(quic_packet_put_short(buf, dcid, 20, 0x12345678, 1, false,
				    true) == buf + 22);
	CHECK(buf[0] == 0x60 && buf[21] == 0x78);
	CHECK(quic_packet_put_short(buf, dcid, 20, 0, 2, true,
				    false) == buf + 23);
	CHECK(buf[0] == 0x45);

	CHECK_OK(quic_packet_parse(buf, 1 + 20 + 20, 20, &h));
	CHECK(h.type == QUIC_PACKET_1RTT && h.first == 0x45);
	CHECK(h.dcid == buf + 1 && h.dcid_len == 20 && h.pn_offset == 21);
	CHECK(h.len == 41);
}

TEST(short_header_sample)
{
	u8 buf[64] = { 0x40 };
	struct pkt b = pkt_from(buf, 1 + 8 + 20);

	CHECK(parse_prefix(&b, 29, 8) == 0);
	CHECK(parse_prefix(&b, 28, 8) == -EINVAL);
	CHECK(parse_prefix(&b, 21, 0) == 0);
	CHECK(parse_prefix(&b, 20, 0) == -EINVAL);
	free(b.p);
}

TEST(short_dcid_len_over_20)
{
	u8 buf[128] = { 0x40 };
	struct quic_packet_hdr h;

	CHECK(quic_packet_parse(buf, sizeof(buf), 21, &h) == -EINVAL);
	CHECK(quic_packet_parse(buf, sizeof(buf), 255, &h) == -EINVAL);
	CHECK_OK(quic_packet_parse(buf, sizeof(buf), 20, &h));
}

/*
 * What an ICMP error quotes of a packet we sent: the RFC 9001 A.2 client
 * Initial's first bytes (DCID 8394c8f03e515708, no SCID) and the A.3
 * server Initial's (SCID f067a5502a4262b5), cut anywhere.
 */
TEST(quoted_scid)
{
	struct pkt c = pkt_hex("c300000001088394c8f03e5157080000449e00000002",
			       0);
	struct pkt s = pkt_hex("c1000000010008f067a5502a4262b50040750001", 0);
	const u8 *scid;
	u32 len, n;

	CHECK_OK(quic_packet_quoted_scid(c.p, c.n, &scid, &len));
	CHECK(len == 0);
	CHECK_OK(quic_packet_quoted_scid(s.p, s.n, &scid, &len));
	CHECK(len == 8 && scid == s.p + 7);
	CHECK(!memcmp(scid, "\xf0\x67\xa5\x50\x2a\x42\x62\xb5", 8));
	/* Up to the SCID's last byte it must be there; cut, it is refused. */
	for (n = 0; n < 15; n++) {
		struct pkt t = pkt_from(s.p, n);

		CHECK(quic_packet_quoted_scid(t.p, n, &scid, &len) == -EINVAL);
		free(t.p);
	}
	{
		struct pkt t = pkt_from(s.p, 15);

		CHECK_OK(quic_packet_quoted_scid(t.p, 15, &scid, &len));
		free(t.p);
	}
	/* A short header names no connection of ours. */
	s.p[0] = 0x41;
	CHECK(quic_packet_quoted_scid(s.p, s.n, &scid, &len) == -EINVAL);
	free(c.p);
	free(s.p);
}

TEST(empty_input)
{
	struct quic_packet_hdr h;
	u8 b = 0xc0;

	CHECK(quic_packet_parse(&b, 0, 0, &h) == -EINVAL);
	CHECK(quic_packet_parse(&b, 1, 0, &h) == -EINVAL);
}

/* Build a long header packet with @payload zero bytes after the pn. */
static struct pkt build_long(const struct quic_packet_long *l)
{
	u32 hl = quic_packet_long_len(l);
	struct pkt b;

	CHECK(hl);
	b = pkt_new(hl + l->payload_len);
	CHECK(quic_packet_put_long(b.p, l) == b.p + hl);
	return b;
}

static const u8 cid_a[20] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
};
static const u8 cid_b[20] = {
	21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
	31, 32, 33, 34, 35, 36, 37, 38, 39, 40
};

TEST(long_types_both_versions)
{
	static const struct {
		enum quic_packet_type type;
		u8 v1, v2;
	} t[] = {
		{ QUIC_PACKET_INITIAL,   0x00, 0x10 },
		{ QUIC_PACKET_0RTT,      0x10, 0x20 },
		{ QUIC_PACKET_HANDSHAKE, 0x20, 0x30 },
	};
	u32 i, v;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		for (v = 0; v < 2; v++) {
			struct quic_packet_long l = {
				.type = t[i].type,
				.version = v ? V2 : V1,
				.dcid = cid_a, .dcid_len = 5,
				.scid = cid_b, .scid_len = 7,
				.pn = 0x1234, .pn_len = 2,
				.payload_len = 40,
			};
			struct quic_packet_hdr h;
			struct pkt b = build_long(&l);

			CHECK((b.p[0] & 0x30) == (v ? t[i].v2 : t[i].v1));
			CHECK((b.p[0] & 0xcc) == 0xc0);
			CHECK((b.p[0] & 0x03) == 1);
			CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
			CHECK(h.type == t[i].type);
			CHECK(h.version == l.version);
			CHECK(h.dcid_len == 5 && !memcmp(h.dcid, cid_a, 5));
			CHECK(h.scid_len == 7 && !memcmp(h.scid, cid_b, 7));
			CHECK(h.len == b.n);
			CHECK(h.len - h.pn_offset == 42);
			CHECK(read_pn(&b, &h) == 0x1234);
			free(b.p);
		}
	}
}

/* The same first byte means different types in v1 and v2. */
TEST(type_bits_by_version)
{
	static const struct {
		u8 bits;
		enum quic_packet_type v1, v2;
	} t[] = {
		{ 0x00, QUIC_PACKET_INITIAL,   QUIC_PACKET_RETRY },
		{ 0x10, QUIC_PACKET_0RTT,      QUIC_PACKET_INITIAL },
		{ 0x20, QUIC_PACKET_HANDSHAKE, QUIC_PACKET_0RTT },
		{ 0x30, QUIC_PACKET_RETRY,     QUIC_PACKET_HANDSHAKE },
	};
	u32 i, v;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		for (v = 0; v < 2; v++) {
			enum quic_packet_type want = v ? t[i].v2 : t[i].v1;
			u8 buf[64] = { 0xc0 | t[i].bits };
			struct quic_packet_hdr h;
			u32 n = 28;

			quic_put_uint(buf + 1, v ? V2 : V1, 4);
			if (want == QUIC_PACKET_INITIAL) {
				buf[7] = 0;	/* token length */
				buf[8] = 20;	/* Length */
				n = 29;
			} else if (want != QUIC_PACKET_RETRY) {
				buf[7] = 20;	/* Length */
			}
			CHECK_OK(quic_packet_parse(buf, n, 0, &h));
			CHECK(h.type == want && h.len == n);
		}
	}
}

TEST(initial_with_token)
{
	static const u8 token[100] = { 0xee };
	struct quic_packet_long l = {
		.type = QUIC_PACKET_INITIAL, .version = V1,
		.dcid = cid_a, .dcid_len = 20,
		.scid = cid_b, .scid_len = 20,
		.token = token, .token_len = sizeof(token),
		.pn = 7, .pn_len = 1, .payload_len = 1000,
	};
	struct quic_packet_hdr h;
	struct pkt b = build_long(&l);

	/* 1 + 4 + 1 + 20 + 1 + 20 + 2 + 100 + 2 + 1 */
	CHECK(quic_packet_long_len(&l) == 152);
	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.token_len == 100 && h.token == b.p + 49);
	CHECK(h.token[0] == 0xee);
	CHECK(h.pn_offset == 151 && h.len == 1152 && b.n == 1152);
	CHECK(read_pn(&b, &h) == 7);
	free(b.p);
}

TEST(builder_refusals)
{
	struct quic_packet_long ok = {
		.type = QUIC_PACKET_HANDSHAKE, .version = V1,
		.dcid = cid_a, .dcid_len = 20,
		.scid = cid_b, .scid_len = 20,
		.pn = QUIC_PACKET_PN_LIMIT - 1, .pn_len = 4,
		.payload_len = QUIC_VARINT_MAX - 4,
	};
	struct quic_packet_long l;
	u8 buf[64], big[300] = { 0 };
	u32 vers[1] = { V1 };

	CHECK(quic_packet_long_len(&ok) == 1 + 4 + 1 + 20 + 1 + 20 + 8 + 4);

	l = ok; l.dcid_len = 21;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.scid_len = 21;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.pn_len = 0;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.pn_len = 5;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.pn = QUIC_PACKET_PN_LIMIT;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.payload_len = QUIC_VARINT_MAX - 3;	/* Length 2^62 */
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.payload_len = QUIC_VARINT_MAX + 1;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.payload_len = ~0ULL;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.version = 0;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.version = 0xff00001d;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.token = buf; l.token_len = 1;	/* token outside Initial */
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.type = QUIC_PACKET_RETRY;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.type = QUIC_PACKET_VERSION_NEGOTIATION;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.type = QUIC_PACKET_1RTT;
	CHECK(!quic_packet_long_len(&l));
	l = ok; l.type = QUIC_PACKET_INITIAL; l.token = big;
	l.token_len = ~0U;			/* header over 4 GB */
	CHECK(!quic_packet_long_len(&l));

	/* Refused writes write nothing. */
	memset(buf, 0xaa, sizeof(buf));
	l = ok; l.dcid_len = 21;
	CHECK(!quic_packet_put_long(buf, &l));
	CHECK(buf[0] == 0xaa);

	CHECK(!quic_packet_short_len(21, 1));
	CHECK(!quic_packet_short_len(0, 0));
	CHECK(!quic_packet_short_len(0, 5));
	CHECK(!quic_packet_put_short(buf, cid_a, 21, 0, 1, 0, 0));
	CHECK(!quic_packet_put_short(buf, cid_a, 0, 0, 0, 0, 0));
	CHECK(!quic_packet_put_short(buf, cid_a, 0, 0, 5, 0, 0));
	CHECK(!quic_packet_put_short(buf, cid_a, 0, QUIC_PACKET_PN_LIMIT, 4,
				     0, 0));
	CHECK(quic_packet_put_short(buf, cid_a, 0, QUIC_PACKET_PN_LIMIT - 1,
				    4, 0, 0) == buf + 5);
	memset(buf, 0xaa, sizeof(buf));

	CHECK(!quic_packet_retry_len(21, 0, 1));
	CHECK(!quic_packet_retry_len(0, 21, 1));
	CHECK(!quic_packet_retry_len(0, 0, 0));
	CHECK(!quic_packet_retry_len(20, 20, ~0U));
	CHECK(!quic_packet_put_retry(buf, V1, 0, cid_a, 21, cid_b, 0, big, 1));
	CHECK(!quic_packet_put_retry(buf, V1, 0, cid_a, 0, cid_b, 0, big, 0));
	CHECK(!quic_packet_put_retry(buf, 0xff00001d, 0, cid_a, 0, cid_b, 0,
				     big, 1));

	CHECK(!quic_packet_vn_len(256, 0, 1));
	CHECK(!quic_packet_vn_len(0, 256, 1));
	CHECK(!quic_packet_vn_len(0, 0, 0));
	CHECK(!quic_packet_vn_len(0, 0, 0x40000000));
	CHECK(!quic_packet_put_vn(buf, 0, big, 256, big, 0, vers, 1));
	CHECK(!quic_packet_put_vn(buf, 0, big, 0, big, 0, vers, 0));
	CHECK(buf[0] == 0xaa);
}

TEST(put_long_pn_truncated)
{
	struct quic_packet_long l = {
		.type = QUIC_PACKET_0RTT, .version = V2,
		.pn = 0x3ffffffffffabcdeULL, .pn_len = 3, .payload_len = 17,
	};
	struct quic_packet_hdr h;
	struct pkt b = build_long(&l);

	/* 1 + 4 + 1 + 1 + 1 (Length 20) + 3 */
	CHECK(b.n == 11 + 17);
	CHECK(b.p[0] == 0xe2);
	CHECK(b.p[7] == 20);
	CHECK(same(b.p + 8, "fabcde"));
	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.type == QUIC_PACKET_0RTT && h.pn_offset == 8 && h.len == 28);
	free(b.p);
}

/*
 * Every strict prefix of a long header packet with a Length field is
 * invalid, since the Length no longer fits.
 */
static void check_prefixes_fail(const struct pkt *b, u8 sdl)
{
	u32 n;

	CHECK(parse_prefix(b, b->n, sdl) == 0);
	for (n = 0; n < b->n; n++)
		if (parse_prefix(b, n, sdl) != -EINVAL)
			FAIL("prefix %u of %u parsed", n, b->n);
}

TEST(truncation_long_headers)
{
	static const u8 token[30] = { 9 };
	u32 type, v, pn_len;

	for (type = QUIC_PACKET_INITIAL; type <= QUIC_PACKET_HANDSHAKE;
	     type++)
		for (v = 0; v < 2; v++)
			for (pn_len = 1; pn_len <= 4; pn_len++) {
				struct quic_packet_long l = {
					.type = type,
					.version = v ? V2 : V1,
					.dcid = cid_a, .dcid_len = 3 * pn_len,
					.scid = cid_b, .scid_len = 20 - pn_len,
					.pn = 77, .pn_len = pn_len,
					.payload_len = 20 - pn_len + v,
				};
				struct pkt b;

				if (type == QUIC_PACKET_INITIAL) {
					l.token = token;
					l.token_len = v ? 30 : 0;
				}
				b = build_long(&l);
				check_prefixes_fail(&b, 0);
				free(b.p);
			}
}

TEST(truncation_rfc_initials)
{
	static const char * const hex[] = {
		"c300000001088394c8f03e5157080000449e00000002",
		"d36b3343cf088394c8f03e5157080000449e00000002",
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(hex); i++) {
		struct pkt b = pkt_hex(hex[i], 1200);

		check_prefixes_fail(&b, 0);
		free(b.p);
	}
	for (i = 0; i < 2; i++) {
		struct pkt b = pkt_hex(i ? "d16b3343cf0008f067a5502a4262b5"
					   "0040750001" :
					   "c1000000010008f067a5502a4262b5"
					   "0040750001", 135);

		check_prefixes_fail(&b, 0);
		free(b.p);
	}
}

/* A Retry's prefix is a Retry with a shorter token, down to 1 byte. */
TEST(truncation_retry)
{
	u32 v, n;

	for (v = 0; v < 2; v++) {
		struct pkt b = pkt_hex(v ? retry_v2 : retry_v1, 0);

		for (n = 0; n <= b.n; n++) {
			int r = parse_prefix(&b, n, 0);

			/* 15 bytes of header, 1 of token, 16 of tag */
			if (r != (n >= 32 ? 0 : -EINVAL))
				FAIL("prefix %u: %d", n, r);
		}
		free(b.p);
	}
}

TEST(retry_too_short)
{
	u8 buf[64] = { 0xf0, 0, 0, 0, 1, 0, 0 };
	struct quic_packet_hdr h;

	/* No token. */
	CHECK(quic_packet_parse(buf, 7 + 16, 0, &h) == -EINVAL);
	CHECK(quic_packet_parse(buf, 7 + 15, 0, &h) == -EINVAL);
	CHECK(quic_packet_parse(buf, 7, 0, &h) == -EINVAL);
	CHECK_OK(quic_packet_parse(buf, 7 + 17, 0, &h));
	CHECK(h.token_len == 1 && h.retry_tag == buf + 8);
}

/* The short header's prefixes parse down to the HP sample's end. */
TEST(truncation_short)
{
	u8 raw[60];
	struct pkt b;
	u32 sdl, n;

	for (n = 0; n < sizeof(raw); n++)
		raw[n] = n | 0x40;
	b = pkt_from(raw, sizeof(raw));
	for (sdl = 0; sdl <= 20; sdl++)
		for (n = 0; n <= b.n; n++) {
			int r = parse_prefix(&b, n, sdl);

			if (r != (n >= 1 + sdl + 20 ? 0 : -EINVAL))
				FAIL("dcid %u prefix %u: %d", sdl, n, r);
		}
	free(b.p);
}

TEST(vn_build_parse)
{
	static const u32 vers[] = { V2, V1, 0x1a2a3a4a };
	u8 buf[128];
	struct quic_packet_hdr h;
	u32 n = quic_packet_vn_len(8, 5, 3);

	CHECK(n == 1 + 4 + 1 + 8 + 1 + 5 + 12);
	CHECK(quic_packet_put_vn(buf, 0x15, cid_a, 8, cid_b, 5, vers, 3) ==
	      buf + n);
	CHECK(buf[0] == 0xd5);
	CHECK(same(buf + 1, "00000000"));
	CHECK(same(buf + 20, "6b3343cf000000011a2a3a4a"));
	CHECK(quic_packet_put_vn(buf, 0xff, cid_a, 8, cid_b, 5, vers, 3) ==
	      buf + n);
	CHECK(buf[0] == 0xff);

	CHECK_OK(quic_packet_parse(buf, n, 0, &h));
	CHECK(h.type == QUIC_PACKET_VERSION_NEGOTIATION);
	CHECK(h.version == 0 && h.len == n && h.fixed_bit);
	CHECK(h.dcid_len == 8 && !memcmp(h.dcid, cid_a, 8));
	CHECK(h.scid_len == 5 && !memcmp(h.scid, cid_b, 5));
	CHECK(h.versions == buf + 20 && h.versions_count == 3);
	CHECK(quic_packet_vn_version(&h, 0) == V2);
	CHECK(quic_packet_vn_version(&h, 1) == V1);
	CHECK(quic_packet_vn_version(&h, 2) == 0x1a2a3a4a);
	CHECK(!h.pn_offset && !h.token);
}

/* Clients MUST ignore the Unused bits, the fixed bit among them. */
TEST(vn_any_first_byte)
{
	u8 buf[16] = { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct quic_packet_hdr h;
	u32 b;

	for (b = 0x80; b <= 0xff; b++) {
		buf[0] = b;
		CHECK_OK(quic_packet_parse(buf, 11, 0, &h));
		CHECK(h.type == QUIC_PACKET_VERSION_NEGOTIATION);
		CHECK(h.versions_count == 1);
		CHECK(h.fixed_bit == !!(b & 0x40));
	}
}

TEST(vn_bad_lists)
{
	u8 buf[32] = { 0xc0, 0, 0, 0, 0, 0, 0 };
	struct quic_packet_hdr h;
	u32 n;

	/* 7 bytes of header, then the list. */
	for (n = 7; n < 7 + 17; n++) {
		int r = quic_packet_parse(buf, n, 0, &h);
		bool ok = n > 7 && (n - 7) % 4 == 0;

		if (r != (ok ? 0 : -EINVAL))
			FAIL("list of %u bytes: %d", n - 7, r);
		if (ok)
			CHECK(h.versions_count == (n - 7) / 4);
	}
}

TEST(truncation_vn)
{
	static const u32 vers[] = { V1, V2 };
	u8 raw[128];
	u32 n = quic_packet_put_vn(raw, 0, cid_a, 20, cid_b, 3, vers, 2) - raw;
	struct pkt b = pkt_from(raw, n);
	u32 i, hdr = 7 + 20 + 3;

	for (i = 0; i <= n; i++) {
		int r = parse_prefix(&b, i, 0);
		bool ok = i > hdr && (i - hdr) % 4 == 0;

		if (r != (ok ? 0 : -EINVAL))
			FAIL("prefix %u: %d", i, r);
	}
	free(b.p);
}

/* Version Negotiation carries connection IDs of any version: 255 bytes. */
TEST(vn_cid_255)
{
	static u8 dcid[255], scid[255];
	static const u32 vers[] = { V1 };
	u32 n = quic_packet_vn_len(255, 255, 1);
	struct quic_packet_hdr h;
	struct pkt b;

	memset(dcid, 0xd1, sizeof(dcid));
	memset(scid, 0x5c, sizeof(scid));
	CHECK(n == 7 + 510 + 4);
	b = pkt_new(n);
	CHECK(quic_packet_put_vn(b.p, 0, dcid, 255, scid, 255, vers, 1) ==
	      b.p + n);
	CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
	CHECK(h.dcid_len == 255 && !memcmp(h.dcid, dcid, 255));
	CHECK(h.scid_len == 255 && !memcmp(h.scid, scid, 255));
	CHECK(h.versions_count == 1 && quic_packet_vn_version(&h, 0) == V1);
	free(b.p);
}

/* A long header with version @ver, connection IDs @dl and @sl long. */
static struct pkt long_hdr(u32 ver, u32 dl, u32 sl, u32 extra)
{
	struct pkt b = pkt_new(7 + dl + sl + extra);

	b.p[0] = 0xc0;
	quic_put_uint(b.p + 1, ver, 4);
	b.p[5] = dl;
	memset(b.p + 6, 0xdd, dl);
	b.p[6 + dl] = sl;
	memset(b.p + 7 + dl, 0x55, sl);
	return b;
}

TEST(cid_21_rejected_v1_v2)
{
	u32 v;

	for (v = 0; v < 2; v++) {
		u32 ver = v ? V2 : V1;
		struct quic_packet_hdr h;
		struct pkt b;

		/* Initial: token length 0, Length 20, 20 bytes. */
		b = long_hdr(ver, 21, 0, 22);
		b.p[0] = v ? 0xd0 : 0xc0;
		b.p[b.n - 21] = 20;
		CHECK(quic_packet_parse(b.p, b.n, 0, &h) == -EINVAL);
		free(b.p);

		b = long_hdr(ver, 0, 21, 22);
		b.p[0] = v ? 0xd0 : 0xc0;
		b.p[b.n - 21] = 20;
		CHECK(quic_packet_parse(b.p, b.n, 0, &h) == -EINVAL);
		free(b.p);

		b = long_hdr(ver, 20, 20, 22);
		b.p[0] = v ? 0xd0 : 0xc0;
		b.p[b.n - 22] = 0;
		b.p[b.n - 21] = 20;
		CHECK_OK(quic_packet_parse(b.p, b.n, 0, &h));
		CHECK(h.type == QUIC_PACKET_INITIAL);
		CHECK(h.dcid_len == 20 && h.scid_len == 20);
		free(b.p);

		/* Retry too. */
		b = long_hdr(ver, 21, 0, 17);
		b.p[0] = v ? 0xc0 : 0xf0;
		CHECK(quic_packet_parse(b.p, b.n, 0, &h) == -EINVAL);
		free(b.p);
	}
}

TEST(unknown_version)
{
	static const u32 vers[] = { 0xff00001d, 0x0a0a0a0a, 0x00000002,
				    0x709a50c4, 0xffffffff };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(vers); i++) {
		struct pkt b = long_hdr(vers[i], 255, 255, 1);
		struct quic_packet_hdr h;

		CHECK(quic_packet_parse(b.p, b.n, 0, &h) == -EPROTONOSUPPORT);
		CHECK(h.version == vers[i] && h.first == 0xc0);
		CHECK(h.dcid == b.p + 6 && h.dcid_len == 255);
		CHECK(h.scid == b.p + 262 && h.scid_len == 255);
		CHECK(!h.len && !h.pn_offset && !h.token);
		free(b.p);
	}
}

/* The version-independent fields must be whole to answer with VN. */
TEST(truncation_unknown_version)
{
	struct pkt b = long_hdr(0x0a1a2a3a, 30, 4, 0);
	u32 n;

	CHECK(b.n == 41);
	CHECK(parse_prefix(&b, b.n, 0) == -EPROTONOSUPPORT);
	for (n = 0; n < b.n; n++)
		if (parse_prefix(&b, n, 0) != -EINVAL)
			FAIL("prefix %u", n);
	free(b.p);
}

TEST(length_field_limits)
{
	u8 buf[64] = { 0xe0, 0, 0, 0, 1, 0, 0 };
	struct quic_packet_hdr h;
	u32 n;

	/* Handshake, no cids: Length at 7, pn at 8. */
	for (n = 0; n < 40; n++) {
		int r;

		buf[7] = n;
		r = quic_packet_parse(buf, 8 + 30, 0, &h);
		if (r != (n >= 20 && n <= 30 ? 0 : -EINVAL))
			FAIL("Length %u: %d", n, r);
		if (!r)
			CHECK(h.len == 8 + n && h.pn_offset == 8);
	}
}

TEST(length_field_not_minimal)
{
	u8 buf[64] = { 0xe0, 0, 0, 0, 1, 0, 0 };
	struct quic_packet_hdr h;

	quic_put_varint_n(buf + 7, 20, 8);
	CHECK_OK(quic_packet_parse(buf, 15 + 20 + 5, 0, &h));
	CHECK(h.pn_offset == 15 && h.len == 35);
	quic_put_varint_n(buf + 7, 20, 4);
	CHECK_OK(quic_packet_parse(buf, 11 + 20, 0, &h));
	CHECK(h.pn_offset == 11 && h.len == 31);
}

TEST(huge_lengths)
{
	u8 buf[64] = { 0xc0, 0, 0, 0, 1, 0, 0 };
	struct quic_packet_hdr h;

	/* Token Length 2^62-1. */
	quic_put_varint_n(buf + 7, QUIC_VARINT_MAX, 8);
	CHECK(quic_packet_parse(buf, sizeof(buf), 0, &h) == -EINVAL);
	/* Token Length 0, Length 2^62-1. */
	buf[7] = 0;
	quic_put_varint_n(buf + 8, QUIC_VARINT_MAX, 8);
	CHECK(quic_packet_parse(buf, sizeof(buf), 0, &h) == -EINVAL);
	/* Length 2^32 + 30: must not wrap to 30 in a u32. */
	quic_put_varint_n(buf + 8, (1ULL << 32) + 30, 8);
	CHECK(quic_packet_parse(buf, sizeof(buf), 0, &h) == -EINVAL);
	/* Token Length 2^32 + 1. */
	quic_put_varint_n(buf + 7, (1ULL << 32) + 1, 8);
	CHECK(quic_packet_parse(buf, sizeof(buf), 0, &h) == -EINVAL);
}

/* RFC 9287: a cleared Fixed Bit is reported, not dropped. */
TEST(fixed_bit_zero)
{
	u8 buf[64] = { 0x80, 0, 0, 0, 1, 0, 0, 0, 20 };
	struct quic_packet_hdr h;

	CHECK_OK(quic_packet_parse(buf, 29, 0, &h));
	CHECK(h.type == QUIC_PACKET_INITIAL && !h.fixed_bit);
	buf[0] = 0xc0;
	CHECK_OK(quic_packet_parse(buf, 29, 0, &h));
	CHECK(h.fixed_bit);

	buf[0] = 0x01;
	CHECK_OK(quic_packet_parse(buf, 30, 4, &h));
	CHECK(h.type == QUIC_PACKET_1RTT && !h.fixed_bit);
	CHECK(h.dcid_len == 4 && h.pn_offset == 5);
}

TEST(coalesced)
{
	static const u8 token[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct quic_packet_long i = {
		.type = QUIC_PACKET_INITIAL, .version = V1,
		.dcid = cid_a, .dcid_len = 8, .scid = cid_b, .scid_len = 4,
		.token = token, .token_len = 9,
		.pn = 0, .pn_len = 1, .payload_len = 100,
	};
	struct quic_packet_long hs = i;
	u32 il, hl, sl, total, off = 0;
	struct quic_packet_hdr h;
	struct pkt b;

	hs.type = QUIC_PACKET_HANDSHAKE;
	hs.token = NULL;
	hs.token_len = 0;
	hs.pn = 300;
	hs.pn_len = 2;
	hs.payload_len = 50;
	il = quic_packet_long_len(&i) + 100;
	hl = quic_packet_long_len(&hs) + 50;
	sl = 1 + 8 + 1 + 30;
	total = il + hl + sl;
	b = pkt_new(total);
	CHECK(quic_packet_put_long(b.p, &i));
	CHECK(quic_packet_put_long(b.p + il, &hs));
	CHECK(quic_packet_put_short(b.p + il + hl, cid_a, 8, 5, 1, 0, 0));

	CHECK_OK(quic_packet_parse(b.p, total, 8, &h));
	CHECK(h.type == QUIC_PACKET_INITIAL && h.len == il);
	CHECK(h.token_len == 9 && !memcmp(h.token, token, 9));
	off += h.len;
	CHECK_OK(quic_packet_parse(b.p + off, total - off, 8, &h));
	CHECK(h.type == QUIC_PACKET_HANDSHAKE && h.len == hl);
	CHECK(b.p[off + h.pn_offset] == 0x01 &&
	      b.p[off + h.pn_offset + 1] == 0x2c);
	off += h.len;
	CHECK_OK(quic_packet_parse(b.p + off, total - off, 8, &h));
	CHECK(h.type == QUIC_PACKET_1RTT && h.len == sl);
	CHECK(h.dcid_len == 8 && !memcmp(h.dcid, cid_a, 8));
	off += h.len;
	CHECK(off == total);
	free(b.p);
}

TEST(pn_len_bits)
{
	CHECK(quic_packet_pn_len(0xc0) == 1);
	CHECK(quic_packet_pn_len(0xc1) == 2);
	CHECK(quic_packet_pn_len(0xc2) == 3);
	CHECK(quic_packet_pn_len(0xc3) == 4);
	CHECK(quic_packet_pn_len(0x40) == 1);
	CHECK(quic_packet_pn_len(0xff) == 4);
}

/* RFC 9000 appendix A.3. */
TEST(pn_decode_rfc)
{
	CHECK(quic_packet_pn_decode(0xa82f30ea, 0x9b32, 16) == 0xa82f9b32);
}

TEST(pn_decode_near_zero)
{
	/* Nothing received yet: (u64)-1 makes 0 the expected number. */
	CHECK(quic_packet_pn_decode(~0ULL, 0, 8) == 0);
	CHECK(quic_packet_pn_decode(~0ULL, 0xff, 8) == 0xff);
	CHECK(quic_packet_pn_decode(~0ULL, 0xffffffff, 32) == 0xffffffff);
	/* Below the window, but nothing below 0 to go to. */
	CHECK(quic_packet_pn_decode(0, 0xff, 8) == 0xff);
	CHECK(quic_packet_pn_decode(0, 0x81, 8) == 0x81);
	CHECK(quic_packet_pn_decode(0, 0x80, 8) == 0x80);
	CHECK(quic_packet_pn_decode(0, 0, 8) == 0);
	CHECK(quic_packet_pn_decode(5, 0xfe, 8) == 0xfe);
	CHECK(quic_packet_pn_decode(200, 0x00, 8) == 0x100);
	CHECK(quic_packet_pn_decode(200, 0xc8, 8) == 0xc8);
	CHECK(quic_packet_pn_decode(300, 0xff, 8) == 0xff);
	/* expected 256: hwin 128, window (128, 384] */
	CHECK(quic_packet_pn_decode(255, 0x80, 8) == 0x180);
	CHECK(quic_packet_pn_decode(255, 0x81, 8) == 0x81);
}

TEST(pn_decode_near_2_62)
{
	const u64 top = QUIC_PACKET_PN_LIMIT - 1;

	CHECK(quic_packet_pn_decode(top - 1, top & 0xff, 8) == top);
	CHECK(quic_packet_pn_decode(top - 1, top & 0xffffffff, 32) == top);
	/* Wrapping above 2^62-1 is refused: stay below. */
	CHECK(quic_packet_pn_decode(top - 9, 0x00, 8) ==
	      QUIC_PACKET_PN_LIMIT - 0x100);
	CHECK(quic_packet_pn_decode(top - 9, 0x05, 8) ==
	      QUIC_PACKET_PN_LIMIT - 0x100 + 5);
	CHECK(quic_packet_pn_decode(top - 0x10000, 0x0000, 16) ==
	      QUIC_PACKET_PN_LIMIT - 0x10000);
	/* One window down is still fine. */
	CHECK(quic_packet_pn_decode(top - 300, 0x00, 8) ==
	      QUIC_PACKET_PN_LIMIT - 0x100);
	/* At the very top the formula gives 2^62, which callers drop. */
	CHECK(quic_packet_pn_decode(top, 0x00, 8) == QUIC_PACKET_PN_LIMIT);
	CHECK(quic_packet_pn_decode(top, 0xff, 8) == top);
}

TEST(pn_decode_bad_nbits)
{
	CHECK(quic_packet_pn_decode(1000, 0x12, 0) == 0x12);
	CHECK(quic_packet_pn_decode(1000, 0x12, 33) == 0x12);
	CHECK(quic_packet_pn_decode(1000, 0x12, 64) == 0x12);
	/* Bits above pn_nbits are ignored. */
	CHECK(quic_packet_pn_decode(0x1000, 0xff05, 8) == 0x1005);
}

/* RFC 9000 appendix A.2. */
TEST(pn_encode_len_rfc)
{
	CHECK(quic_packet_pn_encode_len(0xac5c02, 0xabe8b3, true) == 2);
	CHECK(quic_packet_pn_encode_len(0xace8fe, 0xabe8b3, true) == 3);
}

TEST(pn_encode_len_bounds)
{
	/* Before any ACK: the whole number, 2^(8n - 1) values. */
	CHECK(quic_packet_pn_encode_len(0, 0, false) == 1);
	CHECK(quic_packet_pn_encode_len(127, 0, false) == 1);
	CHECK(quic_packet_pn_encode_len(128, 0, false) == 2);
	CHECK(quic_packet_pn_encode_len(32767, 0, false) == 2);
	CHECK(quic_packet_pn_encode_len(32768, 0, false) == 3);
	CHECK(quic_packet_pn_encode_len((1 << 23) - 1, 0, false) == 3);
	CHECK(quic_packet_pn_encode_len(1 << 23, 0, false) == 4);
	CHECK(quic_packet_pn_encode_len(QUIC_PACKET_PN_LIMIT - 1, 0,
					false) == 4);
	/* After: the distance from the largest acknowledged. */
	CHECK(quic_packet_pn_encode_len(1, 0, true) == 1);
	CHECK(quic_packet_pn_encode_len(1000 + 128, 1000, true) == 1);
	CHECK(quic_packet_pn_encode_len(1000 + 129, 1000, true) == 2);
	CHECK(quic_packet_pn_encode_len(1000 + 32768, 1000, true) == 2);
	CHECK(quic_packet_pn_encode_len(1000 + 32769, 1000, true) == 3);
	CHECK(quic_packet_pn_encode_len(1000 + (1 << 23), 1000, true) == 3);
	CHECK(quic_packet_pn_encode_len(1000 + (1 << 23) + 1, 1000,
					true) == 4);
	CHECK(quic_packet_pn_encode_len(QUIC_PACKET_PN_LIMIT - 1, 0,
					true) == 4);
	/* Nonsense: not above the largest acknowledged. */
	CHECK(quic_packet_pn_encode_len(5, 5, true) == 4);
	CHECK(quic_packet_pn_encode_len(5, 6, true) == 4);
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Encode with the chosen length, decode against the largest acked. */
TEST(pn_round_trip)
{
	u32 i;

	for (i = 0; i < 200000; i++) {
		u32 shift = rng() % 31;
		u64 diff = (rng() & ((1ULL << shift) - 1)) + 1;
		u64 largest = rng() % (QUIC_PACKET_PN_LIMIT - diff);
		u64 full, mask;
		u32 n;

		if (i & 1)	/* also near 0 */
			largest %= 1ULL << (rng() % 40);
		full = largest + diff;
		n = quic_packet_pn_encode_len(full, largest, true);
		mask = (1ULL << (8 * n)) - 1;
		if (quic_packet_pn_decode(largest, full & mask, 8 * n) != full)
			FAIL("largest %llu full %llu n %u",
			     (unsigned long long)largest,
			     (unsigned long long)full, n);
	}
	/* Before any ACK, against "nothing received". */
	for (i = 0; i < 100000; i++) {
		u64 full = rng() % (1ULL << (rng() % 31));
		u32 n = quic_packet_pn_encode_len(full, 0, false);
		u64 mask = (1ULL << (8 * n)) - 1;

		CHECK(quic_packet_pn_decode(~0ULL, full & mask, 8 * n) == full);
	}
}

int main(void)
{
	RUN(rfc9001_client_initial);
	RUN(rfc9369_client_initial);
	RUN(rfc9001_client_initial_protected);
	RUN(rfc9001_server_initial);
	RUN(rfc9369_server_initial);
	RUN(build_rfc_initials);
	RUN(rfc9001_retry);
	RUN(rfc9369_retry);
	RUN(build_rfc_retries);
	RUN(retry_pseudo_packet);
	RUN(rfc9001_short_header);
	RUN(rfc_protected_short_packets);
	RUN(short_header_bits);
	RUN(short_header_sample);
	RUN(short_dcid_len_over_20);
	RUN(quoted_scid);
	RUN(empty_input);
	RUN(long_types_both_versions);
	RUN(type_bits_by_version);
	RUN(initial_with_token);
	RUN(builder_refusals);
	RUN(put_long_pn_truncated);
	RUN(truncation_long_headers);
	RUN(truncation_rfc_initials);
	RUN(truncation_retry);
	RUN(retry_too_short);
	RUN(truncation_short);
	RUN(vn_build_parse);
	RUN(vn_any_first_byte);
	RUN(vn_bad_lists);
	RUN(truncation_vn);
	RUN(vn_cid_255);
	RUN(cid_21_rejected_v1_v2);
	RUN(unknown_version);
	RUN(truncation_unknown_version);
	RUN(length_field_limits);
	RUN(length_field_not_minimal);
	RUN(huge_lengths);
	RUN(fixed_bit_zero);
	RUN(coalesced);
	RUN(pn_len_bits);
	RUN(pn_decode_rfc);
	RUN(pn_decode_near_zero);
	RUN(pn_decode_near_2_62);
	RUN(pn_decode_bad_nbits);
	RUN(pn_encode_len_rfc);
	RUN(pn_encode_len_bounds);
	RUN(pn_round_trip);
	return test_done();
}
