// SPDX-License-Identifier: GPL-2.0
// misc.c - identity, time, limits and process attributes as the workload sees them.
#include <linux/prctl.h>
#include <linux/resource.h>

#include "gk.h"

/* Calls the host serves unchanged (each is on the allowlist). */
long sys_pass(struct gk_call *c)
{
	return hs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

/* Hints on a descriptor: nothing the host must do. */
long sys_fd_hint(struct gk_call *c)
{
	return gk_fd_ok(c->a[0]) ? 0 : -EBADF;
}

long sys_fstat(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	return hs4(__NR_newfstatat, c->a[0], "", c->a[1], 0x1000 /* AT_EMPTY_PATH */);
}

/* alarm(s) is setitimer(ITIMER_REAL) with whole seconds, rounded as the kernel does. */
long sys_alarm(struct gk_call *c)
{
	struct {
		long isec, iusec, sec, usec;
	} nv = { 0, 0, (unsigned int)c->a[0], 0 }, ov = { 0, 0, 0, 0 };

	hs3(__NR_setitimer, 0, &nv, &ov);
	if ((!ov.sec && ov.usec) || ov.usec >= 500000)
		ov.sec++;
	return ov.sec;
}

long sys_itimer(struct gk_call *c)
{
	if ((unsigned long)c->a[0] > 2)
		return -EINVAL;
	return hs3(c->nr, c->a[0], c->a[1], c->a[2]);
}

/* time() and gettimeofday() from CLOCK_REALTIME (the vDSO serves them first anyway). */
long sys_time(struct gk_call *c)
{
	struct {
		long sec, nsec;
	} ts;
	long r = hs2(__NR_clock_gettime, 0 /* CLOCK_REALTIME */, &ts);

	if (r < 0)
		return r;
	if (c->nr == __NR_time) {
		if (c->a[0] && gk_uwrite_ok((void *)c->a[0], 8) < 0)
			return -EFAULT;
		if (c->a[0])
			*(long *)c->a[0] = ts.sec;
		return ts.sec;
	}
	if (c->a[0]) {
		if (gk_uwrite_ok((void *)c->a[0], 16) < 0)
			return -EFAULT;
		((long *)c->a[0])[0] = ts.sec;
		((long *)c->a[0])[1] = ts.nsec / 1000;
	}
	if (c->a[1]) {
		if (gk_uwrite_ok((void *)c->a[1], 8) < 0)
			return -EFAULT;
		memset((void *)c->a[1], 0, 8);
	}
	return 0;
}

long sys_sigpending(struct gk_call *c)
{
	if (c->a[1] != 8)
		return -EINVAL;
	return hs2(__NR_rt_sigpending, c->a[0], 8);
}

long sys_clock_nanosleep(struct gk_call *c)
{
	if (c->a[1] & ~1L /* TIMER_ABSTIME */)
		return -EINVAL;
	return gk_host_blocking(__NR_clock_nanosleep, c->a, c);
}

long sys_umask(struct gk_call *c)
{
	return hs1(__NR_umask, c->a[0] & 0777);
}

long sys_getrandom(struct gk_call *c)
{
	if (c->a[2] & ~7L)
		return -EINVAL;
	return gk_host_blocking(__NR_getrandom, c->a, c);
}

long sys_pass_block(struct gk_call *c)
{
	return gk_host_blocking(c->nr, c->a, c);
}

long sys_uname(struct gk_call *c)
{
	char *u = (char *)c->a[0];
	long r = hs1(__NR_uname, u);

	/*
	 * In its own UTS namespace the launcher set the name (an OCI config's
	 * hostname, else "kiste"); without namespaces the host's must not show.
	 */
	if (r == 0 && !(gk.boot.flags & GK_BOOT_F_PIDNS))
		gk_strlcpy(u + 65, "kiste", 65); /* nodename */
	return r;
}

long sys_getid(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_getuid:
	case __NR_geteuid:
		return gk.uid;
	case __NR_getgid:
	case __NR_getegid:
		return gk.gid;
	}
	return -ENOSYS;
}

long sys_getresid(struct gk_call *c)
{
	unsigned int v = c->nr == __NR_getresuid ? gk.uid : gk.gid;
	int i;

	for (i = 0; i < 3; i++)
		if (c->a[i] && gk_uwrite_ok((void *)c->a[i], 4) < 0)
			return -EFAULT;
	for (i = 0; i < 3; i++)
		if (c->a[i])
			*(unsigned int *)c->a[i] = v;
	return 0;
}

/*
 * Supplementary groups: the guest kernel's record, per process (fork copies
 * it, exec keeps it), as reported identities are (--user).  Root of the
 * sandbox sets them; they are reported, not enforced (the host's credentials
 * stay the sandbox root's, userspace/shim/README.md).
 */
#define GK_NGROUPS 64
static unsigned int groups[GK_NGROUPS];
static int ngroups;

long sys_getgroups(struct gk_call *c)
{
	long n = c->a[0];

	if (n < 0)
		return -EINVAL;
	if (!n)
		return ngroups;
	if (n < ngroups)
		return -EINVAL;
	if (ngroups && gk_uwrite_ok((void *)c->a[1], ngroups * sizeof(unsigned int)) < 0)
		return -EFAULT;
	memcpy((void *)c->a[1], groups, ngroups * sizeof(unsigned int));
	return ngroups;
}

static long set_groups(long n, const unsigned int *list)
{
	if (gk.uid != 0)
		return -EPERM;
	if (n < 0 || n > GK_NGROUPS)
		return -EINVAL;
	if (n && gk_uread_ok(list, n * sizeof(*list)) < 0)
		return -EFAULT;
	memcpy(groups, list, n * sizeof(*list));
	ngroups = (int)n;
	return 0;
}

/* setuid and friends: only to the identity the workload already has. */
long sys_setid(struct gk_call *c)
{
	unsigned int want = (c->nr == __NR_setuid || c->nr == __NR_setreuid ||
			     c->nr == __NR_setresuid || c->nr == __NR_setfsuid) ? gk.uid : gk.gid;
	int i, n = (c->nr == __NR_setresuid || c->nr == __NR_setresgid) ? 3 :
		   (c->nr == __NR_setreuid || c->nr == __NR_setregid) ? 2 : 1;

	if (c->nr == __NR_setgroups)
		return set_groups(c->a[0], (const unsigned int *)c->a[1]);
	if (c->nr == __NR_setfsuid || c->nr == __NR_setfsgid)
		return (long)want;
	for (i = 0; i < n; i++)
		if ((unsigned int)c->a[i] != want && (int)c->a[i] != -1)
			return -EPERM;
	return 0;
}

/*
 * RLIMIT_NOFILE is the guest kernel's to keep: the host's is GK_FD_LIMIT and
 * must stay so (its slots from GK_FD_BASE up are the guest kernel's, boot.h);
 * the workload sees at most GK_FD_BASE and may lower it, and fs.c answers
 * EMFILE beyond it as the kernel would.  RLIMIT_CORE too: the host's is 1,
 * soft and hard (sandbox.c), the one value that stops a core dump to a pipe
 * (core_pattern "|helper") as well as to a file, now that the workload is
 * dumpable (launch.c); the workload sees 0 and may keep it there.
 */
static long kept(const struct rlimit64 *nl, struct rlimit64 *ol, unsigned long *cur,
		 unsigned long *max)
{
	struct rlimit64 want;

	if (ol && gk_uwrite_ok(ol, sizeof(*ol)) < 0)
		return -EFAULT;
	if (nl) {
		if (gk_uread_ok(nl, sizeof(*nl)) < 0)
			return -EFAULT;
		want = *nl;
		if (want.rlim_cur > want.rlim_max)
			return -EINVAL;
		/* Raising the hard limit takes CAP_SYS_RESOURCE on the host: never here. */
		if (want.rlim_max > *max)
			return -EPERM;
	}
	if (ol) {
		ol->rlim_cur = *cur;
		ol->rlim_max = *max;
	}
	if (nl) {
		*cur = want.rlim_cur;
		*max = want.rlim_max;
	}
	return 0;
}

static long do_prlimit(long res, const struct rlimit64 *nl, struct rlimit64 *ol)
{
	if (res == RLIMIT_NOFILE)
		return kept(nl, ol, &gk.nofile_cur, &gk.nofile_max);
	if (res == RLIMIT_CORE)
		return kept(nl, ol, &gk.core_cur, &gk.core_max);
	return hs4(__NR_prlimit64, 0, res, nl, ol);
}

long sys_rlimit(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_getrlimit:
		return do_prlimit(c->a[0], NULL, (struct rlimit64 *)c->a[1]);
	case __NR_setrlimit:
		return do_prlimit(c->a[0], (const struct rlimit64 *)c->a[1], NULL);
	}
	/* a tid of this process names it too; another process is not ours to change */
	if (c->a[0] < 0)
		return -ESRCH;
	if (c->a[0] && !gk_thread_find(c->a[0]))
		return hs2(__NR_kill, gk_to_host_pid(c->a[0]), 0) == -ESRCH ? -ESRCH : -EPERM;
	return do_prlimit(c->a[1], (const struct rlimit64 *)c->a[2], (struct rlimit64 *)c->a[3]);
}

long sys_arch_prctl(struct gk_call *c)
{
	if (c->a[0] != 0x1002 /* ARCH_SET_FS */ && c->a[0] != 0x1003 /* ARCH_GET_FS */)
		return -EINVAL;
	return hs2(__NR_arch_prctl, c->a[0], c->a[1]);
}

long sys_prctl(struct gk_call *c)
{
	switch (c->a[0]) {
	case PR_SET_NAME:
	case PR_GET_NAME:
		return hs2(__NR_prctl, c->a[0], c->a[1]);
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_PDEATHSIG:
	case PR_SET_DUMPABLE:
		return 0;
	case PR_SET_SYSCALL_USER_DISPATCH:
		/* Redirection is the host's to keep: never the workload's to switch. */
		return -EPERM;
	}
	return -EINVAL;
}

long sys_zero(struct gk_call *c)
{
	(void)c;
	return 0;
}

long sys_eperm(struct gk_call *c)
{
	(void)c;
	return -EPERM;
}

/* sendfile(out, in, ...), copy_file_range(in, off, out, ...), splice, tee. */
long sys_two_fds(struct gk_call *c)
{
	int second = (c->nr == __NR_sendfile || c->nr == __NR_tee) ? 1 : 2;

	if (!gk_fd_ok(c->a[0]) || !gk_fd_ok(c->a[second]))
		return -EBADF;
	if (c->nr == __NR_copy_file_range && c->a[5])
		return -EINVAL;
	return gk_host_blocking(c->nr, c->a, c);
}

/* Extended attributes are not served yet: "not supported" is what ls and cp expect then. */
long sys_enotsup(struct gk_call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}
