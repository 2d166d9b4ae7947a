// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: congestion control.
 *
 * NewReno as RFC 9002 section 7 gives it: the window starts at ten
 * datagrams (7.2), grows by what is acknowledged in slow start and by one
 * datagram per window in congestion avoidance (7.3), and halves once per
 * recovery period when a packet sent after the period began is lost
 * (7.3.2).
 *
 * CUBIC (RFC 9438) shares slow start and recovery periods with it; it
 * reduces the window by 30% instead of half, and in congestion avoidance
 * follows the cubic curve W(t) = C (t - K)^3 + W_max around the window it
 * last lost at, never below what Reno would have reached (4.3).
 *
 * Either grows only while the window limited the sender: an application
 * that sends less than the window allows does not inflate it (RFC 9002
 * 7.8).  After persistent congestion (RFC 9002 7.6) the window falls to
 * its minimum.
 */

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/quic.h>

#include "cong.h"

#define QUIC_CONG_INITIAL_DATAGRAMS	10
#define QUIC_CONG_MIN_DATAGRAMS		2
#define QUIC_CONG_WINDOW_MAX		(U32_MAX / 2)

/* RFC 9438 4.1: C = 0.4, beta = 0.7; alpha = 3 (1 - beta) / (1 + beta). */
#define QUIC_CUBIC_C_NUM		4
#define QUIC_CUBIC_C_DEN		10
#define QUIC_CUBIC_BETA_NUM		7
#define QUIC_CUBIC_BETA_DEN		10
#define QUIC_CUBIC_ALPHA_NUM		9
#define QUIC_CUBIC_ALPHA_DEN		17
/* Time in 1/1024 s; the curve is not followed further than 16 s out. */
#define QUIC_CUBIC_TIME_SHIFT		10
#define QUIC_CUBIC_TIME_MAX		(16 << QUIC_CUBIC_TIME_SHIFT)
#define QUIC_CUBIC_FRAC_SHIFT		10

static u32 quic_cong_min_window(const struct quic_cong *cc)
{
	return QUIC_CONG_MIN_DATAGRAMS * cc->mss;
}

void quic_cong_init(struct quic_cong *cc, u8 algo, u32 mss)
{
	memset(cc, 0, sizeof(*cc));
	cc->algo = algo;
	cc->mss = mss;
	/* RFC 9002 7.2: min(10 * mss, max(14720, 2 * mss)). */
	cc->window = min(QUIC_CONG_INITIAL_DATAGRAMS * mss,
			 max(14720U, QUIC_CONG_MIN_DATAGRAMS * mss));
	cc->ssthresh = U32_MAX;
}

/* A larger datagram size from path MTU discovery: count in it from now. */
void quic_cong_set_mss(struct quic_cong *cc, u32 mss)
{
	cc->mss = mss;
	cc->window = max(cc->window, quic_cong_min_window(cc));
}

static u64 quic_cong_now(void)
{
	return ktime_to_us(ktime_get());
}

/* The largest x with x^3 <= v. */
static u64 quic_cbrt(u64 v)
{
	u64 lo = 0, hi = 1 << 21, mid;	/* (2^21)^3 = 2^63 */

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* W_cubic(t) in bytes, @t in 1/1024 s since the epoch began (4.2). */
static u64 quic_cubic_window(const struct quic_cong *cc, u64 t)
{
	u64 d, delta;

	t = min_t(u64, t, QUIC_CUBIC_TIME_MAX);
	d = t > cc->k ? t - cc->k : cc->k - t;
	d = min_t(u64, d, QUIC_CUBIC_TIME_MAX);
	delta = div64_u64(QUIC_CUBIC_C_NUM * d * d * d * cc->mss,
			  (u64)QUIC_CUBIC_C_DEN << (3 * QUIC_CUBIC_TIME_SHIFT));
	if (t > cc->k)
		return cc->w_max + delta;
	return cc->w_max > delta ? cc->w_max - delta : 0;
}

static void quic_cubic_on_ack(struct quic_cong *cc, u32 bytes, u64 rtt)
{
	u64 now = quic_cong_now(), t, rtt_t, target, cubic, est, inc;
	u32 alpha_num = QUIC_CUBIC_ALPHA_NUM, alpha_den = QUIC_CUBIC_ALPHA_DEN;

	if (!cc->epoch_start) {
		/* 4.2: an epoch starts with the first ACK in avoidance. */
		cc->epoch_start = now;
		cc->cwnd_epoch = cc->window;
		if (cc->w_max < cc->window) {
			cc->w_max = cc->window;
			cc->k = 0;
		}
		cc->w_est = (u64)cc->window << QUIC_CUBIC_FRAC_SHIFT;
		cc->w_frac = 0;
	}
	t = div_u64((now - cc->epoch_start) << QUIC_CUBIC_TIME_SHIFT,
		    USEC_PER_SEC);
	cubic = quic_cubic_window(cc, t);
	/* 4.2: aim at where the curve will be one RTT from now. */
	rtt_t = div_u64(rtt << QUIC_CUBIC_TIME_SHIFT, USEC_PER_SEC);
	target = quic_cubic_window(cc, t + rtt_t);
	target = clamp_t(u64, target, cc->window, cc->window * 3ULL / 2);

	/* 4.3: Reno's growth, with alpha 1 once past the last W_max. */
	if ((cc->w_est >> QUIC_CUBIC_FRAC_SHIFT) >= cc->w_max) {
		alpha_num = 1;
		alpha_den = 1;
	}
	cc->w_est += div_u64(((u64)alpha_num * cc->mss * bytes) <<
			     QUIC_CUBIC_FRAC_SHIFT,
			     (u64)alpha_den * cc->window);
	est = cc->w_est >> QUIC_CUBIC_FRAC_SHIFT;

	if (cubic < est) {
		cc->window = min_t(u64, est, QUIC_CONG_WINDOW_MAX);
		return;
	}
	/* 4.4 and 4.5: (target - cwnd) / cwnd per byte acknowledged. */
	inc = div_u64(((target - cc->window) * bytes) << QUIC_CUBIC_FRAC_SHIFT,
		      cc->window);
	cc->w_frac += inc;
	cc->window = min_t(u64, cc->window +
			   (cc->w_frac >> QUIC_CUBIC_FRAC_SHIFT),
			   QUIC_CONG_WINDOW_MAX);
	cc->w_frac &= (1 << QUIC_CUBIC_FRAC_SHIFT) - 1;
}

/**
 * quic_cong_on_ack - bytes of a packet were acknowledged
 * @cc: the controller
 * @bytes: the packet's size
 * @sent: when it was sent, in us
 * @rtt: the smoothed RTT, in us
 */
void quic_cong_on_ack(struct quic_cong *cc, u32 bytes, u64 sent, u64 rtt)
{
	/* No growth for packets sent before recovery began (7.3.2). */
	if (sent <= cc->recovery_start || !cc->limited)
		return;
	if (cc->window < cc->ssthresh) {
		cc->window = min_t(u64, (u64)cc->window + bytes,
				   QUIC_CONG_WINDOW_MAX);
		return;
	}
	if (cc->algo == QUIC_CONG_ALG_CUBIC) {
		quic_cubic_on_ack(cc, bytes, rtt);
		return;
	}
	cc->acked += bytes;
	if (cc->acked >= cc->window) {
		cc->acked -= cc->window;
		cc->window = min_t(u64, (u64)cc->window + cc->mss,
				   QUIC_CONG_WINDOW_MAX);
	}
}

static void quic_cubic_on_loss(struct quic_cong *cc)
{
	u64 segs;

	/* 4.7, fast convergence: yield to newer flows. */
	if (cc->window < cc->w_max)
		cc->w_max = cc->window * (QUIC_CUBIC_BETA_DEN +
					  QUIC_CUBIC_BETA_NUM) /
			    (2 * QUIC_CUBIC_BETA_DEN);
	else
		cc->w_max = cc->window;
	cc->ssthresh = max_t(u32, (u64)cc->window * QUIC_CUBIC_BETA_NUM /
			     QUIC_CUBIC_BETA_DEN, quic_cong_min_window(cc));
	cc->window = cc->ssthresh;
	cc->epoch_start = 0;
	/* K = cbrt((W_max - cwnd_epoch) / C), in segments and 1/1024 s. */
	segs = div_u64((u64)(cc->w_max - min(cc->w_max, cc->window)) <<
		       QUIC_CUBIC_TIME_SHIFT,
		       cc->mss) * QUIC_CUBIC_C_DEN / QUIC_CUBIC_C_NUM;
	cc->k = quic_cbrt(segs << (2 * QUIC_CUBIC_TIME_SHIFT));
}

/**
 * quic_cong_on_loss - a packet was declared lost
 * @cc: the controller
 * @sent: when it was sent, in us
 *
 * The window shrinks once per recovery period (RFC 9002 7.3.2).
 *
 * Return: true if the loss started a recovery period.
 */
bool quic_cong_on_loss(struct quic_cong *cc, u64 sent)
{
	if (sent <= cc->recovery_start)
		return false;
	cc->recovery_start = quic_cong_now();
	cc->acked = 0;
	if (cc->algo == QUIC_CONG_ALG_CUBIC) {
		quic_cubic_on_loss(cc);
		return true;
	}
	cc->ssthresh = max(cc->window / 2, quic_cong_min_window(cc));
	cc->window = cc->ssthresh;
	return true;
}

/**
 * quic_cong_persistent - the path lost everything for several PTOs
 * @cc: the controller
 *
 * RFC 9002 7.6.2: the window falls to its minimum and the recovery period
 * ends, so slow start takes over up to the threshold the losses left.
 */
void quic_cong_persistent(struct quic_cong *cc)
{
	cc->window = quic_cong_min_window(cc);
	cc->recovery_start = 0;
	cc->acked = 0;
	cc->epoch_start = 0;
}
