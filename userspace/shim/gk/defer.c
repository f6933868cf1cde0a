// SPDX-License-Identifier: GPL-2.0
// defer.c - signals taken in a quick patched entry: kept at once, delivered at its exit.
#include "gk.h"
#include "patch.h"

#define GK_SA_ONSTACK_P 0x08000000UL
#define GK_SA_NODEFER_P 0x40000000UL

/*
 * Called first by both host handlers (gk_sig_handler, gk_sigsys): a signal
 * that came while its thread was in a quick entry outside a blocking point
 * is taken for later.  The frame that interrupted the entry itself (not
 * another signal's trampoline: several can come at once) gives the mask and
 * the FPU state to deliver it with, both the workload's; the frame's mask
 * then blocks every caught signal until the exit (gk_fast_deliver).  A SIGSYS
 * that is not a redirected call (an exec's poke) is only noted: the exit
 * looks at it.  1: taken, the handler does nothing more.
 */
int gk_sig_defer(int sig, const struct gk_siginfo *si, struct gk_frame *frame)
{
	struct gk_thread *t = gk_quick_self();
	const struct _fpstate_64 *fp;
	unsigned long n = 0;

	if (!t || !__atomic_load_n(&t->fast_busy, __ATOMIC_RELAXED) || t->call_uc || sig <= 0 ||
	    sig >= GK_NSIG)
		return 0;
	if (sig == GK_SIGSYS) {
		t->dfr_pending |= 1UL << (GK_SIGSYS - 1);
		return 1;
	}
	/*
	 * The workload's mask and FPU state come from the frame that interrupted
	 * the entry itself, never from one that interrupted another signal's
	 * host handler, whose mask is that handler's.  Such a nested one comes
	 * at the trampoline's first instruction (the kernel sets up several at
	 * once) or after any host call the outer handler makes (its re-arm), even
	 * before the outer one's deferral runs: taking its mask left the outer
	 * signal blocked after its handler (CPython's test_signal: a timer's
	 * SIGALRM during a kill's SIGUSR1).  A host handler runs with the host's
	 * alternate stack disarmed (SS_AUTODISARM), so a nested frame saved none
	 * in its uc_stack; the entry runs with the area armed.
	 */
	if (frame->uc.uc_stack.ss_sp) {
		t->dfr_mask = frame->uc.uc_sigmask;
		t->dfr_ucflags = frame->uc.uc_flags;
		fp = (const void *)frame->uc.uc_mcontext.fpstate;
		if (fp) {
			n = fp->sw_reserved.magic1 == FP_XSTATE_MAGIC1 &&
			    fp->sw_reserved.extended_size <= GK_DFR_FP_MAX ?
			    fp->sw_reserved.extended_size : sizeof(*fp);
			memcpy((char *)t + GK_DFR_FP, fp, n);
			if (n == sizeof(*fp))	/* the legacy part only: FXRSTOR */
				((struct _fpstate_64 *)((char *)t + GK_DFR_FP))->sw_reserved.magic1 = 0;
		}
		t->dfr_fpsize = n;
	}
	memcpy(&t->dfr_info[sig], si, sizeof(*si));
	t->dfr_pending |= 1UL << (sig - 1);
	frame->uc.uc_sigmask |= gk.handled | (1UL << (sig - 1));
	return 1;
}

/*
 * The quick entry's exit found signals taken in it (@s: the workload's
 * registers after the call).  An exec's poke first; then the lowest signal is
 * delivered as the host would have right after the call: its frame where
 * get_sigframe puts it (the armed alternate stack with SA_ONSTACK, else
 * below the red zone), the kept FPU state above it, the workload's mask in
 * it, the handler's mask set last (gk_fast_jump) and gk_sigtramp entered as
 * by the kernel.  Others taken with it are raised again by number (tgkill:
 * their siginfo is the kernel's for a tgkill then), and pend until that mask
 * lets them in.  Returns @s when nothing is left to deliver.
 */
struct gk_fsave *gk_fast_deliver(struct gk_fsave *sa)
{
	struct gk_fsave copy = *sa, *s = &copy;	/* the frame may go where @sa is */
	struct gk_thread *t = gk_quick_self();
	struct gk_stack {
		unsigned long sp;
		int flags;
		unsigned long size;
	} cur, off = { 0, GK_SS_DISABLE, 0 };
	unsigned long pend, sp = (unsigned long)sa + 128 + GK_FS_SIZE, top, fx, fsz;
	struct gk_kaction act;
	struct gk_frame *f;
	int sig, i, onstack;
	long pid;

	if (!t)
		return sa;
	pend = t->dfr_pending;
	t->dfr_pending = 0;
	if (pend & (1UL << (GK_SIGSYS - 1))) {
		pend &= ~(1UL << (GK_SIGSYS - 1));
		gk_thread_exec_check();
	}
	if (!pend)
		return sa;
	sig = __builtin_ctzl(pend) + 1;
	gk_patch_count_deferred();
	pid = hs0(__NR_getpid);
	for (i = sig + 1; i < GK_NSIG; i++)
		if (pend & (1UL << (i - 1)))
			hs3(__NR_tgkill, pid, t->tid, i);
	act = gk.act[sig];
	hs2(__NR_sigaltstack, 0, &cur);
	onstack = (act.flags & GK_SA_ONSTACK_P) && !(cur.flags & GK_SS_DISABLE) && cur.size &&
		  ((cur.flags & GK_SS_AUTODISARM) || sp - cur.sp >= cur.size);
	top = onstack ? cur.sp + cur.size : sp - 128;
	fsz = t->dfr_fpsize;
	fx = (top - fsz) & ~63UL;
	f = (struct gk_frame *)((((fx - sizeof(*f)) & ~15UL)) - 8);
	/* Its action gone meanwhile, or no room: raised again by number, the mask put back. */
	if (!(act.handler > 1) || (unsigned long)f > fx ||
	    gk_uwrite_ok(f, top - (unsigned long)f) < 0) {
		hs3(__NR_tgkill, pid, t->tid, sig);
		t->dfr_jmask = t->dfr_mask;
		hs4(__NR_rt_sigprocmask, 2, &t->dfr_jmask, 0, 8);
		return sa;
	}
	if (fsz)
		memcpy((void *)fx, (char *)t + GK_DFR_FP, fsz);
	memset(f, 0, sizeof(*f));
	f->pretcode = (unsigned long)gk_sigret;
	f->uc.uc_flags = t->dfr_ucflags;
	f->uc.uc_stack.ss_sp = (void *)cur.sp;
	f->uc.uc_stack.ss_flags = cur.flags;
	f->uc.uc_stack.ss_size = cur.size;
	f->uc.uc_mcontext.rdi = s->rdi;
	f->uc.uc_mcontext.rsi = s->rsi;
	f->uc.uc_mcontext.rdx = s->rdx;
	f->uc.uc_mcontext.r10 = s->r10;
	f->uc.uc_mcontext.r8 = s->r8;
	f->uc.uc_mcontext.r9 = s->r9;
	f->uc.uc_mcontext.rbx = s->rbx;
	f->uc.uc_mcontext.rbp = s->rbp;
	f->uc.uc_mcontext.r12 = s->r12;
	f->uc.uc_mcontext.r13 = s->r13;
	f->uc.uc_mcontext.r14 = s->r14;
	f->uc.uc_mcontext.r15 = s->r15;
	f->uc.uc_mcontext.rax = s->rax;
	f->uc.uc_mcontext.rcx = s->rip;
	f->uc.uc_mcontext.r11 = s->flags;
	f->uc.uc_mcontext.rip = s->rip;
	f->uc.uc_mcontext.rsp = sp;
	f->uc.uc_mcontext.eflags = s->flags;
	f->uc.uc_mcontext.cs = 0x33;
	f->uc.uc_mcontext.ss = 0x2b;
	f->uc.uc_mcontext.fpstate = fsz ? (void *)fx : NULL;
	f->uc.uc_sigmask = t->dfr_mask;
	memcpy(&f->info, &t->dfr_info[sig], sizeof(f->info));
	/* As the delivery's SS_AUTODISARM. */
	if (onstack && (cur.flags & GK_SS_AUTODISARM))
		hs2(__NR_sigaltstack, &off, 0);
	t->dfr_jmask = t->dfr_mask | (act.mask & ~(1UL << (GK_SIGSYS - 1))) |
		       ((act.flags & GK_SA_NODEFER_P) ? 0 : 1UL << (sig - 1));
	gk_fast_jump(f, &t->dfr_jmask, sig, &f->info, &f->uc);
}
