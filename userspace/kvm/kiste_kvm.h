/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_kvm.h - the one KVM layer of both VMMs: /dev/kvm or the broker, VM, RAM, vCPUs, 64-bit. */
#ifndef KISTE_KVM_H
#define KISTE_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libkiste.h"

/*
 * One VM, where it came from, and its RAM.  The broker's VM descriptor answers
 * the system ioctls as /dev/kvm would, so with it sys_fd == vm_fd.  Errors name
 * the ioctl and the fix; a caller adds its mode's context with kiste_err_prefix().
 */
struct kiste_kvm {
	int sys_fd;	 /* system ioctls: /dev/kvm, or the broker's VM; -1 once done */
	int vm_fd;	 /* VM ioctls; -1 until kiste_kvm_vm_create() */
	bool brokered;	 /* through kiste.ko: the VMM needs no access to /dev/kvm */
	size_t run_size; /* KVM_GET_VCPU_MMAP_SIZE, asked with the first vCPU */
	uint8_t *mem;	 /* guest RAM: the host address of guest-physical 0 */
	uint64_t mem_size;
};

/* clang-format off */
#define KISTE_KVM_INIT { .sys_fd = -1, .vm_fd = -1 }
/* clang-format on */

/* ---- getting KVM (open.c) ---- */

/* Opens /dev/kvm and checks its API version; no VM yet (kiste_kvm_vm_create). */
int kiste_kvm_dev_open(struct kiste_kvm *kvm, struct kiste_err *err);
/*
 * A VM from kiste.ko's broker for the sandbox the caller is attached to
 * (libkiste's kiste_dev_vm_create(), which prepares the caller: see there).
 * The caller MUST be single-threaded.  -ENOTTY: the module has no broker.
 */
int kiste_kvm_broker_open(struct kiste_kvm *kvm, int kiste_fd, struct kiste_err *err);
/*
 * A VM either way: the broker when @kiste_fd >= 0 (a module without one falls
 * back to /dev/kvm), else /dev/kvm.  kvm->brokered says which.
 */
int kiste_kvm_open(struct kiste_kvm *kvm, int kiste_fd, struct kiste_err *err);
/* KVM_CREATE_VM on /dev/kvm; nothing to do when the VM already exists (broker). */
int kiste_kvm_vm_create(struct kiste_kvm *kvm, struct kiste_err *err);
/* System ioctls are done: closes /dev/kvm (a broker's VM descriptor stays the VM). */
void kiste_kvm_sys_close(struct kiste_kvm *kvm);
/* Closes the VM and /dev/kvm and unmaps guest RAM; vCPUs are the caller's to close. */
void kiste_kvm_close(struct kiste_kvm *kvm);

/* ---- guest RAM (memory.c) ---- */

/* Back guest RAM with 2 MiB-aligned, THP-advised host memory (large guests). */
#define KISTE_KVM_MEM_HUGE 0x1

/*
 * Maps @size bytes of guest RAM (a multiple of 4 KiB) and makes it memory slot
 * 0 at guest-physical 0.  -E2BIG: the sandbox's memory limit refuses it.
 */
int kiste_kvm_mem_create(struct kiste_kvm *kvm, uint64_t size, unsigned int flags,
			 struct kiste_err *err);
/* Host pointer for guest range [gpa, gpa + len), NULL when outside guest RAM. */
void *kiste_kvm_gpa(const struct kiste_kvm *kvm, uint64_t gpa, uint64_t len);

/* ---- vCPUs (vcpu.c) ---- */

/* KVM_CREATE_VCPU @id and its mmap'ed run area.  -E2BIG: over the sandbox's vCPU limit. */
int kiste_kvm_vcpu_create(struct kiste_kvm *kvm, unsigned int id, int *fd, struct kvm_run **run,
			  struct kiste_err *err);
/* Unmaps and closes what kiste_kvm_vcpu_create() made (either may be unset: -1, NULL). */
void kiste_kvm_vcpu_close(const struct kiste_kvm *kvm, int *fd, struct kvm_run **run);

/* ---- x86 (x86_64.c) ---- */

/* KVM's supported CPUID, malloc'ed: free() it.  A guest's CPUID starts from this. */
int kiste_kvm_cpuid_get(const struct kiste_kvm *kvm, struct kvm_cpuid2 **cpuid,
			struct kiste_err *err);
/* KVM_SET_CPUID2.  EFER.LME is refused unless the CPUID set says long mode. */
int kiste_kvm_vcpu_cpuid_set(int vcpu_fd, const struct kvm_cpuid2 *cpuid, struct kiste_err *err);

#define KISTE_KVM_LM_SSE 0x1 /* CR0.MP, CR4.OSFXSR and OSXMMEXCPT: what SSE needs of an OS */
#define KISTE_KVM_LM_WP	 0x2 /* CR0.WP: read-only pages bind the guest kernel too */

/*
 * The 64-bit state a guest starts in: identity paging with 2 MiB pages, a flat
 * GDT, interrupts off.  Guests differ only in the fields here (the Linux boot
 * protocol wants __BOOT_CS 0x10 and 4 GiB mapped; the unikernel 0x08 and its RAM).
 */
struct kiste_kvm_long_mode {
	uint64_t tables;   /* CR3: the PML4, then the PDPT, then one PD per GiB */
	uint64_t map_size; /* [0, map_size) identity-mapped; 2 MiB steps, <= 512 GiB */
	uint64_t gdt;	   /* null descriptors below @cs, 64-bit code at @cs, data after */
	uint16_t cs;	   /* code selector, 8..120; data (ds es fs gs ss) is cs + 8 */
	uint32_t flags;	   /* KISTE_KVM_LM_* */
	uint64_t rip, rsp; /* registers at entry; the others are 0 but these two: */
	uint64_t rsi, rdi; /* the boot protocol's zero page, the unikernel's start info */
};

/* Writes @lm's page tables and GDT into guest RAM (-EINVAL: they overlap or do not fit). */
int kiste_kvm_long_mode_write(const struct kiste_kvm *kvm, const struct kiste_kvm_long_mode *lm,
			      struct kiste_err *err);
/* Puts @vcpu_fd in @lm's long mode at lm->rip, with tables and GDT where @lm says. */
int kiste_kvm_long_mode_enter(int vcpu_fd, const struct kiste_kvm_long_mode *lm,
			      struct kiste_err *err);

#endif /* KISTE_KVM_H */
