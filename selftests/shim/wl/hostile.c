// SPDX-License-Identifier: GPL-2.0
// hostile.c - a shim workload that attacks the guest kernel and its host layers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../lib/raw_syscall.h"

/* The guest kernel's text: the one anonymous executable mapping. */
static int find_gate(unsigned long *start, unsigned long *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perm[8], path[256];
	unsigned long s, e, off, ino;
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %255s", &s, &e, perm, &off, &ino, path) < 5)
			continue;
		/* /proc names the guest kernel's mapping; its text is the gate. */
		if (!strcmp(perm, "r-xp") && !strcmp(path, "[kiste-gk]")) {
			*start = s;
			*end = e;
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Calls the first "syscall; ret" inside the gate with a forbidden syscall. */
static int gate_jump(long nr, long a0, long a1, long a2, long a3)
{
	unsigned long s, e, p;
	long ret;

	if (find_gate(&s, &e) < 0) {
		printf("no gate found\n");
		return 2;
	}
	for (p = s; p + 3 <= e; p++)
		if (!memcmp((void *)p, "\x0f\x05\xc3", 3))
			break;
	if (p + 3 > e) {
		printf("no syscall instruction in the gate\n");
		return 2;
	}
	printf("jumping into the gate at +0x%lx with syscall %ld\n", p - s, nr);
	fflush(stdout);
	/* The fourth argument's register, set last: calls before would clobber it. */
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("call *%1" : "=a"(ret) : "r"(p), "a"(nr), "D"(a0), "S"(a1), "d"(a2),
			 "r"(r10) : "rcx", "r11", "memory");
	printf("survived: %ld\n", ret);
	return 1;
}

static int over_gk(void)
{
	unsigned long s, e;
	void *m;
	long r1, r2, r3;

	if (find_gate(&s, &e) < 0)
		return 2;
	m = mmap((void *)s, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	r1 = m == MAP_FAILED ? -errno : 0;
	r2 = mprotect((void *)s, 4096, PROT_READ | PROT_WRITE) ? -errno : 0;
	r3 = munmap((void *)s, 4096) ? -errno : 0;
	printf("mmap=%ld mprotect=%ld munmap=%ld\n", r1, r2, r3);
	return (r1 < 0 && r2 < 0 && r3 < 0) ? 0 : 1;
}

static int refused(void)
{
	static const struct { const char *name; long nr; long a0; } calls[] = {
		{ "ptrace", SYS_ptrace, 0 }, { "mount", SYS_mount, 0 },
		{ "init_module", SYS_init_module, 0 }, { "kexec_load", SYS_kexec_load, 0 },
		{ "bpf", SYS_bpf, 0 }, { "unshare", SYS_unshare, 0x10000000 },
		{ "setns", SYS_setns, 0 }, { "keyctl", SYS_keyctl, 0 },
		{ "prctl-dispatch-off", SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH },
	};
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		long r = raw6(calls[i].nr, calls[i].a0, 0, 0, 0, 0, 0);

		printf("%s=%ld\n", calls[i].name, r);
		bad |= r >= 0;
	}
	/* Ignoring or blocking SIGSYS, or taking the guest kernel's descriptors, changes nothing. */
	{
		unsigned long act[4] = { 1 /* SIG_IGN */, 0, 0, 0 }, set = 1UL << (31 - 1);
		long r;

		r = raw6(SYS_rt_sigaction, 31, (long)act, 0, 8, 0, 0);
		printf("sigaction-sigsys=%ld\n", r);
		r = raw6(SYS_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&set, 0, 8, 0, 0);
		printf("block-sigsys=%ld\n", r);
		r = raw6(SYS_dup2, 0, 1001, 0, 0, 0, 0);
		printf("dup2-private=%ld\n", r);
		bad |= r >= 0;
		r = raw6(SYS_close, 1001, 0, 0, 0, 0, 0);
		printf("close-private=%ld\n", r);
		bad |= r >= 0;
		printf("ptrace-again=%ld\n", raw6(SYS_ptrace, 0, 0, 0, 0, 0, 0));
	}
	/* Still redirected afterwards: the guest kernel's pid 1, not the host's. */
	printf("getpid=%ld\n", raw6(SYS_getpid, 0, 0, 0, 0, 0, 0));
	return bad;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	if (!strcmp(m, "refused"))
		return refused();
	if (!strcmp(m, "gate"))
		return gate_jump(argc > 2 ? atol(argv[2]) : SYS_ptrace,
				 argc > 3 ? strtol(argv[3], NULL, 0) : 0,
				 argc > 4 ? strtol(argv[4], NULL, 0) : 0,
				 argc > 5 ? strtol(argv[5], NULL, 0) : 0,
				 argc > 6 ? strtol(argv[6], NULL, 0) : 0);
	if (!strcmp(m, "over"))
		return over_gk();
	if (!strcmp(m, "execve")) {
		char *av[] = { "/bin/echo", "emulated-exec", NULL };

		raw6(SYS_execve, (long)"/bin/echo", (long)av, (long)environ, 0, 0, 0);
		printf("execve returned\n");
		return 1;
	}
	if (!strcmp(m, "read") && argc > 2) {
		char buf[256];
		int fd = open(argv[2], O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			printf("open %s: %s\n", argv[2], strerror(errno));
			return 3;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("read %s: %s\n", argv[2], buf);
		return 0;
	}
	if (!strcmp(m, "write") && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "written\n", 8) != 8) {
			printf("write %s: %s\n", argv[2], strerror(errno));
			return 3;
		}
		close(fd);
		printf("wrote %s\n", argv[2]);
		return 0;
	}
	fprintf(stderr, "usage: hostile refused|gate [NR [A0 A1 A2]]|over|execve|read PATH|"
		"write PATH\n");
	return 2;
}
