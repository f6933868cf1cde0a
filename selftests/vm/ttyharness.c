// SPDX-License-Identifier: GPL-2.0
/* ttyharness.c - test-VM tool: selftests/shim/wl/ttyharness.py in C (the test VM has no python3), the user's terminal for vmmode_tty.sh. */
/*
 *   ttyharness [ACTION...] -- SCRIPT
 *
 * A new pty (33 rows, 77 columns) on which /bin/sh runs SCRIPT as its
 * session's leader; what the terminal shows is printed, carriage returns
 * dropped.  Once a line holding "ready" has ended (its line feed shown: a
 * key's echo cannot come between) the ACTIONs happen in order:
 *   type:HEX              bytes typed at the keyboard (e.g. 03 for ^C)
 *   size:ROWS:COLS        the terminal resized (its foreground group gets SIGWINCH)
 *   kill:SIG:PIDFILE      signal SIG (a name: TERM, INT, HUP, QUIT) to the pid in PIDFILE
 *   sleep:SECONDS         a pause
 *   wait:TEXT             until a line holding TEXT has ended (a case's next step)
 * Exit status: the shell's; 99 when the run took more than $TTYHARNESS_LIMIT
 * seconds (default 30; everything killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char out[1 << 20];
static size_t out_len;

static int sig_named(const char *name)
{
	static const struct { const char *n; int s; } t[] = {
		{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP }, { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL }, { "WINCH", SIGWINCH },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name))
			return t[i].s;
	return 0;
}

/* Whether a line holding @text has ended on the terminal. */
static int shown(const char *text)
{
	const char *at = strstr(out, text);

	return at && strchr(at, '\n');
}

/* What the terminal shows next, into out; 0 once nobody holds the terminal (EIO). */
static int pump(int master, int ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 1;
	n = read(master, out + out_len, sizeof(out) - 1 - out_len);
	if (n <= 0)
		return 0;
	out_len += n;
	out[out_len] = 0;
	return 1;
}

static void act(char *a, int master, time_t end)
{
	char *f[3] = { NULL, NULL, NULL }, *save = NULL, *p;
	int i;

	for (i = 0, p = strtok_r(a, ":", &save); p && i < 3; p = strtok_r(NULL, ":", &save))
		f[i++] = p;
	if (!f[0] || !f[1])
		return;
	if (!strcmp(f[0], "type")) {
		size_t n = strlen(f[1]) / 2, j;
		char b[256];
		unsigned int v;

		for (j = 0; j < n && j < sizeof(b); j++) {
			sscanf(f[1] + 2 * j, "%2x", &v);
			b[j] = (char)v;
		}
		if (write(master, b, j) < 0)
			perror("ttyharness: type");
	} else if (!strcmp(f[0], "size") && f[2]) {
		struct winsize ws = { .ws_row = atoi(f[1]), .ws_col = atoi(f[2]) };

		ioctl(master, TIOCSWINSZ, &ws);
	} else if (!strcmp(f[0], "sleep")) {
		usleep((useconds_t)(atof(f[1]) * 1e6));
	} else if (!strcmp(f[0], "wait")) {
		while (time(NULL) < end && !shown(f[1]) && pump(master, 100))
			;
	} else if (!strcmp(f[0], "kill") && f[2]) {
		while (time(NULL) < end) {
			FILE *pf = fopen(f[2], "r");
			int pid = 0;

			if (pf && fscanf(pf, "%d", &pid) == 1 && pid > 0) {
				fclose(pf);
				kill(pid, sig_named(f[1]));
				return;
			}
			if (pf)
				fclose(pf);
			usleep(50000);
		}
	}
}

static void print_out(void)
{
	size_t i;

	for (i = 0; i < out_len; i++)
		if (out[i] != '\r')
			putchar(out[i]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	const char *lim = getenv("TTYHARNESS_LIMIT");
	time_t end = time(NULL) + (lim ? atoi(lim) : 30);
	int sep, master, st = 0, acted = 0, i;
	pid_t pid;

	for (sep = 1; sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	if (sep + 1 >= argc) {
		fprintf(stderr, "usage: ttyharness [ACTION...] -- SCRIPT\n");
		return 2;
	}
	pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("ttyharness: forkpty");
		return 2;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", argv[sep + 1], (char *)NULL);
		_exit(127);
	}
	while (time(NULL) < end) {
		if (!pump(master, 100))
			break;	/* EIO: the session's last holder of the terminal is gone */
		if (!acted && shown("ready")) {
			acted = 1;
			for (i = 1; i < sep; i++)
				act(argv[i], master, end);
		}
	}
	if (time(NULL) >= end) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		print_out();
		printf("harness: more than %s s\n", lim ? lim : "30");
		return 99;
	}
	waitpid(pid, &st, 0);
	print_out();
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
