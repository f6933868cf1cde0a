/* SPDX-License-Identifier: GPL-2.0 */
/* broker.h - internal interfaces of the KVM broker (kvm.c, kvm_vcpu.c, kvm_call.c). */
#ifndef _KISTE_BROKER_H
#define _KISTE_BROKER_H

#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct kiste_sandbox;

typedef int (*kiste_set_region_fn)(struct kvm *kvm,
				   const struct kvm_userspace_memory_region *mem);
typedef bool (*kiste_cpus_request_fn)(struct kvm *kvm, unsigned int req);
typedef bool (*kiste_file_is_kvm_fn)(struct file *file);

/**
 * struct kiste_vm - one brokered VM
 * @ref: one per module file that reaches the VM: the broker's VM file and
 *	every vCPU file.  KVM's own files are held only by these, so the last
 *	put is the end of the VM object, and of its place in the sandbox.
 * @sb: the sandbox it counts against (referenced)
 * @vm_file: KVM's VM file; in no descriptor table
 * @kvm: @vm_file's VM
 * @set_region: kvm_set_memory_region(), held with symbol_get()
 * @cpus_request: kvm_make_all_cpus_request(), held with symbol_get()
 * @lock: serializes slot changes and vCPU creation; taken only by callers
 *	that hold one of the VM's files, never while answering netlink
 * @slots: slot id -> size in pages
 * @mem_total: bytes in all slots (written under @lock, read locklessly)
 * @nr_vcpus: vCPUs created (written under @lock, read locklessly)
 */
struct kiste_vm {
	refcount_t ref;
	struct kiste_sandbox *sb;
	struct file *vm_file;
	struct kvm *kvm;
	kiste_set_region_fn set_region;
	kiste_cpus_request_fn cpus_request;
	struct mutex lock;		/* @slots, @mem_total, @nr_vcpus */
	struct xarray slots;
	u64 mem_total;
	u32 nr_vcpus;
};

/* kvm.c */
void kiste_vm_get(struct kiste_vm *vm);
void kiste_vm_put(struct kiste_vm *vm);
bool kiste_vm_dead(const struct kiste_vm *vm);

/* kvm_vcpu.c */
long kiste_vcpu_create(struct kiste_vm *vm, unsigned long id);

/* kvm_call.c */
struct file *kiste_kvm_call(struct file *target, unsigned int cmd,
			    unsigned long arg);
long kiste_kvm_sys_ioctl(unsigned int cmd, unsigned long arg);
void kiste_kvm_release(void);

#endif /* _KISTE_BROKER_H */
