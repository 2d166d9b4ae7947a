// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUIC: module glue.  Registers IPPROTO_QUIC for AF_INET and AF_INET6, for
 * SOCK_STREAM and SOCK_DGRAM.
 *
 * Every socket holds a reference on this module (through the proto_ops
 * owner), so the module cannot go while a QUIC socket exists.
 */

#include <linux/module.h>
#include <linux/net.h>
#include <net/inet_common.h>
#include <net/protocol.h>
#include <net/ipv6.h>
#include <net/transp_v6.h>

#include "crypto.h"
#include "handshake.h"
#include "pernet.h"
#include "reset.h"
#include "socket.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Check packet protection against the RFC samples at load");

#ifdef QUIC_HAVE_PROTO_ACCEPT_ARG
static int quic_inet_accept(struct socket *sock, struct socket *newsock,
			    struct proto_accept_arg *arg)
{
	return quic_do_accept(sock, newsock, arg->flags, arg->kern);
}
#else
static int quic_inet_accept(struct socket *sock, struct socket *newsock,
			    int flags, bool kern)
{
	return quic_do_accept(sock, newsock, flags, kern);
}
#endif

static const struct proto_ops quic_proto_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= quic_inet_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= quic_inet_accept,
	.getname	= quic_inet_getname,
	.poll		= quic_inet_poll,
	.ioctl		= inet_ioctl,
	.listen		= quic_inet_listen,
	.shutdown	= quic_inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
};

static const struct proto_ops quicv6_proto_ops = {
	.family		= PF_INET6,
	.owner		= THIS_MODULE,
	.release	= inet6_release,
	.bind		= inet6_bind,
	.connect	= quic_inet_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= quic_inet_accept,
	.getname	= quic_inet6_getname,
	.poll		= quic_inet_poll,
	.ioctl		= inet6_ioctl,
	.listen		= quic_inet_listen,
	.shutdown	= quic_inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct inet_protosw quic_protosw[] = {
	{
		.type		= SOCK_STREAM,
		.protocol	= IPPROTO_QUIC,
		.prot		= &quic_prot,
		.ops		= &quic_proto_ops,
	},
	{
		.type		= SOCK_DGRAM,
		.protocol	= IPPROTO_QUIC,
		.prot		= &quic_prot,
		.ops		= &quic_proto_ops,
	},
};

static struct inet_protosw quicv6_protosw[] = {
	{
		.type		= SOCK_STREAM,
		.protocol	= IPPROTO_QUIC,
		.prot		= &quicv6_prot,
		.ops		= &quicv6_proto_ops,
	},
	{
		.type		= SOCK_DGRAM,
		.protocol	= IPPROTO_QUIC,
		.prot		= &quicv6_prot,
		.ops		= &quicv6_proto_ops,
	},
};

static void quic_protosw_unregister(struct inet_protosw *sw, int n, bool v6)
{
	while (n--) {
		if (v6)
			inet6_unregister_protosw(&sw[n]);
		else
			inet_unregister_protosw(&sw[n]);
	}
}

struct workqueue_struct *quic_wq;

static int __init quic_init(void)
{
	int i, err;

	quic_wq = alloc_workqueue("quic", WQ_UNBOUND, 0);
	if (!quic_wq)
		return -ENOMEM;
	err = quic_crypto_init();
	if (err)
		goto wq_exit;
	if (selftest) {
		err = quic_crypto_selftest();
		if (err)
			goto crypto_exit;
	}

	err = quic_hs_nl_init();
	if (err)
		goto crypto_exit;
	quic_mem_init();
	quic_reset_init();
	err = quic_net_init();
	if (err)
		goto hs_exit;
	quic_v6_prot_init();
	err = proto_register(&quic_prot, 1);
	if (err)
		goto net_exit;
	err = proto_register(&quicv6_prot, 1);
	if (err)
		goto unreg_prot;

	for (i = 0; i < ARRAY_SIZE(quic_protosw); i++)
		inet_register_protosw(&quic_protosw[i]);
	for (i = 0; i < ARRAY_SIZE(quicv6_protosw); i++) {
		err = inet6_register_protosw(&quicv6_protosw[i]);
		if (err)
			goto unreg_sw;
	}
	pr_info("quic: IPPROTO_QUIC (%d) registered\n", IPPROTO_QUIC);
	return 0;

unreg_sw:
	quic_protosw_unregister(quicv6_protosw, i, true);
	quic_protosw_unregister(quic_protosw, ARRAY_SIZE(quic_protosw), false);
	proto_unregister(&quicv6_prot);
unreg_prot:
	proto_unregister(&quic_prot);
net_exit:
	quic_net_exit();
hs_exit:
	quic_hs_nl_exit();
crypto_exit:
	quic_crypto_exit();
wq_exit:
	destroy_workqueue(quic_wq);
	return err;
}

static void __exit quic_exit(void)
{
	quic_protosw_unregister(quicv6_protosw, ARRAY_SIZE(quicv6_protosw),
				true);
	quic_protosw_unregister(quic_protosw, ARRAY_SIZE(quic_protosw), false);
	/* No socket is left (each pins the module); wait for RCU readers. */
	quic_udp_exit();
	proto_unregister(&quicv6_prot);
	proto_unregister(&quic_prot);
	quic_net_exit();
	quic_hs_nl_exit();
	quic_crypto_exit();
	destroy_workqueue(quic_wq);
	pr_info("quic: unloaded\n");
}

module_init(quic_init);
module_exit(quic_exit);

MODULE_ALIAS("net-pf-" __stringify(PF_INET) "-proto-261");
MODULE_ALIAS("net-pf-" __stringify(PF_INET6) "-proto-261");
MODULE_DESCRIPTION("QUIC protocol (RFC 9000) sockets");
MODULE_LICENSE("GPL");
