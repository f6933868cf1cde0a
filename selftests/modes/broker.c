// SPDX-License-Identifier: GPL-2.0
// broker.c - kiste.ko's KVM broker: VM creation rules, sandbox limits, forwarding, teardown.
// kiste-suite: vm kiste_broker
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "kt_vmm.h"

#define GUEST_CODE_GPA 0x1000
#define GUEST_PORT 0x10

/* mov al, 0x42; out GUEST_PORT, al; hlt */
static const uint8_t guest_out42[] = { 0xb0, 0x42, 0xe6, GUEST_PORT, 0xf4 };
/* jmp $ */
static const uint8_t guest_spin[] = { 0xeb, 0xfe };

static uint32_t new_sandbox(struct __test_metadata *_metadata, struct kt_fix *f, uint32_t mode,
			    uint64_t memory, uint32_t cpus)
{
	return kt_vm_sandbox(_metadata, f, mode, memory, cpus);
}

/* Real-mode vCPU at GUEST_CODE_GPA running @code; returns its kvm_run. */
static struct kvm_run *vcpu_setup(int vmfd, int vcpufd, void *mem, const uint8_t *code,
				  size_t len)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = GUEST_CODE_GPA, .rflags = 2 };
	struct kvm_run *run;
	int size;

	memcpy((char *)mem + GUEST_CODE_GPA, code, len);
	size = ioctl(vmfd, KVM_GET_VCPU_MMAP_SIZE, 0);
	VCHECK(size > 0, "KVM_GET_VCPU_MMAP_SIZE through the broker");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	VCHECK(run != MAP_FAILED, "mmap vcpu");
	VCHECK(ioctl(vcpufd, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	VCHECK(ioctl(vcpufd, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
	VCHECK(ioctl(vcpufd, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
	return run;
}

/* Runs guest_out42 to its OUT; records the value. */
static void run_out42(int vmfd, void *mem)
{
	struct kvm_run *run;
	int vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);

	VCHECK(vcpufd >= 0, "KVM_CREATE_VCPU 0");
	run = vcpu_setup(vmfd, vcpufd, mem, guest_out42, sizeof(guest_out42));
	VCHECK(ioctl(vcpufd, KVM_RUN, 0) == 0, "KVM_RUN");
	VCHECK(run->exit_reason == KVM_EXIT_IO, "exit reason %u, want KVM_EXIT_IO", run->exit_reason);
	VCHECK(run->io.port == GUEST_PORT && run->io.direction == KVM_EXIT_IO_OUT,
	       "io port 0x%x dir %u", run->io.port, run->io.direction);
	rep->io_value = *((uint8_t *)run + run->io.data_offset);
}

FIXTURE(broker)
{
	struct kt_fix fix;
};

FIXTURE_SETUP(broker)
{
	kt_fix_setup(_metadata, &self->fix);
	if (!self->fix.ready)
		return;
	if (!kt_have_kvm())
		SKIP(return, "no /dev/kvm in this VM (kvm_amd not loaded?)");
	rep = kt_shared(sizeof(*rep));
	ASSERT_NE(NULL, rep);
}

FIXTURE_TEARDOWN(broker)
{
	kt_fix_teardown(_metadata, &self->fix);
}

static void child_not_member(uint32_t id)
{
	int fd = open("/dev/kiste", O_RDWR | O_CLOEXEC);

	(void)id;
	VCHECK(fd >= 0, "open /dev/kiste");
	VCHECK(prctl(PR_SET_DUMPABLE, 0) == 0, "PR_SET_DUMPABLE");
	VCHECK(vm_create(fd) < 0 && errno == ENOTCONN, "VM_CREATE by a non-member must be ENOTCONN");
}

static void child_dumpable(uint32_t id)
{
	int fd = vmm_join(id);

	VCHECK(prctl(PR_SET_DUMPABLE, 1) == 0, "PR_SET_DUMPABLE 1");
	VCHECK(vm_create(fd) < 0 && errno == EPERM, "VM_CREATE while dumpable must be EPERM");
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void child_threaded(uint32_t id)
{
	int fd = vmm_join(id);
	pthread_t t;

	VCHECK(pthread_create(&t, NULL, idle_thread, NULL) == 0, "pthread_create");
	VCHECK(vm_create(fd) < 0 && errno == EBUSY, "VM_CREATE with a thread must be EBUSY");
}

static int idle_fn(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static void child_shared_table(uint32_t id)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int fd = vmm_join(id);
	pid_t pid;

	pid = clone(idle_fn, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
	VCHECK(pid > 0, "clone CLONE_FILES");
	VCHECK(vm_create(fd) < 0 && errno == EBUSY,
	       "VM_CREATE with a shared descriptor table must be EBUSY");
	kill(pid, SIGKILL);
}

static void child_bad_flags(uint32_t id)
{
	struct kiste_ioc_vm_create c = { .flags = 1 };
	int fd = vmm_join(id);

	VCHECK(ioctl(fd, KISTE_IOC_VM_CREATE, &c) < 0 && errno == EINVAL, "flags 1: EINVAL");
	c.flags = 0;
	c.reserved = 1;
	VCHECK(ioctl(fd, KISTE_IOC_VM_CREATE, &c) < 0 && errno == EINVAL, "reserved 1: EINVAL");
}

TEST_F_TIMEOUT(broker, caller_rules, 300)
{
	uint32_t vm_id;

	KT_SKIP_IF_SETUP_SKIPPED();
	vm_id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 0, 0);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_not_member, 0));
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_dumpable, vm_id));
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_threaded, vm_id));
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_shared_table, vm_id));
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_bad_flags, vm_id));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, vm_id, NULL));
}

static void child_shim(uint32_t id)
{
	int fd = vmm_join(id);

	VCHECK(vm_create(fd) < 0 && errno == EOPNOTSUPP, "VM_CREATE in a shim sandbox: EOPNOTSUPP");
}

TEST_F_TIMEOUT(broker, shim_sandbox_refused, 120)
{
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_SHIM, 0, 0);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_shim, id));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/* Limits of a 64M/1-vCPU sandbox, forbidden ioctls, the raw descriptor, a guest run. */
static void child_limits(uint32_t id)
{
	int kfd = vmm_join(id), vmfd, vcpu2;
	void *mem = mmap(NULL, 128 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_DISABLE_EXITS };

	VCHECK(mem != MAP_FAILED, "mmap guest memory");
	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE");
	VCHECK(!fd_table_has("kvm-vm"), "KVM's own VM descriptor is in the caller's table");
	VCHECK(fd_table_has("kiste-vm"), "the broker descriptor is missing");
	VCHECK(ioctl(vmfd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION, "KVM_GET_API_VERSION");
	VCHECK(ioctl(vmfd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0, "KVM_CHECK_EXTENSION");
	VCHECK(set_region(vmfd, 0, 0, 32 * MIB, mem) == 0, "32M in slot 0");
	VCHECK(set_region(vmfd, 1, 64 * MIB, 64 * MIB, (char *)mem + 64 * MIB) < 0 &&
	       errno == E2BIG, "32M + 64M over a 64M limit must be E2BIG");
	VCHECK(set_region(vmfd, 0, 0, 0, mem) == 0, "delete slot 0");
	VCHECK(set_region(vmfd, 0, 0, 128 * MIB, mem) < 0 && errno == E2BIG,
	       "128M over a 64M limit must be E2BIG");
	VCHECK(set_region(vmfd, 0, 0, 64 * MIB, mem) == 0, "64M in slot 0");
	VCHECK(set_region(vmfd, 2, 96 * MIB, 4096, (char *)mem + 96 * MIB) < 0 && errno == E2BIG,
	       "one more page must be E2BIG");
	VCHECK(ioctl(vmfd, KVM_ENABLE_CAP, &cap) < 0 && errno == EPERM, "KVM_ENABLE_CAP: EPERM");
	VCHECK(ioctl(vmfd, KVM_CREATE_VM, 0) < 0 && errno == EPERM, "KVM_CREATE_VM: EPERM");
	VCHECK(ioctl(vmfd, KVM_GET_DIRTY_LOG, NULL) < 0 && errno == EPERM, "dirty log: EPERM");
	run_out42(vmfd, mem);
	vcpu2 = ioctl(vmfd, KVM_CREATE_VCPU, 1);
	VCHECK(vcpu2 < 0 && errno == E2BIG, "a second vCPU over a limit of 1 must be E2BIG");
	VCHECK(vm_create(kfd) < 0 && errno == EBUSY, "a second VM in one sandbox must be EBUSY");
}

TEST_F_TIMEOUT(broker, limits_and_forwarding, 300)
{
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 64 * MIB, 1);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_limits, id));
	EXPECT_EQ(0x42, rep->io_value);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(0u, info.vm_count);
	EXPECT_LE(1u, info.vm_exits);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/* The broker descriptor is useless in another process: KVM ties the VM to one mm. */
static void child_other_mm(uint32_t id)
{
	int kfd = vmm_join(id), vmfd, status;
	void *mem = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE");
	pid = fork();
	if (pid == 0) {
		VCHECK(set_region(vmfd, 0, 0, MIB, mem) < 0 && errno == EIO,
		       "a memory slot from another process must be EIO");
		VCHECK(ioctl(vmfd, KVM_CREATE_VCPU, 0) < 0 && errno == EIO,
		       "a vCPU from another process must be EIO");
		_exit(0);
	}
	VCHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork/wait");
	VCHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other process's checks failed");
	VCHECK(set_region(vmfd, 0, 0, MIB, mem) == 0, "the owner can still add a slot");
}

TEST_F_TIMEOUT(broker, other_mm_refused, 120)
{
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 0, 0);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_other_mm, id));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/* An unprivileged uid that cannot open /dev/kvm runs a guest through /dev/kiste. */
static void child_unprivileged(uint32_t id)
{
	int kfd = vmm_join(id), vmfd;
	void *mem = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);

	VCHECK(setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
	       setresuid(65534, 65534, 65534) == 0, "drop to uid 65534");
	/* setresuid made the task dumpable again */
	VCHECK(prctl(PR_SET_DUMPABLE, 0) == 0, "PR_SET_DUMPABLE");
	VCHECK(open("/dev/kvm", O_RDWR) < 0 && errno == EACCES, "uid 65534 must not open /dev/kvm");
	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE as uid 65534");
	VCHECK(set_region(vmfd, 0, 0, 2 * MIB, mem) == 0, "2M in slot 0");
	run_out42(vmfd, mem);
}

TEST_F_TIMEOUT(broker, unprivileged_vm, 120)
{
	struct stat st;
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, stat("/dev/kvm", &st));
	ASSERT_EQ(0, chmod("/dev/kvm", 0600));
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 16 * MIB, 1);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_unprivileged, id));
	EXPECT_EQ(0x42, rep->io_value);
	chmod("/dev/kvm", st.st_mode & 07777);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/* Deleting the sandbox ends a VMM spinning in KVM_RUN, and its VM. */
static void child_spin(uint32_t id)
{
	int kfd = vmm_join(id), vmfd, vcpufd;
	void *mem = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE");
	VCHECK(set_region(vmfd, 0, 0, MIB, mem) == 0, "1M in slot 0");
	vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	VCHECK(vcpufd >= 0, "KVM_CREATE_VCPU");
	vcpu_setup(vmfd, vcpufd, mem, guest_spin, sizeof(guest_spin));
	for (;;)
		ioctl(vcpufd, KVM_RUN, 0);
}

TEST_F_TIMEOUT(broker, delete_kills_vmm, 120)
{
	struct kiste_event ev;
	struct kiste_err err = { 0 };
	bool created = false, destroyed = false;
	int status = 0, i;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kiste_events_subscribe(self->fix.nl, &err)) TH_LOG("%s", err.msg);
	id = new_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 8 * MIB, 1);
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid == 0) {
		child_spin(id);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, wait_vm(self->fix.nl, id, 1, 30000)) TH_LOG("no VM: %s", rep->what);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, 30000));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("status 0x%x", status);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, 10000));
	for (i = 0; i < 64 && !(created && destroyed); i++) {
		if (kiste_events_next(self->fix.nl, &ev, 2000, NULL) != 0)
			break;
		if (ev.id != id)
			continue;
		if (ev.type == KISTE_EVENT_VM_CREATED) {
			created = true;
			EXPECT_EQ((uint32_t)pid, ev.pid);
		}
		if (ev.type == KISTE_EVENT_VM_DESTROYED)
			destroyed = true;
	}
	EXPECT_TRUE(created);
	EXPECT_TRUE(destroyed);
}

KT_HARNESS_MAIN
