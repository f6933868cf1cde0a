// SPDX-License-Identifier: GPL-2.0
// tender_process.c - process isolation: map the unikernel into this process, filter, jump in.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tender.h"

#define PAGE 4096ULL

static int proc_map(const struct kiste_uk_opts *o, struct kiste_err *err)
{
	void *p = mmap((void *)KISTE_UK_LOAD_ADDR, o->memory - KISTE_UK_LOAD_ADDR,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED || p != (void *)KISTE_UK_LOAD_ADDR)
		return kiste_err_set(err, -ENOMEM,
				     "cannot map %llu MiB at 1 MiB for the unikernel: "
				     "%s: lower --memory",
				     (unsigned long long)(o->memory >> 20), strerror(errno));
	return 0;
}

/* W^X after loading: text read+exec, data read+write. */
static int proc_protect(const struct kiste_uk_image *img, struct kiste_err *err)
{
	uint64_t lo, hi;
	uint32_t i;
	int prot;

	for (i = 0; i < img->nseg; i++) {
		lo = img->seg[i].vaddr & ~(PAGE - 1);
		hi = (img->seg[i].vaddr + img->seg[i].memsz + PAGE - 1) & ~(PAGE - 1);
		prot = (img->seg[i].flags & 4 ? PROT_READ : 0) |
		       (img->seg[i].flags & 2 ? PROT_WRITE : 0) |
		       (img->seg[i].flags & 1 ? PROT_EXEC : 0);
		if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
			prot &= ~PROT_EXEC;
		if (mprotect((void *)lo, hi - lo, prot) < 0)
			return kiste_err_set(err, -errno,
					     "cannot protect the unikernel's segments: "
					     "%s",
					     strerror(errno));
	}
	return 0;
}

/* Device descriptors move to KISTE_UK_FD_BASE + handle, which the filter names; all else closes. */
static int proc_fds(struct kiste_uk_devs *devs, struct kiste_err *err)
{
	uint32_t i, nnet = 0;
	int fd;

	for (i = 0; i < devs->ndev; i++) {
		fd = fcntl(devs->dev[i].fd, F_DUPFD_CLOEXEC, 64);
		if (fd < 0)
			return kiste_err_set(err, -errno, "cannot move device descriptors: %s",
					     strerror(errno));
		close(devs->dev[i].fd);
		devs->dev[i].fd = fd;
	}
	for (i = 0; i < devs->ndev; i++) {
		fd = KISTE_UK_FD_BASE + i;
		if (dup2(devs->dev[i].fd, fd) < 0)
			return kiste_err_set(err, -errno, "cannot move device descriptors: %s",
					     strerror(errno));
		uk_bind.dev[i].type = devs->dev[i].info.type;
		uk_bind.dev[i].fd = fd;
		uk_bind.dev[i].block_size = devs->dev[i].info.block_size;
		uk_bind.dev[i].capacity = devs->dev[i].info.capacity;
		uk_bind.dev[i].frame_max = devs->dev[i].info.mtu + 14;
		if (devs->dev[i].info.type == KISTE_UK_DEV_NET) {
			uk_bind.pfd[nnet].fd = fd;
			uk_bind.pfd[nnet].events = 1; /* POLLIN */
			uk_bind.pfd_handle[nnet++] = i;
		}
	}
	uk_bind.ndev = devs->ndev;
	uk_bind.nnet = nnet;
	close_range(KISTE_UK_FD_BASE + devs->ndev, ~0U, 0);
	return 0;
}

void tender_process_child(const struct kiste_uk_opts *o, const struct kiste_uk_image *img,
			  struct kiste_uk_devs *devs)
{
	uint64_t calls[KISTE_UK_CALLS_MAX] = { 0 }, si, sp;
	struct rlimit no_core = { 0, 0 };
	struct kiste_err err = { 0 };
	size_t bpf_len;
	void *bpf;

	uk_bind_table(calls);
	if (proc_map(o, &err) < 0 ||
	    kiste_uk_layout(0, o->memory, img, o, devs, calls, 0, &si, &sp, &err) < 0 ||
	    proc_protect(img, &err) < 0 ||
	    kiste_uk_filter_bpf(devs, KISTE_UK_ISO_PROCESS, &bpf, &bpf_len, &err) < 0 ||
	    proc_fds(devs, &err) < 0)
		kiste_child_fail(&err);
	/* A SIGSYS kill would otherwise dump a core of the whole tender. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		kiste_err_set(&err, -errno, "cannot set no_new_privs: %s", strerror(errno));
		kiste_child_fail(&err);
	}
	uk_bind_enter(bpf, bpf_len, img->entry, si, sp);
}
