// SPDX-License-Identifier: GPL-2.0
// sched.c - nice values, scheduling policies, memory locks and the personality, within the sandbox.
#include <linux/mman.h>
#include <linux/sched.h>

#include "gk.h"

#define GK_PRIO_PROCESS 0
#define GK_PRIO_PGRP 1
#define GK_PRIO_USER 2
#define GK_POLICY_OK (SCHED_NORMAL | SCHED_BATCH | SCHED_IDLE)

/*
 * getpriority/setpriority: a process or group by guest pid (0: the caller),
 * or PRIO_USER for the sandbox's one identity.  Every process the workload
 * can name is the same host user inside the sandbox's pid namespace, so
 * PRIO_USER of its own id is the host's PRIO_USER 0; another id has no
 * process here (ESRCH, as natively for a user without processes).  Lowering
 * a nice value needs CAP_SYS_NICE in the host's namespace: the host answers.
 */
/*
 * The host's @who for a process or group (@user: the "which" that names the
 * user instead), or an error: guest pids become host pids, the sandbox's one
 * user is the host's 0 ("the caller's").
 */
static long prio_who(long which, long who, long user)
{
	/*
	 * Without a pid namespace guest pids are host pids and the user is the
	 * caller's every process: the caller itself only (0 or its own pid).
	 */
	if (!(gk.boot.flags & GK_BOOT_F_PIDNS) &&
	    (which == user || (who && who != hs0(__NR_getpid))))
		return -EPERM;
	if (which == user) {
		if (who && (unsigned int)who != gk.uid)
			return -ESRCH;
		return 0;
	}
	if (who < 0)
		return -ESRCH;
	return who ? gk_to_host_pid(who) : 0;
}

long sys_priority(struct gk_call *c)
{
	long which = c->a[0], who;

	if (which != GK_PRIO_PROCESS && which != GK_PRIO_PGRP && which != GK_PRIO_USER)
		return -EINVAL;
	who = prio_who(which, c->a[1], GK_PRIO_USER);
	if (who < 0)
		return who;
	if (c->nr == __NR_getpriority)
		return hs2(__NR_getpriority, which, who);
	return hs3(__NR_setpriority, which, who, c->a[2]);
}

/* A guest pid for the sched_* calls: 0 (the caller) or a process of the sandbox. */
static long sched_pid(long pid)
{
	if (pid < 0)
		return -EINVAL;
	/* Without a pid namespace: the caller itself only (prio_who). */
	if (!(gk.boot.flags & GK_BOOT_F_PIDNS) && pid && pid != hs0(__NR_getpid))
		return -EPERM;
	return pid ? gk_to_host_pid(pid) : 0;
}

/*
 * The sched_* family.  Policies without real-time priority only (OTHER,
 * BATCH, IDLE, with RESET_ON_FORK): SCHED_FIFO, SCHED_RR and SCHED_DEADLINE
 * need CAP_SYS_NICE or RLIMIT_RTPRIO, which a sandbox is never given, so
 * they are EPERM as for an ordinary user natively.  The priority ranges are
 * the kernel's constants.
 */
long sys_sched(struct gk_call *c)
{
	long pid = sched_pid(c->a[0]), policy;

	switch (c->nr) {
	case __NR_sched_get_priority_max:
	case __NR_sched_get_priority_min:
		switch (c->a[0]) {
		case SCHED_FIFO:
		case SCHED_RR:
			return c->nr == __NR_sched_get_priority_max ? 99 : 1;
		case SCHED_NORMAL:
		case SCHED_BATCH:
		case SCHED_IDLE:
		case SCHED_DEADLINE:
			return 0;
		}
		return -EINVAL;
	}
	if (pid < 0)
		return pid;
	switch (c->nr) {
	case __NR_sched_getscheduler:
		return hs1(__NR_sched_getscheduler, pid);
	case __NR_sched_getparam:
		if (gk_uwrite_ok((void *)c->a[1], sizeof(int)) < 0)
			return -EFAULT;
		return hs2(__NR_sched_getparam, pid, c->a[1]);
	case __NR_sched_rr_get_interval:
		if (gk_uwrite_ok((void *)c->a[1], 16) < 0)
			return -EFAULT;
		return hs2(__NR_sched_rr_get_interval, pid, c->a[1]);
	case __NR_sched_setparam:
		if (gk_uread_ok((void *)c->a[1], sizeof(int)) < 0)
			return -EFAULT;
		return hs2(__NR_sched_setparam, pid, c->a[1]);
	case __NR_sched_setscheduler:
		policy = c->a[1] & ~(long)SCHED_RESET_ON_FORK;
		if (policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE)
			return -EPERM;
		if (policy != SCHED_NORMAL && policy != SCHED_BATCH && policy != SCHED_IDLE)
			return -EINVAL;
		if (!c->a[2])
			return -EINVAL;
		if (gk_uread_ok((void *)c->a[2], sizeof(int)) < 0)
			return -EFAULT;
		return hs3(__NR_sched_setscheduler, pid, c->a[1], c->a[2]);
	}
	return -ENOSYS;
}

/*
 * Memory locks: the workload's own mappings, above the guest kernel, within
 * RLIMIT_MEMLOCK (the sandbox has no CAP_IPC_LOCK in the host's namespace);
 * mlockall locks the guest kernel's pages too, which is harmless.
 */
long sys_mlock(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_mlockall:
		if (!c->a[0] || (c->a[0] & ~(long)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
		    (c->a[0] & (MCL_CURRENT | MCL_FUTURE)) == 0)
			return -EINVAL;
		return hs1(__NR_mlockall, c->a[0]);
	case __NR_munlockall:
		return hs0(__NR_munlockall);
	case __NR_mlock2:
		if (c->a[2] & ~(long)MLOCK_ONFAULT)
			return -EINVAL;
		break;
	}
	if (gk_overlaps_self(c->a[0], c->a[1]))
		return -EPERM;
	if ((unsigned long)c->a[0] < gk.boot.image_end)
		return c->nr == __NR_munlock ? 0 : -ENOMEM;
	return hs3(c->nr, c->a[0], c->a[1], c->a[2]);
}

/*
 * personality: kept here, per process (fork copies it, exec keeps it, as
 * Linux does), and reported back; the guest kernel's own loader lays out
 * every program, so flags such as ADDR_NO_RANDOMIZE are recorded, not
 * applied.
 */
static unsigned int persona;

long sys_personality(struct gk_call *c)
{
	unsigned int old = persona;

	if ((unsigned int)c->a[0] != 0xffffffffU)
		persona = (unsigned int)c->a[0];
	return old;
}

/* ioprio_get/ioprio_set: a process, a group (guest pids) or the sandbox's one user, as getpriority. */
long sys_ioprio(struct gk_call *c)
{
	long which = c->a[0], who;

	/* IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER */
	if (which < 1 || which > 3)
		return -EINVAL;
	who = prio_who(which, c->a[1], 3);
	if (who < 0)
		return who;
	if (c->nr == __NR_ioprio_get)
		return hs2(__NR_ioprio_get, which, who);
	return hs3(__NR_ioprio_set, which, who, c->a[2]);
}

/* restart_syscall called by the workload itself: nothing to restart, as natively. */
long sys_restart(struct gk_call *c)
{
	(void)c;
	return -EINTR;
}

/*
 * clock_gettime/clock_getres: a CPU-time clock of another thread or process
 * (pthread_getcpuclockid, clock_getcpuclockid) carries its pid in the id,
 * ~pid << 3 with the clock's kind below: a guest pid there becomes the host's.
 */
long sys_clock(struct gk_call *c)
{
	int id = (int)c->a[0];
	long pid;

	if (id < 0) {
		pid = ~(id >> 3);
		if (pid > 0)
			id = (int)(~(unsigned int)gk_to_host_pid(pid) << 3) | (id & 7);
	}
	return hs2(c->nr, id, c->a[1]);
}
