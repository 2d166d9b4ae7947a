/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC wire layer: packet headers (RFC 9000 section 17, RFC 9369 section
 * 3.2) and packet number encoding (RFC 9000 section 17.1, appendix A).
 *
 * The parser stops at the Packet Number field: it and the low bits of the
 * first byte are under header protection (RFC 9001 section 5.4), which the
 * crypto layer removes.  The builders write unprotected headers.
 */

#ifndef __NET_QUIC_WIRE_PACKET_H
#define __NET_QUIC_WIRE_PACKET_H

#include "wire.h"

enum quic_packet_type {
	QUIC_PACKET_INITIAL,
	QUIC_PACKET_0RTT,
	QUIC_PACKET_HANDSHAKE,
	QUIC_PACKET_RETRY,
	QUIC_PACKET_VERSION_NEGOTIATION,
	QUIC_PACKET_1RTT,
};

/* First byte, RFC 9000 sections 17.2 and 17.3.1. */
#define QUIC_PACKET_FORM_LONG		0x80
#define QUIC_PACKET_FIXED_BIT		0x40
#define QUIC_PACKET_LONG_TYPE_MASK	0x30
#define QUIC_PACKET_LONG_RESERVED	0x0c	/* must be 0 once unprotected */
#define QUIC_PACKET_SHORT_SPIN_BIT	0x20
#define QUIC_PACKET_SHORT_RESERVED	0x18	/* must be 0 once unprotected */
#define QUIC_PACKET_SHORT_KEY_PHASE	0x04
#define QUIC_PACKET_PN_LEN_MASK		0x03

/* The first-byte bits under header protection, RFC 9001 section 5.4.1. */
#define QUIC_PACKET_LONG_HP_MASK	0x0f
#define QUIC_PACKET_SHORT_HP_MASK	0x1f

#define QUIC_PACKET_PN_MAX_LEN		4
#define QUIC_PACKET_PN_LIMIT		BIT_ULL(62)	/* numbers are below */
/* RFC 9001 section 5.4.2: 16 bytes, 4 after the Packet Number's start. */
#define QUIC_PACKET_HP_SAMPLE_OFFSET	4
#define QUIC_PACKET_HP_SAMPLE_LEN	16
#define QUIC_PACKET_RETRY_TAG_LEN	16	/* RFC 9001 section 5.8 */
/* Connection IDs of other versions, for Version Negotiation (RFC 8999). */
#define QUIC_PACKET_ANY_CONN_ID_MAX_LEN	255

/*
 * A parsed header.  Pointers point into the parsed buffer.  Fields that the
 * packet type does not have are 0 or NULL.
 */
struct quic_packet_hdr {
	enum quic_packet_type	type;
	u8			first;		/* as read: still protected */
	bool			fixed_bit;	/* 0x40 of @first */
	u8			dcid_len;
	u8			scid_len;	/* long headers only */
	u32			version;	/* 0 for VN and short headers */
	const u8		*dcid;
	const u8		*scid;
	const u8		*token;		/* Initial token, Retry token */
	u32			token_len;
	u32			pn_offset;	/* from the packet's start */
	u32			len;		/* the whole packet */
	const u8		*retry_tag;	/* QUIC_PACKET_RETRY_TAG_LEN */
	const u8		*versions;	/* VN: 4 bytes each, big-endian */
	u32			versions_count;
};

int quic_packet_parse(const u8 *p, u32 len, u8 short_dcid_len,
		      struct quic_packet_hdr *h);
int quic_packet_quoted_scid(const u8 *p, u32 len, const u8 **scid,
			    u32 *scid_len);

/* Supported Version @i (below @h->versions_count) of a parsed VN packet. */
static inline u32 quic_packet_vn_version(const struct quic_packet_hdr *h,
					 u32 i)
{
	const u8 *v = h->versions + 4 * i;

	return (u32)v[0] << 24 | (u32)v[1] << 16 | (u32)v[2] << 8 | v[3];
}

/* Packet Number field length, from a first byte without header protection. */
static inline u32 quic_packet_pn_len(u8 first)
{
	return (first & QUIC_PACKET_PN_LEN_MASK) + 1;
}

u64 quic_packet_pn_decode(u64 largest_pn, u64 truncated_pn, u32 pn_nbits);
u32 quic_packet_pn_encode_len(u64 full_pn, u64 largest_acked,
			      bool any_acked);

/* What quic_packet_put_long() writes: an Initial, 0-RTT or Handshake. */
struct quic_packet_long {
	enum quic_packet_type	type;
	u32			version;	/* QUIC_VERSION_V1 or _V2 */
	const u8		*dcid;
	const u8		*scid;
	const u8		*token;		/* Initial only */
	u32			dcid_len;	/* at most 20 */
	u32			scid_len;	/* at most 20 */
	u32			token_len;	/* 0 unless Initial */
	u32			pn_len;		/* 1 to 4 */
	u64			pn;		/* full; the low bytes go out */
	u64			payload_len;	/* after the Packet Number */
};

u32 quic_packet_long_len(const struct quic_packet_long *l);
u8 *quic_packet_put_long(u8 *p, const struct quic_packet_long *l);

u32 quic_packet_short_len(u32 dcid_len, u32 pn_len);
u8 *quic_packet_put_short(u8 *p, const u8 *dcid, u32 dcid_len, u64 pn,
			  u32 pn_len, bool key_phase, bool spin);

u32 quic_packet_vn_len(u32 dcid_len, u32 scid_len, u32 count);
u8 *quic_packet_put_vn(u8 *p, u8 unused, const u8 *dcid, u32 dcid_len,
		       const u8 *scid, u32 scid_len, const u32 *versions,
		       u32 count);

u32 quic_packet_retry_len(u32 dcid_len, u32 scid_len, u32 token_len);
u8 *quic_packet_put_retry(u8 *p, u32 version, u8 unused, const u8 *dcid,
			  u32 dcid_len, const u8 *scid, u32 scid_len,
			  const u8 *token, u32 token_len);

u32 quic_packet_retry_pseudo_len(u32 odcid_len, u32 retry_len);
u8 *quic_packet_retry_pseudo(u8 *p, const u8 *odcid, u32 odcid_len,
			     const u8 *retry, u32 retry_len);

#endif /* __NET_QUIC_WIRE_PACKET_H */
