// SPDX-License-Identifier: GPL-2.0
// allowlist.c - THE host syscall allowlist of shim mode (one table) and its libseccomp filter.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <seccomp.h>
#include <signal.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "allowlist.h"

enum { K_CONST, K_GATE_START, K_GATE_LEN, K_ROOT_FD, K_KISTE_FD };
enum { OP_EQ, OP_MASK0, OP_IN };
enum { W_ALL, W_MODULE, W_FALLBACK };

struct cond {
	unsigned char arg, op, kind;
	uint64_t val;			/* OP_EQ: the value; OP_MASK0: bits that must be clear */
	const uint64_t *list;		/* OP_IN */
	unsigned char nlist;
};

struct allow {
	const char *name;
	int nr;
	unsigned char when;
	unsigned char ncond;
	struct cond c[5];
	const char *why;
};

static const uint64_t fcntl_cmds[] = {
	F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK,
	F_OFD_SETLK, F_OFD_SETLKW, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS,
	F_GET_SEALS,
};
static const uint64_t tty_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, FIONBIO, FIOCLEX,
	FIONCLEX, TCXONC, TCFLSH, TIOCGPGRP, TIOCSPGRP,
};
/* WAIT, WAKE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; private and realtime forms */
static const uint64_t futex_ops[] = {
	0, 1, 4, 5, 9, 10, 128, 129, 132, 133, 137, 138, 256, 265, 384, 393,
};
static const uint64_t madv_ok[] = {
	MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
	MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
	MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
};
static const uint64_t fs_codes[] = { 0x1002 /* ARCH_SET_FS */, 0x1003 /* ARCH_GET_FS */ };
static const uint64_t name_ops[] = { PR_SET_NAME, PR_GET_NAME };

#define N(s) #s, SYS_##s
#define ANY(s, why) { N(s), W_ALL, 0, { { 0 } }, why }
#define IN(s, a, l, why) { N(s), W_ALL, 1, { { a, OP_IN, K_CONST, 0, l, sizeof(l) / 8 } }, why }
#define EQK(s, a, k, why) { N(s), W_ALL, 1, { { a, OP_EQ, k, 0, NULL, 0 } }, why }
#define EQ(s, a, v, why) { N(s), W_ALL, 1, { { a, OP_EQ, K_CONST, v, NULL, 0 } }, why }
/* Bits of argument a outside @ok must be clear. */
#define ONLY(s, a, ok, why) \
	{ N(s), W_ALL, 1, { { a, OP_MASK0, K_CONST, ~(uint64_t)(ok), NULL, 0 } }, why }

/*
 * Every host syscall the guest kernel makes, and nothing else.  The workload's
 * own syscalls never reach this filter (redirection sends them to the guest
 * kernel); only code inside the gate can issue these.  execve, ptrace, mount,
 * module, bpf, keyring, kexec and the switch-off of redirection are absent.
 */
static const struct allow table[] = {
	ANY(read, "I/O on the workload's descriptors"),
	ANY(write, "I/O on the workload's descriptors"),
	ANY(readv, "I/O on the workload's descriptors"),
	ANY(writev, "I/O on the workload's descriptors"),
	ANY(pread64, "I/O on the workload's descriptors"),
	ANY(pwrite64, "I/O on the workload's descriptors"),
	ANY(preadv, "I/O on the workload's descriptors"),
	ANY(pwritev, "I/O on the workload's descriptors"),
	ANY(lseek, "file offsets"),
	ANY(close, "descriptor table"),
	ANY(dup, "descriptor table"),
	ONLY(dup3, 2, O_CLOEXEC, "descriptor table (dup2 too)"),
	ONLY(pipe2, 1, O_CLOEXEC | O_NONBLOCK | O_DIRECT, "pipes"),
	IN(fcntl, 1, fcntl_cmds, "descriptor flags, locks and F_DUPFD"),
	IN(ioctl, 1, tty_ioctls, "terminal ioctls only"),
	{ N(ioctl), W_MODULE, 2, { { 0, OP_EQ, K_KISTE_FD, 0, NULL, 0 },
				  { 1, OP_EQ, K_CONST, KISTE_IOC_SHIM_ARM, NULL, 0 } },
	  "arming redirection once through kiste.ko (module path)" },
	EQK(openat2, 0, K_ROOT_FD, "every open resolves beneath the sandbox root descriptor"),
	ANY(newfstatat, "stat family on resolved descriptors"),
	ANY(fstat, "stat of a descriptor"),
	ANY(statx, "stat family on resolved descriptors"),
	ANY(fstatfs, "statfs on a descriptor"),
	ANY(getdents64, "directory listing"),
	ANY(readlinkat, "readlink below a resolved parent"),
	ANY(faccessat2, "access checks"),
	ANY(mkdirat, "writable parts only (mounts and Landlock decide)"),
	ONLY(unlinkat, 2, AT_REMOVEDIR, "writable parts only"),
	ONLY(renameat2, 4, RENAME_NOREPLACE | RENAME_EXCHANGE, "writable parts only; no whiteouts"),
	ONLY(linkat, 4, AT_SYMLINK_FOLLOW, "writable parts only; no AT_EMPTY_PATH"),
	ANY(symlinkat, "writable parts only"),
	ANY(fchmodat, "writable parts only"),
	ANY(fchmod, "writable parts only"),
	ANY(fchownat, "writable parts only"),
	ANY(fchown, "writable parts only"),
	ANY(utimensat, "writable parts only"),
	ANY(ftruncate, "writable parts only"),
	ANY(fallocate, "writable parts only"),
	ANY(fsync, "file sync"),
	ANY(fdatasync, "file sync"),
	ANY(fadvise64, "file hints"),
	ANY(readahead, "file hints"),
	ANY(flock, "file locks"),
	ANY(sendfile, "copies between the workload's descriptors"),
	ANY(copy_file_range, "copies between the workload's descriptors"),
	ANY(splice, "copies between the workload's descriptors"),
	ANY(tee, "copies between the workload's descriptors"),
	ANY(fchdir, "cwd (kept equal to the guest cwd)"),
	ANY(getcwd, "cwd (kept equal to the guest cwd)"),
	ONLY(mmap, 3, ~(uint64_t)(MAP_HUGETLB | MAP_LOCKED), "memory; no huge or locked pages"),
	ANY(munmap, "memory; the guest kernel refuses its own pages"),
	ONLY(mprotect, 2, PROT_READ | PROT_WRITE | PROT_EXEC, "memory; plain protections only"),
	ANY(mremap, "memory; the guest kernel refuses its own pages"),
	IN(madvise, 2, madv_ok, "memory; no REMOVE, HWPOISON or other privileged advice"),
	ANY(msync, "memory"),
	ANY(mincore, "memory"),
	{ N(clone), W_ALL, 1, { { 0, OP_MASK0, K_CONST, ~(uint64_t)0xff, NULL, 0 } },
	  "fork only: no flags but the exit signal (no threads, no namespaces)" },
	ANY(wait4, "waiting for children"),
	ANY(waitid, "waiting for children"),
	ONLY(kill, 1, 0x7f, "signals within the pid namespace"),
	ONLY(tkill, 1, 0x7f, "signals within the pid namespace"),
	ONLY(tgkill, 2, 0x7f, "signals within the pid namespace"),
	ANY(getpid, "pids (translated for the workload)"),
	ANY(getppid, "pids (translated for the workload)"),
	ANY(gettid, "pids (translated for the workload)"),
	ANY(getpgrp, "process groups"),
	ANY(getpgid, "process groups"),
	ANY(setpgid, "process groups"),
	ANY(getsid, "sessions"),
	ANY(setsid, "sessions"),
	ANY(exit_group, "exit"),
	EQ(rt_sigaction, 3, 8, "signal actions (restorer forced into the gate)"),
	EQ(rt_sigprocmask, 3, 8, "masks at blocking points"),
	EQ(rt_sigsuspend, 1, 8, "sigsuspend, pause"),
	EQ(rt_sigtimedwait, 3, 8, "sigtimedwait"),
	ANY(rt_sigpending, "sigpending"),
	ANY(rt_sigreturn, "return from every handler, issued by the gate's restorer"),
	ANY(sigaltstack, "the guest kernel's entry stack"),
	ANY(alarm, "timers"),
	ANY(setitimer, "timers"),
	ANY(getitimer, "timers"),
	ANY(uname, "uname (nodename rewritten)"),
	EQ(prlimit64, 0, 0, "own limits only"),
	ANY(clock_gettime, "time (when the vDSO falls back)"),
	ANY(clock_getres, "time"),
	ANY(gettimeofday, "time"),
	ANY(time, "time"),
	ANY(times, "time"),
	ANY(getrusage, "usage"),
	ANY(sysinfo, "sysinfo"),
	ANY(nanosleep, "sleep"),
	ANY(clock_nanosleep, "sleep"),
	ONLY(getrandom, 2, 7, "randomness"),
	ONLY(umask, 0, 0777, "umask"),
	ANY(sched_yield, "scheduling"),
	ANY(getcpu, "scheduling"),
	IN(futex, 1, futex_ops, "futexes on the workload's memory, no PI or requeue-PI"),
	ANY(sched_getaffinity, "scheduling"),
	ANY(poll, "waiting on descriptors"),
	ANY(ppoll, "waiting on descriptors"),
	ANY(select, "waiting on descriptors"),
	ANY(pselect6, "waiting on descriptors"),
	IN(arch_prctl, 0, fs_codes, "TLS base only"),
	IN(prctl, 0, name_ops, "thread name only"),
	{ N(prctl), W_FALLBACK, 5, { { 0, OP_EQ, K_CONST, PR_SET_SYSCALL_USER_DISPATCH, NULL, 0 },
				    { 1, OP_EQ, K_CONST, PR_SYS_DISPATCH_ON, NULL, 0 },
				    { 2, OP_EQ, K_GATE_START, 0, NULL, 0 },
				    { 3, OP_EQ, K_GATE_LEN, 0, NULL, 0 },
				    { 4, OP_EQ, K_CONST, 0, NULL, 0 } },
	  "re-arming redirection ON with exactly this gate in forked children (no module); "
	  "OFF is killed" },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static uint64_t cond_value(const struct cond *c, const struct shim_filter_params *p)
{
	switch (c->kind) {
	case K_GATE_START:
		return p->gate_start;
	case K_GATE_LEN:
		return p->gate_len;
	case K_ROOT_FD:
		return (uint64_t)p->root_fd;
	case K_KISTE_FD:
		return (uint64_t)p->kiste_fd;
	}
	return c->val;
}

static int add_row(scmp_filter_ctx ctx, const struct allow *a, const struct shim_filter_params *p)
{
	struct scmp_arg_cmp cmp[5];
	int i, in = -1, n, k, r;

	for (i = 0; i < a->ncond; i++) {
		const struct cond *c = &a->c[i];

		if (c->op == OP_IN)
			in = i;
		else if (c->op == OP_MASK0)
			cmp[i] = SCMP_CMP(c->arg, SCMP_CMP_MASKED_EQ, c->val, 0);
		else
			cmp[i] = SCMP_CMP(c->arg, SCMP_CMP_EQ, cond_value(c, p));
	}
	n = in < 0 ? 1 : a->c[in].nlist;
	for (k = 0; k < n; k++) {
		if (in >= 0)
			cmp[in] = SCMP_CMP(a->c[in].arg, SCMP_CMP_EQ, a->c[in].list[k]);
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr, a->ncond, cmp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct shim_bpf *out)
{
	int fd = memfd_create("kiste-shim-bpf", MFD_CLOEXEC), r;
	off_t len;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	len = lseek(fd, 0, SEEK_END);
	r = -EINVAL;
	if (len <= 0 || len % 8 || len / 8 > 65535)
		goto out;
	out->insns = malloc(len);
	r = -ENOMEM;
	if (!out->insns)
		goto out;
	r = pread(fd, out->insns, len, 0) == len ? 0 : -EIO;
	out->len = (unsigned short)(len / 8);
out:
	close(fd);
	return r;
}

int shim_filter_build(const struct shim_filter_params *p, struct shim_bpf *out,
		      struct kiste_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return kiste_err_set(err, -ENOMEM, "libseccomp: cannot create a filter");
	for (i = 0; i < NTABLE && r == 0; i++) {
		if ((table[i].when == W_MODULE && !p->module) ||
		    (table[i].when == W_FALLBACK && p->module))
			continue;
		r = add_row(ctx, &table[i], p);
		if (r < 0)
			kiste_err_set(err, r, "libseccomp: cannot add the rule for %s",
				      table[i].name);
	}
	if (r == 0) {
		r = export_bpf(ctx, out);
		if (r < 0)
			kiste_err_set(err, r, "libseccomp: cannot export the shim filter");
	}
	seccomp_release(ctx);
	return r;
}

void shim_bpf_free(struct shim_bpf *b)
{
	free(b->insns);
	b->insns = NULL;
}

size_t shim_allowlist_syscalls(void)
{
	size_t i, j, n = 0;

	for (i = 0; i < NTABLE; i++) {
		for (j = 0; j < i && table[j].nr != table[i].nr; j++)
			;
		n += j == i;
	}
	return n;
}

size_t shim_allowlist_rules(void)
{
	return NTABLE;
}

static size_t restricted_rules(void)
{
	size_t i, n = 0;

	for (i = 0; i < NTABLE; i++)
		n += table[i].ncond > 0;
	return n;
}

static void print_cond(FILE *f, const struct cond *c)
{
	static const char *const kinds[] = { "", "gate start", "gate length", "root fd",
					     "/dev/kiste fd" };
	unsigned int k;

	if (c->op == OP_MASK0) {
		fprintf(f, "arg%u & 0x%llx == 0", c->arg, (unsigned long long)c->val);
	} else if (c->op == OP_IN) {
		fprintf(f, "arg%u in {", c->arg);
		for (k = 0; k < c->nlist; k++)
			fprintf(f, "%s0x%llx", k ? "," : "", (unsigned long long)c->list[k]);
		fprintf(f, "}");
	} else if (c->kind != K_CONST) {
		fprintf(f, "arg%u == %s", c->arg, kinds[c->kind]);
	} else {
		fprintf(f, "arg%u == 0x%llx", c->arg, (unsigned long long)c->val);
	}
}

void shim_allowlist_print(FILE *f)
{
	size_t i;
	int k;

	fprintf(f, "# kiste shim mode: host syscall allowlist (x86_64; anything else kills)\n");
	fprintf(f, "# %-18s %-8s %-44s %s\n", "syscall", "path", "arguments", "why");
	for (i = 0; i < NTABLE; i++) {
		const struct allow *a = &table[i];
		char args[512] = "any";
		FILE *m = fmemopen(args, sizeof(args), "w");

		if (m && a->ncond) {
			for (k = 0; k < a->ncond; k++) {
				if (k)
					fprintf(m, ", ");
				print_cond(m, &a->c[k]);
			}
		}
		if (m)
			fclose(m);
		fprintf(f, "%-20s %-8s %-44s %s\n", a->name,
			a->when == W_MODULE ? "module" : a->when == W_FALLBACK ? "prctl" : "both",
			args, a->why);
	}
	fprintf(f, "# %zu syscalls, %zu rules, %zu of them argument-restricted\n",
		shim_allowlist_syscalls(), shim_allowlist_rules(), restricted_rules());
}
