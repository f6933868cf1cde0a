// SPDX-License-Identifier: GPL-2.0
// sig.c - the workload's signals: host actions via the gate's trampoline, masks kept in the frame.
#include "gk.h"

#define SIGBIT(s) (1UL << ((s) - 1))
#define GK_SA_RESTORER 0x04000000
#define GK_SA_SIGINFO 0x4
#define GK_SA_RESETHAND 0x80000000UL
#define GK_SA_ONSTACK 0x08000000UL
#define GK_MINSIGSTKSZ 2048
#define NEVER_BLOCKED (SIGBIT(9) | SIGBIT(19) | SIGBIT(GK_SIGSYS))
/*
 * The signals whose default action ends the process (Term and Core), but
 * SIGKILL and SIGSYS (the guest kernel's entry): HUP INT QUIT ILL TRAP ABRT
 * BUS FPE USR1 SEGV USR2 PIPE ALRM TERM STKFLT XCPU XFSZ VTALRM PROF IO PWR
 * and the real-time ones.
 */
#define FATAL_DFL                                                                          \
	(SIGBIT(1) | SIGBIT(2) | SIGBIT(3) | SIGBIT(4) | SIGBIT(5) | SIGBIT(6) | SIGBIT(7) |  \
	 SIGBIT(8) | SIGBIT(10) | SIGBIT(11) | SIGBIT(12) | SIGBIT(13) | SIGBIT(14) |          \
	 SIGBIT(15) | SIGBIT(16) | SIGBIT(24) | SIGBIT(25) | SIGBIT(26) | SIGBIT(27) |         \
	 SIGBIT(29) | SIGBIT(30) | (~0UL << 31))
/* The job-control stops a pid 1 leaves at SIG_DFL ignores too: TSTP TTIN TTOU. */
#define STOP_DFL (SIGBIT(20) | SIGBIT(21) | SIGBIT(22))
/* A fault's signals (ILL TRAP BUS FPE SEGV): a pid 1 keeps gk_sig_fatal for them (below). */
#define FAULT_SIGS (SIGBIT(4) | SIGBIT(5) | SIGBIT(7) | SIGBIT(8) | SIGBIT(11))

/* The signals whose SIG_DFL the guest kernel serves with a host action of its own. */
static unsigned long dfl_served(void)
{
	return FATAL_DFL | (gk.sig_init ? STOP_DFL : 0);
}

int gk_sig_update_mask(void)
{
	return gk_sigsys_install();
}

static int caught(unsigned long handler)
{
	return handler > 1; /* neither SIG_DFL nor SIG_IGN */
}

/*
 * A fatal default action, as the kernel's exit walks the robust lists of a
 * process a signal ends: the other threads end first, each walking its own
 * (gk_thread_fatal_alone), then every list still live (its mutexes marked
 * OWNER_DIED, a waiter woken), then the default action itself, the signal
 * raised again on this thread with it.  Everything is blocked while this
 * runs; the return (rt_sigreturn) unblocks it here, and it ends the process
 * with the status it would have had.  SIGKILL cannot be caught: a process it ends
 * leaves its robust mutexes held (README).
 */
void gk_sig_fatal(int sig, struct gk_siginfo *si, void *uc)
{
	struct gk_kaction dfl = { 0, 0, 0, 0 };
	const struct gk_thread *t = gk_self();
	long pid = hs0(__NR_getpid);

	(void)uc;
	/* A pid 1's fault signal sent by a process (si_code <= 0), not by a fault: dropped. */
	if (gk.sig_init && si && si->si_code <= 0)
		return;
	/*
	 * Not in a fork child that has not yet made its records its own (they
	 * still name its parent's threads, and process-shared words are shared).
	 */
	if (t && t->tid > 0 && hs3(__NR_tgkill, pid, t->tid, 0) == 0) {
		gk_thread_fatal_alone();
		gk_thread_robust_all();
	}
	hs4(__NR_rt_sigaction, sig, &dfl, 0, 8);
	/*
	 * To the process, not this thread: a fork child that has not yet taken
	 * its own tid into its record would name its parent's thread, and a
	 * thread other than this one that does not block it ends the process too.
	 */
	hs2(__NR_kill, pid, sig);
}

/*
 * The host action for the workload's SIG_DFL: a fatal default goes through
 * gk_sig_fatal.  An OCI container's process is its pid namespace's init to
 * the workload, which the kernel never sends a signal it leaves at SIG_DFL
 * (but SIGKILL, and SIGSTOP from outside); the host ignores it for it, and
 * still delivers a fault's signal (SIGSEGV...), as the kernel forces those.
 */
static long host_default(int sig)
{
	struct gk_kaction a = { 0, 0, 0, 0 };

	if (gk.sig_init && (SIGBIT(sig) & (FATAL_DFL | STOP_DFL) & ~FAULT_SIGS)) {
		a.handler = 1;	/* SIG_IGN */
	} else if (SIGBIT(sig) & FATAL_DFL) {
		a.handler = (unsigned long)gk_sig_fatal;
		a.flags = GK_SA_SIGINFO | GK_SA_ONSTACK | GK_SA_RESTORER;
		a.restorer = (unsigned long)gk_restorer;
		a.mask = ~0UL;
	}
	return hs4(__NR_rt_sigaction, sig, &a, 0, 8);
}

/* Each signal of @set the workload has at SIG_DFL gets host_default's action. */
static void dfl_install(unsigned long set)
{
	int sig;

	for (sig = 1; sig < GK_NSIG; sig++)
		if ((SIGBIT(sig) & set) && gk.act[sig].handler == 0)
			host_default(sig);
}

/* At boot: each fatal signal the workload starts with at SIG_DFL (an ignored one stays so). */
void gk_sig_boot(void)
{
	dfl_install(dfl_served());
}

/*
 * Around the container init's fork: its fatal signals are held, so none sent
 * to the child before it stops ignoring them (gk_sig_forked) is lost; both
 * sides put @old back after.  Returns the mask to put back.
 */
unsigned long gk_sig_fork_hold(void)
{
	unsigned long set, old = 0;

	/* SIG_SETMASK only: the host allowlist's one form (sigprocmask's 2). */
	hs4(__NR_rt_sigprocmask, 2, 0, &old, 8);
	set = old | FATAL_DFL | STOP_DFL;
	hs4(__NR_rt_sigprocmask, 2, &set, 0, 8);
	return old;
}

void gk_sig_fork_release(unsigned long old)
{
	hs4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &old, 0, 8);
}

/* In a fork child of the container's init: an ordinary process, its SIG_DFL fatal again. */
void gk_sig_forked(void)
{
	unsigned long set = dfl_served();

	if (!gk.sig_init)
		return;
	gk.sig_init = 0;
	dfl_install(set);
}

/* A caught signal whose action changed before delivery: nothing to run. */
static void no_handler(void)
{
}

/*
 * A siginfo the host filled in, as the workload must see it: the sender's pid
 * a guest pid, its uid the identity the guest kernel reports.  Only the
 * layouts that name a sender (kill, tkill, sigqueue, a child's change of
 * state); the same words hold a timer's id or a fault address otherwise.
 */
void gk_siginfo_to_guest(struct gk_siginfo *si)
{
	int code = si->si_code;
	long pid;

	if (code != 0 /* SI_USER */ && code != -1 /* SI_QUEUE */ && code != -6 /* SI_TKILL */ &&
	    code != -3 /* SI_MESGQ: the sender to an empty queue */ &&
	    !(si->si_signo == 17 /* SIGCHLD */ && code > 0))
		return;
	if (si->chld.pid <= 0)
		return;
	pid = gk_to_guest_pid(si->chld.pid);
	si->chld.pid = pid > 0 ? (int)pid : 0;	/* the launcher's init, or outside: 0 */
	if (pid > 0)
		si->chld.uid = gk.uid;
}

/* The kernel's rt_sigframe: the return address, the ucontext, the siginfo. */
_Static_assert(offsetof(struct gk_frame, uc) == 8 && offsetof(struct gk_frame, info) == 312 &&
	       sizeof(struct gk_siginfo) == 128, "struct gk_frame is not the kernel's rt_sigframe");

/* Whether @sp is within the workload's virtual alternate stack. */
static int alt_inside(const struct gk_thread *t, unsigned long sp)
{
	return t->alt_size && sp > t->alt_sp && sp - t->alt_sp <= t->alt_size;
}

/* The workload's virtual sigaltstack as the kernel's on_sig_stack sees it at @sp. */
static int alt_on(const struct gk_thread *t, unsigned long sp)
{
	return !(t->alt_flags & GK_SS_AUTODISARM) && alt_inside(t, sp);
}

/*
 * do_sigaltstack's set, @sp the workload's stack pointer: EPERM while on the
 * current stack, EINVAL for another mode, ENOMEM below MINSIGSTKSZ.
 */
static long alt_set(struct gk_thread *t, unsigned long sp, unsigned long ss_sp, int flags,
		    unsigned long size)
{
	int mode = flags & ~GK_SS_AUTODISARM;

	if (alt_on(t, sp))
		return -EPERM;
	if (mode != GK_SS_DISABLE && mode != GK_SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == GK_SS_DISABLE) {
		ss_sp = 0;
		size = 0;
	} else if (size < GK_MINSIGSTKSZ) {
		return -ENOMEM;
	}
	t->alt_sp = ss_sp;
	t->alt_size = size;
	t->alt_flags = flags;
	return 0;
}

/*
 * The workload's stack pointer when @frame's signal came: the interrupted
 * one, or, at a blocking point in the guest kernel (the host call of
 * gk_host_blocking, on the area), the workload's call's.
 */
static unsigned long frame_user_sp(const struct gk_thread *t, const struct gk_frame *frame)
{
	unsigned long sp = frame->uc.uc_mcontext.rsp, ip = frame->uc.uc_mcontext.rip;
	unsigned long ret = (unsigned long)gk_syscall6_ret;

	if (sp - (unsigned long)t < GK_TAREA && t->call_uc && (ip == ret || ip == ret - 2))
		return t->call_uc->uc_mcontext.rsp;
	return sp;
}

/*
 * A workload handler's frame shows the workload's own sigaltstack in its
 * uc_stack, as the kernel's __save_altstack writes it: the values last set
 * (a disarmed SS_AUTODISARM stack, the handler running on it, as the reset
 * {0, SS_DISABLE, 0}); and its return through gk_sigret applies what the
 * handler left there, as restore_altstack does.  The host's rt_sigreturn
 * restores its own alternate stack (the area) from the same field, so the
 * host's values wait in the frame's FPU state, in the software-reserved
 * bytes the kernel writes at delivery and ignores at sigreturn (the padding
 * of struct _fpx_sw_bytes), and go back before it.
 */
#define GK_UCSTACK_TAG 0x4b535400u	/* "\0TSK"; | 1: the host's stack was the area */
struct gk_ucstash {
	unsigned int tag;
	int flags;
	unsigned long area, size;
};
_Static_assert(sizeof(struct gk_ucstash) <= sizeof(((struct _fpx_sw_bytes *)0)->padding),
	       "the host's uc_stack does not fit the FPU state's reserved bytes");

/*
 * @frame's uc_stack becomes the workload's; the host's, which is thread @t's
 * area (armed, or armed below a live frame) or nothing (disarmed), waits in
 * the FPU state with @t, for gk_sig_return.  Returns 0 when it cannot (the
 * handler then sees the host's and its return changes nothing).
 */
static int ucstack_show(const struct gk_thread *t, struct gk_frame *frame)
{
	struct _fpstate_64 *fp = (void *)frame->uc.uc_mcontext.fpstate;
	unsigned long hsp = (unsigned long)frame->uc.uc_stack.ss_sp;
	struct gk_ucstash st = { GK_UCSTACK_TAG | (hsp != 0), frame->uc.uc_stack.ss_flags,
				 (unsigned long)t, frame->uc.uc_stack.ss_size };

	if ((hsp && hsp != (unsigned long)t) || !fp || gk_uwrite_ok(fp, sizeof(*fp)) < 0)
		return 0;
	memcpy(fp->sw_reserved.padding, &st, sizeof(st));
	frame->uc.uc_stack.ss_sp = (void *)t->alt_sp;
	frame->uc.uc_stack.ss_flags = t->alt_flags;
	frame->uc.uc_stack.ss_size = t->alt_size;
	return 1;
}

/*
 * SS_AUTODISARM, as the kernel's __save_altstack: a handler entered on the
 * stack (@frame within it, its uc_stack the stack's: ucstack_show) disarms
 * it, {0, SS_DISABLE, 0}, until its return applies the frame's uc_stack
 * (gk_sig_return).  A handler that leaves by
 * siglongjmp leaves it disarmed, as natively.
 */
static void alt_autodisarm(struct gk_thread *t, unsigned long frame)
{
	if (!(t->alt_flags & GK_SS_AUTODISARM) || !alt_inside(t, frame))
		return;
	t->alt_sp = 0;
	t->alt_size = 0;
	t->alt_flags = GK_SS_DISABLE;
}

/* Called by gk_sigret with the returning handler's frame: see ucstack_show. */
void gk_sig_return(struct gk_frame *frame)
{
	struct _fpstate_64 *fp;
	struct gk_ucstash st;
	struct gk_thread *t;

	if (gk_uwrite_ok(frame, sizeof(*frame)) < 0)
		return;		/* the host's rt_sigreturn fails on it too */
	fp = (void *)frame->uc.uc_mcontext.fpstate;
	if (!fp || gk_uread_ok(fp, sizeof(*fp)) < 0)
		return;
	memcpy(&st, fp->sw_reserved.padding, sizeof(st));
	if ((st.tag & ~1u) != GK_UCSTACK_TAG)
		return;
	/* As restore_altstack: any error but EFAULT squashed. */
	t = gk_thread_at(st.area);
	if (t)
		alt_set(t, (unsigned long)frame + 8, (unsigned long)frame->uc.uc_stack.ss_sp,
			frame->uc.uc_stack.ss_flags, frame->uc.uc_stack.ss_size);
	frame->uc.uc_stack.ss_sp = (void *)((st.tag & 1) ? st.area : 0);
	frame->uc.uc_stack.ss_flags = st.flags;
	frame->uc.uc_stack.ss_size = st.size;
}

/*
 * An SA_ONSTACK handler's frame, moved from the guest kernel's area (the
 * host's alternate stack, where the host delivered it) to where the kernel
 * would have put it (get_sigframe): the workload's own alternate stack when it
 * has one and is not on it already, else the interrupted stack below the red
 * zone; the FPU state 64-aligned above the frame, the frame 16-aligned less a
 * word.  The frame's uc_stack is still the host's here (ucstack_show gives
 * the handler the workload's after).  Returns the frame to use: @frame itself when the new place is
 * not writable (the handler then runs on the area, as before).  A signal
 * taken at a blocking point in the guest kernel is placed by the workload's
 * call it interrupted (the saved registers stay the guest kernel's).
 */
static unsigned long frame_place(struct gk_frame *frame)
{
	const struct gk_thread *t = gk_thread_at((unsigned long)frame);
	struct _fpstate_64 *fp = (void *)frame->uc.uc_mcontext.fpstate;
	unsigned long sp = frame->uc.uc_mcontext.rsp, fpsize = 0, fx, to, area = (unsigned long)t;
	const unsigned long fsize = offsetof(struct gk_frame, info) + sizeof(struct gk_siginfo);
	int onstack;

	/* Not on an area, or too little of it left below for the handler's own calls: stay. */
	if (!t || (unsigned long)frame - area < GK_TAREA / 4)
		return (unsigned long)frame;
	/*
	 * At a blocking point in the guest kernel (interrupted in a host call: any
	 * other place on the area is a handler's, and a call_uc a longjmp left
	 * behind is no longer live): the workload's call is what it interrupted.
	 */
	if (sp - area < GK_TAREA) {
		/* after the syscall instruction, or on it again when the call restarts */
		sp = frame_user_sp(t, frame);
		if (sp - area < GK_TAREA)
			return (unsigned long)frame;
	}
	onstack = alt_on(t, sp);
	sp -= 128;
	if (t->alt_size && !onstack)
		sp = t->alt_sp + t->alt_size;
	if (fp)
		fpsize = fp->sw_reserved.magic1 == FP_XSTATE_MAGIC1 &&
			 fp->sw_reserved.extended_size <= GK_TAREA / 4 ?
			 fp->sw_reserved.extended_size : sizeof(*fp);
	fx = (sp - fpsize) & ~63UL;
	to = ((fx - fsize) & ~15UL) - 8;
	/* No room (a wrap), off the stack it is on, over this area, or not writable: stay. */
	if (to > fx || (onstack && !alt_on(t, to)) || (to < area + GK_TAREA && area < fx + fpsize) ||
	    gk_uwrite_ok((void *)to, fx + fpsize - to) < 0)
		return (unsigned long)frame;
	if (fp) {
		memcpy((void *)fx, fp, fpsize);
		if (fpsize == sizeof(*fp))	/* the legacy part only: FXRSTOR */
			((struct _fpstate_64 *)fx)->sw_reserved.magic1 = 0;
	}
	memcpy((void *)to, frame, fsize);
	((struct gk_frame *)to)->uc.uc_mcontext.fpstate = fp ? (void *)fx : NULL;
	return to;
}

/*
 * The area is the host's alternate stack with SS_AUTODISARM (gk.h): any
 * delivery disarms it until that handler's sigreturn.  A workload handler
 * that runs off the area (on its own stack, or moved there by frame_place)
 * must find it armed again for its own calls' SIGSYS: the whole area when
 * the host frame is not on it (the signal interrupted the workload's code:
 * nothing of the guest kernel is live there; the frame's uc_stack names it),
 * else the part below the host frame (above it, at a blocking point, the
 * guest kernel's frames are live).  A handler left on the area runs disarmed:
 * its calls' frames go below it.
 */
static void rearm(const struct gk_frame *host, unsigned long used)
{
	const struct gk_thread *t = gk_thread_at((unsigned long)host);
	struct {
		unsigned long sp;
		int flags;
		unsigned long size;
	} ss = { 0, GK_SS_AUTODISARM, GK_TAREA };

	int depth;

	if (t) {
		if (used == (unsigned long)host)
			return;
		ss.sp = (unsigned long)t;
		ss.size = ((unsigned long)host - ss.sp) & ~15UL;
		hs2(__NR_sigaltstack, &ss, 0);
		return;
	}
	/*
	 * Several pending signals come at once: the kernel sets up each handler
	 * over the last one's before any runs, each interrupting the previous
	 * one's first instruction (gk_sigtramp) with the area already disarmed.
	 * The first of them saved the armed area: walk down to it.
	 */
	for (depth = 0; depth < 64 && !host->uc.uc_stack.ss_sp &&
	     host->uc.uc_mcontext.rip == (unsigned long)gk_sigtramp; depth++) {
		host = (const struct gk_frame *)host->uc.uc_mcontext.rsp;
		if (gk_uread_ok(host, sizeof(*host)) < 0)
			return;
	}
	ss.sp = (unsigned long)host->uc.uc_stack.ss_sp;
	if (!ss.sp || host->uc.uc_stack.ss_size != GK_TAREA || !gk_thread_at(ss.sp))
		return;
	hs2(__NR_sigaltstack, &ss, 0);
}

/*
 * Called by gk_sigtramp (entry.S), redirection armed: the workload's handler
 * for @sig and the frame to enter it with (@frame, or moved: frame_place),
 * with @si (the host's frame) in guest terms.  SA_RESETHAND: the host has
 * reset its action at delivery, so the guest kernel's copy follows (without
 * the lock: this thread may not take it here, and a sigaction racing a
 * delivery is as undefined natively).
 */
struct gk_sigdest gk_sig_handler(int sig, struct gk_siginfo *si, struct gk_frame *frame)
{
	struct gk_sigdest d = { (unsigned long)no_handler, (unsigned long)frame };
	struct gk_thread *t;
	unsigned long flags;

	/* Taken in a quick patched entry: delivered at its exit (patch.c). */
	if (gk_sig_defer(sig, si, frame)) {
		d.handler = (unsigned long)gk_sig_deferred;
		return d;
	}
	if (sig <= 0 || sig >= GK_NSIG || !caught(gk.act[sig].handler))
		return d;
	d.handler = gk.act[sig].handler;
	flags = gk.act[sig].flags;
	if (flags & GK_SA_RESETHAND) {
		gk.act[sig].handler = 0;
		gk.act[sig].flags &= ~(GK_SA_RESETHAND | GK_SA_SIGINFO);
		gk.handled &= ~SIGBIT(sig);
		if (SIGBIT(sig) & dfl_served())
			host_default(sig);	/* the host's reset was to its own SIG_DFL */
	}
	if (si)
		gk_siginfo_to_guest(si);
	if (flags & GK_SA_ONSTACK)
		d.frame = frame_place(frame);
	rearm(frame, d.frame);
	/* On the area, or (a handler without SA_ONSTACK) on the interrupted stack. */
	t = gk_thread_at((unsigned long)frame);
	if (!t)
		t = gk_thread_at((unsigned long)frame->uc.uc_stack.ss_sp);
	if (t && ucstack_show(t, (struct gk_frame *)d.frame))
		alt_autodisarm(t, d.frame);
	return d;
}

long sys_rt_sigaction(struct gk_call *c)
{
	long sig = c->a[0], r;
	const struct gk_kaction *act = (const struct gk_kaction *)c->a[1];
	struct gk_kaction *old = (struct gk_kaction *)c->a[2], prev, host;

	if (c->a[3] != 8)
		return -EINVAL;
	if (sig < 1 || sig >= GK_NSIG || (act && (sig == 9 || sig == 19)))
		return -EINVAL;
	if ((act && gk_uread_ok(act, sizeof(*act)) < 0) ||
	    (old && gk_uwrite_ok(old, sizeof(*old)) < 0))
		return -EFAULT;
	prev = gk.act[sig];
	if (act) {
		host = *act;
		/* SIGSYS is the guest kernel's entry: the workload's view of it stays virtual. */
		if (sig != GK_SIGSYS) {
			/* The handler is entered through the gate's trampoline, which arms first. */
			if (caught(host.handler)) {
				host.handler = (unsigned long)gk_sigtramp;
				host.flags |= GK_SA_RESTORER | GK_SA_SIGINFO;
				host.restorer = (unsigned long)gk_sigret;
			}
			host.mask &= ~SIGBIT(GK_SIGSYS);
			/* SIG_DFL keeps its flags (SA_NOCLDWAIT...), but where gk_sig_fatal goes first. */
			if (host.handler == 0 && (SIGBIT(sig) & dfl_served()))
				r = host_default((int)sig);
			else
				r = hs4(__NR_rt_sigaction, sig, &host, 0, 8);
			if (r < 0)
				return r;
			if (caught(act->handler))
				gk.handled |= SIGBIT(sig);
			else
				gk.handled &= ~SIGBIT(sig);
			gk_sig_update_mask();
		}
		gk.act[sig] = *act;
	}
	if (old)
		*old = prev;
	return 0;
}

/* The mask lives in the interrupted frame: sigreturn installs it on the way out. */
long sys_rt_sigprocmask(struct gk_call *c)
{
	unsigned long *cur = &c->uc->uc_sigmask, set;
	const unsigned long *nset = (const unsigned long *)c->a[1];
	unsigned long *oset = (unsigned long *)c->a[2], old;
	int how = (int)c->a[0];	/* an int to the kernel: the upper half is ignored */

	if (c->a[3] != 8)
		return -EINVAL;
	/* As the kernel does: the new set read, checked and applied, then the old one written. */
	if (nset && gk_uread_ok(nset, 8) < 0)
		return -EFAULT;
	if (nset && (how < 0 || how > 2 /* SIG_SETMASK */))
		return -EINVAL;
	old = *cur;
	if (nset) {
		set = *nset;
		if (how == 0)	/* SIG_BLOCK */
			*cur |= set;
		else if (how == 1)	/* SIG_UNBLOCK */
			*cur &= ~set;
		else
			*cur = set;
		*cur &= ~NEVER_BLOCKED;
	}
	if (oset) {
		if (gk_uwrite_ok(oset, 8) < 0)
			return -EFAULT;	/* the new mask stays, as the kernel leaves it */
		*oset = old;
	}
	return 0;
}

long sys_rt_sigsuspend(struct gk_call *c)
{
	unsigned long m;
	long r;

	if (c->nr == __NR_pause)
		m = c->uc->uc_sigmask;
	else if (c->a[1] != 8)
		return -EINVAL;
	else if (gk_uread_ok((const void *)c->a[0], 8) < 0)
		return -EFAULT;
	else
		m = *(const unsigned long *)c->a[0];
	m &= ~NEVER_BLOCKED;
	gk_unlock();
	r = hs2(__NR_rt_sigsuspend, &m, 8);
	gk_lock();
	return r;
}

long sys_rt_sigtimedwait(struct gk_call *c)
{
	struct gk_siginfo *info = (struct gk_siginfo *)c->a[1];
	unsigned long set;
	long a[6], r;

	if (!c->a[0] || c->a[3] != 8)
		return -EINVAL;
	if (gk_uread_ok((const void *)c->a[0], 8) < 0)
		return -EFAULT;
	set = *(const unsigned long *)c->a[0] & ~NEVER_BLOCKED;
	a[0] = (long)&set;
	a[1] = c->a[1];
	a[2] = c->a[2];
	a[3] = 8;
	a[4] = a[5] = 0;
	r = gk_host_blocking(__NR_rt_sigtimedwait, a, c);
	if (r > 0 && info && gk_uread_ok(info, sizeof(*info)) == 0)
		gk_siginfo_to_guest(info);
	return r;
}

/* Only the guest kernel's frames are sigreturned, through gk_restorer inside the gate. */
long sys_rt_sigreturn(struct gk_call *c)
{
	(void)c;
	return -ENOSYS;
}

/*
 * The host alternate stack is the guest kernel's: the workload's stays virtual,
 * per thread (frame_place delivers on it).  As do_sigaltstack: the new one
 * read and checked (EPERM while on the current one, EINVAL for another mode,
 * ENOMEM below MINSIGSTKSZ) and set, then the old one written.
 */
long sys_sigaltstack(struct gk_call *c)
{
	struct gk_thread *t = gk_self();
	struct gk_stack {
		unsigned long sp;
		int flags;
		unsigned long size;
	} *ns = (void *)c->a[0], *os = (void *)c->a[1], nw, old;
	unsigned long sp = c->uc->uc_mcontext.rsp;
	long r;

	if (ns && gk_uread_ok(ns, sizeof(*ns)) < 0)
		return -EFAULT;
	old.sp = t->alt_sp;
	old.size = t->alt_size;
	old.flags = (!t->alt_size ? GK_SS_DISABLE : alt_on(t, sp) ? GK_SS_ONSTACK : 0) |
		    (t->alt_flags & GK_SS_AUTODISARM);
	if (ns) {
		nw = *ns;
		r = alt_set(t, sp, nw.sp, nw.flags, nw.size);
		if (r < 0)
			return r;
	}
	if (os) {
		if (gk_uwrite_ok(os, sizeof(*os)) < 0)
			return -EFAULT;
		*os = old;
	}
	return 0;
}

void gk_sig_exec_reset(void)
{
	struct gk_kaction dfl = { 0, 0, 0, 0 };
	int sig;

	/* As the kernel's flush_signal_handlers: caught ones to SIG_DFL; flags and masks go. */
	for (sig = 1; sig < GK_NSIG; sig++) {
		if (!caught(gk.act[sig].handler)) {
			gk.act[sig] = (struct gk_kaction){ .handler = gk.act[sig].handler };
			continue;
		}
		if (sig != GK_SIGSYS)
			host_default(sig);
		gk.act[sig] = dfl;
	}
	gk.handled = 0;
	gk_self()->alt_sp = 0;
	gk_self()->alt_size = 0;
	gk_self()->alt_flags = 0;
	gk_sig_update_mask();
}
