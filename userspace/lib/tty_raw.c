// SPDX-License-Identifier: GPL-2.0
// tty_raw.c - kiste run -t: the caller's terminal raw for the run, restored on every way out kiste has.
//
// One terminal per process (a signal handler restores it, so the saved
// settings are this file's): the caller's 0 while `kiste run -t` relays,
// its keys (^C included) going to the sandbox's terminal, whose line
// discipline acts on them.  Restored on the workload's end, on INT, TERM
// and HUP (forwarded by the modes: the workload ends, then kiste), and on a
// signal that would end kiste itself (kiste_tty_fatal_signals, caught here
// until a mode blocks them to read them itself).  SIGKILL cannot be caught:
// the watcher (below) restores then.
//
// One rule for both modes that have -t.  Shim's relay (shim/relay_tty.c)
// calls kiste_tty_raw once the sandbox's pty master came and
// kiste_tty_release when its supervision loop ends (relay.c's relay_finish:
// the workload's end, --timeout, a forwarded INT, TERM or HUP).  vm mode calls
// kiste_tty_restore() from its confined main thread: that path is one ioctl
// on 0 (TCSETS) and rt_sigprocmask, nothing else.
//
// Where no handler runs (SIGKILL, the VMM killed by its own seccomp filter,
// a crash), the watcher restores: a process forked before kiste confines
// itself or joins a sandbox, which waits for kiste's end and then puts the
// saved settings back if the terminal still holds the raw ones kiste set
// (after kiste's own restore it holds others, and is left alone).
//
// The rule was shim's first (its own copy, gone since): what this one does beyond it, and
// shim gained, is a fatal signal the caller ignores left ignored (and not
// set to SIG_DFL afterwards), SIGTTOU blocked for the restore on the signal
// path too and only for the restore (shim ignored it for good, after the
// normal end alone), and no second kiste_tty_raw over a raw terminal.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "kiste_run.h"
#include "libkiste.h"

static const int tty_fatal[] = { SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
				 SIGXCPU, SIGXFSZ, SIGPWR };
static volatile sig_atomic_t tty_raw_fd = -1;
static struct termios tty_saved;
/* Which of tty_fatal have the restoring handler (one the caller ignores cannot end kiste). */
static unsigned int tty_caught;
static bool tty_watched;

static bool tty_same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

/*
 * The watcher (kiste_watch_exit: a session of its own, the job's signals
 * ignored, nothing of kiste's but the terminal) puts @saved back once kiste
 * has ended, if the terminal still holds cfmakeraw(@saved).
 */
void kiste_tty_watch(void)
{
	struct termios saved, raw, now;
	int tty = 0;

	/* The test hook: a lost restore of kiste's own shows, not hidden by the watcher's. */
	if (tty_watched || kiste_setting(KISTE_SET_TESTONLY_NO_TTY_WATCHER) || !isatty(0) ||
	    tcgetpgrp(0) != getpgrp() || tcgetattr(0, &saved) < 0)
		return;
	tty_watched = true;
	if (!kiste_watch_exit("kiste-tty", &tty))
		return;
	raw = saved;
	cfmakeraw(&raw);
	if (tcgetattr(tty, &now) == 0 && tty_same(&now, &raw))
		tcsetattr(tty, TCSANOW, &saved);
	_exit(0);
}

void kiste_tty_fatal_signals(sigset_t *set)
{
	unsigned int i;

	sigemptyset(set);
	for (i = 0; i < sizeof(tty_fatal) / sizeof(tty_fatal[0]); i++)
		sigaddset(set, tty_fatal[i]);
}

void kiste_tty_restore(void)
{
	sigset_t ttou, old;
	int e = errno;

	if (tty_raw_fd < 0)
		return;
	/* Restored even if kiste was put into the background meanwhile (a blocked SIGTTOU is not sent). */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetattr(tty_raw_fd, TCSANOW, &tty_saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	tty_raw_fd = -1;
	errno = e;
}

/* SA_RESETHAND: the default action is back when this runs, and the raise ends kiste. */
static void tty_fatal_signal(int sig)
{
	int e = errno;

	kiste_tty_restore();
	errno = e;
	raise(sig);	/* delivered, and kiste ended, once this returns */
}

bool kiste_tty_raw(bool input)
{
	struct sigaction sa = { .sa_handler = tty_fatal_signal, .sa_flags = SA_RESETHAND };
	struct termios raw;
	unsigned int i;

	/*
	 * Raw only for a terminal kiste reads (-i), as docker does (podman goes
	 * raw with -t alone, where ^C then reaches nothing: kiste reads no key):
	 * with -t alone the caller's terminal keeps its line discipline, so ^C is
	 * kiste's SIGINT, forwarded to the workload as without -t, and what is
	 * typed stays the caller's shell's input.  Never a background terminal.
	 */
	if (!input || tty_raw_fd >= 0 || !isatty(0) || tcgetpgrp(0) != getpgrp() ||
	    tcgetattr(0, &tty_saved) < 0)
		return false;
	kiste_tty_watch();
	raw = tty_saved;
	cfmakeraw(&raw);
	for (i = 0; i < sizeof(tty_fatal) / sizeof(tty_fatal[0]); i++) {
		struct sigaction old;

		if (sigaction(tty_fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(tty_fatal[i], &sa, NULL);
		tty_caught |= 1u << i;
	}
	tty_raw_fd = 0;
	if (tcsetattr(0, TCSANOW, &raw) < 0) {
		tty_raw_fd = -1;
		return false;
	}
	return true;
}

void kiste_tty_release(void)
{
	unsigned int i;

	kiste_tty_restore();
	for (i = 0; i < sizeof(tty_fatal) / sizeof(tty_fatal[0]); i++)
		if (tty_caught & 1u << i)
			signal(tty_fatal[i], SIG_DFL);
	tty_caught = 0;
}

int kiste_tty_size_fd(unsigned int *rows, unsigned int *cols)
{
	struct winsize ws;
	int fd;

	*rows = *cols = 0;
	/* The size of the caller's terminal, at 0 or else 1 (podman's -t without -i). */
	for (fd = 0; fd < 2; fd++) {
		if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			return fd;
		}
	}
	return -1;
}
