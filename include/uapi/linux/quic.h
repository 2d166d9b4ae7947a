/* SPDX-License-Identifier: GPL-2.0+ WITH Linux-syscall-note */
/*
 * QUIC sockets: the user API of the in-kernel QUIC implementation.
 *
 * Names and structures follow draft-lxin-quic-socket-apis; the numbers the
 * draft leaves to the implementation match the proposed upstream ABI.
 */

#ifndef _UAPI_LINUX_QUIC_H
#define _UAPI_LINUX_QUIC_H

#include <linux/types.h>

#define IPPROTO_QUIC		261
#define SOL_QUIC		288

/* Send/recv flags, in the flags argument or in quic_stream_info.stream_flags. */
#define MSG_DATAGRAM		0x10
#define MSG_STREAM_FIN		0x200
#define MSG_STREAM_NEW		0x400
#define MSG_STREAM_UNI		0x800
#define MSG_NOTIFICATION	0x8000
#define MSG_STREAM_DONTWAIT	0x10000
#define MSG_STREAM_SNDBLOCK	0x20000

/* Ancillary data (cmsg_level SOL_QUIC). */
enum quic_cmsg_type {
	QUIC_STREAM_INFO,
	QUIC_HANDSHAKE_INFO,
};

struct quic_stream_info {
	__s64	stream_id;
	__u32	stream_flags;
};

struct quic_handshake_info {
	__u8	crypto_level;
};

/* Stream ID bits (RFC 9000 section 2.1). */
#define QUIC_STREAM_TYPE_SERVER_MASK	0x01
#define QUIC_STREAM_TYPE_UNI_MASK	0x02
#define QUIC_STREAM_TYPE_MASK		0x03

enum quic_crypto_level {
	QUIC_CRYPTO_APP,
	QUIC_CRYPTO_INITIAL,
	QUIC_CRYPTO_HANDSHAKE,
	QUIC_CRYPTO_EARLY,
	QUIC_CRYPTO_MAX,
};

/* Socket options (level SOL_QUIC). */
#define QUIC_SOCKOPT_EVENT			0
#define QUIC_SOCKOPT_STREAM_OPEN		1
#define QUIC_SOCKOPT_STREAM_RESET		2
#define QUIC_SOCKOPT_STREAM_STOP_SENDING	3
#define QUIC_SOCKOPT_CONNECTION_ID		4
#define QUIC_SOCKOPT_CONNECTION_CLOSE		5
#define QUIC_SOCKOPT_CONNECTION_MIGRATION	6
#define QUIC_SOCKOPT_KEY_UPDATE			7
#define QUIC_SOCKOPT_TRANSPORT_PARAM		8
#define QUIC_SOCKOPT_CONFIG			9
#define QUIC_SOCKOPT_TOKEN			10
#define QUIC_SOCKOPT_ALPN			11
#define QUIC_SOCKOPT_SESSION_TICKET		12
#define QUIC_SOCKOPT_CRYPTO_SECRET		13
#define QUIC_SOCKOPT_TRANSPORT_PARAM_EXT	14

#define QUIC_VERSION_V1		0x1
#define QUIC_VERSION_V2		0x6b3343cf

enum quic_cong_algo {
	QUIC_CONG_ALG_RENO,
	QUIC_CONG_ALG_CUBIC,
	QUIC_CONG_ALG_MAX,
};

/*
 * QUIC_SOCKOPT_TRANSPORT_PARAM and QUIC_SOCKOPT_CONFIG take a whole struct,
 * but a field left at 0 keeps the value the socket has: zero the struct,
 * set the fields to change.  To set a field to 0 itself, give it
 * QUIC_OPT_ZERO (all ones in the field's type).
 */
#define QUIC_OPT_ZERO	(-1)

/*
 * Transport parameters (QUIC_SOCKOPT_TRANSPORT_PARAM). Times are in
 * microseconds; the comments give the defaults.
 */
struct quic_transport_param {
	__u8	remote;
	__u8	disable_active_migration;	/* 0 */
	__u8	grease_quic_bit;		/* 0 */
	__u8	stateless_reset;		/* 0 */
	__u8	disable_1rtt_encryption;	/* 0 */
	__u8	disable_compatible_version;	/* 0 */
	__u64	max_udp_payload_size;		/* 65527 */
	__u64	ack_delay_exponent;		/* 3 */
	__u64	max_ack_delay;			/* 25000 */
	__u64	active_connection_id_limit;	/* 7 */
	__u64	max_idle_timeout;		/* 30000000 */
	__u64	max_datagram_frame_size;	/* 0 */
	__u64	max_data;			/* 65536 * 32 */
	__u64	max_stream_data_bidi_local;	/* 65536 * 4 */
	__u64	max_stream_data_bidi_remote;	/* 65536 * 4 */
	__u64	max_stream_data_uni;		/* 65536 * 4 */
	__u64	max_streams_bidi;		/* 100 */
	__u64	max_streams_uni;		/* 100 */
};

/* Connection settings (QUIC_SOCKOPT_CONFIG); 0 keeps the current value. */
struct quic_config {
	__u32	version;			/* QUIC_VERSION_V1 */
	__u32	plpmtud_probe_interval;		/* usec, 0: PLPMTUD off */
	__u64	initial_smoothed_rtt;		/* usec, 333000 */
	__u8	congestion_control_algo;	/* QUIC_CONG_ALG_RENO */
	__u8	validate_peer_address;		/* server: send Retry */
	__u32	payload_cipher_type;		/* TLS_CIPHER_*, kernel users */
	__u8	receive_session_ticket;		/* sec, client kernel users */
	__u8	certificate_request;		/* server kernel users */
	__u8	stream_data_nodelay;		/* disable Nagle-like delay */
};

struct quic_crypto_secret {
	__u8	send;		/* 1: send direction, 0: receive */
	__u8	level;		/* enum quic_crypto_level */
	__u32	type;		/* TLS_CIPHER_* from linux/tls.h */
#define QUIC_CRYPTO_SECRET_BUFFER_SIZE 48
	__u8	secret[QUIC_CRYPTO_SECRET_BUFFER_SIZE];
};

/* Transport error codes (RFC 9000 section 20.1). */
enum quic_transport_error {
	QUIC_TRANSPORT_ERROR_NONE,
	QUIC_TRANSPORT_ERROR_INTERNAL,
	QUIC_TRANSPORT_ERROR_CONNECTION_REFUSED,
	QUIC_TRANSPORT_ERROR_FLOW_CONTROL,
	QUIC_TRANSPORT_ERROR_STREAM_LIMIT,
	QUIC_TRANSPORT_ERROR_STREAM_STATE,
	QUIC_TRANSPORT_ERROR_FINAL_SIZE,
	QUIC_TRANSPORT_ERROR_FRAME_ENCODING,
	QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM,
	QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT,
	QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
	QUIC_TRANSPORT_ERROR_INVALID_TOKEN,
	QUIC_TRANSPORT_ERROR_APPLICATION,
	QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED,
	QUIC_TRANSPORT_ERROR_KEY_UPDATE,
	QUIC_TRANSPORT_ERROR_AEAD_LIMIT_REACHED,
	QUIC_TRANSPORT_ERROR_NO_VIABLE_PATH,
	/* 0x0100-0x01ff: CRYPTO_ERROR, the low byte is the TLS alert. */
	QUIC_TRANSPORT_ERROR_CRYPTO = 0x100,
};

/* Stream states carried by QUIC_EVENT_STREAM_UPDATE. */
enum quic_stream_state {
	QUIC_STREAM_SEND_STATE_READY,
	QUIC_STREAM_SEND_STATE_SEND,
	QUIC_STREAM_SEND_STATE_SENT,
	QUIC_STREAM_SEND_STATE_RECVD,
	QUIC_STREAM_SEND_STATE_RESET_SENT,
	QUIC_STREAM_SEND_STATE_RESET_RECVD,

	QUIC_STREAM_RECV_STATE_RECV,
	QUIC_STREAM_RECV_STATE_SIZE_KNOWN,
	QUIC_STREAM_RECV_STATE_RECVD,
	QUIC_STREAM_RECV_STATE_READ,
	QUIC_STREAM_RECV_STATE_RESET_RECVD,
	QUIC_STREAM_RECV_STATE_RESET_READ,
};

/* QUIC_SOCKOPT_STREAM_RESET and QUIC_SOCKOPT_STREAM_STOP_SENDING. */
struct quic_errinfo {
	__s64	stream_id;
	__u32	errcode;
};

/* QUIC_SOCKOPT_CONNECTION_ID and QUIC_EVENT_CONNECTION_ID. */
struct quic_connection_id_info {
	__u8	dest;
	__u32	active;
	__u32	prior_to;
};

/* QUIC_SOCKOPT_CONNECTION_CLOSE and QUIC_EVENT_CONNECTION_CLOSE. */
struct quic_connection_close {
	__u32	errcode;
	__u8	frame;
	__u8	phrase[];
};

/* Events: the first byte read with MSG_NOTIFICATION, then the content. */
enum quic_event_type {
	QUIC_EVENT_NONE,
	QUIC_EVENT_STREAM_UPDATE,
	QUIC_EVENT_STREAM_MAX_STREAM,
	QUIC_EVENT_CONNECTION_ID,
	QUIC_EVENT_CONNECTION_CLOSE,
	QUIC_EVENT_CONNECTION_MIGRATION,
	QUIC_EVENT_KEY_UPDATE,
	QUIC_EVENT_NEW_TOKEN,
	QUIC_EVENT_NEW_SESSION_TICKET,
	QUIC_EVENT_MAX,
};

/* QUIC_SOCKOPT_EVENT: all events are off by default. */
struct quic_event_option {
	__u8	type;
	__u8	on;
};

struct quic_stream_update {
	__s64	id;
	__u32	state;
	__u32	errcode;	/* RESET_SENT, RESET_RECVD */
	__u64	finalsz;	/* SIZE_KNOWN, RECVD, RESET_RECVD */
};

union quic_event {
	struct quic_stream_update	update;
	__u64				max_stream;
	struct quic_connection_id_info	info;
	struct quic_connection_close	close;
	__u8				local_migration;
	__u8				key_update_phase;
};

#endif /* _UAPI_LINUX_QUIC_H */
