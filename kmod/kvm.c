// SPDX-License-Identifier: GPL-2.0
/* kvm.c - the KVM broker: a module-owned VM descriptor that enforces sandbox limits. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "kiste.h"
#include "broker.h"

/*
 * Lifetime: the broker's VM file and every vCPU file hold the kiste_vm; the
 * sandbox points at it (sb->vm, under sb->vm_lock, a spinlock that netlink
 * may take) from publication until the last of them is released, so the
 * sandbox's limits and its one-VM slot last exactly as long as anything can
 * reach the VM.  Deleting the sandbox kills the VM (KVM's vm_dead) so that
 * no call reaches it afterwards.
 */

void kiste_vm_get(struct kiste_vm *vm)
{
	refcount_inc(&vm->ref);
}

/* Dead: the sandbox is being deleted, or the VM was killed. */
bool kiste_vm_dead(const struct kiste_vm *vm)
{
	return READ_ONCE(vm->sb->dying) || READ_ONCE(vm->kvm->vm_dead);
}

/* As kvm_vm_dead(): every vCPU leaves guest mode and every call fails (EIO). */
static void kiste_vm_kill_one(struct kiste_vm *vm)
{
	WRITE_ONCE(vm->kvm->vm_dead, true);
	vm->cpus_request(vm->kvm, KVM_REQ_VM_DEAD);
}

/* VM exits of all vCPUs; @vm's KVM file is still held. */
static u64 kiste_vm_exits(struct kiste_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 n = 0;

	kvm_for_each_vcpu(i, vcpu, vm->kvm)
		n += READ_ONCE(vcpu->stat.exits);
	return n;
}

/* Before publication, or after the last put. */
static void kiste_vm_free(struct kiste_vm *vm)
{
	if (vm->cpus_request)
		symbol_put(kvm_make_all_cpus_request);
	if (vm->set_region)
		symbol_put(kvm_set_memory_region);
	xa_destroy(&vm->slots);
	mutex_destroy(&vm->lock);
	kfree(vm);
}

/* The last file that reached the VM is gone: so is the VM, and its slot. */
void kiste_vm_put(struct kiste_vm *vm)
{
	struct kiste_sandbox *sb = vm->sb;

	if (!refcount_dec_and_test(&vm->ref))
		return;
	spin_lock(&sb->vm_lock);
	sb->vm_exits_done += kiste_vm_exits(vm);
	sb->vm = NULL;
	spin_unlock(&sb->vm_lock);

	kiste_event_pid(KISTE_EVENT_VM_DESTROYED, sb, 0);
	fput(vm->vm_file);
	kiste_vm_free(vm);
	kiste_sandbox_put(sb);
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

	mutex_lock(&vm->lock);
	entry = xa_load(&vm->slots, r.slot);
	old = entry ? (u64)xa_to_value(entry) << PAGE_SHIFT : 0;
	limit = vm->sb->memory_limit;
	/* a sum that wraps around is over any limit */
	if (check_add_overflow(vm->mem_total - old, r.memory_size, &total) ||
	    (limit && total > limit)) {
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
	WRITE_ONCE(vm->mem_total, total);
out_unlock:
	mutex_unlock(&vm->lock);
	return err;
}

static long kiste_vm_forward(struct file *target, unsigned int cmd,
			     unsigned long arg)
{
	if (!target->f_op->unlocked_ioctl)
		return -ENOTTY;
	return target->f_op->unlocked_ioctl(target, cmd, arg);
}

static long kiste_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct kiste_vm *vm = file->private_data;

	if (kiste_vm_dead(vm))
		return -EIO;
	switch (cmd) {
	case KVM_SET_USER_MEMORY_REGION:
		return kiste_vm_set_region(vm, (void __user *)arg);
	case KVM_CREATE_VCPU:
		return kiste_vcpu_create(vm, arg);
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
		return kiste_kvm_sys_ioctl(cmd, arg);
	default:
		return -EPERM;
	}
}

static int kiste_vm_release(struct inode *inode, struct file *file)
{
	kiste_vm_put(file->private_data);
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
 * Whether a process outside the caller's thread group runs on the caller's
 * mm (a CLONE_VM sibling, a vfork parent's other threads): KVM ties the VM
 * to the mm, so such a process, member or not, could drive the VM.
 */
static bool kiste_mm_shared(struct mm_struct *mm)
{
	struct task_struct *p, *t;
	bool shared = false;

	/* the caller is single-threaded: one user is the caller itself */
	if (atomic_read(&mm->mm_users) <= 1)
		return false;
	rcu_read_lock();
	for_each_process(p) {
		if ((p->flags & PF_KTHREAD) || same_thread_group(p, current))
			continue;
		for_each_thread(p, t) {
			struct mm_struct *t_mm = READ_ONCE(t->mm);

			if (t_mm) {
				shared = t_mm == mm;
				break;
			}
		}
		if (shared)
			break;
	}
	rcu_read_unlock();
	return shared;
}

/*
 * The caller's own rules: one thread, its own descriptor table and mm,
 * non-dumpable (nobody from outside may take the broker's descriptor).
 * Only the caller can add a sharer of its mm afterwards, and what it
 * forks is a member.
 */
static int kiste_vm_caller_ok(void)
{
	if (!thread_group_empty(current) ||
	    atomic_read(&current->files->count) != 1 ||
	    kiste_mm_shared(current->mm))
		return -EBUSY;
	if (get_dumpable(current->mm) != SUID_DUMP_DISABLE)
		return -EPERM;
	return 0;
}

/* Takes @sb's one-VM slot for a VM being made. */
static int kiste_vm_reserve(struct kiste_sandbox *sb)
{
	int err = 0;

	spin_lock(&sb->vm_lock);
	if (READ_ONCE(sb->dying))
		err = -ESRCH;
	else if (sb->vm || sb->vm_busy)
		err = -EBUSY;
	else
		sb->vm_busy = true;
	spin_unlock(&sb->vm_lock);
	return err;
}

static void kiste_vm_unreserve(struct kiste_sandbox *sb)
{
	spin_lock(&sb->vm_lock);
	sb->vm_busy = false;
	spin_unlock(&sb->vm_lock);
}

/* From here on the VM is @sb's; a delete that came first kills it. */
static void kiste_vm_publish(struct kiste_sandbox *sb, struct kiste_vm *vm)
{
	bool dying;

	spin_lock(&sb->vm_lock);
	sb->vm = vm;
	sb->vm_busy = false;
	dying = READ_ONCE(sb->dying);
	spin_unlock(&sb->vm_lock);
	if (dying)
		kiste_vm_kill_one(vm);
}

static struct kiste_vm *kiste_vm_alloc(struct kiste_sandbox *sb)
{
	struct kiste_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	refcount_set(&vm->ref, 1);
	mutex_init(&vm->lock);
	xa_init(&vm->slots);
	vm->sb = sb;
	vm->set_region = symbol_get(kvm_set_memory_region);
	vm->cpus_request = symbol_get(kvm_make_all_cpus_request);
	if (!vm->set_region || !vm->cpus_request) {
		kiste_vm_free(vm);
		return ERR_PTR(-ENODEV);
	}
	return vm;
}

/* KVM's VM, made off the caller's table; checked to be one. */
static struct file *kiste_vm_make(u32 type)
{
	kiste_file_is_kvm_fn is_kvm;
	struct file *file;
	bool ok;

	is_kvm = symbol_get(file_is_kvm);
	if (!is_kvm)
		return ERR_PTR(-ENODEV);
	file = kiste_kvm_call(NULL, KVM_CREATE_VM, type);
	ok = !IS_ERR(file) && is_kvm(file);
	symbol_put(file_is_kvm);
	if (IS_ERR(file) || ok)
		return file;
	fput(file);
	return ERR_PTR(-EIO);
}

/*
 * Makes the VM and its file; the reply is written before anything is
 * published, and the descriptor is installed last, so a caller that gets an
 * error has no VM, no descriptor and no event.
 */
static int kiste_vm_setup(struct kiste_sandbox *sb,
			  struct kiste_ioc_vm_create *req, void __user *argp)
{
	struct kiste_vm *vm;
	struct file *file;
	int fd, err;

	vm = kiste_vm_alloc(sb);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	vm->vm_file = kiste_vm_make(req->type);
	if (IS_ERR(vm->vm_file)) {
		err = PTR_ERR(vm->vm_file);
		goto out_fd;
	}
	vm->kvm = vm->vm_file->private_data;
	req->vm_fd = fd;
	err = -EFAULT;
	if (copy_to_user(argp, req, sizeof(*req)))
		goto out_vm;
	file = anon_inode_getfile("kiste-vm", &kiste_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_vm;
	}
	/* the file owns @vm and the caller's sandbox reference from here on */
	kiste_vm_publish(sb, vm);
	kiste_event_pid(KISTE_EVENT_VM_CREATED, sb, task_pid_nr(current));
	fd_install(fd, file);
	return fd;

out_vm:
	fput(vm->vm_file);
out_fd:
	put_unused_fd(fd);
out_free:
	kiste_vm_free(vm);
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
	long err;

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
	err = kiste_vm_reserve(sb);
	if (err)
		goto out_put;
	err = kiste_vm_setup(sb, &req, argp);
	if (err < 0)
		goto out_unreserve;
	return err;

out_unreserve:
	kiste_vm_unreserve(sb);
out_put:
	kiste_sandbox_put(sb);
	return err;
}

/* VM statistics of @sb for a reply; takes only a spinlock. */
void kiste_vm_snapshot(struct kiste_sandbox *sb, struct kiste_sandbox_snap *snap)
{
	struct kiste_vm *vm;

	spin_lock(&sb->vm_lock);
	snap->vm_exits = sb->vm_exits_done;
	vm = sb->vm;
	if (vm) {
		snap->vm_count = 1;
		snap->vm_memory = READ_ONCE(vm->mem_total);
		snap->vm_vcpus = READ_ONCE(vm->nr_vcpus);
		snap->vm_exits += kiste_vm_exits(vm);
	}
	spin_unlock(&sb->vm_lock);
}

/* Sandbox delete: @sb's VM, if any, is over, whoever still holds it. */
void kiste_vm_kill(struct kiste_sandbox *sb)
{
	struct kiste_vm *vm;

	spin_lock(&sb->vm_lock);
	vm = sb->vm;
	if (vm && !refcount_inc_not_zero(&vm->ref))
		vm = NULL;
	spin_unlock(&sb->vm_lock);
	if (!vm)
		return;
	kiste_vm_kill_one(vm);
	kiste_vm_put(vm);
}

void kiste_kvm_exit(void)
{
	kiste_kvm_release();
}
