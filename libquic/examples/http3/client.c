// SPDX-License-Identifier: GPL-2.0
/*
 * h3client: fetch URLs over HTTP/3, on a kernel QUIC socket, with libquic
 * for the handshake and nghttp3 for HTTP/3.
 *
 *   h3client [-4|-6] [-c CIPHER] [-C CAFILE] [-o DIR] [-u] URL...
 *
 * Every URL (https://HOST:PORT/PATH, all with the same HOST:PORT) is
 * requested at once, each on a stream of its own, on one connection; each
 * body goes to DIR/<the last component of PATH> ("index.html" if it has
 * none).  One line per URL says "<status> <path> <bytes>".  The exit status
 * is 0 when every response was a complete 200, 1 otherwise, 2 for a usage
 * error.
 *
 * HOST is a name or an address ([::1] for IPv6); the server's certificate
 * is checked against it, with the system's CAs or CAFILE.  -4 and -6 pick
 * the address family HOST resolves to.  CIPHER is aes128gcm, aes256gcm or
 * chacha20: the one TLS 1.3 cipher suite to offer.  -u asks for a key
 * update (QUIC_SOCKOPT_KEY_UPDATE) after each MiB received, and says at the
 * end how many the socket took.  At the end it also says (on stderr) the
 * server's address it was talking to then: another one than it connected
 * to if the server's preferred address moved it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/quic.h>

#include "h3.h"

#define IDLE_SECS	30
#define UPDATE_EVERY	(1024 * 1024)	/* bytes received, with -u */

struct request {
	char path[1024];
	char file[PATH_MAX];
	FILE *out;
	int64_t stream_id;
	int status;
	unsigned long long bytes;
	int done;		/* the whole response arrived */
	int failed;		/* reset, or a local error */
};

struct client {
	struct h3 h;
	struct request *reqs;
	int nreqs, nended;
	int update_keys;	/* -u */
	unsigned long long since_update;
	int key_updates;	/* taken */
};

static int usage(void)
{
	fprintf(stderr,
		"usage: h3client [-4|-6] [-c CIPHER] [-C CAFILE] [-o DIR] [-u] URL...\n");
	return 2;
}

/* Split https://HOST:PORT/PATH; HOST loses its brackets. */
static int parse_url(const char *url, char *host, size_t hostlen,
		     char *port, size_t portlen, char *path, size_t pathlen)
{
	const char *p = url, *end;
	size_t n;

	if (strncmp(p, "https://", 8))
		return -1;
	p += 8;
	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end)
			return -1;
		n = end - p;
		end++;
	} else {
		end = p + strcspn(p, ":/");
		n = end - p;
	}
	if (!n || n >= hostlen || *end != ':')
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';

	p = end + 1;
	n = strcspn(p, "/");
	if (!n || n >= portlen)
		return -1;
	memcpy(port, p, n);
	port[n] = '\0';

	p += n;
	if (!*p)
		p = "/";
	if (strlen(p) >= pathlen)
		return -1;
	strcpy(path, p);
	return 0;
}

/* ---- nghttp3 callbacks ---- */

static int recv_header(nghttp3_conn *conn, int64_t stream_id, int32_t token,
		       nghttp3_rcbuf *name, nghttp3_rcbuf *value, uint8_t flags,
		       void *conn_user_data, void *stream_user_data)
{
	struct request *req = stream_user_data;
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
	char status[4];

	if (token != NGHTTP3_QPACK_TOKEN__STATUS || v.len != 3)
		return 0;
	memcpy(status, v.base, 3);
	status[3] = '\0';
	req->status = atoi(status);
	return 0;
}

static int recv_data(nghttp3_conn *conn, int64_t stream_id,
		     const uint8_t *data, size_t datalen,
		     void *conn_user_data, void *stream_user_data)
{
	struct h3 *h = conn_user_data;
	struct client *c = h->user_data;
	struct request *req = stream_user_data;

	if (fwrite(data, 1, datalen, req->out) != datalen) {
		fprintf(stderr, "%s: %s\n", req->file, strerror(errno));
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	}
	req->bytes += datalen;

	/* New 1-RTT keys; EAGAIN while the last update is not done. */
	c->since_update += datalen;
	if (c->update_keys && c->since_update >= UPDATE_EVERY) {
		c->since_update = 0;
		if (!setsockopt(h->fd, SOL_QUIC, QUIC_SOCKOPT_KEY_UPDATE,
				NULL, 0))
			c->key_updates++;
	}
	return 0;
}

static int end_stream(nghttp3_conn *conn, int64_t stream_id,
		      void *conn_user_data, void *stream_user_data)
{
	struct request *req = stream_user_data;

	req->done = 1;
	return 0;
}

/* nghttp3 is done with the stream: the response is complete, or not. */
static int stream_close(nghttp3_conn *conn, int64_t stream_id,
			uint64_t app_error_code, void *conn_user_data,
			void *stream_user_data)
{
	struct client *c = ((struct h3 *)conn_user_data)->user_data;
	struct request *req = stream_user_data;

	if (!req)
		return 0;
	if (!req->done) {
		fprintf(stderr, "%s: reset (error 0x%llx)\n", req->path,
			(unsigned long long)app_error_code);
		req->failed = 1;
	}
	c->nended++;
	return 0;
}

static int all_ended(void *user_data)
{
	struct client *c = user_data;

	return c->nended == c->nreqs;
}

static const nghttp3_callbacks callbacks = {
	.recv_header = recv_header,
	.recv_data = recv_data,
	.end_stream = end_stream,
	.stream_close = stream_close,
};

/* ---- the connection ---- */

/* A QUIC connection to @host, handshaken by libquic: the kernel then has
 * the keys.
 */
static int quic_connect(const char *host, const char *port, int family,
			const char *cipher)
{
	int fd = h3_socket(host, port, family, 0, cipher);
	int err;

	if (fd < 0)
		return -1;
	err = quic_client_handshake(fd, NULL, host, "h3");
	if (err) {
		fprintf(stderr, "handshake with %s: %s\n", host,
			strerror(-err));
		close(fd);
		return -1;
	}
	return fd;
}

/* Open the request's file and stream, and send its headers. */
static int submit(struct client *c, struct request *req, const char *host,
		  const char *port, const char *dir)
{
	const char *base = strrchr(req->path, '/') + 1;
	char authority[300];
	int len, err;

	if (!*base)
		base = "index.html";
	len = snprintf(req->file, sizeof(req->file), "%s/%.*s", dir,
		       (int)strcspn(base, "?#"), base);
	if (len < 0 || (size_t)len >= sizeof(req->file))
		return -ENAMETOOLONG;
	req->out = fopen(req->file, "w");
	if (!req->out)
		return -errno;

	snprintf(authority, sizeof(authority), strchr(host, ':') ?
		 "[%s]:%s" : "%s:%s", host, port);
	{
		const nghttp3_nv nva[] = {
			H3_NV(":method", "GET", 3),
			H3_NV(":scheme", "https", 5),
			H3_NV(":authority", authority, strlen(authority)),
			H3_NV(":path", req->path, strlen(req->path)),
			H3_NV("user-agent", "h3client", 8),
		};

		err = h3_open_stream(&c->h, &req->stream_id);
		if (err)
			return err;
		if (nghttp3_conn_submit_request(c->h.conn, req->stream_id, nva,
						sizeof(nva) / sizeof(nva[0]),
						NULL, req))
			return -EPROTO;
	}
	return 0;
}

/* "peer: ADDR PORT", the server's address the connection ends on. */
static void print_peer(int fd)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		fprintf(stderr, "peer: %s %u\n", ip, ntohs(s4->sin_port));
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		fprintf(stderr, "peer: %s %u\n", ip, ntohs(s6->sin6_port));
	}
}

int main(int argc, char **argv)
{
	char host[256], port[16], h[256], p[16];
	const char *dir = ".", *cipher = NULL;
	int family = AF_UNSPEC, opt, fd, i, err, ok = 1;
	struct client c = { 0 };

	while ((opt = getopt(argc, argv, "46c:C:o:u")) != -1) {
		switch (opt) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'c':
			cipher = optarg;
			break;
		case 'C':
			setenv("QUIC_CA_FILE", optarg, 1);
			break;
		case 'o':
			dir = optarg;
			break;
		case 'u':
			c.update_keys = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind == argc)
		return usage();

	c.nreqs = argc - optind;
	c.reqs = calloc(c.nreqs, sizeof(*c.reqs));
	if (!c.reqs)
		return 1;
	for (i = 0; i < c.nreqs; i++) {
		if (parse_url(argv[optind + i], h, sizeof(h), p, sizeof(p),
			      c.reqs[i].path, sizeof(c.reqs[i].path))) {
			fprintf(stderr, "%s: not https://HOST:PORT/PATH\n",
				argv[optind + i]);
			return usage();
		}
		if (!i) {
			strcpy(host, h);
			strcpy(port, p);
		} else if (strcmp(h, host) || strcmp(p, port)) {
			fprintf(stderr, "%s: not on %s:%s\n", argv[optind + i],
				host, port);
			return usage();
		}
	}

	fd = quic_connect(host, port, family, cipher);
	if (fd < 0)
		return 1;
	err = h3_setup(&c.h, fd, 0, &callbacks, &c);
	for (i = 0; !err && i < c.nreqs; i++) {
		err = submit(&c, &c.reqs[i], host, port, dir);
		if (err)
			fprintf(stderr, "%s: %s\n", c.reqs[i].path,
				strerror(-err));
	}
	if (!err)
		err = h3_run(&c.h, all_ended, &c, IDLE_SECS);
	if (err)
		fprintf(stderr, "h3client: %s\n", err == -EPROTO && c.h.lib_error ?
			nghttp3_strerror(c.h.lib_error) : strerror(-err));

	for (i = 0; i < c.nreqs; i++) {
		struct request *req = &c.reqs[i];

		if (req->out && fclose(req->out)) {
			fprintf(stderr, "%s: %s\n", req->file, strerror(errno));
			req->failed = 1;
		}
		printf("%d %s %llu\n", req->status, req->path, req->bytes);
		if (req->status != 200 || !req->done || req->failed)
			ok = 0;
	}
	if (c.update_keys)
		fprintf(stderr, "key updates: %d\n", c.key_updates);
	print_peer(fd);
	if (c.h.conn)
		h3_close(&c.h);
	close(fd);
	free(c.reqs);
	return ok && !err ? 0 : 1;
}
