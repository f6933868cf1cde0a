// SPDX-License-Identifier: GPL-2.0
// rootfs.c - host files a caller names: which directories may be a writable root (decided on
// identities), and regular files opened without hanging on a FIFO.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "kiste_run.h"

/*
 * Host paths a writable rootfs must never be, nor contain (DESIGN.md): the
 * system's own trees and the pseudo filesystems.  A rootfs is compared by
 * identity (device and inode), so "/.", "//", "/tmp/..", a symlink or a bind
 * mount of one of these, or of any directory above one, is the same refusal.
 */
static const char *const protected_paths[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
	"/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var",
};

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* True when @root is @path or a directory above it (by identity, walking up ".."). */
static bool contains(const struct stat *root, const char *path)
{
	char p[PATH_MAX];
	struct stat st;
	int depth;

	if (strlen(path) >= sizeof(p) - 64)
		return false;
	strcpy(p, path);
	for (depth = 0; depth < 64; depth++) {
		if (stat(p, &st) == 0 && same_inode(&st, root))
			return true;
		if (!strcmp(p, "/"))
			return false;
		/* the parent, lexically: these paths are the host's fixed ones */
		*strrchr(p, '/') = 0;
		if (!p[0])
			strcpy(p, "/");
	}
	return false;
}

static int protected_check(const struct stat *st, const char *name, struct kiste_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(protected_paths) / sizeof(protected_paths[0]); i++)
		if (contains(st, protected_paths[i]))
			return kiste_err_set(err, -EPERM,
					     "--rw is refused for --rootfs %s: it is or holds the "
					     "host's %s; give a directory of its own",
					     name, protected_paths[i]);
	return 0;
}

int kiste_rootfs_check(const char *rootfs, bool writable, struct kiste_err *err)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(rootfs, real) || stat(real, &st) < 0)
		return kiste_err_set(err, -errno, "--rootfs %s: %s", rootfs, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return kiste_err_set(err, -ENOTDIR, "--rootfs %s: not a directory", rootfs);
	return writable ? protected_check(&st, rootfs, err) : 0;
}

int kiste_rootfs_check_fd(int fd, const char *name, struct kiste_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return kiste_err_set(err, -errno, "--rootfs %s: %s", name, strerror(errno));
	return protected_check(&st, name, err);
}

/*
 * The node @path names, opened O_PATH (no open side effects: a FIFO does not
 * wait, a device is not opened, a tty does not become ours) and resolved as
 * @resolve says; a regular file is then reopened with @flags through
 * /proc/self/fd.  Without /proc, a non-blocking open of the same inode.
 */
static int open_checked(int dirfd, const char *path, int flags, uint64_t resolve,
			struct stat *st)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW),
				.resolve = resolve };
	char proc[32];
	struct stat st2;
	int pfd, fd, fl;

	pfd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(pfd);
		return -EINVAL;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, (flags & ~O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && !resolve) {
		/* No /proc here: a non-blocking open, which must reach the same file. */
		fd = openat(dirfd, path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		fl = fd < 0 ? -1 : fcntl(fd, F_GETFL);
		if (fd >= 0 && (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev ||
				st2.st_ino != st->st_ino || fl < 0 ||
				fcntl(fd, F_SETFL, (fl & ~O_NONBLOCK) | (flags & O_NONBLOCK)) < 0)) {
			close(fd);
			fd = -1;
			errno = EINVAL;
		}
	}
	if (fd < 0)
		fd = -errno;
	close(pfd);
	return fd;
}

int kiste_open_regular(int dirfd, const char *path, int flags, struct stat *st)
{
	return open_checked(dirfd, path, flags, 0, st);
}

int kiste_open_regular_in(int rootfd, const char *path, int flags, struct stat *st)
{
	return open_checked(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, st);
}
