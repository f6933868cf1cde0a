// SPDX-License-Identifier: GPL-2.0
// blk.c - virtio-blk requests on a host file: read, write, flush, the serial; bounds checked.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <unistd.h>

#include "blk.h"

#define SECTOR	512ULL
/*
 * The largest segment the driver may use (VIRTIO_BLK_F_SIZE_MAX) and so, with
 * seg_max, the largest request: 126 x 64 KiB.  A bigger one (a hostile guest's
 * chain of RAM-sized buffers) is an I/O error, so no request holds its vCPU
 * for more than one such transfer.
 */
#define SEG_BYTES	65536U
#define SEGS		(VIRTIO_QUEUE_MAX - 2)
#define REQUEST_MAX	((uint64_t)SEGS * SEG_BYTES)

/* All of @iov at @off of @fd; false on an error or a short transfer (a file cut meanwhile). */
static bool io_all(int fd, struct iovec *iov, unsigned int n, uint64_t off, bool write)
{
	ssize_t r;

	while (n) {
		r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		off += r;
		virtio_iov_advance(&iov, &n, r);
	}
	return true;
}

/* Whether @len bytes from @sector are whole sectors inside the disk, in one request's bound. */
static bool in_disk(const struct linux_blk *b, uint64_t sector, uint64_t len)
{
	return len % SECTOR == 0 && len <= REQUEST_MAX && sector <= b->sectors &&
	       len / SECTOR <= b->sectors - sector;
}

static uint32_t blk_request(struct virtio_dev *d, unsigned int q, const struct virtio_chain *c)
{
	struct linux_blk *b = d->priv;
	struct iovec iov[VIRTIO_QUEUE_MAX];
	struct virtio_blk_outhdr h;
	uint8_t status = VIRTIO_BLK_S_IOERR, id[LINUX_BLK_ID_BYTES] = { 0 };
	uint64_t len = 0;
	unsigned int n;

	(void)q;
	/* The status is the last writable byte: without one there is nothing to answer. */
	if (!c->in_len)
		return 0;
	if (c->out_len < sizeof(h))
		goto out;
	virtio_iov_copy(c->out, c->nout, 0, &h, NULL, sizeof(h));
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		len = c->in_len - 1;
		n = virtio_iov_slice(c->in, c->nin, 0, len, iov);
		if (in_disk(b, h.sector, len) && io_all(b->fd, iov, n, h.sector * SECTOR, false))
			status = VIRTIO_BLK_S_OK;
		else
			len = 0;
		break;
	case VIRTIO_BLK_T_OUT:
		n = virtio_iov_slice(c->out, c->nout, sizeof(h), c->out_len - sizeof(h), iov);
		if (!b->ro && in_disk(b, h.sector, c->out_len - sizeof(h)) &&
		    io_all(b->fd, iov, n, h.sector * SECTOR, true))
			status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (b->ro || fdatasync(b->fd) == 0)
			status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		len = c->in_len - 1 < sizeof(id) ? c->in_len - 1 : sizeof(id);
		memcpy(id, b->serial, sizeof(id));
		virtio_iov_copy(c->in, c->nin, 0, NULL, id, len);
		status = VIRTIO_BLK_S_OK;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
out:
	virtio_iov_copy(c->in, c->nin, c->in_len - 1, NULL, &status, 1);
	return len + 1;
}

static void blk_config(struct virtio_dev *d, uint32_t off, uint8_t *data, unsigned int len)
{
	const struct linux_blk *b = d->priv;
	struct virtio_blk_config cfg = {
		.capacity = b->sectors,
		.size_max = SEG_BYTES,
		.seg_max = SEGS,
		.blk_size = SECTOR,
	};

	if (off < sizeof(cfg) && len <= sizeof(cfg) - off)
		memcpy(data, (uint8_t *)&cfg + off, len);
}

static const struct virtio_dev_ops blk_ops = {
	.type = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.request = blk_request,
	.config = blk_config,
};

void linux_blk_init(struct linux_blk *b, const struct linux_disk *disk, uint8_t *mem,
		    uint64_t mem_size)
{
	uint64_t features = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
			    1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH;

	if (disk->ro)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	b->fd = disk->fd;
	b->ro = disk->ro;
	b->sectors = disk->size / SECTOR;
	memset(b->serial, 0, sizeof(b->serial));
	memcpy(b->serial, disk->name, strnlen(disk->name, sizeof(b->serial)));
	b->vdev.priv = b;
	virtio_dev_init(&b->vdev, &blk_ops, features, mem, mem_size);
}
