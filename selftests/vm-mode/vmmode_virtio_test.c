// SPDX-License-Identifier: GPL-2.0
// vmmode_virtio_test.c - the VMM's PCI bus, virtio transport and virtio-blk, driven as a guest would.
// kiste-suite: host vmmode_virtio_test
/*
 * No KVM here: the test is the guest's driver.  Guest RAM is an mmap with
 * inaccessible pages on both sides, the disk a temporary file; requests go
 * through the same entry points the vCPU threads call (port I/O to the
 * configuration ports, accesses to the BAR).  Well-formed requests are
 * checked against the file; each kind of malformed ring must stop the
 * device with its reason and never touch memory outside guest RAM (built
 * with ASan and UBSan as well as the guard pages); a bounded random fuzzer
 * throws malformed rings at it.
 */
#define _GNU_SOURCE
#include <linux/virtio_blk.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "virtio_guest.h"

#define DISK		(64 * 1024)
#define DESC		0x10000ULL
#define AVAIL		0x11000ULL
#define USED		0x12000ULL
#define BUF		0x20000ULL	/* request buffers from here */

/* The disk's size; a test may make it bigger (sparse past the pattern) before guest_open. */
static off_t disk_len = DISK;

static int guest_open(struct guest *g, bool ro)
{
	uint8_t caps[128], pattern[DISK];
	struct linux_disk disk = { .name = "data-disk", .ro = ro, .size = DISK };
	unsigned int i;

	if (ram_map(g))
		return -1;
	snprintf(g->path, sizeof(g->path), "/tmp/kiste-virtio.XXXXXX");
	g->fd = mkstemp(g->path);
	for (i = 0; i < DISK; i++)
		pattern[i] = i / 512 + 1;	/* sector N holds N + 1 */
	if (g->fd < 0 || write(g->fd, pattern, DISK) != DISK || ftruncate(g->fd, disk_len))
		return -1;
	disk.fd = g->fd;
	disk.size = disk_len;
	linux_pci_init(&g->pci);
	g->blk.vdev.irq = on_irq;
	g->blk.vdev.fail = on_fail;
	g->blk.vdev.owner = g;
	linux_blk_init(&g->blk, &disk, g->ram, RAM);
	return linux_pci_add(&g->pci, 0x1af4, 0x1042, 0x018000, 2, caps,
			     virtio_pci_caps(caps, sizeof(caps)), virtio_bar_io, &g->blk.vdev);
}

/* The Linux driver's order: reset, ACK, DRIVER, features, FEATURES_OK, queue, DRIVER_OK. */
static int driver_up(struct guest *g, uint16_t qsize, uint64_t features)
{
	cfg_wr(g, 1, 0x04, 0x0006);	/* memory, bus master */
	bar_wr(g, COMMON(device_status), 1, 0);
	bar_wr(g, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	bar_wr(g, COMMON(guest_feature_select), 4, 0);
	bar_wr(g, COMMON(guest_feature), 4, (uint32_t)features);
	bar_wr(g, COMMON(guest_feature_select), 4, 1);
	bar_wr(g, COMMON(guest_feature), 4, features >> 32);
	bar_wr(g, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	       VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(bar_rd(g, COMMON(device_status), 1) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -1;
	bar_wr(g, COMMON(queue_select), 2, 0);
	bar_wr(g, COMMON(queue_size), 2, qsize);
	bar_wr(g, COMMON(queue_desc_lo), 4, DESC);
	bar_wr(g, COMMON(queue_desc_hi), 4, 0);
	bar_wr(g, COMMON(queue_avail_lo), 4, AVAIL);
	bar_wr(g, COMMON(queue_avail_hi), 4, 0);
	bar_wr(g, COMMON(queue_used_lo), 4, USED);
	bar_wr(g, COMMON(queue_used_hi), 4, 0);
	bar_wr(g, COMMON(queue_enable), 2, 1);
	bar_wr(g, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	       VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	g->avail_idx = g->used_seen = 0;
	return bar_rd(g, COMMON(queue_enable), 2) == 1 ? 0 : -1;
}

static void desc_set(struct guest *g, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(g->ram + DESC + 16 * i, &d, sizeof(d));
}

/* Offers chain @head and notifies; returns the used element's length, or -1 if none came. */
static int64_t kick(struct guest *g, uint16_t head)
{
	uint16_t used_idx;
	struct vring_used_elem e;

	memcpy(g->ram + AVAIL + 4 + 2 * (g->avail_idx % QSIZE), &head, 2);
	g->avail_idx++;
	memcpy(g->ram + AVAIL + 2, &g->avail_idx, 2);
	bar_wr(g, VIRTIO_BAR_NOTIFY, 2, 0);
	memcpy(&used_idx, g->ram + USED + 2, 2);
	if (used_idx == g->used_seen)
		return -1;
	memcpy(&e, g->ram + USED + 4 + 8 * (g->used_seen % QSIZE), sizeof(e));
	g->used_seen++;
	return e.id == head ? (int64_t)e.len : -2;
}

/* A three-part request: header, data (@len bytes at BUF + 0x100, @write: device-writable), status. */
static int64_t request(struct guest *g, uint32_t type, uint64_t sector, uint32_t len, bool write)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };

	memcpy(g->ram + BUF, &h, sizeof(h));
	g->ram[BUF + 0x80] = 0xee;
	desc_set(g, 0, BUF, sizeof(h), VRING_DESC_F_NEXT, 1);
	desc_set(g, 1, BUF + 0x100, len, VRING_DESC_F_NEXT | (write ? VRING_DESC_F_WRITE : 0), 2);
	desc_set(g, 2, BUF + 0x80, 1, VRING_DESC_F_WRITE, 0);
	return kick(g, 0);
}

static uint8_t status_byte(struct guest *g)
{
	return g->ram[BUF + 0x80];
}

static int disk_byte(struct guest *g, off_t off)
{
	uint8_t b;

	return pread(g->fd, &b, 1, off) == 1 ? b : -1;
}

#define F_V1 (1ULL << VIRTIO_F_VERSION_1)

FIXTURE(blk) {
	struct guest g;
};

FIXTURE_SETUP(blk)
{
	ASSERT_EQ(1, guest_open(&self->g, false));
	ASSERT_EQ(0, driver_up(&self->g, QSIZE, F_V1 | 1ULL << VIRTIO_BLK_F_FLUSH));
}

FIXTURE_TEARDOWN(blk)
{
	guest_close(&self->g);
}

TEST_F(blk, pci_config_as_linux_reads_it)
{
	struct guest *g = &self->g;
	unsigned int pos, types = 0, mult = 0;

	EXPECT_EQ(0x060000u, cfg_rd(g, 0, 0x08) >> 8);		/* host bridge */
	EXPECT_EQ(0x10421af4u, cfg_rd(g, 1, 0x00));
	EXPECT_EQ(0x0002u, cfg_rd(g, 1, 0x2c) >> 16);		/* subsystem: block */
	EXPECT_EQ(0xffffffffu, cfg_rd(g, 2, 0x00));		/* empty slot */
	EXPECT_EQ(1u, cfg_rd(g, 1, 0x3c) >> 8 & 0xff);		/* INTA */
	EXPECT_EQ((uint32_t)LINUX_PCI_GSI_BASE, cfg_rd(g, 1, 0x3c) & 0xff);
	/* BAR sizing: all ones in, the size mask out, then the address back. */
	cfg_wr(g, 1, 0x10, 0xffffffffu);
	EXPECT_EQ(~(LINUX_PCI_BAR_SIZE - 1), cfg_rd(g, 1, 0x10));
	cfg_wr(g, 1, 0x10, BAR);
	EXPECT_EQ((uint32_t)BAR, cfg_rd(g, 1, 0x10));
	/* The vendor capabilities Linux's virtio_pci looks for, in BAR 0. */
	for (pos = cfg_rd(g, 1, 0x34) & 0xff; pos; pos = cfg_rd(g, 1, pos) >> 8 & 0xff) {
		uint32_t w0 = cfg_rd(g, 1, pos);

		ASSERT_EQ(0x09u, w0 & 0xff);
		ASSERT_EQ(0u, cfg_rd(g, 1, pos + 4) & 0xff);	/* bar */
		types |= 1u << (w0 >> 24);
		if (w0 >> 24 == VIRTIO_PCI_CAP_NOTIFY_CFG)
			mult = cfg_rd(g, 1, pos + 16);
	}
	EXPECT_EQ(0x1eu, types);	/* common, notify, isr, device */
	EXPECT_EQ((unsigned int)VIRTIO_NOTIFY_MULT, mult);
	/* After a reset each queue offers its largest size, which Linux's driver reads first. */
	bar_wr(g, COMMON(device_status), 1, 0);
	bar_wr(g, COMMON(queue_select), 2, 0);
	EXPECT_EQ((uint64_t)VIRTIO_QUEUE_MAX, bar_rd(g, COMMON(queue_size), 2));
	EXPECT_EQ(0u, bar_rd(g, COMMON(queue_enable), 2));
	EXPECT_EQ(1u, bar_rd(g, COMMON(num_queues), 2));
	/* Memory decoding off: the BAR answers nothing. */
	cfg_wr(g, 1, 0x04, 0);
	EXPECT_EQ(~0ULL, bar_rd(g, COMMON(num_queues), 2));
}

TEST_F(blk, write_read_flush_id_land_in_the_file)
{
	struct guest *g = &self->g;
	char id[21] = { 0 };

	memset(g->ram + BUF + 0x100, 0xab, 1024);
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_OUT, 3, 1024, false));
	EXPECT_EQ(VIRTIO_BLK_S_OK, status_byte(g));
	EXPECT_EQ(0xab, disk_byte(g, 3 * 512));
	EXPECT_EQ(0xab, disk_byte(g, 5 * 512 - 1));
	EXPECT_EQ(6, disk_byte(g, 5 * 512));			/* sector 5 untouched */
	memset(g->ram + BUF + 0x100, 0, 1024);
	EXPECT_EQ(1025, request(g, VIRTIO_BLK_T_IN, 4, 1024, true));
	EXPECT_EQ(VIRTIO_BLK_S_OK, status_byte(g));
	EXPECT_EQ(0xab, g->ram[BUF + 0x100]);
	EXPECT_EQ(6, g->ram[BUF + 0x100 + 512]);
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_FLUSH, 0, 0, false));
	EXPECT_EQ(VIRTIO_BLK_S_OK, status_byte(g));
	EXPECT_EQ(21, request(g, VIRTIO_BLK_T_GET_ID, 0, 20, true));
	memcpy(id, g->ram + BUF + 0x100, 20);
	EXPECT_STREQ("data-disk", id);
	EXPECT_EQ(1, request(g, 77, 0, 512, true));
	EXPECT_EQ(VIRTIO_BLK_S_UNSUPP, status_byte(g));
	EXPECT_EQ((uint64_t)DISK / 512, bar_rd(g, VIRTIO_BAR_DEVICE, 8));	/* capacity */
	EXPECT_EQ(0, g->fails);
}

TEST_F(blk, out_of_disk_requests_fail_and_change_nothing)
{
	struct guest *g = &self->g;
	struct stat st;

	memset(g->ram + BUF + 0x100, 0xcd, 1024);
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_OUT, DISK / 512 - 1, 1024, false));
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, status_byte(g));
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_OUT, ~0ULL / 512, 1024, false));
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, status_byte(g));
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_OUT, 1, 100, false));	/* not whole sectors */
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, status_byte(g));
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_IN, DISK / 512, 512, true));
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, status_byte(g));
	ASSERT_EQ(0, fstat(g->fd, &st));
	EXPECT_EQ(DISK, st.st_size);
	EXPECT_EQ(DISK / 512, disk_byte(g, DISK - 1));
	EXPECT_EQ(2, disk_byte(g, 512));
	EXPECT_EQ(0, g->fails);
}

TEST_F(blk, interrupt_raised_then_acknowledged_or_suppressed)
{
	struct guest *g = &self->g;
	uint16_t no_irq = VRING_AVAIL_F_NO_INTERRUPT;

	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_FLUSH, 0, 0, false));
	EXPECT_EQ(1, g->irq_level);
	EXPECT_EQ(1u, bar_rd(g, VIRTIO_BAR_ISR, 1));
	EXPECT_EQ(0, g->irq_level);
	EXPECT_EQ(0u, bar_rd(g, VIRTIO_BAR_ISR, 1));
	memcpy(g->ram + AVAIL, &no_irq, 2);
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_FLUSH, 0, 0, false));
	EXPECT_EQ(0, g->irq_level);
	EXPECT_EQ(1, g->irqs);
}

TEST(features_outside_the_offer_are_refused)
{
	struct guest g;

	ASSERT_EQ(1, guest_open(&g, false));
	EXPECT_EQ(-1, driver_up(&g, QSIZE, 0));				/* no VERSION_1 */
	EXPECT_EQ(-1, driver_up(&g, QSIZE, F_V1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC));
	EXPECT_EQ(0, driver_up(&g, QSIZE, F_V1));
	guest_close(&g);
}

/*
 * HOSTILE: the queues run only once the device accepted the driver's features.
 * DRIVER_OK without FEATURES_OK is not taken (a request then is not served,
 * the disk untouched), and a driver cannot take FEATURES_OK back to write
 * features the device never accepted: status bits go only by a reset.
 */
TEST(queues_run_only_with_features_accepted)
{
	const uint8_t ad = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	struct guest g;

	ASSERT_EQ(1, guest_open(&g, false));
	cfg_wr(&g, 1, 0x04, 0x0006);
	bar_wr(&g, COMMON(device_status), 1, 0);
	bar_wr(&g, COMMON(device_status), 1, ad);
	bar_wr(&g, COMMON(guest_feature_select), 4, 1);
	bar_wr(&g, COMMON(guest_feature), 4, F_V1 >> 32);
	bar_wr(&g, COMMON(queue_select), 2, 0);
	bar_wr(&g, COMMON(queue_size), 2, QSIZE);
	bar_wr(&g, COMMON(queue_desc_lo), 8, DESC);
	bar_wr(&g, COMMON(queue_avail_lo), 8, AVAIL);
	bar_wr(&g, COMMON(queue_used_lo), 8, USED);
	bar_wr(&g, COMMON(queue_enable), 2, 1);
	bar_wr(&g, COMMON(device_status), 1, ad | VIRTIO_CONFIG_S_DRIVER_OK);
	EXPECT_EQ((uint64_t)ad, bar_rd(&g, COMMON(device_status), 1));
	memset(g.ram + BUF + 0x100, 0x77, 512);
	EXPECT_EQ(-1, request(&g, VIRTIO_BLK_T_OUT, 2, 512, false));
	EXPECT_EQ(3, disk_byte(&g, 2 * 512));
	/* Accepted, then "taken back" to write INDIRECT in: still accepted, the write ignored. */
	bar_wr(&g, COMMON(device_status), 1, ad | VIRTIO_CONFIG_S_FEATURES_OK);
	bar_wr(&g, COMMON(device_status), 1, ad);
	EXPECT_EQ((uint64_t)(ad | VIRTIO_CONFIG_S_FEATURES_OK), bar_rd(&g, COMMON(device_status), 1));
	bar_wr(&g, COMMON(guest_feature_select), 4, 0);
	bar_wr(&g, COMMON(guest_feature), 4, 1u << VIRTIO_RING_F_INDIRECT_DESC);
	EXPECT_EQ(0ULL, bar_rd(&g, COMMON(guest_feature), 4));
	EXPECT_EQ(0, g.fails);
	guest_close(&g);
}

/* A request over seg_max x size_max (what the device offers) is an I/O error, whatever its disk. */
TEST(requests_over_the_offered_size_are_io_errors)
{
	struct virtio_blk_outhdr h = { .type = VIRTIO_BLK_T_IN, .sector = 0 };
	uint32_t size_max, seg_max;
	struct guest g;
	unsigned int i, n;

	disk_len = 64 << 20;
	ASSERT_EQ(1, guest_open(&g, false));
	disk_len = DISK;
	ASSERT_EQ(0, driver_up(&g, QSIZE, F_V1 | 1ULL << VIRTIO_BLK_F_SIZE_MAX |
			       1ULL << VIRTIO_BLK_F_SEG_MAX));
	size_max = bar_rd(&g, VIRTIO_BAR_DEVICE + offsetof(struct virtio_blk_config, size_max), 4);
	seg_max = bar_rd(&g, VIRTIO_BAR_DEVICE + offsetof(struct virtio_blk_config, seg_max), 4);
	EXPECT_EQ(65536u, size_max);
	EXPECT_EQ(126u, seg_max);
	/* 6 x 2 MiB of the same guest buffer: 12 MiB, past 126 x 64 KiB; then 3 x 2 MiB. */
	for (n = 6; n >= 3; n -= 3) {
		memcpy(g.ram + BUF, &h, sizeof(h));
		desc_set(&g, 0, BUF, sizeof(h), VRING_DESC_F_NEXT, 1);
		for (i = 1; i <= n; i++)
			desc_set(&g, i, BUF + 0x1000, 2 << 20, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
				 i + 1);
		desc_set(&g, n + 1, BUF + 0x80, 1, VRING_DESC_F_WRITE, 0);
		g.ram[BUF + 0x80] = 0xee;
		EXPECT_EQ(n == 6 ? 1 : (int64_t)(3 << 21) + 1, kick(&g, 0));
		EXPECT_EQ(n == 6 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, g.ram[BUF + 0x80]);
	}
	EXPECT_EQ(0, g.fails);
	guest_close(&g);
}

TEST(read_only_disk_refuses_writes)
{
	struct guest g;

	ASSERT_EQ(1, guest_open(&g, true));
	ASSERT_EQ(0, driver_up(&g, QSIZE, F_V1 | 1ULL << VIRTIO_BLK_F_RO));
	memset(g.ram + BUF + 0x100, 0xef, 512);
	EXPECT_EQ(1, request(&g, VIRTIO_BLK_T_OUT, 0, 512, false));
	EXPECT_EQ(VIRTIO_BLK_S_IOERR, g.ram[BUF + 0x80]);
	EXPECT_EQ(1, disk_byte(&g, 0));
	EXPECT_EQ(513, request(&g, VIRTIO_BLK_T_IN, 1, 512, true));
	EXPECT_EQ(2, g.ram[BUF + 0x100]);
	guest_close(&g);
}

/* Hostile rings: each stops the device with its reason, once, and nothing is served after. */
FIXTURE(hostile) {
	struct guest g;
};

FIXTURE_VARIANT(hostile) {
	int kind;
	const char *why;
};

enum { H_BUF_PAST_RAM, H_BUF_WRAPS, H_LOOP, H_NEXT_PAST, H_HEAD_PAST, H_AHEAD, H_INDIRECT,
       H_READ_AFTER_WRITE, H_RING_PAST_RAM, H_MISALIGNED, H_SIZE_3, H_SIZE_256 };

FIXTURE_VARIANT_ADD(hostile, buffer_past_ram) { H_BUF_PAST_RAM, "outside guest RAM" };
FIXTURE_VARIANT_ADD(hostile, buffer_wraps_around) { H_BUF_WRAPS, "outside guest RAM" };
FIXTURE_VARIANT_ADD(hostile, descriptor_loop) { H_LOOP, "a loop" };
FIXTURE_VARIANT_ADD(hostile, next_past_queue) { H_NEXT_PAST, "past the queue" };
FIXTURE_VARIANT_ADD(hostile, head_past_queue) { H_HEAD_PAST, "past the queue" };
FIXTURE_VARIANT_ADD(hostile, index_a_queue_ahead) { H_AHEAD, "ahead" };
FIXTURE_VARIANT_ADD(hostile, indirect_not_offered) { H_INDIRECT, "indirect" };
FIXTURE_VARIANT_ADD(hostile, readable_after_writable) { H_READ_AFTER_WRITE, "after a writable" };
FIXTURE_VARIANT_ADD(hostile, ring_past_ram) { H_RING_PAST_RAM, "outside guest RAM" };
FIXTURE_VARIANT_ADD(hostile, misaligned_ring) { H_MISALIGNED, "misaligned" };
FIXTURE_VARIANT_ADD(hostile, size_not_power_of_two) { H_SIZE_3, "power of two" };
FIXTURE_VARIANT_ADD(hostile, size_over_offer) { H_SIZE_256, "power of two" };

FIXTURE_SETUP(hostile)
{
	ASSERT_EQ(1, guest_open(&self->g, false));
}

FIXTURE_TEARDOWN(hostile)
{
	guest_close(&self->g);
}

/* Sets the queue up with a bad ring instead of driver_up's. */
static void bad_queue(struct guest *g, uint16_t size, uint64_t desc)
{
	driver_up(g, QSIZE, F_V1);
	bar_wr(g, COMMON(device_status), 1, 0);		/* reset, then again by hand */
	bar_wr(g, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	bar_wr(g, COMMON(guest_feature_select), 4, 1);
	bar_wr(g, COMMON(guest_feature), 4, 1);
	bar_wr(g, COMMON(device_status), 1, 0x0b);
	bar_wr(g, COMMON(queue_size), 2, size);
	bar_wr(g, COMMON(queue_desc_lo), 4, (uint32_t)desc);
	bar_wr(g, COMMON(queue_desc_hi), 4, desc >> 32);
	bar_wr(g, COMMON(queue_avail_lo), 4, AVAIL);
	bar_wr(g, COMMON(queue_used_lo), 4, USED);
	bar_wr(g, COMMON(queue_enable), 2, 1);
}

TEST_F(hostile, stops_the_device_with_its_reason)
{
	struct guest *g = &self->g;
	uint16_t idx, head = 0;

	switch (variant->kind) {
	case H_RING_PAST_RAM:
		bad_queue(g, QSIZE, RAM - 64);
		break;
	case H_MISALIGNED:
		bad_queue(g, QSIZE, DESC + 8);
		break;
	case H_SIZE_3:
		bad_queue(g, 3, DESC);
		break;
	case H_SIZE_256:
		bad_queue(g, 256, DESC);
		break;
	default:
		ASSERT_EQ(0, driver_up(g, QSIZE, F_V1));
		desc_set(g, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
		desc_set(g, 1, BUF + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		desc_set(g, 2, BUF + 0x80, 1, VRING_DESC_F_WRITE, 0);
		break;
	}
	switch (variant->kind) {
	case H_BUF_PAST_RAM:
		desc_set(g, 1, RAM - 256, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		break;
	case H_BUF_WRAPS:
		desc_set(g, 1, ~0ULL - 255, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		break;
	case H_LOOP:
		desc_set(g, 2, BUF + 0x80, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
		break;
	case H_NEXT_PAST:
		desc_set(g, 1, BUF + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, QSIZE);
		break;
	case H_HEAD_PAST:
		head = 0xffff;
		break;
	case H_AHEAD:
		g->avail_idx = QSIZE;	/* kick adds one: QSIZE + 1 ahead of the device */
		break;
	case H_INDIRECT:
		desc_set(g, 0, BUF, 16, VRING_DESC_F_INDIRECT, 0);
		break;
	case H_READ_AFTER_WRITE:
		desc_set(g, 2, BUF + 0x80, 1, 0, 0);
		break;
	}
	g->ram[BUF + 0x100] = 0x5a;
	if (variant->kind < H_RING_PAST_RAM)
		EXPECT_EQ(-1, kick(g, head));
	EXPECT_EQ(1, g->fails);
	EXPECT_NE(NULL, strstr(g->why, variant->why)) {
		TH_LOG("reason: %s", g->why);
	}
	EXPECT_NE(0u, bar_rd(g, COMMON(device_status), 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Nothing more is served, and nothing was read into the buffer. */
	EXPECT_EQ(0x5a, g->ram[BUF + 0x100]);
	memcpy(&idx, g->ram + USED + 2, 2);
	EXPECT_EQ(0, idx);
	bar_wr(g, VIRTIO_BAR_NOTIFY, 2, 0);
	EXPECT_EQ(1, g->fails);
	/* A reset brings it back, as for a driver that recovers. */
	EXPECT_EQ(0, driver_up(g, QSIZE, F_V1));
	EXPECT_EQ(1, request(g, VIRTIO_BLK_T_FLUSH, 0, 0, false));
}

/*
 * Random rings, bounded: 20000 requests whose descriptors point anywhere
 * (inside, at the edge of and far past RAM), with random flags, lengths,
 * links and indexes.  The guard pages and ASan catch any access outside
 * RAM; the disk file must keep its size (no write past its end).
 */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t rnd_addr(uint64_t *s)
{
	switch (rnd(s) % 5) {
	case 0:
		return RAM - rnd(s) % 4096;
	case 1:
		return rnd(s);
	case 2:
		return ~0ULL - rnd(s) % 4096;
	default:
		return BUF + rnd(s) % (RAM - BUF - 0x4000);
	}
}

TEST(random_rings_never_leave_guest_ram)
{
	uint64_t seed = 0x6b69737465ULL, sector;
	struct guest g;
	struct stat st;
	unsigned int i, j, broken = 0, served = 0;

	ASSERT_EQ(1, guest_open(&g, false));
	ASSERT_EQ(0, driver_up(&g, QSIZE, F_V1 | 1ULL << VIRTIO_BLK_F_FLUSH));
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < QSIZE; j++) {
			uint16_t flags = rnd(&seed) & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
						       (rnd(&seed) % 16 ? 0 : VRING_DESC_F_INDIRECT));
			uint32_t len = rnd(&seed) % 3 ? rnd(&seed) % 4096 : (uint32_t)rnd(&seed);

			desc_set(&g, j, rnd_addr(&seed), len, flags, rnd(&seed) % (QSIZE + 2));
		}
		sector = rnd(&seed) % 4 ? rnd(&seed) % (DISK / 512 + 2) : rnd(&seed);
		memcpy(g.ram + BUF, &(struct virtio_blk_outhdr){ .type = rnd(&seed) % 10,
								  .sector = sector }, 16);
		desc_set(&g, 0, BUF, 16 + rnd(&seed) % 2, VRING_DESC_F_NEXT, 1);
		if (rnd(&seed) % 8 == 0)
			g.avail_idx += rnd(&seed) % 32;
		served += kick(&g, rnd(&seed) % (QSIZE + 1)) >= 0;
		if (g.fails) {
			broken++;
			g.fails = 0;
			ASSERT_EQ(0, driver_up(&g, QSIZE, F_V1 | 1ULL << VIRTIO_BLK_F_FLUSH));
		}
	}
	ASSERT_EQ(0, fstat(g.fd, &st));
	EXPECT_EQ(DISK, st.st_size);
	/* Both outcomes happened many times: the fuzzer reached the device and its checks. */
	EXPECT_GT(broken, 1000u);
	EXPECT_GT(served, 1000u);
	TH_LOG("%u requests served, %u rings refused", served, broken);
	guest_close(&g);
}

TEST_HARNESS_MAIN
