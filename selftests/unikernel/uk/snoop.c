// SPDX-License-Identifier: GPL-2.0
// snoop.c - test unikernel: follows its call table into the host side and reads all it reaches.
#include "kiste_uk_sdk.h"

/*
 * What the reviewer of issue 15 did in process isolation: the call table
 * points into the host's code, the pages around it are readable, and the
 * pointers found there lead on (to libc's __environ, to the stack with the
 * environment).  snoop reads every page it can reach that way and looks for:
 * argv[1], a canary shifted by one character (so that the canary itself is
 * nowhere in this unikernel's memory; the test put it in kiste's environment),
 * and strings that only kiste holds.  A page is probed without faulting by
 * writing its first block to the "probe" device: the host call fails for an
 * unmapped page instead of crashing.  It also reports the vector registers as
 * it was entered with (nothing in this unikernel touches them before main).
 */
KISTE_UK_MANIFEST(KISTE_UK_BLOCK("probe"));

#define PAGE	    4096ULL
#define USER_END    (1ULL << 47)
#define MAX_REGIONS 64
#define MAX_PROBES  200000 /* pages tried, readable or not */
#define MISS_CACHE  4096   /* pages known unreadable */

struct region {
	uint64_t lo, hi;
	uint64_t from; /* the call table entry or the word that led here */
};

static struct region reg[MAX_REGIONS];
static int nreg;
static uint64_t miss[MISS_CACHE];
static uint64_t own_lo, own_hi;
static unsigned int probe_h;
static long probes;

static const char *needle[] = { NULL /* the canary */, "Usage: kiste run", "--mode=unikernel",
				"GLIBC_TUNABLES", "KISTE_UK_STATS" };
static char canary[128];
static int found;

static int known(uint64_t a)
{
	int i;

	if (a >= own_lo && a < own_hi)
		return 1;
	for (i = 0; i < nreg; i++)
		if (a >= reg[i].lo && a < reg[i].hi)
			return 1;
	return 0;
}

static int readable(uint64_t page)
{
	uint64_t *slot = &miss[(page / PAGE) % MISS_CACHE];

	if (*slot == page || probes >= MAX_PROBES || page < PAGE || page >= USER_END || known(page))
		return 0;
	probes++;
	if (uk_block_write(probe_h, 0, (const void *)(uintptr_t)page, KISTE_UK_BLOCK_SIZE) == 0)
		return 1;
	*slot = page;
	return 0;
}

/* The run of readable pages around @addr, as a new region. */
static void grow(uint64_t addr, uint64_t from)
{
	uint64_t lo = addr & ~(PAGE - 1), hi;

	if (nreg == MAX_REGIONS || !readable(lo))
		return;
	hi = lo + PAGE;
	while (readable(lo - PAGE))
		lo -= PAGE;
	while (readable(hi))
		hi += PAGE;
	reg[nreg++] = (struct region){ lo, hi, from };
	printf("snoop: region 0x%lx-0x%lx (%lu pages) reached from 0x%lx\n", (unsigned long)lo,
	       (unsigned long)hi, (unsigned long)((hi - lo) / PAGE), (unsigned long)from);
}

static void search(const struct region *r)
{
	const char *p = (const char *)(uintptr_t)r->lo;
	size_t len = r->hi - r->lo, n, i, j;

	for (i = 0; i < sizeof(needle) / sizeof(needle[0]); i++) {
		n = strlen(needle[i]);
		for (j = 0; n && j + n <= len; j++)
			if (p[j] == needle[i][0] && !memcmp(p + j, needle[i], n)) {
				printf("snoop: found \"%s\" at 0x%lx\n", i ? needle[i] : "<canary>",
				       (unsigned long)(r->lo + j));
				found++;
				break;
			}
	}
}

/* Every word that looks like a user-space pointer out of the known regions leads on. */
static void follow(const struct region *r)
{
	const uint64_t *w = (const uint64_t *)(uintptr_t)r->lo;
	size_t i, n = (r->hi - r->lo) / 8;

	for (i = 0; i < n && nreg < MAX_REGIONS; i++)
		if (w[i] >= PAGE && w[i] < USER_END && !known(w[i]))
			grow(w[i], r->lo + i * 8);
}

/* Stores register REG##N to byte N * 64 of %0 with INS. */
#define ST(ins, reg, n) ins " %%" reg #n ", " #n "*64(%0)\n\t"
/* clang-format off */
#define REGS_LO(ins, reg)                                                                         \
	ST(ins, reg, 0) ST(ins, reg, 1) ST(ins, reg, 2) ST(ins, reg, 3) ST(ins, reg, 4)           \
	ST(ins, reg, 5) ST(ins, reg, 6) ST(ins, reg, 7) ST(ins, reg, 8) ST(ins, reg, 9)           \
	ST(ins, reg, 10) ST(ins, reg, 11) ST(ins, reg, 12) ST(ins, reg, 13) ST(ins, reg, 14)      \
	ST(ins, reg, 15)
#define REGS_HI(ins, reg)                                                                         \
	ST(ins, reg, 16) ST(ins, reg, 17) ST(ins, reg, 18) ST(ins, reg, 19) ST(ins, reg, 20)      \
	ST(ins, reg, 21) ST(ins, reg, 22) ST(ins, reg, 23) ST(ins, reg, 24) ST(ins, reg, 25)      \
	ST(ins, reg, 26) ST(ins, reg, 27) ST(ins, reg, 28) ST(ins, reg, 29) ST(ins, reg, 30)      \
	ST(ins, reg, 31)
/* clang-format on */

/* xmm0-15 always; ymm0-15 with AVX, zmm0-31 with AVX-512 (as far as the OS enabled them). */
static void vector_registers(void)
{
	static uint8_t v[32][64] __attribute__((aligned(64)));
	uint32_t a, b, c, d, xcr0 = 0, nz = 0, nregs = 16, width = 16, i, k;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (c & (1U << 27))
		__asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(d) : "c"(0));
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	if ((xcr0 & 0xe6) == 0xe6 && (b & (1U << 16))) {
		nregs = 32, width = 64;
		__asm__ volatile(REGS_LO("vmovdqu64", "zmm") REGS_HI("vmovdqu64", "zmm")
				 :
				 : "r"(v)
				 : "memory");
	} else if ((xcr0 & 6) == 6) {
		width = 32;
		__asm__ volatile(REGS_LO("vmovdqu", "ymm") : : "r"(v) : "memory");
	} else {
		__asm__ volatile(REGS_LO("movdqu", "xmm") : : "r"(v) : "memory");
	}
	for (i = 0; i < nregs; i++)
		for (k = 0; k < width; k++)
			if (v[i][k]) {
				nz++;
				break;
			}
	printf("snoop: %u of %u vector registers (%u bytes) hold data\n", nz, nregs, width);
}

int main(int argc, char **argv)
{
	const struct kiste_uk_start *si = uk_start_info();
	const struct kiste_uk_devinfo *dev = uk_device("probe");
	size_t i;
	int r;

	vector_registers();
	if (argc < 2 || !dev || strlen(argv[1]) >= sizeof(canary)) {
		printf("usage: snoop SHIFTED-CANARY (with --block probe=FILE)\n");
		return 2;
	}
	for (i = 0; argv[1][i]; i++)
		canary[i] = (char)(argv[1][i] - 1);
	needle[0] = canary;
	probe_h = dev->handle;
	own_lo = KISTE_UK_LOAD_ADDR;
	own_hi = si->heap_start + si->heap_size + KISTE_UK_STACK_SIZE;
	for (i = 0; i < KISTE_UK_CALLS_MAX; i++)
		if (si->calls[i])
			grow(si->calls[i], si->calls[i]);
	/* Breadth first: regions found while following are appended and followed in turn. */
	for (r = 0; r < nreg; r++) {
		search(&reg[r]);
		follow(&reg[r]);
	}
	printf("snoop: %d region(s), %ld page(s) probed, %d found\n", nreg, probes, found);
	return 0;
}
