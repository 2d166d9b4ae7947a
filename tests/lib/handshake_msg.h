/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handshake messages through a QUIC socket, for the VM tests that play
 * TLS themselves: sendmsg()/recvmsg() with a QUIC_HANDSHAKE_INFO cmsg.
 * Include after test.h.
 */

#ifndef QUIC_TEST_HANDSHAKE_MSG_H
#define QUIC_TEST_HANDSHAKE_MSG_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/quic.h>

static inline void set_timeout(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
}

/* Handshake bytes at @level; what sendmsg() returns. */
static inline ssize_t send_level(int fd, uint8_t level, const void *data,
				 size_t len)
{
	char ctl[CMSG_SPACE(sizeof(struct quic_handshake_info))] = { 0 };
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct quic_handshake_info info = { .crypto_level = level };

	cmsg->cmsg_level = SOL_QUIC;
	cmsg->cmsg_type = QUIC_HANDSHAKE_INFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
	return sendmsg(fd, &msg, 0);
}

/* Read exactly @len bytes of level @level, in as many reads as it takes. */
static inline void recv_level(int fd, uint8_t level, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		char ctl[CMSG_SPACE(sizeof(struct quic_handshake_info))];
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		struct quic_handshake_info info;
		struct cmsghdr *cmsg;
		ssize_t n = recvmsg(fd, &msg, 0);

		CHECK(n > 0);
		cmsg = CMSG_FIRSTHDR(&msg);
		CHECK(cmsg && cmsg->cmsg_level == SOL_QUIC &&
		      cmsg->cmsg_type == QUIC_HANDSHAKE_INFO);
		memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
		CHECK(info.crypto_level == level);
		got += n;
	}
}

#endif /* QUIC_TEST_HANDSHAKE_MSG_H */
