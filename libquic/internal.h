/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libquic internals, shared by its files and by the host unit tests
 * (tests/libquic/), which compile util.c on its own.
 *
 * Every int-returning function here returns 0 (or a count) on success and a
 * negative errno on failure.
 */

#ifndef _LIBQUIC_INTERNAL_H
#define _LIBQUIC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/quic.h>

/* Built with -fvisibility=hidden: only these are the library's ABI. */
#define QUIC_API __attribute__((visibility("default")))

/* ---- util.c: pure helpers, no sockets ---- */

/*
 * ALPN lists: "h3, smbd" -> { "h3", "smbd" }.  RFC 7301 allows names of 1 to
 * 255 bytes; GnuTLS 3.7 takes at most 8 names (and of 31 bytes at most,
 * which gnutls_alpn_set_protocols() itself enforces).
 */
#define QUIC_ALPN_MAX		8
#define QUIC_ALPN_NAME_MAX	255

struct quic_alpn_list {
	char buf[QUIC_ALPN_MAX * QUIC_ALPN_NAME_MAX];
	gnutls_datum_t names[QUIC_ALPN_MAX];
	unsigned int count;
};

int quic_alpn_parse(const char *alpns, size_t len, struct quic_alpn_list *list);

/*
 * PSK files: one "identity:hexkey" entry a line; blank lines and lines
 * starting with '#' are skipped.
 */
#define QUIC_PSK_IDENTITY_MAX	255
#define QUIC_PSK_KEY_MIN	16
#define QUIC_PSK_KEY_MAX	64
#define QUIC_PSK_FILE_MAX	(1 << 20)

struct quic_psk {
	char identity[QUIC_PSK_IDENTITY_MAX + 1];	/* NUL-terminated */
	unsigned int identity_len;
	uint8_t key[QUIC_PSK_KEY_MAX];
	unsigned int key_len;
};

struct quic_psk_list {
	struct quic_psk *psks;
	unsigned int count;
};

int quic_psk_parse(const char *text, size_t len, struct quic_psk_list *list);
int quic_psk_load(const char *path, struct quic_psk_list *list);
const struct quic_psk *quic_psk_find(const struct quic_psk_list *list,
				     const void *identity, size_t len);
void quic_psk_free(struct quic_psk_list *list);

/* Encryption levels and ciphers between GnuTLS and the kernel. */
int quic_level_from_gnutls(gnutls_record_encryption_level_t level);
int quic_level_to_gnutls(uint8_t level);
uint32_t quic_cipher_type(gnutls_cipher_algorithm_t cipher);

/* The priority string, restricted to one TLS_CIPHER_* type if not 0. */
int quic_priority_build(char *buf, size_t size, uint32_t cipher_type, bool psk);

/* Errors. */
uint32_t quic_crypto_error(unsigned int alert);
unsigned int quic_cert_status_alert(unsigned int status);
int quic_errno_from_gnutls(int err);
int quic_errno_from_kernel(int err);

/* ---- io.c: the kernel side of the handshake ---- */

int quic_crypto_send(int sd, uint8_t level, const void *data, size_t len);
ssize_t quic_crypto_recv(int sd, uint8_t *level, void *buf, size_t size);
int quic_set_secret(int sd, uint8_t level, bool send, uint32_t type,
		    const void *secret, size_t len);
int quic_set_close(int sd, uint32_t errcode, const char *phrase);
int quic_get_alpn(int sd, char *buf, size_t size);
int quic_get_config(int sd, struct quic_config *config);

#endif /* _LIBQUIC_INTERNAL_H */
