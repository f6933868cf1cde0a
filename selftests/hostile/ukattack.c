// SPDX-License-Identifier: GPL-2.0
// ukattack.c - the hostile suite's unikernel: raw host calls, the bindings' state, its memory, the VMM.
#include "kiste_uk_sdk.h"
#include "bindings.h"

/*
 * One binary for both isolations; argv[1] picks the technique.  Each prints
 * what it is about to do, and "ukattack: survived ..." when nothing stopped
 * it (the runner reads that as an escape).  The block device "disk" is bound
 * by the runner to a host file whose size it checks afterwards.
 */
KISTE_UK_MANIFEST(KISTE_UK_BLOCK("disk"));

static char block[KISTE_UK_BLOCK_SIZE];

/* A decimal argument (the SDK has no strtol). */
static long num(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static long sys6(long nr, long a0, long a1, long a2)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Process isolation: the blob's syscall instruction, reached from the call table, with NR. */
static int gate(long nr)
{
	const struct kiste_uk_start *si = uk_start_info();
	const uint8_t *p = (const uint8_t *)(uintptr_t)si->calls[KISTE_UK_CALL_CONSOLE_WRITE];
	long ret;
	int i;

	for (i = 0; i < 256 && !(p[i] == 0x0f && p[i + 1] == 0x05); i++)
		;
	if (i == 256) {
		printf("ukattack: no syscall instruction near the call table\n");
		return 3;
	}
	printf("ukattack: jumping to the syscall instruction at %p with %ld\n", (void *)(p + i), nr);
	__asm__ volatile("call *%1" : "=a"(ret) : "r"(p + i), "a"(nr), "D"(0L), "S"(0L), "d"(0L)
			 : "rcx", "r11", "memory");
	printf("ukattack: survived the gate: %ld\n", ret);
	return 1;
}

/* Process isolation: the bindings' hand-over, writable, told the disk is 1 TiB. */
static int tamper(void)
{
	const struct uk_blob_head *h = (const struct uk_blob_head *)(uintptr_t)UK_BLOB_ADDR;
	const struct kiste_uk_devinfo *d = uk_device("disk");
	struct uk_handover *ho;
	uint64_t cap;

	if (h->magic != UK_BLOB_MAGIC || !d) {
		printf("ukattack: no blob head at 0x%llx\n", UK_BLOB_ADDR);
		return 3;
	}
	ho = (struct uk_handover *)(uintptr_t)h->handover;
	cap = ho->bind.dev[d->handle].capacity;
	ho->bind.dev[d->handle].capacity = 1ULL << 40;
	printf("ukattack: capacity %lu rewritten to 1 TiB; writing at %lu\n", (unsigned long)cap,
	       (unsigned long)(cap + (1 << 20)));
	printf("ukattack: write=%d\n", uk_block_write(d->handle, cap + (1 << 20), block, sizeof(block)));
	printf("ukattack: survived the tampered write\n");
	return 1;
}

/* Block writes past the device, and with an offset that wraps. */
static int oob(void)
{
	const struct kiste_uk_devinfo *d = uk_device("disk");
	uint64_t offs[] = { d ? d->capacity : 0, 1ULL << 63, ~0ULL - 511, (1ULL << 32) * 512 };
	int i, bad = 0;

	for (i = 0; d && i < 4; i++) {
		int r = uk_block_write(d->handle, offs[i], block, sizeof(block));

		printf("ukattack: write at 0x%lx=%d\n", (unsigned long)offs[i], r);
		bad |= r == 0;
	}
	printf("ukattack: oob=%s\n", bad ? "WRITTEN" : "refused");
	return 0;
}

/* Vm isolation: an OUT the VMM does not serve, or one whose argument block lies outside RAM. */
static int hypercall(uint16_t port, uint32_t gpa)
{
	printf("ukattack: OUT 0x%x to port 0x%x\n", gpa, port);
	__asm__ volatile("outl %0, %1" : : "a"(gpa), "Nd"(port) : "memory");
	printf("ukattack: survived the hypercall\n");
	return 1;
}

/* Vm isolation: maps guest-physical 4 GiB (no RAM there) through its own page tables and reads it. */
static int mmio(void)
{
	uint64_t cr3, *pml4, *pdpt, *pd;
	volatile uint64_t *va = (volatile uint64_t *)(uintptr_t)(511ULL << 21);

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffULL);
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xffffffffff000ULL);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & 0xffffffffff000ULL);
	pd[511] = (4ULL << 30) | 0x83; /* present, writable, 2 MiB */
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	printf("ukattack: reading guest-physical 4 GiB\n");
	printf("ukattack: survived, read 0x%lx\n", (unsigned long)*va);
	return 1;
}

static int membomb(int raw)
{
	unsigned long mib = 0;

	while (malloc(1 << 20))
		mib++;
	printf("ukattack: membomb mib=%lu\n", mib);
	if (!raw)
		return 0;
	printf("ukattack: raw mmap of 64 MiB\n");
	sys6(9, 0, 64 << 20, 3);
	printf("ukattack: survived the raw mmap\n");
	return 1;
}

/* Needle I in [lo, hi)?  Hits in the needles' own buffer do not count. */
static int scan(uint64_t lo, uint64_t hi, char needle[6][128], int *control)
{
	uint64_t a, w;
	int i, j, k, found = 0;

	/* a word per memory access: each access is what costs, on a slow guest memory */
	for (a = lo; a + 16 < hi; a += 8) {
		w = *(volatile uint64_t *)(uintptr_t)a;
		for (k = 0; k < 8; k++, w >>= 8) {
			for (i = 0; i < 6; i++) {
				const char *p = (const char *)(uintptr_t)(a + k), *n = needle[i];

				if ((char)w != n[0] || (p >= needle[0] && p < needle[6]))
					continue;
				for (j = 1; n[j] && a + k + j < hi && p[j] == n[j]; j++)
					;
				if (!n[j] && i == 5) {
					(*control)++;
				} else if (!n[j]) {
					printf("ukattack: needle %d at 0x%lx\n", i,
					       (unsigned long)(a + k));
					found++;
				}
			}
		}
	}
	return found;
}

/*
 * Vm isolation: guest RAM is identity-mapped and the unikernel's to read.
 * Does what the VMM wrote there (below the image: page tables at 0x1000, GDT,
 * call stubs at 0x5000; the start info and the arguments) hold the canary
 * (from kiste's environment) or a string only kiste holds?  The needles are
 * built here from shifted copies, so the only place they are whole is their
 * own buffer.  The scan stays small: on the build machines' PVM the tiny
 * guest runs about 10,000 times slower than a process (1 MiB read byte by
 * byte: 4.3 s against 0.47 ms), so it reads the first 64 KiB and 16 KiB from
 * the start info, not the whole first MiB.
 */
static int guestscan(const char *shifted)
{
	static const char *const sh[] = { NULL, "Vtbhf;!ljtuf!svo", ".npef>vojlfsofm",
					  "HMJCD`UVOBCMFT", "LJTUF`VL`TUBUT" };
	static char needle[6][128];
	const struct kiste_uk_start *si = uk_start_info();
	uint64_t s = (uintptr_t)si & ~0xfffULL;
	int i, j, found, control = 0;

	for (i = 0; i < 5; i++)
		for (j = 0; (i ? sh[i] : shifted)[j] && j < 127; j++)
			needle[i][j] = (char)((i ? sh[i] : shifted)[j] - 1);
	/* the control: the argument as passed, which the start info's argv holds */
	for (j = 0; shifted[j] && j < 127; j++)
		needle[5][j] = shifted[j];
	/* page 0 to 64 KiB (tables, GDT, stubs), then the start info and argv (16 KiB) */
	found = scan(0, 0x10000, needle, &control) + scan(s, s + 16384, needle, &control);
	printf("ukattack: guestscan of the VMM's writes, found=%d, control %s\n", found,
	       control ? "seen" : "NOT SEEN (the scan reads nothing)");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	long ret;

	if (!strcmp(m, "gate"))
		return gate(argc > 2 ? num(argv[2]) : 101);
	if (!strcmp(m, "syscall")) {
		printf("ukattack: syscall instruction with %ld\n", argc > 2 ? num(argv[2]) : 39L);
		ret = sys6(argc > 2 ? num(argv[2]) : 39, 0, 0, 0);
		printf("ukattack: survived the syscall: %ld\n", ret);
		return 1;
	}
	if (!strcmp(m, "int80")) {
		printf("ukattack: int $0x80 (i386 getpid)\n");
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		printf("ukattack: survived int $0x80: %ld\n", ret);
		return 1;
	}
	if (!strcmp(m, "fd")) {
		printf("ukattack: pread on descriptor %ld\n", argc > 2 ? num(argv[2]) : 5L);
		ret = sys6(17, argc > 2 ? num(argv[2]) : 5, (long)block, sizeof(block));
		printf("ukattack: survived the pread: %ld\n", ret);
		return 1;
	}
	if (!strcmp(m, "tamper"))
		return tamper();
	if (!strcmp(m, "oob"))
		return oob();
	if (!strcmp(m, "hcport"))
		return hypercall(0x5ff, (uint32_t)(uintptr_t)block);
	if (!strcmp(m, "hcgpa"))
		return hypercall(KISTE_UK_HC_PORT_BASE, 0xfffffff0u);
	if (!strcmp(m, "mmio"))
		return mmio();
	if (!strcmp(m, "guestscan") && argc > 2)
		return guestscan(argv[2]);
	if (!strcmp(m, "membomb"))
		return membomb(argc > 2);
	printf("usage: ukattack gate NR|syscall NR|int80|fd N|tamper|oob|hcport|hcgpa|mmio|membomb [raw]\n");
	return 2;
}
