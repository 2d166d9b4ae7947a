/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: congestion control (RFC 9002 section 7, NewReno).
 */

#ifndef __NET_QUIC_CONG_H
#define __NET_QUIC_CONG_H

#include <linux/types.h>

struct quic_cong {
	u32	window;		/* bytes that may be in flight */
	u32	ssthresh;
	u64	recovery_start;	/* us; packets sent before are forgiven */
	u32	acked;		/* congestion avoidance: bytes toward +1 MSS */
	bool	limited;	/* the window held data back since the last ACK */
};

void quic_cong_init(struct quic_cong *cc, u32 mss);
void quic_cong_on_ack(struct quic_cong *cc, u32 mss, u32 bytes, u64 sent);
void quic_cong_on_loss(struct quic_cong *cc, u32 mss, u64 sent);

#endif /* __NET_QUIC_CONG_H */
