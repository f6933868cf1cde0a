// SPDX-License-Identifier: GPL-2.0
// efault.c - a shim workload passing bad pointers: every call must fail with EFAULT, not crash.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BAD ((void *)1)

static int bad;

static void expect(const char *name, long r)
{
	int ok = r == -1 && errno == EFAULT;

	printf("%s=%s\n", name, ok ? "EFAULT" : "WRONG");
	bad |= !ok;
}

int main(void)
{
	/* A page that exists but cannot be read: PROT_NONE. */
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long set = 0;
	int zero = open("/dev/zero", O_RDONLY);

	expect("read", syscall(SYS_read, zero, BAD, 10));
	expect("write", syscall(SYS_write, 1, BAD, 10));
	expect("stat", syscall(SYS_stat, BAD, BAD));
	expect("stat-prot-none", syscall(SYS_stat, none, &set));
	expect("newfstatat-empty", syscall(SYS_newfstatat, 0, BAD, BAD, 0x1000));
	expect("open", syscall(SYS_open, BAD, O_RDONLY));
	expect("openat", syscall(SYS_openat, AT_FDCWD, none, O_RDONLY));
	expect("readlink", syscall(SYS_readlink, BAD, BAD, 10));
	expect("chdir", syscall(SYS_chdir, BAD));
	expect("getcwd", syscall(SYS_getcwd, BAD, 100));
	expect("rt_sigaction", syscall(SYS_rt_sigaction, 10, BAD, NULL, 8));
	expect("rt_sigprocmask", syscall(SYS_rt_sigprocmask, 0, BAD, NULL, 8));
	expect("sigaltstack", syscall(SYS_sigaltstack, BAD, NULL));
	expect("getresuid", syscall(SYS_getresuid, BAD, BAD, BAD));
	expect("execve-path", syscall(SYS_execve, BAD, NULL, NULL));
	expect("execve-argv", syscall(SYS_execve, "/bin/true", BAD, NULL));
	expect("uname", syscall(SYS_uname, BAD));
	expect("pipe", syscall(SYS_pipe, BAD));
	printf("survived\n");
	return bad;
}
