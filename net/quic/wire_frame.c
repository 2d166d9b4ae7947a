// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC wire layer: frames (RFC 9000 section 19, RFC 9221 section 4).
 *
 * Decoding checks every length against what is left of the payload and
 * every value against the limits the RFC puts on it, so that the callers
 * only apply connection state.  Encoding refuses, in quic_frame_len(), the
 * frames that decoding would refuse.
 */

#include "wire_frame.h"

/* quic_frame_len() returns a u32. */
#define QUIC_FRAME_LEN_MAX	((u64)(u32)~0U)

/* Packet types of RFC 9000 section 12.4, table 3: I, 0, H and 1. */
#define QUIC_LVL_I	BIT(QUIC_PKT_INITIAL)
#define QUIC_LVL_0	BIT(QUIC_PKT_0RTT)
#define QUIC_LVL_H	BIT(QUIC_PKT_HANDSHAKE)
#define QUIC_LVL_1	BIT(QUIC_PKT_1RTT)
#define QUIC_LVL_IH01	(QUIC_LVL_I | QUIC_LVL_H | QUIC_LVL_0 | QUIC_LVL_1)
#define QUIC_LVL_IH_1	(QUIC_LVL_I | QUIC_LVL_H | QUIC_LVL_1)
#define QUIC_LVL___01	(QUIC_LVL_0 | QUIC_LVL_1)

/* Indexed by frame type, 0x00 to 0x1e; DATAGRAM is handled apart. */
static const u8 quic_frame_levels[] = {
	[QUIC_FRAME_PADDING]		= QUIC_LVL_IH01,
	[QUIC_FRAME_PING]		= QUIC_LVL_IH01,
	[QUIC_FRAME_ACK]		= QUIC_LVL_IH_1,
	[QUIC_FRAME_ACK_ECN]		= QUIC_LVL_IH_1,
	[QUIC_FRAME_RESET_STREAM]	= QUIC_LVL___01,
	[QUIC_FRAME_STOP_SENDING]	= QUIC_LVL___01,
	[QUIC_FRAME_CRYPTO]		= QUIC_LVL_IH_1,
	[QUIC_FRAME_NEW_TOKEN]		= QUIC_LVL_1,
	[0x08 ... 0x0f]			= QUIC_LVL___01,
	[QUIC_FRAME_MAX_DATA]		= QUIC_LVL___01,
	[QUIC_FRAME_MAX_STREAM_DATA]	= QUIC_LVL___01,
	[QUIC_FRAME_MAX_STREAMS_BIDI]	= QUIC_LVL___01,
	[QUIC_FRAME_MAX_STREAMS_UNI]	= QUIC_LVL___01,
	[QUIC_FRAME_DATA_BLOCKED]	= QUIC_LVL___01,
	[QUIC_FRAME_STREAM_DATA_BLOCKED] = QUIC_LVL___01,
	[QUIC_FRAME_STREAMS_BLOCKED_BIDI] = QUIC_LVL___01,
	[QUIC_FRAME_STREAMS_BLOCKED_UNI] = QUIC_LVL___01,
	[QUIC_FRAME_NEW_CONNECTION_ID]	= QUIC_LVL___01,
	/*
	 * Table 3 says __01, though the text of section 12.4 says it cannot
	 * be sent in 0-RTT and a server MAY refuse it there: follow the
	 * table, the connection can apply the stricter rule.
	 */
	[QUIC_FRAME_RETIRE_CONNECTION_ID] = QUIC_LVL___01,
	[QUIC_FRAME_PATH_CHALLENGE]	= QUIC_LVL___01,
	[QUIC_FRAME_PATH_RESPONSE]	= QUIC_LVL_1,
	/* "ih01": only the 0x1c variant in Initial and Handshake */
	[QUIC_FRAME_CONNECTION_CLOSE]	= QUIC_LVL_IH01,
	[QUIC_FRAME_CONNECTION_CLOSE_APP] = QUIC_LVL___01,
	[QUIC_FRAME_HANDSHAKE_DONE]	= QUIC_LVL_1,
};

static bool quic_frame_known(u64 type)
{
	return type <= QUIC_FRAME_HANDSHAKE_DONE ||
	       type == QUIC_FRAME_DATAGRAM || type == QUIC_FRAME_DATAGRAM_LEN;
}

bool quic_frame_allowed(u64 type, enum quic_pkt_level level)
{
	if ((u32)level > QUIC_PKT_1RTT)
		return false;
	if (type == QUIC_FRAME_DATAGRAM || type == QUIC_FRAME_DATAGRAM_LEN)
		return level == QUIC_PKT_0RTT || level == QUIC_PKT_1RTT;
	if (type >= ARRAY_SIZE(quic_frame_levels))
		return false;
	return quic_frame_levels[type] & BIT(level);
}

bool quic_frame_ack_eliciting(u64 type)
{
	switch (type) {
	case QUIC_FRAME_PADDING:
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		return false;
	default:
		return true;
	}
}

bool quic_frame_probing(u64 type)
{
	switch (type) {
	case QUIC_FRAME_PADDING:
	case QUIC_FRAME_NEW_CONNECTION_ID:
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		return true;
	default:
		return false;
	}
}

/*
 * Read one (gap, length) pair and step from the range before it, whose
 * smallest is *@smallest, to the range it describes.  RFC 9000 section
 * 19.3.1: largest = previous_smallest - gap - 2, smallest = largest -
 * length, and neither may be negative.  Advances only on success.
 */
static bool quic_ack_range_next(const u8 **p, u32 *len, u64 *smallest,
				u64 *largest)
{
	const u8 *q = *p;
	u32 n = *len;
	u64 gap, rlen, top;

	if (!quic_get_varint(&q, &n, &gap) || !quic_get_varint(&q, &n, &rlen))
		return false;
	if (*smallest < 2 || *smallest - 2 < gap)
		return false;
	top = *smallest - 2 - gap;
	if (top < rlen)
		return false;
	*largest = top;
	*smallest = top - rlen;
	*p = q;
	*len = n;
	return true;
}

/*
 * Check @count pairs at *@p, after a first range whose smallest is
 * @smallest.  Each pair takes at least 2 bytes, so a huge @count stops at
 * the end of the bytes.
 */
static bool quic_ack_ranges_check(const u8 **p, u32 *len, u64 count,
				  u64 smallest)
{
	u64 largest;

	while (count--)
		if (!quic_ack_range_next(p, len, &smallest, &largest))
			return false;
	return true;
}

static bool quic_decode_ack(const u8 **p, u32 *len, struct quic_frame *f)
{
	const u8 *ranges;
	u32 before;

	if (!quic_get_varint(p, len, &f->ack.largest) ||
	    !quic_get_varint(p, len, &f->ack.delay) ||
	    !quic_get_varint(p, len, &f->ack.range_count) ||
	    !quic_get_varint(p, len, &f->ack.first_range))
		return false;
	if (f->ack.first_range > f->ack.largest)
		return false;
	ranges = *p;
	before = *len;
	if (!quic_ack_ranges_check(p, len, f->ack.range_count,
				   f->ack.largest - f->ack.first_range))
		return false;
	f->ack.ranges = ranges;
	f->ack.ranges_len = before - *len;
	if (f->type == QUIC_FRAME_ACK_ECN &&
	    (!quic_get_varint(p, len, &f->ack.ecn[0]) ||
	     !quic_get_varint(p, len, &f->ack.ecn[1]) ||
	     !quic_get_varint(p, len, &f->ack.ecn[2])))
		return false;
	return true;
}

static bool quic_decode_stream(const u8 **p, u32 *len, struct quic_frame *f)
{
	u64 n;

	if (!quic_get_varint(p, len, &f->stream.stream_id))
		return false;
	if ((f->type & QUIC_STREAM_BIT_OFF) &&
	    !quic_get_varint(p, len, &f->stream.offset))
		return false;
	if (f->type & QUIC_STREAM_BIT_LEN) {
		if (!quic_get_varint(p, len, &n))
			return false;
	} else {
		n = *len;	/* to the end of the packet */
	}
	/* RFC 9000 section 19.8: the largest offset is 2^62-1 */
	if (f->stream.offset + n > QUIC_VARINT_MAX)
		return false;
	f->stream.len = n;
	return quic_get_bytes(p, len, n, &f->stream.data);
}

static bool quic_decode_new_cid(const u8 **p, u32 *len, struct quic_frame *f)
{
	const u8 *data;
	u64 n;

	if (!quic_get_varint(p, len, &f->new_cid.seq) ||
	    !quic_get_varint(p, len, &f->new_cid.retire_prior_to))
		return false;
	if (f->new_cid.retire_prior_to > f->new_cid.seq)
		return false;
	if (!quic_get_uint(p, len, 1, &n) || !n || n > QUIC_CONN_ID_MAX_LEN)
		return false;
	if (!quic_get_bytes(p, len, n, &data))
		return false;
	f->new_cid.cid.len = n;
	memcpy(f->new_cid.cid.data, data, n);
	if (!quic_get_bytes(p, len, QUIC_RESET_TOKEN_LEN, &data))
		return false;
	memcpy(f->new_cid.token, data, QUIC_RESET_TOKEN_LEN);
	return true;
}

static bool quic_decode_close(const u8 **p, u32 *len, struct quic_frame *f)
{
	if (!quic_get_varint(p, len, &f->close.errcode))
		return false;
	if (f->type == QUIC_FRAME_CONNECTION_CLOSE &&
	    !quic_get_varint(p, len, &f->close.frame_type))
		return false;
	if (!quic_get_varint(p, len, &f->close.phrase_len))
		return false;
	return quic_get_bytes(p, len, f->close.phrase_len, &f->close.phrase);
}

/* Everything after the frame type; any failure is a FRAME_ENCODING_ERROR. */
static bool quic_decode_body(const u8 **p, u32 *len, struct quic_frame *f)
{
	const u8 *data;
	u64 n;

	switch (f->type) {
	case QUIC_FRAME_PADDING:
		/* the whole run of zeroes, so that a padded packet is fast */
		f->padding_len = 1;
		while (*len && !**p) {
			(*p)++;
			(*len)--;
			f->padding_len++;
		}
		return true;
	case QUIC_FRAME_PING:
	case QUIC_FRAME_HANDSHAKE_DONE:
		return true;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		return quic_decode_ack(p, len, f);
	case QUIC_FRAME_RESET_STREAM:
		return quic_get_varint(p, len, &f->reset_stream.stream_id) &&
		       quic_get_varint(p, len, &f->reset_stream.errcode) &&
		       quic_get_varint(p, len, &f->reset_stream.final_size);
	case QUIC_FRAME_STOP_SENDING:
		return quic_get_varint(p, len, &f->stop_sending.stream_id) &&
		       quic_get_varint(p, len, &f->stop_sending.errcode);
	case QUIC_FRAME_CRYPTO:
		if (!quic_get_varint(p, len, &f->crypto.offset) ||
		    !quic_get_varint(p, len, &f->crypto.len))
			return false;
		/* RFC 9000 section 19.6: the largest offset is 2^62-1 */
		if (f->crypto.offset + f->crypto.len > QUIC_VARINT_MAX)
			return false;
		return quic_get_bytes(p, len, f->crypto.len, &f->crypto.data);
	case QUIC_FRAME_NEW_TOKEN:
		/* RFC 9000 section 19.7: the token MUST NOT be empty */
		if (!quic_get_varint(p, len, &f->new_token.len) ||
		    !f->new_token.len)
			return false;
		return quic_get_bytes(p, len, f->new_token.len,
				      &f->new_token.token);
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		return quic_decode_stream(p, len, f);
	case QUIC_FRAME_MAX_DATA:
		return quic_get_varint(p, len, &f->max_data);
	case QUIC_FRAME_MAX_STREAM_DATA:
		return quic_get_varint(p, len, &f->max_stream_data.stream_id) &&
		       quic_get_varint(p, len, &f->max_stream_data.max);
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		/* RFC 9000 section 19.11: at most 2^60 */
		return quic_get_varint(p, len, &f->max_streams) &&
		       f->max_streams <= QUIC_STREAMS_MAX;
	case QUIC_FRAME_DATA_BLOCKED:
		return quic_get_varint(p, len, &f->data_blocked);
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		return quic_get_varint(p, len,
				       &f->stream_data_blocked.stream_id) &&
		       quic_get_varint(p, len, &f->stream_data_blocked.limit);
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		/* RFC 9000 section 19.14: at most 2^60 */
		return quic_get_varint(p, len, &f->streams_blocked) &&
		       f->streams_blocked <= QUIC_STREAMS_MAX;
	case QUIC_FRAME_NEW_CONNECTION_ID:
		return quic_decode_new_cid(p, len, f);
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		return quic_get_varint(p, len, &f->retire_seq);
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		if (!quic_get_bytes(p, len, QUIC_PATH_DATA_LEN, &data))
			return false;
		memcpy(f->path_data, data, QUIC_PATH_DATA_LEN);
		return true;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		return quic_decode_close(p, len, f);
	case QUIC_FRAME_DATAGRAM:
		/* RFC 9221 section 4: no length, to the end of the packet */
		f->datagram.len = *len;
		return quic_get_bytes(p, len, *len, &f->datagram.data);
	case QUIC_FRAME_DATAGRAM_LEN:
		if (!quic_get_varint(p, len, &n))
			return false;
		f->datagram.len = n;
		return quic_get_bytes(p, len, n, &f->datagram.data);
	default:
		return false;	/* unknown: RFC 9000 section 12.4 */
	}
}

bool quic_frame_decode(const u8 **p, u32 *len, struct quic_frame *f,
		       struct quic_frame_error *err)
{
	const u8 *q = *p;
	u32 n = *len;
	u64 type;

	err->errcode = QUIC_TRANSPORT_ERROR_FRAME_ENCODING;
	err->frame_type = 0;
	if (!quic_get_varint(&q, &n, &type))
		return false;
	err->frame_type = type;
	/* RFC 9000 section 12.4: the type MUST use the shortest encoding */
	if (*len - n != quic_varint_len(type)) {
		err->errcode = QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION;
		return false;
	}
	memset(f, 0, sizeof(*f));
	f->type = type;
	if (!quic_decode_body(&q, &n, f))
		return false;
	*p = q;
	*len = n;
	return true;
}

/* Add the size of varint @v to @sum; false if @v is above 2^62-1. */
static bool quic_add_varint(u64 *sum, u64 v)
{
	u32 n = quic_varint_len(v);

	*sum += n;
	return n;
}

/*
 * Check the ranges as quic_frame_decode() would, and that they fill exactly
 * @ranges_len bytes.
 */
static bool quic_ack_len(u64 *sum, const struct quic_frame *f)
{
	const u8 *p = f->ack.ranges;
	u32 len = f->ack.ranges_len;

	if (!quic_add_varint(sum, f->ack.largest) ||
	    !quic_add_varint(sum, f->ack.delay) ||
	    !quic_add_varint(sum, f->ack.range_count) ||
	    !quic_add_varint(sum, f->ack.first_range))
		return false;
	if (f->ack.first_range > f->ack.largest || (len && !p))
		return false;
	if (!quic_ack_ranges_check(&p, &len, f->ack.range_count,
				   f->ack.largest - f->ack.first_range) || len)
		return false;
	*sum += f->ack.ranges_len;
	if (f->type == QUIC_FRAME_ACK_ECN &&
	    (!quic_add_varint(sum, f->ack.ecn[0]) ||
	     !quic_add_varint(sum, f->ack.ecn[1]) ||
	     !quic_add_varint(sum, f->ack.ecn[2])))
		return false;
	return true;
}

static bool quic_stream_len(u64 *sum, const struct quic_frame *f)
{
	if (!quic_add_varint(sum, f->stream.stream_id))
		return false;
	if (f->type & QUIC_STREAM_BIT_OFF) {
		if (!quic_add_varint(sum, f->stream.offset))
			return false;
	} else if (f->stream.offset) {
		return false;	/* it would be lost */
	}
	if ((f->type & QUIC_STREAM_BIT_LEN) &&
	    !quic_add_varint(sum, f->stream.len))
		return false;
	if (f->stream.len > QUIC_VARINT_MAX ||
	    f->stream.offset + f->stream.len > QUIC_VARINT_MAX)
		return false;
	*sum += f->stream.len;
	return true;
}

static bool quic_close_len(u64 *sum, const struct quic_frame *f)
{
	if (!quic_add_varint(sum, f->close.errcode))
		return false;
	if (f->type == QUIC_FRAME_CONNECTION_CLOSE &&
	    !quic_add_varint(sum, f->close.frame_type))
		return false;
	if (!quic_add_varint(sum, f->close.phrase_len))
		return false;
	*sum += f->close.phrase_len;
	return true;
}

/* Everything after the frame type, added to *@sum. */
static bool quic_body_len(u64 *sum, const struct quic_frame *f)
{
	switch (f->type) {
	case QUIC_FRAME_PADDING:
		if (f->padding_len)
			*sum += f->padding_len - 1;
		return true;
	case QUIC_FRAME_PING:
	case QUIC_FRAME_HANDSHAKE_DONE:
		return true;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		return quic_ack_len(sum, f);
	case QUIC_FRAME_RESET_STREAM:
		return quic_add_varint(sum, f->reset_stream.stream_id) &&
		       quic_add_varint(sum, f->reset_stream.errcode) &&
		       quic_add_varint(sum, f->reset_stream.final_size);
	case QUIC_FRAME_STOP_SENDING:
		return quic_add_varint(sum, f->stop_sending.stream_id) &&
		       quic_add_varint(sum, f->stop_sending.errcode);
	case QUIC_FRAME_CRYPTO:
		if (!quic_add_varint(sum, f->crypto.offset) ||
		    !quic_add_varint(sum, f->crypto.len) ||
		    f->crypto.offset + f->crypto.len > QUIC_VARINT_MAX)
			return false;
		*sum += f->crypto.len;
		return true;
	case QUIC_FRAME_NEW_TOKEN:
		if (!f->new_token.len ||
		    !quic_add_varint(sum, f->new_token.len))
			return false;
		*sum += f->new_token.len;
		return true;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		return quic_stream_len(sum, f);
	case QUIC_FRAME_MAX_DATA:
		return quic_add_varint(sum, f->max_data);
	case QUIC_FRAME_MAX_STREAM_DATA:
		return quic_add_varint(sum, f->max_stream_data.stream_id) &&
		       quic_add_varint(sum, f->max_stream_data.max);
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		return f->max_streams <= QUIC_STREAMS_MAX &&
		       quic_add_varint(sum, f->max_streams);
	case QUIC_FRAME_DATA_BLOCKED:
		return quic_add_varint(sum, f->data_blocked);
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		return quic_add_varint(sum,
				       f->stream_data_blocked.stream_id) &&
		       quic_add_varint(sum, f->stream_data_blocked.limit);
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		return f->streams_blocked <= QUIC_STREAMS_MAX &&
		       quic_add_varint(sum, f->streams_blocked);
	case QUIC_FRAME_NEW_CONNECTION_ID:
		if (!f->new_cid.cid.len ||
		    f->new_cid.cid.len > QUIC_CONN_ID_MAX_LEN ||
		    f->new_cid.retire_prior_to > f->new_cid.seq ||
		    !quic_add_varint(sum, f->new_cid.seq) ||
		    !quic_add_varint(sum, f->new_cid.retire_prior_to))
			return false;
		*sum += 1 + f->new_cid.cid.len + QUIC_RESET_TOKEN_LEN;
		return true;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		return quic_add_varint(sum, f->retire_seq);
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		*sum += QUIC_PATH_DATA_LEN;
		return true;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		return quic_close_len(sum, f);
	case QUIC_FRAME_DATAGRAM:
		*sum += f->datagram.len;
		return f->datagram.len <= QUIC_VARINT_MAX;
	case QUIC_FRAME_DATAGRAM_LEN:
		if (!quic_add_varint(sum, f->datagram.len))
			return false;
		*sum += f->datagram.len;
		return true;
	default:
		return false;
	}
}

u32 quic_frame_len(const struct quic_frame *f)
{
	u64 sum;

	if (!quic_frame_known(f->type))
		return 0;
	/* every known type fits in one byte, and is written so */
	sum = quic_varint_len(f->type);
	if (!quic_body_len(&sum, f) || sum > QUIC_FRAME_LEN_MAX)
		return 0;
	return sum;
}

static u8 *quic_encode_ack(u8 *p, const struct quic_frame *f)
{
	p = quic_put_varint(p, f->ack.largest);
	p = quic_put_varint(p, f->ack.delay);
	p = quic_put_varint(p, f->ack.range_count);
	p = quic_put_varint(p, f->ack.first_range);
	p = quic_put_bytes(p, f->ack.ranges, f->ack.ranges_len);
	if (f->type == QUIC_FRAME_ACK_ECN) {
		p = quic_put_varint(p, f->ack.ecn[0]);
		p = quic_put_varint(p, f->ack.ecn[1]);
		p = quic_put_varint(p, f->ack.ecn[2]);
	}
	return p;
}

static u8 *quic_encode_stream(u8 *p, const struct quic_frame *f)
{
	p = quic_put_varint(p, f->stream.stream_id);
	if (f->type & QUIC_STREAM_BIT_OFF)
		p = quic_put_varint(p, f->stream.offset);
	if (f->type & QUIC_STREAM_BIT_LEN)
		p = quic_put_varint(p, f->stream.len);
	return quic_put_bytes(p, f->stream.data, f->stream.len);
}

static u8 *quic_encode_close(u8 *p, const struct quic_frame *f)
{
	p = quic_put_varint(p, f->close.errcode);
	if (f->type == QUIC_FRAME_CONNECTION_CLOSE)
		p = quic_put_varint(p, f->close.frame_type);
	p = quic_put_varint(p, f->close.phrase_len);
	return quic_put_bytes(p, f->close.phrase, f->close.phrase_len);
}

u8 *quic_frame_encode(u8 *p, const struct quic_frame *f)
{
	const struct quic_conn_id *cid = &f->new_cid.cid;

	p = quic_put_varint(p, f->type);
	switch (f->type) {
	case QUIC_FRAME_PADDING:
		if (f->padding_len > 1) {
			memset(p, 0, f->padding_len - 1);
			p += f->padding_len - 1;
		}
		break;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		p = quic_encode_ack(p, f);
		break;
	case QUIC_FRAME_RESET_STREAM:
		p = quic_put_varint(p, f->reset_stream.stream_id);
		p = quic_put_varint(p, f->reset_stream.errcode);
		p = quic_put_varint(p, f->reset_stream.final_size);
		break;
	case QUIC_FRAME_STOP_SENDING:
		p = quic_put_varint(p, f->stop_sending.stream_id);
		p = quic_put_varint(p, f->stop_sending.errcode);
		break;
	case QUIC_FRAME_CRYPTO:
		p = quic_put_varint(p, f->crypto.offset);
		p = quic_put_varint(p, f->crypto.len);
		p = quic_put_bytes(p, f->crypto.data, f->crypto.len);
		break;
	case QUIC_FRAME_NEW_TOKEN:
		p = quic_put_varint(p, f->new_token.len);
		p = quic_put_bytes(p, f->new_token.token, f->new_token.len);
		break;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		p = quic_encode_stream(p, f);
		break;
	case QUIC_FRAME_MAX_DATA:
		p = quic_put_varint(p, f->max_data);
		break;
	case QUIC_FRAME_MAX_STREAM_DATA:
		p = quic_put_varint(p, f->max_stream_data.stream_id);
		p = quic_put_varint(p, f->max_stream_data.max);
		break;
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		p = quic_put_varint(p, f->max_streams);
		break;
	case QUIC_FRAME_DATA_BLOCKED:
		p = quic_put_varint(p, f->data_blocked);
		break;
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		p = quic_put_varint(p, f->stream_data_blocked.stream_id);
		p = quic_put_varint(p, f->stream_data_blocked.limit);
		break;
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		p = quic_put_varint(p, f->streams_blocked);
		break;
	case QUIC_FRAME_NEW_CONNECTION_ID:
		p = quic_put_varint(p, f->new_cid.seq);
		p = quic_put_varint(p, f->new_cid.retire_prior_to);
		p = quic_put_uint(p, cid->len, 1);
		p = quic_put_bytes(p, cid->data, cid->len);
		p = quic_put_bytes(p, f->new_cid.token, QUIC_RESET_TOKEN_LEN);
		break;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		p = quic_put_varint(p, f->retire_seq);
		break;
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		p = quic_put_bytes(p, f->path_data, QUIC_PATH_DATA_LEN);
		break;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		p = quic_encode_close(p, f);
		break;
	case QUIC_FRAME_DATAGRAM:
		p = quic_put_bytes(p, f->datagram.data, f->datagram.len);
		break;
	case QUIC_FRAME_DATAGRAM_LEN:
		p = quic_put_varint(p, f->datagram.len);
		p = quic_put_bytes(p, f->datagram.data, f->datagram.len);
		break;
	default:	/* PING, HANDSHAKE_DONE: the type is all */
		break;
	}
	return p;
}

void quic_ack_iter_init(struct quic_ack_iter *it, const struct quic_frame *f)
{
	memset(it, 0, sizeof(*it));
	if (f->type != QUIC_FRAME_ACK && f->type != QUIC_FRAME_ACK_ECN)
		return;
	if (f->ack.first_range > f->ack.largest)
		return;
	it->p = f->ack.ranges;
	it->len = f->ack.ranges_len;
	it->left = f->ack.range_count;
	it->largest = f->ack.largest;
	it->smallest = f->ack.largest - f->ack.first_range;
	it->more = true;
}

bool quic_ack_iter_next(struct quic_ack_iter *it, u64 *smallest,
			u64 *largest)
{
	if (!it->more)
		return false;
	*smallest = it->smallest;
	*largest = it->largest;
	if (it->left && it->p &&
	    quic_ack_range_next(&it->p, &it->len, &it->smallest,
				&it->largest))
		it->left--;
	else
		it->more = false;
	return true;
}
