// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC wire layer: packet headers (RFC 9000 section 17, RFC 9369 section
 * 3.2) and packet number encoding (RFC 9000 section 17.1, appendix A).
 */

#include "wire_packet.h"

/* Long Packet Type bits (0x30 of the first byte, shifted down). */
static const u8 quic_packet_v1_bits[] = {
	[QUIC_PACKET_INITIAL]	= 0x0,
	[QUIC_PACKET_0RTT]	= 0x1,
	[QUIC_PACKET_HANDSHAKE]	= 0x2,
	[QUIC_PACKET_RETRY]	= 0x3,
};

/* RFC 9369 section 3.2: every type moves. */
static const u8 quic_packet_v2_bits[] = {
	[QUIC_PACKET_INITIAL]	= 0x1,
	[QUIC_PACKET_0RTT]	= 0x2,
	[QUIC_PACKET_HANDSHAKE]	= 0x3,
	[QUIC_PACKET_RETRY]	= 0x0,
};

/* The inverse tables, indexed by the two type bits. */
static const u8 quic_packet_v1_types[] = {
	QUIC_PACKET_INITIAL, QUIC_PACKET_0RTT,
	QUIC_PACKET_HANDSHAKE, QUIC_PACKET_RETRY,
};

static const u8 quic_packet_v2_types[] = {
	QUIC_PACKET_RETRY, QUIC_PACKET_INITIAL,
	QUIC_PACKET_0RTT, QUIC_PACKET_HANDSHAKE,
};

static bool quic_packet_version_known(u32 version)
{
	return version == QUIC_VERSION_V1 || version == QUIC_VERSION_V2;
}

/* The first byte's type bits for a long header type, in place. */
static u8 quic_packet_type_bits(u32 version, enum quic_packet_type type)
{
	const u8 *bits = version == QUIC_VERSION_V2 ? quic_packet_v2_bits :
						      quic_packet_v1_bits;

	return bits[type] << 4;
}

/* A protected packet must hold the header protection sample. */
static bool quic_packet_has_sample(u32 pn_offset, u32 len)
{
	u64 end = (u64)pn_offset + QUIC_PACKET_HP_SAMPLE_OFFSET +
		  QUIC_PACKET_HP_SAMPLE_LEN;

	return end <= len;
}

static int quic_packet_parse_short(const u8 *p, u32 len, u8 dcid_len,
				   struct quic_packet_hdr *h)
{
	/* Our own connection IDs are v1/v2 ones. */
	if (dcid_len > QUIC_CONN_ID_MAX_LEN)
		return -EINVAL;
	if (!quic_packet_has_sample(1 + dcid_len, len))
		return -EINVAL;
	h->type = QUIC_PACKET_1RTT;
	h->dcid = p + 1;
	h->dcid_len = dcid_len;
	h->pn_offset = 1 + dcid_len;
	h->len = len;
	return 0;
}

/*
 * After the connection IDs of a v1 or v2 long header: what the type adds.
 * @q and @rem are the cursor there; @p and @len the whole packet.
 */
static int quic_packet_parse_long_rest(const u8 *p, u32 len, const u8 *q,
				       u32 rem, struct quic_packet_hdr *h)
{
	u64 token_len, length;
	const u8 *pn;

	if (h->type == QUIC_PACKET_RETRY) {
		/* RFC 9000 section 17.2.5: the rest of the datagram. */
		if (rem < QUIC_PACKET_RETRY_TAG_LEN)
			return -EINVAL;
		h->token = q;
		h->token_len = rem - QUIC_PACKET_RETRY_TAG_LEN;
		/* A client MUST discard a Retry with an empty token. */
		if (!h->token_len)
			return -EINVAL;
		h->retry_tag = q + h->token_len;
		h->len = len;
		return 0;
	}

	if (h->type == QUIC_PACKET_INITIAL) {
		if (!quic_get_varint(&q, &rem, &token_len) ||
		    !quic_get_bytes(&q, &rem, token_len, &h->token))
			return -EINVAL;
		h->token_len = token_len;
		if (!token_len)
			h->token = NULL;
	}

	/* Length covers the Packet Number and the payload. */
	if (!quic_get_varint(&q, &rem, &length) ||
	    !quic_get_bytes(&q, &rem, length, &pn))
		return -EINVAL;
	h->pn_offset = pn - p;
	h->len = h->pn_offset + length;
	if (!quic_packet_has_sample(h->pn_offset, h->len))
		return -EINVAL;
	return 0;
}

/**
 * quic_packet_parse - parse one packet's header, up to its packet number
 * @p: the packet: the start of a datagram or of a coalesced packet in it
 * @len: bytes from @p to the datagram's end
 * @short_dcid_len: the length of our connection IDs, which a short header
 *	does not give (at most 20)
 * @h: the parsed header; pointers point into @p
 *
 * Checks what can be checked before header protection is removed: field
 * lengths, connection ID lengths (at most 20 in v1 and v2), a Length field
 * that stays within the datagram, room for the header protection sample
 * (RFC 9001 section 5.4.2), a non-empty Version Negotiation list of whole
 * versions, a Retry with a token and a whole integrity tag.  The Fixed Bit
 * is reported in @h->fixed_bit, not checked: RFC 9287 lets a peer clear it.
 * The next coalesced packet, if any, starts at @p + @h->len.
 *
 * Return: 0 on success; -EINVAL for a malformed or truncated packet, to be
 * dropped; -EPROTONOSUPPORT for a long header of an unknown version, with
 * only @h->first, @h->version and the connection IDs (up to 255 bytes each)
 * filled in, for a Version Negotiation reply.
 */
int quic_packet_parse(const u8 *p, u32 len, u8 short_dcid_len,
		      struct quic_packet_hdr *h)
{
	u64 version, dcid_len, scid_len;
	const u8 *q = p;
	u32 rem = len;

	memset(h, 0, sizeof(*h));
	if (!len)
		return -EINVAL;
	h->first = p[0];
	h->fixed_bit = p[0] & QUIC_PACKET_FIXED_BIT;
	if (!(p[0] & QUIC_PACKET_FORM_LONG))
		return quic_packet_parse_short(p, len, short_dcid_len, h);

	/* RFC 8999: what every version's long header starts with. */
	q++;
	rem--;
	if (!quic_get_uint(&q, &rem, 4, &version) ||
	    !quic_get_uint(&q, &rem, 1, &dcid_len) ||
	    !quic_get_bytes(&q, &rem, dcid_len, &h->dcid) ||
	    !quic_get_uint(&q, &rem, 1, &scid_len) ||
	    !quic_get_bytes(&q, &rem, scid_len, &h->scid))
		return -EINVAL;
	h->version = version;
	h->dcid_len = dcid_len;
	h->scid_len = scid_len;

	if (!version) {
		/* RFC 9000 section 17.2.1: the rest is the version list. */
		if (!rem || rem % 4)
			return -EINVAL;
		h->type = QUIC_PACKET_VERSION_NEGOTIATION;
		h->versions = q;
		h->versions_count = rem / 4;
		h->len = len;
		return 0;
	}
	if (!quic_packet_version_known(version))
		return -EPROTONOSUPPORT;

	/* RFC 9000 section 17.2: v1 (and v2) MUST drop longer ones. */
	if (dcid_len > QUIC_CONN_ID_MAX_LEN || scid_len > QUIC_CONN_ID_MAX_LEN)
		return -EINVAL;
	if (version == QUIC_VERSION_V2)
		h->type = quic_packet_v2_types[(p[0] >> 4) & 0x3];
	else
		h->type = quic_packet_v1_types[(p[0] >> 4) & 0x3];
	return quic_packet_parse_long_rest(p, len, q, rem, h);
}

/**
 * quic_packet_quoted_scid - the Source Connection ID of a quoted packet
 * @p: the start of a packet we sent, as an ICMP error quotes it
 * @len: the bytes quoted, often fewer than the packet had
 * @scid: set to the Source Connection ID
 * @scid_len: set to its length
 *
 * Only what RFC 8999 fixes for every version's long header is read: a
 * short header names no connection of ours.
 *
 * Return: 0, or -EINVAL if @p is not a long header or is cut too short.
 */
int quic_packet_quoted_scid(const u8 *p, u32 len, const u8 **scid,
			    u32 *scid_len)
{
	u64 version, dcid_len, n;
	const u8 *q = p + 1, *dcid;
	u32 rem;

	if (!len || !(p[0] & QUIC_PACKET_FORM_LONG))
		return -EINVAL;
	rem = len - 1;
	if (!quic_get_uint(&q, &rem, 4, &version) ||
	    !quic_get_uint(&q, &rem, 1, &dcid_len) ||
	    !quic_get_bytes(&q, &rem, dcid_len, &dcid) ||
	    !quic_get_uint(&q, &rem, 1, &n) ||
	    !quic_get_bytes(&q, &rem, n, scid))
		return -EINVAL;
	*scid_len = n;
	return 0;
}

/**
 * quic_packet_pn_decode - recover a full packet number
 * @largest_pn: the largest packet number processed so far in the space;
 *	(u64)-1 if none, which makes the next expected one 0
 * @truncated_pn: the Packet Number field, unprotected
 * @pn_nbits: its size in bits: 8, 16, 24 or 32
 *
 * RFC 9000 appendix A.3: the number closest to @largest_pn + 1 that ends in
 * @truncated_pn, without going below 0 or, when it can be avoided, above
 * 2^62-1.  Near the top the answer can still be 2^62 or more, which no
 * packet may have: the caller drops such a packet.
 *
 * Return: the full packet number; @truncated_pn if @pn_nbits is not 1..32.
 */
u64 quic_packet_pn_decode(u64 largest_pn, u64 truncated_pn, u32 pn_nbits)
{
	u64 expected = largest_pn + 1;
	u64 win, hwin, mask, candidate;

	if (!pn_nbits || pn_nbits > 32)
		return truncated_pn;
	win = BIT_ULL(pn_nbits);
	hwin = win / 2;
	mask = win - 1;
	candidate = (expected & ~mask) | (truncated_pn & mask);

	/* candidate <= expected - hwin, where the difference may be < 0 */
	if (candidate + hwin <= expected &&
	    candidate < QUIC_PACKET_PN_LIMIT - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

/**
 * quic_packet_pn_encode_len - how many bytes to send a packet number on
 * @full_pn: the packet number being sent
 * @largest_acked: the largest acknowledged in the space, if @any_acked
 * @any_acked: whether any packet of the space has been acknowledged
 *
 * RFC 9000 section 17.1 and appendix A.2: enough bits for twice the number
 * of unacknowledged packet numbers, including this one.  Before any
 * acknowledgment that number is @full_pn + 1, so that the whole packet
 * number is sent.
 *
 * Return: 1 to 4; 4 also when even that is too short, and when @full_pn is
 * not above @largest_acked (which a caller should never ask).
 */
u32 quic_packet_pn_encode_len(u64 full_pn, u64 largest_acked,
			      bool any_acked)
{
	u64 unacked;
	u32 n;

	if (!any_acked)
		unacked = full_pn + 1;
	else if (full_pn > largest_acked)
		unacked = full_pn - largest_acked;
	else
		return QUIC_PACKET_PN_MAX_LEN;

	/*
	 * ceil((log2(unacked) + 1) / 8) <= n  <=>  unacked <= 2^(8n - 1).
	 * unacked is at least 1 here: full_pn + 1 cannot wrap below 2^62.
	 */
	for (n = 1; n < QUIC_PACKET_PN_MAX_LEN; n++)
		if (unacked <= BIT_ULL(8 * n - 1))
			return n;
	return QUIC_PACKET_PN_MAX_LEN;
}

static bool quic_packet_pn_ok(u64 pn, u32 pn_len)
{
	return pn < QUIC_PACKET_PN_LIMIT && pn_len >= 1 &&
	       pn_len <= QUIC_PACKET_PN_MAX_LEN;
}

/* Sizes are computed in u64; a header must fit in a u32. */
static u32 quic_packet_u32_len(u64 n)
{
	return n > (u32)~0U ? 0 : n;
}

/* Version, both connection IDs and their lengths. */
static u64 quic_packet_cids_len(u32 dcid_len, u32 scid_len)
{
	return 4 + 1 + (u64)dcid_len + 1 + scid_len;
}

static u8 *quic_packet_put_cids(u8 *p, u32 version, const u8 *dcid,
				u32 dcid_len, const u8 *scid, u32 scid_len)
{
	p = quic_put_uint(p, version, 4);
	p = quic_put_uint(p, dcid_len, 1);
	p = quic_put_bytes(p, dcid, dcid_len);
	p = quic_put_uint(p, scid_len, 1);
	return quic_put_bytes(p, scid, scid_len);
}

/**
 * quic_packet_long_len - bytes that quic_packet_put_long() will write
 * @l: the header
 *
 * Return: the header's length, up to and including the Packet Number
 * field, or 0 if it cannot be written: not an Initial, 0-RTT or Handshake
 * packet, a version other than 1 and 2, a connection ID over 20 bytes, a
 * token outside an Initial, a packet number of 2^62 or more, @l->pn_len
 * outside 1..4, or a Length (@l->pn_len + @l->payload_len) over 2^62-1.
 */
u32 quic_packet_long_len(const struct quic_packet_long *l)
{
	u64 length;

	if (l->type != QUIC_PACKET_INITIAL && l->type != QUIC_PACKET_0RTT &&
	    l->type != QUIC_PACKET_HANDSHAKE)
		return 0;
	if (!quic_packet_version_known(l->version) ||
	    l->dcid_len > QUIC_CONN_ID_MAX_LEN ||
	    l->scid_len > QUIC_CONN_ID_MAX_LEN ||
	    !quic_packet_pn_ok(l->pn, l->pn_len) ||
	    l->payload_len > QUIC_VARINT_MAX)
		return 0;
	if (l->type != QUIC_PACKET_INITIAL && l->token_len)
		return 0;
	length = l->pn_len + l->payload_len;
	if (length > QUIC_VARINT_MAX)
		return 0;

	return quic_packet_u32_len(1 + quic_packet_cids_len(l->dcid_len,
							    l->scid_len) +
				   (l->type == QUIC_PACKET_INITIAL ?
				    quic_varint_len(l->token_len) +
				    (u64)l->token_len : 0) +
				   quic_varint_len(length) + l->pn_len);
}

/**
 * quic_packet_put_long - write an Initial, 0-RTT or Handshake header
 * @p: where to write; quic_packet_long_len(@l) bytes must be available
 * @l: the header
 *
 * Writes the first byte (Fixed Bit set, the version's type bits, reserved
 * bits 0, the packet number length), the connection IDs, the token of an
 * Initial, the Length field on as few bytes as it takes, and the low
 * @l->pn_len bytes of @l->pn.  The payload goes right after; the Packet
 * Number field starts @l->pn_len bytes before the returned pointer.
 *
 * Return: the end of what was written, or NULL (nothing written) if
 * quic_packet_long_len(@l) is 0.
 */
u8 *quic_packet_put_long(u8 *p, const struct quic_packet_long *l)
{
	if (!quic_packet_long_len(l))
		return NULL;

	*p++ = QUIC_PACKET_FORM_LONG | QUIC_PACKET_FIXED_BIT |
	       quic_packet_type_bits(l->version, l->type) | (l->pn_len - 1);
	p = quic_packet_put_cids(p, l->version, l->dcid, l->dcid_len,
				 l->scid, l->scid_len);
	if (l->type == QUIC_PACKET_INITIAL) {
		p = quic_put_varint(p, l->token_len);
		p = quic_put_bytes(p, l->token, l->token_len);
	}
	p = quic_put_varint(p, l->pn_len + l->payload_len);
	return quic_put_uint(p, l->pn, l->pn_len);
}

/**
 * quic_packet_short_len - bytes that quic_packet_put_short() will write
 * @dcid_len: the Destination Connection ID's length, at most 20
 * @pn_len: the Packet Number field's length, 1 to 4
 *
 * Return: the header's length, or 0 if either is out of range.
 */
u32 quic_packet_short_len(u32 dcid_len, u32 pn_len)
{
	if (dcid_len > QUIC_CONN_ID_MAX_LEN || pn_len < 1 ||
	    pn_len > QUIC_PACKET_PN_MAX_LEN)
		return 0;
	return 1 + dcid_len + pn_len;
}

/**
 * quic_packet_put_short - write a 1-RTT (short) header
 * @p: where to write; quic_packet_short_len() bytes must be available
 * @dcid: the Destination Connection ID
 * @dcid_len: its length, at most 20
 * @pn: the full packet number, below 2^62; its low @pn_len bytes are sent
 * @pn_len: the Packet Number field's length, 1 to 4
 * @key_phase: the Key Phase bit
 * @spin: the latency spin bit
 *
 * The Fixed Bit is set and the reserved bits are 0 (RFC 9000 17.3.1).
 *
 * Return: the end of what was written, or NULL (nothing written) if an
 * argument is out of range.
 */
u8 *quic_packet_put_short(u8 *p, const u8 *dcid, u32 dcid_len, u64 pn,
			  u32 pn_len, bool key_phase, bool spin)
{
	if (!quic_packet_short_len(dcid_len, pn_len) ||
	    !quic_packet_pn_ok(pn, pn_len))
		return NULL;

	*p++ = QUIC_PACKET_FIXED_BIT |
	       (spin ? QUIC_PACKET_SHORT_SPIN_BIT : 0) |
	       (key_phase ? QUIC_PACKET_SHORT_KEY_PHASE : 0) | (pn_len - 1);
	p = quic_put_bytes(p, dcid, dcid_len);
	return quic_put_uint(p, pn, pn_len);
}

/**
 * quic_packet_vn_len - bytes that quic_packet_put_vn() will write
 * @dcid_len: the Destination Connection ID's length, at most 255
 * @scid_len: the Source Connection ID's length, at most 255
 * @count: the number of versions, at least 1
 *
 * Return: the packet's length, or 0 if an argument is out of range.
 */
u32 quic_packet_vn_len(u32 dcid_len, u32 scid_len, u32 count)
{
	if (dcid_len > QUIC_PACKET_ANY_CONN_ID_MAX_LEN ||
	    scid_len > QUIC_PACKET_ANY_CONN_ID_MAX_LEN || !count)
		return 0;
	return quic_packet_u32_len(1 + quic_packet_cids_len(dcid_len,
							    scid_len) +
				   4 * (u64)count);
}

/**
 * quic_packet_put_vn - write a Version Negotiation packet
 * @p: where to write; quic_packet_vn_len() bytes must be available
 * @unused: the first byte's 6 low bits, arbitrary (RFC 9000 17.2.1)
 * @dcid: the Destination Connection ID: the Source one received
 * @dcid_len: its length; up to 255, since it echoes a connection ID of a
 *	version we may not know (RFC 8999)
 * @scid: the Source Connection ID: the Destination one received
 * @scid_len: its length, up to 255
 * @versions: the supported versions
 * @count: how many, at least 1
 *
 * The first byte is 0x80 | 0x40 | (@unused & 0x3f): RFC 9000 section
 * 17.2.1 says servers SHOULD set 0x40 so that the packet looks like QUIC.
 *
 * Return: the end of what was written, or NULL (nothing written) if an
 * argument is out of range.
 */
u8 *quic_packet_put_vn(u8 *p, u8 unused, const u8 *dcid, u32 dcid_len,
		       const u8 *scid, u32 scid_len, const u32 *versions,
		       u32 count)
{
	u32 i;

	if (!quic_packet_vn_len(dcid_len, scid_len, count))
		return NULL;

	*p++ = QUIC_PACKET_FORM_LONG | QUIC_PACKET_FIXED_BIT | (unused & 0x3f);
	p = quic_packet_put_cids(p, 0, dcid, dcid_len, scid, scid_len);
	for (i = 0; i < count; i++)
		p = quic_put_uint(p, versions[i], 4);
	return p;
}

/**
 * quic_packet_retry_len - bytes that quic_packet_put_retry() will write
 * @dcid_len: the Destination Connection ID's length, at most 20
 * @scid_len: the Source Connection ID's length, at most 20
 * @token_len: the Retry Token's length, at least 1
 *
 * Return: the length of the Retry packet without its integrity tag, or 0
 * if an argument is out of range.
 */
u32 quic_packet_retry_len(u32 dcid_len, u32 scid_len, u32 token_len)
{
	/* An empty token would make the client discard the Retry. */
	if (dcid_len > QUIC_CONN_ID_MAX_LEN ||
	    scid_len > QUIC_CONN_ID_MAX_LEN || !token_len)
		return 0;
	return quic_packet_u32_len(1 + quic_packet_cids_len(dcid_len,
							    scid_len) +
				   token_len);
}

/**
 * quic_packet_put_retry - write a Retry packet, but not its integrity tag
 * @p: where to write; quic_packet_retry_len() bytes must be available
 * @version: QUIC_VERSION_V1 or QUIC_VERSION_V2
 * @unused: the first byte's 4 low bits, arbitrary (RFC 9000 17.2.5)
 * @dcid: the Destination Connection ID: the client's Source one
 * @dcid_len: its length, at most 20
 * @scid: the Source Connection ID, chosen by the server
 * @scid_len: its length, at most 20
 * @token: the Retry Token
 * @token_len: its length, at least 1
 *
 * The caller appends the tag, computed over quic_packet_retry_pseudo().
 *
 * Return: the end of what was written, or NULL (nothing written) if an
 * argument is out of range.
 */
u8 *quic_packet_put_retry(u8 *p, u32 version, u8 unused, const u8 *dcid,
			  u32 dcid_len, const u8 *scid, u32 scid_len,
			  const u8 *token, u32 token_len)
{
	if (!quic_packet_version_known(version) ||
	    !quic_packet_retry_len(dcid_len, scid_len, token_len))
		return NULL;

	*p++ = QUIC_PACKET_FORM_LONG | QUIC_PACKET_FIXED_BIT |
	       quic_packet_type_bits(version, QUIC_PACKET_RETRY) |
	       (unused & 0x0f);
	p = quic_packet_put_cids(p, version, dcid, dcid_len, scid, scid_len);
	return quic_put_bytes(p, token, token_len);
}

/**
 * quic_packet_retry_pseudo_len - bytes quic_packet_retry_pseudo() writes
 * @odcid_len: the Original Destination Connection ID's length, at most 20
 * @retry_len: the Retry packet's length without its tag
 *
 * Return: the pseudo-packet's length, or 0 if @odcid_len is over 20.
 */
u32 quic_packet_retry_pseudo_len(u32 odcid_len, u32 retry_len)
{
	if (odcid_len > QUIC_CONN_ID_MAX_LEN)
		return 0;
	return quic_packet_u32_len(1 + (u64)odcid_len + retry_len);
}

/**
 * quic_packet_retry_pseudo - write the Retry Pseudo-Packet
 * @p: where to write; quic_packet_retry_pseudo_len() bytes must be
 *	available
 * @odcid: the Destination Connection ID of the client's first Initial
 * @odcid_len: its length, at most 20
 * @retry: the Retry packet, from its first byte to just before its tag:
 *	what quic_packet_put_retry() wrote, or a received one's first
 *	@h->len - 16 bytes
 * @retry_len: its length
 *
 * RFC 9001 section 5.8: ODCID Length, ODCID, then the Retry packet without
 * its tag.  This is the associated data the Retry Integrity Tag covers.
 *
 * Return: the end of what was written, or NULL (nothing written) if
 * @odcid_len is over 20.
 */
u8 *quic_packet_retry_pseudo(u8 *p, const u8 *odcid, u32 odcid_len,
			     const u8 *retry, u32 retry_len)
{
	if (!quic_packet_retry_pseudo_len(odcid_len, retry_len))
		return NULL;

	p = quic_put_uint(p, odcid_len, 1);
	p = quic_put_bytes(p, odcid, odcid_len);
	return quic_put_bytes(p, retry, retry_len);
}
