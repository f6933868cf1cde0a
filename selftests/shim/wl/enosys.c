// SPDX-License-Identifier: GPL-2.0
// enosys.c - a shim workload making an unimplemented syscall N times, then waiting on stdin.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, i, bad = 0;
	char c;

	/* io_uring_setup: not served by the guest kernel (a later issue). */
	for (i = 0; i < n && i < 1000; i++)
		bad |= !(syscall(SYS_io_uring_setup, 1, NULL) == -1 && errno == ENOSYS);
	printf("enosys x%d%s\n", n, bad ? " (not ENOSYS!)" : "");
	fflush(stdout);
	/* Held until the test has looked at the sandbox. */
	while (read(0, &c, 1) > 0)
		;
	return bad;
}
