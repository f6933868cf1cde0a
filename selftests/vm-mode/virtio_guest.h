/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_guest.h - a driver's side of the VMM's PCI bus and virtio transport for the
 * device tests (vmmode_virtio_test.c: the disk; vmmode_nic_test.c: the NIC): guest RAM
 * between guard pages, configuration and BAR accesses as a vCPU makes them.
 */
#ifndef KISTE_VIRTIO_GUEST_H
#define KISTE_VIRTIO_GUEST_H

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blk.h"
#include "net.h"
#include "pci.h"
#include "virtio.h"

#define RAM		(16ULL << 20)	/* untouched pages cost nothing */
#define QSIZE		8
#define BAR		LINUX_PCI_MMIO_BASE

struct guest {
	uint8_t *map, *ram;
	size_t map_len;
	struct linux_pci pci;
	struct linux_blk blk;
	struct linux_net net;
	int peer;		/* the NIC's backend side of its socketpair */
	char path[64];
	int fd;
	int irq_level, irqs;
	int fails;
	char why[200];
	uint16_t avail_idx, used_seen;
};

static inline void on_irq(struct virtio_dev *d, int level)
{
	struct guest *g = d->owner;

	g->irqs += level && !g->irq_level;
	g->irq_level = level;
}

static inline void on_fail(struct virtio_dev *d, const char *why)
{
	struct guest *g = d->owner;

	g->fails++;
	snprintf(g->why, sizeof(g->why), "%s", why);
}

static inline uint32_t cfg_rd(struct guest *g, unsigned int slot, unsigned int reg)
{
	uint32_t a = 0x80000000u | slot << 11 | (reg & 0xfc), v = 0;

	linux_pci_port(&g->pci, 0xcf8, (uint8_t *)&a, 4, true);
	linux_pci_port(&g->pci, 0xcfc, (uint8_t *)&v, 4, false);
	return v;
}

static inline void cfg_wr(struct guest *g, unsigned int slot, unsigned int reg, uint32_t v)
{
	uint32_t a = 0x80000000u | slot << 11 | (reg & 0xfc);

	linux_pci_port(&g->pci, 0xcf8, (uint8_t *)&a, 4, true);
	linux_pci_port(&g->pci, 0xcfc, (uint8_t *)&v, 4, true);
}

static inline uint64_t bar_rd(struct guest *g, uint32_t off, unsigned int len)
{
	uint64_t v = 0;

	if (!linux_pci_mmio(&g->pci, BAR + off, (uint8_t *)&v, len, false))
		return ~0ULL;
	return v;
}

static inline int bar_wr(struct guest *g, uint32_t off, unsigned int len, uint64_t v)
{
	return linux_pci_mmio(&g->pci, BAR + off, (uint8_t *)&v, len, true) ? 0 : -1;
}

#define COMMON(f) (VIRTIO_BAR_COMMON + offsetof(struct virtio_pci_common_cfg, f))

/* Guest RAM between two inaccessible pages. */
static inline int ram_map(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->fd = g->peer = -1;
	g->map_len = RAM + 2 * 4096;
	g->map = mmap(NULL, g->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return -1;
	g->ram = g->map + 4096;
	return mprotect(g->ram, RAM, PROT_READ | PROT_WRITE);
}

static inline void guest_close(struct guest *g)
{
	if (g->fd >= 0 && g->path[0]) {
		close(g->fd);
		unlink(g->path);
	} else if (g->fd >= 0) {
		close(g->fd);
	}
	if (g->peer >= 0)
		close(g->peer);
	munmap(g->map, g->map_len);
}

#endif /* KISTE_VIRTIO_GUEST_H */
