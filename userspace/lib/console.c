// SPDX-License-Identifier: GPL-2.0
// console.c - an OCI container's terminal: a pty whose master goes to the engine's --console-socket.
//
// The engine (conmon for podman -t) listens on a unix socket; the runtime
// makes a pty, sends the master over the socket with SCM_RIGHTS (the slave's
// name as the message's bytes, as runc does) and keeps the slave for the
// container's process.  runc makes the pty inside the container, in its own
// devpts, so the container sees /dev/pts/0; shim mode's init does the same
// (kiste_oci_launch.console_sock), other modes make it on the host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "libkiste.h"

int kiste_console_connect(const char *path, struct kiste_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kiste_err_set(err, -ENAMETOOLONG, "--console-socket %s: too long a path "
				     "(at most %zu bytes)", path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		if (s >= 0)
			close(s);
		return kiste_err_set(err, r, "--console-socket %s: cannot connect: %s", path,
				     strerror(-r));
	}
	return s;
}

static int send_master(int sock, int master, const char *name, struct kiste_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	memset(u.buf, 0, sizeof(u.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return kiste_err_set(err, -errno, "--console-socket: cannot send the terminal: %s",
				     strerror(errno));
	return 0;
}

int kiste_console_make(const char *ptmx, unsigned int rows, unsigned int cols, bool raw,
		       int sock, int *slave, struct kiste_err *err)
{
	struct termios t;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	int master, unlock = 0, n, ret;
	char name[32];

	*slave = -1;
	master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    ioctl(master, TIOCGPTN, &n) < 0) {
		ret = kiste_err_set(err, -errno, "cannot make a terminal (%s): %s", ptmx,
				    strerror(errno));
		goto out;
	}
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	/* The peer of this master, whatever devpts instance it lives in. */
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		ret = kiste_err_set(err, -errno, "cannot open the terminal %s: %s", name,
				    strerror(errno));
		goto out;
	}
	if (rows && cols)
		ioctl(master, TIOCSWINSZ, &ws);
	if (raw && (tcgetattr(*slave, &t) < 0 || (cfmakeraw(&t), tcsetattr(*slave, TCSANOW, &t)) < 0)) {
		ret = kiste_err_set(err, -errno, "cannot make the terminal %s raw: %s", name,
				    strerror(errno));
		goto out;
	}
	ret = send_master(sock, master, name, err);
out:
	if (master >= 0)
		close(master);
	if (ret < 0 && *slave >= 0) {
		close(*slave);
		*slave = -1;
	}
	return ret;
}

int kiste_console_receive(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char name[64];
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd = -1;
	ssize_t n;

	n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd >= 0 && !(msg.msg_flags & MSG_CTRUNC))
		return fd;
	if (fd >= 0)
		close(fd);
	return n == 0 ? -EPIPE : -EPROTO;
}
