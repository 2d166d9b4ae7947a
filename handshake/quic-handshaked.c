// SPDX-License-Identifier: GPL-2.0
/*
 * quic-handshaked: serves the TLS handshakes kernel consumers of QUIC
 * sockets ask for, as tlshd does for kTLS.  See quic-handshaked(8).
 *
 * The main process joins the "tlshd" multicast group of the "handshake"
 * generic-netlink family and, on each READY (and once at start), accepts
 * requests until none is left or max_handshakes run: each ACCEPT hands it
 * a socket as a new descriptor.  A child process per request runs the
 * handshake on it and reports DONE; a request that fails or hangs touches
 * no other (a child that outlives its timeout is killed).  SIGHUP reloads
 * the configuration, SIGTERM and SIGINT end the daemon.
 *
 * Keys: at ACCEPT the kernel links the consumer's keyring into the
 * process keyring of the process that accepted, ours; a child has no
 * process keyring of its own (it is not inherited), so each child gets a
 * fresh session keyring holding the consumer's keyring, and possesses
 * that keyring and its keys as the consumer meant the daemon to.  The
 * daemon starts in a session keyring of its own, so that it possesses
 * nothing of whoever started it.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <keyutils.h>

#include "hsd.h"

int hsd_loglevel;
static bool log_stderr;

void hsd_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > hsd_loglevel)
		return;
	va_start(ap, fmt);
	if (log_stderr) {
		fprintf(stderr, "quic-handshaked[%d]: ", getpid());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(level == 0 ? LOG_ERR : level == 1 ? LOG_INFO :
			LOG_DEBUG, fmt, ap);
	}
	va_end(ap);
}

/* A running handshake: its child and when it must be over. */
struct child {
	pid_t pid;
	struct timespec deadline;
};

static struct hsd_config cfg;
static struct nl_sock *mon, *acc;	/* READY comes on @mon; ACCEPT on @acc */
static const char *cfg_path = HSD_CONFIG_PATH;
static struct child *children;
static unsigned int nchildren;
static int family;

static struct nl_sock *nl_open(bool group)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, rcvbuf = 8 << 20;

	if (!sk)
		return NULL;
	if (genl_connect(sk))
		goto fail;
	family = genl_ctrl_resolve(sk, HSD_FAMILY_NAME);
	if (family < 0) {
		hsd_log(0, "no \"%s\" netlink family: is quic.ko loaded?",
			HSD_FAMILY_NAME);
		goto fail;
	}
	if (group) {
		grp = genl_ctrl_resolve_grp(sk, HSD_FAMILY_NAME,
					    HSD_MCGRP_TLSHD);
		if (grp < 0 || nl_socket_add_membership(sk, grp))
			goto fail;
		nl_socket_disable_seq_check(sk);
		/*
		 * A burst of requests is a burst of READYs; one that finds
		 * the queue full is lost (and net/handshake then fails its
		 * request with ESRCH, as if no daemon ran; quic.ko submits
		 * it again 100 ms later).  Room for thousands; a loss is
		 * still noticed below.
		 */
		if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUFFORCE,
			       &rcvbuf, sizeof(rcvbuf)))
			hsd_log(0, "SO_RCVBUFFORCE: %s", strerror(errno));
	} else {
		/* One answer per request: the reply, or the error. */
		nl_socket_disable_auto_ack(sk);
	}
	return sk;
fail:
	nl_socket_free(sk);
	return NULL;
}

/* ACCEPT's reply, kept by the callback for the caller. */
struct accepted {
	struct hsd_request req;
	int err;
	bool got;
};

static int on_accept_reply(struct nl_msg *msg, void *arg)
{
	struct accepted *a = arg;

	a->err = hsd_parse_accept(nlmsg_hdr(msg), &a->req);
	a->got = true;
	return NL_OK;
}

/* Report an outcome on @sockfd, from the process that holds it. */
static void send_done(int sockfd, int status, int32_t peerid)
{
	struct nl_sock *sk = nl_open(false);
	struct nl_msg *msg;
	int err = -ENOMEM;

	if (!sk) {
		hsd_log(0, "fd %d: cannot report: no netlink", sockfd);
		return;
	}
	msg = hsd_build_done(family, sockfd, status, peerid);
	if (msg) {
		err = nl_send_sync(sk, msg);	/* frees msg */
		if (err)
			hsd_log(0, "fd %d: DONE: %s", sockfd, nl_geterror(err));
	}
	nl_socket_free(sk);
}

static void run_child(const struct hsd_request *req)
{
	int32_t peerid = 0;
	sigset_t all;
	int status;

	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* The group is the parent's: a child must not look like a daemon. */
	nl_socket_free(mon);
	nl_socket_free(acc);

	/* The kernel gives up at the timeout; so do we, a little after. */
	if (req->timeout_ms)
		alarm(req->timeout_ms / 1000 + 2);
	status = hsd_handshake(&cfg, req, &peerid);
	hsd_log(status ? 0 : 1, "fd %d: %s %s handshake: %s", req->sockfd,
		req->msg_type == HSD_MSG_SERVERHELLO ? "server" : "client",
		req->auth_mode == HSD_AUTH_PSK ? "PSK" : "x509",
		status ? strerror(status) : "done");
	send_done(req->sockfd, status, peerid);
	_exit(0);
}

static void child_started(pid_t pid, unsigned int timeout_ms)
{
	struct child *c = &children[nchildren++];

	c->pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	/* A child past its request's timeout (or a minute) is stuck. */
	c->deadline.tv_sec += (timeout_ms ? timeout_ms / 1000 : 60) + 5;
}

/*
 * The keyring the kernel linked into our process keyring at ACCEPT, or 0:
 * made the one key of a new session keyring, which the child inherits;
 * the process keyring is emptied for the next request.
 */
static int32_t adopt_keyring(void)
{
	key_serial_t *ids = NULL, ring = 0;
	char *desc;
	long n, i;

	n = keyctl_read_alloc(KEY_SPEC_PROCESS_KEYRING, (void **)&ids);
	for (i = 0; i < n / (long)sizeof(*ids); i++) {
		desc = NULL;
		if (keyctl_describe_alloc(ids[i], &desc) >= 0 &&
		    !strncmp(desc, "keyring;", 8))
			ring = ids[i];
		free(desc);
	}
	free(ids);
	if (n <= 0)
		return 0;
	if (ring && (keyctl_join_session_keyring(NULL) < 0 ||
		     keyctl_link(ring, KEY_SPEC_SESSION_KEYRING) < 0)) {
		hsd_log(0, "keyring %d: %s", ring, strerror(errno));
		ring = 0;
	}
	keyctl_clear(KEY_SPEC_PROCESS_KEYRING);
	return ring;
}

/* Take one request; false when none waits (or on error). */
static bool accept_one(struct nl_sock *sk)
{
	struct accepted a = { .err = -ENOMSG };
	struct nl_msg *msg;
	pid_t pid;
	int err;

	msg = nlmsg_alloc();
	if (!msg)
		return false;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 HSD_CMD_ACCEPT, 1) ||
	    nla_put_u32(msg, HSD_A_ACCEPT_HANDLER_CLASS, HSD_CLASS_TLSHD)) {
		nlmsg_free(msg);
		return false;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_accept_reply, &a);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (err < 0) {
		/* EAGAIN: nothing waits. */
		if (err != -NLE_AGAIN)
			hsd_log(1, "ACCEPT: %s", nl_geterror(err));
		return false;
	}
	if (!a.got)
		return false;
	if (a.err) {
		hsd_log(0, "a request the daemon cannot read (%s)",
			strerror(-a.err));
		if (a.req.sockfd >= 0) {
			send_done(a.req.sockfd, EINVAL, 0);
			close(a.req.sockfd);
		}
		return true;
	}
	a.req.keyring = adopt_keyring();
	hsd_log(2, "fd %d: request: type %u auth %u timeout %u ms peer \"%s\" keyring %d",
		a.req.sockfd, a.req.msg_type, a.req.auth_mode,
		a.req.timeout_ms, a.req.peername, a.req.keyring);
	pid = fork();
	if (pid < 0) {
		hsd_log(0, "fork: %s", strerror(errno));
		send_done(a.req.sockfd, EIO, 0);
	} else if (!pid) {
		run_child(&a.req);
	} else {
		child_started(pid, a.req.timeout_ms);
	}
	close(a.req.sockfd);
	return true;
}

static void accept_all(struct nl_sock *acc)
{
	while (nchildren < cfg.max_handshakes && accept_one(acc))
		;
}

static void reap(void)
{
	unsigned int i;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < nchildren; i++) {
			if (children[i].pid == pid) {
				children[i] = children[--nchildren];
				break;
			}
		}
	}
}

static void kill_stuck(void)
{
	struct timespec now;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < nchildren; i++)
		if (now.tv_sec > children[i].deadline.tv_sec)
			kill(children[i].pid, SIGKILL);
}

static int on_notify(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));

	if (g->cmd == HSD_CMD_READY)
		*(bool *)arg = true;
	return NL_OK;
}

static int load_config(void)
{
	struct hsd_config next;
	char err[256] = "";

	if (hsd_config_load(cfg_path, &next, err, sizeof(err))) {
		hsd_log(0, "%s: %s", cfg_path, err);
		return -1;
	}
	cfg = next;
	if (cfg.loglevel > hsd_loglevel)
		hsd_loglevel = cfg.loglevel;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: quic-handshaked [-c config] [-s] [-v]...\n"
		   "  -c FILE  the configuration (default %s)\n"
		   "  -s       log to stderr instead of syslog\n"
		   "  -v       more log (twice: debug)\n", HSD_CONFIG_PATH);
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2];
	bool ready = true;	/* requests may wait from before we came */
	sigset_t sigs;
	int sfd, opt, verbose = 0;
	struct signalfd_siginfo si;

	while ((opt = getopt(argc, argv, "c:svh")) != -1) {
		switch (opt) {
		case 'c':
			cfg_path = optarg;
			break;
		case 's':
			log_stderr = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!log_stderr)
		openlog("quic-handshaked", LOG_PID, LOG_DAEMON);
	hsd_loglevel = verbose;
	if (load_config())
		return 1;
	/* Possess only the keys consumers hand over (see the top). */
	if (keyctl_join_session_keyring(NULL) < 0)
		hsd_log(0, "session keyring: %s", strerror(errno));
	children = calloc(1024, sizeof(*children));
	if (!children)
		return 1;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	mon = nl_open(true);
	acc = nl_open(false);
	if (sfd < 0 || !mon || !acc)
		return 1;
	nl_socket_modify_cb(mon, NL_CB_VALID, NL_CB_CUSTOM, on_notify, &ready);
	hsd_log(1, "serving handshake requests (at most %u at once)",
		cfg.max_handshakes);

	for (;;) {
		if (ready) {
			ready = false;
			accept_all(acc);
		}
		pfd[0].fd = nl_socket_get_fd(mon);
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, nchildren ? 1000 : -1) < 0 && errno != EINTR)
			break;
		/* An error (ENOBUFS: READYs lost): look for requests anyway. */
		if ((pfd[0].revents & POLLIN) && nl_recvmsgs_default(mon) < 0)
			ready = true;
		kill_stuck();
		if (!(pfd[1].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			/* Room again: take what waited meanwhile. */
			ready = true;
			break;
		case SIGHUP:
			hsd_log(1, "reloading %s", cfg_path);
			load_config();
			break;
		default:
			hsd_log(1, "exiting");
			return 0;
		}
	}
	return 1;
}
