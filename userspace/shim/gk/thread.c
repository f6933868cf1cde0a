// SPDX-License-Identifier: GPL-2.0
// thread.c - the workload's threads: per-thread areas, the big lock, clone of a thread, exit.
#include <linux/futex.h>
#include <linux/sched.h>

#include "gk.h"

/*
 * Every thread of the workload has an area of GK_TAREA bytes, aligned to its
 * size: its record (struct gk_thread) at the bottom, the host alternate
 * stack on which its SIGSYS entry and its signal handlers run above it.  The
 * guest kernel finds the running thread's record from its own stack pointer
 * (the workload owns %fs).  The main thread's area is static (main.c); the
 * others are mapped on first use and kept for reuse: a slot is free once the
 * host cleared its tid (CLONE_CHILD_CLEARTID), which happens after the thread
 * left its area for good.
 */
#define GK_MAXTHREADS 512
#define GK_THREAD_MAGIC 0x6b6973746574687dUL

/* What glibc's pthread_create asks for; the one host thread clone the allowlist admits. */
#define GK_HOST_THREAD_FLAGS                                                              \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
/* A thread must share what the guest kernel keeps once per process. */
#define GK_THREAD_NEEDS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define GK_THREAD_MAY                                                                     \
	(GK_THREAD_NEEDS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |             \
	 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 0x00400000 /* CLONE_DETACHED, ignored */)

/* Slot 0 is the main thread's static area; the rest are mapped on demand. */
static struct gk_thread *slots[GK_MAXTHREADS];
/* 0 free, 1 held, 2 held and someone waits (a futex word in the guest kernel's data). */
static int biglock;
/* The thread in exec while it ends the others (gk_thread_exec_alone), else NULL. */
static struct gk_thread *exec_thread;

/*
 * A thread told to go by an exec elsewhere in the process: it leaves, holding
 * nothing.  The host clears a thread's tid when it is gone (the exec waits for
 * that), except the main thread's: the launcher's clear_child_tid is not this
 * record's.  The main thread clears its own instead, its last store; what it
 * runs after it is the guest kernel's code on its static area, which the exec
 * keeps and never hands to another thread.
 */
static void exec_leave(void)
{
	struct gk_thread *x = __atomic_load_n(&exec_thread, __ATOMIC_ACQUIRE), *me;

	if (!x)
		return;
	me = gk_self();
	if (x == me)
		return;
	gk_futex_robust_exit(me->robust, (uint32_t)gk_thread_gtid(me));
	if (me == slots[0]) {
		__atomic_store_n(&me->tid, 0, __ATOMIC_RELEASE);
		hs3(__NR_futex, &me->tid, FUTEX_WAKE, 1);
	}
	for (;;)
		hs1(__NR_exit, 0);
}

/* An exec elsewhere in the process: this thread leaves now (a quick patched entry's check). */
void gk_thread_exec_check(void)
{
	exec_leave();
}

void gk_lock(void)
{
	int c = 0;

	if (__atomic_compare_exchange_n(&biglock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		goto held;
	if (c != 2)
		c = __atomic_exchange_n(&biglock, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		hs4(__NR_futex, &biglock, FUTEX_WAIT_PRIVATE, 2, 0);
		c = __atomic_exchange_n(&biglock, 2, __ATOMIC_ACQUIRE);
	}
held:
	if (__atomic_load_n(&exec_thread, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&exec_thread, __ATOMIC_ACQUIRE) != gk_self()) {
		gk_unlock();
		exec_leave();
	}
}

void gk_unlock(void)
{
	if (__atomic_exchange_n(&biglock, 0, __ATOMIC_RELEASE) == 2)
		hs3(__NR_futex, &biglock, FUTEX_WAKE_PRIVATE, 1);
}

static int tid_of(const struct gk_thread *t)
{
	return __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE);
}

/*
 * The thread whose area holds @addr, or NULL; @addr may be anywhere (a
 * signal frame on the workload's stack), so it is compared, not read (an
 * exec from another thread leaves holes in the slots: all are looked at).
 */
struct gk_thread *gk_thread_at(unsigned long addr)
{
	struct gk_thread *t = (struct gk_thread *)(addr & ~(GK_TAREA - 1));
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		if (slots[i] == t)
			return t;
	return NULL;
}

/* The running thread's record; before the first exec (the boot stack) the main one. */
struct gk_thread *gk_self(void)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	struct gk_thread *t = (struct gk_thread *)(sp & ~(GK_TAREA - 1));

	if (t->magic == GK_THREAD_MAGIC && t->slot < GK_MAXTHREADS && slots[t->slot] == t)
		return t;
	return slots[0];
}

/* The main thread's area (main.c's static SIGSYS stack) becomes slot 0. */
void gk_thread_boot(void *area)
{
	struct gk_thread *t = area;

	memset(t, 0, sizeof(*t));
	t->magic = GK_THREAD_MAGIC;
	t->tid = (int)hs0(__NR_getpid);
	slots[0] = t;
}

int gk_thread_others(void)
{
	const struct gk_thread *self = gk_self();
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		if (slots[i] && slots[i] != self && tid_of(slots[i]))
			return 1;
	return 0;
}

/* The process's live threads, as the guest kernel knows them. */
long gk_thread_count(void)
{
	long n = 0;
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		n += slots[i] && tid_of(slots[i]) > 0;
	return n;
}

/*
 * A thread's guest tid: its host tid's, except for the thread that exec'd
 * while it was not the main one, which natively took the leader's pid
 * (de_thread); the host cannot give it that, so the guest kernel does.  The
 * old leader stays a zombie on the host until the process ends, so its tid
 * is never handed to another thread meanwhile.
 */
long gk_thread_gtid(const struct gk_thread *t)
{
	return gk_to_guest_pid(t->leader ? hs0(__NR_getpid) : tid_of(t));
}

/* A thread of this process with guest tid @g, or NULL. */
struct gk_thread *gk_thread_find(long g)
{
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		if (slots[i] && tid_of(slots[i]) > 0 && gk_thread_gtid(slots[i]) == g)
			return slots[i];
	return NULL;
}

/* A free slot with its area mapped, marked busy (tid -1 until the host writes the tid). */
static struct gk_thread *slot_get(void)
{
	unsigned long p, a;
	int i;

	for (i = 1; i < GK_MAXTHREADS; i++)
		if (!slots[i] || !tid_of(slots[i]))
			break;
	if (i == GK_MAXTHREADS)
		return NULL;
	if (!slots[i]) {
		/* Twice the size, trimmed to an aligned area (gk_self masks the stack pointer). */
		p = (unsigned long)hs6(__NR_mmap, 0, 2 * GK_TAREA, 3 /* RW */,
				       0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		if (p > -4096UL)
			return NULL;
		a = (p + GK_TAREA - 1) & ~(GK_TAREA - 1);
		if (a > p)
			hs2(__NR_munmap, p, a - p);
		hs2(__NR_munmap, a + GK_TAREA, p + GK_TAREA - a);
		slots[i] = (struct gk_thread *)a;
	}
	memset(slots[i], 0, sizeof(*slots[i]));
	slots[i]->magic = GK_THREAD_MAGIC;
	slots[i]->slot = i;
	slots[i]->tid = -1;
	slots[i]->alt_flags = GK_SS_DISABLE;	/* a new thread's sigaltstack: sas_ss_reset */
	return slots[i];
}

/* Whether [addr, addr + len) touches a thread area (the workload may not map over one). */
int gk_thread_overlaps(unsigned long addr, unsigned long len)
{
	int i;

	for (i = 1; i < GK_MAXTHREADS; i++) {
		unsigned long a = (unsigned long)slots[i];

		if (a && addr < a + GK_TAREA && a < addr + len)
			return 1;
	}
	return 0;
}

/*
 * The new thread's first C code, on its own area, armed by the stub: the
 * workload's tid words, then into the workload through the gate's restorer
 * with the frame its parent prepared (the parent's registers, rax 0, the new
 * stack; its mask; this area as the host alternate stack).
 */
void gk_thread_start(struct gk_tstart *ts) __attribute__((noreturn));
void gk_thread_start(struct gk_tstart *ts)
{
	struct gk_thread *t = (struct gk_thread *)((unsigned long)ts & ~(GK_TAREA - 1));
	int g = (int)gk_to_guest_pid(tid_of(t));

	gk_patch_thread(t);
	if ((ts->flags & CLONE_PARENT_SETTID) && gk_uwrite_ok(ts->ptid, 4) == 0)
		*ts->ptid = g;
	if ((ts->flags & CLONE_CHILD_SETTID) && gk_uwrite_ok(ts->ctid, 4) == 0)
		*ts->ctid = g;
	__asm__ volatile("movq %0, %%rsp\n\tjmp gk_restorer" : : "r"(&ts->frame.uc) : "memory");
	__builtin_unreachable();
}

/*
 * The new thread's FPU state is the parent's, as Linux's fpu_clone copies it
 * (MXCSR's rounding and exceptions, the x87 control word, the vector
 * registers): the parent's, saved in its SIGSYS frame, is copied to the
 * bottom of the new area, above the record, where gk_thread_start's stack
 * (from the top down) never reaches, 64-byte aligned as XRSTOR wants; the
 * thread's first sigreturn restores it.  An extended area too large for that
 * room gives the legacy 512 bytes only (x87 and SSE; the rest initial).
 */
static void *fpu_copy(struct gk_thread *t, const struct gk_ucontext *uc)
{
	const struct _fpstate_64 *src = (const void *)uc->uc_mcontext.fpstate;
	struct _fpstate_64 *dst = (void *)(((unsigned long)(t + 1) + 63) & ~63UL);
	unsigned long n = sizeof(*src);

	if (!src)
		return NULL;
	if (src->sw_reserved.magic1 == FP_XSTATE_MAGIC1 &&
	    src->sw_reserved.extended_size <= GK_TAREA / 4)
		n = src->sw_reserved.extended_size;
	memcpy(dst, src, n);
	if (n == sizeof(*src))
		dst->sw_reserved.magic1 = 0;	/* legacy only: FXRSTOR */
	return dst;
}

/*
 * clone of a thread: the host thread is made with exactly glibc's flags
 * through the gate's thread stub (the one place the ip filter admits it),
 * on the new area, with the tid words in the record; the workload's own
 * words are served here and in gk_thread_start.
 */
long gk_thread_clone(struct gk_call *c, unsigned long flags, unsigned long stack, int *ptid,
		     int *ctid, unsigned long tls)
{
	struct gk_thread *t;
	struct gk_tstart *ts;
	long r;

	if ((flags & GK_THREAD_NEEDS) != GK_THREAD_NEEDS || (flags & ~GK_THREAD_MAY))
		return -EINVAL;
	if (((flags & CLONE_PARENT_SETTID) && gk_uwrite_ok(ptid, 4) < 0) ||
	    ((flags & CLONE_CHILD_SETTID) && gk_uwrite_ok(ctid, 4) < 0))
		return -EFAULT;
	if (!(flags & CLONE_SETTLS) && hs2(__NR_arch_prctl, 0x1003 /* ARCH_GET_FS */, &tls) < 0)
		return -EINVAL;
	t = slot_get();
	if (!t)
		return -EAGAIN;
	t->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : NULL;
	t->keepcaps = gk_self()->keepcaps;	/* the new thread's credentials are a copy */
	ts = (struct gk_tstart *)(((unsigned long)t + GK_TAREA - sizeof(*ts)) & ~15UL);
	ts->flags = flags;
	ts->ptid = ptid;
	ts->ctid = ctid;
	memset(&ts->frame, 0, sizeof(ts->frame));
	ts->frame.uc = *c->uc;
	ts->frame.uc.uc_mcontext.rax = 0;
	if (stack)
		ts->frame.uc.uc_mcontext.rsp = stack;
	ts->frame.uc.uc_mcontext.fpstate = fpu_copy(t, c->uc);
	ts->frame.uc.uc_stack.ss_sp = t;
	ts->frame.uc.uc_stack.ss_flags = GK_SS_AUTODISARM;	/* see gk.h */
	ts->frame.uc.uc_stack.ss_size = GK_TAREA;
	r = gk_thread_clone_host(GK_HOST_THREAD_FLAGS, (unsigned long)ts, &t->tid, &t->tid, tls);
	if (r < 0) {
		__atomic_store_n(&t->tid, 0, __ATOMIC_RELEASE);
		return r;
	}
	r = gk_to_guest_pid(r);
	if (flags & CLONE_PARENT_SETTID)
		*ptid = (int)r;
	return r;
}

/*
 * exit(2) of one thread while others run: the workload's clear_child_tid
 * word is cleared and woken here (the host's is the record's, which frees
 * the slot once the thread is gone), then the host thread exits.
 */
void gk_thread_exit(int code)
{
	struct gk_thread *t = gk_self();

	gk_futex_robust_exit(t->robust, (uint32_t)gk_thread_gtid(t));
	if (t->clear_tid && gk_uwrite_ok(t->clear_tid, 4) == 0) {
		__atomic_store_n(t->clear_tid, 0, __ATOMIC_RELEASE);
		hs3(__NR_futex, t->clear_tid, FUTEX_WAKE, 1);
	}
	gk_unlock();
	for (;;)
		hs1(__NR_exit, code);
}

/* exit_group (or the last thread's exit): every live thread's robust list. */
void gk_thread_robust_all(void)
{
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		if (slots[i] && tid_of(slots[i]) > 0)
			gk_futex_robust_exit(slots[i]->robust, (uint32_t)gk_thread_gtid(slots[i]));
}

/* In a fork child only the forking thread lives on: every other slot is free. */
void gk_thread_forked(void)
{
	struct gk_thread *self = gk_self();
	int i;

	for (i = 0; i < GK_MAXTHREADS; i++)
		if (slots[i] && slots[i] != self)
			slots[i]->tid = 0;
	self->tid = (int)hs0(__NR_getpid);
	self->leader = 0;
	self->robust = 0;	/* a new task has no robust list (glibc registers it again) */
	self->pdeathsig = 0;	/* nor a parent-death signal */
}

/*
 * A SIGSYS sent by a thread of this process (SI_TKILL) is exec's request to
 * leave (gk_thread_exec_alone); the entry (main.c) asks here first.  Such a
 * signal reaches a thread only where it holds no lock: in the workload's own
 * code, or in a blocking host call (gk_host_blocking unblocks SIGSYS there
 * whenever the process has other threads).
 */
void gk_thread_poked(const struct gk_siginfo *si)
{
	if (si->si_code == -6 /* SI_TKILL */ && si->chld.pid == (int)hs0(__NR_getpid))
		exec_leave();
}

/*
 * Every thread but @self is poked with a SIGSYS of its own (gk_thread_poked)
 * and, should it be waiting for the lock or come back from a blocking call,
 * leaves in gk_lock, its robust list walked (exec_leave); each poke is
 * repeated until the host has cleared the thread's tid, for about two
 * seconds.  Returns how many are still there.
 */
static int end_others(const struct gk_thread *self)
{
	struct { long sec, nsec; } wait = { 0, 50 * 1000 * 1000 };
	long pid = hs0(__NR_getpid);
	int i, tries, tid, left = 1;

	for (tries = 0; tries < 40 && left; tries++) {
		left = 0;
		for (i = 0; i < GK_MAXTHREADS; i++) {
			if (!slots[i] || slots[i] == self)
				continue;
			tid = tid_of(slots[i]);
			if (tid <= 0)
				continue;
			left++;
			hs3(__NR_tgkill, pid, tid, GK_SIGSYS);
			/* the host's clear of the tid wakes this (a shared futex, as it wakes it) */
			hs4(__NR_futex, &slots[i]->tid, FUTEX_WAIT, tid, &wait);
		}
	}
	return left;
}

/*
 * exec's de_thread: every other thread of the process ends before the old
 * image goes (end_others; the lock is let go while they leave).  A thread
 * still there after about two seconds ends the process, as a failed
 * de_thread does natively.
 */
void gk_thread_exec_alone(void)
{
	struct gk_thread *self = gk_self();
	int left;

	if (!gk_thread_others())
		return;
	__atomic_store_n(&exec_thread, self, __ATOMIC_RELEASE);
	gk_unlock();
	left = end_others(self);
	if (left)
		gk_die(128 + 9, "kiste: exec could not end the process's other threads\n");
	gk_lock();
	__atomic_store_n(&exec_thread, NULL, __ATOMIC_RELEASE);
}

/*
 * A fatal signal's end (gk_sig_fatal, which holds no lock), as the kernel's
 * group exit stops every thread before the process goes: the others end
 * first, each walking its own robust list, so none takes a mutex after the
 * walk and dies holding it.  Nothing is done when another thread is ending
 * them already (an exec, or another fatal signal: the process ends either
 * way); the threads still there after end_others are walked by the caller.
 */
void gk_thread_fatal_alone(void)
{
	struct gk_thread *self = gk_self(), *none = NULL;

	if (!gk_thread_others() ||
	    !__atomic_compare_exchange_n(&exec_thread, &none, self, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	end_others(self);
}

/*
 * exec (single-threaded by then): every area but the caller's is unmapped
 * with the old image; the caller's is the range @keep exec must spare.
 * Returns 1 when @keep was filled.
 */
int gk_thread_exec(struct gk_range *keep)
{
	struct gk_thread *self = gk_self();
	int i;

	/* The exec'ing thread's robust list goes as the kernel's exec_mm_release takes it. */
	gk_futex_robust_exit(self->robust, (uint32_t)gk_thread_gtid(self));
	self->robust = 0;
	for (i = 1; i < GK_MAXTHREADS; i++)
		if (slots[i] != self)
			slots[i] = NULL;
	if (self == slots[0])
		return 0;
	self->leader = 1;	/* gettid() == getpid() in the new image, as after de_thread */
	keep->start = (unsigned long)self;
	keep->end = (unsigned long)self + GK_TAREA;
	return 1;
}

long sys_gettid(struct gk_call *c)
{
	(void)c;
	return gk_thread_gtid(gk_self());
}

long sys_set_tid_address(struct gk_call *c)
{
	struct gk_thread *t = gk_self();

	t->clear_tid = (int *)c->a[0];
	return gk_thread_gtid(t);
}

/*
 * The head is the guest kernel's: its words hold guest tids, which the host
 * would read as other tasks' (futex.c walks it when the thread exits).
 */
long sys_robust_list(struct gk_call *c)
{
	struct gk_thread *t;

	if (c->nr == __NR_set_robust_list) {
		if (c->a[1] != 24 /* sizeof(struct robust_list_head) */)
			return -EINVAL;
		gk_self()->robust = c->a[0];
		return 0;
	}
	t = c->a[0] ? gk_thread_find(c->a[0]) : gk_self();
	if (!t)
		return -ESRCH;
	/* As the kernel does: the length first, then the head. */
	if (gk_uwrite_ok((void *)c->a[2], 8) < 0)
		return -EFAULT;
	*(unsigned long *)c->a[2] = 24;
	if (gk_uwrite_ok((void *)c->a[1], 8) < 0)
		return -EFAULT;
	*(unsigned long *)c->a[1] = t->robust;
	return 0;
}
