/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the search of DPLPMTUD (RFC 8899, as RFC 9000 section 14.3 uses
 * it), as a pure state machine over datagram sizes and packet numbers.
 * The connection sends the probes and reports what became of them.
 */

#ifndef __NET_QUIC_PMTU_H
#define __NET_QUIC_PMTU_H

#include <linux/types.h>

/* RFC 9000 14: every path carries 1200-byte UDP payloads. */
#define QUIC_PMTU_BASE		1200
/* RFC 8899 5.1.2: a size fails after MAX_PROBES lost probes. */
#define QUIC_PMTU_MAX_PROBES	3

struct quic_pmtu {
	u32	mtu;		/* largest confirmed UDP payload (PLPMTU) */
	u32	max;		/* the search's upper bound */
	u32	lo;		/* the search: a size known to pass */
	u32	hi;		/* the smallest known to fail; max + 1 if none */
	u32	probe;		/* the size of the probe in flight, or 0 */
	u64	probe_pn;	/* its packet number */
	u32	fails;		/* probes of this size lost so far */
	u32	hint;		/* a size an ICMP message suggested, or 0 */
	bool	hint_above;	/* the hint held; now probing one byte more */
	bool	searching;
};

void quic_pmtu_init(struct quic_pmtu *p);
void quic_pmtu_search(struct quic_pmtu *p, u32 max);
u32 quic_pmtu_next(const struct quic_pmtu *p);
void quic_pmtu_sent(struct quic_pmtu *p, u32 size, u64 pn);
bool quic_pmtu_acked(struct quic_pmtu *p, u64 pn);
void quic_pmtu_lost(struct quic_pmtu *p, u64 pn);
void quic_pmtu_hint(struct quic_pmtu *p, u32 size);
void quic_pmtu_black_hole(struct quic_pmtu *p);

#endif /* __NET_QUIC_PMTU_H */
