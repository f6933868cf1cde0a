// SPDX-License-Identifier: GPL-2.0
// runtime_conf.c - the runtime's configuration file: the mode of a container that names none.
//
// /etc/kiste/runtime.conf (KISTE_CONFIG names another), read only when a
// container has no annotation org.kiste.mode and kiste no --mode: lines of
// KEY = VALUE, blank lines and # comments.  One key today, `mode`.  A file
// that is not there is no configuration (shim); one that is there must parse,
// be a regular file of root's or the caller's that nobody else may write (its
// folder too),
// and name a mode: anything else is one line naming the file, the line and
// the fix, so an administrator's typo never picks a mode silently.
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiste_oci.h"
#include "kiste_run.h"

#define CONF_MAX	(64 << 10)

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Root's, or the caller's, and nobody else may write it. */
static bool conf_owned(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) && !(st->st_mode & 022);
}

static int conf_read(const char *path, char *buf, size_t n, struct kiste_err *err)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	ssize_t len;
	int fd;

	/*
	 * Its folder first: one others may write could lose the file (or swap
	 * it) without a word, the machine's containers falling back to shim.
	 */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	/* A sticky one (/tmp) lets nobody else remove or rename the file. */
	if (slash && stat(dir, &st) == 0 && !conf_owned(&st) && !(st.st_mode & S_ISVTX))
		return kiste_err_set(err, -EPERM, "%s (the folder of %s) may be written by others "
				     "than root: chown root and chmod go-w it", dir, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kiste_err_set(err, -EINVAL, "%s is not a regular file: make it one, or "
				     "remove it", path);
	}
	if (!conf_owned(&st)) {
		close(fd);
		return kiste_err_set(err, -EPERM, "%s may be written by others than root: "
				     "chown root and chmod go-w it", path);
	}
	len = read(fd, buf, n);
	close(fd);
	if (len < 0)
		return kiste_err_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	if ((size_t)len >= n)
		return kiste_err_set(err, -EFBIG, "%s is over %d KiB: it holds a few lines",
				     path, CONF_MAX >> 10);
	buf[len] = 0;
	if (memchr(buf, 0, (size_t)len))
		return kiste_err_set(err, -EINVAL, "%s is not text (a NUL byte)", path);
	return 1;
}

const char *kiste_runtime_conf_path(void)
{
	const char *path = kiste_setting(KISTE_SET_CONFIG);

	return path ? path : KISTE_RUNTIME_CONF;
}

int kiste_runtime_conf_mode(char *mode, size_t n, struct kiste_err *err)
{
	const char *path = kiste_runtime_conf_path();
	static char buf[CONF_MAX];
	char *line, *next, *eq, *key, *val;
	int ret, no = 0;

	mode[0] = 0;
	ret = conf_read(path, buf, sizeof(buf), err);
	if (ret <= 0)
		return ret;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		no++;
		line = trim(line);
		if (!line[0] || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return kiste_err_set(err, -EINVAL, "%s:%d: not KEY = VALUE: write "
					     "'mode = shim', 'mode = vm' or 'mode = unikernel'",
					     path, no);
		*eq = 0;
		key = trim(line);
		val = trim(eq + 1);
		if (strcmp(key, "mode"))
			return kiste_err_set(err, -EINVAL, "%s:%d: unknown key '%.64s': the one "
					     "key is mode", path, no, key);
		if (mode[0])
			return kiste_err_set(err, -EINVAL, "%s:%d: mode given twice: keep one",
					     path, no);
		if (strcmp(val, "shim") && strcmp(val, "vm") && strcmp(val, "unikernel"))
			return kiste_err_set(err, -EINVAL, "%s:%d: '%.64s' is no mode: use shim, "
					     "vm or unikernel", path, no, val);
		snprintf(mode, n, "%s", val);
	}
	return mode[0] ? 1 : 0;
}
