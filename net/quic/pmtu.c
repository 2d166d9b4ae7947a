// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the DPLPMTUD search (RFC 8899 section 5.3).
 *
 * The search first tries its upper bound, the smallest of the local
 * device's MTU and both ends' max_udp_payload_size, since on most paths
 * the first hop is the narrowest; then it halves the interval between the
 * largest size acknowledged and the smallest that failed, to the byte.  A
 * size fails when QUIC_PMTU_MAX_PROBES probes of it are lost.  An ICMP
 * "packet too big" only proposes the next size to probe (RFC 8899 4.6): it
 * changes nothing until a probe of that size is acknowledged, and then
 * one byte more is probed, so that a true hint ends the search at once.
 */

#include "pmtu.h"

void quic_pmtu_init(struct quic_pmtu *p)
{
	*p = (struct quic_pmtu){
		.mtu = QUIC_PMTU_BASE,
		.max = QUIC_PMTU_BASE,
		.lo = QUIC_PMTU_BASE,
		.hi = QUIC_PMTU_BASE + 1,
	};
}

static void quic_pmtu_settle(struct quic_pmtu *p)
{
	if (p->hint && (p->hint <= p->lo || p->hint >= p->hi))
		p->hint = 0;
	if (p->hi - p->lo <= 1)
		p->searching = false;
}

/**
 * quic_pmtu_search - start (or start again) a search
 * @p: the state
 * @max: the largest UDP payload worth trying
 *
 * What is confirmed stays; the search looks above it.
 */
void quic_pmtu_search(struct quic_pmtu *p, u32 max)
{
	if (max < QUIC_PMTU_BASE)
		max = QUIC_PMTU_BASE;
	if (p->mtu > max)
		p->mtu = max;	/* a smaller bound: never send above it */
	p->max = max;
	p->lo = p->mtu;
	p->hi = max + 1;
	p->probe = 0;
	p->fails = 0;
	p->hint = 0;
	p->hint_above = false;
	p->searching = true;
	quic_pmtu_settle(p);
}

/**
 * quic_pmtu_next - the size to probe now
 * @p: the state
 *
 * Return: a UDP payload size, or 0 when no probe is due (none searching,
 * or one in flight).
 */
u32 quic_pmtu_next(const struct quic_pmtu *p)
{
	if (!p->searching || p->probe)
		return 0;
	if (p->hi > p->max)
		return p->max;
	if (p->hint)
		return p->hint;
	return p->lo + (p->hi - p->lo) / 2;
}

void quic_pmtu_sent(struct quic_pmtu *p, u32 size, u64 pn)
{
	p->probe = size;
	p->probe_pn = pn;
}

/**
 * quic_pmtu_acked - a packet was acknowledged
 * @p: the state
 * @pn: its packet number
 *
 * Return: true if it was the probe, and the confirmed size grew.
 */
bool quic_pmtu_acked(struct quic_pmtu *p, u64 pn)
{
	bool hinted = p->hint && p->probe == p->hint;

	if (!p->probe || pn != p->probe_pn)
		return false;
	p->lo = p->probe;
	/* The hint held: one byte more tells whether it was exact. */
	if (hinted && !p->hint_above) {
		p->hint = p->lo + 1;
		p->hint_above = true;
	}
	p->mtu = p->probe;
	p->probe = 0;
	p->fails = 0;
	quic_pmtu_settle(p);
	return true;
}

/* A packet was declared lost; only the probe matters here. */
void quic_pmtu_lost(struct quic_pmtu *p, u64 pn)
{
	if (!p->probe || pn != p->probe_pn)
		return;
	if (++p->fails >= QUIC_PMTU_MAX_PROBES) {
		p->hi = p->probe;
		p->fails = 0;
		if (p->hint == p->probe)
			p->hint = 0;
	}
	p->probe = 0;
	quic_pmtu_settle(p);
}

/**
 * quic_pmtu_hint - an ICMP message said the path carries @size
 * @p: the state
 * @size: the UDP payload it implies
 *
 * Only a search in progress takes it, as the next size to probe.
 */
void quic_pmtu_hint(struct quic_pmtu *p, u32 size)
{
	if (p->searching && size > p->lo && size < p->hi && !p->fails &&
	    !p->hint_above)
		p->hint = size;
}

/**
 * quic_pmtu_black_hole - full-sized packets stopped getting through
 * @p: the state
 *
 * RFC 8899 4.3: back to the base size, and search again from there.
 */
void quic_pmtu_black_hole(struct quic_pmtu *p)
{
	p->mtu = QUIC_PMTU_BASE;
	quic_pmtu_search(p, p->max);
}
