// SPDX-License-Identifier: GPL-2.0
// uk_vm.c - vm isolation: the unikernel in a tiny KVM guest, its host calls as port hypercalls.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tender.h"
#include "vmm_kvm_x86_64.h"

extern const unsigned char uk_vm_stubs_start[], uk_vm_stubs_end[];

struct uk_vm {
	struct vmm_kvm kvm;
	struct kiste_uk_devs *devs;
	struct pollfd pfd[KISTE_UK_MAX_DEVICES];
	uint32_t pfd_handle[KISTE_UK_MAX_DEVICES];
	uint32_t nnet;
};

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const struct kiste_uk_dev *vm_dev(struct uk_vm *v, uint64_t h, uint32_t type)
{
	return h < v->devs->ndev && v->devs->dev[h].info.type == type ? &v->devs->dev[h] : NULL;
}

static int64_t vm_yield(struct uk_vm *v, uint64_t deadline, uint64_t ready_gpa)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), wait = deadline > now ? deadline - now : 0;
	struct timespec ts = { wait / 1000000000ULL, wait % 1000000000ULL };
	uint64_t ready = 0, *out;
	uint32_t i;

	if (ppoll(v->nnet ? v->pfd : NULL, v->nnet, &ts, NULL) > 0)
		for (i = 0; i < v->nnet; i++)
			if (v->pfd[i].revents)
				ready |= 1ULL << v->pfd_handle[i];
	out = vmm_kvm_gpa(&v->kvm, ready_gpa, 8);
	if (out)
		*out = ready;
	return 0;
}

static int64_t vm_block(struct uk_vm *v, int write, const uint64_t *a)
{
	const struct kiste_uk_dev *d = vm_dev(v, a[0], KISTE_UK_DEV_BLOCK);
	void *buf = vmm_kvm_gpa(&v->kvm, a[2], a[3]);
	ssize_t n;

	if (!d || !buf || a[1] % d->info.block_size || a[3] % d->info.block_size ||
	    a[1] > d->info.capacity || a[3] > d->info.capacity - a[1])
		return KISTE_UK_EINVAL;
	n = write ? pwrite(d->fd, buf, a[3], a[1]) : pread(d->fd, buf, a[3], a[1]);
	return n == (ssize_t)a[3] ? KISTE_UK_OK : KISTE_UK_EUNSPEC;
}

static int64_t vm_net_read(struct uk_vm *v, const uint64_t *a)
{
	const struct kiste_uk_dev *d = vm_dev(v, a[0], KISTE_UK_DEV_NET);
	uint64_t *got = vmm_kvm_gpa(&v->kvm, a[3], 8);
	uint64_t size;
	void *buf;
	ssize_t n;

	if (!d || !got)
		return KISTE_UK_EINVAL;
	size = a[2] < (uint64_t)d->info.mtu + 14 ? a[2] : d->info.mtu + 14u;
	buf = vmm_kvm_gpa(&v->kvm, a[1], size);
	if (!buf)
		return KISTE_UK_EINVAL;
	n = read(d->fd, buf, size);
	if (n < 0)
		return errno == EAGAIN ? KISTE_UK_EAGAIN : KISTE_UK_EUNSPEC;
	*got = n;
	return KISTE_UK_OK;
}

static int64_t vm_net_write(struct uk_vm *v, const uint64_t *a)
{
	const struct kiste_uk_dev *d = vm_dev(v, a[0], KISTE_UK_DEV_NET);
	void *buf = d ? vmm_kvm_gpa(&v->kvm, a[1], a[2]) : NULL;

	if (!buf || a[2] > (uint64_t)d->info.mtu + 14)
		return KISTE_UK_EINVAL;
	return write(d->fd, buf, a[2]) == (ssize_t)a[2] ? KISTE_UK_OK : KISTE_UK_EUNSPEC;
}

static int64_t vm_call(struct uk_vm *v, uint32_t nr, const uint64_t *a)
{
	const void *buf;

	switch (nr) {
	case KISTE_UK_CALL_CONSOLE_WRITE:
		buf = vmm_kvm_gpa(&v->kvm, a[0], a[1]);
		return buf ? write(KISTE_UK_CONSOLE_FD, buf, a[1]) : KISTE_UK_EINVAL;
	case KISTE_UK_CALL_CLOCK_MONOTONIC:
		return now_ns(CLOCK_MONOTONIC);
	case KISTE_UK_CALL_CLOCK_WALL:
		return now_ns(CLOCK_REALTIME);
	case KISTE_UK_CALL_YIELD:
		return vm_yield(v, a[0], a[1]);
	case KISTE_UK_CALL_BLOCK_READ:
	case KISTE_UK_CALL_BLOCK_WRITE:
		return vm_block(v, nr == KISTE_UK_CALL_BLOCK_WRITE, a);
	case KISTE_UK_CALL_NET_READ:
		return vm_net_read(v, a);
	case KISTE_UK_CALL_NET_WRITE:
		return vm_net_write(v, a);
	case KISTE_UK_CALL_EXIT:
		_exit((int)(a[0] & 0xff));
	}
	return KISTE_UK_EINVAL;
}

static int vm_out(void *ctx, uint16_t port, uint32_t value, struct kiste_err *err)
{
	struct uk_vm *v = ctx;
	uint64_t *args = vmm_kvm_gpa(&v->kvm, value, 5 * 8);

	if (port < KISTE_UK_HC_PORT_BASE || port >= KISTE_UK_HC_PORT_BASE + KISTE_UK_CALL_COUNT ||
	    !args)
		return kiste_err_set(err, -EFAULT,
				     "unikernel made a bad hypercall (port 0x%x): "
				     "rebuild it with kiste-uk-cc",
				     port);
	args[4] = (uint64_t)vm_call(v, port - KISTE_UK_HC_PORT_BASE, args);
	return 0;
}

void uk_vm_child(int kvm_fd, const struct kiste_uk_opts *o, const struct kiste_uk_image *img,
		 struct kiste_uk_devs *devs)
{
	uint64_t calls[KISTE_UK_CALLS_MAX] = { 0 }, si, sp, stubs = VMM_LOW_FREE;
	size_t stubs_len = uk_vm_stubs_end - uk_vm_stubs_start;
	struct kiste_err err = { 0 };
	struct uk_vm v = { .devs = devs };
	uint32_t i;
	int ret;

	for (i = 0; i < devs->ndev; i++) {
		if (devs->dev[i].info.type != KISTE_UK_DEV_NET)
			continue;
		v.pfd[v.nnet] = (struct pollfd){ .fd = devs->dev[i].fd, .events = POLLIN };
		v.pfd_handle[v.nnet++] = i;
	}
	for (i = 0; i < KISTE_UK_CALL_COUNT; i++)
		calls[i] = stubs + 16 * i;
	/* guest memory is rounded up to the 2 MiB pages that map it */
	if (vmm_kvm_create(kvm_fd, (o->memory + (2ULL << 20) - 1) & ~((2ULL << 20) - 1), &v.kvm,
			   &err) < 0 ||
	    kiste_uk_layout((uintptr_t)v.kvm.mem, o->memory, img, o, devs, calls,
			    KISTE_UK_START_F_VM, &si, &sp, &err) < 0)
		tender_child_fail(&err);
	memcpy(v.kvm.mem + stubs, uk_vm_stubs_start, stubs_len);
	if (vmm_kvm_enter_long_mode(&v.kvm, kvm_fd, img->entry, sp, si, &err) < 0)
		tender_child_fail(&err);
	close(kvm_fd);
	ret = vmm_kvm_run(&v.kvm, vm_out, &v, &err);
	fprintf(stderr, "kiste: %s\n", err.msg);
	_exit(ret == -EFAULT ? 128 + 11 : KISTE_RUN_EXIT_REFUSED);
}
