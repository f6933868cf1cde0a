// SPDX-License-Identifier: GPL-2.0
// hello.c - the smallest kiste unikernel: prints a greeting and its arguments.
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST();

int main(int argc, char **argv)
{
	int i;

	printf("hello from a kiste unikernel (%s isolation)\n",
	       uk_start_info()->flags & KISTE_UK_START_F_VM ? "vm" : "process");
	for (i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
