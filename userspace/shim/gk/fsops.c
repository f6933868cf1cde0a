// SPDX-License-Identifier: GPL-2.0
// fsops.c - path calls (stat, readlink, access, mkdir, unlink, rename, ...) beneath the root.
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <asm/stat.h>

#include "gk.h"

#define CWD (-100L)

/* A resolved parent directory and last component; close with at_done(). */
struct at {
	long fd;
	int own;	/* fd is a temporary (not the workload's own dirfd) */
	char last[256];
};

/*
 * @w beneath its host directory (dirfd.c): 1 when done (@at or an error),
 * 0 when @w is now a guest absolute path, the path having left the directory.
 */
static long at_beneath(struct gk_at *w, struct at *at, long *r)
{
	while (w->base >= 0) {
		at->fd = gk_at_parent(w, at->last, sizeof(at->last));
		if (at->fd != -EXDEV) {
			/* The base itself: the workload's descriptor, or a temporary now @at's. */
			at->own = at->fd != w->base || w->own;
			if (at->fd == w->base)
				w->own = 0;
			gk_at_put(w);
			*r = at->fd < 0 ? at->fd : 0;
			return 1;
		}
		*r = gk_at_walk(w);
		if (*r < 0)
			return 1;
	}
	return 0;
}

/* From the root; @mod: for a call that changes a name or metadata (gk_path_for_change). */
static long at_open_abs(char *abs, size_t n, struct at *at, int mod)
{
	long r = mod ? gk_path_for_change(abs, n) : 0;

	if (r < 0)
		return r;
	at->own = 1;
	at->fd = gk_open_parent(abs, at->last, sizeof(at->last));
	return at->fd < 0 ? at->fd : 0;
}

static long at_open(long dirfd, const char *path, struct at *at, int mod)
{
	struct gk_at w;
	long r = gk_at_get(dirfd, path, &w);

	if (r < 0 || at_beneath(&w, at, &r))
		return r;
	return at_open_abs(w.path, sizeof(w.path), at, mod);
}

static long at_prep(long dirfd, const char *path, struct at *at)
{
	return at_open(dirfd, path, at, 0);
}

static long at_prep_mod(long dirfd, const char *path, struct at *at)
{
	return at_open(dirfd, path, at, 1);
}

static void at_done(struct at *at)
{
	if (at->own)
		hs1(__NR_close, at->fd);
}

/* The file itself, symlinks followed beneath the root, as an O_PATH descriptor. */
static long follow_fd(long dirfd, const char *path)
{
	struct gk_at w;
	const char *abs = w.path;
	long r = gk_at_get(dirfd, path, &w);

	if (r < 0)
		return r;
	while (w.base >= 0) {
		r = gk_at_open(&w, O_PATH | O_CLOEXEC, 0);
		if (r != -EXDEV) {
			gk_at_put(&w);
			return r;
		}
		r = gk_at_walk(&w);
		if (r < 0)
			return r;
	}
	r = gk_fd_alias(abs);
	if (r >= 0)
		return gk_fd_ok(r) ? hs3(__NR_fcntl, r, F_DUPFD_CLOEXEC, 0) : -ENOENT;
	return gk_open_abs(abs, O_PATH | O_CLOEXEC, 0, 0);
}

/* 1 when the workload's @p is "", 0 when not, -EFAULT when it cannot be read. */
static int empty(const char *p)
{
	if (!p)
		return 0;
	if (gk_uread_ok(p, 1) < 0)
		return -EFAULT;
	return !p[0];
}

static long do_fstatat(long dirfd, const char *path, void *buf, long flags)
{
	struct at at;
	long r, fd;
	int e = empty(path);

	if (e < 0)
		return e;
	flags &= AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;
	if (e && (flags & AT_EMPTY_PATH)) {
		if (!gk_fd_ok(dirfd))
			return -EBADF;
		return hs4(__NR_newfstatat, dirfd, "", buf, flags);
	}
	if (!(flags & AT_SYMLINK_NOFOLLOW)) {
		fd = follow_fd(dirfd, path);
		if (fd < 0)
			return fd;
		r = hs4(__NR_newfstatat, fd, "", buf, AT_EMPTY_PATH);
		hs1(__NR_close, fd);
		return r;
	}
	r = at_prep(dirfd, path, &at);
	if (r < 0)
		return r;
	r = hs4(__NR_newfstatat, at.fd, at.last, buf, AT_SYMLINK_NOFOLLOW);
	at_done(&at);
	return r;
}

long sys_stat(struct gk_call *c)
{
	return do_fstatat(CWD, (const char *)c->a[0], (void *)c->a[1],
			  c->nr == __NR_lstat ? AT_SYMLINK_NOFOLLOW : 0);
}

long sys_newfstatat(struct gk_call *c)
{
	return do_fstatat(c->a[0], (const char *)c->a[1], (void *)c->a[2], c->a[3]);
}

long sys_statx(struct gk_call *c)
{
	const char *path = (const char *)c->a[1];
	long flags = c->a[2] & (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
				AT_STATX_SYNC_TYPE), r, fd;
	struct at at;
	int e = empty(path);

	if (e < 0)
		return e;
	if (e && (flags & AT_EMPTY_PATH)) {
		if (!gk_fd_ok(c->a[0]))
			return -EBADF;
		return hs5(__NR_statx, c->a[0], "", flags, c->a[3], c->a[4]);
	}
	if (!(flags & AT_SYMLINK_NOFOLLOW)) {
		fd = follow_fd(c->a[0], path);
		if (fd < 0)
			return fd;
		r = hs5(__NR_statx, fd, "", flags | AT_EMPTY_PATH, c->a[3], c->a[4]);
		hs1(__NR_close, fd);
		return r;
	}
	r = at_prep(c->a[0], path, &at);
	if (r < 0)
		return r;
	r = hs5(__NR_statx, at.fd, at.last, flags, c->a[3], c->a[4]);
	at_done(&at);
	return r;
}

static long do_readlinkat(long dirfd, const char *path, char *buf, long size)
{
	char norm[GK_PATH_MAX], link[GK_PATH_MAX];
	struct gk_at w;
	struct at at;
	const char *abs = w.path;
	long r = gk_at_get(dirfd, path, &w);

	if (r < 0)
		return r;
	if (size <= 0) {
		gk_at_put(&w);
		return -EINVAL;
	}
	if (at_beneath(&w, &at, &r)) {
		if (r < 0)
			return r;
		goto read;
	}
	/* /proc/self and exe: the host would name its own pid and the launcher. */
	if (gk_proc_path(abs, norm, sizeof(norm)) &&
	    gk_proc_readlink(norm, link, sizeof(link), &r)) {
		if (r < 0)
			return r;
		if (r > size)
			r = size;
		if (gk_uwrite_ok(buf, r) < 0)
			return -EFAULT;
		memcpy(buf, link, r);
		return r;
	}
	r = at_open_abs(w.path, sizeof(w.path), &at, 0);
	if (r < 0)
		return r;
read:
	r = hs4(__NR_readlinkat, at.fd, at.last, buf, size);
	at_done(&at);
	return r;
}

long sys_readlink(struct gk_call *c)
{
	if (c->nr == __NR_readlink)
		return do_readlinkat(CWD, (const char *)c->a[0], (char *)c->a[1], c->a[2]);
	return do_readlinkat(c->a[0], (const char *)c->a[1], (char *)c->a[2], c->a[3]);
}

static long do_access(long dirfd, const char *path, long mode, long flags)
{
	struct at at;
	long r, fd;

	if (!(flags & AT_SYMLINK_NOFOLLOW)) {
		fd = follow_fd(dirfd, path);
		if (fd < 0)
			return fd;
		r = hs4(__NR_faccessat2, fd, "", mode, AT_EMPTY_PATH | (flags & AT_EACCESS));
		hs1(__NR_close, fd);
		return r;
	}
	r = at_prep(dirfd, path, &at);
	if (r < 0)
		return r;
	r = hs4(__NR_faccessat2, at.fd, at.last, mode, flags);
	at_done(&at);
	return r;
}

long sys_access(struct gk_call *c)
{
	long mode = c->nr == __NR_access ? c->a[1] : c->a[2];
	long flags = c->nr == __NR_faccessat2 ? c->a[3] : 0;

	if ((mode & ~7L) || (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	if (c->nr == __NR_access)
		return do_access(CWD, (const char *)c->a[0], c->a[1], 0);
	return do_access(c->a[0], (const char *)c->a[1], c->a[2],
			 c->nr == __NR_faccessat2 ? c->a[3] : 0);
}

/*
 * Changes of the form op(dirfd, path, x, y, z): the host call gets the
 * resolved parent and the last component.
 */
static long at_call(long hostnr, long dirfd, const char *path, long x, long y, long z)
{
	struct at at;
	long r = at_prep_mod(dirfd, path, &at);

	if (r < 0)
		return r;
	r = hs5(hostnr, at.fd, at.last, x, y, z);
	at_done(&at);
	return r;
}

long sys_mkdir(struct gk_call *c)
{
	if (c->nr == __NR_mkdir)
		return at_call(__NR_mkdirat, CWD, (const char *)c->a[0], c->a[1], 0, 0);
	return at_call(__NR_mkdirat, c->a[0], (const char *)c->a[1], c->a[2], 0, 0);
}

long sys_unlink(struct gk_call *c)
{
	if (c->nr == __NR_unlink)
		return at_call(__NR_unlinkat, CWD, (const char *)c->a[0], 0, 0, 0);
	if (c->nr == __NR_rmdir)
		return at_call(__NR_unlinkat, CWD, (const char *)c->a[0], AT_REMOVEDIR, 0, 0);
	if (c->a[2] & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return at_call(__NR_unlinkat, c->a[0], (const char *)c->a[1], c->a[2], 0, 0);
}

long sys_fchmodat(struct gk_call *c)
{
	if (gk_meta_denied(-1) < 0)
		return gk_meta_denied(-1);
	if (c->nr == __NR_chmod)
		return at_call(__NR_fchmodat, CWD, (const char *)c->a[0], c->a[1], 0, 0);
	return at_call(__NR_fchmodat, c->a[0], (const char *)c->a[1], c->a[2], 0, 0);
}

long sys_fchownat(struct gk_call *c)
{
	if (gk_meta_denied(-1) < 0)
		return gk_meta_denied(-1);
	if (c->nr == __NR_chown || c->nr == __NR_lchown)
		return at_call(__NR_fchownat, CWD, (const char *)c->a[0], c->a[1], c->a[2],
			       c->nr == __NR_lchown ? AT_SYMLINK_NOFOLLOW : 0);
	if (c->a[4] & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return at_call(__NR_fchownat, c->a[0], (const char *)c->a[1], c->a[2], c->a[3], c->a[4]);
}

long sys_utimensat(struct gk_call *c)
{
	long r;

	if (c->a[3] & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!c->a[1]) {
		if (!gk_fd_ok(c->a[0]))
			return -EBADF;
		r = gk_meta_denied(c->a[0]);
		return r < 0 ? r : hs4(__NR_utimensat, c->a[0], 0, c->a[2], c->a[3]);
	}
	r = gk_meta_denied(-1);
	if (r < 0)
		return r;
	return at_call(__NR_utimensat, c->a[0], (const char *)c->a[1], c->a[2], c->a[3], 0);
}

long sys_symlink(struct gk_call *c)
{
	struct at at;
	const char *target = (const char *)c->a[0];
	long r;

	if (c->nr == __NR_symlink)
		r = at_prep_mod(CWD, (const char *)c->a[1], &at);
	else
		r = at_prep_mod(c->a[1], (const char *)c->a[2], &at);
	if (r < 0)
		return r;
	r = hs3(__NR_symlinkat, target, at.fd, at.last);
	at_done(&at);
	return r;
}

/* rename, renameat, renameat2, link, linkat: two resolved parents. */
long sys_rename(struct gk_call *c)
{
	long od = CWD, nd = CWD, flags = 0, r, host;
	const char *op, *np;
	struct at a, b;

	if (c->nr == __NR_rename || c->nr == __NR_link) {
		op = (const char *)c->a[0];
		np = (const char *)c->a[1];
	} else {
		od = c->a[0];
		op = (const char *)c->a[1];
		nd = c->a[2];
		np = (const char *)c->a[3];
		flags = c->nr == __NR_renameat ? 0 : c->a[4];
	}
	host = (c->nr == __NR_link || c->nr == __NR_linkat) ? __NR_linkat : __NR_renameat2;
	/* No whiteouts, no AT_EMPTY_PATH links: outside the host allowlist. */
	if (flags & ~(host == __NR_linkat ? (long)AT_SYMLINK_FOLLOW : 3L /* NOREPLACE|EXCHANGE */))
		return -EINVAL;
	r = at_prep_mod(od, op, &a);
	if (r < 0)
		return r;
	r = at_prep_mod(nd, np, &b);
	if (r < 0) {
		at_done(&a);
		return r;
	}
	r = hs5(host, a.fd, a.last, b.fd, b.last, flags);
	at_done(&a);
	at_done(&b);
	return r;
}

long sys_truncate(struct gk_call *c)
{
	long fd = follow_fd(CWD, (const char *)c->a[0]), r;
	char abs[GK_PATH_MAX];

	if (fd < 0)
		return fd;
	hs1(__NR_close, fd);
	r = gk_path_abs(CWD, (const char *)c->a[0], abs, sizeof(abs));
	if (r == 0)
		r = gk_path_for_change(abs, sizeof(abs));
	if (r < 0)
		return r;
	fd = gk_open_abs(abs, O_WRONLY | O_CLOEXEC, 0, 0);
	if (fd < 0)
		return fd;
	r = hs2(__NR_ftruncate, fd, c->a[1]);
	hs1(__NR_close, fd);
	return r;
}

long sys_statfs(struct gk_call *c)
{
	long fd = follow_fd(CWD, (const char *)c->a[0]), r;

	if (fd < 0)
		return fd;
	r = hs2(__NR_fstatfs, fd, c->a[1]);
	hs1(__NR_close, fd);
	return r;
}

/*
 * mknod/mknodat: FIFOs, sockets and regular files, where the mounts and
 * Landlock let the workload create; a device node needs CAP_MKNOD in the
 * host's namespace, which a sandbox never has (EPERM, as in a container).
 */
long sys_mknod(struct gk_call *c)
{
	long dirfd = c->nr == __NR_mknod ? CWD : c->a[0];
	const char *path = (const char *)c->a[c->nr == __NR_mknod ? 0 : 1];
	long mode = c->a[c->nr == __NR_mknod ? 1 : 2];

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return at_call(__NR_mknodat, dirfd, path, mode & (S_IFMT | 07777), 0, 0);
}

/*
 * Extended attributes.  The host's f*xattr calls on a descriptor of the file:
 * the workload's own (f*), or one opened here for reading (never a
 * terminal's open, never a FIFO's wait) for a regular file or a directory.
 * Other files, and symlinks for the l* calls, have no user attributes on
 * Linux: nothing to list or get (ENODATA), and nothing may be set (EPERM).
 * A file the sandbox cannot read is EACCES here where Linux needs only search
 * permission on its folders.
 */
static long xattr_fd(struct gk_call *c, int *own)
{
	int nofollow = c->nr == __NR_lgetxattr || c->nr == __NR_llistxattr ||
		       c->nr == __NR_lsetxattr || c->nr == __NR_lremovexattr;
	int change = c->nr == __NR_setxattr || c->nr == __NR_lsetxattr ||
		     c->nr == __NR_removexattr || c->nr == __NR_lremovexattr;
	char abs[GK_PATH_MAX];
	struct stat st;
	long r;

	*own = 0;
	if (c->nr == __NR_fgetxattr || c->nr == __NR_flistxattr || c->nr == __NR_fsetxattr ||
	    c->nr == __NR_fremovexattr)
		return gk_fd_ok(c->a[0]) ? c->a[0] : -EBADF;
	r = do_fstatat(CWD, (const char *)c->a[0], &st, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -ENODATA;
	r = gk_path_abs(CWD, (const char *)c->a[0], abs, sizeof(abs));
	/* never a change through /proc's magic links (gk_path_for_change) */
	if (r == 0 && change)
		r = gk_path_for_change(abs, sizeof(abs));
	if (r < 0)
		return r;
	r = gk_open_abs(abs, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0, 0);
	*own = r >= 0;
	return r;
}

long sys_xattr(struct gk_call *c)
{
	long fd, r;
	int own;

	fd = xattr_fd(c, &own);
	if (fd == -ENODATA) {
		switch (c->nr) {
		case __NR_listxattr:
		case __NR_llistxattr:
			return 0;
		case __NR_setxattr:
		case __NR_lsetxattr:
			return -EPERM;
		}
	}
	if (fd < 0)
		return fd;
	switch (c->nr) {
	case __NR_getxattr:
	case __NR_lgetxattr:
	case __NR_fgetxattr:
		r = hs4(__NR_fgetxattr, fd, c->a[1], c->a[2], c->a[3]);
		break;
	case __NR_listxattr:
	case __NR_llistxattr:
	case __NR_flistxattr:
		r = hs3(__NR_flistxattr, fd, c->a[1], c->a[2]);
		break;
	case __NR_setxattr:
	case __NR_lsetxattr:
	case __NR_fsetxattr:
		r = gk_meta_denied(c->nr == __NR_fsetxattr ? fd : -1);
		if (r == 0)
			r = hs5(__NR_fsetxattr, fd, c->a[1], c->a[2], c->a[3], c->a[4]);
		break;
	default:
		r = gk_meta_denied(c->nr == __NR_fremovexattr ? fd : -1);
		if (r == 0)
			r = hs2(__NR_fremovexattr, fd, c->a[1]);
		break;
	}
	if (own)
		hs1(__NR_close, fd);
	return r;
}
