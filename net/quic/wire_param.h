/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC wire layer: transport parameters (RFC 9000 sections 7.4 and 18,
 * RFC 9221 section 3, RFC 9287 section 3, RFC 9368 section 3), the value of
 * the quic_transport_parameters TLS extension.
 */

#ifndef __NET_QUIC_WIRE_PARAM_H
#define __NET_QUIC_WIRE_PARAM_H

#include "wire.h"

/* Transport parameter identifiers on the wire. */
#define QUIC_TP_ID_ORIGINAL_DCID			0x00
#define QUIC_TP_ID_MAX_IDLE_TIMEOUT			0x01
#define QUIC_TP_ID_STATELESS_RESET_TOKEN		0x02
#define QUIC_TP_ID_MAX_UDP_PAYLOAD_SIZE			0x03
#define QUIC_TP_ID_INITIAL_MAX_DATA			0x04
#define QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL	0x05
#define QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE	0x06
#define QUIC_TP_ID_INITIAL_MAX_STREAM_DATA_UNI		0x07
#define QUIC_TP_ID_INITIAL_MAX_STREAMS_BIDI		0x08
#define QUIC_TP_ID_INITIAL_MAX_STREAMS_UNI		0x09
#define QUIC_TP_ID_ACK_DELAY_EXPONENT			0x0a
#define QUIC_TP_ID_MAX_ACK_DELAY			0x0b
#define QUIC_TP_ID_DISABLE_ACTIVE_MIGRATION		0x0c
#define QUIC_TP_ID_PREFERRED_ADDRESS			0x0d
#define QUIC_TP_ID_ACTIVE_CONNECTION_ID_LIMIT		0x0e
#define QUIC_TP_ID_INITIAL_SCID				0x0f
#define QUIC_TP_ID_RETRY_SCID				0x10
#define QUIC_TP_ID_VERSION_INFORMATION			0x11	/* RFC 9368 */
#define QUIC_TP_ID_MAX_DATAGRAM_FRAME_SIZE		0x20	/* RFC 9221 */
#define QUIC_TP_ID_GREASE_QUIC_BIT			0x2ab2	/* RFC 9287 */
#define QUIC_TP_ID_DISABLE_1RTT_ENCRYPTION		0xbaad	/* private */

/* Defaults of absent parameters (RFC 9000 section 18.2), and limits. */
#define QUIC_TP_DEF_MAX_UDP_PAYLOAD_SIZE	65527
#define QUIC_TP_DEF_ACK_DELAY_EXPONENT		3
#define QUIC_TP_DEF_MAX_ACK_DELAY		25	/* ms */
#define QUIC_TP_DEF_ACTIVE_CONNECTION_ID_LIMIT	2
#define QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE	1200
#define QUIC_TP_MAX_ACK_DELAY_EXPONENT		20
#define QUIC_TP_MAX_MAX_ACK_DELAY		(BIT(14) - 1)	/* ms */
#define QUIC_TP_MIN_ACTIVE_CONNECTION_ID_LIMIT	2

/*
 * Bit indexes in quic_tp.present, one per parameter, in the order of their
 * identifiers (which is the order quic_tp_encode() writes them in).  For the
 * RFC 9000 parameters and version_information, the index is the identifier.
 */
enum quic_tp_bit {
	QUIC_TP_ORIGINAL_DCID,
	QUIC_TP_MAX_IDLE_TIMEOUT,
	QUIC_TP_STATELESS_RESET_TOKEN,
	QUIC_TP_MAX_UDP_PAYLOAD_SIZE,
	QUIC_TP_INITIAL_MAX_DATA,
	QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
	QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE,
	QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI,
	QUIC_TP_INITIAL_MAX_STREAMS_BIDI,
	QUIC_TP_INITIAL_MAX_STREAMS_UNI,
	QUIC_TP_ACK_DELAY_EXPONENT,
	QUIC_TP_MAX_ACK_DELAY,
	QUIC_TP_DISABLE_ACTIVE_MIGRATION,
	QUIC_TP_PREFERRED_ADDRESS,
	QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT,
	QUIC_TP_INITIAL_SCID,
	QUIC_TP_RETRY_SCID,
	QUIC_TP_VERSION_INFORMATION,
	QUIC_TP_MAX_DATAGRAM_FRAME_SIZE,
	QUIC_TP_GREASE_QUIC_BIT,
	QUIC_TP_DISABLE_1RTT_ENCRYPTION,
	QUIC_TP_NR
};

/* The Preferred Address Format of RFC 9000 section 18.2. */
struct quic_tp_preferred_address {
	u8			ipv4_addr[4];	/* network byte order */
	u16			ipv4_port;	/* host byte order */
	u8			ipv6_addr[16];	/* network byte order */
	u16			ipv6_port;	/* host byte order */
	struct quic_conn_id	cid;		/* 1 to 20 bytes */
	u8			token[QUIC_RESET_TOKEN_LEN];
};

/*
 * Version Information (RFC 9368 section 3).  @available holds @count
 * versions of 4 bytes each, big-endian, exactly as on the wire: after
 * quic_tp_decode() it points into the decoded buffer and is valid only as
 * long as that buffer is; before quic_tp_encode() the caller points it at
 * its own array of that form.  quic_tp_available_version() reads one.
 */
struct quic_tp_version_info {
	u32		chosen;
	u32		count;
	const u8	*available;
};

/*
 * Transport parameters, in wire units (max_idle_timeout and max_ack_delay
 * in milliseconds).  @present has BIT_ULL(QUIC_TP_*) set for each parameter
 * that was received, or is to be sent.  The flags (disable_active_migration,
 * grease_quic_bit, disable_1rtt_encryption) are empty on the wire: the
 * encoder writes one when its present bit is set and ignores the bool; the
 * decoder sets the bool together with the bit.
 */
struct quic_tp {
	u64				present;
	struct quic_conn_id		original_destination_connection_id;
	struct quic_conn_id		initial_source_connection_id;
	struct quic_conn_id		retry_source_connection_id;
	u64				max_idle_timeout;
	u8				stateless_reset_token[QUIC_RESET_TOKEN_LEN];
	u64				max_udp_payload_size;
	u64				initial_max_data;
	u64				initial_max_stream_data_bidi_local;
	u64				initial_max_stream_data_bidi_remote;
	u64				initial_max_stream_data_uni;
	u64				initial_max_streams_bidi;
	u64				initial_max_streams_uni;
	u64				ack_delay_exponent;
	u64				max_ack_delay;
	u64				active_connection_id_limit;
	u64				max_datagram_frame_size;
	struct quic_tp_preferred_address preferred_address;
	struct quic_tp_version_info	version_info;
	bool				disable_active_migration;
	bool				grease_quic_bit;
	bool				disable_1rtt_encryption;
};

static inline bool quic_tp_has(const struct quic_tp *tp, enum quic_tp_bit b)
{
	return tp->present & BIT_ULL(b);
}

/* The @i-th available version; @i must be below version_info.count. */
static inline u32 quic_tp_available_version(const struct quic_tp *tp, u32 i)
{
	const u8 *v = tp->version_info.available + 4 * (size_t)i;

	return (u32)v[0] << 24 | (u32)v[1] << 16 | (u32)v[2] << 8 | v[3];
}

/**
 * quic_tp_init - set every parameter to its value when absent
 * @tp: the parameters to reset
 *
 * RFC 9000 section 18.2: max_udp_payload_size 65527, ack_delay_exponent 3,
 * max_ack_delay 25 ms, active_connection_id_limit 2, everything else 0,
 * empty or false; nothing present.
 */
void quic_tp_init(struct quic_tp *tp);

/**
 * quic_tp_decode - decode a peer's transport parameters
 * @p: the extension_data of quic_transport_parameters
 * @len: its length
 * @from_server: true if a server sent them, false if a client did
 * @tp: the result; starts from quic_tp_init()
 *
 * Checks every rule that needs no connection state: the sequence is not
 * truncated; each value fills its length exactly; no known parameter comes
 * twice (RFC 9000 section 7.4); a client sends no server-only parameter;
 * the value limits of RFC 9000 section 18.2; empty flags (RFC 9287);
 * well-formed version_information with no zero version and, from a client,
 * the chosen version among the available ones (RFC 9368 section 4).
 * Unknown and reserved (31 * N + 27) parameters are skipped.  Checks that
 * need the connection (connection IDs matching those seen in packets, the
 * chosen version matching the one in use) are the caller's.
 *
 * @tp->version_info.available points into @p on success.
 *
 * Return: 0 on success, else QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM (a
 * positive transport error code, to close the connection with); @tp is then
 * partly filled and must not be used.
 */
int quic_tp_decode(const u8 *p, u32 len, bool from_server, struct quic_tp *tp);

/**
 * quic_tp_len - the number of bytes quic_tp_encode() will write
 * @tp: the parameters; those with their present bit set are written
 * @is_server: true to include the server-only parameters (if present)
 *
 * Return: the encoded length, or 0 if a parameter to be written would be
 * rejected by quic_tp_decode() on the peer (a value above 2^62 - 1 or out
 * of its RFC range, a connection ID longer than 20 bytes, a preferred
 * address with an empty connection ID, bad version information) or the
 * whole does not fit in a u32.  0 is also the length of an empty set.
 */
u32 quic_tp_len(const struct quic_tp *tp, bool is_server);

/**
 * quic_tp_encode - encode transport parameters
 * @p: where to write; quic_tp_len() bytes of room, which must not be 0
 *     unless @tp has nothing to write
 * @tp: the parameters; those with their present bit set are written, in
 *      identifier order, each in its shortest form
 * @is_server: true to include the server-only parameters (if present)
 *
 * Return: @p advanced by exactly quic_tp_len(@tp, @is_server) bytes.
 */
u8 *quic_tp_encode(u8 *p, const struct quic_tp *tp, bool is_server);

#endif /* __NET_QUIC_WIRE_PARAM_H */
