// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: congestion control, NewReno as RFC 9002 section 7 gives it.
 *
 * The window starts at ten datagrams (7.2), grows by what is acknowledged
 * in slow start and by one datagram per window in congestion avoidance
 * (7.3), and halves once per recovery period when a packet sent after the
 * period began is lost (7.3.2).  It grows only while it limited the sender:
 * an application that sends less than the window allows does not inflate
 * it (7.8).
 */

#include <linux/kernel.h>
#include <linux/ktime.h>

#include "cong.h"

#define QUIC_CONG_INITIAL_DATAGRAMS	10
#define QUIC_CONG_MIN_DATAGRAMS		2

void quic_cong_init(struct quic_cong *cc, u32 mss)
{
	/* RFC 9002 7.2: min(10 * mss, max(14720, 2 * mss)). */
	cc->window = min(QUIC_CONG_INITIAL_DATAGRAMS * mss,
			 max(14720U, QUIC_CONG_MIN_DATAGRAMS * mss));
	cc->ssthresh = U32_MAX;
	cc->recovery_start = 0;
	cc->acked = 0;
	cc->limited = false;
}

void quic_cong_on_ack(struct quic_cong *cc, u32 mss, u32 bytes, u64 sent)
{
	/* No growth for packets sent before recovery began (7.3.2). */
	if (sent <= cc->recovery_start || !cc->limited)
		return;
	if (cc->window < cc->ssthresh) {
		cc->window = min_t(u64, (u64)cc->window + bytes, U32_MAX / 2);
		return;
	}
	cc->acked += bytes;
	if (cc->acked >= cc->window) {
		cc->acked -= cc->window;
		cc->window = min_t(u64, (u64)cc->window + mss, U32_MAX / 2);
	}
}

void quic_cong_on_loss(struct quic_cong *cc, u32 mss, u64 sent)
{
	if (sent <= cc->recovery_start)
		return;		/* one reduction per recovery period */
	cc->recovery_start = ktime_to_us(ktime_get());
	cc->ssthresh = max(cc->window / 2, QUIC_CONG_MIN_DATAGRAMS * mss);
	cc->window = cc->ssthresh;
	cc->acked = 0;
}
