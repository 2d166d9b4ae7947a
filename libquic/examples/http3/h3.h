/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The glue between nghttp3 and a kernel QUIC socket, shared by the HTTP/3
 * client and server samples.
 *
 * nghttp3 is a library without I/O: it takes the bytes read from each QUIC
 * stream (nghttp3_conn_read_stream) and hands out the bytes to write on
 * each (nghttp3_conn_writev_stream).  The kernel does everything below
 * that: stream framing, flow control, loss recovery.  Two things make the
 * glue small:
 *
 *  - sendmsg() copies the bytes into the socket, which keeps them until
 *    the peer acknowledges them, so what the socket accepted is as good as
 *    acknowledged for nghttp3's buffers;
 *  - the kernel gives flow control credit back as the application reads,
 *    so the "consumed" counts nghttp3 reports need no answer.
 */

#ifndef H3_SAMPLE_H
#define H3_SAMPLE_H

#include <stdint.h>
#include <nghttp3/nghttp3.h>

/*
 * An HTTP/3 connection over one connected, handshaken QUIC socket.  The
 * nghttp3 callbacks get it as their conn_user_data.
 */
struct h3 {
	int fd;
	int server;
	nghttp3_conn *conn;
	int want_write;		/* the socket was full: wait for POLLOUT */
	int lib_error;		/* the nghttp3 error that ended it, or 0 */
	void *user_data;	/* the application's */
	uint8_t buf[65536];	/* one recvmsg() */
};

/* The tokens of an HTTP/3 header field. */
#define H3_NV(n, v, vlen) {						\
	.name = (uint8_t *)(n), .value = (uint8_t *)(v),		\
	.namelen = sizeof(n) - 1, .valuelen = (vlen),			\
	.flags = NGHTTP3_NV_FLAG_NONE,					\
}

int h3_socket(const char *host, const char *port, int family, int server,
	      const char *cipher);
int h3_setup(struct h3 *h, int fd, int server,
	     const nghttp3_callbacks *callbacks, void *user_data);
int h3_open_stream(struct h3 *h, int64_t *stream_id);
int h3_run(struct h3 *h, int (*done)(void *user_data), void *user_data,
	   int idle_secs);
void h3_close(struct h3 *h);

#endif /* H3_SAMPLE_H */
