// SPDX-License-Identifier: GPL-2.0
// pidfd.c - pidfd_getfd: a descriptor of another process of the sandbox, never of its init or the guest kernel's.
#include <linux/fcntl.h>
#include <linux/openat2.h>

#include "gk.h"

/*
 * What holds, gate jump or not:
 *  - the host row admits pidfd_getfd only on a workload pidfd (<= 999), for a
 *    target descriptor <= 999 (never a guest kernel descriptor of any process:
 *    those are 1000..1023 everywhere) and flags 0;
 *  - the launcher's init is the one process in the pid namespace that is not
 *    the workload's, and no filter row can tell whose process a pidfd names:
 *    the init makes itself non-dumpable before any workload code runs
 *    (init.c), and its mm belongs to the launcher's user namespace, where
 *    the workload has no CAP_SYS_PTRACE, so the host's ptrace check
 *    (PTRACE_MODE_ATTACH_REALCREDS) refuses it (EPERM) whoever asks;
 *  - the guest kernel additionally answers EPERM itself for a pidfd whose
 *    process is not a guest process (its fdinfo Pid: in the namespace is
 *    below 2), and EBADF for a target descriptor the guest kernel owns.
 * Between the workload's processes the host's rules are the native ones (same
 * credentials; Yama where the host has it).  A fetched descriptor is, like
 * one received with SCM_RIGHTS, the workload's with no recorded path.
 */

/* The namespace pid of the process pidfd @fd names (0: exited, <0: an error). */
static long pidfd_pid(long fd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	char path[48], buf[512], *p;
	long f, n, pid = 0, neg = 0;

	if (gk.boot.proc_fd < 0)
		return -EPERM;
	snprintf(path, sizeof(path), "thread-self/fdinfo/%ld", fd);
	f = gk_fd_host(hs4(__NR_openat2, gk.boot.proc_fd, path, &how, sizeof(how)));
	if (f < 0)
		return -EBADF;	/* not open */
	n = hs3(__NR_read, f, buf, sizeof(buf) - 1);
	hs1(__NR_close, f);
	if (n <= 0)
		return -EBADF;
	buf[n] = 0;
	p = strstr(buf, "\nPid:");
	if (!p)
		return -EBADF;	/* not a pidfd */
	for (p += 5; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '-')
		neg = 1, p++;
	while (*p >= '0' && *p <= '9')
		pid = pid * 10 + (*p++ - '0');
	return neg ? -pid : pid;
}

long sys_pidfd_getfd(struct gk_call *c)
{
	long pid, fd;

	if (c->a[2])
		return -EINVAL;
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	/* Without a pid namespace the pidfd may name any host process: not served. */
	if (!(gk.boot.flags & GK_BOOT_F_PIDNS))
		return -EPERM;
	pid = pidfd_pid(c->a[0]);
	if (pid < 0 && pid != -1)
		return pid;
	if (pid == 0 || pid == -1)
		return -ESRCH;	/* the process is gone, as natively */
	if (pid < 2)
		return -EPERM;	/* the launcher's init */
	if ((int)c->a[1] < 0 || c->a[1] >= GK_FD_BASE)
		return -EBADF;	/* not a workload descriptor there */
	fd = gk_fd_new(hs3(__NR_pidfd_getfd, c->a[0], c->a[1], 0), 0);
	if (fd >= 0)
		gk_fd_mark_foreign(fd);
	return fd;
}
