// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: connection state, and what received packets do to it.
 *
 * Everything here runs with the socket locked: under lock_sock() from
 * system calls, or under bh_lock_sock() from the receive path and the
 * timer when no system call owns the socket.
 */

#include <crypto/algapi.h>
#include <linux/slab.h>
#include <net/inet_ecn.h>
#include <net/sock.h>

#include "closing.h"
#include "conn.h"
#include "reset.h"
#include "socket.h"
#include "token.h"
#include "trace.h"
#include "wire_packet.h"

/* CRYPTO data a peer may send ahead of what was read (RFC 9000 7.5). */
#define QUIC_CRYPTO_OOO_MAX	(64 * 1024)
/* Copies of early CRYPTO data kept per level. */
#define QUIC_CRYPTO_OOO_SKBS	32
/* Handshake bytes userspace may queue at one level. */
#define QUIC_CRYPTO_SEND_MAX	(64 * 1024)
/* The shortest delayed-ACK wait, in us. */
#define QUIC_ACK_DELAY_MIN	1000
/* Packets kept while their keys are not there yet (RFC 9001 5.7). */
#define QUIC_PENDING_MAX	8

/**
 * quic_conn_create - a connection for a socket that connects or is accepted
 * @sk: the socket
 * @is_server: its role
 * @version: the QUIC version of its first packets
 * @local: our address and port
 * @peer: the peer's
 *
 * Context: process context.
 * Return: the connection, or NULL without memory.
 */
struct quic_conn *quic_conn_create(struct sock *sk, bool is_server,
				   u32 version, const union quic_addr *local,
				   const union quic_addr *peer)
{
	struct quic_conn *c;
	int i;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	if (quic_path_init(&c->path, local, peer, quic_sk(sk)->udp,
			   GFP_KERNEL_ACCOUNT)) {
		kfree(c);
		return NULL;
	}
	/* A client's peer is the one it chose: validated (RFC 9000 8). */
	c->path.validated = !is_server;
	c->sk = sk;
	c->is_server = is_server;
	c->version = version;
	for (i = 0; i < QUIC_SPACE_MAX; i++) {
		quic_ack_set_init(&c->space[i].recvd);
		INIT_LIST_HEAD(&c->space[i].sent);
		skb_queue_head_init(&c->space[i].cs.ooo);
		skb_queue_head_init(&c->space[i].pending);
	}
	quic_tp_init(&c->peer_tp);
	quic_streams_init(&c->streams);
	quic_pmtu_init(&c->pmtu);
	quic_cong_init(&c->cong, quic_sk(sk)->config.congestion_control_algo,
		       QUIC_MAX_DATAGRAM);
	quic_conn_timer_init(c);
	QUIC_INC_STATS(sock_net(sk), QUIC_MIB_HANDSHAKES_STARTED);
	return c;
}

/*
 * Either side's start: our first ID, the Initial keys, and the deadline
 * of the handshake (the idle timeout, or 30 seconds).
 */
static int quic_conn_start(struct quic_conn *c)
{
	u64 t = quic_sk(c->sk)->local_param.max_idle_timeout;
	int err;

	err = quic_cids_add_local(c, GFP_KERNEL_ACCOUNT);
	if (!err)
		err = quic_conn_initial_keys(c);
	if (err)
		return err;
	c->handshake_deadline = jiffies +
				usecs_to_jiffies(t ?: QUIC_DEF_IDLE_TIMEOUT);
	return 0;
}

/**
 * quic_conn_client_start - a client's connection, ready for its ClientHello
 * @c: the connection, just created
 *
 * RFC 9000 7.2: the first Destination Connection ID is 8 or more
 * unpredictable bytes, the seed of the Initial keys; our own first ID
 * is registered so that the server's packets find us.
 *
 * Context: process context.
 * Return: 0 or a negative errno (the caller destroys @c).
 */
int quic_conn_client_start(struct quic_conn *c)
{
	int err;

	quic_cid_generate(&c->dcid, QUIC_CID_LEN);
	c->odcid = c->dcid;
	err = quic_conn_start(c);
	if (err)
		return err;
	trace_quic_conn_new(c->sk, false, c->version, c->odcid.data,
			    c->odcid.len);
	return 0;
}

/**
 * quic_conn_server_start - a server's connection from a client's Initial
 * @c: the connection, just created
 * @h: the header of the client's first Initial packet
 *
 * Its IDs are the client's (swapped); the client's first DCID is
 * registered too, for its Initials sent again, and seeds the keys.
 *
 * Context: process context.
 * Return: 0, -EEXIST if a copy of that Initial made a connection already,
 * or another negative errno.
 */
int quic_conn_server_start(struct quic_conn *c, const struct quic_packet_hdr *h)
{
	struct quic_conn_id *first = &c->odcid;
	struct quic_cid_entry *e;
	int err;

	/* RFC 9000 8.1.2 and 7.3: after our Retry, the client's first ID is
	 * in the token, and the one it sends to now is the Retry's; its
	 * address is validated.  The receive path checked the token's age
	 * when it came; however long it waited for accept(), it holds.
	 */
	if (quic_sk(c->sk)->config.validate_peer_address) {
		err = quic_token_check(sock_net(c->sk), &c->path.peer,
				       h->token, h->token_len, U32_MAX,
				       &c->odcid);
		if (err)
			return -EAGAIN;	/* not ours: skipped */
		first = &c->retry_scid;
		c->retry_seen = true;
		c->path.validated = true;
	}
	first->len = h->dcid_len;
	memcpy(first->data, h->dcid, h->dcid_len);
	c->dcid.len = h->scid_len;
	memcpy(c->dcid.data, h->scid, h->scid_len);
	c->dcid_set = true;
	trace_quic_conn_new(c->sk, true, c->version, c->odcid.data,
			    c->odcid.len);
	e = quic_cid_register(c->sk, first, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(e))
		return PTR_ERR(e);
	c->odcid_entry = e;
	return quic_conn_start(c);
}

static void quic_space_free(struct quic_space *s)
{
	struct quic_sent *p, *tmp;

	list_for_each_entry_safe(p, tmp, &s->sent, list) {
		list_del(&p->list);
		kfree(p);
	}
	s->ack_only = 0;
	kfree(s->cs.buf);
	s->cs.buf = NULL;
	s->cs.cap = 0;
	__skb_queue_purge(&s->cs.ooo);
	__skb_queue_purge(&s->pending);
}

/* The other version's Initial keys (quic_conn_initial_keys()). */
static void quic_conn_alt_free(struct quic_conn *c)
{
	if (!c->initial_alt)
		return;
	quic_crypto_free(c->initial_alt);
	kfree(c->initial_alt);
	c->initial_alt = NULL;
}

/**
 * quic_conn_discard_space - drop a packet number space and its keys
 * @c: the connection
 * @s: the space
 *
 * RFC 9001 section 4.9: Initial keys go when the Handshake level is in use,
 * Handshake keys when the handshake is confirmed.
 */
void quic_conn_discard_space(struct quic_conn *c, enum quic_space_id s)
{
	struct quic_space *space = &c->space[s];

	if (space->discarded)
		return;
	space->discarded = true;
	space->ack_pending = false;
	quic_space_free(space);
	quic_crypto_free(&c->crypto[quic_space_level(s)]);
	if (s == QUIC_SPACE_INITIAL)
		quic_conn_alt_free(c);
}

void quic_conn_destroy(struct quic_conn *c)
{
	int i;

	if (!quic_conn_complete(c))
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_HANDSHAKES_FAILED);
	/* The timer may be running: it sees @dead and does not re-arm. */
	WRITE_ONCE(c->dead, true);
	sk_stop_timer_sync(c->sk, &c->timer);
	sk_stop_timer_sync(c->sk, &c->ack_timer);
	sk_stop_timer_sync(c->sk, &c->idle_timer);
	if (hrtimer_cancel(&c->pace_timer))
		__sock_put(c->sk);

	quic_cids_free(c);
	if (c->odcid_entry)
		quic_cid_unregister(c->odcid_entry);
	quic_streams_free(c);
	for (i = 0; i < QUIC_SPACE_MAX; i++)
		quic_space_free(&c->space[i]);
	for (i = 0; i < QUIC_CRYPTO_MAX; i++)
		quic_crypto_free(&c->crypto[i]);
	quic_conn_alt_free(c);
	kfree(c->close_phrase);
	kfree(c->close_dgram);
	kfree(c->peer_phrase);
	kfree(c->token);
	quic_path_free(&c->path);
	if (c->alt_set)
		quic_path_free(&c->alt);
	if (c->udp_old)
		quic_udp_sock_put(c->udp_old);
	/* /proc/net/quic/sockets may still be reading it. */
	kfree_rcu(c, rcu);
}

static void quic_conn_wake(struct quic_conn *c)
{
	struct sock *sk = c->sk;

	sk->sk_state_change(sk);
	sk->sk_data_ready(sk);
}

/* Why a closed connection takes nothing more: its error, else EPIPE. */
static int quic_conn_closed_err(struct quic_conn *c)
{
	int err = READ_ONCE(c->sk->sk_err);

	return err ? -err : -EPIPE;
}

static void quic_conn_work_schedule(struct quic_conn *c, u64 delay_us);

/*
 * The handshake moves on, never back.  Confirmed (RFC 9001 4.1.2), the
 * Initial and Handshake keys go (4.9.2), and a client may try the
 * server's preferred address.
 */
static void quic_conn_phase(struct quic_conn *c, enum quic_phase phase)
{
	if (phase <= c->phase)
		return;
	c->phase = phase;
	if (phase != QUIC_PHASE_CONFIRMED)
		return;
	quic_conn_discard_space(c, QUIC_SPACE_INITIAL);
	quic_conn_discard_space(c, QUIC_SPACE_HANDSHAKE);
	if (c->pref_pending)
		quic_conn_work_schedule(c, 0);
}

/* The handshake is over for TLS: both 1-RTT directions are installed. */
static void quic_conn_established(struct quic_conn *c)
{
	struct sock *sk = c->sk;

	quic_conn_phase(c, QUIC_PHASE_COMPLETE);
	QUIC_INC_STATS(sock_net(sk), QUIC_MIB_HANDSHAKES_COMPLETED);
	quic_streams_start(c);
	quic_cids_start(c);
	quic_set_state(sk, TCP_ESTABLISHED);
	quic_conn_idle_start(c);
	if (c->is_server) {
		/* RFC 9001 4.1.2: complete is confirmed for a server. */
		c->handshake_done_pending = true;
		quic_conn_phase(c, QUIC_PHASE_CONFIRMED);
	}
	quic_conn_wake(c);
}

/*
 * 1-RTT packets go without protection only when both ends asked for it
 * with disable_1rtt_encryption (a private transport parameter).
 */
static void quic_conn_update_plaintext(struct quic_conn *c)
{
	c->crypto[QUIC_CRYPTO_APP].plaintext =
		c->peer_tp_set &&
		quic_tp_has(&c->peer_tp, QUIC_TP_DISABLE_1RTT_ENCRYPTION) &&
		quic_sk(c->sk)->local_param.disable_1rtt_encryption;
}

static void quic_conn_rcv_pending(struct quic_conn *c, enum quic_space_id s);

/**
 * quic_conn_set_secret - install the keys of one direction of one level
 * @c: the connection
 * @s: what userspace gave with QUIC_SOCKOPT_CRYPTO_SECRET
 *
 * The application-level receive secret comes last, once TLS has finished
 * (libquic holds it back until then): it marks the handshake complete.
 *
 * Context: process context, socket locked.
 * Return: 0; the connection's error (or -EPIPE) once it closed; or
 * another negative errno.
 */
int quic_conn_set_secret(struct quic_conn *c,
			 const struct quic_crypto_secret *s)
{
	enum quic_space_id space = quic_level_space(s->level);
	u32 secret_len = quic_crypto_secret_len(s->type);
	int err;

	if (s->level >= QUIC_CRYPTO_MAX || s->send > 1 || !secret_len)
		return -EINVAL;
	if (quic_conn_ended(c))
		return quic_conn_closed_err(c);
	if (c->space[space].discarded)
		return -EINVAL;
	err = quic_crypto_set_secret(&c->crypto[s->level], c->version,
				     s->type, s->send, s->secret, secret_len);
	if (err)
		return err;
	trace_quic_key_change(c->sk, s->level, s->send, false, 0, false);
	quic_conn_update_plaintext(c);

	if (s->level == QUIC_CRYPTO_APP && !s->send) {
		if (!c->crypto[QUIC_CRYPTO_APP].tx.ready)
			return -EINVAL;
		err = quic_crypto_key_update_prepare(&c->crypto[s->level]);
		if (err)
			return err;
		/* The first update waits for nothing else (section 6.1). */
		c->ku_next_ready = true;
		c->ku_peer_seen = true;
		c->ku_peer_acked = true;
		c->ku_acked = true;
		quic_conn_established(c);
	}
	if (!s->send)
		quic_conn_rcv_pending(c, space);
	quic_conn_flush(c);
	return 0;
}

/*
 * Key update (RFC 9001 section 6).  The next phase's keys are derived
 * ahead, in process context (deriving allocates): once with the 1-RTT
 * keys, then at once after each update.  The receive keys of the phase
 * left stay for packets still on their way until three probe timeouts
 * after the peer was first seen in the new phase (section 6.5); a packet
 * in the other phase opens with them when its number is below every
 * packet of the current phase, else with the next keys.  So a peer's
 * updates are followed however fast they come; our own wait until the old
 * keys are gone (section 6.5's three probe timeouts).
 *
 * The socket's work item runs quic_conn_work() @delay_us from now, or
 * sooner if it is due sooner already (each run schedules what it still
 * has to do); it holds a reference on the socket until it has run.  A
 * Retry's new Initial keys use it too.
 */
static void quic_conn_work_schedule(struct quic_conn *c, u64 delay_us)
{
	struct delayed_work *w = &quic_sk(c->sk)->work;
	unsigned long delay = usecs_to_jiffies(delay_us);

	if (delayed_work_pending(w) &&
	    time_before_eq(w->timer.expires, jiffies + delay))
		return;
	sock_hold(c->sk);
	if (mod_delayed_work(quic_wq, w, delay))
		__sock_put(c->sk);	/* it was pending: it holds one */
}

/* A failure (memory) closes the connection: the peer's next update could
 * not be followed.
 */
static void quic_conn_key_update_prepare(struct quic_conn *c)
{
	struct quic_crypto *cr = &c->crypto[QUIC_CRYPTO_APP];

	/* Before the 1-RTT keys (a Retry's work), there is nothing to do. */
	if (quic_conn_ended(c) || c->ku_next_ready || !cr->tx.ready || !cr->rx.ready)
		return;
	if (quic_crypto_key_update_prepare(cr)) {
		quic_conn_close(c, QUIC_TRANSPORT_ERROR_INTERNAL, 0, false);
		return;
	}
	c->ku_next_ready = true;
}

/* The old receive keys go three probe timeouts after the peer's switch. */
static void quic_conn_old_keys_expire(struct quic_conn *c)
{
	struct quic_crypto *cr = &c->crypto[QUIC_CRYPTO_APP];
	unsigned long left;

	if (!cr->rx.old_ready || !c->ku_peer_seen)
		return;
	left = c->ku_old_until - jiffies;
	if (time_before(jiffies, c->ku_old_until)) {
		quic_conn_work_schedule(c, jiffies_to_usecs(left));
		return;
	}
	quic_crypto_old_keys_drop(cr);
}

/* ---- Versions (RFC 9368, RFC 9369) ---- */

/* The other of the two versions we speak; they are compatible. */
static u32 quic_version_other(u32 version)
{
	return version == QUIC_VERSION_V1 ? QUIC_VERSION_V2 : QUIC_VERSION_V1;
}

/* Initial keys of @version, from @cid, into @c->initial_alt. */
static int quic_conn_alt_keys(struct quic_conn *c, u32 version,
			      const struct quic_conn_id *cid)
{
	struct quic_crypto *alt = c->initial_alt;
	int err;

	if (!alt) {
		alt = kzalloc(sizeof(*alt), GFP_KERNEL_ACCOUNT);
		if (!alt)
			return -ENOMEM;
		c->initial_alt = alt;
	}
	quic_crypto_free(alt);
	err = quic_crypto_initial_keys(alt, version, cid->data, cid->len,
				       c->is_server);
	if (err)
		return err;
	c->alt_version = version;
	return 0;
}

/* The ID a server's Initial keys come from: the client's current DCID. */
static const struct quic_conn_id *quic_conn_server_cid(struct quic_conn *c)
{
	return c->retry_seen ? &c->retry_scid : &c->odcid;
}

/**
 * quic_conn_initial_keys - derive the Initial keys
 * @c: the connection
 *
 * From the client's first Destination Connection ID (or, after a Retry,
 * the server's new one).  A client that allows compatible version
 * negotiation also derives those of the other version, for a server that
 * moves it there (RFC 9369 section 4).
 *
 * Context: process context; allocates.
 * Return: 0 or a negative error.
 */
int quic_conn_initial_keys(struct quic_conn *c)
{
	const struct quic_conn_id *cid = c->is_server ? quic_conn_server_cid(c) :
							&c->dcid;
	struct quic_crypto *crypto = &c->crypto[QUIC_CRYPTO_INITIAL];
	int err;

	quic_crypto_free(crypto);
	err = quic_crypto_initial_keys(crypto, c->version, cid->data, cid->len,
				       c->is_server);
	if (err || c->is_server ||
	    quic_sk(c->sk)->local_param.disable_compatible_version)
		return err;
	return quic_conn_alt_keys(c, quic_version_other(c->version), cid);
}

/* Take @c->initial_alt's keys and version in place of the Initial ones. */
static void quic_conn_alt_swap(struct quic_conn *c)
{
	swap(c->crypto[QUIC_CRYPTO_INITIAL], *c->initial_alt);
	swap(c->version, c->alt_version);
}

/*
 * RFC 9368 section 4, the peer's version_information.  A server checks
 * that the client's Chosen Version is the one its first flight came in,
 * and moves the connection to the version set by QUIC_SOCKOPT_CONFIG if
 * the client lists it.  A client checks that the server's Chosen Version
 * is the one the server's packets use.
 *
 * Return: 0, or a negative errno after closing the connection with
 * VERSION_NEGOTIATION_ERROR (-EPROTONOSUPPORT) or for want of memory.
 */
static int quic_conn_version_info(struct quic_conn *c,
				  const struct quic_tp *tp)
{
	const struct quic_tp_version_info *vi = &tp->version_info;
	bool has = quic_tp_has(tp, QUIC_TP_VERSION_INFORMATION);
	struct quic_sock *qs = quic_sk(c->sk);
	u32 want = qs->config.version, i;
	int err;

	if (!c->is_server) {
		/* Absent: only a server that did not move may leave it out. */
		if (has ? vi->chosen == c->version : !c->version_moved)
			return 0;
		goto fail;
	}
	if (!has)
		return 0;	/* section 4: a server MAY go on without it */
	if (vi->chosen != c->version)
		goto fail;
	if (!qs->version_set || want == c->version ||
	    qs->local_param.disable_compatible_version)
		return 0;
	for (i = 0; i < vi->count; i++)
		if (quic_tp_available_version(tp, i) == want)
			break;
	if (i == vi->count)
		return 0;
	err = quic_conn_alt_keys(c, want, quic_conn_server_cid(c));
	if (err) {
		quic_conn_close(c, QUIC_TRANSPORT_ERROR_INTERNAL, 0, false);
		return err;
	}
	/* Our Initials from here on are in @want; the client's may still
	 * come in the original version until it sees one of ours.
	 */
	quic_conn_alt_swap(c);
	c->version_moved = true;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_VERSION_MOVES);
	trace_quic_version_moved(c->sk, c->alt_version, c->version);
	return 0;
fail:
	quic_conn_violation(c, QUIC_TRANSPORT_ERROR_VERSION_NEGOTIATION, 0);
	return -EPROTONOSUPPORT;
}

/*
 * After a Retry: Initial keys from the server's new connection ID, and
 * everything sent in Initial packets to go again, in new ones that carry
 * the token.  RFC 9002 section 6.3: a Retry acknowledges nothing and
 * resets loss recovery, so nothing counts as lost for congestion.
 */
static void quic_conn_retry_rekey(struct quic_conn *c)
{
	struct quic_space *space = &c->space[QUIC_SPACE_INITIAL];
	struct quic_sent *p, *tmp;

	c->retry_pending = false;
	if (quic_conn_ended(c) || space->discarded)
		return;
	if (quic_conn_initial_keys(c)) {
		quic_conn_close(c, QUIC_TRANSPORT_ERROR_INTERNAL, 0, false);
		return;
	}
	list_for_each_entry_safe(p, tmp, &space->sent, list)
		quic_conn_sent_lost(c, QUIC_SPACE_INITIAL, p, false);
	c->pto_count = 0;
	quic_conn_flush(c);
}

/* ---- Paths (RFC 9000 sections 8.2 and 9) ---- */

/* A new PATH_CHALLENGE for @p: unpredictable data, kept to be matched. */
static void quic_path_challenge_new(struct quic_conn *c, struct quic_path *p)
{
	get_random_bytes(p->challenge, QUIC_PATH_DATA_LEN);
	p->challenging = true;
	p->challenges++;
}

/*
 * Start validating @p: the first challenge goes now, the next ones each
 * probe timeout; after max(3 PTO, 6 initial RTTs) it has failed (8.2.4).
 */
static void quic_path_validate(struct quic_conn *c, struct quic_path *p,
			       bool limited)
{
	u64 t = max_t(u64, 3 * quic_conn_pto(c),
		      6 * quic_sk(c->sk)->config.initial_smoothed_rtt);

	/* A new peer address is held to 3x until validated (8.1, 9.3). */
	p->validated = !limited;
	p->challenges = 0;
	quic_path_challenge_new(c, p);
	p->challenge_until = jiffies + usecs_to_jiffies(t);
	quic_conn_path_send(c, p);
	quic_conn_work_schedule(c, quic_conn_pto(c));
}

/* RFC 9000 9.4: a new path starts congestion control and RTT afresh. */
static void quic_conn_path_reset(struct quic_conn *c)
{
	quic_cong_init(&c->cong, quic_sk(c->sk)->config.congestion_control_algo,
		       QUIC_MAX_DATAGRAM);
	c->rtt_sampled = false;
	c->latest_rtt = 0;
	c->smoothed_rtt = 0;
	c->rttvar = 0;
	c->min_rtt = 0;
}

/* The path in use changed: the socket shows its addresses. */
static void quic_conn_path_now(struct quic_conn *c)
{
	quic_sk_set_peer(c->sk, &c->path.peer);
	quic_sk_set_local(c->sk, &c->path.local);
}

/*
 * The UDP socket for datagrams to our address @local: a server's
 * preferred address has its own.
 */
static struct quic_udp_sock *quic_conn_udp_for(struct quic_conn *c,
					       const union quic_addr *local)
{
	struct quic_udp_sock *pref = quic_sk(c->sk)->pref_udp;

	if (c->is_server && pref && quic_addr_same(&pref->addr, local))
		return pref;
	return quic_sk(c->sk)->udp;
}

/* Whether two addresses differ in more than the port. */
static bool quic_addr_other_ip(const union quic_addr *a,
			       const union quic_addr *b)
{
	union quic_addr t = *a;

	t.v4.sin_port = quic_addr_be_port(b);
	return !quic_addr_same(&t, b);
}

/* A move is complete: QUIC_EVENT_CONNECTION_MIGRATION, 1 if ours. */
static void quic_conn_path_moved(struct quic_conn *c, bool local)
{
	u8 v = local;

	quic_sk_event(c->sk, QUIC_EVENT_CONNECTION_MIGRATION, &v, sizeof(v));
}

/*
 * RFC 9000 9.3: the peer's non-probing packet, the newest so far, came
 * from another address: it moved (a NAT rebinding, or a migration of its
 * own).  Send there from now on, keep the old path to go back to, and
 * validate the new one; until it is validated, at most three times what
 * came from it goes there.
 */
static void quic_conn_peer_moved(struct quic_conn *c,
				 const union quic_addr *src,
				 const union quic_addr *dst, u32 len)
{
	/* A port change alone (a NAT rebinding) keeps the path's state. */
	bool new_ip = quic_addr_other_ip(&c->path.peer, src) ||
		      quic_addr_other_ip(&c->path.local, dst);
	/* A peer validated before, now at our other address (it moved to
	 * our preferred address, which it validated itself), is not held
	 * to three times what it sent.
	 */
	bool limited = !c->path.validated ||
		       !quic_addr_same(&c->path.peer, src);
	struct quic_path tmp;

	if (c->alt_set && quic_addr_same(&c->alt.peer, src) &&
	    quic_addr_same(&c->alt.local, dst)) {
		tmp = c->path;
		c->path = c->alt;
		c->alt = tmp;
	} else {
		if (quic_path_init(&tmp, dst, src, quic_conn_udp_for(c, dst),
				   GFP_ATOMIC))
			return;
		if (c->alt_set)
			quic_path_free(&c->alt);
		c->alt = c->path;
		c->path = tmp;
	}
	c->alt_set = true;
	c->alt_is_old = true;
	if (!c->path.validated)
		c->path.bytes_recvd += len;
	if (new_ip)
		quic_conn_path_reset(c);
	quic_conn_path_now(c);
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PEER_MIGRATIONS);
	/* RFC 9000 9.5: it moved to a new ID of ours; so do we, if it gave
	 * us one unused (a NAT rebinding keeps the IDs).
	 */
	if (c->rx_dcid_changed)
		quic_cids_migrate(c, GFP_ATOMIC);
	if (!c->path.validated) {
		quic_path_validate(c, &c->path, limited);
		return;
	}
	/* Back on a path validated before: the move is complete. */
	quic_path_free(&c->alt);
	c->alt_set = false;
	quic_conn_path_moved(c, false);
}

/*
 * After a datagram from an address other than the path's: a server
 * follows a peer that moved; anything else (a probe of a new path, or
 * a packet that came late from an old one) is answered, if it asked, on
 * a path of its own.
 */
static void quic_conn_rcv_other(struct quic_conn *c,
				const union quic_addr *src,
				const union quic_addr *dst, u32 len)
{
	/* Only what the peer sent counts: our IDs are no secret.  It may
	 * have moved us there (a client's preferred address validated).
	 */
	if (quic_conn_ended(c) || !quic_conn_confirmed(c) || !c->rx_opened ||
	    (quic_addr_same(&c->path.peer, src) &&
	     quic_addr_same(&c->path.local, dst)))
		return;
	if (c->is_server && c->rx_nonprobing && c->rx_newest) {
		quic_conn_peer_moved(c, src, dst, len);
		return;
	}
	if (!c->alt_set || !quic_addr_same(&c->alt.peer, src) ||
	    !quic_addr_same(&c->alt.local, dst)) {
		struct quic_path p;

		/* The path left is kept while the new one is validated, and
		 * so is the preferred address a client probes.
		 */
		if (c->alt_set && ((c->alt_is_old && c->path.challenging) ||
				   c->alt.has_dcid))
			return;
		if (quic_path_init(&p, dst, src, quic_conn_udp_for(c, dst),
				   GFP_ATOMIC))
			return;
		if (c->alt_set)
			quic_path_free(&c->alt);
		c->alt = p;
		c->alt_set = true;
		c->alt_is_old = false;
	}
	if (!c->alt.validated)
		c->alt.bytes_recvd += len;
	if (c->response_pending && c->response_alt)
		quic_conn_path_send(c, &c->alt);
}

/*
 * RFC 9000 9.6: the server's preferred address of our peer's family (an
 * IPv4 one, v4-mapped on an AF_INET6 socket, for an IPv4 peer); false if
 * it gave none of that family, or the address in use.
 */
static bool quic_conn_pref_addr(struct quic_conn *c, union quic_addr *a)
{
	const struct quic_tp_preferred_address *pa =
		&c->peer_tp.preferred_address;
	const union quic_addr *cur = &c->path.peer;
	__be32 v4;

	memset(a, 0, sizeof(*a));
	if (quic_addr_v4(cur)) {
		memcpy(&v4, pa->ipv4_addr, sizeof(v4));
		/* RFC 9000 21.5: no probes to where many would hear them. */
		if (!pa->ipv4_port || ipv4_is_zeronet(v4) ||
		    ipv4_is_multicast(v4) || ipv4_is_lbcast(v4))
			return false;
		if (cur->sa.sa_family == AF_INET) {
			a->v4.sin_family = AF_INET;
			a->v4.sin_addr.s_addr = v4;
			a->v4.sin_port = htons(pa->ipv4_port);
		} else {
			a->v6.sin6_family = AF_INET6;
			ipv6_addr_set_v4mapped(v4, &a->v6.sin6_addr);
			a->v6.sin6_port = htons(pa->ipv4_port);
		}
	} else {
		a->v6.sin6_family = AF_INET6;
		memcpy(&a->v6.sin6_addr, pa->ipv6_addr, sizeof(pa->ipv6_addr));
		a->v6.sin6_port = htons(pa->ipv6_port);
		if (!pa->ipv6_port || ipv6_addr_any(&a->v6.sin6_addr) ||
		    ipv6_addr_is_multicast(&a->v6.sin6_addr) ||
		    ipv6_addr_v4mapped(&a->v6.sin6_addr))
			return false;
	}
	return !quic_addr_same(a, cur);
}

/*
 * RFC 9000 9.6.1: once the handshake is confirmed, a client probes the
 * server's preferred address (from the same local address, to the
 * server's connection ID number 1, which came with it), and moves there
 * only when a PATH_RESPONSE has validated it; if none comes, it stays.
 */
static void quic_conn_pref_probe(struct quic_conn *c)
{
	const struct quic_cid_remote *r = &c->cids.remote[1];
	struct quic_path p;

	c->pref_pending = false;
	if (quic_conn_ended(c) || c->alt_set || c->migrating || c->path.challenging ||
	    !r->set || r->seq != 1 || c->cids.remote_active != 0)
		return;
	if (quic_path_init(&p, &c->path.local, &c->pref_peer, c->path.udp,
			   GFP_KERNEL))
		return;
	p.dcid = r->cid;
	p.has_dcid = true;
	c->alt = p;
	c->alt_set = true;
	c->alt_is_old = false;
	/* Probes only: data stays on the path in use until the move. */
	quic_path_validate(c, &c->alt, false);
}

/*
 * The preferred address answered: the connection moves there, to ID
 * number 1 (number 0 is retired), with congestion control and RTT
 * afresh (9.4); the original path is left.
 */
static void quic_conn_pref_move(struct quic_conn *c)
{
	struct quic_path tmp;

	if (quic_cids_migrate(c, GFP_ATOMIC))
		return;
	tmp = c->path;
	c->path = c->alt;
	c->alt = tmp;
	c->path.has_dcid = false;
	quic_path_free(&c->alt);
	c->alt_set = false;
	quic_conn_path_reset(c);
	quic_conn_path_now(c);
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PREFERRED_MOVES);
	quic_conn_path_moved(c, false);
}

/* RFC 9000 8.2.3: a PATH_RESPONSE that echoes one of our challenges. */
static void quic_conn_path_response(struct quic_conn *c, const u8 *data)
{
	struct quic_path *p = &c->path;

	if (!p->challenging ||
	    crypto_memneq(p->challenge, data, QUIC_PATH_DATA_LEN)) {
		p = &c->alt;
		if (!c->alt_set || !p->challenging ||
		    crypto_memneq(p->challenge, data, QUIC_PATH_DATA_LEN))
			return;
	}
	p->challenging = false;
	p->validated = true;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PATHS_VALIDATED);
	if (p == &c->alt && p->has_dcid) {
		quic_conn_pref_move(c);
		return;
	}
	/* A move, ours or the peer's, is complete: the path left goes. */
	if (p == &c->path && c->alt_set && c->alt_is_old) {
		bool local = c->migrating;

		quic_path_free(&c->alt);
		c->alt_set = false;
		if (c->migrating) {
			c->migrating = false;
			quic_conn_work_schedule(c, 0);	/* udp_old goes */
		}
		quic_conn_path_moved(c, local);
	}
}

/*
 * A client's migration failed: back to the old path and UDP socket, the
 * new one released (process context).
 */
static void quic_conn_migrate_undo(struct quic_conn *c)
{
	struct quic_udp_sock *us;

	c->migrating = false;
	us = quic_sk_swap_udp(c->sk, c->udp_old, &c->path.local);
	c->udp_old = NULL;
	quic_udp_sock_put(us);
}

/**
 * quic_conn_migrate - a client moves to a new local address
 * @c: the connection, its handshake confirmed
 * @us: the UDP socket of the new address (the caller's reference)
 * @la: the new address and port
 *
 * RFC 9000 section 9.2: packets go from the new address at once, to a
 * connection ID of the peer's not used before (the old one is retired),
 * and the new path is validated with PATH_CHALLENGE; if that fails, the
 * connection goes back to the old one.  Once it succeeds,
 * QUIC_EVENT_CONNECTION_MIGRATION says so.
 *
 * Context: process context, socket locked.
 * Return: 0; -EPERM if the peer sent disable_active_migration; -EBUSY
 * while a move is under way; -EAGAIN if the peer gave no unused
 * connection ID; -ENOMEM.
 */
int quic_conn_migrate(struct quic_conn *c, struct quic_udp_sock *us,
		      const union quic_addr *la)
{
	struct quic_path p;
	int err;

	if (quic_tp_has(&c->peer_tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION))
		return -EPERM;
	if (c->migrating || c->udp_old || c->path.challenging)
		return -EBUSY;
	err = quic_path_init(&p, la, &c->path.peer, us, GFP_KERNEL);
	if (err)
		return err;
	err = quic_cids_migrate(c, GFP_KERNEL);
	if (err) {
		quic_path_free(&p);
		return err;
	}
	if (c->alt_set)
		quic_path_free(&c->alt);
	c->alt = c->path;
	c->alt_set = true;
	c->alt_is_old = true;
	c->path = p;
	c->migrating = true;
	c->udp_old = quic_sk_swap_udp(c->sk, us, la);
	/* The peer's address is the same, and was validated. */
	quic_path_validate(c, &c->path, false);
	quic_conn_flush(c);
	return 0;
}

/*
 * The validation of the path in use, from the connection's work: another
 * challenge each probe timeout, and at the end, if none was answered,
 * back to the path left (RFC 9000 9.3.2), or, with none, the connection
 * ends silently as it would at its idle timeout (8.2.4).
 */
static void quic_conn_path_check(struct quic_conn *c)
{
	struct quic_path *p = &c->path, tmp;

	if (quic_conn_ended(c))
		return;
	/* A preferred address probed: again, or given up. */
	if (c->alt_set && c->alt.has_dcid && c->alt.challenging) {
		if (time_before(jiffies, c->alt.challenge_until)) {
			quic_path_challenge_new(c, &c->alt);
			quic_conn_path_send(c, &c->alt);
			quic_conn_work_schedule(c, quic_conn_pto(c));
		} else {
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_PATH_FAILURES);
			quic_path_free(&c->alt);
			c->alt_set = false;
		}
	}
	if (!p->challenging)
		return;
	if (time_before(jiffies, p->challenge_until)) {
		quic_path_challenge_new(c, p);
		quic_conn_path_send(c, p);
		quic_conn_work_schedule(c, quic_conn_pto(c));
		return;
	}
	p->challenging = false;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_PATH_FAILURES);
	if (c->alt_set && c->alt_is_old) {
		tmp = c->path;
		c->path = c->alt;
		c->alt = tmp;
		c->alt_is_old = false;
		if (c->migrating) {
			quic_path_free(&c->alt);
			c->alt_set = false;
			quic_conn_migrate_undo(c);
		}
		quic_conn_path_now(c);
		return;
	}
	quic_conn_end(c, QUIC_TRACE_CLOSE_IDLE, ETIME, 0, 0, false);
}

/**
 * quic_conn_work - what the connection does in process context
 * @c: the connection
 *
 * Deriving keys allocates: the Initial keys after a Retry, and the next
 * key phase's (RFC 9001 section 6.5).  The socket's work item calls this.
 *
 * Context: process context, socket locked.
 */
void quic_conn_work(struct quic_conn *c)
{
	if (c->retry_pending)
		quic_conn_retry_rekey(c);
	if (c->pref_pending && quic_conn_confirmed(c))
		quic_conn_pref_probe(c);
	quic_conn_path_check(c);
	if (c->udp_old && !c->migrating) {
		quic_udp_sock_put(c->udp_old);
		c->udp_old = NULL;
	}
	quic_conn_key_update_prepare(c);
	quic_conn_old_keys_expire(c);
}

/*
 * RFC 9000 17.2.5.2: a client takes one Retry, before any other packet
 * from the server, and only with the right integrity tag (RFC 9001
 * section 5.8), computed over the Retry with the DCID of our first Initial
 * in front.  It then talks to the Retry's SCID, with its token.
 */
static void quic_conn_retry(struct quic_conn *c, const u8 *p,
			    const struct quic_packet_hdr *h)
{
	u32 len = h->len - QUIC_PACKET_RETRY_TAG_LEN, plen;
	u8 tag[QUIC_PACKET_RETRY_TAG_LEN], *pseudo;
	int err;

	/* RFC 9000 17.2.5.2: one Retry, with a token, from a new ID. */
	if (c->is_server || c->retry_seen || c->dcid_set ||
	    h->version != c->version || h->token_len > QUIC_TOKEN_MAX_LEN ||
	    !h->scid_len || !h->token_len ||
	    (h->scid_len == c->odcid.len &&
	     !memcmp(h->scid, c->odcid.data, h->scid_len)))
		return;
	plen = quic_packet_retry_pseudo_len(c->odcid.len, len);
	pseudo = kmalloc(plen, GFP_ATOMIC);
	if (!pseudo)
		return;
	quic_packet_retry_pseudo(pseudo, c->odcid.data, c->odcid.len, p, len);
	err = quic_crypto_retry_tag(c->version, pseudo, plen, tag);
	kfree(pseudo);
	if (err || crypto_memneq(tag, h->retry_tag, sizeof(tag)))
		return;

	c->token = kmemdup(h->token, h->token_len, GFP_ATOMIC);
	if (!c->token)
		return;
	c->token_len = h->token_len;
	c->retry_scid.len = h->scid_len;
	memcpy(c->retry_scid.data, h->scid, h->scid_len);
	c->dcid = c->retry_scid;
	c->retry_seen = true;
	c->retry_pending = true;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_RETRY);
	quic_conn_work_schedule(c, 0);
}

/**
 * quic_conn_key_update - start a key update (QUIC_SOCKOPT_KEY_UPDATE)
 * @c: the connection
 *
 * From the next packet on we send in the next key phase; the peer answers
 * in it (section 6.1).
 *
 * Context: process context, socket locked.
 * Return: 0; -ENOTCONN before the handshake completed; -EAGAIN until it
 * is confirmed, and while the previous update is not done (no packet of
 * ours in the current phase acknowledged yet, the next keys not derived
 * yet, or the old ones still kept); the connection's error once it
 * closed.
 */
int quic_conn_key_update(struct quic_conn *c)
{
	struct quic_crypto *cr = &c->crypto[QUIC_CRYPTO_APP];

	if (quic_conn_ended(c))
		return quic_conn_closed_err(c);
	if (!quic_conn_complete(c))
		return -ENOTCONN;
	if (!quic_conn_confirmed(c) || !c->ku_next_ready || !c->ku_acked ||
	    cr->rx.old_ready)
		return -EAGAIN;
	quic_crypto_key_phase_switch(cr);
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_KEY_UPDATES_LOCAL);
	trace_quic_key_change(c->sk, QUIC_CRYPTO_APP, true, true,
			      cr->key_phase, false);
	quic_conn_work_schedule(c, 0);
	c->ku_next_ready = false;
	c->ku_peer_seen = false;
	c->ku_acked = false;
	c->ku_first_pn = c->space[QUIC_SPACE_APP].next_pn;
	c->key_tx_packets = 0;
	return 0;
}

/*
 * A 1-RTT packet @pn opened with the keys of @phase, or with the old keys
 * (@old: a late packet of the phase before, older than every packet of
 * this one).  The phase after ours is the peer's key update, which we
 * follow at once (section 6.2).  Once both ends are in the new phase the
 * application hears of it.
 *
 * Return: false if the packet closed the connection.
 */
static bool quic_conn_key_phase_rcv(struct quic_conn *c, u8 phase, u64 pn,
				    bool old)
{
	struct quic_crypto *cr = &c->crypto[QUIC_CRYPTO_APP];

	if (old)
		return true;
	if (phase != cr->key_phase) {
		if (!c->ku_next_ready) {
			/* Stale keys opened it: older still, or a violation. */
			if (!c->ku_peer_seen || pn < c->ku_peer_first_pn)
				return true;
			quic_conn_violation(c, QUIC_TRANSPORT_ERROR_KEY_UPDATE, 0);
			return false;
		}
		/*
		 * Section 6.1: a peer updates only once one of its packets
		 * in the current phase was acknowledged; none was (section
		 * 6.4: it updated twice without awaiting confirmation).
		 */
		if (!c->ku_peer_acked) {
			quic_conn_violation(c, QUIC_TRANSPORT_ERROR_KEY_UPDATE, 0);
			return false;
		}
		quic_crypto_key_phase_switch(cr);
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_KEY_UPDATES_PEER);
		trace_quic_key_change(c->sk, QUIC_CRYPTO_APP, false, true,
				      cr->key_phase, true);
		quic_conn_work_schedule(c, 0);
		c->ku_next_ready = false;
		c->ku_acked = false;
		c->ku_first_pn = c->space[QUIC_SPACE_APP].next_pn;
		c->key_tx_packets = 0;
	} else if (c->ku_peer_seen) {
		c->ku_peer_first_pn = min(c->ku_peer_first_pn, pn);
		return true;
	}
	c->ku_peer_seen = true;
	c->ku_peer_first_pn = pn;
	c->ku_peer_acked = false;
	c->ku_old_until = jiffies + usecs_to_jiffies(3 * quic_conn_pto(c));
	quic_conn_work_schedule(c, 3 * quic_conn_pto(c));
	quic_sk_event(c->sk, QUIC_EVENT_KEY_UPDATE, &phase, sizeof(phase));
	return true;
}

/**
 * quic_conn_end - the connection sends and takes nothing more
 * @c: the connection
 * @why: QUIC_TRACE_CLOSE_*: our CONNECTION_CLOSE (sent already), the
 *	peer's, the idle or the handshake timeout, or an abort
 * @err: the errno the application sees from now on; 0 keeps sk_err
 * @errcode: the CONNECTION_CLOSE's error code, sent or received
 * @frame: its frame type
 * @app: whether it was an application close
 *
 * Every end of a connection comes here, once: it is counted and traced,
 * the socket moves to TCP_CLOSE, the probe timer stops and the
 * application wakes up.
 */
void quic_conn_end(struct quic_conn *c, u8 why, int err, u32 errcode,
		   u64 frame, bool app)
{
	static const u8 mib[] = {
		[QUIC_TRACE_CLOSE_IDLE] = QUIC_MIB_CLOSE_IDLE_TIMEOUT,
		[QUIC_TRACE_CLOSE_HANDSHAKE_TIMEOUT] =
			QUIC_MIB_CLOSE_HANDSHAKE_TIMEOUT,
	};
	struct sock *sk = c->sk;
	struct net *net = sock_net(sk);

	if (quic_conn_ended(c))
		return;
	c->end = why == QUIC_TRACE_CLOSE_LOCAL ? QUIC_END_CLOSING :
		 why == QUIC_TRACE_CLOSE_REMOTE ? QUIC_END_DRAINING :
		 QUIC_END_CLOSED;
	if (err)
		sk->sk_err = err;
	switch (why) {
	case QUIC_TRACE_CLOSE_LOCAL:
		QUIC_INC_STATS(net, app ? QUIC_MIB_CLOSE_SENT_APP :
				    errcode ? QUIC_MIB_CLOSE_SENT_TRANSPORT :
				    QUIC_MIB_CLOSE_SENT_NO_ERROR);
		break;
	case QUIC_TRACE_CLOSE_REMOTE:
		QUIC_INC_STATS(net, app ? QUIC_MIB_CLOSE_RECV_APP :
				    errcode ? QUIC_MIB_CLOSE_RECV_TRANSPORT :
				    QUIC_MIB_CLOSE_RECV_NO_ERROR);
		break;
	case QUIC_TRACE_CLOSE_IDLE:
	case QUIC_TRACE_CLOSE_HANDSHAKE_TIMEOUT:
		QUIC_INC_STATS(net, mib[why]);
		break;
	}
	trace_quic_close(sk, why, errcode, frame, app, sk->sk_err);
	quic_set_state(sk, TCP_CLOSE);
	sk_stop_timer(sk, &c->timer);
	if (why == QUIC_TRACE_CLOSE_REMOTE)
		quic_sk_event_close(sk);
	quic_conn_wake(c);
}

/*
 * Connection lost without a word to the peer: @err for the application,
 * unless it has one already.  RFC 9001 section 6.6: keys worn out are not
 * used even to close.
 */
static void quic_conn_abort(struct quic_conn *c, int err)
{
	quic_conn_end(c, QUIC_TRACE_CLOSE_ABORT, c->sk->sk_err ?: err, 0, 0,
		      false);
}

/**
 * quic_conn_sealed - a 1-RTT packet was sealed with the current send key
 * @c: the connection
 *
 * RFC 9001 section 6.6: the keys are updated before their AEAD's
 * confidentiality limit, from seven eighths of it on; at the limit, if no
 * update could be made, the connection ends.
 */
void quic_conn_sealed(struct quic_conn *c)
{
	u64 limit = quic_crypto_conf_limit(&c->crypto[QUIC_CRYPTO_APP]);

	if (++c->key_tx_packets < limit - limit / 8)
		return;
	if (c->key_tx_packets < limit)
		quic_conn_key_update(c);
	else
		quic_conn_abort(c, ECONNABORTED);
}

/*
 * RFC 9000 9.6: a server's preferred_address, the address of its
 * QUIC_SOCKOPT_CONNECTION_MIGRATION in the field of its family, with our
 * ID number 1 and its token.
 */
static int quic_conn_pref_tp(struct quic_conn *c)
{
	const union quic_addr *a = &quic_sk(c->sk)->pref_udp->addr;
	struct quic_tp_preferred_address *pa = &c->pref_tp;
	__be32 v4;
	int err;

	memset(pa, 0, sizeof(*pa));
	err = quic_cids_add_preferred(c, pa);
	if (err)
		return err;
	if (quic_addr_v4(a)) {
		v4 = quic_addr_v4_addr(a);
		memcpy(pa->ipv4_addr, &v4, sizeof(v4));
		pa->ipv4_port = quic_addr_port(a);
	} else {
		memcpy(pa->ipv6_addr, &a->v6.sin6_addr, sizeof(pa->ipv6_addr));
		pa->ipv6_port = quic_addr_port(a);
	}
	c->pref_tp_set = true;
	return 0;
}

/* Available Versions lists of version_information, in wire order. */
static const u8 quic_versions_v1_v2[] = { 0x00, 0x00, 0x00, 0x01,
					  0x6b, 0x33, 0x43, 0xcf };
static const u8 quic_versions_v2_v1[] = { 0x6b, 0x33, 0x43, 0xcf,
					  0x00, 0x00, 0x00, 0x01 };

/* Our transport parameters, as the TLS extension carries them. */
static void quic_conn_local_tp(struct quic_conn *c, struct quic_tp *tp)
{
	const struct quic_transport_param *p = &quic_sk(c->sk)->local_param;

	quic_tp_init(tp);
	tp->present = BIT_ULL(QUIC_TP_MAX_IDLE_TIMEOUT) |
		      BIT_ULL(QUIC_TP_MAX_UDP_PAYLOAD_SIZE) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_DATA) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_STREAMS_BIDI) |
		      BIT_ULL(QUIC_TP_INITIAL_MAX_STREAMS_UNI) |
		      BIT_ULL(QUIC_TP_ACK_DELAY_EXPONENT) |
		      BIT_ULL(QUIC_TP_MAX_ACK_DELAY) |
		      BIT_ULL(QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT) |
		      BIT_ULL(QUIC_TP_INITIAL_SCID);
	tp->max_idle_timeout = div_u64(p->max_idle_timeout, USEC_PER_MSEC);
	tp->max_udp_payload_size = p->max_udp_payload_size;
	tp->initial_max_data = p->max_data;
	tp->initial_max_stream_data_bidi_local = p->max_stream_data_bidi_local;
	tp->initial_max_stream_data_bidi_remote =
		p->max_stream_data_bidi_remote;
	tp->initial_max_stream_data_uni = p->max_stream_data_uni;
	tp->initial_max_streams_bidi = p->max_streams_bidi;
	tp->initial_max_streams_uni = p->max_streams_uni;
	tp->ack_delay_exponent = p->ack_delay_exponent;
	tp->max_ack_delay = div_u64(p->max_ack_delay, USEC_PER_MSEC);
	tp->active_connection_id_limit = p->active_connection_id_limit;
	tp->initial_source_connection_id = c->scid;
	if (p->max_datagram_frame_size) {
		tp->present |= BIT_ULL(QUIC_TP_MAX_DATAGRAM_FRAME_SIZE);
		tp->max_datagram_frame_size = p->max_datagram_frame_size;
	}
	if (p->disable_active_migration)
		tp->present |= BIT_ULL(QUIC_TP_DISABLE_ACTIVE_MIGRATION);
	if (p->grease_quic_bit)
		tp->present |= BIT_ULL(QUIC_TP_GREASE_QUIC_BIT);
	if (p->disable_1rtt_encryption)
		tp->present |= BIT_ULL(QUIC_TP_DISABLE_1RTT_ENCRYPTION);
	if (c->is_server) {
		tp->present |= BIT_ULL(QUIC_TP_ORIGINAL_DCID);
		tp->original_destination_connection_id = c->odcid;
		if (c->retry_seen) {
			tp->present |= BIT_ULL(QUIC_TP_RETRY_SCID);
			tp->retry_source_connection_id = c->retry_scid;
		}
	}
	/* RFC 9368 section 4: ours first, then the other unless a client
	 * disabled compatible negotiation; a server lists both, all it
	 * takes.
	 */
	tp->present |= BIT_ULL(QUIC_TP_VERSION_INFORMATION);
	tp->version_info.chosen = c->version;
	tp->version_info.available = c->version == QUIC_VERSION_V1 ?
				     quic_versions_v1_v2 : quic_versions_v2_v1;
	tp->version_info.count = 2;
	if (!c->is_server && p->disable_compatible_version)
		tp->version_info.count = 1;
	if (c->pref_tp_set) {
		tp->present |= BIT_ULL(QUIC_TP_PREFERRED_ADDRESS);
		tp->preferred_address = c->pref_tp;
	}
	/* The token of our first ID: NEW_CONNECTION_ID carries the others'. */
	if (c->is_server && p->stateless_reset) {
		tp->present |= BIT_ULL(QUIC_TP_STATELESS_RESET_TOKEN);
		quic_reset_token(sock_net(c->sk), &c->scid,
				 tp->stateless_reset_token);
	}
}

/**
 * quic_conn_get_local_tp - encode our transport parameters
 * @c: the connection
 * @buf: where to write them
 * @size: its size
 *
 * Return: the length written, or -EINVAL if @buf is too small.
 */
int quic_conn_get_local_tp(struct quic_conn *c, u8 *buf, u32 size)
{
	struct quic_tp tp;
	u32 len;
	int err;

	if (!c->local_tp_done && c->is_server && quic_sk(c->sk)->pref_udp) {
		err = quic_conn_pref_tp(c);
		if (err)
			return err;
	}
	c->local_tp_done = true;
	quic_conn_local_tp(c, &tp);
	len = quic_tp_len(&tp, c->is_server);
	if (!len || len > size)
		return -EINVAL;
	quic_tp_encode(buf, &tp, c->is_server);
	return len;
}

/* What QUIC_SOCKOPT_TRANSPORT_PARAM with remote = 1 reads back. */
static void quic_conn_remote_param(struct quic_conn *c)
{
	struct quic_transport_param *p = &quic_sk(c->sk)->remote_param;
	const struct quic_tp *tp = &c->peer_tp;

	p->remote = 1;
	p->disable_active_migration =
		quic_tp_has(tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION);
	p->grease_quic_bit = quic_tp_has(tp, QUIC_TP_GREASE_QUIC_BIT);
	p->disable_1rtt_encryption =
		quic_tp_has(tp, QUIC_TP_DISABLE_1RTT_ENCRYPTION);
	p->max_udp_payload_size = tp->max_udp_payload_size;
	p->ack_delay_exponent = tp->ack_delay_exponent;
	p->max_ack_delay = tp->max_ack_delay * USEC_PER_MSEC;
	p->active_connection_id_limit = tp->active_connection_id_limit;
	p->max_idle_timeout = tp->max_idle_timeout * USEC_PER_MSEC;
	p->max_datagram_frame_size = tp->max_datagram_frame_size;
	p->max_data = tp->initial_max_data;
	p->max_stream_data_bidi_local = tp->initial_max_stream_data_bidi_local;
	p->max_stream_data_bidi_remote =
		tp->initial_max_stream_data_bidi_remote;
	p->max_stream_data_uni = tp->initial_max_stream_data_uni;
	p->max_streams_bidi = tp->initial_max_streams_bidi;
	p->max_streams_uni = tp->initial_max_streams_uni;
}

/**
 * quic_conn_set_peer_tp - take the peer's transport parameters
 * @c: the connection
 * @p: the TLS extension's value
 * @len: its length
 *
 * Besides what the codec checks, the connection IDs they carry must match
 * those of the handshake packets (RFC 9000 section 7.3).
 *
 * Return: 0, or -EINVAL after closing the connection with
 * TRANSPORT_PARAMETER_ERROR.
 */
int quic_conn_set_peer_tp(struct quic_conn *c, const u8 *p, u32 len)
{
	struct quic_tp *tp = &c->peer_tp;
	bool ok;
	int err;

	if (quic_tp_decode(p, len, !c->is_server, tp)) {
		quic_conn_violation(c, QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM, 0);
		return -EINVAL;
	}
	ok = quic_tp_has(tp, QUIC_TP_INITIAL_SCID) &&
	     tp->initial_source_connection_id.len == c->dcid.len &&
	     !memcmp(tp->initial_source_connection_id.data, c->dcid.data,
		     c->dcid.len);
	if (ok && !c->is_server)
		ok = quic_tp_has(tp, QUIC_TP_ORIGINAL_DCID) &&
		     tp->original_destination_connection_id.len ==
		     c->odcid.len &&
		     !memcmp(tp->original_destination_connection_id.data,
			     c->odcid.data, c->odcid.len);
	/* RFC 9000 7.3: retry_source_connection_id iff there was a Retry. */
	if (ok && !c->is_server)
		ok = quic_tp_has(tp, QUIC_TP_RETRY_SCID) == c->retry_seen &&
		     (!c->retry_seen ||
		      (tp->retry_source_connection_id.len ==
		       c->retry_scid.len &&
		       !memcmp(tp->retry_source_connection_id.data,
			       c->retry_scid.data, c->retry_scid.len)));
	if (!ok) {
		quic_conn_violation(c, QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM, 0);
		return -EINVAL;
	}
	err = quic_conn_version_info(c, tp);
	if (err)
		return err;
	if (!c->is_server && quic_tp_has(tp, QUIC_TP_PREFERRED_ADDRESS))
		c->pref_pending = quic_conn_pref_addr(c, &c->pref_peer);
	/* The available versions pointed into @p, which goes away. */
	tp->version_info.available = NULL;
	tp->version_info.count = 0;
	c->peer_tp_set = true;
	quic_conn_remote_param(c);
	quic_conn_update_plaintext(c);
	return 0;
}

/**
 * quic_conn_crypto_send - queue handshake bytes from userspace
 * @c: the connection
 * @level: the encryption level (QUIC_CRYPTO_INITIAL, _HANDSHAKE or _APP)
 * @from: the bytes
 * @len: how many
 *
 * Context: process context, socket locked.
 * Return: @len, or a negative errno.
 */
int quic_conn_crypto_send(struct quic_conn *c, u8 level,
			  struct iov_iter *from, u32 len)
{
	struct quic_space *space;
	struct quic_cstream *cs;
	u32 cap;
	u8 *buf;

	if (level == QUIC_CRYPTO_EARLY || level >= QUIC_CRYPTO_MAX)
		return -EINVAL;
	if (quic_conn_ended(c))
		return quic_conn_closed_err(c);
	space = &c->space[quic_level_space(level)];
	if (space->discarded || !c->crypto[level].tx.ready)
		return -EINVAL;
	cs = &space->cs;
	if (len > QUIC_CRYPTO_SEND_MAX - cs->len)
		return -EMSGSIZE;
	if (cs->len + len > cs->cap) {
		cap = max(cs->len + len, 2 * cs->cap);
		cap = min_t(u32, max(cap, 2048U), QUIC_CRYPTO_SEND_MAX);
		buf = krealloc(cs->buf, cap, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		cs->buf = buf;
		cs->cap = cap;
	}
	if (!copy_from_iter_full(cs->buf + cs->len, len, from))
		return -EFAULT;
	cs->len += len;
	quic_conn_flush(c);
	return len;
}

/**
 * quic_conn_close - close the connection with a CONNECTION_CLOSE
 * @c: the connection
 * @errcode: the error code
 * @frame_type: the frame that caused a transport error, else 0
 * @app: an application close (frame 0x1d), else a transport one
 *
 * The frame is sent at once; the connection then sends nothing more.
 */
void quic_conn_close(struct quic_conn *c, u32 errcode, u64 frame_type,
		     bool app)
{
	if (quic_conn_ended(c) || c->close_pending)
		return;
	c->close_errcode = errcode;
	c->close_frame_type = frame_type;
	c->close_app = app;
	c->close_pending = true;
	quic_conn_flush(c);
	quic_conn_end(c, QUIC_TRACE_CLOSE_LOCAL, 0, errcode, frame_type, app);
}

/**
 * quic_conn_violation - the peer broke the protocol: close the connection
 * @c: the connection
 * @errcode: the transport error code
 * @frame_type: the frame that broke it, or 0
 *
 * Return: -EPROTO, for the caller to pass on.
 */
int quic_conn_violation(struct quic_conn *c, u64 errcode, u64 frame_type)
{
	if (!c->sk->sk_err)
		c->sk->sk_err = EPROTO;
	quic_conn_close(c, errcode, frame_type, false);
	return -EPROTO;
}

/* Hand contiguous handshake bytes to userspace. */
static int quic_cstream_deliver(struct quic_conn *c, u8 level, const u8 *data,
				u32 len)
{
	struct sock *sk = c->sk;
	struct sk_buff *skb;

	/* After shutdown(SHUT_RD) nothing is read: dropped quietly. */
	if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
		return 0;
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;
	/* Handshake data the reader leaves is bounded by its buffer: more is
	 * more than we can buffer (RFC 9000 section 20.1).
	 */
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    READ_ONCE(sk->sk_rcvbuf)) {
		kfree_skb(skb);
		return quic_conn_violation(c,
				QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED,
				QUIC_FRAME_CRYPTO);
	}
	if (!quic_skb_charge_r(sk, skb)) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_put_data(skb, data, len);
	quic_rcvq_add(sk, skb, QUIC_RCV_HANDSHAKE, level);
	return 0;
}

/*
 * Keep early CRYPTO bytes [@off, @off + @len) of @cs, in offset order.  A
 * frame whose bytes are all held already adds nothing and costs nothing;
 * otherwise its copy is charged to the socket's receive memory, and the
 * queue holds QUIC_CRYPTO_OOO_SKBS copies at most, so that neither memory
 * nor the walk grows with what a peer sends.  -ENOBUFS drops the packet
 * unacknowledged: the peer sends it again.
 */
static int quic_cstream_keep(struct quic_conn *c, struct quic_cstream *cs,
			     u64 off, const u8 *data, u32 len)
{
	struct sock *sk = c->sk;
	struct sk_buff *skb, *pos;
	u64 o;

	skb_queue_walk(&cs->ooo, pos) {
		o = QUIC_RCV_CB(pos)->offset;
		if (o <= off && off + len <= o + pos->len)
			return 0;
		if (o > off)
			break;
	}
	if (skb_queue_len(&cs->ooo) >= QUIC_CRYPTO_OOO_SKBS)
		return -ENOBUFS;
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	if (atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	    READ_ONCE(sk->sk_rcvbuf) || !quic_skb_charge_r(sk, skb)) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	skb_put_data(skb, data, len);
	QUIC_RCV_CB(skb)->offset = off;
	__skb_queue_before(&cs->ooo, pos, skb);
	cs->ooo_bytes += len;
	return 0;
}

static int quic_cstream_rcv(struct quic_conn *c, u8 level,
			    const struct quic_frame *f)
{
	struct quic_cstream *cs = &c->space[quic_level_space(level)].cs;
	u64 off = f->crypto.offset, end = off + f->crypto.len;
	struct sk_buff *skb;
	int err;

	if (end <= cs->rcv_off || !f->crypto.len)
		return 0;	/* nothing new */
	if (off > cs->rcv_off) {
		/* Early: RFC 9000 7.5 lets us cap how far ahead. */
		if (end - cs->rcv_off > QUIC_CRYPTO_OOO_MAX ||
		    cs->ooo_bytes + f->crypto.len > QUIC_CRYPTO_OOO_MAX)
			return quic_conn_violation(c,
					QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED,
					f->type);
		return quic_cstream_keep(c, cs, off, f->crypto.data,
					 f->crypto.len);
	}
	err = quic_cstream_deliver(c, level,
				   f->crypto.data + (cs->rcv_off - off),
				   end - cs->rcv_off);
	if (err)
		return err;
	cs->rcv_off = end;

	/* What waited may follow on now; on failure it waits on. */
	while ((skb = skb_peek(&cs->ooo))) {
		off = QUIC_RCV_CB(skb)->offset;
		if (off > cs->rcv_off)
			break;
		end = off + skb->len;
		if (end > cs->rcv_off) {
			err = quic_cstream_deliver(c, level,
						   skb->data + (cs->rcv_off - off),
						   end - cs->rcv_off);
			if (err)
				return err;
			cs->rcv_off = end;
		}
		__skb_unlink(skb, &cs->ooo);
		cs->ooo_bytes -= skb->len;
		kfree_skb(skb);
	}
	return 0;
}

static void quic_conn_peer_close(struct quic_conn *c,
				 const struct quic_frame *f)
{
	u32 len = f->close.phrase_len;
	int err;

	c->peer_app_close = f->type == QUIC_FRAME_CONNECTION_CLOSE_APP;
	c->peer_errcode = f->close.errcode;
	c->peer_frame = f->close.frame_type;
	kfree(c->peer_phrase);
	c->peer_phrase = NULL;
	c->peer_phrase_len = 0;
	len = min_t(u32, len, QUIC_CLOSE_PHRASE_MAX_LEN);
	if (len) {
		c->peer_phrase = kmemdup(f->close.phrase, len, GFP_ATOMIC);
		if (c->peer_phrase)
			c->peer_phrase_len = len;
	}
	/* Draining (RFC 9000 section 10.2.2): send nothing more.  Before the
	 * handshake completes any close is a refusal; after, a close by the
	 * application (or a transport close without error) is a reset, and a
	 * transport error an abort.
	 */
	if (!quic_conn_complete(c))
		err = ECONNREFUSED;
	else if (c->peer_app_close || !c->peer_errcode)
		err = ECONNRESET;
	else
		err = ECONNABORTED;
	quic_conn_end(c, QUIC_TRACE_CLOSE_REMOTE, err, c->peer_errcode,
		      c->peer_frame, c->peer_app_close);
}

/**
 * quic_conn_refused - the server's host says nothing listens there
 * @c: the connection
 *
 * A client whose handshake has not completed ends with ECONNREFUSED, as a
 * TCP connect() answered by a reset does.
 */
void quic_conn_refused(struct quic_conn *c)
{
	if (c->is_server || quic_conn_complete(c) || quic_conn_ended(c))
		return;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_CLOSE_REFUSED);
	quic_conn_abort(c, ECONNREFUSED);
}

static enum quic_pkt_level quic_pkt_level(enum quic_packet_type t)
{
	switch (t) {
	case QUIC_PACKET_INITIAL:
		return QUIC_PKT_INITIAL;
	case QUIC_PACKET_HANDSHAKE:
		return QUIC_PKT_HANDSHAKE;
	case QUIC_PACKET_0RTT:
		return QUIC_PKT_0RTT;
	default:
		return QUIC_PKT_1RTT;
	}
}

/*
 * Decode and act on the frames of one packet's payload.  Early data that
 * finds no memory (-ENOBUFS) leaves the packet unacknowledged, for the
 * peer to send again, but the frames after it still count: the bytes that
 * fill the gap may be among them, and the peer repeats its frames in the
 * same order, so stopping there would drop them each time and the stream
 * would never move on.
 */
static int quic_conn_frames(struct quic_conn *c, enum quic_space_id s,
			    u8 level, const struct quic_packet_hdr *h,
			    const u8 *p, u32 len, bool *eliciting)
{
	struct quic_frame_error ferr;
	struct quic_frame f;
	int err = 0, held = 0;

	while (len && !err && !quic_conn_ended(c)) {
		if (!quic_frame_decode(&p, &len, &f, &ferr))
			return quic_conn_violation(c, ferr.errcode,
						   ferr.frame_type);
		if (!quic_frame_allowed(f.type, quic_pkt_level(h->type)))
			return quic_conn_violation(c,
					QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
					f.type);
		trace_quic_frame_recv(c->sk, s, f.type);
		if (quic_frame_ack_eliciting(f.type))
			*eliciting = true;
		if (!quic_frame_probing(f.type))
			c->rx_nonprobing = true;

		switch (f.type) {
		case QUIC_FRAME_ACK:
		case QUIC_FRAME_ACK_ECN:
			err = quic_conn_ack_rcv(c, s, &f);
			break;
		case QUIC_FRAME_CRYPTO:
			/* RFC 9369 4: the server's CRYPTO data comes in the
			 * negotiated version; its version is now fixed.
			 */
			c->version_fixed = true;
			err = quic_cstream_rcv(c, level, &f);
			break;
		case QUIC_FRAME_CONNECTION_CLOSE:
		case QUIC_FRAME_CONNECTION_CLOSE_APP:
			quic_conn_peer_close(c, &f);
			break;
		case QUIC_FRAME_HANDSHAKE_DONE:
			/* RFC 9000 19.20: only a server sends it. */
			if (c->is_server)
				return quic_conn_violation(c,
					QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
					f.type);
			quic_conn_phase(c, QUIC_PHASE_CONFIRMED);
			break;
		case QUIC_FRAME_NEW_TOKEN:
			if (c->is_server)
				return quic_conn_violation(c,
					QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
					f.type);
			break;
		case QUIC_FRAME_NEW_CONNECTION_ID:
			err = quic_cids_new_rcv(c, &f);
			break;
		case QUIC_FRAME_PATH_CHALLENGE:
			/* RFC 9000 8.2.2: answered on the path it came on. */
			memcpy(c->path_response, f.path_data,
			       QUIC_PATH_DATA_LEN);
			c->response_pending = true;
			c->response_alt = c->rx_other;
			break;
		case QUIC_FRAME_PATH_RESPONSE:
			quic_conn_path_response(c, f.path_data);
			break;
		case QUIC_FRAME_RETIRE_CONNECTION_ID:
			err = quic_cids_retire_rcv(c, &f, h->dcid, h->dcid_len);
			break;
		case QUIC_FRAME_RESET_STREAM:
		case QUIC_FRAME_STOP_SENDING:
		case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAMS_BLOCKED_UNI:
		case QUIC_FRAME_DATAGRAM:
		case QUIC_FRAME_DATAGRAM_LEN:
			err = quic_stream_frame_rcv(c, &f);
			break;
		default:
			/* PADDING and PING need nothing. */
			break;
		}
		if (err == -ENOBUFS) {
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_IN_RCVBUF_DROPS);
			held = err;
			err = 0;
		}
	}
	return err ?: held;
}

static u8 quic_pkt_crypto_level(enum quic_packet_type t)
{
	switch (t) {
	case QUIC_PACKET_INITIAL:
		return QUIC_CRYPTO_INITIAL;
	case QUIC_PACKET_HANDSHAKE:
		return QUIC_CRYPTO_HANDSHAKE;
	case QUIC_PACKET_0RTT:
		return QUIC_CRYPTO_EARLY;
	default:
		return QUIC_CRYPTO_APP;
	}
}

/*
 * RFC 9001 section 6.6: past the integrity limit of its AEAD, so many
 * forgeries make the connection unsafe to use.  Initial packets are left
 * out: their keys are no secret.
 */
static void quic_conn_auth_failed(struct quic_conn *c, u8 level, int err)
{
	if (err != -EBADMSG || level == QUIC_CRYPTO_INITIAL)
		return;
	if (++c->auth_failures > quic_crypto_integ_limit(&c->crypto[level]))
		quic_conn_violation(c, QUIC_TRANSPORT_ERROR_AEAD_LIMIT_REACHED,
				    0);
}

/* A kept packet's copy has no IP header: its ECN field goes along. */
#define QUIC_PENDING_ECN(skb)	((skb)->cb[0])

/* Keep a copy of a packet whose keys are not installed yet. */
static void quic_conn_keep_pending(struct quic_conn *c, enum quic_space_id s,
				   const u8 *p, u32 len)
{
	struct sk_buff_head *q = &c->space[s].pending;
	struct sk_buff *skb;

	if (skb_queue_len(q) >= QUIC_PENDING_MAX)
		return;
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return;
	skb_put_data(skb, p, len);
	QUIC_PENDING_ECN(skb) = c->rx_ecn;	/* counted once it opens */
	__skb_queue_tail(q, skb);
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_PENDING_KEYS);
}

/*
 * RFC 9000 13.4.1: each packet processed counts the ECN field of its
 * datagram's IP header, once per coalesced packet, in its own space.
 */
static void quic_conn_ecn_rcv(struct quic_conn *c, struct quic_space *space)
{
	switch (c->rx_ecn) {
	case INET_ECN_ECT_0:
		space->ecn_recv[0]++;
		break;
	case INET_ECN_ECT_1:
		space->ecn_recv[1]++;
		break;
	case INET_ECN_CE:
		space->ecn_recv[2]++;
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_ECN_CE);
		break;
	}
}

/*
 * RFC 9000 13.2.1: Initial and Handshake packets are acknowledged at once;
 * 1-RTT ones every second ack-eliciting packet, at once when one arrives
 * out of order, and else within our max_ack_delay, or a quarter of the
 * RTT if that is sooner.
 */
static void quic_conn_ack_later(struct quic_conn *c, enum quic_space_id s,
				u64 pn, bool eliciting)
{
	const struct quic_transport_param *lp = &quic_sk(c->sk)->local_param;
	struct quic_space *space = &c->space[s];
	bool in_order = quic_ack_set_empty(&space->recvd) ||
			pn == quic_ack_set_largest(&space->recvd) + 1;
	u64 delay;

	if (in_order || pn > quic_ack_set_largest(&space->recvd))
		space->largest_recv_time = ktime_to_us(ktime_get());
	quic_ack_set_add(&space->recvd, pn);
	if (!eliciting)
		return;
	/* Also at once for a CE mark: the peer's response is sooner. */
	if (s != QUIC_SPACE_APP || !in_order || c->rx_ecn == INET_ECN_CE ||
	    ++space->ack_eliciting >= 2) {
		space->ack_pending = true;
		return;
	}
	/* Sooner than max_ack_delay when the path is short: a sender held
	 * to a small window under loss waits for this ACK.
	 */
	delay = lp->max_ack_delay;
	if (c->rtt_sampled)
		delay = min(delay, max_t(u64, c->smoothed_rtt / 4,
					 QUIC_ACK_DELAY_MIN));
	if (!timer_pending(&c->ack_timer))
		sk_reset_timer(c->sk, &c->ack_timer,
			       jiffies + usecs_to_jiffies(delay));
}

/* Open and process one packet; false if it was dropped. */
static bool quic_conn_rcv_packet(struct quic_conn *c, u8 *p,
				 const struct quic_packet_hdr *h)
{
	u8 level = quic_pkt_crypto_level(h->type);
	enum quic_space_id s = quic_level_space(level);
	struct quic_space *space = &c->space[s];
	struct quic_crypto *crypto = &c->crypto[level];
	struct net *net = sock_net(c->sk);
	bool eliciting = false;
	u64 trunc, pn, largest;
	int pn_len, plen;
	u32 hdr_len, left;
	u8 reserved, phase;
	const u8 *q;
	bool old;

	if (space->discarded || h->type == QUIC_PACKET_0RTT) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_NO_KEY_DROPS);
		return false;
	}
	if (!crypto->rx.ready) {
		quic_conn_keep_pending(c, s, p, h->len);
		return false;
	}
	pn_len = quic_crypto_hp_remove(crypto, p, h->len, h->pn_offset);
	if (pn_len < 0) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_DECRYPT_ERRORS);
		return false;
	}
	hdr_len = h->pn_offset + pn_len;
	q = p + h->pn_offset;
	left = pn_len;
	if (!quic_get_uint(&q, &left, pn_len, &trunc)) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_HDR_ERRORS);
		return false;
	}
	largest = quic_ack_set_empty(&space->recvd) ? (u64)-1 :
		  quic_ack_set_largest(&space->recvd);
	pn = quic_packet_pn_decode(largest, trunc, pn_len * 8);
	if (pn >= QUIC_PACKET_PN_LIMIT)
		return false;
	/* The phase a packet is in; the old keys for a late one (6.5). */
	phase = (p[0] & 0x80) ? 0 : !!(p[0] & QUIC_PACKET_SHORT_KEY_PHASE);
	old = !(p[0] & 0x80) && phase != crypto->key_phase &&
	      crypto->rx.old_ready &&
	      (!c->ku_peer_seen || pn < c->ku_peer_first_pn);
	plen = quic_crypto_decrypt(crypto, p, hdr_len, h->len, pn,
				   old ? QUIC_KEYS_OLD : phase);
	if (plen < 0) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_DECRYPT_ERRORS);
		quic_conn_auth_failed(c, level, plen);
		return false;
	}
	if (quic_ack_set_has(&space->recvd, pn)) {
		QUIC_INC_STATS(net, QUIC_MIB_IN_DUPLICATES);
		return false;
	}
	c->rx_opened = true;
	if (s == QUIC_SPACE_APP)
		c->rx_newest = largest == (u64)-1 || pn > largest;
	quic_conn_ecn_rcv(c, space);
	QUIC_INC_STATS(net, QUIC_MIB_IN_PACKETS);
	trace_quic_packet_recv(c->sk, s, pn, h->len);

	/* RFC 9000 17.2 and 17.3.1: reserved bits are 0 once unprotected. */
	reserved = (p[0] & 0x80) ? QUIC_PACKET_LONG_RESERVED :
				   QUIC_PACKET_SHORT_RESERVED;
	if ((p[0] & reserved) || !plen) {
		quic_conn_violation(c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
				    0);
		return false;
	}
	if (!(p[0] & 0x80) && !quic_conn_key_phase_rcv(c, phase, pn, old))
		return false;

	/* RFC 9000 7.2: the client switches to the server's connection ID. */
	if (!c->is_server && h->type == QUIC_PACKET_INITIAL && !c->dcid_set) {
		c->dcid.len = h->scid_len;
		memcpy(c->dcid.data, h->scid, h->scid_len);
		c->dcid_set = true;
	}
	/* RFC 9001 4.9.1: a server drops Initial keys on its first Handshake;
	 * RFC 9000 8.1: that packet also validates the client's address.
	 */
	if (c->is_server && h->type == QUIC_PACKET_HANDSHAKE) {
		quic_conn_discard_space(c, QUIC_SPACE_INITIAL);
		c->path.validated = true;
	}

	/* RFC 9000 10.1: a packet that opens restarts the idle timer. */
	c->last_activity = jiffies;
	c->idle_rearm = true;

	if (!(p[0] & 0x80) && quic_cids_rcv_dcid(c, h->dcid, h->dcid_len))
		c->rx_dcid_changed = true;
	if (quic_conn_frames(c, s, level, h, p + hdr_len, plen, &eliciting))
		return true;
	if (!space->discarded)
		quic_conn_ack_later(c, s, pn, eliciting);
	return true;
}

/*
 * An Initial packet in the other version.  A client not yet fixed on a
 * version takes the server's first one as the negotiated version if it
 * opens with that version's keys (RFC 9369 4: the first long header whose
 * Version differs tells it; a forged one does not open).  A server that
 * moved opens the client's Initials still in the original version.
 */
static bool quic_conn_rcv_alt(struct quic_conn *c, u8 *p,
			      const struct quic_packet_hdr *h)
{
	bool opened;

	if (!c->initial_alt || h->version != c->alt_version ||
	    h->type != QUIC_PACKET_INITIAL ||
	    (!c->is_server && c->version_fixed)) {
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_VERSION_DROPS);
		return false;
	}
	quic_conn_alt_swap(c);
	opened = quic_conn_rcv_packet(c, p, h);
	if (c->is_server || !opened) {
		quic_conn_alt_swap(c);
		return opened;
	}
	c->version_fixed = true;
	c->version_moved = true;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_VERSION_MOVES);
	trace_quic_version_moved(c->sk, c->alt_version, c->version);
	return true;
}

/*
 * RFC 9000 section 6.2: a Version Negotiation packet ends a client's
 * attempt, with EPROTONOSUPPORT, when it answers our first Initials (its
 * connection IDs are ours, swapped) before any other packet from the
 * server, and does not list the version we use: the server speaks none
 * that we asked for.  One that lists ours, or comes later, is ignored.
 */
static void quic_conn_vn(struct quic_conn *c, const struct quic_packet_hdr *h)
{
	u32 i;

	if (c->is_server || c->dcid_set || c->retry_seen ||
	    h->dcid_len != c->scid.len ||
	    memcmp(h->dcid, c->scid.data, h->dcid_len) ||
	    h->scid_len != c->odcid.len ||
	    memcmp(h->scid, c->odcid.data, h->scid_len))
		return;
	for (i = 0; i < h->versions_count; i++)
		if (quic_packet_vn_version(h, i) == c->version)
			return;
	quic_conn_abort(c, EPROTONOSUPPORT);
}

/*
 * RFC 9000 10.3.1: a datagram none of whose packets opened may be the
 * peer's stateless reset.  The connection ends, with ENETRESET: the peer
 * lost its state, which is neither a close nor a refusal.
 */
static void quic_conn_reset_rcv(struct quic_conn *c, const u8 *tail)
{
	if (!quic_cids_reset_match(c, tail))
		return;
	QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_STATELESS_RESETS);
	quic_conn_end(c, QUIC_TRACE_CLOSE_STATELESS_RESET, ENETRESET, 0, 0,
		      false);
}

/* The packets of one datagram, or of a copy kept for keys to come. */
static void quic_conn_rcv_datagram(struct quic_conn *c, struct sk_buff *skb)
{
	u8 tail[QUIC_RESET_TOKEN_LEN];
	struct quic_packet_hdr h, first;
	bool opened = false;
	u32 left;
	u8 *p;

	if (quic_conn_ended(c) || skb_ensure_writable(skb, skb->len))
		goto out;
	p = skb->data;
	left = skb->len;
	/* Removing header protection may change what ends a short one. */
	if (left >= QUIC_RESET_MIN_LEN && !(p[0] & QUIC_PACKET_FORM_LONG))
		memcpy(tail, p + left - sizeof(tail), sizeof(tail));
	while (left && !quic_conn_ended(c)) {
		if (quic_packet_parse(p, left, QUIC_CID_LEN, &h))
			break;
		/* RFC 9000 12.2: coalesced packets share one DCID. */
		if (p == skb->data)
			first = h;
		else if (h.dcid_len != first.dcid_len ||
			 memcmp(h.dcid, first.dcid, h.dcid_len))
			break;
		/* RFC 9000 17.2 and 17.3.1: without the QUIC Bit a packet is
		 * invalid, unless we said we take that (RFC 9287 3).
		 */
		if (!h.fixed_bit && h.type != QUIC_PACKET_VERSION_NEGOTIATION &&
		    !quic_sk(c->sk)->local_param.grease_quic_bit) {
			QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_IN_HDR_ERRORS);
			p += h.len;
			left -= h.len;
			continue;
		}
		/* A Retry is a datagram of its own. */
		if (h.type == QUIC_PACKET_RETRY && p == skb->data)
			quic_conn_retry(c, p, &h);
		if (h.type == QUIC_PACKET_VERSION_NEGOTIATION) {
			QUIC_INC_STATS(sock_net(c->sk),
				       QUIC_MIB_IN_VERSION_NEGOTIATION);
			if (p == skb->data)
				quic_conn_vn(c, &h);
		}
		if (h.type == QUIC_PACKET_RETRY ||
		    h.type == QUIC_PACKET_VERSION_NEGOTIATION)
			break;
		if (h.version && h.version != c->version)
			opened |= quic_conn_rcv_alt(c, p, &h);
		else
			opened |= quic_conn_rcv_packet(c, p, &h);
		p += h.len;
		left -= h.len;
	}
	if (!opened && !quic_conn_ended(c) && skb->len >= QUIC_RESET_MIN_LEN &&
	    !(skb->data[0] & QUIC_PACKET_FORM_LONG))
		quic_conn_reset_rcv(c, tail);
out:
	kfree_skb(skb);
}

/* Process the packets that waited for the keys of @s. */
static void quic_conn_rcv_pending(struct quic_conn *c, enum quic_space_id s)
{
	struct sk_buff_head q;
	struct sk_buff *skb;

	__skb_queue_head_init(&q);
	skb_queue_splice_init(&c->space[s].pending, &q);
	while ((skb = __skb_dequeue(&q))) {
		c->rx_ecn = QUIC_PENDING_ECN(skb);
		quic_conn_rcv_datagram(c, skb);
	}
}

/*
 * RFC 9000 10.2.1: in the closing state a datagram from the peer gets our
 * CONNECTION_CLOSE again, the same datagram, at the rate
 * quic_closing_answers() allows and within three times what came.
 */
static void quic_conn_close_again(struct quic_conn *c, u32 len)
{
	struct sk_buff *skb;

	if (!c->close_dgram ||
	    !quic_closing_answers(++c->closing_packets) ||
	    c->close_dgram_len > 3 * len)
		return;
	skb = quic_reply_alloc(c->close_dgram_len);
	if (!skb)
		return;
	skb_put_data(skb, c->close_dgram, c->close_dgram_len);
	skb_set_owner_w(skb, c->sk);
	if (!quic_path_xmit(&c->path, c->sk, skb, skb->len, 1, false))
		QUIC_INC_STATS(sock_net(c->sk), QUIC_MIB_OUT_CLOSE_AGAIN);
}

/**
 * quic_conn_rcv - process a datagram that found this connection
 * @c: the connection
 * @skb: the UDP payload, possibly several coalesced packets, its IP and
 *	UDP headers still in front; consumed
 *
 * Packets that fail to parse or to open are dropped one by one
 * (RFC 9000 section 12.2); a protocol violation closes the connection.
 */
void quic_conn_rcv(struct quic_conn *c, struct sk_buff *skb)
{
	bool other = !quic_path_from(&c->path, skb);
	union quic_addr src, dst;
	u32 len = skb->len;

	if (other)
		quic_skb_addrs(skb, c->sk->sk_family, &src, &dst);
	else if (!c->path.validated)
		c->path.bytes_recvd += len;
	c->rx_other = other;
	c->rx_opened = false;
	c->rx_nonprobing = false;
	c->rx_newest = false;
	c->rx_dcid_changed = false;
	c->rx_ecn = quic_skb_ecn(skb);
	if (c->end == QUIC_END_CLOSING) {
		quic_conn_close_again(c, len);
		kfree_skb(skb);
		return;
	}
	quic_conn_rcv_datagram(c, skb);
	c->rx_other = false;
	if (other)
		quic_conn_rcv_other(c, &src, &dst, len);
	quic_conn_flush(c);
}
