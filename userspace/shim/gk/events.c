// SPDX-License-Identifier: GPL-2.0
// events.c - waiting and events: epoll, eventfd, timerfd, signalfd, inotify, pidfds, as host objects.
#include <linux/fcntl.h>
#include <linux/eventpoll.h>
#include <linux/signalfd.h>
#include <linux/time.h>
#include <linux/timerfd.h>
#include <linux/stat.h>
#include <asm/stat.h>

#include "gk.h"

/*
 * Every object here is the host's, on a descriptor in the workload's slots
 * (0..999): the host does readiness, edge and level triggering, ONESHOT,
 * EXCLUSIVE, expiry counting and signal dequeueing.  What the guest kernel
 * adds is the rule that no guest kernel descriptor (1000 and up) is ever
 * named, the guest's signal mask rules, and guest pids in what the workload
 * reads back.  The allowlist rows (allowlist.c, "Events") hold the same
 * limits for a workload that jumps into the gate.  poll and select (below)
 * keep the guest kernel's descriptors out the same way; inotify resolves its
 * path beneath the root first (sys_inotify_add_watch).
 */

#define EV_FLAGS      (O_CLOEXEC | O_NONBLOCK)
#define EFD_SEMAPHORE 1
#define SIGBIT(s)     (1UL << ((s)-1))
/* What no mask can block (sig.c): SIGKILL, SIGSTOP, and the guest kernel's own entry. */
#define NEVER_BLOCKED (SIGBIT(9) | SIGBIT(19) | SIGBIT(GK_SIGSYS))

long sys_eventfd(struct gk_call *c)
{
	long flags = c->nr == __NR_eventfd ? 0 : c->a[1];

	if (flags & ~(long)(EV_FLAGS | EFD_SEMAPHORE))
		return -EINVAL;
	return gk_fd_new(hs2(__NR_eventfd2, (unsigned int)c->a[0], flags), 0);
}

long sys_epoll_create(struct gk_call *c)
{
	long flags = 0;

	if (c->nr == __NR_epoll_create) {
		if (c->a[0] <= 0)
			return -EINVAL;
	} else {
		flags = c->a[0];
		if (flags & ~(long)EPOLL_CLOEXEC)
			return -EINVAL;
	}
	return gk_fd_new(hs1(__NR_epoll_create1, flags), 0);
}

/* Both descriptors must be the workload's: a guest kernel descriptor never joins a set. */
long sys_epoll_ctl(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]) || !gk_fd_ok(c->a[2]))
		return -EBADF;
	if (c->a[1] != EPOLL_CTL_ADD && c->a[1] != EPOLL_CTL_DEL && c->a[1] != EPOLL_CTL_MOD)
		return -EINVAL;
	return hs4(__NR_epoll_ctl, c->a[0], c->a[1], c->a[2], c->a[3]);
}

/*
 * epoll_wait, epoll_pwait, epoll_pwait2: all host epoll_pwait(2), a blocking
 * point.  A sigmask argument is handled as sigsuspend's: copied, never able to
 * block SIGSYS (the guest kernel's entry, which a handler running in the wait
 * needs), and installed by the host for the wait only; without one the wait
 * runs under the workload's own mask (gk_host_blocking), as ppoll's does.
 */
long sys_epoll_wait(struct gk_call *c)
{
	long a[6] = { c->a[0], c->a[1], c->a[2], c->a[3], 0, 8 };
	long nr = c->nr == __NR_epoll_pwait2 ? __NR_epoll_pwait2 : __NR_epoll_pwait;
	unsigned long m;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->nr != __NR_epoll_wait && c->a[4]) {
		if (c->a[5] != 8)
			return -EINVAL;
		if (gk_uread_ok((const void *)c->a[4], 8) < 0)
			return -EFAULT;
		m = *(const unsigned long *)c->a[4] & ~NEVER_BLOCKED;
		a[4] = (long)&m;
	}
	return gk_host_blocking(nr, a, c);
}

/* The clocks a timerfd may use; the alarm clocks need CAP_WAKE_ALARM, which no sandbox has. */
long sys_timerfd_create(struct gk_call *c)
{
	long clk = c->a[0];

	if (c->a[1] & ~(long)EV_FLAGS)
		return -EINVAL;
	if (clk == CLOCK_REALTIME_ALARM || clk == CLOCK_BOOTTIME_ALARM)
		return -EPERM;
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL;
	return gk_fd_new(hs2(__NR_timerfd_create, clk, c->a[1]), 0);
}

long sys_timerfd_time(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->nr == __NR_timerfd_gettime)
		return hs2(__NR_timerfd_gettime, c->a[0], c->a[1]);
	if (c->a[1] & ~(long)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	return hs4(__NR_timerfd_settime, c->a[0], c->a[1], c->a[2], c->a[3]);
}

/*
 * signalfd: the host's.  Signals reach the workload as host signals and its
 * mask is the host mask whenever it runs or waits (sig.c, gk_host_blocking),
 * so the signals it blocks stay pending on the host and a read dequeues them
 * as natively.  SIGSYS is never taken from the guest kernel; what is read
 * back carries guest pids (signalfd_read below).
 */
long sys_signalfd(struct gk_call *c)
{
	long ufd = c->a[0], flags = c->nr == __NR_signalfd ? 0 : c->a[3], r;
	unsigned long m;

	if (c->a[2] != 8 || (flags & ~(long)EV_FLAGS))
		return -EINVAL;
	if (ufd != -1 && !gk_fd_ok(ufd))
		return -EBADF;
	if (gk_uread_ok((const void *)c->a[1], 8) < 0)
		return -EFAULT;
	m = *(const unsigned long *)c->a[1] & ~NEVER_BLOCKED;
	r = hs4(__NR_signalfd4, ufd == -1 ? -1L : ufd, &m, 8, flags);
	if (ufd != -1 || r < 0)
		return r;
	return gk_fd_new(r, GK_FDK_SIGNALFD);
}

/* A read of a signalfd: whole records, each sender's pid (and uid) as the workload knows it. */
long gk_signalfd_read(struct gk_call *c)
{
	struct signalfd_siginfo *si = (struct signalfd_siginfo *)c->a[1];
	long r = gk_host_blocking(__NR_read, c->a, c), k;

	/*
	 * The host has just written the records, so the pages were writable; the
	 * probe only catches another thread's unmapping while the lock was let go.
	 */
	if (r <= 0 || gk_uread_ok(si, r) < 0)
		return r;
	for (k = 0; k < r / (long)sizeof(*si); k++) {
		long pid = gk_to_guest_pid((int)si[k].ssi_pid);

		if (si[k].ssi_pid == 0)
			continue;
		si[k].ssi_pid = pid > 0 ? (unsigned int)pid : 0;
		if (pid > 0)
			si[k].ssi_uid = gk.uid;
	}
	return r;
}

/* pidfds of the sandbox's processes and threads (guest pids and tids, as kill's and tgkill's). */
long sys_pidfd_open(struct gk_call *c)
{
	if (c->a[1] & ~(long)(O_NONBLOCK | O_EXCL /* PIDFD_THREAD */))
		return -EINVAL;
	if (c->a[0] <= 0)
		return -EINVAL;
	return gk_fd_new(hs2(__NR_pidfd_open, gk_to_host_pid(c->a[0]), c->a[1]), 0);
}

/*
 * As kill: the signal number only, no chosen siginfo (rt_sigqueueinfo is EPERM
 * too); the scope flags (thread, thread group, process group: 1, 2, 4) reach
 * no further than kill's pid forms do.
 */
long sys_pidfd_send_signal(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if ((unsigned long)c->a[1] > 64 || (c->a[3] & ~7L))
		return -EINVAL;
	if (c->a[2])
		return -EPERM;
	return hs4(__NR_pidfd_send_signal, c->a[0], c->a[1], 0, c->a[3]);
}

/*
 * poll and ppoll: the descriptors lie in workload memory, where the filter
 * cannot look.  A guest kernel descriptor among them is answered POLLNVAL, as
 * a descriptor that is not open is natively, and like that one it makes the
 * call return at once: the others are polled with a zero timeout, from a copy
 * in which those slots are -1 (ignored), without letting the lock go.
 * Without one the call is the host's, blocking, sigmask and all, as before.
 * (A racing thread can still change the array after the scan: the host then
 * reports an always-ready guest kernel file, or POLLNVAL for its O_PATH
 * ones; it cannot read or wait on them.)
 */
struct gk_pollfd {
	int fd;
	short events, revents;
};
static struct gk_pollfd poll_orig[GK_NFD], poll_copy[GK_NFD];

long sys_poll(struct gk_call *c)
{
	struct gk_pollfd *u = (struct gk_pollfd *)c->a[0];
	unsigned long n = (unsigned int)c->a[1], k, size = n * sizeof(*u);
	long r;

	if (n > gk.nofile_cur)
		return -EINVAL;
	if (n && gk_uread_ok(u, size) < 0)
		return -EFAULT;
	for (k = 0; k < n && u[k].fd < GK_FD_BASE; k++)
		;
	if (k == n)
		return gk_host_blocking(c->nr, c->a, c);
	memcpy(poll_orig, u, size);
	memcpy(poll_copy, poll_orig, size);
	for (k = 0; k < n; k++)
		if (poll_orig[k].fd >= GK_FD_BASE)
			poll_copy[k].fd = -1;
	r = hs3(__NR_poll, poll_copy, n, 0);
	if (r < 0)
		return r;
	for (k = 0; k < n; k++) {
		poll_copy[k].fd = poll_orig[k].fd;
		if (poll_orig[k].fd >= GK_FD_BASE) {
			poll_copy[k].revents = 0x20; /* POLLNVAL */
			r++;
		}
	}
	if (gk_uwrite_ok(u, size) < 0)
		return -EFAULT;
	memcpy(u, poll_copy, size);
	return r;
}

/*
 * select and pselect6: a guest kernel descriptor is beyond the workload's
 * table, so nfds is cut to GK_FD_BASE, as the kernel cuts it to the size of a
 * table, where the bits above are neither looked at nor written.  The host
 * writes whole words, so the bits of the last word from GK_FD_BASE up are put
 * back as they were.  The filter holds nfds to the same bound.
 */
#define SEL_WORD (GK_FD_BASE / 64)
#define SEL_KEEP (~0UL << (GK_FD_BASE % 64))

long sys_select(struct gk_call *c)
{
	long a[6] = { c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5] }, r;
	unsigned long saved[3] = { 0, 0, 0 }, *set;
	int k, cut = a[0] > GK_FD_BASE;

	if (a[0] < 0)
		return -EINVAL;
	for (k = 0; cut && k < 3; k++) {
		set = (unsigned long *)a[1 + k];
		if (set && gk_uread_ok(&set[SEL_WORD], 8) < 0)
			return -EFAULT;
		if (set)
			saved[k] = set[SEL_WORD];
	}
	if (cut)
		a[0] = GK_FD_BASE;
	r = gk_host_blocking(c->nr, a, c);
	for (k = 0; cut && k < 3; k++) {
		set = (unsigned long *)a[1 + k];
		if (set && gk_uread_ok(&set[SEL_WORD], 8) == 0)
			set[SEL_WORD] = (set[SEL_WORD] & ~SEL_KEEP) | (saved[k] & SEL_KEEP);
	}
	return r;
}

long sys_inotify_init(struct gk_call *c)
{
	long flags = c->nr == __NR_inotify_init ? 0 : c->a[0];

	if (flags & ~(long)EV_FLAGS) /* IN_CLOEXEC, IN_NONBLOCK */
		return -EINVAL;
	return gk_fd_new(hs1(__NR_inotify_init1, flags), 0);
}

#define GK_IN_DONT_FOLLOW 0x02000000UL
/* The kernel's ALL_INOTIFY_BITS: events, IN_UNMOUNT..IN_IGNORED, and the flags. */
#define GK_IN_ALL_BITS                                                                             \
	(0xfffUL | 0xe000UL | 0x01000000UL | GK_IN_DONT_FOLLOW | 0x04000000UL | 0x10000000UL |     \
	 0x20000000UL | 0x40000000UL | 0x80000000UL)
#define WATCH_HOPS 8

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * A directory and one component in it that name @want, which @abs resolved
 * to: a symlink met as the last component is read and its target taken
 * instead, at most WATCH_HOPS times.  The pair must name @want's inode
 * (ELOOP otherwise: a relative target whose ".." reads differently joined
 * lexically), so the watch is on exactly what resolution beneath the root
 * found.
 */
static long watch_parent(const char *abs0, const struct stat *want, char *last, size_t n)
{
	char abs[GK_PATH_MAX], link[GK_PATH_MAX];
	struct stat st;
	long dir, len;
	size_t i;
	int hop;

	gk_strlcpy(abs, abs0, sizeof(abs));
	for (hop = 0; hop < WATCH_HOPS; hop++) {
		dir = gk_open_parent(abs, last, n);
		if (dir < 0)
			return dir;
		if (hs4(__NR_newfstatat, dir, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    same_inode(&st, want))
			return dir;
		len = hs4(__NR_readlinkat, dir, last, link, sizeof(link) - 1);
		hs1(__NR_close, dir);
		if (len <= 0)
			return -ELOOP;
		link[len] = 0;
		for (i = strlen(abs); i > 0 && abs[i - 1] != '/'; i--)
			;
		if (link[0] == '/')
			i = 0;
		if (i + (size_t)len + 1 > sizeof(abs))
			return -ENAMETOOLONG;
		memcpy(abs + i, link, (size_t)len + 1);
		gk_normalize(abs);
	}
	return -ELOOP;
}

/*
 * inotify_add_watch takes a path and no directory descriptor, so the host
 * would resolve it by itself.  The guest kernel resolves it beneath the root
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, as every open), then
 * names the result to the host as one component, never followed, of a
 * directory it holds: it makes that directory the host cwd for the call
 * ("." for a directory itself) and puts the cwd back.  Nothing in the guest
 * kernel resolves against the host cwd (every host path call names a
 * resolved descriptor), and the big lock is held throughout.  /proc is not
 * watched (EACCES).  The filter insists on IN_DONT_FOLLOW.
 */
long sys_inotify_add_watch(struct gk_call *c)
{
	unsigned long mask = (unsigned int)c->a[2];
	char abs[GK_PATH_MAX], norm[GK_PATH_MAX], last[256];
	const char *name = ".";
	long target, dir, cwd, r;
	struct stat st;

	if (!(mask & GK_IN_ALL_BITS))
		return -EINVAL; /* the one check IN_DONT_FOLLOW added below would pass */
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	/* The host's checks of mask and instance come before the path, as natively: "" is ENOENT. */
	r = hs3(__NR_inotify_add_watch, c->a[0], "", mask | GK_IN_DONT_FOLLOW);
	if (r != -ENOENT)
		return r < 0 ? r : -EIO;
	r = gk_path_abs(-100, (const char *)c->a[1], abs, sizeof(abs));
	if (r < 0)
		return r;
	if (gk_proc_path(abs, norm, sizeof(norm)))
		return -EACCES;
	target = gk_open_abs(
		abs, O_PATH | O_CLOEXEC | ((mask & GK_IN_DONT_FOLLOW) ? O_NOFOLLOW : 0), 0, 0);
	if (target < 0)
		return target;
	r = hs4(__NR_newfstatat, target, "", &st, AT_EMPTY_PATH);
	dir = target;
	if (r == 0 && (st.st_mode & S_IFMT) != S_IFDIR) {
		dir = watch_parent(abs, &st, last, sizeof(last));
		name = last;
	}
	if (r < 0 || dir < 0) {
		hs1(__NR_close, target);
		return r < 0 ? r : dir;
	}
	r = hs1(__NR_fchdir, dir);
	if (r == 0) {
		r = hs3(__NR_inotify_add_watch, c->a[0], name, mask | GK_IN_DONT_FOLLOW);
		cwd = gk_open_abs(gk.cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);
		if (cwd >= 0) {
			hs1(__NR_fchdir, cwd);
			hs1(__NR_close, cwd);
		}
	}
	if (dir != target)
		hs1(__NR_close, dir);
	hs1(__NR_close, target);
	return r;
}

long sys_inotify_rm_watch(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	return hs2(__NR_inotify_rm_watch, c->a[0], c->a[1]);
}
