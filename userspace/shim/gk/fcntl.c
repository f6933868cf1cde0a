// SPDX-License-Identifier: GPL-2.0
// fcntl.c - fcntl and ioctl on the workload's descriptors: flags, SIGIO's owner, terminals.
#include <linux/fcntl.h>
#include <asm/ioctls.h>

#include "gk.h"

/* An owner of SIGIO/SIGURG: a pid (> 0) or a process group (< 0), guest to host and back. */
long gk_own_host(long g)
{
	return g > 0 ? g + gk.pid_off : g < 0 ? g - gk.pid_off : 0;
}

long gk_own_guest(long h)
{
	return h > 0 ? h - gk.pid_off : h < 0 ? h + gk.pid_off : 0;
}

/*
 * F_GETOWN/F_SETOWN (and _EX: a thread, a process or a group) and F_GETSIG/
 * F_SETSIG: who gets SIGIO/SIGURG for the descriptor, and which signal, in
 * guest pids.  Served with the sandbox's pid namespace only, where the
 * sandbox names no owner outside it (the filter's row is the same); an owner
 * the host set on a description the sandbox shares stays its, so F_SETSIG
 * takes SIGIO or 0 only (EINVAL for the real-time signals Linux takes).
 */
static long fcntl_owner(long fd, long cmd, unsigned long arg)
{
	struct f_owner_ex ex, *uex = (struct f_owner_ex *)arg;
	long r;

	if (!(gk.boot.flags & GK_BOOT_F_PIDNS))
		return -EINVAL;
	switch (cmd) {
	case F_GETOWN:	/* -pgid or an error alike on the host: asked as F_GETOWN_EX */
		r = hs3(__NR_fcntl, fd, F_GETOWN_EX, &ex);
		if (r < 0)
			return r;
		return ex.type == F_OWNER_PGRP ? -gk_own_guest(ex.pid) : gk_own_guest(ex.pid);
	case F_SETOWN:
		return hs3(__NR_fcntl, fd, F_SETOWN, gk_own_host((int)arg));
	case F_GETOWN_EX:
		if (gk_uwrite_ok(uex, sizeof(*uex)) < 0)
			return -EFAULT;
		r = hs3(__NR_fcntl, fd, F_GETOWN_EX, &ex);
		if (r == 0) {
			ex.pid = (int)gk_own_guest(ex.pid);
			*uex = ex;
		}
		return r;
	case F_SETOWN_EX:
		if (gk_uread_ok(uex, sizeof(*uex)) < 0)
			return -EFAULT;
		ex = *uex;
		/* A pid (the type says whose); a negative one is the host's ESRCH. */
		if (ex.pid > 0)
			ex.pid = (int)gk_own_host(ex.pid);
		return hs3(__NR_fcntl, fd, F_SETOWN_EX, &ex);
	case F_SETSIG:
		/*
		 * SIGIO itself or the default (0) only: an owner is per open file
		 * description, and a host process that owns one the sandbox holds
		 * too (its 0-2, a passed socket) would get whatever signal the
		 * sandbox chose, SIGKILL included, with its own rights.
		 */
		if ((int)arg != 0 && (int)arg != GK_SIGIO)
			return -EINVAL;
		return hs3(__NR_fcntl, fd, F_SETSIG, (int)arg);
	}
	return hs2(__NR_fcntl, fd, F_GETSIG);
}

/*
 * F_SETFL that never turns O_ASYNC on (EPERM).  With O_ASYNC a description
 * signals its owner (SIGIO, whose default ends a process) on I/O, and the
 * owner is the description's: a host process that made itself owner of one
 * the sandbox shares (an inherited pipe or terminal, a passed socket: for
 * SIGURG, say) reads as no owner (0) here, so no check of the guest kernel's
 * could tell, and the filter's row admits no O_ASYNC at all (README.md).
 * Where a host process turned it on, a request keeping it changes O_NONBLOCK
 * only, through FIONBIO (EPERM for any other flag: F_SETFL would need the bit).
 */
static long fcntl_setfl(long fd, unsigned int fl)
{
	long cur = hs2(__NR_fcntl, fd, F_GETFL);
	int nb = !!(fl & O_NONBLOCK);

	if (cur < 0)
		return cur;
	if (!(fl & FASYNC))
		return hs3(__NR_fcntl, fd, F_SETFL, fl);
	if (!(cur & FASYNC) || ((fl ^ cur) & (O_APPEND | O_DIRECT | O_NOATIME)))
		return -EPERM;
	return hs3(__NR_ioctl, fd, FIONBIO, &nb);
}

/*
 * FIOASYNC, as F_SETFL's O_ASYNC (the filter has no row for it: its value is
 * in memory): off is served, on is EPERM unless a host process set it already.
 */
static long ioctl_fioasync(long fd, const int *uon)
{
	long cur;
	int on;

	if (gk_uread_ok(uon, sizeof(*uon)) < 0)
		return -EFAULT;
	on = *uon;
	cur = hs2(__NR_fcntl, fd, F_GETFL);
	if (cur < 0 || !(cur & FASYNC) == !on)
		return cur < 0 ? cur : 0;
	if (on)
		return -EPERM;
	return hs3(__NR_fcntl, fd, F_SETFL, (unsigned int)cur & ~(unsigned int)FASYNC);
}

long sys_fcntl(struct gk_call *c)
{
	long fd = c->a[0], cmd = c->a[1];

	if (!gk_fd_ok(fd))
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (c->a[2] < 0 || c->a[2] >= (long)gk.nofile_cur)
			return -EINVAL;
		return gk_fd_dup_result(hs3(__NR_fcntl, fd, cmd, c->a[2]), fd);
	case F_GETLK: case F_SETLK: case F_SETLKW:
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
		return gk_lock_fcntl(c);
	case F_SETFL:
		return fcntl_setfl(fd, (unsigned int)c->a[2]);
	case F_GETFD: case F_SETFD: case F_GETFL: case F_GETPIPE_SZ: case F_SETPIPE_SZ:
	case F_ADD_SEALS: case F_GET_SEALS:
		return hs3(__NR_fcntl, fd, cmd, c->a[2]);
	case F_NOTIFY:
		/*
		 * dnotify signals the directory description's owner, who may be a
		 * host process sharing it (the kernel keeps an owner it finds):
		 * refused as by a kernel with fs.dir-notify-enable = 0, and the
		 * filter has no row for it.  inotify is served.
		 */
		return -EINVAL;	/* dnotify */
	case F_GETOWN: case F_SETOWN: case F_GETOWN_EX: case F_SETOWN_EX:
	case F_GETSIG: case F_SETSIG:
		return fcntl_owner(fd, cmd, c->a[2]);
	}
	return -EINVAL;
}

long sys_ioctl(struct gk_call *c)
{
	long fd = c->a[0], r;
	int *pg = (int *)c->a[2], hp;

	if (!gk_fd_ok(fd))
		return -EBADF;
	/*
	 * The request is an unsigned int to the kernel: musl's ioctl(int, int, ...)
	 * passes _IOR/_IOW ones sign-extended, which the filter would kill.
	 */
	c->a[1] = (unsigned int)c->a[1];
	switch (c->a[1]) {
	case FIOASYNC:
		return ioctl_fioasync(fd, pg);
	case TCGETS: case TCSETS: case TCSETSW: case TCSETSF: case TIOCGWINSZ: case TIOCSWINSZ:
	case FIONREAD: case FIONBIO: case FIOCLEX: case FIONCLEX: case TCXONC: case TCFLSH:
		return hs3(__NR_ioctl, fd, c->a[1], c->a[2]);
	case TIOCGPGRP:
		if (gk_uwrite_ok(pg, sizeof(*pg)) < 0)
			return -EFAULT;
		r = hs3(__NR_ioctl, fd, TIOCGPGRP, &hp);
		if (r == 0)
			*pg = (int)gk_to_guest_pid(hp);
		return r;
	case TIOCSPGRP:
		if (gk_uread_ok(pg, sizeof(*pg)) < 0)
			return -EFAULT;
		hp = (int)gk_to_host_pid(*pg);
		return hs3(__NR_ioctl, fd, TIOCSPGRP, &hp);
	/* Pseudo-terminals of the sandbox's devpts (openpty, forkpty's login_tty). */
	case TIOCGPTN: case TIOCGPTLCK:
		if (gk_uwrite_ok(pg, sizeof(*pg)) < 0)
			return -EFAULT;
		return hs3(__NR_ioctl, fd, c->a[1], c->a[2]);
	case TIOCSPTLCK:
		if (gk_uread_ok(pg, sizeof(*pg)) < 0)
			return -EFAULT;
		return hs3(__NR_ioctl, fd, c->a[1], c->a[2]);
	case TIOCSCTTY: case TIOCNOTTY:
		return hs3(__NR_ioctl, fd, c->a[1], c->a[2]);
	case TIOCGPTPEER:
		/* Flags it does not know the host ignores: so does the filter's row, by their absence. */
		return gk_fd_new(hs3(__NR_ioctl, fd, TIOCGPTPEER,
				     c->a[2] & (long)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)), 0);
	}
	return gk_net_ioctl(c);	/* the interface queries, else ENOTTY */
}
