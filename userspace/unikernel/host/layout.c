// SPDX-License-Identifier: GPL-2.0
// layout.c - places a unikernel in its memory: segments, start info, argv, heap, stack.
#include <errno.h>
#include <string.h>

#include "uk.h"

/* Start info and argv share these pages right above the image; args beyond them are refused. */
#define KISTE_UK_START_PAGES 2
#define PAGE		     4096ULL

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void *host(uintptr_t base, uint64_t addr)
{
	return (void *)(base + (uintptr_t)addr);
}

static int uk_put_argv(uintptr_t base, struct kiste_uk_start *si, uint64_t start,
		       const struct kiste_uk_opts *o, struct kiste_err *err)
{
	uint64_t end = start + KISTE_UK_START_PAGES * PAGE;
	uint64_t vec = align_up(start + sizeof(*si), 16);
	uint64_t str = vec + (uint64_t)(o->argc + 1) * 8;
	uint64_t *v = host(base, vec);
	size_t len;
	int i;

	if (str > end)
		goto too_big;
	for (i = 0; i < o->argc; i++) {
		len = strlen(o->argv[i]) + 1;
		if (len > end - str)
			goto too_big;
		memcpy(host(base, str), o->argv[i], len);
		v[i] = str;
		str += len;
	}
	v[o->argc] = 0;
	si->argv = vec;
	si->argc = o->argc;
	return 0;
too_big:
	return kiste_err_set(err, -E2BIG, "unikernel arguments exceed %llu bytes: shorten them",
			     KISTE_UK_START_PAGES * PAGE - sizeof(*si) - 16);
}

int kiste_uk_layout(uintptr_t base, uint64_t memory, const struct kiste_uk_image *img,
		    const struct kiste_uk_opts *o, const struct kiste_uk_devs *devs,
		    const uint64_t *calls, uint32_t flags, uint64_t *start_addr,
		    uint64_t *stack_top, struct kiste_err *err)
{
	uint64_t start = align_up(img->end, PAGE);
	uint64_t heap = start + KISTE_UK_START_PAGES * PAGE;
	uint64_t stack_lo = (memory & ~(PAGE - 1)) - KISTE_UK_STACK_SIZE;
	struct kiste_uk_start *si = host(base, start);
	uint32_t i;

	if (heap >= stack_lo)
		return kiste_err_set(err, -E2BIG,
				     "unikernel does not fit in %llu MiB: raise "
				     "--memory",
				     (unsigned long long)(memory >> 20));
	for (i = 0; i < img->nseg; i++) {
		const struct kiste_uk_seg *s = &img->seg[i];

		memcpy(host(base, s->vaddr), img->data + s->off, s->filesz);
		memset(host(base, s->vaddr + s->filesz), 0, s->memsz - s->filesz);
	}
	memset(si, 0, KISTE_UK_START_PAGES * PAGE);
	si->abi_version = KISTE_UK_ABI_VERSION;
	si->flags = flags;
	memcpy(si->calls, calls, KISTE_UK_CALL_COUNT * sizeof(si->calls[0]));
	si->ndevices = devs->ndev;
	for (i = 0; i < devs->ndev; i++)
		si->dev[i] = devs->dev[i].info;
	si->heap_start = heap;
	si->heap_size = stack_lo - heap;
	*start_addr = start;
	*stack_top = (memory & ~(PAGE - 1)) - 8; /* as if a return address had been pushed */
	return uk_put_argv(base, si, start, o, err);
}
