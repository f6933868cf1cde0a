// SPDX-License-Identifier: GPL-2.0
// vmmode_boot_test.c - host tests of the vm-mode VMM on /dev/kvm with a tiny fake bzImage guest.
// kiste-suite: host vmmode_boot_test
/*
 * The guest is a few dozen instructions (assembled below, copied into a
 * bzImage-shaped file the test writes): it checks the boot structures the
 * VMM built (zero page, e820, command line, initrd, MP table, channel, CMOS
 * clock), or talks to the serial port, the channel or the exit port, or hangs,
 * resets, triple-faults or waits for a forwarded signal; or it is packed as
 * an xz-compressed vmlinux ELF, as Debian's bzImages are.  Each run goes through
 * `kiste run --mode=vm --kernel FAKE` with the VMM's confinement on, so every
 * exit path is also a test of the seccomp filters (a missing syscall is a
 * SIGSYS death, exit 159).  Needs a usable /dev/kvm; SKIPs otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <elf.h>
#include <linux/kvm.h>
#include <lzma.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "fake_guest.h"

/* The ELF the xz payload holds: a filler segment, a gap, then the guest code's segment. */
#define XZ_SEG1_PADDR	0x1000000ULL
#define XZ_SEG2_PADDR	0x1400000ULL
#define XZ_VIRT		0xffffffff80000000ULL	/* as vmlinux: vaddr = paddr + this */
#define XZ_SEG2_OFF	0x3000

static size_t elf_build(uint8_t *elf, enum fg_mode mode)
{
	size_t code = fg_end - fg_start, len = XZ_SEG2_OFF + code + 0x100;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(*eh));
	uint8_t *c = elf + XZ_SEG2_OFF;

	memset(elf, 0xee, len);		/* the gap and the tail: never copied */
	memset(eh, 0, sizeof(*eh) + 2 * sizeof(*ph));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = XZ_SEG2_PADDR + XZ_VIRT;	/* virtual: the VMM converts it */
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = XZ_SEG1_PADDR +
			      XZ_VIRT, .p_paddr = XZ_SEG1_PADDR, .p_filesz = 0x1000,
			      .p_memsz = 0x3000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = XZ_SEG2_OFF, .p_vaddr =
			      XZ_SEG2_PADDR + XZ_VIRT, .p_paddr = XZ_SEG2_PADDR,
			      .p_filesz = code, .p_memsz = code + 0x1000 };
	memset(elf + 0x1000, 0xcc, 0x1000);	/* int3: entering here triple-faults */
	memcpy(c, fg_start, code);
	put32(c + (fg_mode - fg_start), mode);
	put64(c + (fg_memsize - fg_start), GUEST_MEM);
	return len;
}

/*
 * A bzImage as Debian ships it: the payload is an xz-compressed ELF (followed
 * by its 4-byte size, as the kernel's build appends it) holding the guest;
 * the VMM decompresses it and enters at the ELF's entry.  The bzImage's own
 * entry (+0x200) exits 77, so a VMM that fell back to it shows.  @damage: 1
 * flips bytes inside the xz stream, 2 cuts the payload in half, 3 gives the ELF
 * a program-header offset that wraps around, 4 puts a segment past guest RAM,
 * 5 appends 65 MiB of zeros.
 */
static int fake_write_xz(const char *path, enum fg_mode mode, int damage)
{
	size_t pm = 0x1000, elf_len, xz_len = 0, len, code = fg_end - fg_start;
	/* 5: 65 MiB of zeros after the segments (a stream that inflates past any kernel). */
	size_t elf_max = damage == 5 ? (65u << 20) + 0x10000 : 0x10000;
	uint8_t *elf = calloc(1, elf_max), *img = calloc(1, SETUP_LEN + pm + 0x10000);
	int fd, ok = 0;

	if (!elf || !img || fake_write(path, FG_EXIT, 77) < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ok = fd >= 0 && read(fd, img, SETUP_LEN + 0x200 + code) == (ssize_t)(SETUP_LEN + 0x200 +
									       code);
	if (fd >= 0)
		close(fd);
	elf_len = elf_build(elf, mode);
	if (damage == 5)
		elf_len = elf_max;
	if (damage == 3)
		put64(elf + offsetof(Elf64_Ehdr, e_phoff), ~0ULL - 0x37);
	if (damage == 4)
		put64(elf + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) +
		      offsetof(Elf64_Phdr, p_paddr), 1ULL << 40);
	if (!ok || lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elf, elf_len,
					   img + SETUP_LEN + pm, &xz_len, 0x10000 - 4) != LZMA_OK)
		goto out_fail;
	put32(img + SETUP_LEN + pm + xz_len, elf_len);
	xz_len += 4;
	if (damage == 1)
		memset(img + SETUP_LEN + pm + xz_len / 2, 0x5a, 16);
	put32(img + 0x248, pm);					/* payload_offset */
	put32(img + 0x24c, damage == 2 ? xz_len / 2 : xz_len);	/* payload_length */
	put32(img + 0x260, 0x800000);				/* init_size */
	len = SETUP_LEN + pm + xz_len;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = fd >= 0 && write(fd, img, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	goto out;
out_fail:
	ok = 0;
out:
	free(elf);
	free(img);
	return ok ? 0 : -1;
}


static void cache_clean(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return;
}

/* Number of cached kernels in @dir. */
static int cache_count(const char *dir)
{
	char cmd[256], buf[16] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null | grep -c '^vmlinux-'", dir);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	pclose(f);
	return atoi(buf);
}


FIXTURE(fake) {
	char dir[64];
	char img[128];
	struct run r;
};

FIXTURE_SETUP(fake)
{
	if (!kvm_usable())
		SKIP(return, "no usable /dev/kvm (load kvm_intel or kvm_amd, or run as root)");
	if (access(kiste_bin(), X_OK) < 0)
		SKIP(return, "no kiste binary at %s: build it or set KISTE_BIN", kiste_bin());
	strcpy(self->dir, "/tmp/vmmode_boot.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->img, sizeof(self->img), "%s/bzImage", self->dir);
	unsetenv("KISTE_VM_INITRD");
	setenv("KISTE_VM_CACHE", "0", 1);	/* no decompressed-kernel cache unless a test asks */
}

FIXTURE_TEARDOWN(fake)
{
	char path[128];

	if (!self->dir[0])
		return;
	snprintf(path, sizeof(path), "%s/out", self->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", self->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/initrd", self->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cache", self->dir);
	cache_clean(path);
	unlink(self->img);
	rmdir(self->dir);
}

TEST_F(fake, exit_port_codes)
{
	static const uint32_t codes[] = { 0, 1, 42, 255 };
	unsigned int i;

	SKIP_IF_SETUP_SKIPPED();
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		ASSERT_EQ(0, fake_write(self->img, FG_EXIT, codes[i]));
		run_kiste(self->dir, self->img, NULL, 0, 0, &self->r);
		EXPECT_EQ((int)codes[i], self->r.status) TH_LOG("stderr: %s", self->r.err);
	}
}

TEST_F(fake, boot_structures)
{
	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_BOOT, 0));
	run_kiste(self->dir, self->img, NULL, 0, 0, &self->r);
	/* 10..25: the number of the guest-side check that failed (see the guest code). */
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, initrd_override_reaches_guest)
{
	const char *extra[] = { NULL };
	char path[128], buf[5000];
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(path, sizeof(path), "%s/initrd", self->dir);
	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, "070701", 6);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
	close(fd);
	ASSERT_EQ(0, fake_write(self->img, FG_BOOT, sizeof(buf)));
	setenv("KISTE_VM_INITRD", path, 1);
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	unsetenv("KISTE_VM_INITRD");
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, corrupt_initrd_does_not_crash_the_vmm)
{
	char path[128], buf[300000];
	int fd, i;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(path, sizeof(path), "%s/initrd", self->dir);
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = rand();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
	close(fd);
	ASSERT_EQ(0, fake_write(self->img, FG_EXIT, 7));
	setenv("KISTE_VM_INITRD", path, 1);
	run_kiste(self->dir, self->img, NULL, 0, 0, &self->r);
	unsetenv("KISTE_VM_INITRD");
	EXPECT_EQ(7, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, serial_console_only_with_debug)
{
	const char *debug[] = { "--debug", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_SERIAL, 0));
	run_kiste(self->dir, self->img, debug, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "fake-guest: hello\n")) TH_LOG("stderr: %s",
									    self->r.err);
	EXPECT_STREQ("", self->r.out);
	run_kiste(self->dir, self->img, NULL, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("", self->r.err);
}

TEST_F(fake, channel_stdout_and_stderr)
{
	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_CHAN, 0));
	run_kiste(self->dir, self->img, NULL, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_STREQ("chan-out\n", self->r.out);
	EXPECT_STREQ("chan-err\n", self->r.err);
}

/* --timeout: the main thread stops the VM under its seccomp filter (was a SIGSYS). */
TEST_F(fake, timeout_stops_a_hung_guest)
{
	const char *extra[] = { "--timeout", "2", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(137, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_LT(self->r.secs, 20);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "--timeout"));
}

/* --debug adds where vCPU 0 was; the main thread reads it under its filter (was a SIGSYS). */
TEST_F(fake, timeout_with_debug_dumps_vcpu0)
{
	const char *extra[] = { "--timeout", "2", "--debug", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_HANG, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(137, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "vCPU 0 at --timeout: rip=0x")) TH_LOG("stderr: %s",
										  self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "--timeout 2")) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, sigterm_and_sigint_are_forwarded)
{
	const char *extra[] = { "--timeout", "30", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_SIGNAL, 0));
	run_kiste(self->dir, self->img, extra, SIGTERM, 1500, &self->r);
	EXPECT_EQ(100 + SIGTERM, self->r.status) TH_LOG("stderr: %s", self->r.err);
	run_kiste(self->dir, self->img, extra, SIGINT, 1500, &self->r);
	EXPECT_EQ(100 + SIGINT, self->r.status) TH_LOG("stderr: %s", self->r.err);
	run_kiste(self->dir, self->img, extra, SIGHUP, 1500, &self->r);
	EXPECT_EQ(100 + SIGHUP, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, guest_reset_is_one_line_and_125)
{
	const char *extra[] = { "--timeout", "20", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_RESET, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(125, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "reset"));
}

/* Without --debug, the reset's one line quotes the console's panic line. */
TEST_F(fake, reset_quotes_the_panic_line)
{
	const char *extra[] = { "--timeout", "20", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_PANIC, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(125, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "Kernel panic - not syncing: fake\"")) TH_LOG(
		"stderr: %s", self->r.err);
}

/* --debug dumps the registers of a vCPU that shut down, from the confined vCPU thread. */
TEST_F(fake, triple_fault_with_debug)
{
	const char *extra[] = { "--timeout", "20", "--debug", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_TRIPLE, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(125, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "vCPU shut down: rip=")) TH_LOG("stderr: %s",
									     self->r.err);
}

/* The application processors sit in KVM_RUN waiting for a SIPI: the exit must still end them. */
TEST_F(fake, smp_vm_exits_cleanly)
{
	const char *extra[] = { "--cpus", "4", "--timeout", "20", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write(self->img, FG_EXIT, 3));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(3, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

TEST_F(fake, not_a_bzimage_is_one_line_and_125)
{
	const char *extra[] = { NULL };
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	fd = open(self->img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8192));
	close(fd);
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(125, self->r.status);
	EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "bzImage"));
}

/* The VMM decompresses the xz vmlinux, places its segments and enters at the ELF entry. */
TEST_F(fake, xz_vmlinux_payload_boots)
{
	const char *extra[] = { "--timeout", "20", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write_xz(self->img, FG_BOOT, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status) TH_LOG("77: the bzImage entry ran; stderr: %s", self->r.err);
}

/* KISTE_VM_BZIMAGE=1 boots the bzImage's own entry: the benchmark's A/B switch. */
TEST_F(fake, bzimage_switch_skips_decompression)
{
	const char *extra[] = { "--timeout", "20", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, fake_write_xz(self->img, FG_BOOT, 0));
	setenv("KISTE_VM_BZIMAGE", "1", 1);
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	unsetenv("KISTE_VM_BZIMAGE");
	EXPECT_EQ(77, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

/*
 * The decompressed kernel is cached by the bzImage's identity (device, inode,
 * size, mtime, ctime): a second run boots from the cache; a payload damaged in
 * place with its mtime set back is not taken from the cache (its ctime moved),
 * so the damage shows.
 */
TEST_F(fake, decompressed_kernel_is_cached)
{
	const char *extra[] = { "--timeout", "20", NULL };
	struct timespec ts[2];
	char cache[96];
	struct stat st;
	uint8_t junk[64];
	int fd;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(cache, sizeof(cache), "%s/cache", self->dir);
	setenv("KISTE_VM_CACHE", cache, 1);
	setenv("KISTE_VM_STATS", "1", 1);
	ASSERT_EQ(0, fake_write_xz(self->img, FG_BOOT, 0));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "kernel=decompressed")) TH_LOG("%s", self->r.err);
	ASSERT_EQ(1, cache_count(cache));
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "kernel=cached")) TH_LOG("%s", self->r.err);
	ASSERT_EQ(0, stat(self->img, &st));
	fd = open(self->img, O_WRONLY);
	ASSERT_LE(0, fd);
	memset(junk, 0x5a, sizeof(junk));
	ASSERT_EQ((ssize_t)sizeof(junk), pwrite(fd, junk, sizeof(junk), SETUP_LEN + 0x1000 + 64));
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	ASSERT_EQ(0, futimens(fd, ts));
	close(fd);
	run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
	unsetenv("KISTE_VM_STATS");
	EXPECT_EQ(125, self->r.status) TH_LOG("a stale cache entry booted; stderr: %s", self->r.err);
}

/* Each rewrite of the bzImage is a new kernel to the cache; only the 4 most recent stay. */
TEST_F(fake, kernel_cache_keeps_the_four_most_recent)
{
	const char *extra[] = { "--timeout", "20", NULL };
	char cache[96];
	int i;

	SKIP_IF_SETUP_SKIPPED();
	snprintf(cache, sizeof(cache), "%s/cache", self->dir);
	setenv("KISTE_VM_CACHE", cache, 1);
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, fake_write_xz(self->img, FG_BOOT, 0));
		run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
		EXPECT_EQ(0, self->r.status) TH_LOG("run %d: stderr: %s", i, self->r.err);
		EXPECT_EQ(i < 4 ? i + 1 : 4, cache_count(cache)) TH_LOG("after run %d", i);
	}
}

TEST_F(fake, corrupt_or_truncated_xz_payload_is_one_line_and_125)
{
	const char *extra[] = { "--timeout", "20", NULL };
	int damage;

	SKIP_IF_SETUP_SKIPPED();
	for (damage = 1; damage <= 5; damage++) {
		ASSERT_EQ(0, fake_write_xz(self->img, FG_EXIT, damage));
		run_kiste(self->dir, self->img, extra, 0, 0, &self->r);
		EXPECT_EQ(125, self->r.status) TH_LOG("damage %d: stderr: %s", damage,
						      self->r.err);
		EXPECT_EQ(1, lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
		EXPECT_NE(NULL, strstr(self->r.err, "vmlinux is unusable")) TH_LOG("stderr: %s",
										  self->r.err);
	}
}

TEST_HARNESS_MAIN
