// SPDX-License-Identifier: GPL-2.0
// /dev/kiste wrappers: open, interface version, temporary sandboxes, attach, the KVM broker.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

#define KISTE_DEV_PATH "/dev/" KISTE_DEVICE_NAME

int kiste_dev_open(struct kiste_err *err)
{
	int fd = open(KISTE_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		return kiste_err_set(err, -ENOENT, KISTE_MSG_NOT_LOADED);
	return kiste_err_set(err, -errno, "cannot open %s: %s", KISTE_DEV_PATH, strerror(errno));
}

static int ioctl_err(const char *what, struct kiste_err *err)
{
	return kiste_err_set(err, -errno, "%s: %s", what, strerror(errno));
}

int kiste_dev_version(int fd, uint32_t *iface_version, struct kiste_err *err)
{
	struct kiste_ioc_version v = { 0 };

	if (ioctl(fd, KISTE_IOC_VERSION, &v) < 0)
		return ioctl_err("KISTE_IOC_VERSION", err);
	*iface_version = v.iface_version;
	return 0;
}

/* The module's parameter @name as text, "?" when it cannot be read. */
static void dev_param(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kiste/parameters/%s", name);
	f = fopen(path, "re");

	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "?");
	buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/*
 * A module older than this kiste answers KISTE_IOC_CREATE with ENOTTY: ask in
 * the struct of interface 4 (names of at most 63 characters), then of 3 (no
 * pids or CPU limits: only when none is asked for, never dropped silently).
 * -1 with errno ENOTTY when neither can say it.
 */
static int create_old(int fd, const struct kiste_sandbox_spec *spec, size_t len, uint32_t *id)
{
	struct kiste_ioc_create_v4 c = { .mode = spec->mode, .memory_limit = spec->memory_limit,
					 .vcpu_limit = spec->vcpu_limit,
					 .pids_limit = spec->pids_limit,
					 .cpu_limit = spec->cpu_limit };

	errno = ENOTTY;
	if (len >= sizeof(c.name))
		return -1;
	memcpy(c.name, spec->name ? spec->name : "", len);
	if (ioctl(fd, KISTE_IOC_CREATE_V4, &c) < 0 &&
	    (errno != ENOTTY || spec->pids_limit || spec->cpu_limit ||
	     ioctl(fd, KISTE_IOC_CREATE_V3, &c) < 0))
		return -1;
	*id = c.id;
	return 0;
}

int kiste_dev_create(int fd, const struct kiste_sandbox_spec *spec, uint32_t *id,
		     struct kiste_err *err)
{
	char max[32], all[32];
	struct kiste_ioc_create c = { 0 };
	size_t len = spec->name ? strlen(spec->name) : 0;
	bool old;

	/* The ioctl carries the name in a fixed array; longer names cannot be expressed. */
	if (len >= sizeof(c.name))
		return kiste_err_set(err, -EINVAL, "sandbox name is %zu characters: use at most %d",
				     len, KISTE_NAME_MAX - 1);
	c.mode = spec->mode;
	c.memory_limit = spec->memory_limit;
	c.vcpu_limit = spec->vcpu_limit;
	c.pids_limit = spec->pids_limit;
	c.cpu_limit = spec->cpu_limit;
	if (len)
		memcpy(c.name, spec->name, len);
	if (ioctl(fd, KISTE_IOC_CREATE, &c) == 0) {
		*id = c.id;
		return 0;
	}
	old = errno == ENOTTY;
	if (old && create_old(fd, spec, len, id) == 0)
		return 0;
	/* Interface 4's names are [A-Za-z0-9_.-]: its EINVAL for one with '+' says that. */
	if (old && errno == EINVAL && len && strchr(spec->name, '+'))
		return kiste_err_set(err, -EINVAL, "the loaded kiste.ko is older than this kiste "
				     "(interface < 5: no '+' in names): update the module");
	if (errno == EEXIST && len)
		return kiste_err_set(err, -EEXIST, "sandbox '%s' already exists: choose another name",
				     spec->name);
	if (errno == EUSERS) {
		dev_param("max_sandboxes_per_uid", max, sizeof(max));
		dev_param("max_sandboxes", all, sizeof(all));
		return kiste_err_set(err, -EUSERS,
				     "too many sandboxes: kiste.ko takes max_sandboxes_per_uid %s "
				     "per user, max_sandboxes %s in all: delete some (kiste sandbox "
				     "list), or raise /sys/module/kiste/parameters/"
				     "max_sandboxes_per_uid", max, all);
	}
	if (errno == E2BIG) {
		dev_param("max_members", max, sizeof(max));
		return kiste_err_set(err, -E2BIG,
				     "pids limit %u is not below kiste.ko's member cap max_members "
				     "%s (the sandbox's init is a member too): lower --pids-limit, "
				     "or raise /sys/module/kiste/parameters/max_members",
				     spec->pids_limit, max);
	}
	if (errno == ENOTTY)
		return kiste_err_set(err, -ENOTTY,
				     "the loaded kiste.ko is older than this kiste (interface < 4: "
				     "no pids or CPU limits; < 5: names of at most 63 characters): "
				     "update the module");
	return ioctl_err("cannot create a temporary sandbox", err);
}

int kiste_dev_attach(int fd, uint32_t id, struct kiste_err *err)
{
	struct kiste_ioc_attach a = { .id = id };

	if (ioctl(fd, KISTE_IOC_ATTACH, &a) == 0)
		return 0;
	switch (errno) {
	case EBUSY:
		return kiste_err_set(err, -EBUSY,
				     "this task is already a sandbox member, or has threads: attach before starting threads");
	case ESRCH:
		return kiste_err_set(err, -ESRCH, "sandbox %u is being deleted", id);
	case EUSERS:
		return kiste_err_set(err, -EUSERS, "sandbox %u is at its member limit", id);
	case ENOENT:
		return kiste_err_set(err, -ENOENT, "no such sandbox: %u", id);
	default:
		return ioctl_err("cannot attach to the sandbox", err);
	}
}

/* Threads of the calling process (/proc/self/status), 0 when it cannot tell. */
static unsigned int dev_threads(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned int n = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The broker's refusals (uapi/linux/kiste.h), each with what to do about it. */
static int dev_vm_create_err(int e, struct kiste_err *err)
{
	unsigned int threads;

	switch (e) {
	case ENOTTY:
	case EINVAL:	/* a module whose ioctl has other fields */
		return kiste_err_set(err, -ENOTTY,
				     "cannot create a VM: the loaded kiste.ko has no KVM broker: update the module");
	case ENOTCONN:
		return kiste_err_set(err, -ENOTCONN,
				     "cannot create a VM: attach to a vm-mode sandbox first");
	case EOPNOTSUPP:
		return kiste_err_set(err, -EOPNOTSUPP,
				     "cannot create a VM: the sandbox is not of mode vm or unikernel");
	case EBUSY:
		threads = dev_threads();
		if (threads > 1)
			return kiste_err_set(err, -EBUSY,
					     "cannot create a VM: the caller has %u threads: create the VM before starting any",
					     threads);
		return kiste_err_set(err, -EBUSY,
				     "cannot create a VM: the sandbox has one already (one VM per sandbox), or the caller shares its memory with another process (CLONE_VM)");
	case EPERM:
		return kiste_err_set(err, -EPERM,
				     "cannot create a VM: the caller must be non-dumpable (prctl PR_SET_DUMPABLE 0)");
	case ENODEV:
		return kiste_err_set(err, -ENODEV,
				     "cannot create a VM: kiste.ko found no KVM (modprobe kvm_amd or kvm_intel)");
	default:
		return kiste_err_set(err, -e, "cannot create a VM through kiste.ko: %s", strerror(e));
	}
}

int kiste_dev_vm_create(int fd, uint32_t type, struct kiste_err *err)
{
	struct kiste_ioc_vm_create c = { .type = type };
	int vm_fd;

	/*
	 * The broker's rules for its caller, prepared here for every caller: a
	 * descriptor table of its own, and no one reaching into the process
	 * through ptrace or /proc (non-dumpable).  The others, single-threaded
	 * and memory shared with no other process, only the caller can keep;
	 * the broker refuses otherwise.
	 */
	if (unshare(CLONE_FILES) < 0)
		return kiste_err_set(err, -errno, "cannot create a VM: unshare(CLONE_FILES): %s",
				     strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return kiste_err_set(err, -errno, "cannot create a VM: PR_SET_DUMPABLE: %s",
				     strerror(errno));
	vm_fd = ioctl(fd, KISTE_IOC_VM_CREATE, &c);
	if (vm_fd < 0)
		return dev_vm_create_err(errno, err);
	return vm_fd;
}
