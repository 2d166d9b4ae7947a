// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC crypto layer: packet protection (RFC 9001 section 5, RFC 9369
 * section 3.3) over the kernel crypto API.
 *
 * Secrets come from TLS (or, for Initial packets, from the client's first
 * Destination Connection ID); from each one HKDF-Expand-Label derives the
 * AEAD key and IV, the header protection key, and for 1-RTT the secret of
 * the next key phase.  Payloads are sealed in place with an AEAD transform;
 * header protection uses the AES and ChaCha20 library functions, which need
 * no scatterlist for a 16-byte sample.
 */

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/quic.h>
#include <uapi/linux/tls.h>

#include "crypto.h"

struct quic_cipher {
	u32		type;		/* TLS_CIPHER_* */
	const char	*aead;
	const char	*hash;
	u8		key_len;
	u8		secret_len;
	bool		chacha;		/* header protection by ChaCha20 */
	/* RFC 9001 section 6.6: packets sealed with one key, and packets
	 * that fail to open in one connection, at most.
	 */
	u64		conf_limit;
	u64		integ_limit;
};

static const struct quic_cipher quic_ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, "gcm(aes)", "hmac(sha256)", 16, 32, false,
	  1ULL << 23, 1ULL << 52 },
	{ TLS_CIPHER_AES_GCM_256, "gcm(aes)", "hmac(sha384)", 32, 48, false,
	  1ULL << 23, 1ULL << 52 },
	/* Its confidentiality limit is beyond any packet number. */
	{ TLS_CIPHER_CHACHA20_POLY1305, "rfc7539(chacha20,poly1305)",
	  "hmac(sha256)", 32, 32, true, U64_MAX, 1ULL << 36 },
};

/* Lower limits, to see them reached in tests; 0 keeps the RFC's. */
static unsigned long aead_limit;
module_param(aead_limit, ulong, 0644);
MODULE_PARM_DESC(aead_limit,
		 "Testing only: lower both AEAD limits to this many packets (0: RFC 9001's)");

static u64 quic_limit(u64 limit)
{
	u64 test = READ_ONCE(aead_limit);

	return test ? min(test, limit) : limit;
}

/**
 * quic_crypto_conf_limit - packets one send key may seal
 * @c: the level's crypto state, its send keys installed
 *
 * Return: the confidentiality limit of its AEAD (RFC 9001 section 6.6).
 */
u64 quic_crypto_conf_limit(const struct quic_crypto *c)
{
	if (c->plaintext || !c->cipher)
		return U64_MAX;
	return quic_limit(c->cipher->conf_limit);
}

/**
 * quic_crypto_integ_limit - packets that may fail to open, all told
 * @c: the level's crypto state, its receive keys installed
 *
 * Return: the integrity limit of its AEAD (RFC 9001 section 6.6).
 */
u64 quic_crypto_integ_limit(const struct quic_crypto *c)
{
	if (c->plaintext || !c->cipher)
		return U64_MAX;
	return quic_limit(c->cipher->integ_limit);
}

/* RFC 9001 section 5.2 and RFC 9369 section 3.3.1. */
static const u8 quic_v1_salt[] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

static const u8 quic_v2_salt[] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

/* RFC 9001 section 5.8 and RFC 9369 section 3.3.3. */
static const u8 quic_v1_retry_key[] = {
	0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
	0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e,
};

static const u8 quic_v1_retry_nonce[] = {
	0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2,
	0x23, 0x98, 0x25, 0xbb,
};

static const u8 quic_v2_retry_key[] = {
	0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2,
	0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92,
};

static const u8 quic_v2_retry_nonce[] = {
	0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99,
	0x90, 0xef, 0xb0, 0x4a,
};

struct quic_labels {
	const char *key, *iv, *hp, *ku;
};

static const struct quic_labels quic_v1_labels = {
	"quic key", "quic iv", "quic hp", "quic ku"
};

static const struct quic_labels quic_v2_labels = {
	"quicv2 key", "quicv2 iv", "quicv2 hp", "quicv2 ku"
};

static const struct quic_labels *quic_labels(u32 version)
{
	return version == QUIC_VERSION_V2 ? &quic_v2_labels : &quic_v1_labels;
}

static const struct quic_cipher *quic_cipher_find(u32 type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(quic_ciphers); i++)
		if (quic_ciphers[i].type == type)
			return &quic_ciphers[i];
	return NULL;
}

/* The secret length of a TLS_CIPHER_* suite; 0 if not supported. */
u32 quic_crypto_secret_len(u32 cipher_type)
{
	const struct quic_cipher *cipher = quic_cipher_find(cipher_type);

	return cipher ? cipher->secret_len : 0;
}

/**
 * quic_crypto_hkdf_expand_label - HKDF-Expand-Label of TLS 1.3 (RFC 8446
 * section 7.1) with an empty context, as QUIC uses it
 * @hash: an HMAC transform of the cipher suite's hash
 * @secret: the secret (the HMAC key)
 * @secret_len: its length
 * @label: the label, without the "tls13 " prefix
 * @out: where the output goes
 * @out_len: how many bytes to derive, at most 255 hash lengths
 *
 * Context: any; does not sleep.
 * Return: 0, or an error from the hash.
 */
int quic_crypto_hkdf_expand_label(struct crypto_shash *hash,
				  const u8 *secret, u32 secret_len,
				  const char *label, u8 *out, u32 out_len)
{
	static const char prefix[] = "tls13 ";
	u32 hlen = crypto_shash_digestsize(hash);
	u8 info[2 + 1 + 255 + 1], t[64], n;
	u32 label_len = strlen(label);
	u32 info_len, done, take;
	int err;

	SHASH_DESC_ON_STACK(desc, hash);

	if (sizeof(prefix) - 1 + label_len > 255 || hlen > sizeof(t) ||
	    out_len > 255 * hlen)
		return -EINVAL;

	/* struct HkdfLabel { u16 length; label<7..255>; context<0..255> } */
	info[0] = out_len >> 8;
	info[1] = out_len & 0xff;
	info[2] = sizeof(prefix) - 1 + label_len;
	memcpy(&info[3], prefix, sizeof(prefix) - 1);
	memcpy(&info[3 + sizeof(prefix) - 1], label, label_len);
	info_len = 3 + sizeof(prefix) - 1 + label_len;
	info[info_len++] = 0;

	err = crypto_shash_setkey(hash, secret, secret_len);
	if (err)
		return err;
	desc->tfm = hash;

	/* HKDF-Expand (RFC 5869): T(n) = HMAC(PRK, T(n-1) | info | n). */
	for (done = 0, n = 1; done < out_len; done += take, n++) {
		err = crypto_shash_init(desc);
		if (!err && n > 1)
			err = crypto_shash_update(desc, t, hlen);
		if (!err)
			err = crypto_shash_update(desc, info, info_len);
		if (!err)
			err = crypto_shash_finup(desc, &n, 1, t);
		if (err)
			break;
		take = min(hlen, out_len - done);
		memcpy(out + done, t, take);
	}
	shash_desc_zero(desc);
	memzero_explicit(t, sizeof(t));
	return err;
}

/* HKDF-Extract (RFC 5869): PRK = HMAC(salt, IKM). */
static int quic_hkdf_extract(struct crypto_shash *hash, const u8 *salt,
			     u32 salt_len, const u8 *ikm, u32 ikm_len,
			     u8 *prk)
{
	int err;

	err = crypto_shash_setkey(hash, salt, salt_len);
	if (err)
		return err;
	return crypto_shash_tfm_digest(hash, ikm, ikm_len, prk);
}

static void quic_keys_free(struct quic_crypto_keys *k)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(k->aead); i++) {
		aead_request_free(k->req[i]);
		crypto_free_aead(k->aead[i]);
		k->req[i] = NULL;
		k->aead[i] = NULL;
	}
	memzero_explicit(k, sizeof(*k));
}

/* Set the AEAD key and IV of key phase @phase from its secret. */
static int quic_keys_derive_phase(const struct quic_cipher *cipher,
				  u32 version, struct crypto_shash *hash,
				  struct quic_crypto_keys *k, u8 phase)
{
	const struct quic_labels *l = quic_labels(version);
	const u8 *secret = k->secret[phase];
	u8 key[QUIC_KEY_MAX_LEN];
	int err;

	if (!k->aead[phase]) {
		k->aead[phase] = crypto_alloc_aead(cipher->aead, 0,
						   CRYPTO_ALG_ASYNC);
		if (IS_ERR(k->aead[phase])) {
			err = PTR_ERR(k->aead[phase]);
			k->aead[phase] = NULL;
			return err;
		}
		k->req[phase] = aead_request_alloc(k->aead[phase], GFP_KERNEL);
		if (!k->req[phase])
			return -ENOMEM;
	}
	err = crypto_aead_setauthsize(k->aead[phase], QUIC_TAG_LEN);
	if (!err)
		err = quic_crypto_hkdf_expand_label(hash, secret,
						    cipher->secret_len, l->key,
						    key, cipher->key_len);
	if (!err)
		err = crypto_aead_setkey(k->aead[phase], key, cipher->key_len);
	if (!err)
		err = quic_crypto_hkdf_expand_label(hash, secret,
						    cipher->secret_len, l->iv,
						    k->iv[phase], QUIC_IV_LEN);
	memzero_explicit(key, sizeof(key));
	return err;
}

/* Install one direction's keys from a secret, in key phase 0. */
static int quic_keys_install(const struct quic_cipher *cipher, u32 version,
			     struct quic_crypto_keys *k, const u8 *secret)
{
	const struct quic_labels *l = quic_labels(version);
	struct crypto_shash *hash;
	u8 hp[QUIC_KEY_MAX_LEN];
	int err, i;

	hash = crypto_alloc_shash(cipher->hash, 0, 0);
	if (IS_ERR(hash))
		return PTR_ERR(hash);

	quic_keys_free(k);
	memcpy(k->secret[0], secret, cipher->secret_len);
	err = quic_keys_derive_phase(cipher, version, hash, k, 0);
	if (!err)
		err = quic_crypto_hkdf_expand_label(hash, secret,
						    cipher->secret_len, l->hp,
						    hp, cipher->key_len);
	if (!err) {
		if (cipher->chacha) {
			/* The ChaCha20 key as little-endian words. */
			for (i = 0; i < CHACHA_KEY_SIZE / 4; i++)
				k->hp.chacha[i] = hp[4 * i] |
						  hp[4 * i + 1] << 8 |
						  hp[4 * i + 2] << 16 |
						  (u32)hp[4 * i + 3] << 24;
		} else {
			err = aes_expandkey(&k->hp.aes, hp, cipher->key_len);
		}
	}
	memzero_explicit(hp, sizeof(hp));
	crypto_free_shash(hash);
	if (err) {
		quic_keys_free(k);
		return err;
	}
	k->ready = true;
	return 0;
}

/**
 * quic_crypto_set_secret - install the keys of one direction from a secret
 * @c: the level's crypto state
 * @version: QUIC_VERSION_V1 or QUIC_VERSION_V2 (labels differ)
 * @cipher_type: TLS_CIPHER_AES_GCM_128, _AES_GCM_256 or _CHACHA20_POLY1305
 * @send: true for the send direction
 * @secret: the TLS traffic secret
 * @secret_len: its length, the cipher suite's hash length
 *
 * Both directions of a level must use the same cipher suite.
 *
 * Context: process context; allocates and may sleep.
 * Return: 0; -EINVAL for an unknown cipher, a wrong secret length or a
 * cipher that differs from the other direction's; or an allocation error.
 */
int quic_crypto_set_secret(struct quic_crypto *c, u32 version,
			   u32 cipher_type, bool send, const u8 *secret,
			   u32 secret_len)
{
	const struct quic_cipher *cipher = quic_cipher_find(cipher_type);
	struct quic_crypto_keys *other = send ? &c->rx : &c->tx;
	int err;

	if (!cipher || secret_len != cipher->secret_len)
		return -EINVAL;
	if (other->ready && c->cipher != cipher)
		return -EINVAL;
	err = quic_keys_install(cipher, version, send ? &c->tx : &c->rx,
				secret);
	if (err)
		return err;
	c->cipher = cipher;
	c->version = version;
	return 0;
}

/**
 * quic_crypto_initial_keys - derive the Initial keys of both directions
 * @c: the Initial level's crypto state
 * @version: QUIC_VERSION_V1 or QUIC_VERSION_V2 (the salt differs)
 * @dcid: the Destination Connection ID of the client's first Initial
 * @dcid_len: its length
 * @is_server: which side we are
 *
 * Context: process context; allocates and may sleep.
 * Return: 0 or a negative error.
 */
int quic_crypto_initial_keys(struct quic_crypto *c, u32 version,
			     const u8 *dcid, u32 dcid_len, bool is_server)
{
	const struct quic_cipher *cipher;
	u8 initial[32], client[32], server[32];
	struct crypto_shash *hash;
	const u8 *salt;
	int err;

	cipher = quic_cipher_find(TLS_CIPHER_AES_GCM_128);
	salt = version == QUIC_VERSION_V2 ? quic_v2_salt : quic_v1_salt;

	hash = crypto_alloc_shash(cipher->hash, 0, 0);
	if (IS_ERR(hash))
		return PTR_ERR(hash);
	err = quic_hkdf_extract(hash, salt, sizeof(quic_v1_salt), dcid,
				dcid_len, initial);
	if (!err)
		err = quic_crypto_hkdf_expand_label(hash, initial, 32,
						    "client in", client, 32);
	if (!err)
		err = quic_crypto_hkdf_expand_label(hash, initial, 32,
						    "server in", server, 32);
	crypto_free_shash(hash);

	if (!err)
		err = quic_keys_install(cipher, version, &c->tx,
					is_server ? server : client);
	if (!err)
		err = quic_keys_install(cipher, version, &c->rx,
					is_server ? client : server);
	if (!err) {
		c->cipher = cipher;
		c->version = version;
	}
	memzero_explicit(initial, sizeof(initial));
	memzero_explicit(client, sizeof(client));
	memzero_explicit(server, sizeof(server));
	return err;
}

/**
 * quic_crypto_key_update_prepare - derive the keys of the next key phase
 * @c: the 1-RTT crypto state, both directions installed
 *
 * RFC 9001 section 6: the next secret is HKDF-Expand-Label(secret, "quic ku")
 * of the current one; the header protection key does not change.  The keys
 * go into the phase that is not in use, ready for a key update.
 *
 * Context: process context; allocates and may sleep.
 * Return: 0 or a negative error.
 */
int quic_crypto_key_update_prepare(struct quic_crypto *c)
{
	const struct quic_labels *l = quic_labels(c->version);
	struct quic_crypto_keys *dirs[] = { &c->tx, &c->rx };
	u8 cur = c->key_phase, next = !c->key_phase;
	struct crypto_shash *hash;
	int err = 0, i;

	if (!c->tx.ready || !c->rx.ready)
		return -EINVAL;
	hash = crypto_alloc_shash(c->cipher->hash, 0, 0);
	if (IS_ERR(hash))
		return PTR_ERR(hash);
	for (i = 0; i < ARRAY_SIZE(dirs) && !err; i++) {
		err = quic_crypto_hkdf_expand_label(hash, dirs[i]->secret[cur],
						    c->cipher->secret_len,
						    l->ku, dirs[i]->secret[next],
						    c->cipher->secret_len);
		if (!err)
			err = quic_keys_derive_phase(c->cipher, c->version,
						     hash, dirs[i], next);
	}
	crypto_free_shash(hash);
	return err;
}

/**
 * quic_crypto_key_phase_switch - move to the next key phase
 * @c: the 1-RTT crypto state, the next keys derived
 *
 * Packets are sealed and opened with the next phase's keys from now on;
 * the receive keys of the phase left become the old ones, for late
 * packets, until quic_crypto_old_keys_drop().  The slot left is stale
 * until quic_crypto_key_update_prepare() derives the phase after.
 *
 * Context: any; does not sleep.
 */
void quic_crypto_key_phase_switch(struct quic_crypto *c)
{
	struct quic_crypto_keys *k = &c->rx;
	u8 cur = c->key_phase, iv[QUIC_IV_LEN];

	swap(k->aead[cur], k->aead[QUIC_KEYS_OLD]);
	swap(k->req[cur], k->req[QUIC_KEYS_OLD]);
	memcpy(iv, k->iv[QUIC_KEYS_OLD], QUIC_IV_LEN);
	memcpy(k->iv[QUIC_KEYS_OLD], k->iv[cur], QUIC_IV_LEN);
	memcpy(k->iv[cur], iv, QUIC_IV_LEN);
	memzero_explicit(iv, sizeof(iv));
	k->old_ready = true;
	c->key_phase = !cur;
}

/**
 * quic_crypto_old_keys_drop - no more packets of the phase before
 * @c: the 1-RTT crypto state
 *
 * Context: any; does not sleep.  The transform stays, for the next use.
 */
void quic_crypto_old_keys_drop(struct quic_crypto *c)
{
	c->rx.old_ready = false;
}

void quic_crypto_free(struct quic_crypto *c)
{
	quic_keys_free(&c->tx);
	quic_keys_free(&c->rx);
	c->cipher = NULL;
	c->key_phase = 0;
}

/*
 * Seal or open @len bytes after @ad_len bytes of associated data, in place,
 * with key phase @phase of @k.  Its request was allocated with the key: a
 * connection's packets are sealed and opened one at a time, under the
 * socket's lock.
 */
static int quic_aead_crypt(struct quic_crypto_keys *k, u8 phase, u64 pn,
			   u8 *buf, u32 ad_len, u32 len, bool enc)
{
	struct aead_request *req = k->req[phase];
	struct scatterlist sg;
	u8 nonce[QUIC_IV_LEN];
	int i;

	/* RFC 9001 section 5.3: the IV XOR the left-padded packet number. */
	memcpy(nonce, k->iv[phase], QUIC_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[QUIC_IV_LEN - 1 - i] ^= (pn >> (8 * i)) & 0xff;

	sg_init_one(&sg, buf, ad_len + len + (enc ? QUIC_TAG_LEN : 0));
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, ad_len);
	aead_request_set_crypt(req, &sg, &sg, len, nonce);
	return enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
}

/* RFC 9001 section 5.4: five mask bytes from a 16-byte sample. */
static void quic_hp_mask(const struct quic_crypto *c,
			 const struct quic_crypto_keys *k, const u8 *sample,
			 u8 *mask)
{
	u8 block[AES_BLOCK_SIZE];
	u32 state[CHACHA_STATE_WORDS];

	if (c->cipher->chacha) {
		/* counter = sample[0..3], nonce = sample[4..15] */
		memset(block, 0, QUIC_HP_MASK_LEN);
		chacha_init(state, k->hp.chacha, sample);
		chacha20_crypt(state, mask, block, QUIC_HP_MASK_LEN);
		memzero_explicit(state, sizeof(state));
		return;
	}
	aes_encrypt(&k->hp.aes, block, sample);
	memcpy(mask, block, QUIC_HP_MASK_LEN);
	memzero_explicit(block, sizeof(block));
}

/* Mask or unmask the first byte's low bits and @pn_len packet number bytes. */
static void quic_hp_apply(u8 *pkt, u32 pn_offset, u32 pn_len, const u8 *mask)
{
	u32 i;

	pkt[0] ^= mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f);
	for (i = 0; i < pn_len; i++)
		pkt[pn_offset + i] ^= mask[1 + i];
}

/**
 * quic_crypto_encrypt - protect a packet in place
 * @c: the level's crypto state
 * @pkt: the packet: header (first byte with its pn length bits, and for a
 *	 short header its key phase bit, already set), packet number, payload,
 *	 then QUIC_TAG_LEN free bytes for the tag
 * @pn_offset: where the packet number starts
 * @hdr_len: where the payload starts (@pn_offset plus the pn length)
 * @payload_len: payload bytes
 * @pn: the full packet number
 *
 * Context: any; does not sleep.
 * Return: 0; -EINVAL if the send keys are not installed or the packet is
 * too short to sample for header protection (RFC 9001 section 5.4.2); or
 * an error from the AEAD.
 */
int quic_crypto_encrypt(struct quic_crypto *c, u8 *pkt, u32 pn_offset,
			u32 hdr_len, u32 payload_len, u64 pn)
{
	struct quic_crypto_keys *k = &c->tx;
	u32 pn_len = hdr_len - pn_offset;
	u8 mask[QUIC_HP_MASK_LEN];
	u8 phase;
	int err;

	if (!k->ready || pn_len < 1 || pn_len > QUIC_PN_MAX_LEN ||
	    pn_len + payload_len < QUIC_PN_MAX_LEN)
		return -EINVAL;
	if (c->plaintext)
		return 0;
	phase = (pkt[0] & 0x80) ? 0 : c->key_phase;
	err = quic_aead_crypt(k, phase, pn, pkt, hdr_len,
			      payload_len, true);
	if (err)
		return err;
	quic_hp_mask(c, k, pkt + pn_offset + QUIC_PN_MAX_LEN, mask);
	quic_hp_apply(pkt, pn_offset, pn_len, mask);
	return 0;
}

/**
 * quic_crypto_hp_remove - remove header protection in place
 * @c: the level's crypto state
 * @pkt: the packet
 * @len: its length
 * @pn_offset: where the packet number starts
 *
 * Context: any; does not sleep.
 * Return: the packet number length (1 to 4), now readable with the first
 * byte; -EINVAL if the receive keys are missing or the packet is too short.
 */
int quic_crypto_hp_remove(struct quic_crypto *c, u8 *pkt, u32 len,
			  u32 pn_offset)
{
	u8 mask[QUIC_HP_MASK_LEN];
	u32 pn_len;

	if (c->rx.ready && c->plaintext) {
		pn_len = (pkt[0] & 0x03) + 1;
		return len >= pn_offset + pn_len ? pn_len : -EINVAL;
	}
	if (!c->rx.ready ||
	    len < pn_offset + QUIC_PN_MAX_LEN + QUIC_HP_SAMPLE_LEN)
		return -EINVAL;
	quic_hp_mask(c, &c->rx, pkt + pn_offset + QUIC_PN_MAX_LEN, mask);
	/* The first byte says how many packet number bytes to unmask. */
	pkt[0] ^= mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f);
	pn_len = (pkt[0] & 0x03) + 1;
	mask[0] = 0;
	quic_hp_apply(pkt, pn_offset, pn_len, mask);
	return pn_len;
}

/**
 * quic_crypto_decrypt - open a packet's payload in place
 * @c: the level's crypto state
 * @pkt: the packet, header protection removed
 * @hdr_len: where the payload starts
 * @len: the packet's length, tag included
 * @pn: the full packet number
 * @key_phase: the key phase of a short header packet, 0 otherwise; or
 *	       %QUIC_KEYS_OLD for the receive keys of the phase before
 *
 * Context: any; does not sleep.
 * Return: the plaintext length; -EBADMSG if authentication fails; -EINVAL
 * if the keys are missing or the packet is shorter than a tag.
 */
int quic_crypto_decrypt(struct quic_crypto *c, u8 *pkt, u32 hdr_len,
			u32 len, u64 pn, u8 key_phase)
{
	struct quic_crypto_keys *k = &c->rx;
	int err;

	if (k->ready && c->plaintext)
		return len >= hdr_len ? len - hdr_len : -EINVAL;
	if (!k->ready || key_phase > QUIC_KEYS_OLD || !k->req[key_phase] ||
	    (key_phase == QUIC_KEYS_OLD && !k->old_ready) ||
	    len < hdr_len + QUIC_TAG_LEN)
		return -EINVAL;
	err = quic_aead_crypt(k, key_phase, pn, pkt,
			      hdr_len, len - hdr_len, false);
	if (err)
		return err;
	return len - hdr_len - QUIC_TAG_LEN;
}

static struct crypto_aead *quic_retry_aead[2];	/* v1, v2 */

/**
 * quic_crypto_retry_tag - compute a Retry Integrity Tag (RFC 9001 section 5.8)
 * @version: QUIC_VERSION_V1 or QUIC_VERSION_V2
 * @pseudo: the Retry Pseudo-Packet
 * @len: its length
 * @tag: QUIC_TAG_LEN bytes of output
 *
 * Context: any; does not sleep.
 * Return: 0 or a negative error.
 */
int quic_crypto_retry_tag(u32 version, const u8 *pseudo, u32 len, u8 *tag)
{
	struct crypto_aead *tfm = quic_retry_aead[version == QUIC_VERSION_V2];
	const u8 *nonce = version == QUIC_VERSION_V2 ? quic_v2_retry_nonce :
						       quic_v1_retry_nonce;
	struct aead_request *req;
	struct scatterlist sg;
	u8 *buf;
	int err;

	/* The AEAD wants linear memory it may address through a page. */
	buf = kmalloc(len + QUIC_TAG_LEN, GFP_ATOMIC);
	if (!buf)
		return -ENOMEM;
	req = aead_request_alloc(tfm, GFP_ATOMIC);
	if (!req) {
		kfree(buf);
		return -ENOMEM;
	}
	memcpy(buf, pseudo, len);
	sg_init_one(&sg, buf, len + QUIC_TAG_LEN);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, len);
	aead_request_set_crypt(req, &sg, &sg, 0, (u8 *)nonce);
	err = crypto_aead_encrypt(req);
	if (!err)
		memcpy(tag, buf + len, QUIC_TAG_LEN);
	aead_request_free(req);
	kfree(buf);
	return err;
}

int quic_crypto_init(void)
{
	static const u8 *keys[] = { quic_v1_retry_key, quic_v2_retry_key };
	int i, err;

	for (i = 0; i < 2; i++) {
		quic_retry_aead[i] = crypto_alloc_aead("gcm(aes)", 0,
						       CRYPTO_ALG_ASYNC);
		if (IS_ERR(quic_retry_aead[i])) {
			err = PTR_ERR(quic_retry_aead[i]);
			quic_retry_aead[i] = NULL;
			goto err;
		}
		err = crypto_aead_setauthsize(quic_retry_aead[i], QUIC_TAG_LEN);
		if (!err)
			err = crypto_aead_setkey(quic_retry_aead[i], keys[i], 16);
		if (err)
			goto err;
	}
	return 0;
err:
	quic_crypto_exit();
	return err;
}

void quic_crypto_exit(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		crypto_free_aead(quic_retry_aead[i]);
		quic_retry_aead[i] = NULL;
	}
}
