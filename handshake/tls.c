// SPDX-License-Identifier: GPL-2.0
/*
 * quic-handshaked: one handshake, on the socket a request handed over.
 *
 * The keys come from the kernel's keyrings, by the serials the consumer
 * named (the kernel linked its keyring into our process keyring when we
 * accepted), or for x509 from the configuration's defaults; the ALPN list
 * and the cipher are the socket's; libquic's quic_handshake() runs the
 * handshake on a GnuTLS session set up here.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <keyutils.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/quic.h>

#include "hsd.h"
#include "internal.h"	/* libquic's, built in */

/* A key's payload, gnutls_free()d by the caller's gnutls_datum_t. */
static int read_key(int32_t serial, gnutls_datum_t *out)
{
	void *buf = NULL;
	long n;

	n = keyctl_read_alloc(serial, &buf);
	if (n < 0) {
		hsd_log(0, "key %d: %s", serial, strerror(errno));
		return -EACCES;
	}
	out->data = gnutls_malloc(n ? n : 1);
	if (!out->data) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(out->data, buf, n);
	out->size = (unsigned int)n;
	explicit_bzero(buf, n);
	free(buf);
	return 0;
}

/* A key's description: the PSK identity. */
static int key_description(int32_t serial, char **desc)
{
	char *d = NULL, *p;

	if (keyctl_describe_alloc(serial, &d) < 0) {
		hsd_log(0, "key %d: %s", serial, strerror(errno));
		return -EACCES;
	}
	/* "type;uid;gid;perm;description" */
	p = d;
	for (int i = 0; i < 4 && p; i++) {
		p = strchr(p, ';');
		if (p)
			p++;
	}
	if (!p || !*p) {
		free(d);
		return -EINVAL;
	}
	*desc = strdup(p);
	free(d);
	return *desc ? 0 : -ENOMEM;
}

static void datum_free(gnutls_datum_t *d)
{
	if (d->data) {
		explicit_bzero(d->data, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

struct hs {
	const struct hsd_config *cfg;
	const struct hsd_request *req;
	gnutls_session_t session;
	gnutls_certificate_credentials_t cert;
	gnutls_psk_client_credentials_t psk_client;
	gnutls_psk_server_credentials_t psk_server;
	int32_t peerid;		/* the PSK used */
};

/* Our certificate and key: from the keyring, or the config's default. */
static int own_cert(struct hs *h, const struct hsd_side *side)
{
	const struct hsd_request *req = h->req;
	gnutls_datum_t cert = { 0 }, key = { 0 };
	int ret;

	if (req->cert) {
		ret = read_key(req->cert, &cert);
		if (!ret)
			ret = read_key(req->privkey, &key);
		if (!ret) {
			ret = gnutls_certificate_set_x509_key_mem(h->cert,
					&cert, &key, GNUTLS_X509_FMT_PEM);
			if (ret < 0)
				ret = gnutls_certificate_set_x509_key_mem(
					h->cert, &cert, &key,
					GNUTLS_X509_FMT_DER);
			ret = ret < 0 ? -EINVAL : 0;
		}
		datum_free(&cert);
		datum_free(&key);
		if (ret)
			hsd_log(0, "keys %d/%d: no certificate and key",
				req->cert, req->privkey);
		return ret;
	}
	if (!*side->certificate)
		return 0;
	ret = gnutls_certificate_set_x509_key_file(h->cert, side->certificate,
						   side->private_key,
						   GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		hsd_log(0, "%s, %s: %s", side->certificate, side->private_key,
			gnutls_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

/*
 * A server's check of a client's certificate, during the handshake: none
 * is fine (GnuTLS itself refuses a client without one when it is
 * required); one sent must verify against the trust store.
 */
static int verify_client_cert(gnutls_session_t session)
{
	unsigned int n = 0, status = 0;

	if (!gnutls_certificate_get_peers(session, &n) || !n)
		return 0;
	if (gnutls_certificate_verify_peers3(session, NULL, &status) < 0 ||
	    status) {
		hsd_log(1, "the client's certificate does not verify (status %#x)",
			status);
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	}
	return 0;
}

static int setup_x509(struct hs *h, bool server)
{
	const struct hsd_config *cfg = h->cfg;
	const char *name = h->req->peername;
	unsigned char addr[16];
	int ret;

	if (gnutls_certificate_allocate_credentials(&h->cert))
		return -ENOMEM;
	ret = own_cert(h, server ? &cfg->server : &cfg->client);
	if (ret)
		return ret;
	if (server && !h->req->cert && !*cfg->server.certificate) {
		hsd_log(0, "server handshake without a certificate");
		return -EINVAL;
	}
	if (*cfg->truststore)
		ret = gnutls_certificate_set_x509_trust_file(h->cert,
				cfg->truststore, GNUTLS_X509_FMT_PEM);
	else
		ret = gnutls_certificate_set_x509_system_trust(h->cert);
	if (ret < 0) {
		hsd_log(0, "trust store: %s", gnutls_strerror(ret));
		return -EINVAL;
	}
	if (gnutls_credentials_set(h->session, GNUTLS_CRD_CERTIFICATE, h->cert))
		return -EINVAL;
	if (server) {
		/* A client's certificate, when one comes, is checked. */
		if (cfg->client_certs == HSD_CLIENT_CERTS_NONE)
			return 0;
		gnutls_certificate_server_set_request(h->session,
			cfg->client_certs == HSD_CLIENT_CERTS_REQUIRE ?
			GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
		gnutls_certificate_set_verify_function(h->cert,
						       verify_client_cert);
		return 0;
	}
	/* The server's chain, and its name when the consumer gave one. */
	gnutls_session_set_verify_cert(h->session, *name ? name : NULL, 0);
	if (*name && inet_pton(AF_INET, name, addr) != 1 &&
	    inet_pton(AF_INET6, name, addr) != 1 &&
	    gnutls_server_name_set(h->session, GNUTLS_NAME_DNS, name,
				   strlen(name)))
		return -EINVAL;
	return 0;
}

/* GnuTLS asks for the key of the identity a client offered. */
static int psk_lookup(gnutls_session_t session, const gnutls_datum_t *id,
		      gnutls_datum_t *key)
{
	struct hs *h = gnutls_session_get_ptr(session);
	const struct hsd_request *req = h->req;
	char *desc;
	bool same;

	for (unsigned int i = 0; i < req->num_peerids; i++) {
		if (key_description(req->peerids[i], &desc))
			continue;
		same = strlen(desc) == id->size &&
		       !memcmp(desc, id->data, id->size);
		free(desc);
		if (same && !read_key(req->peerids[i], key)) {
			h->peerid = req->peerids[i];
			return 0;
		}
	}
	hsd_log(1, "unknown PSK identity offered");
	return -1;
}

static int setup_psk(struct hs *h, bool server)
{
	gnutls_datum_t id, key = { 0 };
	char *desc;
	int ret;

	if (server) {
		if (gnutls_psk_allocate_server_credentials(&h->psk_server))
			return -ENOMEM;
		gnutls_psk_set_server_credentials_function2(h->psk_server,
							    psk_lookup);
		gnutls_session_set_ptr(h->session, h);
		return gnutls_credentials_set(h->session, GNUTLS_CRD_PSK,
					      h->psk_server) ? -EINVAL : 0;
	}
	/* A client offers its first identity. */
	ret = key_description(h->req->peerids[0], &desc);
	if (ret)
		return ret;
	ret = read_key(h->req->peerids[0], &key);
	if (ret) {
		free(desc);
		return ret;
	}
	id.data = (unsigned char *)desc;
	id.size = strlen(desc);
	ret = gnutls_psk_allocate_client_credentials(&h->psk_client) ? -ENOMEM :
	      gnutls_psk_set_client_credentials2(h->psk_client, &id, &key,
						 GNUTLS_PSK_KEY_RAW) ? -EINVAL :
	      gnutls_credentials_set(h->session, GNUTLS_CRD_PSK,
				     h->psk_client) ? -EINVAL : 0;
	free(desc);
	datum_free(&key);
	h->peerid = h->req->peerids[0];
	return ret;
}

/* TLS 1.3 with the cipher the socket's config asks for (libquic's rule). */
static int set_priority(struct hs *h, int sd, bool psk)
{
	struct quic_config cfg;
	char prio[256];
	int err;

	err = quic_get_config(sd, &cfg);
	if (!err)
		err = quic_priority_build(prio, sizeof(prio),
					  cfg.payload_cipher_type, psk);
	if (err)
		return err;
	return gnutls_priority_set_direct(h->session, prio, NULL) ? -EINVAL : 0;
}

/* The socket's ALPN list, as libquic reads it for kernel consumers. */
static int set_alpn(struct hs *h, int sd)
{
	char buf[QUIC_ALPN_MAX * (QUIC_ALPN_NAME_MAX + 2)];
	int len = quic_get_alpn(sd, buf, sizeof(buf));

	if (len <= 0)
		return len;
	return quic_session_set_alpn(h->session, buf, len);
}

/*
 * Whether the connection closed with a TLS alert that refuses an identity
 * (CRYPTO_ERROR 0x100 + alert, RFC 9001 section 4.8): ours when our check
 * of the peer failed, the peer's when it refused ours.
 */
static bool closed_for_identity(int sd, bool psk)
{
	union {
		struct quic_connection_close c;
		char buf[sizeof(struct quic_connection_close) + 256];
	} u;
	socklen_t len = sizeof(u);

	if (getsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_CLOSE, &u, &len) ||
	    u.c.errcode < 0x100 || u.c.errcode > 0x1ff)
		return false;
	hsd_log(2, "fd %d: closed with TLS alert %u", sd, u.c.errcode - 0x100);
	switch (u.c.errcode - 0x100) {
	case GNUTLS_A_HANDSHAKE_FAILURE:
	case GNUTLS_A_ILLEGAL_PARAMETER:
		/* How GnuTLS servers refuse a PSK: an identity they do not
		 * know, a binder that does not verify (the wrong key).
		 */
		return psk;
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
	case GNUTLS_A_CERTIFICATE_REVOKED:
	case GNUTLS_A_CERTIFICATE_EXPIRED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_DECRYPT_ERROR:
	case GNUTLS_A_UNKNOWN_PSK_IDENTITY:
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		return true;
	}
	return false;
}

/*
 * The peer's identity after an x509 handshake: its certificate (DER) as a
 * "user" key in the consumer's keyring, described "quic-peer:sha256:" and
 * its SHA-256 fingerprint.  0 when the peer sent none, or the request
 * named no keyring to put it in.
 */
static int32_t peer_cert_key(struct hs *h)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0, i;
	unsigned char fp[32];
	size_t fplen = sizeof(fp);
	char desc[32 + 2 * sizeof(fp)];
	int len;
	key_serial_t k;

	certs = gnutls_certificate_get_peers(h->session, &n);
	if (!certs || !n || !h->req->keyring)
		return 0;
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &certs[0], fp, &fplen) ||
	    fplen != sizeof(fp))
		return 0;
	len = snprintf(desc, sizeof(desc), "quic-peer:sha256:");
	for (i = 0; i < fplen; i++)
		len += snprintf(desc + len, sizeof(desc) - len, "%02x", fp[i]);
	k = add_key("user", desc, certs[0].data, certs[0].size,
		    h->req->keyring);
	if (k < 0) {
		hsd_log(0, "keyring %d: the peer's certificate: %s",
			h->req->keyring, strerror(errno));
		return 0;
	}
	return k;
}

/* What the consumer is told: the peer rejected, a timeout, or a failure. */
static int status_of(int sd, bool psk, int err)
{
	if (err && closed_for_identity(sd, psk))
		return EACCES;
	switch (err) {
	case 0:
		return 0;
	case -EKEYREJECTED:
	case -EACCES:
		return EACCES;
	case -ETIMEDOUT:
		return ETIMEDOUT;
	case -EINVAL:
		return EINVAL;
	default:
		return EIO;
	}
}

/**
 * hsd_handshake - run the handshake a request asks for
 *
 * Return: the status for DONE: 0, or a positive errno (EACCES: the peer
 * or its keys were rejected, or ours could not be read; EINVAL: the
 * request cannot be served; EIO: the handshake failed).
 */
int hsd_handshake(const struct hsd_config *cfg, const struct hsd_request *req,
		  int32_t *peerid)
{
	bool server = req->msg_type == HSD_MSG_SERVERHELLO;
	bool psk = req->auth_mode == HSD_AUTH_PSK;
	struct hs h = { .cfg = cfg, .req = req };
	int err;

	*peerid = 0;
	if (gnutls_init(&h.session, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
			GNUTLS_NO_END_OF_EARLY_DATA))
		return ENOMEM;
	gnutls_transport_set_int(h.session, req->sockfd);
	err = set_priority(&h, req->sockfd, psk);
	if (!err)
		err = psk ? setup_psk(&h, server) : setup_x509(&h, server);
	if (!err)
		err = set_alpn(&h, req->sockfd);
	if (!err) {
		err = quic_handshake(h.session);
		if (err)
			hsd_log(1, "fd %d: handshake failed: %s", req->sockfd,
				strerror(-err));
	}
	if (!err)
		*peerid = psk ? h.peerid : peer_cert_key(&h);

	gnutls_deinit(h.session);
	if (h.cert)
		gnutls_certificate_free_credentials(h.cert);
	if (h.psk_client)
		gnutls_psk_free_client_credentials(h.psk_client);
	if (h.psk_server)
		gnutls_psk_free_server_credentials(h.psk_server);
	return status_of(req->sockfd, psk, err);
}
