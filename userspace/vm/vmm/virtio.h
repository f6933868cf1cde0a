/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio.h - virtio 1.x over PCI (modern only) for the Linux guest: the
 * transport registers in one BAR, and split virtqueues read from guest RAM.
 *
 * Everything the guest hands over (queue sizes and addresses, ring indexes,
 * descriptor chains, lengths) is read once into the VMM's own memory and
 * checked there; a ring that breaks the rules marks the device broken and
 * calls ->fail, which stops the VM: the guest's own disk stops, the host's
 * memory is never touched outside guest RAM.
 */
#ifndef KISTE_LINUX_VIRTIO_H
#define KISTE_LINUX_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VIRTIO_QUEUE_MAX	128	/* entries per queue the device offers */
#define VIRTIO_QUEUES_MAX	2

/* BAR layout: one 4 KiB page per structure. */
#define VIRTIO_BAR_COMMON	0x0000
#define VIRTIO_BAR_ISR		0x1000
#define VIRTIO_BAR_DEVICE	0x2000
#define VIRTIO_BAR_NOTIFY	0x3000
#define VIRTIO_NOTIFY_MULT	4

struct virtio_queue {
	uint16_t size;		/* the driver's choice: a power of two up to VIRTIO_QUEUE_MAX */
	uint16_t enabled;
	uint64_t desc, avail, used;
	uint16_t last_avail;	/* the next avail entry the device takes */
	uint16_t used_idx;	/* the device's copy of used->idx */
};

/* One request as a device sees it: what it reads, then what it writes. */
struct virtio_chain {
	uint16_t head;
	unsigned int nout, nin;
	struct iovec out[VIRTIO_QUEUE_MAX];	/* device-readable, in order */
	struct iovec in[VIRTIO_QUEUE_MAX];	/* device-writable, in order */
	uint64_t out_len, in_len;
};

struct virtio_dev;

struct virtio_dev_ops {
	uint16_t type;			/* VIRTIO_ID_* */
	uint16_t nqueues;		/* up to VIRTIO_QUEUES_MAX */
	/*
	 * Queues the device fills on its own (a NIC's receive queue): a notify
	 * there only says buffers were added; virtio_queue_fill uses them.
	 */
	uint32_t passive;
	/*
	 * Serves one chain of queue @q; returns the bytes it wrote into c->in.
	 * Called without the device's lock: vCPUs may serve chains at once.
	 */
	uint32_t (*request)(struct virtio_dev *d, unsigned int q, const struct virtio_chain *c);
	/* Device configuration at @off, @len bytes (reads only). */
	void (*config)(struct virtio_dev *d, uint32_t off, uint8_t *data, unsigned int len);
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	void *priv;			/* the device's own state */
	uint8_t *mem;			/* guest RAM: [0, mem_size) guest-physical */
	uint64_t mem_size;
	uint64_t features;		/* offered */
	/* Raises (1) or lowers (0) the device's INTx line. */
	void (*irq)(struct virtio_dev *d, int level);
	/* The guest broke the rules (@why): the VM must stop; the device already has. */
	void (*fail)(struct virtio_dev *d, const char *why);
	void *owner;			/* for irq and fail */
	/*
	 * Nonzero once the VM is stopping: a guest that keeps its queue full
	 * (or makes each request post the next) must not keep the serving
	 * vCPU thread from seeing --timeout.  NULL: never.
	 */
	const volatile int *stop;

	pthread_mutex_t lock;
	uint32_t dev_feat_sel, drv_feat_sel;
	uint64_t driver_features;
	uint8_t status;
	uint8_t isr;
	uint16_t queue_sel;
	bool broken;
	struct virtio_queue q[VIRTIO_QUEUES_MAX];
	uint32_t gen;			/* resets so far */
};

/* Sets up @d for @ops (offering @features and VIRTIO_F_VERSION_1) over @mem. */
void virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops, uint64_t features,
		     uint8_t *mem, uint64_t mem_size);
/* The PCI capability list that describes the BAR layout above, at config offset 0x40. */
unsigned int virtio_pci_caps(uint8_t *buf, unsigned int len);
/* A BAR access (linux_pci_bar_fn); @opaque is the struct virtio_dev. */
void virtio_bar_io(void *opaque, uint32_t off, uint8_t *data, unsigned int len, bool write);

/*
 * The split-ring core, on its own for the tests and the fuzzer: takes the
 * next available chain of @q into @c.  1: a chain; 0: none; -1: the ring is
 * malformed (*why says how).
 */
int virtio_queue_pop(const struct virtio_dev *d, struct virtio_queue *q, struct virtio_chain *c,
		     const char **why);
/* Returns chain @head with @len bytes written; true when the driver wants an interrupt. */
bool virtio_queue_push(const struct virtio_dev *d, struct virtio_queue *q, uint16_t head,
		       uint32_t len);
/* Whether @q's size and rings are acceptable (all in guest RAM, aligned). */
bool virtio_queue_valid(const struct virtio_dev *d, const struct virtio_queue *q,
			const char **why);
/* Serves every available chain of queue @qi (the guest notified it). */
void virtio_queue_notify(struct virtio_dev *d, unsigned int qi);
/*
 * Hands the next available chain of passive queue @qi to @fill, which returns
 * the bytes it wrote into c->in, then returns it to the driver and raises the
 * interrupt.  1: filled; 0: no buffer (or the device is not running); -1:
 * the ring is malformed (the device stopped, ->fail was called).
 */
int virtio_queue_fill(struct virtio_dev *d, unsigned int qi,
		      uint32_t (*fill)(const struct virtio_chain *c, void *arg), void *arg);

/* The part [@skip, @skip + @len) of a chain's buffers @iov as a list of its own; its count. */
unsigned int virtio_iov_slice(const struct iovec *iov, unsigned int n, uint64_t skip,
			      uint64_t len, struct iovec *out);
/* @len bytes at offset @skip of the buffers @iov into @dst, or from @src when @dst is NULL. */
void virtio_iov_copy(const struct iovec *iov, unsigned int n, uint64_t skip, void *dst,
		     const void *src, uint64_t len);

/* Drops the first @done bytes of the @n buffers at *@iov (a partial transfer's). */
void virtio_iov_advance(struct iovec **iov, unsigned int *n, size_t done);

#endif /* KISTE_LINUX_VIRTIO_H */
