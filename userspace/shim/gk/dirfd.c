// SPDX-License-Identifier: GPL-2.0
// dirfd.c - dirfd-relative paths resolved beneath the directory descriptor itself, never a string.
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <asm/stat.h>

#include "gk.h"

/*
 * A directory descriptor the guest kernel opened beneath the root is a host
 * directory: a relative path resolves beneath it on the host (openat2
 * RESOLVE_BENEATH), so it follows the directory through renames and has no
 * length cap.  ".." steps up one host directory at a time, never above the
 * sandbox root (whose identity is compared at each step).  Where a path
 * leaves the descriptor otherwise (an inner "..", a symlink: EXDEV), it is
 * walked one component at a time, symlinks spliced in as the host would.
 * Once the walk reaches the root, or an absolute symlink, the rest is a
 * guest absolute path resolved from the root (RESOLVE_IN_ROOT), so /proc and
 * the descriptor aliases stay the guest kernel's.  No string stands for a
 * descriptor anywhere on the way.
 */

#define BENEATH (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
#define GK_AT_LINKS 40	/* the host's own limit of symlinks in one resolution */

static long host_openat2(long dirfd, const char *path, long flags, long mode, long resolve)
{
	struct open_how how = {
		.flags = (unsigned long)flags,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? (mode & 07777) : 0,
		.resolve = (unsigned long)resolve,
	};

	return gk_fd_host(hs4(__NR_openat2, dirfd, path, &how, sizeof(how)));
}

/* The sandbox root's identity, asked once (the root never changes). */
static int root_is(long fd)
{
	static unsigned long dev, ino;
	static int known;
	struct stat st;
	long r;

	if (!known) {
		long rfd = host_openat2(gk.root_fd, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
					RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);

		if (rfd < 0)
			return -1;
		r = hs4(__NR_newfstatat, rfd, "", &st, AT_EMPTY_PATH);
		hs1(__NR_close, rfd);
		if (r < 0)
			return -1;
		dev = st.st_dev;
		ino = st.st_ino;
		known = 1;
	}
	if (hs4(__NR_newfstatat, fd, "", &st, AT_EMPTY_PATH) < 0)
		return -1;
	return st.st_dev == dev && st.st_ino == ino;
}

/* The host's absolute path of @fd (as the host's root sees it), or -errno. */
static long host_path(long fd, char *out, size_t n)
{
	char rel[40];
	long d, r;

	if (gk.boot.proc_fd >= 0) {
		snprintf(rel, sizeof(rel), "%ld/fd", hs0(__NR_getpid));
		d = host_openat2(gk.boot.proc_fd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				 BENEATH | RESOLVE_NO_XDEV);
		if (d < 0)
			return d;
		snprintf(rel, sizeof(rel), "%ld", fd);
		r = hs4(__NR_readlinkat, d, rel, out, n - 1);
		hs1(__NR_close, d);
		if (r < 0)
			return r;
		if ((size_t)r >= n - 1)
			return -ENAMETOOLONG;
		out[r] = 0;
		return 0;
	}
	/* No procfs: the host's cwd names it; the cwd goes back to the guest's. */
	d = gk_open_abs(gk.cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);
	if (d < 0)
		return d;
	r = hs1(__NR_fchdir, fd);
	if (r == 0)
		r = hs2(__NR_getcwd, out, n);
	hs1(__NR_fchdir, d);
	hs1(__NR_close, d);
	return r < 0 ? r : 0;
}

/* Where the sandbox root lies in the host's view ("/" when pivoted). */
static long root_prefix(const char **pfx)
{
	static char buf[GK_PATH_MAX];
	long rfd, r;

	if (buf[0]) {
		*pfx = buf;
		return 0;
	}
	if (gk.boot.flags & GK_BOOT_F_PIDNS) {
		buf[0] = '/';
		buf[1] = 0;
	} else {
		rfd = host_openat2(gk.root_fd, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (rfd < 0)
			return rfd;
		r = host_path(rfd, buf, sizeof(buf));
		hs1(__NR_close, rfd);
		if (r < 0 || buf[0] != '/') {
			buf[0] = 0;
			return r < 0 ? r : -ENOENT;
		}
	}
	*pfx = buf;
	return 0;
}

/*
 * The guest path a host descriptor names now (renames included), or -errno:
 * ENOENT when it is deleted or not beneath the root, ENAMETOOLONG beyond
 * the host's PATH_MAX.
 */
long gk_fd_guest_path(long fd, char *out, size_t n)
{
	const char *pfx;
	size_t pl, l;
	long r;

	if (root_is(fd) == 1) {
		gk_strlcpy(out, "/", n);
		return 0;
	}
	r = host_path(fd, out, n);
	if (r == 0)
		r = root_prefix(&pfx);
	if (r < 0)
		return r;
	l = strlen(out);
	if (out[0] != '/' || (l > 10 && !strcmp(out + l - 10, " (deleted)")))
		return -ENOENT;
	pl = strlen(pfx);
	if (pl > 1) {
		if (strncmp(out, pfx, pl) || (out[pl] && out[pl] != '/'))
			return -ENOENT;
		memmove(out, out + pl, l - pl + 1);
		if (!out[0])
			gk_strlcpy(out, "/", n);
	}
	return 0;
}

/* @w->path as a guest absolute path: @rest joined to @basepath, resolved from the root. */
static int to_abs(struct gk_at *w, const char *rest, const char *basepath)
{
	size_t bl = strlen(basepath), rl = strlen(rest);
	char tmp[GK_PATH_MAX];

	if (bl + rl + 2 > sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, basepath, bl);
	if (!bl || tmp[bl - 1] != '/')
		tmp[bl++] = '/';
	memcpy(tmp + bl, rest, rl + 1);
	memcpy(w->path, tmp, bl + rl + 1);
	gk_at_put(w);
	return 0;
}

/*
 * Leading "." and ".." components: a host directory up each time, never
 * above the root.  The number of steps taken, or -errno.
 */
static int climb(struct gk_at *w)
{
	const char *s = w->path;
	long up;
	int root, steps = 0;

	for (;;) {
		root = root_is(w->base);
		if (root < 0)
			return -EBADF;
		if (root)
			return to_abs(w, s, "/");
		while (*s == '/' || (s[0] == '.' && (s[1] == '/' || !s[1])))
			s++;
		if (s[0] != '.' || s[1] != '.' || (s[2] && s[2] != '/'))
			break;
		/* The base is beneath the root and not the root: its parent is too. */
		up = host_openat2(w->base, "..", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				  RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
		if (up < 0)
			return (int)up;
		gk_at_put(w);
		w->base = up;
		w->own = 1;
		s += 2;
		steps++;
	}
	memmove(w->path, s, strlen(s) + 1);
	if (!w->path[0])
		gk_strlcpy(w->path, ".", sizeof(w->path));
	return steps;
}

/* What /proc/self/fd/N shows of a descriptor opened by @rel beneath @dirfd (display only). */
static void shown(struct gk_at *w, long dirfd, const char *rel)
{
	const char *b = gk_fd_path(dirfd);
	size_t bl = strlen(b), rl = strlen(rel);
	char tmp[GK_PATH_MAX];

	w->shown[0] = 0;
	if (!bl || bl + rl + 2 > sizeof(tmp))
		return;
	memcpy(tmp, b, bl);
	tmp[bl] = '/';
	memcpy(tmp + bl + 1, rel, rl + 1);
	gk_normalize(tmp);
	if (strlen(tmp) < sizeof(w->shown))
		gk_strlcpy(w->shown, tmp, sizeof(w->shown));
}

/*
 * The workload's @upath against @dirfd: beneath a host directory (@w->base
 * >= 0, @w->path relative to it) or a guest absolute path (@w->base == -1).
 * Release with gk_at_put().
 */
int gk_at_get(long dirfd, const char *upath, struct gk_at *w)
{
	long r = gk_ustr(w->path, upath, sizeof(w->path));

	w->base = -1;
	w->own = 0;
	w->links = 0;
	w->shown[0] = 0;
	if (r < 0)
		return (int)r;
	if (!r)
		return -ENOENT;
	if (w->path[0] == '/' || (int)dirfd == -100 /* AT_FDCWD */ || !gk_fd_beneath(dirfd)) {
		char tmp[GK_PATH_MAX];

		memcpy(tmp, w->path, (size_t)r + 1);
		r = gk_path_join(dirfd, tmp, w->path, sizeof(w->path));
		if (r == 0)
			gk_strlcpy(w->shown, w->path, sizeof(w->shown));
		return (int)r;
	}
	shown(w, dirfd, w->path);
	w->base = dirfd;
	r = climb(w);
	if (r < 0)
		gk_at_put(w);	/* a directory it stepped up to */
	return r < 0 ? (int)r : 0;
}

void gk_at_put(struct gk_at *w)
{
	if (w->own && w->base >= 0)
		hs1(__NR_close, w->base);
	w->base = -1;
	w->own = 0;
}

/* The symlink @fd met where @rest remains: its target spliced in before @rest. */
static int splice(struct gk_at *w, long fd, const char *rest, int slash)
{
	char tmp[GK_PATH_MAX];
	size_t rl = strlen(rest);
	long n;

	if (++w->links > GK_AT_LINKS)
		return -ELOOP;
	n = hs4(__NR_readlinkat, fd, "", tmp, sizeof(tmp) - 1);
	if (n <= 0)
		return n < 0 ? (int)n : -ENOENT;
	if ((size_t)n + rl + 2 > sizeof(tmp))
		return -ENAMETOOLONG;
	if (rl || slash)
		tmp[n++] = '/';
	memcpy(tmp + n, rest, rl + 1);
	if (tmp[0] == '/')
		return to_abs(w, tmp + 1, "/");
	memcpy(w->path, tmp, (size_t)n + rl + 1);
	return 0;
}

/* One component @s (NUL-terminated by the caller) beneath the base: taken, or a symlink spliced. */
static int step(struct gk_at *w, const char *s, const char *rest, int slash)
{
	struct stat st;
	long fd = host_openat2(w->base, s, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, BENEATH), r;

	if (fd < 0)
		return (int)fd;
	r = hs4(__NR_newfstatat, fd, "", &st, AT_EMPTY_PATH);
	if (r == 0 && S_ISLNK(st.st_mode)) {
		r = splice(w, fd, rest, slash);
		hs1(__NR_close, fd);
		return (int)r;
	}
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r < 0) {
		hs1(__NR_close, fd);
		return (int)r;
	}
	gk_at_put(w);
	w->base = fd;
	w->own = 1;
	memmove(w->path, rest, strlen(rest) + 1);
	if (!w->path[0])
		gk_strlcpy(w->path, ".", sizeof(w->path));
	return 0;
}

/*
 * After EXDEV beneath @w->base: walks the path one component at a time up to
 * its last (or, when only the last is left, follows it once), so that the
 * caller's call can be made again; @w may end up resolved from the root.
 * On failure @w is released.
 */
int gk_at_walk(struct gk_at *w)
{
	int moved = 0, r, slash;
	char *e, *rest;

	for (;;) {
		r = climb(w);
		if (r < 0 || w->base < 0)
			break;
		moved |= r > 0;
		e = strchr(w->path, '/');
		rest = e;
		while (rest && *rest == '/')
			rest++;
		if (moved && (!rest || !*rest))
			return 0;
		slash = e != NULL;
		if (e)
			*e = 0;
		r = step(w, w->path, rest ? rest : "", slash);
		if (r < 0 || w->base < 0)
			break;
		moved = 1;
	}
	if (r < 0)
		gk_at_put(w);
	return r < 0 ? r : 0;
}

/* Open @w->path beneath @w->base; -EXDEV when it leaves the base (then gk_at_walk()). */
long gk_at_open(struct gk_at *w, long flags, long mode)
{
	return host_openat2(w->base, w->path, flags, mode, BENEATH);
}

/*
 * An O_PATH descriptor of @w->path's parent beneath @w->base and the last
 * component in @last ("." for the path itself when it ends in "." or "..");
 * -EXDEV when it leaves the base (then gk_at_walk()).  A single component's
 * parent is the base itself: @w->base, not a new descriptor.
 */
long gk_at_parent(struct gk_at *w, char *last, size_t n)
{
	char dir[GK_PATH_MAX];
	size_t len = strlen(w->path), i;

	while (len > 1 && w->path[len - 1] == '/')
		len--;
	for (i = len; i > 0 && w->path[i - 1] != '/'; i--)
		;
	if (len - i >= n)
		return -ENAMETOOLONG;
	memcpy(last, w->path + i, len - i);
	last[len - i] = 0;
	if (!last[0] || !strcmp(last, ".") || !strcmp(last, "..")) {
		gk_strlcpy(last, ".", n);
		return host_openat2(w->base, w->path, O_PATH | O_CLOEXEC, 0, BENEATH);
	}
	if (!i)
		return w->base;
	memcpy(dir, w->path, i);
	dir[i] = 0;
	return host_openat2(w->base, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, BENEATH);
}
