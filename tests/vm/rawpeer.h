/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw QUIC v1 client for tests: a plain UDP socket, the packet protection
 * of RFC 9001 over GnuTLS, and no TLS.  The test plays TLS for the kernel
 * server (it installs made-up secrets with QUIC_SOCKOPT_CRYPTO_SECRET and
 * gives the raw peer the same ones), so the raw peer can send the server any
 * frame it likes, including frames that break the rules, and read what the
 * server answers.
 *
 *	raw_open()		UDP socket, connection IDs, Initial keys
 *	raw_initial()		the first Initial, CRYPTO data, 1200 bytes
 *	raw_set_secrets()	Handshake or 1-RTT keys from TLS-like secrets
 *	raw_send_crypto()	CRYPTO data at a level (the client Finished)
 *	raw_send_frames()	any frames, in one packet of a level
 *	raw_send_payload()	raw bytes as a packet payload (malformed frames)
 *	raw_wait_*()		read the server until something is seen
 *
 * Frames are encoded and decoded with the project's wire layer
 * (net/quic/wire_*.c, built for userspace through tests/shim/); packet
 * headers, packet numbers and packet protection are written here.
 *
 * Functions return 0 (or a packet number) on success and -1 on failure,
 * with a reason in @rp->err.  Every wait is bounded by a timeout.
 */

#ifndef QUIC_TEST_RAWPEER_H
#define QUIC_TEST_RAWPEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire_ack.h"
#include "wire_frame.h"

#define RAW_CID_LEN		8	/* the kernel's QUIC_CID_LEN */
#define RAW_SECRET_LEN		32	/* SHA-256: TLS_AES_128_GCM_SHA256 */
#define RAW_KEY_LEN		16	/* AES-128-GCM */
#define RAW_IV_LEN		12
#define RAW_TAG_LEN		16
#define RAW_MAX_DATAGRAM	1200
#define RAW_TRACE_LEN		768

enum raw_level {
	RAW_INITIAL,
	RAW_HANDSHAKE,
	RAW_APP,
	RAW_LEVELS,
};

/* The keys of one direction of one level (RFC 9001 section 5.1). */
struct raw_keys {
	bool		ready;
	uint8_t		key[RAW_KEY_LEN];
	uint8_t		iv[RAW_IV_LEN];
	uint8_t		hp[RAW_KEY_LEN];
};

/* A packet number space. */
struct raw_space {
	struct raw_keys		tx, rx;
	uint64_t		next_pn;	/* ours */
	uint64_t		crypto_off;	/* our CRYPTO stream */
	struct quic_ack_set	recvd;		/* the server's packets */
	bool			ack_pending;	/* an ack-eliciting one */
	struct quic_ack_set	acked;		/* ours the server acked */
	/* ECN counts of the server's packets: ECT(0), ECT(1), CE. */
	uint64_t		ecn[3];
};

/* A STREAM frame from the server (its data is not kept). */
struct raw_stream_frame {
	uint64_t	id;
	uint64_t	off;
	uint64_t	len;
	bool		fin;
};

#define RAW_STREAM_LOG	64

/* A CONNECTION_CLOSE from the server. */
struct raw_close {
	bool		seen;
	bool		app;		/* 0x1d */
	uint64_t	errcode;
	uint64_t	frame_type;	/* 0x1c only */
	char		phrase[64];	/* NUL-terminated, cut */
	uint64_t	phrase_len;	/* as on the wire */
	uint8_t		phrase_raw[300];	/* its bytes, cut */
};

/* A NEW_CONNECTION_ID from the server. */
struct raw_new_cid {
	uint64_t	seq;
	uint64_t	retire_prior_to;
	uint8_t		cid[QUIC_CONN_ID_MAX_LEN];
	uint8_t		len;
	uint8_t		token[QUIC_RESET_TOKEN_LEN];
};

#define RAW_CID_LOG	32
#define RAW_DGRAM_KEEP	128

struct raw_peer {
	int			fd;		/* UDP, connected to the server */
	uint8_t			odcid[RAW_CID_LEN]; /* our first DCID */
	uint8_t			scid[RAW_CID_LEN];
	uint8_t			dcid[QUIC_CONN_ID_MAX_LEN]; /* where we send */
	uint8_t			dcid_len;
	bool			dcid_learned;	/* the server's SCID */
	/* Bits OR'ed into the first byte of our short headers before header
	 * protection: a test sets reserved bits (0x18) to break the rules.
	 */
	uint8_t			short_bits;
	/* ECN (RFC 9000 13.4.1): the ECN field of the datagram being read
	 * (IP_RECVTOS); with @ecn_report, ACK frames carry each space's
	 * counts, plus @ecn_extra (a lie) when a test sets it.
	 */
	uint8_t			rx_ecn;
	bool			ecn_report;
	uint64_t		ecn_extra[3];
	struct raw_space	sp[RAW_LEVELS];
	bool			handshake_done;	/* HANDSHAKE_DONE received */
	uint64_t		max_data;	/* the largest MAX_DATA seen */
	uint64_t		max_streams[2];	/* MAX_STREAMS: bidi, uni */
	/* The server's STREAM frames, the first RAW_STREAM_LOG of them. */
	struct raw_stream_frame	streams[RAW_STREAM_LOG];
	unsigned int		nstreams;	/* how many came, all told */
	uint64_t		rx_bytes;	/* UDP payload bytes received */
	uint64_t		seen;		/* BIT(type) of frames < 64 */
	uint64_t		streams_blocked; /* the last STREAMS_BLOCKED */
	struct raw_close	close;
	/* The server's NEW_CONNECTION_ID and RETIRE_CONNECTION_ID frames,
	 * the first RAW_CID_LOG of each (the counts go on).
	 */
	struct raw_new_cid	new_cids[RAW_CID_LOG];
	unsigned int		nnew_cids;
	uint64_t		retired[RAW_CID_LOG];
	unsigned int		nretired;
	/* PATH_CHALLENGE data from the server: the last one, and how many;
	 * PATH_RESPONSE data.
	 */
	uint8_t			challenge[QUIC_PATH_DATA_LEN];
	unsigned int		nchallenges;
	size_t			challenge_dgram;	/* its datagram's size */
	size_t			response_dgram;
	uint8_t			response[QUIC_PATH_DATA_LEN];
	unsigned int		nresponses;
	/* The socket raw_rebind() left, still open; -1 if none. */
	int			fd_old;
	/* The DCID of the server's last 1-RTT packet that opened. */
	uint8_t			rx_dcid[RAW_CID_LEN];
	/* Datagrams whose first packet did not open (stateless resets?):
	 * how many, and the last one's first RAW_DGRAM_KEEP bytes.
	 */
	unsigned int		unopened;
	uint8_t			unopened_dgram[RAW_DGRAM_KEEP];
	size_t			unopened_len;
	uint8_t			rx_copy[RAW_DGRAM_KEEP];
	size_t			rx_copy_len;
	const uint8_t		*rx_start;	/* the datagram in work */
	/* What came from the server, for failure messages. */
	char			trace[RAW_TRACE_LEN];
	char			err[RAW_TRACE_LEN + 160];
};

/* RFC 9001 section 5.2: the Initial secrets of a client's first DCID. */
int raw_initial_secrets(const uint8_t *dcid, size_t dcid_len,
			uint8_t client[RAW_SECRET_LEN],
			uint8_t server[RAW_SECRET_LEN]);
/* TLS 1.3 HKDF-Expand-Label with SHA-256 and an empty context. */
int raw_hkdf_expand_label(const uint8_t *secret, size_t secret_len,
			  const char *label, uint8_t *out, size_t out_len);
/* Key, IV and header protection key from a secret ("quic key" etc.). */
int raw_keys_from_secret(struct raw_keys *k,
			 const uint8_t secret[RAW_SECRET_LEN]);
/* The header protection mask of a sample (RFC 9001 section 5.4.3). */
int raw_hp_mask(const uint8_t hp[RAW_KEY_LEN], const uint8_t sample[16],
		uint8_t mask[5]);
/*
 * Protect a packet in place: @pkt holds the header (@hdr_len bytes, the
 * first byte's pn length bits set, the packet number last); the sealed
 * @payload goes after it, within @room bytes, and the header protection is
 * applied.  Returns the packet's length, -1 on failure.
 */
int raw_seal_packet(const struct raw_keys *k, uint8_t *pkt, size_t hdr_len,
		    uint64_t pn, const uint8_t *payload, size_t len,
		    size_t room);
/*
 * Open a protected packet in place: remove header protection, decrypt.
 * @pn_offset is where the Packet Number starts; @largest the largest
 * packet number received in the space, -1 if none.  Sets *@pn and
 * *@hdr_len (the payload starts there).  Returns the payload length, -1
 * if the packet does not open.
 */
int raw_open_packet(const struct raw_keys *k, uint8_t *pkt, size_t len,
		    size_t pn_offset, int64_t largest, uint64_t *pn,
		    size_t *hdr_len);

int raw_open(struct raw_peer *rp, const struct sockaddr *server,
	     socklen_t len);
/*
 * A new UDP socket, on another port, connected to the server: what a NAT
 * rebinding looks like to it.  The old one stays open in @rp->fd_old;
 * raw_swap_fd() goes back to it (and keeps the new one there).
 */
int raw_rebind(struct raw_peer *rp);
void raw_swap_fd(struct raw_peer *rp);
void raw_free(struct raw_peer *rp);

int raw_initial(struct raw_peer *rp, const void *crypto, size_t len);
int raw_set_secrets(struct raw_peer *rp, enum raw_level level,
		    const uint8_t tx[RAW_SECRET_LEN],
		    const uint8_t rx[RAW_SECRET_LEN]);

/* Each returns the packet number used, or -1. */
int64_t raw_send_frames(struct raw_peer *rp, enum raw_level level,
			const struct quic_frame *frames, int n);
int64_t raw_send_payload(struct raw_peer *rp, enum raw_level level,
			 const uint8_t *payload, size_t len);
int64_t raw_send_crypto(struct raw_peer *rp, enum raw_level level,
			const void *data, size_t len);
/* An ACK of everything received at @level (nothing if nothing new). */
int raw_send_ack(struct raw_peer *rp, enum raw_level level);

/*
 * Read and process the server's datagrams until @done(@rp, @arg) holds;
 * 0 then, -1 after @timeout_ms or on an error.
 */
int raw_wait(struct raw_peer *rp, bool (*done)(struct raw_peer *rp,
					       const void *arg),
	     const void *arg, int timeout_ms);
int raw_wait_server_cid(struct raw_peer *rp, int timeout_ms);
int raw_wait_handshake_done(struct raw_peer *rp, int timeout_ms);
int raw_wait_acked(struct raw_peer *rp, enum raw_level level, uint64_t pn,
		   int timeout_ms);
int raw_wait_close(struct raw_peer *rp, int timeout_ms);

#endif /* QUIC_TEST_RAWPEER_H */
