// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: per network namespace state and what shows it.
 *
 *   /proc/net/quic/snmp     one "Name value" line per MIB counter, the
 *                           layout of /proc/net/snmp6 (nstat reads it)
 *   /proc/net/quic/sockets  one line per QUIC socket of the namespace
 *   net.quic.{mem,rmem,wmem} the protocol's memory limits (init_net only:
 *                           they hold for every namespace, as udp_mem does)
 *   net.quic.stateless_reset_key  the namespace's key of stateless reset
 *                           tokens (reset.c), 64 hexadecimal digits, 0600
 *
 * The formats are documented in Documentation/quic.rst.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "closing.h"
#include "conn.h"
#include "pernet.h"
#include "reset.h"
#include "socket.h"

unsigned int quic_net_id __read_mostly;

static const struct snmp_mib quic_mib_names[] = {
	SNMP_MIB_ITEM("QuicInDatagrams", QUIC_MIB_IN_DATAGRAMS),
	SNMP_MIB_ITEM("QuicInBytes", QUIC_MIB_IN_BYTES),
	SNMP_MIB_ITEM("QuicInPackets", QUIC_MIB_IN_PACKETS),
	SNMP_MIB_ITEM("QuicInHdrErrors", QUIC_MIB_IN_HDR_ERRORS),
	SNMP_MIB_ITEM("QuicInShortDrops", QUIC_MIB_IN_SHORT_DROPS),
	SNMP_MIB_ITEM("QuicInNoConnDrops", QUIC_MIB_IN_NO_CONN_DROPS),
	SNMP_MIB_ITEM("QuicInDecryptErrors", QUIC_MIB_IN_DECRYPT_ERRORS),
	SNMP_MIB_ITEM("QuicInDuplicates", QUIC_MIB_IN_DUPLICATES),
	SNMP_MIB_ITEM("QuicInNoKeyDrops", QUIC_MIB_IN_NO_KEY_DROPS),
	SNMP_MIB_ITEM("QuicInPendingKeys", QUIC_MIB_IN_PENDING_KEYS),
	SNMP_MIB_ITEM("QuicInVersionDrops", QUIC_MIB_IN_VERSION_DROPS),
	SNMP_MIB_ITEM("QuicVersionMoves", QUIC_MIB_VERSION_MOVES),
	SNMP_MIB_ITEM("QuicPreferredAddressMoves", QUIC_MIB_PREFERRED_MOVES),
	SNMP_MIB_ITEM("QuicInBacklogDrops", QUIC_MIB_IN_BACKLOG_DROPS),
	SNMP_MIB_ITEM("QuicInRcvbufDrops", QUIC_MIB_IN_RCVBUF_DROPS),
	SNMP_MIB_ITEM("QuicListenOverflows", QUIC_MIB_LISTEN_OVERFLOWS),
	SNMP_MIB_ITEM("QuicInRetry", QUIC_MIB_IN_RETRY),
	SNMP_MIB_ITEM("QuicOutRetry", QUIC_MIB_OUT_RETRY),
	SNMP_MIB_ITEM("QuicInTokenInvalid", QUIC_MIB_IN_TOKEN_INVALID),
	SNMP_MIB_ITEM("QuicInVersionNegotiation",
		      QUIC_MIB_IN_VERSION_NEGOTIATION),
	SNMP_MIB_ITEM("QuicOutVersionNegotiation",
		      QUIC_MIB_OUT_VERSION_NEGOTIATION),
	SNMP_MIB_ITEM("QuicInStatelessResets", QUIC_MIB_IN_STATELESS_RESETS),
	SNMP_MIB_ITEM("QuicOutStatelessResets", QUIC_MIB_OUT_STATELESS_RESETS),
	SNMP_MIB_ITEM("QuicClosingKept", QUIC_MIB_CLOSING_KEPT),
	SNMP_MIB_ITEM("QuicOutCloseAgain", QUIC_MIB_OUT_CLOSE_AGAIN),
	SNMP_MIB_ITEM("QuicOutDatagrams", QUIC_MIB_OUT_DATAGRAMS),
	SNMP_MIB_ITEM("QuicOutBytes", QUIC_MIB_OUT_BYTES),
	SNMP_MIB_ITEM("QuicOutPackets", QUIC_MIB_OUT_PACKETS),
	SNMP_MIB_ITEM("QuicOutErrors", QUIC_MIB_OUT_ERRORS),
	SNMP_MIB_ITEM("QuicAmplificationLimited",
		      QUIC_MIB_AMPLIFICATION_LIMITED),
	SNMP_MIB_ITEM("QuicLostPackets", QUIC_MIB_LOST_PACKETS),
	SNMP_MIB_ITEM("QuicRetransFrames", QUIC_MIB_RETRANS_FRAMES),
	SNMP_MIB_ITEM("QuicProbeTimeouts", QUIC_MIB_PTO),
	SNMP_MIB_ITEM("QuicCongestionEvents", QUIC_MIB_CONGESTION_EVENTS),
	SNMP_MIB_ITEM("QuicPersistentCongestion",
		      QUIC_MIB_PERSISTENT_CONGESTION),
	SNMP_MIB_ITEM("QuicPmtuProbes", QUIC_MIB_PMTU_PROBES),
	SNMP_MIB_ITEM("QuicInEcnCe", QUIC_MIB_IN_ECN_CE),
	SNMP_MIB_ITEM("QuicEcnCongestionEvents", QUIC_MIB_ECN_CONGESTION),
	SNMP_MIB_ITEM("QuicEcnCapablePaths", QUIC_MIB_ECN_CAPABLE),
	SNMP_MIB_ITEM("QuicEcnFailedPaths", QUIC_MIB_ECN_FAILED),
	SNMP_MIB_ITEM("QuicHandshakesStarted", QUIC_MIB_HANDSHAKES_STARTED),
	SNMP_MIB_ITEM("QuicHandshakesCompleted",
		      QUIC_MIB_HANDSHAKES_COMPLETED),
	SNMP_MIB_ITEM("QuicHandshakesFailed", QUIC_MIB_HANDSHAKES_FAILED),
	SNMP_MIB_ITEM("QuicCloseSentNoError", QUIC_MIB_CLOSE_SENT_NO_ERROR),
	SNMP_MIB_ITEM("QuicCloseSentTransport", QUIC_MIB_CLOSE_SENT_TRANSPORT),
	SNMP_MIB_ITEM("QuicCloseSentApp", QUIC_MIB_CLOSE_SENT_APP),
	SNMP_MIB_ITEM("QuicCloseRecvNoError", QUIC_MIB_CLOSE_RECV_NO_ERROR),
	SNMP_MIB_ITEM("QuicCloseRecvTransport", QUIC_MIB_CLOSE_RECV_TRANSPORT),
	SNMP_MIB_ITEM("QuicCloseRecvApp", QUIC_MIB_CLOSE_RECV_APP),
	SNMP_MIB_ITEM("QuicCloseIdleTimeout", QUIC_MIB_CLOSE_IDLE_TIMEOUT),
	SNMP_MIB_ITEM("QuicCloseHandshakeTimeout",
		      QUIC_MIB_CLOSE_HANDSHAKE_TIMEOUT),
	SNMP_MIB_ITEM("QuicCloseRefused", QUIC_MIB_CLOSE_REFUSED),
	SNMP_MIB_ITEM("QuicKeyUpdatesLocal", QUIC_MIB_KEY_UPDATES_LOCAL),
	SNMP_MIB_ITEM("QuicKeyUpdatesPeer", QUIC_MIB_KEY_UPDATES_PEER),
	SNMP_MIB_ITEM("QuicConnIdsIssued", QUIC_MIB_CONN_IDS_ISSUED),
	SNMP_MIB_ITEM("QuicConnIdsRetired", QUIC_MIB_CONN_IDS_RETIRED),
	SNMP_MIB_ITEM("QuicPeerConnIdsRetired",
		      QUIC_MIB_PEER_CONN_IDS_RETIRED),
	SNMP_MIB_ITEM("QuicPeerMigrations", QUIC_MIB_PEER_MIGRATIONS),
	SNMP_MIB_ITEM("QuicPathChallenges", QUIC_MIB_PATH_CHALLENGES),
	SNMP_MIB_ITEM("QuicPathsValidated", QUIC_MIB_PATHS_VALIDATED),
	SNMP_MIB_ITEM("QuicPathFailures", QUIC_MIB_PATH_FAILURES),
	SNMP_MIB_ITEM("QuicStreamsOpened", QUIC_MIB_STREAMS_OPENED),
	SNMP_MIB_ITEM("QuicStreamsAccepted", QUIC_MIB_STREAMS_ACCEPTED),
	SNMP_MIB_ITEM("QuicStreamsResetSent", QUIC_MIB_STREAMS_RESET_SENT),
	SNMP_MIB_ITEM("QuicStreamsResetRecv", QUIC_MIB_STREAMS_RESET_RECV),
	SNMP_MIB_ITEM("QuicDataBlockedSent", QUIC_MIB_DATA_BLOCKED_SENT),
	SNMP_MIB_ITEM("QuicStreamDataBlockedSent",
		      QUIC_MIB_STREAM_DATA_BLOCKED_SENT),
	SNMP_MIB_ITEM("QuicStreamsBlockedSent", QUIC_MIB_STREAMS_BLOCKED_SENT),
	SNMP_MIB_ITEM("QuicBlockedRecv", QUIC_MIB_BLOCKED_RECV),
};

static int quic_snmp_show(struct seq_file *seq, void *v)
{
	struct quic_net *qn = quic_net(seq->private);
	int i, cpu;

	BUILD_BUG_ON(ARRAY_SIZE(quic_mib_names) != QUIC_MIB_MAX - 1);
	for (i = 0; i < ARRAY_SIZE(quic_mib_names); i++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(qn->mib, cpu)->mibs[quic_mib_names[i].entry];
		seq_printf(seq, "%-32s\t%lu\n", quic_mib_names[i].name, sum);
	}
	return 0;
}

/*
 * /proc/net/quic/sockets walks the namespace's list under RCU: a socket
 * leaves it in its destroy callback and is freed a grace period later
 * (SOCK_RCU_FREE), and so are its connection (quic_conn_destroy()) and
 * its UDP socket (quic_udp_sock_put()).
 */
void quic_net_sock_add(struct sock *sk)
{
	struct quic_net *qn = quic_net(sock_net(sk));

	spin_lock_bh(&qn->socks_lock);
	hlist_add_head_rcu(&sk->sk_bind_node, &qn->socks);
	spin_unlock_bh(&qn->socks_lock);
}

void quic_net_sock_del(struct sock *sk)
{
	struct quic_net *qn = quic_net(sock_net(sk));

	spin_lock_bh(&qn->socks_lock);
	hlist_del_init_rcu(&sk->sk_bind_node);
	spin_unlock_bh(&qn->socks_lock);
}

static void *quic_socks_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct quic_net *qn = quic_net(seq_file_net(seq));
	struct hlist_node *node;
	loff_t n = *pos;

	rcu_read_lock();
	if (!n)
		return SEQ_START_TOKEN;
	__hlist_for_each_rcu(node, &qn->socks)
		if (!--n)
			return node;
	return NULL;
}

static void *quic_socks_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct quic_net *qn = quic_net(seq_file_net(seq));

	++*pos;
	if (v == SEQ_START_TOKEN)
		return rcu_dereference(hlist_first_rcu(&qn->socks));
	return rcu_dereference(hlist_next_rcu((struct hlist_node *)v));
}

static void quic_socks_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static const char *quic_state_name(int state)
{
	switch (state) {
	case TCP_ESTABLISHED:
		return "ESTABLISHED";
	case TCP_SYN_SENT:
		return "SYN_SENT";
	case TCP_SYN_RECV:
		return "SYN_RECV";
	case TCP_LISTEN:
		return "LISTEN";
	default:
		return "CLOSE";
	}
}

static void quic_socks_addr(struct seq_file *seq, const union quic_addr *a)
{
	if (a->sa.sa_family == AF_INET || a->sa.sa_family == AF_INET6)
		seq_printf(seq, " %pISpc", &a->sa);
	else
		seq_puts(seq, " *");
}

static int quic_socks_show(struct seq_file *seq, void *v)
{
	const struct quic_streams *st;
	const struct quic_conn *c;
	const struct quic_udp_sock *us;
	struct quic_sock *qs;
	int state, rx, tx;
	struct sock *sk;
	const char *role;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "family local peer state role version tx_queue rx_queue uid inode streams scid\n");
		return 0;
	}
	sk = hlist_entry((struct hlist_node *)v, struct sock, sk_bind_node);
	qs = quic_sk(sk);
	/* Pairs with the store of connect() and accept(): a connection is
	 * seen whole.
	 */
	c = smp_load_acquire(&qs->conn);
	state = READ_ONCE(sk->sk_state);
	if (state == TCP_LISTEN)
		role = "listener";
	else if (c)
		role = c->is_server ? "server" : "client";
	else
		role = "-";
	tx = sk_wmem_alloc_get(sk) + READ_ONCE(sk->sk_wmem_queued);
	rx = sk_rmem_alloc_get(sk);

	seq_printf(seq, "%s", sk->sk_family == AF_INET ? "inet" : "inet6");
	/* A listener has its UDP socket's address alone. */
	us = READ_ONCE(qs->udp);
	if (!qs->local.sa.sa_family && us)
		quic_socks_addr(seq, &us->addr);
	else
		quic_socks_addr(seq, &qs->local);
	quic_socks_addr(seq, &qs->peer);
	seq_printf(seq, " %s %s %#010x %d %d %u %lu",
		   quic_state_name(state), role,
		   c ? c->version : READ_ONCE(qs->config.version), tx, rx,
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		   sock_i_ino(sk));
	/* Streams opened so far: ours bidi/uni, then the peer's. */
	if (!c) {
		seq_puts(seq, " 0/0/0/0 -\n");
		return 0;
	}
	st = &c->streams;
	seq_printf(seq, " %llu/%llu/%llu/%llu",
		   READ_ONCE(st->local_next[0]), READ_ONCE(st->local_next[1]),
		   READ_ONCE(st->peer_next[0]), READ_ONCE(st->peer_next[1]));
	/* Our connection ID: what the peer's packets carry. */
	seq_printf(seq, " %*phN\n",
		   min_t(int, READ_ONCE(c->scid.len), QUIC_CONN_ID_MAX_LEN),
		   c->scid.data);
	return 0;
}

static const struct seq_operations quic_socks_ops = {
	.start	= quic_socks_start,
	.next	= quic_socks_next,
	.stop	= quic_socks_stop,
	.show	= quic_socks_show,
};

/*
 * net.quic.stateless_reset_key: read as 64 hexadecimal digits, and set
 * with exactly as many.  A server given the key its predecessor had
 * resets the connections that one left behind.
 */
#ifdef QUIC_HAVE_CONST_CTL_TABLE
static int quic_reset_key_sysctl(const struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
#else
static int quic_reset_key_sysctl(struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
#endif
{
	char hex[2 * QUIC_RESET_KEY_LEN + 2] = {};
	struct ctl_table tbl = { .data = hex, .maxlen = sizeof(hex) };
	struct quic_net *qn = table->data;
	u8 key[QUIC_RESET_KEY_LEN];
	unsigned int seq;
	int err;

	if (!write) {
		do {
			seq = read_seqbegin(&qn->reset_key_lock);
			memcpy(key, qn->reset_key, sizeof(key));
		} while (read_seqretry(&qn->reset_key_lock, seq));
		bin2hex(hex, key, sizeof(key));
		memzero_explicit(key, sizeof(key));
		err = proc_dostring(&tbl, 0, buffer, lenp, ppos);
		memzero_explicit(hex, sizeof(hex));
		return err;
	}
	err = proc_dostring(&tbl, 1, buffer, lenp, ppos);
	if (!err && (strlen(hex) != 2 * QUIC_RESET_KEY_LEN ||
		     hex2bin(key, hex, sizeof(key))))
		err = -EINVAL;
	if (!err) {
		write_seqlock_bh(&qn->reset_key_lock);
		memcpy(qn->reset_key, key, sizeof(key));
		write_sequnlock_bh(&qn->reset_key_lock);
	}
	memzero_explicit(key, sizeof(key));
	memzero_explicit(hex, sizeof(hex));
	return err;
}

static const int quic_closing_max_limit = QUIC_CLOSING_MAX_LIMIT;

static const struct ctl_table quic_net_sysctl_table[] = {
	{
		.procname	= "stateless_reset_key",
		.maxlen		= 2 * QUIC_RESET_KEY_LEN,
		.mode		= 0600,
		.proc_handler	= quic_reset_key_sysctl,
	},
	{
		.procname	= "ecn",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "closing_max",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= (void *)&quic_closing_max_limit,
	},
#ifndef QUIC_HAVE_SYSCTL_SZ
	{ }
#endif
};

static int quic_net_sysctl_init(struct net *net, struct quic_net *qn)
{
	struct ctl_table *t;

	t = kmemdup(quic_net_sysctl_table, sizeof(quic_net_sysctl_table),
		    GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[0].data = qn;
	t[1].data = &qn->ecn;
	t[2].data = &qn->closing_max;
#ifdef QUIC_HAVE_SYSCTL_SZ
	qn->sysctl = register_net_sysctl_sz(net, "net/quic", t,
					    ARRAY_SIZE(quic_net_sysctl_table));
#else
	qn->sysctl = register_net_sysctl(net, "net/quic", t);
#endif
	if (!qn->sysctl) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

static void quic_net_sysctl_exit(struct quic_net *qn)
{
	const struct ctl_table *t = qn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(qn->sysctl);
	kfree(t);
}

static int __net_init quic_net_init_one(struct net *net)
{
	struct quic_net *qn = quic_net(net);

	qn->mib = alloc_percpu(struct quic_mib);
	if (!qn->mib)
		return -ENOMEM;
	INIT_HLIST_HEAD(&qn->socks);
	spin_lock_init(&qn->socks_lock);
	/* Dropped answers are counted (QuicInVersionDrops), not logged. */
	ratelimit_state_init(&qn->vn_limit, HZ, QUIC_VN_PER_SEC);
	ratelimit_set_flags(&qn->vn_limit, RATELIMIT_MSG_ON_RELEASE);
	ratelimit_state_init(&qn->reset_limit, HZ, QUIC_RESET_PER_SEC);
	ratelimit_set_flags(&qn->reset_limit, RATELIMIT_MSG_ON_RELEASE);
	seqlock_init(&qn->reset_key_lock);
	get_random_bytes(qn->reset_key, sizeof(qn->reset_key));
	get_random_bytes(qn->token_key, sizeof(qn->token_key));
	qn->ecn = 1;
	quic_closing_net_init(net);

	qn->proc = proc_net_mkdir(net, "quic", net->proc_net);
	if (!qn->proc)
		goto err;
	if (!proc_create_net_single("snmp", 0444, qn->proc, quic_snmp_show,
				    NULL) ||
	    !proc_create_net("sockets", 0444, qn->proc, &quic_socks_ops,
			     sizeof(struct seq_net_private)))
		goto err_proc;
	if (quic_net_sysctl_init(net, qn))
		goto err_proc;
	return 0;

err_proc:
	remove_proc_subtree("quic", net->proc_net);
err:
	free_percpu(qn->mib);
	return -ENOMEM;
}

static void __net_exit quic_net_exit_one(struct net *net)
{
	struct quic_net *qn = quic_net(net);

	quic_net_sysctl_exit(qn);
	remove_proc_subtree("quic", net->proc_net);
	quic_closing_net_exit(net);
	/* Each socket holds the module; none is left when the netns goes
	 * (a kernel socket's owner closes it first, see include/net/quic.h).
	 */
	WARN_ON_ONCE(!hlist_empty(&qn->socks));
	free_percpu(qn->mib);
}

static struct pernet_operations quic_net_ops = {
	.init	= quic_net_init_one,
	.exit	= quic_net_exit_one,
	.id	= &quic_net_id,
	.size	= sizeof(struct quic_net),
};

int sysctl_quic_rmem[3];
int sysctl_quic_wmem[3];

static int quic_sysctl_min = PAGE_SIZE;
static int quic_sysctl_max = INT_MAX / 2;

static struct ctl_table quic_sysctl_table[] = {
	{
		.procname	= "mem",
		.data		= &sysctl_quic_mem,
		.maxlen		= sizeof(sysctl_quic_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	{
		.procname	= "rmem",
		.data		= &sysctl_quic_rmem,
		.maxlen		= sizeof(sysctl_quic_rmem),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &quic_sysctl_min,
		.extra2		= &quic_sysctl_max,
	},
	{
		.procname	= "wmem",
		.data		= &sysctl_quic_wmem,
		.maxlen		= sizeof(sysctl_quic_wmem),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &quic_sysctl_min,
		.extra2		= &quic_sysctl_max,
	},
#ifndef QUIC_HAVE_SYSCTL_SZ
	{ }
#endif
};

static struct ctl_table_header *quic_sysctl_header;

/**
 * quic_net_init - per namespace state, and the net.quic.* settings
 *
 * The buffer defaults are the kernel's (SK_RMEM_MAX, SK_WMEM_MAX), and
 * their maximums init_net's tcp_rmem[2] and tcp_wmem[2] when the module
 * loads: sockets behave as they did before these settings.
 */
int quic_net_init(void)
{
	int err;

	sysctl_quic_rmem[0] = PAGE_SIZE;
	sysctl_quic_rmem[1] = SK_RMEM_MAX;
	sysctl_quic_rmem[2] = READ_ONCE(init_net.ipv4.sysctl_tcp_rmem[2]);
	sysctl_quic_wmem[0] = PAGE_SIZE;
	sysctl_quic_wmem[1] = SK_WMEM_MAX;
	sysctl_quic_wmem[2] = READ_ONCE(init_net.ipv4.sysctl_tcp_wmem[2]);

	err = register_pernet_subsys(&quic_net_ops);
	if (err)
		return err;
	quic_sysctl_header = register_net_sysctl(&init_net, "net/quic",
						 quic_sysctl_table);
	if (!quic_sysctl_header) {
		unregister_pernet_subsys(&quic_net_ops);
		return -ENOMEM;
	}
	return 0;
}

void quic_net_exit(void)
{
	unregister_net_sysctl_table(quic_sysctl_header);
	unregister_pernet_subsys(&quic_net_ops);
}
