// SPDX-License-Identifier: GPL-2.0
// x86_64.c - the x86 state of a guest: CPUID from KVM's list, identity paging, flat GDT, long mode.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kiste_kvm.h"

#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_PG	       (1ULL << 31)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME       (1ULL << 8)
#define EFER_LMA       (1ULL << 10)
#define PTE_P	       0x1ULL
#define PTE_W	       0x2ULL
#define PTE_PS	       0x80ULL
#define PAGE	       4096ULL
#define GIB	       (1ULL << 30)
/* One PDPT: 512 PDs of 1 GiB each. */
#define LM_MAP_MAX (512 * GIB)
/* Code and data must fit a small GDT: selectors up to 15 * 8. */
#define LM_CS_MAX 120
/* 64-bit code (L=1, D=0) and data (D/B=1), flat, present, DPL 0, accessed. */
#define GDT_CODE64 0x00af9b000000ffffULL
#define GDT_DATA   0x00cf93000000ffffULL
/* KVM_MAX_CPUID_ENTRIES: KVM never lists more. */
#define CPUID_MAX 256

static int x86_fail(struct kiste_err *err, const char *what)
{
	return kiste_err_set(err, -errno,
			     "%s failed: %s: is KVM usable here (nested "
			     "virtualization enabled)?",
			     what, strerror(errno));
}

int kiste_kvm_cpuid_get(const struct kiste_kvm *kvm, struct kvm_cpuid2 **cpuid,
			struct kiste_err *err)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX * sizeof(c->entries[0]));
	if (!c)
		return kiste_err_set(err, -ENOMEM, "out of memory for CPUID");
	c->nent = CPUID_MAX;
	if (ioctl(kvm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return x86_fail(err, "KVM_GET_SUPPORTED_CPUID");
	}
	*cpuid = c;
	return 0;
}

int kiste_kvm_vcpu_cpuid_set(int vcpu_fd, const struct kvm_cpuid2 *cpuid, struct kiste_err *err)
{
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		return x86_fail(err, "KVM_SET_CPUID2");
	return 0;
}

static uint64_t lm_tables_len(const struct kiste_kvm_long_mode *lm)
{
	return (2 + (lm->map_size + GIB - 1) / GIB) * PAGE;
}

static uint64_t lm_gdt_len(const struct kiste_kvm_long_mode *lm)
{
	return (lm->cs / 8 + 2) * 8;
}

static bool lm_valid(const struct kiste_kvm_long_mode *lm)
{
	if (!lm->map_size || lm->map_size % (2ULL << 20) || lm->map_size > LM_MAP_MAX)
		return false;
	if (lm->tables % PAGE || lm->cs < 8 || lm->cs % 8 || lm->cs > LM_CS_MAX)
		return false;
	/* the GDT must not sit in the tables, nor they in it */
	return lm->gdt + lm_gdt_len(lm) <= lm->tables || lm->tables + lm_tables_len(lm) <= lm->gdt;
}

int kiste_kvm_long_mode_write(const struct kiste_kvm *kvm, const struct kiste_kvm_long_mode *lm,
			      struct kiste_err *err)
{
	uint64_t *pml4, *pdpt, *pd, *gdt, a, i;

	pml4 = lm_valid(lm) ? kiste_kvm_gpa(kvm, lm->tables, lm_tables_len(lm)) : NULL;
	gdt = pml4 ? kiste_kvm_gpa(kvm, lm->gdt, lm_gdt_len(lm)) : NULL;
	if (!gdt)
		return kiste_err_set(err, -EINVAL,
				     "long-mode layout (tables 0x%llx, %llu MiB, "
				     "GDT 0x%llx, cs 0x%x) does not fit guest RAM: a kiste bug",
				     (unsigned long long)lm->tables,
				     (unsigned long long)(lm->map_size >> 20),
				     (unsigned long long)lm->gdt, lm->cs);
	memset(pml4, 0, lm_tables_len(lm));
	pdpt = pml4 + PAGE / 8;
	pd = pdpt + PAGE / 8;
	pml4[0] = (lm->tables + PAGE) | PTE_P | PTE_W;
	for (i = 0; i < (lm->map_size + GIB - 1) / GIB; i++)
		pdpt[i] = (lm->tables + (2 + i) * PAGE) | PTE_P | PTE_W;
	for (a = 0; a < lm->map_size; a += 2ULL << 20)
		pd[a >> 21] = a | PTE_P | PTE_W | PTE_PS;
	memset(gdt, 0, lm_gdt_len(lm));
	gdt[lm->cs / 8] = GDT_CODE64;
	gdt[lm->cs / 8 + 1] = GDT_DATA;
	return 0;
}

static void lm_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	*s = (struct kvm_segment){ .base = 0,
				   .limit = 0xffffffff,
				   .selector = sel,
				   .type = type,
				   .present = 1,
				   .s = 1,
				   .g = 1,
				   .l = code,
				   .db = !code };
}

int kiste_kvm_long_mode_enter(int vcpu_fd, const struct kiste_kvm_long_mode *lm,
			      struct kiste_err *err)
{
	struct kvm_regs regs = { 0 };
	struct kvm_sregs sregs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return x86_fail(err, "KVM_GET_SREGS");
	sregs.cr3 = lm->tables;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	if (lm->flags & KISTE_KVM_LM_SSE) {
		sregs.cr0 |= CR0_MP;
		sregs.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	}
	if (lm->flags & KISTE_KVM_LM_WP)
		sregs.cr0 |= CR0_WP;
	sregs.efer = EFER_LME | EFER_LMA;
	lm_seg(&sregs.cs, lm->cs, 11, 1);
	lm_seg(&sregs.ds, lm->cs + 8, 3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = lm->gdt;
	sregs.gdt.limit = lm_gdt_len(lm) - 1;
	/* VMX's entry checks want a busy 64-bit TSS in long mode; SVM's reset has a 16-bit one. */
	sregs.tr = (struct kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return x86_fail(err, "KVM_SET_SREGS (long mode)");
	regs.rflags = 0x2; /* IF clear: interrupts stay off until the guest wants them */
	regs.rip = lm->rip;
	regs.rsp = lm->rsp;
	regs.rsi = lm->rsi;
	regs.rdi = lm->rdi;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return x86_fail(err, "KVM_SET_REGS");
	return 0;
}
