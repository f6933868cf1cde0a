// SPDX-License-Identifier: GPL-2.0
// image.c - maps and relocates the embedded guest kernel (static-pie ELF), then hands control over.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"

extern const unsigned char kiste_gk_image[];
extern const unsigned char kiste_gk_image_end[];

#define PG 4096UL
#define UP(x) (((x) + PG - 1) & ~(PG - 1))
#define DOWN(x) ((x) & ~(PG - 1))

static int prot_of(uint32_t f)
{
	return ((f & PF_R) ? PROT_READ : 0) | ((f & PF_W) ? PROT_WRITE : 0) |
	       ((f & PF_X) ? PROT_EXEC : 0);
}

static int relocate(uintptr_t base, const Elf64_Phdr *ph, int phnum)
{
	const Elf64_Dyn *d = NULL;
	uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela), i;
	int k;

	for (k = 0; k < phnum; k++)
		if (ph[k].p_type == PT_DYNAMIC)
			d = (const Elf64_Dyn *)(base + ph[k].p_vaddr);
	for (; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RELA)
			rela = d->d_un.d_ptr;
		else if (d->d_tag == DT_RELASZ)
			relasz = d->d_un.d_val;
		else if (d->d_tag == DT_RELAENT)
			relaent = d->d_un.d_val;
	}
	if (relaent != sizeof(Elf64_Rela))
		return -EINVAL;
	for (i = 0; i < relasz / relaent; i++) {
		const Elf64_Rela *r = (const Elf64_Rela *)(base + rela) + i;

		/* -nostdlib static-pie with hidden symbols: only RELATIVE relocations. */
		if (ELF64_R_TYPE(r->r_info) != R_X86_64_RELATIVE)
			return -EINVAL;
		*(uint64_t *)(base + r->r_offset) = base + r->r_addend;
	}
	return 0;
}

int shim_image_map(struct shim_image *img, struct kiste_err *err)
{
	const Elf64_Ehdr *eh = (const void *)kiste_gk_image;
	size_t size = kiste_gk_image_end - kiste_gk_image;
	const Elf64_Phdr *ph;
	uint64_t hi = 0;
	uintptr_t base;
	int k;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_type != ET_DYN ||
	    eh->e_phoff + eh->e_phnum * sizeof(*ph) > size)
		return kiste_err_set(err, -ENOEXEC, "the embedded guest kernel is damaged: rebuild kiste");
	ph = (const void *)(kiste_gk_image + eh->e_phoff);
	for (k = 0; k < eh->e_phnum; k++)
		if (ph[k].p_type == PT_LOAD && UP(ph[k].p_vaddr + ph[k].p_memsz) > hi)
			hi = UP(ph[k].p_vaddr + ph[k].p_memsz);
	/*
	 * Low and fixed: every workload mapping then lies above the image, which
	 * the allowlist can test (a MAP_FIXED address must be >= its end).
	 */
	if (GK_IMAGE_BASE + hi > GK_IMAGE_LIMIT)
		return kiste_err_set(err, -E2BIG, "the guest kernel image is too large: rebuild kiste");
	base = (uintptr_t)mmap((void *)GK_IMAGE_BASE, hi, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if ((void *)base == MAP_FAILED || base != GK_IMAGE_BASE)
		return kiste_err_set(err, -errno, "cannot map the guest kernel at 0x%lx: %s "
				     "(is vm.mmap_min_addr above it?)", GK_IMAGE_BASE,
				     strerror(errno));
	memset(img, 0, sizeof(*img));
	for (k = 0; k < eh->e_phnum; k++) {
		if (ph[k].p_type != PT_LOAD)
			continue;
		if (ph[k].p_offset + ph[k].p_filesz > size)
			return kiste_err_set(err, -ENOEXEC, "the embedded guest kernel is damaged");
		memcpy((void *)(base + ph[k].p_vaddr), kiste_gk_image + ph[k].p_offset,
		       ph[k].p_filesz);
		if (ph[k].p_flags & PF_X) {
			img->gate_start = base + DOWN(ph[k].p_vaddr);
			img->gate_len = UP(ph[k].p_vaddr + ph[k].p_memsz) - DOWN(ph[k].p_vaddr);
		}
	}
	if (!img->gate_len || relocate(base, ph, eh->e_phnum) < 0)
		return kiste_err_set(err, -ENOEXEC, "the embedded guest kernel cannot be relocated");
	/* The fork stub opens the gate and its clone ends GK_FORK_RET_OFF bytes in (gk.ld). */
	if (img->gate_len <= GK_THREAD_RET_OFF ||
	    memcmp((void *)(img->gate_start + GK_FORK_RET_OFF - 2), "\x0f\x05", 2) ||
	    memcmp((void *)(img->gate_start + GK_THREAD_RET_OFF - 2), "\x0f\x05", 2))
		return kiste_err_set(err, -ENOEXEC, "the embedded guest kernel has no fork or "
				     "thread stub where boot.h says: rebuild kiste");
	for (k = 0; k < eh->e_phnum; k++)
		if (ph[k].p_type == PT_LOAD &&
		    mprotect((void *)(base + DOWN(ph[k].p_vaddr)),
			     UP(ph[k].p_vaddr + ph[k].p_memsz) - DOWN(ph[k].p_vaddr),
			     prot_of(ph[k].p_flags)) < 0)
			return kiste_err_set(err, -errno, "cannot protect the guest kernel: %s",
					     strerror(errno));
	img->start = base;
	img->end = base + hi;
	img->entry = base + eh->e_entry;
	return 0;
}

int shim_image_keep_ranges(struct gk_boot *boot, struct kiste_err *err)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	if (!f)
		return kiste_err_set(err, -errno, "cannot read /proc/self/maps: mount /proc");
	boot->nkeep = 0;
	while (fgets(line, sizeof(line), f) && boot->nkeep < GK_MAX_KEEP) {
		unsigned long s, e;

		if (!strstr(line, "[vvar") && !strstr(line, "[vdso]"))
			continue;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2) {
			boot->keep[boot->nkeep].start = s;
			boot->keep[boot->nkeep++].end = e;
		}
	}
	fclose(f);
	return 0;
}

uintptr_t shim_image_fork_ip(const struct shim_image *img)
{
	return img->gate_start + GK_FORK_RET_OFF;
}

uintptr_t shim_image_thread_ip(const struct shim_image *img)
{
	return img->gate_start + GK_THREAD_RET_OFF;
}

int shim_image_enter(const struct shim_image *img, struct gk_boot *boot,
		     const struct shim_bpf *bpf, int nbpf, struct kiste_err *err)
{
	int i;

	boot->image_start = img->start;
	boot->image_end = img->end;
	boot->gate_start = img->gate_start;
	boot->gate_len = img->gate_len;
	/*
	 * libc's rseq area dies with the launcher's memory; the kernel would fault
	 * writing it (SIGSEGV) once the guest kernel unmaps it.
	 */
	if (__rseq_size && syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
				   __rseq_size < 32 ? 32 : __rseq_size, RSEQ_FLAG_UNREGISTER,
				   RSEQ_SIG) < 0 && errno != EINVAL)
		return kiste_err_set(err, -errno, "cannot unregister rseq: %s", strerror(errno));
	/* Nor may the kernel write or walk libc's thread words once they are workload memory. */
	syscall(SYS_set_tid_address, NULL);
	syscall(SYS_set_robust_list, NULL, 3 * sizeof(void *));
	/* From here on only the guest kernel's own syscalls are possible. */
	for (i = 0; i < nbpf; i++) {
		struct sock_fprog prog = { .len = bpf[i].len, .filter = bpf[i].insns };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return kiste_err_set(err, -errno, "cannot install the shim seccomp "
					     "filters: %s", strerror(errno));
	}
	__asm__ volatile("jmp *%0" : : "r"(img->entry), "D"(boot) : "memory");
	__builtin_unreachable();
}
