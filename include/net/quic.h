/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QUIC for kernel consumers.
 *
 * A kernel user makes QUIC sockets as it makes TCP ones:
 * sock_create_kern(net, AF_INET or AF_INET6, SOCK_DGRAM or SOCK_STREAM,
 * IPPROTO_QUIC, &sock), then kernel_bind(), kernel_connect(),
 * kernel_listen(), kernel_accept(), kernel_sendmsg() and kernel_recvmsg()
 * (with a %QUIC_STREAM_INFO or %QUIC_HANDSHAKE_INFO cmsg in a kernel
 * buffer), kernel_sock_shutdown() and sock_release(), with the meanings
 * they have for userspace (Documentation/quic.rst, quic(7)).
 *
 * Options: sock->ops->setsockopt() takes a kernel pointer already
 * (KERNEL_SOCKPTR()); getsockopt() does not, so the options of level
 * %SOL_QUIC are read, and may be set, through the calls below.
 */

#ifndef _NET_QUIC_H
#define _NET_QUIC_H

#include <linux/quic.h>

struct sock;

int quic_kernel_setsockopt(struct sock *sk, int optname, const void *optval,
			   unsigned int optlen);
int quic_kernel_getsockopt(struct sock *sk, int optname, void *optval,
			   int *optlen);

#endif /* _NET_QUIC_H */
