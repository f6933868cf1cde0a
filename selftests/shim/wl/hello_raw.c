// SPDX-License-Identifier: GPL-2.0
// hello_raw.c - the smallest shim workload: write(2) and exit_group(2) by hand, no libc.
void _start(void)
{
	static const char msg[] = "hi raw\n";
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(1), "D"(1), "S"(msg), "d"(sizeof(msg) - 1)
			 : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(231), "D"(42) : "rcx", "r11", "memory");
	for (;;)
		;
}
