/* SPDX-License-Identifier: GPL-2.0 */
/* bindings.h - what the freestanding bindings of process isolation share with their launcher. */
#ifndef KISTE_UK_BINDINGS_H
#define KISTE_UK_BINDINGS_H

#include <stdint.h>

#include <kiste/unikernel.h>

/* The console descriptor the filter admits writes to. */
#define KISTE_UK_CONSOLE_FD 1

/*
 * State the freestanding bindings read after the filter is installed; filled
 * by the launcher side before the jump.  Plain data, no pointers into libc.
 */
struct uk_bind_state {
	uint32_t ndev;
	uint32_t nnet;
	struct {
		uint32_t type;
		int32_t fd;
		uint64_t block_size;
		uint64_t capacity;
		uint32_t frame_max;
	} dev[KISTE_UK_MAX_DEVICES];
	struct {
		int32_t fd;
		int16_t events;
		int16_t revents;
	} pfd[KISTE_UK_MAX_DEVICES]; /* layout of struct pollfd */
	uint32_t pfd_handle[KISTE_UK_MAX_DEVICES];
};

/* bindings_x86_64.c (freestanding) */
extern struct uk_bind_state uk_bind;
void uk_bind_table(uint64_t *calls);
/* Installs the filter with raw syscalls and jumps; never returns (exit 125 if seccomp fails). */
__attribute__((noreturn)) void uk_bind_enter(const void *bpf, uint64_t bpf_len, uint64_t entry,
					     uint64_t si, uint64_t stack_top);

#endif /* KISTE_UK_BINDINGS_H */
