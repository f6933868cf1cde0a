// SPDX-License-Identifier: GPL-2.0
// attack.c - the hostile suite's attack program: subcommand table, output helpers, "multi".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

const char *ename(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ 0, "ok" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EIO, "EIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
		{ ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
		{ ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" },
		{ EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { ELOOP, "ELOOP" },
		{ ENAMETOOLONG, "ENAMETOOLONG" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { ECONNREFUSED, "ECONNREFUSED" },
		{ ESTALE, "ESTALE" }, { ENOTSOCK, "ENOTSOCK" }, { EMSGSIZE, "EMSGSIZE" },
		{ EUSERS, "EUSERS" }, { ENXIO, "ENXIO" }, { ENOLCK, "ENOLCK" },
	};
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

void say(const char *name, long r)
{
	printf("%s=%s\n", name, ename(r < 0 ? errno : 0));
}

void say_raw(const char *name, long r)
{
	if (r < 0 && r > -4096)
		printf("%s=%s\n", name, ename((int)-r));
	else
		printf("%s=%ld\n", name, r);
}

void unshift(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)(src[i] - 1);
	dst[i] = 0;
}

int mem_has(const void *p, size_t n, const char *needle)
{
	size_t len = strlen(needle);

	return len && memmem(p, n, needle, len) != NULL;
}

int file_has(const char *path, const char *needle, size_t max)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), found;

	if (fd < 0)
		return -1;
	buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += n;
	close(fd);
	found = mem_has(buf, len, needle);
	free(buf);
	return found;
}

/*
 * multi CMD [ARG...] ; CMD [ARG...] ... (";" a separate argument): each in
 * its own child, so that one that dies (a bomb the kernel ends) leaves the
 * rest to run; one vm-mode boot then holds many techniques.
 */
static int dispatch(int argc, char **argv);

static int cmd_multi(int argc, char **argv)
{
	int i = 0, j, st;
	pid_t c;

	while (i < argc) {
		for (j = i; j < argc && strcmp(argv[j], ";"); j++)
			;
		argv[j < argc ? j : argc] = NULL;
		printf("multi: begin %s\n", argv[i]);
		fflush(stdout);
		c = fork();
		if (c == 0)
			_exit(dispatch(j - i, argv + i));
		while (c > 0 && waitpid(c, &st, 0) < 0 && errno == EINTR)
			;
		if (c < 0)
			printf("multi: end %s fork=%s\n", argv[i], ename(errno));
		else if (WIFSIGNALED(st))
			printf("multi: end %s signal=%d\n", argv[i], WTERMSIG(st));
		else
			printf("multi: end %s exit=%d\n", argv[i], WEXITSTATUS(st));
		fflush(stdout);
		i = j + 1;
	}
	return 0;
}

/* How many arguments arrived, and the last: what a spec the agent truncated would lose. */
static int cmd_args(int argc, char **argv)
{
	printf("args: argc=%d last=%s\n", argc, argc ? argv[argc - 1] : "");
	return 0;
}

/* Waits SECONDS: a host process for others to steal from (its environment, its descriptors). */
static int cmd_idle(int argc, char **argv)
{
	sleep(argc > 0 ? atoi(argv[0]) : 3600);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} cmds[] = {
	{ "gate", cmd_gate, "NR [A0..A5] (gk, gktext: the guest kernel's addresses)" },
	{ "gkwrite", cmd_gkwrite, "" },
	{ "raw", cmd_raw, "NR [A0..A5]" },
	{ "gateopen", cmd_gateopen, "DIRFD|/DIR PATH [SHIFTED-CANARY]" },
	{ "gatetrunc", cmd_gatetrunc, "DIRFD PATH" },
	{ "gatemeta", cmd_gatemeta, "FD (fchmod, futimens, fsetxattr through the gate)" },
	{ "gatemetaat", cmd_gatemetaat, "DIR PATH (fchmodat, utimensat through the gate)" },
	{ "gatechmodvia", cmd_gatechmodvia, "DIRFD PATH (openat2, fchmod, futimens through the gate)" },
	{ "exec", cmd_exec, "PATH [ARG...]" },
	{ "open", cmd_open, "PATH..." },
	{ "fdread", cmd_fdread, "FD NAME" },
	{ "mkhandle", cmd_mkhandle, "PATH" },
	{ "handle", cmd_handle, "MOUNTDIR HANDLE NAME" },
	{ "fdserve", cmd_fdserve, "SOCKET FILE" },
	{ "scm", cmd_scm, "SOCKET" },
	{ "pidfd", cmd_pidfd, "PID FD" },
	{ "launcher", cmd_launcher, "PID SHIFTED-CANARY" },
	{ "memscan", cmd_memscan, "SHIFTED-CANARY" },
	{ "creat", cmd_creat, "PATH" },
	{ "forkbomb", cmd_forkbomb, "N" },
	{ "threadbomb", cmd_threadbomb, "N" },
	{ "membomb", cmd_membomb, "MIB" },
	{ "fdbomb", cmd_fdbomb, "" },
	{ "fillfs", cmd_fillfs, "DIR MIB" },
	{ "cpuspin", cmd_cpuspin, "SECONDS" },
	{ "guest", cmd_guest, "SHIFTED-CANARY" },
	{ "chan", cmd_chan, "" },
	{ "mkbad", cmd_mkbad, "KIND IN OUT" },
	{ "args", cmd_args, "[ARG...]" },
	{ "idle", cmd_idle, "SECONDS" },
	{ "multi", cmd_multi, "CMD [ARG...] [; CMD [ARG...]]..." },
};

static int dispatch(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc > 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: attack COMMAND [ARG...]; commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  %s %s\n", cmds[i].name, cmds[i].usage);
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return dispatch(argc - 1, argv + 1);
}
