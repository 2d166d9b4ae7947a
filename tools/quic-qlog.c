// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quic-qlog: turns a text capture of quic.ko's tracepoints (group "quic",
 * from /sys/kernel/tracing/trace or "trace-cmd report") into a qlog file
 * for one connection: qlog 0.3 in the JSON-SEQ serialization (RFC 7464),
 * with the QUIC event names of draft-ietf-quic-qlog-quic-events, for
 * viewers such as qvis.  See quic-qlog(1).
 *
 * The whole capture is read first: the events of every socket are kept
 * (or only those of -s SK), each tied to one connection of its socket.
 * A socket address the kernel hands to a new socket after a close starts
 * a second connection of that address ("SK/2").  Then the events of the
 * chosen connection are written in the order of the capture.  The frames
 * of a received packet (quic_frame_recv, which follow its quic_packet_recv
 * with the events their processing causes in between) go into that
 * transport:packet_received event's "frames"; a frame without its packet
 * gives transport:frames_processed.  Consecutive quic_packet_acked events
 * of one number space make one recovery:packets_acked.
 */

#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QLOG_LINE_MAX	4096	/* longer lines are skipped */
#define QLOG_SK_MAX	64	/* longest socket name kept */
#define QLOG_ODCID_MAX	40	/* 20 bytes in hex */
#define QLOG_KV_MAX	16
#define QLOG_HASH	4096
#define QLOG_ACKED_MAX	256	/* packet numbers in one packets_acked */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum ev_kind {
	EV_CONN_NEW,
	EV_PACKET_RECV,
	EV_PACKET_SENT,
	EV_PACKET_ACKED,
	EV_PACKET_LOST,
	EV_FRAME_RECV,
	EV_RTT,
	EV_CWND,
	EV_PTO,
	EV_KEY,
	EV_STATE,
	EV_STREAM,
	EV_CLOSE,
	EV_VERSION,
	EV_ECN,
	EV_NKINDS
};

/* The tracepoint names, in enum ev_kind's order. */
static const char *const ev_names[EV_NKINDS] = {
	"quic_conn_new", "quic_packet_recv", "quic_packet_sent",
	"quic_packet_acked", "quic_packet_lost", "quic_frame_recv",
	"quic_rtt_update", "quic_cwnd_update", "quic_pto",
	"quic_key_change", "quic_state", "quic_stream", "quic_close",
	"quic_version_moved", "quic_ecn_state",
};

/* The symbols the events print, each list in the order of its enum. */
static const char *const role_names[] = { "client", "server", NULL };
static const char *const lost_names[] = { "threshold", "pto_expired", NULL };
static const char *const dir_names[] = { "recv", "send", NULL };
/* RFC 9000 A.4's ECN states, as qlog spells them. */
static const char *const ecn_names[] = {
	"testing", "unknown", "capable", "failed", NULL
};
static const char *const by_names[] = { "local", "remote", NULL };

static const char *const space_names[] = {
	"initial", "handshake", "1RTT", NULL
};

static const char *const level_names[] = {
	"1rtt", "initial", "handshake", "0rtt", NULL
};

enum { ST_ESTABLISHED, ST_SYN_SENT, ST_SYN_RECV, ST_LISTEN, ST_CLOSE };
static const char *const state_names[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "LISTEN", "CLOSE", NULL
};

enum { SE_OPEN, SE_CLOSE, SE_RESET_SENT, SE_RESET_RECV };
static const char *const stream_names[] = {
	"open", "close", "reset_sent", "reset_recv", NULL
};

enum { CB_LOCAL, CB_REMOTE, CB_IDLE, CB_HANDSHAKE, CB_ABORT, CB_RESET };
static const char *const close_names[] = {
	"local", "remote", "idle_timeout", "handshake_timeout", "abort",
	"stateless_reset", NULL
};

/*
 * One event.  space: the packet number space (packets, frames).  The
 * other fields by kind: packets a = pn, b = len, x = lost trigger;
 * frames a = type; rtt a..d = latest, smoothed, var, min; cwnd a..c =
 * cwnd, ssthresh, inflight; pto a = count; key x = level, y = send,
 * a = update, b = phase, c = by remote; state x = old, y = new; stream
 * a = id, x = event; close x = by, a = errcode, b = frame, c = app,
 * d = err; conn_new x = role, a = version; version a = to, b = from
 * (compatible version negotiation moved the connection); ecn x = state.
 */
struct qev {
	uint64_t ns;
	uint64_t a, b, c, d;
	int conn;
	uint8_t kind, space, x, y;
	bool done;
};

/* One connection: a socket address from one start to the next. */
struct qconn {
	char sk[QLOG_SK_MAX];
	char odcid[QLOG_ODCID_MAX + 1];
	int gen;		/* 1 for the first connection of this sk */
	int role;		/* -1 unknown, else index in role_names */
	bool has_new;		/* a quic_conn_new was seen */
	bool closed;		/* the state went to CLOSE */
	size_t new_seq;		/* index of its quic_conn_new event */
	unsigned long nev;
	int next;		/* hash chain, newest first */
};

struct qlog {
	struct qev *ev;
	size_t nev, evcap;
	struct qconn *conn;
	int nconn, conncap;
	int hash[QLOG_HASH];
	const char *only_sk;	/* -s: keep this socket's events only */
	int prec;		/* decimals of ms in the output: 3 or 6 */
	FILE *out;
};

struct kv {
	const char *key;
	const char *val;
};

/* ---- Small parsers ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

static int hex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal, or hexadecimal after "0x"; all of s, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t *v)
{
	unsigned int base = 10;
	uint64_t n = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		d = base == 16 ? hex_val(*s) : (is_digit(*s) ? *s - '0' : -1);
		if (d < 0 || n > (UINT64_MAX - d) / base)
			return false;
		n = n * base + d;
	}
	*v = n;
	return true;
}

static bool parse_s64(const char *s, int64_t *v)
{
	bool neg = *s == '-';
	uint64_t n;

	if (!is_digit(s[neg]) || !parse_u64(s + neg, &n))
		return false;
	if (n > (uint64_t)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - n) : (int64_t)n;
	return true;
}

static int parse_sym(const char *s, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Split "k=v k=v ..." in place; tokens without '=' are ignored. */
static int kv_split(char *s, struct kv *kv, int max)
{
	char *tok, *eq, *save = NULL;
	int n = 0;

	for (tok = strtok_r(s, " \t", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			continue;
		*eq = '\0';
		kv[n].key = tok;
		kv[n].val = eq + 1;
		n++;
	}
	return n;
}

static const char *kv_get(const struct kv *kv, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

static bool kv_u64(const struct kv *kv, int n, const char *key, uint64_t *v)
{
	const char *s = kv_get(kv, n, key);

	return s && parse_u64(s, v);
}

static bool kv_sym(const struct kv *kv, int n, const char *key,
		   const char *const *names, uint8_t *v)
{
	const char *s = kv_get(kv, n, key);
	int i = s ? parse_sym(s, names) : -1;

	if (i < 0)
		return false;
	*v = i;
	return true;
}

/* ---- Finding "<sec>.<frac>: quic_<name>: " in a line ---- */

/* The timestamp that ends just before end (the ':' after it). */
static bool parse_stamp(const char *line, const char *end, uint64_t *ns,
			int *prec)
{
	const char *p = end, *dot;
	uint64_t sec = 0, frac = 0;
	int nfrac, nsec;

	while (p > line && is_digit(p[-1]))
		p--;
	nfrac = end - p;
	if (nfrac < 1 || nfrac > 9 || p - line < 2 || p[-1] != '.')
		return false;
	dot = --p;
	while (p > line && is_digit(p[-1]))
		p--;
	nsec = dot - p;
	if (nsec < 1 || nsec > 10 || (p > line && p[-1] != ' ' && p[-1] != '\t'))
		return false;
	for (; p < dot; p++)
		sec = sec * 10 + (*p - '0');
	for (p = dot + 1; p < end; p++)
		frac = frac * 10 + (*p - '0');
	for (; nfrac < 9; nfrac++)
		frac *= 10;
	*ns = sec * 1000000000ull + frac;
	*prec = end - dot - 1 > 6 ? 6 : 3;
	return true;
}

/*
 * Find the event in a line: name and body point into it (the name's ':'
 * becomes a NUL).  "quic:quic_x:" (perf's spelling) is accepted too.
 */
static bool find_event(char *line, uint64_t *ns, int *prec, char **name,
		       char **body)
{
	char *p, *q, *at;

	for (p = strstr(line, "quic_"); p; p = strstr(p + 1, "quic_")) {
		at = p;
		if (at - line >= 5 && !strncmp(at - 5, "quic:", 5))
			at -= 5;
		if (at - line < 3 || at[-1] != ' ' || at[-2] != ':')
			continue;
		if (!parse_stamp(line, at - 2, ns, prec))
			continue;
		for (q = p; is_name_char(*q); q++)
			;
		if (*q != ':' || (q[1] && q[1] != ' ' && q[1] != '\t'))
			continue;
		*q = '\0';
		*name = p;
		*body = q + 1;
		return true;
	}
	return false;
}

/* ---- The events' key=value pairs ---- */

static bool parse_packet(struct qev *e, const struct kv *kv, int n)
{
	if (!kv_sym(kv, n, "type", space_names, &e->space) ||
	    !kv_u64(kv, n, "pn", &e->a) || !kv_u64(kv, n, "len", &e->b))
		return false;
	if (e->kind == EV_PACKET_LOST)
		return kv_sym(kv, n, "trigger", lost_names, &e->x);
	return true;
}

static bool parse_key(struct qev *e, const struct kv *kv, int n)
{
	uint8_t by;

	if (!kv_sym(kv, n, "level", level_names, &e->x) ||
	    !kv_sym(kv, n, "dir", dir_names, &e->y) ||
	    !kv_u64(kv, n, "update", &e->a) || !kv_u64(kv, n, "phase", &e->b) ||
	    !kv_sym(kv, n, "by", by_names, &by))
		return false;
	e->c = by;
	return true;
}

static bool parse_close(struct qev *e, const struct kv *kv, int n)
{
	const char *s = kv_get(kv, n, "err");
	int64_t err;

	if (!kv_sym(kv, n, "by", close_names, &e->x) ||
	    !kv_u64(kv, n, "errcode", &e->a) || !kv_u64(kv, n, "frame", &e->b) ||
	    !kv_u64(kv, n, "app", &e->c) || !s || !parse_s64(s, &err) ||
	    err < INT32_MIN || err > INT32_MAX)
		return false;
	e->d = (uint64_t)err;
	return true;
}

static bool parse_stream(struct qev *e, const struct kv *kv, int n)
{
	const char *s = kv_get(kv, n, "id");
	int64_t id;

	if (!s || !parse_s64(s, &id) ||
	    !kv_sym(kv, n, "event", stream_names, &e->x))
		return false;
	e->a = (uint64_t)id;
	return true;
}

/* conn_new's odcid: hex digits, possibly none. */
static bool parse_odcid(const char *s)
{
	size_t i, len = s ? strlen(s) : 0;

	if (!s || len > QLOG_ODCID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (hex_val(s[i]) < 0)
			return false;
	return true;
}

static bool parse_fields(struct qev *e, const struct kv *kv, int n)
{
	switch (e->kind) {
	case EV_CONN_NEW:
		return kv_sym(kv, n, "role", role_names, &e->x) &&
		       kv_u64(kv, n, "version", &e->a) &&
		       parse_odcid(kv_get(kv, n, "odcid"));
	case EV_PACKET_RECV:
	case EV_PACKET_SENT:
	case EV_PACKET_ACKED:
	case EV_PACKET_LOST:
		return parse_packet(e, kv, n);
	case EV_FRAME_RECV:
		return kv_sym(kv, n, "type", space_names, &e->space) &&
		       kv_u64(kv, n, "frame", &e->a);
	case EV_RTT:
		return kv_u64(kv, n, "latest", &e->a) &&
		       kv_u64(kv, n, "smoothed", &e->b) &&
		       kv_u64(kv, n, "var", &e->c) && kv_u64(kv, n, "min", &e->d);
	case EV_CWND:
		return kv_u64(kv, n, "cwnd", &e->a) &&
		       kv_u64(kv, n, "ssthresh", &e->b) &&
		       kv_u64(kv, n, "inflight", &e->c);
	case EV_PTO:
		return kv_u64(kv, n, "count", &e->a);
	case EV_KEY:
		return parse_key(e, kv, n);
	case EV_STATE:
		return kv_sym(kv, n, "old", state_names, &e->x) &&
		       kv_sym(kv, n, "new", state_names, &e->y);
	case EV_STREAM:
		return parse_stream(e, kv, n);
	case EV_CLOSE:
		return parse_close(e, kv, n);
	case EV_VERSION:
		return kv_u64(kv, n, "from", &e->b) && kv_u64(kv, n, "to", &e->a);
	case EV_ECN:
		return kv_sym(kv, n, "state", ecn_names, &e->x);
	}
	return false;
}

/* ---- Connections ---- */

static void *grow(void *p, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : 64;

	p = realloc(p, n * size);
	if (!p) {
		fprintf(stderr, "quic-qlog: out of memory\n");
		exit(2);
	}
	*cap = n;
	return p;
}

static unsigned int hash_sk(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % QLOG_HASH;
}

/* The newest connection of a socket, or -1. */
static int conn_find(struct qlog *q, const char *sk)
{
	int i;

	for (i = q->hash[hash_sk(sk)]; i >= 0; i = q->conn[i].next)
		if (!strcmp(q->conn[i].sk, sk))
			return i;
	return -1;
}

static int conn_add(struct qlog *q, const char *sk, int prev)
{
	unsigned int h = hash_sk(sk);
	struct qconn *c;
	size_t cap = q->conncap;

	if (q->nconn == q->conncap) {
		q->conn = grow(q->conn, &cap, sizeof(*q->conn));
		q->conncap = cap;
	}
	c = &q->conn[q->nconn];
	memset(c, 0, sizeof(*c));
	snprintf(c->sk, sizeof(c->sk), "%s", sk);
	c->gen = prev >= 0 ? q->conn[prev].gen + 1 : 1;
	c->role = -1;
	c->next = q->hash[h];
	q->hash[h] = q->nconn;
	return q->nconn++;
}

/*
 * The connection an event belongs to.  A socket that was closed, or had
 * its quic_conn_new already, starts a new one at the next quic_conn_new
 * or move to SYN_SENT or SYN_RECV (a server's comes before its conn_new,
 * a client's after).
 */
static int conn_of(struct qlog *q, const char *sk, const struct qev *e)
{
	int i = conn_find(q, sk);
	bool start = e->kind == EV_CONN_NEW ||
		     (e->kind == EV_STATE &&
		      (e->y == ST_SYN_SENT || e->y == ST_SYN_RECV));

	if (i < 0 || (start && (q->conn[i].closed ||
				(e->kind == EV_CONN_NEW && q->conn[i].has_new))))
		i = conn_add(q, sk, i);
	return i;
}

static void conn_note(struct qlog *q, struct qconn *c, const struct qev *e,
		      const char *odcid)
{
	c->nev++;
	if (e->kind == EV_CONN_NEW && !c->has_new) {
		c->has_new = true;
		c->role = e->x;
		c->new_seq = q->nev;
		snprintf(c->odcid, sizeof(c->odcid), "%s", odcid);
	}
	if (e->kind == EV_STATE && e->y == ST_CLOSE)
		c->closed = true;
}

/* ---- Reading ---- */

/* One line into buf: 1, 0 for one to skip (too long, a NUL), -1 at EOF. */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	bool bad = false;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (n + 1 < size && ch != '\0')
			buf[n++] = ch;
		else
			bad = true;
	}
	if (ch == EOF && !n && !bad)
		return -1;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return !bad;
}

static int ev_kind_of(const char *name)
{
	int i;

	for (i = 0; i < EV_NKINDS; i++)
		if (!strcmp(name, ev_names[i]))
			return i;
	return -1;
}

/* Keep the event of one line, if it is one of ours and whole. */
static void take_line(struct qlog *q, char *line)
{
	struct kv kv[QLOG_KV_MAX];
	struct qev e = { 0 };
	char *name, *body;
	const char *sk;
	int kind, n, prec, ci;

	if (line[0] == '#' || !find_event(line, &e.ns, &prec, &name, &body))
		return;
	kind = ev_kind_of(name);
	if (kind < 0)
		return;
	e.kind = kind;
	n = kv_split(body, kv, QLOG_KV_MAX);
	sk = kv_get(kv, n, "sk");
	if (!sk || !*sk || strlen(sk) >= QLOG_SK_MAX || !parse_fields(&e, kv, n))
		return;
	if (q->only_sk && strcmp(sk, q->only_sk))
		return;
	if (prec > q->prec)
		q->prec = prec;
	ci = conn_of(q, sk, &e);
	e.conn = ci;
	conn_note(q, &q->conn[ci], &e, kv_get(kv, n, "odcid"));
	if (q->nev == q->evcap)
		q->ev = grow(q->ev, &q->evcap, sizeof(*q->ev));
	q->ev[q->nev++] = e;
}

static int read_capture(struct qlog *q, FILE *f)
{
	char line[QLOG_LINE_MAX];
	int r;

	while ((r = read_line(f, line, sizeof(line))) >= 0)
		if (r)
			take_line(q, line);
	return ferror(f) ? -1 : 0;
}

/* ---- JSON output ---- */

/* A JSON string; bytes outside printable ASCII as \u00XX. */
static void json_str(FILE *o, const char *s)
{
	unsigned char c;

	fputc('"', o);
	for (; *s; s++) {
		c = *s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

/* Nanoseconds as milliseconds, with q->prec decimals. */
static void put_ms(struct qlog *q, int64_t ns)
{
	uint64_t u = ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t frac = u % 1000000;

	if (q->prec == 3)
		fprintf(q->out, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "",
			u / 1000000, frac / 1000);
	else
		fprintf(q->out, "%s%" PRIu64 ".%06" PRIu64, ns < 0 ? "-" : "",
			u / 1000000, frac);
}

/* Microseconds as milliseconds. */
static void put_us_ms(FILE *o, uint64_t us)
{
	fprintf(o, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

static void rec_begin(struct qlog *q, const struct qev *e, uint64_t ref,
		      const char *name)
{
	fputc(0x1e, q->out);
	fputs("{\"time\":", q->out);
	put_ms(q, (int64_t)(e->ns - ref));
	fprintf(q->out, ",\"name\":\"%s\",\"data\":{", name);
}

static void rec_end(struct qlog *q)
{
	fputs("}}\n", q->out);
}

static void put_header(struct qlog *q, const struct qconn *c, uint64_t ref)
{
	FILE *o = q->out;
	char title[QLOG_SK_MAX + 32];

	if (c->gen > 1)
		snprintf(title, sizeof(title), "quic-qlog: socket %s/%d",
			 c->sk, c->gen);
	else
		snprintf(title, sizeof(title), "quic-qlog: socket %s", c->sk);
	fputc(0x1e, o);
	fputs("{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":", o);
	json_str(o, title);
	fputs(",\"description\":\"from the quic tracepoints\",\"trace\":{", o);
	fprintf(o, "\"vantage_point\":{\"type\":\"%s\"},\"common_fields\":{",
		c->role < 0 ? "unknown" : role_names[c->role]);
	if (c->odcid[0]) {
		fputs("\"ODCID\":", o);
		json_str(o, c->odcid);
		fputc(',', o);
	}
	fputs("\"time_format\":\"relative\",\"reference_time\":", o);
	put_ms(q, (int64_t)ref);
	fputs("}}}\n", o);
}

/* ---- Frames ---- */

/* qlog's names of the RFC 9000 frame types 0x00 to 0x1e. */
static const char *const frame_names[] = {
	"padding", "ping", "ack", "ack", "reset_stream", "stop_sending",
	"crypto", "new_token", "stream", "stream", "stream", "stream",
	"stream", "stream", "stream", "stream", "max_data",
	"max_stream_data", "max_streams", "max_streams", "data_blocked",
	"stream_data_blocked", "streams_blocked", "streams_blocked",
	"new_connection_id", "retire_connection_id", "path_challenge",
	"path_response", "connection_close", "connection_close",
	"handshake_done",
};

static void put_frame(FILE *o, uint64_t t)
{
	if (t == 0x30 || t == 0x31) {
		fputs("{\"frame_type\":\"datagram\"}", o);
		return;
	}
	if (t >= ARRAY_SIZE(frame_names)) {
		fprintf(o, "{\"frame_type\":\"unknown\",\"raw_frame_type\":%" PRIu64 "}", t);
		return;
	}
	fprintf(o, "{\"frame_type\":\"%s\"", frame_names[t]);
	if (t >= 0x08 && t <= 0x0f && (t & 1))
		fputs(",\"fin\":true", o);
	if (t == 0x12 || t == 0x13 || t == 0x16 || t == 0x17)
		fprintf(o, ",\"stream_type\":\"%s\"",
			(t & 1) ? "unidirectional" : "bidirectional");
	if (t == 0x1c || t == 0x1d)
		fprintf(o, ",\"error_space\":\"%s\"",
			(t & 1) ? "application" : "transport");
	fputc('}', o);
}

/*
 * The frames of the packet received at i: this connection's frame_recv
 * events of its space up to its next packet_recv.
 */
static void put_packet_frames(struct qlog *q, size_t i)
{
	const struct qev *p = &q->ev[i];
	struct qev *e;
	bool first = true;

	for (i++; i < q->nev; i++) {
		e = &q->ev[i];
		if (e->conn != p->conn)
			continue;
		if (e->kind == EV_PACKET_RECV)
			break;
		if (e->kind != EV_FRAME_RECV || e->space != p->space)
			continue;
		fputs(first ? ",\"frames\":[" : ",", q->out);
		put_frame(q->out, e->a);
		e->done = true;
		first = false;
	}
	if (!first)
		fputc(']', q->out);
}

/*
 * The next event of connection ci after i, if it is of the same kind and
 * space and not written yet; else NULL.
 */
static struct qev *next_like(struct qlog *q, size_t *i)
{
	const struct qev *e = &q->ev[*i];
	size_t j;

	for (j = *i + 1; j < q->nev; j++) {
		if (q->ev[j].conn != e->conn)
			continue;
		if (q->ev[j].kind != e->kind || q->ev[j].space != e->space ||
		    q->ev[j].done)
			return NULL;
		*i = j;
		return &q->ev[j];
	}
	return NULL;
}

/* ---- Events ---- */

static const char *const pn_space_names[] = {
	"initial", "handshake", "application_data"
};

static void put_pkt_header(FILE *o, const struct qev *e)
{
	fprintf(o, "\"header\":{\"packet_type\":\"%s\",\"packet_number\":%" PRIu64 "}",
		space_names[e->space], e->a);
}

static void put_packet(struct qlog *q, size_t i, uint64_t ref)
{
	const struct qev *e = &q->ev[i];
	bool recv = e->kind == EV_PACKET_RECV;

	rec_begin(q, e, ref, recv ? "transport:packet_received" :
				    "transport:packet_sent");
	put_pkt_header(q->out, e);
	fprintf(q->out, ",\"raw\":{\"length\":%" PRIu64 "}", e->b);
	if (recv)
		put_packet_frames(q, i);
	rec_end(q);
}

static void put_lost(struct qlog *q, const struct qev *e, uint64_t ref)
{
	rec_begin(q, e, ref, "recovery:packet_lost");
	put_pkt_header(q->out, e);
	fprintf(q->out, ",\"trigger\":\"%s\"",
		e->x ? "pto_expired" : "time_threshold");
	rec_end(q);
}

/* Consecutive acked packets of one space: one packets_acked. */
static size_t put_acked(struct qlog *q, size_t i, uint64_t ref)
{
	struct qev *e = &q->ev[i];
	int n = 1;

	rec_begin(q, e, ref, "recovery:packets_acked");
	fprintf(q->out, "\"packet_number_space\":\"%s\",\"packet_numbers\":[%" PRIu64,
		pn_space_names[e->space], e->a);
	while (n < QLOG_ACKED_MAX && (e = next_like(q, &i))) {
		fprintf(q->out, ",%" PRIu64, e->a);
		e->done = true;
		n++;
	}
	fputc(']', q->out);
	rec_end(q);
	return i;
}

/* Frames no packet took: frames_processed, consecutive ones together. */
static size_t put_frames(struct qlog *q, size_t i, uint64_t ref)
{
	struct qev *e = &q->ev[i];

	rec_begin(q, e, ref, "transport:frames_processed");
	fputs("\"frames\":[", q->out);
	put_frame(q->out, e->a);
	while ((e = next_like(q, &i))) {
		fputc(',', q->out);
		put_frame(q->out, e->a);
		e->done = true;
	}
	fputc(']', q->out);
	rec_end(q);
	return i;
}

static void put_rtt(struct qlog *q, const struct qev *e, uint64_t ref)
{
	FILE *o = q->out;

	rec_begin(q, e, ref, "recovery:metrics_updated");
	fputs("\"min_rtt\":", o);
	put_us_ms(o, e->d);
	fputs(",\"smoothed_rtt\":", o);
	put_us_ms(o, e->b);
	fputs(",\"latest_rtt\":", o);
	put_us_ms(o, e->a);
	fputs(",\"rtt_variance\":", o);
	put_us_ms(o, e->c);
	rec_end(q);
}

/* An ssthresh of 0xffffffff is "none yet": left out. */
static void put_cwnd(struct qlog *q, const struct qev *e, uint64_t ref)
{
	rec_begin(q, e, ref, "recovery:metrics_updated");
	fprintf(q->out, "\"congestion_window\":%" PRIu64, e->a);
	if (e->b != UINT32_MAX)
		fprintf(q->out, ",\"ssthresh\":%" PRIu64, e->b);
	fprintf(q->out, ",\"bytes_in_flight\":%" PRIu64, e->c);
	rec_end(q);
}

static void put_pto(struct qlog *q, const struct qev *e, uint64_t ref)
{
	rec_begin(q, e, ref, "recovery:loss_timer_updated");
	fputs("\"timer_type\":\"pto\",\"event_type\":\"expired\"", q->out);
	rec_end(q);
	rec_begin(q, e, ref, "recovery:metrics_updated");
	fprintf(q->out, "\"pto_count\":%" PRIu64, e->a);
	rec_end(q);
}

/*
 * key_type: whose secret (a client sends with the client's, receives with
 * the server's; a socket of unknown role counts as a client) and level.
 */
static void put_key(struct qlog *q, const struct qev *e, uint64_t ref,
		    const struct qconn *c)
{
	static const char *const lvl[] = { "1rtt", "initial", "handshake", "0rtt" };
	bool server = c->role == 1;
	const char *who = server == (e->y == 1) ? "server" : "client";
	const char *trigger = !e->a ? "tls" :
			      e->c ? "remote_update" : "local_update";

	rec_begin(q, e, ref, "security:key_updated");
	fprintf(q->out, "\"key_type\":\"%s_%s_secret\",\"trigger\":\"%s\"",
		who, lvl[e->x], trigger);
	if (e->x == 0)
		fprintf(q->out, ",\"key_phase\":%" PRIu64, e->b);
	rec_end(q);
}

/*
 * quic_state's TCP states as qlog connection states: SYN_SENT attempted,
 * SYN_RECV handshake_started, ESTABLISHED handshake_complete (a client's;
 * a server's is confirmed with it, RFC 9001 4.1.2), CLOSE closed.
 */
static const char *state_qlog(int st, int role)
{
	switch (st) {
	case ST_SYN_SENT:
		return "attempted";
	case ST_SYN_RECV:
		return "handshake_started";
	case ST_ESTABLISHED:
		return role == 1 ? "handshake_confirmed" : "handshake_complete";
	case ST_CLOSE:
		return "closed";
	}
	return NULL;
}

/*
 * No event for a move to LISTEN (no connection); no "old" for a move
 * out of CLOSE or LISTEN (the socket before its connection).
 */
static void put_state(struct qlog *q, const struct qev *e, uint64_t ref,
		      const struct qconn *c)
{
	const char *nw = state_qlog(e->y, c->role);
	const char *old = state_qlog(e->x, c->role);

	if (!nw)
		return;
	if (e->x == ST_LISTEN || (e->x == ST_CLOSE && e->y != ST_CLOSE))
		old = NULL;
	rec_begin(q, e, ref, "connectivity:connection_state_updated");
	if (old)
		fprintf(q->out, "\"old\":\"%s\",", old);
	fprintf(q->out, "\"new\":\"%s\"", nw);
	rec_end(q);
}

static void put_stream(struct qlog *q, const struct qev *e, uint64_t ref)
{
	static const char *const st[] = {
		"open", "closed", "reset_sent", "reset_received"
	};
	int64_t id = (int64_t)e->a;

	rec_begin(q, e, ref, "transport:stream_state_updated");
	fprintf(q->out, "\"stream_id\":%" PRId64, id);
	if (id >= 0)
		fprintf(q->out, ",\"stream_type\":\"%s\"",
			(id & 2) ? "unidirectional" : "bidirectional");
	fprintf(q->out, ",\"new\":\"%s\"", st[e->x]);
	if (e->x == SE_RESET_SENT || e->x == SE_RESET_RECV)
		fprintf(q->out, ",\"stream_side\":\"%s\"",
			e->x == SE_RESET_SENT ? "sending" : "receiving");
	rec_end(q);
}

static const char *close_trigger(const struct qev *e)
{
	switch (e->x) {
	case CB_IDLE:
		return "idle_timeout";
	case CB_HANDSHAKE:
		return "handshake_timeout";
	case CB_ABORT:
		return "error";
	case CB_RESET:
		return "stateless_reset";
	}
	if (e->c)
		return "application";
	return e->a ? "error" : "clean";
}

/*
 * owner: remote for the peer's CONNECTION_CLOSE, else local; the code
 * of a CONNECTION_CLOSE as connection_code (application_code for the
 * application's); internal_code the errno; reason the frame type that
 * caused it.
 */
static void put_close(struct qlog *q, const struct qev *e, uint64_t ref)
{
	FILE *o = q->out;
	int64_t err = (int64_t)e->d;

	rec_begin(q, e, ref, "connectivity:connection_closed");
	fprintf(o, "\"owner\":\"%s\"",
		e->x == CB_REMOTE || e->x == CB_RESET ? "remote" : "local");
	if (e->x == CB_LOCAL || e->x == CB_REMOTE)
		fprintf(o, ",\"%s\":%" PRIu64,
			e->c ? "application_code" : "connection_code", e->a);
	if (err)
		fprintf(o, ",\"internal_code\":%" PRId64, err < 0 ? -err : err);
	if (e->b)
		fprintf(o, ",\"reason\":\"frame type 0x%" PRIx64 "\"", e->b);
	fprintf(o, ",\"trigger\":\"%s\"", close_trigger(e));
	rec_end(q);
}

static void put_version(struct qlog *q, const struct qev *e, uint64_t ref)
{
	rec_begin(q, e, ref, "transport:version_information");
	fprintf(q->out, "\"chosen_version\":\"%08" PRIx64 "\"", e->a);
	rec_end(q);
}

/* One event (and those it takes along); the index of the last taken. */
static size_t put_event(struct qlog *q, size_t i, uint64_t ref,
			const struct qconn *c)
{
	const struct qev *e = &q->ev[i];

	switch (e->kind) {
	case EV_CONN_NEW:
		put_version(q, e, ref);
		break;
	case EV_PACKET_RECV:
	case EV_PACKET_SENT:
		put_packet(q, i, ref);
		break;
	case EV_PACKET_ACKED:
		return put_acked(q, i, ref);
	case EV_PACKET_LOST:
		put_lost(q, e, ref);
		break;
	case EV_FRAME_RECV:
		return put_frames(q, i, ref);
	case EV_RTT:
		put_rtt(q, e, ref);
		break;
	case EV_CWND:
		put_cwnd(q, e, ref);
		break;
	case EV_PTO:
		put_pto(q, e, ref);
		break;
	case EV_KEY:
		put_key(q, e, ref, c);
		break;
	case EV_STATE:
		put_state(q, e, ref, c);
		break;
	case EV_STREAM:
		put_stream(q, e, ref);
		break;
	case EV_CLOSE:
		put_close(q, e, ref);
		break;
	case EV_VERSION:
		put_version(q, e, ref);
		break;
	case EV_ECN:
		rec_begin(q, e, ref, "recovery:ecn_state_updated");
		fprintf(q->out, "\"new\":\"%s\"", ecn_names[e->x]);
		rec_end(q);
		break;
	}
	return i;
}

static void write_qlog(struct qlog *q, int ci)
{
	const struct qconn *c = &q->conn[ci];
	uint64_t ref = 0;
	size_t i;
	bool found = false;

	for (i = 0; i < q->nev && !found; i++)
		if (q->ev[i].conn == ci) {
			ref = q->ev[i].ns;
			found = true;
		}
	put_header(q, c, ref);
	for (i = 0; i < q->nev; i++) {
		if (q->ev[i].conn != ci || q->ev[i].done)
			continue;
		q->ev[i].done = true;
		put_event(q, i, ref, c);
	}
}

static void list_conns(struct qlog *q)
{
	const struct qconn *c;
	int i;

	for (i = 0; i < q->nconn; i++) {
		c = &q->conn[i];
		fprintf(q->out, "%s", c->sk);
		if (c->gen > 1)
			fprintf(q->out, "/%d", c->gen);
		fprintf(q->out, " %s %s %lu\n",
			c->role < 0 ? "-" : role_names[c->role],
			c->odcid[0] ? c->odcid : "-", c->nev);
	}
}

/* ---- Choosing the connection ---- */

/* -s SK or SK/N: the first (the Nth) connection of that socket. */
static int pick_named(struct qlog *q, const char *want, int gen)
{
	int i;

	for (i = 0; i < q->nconn; i++)
		if (!strcmp(q->conn[i].sk, want) && q->conn[i].gen == gen)
			return i;
	return -1;
}

/* Without -s: the first to have a quic_conn_new, else the first seen. */
static int pick_default(struct qlog *q)
{
	int i, best = -1;

	for (i = 0; i < q->nconn; i++)
		if (q->conn[i].has_new &&
		    (best < 0 || q->conn[i].new_seq < q->conn[best].new_seq))
			best = i;
	if (best < 0 && q->nconn)
		best = 0;
	return best;
}

/* Split "SK/N" into SK (in place) and N; a bare SK is N = 1. */
static bool split_gen(char *arg, int *gen)
{
	char *slash = strrchr(arg, '/');
	uint64_t n;

	*gen = 1;
	if (!slash)
		return *arg != '\0';
	*slash = '\0';
	if (!parse_u64(slash + 1, &n) || !is_digit(slash[1]) || !n || n > 1000000)
		return false;
	*gen = n;
	return *arg != '\0';
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: quic-qlog [-l] [-s SK[/N]] [-o OUT] [CAPTURE]\n"
		"  Turns a capture of the quic tracepoints (ftrace's trace file or\n"
		"  trace-cmd report) into a qlog (JSON-SEQ) of one connection.\n"
		"  -s SK   the socket (its sk= value; SK/N its Nth connection)\n"
		"  -o OUT  write to OUT instead of standard output\n"
		"  -l      list the connections found: sk role odcid events\n");
}

static int finish(struct qlog *q, const char *outname)
{
	bool bad = ferror(q->out);

	if (fclose(q->out) || bad) {
		fprintf(stderr, "quic-qlog: cannot write %s\n",
			outname ? outname : "standard output");
		return 2;
	}
	return 0;
}

static int run(struct qlog *q, bool list, int gen, const char *outname)
{
	int ci;

	if (list)
		ci = q->nconn ? 0 : -1;
	else if (q->only_sk)
		ci = pick_named(q, q->only_sk, gen);
	else
		ci = pick_default(q);
	if (ci < 0) {
		if (q->only_sk)
			fprintf(stderr, "quic-qlog: no event of socket %s\n",
				q->only_sk);
		else
			fprintf(stderr, "quic-qlog: no quic event found\n");
		return 1;
	}
	q->out = outname ? fopen(outname, "w") : stdout;
	if (!q->out) {
		perror(outname);
		return 2;
	}
	if (list)
		list_conns(q);
	else
		write_qlog(q, ci);
	return finish(q, outname);
}

int main(int argc, char **argv)
{
	struct qlog q = { .prec = 3 };
	const char *outname = NULL;
	char *sk = NULL;
	bool list = false;
	FILE *in = stdin;
	int opt, gen = 1, rc;

	while ((opt = getopt(argc, argv, "hls:o:")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 's':
			sk = optarg;
			break;
		case 'o':
			outname = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1 || (sk && !split_gen(sk, &gen))) {
		usage(stderr);
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "-")) {
		in = fopen(argv[optind], "r");
		if (!in) {
			perror(argv[optind]);
			return 2;
		}
	}
	memset(q.hash, 0xff, sizeof(q.hash));
	q.only_sk = sk;
	if (read_capture(&q, in)) {
		fprintf(stderr, "quic-qlog: cannot read %s\n",
			in == stdin ? "standard input" : argv[optind]);
		return 2;
	}
	if (in != stdin)
		fclose(in);
	rc = run(&q, list, gen, outname);
	free(q.ev);
	free(q.conn);
	return rc;
}
