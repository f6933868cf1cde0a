/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmode_devices.h - the fake guest's scripts for vm mode's devices on the host's KVM:
 * the disk fixture, the virtio-blk driver steps and the NIC's (vmmode_devices_test.c:
 * disks and the NIC on passt; vmmode_nsnet_test.c: the NIC on --network ns:PATH).
 */
#ifndef KISTE_VMMODE_DEVICES_H
#define KISTE_VMMODE_DEVICES_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "fake_guest.h"

#define BAR		0xe0000000ULL	/* slot 1's BAR, as the VMM places it */
#define RING		0x300000ULL	/* free guest RAM between 1 MiB and the kernel */
#define DESC		RING
#define AVAIL		(RING + 0x1000)
#define USED		(RING + 0x2000)
#define HDR		(RING + 0x3000)
#define STATUS		(RING + 0x3800)
#define DATA		(RING + 0x4000)
#define QSIZE		8
#define DISK_LEN	(64 * 1024)
#define MARK		0x214554534953494bULL	/* an 8-byte marker */

struct script {
	struct fg_op op[FG_SCRIPT_MAX];
	unsigned int n;
	bool overflow;		/* more steps than fit: the test is wrong, not the VMM */
	uint16_t idx;		/* the avail index so far */
};

static inline void step(struct script *s, uint32_t op, uint32_t size, uint64_t addr, uint64_t val)
{
	if (s->n < FG_SCRIPT_MAX - 1)
		s->op[s->n++] = (struct fg_op){ op, size, addr, val };
	else
		s->overflow = true;
}

static inline void cfg_write(struct script *s, unsigned int reg, uint32_t v)
{
	step(s, FG_OUT, 4, 0xcf8, 0x80000000u | 1u << 11 | reg);
	step(s, FG_OUT, 4, 0xcfc, v);
}

static inline void cfg_expect(struct script *s, unsigned int reg, uint32_t v)
{
	step(s, FG_OUT, 4, 0xcf8, 0x80000000u | 1u << 11 | reg);
	step(s, FG_IN_CHECK, 4, 0xcfc, v);
}

/* Offsets in struct virtio_pci_common_cfg. */
enum { C_DFSEL = 0, C_DF = 4, C_GFSEL = 8, C_GF = 12, C_STATUS = 20, C_QSEL = 22,
       C_QSIZE = 24, C_QENABLE = 28, C_QDESC = 32, C_QAVAIL = 40, C_QUSED = 48 };

/* Finds the disk in slot 1 and brings it up: features VERSION_1 (+ @feat), one queue. */
static inline void driver_up(struct script *s, uint32_t feat)
{
	cfg_expect(s, 0x00, 0x10421af4);	/* virtio 1.x block device */
	cfg_write(s, 0x04, 0x0006);		/* memory decoding, bus master */
	step(s, FG_STORE, 1, BAR + C_STATUS, 0);
	step(s, FG_STORE, 1, BAR + C_STATUS, 3);
	step(s, FG_STORE, 4, BAR + C_GFSEL, 0);
	step(s, FG_STORE, 4, BAR + C_GF, feat);
	step(s, FG_STORE, 4, BAR + C_GFSEL, 1);
	step(s, FG_STORE, 4, BAR + C_GF, 1);	/* VERSION_1 */
	step(s, FG_STORE, 1, BAR + C_STATUS, 0x0b);
	step(s, FG_CHECK, 1, BAR + C_STATUS, 0x0b);	/* FEATURES_OK stuck */
	step(s, FG_STORE, 2, BAR + C_QSEL, 0);
	step(s, FG_STORE, 2, BAR + C_QSIZE, QSIZE);
	step(s, FG_STORE, 8, BAR + C_QDESC, DESC);	/* one 8-byte access, */
	step(s, FG_STORE, 4, BAR + C_QAVAIL, AVAIL);	/* or the low half (as Linux) */
	step(s, FG_STORE, 4, BAR + C_QAVAIL + 4, 0);
	step(s, FG_STORE, 4, BAR + C_QUSED, USED);
	step(s, FG_STORE, 2, BAR + C_QENABLE, 1);
	step(s, FG_STORE, 1, BAR + C_STATUS, 0x0f);
}

static inline void desc(struct script *s, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	step(s, FG_STORE, 8, DESC + 16 * i, addr);
	step(s, FG_STORE, 4, DESC + 16 * i + 8, len);
	step(s, FG_STORE, 2, DESC + 16 * i + 12, flags);
	step(s, FG_STORE, 2, DESC + 16 * i + 14, next);
}

/* Header, data (@len at @data; device-writable when @in), status; offered and notified. */
static inline void request(struct script *s, uint32_t type, uint64_t sector, uint64_t data,
		    uint32_t len, bool in)
{
	step(s, FG_STORE, 4, HDR, type);
	step(s, FG_STORE, 8, HDR + 8, sector);
	step(s, FG_STORE, 1, STATUS, 0xee);
	desc(s, 0, HDR, 16, 1 /* NEXT */, 1);
	desc(s, 1, data, len, 1 | (in ? 2 /* WRITE */ : 0), 2);
	desc(s, 2, STATUS, 1, 2, 0);
	step(s, FG_STORE, 2, AVAIL + 4 + 2 * (s->idx % QSIZE), 0);
	s->idx++;
	step(s, FG_STORE, 2, AVAIL + 2, s->idx);
	step(s, FG_STORE, 2, BAR + 0x3000, 0);	/* notify queue 0: served before it returns */
	step(s, FG_CHECK, 2, USED + 2, s->idx);
}

FIXTURE(disk) {
	char dir[64];
	char img[128];
	char file[128];
	char mods[128];
	struct run r;
	struct script s;
	char ns[2][32];		/* network namespaces a test made (ip netns), removed after it */
};

static inline int mkdirs(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	return system(cmd);
}

static inline int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

FIXTURE_SETUP(disk)
{
	static const char *const mods[] = { "virtio", "virtio_pci", "virtio_blk", "erofs",
					    "crc32c_generic", "overlay", "virtio_net" };
	char path[256], fill[DISK_LEN];
	unsigned int i;
	int fd;

	if (!kvm_usable())
		SKIP(return, "no usable /dev/kvm (load kvm_intel or kvm_amd, or run as root)");
	if (access(kiste_bin(), X_OK) < 0)
		SKIP(return, "no kiste binary at %s: build it or set KISTE_BIN", kiste_bin());
	strcpy(self->dir, "/tmp/vmmode_disk.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->img, sizeof(self->img), "%s/bzImage", self->dir);
	snprintf(self->file, sizeof(self->file), "%s/disk.img", self->dir);
	memset(fill, 0x11, sizeof(fill));
	fd = open(self->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(fill), write(fd, fill, sizeof(fill)));
	close(fd);
	/* The fake kernel's modules: packed into the initramfs, never loaded. */
	snprintf(self->mods, sizeof(self->mods), "%s/modules", self->dir);
	snprintf(path, sizeof(path), "%s/" FG_KERNEL_VERSION "/kernel", self->mods);
	ASSERT_EQ(0, mkdirs(path));
	snprintf(path, sizeof(path), "%s/" FG_KERNEL_VERSION "/modules.dep", self->mods);
	ASSERT_EQ(0, write_file(path, "kernel/virtio.ko:\nkernel/virtio_pci.ko: kernel/virtio.ko\n"
				"kernel/virtio_blk.ko: kernel/virtio.ko\nkernel/erofs.ko:\n"
				"kernel/crc32c_generic.ko:\nkernel/overlay.ko:\n"
				"kernel/virtio_net.ko: kernel/virtio.ko\n"));
	snprintf(path, sizeof(path), "%s/" FG_KERNEL_VERSION "/modules.builtin", self->mods);
	ASSERT_EQ(0, write_file(path, ""));
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), "%s/" FG_KERNEL_VERSION "/kernel/%s.ko", self->mods,
			 mods[i]);
		ASSERT_EQ(0, write_file(path, "fake module\n"));
	}
	setenv("KISTE_VM_MODULES", self->mods, 1);
	setenv("KISTE_VM_CACHE", "0", 1);
	unsetenv("KISTE_VM_INITRD");
	memset(&self->s, 0, sizeof(self->s));
}

FIXTURE_TEARDOWN(disk)
{
	char cmd[128];
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (self->ns[i][0]) {
			snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", self->ns[i]);
			if (system(cmd) != 0)
				TH_LOG("cannot remove network namespace %s", self->ns[i]);
		}
	if (!self->dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd) != 0)
		TH_LOG("cannot remove %s", self->dir);
}

/* Runs the script with @extra options (NULL-terminated, --block ... among them). */
static inline void run_script(struct __test_metadata *_metadata, FIXTURE_DATA(disk) *self,
		       const char *const *extra)
{
	ASSERT_FALSE(self->s.overflow);
	fg_ops = self->s.op;
	fg_nops = self->s.n + 1;	/* the zeroed step after the last is FG_END */
	ASSERT_EQ(0, fake_write(self->img, FG_SCRIPT, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
}

static inline uint64_t disk_u64(FIXTURE_DATA(disk) *self, off_t off)
{
	uint64_t v = 0;
	int fd = open(self->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, &v, 8, off) != 8)
		v = ~0ULL;
	if (fd >= 0)
		close(fd);
	return v;
}

/* The NIC (virtio-net, slot 1 without disks): its queues, brought up as Linux does. */
#define RX_DESC		(RING + 0x10000)
#define RX_AVAIL	(RING + 0x11000)
#define RX_USED		(RING + 0x12000)
#define RX_BUF		(RING + 0x13000)
#define TX_FRAME	(RING + 0x14000)

/* Queue @q of QSIZE at the given rings, enabled. */
static inline void nic_queue(struct script *s, unsigned int q, uint64_t desc, uint64_t avail,
		      uint64_t used)
{
	step(s, FG_STORE, 2, BAR + C_QSEL, q);
	step(s, FG_STORE, 2, BAR + C_QSIZE, QSIZE);
	step(s, FG_STORE, 8, BAR + C_QDESC, desc);
	step(s, FG_STORE, 8, BAR + C_QAVAIL, avail);
	step(s, FG_STORE, 8, BAR + C_QUSED, used);
	step(s, FG_STORE, 2, BAR + C_QENABLE, 1);
}

/* The NIC in slot 1 brought up with a receive and a transmit queue and one 2 KiB receive buffer. */
static inline void nic_up(struct script *s)
{
	cfg_expect(s, 0x00, 0x10411af4);	/* virtio 1.x network card */
	cfg_write(s, 0x04, 0x0006);
	step(s, FG_STORE, 1, BAR + C_STATUS, 0);
	step(s, FG_STORE, 1, BAR + C_STATUS, 3);
	step(s, FG_STORE, 4, BAR + C_GFSEL, 1);
	step(s, FG_STORE, 4, BAR + C_GF, 1);	/* VERSION_1 */
	step(s, FG_STORE, 1, BAR + C_STATUS, 0x0b);
	nic_queue(s, 0, RX_DESC, RX_AVAIL, RX_USED);	/* receive queue */
	nic_queue(s, 1, DESC, AVAIL, USED);		/* transmit queue */
	step(s, FG_STORE, 1, BAR + C_STATUS, 0x0f);
	/* One 2 KiB receive buffer offered (a notify there only says so). */
	step(s, FG_STORE, 8, RX_DESC, RX_BUF);
	step(s, FG_STORE, 4, RX_DESC + 8, 2048);
	step(s, FG_STORE, 2, RX_DESC + 12, 2 /* WRITE */);
	step(s, FG_STORE, 2, RX_AVAIL + 2, 1);
	step(s, FG_STORE, 2, BAR + 0x3000, 0);
}

/*
 * An ARP request from @mac (@ip, as the wire has it) for @target sent on the
 * transmit queue; then the reply from @target is waited for and checked.
 */
static inline void nic_arp(struct script *s, const uint8_t mac[6], uint32_t ip, uint32_t target)
{
	uint8_t arp[48] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* virtio_net_hdr_v1 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0,
		0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1,		/* ARP request */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,			/* sender: us */
		0, 0, 0, 0,					/* target MAC (first 4) */
	};
	uint64_t w;
	unsigned int i;

	memcpy(arp + 18, mac, 6);
	memcpy(arp + 34, mac, 6);
	memcpy(arp + 40, &ip, 4);
	/* The frame: header + 42 bytes of ARP (the target's last bytes are zeros in RAM). */
	for (i = 0; i < sizeof(arp); i += 8) {
		memcpy(&w, arp + i, 8);
		step(s, FG_STORE, 8, TX_FRAME + i, w);
	}
	step(s, FG_STORE, 4, TX_FRAME + 50, target);
	step(s, FG_STORE, 8, DESC, TX_FRAME);
	step(s, FG_STORE, 4, DESC + 8, 12 + 42);
	step(s, FG_STORE, 2, DESC + 12, 0);
	step(s, FG_STORE, 2, AVAIL + 2, 1);
	step(s, FG_STORE, 2, BAR + 0x3000 + 4, 1);	/* notify queue 1 */
	step(s, FG_CHECK, 2, USED + 2, 1);		/* sent */
	step(s, FG_WAIT, 2, RX_USED + 2, 1);		/* an answer arrived */
	step(s, FG_CHECK, 2, RX_BUF + 12 + 12, 0x0608);	/* ARP */
	step(s, FG_CHECK, 2, RX_BUF + 12 + 20, 0x0200);	/* a reply */
	step(s, FG_CHECK, 4, RX_BUF + 12 + 28, target);	/* from the one asked */
	step(s, FG_CHECK, 1, BAR + 0x1000, 1);		/* ISR: the line was raised */
}

#endif /* KISTE_VMMODE_DEVICES_H */
