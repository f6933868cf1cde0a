// SPDX-License-Identifier: GPL-2.0
// bindings_x86_64.c - the freestanding host-call bindings of process isolation: raw syscall stubs.
/*
 * Built -ffreestanding -fno-stack-protector without sanitizers: after the
 * seccomp filter is installed these are the only code that may reach the
 * host, and only through the seven syscalls the filter admits.
 */
#include <asm/unistd.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <linux/time.h>

#include <kiste/exit.h>

#include "bindings.h"

struct uk_bind_state uk_bind;

static inline long sys1(long nr, long a0)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0) : "rcx", "r11", "memory");
	return ret;
}

static inline long sys4(long nr, long a0, long a1, long a2, long a3)
{
	register long r10 __asm__("r10") = a3;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static int64_t b_console_write(uint64_t buf, uint64_t len, uint64_t a2, uint64_t a3)
{
	(void)a2, (void)a3;
	return sys4(__NR_write, KISTE_UK_CONSOLE_FD, buf, len, 0);
}

static uint64_t b_clock(long id)
{
	struct timespec ts;

	if (sys4(__NR_clock_gettime, id, (long)&ts, 0, 0) < 0)
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
	for (i = 0; i < uk_bind.nnet; i++)
		uk_bind.pfd[i].revents = 0;
	n = sys4(__NR_ppoll, uk_bind.nnet ? (long)uk_bind.pfd : 0, uk_bind.nnet, (long)&ts, 0);
	for (i = 0; n > 0 && i < uk_bind.nnet; i++)
		if (uk_bind.pfd[i].revents)
			ready |= 1ULL << uk_bind.pfd_handle[i];
	if (ready_p)
		*(uint64_t *)ready_p = ready;
	return 0;
}

static int b_dev_ok(uint64_t h, uint32_t type)
{
	return h < uk_bind.ndev && uk_bind.dev[h].type == type;
}

/* One host call per block, so the filter can pin the size to the block size. */
static int64_t b_block_io(long nr, uint64_t h, uint64_t off, uint64_t buf, uint64_t len)
{
	uint64_t bs, done;

	if (!b_dev_ok(h, KISTE_UK_DEV_BLOCK))
		return KISTE_UK_EINVAL;
	bs = uk_bind.dev[h].block_size;
	if (off % bs || len % bs || off > uk_bind.dev[h].capacity ||
	    len > uk_bind.dev[h].capacity - off)
		return KISTE_UK_EINVAL;
	for (done = 0; done < len; done += bs)
		if (sys4(nr, uk_bind.dev[h].fd, buf + done, bs, off + done) != (long)bs)
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
	if (size > uk_bind.dev[h].frame_max)
		size = uk_bind.dev[h].frame_max;
	n = sys4(__NR_read, uk_bind.dev[h].fd, buf, size, 0);
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
	if (!b_dev_ok(h, KISTE_UK_DEV_NET) || len > uk_bind.dev[h].frame_max)
		return KISTE_UK_EINVAL;
	return sys4(__NR_write, uk_bind.dev[h].fd, buf, len, 0) == (long)len ? KISTE_UK_OK
									     : KISTE_UK_EUNSPEC;
}

static int64_t b_exit(uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3)
{
	(void)a1, (void)a2, (void)a3;
	sys1(__NR_exit_group, (long)(status & 0xff));
	__builtin_unreachable();
}

void uk_bind_table(uint64_t *calls)
{
	calls[KISTE_UK_CALL_CONSOLE_WRITE] = (uintptr_t)b_console_write;
	calls[KISTE_UK_CALL_CLOCK_MONOTONIC] = (uintptr_t)b_clock_mono;
	calls[KISTE_UK_CALL_CLOCK_WALL] = (uintptr_t)b_clock_wall;
	calls[KISTE_UK_CALL_YIELD] = (uintptr_t)b_yield;
	calls[KISTE_UK_CALL_BLOCK_READ] = (uintptr_t)b_block_read;
	calls[KISTE_UK_CALL_BLOCK_WRITE] = (uintptr_t)b_block_write;
	calls[KISTE_UK_CALL_NET_READ] = (uintptr_t)b_net_read;
	calls[KISTE_UK_CALL_NET_WRITE] = (uintptr_t)b_net_write;
	calls[KISTE_UK_CALL_EXIT] = (uintptr_t)b_exit;
}

void uk_bind_enter(const void *bpf, uint64_t bpf_len, uint64_t entry, uint64_t si,
		   uint64_t stack_top)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(bpf_len / sizeof(struct sock_filter)),
		.filter = (struct sock_filter *)bpf,
	};

	/* no_new_privs was set by the launcher; from here on only the filter's calls work */
	if (sys4(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0) != 0) {
		static const char msg[] = "kiste: cannot install the seccomp filter: "
					  "check that the kernel has CONFIG_SECCOMP_FILTER\n";
		sys4(__NR_write, 2, (long)msg, sizeof(msg) - 1, 0);
		sys1(__NR_exit_group, KISTE_EXIT_REFUSED);
	}
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 :
			 : "r"(stack_top), "r"(entry), "D"(si)
			 : "memory");
	__builtin_unreachable();
}
