// SPDX-License-Identifier: GPL-2.0
// confine.c - the Linux VMM confines itself after setup: fds, privileges, seccomp tables per thread.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <ucontext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "kiste_run.h"
#include "vm_int.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int linux_confine_process(const int *keep, unsigned int nkeep, struct kiste_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	int sorted[64], next = 3;
	unsigned int i, n = 0;

	for (i = 0; i < nkeep && n < 64; i++)
		if (keep[i] >= 3)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(int), cmp_int);
	/* Only the descriptors the VM needs stay open (stdio stays: it is the caller's). */
	for (i = 0; i < n; i++) {
		if (sorted[i] > next)
			syscall(SYS_close_range, next, sorted[i] - 1, 0);
		next = sorted[i] + 1;
	}
	syscall(SYS_close_range, next, ~0U, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return kiste_err_set(err, -errno, "PR_SET_NO_NEW_PRIVS failed: %s",
				     strerror(errno));
	/* Bounding set first (needs CAP_SETPCAP, which the capset below removes). */
	for (i = 0; i <= CAP_LAST_CAP; i++)
		prctl(PR_CAPBSET_DROP, i, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return kiste_err_set(err, -errno, "cannot drop capabilities: %s", strerror(errno));
	return 0;
}

/*
 * One rule: a syscall, at most two argument conditions, and why it is there.
 * A descriptor exists only at run time: the table names it (K_*) and the
 * walker puts the run's number in.  Descriptors and ioctl commands are ints
 * to the kernel, which reads only their low 32 bits: OP_EQ32 compares those
 * bits alone, so a value with high bits set is decided on what the kernel
 * will act on (a 64-bit comparison refuses fd | 1 << 32, which the kernel
 * takes for fd; a 64-bit >= bound would let it through as a large number).
 */
enum { K_CONST, K_VCPU, K_VM, K_IN, K_OUT, K_ERR, K_LOG, K_WAKE, K_SIG, K_DISK, K_NET, K_NET_ERR,
       K_WINSZ, K_EXEC };
enum { OP_EQ32, OP_MASK0 };
/*
 * When a rule is in: always, with --debug (a log descriptor), with an open
 * stdin, once per --block disk (its K_DISK is that disk's descriptor), with
 * a network card, with -t (a pty in the guest, the caller's terminal raw),
 * with kiste exec's socket (a named run, an OCI container).
 */
enum { W_ALL, W_DEBUG, W_STDIN, W_DISK, W_NET, W_TTY, W_TTY_SET, W_EXEC };

struct cond {
	unsigned char arg, op, kind;
	uint64_t val;		/* OP_EQ32: the value (K_CONST); OP_MASK0: bits that must be clear */
	const char *name;	/* the constant's name, for the printout */
};

struct rule {
	const char *name;
	int nr;
	unsigned char when;
	unsigned char ncond;
	struct cond c[2];
	const char *why;
};

#define C_FD(a, k) { a, OP_EQ32, k, 0, NULL }
#define C_IS(a, v) { a, OP_EQ32, K_CONST, v, #v }
#define C_ISN(a, v, name) { a, OP_EQ32, K_CONST, v, name }
#define C_CLEAR(a, v) { a, OP_MASK0, K_CONST, v, #v }
#define N(s) #s, SYS_##s
#define R0(s, why) { N(s), W_ALL, 0, { { 0 } }, why }
#define R1(s, why, c1) { N(s), W_ALL, 1, { c1 }, why }
#define R2(s, why, c1, c2) { N(s), W_ALL, 2, { c1, c2 }, why }
#define RW(s, w, why, n, ...) { N(s), w, n, { __VA_ARGS__ }, why }

/* Every thread: exit, signals, locks, the clock, and memory glibc gives back. */
static const struct rule common[] = {
	R0(exit, "a thread ends"),
	R0(exit_group, "the VMM exits with the guest's status"),
	R0(rt_sigreturn, "return from the handler of the signal that kicks a vCPU"),
	R0(rt_sigprocmask, "glibc masks signals around thread start and exit"),
	R0(futex, "locks, the start barrier, joins"),
	R0(getpid, "pthread_kill names its own process"),
	R0(gettid, "pthread_kill, abort"),
	R0(tgkill, "kicking a vCPU out of KVM_RUN (pthread_kill)"),
	R0(clock_gettime, "time, when the vDSO falls back"),
	R0(madvise, "glibc gives freed memory and thread stacks back"),
	R0(munmap, "glibc gives freed memory back"),
	R1(mprotect, "malloc grows a thread arena; never to executable", C_CLEAR(2, PROT_EXEC)),
	R0(restart_syscall, "an interrupted wait resumes"),
	R0(sched_yield, "lock contention"),
};

/* A vCPU thread runs its own vCPU, raises the serial IRQ, writes the output descriptors. */
static const struct rule vcpu_rules[] = {
	R2(ioctl, "run this thread's vCPU", C_FD(0, K_VCPU), C_IS(1, KVM_RUN)),
	R2(ioctl, "raise the serial port's interrupt", C_FD(0, K_VM), C_IS(1, KVM_IRQ_LINE)),
	R1(write, "the agent's stdout stream", C_FD(0, K_OUT)),
	R1(write, "the agent's stderr stream", C_FD(0, K_ERR)),
	RW(write, W_DEBUG, "the guest's serial console", 1, C_FD(0, K_LOG)),
	R1(write, "telling the main thread the VM stopped", C_FD(0, K_WAKE)),
	RW(ioctl, W_DEBUG, "registers of a vCPU that shut down", 2, C_FD(0, K_VCPU),
	   C_IS(1, KVM_GET_REGS)),
	RW(ioctl, W_DEBUG, "registers of a vCPU that shut down", 2, C_FD(0, K_VCPU),
	   C_IS(1, KVM_GET_SREGS)),
	RW(preadv, W_DISK, "a disk's reads (virtio-blk requests, served here)", 1,
	   C_FD(0, K_DISK)),
	RW(pwritev, W_DISK, "a disk's writes (a read-only disk's file is open read-only)", 1,
	   C_FD(0, K_DISK)),
	RW(fdatasync, W_DISK, "a disk's flush", 1, C_FD(0, K_DISK)),
	RW(writev, W_NET, "the guest's frames to the network backend (passt's socket or the "
	   "ns:PATH tap)", 1, C_FD(0, K_NET)),
	RW(poll, W_NET, "waiting for the network backend to take a frame (its socket is full)",
	   0),
};

/*
 * The main thread pumps stdin, reads its signalfd and eventfd, stops the VM on
 * --timeout (linux_vm_stop: futex, tgkill to kick the vCPUs, a write to the
 * eventfd), joins the vCPU threads, with --debug dumps vCPU 0's registers after
 * a timeout, then reports and tears down (stdio on stderr, mincore/getrusage for
 * KISTE_VM_STATS, munmap/close, exit_group).  vmmode_boot_test drives each of
 * these paths under the filter.
 */
static const struct rule main_rules[] = {
	R0(poll, "waiting on stdin, the signalfd and the eventfd"),
	R0(ppoll, "waiting on stdin, the signalfd and the eventfd"),
	R1(read, "signals to forward to the guest", C_FD(0, K_SIG)),
	RW(read, W_NET, "frames from the network backend for the guest", 1, C_FD(0, K_NET)),
	RW(read, W_NET, "why the network backend stopped (its stderr)", 1,
	   C_FD(0, K_NET_ERR)),
	RW(ioctl, W_NET, "the network card's interrupt, raised for those frames", 2,
	   C_FD(0, K_VM), C_IS(1, KVM_IRQ_LINE)),
	RW(read, W_STDIN, "stdin, pumped into the guest", 1, C_FD(0, K_IN)),
	R1(write, "the workload's output at teardown", C_FD(0, K_OUT)),
	R1(write, "the one line on why the VM stopped; KISTE_VM_STATS", C_FD(0, K_ERR)),
	R1(write, "kiste's own messages through stdio",
	   C_ISN(0, STDERR_FILENO, "2 (kiste's stderr)")),
	RW(write, W_DEBUG, "where vCPU 0 was at --timeout", 1, C_FD(0, K_LOG)),
	R1(write, "stopping the VM from this thread (--timeout)", C_FD(0, K_WAKE)),
	RW(ioctl, W_DEBUG, "registers of vCPU 0 at --timeout", 2, C_FD(0, K_VCPU),
	   C_IS(1, KVM_GET_REGS)),
	RW(ioctl, W_DEBUG, "registers of vCPU 0 at --timeout", 2, C_FD(0, K_VCPU),
	   C_IS(1, KVM_GET_SREGS)),
	R1(ioctl, "stdio asks whether stderr is a terminal", C_IS(1, TCGETS)),
	RW(ioctl, W_TTY, "-t: the caller's terminal's size for the guest's pty, on SIGWINCH", 2,
	   C_FD(0, K_WINSZ), C_IS(1, TIOCGWINSZ)),
	/* glibc's tcsetattr is this one ioctl (kiste_tty_restore: raw mode ends at teardown). */
	RW(ioctl, W_TTY_SET, "-t -i: the caller's terminal restored as it was (TCSANOW)", 2,
	   C_ISN(0, STDIN_FILENO, "0 (stdin)"), C_IS(1, TCSETS)),
	/*
	 * kiste exec (exec.c): connections come only from its listening socket;
	 * their descriptors are numbers the table cannot know, so these two
	 * bind the flags instead: never blocking the loop, and recv has no
	 * control buffer, so a descriptor a caller attaches is dropped.
	 */
	RW(accept4, W_EXEC, "kiste exec: a caller's connection", 2, C_FD(0, K_EXEC),
	   C_IS(3, SOCK_CLOEXEC)),
	RW(recvfrom, W_EXEC, "kiste exec: a request, stdin, signals, the terminal's size", 1,
	   C_IS(3, MSG_DONTWAIT)),
	RW(recvfrom, W_EXEC, "kiste exec: whether a signal waits behind stdin (a look, no "
	   "read)", 1, C_IS(3, MSG_DONTWAIT | MSG_PEEK)),
	RW(sendto, W_EXEC, "kiste exec: the process's output and status", 1,
	   C_IS(3, MSG_DONTWAIT | MSG_NOSIGNAL)),
	R1(mmap, "stdio and malloc buffers; never executable", C_CLEAR(2, PROT_EXEC)),
	R0(brk, "malloc"),
	R0(fstat, "stdio's first message"),
	R0(newfstatat, "stdio's first message"),
	R0(lseek, "stdio"),
	R0(mincore, "KISTE_VM_STATS: guest memory touched"),
	R0(getrusage, "KISTE_VM_STATS: the VMM's own usage"),
	R0(close, "teardown"),
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NCOMMON ARRAY_LEN(common)

/* A thread kind's filter: the common rows, then its own. */
static const struct {
	const char *name;
	const char *heading;
	const struct rule *own;
	size_t nown;
} kinds[LINUX_THREAD_KINDS] = {
	[LINUX_THREAD_VCPU] = { "vCPU", "vCPU threads (one per vCPU): run the vCPU, serve its "
				"port I/O (serial, agent channel), stop the VM",
				vcpu_rules, ARRAY_LEN(vcpu_rules) },
	[LINUX_THREAD_MAIN] = { "main", "main thread: stdin, signals, --timeout, then the report "
				"and teardown", main_rules, ARRAY_LEN(main_rules) },
};

static size_t kind_rows(enum linux_thread_kind kind)
{
	return NCOMMON + kinds[kind].nown;
}

static const struct rule *kind_row(enum linux_thread_kind kind, size_t i)
{
	return i < NCOMMON ? &common[i] : &kinds[kind].own[i - NCOMMON];
}

static int fd_of(unsigned char k, const struct linux_confine_fds *fds, int disk)
{
	switch (k) {
	case K_VCPU:
		return fds->vcpu;
	case K_VM:
		return fds->vm;
	case K_IN:
		return fds->in;
	case K_OUT:
		return fds->out;
	case K_ERR:
		return fds->err;
	case K_LOG:
		return fds->log;
	case K_WAKE:
		return fds->wake;
	case K_SIG:
		return fds->sig;
	case K_DISK:
		return disk;
	case K_NET:
		return fds->net;
	case K_NET_ERR:
		return fds->net_err;
	case K_WINSZ:
		return fds->winsz;
	case K_EXEC:
		return fds->exec;
	}
	return -1;
}

/* Adds @r with the run's descriptors; a rule naming one the run lacks is left out. */
static int add_rule_fd(scmp_filter_ctx ctx, const struct rule *r,
		       const struct linux_confine_fds *fds, int disk)
{
	struct scmp_arg_cmp cmp[2];
	unsigned int i;
	uint64_t v;
	int fd;

	if ((r->when == W_DEBUG && fds->log < 0) || (r->when == W_STDIN && fds->in < 0) ||
	    (r->when == W_NET && fds->net < 0) || (r->when == W_TTY && !fds->tty) ||
	    (r->when == W_TTY_SET && fds->tty_restore != TCSETS) ||
	    (r->when == W_EXEC && fds->exec < 0))
		return 0;
	for (i = 0; i < r->ncond; i++) {
		const struct cond *c = &r->c[i];

		v = c->val;
		if (c->kind != K_CONST) {
			fd = fd_of(c->kind, fds, disk);
			if (fd < 0)
				return 0;
			v = (uint64_t)fd;
		}
		/* libseccomp 2.5's SCMP_CMP32 still requires the high word to be 0: mask it. */
		if (c->op == OP_EQ32)
			cmp[i] = SCMP_CMP64(c->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)v);
		else
			cmp[i] = SCMP_CMP64(c->arg, SCMP_CMP_MASKED_EQ, v, 0);
	}
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->ncond, cmp);
}

/* A W_DISK rule once per disk, the others once. */
static int add_rule(scmp_filter_ctx ctx, const struct rule *r, const struct linux_confine_fds *fds)
{
	unsigned int i;
	int ret = 0;

	if (r->when != W_DISK)
		return add_rule_fd(ctx, r, fds, -1);
	for (i = 0; i < fds->ndisks && ret == 0; i++)
		ret = add_rule_fd(ctx, r, fds, fds->disk[i]);
	return ret;
}

/* The one table walker: @kind's rows with @fds into a new libseccomp filter. */
static int filter_build(enum linux_thread_kind kind, const struct linux_confine_fds *fds,
			uint32_t def, scmp_filter_ctx *out, struct kiste_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	size_t i;
	int ret = 0;

	if (!ctx)
		return kiste_err_set(err, -ENOMEM, "libseccomp: cannot create the %s thread's "
				     "filter", kinds[kind].name);
	for (i = 0; i < kind_rows(kind) && ret == 0; i++) {
		ret = add_rule(ctx, kind_row(kind, i), fds);
		if (ret < 0)
			kiste_err_set(err, ret, "libseccomp: cannot add the %s thread's rule for %s: "
				      "%s", kinds[kind].name, kind_row(kind, i)->name,
				      strerror(-ret));
	}
	if (ret < 0) {
		seccomp_release(ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

/* KISTE_VM_SECCOMP_DEBUG=1: report a refused call instead of dying silently. */
static void sigsys_report(int sig, siginfo_t *si, void *uc)
{
	const greg_t *r = ((ucontext_t *)uc)->uc_mcontext.gregs;
	char buf[160];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf), "kiste: VMM seccomp refused syscall %d (0x%llx, 0x%llx) "
		     "in thread %d\n", si->si_syscall, (unsigned long long)r[REG_RDI],
		     (unsigned long long)r[REG_RSI], (int)syscall(SYS_gettid));
	if (write(2, buf, n) < 0)
		_exit(KISTE_EXIT_REFUSED);
	_exit(KISTE_EXIT_REFUSED);
}

/* Builds @kind's filter for @fds and loads it on the calling thread. */
static int confine_thread(enum linux_thread_kind kind, const struct linux_confine_fds *fds,
			  struct kiste_err *err)
{
	struct sigaction sa = { .sa_sigaction = sigsys_report, .sa_flags = SA_SIGINFO };
	uint32_t def = SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	int ret;

	if (kiste_setting(KISTE_SET_VM_SECCOMP_DEBUG)) {
		sigaction(SIGSYS, &sa, NULL);
		def = SCMP_ACT_TRAP;
	}
	ret = filter_build(kind, fds, def, &ctx, err);
	if (ret < 0)
		return ret;
#ifdef __SANITIZE_ADDRESS__
	/*
	 * The sanitizer runtime mmaps from any thread, swaps signal stacks and, at
	 * exit, clones a tracer and reads /proc: a filter allowing that would allow
	 * almost everything.  Sanitizer builds check the VMM's logic; the filters
	 * are built (so rule errors still show) but only loaded in normal builds,
	 * where vmmode_boot_test drives every exit path under them.
	 */
	ret = 0;
#else
	ret = seccomp_load(ctx);
#endif
	seccomp_release(ctx);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot load the %s thread's seccomp filter: %s",
				     kinds[kind].name, strerror(-ret));
	return 0;
}

static void vm_fds(const struct linux_vm *vm, int vcpu, struct linux_confine_fds *f)
{
	*f = (struct linux_confine_fds){
		.vcpu = vcpu, .vm = vm->kvm.vm_fd, .in = vm->cfg->in_fd,
		.out = vm->cfg->out_fd, .err = vm->cfg->err_fd, .log = vm->cfg->log_fd,
		.wake = vm->wake_fd, .sig = vm->sig_fd, .ndisks = vm->cfg->ndisks,
		.net = vm->cfg->net_fd, .net_err = vm->cfg->net_err_fd,
		.tty = vm->cfg->tty, .winsz = vm->cfg->tty_fd, .tty_restore = vm->tty_restore,
		.exec = vm->cfg->exec_fd,
	};
	unsigned int i;

	for (i = 0; i < f->ndisks && i < LINUX_DISKS_MAX; i++)
		f->disk[i] = vm->cfg->disks[i].fd;
}

int linux_confine_vcpu(const struct linux_vm *vm, const struct linux_vcpu *vc,
		       struct kiste_err *err)
{
	struct linux_confine_fds fds;

	vm_fds(vm, vc->fd, &fds);
	return confine_thread(LINUX_THREAD_VCPU, &fds, err);
}

int linux_confine_main(const struct linux_vm *vm, struct kiste_err *err)
{
	struct linux_confine_fds fds;

	vm_fds(vm, vm->ncpus ? vm->vcpu[0].fd : -1, &fds);
	return confine_thread(LINUX_THREAD_MAIN, &fds, err);
}

int linux_confine_bpf(enum linux_thread_kind kind, const struct linux_confine_fds *fds,
		      struct sock_fprog *prog, struct kiste_err *err)
{
	const size_t insn = sizeof(struct sock_filter);
	scmp_filter_ctx ctx;
	off_t len = 0;
	int fd, ret;

	memset(prog, 0, sizeof(*prog));
	if ((unsigned int)kind >= LINUX_THREAD_KINDS)
		return kiste_err_set(err, -EINVAL, "no VMM thread kind %d", (int)kind);
	ret = filter_build(kind, fds, SCMP_ACT_KILL_PROCESS, &ctx, err);
	if (ret < 0)
		return ret;
	/* libseccomp 2.5 exports BPF only to a descriptor: go through a memfd. */
	fd = memfd_create("kiste-vmm-bpf", MFD_CLOEXEC);
	ret = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (ret == 0)
		len = lseek(fd, 0, SEEK_END);
	if (ret == 0 && (len <= 0 || len % insn || len / insn > BPF_MAXINSNS))
		ret = -E2BIG;
	if (ret == 0 && !(prog->filter = malloc(len)))
		ret = -ENOMEM;
	if (ret == 0 && pread(fd, prog->filter, len, 0) != len)
		ret = -EIO;
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		linux_confine_bpf_free(prog);
		return kiste_err_set(err, ret, "cannot export the %s thread's seccomp filter: %s",
				     kinds[kind].name, strerror(-ret));
	}
	prog->len = (unsigned short)(len / insn);
	return 0;
}

void linux_confine_bpf_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

void linux_confine_size(enum linux_thread_kind kind, struct linux_confine_size *s)
{
	size_t i, j;

	*s = (struct linux_confine_size){ 0 };
	if ((unsigned int)kind >= LINUX_THREAD_KINDS)
		return;
	for (i = 0; i < kind_rows(kind); i++) {
		for (j = 0; j < i && kind_row(kind, j)->nr != kind_row(kind, i)->nr; j++)
			;
		s->syscalls += j == i;
		s->rules++;
		s->restricted += kind_row(kind, i)->ncond > 0;
	}
}

static void print_cond(FILE *f, const struct cond *c, enum linux_thread_kind kind)
{
	static const char *const fd_names[] = {
		[K_VM] = "VM fd", [K_IN] = "stdin fd", [K_OUT] = "stdout fd",
		[K_ERR] = "stderr fd", [K_LOG] = "log fd", [K_WAKE] = "wake eventfd",
		[K_SIG] = "signalfd", [K_DISK] = "each disk's fd", [K_NET] = "net backend fd",
		[K_NET_ERR] = "net backend's stderr", [K_WINSZ] = "tty fd",
		[K_EXEC] = "exec.sock fd",
	};

	if (c->op == OP_MASK0)
		fprintf(f, "arg%u & %s == 0", c->arg, c->name);
	else if (c->kind == K_VCPU)
		fprintf(f, "lo32(arg%u) == %s", c->arg,
			kind == LINUX_THREAD_VCPU ? "vCPU fd" : "vCPU 0 fd");
	else
		fprintf(f, "lo32(arg%u) == %s", c->arg,
			c->kind == K_CONST ? c->name : fd_names[c->kind]);
}

static void print_kind(FILE *f, enum linux_thread_kind kind)
{
	struct linux_confine_size s;
	char args[160];
	size_t i;
	int k;

	static const char *const when[] = { "always", "--debug", "stdin", "--block", "network",
					     "-t", "-t -i", "exec" };

	fprintf(f, "\n## %s\n", kinds[kind].heading);
	fprintf(f, "# %-14s %-8s %-52s %s\n", "syscall", "when", "arguments", "why");
	for (i = 0; i < kind_rows(kind); i++) {
		const struct rule *r = kind_row(kind, i);
		FILE *m;

		if (i == 0 || i == NCOMMON)
			fprintf(f, "#   %s\n", i ? "this thread kind's own:" : "every thread:");
		snprintf(args, sizeof(args), "any");
		m = fmemopen(args, sizeof(args), "w");
		for (k = 0; m && k < r->ncond; k++) {
			fputs(k ? ", " : "", m);
			print_cond(m, &r->c[k], kind);
		}
		if (m)
			fclose(m);
		fprintf(f, "%-16s %-8s %-52s %s\n", r->name, when[r->when], args, r->why);
	}
	linux_confine_size(kind, &s);
	fprintf(f, "# %s thread: %u syscalls, %u rules, %u of them argument-restricted\n",
		kinds[kind].name, s.syscalls, s.rules, s.restricted);
}

void linux_confine_print(FILE *f)
{
	unsigned int kind;

	fputs("# kiste vm mode: the VMM's seccomp filters, one per thread kind (x86_64; any\n"
	      "# other call kills the VMM).  Descriptors exist only at run time and are named\n"
	      "# here.  when: always, with --debug (log fd: the console), while kiste's\n"
	      "# stdin is open, once per --block disk, or (network) with --network pasta or\n"
	      "# ns:PATH (the net backend fd is passt's socket or the namespace's tap),\n"
	      "# with -t (tty fd: the terminal sized from, kiste's 0, else 1), or (exec)\n"
	      "# with kiste exec's socket (kiste run --name, OCI containers).\n"
	      "# lo32(argN): compared on the low 32 bits, all the kernel reads of an int (a\n"
	      "# descriptor, an ioctl command).\n", f);
	for (kind = 0; kind < LINUX_THREAD_KINDS; kind++)
		print_kind(f, kind);
}

int linux_confine_policy(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: kiste policy vm\n\nPrints the seccomp filter of each kind of the "
		       "VMM's threads (vCPU, main): the host\nsyscalls it may make once the guest "
		       "is set up, with their argument restrictions,\nand their number.  Every "
		       "other call kills the VMM.\n");
		return KISTE_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "kiste policy: vm takes no arguments: kiste policy vm\n");
		return KISTE_EXIT_USAGE;
	}
	linux_confine_print(stdout);
	return KISTE_EXIT_OK;
}
