// SPDX-License-Identifier: GPL-2.0
// proc.c - processes: fork/vfork/clone as host forks, wait, kill, guest pids, execve.
#include <linux/sched.h>

#include "gk.h"

#define GK_XBUF (256 * 1024)

long gk_to_guest_pid(long h)
{
	return h <= 0 ? h : h - gk.pid_off;
}

long gk_to_host_pid(long g)
{
	if (g > 0)
		return g + gk.pid_off;
	if (g < -1)
		return g - gk.pid_off;
	return g;
}

static long do_fork(struct gk_call *c, unsigned long flags, unsigned long stack, int *ptid,
		    int *ctid)
{
	const unsigned long ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
				 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
	long r;

	/* Threads are a later issue; a CLONE_VM child without CLONE_VFORK is one too. */
	if ((flags & (CLONE_THREAD | CLONE_SIGHAND)) ||
	    ((flags & CLONE_VM) && !(flags & CLONE_VFORK)))
		return -ENOSYS;
	if (flags & ns)
		return -EPERM;
	/* The child comes back armed (entry.S; the module re-arms it too). */
	r = gk_fork(flags & CSIGNAL);
	if (r < 0)
		return r;
	if (r == 0) {
		if (stack)
			c->uc->uc_mcontext.rsp = stack;
		if ((flags & CLONE_CHILD_SETTID) && ctid && gk_uwrite_ok(ctid, 4) == 0)
			*ctid = (int)gk_to_guest_pid(hs0(__NR_getpid));
		return 0;
	}
	r = gk_to_guest_pid(r);
	if ((flags & CLONE_PARENT_SETTID) && ptid && gk_uwrite_ok(ptid, 4) == 0)
		*ptid = (int)r;
	return r;
}

long sys_fork(struct gk_call *c)
{
	if (c->nr == __NR_vfork)
		return do_fork(c, CLONE_VM | CLONE_VFORK | 17 /* SIGCHLD */, 0, NULL, NULL);
	if (c->nr == __NR_fork)
		return do_fork(c, 17, 0, NULL, NULL);
	return do_fork(c, c->a[0], c->a[1], (int *)c->a[2], (int *)c->a[3]);
}

long sys_wait4(struct gk_call *c)
{
	long a[6] = { gk_to_host_pid(c->a[0]), c->a[1], c->a[2], c->a[3], 0, 0 };

	return gk_to_guest_pid(gk_host_blocking(__NR_wait4, a, c));
}

long sys_waitid(struct gk_call *c)
{
	long a[6] = { c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], 0 }, r;
	struct gk_siginfo *si = (struct gk_siginfo *)c->a[2];

	if (c->a[0] == 1 /* P_PID */ || c->a[0] == 2 /* P_PGID */)
		a[1] = gk_to_host_pid(c->a[1]);
	else if (c->a[0] != 0 /* P_ALL */)
		return -EINVAL;
	r = gk_host_blocking(__NR_waitid, a, c);
	if (r == 0 && si && si->chld.pid > 0)
		si->chld.pid = (int)gk_to_guest_pid(si->chld.pid);
	return r;
}

/* kill, and tkill/tgkill: with no threads a thread is its process. */
long sys_kill(struct gk_call *c)
{
	unsigned long sig = (unsigned long)c->a[c->nr == __NR_tgkill ? 2 : 1];

	if (sig > 64)
		return -EINVAL;
	if (c->nr == __NR_tgkill) {
		if (c->a[0] <= 0 || c->a[1] <= 0)
			return -EINVAL;
		if (c->a[0] != c->a[1])
			return -ESRCH;
		return hs2(__NR_kill, gk_to_host_pid(c->a[1]), sig);
	}
	if (c->nr == __NR_tkill && c->a[0] <= 0)
		return -EINVAL;
	return hs2(__NR_kill, gk_to_host_pid(c->a[0]), sig);
}

/* getpid, getppid, gettid, getpgrp, setsid: no arguments, a pid back. */
long sys_pid_ret(struct gk_call *c)
{
	if (c->nr == __NR_gettid)
		return gk_to_guest_pid(hs0(__NR_getpid));
	if (c->nr == __NR_getpgrp)
		return gk_to_guest_pid(hs1(__NR_getpgid, 0));
	return gk_to_guest_pid(hs0(c->nr));
}

long sys_getpgid(struct gk_call *c)
{
	return gk_to_guest_pid(hs1(c->nr, gk_to_host_pid(c->a[0])));
}

long sys_setpgid(struct gk_call *c)
{
	return hs2(__NR_setpgid, gk_to_host_pid(c->a[0]), gk_to_host_pid(c->a[1]));
}

long sys_set_tid_address(struct gk_call *c)
{
	(void)c;
	return gk_to_guest_pid(hs0(__NR_getpid));
}

long sys_exit(struct gk_call *c)
{
	if (gk.boot.flags & GK_BOOT_F_TRACE)
		gk_nosys_report();
	gk_exit((int)c->a[0]);
}

/* Copies a NULL-terminated string vector out of workload memory. */
static long copy_vec(char **src, char **dst, int max, char *buf, size_t *used, size_t cap)
{
	int n = 0;
	long len;

	for (;; n++) {
		if (!src)
			break;
		if (gk_uread_ok(&src[n], sizeof(src[n])) < 0)
			return -EFAULT;
		if (!src[n])
			break;
		if (n >= max || *used >= cap)
			return -E2BIG;
		len = gk_ustr(buf + *used, src[n], cap - *used);
		if (len == -ENAMETOOLONG)
			return -E2BIG;
		if (len < 0)
			return len;
		dst[n] = buf + *used;
		*used += len + 1;
	}
	dst[n] = NULL;
	return n;
}

static long do_execve(struct gk_call *c, long dirfd, const char *path, char **argv, char **envp)
{
	static char xbuf[GK_XBUF];
	static char *xvec[4096];
	struct gk_exec_args ea = { .buf = xbuf, .cap = GK_XBUF };
	char abs[GK_PATH_MAX];
	long n;

	n = gk_path_abs(dirfd, path, abs, sizeof(abs));
	if (n < 0)
		return n;
	n = copy_vec(argv, xvec, 2000, xbuf, &ea.used, ea.cap);
	if (n < 0)
		return n;
	ea.argc = (int)n;
	ea.argv = xvec;
	ea.envp = xvec + n + 1;
	n = copy_vec(envp, ea.envp, 2000, xbuf, &ea.used, ea.cap);
	if (n < 0)
		return n;
	ea.envc = (int)n;
	if (!ea.argc)
		return -EINVAL;
	return gk_execve(c, abs, &ea);
}

long sys_execve(struct gk_call *c)
{
	if (c->nr == __NR_execveat) {
		if (c->a[4] & 0x1000 /* AT_EMPTY_PATH */)
			return -ENOSYS;
		return do_execve(c, c->a[0], (const char *)c->a[1], (char **)c->a[2],
				 (char **)c->a[3]);
	}
	return do_execve(c, -100, (const char *)c->a[0], (char **)c->a[1], (char **)c->a[2]);
}
