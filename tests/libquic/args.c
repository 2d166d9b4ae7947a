// SPDX-License-Identifier: GPL-2.0
/*
 * libquic's pure helpers (libquic/util.c), on the host: ALPN lists, PSK
 * files, level and cipher mapping, priority strings and error codes.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/tls.h>

#include "internal.h"

#define TEST_SUITE "libquic"
#include "../lib/test.h"

/* ---- ALPN ---- */

static int alpn(const char *s, struct quic_alpn_list *list)
{
	return quic_alpn_parse(s, strlen(s), list);
}

static void check_name(const struct quic_alpn_list *list, unsigned int i,
		       const char *want)
{
	CHECK(i < list->count);
	CHECK(list->names[i].size == strlen(want));
	CHECK(!memcmp(list->names[i].data, want, strlen(want)));
}

TEST(alpn_lists)
{
	struct quic_alpn_list list;

	CHECK(alpn("h3", &list) == 0);
	CHECK(list.count == 1);
	check_name(&list, 0, "h3");

	CHECK(alpn("h3,smbd", &list) == 0);
	CHECK(list.count == 2);
	check_name(&list, 0, "h3");
	check_name(&list, 1, "smbd");

	/* Blanks around names go, as in "smbd, h3". */
	CHECK(alpn(" smbd ,\th3 ", &list) == 0);
	CHECK(list.count == 2);
	check_name(&list, 0, "smbd");
	check_name(&list, 1, "h3");

	/* The draft's style: blanks after commas, and before them too. */
	CHECK(alpn("h3, smb ,x", &list) == 0);
	CHECK(list.count == 3);
	check_name(&list, 0, "h3");
	check_name(&list, 1, "smb");
	check_name(&list, 2, "x");

	/* Not NUL-terminated, as the socket option gives it. */
	CHECK(quic_alpn_parse("h3,smbdXXX", 7, &list) == 0);
	CHECK(list.count == 2);
	check_name(&list, 1, "smbd");
}

TEST(alpn_bad_lists)
{
	static const char *const bad[] = {
		"", " ", ",", ",h3", "h3,", "h3,,smbd", "h3, ,smbd", " ,h3",
	};
	struct quic_alpn_list list;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		list.count = 5;
		if (alpn(bad[i], &list) != -EINVAL)
			FAIL("\"%s\" accepted", bad[i]);
		CHECK(list.count == 0);
	}
	CHECK(quic_alpn_parse(NULL, 3, &list) == -EINVAL);
	/* A NUL inside a buffer from the socket. */
	CHECK(quic_alpn_parse("h3,s\0bd", 7, &list) == -EINVAL);
}

TEST(alpn_limits)
{
	struct quic_alpn_list list;
	char name[300], many[64];

	/* 255 bytes is the most RFC 7301 allows. */
	memset(name, 'a', 255);
	name[255] = '\0';
	CHECK(alpn(name, &list) == 0);
	CHECK(list.names[0].size == 255);
	name[255] = 'a';
	name[256] = '\0';
	CHECK(alpn(name, &list) == -EINVAL);

	/* Eight names at most (what GnuTLS 3.7 takes). */
	strcpy(many, "a,b,c,d,e,f,g,h");
	CHECK(alpn(many, &list) == 0);
	CHECK(list.count == QUIC_ALPN_MAX);
	check_name(&list, 7, "h");
	strcat(many, ",i");
	CHECK(alpn(many, &list) == -EINVAL);
}

/* Eight names of 255 bytes fill the list's buffer exactly. */
TEST(alpn_full_buffer)
{
	struct quic_alpn_list list;
	char s[QUIC_ALPN_MAX * (QUIC_ALPN_NAME_MAX + 1)];
	unsigned int i;

	memset(s, 'x', sizeof(s));
	for (i = 1; i < QUIC_ALPN_MAX; i++)
		s[i * (QUIC_ALPN_NAME_MAX + 1) - 1] = ',';
	s[sizeof(s) - 1] = '\0';
	CHECK(alpn(s, &list) == 0);
	CHECK(list.count == QUIC_ALPN_MAX);
	for (i = 0; i < QUIC_ALPN_MAX; i++)
		CHECK(list.names[i].size == QUIC_ALPN_NAME_MAX);
}

/* ---- PSK files ---- */

static int psk(const char *text, struct quic_psk_list *list)
{
	return quic_psk_parse(text, strlen(text), list);
}

TEST(psk_files)
{
	static const uint8_t key1[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	struct quic_psk_list list;
	const struct quic_psk *p;

	CHECK(psk("client1:000102030405060708090a0b0c0d0e0f\n", &list) == 0);
	CHECK(list.count == 1);
	CHECK(!strcmp(list.psks[0].identity, "client1"));
	CHECK(list.psks[0].identity_len == 7);
	CHECK(list.psks[0].key_len == 16);
	CHECK(!memcmp(list.psks[0].key, key1, 16));
	quic_psk_free(&list);
	CHECK(list.psks == NULL && list.count == 0);

	/* Comments, blank lines, CRLF, no final newline, upper-case hex. */
	CHECK(psk("# keys\n\n  \r\nalice:000102030405060708090A0B0C0D0E0F\r\n"
		  "bob:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		  &list) == 0);
	CHECK(list.count == 2);
	p = quic_psk_find(&list, "bob", 3);
	CHECK(p && p->key_len == 32 && p->key[31] == 0xff);
	p = quic_psk_find(&list, "alice", 5);
	CHECK(p && !memcmp(p->key, key1, 16));
	CHECK(!quic_psk_find(&list, "ali", 3));
	CHECK(!quic_psk_find(&list, "alicex", 6));
	quic_psk_free(&list);

	/* An identity may hold anything but a colon, a key is 64 bytes max. */
	CHECK(psk("a b@c/d:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		  &list) == 0);
	CHECK(!strcmp(list.psks[0].identity, "a b@c/d"));
	CHECK(list.psks[0].key_len == 64);
	quic_psk_free(&list);
}

TEST(psk_bad_files)
{
	static const char *const bad[] = {
		"",					/* no entry */
		"# only a comment\n\n",
		"client1\n",				/* no colon */
		":000102030405060708090a0b0c0d0e0f\n",	/* no identity */
		"client1:\n",				/* no key */
		"client1:000102030405060708090a0b0c0d0e0\n",	/* odd digits */
		"client1:000102030405060708090a0b0c0d0e0g\n",	/* not hex */
		"client1:00 0102030405060708090a0b0c0d0e0f\n",
		"client1:000102030405060708090a0b0c0d0e\n",	/* 15 bytes */
		"x:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n",
		"a:000102030405060708090a0b0c0d0e0f\n"	/* one identity twice */
		"a:101112131415161718191a1b1c1d1e1f\n",
		"good:000102030405060708090a0b0c0d0e0f\nbad\n",
	};
	struct quic_psk_list list;
	char longid[300];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (psk(bad[i], &list) != -EINVAL)
			FAIL("entry %u accepted", i);
		CHECK(list.psks == NULL && list.count == 0);
	}

	/* Identities of 255 bytes, not more. */
	memset(longid, 'i', 255);
	strcpy(longid + 255, ":000102030405060708090a0b0c0d0e0f");
	CHECK(psk(longid, &list) == 0);
	CHECK(list.psks[0].identity_len == 255);
	quic_psk_free(&list);
	memset(longid, 'i', 256);
	strcpy(longid + 256, ":000102030405060708090a0b0c0d0e0f");
	CHECK(psk(longid, &list) == -EINVAL);

	/* A NUL in the identity. */
	CHECK(quic_psk_parse("a\0b:000102030405060708090a0b0c0d0e0f", 36,
			     &list) == -EINVAL);
}

TEST(psk_load)
{
	char path[] = "/tmp/libquic-psk.XXXXXX";
	const char *text = "client1:000102030405060708090a0b0c0d0e0f\n";
	struct quic_psk_list list;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CHECK(quic_psk_load(path, &list) == 0);
	CHECK(list.count == 1 && list.psks[0].key[15] == 0x0f);
	quic_psk_free(&list);
	unlink(path);

	CHECK(quic_psk_load(path, &list) == -ENOENT);
	CHECK(quic_psk_load("/tmp", &list) == -EISDIR);
	CHECK(quic_psk_load(NULL, &list) == -EINVAL);
	CHECK(list.psks == NULL && list.count == 0);
}

/* More than fits a page, to cross the reader's buffer growth. */
TEST(psk_load_large)
{
	char path[] = "/tmp/libquic-psk.XXXXXX";
	struct quic_psk_list list;
	char line[64];
	int fd = mkstemp(path), i;

	CHECK(fd >= 0);
	for (i = 0; i < 500; i++) {
		int n = snprintf(line, sizeof(line),
				 "id%d:000102030405060708090a0b0c0d0e0f\n", i);

		CHECK(write(fd, line, n) == n);
	}
	close(fd);
	CHECK(quic_psk_load(path, &list) == 0);
	CHECK(list.count == 500);
	CHECK(quic_psk_find(&list, "id499", 5));
	quic_psk_free(&list);
	unlink(path);
}

/* ---- Levels and ciphers ---- */

TEST(levels)
{
	static const struct {
		gnutls_record_encryption_level_t gnutls;
		int quic;
	} map[] = {
		{ GNUTLS_ENCRYPTION_LEVEL_INITIAL, QUIC_CRYPTO_INITIAL },
		{ GNUTLS_ENCRYPTION_LEVEL_EARLY, QUIC_CRYPTO_EARLY },
		{ GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE, QUIC_CRYPTO_HANDSHAKE },
		{ GNUTLS_ENCRYPTION_LEVEL_APPLICATION, QUIC_CRYPTO_APP },
	};
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		CHECK(quic_level_from_gnutls(map[i].gnutls) == map[i].quic);
		CHECK(quic_level_to_gnutls(map[i].quic) == (int)map[i].gnutls);
	}
	CHECK(quic_level_to_gnutls(QUIC_CRYPTO_MAX) == -EINVAL);
	CHECK(quic_level_to_gnutls(255) == -EINVAL);
	CHECK(quic_level_from_gnutls((gnutls_record_encryption_level_t)4) ==
	      -EINVAL);
}

TEST(ciphers)
{
	CHECK(quic_cipher_type(GNUTLS_CIPHER_AES_128_GCM) == 51);
	CHECK(quic_cipher_type(GNUTLS_CIPHER_AES_256_GCM) == 52);
	CHECK(quic_cipher_type(GNUTLS_CIPHER_CHACHA20_POLY1305) == 54);
	CHECK(TLS_CIPHER_AES_GCM_128 == 51 && TLS_CIPHER_AES_GCM_256 == 52 &&
	      TLS_CIPHER_CHACHA20_POLY1305 == 54);
	/* Ciphers QUIC or this kernel does not use. */
	CHECK(quic_cipher_type(GNUTLS_CIPHER_AES_128_CCM) == 0);
	CHECK(quic_cipher_type(GNUTLS_CIPHER_AES_128_CBC) == 0);
	CHECK(quic_cipher_type(GNUTLS_CIPHER_NULL) == 0);
	CHECK(quic_cipher_type(GNUTLS_CIPHER_UNKNOWN) == 0);
}

/* ---- Priority strings ---- */

/* GnuTLS takes it, and it allows exactly these ciphers. */
static void check_priority(const char *prio, const unsigned int *want,
			   unsigned int n)
{
	gnutls_priority_t cache;
	const unsigned int *list;
	const char *err = NULL;
	int count, i;

	if (gnutls_priority_init(&cache, prio, &err))
		FAIL("GnuTLS rejects \"%s\" at \"%s\"", prio, err);
	count = gnutls_priority_cipher_list(cache, &list);
	CHECK(count == (int)n);
	for (i = 0; i < count; i++)
		CHECK(list[i] == want[i]);
	CHECK(gnutls_priority_protocol_list(cache, &list) == 1);
	CHECK(list[0] == GNUTLS_TLS1_3);
	gnutls_priority_deinit(cache);
}

TEST(priority_strings)
{
	static const unsigned int all[] = {
		GNUTLS_CIPHER_AES_128_GCM, GNUTLS_CIPHER_AES_256_GCM,
		GNUTLS_CIPHER_CHACHA20_POLY1305,
	};
	static const struct {
		uint32_t type;
		unsigned int cipher;
	} one[] = {
		{ TLS_CIPHER_AES_GCM_128, GNUTLS_CIPHER_AES_128_GCM },
		{ TLS_CIPHER_AES_GCM_256, GNUTLS_CIPHER_AES_256_GCM },
		{ TLS_CIPHER_CHACHA20_POLY1305, GNUTLS_CIPHER_CHACHA20_POLY1305 },
	};
	char buf[256];
	unsigned int i;

	/* No cipher asked for: QUIC_PRIORITY itself. */
	CHECK(quic_priority_build(buf, sizeof(buf), 0, false) == 0);
	CHECK(!strcmp(buf, QUIC_PRIORITY));
	check_priority(QUIC_PRIORITY, all, 3);
	CHECK(strstr(QUIC_PRIORITY, "%DISABLE_TLS13_COMPAT_MODE"));

	CHECK(quic_priority_build(buf, sizeof(buf), 0, true) == 0);
	check_priority(buf, all, 3);
	CHECK(strstr(buf, "+ECDHE-PSK") && strstr(buf, "+DHE-PSK"));

	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		CHECK(quic_priority_build(buf, sizeof(buf), one[i].type,
					  false) == 0);
		check_priority(buf, &one[i].cipher, 1);
		CHECK(quic_priority_build(buf, sizeof(buf), one[i].type,
					  true) == 0);
		check_priority(buf, &one[i].cipher, 1);
	}

	CHECK(quic_priority_build(buf, sizeof(buf), TLS_CIPHER_AES_CCM_128,
				  false) == -EINVAL);
	CHECK(quic_priority_build(buf, sizeof(buf), 1, false) == -EINVAL);
	CHECK(quic_priority_build(buf, 20, 0, false) == -ENOSPC);
}

/* ---- Errors ---- */

TEST(crypto_errors)
{
	/* RFC 9001 section 4.8: 0x100 + the alert. */
	CHECK(quic_crypto_error(GNUTLS_A_HANDSHAKE_FAILURE) == 0x128);
	CHECK(quic_crypto_error(GNUTLS_A_BAD_CERTIFICATE) == 0x12a);
	CHECK(quic_crypto_error(GNUTLS_A_MISSING_EXTENSION) == 0x16d);
	CHECK(quic_crypto_error(GNUTLS_A_NO_APPLICATION_PROTOCOL) == 0x178);
	CHECK(quic_crypto_error(0) == QUIC_TRANSPORT_ERROR_CRYPTO);
	CHECK(quic_crypto_error(255) == 0x1ff);

	/* What GnuTLS itself picks for the errors the handshake meets. */
	{
		int level;

		CHECK(gnutls_error_to_alert(GNUTLS_E_NO_APPLICATION_PROTOCOL,
					    &level) ==
		      GNUTLS_A_NO_APPLICATION_PROTOCOL);
		CHECK(level == GNUTLS_AL_FATAL);
	}
}

TEST(cert_status_alerts)
{
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID |
				     GNUTLS_CERT_SIGNER_NOT_FOUND) ==
	      GNUTLS_A_UNKNOWN_CA);
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID |
				     GNUTLS_CERT_SIGNER_NOT_CA) ==
	      GNUTLS_A_UNKNOWN_CA);
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED) ==
	      GNUTLS_A_CERTIFICATE_EXPIRED);
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID |
				     GNUTLS_CERT_NOT_ACTIVATED) ==
	      GNUTLS_A_CERTIFICATE_EXPIRED);
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID | GNUTLS_CERT_REVOKED |
				     GNUTLS_CERT_SIGNER_NOT_FOUND) ==
	      GNUTLS_A_CERTIFICATE_REVOKED);
	CHECK(quic_cert_status_alert(GNUTLS_CERT_INVALID |
				     GNUTLS_CERT_UNEXPECTED_OWNER) ==
	      GNUTLS_A_BAD_CERTIFICATE);
	CHECK(quic_cert_status_alert(0) == GNUTLS_A_BAD_CERTIFICATE);
}

TEST(errno_mapping)
{
	CHECK(quic_errno_from_gnutls(GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) ==
	      -EKEYREJECTED);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_CERTIFICATE_REQUIRED) ==
	      -EKEYREJECTED);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_KEYFILE_ERROR) == -EKEYREJECTED);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_NO_APPLICATION_PROTOCOL) ==
	      -ENOPROTOOPT);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_MEMORY_ERROR) == -ENOMEM);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_INVALID_REQUEST) == -EINVAL);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_UNEXPECTED_PACKET) == -EPROTO);
	CHECK(quic_errno_from_gnutls(GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER) ==
	      -EPROTO);
	CHECK(quic_errno_from_gnutls(-1) == -EPROTO);

	CHECK(quic_errno_from_kernel(ETIMEDOUT) == -ETIMEDOUT);
	CHECK(quic_errno_from_kernel(ECONNREFUSED) == -ECONNREFUSED);
	CHECK(quic_errno_from_kernel(ECONNRESET) == -ECONNREFUSED);
	CHECK(quic_errno_from_kernel(EPIPE) == -ECONNREFUSED);
	CHECK(quic_errno_from_kernel(EBADF) == -EINVAL);
	CHECK(quic_errno_from_kernel(ENOTSOCK) == -EINVAL);
	CHECK(quic_errno_from_kernel(ENOMEM) == -ENOMEM);
	CHECK(quic_errno_from_kernel(0) == -EIO);
}

int main(void)
{
	RUN(alpn_lists);
	RUN(alpn_bad_lists);
	RUN(alpn_limits);
	RUN(alpn_full_buffer);
	RUN(psk_files);
	RUN(psk_bad_files);
	RUN(psk_load);
	RUN(psk_load_large);
	RUN(levels);
	RUN(ciphers);
	RUN(priority_strings);
	RUN(crypto_errors);
	RUN(cert_status_alerts);
	RUN(errno_mapping);
	return test_done();
}
