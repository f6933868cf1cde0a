/* SPDX-License-Identifier: GPL-2.0 */
/* blob.h - inside the bindings blob only: its raw syscalls and the symbols its parts share. */
#ifndef KISTE_UK_BLOB_H
#define KISTE_UK_BLOB_H

#include "bindings.h"

/* blob.ld: the blob's memory, page-aligned. */
extern char uk_blob_start[], uk_blob_end[];

/* bindings_x86_64.c: the hand-over block the launcher fills. */
extern struct uk_handover uk_ho;

/*
 * blob_start_x86_64.S: the entry (own stack, kiste's registers dropped), then
 * blob_enter.c.  Once the unikernel runs, that stack is the exit handler's
 * (direct entry).
 */
#define UK_BLOB_STACK_SIZE 16384
extern char uk_blob_stack[];
void uk_blob_enter(void);
__attribute__((noreturn)) void uk_blob_main(void);
/*
 * Resets the FPU/vector state (XRSTOR of @xinit_mask's components, or FNINIT
 * and PXOR when 0) and every register but %rdi = @si and %rsp = @sp, jumps
 * to @entry.
 */
__attribute__((noreturn)) void uk_blob_jump(uint64_t entry, uint64_t si, uint64_t sp,
					    uint64_t xinit_mask);

static inline long uk_sys1(long nr, long a0)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0) : "rcx", "r11", "memory");
	return ret;
}

static inline long uk_sys4(long nr, long a0, long a1, long a2, long a3)
{
	register long r10 __asm__("r10") = a3;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif /* KISTE_UK_BLOB_H */
