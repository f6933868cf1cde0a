// SPDX-License-Identifier: GPL-2.0
// jobs.c - conformance: job-control stops and continues, and deaths by core-dump signals, as a parent sees them.
#include "conf.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* A wait status as words that do not depend on the pid. */
static void show(const char *what, pid_t r, int st)
{
	if (r < 0)
		say(what, "-1 %s", ename(errno));
	else if (r == 0)
		say(what, "0 (nothing)");
	else if (WIFEXITED(st))
		say(what, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		say(what, "signaled %d core %d", WTERMSIG(st), !!WCOREDUMP(st));
	else if (WIFSTOPPED(st))
		say(what, "stopped %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		say(what, "continued");
	else
		say(what, "%#x", st);
}

static volatile sig_atomic_t chld_code, chld_status, chld_n, chld_continued;

/*
 * Each SIGCHLD's code and status; a CLD_CONTINUED one is remembered, since the child's
 * exit right after its SIGCONT brings another SIGCHLD that may come before the check.
 */
static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_continued |= si->si_code == CLD_CONTINUED;
	chld_n++;
}

/*
 * Each child leads a process group of its own (both sides call setpgid, so neither
 * order matters): its parent is then in another group of the session, so the group is
 * not orphaned and SIGTSTP stops it.  In an orphaned group the kernel discards SIGTSTP
 * and the waitid(WSTOPPED) below would wait forever (run under setsid, or by the test
 * VM's runner).
 */
/*
 * The go-ahead for the child that stops itself: it exits only when told, so the parent
 * sees it continued before it sees it exit, however slowly the parent runs.
 */
static int go[2] = { -1, -1 };

static pid_t child_that(int how)
{
	pid_t c = fork();

	if (c) {
		if (c > 0)
			setpgid(c, c);
		return c;
	}
	setpgid(0, 0);
	switch (how) {
	case 0:	/* stops itself; once continued, exits 3 when its parent says so */
		raise(SIGSTOP);
		if (read(go[0], &how, 1) < 0)
			_exit(1);
		_exit(3);
	case 1:	/* waits to be stopped from outside */
		for (;;)
			pause();
	default:
		raise(how);
		_exit(99);
	}
}

/* The wait first, then its status (an argument list has no order of evaluation). */
#define status(what, call, st)            \
	do {                              \
		pid_t r_ = (call);        \
		show((what), r_, (st));   \
	} while (0)

static void deaths(void)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGQUIT, SIGTRAP,
				    SIGTERM, SIGKILL };
	struct rlimit rl = { 0, 0 };
	char what[64];
	int st, i;
	pid_t c;

	setrlimit(RLIMIT_CORE, &rl);	/* as the sandbox: no core files */
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
		c = child_that(sigs[i]);
		snprintf(what, sizeof(what), "a child raising %s", sigabbrev_np(sigs[i]));
		status(what, waitpid(c, &st, 0), st);
	}
	st = system("sh -c 'kill -SEGV $$' 2>/dev/null");
	say("system(\"sh -c 'kill -SEGV $$'\")", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void stops(void)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_RESTART };
	siginfo_t si;
	int st, i;
	pid_t c;

	sigaction(SIGCHLD, &sa, NULL);
	if (pipe(go) < 0)
		return;
	c = child_that(0);
	status("a child stopping itself: waitpid(WUNTRACED)", waitpid(c, &st, WUNTRACED), st);
	/* Up to 10 s for the signal (a loaded machine delivers it late; its code is the point). */
	for (i = 0; i < 10000 && chld_n < 1; i++)
		usleep(1000);
	say("its SIGCHLD: code, status", "%s %d", chld_code == CLD_STOPPED ? "CLD_STOPPED" : "other",
	    chld_status);
	status("waitpid(WNOHANG) again: nothing", waitpid(c, &st, WNOHANG | WUNTRACED), st);
	kill(c, SIGCONT);
	status("after SIGCONT: waitpid(WCONTINUED)", waitpid(c, &st, WCONTINUED), st);
	for (i = 0; i < 10000 && !chld_continued; i++)
		usleep(1000);
	say("its SIGCHLD: code", "%s", chld_continued ? "CLD_CONTINUED" : "other");
	if (write(go[1], "x", 1) != 1)
		say("the go-ahead", "not written");
	status("then it exits", waitpid(c, &st, 0), st);
	close(go[0]);
	close(go[1]);

	c = child_that(1);
	usleep(20000);
	kill(c, SIGTSTP);
	memset(&si, 0, sizeof(si));
	i = waitid(P_PID, c, &si, WSTOPPED);
	say("SIGTSTP from the parent: waitid(WSTOPPED)", "%d code %d status %d", i, si.si_code,
	    si.si_status);
	say("waitid's pid is the child's", "%d", si.si_pid == c);
	kill(c, SIGCONT);
	memset(&si, 0, sizeof(si));
	i = waitid(P_PID, c, &si, WCONTINUED);
	say("SIGCONT: waitid(WCONTINUED)", "%d code %d status %d", i, si.si_code, si.si_status);
	kill(c, SIGSTOP);
	status("SIGSTOP: wait4(WUNTRACED)", wait4(c, &st, WUNTRACED, NULL), st);
	kill(c, SIGKILL);
	status("SIGKILL of the stopped child", waitpid(c, &st, 0), st);
	signal(SIGCHLD, SIG_DFL);
}

int main(void)
{
	conf_init();
	deaths();
	stops();
	return conf_done();
}
