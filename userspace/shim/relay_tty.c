// SPDX-License-Identifier: GPL-2.0
// relay_tty.c - kiste run -t: the sandbox's terminal relayed, the caller's raw meanwhile.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
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
	struct winsize ws;
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
	/* The size of the caller's terminal, at 0 or else 1 (podman's -t without -i). */
	for (fd = 0; fd < 2; fd++) {
		if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			r->tty.winfd = fd;
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			break;
		}
	}
	return 0;
}

/*
 * -t: the caller's terminal at 0 is raw while the relay runs (its keys,
 * ^C included, go to the sandbox's terminal, whose line discipline acts on
 * them) and restored on every way out kiste has: the workload's end (any),
 * INT, TERM and HUP (forwarded: the workload ends, then kiste), and a signal
 * that would end kiste itself (below).  SIGKILL of kiste cannot be caught:
 * the terminal stays raw (`stty sane` or `reset` mends it).
 */
static const int tty_fatal[] = { SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
				 SIGXCPU, SIGXFSZ, SIGPWR };
static volatile sig_atomic_t tty_raw_fd = -1;
/*
 * -t without -i: what the terminal sent meanwhile is discarded on restore,
 * since kiste never read it: answers the workload provoked from the terminal
 * emulator (ESC[6n, ESC[c) must not reach the caller's shell as typed input.
 */
static volatile sig_atomic_t tty_restore_how = TCSANOW;
static struct termios tty_saved;

static void tty_restore_now(void)
{
	if (tty_raw_fd >= 0)
		tcsetattr(tty_raw_fd, tty_restore_how, &tty_saved);
	tty_raw_fd = -1;
}

static void tty_fatal_signal(int sig)
{
	int e = errno;

	tty_restore_now();
	signal(sig, SIG_DFL);
	errno = e;
	raise(sig);	/* delivered, and kiste ended, once this returns */
}

static void tty_raw(struct shim_relay_tty *t)
{
	struct sigaction sa = { .sa_handler = tty_fatal_signal };
	struct termios raw;
	unsigned int i;

	/* A terminal kiste reads (-i) or that is its own (-t alone, podman's); never a background one. */
	if (!isatty(0) || tcgetpgrp(0) != getpgrp() || tcgetattr(0, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	tty_saved = t->saved;
	tty_restore_how = t->input ? TCSANOW : TCSAFLUSH;
	for (i = 0; i < sizeof(tty_fatal) / sizeof(tty_fatal[0]); i++)
		sigaction(tty_fatal[i], &sa, NULL);
	tty_raw_fd = 0;
	if (tcsetattr(0, TCSANOW, &raw) < 0) {
		tty_raw_fd = -1;
		return;
	}
	t->raw = true;
}

void relay_tty_unraw(struct shim_relay_tty *t)
{
	unsigned int i;

	if (!t->raw)
		return;
	/* Restored even if kiste was put into the background meanwhile. */
	signal(SIGTTOU, SIG_IGN);
	tty_restore_now();
	for (i = 0; i < sizeof(tty_fatal) / sizeof(tty_fatal[0]); i++)
		signal(tty_fatal[i], SIG_DFL);
	t->raw = false;
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
	r->nchan++;
}

/*
 * The master came (or the init ended without sending one: it said why): the
 * relay starts, the terminal sized again (it may have changed meanwhile),
 * the caller's made raw.  @late: the sandbox has ended already (a workload
 * quicker than this loop): only its output is left to move.
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
	tty_raw(&r->tty);
	if (r->tty.input)
		tty_chan(r, 0, false);
}
