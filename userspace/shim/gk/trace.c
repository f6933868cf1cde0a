// SPDX-License-Identifier: GPL-2.0
// trace.c - --trace output: one strace-like line per redirected syscall, and the ENOSYS tally.
#include "gk.h"

/* Which argument is a path, for the calls that take one (else -1). */
static int path_arg(long nr)
{
	switch (nr) {
	case __NR_open: case __NR_creat: case __NR_stat: case __NR_lstat: case __NR_readlink:
	case __NR_access: case __NR_mkdir: case __NR_unlink: case __NR_rmdir: case __NR_chdir:
	case __NR_execve: case __NR_chmod: case __NR_truncate: case __NR_statfs:
	case __NR_chown: case __NR_lchown: case __NR_rename: case __NR_link:
		return 0;
	case __NR_openat: case __NR_newfstatat: case __NR_statx: case __NR_readlinkat:
	case __NR_faccessat: case __NR_faccessat2: case __NR_mkdirat: case __NR_unlinkat:
	case __NR_execveat: case __NR_fchmodat: case __NR_fchownat: case __NR_utimensat:
	case __NR_renameat: case __NR_renameat2: case __NR_linkat: case __NR_symlink:
		return 1;
	case __NR_symlinkat:
		return 2;
	}
	return -1;
}

static int nargs(long nr)
{
	switch (nr) {
	case __NR_getpid: case __NR_getppid: case __NR_gettid: case __NR_getuid:
	case __NR_geteuid: case __NR_getgid: case __NR_getegid: case __NR_fork:
	case __NR_vfork: case __NR_getpgrp: case __NR_setsid: case __NR_sched_yield:
	case __NR_pause: case __NR_sync: case __NR_rt_sigreturn:
		return 0;
	case __NR_close: case __NR_exit: case __NR_exit_group: case __NR_brk: case __NR_dup:
	case __NR_uname: case __NR_chdir: case __NR_fchdir: case __NR_umask: case __NR_pipe:
		return 1;
	}
	return 6;
}

static void put_arg(char *buf, size_t n, long v, int is_path)
{
	if (is_path && v) {
		char s[64];
		long len = gk_ustr(s, (const char *)v, sizeof(s));

		if (len == -EFAULT)
			snprintf(buf, n, "0x%lx", (unsigned long)v);
		else
			snprintf(buf, n, "\"%s\"%s", s, len < 0 ? "..." : "");
	} else if (v > -4096 && v < 65536) {
		snprintf(buf, n, "%ld", v);
	} else {
		snprintf(buf, n, "0x%lx", (unsigned long)v);
	}
}

void gk_trace(const struct gk_call *c, long ret, unsigned long ns)
{
	char line[512], arg[96];
	const char *name = gk_sys_name(c->nr);
	int i, n = nargs(c->nr), pa = path_arg(c->nr);
	size_t len;

	if (name)
		snprintf(line, sizeof(line), "kiste-shim[%ld] %s(", gk_to_guest_pid(hs0(__NR_getpid)),
		         name);
	else
		snprintf(line, sizeof(line), "kiste-shim[%ld] syscall_%ld(",
		         gk_to_guest_pid(hs0(__NR_getpid)), c->nr);
	for (i = 0; i < n; i++) {
		put_arg(arg, sizeof(arg), c->a[i], i == pa);
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, "%s%s", i ? ", " : "", arg);
	}
	len = strlen(line);
	if (c->noreturn)
		snprintf(line + len, sizeof(line) - len, ") = 0 <%lu ns>\n", ns);
	else if (ret < 0 && ret > -4096)
		snprintf(line + len, sizeof(line) - len, ") = -%ld%s <%lu ns>\n", -ret,
		         ret == -ENOSYS && !gk_table[c->nr < GK_NSYS && c->nr >= 0 ? c->nr : 0] ?
		         " ENOSYS (not implemented)" : "", ns);
	else
		snprintf(line + len, sizeof(line) - len, ") = %ld <%lu ns>\n", ret, ns);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}

void gk_nosys_report(void)
{
	char line[512];
	size_t len;
	long nr, total = 0;

	snprintf(line, sizeof(line), "kiste-shim[%ld] unimplemented:",
	         gk_to_guest_pid(hs0(__NR_getpid)));
	for (nr = 0; nr < GK_NSYS; nr++) {
		if (!gk.nosys[nr])
			continue;
		total += gk.nosys[nr];
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, " %ld x%lu", nr, gk.nosys[nr]);
	}
	if (!total)
		return;
	len = strlen(line);
	snprintf(line + len, sizeof(line) - len, " (%ld calls)\n", total);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}
