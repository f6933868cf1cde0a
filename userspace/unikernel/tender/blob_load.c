// SPDX-License-Identifier: GPL-2.0
// blob_load.c - maps the embedded bindings blob at its link address in the unikernel's process.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "tender.h"

#define PAGE 4096ULL

/* blob_image.S */
extern const unsigned char kiste_uk_blob_image[], kiste_uk_blob_image_end[];

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* The blob's program headers, checked against the image: kiste's own build output. */
static const Elf64_Phdr *blob_phdrs(uint16_t *n)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)kiste_uk_blob_image;
	size_t size = (size_t)(kiste_uk_blob_image_end - kiste_uk_blob_image);
	const Elf64_Phdr *ph;
	uint16_t i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph))
		return NULL;
	ph = (const Elf64_Phdr *)(kiste_uk_blob_image + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD &&
		    (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset ||
		     ph[i].p_filesz > ph[i].p_memsz || ph[i].p_vaddr < UK_BLOB_ADDR ||
		     ph[i].p_memsz > KISTE_UK_LOAD_ADDR - ph[i].p_vaddr))
			return NULL;
	*n = eh->e_phnum;
	return ph;
}

static int blob_protect(const Elf64_Phdr *ph, uint16_t n, struct kiste_err *err)
{
	uint64_t lo, hi;
	uint16_t i;
	int prot;

	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		lo = page_down(ph[i].p_vaddr);
		hi = page_up(ph[i].p_vaddr + ph[i].p_memsz);
		prot = (ph[i].p_flags & PF_R ? PROT_READ : 0) |
		       (ph[i].p_flags & PF_W ? PROT_WRITE : 0) |
		       (ph[i].p_flags & PF_X ? PROT_EXEC : 0);
		/* mapped read-write: each mprotect costs page-table work */
		if (prot != (PROT_READ | PROT_WRITE) && mprotect((void *)lo, hi - lo, prot) < 0)
			return kiste_err_set(err, -errno,
					     "cannot protect the unikernel's bindings: %s",
					     strerror(errno));
	}
	return 0;
}

int tender_blob_map(const struct uk_blob_head **head, struct kiste_err *err)
{
	uint64_t lo = KISTE_UK_LOAD_ADDR, hi = UK_BLOB_ADDR;
	const struct uk_blob_head *h;
	const Elf64_Phdr *ph;
	uint64_t seg_lo, seg_hi;
	uint16_t n = 0, i;
	void *p;

	/* One mapping spans the segments; blob_protect() then gives each its rights. */
	ph = blob_phdrs(&n);
	for (i = 0; ph && i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		seg_lo = page_down(ph[i].p_vaddr);
		seg_hi = page_up(ph[i].p_vaddr + ph[i].p_memsz);
		lo = seg_lo < lo ? seg_lo : lo;
		hi = seg_hi > hi ? seg_hi : hi;
	}
	if (!ph || lo != UK_BLOB_ADDR || hi <= lo)
		return kiste_err_set(err, -ENOEXEC,
				     "the unikernel bindings in this kiste are "
				     "malformed: rebuild kiste");
	p = mmap((void *)lo, hi - lo, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)lo)
		return kiste_err_set(err, -ENOMEM,
				     "cannot map the unikernel's bindings at %#llx: "
				     "%s (is vm.mmap_min_addr above it?)",
				     (unsigned long long)lo,
				     p == MAP_FAILED ? strerror(errno) : "address taken");
	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy((void *)ph[i].p_vaddr, kiste_uk_blob_image + ph[i].p_offset,
			       ph[i].p_filesz);
	h = (const struct uk_blob_head *)lo;
	if (h->magic != UK_BLOB_MAGIC || h->version != UK_BLOB_VERSION || h->start != lo ||
	    h->end != hi)
		return kiste_err_set(err, -ENOEXEC,
				     "the unikernel bindings in this kiste do not "
				     "match it (version %u): rebuild kiste",
				     h->version);
	*head = h;
	return blob_protect(ph, n, err);
}
