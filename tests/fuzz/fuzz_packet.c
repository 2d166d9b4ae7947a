// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the packet header parser and builders, and packet number encoding.
 *
 * Input: byte 0 picks the short header DCID length (mod 21); the rest is a
 * datagram, parsed packet by packet.  Each parsed header is rebuilt from
 * its fields, the rebuilt packet parsed again and compared field by field.
 * Then the first 12 bytes (if any) drive a packet number round trip.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wire_packet.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static u8 out[65536 + 1024];
static u8 pseudo[65536 + 64];

static bool in(const u8 *x, u32 n, const u8 *p, u32 len)
{
	return !n || (x >= p && x + n <= p + len);
}

/* What must survive a rebuild, whatever the encoding chose. */
static void compare(const struct quic_packet_hdr *a,
		    const struct quic_packet_hdr *b)
{
	CHECK(a->type == b->type);
	CHECK(a->version == b->version);
	CHECK(a->dcid_len == b->dcid_len);
	CHECK(!a->dcid_len || !memcmp(a->dcid, b->dcid, a->dcid_len));
	CHECK(a->scid_len == b->scid_len);
	CHECK(!a->scid_len || !memcmp(a->scid, b->scid, a->scid_len));
	CHECK(a->token_len == b->token_len);
	CHECK(!a->token_len || !memcmp(a->token, b->token, a->token_len));
	CHECK(!a->token == !b->token);
	CHECK(a->versions_count == b->versions_count);
	CHECK(!a->versions_count ||
	      !memcmp(a->versions, b->versions, 4 * a->versions_count));
	CHECK(!a->retry_tag == !b->retry_tag);
	CHECK(!a->retry_tag || !memcmp(a->retry_tag, b->retry_tag,
				       QUIC_PACKET_RETRY_TAG_LEN));
	/* The Length and Token Length varints may have been longer. */
	CHECK(a->len - a->pn_offset == b->len - b->pn_offset);
}

/* Parse what was rebuilt: one packet, all of @n, equal to @h. */
static void reparse(u32 n, u8 sdl, const struct quic_packet_hdr *h)
{
	struct quic_packet_hdr h2;

	CHECK(!quic_packet_parse(out, n, sdl, &h2));
	CHECK(h2.len == n);
	CHECK(h2.first == out[0]);
	compare(h, &h2);
}

static void rebuild_long(const struct quic_packet_hdr *h)
{
	const u8 *pn_p = h->dcid - 6 + h->pn_offset;	/* packet start */
	u32 pn_len = quic_packet_pn_len(h->first);
	struct quic_packet_long l = {
		.type = h->type, .version = h->version,
		.dcid = h->dcid, .dcid_len = h->dcid_len,
		.scid = h->scid, .scid_len = h->scid_len,
		.token = h->token, .token_len = h->token_len,
		.pn_len = pn_len,
		.payload_len = h->len - h->pn_offset - pn_len,
	};
	u32 i, hl;
	u8 *end;

	for (i = 0; i < pn_len; i++)
		l.pn = l.pn << 8 | pn_p[i];
	hl = quic_packet_long_len(&l);
	CHECK(hl && hl + l.payload_len <= sizeof(out));
	end = quic_packet_put_long(out, &l);
	CHECK(end == out + hl);
	/* Payload: the original bytes, so the sample is the same. */
	memcpy(end, pn_p + pn_len, l.payload_len);
	CHECK((out[0] & 0x03) == (h->first & 0x03));
	CHECK((out[0] & 0xf0) == (h->first & 0xb0) + 0x40);
	CHECK(!memcmp(end - pn_len, pn_p, pn_len));
	reparse(hl + l.payload_len, 0, h);
}

static void rebuild_short(const struct quic_packet_hdr *h, u8 sdl)
{
	const u8 *pn_p = h->dcid + h->dcid_len;
	u32 pn_len = quic_packet_pn_len(h->first);
	u32 hl = quic_packet_short_len(h->dcid_len, pn_len);
	u32 rest = h->len - h->pn_offset - pn_len;
	u64 pn = 0;
	u32 i;

	for (i = 0; i < pn_len; i++)
		pn = pn << 8 | pn_p[i];
	CHECK(hl == h->pn_offset + pn_len && hl + rest <= sizeof(out));
	CHECK(quic_packet_put_short(out, h->dcid, h->dcid_len, pn, pn_len,
				    h->first & QUIC_PACKET_SHORT_KEY_PHASE,
				    h->first & QUIC_PACKET_SHORT_SPIN_BIT) ==
	      out + hl);
	memcpy(out + hl, pn_p + pn_len, rest);
	CHECK((out[0] & 0xe7) == ((h->first & 0xa7) | 0x40));
	CHECK(!memcmp(out + 1 + h->dcid_len, pn_p, pn_len));
	reparse(hl + rest, sdl, h);
}

static void rebuild_retry(const struct quic_packet_hdr *h)
{
	u32 n = quic_packet_retry_len(h->dcid_len, h->scid_len, h->token_len);
	u32 pl;
	u8 *end;

	CHECK(n && n + QUIC_PACKET_RETRY_TAG_LEN == h->len);
	end = quic_packet_put_retry(out, h->version, h->first, h->dcid,
				    h->dcid_len, h->scid, h->scid_len,
				    h->token, h->token_len);
	CHECK(end == out + n);
	CHECK((out[0] | 0x40) == (h->first | 0x40));
	CHECK(!memcmp(out + 1, h->dcid - 6 + 1, n - 1));
	memcpy(end, h->retry_tag, QUIC_PACKET_RETRY_TAG_LEN);
	reparse(h->len, 0, h);

	/* The pseudo-packet, with the DCID as a stand-in ODCID. */
	pl = quic_packet_retry_pseudo_len(h->dcid_len, n);
	CHECK(pl == 1 + h->dcid_len + n && pl <= sizeof(pseudo));
	end = quic_packet_retry_pseudo(pseudo, h->dcid, h->dcid_len, out, n);
	CHECK(end == pseudo + pl);
	CHECK(pseudo[0] == h->dcid_len);
	CHECK(!memcmp(pseudo + 1, h->dcid, h->dcid_len));
	CHECK(!memcmp(pseudo + 1 + h->dcid_len, out, n));
}

static void rebuild_vn(const struct quic_packet_hdr *h)
{
	static u32 vers[16384];
	u32 n, i;

	if (h->versions_count > 16384)
		return;
	for (i = 0; i < h->versions_count; i++)
		vers[i] = quic_packet_vn_version(h, i);
	n = quic_packet_vn_len(h->dcid_len, h->scid_len, h->versions_count);
	CHECK(n == h->len && n <= sizeof(out));
	CHECK(quic_packet_put_vn(out, h->first, h->dcid, h->dcid_len, h->scid,
				 h->scid_len, vers, h->versions_count) ==
	      out + n);
	CHECK((out[0] | 0x40) == (h->first | 0x40));
	CHECK(!memcmp(out + 1, h->dcid - 6 + 1, n - 1));
	reparse(n, 0, h);
}

/* Answer an unknown version: swap the connection IDs, parse that. */
static void answer_unknown(const struct quic_packet_hdr *h)
{
	static const u32 vers[] = { QUIC_VERSION_V1, QUIC_VERSION_V2 };
	struct quic_packet_hdr v;
	u32 n = quic_packet_vn_len(h->scid_len, h->dcid_len, 2);

	CHECK(n && n <= sizeof(out));
	CHECK(quic_packet_put_vn(out, 0, h->scid, h->scid_len, h->dcid,
				 h->dcid_len, vers, 2) == out + n);
	CHECK(!quic_packet_parse(out, n, 0, &v));
	CHECK(v.type == QUIC_PACKET_VERSION_NEGOTIATION && v.len == n);
	CHECK(v.dcid_len == h->scid_len && v.scid_len == h->dcid_len);
	CHECK(!v.dcid_len || !memcmp(v.dcid, h->scid, v.dcid_len));
	CHECK(!v.scid_len || !memcmp(v.scid, h->dcid, v.scid_len));
	CHECK(v.versions_count == 2);
}

static void fuzz_datagram(const u8 *p, u32 len, u8 sdl)
{
	struct quic_packet_hdr h;

	while (len) {
		int r = quic_packet_parse(p, len, sdl, &h);

		if (r == -EPROTONOSUPPORT) {
			CHECK(h.version && in(h.dcid, h.dcid_len, p, len) &&
			      in(h.scid, h.scid_len, p, len));
			answer_unknown(&h);
			return;
		}
		if (r) {
			CHECK(r == -EINVAL);
			return;
		}
		CHECK(h.len && h.len <= len && h.first == p[0]);
		CHECK(h.fixed_bit == !!(p[0] & 0x40));
		CHECK(in(h.dcid, h.dcid_len, p, h.len));
		CHECK(in(h.scid, h.scid_len, p, h.len));
		CHECK(in(h.token, h.token_len, p, h.len));
		switch (h.type) {
		case QUIC_PACKET_INITIAL:
		case QUIC_PACKET_0RTT:
		case QUIC_PACKET_HANDSHAKE:
			CHECK(h.dcid == p + 6);
			CHECK(h.pn_offset + 20 <= h.len);
			rebuild_long(&h);
			break;
		case QUIC_PACKET_1RTT:
			CHECK(h.dcid == p + 1 && h.len == len);
			CHECK(h.pn_offset == 1u + sdl && h.pn_offset + 20 <= len);
			rebuild_short(&h, sdl);
			break;
		case QUIC_PACKET_RETRY:
			CHECK(h.dcid == p + 6 && h.len == len && h.token_len);
			CHECK(h.retry_tag == p + len - 16);
			rebuild_retry(&h);
			break;
		case QUIC_PACKET_VERSION_NEGOTIATION:
			CHECK(h.dcid == p + 6 && h.len == len);
			CHECK(in(h.versions, 4 * h.versions_count, p, len));
			CHECK(h.versions_count &&
			      h.versions + 4 * h.versions_count == p + len);
			rebuild_vn(&h);
			break;
		default:
			abort();
		}
		p += h.len;
		len -= h.len;
	}
}

static u64 get64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* full_pn > largest_acked, less than 2^30 apart: decode gives it back. */
static void fuzz_pn(const u8 *p)
{
	u64 largest = get64(p) & (QUIC_PACKET_PN_LIMIT - 1);
	u64 diff = ((u64)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11]);
	u64 full;
	u32 n, m;

	diff = (diff >> (p[8] & 0x1f)) % (1ULL << 30);
	if (!diff)
		diff = 1;
	if (p[0] & 0x80)	/* also near 0 */
		largest >>= p[1] & 0x3f;
	if (largest + diff >= QUIC_PACKET_PN_LIMIT)
		largest = QUIC_PACKET_PN_LIMIT - 1 - diff;
	full = largest + diff;

	n = quic_packet_pn_encode_len(full, largest, true);
	CHECK(n >= 1 && n <= 4);
	/* Any longer encoding decodes too. */
	for (m = n; m <= 4; m++) {
		u64 mask = (1ULL << (8 * m)) - 1;

		CHECK(quic_packet_pn_decode(largest, full & mask, 8 * m) ==
		      full);
	}
	/* The shortest that RFC 9000 A.2 allows: 2^(8n - 1) >= diff. */
	CHECK(diff <= 1ULL << (8 * n - 1));
	CHECK(n == 1 || diff > 1ULL << (8 * (n - 1) - 1));

	/* Before any ACK, against nothing received. */
	full = largest & ((1ULL << 31) - 1);
	n = quic_packet_pn_encode_len(full, 0, false);
	CHECK(quic_packet_pn_decode(~0ULL, full & ((1ULL << (8 * n)) - 1),
				    8 * n) == full);

	/*
	 * Any input: the result ends in the truncated bits and lies in
	 * (expected - hwin, expected + hwin], unless 0 or 2^62 is in the way.
	 */
	{
		u32 bits = 8 * (1 + (p[2] & 3));
		u64 win = 1ULL << bits, hwin = win / 2;
		u64 exp = largest + 1;
		u64 d = quic_packet_pn_decode(largest, get64(p + 4), bits);

		CHECK((d & (win - 1)) == (get64(p + 4) & (win - 1)));
		if (d >= exp)
			CHECK(d - exp <= hwin || d < win);
		else
			CHECK(exp - d < hwin ||
			      d + win >= QUIC_PACKET_PN_LIMIT);
		CHECK(d < QUIC_PACKET_PN_LIMIT + win);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > 65536)
		return 0;
	fuzz_datagram(data + 1, size - 1, data[0] % 21);
	if (size >= 12)
		fuzz_pn(data);
	return 0;
}
