// SPDX-License-Identifier: GPL-2.0
/*
 * Transport parameters: bit 0 of the first byte says whether a server sent
 * the rest.  What decodes must encode (as that side) to exactly
 * quic_tp_len() bytes and decode again to the same parameters.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wire_param.h"

static void cid_same(const struct quic_conn_id *a,
		     const struct quic_conn_id *b)
{
	if (a->len > QUIC_CONN_ID_MAX_LEN || a->len != b->len ||
	    memcmp(a->data, b->data, a->len))
		abort();
}

static void same(const struct quic_tp *a, const struct quic_tp *b)
{
	const struct quic_tp_preferred_address *x = &a->preferred_address;
	const struct quic_tp_preferred_address *y = &b->preferred_address;
	u32 i;

	if (a->present != b->present)
		abort();
	cid_same(&a->original_destination_connection_id,
		 &b->original_destination_connection_id);
	cid_same(&a->initial_source_connection_id,
		 &b->initial_source_connection_id);
	cid_same(&a->retry_source_connection_id,
		 &b->retry_source_connection_id);
	if (a->max_idle_timeout != b->max_idle_timeout ||
	    memcmp(a->stateless_reset_token, b->stateless_reset_token, 16) ||
	    a->max_udp_payload_size != b->max_udp_payload_size ||
	    a->initial_max_data != b->initial_max_data ||
	    a->initial_max_stream_data_bidi_local !=
			b->initial_max_stream_data_bidi_local ||
	    a->initial_max_stream_data_bidi_remote !=
			b->initial_max_stream_data_bidi_remote ||
	    a->initial_max_stream_data_uni != b->initial_max_stream_data_uni ||
	    a->initial_max_streams_bidi != b->initial_max_streams_bidi ||
	    a->initial_max_streams_uni != b->initial_max_streams_uni ||
	    a->ack_delay_exponent != b->ack_delay_exponent ||
	    a->max_ack_delay != b->max_ack_delay ||
	    a->active_connection_id_limit != b->active_connection_id_limit ||
	    a->max_datagram_frame_size != b->max_datagram_frame_size)
		abort();
	if (memcmp(x->ipv4_addr, y->ipv4_addr, 4) ||
	    x->ipv4_port != y->ipv4_port ||
	    memcmp(x->ipv6_addr, y->ipv6_addr, 16) ||
	    x->ipv6_port != y->ipv6_port || memcmp(x->token, y->token, 16))
		abort();
	cid_same(&x->cid, &y->cid);
	if (a->version_info.chosen != b->version_info.chosen ||
	    a->version_info.count != b->version_info.count)
		abort();
	for (i = 0; i < a->version_info.count; i++)
		if (quic_tp_available_version(a, i) !=
		    quic_tp_available_version(b, i))
			abort();
	if (a->disable_active_migration != b->disable_active_migration ||
	    a->grease_quic_bit != b->grease_quic_bit ||
	    a->disable_1rtt_encryption != b->disable_1rtt_encryption)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_tp tp, again;
	bool from_server;
	u8 *out;
	u32 len;

	if (!size || size > 1 << 20)
		return 0;
	from_server = data[0] & 1;
	if (quic_tp_decode(data + 1, size - 1, from_server, &tp))
		return 0;
	/* Flags mirror their present bit after a decode. */
	if (tp.grease_quic_bit != quic_tp_has(&tp, QUIC_TP_GREASE_QUIC_BIT))
		abort();
	len = quic_tp_len(&tp, from_server);
	/* Every parameter takes at least 2 bytes; all must re-encode. */
	if (!len != !tp.present)
		abort();
	/* Shortest forms and no unknown parameters: never longer. */
	if (len > size - 1)
		abort();
	out = malloc(len ? len : 1);
	if (!out)
		abort();
	if (quic_tp_encode(out, &tp, from_server) != out + len)
		abort();
	if (quic_tp_decode(out, len, from_server, &again))
		abort();
	same(&tp, &again);
	free(out);
	return 0;
}
