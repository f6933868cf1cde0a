/* SPDX-License-Identifier: GPL-2.0 */
/* linux_boot_int.h - helpers shared between the boot-protocol files of the Linux VMM. */
#ifndef KISTE_LINUX_BOOT_INT_H
#define KISTE_LINUX_BOOT_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "libkiste.h"

/* Intel MP table in the EBDA: @cpus processors, one IOAPIC, ISA IRQs identity-routed. */
int linux_mptable_write(uint8_t *mem, unsigned int cpus, struct kiste_err *err);

/* Reads @len bytes at @off of @fd into @dst; -EIO on a short file. */
int linux_pread_all(int fd, void *dst, size_t len, off_t off);

#define LINUX_IOAPIC_ADDR	0xfec00000u
#define LINUX_LAPIC_ADDR	0xfee00000u

#endif /* KISTE_LINUX_BOOT_INT_H */
