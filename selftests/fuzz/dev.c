// SPDX-License-Identifier: GPL-2.0
// dev.c - /dev/kiste ioctls: every command, wrong sizes and numbers, structured and hostile arguments.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "fz.h"

#define FZ_PAGE 4096

/*
 * Three pages per process (forks inherit it): read-write, read-only, none.
 * Arguments land at the end of the first, so a larger read than the
 * command's struct runs into the second or third.
 */
static char *area;

void *fz_arg_area(void)
{
	if (area)
		return area;
	area = mmap(NULL, 3 * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		area = NULL;
		return NULL;
	}
	mprotect(area + FZ_PAGE, FZ_PAGE, PROT_READ);
	mprotect(area + 2 * FZ_PAGE, FZ_PAGE, PROT_NONE);
	return area;
}

/* Where an argument of @size goes: usually readable and writable, not always. */
void *fz_arg(struct fz_ctx *c, size_t size)
{
	if (!fz_arg_area() || size > FZ_PAGE)
		return NULL;
	switch (fz_below(&c->rng, 24)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return (void *)0xffffffff81000000UL;	/* kernel text */
	case 3:
		return area + FZ_PAGE - size / 2;	/* runs into the read-only page */
	case 4:
		return area + FZ_PAGE;			/* read-only */
	case 5:
		return area + 2 * FZ_PAGE - size / 2;	/* runs into no page at all */
	default:
		return area + FZ_PAGE - size;
	}
}

/* @data at an argument place; returns the place (written where writable). */
static void *arg_put(struct fz_ctx *c, const void *data, size_t size)
{
	char *p = fz_arg(c, size);

	if (p && area && p >= area && p < area + FZ_PAGE)
		memcpy(p, data, (size_t)(area + FZ_PAGE - p) < size ? (size_t)(area + FZ_PAGE - p)
								     : size);
	return p;
}

int fz_dev_open(struct fz_ctx *c)
{
	const char *node = c->unpriv ? c->sh->node : "/dev/" KISTE_DEVICE_NAME;

	return open(node, O_RDWR | O_CLOEXEC);
}

static uint32_t mode(struct fz_ctx *c)
{
	static const uint64_t modes[] = { KISTE_MODE_SHIM, KISTE_MODE_VM, KISTE_MODE_UNIKERNEL, 0,
					  4, 0xffffffff };

	return (uint32_t)(fz_chance(&c->rng, 90) ? FZ_PICK(&c->rng, modes)
						  : fz_next(&c->rng));
}

static void *create_arg(struct fz_ctx *c)
{
	static const uint64_t mems[] = { 0, 4096, 4 << 20, 64 << 20, ~0ULL };
	struct kiste_ioc_create a = { 0 };
	char name[KISTE_NAME_MAX + 16];
	size_t n;

	a.flags = fz_chance(&c->rng, 90) ? 0 : fz_u32(&c->rng);
	a.mode = mode(c);
	a.memory_limit = fz_chance(&c->rng, 80) ? FZ_PICK(&c->rng, mems) : fz_u64(&c->rng);
	a.vcpu_limit = fz_chance(&c->rng, 80) ? fz_below(&c->rng, 5) : fz_u32(&c->rng);
	a.pids_limit = fz_chance(&c->rng, 50) ? 0 : fz_pids_limit(c);
	a.cpu_limit = fz_chance(&c->rng, 50) ? 0 : fz_cpu_limit(c);
	a.id = fz_u32(&c->rng);
	if (fz_chance(&c->rng, 40)) {
		n = fz_name(c, name, sizeof(name));
		memcpy(a.name, name, n < sizeof(a.name) ? n : sizeof(a.name));
	}
	return arg_put(c, &a, sizeof(a));
}

static void *small_arg(struct fz_ctx *c, unsigned long cmd)
{
	union {
		struct kiste_ioc_attach at;
		struct kiste_ioc_shim_arm arm;
		struct kiste_ioc_shim_enosys en;
		struct kiste_ioc_vm_create vm;
		char raw[64];
	} a;
	struct fz_rng *r = &c->rng;
	bool valid = fz_chance(r, 85);

	memset(&a, 0, sizeof(a));
	switch (cmd) {
	case KISTE_IOC_ATTACH:
		a.at.id = fz_chance(r, 20) ? 0 : fz_id(c);
		a.at.flags = valid ? 0 : fz_u32(r);
		return arg_put(c, &a, sizeof(a.at));
	case KISTE_IOC_SHIM_ARM:
		a.arm.flags = valid ? 0 : fz_u32(r);
		a.arm.reserved = valid ? 0 : fz_u32(r);
		a.arm.gate_start = fz_chance(r, 50) ? c->sh->gate : fz_u64(r);
		a.arm.gate_len = fz_chance(r, 50) ? 4096 : fz_u64(r);
		return arg_put(c, &a, sizeof(a.arm));
	case KISTE_IOC_SHIM_ENOSYS:
		a.en.flags = valid ? 0 : fz_u32(r);
		a.en.count = fz_u32(r);
		return arg_put(c, &a, sizeof(a.en));
	case KISTE_IOC_VM_CREATE:
		a.vm.flags = valid ? 0 : fz_u32(r);
		a.vm.type = valid ? 0 : fz_u32(r);
		a.vm.vm_fd = (int32_t)fz_u32(r);
		a.vm.reserved = valid ? 0 : fz_u32(r);
		return arg_put(c, &a, sizeof(a.vm));
	default:
		for (size_t i = 0; i < sizeof(a.raw); i++)
			a.raw[i] = (char)fz_next(r);
		return arg_put(c, &a, sizeof(a.raw));
	}
}

/* A command number: the real ones, their wrong-size twins, neighbours, strangers. */
static unsigned long command(struct fz_ctx *c)
{
	static const uint64_t real[] = { KISTE_IOC_VERSION, KISTE_IOC_CREATE, KISTE_IOC_CREATE_V4,
					 KISTE_IOC_CREATE_V3,
					 KISTE_IOC_ATTACH, KISTE_IOC_SHIM_ARM,
					 KISTE_IOC_SHIM_ENOSYS, KISTE_IOC_VM_CREATE };
	static const uint64_t sizes[] = { 0, 4, 8, 16, 24, 88, 96, 160, 4095 };
	struct fz_rng *r = &c->rng;
	unsigned long cmd = (unsigned long)FZ_PICK(r, real);

	switch (fz_below(r, 20)) {
	case 0:
		return _IOC(_IOC_DIR(cmd), KISTE_IOC_MAGIC, _IOC_NR(cmd), FZ_PICK(r, sizes));
	case 1:
		return _IOC(fz_below(r, 4), KISTE_IOC_MAGIC, fz_below(r, 0x40), FZ_PICK(r, sizes));
	case 2:
		return fz_chance(r, 50) ? KVM_CREATE_VM : (unsigned long)fz_u32(r);
	default:
		return cmd;
	}
}

/* A descriptor of this process's set, opened or closed on the way. */
static int dev_fd(struct fz_ctx *c)
{
	int i = (int)fz_below(&c->rng, 3);

	if (c->dev[i] >= 0 && fz_chance(&c->rng, 3)) {
		/* a temporary sandbox on it goes with it */
		close(c->dev[i]);
		c->dev[i] = -1;
	}
	if (c->dev[i] < 0)
		c->dev[i] = fz_dev_open(c);
	return c->dev[i];
}

void fz_dev_one(struct fz_ctx *c)
{
	struct kiste_ioc_create *cr;
	unsigned long cmd;
	bool create;
	void *arg;
	int fd, ret;

	fd = dev_fd(c);
	if (fd < 0)
		return;
	cmd = command(c);
	/* attaching oneself is for good: worker processes do it rarely */
	if (cmd == KISTE_IOC_ATTACH && !c->member && !fz_chance(&c->rng, 5))
		cmd = KISTE_IOC_VERSION;
	create = cmd == KISTE_IOC_CREATE || cmd == KISTE_IOC_CREATE_V4 ||
		 cmd == KISTE_IOC_CREATE_V3;
	arg = create ? create_arg(c) : small_arg(c, cmd);
	ret = ioctl(fd, cmd, arg);
	fz_count(c, FZ_C_DEV);
	if (create && ret == 0 && arg && area && (char *)arg >= area &&
	    (char *)arg + sizeof(*cr) <= area + FZ_PAGE) {
		cr = arg;
		fz_id_seen(c->sh, cr->id);
	}
	if (cmd == KISTE_IOC_VM_CREATE && ret >= 0)
		close(ret);
}
