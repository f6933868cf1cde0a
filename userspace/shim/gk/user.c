// SPDX-License-Identifier: GPL-2.0
// user.c - access to workload memory that fails with EFAULT instead of crashing the workload.
#include "gk.h"

/*
 * The guest kernel runs inside the workload's SIGSYS handler: a fault there
 * would kill the workload.  So each page of a workload pointer is first
 * touched by the host kernel, through a one-byte pread/pwrite on the
 * launcher's probe memfd, which answers EFAULT where the page is missing or
 * lacks the access.  No thread can unmap a page between probe and use: there
 * are no threads.  (The guest kernel's own pages are workload-writable
 * anyway: integrity is the host layers' business, not this file's.)
 */
static int probe(unsigned long p, size_t n, long nr)
{
	unsigned long pg;

	if (!n)
		return 0;
	if (hs4(nr, gk.boot.probe_fd, p, 1, 0) != 1)
		return -EFAULT;
	for (pg = GK_PAGE_DOWN(p) + GK_PAGE; pg < p + n && pg > p; pg += GK_PAGE)
		if (hs4(nr, gk.boot.probe_fd, pg, 1, 0) != 1)
			return -EFAULT;
	return 0;
}

int gk_uread_ok(const void *p, size_t n)
{
	return probe((unsigned long)p, n, __NR_pwrite64);
}

/* Probing writes one byte per page: callers then write the whole range. */
int gk_uwrite_ok(void *p, size_t n)
{
	return probe((unsigned long)p, n, __NR_pread64);
}

/* Copies a NUL-terminated workload string: its length, -EFAULT or -ENAMETOOLONG. */
long gk_ustr(char *dst, const char *src, size_t n)
{
	unsigned long p = (unsigned long)src;
	size_t i;

	for (i = 0; i < n; i++, p++) {
		if ((i == 0 || !(p & (GK_PAGE - 1))) && probe(p, 1, __NR_pwrite64) < 0)
			return -EFAULT;
		dst[i] = *(const char *)p;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
