// SPDX-License-Identifier: GPL-2.0
// cpu.c - what the guest's CPUs see: MP table, CPUID per vCPU, the 64-bit entry state.
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot.h"
#include "boot_int.h"

/* Intel MultiProcessor Specification 1.4 layouts (the kernel parses these). */
struct mp_float {
	char sig[4];		/* "_MP_" */
	uint32_t table;
	uint8_t len16;		/* length in 16-byte units */
	uint8_t spec;
	uint8_t csum;
	uint8_t feature[5];
} __attribute__((packed));

struct mp_table {
	char sig[4];		/* "PCMP" */
	uint16_t len;
	uint8_t spec;
	uint8_t csum;
	char oem[8];
	char product[12];
	uint32_t oem_ptr;
	uint16_t oem_size;
	uint16_t count;
	uint32_t lapic;
	uint32_t reserved;
} __attribute__((packed));

struct mp_cpu {
	uint8_t type, apic_id, apic_ver, flags;
	uint32_t signature, features, reserved[2];
} __attribute__((packed));

struct mp_entry8 {		/* bus, IOAPIC, interrupt sources: all 8 bytes */
	uint8_t b[8];
} __attribute__((packed));

#define MP_CPU		0
#define MP_BUS		1
#define MP_IOAPIC	2
#define MP_INTSRC	3
#define MP_LINTSRC	4

static uint8_t mp_csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return (uint8_t)-s;
}

static void mp_irq(struct mp_entry8 *e, uint8_t type, uint8_t kind, uint8_t bus_irq,
		   uint8_t dst, uint8_t pin)
{
	*e = (struct mp_entry8){ { type, kind, 0, 0, 0, bus_irq, dst, pin } };
}

int linux_mptable_write(uint8_t *mem, unsigned int cpus, struct kiste_err *err)
{
	struct mp_float *f = (struct mp_float *)(mem + LINUX_EBDA);
	struct mp_table *t = (struct mp_table *)(f + 1);
	uint8_t *p = (uint8_t *)(t + 1), ioapic = cpus;
	struct mp_entry8 *e;
	unsigned int i;

	if (cpus < 1 || cpus > LINUX_CPUS_MAX)
		return kiste_err_set(err, -EINVAL, "%u vCPUs: use --cpus 1..%d", cpus,
				     LINUX_CPUS_MAX);
	memset(f, 0, 1024);
	memcpy(t->sig, "PCMP", 4);
	t->spec = 4;
	memcpy(t->oem, "KISTE   ", 8);
	memcpy(t->product, "KISTE-VM    ", 12);
	t->lapic = LINUX_LAPIC_ADDR;
	for (i = 0; i < cpus; i++, p += sizeof(struct mp_cpu)) {
		struct mp_cpu *c = (struct mp_cpu *)p;

		*c = (struct mp_cpu){ .type = MP_CPU, .apic_id = i, .apic_ver = 0x14,
				      .flags = 1 | (i == 0 ? 2 : 0), .signature = 0x600,
				      .features = 0x201 };
	}
	e = (struct mp_entry8 *)p;
	*e++ = (struct mp_entry8){ { MP_BUS, 0, 'I', 'S', 'A', ' ', ' ', ' ' } };
	*e++ = (struct mp_entry8){ { MP_IOAPIC, ioapic, 0x11, 1, 0, 0, 0xc0, 0xfe } };
	for (i = 0; i < 16; i++)
		mp_irq(e++, MP_INTSRC, 0 /* INT */, i, ioapic, i);
	mp_irq(e++, MP_LINTSRC, 3 /* ExtINT */, 0, 0xff, 0);
	mp_irq(e++, MP_LINTSRC, 1 /* NMI */, 0, 0xff, 1);
	t->count = cpus + 2 + 16 + 2;
	t->len = (uint8_t *)e - (uint8_t *)t;
	t->csum = mp_csum(t, t->len);
	memcpy(f->sig, "_MP_", 4);
	f->table = (uint32_t)(LINUX_EBDA + sizeof(*f));
	f->len16 = 1;
	f->spec = 4;
	f->csum = mp_csum(f, sizeof(*f));
	return 0;
}

/* KVM's supported list is well under this on every x86 host. */
#define CPUID_MAX 256

int linux_cpuid_get(int sys_fd, struct kvm_cpuid2 **out, struct kiste_err *err)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX * sizeof(c->entries[0]));
	if (!c)
		return kiste_err_set(err, -ENOMEM, "out of memory for CPUID");
	c->nent = CPUID_MAX;
	if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return kiste_err_set(err, -errno, "KVM_GET_SUPPORTED_CPUID failed: %s",
				     strerror(errno));
	}
	*out = c;
	return 0;
}

int linux_cpuid_set(int vcpu_fd, const struct kvm_cpuid2 *base, unsigned int idx,
		    unsigned int cpus, struct kiste_err *err)
{
	size_t sz = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	unsigned int i;
	int ret = 0;

	if (!c)
		return kiste_err_set(err, -ENOMEM, "out of memory for CPUID");
	memcpy(c, base, sz);
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* APIC id and logical count; the hypervisor bit for paravirt clocks. */
			e->ebx = (e->ebx & 0x0000ffff) | (cpus << 16) | (idx << 24);
			e->ecx |= 1u << 31;
			/*
			 * TSC-deadline timer: KVM's in-kernel LAPIC (always created
			 * here) emulates it but does not list it.  With it the guest
			 * skips its ~100 ms LAPIC timer calibration against the PIT.
			 */
			e->ecx |= 1u << 24;
			break;
		case 0xb:
		case 0x1f:
			e->edx = idx;
			break;
		}
	}
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		ret = kiste_err_set(err, -errno, "KVM_SET_CPUID2 failed: %s", strerror(errno));
	free(c);
	return ret;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				   .present = 1, .s = 1, .g = 1, .l = code, .db = !code };
}

int linux_boot_vcpu(int vcpu_fd, const struct linux_boot_layout *lay, struct kiste_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return kiste_err_set(err, -errno, "KVM_GET_SREGS failed: %s", strerror(errno));
	/* Boot protocol: long mode, identity paging, __BOOT_CS/__BOOT_DS, interrupts off. */
	sregs.cr3 = LINUX_PML4;
	sregs.cr4 = 1u << 5;				/* PAE */
	sregs.cr0 = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 31);	/* PE ET NE PG */
	sregs.efer = (1u << 8) | (1u << 10);		/* LME LMA */
	seg(&sregs.cs, 0x10, 11, 1);
	seg(&sregs.ds, 0x18, 3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = LINUX_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.tr = (struct kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return kiste_err_set(err, -errno, "KVM_SET_SREGS failed: %s", strerror(errno));
	regs.rflags = 0x2;
	regs.rip = lay->entry;
	regs.rsi = LINUX_ZERO_PAGE;
	regs.rsp = LINUX_ZERO_PAGE - 16;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return kiste_err_set(err, -errno, "KVM_SET_REGS failed: %s", strerror(errno));
	return 0;
}

void linux_cpu_dump(int vcpu_fd, int fd, const char *why)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	char buf[256];
	int n;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return;
	/* snprintf + write, not dprintf: stdio would fstat @fd, which the vCPU filter refuses. */
	n = snprintf(buf, sizeof(buf), "kiste: %s: rip=0x%llx rsp=0x%llx rsi=0x%llx "
		     "cr0=0x%llx cr2=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx cs=0x%x\n", why, r.rip,
		     r.rsp, r.rsi, s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector);
	if (n > 0 && write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		return;
}
