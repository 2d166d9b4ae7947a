// SPDX-License-Identifier: GPL-2.0
/*
 * What a running QUIC connection shows from outside: /proc/net/quic/sockets
 * and /proc/net/quic/snmp, the net.quic.* sysctls, the tracepoints of
 * group "quic" and the qlog file tools/quic-qlog makes from them.
 *
 * Each test runs in a network namespace of its own (unshare()), so that
 * the counters it reads move with its own traffic only; one test checks
 * exactly that against a second namespace.  Connections are PSK handshakes
 * through libquic over loopback.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <netinet/quic.h>

#define TEST_SUITE "observe"
#define TEST_TIMEOUT 120
#include "../lib/test.h"
#include "../lib/netns.h"

#define PORT		4433
#define IO_TIMEOUT	30

static char qlog_bin[PATH_MAX];

/* ---- Helpers ---- */

/* The whole of a small file; NUL-terminated, in a static buffer. */
static char *slurp(const char *path)
{
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return buf;
}

struct writer {
	int fd;
	size_t bytes;
	int err;
	pthread_t thread;
};

static void *write_stream(void *arg)
{
	static uint8_t buf[64 * 1024];
	struct writer *w = arg;
	uint32_t flags = MSG_STREAM_NEW;
	size_t left = w->bytes, n;
	ssize_t r;

	memset(buf, 0x5a, sizeof(buf));
	while (left) {
		n = left < sizeof(buf) ? left : sizeof(buf);
		if (n == left)
			flags |= MSG_STREAM_FIN;
		r = quic_sendmsg(w->fd, buf, n, 0, flags);
		if (r <= 0) {
			w->err = errno;
			return NULL;
		}
		left -= r;
		if ((size_t)r == n)
			flags &= ~MSG_STREAM_NEW;
		else
			flags &= ~(MSG_STREAM_NEW | MSG_STREAM_FIN);
	}
	return NULL;
}

/* @bytes from @from to @to on client stream 0, counted at the reader. */
static void transfer(int from, int to, size_t bytes)
{
	static uint8_t buf[64 * 1024];
	struct writer w = { .fd = from, .bytes = bytes };
	size_t got = 0;
	uint32_t flags;
	int64_t sid;
	ssize_t n;

	CHECK(pthread_create(&w.thread, NULL, write_stream, &w) == 0);
	do {
		flags = 0;
		n = quic_recvmsg(to, buf, sizeof(buf), &sid, &flags);
		if (n < 0)
			FAIL("recv after %zu of %zu bytes: %s", got, bytes,
			     strerror(errno));
		got += n;
	} while (!(flags & MSG_STREAM_FIN) && n);
	CHECK(pthread_join(w.thread, NULL) == 0);
	if (w.err)
		FAIL("writer: %s", strerror(w.err));
	if (got != bytes)
		FAIL("%zu bytes arrived, want %zu", got, bytes);
}

/* ---- /proc/net/quic/sockets ---- */

struct sock_line {
	char family[8], local[64], peer[64], state[16], role[16];
	char streams[64], scid[48];
	unsigned int version;
	int tx, rx;
	unsigned int uid;
	unsigned long inode;
};

static bool parse_sock_line(const char *line, struct sock_line *l)
{
	return sscanf(line, "%7s %63s %63s %15s %15s %x %d %d %u %lu %63s %47s",
		      l->family, l->local, l->peer, l->state, l->role,
		      &l->version, &l->tx, &l->rx, &l->uid, &l->inode,
		      l->streams, l->scid) == 12;
}

/* The line of the socket @fd, found by its inode. */
static void sock_line_of(int fd, struct sock_line *out)
{
	char *s = slurp("/proc/net/quic/sockets"), *line;
	struct sock_line l;
	struct stat st;
	bool header = true;

	CHECK_OK(fstat(fd, &st));
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		if (header) {
			if (strncmp(line, "family local peer state role", 28))
				FAIL("header line: %s", line);
			header = false;
			continue;
		}
		if (!parse_sock_line(line, &l))
			FAIL("line does not parse: %s", line);
		if (l.inode == st.st_ino) {
			*out = l;
			return;
		}
	}
	FAIL("no line with inode %lu", (unsigned long)st.st_ino);
}

static void local_port(int fd, char *buf, size_t len, bool v6)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	CHECK_OK(getsockname(fd, (struct sockaddr *)&ss, &sl));
	if (v6)
		snprintf(buf, len, "[::1]:%u",
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	else
		snprintf(buf, len, "127.0.0.1:%u",
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

static void check_pair_lines(int family, const char *ip)
{
	bool v6 = family == AF_INET6;
	struct sock_line c, s, l;
	char caddr[64], saddr[64];
	int cfd, sfd, lfd;

	connect_pair(family, ip, &cfd, &sfd, &lfd);
	CHECK(quic_sendmsg(cfd, "x", 1, 0, MSG_STREAM_NEW) == 1);
	local_port(cfd, caddr, sizeof(caddr), v6);
	snprintf(saddr, sizeof(saddr), v6 ? "[::1]:%d" : "127.0.0.1:%d", PORT);

	sock_line_of(lfd, &l);
	sock_line_of(sfd, &s);
	sock_line_of(cfd, &c);
	CHECK(!strcmp(l.family, v6 ? "inet6" : "inet"));
	CHECK(!strcmp(l.state, "LISTEN") && !strcmp(l.role, "listener"));
	CHECK(!strcmp(l.local, saddr));
	CHECK(!strcmp(s.state, "ESTABLISHED") && !strcmp(s.role, "server"));
	CHECK(!strcmp(s.local, saddr) && !strcmp(s.peer, caddr));
	CHECK(!strcmp(c.state, "ESTABLISHED") && !strcmp(c.role, "client"));
	CHECK(!strcmp(c.local, caddr) && !strcmp(c.peer, saddr));
	CHECK(c.version == 1 && s.version == 1);
	CHECK(c.uid == getuid() && s.uid == getuid());
	/* The client opened stream 0 (one bidi of its own). */
	if (strncmp(c.streams, "1/0/", 4))
		FAIL("client streams %s, want 1/0/x/x", c.streams);
	/* Connection IDs: 8 bytes here, and the two ends' differ. */
	CHECK(strlen(c.scid) == 16 && strlen(s.scid) == 16);
	CHECK(strcmp(c.scid, s.scid));
	CHECK(!strcmp(l.scid, "-"));

	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(proc_sockets_both_ends)
{
	own_netns();
	check_pair_lines(AF_INET, "127.0.0.1");
}

TEST(proc_sockets_ipv6)
{
	own_netns();
	check_pair_lines(AF_INET6, "::1");
}

/* A closed socket's line goes; an unconnected one shows as "-". */
TEST(proc_sockets_lifecycle)
{
	struct sock_line l;
	char *s;
	int fd;

	own_netns();
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	sock_line_of(fd, &l);
	CHECK(!strcmp(l.state, "CLOSE") && !strcmp(l.role, "-"));
	CHECK(!strcmp(l.local, "*") && !strcmp(l.peer, "*"));
	close(fd);
	/* Freed after an RCU grace period: wait for it, bounded. */
	for (int i = 0; i < 100; i++) {
		s = slurp("/proc/net/quic/sockets");
		if (!strchr(s, '\n') || !strchr(strchr(s, '\n') + 1, '\n'))
			return;
		usleep(20000);
	}
	FAIL("a line is left after close(): %s", s);
}

/* ---- /proc/net/quic/snmp ---- */

TEST(snmp_format)
{
	char *s = slurp("/proc/net/quic/snmp"), *line;
	char names[128][64];
	int n = 0, i;

	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		unsigned long long v;
		char extra;

		if (sscanf(line, "%63s %llu %c", name, &v, &extra) != 2)
			FAIL("line is not \"Name value\": %s", line);
		if (strncmp(name, "Quic", 4))
			FAIL("counter %s is not named Quic...", name);
		CHECK(n < 128);
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], name))
				FAIL("counter %s twice", name);
		strcpy(names[n++], name);
	}
	if (n < 30)
		FAIL("%d counters, want at least 30", n);
	/* nstat reads it in place of /proc/net/snmp6. */
	SH("PROC_NET_SNMP6=/proc/net/quic/snmp nstat -asz | "
	   "grep -q '^QuicHandshakesStarted '");
}

/* A handshake, a stream, a close: each counted once per end. */
TEST(snmp_connection_counters)
{
	unsigned long long started, done, opened, accepted, in, out, sent;
	int cfd, sfd;
	char buf[8];
	int64_t sid;
	uint32_t flags = 0;

	own_netns();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	started = quic_snmp("QuicHandshakesStarted");
	done = quic_snmp("QuicHandshakesCompleted");
	if (started != 2 || done != 2)
		FAIL("handshakes started %llu, completed %llu; want 2, 2",
		     started, done);
	CHECK(quic_sendmsg(cfd, "ping", 4, 0, MSG_STREAM_NEW | MSG_STREAM_FIN)
	      == 4);
	CHECK(quic_recvmsg(sfd, buf, sizeof(buf), &sid, &flags) == 4);
	opened = quic_snmp("QuicStreamsOpened");
	accepted = quic_snmp("QuicStreamsAccepted");
	if (opened != 1 || accepted != 1)
		FAIL("streams opened %llu, accepted %llu; want 1, 1", opened,
		     accepted);
	in = quic_snmp("QuicInPackets");
	out = quic_snmp("QuicOutPackets");
	/* Both ends: every packet one sent, the other opened (loopback,
	 * no loss), but some may be on their way still.
	 */
	CHECK(in > 4 && out >= in);
	CHECK(quic_snmp("QuicInDatagrams") <= quic_snmp("QuicOutDatagrams"));
	CHECK(quic_snmp("QuicInBytes") > 2 * 1200);

	close(cfd);	/* CONNECTION_CLOSE, NO_ERROR: application close */
	sent = quic_snmp("QuicCloseSentApp") + quic_snmp("QuicCloseSentNoError");
	CHECK(sent == 1);
	for (int i = 0; i < 100 && !quic_snmp("QuicCloseRecvApp") &&
			!quic_snmp("QuicCloseRecvNoError"); i++)
		usleep(20000);
	CHECK(quic_snmp("QuicCloseRecvApp") + quic_snmp("QuicCloseRecvNoError") == 1);
	close(sfd);
	CHECK(quic_snmp("QuicHandshakesFailed") == 0);
}

/*
 * Forged 1-RTT packets to a live connection: each fails to open and is
 * counted once, as a decrypt error, and nothing else of the connection
 * changes (it still carries data).
 */
TEST(snmp_decrypt_failures_exact)
{
	enum { FORGED = 300 };
	unsigned long long before, in_before, after;
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	uint8_t pkt[100], cid[20];
	struct sock_line s;
	int cfd, sfd, u, i;
	char buf[8];
	uint32_t flags = 0;
	int64_t sid;

	own_netns();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	sock_line_of(sfd, &s);
	CHECK(strlen(s.scid) == 16);
	for (i = 0; i < 8; i++)
		CHECK(sscanf(s.scid + 2 * i, "%2hhx", &cid[i]) == 1);

	before = quic_snmp("QuicInDecryptErrors");
	in_before = quic_snmp("QuicInDatagrams");
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	for (i = 0; i < FORGED; i++) {
		/* Short header: fixed bit, 4-byte packet number. */
		pkt[0] = 0x43;
		memcpy(pkt + 1, cid, 8);
		for (size_t j = 9; j < sizeof(pkt); j++)
			pkt[j] = (uint8_t)(i * 31 + j * 7);
		CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
			     sizeof(to)) == sizeof(pkt));
		/* Loopback queues per CPU: let it drain now and then. */
		if (i % 50 == 49)
			usleep(10000);
	}
	close(u);
	for (i = 0; i < 100; i++) {
		if (quic_snmp("QuicInDatagrams") - in_before >= FORGED)
			break;
		usleep(20000);
	}
	after = quic_snmp("QuicInDecryptErrors");
	if (after - before != FORGED)
		FAIL("decrypt errors moved by %llu, want %d (datagrams in: %llu)",
		     after - before, FORGED,
		     quic_snmp("QuicInDatagrams") - in_before);
	/* The connection lives. */
	CHECK(quic_sendmsg(cfd, "ping", 4, 0, MSG_STREAM_NEW | MSG_STREAM_FIN)
	      == 4);
	CHECK(quic_recvmsg(sfd, buf, sizeof(buf), &sid, &flags) == 4);
	close(cfd);
	close(sfd);
}

/* Datagrams for no connection, and too short a client Initial. */
TEST(snmp_no_connection_drops)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	unsigned long long noconn, shortd;
	uint8_t pkt[600] = {};
	int u, l, i;

	own_netns();
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(l >= 0);
	CHECK_OK(bind(l, (struct sockaddr *)&to, sizeof(to)));
	CHECK_OK(listen(l, 4));
	noconn = quic_snmp("QuicInNoConnDrops");
	shortd = quic_snmp("QuicInShortDrops");
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(u >= 0);
	/* 10 short headers with an unknown connection ID... */
	pkt[0] = 0x40;
	for (i = 0; i < 10; i++)
		CHECK(sendto(u, pkt, 40, 0, (struct sockaddr *)&to,
			     sizeof(to)) == 40);
	/* ... and 10 Initials of 600 bytes (a client's are 1200 at least). */
	pkt[0] = 0xc0;
	pkt[4] = 1;		/* version 1 */
	pkt[5] = 8;		/* DCID length */
	pkt[14] = 0;		/* SCID length */
	pkt[15] = 0;		/* token length */
	pkt[16] = 0x42;		/* length: 2-byte varint, 0x200 */
	pkt[17] = 0x00;
	for (i = 0; i < 10; i++)
		CHECK(sendto(u, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
			     sizeof(to)) == sizeof(pkt));
	close(u);
	for (i = 0; i < 100; i++) {
		if (quic_snmp("QuicInNoConnDrops") - noconn >= 10 &&
		    quic_snmp("QuicInShortDrops") - shortd >= 10)
			break;
		usleep(20000);
	}
	CHECK(quic_snmp("QuicInNoConnDrops") - noconn == 10);
	CHECK(quic_snmp("QuicInShortDrops") - shortd == 10);
	close(l);
}

/*
 * 2 MiB over a loopback that loses 5% of packets: losses and
 * retransmissions are counted in proportion to what went out.
 */
TEST(snmp_lossy_transfer)
{
	unsigned long long out, lost, retrans, pto, cong;
	int cfd, sfd;

	own_netns();
	SH("tc qdisc add dev lo root netem loss 5%%");
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	transfer(cfd, sfd, 2 << 20);
	out = quic_snmp("QuicOutPackets");
	lost = quic_snmp("QuicLostPackets");
	retrans = quic_snmp("QuicRetransFrames");
	pto = quic_snmp("QuicProbeTimeouts");
	cong = quic_snmp("QuicCongestionEvents");
	printf("# %s.%s: out %llu lost %llu retrans frames %llu pto %llu congestion events %llu\n",
	       TEST_SUITE, test_name, out, lost, retrans, pto, cong);
	/* 2 MiB is 1500 full packets at least; 5% each way of them, of
	 * the ACKs too: anything from 1% to 30% of what went out is sane.
	 */
	CHECK(out > 1500);
	if (lost < out / 100 || lost > out * 3 / 10)
		FAIL("%llu of %llu packets lost at 5%% loss", lost, out);
	CHECK(retrans > 0);
	CHECK(cong >= 1 && cong <= lost);
	close(cfd);
	close(sfd);
}

/* Traffic in one namespace moves no counter of another. */
TEST(snmp_per_namespace)
{
	unsigned long long in_before, out_before;
	int cfd, sfd;
	pid_t pid;
	int st;

	own_netns();
	in_before = quic_snmp("QuicInPackets");
	out_before = quic_snmp("QuicOutPackets");
	CHECK(in_before == 0 && out_before == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* Another namespace: a connection and a transfer there. */
		if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
			_exit(2);
		connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
		transfer(cfd, sfd, 256 << 10);
		_exit(quic_snmp("QuicInPackets") > 100 ? 0 : 3);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAIL("the other namespace's transfer failed (status %d)", st);
	CHECK(quic_snmp("QuicInPackets") == 0 && quic_snmp("QuicOutPackets") == 0);
	CHECK(quic_snmp("QuicHandshakesStarted") == 0);
}

/* ---- net.quic.* ---- */

static void sysctl_read(const char *name, long v[3])
{
	char path[128], *s;

	snprintf(path, sizeof(path), "/proc/sys/net/quic/%s", name);
	s = slurp(path);
	if (sscanf(s, "%ld %ld %ld", &v[0], &v[1], &v[2]) != 3)
		FAIL("%s: %s", path, s);
}

static int sysctl_write(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/quic/%s", name);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0);
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

TEST(sysctl_memory)
{
	long mem[3], rmem[3], wmem[3], now[3];
	char val[96];
	socklen_t len = sizeof(int);
	int fd, buf;

	sysctl_read("mem", mem);
	sysctl_read("rmem", rmem);
	sysctl_read("wmem", wmem);
	/* Defaults: UDP's formula, the kernel's socket buffers. */
	CHECK(mem[0] > 0 && mem[0] < mem[1] && mem[1] < mem[2]);
	CHECK(rmem[0] == 4096 && rmem[1] == 212992 && rmem[2] >= rmem[1]);
	CHECK(wmem[0] == 4096 && wmem[1] == 212992 && wmem[2] >= wmem[1]);

	/* A new socket's buffer is rmem[1] (the kernel reports it). */
	snprintf(val, sizeof(val), "%ld %d %ld", rmem[0], 65536, rmem[2]);
	CHECK(sysctl_write("rmem", val) == 0);
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, &len));
	close(fd);
	snprintf(val, sizeof(val), "%ld %ld %ld", rmem[0], rmem[1], rmem[2]);
	CHECK(sysctl_write("rmem", val) == 0);
	if (buf != 65536)
		FAIL("SO_RCVBUF %d with rmem[1] 65536", buf);

	/* Below a page is refused, and nothing changes. */
	snprintf(val, sizeof(val), "%d %ld %ld", 100, wmem[1], wmem[2]);
	CHECK(sysctl_write("wmem", val) == EINVAL);
	sysctl_read("wmem", now);
	CHECK(!memcmp(now, wmem, sizeof(now)));
}

/* The settings are the whole host's: a namespace sees none of its own. */
TEST(sysctl_init_net_only)
{
	own_netns();
	CHECK(access("/proc/sys/net/quic/mem", F_OK) != 0);
}

/* ---- Tracepoints and qlog ---- */

#define TRACEFS "/sys/kernel/tracing"

static void tracefs_write(const char *file, const char *val)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	CHECK(write(fd, val, strlen(val)) == (ssize_t)strlen(val));
	close(fd);
}

static void trace_start(void)
{
	if (access(TRACEFS "/events", F_OK))
		CHECK_OK(mount("nodev", TRACEFS, "tracefs", 0, NULL));
	CHECK(access(TRACEFS "/events/quic/enable", F_OK) == 0);
	tracefs_write("buffer_size_kb", "8192");
	tracefs_write("trace", "");
	tracefs_write("events/quic/enable", "1");
	tracefs_write("tracing_on", "1");
}

static void trace_stop(const char *save)
{
	tracefs_write("events/quic/enable", "0");
	SH("cat " TRACEFS "/trace > %s", save);
	tracefs_write("trace", "");
}

static const char *const trace_events[] = {
	"quic_conn_new", "quic_state", "quic_packet_sent", "quic_packet_recv",
	"quic_frame_recv", "quic_packet_acked", "quic_rtt_update",
	"quic_cwnd_update", "quic_key_change", "quic_stream", "quic_close",
	"quic_ecn_state",
};

/*
 * A handshake, a stream, a key update and a close with every quic event
 * on: each fires; then the qlog tool makes a JSON-SEQ file of the client's
 * connection whose first events are its handshake's, in order.
 */
TEST(tracepoints_and_qlog)
{
	static const char cap[] = "/tmp/observe-trace.txt";
	static const char out[] = "/tmp/observe.sqlog";
	char buf[8];
	uint32_t flags = 0;
	int64_t sid;
	int cfd, sfd, i;
	char *s;

	own_netns();
	trace_start();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	CHECK(quic_sendmsg(cfd, "ping", 4, 0, MSG_STREAM_NEW | MSG_STREAM_FIN)
	      == 4);
	CHECK(quic_recvmsg(sfd, buf, sizeof(buf), &sid, &flags) == 4);
	close(cfd);
	close(sfd);
	trace_stop(cap);

	s = slurp(cap);
	for (i = 0; i < (int)(sizeof(trace_events) / sizeof(*trace_events));
	     i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), " %s: sk=", trace_events[i]);
		if (!strstr(s, needle))
			FAIL("no %s event in the capture", trace_events[i]);
	}
	if (!strstr(s, "quic_conn_new: sk=") ||
	    !strstr(s, "role=client") || !strstr(s, "role=server"))
		FAIL("quic_conn_new of both ends missing");

	SH("%s -o %s %s", qlog_bin, out, cap);
	/* JSON-SEQ, and the client's handshake in order: its first packet
	 * sent is an Initial, then an Initial received, a Handshake packet,
	 * the state to ESTABLISHED, a 1-RTT packet, and a close at the end.
	 */
	SH("python3 - %s <<'EOF'\n"
	   "import json, sys\n"
	   "data = open(sys.argv[1], 'rb').read()\n"
	   "assert data.startswith(b'\\x1e'), 'no RS at the start'\n"
	   "recs = [json.loads(r) for r in data.split(b'\\x1e')[1:]]\n"
	   "hdr, ev = recs[0], recs[1:]\n"
	   "assert hdr['qlog_format'] == 'JSON-SEQ', hdr\n"
	   "assert hdr['trace']['vantage_point']['type'] == 'client', hdr\n"
	   "names = [e['name'] for e in ev]\n"
	   "def first(pred):\n"
	   "    for i, e in enumerate(ev):\n"
	   "        if pred(e): return i\n"
	   "    raise AssertionError('missing: ' + str(names[:40]))\n"
	   "def pkt(name, t):\n"
	   "    return lambda e: e['name'] == name and e['data']['header']['packet_type'] == t\n"
	   "order = [first(pkt('transport:packet_sent', 'initial')),\n"
	   "         first(pkt('transport:packet_received', 'initial')),\n"
	   "         first(pkt('transport:packet_received', 'handshake')),\n"
	   "         first(pkt('transport:packet_sent', 'handshake')),\n"
	   "         first(pkt('transport:packet_sent', '1RTT')),\n"
	   "         first(lambda e: e['name'] == 'connectivity:connection_closed')]\n"
	   "assert order == sorted(order), (order, names[:40])\n"
	   "t = [e['time'] for e in ev]\n"
	   "assert t == sorted(t) and t[0] >= 0, t[:10]\n"
	   "ecn = [e['data']['new'] for e in ev\n"
	   "       if e['name'] == 'recovery:ecn_state_updated']\n"
	   "assert ecn == ['capable'], ecn\n"
	   "EOF", out);
}

/* The probe timeouts and losses of a lossy transfer are traced. */
TEST(tracepoints_loss)
{
	static const char cap[] = "/tmp/observe-loss.txt";
	int cfd, sfd;
	char *s;

	own_netns();
	SH("tc qdisc add dev lo root netem loss 10%%");
	trace_start();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	transfer(cfd, sfd, 512 << 10);
	close(cfd);
	close(sfd);
	trace_stop(cap);
	s = slurp(cap);
	if (!strstr(s, " quic_packet_lost: sk="))
		FAIL("no quic_packet_lost event in a transfer at 10%% loss");
	CHECK(strstr(s, "trigger=threshold"));
}

/* ---- main ---- */

static void setup(void)
{
	char self[PATH_MAX - 64];
	ssize_t n;

	test_name = "setup";
	psk_setup("/tmp/quic-observe-XXXXXX");
	/* build/tests/vm/observe -> build/tools/quic-qlog */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(qlog_bin, sizeof(qlog_bin), "%s/../../tools/quic-qlog", self);
	test_name = NULL;
}

int main(void)
{
	setup();
	RUN(proc_sockets_both_ends);
	RUN(proc_sockets_ipv6);
	RUN(proc_sockets_lifecycle);
	RUN(snmp_format);
	RUN(snmp_connection_counters);
	RUN(snmp_decrypt_failures_exact);
	RUN(snmp_no_connection_drops);
	RUN(snmp_lossy_transfer);
	RUN(snmp_per_namespace);
	RUN(sysctl_memory);
	RUN(sysctl_init_net_only);
	RUN(tracepoints_and_qlog);
	RUN(tracepoints_loss);
	return test_done();
}
