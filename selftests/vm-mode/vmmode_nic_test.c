// SPDX-License-Identifier: GPL-2.0
// vmmode_nic_test.c - the VMM's virtio-net, driven as a guest would, its backend a socketpair.
// kiste-suite: host vmmode_nic_test
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "kselftest_harness.h"

#include "virtio_guest.h"

/*
 * virtio-net on a socketpair standing in for passt: frames out of the transmit
 * queue behind their 4-byte big-endian length, frames from the backend into the
 * guest's receive buffers; malformed frames either way are dropped, a backend
 * that breaks the framing ends the NIC.
 */
#define TXQ_DESC	0x30000ULL
#define TXQ_AVAIL	0x31000ULL
#define TXQ_USED	0x32000ULL
#define RXQ_DESC	0x40000ULL
#define RXQ_AVAIL	0x41000ULL
#define RXQ_USED	0x42000ULL
#define RX_BUFS		0x50000ULL	/* 2 KiB each */
#define TX_BUF		0x60000ULL

static void queue_up(struct guest *g, uint16_t qi, uint64_t desc, uint64_t avail, uint64_t used)
{
	bar_wr(g, COMMON(queue_select), 2, qi);
	bar_wr(g, COMMON(queue_size), 2, QSIZE);
	bar_wr(g, COMMON(queue_desc_lo), 8, desc);
	bar_wr(g, COMMON(queue_avail_lo), 8, avail);
	bar_wr(g, COMMON(queue_used_lo), 8, used);
	bar_wr(g, COMMON(queue_enable), 2, 1);
}

static int nic_open(struct guest *g)
{
	static const uint8_t mac[6] = { 0x02, 1, 2, 3, 4, 5 };
	uint8_t caps[128];
	int sv[2];

	if (ram_map(g) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	g->fd = sv[0];
	g->peer = sv[1];
	fcntl(g->peer, F_SETFL, O_NONBLOCK);
	linux_pci_init(&g->pci);
	g->net.vdev.irq = on_irq;
	g->net.vdev.fail = on_fail;
	g->net.vdev.owner = g;
	linux_net_init(&g->net, g->fd, false, mac, g->ram, RAM);
	if (linux_pci_add(&g->pci, 0x1af4, 0x1041, 0x020000, 1, caps,
			  virtio_pci_caps(caps, sizeof(caps)), virtio_bar_io, &g->net.vdev) != 1)
		return -1;
	cfg_wr(g, 1, 0x04, 0x0006);
	bar_wr(g, COMMON(device_status), 1, 3);
	bar_wr(g, COMMON(guest_feature_select), 4, 1);
	bar_wr(g, COMMON(guest_feature), 4, 1);
	bar_wr(g, COMMON(device_status), 1, 0x0b);
	queue_up(g, 0, RXQ_DESC, RXQ_AVAIL, RXQ_USED);
	queue_up(g, 1, TXQ_DESC, TXQ_AVAIL, TXQ_USED);
	bar_wr(g, COMMON(device_status), 1, 0x0f);
	return bar_rd(g, COMMON(device_status), 1) == 0x0f ? 0 : -1;
}

/* Offers @n receive buffers of @len bytes (descriptors 0..n-1) and notifies queue 0. */
static void rx_offer(struct guest *g, unsigned int n, uint32_t len)
{
	uint16_t i, idx;

	for (i = 0; i < n; i++) {
		struct vring_desc d = { RX_BUFS + 2048 * i, len, VRING_DESC_F_WRITE, 0 };

		memcpy(g->ram + RXQ_DESC + 16 * i, &d, sizeof(d));
		memcpy(g->ram + RXQ_AVAIL + 4 + 2 * i, &i, 2);
	}
	idx = n;
	memcpy(g->ram + RXQ_AVAIL + 2, &idx, 2);
	bar_wr(g, VIRTIO_BAR_NOTIFY, 2, 0);
}

static uint16_t used_idx(struct guest *g, uint64_t used)
{
	uint16_t v;

	memcpy(&v, g->ram + used + 2, 2);
	return v;
}

/* The backend's side: @len bytes of frame @p behind their length, in one write. */
static void backend_send(struct guest *g, const void *p, uint32_t len)
{
	uint8_t buf[4 + 2048];
	uint32_t be = __builtin_bswap32(len);

	memcpy(buf, &be, 4);
	memcpy(buf + 4, p, len);
	if (write(g->peer, buf, 4 + len) != (ssize_t)(4 + len))
		abort();
}

/* Transmits a @len-byte frame (after the 12-byte header), split over two descriptors. */
static void tx_frame(struct guest *g, uint32_t len, uint16_t idx)
{
	struct vring_desc d0 = { TX_BUF, 20, VRING_DESC_F_NEXT, 1 };
	struct vring_desc d1 = { TX_BUF + 20, 12 + len - 20, 0, 0 };
	uint16_t head = 0;

	memcpy(g->ram + TXQ_DESC, &d0, 16);
	memcpy(g->ram + TXQ_DESC + 16, &d1, 16);
	memcpy(g->ram + TXQ_AVAIL + 4 + 2 * ((idx - 1) % QSIZE), &head, 2);
	memcpy(g->ram + TXQ_AVAIL + 2, &idx, 2);
	bar_wr(g, VIRTIO_BAR_NOTIFY + VIRTIO_NOTIFY_MULT, 2, 1);
}

TEST(nic_frames_out_and_in)
{
	uint8_t frame[1600], got[8 + 2048];
	struct guest g;
	const char *why = NULL;
	uint32_t be, len;
	unsigned int i;

	ASSERT_EQ(0, nic_open(&g));
	EXPECT_EQ(0x02u, bar_rd(&g, VIRTIO_BAR_DEVICE, 1));	/* the MAC, in config */
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = i * 7;
	/* Out: one 60-byte frame over two descriptors, framed for the backend. */
	memcpy(g.ram + TX_BUF + 12, frame, 60);
	tx_frame(&g, 60, 1);
	EXPECT_EQ(1, used_idx(&g, TXQ_USED));
	ASSERT_EQ(64, read(g.peer, got, sizeof(got)));
	memcpy(&be, got, 4);
	EXPECT_EQ(60u, __builtin_bswap32(be));
	EXPECT_EQ(0, memcmp(got + 4, frame, 60));
	/* Not frames: 10 bytes, and 1600 (past 1522): consumed, nothing sent. */
	tx_frame(&g, 10, 2);
	tx_frame(&g, 1600, 3);
	EXPECT_EQ(3, used_idx(&g, TXQ_USED));
	EXPECT_EQ(-1, read(g.peer, got, sizeof(got)));
	/* In: two frames in one write and a third in two, into three 2 KiB buffers. */
	rx_offer(&g, 3, 2048);
	backend_send(&g, frame, 100);
	backend_send(&g, frame + 1, 1514);
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	len = __builtin_bswap32(200);
	ASSERT_EQ(4, write(g.peer, &len, 4));
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	EXPECT_EQ(2, used_idx(&g, RXQ_USED));
	ASSERT_EQ(200, write(g.peer, frame + 2, 200));
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	EXPECT_EQ(3, used_idx(&g, RXQ_USED));
	EXPECT_EQ(1, g.ram[RX_BUFS + 10]);			/* num_buffers */
	EXPECT_EQ(0, memcmp(g.ram + RX_BUFS + 12, frame, 100));
	EXPECT_EQ(0, memcmp(g.ram + RX_BUFS + 2048 + 12, frame + 1, 1514));
	EXPECT_EQ(0, memcmp(g.ram + RX_BUFS + 4096 + 12, frame + 2, 200));
	EXPECT_EQ(1, g.irq_level);
	EXPECT_EQ(0u, g.net.rx_dropped);
	/* No buffer left: dropped.  A buffer too small: handed back empty, dropped. */
	backend_send(&g, frame, 100);
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	EXPECT_EQ(1u, g.net.rx_dropped);
	rx_offer(&g, 1, 64);	/* reuses descriptor 0: the 4th available entry */
	memcpy(g.ram + RXQ_AVAIL + 4 + 2 * 3, &(uint16_t){ 0 }, 2);
	memcpy(g.ram + RXQ_AVAIL + 2, &(uint16_t){ 4 }, 2);
	backend_send(&g, frame, 100);
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	EXPECT_EQ(4, used_idx(&g, RXQ_USED));
	EXPECT_EQ(2u, g.net.rx_dropped);
	EXPECT_EQ(0, g.fails);
	guest_close(&g);
}

/* A 60-byte frame of ethertype @type whose bytes 30-33 (an IPv4 destination) are @dst. */
static void tx_typed(struct guest *g, uint16_t type, const uint8_t dst[4], uint16_t idx)
{
	uint8_t *f = g->ram + TX_BUF + 12;

	memset(f, 0x5a, 60);
	f[12] = type >> 8;
	f[13] = type & 0xff;
	f[14] = 0x45;
	memcpy(f + 30, dst, 4);
	/* IPv6: the destination (bytes 38-53) ::1 when @dst is 127.x, else 2001:db8::1 */
	if (type == 0x86dd) {
		memset(f + 38, 0, 16);
		f[53] = 1;
		if (dst[0] != 127)
			memcpy(f + 38, "\x20\x01\x0d\xb8", 4);
	}
	tx_frame(g, 60, idx);
}

/*
 * passt would hand a frame to 127.0.0.1 to the host's loopback: the NIC
 * drops it, and 0.0.0.0/8, ::1 and tagged frames too, before the backend
 * sees them (the destination lies in the second descriptor); a frame to
 * anywhere else goes out.
 */
TEST(nic_frames_to_host_loopback_never_reach_passt)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 }, lo2[4] = { 127, 9, 8, 7 },
			     zero[4] = { 0, 0, 0, 0 }, out[4] = { 203, 0, 113, 1 };
	uint8_t got[256];
	struct guest g;
	uint32_t be;

	ASSERT_EQ(0, nic_open(&g));
	tx_typed(&g, 0x0800, lo, 1);
	tx_typed(&g, 0x0800, lo2, 2);
	tx_typed(&g, 0x0800, zero, 3);
	tx_typed(&g, 0x86dd, lo, 4);
	tx_typed(&g, 0x8100, out, 5);
	tx_typed(&g, 0x88a8, out, 6);
	/* an IPv4 frame too short to hold its header */
	g.ram[TX_BUF + 12 + 12] = 0x08;
	g.ram[TX_BUF + 12 + 13] = 0x00;
	tx_frame(&g, 20, 7);
	EXPECT_EQ(7, used_idx(&g, TXQ_USED));
	EXPECT_EQ(-1, read(g.peer, got, sizeof(got)));
	EXPECT_EQ(7u, g.net.tx_refused);
	tx_typed(&g, 0x0800, out, 8);
	ASSERT_EQ(64, read(g.peer, got, sizeof(got)));
	memcpy(&be, got, 4);
	EXPECT_EQ(60u, __builtin_bswap32(be));
	EXPECT_EQ(0, memcmp(got + 4 + 30, out, 4));
	/* ARP passes (passt answers it itself), and IPv6 elsewhere (passt learns the MAC) */
	tx_typed(&g, 0x0806, lo, 9);
	EXPECT_EQ(64, read(g.peer, got, sizeof(got)));
	tx_typed(&g, 0x86dd, out, 10);
	EXPECT_EQ(64, read(g.peer, got, sizeof(got)));
	EXPECT_EQ(7u, g.net.tx_refused);
	guest_close(&g);
}

TEST(nic_backend_breaking_the_framing_ends_it)
{
	const char *why = NULL;
	uint32_t be = 0xffffffff;
	struct guest g;

	ASSERT_EQ(0, nic_open(&g));
	ASSERT_EQ(4, write(g.peer, &be, 4));
	EXPECT_EQ(-1, linux_net_rx(&g.net, &why));
	EXPECT_NE(NULL, why);
	close(g.peer);
	g.peer = -1;
	g.net.rx_len = 0;
	EXPECT_EQ(-1, linux_net_rx(&g.net, &why));
	EXPECT_NE(NULL, strstr(why, "closed"));
	guest_close(&g);
}

TEST(nic_malformed_receive_ring_stops_it)
{
	const char *why = NULL;
	uint8_t frame[64] = { 0 };
	struct vring_desc d = { RAM - 16, 2048, VRING_DESC_F_WRITE, 0 };
	struct guest g;

	ASSERT_EQ(0, nic_open(&g));
	memcpy(g.ram + RXQ_DESC, &d, sizeof(d));
	memcpy(g.ram + RXQ_AVAIL + 2, &(uint16_t){ 1 }, 2);
	backend_send(&g, frame, sizeof(frame));
	ASSERT_EQ(0, linux_net_rx(&g.net, &why));
	EXPECT_EQ(1, g.fails);
	EXPECT_NE(NULL, strstr(g.why, "outside guest RAM"));
	EXPECT_EQ(0, used_idx(&g, RXQ_USED));
	guest_close(&g);
}

/*
 * Upload and download at once (found by a review): passt sends in batches
 * and finishes a partly sent frame with a blocking write; if the vCPU kept
 * the device locked while its own frame waited for passt, and the main thread
 * waited for that lock to deliver passt's frames, nobody would move and
 * --timeout (checked by the main thread) would never come.  Here a model of
 * passt, one vCPU uploading, and the main thread's loop: the loop must leave
 * at its deadline.
 */
struct traffic {
	struct guest *g;
	int stop;		/* the VM's stop word */
	volatile int quit, serve_done;
	uint64_t deadline_ms;
};

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void *main_loop(void *a)
{
	struct traffic *t = a;
	const char *why;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = t->g->fd, .events = POLLIN };

		if (ms_now() >= t->deadline_ms) {
			__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
			break;
		}
		if (poll(&p, 1, 50) > 0 && linux_net_rx(&t->g->net, &why) < 0)
			break;
	}
	t->serve_done = 1;
	return NULL;
}

static void *passt_model(void *a)
{
	static uint8_t in[65536], out[32][4 + 1514];
	struct traffic *t = a;
	struct iovec iov[32];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 32 };
	uint32_t be = __builtin_bswap32(1514);
	unsigned int i;
	ssize_t n;

	for (i = 0; i < 32; i++) {
		memcpy(out[i], &be, 4);
		iov[i] = (struct iovec){ out[i], sizeof(out[i]) };
	}
	while (!t->quit) {
		while (recv(t->g->peer, in, sizeof(in), MSG_DONTWAIT) > 0)
			;
		n = sendmsg(t->g->peer, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			usleep(100);
			continue;
		}
		/* The rest of a partly sent frame, blocking, as passt does. */
		if (n % sizeof(out[0]) &&
		    send(t->g->peer, out[0], sizeof(out[0]) - n % sizeof(out[0]), MSG_NOSIGNAL) < 0)
			break;
	}
	return NULL;
}

static void *vcpu_upload(void *a)
{
	struct traffic *t = a;
	struct guest *g = t->g;
	struct vring_desc d = { TX_BUF, 12 + 1514, 0, 0 };
	uint16_t idx = 0;

	memcpy(g->ram + TXQ_DESC, &d, sizeof(d));
	while (!t->quit) {
		idx += QSIZE;	/* every entry is descriptor 0: a full frame */
		__atomic_store_n((uint16_t *)(g->ram + TXQ_AVAIL + 2), idx, __ATOMIC_RELEASE);
		bar_wr(g, VIRTIO_BAR_NOTIFY + VIRTIO_NOTIFY_MULT, 2, 1);
	}
	return NULL;
}

TEST(nic_traffic_both_ways_never_stalls_the_main_thread)
{
	pthread_t up, peer, srv;
	struct guest g;
	struct traffic t = { .g = &g };
	uint64_t t0;

	ASSERT_EQ(0, nic_open(&g));
	fcntl(g.peer, F_SETFL, 0);	/* passt's end is blocking, as --fd gets it */
	g.net.vdev.stop = &t.stop;
	rx_offer(&g, QSIZE, 2048);
	t0 = ms_now();
	t.deadline_ms = t0 + 3000;
	pthread_create(&peer, NULL, passt_model, &t);
	pthread_create(&up, NULL, vcpu_upload, &t);
	pthread_create(&srv, NULL, main_loop, &t);
	while (!t.serve_done && ms_now() < t0 + 8000)
		usleep(10000);
	EXPECT_TRUE(t.serve_done) TH_LOG("the main loop did not leave at its deadline");
	/* Unstick everyone for the teardown, whatever happened. */
	t.quit = 1;
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	shutdown(g.fd, SHUT_RDWR);
	pthread_join(up, NULL);
	pthread_join(srv, NULL);
	pthread_join(peer, NULL);
	guest_close(&g);
}

TEST_HARNESS_MAIN
