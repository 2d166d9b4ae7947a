// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery, congestion control, path MTU discovery and the idle timer
 * over impaired paths.  Each test builds its own network of namespaces
 * joined by veth pairs, impairs it with tc netem, runs a PSK handshake
 * through libquic across it and checks what arrives:
 *
 *   bulk      16 MiB on one stream under loss, reordering, duplication or
 *             delay on both directions of the path, each way, with NewReno
 *             and with CUBIC
 *   blackout  the path drops everything for 3 s in the middle of a transfer
 *   pmtu      a router with a smaller (or the same large) MTU behind it:
 *             IP_MTU must end at the bottleneck's MTU, also with the
 *             router's ICMP dropped (DPLPMTUD alone)
 *   close     idle timeout (ETIME), keepalive, peer close (ECONNRESET) and
 *             handshake timeout (ETIMEDOUT) told apart
 *
 * The namespaces are named after the test and deleted before it (leftovers
 * of a killed run) and after it, by a parent process that outlives the test
 * body, so a failing or hanging test leaves nothing behind.  Every wait is
 * bounded: socket timeouts, poll() timeouts, loop counts, the parent's
 * deadline and the harness's alarm.  Times are printed, never asserted,
 * except where a time is the feature (the idle timeout).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <netinet/quic.h>

#define TEST_SUITE "netem"
/* Seconds per test: 240, more for the slowest bulk case (set per test). */
static unsigned int test_timeout = 240;
#define TEST_TIMEOUT test_timeout
#include "../lib/test.h"

#define KiB		1024u
#define MiB		(1024u * 1024u)

#define BULK_BYTES	(16 * MiB)
#define PMTU_BYTES	(4 * MiB)
#define WRITE_SIZE	(64 * KiB)
#define IO_TIMEOUT	60	/* s, SO_RCVTIMEO and SO_SNDTIMEO */
/* The test body's deadline; the harness's alarm comes later. */
#define BODY_LIMIT	((int)test_timeout - 30)

#define PORT		4433
/* plpmtud_probe_interval: the smallest the kernel takes, 5 s. */
#define PROBE_INTERVAL_US	5000000
/* Client and server addresses; with a router, 10.77.1.254/10.77.2.254. */
#define CLIENT_ADDR	"10.77.1.1"
#define SERVER_ADDR_DIRECT "10.77.1.2"
#define SERVER_ADDR_ROUTED "10.77.2.2"

#include "../lib/netns.h"

/* This test's namespaces: client, server, router. */
static char ns_c[128], ns_s[128], ns_r[128];
static const char *server_addr;
static int family = AF_INET;	/* of the test's addresses and sockets */

/*
 * Where the test body is, shared with the parent that watches it, so that
 * a test that runs out of time says how far it got.
 */
struct progress {
	char stage[48];
	size_t got, want;
};

static struct progress *prog;

static void stage(const char *what)
{
	if (prog)
		snprintf(prog->stage, sizeof(prog->stage), "%s", what);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A '#' line about this test, out at once: a test killed later keeps it. */
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# %s.%s: ", TEST_SUITE, test_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- Namespaces ---- */

static void net_names(void)
{
	snprintf(ns_c, sizeof(ns_c), "nq-%s-c", test_name);
	snprintf(ns_s, sizeof(ns_s), "nq-%s-s", test_name);
	snprintf(ns_r, sizeof(ns_r), "nq-%s-r", test_name);
}

/* Deleting a namespace takes its veth ends (and their peers) with it. */
static void net_del(void)
{
	sh("for n in %s %s %s; do ip netns del $n 2>/dev/null; done; true",
	   ns_c, ns_s, ns_r);
}

static void ns_add(const char *ns)
{
	SH("ip netns add %s && ip -n %s link set lo up", ns, ns);
}

/* A veth pair from dev a in namespace na to dev b in nb, both up. */
static void veth(const char *na, const char *a, const char *addr_a,
		 const char *nb, const char *b, const char *addr_b, int mtu)
{
	SH("ip -n %s link add %s mtu %d type veth peer name %s netns %s mtu %d",
	   na, a, mtu, b, nb, mtu);
	SH("ip -n %s addr add %s dev %s && ip -n %s link set %s up",
	   na, addr_a, a, na, a);
	SH("ip -n %s addr add %s dev %s && ip -n %s link set %s up",
	   nb, addr_b, b, nb, b);
}

/* Client and server on one link: ns_c/q0 10.77.1.1, ns_s/q0 10.77.1.2. */
static void net_direct(void)
{
	ns_add(ns_c);
	ns_add(ns_s);
	veth(ns_c, "q0", CLIENT_ADDR "/24", ns_s, "q0",
	     SERVER_ADDR_DIRECT "/24", 1500);
	server_addr = SERVER_ADDR_DIRECT;
}

/*
 * Client - router - server: the client's link has MTU c_mtu, the server's
 * s_mtu, so with s_mtu < c_mtu the bottleneck is not the client's own
 * device and only the path (ICMP or probing) can tell the client.
 */
static void net_routed(int c_mtu, int s_mtu)
{
	ns_add(ns_c);
	ns_add(ns_s);
	ns_add(ns_r);
	veth(ns_c, "q0", CLIENT_ADDR "/24", ns_r, "r0", "10.77.1.254/24",
	     c_mtu);
	veth(ns_s, "q0", SERVER_ADDR_ROUTED "/24", ns_r, "r1",
	     "10.77.2.254/24", s_mtu);
	SH("ip -n %s route add default via 10.77.1.254", ns_c);
	SH("ip -n %s route add default via 10.77.2.254", ns_s);
	SH("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", ns_r);
	server_addr = SERVER_ADDR_ROUTED;
}

/*
 * The same over IPv6 (fd77:1::/64 and fd77:2::/64), where only the
 * endpoints fragment and a router answers a big packet with Packet Too Big.
 */
static void net_routed6(int c_mtu, int s_mtu)
{
	ns_add(ns_c);
	ns_add(ns_s);
	ns_add(ns_r);
	/* No duplicate address detection: the addresses work at once. */
	veth(ns_c, "q0", "fd77:1::1/64 nodad", ns_r, "r0",
	     "fd77:1::fe/64 nodad", c_mtu);
	veth(ns_s, "q0", "fd77:2::2/64 nodad", ns_r, "r1",
	     "fd77:2::fe/64 nodad", s_mtu);
	SH("ip -n %s -6 route add default via fd77:1::fe", ns_c);
	SH("ip -n %s -6 route add default via fd77:2::fe", ns_s);
	SH("ip netns exec %s sysctl -qw net.ipv6.conf.all.forwarding=1",
	   ns_r);
	server_addr = "fd77:2::2";
	family = AF_INET6;
}

/* The same netem on both ends of the client-server link (both directions). */
static void netem_both(const char *args)
{
	SH("tc -n %s qdisc replace dev q0 root netem %s", ns_c, args);
	SH("tc -n %s qdisc replace dev q0 root netem %s", ns_s, args);
}

/* A socket of namespace ns: a socket stays in the namespace it was made in. */
static int ns_socket(const char *ns)
{
	char path[200];
	int self, target, fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	CHECK(self >= 0);
	target = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(target >= 0);
	CHECK_OK(setns(target, CLONE_NEWNET));
	fd = socket(family, SOCK_DGRAM, IPPROTO_QUIC);
	err = errno;
	CHECK_OK(setns(self, CLONE_NEWNET));
	close(target);
	close(self);
	errno = err;
	CHECK(fd >= 0);
	return fd;
}

/*
 * Run body with fresh namespaces, in a child, and delete the namespaces
 * whatever happens to it: FAIL() exits the child, a hang is killed at
 * BODY_LIMIT, a crash is reported here.
 */
static void in_netns(void (*body)(void))
{
	pid_t pid, parent = getpid();
	double t0, report = 0;
	int status = 0, i;
	bool done = false;
	sigset_t set;

	net_names();
	net_del();
	prog = mmap(NULL, sizeof(*prog), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(prog != MAP_FAILED);
	stage("network set-up");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* Die with the test's process, should the alarm kill it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		/*
		 * system() in one thread blocks SIGCHLD there only; the
		 * signal then wakes another thread's recv(), which fails
		 * with EINTR because SO_RCVTIMEO is set (signal(7)).  No
		 * thread of the body wants SIGCHLD, so none gets it.
		 */
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigprocmask(SIG_BLOCK, &set, NULL);
		body();
		fflush(stdout);
		_exit(0);
	}
	/* By the clock: under TCG a sleep overshoots. */
	t0 = now();
	for (i = 0; i < BODY_LIMIT * 10 && now() - t0 < BODY_LIMIT; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			done = true;
			break;
		}
		/* A slow test says how it goes every 30 s. */
		if (now() - t0 >= report) {
			if (report)
				note("%.0f s: %s, %zu of %zu bytes", report,
				     prog->stage, prog->got, prog->want);
			report += 30;
		}
		usleep(100000);
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	net_del();
	if (!done)
		FAIL("no end within %d s (%s, %zu of %zu bytes)", BODY_LIMIT,
		     prog->stage, prog->got, prog->want);
	if (WIFSIGNALED(status))
		FAIL("killed by signal %d", WTERMSIG(status));
	/* The child printed its own FAIL line. */
	if (WEXITSTATUS(status))
		_exit(1);
}

/* ---- Connections ---- */

struct opts {
	int cc;			/* QUIC_CONG_ALG_* */
	uint64_t idle_us;	/* max_idle_timeout, 0: default */
	int port;		/* 0: PORT */
	int io_secs;		/* SO_RCVTIMEO/SO_SNDTIMEO, 0: IO_TIMEOUT */
};

/* On the client before connect(), on the listener before listen(). */
static void set_opts(int fd, const struct opts *o)
{
	struct quic_transport_param tp;
	struct quic_config cfg;
	socklen_t len = sizeof(cfg);

	memset(&cfg, 0, sizeof(cfg));
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg, &len));
	cfg.congestion_control_algo = o->cc;
	/*
	 * DPLPMTUD is off by default (the draft's 0); every connection here
	 * runs it, so that its probes also meet loss, reordering and the
	 * blackout, whose lost probes must not count as congestion.
	 */
	cfg.plpmtud_probe_interval = PROBE_INTERVAL_US;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg,
			    sizeof(cfg)));
	memset(&cfg, 0, sizeof(cfg));
	len = sizeof(cfg);
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg, &len));
	CHECK(cfg.congestion_control_algo == o->cc);
	CHECK(cfg.plpmtud_probe_interval == PROBE_INTERVAL_US);

	if (!o->idle_us)
		return;
	memset(&tp, 0, sizeof(tp));
	len = sizeof(tp);
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.max_idle_timeout = o->idle_us;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

struct server {
	int listener, fd, result;
	pthread_t thread;
};

static void *accept_and_handshake(void *arg)
{
	struct server *s = arg;

	s->fd = accept(s->listener, NULL, NULL);
	if (s->fd < 0) {
		s->result = -errno;
		return NULL;
	}
	s->result = quic_server_handshake(s->fd, psk, NULL, NULL);
	return NULL;
}

/*
 * A listener in ns_s on server_addr and a client in ns_c, joined by a PSK
 * handshake.  Returns the client's handshake result (0 or -errno); on
 * success *cfd and *sfd are the connected pair.
 */
static int try_connect_pair(const struct opts *o, int *cfd, int *sfd)
{
	int port = o->port ? o->port : PORT;
	struct server s = { .fd = -1 };
	struct sockaddr_storage sa;
	socklen_t sl;
	int err;

	stage("handshake");
	sl = sockaddr_of(family, server_addr, port, &sa);
	s.listener = ns_socket(ns_s);
	set_opts(s.listener, o);
	CHECK_OK(bind(s.listener, (struct sockaddr *)&sa, sl));
	CHECK_OK(listen(s.listener, 4));
	set_io_timeout(s.listener, o->io_secs ?: IO_TIMEOUT);
	CHECK(pthread_create(&s.thread, NULL, accept_and_handshake, &s) == 0);

	*cfd = ns_socket(ns_c);
	set_opts(*cfd, o);
	set_io_timeout(*cfd, o->io_secs ?: IO_TIMEOUT);
	CHECK_OK(connect(*cfd, (struct sockaddr *)&sa, sl));
	err = quic_client_handshake(*cfd, pskc, NULL, NULL);
	if (err) {
		/* The server's accept() ends with its receive timeout. */
		shutdown(s.listener, SHUT_RDWR);
		close(*cfd);
	}
	CHECK(pthread_join(s.thread, NULL) == 0);
	close(s.listener);
	if (err) {
		if (s.fd >= 0)
			close(s.fd);
		return err;
	}
	if (s.result)
		FAIL("server handshake: %s", strerror(-s.result));
	*sfd = s.fd;
	set_io_timeout(*sfd, o->io_secs ?: IO_TIMEOUT);
	stage("connected");
	return 0;
}

static void connect_opts(const struct opts *o, int *cfd, int *sfd)
{
	int err = try_connect_pair(o, cfd, sfd);

	if (err)
		FAIL("client handshake: %s", strerror(-err));
}

/* ---- Checked transfers ---- */

/* The same pseudo-random bytes on both sides, from a seed (xorshift64). */
static void fill(uint8_t *buf, size_t len, uint64_t *state)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		memcpy(buf + i, state, len - i < 8 ? len - i : 8);
	}
}

struct writer {
	int fd;
	int64_t sid;
	uint64_t seed;
	size_t bytes;
	int err;
	pthread_t thread;
};

static ssize_t send_all(int fd, uint8_t *buf, size_t n, int64_t sid,
			uint32_t flags)
{
	size_t off = 0;
	ssize_t r;

	/* A short write: send the rest again, FIN only on the last piece. */
	while (off < n) {
		r = quic_sendmsg(fd, buf + off, n - off, sid, flags);
		if (r <= 0)
			return -1;
		off += r;
		flags &= ~MSG_STREAM_NEW;
	}
	return n;
}

static void *write_stream(void *arg)
{
	static __thread uint8_t buf[WRITE_SIZE];
	struct writer *w = arg;
	uint64_t state = w->seed;
	size_t left = w->bytes, n;
	uint32_t flags = MSG_STREAM_NEW;

	while (left) {
		n = left < WRITE_SIZE ? left : WRITE_SIZE;
		fill(buf, n, &state);
		if (n == left)
			flags |= MSG_STREAM_FIN;
		if (send_all(w->fd, buf, n, w->sid, flags) < 0) {
			w->err = errno;
			return NULL;
		}
		flags &= ~MSG_STREAM_NEW;
		left -= n;
	}
	return NULL;
}

/*
 * bytes from fd from on stream sid, read on fd to and compared with the
 * writer's bytes; hook(got) is called after each read.  Returns seconds.
 */
static double transfer(int from, int to, int64_t sid, uint64_t seed,
		       size_t bytes, void (*hook)(size_t got))
{
	static uint8_t buf[WRITE_SIZE], want[WRITE_SIZE];
	struct writer w = { .fd = from, .sid = sid, .seed = seed,
			    .bytes = bytes };
	uint64_t state = seed;
	size_t got = 0, i;
	uint32_t flags;
	double t0 = now();
	int64_t rsid;
	ssize_t n;

	stage("transfer");
	if (prog) {
		prog->got = 0;
		prog->want = bytes;
	}
	CHECK(pthread_create(&w.thread, NULL, write_stream, &w) == 0);
	for (;;) {
		flags = 0;
		n = quic_recvmsg(to, buf, sizeof(buf), &rsid, &flags);
		if (n < 0)
			FAIL("recv after %zu of %zu bytes: %s", got, bytes,
			     strerror(errno));
		if (n > 0 && rsid != sid)
			FAIL("data on stream %lld, want %lld",
			     (long long)rsid, (long long)sid);
		/* Compare in the writer's block order. */
		for (i = 0; i < (size_t)n; i++, got++) {
			if (got % WRITE_SIZE == 0)
				fill(want, WRITE_SIZE, &state);
			if (buf[i] != want[got % WRITE_SIZE])
				FAIL("byte %zu differs", got);
		}
		if (got > bytes)
			FAIL("%zu bytes, want %zu", got, bytes);
		if (prog)
			prog->got = got;
		if (hook)
			hook(got);
		if (flags & MSG_STREAM_FIN)
			break;
		if (!n)
			FAIL("empty read without FIN after %zu bytes", got);
	}
	CHECK(pthread_join(w.thread, NULL) == 0);
	if (w.err)
		FAIL("writer: %s", strerror(w.err));
	if (got != bytes)
		FAIL("%zu bytes, want %zu", got, bytes);
	return now() - t0;
}

/* ---- 1. Bulk transfers under netem ---- */

struct impairment {
	const char *name;
	const char *netem;
	unsigned int limit;	/* s per test, 0: the default */
	bool after_handshake;	/* impair the path once connected */
};

/*
 * Under TCG, 16 MiB through 30% loss each way moves at 30 to 45 kB/s (the
 * window stays at its minimum and most losses wait for a timer), six and a
 * half to nine and a half minutes a case: those four run beside the rest
 * of the suite, with a limit that leaves room under run-in-vm.sh's 900 s
 * for the whole program.
 *
 * Their loss starts after the handshake.  With it before, a handshake
 * needs a round trip that gets through both ways (49% a try) at each
 * step, and the probe timeout doubles between tries: one in eight
 * handshakes ran into the 30 s handshake timer (ETIMEDOUT) and another
 * took 9.8 s.  That is the protocol's arithmetic, not a fault, and the
 * handshake under loss is tested at 1% and 10%.
 */
#define SLOW_LIMIT	780
static const struct impairment slow_impairment = {
	"loss_30", "loss 30%", SLOW_LIMIT, true
};

static const struct impairment impairments[] = {
	{ "loss_1",	  "loss 1%", 0, false },
	{ "loss_10",	  "loss 10%", 0, false },
	/* netem reorders by sending some packets without the delay. */
	{ "reorder_5",	  "delay 10ms reorder 5%", 0, false },
	{ "duplicate_5",  "duplicate 5%", 0, false },
	{ "delay_50ms",	  "delay 50ms", 0, false },
};

/* The case the next bulk test runs (set before test_run() forks). */
static const struct impairment *bulk_imp;
static int bulk_cc;
static bool bulk_up;	/* client to server */

/*
 * The 30% cases: a 120 s idle timeout (and I/O timeouts past it).  At 30%
 * loss each way a probe round (two datagrams out, one ACK back) fails a
 * third of the time, and under a loaded emulator the probe timeout's base
 * reaches 0.2 s, so its backoff reaches the cap (a quarter of the idle
 * timeout) in a few rounds: instrumented runs of the suite on 6.1 saw the
 * sender hear nothing for up to 17 s, and with one-datagram probes, two
 * connections in one run hit the default 30 s (ETIME at the receiver).
 * That is the protocol's arithmetic, as for the handshake above; a sender
 * that stops for good still fails this test, after 150 s, with EAGAIN.
 */
#define SLOW_IDLE_US	(120 * 1000000ULL)
#define SLOW_IO_SECS	150

static void bulk_body(void)
{
	struct opts o = { .cc = bulk_cc };
	double secs, t0;
	int c, s;

	if (bulk_imp == &slow_impairment) {
		o.idle_us = SLOW_IDLE_US;
		o.io_secs = SLOW_IO_SECS;
	}
	net_direct();
	/*
	 * The path is impaired before the handshake, as a real one would
	 * be: the handshake's own loss recovery is part of the test (but
	 * see slow_impairment).
	 */
	if (!bulk_imp->after_handshake)
		netem_both(bulk_imp->netem);
	t0 = now();
	connect_opts(&o, &c, &s);
	note("handshake in %.1f s%s", now() - t0,
	     bulk_imp->after_handshake ? " (path impaired after it)" : "");
	if (bulk_imp->after_handshake)
		netem_both(bulk_imp->netem);
	if (bulk_up)
		secs = transfer(c, s, 0, 1, BULK_BYTES, NULL);
	else
		secs = transfer(s, c, 1, 2, BULK_BYTES, NULL);
	note("%u MiB in %.1f s (%.2f MB/s) under netem %s", BULK_BYTES / MiB,
	     secs, BULK_BYTES / secs / 1e6, bulk_imp->netem);
	close(c);
	close(s);
}

static void bulk_test(void)
{
	in_netns(bulk_body);
}

/* ---- 2. A 3-second blackout in the middle of a transfer ---- */

#define BLACKOUT_AFTER	(4 * MiB)
#define BLACKOUT_SECS	3

static bool blackout_started;
static pthread_t blackout_thread;
static double blackout_t0;

static void *end_blackout(void *arg)
{
	(void)arg;
	sleep(BLACKOUT_SECS);
	netem_both("loss 0%");
	return NULL;
}

static void blackout_hook(size_t got)
{
	if (blackout_started || got < BLACKOUT_AFTER)
		return;
	blackout_started = true;
	blackout_t0 = now();
	netem_both("loss 100%");
	CHECK(pthread_create(&blackout_thread, NULL, end_blackout, NULL) == 0);
}

static void blackout_body(void)
{
	struct opts o = { .cc = QUIC_CONG_ALG_RENO };
	double secs;
	int c, s;

	net_direct();
	netem_both("loss 0%");
	connect_opts(&o, &c, &s);
	secs = transfer(c, s, 0, 3, BULK_BYTES, blackout_hook);
	CHECK(blackout_started);
	CHECK(pthread_join(blackout_thread, NULL) == 0);
	note("%u MiB in %.1f s, done %.1f s after the %d s blackout began",
	     BULK_BYTES / MiB, secs, now() - blackout_t0, BLACKOUT_SECS);
	close(c);
	close(s);
}

TEST(blackout_3s)
{
	in_netns(blackout_body);
}

/* ---- 3. Path MTU discovery ---- */

#define PMTU_WAIT	10	/* s of traffic for the search to end */
#define PING_SIZE	(16 * KiB)

/* IP_MTU (IPV6_MTU) of a socket, or -errno. */
static int ip_mtu(int fd)
{
	socklen_t len = sizeof(int);
	int mtu = 0, err;

	if (family == AF_INET6)
		err = getsockopt(fd, SOL_IPV6, IPV6_MTU, &mtu, &len);
	else
		err = getsockopt(fd, SOL_IP, IP_MTU, &mtu, &len);
	return err ? -errno : mtu;
}

/* One message of PING_SIZE each way on the bidirectional stream 4. */
static void ping_pong(int c, int s, bool first)
{
	static uint8_t out[PING_SIZE], in[PING_SIZE];
	uint32_t flags;
	size_t got;
	int64_t sid;
	ssize_t n;

	memset(out, first ? 0xa5 : 0x5a, sizeof(out));
	CHECK(send_all(c, out, sizeof(out), 4,
		       first ? MSG_STREAM_NEW : 0) == sizeof(out));
	for (got = 0; got < sizeof(in); got += n) {
		flags = 0;
		n = quic_recvmsg(s, in + got, sizeof(in) - got, &sid, &flags);
		if (n <= 0)
			FAIL("server ping read: %s", strerror(errno));
	}
	CHECK(!memcmp(in, out, sizeof(in)));
	CHECK(send_all(s, in, sizeof(in), 4, 0) == sizeof(in));
	for (got = 0; got < sizeof(in); got += n) {
		flags = 0;
		n = quic_recvmsg(c, in + got, sizeof(in) - got, &sid, &flags);
		if (n <= 0)
			FAIL("client pong read: %s", strerror(errno));
	}
	CHECK(!memcmp(in, out, sizeof(in)));
}

/* Packets the router's ICMP drop filter matched (tc -s filter show). */
static long icmp_dropped(void)
{
	char cmd[300], line[512];
	long pkts = -1, b, p;
	const char *at;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "tc -n %s -s filter show dev r0 egress 2>&1", ns_r);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		at = strstr(line, "Sent ");
		if (at && sscanf(at, "Sent %ld bytes %ld pkt", &b, &p) == 2)
			pkts = p;
	}
	pclose(f);
	return pkts;
}

static int pmtu_want;
static bool pmtu_block_icmp, pmtu_v6;

static void pmtu_body(void)
{
	struct opts o = { .cc = QUIC_CONG_ALG_RENO };
	int c, s, i, fd, cm = 0, sm = 0, first, unconnected, least;
	double t0, secs;

	if (pmtu_v6)
		net_routed6(9000, pmtu_want);
	else
		net_routed(9000, pmtu_want);
	/* QUIC starts from 1200-byte datagrams: 1228 (1248) in IP terms. */
	least = 1200 + 8 + (pmtu_v6 ? 40 : 20);
	if (pmtu_block_icmp) {
		/* No "fragmentation needed" reaches the client. */
		SH("tc -n %s qdisc add dev r0 clsact", ns_r);
		SH("tc -n %s filter add dev r0 egress protocol ip flower "
		   "ip_proto icmp action drop", ns_r);
	}

	/* Before a connection there is no path to have an MTU. */
	fd = ns_socket(ns_c);
	unconnected = ip_mtu(fd);
	close(fd);

	connect_opts(&o, &c, &s);
	first = ip_mtu(c);
	secs = transfer(c, s, 0, 5, PMTU_BYTES, NULL);
	stage("waiting for IP_MTU");
	t0 = now();
	for (i = 0; i < PMTU_WAIT * 10; i++) {
		cm = ip_mtu(c);
		sm = ip_mtu(s);
		if ((cm == pmtu_want && sm == pmtu_want) ||
		    now() - t0 > PMTU_WAIT)
			break;
		ping_pong(c, s, i == 0);
		usleep(100000);
	}
	note("%u MiB in %.1f s; IP_MTU unconnected %d, after the handshake "
	     "%d, then client %d, server %d after %.1f s more (want %d)%s",
	     PMTU_BYTES / MiB, secs, unconnected, first, cm, sm, now() - t0,
	     pmtu_want, pmtu_block_icmp ? "" : "; ICMP allowed");
	if (pmtu_block_icmp)
		note("ICMP packets dropped at the router: %ld", icmp_dropped());
	/* Negative values are -errno. */
	if (cm != pmtu_want || sm != pmtu_want)
		FAIL("IP_MTU client %d, server %d, want %d (bottleneck)",
		     cm, sm, pmtu_want);
	if (first < least || first > pmtu_want)
		FAIL("IP_MTU %d right after the handshake, want %d..%d",
		     first, least, pmtu_want);
	if (unconnected != -ENOTCONN)
		FAIL("IP_MTU %d before connect(), want -ENOTCONN (%d)",
		     unconnected, -ENOTCONN);
	close(c);
	close(s);
}

TEST(pmtu_1280)
{
	pmtu_want = 1280;
	in_netns(pmtu_body);
}

TEST(pmtu_9000)
{
	pmtu_want = 9000;
	in_netns(pmtu_body);
}

TEST(pmtu_1280_v6)
{
	pmtu_want = 1280;
	pmtu_v6 = true;
	in_netns(pmtu_body);
}

TEST(pmtu_1280_icmp_blocked)
{
	pmtu_want = 1280;
	pmtu_block_icmp = true;
	in_netns(pmtu_body);
}

/* ---- 4. Idle timeout, keepalive and the causes of a close ---- */

#define IDLE_US		1000000	/* max_idle_timeout on both ends */

/*
 * Wait up to secs for fd to report the connection's end; returns the
 * seconds it took and checks poll() said POLLERR or POLLHUP.
 */
static double wait_closed(int fd, double t0, double secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int i;

	for (i = 0; i < secs * 20; i++) {
		p.revents = 0;
		CHECK(poll(&p, 1, 50) >= 0);
		if (p.revents & (POLLERR | POLLHUP))
			return now() - t0;
		/* Readable but not closed (e.g. handshake data): wait on. */
		if (p.revents)
			usleep(50000);
		if (now() - t0 > secs)
			break;
	}
	FAIL("no POLLERR/POLLHUP within %.0f s (revents 0x%x)", secs,
	     p.revents);
	return -1;
}

static void idle_body(void)
{
	struct opts o = { .idle_us = IDLE_US };
	double t0, tc, ts;
	char buf[64];
	int c, s;

	net_direct();
	connect_opts(&o, &c, &s);
	t0 = now();
	/* Nothing sent by either: both ends time out by themselves. */
	tc = wait_closed(c, t0, 6);
	ts = wait_closed(s, t0, 6);
	note("client closed after %.2f s, server after %.2f s "
	     "(max_idle_timeout %.1f s)", tc, ts, IDLE_US / 1e6);
	CHECK_ERRNO(recv(c, buf, sizeof(buf), 0), ETIME);
	CHECK_ERRNO(recv(s, buf, sizeof(buf), 0), ETIME);
	/* At least the timeout (less a little for clock skew), not much more */
	if (tc < 0.9 || tc > 4.5 || ts < 0.9 || ts > 4.5)
		FAIL("closed after %.2f s and %.2f s, want 1 to 4 s", tc, ts);
	close(c);
	close(s);
}

TEST(idle_timeout)
{
	in_netns(idle_body);
}

/* One message each way on stream sid, the client's first if first. */
static void message_each_way(int c, int s, int64_t sid)
{
	static const char ping[] = "still there?", pong[] = "yes";
	uint32_t flags = 0;
	char buf[64];
	int64_t rsid;
	ssize_t n;

	CHECK(quic_sendmsg(c, ping, sizeof(ping), sid,
			   MSG_STREAM_NEW | MSG_STREAM_FIN) == sizeof(ping));
	n = quic_recvmsg(s, buf, sizeof(buf), &rsid, &flags);
	if (n < 0)
		FAIL("server read: %s", strerror(errno));
	CHECK(n == sizeof(ping) && !memcmp(buf, ping, n) && rsid == sid);
	CHECK(quic_sendmsg(s, pong, sizeof(pong), sid,
			   MSG_STREAM_FIN) == sizeof(pong));
	flags = 0;
	n = quic_recvmsg(c, buf, sizeof(buf), &rsid, &flags);
	if (n < 0)
		FAIL("client read: %s", strerror(errno));
	CHECK(n == sizeof(pong) && !memcmp(buf, pong, n) && rsid == sid);
}

static void keepalive_body(void)
{
	struct opts o = { .idle_us = IDLE_US };
	struct opts o2 = { .idle_us = IDLE_US, .port = PORT + 1 };
	int c, s, c2, s2, one = 1;
	char buf[16];

	net_direct();
	connect_opts(&o, &c, &s);
	CHECK_OK(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	/* A second connection without keepalive shows the timer is real. */
	connect_opts(&o2, &c2, &s2);
	sleep(4);
	CHECK_ERRNO(recv(c2, buf, sizeof(buf), MSG_DONTWAIT), ETIME);
	message_each_way(c, s, 0);
	close(c);
	close(s);
	close(c2);
	close(s2);
}

TEST(keepalive)
{
	in_netns(keepalive_body);
}

static void peer_close_body(void)
{
	struct opts o = { 0 };
	char buf[256] = { 0 };
	struct quic_connection_close *cc = (void *)buf;
	socklen_t len = sizeof(buf);
	int c, s;

	net_direct();
	connect_opts(&o, &c, &s);
	message_each_way(c, s, 0);
	cc->errcode = 0x1234;
	CHECK_OK(setsockopt(c, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    sizeof(*cc)));
	CHECK_OK(close(c));
	/* The application's close, after the handshake: ECONNRESET. */
	CHECK_ERRNO(recv(s, buf, sizeof(buf), 0), ECONNRESET);
	memset(buf, 0, sizeof(buf));
	CHECK_OK(getsockopt(s, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, buf,
			    &len));
	CHECK(cc->errcode == 0x1234);
	close(s);
}

TEST(peer_close)
{
	in_netns(peer_close_body);
}

static void handshake_timeout_body(void)
{
	struct opts o = { .idle_us = 2 * IDLE_US };
	double t0;
	int c, s, err;

	net_direct();
	/* Nothing gets through: the handshake timer ends it, ETIMEDOUT. */
	netem_both("loss 100%");
	t0 = now();
	err = try_connect_pair(&o, &c, &s);
	note("handshake ended after %.1f s: %s", now() - t0, strerror(-err));
	CHECK(err == -ETIMEDOUT);
}

TEST(handshake_timeout)
{
	in_netns(handshake_timeout_body);
}

/* ---- main ---- */

/*
 * The four cases of one impairment (two controllers, two directions) run
 * at once, each in its own namespaces and its own harness child: the
 * delayed and lossy ones spend most of their time waiting on timers, so
 * together they take little more than the slowest of them.  Returns how
 * many processes it started in pids[4].
 */
static int start_bulk(const struct impairment *imp, pid_t *pids)
{
	static const char *const cc_names[] = { "reno", "cubic" };
	static char name[64];
	int cc, up, n = 0;

	for (cc = QUIC_CONG_ALG_RENO; cc <= QUIC_CONG_ALG_CUBIC; cc++) {
		for (up = 1; up >= 0; up--) {
			bulk_imp = imp;
			bulk_cc = cc;
			bulk_up = up;
			snprintf(name, sizeof(name), "%s_%s_%s", imp->name,
				 cc_names[cc], up ? "up" : "down");
			fflush(stdout);
			pids[n] = fork();
			if (pids[n] < 0) {
				printf("FAIL: %s.%s: fork: %s\n", TEST_SUITE,
				       name, strerror(errno));
				test_failures++;
				continue;
			}
			if (!pids[n]) {
				if (imp->limit)
					test_timeout = imp->limit;
				test_run(name, bulk_test);
				fflush(stdout);
				_exit(test_done());
			}
			n++;
		}
	}
	return n;
}

static void wait_bulk(const pid_t *pids, int n)
{
	int i, status;

	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			test_failures++;
	}
}

/* ---- 5. ECN (RFC 9000 13.4, RFC 9002 7.1) ---- */

#define ECN_BYTES	(4 * MiB)

/* One counter of namespace @ns. */
static unsigned long long ns_snmp(const char *ns, const char *name)
{
	char cmd[200], line[256];
	unsigned long long v;
	size_t len = strlen(name);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/quic/snmp",
		 ns);
	f = popen(cmd, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ' ' &&
		    sscanf(line + len, "%llu", &v) == 1) {
			pclose(f);
			return v;
		}
	}
	pclose(f);
	FAIL("no counter %s in %s", name, ns);
}

/*
 * Count the packets arriving at the server whose IP header says ECT(0):
 * a flower filter on its ingress, its statistics read back.
 */
static void ect0_count_start(void)
{
	SH("tc -n %s qdisc add dev q0 clsact && tc -n %s filter add dev q0 "
	   "ingress protocol %s flower ip_proto udp ip_tos 0x2/0x3 action "
	   "pass", ns_s, ns_s, family == AF_INET6 ? "ipv6" : "ip");
}

static long ect0_counted(void)
{
	char cmd[300], line[512];
	long pkts = -1, b, p;
	const char *at;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "tc -n %s -s filter show dev q0 ingress 2>&1", ns_s);
	f = popen(cmd, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		at = strstr(line, "Sent ");
		if (at && sscanf(at, "Sent %ld bytes %ld pkt", &b, &p) == 2)
			pkts = p;
	}
	pclose(f);
	return pkts;
}

/*
 * The client's ECN field rewritten to @tos on the way out (a network
 * element that clears or changes it), the IPv4 checksum made good.
 */
static void client_tos_rewrite(int tos)
{
	SH("tc -n %s qdisc add dev q0 clsact && tc -n %s filter add dev q0 "
	   "egress protocol ip matchall action pedit ex munge ip tos set %d "
	   "pipe action csum ip4h", ns_c, ns_c, tos);
}

struct ecn_seen {
	unsigned long long capable, failed, ce, ce_events;
};

static struct ecn_seen ecn_seen(const char *ns)
{
	struct ecn_seen e = {
		.capable = ns_snmp(ns, "QuicEcnCapablePaths"),
		.failed = ns_snmp(ns, "QuicEcnFailedPaths"),
		.ce = ns_snmp(ns, "QuicInEcnCe"),
		.ce_events = ns_snmp(ns, "QuicEcnCongestionEvents"),
	};

	return e;
}

/* A handshake and ECN_BYTES from the client, checked; then the counters. */
static void ecn_transfer(const char *netem_client, struct ecn_seen *c_seen,
			 struct ecn_seen *s_seen)
{
	struct opts o = { .cc = QUIC_CONG_ALG_RENO };
	double secs;
	int c, s;

	connect_opts(&o, &c, &s);
	if (netem_client)
		SH("tc -n %s qdisc replace dev q0 root netem %s", ns_c,
		   netem_client);
	secs = transfer(c, s, 0, 11, ECN_BYTES, NULL);
	close(c);
	close(s);
	*c_seen = ecn_seen(ns_c);
	*s_seen = ecn_seen(ns_s);
	note("%u MiB in %.1f s; client: capable %llu failed %llu, CE events "
	     "%llu; server: capable %llu failed %llu, CE received %llu",
	     ECN_BYTES / MiB, secs, c_seen->capable, c_seen->failed,
	     c_seen->ce_events, s_seen->capable, s_seen->failed, s_seen->ce);
}

/*
 * On the network just made: ECT(0) packets counted at the server's
 * device during a transfer, and both ends' paths capable.
 */
static void ecn_both_capable(struct ecn_seen *cs, struct ecn_seen *ss)
{
	long ect0;

	ect0_count_start();
	ecn_transfer(NULL, cs, ss);
	ect0 = ect0_counted();
	note("ECT(0) packets at the server's device: %ld", ect0);
	CHECK(ect0 > 1000);
	CHECK(cs->capable == 1 && cs->failed == 0);
	CHECK(ss->capable == 1 && ss->failed == 0);
}

/* A clean path: both ends mark ECT(0), see the other's marks counted. */
static void ecn_capable_body(void)
{
	struct ecn_seen cs, ss;

	net_direct();
	ecn_both_capable(&cs, &ss);
	CHECK(cs.ce_events == 0 && ss.ce == 0);
}

TEST(ecn_capable)
{
	in_netns(ecn_capable_body);
}

/* The same over IPv6, through a router: the traffic class carries it. */
static void ecn_capable_v6_body(void)
{
	struct ecn_seen cs, ss;

	net_routed6(1500, 1500);
	ecn_both_capable(&cs, &ss);
}

TEST(ecn_capable_v6)
{
	in_netns(ecn_capable_v6_body);
}

/*
 * netem marks CE where it would drop (its "ecn" option): the server
 * counts CE packets and reports them; the client takes each rise as a
 * congestion event and loses nothing to it.
 */
static void ecn_ce_body(void)
{
	struct ecn_seen cs, ss;

	net_direct();
	ecn_transfer("loss 2% ecn", &cs, &ss);
	CHECK(cs.capable == 1 && cs.failed == 0);
	CHECK(ss.ce > 0);
	CHECK(cs.ce_events > 0);
	CHECK(cs.ce_events <= ss.ce);
}

TEST(ecn_ce_marked)
{
	in_netns(ecn_ce_body);
}

/*
 * A network element clears the client's ECN field: the server reports no
 * counts for what the client marked, and the client stops marking; the
 * other direction is untouched and stays capable.
 */
static void ecn_bleached_body(void)
{
	struct ecn_seen cs, ss;

	net_direct();
	client_tos_rewrite(0);
	ect0_count_start();
	ecn_transfer(NULL, &cs, &ss);
	CHECK(ect0_counted() == 0);
	CHECK(cs.failed == 1 && cs.capable == 0);
	CHECK(ss.capable == 1 && ss.failed == 0);
}

TEST(ecn_bleached)
{
	in_netns(ecn_bleached_body);
}

/* ... turns it into ECT(1), which the client never sends: validation fails. */
static void ecn_remarked_body(void)
{
	struct ecn_seen cs, ss;

	net_direct();
	client_tos_rewrite(1);
	ecn_transfer(NULL, &cs, &ss);
	CHECK(cs.failed == 1 && cs.capable == 0);
	CHECK(ss.capable == 1 && ss.failed == 0);
}

TEST(ecn_remarked_ect1)
{
	in_netns(ecn_remarked_body);
}

/*
 * ... drops the client's marked packets: after two probe timeouts the
 * client sends unmarked, and the handshake completes.
 */
static void ecn_blackholed_body(void)
{
	struct ecn_seen cs, ss;
	double t0 = now();

	net_direct();
	SH("tc -n %s qdisc add dev q0 clsact && tc -n %s filter add dev q0 "
	   "egress protocol ip flower ip_proto udp ip_tos 0x2/0x3 action drop",
	   ns_c, ns_c);
	ecn_transfer(NULL, &cs, &ss);
	note("handshake and transfer in %.1f s", now() - t0);
	CHECK(cs.failed == 1 && cs.capable == 0);
	CHECK(ss.capable == 1 && ss.failed == 0);
}

TEST(ecn_blackholed)
{
	in_netns(ecn_blackholed_body);
}

/*
 * net.quic.ecn = 0 on the client: it marks nothing, but still reports
 * the server's marks (RFC 9000 13.4.1), so the server's path is capable.
 */
static void ecn_off_body(void)
{
	struct ecn_seen cs, ss;

	net_direct();
	SH("ip netns exec %s sysctl -qw net.quic.ecn=0", ns_c);
	ect0_count_start();
	ecn_transfer(NULL, &cs, &ss);
	CHECK(ect0_counted() == 0);
	CHECK(cs.capable == 0 && cs.failed == 0);
	CHECK(ss.capable == 1 && ss.failed == 0);
}

TEST(ecn_off)
{
	in_netns(ecn_off_body);
}

/*
 * The kernel's ingress and egress hooks are static keys, switched on by
 * the first clsact qdisc (pmtu_1280_icmp_blocked adds one).  Switching one
 * rewrites kernel text with int3 breakpoints; under emulation, with the
 * slow bulk cases' traffic in softirq on both CPUs, that once held a CPU
 * in the receive path for 44 s (6.1).  A namespace of its own holds them
 * on from before any traffic to the end, so no test switches them.
 */
#define KEYS_NS "nq-static-keys"

static void static_keys_hold(void)
{
	sh("ip netns del " KEYS_NS " 2>/dev/null; ip netns add " KEYS_NS
	   " && tc -n " KEYS_NS " qdisc add dev lo clsact && tc -n " KEYS_NS
	   " filter add dev lo egress protocol ip flower ip_proto icmp"
	   " action drop");
}

int main(void)
{
	const char *filter = getenv("TEST_FILTER");
	pid_t slow_pids[4], pids[4];
	double t0 = now();
	int slow, n;
	bool ours;
	size_t i;

	/* Key material only when a filter can pick one of these tests. */
	ours = !filter || !*filter || strstr(filter, TEST_SUITE) ||
	       !fnmatch(filter, TEST_SUITE ".x", FNM_EXTMATCH);
	if (ours) {
		test_name = "setup";
		psk_setup("/tmp/quic-netem-XXXXXX");
		test_name = NULL;
		static_keys_hold();
	}
	slow = start_bulk(&slow_impairment, slow_pids);
	for (i = 0; i < sizeof(impairments) / sizeof(impairments[0]); i++) {
		n = start_bulk(&impairments[i], pids);
		wait_bulk(pids, n);
	}
	RUN(blackout_3s);
	RUN(pmtu_1280);
	RUN(pmtu_9000);
	RUN(pmtu_1280_v6);
	RUN(pmtu_1280_icmp_blocked);
	RUN(idle_timeout);
	RUN(keepalive);
	RUN(peer_close);
	RUN(handshake_timeout);
	RUN(ecn_capable);
	RUN(ecn_capable_v6);
	RUN(ecn_ce_marked);
	RUN(ecn_bleached);
	RUN(ecn_remarked_ect1);
	RUN(ecn_blackholed);
	RUN(ecn_off);
	wait_bulk(slow_pids, slow);
	if (ours) {
		sh("ip netns del " KEYS_NS);
		printf("# %s: %.0f s in all\n", TEST_SUITE, now() - t0);
	}
	return test_done();
}
