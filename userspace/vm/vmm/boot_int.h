/* SPDX-License-Identifier: GPL-2.0 */
/* boot_int.h - helpers shared between the boot-protocol files of the Linux VMM. */
#ifndef KISTE_LINUX_BOOT_INT_H
#define KISTE_LINUX_BOOT_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "libkiste.h"

/*
 * Intel MP table in the EBDA: @cpus processors, one IOAPIC, ISA IRQs
 * identity-routed; with @pci_slots, PCI bus 0 whose slot N's INTA is
 * IOAPIC pin LINUX_PCI_GSI_BASE + N - 1, level-triggered (ISA is then bus 1).
 */
int linux_mptable_write(uint8_t *mem, unsigned int cpus, unsigned int pci_slots,
			struct kiste_err *err);

/* Reads @len bytes at @off of @fd into @dst; -EIO on a short file. */
int linux_pread_all(int fd, void *dst, size_t len, off_t off);

struct linux_kernel;

/* Where linux_payload_load put the kernel: [start, end) and the physical 64-bit entry. */
struct linux_payload {
	uint64_t start, end, entry;
	int cached;	/* read from the cache, not decompressed */
};

/*
 * Decompresses @k's payload into @mem (RAM up to @ram_end) at its segments'
 * physical addresses; [@scratch_lo, @scratch_hi) is free guest RAM the decoder
 * may use and leaves zeroed.  -EOPNOTSUPP: a compression it does not handle
 * (boot the bzImage instead); other errors name the problem in @err.
 */
int linux_payload_load(uint8_t *mem, uint64_t ram_end, const struct linux_kernel *k,
		       uint64_t scratch_lo, uint64_t scratch_hi, struct linux_payload *pl,
		       struct kiste_err *err);

#define LINUX_IOAPIC_ADDR	0xfec00000u
#define LINUX_LAPIC_ADDR	0xfee00000u

#endif /* KISTE_LINUX_BOOT_INT_H */
