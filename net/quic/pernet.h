/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC: what each network namespace holds: the MIB counters of
 * /proc/net/quic/snmp, the list of sockets of /proc/net/quic/sockets, and
 * the net.quic.* settings.  Every layer above the wire counts here.
 */

#ifndef __NET_QUIC_PERNET_H
#define __NET_QUIC_PERNET_H

#include <linux/ratelimit.h>
#include <linux/seqlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/snmp.h>

/*
 * The counters, in the order /proc/net/quic/snmp prints them (its names
 * are in pernet.c).  Each is counted where the event happens.
 */
enum {
	QUIC_MIB_NUM = 0,
	/* Receiving: datagrams from the UDP socket, the packets in them. */
	QUIC_MIB_IN_DATAGRAMS,		/* datagrams the UDP socket handed us */
	QUIC_MIB_IN_BYTES,		/* their UDP payload bytes */
	QUIC_MIB_IN_PACKETS,		/* packets opened and processed */
	QUIC_MIB_IN_HDR_ERRORS,		/* a header that does not parse */
	QUIC_MIB_IN_SHORT_DROPS,	/* a new connection's datagram < 1200 */
	QUIC_MIB_IN_NO_CONN_DROPS,	/* no connection, no listener */
	QUIC_MIB_IN_DECRYPT_ERRORS,	/* header or payload did not open */
	QUIC_MIB_IN_DUPLICATES,		/* a packet number already received */
	QUIC_MIB_IN_NO_KEY_DROPS,	/* keys discarded, or 0-RTT */
	QUIC_MIB_IN_PENDING_KEYS,	/* kept until its keys come */
	QUIC_MIB_IN_VERSION_DROPS,	/* another version than the conn's */
	QUIC_MIB_VERSION_MOVES,		/* compatible negotiation moved */
	QUIC_MIB_PREFERRED_MOVES,	/* client: to the preferred address */
	QUIC_MIB_IN_BACKLOG_DROPS,	/* the socket's backlog was full */
	QUIC_MIB_IN_RCVBUF_DROPS,	/* data left unacknowledged: rcvbuf */
	QUIC_MIB_LISTEN_OVERFLOWS,	/* a listener's queue was full */
	QUIC_MIB_IN_RETRY,		/* Retry packets acted on */
	QUIC_MIB_OUT_RETRY,		/* Retry packets sent (8.1.2) */
	QUIC_MIB_IN_TOKEN_INVALID,	/* Initials with a token refused */
	QUIC_MIB_IN_VERSION_NEGOTIATION, /* Version Negotiation received */
	QUIC_MIB_OUT_VERSION_NEGOTIATION, /* ... sent */
	QUIC_MIB_IN_STATELESS_RESETS,	/* a peer's reset ended a conn */
	QUIC_MIB_OUT_STATELESS_RESETS,	/* ... sent for an unknown CID */
	QUIC_MIB_CLOSING_KEPT,		/* closing periods outliving close() */
	QUIC_MIB_OUT_CLOSE_AGAIN,	/* CONNECTION_CLOSE sent again */
	/* Sending. */
	QUIC_MIB_OUT_DATAGRAMS,
	QUIC_MIB_OUT_BYTES,		/* UDP payload bytes */
	QUIC_MIB_OUT_PACKETS,
	QUIC_MIB_OUT_ERRORS,		/* no route: the datagram was dropped */
	QUIC_MIB_AMPLIFICATION_LIMITED,	/* a server held to 3x (8.1) */
	/* Loss recovery and congestion control. */
	QUIC_MIB_LOST_PACKETS,		/* declared lost, PMTU probes aside */
	QUIC_MIB_RETRANS_FRAMES,	/* frames sent again after a loss */
	QUIC_MIB_PTO,			/* probe timeouts */
	QUIC_MIB_CONGESTION_EVENTS,	/* recovery periods entered */
	QUIC_MIB_PERSISTENT_CONGESTION,
	QUIC_MIB_PMTU_PROBES,		/* path MTU probes sent */
	QUIC_MIB_IN_ECN_CE,		/* packets that came marked CE */
	QUIC_MIB_ECN_CONGESTION,	/* the peer's CE count rose: recovery */
	QUIC_MIB_ECN_CAPABLE,		/* paths whose ECN marks came through */
	QUIC_MIB_ECN_FAILED,		/* ... did not: no more marks */
	/* Connections. */
	QUIC_MIB_HANDSHAKES_STARTED,
	QUIC_MIB_HANDSHAKES_COMPLETED,
	QUIC_MIB_HANDSHAKES_FAILED,	/* closed before it completed */
	QUIC_MIB_CLOSE_SENT_NO_ERROR,	/* our CONNECTION_CLOSE: NO_ERROR */
	QUIC_MIB_CLOSE_SENT_TRANSPORT,	/* ... a transport error */
	QUIC_MIB_CLOSE_SENT_APP,	/* ... an application close */
	QUIC_MIB_CLOSE_RECV_NO_ERROR,	/* the peer's, in the same kinds */
	QUIC_MIB_CLOSE_RECV_TRANSPORT,
	QUIC_MIB_CLOSE_RECV_APP,
	QUIC_MIB_CLOSE_IDLE_TIMEOUT,
	QUIC_MIB_CLOSE_HANDSHAKE_TIMEOUT,
	QUIC_MIB_CLOSE_REFUSED,		/* ICMP said nothing listens */
	QUIC_MIB_KEY_UPDATES_LOCAL,	/* key updates we started */
	QUIC_MIB_KEY_UPDATES_PEER,	/* ... the peer started */
	QUIC_MIB_CONN_IDS_ISSUED,	/* NEW_CONNECTION_ID, new ones */
	QUIC_MIB_CONN_IDS_RETIRED,	/* of ours, retired by the peer */
	QUIC_MIB_PEER_CONN_IDS_RETIRED,	/* of the peer's, retired by us */
	QUIC_MIB_PEER_MIGRATIONS,	/* the peer moved to a new address */
	QUIC_MIB_PATH_CHALLENGES,	/* PATH_CHALLENGE sent */
	QUIC_MIB_PATHS_VALIDATED,	/* ... answered */
	QUIC_MIB_PATH_FAILURES,		/* a validation that gave up */
	/* Streams and flow control. */
	QUIC_MIB_STREAMS_OPENED,	/* by us */
	QUIC_MIB_STREAMS_ACCEPTED,	/* by the peer */
	QUIC_MIB_STREAMS_RESET_SENT,	/* RESET_STREAM */
	QUIC_MIB_STREAMS_RESET_RECV,
	QUIC_MIB_DATA_BLOCKED_SENT,	/* DATA_BLOCKED */
	QUIC_MIB_STREAM_DATA_BLOCKED_SENT,
	QUIC_MIB_STREAMS_BLOCKED_SENT,
	QUIC_MIB_BLOCKED_RECV,		/* any of the three, from the peer */
	QUIC_MIB_MAX
};

struct quic_mib {
	unsigned long	mibs[QUIC_MIB_MAX];
};

struct quic_net {
	DEFINE_SNMP_STAT(struct quic_mib, mib);
	/* Every QUIC socket of the namespace, for /proc/net/quic/sockets. */
	struct hlist_head	socks;
	spinlock_t		socks_lock;	/* writers of @socks */
	struct proc_dir_entry	*proc;
	/* Answers without a connection: Version Negotiation, and
	 * stateless resets (reset.c) with the key of their tokens.
	 */
	struct ratelimit_state	vn_limit;
	struct ratelimit_state	reset_limit;
	seqlock_t		reset_key_lock;
	u8			reset_key[32];	/* QUIC_RESET_KEY_LEN */
	struct ctl_table_header	*sysctl;	/* net.quic.* */
	int			ecn;	/* net.quic.ecn: mark ECT(0), 1 */
	/* Connections in their closing period after close() (closing.c),
	 * under its lock.
	 */
	u8			token_key[32];	/* address tokens (token.c) */
	struct list_head	closing;
	u32			nclosing;
	int			closing_max;	/* net.quic.closing_max */
};

/* Version Negotiation packets a namespace sends per second, at most. */
#define QUIC_VN_PER_SEC		100

extern unsigned int quic_net_id;

static inline struct quic_net *quic_net(const struct net *net)
{
	return net_generic(net, quic_net_id);
}

/* Any context: the counters are per CPU. */
#define QUIC_INC_STATS(net, field)	\
	SNMP_INC_STATS(quic_net(net)->mib, field)
#define QUIC_ADD_STATS(net, field, val)	\
	SNMP_ADD_STATS(quic_net(net)->mib, field, val)

/* net.quic.rmem and net.quic.wmem, for every namespace: min, default and
 * max, in bytes (net.quic.mem is sysctl_quic_mem, in socket.h).
 */
extern int sysctl_quic_rmem[3];
extern int sysctl_quic_wmem[3];

struct sock;

void quic_net_sock_add(struct sock *sk);
void quic_net_sock_del(struct sock *sk);
int quic_net_init(void);
void quic_net_exit(void);

#endif /* __NET_QUIC_PERNET_H */
