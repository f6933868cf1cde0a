/* SPDX-License-Identifier: GPL-2.0 */
/* gk.h - the shim guest kernel's internal interfaces (freestanding: no libc anywhere). */
#ifndef KISTE_GK_H
#define KISTE_GK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>
#include <asm/sigcontext.h>
#include <linux/errno.h>

#include "../boot.h"
#include "kiste_libc.h"

#define GK_PAGE 4096UL
#define GK_PAGE_UP(x) (((unsigned long)(x) + GK_PAGE - 1) & ~(GK_PAGE - 1))
#define GK_PAGE_DOWN(x) ((unsigned long)(x) & ~(GK_PAGE - 1))
#define GK_PATH_MAX 4096
#define GK_NSYS 512
/* Descriptors at and above GK_FD_BASE belong to the guest kernel (boot.h). */
#define GK_NFD GK_FD_BASE
#define GK_NSIG 65
#define GK_SIGSYS 31
#define GK_SIGIO 29

/* ---- the gate: every host syscall goes through these (entry.S) ---- */
long gk_syscall6(long nr, long a, long b, long c, long d, long e, long f);
/* The return address of gk_syscall6's syscall instruction. */
extern const char gk_syscall6_ret[];
/* clone(flags) with nothing else, the only clone the host admits; the child comes up armed. */
long gk_fork(unsigned long flags);
void gk_restorer(void);
/* The workload's handlers' return: gk_sig_return(frame), then as gk_restorer. */
void gk_sigret(void);
struct gk_frame;
void gk_sig_return(struct gk_frame *frame);
/* The host handler of the workload's caught signals: arms, then gk_sig_handler()'s handler. */
void gk_sigtramp(void);
/* A deferred signal's handler (patch.c): returns through its frame at once. */
void gk_sig_deferred(void);
/* clone(flags, stack, ptid, ctid, tls) at the thread stub; the child arms, then gk_thread_start(). */
long gk_thread_clone_host(unsigned long flags, unsigned long stack, int *ptid, int *ctid,
			  unsigned long tls);
#define hs0(n) gk_syscall6((n), 0, 0, 0, 0, 0, 0)
#define hs1(n, a) gk_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define hs2(n, a, b) gk_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define hs3(n, a, b, c) gk_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define hs4(n, a, b, c, d) gk_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define hs5(n, a, b, c, d, e) \
	gk_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define hs6(n, a, b, c, d, e, f) \
	gk_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ---- signal frame (x86_64 rt_sigframe's ucontext, as the kernel lays it out) ---- */
struct gk_ucontext {
	unsigned long uc_flags;
	struct gk_ucontext *uc_link;
	struct {
		void *ss_sp;
		int ss_flags;
		unsigned long ss_size;
	} uc_stack;
	struct sigcontext uc_mcontext;
	unsigned long uc_sigmask;
};

struct gk_siginfo {
	int si_signo;
	int si_errno;
	int si_code;
	int pad;
	union {
		struct {
			unsigned long call_addr;
			int syscall;
			unsigned int arch;
		} sys;
		struct {
			int pid;
			unsigned int uid;
			int status;
		} chld;
		char raw[112];
	};
};

struct gk_kaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

/* One redirected syscall. */
struct gk_call {
	long nr;
	long a[6];
	struct gk_ucontext *uc;
	int noreturn;	/* the handler rewrote the whole context (execve) */
};

typedef long (*gk_sys_fn)(struct gk_call *c);

/* The frame rt_sigreturn reads (it finds it one word below the stack pointer). */
struct gk_frame {
	unsigned long pretcode;
	struct gk_ucontext uc;
	struct gk_siginfo info;
} __attribute__((aligned(16)));

/*
 * ---- threads (thread.c) ----
 * A thread's area: this record at the bottom, its host alternate stack (SIGSYS
 * entry, signal handlers) above; GK_TAREA-aligned, so the record is found from
 * the stack pointer.  Only the thread itself writes its record, except tid
 * (the host: set at clone, cleared at exit) and the parent before the clone.
 */
#define GK_TAREA (256 * 1024UL)
/*
 * The area is the host's alternate stack with SS_AUTODISARM: disarmed while
 * a handler runs on it (the SIGSYS entry, a signal at a blocking point), so
 * a nested signal lands below the live frames, and armed again by the
 * handler's sigreturn; a workload handler moved off the area re-arms it below
 * them first (sig.c, frame_place).
 */
#define GK_SS_AUTODISARM (1U << 31)
#define GK_SS_ONSTACK 1
#define GK_SS_DISABLE 2
struct gk_thread {
	unsigned long magic;
	/* A quick patched entry (patch.c; offsets in patch.h for entry.S): */
	unsigned long dfr_pending;	/* signals taken in it, delivered at its exit */
	int fast_busy;			/* this thread is in one */
	int tid;			/* host tid; 0: the slot is free */
	int slot;
	int *clear_tid;			/* the workload's clear_child_tid word */
	unsigned long robust;		/* the workload's robust list head */
	unsigned long alt_sp, alt_size;	/* the workload's virtual sigaltstack */
	int alt_flags;
	/* The call at a blocking point where signals are open (gk_host_blocking), or NULL. */
	const struct gk_ucontext *call_uc;
	int leader;			/* exec'd from a non-main thread: its guest tid is the pid */
	int pdeathsig;			/* PR_SET_PDEATHSIG's, read back by PR_GET_PDEATHSIG */
	int keepcaps;			/* PR_SET_KEEPCAPS's: a thread's, inherited, gone at exec */
	/* The deferred signals' state (patch.c): the mask and FPU state they interrupted. */
	unsigned long dfr_mask, dfr_ucflags, dfr_fpsize, dfr_jmask;
	struct gk_siginfo dfr_info[GK_NSIG];
};
/* What a new thread finds at the top of its area. */
struct gk_tstart {
	unsigned long flags;
	int *ptid, *ctid;
	unsigned long pad;
	struct gk_frame frame;
} __attribute__((aligned(16)));

/* ---- global state (one per host process; fork copies it) ---- */
struct gk_state {
	struct gk_boot boot;
	unsigned long brk_start, brk_cur, brk_mapped;
	char cwd[GK_PATH_MAX];
	struct gk_kaction act[GK_NSIG];	/* the workload's view */
	unsigned long handled;		/* signals the workload catches */
	unsigned long nosys[GK_NSYS];	/* unimplemented calls, counted */
	int trace_fd;
	int root_fd;
	int pid_off;			/* host pid = guest pid + pid_off */
	int sig_init;			/* GK_BOOT_F_INIT, until this process forks (sig.c) */
	int execs;
	unsigned int uid, gid;
	char exe[GK_PATH_MAX];		/* what /proc/self/exe names */
	unsigned long nofile_cur, nofile_max;	/* the workload's RLIMIT_NOFILE (misc.c) */
	unsigned long core_cur, core_max;	/* the workload's RLIMIT_CORE (misc.c): 0 at boot */
	unsigned char cpumask[GK_CPUMASK_BYTES];	/* the CPUs the workload is shown (limits.c) */
};
extern struct gk_state gk;

/* --trace, or `kiste trace ID on` while its switch says '1' (boot.h). */
static inline int gk_tracing(void)
{
	return (gk.boot.flags & GK_BOOT_F_TRACE) ||
	       (gk.boot.trace_switch && *(volatile const char *)gk.boot.trace_switch == '1');
}

/* ---- lib.c (the libc subset itself: ../../freestanding/, built into this image) ---- */
size_t gk_strlcpy(char *d, const char *s, size_t n);
void gk_printf(int fd, const char *fmt, ...);
void gk_die(int code, const char *fmt, ...) __attribute__((noreturn));
void gk_exit(int code) __attribute__((noreturn));

/* ---- user.c ---- */
int gk_uread_ok(const void *p, size_t n);
int gk_uwrite_ok(void *p, size_t n);
int gk_uword_ok(unsigned long a);
long gk_ustr(char *dst, const char *src, size_t n);

/* ---- entry/dispatch (main.c, table.c, trace.c) ---- */
long gk_dispatch(struct gk_call *c);
const char *gk_sys_name(long nr);
void gk_args_narrow(struct gk_call *c);
extern const gk_sys_fn gk_table[GK_NSYS];
void gk_trace(const struct gk_call *c, long ret, unsigned long ns);
/* execve's arguments are gone once it succeeded: its line is written from @pre, taken before. */
#define GK_TRACE_PRE 6144
void gk_trace_enter(const struct gk_call *c, char *pre, size_t n);
void gk_trace_call(const struct gk_call *c, long ret, unsigned long ns, const char *pre);
void gk_trace_count(const struct gk_call *c, long ret, unsigned long ns);
void gk_trace_forked(void);
void gk_trace_summary(void);
void gk_nosys_report(void);
unsigned long gk_now_ns(void);
int gk_arm(void);
int gk_sigsys_install(void);
long gk_host_blocking(long nr, const long *a, const struct gk_call *c);

/* ---- limits.c: what the workload sees of --cpus and --memory ---- */
void gk_limits_boot(void);
int gk_limits_cpu_shown(unsigned long cpu);
size_t gk_limits_line(int kind, const char *line, size_t n, char *out, size_t max, int *drop);
#define GK_LIM_MEMINFO 1
#define GK_LIM_CPUINFO 2
#define GK_LIM_STAT 3
#define GK_LIM_STATUS 4
#define GK_LIM_RLIMITS 5	/* /proc/self/limits: the limits the guest kernel keeps */

/* ---- procfs.c ---- */
/* How getdents filters a descriptor's directory (0: not at all). */
#define GK_FDK_PROC 1
#define GK_FDK_PID 2
#define GK_FDK_FDDIR 3
/* Not a directory: a signalfd, whose records carry host pids (events.c). */
#define GK_FDK_SIGNALFD 4
/* An AF_UNIX socket() before its connect or bind: a placeholder (net.c, unixmed.h). */
#define GK_FDK_UNIXPH 5
/* One the mediator bound (and made listen, so that it cannot connect) before its listen(). */
#define GK_FDK_UNIXBOUND 6
int gk_proc_path(const char *abs, char *norm, size_t n);
long gk_proc_open(const char *norm, long flags, int *kind);
long gk_proc_parent(const char *norm, char *last, size_t n);
int gk_proc_readlink(const char *norm, char *out, size_t n, long *len);
void gk_proc_set_args(unsigned long arg_start, unsigned long arg_end, unsigned long env_end);
int gk_proc_is_exe(const char *abs);
long gk_proc_filter(int kind, char *buf, long len);
/* A task's CapInh, CapPrm, CapEff, CapBnd, CapAmb and no_new_privs, from the host's status. */
long gk_proc_caps(const char *rel, unsigned long caps[5], int *nnp);
int gk_proc_cap_last(void);

/* ---- fs.c ---- */
void gk_normalize(char *p);
long gk_getdents(struct gk_call *c);
int gk_fd_ok(long fd);
int gk_path_abs(long dirfd, const char *path, char *out, size_t n);
long gk_open_abs(const char *abs, long flags, long mode, unsigned long resolve);
long gk_open_parent(const char *abs, char *last, size_t n);
void gk_fd_setpath(long fd, const char *abs);
void gk_fd_copy(long from, long to);
const char *gk_fd_path(long fd);
void gk_fd_clear(long fd);
int gk_fd_kind(long fd);
void gk_fd_setkind(long fd, int kind);
void gk_close_cloexec(void);
long gk_fd_alias(const char *abs);
int gk_path_for_change(char *abs, size_t n);
long gk_fd_reopen_ok(long fd, long flags);
void gk_fd_boot(void);
long gk_meta_denied(long fd);
long gk_fd_host(long fd);
long gk_sys_fs(struct gk_call *c);
long gk_fd_new(long fd, int kind);
long gk_fd_dup_result(long fd, long from);
void gk_fd_mark_foreign(long fd);
int gk_fd_beneath(long fd);
int gk_path_join(long dirfd, const char *path, char *out, size_t n);

/* ---- dirfd.c: a dirfd-relative path, beneath a host directory or from the root ---- */
struct gk_at {
	long base;		/* the host directory it resolves beneath, or -1: from the root */
	int own;		/* base is a temporary of the guest kernel's */
	int links;		/* symlinks followed so far (gk_at_walk) */
	char path[GK_PATH_MAX];	/* relative to base, or a guest absolute path */
	char shown[256];	/* what /proc/self/fd/N shows of what it opens (display only) */
};
int gk_at_get(long dirfd, const char *upath, struct gk_at *w);
void gk_at_put(struct gk_at *w);
int gk_at_walk(struct gk_at *w);
long gk_at_open(struct gk_at *w, long flags, long mode);
long gk_at_parent(struct gk_at *w, char *last, size_t n);
long gk_fd_guest_path(long fd, char *out, size_t n);

/* ---- fcntl.c ---- */
long gk_own_host(long g);
long gk_own_guest(long h);

/* ---- net_ioctl.c (the rest of the sockets in net.h) ---- */
long gk_net_ioctl(struct gk_call *c);

/* ---- events.c ---- */
long gk_signalfd_read(struct gk_call *c);

/* ---- locks.c ---- */
void gk_lock_dup(long from, long to);
void gk_lock_close(long fd);
long gk_lock_fcntl(struct gk_call *c);

/* ---- mm.c ---- */
int gk_overlaps_self(unsigned long addr, unsigned long len);
void gk_unmap_all(void);
void gk_brk_reset(unsigned long end);

/* ---- loader.c ---- */
struct gk_exec_args {
	char *buf;		/* holds every string */
	size_t used, cap;
	int argc, envc;
	char **argv, **envp;	/* pointers into buf */
};
long gk_execve(struct gk_call *c, const char *path, struct gk_exec_args *ea);
long gk_exec_lookup(const char *cmd, const char *pathvar, char *abs, size_t n);

/* ---- thread.c: the big lock guards all guest kernel state but the thread records ---- */
void gk_lock(void);
void gk_unlock(void);
void gk_serve(struct gk_ucontext *uc, int fast);

/* ---- patch.c: patched syscall sites ---- */
void gk_patch_trapped(long nr, unsigned long rip);
void gk_patch_code(unsigned long start, unsigned long len);
void gk_patch_release(unsigned long a, unsigned long n, int revert);
int gk_patch_overlaps(unsigned long a, unsigned long n);
void gk_patch_exec(void);
void gk_patch_count_fast(const struct gk_ucontext *uc);
void gk_patch_summary(void);
void gk_patch_forked(void);
void gk_patch_boot(struct gk_thread *main_area);
void gk_patch_thread(struct gk_thread *t);
/* uc_flags of a quick patched entry's context (patch.c; not a kernel flag). */
#define GK_UC_QUICK (1UL << 40)
struct gk_thread *gk_quick_self(void);
int gk_sig_defer(int sig, const struct gk_siginfo *si, struct gk_frame *frame);
extern int gk_patch_quick;

struct gk_thread *gk_self(void);
struct gk_thread *gk_thread_at(unsigned long addr);
void gk_thread_boot(void *area);
int gk_thread_others(void);
struct gk_thread *gk_thread_find(long gtid);
long gk_thread_gtid(const struct gk_thread *t);
int gk_thread_overlaps(unsigned long addr, unsigned long len);
long gk_thread_clone(struct gk_call *c, unsigned long flags, unsigned long stack, int *ptid,
		     int *ctid, unsigned long tls);
void gk_thread_exit(int code) __attribute__((noreturn));
void gk_thread_forked(void);
int gk_thread_exec(struct gk_range *keep);
void gk_thread_exec_alone(void);
void gk_thread_fatal_alone(void);
long gk_thread_count(void);
void gk_thread_robust_all(void);
void gk_thread_poked(const struct gk_siginfo *si);
void gk_thread_exec_check(void);

/* ---- cgroup.c ---- */
int gk_cgroup_path(const char *norm);
long gk_cgroup_open(const char *norm, long flags);
long gk_cgroup_last(const char *norm, char *last, size_t n);
long gk_cgroup_self(long flags);
long gk_cgroup_list(long flags);
void gk_cgroup_mountinfo(long mfd, long parent);

/* ---- futex.c ---- */
void gk_futex_robust_exit(unsigned long head, uint32_t tid);

/* ---- timer.c ---- */
void gk_timers_exec(void);
void gk_timers_forked(void);

/* ---- proc.c, sig.c ---- */
long gk_to_guest_pid(long hpid);
long gk_to_host_pid(long gpid);
void gk_sig_exec_reset(void);
void gk_caps_exec(void);
/* A caught signal's handler and the frame to enter it with (sig.c, for gk_sigtramp). */
struct gk_sigdest {
	unsigned long handler, frame;
};
struct gk_sigdest gk_sig_handler(int sig, struct gk_siginfo *si, struct gk_frame *frame);
/* The host handler of a fatal signal the workload leaves at SIG_DFL (robust lists first). */
void gk_sig_fatal(int sig, struct gk_siginfo *si, void *uc);
void gk_sig_boot(void);
unsigned long gk_sig_fork_hold(void);
void gk_sig_fork_release(unsigned long old);
void gk_sig_forked(void);
void gk_siginfo_to_guest(struct gk_siginfo *si);
int gk_sig_update_mask(void);

#endif /* KISTE_GK_H */
