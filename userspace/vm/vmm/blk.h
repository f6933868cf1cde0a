/* SPDX-License-Identifier: GPL-2.0 */
/* blk.h - virtio-blk for the Linux guest: a host file as a disk, read and written in place. */
#ifndef KISTE_LINUX_BLK_H
#define KISTE_LINUX_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define LINUX_BLK_ID_BYTES	20	/* VIRTIO_BLK_ID_BYTES: the serial the guest reads */

/* A disk as kiste run hands it to the VMM. */
struct linux_disk {
	const char *name;	/* 1..LINUX_BLK_ID_BYTES bytes: the guest's serial */
	int fd;			/* the host file, open for reading (and writing unless ro) */
	bool ro;
	uint64_t size;		/* bytes, a multiple of 512 */
};

struct linux_blk {
	struct virtio_dev vdev;	/* first: the transport's opaque is the disk */
	int fd;
	bool ro;
	uint64_t sectors;
	char serial[LINUX_BLK_ID_BYTES];
};

/* Sets @b up for @disk over guest RAM @mem; @b->vdev's irq, fail and owner are the caller's. */
void linux_blk_init(struct linux_blk *b, const struct linux_disk *disk, uint8_t *mem,
		    uint64_t mem_size);

#endif /* KISTE_LINUX_BLK_H */
