// SPDX-License-Identifier: GPL-2.0
// pci.c - the Linux guest's PCI bus 0: configuration mechanism #1, a host bridge, BAR dispatch.
#include <string.h>

#include "pci.h"

#define CFG_VENDOR	0x00
#define CFG_DEVICE	0x02
#define CFG_COMMAND	0x04
#define CFG_STATUS	0x06
#define CFG_REVISION	0x08
#define CFG_BAR0	0x10
#define CFG_SUBSYS_VEN	0x2c
#define CFG_SUBSYS_ID	0x2e
#define CFG_CAP_PTR	0x34
#define CFG_INT_LINE	0x3c
#define CFG_INT_PIN	0x3d
#define CFG_CAPS	0x40
#define CMD_MEMORY	0x0002
#define STATUS_CAPS	0x0010
#define ENABLE_BIT	0x80000000u

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void fn_ids(struct linux_pci_fn *f, uint16_t vendor, uint16_t device, uint32_t class)
{
	put16(f->cfg + CFG_VENDOR, vendor);
	put16(f->cfg + CFG_DEVICE, device);
	/* Revision 1, then the class code's three bytes. */
	put32(f->cfg + CFG_REVISION, class << 8 | 1);
}

void linux_pci_init(struct linux_pci *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	/* Slot 0: a host bridge, which Linux's type-1 sanity check looks for without DMI. */
	fn_ids(&bus->fn[0], 0x1b36, 0x0008, 0x060000);
}

int linux_pci_add(struct linux_pci *bus, uint16_t vendor, uint16_t device, uint32_t class,
		  uint16_t subsys, const uint8_t *caps, unsigned int caps_len,
		  linux_pci_bar_fn bar_io, void *opaque)
{
	unsigned int slot = bus->nslots + 1;
	struct linux_pci_fn *f;

	if (slot > LINUX_PCI_SLOTS || caps_len > sizeof(f->cfg) - CFG_CAPS)
		return -1;
	f = &bus->fn[slot];
	fn_ids(f, vendor, device, class);
	put16(f->cfg + CFG_STATUS, caps_len ? STATUS_CAPS : 0);
	/* 32-bit, non-prefetchable memory; sizing reads back ~(size - 1). */
	put32(f->cfg + CFG_BAR0, LINUX_PCI_MMIO_BASE + (slot - 1) * LINUX_PCI_BAR_SIZE);
	put32(f->wmask + CFG_BAR0, ~(LINUX_PCI_BAR_SIZE - 1));
	put16(f->cfg + CFG_SUBSYS_VEN, vendor);
	put16(f->cfg + CFG_SUBSYS_ID, subsys);
	f->cfg[CFG_CAP_PTR] = caps_len ? CFG_CAPS : 0;
	memcpy(f->cfg + CFG_CAPS, caps, caps_len);
	/* I/O, memory, bus master; INTx disable. */
	put16(f->wmask + CFG_COMMAND, 0x0407);
	f->cfg[CFG_INT_LINE] = LINUX_PCI_GSI_BASE + slot - 1;
	f->wmask[CFG_INT_LINE] = 0xff;
	f->cfg[CFG_INT_PIN] = 1;	/* INTA */
	f->bar_io = bar_io;
	f->opaque = opaque;
	bus->nslots = slot;
	return slot;
}

/* The function the latch selects, or NULL: bus 0, function 0, slots that exist. */
static struct linux_pci_fn *selected(struct linux_pci *bus)
{
	unsigned int busno = bus->addr >> 16 & 0xff, slot = bus->addr >> 11 & 0x1f;

	if (!(bus->addr & ENABLE_BIT) || busno || (bus->addr >> 8 & 7) || slot > bus->nslots)
		return NULL;
	return &bus->fn[slot];
}

static void cfg_access(struct linux_pci *bus, unsigned int off, uint8_t *data, unsigned int size,
		       bool write)
{
	struct linux_pci_fn *f = selected(bus);
	unsigned int reg = (bus->addr & 0xfc) + off, i;

	for (i = 0; i < size; i++, reg++) {
		if (!f || reg >= sizeof(f->cfg))
			data[i] = write ? data[i] : 0xff;
		else if (write)
			f->cfg[reg] = (f->cfg[reg] & ~f->wmask[reg]) | (data[i] & f->wmask[reg]);
		else
			data[i] = f->cfg[reg];
	}
}

bool linux_pci_port(struct linux_pci *bus, uint16_t port, uint8_t *data, unsigned int size,
		    bool write)
{
	if (port == LINUX_PCI_CONF_ADDR && size == 4) {
		pthread_mutex_lock(&bus->lock);
		if (write)
			memcpy(&bus->addr, data, 4);
		else
			memcpy(data, &bus->addr, 4);
		pthread_mutex_unlock(&bus->lock);
		return true;
	}
	if (port < LINUX_PCI_CONF_DATA || port + size > LINUX_PCI_CONF_DATA + 4)
		return false;
	pthread_mutex_lock(&bus->lock);
	cfg_access(bus, port - LINUX_PCI_CONF_DATA, data, size, write);
	pthread_mutex_unlock(&bus->lock);
	return true;
}

bool linux_pci_mmio(struct linux_pci *bus, uint64_t addr, uint8_t *data, unsigned int len,
		    bool write)
{
	unsigned int slot;
	uint32_t bar;
	uint16_t cmd;

	for (slot = 1; slot <= bus->nslots; slot++) {
		struct linux_pci_fn *f = &bus->fn[slot];

		pthread_mutex_lock(&bus->lock);
		memcpy(&bar, f->cfg + CFG_BAR0, 4);
		memcpy(&cmd, f->cfg + CFG_COMMAND, 2);
		pthread_mutex_unlock(&bus->lock);
		bar &= ~(LINUX_PCI_BAR_SIZE - 1);
		if (!(cmd & CMD_MEMORY) || addr < bar || addr + len > (uint64_t)bar + LINUX_PCI_BAR_SIZE)
			continue;
		f->bar_io(f->opaque, addr - bar, data, len, write);
		return true;
	}
	return false;
}
