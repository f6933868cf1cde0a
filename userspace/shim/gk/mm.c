// SPDX-License-Identifier: GPL-2.0
// mm.c - the workload's memory calls: mmap family and brk, never touching the guest kernel's pages.
#include <linux/mman.h>

#include "gk.h"

#define GK_TASK_TOP 0x7ffffffff000UL

static int overlaps(unsigned long a, unsigned long alen, unsigned long b, unsigned long bend)
{
	unsigned long aend = a + alen;

	if (aend < a)
		return 1;
	return a < bend && b < aend;
}

/* The guest kernel's image, its trace switch, or a thread's area (thread.c). */
int gk_overlaps_self(unsigned long addr, unsigned long len)
{
	unsigned long a = GK_PAGE_DOWN(addr), n = GK_PAGE_UP(addr + len) - a;

	return overlaps(a, n, gk.boot.image_start, gk.boot.image_end) ||
	       (gk.boot.trace_switch &&
		overlaps(a, n, gk.boot.trace_switch, gk.boot.trace_switch + GK_PAGE)) ||
	       (a + n >= a && gk_thread_overlaps(a, n)) || gk_patch_overlaps(a, n);
}

/* Unmaps every gap between the ranges exec keeps: the guest kernel, the vvar and vDSO pages. */
void gk_unmap_all(void)
{
	struct gk_range keep[GK_MAX_KEEP + 1];
	unsigned int n = 0, i, j;
	/* Nothing of the workload's lies below the guest kernel (mmap refuses it there). */
	unsigned long at = gk.boot.image_end;

	for (i = 0; i < gk.boot.nkeep && i < GK_MAX_KEEP; i++)
		keep[n++] = gk.boot.keep[i];
	/* The caller's own thread area, when exec comes from a thread other than the first. */
	n += gk_thread_exec(&keep[n]);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && keep[j].start < keep[j - 1].start; j--) {
			struct gk_range t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (keep[i].start > at)
			hs2(__NR_munmap, at, keep[i].start - at);
		if (keep[i].end > at)
			at = keep[i].end;
	}
	if (at < GK_TASK_TOP)
		hs2(__NR_munmap, at, GK_TASK_TOP - at);
}

void gk_brk_reset(unsigned long end)
{
	gk.brk_start = GK_PAGE_UP(end);
	gk.brk_cur = gk.brk_start;
	gk.brk_mapped = gk.brk_start;
}

long sys_brk(struct gk_call *c)
{
	unsigned long want = c->a[0], top;
	long r;

	if (want < gk.brk_start)
		return gk.brk_cur;
	top = GK_PAGE_UP(want);
	if (top > gk.brk_mapped) {
		if (gk_overlaps_self(gk.brk_mapped, top - gk.brk_mapped))
			return gk.brk_cur;
		r = hs6(__NR_mmap, gk.brk_mapped, top - gk.brk_mapped, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (r < 0)
			return gk.brk_cur;
	} else if (top < gk.brk_mapped) {
		hs2(__NR_munmap, top, gk.brk_mapped - top);
	}
	gk.brk_mapped = top;
	gk.brk_cur = want;
	return want;
}

long sys_mmap(struct gk_call *c)
{
	unsigned long addr = c->a[0], len = c->a[1];
	long flags = c->a[3], r;

	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
	    (gk_overlaps_self(addr, len) || addr < gk.boot.image_end))
		return -EPERM;
	/* The workload's memory lies above the guest kernel: a low hint is dropped. */
	if (addr < gk.boot.image_end)
		addr = 0;
	/* Outside the host allowlist's mmap flags (allowlist.c). */
	if (flags & (MAP_HUGETLB | MAP_LOCKED))
		return -EPERM;
	if (!(flags & MAP_ANONYMOUS) && !gk_fd_ok(c->a[4]))
		return -EBADF;
	r = hs6(__NR_mmap, addr, len, c->a[2], flags, c->a[4], c->a[5]);
	if (r < 0 && r > -4096)
		return r;
	/* What was there is gone; private read-only-executable file pages may be patched (patch.c). */
	gk_patch_release(r, GK_PAGE_UP(len), 0);
	if ((flags & MAP_TYPE) == MAP_PRIVATE && !(flags & MAP_ANONYMOUS) &&
	    c->a[2] == (PROT_READ | PROT_EXEC))
		gk_patch_code(r, GK_PAGE_UP(len));
	return r;
}

static int madvise_ok(long advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
		return 1;
	}
	return 0;
}

/* munmap, mprotect, madvise, msync, mincore: (addr, len, ...) */
long sys_mrange(struct gk_call *c)
{
	long r;

	if (gk_overlaps_self(c->a[0], c->a[1]))
		return -EPERM;
	/* Below the guest kernel nothing is mapped. */
	if ((unsigned long)c->a[0] < gk.boot.image_end)
		return c->nr == __NR_munmap ? 0 : -ENOMEM;
	/* Arguments the host allowlist would kill for are refused here instead. */
	if (c->nr == __NR_mprotect && (c->a[2] & ~(long)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (c->nr == __NR_madvise && !madvise_ok(c->a[2]))
		return -EINVAL;
	/* Patched sites in code about to become anything but read-only-executable: the file's bytes back. */
	if (c->nr == __NR_mprotect && c->a[2] != (PROT_READ | PROT_EXEC))
		gk_patch_release(c->a[0], c->a[1], 1);
	r = hs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	if (c->nr == __NR_munmap && r == 0)
		gk_patch_release(c->a[0], c->a[1], 0);
	return r;
}

long sys_mremap(struct gk_call *c)
{
	if (gk_overlaps_self(c->a[0], c->a[1]))
		return -EPERM;
	if (c->a[3] & ~(long)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((unsigned long)c->a[0] < gk.boot.image_end)
		return -EFAULT;
	if ((c->a[3] & MREMAP_FIXED) &&
	    (gk_overlaps_self(c->a[4], c->a[2]) || (unsigned long)c->a[4] < gk.boot.image_end))
		return -EPERM;
	/* Growing in place could extend into the guest kernel's pages. */
	if (!(c->a[3] & MREMAP_FIXED) && gk_overlaps_self(c->a[0], c->a[2]))
		return -EPERM;
	/* Moved code would return to the old place from its patched sites: revert them first. */
	gk_patch_release(c->a[0], c->a[1], 1);
	if (c->a[3] & MREMAP_FIXED)
		gk_patch_release(c->a[4], c->a[2], 0);
	return hs5(__NR_mremap, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4]);
}
