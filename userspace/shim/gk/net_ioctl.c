// SPDX-License-Identifier: GPL-2.0
// net_ioctl.c - the socket ioctls and the interface queries, on the workload's sockets.
#include <linux/stat.h>
#include <asm/stat.h>

#include "net.h"

static const long sock_ioctls[] = { KN_SOCK_IOCTLS };
static const long owner_ioctls[] = { KN_SOCK_OWNER_IOCTLS };

/* Whether @fd is a terminal: TCGETS answers (the terminal rows admit it). */
static int net_is_tty(long fd)
{
	char t[60];	/* room for the kernel's struct termios (36 bytes) */

	return hs3(__NR_ioctl, fd, 0x5401 /* TCGETS */, t) == 0;
}

/* struct ifconf: a length and the buffer of struct ifreq the host fills. */
struct net_ifconf {
	int len;
	char *buf;
};

/*
 * The read-only socket ioctls (net_policy.h, KN_SOCK_IOCTLS) on a workload
 * socket @fd (checked by the caller: below GK_FD_BASE, a socket or, for
 * SIOCOUTQ, a terminal).  They answer for the socket itself, so they are
 * asked on it, with the guest kernel's buffer; the answer goes to the
 * workload's memory only once the host gave one and the memory is writable
 * (EFAULT otherwise, as natively: the host writes after its own checks).
 * What the socket's family does not serve (SIOCOUTQNSD on UDP, a time stamp
 * on a stream) the host answers itself, as natively.
 */
static long sock_ioctl(struct gk_call *c)
{
	long out[2] = { 0, 0 }, n = KN_SIOCGSTAMP(c->a[1]) ? 16 : (long)sizeof(int), r;

	r = hs3(__NR_ioctl, c->a[0], c->a[1], out);
	if (r < 0)
		return r;
	if (gk_uwrite_ok((void *)c->a[2], n) < 0)
		return -EFAULT;
	memcpy((void *)c->a[2], out, n);
	return r;
}

/*
 * A socket's owner (FIOSETOWN/SIOCSPGRP, FIOGETOWN/SIOCGPGRP) in guest pids,
 * served as fcntl's F_SETOWN/F_GETOWN (fcntl.c): with the sandbox's pid
 * namespace only (EINVAL without, as there), where the host looks every pid
 * up in that namespace and an owner outside it reads as 0; the filter's row is
 * the same.  ENOTTY on anything but a socket, EFAULT for a bad pointer, as
 * natively; the host gets the guest kernel's int, never the workload's.
 */
static long sock_owner(struct gk_call *c, const struct stat *st)
{
	int *u = (int *)c->a[2], v = 0;
	long r;

	if (!S_ISSOCK(st->st_mode))
		return -ENOTTY;
	if (!(gk.boot.flags & GK_BOOT_F_PIDNS))
		return -EINVAL;
	if (KN_SIOC_SETOWN(c->a[1])) {
		if (gk_uread_ok(u, sizeof(*u)) < 0)
			return -EFAULT;
		v = (int)gk_own_host(*u);
		return hs3(__NR_ioctl, c->a[0], c->a[1], &v);
	}
	r = hs3(__NR_ioctl, c->a[0], c->a[1], &v);
	if (r < 0)
		return r;
	if (gk_uwrite_ok(u, sizeof(*u)) < 0)
		return -EFAULT;
	*u = (int)gk_own_guest(v);
	return r;
}

/*
 * The socket ioctls and the interface queries, -ENOTTY for any other request
 * or descriptor (a file, a pipe, an event descriptor answer so natively).
 * The interface queries (net_policy.h, KN_SIOCGIF_IOCTLS) on a workload
 * socket are asked on the guest kernel's own socket of the sandbox's
 * namespace (GK_FD_NETQ): the workload's may be another namespace's (a
 * caller's socket at 0..2, one received), which the kernel would answer for.
 * The host gets the guest kernel's copies of the request (struct ifreq, or
 * struct ifconf whose buffer was checked as the workload's to write), and the
 * answer is copied back.
 */
long gk_net_ioctl(struct gk_call *c)
{
	static const long gets[] = { KN_SIOCGIF_IOCTLS };
	char ifr[KN_IFREQ_SIZE];
	struct net_ifconf ifc, *uifc = (struct net_ifconf *)c->a[2];
	struct stat st;
	long r, sock = LISTED(sock_ioctls, c->a[1]), own = LISTED(owner_ioctls, c->a[1]);

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;	/* never the guest kernel's own (sys_ioctl checked too) */
	if (!sock && !own && c->a[1] != KN_SIOCGIFCONF && !LISTED(gets, c->a[1]))
		return -ENOTTY;
	r = hs4(__NR_newfstatat, c->a[0], "", &st, 0x1000 /* AT_EMPTY_PATH */);
	if (r < 0)
		return r;
	if (own)
		return sock_owner(c, &st);
	if (sock && S_ISSOCK(st.st_mode))
		return sock_ioctl(c);
	if (sock && c->a[1] == KN_SIOCOUTQ && S_ISCHR(st.st_mode) && net_is_tty(c->a[0]))
		return sock_ioctl(c);	/* TIOCOUTQ: the terminal's output queue */
	if (sock || !S_ISSOCK(st.st_mode))
		return -ENOTTY;
	if (KN_SIOCGIF_INET(c->a[1])) {
		int dom = 0;
		int len = sizeof(dom);

		r = hs5(__NR_getsockopt, c->a[0], KN_SOL_SOCKET, KN_SO_DOMAIN, &dom, &len);
		if (r < 0)
			return r;
		if (dom != KN_AF_INET)
			return -ENOTTY;	/* as another family's socket answers */
	}
	if (!gk_net_ok())
		return -EACCES;	/* the host's interfaces: as socket() (the filter has no row) */
	if (c->a[1] == KN_SIOCGIFCONF) {
		if (gk_uread_ok(uifc, sizeof(ifc)) < 0)
			return -EFAULT;
		memcpy(&ifc, uifc, sizeof(ifc));
		if (ifc.buf && (ifc.len < 0 || gk_uwrite_ok(ifc.buf, ifc.len) < 0))
			return -EFAULT;
		r = hs3(__NR_ioctl, GK_FD_NETQ, KN_SIOCGIFCONF, &ifc);
		if (r == 0 && gk_uwrite_ok(&uifc->len, sizeof(int)) == 0)
			uifc->len = ifc.len;
		return r;
	}
	if (gk_uread_ok((void *)c->a[2], sizeof(ifr)) < 0)
		return -EFAULT;
	memcpy(ifr, (void *)c->a[2], sizeof(ifr));
	r = hs3(__NR_ioctl, GK_FD_NETQ, c->a[1], ifr);
	if (r == 0) {
		if (gk_uwrite_ok((void *)c->a[2], sizeof(ifr)) < 0)
			return -EFAULT;
		memcpy((void *)c->a[2], ifr, sizeof(ifr));
	}
	return r;
}
