// SPDX-License-Identifier: GPL-2.0
// shim_arm.c - kiste.ko's shim redirection: KISTE_IOC_SHIM_ARM rules, SIGSYS delivery, re-arming on fork, exec.
// kiste-suite: vm kiste_shim_arm
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif
#define FAKE_RESULT 4242
#define KSA_RESTORER 0x04000000UL

/*
 * The gate: a raw syscall stub and the signal restorer.  Only syscalls made
 * from here run once redirection is armed.
 */
extern char kt_gate_begin[], kt_gate_end[];
long kt_gate_syscall(long nr, long a1, long a2, long a3, long a4, long a5);
void kt_gate_restorer(void);
__asm__(".text\n"
	".globl kt_gate_begin\nkt_gate_begin:\n"
	".globl kt_gate_syscall\n.type kt_gate_syscall,@function\nkt_gate_syscall:\n"
	"\tmov %rdi, %rax\n\tmov %rsi, %rdi\n\tmov %rdx, %rsi\n\tmov %rcx, %rdx\n"
	"\tmov %r8, %r10\n\tmov %r9, %r8\n\tsyscall\n\tret\n"
	".globl kt_gate_restorer\n.type kt_gate_restorer,@function\nkt_gate_restorer:\n"
	"\tmov $15, %eax\n\tsyscall\n"
	/* the kernel checks the address after the syscall instruction */
	"\tud2\n"
	".globl kt_gate_end\nkt_gate_end:\n");

/* What the armed child saw; written without syscalls. */
struct arm_report {
	volatile int stage;
	volatile int sigsys;
	volatile int sig_code;
	volatile int sys_nr;
	volatile long getppid_redirected;
	volatile long getppid_gate;
	long real_ppid;
	volatile long rearm;
	volatile long prctl_off;
	volatile long after_prctl;
	volatile int fork_status;
	volatile long enosys;
	volatile long enosys_zero;
	volatile int go;
};

static struct arm_report *ar;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	ar->sigsys++;
	ar->sig_code = info->si_code;
	ar->sys_nr = info->si_syscall;
	uc->uc_mcontext.gregs[REG_RAX] = FAKE_RESULT;
}

/* rt_sigaction without libc, so that the restorer is ours (in the gate). */
static int install_sigsys(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} ksa = { .handler = (void *)on_sigsys, .flags = SA_SIGINFO | KSA_RESTORER,
		  .restorer = (void *)kt_gate_restorer };

	return syscall(SYS_rt_sigaction, SIGSYS, &ksa, NULL, 8);
}

static long arm(int fd, unsigned long start, unsigned long len, unsigned int flags)
{
	struct kiste_ioc_shim_arm a = { .flags = flags, .gate_start = start, .gate_len = len };

	return ioctl(fd, KISTE_IOC_SHIM_ARM, &a) ? -errno : 0;
}

static int join(uint32_t id)
{
	struct kiste_ioc_attach a = { .id = id };
	int fd = open("/dev/kiste", O_RDWR | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, KISTE_IOC_ATTACH, &a))
		return -1;
	return fd;
}

static uint32_t new_sandbox(struct __test_metadata *_metadata, struct kt_fix *f, uint32_t mode)
{
	struct kiste_sandbox_spec spec = { .mode = mode };
	struct kiste_err err = { 0 };
	uint32_t id = 0;

	EXPECT_EQ(0, kiste_sandbox_new(f->nl, &spec, &id, &err)) TH_LOG("new: %s", err.msg);
	kt_fix_track_id(f, id);
	return id;
}

FIXTURE(shim)
{
	struct kt_fix fix;
};

FIXTURE_SETUP(shim)
{
	kt_fix_setup(_metadata, &self->fix);
	if (!self->fix.ready)
		return;
	ar = kt_shared(sizeof(*ar));
	ASSERT_NE(NULL, ar);
}

FIXTURE_TEARDOWN(shim)
{
	kt_fix_teardown(_metadata, &self->fix);
}

/* Exit codes name the first rule that did not hold. */
static int child_rules(uint32_t shim_id, uint32_t vm_id)
{
	unsigned long gs = (unsigned long)kt_gate_begin;
	unsigned long gl = kt_gate_end - kt_gate_begin;
	int fd = open("/dev/kiste", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 10;
	if (arm(fd, gs, gl, 0) != -ENOTCONN)
		return 11;
	if (vm_id) {
		if (join(vm_id) < 0)
			return 12;
		return arm(fd, gs, gl, 0) == -EOPNOTSUPP ? 0 : 13;
	}
	if (join(shim_id) < 0)
		return 14;
	if (arm(fd, gs, 0, 0) != -EINVAL)
		return 15;
	{
		struct kiste_ioc_shim_enosys e = { .count = 1 };

		/* a member that is not armed has no guest kernel to report for */
		if (ioctl(fd, KISTE_IOC_SHIM_ENOSYS, &e) == 0 || errno != ENOTCONN)
			return 18;
	}
	if (arm(fd, gs, gl, 1) != -EINVAL)
		return 16;
	if (arm(fd, ~0UL - 8, 64, 0) != -EINVAL)
		return 17;
	return 0;
}

TEST_F_TIMEOUT(shim, arm_rules, 120)
{
	uint32_t shim_id, vm_id;
	int status, pass;

	KT_SKIP_IF_SETUP_SKIPPED();
	shim_id = new_sandbox(_metadata, &self->fix, KISTE_MODE_SHIM);
	vm_id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM);
	for (pass = 0; pass < 2; pass++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(child_rules(shim_id, pass ? vm_id : 0));
		kt_fix_track_pid(&self->fix, pid);
		ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("pass %d: status 0x%x", pass, status);
	}
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, shim_id, NULL));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, vm_id, NULL));
}

/* Armed: libc's syscalls come back as SIGSYS; only the gate reaches the kernel. */
static void armed_child(uint32_t id)
{
	struct kiste_ioc_shim_arm a = { .gate_start = (unsigned long)kt_gate_begin,
					.gate_len = kt_gate_end - kt_gate_begin };
	struct kiste_ioc_shim_enosys e3 = { .count = 3 }, e0 = { .count = 0 };
	struct timespec ms = { 0, 1000000 };
	int fd = join(id), i;
	long pid, status = 0;

	ar->real_ppid = getppid();
	if (fd < 0 || install_sigsys() || ioctl(fd, KISTE_IOC_SHIM_ARM, &a))
		_exit(20);
	ar->stage = 1;
	ar->getppid_redirected = syscall(SYS_getppid);
	ar->getppid_gate = kt_gate_syscall(SYS_getppid, 0, 0, 0, 0, 0);
	ar->rearm = kt_gate_syscall(SYS_ioctl, fd, KISTE_IOC_SHIM_ARM, (long)&a, 0, 0);
	ar->enosys = kt_gate_syscall(SYS_ioctl, fd, KISTE_IOC_SHIM_ENOSYS, (long)&e3, 0, 0);
	ar->enosys_zero = kt_gate_syscall(SYS_ioctl, fd, KISTE_IOC_SHIM_ENOSYS, (long)&e0, 0, 0);
	ar->prctl_off = syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0,
				0, 0);
	ar->after_prctl = syscall(SYS_getppid);
	pid = kt_gate_syscall(SYS_fork, 0, 0, 0, 0, 0);
	if (pid == 0)
		kt_gate_syscall(SYS_exit_group, syscall(SYS_getppid) == FAKE_RESULT ? 0 : 1, 0, 0,
				0, 0);
	if (pid > 0 && kt_gate_syscall(SYS_wait4, pid, (long)&status, 0, 0, 0) == pid)
		ar->fork_status = (int)status;
	else
		ar->fork_status = -1;
	ar->stage = 2;
	/* wait, without libc, for the parent to have looked at the sandbox */
	for (i = 0; i < 20000 && !ar->go; i++)
		kt_gate_syscall(SYS_nanosleep, (long)&ms, 0, 0, 0, 0);
	kt_gate_syscall(SYS_exit_group, 0, 0, 0, 0, 0);
}

TEST_F_TIMEOUT(shim, redirect_and_fork, 120)
{
	struct kiste_sandbox_info info = { 0 };
	struct kiste_err err = { 0 };
	uint64_t end;
	int status;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_SHIM);
	pid = fork();
	if (pid == 0) {
		armed_child(id);
		_exit(21);
	}
	kt_fix_track_pid(&self->fix, pid);
	end = kt_now_ms() + KT_CHILD_MS;
	while (ar->stage < 2 && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	if (ar->stage != 2) {
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &status, KT_CHILD_MS);
		TH_LOG("armed child stuck at stage %d: status 0x%x, %d SIGSYS", ar->stage, status,
		       ar->sigsys);
	}
	ASSERT_EQ(2, ar->stage);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(1u, info.shim_armed);
	EXPECT_EQ(3u, info.shim_enosys);
	ar->go = 1;
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status 0x%x", status);

	EXPECT_EQ(FAKE_RESULT, ar->getppid_redirected);
	EXPECT_EQ(SYS_USER_DISPATCH, ar->sig_code);
	EXPECT_EQ(ar->real_ppid, ar->getppid_gate);
	EXPECT_EQ(-EBUSY, ar->rearm);
	EXPECT_EQ(0, ar->enosys);
	EXPECT_EQ(-EINVAL, ar->enosys_zero);
	/* the disarm attempt from outside the gate was itself redirected */
	EXPECT_EQ(FAKE_RESULT, ar->prctl_off);
	EXPECT_EQ(FAKE_RESULT, ar->after_prctl);
	EXPECT_EQ(SYS_getppid, ar->sys_nr);
	/* the forked child was re-armed before it ran */
	EXPECT_TRUE(WIFEXITED(ar->fork_status) && WEXITSTATUS(ar->fork_status) == 0)
		TH_LOG("fork status 0x%x", ar->fork_status);
	EXPECT_LE(4, ar->sigsys);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/*
 * Issue 15, finding 17: exec clears syscall user dispatch.  An armed member
 * that execs (from the gate) must not go on unredirected while the module
 * reports it armed: it is ended.
 */
static void exec_child(uint32_t id)
{
	struct kiste_ioc_shim_arm a = { .gate_start = (unsigned long)kt_gate_begin,
					.gate_len = kt_gate_end - kt_gate_begin };
	static char *const argv[] = { "sleep", "30", NULL };
	static char *const envp[] = { NULL };
	int fd = join(id);

	if (fd < 0 || install_sigsys() || ioctl(fd, KISTE_IOC_SHIM_ARM, &a))
		_exit(20);
	ar->stage = 1;
	kt_gate_syscall(SYS_execve, (long)"/bin/sleep", (long)argv, (long)envp, 0, 0);
	kt_gate_syscall(SYS_exit_group, 22, 0, 0, 0, 0);
}

TEST_F_TIMEOUT(shim, exec_ends_armed_member, 60)
{
	struct kiste_sandbox_info info = { 0 };
	int status = 0, ret;
	uint64_t end;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_SHIM);
	pid = fork();
	if (pid == 0) {
		exec_child(id);
		_exit(21);
	}
	kt_fix_track_pid(&self->fix, pid);
	end = kt_now_ms() + KT_CHILD_MS;
	while (ar->stage < 1 && !kt_pid_gone(pid) && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	ASSERT_EQ(1, ar->stage);
	ret = kt_wait_pid(pid, &status, 15000);
	if (ret) {
		kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL);
		TH_LOG("the armed member runs on after exec, reported armed: %u", info.shim_armed);
		kill(pid, SIGKILL);
		kt_wait_pid(pid, &status, KT_CHILD_MS);
	}
	EXPECT_EQ(0, ret);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status 0x%x", status);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(0u, info.shim_armed);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

KT_HARNESS_MAIN
