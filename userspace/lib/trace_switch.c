// SPDX-License-Identifier: GPL-2.0
// trace_switch.c - `kiste trace ID on|off`: the one-page file a running shim sandbox's guest kernels read.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kiste_run.h"

#define SWITCH_SIZE 4096

/*
 * Where `kiste run --name NAME` keeps its switch: /run/kiste-run as root, else
 * the caller's $XDG_RUNTIME_DIR/kiste-run (a folder only its owner can
 * write).  Not below --root, whose folders are OCI containers (kiste list).
 */
int kiste_trace_run_dir(char *buf, size_t n)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int r;

	if (kiste_host_root())
		r = snprintf(buf, n, "/run/kiste-run");
	else if (x && x[0] == '/')
		r = snprintf(buf, n, "%s/kiste-run", x);
	else
		return -ENOENT;
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

/* A switch file of the caller's: a regular file it owns, of the switch's size. */
static int switch_check(int fd, const char *path, struct kiste_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return kiste_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size != SWITCH_SIZE)
		return kiste_err_set(err, -EPERM, "%s is not a trace switch kiste made for you "
				     "(a regular file of yours, %d bytes)", path, SWITCH_SIZE);
	return 0;
}

/*
 * A new switch at @path, off; *@ro: it opened read-only (what the guest
 * kernels map).  The file's owner keeps @path's lock while the sandbox runs:
 * a second sandbox of the same name is refused, a stale file (its sandbox
 * gone without removing it) is reused.
 */
/*
 * The name's lock, waiting up to a second when @wait: an ended vm run's
 * watcher holds it until it has removed the run's files (run_exec.c), a
 * moment after the run's own end.  0, or -1 with errno.
 */
static int lock_briefly(int fd, bool wait)
{
	const struct timespec step = { .tv_nsec = 50 * 1000 * 1000 };
	int i;

	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK || !wait || i == 20)
			return -1;
		nanosleep(&step, NULL);
	}
	return 0;
}

int kiste_trace_switch_create(const char *path, bool exclusive, int *lockfd, int *ro,
			      struct kiste_err *err)
{
	struct stat st;
	int fd, r, tries;

	*lockfd = -1;
	*ro = -1;
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : 0),
			  0600);
		if (fd < 0)
			return kiste_err_set(err, -errno, "cannot make the trace switch %s: %s",
					     path, strerror(errno));
		if (lock_briefly(fd, !exclusive) < 0) {
			r = errno;
			close(fd);
			return kiste_err_set(err, r == EWOULDBLOCK ? -EBUSY : -r,
					     r == EWOULDBLOCK ? "a sandbox of that name runs already "
					     "(%s is held): pick another --name" : "%s: %s", path,
					     strerror(r));
		}
		/* Its sandbox removed it while we waited for the lock: take a new one. */
		if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
			close(fd);
			continue;
		}
		if (ftruncate(fd, 0) < 0 || ftruncate(fd, SWITCH_SIZE) < 0) {
			r = -errno;
			close(fd);
			return kiste_err_set(err, r, "cannot size the trace switch %s: %s", path,
					     strerror(-r));
		}
		r = switch_check(fd, path, err);
		if (r < 0) {
			close(fd);
			return r;
		}
		*ro = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (*ro < 0) {
			r = -errno;
			close(fd);
			return kiste_err_set(err, r, "cannot open the trace switch %s: %s", path,
					     strerror(-r));
		}
		*lockfd = fd;
		return 0;
	}
	return kiste_err_set(err, -EAGAIN, "the trace switch %s keeps changing: try again", path);
}

int kiste_run_name_claim(const char *name, char *path, size_t n, int *lockfd, int *ro,
			 struct kiste_err *err)
{
	char dir[PATH_MAX - 80];
	struct stat st;
	int r;

	path[0] = 0;
	*lockfd = *ro = -1;
	if (kiste_trace_run_dir(dir, sizeof(dir)) < 0)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kiste_err_set(err, -errno, "cannot make %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return kiste_err_set(err, -EPERM, "%s is not a folder of yours that only you can "
				     "write: remove it (kiste makes it again)", dir);
	r = snprintf(path, n, "%s/%s.trace", dir, name);
	if (r < 0 || (size_t)r >= n) {
		path[0] = 0;
		return kiste_err_set(err, -ENAMETOOLONG, "%s/%s.trace: the name is too long",
				     dir, name);
	}
	r = kiste_trace_switch_create(path, false, lockfd, ro, err);
	if (r < 0)
		path[0] = 0;
	return r;
}

/* Turns tracing on or off through the switch at @path; -ENOENT when there is none. */
int kiste_trace_switch_set(const char *path, bool on, struct kiste_err *err)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT :
		       kiste_err_set(err, -errno, "cannot open the trace switch %s: %s", path,
				     strerror(errno));
	r = switch_check(fd, path, err);
	if (r == 0 && pwrite(fd, on ? "1" : "0", 1, 0) != 1)
		r = kiste_err_set(err, -errno, "cannot write the trace switch %s: %s", path,
				  strerror(errno));
	close(fd);
	return r;
}

/* 1 when the switch at @path says on, 0 off, -ENOENT when there is none. */
int kiste_trace_switch_get(const char *path, struct kiste_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;
	char c = 0;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT :
		       kiste_err_set(err, -errno, "cannot open the trace switch %s: %s", path,
				     strerror(errno));
	r = switch_check(fd, path, err);
	if (r == 0 && pread(fd, &c, 1, 0) != 1)
		r = kiste_err_set(err, -EIO, "cannot read the trace switch %s", path);
	close(fd);
	return r < 0 ? r : c == '1';
}
