// SPDX-License-Identifier: GPL-2.0
/*
 * libquic: pure helpers (no sockets), so the host tests can check them:
 * ALPN lists, PSK files, level and cipher mapping, priority strings and
 * error codes.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/tls.h>

#include "internal.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Shrink [*start, *end) past blanks on both sides. */
static void trim(const char **start, const char **end)
{
	while (*start < *end && is_blank(**start))
		(*start)++;
	while (*end > *start && is_blank((*end)[-1]))
		(*end)--;
}

/* ---- ALPN ---- */

/* One name of the list, copied into list->buf. */
static int alpn_add(struct quic_alpn_list *list, char **out,
		    const char *name, const char *end)
{
	size_t n;

	trim(&name, &end);
	n = end - name;
	/* Empty names (",h3", "h3,,x") are malformed lists, not "no ALPN". */
	if (!n || n > QUIC_ALPN_NAME_MAX || list->count == QUIC_ALPN_MAX)
		return -EINVAL;
	/* A buffer from the socket could hold a NUL; a C string never does. */
	if (memchr(name, '\0', n))
		return -EINVAL;

	memcpy(*out, name, n);
	list->names[list->count].data = (unsigned char *)*out;
	list->names[list->count].size = n;
	list->count++;
	*out += n;
	return 0;
}

int quic_alpn_parse(const char *alpns, size_t len, struct quic_alpn_list *list)
{
	const char *p = alpns, *end = alpns + len;
	char *out = list->buf;
	int err;

	list->count = 0;
	if (!alpns || !len)
		return -EINVAL;

	for (;;) {
		const char *comma = memchr(p, ',', end - p);

		err = alpn_add(list, &out, p, comma ? comma : end);
		if (err) {
			list->count = 0;
			return err;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* ---- PSK files ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_decode(const char *hex, size_t n, uint8_t *out, size_t size)
{
	size_t i;

	if (n % 2 || n / 2 > size)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = hi << 4 | lo;
	}
	return n / 2;
}

/* "identity:hexkey", already trimmed. */
static int psk_parse_line(const char *line, size_t n, struct quic_psk *psk)
{
	const char *colon = memchr(line, ':', n);
	size_t id_len;
	int key_len;

	if (!colon)
		return -EINVAL;
	id_len = colon - line;
	if (!id_len || id_len > QUIC_PSK_IDENTITY_MAX ||
	    memchr(line, '\0', id_len))
		return -EINVAL;

	key_len = hex_decode(colon + 1, n - id_len - 1, psk->key,
			     sizeof(psk->key));
	if (key_len < QUIC_PSK_KEY_MIN) {
		explicit_bzero(psk->key, sizeof(psk->key));
		return -EINVAL;
	}

	memcpy(psk->identity, line, id_len);
	psk->identity[id_len] = '\0';
	psk->identity_len = id_len;
	psk->key_len = key_len;
	return 0;
}

static int psk_append(struct quic_psk_list *list, const struct quic_psk *psk)
{
	struct quic_psk *grown;

	/* Two keys for one identity: which one did the user mean? */
	if (quic_psk_find(list, psk->identity, psk->identity_len))
		return -EINVAL;

	grown = realloc(list->psks, (list->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	list->psks = grown;
	list->psks[list->count++] = *psk;
	return 0;
}

int quic_psk_parse(const char *text, size_t len, struct quic_psk_list *list)
{
	const char *p = text, *end = text + len;
	struct quic_psk psk;
	int err = 0;

	list->psks = NULL;
	list->count = 0;

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', end - p);
		const char *line = p, *stop = nl ? nl : end;

		p = nl ? nl + 1 : end;
		trim(&line, &stop);
		if (line == stop || *line == '#')
			continue;
		err = psk_parse_line(line, stop - line, &psk);
		if (!err)
			err = psk_append(list, &psk);
	}
	explicit_bzero(&psk, sizeof(psk));

	if (!err && !list->count)
		err = -EINVAL;
	if (err)
		quic_psk_free(list);
	return err;
}

/* Read a whole (small) file; the caller wipes and frees *text. */
static int read_small_file(const char *path, char **text, size_t *len)
{
	size_t size = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}

	for (;;) {
		ssize_t n;

		if (size == cap) {
			char *grown = cap < QUIC_PSK_FILE_MAX ? malloc(cap * 2) : NULL;

			if (!grown) {
				err = cap < QUIC_PSK_FILE_MAX ? -ENOMEM : -EFBIG;
				break;
			}
			/* Copy by hand so no stale copy of a key is left. */
			memcpy(grown, buf, size);
			explicit_bzero(buf, size);
			free(buf);
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		size += n;
	}
	close(fd);

	if (err) {
		explicit_bzero(buf, size);
		free(buf);
		return err;
	}
	*text = buf;
	*len = size;
	return 0;
}

int quic_psk_load(const char *path, struct quic_psk_list *list)
{
	char *text = NULL;
	size_t len = 0;
	int err;

	list->psks = NULL;
	list->count = 0;
	if (!path)
		return -EINVAL;
	err = read_small_file(path, &text, &len);
	if (err)
		return err;
	err = quic_psk_parse(text, len, list);
	explicit_bzero(text, len);
	free(text);
	return err;
}

const struct quic_psk *quic_psk_find(const struct quic_psk_list *list,
				     const void *identity, size_t len)
{
	unsigned int i;

	for (i = 0; i < list->count; i++) {
		const struct quic_psk *psk = &list->psks[i];

		if (psk->identity_len == len &&
		    !memcmp(psk->identity, identity, len))
			return psk;
	}
	return NULL;
}

void quic_psk_free(struct quic_psk_list *list)
{
	if (list->psks)
		explicit_bzero(list->psks, list->count * sizeof(*list->psks));
	free(list->psks);
	list->psks = NULL;
	list->count = 0;
}

/* ---- Levels and ciphers ---- */

int quic_level_from_gnutls(gnutls_record_encryption_level_t level)
{
	switch (level) {
	case GNUTLS_ENCRYPTION_LEVEL_INITIAL:
		return QUIC_CRYPTO_INITIAL;
	case GNUTLS_ENCRYPTION_LEVEL_EARLY:
		return QUIC_CRYPTO_EARLY;
	case GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE:
		return QUIC_CRYPTO_HANDSHAKE;
	case GNUTLS_ENCRYPTION_LEVEL_APPLICATION:
		return QUIC_CRYPTO_APP;
	}
	return -EINVAL;
}

int quic_level_to_gnutls(uint8_t level)
{
	switch (level) {
	case QUIC_CRYPTO_INITIAL:
		return GNUTLS_ENCRYPTION_LEVEL_INITIAL;
	case QUIC_CRYPTO_EARLY:
		return GNUTLS_ENCRYPTION_LEVEL_EARLY;
	case QUIC_CRYPTO_HANDSHAKE:
		return GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE;
	case QUIC_CRYPTO_APP:
		return GNUTLS_ENCRYPTION_LEVEL_APPLICATION;
	}
	return -EINVAL;
}

/* The TLS_CIPHER_* type the kernel knows the cipher by, or 0. */
uint32_t quic_cipher_type(gnutls_cipher_algorithm_t cipher)
{
	switch (cipher) {
	case GNUTLS_CIPHER_AES_128_GCM:
		return TLS_CIPHER_AES_GCM_128;
	case GNUTLS_CIPHER_AES_256_GCM:
		return TLS_CIPHER_AES_GCM_256;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		return TLS_CIPHER_CHACHA20_POLY1305;
	default:
		return 0;
	}
}

/* ---- Priority strings ---- */

static const char *cipher_priority(uint32_t cipher_type)
{
	switch (cipher_type) {
	case 0:
		return "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305";
	case TLS_CIPHER_AES_GCM_128:
		return "+AES-128-GCM";
	case TLS_CIPHER_AES_GCM_256:
		return "+AES-256-GCM";
	case TLS_CIPHER_CHACHA20_POLY1305:
		return "+CHACHA20-POLY1305";
	}
	return NULL;
}

/*
 * QUIC_PRIORITY, with one cipher only if the socket's configuration asks for
 * it (kernel consumers do), and with the PSK key exchanges in PSK mode
 * (ephemeral (EC)DHE only, for forward secrecy).
 */
int quic_priority_build(char *buf, size_t size, uint32_t cipher_type, bool psk)
{
	const char *ciphers = cipher_priority(cipher_type);
	int n;

	if (!ciphers)
		return -EINVAL;
	n = snprintf(buf, size,
		     "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:%s:"
		     "%%DISABLE_TLS13_COMPAT_MODE%s",
		     ciphers, psk ? ":+ECDHE-PSK:+DHE-PSK" : "");
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

/* ---- Errors ---- */

/* RFC 9001 section 4.8: CRYPTO_ERROR is 0x100 plus the TLS alert. */
uint32_t quic_crypto_error(unsigned int alert)
{
	return QUIC_TRANSPORT_ERROR_CRYPTO + (alert & 0xff);
}

/* The alert that says best why certificate verification failed. */
unsigned int quic_cert_status_alert(unsigned int status)
{
	if (status & GNUTLS_CERT_REVOKED)
		return GNUTLS_A_CERTIFICATE_REVOKED;
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return GNUTLS_A_UNKNOWN_CA;
	if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED))
		return GNUTLS_A_CERTIFICATE_EXPIRED;
	return GNUTLS_A_BAD_CERTIFICATE;
}

/* A failed GnuTLS handshake, as the errno quic(3) documents. */
int quic_errno_from_gnutls(int err)
{
	switch (err) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
	case GNUTLS_E_CERTIFICATE_ERROR:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_PK_SIG_VERIFY_FAILED:
	case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
	case GNUTLS_E_X509_UNKNOWN_SAN:
	case GNUTLS_E_KEY_USAGE_VIOLATION:
	case GNUTLS_E_KEYFILE_ERROR:	/* unknown PSK identity */
		return -EKEYREJECTED;
	case GNUTLS_E_NO_APPLICATION_PROTOCOL:
		return -ENOPROTOOPT;
	case GNUTLS_E_MEMORY_ERROR:
		return -ENOMEM;
	case GNUTLS_E_INVALID_REQUEST:
		return -EINVAL;
	}
	return -EPROTO;
}

/*
 * A failed socket call (its errno) during the handshake.  A peer that
 * closed the connection shows as ECONNREFUSED whichever way the kernel
 * said it; a descriptor that is no QUIC socket is a bad argument.
 */
int quic_errno_from_kernel(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
		return -ECONNREFUSED;
	case EBADF:
	case ENOTSOCK:
	case ENOPROTOOPT:
		return -EINVAL;
	case 0:
		return -EIO;
	}
	return -err;
}
