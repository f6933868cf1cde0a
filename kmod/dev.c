// SPDX-License-Identifier: GPL-2.0
/* dev.c - /dev/kiste: temporary sandboxes tied to a descriptor, and attach. */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kiste.h"

/* Per open file: the temporary sandbox it created, if any. */
struct kiste_file {
	struct mutex lock;		/* serializes create against attach of @sb */
	struct kiste_sandbox *sb;
};

static int kiste_dev_open(struct inode *inode, struct file *file)
{
	struct kiste_file *kf;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return -ENOMEM;
	mutex_init(&kf->lock);
	file->private_data = kf;
	atomic_inc(&kiste_nr_files);
	return stream_open(inode, file);
}

/* The last close of the creating descriptor tears its sandbox down. */
static int kiste_dev_release(struct inode *inode, struct file *file)
{
	struct kiste_file *kf = file->private_data;

	if (kf->sb) {
		kiste_sandbox_delete(kf->sb);
		kiste_sandbox_put(kf->sb);
	}
	mutex_destroy(&kf->lock);
	kfree(kf);
	atomic_dec(&kiste_nr_files);
	return 0;
}

static long kiste_ioctl_version(void __user *argp)
{
	struct kiste_ioc_version v = { .iface_version = KISTE_IFACE_VERSION };

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * A version 3 or 4 caller's request (@cmd KISTE_IOC_CREATE_V3 or _V4, the
 * first bytes of struct kiste_ioc_create_v4) as the current one: no limits
 * from a version 3 struct, which ends before them.
 */
static long kiste_ioctl_create_old(void __user *argp, unsigned int cmd,
				   struct kiste_ioc_create *req)
{
	struct kiste_ioc_create_v4 old = {};

	BUILD_BUG_ON(offsetof(struct kiste_ioc_create_v4, pids_limit) !=
		     KISTE_IOC_CREATE_SIZE_V3);
	if (copy_from_user(&old, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	if (strnlen(old.name, sizeof(old.name)) == sizeof(old.name))
		return -EINVAL;
	req->flags = old.flags;
	req->mode = old.mode;
	req->memory_limit = old.memory_limit;
	req->vcpu_limit = old.vcpu_limit;
	req->pids_limit = old.pids_limit;
	req->cpu_limit = old.cpu_limit;
	strscpy(req->name, old.name, sizeof(req->name));
	return 0;
}

/* @cmd: KISTE_IOC_CREATE or one of the older versions' requests it still takes */
static long kiste_ioctl_create(struct file *file, void __user *argp,
			       unsigned int cmd)
{
	struct kiste_file *kf = file->private_data;
	struct kiste_sandbox_spec spec = {};
	struct kiste_ioc_create req = {};
	struct kiste_caller caller;
	struct kiste_sandbox *sb;
	__u32 __user *idp;
	long err;

	/* the one field written back sits at the same place in every version */
	BUILD_BUG_ON(offsetof(struct kiste_ioc_create, id) !=
		     offsetof(struct kiste_ioc_create_v4, id));
	idp = argp + offsetof(struct kiste_ioc_create, id);
	if (cmd != KISTE_IOC_CREATE)
		err = kiste_ioctl_create_old(argp, cmd, &req);
	else if (copy_from_user(&req, argp, sizeof(req)))
		err = -EFAULT;
	else if (strnlen(req.name, sizeof(req.name)) == sizeof(req.name))
		err = -EINVAL;
	else
		err = 0;
	if (err)
		return err;
	if (req.flags)
		return -EINVAL;
	spec.name = req.name;
	spec.mode = req.mode;
	spec.memory_limit = req.memory_limit;
	spec.vcpu_limit = req.vcpu_limit;
	spec.pids_limit = req.pids_limit;
	spec.cpu_limit = req.cpu_limit;
	spec.flags = KISTE_SB_F_TEMPORARY;

	mutex_lock(&kf->lock);
	if (kf->sb) {
		err = -EBUSY;
		goto out_unlock;
	}
	kiste_caller_from_file(&caller, file);
	err = kiste_sandbox_create(&spec, &caller, &sb, NULL);
	if (err)
		goto out_unlock;
	if (put_user(sb->id, idp)) {
		kiste_sandbox_delete(sb);
		kiste_sandbox_put(sb);
		err = -EFAULT;
		goto out_unlock;
	}
	kf->sb = sb;
out_unlock:
	mutex_unlock(&kf->lock);
	return err;
}

static long kiste_ioctl_attach(struct file *file, void __user *argp)
{
	struct kiste_file *kf = file->private_data;
	struct kiste_ioc_attach req;
	struct kiste_caller caller;
	struct kiste_sandbox *sb;
	long err;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;

	if (req.id == 0) {
		mutex_lock(&kf->lock);
		sb = kf->sb;
		if (sb)
			kiste_sandbox_get(sb);
		mutex_unlock(&kf->lock);
	} else {
		sb = kiste_sandbox_find(req.id, NULL);
	}
	if (!sb)
		return -ENOENT;
	kiste_caller_from_file(&caller, file);
	/* as in netlink: one the caller may not use looks like none at all */
	if (!kiste_may_use(sb, &caller)) {
		err = -ENOENT;
		goto out_put;
	}
	err = kiste_member_attach(sb);
out_put:
	kiste_sandbox_put(sb);
	return err;
}

static long kiste_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case KISTE_IOC_VERSION:
		return kiste_ioctl_version(argp);
	case KISTE_IOC_CREATE:
	case KISTE_IOC_CREATE_V4:
	case KISTE_IOC_CREATE_V3:
		return kiste_ioctl_create(file, argp, cmd);
	case KISTE_IOC_ATTACH:
		return kiste_ioctl_attach(file, argp);
	case KISTE_IOC_SHIM_ARM:
		return kiste_member_shim_arm(argp);
	case KISTE_IOC_SHIM_ENOSYS:
		return kiste_member_shim_enosys(argp);
	case KISTE_IOC_VM_CREATE:
		return kiste_vm_create(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kiste_dev_fops = {
	.owner = THIS_MODULE,
	.open = kiste_dev_open,
	.release = kiste_dev_release,
	.unlocked_ioctl = kiste_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

/* Group access comes from the udev rule; see configs/udev. */
static struct miscdevice kiste_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KISTE_DEVICE_NAME,
	.fops = &kiste_dev_fops,
	.mode = 0660,
};

int kiste_dev_init(void)
{
	return misc_register(&kiste_miscdev);
}

void kiste_dev_exit(void)
{
	misc_deregister(&kiste_miscdev);
}
