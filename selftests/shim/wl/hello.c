// SPDX-License-Identifier: GPL-2.0
// hello.c - a libc workload: built static (hello_static) and with a missing interpreter (nointerp).
#include <stdio.h>

int main(void)
{
	printf("hello static\n");
	return 3;
}
