/* SPDX-License-Identifier: GPL-2.0 */
/* linux_kvm.h - where the Linux VMM gets KVM from: /dev/kvm directly, or kiste.ko's broker. */
#ifndef KISTE_LINUX_KVM_H
#define KISTE_LINUX_KVM_H

#include <stdbool.h>

#include "libkiste.h"

/*
 * The whole backend interface: two descriptors.  Everything after opening
 * (memory, irqchip, vCPUs, run loop) is shared by both backends; the broker
 * answers the system-level queries on its VM descriptor, so sys_fd == vm_fd.
 */
struct linux_kvm {
	int sys_fd;		/* KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID, ... */
	int vm_fd;		/* VM ioctls */
	bool brokered;		/* true: through /dev/kiste, no /dev/kvm access needed */
};

/* Opens /dev/kvm and creates a VM. */
int linux_kvm_open_direct(struct linux_kvm *kvm, struct kiste_err *err);
/*
 * KISTE_IOC_VM_CREATE on @kiste_fd for the sandbox the caller belongs to.
 * The caller MUST still be single-threaded; this unshares the descriptor table
 * and clears the dumpable flag, as the broker requires.  -ENOTTY when the
 * loaded module has no broker.
 */
int linux_kvm_open_broker(struct linux_kvm *kvm, int kiste_fd, struct kiste_err *err);
void linux_kvm_close(struct linux_kvm *kvm);

#endif /* KISTE_LINUX_KVM_H */
