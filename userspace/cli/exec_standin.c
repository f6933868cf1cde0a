// SPDX-License-Identifier: GPL-2.0
// exec_standin.c - kiste exec's stand-in (oci_exec.c sends the request): signals passed on
// to the process, its status back, -t's terminal relayed.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exec_standin.h"
#include "kiste_exec.h"
#include "kiste_run.h"
#include "oci.h"
#include "../shim/relay.h"

static volatile sig_atomic_t pending[65];

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
 * The stand-in: signals go to the process until its status comes back; the
 * status as kiste run gives it (128+N for signal N, the seccomp filter's line
 * for SIGSYS).  The init gone without a status: its pid namespace took the
 * process with it, SIGKILL.  @relay (NULL: none): the pipes that stand for
 * the caller's 0-2 move meanwhile; after the status, what the process wrote
 * goes on and the input it left unread goes back (shim_relay_exec_end).
 */
int exec_stand_in(int sock, const char *what, const sigset_t *waitmask, struct shim_relay *relay)
{
	struct kiste_run_who who = { .what = what,
				     .sigsys = "a host syscall outside the allowlist; see "
					       "'kiste policy shim'" };
	struct pollfd p[1 + SHIM_RELAY_NPOLL];
	int who_chan[SHIM_RELAY_NPOLL], np, sig, status;
	bool relaying = relay && shim_relay_active(relay);
	struct kiste_exec_msg m;
	ssize_t n;

	/* A caller's pipe closed early is EPIPE for the relay, not the stand-in's end. */
	if (relaying)
		signal(SIGPIPE, SIG_IGN);

	for (;;) {
		for (sig = 1; sig < 65; sig++) {
			struct kiste_exec_msg s = { .kind = KISTE_EXEC_SIGNAL, .value = sig };

			if (!pending[sig])
				continue;
			pending[sig] = 0;
			if (send(sock, &s, sizeof(s), MSG_NOSIGNAL) < 0)
				break;
		}
		p[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		np = relaying ? shim_relay_exec_poll(relay, p + 1, who_chan) : 0;
		if (ppoll(p, 1 + (nfds_t)np, NULL, waitmask) < 0)
			continue;
		if (np)
			shim_relay_exec_step(relay, p + 1, who_chan, np);
		if (!p[0].revents)
			continue;
		n = recv(sock, &m, sizeof(m), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
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

static void write_all(int fd, const char *b, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
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
	struct kiste_run_who who = { .what = what,
				     .sigsys = "a host syscall outside the allowlist; see "
					       "'kiste policy shim'" };
	struct pollfd p[3];
	struct kiste_exec_msg m;
	int master = -1, status = -1, sig, ptn;
	bool in_open = input, out_open = true;
	char buf[4096];
	ssize_t n;

	while (status < 0) {
		for (sig = 1; sig < 65; sig++) {
			struct kiste_exec_msg s = { .kind = KISTE_EXEC_SIGNAL, .value = sig };

			if (!pending[sig])
				continue;
			pending[sig] = 0;
			if (sig == SIGWINCH) {
				if (master >= 0)
					tty_resize(master);
				continue;
			}
			send(sock, &s, sizeof(s), MSG_NOSIGNAL);
		}
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
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* The caller's input ended: the terminal's end of file (^D). */
				in_open = false;
				write_all(master, "\x04", 1);
			}
		}
		if (p[0].revents) {
			n = recv(sock, &m, sizeof(m), 0);
			if (n < 0 && errno == EINTR)
				continue;
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
