// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake daemon's parsers on the host, under ASan and UBSan: its
 * configuration file, the ACCEPT replies it reads and the DONE messages it
 * writes; and its numbers of the "handshake" family, pinned to the
 * kernel's own header (Linux 6.12's uapi/linux/handshake.h).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include KERNEL_HANDSHAKE_H

#define TEST_SUITE "hsd"
#include "../lib/test.h"
#include "hsd.h"

/* ---- The configuration ---- */

static int parse(const char *text, struct hsd_config *cfg, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	CHECK(f);
	hsd_config_defaults(cfg);
	err[0] = '\0';
	ret = hsd_config_parse(f, cfg, err, 128);
	fclose(f);
	return ret;
}

TEST(config_full)
{
	struct hsd_config cfg;
	char err[128];

	CHECK(parse("# comment\n; another\n\n[debug]\nloglevel = 2\n"
		    "[limits]\n  max_handshakes=8  \n"
		    "[authenticate]\nx509.truststore = /etc/ca.pem\n"
		    "[authenticate.client]\nx509.certificate = /c.pem\n"
		    "x509.private_key = /c.key\n"
		    "[ authenticate.server ]\nx509.certificate = /s.pem\n"
		    "x509.private_key=/s.key\n"
		    "x509.client_certificates = require\n", &cfg, err) == 0);
	CHECK(cfg.client_certs == HSD_CLIENT_CERTS_REQUIRE);
	CHECK(cfg.loglevel == 2 && cfg.max_handshakes == 8);
	CHECK(!strcmp(cfg.truststore, "/etc/ca.pem"));
	CHECK(!strcmp(cfg.client.certificate, "/c.pem"));
	CHECK(!strcmp(cfg.client.private_key, "/c.key"));
	CHECK(!strcmp(cfg.server.certificate, "/s.pem"));
	CHECK(!strcmp(cfg.server.private_key, "/s.key"));
}

TEST(config_defaults)
{
	struct hsd_config cfg;
	char err[128];

	CHECK(parse("", &cfg, err) == 0);
	CHECK(cfg.loglevel == 0 && cfg.max_handshakes == HSD_MAX_HANDSHAKES);
	CHECK(!cfg.truststore[0] && !cfg.server.certificate[0]);
	CHECK(cfg.client_certs == HSD_CLIENT_CERTS_REQUEST);
	CHECK(parse("[authenticate.server]\nx509.client_certificates=none\n",
		    &cfg, err) == 0);
	CHECK(cfg.client_certs == HSD_CLIENT_CERTS_NONE);
	CHECK(hsd_config_load("/nonexistent/quic.conf", &cfg, err, 128) == 0);
}

/* Every mistake is an error naming its line. */
TEST(config_errors)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[nosuch]\n", "line 1: unknown section [nosuch]" },
		{ "[debug]\nlevel = 1\n", "line 2: unknown key \"level\"" },
		{ "[debug]\nloglevel = 3\n", "line 2: bad value for \"loglevel\"" },
		{ "[debug]\nloglevel = -1\n", "line 2: bad value for \"loglevel\"" },
		{ "[debug]\nloglevel = 1x\n", "line 2: bad value for \"loglevel\"" },
		{ "[limits]\nmax_handshakes = 0\n", "line 2: bad value for \"max_handshakes\"" },
		{ "[limits]\nmax_handshakes = 99999999999999999999\n",
		  "line 2: bad value for \"max_handshakes\"" },
		{ "\n[debug]\nloglevel\n", "line 3: no '='" },
		{ "[debug\n", "line 1: bad section" },
		{ "[debug] x\n", "line 1: bad section" },
		{ "x509.truststore = /a\n", "line 1: unknown key \"x509.truststore\"" },
		{ "[authenticate]\nx509.certificate = /a\n",
		  "line 2: unknown key \"x509.certificate\"" },
		{ "[authenticate.server]\nx509.client_certificates = yes\n",
		  "line 2: bad value for \"x509.client_certificates\"" },
		{ "[authenticate.client]\nx509.client_certificates = none\n",
		  "line 2: unknown key \"x509.client_certificates\"" },
	};
	struct hsd_config cfg;
	char err[128];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].text, &cfg, err) == 0)
			FAIL("\"%s\" parsed", bad[i].text);
		if (strcmp(err, bad[i].why))
			FAIL("\"%s\": \"%s\", want \"%s\"", bad[i].text, err,
			     bad[i].why);
	}
}

TEST(config_long_lines)
{
	static char text[PATH_MAX + 300];
	struct hsd_config cfg;
	char err[128];
	int n;

	n = snprintf(text, sizeof(text), "[authenticate]\nx509.truststore = ");
	memset(text + n, 'a', PATH_MAX + 100);
	text[n + PATH_MAX + 100] = '\n';
	CHECK(parse(text, &cfg, err) < 0);
	CHECK(!strcmp(err, "line 2: too long"));
	n = snprintf(text, sizeof(text), "[authenticate]\nx509.truststore = ");
	memset(text + n, 'a', PATH_MAX);
	strcpy(text + n + PATH_MAX, "\n");
	CHECK(parse(text, &cfg, err) == -ENAMETOOLONG);
}

/* ---- Netlink ---- */

#define FAMILY	0x1f

static struct nl_msg *accept_msg(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	CHECK(msg);
	CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, HSD_CMD_ACCEPT, 1));
	return msg;
}

static int parse_msg(struct nl_msg *msg, struct hsd_request *req)
{
	int ret = hsd_parse_accept(nlmsg_hdr(msg), req);

	nlmsg_free(msg);
	return ret;
}

TEST(accept_psk)
{
	struct nl_msg *msg = accept_msg();
	struct hsd_request req;

	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 7));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, HSD_MSG_CLIENTHELLO));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_TIMEOUT, 2500));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_PSK));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_PEER_IDENTITY, 111));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_PEER_IDENTITY, 222));
	CHECK(!nla_put_string(msg, HSD_A_ACCEPT_PEERNAME, "server.example"));
	CHECK(parse_msg(msg, &req) == 0);
	CHECK(req.sockfd == 7 && req.msg_type == HSD_MSG_CLIENTHELLO);
	CHECK(req.timeout_ms == 2500 && req.auth_mode == HSD_AUTH_PSK);
	CHECK(req.num_peerids == 2 && req.peerids[0] == 111 &&
	      req.peerids[1] == 222);
	CHECK(!strcmp(req.peername, "server.example"));
	CHECK(req.cert == 0 && req.privkey == 0);
}

TEST(accept_x509)
{
	struct nl_msg *msg = accept_msg();
	struct hsd_request req;
	struct nlattr *nest;

	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 3));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, HSD_MSG_SERVERHELLO));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
	nest = nla_nest_start(msg, HSD_A_ACCEPT_CERTIFICATE);
	CHECK(nest);
	CHECK(!nla_put_u32(msg, HSD_A_X509_CERT, 42));
	CHECK(!nla_put_u32(msg, HSD_A_X509_PRIVKEY, 43));
	nla_nest_end(msg, nest);
	CHECK(parse_msg(msg, &req) == 0);
	CHECK(req.sockfd == 3 && req.msg_type == HSD_MSG_SERVERHELLO);
	CHECK(req.cert == 42 && req.privkey == 43 && !req.peername[0]);
	CHECK(req.timeout_ms == 0 && req.num_peerids == 0);
}

/* Malformed requests: EINVAL, the descriptor kept when it came. */
TEST(accept_malformed)
{
	struct hsd_request req;
	struct nl_msg *msg;
	struct nlattr *nest;
	int i;

	/* No descriptor. */
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
	CHECK(parse_msg(msg, &req) == -EINVAL && req.sockfd == -1);

	/* No auth mode; an unknown one; an unknown message type. */
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(parse_msg(msg, &req) == -EINVAL && req.sockfd == 5);
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_UNAUTH));
	CHECK(parse_msg(msg, &req) == -EINVAL);
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 9));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_PSK));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_PEER_IDENTITY, 1));
	CHECK(parse_msg(msg, &req) == -EINVAL);

	/* PSK without an identity; more identities than there is room for. */
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_PSK));
	CHECK(parse_msg(msg, &req) == -EINVAL);
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_PSK));
	for (i = 0; i <= HSD_MAX_PEERIDS; i++)
		CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_PEER_IDENTITY, 10 + i));
	CHECK(parse_msg(msg, &req) == -EINVAL);

	/* A peer name without its NUL; one too long. */
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
	CHECK(!nla_put(msg, HSD_A_ACCEPT_PEERNAME, 4, "abcd"));
	CHECK(parse_msg(msg, &req) == -EINVAL);
	{
		char name[HSD_PEERNAME_MAX + 2];

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		msg = accept_msg();
		CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
		CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
		CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
		CHECK(!nla_put_string(msg, HSD_A_ACCEPT_PEERNAME, name));
		CHECK(parse_msg(msg, &req) == -EINVAL);
	}

	/* A certificate without its key. */
	msg = accept_msg();
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
	nest = nla_nest_start(msg, HSD_A_ACCEPT_CERTIFICATE);
	CHECK(!nla_put_u32(msg, HSD_A_X509_CERT, 42));
	nla_nest_end(msg, nest);
	CHECK(parse_msg(msg, &req) == -EINVAL);

	/* A descriptor attribute of the wrong size. */
	msg = accept_msg();
	CHECK(!nla_put_u8(msg, HSD_A_ACCEPT_SOCKFD, 5));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_MESSAGE_TYPE, 1));
	CHECK(!nla_put_u32(msg, HSD_A_ACCEPT_AUTH_MODE, HSD_AUTH_X509));
	CHECK(parse_msg(msg, &req) == -EINVAL);

	/* Not an ACCEPT at all. */
	msg = nlmsg_alloc();
	CHECK(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, HSD_CMD_READY, 1));
	CHECK(parse_msg(msg, &req) == -ENOMSG);
}

TEST(done_message)
{
	struct nlattr *tb[HSD_A_DONE_REMOTE_AUTH + 1];
	struct nl_msg *msg = hsd_build_done(FAMILY, 9, EACCES, 77);
	struct genlmsghdr *g;

	CHECK(msg);
	g = nlmsg_data(nlmsg_hdr(msg));
	CHECK(g->cmd == HSD_CMD_DONE && g->version == 1);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, HSD_A_DONE_REMOTE_AUTH,
			     NULL));
	CHECK(nla_get_u32(tb[HSD_A_DONE_STATUS]) == EACCES);
	CHECK(nla_get_u32(tb[HSD_A_DONE_SOCKFD]) == 9);
	CHECK(nla_get_u32(tb[HSD_A_DONE_REMOTE_AUTH]) == 77);
	nlmsg_free(msg);
	msg = hsd_build_done(FAMILY, 9, 0, 0);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, HSD_A_DONE_REMOTE_AUTH,
			     NULL));
	CHECK(!tb[HSD_A_DONE_REMOTE_AUTH]);
	nlmsg_free(msg);
}

/* The family's numbers are the kernel's. */
TEST(family_numbers)
{
	CHECK(!strcmp(HSD_FAMILY_NAME, HANDSHAKE_FAMILY_NAME));
	CHECK(!strcmp(HSD_MCGRP_TLSHD, HANDSHAKE_MCGRP_TLSHD));
	CHECK((int)HSD_CLASS_TLSHD == (int)HANDSHAKE_HANDLER_CLASS_TLSHD);
	CHECK((int)HSD_MSG_CLIENTHELLO == (int)HANDSHAKE_MSG_TYPE_CLIENTHELLO);
	CHECK((int)HSD_MSG_SERVERHELLO == (int)HANDSHAKE_MSG_TYPE_SERVERHELLO);
	CHECK((int)HSD_AUTH_UNAUTH == (int)HANDSHAKE_AUTH_UNAUTH);
	CHECK((int)HSD_AUTH_PSK == (int)HANDSHAKE_AUTH_PSK);
	CHECK((int)HSD_AUTH_X509 == (int)HANDSHAKE_AUTH_X509);
	CHECK((int)HSD_A_X509_CERT == (int)HANDSHAKE_A_X509_CERT);
	CHECK((int)HSD_A_X509_PRIVKEY == (int)HANDSHAKE_A_X509_PRIVKEY);
	CHECK((int)HSD_A_ACCEPT_SOCKFD == (int)HANDSHAKE_A_ACCEPT_SOCKFD);
	CHECK((int)HSD_A_ACCEPT_HANDLER_CLASS == (int)HANDSHAKE_A_ACCEPT_HANDLER_CLASS);
	CHECK((int)HSD_A_ACCEPT_MESSAGE_TYPE == (int)HANDSHAKE_A_ACCEPT_MESSAGE_TYPE);
	CHECK((int)HSD_A_ACCEPT_TIMEOUT == (int)HANDSHAKE_A_ACCEPT_TIMEOUT);
	CHECK((int)HSD_A_ACCEPT_AUTH_MODE == (int)HANDSHAKE_A_ACCEPT_AUTH_MODE);
	CHECK((int)HSD_A_ACCEPT_PEER_IDENTITY == (int)HANDSHAKE_A_ACCEPT_PEER_IDENTITY);
	CHECK((int)HSD_A_ACCEPT_CERTIFICATE == (int)HANDSHAKE_A_ACCEPT_CERTIFICATE);
	CHECK((int)HSD_A_ACCEPT_PEERNAME == (int)HANDSHAKE_A_ACCEPT_PEERNAME);
	CHECK((int)HSD_A_DONE_STATUS == (int)HANDSHAKE_A_DONE_STATUS);
	CHECK((int)HSD_A_DONE_SOCKFD == (int)HANDSHAKE_A_DONE_SOCKFD);
	CHECK((int)HSD_A_DONE_REMOTE_AUTH == (int)HANDSHAKE_A_DONE_REMOTE_AUTH);
	CHECK((int)HSD_CMD_READY == (int)HANDSHAKE_CMD_READY);
	CHECK((int)HSD_CMD_ACCEPT == (int)HANDSHAKE_CMD_ACCEPT);
	CHECK((int)HSD_CMD_DONE == (int)HANDSHAKE_CMD_DONE);
	CHECK(HANDSHAKE_FAMILY_VERSION == 1);
}

int main(void)
{
	RUN(config_full);
	RUN(config_defaults);
	RUN(config_errors);
	RUN(config_long_lines);
	RUN(accept_psk);
	RUN(accept_x509);
	RUN(accept_malformed);
	RUN(done_message);
	RUN(family_numbers);
	return test_done();
}
