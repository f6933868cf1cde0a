// SPDX-License-Identifier: GPL-2.0
// relay_tty.c - kiste run -t: the sandbox's terminal relayed (the caller's made raw by lib/tty_raw.c).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay_int.h"

/* @fd moved above 2 (a caller may have closed 0..2), close-on-exec; -errno, @fd closed. */
static int above2(int fd)
{
	int moved;

	if (fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	moved = moved < 0 ? -errno : moved;
	close(fd);
	return moved;
}

int shim_relay_tty(struct shim_relay *r, bool input, int *init_end, unsigned int *rows,
		   unsigned int *cols, struct kiste_err *err)
{
	int sv[2], fd;

	*rows = *cols = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return kiste_err_set(err, -errno, "cannot make the terminal's socket: %s",
				     strerror(errno));
	sv[0] = above2(sv[0]);
	sv[1] = above2(sv[1]);
	if (sv[0] < 0 || sv[1] < 0) {
		fd = sv[0] < 0 ? sv[0] : sv[1];
		if (sv[0] >= 0)
			close(sv[0]);
		if (sv[1] >= 0)
			close(sv[1]);
		return kiste_err_set(err, fd, "cannot make the terminal's socket: %s",
				     strerror(-fd));
	}
	r->tty.on = true;
	r->tty.input = input;
	r->tty.sock = sv[0];
	*init_end = sv[1];
	r->tty.winfd = kiste_tty_size_fd(rows, cols);
	return 0;
}

/* The caller's terminal's size onto the sandbox's (whose foreground group then gets SIGWINCH). */
void relay_tty_resize(struct shim_relay_tty *t)
{
	struct winsize ws;

	if (t->master >= 0 && t->winfd >= 0 && ioctl(t->winfd, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

/* One channel moving bytes between the caller's @host and the sandbox's terminal. */
static void tty_chan(struct shim_relay *r, int host, bool out)
{
	struct shim_relay_chan *c = &r->chan[r->nchan];
	int mine;

	/* With -t only the trace file has a channel before: never full. */
	if (r->nchan >= (int)(sizeof(r->chan) / sizeof(r->chan[0])))
		return;
	mine = fcntl(r->tty.master, F_DUPFD_CLOEXEC, 3);
	if (mine < 0 || !(c->buf = malloc(RELAY_BUF))) {
		fprintf(stderr, "kiste: cannot relay the sandbox's terminal: %s\n",
			strerror(mine < 0 ? errno : ENOMEM));
		if (mine >= 0)
			close(mine);
		return;
	}
	c->host = host;
	c->mine = mine;
	c->theirs = -1;
	c->out = out;
	c->stream = true;
	c->tty = true;
	c->last = -1;
	r->nchan++;
}

/*
 * The master came (or the init ended without sending one: it said why): the
 * relay starts, the terminal sized again (it may have changed meanwhile),
 * the caller's made raw (kiste_tty_raw: at 0, in kiste's foreground group).
 * @late: the sandbox has ended already (a workload quicker than this loop):
 * only its output is left to move.
 */
void relay_tty_attach(struct shim_relay *r, bool late)
{
	int m = kiste_console_receive(r->tty.sock);

	if (m == -EAGAIN || m == -EINTR)
		return;
	close(r->tty.sock);
	r->tty.sock = -1;
	if (m < 0)
		return;
	r->tty.master = m;
	if (fcntl(m, F_SETFL, O_RDWR | O_NONBLOCK) < 0)
		return;
	tty_chan(r, 1, true);
	if (late)
		return;
	relay_tty_resize(&r->tty);
	/* lib/tty_raw.c: restored by relay_finish (kiste_tty_release) or a fatal signal. */
	kiste_tty_raw(r->tty.input);
	if (r->tty.input)
		tty_chan(r, 0, false);
}
