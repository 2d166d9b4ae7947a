/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the handshake upcall for kernel consumers.
 *
 * handshake.c keeps one request per socket, its timeout and the report to
 * the consumer; the request itself travels over the kernel's "handshake"
 * generic-netlink family: net/handshake's where the kernel has it, else
 * the same family, provided by handshake_nl.c.
 */

#ifndef __NET_QUIC_HANDSHAKE_H
#define __NET_QUIC_HANDSHAKE_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>
#include <net/quic.h>

/* The numbers of the "handshake" family (Linux 6.5+ uapi/linux/handshake.h). */
enum {
	QUIC_HS_CLASS_NONE,
	QUIC_HS_CLASS_TLSHD,
	QUIC_HS_CLASS_MAX,
};

enum {
	QUIC_HS_MSG_CLIENTHELLO = 1,
	QUIC_HS_MSG_SERVERHELLO,
};

enum {
	QUIC_HS_AUTH_UNAUTH = 1,
	QUIC_HS_AUTH_PSK,
	QUIC_HS_AUTH_X509,
};

/**
 * struct quic_hs - a handshake request of a kernel consumer
 * @args: the consumer's, @args.peername pointing at our copy
 * @sock: the socket
 * @file: our reference to @sock's file, for @timeout's work
 * @timeout: gives up on the daemon
 * @retry: submits again while no daemon can take the request
 * @ref: one for the request on the wire (or on its way, in @retry), one
 *	 for @timeout
 * @reported: @args.done was called, or quic_handshake_cancel() won
 * @type: %QUIC_HS_MSG_*
 * @auth: %QUIC_HS_AUTH_*
 * @list: handshake_nl.c: in the pending list until a daemon accepts it
 * @net: handshake_nl.c: the socket's network namespace
 * @completed: handshake_nl.c: done, cancelled or failed: the request's
 *	       references are dropped once, by whoever sets it
 */
struct quic_hs {
	struct quic_handshake_args	args;
	struct socket			*sock;
	struct file			*file;
	struct delayed_work		timeout;
	struct delayed_work		retry;
	refcount_t			ref;
	atomic_t			reported;
	u8				type;
	u8				auth;
#ifndef QUIC_HAVE_NET_HANDSHAKE
	struct list_head		list;
	struct net			*net;
	atomic_t			completed;
#endif
};

/* The transport below: submit a request, take it back. */
int quic_hs_submit(struct quic_hs *hs);
bool quic_hs_withdraw(struct quic_hs *hs);

/* The transport's report of a request's end, once per request. */
void quic_hs_finish(struct quic_hs *hs, int status, key_serial_t peerid);

/* Whether @sk is a QUIC socket and its request, referenced. */
struct quic_hs *quic_hs_of(struct sock *sk);
void quic_hs_put(struct quic_hs *hs);

#ifdef QUIC_HAVE_NET_HANDSHAKE
static inline int quic_hs_nl_init(void)
{
	return 0;
}

static inline void quic_hs_nl_exit(void)
{
}
#else
int quic_hs_nl_init(void);
void quic_hs_nl_exit(void);
#endif

#endif /* __NET_QUIC_HANDSHAKE_H */
