// SPDX-License-Identifier: GPL-2.0
// calls.c - C start code and the typed wrappers around the start info's host-call table.
#include "kiste_uk_sdk.h"

typedef int64_t (*uk_fn)(uint64_t, uint64_t, uint64_t, uint64_t);

static const struct kiste_uk_start *si;

void kiste_uk_heap_init(uintptr_t start, size_t size);
__attribute__((noreturn)) void kiste_uk_cstart(const struct kiste_uk_start *start);

static int64_t call(enum kiste_uk_call nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uk_fn fn = (uk_fn)(uintptr_t)si->calls[nr];

	return fn(a0, a1, a2, a3);
}

void kiste_uk_cstart(const struct kiste_uk_start *start)
{
	si = start;
	if (si->abi_version != KISTE_UK_ABI_VERSION) {
		/* The call table layout may differ too: EXIT is the only safe slot to try. */
		call(KISTE_UK_CALL_EXIT, 126, 0, 0, 0);
	}
	kiste_uk_heap_init(si->heap_start, si->heap_size);
	uk_exit(main((int)si->argc, (char **)(uintptr_t)si->argv));
}

const struct kiste_uk_start *uk_start_info(void)
{
	return si;
}

const struct kiste_uk_devinfo *uk_device(const char *name)
{
	uint32_t i;

	for (i = 0; i < si->ndevices && i < KISTE_UK_MAX_DEVICES; i++)
		if (!strcmp(si->dev[i].name, name))
			return &si->dev[i];
	return NULL;
}

long uk_console_write(const void *buf, size_t len)
{
	return call(KISTE_UK_CALL_CONSOLE_WRITE, (uintptr_t)buf, len, 0, 0);
}

uint64_t uk_clock_monotonic(void)
{
	return call(KISTE_UK_CALL_CLOCK_MONOTONIC, 0, 0, 0, 0);
}

uint64_t uk_clock_wall(void)
{
	return call(KISTE_UK_CALL_CLOCK_WALL, 0, 0, 0, 0);
}

int uk_yield(uint64_t deadline_ns, uint64_t *ready_set)
{
	return call(KISTE_UK_CALL_YIELD, deadline_ns, (uintptr_t)ready_set, 0, 0);
}

int uk_block_read(unsigned int handle, uint64_t off, void *buf, size_t len)
{
	return call(KISTE_UK_CALL_BLOCK_READ, handle, off, (uintptr_t)buf, len);
}

int uk_block_write(unsigned int handle, uint64_t off, const void *buf, size_t len)
{
	return call(KISTE_UK_CALL_BLOCK_WRITE, handle, off, (uintptr_t)buf, len);
}

int uk_net_read(unsigned int handle, void *buf, size_t size, size_t *n)
{
	uint64_t got = 0;
	int ret = call(KISTE_UK_CALL_NET_READ, handle, (uintptr_t)buf, size, (uintptr_t)&got);

	*n = got;
	return ret;
}

int uk_net_write(unsigned int handle, const void *buf, size_t len)
{
	return call(KISTE_UK_CALL_NET_WRITE, handle, (uintptr_t)buf, len, 0);
}

void uk_exit(int status)
{
	call(KISTE_UK_CALL_EXIT, (uint64_t)status & 0xff, 0, 0, 0);
	for (;;)
		;
}
