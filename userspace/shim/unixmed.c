// SPDX-License-Identifier: GPL-2.0
// unixmed.c - the AF_UNIX mediator in the sandbox's init: connected and listening sockets only.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"
#include "unixmed.h"

/*
 * With the host's "/" as the rootfs the workload holds no AF_UNIX socket that
 * can still name a peer (a gate jump could connect it to the host's live
 * sockets, which seccomp cannot see): its socket() is a placeholder, and the
 * init, which runs no workload code, makes the connect or the bind+listen
 * here and hands back the result (README.md, "AF_UNIX through the init").
 * This is the boundary: every request is hostile.
 */

/* Requests served per wake-up of the init's loop: it reaps between batches. */
#define UM_BATCH 32
/* The one descriptor a request carries, and room to see (and close) a few more. */
#define UM_CMSG_FDS 8

static int um_resolve(const struct shim_unixmed *m, const char *path, int flags)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | flags,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, m->root_fd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Is @st on one of the sandbox's own tmpfs mounts (recorded before the workload ran)? */
static bool um_private(const struct shim_unixmed *m, const struct stat *st)
{
	int i;

	for (i = 0; i < m->ndev; i++)
		if (st->st_dev == m->devs[i])
			return true;
	return false;
}

/*
 * The path the workload's name stands for, made here from its name and its
 * cwd (never a path it sent beside them): what is checked is what the kernel
 * resolves for the bind or connect.
 */
static void um_fullpath(const struct kum_req *q, const char *addr, unsigned int len, char *out,
			size_t n)
{
	if (addr[0] == '/')
		snprintf(out, n, "%.*s", (int)len, addr);
	else
		snprintf(out, n, "%s/%.*s", q->cwd, (int)len, addr);
}

/* Abstract names are per network namespace: only the sandbox's own holds none but its own. */
static int um_abstract(const struct shim_unixmed *m, int s, const char *addr, unsigned int n,
		       bool bind_it)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + n;

	if (!m->own_netns && n)
		return -EPERM;	/* as Landlock's scope answers from ABI 6 */
	memcpy(sa.sun_path, addr, n);
	if (bind_it)
		return bind(s, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
	return connect(s, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
}

/*
 * connect(@q->path): resolved beneath the root without magic links, a
 * socket on the sandbox's own tmpfs, and then exactly that inode (through
 * the procfs's fd link: no rename or symlink swap after the check redirects it).
 */
static int um_connect(const struct shim_unixmed *m, int s, const struct kum_req *q)
{
	char path[KUM_PATH_MAX + KUM_SUN_MAX + 2];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	struct stat st;
	int fd, dir, r;

	if (!q->addr[0])
		return um_abstract(m, s, q->addr, q->addrlen, false);
	um_fullpath(q, q->addr, q->addrlen, path, sizeof(path));
	fd = um_resolve(m, path, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode))
		r = -ECONNREFUSED;	/* as connect to a file that is not a socket */
	else if (!um_private(m, &st))
		r = -EACCES;		/* a host socket: never the sandbox's */
	else
		r = 0;
	dir = r ? -1 : (int)syscall(SYS_openat2, m->proc_fd, "self/fd", &how, sizeof(how));
	if (!r && dir < 0)
		r = -errno;
	if (!r) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%d", fd);
		if (fchdir(dir) < 0)
			r = -errno;
		else if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			r = -errno;
		if (fchdir(m->root_fd) < 0)
			r = r ? r : -errno;
	}
	if (dir >= 0)
		close(dir);
	close(fd);
	return r;
}

/* The last component of @path (absolute, no trailing slash kept) and its parent, resolved. */
static int um_parent(const struct shim_unixmed *m, const char *path, char *last, size_t n)
{
	char dir[KUM_PATH_MAX + KUM_SUN_MAX + 2];
	const char *slash;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = 0;
	slash = strrchr(dir, '/');
	if (!slash || !slash[1] || strlen(slash + 1) >= n)
		return -EADDRINUSE;	/* "/" itself exists */
	snprintf(last, n, "%s", slash + 1);
	if (!strcmp(last, ".") || !strcmp(last, ".."))
		return -EADDRINUSE;
	dir[slash - dir + (slash == dir)] = 0;
	return um_resolve(m, dir, O_DIRECTORY);
}

/*
 * bind(2) of @s to the name as given (getsockname, the peers and the guest
 * kernel's rebind and listen read it back), in a child that may make socket
 * files only beneath the sandbox's own tmpfs mounts (Landlock): the folders
 * on the way are the workload's, which may swap one for a symlink to a host
 * volume between um_parent's check and the kernel's walk; the walk then
 * ends in EACCES there, never in a socket file on the host's side.  Without
 * Landlock the bind is refused.
 */
static int um_bind_confined(const struct shim_unixmed *m, int s, const struct sockaddr_un *sa,
			    socklen_t len, mode_t mask)
{
	int st, r;
	pid_t k = fork();

	if (k < 0)
		return -errno;
	if (k == 0) {
		umask(mask);
		r = shim_landlock_make_sock_only(m->dev_fds, m->ndev);
		if (r == 0 && bind(s, (const struct sockaddr *)sa, len) < 0)
			r = -errno;
		_exit(r < 0 ? (-r > 255 ? EIO : -r) : 0);
	}
	while (waitpid(k, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -EIO;
	r = WEXITSTATUS(st);
	/* Landlock's answer (or its absence) reads as a folder the sandbox may not write. */
	return r == 0 ? 0 : r == ENOSYS || r == EOPNOTSUPP ? -EACCES : -r;
}

/*
 * bind(@q->addr) and listen: only where the parent folder is on the
 * sandbox's own tmpfs, where the workload could make the file itself; the
 * name is bound as given (relative ones from the guest cwd), so getsockname
 * and the peers' getpeername show it as natively.
 */
static int um_bind(const struct shim_unixmed *m, int s, const struct kum_req *q, const char *addr,
		   unsigned int len, bool replace)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char last[256], path[KUM_PATH_MAX + KUM_SUN_MAX + 2];
	struct statfs sfs;
	struct stat st;
	int dir, cwd = -1, r = 0, keep = -1;

	if (!len) {
		/* autobind: a fresh abstract name, nobody else's */
		return bind(s, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ? -errno : 0;
	}
	if (!addr[0])
		return um_abstract(m, s, addr, len, true);
	um_fullpath(q, addr, len, path, sizeof(path));
	dir = um_parent(m, path, last, sizeof(last));
	if (dir < 0)
		return dir;
	if (fstat(dir, &st) < 0) {
		r = -errno;
	} else if (!um_private(m, &st)) {
		/* As the read-only mount or Landlock answers, after an existing name. */
		if (fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) == 0)
			r = -EADDRINUSE;
		else
			r = fstatfs(dir, &sfs) == 0 && (sfs.f_flags & ST_RDONLY) ? -EROFS : -EACCES;
	}
	/* The socket file a bound socket left: the workload could remove it itself here. */
	if (!r && replace && fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		keep = st.st_mode & 07777;	/* a chmod between bind and listen stays */
		if (unlinkat(dir, last, 0) < 0)
			r = -errno;
	}
	if (!r && addr[0] != '/') {
		cwd = um_resolve(m, q->cwd, O_DIRECTORY);
		if (cwd < 0)
			r = cwd;
		else if (fchdir(cwd) < 0)
			r = -errno;
	}
	if (!r) {
		memcpy(sa.sun_path, addr, len);
		r = um_bind_confined(m, s, &sa, offsetof(struct sockaddr_un, sun_path) + len,
				     q->umask & 0777);
		if (!r && keep >= 0)
			fchmodat(dir, last, (mode_t)keep, 0);
	}
	if (cwd >= 0) {
		if (fchdir(m->root_fd) < 0 && !r)
			r = -errno;
		close(cwd);
	}
	close(dir);
	return r;
}

/* Every field checked: the workload wrote it. */
static int um_check(const struct kum_req *q, size_t n)
{
	if (n != sizeof(*q) || q->magic != KUM_MAGIC ||
	    (q->flags & ~(KUM_F_PASSCRED | KUM_F_BIND | KUM_F_LISTEN)) ||
	    (q->op != KUM_CONNECT && q->op != KUM_BIND) ||
	    (q->type != SOCK_STREAM && q->type != SOCK_SEQPACKET) ||
	    q->addrlen > KUM_SUN_MAX || q->bindlen > KUM_SUN_MAX || !q->cwdlen ||
	    q->cwdlen >= KUM_PATH_MAX)
		return -EINVAL;
	if ((q->flags & KUM_F_LISTEN) && (q->op != KUM_BIND || !q->addrlen || !q->addr[0]))
		return -EINVAL;
	if ((q->flags & KUM_F_BIND) && (q->op != KUM_CONNECT || !q->bindlen ||
					(q->bindaddr[0] && memchr(q->bindaddr, 0, q->bindlen))))
		return -EINVAL;
	if (q->op == KUM_CONNECT && !q->addrlen)
		return -EINVAL;
	/* A pathname: no NUL in it (the kernel would end it there; the guest kernel does). */
	if (q->addrlen && q->addr[0] && memchr(q->addr, 0, q->addrlen))
		return -EINVAL;
	/* The cwd: an absolute path, NUL-terminated right after its length. */
	if (q->cwd[0] != '/' || memchr(q->cwd, 0, q->cwdlen) || q->cwd[q->cwdlen])
		return -EINVAL;
	return 0;
}

/* The socket asked for, or -errno; never blocking (a full backlog is EAGAIN). */
static int um_make(const struct shim_unixmed *m, const struct kum_req *q)
{
	int s = socket(AF_UNIX, (int)q->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r;

	if (s < 0)
		return -errno;
	if (q->flags & KUM_F_PASSCRED)
		setsockopt(s, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
	if (q->op == KUM_BIND)
		r = um_bind(m, s, q, q->addr, q->addrlen, q->flags & KUM_F_LISTEN);
	else if (q->flags & KUM_F_BIND)
		r = um_bind(m, s, q, q->bindaddr, q->bindlen, true);
	else
		r = 0;
	if (!r && q->op == KUM_CONNECT)
		r = um_connect(m, s, q);
	if (!r && q->op == KUM_BIND && listen(s, q->backlog) < 0)
		r = -errno;
	/* Bound, not listening yet: connections refused, as natively (see KUM_F_LISTEN). */
	if (!r && q->op == KUM_BIND && !(q->flags & KUM_F_LISTEN) && q->addr[0] &&
	    shutdown(s, SHUT_RD) < 0)
		r = -errno;
	if (r) {
		close(s);
		return r;
	}
	return s;
}

/* The reply end: one AF_UNIX seqpacket socket, or nothing is answered. */
static bool um_reply_ok(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_UNIX)
		return false;
	len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_SEQPACKET;
}

/* One answer, never waited for: an unread reply costs the workload, not the init. */
static void um_reply(int rfd, int err, int s)
{
	struct kum_reply rep = { .err = -err };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (s >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &s, sizeof(int));
	}
	sendmsg(rfd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The descriptors a request carried: all closed but the first SCM_RIGHTS one, if alone. */
static int um_take_fds(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int fd = -1, n = 0, k, *fds;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)CMSG_DATA(cm);
		for (k = 0; k < (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)); k++) {
			if (n++ == 0)
				fd = fds[k];
			else
				close(fds[k]);
		}
	}
	if (n != 1 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * One request, if one is waiting: 0, or -EAGAIN when the channel is empty,
 * -EPIPE when the workload's end is gone (@hup: poll said so).
 */
static int um_serve_one(const struct shim_unixmed *m, bool hup)
{
	static struct kum_req q;
	char cbuf[CMSG_SPACE(UM_CMSG_FDS * sizeof(int))];
	struct iovec iov = { &q, sizeof(q) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(m->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	int rfd, s;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	/* End of file reads as an empty record: the flag tells them apart. */
	if (n == 0 && msg.msg_controllen == 0 && hup)
		return -EPIPE;
	rfd = um_take_fds(&msg);
	if (rfd < 0)
		return 0;	/* no one to answer (or more than one descriptor) */
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || !um_reply_ok(rfd)) {
		close(rfd);
		return 0;
	}
	s = um_check(&q, (size_t)n);
	if (s == 0)
		s = um_make(m, &q);
	um_reply(rfd, s < 0 ? s : 0, s);
	if (s >= 0)
		close(s);
	close(rfd);
	return 0;
}

/* Serves up to a batch of requests: the init's loop reaps in between, whatever the rate. */
void shim_unixmed_serve(struct shim_unixmed *m, short revents)
{
	int i, r;

	for (i = 0; i < UM_BATCH && m->fd >= 0; i++) {
		r = um_serve_one(m, revents & (POLLHUP | POLLERR));
		if (r == -EAGAIN && !(revents & (POLLHUP | POLLERR)))
			return;
		if (r < 0) {
			/* The channel is gone: serve nothing more. */
			close(m->fd);
			m->fd = -1;
			return;
		}
	}
}

/* The devices of the sandbox's own tmpfs mounts: /dev/shm, its /root, each --tmpfs. */
static void um_record(struct shim_unixmed *m, const char *path)
{
	struct statfs sfs;
	struct stat st;

	int fd;

	if (m->ndev >= SHIM_UNIXMED_DEVS)
		return;
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC &&
	    !(sfs.f_flags & ST_RDONLY)) {
		m->devs[m->ndev] = st.st_dev;
		m->dev_fds[m->ndev++] = fd;
		return;
	}
	close(fd);
}

/*
 * After the mounts, before the workload: the channel (@m->wl_fd is the
 * workload's end) and what the policy compares with.  Runs in the init, its
 * root the sandbox's.
 */
int shim_unixmed_open(struct shim_unixmed *m, const struct shim_opts *so, int proc_fd,
		      bool own_netns, struct kiste_err *err)
{
	int sv[2], i;

	memset(m, 0, sizeof(*m));
	m->fd = m->wl_fd = m->root_fd = -1;
	m->proc_fd = proc_fd;
	m->own_netns = own_netns;
	um_record(m, "/dev/shm");
	if (shim_own_home(so))
		um_record(m, "/root");
	for (i = 0; i < so->ntmpfs; i++)
		um_record(m, so->tmpfs[i]);
	m->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->root_fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return kiste_err_set(err, -errno, "cannot set up the AF_UNIX mediator: %s",
				     strerror(errno));
	m->fd = sv[0];
	m->wl_fd = sv[1];
	return 0;
}
