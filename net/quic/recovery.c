// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: loss recovery (RFC 9002): ACKs of our packets, RTT estimates, loss
 * detection by packet and time thresholds, persistent congestion, and the
 * probe timeout with its timer.  What a lost packet carried goes back to
 * its stream or CRYPTO stream to be sent again; the congestion controller
 * (cong.c) hears of every ACK and loss.
 */

#include <linux/slab.h>
#include <net/sock.h>

#include "conn.h"
#include "socket.h"
#include "trace.h"

/* The ACK Delay field in microseconds (RFC 9000 section 19.3). */
static u64 quic_conn_ack_delay(struct quic_conn *c, const struct quic_frame *f)
{
	u32 exp = min_t(u64, c->peer_tp.ack_delay_exponent, 20);

	return min_t(u64, f->ack.delay, U64_MAX >> 21) << exp;
}

/* RFC 9002 section 5.3; @ack_delay is what the peer said, in us. */
static void quic_conn_rtt_sample(struct quic_conn *c, u64 rtt, u64 ack_delay)
{
	u64 d;

	c->latest_rtt = rtt;
	if (!c->rtt_sampled) {
		c->rtt_sampled = true;
		c->first_rtt_time = ktime_to_us(ktime_get());
		c->min_rtt = rtt;
		c->smoothed_rtt = rtt;
		c->rttvar = rtt / 2;
		goto out;
	}
	c->min_rtt = min(c->min_rtt, rtt);
	if (quic_conn_confirmed(c))
		ack_delay = min_t(u64, ack_delay,
				  c->peer_tp.max_ack_delay * USEC_PER_MSEC);
	if (rtt >= c->min_rtt + ack_delay)
		rtt -= ack_delay;
	d = c->smoothed_rtt > rtt ? c->smoothed_rtt - rtt : rtt - c->smoothed_rtt;
	c->rttvar = (3 * c->rttvar + d) / 4;
	c->smoothed_rtt = (7 * c->smoothed_rtt + rtt) / 8;
out:
	trace_quic_rtt_update(c->sk, c->latest_rtt, c->smoothed_rtt,
			      c->rttvar, c->min_rtt);
}

static void quic_sent_free(struct quic_conn *c, enum quic_space_id s,
			   struct quic_sent *p)
{
	c->inflight -= p->bytes;
	if (!p->ack_eliciting)
		c->space[s].ack_only--;
	list_del(&p->list);
	kfree(p);
}

/* The path's ECN validation is over, one way or the other. */
static void quic_conn_ecn_state(struct quic_conn *c, enum quic_ecn_state st)
{
	c->path.ecn = st;
	QUIC_INC_STATS(sock_net(c->sk), st == QUIC_ECN_CAPABLE ?
			QUIC_MIB_ECN_CAPABLE : QUIC_MIB_ECN_FAILED);
	trace_quic_ecn_state(c->sk, st);
}

/* A frame of a packet acknowledged (@acked) or lost: to its owner. */
static void quic_sent_frame_done(struct quic_conn *c,
				 const struct quic_sent_frame *f, bool acked)
{
	if (f->type == QUIC_FRAME_NEW_CONNECTION_ID ||
	    f->type == QUIC_FRAME_RETIRE_CONNECTION_ID)
		quic_cids_frame_done(c, f, acked);
	else if (acked)
		quic_stream_frame_acked(c, f);
	else
		quic_stream_frame_lost(c, f);
}

static void quic_conn_sent_acked(struct quic_conn *c, enum quic_space_id s,
				 struct quic_sent *p)
{
	struct quic_cstream *cs = &c->space[s].cs;
	u32 i;

	trace_quic_packet_acked(c->sk, s, p->pn, p->bytes);
	if (p->crypto_len && p->crypto_off <= cs->acked &&
	    p->crypto_off + p->crypto_len > cs->acked)
		cs->acked = p->crypto_off + p->crypto_len;
	for (i = 0; i < p->nframes; i++)
		quic_sent_frame_done(c, &p->frames[i], true);
	if (p->probe && quic_pmtu_acked(&c->pmtu, p->pn))
		quic_conn_pmtu_update(c);
	if (p->bytes)
		quic_cong_on_ack(&c->cong, p->bytes, p->time, c->smoothed_rtt);
	quic_sent_free(c, s, p);
}

/**
 * quic_conn_sent_lost - a packet is taken as lost: send its frames again
 * @c: the connection
 * @s: its space
 * @p: the packet; freed
 * @congestion: a loss the congestion controller should react to (not a
 *	probe timeout's retransmission)
 *
 * What it carried goes back to be sent in new packets (RFC 9000 13.3).
 */
void quic_conn_sent_lost(struct quic_conn *c, enum quic_space_id s,
			 struct quic_sent *p, bool congestion)
{
	struct quic_cstream *cs = &c->space[s].cs;
	u32 i;

	trace_quic_packet_lost(c->sk, s, p->pn, p->bytes, !congestion);
	/* RFC 9000 13.4.2: every packet marked while testing was lost. */
	if (p->ecn && c->path.ecn != QUIC_ECN_CAPABLE &&
	    c->path.ecn != QUIC_ECN_FAILED &&
	    ++c->path.ecn_lost >= c->path.ecn_tested &&
	    c->path.ecn == QUIC_ECN_UNKNOWN)
		quic_conn_ecn_state(c, QUIC_ECN_FAILED);
	/* RFC 9000 14.4: a lost PMTU probe says nothing of congestion;
	 * nor does a path validation datagram, sent outside the window.
	 */
	if (p->path_probe) {
		/* Its challenge goes again from the path's own timer. */
	} else if (p->probe) {
		quic_pmtu_lost(&c->pmtu, p->pn);
		quic_conn_pmtu_update(c);
	} else {
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_LOST_PACKETS);
		QUIC_ADD_STATS(sock_net(c->sk), QUIC_MIB_RETRANS_FRAMES,
			       p->nframes + !!p->crypto_len +
			       p->handshake_done);
		if (congestion && p->bytes &&
		    quic_cong_on_loss(&c->cong, p->time)) {
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_CONGESTION_EVENTS);
			trace_quic_cwnd_update(c->sk, c->cong.window,
					       c->cong.ssthresh, c->inflight);
		}
	}

	if (p->crypto_len && p->crypto_off < cs->sent)
		cs->sent = max_t(u64, cs->acked, p->crypto_off);
	if (p->handshake_done)
		c->handshake_done_pending = true;
	for (i = 0; i < p->nframes; i++)
		quic_sent_frame_done(c, &p->frames[i], false);
	quic_sent_free(c, s, p);
}

/*
 * RFC 9002 7.6: persistent congestion, when the ack-eliciting packets lost
 * in one go span more than three PTOs (with no backoff) and none sent
 * between them was acknowledged: a run of consecutive packet numbers, all
 * sent after the first RTT sample.
 */
struct quic_lost_run {
	u64	first_time, last_time;
	u64	next_pn;
	bool	any, broken;
};

static void quic_lost_run_add(struct quic_lost_run *r, const struct quic_sent *p)
{
	if (r->next_pn && p->pn != r->next_pn)
		r->broken = true;
	r->next_pn = p->pn + 1;
	if (!p->ack_eliciting)
		return;
	if (!r->any)
		r->first_time = p->time;
	r->any = true;
	r->last_time = p->time;
}

static void quic_conn_persistent(struct quic_conn *c,
				 const struct quic_lost_run *r)
{
	u64 pto = c->smoothed_rtt + max_t(u64, 4 * c->rttvar, 1000) +
		  quic_sk(c->sk)->remote_param.max_ack_delay;

	if (!r->any || r->broken || !c->rtt_sampled ||
	    r->first_time < c->first_rtt_time ||
	    r->last_time - r->first_time <= 3 * pto)
		return;
	quic_cong_persistent(&c->cong);
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PERSISTENT_CONGESTION);
	/* RFC 8899 4.3: full-sized packets may be what the path drops. */
	if (c->pmtu.mtu > QUIC_PMTU_BASE) {
		quic_pmtu_black_hole(&c->pmtu);
		quic_conn_pmtu_update(c);
	}
}

/* RFC 9002 section 6.1: by packet and by time threshold. */
static void quic_conn_detect_lost(struct quic_conn *c, enum quic_space_id s)
{
	struct quic_space *space = &c->space[s];
	u64 now = ktime_to_us(ktime_get());
	struct quic_lost_run run = {};
	struct quic_sent *p, *tmp;
	u64 delay;

	delay = max(c->latest_rtt, c->smoothed_rtt);
	delay = max_t(u64, delay + delay / 8, 1000);
	space->loss_time = 0;
	list_for_each_entry_safe(p, tmp, &space->sent, list) {
		if (p->pn >= space->largest_acked)
			break;
		if (space->largest_acked - p->pn < 3 && p->time + delay > now) {
			/* 6.1.2: lost by time later, even with no ACK. */
			if (!space->loss_time)
				space->loss_time = p->time + delay;
			continue;
		}
		quic_lost_run_add(&run, p);
		quic_conn_sent_lost(c, s, p, true);
	}
	if (s == QUIC_SPACE_APP)
		quic_conn_persistent(c, &run);
}

/**
 * quic_conn_loss_time - when the earliest packet turns lost by time
 * @c: the connection
 *
 * Return: that time in us (RFC 9002 6.1.2), or 0 if none waits for it.
 */
u64 quic_conn_loss_time(struct quic_conn *c)
{
	u64 t = 0;
	int s;

	for (s = 0; s < QUIC_SPACE_MAX; s++)
		if (!c->space[s].discarded && c->space[s].loss_time &&
		    (!t || c->space[s].loss_time < t))
			t = c->space[s].loss_time;
	return t;
}

/**
 * quic_conn_loss_timer - the timer fired: lose what turned lost by time
 * @c: the connection
 *
 * Return: true if the timer was set for that rather than for a probe
 * timeout (RFC 9002 A.9: the loss time comes first).
 */
bool quic_conn_loss_timer(struct quic_conn *c)
{
	u64 now = ktime_to_us(ktime_get());
	bool any = false;
	int s;

	for (s = 0; s < QUIC_SPACE_MAX; s++) {
		if (c->space[s].discarded || !c->space[s].loss_time)
			continue;
		any = true;
		if (c->space[s].loss_time <= now)
			quic_conn_detect_lost(c, s);
	}
	return any;
}

/*
 * RFC 9000 13.4.2.1: the ECN counts of an ACK frame that raised the
 * largest acknowledged, against what we sent.  It newly acknowledged @ect
 * packets sent ECT(0), the last sent at @ect_time.  Counts missing, gone
 * down, short of those packets, beyond all we marked, or of ECT(1), which
 * we never send: the path fails validation and marks no more.  Otherwise
 * a marked packet came through (the path is capable), and a higher CE
 * count is a congestion event (RFC 9002 7.1 and B.7), once per recovery
 * period like a loss.
 */
static void quic_conn_ecn_ack(struct quic_conn *c, enum quic_space_id s,
			      const struct quic_frame *f, u32 ect,
			      u64 ect_time)
{
	struct quic_space *space = &c->space[s];
	const u64 *now = f->ack.ecn;
	u64 *was = space->ecn_acked;

	if (c->path.ecn == QUIC_ECN_FAILED)
		return;
	if (f->type != QUIC_FRAME_ACK_ECN) {
		if (ect)
			quic_conn_ecn_state(c, QUIC_ECN_FAILED);
		return;
	}
	if (now[0] < was[0] || now[1] || now[2] < was[2] ||
	    now[0] + now[2] > space->ecn_sent ||
	    now[0] - was[0] + now[2] - was[2] < ect) {
		quic_conn_ecn_state(c, QUIC_ECN_FAILED);
		return;
	}
	if (ect && c->path.ecn != QUIC_ECN_CAPABLE)
		quic_conn_ecn_state(c, QUIC_ECN_CAPABLE);
	if (now[2] > was[2] && ect_time &&
	    quic_cong_on_loss(&c->cong, ect_time)) {
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_ECN_CONGESTION);
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_CONGESTION_EVENTS);
		trace_quic_cwnd_update(c->sk, c->cong.window,
				       c->cong.ssthresh, c->inflight);
	}
	memcpy(was, now, sizeof(space->ecn_acked));
}

/**
 * quic_conn_ack_rcv - an ACK frame of space @s from the peer
 * @c: the connection
 * @s: the packet number space it came in
 * @f: the frame
 *
 * Return: 0, or -EPROTO if it acknowledged a packet never sent.
 */
int quic_conn_ack_rcv(struct quic_conn *c, enum quic_space_id s,
		      const struct quic_frame *f)
{
	struct quic_space *space = &c->space[s];
	u64 lo, hi, now = ktime_to_us(ktime_get());
	bool acked = false, newest;
	struct quic_sent *p, *tmp;
	struct quic_ack_iter it;
	u64 ect_time = 0;
	u32 ect = 0;

	if (f->ack.largest >= space->next_pn)
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, f->type);

	quic_ack_iter_init(&it, f);
	while (quic_ack_iter_next(&it, &lo, &hi)) {
		list_for_each_entry_safe(p, tmp, &space->sent, list) {
			if (p->pn > hi)
				break;
			if (p->pn < lo)
				continue;
			/* RFC 9002 5.1: the largest, newly acknowledged. */
			if (p->pn == f->ack.largest && p->ack_eliciting)
				quic_conn_rtt_sample(c, now - p->time,
						     s == QUIC_SPACE_APP ?
						     quic_conn_ack_delay(c, f) :
						     0);
			if (p->ecn) {
				ect++;
				ect_time = max(ect_time, p->time);
			}
			quic_conn_sent_acked(c, s, p);
			acked = true;
		}
	}
	if (acked && s == QUIC_SPACE_APP)
		trace_quic_cwnd_update(c->sk, c->cong.window, c->cong.ssthresh,
				       c->inflight);
	newest = !space->any_acked || f->ack.largest > space->largest_acked;
	if (newest) {
		space->largest_acked = f->ack.largest;
		quic_conn_ecn_ack(c, s, f, ect, ect_time);
	}
	/* Ours in the current key phase were acked: it may change again. */
	if (s == QUIC_SPACE_APP && f->ack.largest >= c->ku_first_pn)
		c->ku_acked = true;
	space->any_acked = true;
	c->pto_count = 0;
	quic_conn_detect_lost(c, s);
	c->cong.limited = false;
	if ((acked || space->loss_time) && quic_conn_complete(c))
		quic_conn_timer_arm(c);
	return 0;
}

static bool quic_in_flight(struct quic_conn *c)
{
	struct quic_sent *p;
	int s;

	for (s = 0; s < QUIC_SPACE_MAX; s++)
		list_for_each_entry(p, &c->space[s].sent, list)
			if (p->ack_eliciting)
				return true;
	return false;
}

/* The probe timeout without backoff, in us (RFC 9002 section 6.2.1). */
u64 quic_conn_pto(struct quic_conn *c)
{
	const struct quic_config *cfg = &quic_sk(c->sk)->config;
	u64 pto;

	if (c->rtt_sampled)
		pto = c->smoothed_rtt + max_t(u64, 4 * c->rttvar, 1000);
	else
		pto = 3 * cfg->initial_smoothed_rtt;
	return pto + quic_sk(c->sk)->remote_param.max_ack_delay;
}

/*
 * The probe timeout doubles with each one that expires (RFC 9002 6.2.1;
 * before any RTT sample, from 3 initial RTTs), up to 64 times, but never
 * beyond a minute nor beyond a quarter of the idle timeout.  The peer's
 * idle timer runs from the last packet it heard: a sender that waited
 * longer than that between probes would find the connection closed by the
 * peer when the path came back, though it never stopped trying.  RFC 9000
 * section 10.1 wants several probes out before the idle timeout ends.
 */
static u64 quic_conn_pto_backoff(struct quic_conn *c)
{
	u64 pto = quic_conn_pto(c), limit = 60 * USEC_PER_SEC;

	if (c->idle_timeout)
		limit = min(limit, max(pto, div_u64(c->idle_timeout, 4)));
	return min(pto << min_t(u32, c->pto_count, 6), limit);
}

/**
 * quic_conn_timer_arm - set the probe timeout from now
 * @c: the connection
 *
 * Called after sending, and when an ACK acknowledged something: the
 * timeout runs from the latest sign of life (RFC 9002 section 6.2.1).
 */
void quic_conn_timer_arm(struct quic_conn *c)
{
	u64 pto, loss = quic_conn_loss_time(c), now;
	unsigned long when;

	if (quic_conn_ended(c))
		return;
	/* RFC 9002 A.8: a packet about to turn lost by time comes first. */
	if (loss) {
		now = ktime_to_us(ktime_get());
		when = jiffies + usecs_to_jiffies(loss > now ? loss - now : 0);
		sk_reset_timer(c->sk, &c->timer, when);
		return;
	}
	pto = quic_conn_pto_backoff(c);
	when = jiffies + usecs_to_jiffies(pto);
	if (!quic_conn_complete(c)) {
		when = min(when, c->handshake_deadline);
	} else if (!quic_in_flight(c)) {
		/* Nothing to probe for: a deadline left from before must not
		 * stand for the next packet's.
		 */
		sk_stop_timer(c->sk, &c->timer);
		return;
	}
	sk_reset_timer(c->sk, &c->timer, when);
}

/* The probe timeout: send again what is not acknowledged, or a PING. */
static void quic_conn_timeout(struct quic_conn *c)
{
	struct quic_sent *p, *tmp;
	struct sock *sk = c->sk;
	int s, n;

	if (!quic_conn_complete(c) &&
	    time_after_eq(jiffies, c->handshake_deadline)) {
		quic_conn_end(c, QUIC_TRACE_CLOSE_HANDSHAKE_TIMEOUT, ETIMEDOUT,
			      0, 0, false);
		return;
	}
	if (quic_conn_loss_timer(c)) {
		quic_conn_flush(c);
		quic_conn_timer_arm(c);
		return;
	}
	c->pto_count++;
	QUIC_INC_STATS(sock_net(sk), QUIC_MIB_PTO);
	trace_quic_pto(sk, c->pto_count);
	/* RFC 9000 13.4.2: no answer through two probe timeouts to a path
	 * still tested for ECN: a network element may drop marked packets;
	 * the probes go unmarked.
	 */
	if (c->pto_count >= 2 && (c->path.ecn == QUIC_ECN_TESTING ||
				  c->path.ecn == QUIC_ECN_UNKNOWN))
		quic_conn_ecn_state(c, QUIC_ECN_FAILED);
	/* RFC 9002 6.2.2.1: a client probes even with nothing in flight, so
	 * that a server held by its amplification limit hears from it.
	 */
	if (!c->is_server && !quic_conn_confirmed(c) && !quic_in_flight(c)) {
		s = quic_space_can_send(c, QUIC_SPACE_HANDSHAKE) ?
		    QUIC_SPACE_HANDSHAKE : QUIC_SPACE_INITIAL;
		c->probe[s] = quic_space_can_send(c, s);
	}
	for (s = 0; s < QUIC_SPACE_MAX; s++) {
		if (!quic_space_can_send(c, s))
			continue;
		if (c->space[s].cs.acked < c->space[s].cs.sent) {
			c->space[s].cs.sent = c->space[s].cs.acked;
			continue;
		}
		/* RFC 9002 6.2.4: probe with data that is not acknowledged:
		 * the oldest two packets' frames go out again, in two
		 * datagrams of 1-RTT (one lost probe is then not the end of
		 * the round: at 30% loss each way a round of one fails half
		 * of the time, of two a third).
		 */
		n = 0;
		list_for_each_entry_safe(p, tmp, &c->space[s].sent, list) {
			if (!p->ack_eliciting)
				continue;
			c->probe[s] = s == QUIC_SPACE_APP ? 2 : 1;
			if (s != QUIC_SPACE_APP || n++ == 2)
				break;
			quic_conn_sent_lost(c, s, p, false);
		}
	}
	quic_conn_flush(c);
	quic_conn_timer_arm(c);
}

/* The probe timer (and the loss timer, and the handshake deadline). */
void quic_conn_pto_timer(struct timer_list *t)
{
	struct quic_conn *c = from_timer(c, t, timer);
	struct sock *sk = c->sk;

	bh_lock_sock(sk);
	if (READ_ONCE(c->dead))
		goto out;
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &c->timer, jiffies + HZ / 20);
		goto out;
	}
	if (!quic_conn_ended(c))
		quic_conn_timeout(c);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}
