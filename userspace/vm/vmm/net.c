// SPDX-License-Identifier: GPL-2.0
// net.c - virtio-net on passt's stream socket or a tap: frames out on notify, in by the main thread.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kiste_passt_frame.h"
#include "net.h"

#define RXQ	0
#define TXQ	1
/* VIRTIO_F_VERSION_1's header: flags, gso, lengths, num_buffers; no offloads are offered. */
#define HDR	sizeof(struct virtio_net_hdr_v1)

/*
 * The whole of @iov (advanced in place) to the backend: waits while it is
 * full (passt reads what the main thread lets it send), never past the VM's
 * stop; false on an error or then.
 */
static bool write_all(const struct linux_net *n, struct iovec *iov, unsigned int cnt)
{
	struct pollfd p = { .fd = n->fd, .events = POLLOUT };
	ssize_t r;

	while (cnt) {
		if (n->vdev.stop && __atomic_load_n(n->vdev.stop, __ATOMIC_ACQUIRE))
			return false;
		r = writev(n->fd, iov, cnt);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			poll(&p, 1, 100);
			continue;
		}
		if (r <= 0)
			return false;
		virtio_iov_advance(&iov, &cnt, r);
	}
	return true;
}

/*
 * A frame for passt: its head copied once (the guest's vCPUs may change its
 * buffers meanwhile) and checked; passt is sent that copy, then the rest from
 * the guest's buffers.  False: passt must not see it (kiste_passt_frame.h).
 */
static bool passt_head(const struct virtio_chain *c, uint8_t *head, uint64_t k)
{
	virtio_iov_copy(c->out, c->nout, HDR, head, NULL, k);
	return !kiste_passt_frame_refused(head, k);
}

/*
 * One frame from the guest: its buffers after the header to the backend,
 * behind their length on passt's stream, as they are on a tap (one write,
 * one frame).  A backend that failed loses the frame, as a wire would.
 */
static uint32_t net_request(struct virtio_dev *d, unsigned int q, const struct virtio_chain *c)
{
	struct linux_net *n = d->priv;
	struct iovec iov[VIRTIO_QUEUE_MAX + 2];
	uint8_t head[KISTE_PASST_FRAME_PEEK];
	uint64_t len, k;
	uint32_t be;
	unsigned int m;

	if (q != TXQ || c->out_len < HDR + 14 || c->out_len - HDR > LINUX_NET_FRAME_MAX)
		return 0;	/* not a frame: consumed, nothing sent */
	len = c->out_len - HDR;
	if (n->tap) {
		m = virtio_iov_slice(c->out, c->nout, HDR, len, iov);
		pthread_mutex_lock(&n->tx_lock);
		write_all(n, iov, m);
		pthread_mutex_unlock(&n->tx_lock);
		return 0;
	}
	k = len < sizeof(head) ? len : sizeof(head);
	if (!passt_head(c, head, k)) {
		__atomic_add_fetch(&n->tx_refused, 1, __ATOMIC_RELAXED);	/* vCPUs race */
		return 0;	/* consumed, dropped */
	}
	be = __builtin_bswap32((uint32_t)len);
	iov[0] = (struct iovec){ &be, 4 };
	iov[1] = (struct iovec){ head, k };
	m = virtio_iov_slice(c->out, c->nout, HDR + k, len - k, iov + 2);
	pthread_mutex_lock(&n->tx_lock);
	write_all(n, iov, m + 2);
	pthread_mutex_unlock(&n->tx_lock);
	return 0;
}

static void net_config(struct virtio_dev *d, uint32_t off, uint8_t *data, unsigned int len)
{
	const struct linux_net *n = d->priv;
	struct virtio_net_config cfg = { 0 };

	memcpy(cfg.mac, n->mac, sizeof(cfg.mac));
	if (off < sizeof(cfg) && len <= sizeof(cfg) - off)
		memcpy(data, (uint8_t *)&cfg + off, len);
}

static const struct virtio_dev_ops net_ops = {
	.type = VIRTIO_ID_NET,
	.nqueues = 2,
	.passive = 1u << RXQ,
	.request = net_request,
	.config = net_config,
};

void linux_net_init(struct linux_net *n, int fd, bool tap, const uint8_t mac[6], uint8_t *mem,
		    uint64_t mem_size)
{
	n->fd = fd;
	n->tap = tap;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pthread_mutex_init(&n->tx_lock, NULL);
	memcpy(n->mac, mac, sizeof(n->mac));
	n->rx_len = 0;
	n->rx_dropped = 0;
	n->tx_refused = 0;
	n->vdev.priv = n;
	virtio_dev_init(&n->vdev, &net_ops, 1ULL << VIRTIO_NET_F_MAC, mem, mem_size);
}

struct frame {
	const uint8_t *p;
	uint32_t len;
	bool fit;
};

/* The header (no offloads, one buffer), then the frame, into the guest's receive buffers. */
static uint32_t rx_fill(const struct virtio_chain *c, void *arg)
{
	struct virtio_net_hdr_v1 h = { .num_buffers = 1 };
	struct frame *f = arg;

	f->fit = c->in_len >= HDR + f->len;
	if (!f->fit)
		return 0;	/* too small a buffer: handed back empty, the frame dropped */
	virtio_iov_copy(c->in, c->nin, 0, NULL, &h, HDR);
	virtio_iov_copy(c->in, c->nin, HDR, NULL, f->p, f->len);
	return HDR + f->len;
}

/* One whole frame for the guest: into its next receive buffer, or dropped as a wire would. */
static void rx_deliver(struct linux_net *n, const uint8_t *p, uint32_t len)
{
	struct frame f = { .p = p, .len = len };
	int got = len >= 14 && len <= LINUX_NET_FRAME_MAX ?
		  virtio_queue_fill(&n->vdev, RXQ, rx_fill, &f) : 0;

	n->rx_dropped += got <= 0 || !f.fit;
}

/* A tap gives one frame per read; a burst is taken in bounded steps (poll comes back for more). */
static int rx_tap(struct linux_net *n, const char **why)
{
	unsigned int i;
	ssize_t r;

	for (i = 0; i < LINUX_NET_TAP_BURST; i++) {
		r = read(n->fd, n->rx, sizeof(n->rx));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			return 0;
		if (r <= 0) {
			*why = r ? "reading from the tap failed" : "the tap closed";
			return -1;
		}
		rx_deliver(n, n->rx, (uint32_t)r);
	}
	return 0;
}

int linux_net_rx(struct linux_net *n, const char **why)
{
	uint32_t len, off = 0;
	ssize_t r;

	if (n->tap)
		return rx_tap(n, why);
	r = read(n->fd, n->rx + n->rx_len, sizeof(n->rx) - n->rx_len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		*why = r ? "reading from it failed" : "it closed the connection";
		return -1;
	}
	n->rx_len += r;
	while (n->rx_len - off >= 4) {
		memcpy(&len, n->rx + off, 4);
		len = __builtin_bswap32(len);
		if (len < 14 || len > sizeof(n->rx) - 4) {
			*why = "it sent a frame length out of range";
			return -1;
		}
		if (n->rx_len - off < 4 + len)
			break;
		rx_deliver(n, n->rx + off + 4, len);
		off += 4 + len;
	}
	/* What is left of a frame moves to the front once per read, not once per frame. */
	n->rx_len -= off;
	memmove(n->rx, n->rx + off, n->rx_len);
	return 0;
}
