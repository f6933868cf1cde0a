/* SPDX-License-Identifier: GPL-2.0 */
/* raw_syscall.h - a syscall from the test program's own text, never through libc (no errno). */
#ifndef KISTE_RAW_SYSCALL_H
#define KISTE_RAW_SYSCALL_H

/*
 * For the tests that must reach the kernel (or the shim's SIGSYS entry)
 * exactly as they say: the return value is the kernel's (-errno on failure),
 * and the instruction sits in the caller's text, not in libc's or the
 * guest kernel's.  Freestanding: the unikernel tests include it too.
 */
static inline long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long raw3(long nr, long a, long b, long c)
{
	return raw6(nr, a, b, c, 0, 0, 0);
}

#endif /* KISTE_RAW_SYSCALL_H */
