// SPDX-License-Identifier: GPL-2.0
// broker_attacks.c - issue 15's attacks on the KVM broker: stolen descriptors, VMs past limits and delete, a host-wide hang.
// kiste-suite: vm kiste_broker_attacks
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "kt_vmm.h"
#include "../lib/raw_syscall.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* Bounds on the stealing race: attempts and wall time (TCG is slow). */
#define STEAL_ROUNDS 300
#define STEAL_MS     20000

/*
 * State a caller, its CLONE_VM sibling and the test share (the first two
 * share all memory anyway).  The sibling writes only here, through raw
 * syscalls: it shares errno and libc state with the caller.
 */
struct sib {
	volatile int stop;
	volatile int done;
	volatile int ready;
	volatile int guess;	 /* the caller's lowest free descriptor */
	volatile int stolen;	 /* KVM VM descriptors the sibling took */
	volatile long tries;
	volatile int created;	 /* broker VMs the caller got */
	volatile int create_err; /* errno of the first refused VM_CREATE */
	volatile pid_t caller;
	volatile uint32_t id;
	volatile int fd_sent;
	volatile long after_delete; /* KVM_CREATE_VCPU through the broker after delete */
};

static struct sib *sib;
static char sib_stack[256 * 1024] __attribute__((aligned(16)));

static pid_t clone_vm(int (*fn)(void *), void *arg)
{
	return clone(fn, sib_stack + sizeof(sib_stack), CLONE_VM | SIGCHLD, arg);
}

FIXTURE(attack)
{
	struct kt_fix fix;
};

FIXTURE_SETUP(attack)
{
	kt_fix_setup(_metadata, &self->fix);
	if (!self->fix.ready)
		return;
	if (!kt_have_kvm())
		SKIP(return, "no /dev/kvm in this VM (kvm_amd not loaded?)");
	rep = kt_shared(sizeof(*rep));
	sib = kt_shared(sizeof(*sib));
	ASSERT_NE(NULL, rep);
	ASSERT_NE(NULL, sib);
}

FIXTURE_TEARDOWN(attack)
{
	kt_fix_teardown(_metadata, &self->fix);
}

/* Takes whatever sits at the caller's next descriptor number, as fast as it can. */
static int stealer(void *arg)
{
	char path[64], link[128];
	long pidfd, fd, n;

	(void)arg;
	pidfd = raw3(SYS_pidfd_open, sib->caller, 0, 0);
	sib->ready = 1;
	while (pidfd >= 0 && !sib->stop) {
		fd = raw3(SYS_pidfd_getfd, pidfd, sib->guess, 0);
		sib->tries++;
		if (fd == -ESRCH)
			break;
		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
		n = raw3(SYS_readlinkat, AT_FDCWD, (long)path, (long)link);
		if (n > 0 && n < (long)sizeof(link)) {
			link[n] = 0;
			if (strstr(link, "kvm-vm"))
				sib->stolen++;
		}
		raw3(SYS_close, fd, 0, 0);
	}
	sib->done = 1;
	return 0;
}

/*
 * Finding 13: a CLONE_VM sibling (own descriptor table, not a member) with
 * CAP_SYS_PTRACE takes KVM's VM descriptor out of the caller's table with
 * pidfd_getfd() while VM_CREATE runs.  A caller sharing its mm is refused.
 */
static void child_stolen(uint32_t id)
{
	uint64_t end = kt_now_ms() + STEAL_MS;
	int kfd, fd, i, status;
	pid_t pid;

	sib->caller = getpid();
	pid = clone_vm(stealer, NULL);
	VCHECK(pid > 0, "clone CLONE_VM");
	kfd = vmm_join(id);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	VCHECK(fd >= 0, "open /dev/null");
	sib->guess = fd;
	close(fd);
	while (!sib->ready)
		kt_sleep_ms(1);
	for (i = 0; i < STEAL_ROUNDS && kt_now_ms() < end && !sib->stolen; i++) {
		fd = vm_create(kfd);
		if (fd < 0) {
			sib->create_err = errno;
			break;
		}
		sib->created++;
		close(fd);
	}
	sib->stop = 1;
	VCHECK(waitpid(pid, &status, 0) == pid, "wait for the sibling");
}

TEST_F_TIMEOUT(attack, clone_vm_sibling_cannot_steal, 180)
{
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_stolen, id));
	TH_LOG("caller got %d VMs; sibling tried %ld times, took %d KVM descriptors", sib->created,
	       sib->tries, sib->stolen);
	EXPECT_EQ(0, sib->stolen);
	EXPECT_EQ(0, sib->created);
	EXPECT_EQ(EBUSY, sib->create_err);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The member: a CLONE_VM child of a process that never joins. */
static int vm_member(void *arg)
{
	struct kiste_ioc_attach a = { .id = sib->id };
	int *sv = arg, kfd, vmfd;

	kfd = open("/dev/kiste", O_RDWR | O_CLOEXEC);
	if (kfd < 0 || ioctl(kfd, KISTE_IOC_ATTACH, &a) || prctl(PR_SET_DUMPABLE, 0)) {
		sib->create_err = -1;
		sib->done = 1;
		return 1;
	}
	vmfd = vm_create(kfd);
	if (vmfd < 0) {
		sib->create_err = errno;
		sib->done = 1;
		return 0;
	}
	sib->created = 1;
	if (send_fd(sv[1], vmfd) == 0)
		sib->fd_sent = 1;
	sib->done = 1;
	for (;;)
		pause();
}

/*
 * Finding 15: a process that never was a member shares the VMM's mm; after
 * delete killed every member it still held the brokered VM and created
 * vCPUs through it.
 */
static void child_nonmember(uint32_t id)
{
	uint64_t end;
	int sv[2], fd;
	pid_t pid;

	sib->id = id;
	VCHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	pid = clone_vm(vm_member, sv);
	VCHECK(pid > 0, "clone CLONE_VM");
	while (!sib->done)
		kt_sleep_ms(1);
	if (!sib->fd_sent)
		return;
	fd = recv_fd(sv[0]);
	VCHECK(fd >= 0, "receive the broker descriptor");
	sib->ready = 1;
	end = kt_now_ms() + 60000;
	while (!sib->stop && kt_now_ms() < end)
		kt_sleep_ms(1);
	sib->after_delete = ioctl(fd, KVM_CREATE_VCPU, 0);
	if (sib->after_delete < 0)
		sib->after_delete = -errno;
}

TEST_F_TIMEOUT(attack, clone_vm_nonmember_outlives_delete, 120)
{
	uint64_t end;
	int status;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid == 0) {
		child_nonmember(id);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	end = kt_now_ms() + 30000;
	while (!sib->done && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	ASSERT_EQ(1, sib->done);
	EXPECT_EQ(0, sib->created);
	EXPECT_EQ(EBUSY, sib->create_err);
	if (sib->fd_sent) {
		end = kt_now_ms() + 10000;
		while (!sib->ready && kt_now_ms() < end)
			kt_sleep_ms(KT_STEP_MS);
	}
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	/* every member is gone, the CLONE_VM member with them */
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, 10000));
	sib->stop = 1;
	ASSERT_EQ(0, kt_wait_pid(pid, &status, 30000));
	EXPECT_EQ(0, status) TH_LOG("line %d: %s", rep->line, rep->what);
	if (sib->created) {
		TH_LOG("after delete the non-member's KVM_CREATE_VCPU returned %ld",
		       sib->after_delete);
		EXPECT_GT(0, sib->after_delete);
	}
}

/*
 * Finding 14: closing the broker descriptor while keeping a vCPU freed the
 * sandbox's one-VM slot; a 1-vCPU/4 MiB sandbox ran several VMs at once.
 */
static void child_keep_vcpu(uint32_t id)
{
	int kfd = vmm_join(id), vmfd, vcpu, again, i;
	void *mem = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);

	VCHECK(mem != MAP_FAILED, "mmap guest memory");
	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE");
	VCHECK(set_region(vmfd, 0, 0, 4 * MIB, mem) == 0, "4M in slot 0");
	vcpu = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	VCHECK(vcpu >= 0, "KVM_CREATE_VCPU");
	close(vmfd);
	again = vm_create(kfd);
	rep->val[0] = again < 0 ? -errno : 1;
	if (again >= 0) {
		rep->val[1] = set_region(again, 0, 0, 4 * MIB, mem) == 0;
		rep->val[2] = ioctl(again, KVM_CREATE_VCPU, 0) >= 0;
		close(again);
	}
	rep->val[3] = 1;
	while (!rep->val[4])
		kt_sleep_ms(KT_STEP_MS);
	close(vcpu);
	for (i = 0; i < 500; i++) {
		again = vm_create(kfd);
		if (again >= 0 || errno != EBUSY)
			break;
		kt_sleep_ms(KT_STEP_MS);
	}
	rep->val[5] = again >= 0 ? 1 : -errno;
}

TEST_F_TIMEOUT(attack, vm_outlives_broker_fd, 120)
{
	struct kiste_sandbox_info info;
	uint64_t end;
	int status;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid == 0) {
		child_keep_vcpu(id);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	end = kt_now_ms() + 30000;
	while (!rep->val[3] && !kt_pid_gone(pid) && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	EXPECT_EQ(1, rep->val[3]) TH_LOG("line %d: %s", rep->line, rep->what);
	EXPECT_EQ(-EBUSY, rep->val[0])
	TH_LOG("a second VM while the first one's vCPU lives (slot %ld, vCPU %ld)", rep->val[1],
	       rep->val[2]);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(1u, info.vm_count);
	EXPECT_EQ(1u, info.vm_vcpus);
	EXPECT_EQ(4 * MIB, info.vm_memory);
	rep->val[4] = 1;
	ASSERT_EQ(0, kt_wait_pid(pid, &status, 30000));
	EXPECT_EQ(0, status) TH_LOG("line %d: %s", rep->line, rep->what);
	EXPECT_EQ(1, rep->val[5]) TH_LOG("a new VM once the old one is gone");
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/*
 * Finding 16: VM_CREATE resolved /dev/kvm in the caller's mount namespace
 * under the sandbox's VM lock; an uninitialised FUSE mount on /dev put it to
 * sleep for good, a GET of the sandbox waited for the lock under genl_mutex,
 * and every generic-netlink request on the host hung.
 */
static void child_fuse_dev(uint32_t id)
{
	int kfd = vmm_join(id), fuse, r;
	char opts[128];

	fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	VCHECK(fuse >= 0, "open /dev/fuse");
	VCHECK(unshare(CLONE_NEWNS) == 0, "unshare CLONE_NEWNS");
	VCHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make / private");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse);
	VCHECK(mount("kt-fuse", "/dev", "fuse", MS_NOSUID | MS_NODEV, opts) == 0,
	       "mount fuse on /dev");
	rep->val[0] = 1;
	r = vm_create(kfd);
	rep->val[1] = r < 0 ? -errno : 1;
	rep->val[2] = 1;
	/* the FUSE connection stays open and uninitialised until the test ends */
	for (;;)
		pause();
}

/* Another user's requests: an nlctrl lookup (kiste_nl_open) and a GET. */
static void nl_prober(uint32_t id)
{
	struct kiste_sandbox_info info;
	struct kiste_nl *nl;

	rep->val[4] = kiste_nl_open(&nl, NULL);
	if (rep->val[4] == 0) {
		rep->val[5] = kiste_sandbox_get(nl, id, NULL, &info, NULL);
		kiste_nl_close(nl);
	}
	rep->val[6] = 1;
}

TEST_F_TIMEOUT(attack, fuse_dev_does_not_hang_netlink, 120)
{
	int status, pstatus, ret;
	pid_t pid, probe;
	uint64_t end;
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	if (access("/dev/fuse", F_OK))
		SKIP(return, "no /dev/fuse in this VM (fuse not loaded or not built)");
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid == 0) {
		child_fuse_dev(id);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	end = kt_now_ms() + 30000;
	while (!rep->val[0] && !kt_pid_gone(pid) && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	ASSERT_EQ(1, rep->val[0]) TH_LOG("line %d: %s (errno %d)", rep->line, rep->what, rep->err);
	/* time for VM_CREATE to reach its path walk */
	kt_sleep_ms(1000);
	probe = fork();
	if (probe == 0) {
		nl_prober(id);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, probe);
	ret = kt_wait_pid(probe, &pstatus, 15000);
	EXPECT_EQ(0, ret) TH_LOG("generic netlink hung while VM_CREATE waited on FUSE");
	if (ret) {
		/* the FUSE wait is killable: this frees the lock and the prober */
		kill(pid, SIGKILL);
		kt_wait_pid(probe, &pstatus, 30000);
	}
	EXPECT_EQ(0, rep->val[4]);
	EXPECT_EQ(0, rep->val[5]);
	end = kt_now_ms() + 15000;
	while (!rep->val[2] && !kt_pid_gone(pid) && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	EXPECT_EQ(1, rep->val[2]) TH_LOG("VM_CREATE did not return");
	EXPECT_EQ(1, rep->val[1]) TH_LOG("VM_CREATE with FUSE on /dev: %ld", rep->val[1]);
	kill(pid, SIGKILL);
	EXPECT_EQ(0, kt_wait_pid(pid, &status, 30000));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/* Finding 19: slot sizes that wrap the sum around must not pass the limit. */
static void child_wrap(uint32_t id)
{
	int kfd = vmm_join(id), vmfd, r;
	void *mem = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);

	VCHECK(mem != MAP_FAILED, "mmap guest memory");
	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE");
	VCHECK(set_region(vmfd, 0, 0, 4 * MIB, mem) == 0, "4M in slot 0");
	r = set_region(vmfd, 1, 1ULL << 32, 0ULL - 4 * MIB + 4096, mem);
	VCHECK(r < 0 && errno == E2BIG, "a slot that wraps the sum must be E2BIG (got %d)", r);
	r = set_region(vmfd, 1, 1ULL << 32, 0ULL - 4096, mem);
	VCHECK(r < 0 && errno == E2BIG, "a slot of 2^64 - 4096 must be E2BIG (got %d)", r);
	VCHECK(set_region(vmfd, 0, 0, 0, mem) == 0, "delete slot 0");
	VCHECK(set_region(vmfd, 0, 0, 4 * MIB, mem) == 0, "4M in slot 0 again");
}

TEST_F_TIMEOUT(attack, slot_sizes_cannot_wrap, 120)
{
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_wrap, id));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

/*
 * Finding 19: the VM descriptor was installed before the VM was published;
 * a VM_CREATE whose reply cannot be written must leave nothing behind: no
 * descriptor, no VM, no VM_CREATED event.
 */
static void child_efault(uint32_t id)
{
	int kfd = vmm_join(id), r, vmfd;
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	VCHECK(ro != MAP_FAILED, "mmap a read-only request");
	r = ioctl(kfd, KISTE_IOC_VM_CREATE, ro);
	VCHECK(r < 0 && errno == EFAULT, "VM_CREATE with a read-only request must be EFAULT");
	VCHECK(!fd_table_has("kiste-vm") && !fd_table_has("kvm-vm"),
	       "a descriptor was left behind");
	vmfd = vm_create(kfd);
	VCHECK(vmfd >= 0, "VM_CREATE after the EFAULT one");
	close(vmfd);
}

TEST_F_TIMEOUT(attack, efault_publishes_nothing, 120)
{
	struct kiste_err err = { 0 };
	struct kiste_event ev;
	int created = 0, destroyed = 0;
	uint64_t end;
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kiste_events_subscribe(self->fix.nl, &err)) TH_LOG("%s", err.msg);
	id = kt_vm_sandbox(_metadata, &self->fix, KISTE_MODE_VM, 4 * MIB, 1);
	EXPECT_EQ(0, run_child(_metadata, &self->fix, child_efault, id));
	end = kt_now_ms() + 3000;
	while (kt_now_ms() < end && destroyed < 2) {
		if (kiste_events_next(self->fix.nl, &ev, 500, NULL) != 0 || ev.id != id)
			continue;
		created += ev.type == KISTE_EVENT_VM_CREATED;
		destroyed += ev.type == KISTE_EVENT_VM_DESTROYED;
	}
	EXPECT_EQ(1, created);
	EXPECT_EQ(1, destroyed);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

KT_HARNESS_MAIN
