// SPDX-License-Identifier: GPL-2.0
// Host-test helpers: locate the kiste binary and run it with captured stdout and stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

const char *kiste_bin(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	const char *env = getenv("KISTE_BIN");
	ssize_t n;

	if (env && *env)
		return env;
	if (path[0])
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "kiste";
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/../bin/kiste", dirname(self));
	return path;
}

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n;
	size_t off = 0;

	lseek(fd, 0, SEEK_SET);
	while (off < len - 1 && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
}

int run_kiste(const char *const *args, struct run_result *r)
{
	const char *argv[64];
	int out, err, status;
	size_t i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	argv[0] = kiste_bin();
	for (i = 0; args[i] && i < 62; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	out = memfd_create("kiste-out", MFD_CLOEXEC);
	err = memfd_create("kiste-err", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->wstatus = status;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(out);
	close(err);
	return 0;
}

size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}
