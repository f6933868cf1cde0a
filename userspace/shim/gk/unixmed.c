// SPDX-License-Identifier: GPL-2.0
// unixmed.c - AF_UNIX sockets through the init's mediator: the placeholder and the requests.
#include <linux/fcntl.h>

#include "net.h"

/*
 * With the host's "/" as the rootfs, AF_UNIX stream and seqpacket sockets go
 * through the init's mediator (../unixmed.c): the workload never holds one that
 * can still name a peer.
 */
int gk_unixmed_on(void)
{
	return gk_net_ok() && (gk.boot.flags & GK_BOOT_F_UNIXMED);
}

int gk_unix_is_ph(long fd)
{
	return gk_fd_kind(fd) == GK_FDK_UNIXPH;
}

/* Bound through the mediator, listen() not called yet: no connect of its own. */
int gk_unix_is_bound(long fd)
{
	return gk_fd_kind(fd) == GK_FDK_UNIXBOUND;
}

/*
 * socket(AF_UNIX, SOCK_STREAM or SOCK_SEQPACKET) through the mediator: one end
 * of a pair whose other end is closed at once.  It is connected for good
 * (connect is EISCONN, an address on a send EISCONN, listen EINVAL), so it
 * names no peer whatever a gate jump does with it; options and flags set on
 * it go over to the socket the mediator hands back (unixmed_install).
 */
long gk_unix_placeholder(long typeflags)
{
	int fds[2];
	long r = hs4(__NR_socketpair, KN_AF_UNIX, typeflags, 0, fds);

	if (r < 0)
		return r;
	gk_fd_host(fds[1]);
	hs1(__NR_close, fds[1]);
	r = gk_net_fd_new(fds[0]);
	if (r >= 0)
		gk_fd_setkind(r, GK_FDK_UNIXPH);
	return r;
}

#define UM_CMSG_LEN 20		/* CMSG_LEN(sizeof(int)) */
#define UM_CMSG_SPACE 24	/* CMSG_SPACE(sizeof(int)) */
#define UM_SO_TYPE 3
#define UM_MSG_CMSG_CLOEXEC 0x40000000

struct um_iov {
	void *base;
	unsigned long len;
};

long gk_unix_ph_type(long fd)
{
	int v = 0, len = sizeof(v);
	long r = hs5(__NR_getsockopt, fd, KN_SOL_SOCKET, UM_SO_TYPE, &v, &len);

	return r < 0 ? r : v;
}

static int ph_passcred(long fd)
{
	int v = 0, len = sizeof(v);

	return hs5(__NR_getsockopt, fd, KN_SOL_SOCKET, 16 /* SO_PASSCRED */, &v, &len) == 0 && v;
}

/*
 * One request: a fresh seqpacket pair, one end sent along (SCM_RIGHTS) for
 * the answer, so replies never mix between threads or processes.  The
 * socket the init made, or -errno (its errno: ENOENT, ECONNREFUSED, EAGAIN...).
 */
static long unixmed_call(const struct gk_call *c, struct kum_req *q)
{
	char cbuf[UM_CMSG_SPACE] __attribute__((aligned(8)));
	struct net_cmsg *h = (struct net_cmsg *)cbuf;
	struct kum_reply rep;
	struct um_iov iov = { q, sizeof(*q) };
	struct net_msghdr m = { NULL, 0, &iov, 1, cbuf, UM_CMSG_SPACE, 0 };
	long a[6] = { GK_FD_UNIXMED, (long)&m, KN_MSG_NOSIGNAL, 0, 0, 0 }, r;
	int pair[2], fd = -1;

	r = hs4(__NR_socketpair, KN_AF_UNIX, KN_SOCK_SEQPACKET | KN_SOCK_CLOEXEC, 0, pair);
	if (r < 0)
		return r;
	gk_fd_host(pair[0]);
	gk_fd_host(pair[1]);
	memset(cbuf, 0, sizeof(cbuf));
	h->len = UM_CMSG_LEN;
	h->level = KN_SOL_SOCKET;
	h->type = KN_SCM_RIGHTS;
	memcpy(h + 1, &pair[1], sizeof(int));
	r = gk_host_blocking(__NR_sendmsg, a, c);
	hs1(__NR_close, pair[1]);
	if (r < 0) {
		hs1(__NR_close, pair[0]);
		return r == -EINTR ? r : -ECONNREFUSED;	/* no init to ask: none listens */
	}
	iov.base = &rep;
	iov.len = sizeof(rep);
	m.controllen = UM_CMSG_SPACE;
	m.flags = 0;
	a[0] = pair[0];
	a[2] = UM_MSG_CMSG_CLOEXEC;
	r = gk_host_blocking(__NR_recvmsg, a, c);
	hs1(__NR_close, pair[0]);
	if (r >= 0 && m.controllen >= UM_CMSG_LEN && h->level == KN_SOL_SOCKET &&
	    h->type == KN_SCM_RIGHTS)
		memcpy(&fd, h + 1, sizeof(int));
	if (fd >= 0)
		gk_fd_host(fd);
	if (r == (long)sizeof(rep) && rep.err == 0 && fd >= 0)
		return fd;
	if (fd >= 0)
		hs1(__NR_close, fd);
	if (r < 0)
		return r;
	if (r != (long)sizeof(rep))
		return -ECONNREFUSED;
	if (rep.err == 0)
		return (m.flags & KN_MSG_CTRUNC) ? -EMFILE : -EIO;
	return rep.err > 0 && rep.err < 4096 ? -rep.err : -EIO;
}

/*
 * The request for @op on placeholder @fd to address @na, checked as the
 * kernel checks it (unix_validate_addr: EINVAL), with the guest cwd a
 * relative name resolves from.
 */
static long unixmed_req(struct kum_req *q, unsigned int op, long fd, const struct net_addr *na)
{
	long n = na->len - 2, type = gk_unix_ph_type(fd), mask;

	if (type < 0)
		return type;
	if (na->len < 2 || *(const unsigned short *)na->b != KN_AF_UNIX || na->len > NET_UN_MAX)
		return -EINVAL;
	if (n == 0 && op == KUM_CONNECT)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->magic = KUM_MAGIC;
	q->op = op;
	q->type = (unsigned int)type;
	q->backlog = 0;		/* listen() sets the real one */
	if (ph_passcred(fd))
		q->flags |= KUM_F_PASSCRED;
	mask = hs1(__NR_umask, 0);
	hs1(__NR_umask, mask);
	q->umask = (unsigned int)mask & 0777;
	q->cwdlen = (unsigned int)gk_strlcpy(q->cwd, gk.cwd, sizeof(q->cwd));
	if (q->cwdlen >= KUM_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(q->addr, na->b + 2, n);
	q->addrlen = (unsigned int)n;
	if (n > 0 && na->b[2]) {
		char path[KUM_SUN_MAX + 1];

		/* A pathname ends at its first NUL, as the kernel reads it. */
		memcpy(path, q->addr, n);
		path[n] = 0;
		q->addrlen = (unsigned int)strlen(path);
		memset(q->addr + q->addrlen, 0, KUM_SUN_MAX - q->addrlen);
	}
	return 0;
}

/*
 * The mediator's socket @s takes the placeholder's place: the same number,
 * its close-on-exec and status flags, and the options a caller sets before
 * connect or bind (credentials passing, time-outs).
 */
static long unixmed_install(long ph, long s, int kind)
{
	static const int opts[] = { 16 /* PASSCRED */, 20 /* RCVTIMEO_OLD */,
				    21 /* SNDTIMEO_OLD */ };
	long fl = hs2(__NR_fcntl, ph, F_GETFL), fdfl = hs2(__NR_fcntl, ph, F_GETFD), r;
	unsigned long i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		long v[2] = { 0, 0 };
		int len = sizeof(v);

		if (hs5(__NR_getsockopt, ph, KN_SOL_SOCKET, opts[i], v, &len) == 0)
			hs5(__NR_setsockopt, s, KN_SOL_SOCKET, opts[i], v, len);
	}
	if (fl >= 0)	/* never O_ASYNC, which the filter refuses (fcntl.c) */
		hs3(__NR_fcntl, s, F_SETFL, fl & ~(long)FASYNC);
	r = hs3(__NR_dup3, s, ph, fdfl >= 0 && (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
	hs1(__NR_close, s);
	if (r < 0)
		return r;
	gk_fd_setkind(ph, kind);
	return 0;
}

/*
 * A connect from a socket the workload bound: the mediator binds the new
 * socket to the same name (its socket file replaced) before it connects.
 * An abstract name stays taken by the bound socket: EADDRINUSE.
 */
static long unixmed_rebind(long fd, struct kum_req *q)
{
	struct net_addr me;
	int len = sizeof(me.b);
	long r = hs3(__NR_getsockname, fd, me.b, &len);

	if (r < 0)
		return r;
	if (len <= 2 || len > NET_UN_MAX)
		return -EINVAL;
	q->flags |= KUM_F_BIND;
	q->bindlen = (unsigned int)(len - 2);
	memcpy(q->bindaddr, me.b + 2, q->bindlen);
	if (q->bindaddr[0]) {
		char path[KUM_SUN_MAX + 1];

		memcpy(path, q->bindaddr, q->bindlen);
		path[q->bindlen] = 0;
		q->bindlen = (unsigned int)strlen(path);
	}
	return 0;
}

/* Asks the mediator; a blocking socket waits (2 ms steps) while the listener is full. */
long gk_unixmed_do(struct gk_call *c, unsigned int op)
{
	struct kum_req q;
	struct net_addr na;
	struct {
		long sec, nsec;
	} ts = { 0, NET_RETRY_NS };
	long fd = c->a[0], sl[6] = { (long)&ts, 0, 0, 0, 0, 0 }, fl, s;
	int kind = gk_fd_kind(fd);

	s = gk_net_addr_in(&na, (const void *)c->a[1], c->a[2]);
	if (s == 0 && !na.len)
		s = -EFAULT;	/* a NULL address */
	if (s == 0)
		s = unixmed_req(&q, op, fd, &na);
	if (s == 0 && kind == GK_FDK_UNIXBOUND)
		s = unixmed_rebind(fd, &q);
	if (s < 0)
		return s;
	fl = hs2(__NR_fcntl, fd, F_GETFL);
	if (fl < 0)
		return fl;
	for (;;) {
		s = unixmed_call(c, &q);
		if (s != -EAGAIN || (fl & O_NONBLOCK) || op != KUM_CONNECT)
			break;
		if (gk_host_blocking(__NR_nanosleep, sl, c) == -EINTR)
			return -EINTR;
	}
	if (s < 0)
		return s;
	/* Closed or replaced while the big lock was let go: nothing to install into. */
	if (gk_fd_kind(fd) != kind) {
		hs1(__NR_close, s);
		return -EBADF;
	}
	return unixmed_install(fd, s, op == KUM_BIND ? GK_FDK_UNIXBOUND : 0);
}

/* What an unconnected AF_UNIX socket answers a send or receive (the placeholder is no such). */
long gk_unix_ph_unconnected(long fd, int addressed)
{
	if (gk_unix_ph_type(fd) == KN_SOCK_STREAM)
		return addressed ? -EOPNOTSUPP : -ENOTCONN;
	return -ENOTCONN;
}

/*
 * listen() on a pathname socket the mediator bound: it refuses connections
 * until now (as a bound socket that does not listen), so the mediator makes
 * one that listens under the same name (its socket file replaced).
 */
long gk_unixmed_listen(struct gk_call *c)
{
	struct kum_req q;
	struct net_addr me;
	int len = sizeof(me.b);
	long fd = c->a[0], s = hs3(__NR_getsockname, fd, me.b, &len);

	if (s < 0)
		return s;
	me.len = len;
	if (len <= 2 || !me.b[2])
		return 1;	/* abstract: the bound socket listens already */
	s = unixmed_req(&q, KUM_BIND, fd, &me);
	if (s < 0)
		return s;
	q.flags |= KUM_F_LISTEN;
	q.backlog = (int)c->a[1];
	s = unixmed_call(c, &q);
	if (s < 0)
		return s;
	if (!gk_unix_is_bound(fd)) {
		hs1(__NR_close, s);
		return -EBADF;
	}
	return unixmed_install(fd, s, 0);
}
