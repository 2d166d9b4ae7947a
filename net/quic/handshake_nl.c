// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: the "handshake" generic-netlink family, for kernels without
 * net/handshake (before 6.5), serving QUIC sockets only.
 *
 * The same family as net/handshake's, so that one daemon serves every
 * kernel: its name and version, the commands READY (a multicast to the
 * "tlshd" group: a request waits), ACCEPT (the daemon takes the oldest
 * request of its network namespace and receives the socket as a new file
 * descriptor, with what the handshake needs) and DONE (the outcome, by
 * that descriptor), and the attributes and their numbers.  ACCEPT and DONE
 * need CAP_NET_ADMIN.  A daemon links the consumer's keyring into its
 * process keyring when it accepts, so that it may read the keys named.
 */

#include <linux/file.h>
#include <linux/key.h>
#include <uapi/linux/keyctl.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "handshake.h"

#define QUIC_HS_FAMILY_NAME	"handshake"
#define QUIC_HS_FAMILY_VERSION	1

enum {
	QUIC_HS_A_X509_CERT = 1,
	QUIC_HS_A_X509_PRIVKEY,
};

enum {
	QUIC_HS_A_ACCEPT_SOCKFD = 1,
	QUIC_HS_A_ACCEPT_HANDLER_CLASS,
	QUIC_HS_A_ACCEPT_MESSAGE_TYPE,
	QUIC_HS_A_ACCEPT_TIMEOUT,
	QUIC_HS_A_ACCEPT_AUTH_MODE,
	QUIC_HS_A_ACCEPT_PEER_IDENTITY,
	QUIC_HS_A_ACCEPT_CERTIFICATE,
	QUIC_HS_A_ACCEPT_PEERNAME,
};

enum {
	QUIC_HS_A_DONE_STATUS = 1,
	QUIC_HS_A_DONE_SOCKFD,
	QUIC_HS_A_DONE_REMOTE_AUTH,
};

enum {
	QUIC_HS_CMD_READY = 1,
	QUIC_HS_CMD_ACCEPT,
	QUIC_HS_CMD_DONE,
};

/* Requests that wait for a daemon, all namespaces; at most this many. */
#define QUIC_HS_PENDING_MAX	64

static LIST_HEAD(quic_hs_pending);
static unsigned int quic_hs_npending;
static DEFINE_SPINLOCK(quic_hs_pending_lock);

/* Drop the request's references, once, whoever comes first. */
static bool quic_hs_complete(struct quic_hs *hs)
{
	return !atomic_xchg(&hs->completed, 1);
}

static bool quic_hs_unqueue(struct quic_hs *hs)
{
	bool queued;

	spin_lock_bh(&quic_hs_pending_lock);
	queued = !list_empty(&hs->list);
	if (queued) {
		list_del_init(&hs->list);
		quic_hs_npending--;
	}
	spin_unlock_bh(&quic_hs_pending_lock);
	return queued;
}

/* The oldest request of @net, off the list, with a reference for us. */
static struct quic_hs *quic_hs_next(struct net *net)
{
	struct quic_hs *hs, *found = NULL;

	spin_lock_bh(&quic_hs_pending_lock);
	list_for_each_entry(hs, &quic_hs_pending, list) {
		if (net_eq(hs->net, net)) {
			list_del_init(&hs->list);
			quic_hs_npending--;
			/* Queued, it holds its request reference still. */
			refcount_inc(&hs->ref);
			found = hs;
			break;
		}
	}
	spin_unlock_bh(&quic_hs_pending_lock);
	return found;
}

static const struct nla_policy quic_hs_accept_policy[] = {
	[QUIC_HS_A_ACCEPT_HANDLER_CLASS] =
		NLA_POLICY_MAX(NLA_U32, QUIC_HS_CLASS_MAX - 1),
};

static const struct nla_policy quic_hs_done_policy[] = {
	[QUIC_HS_A_DONE_STATUS]		= NLA_POLICY_MAX(NLA_U32, MAX_ERRNO),
	[QUIC_HS_A_DONE_SOCKFD]		= { .type = NLA_S32 },
	[QUIC_HS_A_DONE_REMOTE_AUTH]	= { .type = NLA_U32 },
};

static int quic_hs_accept_doit(struct sk_buff *skb, struct genl_info *info);
static int quic_hs_done_doit(struct sk_buff *skb, struct genl_info *info);

static const struct genl_ops quic_hs_ops[] = {
	{
		.cmd		= QUIC_HS_CMD_ACCEPT,
		.doit		= quic_hs_accept_doit,
		.policy		= quic_hs_accept_policy,
		.maxattr	= ARRAY_SIZE(quic_hs_accept_policy) - 1,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= QUIC_HS_CMD_DONE,
		.doit		= quic_hs_done_doit,
		.policy		= quic_hs_done_policy,
		.maxattr	= ARRAY_SIZE(quic_hs_done_policy) - 1,
		.flags		= GENL_ADMIN_PERM,
	},
};

/* Group numbers are the handler classes. */
static const struct genl_multicast_group quic_hs_mcgrps[] = {
	[QUIC_HS_CLASS_NONE]	= { .name = "none" },
	[QUIC_HS_CLASS_TLSHD]	= { .name = "tlshd" },
};

static struct genl_family quic_hs_family __ro_after_init = {
	.name		= QUIC_HS_FAMILY_NAME,
	.version	= QUIC_HS_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= quic_hs_ops,
	.n_ops		= ARRAY_SIZE(quic_hs_ops),
	.resv_start_op	= QUIC_HS_CMD_DONE + 1,
	.mcgrps		= quic_hs_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(quic_hs_mcgrps),
};

/* READY to the daemons of @net. */
static int quic_hs_notify(struct net *net)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&quic_hs_family, net, QUIC_HS_CLASS_TLSHD))
		return -ESRCH;
	msg = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &quic_hs_family, 0, QUIC_HS_CMD_READY);
	if (!hdr || nla_put_u32(msg, QUIC_HS_A_ACCEPT_HANDLER_CLASS,
				QUIC_HS_CLASS_TLSHD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_multicast_netns(&quic_hs_family, net, msg, 0,
				       QUIC_HS_CLASS_TLSHD, GFP_KERNEL);
}

int quic_hs_submit(struct quic_hs *hs)
{
	int err;

	hs->net = sock_net(hs->sock->sk);
	INIT_LIST_HEAD(&hs->list);
	atomic_set(&hs->completed, 0);	/* a retry: nobody else sees it */
	spin_lock_bh(&quic_hs_pending_lock);
	if (quic_hs_npending >= QUIC_HS_PENDING_MAX) {
		spin_unlock_bh(&quic_hs_pending_lock);
		return -EAGAIN;
	}
	list_add_tail(&hs->list, &quic_hs_pending);
	quic_hs_npending++;
	spin_unlock_bh(&quic_hs_pending_lock);

	/*
	 * No daemon listens: take it back, unless one took it already.  A
	 * READY that found a daemon's queue full is no reason: that daemon
	 * is busy with earlier READYs and takes every waiting request on
	 * each.
	 */
	err = quic_hs_notify(hs->net);
	if (err == -ESRCH &&
	    genl_has_listeners(&quic_hs_family, hs->net, QUIC_HS_CLASS_TLSHD))
		err = 0;
	if (err && quic_hs_unqueue(hs) && quic_hs_complete(hs))
		return err;
	return 0;
}

bool quic_hs_withdraw(struct quic_hs *hs)
{
	quic_hs_unqueue(hs);
	return quic_hs_complete(hs);
}

/* The daemon's process keyring gets the consumer's keyring. */
#if IS_ENABLED(CONFIG_KEYS)
static int quic_hs_link_keyring(key_serial_t id)
{
	key_ref_t process, keyring;
	int err;

	if (!id)
		return 0;
	process = lookup_user_key(KEY_SPEC_PROCESS_KEYRING, KEY_LOOKUP_CREATE,
				  KEY_NEED_WRITE);
	if (IS_ERR(process))
		return PTR_ERR(process);
	keyring = lookup_user_key(id, KEY_LOOKUP_CREATE, KEY_NEED_LINK);
	if (IS_ERR(keyring)) {
		key_ref_put(process);
		return PTR_ERR(keyring);
	}
	err = key_link(key_ref_to_ptr(process), key_ref_to_ptr(keyring));
	key_ref_put(keyring);
	key_ref_put(process);
	return err;
}
#else
static int quic_hs_link_keyring(key_serial_t id)
{
	return 0;
}
#endif

static int quic_hs_put_accept(struct sk_buff *msg, struct quic_hs *hs, int fd)
{
	const struct quic_handshake_args *a = &hs->args;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_s32(msg, QUIC_HS_A_ACCEPT_SOCKFD, fd) ||
	    nla_put_u32(msg, QUIC_HS_A_ACCEPT_MESSAGE_TYPE, hs->type) ||
	    nla_put_u32(msg, QUIC_HS_A_ACCEPT_TIMEOUT, a->timeout_ms) ||
	    nla_put_u32(msg, QUIC_HS_A_ACCEPT_AUTH_MODE, hs->auth))
		return -EMSGSIZE;
	if (a->peername &&
	    nla_put_string(msg, QUIC_HS_A_ACCEPT_PEERNAME, a->peername))
		return -EMSGSIZE;
	if (hs->auth == QUIC_HS_AUTH_PSK) {
		for (i = 0; i < a->num_peerids; i++)
			if (nla_put_u32(msg, QUIC_HS_A_ACCEPT_PEER_IDENTITY,
					a->peerids[i]))
				return -EMSGSIZE;
		return 0;
	}
	if (!a->cert && !a->privkey)
		return 0;
	nest = nla_nest_start(msg, QUIC_HS_A_ACCEPT_CERTIFICATE);
	if (!nest || nla_put_s32(msg, QUIC_HS_A_X509_CERT, a->cert) ||
	    nla_put_s32(msg, QUIC_HS_A_X509_PRIVKEY, a->privkey))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int quic_hs_accept_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = sock_net(skb->sk);
	struct sk_buff *msg;
	struct quic_hs *hs;
	int fd, err;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, QUIC_HS_A_ACCEPT_HANDLER_CLASS))
		return -EINVAL;
	if (nla_get_u32(info->attrs[QUIC_HS_A_ACCEPT_HANDLER_CLASS]) !=
	    QUIC_HS_CLASS_TLSHD)
		return -EAGAIN;
	hs = quic_hs_next(net);
	if (!hs)
		return -EAGAIN;

	err = quic_hs_link_keyring(hs->args.keyring);
	if (err)
		goto fail;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	err = -ENOMEM;
	msg = genlmsg_new(GENLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto fail_fd;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
			  &quic_hs_family, 0, QUIC_HS_CMD_ACCEPT);
	err = hdr ? quic_hs_put_accept(msg, hs, fd) : -EMSGSIZE;
	if (err) {
		nlmsg_free(msg);
		goto fail_fd;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	if (err)
		goto fail_fd;
	fd_install(fd, get_file(hs->file));
	quic_hs_put(hs);
	return 0;

fail_fd:
	put_unused_fd(fd);
fail:
	if (quic_hs_complete(hs))
		quic_hs_finish(hs, -EIO, 0);
	quic_hs_put(hs);
	return err;
}

static int quic_hs_done_doit(struct sk_buff *skb, struct genl_info *info)
{
	key_serial_t peerid = 0;
	struct socket *sock;
	struct quic_hs *hs;
	int status = -EIO;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, QUIC_HS_A_DONE_SOCKFD))
		return -EINVAL;
	sock = sockfd_lookup(nla_get_s32(info->attrs[QUIC_HS_A_DONE_SOCKFD]),
			     &err);
	if (!sock)
		return err;
	hs = quic_hs_of(sock->sk);
	err = -EBUSY;
	/* Only a request a daemon accepted: it is no longer queued. */
	if (hs && list_empty_careful(&hs->list) && quic_hs_complete(hs)) {
		if (info->attrs[QUIC_HS_A_DONE_STATUS])
			status = -(int)nla_get_u32(info->attrs[QUIC_HS_A_DONE_STATUS]);
		if (info->attrs[QUIC_HS_A_DONE_REMOTE_AUTH])
			peerid = nla_get_u32(info->attrs[QUIC_HS_A_DONE_REMOTE_AUTH]);
		quic_hs_finish(hs, status, peerid);
		err = 0;
	}
	if (hs)
		quic_hs_put(hs);
	sockfd_put(sock);
	return err;
}

/* A namespace going away: what waits in it will not be accepted. */
static void __net_exit quic_hs_net_exit(struct net *net)
{
	struct quic_hs *hs;

	while ((hs = quic_hs_next(net))) {
		if (quic_hs_complete(hs))
			quic_hs_finish(hs, -ETIMEDOUT, 0);
		quic_hs_put(hs);
	}
}

static struct pernet_operations quic_hs_net_ops = {
	.exit	= quic_hs_net_exit,
};

int quic_hs_nl_init(void)
{
	int err;

	err = register_pernet_subsys(&quic_hs_net_ops);
	if (err)
		return err;
	err = genl_register_family(&quic_hs_family);
	if (err)
		unregister_pernet_subsys(&quic_hs_net_ops);
	return err;
}

void quic_hs_nl_exit(void)
{
	genl_unregister_family(&quic_hs_family);
	unregister_pernet_subsys(&quic_hs_net_ops);
}
