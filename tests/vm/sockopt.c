// SPDX-License-Identifier: GPL-2.0
/*
 * SOL_QUIC socket options on an unconnected socket: the draft's defaults,
 * values set and read back, and every kind of bad input.
 */

#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/quic.h>
#include <linux/tls.h>

#define TEST_SUITE "sockopt"
#include "../lib/test.h"

static int sk(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_QUIC);

	CHECK(fd >= 0);
	return fd;
}

static struct quic_transport_param get_param(int fd, int remote)
{
	struct quic_transport_param p = { .remote = (uint8_t)remote };
	socklen_t len = sizeof(p);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, &p,
			    &len));
	CHECK(len == sizeof(p));
	return p;
}

static struct quic_config get_config(int fd)
{
	struct quic_config c;
	socklen_t len = sizeof(c);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, &c, &len));
	CHECK(len == sizeof(c));
	return c;
}

static int set_param(int fd, const struct quic_transport_param *p)
{
	return setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_TRANSPORT_PARAM, p,
			  sizeof(*p));
}

static int set_config(int fd, const struct quic_config *c)
{
	return setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_CONFIG, c, sizeof(*c));
}

TEST(transport_param_defaults)
{
	struct quic_transport_param p = get_param(sk(), 0);

	CHECK(p.remote == 0);
	CHECK(p.disable_active_migration == 0 && p.grease_quic_bit == 0);
	CHECK(p.stateless_reset == 0 && p.disable_1rtt_encryption == 0);
	CHECK(p.disable_compatible_version == 0);
	CHECK(p.max_udp_payload_size == 65527);
	CHECK(p.ack_delay_exponent == 3);
	CHECK(p.max_ack_delay == 25000);
	CHECK(p.active_connection_id_limit == 7);
	CHECK(p.max_idle_timeout == 30000000);
	CHECK(p.max_datagram_frame_size == 0);
	CHECK(p.max_data == 65536 * 32);
	CHECK(p.max_stream_data_bidi_local == 65536 * 4);
	CHECK(p.max_stream_data_bidi_remote == 65536 * 4);
	CHECK(p.max_stream_data_uni == 65536 * 4);
	CHECK(p.max_streams_bidi == 100);
	CHECK(p.max_streams_uni == 100);
}

TEST(transport_param_remote_defaults)
{
	/* Until the peer speaks: RFC 9000's defaults for absent values. */
	struct quic_transport_param p = get_param(sk(), 1);

	CHECK(p.remote == 1);
	CHECK(p.max_udp_payload_size == 65527);
	CHECK(p.ack_delay_exponent == 3);
	CHECK(p.max_ack_delay == 25000);
	CHECK(p.active_connection_id_limit == 2);
	CHECK(p.max_idle_timeout == 0 && p.max_data == 0);
	CHECK(p.max_streams_bidi == 0 && p.max_streams_uni == 0);
}

TEST(transport_param_set_get)
{
	int fd = sk();
	struct quic_transport_param p = get_param(fd, 0), r;

	p.max_udp_payload_size = 1200;
	p.ack_delay_exponent = 20;
	p.max_ack_delay = 16383999;
	p.active_connection_id_limit = 2;
	p.max_datagram_frame_size = 1400;
	p.max_data = 1 << 24;
	p.max_streams_bidi = 1000;
	p.grease_quic_bit = 1;
	p.disable_1rtt_encryption = 1;
	CHECK_OK(set_param(fd, &p));
	r = get_param(fd, 0);
	CHECK(!memcmp(&p, &r, sizeof(p)));

	/* The remote side is kept apart (for 0-RTT after resumption). */
	r = get_param(fd, 1);
	CHECK(r.max_data == 0);
	p.remote = 1;
	p.max_data = 12345;
	p.active_connection_id_limit = 100;
	CHECK_OK(set_param(fd, &p));
	r = get_param(fd, 1);
	CHECK(r.max_data == 12345 && r.active_connection_id_limit == 100);
	CHECK(get_param(fd, 0).max_data == 1 << 24);
}

TEST(transport_param_out_of_range)
{
	int fd = sk();
	struct quic_transport_param def = get_param(fd, 0), p;

#define BAD(field, value) do {						\
	p = def;							\
	p.field = value;						\
	CHECK_ERRNO(set_param(fd, &p), EINVAL);				\
} while (0)
	BAD(remote, 2);
	BAD(disable_active_migration, 2);
	BAD(grease_quic_bit, 254);	/* 255 is QUIC_OPT_ZERO */
	BAD(stateless_reset, 2);
	BAD(disable_1rtt_encryption, 2);
	BAD(disable_compatible_version, 2);
	BAD(max_udp_payload_size, 1199);
	BAD(max_udp_payload_size, 65528);
	BAD(ack_delay_exponent, 21);
	BAD(max_ack_delay, 16384000);
	BAD(active_connection_id_limit, 1);
	BAD(active_connection_id_limit, 9);
	BAD(max_datagram_frame_size, 65528);
	BAD(max_data, 1ULL << 62);
	BAD(max_stream_data_bidi_local, 1ULL << 62);
	BAD(max_stream_data_bidi_remote, 1ULL << 62);
	BAD(max_stream_data_uni, 1ULL << 62);
	BAD(max_streams_bidi, (1ULL << 60) + 1);
	BAD(max_streams_uni, (1ULL << 60) + 1);
#undef BAD
	/* Nothing changed. */
	p = get_param(fd, 0);
	CHECK(!memcmp(&p, &def, sizeof(p)));
}

TEST(config_defaults)
{
	struct quic_config c = get_config(sk());

	CHECK(c.version == QUIC_VERSION_V1);
	CHECK(c.plpmtud_probe_interval == 0);
	CHECK(c.initial_smoothed_rtt == 333000);
	CHECK(c.congestion_control_algo == QUIC_CONG_ALG_RENO);
	CHECK(c.validate_peer_address == 0);
	CHECK(c.payload_cipher_type == 0);
	CHECK(c.receive_session_ticket == 0);
	CHECK(c.certificate_request == 0);
	CHECK(c.stream_data_nodelay == 0);
}

TEST(config_set_get)
{
	int fd = sk();
	struct quic_config c = {
		.version = QUIC_VERSION_V2,
		.plpmtud_probe_interval = 10000000,
		.initial_smoothed_rtt = 50000,
		.congestion_control_algo = QUIC_CONG_ALG_CUBIC,
		.validate_peer_address = 1,
		.payload_cipher_type = TLS_CIPHER_CHACHA20_POLY1305,
		.receive_session_ticket = 5,
		.certificate_request = 2,
		.stream_data_nodelay = 1,
	}, r;

	CHECK_OK(set_config(fd, &c));
	r = get_config(fd);
	CHECK(!memcmp(&c, &r, sizeof(c)));

	/* Zero keeps what is set. */
	memset(&c, 0, sizeof(c));
	CHECK_OK(set_config(fd, &c));
	c = r;
	r = get_config(fd);
	CHECK(c.version == r.version && c.congestion_control_algo ==
	      r.congestion_control_algo);
	CHECK(c.plpmtud_probe_interval == r.plpmtud_probe_interval &&
	      c.initial_smoothed_rtt == r.initial_smoothed_rtt);
	CHECK(c.validate_peer_address == r.validate_peer_address &&
	      c.payload_cipher_type == r.payload_cipher_type);
	CHECK(c.receive_session_ticket == r.receive_session_ticket &&
	      c.certificate_request == r.certificate_request &&
	      c.stream_data_nodelay == r.stream_data_nodelay);

	/* QUIC_OPT_ZERO sets 0, which for the version and the RTT is the
	 * default.
	 */
	memset(&c, 0xff, sizeof(c));
	CHECK_OK(set_config(fd, &c));
	r = get_config(fd);
	CHECK(r.version == QUIC_VERSION_V1 && r.initial_smoothed_rtt == 333000);
	CHECK(r.congestion_control_algo == QUIC_CONG_ALG_RENO);
	CHECK(r.plpmtud_probe_interval == 0 && r.validate_peer_address == 0);
	CHECK(r.payload_cipher_type == 0 && r.receive_session_ticket == 0);
	CHECK(r.certificate_request == 0 && r.stream_data_nodelay == 0);
}

TEST(config_out_of_range)
{
	int fd = sk();
	struct quic_config def = get_config(fd), c;

#define BAD(field, value) do {						\
	c = def;							\
	c.field = value;						\
	CHECK_ERRNO(set_config(fd, &c), EINVAL);			\
} while (0)
	BAD(version, 3);
	BAD(version, 0xff000020);
	BAD(plpmtud_probe_interval, 4999999);
	BAD(initial_smoothed_rtt, 999);
	BAD(initial_smoothed_rtt, 10000001);
	BAD(congestion_control_algo, 2);
	BAD(validate_peer_address, 2);
	BAD(payload_cipher_type, TLS_CIPHER_AES_CCM_128);
	BAD(payload_cipher_type, 1);
	BAD(certificate_request, 3);
	BAD(stream_data_nodelay, 2);
#undef BAD
	c = get_config(fd);
	CHECK(!memcmp(&c, &def, sizeof(c)));
}

static int get_event(int fd, int type)
{
	struct quic_event_option ev = { .type = (uint8_t)type };
	socklen_t len = sizeof(ev);

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev, &len));
	CHECK(len == sizeof(ev) && ev.type == type);
	return ev.on;
}

TEST(event_defaults_and_toggle)
{
	int fd = sk(), t;
	struct quic_event_option ev;

	for (t = QUIC_EVENT_STREAM_UPDATE; t <= QUIC_EVENT_NEW_SESSION_TICKET;
	     t++)
		CHECK(get_event(fd, t) == 0);

	ev.type = QUIC_EVENT_CONNECTION_CLOSE;
	ev.on = 1;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	ev.type = QUIC_EVENT_NEW_SESSION_TICKET;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	for (t = QUIC_EVENT_STREAM_UPDATE; t <= QUIC_EVENT_NEW_SESSION_TICKET;
	     t++)
		CHECK(get_event(fd, t) == (t == QUIC_EVENT_CONNECTION_CLOSE ||
					   t == QUIC_EVENT_NEW_SESSION_TICKET));
	ev.type = QUIC_EVENT_CONNECTION_CLOSE;
	ev.on = 0;
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			    sizeof(ev)));
	CHECK(get_event(fd, QUIC_EVENT_CONNECTION_CLOSE) == 0);
}

TEST(event_out_of_range)
{
	int fd = sk();
	struct quic_event_option ev = { .type = QUIC_EVENT_NONE, .on = 1 };
	socklen_t len = sizeof(ev);

	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			       sizeof(ev)), EINVAL);
	ev.type = QUIC_EVENT_NEW_SESSION_TICKET + 1;
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			       sizeof(ev)), EINVAL);
	ev.type = QUIC_EVENT_KEY_UPDATE;
	ev.on = 2;
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev,
			       sizeof(ev)), EINVAL);
	ev.type = 200;
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_EVENT, &ev, &len),
		    EINVAL);
	CHECK(get_event(fd, QUIC_EVENT_KEY_UPDATE) == 0);
}

static socklen_t get_alpn(int fd, char *buf, socklen_t size)
{
	socklen_t len = size;

	CHECK_OK(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, buf, &len));
	return len;
}

TEST(alpn_default_set_get)
{
	int fd = sk();
	char buf[256];

	CHECK(get_alpn(fd, buf, sizeof(buf)) == 0);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3,smbd", 7));
	CHECK(get_alpn(fd, buf, sizeof(buf)) == 7);
	CHECK(!memcmp(buf, "h3,smbd", 7));
	/* A C string's NUL is accepted and not kept. */
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "ksmbd", 6));
	CHECK(get_alpn(fd, buf, sizeof(buf)) == 5);
	CHECK(!memcmp(buf, "ksmbd", 5));
	/* Too small a buffer is refused, not truncated. */
	{
		socklen_t len = 4;

		CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, buf,
				       &len), EINVAL);
	}
	/* Empty clears. */
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "", 0));
	CHECK(get_alpn(fd, buf, sizeof(buf)) == 0);
}

TEST(alpn_invalid)
{
	int fd = sk();
	char big[300];

	memset(big, 'a', sizeof(big));
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, ",h3", 3),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3,", 3),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3,,a", 5),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "a\0b", 3),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "", 1),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, big, 129),
		    EINVAL);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, big,
			       sizeof(big)), EINVAL);
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, big, 128));
	CHECK(get_alpn(fd, big, sizeof(big)) == 128);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, (void *)1, 2),
		    EFAULT);
	/* Failures leave the old value. */
	CHECK(get_alpn(fd, big, sizeof(big)) == 128);
}

static const int fixed_opts[] = {
	QUIC_SOCKOPT_EVENT, QUIC_SOCKOPT_TRANSPORT_PARAM, QUIC_SOCKOPT_CONFIG,
};

static socklen_t opt_size(int opt)
{
	switch (opt) {
	case QUIC_SOCKOPT_EVENT:
		return sizeof(struct quic_event_option);
	case QUIC_SOCKOPT_TRANSPORT_PARAM:
		return sizeof(struct quic_transport_param);
	default:
		return sizeof(struct quic_config);
	}
}

TEST(bad_optlen)
{
	int fd = sk();
	unsigned char buf[512];
	unsigned int i;
	socklen_t len;

	for (i = 0; i < sizeof(fixed_opts) / sizeof(fixed_opts[0]); i++) {
		int opt = fixed_opts[i];
		socklen_t size = opt_size(opt);

		/* Get a valid value first, so that only the length is off. */
		memset(buf, 0, sizeof(buf));
		if (opt == QUIC_SOCKOPT_EVENT)
			buf[0] = QUIC_EVENT_KEY_UPDATE;
		len = size;
		CHECK_OK(getsockopt(fd, SOL_QUIC, opt, buf, &len));
		CHECK(len == size);
		CHECK_ERRNO(setsockopt(fd, SOL_QUIC, opt, buf, size - 1),
			    EINVAL);
		CHECK_ERRNO(setsockopt(fd, SOL_QUIC, opt, buf, size + 1),
			    EINVAL);
		CHECK_ERRNO(setsockopt(fd, SOL_QUIC, opt, buf, 0), EINVAL);
		len = size - 1;
		CHECK_ERRNO(getsockopt(fd, SOL_QUIC, opt, buf, &len), EINVAL);
		len = (socklen_t)-1;
		CHECK_ERRNO(getsockopt(fd, SOL_QUIC, opt, buf, &len), EINVAL);
		/* A larger buffer gets the struct, and its size back. */
		len = sizeof(buf);
		CHECK_OK(getsockopt(fd, SOL_QUIC, opt, buf, &len));
		CHECK(len == size);
		CHECK_OK(setsockopt(fd, SOL_QUIC, opt, buf, size));
	}
}

TEST(bad_pointer)
{
	int fd = sk();
	unsigned int i;
	socklen_t len;

	for (i = 0; i < sizeof(fixed_opts) / sizeof(fixed_opts[0]); i++) {
		int opt = fixed_opts[i];
		socklen_t size = opt_size(opt);

		CHECK_ERRNO(setsockopt(fd, SOL_QUIC, opt, (void *)1, size),
			    EFAULT);
		CHECK_ERRNO(setsockopt(fd, SOL_QUIC, opt, NULL, size), EFAULT);
		len = size;
		CHECK_ERRNO(getsockopt(fd, SOL_QUIC, opt, (void *)1, &len),
			    EFAULT);
		CHECK_ERRNO(getsockopt(fd, SOL_QUIC, opt, &len,
				       (socklen_t *)1), EFAULT);
	}
	CHECK_OK(setsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, "h3", 2));
	len = 16;
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, QUIC_SOCKOPT_ALPN, (void *)1,
			       &len), EFAULT);
}

TEST(unknown_option)
{
	int fd = sk(), v = 0;
	socklen_t len = sizeof(v);

	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, 15, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, 1000, &v, sizeof(v)),
		    ENOPROTOOPT);
	CHECK_ERRNO(setsockopt(fd, SOL_QUIC, -1, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, 15, &v, &len), ENOPROTOOPT);
	CHECK_ERRNO(getsockopt(fd, SOL_QUIC, -1, &v, &len), ENOPROTOOPT);
	/* Other levels: only what QUIC passes down. */
	CHECK_ERRNO(setsockopt(fd, IPPROTO_TCP, 1, &v, sizeof(v)),
		    ENOPROTOOPT);
	CHECK_ERRNO(getsockopt(fd, IPPROTO_UDP, 1, &v, &len), ENOPROTOOPT);
}

TEST(per_socket)
{
	int a = sk(), b = socket(AF_INET6, SOCK_STREAM, IPPROTO_QUIC);
	struct quic_config c = get_config(a);

	CHECK(b >= 0);
	c.congestion_control_algo = QUIC_CONG_ALG_CUBIC;
	CHECK_OK(set_config(a, &c));
	CHECK(get_config(b).congestion_control_algo == QUIC_CONG_ALG_RENO);
	CHECK(get_config(a).congestion_control_algo == QUIC_CONG_ALG_CUBIC);
}

int main(void)
{
	RUN(transport_param_defaults);
	RUN(transport_param_remote_defaults);
	RUN(transport_param_set_get);
	RUN(transport_param_out_of_range);
	RUN(config_defaults);
	RUN(config_set_get);
	RUN(config_out_of_range);
	RUN(event_defaults_and_toggle);
	RUN(event_out_of_range);
	RUN(alpn_default_set_get);
	RUN(alpn_invalid);
	RUN(bad_optlen);
	RUN(bad_pointer);
	RUN(unknown_option);
	RUN(per_socket);
	return test_done();
}
