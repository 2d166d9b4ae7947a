// SPDX-License-Identifier: GPL-2.0
/*
 * Socket creation, bind(), getsockname() and the module's lifetime.
 * Runs inside the test VM with quic.ko loaded.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/quic.h>

#define TEST_SUITE "socket"
#include "../lib/test.h"

static int quic_socket(int family, int type)
{
	int fd = socket(family, type, IPPROTO_QUIC);

	CHECK(fd >= 0);
	return fd;
}

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons(port);
	CHECK(inet_pton(AF_INET, ip, &a.sin_addr) == 1);
	return a;
}

static struct sockaddr_in6 v6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };

	a.sin6_port = htons(port);
	CHECK(inet_pton(AF_INET6, ip, &a.sin6_addr) == 1);
	return a;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	CHECK_OK(getsockname(fd, (struct sockaddr *)&ss, &len));
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

TEST(create_four_kinds)
{
	int families[] = { AF_INET, AF_INET6 };
	int types[] = { SOCK_STREAM, SOCK_DGRAM };
	int i, j, fd, val;
	socklen_t len;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			fd = quic_socket(families[i], types[j]);
			len = sizeof(val);
			CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val,
					    &len));
			CHECK(val == IPPROTO_QUIC);
			CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &val,
					    &len));
			CHECK(val == types[j]);
			CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val,
					    &len));
			CHECK(val == families[i]);
			CHECK_OK(close(fd));
		}
	}
}

TEST(create_refused)
{
	CHECK_ERRNO(socket(AF_INET, SOCK_SEQPACKET, IPPROTO_QUIC),
		    ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_QUIC),
		    ESOCKTNOSUPPORT);
	CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, IPPROTO_QUIC),
		    EPROTONOSUPPORT);
}

TEST(create_cloexec_nonblock)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_QUIC);

	CHECK(fd >= 0);
	CHECK(close(fd) == 0);
}

TEST(bind_v4_ephemeral)
{
	struct sockaddr_in a = v4("127.0.0.1", 0), got;
	socklen_t len = sizeof(got);
	int fd = quic_socket(AF_INET, SOCK_DGRAM);

	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(getsockname(fd, (struct sockaddr *)&got, &len));
	CHECK(len == sizeof(got));
	CHECK(got.sin_family == AF_INET);
	CHECK(got.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(ntohs(got.sin_port) != 0);
}

TEST(bind_v4_fixed_port)
{
	struct sockaddr_in a = v4("127.0.0.1", 44330);
	int fd = quic_socket(AF_INET, SOCK_STREAM);

	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK(local_port(fd) == 44330);
}

TEST(bind_v4_any)
{
	struct sockaddr_in a = v4("0.0.0.0", 0), got;
	socklen_t len = sizeof(got);
	int fd = quic_socket(AF_INET, SOCK_DGRAM);

	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(getsockname(fd, (struct sockaddr *)&got, &len));
	CHECK(got.sin_addr.s_addr == htonl(INADDR_ANY));
	CHECK(got.sin_port != 0);
}

TEST(bind_v6_ephemeral)
{
	struct sockaddr_in6 a = v6("::1", 0), got;
	socklen_t len = sizeof(got);
	int fd = quic_socket(AF_INET6, SOCK_DGRAM);

	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(getsockname(fd, (struct sockaddr *)&got, &len));
	CHECK(len == sizeof(got));
	CHECK(got.sin6_family == AF_INET6);
	CHECK(IN6_IS_ADDR_LOOPBACK(&got.sin6_addr));
	CHECK(ntohs(got.sin6_port) != 0);
}

TEST(bind_v6_any_and_mapped)
{
	struct sockaddr_in6 any = v6("::", 44331);
	struct sockaddr_in6 mapped = v6("::ffff:127.0.0.1", 0);
	int fd = quic_socket(AF_INET6, SOCK_STREAM);
	int fd2 = quic_socket(AF_INET6, SOCK_STREAM);
	int fd3 = quic_socket(AF_INET, SOCK_STREAM);
	struct sockaddr_in a4 = v4("127.0.0.1", 44331);
	int on = 1;

	CHECK_OK(bind(fd, (struct sockaddr *)&any, sizeof(any)));
	CHECK(local_port(fd) == 44331);
	/* A dual-stack wildcard holds the IPv4 port too, as UDP does. */
	CHECK_ERRNO(bind(fd3, (struct sockaddr *)&a4, sizeof(a4)), EADDRINUSE);

	CHECK_OK(bind(fd2, (struct sockaddr *)&mapped, sizeof(mapped)));
	CHECK(local_port(fd2) != 0);

	/* V6ONLY refuses mapped addresses. */
	close(fd2);
	fd2 = quic_socket(AF_INET6, SOCK_DGRAM);
	CHECK_OK(setsockopt(fd2, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
	CHECK_ERRNO(bind(fd2, (struct sockaddr *)&mapped, sizeof(mapped)),
		    EINVAL);
}

TEST(bind_twice)
{
	struct sockaddr_in a = v4("127.0.0.1", 0);
	int fd = quic_socket(AF_INET, SOCK_DGRAM);

	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EINVAL);
}

TEST(bind_bad_address)
{
	struct sockaddr_in a = v4("127.0.0.1", 0);
	struct sockaddr_in6 b = v6("::1", 0);
	struct sockaddr_in far = v4("192.0.2.1", 0);
	int fd = quic_socket(AF_INET, SOCK_DGRAM);
	int fd6 = quic_socket(AF_INET6, SOCK_DGRAM);

	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a) - 1), EINVAL);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&b, sizeof(b)), EAFNOSUPPORT);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&far, sizeof(far)),
		    EADDRNOTAVAIL);
	CHECK_ERRNO(bind(fd, (struct sockaddr *)1, sizeof(a)), EFAULT);
	CHECK_ERRNO(bind(fd6, (struct sockaddr *)&b, 20), EINVAL);
	CHECK_ERRNO(bind(fd6, (struct sockaddr *)&a, sizeof(b)), EAFNOSUPPORT);
	/* Still unbound after the failures. */
	CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
}

TEST(bind_in_use)
{
	struct sockaddr_in a = v4("127.0.0.1", 44332);
	int fd1 = quic_socket(AF_INET, SOCK_DGRAM);
	int fd2 = quic_socket(AF_INET, SOCK_DGRAM);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in b = v4("127.0.0.1", 0);
	socklen_t len = sizeof(b);

	CHECK_OK(bind(fd1, (struct sockaddr *)&a, sizeof(a)));
	CHECK_ERRNO(bind(fd2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);

	/* The port is a real UDP port: plain UDP sees it taken, and the
	 * other way round.
	 */
	CHECK_ERRNO(bind(udp, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	CHECK_OK(bind(udp, (struct sockaddr *)&b, sizeof(b)));
	CHECK_OK(getsockname(udp, (struct sockaddr *)&b, &len));
	CHECK_ERRNO(bind(fd2, (struct sockaddr *)&b, sizeof(b)), EADDRINUSE);
}

TEST(bind_reuse_shares)
{
	struct sockaddr_in a = v4("127.0.0.1", 44333);
	int fd1 = quic_socket(AF_INET, SOCK_DGRAM);
	int fd2 = quic_socket(AF_INET, SOCK_DGRAM);
	int fd3 = quic_socket(AF_INET, SOCK_DGRAM);
	int on = 1;

	CHECK_OK(setsockopt(fd1, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	CHECK_OK(setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
	CHECK_OK(bind(fd1, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(bind(fd2, (struct sockaddr *)&a, sizeof(a)));
	/* Without the option, the third is refused. */
	CHECK_ERRNO(bind(fd3, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	/* The port stays while one user is left. */
	CHECK_OK(close(fd1));
	CHECK_ERRNO(bind(fd3, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	CHECK_OK(close(fd2));
	CHECK_OK(bind(fd3, (struct sockaddr *)&a, sizeof(a)));
}

TEST(bind_reuseport_shares)
{
	struct sockaddr_in6 a = v6("::1", 44334);
	int fd1 = quic_socket(AF_INET6, SOCK_DGRAM);
	int fd2 = quic_socket(AF_INET6, SOCK_STREAM);
	int on = 1;

	CHECK_OK(setsockopt(fd1, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)));
	CHECK_OK(setsockopt(fd2, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)));
	CHECK_OK(bind(fd1, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(bind(fd2, (struct sockaddr *)&a, sizeof(a)));
	CHECK(local_port(fd2) == 44334);
}

TEST(rebind_after_close)
{
	struct sockaddr_in a = v4("127.0.0.1", 44335);
	int i, fd;

	for (i = 0; i < 50; i++) {
		fd = quic_socket(AF_INET, SOCK_DGRAM);
		CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
		CHECK_OK(close(fd));
	}
}

TEST(bind_privileged_port)
{
	struct sockaddr_in a = v4("127.0.0.1", 443);
	int fd = quic_socket(AF_INET, SOCK_DGRAM);

	/* Drop root: binding below 1024 needs CAP_NET_BIND_SERVICE. */
	CHECK_OK(setresuid(65534, 65534, 65534));
	CHECK_ERRNO(bind(fd, (struct sockaddr *)&a, sizeof(a)), EACCES);
}

TEST(many_ephemeral_ports)
{
	struct sockaddr_in a = v4("127.0.0.1", 0);
	uint16_t ports[200];
	int i, j, fd;

	for (i = 0; i < 200; i++) {
		fd = quic_socket(AF_INET, SOCK_DGRAM);
		CHECK_OK(bind(fd, (struct sockaddr *)&a, sizeof(a)));
		ports[i] = local_port(fd);
		for (j = 0; j < i; j++)
			CHECK(ports[j] != ports[i]);
	}
}

TEST(getpeername_unconnected)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = quic_socket(AF_INET6, SOCK_STREAM);

	CHECK_ERRNO(getpeername(fd, (struct sockaddr *)&ss, &len), ENOTCONN);
}

TEST(netns_private_ports)
{
	struct sockaddr_in a = v4("127.0.0.1", 44336);
	int fd1 = quic_socket(AF_INET, SOCK_DGRAM), fd2;

	CHECK_OK(bind(fd1, (struct sockaddr *)&a, sizeof(a)));
	CHECK_OK(unshare(CLONE_NEWNET));
	CHECK(system("ip link set lo up") == 0);
	/* Same port, other namespace: free. */
	fd2 = quic_socket(AF_INET, SOCK_DGRAM);
	CHECK_OK(bind(fd2, (struct sockaddr *)&a, sizeof(a)));
	CHECK(local_port(fd2) == 44336);
}

static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/quic/refcnt", "r");
	int n = -1;

	CHECK(f);
	CHECK(fscanf(f, "%d", &n) == 1);
	fclose(f);
	return n;
}

/* Sockets are freed after an RCU grace period: wait for the count to settle. */
static int settled_refcnt(void)
{
	int i, n = module_refcnt(), m;

	for (i = 0; i < 100; i++) {
		usleep(50000);
		m = module_refcnt();
		if (m == n)
			return n;
		n = m;
	}
	return n;
}

TEST(unload_refused_while_open)
{
	int before = settled_refcnt();
	int fd = quic_socket(AF_INET, SOCK_DGRAM);

	CHECK(module_refcnt() > before);
	CHECK(system("rmmod quic 2>/dev/null") != 0);
	CHECK(access("/sys/module/quic", F_OK) == 0);
	CHECK_OK(close(fd));
	CHECK(settled_refcnt() == before);
}

int main(void)
{
	RUN(create_four_kinds);
	RUN(create_refused);
	RUN(create_cloexec_nonblock);
	RUN(bind_v4_ephemeral);
	RUN(bind_v4_fixed_port);
	RUN(bind_v4_any);
	RUN(bind_v6_ephemeral);
	RUN(bind_v6_any_and_mapped);
	RUN(bind_twice);
	RUN(bind_bad_address);
	RUN(bind_in_use);
	RUN(bind_reuse_shares);
	RUN(bind_reuseport_shares);
	RUN(rebind_after_close);
	RUN(bind_privileged_port);
	RUN(many_ephemeral_ports);
	RUN(getpeername_unconnected);
	RUN(netns_private_ports);
	RUN(unload_refused_while_open);
	return test_done();
}
