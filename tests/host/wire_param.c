// SPDX-License-Identifier: GPL-2.0
/*
 * Transport parameters (RFC 9000 sections 7.4 and 18, RFC 9221 section 3,
 * RFC 9287 section 3, RFC 9368 sections 3 and 4, private 0xbaad).
 */

#include <stdlib.h>
#include "wire_param.h"

#define TEST_SUITE "wire_param"
#include "../lib/test.h"

#define ERR QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM
#define SRV true
#define CLI false

/* Decode @n bytes copied to a heap buffer of exactly that size. */
static int dec_copy(const u8 *bytes, u32 n, bool from_server)
{
	u8 *buf = malloc(n ? n : 1);
	struct quic_tp tp;
	int ret;

	CHECK(buf);
	if (n)
		memcpy(buf, bytes, n);
	ret = quic_tp_decode(buf, n, from_server, &tp);
	free(buf);
	CHECK(ret == 0 || ret == ERR);
	return ret;
}

static bool cid_eq(const struct quic_conn_id *a, const struct quic_conn_id *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* Field by field; the available versions by content. */
static bool tp_eq(const struct quic_tp *a, const struct quic_tp *b)
{
	const struct quic_tp_preferred_address *x = &a->preferred_address;
	const struct quic_tp_preferred_address *y = &b->preferred_address;

	return a->present == b->present &&
	       cid_eq(&a->original_destination_connection_id,
		      &b->original_destination_connection_id) &&
	       cid_eq(&a->initial_source_connection_id,
		      &b->initial_source_connection_id) &&
	       cid_eq(&a->retry_source_connection_id,
		      &b->retry_source_connection_id) &&
	       a->max_idle_timeout == b->max_idle_timeout &&
	       !memcmp(a->stateless_reset_token, b->stateless_reset_token, 16) &&
	       a->max_udp_payload_size == b->max_udp_payload_size &&
	       a->initial_max_data == b->initial_max_data &&
	       a->initial_max_stream_data_bidi_local ==
			b->initial_max_stream_data_bidi_local &&
	       a->initial_max_stream_data_bidi_remote ==
			b->initial_max_stream_data_bidi_remote &&
	       a->initial_max_stream_data_uni == b->initial_max_stream_data_uni &&
	       a->initial_max_streams_bidi == b->initial_max_streams_bidi &&
	       a->initial_max_streams_uni == b->initial_max_streams_uni &&
	       a->ack_delay_exponent == b->ack_delay_exponent &&
	       a->max_ack_delay == b->max_ack_delay &&
	       a->active_connection_id_limit == b->active_connection_id_limit &&
	       a->max_datagram_frame_size == b->max_datagram_frame_size &&
	       !memcmp(x->ipv4_addr, y->ipv4_addr, 4) &&
	       x->ipv4_port == y->ipv4_port &&
	       !memcmp(x->ipv6_addr, y->ipv6_addr, 16) &&
	       x->ipv6_port == y->ipv6_port && cid_eq(&x->cid, &y->cid) &&
	       !memcmp(x->token, y->token, 16) &&
	       a->version_info.chosen == b->version_info.chosen &&
	       a->version_info.count == b->version_info.count &&
	       (!a->version_info.count ||
		!memcmp(a->version_info.available, b->version_info.available,
			4 * a->version_info.count)) &&
	       a->disable_active_migration == b->disable_active_migration &&
	       a->grease_quic_bit == b->grease_quic_bit &&
	       a->disable_1rtt_encryption == b->disable_1rtt_encryption;
}

/*
 * @wire must decode (from @srv's side) to @want, and @want must encode
 * (as @srv) to exactly @wire, without writing past it.
 */
static void check_both(const u8 *wire, u32 n, bool srv,
		       const struct quic_tp *want)
{
	struct quic_tp got;
	u8 *out;
	u32 len;

	CHECK(quic_tp_decode(wire, n, srv, &got) == 0);
	CHECK(tp_eq(&got, want));
	len = quic_tp_len(want, srv);
	CHECK(len == n);
	out = malloc(len + 1);
	CHECK(out);
	CHECK(quic_tp_encode(out, want, srv) == out + len);
	CHECK(!memcmp(out, wire, n));
	free(out);
}

/* The encoding of @tp must decode back to it, from the same side. */
static void check_round_trip(const struct quic_tp *tp, bool srv)
{
	struct quic_tp got;
	u32 len = quic_tp_len(tp, srv);
	u8 *out = malloc(len ? len : 1);

	CHECK(out);
	CHECK(quic_tp_encode(out, tp, srv) == out + len);
	CHECK(quic_tp_decode(out, len, srv, &got) == 0);
	CHECK(tp_eq(&got, tp));
	free(out);
}

#define TP(field, value, bit) ({					\
	struct quic_tp _t;						\
	quic_tp_init(&_t);						\
	_t.field = value;						\
	_t.present = BIT_ULL(bit);					\
	_t;								\
})

#define DEC(srv, ...) ({						\
	static const u8 _b[] = { __VA_ARGS__ };				\
	dec_copy(_b, sizeof(_b), srv);					\
})

/* ---- Defaults ---- */

TEST(init_defaults)
{
	struct quic_tp tp;

	memset(&tp, 0xa5, sizeof(tp));
	quic_tp_init(&tp);
	CHECK(tp.present == 0);
	CHECK(tp.max_udp_payload_size == 65527);
	CHECK(tp.ack_delay_exponent == 3);
	CHECK(tp.max_ack_delay == 25);
	CHECK(tp.active_connection_id_limit == 2);
	CHECK(tp.max_idle_timeout == 0 && tp.initial_max_data == 0);
	CHECK(tp.initial_max_stream_data_bidi_local == 0);
	CHECK(tp.initial_max_stream_data_bidi_remote == 0);
	CHECK(tp.initial_max_stream_data_uni == 0);
	CHECK(tp.initial_max_streams_bidi == 0);
	CHECK(tp.initial_max_streams_uni == 0);
	CHECK(tp.max_datagram_frame_size == 0);
	CHECK(!tp.disable_active_migration && !tp.grease_quic_bit &&
	      !tp.disable_1rtt_encryption);
	CHECK(tp.original_destination_connection_id.len == 0);
	CHECK(tp.initial_source_connection_id.len == 0);
	CHECK(tp.retry_source_connection_id.len == 0);
	CHECK(tp.preferred_address.cid.len == 0);
	CHECK(tp.version_info.chosen == 0 && tp.version_info.count == 0);
}

TEST(decode_empty_gives_defaults)
{
	struct quic_tp tp, def;

	memset(&tp, 0x5a, sizeof(tp));
	quic_tp_init(&def);
	CHECK(quic_tp_decode(NULL, 0, SRV, &tp) == 0);
	CHECK(tp_eq(&tp, &def));
	CHECK(quic_tp_decode(NULL, 0, CLI, &tp) == 0);
	CHECK(tp_eq(&tp, &def));
}

TEST(encode_empty)
{
	struct quic_tp tp;
	u8 b = 0x77;

	quic_tp_init(&tp);
	CHECK(quic_tp_len(&tp, SRV) == 0);
	CHECK(quic_tp_encode(&b, &tp, SRV) == &b);
	CHECK(b == 0x77);
}

/* ---- One parameter at a time, decode and encode ---- */

TEST(original_destination_connection_id)
{
	static const u8 w[] = { 0x00, 0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e,
				0x51, 0x57, 0x08 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_ORIGINAL_DCID);
	t.original_destination_connection_id.len = 8;
	memcpy(t.original_destination_connection_id.data, w + 2, 8);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(max_idle_timeout)
{
	static const u8 w[] = { 0x01, 0x04, 0x80, 0x00, 0x75, 0x30 };
	struct quic_tp t = TP(max_idle_timeout, 30000,
			      QUIC_TP_MAX_IDLE_TIMEOUT);

	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(stateless_reset_token)
{
	static const u8 w[] = { 0x02, 0x10, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4,
				0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
				0xac, 0xad, 0xae, 0xaf };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_STATELESS_RESET_TOKEN);
	memcpy(t.stateless_reset_token, w + 2, 16);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(max_udp_payload_size)
{
	static const u8 w[] = { 0x03, 0x02, 0x45, 0xc0 };
	struct quic_tp t = TP(max_udp_payload_size, 1472,
			      QUIC_TP_MAX_UDP_PAYLOAD_SIZE);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_max_data)
{
	static const u8 w[] = { 0x04, 0x04, 0x80, 0x10, 0x00, 0x00 };
	struct quic_tp t = TP(initial_max_data, 1048576,
			      QUIC_TP_INITIAL_MAX_DATA);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_max_stream_data_bidi_local)
{
	static const u8 w[] = { 0x05, 0x04, 0x80, 0x04, 0x00, 0x00 };
	struct quic_tp t = TP(initial_max_stream_data_bidi_local, 262144,
			      QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_max_stream_data_bidi_remote)
{
	static const u8 w[] = { 0x06, 0x02, 0x7f, 0xff };
	struct quic_tp t = TP(initial_max_stream_data_bidi_remote, 16383,
			      QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE);

	check_both(w, sizeof(w), SRV, &t);
}

TEST(initial_max_stream_data_uni)
{
	static const u8 w[] = { 0x07, 0x08, 0xc0, 0x00, 0x00, 0x00, 0x40,
				0x00, 0x00, 0x00 };
	struct quic_tp t = TP(initial_max_stream_data_uni, 1ULL << 30,
			      QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_max_streams_bidi)
{
	static const u8 w[] = { 0x08, 0x02, 0x40, 0x64 };
	struct quic_tp t = TP(initial_max_streams_bidi, 100,
			      QUIC_TP_INITIAL_MAX_STREAMS_BIDI);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_max_streams_uni)
{
	static const u8 w[] = { 0x09, 0x01, 0x03 };
	struct quic_tp t = TP(initial_max_streams_uni, 3,
			      QUIC_TP_INITIAL_MAX_STREAMS_UNI);

	check_both(w, sizeof(w), SRV, &t);
}

TEST(ack_delay_exponent)
{
	static const u8 w[] = { 0x0a, 0x01, 0x0a };
	struct quic_tp t = TP(ack_delay_exponent, 10,
			      QUIC_TP_ACK_DELAY_EXPONENT);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(ack_delay_exponent_zero)
{
	static const u8 w[] = { 0x0a, 0x01, 0x00 };
	struct quic_tp t = TP(ack_delay_exponent, 0,
			      QUIC_TP_ACK_DELAY_EXPONENT);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(max_ack_delay)
{
	static const u8 w[] = { 0x0b, 0x01, 0x14 };
	struct quic_tp t = TP(max_ack_delay, 20, QUIC_TP_MAX_ACK_DELAY);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(disable_active_migration)
{
	static const u8 w[] = { 0x0c, 0x00 };
	struct quic_tp t = TP(disable_active_migration, true,
			      QUIC_TP_DISABLE_ACTIVE_MIGRATION);

	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

static const u8 pref_wire[] = {
	0x0d, 0x2d,
	192, 0, 2, 1, 0x11, 0x51,			/* 192.0.2.1:4433 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x11, 0x52,					/* [2001:db8::1]:4434 */
	0x04, 0xd1, 0xd2, 0xd3, 0xd4,			/* connection ID */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,	/* reset token */
};

static void pref_fill(struct quic_tp_preferred_address *pa)
{
	memcpy(pa->ipv4_addr, pref_wire + 2, 4);
	pa->ipv4_port = 4433;
	memcpy(pa->ipv6_addr, pref_wire + 8, 16);
	pa->ipv6_port = 4434;
	pa->cid.len = 4;
	memcpy(pa->cid.data, pref_wire + 27, 4);
	memcpy(pa->token, pref_wire + 31, 16);
}

TEST(preferred_address)
{
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_PREFERRED_ADDRESS);
	pref_fill(&t.preferred_address);
	CHECK(sizeof(pref_wire) == 2 + 45);
	check_both(pref_wire, sizeof(pref_wire), SRV, &t);
}

TEST(preferred_address_cid_20)
{
	u8 w[2 + 41 + 20];
	struct quic_tp t;
	u32 i;

	for (i = 0; i < sizeof(w); i++)
		w[i] = i;
	w[0] = 0x0d;
	w[1] = 61;
	w[26] = 20;
	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_PREFERRED_ADDRESS);
	memcpy(t.preferred_address.ipv4_addr, w + 2, 4);
	t.preferred_address.ipv4_port = 0x0607;
	memcpy(t.preferred_address.ipv6_addr, w + 8, 16);
	t.preferred_address.ipv6_port = 0x1819;
	t.preferred_address.cid.len = 20;
	memcpy(t.preferred_address.cid.data, w + 27, 20);
	memcpy(t.preferred_address.token, w + 47, 16);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(active_connection_id_limit)
{
	static const u8 w[] = { 0x0e, 0x01, 0x08 };
	struct quic_tp t = TP(active_connection_id_limit, 8,
			      QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT);

	check_both(w, sizeof(w), CLI, &t);
}

TEST(initial_source_connection_id)
{
	static const u8 w[] = { 0x0f, 0x03, 0xc1, 0xc2, 0xc3 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_INITIAL_SCID);
	t.initial_source_connection_id.len = 3;
	memcpy(t.initial_source_connection_id.data, w + 2, 3);
	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(initial_source_connection_id_empty)
{
	static const u8 w[] = { 0x0f, 0x00 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_INITIAL_SCID);
	check_both(w, sizeof(w), CLI, &t);
}

TEST(connection_id_20_bytes)
{
	u8 w[22];
	struct quic_tp t;
	u32 i;

	w[0] = 0x0f;
	w[1] = 20;
	for (i = 0; i < 20; i++)
		w[2 + i] = 0xe0 + i;
	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_INITIAL_SCID);
	t.initial_source_connection_id.len = 20;
	memcpy(t.initial_source_connection_id.data, w + 2, 20);
	check_both(w, sizeof(w), CLI, &t);
}

TEST(retry_source_connection_id)
{
	static const u8 w[] = { 0x10, 0x05, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_RETRY_SCID);
	t.retry_source_connection_id.len = 5;
	memcpy(t.retry_source_connection_id.data, w + 2, 5);
	check_both(w, sizeof(w), SRV, &t);
}

/* ---- RFC 9368 version_information ---- */

TEST(version_information_client)
{
	static const u8 w[] = { 0x11, 0x0c, 0x00, 0x00, 0x00, 0x01,
				0x6b, 0x33, 0x43, 0xcf,
				0x00, 0x00, 0x00, 0x01 };
	struct quic_tp t, got;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	t.version_info.chosen = QUIC_VERSION_V1;
	t.version_info.count = 2;
	t.version_info.available = w + 6;
	check_both(w, sizeof(w), CLI, &t);
	CHECK(quic_tp_decode(w, sizeof(w), CLI, &got) == 0);
	/* The list stays in the decoded buffer. */
	CHECK(got.version_info.available == w + 6);
	CHECK(quic_tp_available_version(&got, 0) == QUIC_VERSION_V2);
	CHECK(quic_tp_available_version(&got, 1) == QUIC_VERSION_V1);
}

TEST(version_information_server_empty_list)
{
	static const u8 w[] = { 0x11, 0x04, 0x6b, 0x33, 0x43, 0xcf };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	t.version_info.chosen = QUIC_VERSION_V2;
	check_both(w, sizeof(w), SRV, &t);
	CHECK(DEC(CLI, 0x11, 0x04, 0x6b, 0x33, 0x43, 0xcf) == ERR);
}

TEST(version_information_server_chosen_not_listed)
{
	/* RFC 9368 section 3: allowed from a server. */
	static const u8 w[] = { 0x11, 0x08, 0x00, 0x00, 0x00, 0x01,
				0x6b, 0x33, 0x43, 0xcf };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	t.version_info.chosen = QUIC_VERSION_V1;
	t.version_info.count = 1;
	t.version_info.available = w + 6;
	check_both(w, sizeof(w), SRV, &t);
}

TEST(version_information_greased_versions)
{
	/* 0x?a?a?a?a versions are ordinary entries here. */
	CHECK(DEC(CLI, 0x11, 0x0c, 0, 0, 0, 1, 0x1a, 0x2a, 0x3a, 0x4a,
		  0, 0, 0, 1) == 0);
}

TEST(version_information_many)
{
	u32 n = 4000, i, len = 4 + 4 * n;
	struct quic_tp t, got;
	u8 *list = malloc(4 * n), *out;

	CHECK(list);
	for (i = 0; i < n; i++) {
		list[4 * i] = 0xff;
		list[4 * i + 1] = 0;
		list[4 * i + 2] = i >> 8;
		list[4 * i + 3] = i;
	}
	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	t.version_info.chosen = 0xff000000 + n - 1;
	t.version_info.count = n;
	t.version_info.available = list;
	/* id 1 byte, length varint 2 bytes */
	CHECK(quic_tp_len(&t, CLI) == 1 + 2 + len);
	out = malloc(1 + 2 + len);
	CHECK(out);
	CHECK(quic_tp_encode(out, &t, CLI) == out + 3 + len);
	CHECK(quic_tp_decode(out, 3 + len, CLI, &got) == 0);
	CHECK(tp_eq(&got, &t));
	CHECK(quic_tp_available_version(&got, n - 1) == 0xff000000 + n - 1);
	free(out);
	free(list);
}

TEST(version_information_too_short)
{
	CHECK(DEC(SRV, 0x11, 0x00) == ERR);
	CHECK(DEC(SRV, 0x11, 0x03, 0, 0, 1) == ERR);
	CHECK(DEC(CLI, 0x11, 0x00) == ERR);
}

TEST(version_information_not_multiple_of_4)
{
	CHECK(DEC(SRV, 0x11, 0x05, 0, 0, 0, 1, 0) == ERR);
	CHECK(DEC(SRV, 0x11, 0x06, 0, 0, 0, 1, 0, 0) == ERR);
	CHECK(DEC(SRV, 0x11, 0x07, 0, 0, 0, 1, 0, 0, 1) == ERR);
	CHECK(DEC(CLI, 0x11, 0x09, 0, 0, 0, 1, 0, 0, 0, 1, 0) == ERR);
}

TEST(version_information_chosen_zero)
{
	CHECK(DEC(SRV, 0x11, 0x04, 0, 0, 0, 0) == ERR);
	CHECK(DEC(SRV, 0x11, 0x08, 0, 0, 0, 0, 0, 0, 0, 1) == ERR);
	CHECK(DEC(CLI, 0x11, 0x08, 0, 0, 0, 0, 0, 0, 0, 0) == ERR);
}

TEST(version_information_available_zero)
{
	CHECK(DEC(SRV, 0x11, 0x08, 0, 0, 0, 1, 0, 0, 0, 0) == ERR);
	CHECK(DEC(CLI, 0x11, 0x0c, 0, 0, 0, 1, 0, 0, 0, 1,
		  0, 0, 0, 0) == ERR);
	CHECK(DEC(CLI, 0x11, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0,
		  0, 0, 0, 1) == ERR);
}

TEST(version_information_client_chosen_not_listed)
{
	CHECK(DEC(CLI, 0x11, 0x08, 0, 0, 0, 1,
		  0x6b, 0x33, 0x43, 0xcf) == ERR);
	CHECK(DEC(CLI, 0x11, 0x04, 0, 0, 0, 1) == ERR);
}

/* ---- RFC 9221, RFC 9287, private ---- */

TEST(max_datagram_frame_size)
{
	static const u8 w[] = { 0x20, 0x02, 0x44, 0xb0 };
	struct quic_tp t = TP(max_datagram_frame_size, 1200,
			      QUIC_TP_MAX_DATAGRAM_FRAME_SIZE);

	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(max_datagram_frame_size_zero)
{
	static const u8 w[] = { 0x20, 0x01, 0x00 };
	struct quic_tp t = TP(max_datagram_frame_size, 0,
			      QUIC_TP_MAX_DATAGRAM_FRAME_SIZE);

	check_both(w, sizeof(w), SRV, &t);
}

TEST(grease_quic_bit)
{
	static const u8 w[] = { 0x6a, 0xb2, 0x00 };
	struct quic_tp t = TP(grease_quic_bit, true, QUIC_TP_GREASE_QUIC_BIT);

	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

TEST(disable_1rtt_encryption)
{
	static const u8 w[] = { 0x80, 0x00, 0xba, 0xad, 0x00 };
	struct quic_tp t = TP(disable_1rtt_encryption, true,
			      QUIC_TP_DISABLE_1RTT_ENCRYPTION);

	check_both(w, sizeof(w), CLI, &t);
	check_both(w, sizeof(w), SRV, &t);
}

/* ---- Full sets, as each side would send them ---- */

static const u8 client_wire[] = {
	0x01, 0x04, 0x80, 0x00, 0x75, 0x30,	/* idle 30000 */
	0x03, 0x02, 0x45, 0xc0,			/* udp 1472 */
	0x04, 0x04, 0x80, 0x10, 0x00, 0x00,	/* data 1 MiB */
	0x05, 0x04, 0x80, 0x04, 0x00, 0x00,	/* 256 KiB */
	0x06, 0x04, 0x80, 0x04, 0x00, 0x01,
	0x07, 0x04, 0x80, 0x04, 0x00, 0x02,
	0x08, 0x02, 0x40, 0x64,			/* 100 */
	0x09, 0x01, 0x03,
	0x0a, 0x01, 0x0a,			/* exponent 10 */
	0x0b, 0x01, 0x14,			/* 20 ms */
	0x0c, 0x00,
	0x0e, 0x01, 0x08,
	0x0f, 0x08, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
	0x11, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x6b, 0x33, 0x43, 0xcf,
	0x20, 0x02, 0x44, 0xb0,
	0x6a, 0xb2, 0x00,
	0x80, 0x00, 0xba, 0xad, 0x00,
};

/* Where each parameter of client_wire ends. */
static const u32 client_ends[] = {
	6, 10, 16, 22, 28, 34, 38, 41, 44, 47, 49, 52, 62, 76, 80, 83, 88,
};

static const u8 server_wire[] = {
	0x00, 0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08,
	0x01, 0x04, 0x80, 0x00, 0x75, 0x30,	/* idle 30000 */
	0x02, 0x10, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0x03, 0x02, 0x45, 0xc0,			/* udp 1472 */
	0x04, 0x04, 0x80, 0x10, 0x00, 0x00,	/* data 1 MiB */
	0x05, 0x04, 0x80, 0x04, 0x00, 0x00,	/* 256 KiB */
	0x06, 0x04, 0x80, 0x04, 0x00, 0x01,
	0x07, 0x04, 0x80, 0x04, 0x00, 0x02,
	0x08, 0x02, 0x40, 0x64,			/* 100 */
	0x09, 0x01, 0x03,
	0x0a, 0x01, 0x0a,			/* exponent 10 */
	0x0b, 0x01, 0x14,			/* 20 ms */
	0x0c, 0x00,
	0x0d, 0x2d,
	192, 0, 2, 1, 0x11, 0x51,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x11, 0x52,
	0x04, 0xd1, 0xd2, 0xd3, 0xd4,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0x0e, 0x01, 0x08,
	0x0f, 0x04, 0x5a, 0x5b, 0x5c, 0x5d,
	0x10, 0x05, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5,
	0x11, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x02, 0x44, 0xb0,
	0x6a, 0xb2, 0x00,
	0x80, 0x00, 0xba, 0xad, 0x00,
};

static const u32 server_ends[] = {
	10, 16, 34, 38, 44, 50, 56, 62, 66, 69, 72, 75, 77, 124, 127, 133,
	140, 150, 154, 157, 162,
};

static void common_fill(struct quic_tp *t)
{
	t->max_idle_timeout = 30000;
	t->max_udp_payload_size = 1472;
	t->initial_max_data = 1048576;
	t->initial_max_stream_data_bidi_local = 262144;
	t->initial_max_stream_data_bidi_remote = 262145;
	t->initial_max_stream_data_uni = 262146;
	t->initial_max_streams_bidi = 100;
	t->initial_max_streams_uni = 3;
	t->ack_delay_exponent = 10;
	t->max_ack_delay = 20;
	t->disable_active_migration = true;
	t->active_connection_id_limit = 8;
	t->max_datagram_frame_size = 1200;
	t->grease_quic_bit = true;
	t->disable_1rtt_encryption = true;
}

static void client_fill(struct quic_tp *t)
{
	quic_tp_init(t);
	common_fill(t);
	t->present = BIT_ULL(QUIC_TP_NR) - 1 -
		     BIT_ULL(QUIC_TP_ORIGINAL_DCID) -
		     BIT_ULL(QUIC_TP_STATELESS_RESET_TOKEN) -
		     BIT_ULL(QUIC_TP_PREFERRED_ADDRESS) -
		     BIT_ULL(QUIC_TP_RETRY_SCID);
	t->initial_source_connection_id.len = 8;
	memcpy(t->initial_source_connection_id.data, client_wire + 54, 8);
	t->version_info.chosen = QUIC_VERSION_V1;
	t->version_info.count = 2;
	t->version_info.available = client_wire + 68;
}

static void server_fill(struct quic_tp *t)
{
	quic_tp_init(t);
	common_fill(t);
	t->present = BIT_ULL(QUIC_TP_NR) - 1;
	t->original_destination_connection_id.len = 8;
	memcpy(t->original_destination_connection_id.data, server_wire + 2, 8);
	memcpy(t->stateless_reset_token, server_wire + 18, 16);
	pref_fill(&t->preferred_address);
	t->initial_source_connection_id.len = 4;
	memcpy(t->initial_source_connection_id.data, server_wire + 129, 4);
	t->retry_source_connection_id.len = 5;
	memcpy(t->retry_source_connection_id.data, server_wire + 135, 5);
	t->version_info.chosen = QUIC_VERSION_V1;
	t->version_info.count = 1;
	t->version_info.available = server_wire + 146;
}

TEST(full_client)
{
	struct quic_tp t;

	CHECK(sizeof(client_wire) == client_ends[ARRAY_SIZE(client_ends) - 1]);
	client_fill(&t);
	check_both(client_wire, sizeof(client_wire), CLI, &t);
	/* A server's parameters may hold all of these too. */
	check_both(client_wire, sizeof(client_wire), SRV, &t);
}

TEST(full_server)
{
	struct quic_tp t;

	CHECK(sizeof(server_wire) == server_ends[ARRAY_SIZE(server_ends) - 1]);
	server_fill(&t);
	check_both(server_wire, sizeof(server_wire), SRV, &t);
}

TEST(full_server_from_client_rejected)
{
	CHECK(dec_copy(server_wire, sizeof(server_wire), CLI) == ERR);
}

/*
 * Every strict prefix of @w: one that ends between parameters decodes to
 * those before it, any other fails, without reading past the prefix.
 */
static void check_prefixes(const u8 *w, u32 n, const u32 *ends, u32 nends,
			   bool srv)
{
	u32 cut, e = 0, before = 0;
	struct quic_tp tp;
	u8 *buf;
	int ret;

	for (cut = 0; cut < n; cut++) {
		while (e < nends && ends[e] <= cut)
			e++;
		buf = malloc(cut ? cut : 1);
		CHECK(buf);
		memcpy(buf, w, cut);
		ret = quic_tp_decode(buf, cut, srv, &tp);
		free(buf);
		if (cut == 0 || (e && ends[e - 1] == cut)) {
			if (ret != 0)
				FAIL("prefix %u: %d, want 0", cut, ret);
			if ((u32)__builtin_popcountll(tp.present) != e)
				FAIL("prefix %u: %d parameters, want %u", cut,
				     __builtin_popcountll(tp.present), e);
			CHECK((tp.present & before) == before);
			before = tp.present;
		} else if (ret != ERR) {
			FAIL("prefix %u: %d, want %d", cut, ret, ERR);
		}
	}
}

TEST(truncated_client)
{
	check_prefixes(client_wire, sizeof(client_wire), client_ends,
		       ARRAY_SIZE(client_ends), CLI);
}

TEST(truncated_client_seen_by_client)
{
	check_prefixes(client_wire, sizeof(client_wire), client_ends,
		       ARRAY_SIZE(client_ends), SRV);
}

TEST(truncated_server)
{
	check_prefixes(server_wire, sizeof(server_wire), server_ends,
		       ARRAY_SIZE(server_ends), SRV);
}

TEST(truncated_inside_parameter)
{
	/* Cut after the id, inside the length, inside the value. */
	CHECK(DEC(CLI, 0x01) == ERR);
	CHECK(DEC(CLI, 0x01, 0x40) == ERR);
	CHECK(DEC(CLI, 0x01, 0x04, 0x80, 0x00, 0x75) == ERR);
	CHECK(DEC(CLI, 0x40) == ERR);
	CHECK(DEC(CLI, 0x80, 0x00, 0xba) == ERR);
	CHECK(DEC(CLI, 0x0c, 0x00, 0x09) == ERR);
}

TEST(full_round_trips)
{
	struct quic_tp t;

	client_fill(&t);
	check_round_trip(&t, CLI);
	check_round_trip(&t, SRV);
	server_fill(&t);
	check_round_trip(&t, SRV);
}

TEST(client_encoding_skips_server_only)
{
	struct quic_tp t, got;
	u8 out[sizeof(server_wire)];
	u32 len;

	server_fill(&t);
	len = quic_tp_len(&t, CLI);
	CHECK(len == sizeof(server_wire) - 10 - 18 - 47 - 7);
	CHECK(quic_tp_encode(out, &t, CLI) == out + len);
	CHECK(quic_tp_decode(out, len, CLI, &got) == 0);
	CHECK(got.present == (t.present & ~(BIT_ULL(QUIC_TP_ORIGINAL_DCID) |
				BIT_ULL(QUIC_TP_STATELESS_RESET_TOKEN) |
				BIT_ULL(QUIC_TP_PREFERRED_ADDRESS) |
				BIT_ULL(QUIC_TP_RETRY_SCID))));
}

TEST(client_encoding_ignores_bad_server_only)
{
	struct quic_tp t;

	/* Never written by a client, so never checked. */
	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_PREFERRED_ADDRESS) |
		    BIT_ULL(QUIC_TP_RETRY_SCID);
	t.retry_source_connection_id.len = 21;
	CHECK(quic_tp_len(&t, CLI) == 0);
	CHECK(quic_tp_len(&t, SRV) == 0);
	t.present |= BIT_ULL(QUIC_TP_MAX_IDLE_TIMEOUT);
	CHECK(quic_tp_len(&t, CLI) == 3);
	CHECK(quic_tp_len(&t, SRV) == 0);
}

TEST(round_trip_maximum_values)
{
	struct quic_tp t;
	u8 list[8] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1 };

	server_fill(&t);
	t.max_idle_timeout = QUIC_VARINT_MAX;
	t.max_udp_payload_size = QUIC_VARINT_MAX;
	t.initial_max_data = QUIC_VARINT_MAX;
	t.initial_max_stream_data_bidi_local = QUIC_VARINT_MAX;
	t.initial_max_stream_data_bidi_remote = QUIC_VARINT_MAX;
	t.initial_max_stream_data_uni = QUIC_VARINT_MAX;
	t.initial_max_streams_bidi = 1ULL << 60;
	t.initial_max_streams_uni = 1ULL << 60;
	t.ack_delay_exponent = 20;
	t.max_ack_delay = 16383;
	t.active_connection_id_limit = QUIC_VARINT_MAX;
	t.max_datagram_frame_size = QUIC_VARINT_MAX;
	t.original_destination_connection_id.len = 20;
	t.initial_source_connection_id.len = 20;
	t.retry_source_connection_id.len = 20;
	t.preferred_address.cid.len = 20;
	t.version_info.chosen = 0xffffffff;
	t.version_info.count = 2;
	t.version_info.available = list;
	check_round_trip(&t, SRV);
	client_fill(&t);
	t.version_info.chosen = 0xffffffff;
	t.version_info.available = list;
	check_round_trip(&t, CLI);
}

TEST(round_trip_minimum_values)
{
	struct quic_tp t;

	client_fill(&t);
	t.max_idle_timeout = 0;
	t.max_udp_payload_size = 1200;
	t.initial_max_data = 0;
	t.initial_max_streams_bidi = 0;
	t.ack_delay_exponent = 0;
	t.max_ack_delay = 0;
	t.active_connection_id_limit = 2;
	t.max_datagram_frame_size = 0;
	t.initial_source_connection_id.len = 0;
	check_round_trip(&t, CLI);
}

TEST(encode_no_overrun)
{
	struct quic_tp t;
	u8 out[sizeof(server_wire) + 8];
	u32 len;

	server_fill(&t);
	len = quic_tp_len(&t, SRV);
	memset(out, 0xee, sizeof(out));
	CHECK(quic_tp_encode(out, &t, SRV) == out + len);
	CHECK(len == sizeof(server_wire));
	CHECK(out[len] == 0xee && out[len + 7] == 0xee);
}

TEST(encode_flag_follows_present_bit)
{
	struct quic_tp t;
	u8 out[8];

	quic_tp_init(&t);
	t.grease_quic_bit = true;	/* not present: not sent */
	CHECK(quic_tp_len(&t, CLI) == 0);
	t.present = BIT_ULL(QUIC_TP_GREASE_QUIC_BIT);
	t.grease_quic_bit = false;
	CHECK(quic_tp_len(&t, CLI) == 3);
	CHECK(quic_tp_encode(out, &t, CLI) == out + 3);
	CHECK(out[0] == 0x6a && out[1] == 0xb2 && out[2] == 0x00);
}

TEST(decode_resets_previous_contents)
{
	static const u8 w[] = { 0x09, 0x01, 0x03 };
	struct quic_tp t, want = TP(initial_max_streams_uni, 3,
				    QUIC_TP_INITIAL_MAX_STREAMS_UNI);

	server_fill(&t);
	CHECK(quic_tp_decode(w, sizeof(w), SRV, &t) == 0);
	CHECK(tp_eq(&t, &want));
}

TEST(non_minimal_encodings_accepted)
{
	static const u8 w[] = { 0x40, 0x01, 0x40, 0x02, 0x40, 0x05,
				0xc0, 0, 0, 0, 0, 0, 0, 0x0c, 0x80, 0, 0, 0 };
	struct quic_tp t;

	CHECK(quic_tp_decode(w, sizeof(w), CLI, &t) == 0);
	CHECK(t.present == (BIT_ULL(QUIC_TP_MAX_IDLE_TIMEOUT) |
			    BIT_ULL(QUIC_TP_DISABLE_ACTIVE_MIGRATION)));
	CHECK(t.max_idle_timeout == 5 && t.disable_active_migration);
}

/* ---- Unknown and reserved parameters ---- */

TEST(unknown_reserved_27_skipped)
{
	CHECK(DEC(CLI, 0x1b, 0x00) == 0);
	CHECK(DEC(CLI, 0x1b, 0x03, 1, 2, 3, 0x09, 0x01, 0x03) == 0);
}

TEST(unknown_reserved_58_skipped)
{
	struct quic_tp t;
	static const u8 w[] = { 0x3a, 0x02, 0xff, 0xff, 0x0e, 0x01, 0x05,
				0x3a, 0x01, 0x00 };

	/* Twice: duplicates of unknown ids cannot be detected, nor matter. */
	CHECK(quic_tp_decode(w, sizeof(w), CLI, &t) == 0);
	CHECK(t.present == BIT_ULL(QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT));
	CHECK(t.active_connection_id_limit == 5);
}

TEST(unknown_large_ids_skipped)
{
	/* 0x1234567 on 4 bytes; 31 * 1000000 + 27 on 8 bytes. */
	CHECK(DEC(CLI, 0x81, 0x23, 0x45, 0x67, 0x04, 'a', 'b', 'c', 'd',
		  0xc0, 0, 0, 0, 0x01, 0xd9, 0x06, 0x1b, 0x01, 0x00,
		  0xc0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00) == 0);
}

TEST(unknown_near_known_ids_skipped)
{
	/* 0x12 to 0x1f, 0x21, 0x2ab3, 0xbaac are not defined here. */
	CHECK(DEC(CLI, 0x12, 0x01, 0x00, 0x1f, 0x00, 0x21, 0x02, 1, 2,
		  0x6a, 0xb3, 0x01, 0x07, 0x80, 0x00, 0xba, 0xac, 0x01,
		  0x01) == 0);
}

TEST(unknown_length_past_end)
{
	CHECK(DEC(CLI, 0x1b, 0x04, 1, 2, 3) == ERR);
	CHECK(DEC(CLI, 0x1b, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 1, 2) == ERR);
	CHECK(DEC(CLI, 0x81, 0x23, 0x45, 0x67, 0xbf, 0xff, 0xff, 0xff)
	      == ERR);
}

TEST(known_length_past_end)
{
	CHECK(DEC(CLI, 0x0f, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 1, 2) == ERR);
	CHECK(DEC(SRV, 0x02, 0x10, 1, 2, 3) == ERR);
}

/* ---- Duplicates (RFC 9000 section 7.4) ---- */

TEST(duplicate_integer)
{
	CHECK(DEC(CLI, 0x01, 0x01, 0x05, 0x01, 0x01, 0x05) == ERR);
}

TEST(duplicate_after_others)
{
	CHECK(DEC(CLI, 0x04, 0x01, 0x05, 0x1b, 0x00, 0x05, 0x01, 0x01,
		  0x04, 0x01, 0x06) == ERR);
}

TEST(duplicate_flag)
{
	CHECK(DEC(CLI, 0x0c, 0x00, 0x0c, 0x00) == ERR);
	CHECK(DEC(CLI, 0x6a, 0xb2, 0x00, 0x6a, 0xb2, 0x00) == ERR);
	CHECK(DEC(SRV, 0x80, 0x00, 0xba, 0xad, 0x00,
		  0x80, 0x00, 0xba, 0xad, 0x00) == ERR);
}

TEST(duplicate_connection_id)
{
	CHECK(DEC(CLI, 0x0f, 0x00, 0x0f, 0x00) == ERR);
	CHECK(DEC(SRV, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01) == ERR);
}

TEST(duplicate_version_information)
{
	CHECK(DEC(SRV, 0x11, 0x04, 0, 0, 0, 1, 0x11, 0x04, 0, 0, 0, 1) ==
	      ERR);
}

TEST(duplicate_non_minimal_id)
{
	CHECK(DEC(CLI, 0x09, 0x01, 0x03, 0x40, 0x09, 0x01, 0x03) == ERR);
}

TEST(duplicate_every_known_parameter)
{
	u8 w[2 * sizeof(server_wire)];
	u32 i, start, n;

	/* Each parameter of the full server set, then itself again. */
	for (i = 0; i < ARRAY_SIZE(server_ends); i++) {
		start = i ? server_ends[i - 1] : 0;
		n = server_ends[i] - start;
		memcpy(w, server_wire, sizeof(server_wire));
		memcpy(w + sizeof(server_wire), server_wire + start, n);
		if (dec_copy(w, sizeof(server_wire) + n, SRV) != ERR)
			FAIL("parameter %u accepted twice", i);
	}
}

/* ---- Server-only parameters from a client (RFC 9000 section 18.2) ---- */

TEST(client_sends_original_dcid)
{
	CHECK(DEC(SRV, 0x00, 0x01, 0xaa) == 0);
	CHECK(DEC(CLI, 0x00, 0x01, 0xaa) == ERR);
	CHECK(DEC(CLI, 0x00, 0x00) == ERR);
}

TEST(client_sends_stateless_reset_token)
{
	CHECK(DEC(CLI, 0x02, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14, 15) == ERR);
}

TEST(client_sends_preferred_address)
{
	CHECK(dec_copy(pref_wire, sizeof(pref_wire), SRV) == 0);
	CHECK(dec_copy(pref_wire, sizeof(pref_wire), CLI) == ERR);
}

TEST(client_sends_retry_scid)
{
	CHECK(DEC(SRV, 0x10, 0x01, 0xaa) == 0);
	CHECK(DEC(CLI, 0x10, 0x01, 0xaa) == ERR);
}

/* ---- Value lengths ---- */

TEST(varint_shorter_than_length)
{
	CHECK(DEC(CLI, 0x01, 0x02, 0x05, 0x00) == ERR);
	CHECK(DEC(CLI, 0x04, 0x08, 0x80, 0, 0, 1, 0, 0, 0, 0) == ERR);
}

TEST(varint_longer_than_length)
{
	CHECK(DEC(CLI, 0x01, 0x01, 0x40, 0x05) == ERR);
	CHECK(DEC(CLI, 0x20, 0x03, 0x80, 0x00, 0x01, 0x01) == ERR);
}

TEST(varint_empty_value)
{
	CHECK(DEC(CLI, 0x01, 0x00) == ERR);
	CHECK(DEC(CLI, 0x0e, 0x00) == ERR);
	CHECK(DEC(CLI, 0x20, 0x00) == ERR);
}

TEST(flag_not_empty)
{
	CHECK(DEC(CLI, 0x0c, 0x01, 0x00) == ERR);
}

TEST(grease_quic_bit_not_empty)
{
	/* RFC 9287 section 3. */
	CHECK(DEC(CLI, 0x6a, 0xb2, 0x01, 0x01) == ERR);
}

TEST(disable_1rtt_encryption_not_empty)
{
	CHECK(DEC(SRV, 0x80, 0x00, 0xba, 0xad, 0x01, 0x01) == ERR);
}

TEST(stateless_reset_token_wrong_length)
{
	CHECK(DEC(SRV, 0x02, 0x0f, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14) == ERR);
	CHECK(DEC(SRV, 0x02, 0x11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14, 15, 16) == ERR);
	CHECK(DEC(SRV, 0x02, 0x00) == ERR);
}

TEST(connection_id_too_long)
{
	CHECK(DEC(CLI, 0x0f, 0x15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14, 15, 16, 17, 18, 19, 20) == ERR);
	CHECK(DEC(SRV, 0x00, 0x15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14, 15, 16, 17, 18, 19, 20) == ERR);
	CHECK(DEC(SRV, 0x10, 0x15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		  12, 13, 14, 15, 16, 17, 18, 19, 20) == ERR);
}

static int dec_pref(u32 cidlen, int len_delta)
{
	u8 w[2 + 41 + 21 + 1];
	u32 vlen = 41 + cidlen + len_delta;

	memset(w, 0x11, sizeof(w));
	w[0] = 0x0d;
	w[1] = vlen;
	w[26] = cidlen;
	return dec_copy(w, 2 + vlen, SRV);
}

TEST(preferred_address_lengths)
{
	CHECK(dec_pref(1, 0) == 0);
	CHECK(dec_pref(8, 0) == 0);
	CHECK(dec_pref(20, 0) == 0);
}

TEST(preferred_address_empty_cid)
{
	CHECK(dec_pref(0, 0) == ERR);
}

TEST(preferred_address_cid_too_long)
{
	CHECK(dec_pref(21, 0) == ERR);
	CHECK(dec_pref(21, -1) == ERR);
}

TEST(preferred_address_length_mismatch)
{
	CHECK(dec_pref(4, 1) == ERR);
	CHECK(dec_pref(4, -1) == ERR);
	CHECK(dec_pref(20, 1) == ERR);
	CHECK(dec_pref(1, -1) == ERR);
}

TEST(preferred_address_too_short)
{
	u8 w[2 + 41];
	u32 n;

	memset(w, 0, sizeof(w));
	w[0] = 0x0d;
	for (n = 0; n < 41; n++) {
		w[1] = n;
		if (dec_copy(w, 2 + n, SRV) != ERR)
			FAIL("%u-byte preferred_address accepted", n);
	}
}

/* ---- Value limits (RFC 9000 section 18.2) ---- */

TEST(max_udp_payload_size_below_1200)
{
	CHECK(DEC(CLI, 0x03, 0x02, 0x44, 0xaf) == ERR);	/* 1199 */
	CHECK(DEC(CLI, 0x03, 0x01, 0x00) == ERR);
	CHECK(DEC(CLI, 0x03, 0x02, 0x44, 0xb0) == 0);	/* 1200 */
}

TEST(ack_delay_exponent_above_20)
{
	CHECK(DEC(CLI, 0x0a, 0x01, 0x15) == ERR);
	CHECK(DEC(CLI, 0x0a, 0x08, 0xc0, 0, 0, 0, 0, 0, 0, 0x14) == 0);
	CHECK(DEC(CLI, 0x0a, 0x08, 0xc0, 0, 0, 0, 0, 0, 1, 0x14) == ERR);
}

TEST(max_ack_delay_2_14)
{
	CHECK(DEC(CLI, 0x0b, 0x02, 0x7f, 0xff) == 0);
	CHECK(DEC(CLI, 0x0b, 0x04, 0x80, 0x00, 0x40, 0x00) == ERR);
	CHECK(DEC(CLI, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff) == ERR);
}

TEST(active_connection_id_limit_below_2)
{
	CHECK(DEC(CLI, 0x0e, 0x01, 0x01) == ERR);
	CHECK(DEC(CLI, 0x0e, 0x01, 0x00) == ERR);
	CHECK(DEC(CLI, 0x0e, 0x01, 0x02) == 0);
}

TEST(initial_max_streams_bidi_above_2_60)
{
	CHECK(DEC(CLI, 0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 0x00) == 0);
	CHECK(DEC(CLI, 0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 0x01) == ERR);
	CHECK(DEC(CLI, 0x08, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff) == ERR);
}

TEST(initial_max_streams_uni_above_2_60)
{
	CHECK(DEC(SRV, 0x09, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 0x00) == 0);
	CHECK(DEC(SRV, 0x09, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 0x01) == ERR);
}

TEST(unbounded_integers_take_2_62_minus_1)
{
	CHECK(DEC(CLI, 0x01, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff) == 0);
	CHECK(DEC(CLI, 0x07, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff) == 0);
	CHECK(DEC(CLI, 0x20, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff) == 0);
}

/* ---- The encoder refuses what the peer would reject ---- */

#define CHECK_ENC_REJECTS(field, value, bit, srv) do {			\
	struct quic_tp _t = TP(field, value, bit);			\
	CHECK(quic_tp_len(&_t, srv) == 0);				\
} while (0)

TEST(encode_rejects_integer_limits)
{
	CHECK_ENC_REJECTS(max_idle_timeout, 1ULL << 62,
			  QUIC_TP_MAX_IDLE_TIMEOUT, CLI);
	CHECK_ENC_REJECTS(initial_max_data, ~0ULL, QUIC_TP_INITIAL_MAX_DATA,
			  CLI);
	CHECK_ENC_REJECTS(max_udp_payload_size, 1199,
			  QUIC_TP_MAX_UDP_PAYLOAD_SIZE, CLI);
	CHECK_ENC_REJECTS(ack_delay_exponent, 21, QUIC_TP_ACK_DELAY_EXPONENT,
			  CLI);
	CHECK_ENC_REJECTS(max_ack_delay, 16384, QUIC_TP_MAX_ACK_DELAY, CLI);
	CHECK_ENC_REJECTS(active_connection_id_limit, 1,
			  QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, CLI);
	CHECK_ENC_REJECTS(initial_max_streams_bidi, (1ULL << 60) + 1,
			  QUIC_TP_INITIAL_MAX_STREAMS_BIDI, CLI);
	CHECK_ENC_REJECTS(initial_max_streams_uni, (1ULL << 60) + 1,
			  QUIC_TP_INITIAL_MAX_STREAMS_UNI, SRV);
	CHECK_ENC_REJECTS(max_datagram_frame_size, 1ULL << 62,
			  QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, SRV);
}

TEST(encode_rejects_long_connection_ids)
{
	CHECK_ENC_REJECTS(initial_source_connection_id.len, 21,
			  QUIC_TP_INITIAL_SCID, CLI);
	CHECK_ENC_REJECTS(original_destination_connection_id.len, 21,
			  QUIC_TP_ORIGINAL_DCID, SRV);
	CHECK_ENC_REJECTS(retry_source_connection_id.len, 255,
			  QUIC_TP_RETRY_SCID, SRV);
}

TEST(encode_rejects_preferred_address_cid)
{
	CHECK_ENC_REJECTS(preferred_address.cid.len, 0,
			  QUIC_TP_PREFERRED_ADDRESS, SRV);
	CHECK_ENC_REJECTS(preferred_address.cid.len, 21,
			  QUIC_TP_PREFERRED_ADDRESS, SRV);
}

TEST(encode_rejects_bad_version_information)
{
	static const u8 ok[] = { 0, 0, 0, 1 }, zero[] = { 0, 0, 0, 1, 0, 0,
							  0, 0 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	CHECK(quic_tp_len(&t, SRV) == 0);		/* chosen 0 */
	t.version_info.chosen = 2;
	CHECK(quic_tp_len(&t, SRV) == 6);		/* empty list */
	CHECK(quic_tp_len(&t, CLI) == 0);		/* 2 not listed */
	t.version_info.available = ok;
	t.version_info.count = 1;
	CHECK(quic_tp_len(&t, CLI) == 0);
	t.version_info.chosen = 1;
	CHECK(quic_tp_len(&t, CLI) == 10);
	t.version_info.available = zero;
	t.version_info.count = 2;
	CHECK(quic_tp_len(&t, SRV) == 0);		/* zero listed */
	t.version_info.available = NULL;
	CHECK(quic_tp_len(&t, SRV) == 0);
}

TEST(encode_rejects_more_than_u32)
{
	static const u8 one[] = { 0, 0, 0, 1 };
	struct quic_tp t;

	quic_tp_init(&t);
	t.present = BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	t.version_info.chosen = 1;
	t.version_info.available = one;
	t.version_info.count = 1;
	CHECK(quic_tp_len(&t, SRV) == 10);
	/* Rejected on the length alone, before the list is read (ASan). */
	t.version_info.count = 0x3fffffff;
	CHECK(quic_tp_len(&t, SRV) == 0);
	t.version_info.count = 0xffffffff;
	CHECK(quic_tp_len(&t, CLI) == 0);
}

TEST(quic_tp_has_matches_present)
{
	struct quic_tp t;

	client_fill(&t);
	CHECK(quic_tp_has(&t, QUIC_TP_GREASE_QUIC_BIT));
	CHECK(!quic_tp_has(&t, QUIC_TP_PREFERRED_ADDRESS));
}

int main(void)
{
	RUN(init_defaults);
	RUN(decode_empty_gives_defaults);
	RUN(encode_empty);
	RUN(original_destination_connection_id);
	RUN(max_idle_timeout);
	RUN(stateless_reset_token);
	RUN(max_udp_payload_size);
	RUN(initial_max_data);
	RUN(initial_max_stream_data_bidi_local);
	RUN(initial_max_stream_data_bidi_remote);
	RUN(initial_max_stream_data_uni);
	RUN(initial_max_streams_bidi);
	RUN(initial_max_streams_uni);
	RUN(ack_delay_exponent);
	RUN(ack_delay_exponent_zero);
	RUN(max_ack_delay);
	RUN(disable_active_migration);
	RUN(preferred_address);
	RUN(preferred_address_cid_20);
	RUN(active_connection_id_limit);
	RUN(initial_source_connection_id);
	RUN(initial_source_connection_id_empty);
	RUN(connection_id_20_bytes);
	RUN(retry_source_connection_id);
	RUN(version_information_client);
	RUN(version_information_server_empty_list);
	RUN(version_information_server_chosen_not_listed);
	RUN(version_information_greased_versions);
	RUN(version_information_many);
	RUN(version_information_too_short);
	RUN(version_information_not_multiple_of_4);
	RUN(version_information_chosen_zero);
	RUN(version_information_available_zero);
	RUN(version_information_client_chosen_not_listed);
	RUN(max_datagram_frame_size);
	RUN(max_datagram_frame_size_zero);
	RUN(grease_quic_bit);
	RUN(disable_1rtt_encryption);
	RUN(full_client);
	RUN(full_server);
	RUN(full_server_from_client_rejected);
	RUN(truncated_client);
	RUN(truncated_client_seen_by_client);
	RUN(truncated_server);
	RUN(truncated_inside_parameter);
	RUN(full_round_trips);
	RUN(client_encoding_skips_server_only);
	RUN(client_encoding_ignores_bad_server_only);
	RUN(round_trip_maximum_values);
	RUN(round_trip_minimum_values);
	RUN(encode_no_overrun);
	RUN(encode_flag_follows_present_bit);
	RUN(decode_resets_previous_contents);
	RUN(non_minimal_encodings_accepted);
	RUN(unknown_reserved_27_skipped);
	RUN(unknown_reserved_58_skipped);
	RUN(unknown_large_ids_skipped);
	RUN(unknown_near_known_ids_skipped);
	RUN(unknown_length_past_end);
	RUN(known_length_past_end);
	RUN(duplicate_integer);
	RUN(duplicate_after_others);
	RUN(duplicate_flag);
	RUN(duplicate_connection_id);
	RUN(duplicate_version_information);
	RUN(duplicate_non_minimal_id);
	RUN(duplicate_every_known_parameter);
	RUN(client_sends_original_dcid);
	RUN(client_sends_stateless_reset_token);
	RUN(client_sends_preferred_address);
	RUN(client_sends_retry_scid);
	RUN(varint_shorter_than_length);
	RUN(varint_longer_than_length);
	RUN(varint_empty_value);
	RUN(flag_not_empty);
	RUN(grease_quic_bit_not_empty);
	RUN(disable_1rtt_encryption_not_empty);
	RUN(stateless_reset_token_wrong_length);
	RUN(connection_id_too_long);
	RUN(preferred_address_lengths);
	RUN(preferred_address_empty_cid);
	RUN(preferred_address_cid_too_long);
	RUN(preferred_address_length_mismatch);
	RUN(preferred_address_too_short);
	RUN(max_udp_payload_size_below_1200);
	RUN(ack_delay_exponent_above_20);
	RUN(max_ack_delay_2_14);
	RUN(active_connection_id_limit_below_2);
	RUN(initial_max_streams_bidi_above_2_60);
	RUN(initial_max_streams_uni_above_2_60);
	RUN(unbounded_integers_take_2_62_minus_1);
	RUN(encode_rejects_integer_limits);
	RUN(encode_rejects_long_connection_ids);
	RUN(encode_rejects_preferred_address_cid);
	RUN(encode_rejects_bad_version_information);
	RUN(encode_rejects_more_than_u32);
	RUN(quic_tp_has_matches_present);
	return test_done();
}
