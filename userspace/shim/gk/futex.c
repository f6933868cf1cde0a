// SPDX-License-Identifier: GPL-2.0
// futex.c - futexes: plain ones on the host, PI ones and robust lists served on top of them.
#include <linux/futex.h>

#include "gk.h"

/*
 * Why PI futexes are not the host's: their word holds the owner's tid, and
 * glibc writes the tid it was told, the guest tid (the namespace tid minus
 * one: the launcher's init is the namespace's pid 1).  The host would read
 * the word as the tid of another task (or of none) and hand ownership, boost
 * priorities and report owner death for the wrong thread.  So the guest
 * kernel keeps the word's protocol itself (tid, FUTEX_WAITERS,
 * FUTEX_OWNER_DIED, as the kernel does) and sleeps on the host's plain
 * futexes: no host row beyond the plain ones.  What is not kept: priority
 * inheritance itself (no real-time priority is settable in the sandbox, so
 * nothing could be boosted), the direct hand-over to the top waiter (an
 * unlock clears the word and wakes every waiter; one of them takes it, the
 * rest wait again with FUTEX_WAITERS set), and ESRCH for a dead owner of a
 * non-robust PI mutex (a waiter then waits, which glibc does anyway).
 *
 * The robust list is walked here for the same reason (its words hold guest
 * tids): when a thread exits, at exit_group for every thread, and at exec;
 * not when a fatal signal ends the process (the host cannot see guest tids).
 */
#define PRIV 128L
#define CLOCKRT 256L
#define ROBUST_LIMIT 2048	/* the kernel's ROBUST_LIST_LIMIT */

struct ts64 {
	long sec, nsec;
};

static uint32_t my_tid(void)
{
	return (uint32_t)gk_thread_gtid(gk_self());
}

/* The word, 4-aligned and writable (probed without a store: gk_uword_ok), or an error. */
static long word_ok(unsigned long a)
{
	if (a & 3)
		return -EINVAL;
	return gk_uword_ok(a);
}

static int cas(uint32_t *w, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n(w, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void wake_all(uint32_t *w, long priv)
{
	hs3(__NR_futex, w, FUTEX_WAKE | priv, 0x7fffffff);
}

/*
 * LOCK_PI, LOCK_PI2, TRYLOCK_PI: take the word for the caller, keeping
 * OWNER_DIED and, once the caller has slept, FUTEX_WAITERS (others may sleep
 * too: the next unlock must come here).  The wait is the host's WAIT_BITSET
 * on the value with FUTEX_WAITERS set, absolute on @clk, a blocking point.
 */
static long pi_lock(uint32_t *w, long priv, long clk, const void *ts, int try, struct gk_call *c)
{
	uint32_t me = my_tid(), v;
	long a[6], r;
	int slept = 0;

	for (;;) {
		v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if (!(v & FUTEX_TID_MASK)) {
			if (cas(w, v, me | (v & FUTEX_OWNER_DIED) |
					((slept || (v & FUTEX_WAITERS)) ? FUTEX_WAITERS : 0)))
				return 0;
			continue;
		}
		if ((v & FUTEX_TID_MASK) == me)
			return -EDEADLK;
		if (try)
			return -EAGAIN;
		if (!(v & FUTEX_WAITERS) && !cas(w, v, v | FUTEX_WAITERS))
			continue;
		a[0] = (long)w;
		a[1] = FUTEX_WAIT_BITSET | priv | clk;
		a[2] = v | FUTEX_WAITERS;
		a[3] = (long)ts;
		a[4] = 0;
		a[5] = FUTEX_BITSET_MATCH_ANY;
		r = gk_host_blocking(__NR_futex, a, c);
		slept = 1;
		/* A signal's handler ran at the blocking point: LOCK_PI restarts (ERESTARTNOINTR). */
		if (r == -ETIMEDOUT || r == -EFAULT)
			return r;
	}
}

/* UNLOCK_PI: only the owner; the word goes to 0 and every waiter is woken to take it. */
static long pi_unlock(uint32_t *w, long priv)
{
	uint32_t me = my_tid(), v;

	do {
		v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if ((v & FUTEX_TID_MASK) != me)
			return -EPERM;
	} while (!cas(w, v, 0));
	if (v & FUTEX_WAITERS)
		wake_all(w, priv);
	return 0;
}

/* A timeout for the host's wait, copied (the workload may change it meanwhile). */
static long copy_ts(long uts, struct ts64 *ts)
{
	if (!uts)
		return 0;
	if (gk_uread_ok((void *)uts, sizeof(*ts)) < 0)
		return -EFAULT;
	memcpy(ts, (void *)uts, sizeof(*ts));
	if (ts->sec < 0 || (unsigned long)ts->nsec >= 1000000000UL)
		return -EINVAL;
	return 1;
}

/*
 * WAIT_REQUEUE_PI: wait on the condition word, then take the PI word as a
 * requeue would have; CMP_REQUEUE_PI wakes its waiters (at most 1 + nr) with
 * the value checked, and each takes the PI word itself.  A plain wake of the
 * condition word, which natively is EINVAL for the waker, here also ends in
 * the PI word taken.
 */
static long wait_requeue_pi(struct gk_call *c, long priv, long clk)
{
	struct ts64 ts;
	uint32_t *w2 = (uint32_t *)c->a[4];
	long a[6], r, has;

	if (c->a[0] == c->a[4])
		return -EINVAL;
	r = word_ok(c->a[4]);
	if (r < 0)
		return r;
	has = copy_ts(c->a[3], &ts);
	if (has < 0)
		return has;
	a[0] = c->a[0];
	a[1] = FUTEX_WAIT_BITSET | priv | clk;
	a[2] = (uint32_t)c->a[2];
	a[3] = has ? (long)&ts : 0;
	a[4] = 0;
	a[5] = FUTEX_BITSET_MATCH_ANY;
	/* Woken early by a signal's handler, the wait restarts (ERESTARTNOINTR). */
	do
		r = gk_host_blocking(__NR_futex, a, c);
	while (r == -EINTR);
	if (r < 0)
		return r;
	return pi_lock(w2, priv, clk, has ? &ts : NULL, 0, c);
}

static long cmp_requeue_pi(struct gk_call *c, long priv)
{
	long nr = c->a[3];

	if (c->a[2] != 1 || nr < 0 || c->a[0] == c->a[4])
		return -EINVAL;
	if (word_ok(c->a[4]) < 0)
		return -EFAULT;
	if (nr > 0x7ffffffe)
		nr = 0x7ffffffe;
	/* CMP_REQUEUE with nothing requeued: the value check and the wakes are the host's. */
	return hs6(__NR_futex, c->a[0], FUTEX_CMP_REQUEUE | priv, 1 + nr, 0, c->a[4], c->a[5]);
}

static long sys_futex_pi(struct gk_call *c, long cmd, long priv)
{
	struct ts64 ts;
	long clk = (cmd == FUTEX_LOCK_PI) ? CLOCKRT : (c->a[1] & CLOCKRT), r, has = 0;

	r = word_ok(c->a[0]);
	if (r < 0)
		return r;
	switch (cmd) {
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		has = copy_ts(c->a[3], &ts);
		if (has < 0)
			return has;
		return pi_lock((uint32_t *)c->a[0], priv, clk, has ? &ts : NULL, 0, c);
	case FUTEX_TRYLOCK_PI:
		return pi_lock((uint32_t *)c->a[0], priv, 0, NULL, 1, c);
	case FUTEX_UNLOCK_PI:
		return pi_unlock((uint32_t *)c->a[0], priv);
	case FUTEX_WAIT_REQUEUE_PI:
		return wait_requeue_pi(c, priv, clk);
	}
	return cmp_requeue_pi(c, priv);
}

/*
 * Futexes on the workload's own memory: wait, wake, requeue, cmp_requeue,
 * wake_op, bitset, private or shared go to the host (the allowlist's ops);
 * the PI family is served above.
 */
long sys_futex(struct gk_call *c)
{
	long op = c->a[1] & ~(PRIV | CLOCKRT);

	/* The kernel's rule: the realtime clock only for the waits that take an absolute time. */
	if ((c->a[1] & CLOCKRT) && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT_REQUEUE_PI &&
	    op != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (op) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return gk_host_blocking(__NR_futex, c->a, c);
	case FUTEX_WAKE:
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
	case FUTEX_WAKE_BITSET:
		return hs6(__NR_futex, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_UNLOCK_PI:
	case FUTEX_TRYLOCK_PI:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		return sys_futex_pi(c, op, c->a[1] & PRIV);
	}
	return -ENOSYS;
}

/*
 * One word of a dying thread's robust list, as the kernel's handle_futex_death:
 * owned by @tid, it becomes OWNER_DIED with FUTEX_WAITERS kept, and a waiter
 * is woken (every waiter of a PI word; private and shared waits both, as the
 * list does not say which the mutex uses).  A pending non-PI op on a free word
 * wakes one waiter too.
 */
static void robust_death(unsigned long a, uint32_t tid, int pi, int pending)
{
	uint32_t *w = (uint32_t *)a, v;

	if (word_ok(a) < 0)
		return;
	do {
		v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if (pending && !pi && !v) {
			hs3(__NR_futex, w, FUTEX_WAKE, 1);
			return;
		}
		if ((v & FUTEX_TID_MASK) != tid)
			return;
	} while (!cas(w, v, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED));
	if (!(v & FUTEX_WAITERS))
		return;
	hs3(__NR_futex, w, FUTEX_WAKE, pi ? 0x7fffffff : 1);
	hs3(__NR_futex, w, FUTEX_WAKE_PRIVATE, pi ? 0x7fffffff : 1);
}

/* The robust list at @head of the thread with guest tid @tid, as the kernel's exit_robust_list. */
void gk_futex_robust_exit(unsigned long head, uint32_t tid)
{
	struct { unsigned long next; long off; unsigned long pending; } h;
	unsigned long e, next;
	int n;

	if (!head || gk_uread_ok((void *)head, sizeof(h)) < 0)
		return;
	memcpy(&h, (void *)head, sizeof(h));
	e = h.next;
	for (n = 0; (e & ~1UL) != head && n < ROBUST_LIMIT; n++) {
		if (gk_uread_ok((void *)(e & ~1UL), 8) < 0)
			break;
		next = *(unsigned long *)(e & ~1UL);
		if ((e & ~1UL) != (h.pending & ~1UL))
			robust_death((e & ~1UL) + h.off, tid, e & 1, 0);
		e = next;
	}
	if (h.pending)
		robust_death((h.pending & ~1UL) + h.off, tid, h.pending & 1, 1);
}
