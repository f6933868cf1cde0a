// SPDX-License-Identifier: GPL-2.0
// open.c - where a VMM gets KVM: /dev/kvm, or kiste.ko's broker; the API version check, the VM.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kiste_kvm.h"

static int kvm_api_check(int fd, struct kiste_err *err)
{
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);

	if (v != KVM_API_VERSION)
		return kiste_err_set(err, -ENOTSUP,
				     "KVM speaks API version %d, not %d: update the "
				     "host kernel or kiste",
				     v, KVM_API_VERSION);
	return 0;
}

int kiste_kvm_dev_open(struct kiste_kvm *kvm, struct kiste_err *err)
{
	int ret;

	*kvm = (struct kiste_kvm)KISTE_KVM_INIT;
	kvm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0)
		return kiste_err_set(err, -errno,
				     "cannot open /dev/kvm: %s: load kvm_intel or "
				     "kvm_amd and get access to it, or load kiste.ko to broker KVM",
				     strerror(errno));
	ret = kvm_api_check(kvm->sys_fd, err);
	if (ret < 0)
		kiste_kvm_close(kvm);
	return ret;
}

int kiste_kvm_broker_open(struct kiste_kvm *kvm, int kiste_fd, struct kiste_err *err)
{
	int fd, ret;

	*kvm = (struct kiste_kvm)KISTE_KVM_INIT;
	kvm->brokered = true;
	fd = kiste_dev_vm_create(kiste_fd, 0, err);
	if (fd < 0)
		return fd;
	kvm->sys_fd = kvm->vm_fd = fd;
	ret = kvm_api_check(fd, err);
	if (ret < 0)
		kiste_kvm_close(kvm);
	return ret;
}

int kiste_kvm_vm_create(struct kiste_kvm *kvm, struct kiste_err *err)
{
	if (kvm->vm_fd >= 0)
		return 0;
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0)
		return kiste_err_set(err, -errno,
				     "KVM_CREATE_VM failed: %s: check that "
				     "virtualization (nested, in a VM) is enabled",
				     strerror(errno));
	return 0;
}

int kiste_kvm_open(struct kiste_kvm *kvm, int kiste_fd, struct kiste_err *err)
{
	int ret = kiste_fd >= 0 ? kiste_kvm_broker_open(kvm, kiste_fd, err) : -ENOTTY;

	/* No module, or a module without the broker: KVM directly (still in the sandbox). */
	if (ret == -ENOTTY) {
		if (err)
			*err = (struct kiste_err){ 0 };
		ret = kiste_kvm_dev_open(kvm, err);
		if (ret == 0)
			ret = kiste_kvm_vm_create(kvm, err);
		if (ret < 0)
			kiste_kvm_close(kvm);
	}
	return ret;
}

void kiste_kvm_sys_close(struct kiste_kvm *kvm)
{
	if (kvm->sys_fd >= 0 && kvm->sys_fd != kvm->vm_fd)
		close(kvm->sys_fd);
	kvm->sys_fd = -1;
}

void kiste_kvm_close(struct kiste_kvm *kvm)
{
	kiste_kvm_sys_close(kvm);
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	kvm->vm_fd = -1;
	if (kvm->mem)
		munmap(kvm->mem, kvm->mem_size);
	kvm->mem = NULL;
	kvm->mem_size = 0;
}
