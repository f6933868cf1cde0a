// SPDX-License-Identifier: GPL-2.0
// bindings_x86_64.c - the freestanding host-call bindings of process isolation: raw syscall stubs.
/*
 * Part of the bindings blob (blob.ld), built -ffreestanding without libc,
 * sanitizers or stack protector: after the seccomp filter is installed these
 * are the only code that may reach the host, and only through the seven
 * syscalls the filter admits.  They read the devices from the hand-over block
 * in the blob's own memory.
 */
#include <asm/unistd.h>
#include <linux/time.h>

#include "blob.h"

/* Filled by the launcher before the blob is entered (bindings.h). */
struct uk_handover uk_ho;

static int64_t b_console_write(uint64_t buf, uint64_t len, uint64_t a2, uint64_t a3)
{
	(void)a2, (void)a3;
	return uk_sys4(__NR_write, KISTE_UK_CONSOLE_FD, buf, len, 0);
}

static uint64_t b_clock(long id)
{
	struct timespec ts;

	if (uk_sys4(__NR_clock_gettime, id, (long)&ts, 0, 0) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int64_t b_clock_mono(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return b_clock(CLOCK_MONOTONIC);
}

static int64_t b_clock_wall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return b_clock(CLOCK_REALTIME);
}

static int64_t b_yield(uint64_t deadline, uint64_t ready_p, uint64_t a2, uint64_t a3)
{
	uint64_t now = b_clock(CLOCK_MONOTONIC), wait, ready = 0;
	struct timespec ts;
	uint32_t i;
	long n;

	(void)a2, (void)a3;
	wait = deadline > now ? deadline - now : 0;
	ts.tv_sec = wait / 1000000000ULL;
	ts.tv_nsec = wait % 1000000000ULL;
	for (i = 0; i < uk_ho.bind.nnet; i++)
		uk_ho.bind.pfd[i].revents = 0;
	n = uk_sys4(__NR_ppoll, uk_ho.bind.nnet ? (long)uk_ho.bind.pfd : 0, uk_ho.bind.nnet,
		    (long)&ts, 0);
	for (i = 0; n > 0 && i < uk_ho.bind.nnet; i++)
		if (uk_ho.bind.pfd[i].revents)
			ready |= 1ULL << uk_ho.bind.pfd_handle[i];
	if (ready_p)
		*(uint64_t *)ready_p = ready;
	return 0;
}

static int b_dev_ok(uint64_t h, uint32_t type)
{
	return h < uk_ho.bind.ndev && uk_ho.bind.dev[h].type == type;
}

/* One host call per block, so the filter can pin the size to the block size. */
static int64_t b_block_io(long nr, uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	uint64_t bs, done;

	if (!b_dev_ok(h, KISTE_UK_DEV_BLOCK))
		return KISTE_UK_EINVAL;
	bs = uk_ho.bind.dev[h].block_size;
	if (off % bs || len % bs || off > uk_ho.bind.dev[h].capacity ||
	    len > uk_ho.bind.dev[h].capacity - off)
		return KISTE_UK_EINVAL;
	for (done = 0; done < len; done += bs)
		if (uk_sys4(nr, uk_ho.bind.dev[h].fd, buf + done, bs, off + done) != (long)bs)
			return KISTE_UK_EUNSPEC;
	return KISTE_UK_OK;
}

static int64_t b_block_read(uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	return b_block_io(__NR_pread64, h, off, buf, len);
}

static int64_t b_block_write(uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	return b_block_io(__NR_pwrite64, h, off, buf, len);
}

static int64_t b_net_read(uint64_t h, uint64_t buf, uint64_t size, uint64_t got_p)
{
	long n;

	if (!b_dev_ok(h, KISTE_UK_DEV_NET))
		return KISTE_UK_EINVAL;
	if (size > uk_ho.bind.dev[h].frame_max)
		size = uk_ho.bind.dev[h].frame_max;
	n = uk_sys4(__NR_read, uk_ho.bind.dev[h].fd, buf, size, 0);
	if (n == -11 /* EAGAIN */)
		return KISTE_UK_EAGAIN;
	if (n < 0)
		return KISTE_UK_EUNSPEC;
	*(uint64_t *)got_p = n;
	return KISTE_UK_OK;
}

static int64_t b_net_write(uint64_t h, uint64_t buf, uint64_t len, uint64_t a3)
{
	(void)a3;
	if (!b_dev_ok(h, KISTE_UK_DEV_NET) || len > uk_ho.bind.dev[h].frame_max)
		return KISTE_UK_EINVAL;
	return uk_sys4(__NR_write, uk_ho.bind.dev[h].fd, buf, len, 0) == (long)len
		       ? KISTE_UK_OK
		       : KISTE_UK_EUNSPEC;
}

static int64_t b_exit(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3)
{
	(void)a1, (void)a2, (void)a3;
	uk_sys1(__NR_exit_group, (long)(status & 0xff));
	__builtin_unreachable();
}

/* The blob's first bytes (blob.ld): where the launcher finds the hand-over, the entry and the table. */
__attribute__((section(".blob.head"), used)) const struct uk_blob_head uk_blob_head = {
	.magic = UK_BLOB_MAGIC,
	.version = UK_BLOB_VERSION,
	.start = (uintptr_t)uk_blob_start,
	.end = (uintptr_t)uk_blob_end,
	.handover = (uintptr_t)&uk_ho,
	.enter = (uintptr_t)uk_blob_enter,
	.calls = {
		[KISTE_UK_CALL_CONSOLE_WRITE] = (uintptr_t)b_console_write,
		[KISTE_UK_CALL_CLOCK_MONOTONIC] = (uintptr_t)b_clock_mono,
		[KISTE_UK_CALL_CLOCK_WALL] = (uintptr_t)b_clock_wall,
		[KISTE_UK_CALL_YIELD] = (uintptr_t)b_yield,
		[KISTE_UK_CALL_BLOCK_READ] = (uintptr_t)b_block_read,
		[KISTE_UK_CALL_BLOCK_WRITE] = (uintptr_t)b_block_write,
		[KISTE_UK_CALL_NET_READ] = (uintptr_t)b_net_read,
		[KISTE_UK_CALL_NET_WRITE] = (uintptr_t)b_net_write,
		[KISTE_UK_CALL_EXIT] = (uintptr_t)b_exit,
	},
};
