// SPDX-License-Identifier: GPL-2.0
// main.c - the guest kernel's boot, its SIGSYS entry and the redirected-syscall dispatcher.
#include <linux/audit.h>
#include <linux/kiste.h>
#include <linux/prctl.h>

#include "gk.h"

#define GK_SA_SIGINFO 0x4
#define GK_SA_ONSTACK 0x08000000
#define GK_SA_RESTORER 0x04000000
#define GK_SYS_SECCOMP 1
#define GK_SYS_USER_DISPATCH 2

struct gk_state gk;
/* entry.S switches to the top of this stack. */
unsigned char gk_boot_stack[64 * 1024] __attribute__((aligned(16)));
/*
 * The main thread's area (thread.c): its record, then its SIGSYS stack.  Last
 * in the image (gk.ld's .gk_area), so its alignment pads only the end.
 */
static unsigned char gk_altstack[GK_TAREA] __attribute__((aligned(GK_TAREA), section(".gk_area")));
static char gk_argbuf[256 * 1024];

unsigned long gk_now_ns(void)
{
	struct {
		long sec, nsec;
	} ts = { 0, 0 };

	hs2(__NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, &ts);
	return ts.sec * 1000000000UL + ts.nsec;
}

static void nosys(long nr);

/*
 * Serves the call in @uc's registers, one thread at a time in the guest kernel
 * except where it blocks (thread.c): the SIGSYS entry's, or (@fast) a patched
 * site's (patch.c), which built @uc as the trap's frame would have held it
 * (@fast 2: the vsyscall page's seccomp trap, never patched).
 */
void gk_serve(struct gk_ucontext *uc, int fast)
{
	struct sigcontext *m = &uc->uc_mcontext;
	unsigned long rip = m->rip;
	struct gk_call c;
	char pre[GK_TRACE_PRE];
	unsigned long t0 = 0;
	int tracing;
	long ret;

	c.nr = (long)m->rax;
	c.a[0] = m->rdi;
	c.a[1] = m->rsi;
	c.a[2] = m->rdx;
	c.a[3] = m->r10;
	c.a[4] = m->r8;
	c.a[5] = m->r9;
	c.uc = uc;
	c.noreturn = 0;
	gk_lock();
	if (fast == 1)
		gk_patch_count_fast(uc);
	tracing = gk_tracing();
	if (tracing)
		gk_trace_enter(&c, pre, sizeof(pre));
	if (tracing || (gk.boot.flags & GK_BOOT_F_TRACE_SUM))
		t0 = gk_now_ns();
	ret = gk_dispatch(&c);
	if (!c.noreturn)
		m->rax = ret;
	if (tracing)
		gk_trace_call(&c, ret, gk_now_ns() - t0, pre);
	if (gk.boot.flags & GK_BOOT_F_TRACE_SUM)
		gk_trace_count(&c, ret, gk_now_ns() - t0);
	/* A trapped site that returns to where it was called from may be patched now. */
	if (!fast)
		gk_patch_trapped(c.nr, !c.noreturn && m->rip == rip ? rip : 0);
	gk_unlock();
}

static void gk_sigsys(int sig, struct gk_siginfo *si, struct gk_ucontext *uc)
{
	struct sigcontext *m = &uc->uc_mcontext;

	(void)sig;
	/* In a quick patched entry: a poke is looked at on its way out (patch.c). */
	if (si->si_code != GK_SYS_USER_DISPATCH &&
	    gk_sig_defer(GK_SIGSYS, si, (struct gk_frame *)((char *)uc - 8)))
		return;
	/* An exec elsewhere in the process asks this thread to leave (thread.c). */
	gk_thread_poked(si);
	/*
	 * The allowlist traps (SECCOMP_RET_TRAP) the legacy vsyscall page's
	 * gettimeofday and time, which the host emulates through seccomp and
	 * never through dispatch: served here like a redirected call (the host
	 * already emulated the vsyscall's ret).  Any other SIGSYS someone sent
	 * is not a redirected syscall.
	 */
	if (si->si_code == GK_SYS_SECCOMP &&
	    (si->sys.syscall == __NR_gettimeofday || si->sys.syscall == __NR_time)) {
		m->rax = si->sys.syscall;
		gk_serve(uc, 2);
		return;
	} else if (si->si_code != GK_SYS_USER_DISPATCH) {
		return;
	}
	/* int $0x80 and friends: a 32-bit call is never served as the 64-bit one. */
	if (si->sys.arch != AUDIT_ARCH_X86_64) {
		nosys(-1);
		m->rax = -ENOSYS;
		return;
	}
	gk_serve(uc, 0);
}

/*
 * Every ENOSYS answer (no entry, or a form not served yet: threads, PI futexes)
 * is counted here and, with the module, reported at once through
 * KISTE_IOC_SHIM_ENOSYS, so `kiste inspect` is right while the sandbox runs.
 */
static void nosys(long nr)
{
	struct kiste_ioc_shim_enosys rep = { .flags = 0, .count = 1 };

	if (nr >= 0 && nr < GK_NSYS)
		gk.nosys[nr]++;
	if (gk.boot.kiste_fd >= 0)
		hs3(__NR_ioctl, gk.boot.kiste_fd, KISTE_IOC_SHIM_ENOSYS, &rep);
}

long gk_dispatch(struct gk_call *c)
{
	long r;

	if (c->nr < 0 || c->nr >= GK_NSYS || !gk_table[c->nr]) {
		nosys(c->nr);
		return -ENOSYS;
	}
	gk_args_narrow(c);
	r = gk_table[c->nr](c);
	if (r == -ENOSYS && !c->noreturn)
		nosys(c->nr);
	return r;
}

/*
 * The workload's caught signals stay blocked while the guest kernel runs,
 * except at blocking points (gk_host_blocking), like a kernel that delivers
 * signals only on the way out of a syscall or while it sleeps.
 */
int gk_sigsys_install(void)
{
	struct gk_kaction a = {
		.handler = (unsigned long)gk_sigsys,
		.flags = GK_SA_SIGINFO | GK_SA_ONSTACK | GK_SA_RESTORER,
		.restorer = (unsigned long)gk_restorer,
		.mask = gk.handled,
	};

	return (int)hs4(__NR_rt_sigaction, GK_SIGSYS, &a, 0, 8);
}

/*
 * A blocking host call: the big lock is let go around it (another thread may
 * run in the guest kernel meanwhile, or a signal handler of this one), so a
 * caller keeps nothing of the shared state across it.  @a is the caller's copy.
 */
long gk_host_blocking(long nr, const long *a, const struct gk_call *c)
{
	unsigned long mask, old;
	long ret;

	gk_unlock();
	/* With other threads SIGSYS is open here too: an exec may ask this one to leave. */
	if (c->uc->uc_flags & GK_UC_QUICK) {
		/* A quick patched entry (patch.c): the host's mask is the workload's already. */
		struct gk_thread *t = gk_self();
		const struct gk_ucontext *prev = t->call_uc;

		t->call_uc = c->uc;
		gk_thread_exec_check();
		ret = hs6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		t->call_uc = prev;
	} else if (!gk.handled && !gk_thread_others()) {
		ret = hs6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	} else {
		/* A handler run here is placed as if it interrupted the workload's call. */
		struct gk_thread *t = gk_self();
		const struct gk_ucontext *prev = t->call_uc;

		t->call_uc = c->uc;
		mask = c->uc->uc_sigmask & ~(1UL << (GK_SIGSYS - 1));
		hs4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &mask, &old, 8);
		ret = hs6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		hs4(__NR_rt_sigprocmask, 2, &old, 0, 8);
		t->call_uc = prev;
	}
	gk_lock();
	return ret;
}

int gk_arm(void)
{
	long r;

	if (gk.boot.flags & GK_BOOT_F_MODULE) {
		struct kiste_ioc_shim_arm arm = {
			.gate_start = gk.boot.gate_start,
			.gate_len = gk.boot.gate_len,
		};

		/* The descriptor stays: it is where ENOSYS counts are reported. */
		r = hs3(__NR_ioctl, gk.boot.kiste_fd, KISTE_IOC_SHIM_ARM, &arm);
		return (int)r;
	}
	return (int)hs5(__NR_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
			gk.boot.gate_start, gk.boot.gate_len, 0);
}

/* Copies the command line out of launcher memory, which the first exec unmaps. */
static void copy_args(struct gk_exec_args *ea)
{
	static char *vec[4096];
	int i, n = gk.boot.argc + gk.boot.envc;

	if (n > 4094 || gk.boot.argc < 1)
		gk_die(125, "kiste: bad command line for the guest kernel\n");
	ea->buf = gk_argbuf;
	ea->cap = sizeof(gk_argbuf);
	ea->used = 0;
	ea->argc = gk.boot.argc;
	ea->envc = gk.boot.envc;
	ea->argv = vec;
	ea->envp = vec + ea->argc + 1;
	for (i = 0; i < n; i++) {
		const char *s = i < ea->argc ? gk.boot.argv[i] : gk.boot.envp[i - ea->argc];
		size_t len = strlen(s) + 1;

		if (ea->used + len > ea->cap)
			gk_die(125, "kiste: the command line and environment exceed %lu bytes\n",
			       ea->cap);
		if (i < ea->argc)
			ea->argv[i] = memcpy(ea->buf + ea->used, s, len);
		else
			ea->envp[i - ea->argc] = memcpy(ea->buf + ea->used, s, len);
		ea->used += len;
	}
	ea->argv[ea->argc] = NULL;
	ea->envp[ea->envc] = NULL;
}

static const char *env_get(struct gk_exec_args *ea, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < ea->envc; i++)
		if (!strncmp(ea->envp[i], name, n) && ea->envp[i][n] == '=')
			return ea->envp[i] + n + 1;
	return NULL;
}

static void gk_enter(struct gk_frame *f) __attribute__((noreturn));
static void gk_enter(struct gk_frame *f)
{
	/* rt_sigreturn finds the frame one word below the stack pointer. */
	__asm__ volatile("movq %0, %%rsp\n\tjmp gk_restorer" : : "r"(&f->uc) : "memory");
	__builtin_unreachable();
}

static void boot_state(const struct gk_boot *b)
{
	int sig;

	memcpy(&gk.boot, b, sizeof(gk.boot));
	gk.trace_fd = 2;
	if (gk.boot.magic != GK_BOOT_MAGIC || gk.boot.version != GK_BOOT_VERSION)
		gk_die(125, "kiste: guest kernel and launcher do not match: rebuild kiste\n");
	gk.root_fd = gk.boot.root_fd;
	gk.trace_fd = GK_FD_TRACE;
	gk.nofile_cur = gk.nofile_max = GK_FD_BASE;
	gk.pid_off = (gk.boot.flags & GK_BOOT_F_PIDNS) ? 1 : 0;
	gk.sig_init = (gk.boot.flags & GK_BOOT_F_PIDNS) && (gk.boot.flags & GK_BOOT_F_INIT);
	gk.uid = gk.boot.uid;
	gk.gid = gk.boot.gid;
	gk_strlcpy(gk.cwd, gk.boot.cwd ? gk.boot.cwd : "/", sizeof(gk.cwd));
	gk_limits_boot();
	for (sig = 1; sig < GK_NSIG; sig++)
		if (sig != GK_SIGSYS)
			hs4(__NR_rt_sigaction, sig, 0, &gk.act[sig], 8);
	gk_sig_boot();
}

void gk_main(const struct gk_boot *b) __attribute__((noreturn));
void gk_main(const struct gk_boot *b)
{
	static struct gk_frame f;
	struct gk_exec_args ea;
	struct {
		void *sp;
		int flags;
		unsigned long size;
	} ss = { gk_altstack, GK_SS_AUTODISARM, sizeof(gk_altstack) };
	char abs[GK_PATH_MAX];
	const char *pathvar;
	struct gk_call c;
	long r;

	boot_state(b);
	gk_thread_boot(gk_altstack);
	gk_patch_boot((struct gk_thread *)gk_altstack);
	gk_fd_boot();
	copy_args(&ea);
	if (hs2(__NR_sigaltstack, &ss, 0) < 0 || gk_sigsys_install() < 0)
		gk_die(125, "kiste: the guest kernel could not install its SIGSYS entry\n");
	r = gk_arm();
	if (r < 0)
		gk_die(125, "kiste: arming syscall redirection failed (error %ld)%s\n", -r,
		       (gk.boot.flags & GK_BOOT_F_MODULE) ? ": is kiste.ko current?" : "");
	pathvar = env_get(&ea, "PATH");
	r = gk_exec_lookup(ea.argv[0], pathvar, abs, sizeof(abs));
	if (r == -EACCES)
		gk_die(126, "kiste: %s: permission denied: the sandbox's user cannot reach or "
		       "execute it (check the modes of the file and its folders)\n", ea.argv[0]);
	if (r < 0)
		gk_die(127, "kiste: %s: command not found in the sandbox root\n", ea.argv[0]);
	memset(&f, 0, sizeof(f));
	f.uc.uc_stack.ss_sp = gk_altstack;
	f.uc.uc_stack.ss_flags = GK_SS_AUTODISARM;	/* gk.h */
	f.uc.uc_stack.ss_size = sizeof(gk_altstack);
	f.uc.uc_mcontext.cs = 0x33;
	f.uc.uc_mcontext.ss = 0x2b;
	f.uc.uc_mcontext.eflags = 0x202;
	memset(&c, 0, sizeof(c));
	c.nr = __NR_execve;
	c.uc = &f.uc;
	r = gk_execve(&c, abs, &ea);
	if (r < 0)
		gk_die(126, "kiste: %s: cannot execute: %s\n", ea.argv[0],
		       r == -ENOEXEC ? "not an x86_64 ELF executable or script" :
		       r == -ENOENT ? "interpreter not found" :
		       r == -EACCES ? "permission denied" : "load failed");
	/*
	 * Dumpable as a native process is, now that nothing of the launcher is
	 * left in this process (its memory unmapped by the load, its descriptors
	 * closed before the filters): the sandbox's processes may then take each
	 * other's descriptors (pidfd_getfd) as natively.  Nothing outside gains:
	 * the host's ptrace check also wants CAP_SYS_PTRACE in the sandbox's user
	 * namespace, which no host process but its owner has; the init stays
	 * non-dumpable.  Not before: a process `kiste exec` started holds the
	 * init's descriptors until the launcher's part is over, and the
	 * container's other processes run already.
	 */
	hs2(__NR_prctl, PR_SET_DUMPABLE, 1);
	gk_enter(&f);
}
