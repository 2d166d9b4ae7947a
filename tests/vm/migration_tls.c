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
 * (ENOTCONN), on a server (EOPNOTSUPP: preferred_address is not done),
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
	CHECK_ERRNO(migrate_to(sfd, "127.0.0.2", 0), EOPNOTSUPP);
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

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-migration-XXXXXX");
	test_name = NULL;
	RUN(cid_rotation_under_load);
	RUN(client_migration_during_transfer);
	RUN(client_migration_dual_stack);
	RUN(client_migration_refused);
	return test_done();
}
