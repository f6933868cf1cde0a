// SPDX-License-Identifier: GPL-2.0
// execsrv.c - a shim container's init serving `kiste exec`: requests on ROOT/ID/exec.sock.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

/*
 * The init (init.c) polls the listening socket and each session's
 * connection beside the workload; it forks a request's process as it forked
 * the first one, so the new process is its child, in its namespaces, cgroup
 * and root, under the same Landlock rules, limits and filters, running its
 * own guest kernel.  What a request carries is the caller's (the container's
 * owner: the socket is in its 0700 folder), but it is checked all the same:
 * sizes, counts, one NUL-ended string each, an absolute cwd, 3..16 descriptors.
 */

void shim_exec_srv_init(struct shim_exec_srv *s, int listen_fd)
{
	int i;

	s->listen_fd = listen_fd;
	for (i = 0; i < KISTE_EXEC_SESSIONS; i++) {
		s->fd[i] = -1;
		s->pid[i] = 0;
	}
}

void shim_exec_reply(int fd, int kind, int value, const char *fmt, ...)
{
	struct kiste_exec_msg m = { .kind = kind, .value = value };
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(m.text, sizeof(m.text), fmt, ap);
		va_end(ap);
	}
	/* A caller that went away (EPIPE) is nothing to report to: no error to act on. */
	send(fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void shim_exec_req_free(struct shim_exec_req *r)
{
	int i;

	for (i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->nfds = 0;
	if (r->console_sock >= 0)
		close(r->console_sock);
	r->console_sock = -1;
	free(r->buf);
	free(r->argv);
	r->buf = NULL;
	r->argv = NULL;
}

/* The request's strings into @r: cwd, argv (NULL-ended), env (NULL-ended). */
static int split(struct shim_exec_req *r, const struct kiste_exec_req *h)
{
	uint32_t want = 1 + h->argc + h->envc, k = 0, i;
	char *p = r->buf, *end = r->buf + h->len;

	if (h->argc < 1 || h->argc > KISTE_EXEC_ARGS_MAX || h->envc > KISTE_EXEC_ARGS_MAX)
		return -E2BIG;
	r->argv = calloc(h->argc + h->envc + 2, sizeof(char *));
	if (!r->argv)
		return -ENOMEM;
	for (i = 0; i < want; i++) {
		char *nul = memchr(p, 0, end - p);

		if (!nul)
			return -EINVAL;
		if (i == 0)
			r->cwd = p;
		else if (i <= h->argc)
			r->argv[k++] = p;
		else
			r->argv[++k] = p;	/* one NULL between argv and env */
		p = nul + 1;
	}
	if (p != end || r->cwd[0] != '/' || !r->argv[0][0])
		return -EINVAL;
	r->argc = (int)h->argc;
	r->env = r->argv + h->argc + 1;
	r->envc = (int)h->envc;
	return 0;
}

/*
 * A connection answered and ended before its request is read.  A request
 * still unread at close() resets the connection, and the reset overtakes
 * the answer (the caller's read: ECONNRESET).  The request usually comes
 * just after the connect this answers, so it is awaited, briefly and
 * bounded (a caller that never sends holds the init up for 8 x 25 ms at
 * most), and dropped, with the descriptors it carried.
 */
static void drop_conn(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char drop[512];
	ssize_t n;
	int round;

	shutdown(fd, SHUT_WR);
	for (round = 0; round < 8; round++) {
		do
			n = recv(fd, drop, sizeof(drop), MSG_DONTWAIT);
		while (n > 0 || (n < 0 && errno == EINTR));
		if (n == 0 || errno != EAGAIN || poll(&p, 1, 25) <= 0)
			break;
	}
	close(fd);
}

/*
 * The sandbox's owner only: the peer's uid, as this user namespace sees it,
 * must be the listener's (whoever listened: create, or a named run's
 * launcher).  The 0700 folder keeps others out already; this holds even if
 * the socket were reached otherwise.  Host root and another user outside
 * the map both read as the overflow id here: it tells an ordinary owner
 * (root inside) from everyone else, never root from another unmapped user.
 */
static bool owner_peer(int listen_fd, int fd)
{
	struct ucred l, p;
	socklen_t ln = sizeof(l), pn = sizeof(p);

	return getsockopt(listen_fd, SOL_SOCKET, SO_PEERCRED, &l, &ln) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &p, &pn) == 0 && l.uid == p.uid;
}

void shim_exec_accept(struct shim_exec_srv *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), slot;

	if (fd < 0)
		return;
	if (!owner_peer(s->listen_fd, fd)) {
		shim_exec_reply(fd, KISTE_EXEC_ERROR, -EPERM, "exec is for the sandbox's owner "
				"only: run kiste exec as the user who started it");
		drop_conn(fd);
		return;
	}
	for (slot = 0; slot < KISTE_EXEC_SESSIONS && s->fd[slot] >= 0; slot++)
		;
	if (slot == KISTE_EXEC_SESSIONS) {
		shim_exec_reply(fd, KISTE_EXEC_ERROR, -EAGAIN, "the container has %d exec "
				"requests open already: wait for one to end", KISTE_EXEC_SESSIONS);
		/* No room for its descriptors here. */
		drop_conn(fd);
		return;
	}
	/* Its request is read when it comes (shim_exec_read): a silent caller holds no one up. */
	s->fd[slot] = fd;
	s->pid[slot] = SHIM_EXEC_WAITING;
}

int shim_exec_read(struct shim_exec_srv *s, int slot, struct shim_exec_req *r)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * KISTE_EXEC_FDS_MAX)];
		struct cmsghdr align;
	} cm;
	struct kiste_exec_req h;
	struct msghdr msg = { 0 };
	struct iovec iov[2];
	struct cmsghdr *c;
	int ret;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->console_sock = -1;
	r->buf = malloc(KISTE_EXEC_STRINGS_MAX);
	if (!r->buf) {
		shim_exec_fail(s, slot, -ENOMEM, "the container's init is out of memory");
		return -ENOMEM;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = r->buf;
	iov[1].iov_len = KISTE_EXEC_STRINGS_MAX;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	n = recvmsg(s->fd[slot], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(r->buf);
		r->buf = NULL;
		return -EAGAIN;
	}
	for (c = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k, nf;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nf; k++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
			if (r->nfds < KISTE_EXEC_FDS_MAX)
				r->fds[r->nfds++] = got;
			else
				close(got);
		}
	}
	if (n <= 0)
		ret = n < 0 ? -errno : -ECONNRESET;
	else if ((size_t)n < sizeof(h) || h.magic != KISTE_EXEC_MAGIC ||
		 (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || h.len != (size_t)n - sizeof(h) ||
		 h.nfds != (uint32_t)r->nfds || h.nfds < 3 + !!(h.flags & KISTE_EXEC_F_TTY) ||
		 (h.flags & ~(KISTE_EXEC_F_USER | KISTE_EXEC_F_TTY)))
		ret = -EINVAL;
	else
		ret = split(r, &h);
	/* The console socket is no descriptor of the process's. */
	if (ret == 0 && (h.flags & KISTE_EXEC_F_TTY)) {
		r->console_sock = r->fds[--r->nfds];
		r->rows = h.rows;
		r->cols = h.cols;
	}
	if (ret < 0) {
		shim_exec_fail(s, slot, ret, "a malformed exec request (%s): use this kiste's own "
			       "'kiste exec'", strerror(-ret));
		shim_exec_req_free(r);
		return ret;
	}
	/* (uid_t)-1 is no identity: setresuid's "unchanged". */
	if (h.uid == 0xffffffffU || h.gid == 0xffffffffU) {
		shim_exec_fail(s, slot, -EINVAL, "uid or gid 4294967295: give an identity");
		shim_exec_req_free(r);
		return -EINVAL;
	}
	r->user = h.flags & KISTE_EXEC_F_USER;
	r->uid = h.uid;
	r->gid = h.gid;
	r->slot = slot;
	return 0;
}

void shim_exec_started(struct shim_exec_srv *s, int slot, pid_t pid)
{
	s->pid[slot] = pid;
	/* Its pid in the container: the init is 1 there, the guest kernels count from 0. */
	shim_exec_reply(s->fd[slot], KISTE_EXEC_STARTED, pid - 1, NULL);
}

void shim_exec_fail(struct shim_exec_srv *s, int slot, int err, const char *fmt, ...)
{
	char text[sizeof(((struct kiste_exec_msg *)0)->text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	shim_exec_reply(s->fd[slot], KISTE_EXEC_ERROR, err, "%s", text);
	close(s->fd[slot]);
	s->fd[slot] = -1;
	s->pid[slot] = 0;
}

bool shim_exec_reaped(struct shim_exec_srv *s, pid_t pid, int wst)
{
	int i;

	for (i = 0; i < KISTE_EXEC_SESSIONS; i++) {
		if (s->pid[i] != pid)
			continue;
		s->pid[i] = 0;
		if (s->fd[i] >= 0) {
			shim_exec_reply(s->fd[i], KISTE_EXEC_EXITED, wst, NULL);
			close(s->fd[i]);
			s->fd[i] = -1;
		}
		return true;
	}
	return false;
}

/*
 * A message from a session's caller: a signal for its process.  A caller
 * that went away leaves the process running (as runc's exec does); its
 * status then has nobody to go to.
 */
void shim_exec_serve(struct shim_exec_srv *s, int slot, short revents)
{
	struct kiste_exec_msg m;
	ssize_t n = 0;

	if (revents & POLLIN)
		n = recv(s->fd[slot], &m, sizeof(m), MSG_DONTWAIT);
	if (n > 0 && s->pid[slot] <= 0)
		return;		/* a second message before the process runs: ignored */
	if (n == (ssize_t)sizeof(m) && m.kind == KISTE_EXEC_SIGNAL) {
		if (m.value > 0 && m.value < 65 && s->pid[slot] > 0)
			kill(s->pid[slot], m.value);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		return;		/* anything else is ignored */
	close(s->fd[slot]);
	s->fd[slot] = -1;
	s->pid[slot] = 0;
}

void shim_exec_child(struct shim_exec_srv *s)
{
	int i;

	if (s->listen_fd >= 0)
		close(s->listen_fd);
	for (i = 0; i < KISTE_EXEC_SESSIONS; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
}
