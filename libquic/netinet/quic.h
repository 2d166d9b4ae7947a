/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libquic: the TLS 1.3 handshake (GnuTLS) and stream I/O helpers for
 * IPPROTO_QUIC sockets, as draft-lxin-quic-socket-apis describes them.
 * See quic(3).
 */

#ifndef _NETINET_QUIC_H
#define _NETINET_QUIC_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/quic.h>
#include <gnutls/gnutls.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * GnuTLS priority string for QUIC: TLS 1.3 only, the three AEADs QUIC
 * packet protection supports here, and no middlebox-compatibility
 * ChangeCipherSpec (RFC 9001 section 8.4 forbids it).
 */
#define QUIC_PRIORITY							\
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:"				\
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"	\
	"%DISABLE_TLS13_COMPAT_MODE"

int quic_client_handshake(int sd, const char *pkey_file,
			  const char *hostname, const char *alpns);
int quic_server_handshake(int sd, const char *pkey_file,
			  const char *cert_file, const char *alpns);

/* session is a gnutls_session_t whose transport is the socket. */
int quic_handshake(void *session);

/* Feed handshake data of one level to the session (e.g. NewSessionTicket). */
int quic_handshake_process(gnutls_session_t session, uint8_t level,
			   const uint8_t *data, size_t len);

/*
 * The draft's Appendix B helpers, for a session the application sets up
 * and runs with quic_handshake() (since libquic 1.1, QUIC_1.1).  Each
 * returns 0 or a negative errno.
 */
int quic_session_get_data(gnutls_session_t session, void *data, size_t *size);
int quic_session_set_data(gnutls_session_t session, const void *data,
			  size_t size);
int quic_session_get_alpn(gnutls_session_t session, void *alpn, size_t *size);
int quic_session_set_alpn(gnutls_session_t session, const void *alpns,
			  size_t size);

ssize_t quic_sendmsg(int sd, const void *msg, size_t len, int64_t sid,
		     uint32_t flags);
ssize_t quic_recvmsg(int sd, void *msg, size_t len, int64_t *sid,
		     uint32_t *flags);

#ifdef __cplusplus
}
#endif

#endif /* _NETINET_QUIC_H */
