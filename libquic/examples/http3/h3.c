// SPDX-License-Identifier: GPL-2.0
/*
 * The glue between nghttp3 and a kernel QUIC socket: see h3.h.
 */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/tls.h>
#include <netinet/quic.h>

#include "h3.h"

#define H3_MAX_VEC	16

/* Offer and accept one TLS 1.3 cipher suite only: aes128gcm, aes256gcm
 * or chacha20.  Before the handshake.
 */
static int h3_cipher(int fd, const char *name)
{
	struct quic_config config;
	socklen_t len = sizeof(config);
	uint32_t type;

	if (!strcmp(name, "aes128gcm"))
		type = TLS_CIPHER_AES_GCM_128;
	else if (!strcmp(name, "aes256gcm"))
		type = TLS_CIPHER_AES_GCM_256;
	else if (!strcmp(name, "chacha20"))
		type = TLS_CIPHER_CHACHA20_POLY1305;
	else
		return -EINVAL;

	if (getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &config, &len))
		return -errno;
	config.payload_cipher_type = type;
	if (setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &config, len))
		return -errno;
	return 0;
}

/*
 * A QUIC socket for the first address @host @port resolves to (of
 * @family, or any with AF_UNSPEC), with one cipher suite only if @cipher
 * names one: connected for a client; for a server bound, with ALPN h3
 * (accepted sockets take the listener's ALPN and configuration), and
 * listening.  Returns it, or -1 after saying why on stderr.
 */
int h3_socket(const char *host, const char *port, int family, int server,
	      const char *cipher)
{
	struct addrinfo hints = {
		.ai_family = family,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = server ? AI_PASSIVE : 0,
	};
	struct addrinfo *ai;
	int err, fd;

	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", host, gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, IPPROTO_QUIC);
	if (fd < 0) {
		perror("socket");
		goto out;
	}
	err = cipher ? h3_cipher(fd, cipher) : 0;
	if (err) {
		fprintf(stderr, "cipher %s: %s\n", cipher, strerror(-err));
		goto fail;
	}
	if (server) {
		if (setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3", 2) ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
			perror("listen");
			goto fail;
		}
	} else if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("connect");
		goto fail;
	}
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	freeaddrinfo(ai);
	return fd;
}

/* Open the next stream of ours, bidirectional or (@uni) not, without
 * waiting for the peer's MAX_STREAMS.
 */
static int open_stream(int fd, int uni, int64_t *stream_id)
{
	struct quic_stream_info info = {
		.stream_id = -1,
		.stream_flags = MSG_STREAM_DONTWAIT | (uni ? MSG_STREAM_UNI : 0),
	};
	socklen_t len = sizeof(info);

	if (getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_STREAM_OPEN, &info, &len))
		return -errno;
	*stream_id = info.stream_id;
	return 0;
}

/* A request stream: the client's next bidirectional stream. */
int h3_open_stream(struct h3 *h, int64_t *stream_id)
{
	return open_stream(h->fd, 0, stream_id);
}

/* nghttp3 asks for STOP_SENDING or RESET_STREAM on a stream. */
static int stream_error(struct h3 *h, int optname, int64_t stream_id,
			uint64_t app_error_code)
{
	struct quic_errinfo info = {
		.stream_id = stream_id,
		.errcode = (uint32_t)app_error_code,
	};

	setsockopt(h->fd, SOL_QUIC, optname, &info, sizeof(info));
	return 0;
}

static int stop_sending(nghttp3_conn *conn, int64_t stream_id,
			uint64_t app_error_code, void *conn_user_data,
			void *stream_user_data)
{
	return stream_error(conn_user_data, QUIC_SOCKOPT_STREAM_STOP_SENDING,
			    stream_id, app_error_code);
}

static int reset_stream(nghttp3_conn *conn, int64_t stream_id,
			uint64_t app_error_code, void *conn_user_data,
			void *stream_user_data)
{
	return stream_error(conn_user_data, QUIC_SOCKOPT_STREAM_RESET,
			    stream_id, app_error_code);
}

/*
 * Every HTTP/3 endpoint opens three unidirectional streams of its own
 * (RFC 9114 section 6.2): control, QPACK encoder and QPACK decoder.  The
 * peer must allow at least three, so not waiting for more is right.
 * Stream updates are turned on to learn of the peer's RESET_STREAM.
 */
int h3_setup(struct h3 *h, int fd, int server,
	     const nghttp3_callbacks *callbacks, void *user_data)
{
	struct quic_event_option event = {
		.type = QUIC_EVENT_STREAM_UPDATE,
		.on = 1,
	};
	nghttp3_callbacks cb = *callbacks;
	nghttp3_settings settings;
	int64_t ctrl = -1, qenc = -1, qdec = -1;
	int err;

	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->server = server;
	h->user_data = user_data;
	if (setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &event,
		       sizeof(event)))
		return -errno;

	cb.stop_sending = stop_sending;
	cb.reset_stream = reset_stream;
	nghttp3_settings_default(&settings);
	if (server)
		err = nghttp3_conn_server_new(&h->conn, &cb, &settings, NULL,
					      h);
	else
		err = nghttp3_conn_client_new(&h->conn, &cb, &settings, NULL,
					      h);
	if (err)
		return -ENOMEM;

	err = open_stream(fd, 1, &ctrl);
	if (!err)
		err = open_stream(fd, 1, &qenc);
	if (!err)
		err = open_stream(fd, 1, &qdec);
	if (err)
		return err;
	if (nghttp3_conn_bind_control_stream(h->conn, ctrl) ||
	    nghttp3_conn_bind_qpack_streams(h->conn, qenc, qdec))
		return -EINVAL;
	return 0;
}

/*
 * A request stream is done when its response is: for the client when the
 * response's FIN was read, for the server when it was sent.  nghttp3 then
 * frees the stream (and calls stream_close).
 */
static int bidi(int64_t stream_id)
{
	return !(stream_id & 2);
}

/* An nghttp3 error: kept for the caller, which sees -EPROTO. */
static int lib_error(struct h3 *h, nghttp3_ssize rv)
{
	h->lib_error = (int)rv;
	return -EPROTO;
}

/* Write what nghttp3 has to send, until it has nothing or the socket is
 * full.
 */
static int h3_flush(struct h3 *h)
{
	char ctl[CMSG_SPACE(sizeof(struct quic_stream_info))];
	struct quic_stream_info *info;
	nghttp3_vec vec[H3_MAX_VEC];
	struct iovec iov[H3_MAX_VEC];
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	nghttp3_ssize i, n;
	int64_t stream_id;
	ssize_t sent;
	size_t total;
	int fin;

	while (!h->want_write) {
		n = nghttp3_conn_writev_stream(h->conn, &stream_id, &fin, vec,
					       H3_MAX_VEC);
		if (n < 0)
			return lib_error(h, n);
		if (stream_id < 0)
			return 0;

		for (i = 0; i < n; i++) {
			iov[i].iov_base = vec[i].base;
			iov[i].iov_len = vec[i].len;
		}
		total = nghttp3_vec_len(vec, n);
		msg.msg_iovlen = n;
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_QUIC;
		cmsg->cmsg_type = QUIC_STREAM_INFO;
		cmsg->cmsg_len = CMSG_LEN(sizeof(*info));
		info = (struct quic_stream_info *)CMSG_DATA(cmsg);
		info->stream_id = stream_id;
		info->stream_flags = fin ? MSG_STREAM_FIN : 0;

		sent = sendmsg(h->fd, &msg, MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EAGAIN) {
				h->want_write = 1;
				return 0;
			}
			if (errno == EINTR)
				continue;
			/* The peer sent STOP_SENDING: the kernel reset
			 * the stream, and nghttp3 must forget it.
			 */
			if (errno == ECONNRESET) {
				n = nghttp3_conn_close_stream(h->conn,
						stream_id,
						NGHTTP3_H3_REQUEST_CANCELLED);
				if (n)
					return lib_error(h, n);
				continue;
			}
			return -errno;
		}

		/* The socket holds its own copy until the peer acks it. */
		if (nghttp3_conn_add_write_offset(h->conn, stream_id, sent) ||
		    nghttp3_conn_add_ack_offset(h->conn, stream_id, sent))
			return lib_error(h, NGHTTP3_ERR_CALLBACK_FAILURE);
		if ((size_t)sent < total) {
			h->want_write = 1;
			return 0;
		}
		if (fin && h->server && bidi(stream_id)) {
			n = nghttp3_conn_close_stream(h->conn, stream_id,
						      NGHTTP3_H3_NO_ERROR);
			if (n)
				return lib_error(h, n);
		}
	}
	return 0;
}

/*
 * The peer reset a stream it sends on: nghttp3 forgets it (a request
 * fails; a critical stream is a connection error).  A server also stops
 * the response; the kernel has reset the other direction by itself when
 * the peer sent STOP_SENDING.
 */
static int on_event(struct h3 *h, ssize_t len)
{
	struct quic_stream_update update;
	nghttp3_ssize rv;

	if (len < (ssize_t)(1 + sizeof(update)) ||
	    h->buf[0] != QUIC_EVENT_STREAM_UPDATE)
		return 0;
	memcpy(&update, h->buf + 1, sizeof(update));
	if (update.state != QUIC_STREAM_RECV_STATE_RESET_RECVD)
		return 0;
	if (h->server && bidi(update.id))
		reset_stream(h->conn, update.id, NGHTTP3_H3_REQUEST_CANCELLED,
			     h, NULL);
	rv = nghttp3_conn_close_stream(h->conn, update.id, update.errcode);
	if (rv && rv != NGHTTP3_ERR_STREAM_NOT_FOUND)
		return lib_error(h, rv);
	return 0;
}

/*
 * Read what the socket has, at most @max reads, into nghttp3.  Returns 1
 * once the connection is closed, 0 when there is nothing more to read now,
 * or -errno.
 */
static int h3_read(struct h3 *h, int max)
{
	char ctl[CMSG_SPACE(sizeof(struct quic_stream_info))];
	struct iovec iov = { .iov_base = h->buf, .iov_len = sizeof(h->buf) };
	struct quic_stream_info info;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	nghttp3_ssize rv;
	ssize_t n;
	int fin;

	while (max--) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		n = recvmsg(h->fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			/* A stream the peer reset, or the connection's end
			 * with the peer's error: the next read tells which.
			 */
			if (errno == EINTR || errno == ECONNRESET)
				continue;
			return -errno;
		}
		if (msg.msg_flags & MSG_NOTIFICATION) {
			if (on_event(h, n))
				return -EPROTO;
			continue;
		}

		cmsg = CMSG_FIRSTHDR(&msg);
		if (!cmsg || cmsg->cmsg_level != SOL_QUIC ||
		    cmsg->cmsg_type != QUIC_STREAM_INFO) {
			if (!n)
				return 1;	/* closed, nothing left */
			continue;		/* not stream data */
		}
		memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
		fin = !!(info.stream_flags & MSG_STREAM_FIN);

		rv = nghttp3_conn_read_stream(h->conn, info.stream_id, h->buf,
					      n, fin);
		if (rv < 0)
			return lib_error(h, rv);
		if (fin && !h->server && bidi(info.stream_id)) {
			rv = nghttp3_conn_close_stream(h->conn, info.stream_id,
						       NGHTTP3_H3_NO_ERROR);
			if (rv)
				return lib_error(h, rv);
		}
	}
	return 0;
}

/*
 * Move bytes both ways until @done says so, the peer closes the
 * connection (0 either way: @done tells whether that was early), an error
 * (-errno; -EPROTO for an HTTP/3 one, in lib_error), or @idle_secs without
 * anything read or written (-ETIMEDOUT).
 */
int h3_run(struct h3 *h, int (*done)(void *user_data), void *user_data,
	   int idle_secs)
{
	struct pollfd pfd = { .fd = h->fd };
	int err, idle = 0;

	for (;;) {
		err = h3_flush(h);
		if (err)
			return err;
		if (done && done(user_data))
			return 0;

		pfd.events = POLLIN | (h->want_write ? POLLOUT : 0);
		err = poll(&pfd, 1, 1000);
		if (err < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!err) {
			if (++idle >= idle_secs)
				return -ETIMEDOUT;
			continue;
		}
		idle = 0;
		if (pfd.revents & POLLOUT)
			h->want_write = 0;
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
			/* Bounded, so that writes are not starved. */
			err = h3_read(h, 64);
			if (err)
				return err < 0 ? err : 0;
		}
	}
}

/* Close the connection: with H3_NO_ERROR, or the HTTP/3 error code
 * (RFC 9114 section 8.1) that an nghttp3 error calls for.
 */
void h3_close(struct h3 *h)
{
	struct quic_connection_close close_info = {
		.errcode = h->lib_error ?
			   nghttp3_err_infer_quic_app_error_code(h->lib_error) :
			   NGHTTP3_H3_NO_ERROR,
	};

	setsockopt(h->fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE,
		   &close_info, sizeof(close_info));
	nghttp3_conn_del(h->conn);
	h->conn = NULL;
}
