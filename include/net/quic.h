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

#include <linux/key.h>
#include <linux/quic.h>

struct sock;
struct socket;

int quic_kernel_setsockopt(struct sock *sk, int optname, const void *optval,
			   unsigned int optlen);
int quic_kernel_getsockopt(struct sock *sk, int optname, void *optval,
			   int *optlen);

/*
 * The TLS handshake, done by a daemon in userspace (handshake/, the role
 * tlshd plays for kTLS) over the kernel's "handshake" generic-netlink
 * family: net/handshake where the kernel has it, else the same family
 * provided by quic.ko.  Documentation/handshake.rst has the details.
 */

#define QUIC_HANDSHAKE_MAX_PEERIDS	5
/* The timeout when a consumer gives none (ms). */
#define QUIC_HANDSHAKE_TIMEOUT		30000

/**
 * struct quic_handshake_args - a handshake a consumer asks for
 * @sock: the QUIC socket: a client connect()ed, or one accept()ed; it must
 *	  have a file (sock_alloc_file()), through which the daemon gets it
 * @done: called once with the outcome, in process context (see below)
 * @data: passed to @done
 * @peername: the server's name, checked against its certificate (client,
 *	      x509); may be NULL
 * @timeout_ms: the daemon has this long; 0 means %QUIC_HANDSHAKE_TIMEOUT
 * @keyring: a keyring the daemon may read the keys below from, or 0
 * @cert: x509: our certificate, a key serial (0: the daemon's default)
 * @privkey: x509: our private key, a key serial (0: the daemon's default)
 * @num_peerids: PSK: how many of @peerids are set (at least one)
 * @peerids: PSK: the key serials of the PSKs, their descriptions the
 *	     identities
 *
 * The ALPN list and the transport parameters are the socket's: set them
 * (QUIC_SOCKOPT_ALPN, QUIC_SOCKOPT_TRANSPORT_PARAM) before asking.
 *
 * @done's status: 0 (established), -EACCES (the peer was rejected: its
 * certificate or PSK did not pass), -ETIMEDOUT (no daemon answered within
 * the timeout, whether none was running or it did not finish; the socket
 * is then shut down), -EIO (the handshake failed).  -ECANCELED is never
 * reported: quic_handshake_cancel() says so itself.  @peerid is the key
 * serial of the peer's identity, or 0.
 *
 * To close the socket while its handshake is under way: cancel, then
 * kernel_sock_shutdown(SHUT_RDWR) (a daemon that has the socket stops),
 * then release it.
 */
struct quic_handshake_args {
	struct socket	*sock;
	void		(*done)(void *data, int status, key_serial_t peerid);
	void		*data;
	const char	*peername;
	unsigned int	timeout_ms;
	key_serial_t	keyring;
	key_serial_t	cert;
	key_serial_t	privkey;
	unsigned int	num_peerids;
	key_serial_t	peerids[QUIC_HANDSHAKE_MAX_PEERIDS];
};

int quic_client_handshake_x509(const struct quic_handshake_args *args);
int quic_client_handshake_psk(const struct quic_handshake_args *args);
int quic_server_handshake_x509(const struct quic_handshake_args *args);
int quic_server_handshake_psk(const struct quic_handshake_args *args);
bool quic_handshake_cancel(struct socket *sock);

#endif /* _NET_QUIC_H */
