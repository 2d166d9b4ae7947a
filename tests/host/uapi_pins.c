// SPDX-License-Identifier: GPL-2.0
/*
 * Pins every number and every struct layout of include/uapi/linux/quic.h
 * (DESIGN.md "UAPI values").  Each pin is checked when this file compiles,
 * as C and as C++, and again when it runs.  The header must build with only
 * libc and the kernel's UAPI headers.
 */

#include <stddef.h>
#include <linux/quic.h>

#ifdef __cplusplus
#define TEST_SUITE "uapi_cxx"
#else
#define TEST_SUITE "uapi"
#endif
#include "../lib/test.h"

struct pin {
	const char *what;
	long long got, want;
};

#define PIN(a, b) { #a, (long long)(a), (long long)(b) }
#define SIZE(s, n) PIN(sizeof(struct s), n)
#define OFF(s, m, n) PIN(offsetof(struct s, m), n)

#define PINS								\
	PIN(IPPROTO_QUIC, 261), PIN(SOL_QUIC, 288),			\
	PIN(QUIC_STREAM_INFO, 0), PIN(QUIC_HANDSHAKE_INFO, 1),		\
	PIN(MSG_STREAM_NEW, 0x400), PIN(MSG_STREAM_FIN, 0x200),		\
	PIN(MSG_STREAM_UNI, 0x800), PIN(MSG_STREAM_DONTWAIT, 0x10000),	\
	PIN(MSG_STREAM_SNDBLOCK, 0x20000), PIN(MSG_DATAGRAM, 0x10),	\
	PIN(MSG_NOTIFICATION, 0x8000),					\
	PIN(QUIC_STREAM_TYPE_SERVER_MASK, 0x01),			\
	PIN(QUIC_STREAM_TYPE_UNI_MASK, 0x02),				\
	PIN(QUIC_STREAM_TYPE_MASK, 0x03),				\
	PIN(QUIC_CRYPTO_APP, 0), PIN(QUIC_CRYPTO_INITIAL, 1),		\
	PIN(QUIC_CRYPTO_HANDSHAKE, 2), PIN(QUIC_CRYPTO_EARLY, 3),	\
	PIN(QUIC_CRYPTO_MAX, 4),					\
	PIN(QUIC_SOCKOPT_EVENT, 0), PIN(QUIC_SOCKOPT_STREAM_OPEN, 1),	\
	PIN(QUIC_SOCKOPT_STREAM_RESET, 2),				\
	PIN(QUIC_SOCKOPT_STREAM_STOP_SENDING, 3),			\
	PIN(QUIC_SOCKOPT_CONNECTION_ID, 4),				\
	PIN(QUIC_SOCKOPT_CONNECTION_CLOSE, 5),				\
	PIN(QUIC_SOCKOPT_CONNECTION_MIGRATION, 6),			\
	PIN(QUIC_SOCKOPT_KEY_UPDATE, 7),				\
	PIN(QUIC_SOCKOPT_TRANSPORT_PARAM, 8),				\
	PIN(QUIC_SOCKOPT_CONFIG, 9), PIN(QUIC_SOCKOPT_TOKEN, 10),	\
	PIN(QUIC_SOCKOPT_ALPN, 11), PIN(QUIC_SOCKOPT_SESSION_TICKET, 12), \
	PIN(QUIC_SOCKOPT_CRYPTO_SECRET, 13),				\
	PIN(QUIC_SOCKOPT_TRANSPORT_PARAM_EXT, 14),			\
	PIN(QUIC_VERSION_V1, 0x1), PIN(QUIC_VERSION_V2, 0x6b3343cf),	\
	PIN(QUIC_CONG_ALG_RENO, 0), PIN(QUIC_CONG_ALG_CUBIC, 1),	\
	PIN(QUIC_EVENT_NONE, 0), PIN(QUIC_EVENT_STREAM_UPDATE, 1),	\
	PIN(QUIC_EVENT_STREAM_MAX_STREAM, 2),				\
	PIN(QUIC_EVENT_CONNECTION_ID, 3),				\
	PIN(QUIC_EVENT_CONNECTION_CLOSE, 4),				\
	PIN(QUIC_EVENT_CONNECTION_MIGRATION, 5),			\
	PIN(QUIC_EVENT_KEY_UPDATE, 6), PIN(QUIC_EVENT_NEW_TOKEN, 7),	\
	PIN(QUIC_EVENT_NEW_SESSION_TICKET, 8),				\
	PIN(QUIC_STREAM_SEND_STATE_READY, 0),				\
	PIN(QUIC_STREAM_SEND_STATE_SEND, 1),				\
	PIN(QUIC_STREAM_SEND_STATE_SENT, 2),				\
	PIN(QUIC_STREAM_SEND_STATE_RECVD, 3),				\
	PIN(QUIC_STREAM_SEND_STATE_RESET_SENT, 4),			\
	PIN(QUIC_STREAM_SEND_STATE_RESET_RECVD, 5),			\
	PIN(QUIC_STREAM_RECV_STATE_RECV, 6),				\
	PIN(QUIC_STREAM_RECV_STATE_SIZE_KNOWN, 7),			\
	PIN(QUIC_STREAM_RECV_STATE_RECVD, 8),				\
	PIN(QUIC_STREAM_RECV_STATE_READ, 9),				\
	PIN(QUIC_STREAM_RECV_STATE_RESET_RECVD, 10),			\
	PIN(QUIC_STREAM_RECV_STATE_RESET_READ, 11),			\
	PIN(QUIC_TRANSPORT_ERROR_NONE, 0x00),				\
	PIN(QUIC_TRANSPORT_ERROR_INTERNAL, 0x01),			\
	PIN(QUIC_TRANSPORT_ERROR_CONNECTION_REFUSED, 0x02),		\
	PIN(QUIC_TRANSPORT_ERROR_FLOW_CONTROL, 0x03),			\
	PIN(QUIC_TRANSPORT_ERROR_STREAM_LIMIT, 0x04),			\
	PIN(QUIC_TRANSPORT_ERROR_STREAM_STATE, 0x05),			\
	PIN(QUIC_TRANSPORT_ERROR_FINAL_SIZE, 0x06),			\
	PIN(QUIC_TRANSPORT_ERROR_FRAME_ENCODING, 0x07),			\
	PIN(QUIC_TRANSPORT_ERROR_TRANSPORT_PARAM, 0x08),		\
	PIN(QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT, 0x09),		\
	PIN(QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION, 0x0a),		\
	PIN(QUIC_TRANSPORT_ERROR_INVALID_TOKEN, 0x0b),			\
	PIN(QUIC_TRANSPORT_ERROR_APPLICATION, 0x0c),			\
	PIN(QUIC_TRANSPORT_ERROR_CRYPTO_BUF_EXCEEDED, 0x0d),		\
	PIN(QUIC_TRANSPORT_ERROR_KEY_UPDATE, 0x0e),			\
	PIN(QUIC_TRANSPORT_ERROR_AEAD_LIMIT_REACHED, 0x0f),		\
	PIN(QUIC_TRANSPORT_ERROR_NO_VIABLE_PATH, 0x10),			\
	PIN(QUIC_TRANSPORT_ERROR_CRYPTO, 0x100),			\
	PIN(QUIC_CRYPTO_SECRET_BUFFER_SIZE, 48),			\
	SIZE(quic_stream_info, 16), OFF(quic_stream_info, stream_id, 0),	\
	OFF(quic_stream_info, stream_flags, 8),				\
	SIZE(quic_handshake_info, 1),					\
	SIZE(quic_errinfo, 16), OFF(quic_errinfo, errcode, 8),		\
	SIZE(quic_crypto_secret, 56), OFF(quic_crypto_secret, send, 0),	\
	OFF(quic_crypto_secret, level, 1), OFF(quic_crypto_secret, type, 4), \
	OFF(quic_crypto_secret, secret, 8),				\
	SIZE(quic_transport_param, 104),				\
	OFF(quic_transport_param, remote, 0),				\
	OFF(quic_transport_param, disable_active_migration, 1),		\
	OFF(quic_transport_param, grease_quic_bit, 2),			\
	OFF(quic_transport_param, stateless_reset, 3),			\
	OFF(quic_transport_param, disable_1rtt_encryption, 4),		\
	OFF(quic_transport_param, disable_compatible_version, 5),	\
	OFF(quic_transport_param, max_udp_payload_size, 8),		\
	OFF(quic_transport_param, ack_delay_exponent, 16),		\
	OFF(quic_transport_param, max_ack_delay, 24),			\
	OFF(quic_transport_param, active_connection_id_limit, 32),	\
	OFF(quic_transport_param, max_idle_timeout, 40),		\
	OFF(quic_transport_param, max_datagram_frame_size, 48),		\
	OFF(quic_transport_param, max_data, 56),			\
	OFF(quic_transport_param, max_stream_data_bidi_local, 64),	\
	OFF(quic_transport_param, max_stream_data_bidi_remote, 72),	\
	OFF(quic_transport_param, max_stream_data_uni, 80),		\
	OFF(quic_transport_param, max_streams_bidi, 88),		\
	OFF(quic_transport_param, max_streams_uni, 96),			\
	SIZE(quic_config, 32), OFF(quic_config, version, 0),		\
	OFF(quic_config, plpmtud_probe_interval, 4),			\
	OFF(quic_config, initial_smoothed_rtt, 8),			\
	OFF(quic_config, congestion_control_algo, 16),			\
	OFF(quic_config, validate_peer_address, 17),			\
	OFF(quic_config, payload_cipher_type, 20),			\
	OFF(quic_config, receive_session_ticket, 24),			\
	OFF(quic_config, certificate_request, 25),			\
	OFF(quic_config, stream_data_nodelay, 26),			\
	SIZE(quic_connection_id_info, 12),				\
	OFF(quic_connection_id_info, active, 4),			\
	OFF(quic_connection_id_info, prior_to, 8),			\
	SIZE(quic_connection_close, 8),					\
	OFF(quic_connection_close, frame, 4),				\
	OFF(quic_connection_close, phrase, 5),				\
	SIZE(quic_event_option, 2), OFF(quic_event_option, on, 1),	\
	SIZE(quic_stream_update, 24), OFF(quic_stream_update, state, 8),	\
	OFF(quic_stream_update, errcode, 12),				\
	OFF(quic_stream_update, finalsz, 16),				\
	PIN(sizeof(union quic_event), 24)

static const struct pin pins[] = { PINS };

/*
 * The same pins at compile time: each becomes an enumerator whose value
 * divides by zero, which does not compile, when the pin does not hold.
 */
#undef PIN
#define PIN_CAT2(a, b) a##b
#define PIN_CAT(a, b) PIN_CAT2(a, b)
#define PIN(a, b) PIN_CAT(pin_check_, __COUNTER__) = 1 / (int)((a) == (b))
enum { PINS };

TEST(all_pins)
{
	unsigned int i;

	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (pins[i].got != pins[i].want)
			FAIL("%s is %lld, want %lld", pins[i].what,
			     pins[i].got, pins[i].want);
	CHECK(i > 100);
}

int main(void)
{
	RUN(all_pins);
	return test_done();
}
