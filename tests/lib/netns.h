/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What in-VM tests that each run in a network namespace of their own
 * share: the namespace, its QUIC counters (/proc/net/quic/snmp), and, for
 * those that link libquic (include <netinet/quic.h> first), a server
 * thread that accepts one connection and runs its PSK handshake through
 * it.  Include after test.h.
 */

#ifndef QUIC_TEST_NETNS_H
#define QUIC_TEST_NETNS_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A namespace of the test's own, with loopback up. */
static inline void own_netns(void)
{
	CHECK_OK(unshare(CLONE_NEWNET));
	CHECK(system("ip link set lo up") == 0);
}

/* One counter of the namespace; fails the test if it is missing. */
static inline unsigned long long quic_snmp(const char *name)
{
	size_t len = strlen(name);
	char line[256];
	FILE *f;

	f = fopen("/proc/net/quic/snmp", "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) &&
		    (line[len] == ' ' || line[len] == '\t')) {
			fclose(f);
			return strtoull(line + len, NULL, 10);
		}
	}
	fclose(f);
	FAIL("no counter %s in /proc/net/quic/snmp", name);
}

#ifdef _NETINET_QUIC_H
/* accept() on @listener and a PSK handshake with @psk, in a thread. */
struct psk_server {
	int listener, fd, result;	/* result: 0 or -errno */
	const char *psk;
	pthread_t thread;
};

static inline void *psk_server_run(void *arg)
{
	struct psk_server *s = arg;

	s->fd = accept(s->listener, NULL, NULL);
	s->result = s->fd < 0 ? -errno :
		    quic_server_handshake(s->fd, s->psk, NULL, NULL);
	return NULL;
}

static inline void psk_server_start(struct psk_server *s)
{
	CHECK(pthread_create(&s->thread, NULL, psk_server_run, s) == 0);
}
#endif /* _NETINET_QUIC_H */

#endif /* QUIC_TEST_NETNS_H */
