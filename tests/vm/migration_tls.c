// SPDX-License-Identifier: GPL-2.0
/*
 * Connection IDs between two kernel endpoints, joined by a PSK handshake
 * through libquic: IDs retired and replaced while data flows, and the
 * stream arrives whole.  The raw peer's cases are in migration.c.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/quic.h>

#define TEST_SUITE "migration"
#define TEST_TIMEOUT 120
#include "../lib/test.h"
#include "../lib/netns.h"
#include "../lib/handshake_msg.h"
#include "../lib/kpair.h"

#define TOTAL		(16u << 20)
#define CHUNK		(64u << 10)

static uint8_t pattern(size_t off)
{
	return (uint8_t)(off * 7 + (off >> 12));
}

struct sender {
	int fd, err;
	pthread_t thread;
};

static void *send_all(void *arg)
{
	static uint8_t buf[CHUNK];
	uint32_t flags = MSG_STREAM_NEW;
	struct sender *s = arg;
	size_t off = 0, i, n;
	ssize_t r;

	while (off < TOTAL) {
		n = TOTAL - off < CHUNK ? TOTAL - off : CHUNK;
		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		if (off + n == TOTAL)
			flags |= MSG_STREAM_FIN;
		/* Stream 1: the server's first bidirectional one. */
		r = quic_sendmsg(s->fd, buf, n, 1, flags);
		if (r <= 0) {
			s->err = r < 0 ? errno : EIO;
			return NULL;
		}
		off += r;
		flags &= ~MSG_STREAM_NEW;
		if ((size_t)r < n)
			flags &= ~MSG_STREAM_FIN;
	}
	return NULL;
}

/*
 * Read the server's 16 MiB on @cfd, checking every byte; after each read
 * @step (if set) is given the count so far and @arg.  An event's value
 * (QUIC_EVENT_CONNECTION_MIGRATION's local) goes to *@event if set.
 */
static void read_all(int cfd, void (*step)(int cfd, size_t got, void *arg),
		     void *arg, int *event)
{
	static uint8_t buf[CHUNK];
	size_t got = 0, i;
	int64_t sid;
	uint32_t fl;
	ssize_t n;

	while (got < TOTAL) {
		fl = 0;
		n = quic_recvmsg(cfd, buf, sizeof(buf), &sid, &fl);
		if (n <= 0)
			FAIL("recv at %zu: %zd (%s)", got, n,
			     n < 0 ? strerror(errno) : "end");
		if (fl & MSG_NOTIFICATION) {
			CHECK(event && n == 2 &&
			      buf[0] == QUIC_EVENT_CONNECTION_MIGRATION);
			*event = buf[1];
			continue;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(got + i))
				FAIL("byte %zu differs", got + i);
		got += n;
		if (step)
			step(cfd, got, arg);
	}
}

static void cid_info(int fd, int dest, struct quic_connection_id_info *i)
{
	socklen_t len = sizeof(*i);

	memset(i, 0, sizeof(*i));
	i->dest = (uint8_t)dest;
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, i,
			    &len));
}

struct rotation {
	size_t mark;
	int moves;
};

/* Every 512 KiB: to the server's next ID, the one before retired. */
static void rotate_cid(int cfd, size_t got, void *arg)
{
	struct quic_connection_id_info info, next;
	struct rotation *r = arg;

	if (got - r->mark < (512u << 10))
		return;
	r->mark = got;
	cid_info(cfd, 1, &info);
	next.dest = 1;
	next.active = info.active + 1;
	next.prior_to = info.active + 1;
	if (!setsockopt(cfd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, &next,
			sizeof(next)))
		r->moves++;
	else
		CHECK(errno == EINVAL);
}

/*
 * The server sends 16 MiB; every 512 KiB the client moves to the server's
 * next ID and retires the one before (QUIC_SOCKOPT_CONNECTION_ID, dest),
 * when the server has issued it.  The server replaces each retired ID;
 * every byte arrives in order; at least 8 moves were made.
 */
TEST(cid_rotation_under_load)
{
	struct quic_connection_id_info info;
	struct rotation r = {};
	unsigned long long retired;
	struct sender s = {};
	int cfd, sfd, i;

	own_netns();
	retired = quic_snmp("QuicConnIdsRetired");
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	s.fd = sfd;
	CHECK(pthread_create(&s.thread, NULL, send_all, &s) == 0);
	read_all(cfd, rotate_cid, &r, NULL);
	CHECK(pthread_join(s.thread, NULL) == 0);
	CHECK(s.err == 0);
	printf("# %d moves to a new ID during 16 MiB\n", r.moves);
	CHECK(r.moves >= 8);
	cid_info(cfd, 1, &info);
	CHECK(info.active == (uint32_t)r.moves && info.prior_to == info.active);
	/* The server saw each retired and replaced it. */
	for (i = 0; i < 100 && quic_snmp("QuicConnIdsRetired") - retired <
	     (unsigned int)r.moves; i++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicConnIdsRetired") - retired ==
	      (unsigned int)r.moves);
	close(cfd);
	close(sfd);
}


static void events_on(int fd, int type)
{
	struct quic_event_option on = { (uint8_t)type, 1 };

	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &on, sizeof(on)));
}

static int migrate_to(int fd, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	CHECK(inet_pton(AF_INET, ip, &sa.sin_addr) == 1);
	return setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_MIGRATION,
			  &sa, sizeof(sa));
}

/* A quarter into the download: to 127.0.0.2, a new port. */
static void migrate_once(int cfd, size_t got, void *arg)
{
	bool *done = arg;

	if (*done || got < TOTAL / 4)
		return;
	CHECK_OK(migrate_to(cfd, "127.0.0.2", 0));
	*done = true;
}

/*
 * The client (IPv4, on 127.0.0.1) moves to another local address
 * (127.0.0.2, a new port) 4 MiB into a 16 MiB download from a server on
 * @lip (QUIC_SOCKOPT_CONNECTION_MIGRATION): every byte arrives in order;
 * getsockname() on the client and getpeername() on the server show the
 * new address (@seen_ip at the server); each end gets
 * QUIC_EVENT_CONNECTION_MIGRATION (local 1 at the client, 0 at the
 * server); the server validated the new path and the client's.
 */
static void migration_during_transfer(int lfamily, const char *lip,
				      const char *seen_ip)
{
	unsigned long long valid, moved;
	char ip[INET6_ADDRSTRLEN];
	int cfd, sfd, cev = -1, sev = -1;
	struct sender s = {};
	uint16_t port, before;
	bool done = false;
	uint8_t ev[8];
	ssize_t n;

	own_netns();
	valid = quic_snmp("QuicPathsValidated");
	moved = quic_snmp("QuicPeerMigrations");
	connect_pair_at(lfamily, lip, AF_INET, "127.0.0.1", &cfd, &sfd, NULL,
			NULL);
	events_on(cfd, QUIC_EVENT_CONNECTION_MIGRATION);
	events_on(sfd, QUIC_EVENT_CONNECTION_MIGRATION);
	sock_addr(cfd, false, ip, &before);
	s.fd = sfd;
	CHECK(pthread_create(&s.thread, NULL, send_all, &s) == 0);
	read_all(cfd, migrate_once, &done, &cev);
	CHECK(pthread_join(s.thread, NULL) == 0);
	CHECK(s.err == 0);
	sock_addr(cfd, false, ip, &port);
	CHECK(!strcmp(ip, "127.0.0.2") && port != before);
	sock_addr(sfd, true, ip, &port);
	if (strcmp(ip, seen_ip))
		FAIL("the server sees the client at %s, want %s", ip, seen_ip);
	CHECK(cev == 1);
	n = recv(sfd, ev, sizeof(ev), MSG_NOTIFICATION | MSG_DONTWAIT);
	if (n == 2 && ev[0] == QUIC_EVENT_CONNECTION_MIGRATION)
		sev = ev[1];
	CHECK(sev == 0);
	CHECK(quic_snmp("QuicPeerMigrations") - moved == 1);
	CHECK(quic_snmp("QuicPathsValidated") - valid == 2);
	close(cfd);
	close(sfd);
}

TEST(client_migration_during_transfer)
{
	migration_during_transfer(AF_INET, "127.0.0.1", "127.0.0.2");
}

/* The same with the server on "::": it sees the client v4-mapped. */
TEST(client_migration_dual_stack)
{
	migration_during_transfer(AF_INET6, "::", "::ffff:127.0.0.2");
}

/* The server's disable_active_migration (RFC 9000 18.2): EPERM. */
static void no_migration(int fd)
{
	struct quic_transport_param tp = {};
	socklen_t len = sizeof(tp);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.disable_active_migration = 1;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

/*
 * What QUIC_SOCKOPT_CONNECTION_MIGRATION refuses: before the handshake
 * (ENOTCONN), on a server after its parameters went out (EISCONN: a
 * preferred address is set before),
 * the address in use (EINVAL), another family (EAFNOSUPPORT), a peer that
 * disabled active migration (EPERM).
 */
TEST(client_migration_refused)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	char ip[INET6_ADDRSTRLEN];
	int fd, cfd, sfd;
	uint16_t port;

	own_netns();
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_ERRNO(migrate_to(fd, "127.0.0.2", 0), ENOTCONN);
	close(fd);

	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	CHECK_ERRNO(migrate_to(sfd, "127.0.0.2", 0), EISCONN);
	sock_addr(cfd, false, ip, &port);
	CHECK_ERRNO(migrate_to(cfd, ip, port), EINVAL);
	CHECK_ERRNO(setsockopt(cfd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_MIGRATION,
			       &sa6, sizeof(sa6)), EAFNOSUPPORT);
	close(cfd);
	close(sfd);

	connect_pair_with(AF_INET, "127.0.0.1", &cfd, &sfd, NULL,
			  no_migration);
	CHECK_ERRNO(migrate_to(cfd, "127.0.0.2", 0), EPERM);
	close(cfd);
	close(sfd);
}


/* ---- The server's preferred address (RFC 9000 9.6) ---- */

static int pref_family;
static const char *pref_ip;

static int set_pref(int fd, int family, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(family, ip, port, &ss);

	return setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_MIGRATION, &ss,
			  sl);
}

/*
 * On the listener, once it listens: for the connections it accepts, which
 * also take its events (the move may be over before accept() returns).
 */
static void pref_listener(int fd)
{
	CHECK_OK(listen(fd, 4));
	CHECK_OK(set_pref(fd, pref_family, pref_ip, PORT + 1));
	events_on(fd, QUIC_EVENT_CONNECTION_MIGRATION);
}

static void pref_client(int fd)
{
	events_on(fd, QUIC_EVENT_CONNECTION_MIGRATION);
}

/*
 * The listener on @lip:PORT sets @pip:PORT+1 as its preferred address;
 * an IPv4 client on 127.0.0.1 moves there once the handshake is
 * confirmed, during a 16 MiB download: every byte arrives in order, the
 * client's getpeername() and the server's getsockname() show the
 * preferred address (@seen_ip at the client), each end gets
 * QUIC_EVENT_CONNECTION_MIGRATION with local 0 (the client's peer moved;
 * the server's peer moved it), and the client counts one move.
 */
static void move_to_preferred(int lfamily, const char *lip,
			      const char *pip)
{
	unsigned long long moves, valid;
	char ip[INET6_ADDRSTRLEN];
	int cfd, sfd, cev = -1, sev = -1, i;
	struct sender s = {};
	uint16_t port;
	uint8_t ev[8];
	ssize_t n;

	own_netns();
	moves = quic_snmp("QuicPreferredAddressMoves");
	valid = quic_snmp("QuicPathsValidated");
	pref_family = lfamily;
	pref_ip = pip;
	pair_client_setup = pref_client;
	connect_pair_at(lfamily, lip, AF_INET, "127.0.0.1", &cfd, &sfd, NULL,
			pref_listener);
	pair_client_setup = NULL;
	s.fd = sfd;
	CHECK(pthread_create(&s.thread, NULL, send_all, &s) == 0);
	read_all(cfd, NULL, NULL, &cev);
	CHECK(pthread_join(s.thread, NULL) == 0);
	CHECK(s.err == 0);
	sock_addr(cfd, true, ip, &port);
	if (strcmp(ip, "127.0.0.2") || port != PORT + 1)
		FAIL("the client sends to %s:%u, want 127.0.0.2:%u", ip, port,
		     PORT + 1);
	sock_addr(sfd, false, ip, &port);
	if (strcmp(ip, pip) || port != PORT + 1)
		FAIL("the server is at %s:%u, want %s:%u", ip, port, pip,
		     PORT + 1);
	CHECK(cev == 0);
	/* The server's own validation of the client there may end later. */
	for (i = 0; i < 500 && sev < 0; i++) {
		n = recv(sfd, ev, sizeof(ev), MSG_NOTIFICATION | MSG_DONTWAIT);
		if (n == 2 && ev[0] == QUIC_EVENT_CONNECTION_MIGRATION)
			sev = ev[1];
		else if (n < 0 && errno == EAGAIN)
			usleep(10 * 1000);
		else
			FAIL("recv of the server's event: %zd", n);
	}
	CHECK(sev == 0);
	CHECK(quic_snmp("QuicPreferredAddressMoves") - moves == 1);
	/* The client's probe of it, the server's of the client there. */
	CHECK(quic_snmp("QuicPathsValidated") - valid >= 2);
	close(cfd);
	close(sfd);
}

TEST(preferred_address)
{
	move_to_preferred(AF_INET, "127.0.0.1", "127.0.0.2");
}

/* A dual-stack listener on "::", its preferred address v4-mapped. */
TEST(preferred_address_dual_stack)
{
	move_to_preferred(AF_INET6, "::", "::ffff:127.0.0.2");
}

/*
 * A preferred address that never answers (tc drops everything to it):
 * the client's probes fail after max(3 PTO, 6 initial RTTs), it stays
 * where it is, and the connection goes on there.
 */
TEST(preferred_address_unreachable)
{
	unsigned long long moves, fails;
	char ip[INET6_ADDRSTRLEN], buf[8];
	uint16_t port;
	int cfd, sfd, i;

	own_netns();
	SH("tc qdisc add dev lo clsact && tc filter add dev lo egress"
	   " protocol ip flower dst_ip 127.0.0.2 action drop");
	moves = quic_snmp("QuicPreferredAddressMoves");
	fails = quic_snmp("QuicPathFailures");
	pref_family = AF_INET;
	pref_ip = "127.0.0.2";
	connect_pair_at(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1", &cfd, &sfd,
			NULL, pref_listener);
	for (i = 0; i < 1000 && quic_snmp("QuicPathFailures") == fails; i++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicPathFailures") - fails == 1);
	CHECK(quic_snmp("QuicPreferredAddressMoves") == moves);
	sock_addr(cfd, true, ip, &port);
	CHECK(!strcmp(ip, "127.0.0.1") && port == PORT);
	CHECK(quic_sendmsg(cfd, "ping", 4, 0, MSG_STREAM_NEW) == 4);
	CHECK(recv(sfd, buf, sizeof(buf), 0) == 4);
	close(cfd);
	close(sfd);
}

/*
 * What a client probes of a preferred address (RFC 9000 21.5): between
 * two kernel ends with the test as TLS, the accepted socket is given
 * 127.0.0.2:4499 before its parameters go out, and the address in its
 * preferred_address parameter (0x0d) is then changed to @ip on the way
 * to the client.  A unicast address is probed (a PATH_CHALLENGE goes
 * out); one where many would hear it never is.  The connection carries
 * data either way.
 */
static const char *pa_ip;
static struct pair pa_pair;

static socklen_t pa_set(uint8_t *tp, socklen_t len)
{
	(void)tp;
	CHECK_OK(set_pref(pa_pair.server, AF_INET, "127.0.0.2", 4499));
	return len;
}

static socklen_t pa_rewrite(uint8_t *tp, socklen_t len)
{
	size_t vlen;

	/* preferred_address (0x0d): the IPv4 address comes first. */
	CHECK(inet_pton(AF_INET, pa_ip, kpair_tp_find(tp, len, 0x0d, &vlen)) ==
	      1);
	return len;
}

static bool preferred_probed(const char *ip)
{
	unsigned long long before = quic_snmp("QuicPathChallenges");
	struct pair *p = &pa_pair;
	char buf[8];
	int i;

	pa_ip = ip;
	CHECK(kpair_handshake(p, NULL, pa_set, pa_rewrite) == 0);
	/* A round trip after the server's HANDSHAKE_DONE went out. */
	CHECK(send(p->server, "ping", 4, MSG_STREAM_NEW) == 4);
	CHECK(recv(p->client, buf, sizeof(buf), 0) == 4);
	CHECK(send(p->client, "pong", 4, MSG_STREAM_NEW) == 4);
	CHECK(recv(p->server, buf, sizeof(buf), 0) == 4);
	for (i = 0; i < 50 && quic_snmp("QuicPathChallenges") == before; i++)
		usleep(10 * 1000);
	close(p->client);
	close(p->server);
	close(p->listener);
	return quic_snmp("QuicPathChallenges") != before;
}

TEST(preferred_address_not_unicast)
{
	own_netns();
	CHECK(preferred_probed("127.0.0.2"));
	CHECK(!preferred_probed("224.0.0.1"));
	CHECK(!preferred_probed("255.255.255.255"));
	CHECK(!preferred_probed("0.0.0.0"));
}

/*
 * What a preferred address may not be: a wildcard or port 0 (EINVAL),
 * the listener's own address (EINVAL), an address not on this host
 * (EADDRNOTAVAIL); and it is set before the handshake (EISCONN after).
 */
TEST(preferred_address_refused)
{
	int l, cfd, sfd;

	own_netns();
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_QUIC);
	CHECK(l >= 0);
	{
		struct sockaddr_storage ss;
		socklen_t sl = sockaddr_of(AF_INET, "127.0.0.1", PORT, &ss);

		CHECK_OK(bind(l, (struct sockaddr *)&ss, sl));
	}
	CHECK_OK(listen(l, 4));
	CHECK_ERRNO(set_pref(l, AF_INET, "0.0.0.0", PORT + 1), EINVAL);
	CHECK_ERRNO(set_pref(l, AF_INET, "127.0.0.2", 0), EINVAL);
	CHECK_ERRNO(set_pref(l, AF_INET, "127.0.0.1", PORT), EINVAL);
	CHECK_ERRNO(set_pref(l, AF_INET, "192.0.2.1", PORT + 1), EADDRNOTAVAIL);
	close(l);

	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	CHECK_ERRNO(set_pref(sfd, AF_INET, "127.0.0.2", PORT + 1), EISCONN);
	close(cfd);
	close(sfd);
}

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-migration-XXXXXX");
	test_name = NULL;
	RUN(cid_rotation_under_load);
	RUN(client_migration_during_transfer);
	RUN(client_migration_dual_stack);
	RUN(client_migration_refused);
	RUN(preferred_address);
	RUN(preferred_address_dual_stack);
	RUN(preferred_address_unreachable);
	RUN(preferred_address_refused);
	RUN(preferred_address_not_unicast);
	return test_done();
}
