/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: congestion control, NewReno (RFC 9002 section 7) or CUBIC
 * (RFC 9438), chosen per socket with congestion_control_algo.
 */

#ifndef __NET_QUIC_CONG_H
#define __NET_QUIC_CONG_H

#include <linux/types.h>

struct quic_cong {
	u8	algo;		/* QUIC_CONG_ALG_* */
	u32	mss;		/* the datagram size the window counts in */
	u32	window;		/* bytes that may be in flight */
	u32	ssthresh;
	u64	recovery_start;	/* us; packets sent before are forgiven */
	u32	acked;		/* NewReno avoidance: bytes toward +1 MSS */
	bool	limited;	/* the window held data back since the last ACK */

	/* CUBIC (RFC 9438 section 4), windows in bytes, time in us. */
	u32	w_max;		/* the window before the last reduction */
	u64	w_est;		/* Reno-friendly estimate, bytes << 10 */
	u64	w_frac;		/* growth below one byte, bytes << 10 */
	u64	epoch_start;	/* start of this avoidance epoch; 0: none */
	u32	cwnd_epoch;	/* the window when it started */
	u64	k;		/* time to reach w_max, in 1/1024 s */
};

void quic_cong_init(struct quic_cong *cc, u8 algo, u32 mss);
void quic_cong_set_mss(struct quic_cong *cc, u32 mss);
void quic_cong_on_ack(struct quic_cong *cc, u32 bytes, u64 sent, u64 rtt);
bool quic_cong_on_loss(struct quic_cong *cc, u64 sent);
void quic_cong_persistent(struct quic_cong *cc);

#endif /* __NET_QUIC_CONG_H */
