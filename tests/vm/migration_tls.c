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

static void cid_info(int fd, int dest, struct quic_connection_id_info *i)
{
	socklen_t len = sizeof(*i);

	memset(i, 0, sizeof(*i));
	i->dest = (uint8_t)dest;
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, i,
			    &len));
}

/*
 * The server sends 16 MiB; every 512 KiB the client moves to the server's
 * next ID and retires the one before (QUIC_SOCKOPT_CONNECTION_ID, dest),
 * when the server has issued it.  The server replaces each retired ID;
 * every byte arrives in order; at least 8 moves were made.
 */
TEST(cid_rotation_under_load)
{
	struct quic_connection_id_info info, next;
	static uint8_t buf[CHUNK];
	unsigned long long retired;
	struct sender s = {};
	int cfd, sfd, moves = 0;
	size_t got = 0, mark = 0, i;
	int64_t sid;
	uint32_t fl;
	ssize_t n;

	own_netns();
	retired = quic_snmp("QuicConnIdsRetired");
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, NULL);
	s.fd = sfd;
	CHECK(pthread_create(&s.thread, NULL, send_all, &s) == 0);
	while (got < TOTAL) {
		n = quic_recvmsg(cfd, buf, sizeof(buf), &sid, &fl);
		if (n <= 0)
			FAIL("recv at %zu: %zd (%s)", got, n,
			     n < 0 ? strerror(errno) : "end");
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(got + i))
				FAIL("byte %zu differs", got + i);
		got += n;
		if (got - mark < (512u << 10))
			continue;
		mark = got;
		cid_info(cfd, 1, &info);
		next.dest = 1;
		next.active = info.active + 1;
		next.prior_to = info.active + 1;
		if (!setsockopt(cfd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
				&next, sizeof(next)))
			moves++;
		else
			CHECK(errno == EINVAL);
	}
	CHECK(pthread_join(s.thread, NULL) == 0);
	CHECK(s.err == 0);
	printf("# %d moves to a new ID during 16 MiB\n", moves);
	CHECK(moves >= 8);
	cid_info(cfd, 1, &info);
	CHECK(info.active == (uint32_t)moves && info.prior_to == info.active);
	/* The server saw each retired and replaced it. */
	for (i = 0; i < 100 && quic_snmp("QuicConnIdsRetired") - retired <
	     (unsigned)moves; i++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicConnIdsRetired") - retired == (unsigned)moves);
	close(cfd);
	close(sfd);
}

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-migration-XXXXXX");
	test_name = NULL;
	RUN(cid_rotation_under_load);
	return test_done();
}
