// SPDX-License-Identifier: GPL-2.0
// timer.c - POSIX timers (timer_create and friends): the host's, aimed at guest threads, gone at exec.
#include "gk.h"

/*
 * A timer is the host's own (its expiry, overruns and signal are the host
 * kernel's), created on the guest kernel's copy of the workload's sigevent: a
 * SIGEV_THREAD_ID names a guest tid, which must be a thread of this process
 * and becomes its host tid.  The host keeps a process's timers across the
 * guest kernel's in-process exec, which natively deletes them, so the ids of
 * live timers are kept here and deleted at exec; a fork's child has none (the
 * host does not copy them).
 */
#define GK_SIGEV_SIGNAL 0
#define GK_SIGEV_NONE 1
#define GK_SIGEV_THREAD 2
#define GK_SIGEV_THREAD_ID 4
#define GK_SIGRTMAX 64
#define GK_NTIMERS 512		/* live timers per process the guest kernel tracks */

/* The kernel's struct sigevent: 64 bytes, the thread id first in the union. */
struct gk_sigevent {
	unsigned long value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};

static int timer_ids[GK_NTIMERS];
static int ntimers;

static long clock_ok(long clock)
{
	switch (clock) {
	case 0: /* REALTIME */
	case 1: /* MONOTONIC */
	case 2: /* PROCESS_CPUTIME_ID */
	case 3: /* THREAD_CPUTIME_ID */
	case 7: /* BOOTTIME */
	case 11: /* TAI */
	case 8: /* REALTIME_ALARM: the host answers (no RTC: EOPNOTSUPP; no CAP_WAKE_ALARM: EPERM) */
	case 9: /* BOOTTIME_ALARM */
		return 0;
	}
	/* Another process's or thread's CPU clock (negative ids) is not served. */
	return -EINVAL;
}

long sys_timer_create(struct gk_call *c)
{
	struct gk_sigevent ev;
	struct gk_thread *t;
	int id = 0;
	long r = clock_ok(c->a[0]);

	if (r < 0)
		return r;
	if (c->a[1]) {
		if (gk_uread_ok((void *)c->a[1], sizeof(ev)) < 0)
			return -EFAULT;
		memcpy(&ev, (void *)c->a[1], sizeof(ev));
		switch (ev.notify) {
		case GK_SIGEV_SIGNAL | GK_SIGEV_THREAD_ID:
			t = gk_thread_find(ev.tid);
			if (!t)
				return -EINVAL;	/* natively: not a thread of this process */
			ev.tid = t->tid;
			break;
		case GK_SIGEV_SIGNAL:
		case GK_SIGEV_THREAD:
		case GK_SIGEV_NONE:
			break;
		default:
			return -EINVAL;
		}
		if (ev.notify != GK_SIGEV_NONE && (ev.signo <= 0 || ev.signo > GK_SIGRTMAX))
			return -EINVAL;
	}
	if (gk_uwrite_ok((void *)c->a[2], sizeof(int)) < 0)
		return -EFAULT;
	if (ntimers == GK_NTIMERS)
		return -EAGAIN;	/* as at RLIMIT_SIGPENDING */
	r = hs3(__NR_timer_create, c->a[0], c->a[1] ? &ev : 0, &id);
	if (r < 0)
		return r;
	timer_ids[ntimers++] = id;
	*(int *)c->a[2] = id;
	return 0;
}

/* Flags other than TIMER_ABSTIME mean nothing to the kernel; the filter admits that one only. */
long sys_timer_settime(struct gk_call *c)
{
	return hs4(__NR_timer_settime, c->a[0], c->a[1] & 1 /* TIMER_ABSTIME */, c->a[2], c->a[3]);
}

long sys_timer_delete(struct gk_call *c)
{
	long r = hs1(__NR_timer_delete, c->a[0]);
	int i;

	for (i = 0; r == 0 && i < ntimers; i++) {
		if (timer_ids[i] == (int)c->a[0]) {
			timer_ids[i] = timer_ids[--ntimers];
			break;
		}
	}
	return r;
}

/* exec: the old image's timers go, as natively. */
void gk_timers_exec(void)
{
	while (ntimers)
		hs1(__NR_timer_delete, timer_ids[--ntimers]);
}

/* A fork's child: the host gave it no timers. */
void gk_timers_forked(void)
{
	ntimers = 0;
}
