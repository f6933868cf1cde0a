// SPDX-License-Identifier: GPL-2.0
// heap.c - the unikernel SDK's allocator: first fit over the heap the start info grants.
#include "kiste_uk_sdk.h"

/*
 * One header per block, blocks laid end to end; free blocks are found by
 * walking, and a freed block merges with free successors.  Enough for the
 * small, long-lived allocations unikernels make; O(n) per call by design.
 */
struct blk {
	size_t size; /* payload bytes, multiple of 16 */
	size_t free;
};

#define ALIGN16(x) (((x) + 15) & ~(size_t)15)
#define HDR	   ALIGN16(sizeof(struct blk))

static unsigned char *heap_lo, *heap_hi;

void kiste_uk_heap_init(uintptr_t start, size_t size);

void kiste_uk_heap_init(uintptr_t start, size_t size)
{
	struct blk *b;

	heap_lo = (unsigned char *)ALIGN16(start);
	heap_hi = (unsigned char *)((start + size) & ~(uintptr_t)15);
	if (heap_hi <= heap_lo + HDR) {
		heap_lo = heap_hi = NULL;
		return;
	}
	b = (struct blk *)heap_lo;
	b->size = heap_hi - heap_lo - HDR;
	b->free = 1;
}

static struct blk *next_blk(struct blk *b)
{
	unsigned char *n = (unsigned char *)b + HDR + b->size;

	return n + HDR <= heap_hi ? (struct blk *)n : NULL;
}

void *malloc(size_t size)
{
	struct blk *b, *rest;

	if (!size || size > (size_t)(heap_hi - heap_lo))
		return NULL;
	size = ALIGN16(size);
	for (b = (struct blk *)heap_lo; b && heap_lo; b = next_blk(b)) {
		if (!b->free)
			continue;
		while (next_blk(b) && next_blk(b)->free)
			b->size += HDR + next_blk(b)->size;
		if (b->size < size)
			continue;
		if (b->size >= size + HDR + 16) {
			rest = (struct blk *)((unsigned char *)b + HDR + size);
			rest->size = b->size - size - HDR;
			rest->free = 1;
			b->size = size;
		}
		b->free = 0;
		return (unsigned char *)b + HDR;
	}
	return NULL;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	struct blk *b;

	if (!p)
		return;
	b = (struct blk *)((unsigned char *)p - HDR);
	b->free = 1;
	while (next_blk(b) && next_blk(b)->free)
		b->size += HDR + next_blk(b)->size;
}
