/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: the table that finds a connection from a Destination Connection ID.
 */

#ifndef __NET_QUIC_CONN_ID_H
#define __NET_QUIC_CONN_ID_H

#include <linux/rcupdate.h>
#include <net/sock.h>

#include "wire.h"

/* The length of the connection IDs this endpoint chooses. */
#define QUIC_CID_LEN	8

struct quic_cid_entry {
	struct hlist_node	node;
	struct rcu_head		rcu;
	struct quic_conn_id	cid;
	struct sock		*sk;
	possible_net_t		net;
};

void quic_cid_generate(struct quic_conn_id *cid, u32 len);
struct quic_cid_entry *quic_cid_register(struct sock *sk,
					 const struct quic_conn_id *cid);
void quic_cid_unregister(struct quic_cid_entry *e);
struct sock *quic_cid_lookup(struct net *net, const u8 *cid, u32 len);

#endif /* __NET_QUIC_CONN_ID_H */
