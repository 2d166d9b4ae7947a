// SPDX-License-Identifier: GPL-2.0
/*
 * The measurements behind "make bench": throughput, request/response rate
 * and handshake rate of our QUIC sockets next to TCP, TCP with kTLS and
 * ngtcp2, all over loopback in one boot, printed as a table of ratios.
 *
 * This is not a test: it prints and never passes or fails.  Each run
 * is a child process with a time limit, so a measurement that errs or
 * stalls shows as such in its row and the others still run.  Every loop
 * is bounded by a duration and by a count.  Figures are medians of runs
 * taken in turns with their baseline (see group()), because the machine's
 * cores are shared and its load drifts.
 *
 * usage: bench [-t SECS] [-f GLOB] [-H TEXT]
 *	-t SECS  duration of each timed run (default 2)
 *	-f GLOB  only the rows whose id matches (e.g. 'bulk.*', 'hs.quic_*')
 *	-H TEXT  how the machine runs (e.g. "emulation (TCG, no KVM)")
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/tls.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <netinet/quic.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* Upper bounds next to the durations, so no loop depends on a clock alone. */
#define BULK_MAX	(4ull << 30)
#define RR_MAX		10000000
#define HS_MAX		5000
#define READ_SIZE	(64u << 10)
/* What ngtcp2's server serves for the throughput row. */
#define NGTCP2_BYTES	(32u << 20)

#define TLS_PRIORITY							\
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:"			\
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"		\
	"%DISABLE_TLS13_COMPAT_MODE"

enum kind {
	K_TCP,
	K_KTLS,
	K_QUIC,		/* QUIC, 1-RTT packets protected */
	K_PLAIN,	/* QUIC, both ends ask for disable_1rtt_encryption */
};

static double secs = 2;
static const char *filter;
static char dir[] = "/tmp/quic-bench-XXXXXX";
static char ca[300], key[300], cert[300], psk[300], pskc[300];
static char www[300], dl[300];

/* ---- One measurement, in a child with a time limit ---- */

struct result {
	int ok;
	double value;
	char note[300];
};

static int result_fd = -1;
/* Processes a measurement started, killed if it runs out of time. */
static pid_t kids[4];

static void put_result(const struct result *r)
{
	ssize_t n = write(result_fd, r, sizeof(*r));

	(void)n;
}

static void bail(const char *fmt, ...)
{
	struct result r = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.note, sizeof(r.note), fmt, ap);
	va_end(ap);
	put_result(&r);
	_exit(1);
}

#define CHECK(cond) do {						\
	if (!(cond))							\
		bail("%s:%d: %s: %s", __FILE__, __LINE__, #cond,	\
		     strerror(errno));					\
} while (0)

/* Only the note: a row that reports a fact rather than a figure. */
static void note(const char *fmt, ...)
{
	struct result r = { .ok = 1 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.note, sizeof(r.note), fmt, ap);
	va_end(ap);
	put_result(&r);
}

static void on_alarm(int sig)
{
	struct result r = { 0 };
	unsigned int i;

	(void)sig;
	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	snprintf(r.note, sizeof(r.note), "stalled: no result in time");
	put_result(&r);
	_exit(1);
}

static struct result measure(double (*fn)(long), long arg, int limit)
{
	struct result r = { 0 };
	int p[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(p) || (pid = fork()) < 0) {
		snprintf(r.note, sizeof(r.note), "fork: %s", strerror(errno));
		return r;
	}
	if (!pid) {
		close(p[0]);
		result_fd = p[1];
		signal(SIGALRM, on_alarm);
		signal(SIGPIPE, SIG_IGN);
		alarm(limit);
		r.value = fn(arg);
		/* A function that only notes has written its result. */
		if (r.value >= 0) {
			r.ok = 1;
			put_result(&r);
		}
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], &r, sizeof(r));
	close(p[0]);
	waitpid(pid, &status, 0);
	if (n != sizeof(r)) {
		memset(&r, 0, sizeof(r));
		if (WIFSIGNALED(status))
			snprintf(r.note, sizeof(r.note), "died: signal %d",
				 WTERMSIG(status));
		else
			snprintf(r.note, sizeof(r.note), "died: no result");
	}
	return r;
}

/* ---- Helpers ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int is_quic(int kind)
{
	return kind == K_QUIC || kind == K_PLAIN;
}

/* A stalled connection ends its run with EAGAIN instead of hanging it. */
static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 10 };

	CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
}

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/*
 * Set before connect() and listen(): the listener's parameters are the
 * accepted socket's.  Read, change one member, write back, so every other
 * parameter stays the default the other rows run with.
 */
static void quic_ask_plain(int fd)
{
	struct quic_transport_param p = { .remote = 0 };
	socklen_t len = sizeof(p);

	CHECK(!getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &p,
			  &len));
	p.disable_1rtt_encryption = 1;
	CHECK(!setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &p,
			  sizeof(p)));
}

/* Did the peer of @fd send disable_1rtt_encryption? */
static int quic_peer_plain(int fd)
{
	struct quic_transport_param p = { .remote = 1 };
	socklen_t len = sizeof(p);

	CHECK(!getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &p,
			  &len));
	return p.disable_1rtt_encryption;
}

/* The request/response rows ask QUIC for what TCP_NODELAY asks of TCP. */
static void quic_nodelay(int fd)
{
	struct quic_config c;
	socklen_t len = sizeof(c);

	CHECK(!getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, &len));
	c.stream_data_nodelay = 1;
	CHECK(!setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, sizeof(c)));
}

struct acceptor {
	int listener, fd, err;
	int cert;	/* certificate instead of PSK */
	pthread_t thread;
};

static void *quic_accept_one(void *arg)
{
	struct acceptor *a = arg;

	a->fd = accept(a->listener, NULL, NULL);
	if (a->fd < 0) {
		a->err = -errno;
		return NULL;
	}
	a->err = a->cert ? quic_server_handshake(a->fd, key, cert, NULL) :
			   quic_server_handshake(a->fd, psk, NULL, NULL);
	return NULL;
}

/*
 * Path MTU discovery is off by default (the draft's 0): on, as ngtcp2 runs
 * it, 1-RTT datagrams grow from 1200 bytes to what lo's 1500 carries.
 */
static void quic_pmtud(int fd)
{
	struct quic_config c;
	socklen_t len = sizeof(c);

	CHECK(!getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, &len));
	c.plpmtud_probe_interval = 5000000;	/* the smallest, 5 s */
	CHECK(!setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, sizeof(c)));
}

static int quic_listener(int kind, int nodelay, struct sockaddr_in *sa)
{
	socklen_t sl = sizeof(*sa);
	int fd;

	*sa = loopback();
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	quic_pmtud(fd);
	if (kind == K_PLAIN)
		quic_ask_plain(fd);
	if (nodelay)
		quic_nodelay(fd);
	CHECK(!bind(fd, (struct sockaddr *)sa, sl));
	CHECK(!getsockname(fd, (struct sockaddr *)sa, &sl));
	CHECK(!listen(fd, 16));
	return fd;
}

/* One QUIC connection through libquic: *cfd the client, the accepted
 * socket returned.
 */
static int quic_connect(int kind, int nodelay, int use_cert, int lfd,
			const struct sockaddr_in *sa, int *cfd)
{
	struct acceptor a = { .listener = lfd, .cert = use_cert };
	int fd, err;

	CHECK(pthread_create(&a.thread, NULL, quic_accept_one, &a) == 0);
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	quic_pmtud(fd);
	if (kind == K_PLAIN)
		quic_ask_plain(fd);
	if (nodelay)
		quic_nodelay(fd);
	set_timeouts(fd);
	CHECK(!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)));
	err = use_cert ? quic_client_handshake(fd, NULL, "localhost", NULL) :
			 quic_client_handshake(fd, pskc, NULL, NULL);
	CHECK(pthread_join(a.thread, NULL) == 0);
	if (err || a.err)
		bail("handshake: client %d, server %d", err, a.err);
	set_timeouts(a.fd);
	*cfd = fd;
	return a.fd;
}

static int tcp_listener(struct sockaddr_in *sa)
{
	socklen_t sl = sizeof(*sa);
	int fd, one = 1;

	*sa = loopback();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK(!setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK(!bind(fd, (struct sockaddr *)sa, sl));
	CHECK(!getsockname(fd, (struct sockaddr *)sa, &sl));
	CHECK(!listen(fd, 16));
	return fd;
}

static int tcp_connect(int lfd, const struct sockaddr_in *sa, int nodelay,
		       int *cfd)
{
	int fd, sfd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK(!connect(fd, (const struct sockaddr *)sa, sizeof(*sa)));
	sfd = accept(lfd, NULL, NULL);
	CHECK(sfd >= 0);
	if (nodelay) {
		CHECK(!setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				  sizeof(one)));
		CHECK(!setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one,
				  sizeof(one)));
	}
	set_timeouts(fd);
	set_timeouts(sfd);
	*cfd = fd;
	return sfd;
}

/*
 * kTLS without a handshake: both ends install the same made-up TLS 1.3
 * AES-128-GCM keys, the sender for TX and the receiver for RX.  The
 * records are real; only the secrets never came from a handshake.
 */
static void ktls_install(int fd, int dir_opt)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info.version = TLS_1_3_VERSION,
		.info.cipher_type = TLS_CIPHER_AES_GCM_128,
	};

	memset(ci.key, 0x4b, sizeof(ci.key));
	memset(ci.iv, 0x49, sizeof(ci.iv));
	memset(ci.salt, 0x53, sizeof(ci.salt));
	CHECK(!setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")));
	CHECK(!setsockopt(fd, SOL_TLS, dir_opt, &ci, sizeof(ci)));
}

/* A connected pair of @kind: *cfd sends, the returned fd receives. */
static int make_pair(int kind, int nodelay, int *cfd)
{
	struct sockaddr_in sa;
	int lfd, sfd;

	if (is_quic(kind)) {
		lfd = quic_listener(kind, nodelay, &sa);
		sfd = quic_connect(kind, nodelay, 0, lfd, &sa, cfd);
	} else {
		lfd = tcp_listener(&sa);
		sfd = tcp_connect(lfd, &sa, nodelay, cfd);
		if (kind == K_KTLS) {
			ktls_install(*cfd, TLS_TX);
			ktls_install(sfd, TLS_RX);
		}
	}
	close(lfd);
	return sfd;
}

/* All of @len, however the socket splits it; QUIC on stream 0. */
static int send_full(int kind, int fd, const char *buf, size_t len,
		     uint32_t flags)
{
	ssize_t r;

	while (len) {
		r = is_quic(kind) ? quic_sendmsg(fd, buf, len, 0, flags) :
				    send(fd, buf, len, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= r;
		/* The rest of a short write goes on the same stream. */
		flags &= ~MSG_STREAM_NEW;
	}
	return 0;
}

/* One read: bytes, or -1; *fin set at the end of the stream. */
static ssize_t recv_some(int kind, int fd, char *buf, size_t len, int *fin)
{
	uint32_t flags;
	int64_t sid;
	ssize_t n;

	do {
		flags = 0;
		n = is_quic(kind) ? quic_recvmsg(fd, buf, len, &sid, &flags) :
				    recv(fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	*fin = is_quic(kind) ? (n >= 0 && (flags & MSG_STREAM_FIN)) : n == 0;
	return n;
}

/* ---- 1 and 4: one stream, one direction ---- */

struct writer {
	int kind, fd, err;
	size_t wsize;
	uint64_t sent;
	pthread_t thread;
};

/*
 * Writes of wsize bytes for @secs: the last one carries the FIN (QUIC) or
 * is followed by shutdown (TCP), and the reader counts what arrived.
 */
static void *bulk_write(void *arg)
{
	struct writer *w = arg;
	uint32_t flags = MSG_STREAM_NEW;
	double end = now() + secs;
	char *buf = malloc(w->wsize);
	int last;

	if (!buf) {
		w->err = ENOMEM;
		return NULL;
	}
	memset(buf, 'b', w->wsize);
	do {
		last = w->sent + w->wsize >= BULK_MAX || now() >= end;
		if (last)
			flags |= MSG_STREAM_FIN;
		if (send_full(w->kind, w->fd, buf, w->wsize, flags)) {
			w->err = errno;
			break;
		}
		flags &= ~MSG_STREAM_NEW;
		w->sent += w->wsize;
	} while (!last);
	if (!is_quic(w->kind))
		shutdown(w->fd, SHUT_WR);
	free(buf);
	return NULL;
}

/* MB/s (10^6 bytes) for kind and write size, packed in @arg. */
static double bulk(long arg)
{
	struct writer w = { .kind = arg & 0xf, .wsize = arg >> 4 };
	static char buf[READ_SIZE];
	uint64_t got = 0;
	double t0, t;
	ssize_t n;
	int sfd, fin;

	sfd = make_pair(w.kind, 0, &w.fd);
	t0 = now();
	CHECK(pthread_create(&w.thread, NULL, bulk_write, &w) == 0);
	do {
		n = recv_some(w.kind, sfd, buf, sizeof(buf), &fin);
		if (n < 0)
			bail("recv after %llu bytes: %s",
			     (unsigned long long)got, strerror(errno));
		got += n;
	} while (!fin);
	t = now() - t0;
	CHECK(pthread_join(w.thread, NULL) == 0);
	if (w.err)
		bail("send after %llu bytes: %s", (unsigned long long)w.sent,
		     strerror(w.err));
	if (got != w.sent)
		bail("received %llu bytes of %llu", (unsigned long long)got,
		     (unsigned long long)w.sent);
	close(w.fd);
	close(sfd);
	return got / t / 1e6;
}

/*
 * Whether disable_1rtt_encryption took: each end reads back what its peer
 * sent, and a packet socket on lo looks for the stream's bytes in the
 * clear in the UDP datagrams of a short transfer.
 */
static double plain_check(long arg)
{
	static const char marker[] = "quic-bench-plaintext-marker:";
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct timeval tv = { .tv_usec = 200000 };
	int cfd, sfd, pfd, fin, udp = 0, clear = 0, i;
	static char buf[READ_SIZE];
	size_t got = 0, total;
	socklen_t sl;
	ssize_t n;

	(void)arg;
	sfd = make_pair(K_PLAIN, 0, &cfd);
	/* Opened after the handshake: only the transfer's packets count. */
	pfd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	CHECK(pfd >= 0);
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = if_nametoindex("lo");
	CHECK(ll.sll_ifindex > 0);
	CHECK(!bind(pfd, (struct sockaddr *)&ll, sizeof(ll)));
	CHECK(!setsockopt(pfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	/*
	 * 4 KiB of markers: a few packets, each with one whole, and few
	 * enough for the first congestion window, so that they arrive even
	 * if no ACK ever comes back.
	 */
	for (total = 0; total + sizeof(marker) - 1 <= 4096;
	     total += sizeof(marker) - 1)
		memcpy(buf + total, marker, sizeof(marker) - 1);
	CHECK(!send_full(K_PLAIN, cfd, buf, total,
			 MSG_STREAM_NEW | MSG_STREAM_FIN));
	do {
		n = recv_some(K_PLAIN, sfd, buf, sizeof(buf), &fin);
		CHECK(n >= 0);
		got += n;
	} while (!fin);
	CHECK(got == total);
	/* Read until lo goes quiet; lo shows each packet going out too. */
	for (i = 0; i < 10000; i++) {
		sl = sizeof(ll);
		n = recvfrom(pfd, buf, sizeof(buf), 0, (struct sockaddr *)&ll,
			     &sl);
		if (n < 0)
			break;
		if (ll.sll_pkttype == PACKET_OUTGOING || n < 20 ||
		    (buf[0] & 0xf0) != 0x40 || buf[9] != IPPROTO_UDP)
			continue;
		udp++;
		if (memmem(buf, n, marker, sizeof(marker) - 1))
			clear++;
	}
	note("peer sent disable_1rtt_encryption: to the client %s, to the "
	     "server %s;\n   4 KiB sent, its bytes in the clear in %d of "
	     "the %d UDP packets of the transfer (ACKs included)",
	     quic_peer_plain(cfd) ? "yes" : "no",
	     quic_peer_plain(sfd) ? "yes" : "no", clear, udp);
	close(cfd);
	close(sfd);
	close(pfd);
	return -1;
}

/* ---- 2: request/response on one connection ---- */

struct responder {
	int kind, fd, err;
	long count;
	pthread_t thread;
};

static void *respond(void *arg)
{
	struct responder *r = arg;
	ssize_t n;
	char c;
	int fin;

	for (;;) {
		n = recv_some(r->kind, r->fd, &c, 1, &fin);
		if (n < 0) {
			r->err = errno;
			return NULL;
		}
		/* The client ends with a last byte and FIN, or shutdown. */
		if (fin)
			return NULL;
		c++;
		if (send_full(r->kind, r->fd, &c, 1, 0)) {
			r->err = errno;
			return NULL;
		}
		r->count++;
	}
}

/*
 * Transactions per second: one byte each way, the next request only
 * after the reply.  QUIC: every request and reply on stream 0, one
 * bidirectional stream the client opens with its first byte.
 */
static double rr(long kind)
{
	struct responder r = { .kind = kind };
	uint32_t flags = MSG_STREAM_NEW;
	long count = 0;
	double t0, end;
	char c = 0, reply;
	int cfd, fin;

	r.fd = make_pair(kind, 1, &cfd);
	CHECK(pthread_create(&r.thread, NULL, respond, &r) == 0);
	t0 = now();
	end = t0 + secs;
	while (count < RR_MAX && now() < end) {
		if (send_full(kind, cfd, &c, 1, flags))
			bail("request %ld: %s", count, strerror(errno));
		flags = 0;
		if (recv_some(kind, cfd, &reply, 1, &fin) != 1)
			bail("reply %ld: %s", count, strerror(errno));
		if (reply != (char)(c + 1))
			bail("reply %ld: wrong byte", count);
		c++;
		count++;
	}
	t0 = now() - t0;
	if (is_quic(kind))
		CHECK(!send_full(kind, cfd, &c, 1, MSG_STREAM_FIN));
	else
		shutdown(cfd, SHUT_WR);
	CHECK(pthread_join(r.thread, NULL) == 0);
	if (r.err)
		bail("server: %s", strerror(r.err));
	if (r.count != count)
		bail("server answered %ld of %ld", r.count, count);
	close(cfd);
	close(r.fd);
	return count / t0;
}

/* ---- 3: handshakes ---- */

enum hs_kind {
	HS_QUIC_PSK,
	HS_QUIC_CERT,
	HS_TLS_PSK,	/* TLS 1.3 over TCP, GnuTLS, same priorities */
	HS_TLS_CERT,
};

static int tls_handshake(gnutls_session_t s)
{
	int err;

	do {
		err = gnutls_handshake(s);
	} while (err < 0 && !gnutls_error_is_fatal(err));
	return err;
}

/*
 * The baseline a kTLS user pays before TLS_TX: a GnuTLS handshake over
 * TCP.  Credentials are loaded for every handshake, as libquic loads
 * them in each quic_*_handshake() call.
 */
static int tls_server(int fd, int use_cert)
{
	gnutls_certificate_credentials_t xc = NULL;
	gnutls_psk_server_credentials_t pc = NULL;
	gnutls_session_t s;
	int err;

	if (gnutls_init(&s, GNUTLS_SERVER))
		return -1;
	if (use_cert) {
		err = gnutls_certificate_allocate_credentials(&xc) ||
		      gnutls_certificate_set_x509_key_file(xc, cert, key,
							   GNUTLS_X509_FMT_PEM) ||
		      gnutls_priority_set_direct(s, TLS_PRIORITY, NULL) ||
		      gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, xc);
	} else {
		err = gnutls_psk_allocate_server_credentials(&pc) ||
		      gnutls_psk_set_server_credentials_file(pc, psk) ||
		      gnutls_priority_set_direct(s, TLS_PRIORITY
						 ":+ECDHE-PSK:+DHE-PSK", NULL) ||
		      gnutls_credentials_set(s, GNUTLS_CRD_PSK, pc);
	}
	if (!err) {
		gnutls_transport_set_int(s, fd);
		err = tls_handshake(s);
	}
	gnutls_deinit(s);
	if (xc)
		gnutls_certificate_free_credentials(xc);
	if (pc)
		gnutls_psk_free_server_credentials(pc);
	return err;
}

static int tls_client(int fd, int use_cert)
{
	gnutls_certificate_credentials_t xc = NULL;
	gnutls_psk_client_credentials_t pc = NULL;
	gnutls_datum_t k;
	gnutls_session_t s;
	char line[200], *colon;
	FILE *f;
	int err;

	if (gnutls_init(&s, GNUTLS_CLIENT))
		return -1;
	if (use_cert) {
		err = gnutls_certificate_allocate_credentials(&xc) ||
		      gnutls_certificate_set_x509_trust_file(xc, ca,
					GNUTLS_X509_FMT_PEM) < 1 ||
		      gnutls_priority_set_direct(s, TLS_PRIORITY, NULL) ||
		      gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost",
					     9) ||
		      gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, xc);
		gnutls_session_set_verify_cert(s, "localhost", 0);
	} else {
		/* "identity:hexkey", the line libquic reads too. */
		f = fopen(pskc, "r");
		err = !f || !fgets(line, sizeof(line), f) ||
		      !(colon = strchr(line, ':'));
		if (f)
			fclose(f);
		if (!err) {
			*colon++ = 0;
			colon[strcspn(colon, "\r\n")] = 0;
			k.data = (unsigned char *)colon;
			k.size = strlen(colon);
			err = gnutls_psk_allocate_client_credentials(&pc) ||
			      gnutls_psk_set_client_credentials(pc, line, &k,
						GNUTLS_PSK_KEY_HEX) ||
			      gnutls_priority_set_direct(s, TLS_PRIORITY
						":+ECDHE-PSK:+DHE-PSK", NULL) ||
			      gnutls_credentials_set(s, GNUTLS_CRD_PSK, pc);
		}
	}
	if (!err) {
		gnutls_transport_set_int(s, fd);
		err = tls_handshake(s);
	}
	gnutls_deinit(s);
	if (xc)
		gnutls_certificate_free_credentials(xc);
	if (pc)
		gnutls_psk_free_client_credentials(pc);
	return err;
}

struct hs_server {
	int kind, listener, go[2], done[2];
	pthread_t thread;
};

/* Handshake rows need a few runs even when each takes seconds. */
#define HS_MIN 3

/*
 * One accept and handshake per byte on "go", each answered on "done",
 * so the two sides move in lock step and a failure is seen at once.
 */
static void *hs_serve(void *arg)
{
	struct hs_server *h = arg;
	int fd, err, use_cert;
	char c;

	use_cert = h->kind == HS_QUIC_CERT || h->kind == HS_TLS_CERT;
	while (read(h->go[0], &c, 1) == 1 && c == 'g') {
		fd = accept(h->listener, NULL, NULL);
		if (fd < 0) {
			err = -errno;
		} else if (h->kind == HS_QUIC_PSK || h->kind == HS_QUIC_CERT) {
			err = use_cert ?
			      quic_server_handshake(fd, key, cert, NULL) :
			      quic_server_handshake(fd, psk, NULL, NULL);
		} else {
			set_timeouts(fd);
			err = tls_server(fd, use_cert);
		}
		if (fd >= 0)
			close(fd);
		if (write(h->done[1], &err, sizeof(err)) != sizeof(err))
			break;
	}
	return NULL;
}

/* Handshakes per second: connect, both handshakes, close both. */
static double hs(long kind)
{
	struct hs_server h = { .kind = kind };
	int quic = kind == HS_QUIC_PSK || kind == HS_QUIC_CERT;
	int use_cert = kind == HS_QUIC_CERT || kind == HS_TLS_CERT;
	struct sockaddr_in sa;
	double t0, end;
	long count = 0;
	int fd, err, serr;

	setenv("QUIC_CA_FILE", ca, 1);
	h.listener = quic ? quic_listener(K_QUIC, 0, &sa) : tcp_listener(&sa);
	CHECK(!pipe(h.go) && !pipe(h.done));
	CHECK(pthread_create(&h.thread, NULL, hs_serve, &h) == 0);
	t0 = now();
	end = t0 + secs;
	while (count < HS_MIN || (count < HS_MAX && now() < end)) {
		CHECK(write(h.go[1], "g", 1) == 1);
		fd = socket(AF_INET, quic ? SOCK_DGRAM : SOCK_STREAM,
			    quic ? IPPROTO_QUIC : 0);
		CHECK(fd >= 0);
		set_timeouts(fd);
		CHECK(!connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
		if (quic)
			err = use_cert ?
			      quic_client_handshake(fd, NULL, "localhost", NULL) :
			      quic_client_handshake(fd, pskc, NULL, NULL);
		else
			err = tls_client(fd, use_cert);
		/*
		 * Closed only once the server is through as well: a client
		 * that closes as soon as its own handshake returns can take
		 * its last flight with it, and the server's handshake fails.
		 */
		CHECK(read(h.done[0], &serr, sizeof(serr)) == sizeof(serr));
		close(fd);
		if (err || serr)
			bail("handshake %ld: client %d, server %d", count, err,
			     serr);
		count++;
	}
	t0 = now() - t0;
	CHECK(write(h.go[1], "s", 1) == 1);
	CHECK(pthread_join(h.thread, NULL) == 0);
	close(h.listener);
	return count / t0;
}

/* ---- ngtcp2: gtlsserver and gtlsclient, the programs as they come ---- */

/* Run @argv, output to /dev/null; the pid, kept in kids[@slot]. */
static pid_t spawn(char *const argv[], int slot)
{
	pid_t pid = fork();
	int fd;

	CHECK(pid >= 0);
	if (!pid) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	kids[slot] = pid;
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char ngtcp2_port[16];

/* gtlsserver on 127.0.0.1, serving www/, up once its port is taken. */
static pid_t ngtcp2_server(void)
{
	struct sockaddr_in sa = loopback();
	socklen_t sl = sizeof(sa);
	int probe, err, i;
	pid_t pid;

	probe = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(probe >= 0);
	CHECK(!bind(probe, (struct sockaddr *)&sa, sl));
	CHECK(!getsockname(probe, (struct sockaddr *)&sa, &sl));
	close(probe);
	snprintf(ngtcp2_port, sizeof(ngtcp2_port), "%d", ntohs(sa.sin_port));
	pid = spawn((char *const[]){ "gtlsserver", "-q", "-d", www,
				     "127.0.0.1", ngtcp2_port, key, cert,
				     NULL }, 0);
	/* Its start-up alone takes a second or more under a loaded emulator. */
	for (i = 0; i < 400; i++) {
		probe = socket(AF_INET, SOCK_DGRAM, 0);
		err = bind(probe, (struct sockaddr *)&sa, sl);
		close(probe);
		if (err)
			return pid;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	bail("gtlsserver did not start");
	return -1;
}

static void ngtcp2_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	wait_exit(pid);
	kids[0] = 0;
}

/*
 * One HTTP/3 GET of the 32 MiB file, timed around the whole client
 * process (its start-up and handshake included), the download checked
 * by size.
 */
static double ngtcp2_bulk(long arg)
{
	char url[64], path[400];
	struct stat st;
	pid_t srv, pid;
	double t;
	int rc;

	(void)arg;
	srv = ngtcp2_server();
	snprintf(url, sizeof(url), "https://localhost/bulk");
	snprintf(path, sizeof(path), "%s/bulk", dl);
	unlink(path);
	t = now();
	pid = spawn((char *const[]){ "gtlsclient", "-q",
				     "--exit-on-all-streams-close",
				     "--download", dl, "127.0.0.1",
				     ngtcp2_port, url, NULL }, 1);
	rc = wait_exit(pid);
	t = now() - t;
	ngtcp2_stop(srv);
	if (rc)
		bail("gtlsclient exited with %d", rc);
	CHECK(!stat(path, &st));
	if (st.st_size != NGTCP2_BYTES)
		bail("downloaded %lld bytes of %u", (long long)st.st_size,
		     NGTCP2_BYTES);
	unlink(path);
	return NGTCP2_BYTES / t / 1e6;
}

/*
 * gtlsclient run again and again against one gtlsserver, each fetching a
 * one-byte file (it exits once its streams close): handshakes per second
 * with a process start-up and one HTTP/3 request in each.
 */
static double ngtcp2_hs(long arg)
{
	long count = 0;
	double t0, end;
	pid_t srv;
	int rc;

	(void)arg;
	srv = ngtcp2_server();
	t0 = now();
	end = t0 + secs;
	while (count < HS_MIN || (count < HS_MAX && now() < end)) {
		rc = wait_exit(spawn((char *const[]){ "gtlsclient", "-q",
				"--exit-on-all-streams-close", "127.0.0.1",
				ngtcp2_port, "https://localhost/one", NULL },
				1));
		if (rc) {
			ngtcp2_stop(srv);
			bail("gtlsclient %ld exited with %d", count, rc);
		}
		count++;
	}
	t0 = now() - t0;
	ngtcp2_stop(srv);
	return count / t0;
}

/* What process start-up alone costs: gtlsclient --help, no network. */
static double spawn_rate(long arg)
{
	long count = 0;
	double t0, end;

	(void)arg;
	t0 = now();
	end = t0 + secs;
	while (count < HS_MIN || (count < HS_MAX && now() < end)) {
		if (wait_exit(spawn((char *const[]){ "gtlsclient", "--help",
						     NULL }, 1)))
			bail("gtlsclient --help failed");
		count++;
	}
	return count / (now() - t0);
}

/* ---- The table ---- */

static int want(const char *id)
{
	return !filter || !fnmatch(filter, id, 0);
}

static int limit(void)
{
	return (int)(4 * secs) + 30;
}

/* Runs of each figure; each round measures a baseline, then its rows. */
#define ROUNDS		3
#define GROUP_MAX	3

struct spec {
	const char *id, *label, *unit;
	double (*fn)(long);
	long arg;
};

static double median(double *v, int n)
{
	double t;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * A baseline (or NULL) and the rows compared with it, measured in turns:
 * ROUNDS rounds of the baseline then each row, so that a change in the
 * load of the machine (its cores are shared) falls on both sides of a
 * ratio.  A figure is the median of its rounds; a ratio is the median
 * of the ratios of each round, with their range.
 */
static void group(const struct spec *base, const struct spec *rows, int n)
{
	double v[GROUP_MAX + 1][ROUNDS], ratio[GROUP_MAX + 1][ROUNDS];
	int got[GROUP_MAX + 1] = { 0 }, failed[GROUP_MAX + 1] = { 0 };
	int nr[GROUP_MAX + 1] = { 0 }, on[GROUP_MAX + 1] = { 0 };
	char note[GROUP_MAX + 1][300];
	double this_base, lo, hi;
	const struct spec *sp;
	int any = 0, i, k;
	struct result r;

	for (i = 1; i <= n; i++)
		any |= on[i] = want(rows[i - 1].id);
	/* The baseline runs whenever a row needs it for its ratio. */
	on[0] = base && (any || want(base->id));
	for (k = 0; k < ROUNDS && (on[0] || any); k++) {
		this_base = 0;
		for (i = 0; i <= n; i++) {
			sp = i ? &rows[i - 1] : base;
			/*
			 * A row that failed once is not run again: its
			 * failures so far were all stalls or the same error,
			 * and each stall costs the whole time limit.
			 */
			if (!on[i] || failed[i])
				continue;
			r = measure(sp->fn, sp->arg, limit());
			if (!r.ok) {
				if (!failed[i]++)
					snprintf(note[i], sizeof(note[i]),
						 "%s", r.note);
				continue;
			}
			v[i][got[i]++] = r.value;
			if (!i)
				this_base = r.value;
			else if (this_base > 0)
				ratio[i][nr[i]++] = r.value / this_base;
		}
	}
	for (i = 0; i <= n; i++) {
		sp = i ? &rows[i - 1] : base;
		if (!on[i])
			continue;
		printf("  %-44s", sp->label);
		if (!got[i]) {
			printf(" %10s  %-7s  failed: %s\n", "-", "", note[i]);
			continue;
		}
		if (!base) {
			printf(" %10.1f  %s\n", median(v[i], got[i]), sp->unit);
			continue;
		}
		printf(" %10.1f  %-7s", median(v[i], got[i]), sp->unit);
		if (!i) {
			printf("  %5s\n", "1.00");
		} else if (!nr[i]) {
			printf("  %5s\n", "-");
		} else {
			lo = hi = ratio[i][0];
			for (k = 1; k < nr[i]; k++) {
				lo = ratio[i][k] < lo ? ratio[i][k] : lo;
				hi = ratio[i][k] > hi ? ratio[i][k] : hi;
			}
			printf("  %5.2f  (%.2f-%.2f)\n",
			       median(ratio[i], nr[i]), lo, hi);
		}
		if (failed[i])
			printf("  %44s  then a run failed (%d done): %s\n",
			       "", got[i], note[i]);
	}
	fflush(stdout);
}

static const struct {
	const char *name;
	size_t size;
} wsizes[] = { { "1k", 1024 }, { "16k", 16384 }, { "64k", 65536 } };

#define NWSIZES (sizeof(wsizes) / sizeof(wsizes[0]))

static long bulk_arg(int kind, size_t wsize)
{
	return (long)(wsize << 4) | kind;
}

static void setup_files(void)
{
	char cmd[400], path[400];
	int fd;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", CERTS_SH, dir);
	if (system(cmd)) {
		fprintf(stderr, "bench: %s failed\n", cmd);
		exit(1);
	}
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(psk, sizeof(psk), "%s/psk.txt", dir);
	snprintf(pskc, sizeof(pskc), "%s/psk-client.txt", dir);
	snprintf(www, sizeof(www), "%s/www", dir);
	snprintf(dl, sizeof(dl), "%s/download", dir);
	if (mkdir(www, 0700) || mkdir(dl, 0700)) {
		perror("mkdir");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/bulk", www);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, NGTCP2_BYTES)) {
		perror(path);
		exit(1);
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/one", www);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		perror(path);
		exit(1);
	}
	close(fd);
}

/* The ids, labels and arguments of the throughput rows, one write size. */
static void bulk_group(int base_kind, const char *base_name, int kind,
		       const char *name, unsigned int w)
{
	char id[2][32], label[2][64];
	struct spec base, rows[2];
	int n = 1;

	snprintf(id[0], sizeof(id[0]), "bulk.%s.%s", base_name,
		 wsizes[w].name);
	snprintf(label[0], sizeof(label[0]), "%s, %s writes",
		 base_kind == K_KTLS ? "TCP + kTLS" : "TCP", wsizes[w].name);
	snprintf(id[1], sizeof(id[1]), "bulk.%s.%s", name, wsizes[w].name);
	snprintf(label[1], sizeof(label[1]), "%s, %s writes",
		 kind == K_QUIC ? "QUIC" : "QUIC unencrypted", wsizes[w].name);
	base = (struct spec){ id[0], label[0], "MB/s", bulk,
			      bulk_arg(base_kind, wsizes[w].size) };
	rows[0] = (struct spec){ id[1], label[1], "MB/s", bulk,
				 bulk_arg(kind, wsizes[w].size) };
	/* ngtcp2 writes what it likes: compared with the largest writes. */
	if (kind == K_QUIC && w == NWSIZES - 1)
		rows[n++] = (struct spec){ "bulk.ngtcp2",
			"ngtcp2, HTTP/3 GET of 32 MiB", "MB/s",
			ngtcp2_bulk, 0 };
	group(&base, rows, n);
}

int main(int argc, char **argv)
{
	const char *how = "an unknown machine";
	char date[64], cmd[400];
	struct utsname u;
	time_t t = time(NULL);
	unsigned int i;
	struct result r;
	int opt;

	while ((opt = getopt(argc, argv, "t:f:H:")) != -1) {
		switch (opt) {
		case 't':
			secs = atof(optarg);
			break;
		case 'f':
			filter = optarg;
			break;
		case 'H':
			how = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECS] [-f GLOB] [-H TEXT]\n",
				argv[0]);
			return 2;
		}
	}
	if (secs <= 0 || secs > 60) {
		fprintf(stderr, "bench: -t takes 0 to 60 seconds\n");
		return 2;
	}
	setup_files();
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&t));

	printf("# QUIC benchmark: kernel %s, %s\n", u.release, date);
	printf("# Measured under %s,\n", how);
	printf("# every figure in this one boot, over loopback (MTU 1500).\n"
	       "# Absolute numbers mean little here; the ratios are the\n"
	       "# result.  Each figure: the median of %d runs of %g s, taken\n"
	       "# in turns with its baseline; each ratio: the median of those\n"
	       "# runs' ratios, with their range.\n", ROUNDS, secs);
	printf("# MB/s are 10^6 bytes per second of stream payload.  QUIC\n"
	       "# runs NewReno with PLPMTUD on (1472-byte datagrams on this\n"
	       "# lo once found), ngtcp2 with its defaults (CUBIC, PMTUD on).\n\n");
	printf("  %-44s %10s  %-7s  %5s\n\n", "", "figure", "unit", "ratio");

	printf("1. Throughput, one connection, one stream, encrypted "
	       "(AES-128-GCM)\n   ratio: to TCP + kTLS with the same "
	       "write size\n");
	for (i = 0; i < NWSIZES; i++)
		bulk_group(K_KTLS, "ktls", K_QUIC, "quic", i);
	printf("  (ngtcp2 picks its own write size, GSO batches of up to 64\n"
	       "  datagrams: its ratio is to kTLS with 64k writes.  Timed\n"
	       "  around the gtlsclient process: start-up and handshake in.)\n\n");

	printf("2. Request/response, 1 byte each way, one connection\n"
	       "   ratio: to TCP\n");
	group(&(struct spec){ "rr.tcp", "TCP (TCP_NODELAY)", "trans/s", rr,
			      K_TCP },
	      (struct spec[]){
		{ "rr.quic", "QUIC, one bidi stream", "trans/s", rr, K_QUIC },
		{ "rr.plain", "QUIC unencrypted, one bidi stream", "trans/s",
		  rr, K_PLAIN },
	      }, 2);
	printf("  (QUIC: every request and reply on stream 0, which the first\n"
	       "  request opens; stream_data_nodelay set.)\n\n");

	printf("3. Handshakes: connect, handshake, close, one at a time\n"
	       "   ratio: to TCP + TLS 1.3 with the same authentication\n");
	group(&(struct spec){ "hs.tls_psk", "TCP + TLS 1.3 (GnuTLS), PSK",
			      "hs/s", hs, HS_TLS_PSK },
	      (struct spec[]){
		{ "hs.quic_psk", "QUIC (libquic), PSK", "hs/s", hs,
		  HS_QUIC_PSK },
	      }, 1);
	group(&(struct spec){ "hs.tls_cert",
			      "TCP + TLS 1.3 (GnuTLS), ECDSA cert", "hs/s", hs,
			      HS_TLS_CERT },
	      (struct spec[]){
		{ "hs.quic_cert", "QUIC (libquic), ECDSA cert", "hs/s", hs,
		  HS_QUIC_CERT },
		{ "hs.ngtcp2", "ngtcp2 gtlsclient runs, ECDSA cert", "hs/s",
		  ngtcp2_hs, 0 },
	      }, 2);
	group(NULL, (struct spec[]){
		{ "hs.spawn", "gtlsclient --help runs (start-up only)",
		  "runs/s", spawn_rate, 0 },
	      }, 1);
	printf("  (TLS over TCP: what a kTLS user runs before TLS_TX.  Each\n"
	       "  handshake loads its key files, as libquic's calls do.\n"
	       "  ngtcp2: a new gtlsclient process per handshake, fetching a\n"
	       "  1-byte file over HTTP/3; the start-up row shows how much of\n"
	       "  that is the process alone.)\n\n");

	printf("4. Throughput unencrypted: QUIC with "
	       "disable_1rtt_encryption, one stream\n"
	       "   ratio: to TCP with the same write size\n");
	for (i = 0; i < NWSIZES; i++)
		bulk_group(K_TCP, "tcp", K_PLAIN, "plain", i);
	if (want("bulk.plain.check")) {
		r = measure(plain_check, 0, limit());
		printf("  (%s%s)\n", r.ok ? "" : "check failed: ", r.note);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "bench: could not remove %s\n", dir);
	return 0;
}
