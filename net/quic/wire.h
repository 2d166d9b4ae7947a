/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC wire layer: what all of it shares, and variable-length integers.
 *
 * The wire layer (wire*.[ch]) turns bytes into structs and structs into
 * bytes: varints, frames, packet headers, transport parameters and ACK
 * ranges.  It holds no socket, skb or lock and allocates nothing; it
 * includes only the headers below, so that the same files also build in
 * userspace (tests/shim/ stands in for them) for unit tests and fuzzers.
 * Every length that comes from the network is checked here, once.
 *
 * Readers take a cursor (const u8 **p, u32 *len), check that enough bytes
 * are left, and advance it only on success.  Writers are given room that the
 * caller has checked with the matching *_len() function.
 */

#ifndef __NET_QUIC_WIRE_H
#define __NET_QUIC_WIRE_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/quic.h>

#define QUIC_VARINT_MAX		(BIT_ULL(62) - 1)
#define QUIC_CONN_ID_MAX_LEN	20	/* v1 and v2 */
#define QUIC_RESET_TOKEN_LEN	16
#define QUIC_PATH_DATA_LEN	8	/* PATH_CHALLENGE, PATH_RESPONSE */
#define QUIC_STREAMS_MAX	BIT_ULL(60)	/* RFC 9000 section 4.6 */

/* RFC 9368 section 10.2; not in the UAPI's list (0x00 to 0x10). */
#define QUIC_TRANSPORT_ERROR_VERSION_NEGOTIATION	0x11

struct quic_conn_id {
	u8	len;
	u8	data[QUIC_CONN_ID_MAX_LEN];
};

/* RFC 9000 section 16: the number of bytes that encode @v, 0 if too big. */
static inline u32 quic_varint_len(u64 v)
{
	if (v < BIT_ULL(6))
		return 1;
	if (v < BIT_ULL(14))
		return 2;
	if (v < BIT_ULL(30))
		return 4;
	if (v <= QUIC_VARINT_MAX)
		return 8;
	return 0;
}

/* Read a varint; any of the four lengths, minimal or not. */
static inline bool quic_get_varint(const u8 **p, u32 *len, u64 *v)
{
	const u8 *b = *p;
	u32 n, i;
	u64 x;

	if (!*len)
		return false;
	n = 1U << (b[0] >> 6);
	if (*len < n)
		return false;
	x = b[0] & 0x3f;
	for (i = 1; i < n; i++)
		x = (x << 8) | b[i];
	*v = x;
	*p += n;
	*len -= n;
	return true;
}

/* A big-endian integer of @n bytes (1 to 8), not a varint. */
static inline u8 *quic_put_uint(u8 *p, u64 v, u32 n)
{
	u32 i;

	for (i = n; i > 0; i--) {
		p[i - 1] = v & 0xff;
		v >>= 8;
	}
	return p + n;
}

/*
 * Write @v on exactly @n bytes (1, 2, 4 or 8): @v must fit in 8 * @n - 2
 * bits.  Fixed-size fields such as a Length written before its payload is
 * known use it.
 */
static inline u8 *quic_put_varint_n(u8 *p, u64 v, u32 n)
{
	u8 *end = quic_put_uint(p, v, n);

	p[0] |= n == 1 ? 0x00 : n == 2 ? 0x40 : n == 4 ? 0x80 : 0xc0;
	return end;
}

/* Write @v in its shortest form; @v must be at most QUIC_VARINT_MAX. */
static inline u8 *quic_put_varint(u8 *p, u64 v)
{
	return quic_put_varint_n(p, v, quic_varint_len(v));
}

/* Read a big-endian integer of @n bytes (1 to 8), not a varint. */
static inline bool quic_get_uint(const u8 **p, u32 *len, u32 n, u64 *v)
{
	u64 x = 0;
	u32 i;

	if (*len < n)
		return false;
	for (i = 0; i < n; i++)
		x = (x << 8) | (*p)[i];
	*v = x;
	*p += n;
	*len -= n;
	return true;
}

/* Take @n bytes in place: *out points into the buffer. */
static inline bool quic_get_bytes(const u8 **p, u32 *len, u64 n,
				  const u8 **out)
{
	if (*len < n)
		return false;
	*out = *p;
	*p += n;
	*len -= n;
	return true;
}

static inline u8 *quic_put_bytes(u8 *p, const void *data, u32 n)
{
	if (n)
		memcpy(p, data, n);
	return p + n;
}

#endif /* __NET_QUIC_WIRE_H */
