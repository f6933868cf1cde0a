// SPDX-License-Identifier: GPL-2.0
// pty.c - conformance: pseudo-terminals (posix_openpt, openpty, forkpty, TIOCGPTPEER, termios on them).
#include "conf.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

static void openpt(void)
{
	char name[64], buf[16] = { 0 };
	int m, s, n, lock = 1;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	chkfd("posix_openpt", m);
	if (m < 0)
		return;
	chk("grantpt", grantpt(m));
	chk("TIOCGPTLCK before unlockpt", ioctl(m, TIOCGPTLCK, &lock));
	say("locked", "%d", lock);
	chk("unlockpt", unlockpt(m));
	chk("TIOCGPTLCK after", ioctl(m, TIOCGPTLCK, &lock));
	say("locked", "%d", lock);
	chk("ptsname_r", ptsname_r(m, name, sizeof(name)));
	say("its name", "%.9s", name);
	chk("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
	s = open(name, O_RDWR | O_NOCTTY);
	chkfd("open the slave by its name", s);
	if (s >= 0) {
		say("isatty(slave), isatty(master)", "%d %d", isatty(s), isatty(m));
		chk("write to the master", write(m, "ab\n", 3));
		chk("read the slave (a line)", read(s, buf, sizeof(buf) - 1));
		say("it read", "%s", buf[0] == 'a' && buf[1] == 'b' ? "ab" : "other");
		close(s);
	}
	close(m);
}

static void peer(void)
{
	struct termios t;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 }, got = { 0 };
	char buf[32] = { 0 };
	int m, s;

	chk("openpty", openpty(&m, &s, NULL, NULL, &ws));
	if (m < 0)
		return;
	chk("TIOCGWINSZ on the slave", ioctl(s, TIOCGWINSZ, &got));
	say("its size", "%dx%d", got.ws_col, got.ws_row);
	chk("tcgetattr", tcgetattr(s, &t));
	cfmakeraw(&t);
	chk("tcsetattr raw", tcsetattr(s, TCSANOW, &t));
	chk("write raw bytes to the slave", write(s, "x\ny", 3));
	chk("read them at the master", read(m, buf, sizeof(buf) - 1));
	say("raw: no CR added", "%s", buf[1] == '\n' ? "yes" : "no");
	close(s);
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	chkfd("TIOCGPTPEER", s);
	if (s >= 0)
		close(s);
	s = ioctl(m, TIOCGPTPEER, 0x40000000 | O_RDWR);
	chkfd("TIOCGPTPEER with a flag it does not know", s);
	if (s >= 0)
		close(s);
	chk("TIOCGPTN on a non-pty", ioctl(0, TIOCGPTN, &s));
	close(m);
}

static void fork_pty(void)
{
	char buf[128] = { 0 };
	size_t len = 0;
	int m, st;
	ssize_t r;
	pid_t pid = forkpty(&m, NULL, NULL, NULL);

	if (pid == 0) {
		/* a session leader with the slave as its controlling terminal */
		printf("sid==pid %d tpgid==pid %d ctty %d\n", getsid(0) == getpid(),
		       tcgetpgrp(0) == getpid(), open("/dev/tty", O_RDWR) >= 0);
		fflush(stdout);
		_exit(5);
	}
	chk("forkpty", pid < 0 ? -1 : 0);
	if (pid < 0)
		return;
	while (len < sizeof(buf) - 1 && (r = read(m, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	say("read after the child ended", "%s", ename(errno));
	buf[strcspn(buf, "\r\n")] = 0;
	say("the child says", "%s", buf);
	waitpid(pid, &st, 0);
	say("its exit status", "%d", WEXITSTATUS(st));
	close(m);
}

int main(void)
{
	conf_init();
	openpt();
	peer();
	fork_pty();
	return conf_done();
}
