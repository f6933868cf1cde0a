// SPDX-License-Identifier: GPL-2.0
// exec_standin.c - kiste exec's stand-in (oci_exec.c sends the request): signals passed on
// to the process, its status back, -t's terminal relayed, vm mode's stdio moved.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exec_standin.h"
#include "kiste_exec.h"
#include "kiste_run.h"
#include "kiste_tty_eof.h"
#include "oci.h"
#include "../shim/relay.h"

static volatile sig_atomic_t pending[65];

/* A shim process's SIGSYS: the shim's filter; a vm guest's: a filter of the guest's. */
static const char shim_sigsys[] = "a host syscall outside the allowlist; see 'kiste policy shim'";
static const char vm_sigsys[] = "a filter set up inside the guest (kiste filters only the VMM)";

static void on_signal(int sig)
{
	pending[sig] = 1;
}

/* Not passed on: the stand-in's own business, or not the process's to get. */
static bool kept(int sig)
{
	return sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGPIPE ||
	       sig == SIGURG || sig == SIGWINCH || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU || (sig >= 32 && sig < SIGRTMIN);
}

/* Every signal passed on is caught (and waited for: stand_in). */
static void forward_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sig;

	for (sig = 1; sig < 65; sig++)
		if (!kept(sig))
			sigaction(sig, &sa, NULL);
}

/*
 * The signals caught since the last round go on to the process.  SIGWINCH is
 * never one of them (kept): true when it came (exec_forward_winch).
 */
static bool forward_pending(int sock)
{
	bool winch = pending[SIGWINCH];
	int sig;

	pending[SIGWINCH] = 0;
	for (sig = 1; sig < 65; sig++) {
		struct kiste_exec_msg s = { .kind = KISTE_EXEC_SIGNAL, .value = sig };

		if (!pending[sig] || sig == SIGWINCH)
			continue;
		pending[sig] = 0;
		/* A connection gone shows at the next recv: the status's end. */
		send(sock, &s, sizeof(s), MSG_NOSIGNAL);
	}
	return winch;
}

int exec_signal_waiting(void)
{
	int sig;

	for (sig = 1; sig < 65; sig++)
		if (pending[sig] && sig != SIGWINCH)
			return sig;
	return 0;
}

/*
 * The server's next message.  One that ended with messages of ours unread
 * (a SIGNAL, stdin) makes the next recv fail ECONNRESET, once, with its own
 * last messages (EXITED) still queued behind: they come next.
 */
static ssize_t recv_msg(int sock, void *buf, size_t n)
{
	ssize_t got;

	do
		got = recv(sock, buf, n, 0);
	while (got < 0 && (errno == EINTR || errno == ECONNRESET));
	return got;
}

/*
 * The stand-in: signals go to the process until its status comes back; the
 * status as kiste run gives it (128+N for signal N, the seccomp filter's line
 * for SIGSYS).  The init gone without a status: its pid namespace took the
 * process with it, SIGKILL.  @relay (NULL: none): the pipes that stand for
 * the caller's 0-2 move meanwhile; after the status, what the process wrote
 * goes on and the input it left unread goes back (shim_relay_exec_end).
 */
int exec_stand_in(int sock, const char *what, const sigset_t *waitmask, struct shim_relay *relay)
{
	struct kiste_run_who who = { .what = what, .sigsys = shim_sigsys };
	struct pollfd p[1 + SHIM_RELAY_NPOLL];
	int who_chan[SHIM_RELAY_NPOLL], np, status;
	bool relaying = relay && shim_relay_active(relay);
	struct kiste_exec_msg m;
	ssize_t n;

	/* A caller's pipe closed early is EPIPE for the relay, not the stand-in's end. */
	if (relaying)
		signal(SIGPIPE, SIG_IGN);

	for (;;) {
		forward_pending(sock);
		p[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		np = relaying ? shim_relay_exec_poll(relay, p + 1, who_chan) : 0;
		if (ppoll(p, 1 + (nfds_t)np, NULL, waitmask) < 0)
			continue;
		if (np)
			shim_relay_exec_step(relay, p + 1, who_chan, np);
		if (!p[0].revents)
			continue;
		n = recv_msg(sock, &m, sizeof(m));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n != (ssize_t)sizeof(m))
			status = KISTE_EXIT_SIGNAL + SIGKILL;
		else if (m.kind == KISTE_EXEC_EXITED)
			status = kiste_exit_from_wait(m.value, &who);
		else
			continue;
		if (relaying)
			shim_relay_exec_end(relay);
		return status;
	}
}

/* False when @fd took no more (EPIPE, a terminal hung up). */
static bool write_all(int fd, const char *b, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* The caller's terminal size onto the sandbox's. */
static void tty_resize(int master)
{
	unsigned int rows, cols;
	struct winsize ws = { 0 };

	if (kiste_tty_size_fd(&rows, &cols) < 0)
		return;
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * A named run's exec with -t: kiste is the engine, as `kiste run -t` is.  The
 * master of the terminal the init made in the sandbox's devpts comes over
 * @tsock (only a pty master is taken); its output goes to 1, and with -i
 * the caller's 0 goes to it; the caller's terminal is raw meanwhile and
 * restored at the end (kiste_tty_raw's rules).  Signals go on as stand_in's;
 * SIGWINCH resizes.  After the status, what the terminal still holds is shown.
 */
int exec_stand_in_tty(int sock, int tsock, bool input, const char *what,
			const sigset_t *waitmask)
{
	struct kiste_run_who who = { .what = what, .sigsys = shim_sigsys };
	struct pollfd p[3];
	struct kiste_exec_msg m;
	int master = -1, status = -1, ptn, last = -1;
	bool in_open = input, out_open = true;
	char buf[4096];
	ssize_t n;

	while (status < 0) {
		if (forward_pending(sock) && master >= 0)
			tty_resize(master);
		p[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = master >= 0 ? (out_open ? master : -1) : tsock,
					.events = POLLIN };
		p[2] = (struct pollfd){ .fd = in_open && master >= 0 ? 0 : -1, .events = POLLIN };
		if (ppoll(p, 3, NULL, waitmask) < 0)
			continue;
		if (master < 0 && p[1].revents) {
			master = kiste_console_receive(tsock);
			if (master == -EAGAIN || master == -EINTR) {
				master = -1;
			} else if (master < 0 || ioctl(master, TIOCGPTN, &ptn) < 0) {
				/* No terminal came (or not a terminal's master): no relay. */
				if (master >= 0)
					close(master);
				master = -1;
				tsock = -1;
				in_open = false;
			} else {
				/*
				 * Raw until the end; its handlers for the signals that
				 * would end kiste give way to the forwarding ones again:
				 * every signal goes on to the process, whose end
				 * restores the terminal (kiste_tty_release).
				 */
				kiste_tty_raw(input);
				forward_handlers();
				tty_resize(master);
			}
		} else if (master >= 0 && p[1].revents) {
			n = read(master, buf, sizeof(buf));
			if (n > 0)
				write_all(1, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				out_open = false;
		}
		if (p[2].revents) {
			n = read(0, buf, sizeof(buf));
			if (n > 0) {
				write_all(master, buf, (size_t)n);
				last = (unsigned char)buf[n - 1];
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* The caller's input ended: the terminal's end of file (^D). */
				in_open = false;
				write_all(master, buf, (size_t)kiste_tty_eof(master, last, buf));
			}
		}
		if (p[0].revents) {
			n = recv_msg(sock, &m, sizeof(m));
			if (n != (ssize_t)sizeof(m))
				status = KISTE_EXIT_SIGNAL + SIGKILL;
			else if (m.kind == KISTE_EXEC_EXITED)
				status = kiste_exit_from_wait(m.value, &who);
		}
	}
	if (master >= 0 && out_open) {
		struct pollfd d = { .fd = master, .events = POLLIN };

		while (poll(&d, 1, 100) > 0 && (n = read(master, buf, sizeof(buf))) > 0)
			write_all(1, buf, (size_t)n);
	}
	kiste_tty_release();
	return status;
}

/*
 * The signals passed on are caught from before the request goes: one that
 * comes while the process starts waits, and goes on once it runs.  Open
 * again only while the stand-in waits (@waitmask).
 */
void exec_forward_setup(sigset_t *waitmask)
{
	sigset_t block;
	int sig;

	sigemptyset(&block);
	for (sig = 1; sig < 65; sig++)
		if (!kept(sig))
			sigaddset(&block, sig);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	forward_handlers();
}

/* -t relayed by kiste: SIGWINCH too, caught and waited for as the others. */
void exec_forward_winch(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t w;

	sigemptyset(&w);
	sigaddset(&w, SIGWINCH);
	sigprocmask(SIG_BLOCK, &w, NULL);
	sigdelset(waitmask, SIGWINCH);
	sigaction(SIGWINCH, &sa, NULL);
}

/*
 * --console-socket for vm mode: the guest makes the process's terminal, so
 * the engine gets one of the host's whose slave the stand-in relays
 * (exec_stand_in_stream).  Raw, as the guest's terminal does the line
 * discipline (echo, ^C): this one passes the bytes as they are.
 */
int exec_stream_console(const char *path, unsigned int rows, unsigned int cols,
			struct kiste_err *err)
{
	int sock = kiste_console_connect(path, err), slave, ret;

	if (sock < 0)
		return sock;
	/* Raw before the engine has the master: none of its first bytes echoed back. */
	ret = kiste_console_make("/dev/ptmx", rows, cols, true, sock, &slave, err);
	close(sock);
	return ret < 0 ? ret : slave;
}

/* A DATA message: its header, then up to KISTE_EXEC_DATA_MAX bytes (no padding between). */
struct stream_data {
	struct kiste_exec_data h;
	char b[KISTE_EXEC_DATA_MAX];
};

/* exec_stand_in_stream's state. */
struct stream {
	const struct exec_stream *st;
	int sock;
	bool in_open, out_open[2];
	bool credit;			/* the server took the last stdin message (TAKEN) */
	size_t pend;			/* bytes of @in still to send, 0: none */
	uint32_t size;			/* the size the process's terminal has: rows << 16 | cols */
	struct stream_data in;		/* stdin's next message */
	union {				/* the server's, told apart by the kind they start with */
		struct kiste_exec_data h;
		struct kiste_exec_msg m;
		struct stream_data d;
	} got;
};

/* The terminal's size when it changed: the process's terminal follows it. */
static void stream_size(struct stream *s, unsigned int rows, unsigned int cols)
{
	uint32_t v = (rows & 0xffff) << 16 | (cols & 0xffff);
	struct kiste_exec_data w = { .kind = KISTE_EXEC_WINSIZE, .value = (int32_t)v };

	if (!rows || !cols || v == s->size)
		return;
	s->size = v;
	send(s->sock, &w, sizeof(w), MSG_NOSIGNAL);
}

/* The next piece of stdin, or its end (an empty DATA; a console's master gone: EIO). */
static void stream_read_in(struct stream *s)
{
	ssize_t n = read(s->st->in, s->in.b, sizeof(s->in.b));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		s->in_open = false;
	s->pend = sizeof(s->in.h) + (n > 0 ? (size_t)n : 0);
}

/*
 * Never blocking: a server busy sending output while it reads no input must
 * not have both ends wait on each other, so stdin waits for POLLOUT.
 */
static void stream_send_in(struct stream *s)
{
	if (send(s->sock, &s->in, s->pend, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		/* One stdin message in flight: a signal never queues behind a second one. */
		s->credit = s->pend == sizeof(s->in.h);
		s->pend = 0;
	} else if (errno != EAGAIN && errno != EINTR) {
		/* The connection is gone: its end comes as recv's. */
		s->pend = 0;
		s->in_open = false;
	}
}

/*
 * One message from the server: the stand-in's status once the process has
 * ended (or cannot say how), else -1.  Output a closed stream no longer
 * takes is read and dropped, so the process never waits for it.
 */
static int stream_recv(struct stream *s, const struct kiste_run_who *who)
{
	ssize_t n = recv_msg(s->sock, &s->got, sizeof(s->got));
	int i;

	if (n < 0 && errno == EAGAIN)
		return -1;
	if (n < (ssize_t)sizeof(s->got.h)) {
		fprintf(stderr, "kiste: the sandbox ended before %s did: its status is lost\n",
			who->what);
		return OCI_EXEC_FAILED;
	}
	switch (s->got.h.kind) {
	case KISTE_EXEC_DATA:
		i = s->got.h.value - 1;
		if ((i == 0 || i == 1) && s->out_open[i] &&
		    !write_all(s->st->out[i], s->got.d.b, (size_t)n - sizeof(s->got.h)))
			s->out_open[i] = false;
		break;
	case KISTE_EXEC_EXITED:
		if (n == (ssize_t)sizeof(s->got.m))
			return kiste_exit_from_wait(s->got.m.value, who);
		break;
	case KISTE_EXEC_TAKEN:
		s->credit = true;
		break;
	case KISTE_EXEC_ERROR:
		if (n != (ssize_t)sizeof(s->got.m))
			break;
		/* The server's line, which a guest had a hand in: no terminal escapes. */
		s->got.m.text[sizeof(s->got.m.text) - 1] = 0;
		fprintf(stderr, "kiste: %s: %s\n", who->what, kiste_printable(s->got.m.text));
		return OCI_EXEC_FAILED;
	}
	return -1;	/* nothing this kiste knows of: a newer server's, skipped */
}

/*
 * vm mode's stand-in: stdio moves over the connection itself (F_STREAM), as
 * nothing of the host's crosses into a guest.  Signals go on as stand_in's;
 * the caller's terminal (@st->caller_tty) raw with -i as stand_in_tty's, its
 * SIGWINCH a WINSIZE; a console's size, which no signal tells of, looked at
 * every round (and so a round at least every quarter second).  Ends with the
 * status as stand_in does, or 255 (one line) when the sandbox ends first.
 */
int exec_stand_in_stream(int sock, const struct exec_stream *st, const char *what,
			 const sigset_t *waitmask)
{
	struct kiste_run_who who = { .what = what, .sigsys = vm_sigsys };
	const struct timespec tick = { .tv_nsec = 250 * 1000 * 1000 };
	static struct stream s;		/* 64 KiB of buffers: off the stack */
	unsigned int rows, cols;
	struct pollfd p[2];
	struct winsize ws;
	int status = -1;

	s = (struct stream){ .st = st, .sock = sock, .in_open = st->in >= 0,
			     .out_open = { st->out[0] >= 0, st->out[1] >= 0 },
			     .size = (uint32_t)st->rows << 16 | st->cols, .credit = true,
			     .in.h = { .kind = KISTE_EXEC_DATA, .value = 0 } };
	/* Without a terminal, no input is an empty one (as /dev/null's). */
	if (!s.in_open && !st->tty)
		s.pend = sizeof(s.in.h);
	/* An output closed early is EPIPE, that output's end, not the stand-in's. */
	signal(SIGPIPE, SIG_IGN);
	if (st->caller_tty) {
		kiste_tty_raw(st->in >= 0);
		forward_handlers();
	}
	while (status < 0) {
		if (forward_pending(sock) && st->caller_tty && kiste_tty_size_fd(&rows, &cols) >= 0)
			stream_size(&s, rows, cols);
		if (st->console >= 0 && ioctl(st->console, TIOCGWINSZ, &ws) == 0)
			stream_size(&s, ws.ws_row, ws.ws_col);
		if (s.pend)
			stream_send_in(&s);
		p[0] = (struct pollfd){ .fd = sock, .events = POLLIN | (s.pend ? POLLOUT : 0) };
		p[1] = (struct pollfd){ .fd = s.in_open && !s.pend && s.credit ? st->in : -1,
					.events = POLLIN };
		if (ppoll(p, 2, st->console >= 0 ? &tick : NULL, waitmask) <= 0)
			continue;
		if (p[1].revents)
			stream_read_in(&s);
		if (p[0].revents & ~POLLOUT)
			status = stream_recv(&s, &who);
	}
	if (st->caller_tty)
		kiste_tty_release();
	return status;
}
