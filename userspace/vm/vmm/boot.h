/* SPDX-License-Identifier: GPL-2.0 */
/* boot.h - the x86 Linux boot protocol: bzImage, boot_params, e820, MP table, vCPU state. */
#ifndef KISTE_LINUX_BOOT_H
#define KISTE_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "libkiste.h"

/* Guest-physical layout below 1 MiB (all inside the first e820 RAM range or the EBDA). */
#define LINUX_GDT		0x0500ULL
#define LINUX_ZERO_PAGE		0x7000ULL
#define LINUX_PML4		0x9000ULL
#define LINUX_PDPT		0xa000ULL
#define LINUX_PD		0xb000ULL	/* 4 pages: 4 GiB of 2 MiB pages */
#define LINUX_MAP_SIZE		(4ULL << 30)	/* what the boot page tables identity-map */
#define LINUX_CMDLINE		0x20000ULL
#define LINUX_CMDLINE_MAX	4096
#define LINUX_EBDA		0x9fc00ULL	/* MP floating pointer and table */
#define LINUX_HIGH		0x100000ULL
#define LINUX_HUGE		0x200000ULL	/* 2 MiB: guest RAM alignment for huge pages */

#define LINUX_MEM_MIN		(64ULL << 20)
/* Below the 32-bit MMIO hole (IOAPIC, LAPIC), so one memory slot suffices. */
#define LINUX_MEM_MAX		(3ULL << 30)
/* The MP table lives in the 1 KiB EBDA: 20 bytes per CPU. */
#define LINUX_CPUS_MAX		32

/* The boot sector and setup header: the setup header ends by 0x202 + 0xff. */
#define LINUX_KERNEL_HEAD	1024

struct linux_kernel {
	/*
	 * Only the header is kept in memory: the protected-mode payload (~8 MiB)
	 * is read from @fd straight into guest memory, never into the VMM's heap.
	 */
	uint8_t head[LINUX_KERNEL_HEAD];
	int fd;
	size_t len;		/* the whole bzImage */
	size_t setup_len;	/* real-mode part: (setup_sects + 1) * 512 */
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_max;	/* highest address the initrd may end at */
	uint32_t cmdline_max;
	uint32_t align;
	int relocatable;
	uint32_t payload_off;	/* the compressed vmlinux, from the end of the setup part */
	uint32_t payload_len;
	uint8_t payload_magic[8];
	int no_decompress;	/* boot the bzImage's own decompressor (KISTE_VM_BZIMAGE=1) */
	const char *cache_dir;	/* decompressed kernels are cached here; NULL: not cached */
};

/* Reads and validates @path; one-line errors name the file and the fix. */
int linux_kernel_load(const char *path, struct linux_kernel *k, struct kiste_err *err);
void linux_kernel_free(struct linux_kernel *k);

struct linux_boot_layout {
	uint64_t kernel_addr;	/* where the protected-mode kernel was copied */
	uint64_t entry;		/* 64-bit entry point */
	int vmlinux;		/* entry is vmlinux's startup_64: 1 decompressed, 2 cached */
	uint64_t initrd_addr;
	uint64_t chan_addr;	/* e820-reserved channel region at the top of RAM */
	uint64_t chan_size;
};

/*
 * Writes the kernel, initrd (@initrd_len bytes read from @initrd_fd at offset
 * 0), command line, zero page, e820 map and MP table (@cpus, and PCI slots
 * 1..@pci_slots when there are any) into guest memory @mem of @mem_size bytes.
 */
int linux_boot_setup(uint8_t *mem, uint64_t mem_size, const struct linux_kernel *k,
		     int initrd_fd, size_t initrd_len, const char *cmdline, unsigned int cpus,
		     unsigned int pci_slots, uint64_t chan_size, struct linux_boot_layout *lay, struct kiste_err *err);

struct kvm_cpuid2;
/* Sets @vcpu_fd's CPUID from @base (kiste_kvm_cpuid_get) with APIC id @idx of @cpus. */
int linux_cpuid_set(int vcpu_fd, const struct kvm_cpuid2 *base, unsigned int idx,
		    unsigned int cpus, struct kiste_err *err);
struct kiste_kvm;
/* The boot CPU's page tables, GDT and registers for the 64-bit entry (APs wait for SIPI). */
int linux_boot_vcpu(const struct kiste_kvm *kvm, int vcpu_fd, const struct linux_boot_layout *lay,
		    struct kiste_err *err);

/* --debug: the registers of a vCPU that shut down (triple fault), on @fd. */
/* @crlf: the line ends in \r\n (the caller's terminal is raw: devs.c's uart.crlf). */
void linux_cpu_dump(int vcpu_fd, int fd, const char *why, bool crlf);

#endif /* KISTE_LINUX_BOOT_H */
