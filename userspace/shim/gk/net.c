// SPDX-License-Identifier: GPL-2.0
// net.c - sockets: served by the host inside the sandbox's network namespace, checked here first.
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <asm/stat.h>
#include <asm/ioctls.h>
#include <asm/statfs.h>

#include "net.h"

static const long sol_socket_opts[] = { KN_SOL_SOCKET_OPTS };
static const long sol_tcp_opts[] = { KN_SOL_TCP_OPTS };
static const long sol_ip_opts[] = { KN_SOL_IP_OPTS };
static const long sol_ipv6_opts[] = { KN_SOL_IPV6_OPTS };
static const long sol_netlink_opts[] = { KN_SOL_NETLINK_OPTS };
static const long sol_udplite_opts[] = { KN_SOL_UDPLITE_OPTS };

/*
 * Sockets need the sandbox's own (or a joined) network namespace: without
 * namespaces the host's network would be the workload's, and pathname
 * sockets would resolve against the host's root.  socketpair stays.
 */
int gk_net_ok(void)
{
	return (gk.boot.flags & GK_BOOT_F_PIDNS) && gk.boot.proc_fd >= 0;
}

/*
 * AF_UNIX sockets that can name a peer (socket(), datagram pairs): not when
 * the rootfs is the host's "/", whose live host sockets a gate jump could
 * reach with one (the filter has no row for them then either).
 */
static int unix_ok(void)
{
	return gk_net_ok() && (gk.boot.flags & GK_BOOT_F_UNIX);
}




/* A descriptor the host just made for the workload: registered as anonymous, or EMFILE. */
long gk_net_fd_new(long fd)
{
	if (fd < 0)
		return fd;
	gk_fd_host(fd);
	if (fd >= (long)gk.nofile_cur) {
		hs1(__NR_close, fd);
		return -EMFILE;
	}
	gk_fd_clear(fd);
	gk_fd_setpath(fd, NULL);
	return fd;
}

/* The protocol the host gets (always explicit, as the allowlist lists it), or -errno. */
static long net_proto(long domain, long type, long proto)
{
	switch (domain) {
	case KN_AF_UNIX:
		if (type != KN_SOCK_STREAM && type != KN_SOCK_DGRAM && type != KN_SOCK_SEQPACKET)
			return -ESOCKTNOSUPPORT;
		return proto == 0 || proto == KN_AF_UNIX ? 0 : -EPROTONOSUPPORT;
	case KN_AF_INET:
	case KN_AF_INET6:
		if (type == KN_SOCK_RAW)
			return -EPERM;	/* as for anyone without CAP_NET_RAW */
		if (type == KN_SOCK_STREAM)
			return proto == 0 || proto == KN_IPPROTO_TCP ? KN_IPPROTO_TCP :
			       -EPROTONOSUPPORT;
		if (type != KN_SOCK_DGRAM)
			return -ESOCKTNOSUPPORT;
		if (proto == 0 || proto == KN_IPPROTO_UDP)
			return KN_IPPROTO_UDP;
		if (proto == KN_IPPROTO_UDPLITE)
			return proto;	/* a host without it answers EPROTONOSUPPORT, as natively */
		if (proto == (domain == KN_AF_INET ? KN_IPPROTO_ICMP : KN_IPPROTO_ICMPV6))
			return proto;
		return -EPROTONOSUPPORT;
	case KN_AF_NETLINK:
		if (type != KN_SOCK_RAW && type != KN_SOCK_DGRAM)
			return -ESOCKTNOSUPPORT;
		return proto == KN_NETLINK_ROUTE ? KN_NETLINK_ROUTE : -EPROTONOSUPPORT;
	case KN_AF_PACKET:
		return -EPERM;		/* never served: as without CAP_NET_RAW */
	}
	return -EAFNOSUPPORT;
}


long sys_socket(struct gk_call *c)
{
	long type = c->a[1] & 0xf, flags = c->a[1] & ~0xfL, proto;

	if (flags & ~(long)(KN_SOCK_NONBLOCK | KN_SOCK_CLOEXEC))
		return -EINVAL;
	proto = net_proto(c->a[0], type, c->a[2]);
	if (proto < 0)
		return proto;
	if (c->a[0] == KN_AF_UNIX && !unix_ok() && gk_unixmed_on() && type != KN_SOCK_DGRAM)
		return gk_unix_placeholder(c->a[1]);
	if (!gk_net_ok() || (c->a[0] == KN_AF_UNIX && !unix_ok()))
		return -EACCES;
	return gk_net_fd_new(hs3(__NR_socket, c->a[0], c->a[1], proto));
}

long sys_socketpair(struct gk_call *c)
{
	long type = c->a[1] & 0xf, flags = c->a[1] & ~0xfL, r;
	int *sv = (int *)c->a[3], fds[2];

	if (flags & ~(long)(KN_SOCK_NONBLOCK | KN_SOCK_CLOEXEC))
		return -EINVAL;
	if (c->a[0] != KN_AF_UNIX)
		return c->a[0] == KN_AF_INET || c->a[0] == KN_AF_INET6 ||
		       c->a[0] == KN_AF_NETLINK ? -EOPNOTSUPP : -EAFNOSUPPORT;
	r = net_proto(c->a[0], type, c->a[2]);
	if (r < 0)
		return r;
	if (type == KN_SOCK_DGRAM && !unix_ok())
		return -EACCES;
	if (gk_uwrite_ok(sv, sizeof(fds)) < 0)
		return -EFAULT;
	r = hs4(__NR_socketpair, KN_AF_UNIX, c->a[1], 0, fds);
	if (r < 0)
		return r;
	if (gk_net_fd_new(fds[0]) < 0) {
		hs1(__NR_close, fds[1]);
		return -EMFILE;
	}
	if (gk_net_fd_new(fds[1]) < 0) {
		hs1(__NR_close, fds[0]);
		gk_fd_clear(fds[0]);
		return -EMFILE;
	}
	sv[0] = fds[0];
	sv[1] = fds[1];
	return 0;
}

/* The workload's address, copied once: the host reads the copy that was checked. */
long gk_net_addr_in(struct net_addr *na, const void *u, long len)
{
	na->len = 0;
	if (!u)
		return 0;
	if (len < 0 || len > NET_ADDR_MAX)
		return -EINVAL;
	if (gk_uread_ok(u, len) < 0)
		return -EFAULT;
	memcpy(na->b, u, len);
	na->len = len;
	return 0;
}

/* 1 when @na names a pathname AF_UNIX socket (not abstract, not unnamed). */
static int addr_is_path(const struct net_addr *na)
{
	return na->len > 2 && *(const unsigned short *)na->b == KN_AF_UNIX && na->b[2];
}

/*
 * A pathname socket the workload connects or sends to, as an O_PATH
 * descriptor of the socket itself: resolved beneath the root like every path
 * (magic links refused), and never on a read-only mount, where no process of
 * the sandbox can have bound it: that is a host socket that happens to be in
 * a --rootfs DIR, EACCES.  (With the host's "/" as the rootfs there are no
 * AF_UNIX sockets to connect: unix_ok().)
 */
static long unix_target(const struct net_addr *na)
{
	char path[NET_ADDR_MAX], abs[GK_PATH_MAX];
	struct statfs sfs;
	struct stat st;
	long n = na->len - 2, fd, r;

	if (na->len > NET_UN_MAX)
		return -EINVAL;
	memcpy(path, na->b + 2, n);
	path[n] = 0;
	r = gk_path_abs(-100, path, abs, sizeof(abs));
	if (r < 0)
		return r;
	fd = gk_open_abs(abs, O_PATH | O_CLOEXEC, 0, 0);
	if (fd < 0)
		return fd;
	r = hs4(__NR_newfstatat, fd, "", &st, 0x1000 /* AT_EMPTY_PATH */);
	if (r == 0 && !S_ISSOCK(st.st_mode))
		r = -ECONNREFUSED;
	if (r == 0 && (hs2(__NR_fstatfs, fd, &sfs) < 0 || (sfs.f_flags & NET_ST_RDONLY)))
		r = -EACCES;
	if (r < 0) {
		hs1(__NR_close, fd);
		return r;
	}
	return fd;
}

/* The guest kernel's cwd as the host's again (gk.cwd is what resolution uses). */
static void cwd_restore(void)
{
	long fd = gk_open_abs(gk.cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);

	if (fd < 0)
		fd = gk_open_abs("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);
	if (fd >= 0) {
		hs1(__NR_fchdir, fd);
		hs1(__NR_close, fd);
	}
}

/*
 * Issues @nr (connect, sendto or sendmsg) with a pathname address (in
 * a[@addr_arg] and the next, or for sendmsg, @addr_arg 0, in the header at
 * a[1]) that names exactly the inode unix_target() checked: the address becomes "N",
 * relative to the sandbox's detached procfs's thread-self/fd, where N is the
 * checked descriptor, so no rename or symlink swap after the check can send
 * the call elsewhere.  The host's cwd is that directory only while the big
 * lock is held; the call must not block then (@a carries MSG_DONTWAIT, or
 * the socket is made non-blocking for a connect): the caller retries.
 */
static long unix_path_call(long nr, long *a, struct net_addr *na, int addr_arg)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct net_addr rel;
	long tfd = unix_target(na), dir, r;

	if (tfd < 0)
		return tfd;
	dir = gk_fd_host(hs4(__NR_openat2, gk.boot.proc_fd, "thread-self/fd", &how, sizeof(how)));
	if (dir < 0) {
		hs1(__NR_close, tfd);
		return dir;
	}
	*(unsigned short *)rel.b = KN_AF_UNIX;
	snprintf(rel.b + 2, sizeof(rel.b) - 2, "%ld", tfd);
	rel.len = 2 + (long)strlen(rel.b + 2) + 1;
	if (addr_arg == 1) {
		a[1] = (long)rel.b;
		a[2] = rel.len;
	} else if (addr_arg == 4) {
		a[4] = (long)rel.b;
		a[5] = rel.len;
	} else {
		((struct net_msghdr *)a[1])->name = rel.b;
		((struct net_msghdr *)a[1])->namelen = (int)rel.len;
	}
	r = hs1(__NR_fchdir, dir);
	if (r == 0)
		r = hs6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	cwd_restore();
	hs1(__NR_close, dir);
	hs1(__NR_close, tfd);
	return r;
}

/* A blocking pathname call: retried (lock let go in between) while the peer is full. */
static long unix_path_blocking(struct gk_call *c, long nr, long *a, struct net_addr *na,
			       int addr_arg, int nonblock)
{
	long r, sl[6] = { 0, 0, 0, 0, 0, 0 };
	struct {
		long sec, nsec;
	} ts = { 0, NET_RETRY_NS };

	for (;;) {
		long b[6];

		memcpy(b, a, sizeof(b));
		r = unix_path_call(nr, b, na, addr_arg);
		if (r != -EAGAIN || nonblock)
			return r;
		sl[0] = (long)&ts;
		if (gk_host_blocking(__NR_nanosleep, sl, c) == -EINTR)
			return -EINTR;
	}
}

long sys_bind(struct gk_call *c)
{
	struct net_addr na;
	long r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (gk_unix_is_ph(c->a[0]))
		return gk_unixmed_do(c, KUM_BIND);
	r = gk_net_addr_in(&na, (const void *)c->a[1], c->a[2]);
	if (r < 0)
		return r;
	/* Created by the host beneath the pivoted root, where mounts and Landlock allow. */
	return hs3(__NR_bind, c->a[0], na.len ? na.b : NULL, c->a[2]);
}


long sys_listen(struct gk_call *c)
{
	long r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (gk_unix_is_bound(c->a[0])) {
		r = gk_unixmed_listen(c);
		if (r <= 0)
			return r;
	}
	r = hs2(__NR_listen, c->a[0], c->a[1]);
	if (r == 0 && gk_unix_is_bound(c->a[0]))
		gk_fd_setkind(c->a[0], 0);	/* listening as asked: no longer a bind */
	return r;
}

long sys_connect(struct gk_call *c)
{
	struct net_addr na;
	long a[6] = { c->a[0], 0, 0, 0, 0, 0 }, fl, r;
	int nb;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (gk_unix_is_ph(c->a[0]) || gk_unix_is_bound(c->a[0]))
		return gk_unixmed_do(c, KUM_CONNECT);
	r = gk_net_addr_in(&na, (const void *)c->a[1], c->a[2]);
	if (r < 0)
		return r;
	a[1] = na.len ? (long)na.b : 0;
	a[2] = c->a[2];
	if (!addr_is_path(&na))
		return gk_host_blocking(__NR_connect, a, c);
	/*
	 * Non-blocking while the cwd points into the procfs (unix_path_call);
	 * through FIONBIO, as F_SETFL would drop an O_ASYNC a host process set
	 * (its row admits none: fcntl.c).
	 */
	fl = hs2(__NR_fcntl, c->a[0], F_GETFL);
	if (fl < 0)
		return fl;
	nb = 1;
	if (!(fl & O_NONBLOCK))
		hs3(__NR_ioctl, c->a[0], FIONBIO, &nb);
	r = unix_path_blocking(c, __NR_connect, a, &na, 1, fl & O_NONBLOCK);
	nb = 0;
	if (!(fl & O_NONBLOCK))
		hs3(__NR_ioctl, c->a[0], FIONBIO, &nb);
	return r;
}

long sys_accept(struct gk_call *c)
{
	long a[6] = { c->a[0], c->a[1], c->a[2], 0, 0, 0 };

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (gk_unix_is_bound(c->a[0]))
		return -EINVAL;	/* bound, not listening yet (the mediator's is its own) */
	if (c->nr == __NR_accept4) {
		if (c->a[3] & ~(long)(KN_SOCK_NONBLOCK | KN_SOCK_CLOEXEC))
			return -EINVAL;
		a[3] = c->a[3];
	}
	return gk_net_fd_new(gk_host_blocking(__NR_accept4, a, c));
}

/* getsockname, getpeername, shutdown, listen's kin: a workload descriptor, nothing else. */
long sys_sock_fd0(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->nr == __NR_shutdown && (unsigned long)c->a[1] > 2)
		return -EINVAL;
	if (c->nr == __NR_getpeername && gk_unix_is_ph(c->a[0]))
		return -ENOTCONN;	/* its closed peer is no peer */
	return hs3(c->nr, c->a[0], c->a[1], c->a[2]);
}

long sys_sendto(struct gk_call *c)
{
	struct net_addr na;
	long a[6], r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->a[3] & ~(long)KN_MSG_OK)
		return -EINVAL;
	r = gk_net_addr_in(&na, (const void *)c->a[4], c->a[5]);
	if (r < 0)
		return r;
	if (gk_unix_is_ph(c->a[0]))
		return gk_unix_ph_unconnected(c->a[0], na.len != 0);
	memcpy(a, c->a, sizeof(a));
	a[4] = na.len ? (long)na.b : 0;
	if (!addr_is_path(&na))
		return gk_host_blocking(__NR_sendto, a, c);
	a[3] |= KN_MSG_DONTWAIT;
	return unix_path_blocking(c, __NR_sendto, a, &na, 4, c->a[3] & KN_MSG_DONTWAIT);
}

long sys_recvfrom(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->a[3] & ~(long)KN_MSG_OK)
		return -EINVAL;
	if (gk_unix_is_ph(c->a[0]))
		return gk_unix_ph_type(c->a[0]) == KN_SOCK_STREAM ? -EINVAL : -ENOTCONN;
	return gk_host_blocking(__NR_recvfrom, c->a, c);
}

/* Whether @opt is one of the @n values of @l (the lists of net_policy.h). */
int gk_net_listed(const long *l, unsigned long n, long opt)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (l[i] == opt)
			return 1;
	return 0;
}

/* The listed options of the listed levels (net_policy.h); the rest ENOPROTOOPT. */
static int sockopt_ok(long level, long opt)
{
	switch (level) {
	case KN_SOL_SOCKET:
		return LISTED(sol_socket_opts, opt);
	case KN_IPPROTO_TCP:
		return LISTED(sol_tcp_opts, opt);
	case KN_IPPROTO_IP:
		return LISTED(sol_ip_opts, opt);
	case KN_IPPROTO_IPV6:
		return LISTED(sol_ipv6_opts, opt);
	case KN_SOL_NETLINK:
		return LISTED(sol_netlink_opts, opt);
	case KN_SOL_UDPLITE:
		return LISTED(sol_udplite_opts, opt);
	}
	return 0;
}

long sys_sockopt(struct gk_call *c)
{
	struct net_ucred *cr = (struct net_ucred *)c->a[3];
	int *lenp = (int *)c->a[4];
	long r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (!sockopt_ok(c->a[1], c->a[2]))
		return -ENOPROTOOPT;
	r = hs5(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
	/*
	 * SO_PEERCRED's pid is the host's pid-namespace number: the guest's is
	 * one less.  Read before the write probe, which scribbles on the page.
	 */
	if (r == 0 && c->nr == __NR_getsockopt && c->a[1] == KN_SOL_SOCKET &&
	    c->a[2] == KN_SO_PEERCRED && gk_uread_ok(lenp, sizeof(*lenp)) == 0 &&
	    *lenp >= (int)sizeof(int) && gk_uread_ok(cr, sizeof(int)) == 0) {
		int pid = (int)gk_to_guest_pid(cr->pid);

		if (gk_uwrite_ok(cr, sizeof(int)) == 0)
			cr->pid = pid;
	}
	return r;
}

/*
 * Control data going out: SCM_RIGHTS may carry only the workload's own
 * descriptors (never the guest kernel's, 1000 and up: EBADF), SCM_CREDENTIALS
 * a guest pid (the host's is one more); other SOL_SOCKET messages are not
 * served (EINVAL); IP-level ones carry no descriptors and pass.
 */
static long cmsg_out(char *buf, unsigned long len)
{
	unsigned long off = 0, i, n;

	while (off + sizeof(struct net_cmsg) <= len) {
		struct net_cmsg *h = (struct net_cmsg *)(buf + off);
		int *fds = (int *)(h + 1);

		if (h->len < sizeof(*h) || h->len > len - off)
			return -EINVAL;
		if (h->level == KN_SOL_SOCKET && h->type == KN_SCM_RIGHTS) {
			n = (h->len - sizeof(*h)) / sizeof(int);
			for (i = 0; i < n; i++)
				if (!gk_fd_ok(fds[i]))
					return -EBADF;
		} else if (h->level == KN_SOL_SOCKET && h->type == KN_SCM_CREDENTIALS) {
			if (h->len < sizeof(*h) + sizeof(struct net_ucred))
				return -EINVAL;
			((struct net_ucred *)fds)->pid =
				(int)gk_to_host_pid(((struct net_ucred *)fds)->pid);
		} else if (h->level == KN_SOL_SOCKET) {
			return -EINVAL;
		}
		off += (h->len + 7) & ~7UL;
	}
	return 0;
}

/* One sendmsg: @m is the guest kernel's copy; its name and control are copied and checked. */
static long send_one(struct gk_call *c, long fd, struct net_msghdr *m, long flags)
{
	/* On this thread's stack: the call may block with the big lock let go. */
	char cbuf[NET_CMSG_MAX] __attribute__((aligned(8)));
	struct net_addr na;
	long a[6] = { fd, (long)m, flags, 0, 0, 0 }, r;

	if (flags & ~(long)KN_MSG_OK)
		return -EINVAL;
	r = gk_net_addr_in(&na, m->name, m->namelen);
	if (r < 0)
		return r;
	if (gk_unix_is_ph(fd))
		return gk_unix_ph_unconnected(fd, na.len != 0);
	m->name = na.len ? na.b : NULL;
	if (m->controllen > NET_CMSG_MAX)
		return -ENOBUFS;
	if (m->controllen) {
		if (gk_uread_ok(m->control, m->controllen) < 0)
			return -EFAULT;
		memcpy(cbuf, m->control, m->controllen);
		m->control = cbuf;
		r = cmsg_out(cbuf, m->controllen);
		if (r < 0)
			return r;
	}
	if (!addr_is_path(&na))
		return gk_host_blocking(__NR_sendmsg, a, c);
	a[2] |= KN_MSG_DONTWAIT;
	return unix_path_blocking(c, __NR_sendmsg, a, &na, 0, flags & KN_MSG_DONTWAIT);
}

static long msg_in(struct net_msghdr *m, const void *u)
{
	if (gk_uread_ok(u, sizeof(*m)) < 0)
		return -EFAULT;
	memcpy(m, u, sizeof(*m));
	return 0;
}

long sys_sendmsg(struct gk_call *c)
{
	struct net_msghdr m;
	long r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	r = msg_in(&m, (const void *)c->a[1]);
	return r < 0 ? r : send_one(c, c->a[0], &m, c->a[2]);
}

/*
 * Control data coming in: received descriptors landed in the workload's
 * slots (the guest kernel's are all occupied and RLIMIT_NOFILE ends there);
 * those beyond the workload's own limit are closed and cut off with
 * MSG_CTRUNC, as the kernel cuts what does not fit.  Credentials get guest pids.
 */
static void cmsg_in(char *buf, struct net_msghdr *m)
{
	unsigned long off = 0, i, k, n;

	while (off + sizeof(struct net_cmsg) <= m->controllen) {
		struct net_cmsg *h = (struct net_cmsg *)(buf + off);
		int *fds = (int *)(h + 1);

		if (h->len < sizeof(*h) || h->len > m->controllen - off)
			break;
		if (h->level == KN_SOL_SOCKET && h->type == KN_SCM_RIGHTS) {
			n = (h->len - sizeof(*h)) / sizeof(int);
			for (i = 0; i < n && gk_net_fd_new(fds[i]) >= 0; i++)
				gk_fd_mark_foreign(fds[i]);
			if (i == n) {
				off += (h->len + 7) & ~7UL;
				continue;
			}
			/* fds[i] is closed already; the rest too, then nothing after. */
			for (k = i + 1; k < n; k++)
				hs1(__NR_close, gk_fd_host(fds[k]));
			h->len = sizeof(*h) + i * sizeof(int);
			m->controllen = off + h->len;
			m->flags |= KN_MSG_CTRUNC;
			return;
		} else if (h->level == KN_SOL_SOCKET && h->type == KN_SCM_CREDENTIALS &&
			   h->len >= sizeof(*h) + sizeof(struct net_ucred)) {
			((struct net_ucred *)fds)->pid =
				(int)gk_to_guest_pid(((struct net_ucred *)fds)->pid);
		}
		off += (h->len + 7) & ~7UL;
	}
}

/* One recvmsg into the workload's header @um: its control data checked on the way in. */
static long recv_one(struct gk_call *c, long fd, struct net_msghdr *um, long flags)
{
	/* On this thread's stack: the call blocks with the big lock let go. */
	char cbuf[NET_CMSG_MAX] __attribute__((aligned(8)));
	struct net_msghdr m, out;
	long a[6] = { fd, (long)&m, flags, 0, 0, 0 }, r;
	unsigned long ulen;
	void *uctl;

	r = msg_in(&m, um);
	if (r < 0)
		return r;
	out = m;
	uctl = m.control;
	ulen = m.controllen;
	if (ulen) {
		if (ulen > NET_CMSG_MAX)
			ulen = NET_CMSG_MAX;
		if (gk_uwrite_ok(uctl, ulen) < 0)
			return -EFAULT;
		m.control = cbuf;
		m.controllen = ulen;
	}
	r = gk_host_blocking(__NR_recvmsg, a, c);
	if (r < 0)
		return r;
	if (ulen) {
		cmsg_in(cbuf, &m);
		if (gk_uwrite_ok(uctl, m.controllen) == 0)
			memcpy(uctl, cbuf, m.controllen);
	}
	/* The write probe scribbles: the whole header goes back. */
	out.namelen = m.namelen;
	out.controllen = m.controllen;
	out.flags = m.flags;
	if (gk_uwrite_ok(um, sizeof(*um)) < 0)
		return -EFAULT;
	memcpy(um, &out, sizeof(out));
	return r;
}

long sys_recvmsg(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->a[2] & ~(long)KN_MSG_OK)
		return -EINVAL;
	if (gk_unix_is_ph(c->a[0]))
		return gk_unix_ph_type(c->a[0]) == KN_SOCK_STREAM ? -EINVAL : -ENOTCONN;
	return recv_one(c, c->a[0], (struct net_msghdr *)c->a[1], c->a[2]);
}

/* struct mmsghdr: a header and the length the call fills in. */
struct net_mmsghdr {
	struct net_msghdr hdr;
	unsigned int len;
};

#define NET_MMSG_MAX 1024	/* UIO_MAXIOV, the kernel's cap on vlen */
#define NET_MSG_WAITFORONE 0x10000

static int mmsg_len(struct net_mmsghdr *e, long r)
{
	if (gk_uwrite_ok(&e->len, sizeof(e->len)) < 0)
		return -EFAULT;
	e->len = (unsigned int)r;
	return 0;
}

/* sendmmsg: sendmsg per entry; after the first, an error ends the batch with its count. */
long sys_sendmmsg(struct gk_call *c)
{
	struct net_mmsghdr *vec = (struct net_mmsghdr *)c->a[1];
	unsigned long n = (unsigned long)c->a[2], i;
	struct net_msghdr m;
	long r = 0;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (n > NET_MMSG_MAX)
		n = NET_MMSG_MAX;
	for (i = 0; i < n; i++) {
		r = msg_in(&m, &vec[i].hdr);
		if (r == 0)
			r = send_one(c, c->a[0], &m, c->a[3]);
		if (r < 0 || mmsg_len(&vec[i], r) < 0)
			break;
	}
	return i ? (long)i : r;
}

/*
 * recvmmsg: recvmsg per entry; MSG_WAITFORONE makes the rest non-blocking,
 * and the timeout is checked after each message, as the kernel does.
 */
long sys_recvmmsg(struct gk_call *c)
{
	struct net_mmsghdr *vec = (struct net_mmsghdr *)c->a[1];
	unsigned long n = (unsigned long)c->a[2], i, deadline = 0;
	const long *ts = (const long *)c->a[4];
	long flags = c->a[3], r = 0;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (flags & ~(long)KN_MSG_OK)
		return -EINVAL;
	if (ts) {
		if (gk_uread_ok(ts, 2 * sizeof(long)) < 0)
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000L)
			return -EINVAL;
		deadline = gk_now_ns() + (unsigned long)ts[0] * 1000000000UL + (unsigned long)ts[1];
	}
	if (n > NET_MMSG_MAX)
		n = NET_MMSG_MAX;
	for (i = 0; i < n; i++) {
		r = recv_one(c, c->a[0], &vec[i].hdr, flags);
		if (r < 0 || mmsg_len(&vec[i], r) < 0)
			break;
		if (flags & NET_MSG_WAITFORONE)
			flags |= KN_MSG_DONTWAIT;
		if (ts && gk_now_ns() >= deadline) {
			i++;
			break;
		}
	}
	return i ? (long)i : r;
}
