// SPDX-License-Identifier: GPL-2.0
// signals.c - conformance: actions, masks, pending sets, sigsuspend, sigtimedwait, handlers.
#include "conf.h"

#include <stdint.h>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits[65];
static volatile sig_atomic_t order[8], norder;

static void on_sig(int sig)
{
	hits[sig]++;
	if (norder < 8)
		order[norder++] = sig;
}

static volatile pid_t info_pid;
static volatile uid_t info_uid;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits[sig]++;
	hits[0] = si->si_code;
	info_pid = si->si_pid;
	info_uid = si->si_uid;
}

static void actions(void)
{
	struct sigaction sa = { 0 }, old;

	chk("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
	chk("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL));
	chk("sigaction(0)", sigaction(0, &sa, NULL));
	chk("sigaction(65)", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8));
	chk("rt_sigaction with sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	chk("sigaction(SIGUSR1, handler)", sigaction(SIGUSR1, &sa, NULL));
	chk("read it back", sigaction(SIGUSR1, NULL, &old));
	say("handler, flags, mask has USR2", "%d 0x%x %d", old.sa_handler == on_sig,
	    old.sa_flags & (SA_RESTART | SA_SIGINFO | SA_NODEFER | SA_RESETHAND),
	    sigismember(&old.sa_mask, SIGUSR2));
	raise(SIGUSR1);
	say("handler ran", "%d", hits[SIGUSR1]);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	say("SA_RESETHAND: ran, then default", "%d %d", hits[SIGUSR1], old.sa_handler == SIG_DFL);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	kill(getpid(), SIGUSR2);
	say("SA_SIGINFO: ran, si_code", "%d %d", hits[SIGUSR2], hits[0]);
	say("SA_SIGINFO: the sender is self, its uid mine", "%d %d", info_pid == getpid(),
	    info_uid == getuid());
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	say("ignored: not run", "%d", hits[SIGUSR2]);
	signal(SIGUSR2, SIG_DFL);
}

static void masks(void)
{
	sigset_t m, old, pend;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGKILL);
	chk("block USR1 and KILL", sigprocmask(SIG_BLOCK, &m, &old));
	sigprocmask(SIG_BLOCK, NULL, &old);
	say("USR1, KILL blocked", "%d %d", sigismember(&old, SIGUSR1), sigismember(&old, SIGKILL));
	chk("sigprocmask with how 7", syscall(SYS_rt_sigprocmask, 7, &m, NULL, 8));
	chk("sigprocmask with sigsetsize 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 4));
	{
		/* A refused call leaves the old set's buffer as it was. */
		uint64_t w = 0xa5a5a5a5a5a5a5a5ULL;

		chk("sigprocmask with how 7 and an old set", syscall(SYS_rt_sigprocmask, 7, &m, &w, 8));
		say("the old set's buffer untouched", "%d", w == 0xa5a5a5a5a5a5a5a5ULL);
		/* how is an int: a 64-bit argument's upper half is not looked at. */
		chk("sigprocmask with how SIG_UNBLOCK | 1 << 32",
		    syscall(SYS_rt_sigprocmask, SIG_UNBLOCK | (1L << 32), &m, NULL, 8));
		sigprocmask(SIG_BLOCK, NULL, &old);
		say("USR1 unblocked by it", "%d", !sigismember(&old, SIGUSR1));
		sigprocmask(SIG_BLOCK, &m, NULL);
	}
	signal(SIGUSR1, on_sig);
	hits[SIGUSR1] = 0;
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pend);
	say("pending while blocked, handler not run", "%d %d", sigismember(&pend, SIGUSR1),
	    hits[SIGUSR1]);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	say("after unblocking: ran once (not queued)", "%d", hits[SIGUSR1]);
	/* Real-time signals queue and come lowest first. */
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 1);
	sigaddset(&m, SIGRTMIN + 2);
	signal(SIGRTMIN + 1, on_sig);
	signal(SIGRTMIN + 2, on_sig);
	sigprocmask(SIG_BLOCK, &m, NULL);
	norder = 0;
	raise(SIGRTMIN + 2);
	raise(SIGRTMIN + 1);
	raise(SIGRTMIN + 2);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	say("real-time delivery order (offsets)", "%d %d %d", order[0] - SIGRTMIN,
	    order[1] - SIGRTMIN, order[2] - SIGRTMIN);
}

static void waits(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	siginfo_t si;
	sigset_t m, empty;
	pid_t pid;

	sigemptyset(&m);
	sigemptyset(&empty);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	chk("sigtimedwait, nothing pending, 20 ms", sigtimedwait(&m, &si, &ts));
	kill(getpid(), SIGUSR1);
	chk("sigtimedwait, USR1 pending", sigtimedwait(&m, &si, &ts));
	say("si_code, sender is self", "%d %d", si.si_code, si.si_pid == getpid());
	say("sender's uid is mine", "%d", si.si_uid == getuid());
	hits[SIGUSR1] = 0;
	raise(SIGUSR1);
	chk("sigsuspend with an empty mask", sigsuspend(&empty));
	say("handler ran", "%d", hits[SIGUSR1]);
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	chk("sigsuspend until the child's USR1", sigsuspend(&empty));
	say("handler ran", "%d", hits[SIGUSR1]);
	waitpid(pid, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void timers(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, cur; /* found running when loaded */
	sigset_t m;

	signal(SIGALRM, on_sig);
	hits[SIGALRM] = 0;
	chk("setitimer(ITIMER_REAL, 300 ms)", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &cur);
	say("running", "%d", cur.it_value.tv_usec > 0 || cur.it_value.tv_sec > 0);
	sigemptyset(&m);
	while (!hits[SIGALRM])
		sigsuspend(&m);
	say("SIGALRM ran", "%d", hits[SIGALRM]);
	chk("alarm(5)", alarm(5));
	chk("alarm(0) returns what is left", alarm(0));
	chk("setitimer(5)", setitimer(5, &it, NULL));
}

static void child_deaths(void)
{
	struct sigaction sa = { 0 };
	sigset_t m;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	say("child killed by its own SIGTERM", "%d %d", WIFSIGNALED(st), WTERMSIG(st));
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		raise(SIGTERM);
		_exit(9);
	}
	waitpid(pid, &st, 0);
	say("child ignoring SIGTERM exits", "%d %d", WIFEXITED(st), WEXITSTATUS(st));
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	say("exec after SIG_IGN", "%d %d", WIFEXITED(st), WEXITSTATUS(st));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	hits[SIGCHLD] = 0;
	pid = fork();
	if (pid == 0)
		_exit(4);
	sigemptyset(&m);
	while (!hits[SIGCHLD])
		sigsuspend(&m);
	say("SIGCHLD handler: si_code, the sender is the child", "%d %d", hits[0], info_pid == pid);
	waitpid(pid, &st, 0);
	signal(SIGCHLD, SIG_DFL);
}

int main(void)
{
	conf_init();
	actions();
	masks();
	waits();
	timers();
	child_deaths();
	return conf_done();
}
