// SPDX-License-Identifier: GPL-2.0
// attack_shim.c - attacks on shim mode's guest kernel: gate jumps with chosen registers, its text, raw calls.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

/*
 * The guest kernel's mappings, as /proc/self/maps names them ([kiste-gk]):
 * the lowest address of any, and its executable text (the gate).
 */
static int gk_find(unsigned long *lo, unsigned long *text, unsigned long *text_end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e;

	*lo = *text = *text_end = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "[kiste-gk]") || sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if (!*lo || s < *lo)
			*lo = s;
		if (strstr(line, " r-xp ")) {
			*text = s;
			*text_end = e;
		}
	}
	if (f)
		fclose(f);
	return *text ? 0 : -1;
}

/* A number, or the guest kernel's addresses by name ("gk", "gktext"). */
static long arg(const char *s)
{
	unsigned long lo, text, end;

	if (!strcmp(s, "gk") || !strcmp(s, "gktext")) {
		if (gk_find(&lo, &text, &end) < 0)
			return 0;
		return (long)(s[2] ? text : lo);
	}
	return strtol(s, NULL, 0);
}

/*
 * Calls the guest kernel's host-syscall stub ("syscall; ret", the gate the
 * redirection exempts) with every register chosen: the call meets only the
 * host's seccomp filter.  Prints "survived=RET" if it comes back.
 */
int cmd_gate(int argc, char **argv)
{
	unsigned long lo, s, e, p;
	long a[7] = { 0 }, ret;
	int i;

	if (argc < 1)
		return 2;
	for (i = 0; i < 7 && i < argc; i++)
		a[i] = arg(argv[i]);
	if (gk_find(&lo, &s, &e) < 0) {
		printf("gate=no-guest-kernel\n");
		return 3;
	}
	for (p = s; p + 3 <= e && memcmp((void *)p, "\x0f\x05\xc3", 3); p++)
		;
	if (p + 3 > e) {
		printf("gate=no-syscall-instruction\n");
		return 3;
	}
	printf("gate: syscall %ld at +0x%lx (a0=%#lx a1=%#lx a2=%#lx a3=%#lx a4=%#lx a5=%#lx)\n",
	       a[0], p - s, a[1], a[2], a[3], a[4], a[5], a[6]);
	fflush(stdout);
	{
		register long r10 __asm__("r10") = a[4];
		register long r8 __asm__("r8") = a[5];
		register long r9 __asm__("r9") = a[6];

		__asm__ volatile("call *%1"
				 : "=a"(ret)
				 : "r"(p), "a"(a[0]), "D"(a[1]), "S"(a[2]), "d"(a[3]), "r"(r10),
				   "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory");
	}
	say_raw("survived", ret);
	return 1;
}

/* Writes one byte of the guest kernel's text in place (an unprotected gate would take it). */
int cmd_gkwrite(int argc, char **argv)
{
	unsigned long lo, s, e;
	volatile unsigned char *t;

	(void)argc, (void)argv;
	if (gk_find(&lo, &s, &e) < 0) {
		printf("gkwrite=no-guest-kernel\n");
		return 3;
	}
	t = (volatile unsigned char *)s;
	printf("gkwrite: writing the gate's first byte at %#lx\n", s);
	fflush(stdout);
	*t = *t;
	printf("gkwrite=ok\n");
	return 1;
}

/*
 * One raw syscall from this program's text (redirected in shim mode), then a
 * raw getpid: 1 while the guest kernel still answers (its pid), the host's
 * pid otherwise.
 */
int cmd_raw(int argc, char **argv)
{
	long a[7] = { 0 };
	int i;

	if (argc < 1)
		return 2;
	for (i = 0; i < 7 && i < argc; i++)
		a[i] = arg(argv[i]);
	say_raw("raw", raw6(a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
	printf("raw_getpid=%ld\n", raw6(39, 0, 0, 0, 0, 0, 0));
	return 0;
}

/* One host syscall through the guest kernel's stub (the gate), every register chosen. */
static long gate_call(unsigned long p, long nr, long a0, long a1, long a2, long a3)
{
	register long r10 __asm__("r10") = a3;
	long ret;

	__asm__ volatile("call *%1"
			 : "=a"(ret)
			 : "r"(p), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "r8", "r9", "memory");
	return ret;
}

/*
 * The gate's "syscall; ret" in the guest kernel's text, for the gate* commands;
 * 0 (after the line "NAME=no-guest-kernel") when there is no guest kernel.
 */
static unsigned long gate_syscall(const char *name)
{
	unsigned long lo, s, e, p;

	if (gk_find(&lo, &s, &e) < 0) {
		printf("%s=no-guest-kernel\n", name);
		return 0;
	}
	for (p = s; p + 3 <= e && memcmp((void *)p, "\x0f\x05\xc3", 3); p++)
		;
	return p;
}

/*
 * openat2(DIRFD, PATH) through the gate with no RESOLVE_ flags (the guest
 * kernel would add RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS; seccomp cannot
 * see open_how), then read through the gate: what lies behind the sandbox's
 * root and procfs descriptors for a workload that skips the guest kernel.
 * Prints "gateopen PATH: CONTENT" (the first line), or the errno, and
 * "gateopen canary=found" when the content holds the unshifted canary.
 */
int cmd_gateopen(int argc, char **argv)
{
	struct { unsigned long long flags, mode, resolve; } how = { 0, 0, 0 };
	unsigned long p;
	static char buf[1 << 16];
	char canary[256] = "";
	long fd, n, total = 0, dirfd;
	int found = 0;

	if (argc < 2)
		return 2;
	if (argc > 2)
		unshift(canary, argv[2], sizeof(canary));
	p = gate_syscall("gateopen");
	if (!p)
		return 3;
	/* DIRFD "/a/dir": a directory descriptor of the workload's own, opened the usual way. */
	dirfd = argv[0][0] == '/' ? open(argv[0], O_RDONLY | O_DIRECTORY) : strtol(argv[0], NULL, 0);
	if (dirfd < 0) {
		printf("gateopen %s: cannot open it: %s\n", argv[0], ename(errno));
		return 3;
	}
	fd = gate_call(p, 437 /* openat2 */, dirfd, (long)argv[1], (long)&how, sizeof(how));
	if (fd < 0) {
		printf("gateopen %s: %s\n", argv[1], ename((int)-fd));
		return 0;
	}
	while ((n = gate_call(p, 0 /* read */, fd, (long)buf + total, sizeof(buf) - 1 - total, 0)) > 0 &&
	       total + n < (long)sizeof(buf) - 1)
		total += n;
	if (n > 0)
		total += n;
	buf[total > 0 ? total : 0] = 0;
	found = canary[0] && mem_has(buf, total > 0 ? total : 0, canary);
	for (n = 0; n < total; n++)
		if (!buf[n])
			buf[n] = ' ';
	buf[strcspn(buf, "\n")] = 0;
	printf("gateopen %s: %.200s\n", argv[1], total < 0 ? ename((int)-total) : buf);
	printf("gateopen canary=%s\n", found ? "FOUND" : "absent");
	return 0;
}

/*
 * openat2(DIRFD, PATH, O_RDONLY|O_TRUNC) through the gate: an open that
 * needs only the read right unless truncation is a right of its own.
 * Prints "gatetrunc PATH: fd" or the errno; the caller looks at the file.
 */
int cmd_gatetrunc(int argc, char **argv)
{
	struct { unsigned long long flags, mode, resolve; } how = { O_RDONLY | O_TRUNC, 0, 0 };
	unsigned long p;
	long fd;

	if (argc < 2)
		return 2;
	p = gate_syscall("gatetrunc");
	if (!p)
		return 3;
	fd = gate_call(p, 437 /* openat2 */, strtol(argv[0], NULL, 0), (long)argv[1], (long)&how,
		       sizeof(how));
	printf("gatetrunc %s: %s\n", argv[1], fd < 0 ? ename((int)-fd) : "fd");
	return 0;
}

/* gate_call with a fifth argument (r8), for fsetxattr's flags. */
static long gate_call5(unsigned long p, long nr, long a0, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	long ret;

	__asm__ volatile("call *%1"
			 : "=a"(ret)
			 : "r"(p), "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
			 : "rcx", "r11", "r9", "memory");
	return ret;
}

/*
 * fchmod(FD, 06777), futimens(FD) to 1970 and fsetxattr(FD, user.kiste)
 * through the gate, past the guest kernel's refusal of metadata changes on
 * inherited descriptors.  Prints "gatemeta CALL=ok" or the errno for each;
 * whether the caller's file changed is for the caller to look at (a relayed
 * descriptor is a pipe, whose changes are nobody's).
 */
int cmd_gatemeta(int argc, char **argv)
{
	struct { long sec, nsec; } ts[2] = { { 1, 0 }, { 1, 0 } };
	unsigned long p;
	long fd, r;

	if (argc < 1)
		return 2;
	p = gate_syscall("gatemeta");
	if (!p)
		return 3;
	fd = strtol(argv[0], NULL, 0);
	r = gate_call(p, 91 /* fchmod */, fd, 06777, 0, 0);
	fprintf(stderr, "gatemeta fchmod=%s\n", r < 0 ? ename((int)-r) : "ok");
	r = gate_call(p, 280 /* utimensat */, fd, 0, (long)ts, 0);
	fprintf(stderr, "gatemeta futimens=%s\n", r < 0 ? ename((int)-r) : "ok");
	r = gate_call5(p, 190 /* fsetxattr */, fd, (long)"user.kiste", (long)"x", 1, 0);
	fprintf(stderr, "gatemeta fsetxattr=%s\n", r < 0 ? ename((int)-r) : "ok");
	return 0;
}

/*
 * openat2(DIRFD, PATH, O_RDONLY, no RESOLVE_ flags) then fchmod(that, 04777) and
 * futimens(that, {1, 1}) through the gate: a magic link of the procfs descriptor
 * (1005, "self/exe") reaches the host file behind it.
 */
int cmd_gatechmodvia(int argc, char **argv)
{
	struct { unsigned long long flags, mode, resolve; } how = { 0, 0, 0 };
	struct { long sec, nsec; } ts[2] = { { 1, 0 }, { 1, 0 } };
	unsigned long p;
	long fd, r;

	if (argc < 2)
		return 2;
	p = gate_syscall("gatechmodvia");
	if (!p)
		return 3;
	fd = gate_call(p, 437 /* openat2 */, strtol(argv[0], NULL, 0), (long)argv[1], (long)&how,
		       sizeof(how));
	printf("gatechmodvia open %s=%s\n", argv[1], fd < 0 ? ename((int)-fd) : "ok");
	if (fd < 0)
		return 0;
	r = gate_call(p, 91 /* fchmod */, fd, 04777, 0, 0);
	printf("gatechmodvia fchmod=%s\n", r < 0 ? ename((int)-r) : "ok");
	r = gate_call(p, 280 /* utimensat */, fd, 0, (long)ts, 0);
	printf("gatechmodvia futimens=%s\n", r < 0 ? ename((int)-r) : "ok");
	return 0;
}

/*
 * fchmodat(DIR's descriptor, PATH, 0666) and utimensat(..., PATH, {1, 1}) through the gate:
 * DIR opened as the workload opens it (a host directory descriptor, gk/dirfd.c).
 */
int cmd_gatemetaat(int argc, char **argv)
{
	struct { long sec, nsec; } ts[2] = { { 1, 0 }, { 1, 0 } };
	unsigned long p;
	long r;
	int d;

	if (argc < 2)
		return 2;
	p = gate_syscall("gatemetaat");
	if (!p)
		return 3;
	d = open(argv[0], O_RDONLY | O_DIRECTORY);
	if (d < 0) {
		printf("gatemetaat %s: cannot open it: %s\n", argv[0], ename(errno));
		return 1;
	}
	r = gate_call(p, 268 /* fchmodat */, d, (long)argv[1], 0666, 0);
	printf("gatemetaat fchmodat=%s\n", r < 0 ? ename((int)-r) : "ok");
	r = gate_call(p, 280 /* utimensat */, d, (long)argv[1], (long)ts, 0);
	printf("gatemetaat utimensat=%s\n", r < 0 ? ename((int)-r) : "ok");
	return 0;
}

/*
 * execve as a raw syscall from this program's text, of PATH with ARGS: in
 * shim mode the guest kernel's own load, so the new image is redirected too.
 */
int cmd_exec(int argc, char **argv)
{
	extern char **environ;

	if (argc < 1)
		return 2;
	printf("exec: raw execve of %s\n", argv[0]);
	fflush(stdout);
	say_raw("exec returned", raw6(59, (long)argv[0], (long)argv, (long)environ, 0, 0, 0));
	return 1;
}
