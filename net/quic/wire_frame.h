/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC wire layer: frames (RFC 9000 section 19, RFC 9221 DATAGRAM).
 */

#ifndef __NET_QUIC_WIRE_FRAME_H
#define __NET_QUIC_WIRE_FRAME_H

#include "wire.h"

enum quic_frame_type {
	QUIC_FRAME_PADDING		= 0x00,
	QUIC_FRAME_PING			= 0x01,
	QUIC_FRAME_ACK			= 0x02,
	QUIC_FRAME_ACK_ECN		= 0x03,
	QUIC_FRAME_RESET_STREAM		= 0x04,
	QUIC_FRAME_STOP_SENDING		= 0x05,
	QUIC_FRAME_CRYPTO		= 0x06,
	QUIC_FRAME_NEW_TOKEN		= 0x07,
	QUIC_FRAME_STREAM		= 0x08,	/* to 0x0f: OFF, LEN, FIN bits */
	QUIC_FRAME_MAX_DATA		= 0x10,
	QUIC_FRAME_MAX_STREAM_DATA	= 0x11,
	QUIC_FRAME_MAX_STREAMS_BIDI	= 0x12,
	QUIC_FRAME_MAX_STREAMS_UNI	= 0x13,
	QUIC_FRAME_DATA_BLOCKED		= 0x14,
	QUIC_FRAME_STREAM_DATA_BLOCKED	= 0x15,
	QUIC_FRAME_STREAMS_BLOCKED_BIDI	= 0x16,
	QUIC_FRAME_STREAMS_BLOCKED_UNI	= 0x17,
	QUIC_FRAME_NEW_CONNECTION_ID	= 0x18,
	QUIC_FRAME_RETIRE_CONNECTION_ID	= 0x19,
	QUIC_FRAME_PATH_CHALLENGE	= 0x1a,
	QUIC_FRAME_PATH_RESPONSE	= 0x1b,
	QUIC_FRAME_CONNECTION_CLOSE	= 0x1c,
	QUIC_FRAME_CONNECTION_CLOSE_APP	= 0x1d,
	QUIC_FRAME_HANDSHAKE_DONE	= 0x1e,
	QUIC_FRAME_DATAGRAM		= 0x30,
	QUIC_FRAME_DATAGRAM_LEN		= 0x31,
};

#define QUIC_STREAM_BIT_FIN	0x01
#define QUIC_STREAM_BIT_LEN	0x02
#define QUIC_STREAM_BIT_OFF	0x04
#define QUIC_FRAME_STREAM_LAST	0x0f

/* Packet types, as the frame table (RFC 9000 section 12.4) sees them. */
enum quic_pkt_level {
	QUIC_PKT_INITIAL,
	QUIC_PKT_0RTT,
	QUIC_PKT_HANDSHAKE,
	QUIC_PKT_1RTT,
};

/*
 * A decoded frame.  Variable-length data (STREAM and CRYPTO data, tokens,
 * reason phrases, ACK ranges after the first) points into the buffer that
 * was decoded; it is valid as long as that buffer is.  Fixed-size data
 * (connection IDs, reset tokens, path data) is copied.
 */
struct quic_frame {
	u64 type;		/* as on the wire, e.g. 0x0b for STREAM+OFF+LEN */
	union {
		/*
		 * PADDING: a run of consecutive 0x00 bytes is decoded as one
		 * frame of @padding_len bytes; encoding writes as many (0 is
		 * taken as 1).
		 */
		u32 padding_len;
		struct {
			u64 largest;
			u64 delay;		/* encoded, not scaled */
			u64 range_count;	/* ranges after the first */
			u64 first_range;
			const u8 *ranges;	/* range_count (gap, length) */
			u32 ranges_len;		/* bytes at @ranges */
			u64 ecn[3];		/* ECT0, ECT1, ECN-CE (0x03) */
		} ack;
		struct {
			u64 stream_id;
			u64 errcode;
			u64 final_size;
		} reset_stream;
		struct {
			u64 stream_id;
			u64 errcode;
		} stop_sending;
		struct {
			u64 offset;
			u64 len;
			const u8 *data;
		} crypto;
		struct {
			u64 len;
			const u8 *token;
		} new_token;
		struct {
			u64 stream_id;
			u64 offset;	/* 0 when the OFF bit is clear */
			u64 len;	/* to the packet's end without LEN */
			const u8 *data;
		} stream;
		u64 max_data;			/* MAX_DATA */
		struct {
			u64 stream_id;
			u64 max;
		} max_stream_data;
		u64 max_streams;		/* MAX_STREAMS (both) */
		u64 data_blocked;		/* DATA_BLOCKED */
		struct {
			u64 stream_id;
			u64 limit;
		} stream_data_blocked;
		u64 streams_blocked;		/* STREAMS_BLOCKED (both) */
		struct {
			u64 seq;
			u64 retire_prior_to;
			struct quic_conn_id cid;
			u8 token[QUIC_RESET_TOKEN_LEN];
		} new_cid;
		u64 retire_seq;			/* RETIRE_CONNECTION_ID */
		u8 path_data[QUIC_PATH_DATA_LEN]; /* PATH_CHALLENGE/RESPONSE */
		struct {
			u64 errcode;
			u64 frame_type;		/* 0x1c only */
			u64 phrase_len;
			const u8 *phrase;
		} close;
		struct {
			u64 len;	/* to the packet's end for 0x30 */
			const u8 *data;
		} datagram;
	};
};

/* Where a decode failed, for the CONNECTION_CLOSE that reports it. */
struct quic_frame_error {
	u64 errcode;		/* QUIC_TRANSPORT_ERROR_* */
	u64 frame_type;		/* the offending frame's type, 0 if not read */
};

/**
 * quic_frame_decode - decode the frame at the start of a packet payload
 * @p: cursor at the frame; advanced past it on success
 * @len: bytes left in the payload; frames without a length take them all
 * @f: the decoded frame
 * @err: on failure, the transport error and frame type to close with
 *
 * Checks everything that can be checked without connection state: lengths,
 * the minimal encoding of the frame type, value limits (2^62 offsets,
 * 2^60 streams, 1..20 byte connection IDs, retire_prior_to <= seq, non-empty
 * tokens, ACK ranges that stay above zero).  A run of PADDING bytes is one
 * frame.  Whether the frame may appear in the packet is not checked here:
 * see quic_frame_allowed().
 *
 * Return: true on success.  On failure @err is FRAME_ENCODING_ERROR for a
 * truncated, malformed or unknown frame, PROTOCOL_VIOLATION for a frame type
 * encoded on more bytes than needed; @p, @len and @f are then undefined
 * except that @p and @len are not advanced.
 */
bool quic_frame_decode(const u8 **p, u32 *len, struct quic_frame *f,
		       struct quic_frame_error *err);

/**
 * quic_frame_len - bytes that quic_frame_encode() will write
 * @f: the frame; its type says which member is used
 *
 * Refuses every frame that quic_frame_decode() would refuse, so that what is
 * encoded decodes again.  For ACK frames, @f->ack.ranges must hold exactly
 * @f->ack.range_count (gap, length) pairs in exactly @f->ack.ranges_len
 * bytes, none going below packet number 0.  STREAM without the OFF bit needs
 * an offset of 0.
 *
 * Return: the length, or 0 if the frame cannot be encoded (unknown type, a
 * value above 2^62-1, a connection ID of 0 or more than 20 bytes, an empty
 * token, more than 2^60 streams, offset + length above 2^62-1, inconsistent
 * ACK ranges, retire_prior_to above seq, a length above 2^32-1).
 */
u32 quic_frame_len(const struct quic_frame *f);

/**
 * quic_frame_encode - write a frame
 * @p: where to write; quic_frame_len(@f) bytes must be available
 * @f: a frame for which quic_frame_len() returned non-zero
 *
 * The frame type is written in its shortest form.  STREAM without the LEN
 * bit and DATAGRAM 0x30 write their data and must be the last frame of a
 * packet.  ACK ranges are copied as they are.
 *
 * Return: the end of what was written, @p + quic_frame_len(@f).
 */
u8 *quic_frame_encode(u8 *p, const struct quic_frame *f);

/**
 * quic_frame_allowed - may a frame appear in this type of packet
 * @type: the frame type
 * @level: the packet type
 *
 * RFC 9000 section 12.4, table 3; RFC 9221 section 4 for DATAGRAM (0-RTT
 * and 1-RTT only).  A frame where it is not allowed is a PROTOCOL_VIOLATION.
 *
 * Return: true if allowed, false if not or if @type is unknown.
 */
bool quic_frame_allowed(u64 type, enum quic_pkt_level level);

/**
 * quic_frame_ack_eliciting - does a frame make its packet ack-eliciting
 * @type: the frame type
 *
 * RFC 9002 section 2 and RFC 9000 section 13.2; DATAGRAM is ack-eliciting
 * (RFC 9221 section 5.2), and so must be any extension frame (RFC 9000
 * section 19.21).
 *
 * Return: false for ACK, PADDING and CONNECTION_CLOSE, true otherwise.
 */
bool quic_frame_ack_eliciting(u64 type);

/**
 * quic_frame_probing - is a frame a probing frame
 * @type: the frame type
 *
 * RFC 9000 section 9.1: a packet of probing frames only may probe a path.
 *
 * Return: true for PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID and
 * PADDING, false otherwise.
 */
bool quic_frame_probing(u64 type);

/* Walks the ranges of an ACK frame; set up by quic_ack_iter_init(). */
struct quic_ack_iter {
	const u8 *p;		/* (gap, length) pairs not read yet */
	u32 len;		/* bytes at @p */
	u64 left;		/* pairs still to read from @p */
	u64 largest;		/* the range the next call returns */
	u64 smallest;
	bool more;		/* false once every range was returned */
};

/**
 * quic_ack_iter_init - start walking the ranges of an ACK frame
 * @it: the iterator
 * @f: an ACK or ACK_ECN frame; any other frame gives no range
 */
void quic_ack_iter_init(struct quic_ack_iter *it, const struct quic_frame *f);

/**
 * quic_ack_iter_next - walk the ranges of a decoded ACK frame
 * @it: set up by quic_ack_iter_init() from an ACK frame that
 *	quic_frame_decode() returned (it validated the ranges)
 * @smallest: set to the smallest packet number of the range
 * @largest: set to the largest packet number of the range
 *
 * Ranges come largest first, @f->ack.range_count + 1 of them.  Ranges that
 * were not validated stop the walk where they go wrong, safely.
 *
 * Return: false when there are no more.
 */
bool quic_ack_iter_next(struct quic_ack_iter *it, u64 *smallest,
			u64 *largest);

#endif /* __NET_QUIC_WIRE_FRAME_H */
