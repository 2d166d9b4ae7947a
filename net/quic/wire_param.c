// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC wire layer: transport parameters.
 *
 * The extension is a sequence of (identifier, length, value) with varint
 * identifier and length (RFC 9000 section 18).  Each known parameter is
 * described by one entry of quic_tp_descs[], indexed by its bit in
 * quic_tp.present; the entries are in identifier order, which is the order
 * the encoder writes them in.
 */

#include "wire_param.h"

enum quic_tp_kind {
	QUIC_TP_KIND_INT,	/* a varint, between min and max */
	QUIC_TP_KIND_FLAG,	/* empty value */
	QUIC_TP_KIND_CID,	/* 0 to 20 bytes */
	QUIC_TP_KIND_TOKEN,	/* 16 bytes */
	QUIC_TP_KIND_PREFERRED_ADDRESS,
	QUIC_TP_KIND_VERSION_INFO,
};

struct quic_tp_desc {
	u16	id;
	u8	kind;
	u8	server_only;	/* RFC 9000 section 18.2, last paragraph */
	u16	off;		/* of the field in struct quic_tp */
	u64	min;		/* QUIC_TP_KIND_INT only */
	u64	max;
};

#define QUIC_TP_OFF(field)	offsetof(struct quic_tp, field)

static const struct quic_tp_desc quic_tp_descs[QUIC_TP_NR] = {
	[QUIC_TP_ORIGINAL_DCID] = {
		.id = QUIC_TP_ID_ORIGINAL_DCID,
		.kind = QUIC_TP_KIND_CID, .server_only = 1,
		.off = QUIC_TP_OFF(original_destination_connection_id),
	},
	[QUIC_TP_MAX_IDLE_TIMEOUT] = {
		.id = QUIC_TP_ID_MAX_IDLE_TIMEOUT,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(max_idle_timeout),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_STATELESS_RESET_TOKEN] = {
		.id = QUIC_TP_ID_STATELESS_RESET_TOKEN,
		.kind = QUIC_TP_KIND_TOKEN, .server_only = 1,
		.off = QUIC_TP_OFF(stateless_reset_token),
	},
	[QUIC_TP_MAX_UDP_PAYLOAD_SIZE] = {
		.id = QUIC_TP_ID_MAX_UDP_PAYLOAD_SIZE,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(max_udp_payload_size),
		.min = QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE,
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_MAX_DATA] = {
		.id = QUIC_TP_ID_INITIAL_MAX_DATA,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_data),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL] = {
		.id = QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_stream_data_bidi_local),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE] = {
		.id = QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_stream_data_bidi_remote),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI] = {
		.id = QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_UNI,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_stream_data_uni),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_MAX_STREAMS_BIDI] = {
		.id = QUIC_TP_ID_INITIAL_MAX_STREAMS_BIDI,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_streams_bidi),
		.max = QUIC_STREAMS_MAX,	/* RFC 9000 section 4.6 */
	},
	[QUIC_TP_INITIAL_MAX_STREAMS_UNI] = {
		.id = QUIC_TP_ID_INITIAL_MAX_STREAMS_UNI,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(initial_max_streams_uni),
		.max = QUIC_STREAMS_MAX,
	},
	[QUIC_TP_ACK_DELAY_EXPONENT] = {
		.id = QUIC_TP_ID_ACK_DELAY_EXPONENT,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(ack_delay_exponent),
		.max = QUIC_TP_MAX_ACK_DELAY_EXPONENT,
	},
	[QUIC_TP_MAX_ACK_DELAY] = {
		.id = QUIC_TP_ID_MAX_ACK_DELAY,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(max_ack_delay),
		.max = QUIC_TP_MAX_MAX_ACK_DELAY,
	},
	[QUIC_TP_DISABLE_ACTIVE_MIGRATION] = {
		.id = QUIC_TP_ID_DISABLE_ACTIVE_MIGRATION,
		.kind = QUIC_TP_KIND_FLAG,
		.off = QUIC_TP_OFF(disable_active_migration),
	},
	[QUIC_TP_PREFERRED_ADDRESS] = {
		.id = QUIC_TP_ID_PREFERRED_ADDRESS,
		.kind = QUIC_TP_KIND_PREFERRED_ADDRESS, .server_only = 1,
		.off = QUIC_TP_OFF(preferred_address),
	},
	[QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT] = {
		.id = QUIC_TP_ID_ACTIVE_CONNECTION_ID_LIMIT,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(active_connection_id_limit),
		.min = QUIC_TP_MIN_ACTIVE_CONNECTION_ID_LIMIT,
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_INITIAL_SCID] = {
		.id = QUIC_TP_ID_INITIAL_SCID,
		.kind = QUIC_TP_KIND_CID,
		.off = QUIC_TP_OFF(initial_source_connection_id),
	},
	[QUIC_TP_RETRY_SCID] = {
		.id = QUIC_TP_ID_RETRY_SCID,
		.kind = QUIC_TP_KIND_CID, .server_only = 1,
		.off = QUIC_TP_OFF(retry_source_connection_id),
	},
	[QUIC_TP_VERSION_INFORMATION] = {
		.id = QUIC_TP_ID_VERSION_INFORMATION,
		.kind = QUIC_TP_KIND_VERSION_INFO,
		.off = QUIC_TP_OFF(version_info),
	},
	[QUIC_TP_MAX_DATAGRAM_FRAME_SIZE] = {
		.id = QUIC_TP_ID_MAX_DATAGRAM_FRAME_SIZE,
		.kind = QUIC_TP_KIND_INT,
		.off = QUIC_TP_OFF(max_datagram_frame_size),
		.max = QUIC_VARINT_MAX,
	},
	[QUIC_TP_GREASE_QUIC_BIT] = {
		.id = QUIC_TP_ID_GREASE_QUIC_BIT,
		.kind = QUIC_TP_KIND_FLAG,
		.off = QUIC_TP_OFF(grease_quic_bit),
	},
	[QUIC_TP_DISABLE_1RTT_ENCRYPTION] = {
		.id = QUIC_TP_ID_DISABLE_1RTT_ENCRYPTION,
		.kind = QUIC_TP_KIND_FLAG,
		.off = QUIC_TP_OFF(disable_1rtt_encryption),
	},
};

/* 4 + 2 + 16 + 2 + 1 + cid + 16: RFC 9000 figure "Preferred Address". */
#define QUIC_TP_PREFERRED_ADDRESS_FIXED_LEN	41

void quic_tp_init(struct quic_tp *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->max_udp_payload_size = QUIC_TP_DEF_MAX_UDP_PAYLOAD_SIZE;
	tp->ack_delay_exponent = QUIC_TP_DEF_ACK_DELAY_EXPONENT;
	tp->max_ack_delay = QUIC_TP_DEF_MAX_ACK_DELAY;
	tp->active_connection_id_limit = QUIC_TP_DEF_ACTIVE_CONNECTION_ID_LIMIT;
}

static const struct quic_tp_desc *quic_tp_lookup(u64 id)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(quic_tp_descs); i++)
		if (quic_tp_descs[i].id == id)
			return &quic_tp_descs[i];
	return NULL;
}

static void *quic_tp_field(struct quic_tp *tp, const struct quic_tp_desc *d)
{
	return (u8 *)tp + d->off;
}

static const void *quic_tp_cfield(const struct quic_tp *tp,
				  const struct quic_tp_desc *d)
{
	return (const u8 *)tp + d->off;
}

static bool quic_tp_version_listed(const u8 *list, u32 count, u32 version)
{
	const u8 *v = list;
	u32 i;

	for (i = 0; i < count; i++, v += 4)
		if (((u32)v[0] << 24 | (u32)v[1] << 16 | (u32)v[2] << 8 |
		     v[3]) == version)
			return true;
	return false;
}

/*
 * RFC 9368 section 4: a zero chosen or available version is a parse
 * failure, and so is a client's chosen version missing from its list.
 */
static bool quic_tp_version_info_ok(const struct quic_tp_version_info *vi,
				    bool from_server)
{
	if (!vi->chosen || quic_tp_version_listed(vi->available, vi->count, 0))
		return false;
	return from_server ||
	       quic_tp_version_listed(vi->available, vi->count, vi->chosen);
}

static bool quic_tp_get_preferred_address(const u8 *v, u32 len,
					  struct quic_tp_preferred_address *pa)
{
	const u8 *b;
	u64 x;

	if (len < QUIC_TP_PREFERRED_ADDRESS_FIXED_LEN)
		return false;
	quic_get_bytes(&v, &len, 4, &b);
	memcpy(pa->ipv4_addr, b, 4);
	quic_get_uint(&v, &len, 2, &x);
	pa->ipv4_port = x;
	quic_get_bytes(&v, &len, 16, &b);
	memcpy(pa->ipv6_addr, b, 16);
	quic_get_uint(&v, &len, 2, &x);
	pa->ipv6_port = x;
	quic_get_uint(&v, &len, 1, &x);
	/* A zero-length connection ID is forbidden here (section 18.2). */
	if (!x || x > QUIC_CONN_ID_MAX_LEN ||
	    len != x + QUIC_RESET_TOKEN_LEN)
		return false;
	pa->cid.len = x;
	memcpy(pa->cid.data, v, x);
	memcpy(pa->token, v + x, QUIC_RESET_TOKEN_LEN);
	return true;
}

/* Decode the value @v of @len bytes of parameter @d into @tp. */
static bool quic_tp_get_value(const struct quic_tp_desc *d, const u8 *v,
			      u32 len, bool from_server, struct quic_tp *tp)
{
	struct quic_tp_version_info *vi;
	struct quic_conn_id *cid;
	u64 x;

	switch (d->kind) {
	case QUIC_TP_KIND_INT:
		/* The varint must fill the value exactly. */
		if (!quic_get_varint(&v, &len, &x) || len ||
		    x < d->min || x > d->max)
			return false;
		*(u64 *)quic_tp_field(tp, d) = x;
		return true;
	case QUIC_TP_KIND_FLAG:
		if (len)
			return false;
		*(bool *)quic_tp_field(tp, d) = true;
		return true;
	case QUIC_TP_KIND_CID:
		if (len > QUIC_CONN_ID_MAX_LEN)
			return false;
		cid = quic_tp_field(tp, d);
		cid->len = len;
		memcpy(cid->data, v, len);
		return true;
	case QUIC_TP_KIND_TOKEN:
		if (len != QUIC_RESET_TOKEN_LEN)
			return false;
		memcpy(quic_tp_field(tp, d), v, len);
		return true;
	case QUIC_TP_KIND_PREFERRED_ADDRESS:
		return quic_tp_get_preferred_address(v, len,
						     quic_tp_field(tp, d));
	case QUIC_TP_KIND_VERSION_INFO:
		/* RFC 9368 section 4: too short or not a multiple of 4. */
		if (len < 4 || len % 4)
			return false;
		vi = quic_tp_field(tp, d);
		quic_get_uint(&v, &len, 4, &x);
		vi->chosen = x;
		vi->count = len / 4;
		vi->available = v;
		return quic_tp_version_info_ok(vi, from_server);
	}
	return false;
}

int quic_tp_decode(const u8 *p, u32 len, bool from_server, struct quic_tp *tp)
{
	const struct quic_tp_desc *d;
	u64 id, vlen, bit;
	const u8 *v;

	quic_tp_init(tp);
	while (len) {
		if (!quic_get_varint(&p, &len, &id) ||
		    !quic_get_varint(&p, &len, &vlen) ||
		    !quic_get_bytes(&p, &len, vlen, &v))
			return QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM;
		/* Unknown and reserved (section 18.1) ones are ignored. */
		d = quic_tp_lookup(id);
		if (!d)
			continue;
		bit = BIT_ULL(d - quic_tp_descs);
		/* Section 7.4: duplicates; section 18.2: server-only ones. */
		if ((tp->present & bit) || (d->server_only && !from_server))
			return QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM;
		/* quic_get_bytes() checked vlen against a u32 length. */
		if (!quic_tp_get_value(d, v, (u32)vlen, from_server, tp))
			return QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM;
		tp->present |= bit;
	}
	return 0;
}

/*
 * The length of the value of @d in @tp, or false if the peer would reject
 * it (the same rules as quic_tp_get_value()).
 */
static bool quic_tp_value_len(const struct quic_tp_desc *d,
			      const struct quic_tp *tp, bool is_server,
			      u64 *len)
{
	const struct quic_tp_preferred_address *pa;
	const struct quic_tp_version_info *vi;
	const struct quic_conn_id *cid;
	u64 x;

	switch (d->kind) {
	case QUIC_TP_KIND_INT:
		x = *(const u64 *)quic_tp_cfield(tp, d);
		if (x < d->min || x > d->max)
			return false;
		*len = quic_varint_len(x);
		return true;
	case QUIC_TP_KIND_FLAG:
		*len = 0;
		return true;
	case QUIC_TP_KIND_CID:
		cid = quic_tp_cfield(tp, d);
		*len = cid->len;
		return cid->len <= QUIC_CONN_ID_MAX_LEN;
	case QUIC_TP_KIND_TOKEN:
		*len = QUIC_RESET_TOKEN_LEN;
		return true;
	case QUIC_TP_KIND_PREFERRED_ADDRESS:
		pa = quic_tp_cfield(tp, d);
		*len = QUIC_TP_PREFERRED_ADDRESS_FIXED_LEN + pa->cid.len;
		return pa->cid.len && pa->cid.len <= QUIC_CONN_ID_MAX_LEN;
	case QUIC_TP_KIND_VERSION_INFO:
		vi = quic_tp_cfield(tp, d);
		*len = 4 + 4 * (u64)vi->count;
		/* Before reading the list: it must fit in a u32 length. */
		if (*len != (u32)*len || (vi->count && !vi->available))
			return false;
		return quic_tp_version_info_ok(vi, is_server);
	}
	return false;
}

static bool quic_tp_sent(const struct quic_tp *tp, u32 i, bool is_server)
{
	return (tp->present & BIT_ULL(i)) &&
	       (is_server || !quic_tp_descs[i].server_only);
}

u32 quic_tp_len(const struct quic_tp *tp, bool is_server)
{
	const struct quic_tp_desc *d;
	u64 total = 0, len;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(quic_tp_descs); i++) {
		if (!quic_tp_sent(tp, i, is_server))
			continue;
		d = &quic_tp_descs[i];
		if (!quic_tp_value_len(d, tp, is_server, &len))
			return 0;
		/* len < 2^35: no varint or u64 overflow. */
		total += quic_varint_len(d->id) + quic_varint_len(len) + len;
	}
	if (total != (u32)total)
		return 0;
	return total;
}

u8 *quic_tp_encode(u8 *p, const struct quic_tp *tp, bool is_server)
{
	const struct quic_tp_preferred_address *pa;
	const struct quic_tp_version_info *vi;
	const struct quic_conn_id *cid;
	const struct quic_tp_desc *d;
	u64 len, x;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(quic_tp_descs); i++) {
		if (!quic_tp_sent(tp, i, is_server))
			continue;
		d = &quic_tp_descs[i];
		/* Valid: the caller's quic_tp_len() said so. */
		quic_tp_value_len(d, tp, is_server, &len);
		p = quic_put_varint(p, d->id);
		p = quic_put_varint(p, len);
		switch (d->kind) {
		case QUIC_TP_KIND_INT:
			x = *(const u64 *)quic_tp_cfield(tp, d);
			p = quic_put_varint(p, x);
			break;
		case QUIC_TP_KIND_FLAG:
			break;
		case QUIC_TP_KIND_CID:
			cid = quic_tp_cfield(tp, d);
			p = quic_put_bytes(p, cid->data, cid->len);
			break;
		case QUIC_TP_KIND_TOKEN:
			p = quic_put_bytes(p, quic_tp_cfield(tp, d),
					   QUIC_RESET_TOKEN_LEN);
			break;
		case QUIC_TP_KIND_PREFERRED_ADDRESS:
			pa = quic_tp_cfield(tp, d);
			p = quic_put_bytes(p, pa->ipv4_addr, 4);
			p = quic_put_uint(p, pa->ipv4_port, 2);
			p = quic_put_bytes(p, pa->ipv6_addr, 16);
			p = quic_put_uint(p, pa->ipv6_port, 2);
			p = quic_put_uint(p, pa->cid.len, 1);
			p = quic_put_bytes(p, pa->cid.data, pa->cid.len);
			p = quic_put_bytes(p, pa->token, QUIC_RESET_TOKEN_LEN);
			break;
		case QUIC_TP_KIND_VERSION_INFO:
			vi = quic_tp_cfield(tp, d);
			p = quic_put_uint(p, vi->chosen, 4);
			p = quic_put_bytes(p, vi->available, 4 * vi->count);
			break;
		}
	}
	return p;
}
