// SPDX-License-Identifier: GPL-2.0
/*
 * libquic: quic_client_handshake() and quic_server_handshake(), which set
 * up a GnuTLS session (certificates or PSK, ALPN, the socket's settings)
 * and run quic_handshake() on it; and the session helpers of the draft's
 * Appendix B for applications that set up their own session
 * (quic_session_set_alpn() and the others).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Whatever credentials one handshake uses, freed together. */
struct creds {
	gnutls_certificate_credentials_t cert;
	gnutls_psk_client_credentials_t psk_client;
	gnutls_psk_server_credentials_t psk_server;
	struct quic_psk_list psks;	/* the server looks identities up here */
};

static void creds_free(struct creds *c)
{
	if (c->cert)
		gnutls_certificate_free_credentials(c->cert);
	if (c->psk_client)
		gnutls_psk_free_client_credentials(c->psk_client);
	if (c->psk_server)
		gnutls_psk_free_server_credentials(c->psk_server);
	quic_psk_free(&c->psks);
}

/* GnuTLS says only "file error"; open() says which (ENOENT, EACCES...). */
static int check_readable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The CAs that verify the peer's certificate: the PEM file QUIC_CA_FILE
 * names, or else the system's trust store.  (Not taken from the
 * environment of a set-user-ID program.)
 */
static int load_trust(gnutls_certificate_credentials_t cred)
{
	const char *ca = secure_getenv("QUIC_CA_FILE");
	int ret;

	if (ca && *ca) {
		ret = check_readable(ca);
		if (ret)
			return ret;
		ret = gnutls_certificate_set_x509_trust_file(cred, ca,
							     GNUTLS_X509_FMT_PEM);
		return ret > 0 ? 0 : -EINVAL;	/* no certificate in it */
	}
	ret = gnutls_certificate_set_x509_system_trust(cred);
	return ret < 0 ? -ENOENT : 0;
}

/*
 * The errno for a GnuTLS call outside the handshake that failed, as
 * quic(3) says: out of memory, or else something wrong with what the
 * caller gave.
 */
static int gnutls_call_errno(int ret)
{
	return ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
}

/*
 * Parse a comma-separated ALPN list (len bytes, not NUL-terminated) and
 * set it on the session.  Mandatory: no common protocol fails the
 * handshake (RFC 9001 section 8.1).
 */
static int alpn_set(gnutls_session_t session, const char *alpns, size_t len)
{
	struct quic_alpn_list list;
	int err, ret;

	err = quic_alpn_parse(alpns, len, &list);
	if (err)
		return err;
	ret = gnutls_alpn_set_protocols(session, list.names, list.count,
					GNUTLS_ALPN_MANDATORY);
	return ret ? gnutls_call_errno(ret) : 0;
}

/* ALPN from the argument, or else from the socket (kernel consumers). */
static int set_alpn(gnutls_session_t session, int sd, const char *alpns)
{
	char buf[QUIC_ALPN_MAX * (QUIC_ALPN_NAME_MAX + 2)];
	int len;

	if (alpns)
		return alpn_set(session, alpns, strlen(alpns));
	len = quic_get_alpn(sd, buf, sizeof(buf));
	if (len <= 0)
		return len;
	return alpn_set(session, buf, len);
}

/* A session over sd, ready for credentials; priority from the socket. */
static int new_session(gnutls_session_t *session, unsigned int flags, int sd,
		       bool psk)
{
	struct quic_config config;
	char priority[256];
	int err;

	err = quic_get_config(sd, &config);
	if (err)
		return err;
	err = quic_priority_build(priority, sizeof(priority),
				  config.payload_cipher_type, psk);
	if (err)
		return -EINVAL;

	/* RFC 9001 section 8.3: QUIC has no EndOfEarlyData message. */
	if (gnutls_init(session, flags | GNUTLS_NO_END_OF_EARLY_DATA))
		return -ENOMEM;
	if (gnutls_priority_set_direct(*session, priority, NULL)) {
		gnutls_deinit(*session);
		return -EINVAL;
	}
	gnutls_transport_set_int(*session, sd);
	return 0;
}

/* ---- Client ---- */

/* PSK mode: the first entry of the file. */
static int client_psk(gnutls_session_t session, struct creds *c,
		      const char *pkey_file)
{
	gnutls_datum_t id, key;
	int err;

	err = quic_psk_load(pkey_file, &c->psks);
	if (err)
		return err;
	if (gnutls_psk_allocate_client_credentials(&c->psk_client))
		return -ENOMEM;

	id.data = (unsigned char *)c->psks.psks[0].identity;
	id.size = c->psks.psks[0].identity_len;
	key.data = c->psks.psks[0].key;
	key.size = c->psks.psks[0].key_len;
	if (gnutls_psk_set_client_credentials2(c->psk_client, &id, &key,
					       GNUTLS_PSK_KEY_RAW))
		return -EINVAL;
	return gnutls_credentials_set(session, GNUTLS_CRD_PSK,
				      c->psk_client) ? -EINVAL : 0;
}

/* Certificate mode: verify the server's chain, and its name if given. */
static int client_cert(gnutls_session_t session, struct creds *c,
		       const char *hostname)
{
	int err;

	if (gnutls_certificate_allocate_credentials(&c->cert))
		return -ENOMEM;
	err = load_trust(c->cert);
	if (err)
		return err;
	if (gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, c->cert))
		return -EINVAL;
	gnutls_session_set_verify_cert(session, hostname, 0);
	return 0;
}

static bool is_ip_literal(const char *name)
{
	unsigned char addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, addr) == 1 ||
	       inet_pton(AF_INET6, name, addr) == 1;
}

/* SNI carries DNS names only (RFC 6066 section 3), never an address. */
static int client_sni(gnutls_session_t session, const char *hostname)
{
	if (!hostname || is_ip_literal(hostname))
		return 0;
	if (gnutls_server_name_set(session, GNUTLS_NAME_DNS, hostname,
				   strlen(hostname)))
		return -EINVAL;
	return 0;
}

QUIC_API int quic_client_handshake(int sd, const char *pkey_file,
				   const char *hostname, const char *alpns)
{
	struct creds c = { 0 };
	gnutls_session_t session;
	int err;

	if (sd < 0 || (hostname && !*hostname))
		return -EINVAL;
	err = new_session(&session, GNUTLS_CLIENT, sd, pkey_file != NULL);
	if (err)
		return err;

	if (pkey_file)
		err = client_psk(session, &c, pkey_file);
	else
		err = client_cert(session, &c, hostname);
	if (!err)
		err = client_sni(session, hostname);
	if (!err)
		err = set_alpn(session, sd, alpns);
	if (!err)
		err = quic_handshake(session);

	gnutls_deinit(session);
	creds_free(&c);
	return err;
}

/* ---- Server ---- */

/* GnuTLS asks for the key of the identity the client offered. */
static int server_psk_lookup(gnutls_session_t session,
			     const gnutls_datum_t *identity,
			     gnutls_datum_t *key)
{
	const struct quic_psk_list *psks = gnutls_session_get_ptr(session);
	const struct quic_psk *psk;

	psk = quic_psk_find(psks, identity->data, identity->size);
	if (!psk)
		return -1;
	key->data = gnutls_malloc(psk->key_len);	/* GnuTLS frees it */
	if (!key->data)
		return -1;
	memcpy(key->data, psk->key, psk->key_len);
	key->size = psk->key_len;
	return 0;
}

static int server_psk(gnutls_session_t session, struct creds *c,
		      const char *pkey_file)
{
	int err;

	err = quic_psk_load(pkey_file, &c->psks);
	if (err)
		return err;
	if (gnutls_psk_allocate_server_credentials(&c->psk_server))
		return -ENOMEM;
	gnutls_psk_set_server_credentials_function2(c->psk_server,
						    server_psk_lookup);
	/* This session is ours alone, so its user pointer is free. */
	gnutls_session_set_ptr(session, &c->psks);
	return gnutls_credentials_set(session, GNUTLS_CRD_PSK,
				      c->psk_server) ? -EINVAL : 0;
}

/*
 * certificate_request 1: a client certificate is welcome but not needed.
 * GnuTLS's own check (gnutls_session_set_verify_cert()) fails when there
 * is none, so this one verifies only a certificate that came.
 */
static int verify_cert_if_any(gnutls_session_t session)
{
	unsigned int count = 0, status;

	if (!gnutls_certificate_get_peers(session, &count) || !count)
		return 0;
	if (gnutls_certificate_verify_peers3(session, NULL, &status) || status)
		return GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
	return 0;
}

/*
 * The socket's certificate_request (kernel consumers set it): 1 asks the
 * client for a certificate, 2 requires one; one that comes is verified.
 */
static int server_cert_request(gnutls_session_t session, struct creds *c,
			       int sd)
{
	struct quic_config config;
	int err;

	err = quic_get_config(sd, &config);
	if (err)
		return err;
	if (!config.certificate_request)
		return 0;
	if (config.certificate_request > 2)
		return -EINVAL;

	err = load_trust(c->cert);
	if (err)
		return err;
	if (config.certificate_request == 1) {
		gnutls_certificate_server_set_request(session,
						      GNUTLS_CERT_REQUEST);
		gnutls_session_set_verify_function(session, verify_cert_if_any);
	} else {
		gnutls_certificate_server_set_request(session,
						      GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(session, NULL, 0);
	}
	return 0;
}

static int server_cert(gnutls_session_t session, struct creds *c, int sd,
		       const char *pkey_file, const char *cert_file)
{
	int err;

	if (!pkey_file)
		return -EINVAL;
	err = check_readable(cert_file);
	if (!err)
		err = check_readable(pkey_file);
	if (err)
		return err;

	if (gnutls_certificate_allocate_credentials(&c->cert))
		return -ENOMEM;
	if (gnutls_certificate_set_x509_key_file(c->cert, cert_file, pkey_file,
						 GNUTLS_X509_FMT_PEM) < 0)
		return -EINVAL;
	err = server_cert_request(session, c, sd);
	if (err)
		return err;
	return gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE,
				      c->cert) ? -EINVAL : 0;
}

QUIC_API int quic_server_handshake(int sd, const char *pkey_file,
				   const char *cert_file, const char *alpns)
{
	struct creds c = { 0 };
	gnutls_session_t session;
	int err;

	if (sd < 0 || !pkey_file)
		return -EINVAL;
	err = new_session(&session, GNUTLS_SERVER, sd, !cert_file);
	if (err)
		return err;

	if (cert_file)
		err = server_cert(session, &c, sd, pkey_file, cert_file);
	else
		err = server_psk(session, &c, pkey_file);
	if (!err)
		err = set_alpn(session, sd, alpns);
	if (!err)
		err = quic_handshake(session);

	gnutls_deinit(session);
	creds_free(&c);
	return err;
}

/* ---- Session helpers (the draft's Appendix B) ---- */

/*
 * The same list quic_client_handshake() takes, as bytes: NULs at its end
 * are allowed (a caller may count the string's own), one inside is not.
 */
QUIC_API int quic_session_set_alpn(gnutls_session_t session,
				   const void *alpns, size_t size)
{
	const char *s = alpns;

	if (!session || !alpns)
		return -EINVAL;
	while (size && !s[size - 1])
		size--;
	return alpn_set(session, s, size);
}

/*
 * The protocol the handshake selected: its bytes, NUL-terminated when the
 * buffer has room for one more; *size becomes its length.  -ENOENT when
 * none was (no ALPN on either side, or before the handshake).
 */
QUIC_API int quic_session_get_alpn(gnutls_session_t session, void *alpn,
				   size_t *size)
{
	gnutls_datum_t sel;
	int ret;

	if (!session || !alpn || !size)
		return -EINVAL;
	ret = gnutls_alpn_get_selected_protocol(session, &sel);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE || (!ret && !sel.size))
		return -ENOENT;
	if (ret)
		return gnutls_call_errno(ret);
	if (*size < sel.size)
		return -EINVAL;

	memcpy(alpn, sel.data, sel.size);
	if (*size > sel.size)
		((char *)alpn)[sel.size] = '\0';
	*size = sel.size;
	return 0;
}

/*
 * Session data for resumption, after quic_handshake() ran the session.
 * The kernel hands over the server's NewSessionTicket with
 * QUIC_SOCKOPT_SESSION_TICKET (read into data, which is then
 * overwritten); GnuTLS takes it and gives the session data.  No ticket
 * yet: 0 with *size 0.  Kernels without session tickets fail the
 * getsockopt() with EOPNOTSUPP, returned as -EOPNOTSUPP.
 */
QUIC_API int quic_session_get_data(gnutls_session_t session, void *data,
				   size_t *size)
{
	gnutls_datum_t out;
	socklen_t len;
	int sd, ret;

	if (!session || !data || !size)
		return -EINVAL;
	sd = gnutls_transport_get_int(session);
	if (sd < 0)
		return -EINVAL;

	len = *size > UINT_MAX ? UINT_MAX : *size;
	if (getsockopt(sd, SOL_QUIC, QUIC_SOCKOPT_SESSION_TICKET, data, &len))
		return -errno;
	if (!len) {
		*size = 0;
		return 0;
	}
	/* A length past the buffer: what the ticket would need. */
	if (len > *size)
		return -EINVAL;

	ret = quic_handshake_process(session, QUIC_CRYPTO_APP, data, len);
	if (ret)
		return ret;
	ret = gnutls_session_get_data2(session, &out);
	if (ret)
		return gnutls_call_errno(ret);
	/* The session data hold the resumption secret: wiped after use. */
	if (out.size <= *size) {
		memcpy(data, out.data, out.size);
		*size = out.size;
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	explicit_bzero(out.data, out.size);
	gnutls_free(out.data);
	return ret;
}

/* Session data from quic_session_get_data(), on a new client session. */
QUIC_API int quic_session_set_data(gnutls_session_t session, const void *data,
				   size_t size)
{
	int ret;

	if (!session || !data || !size)
		return -EINVAL;
	ret = gnutls_session_set_data(session, data, size);
	return ret ? gnutls_call_errno(ret) : 0;
}
