/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC tracepoints, group "quic" (/sys/kernel/tracing/events/quic/).
 * Each event names its socket by sk=%p (hashed, the same for one socket
 * through a boot): tools/quic-qlog turns the events of one socket into a
 * qlog file.  Documentation/quic.rst lists them; the text after the event
 * name is a stable interface of key=value pairs (new keys may be added at
 * the end).
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM quic

#if !defined(_QUIC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _QUIC_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

/* Packet number spaces, as conn.h numbers them. */
#define quic_show_space(s)				\
	__print_symbolic(s, { 0, "initial" },		\
			    { 1, "handshake" },		\
			    { 2, "1RTT" })

#define quic_show_state(s)				\
	__print_symbolic(s, { TCP_ESTABLISHED, "ESTABLISHED" },	\
			    { TCP_SYN_SENT, "SYN_SENT" },	\
			    { TCP_SYN_RECV, "SYN_RECV" },	\
			    { TCP_LISTEN, "LISTEN" },		\
			    { TCP_CLOSE, "CLOSE" })

DECLARE_EVENT_CLASS(quic_packet_class,
	TP_PROTO(const struct sock *sk, u8 space, u64 pn, u32 len),
	TP_ARGS(sk, space, pn, len),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, space)
		__field(u64, pn)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->space = space;
		__entry->pn = pn;
		__entry->len = len;
	),
	TP_printk("sk=%p type=%s pn=%llu len=%u", __entry->sk,
		  quic_show_space(__entry->space), __entry->pn, __entry->len)
);

/* A packet opened: its space, number and length on the wire. */
DEFINE_EVENT(quic_packet_class, quic_packet_recv,
	TP_PROTO(const struct sock *sk, u8 space, u64 pn, u32 len),
	TP_ARGS(sk, space, pn, len));

/* A packet sealed to go out. */
DEFINE_EVENT(quic_packet_class, quic_packet_sent,
	TP_PROTO(const struct sock *sk, u8 space, u64 pn, u32 len),
	TP_ARGS(sk, space, pn, len));

/* One of ours acknowledged (len: the bytes it had in flight). */
DEFINE_EVENT(quic_packet_class, quic_packet_acked,
	TP_PROTO(const struct sock *sk, u8 space, u64 pn, u32 len),
	TP_ARGS(sk, space, pn, len));

/* One of ours declared lost, or given up by a probe timeout. */
TRACE_EVENT(quic_packet_lost,
	TP_PROTO(const struct sock *sk, u8 space, u64 pn, u32 len, bool pto),
	TP_ARGS(sk, space, pn, len, pto),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, space)
		__field(u64, pn)
		__field(u32, len)
		__field(bool, pto)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->space = space;
		__entry->pn = pn;
		__entry->len = len;
		__entry->pto = pto;
	),
	TP_printk("sk=%p type=%s pn=%llu len=%u trigger=%s", __entry->sk,
		  quic_show_space(__entry->space), __entry->pn, __entry->len,
		  __entry->pto ? "pto_expired" : "threshold")
);

/* A frame of a received packet, as decoded, before it is acted on. */
TRACE_EVENT(quic_frame_recv,
	TP_PROTO(const struct sock *sk, u8 space, u64 type),
	TP_ARGS(sk, space, type),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, space)
		__field(u64, type)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->space = space;
		__entry->type = type;
	),
	TP_printk("sk=%p type=%s frame=0x%llx", __entry->sk,
		  quic_show_space(__entry->space), __entry->type)
);

/* RTT estimates after a sample, in microseconds (RFC 9002 5.3). */
TRACE_EVENT(quic_rtt_update,
	TP_PROTO(const struct sock *sk, u64 latest, u64 smoothed, u64 var,
		 u64 min),
	TP_ARGS(sk, latest, smoothed, var, min),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u64, latest)
		__field(u64, smoothed)
		__field(u64, var)
		__field(u64, min)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->latest = latest;
		__entry->smoothed = smoothed;
		__entry->var = var;
		__entry->min = min;
	),
	TP_printk("sk=%p latest=%llu smoothed=%llu var=%llu min=%llu",
		  __entry->sk, __entry->latest, __entry->smoothed,
		  __entry->var, __entry->min)
);

/* The congestion window after an ACK or a loss, in bytes. */
TRACE_EVENT(quic_cwnd_update,
	TP_PROTO(const struct sock *sk, u32 cwnd, u32 ssthresh, u32 inflight),
	TP_ARGS(sk, cwnd, ssthresh, inflight),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u32, cwnd)
		__field(u32, ssthresh)
		__field(u32, inflight)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->cwnd = cwnd;
		__entry->ssthresh = ssthresh;
		__entry->inflight = inflight;
	),
	TP_printk("sk=%p cwnd=%u ssthresh=%u inflight=%u", __entry->sk,
		  __entry->cwnd, __entry->ssthresh, __entry->inflight)
);

/* A probe timeout fired; count: how many in a row, this one included. */
TRACE_EVENT(quic_pto,
	TP_PROTO(const struct sock *sk, u32 count),
	TP_ARGS(sk, count),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u32, count)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->count = count;
	),
	TP_printk("sk=%p count=%u", __entry->sk, __entry->count)
);

/*
 * Keys installed for a level and direction (from userspace's handshake),
 * or a key update: level 0 (QUIC_CRYPTO_APP), phase the new key phase,
 * peer whether the peer started it.
 */
TRACE_EVENT(quic_key_change,
	TP_PROTO(const struct sock *sk, u8 level, bool send, bool update,
		 u8 phase, bool peer),
	TP_ARGS(sk, level, send, update, phase, peer),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, level)
		__field(bool, send)
		__field(bool, update)
		__field(u8, phase)
		__field(bool, peer)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->level = level;
		__entry->send = send;
		__entry->update = update;
		__entry->phase = phase;
		__entry->peer = peer;
	),
	TP_printk("sk=%p level=%s dir=%s update=%u phase=%u by=%s",
		  __entry->sk,
		  __print_symbolic(__entry->level, { 0, "1rtt" },
				   { 1, "initial" }, { 2, "handshake" },
				   { 3, "0rtt" }),
		  __entry->send ? "send" : "recv", __entry->update,
		  __entry->phase, __entry->peer ? "remote" : "local")
);

/* The socket's state moved (the TCP state numbers QUIC sockets use). */
TRACE_EVENT(quic_state,
	TP_PROTO(const struct sock *sk, int old, int new),
	TP_ARGS(sk, old, new),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(int, old)
		__field(int, new)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->old = old;
		__entry->new = new;
	),
	TP_printk("sk=%p old=%s new=%s", __entry->sk,
		  quic_show_state(__entry->old), quic_show_state(__entry->new))
);

#define QUIC_TRACE_STREAM_OPEN		0
#define QUIC_TRACE_STREAM_CLOSE		1
#define QUIC_TRACE_STREAM_RESET_SENT	2
#define QUIC_TRACE_STREAM_RESET_RECV	3

/* A stream opened (by either end), freed, or reset. */
TRACE_EVENT(quic_stream,
	TP_PROTO(const struct sock *sk, s64 id, u8 what),
	TP_ARGS(sk, id, what),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(s64, id)
		__field(u8, what)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->id = id;
		__entry->what = what;
	),
	TP_printk("sk=%p id=%lld event=%s", __entry->sk, __entry->id,
		  __print_symbolic(__entry->what,
				   { QUIC_TRACE_STREAM_OPEN, "open" },
				   { QUIC_TRACE_STREAM_CLOSE, "close" },
				   { QUIC_TRACE_STREAM_RESET_SENT, "reset_sent" },
				   { QUIC_TRACE_STREAM_RESET_RECV, "reset_recv" }))
);

#define QUIC_TRACE_CLOSE_LOCAL		0
#define QUIC_TRACE_CLOSE_REMOTE		1
#define QUIC_TRACE_CLOSE_IDLE		2
#define QUIC_TRACE_CLOSE_HANDSHAKE_TIMEOUT 3
#define QUIC_TRACE_CLOSE_ABORT		4
#define QUIC_TRACE_CLOSE_STATELESS_RESET 5

/*
 * The connection ended: by our CONNECTION_CLOSE, the peer's, an idle or
 * handshake timeout, or an abort (ICMP, keys worn out); err is the errno
 * the application sees, 0 for none.
 */
TRACE_EVENT(quic_close,
	TP_PROTO(const struct sock *sk, u8 by, u32 errcode, u64 frame,
		 bool app, int err),
	TP_ARGS(sk, by, errcode, frame, app, err),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, by)
		__field(u32, errcode)
		__field(u64, frame)
		__field(bool, app)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->by = by;
		__entry->errcode = errcode;
		__entry->frame = frame;
		__entry->app = app;
		__entry->err = err;
	),
	TP_printk("sk=%p by=%s errcode=0x%x frame=0x%llx app=%u err=%d",
		  __entry->sk,
		  __print_symbolic(__entry->by,
				   { QUIC_TRACE_CLOSE_LOCAL, "local" },
				   { QUIC_TRACE_CLOSE_REMOTE, "remote" },
				   { QUIC_TRACE_CLOSE_IDLE, "idle_timeout" },
				   { QUIC_TRACE_CLOSE_HANDSHAKE_TIMEOUT,
				     "handshake_timeout" },
				   { QUIC_TRACE_CLOSE_ABORT, "abort" },
				   { QUIC_TRACE_CLOSE_STATELESS_RESET,
				     "stateless_reset" }),
		  __entry->errcode, __entry->frame, __entry->app, __entry->err)
);

/* A connection was made for a socket: its role and connection IDs. */
TRACE_EVENT(quic_conn_new,
	TP_PROTO(const struct sock *sk, bool server, u32 version,
		 const u8 *odcid, u8 odcid_len),
	TP_ARGS(sk, server, version, odcid, odcid_len),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(bool, server)
		__field(u32, version)
		__field(u8, odcid_len)
		__array(u8, odcid, 20)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->server = server;
		__entry->version = version;
		__entry->odcid_len = min_t(u8, odcid_len, 20);
		memcpy(__entry->odcid, odcid, __entry->odcid_len);
	),
	TP_printk("sk=%p role=%s version=0x%08x odcid=%s", __entry->sk,
		  __entry->server ? "server" : "client", __entry->version,
		  __print_hex_str(__entry->odcid, __entry->odcid_len))
);

/* RFC 9368: the connection moved from its original version. */
TRACE_EVENT(quic_version_moved,
	TP_PROTO(const struct sock *sk, u32 from, u32 to),
	TP_ARGS(sk, from, to),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u32, from)
		__field(u32, to)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->from = from;
		__entry->to = to;
	),
	TP_printk("sk=%p from=0x%08x to=0x%08x", __entry->sk, __entry->from,
		  __entry->to)
);

/* RFC 9000 13.4.2: the path's ECN validation ended (enum quic_ecn_state). */
TRACE_EVENT(quic_ecn_state,
	TP_PROTO(const struct sock *sk, u8 state),
	TP_ARGS(sk, state),
	TP_STRUCT__entry(
		__field(const void *, sk)
		__field(u8, state)
	),
	TP_fast_assign(
		__entry->sk = sk;
		__entry->state = state;
	),
	TP_printk("sk=%p state=%s", __entry->sk,
		  __print_symbolic(__entry->state, { 0, "testing" },
				   { 1, "unknown" }, { 2, "capable" },
				   { 3, "failed" }))
);

#endif /* _QUIC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
