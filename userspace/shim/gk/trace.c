// SPDX-License-Identifier: GPL-2.0
// trace.c - --trace output: one strace-like line per redirected syscall, and the ENOSYS tally.
#include "gk.h"

#define O_ACCMODE_BITS 3UL
#define O_CREAT_BIT 0100L
#define O_TMPFILE_BIT 020000000L

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

#include "amd64_syscalls.h"
#include "gk_nargs.h"
#define GK_ALLNAME(nr, name) [nr] = #name,
/* Every amd64 call's name, served or not (<asm/unistd_64.h>, copied out at build time). */
static const char *const all_names[GK_NSYS] = { AMD64_SYSCALLS(GK_ALLNAME) };

/* A call's name: the table's, else the architecture's, else NULL. */
static const char *trace_name(long nr)
{
	const char *name = gk_sys_name(nr);

	if (!name && nr >= 0 && nr < GK_NSYS)
		name = all_names[nr];
	return name;
}
#define GK_NARG(name, n) [__NR_##name] = (n) + 1,
/* Each call's argument count + 1 (0: not known, show six), from the kernel's prototypes. */
static const unsigned char nargs_known[GK_NSYS] = { GK_NARGS(GK_NARG) };

static int nargs(long nr)
{
	if (nr >= 0 && nr < GK_NSYS && nargs_known[nr])
		return nargs_known[nr] - 1;
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

/* Linux's errno names, 1..133 (E41 and E58 are unassigned). */
static const char *const errnames[] = {
	NULL,
	"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
	"ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
	"ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
	"ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
	"ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "E41", "ENOMSG", "EIDRM",
	"ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT",
	"EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", "E58", "EBFONT", "ENOSTR",
	"ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT",
	"ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD",
	"EREMCHG", "ELIBACC", "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART",
	"ESTRPIPE", "EUSERS", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT",
	"EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT",
	"EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED",
	"ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT",
	"ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE",
	"EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM",
	"EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED",
	"EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
};

/* "-1 ENAME" for an error return, as strace shows it. */
static void put_ret(char *buf, size_t n, long ret)
{
	long e = -ret;

	if (ret < 0 && ret > -4096 && e < (long)(sizeof(errnames) / sizeof(errnames[0])) &&
	    errnames[e])
		snprintf(buf, n, "-1 %s", errnames[e]);
	else if (ret < 0 && ret > -4096)
		snprintf(buf, n, "-1 E%ld", e);
	else if (ret > -4096 && ret < 65536)
		snprintf(buf, n, "%ld", ret);
	else
		snprintf(buf, n, "0x%lx", (unsigned long)ret);
}

/* The dirfd argument of the *at calls (AT_FDCWD by name), else -1. */
static int dirfd_arg(long nr)
{
	switch (nr) {
	case __NR_openat: case __NR_newfstatat: case __NR_statx: case __NR_readlinkat:
	case __NR_faccessat: case __NR_faccessat2: case __NR_mkdirat: case __NR_unlinkat:
	case __NR_execveat: case __NR_fchmodat: case __NR_fchownat: case __NR_utimensat:
	case __NR_renameat: case __NR_renameat2: case __NR_linkat: case __NR_mknodat:
	case __NR_futimesat: case __NR_inotify_add_watch:
		return 0;
	case __NR_symlinkat:
		return 1;
	}
	return -1;
}

struct flagname {
	unsigned long bit;
	const char *name;
};

static const struct flagname open_flags[] = {
	{ 01, "O_WRONLY" }, { 02, "O_RDWR" }, { 0100, "O_CREAT" }, { 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" }, { 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" }, { 020000, "O_ASYNC" }, { 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" }, { 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" }, { 04000000, "__O_SYNC" },
	{ 010000000, "O_PATH" }, { 020000000, "__O_TMPFILE" }, { 0, NULL },
};
static const struct flagname prot_flags[] = {
	{ 1, "PROT_READ" }, { 2, "PROT_WRITE" }, { 4, "PROT_EXEC" }, { 0, NULL },
};
static const struct flagname map_flags[] = {
	{ 0x01, "MAP_SHARED" }, { 0x02, "MAP_PRIVATE" }, { 0x10, "MAP_FIXED" },
	{ 0x20, "MAP_ANONYMOUS" }, { 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" },
	{ 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" }, { 0x4000, "MAP_NORESERVE" },
	{ 0x8000, "MAP_POPULATE" }, { 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" },
	{ 0x40000, "MAP_HUGETLB" }, { 0x100000, "MAP_FIXED_NOREPLACE" }, { 0, NULL },
};

/* @v as NAME|NAME|0xrest; @zero: what 0 is called ("O_RDONLY", "PROT_NONE"). */
static void put_flags(char *buf, size_t n, unsigned long v, const struct flagname *f,
		      const char *zero)
{
	size_t len = 0;
	int any = 0;

	buf[0] = 0;
	if (zero && (f != open_flags || !(v & 3))) {
		len = (size_t)snprintf(buf, n, "%s", zero);
		any = 1;
		if (!v)
			return;
	}
	for (; f->name && len < n; f++)
		if ((v & f->bit) == f->bit && f->bit) {
			len += (size_t)snprintf(buf + len, n - len, "%s%s", any ? "|" : "", f->name);
			v &= ~f->bit;
			any = 1;
		}
	if ((v || !any) && len < n)
		snprintf(buf + len, n - len, "%s0x%lx", any ? "|" : "", v);
}

/* Arguments shown by name: flags of open and mmap, AT_FDCWD. 1 when done. */
static int put_named(char *buf, size_t n, long nr, int i, long v)
{
	if (i == dirfd_arg(nr) && (int)v == -100) {
		snprintf(buf, n, "AT_FDCWD");
		return 1;
	}
	if ((nr == __NR_openat && i == 2) || (nr == __NR_open && i == 1)) {
		put_flags(buf, n, (unsigned long)v & ~(unsigned long)O_ACCMODE_BITS, open_flags,
			  (v & 3) == 0 ? "O_RDONLY" : NULL);
		if ((v & 3) && !(v & ~3L))
			snprintf(buf, n, "%s", (v & 3) == 1 ? "O_WRONLY" : "O_RDWR");
		else if (v & 3) {
			char rest[160];

			put_flags(rest, sizeof(rest), (unsigned long)v & ~3UL, open_flags, NULL);
			snprintf(buf, n, "%s|%s", (v & 3) == 1 ? "O_WRONLY" : "O_RDWR", rest);
		}
		return 1;
	}
	if ((nr == __NR_mmap && i == 2) || (nr == __NR_mprotect && i == 2)) {
		put_flags(buf, n, (unsigned long)v, prot_flags, v ? NULL : "PROT_NONE");
		return 1;
	}
	if (nr == __NR_mmap && i == 3) {
		put_flags(buf, n, (unsigned long)v, map_flags, NULL);
		return 1;
	}
	return 0;
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
	const char *name = trace_name(c->nr);
	int i, n = nargs(c->nr), pa = path_arg(c->nr);
	int end = c->nr == __NR_exit || c->nr == __NR_exit_group;

	/* open's mode only where it counts, as strace shows it */
	if (c->nr == __NR_openat && !(c->a[2] & (O_CREAT_BIT | O_TMPFILE_BIT)))
		n = 3;
	else if (c->nr == __NR_open && !(c->a[1] & (O_CREAT_BIT | O_TMPFILE_BIT)))
		n = 2;
	size_t len;

	if (name)
		snprintf(line, sizeof(line), "kiste-shim[%ld] %s(", gk_to_guest_pid(hs0(__NR_getpid)),
		         name);
	else
		snprintf(line, sizeof(line), "kiste-shim[%ld] syscall_%ld(",
		         gk_to_guest_pid(hs0(__NR_getpid)), c->nr);
	for (i = 0; i < n; i++) {
		if (!put_named(arg, sizeof(arg), c->nr, i, c->a[i]))
			put_arg(arg, sizeof(arg), c->a[i], i == pa);
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, "%s%s", i ? ", " : "", arg);
	}
	len = strlen(line);
	put_ret(arg, sizeof(arg), c->noreturn ? 0 : ret);
	if (end)
		snprintf(arg, sizeof(arg), "?");
	snprintf(line + len, sizeof(line) - len, ") = %s%s <%lu ns>\n", arg,
		 ret == -ENOSYS && !gk_table[c->nr < GK_NSYS && c->nr >= 0 ? c->nr : 0] ?
		 " (not implemented)" : "", ns);
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
		if (trace_name(nr))
			snprintf(line + len, sizeof(line) - len, " %s(%ld) x%lu", trace_name(nr), nr,
				 gk.nosys[nr]);
		else
			snprintf(line + len, sizeof(line) - len, " %ld x%lu", nr, gk.nosys[nr]);
	}
	if (!total)
		return;
	len = strlen(line);
	snprintf(line + len, sizeof(line) - len, " (%ld calls)\n", total);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}

/* --trace-summary: per call, in this process (a fork child starts from zero). */
static unsigned long sum_calls[GK_NSYS], sum_errors[GK_NSYS], sum_ns[GK_NSYS];

void gk_trace_count(const struct gk_call *c, long ret, unsigned long ns)
{
	if (c->nr < 0 || c->nr >= GK_NSYS)
		return;
	sum_calls[c->nr]++;
	sum_ns[c->nr] += ns;
	if (ret < 0 && ret > -4096 && !c->noreturn)
		sum_errors[c->nr]++;
}

void gk_trace_forked(void)
{
	memset(sum_calls, 0, sizeof(sum_calls));
	memset(sum_errors, 0, sizeof(sum_errors));
	memset(sum_ns, 0, sizeof(sum_ns));
}

/* strace -c's table, most time first: time share, seconds, us/call, calls, errors, name. */
void gk_trace_summary(void)
{
	static unsigned char done[GK_NSYS];
	unsigned long total_ns = 0, total_calls = 0, total_errors = 0;
	char line[160], nm[32];
	long nr, best;
	const char *name;
	int pid = (int)gk_to_guest_pid(hs0(__NR_getpid));

	for (nr = 0; nr < GK_NSYS; nr++) {
		total_ns += sum_ns[nr];
		total_calls += sum_calls[nr];
		total_errors += sum_errors[nr];
		done[nr] = 0;
	}
	if (!total_calls)
		return;
	snprintf(line, sizeof(line), "kiste-shim[%d] %% time     seconds  usecs/call     calls    errors syscall\n", pid);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
	for (;;) {
		best = -1;
		for (nr = 0; nr < GK_NSYS; nr++)
			if (sum_calls[nr] && !done[nr] && (best < 0 || sum_ns[nr] > sum_ns[best]))
				best = nr;
		if (best < 0)
			break;
		done[best] = 1;
		name = trace_name(best);
		if (!name) {
			snprintf(nm, sizeof(nm), "syscall_%ld", best);
			name = nm;
		}
		snprintf(line, sizeof(line), "kiste-shim[%d] %6lu.%02lu %11lu.%06lu %11lu %9lu %9lu %s\n",
			 pid, total_ns ? sum_ns[best] * 100 / total_ns : 0,
			 total_ns ? sum_ns[best] * 10000 / total_ns % 100 : 0,
			 sum_ns[best] / 1000000000, sum_ns[best] / 1000 % 1000000,
			 sum_ns[best] / 1000 / sum_calls[best], sum_calls[best], sum_errors[best], name);
		hs3(__NR_write, gk.trace_fd, line, strlen(line));
	}
	snprintf(line, sizeof(line), "kiste-shim[%d] 100.00 %11lu.%06lu %11lu %9lu %9lu total\n", pid,
		 total_ns / 1000000000, total_ns / 1000 % 1000000, total_ns / 1000 / total_calls,
		 total_calls, total_errors);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}
