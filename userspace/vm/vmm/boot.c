// SPDX-License-Identifier: GPL-2.0
// boot.c - loads a bzImage per the x86 boot protocol: zero page, e820, cmdline, initrd.
#include <asm/bootparam.h>
#include <asm/e820.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "boot.h"
#include "vm.h"
#include "boot_int.h"

/* Debian's bzImage is ~8 MiB; a file far larger than this is not a kernel. */
#define LINUX_KERNEL_MAX	(256u << 20)
#define HDRS_MAGIC		0x53726448u	/* "HdrS" */
/* 2.12 added xloadflags, which says whether the 64-bit entry exists. */
#define BOOT_PROTO_MIN		0x020c
#define E820_RAM		1
#define E820_RESERVED		2

static int kernel_bad(struct kiste_err *err, const char *path, const char *why)
{
	return kiste_err_set(err, -ENOEXEC, "kernel '%s' is not an x86_64 bzImage (%s): pass one "
			     "with --kernel PATH or KISTE_KERNEL, e.g. /boot/vmlinuz-VERSION", path,
			     why);
}

/* Reads @len bytes at @off of @fd into @dst; -EIO on a short file. */
int linux_pread_all(int fd, void *dst, size_t len, off_t off)
{
	uint8_t *p = dst;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int kernel_open(const char *path, struct linux_kernel *k, struct kiste_err *err)
{
	struct stat st;

	k->fd = kiste_open_regular(AT_FDCWD, path, O_RDONLY, &st);
	if (k->fd == -EINVAL)
		return kernel_bad(err, path, "not a regular file");
	if (k->fd < 0)
		return kiste_err_set(err, k->fd, "cannot open kernel '%s': %s: pass a readable "
				     "bzImage with --kernel PATH or KISTE_KERNEL", path,
				     strerror(-k->fd));
	if (st.st_size < 0x1000 || st.st_size > LINUX_KERNEL_MAX)
		return kernel_bad(err, path, "not a regular file of a kernel's size");
	k->len = st.st_size;
	if (linux_pread_all(k->fd, k->head, sizeof(k->head), 0) < 0)
		return kiste_err_set(err, -EIO, "cannot read kernel '%s': short read: check the "
				     "file", path);
	return 0;
}

int linux_kernel_load(const char *path, struct linux_kernel *k, struct kiste_err *err)
{
	struct setup_header h;
	unsigned int sects;
	int ret;

	*k = (struct linux_kernel){ .fd = -1 };
	ret = kernel_open(path, k, err);
	if (ret < 0)
		goto out_free;
	memcpy(&h, k->head + 0x1f1, sizeof(h));
	ret = -ENOEXEC;
	if (h.boot_flag != 0xaa55 || h.header != HDRS_MAGIC) {
		kernel_bad(err, path, "no boot header");
		goto out_free;
	}
	if (h.version < BOOT_PROTO_MIN || !(h.xloadflags & XLF_KERNEL_64) ||
	    !(h.loadflags & LOADED_HIGH)) {
		kernel_bad(err, path, "no 64-bit entry point");
		goto out_free;
	}
	sects = h.setup_sects ? h.setup_sects : 4;
	k->setup_len = (sects + 1) * 512u;
	if (k->setup_len >= k->len) {
		kernel_bad(err, path, "truncated");
		goto out_free;
	}
	k->pref_address = h.pref_address;
	k->init_size = h.init_size;
	k->initrd_max = h.initrd_addr_max;
	k->cmdline_max = h.cmdline_size;
	k->align = h.kernel_alignment;
	k->relocatable = h.relocatable_kernel;
	/* payload_offset/length exist since protocol 2.08; a bad range only skips the fast path. */
	if ((uint64_t)k->setup_len + h.payload_offset + h.payload_length <= k->len &&
	    h.payload_length >= sizeof(k->payload_magic) &&
	    linux_pread_all(k->fd, k->payload_magic, sizeof(k->payload_magic),
			    k->setup_len + h.payload_offset) == 0) {
		k->payload_off = h.payload_offset;
		k->payload_len = h.payload_length;
	}
	return 0;
out_free:
	linux_kernel_free(k);
	return ret;
}

void linux_kernel_free(struct linux_kernel *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

static void zero_page(uint8_t *mem, const struct linux_kernel *k,
		      const struct linux_boot_layout *lay, size_t initrd_len, uint64_t ram_end)
{
	struct boot_params *bp = (struct boot_params *)(mem + LINUX_ZERO_PAGE);
	/* The setup header ends at 0x202 + the byte at 0x201 (boot protocol). */
	size_t hdr_end = 0x202 + k->head[0x201];

	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + 0x1f1, k->head + 0x1f1, hdr_end - 0x1f1);
	bp->hdr.type_of_loader = 0xff;
	/* The decompressor sets KASLR_FLAG when it randomized; the VMM loads at the link address. */
	if (lay->vmlinux)
		bp->hdr.loadflags &= ~KASLR_FLAG;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.code32_start = (uint32_t)lay->kernel_addr;
	bp->hdr.cmd_line_ptr = (uint32_t)LINUX_CMDLINE;
	bp->hdr.ramdisk_image = (uint32_t)lay->initrd_addr;
	bp->hdr.ramdisk_size = (uint32_t)initrd_len;
	e820_add(bp, 0, LINUX_EBDA, E820_RAM);
	e820_add(bp, LINUX_EBDA, 0x100000 - LINUX_EBDA, E820_RESERVED);
	e820_add(bp, LINUX_HIGH, ram_end - LINUX_HIGH, E820_RAM);
	e820_add(bp, lay->chan_addr, lay->chan_size, E820_RESERVED);
}

static uint64_t kernel_place(const struct linux_kernel *k, uint64_t ram_end)
{
	uint64_t need = k->init_size > k->len ? k->init_size : k->len;

	if (k->pref_address >= LINUX_HIGH && k->pref_address + need < ram_end)
		return k->pref_address;
	return LINUX_HIGH;
}

/*
 * The vmlinux itself when the VMM can make it (from its cache, or decompressed
 * here): the guest then skips its own decompressor, seconds of guest code under
 * nested virtualization.  Else the bzImage's protected-mode part at kernel_addr.
 * Runs before the initrd is read: the decoder borrows the RAM between the
 * kernel's init_size and the initrd, and zeroes it again.
 */
static int kernel_copy(uint8_t *mem, uint64_t ram_end, const struct linux_kernel *k,
		       struct linux_boot_layout *lay, uint64_t kend, struct kiste_err *err)
{
	uint64_t lo = (kend + LINUX_HUGE - 1) & ~(LINUX_HUGE - 1);
	struct linux_payload pl;
	int ret = -EOPNOTSUPP;

	if (!k->no_decompress && lay->kernel_addr == k->pref_address)
		ret = linux_payload_load(mem, ram_end, k, lo, lo < lay->initrd_addr ?
					 lay->initrd_addr : lo, &pl, err);
	if (ret == 0 && (pl.start < lay->kernel_addr || pl.end > kend))
		return kiste_err_set(err, -ENOEXEC, "the kernel's vmlinux does not fit its "
				     "init_size: pass an intact bzImage with --kernel PATH");
	if (ret == 0) {
		lay->entry = pl.entry;
		lay->vmlinux = pl.cached ? 2 : 1;
		return 0;
	}
	if (ret != -EOPNOTSUPP)
		return ret;
	ret = linux_pread_all(k->fd, mem + lay->kernel_addr, k->len - k->setup_len, k->setup_len);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot read the kernel into guest memory: %s: "
				     "check the file", strerror(-ret));
	return 0;
}

int linux_boot_setup(uint8_t *mem, uint64_t mem_size, const struct linux_kernel *k,
		     int initrd_fd, size_t initrd_len, const char *cmdline, unsigned int cpus,
		     unsigned int pci_slots, uint64_t chan_size, struct linux_boot_layout *lay, struct kiste_err *err)
{
	uint64_t ram_end = mem_size - chan_size, kend, top;
	size_t clen = strlen(cmdline) + 1;
	int ret;

	if (clen > LINUX_CMDLINE_MAX || (k->cmdline_max && clen > k->cmdline_max + 1))
		return kiste_err_set(err, -E2BIG, "kernel command line too long (%zu bytes): "
				     "shorten it", clen);
	*lay = (struct linux_boot_layout){ .chan_addr = ram_end, .chan_size = chan_size };
	lay->kernel_addr = kernel_place(k, ram_end);
	lay->entry = lay->kernel_addr + 0x200;
	kend = lay->kernel_addr + (k->init_size > k->len ? k->init_size : k->len);
	top = ram_end;
	if (k->initrd_max && top > (uint64_t)k->initrd_max + 1)
		top = (uint64_t)k->initrd_max + 1;
	lay->initrd_addr = (top - initrd_len) & ~0xfffULL;
	if (initrd_len >= top || lay->initrd_addr < kend)
		return kiste_err_set(err, -ENOMEM, "the initramfs (%zu MiB) and kernel do not fit "
				     "in guest memory: raise --memory", initrd_len >> 20);
	ret = kernel_copy(mem, ram_end, k, lay, kend, err);
	if (ret < 0)
		return ret;
	ret = initrd_len ? linux_pread_all(initrd_fd, mem + lay->initrd_addr, initrd_len, 0) : 0;
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot read the initramfs into guest memory: %s",
				     strerror(-ret));
	memcpy(mem + LINUX_CMDLINE, cmdline, clen);
	zero_page(mem, k, lay, initrd_len, ram_end);
	return linux_mptable_write(mem, cpus, pci_slots, err);
}

/*
 * Quiet, the serial console only, no probing of legacy devices the VMM does
 * not have, no timer calibration; the agent is PID 1.  No PCI scan unless
 * the VM has devices there (disks): the scan costs exits for nothing.
 */
static const char cmdline_base[] =
	"console=ttyS0 reboot=k panic=-1 8250.nr_uarts=1 i8042.noaux "
	"i8042.nomux i8042.nopnp i8042.dumbkbd tsc=reliable no_timer_check "
	"random.trust_cpu=on no5lvl rdinit=" KISTE_VM_AGENT_PATH;

void linux_cmdline(bool debug, bool pci, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s %s", cmdline_base, pci ? "" : " pci=off",
		 debug ? "loglevel=7" : "quiet loglevel=1");
}
