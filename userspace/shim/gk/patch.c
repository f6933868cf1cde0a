// SPDX-License-Identifier: GPL-2.0
// patch.c - patched syscall sites: a trapped `mov $NR, %eax; syscall` becomes a jump into the gate.
#include <linux/mman.h>

#include "gk.h"
#include "patch.h"

/*
 * After a site traps, the guest kernel rewrites it in one of two forms.
 *
 * The far form, `mov $NR, %eax; syscall` (b8 NR 0f 05): its first five bytes
 * become `ff 24 25 SLOT` (`jmp *SLOT`), the old `syscall` (0f 05) being the
 * disp32's two high bytes, so a thread standing at site + 5 (preempted there,
 * or a signal frame's saved rip) still executes `syscall` and traps as
 * before.  Slot k lies in the fixed region GK_PATCH_SLOTS.
 *
 * The near form, any other `syscall` (glibc's read: `xor %eax, %eax; syscall;
 * cmp $-4096, %rax`): only the two bytes of the instruction become `ff 25`
 * (`jmp *rel32(%rip)`), whose rel32 is the four bytes that follow, left as
 * they were: a thread standing after the syscall still runs the instruction
 * that was there.  The slot is wherever those four bytes point (for glibc's
 * `cmp $-4096, %rax`, 256 MiB below the site), on a read-only page of the
 * guest kernel's mapped there when the place is free (near_map).  The call's
 * number is the workload's rax there, not the site's own: an entry with
 * another number than the one the site trapped with (a jump from elsewhere to
 * its syscall instruction) gives the site its syscall back for good and
 * returns to it, to trap (near_mismatch).
 *
 * The bytes change in one locked compare-and-swap of the aligned 8 bytes that
 * hold them, or else of the aligned 16 (cmpxchg16b), so no thread can fetch a
 * mix; a site whose bytes cross a 16-byte boundary keeps trapping (in Debian
 * 12's libc: 352 far sites fit, 153 more sites take the near form, 21 of the
 * 526 neither).  Each slot (read-only to the workload, whose mmap, mprotect
 * and munmap the guest kernel refuses over the fixed region and makes it give
 * up a near page for) holds the address of the gate's stub k (entry.S), which
 * enters gk_fast() with k.  No two patched sites share a byte: each owns its
 * changed bytes and, in the near form, the four its jump reads.
 *
 * Only sites in private, file-backed, read-only-executable mappings are
 * patched: the loader's own and the workload's mmaps of that form (`code`
 * below), nothing shared, writable or anonymous.  The text page is written
 * under a temporary PROT_READ|PROT_WRITE|PROT_EXEC (it stays executable for
 * the threads running in it), with the big lock held.  A range the workload
 * makes writable, moves or remaps gets its sites' original bytes back first
 * (gk_patch_release); a range it unmaps or maps over just forgets them.
 */
#define GK_PATCH_CODE 256

#define GK_PATCH_NEAR 128	/* pages of near slots per image */
#define GK_NEAR_REL 2		/* a near site's rel32 follows its two changed bytes */
#define GK_SITE_FAR 7		/* bytes a site owns: the far form's mov and syscall */
#define GK_SITE_NEAR 6		/* the near form's syscall and the rel32 after it */

/*
 * Written once before the site's bytes point at its slot, never changed after
 * (gk_fast reads them unlocked), but for `bad`, set under the big lock.
 */
struct psite {
	unsigned long site;	/* its first changed byte: the mov (far) or the syscall (near) */
	unsigned long slot : 48;	/* a user address */
	unsigned long nr : 12;
	unsigned long near : 1;
	unsigned long bad : 1;	/* never patched (again): no slot, or entered with another call */
};
_Static_assert(sizeof(struct psite) == 16, "the site table's size moves the guest kernel's end");
_Static_assert(GK_NSYS <= 4096, "a call's number does not fit psite.nr");

struct code {
	unsigned long start, end;
};

static struct psite sites[GK_PATCH_MAX];
/* The quick entry (entry.S): on (FSGSBASE), and per site: its call is not about the mask. */
int gk_patch_quick;
unsigned char gk_patch_site_quick[GK_PATCH_MAX];
static unsigned char gone[GK_PATCH_MAX];	/* reverted, unmapped or replaced */
static unsigned int nsites;
static struct code code[GK_PATCH_CODE];
static unsigned int ncode;
/* 0: not mapped yet in this image; 1: mapped; -1: the place was taken, no patching */
static int slots_state;
static unsigned long near_page[GK_PATCH_NEAR];
static unsigned int nnear;
static unsigned long stat_patched, stat_traps, stat_fast, stat_quick, stat_deferred;

/*
 * The sites that trapped once since this image's exec, by the address their
 * syscall returns to (an open-addressed set).  A site is patched at its
 * second trap: the many that run once, while a program starts, never cost
 * the copy of a text page and the mprotects a patch takes (`/bin/true`:
 * 14 sites patched at their first trap, 6 at their second).  A set too full
 * to take another patches at once.
 */
#define GK_SEEN_BITS 10
#define GK_SEEN (1u << GK_SEEN_BITS)
#define GK_SEEN_PROBE 16
static unsigned long seen[GK_SEEN];

extern const unsigned char gk_fast_stubs[], gk_fast_stubs_end[];

_Static_assert(sizeof(struct gk_ucontext) <= GK_FAST_UC, "GK_FAST_UC is too small");
_Static_assert(offsetof(struct gk_thread, dfr_pending) == GK_T_DFR_PENDING, "patch.h's offsets");
_Static_assert(offsetof(struct gk_thread, fast_busy) == GK_T_FAST_BUSY, "patch.h's offsets");
_Static_assert(GK_TAREA == GK_TAREA_ASM, "patch.h's area size");
_Static_assert(sizeof(struct gk_thread) <= GK_DFR_FP, "the record overlaps the deferred FPU state");
_Static_assert(GK_DFR_FP + GK_DFR_FP_MAX + 64 * 1024 <= GK_QUICK_TOP, "too little quick stack");

_Static_assert(GK_PATCH_MAX * 8 <= GK_PATCH_SLOTS_LEN, "the slots do not fit their region");

/* Syscalls a patched entry never serves: they want the trap's own frame or never return. */
static int nr_patchable(long nr)
{
	switch (nr) {
	case __NR_rt_sigreturn: case __NR_clone: case __NR_fork: case __NR_vfork:
	case __NR_execve: case __NR_execveat: case __NR_exit: case __NR_exit_group:
	case __NR_clone3:
		return 0;
	}
	return nr >= 0 && nr < GK_NSYS;
}

/*
 * Calls the quick entry leaves to the other: they read or set the mask the
 * trap's frame holds (the quick entry never touches the host's), or wait
 * for a signal with it.
 */
static int nr_quick(long nr)
{
	switch (nr) {
	case __NR_rt_sigprocmask: case __NR_rt_sigsuspend: case __NR_pause:
	case __NR_rt_sigtimedwait:
		return 0;
	}
	return 1;
}

static int patch_enabled(void)
{
	return !(gk.boot.flags & GK_BOOT_F_NOPATCH);
}

static int near_give_back(unsigned long a, unsigned long n);

/*
 * The fixed slot region is the guest kernel's while it is mapped
 * (gk_overlaps_self).  A near page in [a, a + n) is the workload's to take,
 * as the place is natively: its sites get their syscalls back and the page
 * goes first (1, refused, only when a site there could not be reverted).
 */
int gk_patch_overlaps(unsigned long a, unsigned long n)
{
	if (nnear && near_give_back(a, n) < 0)
		return 1;
	return slots_state == 1 && a < GK_PATCH_SLOTS + GK_PATCH_SLOTS_LEN &&
	       GK_PATCH_SLOTS < a + n;
}

/* A new image (exec unmapped everything of the old one, the slots too). */
void gk_patch_exec(void)
{
	memset(seen, 0, sizeof(seen));
	memset(gone, 0, sizeof(gone));
	memset(sites, 0, nsites * sizeof(sites[0]));
	nsites = 0;
	ncode = 0;
	nnear = 0;
	slots_state = 0;
}

/* [start, start + len) is a private, file-backed, read-only-executable mapping now. */
void gk_patch_code(unsigned long start, unsigned long len)
{
	unsigned int i;

	if (!patch_enabled() || !len)
		return;
	for (i = 0; i < ncode; i++)
		if (code[i].start == start && code[i].end == start + len)
			return;
	if (ncode == GK_PATCH_CODE)
		return;
	code[ncode].start = start;
	code[ncode].end = start + len;
	ncode++;
}

static int in_code(unsigned long a, unsigned long n)
{
	unsigned int i;

	for (i = 0; i < ncode; i++)
		if (a >= code[i].start && a + n <= code[i].end)
			return 1;
	return 0;
}

/* One locked compare-and-swap of the aligned 16 bytes at @p (cmpxchg16b). */
static int cas16(unsigned long *p, unsigned long *old, const unsigned long *new)
{
	unsigned char ok;

	__asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
			 : "=q"(ok), "+m"(*(volatile unsigned long(*)[2])p), "+a"(old[0]), "+d"(old[1])
			 : "b"(new[0]), "c"(new[1])
			 : "memory", "cc");
	return ok;
}

/* The @n bytes at @site change in one locked write: within one aligned 8 or 16 bytes. */
static int site_fits(unsigned long site, unsigned int n)
{
	return (site & 7) + n <= 8 || (site & 15) + n <= 16;
}

/*
 * Replaces the @n bytes at @site, which must read @from, by @to, in one
 * compare-and-swap of their aligned 8 bytes (or 16: cmpxchg16b), the page
 * writable and still executable meanwhile.  0 when the bytes changed.
 */
static int site_swap(unsigned long site, unsigned int n, const unsigned char *from,
		     const unsigned char *to)
{
	unsigned long page = GK_PAGE_DOWN(site), at;
	union {
		unsigned long w[2];
		unsigned char b[16];
	} old, new;
	unsigned int off, i;
	int ok = 0, wide;

	if (!site_fits(site, n))
		return -1;
	wide = (site & 7) + n > 8;
	at = wide ? site & ~15UL : site & ~7UL;
	off = site - at;
	if (hs3(__NR_mprotect, page, GK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return -1;
	old.w[0] = __atomic_load_n((unsigned long *)at, __ATOMIC_RELAXED);
	old.w[1] = wide ? __atomic_load_n((unsigned long *)at + 1, __ATOMIC_RELAXED) : 0;
	new = old;
	for (i = 0; i < n && old.b[off + i] == from[i]; i++)
		new.b[off + i] = to[i];
	if (i == n && !wide)
		ok = __atomic_compare_exchange_n((unsigned long *)at, &old.w[0], new.w[0], 0,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	else if (i == n)
		ok = cas16((unsigned long *)at, old.w, new.w);
	hs3(__NR_mprotect, page, GK_PAGE, PROT_READ | PROT_EXEC);
	return ok ? 0 : -1;
}

/* Site @p's changed bytes, @patched or as the file has them; their count. */
static unsigned int site_bytes(unsigned char *b, const struct psite *p, int patched)
{
	if (p->near) {
		b[0] = patched ? 0xff : 0x0f;	/* jmp *rel32(%rip): ff /4, ModRM 0x25 */
		b[1] = patched ? 0x25 : 0x05;	/* syscall */
		return 2;
	}
	if (patched) {
		b[0] = 0xff;	/* jmp *disp32: ff /4, SIB 0x25 (no base, no index) */
		b[1] = 0x24;
		b[2] = 0x25;
		b[3] = p->slot & 0xff;
		b[4] = (p->slot >> 8) & 0xff;
	} else {
		b[0] = 0xb8;	/* mov $nr, %eax */
		b[1] = p->nr & 0xff;
		b[2] = (p->nr >> 8) & 0xff;
		b[3] = (p->nr >> 16) & 0xff;
		b[4] = (p->nr >> 24) & 0xff;
	}
	return 5;
}

/* Puts site @k's bytes back as the file has them: 0 when they are (again). */
static int site_revert(unsigned int k)
{
	unsigned char from[5], to[5];
	unsigned int n = site_bytes(from, &sites[k], 1);

	site_bytes(to, &sites[k], 0);
	if (site_swap(sites[k].site, n, from, to) == 0)
		return 0;
	return gk_uread_ok((const void *)sites[k].site, n) == 0 &&
	       !memcmp((const void *)sites[k].site, to, n) ? 0 : -1;
}

static unsigned int site_len(const struct psite *p)
{
	return p->near ? GK_SITE_NEAR : GK_SITE_FAR;
}

/* No other site entry (patched now or again later) owns a byte of [a, a + n). */
static int site_free(unsigned long a, unsigned int n, unsigned int self)
{
	unsigned int i;

	for (i = 0; i < nsites; i++)
		if (i != self && !sites[i].bad && a < sites[i].site + site_len(&sites[i]) &&
		    sites[i].site < a + n)
			return 0;
	return 1;
}

static int slots_map(void)
{
	long r;

	if (slots_state)
		return slots_state;
	r = hs6(__NR_mmap, GK_PATCH_SLOTS, GK_PATCH_SLOTS_LEN, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	slots_state = r == GK_PATCH_SLOTS ? 1 : -1;
	if (r >= 0 && r != GK_PATCH_SLOTS)	/* a kernel without FIXED_NOREPLACE: a hint */
		hs2(__NR_munmap, r, GK_PATCH_SLOTS_LEN);
	return slots_state;
}

static int near_find(unsigned long page)
{
	unsigned int i;

	for (i = 0; i < nnear; i++)
		if (near_page[i] == page)
			return (int)i;
	return -1;
}

/* The page of a near slot, mapped read-only when the place is free: 0, or -1. */
static int near_map(unsigned long page)
{
	long r;

	if (near_find(page) >= 0)
		return 0;
	if (nnear == GK_PATCH_NEAR)
		return -1;
	r = hs6(__NR_mmap, page, GK_PAGE, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (r != (long)page) {
		if (r >= 0)
			hs2(__NR_munmap, r, GK_PAGE);
		return -1;
	}
	near_page[nnear++] = page;
	return 0;
}

/*
 * The near pages in [a, a + n) go back to the workload: their sites get their
 * syscalls back first (a site whose code is gone needs none).  -1 when one
 * could not be, its page kept.
 */
static int near_give_back(unsigned long a, unsigned long n)
{
	unsigned int i, k;
	int r = 0, ok;

	for (i = 0; i < nnear; i++) {
		unsigned long p = near_page[i];

		if (p + GK_PAGE <= a || p >= a + n)
			continue;
		ok = 1;
		for (k = 0; k < nsites; k++)
			if (sites[k].near && !sites[k].bad && !gone[k] &&
			    (GK_PAGE_DOWN(sites[k].slot) == p || GK_PAGE_DOWN(sites[k].slot + 7) == p)) {
				if (site_revert(k) < 0)
					ok = 0;
				else
					gone[k] = 1;
			}
		if (!ok) {
			r = -1;
			continue;
		}
		hs2(__NR_munmap, p, GK_PAGE);
		near_page[i--] = near_page[--nnear];
	}
	return r;
}

/* Slot @k holds the address of the gate's stub k (a near slot may span two pages). */
static int slot_set(unsigned int k)
{
	unsigned long slot = sites[k].slot, page = GK_PAGE_DOWN(slot);
	unsigned long len = GK_PAGE_UP(slot + 8) - page;
	unsigned long stub = (unsigned long)gk_fast_stubs + GK_PATCH_STUB * k;

	if (hs3(__NR_mprotect, page, len, PROT_READ | PROT_WRITE) < 0)
		return -1;
	memcpy((void *)slot, &stub, sizeof(stub));	/* unaligned for a near slot */
	hs3(__NR_mprotect, page, len, PROT_READ);
	return 0;
}

/*
 * The site entry for @site (far or @near) and @nr: the one it had before
 * (patched once, then reverted by the file's own bytes after MADV_DONTNEED or
 * given back with its near page: the same slot), or a new one.  -1 when the
 * table is full or the site is bad: a near one that trapped with two numbers
 * is; a far one with a new number is other code mapped at the same place.
 */
static int site_entry(unsigned long site, long nr, int near, unsigned long slot)
{
	unsigned int k;

	for (k = 0; k < nsites; k++) {
		if (sites[k].site != site || sites[k].near != near)
			continue;
		/* Other code mapped here (its slot elsewhere): the old entry retires. */
		if (near && sites[k].slot != slot && gone[k]) {
			sites[k].bad = 1;
			continue;
		}
		if (near && (sites[k].bad || sites[k].nr != nr || sites[k].slot != slot)) {
			if (gone[k])
				sites[k].bad = 1;
			return -1;
		}
		if (sites[k].bad)
			continue;
		if (sites[k].nr == nr)
			return (int)k;
		sites[k].bad = 1;
	}
	if (nsites == GK_PATCH_MAX)
		return -1;
	sites[nsites].site = site;
	sites[nsites].slot = slot;
	sites[nsites].nr = (int)nr;
	sites[nsites].near = near;
	sites[nsites].bad = 0;
	gk_patch_site_quick[nsites] = nr_quick(nr);
	return (int)nsites++;
}

/* No other near slot shares a byte with the one at @slot. */
static int slot_free(unsigned long slot, unsigned int self)
{
	unsigned int i;

	for (i = 0; i < nsites; i++)
		if (i != self && sites[i].near && !sites[i].bad && slot < sites[i].slot + 8 &&
		    sites[i].slot < slot + 8)
			return 0;
	return 1;
}

/* Points site @k at its slot; 0 when patched. */
static int site_patch(unsigned int k)
{
	unsigned char from[5], to[5];
	unsigned int n = site_bytes(from, &sites[k], 0);

	site_bytes(to, &sites[k], 1);
	if (!site_free(sites[k].site, site_len(&sites[k]), k) || slot_set(k) < 0 ||
	    site_swap(sites[k].site, n, from, to) < 0)
		return -1;
	gone[k] = 0;
	stat_patched++;
	return 0;
}

/* The far form: `b8 NR 0f 05` ending at @rip.  0 when patched. */
static int patch_far(long nr, unsigned long rip)
{
	unsigned long site = rip - GK_SITE_FAR;
	unsigned char want[GK_SITE_FAR] = { 0xb8, nr & 0xff, (nr >> 8) & 0xff, (nr >> 16) & 0xff,
					    (nr >> 24) & 0xff, 0x0f, 0x05 };
	int k;

	if (rip < GK_SITE_FAR || !site_fits(site, 5) || !in_code(site, GK_SITE_FAR) ||
	    gk_uread_ok((const void *)site, GK_SITE_FAR) < 0 ||
	    memcmp((const void *)site, want, GK_SITE_FAR))
		return -1;
	if (slots_map() < 0)
		return -1;
	k = site_entry(site, nr, 0, GK_PATCH_SLOTS + 8UL * (unsigned long)nsites);
	return k < 0 ? -1 : site_patch(k);
}

/*
 * The near form: the `syscall` ending at @rip, its slot where the four bytes
 * after it point, below the site, above the guest kernel, within one page and
 * out of the fixed region.  A site whose place is taken is marked bad (no
 * second mmap for every later trap there).
 */
static void patch_near(long nr, unsigned long rip)
{
	unsigned long sc = rip - GK_NEAR_REL, slot;
	int k, rel;

	if (rip < GK_NEAR_REL || !site_fits(sc, 2) || !in_code(sc, GK_SITE_NEAR) ||
	    gk_uread_ok((const void *)sc, GK_SITE_NEAR) < 0 ||
	    ((const unsigned char *)sc)[0] != 0x0f || ((const unsigned char *)sc)[1] != 0x05)
		return;
	memcpy(&rel, (const void *)rip, 4);
	slot = rip + 4 + (long)rel;
	if (rel >= 0 || slot < gk.boot.image_end ||
	    (slot < GK_PATCH_SLOTS + GK_PATCH_SLOTS_LEN && GK_PATCH_SLOTS < slot + 8))
		return;
	k = site_entry(sc, nr, 1, slot);
	if (k < 0)
		return;
	/* A conflict or a place taken does not pass: no second mmap at every later trap. */
	if (!slot_free(slot, k) || !site_free(sc, GK_SITE_NEAR, k) ||
	    near_map(GK_PAGE_DOWN(slot)) < 0 || near_map(GK_PAGE_DOWN(slot + 7)) < 0 ||
	    site_patch(k) < 0)
		sites[k].bad = 1;
}

/* Whether the site returning to @rip trapped before (`seen`); records it when not. */
static int seen_before(unsigned long rip)
{
	unsigned int h = (unsigned int)((rip * 0x9e3779b97f4a7c15UL) >> (64 - GK_SEEN_BITS));
	unsigned int i;

	for (i = 0; i < GK_SEEN_PROBE; i++, h = (h + 1) & (GK_SEEN - 1)) {
		if (seen[h] == rip)
			return 1;
		if (!seen[h]) {
			seen[h] = rip;
			return 0;
		}
	}
	return 1;
}

/*
 * The trap of @nr just returned from the site whose syscall ends at @rip:
 * at its second trap, patches it in the far form when it is `b8 NR 0f 05`,
 * else in the near form (@rip 0: it returns elsewhere, only counted).  Big
 * lock held.
 */
void gk_patch_trapped(long nr, unsigned long rip)
{
	stat_traps++;
	if (!patch_enabled() || !nr_patchable(nr) || !rip || !in_code(rip - 2, 2) ||
	    !seen_before(rip))
		return;
	if (patch_far(nr, rip) < 0)
		patch_near(nr, rip);
}

/*
 * The workload is about to make [a, a + n) other than read-only-executable
 * code (@revert: its patched sites get their original bytes back first) or
 * to unmap or replace it (they are forgotten).  Either way no new site there
 * is patched until it is mapped again.  Big lock held.
 */
void gk_patch_release(unsigned long a, unsigned long n, int revert)
{
	unsigned int i;

	for (i = 0; i < ncode; i++)
		if (a < code[i].end && code[i].start < a + n) {
			code[i] = code[--ncode];
			i--;
		}
	for (i = 0; i < nsites; i++) {
		unsigned long s = sites[i].site;

		if (gone[i] || sites[i].bad || s + site_len(&sites[i]) <= a || s >= a + n)
			continue;
		if (revert)
			site_revert(i);
		gone[i] = 1;
	}
}

/*
 * A near site entered with another call than the one it was patched for (a
 * jump from elsewhere to its syscall instruction, with another rax): the site
 * gets its syscall back for good and the entry returns to it, to trap as
 * before.  0 when it has it back (also when another thread's entry, racing
 * this one, put it back first).  A revert that fails (mprotect refused) leaves
 * the site patched and tracked as it was.  Takes the big lock.
 */
static int near_mismatch(unsigned int k)
{
	int r = -1;

	gk_lock();
	if (site_revert(k) == 0) {
		gone[k] = 1;
		sites[k].bad = 1;
		r = 0;
	}
	gk_unlock();
	return r;
}

_Static_assert(sizeof(struct gk_fsave) == GK_FS_SIZE, "patch.h's save area layout");
_Static_assert(offsetof(struct gk_fsave, ss) == GK_FS_SS, "patch.h's save area layout");
_Static_assert(offsetof(struct gk_fsave, rax) == GK_FS_RAX, "patch.h's save area layout");

/*
 * A patched site's entry (entry.S's gk_fast_common): @s is the save area
 * below the workload's red zone, @uc room on the entry stack.  Builds the
 * context the trap's frame would have held, serves the call as the trap does
 * (gk_serve), and returns the save area to return with: below the red zone
 * of the context's stack pointer, which a call may have changed.
 */

static int fast_in(const struct gk_fsave *s, struct gk_ucontext *uc, int quick)
{
	struct sigcontext *m = &uc->uc_mcontext;
	unsigned long k = s->k, ret, nr;
	int serve = 1;

	/* A jump to the common entry with another r11 is the workload's own doing. */
	if (k >= GK_PATCH_MAX || !sites[k].site)
		gk_die(125, "kiste: a patched syscall site's slot %lu is not in use\n", k);
	ret = sites[k].site + (sites[k].near ? GK_NEAR_REL : GK_SITE_FAR);
	nr = sites[k].near ? s->rax : (unsigned long)sites[k].nr;
	/* A near site entered with another number: back to its syscall, which traps now. */
	if (nr != (unsigned long)(long)sites[k].nr) {
		if (near_mismatch(k) == 0)
			ret = sites[k].site;
		else if (!nr_patchable((long)nr) || (quick && !nr_quick((long)nr)))
			gk_die(125, "kiste: a patched syscall site was entered with call %ld, which it "
			       "cannot serve\n", (long)nr);
		serve = ret != sites[k].site;
	}
	memset(uc, 0, sizeof(*uc));
	m->rdi = s->rdi;
	m->rsi = s->rsi;
	m->rdx = s->rdx;
	m->r10 = s->r10;
	m->r8 = s->r8;
	m->r9 = s->r9;
	m->rbx = s->rbx;
	m->rbp = s->rbp;
	m->r12 = s->r12;
	m->r13 = s->r13;
	m->r14 = s->r14;
	m->r15 = s->r15;
	m->rax = nr;
	m->rcx = ret;
	m->r11 = s->flags;
	m->rip = ret;
	m->eflags = s->flags;
	m->rsp = (unsigned long)s + 128 + GK_FS_SIZE;
	m->cs = 0x33;
	m->ss = 0x2b;
	return serve;
}

static struct gk_fsave *fast_out(const struct gk_ucontext *uc)
{
	const struct sigcontext *m = &uc->uc_mcontext;
	struct gk_fsave *o = (struct gk_fsave *)(m->rsp - 128 - GK_FS_SIZE);

	o->flags = m->eflags;
	o->rdi = m->rdi;
	o->rsi = m->rsi;
	o->rdx = m->rdx;
	o->r10 = m->r10;
	o->r8 = m->r8;
	o->r9 = m->r9;
	o->rbx = m->rbx;
	o->rbp = m->rbp;
	o->r12 = m->r12;
	o->r13 = m->r13;
	o->r14 = m->r14;
	o->r15 = m->r15;
	o->mask = uc->uc_sigmask;
	o->ss.sp = (unsigned long)uc->uc_stack.ss_sp;
	o->ss.flags = uc->uc_stack.ss_flags;
	o->ss.size = uc->uc_stack.ss_size;
	o->rax = m->rax;
	o->rip = m->rip;
	return o;
}

struct gk_fsave *gk_fast(struct gk_fsave *s, struct gk_ucontext *uc);
struct gk_fsave *gk_fast(struct gk_fsave *s, struct gk_ucontext *uc)
{
	int serve = fast_in(s, uc, 0);

	uc->uc_stack.ss_sp = (void *)s->ss.sp;
	uc->uc_stack.ss_flags = s->ss.flags;
	uc->uc_stack.ss_size = s->ss.size;
	uc->uc_sigmask = s->mask;
	if (serve)
		gk_serve(uc, 1);
	return fast_out(uc);
}

/*
 * The quick entry (entry.S, thread @t from %gs): no host call of its own.
 * The host's mask stays the workload's (so the calls that are about the mask
 * never come here: nr_quick) and the host alternate stack stays armed: this
 * runs in the area's lower part, below GK_QUICK_TOP, while a signal's frame
 * comes at the area's top.  A caught signal outside a blocking point is
 * deferred (gk_sig_defer: taken, blocked, its siginfo and FPU state kept) and
 * delivered at the exit (gk_fast_deliver), as if it came right after the
 * call; at a blocking point (gk_host_blocking: t->call_uc set, the big lock
 * released) it runs at once, as with the trap, and can interrupt the call.
 */
struct gk_fsave *gk_fast_quick(struct gk_fsave *s, struct gk_ucontext *uc, struct gk_thread *t);
struct gk_fsave *gk_fast_quick(struct gk_fsave *s, struct gk_ucontext *uc, struct gk_thread *t)
{
	/*
	 * No blocking point is live when an entry begins (gk_sig_defer reads
	 * call_uc as one): a handler that left a blocking call by siglongjmp
	 * leaves its call_uc behind, and a signal taken here then would run its
	 * handler with the big lock held (and a siglongjmp from it never lets go).
	 * A live one of an outer call (this entry made by a handler that runs at
	 * it) comes back at the exit.
	 */
	const struct gk_ucontext *outer = t->call_uc;
	struct gk_fsave *o;
	int serve;

	t->call_uc = NULL;
	serve = fast_in(s, uc, 1);
	uc->uc_flags = GK_UC_QUICK;
	uc->uc_stack.ss_sp = t;
	uc->uc_stack.ss_flags = GK_SS_AUTODISARM;
	uc->uc_stack.ss_size = GK_TAREA;
	if (serve)
		gk_serve(uc, 1);
	o = fast_out(uc);
	t->call_uc = outer;
	return o;
}

/* The thread whose area %gs's base is (set by gk_patch_thread), or NULL. */
struct gk_thread *gk_quick_self(void)
{
	unsigned long g;

	if (!gk_patch_quick)
		return NULL;
	__asm__ volatile("rdgsbase %0" : "=r"(g));
	if (!g || (g & (GK_TAREA - 1)) || !gk_thread_at(g))
		return NULL;
	return (struct gk_thread *)g;
}

/* Every thread's %gs base is its area, when the CPU lets user code set it (FSGSBASE). */
void gk_patch_thread(struct gk_thread *t)
{
	if (gk_patch_quick)
		__asm__ volatile("wrgsbase %0" : : "r"(t) : "memory");
}

void gk_patch_boot(struct gk_thread *main_area)
{
	gk_patch_quick = patch_enabled() && (gk.boot.flags & GK_BOOT_F_FSGSBASE);
	gk_patch_thread(main_area);
}

/* A signal taken in a quick entry was delivered at its exit (defer.c), any lock or none. */
void gk_patch_count_deferred(void)
{
	__atomic_fetch_add(&stat_deferred, 1, __ATOMIC_RELAXED);
}

/* Counted under the big lock by gk_serve. */
void gk_patch_count_fast(const struct gk_ucontext *uc)
{
	stat_fast++;
	if (uc->uc_flags & GK_UC_QUICK)
		stat_quick++;
}

/* --trace-summary's line: sites patched, calls that trapped, calls through patched sites. */
void gk_patch_summary(void)
{
	char line[160];
	int pid = (int)gk_to_guest_pid(hs0(__NR_getpid));

	snprintf(line, sizeof(line),
		 "kiste-shim[%d] patch: %lu sites patched, %lu calls trapped, %lu calls patched "
		 "(%lu quick, %lu signals deferred)%s\n",
		 pid, stat_patched, stat_traps, stat_fast, stat_quick, stat_deferred,
		 patch_enabled() ? (slots_state < 0 ? " (slot region taken)" : "") : " (--no-patch)");
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}

void gk_patch_forked(void)
{
	stat_patched = stat_traps = stat_fast = stat_quick = stat_deferred = 0;
}
