// SPDX-License-Identifier: GPL-2.0
// hvt.c - vm isolation: the unikernel in a tiny KVM guest, its host calls as port hypercalls.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hvt.h"

/*
 * The guest's low memory, below the image (KISTE_UK_LOAD_ADDR): page tables
 * (PML4, PDPT and one PD: 1 GiB at most), the GDT, the host-call stubs.
 */
#define UK_VM_TABLES  0x1000ULL
#define UK_VM_GDT     0x4000ULL
#define UK_VM_STUBS   0x5000ULL
#define UK_VM_MEM_MAX (1ULL << 30)
/* What the KVM layer's errors need added here. */
#define UK_VM_HINT "vm isolation (or use --isolation process)"

extern const unsigned char uk_vm_stubs_start[], uk_vm_stubs_end[];

struct uk_vm {
	struct kiste_kvm kvm;
	int vcpu_fd;
	struct kvm_run *run;
	struct kiste_uk_devs *devs;
	struct pollfd pfd[KISTE_UK_MAX_DEVICES];
	uint32_t pfd_handle[KISTE_UK_MAX_DEVICES];
	uint32_t nnet;
	bool stats; /* KISTE_UK_STATS: report the filter on stderr */
};

/*
 * exit_group without libc's _exit: a sanitizer runtime intercepts _exit and
 * makes calls of its own there (sigaltstack ...), which the VMM filter refuses.
 */
static __attribute__((noreturn)) void vm_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

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
	out = kiste_kvm_gpa(&v->kvm, ready_gpa, 8);
	if (out)
		*out = ready;
	return 0;
}

static int64_t vm_block(struct uk_vm *v, int write, const uint64_t *a)
{
	const struct kiste_uk_dev *d = vm_dev(v, a[0], KISTE_UK_DEV_BLOCK);
	void *buf = kiste_kvm_gpa(&v->kvm, a[2], a[3]);
	ssize_t n;

	if (!d || !buf || a[1] % d->info.block_size || a[3] % d->info.block_size ||
	    a[1] > d->info.capacity || a[3] > d->info.capacity - a[1])
		return KISTE_UK_EINVAL;
	/* Nothing to move (process isolation makes no call for it either): the filter's
	 * offsets end a block before the capacity, where a zero-length call may start. */
	if (!a[3])
		return KISTE_UK_OK;
	n = write ? pwrite(d->fd, buf, a[3], a[1]) : pread(d->fd, buf, a[3], a[1]);
	return n == (ssize_t)a[3] ? KISTE_UK_OK : KISTE_UK_EUNSPEC;
}

static int64_t vm_net_read(struct uk_vm *v, const uint64_t *a)
{
	const struct kiste_uk_dev *d = vm_dev(v, a[0], KISTE_UK_DEV_NET);
	uint64_t *got = kiste_kvm_gpa(&v->kvm, a[3], 8);
	uint64_t size;
	void *buf;
	ssize_t n;

	if (!d || !got)
		return KISTE_UK_EINVAL;
	size = a[2] < (uint64_t)d->info.mtu + 14 ? a[2] : d->info.mtu + 14u;
	buf = kiste_kvm_gpa(&v->kvm, a[1], size);
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
	void *buf = d ? kiste_kvm_gpa(&v->kvm, a[1], a[2]) : NULL;

	if (!buf || a[2] > (uint64_t)d->info.mtu + 14)
		return KISTE_UK_EINVAL;
	return write(d->fd, buf, a[2]) == (ssize_t)a[2] ? KISTE_UK_OK : KISTE_UK_EUNSPEC;
}

static int64_t vm_call(struct uk_vm *v, uint32_t nr, const uint64_t *a)
{
	const void *buf;

	switch (nr) {
	case KISTE_UK_CALL_CONSOLE_WRITE:
		buf = kiste_kvm_gpa(&v->kvm, a[0], a[1]);
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
		vm_exit((int)(a[0] & 0xff));
	}
	return KISTE_UK_EINVAL;
}

static int vm_out(struct uk_vm *v, uint16_t port, uint32_t value, struct kiste_err *err)
{
	uint64_t *args = kiste_kvm_gpa(&v->kvm, value, 5 * 8), a[4];

	if (port < KISTE_UK_HC_PORT_BASE || port >= KISTE_UK_HC_PORT_BASE + KISTE_UK_CALL_COUNT ||
	    !args)
		return kiste_err_set(err, -EFAULT,
				     "unikernel made a bad hypercall (port 0x%x): "
				     "rebuild it with kiste-uk-cc",
				     port);
	/* Read once: a call's own buffer may be its argument block (a read lands on it). */
	memcpy(a, args, sizeof(a));
	args[4] = (uint64_t)vm_call(v, port - KISTE_UK_HC_PORT_BASE, a);
	return 0;
}

/* One line to stderr under the VMM filter: stdio may fstat() first, which it refuses. */
static __attribute__((format(printf, 1, 2))) void vm_diag(const char *fmt, ...)
{
	char line[sizeof(((struct kiste_err *)0)->msg) + 16] = "kiste: ";
	size_t max = sizeof(line) - 1, n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(line + 7, max - 7, fmt, ap);
	va_end(ap);
	n = n + 7 < max ? n + 7 : max - 1;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to say it */
}

/*
 * Device descriptors to KISTE_UK_FD_BASE + handle, the vCPU to KISTE_UK_VCPU_FD
 * and the VM to KISTE_UK_VM_FD, as the VMM filter names them; all else closes.
 */
static int vm_fds(struct uk_vm *v, struct kiste_err *err)
{
	int *fds[KISTE_UK_MAX_DEVICES + 2], want[KISTE_UK_MAX_DEVICES + 2];
	uint32_t i, n = 0, nnet = 0;
	int fd;

	for (i = 0; i < v->devs->ndev; i++) {
		fds[n] = &v->devs->dev[i].fd;
		want[n++] = KISTE_UK_FD_BASE + i;
	}
	fds[n] = &v->vcpu_fd, want[n++] = KISTE_UK_VCPU_FD;
	fds[n] = &v->kvm.vm_fd, want[n++] = KISTE_UK_VM_FD;
	/* out of the way first, so that no move lands on a descriptor still in use */
	for (i = 0; i < n; i++) {
		fd = fcntl(*fds[i], F_DUPFD_CLOEXEC, 64);
		if (fd < 0)
			return kiste_err_set(err, -errno, "cannot move the VMM's descriptors: %s",
					     strerror(errno));
		close(*fds[i]);
		*fds[i] = fd;
	}
	for (i = 0; i < n; i++) {
		if (dup2(*fds[i], want[i]) < 0)
			return kiste_err_set(err, -errno, "cannot move the VMM's descriptors: %s",
					     strerror(errno));
		*fds[i] = want[i];
	}
	close_range(KISTE_UK_FD_BASE + v->devs->ndev, KISTE_UK_VCPU_FD - 1, 0);
	close_range(KISTE_UK_VM_FD + 1, ~0U, 0);
	for (i = 0; i < v->devs->ndev; i++)
		if (v->devs->dev[i].info.type == KISTE_UK_DEV_NET)
			v->pfd[nnet++].fd = KISTE_UK_FD_BASE + i;
	return 0;
}

/* From here on the VMM may only run the vCPU and serve hypercalls (kiste policy --isolation vm). */
static int vm_confine(struct uk_vm *v, struct kiste_err *err)
{
	struct sock_fprog prog;
	size_t len;
	void *bpf;
	int n;

	if (kiste_uk_filter_bpf(v->devs, KISTE_UK_ISO_VM, &bpf, &len, err) < 0)
		return err->code;
	n = kiste_uk_filter_syscalls(v->devs, KISTE_UK_ISO_VM, NULL, 0);
	prog.len = len / sizeof(struct sock_filter);
	prog.filter = bpf;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return kiste_err_set(err, -errno, "cannot confine the VMM with seccomp: %s",
				     strerror(errno));
	/* the program stays allocated: free() might need calls the filter refuses */
	if (v->stats)
		vm_diag("VMM seccomp filter installed: %d syscalls", n);
	return 0;
}

/* VM, guest RAM, the vCPU in long mode at @img's entry; the image and its start info loaded. */
static int vm_setup(struct uk_vm *v, const struct kiste_uk_opts *o,
		    const struct kiste_uk_image *img, struct kiste_err *err)
{
	uint64_t calls[KISTE_UK_CALLS_MAX] = { 0 }, mem = UK_VM_MEM(o->memory);
	struct kiste_kvm_long_mode lm = {
		.tables = UK_VM_TABLES,
		.map_size = mem,
		.gdt = UK_VM_GDT,
		.cs = 0x08,
		.flags = KISTE_KVM_LM_SSE | KISTE_KVM_LM_WP,
		.rip = img->entry,
	};
	struct kvm_cpuid2 *cpuid = NULL;
	uint32_t i;
	int ret;

	if (mem > UK_VM_MEM_MAX || mem < (2ULL << 20))
		return kiste_err_set(err, -EINVAL,
				     "guest memory must be 2 MiB..1 GiB in 2 MiB "
				     "steps: adjust --memory");
	ret = kiste_kvm_vm_create(&v->kvm, err);
	if (ret == 0)
		ret = kiste_kvm_mem_create(&v->kvm, mem, 0, err);
	if (ret == 0)
		ret = kiste_kvm_vcpu_create(&v->kvm, 0, &v->vcpu_fd, &v->run, err);
	if (ret == 0)
		ret = kiste_kvm_long_mode_write(&v->kvm, &lm, err);
	if (ret < 0)
		return kiste_err_prefix(err, UK_VM_HINT);
	for (i = 0; i < KISTE_UK_CALL_COUNT; i++)
		calls[i] = UK_VM_STUBS + 16 * i;
	ret = kiste_uk_layout((uintptr_t)v->kvm.mem, o->memory, img, o, v->devs, calls,
			      KISTE_UK_START_F_VM, &lm.rdi, &lm.rsp, err);
	if (ret < 0)
		return ret;
	memcpy(v->kvm.mem + UK_VM_STUBS, uk_vm_stubs_start, uk_vm_stubs_end - uk_vm_stubs_start);
	/* EFER.LME is only accepted when the guest's CPUID says long mode: KVM's does. */
	ret = kiste_kvm_cpuid_get(&v->kvm, &cpuid, err);
	if (ret == 0)
		ret = kiste_kvm_vcpu_cpuid_set(v->vcpu_fd, cpuid, err);
	free(cpuid);
	if (ret == 0)
		ret = kiste_kvm_long_mode_enter(v->vcpu_fd, &lm, err);
	if (ret < 0)
		return kiste_err_prefix(err, UK_VM_HINT);
	/* /dev/kvm is of no further use; the broker's VM descriptor stays open with the VM */
	kiste_kvm_sys_close(&v->kvm);
	return 0;
}

/* Runs the vCPU, serving its hypercalls, until the guest exits (never returns) or fails. */
static int vm_run(struct uk_vm *v, struct kiste_err *err)
{
	struct kvm_run *run = v->run;
	uint32_t value;
	int ret;

	for (;;) {
		if (ioctl(v->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return kiste_err_set(err, -errno,
					     "KVM_RUN failed: %s: use --isolation "
					     "process if this machine's KVM cannot run the guest",
					     strerror(errno));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
			    run->io.count != 1)
				return kiste_err_set(err, -EFAULT,
						     "guest made an unexpected port "
						     "access at 0x%x: rebuild it with kiste-uk-cc",
						     run->io.port);
			memcpy(&value, (uint8_t *)run + run->io.data_offset, 4);
			ret = vm_out(v, run->io.port, value, err);
			if (ret < 0)
				return ret;
			break;
		case KVM_EXIT_HLT:
			return kiste_err_set(err, -EFAULT,
					     "guest halted without exiting: end it "
					     "with uk_exit()");
		case KVM_EXIT_SHUTDOWN:
			return kiste_err_set(err, -EFAULT,
					     "guest crashed (triple fault): debug "
					     "it with --isolation process");
		default:
			return kiste_err_set(err, -EIO,
					     "guest stopped with KVM exit reason %u: use "
					     "--isolation process",
					     run->exit_reason);
		}
	}
}

void uk_vm_child(struct kiste_kvm *kvm, const struct kiste_uk_opts *o,
		 const struct kiste_uk_image *img, struct kiste_uk_devs *devs)
{
	struct uk_vm v = { .kvm = *kvm,
			   .vcpu_fd = -1,
			   .devs = devs,
			   .stats = kiste_setting(KISTE_SET_UK_STATS) != NULL };
	struct kiste_err err = { 0 };
	uint32_t i;
	int ret;

	for (i = 0; i < devs->ndev; i++) {
		if (devs->dev[i].info.type != KISTE_UK_DEV_NET)
			continue;
		v.pfd[v.nnet] = (struct pollfd){ .fd = devs->dev[i].fd, .events = POLLIN };
		v.pfd_handle[v.nnet++] = i;
	}
	/*
	 * The VMM drops the caller's identity (host root's, as kiste runs) before
	 * its filter: the vCPU, the VM and the devices are descriptors by now, and
	 * nothing it does after needs more.
	 */
	if (vm_setup(&v, o, img, &err) < 0 || vm_fds(&v, &err) < 0 ||
	    kiste_unprivileged(&err) < 0 || vm_confine(&v, &err) < 0)
		kiste_child_fail(&err);
	ret = vm_run(&v, &err);
	vm_diag("%s", err.msg);
	vm_exit(ret == -EFAULT ? KISTE_EXIT_SIGNAL + SIGSEGV : KISTE_EXIT_REFUSED);
}
