// SPDX-License-Identifier: GPL-2.0
// kvm_layer_test.c - the KVM layer under both VMMs: the long-mode state guests see, broker errors.
// kiste-suite: host kvm_layer_test
// kiste-suite: vm kiste_kvm_layer
/*
 * A few dozen guest instructions (assembled below) write down what they find
 * at entry: %rsp %rsi %rdi, CR0 CR3 CR4, EFER, the segment selectors, the GDT
 * register, RFLAGS; then they write through the identity map at the top of
 * RAM.  SSE is checked by its CR bits only: the build machines' PVM-backed
 * KVM cannot run guest SSE at all.  Each VMM's parameters (the Linux boot
 * protocol's, the unikernel's) are a fixture variant, run on /dev/kvm and,
 * with kiste.ko loaded (the test VM), through its broker.  The broker's
 * refusals are faked with a seccomp filter (SECCOMP_RET_ERRNO for
 * KISTE_IOC_VM_CREATE), so their one mapping is tested without the module.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kiste_kvm.h"
#include "kiste_run.h"

#define GUEST_MEM   (8ULL << 20)
#define GUEST_CODE  0x100000ULL
#define GUEST_SEEN  0x180000ULL /* struct guest_seen */
#define GUEST_STACK 0x1ff000ULL
#define GUEST_PORT  0x10
#define POKE_VALUE  0x4b4b4b4b4b4b4b4bULL

/* What the guest found, at GUEST_SEEN; the offsets are the guest code's. */
struct __attribute__((packed)) guest_seen {
	uint64_t rsp, rsi, rdi, cr0, cr3, cr4, efer; /* 0x00 */
	uint16_t cs, ds, ss, es;		     /* 0x38 */
	uint16_t gdt_limit;			     /* 0x40: sgdt */
	uint64_t gdt_base;
	uint8_t pad0[6];
	uint64_t rflags; /* 0x50 */
	uint64_t poke;	 /* 0x58: IN: where to write POKE_VALUE */
};
_Static_assert(offsetof(struct guest_seen, cs) == 0x38, "guest_seen layout");
_Static_assert(offsetof(struct guest_seen, rflags) == 0x50, "guest_seen layout");
_Static_assert(offsetof(struct guest_seen, poke) == 0x58, "guest_seen layout");

/* 64-bit, absolute addresses only (GUEST_SEEN = 0x180000): it runs wherever it is copied. */
__asm__(".pushsection .rodata\n"
	".globl lm_guest, lm_guest_end\n"
	".balign 16\n"
	"lm_guest:\n"
	"	movq %rsp, 0x180000\n"
	"	movq %rsi, 0x180008\n"
	"	movq %rdi, 0x180010\n"
	"	movq %cr0, %rax\n	movq %rax, 0x180018\n"
	"	movq %cr3, %rax\n	movq %rax, 0x180020\n"
	"	movq %cr4, %rax\n	movq %rax, 0x180028\n"
	"	movl $0xc0000080, %ecx\n	rdmsr\n"
	"	movl %eax, 0x180030\n	movl %edx, 0x180034\n"
	"	movw %cs, 0x180038\n	movw %ds, 0x18003a\n"
	"	movw %ss, 0x18003c\n	movw %es, 0x18003e\n"
	"	sgdt 0x180040\n"
	"	pushfq\n	popq %rax\n	movq %rax, 0x180050\n"
	"	movq 0x180058, %rbx\n	movabsq $0x4b4b4b4b4b4b4b4b, %rax\n	movq %rax, (%rbx)\n"
	"	movb $0x42, %al\n	outb %al, $0x10\n"
	"2:	hlt\n	jmp 2b\n"
	"lm_guest_end:\n"
	".popsection\n");
extern const uint8_t lm_guest[], lm_guest_end[];

#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_PG	       (1ULL << 31)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME       (1ULL << 8)
#define EFER_LMA       (1ULL << 10)

/* A failed check in code that may run in a forked child: say what, return -1. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(why, why_len, __VA_ARGS__);                                       \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

/* The tables and GDT kiste_kvm_long_mode_write() left in guest RAM. */
static int tables_check(const struct kiste_kvm *kvm, const struct kiste_kvm_long_mode *lm,
			char *why, size_t why_len)
{
	const uint64_t *pml4 = kiste_kvm_gpa(kvm, lm->tables, 4096);
	const uint64_t *pdpt = kiste_kvm_gpa(kvm, lm->tables + 4096, 4096);
	const uint64_t *pd = kiste_kvm_gpa(kvm, lm->tables + 8192, 4096);
	const uint64_t *gdt = kiste_kvm_gpa(kvm, lm->gdt, lm->cs + 16);
	uint64_t npd = (lm->map_size + (1ULL << 30) - 1) >> 30, last = lm->map_size - (2ULL << 20);
	unsigned int i;

	CHECK(pml4 && pdpt && pd && gdt, "tables or GDT outside guest RAM");
	CHECK(pml4[0] == ((lm->tables + 4096) | 3) && !pml4[1], "PML4[0] = 0x%llx",
	      (unsigned long long)pml4[0]);
	for (i = 0; i < npd; i++)
		CHECK(pdpt[i] == ((lm->tables + (2 + i) * 4096) | 3), "PDPT[%u] = 0x%llx", i,
		      (unsigned long long)pdpt[i]);
	CHECK(!pdpt[npd], "PDPT[%llu] set past the map", (unsigned long long)npd);
	CHECK(pd[0] == 0x83 && pd[last >> 21] == (last | 0x83), "PD: first 0x%llx, last 0x%llx",
	      (unsigned long long)pd[0], (unsigned long long)pd[last >> 21]);
	for (i = 0; i < lm->cs / 8; i++)
		CHECK(!gdt[i], "GDT[%u] is not null", i);
	CHECK(gdt[lm->cs / 8] == 0x00af9b000000ffffULL, "code descriptor 0x%llx",
	      (unsigned long long)gdt[lm->cs / 8]);
	CHECK(gdt[lm->cs / 8 + 1] == 0x00cf93000000ffffULL, "data descriptor 0x%llx",
	      (unsigned long long)gdt[lm->cs / 8 + 1]);
	return 0;
}

/* Runs the vCPU to the guest's OUT. */
static int guest_run(int vcpu_fd, struct kvm_run *run, char *why, size_t why_len)
{
	int i;

	for (i = 0; i < 16; i++) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			CHECK(errno == EINTR || errno == EAGAIN, "KVM_RUN: %s", strerror(errno));
			continue;
		}
		CHECK(run->exit_reason == KVM_EXIT_IO, "KVM exit reason %u, want IO%s",
		      run->exit_reason,
		      run->exit_reason == KVM_EXIT_SHUTDOWN ? " (triple fault)" : "");
		CHECK(run->io.port == GUEST_PORT && run->io.direction == KVM_EXIT_IO_OUT,
		      "port 0x%x", run->io.port);
		return 0;
	}
	CHECK(0, "the guest never reached its OUT");
}

/* What the guest saw against what @lm set up. */
static int seen_check(const struct guest_seen *s, const struct kiste_kvm_long_mode *lm, char *why,
		      size_t why_len)
{
	uint64_t cr0_mask = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	uint64_t cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG, cr4 = CR4_PAE;

	if (lm->flags & KISTE_KVM_LM_SSE) {
		cr0 |= CR0_MP;
		cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	}
	if (lm->flags & KISTE_KVM_LM_WP)
		cr0 |= CR0_WP;
	CHECK(s->rsp == lm->rsp && s->rsi == lm->rsi && s->rdi == lm->rdi,
	      "entry rsp/rsi/rdi 0x%llx/0x%llx/0x%llx", (unsigned long long)s->rsp,
	      (unsigned long long)s->rsi, (unsigned long long)s->rdi);
	CHECK((s->cr0 & cr0_mask) == cr0, "CR0 0x%llx, want 0x%llx", (unsigned long long)s->cr0,
	      (unsigned long long)cr0);
	CHECK(s->cr3 == lm->tables, "CR3 0x%llx", (unsigned long long)s->cr3);
	CHECK((s->cr4 & (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT)) == cr4, "CR4 0x%llx",
	      (unsigned long long)s->cr4);
	CHECK((s->efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "EFER 0x%llx",
	      (unsigned long long)s->efer);
	CHECK(s->cs == lm->cs && s->ds == lm->cs + 8 && s->ss == lm->cs + 8 && s->es == lm->cs + 8,
	      "selectors cs 0x%x ds 0x%x ss 0x%x es 0x%x", s->cs, s->ds, s->ss, s->es);
	CHECK(s->gdt_base == lm->gdt && s->gdt_limit == lm->cs + 15, "GDTR 0x%llx/0x%x",
	      (unsigned long long)s->gdt_base, s->gdt_limit);
	CHECK(!(s->rflags & (1 << 9)), "interrupts on at entry (RFLAGS 0x%llx)",
	      (unsigned long long)s->rflags);
	return 0;
}

/* On a VM without RAM yet: RAM, vCPU 0, CPUID, @lm's long mode; runs the guest and checks it. */
static int guest_check(struct kiste_kvm *kvm, struct kiste_kvm_long_mode lm, char *why,
		       size_t why_len)
{
	struct kvm_cpuid2 *cpuid = NULL;
	struct kiste_err err = { 0 };
	struct kvm_run *run = NULL;
	struct guest_seen *seen;
	int vcpu = -1, ret;

	ret = kiste_kvm_mem_create(kvm, GUEST_MEM, 0, &err);
	if (ret == 0)
		ret = kiste_kvm_vcpu_create(kvm, 0, &vcpu, &run, &err);
	if (ret == 0)
		ret = kiste_kvm_cpuid_get(kvm, &cpuid, &err);
	if (ret == 0)
		ret = kiste_kvm_vcpu_cpuid_set(vcpu, cpuid, &err);
	free(cpuid);
	if (ret == 0)
		ret = kiste_kvm_long_mode_write(kvm, &lm, &err);
	CHECK(ret == 0, "setup: %s", err.msg);
	ret = tables_check(kvm, &lm, why, why_len);
	if (ret < 0)
		return ret;
	memcpy(kiste_kvm_gpa(kvm, GUEST_CODE, lm_guest_end - lm_guest), lm_guest,
	       lm_guest_end - lm_guest);
	seen = kiste_kvm_gpa(kvm, GUEST_SEEN, sizeof(*seen));
	seen->poke = GUEST_MEM - 8;
	lm.rip = GUEST_CODE;
	lm.rsp = GUEST_STACK;
	CHECK(kiste_kvm_long_mode_enter(vcpu, &lm, &err) == 0, "enter: %s", err.msg);
	ret = guest_run(vcpu, run, why, why_len);
	kiste_kvm_vcpu_close(kvm, &vcpu, &run);
	if (ret == 0)
		ret = seen_check(seen, &lm, why, why_len);
	if (ret < 0)
		return ret;
	CHECK(*(uint64_t *)kiste_kvm_gpa(kvm, GUEST_MEM - 8, 8) == POKE_VALUE,
	      "the guest's write through the identity map did not land");
	return 0;
}

/* What a forked child found, for its parent's log. */
struct child_report {
	int code;
	int dumpable;
	int fallback; /* kiste_kvm_open after the refusal: 0, or its error */
	int brokered;
	char msg[512];
	char why[1024];
};

static struct child_report *report_new(void)
{
	void *p = mmap(NULL, sizeof(struct child_report), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int child_wait(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool have_dev(const char *path)
{
	return access(path, R_OK | W_OK) == 0;
}

/* ---- the long-mode state each VMM sets ---- */

FIXTURE(guest)
{
	struct kiste_kvm kvm;
	struct kiste_kvm_long_mode lm;
};

FIXTURE_VARIANT(guest)
{
	struct kiste_kvm_long_mode lm;
};

/* As userspace/vm/vmm/cpu.c's linux_boot_vcpu, with boot.h's layout. */
FIXTURE_VARIANT_ADD(guest, linux_boot){
	.lm = { .tables = 0x9000, .map_size = 4ULL << 30, .gdt = 0x500, .cs = 0x10, .rsi = 0x7000 },
};

/* As userspace/unikernel/hvt/hvt.c's vm_setup, with its low-memory layout. */
FIXTURE_VARIANT_ADD(guest, unikernel){
	.lm = { .tables = 0x1000,
		.map_size = GUEST_MEM,
		.gdt = 0x4000,
		.cs = 0x08,
		.flags = KISTE_KVM_LM_SSE | KISTE_KVM_LM_WP,
		.rdi = 0x123000 },
};

FIXTURE_SETUP(guest)
{
	self->kvm = (struct kiste_kvm)KISTE_KVM_INIT;
	self->lm = variant->lm;
}

FIXTURE_TEARDOWN(guest)
{
	kiste_kvm_close(&self->kvm);
}

TEST_F(guest, on_dev_kvm)
{
	struct kiste_err err = { 0 };
	char why[1024] = "";

	if (kiste_kvm_dev_open(&self->kvm, &err) < 0)
		SKIP(return, "no usable /dev/kvm: %s", err.msg);
	ASSERT_EQ(-1, self->kvm.vm_fd);
	ASSERT_FALSE(self->kvm.brokered);
	ASSERT_EQ(0, kiste_kvm_vm_create(&self->kvm, &err)) TH_LOG("%s", err.msg);
	ASSERT_LE(0, self->kvm.vm_fd);
	EXPECT_EQ(0, guest_check(&self->kvm, self->lm, why, sizeof(why))) TH_LOG("%s", why);
	/* done with system ioctls: /dev/kvm closes, the VM stays */
	kiste_kvm_sys_close(&self->kvm);
	EXPECT_EQ(-1, self->kvm.sys_fd);
	EXPECT_LE(0, fcntl(self->kvm.vm_fd, F_GETFD));
}

/* In the broker's sandbox member: the same guest, then the sandbox's limits and rules. */
static int broker_child(int kfd, const struct kiste_kvm_long_mode *lm, struct child_report *rep)
{
	struct kiste_kvm kvm, again;
	struct kiste_err err = { 0 };
	struct kvm_run *run;
	char *why = rep->why;
	size_t why_len = sizeof(rep->why);
	int fd;

	CHECK(kiste_dev_attach(kfd, 0, &err) == 0, "attach: %s", err.msg);
	CHECK(kiste_kvm_broker_open(&kvm, kfd, &err) == 0, "broker: %s", err.msg);
	CHECK(kvm.brokered && kvm.sys_fd == kvm.vm_fd && kvm.vm_fd >= 0, "brokered %d, fds %d/%d",
	      kvm.brokered, kvm.sys_fd, kvm.vm_fd);
	CHECK(prctl(PR_GET_DUMPABLE) == 0, "still dumpable");
	CHECK(kiste_kvm_vm_create(&kvm, &err) == 0, "vm_create on the broker: %s", err.msg);
	if (guest_check(&kvm, *lm, why, why_len) < 0)
		return -1;
	/* the sandbox allows one vCPU */
	CHECK(kiste_kvm_vcpu_create(&kvm, 1, &fd, &run, &err) == -E2BIG && fd < 0 && !run &&
		      strstr(err.msg, "lower --cpus"),
	      "second vCPU: %d %s", err.code, err.msg);
	/* and one VM */
	CHECK(kiste_kvm_broker_open(&again, kfd, &err) == -EBUSY && strstr(err.msg, "one already"),
	      "second VM: %d %s", err.code, err.msg);
	kiste_kvm_sys_close(&kvm);
	CHECK(kvm.sys_fd == -1 && fcntl(kvm.vm_fd, F_GETFD) >= 0, "sys_close closed the VM");
	kiste_kvm_close(&kvm);
	return 0;
}

TEST_F(guest, through_the_broker)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_UNIKERNEL,
					   .memory_limit = GUEST_MEM,
					   .vcpu_limit = 1 };
	struct child_report *rep = report_new();
	struct kiste_err err = { 0 };
	int kfd = -1, rc;
	pid_t pid;

	if (!have_dev("/dev/kiste") || !have_dev("/dev/kvm"))
		SKIP(return, "needs kiste.ko and KVM (the test VM runs this)");
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, kiste_run_sandbox(&spec, &kfd, &err)) TH_LOG("%s", err.msg);
	ASSERT_LE(0, kfd);
	pid = fork();
	if (pid == 0)
		_exit(broker_child(kfd, &self->lm, rep) < 0);
	rc = child_wait(pid);
	close(kfd);
	EXPECT_EQ(0, rc) TH_LOG("%s", rep->why);
}

/* The broker's limit on guest RAM comes back as -E2BIG with the fix. */
TEST(broker_memory_limit)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_UNIKERNEL,
					   .memory_limit = GUEST_MEM / 2,
					   .vcpu_limit = 1 };
	struct child_report *rep = report_new();
	struct kiste_err err = { 0 };
	int kfd = -1;
	pid_t pid;

	if (!have_dev("/dev/kiste") || !have_dev("/dev/kvm"))
		SKIP(return, "needs kiste.ko and KVM (the test VM runs this)");
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, kiste_run_sandbox(&spec, &kfd, &err)) TH_LOG("%s", err.msg);
	pid = fork();
	if (pid == 0) {
		struct kiste_kvm kvm;

		if (kiste_dev_attach(kfd, 0, &err) < 0 ||
		    kiste_kvm_broker_open(&kvm, kfd, &err) < 0) {
			snprintf(rep->why, sizeof(rep->why), "%s", err.msg);
			_exit(2);
		}
		rep->code = kiste_kvm_mem_create(&kvm, GUEST_MEM, 0, &err);
		snprintf(rep->msg, sizeof(rep->msg), "%s", err.msg);
		/* the refused RAM is gone again: a smaller guest still fits */
		rep->fallback = kiste_kvm_mem_create(&kvm, GUEST_MEM / 2, 0, &err);
		_exit(0);
	}
	ASSERT_EQ(0, child_wait(pid)) TH_LOG("attach or broker failed: %s", rep->why);
	close(kfd);
	EXPECT_EQ(-E2BIG, rep->code);
	EXPECT_NE(NULL, strstr(rep->msg, "lower --memory")) TH_LOG("%s", rep->msg);
	EXPECT_EQ(0, rep->fallback);
}

/* ---- the broker's refusals, one mapping (libkiste's kiste_dev_vm_create) ---- */

/* From here on KISTE_IOC_VM_CREATE fails with @e, as if kiste.ko had refused. */
static int fake_broker_errno(int e)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)KISTE_IOC_VM_CREATE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* Child: the broker refuses with @e; what the layer says, then what kiste_kvm_open does. */
static void refusal_child(int e, bool threaded, struct child_report *rep)
{
	struct kiste_err err = { 0 };
	struct kiste_kvm kvm;
	pthread_t t;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || fake_broker_errno(e) < 0)
		_exit(2);
	if (threaded && pthread_create(&t, NULL, idle_thread, NULL))
		_exit(3);
	rep->code = kiste_kvm_broker_open(&kvm, fd, &err);
	snprintf(rep->msg, sizeof(rep->msg), "%s", err.msg);
	rep->dumpable = prctl(PR_GET_DUMPABLE);
	rep->fallback = kiste_kvm_open(&kvm, fd, &err);
	rep->brokered = kvm.brokered;
	_exit(0);
}

struct refusal {
	int e;
	bool threaded;
	int code;
	const char *says;
};

static const struct refusal refusals[] = {
	{ ENOTTY, false, -ENOTTY, "has no KVM broker: update the module" },
	{ EINVAL, false, -ENOTTY, "has no KVM broker: update the module" },
	{ ENOTCONN, false, -ENOTCONN, "attach to a vm-mode sandbox first" },
	{ EOPNOTSUPP, false, -EOPNOTSUPP, "not of mode vm or unikernel" },
	{ EBUSY, false, -EBUSY, "has one already" },
	{ EBUSY, true, -EBUSY, "threads: create the VM before starting any" },
	{ EPERM, false, -EPERM, "non-dumpable" },
	{ ENODEV, false, -ENODEV, "found no KVM (modprobe kvm_amd or kvm_intel)" },
	{ EIO, false, -EIO, "cannot create a VM through kiste.ko" },
};

TEST(broker_refusals_map_once)
{
	struct child_report *rep = report_new();
	bool kvm_ok = have_dev("/dev/kvm");
	unsigned int i;

	ASSERT_NE(NULL, rep);
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		pid_t pid;

		memset(rep, 0, sizeof(*rep));
		pid = fork();
		if (pid == 0)
			refusal_child(r->e, r->threaded, rep);
		ASSERT_EQ(0, child_wait(pid)) TH_LOG("child for errno %d", r->e);
		EXPECT_EQ(r->code, rep->code) TH_LOG("errno %d: %s", r->e, rep->msg);
		EXPECT_NE(NULL, strstr(rep->msg, r->says)) TH_LOG("errno %d: %s", r->e, rep->msg);
		/* prepared by the wrapper, whatever the answer */
		EXPECT_EQ(0, rep->dumpable) TH_LOG("errno %d", r->e);
		if (r->code != -ENOTTY) {
			/* a real refusal is final: no fallback to /dev/kvm */
			EXPECT_EQ(r->code, rep->fallback) TH_LOG("errno %d", r->e);
		} else if (kvm_ok) {
			/* a module without the broker: kiste_kvm_open takes /dev/kvm */
			EXPECT_EQ(0, rep->fallback) TH_LOG("errno %d", r->e);
			EXPECT_EQ(0, rep->brokered);
		}
	}
}

/* The wrapper gives its caller its own descriptor table before KVM's VM lands in it. */
TEST(broker_unshares_the_descriptor_table)
{
	int marker = 900, round, fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	/* round 0 proves the check: without the wrapper, the shared table shows the child's fd */
	for (round = 0; round < 2; round++) {
		pid_t pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, 0);

		if (pid == 0) {
			if (round)
				kiste_dev_vm_create(fd, 0, NULL);
			_exit(dup2(fd, marker) == marker ? 0 : 2);
		}
		ASSERT_EQ(0, child_wait(pid));
		EXPECT_EQ(round ? -1 : 0, fcntl(marker, F_GETFD) < 0 ? -1 : 0)
		TH_LOG("round %d", round);
		close(marker);
	}
	close(fd);
}

/* ---- guest RAM and layout checks ---- */

TEST(mem_and_layout_refusals)
{
	struct kiste_kvm kvm = KISTE_KVM_INIT;
	struct kiste_err err = { 0 };
	static const struct kiste_kvm_long_mode bad[] = {
		{ .tables = 0x1000, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 0 },
		{ .tables = 0x1000, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 12 },
		{ .tables = 0x1000, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 128 },
		{ .tables = 0x1000, .map_size = 0, .gdt = 0x4000, .cs = 8 },
		{ .tables = 0x1000, .map_size = 3ULL << 20, .gdt = 0x4000, .cs = 8 },
		{ .tables = 0x1000, .map_size = 513ULL << 30, .gdt = 0x4000, .cs = 8 },
		{ .tables = 0x1001, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 8 },
		{ .tables = 0x1000,
		  .map_size = GUEST_MEM,
		  .gdt = 0x2000,
		  .cs = 8 }, /* in the PDPT */
		{ .tables = 0x1000, .map_size = 2ULL << 30, .gdt = 0x3ff8, .cs = 8 }, /* in PD 1 */
		{ .tables = GUEST_MEM - 0x2000, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 8 },
		{ .tables = 0x1000, .map_size = GUEST_MEM, .gdt = GUEST_MEM - 8, .cs = 8 },
	};
	const struct kiste_kvm_long_mode good = {
		.tables = 0x1000, .map_size = GUEST_MEM, .gdt = 0x4000, .cs = 8
	};
	unsigned int i;

	if (kiste_kvm_dev_open(&kvm, &err) < 0)
		SKIP(return, "no usable /dev/kvm: %s", err.msg);
	ASSERT_EQ(0, kiste_kvm_vm_create(&kvm, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(-EINVAL, kiste_kvm_mem_create(&kvm, 0, 0, &err));
	EXPECT_EQ(-EINVAL, kiste_kvm_mem_create(&kvm, GUEST_MEM + 1, 0, &err));
	ASSERT_EQ(0, kiste_kvm_mem_create(&kvm, GUEST_MEM, KISTE_KVM_MEM_HUGE, &err))
	TH_LOG("%s", err.msg);
	EXPECT_EQ(0ULL, (uintptr_t)kvm.mem % (2ULL << 20)) TH_LOG("HUGE: RAM not 2 MiB-aligned");
	EXPECT_EQ(-EEXIST, kiste_kvm_mem_create(&kvm, GUEST_MEM, 0, &err));
	EXPECT_EQ(kvm.mem, kiste_kvm_gpa(&kvm, 0, GUEST_MEM));
	EXPECT_EQ(kvm.mem + GUEST_MEM, kiste_kvm_gpa(&kvm, GUEST_MEM, 0));
	EXPECT_EQ(NULL, kiste_kvm_gpa(&kvm, GUEST_MEM - 1, 2));
	EXPECT_EQ(NULL, kiste_kvm_gpa(&kvm, ~0ULL, 2));
	EXPECT_EQ(NULL, kiste_kvm_gpa(&kvm, 8, ~0ULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, kiste_kvm_long_mode_write(&kvm, &bad[i], &err))
	TH_LOG("layout %u was accepted", i);
	EXPECT_EQ(0, kiste_kvm_long_mode_write(&kvm, &good, &err)) TH_LOG("%s", err.msg);
	kiste_kvm_close(&kvm);
	EXPECT_EQ(NULL, kvm.mem);
	EXPECT_EQ(-1, kvm.vm_fd);
}

TEST_HARNESS_MAIN
