// SPDX-License-Identifier: GPL-2.0
// hi32.c - test unikernel: host syscalls whose int arguments carry high bits (process isolation).
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST(KISTE_UK_BLOCK("storage"));

/*
 * The kernel reads a descriptor, a clock id, ppoll's nfds and the exit status
 * as a 32-bit int: fd | 1 << 32 is fd to it.  The filter must decide on the
 * same low 32 bits: `hi32 allowed` makes each allowed call with the high word
 * set and must live to exit 7; each other probe's low word names something
 * off the list (with an allowed value in the high word) and must be killed.
 */
#define HI (1ULL << 32)

static long sys4(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = 8; /* ppoll's sigsetsize */
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static char block[KISTE_UK_BLOCK_SIZE];

static int allowed(void)
{
	static const char line[] = "hi32: console write with the high word set\n";
	struct { int64_t sec, nsec; } ts = { 0, 0 };

	if (sys4(1 /* write */, HI | 1, (uintptr_t)line, sizeof(line) - 1, 0) !=
	    (long)sizeof(line) - 1)
		return 1;
	if (sys4(228 /* clock_gettime */, HI | 1 /* MONOTONIC */, (uintptr_t)&ts, 0, 0) != 0 ||
	    sys4(228, HI | 0 /* REALTIME */, (uintptr_t)&ts, 0, 0) != 0)
		return 2;
	printf("hi32: clocks read, wall %ld s\n", (long)ts.sec);
	/* the block device is at descriptor 3; the test wrote a marker at block 1 */
	if (sys4(17 /* pread64 */, HI | 3, (uintptr_t)block, sizeof(block), 512) !=
	    (long)sizeof(block))
		return 3;
	printf("hi32: block 1 says '%.15s'\n", block);
	if (sys4(18 /* pwrite64 */, HI | 3, (uintptr_t)block, sizeof(block), 1024) !=
	    (long)sizeof(block))
		return 4;
	/* no net device: nfds 0, a plain sleep (of no time) */
	ts.sec = ts.nsec = 0;
	if (sys4(271 /* ppoll */, 0, HI | 0, (uintptr_t)&ts, 0) != 0)
		return 5;
	printf("hi32: ppoll slept\n");
	sys4(231 /* exit_group */, HI | 7, 0, 0, 0);
	return 6;
}

int main(int argc, char **argv)
{
	const char *p = argc > 1 ? argv[1] : "";
	int step;

	if (!strcmp(p, "allowed")) {
		step = allowed();
		printf("hi32: step %d did not do what the kernel should\n", step);
		return 100 + step;
	}
	printf("hi32: probe %s\n", p);
	if (!strcmp(p, "stderr")) /* the console's number in the high word, stderr's in the low */
		sys4(1, 1ULL << 32 | 2, (uintptr_t)"hi32: wrote to stderr\n", 22, 0);
	else if (!strcmp(p, "boottime")) /* CLOCK_MONOTONIC high, CLOCK_BOOTTIME (7) low */
		sys4(228, 1ULL << 32 | 7, (uintptr_t)block, 0, 0);
	else if (!strcmp(p, "negative")) /* exit_group(-1): not a status <= 255 */
		sys4(231, (uint64_t)-1, 0, 0, 0);
	else if (!strcmp(p, "status256"))
		sys4(231, 256, 0, 0, 0);
	else
		return 2;
	printf("hi32: survived %s\n", p);
	return 0;
}
