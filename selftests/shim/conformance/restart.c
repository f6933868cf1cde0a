// SPDX-License-Identifier: GPL-2.0
// restart.c - conformance: sleeps a stop and continue interrupt resume, as the kernel's restart_syscall does.
#include "conf.h"

#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int word;

/* The child sleeps 300 ms by @how; its exit status says what the sleep returned. */
static int sleeper(int how)
{
	struct timespec ts = { 0, 300000000 };
	long r = 0;

	switch (how) {
	case 0:
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		return r == 0 ? 0 : 10 + (int)r;
	case 1:
		r = nanosleep(&ts, NULL);
		break;
	case 2:
		r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		return r < 0 && errno == ETIMEDOUT ? 0 : 20;
	case 3:
		r = poll(NULL, 0, 300);
		break;
	}
	return r == 0 ? 0 : 30 + errno;
}

static void stop_and_continue(const char *what, int how, int sig)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(sleeper(how));
	usleep(100000);
	if (sig) {
		kill(pid, sig);
	} else {
		kill(pid, SIGSTOP);
		waitpid(pid, &st, WUNTRACED);
		kill(pid, SIGCONT);
	}
	waitpid(pid, &st, 0);
	say(what, "%s %d", WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

int main(void)
{
	conf_init();
	stop_and_continue("clock_nanosleep, stopped and continued", 0, 0);
	stop_and_continue("nanosleep, stopped and continued", 1, 0);
	stop_and_continue("futex wait with a timeout, stopped and continued", 2, 0);
	stop_and_continue("poll with a timeout, stopped and continued", 3, 0);
	stop_and_continue("clock_nanosleep, an ignored SIGWINCH", 0, SIGWINCH);
	stop_and_continue("futex wait, an ignored SIGCHLD", 2, SIGCHLD);
	return conf_done();
}
