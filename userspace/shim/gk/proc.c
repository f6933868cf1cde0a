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
		    int *ctid, unsigned long tls)
{
	const unsigned long ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
				 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
	unsigned long held = 0;
	int init = gk.sig_init;
	long r;

	if (flags & ns)
		return -EPERM;
	if (flags & CLONE_THREAD)
		return gk_thread_clone(c, flags, stack, ptid, ctid, tls);
	/* Natively EINVAL: a shared handler table needs a shared mm. */
	if (flags & CLONE_SIGHAND)
		return -EINVAL;
	/* A CLONE_VM process that is not a thread (and not a vfork) is not served. */
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -ENOSYS;
	if (init)
		held = gk_sig_fork_hold();
	/* The child comes back armed (entry.S; the module re-arms it too). */
	r = gk_fork(flags & CSIGNAL);
	if (r == 0)
		gk_sig_forked();
	if (init)
		gk_sig_fork_release(held);
	if (r < 0)
		return r;
	if (r == 0) {
		gk_thread_forked();
		gk_timers_forked();
		gk_trace_forked();
		gk_patch_forked();
		if (stack)
			c->uc->uc_mcontext.rsp = stack;
		if ((flags & CLONE_CHILD_SETTID) && ctid && gk_uwrite_ok(ctid, 4) == 0)
			*ctid = (int)gk_to_guest_pid(hs0(__NR_getpid));
		if (flags & CLONE_CHILD_CLEARTID)
			gk_self()->clear_tid = ctid;
		return 0;
	}
	r = gk_to_guest_pid(r);
	if ((flags & CLONE_PARENT_SETTID) && ptid && gk_uwrite_ok(ptid, 4) == 0)
		*ptid = (int)r;
	return r;
}

/* clone3's struct clone_args, as far as this guest kernel reads it. */
struct gk_clone_args {
	unsigned long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	unsigned long set_tid, set_tid_size, cgroup;
};

static long do_clone3(struct gk_call *c)
{
	struct gk_clone_args ca;
	size_t n = (size_t)c->a[1];
	unsigned long sp;

	memset(&ca, 0, sizeof(ca));
	if (n < 64 /* CLONE_ARGS_SIZE_VER0 */ || n > 4096)
		return -EINVAL;
	if (n > sizeof(ca))
		n = sizeof(ca);
	if (gk_uread_ok((void *)c->a[0], n) < 0)
		return -EFAULT;
	memcpy(&ca, (void *)c->a[0], n);
	/* pidfds, chosen tids and cgroups are not served: glibc then falls back to clone. */
	if (ca.flags & (CLONE_PIDFD | CLONE_INTO_CGROUP | CLONE_CLEAR_SIGHAND) || ca.set_tid ||
	    ca.set_tid_size)
		return -ENOSYS;
	if ((ca.flags & CSIGNAL) || ca.exit_signal > 64 ||
	    ((ca.flags & CLONE_THREAD) && ca.exit_signal))
		return -EINVAL;
	if ((ca.stack == 0) != (ca.stack_size == 0))
		return -EINVAL;
	sp = ca.stack ? ca.stack + ca.stack_size : 0;
	return do_fork(c, ca.flags | ca.exit_signal, sp, (int *)ca.parent_tid,
		       (int *)ca.child_tid, ca.tls);
}

long sys_fork(struct gk_call *c)
{
	if (c->nr == __NR_vfork)
		return do_fork(c, CLONE_VM | CLONE_VFORK | 17 /* SIGCHLD */, 0, NULL, NULL, 0);
	if (c->nr == __NR_fork)
		return do_fork(c, 17, 0, NULL, NULL, 0);
	if (c->nr == __NR_clone3)
		return do_clone3(c);
	/* x86_64: clone(flags, stack, parent_tid, child_tid, tls) */
	return do_fork(c, c->a[0], c->a[1], (int *)c->a[2], (int *)c->a[3], c->a[4]);
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
	else if (c->a[0] == 3 /* P_PIDFD */ && !gk_fd_ok(c->a[1]))
		return -EBADF;
	else if (c->a[0] != 0 /* P_ALL */ && c->a[0] != 3)
		return -EINVAL;
	r = gk_host_blocking(__NR_waitid, a, c);
	if (r == 0 && si && si->chld.pid > 0)
		si->chld.pid = (int)gk_to_guest_pid(si->chld.pid);
	return r;
}

/*
 * An OCI container's pid 1 (GK_BOOT_F_INIT_NS) takes neither SIGKILL nor
 * SIGSTOP from a process of its namespace, itself included (pid_namespaces(7)),
 * which the host would deliver: @target is the guest pid or tgid named.
 */
static int init_spared(long target, unsigned long sig)
{
	return (gk.boot.flags & GK_BOOT_F_INIT_NS) && (gk.boot.flags & GK_BOOT_F_PIDNS) &&
	       (int)target == 1 && (sig == 9 || sig == 19);
}

/*
 * kill, and tkill/tgkill: a thread of this process is signalled as itself
 * (tgkill on the host); any other tid is taken for a single-threaded process.
 */
long sys_kill(struct gk_call *c)
{
	unsigned long sig = (unsigned long)c->a[c->nr == __NR_tgkill ? 2 : 1];
	long tid = c->a[c->nr == __NR_tgkill ? 1 : 0], me, target;
	struct gk_thread *t;

	if (sig > 64)
		return -EINVAL;
	if (c->nr != __NR_tkill)
		target = c->a[0];
	else if (gk.sig_init && gk_thread_find(tid))
		target = 1;	/* tkill of a thread of its own by pid 1 itself: as its pid */
	else
		target = tid;
	if (init_spared(target, sig))
		return 0;
	if (c->nr == __NR_kill)
		return hs2(__NR_kill, gk_to_host_pid(c->a[0]), sig);
	if (tid <= 0 || (c->nr == __NR_tgkill && c->a[0] <= 0))
		return -EINVAL;
	me = hs0(__NR_getpid);
	if (c->nr == __NR_tgkill && gk_to_host_pid(c->a[0]) != me)
		return c->a[0] == tid ? hs2(__NR_kill, gk_to_host_pid(tid), sig) : -ESRCH;
	t = gk_thread_find(tid);
	if (t)
		return hs3(__NR_tgkill, me, t->tid, sig);
	if (c->nr == __NR_tgkill)
		return -ESRCH;
	return hs2(__NR_kill, gk_to_host_pid(tid), sig);
}

/* getpid, getppid, getpgrp, setsid: no arguments, a pid back (gettid: thread.c). */
long sys_pid_ret(struct gk_call *c)
{
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

/* exit ends the calling thread, the process with it when it was the last one. */
long sys_exit(struct gk_call *c)
{
	if (c->nr == __NR_exit && gk_thread_others())
		gk_thread_exit((int)c->a[0]);
	gk_thread_robust_all();
	/* The call never returns: its line is written now, its result "?" (strace's). */
	if (gk_tracing())
		gk_trace(c, 0, 0);
	if (gk.boot.flags & GK_BOOT_F_TRACE_SUM) {
		/* the exit itself is a call the table counts, as strace's does */
		gk_trace_count(c, 0, 0);
		gk_trace_summary();
		gk_patch_summary();
	}
	if (gk.boot.flags & (GK_BOOT_F_TRACE | GK_BOOT_F_TRACE_SUM))
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
