// SPDX-License-Identifier: GPL-2.0
/*
 * libquic: the socket calls, both the kernel side of the handshake (CRYPTO
 * data, secrets, connection close) and the stream wrappers quic_sendmsg()
 * and quic_recvmsg().
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Control buffers sized for one cmsg, aligned as struct cmsghdr wants. */
union hs_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct quic_handshake_info))];
};

union stream_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct quic_stream_info))];
};

/*
 * The handshake runs on blocking sockets as the draft intends, but a caller
 * may have set O_NONBLOCK: wait for the socket instead of failing.  The
 * kernel's handshake timer still bounds the wait.
 */
static int wait_for(int sd, short events)
{
	struct pollfd pfd = { .fd = sd, .events = events };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int crypto_send_once(int sd, uint8_t level, const void *data,
			    size_t len)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union hs_cmsg ctrl = { 0 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct quic_handshake_info info = { .crypto_level = level };

	cmsg->cmsg_level = SOL_QUIC;
	cmsg->cmsg_type = QUIC_HANDSHAKE_INFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));

	return sendmsg(sd, &msg, 0);
}

/*
 * Hand TLS handshake bytes of one level to the kernel, which sends them in
 * CRYPTO frames.  Returns 0 or a negative errno (quic_errno_from_kernel()).
 */
int quic_crypto_send(int sd, uint8_t level, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = crypto_send_once(sd, level, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int err = wait_for(sd, POLLOUT);

			if (err)
				return quic_errno_from_kernel(-err);
			continue;
		}
		if (n < 0)
			return quic_errno_from_kernel(errno);
		/* CRYPTO data is a byte stream: a short write just goes on. */
		if (!n)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

static int handshake_level(struct msghdr *msg, uint8_t *level)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		struct quic_handshake_info info;

		if (cmsg->cmsg_level != SOL_QUIC ||
		    cmsg->cmsg_type != QUIC_HANDSHAKE_INFO ||
		    cmsg->cmsg_len < CMSG_LEN(sizeof(info)))
			continue;
		memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
		*level = info.crypto_level;
		return 0;
	}
	return -EPROTO;
}

/*
 * Wait for the peer's handshake bytes of one level.  Returns their length,
 * or a negative errno: -ETIMEDOUT when the kernel's handshake timer fired,
 * -ECONNREFUSED when the peer closed the connection.
 */
ssize_t quic_crypto_recv(int sd, uint8_t *level, void *buf, size_t size)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	union hs_cmsg ctrl;
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = sizeof(ctrl.buf);

		n = recvmsg(sd, &msg, 0);
		if (n > 0)
			break;
		if (!n)		/* end of file: the connection is gone */
			return -ECONNREFUSED;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int err = wait_for(sd, POLLIN);

			if (err)
				return quic_errno_from_kernel(-err);
			continue;
		}
		return quic_errno_from_kernel(errno);
	}

	/* Lost bytes or a lost level would corrupt the TLS transcript. */
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EPROTO;
	if (handshake_level(&msg, level))
		return -EPROTO;
	return n;
}

int quic_set_secret(int sd, uint8_t level, bool send, uint32_t type,
		    const void *secret, size_t len)
{
	struct quic_crypto_secret s = {
		.send = send,
		.level = level,
		.type = type,
	};
	int err = 0;

	if (len > sizeof(s.secret))
		return -EINVAL;
	memcpy(s.secret, secret, len);
	if (setsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_CRYPTO_SECRET, &s, sizeof(s)))
		err = quic_errno_from_kernel(errno);
	explicit_bzero(&s, sizeof(s));
	return err;
}

/*
 * Set what close() will send the peer.  The phrase follows the fixed part
 * as a NUL-terminated string; optlen counts it and its NUL.
 */
int quic_set_close(int sd, uint32_t errcode, const char *phrase)
{
	size_t plen = strlen(phrase) + 1;
	struct quic_connection_close *info;
	size_t len = sizeof(*info) + plen;
	int err = 0;

	info = calloc(1, len);
	if (!info)
		return -ENOMEM;
	info->errcode = errcode;
	/* The CRYPTO frame carried what failed. */
	info->frame = 0x06;
	memcpy(info->phrase, phrase, plen);
	if (setsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, info, len))
		err = quic_errno_from_kernel(errno);
	free(info);
	return err;
}

/* The ALPN list set on the socket (maybe empty), without NULs at its end. */
int quic_get_alpn(int sd, char *buf, size_t size)
{
	socklen_t len = size;

	if (getsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_ALPN, buf, &len))
		return quic_errno_from_kernel(errno);
	if (len > size)
		return -EINVAL;
	while (len && !buf[len - 1])
		len--;
	return len;
}

int quic_get_config(int sd, struct quic_config *config)
{
	socklen_t len = sizeof(*config);

	memset(config, 0, sizeof(*config));
	if (getsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, config, &len)) {
		/* The first SOL_QUIC call: other sockets do not know the level. */
		if (errno == EOPNOTSUPP)
			return -EINVAL;
		return quic_errno_from_kernel(errno);
	}
	return 0;
}

/* ---- Stream data: the draft's quic_sendmsg() and quic_recvmsg() ---- */

#define STREAM_FLAGS (MSG_STREAM_NEW | MSG_STREAM_FIN | MSG_STREAM_UNI | \
		      MSG_STREAM_DONTWAIT | MSG_STREAM_SNDBLOCK)

/*
 * What quic_recvmsg() returns in *flags.  None of them is a recvmsg()
 * input, and a caller that reuses its flags variable (as the draft's
 * examples do) hands them back: they are dropped.
 */
#define RECV_OUT_FLAGS (MSG_EOR | MSG_NOTIFICATION | MSG_DATAGRAM | \
			MSG_TRUNC | STREAM_FLAGS)

/*
 * Of those, the ones that mean nothing on send either.  The others do:
 * MSG_DATAGRAM and the stream flags are send flags, and MSG_NOTIFICATION
 * is the bit of MSG_MORE, which the draft lists as a send flag, so
 * libquic cannot tell one from the other and passes it on as MSG_MORE.
 */
#define SEND_IGNORED_FLAGS (MSG_EOR | MSG_TRUNC)

/*
 * The stream flags travel in the QUIC_STREAM_INFO cmsg; any other flag
 * (MSG_DONTWAIT, MSG_NOSIGNAL, MSG_MORE...) is for sendmsg() itself.
 * A datagram (MSG_DATAGRAM) belongs to no stream, so it goes without the
 * cmsg, as the draft says, and without stream flags.
 */
QUIC_API ssize_t quic_sendmsg(int sd, const void *msg, size_t len,
			      int64_t sid, uint32_t flags)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct quic_stream_info info = {
		.stream_id = sid,
		.stream_flags = flags & STREAM_FLAGS,
	};
	union stream_cmsg ctrl = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	flags &= ~SEND_IGNORED_FLAGS;
	if (flags & MSG_DATAGRAM)
		return sendmsg(sd, &mh, flags & ~STREAM_FLAGS);

	mh.msg_control = ctrl.buf;
	mh.msg_controllen = sizeof(ctrl.buf);
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_QUIC;
	cmsg->cmsg_type = QUIC_STREAM_INFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(cmsg), &info, sizeof(info));

	return sendmsg(sd, &mh, flags & ~STREAM_FLAGS);
}

static bool stream_info(struct msghdr *mh, struct quic_stream_info *info)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level == SOL_QUIC &&
		    cmsg->cmsg_type == QUIC_STREAM_INFO &&
		    cmsg->cmsg_len >= CMSG_LEN(sizeof(*info))) {
			memcpy(info, CMSG_DATA(cmsg), sizeof(*info));
			return true;
		}
	}
	return false;
}

/*
 * *flags in: recvmsg() flags (MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL...);
 * the RECV_OUT_FLAGS an earlier call returned are dropped, any other flag
 * goes to recvmsg() (and the kernel refuses what it does not know).
 * Out: the message's stream flags (MSG_STREAM_FIN...) and msg_flags bits
 * (MSG_EOR, MSG_NOTIFICATION, MSG_DATAGRAM, MSG_TRUNC).  *sid is the stream
 * ID, or -1 for a message of no stream (an event or a datagram).
 */
QUIC_API ssize_t quic_recvmsg(int sd, void *msg, size_t len, int64_t *sid,
			      uint32_t *flags)
{
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct quic_stream_info info;
	union stream_cmsg ctrl;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	uint32_t out;
	ssize_t n;

	n = recvmsg(sd, &mh, flags ? *flags & ~RECV_OUT_FLAGS : 0);
	if (n < 0)
		return -1;

	out = mh.msg_flags & (MSG_EOR | MSG_NOTIFICATION | MSG_DATAGRAM |
			      MSG_TRUNC);
	if (stream_info(&mh, &info)) {
		out |= info.stream_flags;
		if (sid)
			*sid = info.stream_id;
	} else if (sid) {
		*sid = -1;
	}
	if (flags)
		*flags = out;
	return n;
}
