// SPDX-License-Identifier: GPL-2.0
// virtio.c - virtio 1.x PCI transport and split virtqueues, every guest value checked once.
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>

#include "virtio.h"

#define VIRTIO_NO_VECTOR	0xffff

static void queues_reset(struct virtio_dev *d);

void virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops, uint64_t features,
		     uint8_t *mem, uint64_t mem_size)
{
	void *priv = d->priv, *owner = d->owner;
	const volatile int *stop = d->stop;
	void (*irq)(struct virtio_dev *, int) = d->irq;
	void (*fail)(struct virtio_dev *, const char *) = d->fail;

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	d->owner = owner;
	d->irq = irq;
	d->fail = fail;
	d->stop = stop;
	d->mem = mem;
	d->mem_size = mem_size;
	d->features = features | 1ULL << VIRTIO_F_VERSION_1;
	queues_reset(d);
	pthread_mutex_init(&d->lock, NULL);
}

unsigned int virtio_pci_caps(uint8_t *buf, unsigned int len)
{
	static const struct {
		uint8_t type;
		uint32_t off;
	} caps[] = {
		{ VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_BAR_COMMON },
		{ VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_BAR_ISR },
		{ VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_BAR_DEVICE },
		{ VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_BAR_NOTIFY },
	};
	const unsigned int n = sizeof(caps) / sizeof(caps[0]);
	struct virtio_pci_notify_cap nc;
	unsigned int i, pos = 0;

	if (len < (n - 1) * sizeof(struct virtio_pci_cap) + sizeof(nc))
		return 0;
	for (i = 0; i < n; i++) {
		memset(&nc, 0, sizeof(nc));
		nc.cap.cap_vndr = 0x09;	/* PCI_CAP_ID_VNDR */
		nc.cap.cfg_type = caps[i].type;
		nc.cap.bar = 0;
		nc.cap.offset = caps[i].off;
		nc.cap.length = 0x1000;
		if (caps[i].type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			nc.cap.cap_len = sizeof(nc);
			nc.notify_off_multiplier = VIRTIO_NOTIFY_MULT;
		} else {
			nc.cap.cap_len = sizeof(nc.cap);
		}
		/* Next pointers are configuration-space offsets: the list starts at 0x40. */
		nc.cap.cap_next = i + 1 < n ? 0x40 + pos + nc.cap.cap_len : 0;
		memcpy(buf + pos, &nc, nc.cap.cap_len);
		pos += nc.cap.cap_len;
	}
	return pos;
}

/* Guest-physical [@addr, @addr + @len) as a VMM pointer, or NULL when not all in RAM. */
static void *gpa(const struct virtio_dev *d, uint64_t addr, uint64_t len)
{
	if (len > d->mem_size || addr > d->mem_size - len)
		return NULL;
	return d->mem + addr;
}

bool virtio_queue_valid(const struct virtio_dev *d, const struct virtio_queue *q,
			const char **why)
{
	uint64_t n = q->size;

	if (!n || n > VIRTIO_QUEUE_MAX || (n & (n - 1))) {
		*why = "a queue size that is not a power of two up to 128";
		return false;
	}
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
		*why = "a misaligned queue ring";
		return false;
	}
	if (!gpa(d, q->desc, 16 * n) || !gpa(d, q->avail, 6 + 2 * n) ||
	    !gpa(d, q->used, 6 + 8 * n)) {
		*why = "a queue ring outside guest RAM";
		return false;
	}
	return true;
}

static uint16_t load16(const void *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

int virtio_queue_pop(const struct virtio_dev *d, struct virtio_queue *q, struct virtio_chain *c,
		     const char **why)
{
	const uint8_t *avail = gpa(d, q->avail, 6 + 2 * (uint64_t)q->size);
	const struct vring_desc *table = gpa(d, q->desc, 16 * (uint64_t)q->size);
	uint16_t idx, i, n;
	struct vring_desc desc;

	if (!avail || !table || !q->size) {
		*why = "a queue used before it was set up";
		return -1;
	}
	idx = load16(avail + 2);
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size) {
		*why = "an available index more than a queue ahead";
		return -1;
	}
	/* The entry and the descriptors are read after the index (acquire above). */
	i = load16(avail + 4 + 2 * (q->last_avail & (q->size - 1)));
	c->head = i;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	for (n = 0;; n++) {
		if (i >= q->size || n >= q->size) {
			*why = i >= q->size ? "a descriptor index past the queue"
					    : "a descriptor chain longer than the queue (a loop)";
			return -1;
		}
		/* One copy: the guest may rewrite the table under us; we use only this. */
		memcpy(&desc, &table[i], sizeof(desc));
		if (desc.flags & VRING_DESC_F_INDIRECT) {
			*why = "an indirect descriptor (not offered)";
			return -1;
		}
		if (!gpa(d, desc.addr, desc.len)) {
			*why = "a buffer outside guest RAM";
			return -1;
		}
		if (desc.flags & VRING_DESC_F_WRITE) {
			c->in[c->nin++] = (struct iovec){ d->mem + desc.addr, desc.len };
			c->in_len += desc.len;
		} else if (c->nin) {
			*why = "a device-readable buffer after a writable one";
			return -1;
		} else {
			c->out[c->nout++] = (struct iovec){ d->mem + desc.addr, desc.len };
			c->out_len += desc.len;
		}
		if (!(desc.flags & VRING_DESC_F_NEXT))
			break;
		i = desc.next;
	}
	q->last_avail++;
	return 1;
}

bool virtio_queue_push(const struct virtio_dev *d, struct virtio_queue *q, uint16_t head,
		       uint32_t len)
{
	uint8_t *used = gpa(d, q->used, 6 + 8 * (uint64_t)q->size);
	const uint8_t *avail = gpa(d, q->avail, 6 + 2 * (uint64_t)q->size);
	struct vring_used_elem e = { .id = head, .len = len };

	if (!used || !avail || !q->enabled || !q->size)
		return false;
	memcpy(used + 4 + 8 * (q->used_idx & (q->size - 1)), &e, sizeof(e));
	q->used_idx++;
	/* The element is visible before the index that hands it over. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(load16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
}

static void broken(struct virtio_dev *d, const char *why)
{
	if (d->broken)
		return;
	d->broken = true;
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	d->fail(d, why);
}

static bool stopping(const struct virtio_dev *d)
{
	return d->stop && __atomic_load_n(d->stop, __ATOMIC_ACQUIRE);
}

/*
 * Takes each available chain of @qi under the lock and serves it without:
 * a request that waits on the host (a disk, the network backend) never keeps
 * another thread, the main thread delivering frames above all, from the
 * device.  A chain is handed back only if the device was not reset meanwhile.
 */
static void queue_serve(struct virtio_dev *d, unsigned int qi)
{
	struct virtio_queue *q = &d->q[qi];
	struct virtio_chain c;
	const char *why = NULL;
	uint32_t len, gen;
	bool irq = false;
	int r = 0;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		if (stopping(d) || d->broken || !(d->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
		    !q->enabled || (r = virtio_queue_pop(d, q, &c, &why)) <= 0)
			break;
		gen = d->gen;
		pthread_mutex_unlock(&d->lock);
		len = d->ops->request(d, qi, &c);
		pthread_mutex_lock(&d->lock);
		if (gen == d->gen)
			irq |= virtio_queue_push(d, q, c.head, len);
		pthread_mutex_unlock(&d->lock);
	}
	if (r < 0)
		broken(d, why);
	if (irq && !d->broken) {
		d->isr |= 1;
		d->irq(d, 1);
	}
	pthread_mutex_unlock(&d->lock);
}

void virtio_queue_notify(struct virtio_dev *d, unsigned int qi)
{
	if (qi >= d->ops->nqueues || (d->ops->passive & 1u << qi))
		return;
	queue_serve(d, qi);
}

/* Queues as after a reset: disabled, offering their largest size (Linux reads it). */
static void queues_reset(struct virtio_dev *d)
{
	unsigned int i;

	memset(d->q, 0, sizeof(d->q));
	for (i = 0; i < VIRTIO_QUEUES_MAX; i++)
		d->q[i].size = VIRTIO_QUEUE_MAX;
}

int virtio_queue_fill(struct virtio_dev *d, unsigned int qi,
		      uint32_t (*fill)(const struct virtio_chain *c, void *arg), void *arg)
{
	struct virtio_queue *q;
	struct virtio_chain c;
	const char *why = NULL;
	int r = 0;

	if (qi >= d->ops->nqueues)
		return 0;
	q = &d->q[qi];
	/* Held only to copy one frame in: no request waits on the host under it. */
	pthread_mutex_lock(&d->lock);
	if (!d->broken && (d->status & VIRTIO_CONFIG_S_DRIVER_OK) && q->enabled)
		r = virtio_queue_pop(d, q, &c, &why);
	if (r > 0 && virtio_queue_push(d, q, c.head, fill(&c, arg))) {
		d->isr |= 1;
		d->irq(d, 1);
	}
	if (r < 0)
		broken(d, why);
	pthread_mutex_unlock(&d->lock);
	return r;
}

static void dev_reset(struct virtio_dev *d)
{
	d->gen++;	/* chains being served are not handed back to the new set-up */
	queues_reset(d);
	d->dev_feat_sel = d->drv_feat_sel = 0;
	d->driver_features = 0;
	d->status = 0;
	d->queue_sel = 0;
	d->broken = false;
	if (d->isr) {
		d->isr = 0;
		d->irq(d, 0);
	}
}

static struct virtio_queue *sel_queue(struct virtio_dev *d)
{
	return d->queue_sel < d->ops->nqueues ? &d->q[d->queue_sel] : NULL;
}

/* The common configuration as the guest reads it, laid out as struct virtio_pci_common_cfg. */
static void common_read(struct virtio_dev *d, uint32_t off, uint8_t *data, unsigned int len)
{
	struct virtio_pci_common_cfg r = { 0 };
	uint8_t regs[64] = { 0 };
	struct virtio_queue *q = sel_queue(d);

	r.device_feature_select = d->dev_feat_sel;
	if (d->dev_feat_sel < 2)
		r.device_feature = d->features >> (32 * d->dev_feat_sel);
	r.guest_feature_select = d->drv_feat_sel;
	if (d->drv_feat_sel < 2)
		r.guest_feature = d->driver_features >> (32 * d->drv_feat_sel);
	r.msix_config = VIRTIO_NO_VECTOR;
	r.num_queues = d->ops->nqueues;
	r.device_status = d->status;
	r.queue_select = d->queue_sel;
	r.queue_msix_vector = VIRTIO_NO_VECTOR;
	if (q) {
		r.queue_size = q->size;
		r.queue_enable = q->enabled;
		r.queue_notify_off = d->queue_sel;
		r.queue_desc_lo = q->desc;
		r.queue_desc_hi = q->desc >> 32;
		r.queue_avail_lo = q->avail;
		r.queue_avail_hi = q->avail >> 32;
		r.queue_used_lo = q->used;
		r.queue_used_hi = q->used >> 32;
	}
	memcpy(regs, &r, sizeof(r));
	if (off < sizeof(regs) && len <= sizeof(regs) - off)
		memcpy(data, regs + off, len);
	else
		memset(data, 0, len);
}

static void set_half(uint64_t *v, bool high, uint32_t half)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)half << 32
		  : (*v & ~0xffffffffULL) | half;
}

static void status_write(struct virtio_dev *d, uint8_t v)
{
	uint64_t extra = d->driver_features & ~d->features;

	if (!v) {
		dev_reset(d);
		return;
	}
	/* A driver clears status bits only by a reset (virtio 1.x, 2.1.1): set ones stay. */
	v |= d->status;
	/* FEATURES_OK sticks only for a subset of what was offered, with VERSION_1. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (extra || !(d->driver_features & 1ULL << VIRTIO_F_VERSION_1)))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* The queues run only for features the device accepted (queue_serve, _fill). */
	if (!(v & VIRTIO_CONFIG_S_FEATURES_OK))
		v &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	d->status = v;
}

static void queue_enable(struct virtio_dev *d, struct virtio_queue *q)
{
	const char *why;

	if (q->enabled)
		return;
	if (!virtio_queue_valid(d, q, &why)) {
		broken(d, why);
		return;
	}
	q->enabled = 1;
}

/* A ring address written in one 8-byte access (the halves may also come one by one). */
static void ring_write64(struct virtio_queue *q, uint32_t off, const uint8_t *data)
{
	uint64_t v;

	memcpy(&v, data, 8);
	if (off == offsetof(struct virtio_pci_common_cfg, queue_desc_lo))
		q->desc = v;
	else if (off == offsetof(struct virtio_pci_common_cfg, queue_avail_lo))
		q->avail = v;
	else if (off == offsetof(struct virtio_pci_common_cfg, queue_used_lo))
		q->used = v;
}

static void common_write(struct virtio_dev *d, uint32_t off, const uint8_t *data,
			 unsigned int len)
{
	struct virtio_queue *q = sel_queue(d);
	uint32_t v = 0;

	memcpy(&v, data, len < 4 ? len : 4);
#define AT(field) (off == offsetof(struct virtio_pci_common_cfg, field) && \
		   len == sizeof(((struct virtio_pci_common_cfg *)0)->field))
	if (AT(device_feature_select))
		d->dev_feat_sel = v;
	else if (AT(guest_feature_select))
		d->drv_feat_sel = v;
	else if (AT(guest_feature) && d->drv_feat_sel < 2 &&
		 !(d->status & VIRTIO_CONFIG_S_FEATURES_OK))
		set_half(&d->driver_features, d->drv_feat_sel, v);
	else if (AT(device_status))
		status_write(d, v);
	else if (AT(queue_select))
		d->queue_sel = v;
	else if (!q || q->enabled)
		return;	/* a queue's set-up is fixed once enabled */
	else if (AT(queue_size))
		q->size = v;
	else if (AT(queue_enable) && v == 1)
		queue_enable(d, q);
	else if (AT(queue_desc_lo) || AT(queue_desc_hi))
		set_half(&q->desc, AT(queue_desc_hi), v);
	else if (AT(queue_avail_lo) || AT(queue_avail_hi))
		set_half(&q->avail, AT(queue_avail_hi), v);
	else if (AT(queue_used_lo) || AT(queue_used_hi))
		set_half(&q->used, AT(queue_used_hi), v);
	else if (len == 8)
		ring_write64(q, off, data);
#undef AT
}

void virtio_bar_io(void *opaque, uint32_t off, uint8_t *data, unsigned int len, bool write)
{
	struct virtio_dev *d = opaque;
	uint32_t qi;

	if (off >= VIRTIO_BAR_NOTIFY) {
		qi = (off - VIRTIO_BAR_NOTIFY) / VIRTIO_NOTIFY_MULT;
		if (write && off < VIRTIO_BAR_NOTIFY + 0x1000)
			virtio_queue_notify(d, qi);
		else if (!write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (off < VIRTIO_BAR_ISR) {
		if (write)
			common_write(d, off, data, len);
		else
			common_read(d, off, data, len);
	} else if (off < VIRTIO_BAR_DEVICE) {
		/* Reading the ISR acknowledges it and lowers the line. */
		if (!write) {
			memset(data, 0, len);
			data[0] = d->isr;
			if (d->isr) {
				d->isr = 0;
				d->irq(d, 0);
			}
		}
	} else if (!write) {
		memset(data, 0, len);
		d->ops->config(d, off - VIRTIO_BAR_DEVICE, data, len);
	}
	pthread_mutex_unlock(&d->lock);
}

/* The part [@skip, @skip + @len) of @iov as a list of its own in @out; returns its count. */
unsigned int virtio_iov_slice(const struct iovec *iov, unsigned int n, uint64_t skip, uint64_t len,
			      struct iovec *out)
{
	unsigned int i, m = 0;
	uint64_t k;

	for (i = 0; i < n && len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - skip;
		if (k > len)
			k = len;
		out[m++] = (struct iovec){ (uint8_t *)iov[i].iov_base + skip, k };
		len -= k;
		skip = 0;
	}
	return m;
}

/* Copies @len bytes at offset @skip of the chain's buffers @iov into @dst (or from @src). */
void virtio_iov_copy(const struct iovec *iov, unsigned int n, uint64_t skip, void *dst,
		     const void *src, uint64_t len)
{
	struct iovec part[VIRTIO_QUEUE_MAX];
	unsigned int i, m = virtio_iov_slice(iov, n, skip, len, part);

	for (i = 0; i < m; i++) {
		if (dst)
			memcpy((uint8_t *)dst, part[i].iov_base, part[i].iov_len);
		else
			memcpy(part[i].iov_base, src, part[i].iov_len);
		dst = dst ? (uint8_t *)dst + part[i].iov_len : NULL;
		src = src ? (const uint8_t *)src + part[i].iov_len : NULL;
	}
}

void virtio_iov_advance(struct iovec **iov, unsigned int *n, size_t done)
{
	while (*n && done >= (*iov)->iov_len) {
		done -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}
