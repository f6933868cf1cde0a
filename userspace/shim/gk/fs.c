// SPDX-License-Identifier: GPL-2.0
// fs.c - descriptors and path resolution beneath the sandbox root (openat2 RESOLVE_IN_ROOT).
#include <linux/fcntl.h>
#include <linux/openat2.h>

#include "gk.h"

#define GK_FDPATH 256

/*
 * The guest path each descriptor was opened by, when it fits: what
 * /proc/self/fd/N shows, and the base of the descriptors that are no host
 * directory of the sandbox's (the /proc ones).  Never the base of a host
 * directory's relative paths (dirfd.c).
 */
static char fdpath[GK_NFD][GK_FDPATH];
/* 1: a host object the guest kernel opened beneath the root (dirfd.c resolves beneath it). */
static unsigned char fdhost[GK_NFD];
/* GK_FDK_*: a /proc directory whose entries getdents filters. */
static unsigned char fdkind[GK_NFD];
/*
 * Descriptors the sandbox inherited from its caller (0-2 at boot) and every
 * dup of them: host objects whose metadata the workload must not change.
 */
static unsigned char fdinh[GK_NFD];
static long maxfd = 2;

void gk_fd_boot(void)
{
	long fd;

	for (fd = 0; fd < 3 || (fd < (long)gk.boot.ninherit && fd < 3 + 64); fd++)
		fdinh[fd] = hs2(__NR_fcntl, fd, F_GETFD) >= 0;
	if (gk.boot.ninherit > maxfd + 1)
		maxfd = gk.boot.ninherit - 1;
}

/*
 * May the workload change the mode, owner or times of what @fd names (-1: a
 * path)?  Never of a descriptor inherited from the caller, a host object
 * (EPERM).  Without namespaces and --rw nothing is the sandbox's to change,
 * and no read-only mount says so (Landlock does not govern chmod, chown or
 * utime): EROFS, as the read-only mounts answer with namespaces.
 */
long gk_meta_denied(long fd)
{
	if (gk_fd_ok(fd) && fdinh[fd])
		return -EPERM;
	if (!(gk.boot.flags & (GK_BOOT_F_PIDNS | GK_BOOT_F_RW)))
		return -EROFS;
	return 0;
}

int gk_fd_ok(long fd)
{
	return fd >= 0 && fd < GK_FD_BASE;
}

/* Is @fd a host object opened beneath the root (not inherited, not received, not /proc)? */
int gk_fd_beneath(long fd)
{
	return gk_fd_ok(fd) && fdhost[fd];
}

void gk_fd_setpath(long fd, const char *abs)
{
	if (!gk_fd_ok(fd))
		return;
	if (fd > maxfd)
		maxfd = fd;
	/* Not a host directory to resolve beneath until its opener says so (fd_host_result). */
	fdhost[fd] = 0;
	if (!abs || strlen(abs) >= GK_FDPATH)
		fdpath[fd][0] = 0;
	else
		gk_strlcpy(fdpath[fd], abs, GK_FDPATH);
}

/*
 * A descriptor that came from another process (SCM_RIGHTS, pidfd_getfd):
 * whether it names a host object the sandbox's caller handed in cannot be
 * told, so it is treated as one (gk_meta_denied: its metadata stays).
 */
void gk_fd_mark_foreign(long fd)
{
	if (gk_fd_ok(fd))
		fdinh[fd] = 1;
}

const char *gk_fd_path(long fd)
{
	return gk_fd_ok(fd) ? fdpath[fd] : "";
}

void gk_fd_copy(long from, long to)
{
	if (gk_fd_ok(from) && gk_fd_ok(to)) {
		gk_fd_setpath(to, fdpath[from]);
		fdkind[to] = fdkind[from];
		fdinh[to] = fdinh[from];
		fdhost[to] = fdhost[from];
		gk_lock_dup(from, to);
	}
}

/* The GK_FDK_* kind of @fd (0: a plain descriptor), kept across dup and fork. */
int gk_fd_kind(long fd)
{
	return gk_fd_ok(fd) ? fdkind[fd] : 0;
}

void gk_fd_setkind(long fd, int kind)
{
	if (gk_fd_ok(fd))
		fdkind[fd] = (unsigned char)kind;
}

void gk_fd_clear(long fd)
{
	if (gk_fd_ok(fd)) {
		fdpath[fd][0] = 0;
		fdkind[fd] = 0;
		fdinh[fd] = 0;
		fdhost[fd] = 0;
	}
}

long gk_getdents(struct gk_call *c)
{
	long fd = c->a[0], r;

	for (;;) {
		r = hs3(__NR_getdents64, fd, c->a[1], c->a[2]);
		if (r <= 0 || !fdkind[fd])
			return r;
		/* All of a batch filtered away is not the end of the directory. */
		r = gk_proc_filter(fdkind[fd], (char *)c->a[1], r);
		if (r > 0)
			return r;
	}
}

void gk_close_cloexec(void)
{
	long fd, r;

	for (fd = 0; fd <= maxfd && fd < GK_FD_BASE; fd++) {
		r = hs2(__NR_fcntl, fd, F_GETFD);
		if (r >= 0 && (r & FD_CLOEXEC)) {
			gk_lock_close(fd);
			hs1(__NR_close, fd);
			gk_fd_clear(fd);
		}
	}
}

/* Joins the workload's @upath to the directory of @dirfd (or the cwd) as a guest absolute path. */
int gk_path_abs(long dirfd, const char *upath, char *out, size_t n)
{
	char path[GK_PATH_MAX];
	long r = gk_ustr(path, upath, sizeof(path));

	if (r < 0)
		return (int)r;
	return gk_path_join(dirfd, path, out, n);
}

/*
 * Joins @path to the directory of @dirfd (or the cwd) as a guest absolute
 * path; a host directory's is its current path (dirfd.c), never the one it
 * was opened by.
 */
int gk_path_join(long dirfd, const char *path, char *out, size_t n)
{
	char hbase[GK_PATH_MAX];
	const char *base;
	size_t bl, pl = strlen(path);
	long r;

	if (!pl)
		return -ENOENT;
	if (path[0] == '/') {
		if (pl >= n)
			return -ENAMETOOLONG;
		memcpy(out, path, pl + 1);
		return 0;
	}
	if ((int)dirfd == -100 /* AT_FDCWD */)
		base = gk.cwd;
	else if (!gk_fd_ok(dirfd))
		return -EBADF;
	else if (fdhost[dirfd] && (r = gk_fd_guest_path(dirfd, hbase, sizeof(hbase))) < 0)
		return (int)r;
	else if (fdhost[dirfd])
		base = hbase;
	else if (!fdpath[dirfd][0])	/* a pipe, a socket, an inherited descriptor: or none */
		return hs2(__NR_fcntl, dirfd, F_GETFD) < 0 ? -EBADF : -ENOTDIR;
	else
		base = fdpath[dirfd];
	bl = strlen(base);
	if (bl + pl + 2 > n)
		return -ENAMETOOLONG;
	memcpy(out, base, bl);
	if (!bl || out[bl - 1] != '/')
		out[bl++] = '/';
	memcpy(out + bl, path, pl + 1);
	/* A /proc directory's ".." is the guest kernel's to take: no host directory to resolve it. */
	if ((int)dirfd != -100 && !fdhost[dirfd])
		gk_normalize(out);
	return 0;
}

long gk_open_abs(const char *abs, long flags, long mode, unsigned long resolve)
{
	struct open_how how = {
		.flags = (unsigned long)flags,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? (mode & 07777) : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
	};
	char norm[GK_PATH_MAX];
	long fd;

	if (gk_proc_path(abs, norm, sizeof(norm)))
		return gk_proc_open(norm, flags, NULL);
	fd = hs4(__NR_openat2, gk.root_fd, abs, &how, sizeof(how));
	return gk_fd_host(fd);
}

/*
 * A descriptor the host just created: never in the guest kernel's slots,
 * which are all occupied and beyond RLIMIT_NOFILE (boot.h).  Were one handed
 * out there anyway, the allowlist would not even let it be closed: stop.
 */
long gk_fd_host(long fd)
{
	if (fd >= GK_FD_BASE)
		gk_die(125, "kiste: the host handed out descriptor %ld, a guest kernel slot\n", fd);
	return fd;
}

/* An O_PATH descriptor of the parent of @abs, and its last component in @last. */
long gk_open_parent(const char *abs, char *last, size_t n)
{
	char dir[GK_PATH_MAX];
	size_t len = strlen(abs), i;

	if (gk_proc_path(abs, dir, sizeof(dir)))
		return gk_proc_parent(dir, last, n);
	while (len > 1 && abs[len - 1] == '/')
		len--;
	for (i = len; i > 0 && abs[i - 1] != '/'; i--)
		;
	if (len - i >= n || len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(last, abs + i, len - i);
	last[len - i] = 0;
	if (!last[0] || !strcmp(last, ".") || !strcmp(last, "..")) {
		gk_strlcpy(last, ".", n);
		return gk_open_abs(abs, O_PATH | O_CLOEXEC, 0, 0);
	}
	memcpy(dir, abs, i);
	dir[i] = 0;
	if (!i)
		gk_strlcpy(dir, "/", sizeof(dir));
	return gk_open_abs(dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);
}

/* A new workload descriptor: beyond its RLIMIT_NOFILE (misc.c) it is EMFILE, as natively. */
static long fd_new(long fd)
{
	if (gk_fd_host(fd) >= (long)gk.nofile_cur) {
		hs1(__NR_close, fd);
		return -EMFILE;
	}
	return fd;
}

static long fd_result(long fd, const char *abs)
{
	fd = fd_new(fd);
	if (fd >= 0) {
		gk_fd_setpath(fd, abs);
		fdkind[fd] = 0;
		fdinh[fd] = 0;
		fdhost[fd] = 0;
	}
	return fd;
}

/* A descriptor the host opened beneath the root for the workload. */
static long fd_host_result(long fd, const char *shown)
{
	fd = fd_result(fd, shown);
	if (fd >= 0)
		fdhost[fd] = 1;
	return fd;
}

/* A descriptor the host just made for an event object (events.c), of GK_FDK_* @kind. */
long gk_fd_new(long fd, int kind)
{
	fd = fd_result(fd, NULL);
	if (fd >= 0)
		fdkind[fd] = (unsigned char)kind;
	return fd;
}

/* A new descriptor @fd for the open file of @from: what the guest kernel knows of it too. */
long gk_fd_dup_result(long fd, long from)
{
	fd = fd_result(fd, fdpath[from]);
	if (fd >= 0) {
		fdkind[fd] = fdkind[from];
		fdinh[fd] = fdinh[from];
		fdhost[fd] = fdhost[from];
		gk_lock_dup(from, fd);
	}
	return fd;
}

/*
 * /dev/fd/N, /dev/std{in,out,err} and /proc/self/fd/N name descriptors the
 * workload has: N, or -1 when @abs is no such name.
 */
long gk_fd_alias(const char *abs)
{
	static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	const char *p = NULL;
	long n = 0;
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(abs, std[i]))
			return i;
	if (!strncmp(abs, "/dev/fd/", 8))
		p = abs + 8;
	else if (!strncmp(abs, "/proc/self/fd/", 14))
		p = abs + 14;
	if (!p || !*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > GK_FD_BASE)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

/*
 * For a call that changes a name or metadata: never through /proc, where the
 * host would follow a magic link to a host object (the launcher, the caller's
 * files and terminal).  A descriptor alias (/proc/self/fd/N, /dev/fd/N,
 * /dev/std*, as glibc's lchmod uses) stands for the guest path N was opened
 * by, unless N is inherited or has no such path (EPERM).  Rewrites @abs.
 */
int gk_path_for_change(char *abs, size_t n)
{
	char norm[GK_PATH_MAX];
	long fd, r;

	if (strlen(abs) >= sizeof(norm))
		return -ENAMETOOLONG;
	memcpy(norm, abs, strlen(abs) + 1);
	gk_normalize(norm);
	fd = gk_fd_alias(norm);
	if (fd >= 0) {
		if (!gk_fd_ok(fd) || hs2(__NR_fcntl, fd, F_GETFD) < 0)
			return -ENOENT;
		if (fdinh[fd])
			return -EPERM;
		/*
		 * A host object's current path; a /proc one's, or a file's where no
		 * procfs names it (ENOTDIR from the getcwd way), the path it was opened by.
		 */
		r = fdhost[fd] ? gk_fd_guest_path(fd, norm, sizeof(norm)) : -ENOTDIR;
		if (r == -ENOTDIR) {
			if (!fdpath[fd][0])
				return -EPERM;
			gk_strlcpy(norm, fdpath[fd], sizeof(norm));
		} else if (r < 0) {
			return -EPERM;
		}
	}
	if (gk_proc_path(norm, norm, sizeof(norm)) || strlen(norm) >= n)
		return -EPERM;
	memcpy(abs, norm, strlen(norm) + 1);
	return 0;
}

/* Reopening descriptor @fd with @flags: never with more access than it has (EACCES). */
long gk_fd_reopen_ok(long fd, long flags)
{
	long have = hs2(__NR_fcntl, fd, F_GETFL), want = flags & O_ACCMODE;

	if (have < 0 || (flags & O_PATH))
		return have < 0 ? -ENOENT : 0;
	if (have & O_PATH)
		return -EACCES;
	have &= O_ACCMODE;
	if ((want != O_WRONLY && have == O_WRONLY) || (want != O_RDONLY && have == O_RDONLY))
		return -EACCES;
	return 0;
}

static long open_blocking(long dirfd, const char *path, long flags, long mode,
			  unsigned long resolve, const struct gk_call *c)
{
	struct open_how how = {
		.flags = (unsigned long)flags,
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? (mode & 07777) : 0,
		.resolve = resolve,
	};
	long a[6] = { dirfd, (long)path, (long)&how, sizeof(how), 0, 0 };

	/* Opening a FIFO sleeps: a blocking point. */
	return gk_host_blocking(__NR_openat2, a, c);
}

static long do_open(long dirfd, const char *path, long flags, long mode, const struct gk_call *c)
{
	struct gk_at w;
	char norm[GK_PATH_MAX];
	const char *abs = w.path;
	long r = gk_at_get(dirfd, path, &w);

	if (r < 0)
		return r;
	while (w.base >= 0) {
		r = open_blocking(w.base, w.path, flags, mode,
				  RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, c);
		if (r != -EXDEV) {
			gk_at_put(&w);
			return fd_host_result(r, w.shown);
		}
		r = gk_at_walk(&w);
		if (r < 0)
			return r;
	}
	/* The host's magic links stay shut (RESOLVE_NO_MAGICLINKS): serve these here. */
	r = gk_fd_alias(abs);
	if (r >= 0) {
		long ok = gk_fd_ok(r) ? gk_fd_reopen_ok(r, flags) : -ENOENT;

		if (ok < 0)
			return ok;
		flags = hs3(__NR_fcntl, r, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
		return gk_fd_dup_result(flags, r);
	}
	if (gk_proc_path(abs, norm, sizeof(norm))) {
		int kind;

		r = fd_result(gk_proc_open(norm, flags, &kind), norm);
		if (r >= 0)
			fdkind[r] = (unsigned char)kind;
		return r;
	}
	r = open_blocking(gk.root_fd, abs, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, c);
	return fd_host_result(r, abs);
}

long sys_open(struct gk_call *c)
{
	return do_open(-100, (const char *)c->a[0], c->a[1], c->a[2], c);
}

long sys_openat(struct gk_call *c)
{
	return do_open(c->a[0], (const char *)c->a[1], c->a[2], c->a[3], c);
}

long sys_creat(struct gk_call *c)
{
	return do_open(-100, (const char *)c->a[0], O_CREAT | O_WRONLY | O_TRUNC, c->a[1], c);
}

/* Calls whose first argument is a descriptor of the workload's. */
long sys_fd0(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	/* The caller's files and terminal keep their modes and owners. */
	if (c->nr == __NR_fchmod || c->nr == __NR_fchown) {
		long r = gk_meta_denied(c->a[0]);

		if (r < 0)
			return r;
	}
	if (c->nr == __NR_getdents64)
		return gk_getdents(c);
	if (c->nr == __NR_lseek && (unsigned long)c->a[2] > 4 /* SEEK_HOLE */)
		return -EINVAL;
	return hs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

long sys_fd0_block(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	if (c->nr == __NR_read && fdkind[c->a[0]] == GK_FDK_SIGNALFD)
		return gk_signalfd_read(c);
	return gk_host_blocking(c->nr, c->a, c);
}

long sys_close(struct gk_call *c)
{
	long r;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	gk_lock_close(c->a[0]);
	r = hs1(__NR_close, c->a[0]);
	gk_fd_clear(c->a[0]);
	return r;
}

/* close_range(first, last, flags) over the workload's descriptors only. */
long sys_close_range(struct gk_call *c)
{
	unsigned long fd, last = (unsigned long)c->a[1];

	if ((unsigned long)c->a[0] > last || (c->a[2] & ~6L))
		return -EINVAL;
	if (last > (unsigned long)maxfd)
		last = maxfd;
	for (fd = (unsigned long)c->a[0]; fd <= last; fd++) {
		if (c->a[2] & 4 /* CLOSE_RANGE_CLOEXEC */) {
			hs3(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
		} else if (hs2(__NR_fcntl, fd, F_GETFD) >= 0) {
			gk_lock_close(fd);
			hs1(__NR_close, fd);
			gk_fd_clear(fd);
		}
	}
	return 0;
}

long sys_dup(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	return gk_fd_dup_result(hs3(__NR_fcntl, c->a[0], F_DUPFD, 0), c->a[0]);
}

static long do_dup3(long from, long to, long flags)
{
	long r;

	if (!gk_fd_ok(from) || !gk_fd_ok(to) || to >= (long)gk.nofile_cur ||
	    hs2(__NR_fcntl, from, F_GETFD) < 0)
		return -EBADF;
	/* @to is closed on the way: what that undoes (locks) happens while it is still open. */
	if (from != to && hs2(__NR_fcntl, to, F_GETFD) >= 0)
		gk_lock_close(to);
	r = hs3(__NR_dup3, from, to, flags);
	if (r >= 0)
		gk_fd_copy(from, to);
	if (r > maxfd)
		maxfd = r;
	return r;
}

long sys_dup2(struct gk_call *c)
{
	if (c->a[0] == c->a[1])
		return gk_fd_ok(c->a[0]) && hs2(__NR_fcntl, c->a[0], F_GETFD) >= 0 ? c->a[0] : -EBADF;
	return do_dup3(c->a[0], c->a[1], 0);
}

long sys_dup3(struct gk_call *c)
{
	if (c->a[2] & ~(long)O_CLOEXEC)
		return -EINVAL;
	return do_dup3(c->a[0], c->a[1], c->a[2]);
}

static long pipe_result(long r, int *fds)
{
	if (r < 0)
		return r;
	gk_fd_host(fds[0]);
	gk_fd_host(fds[1]);
	if (fds[0] >= (long)gk.nofile_cur || fds[1] >= (long)gk.nofile_cur) {
		hs1(__NR_close, fds[0]);
		hs1(__NR_close, fds[1]);
		return -EMFILE;
	}
	gk_fd_setpath(fds[0], NULL);
	gk_fd_setpath(fds[1], NULL);
	fdkind[fds[0]] = fdkind[fds[1]] = 0;
	fdinh[fds[0]] = fdinh[fds[1]] = 0;
	fdhost[fds[0]] = fdhost[fds[1]] = 0;
	return r;
}

long sys_pipe2(struct gk_call *c)
{
	int *fds = (int *)c->a[0];

	if (c->nr == __NR_pipe2 && (c->a[1] & ~(long)(O_CLOEXEC | O_NONBLOCK | O_DIRECT)))
		return -EINVAL;
	return pipe_result(hs2(__NR_pipe2, fds, c->nr == __NR_pipe ? 0 : c->a[1]), fds);
}

long sys_getcwd(struct gk_call *c)
{
	size_t len = strlen(gk.cwd) + 1;

	if ((unsigned long)c->a[1] < len)
		return -ERANGE;
	if (gk_uwrite_ok((void *)c->a[0], len) < 0)
		return -EFAULT;
	memcpy((void *)c->a[0], gk.cwd, len);
	return (long)len;
}

/* Lexical cleanup of an absolute path: "//", "." and ".." (not above "/"). */
void gk_normalize(char *p)
{
	char out[GK_PATH_MAX];
	size_t o = 0;
	const char *s = p;

	while (*s) {
		const char *e;
		size_t l;

		while (*s == '/')
			s++;
		e = s;
		while (*e && *e != '/')
			e++;
		l = (size_t)(e - s);
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (l && !(l == 1 && s[0] == '.') && o + l + 2 < sizeof(out)) {
			out[o++] = '/';
			memcpy(out + o, s, l);
			o += l;
		}
		s = e;
	}
	if (!o)
		out[o++] = '/';
	out[o] = 0;
	memcpy(p, out, o + 1);
}

static long do_chdir(const char *abs)
{
	char cwd[GK_PATH_MAX];
	long fd = gk_open_abs(abs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0), r;

	if (fd < 0)
		return fd;
	/* With the root pivoted (namespaces), the host's own cwd is the guest path. */
	r = hs1(__NR_fchdir, fd);
	hs1(__NR_close, fd);
	if (r < 0)
		return r;
	if ((gk.boot.flags & GK_BOOT_F_PIDNS) && !gk_proc_path(abs, cwd, sizeof(cwd)) &&
	    hs2(__NR_getcwd, cwd, sizeof(cwd)) > 0 && cwd[0] == '/') {
		memcpy(gk.cwd, cwd, strlen(cwd) + 1);
		return 0;
	}
	gk_strlcpy(gk.cwd, abs, sizeof(gk.cwd));
	gk_normalize(gk.cwd);
	return 0;
}

long sys_chdir(struct gk_call *c)
{
	char abs[GK_PATH_MAX];
	long r = gk_path_abs(-100, (const char *)c->a[0], abs, sizeof(abs));

	return r < 0 ? r : do_chdir(abs);
}

long sys_fchdir(struct gk_call *c)
{
	char abs[GK_PATH_MAX];
	long fd = c->a[0], r;

	if (!gk_fd_ok(fd) || hs2(__NR_fcntl, fd, F_GETFD) < 0)
		return -EBADF;
	if (fdhost[fd]) {
		r = gk_fd_guest_path(fd, abs, sizeof(abs));
		return r < 0 ? r : do_chdir(abs);
	}
	if (!fdpath[fd][0])
		return -ENOTDIR;
	return do_chdir(fdpath[fd]);
}
