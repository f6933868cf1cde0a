/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net.h - virtio-net for the Linux guest, one device with two backends: a
 * stream socket speaking qemu's protocol (each Ethernet frame after its
 * 4-byte big-endian length), as passt serves it, or a tap (IFF_TAP |
 * IFF_NO_PI: one frame per read or write), as --network ns:PATH makes it.
 * The guest's frames go out from the vCPU that notifies, the backend's
 * arrive through the main thread.
 */
#ifndef KISTE_LINUX_NET_H
#define KISTE_LINUX_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

/* The largest frame either way: an Ethernet frame of a 1500-byte MTU, with a VLAN tag. */
#define LINUX_NET_FRAME_MAX	1522

struct linux_net {
	struct virtio_dev vdev;	/* first: the transport's opaque is the NIC */
	int fd;			/* the backend's socket or tap (non-blocking) */
	bool tap;		/* fd is a tap: no length before each frame */
	pthread_mutex_t tx_lock;	/* one frame at a time into the stream */
	uint8_t mac[6];
	/* What the main thread read from the backend and has not delivered yet. */
	uint8_t rx[4 + 65536];
	uint32_t rx_len;
	uint64_t rx_dropped;	/* no receive buffer in the guest, or one too small */
	uint64_t tx_refused;	/* frames passt must not see (kiste_passt_frame.h); not on a tap */
};

/* Frames read from a tap per wake-up of the main thread, which has stdin and signals too. */
#define LINUX_NET_TAP_BURST	64

/*
 * Sets @n up on backend @fd (a tap when @tap, else passt's stream) with @mac
 * over guest RAM; irq, fail, owner, stop are the caller's.
 */
void linux_net_init(struct linux_net *n, int fd, bool tap, const uint8_t mac[6], uint8_t *mem,
		    uint64_t mem_size);
/*
 * The backend's socket is readable: reads what is there and delivers each
 * complete frame to the guest.  Returns 0, or -1 when the backend is gone
 * or broke the framing (@why says which).
 */
int linux_net_rx(struct linux_net *n, const char **why);

#endif /* KISTE_LINUX_NET_H */
