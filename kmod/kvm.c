// SPDX-License-Identifier: GPL-2.0
/* kvm.c - the KVM broker: a module-owned VM descriptor that enforces sandbox limits. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/sched/coredump.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "kiste.h"

/* The credentials /dev/kvm is opened with: the module's, not the caller's. */
static const struct cred *kiste_kvm_cred;

typedef int (*kiste_set_region_fn)(struct kvm *kvm,
				   const struct kvm_userspace_memory_region *mem);

/**
 * struct kiste_vm - one brokered VM
 * @sb: the sandbox it counts against (referenced)
 * @kvm_dev: /dev/kvm, for the system ioctls the broker answers
 * @vm_file: KVM's VM file; it is in no descriptor table
 * @kvm: @vm_file's VM
 * @set_region: kvm_set_memory_region(), held with symbol_get()
 * @lock: serializes slot changes and vCPU creation
 * @slots: slot id -> size in pages
 * @mem_total: bytes in all slots
 * @nr_vcpus: vCPUs created
 */
struct kiste_vm {
	struct kiste_sandbox *sb;
	struct file *kvm_dev;
	struct file *vm_file;
	struct kvm *kvm;
	kiste_set_region_fn set_region;
	struct mutex lock;		/* @slots, @mem_total, @nr_vcpus */
	struct xarray slots;
	u64 mem_total;
	u32 nr_vcpus;
};

/*
 * Opens the KVM device with the module's credentials, after checking that
 * the node really is KVM's (the path is resolved in the caller's namespace).
 */
static struct file *kiste_kvm_open(void)
{
	struct inode *inode;
	struct file *file;
	struct path path;

	if (kern_path("/dev/kvm", LOOKUP_FOLLOW, &path))
		return ERR_PTR(-ENODEV);
	inode = d_backing_inode(path.dentry);
	if (!S_ISCHR(inode->i_mode) ||
	    inode->i_rdev != MKDEV(MISC_MAJOR, KVM_MINOR)) {
		path_put(&path);
		return ERR_PTR(-ENODEV);
	}
	file = dentry_open(&path, O_RDWR | O_CLOEXEC, kiste_kvm_cred);
	path_put(&path);
	return file;
}

static long kiste_vm_forward(struct file *target, unsigned int cmd,
			     unsigned long arg)
{
	if (!target->f_op->unlocked_ioctl)
		return -ENOTTY;
	return target->f_op->unlocked_ioctl(target, cmd, arg);
}

/* Applied from a kernel copy: KVM never reads the caller's struct again. */
static long kiste_vm_set_region(struct kiste_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region r;
	u64 old, total, limit, pages;
	void *entry;
	long err;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (vm->kvm->mm != current->mm)
		return -EIO;
	if ((u16)r.slot >= KVM_USER_MEM_SLOTS || r.memory_size & ~PAGE_MASK)
		return -EINVAL;
	pages = r.memory_size >> PAGE_SHIFT;
	if (pages > (LONG_MAX >> 1))
		return -EINVAL;

	mutex_lock(&vm->lock);
	entry = xa_load(&vm->slots, r.slot);
	old = entry ? (u64)xa_to_value(entry) << PAGE_SHIFT : 0;
	total = vm->mem_total - old + r.memory_size;
	limit = vm->sb->memory_limit;
	if (limit && total > limit) {
		err = -E2BIG;
		goto out_unlock;
	}
	if (pages && !entry) {
		err = xa_reserve(&vm->slots, r.slot, GFP_KERNEL);
		if (err)
			goto out_unlock;
	}
	err = vm->set_region(vm->kvm, &r);
	if (err) {
		if (pages && !entry)
			xa_release(&vm->slots, r.slot);
		goto out_unlock;
	}
	if (pages)
		xa_store(&vm->slots, r.slot, xa_mk_value(pages), GFP_KERNEL);
	else
		xa_erase(&vm->slots, r.slot);
	vm->mem_total = total;
out_unlock:
	mutex_unlock(&vm->lock);
	return err;
}

static long kiste_vm_create_vcpu(struct kiste_vm *vm, unsigned long arg)
{
	u32 limit = vm->sb->vcpu_limit;
	long ret;

	mutex_lock(&vm->lock);
	if (limit && vm->nr_vcpus >= limit) {
		ret = -E2BIG;
	} else {
		ret = kiste_vm_forward(vm->vm_file, KVM_CREATE_VCPU, arg);
		if (ret >= 0)
			vm->nr_vcpus++;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static long kiste_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kiste_vm *vm = file->private_data;

	switch (cmd) {
	case KVM_SET_USER_MEMORY_REGION:
		return kiste_vm_set_region(vm, (void __user *)arg);
	case KVM_CREATE_VCPU:
		return kiste_vm_create_vcpu(vm, arg);
	case KVM_CREATE_IRQCHIP:
	case KVM_CREATE_PIT2:
	case KVM_SET_TSS_ADDR:
	case KVM_SET_IDENTITY_MAP_ADDR:
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_IOEVENTFD:
	case KVM_IRQFD:
	case KVM_SET_GSI_ROUTING:
	case KVM_CHECK_EXTENSION:
		return kiste_vm_forward(vm->vm_file, cmd, arg);
	case KVM_GET_API_VERSION:
	case KVM_GET_VCPU_MMAP_SIZE:
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_MSR_INDEX_LIST:
		return kiste_vm_forward(vm->kvm_dev, cmd, arg);
	default:
		return -EPERM;
	}
}

/* Called with sb->vm_lock held, so the VM cannot go away. */
static u64 kiste_vm_exits(struct kiste_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 n = 0;

	kvm_for_each_vcpu(i, vcpu, vm->kvm)
		n += READ_ONCE(vcpu->stat.exits);
	return n;
}

static int kiste_vm_release(struct inode *inode, struct file *file)
{
	struct kiste_vm *vm = file->private_data;
	struct kiste_sandbox *sb = vm->sb;

	mutex_lock(&sb->vm_lock);
	sb->vm_exits_done += kiste_vm_exits(vm);
	sb->vm = NULL;
	mutex_unlock(&sb->vm_lock);

	kiste_event_pid(KISTE_EVENT_VM_DESTROYED, sb, 0);
	fput(vm->vm_file);
	fput(vm->kvm_dev);
	symbol_put(kvm_set_memory_region);
	xa_destroy(&vm->slots);
	mutex_destroy(&vm->lock);
	kfree(vm);
	kiste_sandbox_put(sb);
	return 0;
}

static const struct file_operations kiste_vm_fops = {
	.owner = THIS_MODULE,
	.release = kiste_vm_release,
	.unlocked_ioctl = kiste_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * KVM installs its VM descriptor in the caller's table; nothing else may
 * reach it before it is taken back: no other thread, no shared table, and
 * no pidfd_getfd() or ptrace from outside (non-dumpable).
 */
static int kiste_vm_caller_ok(void)
{
	if (!thread_group_empty(current) ||
	    atomic_read(&current->files->count) != 1)
		return -EBUSY;
	if (get_dumpable(current->mm) != SUID_DUMP_DISABLE)
		return -EPERM;
	return 0;
}

/* Takes KVM's VM file out of the caller's table; returns it referenced. */
static struct file *kiste_vm_take(struct file *kvm_dev, u32 type)
{
	struct file *vm_file;
	long fd;

	fd = kiste_vm_forward(kvm_dev, KVM_CREATE_VM, type);
	if (fd < 0)
		return ERR_PTR(fd);
	vm_file = fget(fd);
	close_fd(fd);
	if (!vm_file)
		return ERR_PTR(-EIO);
	if (strcmp(vm_file->f_path.dentry->d_name.name, "kvm-vm")) {
		fput(vm_file);
		return ERR_PTR(-EIO);
	}
	return vm_file;
}

static int kiste_vm_setup(struct kiste_vm *vm, u32 type)
{
	int err;

	vm->kvm_dev = kiste_kvm_open();
	if (IS_ERR(vm->kvm_dev))
		return PTR_ERR(vm->kvm_dev);
	vm->vm_file = kiste_vm_take(vm->kvm_dev, type);
	if (IS_ERR(vm->vm_file)) {
		err = PTR_ERR(vm->vm_file);
		goto out_dev;
	}
	vm->kvm = vm->vm_file->private_data;
	err = anon_inode_getfd("kiste-vm", &kiste_vm_fops, vm,
			       O_RDWR | O_CLOEXEC);
	if (err < 0)
		goto out_vm;
	return err;

out_vm:
	fput(vm->vm_file);
out_dev:
	fput(vm->kvm_dev);
	return err;
}

/**
 * kiste_vm_create() - KISTE_IOC_VM_CREATE: a brokered VM for the caller's sandbox
 * @argp: struct kiste_ioc_vm_create
 *
 * Return: the new descriptor, or a negative errno.
 */
long kiste_vm_create(void __user *argp)
{
	struct kiste_ioc_vm_create req;
	struct kiste_sandbox *sb;
	struct kiste_vm *vm;
	long err;
	int fd;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved)
		return -EINVAL;
	err = kiste_vm_caller_ok();
	if (err)
		return err;
	sb = kiste_member_sandbox(current);
	if (!sb)
		return -ENOTCONN;
	err = -EOPNOTSUPP;
	if (sb->mode != KISTE_MODE_VM && sb->mode != KISTE_MODE_UNIKERNEL)
		goto out_put;
	err = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		goto out_put;
	mutex_init(&vm->lock);
	xa_init(&vm->slots);
	vm->sb = sb;
	err = -ENODEV;
	vm->set_region = symbol_get(kvm_set_memory_region);
	if (!vm->set_region)
		goto out_free;

	mutex_lock(&sb->vm_lock);
	err = -EBUSY;
	if (sb->vm)
		goto out_unlock;
	fd = kiste_vm_setup(vm, req.type);
	if (fd < 0) {
		err = fd;
		goto out_unlock;
	}
	/* from here on the file owns @vm and its sandbox reference */
	sb->vm = vm;
	mutex_unlock(&sb->vm_lock);

	kiste_event_pid(KISTE_EVENT_VM_CREATED, sb, task_pid_nr(current));
	req.vm_fd = fd;
	if (copy_to_user(argp, &req, sizeof(req))) {
		close_fd(fd);
		return -EFAULT;
	}
	return fd;

out_unlock:
	mutex_unlock(&sb->vm_lock);
	symbol_put(kvm_set_memory_region);
out_free:
	kfree(vm);
out_put:
	kiste_sandbox_put(sb);
	return err;
}

/* VM statistics of @sb for a reply; may sleep. */
void kiste_vm_snapshot(struct kiste_sandbox *sb, struct kiste_sandbox_snap *snap)
{
	mutex_lock(&sb->vm_lock);
	snap->vm_exits = sb->vm_exits_done;
	if (sb->vm) {
		snap->vm_count = 1;
		mutex_lock(&sb->vm->lock);
		snap->vm_memory = sb->vm->mem_total;
		snap->vm_vcpus = sb->vm->nr_vcpus;
		mutex_unlock(&sb->vm->lock);
		snap->vm_exits += kiste_vm_exits(sb->vm);
	}
	mutex_unlock(&sb->vm_lock);
}

int kiste_kvm_init(void)
{
	kiste_kvm_cred = prepare_kernel_cred(NULL);
	return kiste_kvm_cred ? 0 : -ENOMEM;
}

void kiste_kvm_exit(void)
{
	put_cred(kiste_kvm_cred);
}
