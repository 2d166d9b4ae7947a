/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the socket layer.
 */

#ifndef __NET_QUIC_SOCKET_H
#define __NET_QUIC_SOCKET_H

#include <linux/quic.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>

#include "pernet.h"
#include "rcvq.h"
#include "udp_tunnel.h"

/* Longest ALPN list accepted by QUIC_SOCKOPT_ALPN, commas included. */
#define QUIC_ALPN_MAX_LEN	128
/* RFC 7301: one protocol name is 1 to 255 bytes. */
#define QUIC_ALPN_NAME_MAX_LEN	255

/* max_idle_timeout's default; also the handshake's limit without one. */
#define QUIC_DEF_IDLE_TIMEOUT	(30 * USEC_PER_SEC)

/* Buckets of a listener's table of waiting requests: a power of two. */
#define QUIC_REQ_HASH_SIZE	256

struct quic_conn;

struct quic_sock {
	struct inet_sock		inet;
	struct quic_udp_sock		*udp;		/* set by bind() */
	union quic_addr			local;		/* as bound or routed */
	union quic_addr			peer;		/* connect(), accept() */
	struct quic_conn		*conn;		/* connecting or connected */

	/* Listening: client Initials waiting for accept(), in order and
	 * in @req_hash (input.c).
	 */
	struct sk_buff_head		reqs;
	struct hlist_head		*req_hash;	/* QUIC_REQ_HASH_SIZE */
	struct hlist_node		listen_node;	/* in udp->listeners */

	/* A server's preferred_address (RFC 9000 9.6), through a UDP socket
	 * of its own bound there; accepted sockets take their listener's.
	 */
	struct quic_udp_sock		*pref_udp;

	struct quic_transport_param	local_param;
	struct quic_transport_param	remote_param;
	struct quic_config		config;
	bool				version_set;	/* config.version chosen */
	u32				events;		/* BIT(type) if on */
	struct delayed_work		work;		/* quic_conn_work() */

	char				*alpn;		/* sock_kmalloc()ed */
	u8				alpn_len;

	/* QUIC_SOCKOPT_CONNECTION_CLOSE: what close() sends. */
	u32				close_errcode;
	u8				close_frame;
	u8				*close_phrase;	/* sock_kmalloc()ed */
	u32				close_phrase_len;	/* without NUL */

	struct quic_hs			*hs;	/* handshake.c: a consumer's */
};

struct quic6_sock {
	struct quic_sock	quic;
	struct ipv6_pinfo	inet6;	/* last, where inet6_create() looks */
};

static inline struct quic_sock *quic_sk(const struct sock *sk)
{
	return (struct quic_sock *)sk;
}

static inline struct quic6_sock *quic6_sk(const struct sock *sk)
{
	return (struct quic6_sock *)sk;
}

/*
 * The draft's section 9: a buffer follows the flow-control window it
 * holds, growing to @bytes unless the user set its size, and no further
 * than net.quic.rmem[2] and net.quic.wmem[2] (TCP's tcp_rmem[2] and
 * tcp_wmem[2] when the module loads): neither
 * a peer's max_data nor a local one escapes the administrator's limits.
 */
static inline void quic_sk_rcvbuf_follow(struct sock *sk, u64 bytes)
{
	u64 max = READ_ONCE(sysctl_quic_rmem[2]);

	bytes = min(bytes, max);
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    READ_ONCE(sk->sk_rcvbuf) < bytes)
		WRITE_ONCE(sk->sk_rcvbuf, min_t(u64, bytes, INT_MAX / 2));
}

static inline void quic_sk_sndbuf_follow(struct sock *sk, u64 bytes)
{
	u64 max = READ_ONCE(sysctl_quic_wmem[2]);

	bytes = min(bytes, max);
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK) &&
	    READ_ONCE(sk->sk_sndbuf) < bytes)
		WRITE_ONCE(sk->sk_sndbuf, min_t(u64, bytes, INT_MAX / 2));
}

/*
 * The sockets' work items run here: the last reference to a socket may go
 * in one, and with it the module's; quic_exit() destroys the queue, which
 * waits for a work item that is still returning.
 */
extern struct workqueue_struct *quic_wq;

extern long sysctl_quic_mem[3];
void quic_mem_init(void);

extern struct proto quic_prot;
extern struct proto quicv6_prot;

void quic_v6_prot_init(void);

void quic_set_state(struct sock *sk, int state);
void quic_sk_set_peer(struct sock *sk, const union quic_addr *ra);
void quic_sk_set_local(struct sock *sk, const union quic_addr *la);
struct quic_udp_sock *quic_sk_swap_udp(struct sock *sk,
				       struct quic_udp_sock *us,
				       const union quic_addr *la);
void quic_sk_event_close(struct sock *sk);
u8 *quic_close_info(u32 errcode, u8 frame, const u8 *phrase, u32 plen,
		    int *len, gfp_t gfp);
void quic_sk_event(struct sock *sk, u8 type, const void *data, u32 len);
int quic_inet_connect(struct socket *sock, struct sockaddr *addr, int len,
		      int flags);
int quic_inet_listen(struct socket *sock, int backlog);
int quic_inet_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
int quic_inet6_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
__poll_t quic_inet_poll(struct file *file, struct socket *sock,
			poll_table *wait);
int quic_inet_shutdown(struct socket *sock, int how);
int quic_do_accept(struct socket *sock, struct socket *newsock, int flags,
		   bool kern);

/* input.c */
int quic_udp_rcv(struct sock *usk, struct sk_buff *skb);
#ifdef QUIC_HAVE_ENCAP_ERR_INFO
void quic_udp_err(struct sock *usk, struct sk_buff *skb, int err,
		  __be16 port, u32 info, u8 *payload);
#else
void quic_udp_err(struct sock *usk, struct sk_buff *skb,
		  unsigned int udp_offset);
#endif
int quic_reqs_init(struct sock *sk);
struct sk_buff *quic_reqs_dequeue(struct sock *sk);
void quic_reqs_purge(struct sock *sk, bool stop);
void quic_reqs_free(struct sock *sk);
void quic_skb_addrs(struct sk_buff *skb, sa_family_t family,
		    union quic_addr *src, union quic_addr *dst);

#endif /* __NET_QUIC_SOCKET_H */
