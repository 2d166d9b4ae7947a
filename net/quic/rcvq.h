/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the socket's receive queue, which the connection fills and
 * recvmsg() reads.  Stream data has queues of its own (stream.c); this one
 * holds messages: handshake data of one level, events (MSG_NOTIFICATION)
 * and DATAGRAM frames' data, each an sk_buff charged to the socket.
 * quic_rcvq_add() is the only writer.
 */

#ifndef __NET_QUIC_RCVQ_H
#define __NET_QUIC_RCVQ_H

#include <linux/skbuff.h>
#include <net/sock.h>

/* What an skb on sk_receive_queue holds, for recvmsg(). */
enum quic_rcv_type {
	QUIC_RCV_HANDSHAKE,	/* CRYPTO data of one level */
	QUIC_RCV_EVENT,		/* a notification, MSG_NOTIFICATION */
	QUIC_RCV_DATAGRAM,	/* a DATAGRAM frame's data */
};

struct quic_rcv_cb {
	u64	offset;		/* CRYPTO reassembly: the data's offset */
	u32	read;		/* bytes already read by a partial recvmsg() */
	u8	type;		/* enum quic_rcv_type */
	u8	level;		/* QUIC_RCV_HANDSHAKE: the crypto level */
};

#define QUIC_RCV_CB(skb)	((struct quic_rcv_cb *)&((skb)->cb[0]))

/*
 * Receive memory is charged to the socket (sk_rmem_alloc, SO_RCVBUF) and
 * to the protocol (memory_allocated, within sysctl_quic_mem like UDP's
 * udp_mem): false when the protocol is out of it, and the skb is not
 * taken.  Context: the socket locked, or in softirq not owned by the user.
 */
static inline bool quic_skb_charge_r(struct sock *sk, struct sk_buff *skb)
{
	if (!sk_rmem_schedule(sk, skb, skb->truesize))
		return false;
	skb_set_owner_r(skb, sk);
	return true;
}

/**
 * quic_rcvq_add - queue a message for recvmsg() and wake the reader
 * @sk: the socket
 * @skb: the message, charged to @sk (quic_skb_charge_r())
 * @type: enum quic_rcv_type
 * @level: the crypto level of handshake data, else 0
 *
 * Context: the socket locked, or in softirq not owned by the user.
 */
static inline void quic_rcvq_add(struct sock *sk, struct sk_buff *skb,
				 u8 type, u8 level)
{
	QUIC_RCV_CB(skb)->type = type;
	QUIC_RCV_CB(skb)->level = level;
	QUIC_RCV_CB(skb)->read = 0;
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_data_ready(sk);
}

#endif /* __NET_QUIC_RCVQ_H */
