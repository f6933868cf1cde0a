// SPDX-License-Identifier: GPL-2.0
// user.c - access to workload memory that fails with EFAULT instead of crashing the workload.
#include <linux/futex.h>

#include "gk.h"

/*
 * The guest kernel runs inside the workload's SIGSYS handler: a fault there
 * would kill the workload.  So each page of a workload pointer is first
 * touched by the host kernel, which answers EFAULT where the page is missing
 * or lacks the access.  No thread can unmap a page between probe and use while
 * the caller holds the big lock, except where the lock is let go (each such
 * place probes again).  (The guest kernel's own pages are workload-writable
 * anyway: integrity is the host layers' business, not this file's.)
 */

/* Nobody ever waits here: the write probe's FUTEX_WAKE_OP names it as its first word. */
static uint32_t nobody;

/*
 * Whether the 4-aligned word at @a is writable, without changing it: the host
 * adds 0 to it atomically (FUTEX_WAKE_OP), which faults as a write would.
 * Writing a byte to test it would race other threads' use of the word: a
 * clone's tid word read as 0 for a moment let pthread_join return before the
 * thread had run.  Its wakes (the kernel wakes one even when asked for none)
 * go to `nobody` and, only should the word hold 0xfffff800, to one waiter on
 * it: a spurious wake-up, which every futex user must take.
 */
int gk_uword_ok(unsigned long a)
{
	if (hs6(__NR_futex, &nobody, FUTEX_WAKE_OP_PRIVATE, 0, 0, a & ~3UL,
		FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0x800)) < 0)
		return -EFAULT;
	return 0;
}

/* Readable: a one-byte pwrite from each page to the launcher's probe memfd. */
int gk_uread_ok(const void *p, size_t n)
{
	unsigned long a = (unsigned long)p, pg;

	if (!n)
		return 0;
	if (hs4(__NR_pwrite64, gk.boot.probe_fd, a, 1, 0) != 1)
		return -EFAULT;
	for (pg = GK_PAGE_DOWN(a) + GK_PAGE; pg < a + n && pg > a; pg += GK_PAGE)
		if (hs4(__NR_pwrite64, gk.boot.probe_fd, pg, 1, 0) != 1)
			return -EFAULT;
	return 0;
}

/* Writable: each page's word probed without a store (gk_uword_ok); callers then write. */
int gk_uwrite_ok(void *p, size_t n)
{
	unsigned long a = (unsigned long)p, pg;

	if (!n)
		return 0;
	if (gk_uword_ok(a) < 0)
		return -EFAULT;
	for (pg = GK_PAGE_DOWN(a) + GK_PAGE; pg < a + n && pg > a; pg += GK_PAGE)
		if (gk_uword_ok(pg) < 0)
			return -EFAULT;
	return 0;
}

/* Copies a NUL-terminated workload string: its length, -EFAULT or -ENAMETOOLONG. */
long gk_ustr(char *dst, const char *src, size_t n)
{
	unsigned long p = (unsigned long)src;
	size_t i;

	for (i = 0; i < n; i++, p++) {
		if ((i == 0 || !(p & (GK_PAGE - 1))) && gk_uread_ok((const void *)p, 1) < 0)
			return -EFAULT;
		dst[i] = *(const char *)p;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
