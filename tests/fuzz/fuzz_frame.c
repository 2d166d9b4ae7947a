// SPDX-License-Identifier: GPL-2.0
/*
 * Frames: the first byte picks a packet type, the rest is a packet payload
 * decoded frame by frame.  Each frame is encoded again (exactly
 * quic_frame_len() bytes, never more than it took), decoded again and
 * compared; ACK frames have their ranges walked and checked.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wire_frame.h"

static void check(bool cond)
{
	if (!cond)
		abort();
}

static bool same_data(const u8 *a, u64 alen, const u8 *b, u64 blen)
{
	return alen == blen && (!alen || !memcmp(a, b, alen));
}

/* Walk the ranges; they must all be there, largest first, apart. */
static u64 walk_ack(const struct quic_frame *f, u64 *out, u64 max)
{
	struct quic_ack_iter it;
	u64 lo, hi, n = 0, prev_lo = 0;

	quic_ack_iter_init(&it, f);
	while (quic_ack_iter_next(&it, &lo, &hi)) {
		check(lo <= hi && hi <= QUIC_VARINT_MAX);
		if (n)
			check(hi + 1 < prev_lo);	/* a gap of at least 1 */
		else
			check(hi == f->ack.largest);
		if (2 * n + 1 < max) {
			out[2 * n] = lo;
			out[2 * n + 1] = hi;
		}
		prev_lo = lo;
		n++;
	}
	check(n == f->ack.range_count + 1);
	return n;
}

static void same_ack(const struct quic_frame *a, const struct quic_frame *b)
{
	u64 ra[64], rb[64], n, i;

	check(a->ack.largest == b->ack.largest);
	check(a->ack.delay == b->ack.delay);
	check(a->ack.range_count == b->ack.range_count);
	check(a->ack.first_range == b->ack.first_range);
	check(!memcmp(a->ack.ecn, b->ack.ecn, sizeof(a->ack.ecn)));
	n = walk_ack(a, ra, 64);
	check(walk_ack(b, rb, 64) == n);
	for (i = 0; i < 2 * n && i < 64; i++)
		check(ra[i] == rb[i]);
}

static void same(const struct quic_frame *a, const struct quic_frame *b)
{
	check(a->type == b->type);
	switch (a->type) {
	case QUIC_FRAME_PADDING:
		check(a->padding_len == b->padding_len);
		break;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		same_ack(a, b);
		break;
	case QUIC_FRAME_RESET_STREAM:
		check(a->reset_stream.stream_id == b->reset_stream.stream_id);
		check(a->reset_stream.errcode == b->reset_stream.errcode);
		check(a->reset_stream.final_size ==
		      b->reset_stream.final_size);
		break;
	case QUIC_FRAME_STOP_SENDING:
		check(a->stop_sending.stream_id == b->stop_sending.stream_id);
		check(a->stop_sending.errcode == b->stop_sending.errcode);
		break;
	case QUIC_FRAME_CRYPTO:
		check(a->crypto.offset == b->crypto.offset);
		check(same_data(a->crypto.data, a->crypto.len,
				b->crypto.data, b->crypto.len));
		break;
	case QUIC_FRAME_NEW_TOKEN:
		check(same_data(a->new_token.token, a->new_token.len,
				b->new_token.token, b->new_token.len));
		break;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		check(a->stream.stream_id == b->stream.stream_id);
		check(a->stream.offset == b->stream.offset);
		check(same_data(a->stream.data, a->stream.len,
				b->stream.data, b->stream.len));
		break;
	case QUIC_FRAME_MAX_DATA:
		check(a->max_data == b->max_data);
		break;
	case QUIC_FRAME_MAX_STREAM_DATA:
		check(a->max_stream_data.stream_id ==
		      b->max_stream_data.stream_id);
		check(a->max_stream_data.max == b->max_stream_data.max);
		break;
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		check(a->max_streams == b->max_streams);
		check(a->max_streams <= QUIC_STREAMS_MAX);
		break;
	case QUIC_FRAME_DATA_BLOCKED:
		check(a->data_blocked == b->data_blocked);
		break;
	case QUIC_FRAME_STREAM_DATA_BLOCKED:
		check(a->stream_data_blocked.stream_id ==
		      b->stream_data_blocked.stream_id);
		check(a->stream_data_blocked.limit ==
		      b->stream_data_blocked.limit);
		break;
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		check(a->streams_blocked == b->streams_blocked);
		check(a->streams_blocked <= QUIC_STREAMS_MAX);
		break;
	case QUIC_FRAME_NEW_CONNECTION_ID:
		check(a->new_cid.seq == b->new_cid.seq);
		check(a->new_cid.retire_prior_to == b->new_cid.retire_prior_to);
		check(a->new_cid.retire_prior_to <= a->new_cid.seq);
		check(a->new_cid.cid.len >= 1 &&
		      a->new_cid.cid.len <= QUIC_CONN_ID_MAX_LEN);
		check(same_data(a->new_cid.cid.data, a->new_cid.cid.len,
				b->new_cid.cid.data, b->new_cid.cid.len));
		check(!memcmp(a->new_cid.token, b->new_cid.token,
			      QUIC_RESET_TOKEN_LEN));
		break;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		check(a->retire_seq == b->retire_seq);
		break;
	case QUIC_FRAME_PATH_CHALLENGE:
	case QUIC_FRAME_PATH_RESPONSE:
		check(!memcmp(a->path_data, b->path_data, QUIC_PATH_DATA_LEN));
		break;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		check(a->close.errcode == b->close.errcode);
		check(a->close.frame_type == b->close.frame_type);
		check(same_data(a->close.phrase, a->close.phrase_len,
				b->close.phrase, b->close.phrase_len));
		break;
	case QUIC_FRAME_DATAGRAM:
	case QUIC_FRAME_DATAGRAM_LEN:
		check(same_data(a->datagram.data, a->datagram.len,
				b->datagram.data, b->datagram.len));
		break;
	case QUIC_FRAME_PING:
	case QUIC_FRAME_HANDSHAKE_DONE:
		break;
	default:
		abort();	/* decoded an unknown type */
	}
}

static void round_trip(const struct quic_frame *f, u32 used)
{
	struct quic_frame_error err;
	struct quic_frame g;
	u32 l = quic_frame_len(f), l2, n;
	const u8 *p;
	u8 *buf, *buf2;

	/* what decodes encodes, minimally: never longer than it was */
	check(l && l <= used);
	buf = malloc(l);
	check(buf);
	check(quic_frame_encode(buf, f) == buf + l);
	p = buf;
	n = l;
	check(quic_frame_decode(&p, &n, &g, &err));
	check(!n && p == buf + l);
	same(f, &g);

	/* and encoding is stable */
	l2 = quic_frame_len(&g);
	check(l2 == l);
	buf2 = malloc(l2);
	check(buf2);
	check(quic_frame_encode(buf2, &g) == buf2 + l2);
	check(!memcmp(buf, buf2, l));
	free(buf2);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_frame_error err;
	enum quic_pkt_level level;
	struct quic_frame f;
	const u8 *p;
	u32 len, before;

	if (!size || size > 0xffff)
		return 0;
	level = (enum quic_pkt_level)(data[0] & 3);
	p = data + 1;
	len = size - 1;
	while (len) {
		before = len;
		if (!quic_frame_decode(&p, &len, &f, &err)) {
			check(len == before);
			check(err.errcode == QUIC_TRANSPORT_ERROR_FRAME_ENCODING ||
			      err.errcode ==
			      QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION);
			break;
		}
		check(len < before);
		if (!quic_frame_allowed(f.type, QUIC_PKT_1RTT))
			abort();	/* every frame is allowed in 1-RTT */
		(void)quic_frame_allowed(f.type, level);
		(void)quic_frame_ack_eliciting(f.type);
		(void)quic_frame_probing(f.type);
		round_trip(&f, before - len);
	}
	return 0;
}
