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

	if (r == 0)
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
		if (c->a[i])
			*(unsigned int *)c->a[i] = v;
	return 0;
}

long sys_getgroups(struct gk_call *c)
{
	(void)c;
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
		return c->a[0] == 0 ? 0 : -EPERM;
	if (c->nr == __NR_setfsuid || c->nr == __NR_setfsgid)
		return (long)want;
	for (i = 0; i < n; i++)
		if ((unsigned int)c->a[i] != want && (int)c->a[i] != -1)
			return -EPERM;
	return 0;
}

static long do_prlimit(long res, const struct rlimit64 *nl, struct rlimit64 *ol)
{
	long r = hs4(__NR_prlimit64, 0, res, nl, ol);

	/* Descriptors from GK_FD_BASE up are the guest kernel's. */
	if (r == 0 && ol && res == RLIMIT_NOFILE) {
		if (ol->rlim_cur > GK_FD_BASE)
			ol->rlim_cur = GK_FD_BASE;
		if (ol->rlim_max > GK_FD_BASE)
			ol->rlim_max = GK_FD_BASE;
	}
	return r;
}

long sys_rlimit(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_getrlimit:
		return do_prlimit(c->a[0], NULL, (struct rlimit64 *)c->a[1]);
	case __NR_setrlimit:
		return do_prlimit(c->a[0], (const struct rlimit64 *)c->a[1], NULL);
	}
	if (c->a[0] && gk_to_host_pid(c->a[0]) != hs0(__NR_getpid))
		return -EPERM;
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
	return gk_host_blocking(c->nr, c->a, c);
}

/* Extended attributes are not served yet: "not supported" is what ls and cp expect then. */
long sys_enotsup(struct gk_call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}

/* Futexes on the workload's own memory: wait, wake, requeue, bitset (the host list's ops). */
long sys_futex(struct gk_call *c)
{
	long op = c->a[1] & ~(128L /* PRIVATE */ | 256L /* CLOCK_REALTIME */);

	if ((c->a[1] & 256) && op != 0 && op != 9)
		return -ENOSYS;

	if (op != 0 && op != 1 && op != 4 && op != 5 && op != 9 && op != 10)
		return -ENOSYS;
	return gk_host_blocking(__NR_futex, c->a, c);
}
