// SPDX-License-Identifier: GPL-2.0
// seccomp.c - unikernel seccomp filters (libseccomp): the tender's <= 7 syscalls, the VMM's.
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "uk.h"

/*
 * The whole host surface of a unikernel in process isolation.  Every rule
 * binds the descriptor; sizes and offsets are bound where the ABI fixes them.
 * Anything else kills the process (SECCOMP_RET_KILL_PROCESS): no errno path a
 * unikernel could probe.
 */
enum uk_sys {
	UK_WRITE,
	UK_READ,
	UK_PREAD,
	UK_PWRITE,
	UK_CLOCK,
	UK_PPOLL,
	UK_EXIT,
	UK_IOCTL, /* vm isolation only: KVM_RUN on the vCPU */
	UK_NSYS
};

static const char *const uk_sys_names[UK_NSYS] = {
	"write", "read", "pread64", "pwrite64", "clock_gettime", "ppoll", "exit_group", "ioctl",
};

struct uk_filter {
	scmp_filter_ctx ctx;
	unsigned int used; /* bit per enum uk_sys */
};

static int uk_rule(struct uk_filter *f, enum uk_sys sys, unsigned int n,
		   const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(uk_sys_names[sys]);

	f->used |= 1u << sys;
	if (!f->ctx)
		return 0;
	return seccomp_rule_add_array(f->ctx, SCMP_ACT_ALLOW, nr, n, cmp);
}

static int uk_dev_rules(struct uk_filter *f, const struct kiste_uk_dev *d)
{
	uint64_t fd = KISTE_UK_FD_BASE + d->info.handle;
	uint64_t frame = d->info.mtu + 14;
	struct scmp_arg_cmp blk[3] = {
		SCMP_A0(SCMP_CMP_EQ, fd),
		SCMP_A2(SCMP_CMP_EQ, d->info.block_size),
		SCMP_A3(SCMP_CMP_LE, d->info.capacity - d->info.block_size),
	};
	struct scmp_arg_cmp net[2] = {
		SCMP_A0(SCMP_CMP_EQ, fd),
		SCMP_A2(SCMP_CMP_LE, frame),
	};
	int ret;

	if (d->info.type == KISTE_UK_DEV_BLOCK) {
		ret = uk_rule(f, UK_PREAD, 3, blk);
		return ret ? ret : uk_rule(f, UK_PWRITE, 3, blk);
	}
	ret = uk_rule(f, UK_READ, 2, net);
	return ret ? ret : uk_rule(f, UK_WRITE, 2, net);
}

/*
 * The VMM of vm isolation after setup: its run loop re-enters the vCPU and
 * serves hypercalls on the same descriptors the process tender would use.
 * Block calls may span blocks there, so only descriptor and bounds hold.
 */
static int uk_vmm_dev_rules(struct uk_filter *f, const struct kiste_uk_dev *d)
{
	uint64_t fd = KISTE_UK_FD_BASE + d->info.handle;
	struct scmp_arg_cmp blk[3] = {
		SCMP_A0(SCMP_CMP_EQ, fd),
		SCMP_A2(SCMP_CMP_LE, d->info.capacity),
		SCMP_A3(SCMP_CMP_LE, d->info.capacity - d->info.block_size),
	};
	int ret;

	if (d->info.type == KISTE_UK_DEV_NET)
		return uk_dev_rules(f, d);
	ret = uk_rule(f, UK_PREAD, 3, blk);
	return ret ? ret : uk_rule(f, UK_PWRITE, 3, blk);
}

static int uk_vmm_rules(struct uk_filter *f, const struct kiste_uk_devs *devs)
{
	struct scmp_arg_cmp run[2] = { SCMP_A0(SCMP_CMP_EQ, KISTE_UK_VCPU_FD),
				       SCMP_A1(SCMP_CMP_EQ, KVM_RUN) };
	/* the VMM's own last words before it exits (bad hypercall, guest crash) */
	struct scmp_arg_cmp diag = SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO);
	uint32_t i;
	int ret = uk_rule(f, UK_IOCTL, 2, run);

	for (i = 0; i < devs->ndev && !ret; i++)
		ret = uk_vmm_dev_rules(f, &devs->dev[i]);
	return ret ? ret : uk_rule(f, UK_WRITE, 1, &diag);
}

static int uk_rules(struct uk_filter *f, const struct kiste_uk_devs *devs, uint32_t iso)
{
	struct scmp_arg_cmp console = SCMP_A0(SCMP_CMP_EQ, KISTE_UK_CONSOLE_FD);
	struct scmp_arg_cmp mono = SCMP_A0(SCMP_CMP_EQ, CLOCK_MONOTONIC);
	struct scmp_arg_cmp wall = SCMP_A0(SCMP_CMP_EQ, CLOCK_REALTIME);
	struct scmp_arg_cmp status = SCMP_A0(SCMP_CMP_LE, 255);
	struct scmp_arg_cmp poll[2] = { SCMP_A1(SCMP_CMP_EQ, 0), SCMP_A3(SCMP_CMP_EQ, 0) };
	uint32_t i, nnet = 0;
	int ret = 0;

	for (i = 0; i < devs->ndev; i++)
		nnet += devs->dev[i].info.type == KISTE_UK_DEV_NET;
	if (iso == KISTE_UK_ISO_VM)
		ret = uk_vmm_rules(f, devs);
	for (i = 0; i < devs->ndev && !ret && iso != KISTE_UK_ISO_VM; i++)
		ret = uk_dev_rules(f, &devs->dev[i]);
	/* yield polls exactly the net devices (none: a plain sleep), never with a sigmask */
	poll[0] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_EQ, nnet);
	if (!ret)
		ret = uk_rule(f, UK_WRITE, 1, &console);
	if (!ret)
		ret = uk_rule(f, UK_CLOCK, 1, &mono);
	if (!ret)
		ret = uk_rule(f, UK_CLOCK, 1, &wall);
	if (!ret)
		ret = uk_rule(f, UK_PPOLL, 2, poll);
	if (!ret)
		ret = uk_rule(f, UK_EXIT, 1, &status);
	return ret;
}

static int uk_filter_new(struct uk_filter *f, const struct kiste_uk_devs *devs, uint32_t iso,
			 struct kiste_err *err)
{
	int ret;

	f->used = 0;
	f->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!f->ctx)
		return kiste_err_set(err, -ENOMEM, "cannot initialise libseccomp: out of memory");
	ret = uk_rules(f, devs, iso);
	if (ret < 0) {
		seccomp_release(f->ctx);
		return kiste_err_set(err, ret, "cannot build the unikernel seccomp filter: %s",
				     strerror(-ret));
	}
	return 0;
}

int kiste_uk_filter_syscalls(const struct kiste_uk_devs *devs, uint32_t iso, char *names,
			     size_t len)
{
	struct uk_filter f = { 0 };
	int i, n = 0;
	size_t off = 0;

	uk_rules(&f, devs, iso);
	if (names && len)
		names[0] = 0;
	for (i = 0; i < UK_NSYS; i++) {
		if (!(f.used & (1u << i)))
			continue;
		n++;
		if (names && off < len)
			off += snprintf(names + off, len - off, "%s%s", off ? " " : "",
					uk_sys_names[i]);
	}
	return n;
}

int kiste_uk_filter_pfc(const struct kiste_uk_devs *devs, uint32_t iso, int fd,
			struct kiste_err *err)
{
	struct uk_filter f;
	int ret = uk_filter_new(&f, devs, iso, err);

	if (ret < 0)
		return ret;
	ret = seccomp_export_pfc(f.ctx, fd);
	seccomp_release(f.ctx);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot print the seccomp filter: %s",
				     strerror(-ret));
	return 0;
}

int kiste_uk_filter_bpf(const struct kiste_uk_devs *devs, uint32_t iso, void **bpf, size_t *len,
			struct kiste_err *err)
{
	struct uk_filter f;
	off_t size;
	int ret, fd;

	*bpf = NULL;
	ret = uk_filter_new(&f, devs, iso, err);
	if (ret < 0)
		return ret;
	/* libseccomp 2.5 exports BPF only to a descriptor: go through a memfd. */
	fd = memfd_create("kiste-uk-bpf", MFD_CLOEXEC);
	ret = fd < 0 ? -errno : seccomp_export_bpf(f.ctx, fd);
	seccomp_release(f.ctx);
	size = ret == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (size > 0 && size < (1 << 20))
		*bpf = malloc(size);
	if (*bpf && pread(fd, *bpf, size, 0) == size) {
		*len = size;
		close(fd);
		return 0;
	}
	free(*bpf);
	*bpf = NULL;
	if (fd >= 0)
		close(fd);
	return kiste_err_set(err, ret < 0 ? ret : -EIO, "cannot export the seccomp filter: %s",
			     strerror(ret < 0 ? -ret : EIO));
}
