// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the TLS handshake for kernel consumers, done by a daemon.
 *
 * A consumer (SMB, NFS, modules/consumer) asks for a client or server
 * handshake on a QUIC socket it made; a daemon in userspace (handshake/)
 * accepts the request over the "handshake" generic-netlink family,
 * receiving the socket as a file descriptor, runs the handshake through
 * libquic and reports the outcome; the consumer's done callback gets it.
 *
 * This file keeps what the consumer sees: one request per socket, its
 * timeout (no answer within it: -ETIMEDOUT, the request withdrawn and the
 * socket shut down, so that a daemon still working on it stops), the
 * outcome reported exactly once, and quic_handshake_cancel().  Where the
 * kernel has net/handshake (6.5+), the request goes through its
 * tls_*_hello_*() calls, which do not care what protocol the socket is;
 * elsewhere handshake_nl.c provides the same family.
 *
 * No daemon listening, or too many requests waiting for one, is no
 * failure: the request is submitted again every %QUIC_HS_RETRY until it
 * goes through or its timeout comes (a consumer that starts before the
 * daemon, at boot, waits for it).
 *
 * A request holds two references: one for the request on the wire, held
 * by whoever is getting it there (quic_hs_start(), then the retry work)
 * and then by the transport, which drops it when it reports the end
 * (quic_hs_finish()) or when the request is withdrawn; one for the
 * timeout's work.  Each holds the socket's file, so @sock is valid
 * wherever a reference is.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#ifdef QUIC_HAVE_NET_HANDSHAKE
#include <net/handshake.h>
#endif

#include "handshake.h"
#include "socket.h"

#define QUIC_HS_RETRY	msecs_to_jiffies(100)

/* Guards quic_sock.hs, so that a lookup never meets a request being freed. */
static DEFINE_SPINLOCK(quic_hs_lock);

static bool quic_is_quic_sock(const struct sock *sk)
{
	return sk && (sk->sk_prot == &quic_prot || sk->sk_prot == &quicv6_prot);
}

/**
 * quic_hs_of - the handshake request of a socket, referenced
 * @sk: any socket
 *
 * Return: the request, or NULL when @sk is not a QUIC socket or has none.
 */
struct quic_hs *quic_hs_of(struct sock *sk)
{
	struct quic_hs *hs;

	if (!quic_is_quic_sock(sk))
		return NULL;
	spin_lock(&quic_hs_lock);
	hs = quic_sk(sk)->hs;
	if (hs && !refcount_inc_not_zero(&hs->ref))
		hs = NULL;
	spin_unlock(&quic_hs_lock);
	return hs;
}

/**
 * quic_hs_put - drop a reference to a request
 * @hs: the request
 *
 * Context: process context.  The last reference frees the request and
 * leaves the socket free for another.
 */
void quic_hs_put(struct quic_hs *hs)
{
	struct quic_sock *qs = quic_sk(hs->sock->sk);

	if (!refcount_dec_and_test(&hs->ref))
		return;
	/* A lookup meanwhile finds it at zero, and leaves it. */
	spin_lock(&quic_hs_lock);
	if (qs->hs == hs)
		qs->hs = NULL;
	spin_unlock(&quic_hs_lock);
	fput(hs->file);
	kfree(hs->args.peername);
	kfree(hs);
}

/* The outcome to the consumer, once; the errors it may see, and no other. */
static bool quic_hs_report(struct quic_hs *hs, int status, key_serial_t peerid)
{
	if (atomic_xchg(&hs->reported, 1))
		return false;
	if (status != 0 && status != -EACCES && status != -ETIMEDOUT)
		status = -EIO;
	hs->args.done(hs->args.data, status, status ? 0 : peerid);
	return true;
}

/**
 * quic_hs_finish - the transport's report that a request ended
 * @hs: the request
 * @status: 0, or a negative errno (the daemon's or the transport's)
 * @peerid: the peer's identity as a key serial, or 0
 *
 * Called once per request that was not withdrawn, in process context.
 */
void quic_hs_finish(struct quic_hs *hs, int status, key_serial_t peerid)
{
	quic_hs_report(hs, status, peerid);
	if (cancel_delayed_work(&hs->timeout))
		quic_hs_put(hs);
	quic_hs_put(hs);
}

/* Whether the transport's answer means: no daemon can take it now. */
static bool quic_hs_busy(int err)
{
	return err == -ESRCH || err == -EAGAIN;
}

/* Submit again; this work holds the wire reference while it waits. */
static void quic_hs_retry(struct work_struct *work)
{
	struct quic_hs *hs = container_of(to_delayed_work(work),
					  struct quic_hs, retry);
	int err = -ETIMEDOUT;

	if (!atomic_read(&hs->reported)) {
		err = quic_hs_submit(hs);
		if (quic_hs_busy(err)) {
			queue_delayed_work(quic_wq, &hs->retry, QUIC_HS_RETRY);
			return;
		}
		if (!err)
			return;		/* the reference is the transport's */
	}
	quic_hs_finish(hs, err, 0);
}

/* The wire reference, wherever it is: waiting to retry, or submitted. */
static void quic_hs_take_back(struct quic_hs *hs)
{
	if (cancel_delayed_work_sync(&hs->retry))
		quic_hs_put(hs);
	if (quic_hs_withdraw(hs))
		quic_hs_put(hs);
}

/* Nobody answered in time: give up, and make a late daemon give up too. */
static void quic_hs_timeout(struct work_struct *work)
{
	struct quic_hs *hs = container_of(to_delayed_work(work),
					  struct quic_hs, timeout);

	if (!atomic_read(&hs->reported)) {
		quic_hs_take_back(hs);
		kernel_sock_shutdown(hs->sock, SHUT_RDWR);
		quic_hs_report(hs, -ETIMEDOUT, 0);
	}
	quic_hs_put(hs);
}

static int quic_hs_start(const struct quic_handshake_args *args, u8 type,
			 u8 auth)
{
	struct socket *sock = args->sock;
	unsigned int ms = args->timeout_ms ?: QUIC_HANDSHAKE_TIMEOUT;
	struct quic_sock *qs;
	struct quic_hs *hs;
	int err;

	if (!sock || !sock->file || !quic_is_quic_sock(sock->sk) ||
	    !args->done)
		return -EINVAL;
	if (auth == QUIC_HS_AUTH_PSK &&
	    (!args->num_peerids ||
	     args->num_peerids > QUIC_HANDSHAKE_MAX_PEERIDS))
		return -EINVAL;
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs)
		return -ENOMEM;
	hs->args = *args;
	hs->args.peername = NULL;
	if (args->peername) {
		hs->args.peername = kstrdup(args->peername, GFP_KERNEL);
		if (!hs->args.peername) {
			kfree(hs);
			return -ENOMEM;
		}
	}
	hs->args.timeout_ms = ms;
	hs->sock = sock;
	hs->type = type;
	hs->auth = auth;
	refcount_set(&hs->ref, 2);
	INIT_DELAYED_WORK(&hs->timeout, quic_hs_timeout);
	INIT_DELAYED_WORK(&hs->retry, quic_hs_retry);

	qs = quic_sk(sock->sk);
	spin_lock(&quic_hs_lock);
	if (qs->hs) {
		spin_unlock(&quic_hs_lock);
		kfree(hs->args.peername);
		kfree(hs);
		return -EBUSY;
	}
	qs->hs = hs;
	spin_unlock(&quic_hs_lock);
	hs->file = get_file(sock->file);

	/* The clock runs first: an answer may come before submit returns. */
	queue_delayed_work(quic_wq, &hs->timeout, msecs_to_jiffies(ms));
	err = quic_hs_submit(hs);
	if (quic_hs_busy(err)) {
		queue_delayed_work(quic_wq, &hs->retry, QUIC_HS_RETRY);
		return 0;
	}
	if (err) {
		atomic_set(&hs->reported, 1);
		if (cancel_delayed_work_sync(&hs->timeout))
			quic_hs_put(hs);
		quic_hs_put(hs);
	}
	return err;
}

/**
 * quic_client_handshake_x509 - ask the daemon for a client handshake, x509
 * @args: the socket, the callback and the keys (see struct
 *	  quic_handshake_args)
 *
 * Context: process context; may sleep.
 * Return: 0 when asked (@args->done will be called once), or a negative
 * errno and no call: -EINVAL (bad arguments), -EBUSY (a handshake of this
 * socket is under way), -ENOMEM.  When no daemon listens, or too many
 * requests wait for one, the request waits within its timeout.
 */
int quic_client_handshake_x509(const struct quic_handshake_args *args)
{
	return quic_hs_start(args, QUIC_HS_MSG_CLIENTHELLO, QUIC_HS_AUTH_X509);
}
EXPORT_SYMBOL_GPL(quic_client_handshake_x509);

/**
 * quic_client_handshake_psk - ask the daemon for a client handshake, PSK
 * @args: as quic_client_handshake_x509(), with @args->peerids
 *
 * Return: as quic_client_handshake_x509().
 */
int quic_client_handshake_psk(const struct quic_handshake_args *args)
{
	return quic_hs_start(args, QUIC_HS_MSG_CLIENTHELLO, QUIC_HS_AUTH_PSK);
}
EXPORT_SYMBOL_GPL(quic_client_handshake_psk);

/**
 * quic_server_handshake_x509 - ask the daemon for a server handshake, x509
 * @args: as quic_client_handshake_x509(), on an accepted socket
 *
 * Return: as quic_client_handshake_x509().
 */
int quic_server_handshake_x509(const struct quic_handshake_args *args)
{
	return quic_hs_start(args, QUIC_HS_MSG_SERVERHELLO, QUIC_HS_AUTH_X509);
}
EXPORT_SYMBOL_GPL(quic_server_handshake_x509);

/**
 * quic_server_handshake_psk - ask the daemon for a server handshake, PSK
 * @args: as quic_client_handshake_psk(), on an accepted socket
 *
 * Return: as quic_client_handshake_x509().
 */
int quic_server_handshake_psk(const struct quic_handshake_args *args)
{
	return quic_hs_start(args, QUIC_HS_MSG_SERVERHELLO, QUIC_HS_AUTH_PSK);
}
EXPORT_SYMBOL_GPL(quic_server_handshake_psk);

/**
 * quic_handshake_cancel - take back a handshake request
 * @sock: the socket
 *
 * Context: process context; may sleep; not with @sock locked.
 * Return: true when the request was taken back before its outcome was
 * reported: the done callback will not be called.  False when there was
 * none, or the outcome is reported (or being reported) already.
 */
bool quic_handshake_cancel(struct socket *sock)
{
	struct quic_hs *hs = quic_hs_of(sock->sk);

	if (!hs)
		return false;
	if (atomic_xchg(&hs->reported, 1)) {
		quic_hs_put(hs);
		return false;
	}
	quic_hs_take_back(hs);
	if (cancel_delayed_work_sync(&hs->timeout))
		quic_hs_put(hs);
	quic_hs_put(hs);
	return true;
}
EXPORT_SYMBOL_GPL(quic_handshake_cancel);

#ifdef QUIC_HAVE_NET_HANDSHAKE
/* net/handshake: its TLS requests carry any socket; ours is QUIC. */

static void quic_hs_tls_done(void *data, int status, key_serial_t peerid)
{
	quic_hs_finish(data, status, peerid);
}

int quic_hs_submit(struct quic_hs *hs)
{
	const struct quic_handshake_args *a = &hs->args;
	struct tls_handshake_args ta = {
		.ta_sock	= hs->sock,
		.ta_done	= quic_hs_tls_done,
		.ta_data	= hs,
		.ta_peername	= a->peername,
		.ta_timeout_ms	= a->timeout_ms,
		.ta_keyring	= a->keyring,
		.ta_my_cert	= a->cert,
		.ta_my_privkey	= a->privkey,
		.ta_num_peerids	= a->num_peerids,
	};

	BUILD_BUG_ON(ARRAY_SIZE(ta.ta_my_peerids) < QUIC_HANDSHAKE_MAX_PEERIDS);
	memcpy(ta.ta_my_peerids, a->peerids, sizeof(a->peerids));
	if (hs->type == QUIC_HS_MSG_CLIENTHELLO)
		return hs->auth == QUIC_HS_AUTH_PSK ?
		       tls_client_hello_psk(&ta, GFP_KERNEL) :
		       tls_client_hello_x509(&ta, GFP_KERNEL);
	return hs->auth == QUIC_HS_AUTH_PSK ?
	       tls_server_hello_psk(&ta, GFP_KERNEL) :
	       tls_server_hello_x509(&ta, GFP_KERNEL);
}

bool quic_hs_withdraw(struct quic_hs *hs)
{
	return tls_handshake_cancel(hs->sock->sk);
}
#endif
