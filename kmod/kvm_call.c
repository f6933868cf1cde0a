// SPDX-License-Identifier: GPL-2.0
/* kvm_call.c - KVM calls that make descriptors, run where no user task's descriptor table is. */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/miscdevice.h>
#include <linux/namei.h>
#include <linux/sched/mm.h>

#include "kiste.h"
#include "broker.h"

/*
 * KVM_CREATE_VM and KVM_CREATE_VCPU always install their new descriptor in
 * current->files and tie what they make to current->mm.  Made by the caller,
 * KVM's descriptor would sit in the caller's table until taken back, where
 * whatever shares or inspects that table (a thread of the VMM, a CLONE_VM
 * sibling with pidfd_getfd()) could take it first and hold a VM or vCPU the
 * broker no longer accounts for.  So a kernel thread makes them, adopting the
 * caller's mm (kthread_use_mm) and, as vhost does for its workers, the
 * caller's cgroups and memory cgroup, so KVM's allocations and its workers
 * are charged as before.  A kernel thread's table is the kernel threads'
 * own (init_files): no user task shares it, and /proc or pidfd_getfd()
 * reach it only with full privilege over kernel threads, which could
 * open /dev/kvm anyway.
 *
 * The thread also opens /dev/kvm, once: it resolves the path from its own
 * root (the initial mount namespace's, as usermode helpers do), never from
 * the caller's, which the caller controls (FUSE on /dev could hold the
 * lookup forever).  The open uses the kernel thread's credentials, so a
 * VMM without access to /dev/kvm still gets a VM through the module.  The
 * cached file pins kvm.ko until kiste.ko is unloaded.
 */
static struct file *kiste_kvm_dev;
static DEFINE_MUTEX(kiste_kvm_dev_lock);	/* never taken by netlink handlers */

struct kiste_kvm_req {
	struct task_struct *owner;	/* the caller: its cgroups */
	struct mm_struct *mm;		/* the caller's mm: KVM ties the VM to it */
	struct file *target;		/* NULL: /dev/kvm */
	unsigned int cmd;
	unsigned long arg;
	struct file *result;
	long err;
	struct completion done;
};

/* Called in the kernel thread: the node must really be KVM's. */
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
	file = dentry_open(&path, O_RDWR | O_CLOEXEC, current_cred());
	path_put(&path);
	return file;
}

static struct file *kiste_kvm_dev_get(void)
{
	struct file *file;

	mutex_lock(&kiste_kvm_dev_lock);
	file = kiste_kvm_dev;
	if (!file) {
		file = kiste_kvm_open();
		if (!IS_ERR(file))
			kiste_kvm_dev = file;
	}
	mutex_unlock(&kiste_kvm_dev_lock);
	return file;
}

/* The ioctl, with the caller's mm and memory cgroup; returns KVM's new file. */
static struct file *kiste_kvm_ioctl_as(struct kiste_kvm_req *req,
				       struct file *target)
{
	struct mem_cgroup *memcg, *old_memcg;
	struct file *file;
	long fd;

	kthread_use_mm(req->mm);
	memcg = get_mem_cgroup_from_mm(req->mm);
	old_memcg = set_active_memcg(memcg);
	fd = target->f_op->unlocked_ioctl(target, req->cmd, req->arg);
	set_active_memcg(old_memcg);
	mem_cgroup_put(memcg);
	kthread_unuse_mm(req->mm);
	if (fd < 0)
		return ERR_PTR(fd);
	/* nothing else installs or closes descriptors in init_files */
	file = fget(fd);
	close_fd(fd);
	return file ?: ERR_PTR(-EIO);
}

static int kiste_kvm_thread(void *data)
{
	struct kiste_kvm_req *req = data;
	struct file *target = req->target;

	req->err = cgroup_attach_task_all(req->owner, current);
	if (req->err)
		goto out;
	if (!target) {
		target = kiste_kvm_dev_get();
		if (IS_ERR(target)) {
			req->err = PTR_ERR(target);
			goto out;
		}
	}
	if (!target->f_op->unlocked_ioctl) {
		req->err = -ENOTTY;
		goto out;
	}
	req->result = kiste_kvm_ioctl_as(req, target);
	if (IS_ERR(req->result))
		req->err = PTR_ERR(req->result);
out:
	/* @req lives on the caller's stack: nothing touches it after this */
	kthread_complete_and_exit(&req->done, 0);
}

/**
 * kiste_kvm_call() - a descriptor-making KVM ioctl for the calling task
 * @target: KVM's VM file, or NULL for /dev/kvm
 * @cmd: KVM_CREATE_VM or KVM_CREATE_VCPU
 * @arg: its argument (a value, never a user pointer)
 *
 * Runs @cmd in a kernel thread that uses the caller's mm; KVM's descriptor
 * goes into that thread's table and is closed there.  Waits uninterruptibly
 * (the thread uses the caller's mm, which must stay).
 *
 * Return: KVM's new file, referenced, or an ERR_PTR.
 */
struct file *kiste_kvm_call(struct file *target, unsigned int cmd,
			    unsigned long arg)
{
	struct kiste_kvm_req req = {
		.owner = current, .mm = current->mm, .target = target,
		.cmd = cmd, .arg = arg,
	};
	struct task_struct *t;

	if (!req.mm)
		return ERR_PTR(-EINVAL);
	init_completion(&req.done);
	t = kthread_run(kiste_kvm_thread, &req, "kiste-kvm/%d",
			task_pid_nr(current));
	if (IS_ERR(t))
		return ERR_CAST(t);
	wait_for_completion(&req.done);
	return req.err ? ERR_PTR(req.err) : req.result;
}

/* A /dev/kvm ioctl that makes nothing (the broker answers these). */
long kiste_kvm_sys_ioctl(unsigned int cmd, unsigned long arg)
{
	struct file *file = READ_ONCE(kiste_kvm_dev);

	if (!file || !file->f_op->unlocked_ioctl)
		return -ENODEV;
	return file->f_op->unlocked_ioctl(file, cmd, arg);
}

/* Module exit: no VM is left, so nothing uses the cached /dev/kvm. */
void kiste_kvm_release(void)
{
	if (kiste_kvm_dev)
		fput(kiste_kvm_dev);
	kiste_kvm_dev = NULL;
}
