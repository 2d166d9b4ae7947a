/* SPDX-License-Identifier: GPL-2.0 */
/*
 * quic-handshaked: the TLS handshake for kernel consumers of QUIC sockets,
 * served over the kernel's "handshake" generic-netlink family.
 */

#ifndef QUIC_HSD_H
#define QUIC_HSD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The "handshake" family (net/handshake in Linux 6.5+, quic.ko's
 * handshake_nl.c on older kernels): its numbers, as the kernel's
 * uapi/linux/handshake.h has them.  tests/host/hsd_nl.c pins them to the
 * 6.12 header.
 */
#define HSD_FAMILY_NAME		"handshake"
#define HSD_MCGRP_TLSHD		"tlshd"

enum {
	HSD_CLASS_TLSHD = 1,
};

enum {
	HSD_MSG_CLIENTHELLO = 1,
	HSD_MSG_SERVERHELLO,
};

enum {
	HSD_AUTH_UNAUTH = 1,
	HSD_AUTH_PSK,
	HSD_AUTH_X509,
};

enum {
	HSD_A_X509_CERT = 1,
	HSD_A_X509_PRIVKEY,
	HSD_A_X509_MAX = HSD_A_X509_PRIVKEY,
};

enum {
	HSD_A_ACCEPT_SOCKFD = 1,
	HSD_A_ACCEPT_HANDLER_CLASS,
	HSD_A_ACCEPT_MESSAGE_TYPE,
	HSD_A_ACCEPT_TIMEOUT,
	HSD_A_ACCEPT_AUTH_MODE,
	HSD_A_ACCEPT_PEER_IDENTITY,
	HSD_A_ACCEPT_CERTIFICATE,
	HSD_A_ACCEPT_PEERNAME,
	HSD_A_ACCEPT_MAX = HSD_A_ACCEPT_PEERNAME,
};

enum {
	HSD_A_DONE_STATUS = 1,
	HSD_A_DONE_SOCKFD,
	HSD_A_DONE_REMOTE_AUTH,
};

enum {
	HSD_CMD_READY = 1,
	HSD_CMD_ACCEPT,
	HSD_CMD_DONE,
};

#define HSD_MAX_PEERIDS		5
#define HSD_PEERNAME_MAX	255

/* One request, as ACCEPT's reply gives it. */
struct hsd_request {
	int		sockfd;
	unsigned int	msg_type;	/* HSD_MSG_* */
	unsigned int	auth_mode;	/* HSD_AUTH_* */
	unsigned int	timeout_ms;	/* 0: none given */
	char		peername[HSD_PEERNAME_MAX + 1];	/* "" if none */
	unsigned int	num_peerids;
	int32_t		peerids[HSD_MAX_PEERIDS];	/* key serials */
	int32_t		cert;		/* key serials, 0: the default */
	int32_t		privkey;
	int32_t		keyring;	/* the consumer's, or 0 */
};

/* The configuration file (quic-handshaked.conf(5)). */
struct hsd_side {
	char	certificate[PATH_MAX];	/* PEM, "" if none */
	char	private_key[PATH_MAX];
};

/* Whether a server asks its clients for a certificate. */
enum hsd_client_certs {
	HSD_CLIENT_CERTS_REQUEST,	/* asks; one sent is verified */
	HSD_CLIENT_CERTS_NONE,		/* does not ask */
	HSD_CLIENT_CERTS_REQUIRE,	/* a client without one is refused */
};

struct hsd_config {
	char		truststore[PATH_MAX];	/* PEM; "": the system's */
	struct hsd_side	client, server;
	enum hsd_client_certs client_certs;
	int		loglevel;		/* 0 errors ... 2 debug */
	unsigned int	max_handshakes;		/* at once */
};

#define HSD_CONFIG_PATH		"/etc/quic-handshaked.conf"
#define HSD_MAX_HANDSHAKES	64

void hsd_config_defaults(struct hsd_config *cfg);
int hsd_config_parse(FILE *f, struct hsd_config *cfg, char *err,
		     size_t errlen);
int hsd_config_load(const char *path, struct hsd_config *cfg, char *err,
		    size_t errlen);

struct nlmsghdr;
struct nl_msg;
int hsd_parse_accept(struct nlmsghdr *nlh, struct hsd_request *req);
struct nl_msg *hsd_build_done(int family, int sockfd, int status,
			      int32_t peerid);

/* The handshake on req->sockfd: 0 or a positive errno for DONE. */
int hsd_handshake(const struct hsd_config *cfg, const struct hsd_request *req,
		  int32_t *peerid);

/* Logging: syslog, or stderr with -s. */
void hsd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int hsd_loglevel;

#endif /* QUIC_HSD_H */
