// SPDX-License-Identifier: GPL-2.0
/*
 * h3server: serve the files of a directory over HTTP/3, on kernel QUIC
 * sockets, with libquic for the handshake and nghttp3 for HTTP/3.
 *
 *   h3server [-c CIPHER] [-d DIR] [-p PREF:PORT] ADDR PORT KEY CERT
 *
 * It listens on ADDR PORT (an IPv4 or IPv6 address, or a name) with ALPN
 * "h3" and the certificate CERT with its private key KEY (PEM), and runs
 * each connection in a child process of its own until it is killed.
 * "GET /PATH" answers with the file DIR/PATH (DIR defaults to the current
 * directory; DIR/PATH/index.html for a PATH ending in "/"), 404 if there is
 * no such regular file, 400 for a PATH with "..", "%" or no leading "/",
 * and 405 for other methods.  One line per request goes to stdout.  CIPHER
 * is aes128gcm, aes256gcm or chacha20: the one TLS 1.3 cipher suite to
 * accept.  With -p, the listener offers PREF:PORT (an IPv4 address, or
 * an IPv6 one in brackets) as its preferred address (RFC 9000 9.6), set
 * with QUIC_SOCKOPT_CONNECTION_MIGRATION: clients may move there after
 * the handshake.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <netinet/quic.h>

#include "h3.h"

#define IDLE_SECS	60

struct request {
	char path[1024];
	int get;		/* the method is GET */
	int bad;		/* the request broke a rule of ours */
	uint8_t *body;		/* the file, mapped */
	size_t size;
	int body_given;		/* handed to nghttp3 */
};

static const char *root = ".";

static int usage(void)
{
	fprintf(stderr,
		"usage: h3server [-r] [-c CIPHER] [-d DIR] [-p PREF:PORT] ADDR PORT KEY CERT\n"
		"  -r  validate client addresses with a Retry\n");
	return 2;
}

/* ---- the response ---- */

/* The file a path names, mapped; an HTTP status code. */
static int open_file(struct request *req)
{
	char file[PATH_MAX];
	struct stat st;
	int fd, len;

	if (req->path[0] != '/' || strstr(req->path, "..") ||
	    strchr(req->path, '%'))
		return 400;
	req->path[strcspn(req->path, "?#")] = '\0';
	len = snprintf(file, sizeof(file), "%s%s%s", root, req->path,
		       req->path[strlen(req->path) - 1] == '/' ?
		       "index.html" : "");
	if (len < 0 || (size_t)len >= sizeof(file))
		return 404;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 404;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return 404;
	}
	req->size = st.st_size;
	if (req->size) {
		req->body = mmap(NULL, req->size, PROT_READ, MAP_PRIVATE, fd,
				 0);
		if (req->body == MAP_FAILED) {
			req->body = NULL;
			close(fd);
			return 500;
		}
	}
	close(fd);
	return 200;
}

/* The body, all at once: nghttp3 frames it, the socket copies it. */
static nghttp3_ssize read_body(nghttp3_conn *conn, int64_t stream_id,
			       nghttp3_vec *vec, size_t veccnt,
			       uint32_t *pflags, void *conn_user_data,
			       void *stream_user_data)
{
	struct request *req = stream_user_data;

	*pflags = NGHTTP3_DATA_FLAG_EOF;
	if (req->body_given || !req->size)
		return 0;
	req->body_given = 1;
	vec[0].base = req->body;
	vec[0].len = req->size;
	return 1;
}

static int respond(nghttp3_conn *conn, int64_t stream_id,
		   struct request *req)
{
	const nghttp3_data_reader reader = { .read_data = read_body };
	char status[4], length[24];
	int code;

	if (req->bad || !req->path[0])
		code = 400;
	else if (!req->get)
		code = 405;
	else
		code = open_file(req);
	snprintf(status, sizeof(status), "%d", code);
	snprintf(length, sizeof(length), "%zu", req->size);
	printf("%s %s %s\n", req->get ? "GET" : "-", req->path, status);
	fflush(stdout);
	{
		const nghttp3_nv nva[] = {
			H3_NV(":status", status, 3),
			H3_NV("server", "h3server", 8),
			H3_NV("content-length", length, strlen(length)),
		};

		if (nghttp3_conn_submit_response(conn, stream_id, nva,
						 sizeof(nva) / sizeof(nva[0]),
						 code == 200 ? &reader : NULL))
			return NGHTTP3_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

/* ---- nghttp3 callbacks ---- */

static int begin_headers(nghttp3_conn *conn, int64_t stream_id,
			 void *conn_user_data, void *stream_user_data)
{
	struct request *req = calloc(1, sizeof(*req));

	if (!req)
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	if (nghttp3_conn_set_stream_user_data(conn, stream_id, req)) {
		free(req);
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int recv_header(nghttp3_conn *conn, int64_t stream_id, int32_t token,
		       nghttp3_rcbuf *name, nghttp3_rcbuf *value, uint8_t flags,
		       void *conn_user_data, void *stream_user_data)
{
	struct request *req = stream_user_data;
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);

	switch (token) {
	case NGHTTP3_QPACK_TOKEN__PATH:
		if (v.len >= sizeof(req->path)) {
			req->bad = 1;
			break;
		}
		memcpy(req->path, v.base, v.len);
		req->path[v.len] = '\0';
		break;
	case NGHTTP3_QPACK_TOKEN__METHOD:
		req->get = v.len == 3 && !memcmp(v.base, "GET", 3);
		break;
	}
	return 0;
}

/* The request is complete (a GET has no body): answer it. */
static int end_stream(nghttp3_conn *conn, int64_t stream_id,
		      void *conn_user_data, void *stream_user_data)
{
	return respond(conn, stream_id, stream_user_data);
}

static int stream_close(nghttp3_conn *conn, int64_t stream_id,
			uint64_t app_error_code, void *conn_user_data,
			void *stream_user_data)
{
	struct request *req = stream_user_data;

	if (!req)
		return 0;
	if (req->body)
		munmap(req->body, req->size);
	free(req);
	return 0;
}

static const nghttp3_callbacks callbacks = {
	.begin_headers = begin_headers,
	.recv_header = recv_header,
	.end_stream = end_stream,
	.stream_close = stream_close,
};

/* ---- connections ---- */

/* One connection, in its own process: the handshake, then HTTP/3 until
 * the client closes or goes quiet.
 */
static int serve(int fd, const char *key, const char *cert)
{
	struct h3 h;
	int err;

	err = quic_server_handshake(fd, key, cert, "h3");
	if (err) {
		fprintf(stderr, "handshake: %s\n", strerror(-err));
		return 1;
	}
	err = h3_setup(&h, fd, 1, &callbacks, NULL);
	if (!err)
		err = h3_run(&h, NULL, NULL, IDLE_SECS);
	if (err)
		fprintf(stderr, "connection: %s\n",
			err == -EPROTO && h.lib_error ?
			nghttp3_strerror(h.lib_error) : strerror(-err));
	if (h.conn)
		h3_close(&h);
	return err ? 1 : 0;
}

/*
 * The listener's preferred address, "a.b.c.d:port" or "[v6]:port"; an
 * IPv4 one is v4-mapped for an IPv6 listener.  0, or -1 with a message.
 */
static int set_preferred(int listener, const char *spec)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	char host[INET6_ADDRSTRLEN + 2], *colon;
	socklen_t len = sizeof(ss);
	int family, port;

	if (getsockname(listener, (struct sockaddr *)&ss, &len) < 0) {
		perror("getsockname");
		return -1;
	}
	family = ss.ss_family;
	snprintf(host, sizeof(host), "%s", spec);
	colon = strrchr(host, ':');
	port = colon ? atoi(colon + 1) : 0;
	if (!colon || port <= 0 || port > 65535)
		goto bad;
	*colon = '\0';
	memset(&ss, 0, sizeof(ss));
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		if (family != AF_INET6 ||
		    inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
	} else if (family == AF_INET) {
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
	} else {
		if (inet_pton(AF_INET, host, &s6->sin6_addr.s6_addr[12]) != 1)
			goto bad;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
	}
	ss.ss_family = family;
	if (family == AF_INET)
		s4->sin_port = htons(port);
	else
		s6->sin6_port = htons(port);
	len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	if (setsockopt(listener, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_MIGRATION,
		       &ss, len) < 0) {
		perror("preferred address");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "h3server: bad preferred address %s\n", spec);
	return -1;
}

int main(int argc, char **argv)
{
	const char *cipher = NULL, *pref = NULL;
	int opt, listener, fd, retry = 0;

	while ((opt = getopt(argc, argv, "c:d:p:r")) != -1) {
		switch (opt) {
		case 'r':
			retry = 1;
			break;
		case 'c':
			cipher = optarg;
			break;
		case 'd':
			root = optarg;
			break;
		case 'p':
			pref = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 4)
		return usage();

	listener = h3_socket(argv[optind], argv[optind + 1], AF_UNSPEC, 1,
			     cipher);
	if (listener < 0)
		return 1;
	if (pref && set_preferred(listener, pref))
		return 1;
	if (retry) {
		struct quic_config cfg = { .validate_peer_address = 1 };

		/* Fields left 0 keep their values. */
		if (setsockopt(listener, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &cfg,
			       sizeof(cfg)) < 0) {
			perror("QUIC_SOCKOPT_CONFIG");
			return 1;
		}
	}
	/* Children are not waited for. */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		fd = accept(listener, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == ETIMEDOUT)
				continue;
			perror("accept");
			return 1;
		}
		switch (fork()) {
		case -1:
			perror("fork");
			break;
		case 0:
			close(listener);
			_exit(serve(fd, argv[optind + 2], argv[optind + 3]));
		}
		close(fd);
	}
}
