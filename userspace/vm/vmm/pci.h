/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci.h - the Linux guest's PCI bus: bus 0 with a host bridge in slot 0 and
 * the VMM's devices in slots 1..LINUX_PCI_SLOTS, reached through
 * configuration mechanism #1 (ports 0xcf8/0xcfc), each with one 32-bit
 * memory BAR the VMM places and INTA wired to an IOAPIC pin of its own (the
 * MP table says which).  No ACPI, no MSI: what Linux finds without firmware.
 */
#ifndef KISTE_LINUX_PCI_H
#define KISTE_LINUX_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define LINUX_PCI_SLOTS		8
/* Slot N's INTA is IOAPIC pin (GSI) LINUX_PCI_GSI_BASE + N - 1: 16..23, clear of ISA. */
#define LINUX_PCI_GSI_BASE	16
/* Where the VMM puts slot N's BAR: above guest RAM (at most 3 GiB), below the IOAPIC. */
#define LINUX_PCI_MMIO_BASE	0xe0000000u
#define LINUX_PCI_BAR_SIZE	0x4000u
#define LINUX_PCI_CONF_ADDR	0xcf8
#define LINUX_PCI_CONF_DATA	0xcfc

/* A device's BAR access: @off inside the BAR, @len 1, 2, 4 or 8 bytes. */
typedef void (*linux_pci_bar_fn)(void *opaque, uint32_t off, uint8_t *data, unsigned int len,
				 bool write);

struct linux_pci_fn {
	uint8_t cfg[256];	/* configuration space as the guest reads it */
	uint8_t wmask[256];	/* the bits a guest write may change */
	linux_pci_bar_fn bar_io;
	void *opaque;
};

struct linux_pci {
	pthread_mutex_t lock;	/* the address latch and configuration spaces */
	uint32_t addr;		/* what the guest wrote to 0xcf8 */
	unsigned int nslots;	/* devices in slots 1..nslots */
	struct linux_pci_fn fn[LINUX_PCI_SLOTS + 1];
};

void linux_pci_init(struct linux_pci *bus);
/*
 * Puts a device in the next slot: @vendor:@device, @class (24 bits), @subsys
 * (subsystem id, vendor = @vendor), the capability list @caps of @caps_len
 * bytes at configuration offset 0x40 (next pointers already set, relative
 * to it), one memory BAR of LINUX_PCI_BAR_SIZE served by @bar_io.  Returns
 * the slot (1..), or -1 when the bus is full.
 */
int linux_pci_add(struct linux_pci *bus, uint16_t vendor, uint16_t device, uint32_t class,
		  uint16_t subsys, const uint8_t *caps, unsigned int caps_len,
		  linux_pci_bar_fn bar_io, void *opaque);
/* Port I/O at @port; false when the port is not the bus's. */
bool linux_pci_port(struct linux_pci *bus, uint16_t port, uint8_t *data, unsigned int size,
		    bool write);
/* A guest-physical access outside RAM; false when no enabled BAR holds @addr. */
bool linux_pci_mmio(struct linux_pci *bus, uint64_t addr, uint8_t *data, unsigned int len,
		    bool write);

#endif /* KISTE_LINUX_PCI_H */
