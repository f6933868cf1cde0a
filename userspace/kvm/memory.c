// SPDX-License-Identifier: GPL-2.0
// memory.c - guest RAM: host memory for it, its KVM memory slot, guest-physical to host addresses.
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kiste_kvm.h"

#define KVM_PAGE 4096ULL
#define KVM_HUGE (2ULL << 20)

/*
 * With KISTE_KVM_MEM_HUGE: 2 MiB-aligned and THP-eligible, as qemu does: KVM
 * maps a 2 MiB guest range with one large page only when host and guest
 * addresses agree modulo 2 MiB, and every small page is one more nested page
 * fault (an exit, very slow under nested virtualization).  Without: small
 * guests stay on small pages, which keeps their RSS small.
 */
static uint8_t *mem_map(uint64_t size, unsigned int flags)
{
	size_t len = size + (flags & KISTE_KVM_MEM_HUGE ? KVM_HUGE : 0);
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	if (!(flags & KISTE_KVM_MEM_HUGE))
		return p;
	a = ((uintptr_t)p + KVM_HUGE - 1) & ~(uintptr_t)(KVM_HUGE - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((uint8_t *)a + size, (uintptr_t)p + len - a - size);
	/* Advice only: without THP the guest still runs, on small pages. */
	madvise((uint8_t *)a, size, MADV_HUGEPAGE);
	return (uint8_t *)a;
}

int kiste_kvm_mem_create(struct kiste_kvm *kvm, uint64_t size, unsigned int flags,
			 struct kiste_err *err)
{
	struct kvm_userspace_memory_region region = { .memory_size = size };
	int ret;

	if (kvm->mem)
		return kiste_err_set(err, -EEXIST, "guest RAM exists already: a kiste bug");
	if (!size || size % KVM_PAGE || size > (uint64_t)SIZE_MAX / 2)
		return kiste_err_set(err, -EINVAL,
				     "guest memory of %llu bytes: use a multiple of 4 KiB",
				     (unsigned long long)size);
	region.userspace_addr = (uintptr_t)mem_map(size, flags);
	if (!region.userspace_addr)
		return kiste_err_set(err, -ENOMEM,
				     "cannot reserve %llu MiB of guest memory: lower --memory",
				     (unsigned long long)(size >> 20));
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) == 0) {
		kvm->mem = (uint8_t *)(uintptr_t)region.userspace_addr;
		kvm->mem_size = size;
		return 0;
	}
	if (errno == E2BIG)
		ret = kiste_err_set(err, -E2BIG,
				    "the sandbox's memory limit is below the guest's %llu MiB: "
				    "lower --memory",
				    (unsigned long long)(size >> 20));
	else
		ret = kiste_err_set(err, -errno,
				    "KVM_SET_USER_MEMORY_REGION failed: %s: is KVM usable here?",
				    strerror(errno));
	munmap((void *)(uintptr_t)region.userspace_addr, size);
	return ret;
}

void *kiste_kvm_gpa(const struct kiste_kvm *kvm, uint64_t gpa, uint64_t len)
{
	if (gpa > kvm->mem_size || len > kvm->mem_size - gpa)
		return NULL;
	return kvm->mem + gpa;
}
