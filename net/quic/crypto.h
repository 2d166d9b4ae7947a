/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC crypto layer: packet protection (RFC 9001 section 5, RFC 9369
 * section 3.3) over the kernel crypto API.
 */

#ifndef __NET_QUIC_CRYPTO_H
#define __NET_QUIC_CRYPTO_H

#include <crypto/aes.h>
#include <crypto/chacha.h>
#include <linux/types.h>

#define QUIC_SECRET_MAX_LEN	48	/* SHA-384 */
#define QUIC_KEY_MAX_LEN	32
#define QUIC_IV_LEN		12
#define QUIC_TAG_LEN		16
#define QUIC_HP_SAMPLE_LEN	16
#define QUIC_HP_MASK_LEN	5
#define QUIC_PN_MAX_LEN		4

struct aead_request;
struct crypto_shash;
struct quic_cipher;

/*
 * Key slots: [0] and [1] by key phase; only 1-RTT keys change phase (RFC
 * 9001 section 6), and the slot of the phase not in use holds the next
 * keys.  Receive keys have a third, [QUIC_KEYS_OLD]: for a while after an
 * update, the keys of the phase before, for packets still on their way
 * (section 6.5).  So an endpoint holds the current, the next and the old
 * receive keys at once, and follows a peer's updates however fast they
 * come.
 */
#define QUIC_KEYS_OLD		2

/* The keys of one direction at one encryption level. */
struct quic_crypto_keys {
	struct crypto_aead	*aead[3];
	struct aead_request	*req[3];
	u8			iv[3][QUIC_IV_LEN];
	u8			secret[2][QUIC_SECRET_MAX_LEN];
	union {
		struct crypto_aes_ctx	aes;
		u32			chacha[CHACHA_KEY_SIZE / 4];
	} hp;
	bool			ready;
	bool			old_ready;	/* [QUIC_KEYS_OLD] usable */
};

/* Packet protection for one encryption level of one connection. */
struct quic_crypto {
	const struct quic_cipher	*cipher;
	u32				version;
	struct quic_crypto_keys		tx;
	struct quic_crypto_keys		rx;
	u8				key_phase;	/* 1-RTT tx phase */
	/* 1-RTT only: both ends sent disable_1rtt_encryption, so packets
	 * carry neither header protection nor an AEAD tag.
	 */
	bool				plaintext;
};

/* Bytes a protected packet adds after its payload. */
static inline u32 quic_crypto_tag_len(const struct quic_crypto *c)
{
	return c->plaintext ? 0 : QUIC_TAG_LEN;
}

int quic_crypto_set_secret(struct quic_crypto *c, u32 version,
			   u32 cipher_type, bool send, const u8 *secret,
			   u32 secret_len);
int quic_crypto_initial_keys(struct quic_crypto *c, u32 version,
			     const u8 *dcid, u32 dcid_len, bool is_server);
int quic_crypto_key_update_prepare(struct quic_crypto *c);
void quic_crypto_key_phase_switch(struct quic_crypto *c);
void quic_crypto_old_keys_drop(struct quic_crypto *c);
u64 quic_crypto_conf_limit(const struct quic_crypto *c);
u64 quic_crypto_integ_limit(const struct quic_crypto *c);
void quic_crypto_free(struct quic_crypto *c);

int quic_crypto_encrypt(struct quic_crypto *c, u8 *pkt, u32 pn_offset,
			u32 hdr_len, u32 payload_len, u64 pn);
int quic_crypto_hp_remove(struct quic_crypto *c, u8 *pkt, u32 len,
			  u32 pn_offset);
int quic_crypto_decrypt(struct quic_crypto *c, u8 *pkt, u32 hdr_len,
			u32 len, u64 pn, u8 key_phase);

int quic_crypto_retry_tag(u32 version, const u8 *pseudo, u32 len, u8 *tag);

int quic_crypto_hkdf_expand_label(struct crypto_shash *hash,
				  const u8 *secret, u32 secret_len,
				  const char *label, u8 *out, u32 out_len);

u32 quic_crypto_secret_len(u32 cipher_type);
int quic_crypto_init(void);
void quic_crypto_exit(void);
int quic_crypto_selftest(void);

#endif /* __NET_QUIC_CRYPTO_H */
