// SPDX-License-Identifier: GPL-2.0
// getppid_loop.c - times N getppid syscalls (native, or redirected under shim mode): ns per call.
//
// getppid_loop N [libc]: syscall(SYS_getppid) (a site patching leaves alone), or with
// "libc" glibc's getppid(), whose `mov $110, %eax; syscall` shim mode patches.
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, i;
	int libc = argc > 2 && argv[2][0] == 'l';
	struct timespec a, b;

	if (n < 1 || n > 100000000)
		n = 100000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (libc)
			getppid();
		else
			syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
