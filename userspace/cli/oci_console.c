// SPDX-License-Identifier: GPL-2.0
// oci_console.c - create's --console-socket: a pty whose master goes to the engine, as runc sends it.
//
// The engine (conmon for podman -t) listens on a unix socket; create makes a
// pty, sends the master over the socket with SCM_RIGHTS (the slave's name as
// the message's bytes, as runc does) and keeps the slave for the mode, whose
// container process makes it its stdin, stdout, stderr and controlling
// terminal in a session of its own (kiste_oci_launch.console_fd).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "oci.h"

static int send_master(const char *path, int master, const char *name, struct kiste_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int s, ret = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kiste_err_set(err, -ENAMETOOLONG, "--console-socket %s: too long a path "
				     "(at most %zu bytes)", path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memset(u.buf, 0, sizeof(u.buf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = kiste_err_set(err, -errno, "--console-socket %s: cannot connect: %s", path,
				    strerror(errno));
	else if (sendmsg(s, &msg, MSG_NOSIGNAL) < 0)
		ret = kiste_err_set(err, -errno, "--console-socket %s: cannot send the terminal: %s",
				    path, strerror(errno));
	if (s >= 0)
		close(s);
	return ret;
}

int oci_console_open(const char *socket_path, const struct kiste_oci_config *c, int *slave,
		     struct kiste_err *err)
{
	char name[64];
	int master, ret;

	*slave = -1;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name))) {
		ret = kiste_err_set(err, -errno, "cannot make a terminal: %s", strerror(errno));
		goto out;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		ret = kiste_err_set(err, -errno, "cannot open the terminal %s: %s", name,
				    strerror(errno));
		goto out;
	}
	if (c->process.console_rows && c->process.console_cols) {
		struct winsize ws = { .ws_row = c->process.console_rows,
				      .ws_col = c->process.console_cols };

		ioctl(master, TIOCSWINSZ, &ws);
	}
	ret = send_master(socket_path, master, name, err);
out:
	if (master >= 0)
		close(master);
	if (ret < 0 && *slave >= 0) {
		close(*slave);
		*slave = -1;
	}
	return ret;
}
