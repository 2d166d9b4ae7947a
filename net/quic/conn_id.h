/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: connection IDs.  The table that finds a connection from a
 * Destination Connection ID, and each connection's own set: the IDs it
 * issued to the peer, and the peer's it may send to (RFC 9000 5.1).
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
					 const struct quic_conn_id *cid,
					 gfp_t gfp);
void quic_cid_unregister(struct quic_cid_entry *e);
struct sock *quic_cid_lookup(struct net *net, const u8 *cid, u32 len);

/*
 * The most connection IDs of the peer's a connection keeps (the largest
 * active_connection_id_limit we announce), and the most of ours active
 * at once.  Ours have twice the slots: those the peer was asked to
 * retire (Retire Prior To) stay until it does.
 */
#define QUIC_CID_SET_MAX	8
#define QUIC_CID_LOCAL_SLOTS	(2 * QUIC_CID_SET_MAX)
/* RFC 9000 5.1.2: the peer's IDs we retired, not yet acknowledged. */
#define QUIC_CID_RETIRE_MAX	(2 * QUIC_CID_SET_MAX)

/* One of ours. */
struct quic_cid_local {
	struct quic_cid_entry	*entry;		/* NULL: the slot is free */
	u64			seq;
	u8			token[QUIC_RESET_TOKEN_LEN];
	bool			to_send;	/* its NEW_CONNECTION_ID */
};

/* One of the peer's. */
struct quic_cid_remote {
	bool			set;
	bool			has_token;
	u64			seq;
	struct quic_conn_id	cid;
	u8			token[QUIC_RESET_TOKEN_LEN];
};

/* A RETIRE_CONNECTION_ID we owe the peer until it is acknowledged. */
struct quic_cid_retire {
	u64			seq;
	bool			to_send;
};

struct quic_reset_entry;

struct quic_cid_set {
	struct quic_cid_local	local[QUIC_CID_LOCAL_SLOTS];
	u64			local_next;	/* the next sequence number */
	u64			local_prior_to;	/* the peer retires below */
	u64			local_active;	/* the one the peer uses */
	u8			local_active_slot;
	struct quic_cid_remote	remote[QUIC_CID_SET_MAX];
	u64			remote_prior_to; /* the largest received */
	u64			remote_active;	/* the one we send to */
	struct quic_cid_retire	retire[QUIC_CID_RETIRE_MAX];
	u32			nretire;
	bool			started;	/* the handshake completed */
	/* The token of the peer's ID we send to, for stateless resets. */
	struct quic_reset_entry	*reset;
};

#endif /* __NET_QUIC_CONN_ID_H */
