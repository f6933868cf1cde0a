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
#include "vmmode_devices.h"

#include <kiste/vm_agent.h>	/* the channel's output port */

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

/*
 * A --rootfs tree larger than the sandbox's memory cgroup (--memory 64M: 224
 * MiB with the VMM's share), its image built on a tmpfs (TMPDIR in /dev/shm,
 * as the test VM's cache is): the image is the host's cache, built before the
 * cgroup, so it is not OOM-killed there (it was: "mkfs.erofs failed", 125).
 */
TEST_F_TIMEOUT(disk, rootfs_image_is_built_outside_the_memory_cgroup, 120)
{
	char tree[160], path[200], tmp[] = "/dev/shm/kiste-vmt-XXXXXX";
	const char *extra[] = { "--memory", "64M", "--rootfs", tree, NULL };
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	if (system("command -v mkfs.erofs >/dev/null 2>&1"))
		SKIP(return, "no mkfs.erofs: apt-get install erofs-utils");
	if (geteuid() != 0)
		SKIP(return, "needs root: the memory cgroup is root's");
	ASSERT_NE(NULL, mkdtemp(tmp));
	snprintf(tree, sizeof(tree), "%s/tree", self->dir);
	snprintf(path, sizeof(path), "%s/big", tree);
	ASSERT_EQ(0, mkdirs(tree));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 320 << 20));		/* read as zeros, stored whole */
	close(fd);
	setenv("KISTE_VM_CACHE", "0", 1);
	setenv("TMPDIR", tmp, 1);
	step(&self->s, FG_END, 0, 0, 0);
	run_script(_metadata, self, extra);
	unsetenv("TMPDIR");
	unlink(path);
	rmdir(tmp);
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

/* -v SRC:DST[:ro]: SRC as an erofs image on a read-only disk ".vol0"; :rw ones refused. */
TEST_F(disk, read_only_volume_becomes_an_erofs_disk)
{
	char vol[200], path[160], link[160];
	const char *extra[] = { "-v", vol, NULL };
	int fd;

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
	/* read-only unless :rw, so the same without :ro */
	snprintf(vol, sizeof(vol), "%s/modules:/data", self->dir);
	run_script(_metadata, self, extra);
	EXPECT_EQ(0, self->r.status) TH_LOG("failed step %d; stderr: %s", self->r.status,
					     self->r.err);
	snprintf(vol, sizeof(vol), "%s/modules:/data:rw", self->dir);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "read-only for now: leave out :rw"))
	TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
	/*
	 * A regular file SRC is copied into the guest (vmmode_run.sh in the test
	 * VM); one that is too large, reached through a link, or no file or
	 * directory at all is refused, one line and 125, before any boot.
	 */
	snprintf(path, sizeof(path), "%s/big", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, (1 << 20) + 1));
	close(fd);
	snprintf(vol, sizeof(vol), "%s:/data:ro", path);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "at most 1024 KiB")) TH_LOG("%s", self->r.err);
	snprintf(link, sizeof(link), "%s/link", self->dir);
	ASSERT_EQ(0, symlink(self->file, link));
	snprintf(vol, sizeof(vol), "%s:/data:ro", link);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "not a link to it")) TH_LOG("%s", self->r.err);
	snprintf(path, sizeof(path), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(path, 0600));
	snprintf(vol, sizeof(vol), "%s:/data:ro", path);
	run_script(_metadata, self, extra);
	EXPECT_EQ(125, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "neither a directory nor a regular file"))
	TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("%s", self->r.err);
}

/*
 * --network pasta: the NIC (virtio-net, slot 1 without disks) on passt.  The
 * fake guest sends an ARP request for the gateway from its transmit queue and
 * waits for passt's answer in its receive buffer: the frame went out through
 * the vCPU thread and the socketpair, the reply came back through the main
 * thread, both under their filters, with the interrupt raised.
 */
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

/*
 * kiste's stdout a pipe whose reader holds it open and never reads: the
 * guest's output fills it and the vCPU's write blocks.  --timeout 2 must
 * still end the run (the stop interrupts the write; the rest is dropped).
 */
TEST_F_TIMEOUT(disk, stalled_output_reader_outlives_timeout, 120)
{
	const char *extra[] = { "--timeout", "2", NULL };
	int p[2], i;

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < 4; i++)		/* 1 MiB each: the pipe holds 64 KiB */
		step(&self->s, FG_OUT, 4, KISTE_CHAN_PORT_OUT, KISTE_CHAN_OUT_SIZE);
	fg_stdout_fd = p[1];
	run_script(_metadata, self, extra);
	fg_stdout_fd = -1;
	close(p[0]);
	close(p[1]);
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
