// SPDX-License-Identifier: GPL-2.0
// patch.c - patched syscall sites: a trapped `mov $NR, %eax; syscall` becomes a jump into the gate.
#include <linux/mman.h>

#include "gk.h"
#include "patch.h"

/*
 * After a site traps, the guest kernel rewrites its first five bytes
 * (`b8 NR` -> `ff 24 25 SLOT`, `jmp *SLOT`): the old `syscall` (0f 05) is the
 * disp32's two high bytes, so a thread standing at site + 5 (preempted there,
 * or a signal frame's saved rip) still executes `syscall` and traps as
 * before.  The five bytes change in one locked compare-and-swap of the
 * aligned 8 bytes that hold them, or else of the aligned 16 (cmpxchg16b), so
 * no thread can fetch a mix; a site whose five bytes cross a 16-byte boundary
 * keeps trapping (in Debian 12's libc 352 of the 436 sites of this form fit:
 * 318 in 8 bytes, 34 more in 16).  Slot k (read-only to the workload, whose mmap, mprotect
 * and munmap the guest kernel refuses there) holds the address of the gate's
 * stub k (entry.S), which enters gk_fast() with k.
 *
 * Only sites in private, file-backed, read-only-executable mappings are
 * patched: the loader's own and the workload's mmaps of that form (`code`
 * below), nothing shared, writable or anonymous.  The text page is written
 * under a temporary PROT_READ|PROT_WRITE|PROT_EXEC (it stays executable for
 * the threads running in it), with the big lock held.  A range the workload
 * makes writable, moves or remaps gets its sites' original bytes back first
 * (gk_patch_release); a range it unmaps or maps over just forgets them.
 */
#define GK_PATCH_CODE 256

/* Written once before the site's bytes point at its slot, never changed (gk_fast reads it unlocked). */
struct psite {
	unsigned long site;	/* the mov's address */
	int nr;
};

struct code {
	unsigned long start, end;
};

static struct psite sites[GK_PATCH_MAX];
/* The quick entry (entry.S): on (FSGSBASE), and per site: its call is not about the mask. */
int gk_patch_quick;
unsigned char gk_patch_site_quick[GK_PATCH_MAX];
static unsigned char gone[GK_PATCH_MAX];	/* reverted, unmapped or replaced */
static unsigned int nsites;
static struct code code[GK_PATCH_CODE];
static unsigned int ncode;
/* 0: not mapped yet in this image; 1: mapped; -1: the place was taken, no patching */
static int slots_state;
static unsigned long stat_patched, stat_traps, stat_fast, stat_quick, stat_deferred;

extern const unsigned char gk_fast_stubs[], gk_fast_stubs_end[];

_Static_assert(sizeof(struct gk_ucontext) <= GK_FAST_UC, "GK_FAST_UC is too small");
_Static_assert(offsetof(struct gk_thread, dfr_pending) == GK_T_DFR_PENDING, "patch.h's offsets");
_Static_assert(offsetof(struct gk_thread, fast_busy) == GK_T_FAST_BUSY, "patch.h's offsets");
_Static_assert(GK_TAREA == GK_TAREA_ASM, "patch.h's area size");
_Static_assert(sizeof(struct gk_thread) <= GK_DFR_FP, "the record overlaps the deferred FPU state");
_Static_assert(GK_DFR_FP + GK_DFR_FP_MAX + 64 * 1024 <= GK_QUICK_TOP, "too little quick stack");

#define GK_SA_ONSTACK_P 0x08000000UL
#define GK_SA_NODEFER_P 0x40000000UL
_Static_assert(GK_PATCH_MAX * 8 <= GK_PATCH_SLOTS_LEN, "the slots do not fit their region");

/* Syscalls a patched entry never serves: they want the trap's own frame or never return. */
static int nr_patchable(long nr)
{
	switch (nr) {
	case __NR_rt_sigreturn: case __NR_clone: case __NR_fork: case __NR_vfork:
	case __NR_execve: case __NR_execveat: case __NR_exit: case __NR_exit_group:
	case __NR_clone3:
		return 0;
	}
	return nr >= 0 && nr < GK_NSYS;
}

/*
 * Calls the quick entry leaves to the other: they read or set the mask the
 * trap's frame holds (the quick entry never touches the host's), or wait
 * for a signal with it.
 */
static int nr_quick(long nr)
{
	switch (nr) {
	case __NR_rt_sigprocmask: case __NR_rt_sigsuspend: case __NR_pause:
	case __NR_rt_sigtimedwait:
		return 0;
	}
	return 1;
}

static int patch_enabled(void)
{
	return !(gk.boot.flags & GK_BOOT_F_NOPATCH);
}

/* The slot region is the guest kernel's while it is mapped (gk_overlaps_self). */
int gk_patch_overlaps(unsigned long a, unsigned long n)
{
	return slots_state == 1 && a < GK_PATCH_SLOTS + GK_PATCH_SLOTS_LEN &&
	       GK_PATCH_SLOTS < a + n;
}

/* A new image (exec unmapped everything of the old one, the slots too). */
void gk_patch_exec(void)
{
	memset(gone, 0, sizeof(gone));
	nsites = 0;
	ncode = 0;
	slots_state = 0;
}

/* [start, start + len) is a private, file-backed, read-only-executable mapping now. */
void gk_patch_code(unsigned long start, unsigned long len)
{
	unsigned int i;

	if (!patch_enabled() || !len)
		return;
	for (i = 0; i < ncode; i++)
		if (code[i].start == start && code[i].end == start + len)
			return;
	if (ncode == GK_PATCH_CODE)
		return;
	code[ncode].start = start;
	code[ncode].end = start + len;
	ncode++;
}

static int in_code(unsigned long a, unsigned long n)
{
	unsigned int i;

	for (i = 0; i < ncode; i++)
		if (a >= code[i].start && a + n <= code[i].end)
			return 1;
	return 0;
}

/* One locked compare-and-swap of the aligned 16 bytes at @p (cmpxchg16b). */
static int cas16(unsigned long *p, unsigned long *old, const unsigned long *new)
{
	unsigned char ok;

	__asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
			 : "=q"(ok), "+m"(*(volatile unsigned long(*)[2])p), "+a"(old[0]), "+d"(old[1])
			 : "b"(new[0]), "c"(new[1])
			 : "memory", "cc");
	return ok;
}

/* The five bytes at @site change in one locked write: within one aligned 8 or 16 bytes. */
static int site_fits(unsigned long site)
{
	return (site & 7) <= 3 || (site & 15) <= 11;
}

/*
 * Replaces the five bytes at @site, which must read @from, by @to, in one
 * compare-and-swap of their aligned 8 bytes (or 16: cmpxchg16b), the page
 * writable and still executable meanwhile.  0 when the bytes changed.
 */
static int site_swap(unsigned long site, const unsigned char *from, const unsigned char *to)
{
	unsigned long page = GK_PAGE_DOWN(site), at;
	union {
		unsigned long w[2];
		unsigned char b[16];
	} old, new;
	unsigned int off, i;
	int ok = 0;

	if (!site_fits(site))
		return -1;
	at = (site & 7) <= 3 ? site & ~7UL : site & ~15UL;
	off = site - at;
	if (hs3(__NR_mprotect, page, GK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return -1;
	old.w[0] = __atomic_load_n((unsigned long *)at, __ATOMIC_RELAXED);
	old.w[1] = off > 3 ? __atomic_load_n((unsigned long *)at + 1, __ATOMIC_RELAXED) : 0;
	new = old;
	for (i = 0; i < 5 && old.b[off + i] == from[i]; i++)
		new.b[off + i] = to[i];
	if (i == 5 && off <= 3)
		ok = __atomic_compare_exchange_n((unsigned long *)at, &old.w[0], new.w[0], 0,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	else if (i == 5)
		ok = cas16((unsigned long *)at, old.w, new.w);
	hs3(__NR_mprotect, page, GK_PAGE, PROT_READ | PROT_EXEC);
	return ok ? 0 : -1;
}

static void site_bytes(unsigned char *b, int nr, int patched, unsigned int k)
{
	unsigned long slot = GK_PATCH_SLOTS + 8UL * k;

	if (patched) {
		b[0] = 0xff;	/* jmp *disp32: ff /4, SIB 0x25 (no base, no index) */
		b[1] = 0x24;
		b[2] = 0x25;
		b[3] = slot & 0xff;
		b[4] = (slot >> 8) & 0xff;
	} else {
		b[0] = 0xb8;	/* mov $nr, %eax */
		b[1] = nr & 0xff;
		b[2] = (nr >> 8) & 0xff;
		b[3] = (nr >> 16) & 0xff;
		b[4] = (nr >> 24) & 0xff;
	}
}

static int slots_map(void)
{
	long r;

	if (slots_state)
		return slots_state;
	r = hs6(__NR_mmap, GK_PATCH_SLOTS, GK_PATCH_SLOTS_LEN, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	slots_state = r == GK_PATCH_SLOTS ? 1 : -1;
	if (r >= 0 && r != GK_PATCH_SLOTS)	/* a kernel without FIXED_NOREPLACE: a hint */
		hs2(__NR_munmap, r, GK_PATCH_SLOTS_LEN);
	return slots_state;
}

static int slot_set(unsigned int k)
{
	unsigned long page = GK_PAGE_DOWN(GK_PATCH_SLOTS + 8UL * k);

	if (hs3(__NR_mprotect, page, GK_PAGE, PROT_READ | PROT_WRITE) < 0)
		return -1;
	*(volatile unsigned long *)(GK_PATCH_SLOTS + 8UL * k) =
		(unsigned long)gk_fast_stubs + GK_PATCH_STUB * k;
	hs3(__NR_mprotect, page, GK_PAGE, PROT_READ);
	return 0;
}

/*
 * The trap of @nr just returned from the site whose syscall ends at @rip:
 * patches it when it is `b8 NR 0f 05` in patchable code (@rip 0: it returns
 * elsewhere, only counted).  Big lock held.
 */
void gk_patch_trapped(long nr, unsigned long rip)
{
	unsigned long site = rip - 7;
	unsigned char want[7], to[5];
	unsigned int k;

	stat_traps++;
	if (!patch_enabled() || !nr_patchable(nr) || rip < 7 || !site_fits(site) ||
	    !in_code(site, 7))
		return;
	site_bytes(want, (int)nr, 0, 0);
	want[5] = 0x0f;
	want[6] = 0x05;
	if (gk_uread_ok((const void *)site, 7) < 0 || memcmp((const void *)site, want, 7))
		return;
	/* Patched before and reverted by the file's own bytes (MADV_DONTNEED): the same slot. */
	for (k = 0; k < nsites; k++)
		if (sites[k].site == site && sites[k].nr == nr)
			break;
	if (k == nsites) {
		if (nsites == GK_PATCH_MAX || slots_map() < 0 || slot_set(nsites) < 0)
			return;
		sites[nsites].site = site;
		sites[nsites].nr = (int)nr;
		gk_patch_site_quick[nsites] = nr_quick(nr);
		nsites++;
	}
	site_bytes(to, (int)nr, 1, k);
	if (site_swap(site, want, to) == 0) {
		gone[k] = 0;
		stat_patched++;
	}
}

/*
 * The workload is about to make [a, a + n) other than read-only-executable
 * code (@revert: its patched sites get their original bytes back first) or
 * to unmap or replace it (they are forgotten).  Either way no new site there
 * is patched until it is mapped again.  Big lock held.
 */
void gk_patch_release(unsigned long a, unsigned long n, int revert)
{
	unsigned char from[5], to[5];
	unsigned int i;

	for (i = 0; i < ncode; i++)
		if (a < code[i].end && code[i].start < a + n) {
			code[i] = code[--ncode];
			i--;
		}
	for (i = 0; i < nsites; i++) {
		unsigned long s = sites[i].site;

		if (gone[i] || s + 7 <= a || s >= a + n)
			continue;
		if (revert) {
			site_bytes(from, sites[i].nr, 1, i);
			site_bytes(to, sites[i].nr, 0, i);
			site_swap(s, from, to);
		}
		gone[i] = 1;
	}
}

/*
 * A patched site's entry (entry.S's gk_fast_common): @s is the save area
 * below the workload's red zone, @uc room on the entry stack.  Builds the
 * context the trap's frame would have held, serves the call as the trap does
 * (gk_serve), and returns the save area to return with: below the red zone
 * of the context's stack pointer, which a call may have changed.
 */
struct gk_fsave {
	unsigned long flags, rdi, rsi, rdx, r10, r8, r9, rbx, rbp, r12, r13, r14, r15, k, mask;
	struct {
		unsigned long sp;
		int flags;
		unsigned long size;
	} ss;
	unsigned long rax, rip;
};
_Static_assert(sizeof(struct gk_fsave) == GK_FS_SIZE, "patch.h's save area layout");
_Static_assert(offsetof(struct gk_fsave, ss) == GK_FS_SS, "patch.h's save area layout");
_Static_assert(offsetof(struct gk_fsave, rax) == GK_FS_RAX, "patch.h's save area layout");

static void fast_in(const struct gk_fsave *s, struct gk_ucontext *uc)
{
	struct sigcontext *m = &uc->uc_mcontext;
	unsigned long k = s->k, ret;

	/* A jump to the common entry with another r11 is the workload's own doing. */
	if (k >= GK_PATCH_MAX || !sites[k].site)
		gk_die(125, "kiste: a patched syscall site's slot %lu is not in use\n", k);
	ret = sites[k].site + 7;
	memset(uc, 0, sizeof(*uc));
	m->rdi = s->rdi;
	m->rsi = s->rsi;
	m->rdx = s->rdx;
	m->r10 = s->r10;
	m->r8 = s->r8;
	m->r9 = s->r9;
	m->rbx = s->rbx;
	m->rbp = s->rbp;
	m->r12 = s->r12;
	m->r13 = s->r13;
	m->r14 = s->r14;
	m->r15 = s->r15;
	m->rax = sites[k].nr;
	m->rcx = ret;
	m->r11 = s->flags;
	m->rip = ret;
	m->eflags = s->flags;
	m->rsp = (unsigned long)s + 128 + GK_FS_SIZE;
	m->cs = 0x33;
	m->ss = 0x2b;
}

static struct gk_fsave *fast_out(const struct gk_ucontext *uc)
{
	const struct sigcontext *m = &uc->uc_mcontext;
	struct gk_fsave *o = (struct gk_fsave *)(m->rsp - 128 - GK_FS_SIZE);

	o->flags = m->eflags;
	o->rdi = m->rdi;
	o->rsi = m->rsi;
	o->rdx = m->rdx;
	o->r10 = m->r10;
	o->r8 = m->r8;
	o->r9 = m->r9;
	o->rbx = m->rbx;
	o->rbp = m->rbp;
	o->r12 = m->r12;
	o->r13 = m->r13;
	o->r14 = m->r14;
	o->r15 = m->r15;
	o->mask = uc->uc_sigmask;
	o->ss.sp = (unsigned long)uc->uc_stack.ss_sp;
	o->ss.flags = uc->uc_stack.ss_flags;
	o->ss.size = uc->uc_stack.ss_size;
	o->rax = m->rax;
	o->rip = m->rip;
	return o;
}

struct gk_fsave *gk_fast(struct gk_fsave *s, struct gk_ucontext *uc);
struct gk_fsave *gk_fast(struct gk_fsave *s, struct gk_ucontext *uc)
{
	fast_in(s, uc);
	uc->uc_stack.ss_sp = (void *)s->ss.sp;
	uc->uc_stack.ss_flags = s->ss.flags;
	uc->uc_stack.ss_size = s->ss.size;
	uc->uc_sigmask = s->mask;
	gk_serve(uc, 1);
	return fast_out(uc);
}

/*
 * The quick entry (entry.S, thread @t from %gs): no host call of its own.
 * The host's mask stays the workload's (so the calls that are about the mask
 * never come here: nr_quick) and the host alternate stack stays armed: this
 * runs in the area's lower part, below GK_QUICK_TOP, while a signal's frame
 * comes at the area's top.  A caught signal outside a blocking point is
 * deferred (gk_sig_defer: taken, blocked, its siginfo and FPU state kept) and
 * delivered at the exit (gk_fast_deliver), as if it came right after the
 * call; at a blocking point (gk_host_blocking: t->call_uc set, the big lock
 * released) it runs at once, as with the trap, and can interrupt the call.
 */
struct gk_fsave *gk_fast_quick(struct gk_fsave *s, struct gk_ucontext *uc, struct gk_thread *t);
struct gk_fsave *gk_fast_quick(struct gk_fsave *s, struct gk_ucontext *uc, struct gk_thread *t)
{
	/*
	 * No blocking point is live when an entry begins (gk_sig_defer reads
	 * call_uc as one): a handler that left a blocking call by siglongjmp
	 * leaves its call_uc behind, and a signal taken here then would run its
	 * handler with the big lock held (and a siglongjmp from it never lets go).
	 * A live one of an outer call (this entry made by a handler that runs at
	 * it) comes back at the exit.
	 */
	const struct gk_ucontext *outer = t->call_uc;
	struct gk_fsave *o;

	t->call_uc = NULL;
	fast_in(s, uc);
	uc->uc_flags = GK_UC_QUICK;
	uc->uc_stack.ss_sp = t;
	uc->uc_stack.ss_flags = GK_SS_AUTODISARM;
	uc->uc_stack.ss_size = GK_TAREA;
	gk_serve(uc, 1);
	o = fast_out(uc);
	t->call_uc = outer;
	return o;
}

/* The thread whose area %gs's base is (set by gk_patch_thread), or NULL. */
struct gk_thread *gk_quick_self(void)
{
	unsigned long g;

	if (!gk_patch_quick)
		return NULL;
	__asm__ volatile("rdgsbase %0" : "=r"(g));
	if (!g || (g & (GK_TAREA - 1)) || !gk_thread_at(g))
		return NULL;
	return (struct gk_thread *)g;
}

/* Every thread's %gs base is its area, when the CPU lets user code set it (FSGSBASE). */
void gk_patch_thread(struct gk_thread *t)
{
	if (gk_patch_quick)
		__asm__ volatile("wrgsbase %0" : : "r"(t) : "memory");
}

void gk_patch_boot(struct gk_thread *main_area)
{
	gk_patch_quick = patch_enabled() && (gk.boot.flags & GK_BOOT_F_FSGSBASE);
	gk_patch_thread(main_area);
}

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
	if (frame->uc.uc_mcontext.rip != (unsigned long)gk_sigtramp) {
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

void gk_fast_jump(struct gk_frame *f, unsigned long *mask, int sig, struct gk_siginfo *info,
		  struct gk_ucontext *uc) __attribute__((noreturn));

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
struct gk_fsave *gk_fast_deliver(struct gk_fsave *s);
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
	__atomic_fetch_add(&stat_deferred, 1, __ATOMIC_RELAXED);
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

/* Counted under the big lock by gk_serve. */
void gk_patch_count_fast(const struct gk_ucontext *uc)
{
	stat_fast++;
	if (uc->uc_flags & GK_UC_QUICK)
		stat_quick++;
}

/* --trace-summary's line: sites patched, calls that trapped, calls through patched sites. */
void gk_patch_summary(void)
{
	char line[160];
	int pid = (int)gk_to_guest_pid(hs0(__NR_getpid));

	snprintf(line, sizeof(line),
		 "kiste-shim[%d] patch: %lu sites patched, %lu calls trapped, %lu calls patched "
		 "(%lu quick, %lu signals deferred)%s\n",
		 pid, stat_patched, stat_traps, stat_fast, stat_quick, stat_deferred,
		 patch_enabled() ? (slots_state < 0 ? " (slot region taken)" : "") : " (--no-patch)");
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}

void gk_patch_forked(void)
{
	stat_patched = stat_traps = stat_fast = stat_quick = stat_deferred = 0;
}
