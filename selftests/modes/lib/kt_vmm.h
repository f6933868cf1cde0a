/* SPDX-License-Identifier: GPL-2.0 */
/* kt_vmm.h - VMM children for the KVM broker suites: reports, joining, broker and KVM calls (needs the harness). */
#ifndef KT_VMM_H
#define KT_VMM_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kt_fixture.h"

#define MIB (1024ULL * 1024)

/* What a VMM child found, for the parent's log; in shared memory. */
struct vmm_report {
	int line;
	int err;
	int io_value;
	char what[160];
	long val[8];
};

/* Each suite is one file: this is its own report page. */
static struct vmm_report *rep;

#define VCHECK(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			rep->line = __LINE__;                                                      \
			rep->err = errno;                                                          \
			snprintf(rep->what, sizeof(rep->what), __VA_ARGS__);                       \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

static inline bool kt_have_kvm(void)
{
	return access("/dev/kvm", F_OK) == 0;
}

static inline uint32_t kt_vm_sandbox(struct __test_metadata *_metadata, struct kt_fix *f,
				     uint32_t mode, uint64_t memory, uint32_t cpus)
{
	struct kiste_sandbox_spec spec = { .mode = mode, .memory_limit = memory,
					   .vcpu_limit = cpus };
	struct kiste_err err = { 0 };
	uint32_t id = 0;

	EXPECT_EQ(0, kiste_sandbox_new(f->nl, &spec, &id, &err)) TH_LOG("new: %s", err.msg);
	kt_fix_track_id(f, id);
	return id;
}

/* In a child: open /dev/kiste, attach to @id, become non-dumpable. */
static inline int vmm_join(uint32_t id)
{
	struct kiste_ioc_attach a = { .id = id };
	int fd = open("/dev/kiste", O_RDWR | O_CLOEXEC);

	VCHECK(fd >= 0, "open /dev/kiste");
	VCHECK(ioctl(fd, KISTE_IOC_ATTACH, &a) == 0, "attach");
	VCHECK(prctl(PR_SET_DUMPABLE, 0) == 0, "PR_SET_DUMPABLE");
	return fd;
}

static inline int vm_create(int kfd)
{
	struct kiste_ioc_vm_create c = { 0 };

	return ioctl(kfd, KISTE_IOC_VM_CREATE, &c);
}

static inline int set_region(int vmfd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* True if a descriptor of the calling process links to something containing @target. */
static inline bool fd_table_has(const char *target)
{
	char path[64], link[256];
	bool found = false;
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (strstr(link, target))
			found = true;
	}
	return found;
}

/* Forks a VMM child running @fn; returns its wait status (or -1). */
static inline int run_child(struct __test_metadata *_metadata, struct kt_fix *f,
			    void (*fn)(uint32_t), uint32_t id)
{
	int status = -1;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	pid = fork();
	if (pid == 0) {
		fn(id);
		_exit(0);
	}
	kt_fix_track_pid(f, pid);
	EXPECT_EQ(0, kt_wait_pid(pid, &status, 60000));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		TH_LOG("vmm child: status 0x%x, line %d: %s (errno %d)", status, rep->line,
		       rep->what, rep->err);
	return status;
}

/* Polls GET until the sandbox reports @want live VMs. */
static inline int wait_vm(struct kiste_nl *nl, uint32_t id, uint32_t want, int timeout_ms)
{
	struct kiste_sandbox_info info;
	uint64_t end = kt_now_ms() + timeout_ms;

	do {
		if (kiste_sandbox_get(nl, id, NULL, &info, NULL) == 0 && info.vm_count == want)
			return 0;
		kt_sleep_ms(KT_STEP_MS);
	} while (kt_now_ms() < end);
	return -ETIMEDOUT;
}

#endif /* KT_VMM_H */
