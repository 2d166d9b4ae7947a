/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC wire layer: sets of received packet numbers, and the ACK frame
 * ranges that describe them (RFC 9000 sections 13.2.3 and 19.3.1).
 */

#ifndef __NET_QUIC_WIRE_ACK_H
#define __NET_QUIC_WIRE_ACK_H

#include "wire_frame.h"

/*
 * How many ranges a set keeps.  When a packet would need one more, the
 * range of the smallest numbers is forgotten: its packets are then not
 * acknowledged again, which RFC 9000 section 13.2.3 allows.
 */
#define QUIC_ACK_RANGES_MAX	32

/* Packet numbers @start to @end, both included. */
struct quic_ack_range {
	u64	start;
	u64	end;
};

/*
 * Disjoint, non-adjacent ranges, largest first.  Numbers below @floor were
 * in ranges forgotten for room: quic_ack_set_has() counts them as present,
 * so that an old packet replayed after many gaps is still a duplicate.
 */
struct quic_ack_set {
	struct quic_ack_range	r[QUIC_ACK_RANGES_MAX];
	u32			count;
	u64			floor;
};

static inline void quic_ack_set_init(struct quic_ack_set *s)
{
	s->count = 0;
	s->floor = 0;
}

static inline bool quic_ack_set_empty(const struct quic_ack_set *s)
{
	return !s->count;
}

/* The largest number in a non-empty set. */
static inline u64 quic_ack_set_largest(const struct quic_ack_set *s)
{
	return s->r[0].end;
}

int quic_ack_set_add(struct quic_ack_set *s, u64 pn);
int quic_ack_set_add_range(struct quic_ack_set *s, u64 start, u64 end);
bool quic_ack_set_has(const struct quic_ack_set *s, u64 pn);
void quic_ack_set_forget_below(struct quic_ack_set *s, u64 pn);

/* Bytes that the (gap, length) pairs of @s take at most in an ACK frame. */
#define QUIC_ACK_RANGES_BUF_LEN	(QUIC_ACK_RANGES_MAX * 16)

u32 quic_ack_set_to_frame(const struct quic_ack_set *s, u64 delay,
			  struct quic_frame *f, u8 *buf, u32 buf_len);

#endif /* __NET_QUIC_WIRE_ACK_H */
