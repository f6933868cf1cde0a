// SPDX-License-Identifier: GPL-2.0
// open.c - where a VMM gets KVM from: /dev/kvm directly, or kiste.ko's broker.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kiste_kvm.h"

static int linux_kvm_check_api(int fd, struct kiste_err *err)
{
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return kiste_err_set(err, -ENOTSUP, "KVM speaks an unknown API version: update the "
				     "host kernel or kiste");
	return 0;
}

int linux_kvm_open_direct(struct linux_kvm *kvm, struct kiste_err *err)
{
	int ret;

	*kvm = (struct linux_kvm){ .sys_fd = -1, .vm_fd = -1 };
	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0)
		return kiste_err_set(err, -errno, "cannot open /dev/kvm: %s: load kvm_intel or "
				     "kvm_amd, or load kiste.ko to broker KVM", strerror(errno));
	ret = linux_kvm_check_api(kvm->sys_fd, err);
	if (ret < 0)
		goto out_close;
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		ret = kiste_err_set(err, -errno, "KVM_CREATE_VM failed: %s: check that "
				    "virtualization is enabled", strerror(errno));
		goto out_close;
	}
	return 0;
out_close:
	close(kvm->sys_fd);
	kvm->sys_fd = -1;
	return ret;
}

int linux_kvm_open_broker(struct linux_kvm *kvm, int kiste_fd, struct kiste_err *err)
{
	struct kiste_ioc_vm_create c = { 0 };
	int ret;

	*kvm = (struct linux_kvm){ .sys_fd = -1, .vm_fd = -1, .brokered = true };
	/* The broker's preconditions: KVM's own VM fd briefly sits in our table. */
	if (unshare(CLONE_FILES) < 0)
		return kiste_err_set(err, -errno, "unshare(CLONE_FILES) failed: %s",
				     strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return kiste_err_set(err, -errno, "PR_SET_DUMPABLE failed: %s", strerror(errno));
	ret = ioctl(kiste_fd, KISTE_IOC_VM_CREATE, &c);
	if (ret < 0) {
		switch (errno) {
		case ENOTTY:
		case EINVAL:
			return kiste_err_set(err, -ENOTTY, "the loaded kiste.ko has no KVM broker: "
					     "update the module");
		case ENODEV:
			return kiste_err_set(err, -ENODEV, "kiste.ko found no KVM: load kvm_intel "
					     "or kvm_amd");
		case E2BIG:
			return kiste_err_set(err, -E2BIG, "the sandbox's limits refuse this VM: "
					     "lower --memory or --cpus");
		default:
			return kiste_err_set(err, -errno, "KISTE_IOC_VM_CREATE failed: %s",
					     strerror(errno));
		}
	}
	kvm->vm_fd = c.vm_fd >= 0 ? c.vm_fd : ret;
	kvm->sys_fd = kvm->vm_fd;
	ret = linux_kvm_check_api(kvm->sys_fd, err);
	if (ret < 0) {
		close(kvm->vm_fd);
		kvm->vm_fd = kvm->sys_fd = -1;
	}
	return ret;
}

void linux_kvm_close(struct linux_kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0 && kvm->sys_fd != kvm->vm_fd)
		close(kvm->sys_fd);
	kvm->vm_fd = kvm->sys_fd = -1;
}
