// SPDX-License-Identifier: GPL-2.0
/*
 * Connection IDs (RFC 9000 section 5.1): the IDs a kernel server issues
 * and replaces, the peer's IDs it keeps, retires and moves to, and the
 * limits a peer must keep (CONNECTION_ID_LIMIT_ERROR, PROTOCOL_VIOLATION);
 * QUIC_SOCKOPT_CONNECTION_ID and QUIC_EVENT_CONNECTION_ID as the draft
 * says.  The client is the raw peer, so it can send and read every frame.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/quic.h>
#include <linux/tls.h>

#include "rawpeer.h"
#include "wire_param.h"

#define TEST_SUITE "migration"
#include "../lib/test.h"
#include "../lib/handshake_msg.h"
#include "../lib/netns.h"
#include "rawconn.h"

#define KEY_PATH	"/proc/sys/net/quic/stateless_reset_key"

/* The namespace's stateless reset key, set to @seed's bytes. */
static void set_reset_key(uint8_t key[32], uint8_t seed)
{
	char hex[65];
	FILE *f;
	int i;

	fill(key, 32, seed);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	f = fopen(KEY_PATH, "w");
	CHECK(f);
	CHECK(fprintf(f, "%s\n", hex) == 65);
	CHECK(fclose(f) == 0);
}

/* What the kernel's token of @cid is under @key: HMAC-SHA256, cut. */
static void reset_token(const uint8_t key[32], const uint8_t *cid,
			size_t len, uint8_t token[16])
{
	uint8_t mac[32];

	CHECK_OK(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, 32, cid, len, mac));
	memcpy(token, mac, 16);
}

/* Wait until the raw peer's counter @field reaches @want. */
struct count_wait {
	size_t		off;
	unsigned int	want;
};

static bool count_reached(struct raw_peer *rp, const void *arg)
{
	const struct count_wait *w = arg;

	return *(const unsigned int *)((const char *)rp + w->off) >= w->want;
}

#define WAIT_COUNT(c, field, n) do {					\
	struct count_wait w_ = { offsetof(struct raw_peer, field), (n) }; \
									\
	RAW_OK((c), raw_wait(&(c)->rp, count_reached, &w_, WAIT_MS));	\
} while (0)

static void wait_new_cids(struct conn *c, unsigned int n)
{
	WAIT_COUNT(c, nnew_cids, n);
}

static struct quic_frame new_cid(uint64_t seq, uint64_t rpt, uint8_t seed)
{
	struct quic_frame f = { .type = QUIC_FRAME_NEW_CONNECTION_ID };

	f.new_cid.seq = seq;
	f.new_cid.retire_prior_to = rpt;
	f.new_cid.cid.len = RAW_CID_LEN;
	fill(f.new_cid.cid.data, RAW_CID_LEN, seed);
	fill(f.new_cid.token, 16, seed + 1);
	return f;
}

static struct quic_frame retire_cid(uint64_t seq)
{
	struct quic_frame f = { .type = QUIC_FRAME_RETIRE_CONNECTION_ID };

	f.retire_seq = seq;
	return f;
}

static void get_cid_info(int fd, int dest, struct quic_connection_id_info *i)
{
	socklen_t len = sizeof(*i);

	memset(i, 0, sizeof(*i));
	i->dest = (uint8_t)dest;
	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, i,
			    &len));
	CHECK(len == sizeof(*i));
}

/*
 * A peer whose limit is 4 gets IDs 1 to 3 from the server after the
 * handshake, distinct, 8 bytes long, each with the token HMAC-SHA256 of the
 * namespace key gives it; a packet sent to one of them reaches the
 * connection, and the server notes which one the peer uses.
 */
TEST(cid_issued_up_to_peer_limit)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct quic_connection_id_info info;
	unsigned long long issued;
	uint8_t key[32], token[16];
	struct conn c = {};
	unsigned int i, j;
	int64_t pn;

	own_netns();
	set_reset_key(key, 0x5a);
	issued = quic_snmp("QuicConnIdsIssued");
	raw_cid_limit = 4;
	start_small(&c);
	wait_new_cids(&c, 3);
	CHECK(quic_snmp("QuicConnIdsIssued") - issued == 3);
	for (i = 0; i < 3; i++) {
		struct raw_new_cid *nc = &c.rp.new_cids[i];

		CHECK(nc->seq == i + 1 && nc->retire_prior_to == 0);
		CHECK(nc->len == RAW_CID_LEN);
		CHECK(memcmp(nc->cid, c.rp.dcid, RAW_CID_LEN));
		for (j = 0; j < i; j++)
			CHECK(memcmp(nc->cid, c.rp.new_cids[j].cid,
				     RAW_CID_LEN));
		reset_token(key, nc->cid, nc->len, token);
		CHECK(!memcmp(nc->token, token, 16));
	}
	/* No more than the limit, however long we wait. */
	usleep(300 * 1000);
	RAW_OK(&c, raw_send_ack(&c.rp, RAW_APP));
	CHECK(c.rp.nnew_cids == 3);

	get_cid_info(c.server, 0, &info);
	CHECK(info.active == 0 && info.prior_to == 0);
	memcpy(c.rp.dcid, c.rp.new_cids[1].cid, RAW_CID_LEN);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	get_cid_info(c.server, 0, &info);
	CHECK(info.active == 2 && info.prior_to == 0);
}

/*
 * RETIRE_CONNECTION_ID from the peer: the ID is forgotten (a packet to it
 * gets a stateless reset, not the connection), a new one replaces it, and
 * QUIC_EVENT_CONNECTION_ID says so.
 */
TEST(cid_retired_is_replaced)
{
	struct quic_connection_id_info info;
	uint8_t key[32], token[16], ev[64];
	unsigned long long retired, resets;
	struct conn c = {};
	uint8_t old[RAW_CID_LEN];
	struct quic_event_option on = { QUIC_EVENT_CONNECTION_ID, 1 };
	uint8_t junk[60];
	ssize_t n;

	own_netns();
	set_reset_key(key, 0x33);
	retired = quic_snmp("QuicConnIdsRetired");
	resets = quic_snmp("QuicOutStatelessResets");
	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &on,
			    sizeof(on)));
	establish(&c);
	wait_new_cids(&c, 1);
	memcpy(old, c.rp.new_cids[0].cid, RAW_CID_LEN);

	/* Sent to ID 0: retiring ID 1 is allowed. */
	send_acked(&c, retire_cid(1));
	wait_new_cids(&c, 2);
	CHECK(c.rp.new_cids[1].seq == 2);
	CHECK(quic_snmp("QuicConnIdsRetired") - retired == 1);
	n = recv(c.server, ev, sizeof(ev), MSG_NOTIFICATION | MSG_DONTWAIT);
	CHECK(n == 1 + (ssize_t)sizeof(info));
	CHECK(ev[0] == QUIC_EVENT_CONNECTION_ID);
	memcpy(&info, ev + 1, sizeof(info));
	CHECK(!info.dest && info.prior_to == 0);

	/* A short header packet to the retired ID: a stateless reset. */
	junk[0] = 0x40;
	memcpy(junk + 1, old, RAW_CID_LEN);
	fill(junk + 1 + RAW_CID_LEN, sizeof(junk) - 1 - RAW_CID_LEN, 9);
	CHECK(send(c.rp.fd, junk, sizeof(junk), 0) == sizeof(junk));
	WAIT_COUNT(&c, unopened, 1);
	CHECK(c.rp.unopened_len < sizeof(junk) && c.rp.unopened_len >= 21);
	reset_token(key, old, RAW_CID_LEN, token);
	CHECK(!memcmp(c.rp.unopened_dgram + c.rp.unopened_len - 16, token,
		      16));
	CHECK(quic_snmp("QuicOutStatelessResets") - resets == 1);
}

/* RFC 9000 19.16: retiring the ID the packet itself was sent to. */
TEST(cid_retire_own_dcid)
{
	struct conn c = {};

	start_small(&c);
	send_frame(&c, retire_cid(0));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_RETIRE_CONNECTION_ID, 0);
}

/* RFC 9000 19.16: retiring a number never issued. */
TEST(cid_retire_never_issued)
{
	struct conn c = {};

	start_small(&c);
	send_frame(&c, retire_cid(100));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_RETIRE_CONNECTION_ID, 0);
}

/*
 * Our limit is 2 (the server's active_connection_id_limit): the ID of the
 * handshake and one more.  A third is CONNECTION_ID_LIMIT_ERROR.
 */
TEST(cid_beyond_our_limit)
{
	struct quic_transport_param tp = {};
	socklen_t len = sizeof(tp);
	struct conn c = {};

	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(getsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, &len));
	tp.active_connection_id_limit = 2;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM,
			    &tp, sizeof(tp)));
	establish(&c);
	send_acked(&c, new_cid(1, 0, 0x10));
	/* The same frame again is a retransmission, not a third ID. */
	send_acked(&c, new_cid(1, 0, 0x10));
	send_frame(&c, new_cid(2, 0, 0x20));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT,
			 QUIC_FRAME_NEW_CONNECTION_ID, 0);
}

/* RFC 9000 19.15: one sequence number for two different IDs. */
TEST(cid_seq_reused)
{
	struct conn c = {};

	start_small(&c);
	send_acked(&c, new_cid(1, 0, 0x10));
	send_frame(&c, new_cid(1, 0, 0x30));
	expect_violation(&c, QUIC_TRANSPORT_ERROR_PROTOCOL_VIOLATION,
			 QUIC_FRAME_NEW_CONNECTION_ID, 0);
}

/*
 * Retire Prior To: the server retires ID 0 (RETIRE_CONNECTION_ID 0), moves
 * to ID 1 (its packets carry it), says so with QUIC_EVENT_CONNECTION_ID,
 * and QUIC_SOCKOPT_CONNECTION_ID reads active 1, prior_to 1.
 */
TEST(cid_retire_prior_to_moves_server)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct quic_connection_id_info info;
	struct quic_event_option on = { QUIC_EVENT_CONNECTION_ID, 1 };
	struct quic_frame f = new_cid(1, 1, 0x40);
	unsigned long long peer_retired;
	struct conn c = {};
	uint8_t ev[64];
	int64_t pn;

	own_netns();
	peer_retired = quic_snmp("QuicPeerConnIdsRetired");
	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &on,
			    sizeof(on)));
	establish(&c);
	send_frame(&c, f);
	WAIT_COUNT(&c, nretired, 1);
	CHECK(c.rp.retired[0] == 0);
	CHECK(quic_snmp("QuicPeerConnIdsRetired") - peer_retired == 1);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	CHECK(!memcmp(c.rp.rx_dcid, f.new_cid.cid.data, RAW_CID_LEN));
	get_cid_info(c.server, 1, &info);
	CHECK(info.dest && info.active == 1 && info.prior_to == 1);
	CHECK(recv(c.server, ev, sizeof(ev), MSG_NOTIFICATION | MSG_DONTWAIT) ==
	      1 + (ssize_t)sizeof(info));
	memcpy(&info, ev + 1, sizeof(info));
	CHECK(ev[0] == QUIC_EVENT_CONNECTION_ID && info.dest &&
	      info.active == 1 && info.prior_to == 1);
}

/*
 * RFC 9000 5.1.2: IDs below a Retire Prior To already seen are retired at
 * once; a peer that makes us owe more RETIRE_CONNECTION_IDs than we keep
 * (it acknowledges none) gets CONNECTION_ID_LIMIT_ERROR, not our memory.
 */
TEST(cid_retire_flood)
{
	struct conn c = {};
	uint64_t seq;

	start_small(&c);
	send_acked(&c, new_cid(100, 100, 0x50));
	for (seq = 0; seq < 99; seq++) {
		send_frame(&c, new_cid(seq + 1, 0, (uint8_t)(0x60 + seq)));
		if (c.rp.close.seen)
			break;
		if (raw_wait_close(&c.rp, 5) == 0)
			break;
	}
	CHECK(seq < 40);
	expect_violation(&c, QUIC_TRANSPORT_ERROR_CONNECTION_ID_LIMIT,
			 QUIC_FRAME_NEW_CONNECTION_ID, 0);
}

/*
 * QUIC_SOCKOPT_CONNECTION_ID, set: for the peer's IDs, move to a new one
 * and retire the old; for ours, ask the peer to retire those below a
 * number (NEW_CONNECTION_ID's Retire Prior To).  Bad values are EINVAL.
 */
TEST(cid_sockopt_set)
{
	struct quic_connection_id_info info = { .dest = 1 };
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct quic_frame f = new_cid(1, 0, 0x70);
	unsigned int want;
	struct conn c = {};
	int64_t pn;

	raw_cid_limit = 4;
	start_small(&c);
	wait_new_cids(&c, 3);
	send_acked(&c, f);

	info.active = 5;	/* not one of the peer's */
	CHECK_ERRNO(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
			       &info, sizeof(info)), EINVAL);
	info.active = 0;
	info.prior_to = 1;	/* active below prior_to */
	CHECK_ERRNO(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
			       &info, sizeof(info)), EINVAL);
	info.active = 1;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
			    &info, sizeof(info)));
	WAIT_COUNT(&c, nretired, 1);
	CHECK(c.rp.retired[0] == 0);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	CHECK(!memcmp(c.rp.rx_dcid, f.new_cid.cid.data, RAW_CID_LEN));

	/* Ours: the peer is asked to retire 0 to 2; 4 and 5 come. */
	info.dest = 0;
	info.prior_to = 9;
	CHECK_ERRNO(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
			       &info, sizeof(info)), EINVAL);
	info.prior_to = 3;
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID,
			    &info, sizeof(info)));
	want = 5;
	WAIT_COUNT(&c, nnew_cids, want);
	CHECK(c.rp.new_cids[c.rp.nnew_cids - 1].retire_prior_to == 3);
	get_cid_info(c.server, 0, &info);
	CHECK(info.prior_to == 3);
}

/* Before the handshake completes there is nothing to read or change. */
TEST(cid_sockopt_before_handshake)
{
	struct quic_connection_id_info info = {};
	socklen_t len = sizeof(info);
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, &info,
			       &len), ENOTCONN);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, &info,
			       sizeof(info)), ENOTCONN);
	len = 3;
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONNECTION_ID, &info,
			       &len), EINVAL);
	close(fd);
}


/* ---- Paths: NAT rebinding, probes, validation ---- */

/*
 * RFC 9000 9.3: the client's port changes (a NAT rebinding: the raw peer
 * sends from a new socket).  The server follows its newest non-probing
 * packet there, validates the new path with a PATH_CHALLENGE that, until
 * answered, stays within three times what came from there, and once
 * answered sends its data there; getpeername() and the event say so.
 */
TEST(nat_rebinding_followed)
{
	struct quic_event_option on = { QUIC_EVENT_CONNECTION_MIGRATION, 1 };
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct quic_frame resp = { .type = QUIC_FRAME_PATH_RESPONSE };
	unsigned long long moved, valid;
	unsigned int n;
	uint64_t before;
	struct conn c = {};
	uint8_t ev[8];
	int64_t pn;

	own_netns();
	moved = quic_snmp("QuicPeerMigrations");
	valid = quic_snmp("QuicPathsValidated");
	begin(&c, SMALL_MAX_DATA, 0);
	CHECK_OK(setsockopt(c.server, SOL_QUIC, QUIC_SOCKOPT_EVENT, &on,
			    sizeof(on)));
	establish(&c);
	CHECK(sock_port(c.server, true) == sock_port(c.rp.fd, false));

	RAW_OK(&c, raw_rebind(&c.rp));
	before = c.rp.rx_bytes;
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	WAIT_COUNT(&c, nchallenges, 1);
	/* One PING packet came from there: three times that, at most. */
	printf("# challenge in a %zu-byte datagram\n", c.rp.challenge_dgram);
	CHECK(c.rp.challenge_dgram <= 3 * 48);
	CHECK(c.rp.rx_bytes - before <= 3 * 48);
	CHECK(quic_snmp("QuicPeerMigrations") - moved == 1);
	CHECK(sock_port(c.server, true) == sock_port(c.rp.fd, false));
	/* The event comes once the move is complete: validated. */
	CHECK_ERRNO(recv(c.server, ev, sizeof(ev),
			 MSG_NOTIFICATION | MSG_DONTWAIT), EAGAIN);

	memcpy(resp.path_data, c.rp.challenge, QUIC_PATH_DATA_LEN);
	send_acked(&c, resp);
	CHECK(quic_snmp("QuicPathsValidated") - valid == 1);
	CHECK(recv(c.server, ev, sizeof(ev), MSG_NOTIFICATION | MSG_DONTWAIT) ==
	      2 && ev[0] == QUIC_EVENT_CONNECTION_MIGRATION && ev[1] == 0);
	/* The server's data comes to the new port, unlimited now. */
	n = c.rp.nstreams + 1;
	send_on(c.server, 1, "after the move",
		MSG_STREAM_NEW | MSG_STREAM_FIN, 0);
	WAIT_COUNT(&c, nstreams, n);
}

/*
 * A probe (PATH_CHALLENGE and PADDING only) from a new port is answered
 * there, in a datagram of 1200 bytes, and the server does not move: its
 * peer stays the old port.
 */
TEST(probe_answered_not_followed)
{
	struct quic_frame f[2] = { { .type = QUIC_FRAME_PATH_CHALLENGE },
				   { .type = QUIC_FRAME_PADDING } };
	unsigned long long moved;
	uint16_t port;
	struct conn c = {};
	uint8_t pad[1100];

	own_netns();
	moved = quic_snmp("QuicPeerMigrations");
	start_small(&c);
	port = sock_port(c.rp.fd, false);
	RAW_OK(&c, raw_rebind(&c.rp));
	fill(f[0].path_data, QUIC_PATH_DATA_LEN, 0x3c);
	memset(pad, 0, sizeof(pad));
	{
		uint8_t payload[1200], *p = payload;

		p = quic_frame_encode(p, &f[0]);
		memcpy(p, pad, sizeof(pad));
		p += sizeof(pad);
		RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload,
					    p - payload));
	}
	WAIT_COUNT(&c, nresponses, 1);
	CHECK(!memcmp(c.rp.response, f[0].path_data, QUIC_PATH_DATA_LEN));
	printf("# response in a %zu-byte datagram\n", c.rp.response_dgram);
	CHECK(c.rp.response_dgram >= 1200);
	CHECK(sock_port(c.server, true) == port);
	CHECK(quic_snmp("QuicPeerMigrations") == moved);
}

/*
 * RFC 9000 9.3.2: the new path never answers: after the validation's
 * time (here about 2 s: six initial RTTs) the server goes back to the
 * old one, which still works.
 */
TEST(validation_fails_reverts)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	unsigned long long failed;
	struct conn c = {};
	uint16_t port;
	int64_t pn;
	int i;

	own_netns();
	failed = quic_snmp("QuicPathFailures");
	start_small(&c);
	port = sock_port(c.rp.fd, false);
	RAW_OK(&c, raw_rebind(&c.rp));
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
	WAIT_COUNT(&c, nchallenges, 1);
	CHECK(sock_port(c.server, true) != port);
	for (i = 0; i < 100 && quic_snmp("QuicPathFailures") == failed; i++)
		usleep(50 * 1000);
	CHECK(quic_snmp("QuicPathFailures") - failed == 1);
	CHECK(sock_port(c.server, true) == port);
	raw_swap_fd(&c.rp);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
}

/*
 * Probes from 100 new ports, one after the other: each is answered there
 * (its own 1200-byte datagram), the connection never moves, and what
 * a connection holds for them stays one spare path, whatever the count.
 */
TEST(probe_flood_from_new_ports)
{
	struct quic_frame f = { .type = QUIC_FRAME_PATH_CHALLENGE };
	unsigned long long moved, sent;
	uint8_t payload[1200], *p;
	struct conn c = {};
	unsigned int want;
	uint16_t port;
	int i;

	own_netns();
	moved = quic_snmp("QuicPeerMigrations");
	start_small(&c);
	port = sock_port(c.rp.fd, false);
	sent = quic_snmp("QuicOutDatagrams");
	for (i = 0; i < 100; i++) {
		RAW_OK(&c, raw_rebind(&c.rp));
		fill(f.path_data, QUIC_PATH_DATA_LEN, (uint8_t)i);
		p = quic_frame_encode(payload, &f);
		memset(p, 0, payload + 1100 - p);
		RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, 1100));
		want = i + 1;
		WAIT_COUNT(&c, nresponses, want);
		CHECK(!memcmp(c.rp.response, f.path_data, QUIC_PATH_DATA_LEN));
	}
	CHECK(quic_snmp("QuicPeerMigrations") == moved);
	CHECK(sock_port(c.server, true) == port);
	printf("# 100 probes: %llu datagrams out\n",
	       quic_snmp("QuicOutDatagrams") - sent);
	/* The connection is there, and has nothing to say. */
	CHECK_ERRNO(recv(c.server, payload, sizeof(payload), MSG_DONTWAIT),
		    EAGAIN);
}

/*
 * The peer moves, then, before the new path is validated, its newest
 * packet comes from the old address again (packets reordered across a
 * rebinding): the server goes back to the old path, validated already,
 * and that move is complete at once; a probe from a third port is then
 * answered as any probe is.
 */
TEST(move_back_to_validated_path)
{
	struct quic_frame ping = { .type = QUIC_FRAME_PING };
	struct quic_frame f = { .type = QUIC_FRAME_PATH_CHALLENGE };
	uint8_t payload[1100], *p;
	struct conn c = {};
	uint16_t port;
	int64_t pn;

	own_netns();
	start_small(&c);
	port = sock_port(c.rp.fd, false);
	RAW_OK(&c, raw_rebind(&c.rp));
	RAW_OK(&c, raw_send_frames(&c.rp, RAW_APP, &ping, 1));
	WAIT_COUNT(&c, nchallenges, 1);
	CHECK(sock_port(c.server, true) != port);

	raw_swap_fd(&c.rp);
	pn = raw_send_frames(&c.rp, RAW_APP, &ping, 1);
	RAW_OK(&c, pn);
	RAW_OK(&c, raw_wait_acked(&c.rp, RAW_APP, pn, WAIT_MS));
	CHECK(sock_port(c.server, true) == port);

	RAW_OK(&c, raw_rebind(&c.rp));
	fill(f.path_data, QUIC_PATH_DATA_LEN, 0x5e);
	p = quic_frame_encode(payload, &f);
	memset(p, 0, payload + sizeof(payload) - p);
	RAW_OK(&c, raw_send_payload(&c.rp, RAW_APP, payload, sizeof(payload)));
	WAIT_COUNT(&c, nresponses, 1);
	CHECK(!memcmp(c.rp.response, f.path_data, QUIC_PATH_DATA_LEN));
	CHECK(sock_port(c.server, true) == port);
}

int main(void)
{
	RUN(cid_issued_up_to_peer_limit);
	RUN(cid_retired_is_replaced);
	RUN(cid_retire_own_dcid);
	RUN(cid_retire_never_issued);
	RUN(cid_beyond_our_limit);
	RUN(cid_seq_reused);
	RUN(cid_retire_prior_to_moves_server);
	RUN(cid_retire_flood);
	RUN(cid_sockopt_set);
	RUN(cid_sockopt_before_handshake);
	RUN(nat_rebinding_followed);
	RUN(probe_answered_not_followed);
	RUN(validation_fails_reverts);
	RUN(probe_flood_from_new_ports);
	RUN(move_back_to_validated_path);
	return test_done();
}
