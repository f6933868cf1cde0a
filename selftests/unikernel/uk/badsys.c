// SPDX-License-Identifier: GPL-2.0
// badsys.c - test unikernel: makes a host syscall (getpid) the tender's filter does not admit.
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST();

int main(int argc, char **argv)
{
	long ret;

	(void)argc, (void)argv;
	printf("badsys: calling getpid directly\n");
	__asm__ volatile("syscall" : "=a"(ret) : "a"(39L) : "rcx", "r11", "memory");
	printf("badsys: survived, getpid returned %ld\n", ret);
	return 0;
}
