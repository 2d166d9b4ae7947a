// SPDX-License-Identifier: GPL-2.0
/*
 * libquic: quic_handshake() runs a GnuTLS session over a QUIC socket.
 *
 * GnuTLS's QUIC hooks (3.7) keep TLS records out of the way: GnuTLS hands
 * us handshake bytes per encryption level (the read hook), which go to the
 * kernel as CRYPTO data; the kernel hands us the peer's, which go to
 * gnutls_handshake_write(); the traffic secrets go to the kernel as they
 * are derived (the secret hook); and the quic_transport_parameters
 * extension (RFC 9001 section 8.2) carries the kernel's encoded transport
 * parameters both ways.  GnuTLS never reads or writes the socket itself.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "internal.h"

#define TP_EXT_ID	0x39	/* quic_transport_parameters */
#define TP_EXT_MAX	1024	/* the kernel's encoding is far smaller */
#define CRYPTO_BUF_SIZE	65536	/* more than any CRYPTO frame holds */

/* One handshake (or one quic_handshake_process() call) in progress. */
struct quic_conn {
	gnutls_session_t session;
	int sd;
	bool post_handshake;	/* quic_handshake_process(): no new keys */
	bool tp_received;	/* the peer's transport parameters arrived */
	int alert;		/* the fatal alert GnuTLS raised, or -1 */

	/* The first failure, as the hooks saw it; see conn_fail(). */
	int err;
	bool send_close;
	uint32_t close_code;
	const char *phrase;

	/*
	 * The APPLICATION receive secret.  Installing it tells the kernel the
	 * handshake is over, so it waits until gnutls_handshake() returns 0.
	 */
	bool app_held;
	uint32_t app_type;
	size_t app_len;
	uint8_t app_secret[QUIC_CRYPTO_SECRET_BUFFER_SIZE];
};

/*
 * The handshake this thread is running.  GnuTLS gives the hooks only the
 * session, and the session's user pointer (gnutls_session_set_ptr())
 * belongs to the application, so the hooks find their state here.  One
 * thread runs one blocking handshake at a time.
 */
static _Thread_local struct quic_conn *active;

static struct quic_conn *conn_of(gnutls_session_t session)
{
	return active && active->session == session ? active : NULL;
}

/*
 * Record why the handshake failed, the first reason only: what a hook saw
 * says more than the error GnuTLS returns after it.  send_close says
 * whether to tell the peer, with close_code (a QUIC transport error code).
 */
static void conn_fail(struct quic_conn *conn, int err, bool send_close,
		      uint32_t close_code, const char *phrase)
{
	if (conn->err)
		return;
	conn->err = err;
	conn->send_close = send_close;
	conn->close_code = close_code;
	conn->phrase = phrase;
}

static void conn_fail_tls(struct quic_conn *conn, int err, unsigned int alert,
			  const char *phrase)
{
	conn_fail(conn, err, true, quic_crypto_error(alert), phrase);
}

/*
 * A socket call failed.  A timed-out or closed connection has nobody left
 * to tell; anything else is our side's fault: INTERNAL_ERROR.
 */
static void conn_fail_kernel(struct quic_conn *conn, int err,
			     const char *phrase)
{
	bool gone = err == -ETIMEDOUT || err == -ECONNREFUSED;

	conn_fail(conn, err, !gone, QUIC_TRANSPORT_ERROR_INTERNAL, phrase);
}

/* GnuTLS failed the handshake with err: pick the alert to send. */
static void conn_fail_gnutls(struct quic_conn *conn, int err)
{
	int alert = conn->alert, level;

	if (alert < 0 && err == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		alert = quic_cert_status_alert(
			gnutls_session_get_verify_cert_status(conn->session));
	/* The server's PSK lookup found no such identity (RFC 8446 6.2). */
	if (alert < 0 && err == GNUTLS_E_KEYFILE_ERROR)
		alert = GNUTLS_A_UNKNOWN_PSK_IDENTITY;
	if (alert < 0)
		alert = gnutls_error_to_alert(err, &level);
	if (alert < 0)
		alert = GNUTLS_A_INTERNAL_ERROR;

	conn_fail_tls(conn, quic_errno_from_gnutls(err), alert,
		      gnutls_alert_get_name(alert) ?: "TLS handshake failure");
}

/* ---- The GnuTLS hooks ---- */

static int install_secret(struct quic_conn *conn, int level, bool send,
			  uint32_t type, const void *secret, size_t len)
{
	int err;

	if (!send && level == QUIC_CRYPTO_APP) {
		conn->app_held = true;
		conn->app_type = type;
		conn->app_len = len;
		memcpy(conn->app_secret, secret, len);
		return 0;
	}
	err = quic_set_secret(conn->sd, level, send, type, secret, len);
	if (err)
		conn_fail_kernel(conn, err, "cannot install keys");
	return err;
}

static int secret_hook(gnutls_session_t session,
		       gnutls_record_encryption_level_t glevel,
		       const void *rsecret, const void *wsecret, size_t len)
{
	struct quic_conn *conn = conn_of(session);
	int level = quic_level_from_gnutls(glevel);
	gnutls_cipher_algorithm_t cipher;
	uint32_t type;

	if (!conn)
		return -1;
	/* QUIC has no TLS KeyUpdate: no new keys once the handshake is over. */
	if (conn->post_handshake) {
		conn_fail(conn, -EPROTO, false, 0, "key change after handshake");
		return -1;
	}

	cipher = glevel == GNUTLS_ENCRYPTION_LEVEL_EARLY ?
		 gnutls_early_cipher_get(session) : gnutls_cipher_get(session);
	type = quic_cipher_type(cipher);
	if (level < 0 || !type || len > QUIC_CRYPTO_SECRET_BUFFER_SIZE) {
		conn_fail_tls(conn, -EPROTO, GNUTLS_A_HANDSHAKE_FAILURE,
			      "unsupported cipher");
		return -1;
	}

	/*
	 * RFC 9001 section 8.2: both hellos must carry transport parameters.
	 * When 1-RTT keys exist, ours has seen the peer's hello (ClientHello
	 * or EncryptedExtensions).
	 */
	if (level == QUIC_CRYPTO_APP && !conn->tp_received) {
		conn_fail_tls(conn, -EPROTO, GNUTLS_A_MISSING_EXTENSION,
			      "missing transport parameters");
		return -1;
	}

	if (rsecret && install_secret(conn, level, false, type, rsecret, len))
		return -1;
	if (wsecret && install_secret(conn, level, true, type, wsecret, len))
		return -1;
	return 0;
}

/*
 * TLS wrote handshake bytes at a level: the kernel sends them.  After the
 * handshake this still works, so a server can send NewSessionTicket with
 * gnutls_session_ticket_send() on the session quic_handshake() ran.
 */
static int read_hook(gnutls_session_t session,
		     gnutls_record_encryption_level_t glevel,
		     gnutls_handshake_description_t htype,
		     const void *data, size_t len)
{
	struct quic_conn *conn = conn_of(session);
	int sd = conn ? conn->sd : gnutls_transport_get_int(session);
	int level = quic_level_from_gnutls(glevel), err;

	if (level < 0)
		return -1;

	/*
	 * RFC 9001 sections 6 and 8.3: QUIC has no KeyUpdate and no
	 * EndOfEarlyData.  GnuTLS sends the latter with early data unless the
	 * session was made with GNUTLS_NO_END_OF_EARLY_DATA; say so now
	 * rather than fail with a Finished mismatch later.
	 */
	if (htype == GNUTLS_HANDSHAKE_END_OF_EARLY_DATA ||
	    htype == GNUTLS_HANDSHAKE_KEY_UPDATE) {
		if (conn)
			conn_fail_tls(conn, -EINVAL, GNUTLS_A_INTERNAL_ERROR,
				      "TLS message not allowed in QUIC");
		return -1;
	}

	err = quic_crypto_send(sd, level, data, len);
	if (err && conn)
		conn_fail_kernel(conn, err, "cannot send handshake data");
	return err ? -1 : 0;
}

/* TLS raised an alert: QUIC sends it as CRYPTO_ERROR in CONNECTION_CLOSE. */
static int alert_hook(gnutls_session_t session,
		      gnutls_record_encryption_level_t glevel,
		      gnutls_alert_level_t alevel,
		      gnutls_alert_description_t desc)
{
	struct quic_conn *conn = conn_of(session);

	(void)glevel;
	if (conn && conn->alert < 0 && alevel == GNUTLS_AL_FATAL)
		conn->alert = desc;
	return 0;
}

/* Our transport parameters, encoded by the kernel, into our hello. */
static int tp_send_hook(gnutls_session_t session, gnutls_buffer_t extdata)
{
	struct quic_conn *conn = conn_of(session);
	uint8_t buf[TP_EXT_MAX];
	socklen_t len = sizeof(buf);
	int ret;

	if (!conn)
		return GNUTLS_E_INTERNAL_ERROR;
	if (getsockopt(conn->sd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
		       buf, &len)) {
		conn_fail_kernel(conn, quic_errno_from_kernel(errno),
				 "cannot get transport parameters");
		return GNUTLS_E_INTERNAL_ERROR;
	}
	if (len > sizeof(buf))
		return GNUTLS_E_INTERNAL_ERROR;
	/* Returning 0 would leave the extension out; this sends it empty. */
	if (!len)
		return GNUTLS_E_INT_RET_0;

	ret = gnutls_buffer_append_data(extdata, buf, len);
	return ret < 0 ? ret : (int)len;
}

/* The peer's transport parameters, for the kernel to check and use. */
static int tp_recv_hook(gnutls_session_t session, const unsigned char *data,
			size_t len)
{
	struct quic_conn *conn = conn_of(session);

	if (!conn)
		return GNUTLS_E_INTERNAL_ERROR;
	if (setsockopt(conn->sd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM_EXT,
		       data, len)) {
		if (errno == EINVAL)
			conn_fail(conn, -EPROTO, true,
				  QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM,
				  "invalid transport parameters");
		else
			conn_fail_kernel(conn, quic_errno_from_kernel(errno),
					 "cannot set transport parameters");
		return GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER;
	}
	conn->tp_received = true;
	return 0;
}

/* GnuTLS must not touch the socket: QUIC carries TLS, not TCP. */
static ssize_t no_push(gnutls_transport_ptr_t ptr, const void *data,
		       size_t len)
{
	(void)ptr;
	(void)data;
	(void)len;
	errno = EAGAIN;
	return -1;
}

static ssize_t no_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	(void)ptr;
	(void)data;
	(void)len;
	errno = EAGAIN;
	return -1;
}

static int register_hooks(gnutls_session_t session)
{
	int ret;

	gnutls_handshake_set_secret_function(session, secret_hook);
	gnutls_handshake_set_read_function(session, read_hook);
	gnutls_alert_set_read_function(session, alert_hook);
	gnutls_transport_set_push_function(session, no_push);
	gnutls_transport_set_pull_function(session, no_pull);

	/* Fails if registered already: a session runs one handshake. */
	ret = gnutls_session_ext_register(session, "quic_transport_parameters",
					  TP_EXT_ID, GNUTLS_EXT_TLS,
					  tp_recv_hook, tp_send_hook,
					  NULL, NULL, NULL,
					  GNUTLS_EXT_FLAG_TLS |
					  GNUTLS_EXT_FLAG_CLIENT_HELLO |
					  GNUTLS_EXT_FLAG_EE);
	return ret ? -EINVAL : 0;
}

/* ---- The handshake loop ---- */

/* Give GnuTLS the next piece of the peer's handshake data. */
static int feed_from_kernel(struct quic_conn *conn, uint8_t *buf)
{
	uint8_t level;
	ssize_t n;
	int glevel, ret;

	n = quic_crypto_recv(conn->sd, &level, buf, CRYPTO_BUF_SIZE);
	if (n < 0) {
		conn_fail_kernel(conn, n, "cannot receive handshake data");
		return -1;
	}
	glevel = quic_level_to_gnutls(level);
	if (glevel < 0) {
		conn_fail(conn, -EPROTO, true, QUIC_TRANSPORT_ERROR_INTERNAL,
			  "unknown crypto level");
		return -1;
	}

	/* GnuTLS keeps a partial message until the rest comes. */
	ret = gnutls_handshake_write(conn->session, glevel, buf, n);
	if (ret < 0) {
		conn_fail_gnutls(conn, ret);
		return -1;
	}
	return 0;
}

/* Until gnutls_handshake() succeeds or fails; the client speaks first. */
static int run_handshake(struct quic_conn *conn)
{
	uint8_t *buf = malloc(CRYPTO_BUF_SIZE);
	int ret;

	if (!buf) {
		conn_fail(conn, -ENOMEM, true, QUIC_TRANSPORT_ERROR_INTERNAL,
			  "out of memory");
		return -1;
	}
	for (;;) {
		ret = gnutls_handshake(conn->session);
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
			ret = feed_from_kernel(conn, buf);
			if (ret)
				break;
			continue;
		}
		if (ret < 0)
			conn_fail_gnutls(conn, ret);
		break;
	}
	free(buf);
	return ret ? -1 : 0;
}

/*
 * Tell the kernel the selected ALPN, then install the APPLICATION receive
 * secret, which ends the handshake on the kernel's side: the ALPN must be
 * there before anybody sees the connection established.
 */
static int complete(struct quic_conn *conn)
{
	gnutls_datum_t alpn;
	int err;

	if (!gnutls_alpn_get_selected_protocol(conn->session, &alpn) &&
	    setsockopt(conn->sd, SOL_QUIC, QUIC_SOCKOPT_ALPN, alpn.data,
		       alpn.size)) {
		conn_fail_kernel(conn, quic_errno_from_kernel(errno),
				 "cannot set ALPN");
		return -1;
	}

	if (!conn->app_held) {
		conn_fail(conn, -EPROTO, true, QUIC_TRANSPORT_ERROR_INTERNAL,
			  "no 1-RTT keys");
		return -1;
	}
	err = quic_set_secret(conn->sd, QUIC_CRYPTO_APP, false, conn->app_type,
			      conn->app_secret, conn->app_len);
	if (err) {
		conn_fail_kernel(conn, err, "cannot install keys");
		return -1;
	}
	return 0;
}

QUIC_API int quic_handshake(void *session_ptr)
{
	gnutls_session_t session = session_ptr;
	struct quic_conn conn = { .alert = -1 };
	int err;

	/* active: called from a GnuTLS callback of a running handshake. */
	if (!session || active)
		return -EINVAL;
	conn.session = session;
	conn.sd = gnutls_transport_get_int(session);
	if (conn.sd < 0)
		return -EINVAL;
	err = register_hooks(session);
	if (err)
		return err;

	active = &conn;
	if (run_handshake(&conn) || complete(&conn)) {
		/* close() sends it; the kernel may refuse it if already gone. */
		if (conn.send_close)
			quic_set_close(conn.sd, conn.close_code, conn.phrase);
		err = conn.err;
	}
	active = NULL;

	explicit_bzero(conn.app_secret, sizeof(conn.app_secret));
	return err;
}

/*
 * Post-handshake messages (NewSessionTicket, from QUIC_SOCKOPT_SESSION_TICKET
 * or the NEW_SESSION_TICKET event) for a session that quic_handshake() ran.
 */
QUIC_API int quic_handshake_process(gnutls_session_t session, uint8_t level,
				    const uint8_t *data, size_t len)
{
	struct quic_conn conn = {
		.alert = -1,
		.post_handshake = true,
		.tp_received = true,
	};
	int glevel = quic_level_to_gnutls(level), ret;

	if (!session || glevel < 0 || (!data && len) || active)
		return -EINVAL;
	conn.session = session;
	conn.sd = gnutls_transport_get_int(session);

	active = &conn;
	ret = gnutls_handshake_write(session, glevel, data, len);
	active = NULL;

	if (ret < 0)
		return conn.err ? conn.err : quic_errno_from_gnutls(ret);
	return 0;
}
