// SPDX-License-Identifier: GPL-2.0
// vcpu.c - vCPUs: their KVM descriptors and the run areas KVM shares with the VMM.
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kiste_kvm.h"

static int vcpu_fail(struct kiste_err *err, const char *what)
{
	return kiste_err_set(err, -errno,
			     "%s failed: %s: is KVM usable here (nested "
			     "virtualization enabled)?",
			     what, strerror(errno));
}

int kiste_kvm_vcpu_create(struct kiste_kvm *kvm, unsigned int id, int *fd, struct kvm_run **run,
			  struct kiste_err *err)
{
	int n;

	*fd = -1;
	*run = NULL;
	if (!kvm->run_size) {
		n = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
		if (n <= 0)
			return vcpu_fail(err, "KVM_GET_VCPU_MMAP_SIZE");
		kvm->run_size = n;
	}
	*fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (*fd < 0) {
		if (errno == E2BIG)
			return kiste_err_set(err, -E2BIG,
					     "the sandbox allows fewer than %u vCPUs: "
					     "lower --cpus",
					     id + 1);
		return vcpu_fail(err, "KVM_CREATE_VCPU");
	}
	*run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (*run == MAP_FAILED) {
		n = vcpu_fail(err, "vCPU mmap");
		*run = NULL;
		close(*fd);
		*fd = -1;
		return n;
	}
	return 0;
}

void kiste_kvm_vcpu_close(const struct kiste_kvm *kvm, int *fd, struct kvm_run **run)
{
	if (*run)
		munmap(*run, kvm->run_size);
	*run = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
