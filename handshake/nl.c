// SPDX-License-Identifier: GPL-2.0
/*
 * quic-handshaked: the messages of the "handshake" family it reads and
 * writes.  ACCEPT's reply is checked attribute by attribute: a descriptor,
 * a message type and an auth mode must be there and known; repeated peer
 * identities beyond HSD_MAX_PEERIDS, a peer name that is not a string
 * within HSD_PEERNAME_MAX, or a certificate nest with a bad member make
 * the request invalid (the daemon then reports EINVAL on it).
 */

#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "hsd.h"

static struct nla_policy accept_policy[HSD_A_ACCEPT_MAX + 1] = {
	[HSD_A_ACCEPT_SOCKFD]		= { .type = NLA_U32 },
	[HSD_A_ACCEPT_HANDLER_CLASS]	= { .type = NLA_U32 },
	[HSD_A_ACCEPT_MESSAGE_TYPE]	= { .type = NLA_U32 },
	[HSD_A_ACCEPT_TIMEOUT]		= { .type = NLA_U32 },
	[HSD_A_ACCEPT_AUTH_MODE]	= { .type = NLA_U32 },
	[HSD_A_ACCEPT_PEER_IDENTITY]	= { .type = NLA_U32 },
	[HSD_A_ACCEPT_CERTIFICATE]	= { .type = NLA_NESTED },
	[HSD_A_ACCEPT_PEERNAME]		= { .type = NLA_STRING,
					    .maxlen = HSD_PEERNAME_MAX + 1 },
};

static struct nla_policy x509_policy[HSD_A_X509_MAX + 1] = {
	[HSD_A_X509_CERT]	= { .type = NLA_U32 },
	[HSD_A_X509_PRIVKEY]	= { .type = NLA_U32 },
};

/**
 * hsd_parse_accept - the request in ACCEPT's reply
 *
 * Return: 0, -EINVAL for a malformed or unknown request (req->sockfd is
 * set whenever the descriptor attribute was there, so that the caller can
 * close it and report), or -ENOMSG when the message is no ACCEPT.
 */
int hsd_parse_accept(struct nlmsghdr *nlh, struct hsd_request *req)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *tb[HSD_A_ACCEPT_MAX + 1], *x509[HSD_A_X509_MAX + 1];
	struct nlattr *nla;
	int rem, n = 0;

	memset(req, 0, sizeof(*req));
	req->sockfd = -1;
	if (!genlmsg_valid_hdr(nlh, 0) || gnlh->cmd != HSD_CMD_ACCEPT)
		return -ENOMSG;
	if (genlmsg_parse(nlh, 0, tb, HSD_A_ACCEPT_MAX, accept_policy))
		return -EINVAL;
	if (tb[HSD_A_ACCEPT_SOCKFD])
		req->sockfd = (int)nla_get_u32(tb[HSD_A_ACCEPT_SOCKFD]);
	if (req->sockfd < 0 || !tb[HSD_A_ACCEPT_MESSAGE_TYPE] ||
	    !tb[HSD_A_ACCEPT_AUTH_MODE])
		return -EINVAL;
	req->msg_type = nla_get_u32(tb[HSD_A_ACCEPT_MESSAGE_TYPE]);
	req->auth_mode = nla_get_u32(tb[HSD_A_ACCEPT_AUTH_MODE]);
	if (req->msg_type != HSD_MSG_CLIENTHELLO &&
	    req->msg_type != HSD_MSG_SERVERHELLO)
		return -EINVAL;
	if (req->auth_mode != HSD_AUTH_PSK && req->auth_mode != HSD_AUTH_X509)
		return -EINVAL;
	if (tb[HSD_A_ACCEPT_TIMEOUT])
		req->timeout_ms = nla_get_u32(tb[HSD_A_ACCEPT_TIMEOUT]);
	if (tb[HSD_A_ACCEPT_PEERNAME]) {
		nla = tb[HSD_A_ACCEPT_PEERNAME];
		/* A string, NUL-terminated within its length. */
		if (!nla_len(nla) || !memchr(nla_data(nla), '\0', nla_len(nla)))
			return -EINVAL;
		if (strlen(nla_data(nla)) > HSD_PEERNAME_MAX)
			return -EINVAL;
		strcpy(req->peername, nla_data(nla));
	}

	/* Peer identities repeat: each is a key serial. */
	nlmsg_for_each_attr(nla, nlh, GENL_HDRLEN, rem) {
		if (nla_type(nla) != HSD_A_ACCEPT_PEER_IDENTITY)
			continue;
		if (n == HSD_MAX_PEERIDS || nla_len(nla) != sizeof(uint32_t))
			return -EINVAL;
		req->peerids[n++] = (int32_t)nla_get_u32(nla);
	}
	req->num_peerids = n;
	if (req->auth_mode == HSD_AUTH_PSK && !n)
		return -EINVAL;

	if (tb[HSD_A_ACCEPT_CERTIFICATE]) {
		if (nla_parse_nested(x509, HSD_A_X509_MAX,
				     tb[HSD_A_ACCEPT_CERTIFICATE], x509_policy))
			return -EINVAL;
		if (x509[HSD_A_X509_CERT])
			req->cert = (int32_t)nla_get_u32(x509[HSD_A_X509_CERT]);
		if (x509[HSD_A_X509_PRIVKEY])
			req->privkey =
				(int32_t)nla_get_u32(x509[HSD_A_X509_PRIVKEY]);
		/* Both or neither: one without the other is no identity. */
		if (!req->cert != !req->privkey)
			return -EINVAL;
	}
	return 0;
}

/**
 * hsd_build_done - DONE for @sockfd: @status a positive errno or 0, and
 * the peer's identity if there is one.  NULL when out of memory.
 */
struct nl_msg *hsd_build_done(int family, int sockfd, int status,
			      int32_t peerid)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 HSD_CMD_DONE, 1) ||
	    nla_put_u32(msg, HSD_A_DONE_STATUS, (uint32_t)status) ||
	    nla_put_u32(msg, HSD_A_DONE_SOCKFD, (uint32_t)sockfd) ||
	    (peerid && nla_put_u32(msg, HSD_A_DONE_REMOTE_AUTH,
				   (uint32_t)peerid))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}
