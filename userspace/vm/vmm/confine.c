// SPDX-License-Identifier: GPL-2.0
// confine.c - the Linux VMM confines itself after setup: fds, privileges, seccomp per thread.
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
#include <sys/syscall.h>
#include <unistd.h>

#include "kiste_run.h"
#include "vm_int.h"

#define ALLOW(ctx, nr) seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(nr), 0)

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

static scmp_filter_ctx filter_new(void)
{
	struct sigaction sa = { .sa_sigaction = sigsys_report, .sa_flags = SA_SIGINFO };

	if (!kiste_setting(KISTE_SET_VM_SECCOMP_DEBUG))
		return seccomp_init(SCMP_ACT_KILL_PROCESS);
	sigaction(SIGSYS, &sa, NULL);
	return seccomp_init(SCMP_ACT_TRAP);
}

static int load(scmp_filter_ctx ctx, int ret, const char *who, struct kiste_err *err)
{
#ifdef __SANITIZE_ADDRESS__
	/*
	 * The sanitizer runtime mmaps from any thread, swaps signal stacks and, at
	 * exit, clones a tracer and reads /proc: a filter allowing that would allow
	 * almost everything.  Sanitizer builds check the VMM's logic; the filters
	 * are built (so rule errors still show) but only loaded in normal builds,
	 * where vmmode_boot_test drives every exit path under them.
	 */
	seccomp_release(ctx);
	return ret ? kiste_err_set(err, ret, "cannot build the %s seccomp filter", who) : 0;
#endif
	if (ret == 0)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot load the %s seccomp filter: %s", who,
				     strerror(-ret));
	return 0;
}

/* Calls every thread makes: exit, signals, futexes, the clock; thread stacks freed by glibc. */
static int allow_common(scmp_filter_ctx ctx)
{
	int ret = 0;

	ret |= ALLOW(ctx, exit);
	ret |= ALLOW(ctx, exit_group);
	ret |= ALLOW(ctx, rt_sigreturn);
	ret |= ALLOW(ctx, rt_sigprocmask);
	ret |= ALLOW(ctx, futex);
	ret |= ALLOW(ctx, getpid);
	ret |= ALLOW(ctx, gettid);
	ret |= ALLOW(ctx, tgkill);
	ret |= ALLOW(ctx, clock_gettime);
	ret |= ALLOW(ctx, madvise);
	ret |= ALLOW(ctx, munmap);
	/* malloc grows a thread arena with mprotect; never to executable. */
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	ret |= ALLOW(ctx, restart_syscall);
	ret |= ALLOW(ctx, sched_yield);
	return ret;
}

static int allow_write(scmp_filter_ctx ctx, int fd)
{
	if (fd < 0)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, fd));
}

/* linux_cpu_dump() on @vcpu_fd: its general and special registers, nothing else. */
static int allow_regs_dump(scmp_filter_ctx ctx, int vcpu_fd)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				SCMP_A0(SCMP_CMP_EQ, vcpu_fd),
				SCMP_A1(SCMP_CMP_EQ, KVM_GET_REGS)) |
	       seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				SCMP_A0(SCMP_CMP_EQ, vcpu_fd),
				SCMP_A1(SCMP_CMP_EQ, KVM_GET_SREGS));
}

/* A vCPU thread runs its own vCPU, raises the serial IRQ, writes the output descriptors. */
int linux_confine_vcpu(const struct linux_vm *vm, const struct linux_vcpu *vc,
		       struct kiste_err *err)
{
	scmp_filter_ctx ctx = filter_new();
	int ret;

	if (!ctx)
		return kiste_err_set(err, -ENOMEM, "seccomp_init failed");
	ret = allow_common(ctx);
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				SCMP_A0(SCMP_CMP_EQ, vc->fd), SCMP_A1(SCMP_CMP_EQ, KVM_RUN));
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				SCMP_A0(SCMP_CMP_EQ, vm->kvm.vm_fd),
				SCMP_A1(SCMP_CMP_EQ, KVM_IRQ_LINE));
	ret |= allow_write(ctx, vm->cfg->out_fd);
	ret |= allow_write(ctx, vm->cfg->err_fd);
	ret |= allow_write(ctx, vm->cfg->log_fd);
	ret |= allow_write(ctx, vm->wake_fd);
	/* --debug: the registers of a vCPU that shut down (linux_cpu_dump). */
	ret |= allow_regs_dump(ctx, vc->fd);
	return load(ctx, ret, "vCPU", err);
}

/*
 * The main thread pumps stdin, reads its signalfd and eventfd, stops the VM on
 * --timeout (linux_vm_stop: futex, tgkill to kick the vCPUs, a write to the
 * eventfd), joins the vCPU threads, with --debug dumps vCPU 0's registers after
 * a timeout, then reports and tears down (write to
 * stderr, mincore/getrusage for KISTE_VM_STATS, munmap/close, exit_group).
 * Each of these paths is exercised under the filter by vmmode_boot_test.
 */
int linux_confine_main(const struct linux_vm *vm, struct kiste_err *err)
{
	scmp_filter_ctx ctx = filter_new();
	int ret;

	if (!ctx)
		return kiste_err_set(err, -ENOMEM, "seccomp_init failed");
	ret = allow_common(ctx);
	ret |= ALLOW(ctx, poll);
	ret |= ALLOW(ctx, ppoll);
	ret |= ALLOW(ctx, close);
	ret |= ALLOW(ctx, brk);
	ret |= ALLOW(ctx, mincore);
	ret |= ALLOW(ctx, getrusage);
	ret |= ALLOW(ctx, fstat);
	ret |= ALLOW(ctx, lseek);
	ret |= ALLOW(ctx, newfstatat);
	/* stdio asks whether stderr is a terminal before its first message. */
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_EQ, TCGETS));
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
				SCMP_A0(SCMP_CMP_EQ, vm->sig_fd));
	if (vm->cfg->in_fd >= 0)
		ret |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
					SCMP_A0(SCMP_CMP_EQ, vm->cfg->in_fd));
	ret |= allow_write(ctx, vm->cfg->err_fd);
	ret |= allow_write(ctx, vm->cfg->out_fd);
	ret |= allow_write(ctx, vm->wake_fd);
	ret |= allow_write(ctx, STDERR_FILENO == vm->cfg->err_fd ? -1 : STDERR_FILENO);
	/* --debug: where vCPU 0 was when --timeout stopped the guest (linux_cpu_dump). */
	if (vm->cfg->log_fd >= 0 && vm->ncpus)
		ret |= allow_regs_dump(ctx, vm->vcpu[0].fd);
	return load(ctx, ret, "main", err);
}
