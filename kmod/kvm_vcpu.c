// SPDX-License-Identifier: GPL-2.0
/* kvm_vcpu.c - the broker's vCPU descriptors: KVM's vCPU behind a module file that holds the VM. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kiste.h"
#include "broker.h"

/*
 * A vCPU descriptor of KVM's own holds the VM: with one, a VMM could close
 * the broker's VM descriptor and keep running a VM the sandbox no longer
 * counts.  So the VMM gets a module file per vCPU that holds KVM's vCPU file
 * and a reference on the brokered VM, and serves the kvm_run mappings
 * itself, so that a mapping holds the module file too.  The VM is over when
 * the last of these files goes.
 */
struct kiste_vcpu {
	struct kiste_vm *vm;		/* referenced */
	struct file *vcpu_file;		/* KVM's; in no descriptor table */
	struct kvm_vcpu *vcpu;
};

/* The pages KVM_GET_VCPU_MMAP_SIZE covers on x86 (no dirty ring here). */
#define KISTE_VCPU_PAGES	(KVM_COALESCED_MMIO_PAGE_OFFSET + 1)

static long kiste_vcpu_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct kiste_vcpu *kv = file->private_data;

	/* a statistics descriptor would hold the VM past the broker's files */
	if (cmd == KVM_GET_STATS_FD)
		return -EPERM;
	return kv->vcpu_file->f_op->unlocked_ioctl(kv->vcpu_file, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long kiste_vcpu_compat_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	struct kiste_vcpu *kv = file->private_data;

	if (cmd == KVM_GET_STATS_FD)
		return -EPERM;
	if (!kv->vcpu_file->f_op->compat_ioctl)
		return -ENOTTY;
	return kv->vcpu_file->f_op->compat_ioctl(kv->vcpu_file, cmd, arg);
}
#endif

/* As kvm_vcpu_fault(), for the pages a VM without a dirty ring has. */
static vm_fault_t kiste_vcpu_fault(struct vm_fault *vmf)
{
	struct kiste_vcpu *kv = vmf->vma->vm_file->private_data;
	struct kvm_vcpu *vcpu = kv->vcpu;
	struct page *page;

	switch (vmf->pgoff) {
	case 0:
		page = virt_to_page(vcpu->run);
		break;
	case KVM_PIO_PAGE_OFFSET:
		page = virt_to_page(vcpu->arch.pio_data);
		break;
	case KVM_COALESCED_MMIO_PAGE_OFFSET:
		page = virt_to_page(vcpu->kvm->coalesced_mmio_ring);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kiste_vcpu_vm_ops = {
	.fault = kiste_vcpu_fault,
};

static int kiste_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff >= KISTE_VCPU_PAGES ||
	    vma_pages(vma) > KISTE_VCPU_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &kiste_vcpu_vm_ops;
	return 0;
}

static int kiste_vcpu_release(struct inode *inode, struct file *file)
{
	struct kiste_vcpu *kv = file->private_data;

	fput(kv->vcpu_file);
	kiste_vm_put(kv->vm);
	kfree(kv);
	return 0;
}

static const struct file_operations kiste_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = kiste_vcpu_release,
	.unlocked_ioctl = kiste_vcpu_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = kiste_vcpu_compat_ioctl,
#endif
	.mmap = kiste_vcpu_mmap,
	.llseek = noop_llseek,
};

/* KVM's file for a vCPU of @kvm, as create_vcpu_fd() names it. */
static bool kiste_is_vcpu_file(struct file *file, struct kvm *kvm)
{
	struct kvm_vcpu *vcpu = file->private_data;

	return !strncmp(file->f_path.dentry->d_name.name, "kvm-vcpu:", 9) &&
	       vcpu && vcpu->kvm == kvm;
}

/* A vCPU of KVM's made off the caller's table, under vm->lock. */
static struct file *kiste_vcpu_make(struct kiste_vm *vm, unsigned long id)
{
	struct file *vcpu_file;

	vcpu_file = kiste_kvm_call(vm->vm_file, KVM_CREATE_VCPU, id);
	if (IS_ERR(vcpu_file))
		return vcpu_file;
	/* it exists in the VM now, whatever happens to its descriptor */
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	if (!kiste_is_vcpu_file(vcpu_file, vm->kvm)) {
		fput(vcpu_file);
		return ERR_PTR(-EIO);
	}
	return vcpu_file;
}

/**
 * kiste_vcpu_create() - KVM_CREATE_VCPU through the broker
 * @vm: the brokered VM, reached through one of its files
 * @id: the vCPU id
 *
 * Return: a new descriptor (O_CLOEXEC) of a module vCPU file, or a negative
 * errno: E2BIG at the sandbox's vCPU limit, EIO from another mm.
 */
long kiste_vcpu_create(struct kiste_vm *vm, unsigned long id)
{
	u32 limit = vm->sb->vcpu_limit;
	struct kiste_vcpu *kv;
	struct file *file;
	long err;
	int fd;

	if (vm->kvm->mm != current->mm)
		return -EIO;
	mutex_lock(&vm->lock);
	err = -E2BIG;
	if (limit && vm->nr_vcpus >= limit)
		goto out_unlock;
	err = -ENOMEM;
	kv = kzalloc(sizeof(*kv), GFP_KERNEL_ACCOUNT);
	if (!kv)
		goto out_unlock;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	kv->vcpu_file = kiste_vcpu_make(vm, id);
	if (IS_ERR(kv->vcpu_file)) {
		err = PTR_ERR(kv->vcpu_file);
		goto out_fd;
	}
	kv->vcpu = kv->vcpu_file->private_data;
	kv->vm = vm;
	file = anon_inode_getfile("kiste-vcpu", &kiste_vcpu_fops, kv, O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_vcpu;
	}
	kiste_vm_get(vm);
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;

out_vcpu:
	fput(kv->vcpu_file);
out_fd:
	put_unused_fd(fd);
out_free:
	kfree(kv);
out_unlock:
	mutex_unlock(&vm->lock);
	return err;
}
