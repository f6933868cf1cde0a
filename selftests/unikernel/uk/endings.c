// SPDX-License-Identifier: GPL-2.0
// endings.c - test unikernel: ends in the ways kiste run must report (argv[1] picks one).
#include "kiste_uk_sdk.h"
#include "../../../userspace/unikernel/tender/bindings.h"
#include "../../lib/raw_syscall.h"

KISTE_UK_MANIFEST();

static int is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(int argc, char **argv)
{
	static const char forged[] = "kiste: forged line from the unikernel\n";
	static const unsigned long ign[4] = { 1 /* SIG_IGN */ };
	const char *m = argc > 1 ? argv[1] : "";

	printf("endings: %s\n", m);
	if (is(m, "sys")) {
		raw3(39 /* getpid */, 0, 0, 0);
	} else if (is(m, "sysnostack")) {
		/* the handler must not need the unikernel's stack */
		__asm__ volatile("xorl %%esp, %%esp\n\tmovl $39, %%eax\n\tsyscall" ::: "rax", "rcx",
				 "r11", "memory");
	} else if (is(m, "segv")) {
		*(volatile int *)(unsigned long)0x1000 = 1;
	} else if (is(m, "int80")) {
		__asm__ volatile("movl $20, %%eax\n\tint $0x80" ::: "rax", "memory");
	} else if (is(m, "sigaction")) {
		/* ignoring SIGSYS would keep the unikernel alive past a trapped call */
		raw3(13 /* rt_sigaction */, 31, (long)ign, 0);
	} else if (is(m, "forge")) {
		raw3(1 /* write */, 2, (long)forged, sizeof(forged) - 1);
	} else if (is(m, "sealed")) {
		*(volatile char *)(unsigned long)(UK_BLOB_MSG_ADDR + 8) = 'X';
		printf("endings: the message page took a write\n");
		return 3;
	} else {
		printf("endings: unknown mode\n");
		return 2;
	}
	printf("endings: survived\n");
	return 1;
}
