// SPDX-License-Identifier: GPL-2.0
// cpu.c - what the Linux guest's CPUs see: MP table, CPUID per vCPU, the boot protocol entry.
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot.h"
#include "boot_int.h"
#include "kiste_kvm.h"
#include "pci.h"

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

/* Interrupt flags: the bus's default, or PCI's level-triggered active-high. */
#define MP_IRQ_BUS	0x00
#define MP_IRQ_LEVEL	0x0d

static void mp_irq(struct mp_entry8 *e, uint8_t type, uint8_t kind, uint8_t flags, uint8_t bus,
		   uint8_t bus_irq, uint8_t dst, uint8_t pin)
{
	*e = (struct mp_entry8){ { type, kind, flags, 0, bus, bus_irq, dst, pin } };
}

/* The whole table fits the 1 KiB EBDA with every CPU and PCI slot there can be. */
_Static_assert(sizeof(struct mp_float) + sizeof(struct mp_table) +
	       LINUX_CPUS_MAX * sizeof(struct mp_cpu) +
	       (1 + 1 + 1 + 16 + LINUX_PCI_SLOTS + 2) * sizeof(struct mp_entry8) <= 1024,
	       "MP table larger than the EBDA");

int linux_mptable_write(uint8_t *mem, unsigned int cpus, unsigned int pci_slots,
			struct kiste_err *err)
{
	struct mp_float *f = (struct mp_float *)(mem + LINUX_EBDA);
	struct mp_table *t = (struct mp_table *)(f + 1);
	uint8_t *p = (uint8_t *)(t + 1), ioapic = cpus, isa = pci_slots ? 1 : 0;
	struct mp_entry8 *e;
	unsigned int i;

	if (cpus < 1 || cpus > LINUX_CPUS_MAX)
		return kiste_err_set(err, -EINVAL, "%u vCPUs: use --cpus 1..%d", cpus,
				     LINUX_CPUS_MAX);
	if (pci_slots > LINUX_PCI_SLOTS)
		return kiste_err_set(err, -EINVAL, "%u PCI devices: at most %d", pci_slots,
				     LINUX_PCI_SLOTS);
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
	/* A bus's id is its number: PCI's bus 0 must be id 0, so ISA moves to 1. */
	if (pci_slots)
		*e++ = (struct mp_entry8){ { MP_BUS, 0, 'P', 'C', 'I', ' ', ' ', ' ' } };
	*e++ = (struct mp_entry8){ { MP_BUS, isa, 'I', 'S', 'A', ' ', ' ', ' ' } };
	*e++ = (struct mp_entry8){ { MP_IOAPIC, ioapic, 0x11, 1, 0, 0, 0xc0, 0xfe } };
	for (i = 0; i < 16; i++)
		mp_irq(e++, MP_INTSRC, 0 /* INT */, MP_IRQ_BUS, isa, i, ioapic, i);
	/* PCI source irq: slot << 2 | pin (INTA = 0). */
	for (i = 1; i <= pci_slots; i++)
		mp_irq(e++, MP_INTSRC, 0 /* INT */, MP_IRQ_LEVEL, 0, i << 2, ioapic,
		       LINUX_PCI_GSI_BASE + i - 1);
	mp_irq(e++, MP_LINTSRC, 3 /* ExtINT */, MP_IRQ_BUS, isa, 0, 0xff, 0);
	mp_irq(e++, MP_LINTSRC, 1 /* NMI */, MP_IRQ_BUS, isa, 0, 0xff, 1);
	t->count = cpus + (pci_slots ? 1 : 0) + 2 + 16 + pci_slots + 2;
	t->len = (uint8_t *)e - (uint8_t *)t;
	t->csum = mp_csum(t, t->len);
	memcpy(f->sig, "_MP_", 4);
	f->table = (uint32_t)(LINUX_EBDA + sizeof(*f));
	f->len16 = 1;
	f->spec = 4;
	f->csum = mp_csum(f, sizeof(*f));
	return 0;
}

int linux_cpuid_set(int vcpu_fd, const struct kvm_cpuid2 *base, unsigned int idx,
		    unsigned int cpus, struct kiste_err *err)
{
	size_t sz = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	unsigned int i;
	int ret;

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
	ret = kiste_kvm_vcpu_cpuid_set(vcpu_fd, c, err);
	free(c);
	return ret;
}

/*
 * The boot protocol's 64-bit entry: identity paging of the low 4 GiB, the flat
 * GDT with __BOOT_CS 0x10 and __BOOT_DS 0x18, interrupts off, %rsi the zero
 * page.  The KVM layer writes the tables and sets the registers for both VMMs.
 */
static struct kiste_kvm_long_mode boot_long_mode(const struct linux_boot_layout *lay)
{
	return (struct kiste_kvm_long_mode){
		.tables = LINUX_PML4, .map_size = LINUX_MAP_SIZE, .gdt = LINUX_GDT, .cs = 0x10,
		.rip = lay->entry, .rsp = LINUX_ZERO_PAGE - 16, .rsi = LINUX_ZERO_PAGE,
	};
}

int linux_boot_vcpu(const struct kiste_kvm *kvm, int vcpu_fd, const struct linux_boot_layout *lay,
		    struct kiste_err *err)
{
	const struct kiste_kvm_long_mode lm = boot_long_mode(lay);
	int ret = kiste_kvm_long_mode_write(kvm, &lm, err);

	return ret < 0 ? ret : kiste_kvm_long_mode_enter(vcpu_fd, &lm, err);
}

void linux_cpu_dump(int vcpu_fd, int fd, const char *why, bool crlf)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	char buf[256];
	int n;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return;
	/* snprintf + write, not dprintf: stdio would fstat @fd, which the vCPU filter refuses. */
	n = snprintf(buf, sizeof(buf), "kiste: %s: rip=0x%llx rsp=0x%llx rsi=0x%llx "
		     "cr0=0x%llx cr2=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx cs=0x%x%s", why, r.rip,
		     r.rsp, r.rsi, s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector,
		     crlf ? "\r\n" : "\n");
	if (n > 0 && write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		return;
}
