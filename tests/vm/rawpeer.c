// SPDX-License-Identifier: GPL-2.0
/*
 * A raw QUIC v1 client for tests (see rawpeer.h): RFC 9000 section 17
 * packet headers, RFC 9001 section 5 packet protection with
 * TLS_AES_128_GCM_SHA256, over a connected UDP socket.
 *
 * Every packet we send carries a four-byte packet number; Initial packets
 * are padded so that their datagram is 1200 bytes (RFC 9000 section 14.1).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "rawpeer.h"

#define RAW_VERSION		0x00000001
#define RAW_PN_LEN		4
#define RAW_LONG_INITIAL	0x0	/* Long Packet Type, v1 */
#define RAW_LONG_HANDSHAKE	0x2
#define RAW_HP_SAMPLE_OFFSET	4	/* after the Packet Number's start */
#define RAW_HP_SAMPLE_LEN	16
#define RAW_RX_BUF		4096

/* RFC 9001 section 5.2. */
static const uint8_t raw_v1_salt[] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

static const char raw_level_name[RAW_LEVELS] = { 'I', 'H', 'A' };

static int raw_fail(struct raw_peer *rp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->err, sizeof(rp->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Note what the server sent; the oldest half goes when it is full. */
static void raw_trace(struct raw_peer *rp, const char *fmt, ...)
{
	size_t used = strlen(rp->trace);
	char item[96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (used + strlen(item) + 2 > sizeof(rp->trace)) {
		memmove(rp->trace, rp->trace + used / 2, used - used / 2 + 1);
		used = strlen(rp->trace);
	}
	snprintf(rp->trace + used, sizeof(rp->trace) - used, "%s%s",
		 used ? " " : "", item);
}

static int64_t raw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Keys ---- */

int raw_hkdf_expand_label(const uint8_t *secret, size_t secret_len,
			  const char *label, uint8_t *out, size_t out_len)
{
	static const char prefix[] = "tls13 ";
	size_t label_len = strlen(label), n = 0;
	gnutls_datum_t key = { (unsigned char *)secret, secret_len };
	uint8_t info[2 + 1 + 255 + 1];
	gnutls_datum_t in = { info, 0 };

	if (sizeof(prefix) - 1 + label_len > 255 || out_len > 0xffff)
		return -1;
	/* struct HkdfLabel (RFC 8446 section 7.1), with an empty context. */
	info[n++] = out_len >> 8;
	info[n++] = out_len & 0xff;
	info[n++] = sizeof(prefix) - 1 + label_len;
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;
	in.size = n;
	return gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &key, &in, out, out_len) ?
	       -1 : 0;
}

int raw_initial_secrets(const uint8_t *dcid, size_t dcid_len,
			uint8_t client[RAW_SECRET_LEN],
			uint8_t server[RAW_SECRET_LEN])
{
	gnutls_datum_t ikm = { (unsigned char *)dcid, dcid_len };
	gnutls_datum_t salt = { (unsigned char *)raw_v1_salt,
				sizeof(raw_v1_salt) };
	uint8_t initial[RAW_SECRET_LEN];

	if (gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, initial) ||
	    raw_hkdf_expand_label(initial, sizeof(initial), "client in",
				  client, RAW_SECRET_LEN) ||
	    raw_hkdf_expand_label(initial, sizeof(initial), "server in",
				  server, RAW_SECRET_LEN))
		return -1;
	return 0;
}

int raw_keys_from_secret(struct raw_keys *k,
			 const uint8_t secret[RAW_SECRET_LEN])
{
	memset(k, 0, sizeof(*k));
	if (raw_hkdf_expand_label(secret, RAW_SECRET_LEN, "quic key", k->key,
				  RAW_KEY_LEN) ||
	    raw_hkdf_expand_label(secret, RAW_SECRET_LEN, "quic iv", k->iv,
				  RAW_IV_LEN) ||
	    raw_hkdf_expand_label(secret, RAW_SECRET_LEN, "quic hp", k->hp,
				  RAW_KEY_LEN))
		return -1;
	k->ready = true;
	return 0;
}

/* ---- Packet protection ---- */

/* AES-ECB of one block is AES-CBC of that block with a zero IV. */
int raw_hp_mask(const uint8_t hp[RAW_KEY_LEN], const uint8_t sample[16],
		uint8_t mask[5])
{
	static const uint8_t zero_iv[16];
	gnutls_datum_t key = { (unsigned char *)hp, RAW_KEY_LEN };
	gnutls_datum_t iv = { (unsigned char *)zero_iv, sizeof(zero_iv) };
	gnutls_cipher_hd_t h;
	uint8_t block[16];
	int err;

	if (gnutls_cipher_init(&h, GNUTLS_CIPHER_AES_128_CBC, &key, &iv))
		return -1;
	err = gnutls_cipher_encrypt2(h, sample, 16, block, sizeof(block));
	gnutls_cipher_deinit(h);
	if (err)
		return -1;
	memcpy(mask, block, 5);
	return 0;
}

/* Mask or unmask the first byte's low bits and the packet number. */
static void raw_hp_apply(uint8_t *pkt, size_t pn_offset, size_t pn_len,
			 const uint8_t mask[5])
{
	size_t i;

	pkt[0] ^= mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f);
	for (i = 0; i < pn_len; i++)
		pkt[pn_offset + i] ^= mask[1 + i];
}

/* RFC 9001 section 5.3: the IV XOR the packet number, left-padded. */
static void raw_nonce(const struct raw_keys *k, uint64_t pn,
		      uint8_t nonce[RAW_IV_LEN])
{
	int i;

	memcpy(nonce, k->iv, RAW_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[RAW_IV_LEN - 1 - i] ^= (pn >> (8 * i)) & 0xff;
}

static int raw_aead(const struct raw_keys *k, bool seal, uint64_t pn,
		    const uint8_t *ad, size_t ad_len, const uint8_t *in,
		    size_t in_len, uint8_t *out, size_t *out_len)
{
	gnutls_datum_t key = { (unsigned char *)k->key, RAW_KEY_LEN };
	gnutls_aead_cipher_hd_t h;
	uint8_t nonce[RAW_IV_LEN];
	int err;

	raw_nonce(k, pn, nonce);
	if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_128_GCM, &key))
		return -1;
	if (seal)
		err = gnutls_aead_cipher_encrypt(h, nonce, sizeof(nonce), ad,
						 ad_len, RAW_TAG_LEN, in,
						 in_len, out, out_len);
	else
		err = gnutls_aead_cipher_decrypt(h, nonce, sizeof(nonce), ad,
						 ad_len, RAW_TAG_LEN, in,
						 in_len, out, out_len);
	gnutls_aead_cipher_deinit(h);
	return err ? -1 : 0;
}

int raw_seal_packet(const struct raw_keys *k, uint8_t *pkt, size_t hdr_len,
		    uint64_t pn, const uint8_t *payload, size_t len,
		    size_t room)
{
	size_t pn_len = (pkt[0] & 0x03) + 1, pn_offset = hdr_len - pn_len;
	size_t out_len = room - hdr_len;
	uint8_t mask[5];

	if (!k->ready || room < hdr_len + len + RAW_TAG_LEN ||
	    pn_len + len < RAW_HP_SAMPLE_OFFSET)
		return -1;
	if (raw_aead(k, true, pn, pkt, hdr_len, payload, len, pkt + hdr_len,
		     &out_len) ||
	    raw_hp_mask(k->hp, pkt + pn_offset + RAW_HP_SAMPLE_OFFSET, mask))
		return -1;
	raw_hp_apply(pkt, pn_offset, pn_len, mask);
	return hdr_len + out_len;
}

/* RFC 9000 appendix A.3. */
static uint64_t raw_pn_decode(int64_t largest, uint64_t truncated,
			      unsigned int bits)
{
	uint64_t expected = (uint64_t)(largest + 1), win = 1ULL << bits;
	uint64_t hwin = win / 2, candidate;

	candidate = (expected & ~(win - 1)) | truncated;
	if (candidate + hwin <= expected && candidate < (1ULL << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

int raw_open_packet(const struct raw_keys *k, uint8_t *pkt, size_t len,
		    size_t pn_offset, int64_t largest, uint64_t *pn,
		    size_t *hdr_len)
{
	uint8_t mask[5], plain[RAW_RX_BUF];
	uint64_t truncated = 0;
	size_t pn_len, i, plain_len = sizeof(plain);

	if (!k->ready ||
	    len < pn_offset + RAW_HP_SAMPLE_OFFSET + RAW_HP_SAMPLE_LEN ||
	    raw_hp_mask(k->hp, pkt + pn_offset + RAW_HP_SAMPLE_OFFSET, mask))
		return -1;
	/* The first byte says how many packet number bytes to unmask. */
	pkt[0] ^= mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f);
	pn_len = (pkt[0] & 0x03) + 1;
	for (i = 0; i < pn_len; i++) {
		pkt[pn_offset + i] ^= mask[1 + i];
		truncated = truncated << 8 | pkt[pn_offset + i];
	}
	*pn = raw_pn_decode(largest, truncated, 8 * pn_len);
	*hdr_len = pn_offset + pn_len;
	if (len < *hdr_len + RAW_TAG_LEN ||
	    raw_aead(k, false, *pn, pkt, *hdr_len, pkt + *hdr_len,
		     len - *hdr_len, plain, &plain_len))
		return -1;
	memcpy(pkt + *hdr_len, plain, plain_len);
	return plain_len;
}

/* ---- Setting up ---- */

int raw_open(struct raw_peer *rp, const struct sockaddr *server,
	     socklen_t len)
{
	uint8_t client[RAW_SECRET_LEN], srv[RAW_SECRET_LEN];
	int i;

	memset(rp, 0, sizeof(*rp));
	rp->fd = -1;
	rp->fd_old = -1;
	for (i = 0; i < RAW_LEVELS; i++) {
		quic_ack_set_init(&rp->sp[i].recvd);
		quic_ack_set_init(&rp->sp[i].acked);
	}
	rp->fd = socket(server->sa_family, SOCK_DGRAM, 0);
	if (rp->fd < 0)
		return raw_fail(rp, "socket: %s", strerror(errno));
	i = 1;
	if (server->sa_family == AF_INET6 ?
	    setsockopt(rp->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &i, sizeof(i)) :
	    setsockopt(rp->fd, IPPROTO_IP, IP_RECVTOS, &i, sizeof(i)))
		return raw_fail(rp, "IP_RECVTOS: %s", strerror(errno));
	if (connect(rp->fd, server, len))
		return raw_fail(rp, "connect: %s", strerror(errno));
	if (gnutls_rnd(GNUTLS_RND_NONCE, rp->odcid, RAW_CID_LEN) ||
	    gnutls_rnd(GNUTLS_RND_NONCE, rp->scid, RAW_CID_LEN))
		return raw_fail(rp, "gnutls_rnd failed");
	/* Until the server's first Initial says otherwise (RFC 9000 7.2). */
	memcpy(rp->dcid, rp->odcid, RAW_CID_LEN);
	rp->dcid_len = RAW_CID_LEN;
	if (raw_initial_secrets(rp->odcid, RAW_CID_LEN, client, srv) ||
	    raw_keys_from_secret(&rp->sp[RAW_INITIAL].tx, client) ||
	    raw_keys_from_secret(&rp->sp[RAW_INITIAL].rx, srv))
		return raw_fail(rp, "Initial key derivation failed");
	return 0;
}

void raw_free(struct raw_peer *rp)
{
	if (rp->fd >= 0)
		close(rp->fd);
	if (rp->fd_old >= 0)
		close(rp->fd_old);
	rp->fd = -1;
	rp->fd_old = -1;
}

int raw_rebind(struct raw_peer *rp)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (getpeername(rp->fd, (struct sockaddr *)&ss, &len))
		return raw_fail(rp, "getpeername: %s", strerror(errno));
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return raw_fail(rp, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return raw_fail(rp, "connect: %s", strerror(errno));
	}
	if (rp->fd_old >= 0)
		close(rp->fd_old);
	rp->fd_old = rp->fd;
	rp->fd = fd;
	return 0;
}

void raw_swap_fd(struct raw_peer *rp)
{
	int fd = rp->fd;

	rp->fd = rp->fd_old;
	rp->fd_old = fd;
}

int raw_set_secrets(struct raw_peer *rp, enum raw_level level,
		    const uint8_t tx[RAW_SECRET_LEN],
		    const uint8_t rx[RAW_SECRET_LEN])
{
	if (raw_keys_from_secret(&rp->sp[level].tx, tx) ||
	    raw_keys_from_secret(&rp->sp[level].rx, rx))
		return raw_fail(rp, "key derivation failed at level %c",
				raw_level_name[level]);
	return 0;
}

/* ---- Sending ---- */

/* A long header (RFC 9000 17.2) up to and including the packet number. */
static size_t raw_put_long(struct raw_peer *rp, uint8_t *p, uint8_t type,
			   uint64_t pn, size_t payload_len)
{
	uint64_t length = RAW_PN_LEN + payload_len + RAW_TAG_LEN;
	uint8_t *start = p;

	*p++ = 0xc0 | type << 4 | (RAW_PN_LEN - 1);
	p = quic_put_uint(p, RAW_VERSION, 4);
	*p++ = rp->dcid_len;
	p = quic_put_bytes(p, rp->dcid, rp->dcid_len);
	*p++ = RAW_CID_LEN;
	p = quic_put_bytes(p, rp->scid, RAW_CID_LEN);
	if (type == RAW_LONG_INITIAL)
		*p++ = 0;	/* no token */
	p = quic_put_varint_n(p, length, 2);
	p = quic_put_uint(p, pn, RAW_PN_LEN);
	return p - start;
}

/* A short header (RFC 9000 17.3.1): spin bit and key phase 0. */
static size_t raw_put_short(struct raw_peer *rp, uint8_t *p, uint64_t pn)
{
	uint8_t *start = p;

	*p++ = 0x40 | rp->short_bits | (RAW_PN_LEN - 1);
	p = quic_put_bytes(p, rp->dcid, rp->dcid_len);
	p = quic_put_uint(p, pn, RAW_PN_LEN);
	return p - start;
}

/* Header bytes at @level: a two-byte Length, a four-byte packet number. */
static size_t raw_hdr_len(const struct raw_peer *rp, enum raw_level level)
{
	if (level == RAW_APP)
		return 1 + rp->dcid_len + RAW_PN_LEN;
	return 1 + 4 + 1 + rp->dcid_len + 1 + RAW_CID_LEN +
	       (level == RAW_INITIAL) + 2 + RAW_PN_LEN;
}

int64_t raw_send_payload(struct raw_peer *rp, enum raw_level level,
			 const uint8_t *payload, size_t len)
{
	struct raw_space *sp = &rp->sp[level];
	uint8_t pkt[RAW_MAX_DATAGRAM], padded[RAW_MAX_DATAGRAM];
	uint64_t pn = sp->next_pn;
	size_t hdr_len, room;
	int n;

	if (!sp->tx.ready)
		return raw_fail(rp, "no send keys at level %c",
				raw_level_name[level]);
	room = RAW_MAX_DATAGRAM - RAW_TAG_LEN - raw_hdr_len(rp, level);
	if (len > room)
		return raw_fail(rp, "payload of %zu bytes, room for %zu", len,
				room);
	if (level == RAW_INITIAL) {
		/* PADDING up to a datagram of 1200 bytes. */
		memset(padded, 0, room);
		if (len)
			memcpy(padded, payload, len);
		payload = padded;
		len = room;
	}
	if (level == RAW_APP)
		hdr_len = raw_put_short(rp, pkt, pn);
	else
		hdr_len = raw_put_long(rp, pkt, level == RAW_INITIAL ?
				       RAW_LONG_INITIAL : RAW_LONG_HANDSHAKE,
				       pn, len);
	n = raw_seal_packet(&sp->tx, pkt, hdr_len, pn, payload, len,
			    sizeof(pkt));
	if (n < 0)
		return raw_fail(rp, "sealing packet %llu failed",
				(unsigned long long)pn);
	if (send(rp->fd, pkt, n, 0) != n)
		return raw_fail(rp, "send: %s", strerror(errno));
	sp->next_pn++;
	return pn;
}

int64_t raw_send_frames(struct raw_peer *rp, enum raw_level level,
			const struct quic_frame *frames, int n)
{
	uint8_t payload[RAW_MAX_DATAGRAM], *p = payload;
	uint32_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = quic_frame_len(&frames[i]);
		if (!len || len > sizeof(payload) - (p - payload))
			return raw_fail(rp, "frame %d (type 0x%llx) cannot be encoded",
					i, (unsigned long long)frames[i].type);
		p = quic_frame_encode(p, &frames[i]);
	}
	return raw_send_payload(rp, level, payload, p - payload);
}

int64_t raw_send_crypto(struct raw_peer *rp, enum raw_level level,
			const void *data, size_t len)
{
	struct quic_frame f = { .type = QUIC_FRAME_CRYPTO };
	int64_t pn;

	f.crypto.offset = rp->sp[level].crypto_off;
	f.crypto.len = len;
	f.crypto.data = data;
	pn = raw_send_frames(rp, level, &f, 1);
	if (pn >= 0)
		rp->sp[level].crypto_off += len;
	return pn;
}

int raw_initial(struct raw_peer *rp, const void *crypto, size_t len)
{
	return raw_send_crypto(rp, RAW_INITIAL, crypto, len) < 0 ? -1 : 0;
}

int raw_send_ack(struct raw_peer *rp, enum raw_level level)
{
	struct raw_space *sp = &rp->sp[level];
	uint8_t ranges[QUIC_ACK_RANGES_BUF_LEN];
	struct quic_frame f;
	int i;

	if (!sp->ack_pending || quic_ack_set_empty(&sp->recvd))
		return 0;
	quic_ack_set_to_frame(&sp->recvd, 0, &f, ranges, sizeof(ranges));
	if (rp->ecn_report) {
		f.type = QUIC_FRAME_ACK_ECN;
		for (i = 0; i < 3; i++)
			f.ack.ecn[i] = sp->ecn[i] + rp->ecn_extra[i];
	}
	if (raw_send_frames(rp, level, &f, 1) < 0)
		return -1;
	sp->ack_pending = false;
	return 0;
}

/* ---- Receiving ---- */

/* One datagram, its ECN field in rp->rx_ecn; recv()'s return. */
static ssize_t raw_recv(struct raw_peer *rp, uint8_t *buf, size_t size)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int tclass;

	n = recvmsg(rp->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	rp->rx_ecn = 0;
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			rp->rx_ecn = *(uint8_t *)CMSG_DATA(cm) & 3;
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_TCLASS) {
			memcpy(&tclass, CMSG_DATA(cm), sizeof(tclass));
			rp->rx_ecn = tclass & 3;
		}
	}
	return n;
}

static void raw_frame(struct raw_peer *rp, enum raw_level level,
		      const struct quic_frame *f)
{
	struct raw_space *sp = &rp->sp[level];
	char c = raw_level_name[level];
	struct quic_ack_iter it;
	uint64_t lo, hi;
	size_t n;

	if (f->type < 64)
		rp->seen |= 1ULL << f->type;
	switch (f->type) {
	case QUIC_FRAME_PADDING:
		break;
	case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
	case QUIC_FRAME_STREAMS_BLOCKED_UNI:
		rp->streams_blocked = f->streams_blocked;
		raw_trace(rp, "%c:streams_blocked %llu", c,
			  (unsigned long long)f->streams_blocked);
		break;
	case QUIC_FRAME_ACK:
	case QUIC_FRAME_ACK_ECN:
		quic_ack_iter_init(&it, f);
		while (quic_ack_iter_next(&it, &lo, &hi))
			quic_ack_set_add_range(&sp->acked, lo, hi);
		raw_trace(rp, "%c:ack<=%llu", c,
			  (unsigned long long)f->ack.largest);
		break;
	case QUIC_FRAME_MAX_STREAMS_BIDI:
	case QUIC_FRAME_MAX_STREAMS_UNI:
		n = f->type == QUIC_FRAME_MAX_STREAMS_UNI;
		if (f->max_streams > rp->max_streams[n])
			rp->max_streams[n] = f->max_streams;
		raw_trace(rp, "%c:max_streams_%s %llu", c, n ? "uni" : "bidi",
			  (unsigned long long)f->max_streams);
		break;
	case QUIC_FRAME_MAX_DATA:
		if (f->max_data > rp->max_data)
			rp->max_data = f->max_data;
		raw_trace(rp, "%c:max_data %llu", c,
			  (unsigned long long)f->max_data);
		break;
	case QUIC_FRAME_HANDSHAKE_DONE:
		rp->handshake_done = true;
		raw_trace(rp, "%c:handshake_done", c);
		break;
	case QUIC_FRAME_CONNECTION_CLOSE:
	case QUIC_FRAME_CONNECTION_CLOSE_APP:
		rp->close.seen = true;
		rp->close.app = f->type == QUIC_FRAME_CONNECTION_CLOSE_APP;
		rp->close.errcode = f->close.errcode;
		rp->close.frame_type = f->close.frame_type;
		n = f->close.phrase_len < sizeof(rp->close.phrase) - 1 ?
		    f->close.phrase_len : sizeof(rp->close.phrase) - 1;
		memcpy(rp->close.phrase, f->close.phrase, n);
		rp->close.phrase[n] = '\0';
		rp->close.phrase_len = f->close.phrase_len;
		n = f->close.phrase_len < sizeof(rp->close.phrase_raw) ?
		    f->close.phrase_len : sizeof(rp->close.phrase_raw);
		memcpy(rp->close.phrase_raw, f->close.phrase, n);
		raw_trace(rp, "%c:close%s(err 0x%llx, frame 0x%llx)", c,
			  rp->close.app ? "_app" : "",
			  (unsigned long long)f->close.errcode,
			  (unsigned long long)f->close.frame_type);
		break;
	case QUIC_FRAME_NEW_CONNECTION_ID:
		if (rp->nnew_cids < RAW_CID_LOG) {
			struct raw_new_cid *nc = &rp->new_cids[rp->nnew_cids];

			nc->seq = f->new_cid.seq;
			nc->retire_prior_to = f->new_cid.retire_prior_to;
			nc->len = f->new_cid.cid.len;
			memcpy(nc->cid, f->new_cid.cid.data, nc->len);
			memcpy(nc->token, f->new_cid.token,
			       QUIC_RESET_TOKEN_LEN);
		}
		rp->nnew_cids++;
		raw_trace(rp, "%c:new_cid %llu rpt %llu", c,
			  (unsigned long long)f->new_cid.seq,
			  (unsigned long long)f->new_cid.retire_prior_to);
		break;
	case QUIC_FRAME_PATH_CHALLENGE:
		memcpy(rp->challenge, f->path_data, QUIC_PATH_DATA_LEN);
		rp->nchallenges++;
		rp->challenge_dgram = rp->rx_copy_len;
		raw_trace(rp, "%c:path_challenge", c);
		break;
	case QUIC_FRAME_PATH_RESPONSE:
		memcpy(rp->response, f->path_data, QUIC_PATH_DATA_LEN);
		rp->nresponses++;
		rp->response_dgram = rp->rx_copy_len;
		raw_trace(rp, "%c:path_response", c);
		break;
	case QUIC_FRAME_RETIRE_CONNECTION_ID:
		if (rp->nretired < RAW_CID_LOG)
			rp->retired[rp->nretired] = f->retire_seq;
		rp->nretired++;
		raw_trace(rp, "%c:retire_cid %llu", c,
			  (unsigned long long)f->retire_seq);
		break;
	case QUIC_FRAME_STREAM ... QUIC_FRAME_STREAM_LAST:
		if (rp->nstreams < RAW_STREAM_LOG) {
			struct raw_stream_frame *s = &rp->streams[rp->nstreams];

			s->id = f->stream.stream_id;
			s->off = f->stream.offset;
			s->len = f->stream.len;
			s->fin = f->type & QUIC_STREAM_BIT_FIN;
		}
		rp->nstreams++;
		raw_trace(rp, "%c:stream %llu [%llu,+%llu)%s", c,
			  (unsigned long long)f->stream.stream_id,
			  (unsigned long long)f->stream.offset,
			  (unsigned long long)f->stream.len,
			  f->type & QUIC_STREAM_BIT_FIN ? " fin" : "");
		break;
	default:
		raw_trace(rp, "%c:frame 0x%llx", c,
			  (unsigned long long)f->type);
		break;
	}
}

/* One packet: open it, note its number, act on its frames. */
static bool raw_packet(struct raw_peer *rp, enum raw_level level, uint8_t *pkt,
		       size_t len, size_t pn_offset, const uint8_t *scid,
		       uint8_t scid_len, bool quiet)
{
	struct raw_space *sp = &rp->sp[level];
	char c = raw_level_name[level];
	struct quic_frame_error ferr;
	struct quic_frame f;
	const uint8_t *p;
	size_t hdr_len;
	int64_t largest;
	uint64_t pn;
	uint32_t left;
	int plen;

	if (!sp->rx.ready) {
		raw_trace(rp, "%c:(no keys)", c);
		return false;
	}
	largest = quic_ack_set_empty(&sp->recvd) ? -1 :
		  (int64_t)quic_ack_set_largest(&sp->recvd);
	plen = raw_open_packet(&sp->rx, pkt, len, pn_offset, largest, &pn,
			       &hdr_len);
	if (plen < 0) {
		if (quiet)
			return false;
		raw_trace(rp, "%c:(does not open)", c);
		if (pkt == rp->rx_start) {
			rp->unopened++;
			rp->unopened_len = rp->rx_copy_len;
			memcpy(rp->unopened_dgram, rp->rx_copy,
			       sizeof(rp->rx_copy));
		}
		return false;
	}
	if (level == RAW_APP && pn_offset == 1 + RAW_CID_LEN)
		memcpy(rp->rx_dcid, pkt + 1, RAW_CID_LEN);
	/* RFC 9000 section 7.2: the server's SCID is our DCID from now on. */
	if (level == RAW_INITIAL && !rp->dcid_learned) {
		memcpy(rp->dcid, scid, scid_len);
		rp->dcid_len = scid_len;
		rp->dcid_learned = true;
	}
	if (quic_ack_set_add(&sp->recvd, pn) == -EEXIST) {
		raw_trace(rp, "%c:(duplicate pn %llu)", c,
			  (unsigned long long)pn);
		return true;
	}
	/* ECT(0) is 2, ECT(1) 1, CE 3; the frame's order is 0, 1, CE. */
	if (rp->rx_ecn)
		sp->ecn[rp->rx_ecn == 2 ? 0 : rp->rx_ecn == 1 ? 1 : 2]++;
	p = pkt + hdr_len;
	left = plen;
	while (left) {
		if (!quic_frame_decode(&p, &left, &f, &ferr)) {
			raw_trace(rp, "%c:(bad frame 0x%llx)", c,
				  (unsigned long long)ferr.frame_type);
			return true;
		}
		if (quic_frame_ack_eliciting(f.type))
			sp->ack_pending = true;
		raw_frame(rp, level, &f);
	}
	return true;
}

/*
 * A 1-RTT packet: sent to our ID, 8 bytes, unless the server moved to one
 * a test gave it with NEW_CONNECTION_ID, of any length from 0 to 20: each
 * is tried on a copy until one opens.
 */
static void raw_short_packet(struct raw_peer *rp, uint8_t *pkt, size_t len)
{
	uint8_t copy[RAW_RX_BUF];
	size_t l;

	memcpy(copy, pkt, len);
	if (raw_packet(rp, RAW_APP, pkt, len, 1 + RAW_CID_LEN, NULL, 0, true))
		return;
	for (l = 0; l <= QUIC_CONN_ID_MAX_LEN; l++) {
		if (l == RAW_CID_LEN || len < 1 + l)
			continue;
		memcpy(pkt, copy, len);
		if (raw_packet(rp, RAW_APP, pkt, len, 1 + l, NULL, 0, true))
			return;
	}
	memcpy(pkt, copy, len);
	raw_packet(rp, RAW_APP, pkt, len, 1 + RAW_CID_LEN, NULL, 0, false);
}

/* One datagram from the server: each of its coalesced packets. */
static void raw_datagram(struct raw_peer *rp, uint8_t *d, uint32_t len)
{
	const uint8_t *q, *dcid, *scid, *token, *pn_at;
	uint64_t version, dcid_len, scid_len, token_len, length, type;
	enum raw_level level;
	size_t pkt_len, pn_offset;
	uint32_t rem;

	while (len) {
		scid = NULL;
		scid_len = 0;
		if (!(d[0] & 0x80)) {
			/* Short header: the rest of the datagram. */
			level = RAW_APP;
			pn_offset = 1 + RAW_CID_LEN;
			pkt_len = len;
		} else {
			q = d + 1;
			rem = len - 1;
			if (!quic_get_uint(&q, &rem, 4, &version) ||
			    !quic_get_uint(&q, &rem, 1, &dcid_len) ||
			    !quic_get_bytes(&q, &rem, dcid_len, &dcid) ||
			    !quic_get_uint(&q, &rem, 1, &scid_len) ||
			    !quic_get_bytes(&q, &rem, scid_len, &scid) ||
			    scid_len > QUIC_CONN_ID_MAX_LEN) {
				raw_trace(rp, "(bad long header)");
				return;
			}
			type = (d[0] >> 4) & 0x3;
			if (version != RAW_VERSION ||
			    (type != RAW_LONG_INITIAL &&
			     type != RAW_LONG_HANDSHAKE)) {
				raw_trace(rp, "(version 0x%llx type %llu)",
					  (unsigned long long)version,
					  (unsigned long long)type);
				return;
			}
			level = type == RAW_LONG_INITIAL ? RAW_INITIAL :
							    RAW_HANDSHAKE;
			if (type == RAW_LONG_INITIAL &&
			    (!quic_get_varint(&q, &rem, &token_len) ||
			     !quic_get_bytes(&q, &rem, token_len, &token))) {
				raw_trace(rp, "(bad Initial token)");
				return;
			}
			if (!quic_get_varint(&q, &rem, &length) ||
			    !quic_get_bytes(&q, &rem, length, &pn_at)) {
				raw_trace(rp, "(bad Length)");
				return;
			}
			pn_offset = pn_at - d;
			pkt_len = pn_offset + length;
		}
		if (level == RAW_APP)
			raw_short_packet(rp, d, pkt_len);
		else
			raw_packet(rp, level, d, pkt_len, pn_offset, scid,
				   scid_len, false);
		d += pkt_len;
		len -= pkt_len;
	}
}

int raw_wait(struct raw_peer *rp, bool (*done)(struct raw_peer *rp,
					       const void *arg),
	     const void *arg, int timeout_ms)
{
	int64_t deadline = raw_now_ms() + timeout_ms, left;
	uint8_t buf[RAW_RX_BUF];
	struct pollfd pfd;
	ssize_t n;

	for (;;) {
		if (done(rp, arg))
			return 0;
		left = deadline - raw_now_ms();
		if (left <= 0)
			return raw_fail(rp, "nothing after %d ms; the server sent: %s",
					timeout_ms, rp->trace);
		pfd.fd = rp->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return raw_fail(rp, "poll: %s", strerror(errno));
		n = raw_recv(rp, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return raw_fail(rp, "recv: %s; the server sent: %s",
					strerror(errno), rp->trace);
		}
		rp->rx_bytes += n;
		if (n > (ssize_t)sizeof(buf)) {
			raw_trace(rp, "(datagram of %zd bytes)", n);
			continue;
		}
		rp->rx_copy_len = n;
		memcpy(rp->rx_copy, buf, (size_t)n < sizeof(rp->rx_copy) ?
		       (size_t)n : sizeof(rp->rx_copy));
		rp->rx_start = buf;
		raw_datagram(rp, buf, n);
	}
}

static bool raw_cid_known(struct raw_peer *rp, const void *arg)
{
	(void)arg;
	return rp->dcid_learned;
}

int raw_wait_server_cid(struct raw_peer *rp, int timeout_ms)
{
	return raw_wait(rp, raw_cid_known, NULL, timeout_ms);
}

static bool raw_done_or_closed(struct raw_peer *rp, const void *arg)
{
	(void)arg;
	return rp->handshake_done || rp->close.seen;
}

int raw_wait_handshake_done(struct raw_peer *rp, int timeout_ms)
{
	if (raw_wait(rp, raw_done_or_closed, NULL, timeout_ms))
		return -1;
	if (!rp->handshake_done)
		return raw_fail(rp, "closed before HANDSHAKE_DONE: %s",
				rp->trace);
	return 0;
}

struct raw_pn {
	enum raw_level	level;
	uint64_t	pn;
};

static bool raw_acked_or_closed(struct raw_peer *rp, const void *arg)
{
	const struct raw_pn *a = arg;

	return quic_ack_set_has(&rp->sp[a->level].acked, a->pn) ||
	       rp->close.seen;
}

int raw_wait_acked(struct raw_peer *rp, enum raw_level level, uint64_t pn,
		   int timeout_ms)
{
	struct raw_pn a = { level, pn };

	if (raw_wait(rp, raw_acked_or_closed, &a, timeout_ms))
		return -1;
	if (!quic_ack_set_has(&rp->sp[level].acked, pn))
		return raw_fail(rp, "closed before packet %llu (level %c) was acked: %s",
				(unsigned long long)pn, raw_level_name[level],
				rp->trace);
	return 0;
}

static bool raw_closed(struct raw_peer *rp, const void *arg)
{
	(void)arg;
	return rp->close.seen;
}

int raw_wait_close(struct raw_peer *rp, int timeout_ms)
{
	return raw_wait(rp, raw_closed, NULL, timeout_ms);
}
