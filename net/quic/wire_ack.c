// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC wire layer: sets of received packet numbers, and the ACK frame
 * ranges that describe them (RFC 9000 sections 13.2.3 and 19.3.1).
 *
 * A set is a short array of ranges kept largest first, so that the common
 * case, a packet one above the largest so far, touches only r[0].
 */

#include "wire_ack.h"

static void quic_ack_set_remove(struct quic_ack_set *s, u32 i)
{
	memmove(&s->r[i], &s->r[i + 1], (s->count - i - 1) * sizeof(s->r[0]));
	s->count--;
}

/* Forget the range of the smallest numbers; they stay counted as present. */
static void quic_ack_set_drop_last(struct quic_ack_set *s)
{
	s->count--;
	if (s->r[s->count].end + 1 > s->floor)
		s->floor = s->r[s->count].end + 1;
}

/**
 * quic_ack_set_add - record a received packet number
 * @s: the set
 * @pn: the packet number, at most 2^62-1
 *
 * Return: 0 if @pn was added; -EEXIST if the set holds it already;
 * -ENOSPC if it is below every range of a full set and was not kept.
 */
int quic_ack_set_add(struct quic_ack_set *s, u64 pn)
{
	struct quic_ack_range *r;
	u32 i;

	/* The first range that reaches down to @pn, or is adjacent to it. */
	for (i = 0; i < s->count; i++)
		if (pn + 1 >= s->r[i].start)
			break;

	if (i < s->count) {
		r = &s->r[i];
		if (pn >= r->start && pn <= r->end)
			return -EEXIST;
		if (pn == r->end + 1) {
			/* r[i - 1] starts above pn + 1, or we'd be there. */
			r->end = pn;
			return 0;
		}
		if (pn + 1 == r->start) {
			r->start = pn;
			if (i + 1 < s->count && s->r[i + 1].end + 1 == pn) {
				r->start = s->r[i + 1].start;
				quic_ack_set_remove(s, i + 1);
			}
			return 0;
		}
		/* Above r[i] with a gap: a new range goes before it. */
	}

	if (s->count == QUIC_ACK_RANGES_MAX) {
		if (i == s->count)
			return -ENOSPC;
		quic_ack_set_drop_last(s);
	}
	memmove(&s->r[i + 1], &s->r[i], (s->count - i) * sizeof(s->r[0]));
	s->r[i].start = pn;
	s->r[i].end = pn;
	s->count++;
	return 0;
}

/**
 * quic_ack_set_add_range - record the numbers @start to @end
 * @s: the set
 * @start: the first number
 * @end: the last number, at least @start, at most 2^62-1
 *
 * Ranges that overlap or touch the new one are merged into it.  As with
 * quic_ack_set_add(), a full set forgets its smallest range to make room.
 *
 * Return: 0, or -ENOSPC if the range is below every range of a full set.
 */
int quic_ack_set_add_range(struct quic_ack_set *s, u64 start, u64 end)
{
	u32 i, j;

	/* The first range that is not wholly above @end + 1. */
	for (i = 0; i < s->count; i++)
		if (s->r[i].start <= end + 1)
			break;
	/* Ranges i .. j - 1 overlap or touch [start, end]. */
	for (j = i; j < s->count; j++) {
		if (s->r[j].end + 1 < start)
			break;
		start = min(start, s->r[j].start);
		end = max(end, s->r[j].end);
	}
	if (j > i) {
		s->r[i].start = start;
		s->r[i].end = end;
		memmove(&s->r[i + 1], &s->r[j],
			(s->count - j) * sizeof(s->r[0]));
		s->count -= j - i - 1;
		return 0;
	}
	if (s->count == QUIC_ACK_RANGES_MAX) {
		if (i == s->count)
			return -ENOSPC;
		quic_ack_set_drop_last(s);
	}
	memmove(&s->r[i + 1], &s->r[i], (s->count - i) * sizeof(s->r[0]));
	s->r[i].start = start;
	s->r[i].end = end;
	s->count++;
	return 0;
}

/**
 * quic_ack_set_has - whether a packet number is in the set
 * @s: the set
 * @pn: the packet number
 *
 * Numbers below the floor of forgotten ranges count as present, and so do
 * those below every range of a full set, which could not be kept: a packet
 * that old is taken for a duplicate (a replay), never acted on twice.
 *
 * Return: true if @pn is present, as above or in a range.
 */
bool quic_ack_set_has(const struct quic_ack_set *s, u64 pn)
{
	u32 i;

	if (pn < s->floor || (s->count == QUIC_ACK_RANGES_MAX &&
			      pn < s->r[s->count - 1].start))
		return true;
	for (i = 0; i < s->count; i++) {
		if (pn > s->r[i].end)
			return false;
		if (pn >= s->r[i].start)
			return true;
	}
	return false;
}

/**
 * quic_ack_set_forget_below - drop the numbers below @pn
 * @s: the set
 * @pn: the smallest number to keep
 *
 * Used once an ACK frame that covered them has itself been acknowledged.
 */
void quic_ack_set_forget_below(struct quic_ack_set *s, u64 pn)
{
	while (s->count && s->r[s->count - 1].end < pn)
		s->count--;
	if (s->count && s->r[s->count - 1].start < pn)
		s->r[s->count - 1].start = pn;
}

/**
 * quic_ack_set_to_frame - describe a set as an ACK frame
 * @s: a non-empty set
 * @delay: the ACK Delay field, already scaled by the ack_delay_exponent
 * @f: the frame to fill (type QUIC_FRAME_ACK, no ECN counts)
 * @buf: where the (gap, length) pairs go; @f points into it
 * @buf_len: its size; QUIC_ACK_RANGES_BUF_LEN holds every range of a set
 *
 * The ranges that do not fit in @buf are left out, the smallest first.
 *
 * Return: the number of ranges described, 0 if @s is empty.
 */
u32 quic_ack_set_to_frame(const struct quic_ack_set *s, u64 delay,
			  struct quic_frame *f, u8 *buf, u32 buf_len)
{
	u64 gap, len;
	u8 *p = buf;
	u32 i;

	if (!s->count)
		return 0;

	memset(f, 0, sizeof(*f));
	f->type = QUIC_FRAME_ACK;
	f->ack.largest = s->r[0].end;
	f->ack.delay = delay;
	f->ack.first_range = s->r[0].end - s->r[0].start;

	for (i = 1; i < s->count; i++) {
		/* RFC 9000 section 19.3.1: both fields count one less. */
		gap = s->r[i - 1].start - s->r[i].end - 2;
		len = s->r[i].end - s->r[i].start;
		if (p - buf + quic_varint_len(gap) + quic_varint_len(len) >
		    buf_len)
			break;
		p = quic_put_varint(p, gap);
		p = quic_put_varint(p, len);
	}
	f->ack.range_count = i - 1;
	f->ack.ranges = buf;
	f->ack.ranges_len = p - buf;
	return i;
}
