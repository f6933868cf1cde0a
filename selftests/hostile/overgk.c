// SPDX-License-Identifier: GPL-2.0
// overgk.c - a static program linked at 0x100000, where shim mode's guest kernel lives.
/* Natively it runs and says so; a loader that mapped it would map over the guest kernel. */
static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

void _start(void)
{
	static const char msg[] = "overgk: running at 0x100000\n";

	sys3(1, 1, (long)msg, sizeof(msg) - 1);
	sys3(231, 0, 0, 0);
	for (;;)
		;
}
