// SPDX-License-Identifier: GPL-2.0
// vmmode_devices_test.c - vm mode's disks and NIC on the host's /dev/kvm, a fake guest as the driver.
// kiste-suite: host vmmode_devices_test
/*
 * The fake guest (fake_guest.h, FG_SCRIPT) finds the disk on PCI bus 0,
 * brings the virtio-blk device up as Linux's driver does and issues
 * requests, checking each answer in guest memory; or hands the device a
 * malformed ring.  Each run is the whole VMM as users run it: MP table,
 * configuration ports, BAR accesses as MMIO exits, the interrupt line,
 * and every disk access from a vCPU thread under its seccomp filter (a
 * missing rule is a SIGSYS death).  The file is checked afterwards.  A
 * fake modules tree stands in for the guest kernel's (KISTE_VM_MODULES):
 * the fake guest loads nothing, the VMM only packs them.
 */
#define _GNU_SOURCE
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

static void step(struct script *s, uint32_t op, uint32_t size, uint64_t addr, uint64_t val)
{
	if (s->n < FG_SCRIPT_MAX - 1)
		s->op[s->n++] = (struct fg_op){ op, size, addr, val };
	else
		s->overflow = true;
}

static void cfg_write(struct script *s, unsigned int reg, uint32_t v)
{
	step(s, FG_OUT, 4, 0xcf8, 0x80000000u | 1u << 11 | reg);
	step(s, FG_OUT, 4, 0xcfc, v);
}

static void cfg_expect(struct script *s, unsigned int reg, uint32_t v)
{
	step(s, FG_OUT, 4, 0xcf8, 0x80000000u | 1u << 11 | reg);
	step(s, FG_IN_CHECK, 4, 0xcfc, v);
}

/* Offsets in struct virtio_pci_common_cfg. */
enum { C_DFSEL = 0, C_DF = 4, C_GFSEL = 8, C_GF = 12, C_STATUS = 20, C_QSEL = 22,
       C_QSIZE = 24, C_QENABLE = 28, C_QDESC = 32, C_QAVAIL = 40, C_QUSED = 48 };

/* Finds the disk in slot 1 and brings it up: features VERSION_1 (+ @feat), one queue. */
static void driver_up(struct script *s, uint32_t feat)
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

static void desc(struct script *s, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	step(s, FG_STORE, 8, DESC + 16 * i, addr);
	step(s, FG_STORE, 4, DESC + 16 * i + 8, len);
	step(s, FG_STORE, 2, DESC + 16 * i + 12, flags);
	step(s, FG_STORE, 2, DESC + 16 * i + 14, next);
}

/* Header, data (@len at @data; device-writable when @in), status; offered and notified. */
static void request(struct script *s, uint32_t type, uint64_t sector, uint64_t data,
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

static int mkdirs(const char *path)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	return system(cmd);
}

static int write_file(const char *path, const char *text)
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
static void run_script(struct __test_metadata *_metadata, FIXTURE_DATA(disk) *self,
		       const char *const *extra)
{
	ASSERT_FALSE(self->s.overflow);
	fg_ops = self->s.op;
	fg_nops = self->s.n + 1;	/* the zeroed step after the last is FG_END */
	ASSERT_EQ(0, fake_write(self->img, FG_SCRIPT, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
}

static uint64_t disk_u64(FIXTURE_DATA(disk) *self, off_t off)
{
	uint64_t v = 0;
	int fd = open(self->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, &v, 8, off) != 8)
		v = ~0ULL;
	if (fd >= 0)
		close(fd);
	return v;
}

#define FILL 0x1111111111111111ULL

TEST_F(disk, write_read_flush_and_id_through_kvm)
{
	char block[160];
	const char *extra[] = { "--block", block, NULL };

	SKIP_IF_SETUP_SKIPPED();
	snprintf(block, sizeof(block), "disk0=%s", self->file);
	driver_up(&self->s, 1u << 9 /* FLUSH */);
	step(&self->s, FG_STORE, 8, DATA, MARK);
	step(&self->s, FG_STORE, 8, DATA + 504, MARK);
	request(&self->s, 1 /* OUT */, 2, DATA, 512, false);
	step(&self->s, FG_CHECK, 1, STATUS, 0);
	request(&self->s, 0 /* IN */, 5, DATA + 0x400, 1024, true);
	step(&self->s, FG_CHECK, 1, STATUS, 0);
	step(&self->s, FG_CHECK, 8, DATA + 0x400, FILL);
	request(&self->s, 0 /* IN */, 2, DATA + 0x800, 512, true);	/* reads back the write */
	step(&self->s, FG_CHECK, 8, DATA + 0x800 + 504, MARK);
	request(&self->s, 4 /* FLUSH */, 0, DATA, 0, false);
	step(&self->s, FG_CHECK, 1, STATUS, 0);
	request(&self->s, 8 /* GET_ID */, 0, DATA + 0xc00, 20, true);
	step(&self->s, FG_CHECK, 8, DATA + 0xc00, 0x306b736964ULL);	/* "disk0" */
	step(&self->s, FG_CHECK, 1, BAR + 0x1000, 1);	/* ISR: the line was raised */
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	EXPECT_EQ(MARK, disk_u64(self, 2 * 512));
	EXPECT_EQ(MARK, disk_u64(self, 3 * 512 - 8));
	EXPECT_EQ(FILL, disk_u64(self, 3 * 512));
	EXPECT_EQ(FILL, disk_u64(self, 2 * 512 - 8));
}

TEST_F(disk, read_only_disk_refuses_writes)
{
	char block[160];
	const char *extra[] = { "--block", block, NULL };

	SKIP_IF_SETUP_SKIPPED();
	snprintf(block, sizeof(block), "ro-disk=%s:ro", self->file);
	driver_up(&self->s, 1u << 5 /* RO */);
	step(&self->s, FG_STORE, 4, BAR + C_DFSEL, 0);
	step(&self->s, FG_CHECK, 4, BAR + C_DF, 1u << 1 | 1u << 2 | 1u << 5 | 1u << 6 | 1u << 9);
	step(&self->s, FG_STORE, 8, DATA, MARK);
	request(&self->s, 1 /* OUT */, 0, DATA, 512, false);
	step(&self->s, FG_CHECK, 1, STATUS, 1 /* IOERR */);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	EXPECT_EQ(FILL, disk_u64(self, 0));
}

/* A buffer far outside guest RAM: the VM stops with one line; the VMM and the file are fine. */
TEST_F(disk, malformed_ring_stops_the_vm)
{
	char block[160];
	const char *extra[] = { "--block", block, NULL };

	SKIP_IF_SETUP_SKIPPED();
	snprintf(block, sizeof(block), "disk0=%s", self->file);
	driver_up(&self->s, 0);
	step(&self->s, FG_STORE, 8, DATA, MARK);
	request(&self->s, 1 /* OUT */, 0, 0xfffffffffffff000ULL, 512, false);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "disk disk0's virtio queue (a buffer outside guest "
				"RAM)")) TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(FILL, disk_u64(self, 0));
}

/*
 * --rootfs DIR is an erofs image on a read-only disk of its own (serial
 * ".rootfs"), not a copy: the workload is found in the tree, never on the host.
 */
TEST_F(disk, rootfs_dir_becomes_a_read_only_erofs_disk)
{
	char tree[160], path[200];
	const char *extra[] = { "--rootfs", tree, NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (system("command -v mkfs.erofs >/dev/null 2>&1"))
		SKIP(return, "no mkfs.erofs: apt-get install erofs-utils");
	snprintf(tree, sizeof(tree), "%s/tree", self->dir);
	snprintf(path, sizeof(path), "%s/only-in-the-tree", tree);
	ASSERT_EQ(0, mkdirs(tree));
	ASSERT_EQ(0, write_file(path, "#!/bin/sh\n"));
	setenv("KISTE_VM_CACHE", "0", 1);
	driver_up(&self->s, 1u << 5 /* RO */);
	request(&self->s, 8 /* GET_ID */, 0, DATA, 20, true);
	step(&self->s, FG_CHECK, 8, DATA, 0x7366746f6f722eULL);	/* ".rootfs" */
	request(&self->s, 0 /* IN */, 2, DATA + 0x400, 512, true);	/* the superblock */
	step(&self->s, FG_CHECK, 4, DATA + 0x400, 0xe0f5e1e2);		/* erofs */
	fg_command = "/only-in-the-tree";
	run_script(_metadata, self, extra);
	fg_command = "/bin/true";
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
}

/* -v SRC:DST:ro: SRC as an erofs image on a read-only disk ".vol0"; writable ones refused. */
TEST_F(disk, read_only_volume_becomes_an_erofs_disk)
{
	char vol[200];
	const char *extra[] = { "-v", vol, NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (system("command -v mkfs.erofs >/dev/null 2>&1"))
		SKIP(return, "no mkfs.erofs: apt-get install erofs-utils");
	setenv("KISTE_VM_CACHE", "0", 1);
	snprintf(vol, sizeof(vol), "%s/modules:/data:ro", self->dir);
	driver_up(&self->s, 1u << 5 /* RO */);
	request(&self->s, 8 /* GET_ID */, 0, DATA, 20, true);
	step(&self->s, FG_CHECK, 8, DATA, 0x306c6f762eULL);		/* ".vol0" */
	request(&self->s, 0 /* IN */, 2, DATA + 0x400, 512, true);
	step(&self->s, FG_CHECK, 4, DATA + 0x400, 0xe0f5e1e2);		/* erofs */
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	snprintf(vol, sizeof(vol), "%s/modules:/data", self->dir);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "read-only for now: add :ro")) TH_LOG("%s",
										 self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
	snprintf(vol, sizeof(vol), "%s:/data:ro", self->file);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "not a directory")) TH_LOG("%s", self->r.err);
}

/*
 * --network pasta: the NIC (virtio-net, slot 1 without disks) on passt.  The
 * fake guest sends an ARP request for the gateway from its transmit queue and
 * waits for passt's answer in its receive buffer: the frame went out through
 * the vCPU thread and the socketpair, the reply came back through the main
 * thread, both under their filters, with the interrupt raised.
 */
#define RX_DESC		(RING + 0x10000)
#define RX_AVAIL	(RING + 0x11000)
#define RX_USED		(RING + 0x12000)
#define RX_BUF		(RING + 0x13000)
#define TX_FRAME	(RING + 0x14000)

/* Queue @q of QSIZE at the given rings, enabled. */
static void nic_queue(struct script *s, unsigned int q, uint64_t desc, uint64_t avail,
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
static void nic_up(struct script *s)
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
static void nic_arp(struct script *s, const uint8_t mac[6], uint32_t ip, uint32_t target)
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

TEST_F(disk, nic_on_passt_answers_arp_for_the_gateway)
{
	static const uint8_t mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x45 };
	const char *extra[] = { "--network", "pasta", NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (system("command -v passt >/dev/null 2>&1"))
		SKIP(return, "no passt: apt-get install passt");
	nic_up(&self->s);
	nic_arp(&self->s, mac, 0x0f02000a /* 10.0.2.15 */, 0x0202000a /* 10.0.2.2 */);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
}

/* passt that cannot run (a namespace without an uplink): one line with passt's own reason. */
TEST_F(disk, nic_backend_failing_says_why)
{
	const char *extra[] = { "--network", "pasta", NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (system("command -v passt >/dev/null 2>&1"))
		SKIP(return, "no passt: apt-get install passt");
	/* This test's own process (the harness forks one per test): no route out. */
	if (unshare(CLONE_NEWNET) < 0)
		SKIP(return, "cannot make a network namespace: %s", strerror(errno));
	step(&self->s, FG_WAIT, 4, DATA, 1);	/* never: the VM must be stopped by kiste */
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "the network backend (passt) stopped")) TH_LOG("%s",
										   self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "(passt: \"")) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/* A passt that cannot be executed, and one device too many: one line each, 125. */
TEST_F(disk, nic_start_errors_are_one_line)
{
	char bin[160], path[200], blocks[9][160], *old = getenv("PATH");
	const char *extra[20] = { "--network", "pasta" };
	unsigned int i, n = 2;

	SKIP_IF_SETUP_SKIPPED();
	step(&self->s, FG_END, 0, 0, 0);
	snprintf(bin, sizeof(bin), "%s/bin", self->dir);
	snprintf(path, sizeof(path), "%s/passt", bin);
	ASSERT_EQ(0, mkdirs(bin));
	ASSERT_EQ(0, write_file(path, "not a program\n"));
	ASSERT_EQ(0, chmod(path, 0755));
	setenv("PATH", bin, 1);
	run_script(_metadata, self, extra);
	setenv("PATH", old ? old : "/usr/bin:/bin", 1);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "cannot start")) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
	/* Eight disks fill the bus: with the NIC that is nine, refused before anything starts. */
	for (i = 0; i < 8; i++) {
		snprintf(blocks[i], sizeof(blocks[i]), "d%u=%s:ro", i, self->file);
		extra[n++] = "--block";
		extra[n++] = blocks[i];
	}
	extra[n] = NULL;
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "attaches at most 8")) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/* A -p port passt could not bind (it would go on without it): refused before the VM. */
TEST_F(disk, nic_port_in_use_is_one_line)
{
	const char *extra[] = { "--network", "pasta", "-p", "127.0.0.1:47393:80", NULL };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(47393),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	step(&self->s, FG_END, 0, 0, 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(fd, 1));
	run_script(_metadata, self, extra);
	close(fd);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "port 127.0.0.1:47393/tcp is in use on the host"))
		TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/* The options' errors: one line each, 125, nothing started. */
/*
 * --network ns:PATH: a tap in the namespace, joined to its veth by tc.  The
 * namespaces here: [0] with eth0 198.51.100.2/24 (MAC NS_MAC, default route
 * via .1), whose veth peer eth1 198.51.100.1/24 is in [1].
 */
#define NS_MAC		"02:4b:49:53:54:46"
#define NS_ADDR		0x026433c6	/* 198.51.100.2 as the wire has it */
#define NS_PEER		0x016433c6	/* 198.51.100.1 */

static int shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shf(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Lines the shell command @cmd prints on stdout. */
static int count_lines(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	pclose(f);
	return n;
}

static bool netns_usable(void)
{
	return geteuid() == 0 && !system("command -v ip >/dev/null 2>&1 && command -v tc "
					 ">/dev/null 2>&1");
}

/* Namespace [0] alone (only lo), or with @wired the veth pair to [1] as above. */
static int ns_make(FIXTURE_DATA(disk) *self, bool wired)
{
	snprintf(self->ns[0], sizeof(self->ns[0]), "kvt%d-a", (int)getpid());
	if (shf("ip netns add %s", self->ns[0]))
		return -1;
	if (!wired)
		return 0;
	snprintf(self->ns[1], sizeof(self->ns[1]), "kvt%d-b", (int)getpid());
	/* IPv6 off at the peer: its own router and MLD traffic would reach the guest first. */
	return shf("ip netns add %1$s && ip netns exec %1$s sh -c 'echo 1 > "
		   "/proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null; "
		   "ip -n %2$s link add eth0 type veth peer name eth1 netns "
		   "%1$s && ip -n %2$s link set eth0 address " NS_MAC " up && ip -n %2$s addr add "
		   "198.51.100.2/24 dev eth0 && ip -n %2$s route add default via 198.51.100.1 && "
		   "ip -n %1$s link set eth1 up && ip -n %1$s addr add 198.51.100.1/24 dev eth1",
		   self->ns[1], self->ns[0]);
}

/* Root, iproute2 and the wired namespaces made (@net: "ns:" and [0]'s path): NULL, else why not. */
static const char *ns_wired(FIXTURE_DATA(disk) *self, char *net, size_t len)
{
	if (!netns_usable())
		return "needs root and iproute2 (ip, tc) to make network namespaces";
	if (ns_make(self, true))
		return "cannot make namespaces with a veth pair (veth module?)";
	snprintf(net, len, "ns:/run/netns/%s", self->ns[0]);
	return NULL;
}

/* A test body's start: the fixture's skip, or ns_wired's, else @net names [0]. */
#define NS_WIRED_OR_SKIP(net) do {						\
	const char *why_;							\
										\
	if (_metadata->skip)							\
		return;								\
	why_ = ns_wired(self, net, sizeof(net));				\
	if (why_)								\
		SKIP(return, "%s", why_);					\
} while (0)

/* True once [0] has neither a tap nor an ingress qdisc (the helper removes it after kiste). */
static bool ns_clean(FIXTURE_DATA(disk) *self)
{
	char tap[128], qdisc[128];
	int i;

	snprintf(tap, sizeof(tap), "ip -n %s -o link | grep kiste-tap", self->ns[0]);
	snprintf(qdisc, sizeof(qdisc), "tc -n %s qdisc show | grep ingress", self->ns[0]);
	for (i = 0; i < 50; i++) {
		if (count_lines(tap) == 0 && count_lines(qdisc) == 0)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* After a moment: [0]'s eth0 still has its (someone else's) ingress qdisc, and no tap is left. */
static bool foreign_qdisc_kept(FIXTURE_DATA(disk) *self)
{
	char cmd[128];
	bool kept;

	usleep(500 * 1000);	/* time for kiste's helper to act, had it to */
	snprintf(cmd, sizeof(cmd), "tc -n %s qdisc show dev eth0 | grep ingress", self->ns[0]);
	kept = count_lines(cmd) == 1;
	snprintf(cmd, sizeof(cmd), "ip -n %s -o link | grep kiste-tap", self->ns[0]);
	return kept && count_lines(cmd) == 0;
}

/* Runs the script with @extra: refused with one line holding @what, and 125. */
static void run_refused(struct __test_metadata *_metadata, FIXTURE_DATA(disk) *self,
			const char *const *extra, const char *what)
{
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, what)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/*
 * The fake guest finds the veth's MAC in the NIC's configuration and sends
 * an ARP request for the peer from it: the frame crosses tap and veth
 * (tap's ingress redirected to the veth), the peer's reply comes back (the
 * veth's ingress redirected to the tap) into the guest's receive buffer.
 * Afterwards the namespace has no tap and no qdisc of ours.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_tap_reaches_the_peer, 90)
{
	static const uint8_t mac[6] = { 0x02, 0x4b, 0x49, 0x53, 0x54, 0x46 };
	char net[64];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	nic_up(&self->s);
	step(&self->s, FG_CHECK, 4, BAR + 0x2000, 0x53494b02);	/* the veth's MAC */
	step(&self->s, FG_CHECK, 2, BAR + 0x2004, 0x4654);
	nic_arp(&self->s, mac, NS_ADDR, NS_PEER);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	EXPECT_TRUE(ns_clean(self));
}

/* Not a namespace; a namespace without an interface; a veth whose ingress qdisc is taken. */
TEST_F(disk, nic_on_ns_refusals_are_one_line)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	SKIP_IF_SETUP_SKIPPED();
	step(&self->s, FG_END, 0, 0, 0);
	snprintf(net, sizeof(net), "ns:%s", self->file);
	run_refused(_metadata, self, extra, "not a network namespace");
	/* A FIFO or a device node: never opened for reading (that blocks), refused at once. */
	snprintf(net, sizeof(net), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(net, 0600));
	snprintf(net, sizeof(net), "ns:%s/fifo", self->dir);
	run_refused(_metadata, self, extra, "not a network namespace");
	EXPECT_GT(10.0, self->r.secs);
	snprintf(net, sizeof(net), "ns:/dev/null");
	run_refused(_metadata, self, extra, "not a network namespace");
	/* The caller's own (the host's): its interface would be taken over. */
	snprintf(net, sizeof(net), "ns:/proc/%d/ns/net", (int)getpid());
	run_refused(_metadata, self, extra, "it is kiste's own network namespace");
	if (!netns_usable())
		SKIP(return, "needs root and iproute2 (ip, tc) to make network namespaces");
	ASSERT_EQ(0, ns_make(self, false));
	snprintf(net, sizeof(net), "ns:/run/netns/%s", self->ns[0]);
	run_refused(_metadata, self, extra, "has no interface with an IPv4 address besides lo");
	ASSERT_EQ(0, shf("ip netns del %s", self->ns[0]));
	if (ns_make(self, true))
		SKIP(return, "cannot make namespaces with a veth pair (veth module?)");
	ASSERT_EQ(0, shf("tc -n %s qdisc add dev eth0 ingress", self->ns[0]));
	run_refused(_metadata, self, extra, "eth0 already has an ingress qdisc");
	/* Not ours: left as it was; and no tap left behind. */
	EXPECT_TRUE(foreign_qdisc_kept(self));
}

/*
 * More links than kiste lists (64): refused, not attached to eth0 while a
 * 72nd link it never saw has an IPv4 address of its own.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_with_too_many_links_is_refused, 90)
{
	char net[160], batch[200];
	const char *extra[] = { "--network", net, NULL };
	FILE *f;
	int i;

	NS_WIRED_OR_SKIP(net);
	snprintf(batch, sizeof(batch), "%s/links", self->dir);
	f = fopen(batch, "w");
	ASSERT_NE(NULL, f);
	for (i = 0; i < 35; i++)	/* 70 links: veth pairs (no dummy module needed) */
		fprintf(f, "link add kd%d type veth peer name kp%d\n", i, i);
	fprintf(f, "link set kp34 up\naddr add 203.0.113.5/24 dev kp34\n");
	ASSERT_EQ(0, fclose(f));
	if (shf("ip -n %s -batch %s", self->ns[0], batch))
		SKIP(return, "cannot make 35 more veth pairs");
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "the namespace has more than 64 interfaces");
	EXPECT_TRUE(ns_clean(self));
}

/*
 * An interface name holding ESC (names may): the refusal that names it has
 * '?' in its place, no byte a terminal would act on.
 */
TEST_F(disk, nic_on_ns_names_are_printable)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	if (shf("ip -n %1$s link add \"$(printf 'x\\033[2J')\" type veth peer name kq0 && "
		"ip -n %1$s addr add 203.0.113.5/24 dev \"$(printf 'x\\033[2J')\"", self->ns[0]))
		SKIP(return, "cannot name a link with ESC");
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "x?[2J");
	EXPECT_EQ(NULL, strchr(self->r.err, '\033')) TH_LOG("%s", self->r.err);
}

/* A child in namespace [0] with a UDP socket bound to 198.51.100.2:@port: its pid, or -1. */
static pid_t ns_listener(FIXTURE_DATA(disk) *self, unsigned short port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { .s_addr = NS_ADDR } };
	char path[64], c = 0;
	int p[2], ns, fd;
	pid_t pid;

	snprintf(path, sizeof(path), "/run/netns/%s", self->ns[0]);
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
			_exit(1);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		alarm(120);	/* never outlives a lost test */
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/*
 * Another process's socket in the namespace (a sidecar, the pod's infra
 * container): refused, the guest would take its traffic; nothing left behind.
 */
TEST_F(disk, nic_on_ns_with_other_sockets_is_refused)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };
	pid_t pid;

	NS_WIRED_OR_SKIP(net);
	pid = ns_listener(self, 5353);
	ASSERT_LT(0, pid);
	step(&self->s, FG_END, 0, 0, 0);
	run_refused(_metadata, self, extra, "the namespace has sockets of other processes (1)");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * The process in namespace [0] that is not a child of @test (kiste is; its
 * helper, forked there, is kiste's): its /proc status lines CapEff, CapBnd
 * and NoNewPrivs into @out, looked for up to 10 s.  0 or -1.
 */
static int helper_status(FIXTURE_DATA(disk) *self, pid_t test, char *out, size_t len,
			 pid_t *pid)
{
	char path[300], line[256];
	struct stat ns, st;
	struct dirent *d;
	int i, ppid;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/run/netns/%s", self->ns[0]);
	if (stat(path, &ns) < 0)
		return -1;
	for (i = 0; i < 100; i++, usleep(100 * 1000)) {
		dir = opendir("/proc");
		while (dir && (d = readdir(dir))) {
			snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
			if (d->d_name[0] < '1' || d->d_name[0] > '9' || stat(path, &st) < 0 ||
			    st.st_ino != ns.st_ino || st.st_dev != ns.st_dev)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/status", d->d_name);
			f = fopen(path, "re");
			ppid = 0;
			out[0] = 0;
			while (f && fgets(line, sizeof(line), f)) {
				sscanf(line, "PPid: %d", &ppid);
				if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapBnd:", 7) ||
				    !strncmp(line, "NoNewPrivs:", 11))
					strncat(out, line, len - strlen(out) - 1);
			}
			if (f)
				fclose(f);
			if (ppid && ppid != test) {
				*pid = atoi(d->d_name);
				closedir(dir);
				return 0;
			}
		}
		if (dir)
			closedir(dir);
	}
	return -1;
}

/* The helper that removes the veth's qdisc keeps CAP_NET_ADMIN alone, and no new privileges. */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_is_confined, 90)
{
	char net[160], st[512] = "";
	const char *extra[] = { "--timeout", "4", "--network", net, NULL };
	int p[2];
	pid_t pid;

	NS_WIRED_OR_SKIP(net);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		if (helper_status(self, getppid(), st, sizeof(st), &pid) == 0 &&
		    write(p[1], st, strlen(st)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	ASSERT_LE(0, read(p[0], st, sizeof(st) - 1));
	close(p[0]);
	waitpid(pid, NULL, 0);
	/* CAP_NET_ADMIN is 12: bit 0x1000. */
	EXPECT_NE(NULL, strstr(st, "CapEff:\t0000000000001000")) TH_LOG("%s", st);
	EXPECT_NE(NULL, strstr(st, "CapBnd:\t0000000000001000")) TH_LOG("%s", st);
	EXPECT_NE(NULL, strstr(st, "NoNewPrivs:\t1")) TH_LOG("%s", st);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * While the VM runs, someone replaces eth0's ingress qdisc with one of their
 * own: kiste's helper leaves that one alone when kiste ends (it holds no
 * filter with kiste's cookie); the tap is gone all the same.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_spares_a_foreign_qdisc, 90)
{
	char net[160], cmd[300];
	const char *extra[] = { "--timeout", "4", "--network", net, NULL };
	pid_t pid;
	int i;

	NS_WIRED_OR_SKIP(net);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(cmd, sizeof(cmd), "tc -n %s filter show dev eth0 ingress | grep -q mirred",
			 self->ns[0]);
		for (i = 0; i < 100 && system(cmd); i++)
			usleep(50 * 1000);
		_exit(shf("tc -n %1$s qdisc del dev eth0 ingress && "
			  "tc -n %1$s qdisc add dev eth0 ingress", self->ns[0]) ? 1 : 0);
	}
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	ASSERT_EQ(pid, waitpid(pid, &i, 0));
	ASSERT_EQ(0, i) TH_LOG("the qdisc could not be replaced");
	EXPECT_TRUE(foreign_qdisc_kept(self));
}

/*
 * kiste SIGKILLed while the veth's qdisc and redirect are being set up (its
 * test phase "vm-ns-veth-redirect" stops it there): nothing is left, since
 * the helper, forked first, makes them and removes them.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_killed_during_set_up_leaves_nothing, 90)
{
	char net[160];
	const char *extra[] = { "--network", net, NULL };

	NS_WIRED_OR_SKIP(net);
	step(&self->s, FG_END, 0, 0, 0);
	ASSERT_FALSE(self->s.overflow);
	fg_ops = self->s.op;
	fg_nops = self->s.n + 1;
	ASSERT_EQ(0, fake_write(self->img, FG_SCRIPT, 0));
	setenv("KISTE_TESTONLY_STOP_AT", "vm-ns-veth-redirect", 1);
	run_kiste(self->dir, self->img, extra, SIGKILL, 2000, &self->r);
	unsetenv("KISTE_TESTONLY_STOP_AT");
	EXPECT_EQ(128 + SIGKILL, self->r.status);
	EXPECT_TRUE(ns_clean(self));
}

/*
 * kiste SIGKILLed before its helper (stopped at its test phase) has added
 * the veth's qdisc: the helper, let go afterwards, adds it, finds kiste gone
 * (its report to kiste fails) and removes it all the same.
 */
TEST_F_TIMEOUT(disk, nic_on_ns_helper_outlives_kiste_during_set_up, 90)
{
	char net[160], st[512];
	const char *extra[] = { "--network", net, NULL };
	pid_t pid, helper = 0;

	NS_WIRED_OR_SKIP(net);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (helper_status(self, getppid(), st, sizeof(st), &helper) < 0)
			_exit(1);
		usleep(2500 * 1000);	/* kiste is SIGKILLed at 2 s */
		_exit(kill(helper, SIGCONT) ? 1 : 0);
	}
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	setenv("KISTE_TESTONLY_STOP_AT", "vm-ns-helper", 1);
	run_kiste(self->dir, self->img, extra, SIGKILL, 2000, &self->r);
	unsetenv("KISTE_TESTONLY_STOP_AT");
	ASSERT_EQ(pid, waitpid(pid, &pid, 0));
	ASSERT_EQ(0, pid) TH_LOG("the helper was not found");
	EXPECT_EQ(128 + SIGKILL, self->r.status);
	EXPECT_TRUE(ns_clean(self));
}

/* Without CAP_NET_ADMIN over the namespace (nobody): one line naming the fix, 125. */
TEST_F(disk, nic_on_ns_denied_is_one_line)
{
	char net[64], wrap[200], text[400];
	const char *extra[] = { "--network", net, NULL };

	SKIP_IF_SETUP_SKIPPED();
	if (!netns_usable() || system("command -v setpriv >/dev/null 2>&1"))
		SKIP(return, "needs root, iproute2 and setpriv");
	if (ns_make(self, true))
		SKIP(return, "cannot make namespaces with a veth pair (veth module?)");
	snprintf(net, sizeof(net), "ns:/run/netns/%s", self->ns[0]);
	snprintf(wrap, sizeof(wrap), "%s/as-nobody", self->dir);
	snprintf(text, sizeof(text), "#!/bin/sh\nexec setpriv --reuid 65534 --regid 65534 "
		 "--clear-groups '%s' \"$@\"\n", kiste_bin());
	ASSERT_EQ(0, write_file(wrap, text));
	ASSERT_EQ(0, chmod(wrap, 0755));
	step(&self->s, FG_END, 0, 0, 0);
	setenv("KISTE_BIN", wrap, 1);
	run_refused(_metadata, self, extra, "permission denied: run as root or as the namespace's "
		    "owner");
	unsetenv("KISTE_BIN");
	EXPECT_TRUE(ns_clean(self));
}

TEST_F(disk, bad_disks_are_one_line_and_125)
{
	char block[200], odd[160];
	const char *extra[] = { "--block", block, NULL };
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(odd, sizeof(odd), "%s/odd.img", self->dir);
	fd = open(odd, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(100, write(fd, self->r.out, 100));	/* 100 bytes: not whole sectors */
	close(fd);
	step(&self->s, FG_END, 0, 0, 0);
	snprintf(block, sizeof(block), "d=%s/missing.img", self->dir);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "missing.img")) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
	snprintf(block, sizeof(block), "d=%s", odd);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "multiple of 512")) TH_LOG("%s", self->r.err);
	snprintf(block, sizeof(block), "d=%s", self->dir);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "not a regular file")) TH_LOG("%s", self->r.err);
	snprintf(block, sizeof(block), "bad/name=%s", self->file);
	run_script(_metadata, self, extra);
	EXPECT_NE(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "NAME=FILE")) TH_LOG("%s", self->r.err);
	/* The guest kernel's modules are missing: the line names where they were looked for. */
	setenv("KISTE_VM_MODULES", self->dir, 1);
	snprintf(block, sizeof(block), "d=%s", self->file);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, FG_KERNEL_VERSION)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(FILL, disk_u64(self, 0));
}

/* A disk another VM writes is refused; two read-only users share it. */
TEST_F(disk, a_disk_in_use_is_refused)
{
	char block[160];
	const char *extra[] = { "--block", block, NULL };
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	step(&self->s, FG_END, 0, 0, 0);
	fd = open(self->file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, flock(fd, LOCK_SH));
	snprintf(block, sizeof(block), "d=%s", self->file);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "in use by another VM")) TH_LOG("%s", self->r.err);
	snprintf(block, sizeof(block), "d=%s:ro", self->file);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	close(fd);
}

/*
 * HOSTILE: one vCPU, no races: a read request whose data lands on the avail
 * index and on the next request's header makes the device's serve loop run
 * forever (sector s sets avail->idx = s + 2 and the header's sector = s + 1).
 * The vCPU thread never returns to KVM_RUN; --timeout 2 must still end the run.
 */
TEST_F_TIMEOUT(disk, hostile_serve_loop_outlives_timeout, 120)
{
	char block[200], path[160];
	const char *extra[] = { "--timeout", "2", "--block", block, NULL };
	const uint64_t A = RING + 0x1000, H = A + 32, nsec = 65536;
	static uint8_t sec[512];
	uint64_t s2;
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(path, sizeof(path), "%s/loop.img", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	for (uint64_t s = 0; s < nsec; s++) {
		uint16_t idx = (uint16_t)(s + 2);

		memset(sec, 0, sizeof(sec));
		memcpy(sec + 2, &idx, 2);		/* avail->idx; ring[] stays 0 (head 0) */
		s2 = (s + 1) % nsec;
		memcpy(sec + 32 + 8, &s2, 8);		/* the header's sector; type 0 = IN */
		ASSERT_EQ(512, pwrite(fd, sec, 512, s * 512));
	}
	close(fd);
	snprintf(block, sizeof(block), "loop=%s", path);
	driver_up(&self->s, 0);
	step(&self->s, FG_STORE, 4, H, 0);
	step(&self->s, FG_STORE, 8, H + 8, 0);
	desc(&self->s, 0, H, 16, 1, 1);
	desc(&self->s, 1, A, 512, 1 | 2, 2);	/* device-writable: the avail ring + header */
	desc(&self->s, 2, STATUS, 1, 2, 0);
	step(&self->s, FG_STORE, 2, A + 4, 0);
	step(&self->s, FG_STORE, 2, A + 2, 1);
	step(&self->s, FG_STORE, 2, BAR + 0x3000, 0);	/* never returns */
	run_script(_metadata, self, extra);
	TH_LOG("status %d after %.1f s; stderr: %s", self->r.status, self->r.secs, self->r.err);
	EXPECT_GT(10.0, self->r.secs);
	EXPECT_EQ(137, self->r.status);
}

/* HOSTILE: BAR games and odd config-port accesses; the VMM must survive and the disk stay intact. */
TEST_F(disk, hostile_bar_and_port_games)
{
	char block[200];
	const char *extra[] = { "--block", block, NULL };

	SKIP_IF_SETUP_SKIPPED();
	snprintf(block, sizeof(block), "d=%s", self->file);
	driver_up(&self->s, 0);
	step(&self->s, FG_OUT, 4, 0xcf8, 0x80000800u | 0x10);
	step(&self->s, FG_IN_CHECK, 2, 0xcfe, 0xe000);	/* high half of BAR0 */
	step(&self->s, FG_IN_CHECK, 4, 0xcfd, 0xffffffff);	/* straddles 0xd00: not PCI */
	step(&self->s, FG_IN_CHECK, 2, 0xcfb, 0xffff);
	step(&self->s, FG_OUT, 1, 0xcf8, 0);			/* byte write to the latch */
	step(&self->s, FG_OUT, 4, 0xcf8, 0x80000800u | 0x10);
	step(&self->s, FG_IN_CHECK, 4, 0xcfc, 0xe0000000);
	/* BAR over the IOAPIC, LAPIC, top of 4 GiB and 0 (RAM) */
	cfg_write(&self->s, 0x10, 0xfec00000);
	step(&self->s, FG_CHECK, 4, 0xfec00000 + 0x1000, 0);	/* IOAPIC reg, not ISR: kernel wins */
	cfg_write(&self->s, 0x10, 0xfee00000);
	step(&self->s, FG_STORE, 1, 0xfee00000 + C_STATUS, 0);	/* LAPIC reg 0x14 */
	cfg_write(&self->s, 0x10, 0xffffc000);
	step(&self->s, FG_STORE, 4, 0xffffc000 + 0x3ffc, 0);	/* last notify dword */
	step(&self->s, FG_STORE, 8, 0xffffc000 + 0x3ff8, 0);
	step(&self->s, FG_CHECK, 4, 0xffffc000 + 0x2ffe, 0);	/* config, odd offset */
	cfg_write(&self->s, 0x10, 0);
	step(&self->s, FG_STORE, 8, 0x3000, 0);		/* RAM now, no exit */
	cfg_write(&self->s, 0x10, 0xe0000000);
	step(&self->s, FG_CHECK, 1, BAR + C_STATUS, 0x0f);	/* device still up */
	step(&self->s, FG_STORE, 8, BAR + C_QDESC, 0xffffffffffffff00ULL);	/* enabled: ignored */
	step(&self->s, FG_CHECK, 8, BAR + C_QDESC, DESC);
	step(&self->s, FG_STORE, 2, BAR + C_QSIZE, 128);
	step(&self->s, FG_CHECK, 2, BAR + C_QSIZE, QSIZE);
	request(&self->s, 8 /* GET_ID */, 0, DESC + 48, 20, true);	/* ID over the descriptor table */
	step(&self->s, FG_CHECK, 1, STATUS, 0);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	EXPECT_EQ(FILL, disk_u64(self, 0));
}

TEST_HARNESS_MAIN
