// SPDX-License-Identifier: GPL-2.0
// tender_process.c - process isolation: map the unikernel and the bindings blob, hand over, enter.
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/platform/x86.h>
#include <sys/syscall.h>
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
static int proc_fds(struct kiste_uk_devs *devs, struct uk_bind_state *b, struct kiste_err *err)
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
		b->dev[i].type = devs->dev[i].info.type;
		b->dev[i].fd = fd;
		b->dev[i].block_size = devs->dev[i].info.block_size;
		b->dev[i].capacity = devs->dev[i].info.capacity;
		b->dev[i].frame_max = devs->dev[i].info.mtu + 14;
		if (devs->dev[i].info.type == KISTE_UK_DEV_NET) {
			b->pfd[nnet].fd = fd;
			b->pfd[nnet].events = 1; /* POLLIN */
			b->pfd_handle[nnet++] = i;
		}
	}
	b->ndev = devs->ndev;
	b->nnet = nnet;
	close_range(KISTE_UK_FD_BASE + devs->ndev, ~0U, 0);
	return 0;
}

/* The filter goes to the blob's hand-over block: the launcher's copy is unmapped with the rest. */
static int proc_bpf(const struct kiste_uk_devs *devs, bool direct, struct uk_handover *ho,
		    struct kiste_err *err)
{
	size_t len;
	void *bpf;
	int ret;

	ret = kiste_uk_filter_bpf(devs, direct ? KISTE_UK_FILTER_DIRECT : KISTE_UK_ISO_PROCESS,
				  &bpf, &len, err);
	if (ret < 0)
		return ret;
	if (!len || len % sizeof(ho->bpf[0]) || len > sizeof(ho->bpf)) {
		free(bpf);
		return kiste_err_set(err, -E2BIG,
				     "the unikernel's filter has %zu bytes: more than "
				     "the kernel takes",
				     len);
	}
	memcpy(ho->bpf, bpf, len);
	ho->bpf_len = (uint32_t)(len / sizeof(ho->bpf[0]));
	free(bpf);
	return 0;
}

/*
 * glibc registered this thread's rseq area in its TLS, which the blob is about
 * to unmap: the kernel would then kill the process (SIGSEGV) at the next
 * preemption it tries to report there.  Unregistering needs the length it was
 * registered with: the original 32 bytes with Debian 12's glibc (whose
 * __rseq_size is the feature size, 20), __rseq_size where that is larger.
 */
static int proc_rseq_off(struct kiste_err *err)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (!__rseq_size)
		return 0; /* glibc registered none (glibc.pthread.rseq=0) */
	if (syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0 ||
	    (errno == EINVAL &&
	     syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0))
		return 0;
	return kiste_err_set(err, -errno, "cannot unregister libc's rseq area: %s",
			     strerror(errno));
}

/* What the blob resets with XRSTOR; glibc knows whether the OS enabled XSAVE (no CPUID). */
static uint64_t proc_xinit_mask(void)
{
	uint32_t lo, hi;

	if (!CPU_FEATURE_ACTIVE(OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32 | lo) & UK_BLOB_XINIT_MAX;
}

/* Direct entry: the line the blob prints for a seccomp kill, in the page it seals (bindings.h). */
static int proc_direct(const struct tender_direct *d, struct uk_handover *ho, struct kiste_err *err)
{
	struct uk_blob_msg *m = (struct uk_blob_msg *)(uintptr_t)UK_BLOB_MSG_ADDR;
	size_t len = strlen(d->sigsys_line);

	/* "kiste: unikernel 'APP' ...": APP is at most PATH_MAX, the page holds twice that */
	if (len > sizeof(m->text))
		return kiste_err_set(err, -ENAMETOOLONG,
				     "the unikernel's path is too long for its exit message: "
				     "run it by a shorter path");
	memcpy(m->text, d->sigsys_line, len);
	m->len = len;
	ho->flags |= UK_HO_F_DIRECT;
	ho->sigmask = d->sigmask;
	return 0;
}

/* Runs the unikernel's process up to the blob, which takes it from there (bindings.h). */
void tender_process_child(const struct kiste_uk_opts *o, const struct kiste_uk_image *img,
			  struct kiste_uk_devs *devs, const struct tender_direct *direct)
{
	const struct uk_blob_head *head = NULL;
	struct rlimit no_core = { 0, 0 };
	struct kiste_err err = { 0 };
	struct uk_handover *ho;
	uint64_t si, sp;

	if (proc_map(o, &err) < 0 || tender_blob_map(&head, &err) < 0)
		kiste_child_fail(&err);
	ho = (struct uk_handover *)(uintptr_t)head->handover;
	if (kiste_uk_layout(0, o->memory, img, o, devs, head->calls, 0, &si, &sp, &err) < 0 ||
	    proc_protect(img, &err) < 0 || proc_bpf(devs, direct, ho, &err) < 0 ||
	    (direct && proc_direct(direct, ho, &err) < 0) || proc_fds(devs, &ho->bind, &err) < 0)
		kiste_child_fail(&err);
	ho->entry = img->entry;
	ho->start_info = si;
	ho->stack_top = sp;
	ho->mem_start = KISTE_UK_LOAD_ADDR;
	ho->mem_end = (o->memory + PAGE - 1) & ~(PAGE - 1);
	ho->xinit_mask = proc_xinit_mask();
	/* A SIGSYS kill would otherwise dump a core. */
	setrlimit(RLIMIT_CORE, &no_core);
	/*
	 * No privilege from here: its seven calls are all it needs, on
	 * descriptors open by now, so a mistake in the filter is not host root's.
	 */
	if (kiste_unprivileged(&err) < 0)
		kiste_child_fail(&err);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		kiste_err_set(&err, -errno, "cannot set no_new_privs: %s", strerror(errno));
		kiste_child_fail(&err);
	}
	if (proc_rseq_off(&err) < 0)
		kiste_child_fail(&err);
	((void (*)(void))(uintptr_t)head->enter)();
	__builtin_unreachable();
}
