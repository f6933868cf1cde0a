// SPDX-License-Identifier: GPL-2.0
// ipc.c - anonymous files (memfd_create), System V IPC and POSIX message queues for the workload.
#include <linux/ipc.h>
#include <linux/memfd.h>
#include <linux/shm.h>

#include "gk.h"
#include "../ipc_policy.h"

/* Linux 6.3's exec-sealing flags (Debian 12's headers predate them). */
#define GK_MFD_NOEXEC_SEAL 0x0008U
#define GK_MFD_EXEC 0x0010U
/* No MFD_HUGETLB: huge pages are a host pool outside every memory limit (as mmap's row). */
#define GK_MFD_OK (MFD_CLOEXEC | MFD_ALLOW_SEALING | GK_MFD_NOEXEC_SEAL | GK_MFD_EXEC)
#define GK_MFD_NAME_MAX 249	/* the kernel's limit, without "memfd:" and the NUL */

/*
 * memfd_create: the host's, with the name copied here first (EFAULT and
 * EINVAL as natively) and the descriptor counted against the workload's
 * RLIMIT_NOFILE like every other.  The allowlist admits the same flags.
 */
long sys_memfd_create(struct gk_call *c)
{
	char name[GK_MFD_NAME_MAX + 2];
	long r;

	r = gk_ustr(name, (const char *)c->a[0], sizeof(name));
	if (r == -EFAULT)
		return r;
	if (r < 0 || r > GK_MFD_NAME_MAX)
		return -EINVAL;
	if (c->a[1] & MFD_HUGETLB)
		return -EPERM;
	if (c->a[1] & ~(long)GK_MFD_OK)
		return -EINVAL;
	return gk_fd_new(hs2(__NR_memfd_create, name, c->a[1]), 0);
}

/*
 * System V IPC and POSIX message queues live in the sandbox's own ipc
 * namespace: the host serves them there, and only there (without namespaces
 * the host's objects would be shared: ENOSYS, as the allowlist has no rows).
 * What the guest kernel adds: pids in the records are guest pids, shmat
 * never maps over or below the guest kernel, and the calls that wait let a
 * signal in as natively.
 */
#define GK_GETPID 11		/* semctl */

static int ipc_ns(void)
{
	return !!(gk.boot.flags & GK_BOOT_F_PIDNS);
}

/* A pid field of a record the host just wrote: host pid -> guest pid. */
static void pid_field(unsigned long buf, unsigned long off)
{
	int *p = (int *)(buf + off);

	*p = (int)gk_to_guest_pid(*p);
}

/* Offsets of the pids in struct shmid64_ds and msqid64_ds (x86_64). */
#define GK_SHM_CPID 80
#define GK_SHM_LPID 84
#define GK_MSG_LSPID 96
#define GK_MSG_LRPID 100
#define GK_SHM_DS_SIZE 112	/* struct shmid64_ds */
#define GK_SHM_SEGSZ 48		/* its shm_segsz, after the 48-byte ipc64_perm */
#define GK_MSQ_DS_SIZE 120	/* struct msqid64_ds */

/*
 * A shmat at @addr: whether the segment would land on the guest kernel's
 * memory (the host refuses an overlap without SHM_REMAP: EINVAL, as here).
 * A patched site's near slot page there is given up first (gk_overlaps_self),
 * as the place is free natively.  A segment the host cannot stat is left to
 * the host's own answer.
 */
static int shmat_overlaps(long id, unsigned long addr, long flags)
{
	unsigned char ds[GK_SHM_DS_SIZE];
	unsigned long size;

	if (flags & SHM_RND)
		addr &= ~(GK_PAGE - 1);
	if (hs3(__NR_shmctl, id, IPC_STAT, ds) < 0)	/* x86_64's layout is the 64-bit one */
		return 0;
	memcpy(&size, ds + GK_SHM_SEGSZ, sizeof(size));
	return gk_overlaps_self(addr, size);
}

/*
 * The commands that write a record with pids back: IPC_STAT (2), SHM_STAT (13)
 * and SHM_STAT_ANY (15) for shmctl; IPC_STAT, MSG_STAT (11) and MSG_STAT_ANY
 * (13) for msgctl (11 is SHM_LOCK for shmctl, 15 no msgctl command).
 */
static int is_stat(long nr, long cmd)
{
	cmd &= ~(long)KI_IPC_64;
	if (nr == __NR_shmctl)
		return cmd == 2 || cmd == 13 || cmd == 15;
	return cmd == 2 || cmd == 11 || cmd == 13;
}

#define KI_CASE(c) case c:
/* @cmd is on ipc_policy.h's list for @nr's family (the filter's list too). */
static int cmd_ok(long nr, long cmd)
{
	if (nr == __NR_shmctl) {
		switch (cmd & ~(long)KI_IPC_64) {
		KI_SHM_CMDS(KI_CASE)
			return 1;
		}
	} else if (nr == __NR_semctl) {
		switch (cmd & ~(long)KI_IPC_64) {
		KI_SEM_CMDS(KI_CASE)
			return 1;
		}
	} else {
		switch (cmd & ~(long)KI_IPC_64) {
		KI_MSG_CMDS(KI_CASE)
			return 1;
		}
	}
	return 0;
}

static long ipc_ctl(struct gk_call *c, long cmd, long buf)
{
	long r;

	if ((cmd & ~(long)(KI_IPC_64 | 0xff)) || !cmd_ok(c->nr, cmd))
		return -EINVAL;
	if (c->nr == __NR_semctl) {
		r = hs4(__NR_semctl, c->a[0], c->a[1], cmd, c->a[3]);
		if (r > 0 && (cmd & ~(long)KI_IPC_64) == GK_GETPID)
			r = gk_to_guest_pid(r);
		return r;
	}
	if (is_stat(c->nr, cmd) && buf &&
	    gk_uwrite_ok((void *)buf, c->nr == __NR_shmctl ? GK_SHM_DS_SIZE : GK_MSQ_DS_SIZE) < 0)
		return -EFAULT;
	r = hs3(c->nr, c->a[0], cmd, buf);
	if (r < 0 || !is_stat(c->nr, cmd) || !buf)
		return r;
	if (c->nr == __NR_shmctl) {
		pid_field(buf, GK_SHM_CPID);
		pid_field(buf, GK_SHM_LPID);
	} else {
		pid_field(buf, GK_MSG_LSPID);
		pid_field(buf, GK_MSG_LRPID);
	}
	return r;
}

long sys_sysv(struct gk_call *c)
{
	long a[6];
	int i;

	if (!ipc_ns())
		return -ENOSYS;
	for (i = 0; i < 6; i++)
		a[i] = c->a[i];
	switch (c->nr) {
	case __NR_shmget:
		return hs3(__NR_shmget, a[0], a[1], a[2] & (long)KI_SHMGET_FLAGS);
	case __NR_semget:
	case __NR_msgget:
		i = c->nr == __NR_msgget ? 1 : 2;
		a[i] &= (long)KI_GET_FLAGS;
		return hs3(c->nr, a[0], a[1], a[2]);
	case __NR_shmat:
		if (a[2] & ~(long)KI_SHMAT_FLAGS)
			return -EINVAL;
		if (a[1] && (unsigned long)a[1] < gk.boot.image_end)
			return -EINVAL;
		if (a[1] && shmat_overlaps(a[0], a[1], a[2]))
			return -EINVAL;
		return hs3(__NR_shmat, a[0], a[1], a[2]);
	case __NR_shmdt:
		if ((unsigned long)a[0] < gk.boot.image_end)
			return -EINVAL;
		return hs1(__NR_shmdt, a[0]);
	case __NR_msgsnd:
		a[3] &= (long)KI_MSGSND_FLAGS;
		return gk_host_blocking(c->nr, a, c);
	case __NR_msgrcv:
		a[4] &= (long)KI_MSGRCV_FLAGS;
		return gk_host_blocking(c->nr, a, c);
	case __NR_semop:
	case __NR_semtimedop:
		return gk_host_blocking(c->nr, a, c);
	case __NR_semctl:
		return ipc_ctl(c, a[2], 0);
	}
	/* shmctl, msgctl */
	return ipc_ctl(c, a[1], a[2]);
}

long sys_mq(struct gk_call *c)
{
	if (!ipc_ns())
		return -ENOSYS;
	switch (c->nr) {
	case __NR_mq_open:
		return gk_fd_new(hs4(__NR_mq_open, c->a[0], c->a[1] & (long)KI_MQ_OFLAGS, c->a[2],
				     c->a[3]), 0);
	case __NR_mq_unlink:
		return hs1(__NR_mq_unlink, c->a[0]);
	}
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->nr == __NR_mq_timedsend || c->nr == __NR_mq_timedreceive)
		return gk_host_blocking(c->nr, c->a, c);
	/*
	 * A notification signal: SIGSYS is the guest kernel's own entry, which
	 * would take the host's signal for a syscall (natively it would end the
	 * process): refused.  sigevent: value (8), signo (int at 8), notify (12).
	 */
	if (c->nr == __NR_mq_notify && c->a[1]) {
		const int *ev = (const int *)c->a[1];

		if (gk_uread_ok(ev, 16) < 0)
			return -EFAULT;
		if (ev[3] == 0 /* SIGEV_SIGNAL */ && ev[2] == GK_SIGSYS)
			return -EINVAL;
	}
	return hs3(c->nr, c->a[0], c->a[1], c->a[2]);
}
