// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: a sample kernel consumer, to copy from.
 *
 * A kernel client or server on QUIC sockets, with the TLS handshake done
 * by the handshake daemon (handshake/quic-handshaked) through
 * quic_client_handshake_psk() and its siblings of <net/quic.h>.
 *
 *   role=client  at load: connect to addr:port, the handshake, then
 *                @streams streams opened with sendmsg(), @bytes on each
 *                (a known pattern) with FIN, while a reader thread reads
 *                the echo of every stream and compares its SHA-256 and
 *                length with what was sent.  Loading fails with the
 *                error when anything fails (EACCES: the peer was
 *                rejected; ETIMEDOUT: no daemon answered; ...), so that
 *                "insmod" says it.
 *   role=both    the server, then the client to it: kernel to kernel.
 *   role=server  at load: listen on addr:port; a thread accepts, and each
 *                connection gets a thread that asks for the handshake and
 *                then echoes every stream back on the same stream, FIN
 *                for FIN.  Unloading stops them all: the listener and the
 *                connections are shut down, a handshake under way is
 *                cancelled.
 *
 *   insmod quic_consumer.ko role=client addr=127.0.0.1 port=4433 \
 *	auth=psk keyring=<serial> psk=<serial>
 *   insmod quic_consumer.ko role=server addr=:: port=4433 \
 *	auth=x509 keyring=<serial> cert=<serial> privkey=<serial>
 *
 * Every result is a kernel log line starting "quic_consumer: ".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/quic.h>
#include <net/sock.h>

static char *role = "client";
module_param(role, charp, 0444);
MODULE_PARM_DESC(role, "client, server, or both (a client of our own server)");
static char *addr = "127.0.0.1";
module_param(addr, charp, 0444);
MODULE_PARM_DESC(addr, "server address (client), address to listen on (server)");
static int port = 4433;
module_param(port, int, 0444);
MODULE_PARM_DESC(port, "UDP port");
static char *alpn = "echo";
module_param(alpn, charp, 0444);
MODULE_PARM_DESC(alpn, "ALPN list, comma-separated");
static char *auth = "psk";
module_param(auth, charp, 0444);
MODULE_PARM_DESC(auth, "psk or x509");
static int keyring;
module_param(keyring, int, 0444);
MODULE_PARM_DESC(keyring, "serial of the keyring the daemon reads the keys from");
static int psk;
module_param(psk, int, 0444);
MODULE_PARM_DESC(psk, "PSK: key serial (its description is the identity)");
static int cert;
module_param(cert, int, 0444);
MODULE_PARM_DESC(cert, "x509: our certificate's key serial (0: the daemon's default)");
static int privkey;
module_param(privkey, int, 0444);
MODULE_PARM_DESC(privkey, "x509: our private key's key serial");
static char *peername;
module_param(peername, charp, 0444);
MODULE_PARM_DESC(peername, "client, x509: the name the server's certificate must carry");
static int streams = 4;
module_param(streams, int, 0444);
MODULE_PARM_DESC(streams, "client: streams to echo on (1 to 64)");
static int bytes = 1 << 20;
module_param(bytes, int, 0444);
MODULE_PARM_DESC(bytes, "client: bytes per stream");
static int timeout_ms = 10000;
module_param(timeout_ms, int, 0444);
MODULE_PARM_DESC(timeout_ms, "the handshake's timeout, and each send's and read's");

static int abandon_ms;
module_param(abandon_ms, int, 0444);
MODULE_PARM_DESC(abandon_ms, "client: give the handshake up after this long, closing the socket (0: never)");

#define QC_MAX_STREAMS	64
#define QC_CHUNK	16384

/* ---- What client and server share ---- */

struct qc_hs {
	struct completion done;
	int status;
	key_serial_t peerid;
};

static void qc_hs_done(void *data, int status, key_serial_t peerid)
{
	struct qc_hs *h = data;

	h->status = status;
	h->peerid = peerid;
	complete(&h->done);
}

static int qc_addr(struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (in4_pton(addr, -1, (u8 *)&a4->sin_addr, -1, NULL)) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (in6_pton(addr, -1, (u8 *)&a6->sin6_addr, -1, NULL)) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	return -EINVAL;
}

static void qc_timeouts(struct socket *sock)
{
	long t = msecs_to_jiffies(timeout_ms);

	WRITE_ONCE(sock->sk->sk_rcvtimeo, t);
	WRITE_ONCE(sock->sk->sk_sndtimeo, t);
}

/*
 * The handshake through the daemon.  @stop, when set (unloading), takes
 * the request back.  Returns 0 or the negative errno the consumer got.
 */
static int qc_handshake(struct socket *sock, bool server, const bool *stop)
{
	struct quic_handshake_args args = {
		.sock = sock, .done = qc_hs_done, .peername = peername,
		.timeout_ms = timeout_ms, .keyring = keyring,
	};
	struct qc_hs h = { .status = -EINPROGRESS };
	unsigned long giveup = jiffies + msecs_to_jiffies(abandon_ms);
	bool x509 = !strcmp(auth, "x509");
	int err;

	init_completion(&h.done);
	args.data = &h;
	if (x509) {
		args.cert = cert;
		args.privkey = privkey;
	} else {
		args.num_peerids = 1;
		args.peerids[0] = psk;
	}
	if (!server)
		pr_info("client: asking for the handshake (%s)\n", auth);
	if (server)
		err = x509 ? quic_server_handshake_x509(&args) :
			     quic_server_handshake_psk(&args);
	else
		err = x509 ? quic_client_handshake_x509(&args) :
			     quic_client_handshake_psk(&args);
	if (err)
		return err;
	/*
	 * The request ends by itself at its timeout.  A consumer that gives
	 * up before (unloading, or @abandon_ms) takes it back, then shuts
	 * the socket down, so that a daemon at work on it stops too.
	 */
	while (!wait_for_completion_timeout(&h.done, HZ / 10)) {
		if (!READ_ONCE(*stop) &&
		    (server || !abandon_ms || time_before(jiffies, giveup)))
			continue;
		if (quic_handshake_cancel(sock)) {
			kernel_sock_shutdown(sock, SHUT_RDWR);
			return -ECANCELED;
		}
	}
	if (!h.status)
		pr_info("handshake done (%s, %s), peer key %d\n",
			server ? "server" : "client", auth, h.peerid);
	return h.status;
}

/* Stream data; @sid, @sflags in a QUIC_STREAM_INFO cmsg. */
static int qc_send(struct socket *sock, s64 sid, u32 sflags, void *buf,
		   size_t len)
{
	struct quic_stream_info info = { .stream_id = sid,
					 .stream_flags = sflags };
	u8 ctl[CMSG_SPACE(sizeof(info))] __aligned(sizeof(long)) = {};
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };

	c->cmsg_level = SOL_QUIC;
	c->cmsg_type = QUIC_STREAM_INFO;
	c->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(ctl + CMSG_LEN(0), &info, sizeof(info));
	return kernel_sendmsg(sock, &msg, &iov, 1, len);
}

/*
 * Stream data read, its stream and flags from the cmsg; -ENOMSG for an
 * event, -EAGAIN when nothing came within the read timeout.
 */
static int qc_recv(struct socket *sock, void *buf, size_t len,
		   struct quic_stream_info *info)
{
	u8 ctl[CMSG_SPACE(sizeof(*info))] __aligned(sizeof(long)) = {};
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	int n;

	n = kernel_recvmsg(sock, &msg, &iov, 1, len, 0);
	if (n < 0)
		return n;
	if (msg.msg_flags & MSG_NOTIFICATION)
		return -ENOMSG;		/* an event: not asked for */
	if (c->cmsg_level != SOL_QUIC || c->cmsg_type != QUIC_STREAM_INFO)
		return -EPROTO;
	memcpy(info, ctl + CMSG_LEN(0), sizeof(*info));
	return n;
}

/* A socket with a file (the daemon gets it through one), ALPN set. */
static int qc_socket(int family, struct socket **res)
{
	struct socket *sock;
	struct file *file;
	int err;

	err = sock_create_kern(&init_net, family, SOCK_DGRAM, IPPROTO_QUIC,
			       &sock);
	if (err)
		return err;
	file = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);	/* the socket is released */
	qc_timeouts(sock);
	err = quic_kernel_setsockopt(sock->sk, QUIC_SOCKOPT_ALPN, alpn,
				     strlen(alpn));
	if (err) {
		fput(file);
		return err;
	}
	*res = sock;
	return 0;
}

static void qc_release(struct socket *sock)
{
	fput(sock->file);
}

/* ---- Client ---- */

static u8 qc_byte(int idx, u64 off)
{
	return (u8)(idx * 31 + off * 7 + (off >> 9));
}

struct qc_client {
	struct socket *sock;
	s64 sid[QC_MAX_STREAMS];
	u8 sent[QC_MAX_STREAMS][SHA256_DIGEST_SIZE];
	struct sha256_state rx[QC_MAX_STREAMS];
	u64 got[QC_MAX_STREAMS];
	bool fin[QC_MAX_STREAMS];
	int err;
	struct completion read_done;
};

static int qc_index(struct qc_client *c, s64 sid)
{
	int i;

	for (i = 0; i < streams; i++)
		if (c->sid[i] == sid)
			return i;
	return -1;
}

static int qc_reader(void *arg)
{
	struct qc_client *c = arg;
	struct quic_stream_info info;
	int n, i, left = streams;
	u8 *buf;

	buf = kmalloc(QC_CHUNK, GFP_KERNEL);
	if (!buf) {
		c->err = -ENOMEM;
		goto out;
	}
	while (left) {
		n = qc_recv(c->sock, buf, QC_CHUNK, &info);
		if (n == -ENOMSG)
			continue;
		if (n < 0) {
			c->err = n;
			break;
		}
		i = qc_index(c, info.stream_id);
		if (i < 0 || c->fin[i]) {
			c->err = -EPROTO;
			break;
		}
		sha256_update(&c->rx[i], buf, n);
		c->got[i] += n;
		if (info.stream_flags & MSG_STREAM_FIN) {
			c->fin[i] = true;
			left--;
		}
	}
	kfree(buf);
out:
	complete(&c->read_done);
	return 0;
}

static int qc_client_run(void)
{
	struct sockaddr_storage ss;
	struct task_struct *reader;
	struct sha256_state tx;
	u8 digest[SHA256_DIGEST_SIZE];
	struct qc_client *c;
	bool never = false;
	int i, n, len, err;
	u64 off;
	u8 *buf;

	len = qc_addr(&ss);
	if (len < 0)
		return len;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	buf = kmalloc(QC_CHUNK, GFP_KERNEL);
	err = -ENOMEM;
	if (!c || !buf)
		goto out_free;
	init_completion(&c->read_done);
	err = qc_socket(ss.ss_family, &c->sock);
	if (err)
		goto out_free;
	err = kernel_connect(c->sock, (struct sockaddr *)&ss, len, 0);
	if (!err)
		err = qc_handshake(c->sock, false, &never);
	if (err) {
		pr_info("client: handshake failed: %d\n", err);
		goto out_sock;
	}

	/* Stream IDs come with the first send (MSG_STREAM_NEW): client
	 * bidirectional streams are 0, 4, 8...
	 */
	for (i = 0; i < streams; i++) {
		c->sid[i] = 4 * i;
		sha256_init(&c->rx[i]);
	}
	reader = kthread_run(qc_reader, c, "quic_consumer_rd");
	if (IS_ERR(reader)) {
		err = PTR_ERR(reader);
		goto out_sock;
	}
	for (i = 0; i < streams && !err; i++) {
		sha256_init(&tx);
		for (off = 0; off < bytes && !err; off += n) {
			n = min_t(u64, QC_CHUNK, bytes - off);
			for (len = 0; len < n; len++)
				buf[len] = qc_byte(i, off + len);
			sha256_update(&tx, buf, n);
			err = qc_send(c->sock, c->sid[i],
				      (off ? 0 : MSG_STREAM_NEW) |
				      (off + n == bytes ? MSG_STREAM_FIN : 0),
				      buf, n);
			err = err == n ? 0 : err < 0 ? err : -EIO;
		}
		sha256_final(&tx, c->sent[i]);
	}
	if (err) {
		pr_info("client: send: %d\n", err);
		/* The reader ends at its read timeout, or now. */
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
	}
	wait_for_completion(&c->read_done);
	if (!err && c->err) {
		err = c->err;
		pr_info("client: read: %d\n", err);
	}
	for (i = 0; i < streams && !err; i++) {
		sha256_final(&c->rx[i], digest);
		if (c->got[i] != bytes || memcmp(digest, c->sent[i],
						 sizeof(digest))) {
			pr_info("client: stream %lld: %llu bytes back, SHA-256 %s\n",
				c->sid[i], c->got[i],
				memcmp(digest, c->sent[i], sizeof(digest)) ?
				"differs" : "same");
			err = -EBADMSG;
		}
	}
	if (!err)
		pr_info("client: %d streams, %d bytes each, echoed, SHA-256 same\n",
			streams, bytes);
out_sock:
	qc_release(c->sock);
out_free:
	kfree(buf);
	kfree(c);
	return err;
}

/* ---- Server ---- */

static struct socket *qc_listener;
static struct task_struct *qc_acceptor;
static bool qc_stopping;
static atomic_t qc_conns = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(qc_conns_wq);
static LIST_HEAD(qc_conn_list);
/* A mutex: shutting a socket down under it sleeps (lock_sock()). */
static DEFINE_MUTEX(qc_conn_lock);

struct qc_conn {
	struct list_head list;
	struct socket *sock;
};

static void qc_echo(struct socket *sock)
{
	struct quic_stream_info info;
	int n, err;
	u8 *buf;

	buf = kmalloc(QC_CHUNK, GFP_KERNEL);
	if (!buf)
		return;
	while (!READ_ONCE(qc_stopping)) {
		n = qc_recv(sock, buf, QC_CHUNK, &info);
		if (n == -ENOMSG || n == -EAGAIN)
			continue;	/* an event, or a quiet while */
		if (n < 0)
			break;
		/* The same stream back: ours to write on as well (bidi). */
		err = qc_send(sock, info.stream_id,
			      info.stream_flags & MSG_STREAM_FIN, buf, n);
		if (err < 0)
			break;
	}
	kfree(buf);
}

static int qc_conn_thread(void *arg)
{
	struct qc_conn *conn = arg;
	int err;

	err = qc_handshake(conn->sock, true, &qc_stopping);
	if (err)
		pr_info("server: handshake failed: %d\n", err);
	else
		qc_echo(conn->sock);
	mutex_lock(&qc_conn_lock);
	list_del(&conn->list);
	mutex_unlock(&qc_conn_lock);
	qc_release(conn->sock);
	kfree(conn);
	if (atomic_dec_and_test(&qc_conns))
		wake_up(&qc_conns_wq);
	return 0;
}

static int qc_acceptor_thread(void *arg)
{
	struct task_struct *t;
	struct qc_conn *conn;
	struct socket *sock;
	struct file *file;

	while (!READ_ONCE(qc_stopping)) {
		if (kernel_accept(qc_listener, &sock, 0))
			continue;	/* a timeout, or shut down to stop */
		file = sock_alloc_file(sock, 0, NULL);
		if (IS_ERR(file))
			continue;
		qc_timeouts(sock);
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (!conn) {
			fput(file);
			continue;
		}
		conn->sock = sock;
		atomic_inc(&qc_conns);
		mutex_lock(&qc_conn_lock);
		list_add(&conn->list, &qc_conn_list);
		mutex_unlock(&qc_conn_lock);
		t = kthread_run(qc_conn_thread, conn, "quic_consumer_c");
		if (IS_ERR(t))
			qc_conn_thread(conn);
	}
	return 0;
}

static int qc_server_start(void)
{
	struct sockaddr_storage ss;
	int len, err;

	len = qc_addr(&ss);
	if (len < 0)
		return len;
	err = qc_socket(ss.ss_family, &qc_listener);
	if (err)
		return err;
	err = kernel_bind(qc_listener, (struct sockaddr *)&ss, len);
	if (!err)
		err = kernel_listen(qc_listener, 128);
	if (err)
		goto fail;
	qc_acceptor = kthread_run(qc_acceptor_thread, NULL, "quic_consumer_a");
	if (IS_ERR(qc_acceptor)) {
		err = PTR_ERR(qc_acceptor);
		goto fail;
	}
	get_task_struct(qc_acceptor);
	pr_info("server: listening on %s port %d\n", addr, port);
	return 0;
fail:
	qc_release(qc_listener);
	return err;
}

static void qc_server_stop(void)
{
	struct qc_conn *conn;

	WRITE_ONCE(qc_stopping, true);
	kernel_sock_shutdown(qc_listener, SHUT_RDWR);
	kthread_stop(qc_acceptor);
	put_task_struct(qc_acceptor);
	/* Wake every connection's thread; each ends and frees itself. */
	mutex_lock(&qc_conn_lock);
	list_for_each_entry(conn, &qc_conn_list, list)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	mutex_unlock(&qc_conn_lock);
	wait_event(qc_conns_wq, !atomic_read(&qc_conns));
	qc_release(qc_listener);
	pr_info("server: stopped\n");
}

static bool qc_server;

static int __init quic_consumer_init(void)
{
	bool both = !strcmp(role, "both");
	int err;

	if (strcmp(auth, "psk") && strcmp(auth, "x509"))
		return -EINVAL;
	if (!strcmp(role, "server")) {
		qc_server = true;
		return qc_server_start();
	}
	if ((strcmp(role, "client") && !both) || streams < 1 ||
	    streams > QC_MAX_STREAMS || bytes < 1)
		return -EINVAL;
	if (!both)
		return qc_client_run();
	/* Kernel to kernel: our own server, then the client to it. */
	err = qc_server_start();
	if (err)
		return err;
	qc_server = true;
	err = qc_client_run();
	if (err) {
		qc_server_stop();
		qc_server = false;
	}
	return err;
}

static void __exit quic_consumer_exit(void)
{
	if (qc_server)
		qc_server_stop();
}

module_init(quic_consumer_init);
module_exit(quic_consumer_exit);

MODULE_DESCRIPTION("QUIC: a sample kernel consumer (echo client and server)");
MODULE_LICENSE("GPL");
