// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel consumers: the sample module modules/consumer (quic_consumer.ko)
 * as client and server, its handshakes done by the daemon
 * (handshake/quic-handshaked) over the "handshake" netlink family, with
 * libquic programs at the other end.
 *
 * Each test starts its own daemon (killed with the test) with a
 * configuration whose trust store is the test CA, puts the keys the
 * module names into a keyring of its own, and loads the module with
 * finit_module(): the client role does all its work at load and fails
 * the load with the error its consumer saw, so errno is the status
 * (EACCES, ETIMEDOUT, ECANCELED...).  After each test every QUIC socket is
 * gone: quic.ko's reference count comes back.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <keyutils.h>
#include <gnutls/gnutls.h>
#include <netinet/quic.h>

#define TEST_SUITE "consumer"
#define TEST_TIMEOUT 120
#include "../lib/test.h"

#define ALPN		"echo"
#define PSK_ID		"client1"
#define STREAMS		4
#define STREAM_BYTES	(4 << 20)	/* 16 MiB in all, each way */

static char certs[64];
static char module[512];
static int next_port = 5400;

/* ---- The daemon and the keys ---- */

static pid_t daemon_pid;
static char conf[128];
/* More of [authenticate.server] for the next daemon, e.g. client certs. */
static const char *conf_server_extra = "";

static void write_conf(void)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/hsd.conf", certs);
	f = fopen(conf, "w");
	CHECK(f);
	fprintf(f, "# written by tests/vm/consumer.c\n[debug]\nloglevel = 2\n"
		   "[authenticate]\nx509.truststore = %s/ca.pem\n"
		   "[authenticate.server]\n"
		   "x509.certificate = %s/server.pem\n"
		   "x509.private_key = %s/server.key\n%s", certs, certs, certs,
		   conf_server_extra);
	CHECK(fclose(f) == 0);
}

/* The daemon's log, read as it comes (and shown with the test's). */
static void *drain_log(void *arg)
{
	FILE *f = arg;
	char line[512];

	while (fgets(line, sizeof(line), f))
		printf("# hsd: %s", line);
	fclose(f);
	return NULL;
}

/* Started, and in the multicast group: its first log line says so. */
static void start_daemon(void)
{
	char line[512] = "";
	pthread_t t;
	int pfd[2];
	FILE *f;

	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	daemon_pid = fork();
	CHECK(daemon_pid >= 0);
	if (!daemon_pid) {
		/* Never outlive the test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], 2);
		execl(HSD_BIN, "quic-handshaked", "-s", "-c", conf, NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	CHECK(f);
	if (!fgets(line, sizeof(line), f) || !strstr(line, "serving"))
		FAIL("the daemon did not start: %s", line);
	CHECK(pthread_create(&t, NULL, drain_log, f) == 0);
	CHECK(pthread_detach(t) == 0);
}

static void stop_daemon(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = 0;
	}
}

/* A keyring the daemon may link and read, with the PSK or certificate. */
static key_serial_t keyring;

static key_serial_t add_key_to_ring(const char *desc, const void *data,
				    size_t len)
{
	key_serial_t k = add_key("user", desc, data, len, keyring);

	CHECK(k > 0);
	/*
	 * Possessor: all; user: view.  The daemon runs as root as we do, so
	 * it reads the key only by possessing it, through the keyring the
	 * kernel hands it with the request.
	 */
	CHECK(keyctl_setperm(k, 0x3f010000) == 0);
	return k;
}

static void new_keyring(void)
{
	keyring = add_key("keyring", "quic-consumer-test", NULL, 0,
			  KEY_SPEC_SESSION_KEYRING);
	CHECK(keyring > 0);
	CHECK(keyctl_setperm(keyring, 0x3f3f0000) == 0);
}

static key_serial_t psk_key(const char *id, uint8_t first)
{
	uint8_t key[32];
	int i;

	/* psk.txt's first line: 00 01 02 ... 1f. */
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(first + i);
	return add_key_to_ring(id, key, sizeof(key));
}

static key_serial_t file_key(const char *desc, const char *name)
{
	char path[128], buf[8192];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", certs, name);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	CHECK(n > 0);
	close(fd);
	return add_key_to_ring(desc, buf, n);
}

/* ---- The module ---- */

static int quic_refcnt(void)
{
	FILE *f = fopen("/sys/module/quic/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* finit_module(): 0 or -1 with the module's init error in errno. */
static int load(const char *fmt, ...)
{
	char params[512];
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	fd = open(module, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	ret = (int)syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

static void unload(void)
{
	CHECK_OK(syscall(SYS_delete_module, "quic_consumer", O_NONBLOCK));
}

/* quic.ko's count back where it was: every socket freed. */
static void check_no_leak(int before)
{
	int i, now = -1;

	for (i = 0; i < 100; i++) {
		now = quic_refcnt();
		if (now <= before)
			return;
		usleep(50000);
	}
	FAIL("quic.ko reference count %d, was %d: a socket left behind",
	     now, before);
}

/* ---- The libquic end ---- */

struct peer {
	int port;
	bool x509;		/* else PSK */
	const char *host;	/* client: the name to verify */
	int listener;
	int result;		/* 0 or a negative errno */
	pthread_t thread;
};

static int open_listener(struct peer *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(p->port) };
	struct timeval tv = { .tv_sec = 20 };
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, ALPN,
			    strlen(ALPN)));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_OK(listen(fd, 128));
	return fd;
}

/* Echo each stream back until all ended; the connection then closes. */
static int echo(int fd)
{
	static __thread uint8_t buf[65536];
	uint32_t flags;
	int64_t sid;
	ssize_t n;

	for (;;) {
		flags = 0;
		n = quic_recvmsg(fd, buf, sizeof(buf), &sid, &flags);
		if (n < 0)
			return errno == ECONNRESET || errno == ENOTCONN ? 0 :
			       -errno;
		if (flags & MSG_NOTIFICATION)
			continue;
		if (quic_sendmsg(fd, buf, n, sid, flags & MSG_STREAM_FIN) != n)
			return -errno;
	}
}

static void *serve_one(void *arg)
{
	struct peer *p = arg;
	char key[128], crt[128];
	struct timeval tv = { .tv_sec = 20 };
	int fd;

	fd = accept(p->listener, NULL, NULL);
	if (fd < 0) {
		p->result = -errno;
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (p->x509) {
		snprintf(key, sizeof(key), "%s/server.key", certs);
		snprintf(crt, sizeof(crt), "%s/server.pem", certs);
		p->result = quic_server_handshake(fd, key, crt, ALPN);
	} else {
		snprintf(key, sizeof(key), "%s/psk.txt", certs);
		p->result = quic_server_handshake(fd, key, NULL, ALPN);
	}
	if (!p->result)
		p->result = echo(fd);
	close(fd);
	return NULL;
}

static void serve(struct peer *p)
{
	p->listener = open_listener(p);
	CHECK(pthread_create(&p->thread, NULL, serve_one, p) == 0);
}

static void serve_end(struct peer *p)
{
	CHECK(pthread_join(p->thread, NULL) == 0);
	close(p->listener);
}

static uint8_t pattern(int idx, uint64_t off)
{
	return (uint8_t)(idx * 131 + off * 3 + (off >> 10));
}

struct reader {
	int fd;
	uint64_t got[STREAMS];
	int err;
};

/* Reads every stream's echo and checks it byte by byte. */
static void *read_echo(void *arg)
{
	static __thread uint8_t buf[65536];
	struct reader *r = arg;
	int left = STREAMS, i;
	uint32_t flags;
	int64_t sid;
	ssize_t n, k;

	while (left) {
		flags = 0;
		n = quic_recvmsg(r->fd, buf, sizeof(buf), &sid, &flags);
		if (n < 0) {
			r->err = errno;
			return NULL;
		}
		if (flags & MSG_NOTIFICATION)
			continue;
		i = (int)(sid / 4);
		if (sid % 4 || i >= STREAMS) {
			r->err = EPROTO;
			return NULL;
		}
		for (k = 0; k < n; k++, r->got[i]++)
			if (buf[k] != pattern(i, r->got[i])) {
				r->err = EBADMSG;
				return NULL;
			}
		if (flags & MSG_STREAM_FIN)
			left--;
	}
	return NULL;
}

/* A libquic client of the kernel server: STREAMS streams echoed. */
static void client_echo(int port, bool x509)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 30 };
	static uint8_t buf[65536];
	struct reader r = { 0 };
	char psk[128];
	pthread_t t;
	uint64_t off;
	uint32_t flags;
	int i, fd;
	size_t k, n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	CHECK_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	snprintf(psk, sizeof(psk), "%s/psk-client.txt", certs);
	CHECK_OK(quic_client_handshake(fd, x509 ? NULL : psk,
				       x509 ? "localhost" : NULL, ALPN));
	r.fd = fd;
	CHECK(pthread_create(&t, NULL, read_echo, &r) == 0);
	for (i = 0; i < STREAMS; i++) {
		for (off = 0; off < STREAM_BYTES; off += n) {
			n = STREAM_BYTES - off < sizeof(buf) ?
			    STREAM_BYTES - off : sizeof(buf);
			for (k = 0; k < n; k++)
				buf[k] = pattern(i, off + k);
			flags = (off ? 0 : MSG_STREAM_NEW) |
				(off + n == STREAM_BYTES ? MSG_STREAM_FIN : 0);
			CHECK(quic_sendmsg(fd, buf, n, 4 * i, flags) ==
			      (ssize_t)n);
		}
	}
	CHECK(pthread_join(t, NULL) == 0);
	if (r.err)
		FAIL("echo: %s", strerror(r.err));
	for (i = 0; i < STREAMS; i++)
		CHECK(r.got[i] == STREAM_BYTES);
	close(fd);
}

/* The kernel log from now on, to wait for one of the module's lines. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(lseek(fd, 0, SEEK_END) >= 0);
	return fd;
}

/* The record with @what in it, from @what on (static storage). */
static const char *kmsg_wait(int fd, const char *what, int secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char rec[1024];
	time_t end = time(NULL) + secs;
	const char *at;
	ssize_t n;

	while (time(NULL) < end) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n > 0) {
			rec[n] = 0;
			at = strstr(rec, what);
			if (at)
				return at;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EPIPE)
			FAIL("/dev/kmsg: %s", strerror(errno));
		poll(&pfd, 1, 1000);
	}
	FAIL("no \"%s\" in the kernel log within %d s", what, secs);
	return NULL;
}

/*
 * The peer's identity the module logged ("peer key N"): a key in our
 * keyring, "quic-peer:sha256:<fingerprint>", holding the DER of @pem.
 */
static void check_peer_key(const char *line, const char *pem)
{
	gnutls_datum_t in, der = { 0 };
	char path[128], buf[8192], *desc = NULL;
	key_serial_t k = 0;
	void *payload = NULL;
	long len;
	ssize_t n;
	int fd;

	CHECK(sscanf(line, "peer key %d", &k) == 1);
	if (k <= 0)
		FAIL("no peer identity: %s", line);
	CHECK(keyctl_describe_alloc(k, &desc) > 0);
	CHECK(strstr(desc, ";quic-peer:sha256:") != NULL);
	free(desc);
	len = keyctl_read_alloc(k, &payload);
	CHECK(len > 0);
	snprintf(path, sizeof(path), "%s/%s", certs, pem);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	CHECK(n > 0);
	close(fd);
	in.data = (unsigned char *)buf;
	in.size = (unsigned int)n;
	CHECK(gnutls_pem_base64_decode2("CERTIFICATE", &in, &der) == 0);
	if ((long)der.size != len || memcmp(der.data, payload, len))
		FAIL("key %d is not %s (%ld bytes, %u expected)", k, pem, len,
		     der.size);
	gnutls_free(der.data);
	free(payload);
}

/*
 * A GnuTLS client of our own on @fd, with the client certificate when
 * @with_cert: the server's name checked, the socket's ALPN.
 */
static int cert_client_handshake(int fd, bool with_cert)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t session;
	char ca[128], crt[128], key[128];
	int ret;

	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	snprintf(crt, sizeof(crt), "%s/client.pem", certs);
	snprintf(key, sizeof(key), "%s/client.key", certs);
	CHECK(!gnutls_certificate_allocate_credentials(&cred));
	CHECK(gnutls_certificate_set_x509_trust_file(cred, ca,
						     GNUTLS_X509_FMT_PEM) == 1);
	if (with_cert)
		CHECK(!gnutls_certificate_set_x509_key_file(cred, crt, key,
							    GNUTLS_X509_FMT_PEM));
	CHECK(!gnutls_init(&session, GNUTLS_CLIENT |
				     GNUTLS_NO_END_OF_EARLY_DATA));
	CHECK(!gnutls_priority_set_direct(session, QUIC_PRIORITY, NULL));
	CHECK(!gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred));
	gnutls_session_set_verify_cert(session, "localhost", 0);
	gnutls_transport_set_int(session, fd);
	CHECK(!quic_session_set_alpn(session, ALPN, strlen(ALPN)));
	ret = quic_handshake(session);
	gnutls_deinit(session);
	gnutls_certificate_free_credentials(cred);
	return ret;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	return fd;
}

/* ---- Tests ---- */

static int baseline;

static void setup(void)
{
	/* A test that failed may have left the module in. */
	syscall(SYS_delete_module, "quic_consumer", O_NONBLOCK);
	baseline = quic_refcnt();
	CHECK(baseline >= 0);
	new_keyring();
	start_daemon();
}

static void teardown(void)
{
	stop_daemon();
	check_no_leak(baseline);
}

/* A kernel client, PSK, to a libquic server: 16 MiB echoed on 4 streams. */
TEST(kernel_client_psk)
{
	struct peer p = { .port = next_port };

	setup();
	serve(&p);
	CHECK_OK(load("role=client port=%d auth=psk keyring=%d psk=%d "
		      "streams=%d bytes=%d", p.port, keyring,
		      psk_key(PSK_ID, 0), STREAMS, STREAM_BYTES));
	unload();	/* a client stays loaded once done */
	serve_end(&p);
	CHECK(p.result == 0);
	teardown();
}

/* A kernel client, x509, the server's name checked against "localhost". */
TEST(kernel_client_x509)
{
	struct peer p = { .port = next_port + 1, .x509 = true };

	int kmsg;

	setup();
	serve(&p);
	kmsg = kmsg_open();
	CHECK_OK(load("role=client port=%d auth=x509 keyring=%d "
		      "peername=localhost streams=%d bytes=%d", p.port,
		      keyring, STREAMS, STREAM_BYTES));
	/* The server's certificate, as the consumer's peer identity. */
	check_peer_key(kmsg_wait(kmsg, "peer key ", 10), "server.pem");
	close(kmsg);
	unload();
	serve_end(&p);
	CHECK(p.result == 0);
	teardown();
}

/* A libquic client to a kernel server, PSK. */
TEST(kernel_server_psk)
{
	int port = next_port + 2;

	setup();
	CHECK_OK(load("role=server port=%d auth=psk keyring=%d psk=%d", port,
		      keyring, psk_key(PSK_ID, 0)));
	client_echo(port, false);
	unload();
	teardown();
}

/* A libquic client to a kernel server, x509: the certificate and its key
 * from the keyring.
 */
TEST(kernel_server_x509)
{
	int port = next_port + 3;
	key_serial_t crt, key;

	setup();
	crt = file_key("server-cert", "server.pem");
	key = file_key("server-key", "server.key");
	CHECK_OK(load("role=server port=%d auth=x509 keyring=%d cert=%d "
		      "privkey=%d", port, keyring, crt, key));
	client_echo(port, true);
	unload();
	teardown();
}

/*
 * A kernel server, x509, asks for a client certificate (the default,
 * "request"): a client that sends one is verified, and the consumer gets
 * it as the peer's identity.
 */
TEST(kernel_server_client_cert)
{
	int port = next_port + 23, fd, kmsg;
	key_serial_t crt, key;

	setup();
	crt = file_key("server-cert", "server.pem");
	key = file_key("server-key", "server.key");
	CHECK_OK(load("role=server port=%d auth=x509 keyring=%d cert=%d "
		      "privkey=%d", port, keyring, crt, key));
	kmsg = kmsg_open();
	fd = connect_to(port);
	CHECK(cert_client_handshake(fd, true) == 0);
	check_peer_key(kmsg_wait(kmsg, "peer key ", 10), "client.pem");
	close(kmsg);
	close(fd);
	unload();
	teardown();
}

/*
 * x509.client_certificates = require: a client without a certificate is
 * refused, and the kernel server's consumer gets EACCES.
 */
TEST(client_cert_required)
{
	int port = next_port + 24, fd, kmsg;
	key_serial_t crt, key;

	conf_server_extra = "x509.client_certificates = require\n";
	write_conf();
	setup();
	crt = file_key("server-cert", "server.pem");
	key = file_key("server-key", "server.key");
	CHECK_OK(load("role=server port=%d auth=x509 keyring=%d cert=%d "
		      "privkey=%d", port, keyring, crt, key));
	kmsg = kmsg_open();
	fd = connect_to(port);
	/* Its end may look complete (TLS 1.3: the client finishes first). */
	(void)cert_client_handshake(fd, false);
	kmsg_wait(kmsg, "server: handshake failed: -13", 10);
	close(kmsg);
	close(fd);
	/* With one, the same server takes it. */
	fd = connect_to(port);
	CHECK(cert_client_handshake(fd, true) == 0);
	close(fd);
	unload();
	conf_server_extra = "";
	write_conf();
	teardown();
}

/* The server's certificate does not name the peer asked for: EACCES. */
TEST(wrong_server_name)
{
	struct peer p = { .port = next_port + 4, .x509 = true };

	setup();
	serve(&p);
	CHECK_ERRNO(load("role=client port=%d auth=x509 keyring=%d "
			 "peername=other.example streams=1 bytes=1", p.port,
			 keyring), EACCES);
	serve_end(&p);
	CHECK(p.result < 0);
	teardown();
}

/* The right identity with the wrong key: EACCES. */
TEST(wrong_psk)
{
	struct peer p = { .port = next_port + 5 };

	setup();
	serve(&p);
	CHECK_ERRNO(load("role=client port=%d auth=psk keyring=%d psk=%d "
			 "streams=1 bytes=1", p.port, keyring,
			 psk_key(PSK_ID, 0x80)), EACCES);
	serve_end(&p);
	CHECK(p.result < 0);
	teardown();
}

/* An identity the server does not know: EACCES. */
TEST(unknown_psk_identity)
{
	struct peer p = { .port = next_port + 10 };

	setup();
	serve(&p);
	CHECK_ERRNO(load("role=client port=%d auth=psk keyring=%d psk=%d "
			 "streams=1 bytes=1", p.port, keyring,
			 psk_key("stranger", 0)), EACCES);
	serve_end(&p);
	CHECK(p.result < 0);
	teardown();
}

struct loader {
	char params[256];
	int ret, err;
	pthread_t thread;
};

static void *load_thread(void *arg)
{
	struct loader *l = arg;

	l->ret = load("%s", l->params);
	l->err = errno;
	return NULL;
}

/*
 * No daemon runs: the request waits for one, and the consumer gets
 * ETIMEDOUT at its timeout.
 */
TEST(no_daemon)
{
	struct peer p = { .port = next_port + 6 };
	struct timespec t0, t1;
	int before = quic_refcnt();
	double secs;

	new_keyring();
	p.listener = open_listener(&p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_ERRNO(load("role=client port=%d auth=psk keyring=%d psk=%d "
			 "timeout_ms=2000 streams=1 bytes=1", p.port, keyring,
			 psk_key(PSK_ID, 0)), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# ETIMEDOUT after %.3f s (timeout 2 s)\n", secs);
	CHECK(secs >= 1.9 && secs < 10);
	close(p.listener);
	check_no_leak(before);
}

/*
 * The consumer asks before any daemon runs (a mount at boot): the daemon
 * started afterwards takes the request, and the handshake succeeds.
 */
TEST(daemon_started_late)
{
	struct peer p = { .port = next_port + 20 };
	struct loader l;
	int kmsg;

	syscall(SYS_delete_module, "quic_consumer", O_NONBLOCK);
	baseline = quic_refcnt();
	new_keyring();
	serve(&p);
	snprintf(l.params, sizeof(l.params),
		 "role=client port=%d auth=psk keyring=%d psk=%d "
		 "timeout_ms=30000 streams=2 bytes=65536", p.port, keyring,
		 psk_key(PSK_ID, 0));
	kmsg = kmsg_open();
	CHECK(pthread_create(&l.thread, NULL, load_thread, &l) == 0);
	kmsg_wait(kmsg, "quic_consumer: client: asking", 30);
	close(kmsg);
	start_daemon();
	CHECK(pthread_join(l.thread, NULL) == 0);
	if (l.ret)
		FAIL("load: %s", strerror(l.err));
	unload();
	serve_end(&p);
	CHECK(p.result == 0);
	teardown();
}

/*
 * The consumer closes its socket while the daemon is at work on the
 * handshake (the server never answers): cancel, shut down, release.
 * The daemon lets go of the socket, every socket is freed, and the
 * daemon goes on serving.
 */
TEST(socket_closed_during_handshake)
{
	struct peer p = { .port = next_port + 21 };
	int silent;

	setup();
	/* A listener that never accepts: the client's Initial waits there. */
	silent = open_listener(&p);
	CHECK_ERRNO(load("role=client port=%d auth=psk keyring=%d psk=%d "
			 "timeout_ms=20000 abandon_ms=1000 streams=1 bytes=1",
			 p.port, keyring, psk_key(PSK_ID, 0)), ECANCELED);
	/* The listener holds the connection it never accepted: close it. */
	close(silent);
	check_no_leak(baseline);
	CHECK(kill(daemon_pid, 0) == 0);
	/* The daemon serves the next one. */
	p.port = next_port + 22;
	serve(&p);
	CHECK_OK(load("role=client port=%d auth=psk keyring=%d psk=%d "
		      "streams=1 bytes=4096", p.port, keyring,
		      psk_key(PSK_ID, 0)));
	unload();
	serve_end(&p);
	CHECK(p.result == 0);
	teardown();
}

/* A daemon that does not answer (stopped): ETIMEDOUT at the timeout. */
TEST(daemon_stopped)
{
	struct peer p = { .port = next_port + 7 };
	struct timespec t0, t1;
	double secs;

	setup();
	p.listener = open_listener(&p);
	CHECK(kill(daemon_pid, SIGSTOP) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_ERRNO(load("role=client port=%d auth=psk keyring=%d psk=%d "
			 "timeout_ms=2000 streams=1 bytes=1", p.port, keyring,
			 psk_key(PSK_ID, 0)), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# ETIMEDOUT after %.3f s (timeout 2 s)\n", secs);
	CHECK(secs >= 1.9 && secs < 10);
	/* Woken, it finds nothing to accept and goes on serving. */
	CHECK(kill(daemon_pid, SIGCONT) == 0);
	close(p.listener);
	teardown();
}

/*
 * The kernel server unloaded while its handshake waits for a stopped
 * daemon: the request is cancelled, the module goes, nothing is left.
 */
TEST(unload_with_handshake_pending)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int port = next_port + 8, fd;
	char psk[128];
	pid_t pid;

	setup();
	CHECK_OK(load("role=server port=%d auth=psk keyring=%d psk=%d", port,
		      keyring, psk_key(PSK_ID, 0)));
	CHECK(kill(daemon_pid, SIGSTOP) == 0);
	/* A client whose handshake the kernel server cannot answer. */
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	CHECK(fd >= 0);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	snprintf(psk, sizeof(psk), "%s/psk-client.txt", certs);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* It fails when the server's socket goes; it must not hang. */
		alarm(60);
		_exit(quic_client_handshake(fd, psk, NULL, ALPN) ? 0 : 1);
	}
	close(fd);
	/* The server accepted it and asked: the request waits. */
	usleep(500000);
	unload();
	CHECK(kill(daemon_pid, SIGCONT) == 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	teardown();
}

/* Kernel to kernel: the module's client to its own server, PSK. */
TEST(kernel_to_kernel_psk)
{
	setup();
	CHECK_OK(load("role=both port=%d auth=psk keyring=%d psk=%d "
		      "streams=%d bytes=%d", next_port + 11, keyring,
		      psk_key(PSK_ID, 0), STREAMS, STREAM_BYTES));
	unload();
	teardown();
}

/* Kernel to kernel, x509: the server's certificate is the daemon's
 * default; the client checks it names "localhost".
 */
TEST(kernel_to_kernel_x509)
{
	setup();
	CHECK_OK(load("role=both port=%d auth=x509 keyring=%d "
		      "peername=localhost streams=%d bytes=%d", next_port + 12,
		      keyring, STREAMS, STREAM_BYTES));
	unload();
	teardown();
}

/* Whether @path holds @what, looking for up to @secs seconds. */
static bool log_has(const char *path, const char *what, int secs)
{
	char line[512];
	bool found = false;
	FILE *f;
	int i;

	for (i = 0; i < secs * 10 && !found; i++) {
		f = fopen(path, "r");
		if (f) {
			while (!found && fgets(line, sizeof(line), f))
				found = strstr(line, what) != NULL;
			fclose(f);
		}
		if (!found)
			usleep(100000);
	}
	return found;
}

/* ngtcp2's gtlsclient completes a handshake with a kernel server (h3). */
TEST(ngtcp2_client_to_kernel_server)
{
	int port = next_port + 13, fd;
	char log[128], portstr[16];
	pid_t pid;

	setup();
	CHECK_OK(load("role=server port=%d auth=x509 keyring=%d alpn=h3",
		      port, keyring));
	snprintf(log, sizeof(log), "%s/gtlsclient.log", certs);
	snprintf(portstr, sizeof(portstr), "%d", port);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("gtlsclient", "gtlsclient", "--timeout=10s",
		       "--exit-on-all-streams-close", "127.0.0.1", portstr,
		       "https://localhost/", NULL);
		_exit(127);
	}
	if (!log_has(log, "QUIC handshake has completed", 20))
		FAIL("gtlsclient did not complete its handshake (see %s)", log);
	CHECK(log_has(log, "Negotiated ALPN is h3", 1));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unload();
	teardown();
}

/* The daemon's processes, the main one's children. */
static void kill_daemon_children(void)
{
	char path[300], buf[512], *p;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int ppid;
	FILE *f;

	CHECK(dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			/* pid (comm) state ppid ... */
			p = strrchr(buf, ')');
			if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 &&
			    ppid == daemon_pid)
				kill(atoi(d->d_name), SIGKILL);
		}
		fclose(f);
	}
	closedir(dir);
}

/*
 * The daemon killed in the middle of a handshake (its server never
 * answers): the consumer gets ETIMEDOUT at its timeout, nothing is left.
 */
TEST(daemon_killed_mid_handshake)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int port = next_port + 14, udp, err = 0;
	struct timespec t0, t1;
	char buf[2048];
	pid_t pid;

	setup();
	/* A server that takes the Initial and says nothing. */
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(udp >= 0);
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_OK(bind(udp, (struct sockaddr *)&sa, sizeof(sa)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		errno = 0;
		load("role=client port=%d auth=psk keyring=%d psk=%d "
		     "timeout_ms=3000 streams=1 bytes=1", port, keyring,
		     psk_key(PSK_ID, 0));
		_exit(errno);
	}
	/* The daemon's child is in the handshake once the Initial came. */
	CHECK(recv(udp, buf, sizeof(buf), 0) > 0);
	kill_daemon_children();
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = 0;
	CHECK(waitpid(pid, &err, 0) == pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# the consumer's status after %.1f s (timeout 3 s): %s\n",
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       strerror(WEXITSTATUS(err)));
	CHECK(WIFEXITED(err) && WEXITSTATUS(err) == ETIMEDOUT);
	close(udp);
	teardown();
}

/* One of many clients at once: a handshake, 1 KiB echoed. */
struct many {
	int port;
	int err;		/* 0, or what failed (an errno) */
	pthread_t thread;
};

static void *one_of_many(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 60 };
	struct many *m = arg;
	uint8_t out[1024], in[1024];
	char psk[128];
	uint32_t flags = 0;
	size_t got = 0;
	int64_t sid;
	ssize_t n;
	int fd;

	sa.sin_port = htons(m->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(out, m->port & 0xff, sizeof(out));
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		m->err = errno;
		goto out;
	}
	snprintf(psk, sizeof(psk), "%s/psk-client.txt", certs);
	m->err = -quic_client_handshake(fd, psk, NULL, ALPN);
	if (m->err)
		goto out;
	if (quic_sendmsg(fd, out, sizeof(out), 0,
			 MSG_STREAM_NEW | MSG_STREAM_FIN) != sizeof(out)) {
		m->err = errno;
		goto out;
	}
	while (!(flags & MSG_STREAM_FIN)) {
		flags = 0;
		n = quic_recvmsg(fd, in + got, sizeof(in) - got, &sid, &flags);
		if (n < 0) {
			m->err = errno;
			goto out;
		}
		if (!(flags & MSG_NOTIFICATION))
			got += n;
	}
	if (got != sizeof(in) || memcmp(in, out, sizeof(in)))
		m->err = EBADMSG;
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * 100 clients at once to a kernel server: 100 kernel handshakes through
 * the daemon at the same time (more than wait in the kernel at once: the
 * module asks again on EAGAIN), every one established and echoing.
 */
#define MANY	100
TEST(hundred_handshakes)
{
	static struct many m[MANY];
	struct timespec t0, t1;
	int i, failed = 0, port = next_port + 9;

	setup();
	CHECK_OK(load("role=server port=%d auth=psk keyring=%d psk=%d "
		      "timeout_ms=60000", port, keyring, psk_key(PSK_ID, 0)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < MANY; i++) {
		m[i].port = port;
		CHECK(pthread_create(&m[i].thread, NULL, one_of_many, &m[i]) == 0);
	}
	for (i = 0; i < MANY; i++) {
		CHECK(pthread_join(m[i].thread, NULL) == 0);
		if (m[i].err && !failed++)
			printf("# client %d: %s\n", i, strerror(m[i].err));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %d handshakes and echoes in %.1f s, %d failed\n", MANY,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       failed);
	CHECK(failed == 0);
	unload();
	teardown();
}

int main(void)
{
	struct utsname u;
	char cmd[256];

	CHECK(uname(&u) == 0);
	snprintf(module, sizeof(module), "%s/%s/modules/consumer/quic_consumer.ko",
		 BUILD_DIR, u.release);
	snprintf(certs, sizeof(certs), "/tmp/consumer-certs.XXXXXX");
	CHECK(mkdtemp(certs));
	snprintf(cmd, sizeof(cmd), "%s %s", CERTS_SH, certs);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/ca.pem", certs);
	setenv("QUIC_CA_FILE", cmd, 1);
	write_conf();

	RUN(kernel_client_psk);
	RUN(kernel_client_x509);
	RUN(kernel_server_psk);
	RUN(kernel_server_x509);
	RUN(kernel_server_client_cert);
	RUN(client_cert_required);
	RUN(wrong_server_name);
	RUN(wrong_psk);
	RUN(unknown_psk_identity);
	RUN(no_daemon);
	RUN(daemon_started_late);
	RUN(socket_closed_during_handshake);
	RUN(daemon_stopped);
	RUN(unload_with_handshake_pending);
	RUN(kernel_to_kernel_psk);
	RUN(kernel_to_kernel_x509);
	RUN(ngtcp2_client_to_kernel_server);
	RUN(daemon_killed_mid_handshake);
	RUN(hundred_handshakes);
	/* Whatever a failed test left loaded. */
	syscall(SYS_delete_module, "quic_consumer", O_NONBLOCK);
	return test_done();
}
