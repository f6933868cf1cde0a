/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_kvm.h - the one KVM layer under both VMMs: /dev/kvm or kiste.ko's broker, VM, vCPU, x86 setup. */
#ifndef KISTE_KVM_H
#define KISTE_KVM_H

#include <stdbool.h>
#include <stdint.h>

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


/*
 * Guest-physical layout below 1 MiB that this file owns: page tables and the
 * GDT.  Callers may use [VMM_LOW_FREE, 1 MiB).
 */
#define VMM_PML4     0x1000ULL
#define VMM_PDPT     0x2000ULL
#define VMM_PD	     0x3000ULL
#define VMM_GDT	     0x4000ULL
#define VMM_LOW_FREE 0x5000ULL

struct vmm_kvm {
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem; /* host address of guest-physical 0 */
	uint64_t mem_size;
};

/* Creates the VM with @mem_size bytes (<= 1 GiB, identity-mapped with 2 MiB pages). */
int vmm_kvm_create(int kvm_fd, uint64_t mem_size, struct vmm_kvm *vm, struct kiste_err *err);
/*
 * The same on a VM descriptor that also answers the system ioctls (kiste.ko's
 * KVM broker, KISTE_IOC_VM_CREATE); vm->vm_fd becomes @vm_fd.  Pass @vm_fd as
 * the kvm_fd of vmm_kvm_enter_long_mode() too.
 */
int vmm_kvm_create_on(int vm_fd, uint64_t mem_size, struct vmm_kvm *vm, struct kiste_err *err);
/* Puts the vCPU in 64-bit mode at @rip with @rsp and @rdi; interrupts off. */
int vmm_kvm_enter_long_mode(struct vmm_kvm *vm, int kvm_fd, uint64_t rip, uint64_t rsp,
			    uint64_t rdi, struct kiste_err *err);

/* Called for every OUT; returns 0 to continue, < 0 to stop with @err set. */
typedef int (*vmm_kvm_out_fn)(void *ctx, uint16_t port, uint32_t value, struct kiste_err *err);

/* Runs until @out stops it or the guest fails (-EFAULT: crash; -EIO: KVM failure). */
int vmm_kvm_run(struct vmm_kvm *vm, vmm_kvm_out_fn out, void *ctx, struct kiste_err *err);

/* Host pointer for guest range [gpa, gpa + len), NULL when outside guest memory. */
void *vmm_kvm_gpa(const struct vmm_kvm *vm, uint64_t gpa, uint64_t len);

#endif /* KISTE_KVM_H */
