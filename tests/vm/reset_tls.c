// SPDX-License-Identifier: GPL-2.0
/*
 * Stateless reset between two kernel endpoints, joined by a PSK handshake
 * through libquic: a server that loses its connection without a word (its
 * CONNECTION_CLOSE is lost, then it restarts on the same port) resets the
 * client's next packet, and the client's socket fails with ENETRESET.
 * The cases of reset.c use the raw peer.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/quic.h>

#define TEST_SUITE "reset"
#include "../lib/test.h"
#include "../lib/netns.h"

/* The server's transport parameters carry its first ID's token. */
static void stateless_reset_on(int fd)
{
	struct quic_transport_param tp = {};
	socklen_t len = sizeof(tp);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    &len));
	tp.stateless_reset = 1;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &tp,
			    sizeof(tp)));
}

static int listener_on(int family, const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(family, ip, PORT, &ss);
	int l = socket(family, SOCK_STREAM, IPPROTO_QUIC);

	CHECK(l >= 0);
	CHECK_OK(bind(l, (struct sockaddr *)&ss, sl));
	CHECK_OK(listen(l, 4));
	return l;
}

/*
 * The server goes away without the client hearing its close (netem drops
 * everything on lo meanwhile) and comes back on the same address and port
 * with the same namespace key: its new listener.  It keeps no closing
 * period (SO_LINGER 0): it lost its state, as a host that restarts does.
 */
static int restart_server(int sfd, int lfd, int family, const char *ip)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	CHECK_OK(setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	SH("tc qdisc add dev lo root netem loss 100%%");
	close(sfd);
	close(lfd);
	SH("tc qdisc del dev lo root");
	return listener_on(family, ip);
}

/*
 * The client learns the token of the server's first ID from its transport
 * parameters (stateless_reset = 1 on the server).  After the server's
 * restart the client's next packet is answered with a stateless reset,
 * and the client reads ENETRESET, not a timeout.
 */
static void reset_after_restart(int lfamily, const char *lip, int cfamily,
				const char *cip)
{
	unsigned long long in, out;
	int cfd, sfd, lfd, l2;
	char buf[16];
	ssize_t n;

	own_netns();
	connect_pair_at(lfamily, lip, cfamily, cip, &cfd, &sfd, &lfd,
			stateless_reset_on);
	CHECK(quic_sendmsg(cfd, "hello", 5, 0, MSG_STREAM_NEW) == 5);
	CHECK(recv(sfd, buf, sizeof(buf), 0) == 5);

	in = quic_snmp("QuicInStatelessResets");
	out = quic_snmp("QuicOutStatelessResets");
	l2 = restart_server(sfd, lfd, lfamily, lip);

	CHECK(quic_sendmsg(cfd, "again", 5, 0, 0) == 5);
	n = recv(cfd, buf, sizeof(buf), 0);
	if (n >= 0 || errno != ENETRESET)
		FAIL("recv after the server restarted: %zd (%s), want ENETRESET",
		     n, n < 0 ? strerror(errno) : "data");
	CHECK(quic_snmp("QuicInStatelessResets") - in == 1);
	CHECK(quic_snmp("QuicOutStatelessResets") - out >= 1);
	close(cfd);
	close(l2);
}

TEST(after_server_restart)
{
	reset_after_restart(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
}

/* The same with the server on "::" and an IPv4 client (v4-mapped). */
TEST(after_server_restart_dual_stack)
{
	reset_after_restart(AF_INET6, "::", AF_INET, "127.0.0.1");
}

/*
 * Without the token (the server's default, stateless_reset = 0, and the
 * client still on the server's first ID) the same reset is not
 * recognised: nothing ends the connection until its idle timeout.
 */
TEST(no_token_no_reset)
{
	unsigned long long in, out;
	int cfd, sfd, lfd, l2, i;
	char buf[16];

	own_netns();
	connect_pair(AF_INET, "127.0.0.1", &cfd, &sfd, &lfd);
	CHECK(quic_sendmsg(cfd, "hello", 5, 0, MSG_STREAM_NEW) == 5);
	in = quic_snmp("QuicInStatelessResets");
	out = quic_snmp("QuicOutStatelessResets");
	l2 = restart_server(sfd, lfd, AF_INET, "127.0.0.1");
	CHECK(quic_sendmsg(cfd, "again", 5, 0, 0) == 5);
	for (i = 0; i < 100 && quic_snmp("QuicOutStatelessResets") == out; i++)
		usleep(10 * 1000);
	CHECK(quic_snmp("QuicOutStatelessResets") > out);
	usleep(200 * 1000);
	CHECK(quic_snmp("QuicInStatelessResets") == in);
	CHECK(recv(cfd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
	      errno == EAGAIN);
	close(cfd);
	close(l2);
}

int main(void)
{
	test_name = "setup";
	psk_setup("/tmp/quic-reset-XXXXXX");
	test_name = NULL;
	RUN(after_server_restart);
	RUN(after_server_restart_dual_stack);
	RUN(no_token_no_reset);
	return test_done();
}
