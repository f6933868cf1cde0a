// SPDX-License-Identifier: GPL-2.0
// procs.c - conformance: fork, wait4, waitid, kill, process groups and pidfds, as observed results.
#include "conf.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static long pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static long pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned int flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

/* A child that waits to be killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void status(const char *what, int st)
{
	if (WIFEXITED(st))
		say(what, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		say(what, "killed by %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		say(what, "stopped by %d", WSTOPSIG(st));
	else
		say(what, "0x%x", st);
}

static void waits(void)
{
	siginfo_t si;
	pid_t pid, r;
	int st = 0;

	chk("wait4 with no children", wait4(-1, &st, 0, NULL));
	pid = fork();
	if (pid == 0)
		_exit(42);
	r = wait4(pid, &st, 0, NULL);
	say("wait4 returns the child", "%d", r == pid);
	status("its status", st);
	pid = fork();
	if (pid == 0)
		_exit(3);
	memset(&si, 0, sizeof(si));
	chk("waitid(P_PID, WEXITED)", waitid(P_PID, pid, &si, WEXITED));
	say("si_pid is the child", "%d", si.si_pid == pid);
	say("si_code, si_status", "%d %d", si.si_code, si.si_status);
	pid = sleeper();
	chk("waitid(P_ALL, WNOHANG) while it runs", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	say("si_pid then", "%d", si.si_pid);
	chk("kill(child, SIGSTOP)", kill(pid, SIGSTOP));
	r = waitpid(pid, &st, WUNTRACED);
	say("waitpid(WUNTRACED) returns the child", "%d", r == pid);
	status("its status", st);
	chk("kill(child, SIGKILL)", kill(pid, SIGKILL));
	r = waitpid(-1, &st, 0);
	say("waitpid(-1) returns the child", "%d", r == pid);
	status("its status", st);
	chk("kill(child) after it was reaped", kill(pid, 0));
	chk("kill(self, 0)", kill(getpid(), 0));
	chk("kill with signal 65", kill(getpid(), 65));
	chk("waitid with a bad idtype", waitid(7, 0, &si, WEXITED));
}

static void groups(void)
{
	pid_t pid, me;
	int st;

	say("getpgid(0) is getpgrp()", "%d", getpgid(0) == getpgrp());
	pid = fork();
	if (pid == 0) {
		if (setpgid(0, 0) < 0)
			_exit(1);
		_exit(getpgrp() == getpid() ? 0 : 2);
	}
	waitpid(pid, &st, 0);
	status("a child makes its own group", st);
	pid = fork();
	if (pid == 0)
		_exit(setsid() == getpid() ? 0 : 1);
	waitpid(pid, &st, 0);
	status("a child makes its own session", st);
	me = getpid();
	pid = fork();
	if (pid == 0)
		_exit(getppid() == me ? 0 : 1);
	waitpid(pid, &st, 0);
	status("a child's getppid is its parent", st);
}

/* The number after KEY in /proc/self/fdinfo/FD, or -1. */
static long fdinfo_pid(int fd, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void pidfds(void)
{
	struct pollfd p;
	siginfo_t si;
	pid_t pid;
	int fd, st;

	chk("pidfd_open(0)", pidfd_open(0, 0));
	chk("pidfd_open(-1)", pidfd_open(-1, 0));
	chk("pidfd_open with an unknown flag", pidfd_open(getpid(), 1));
	chk("pidfd_open of no process", pidfd_open(4000000, 0));
	fd = chkfd("pidfd_open(self)", pidfd_open(getpid(), 0));
	chk("pidfd_send_signal(self, 0)", pidfd_send_signal(fd, 0, NULL, 0));
	close(fd);
	pid = sleeper();
	fd = chkfd("pidfd_open(child, PIDFD_NONBLOCK)", pidfd_open(pid, O_NONBLOCK));
	p.fd = fd;
	p.events = POLLIN;
	chk("poll while it runs", poll(&p, 1, 0));
	say("its fdinfo's Pid and NSpid name the child", "%d",
	    fdinfo_pid(fd, "Pid:") == pid && fdinfo_pid(fd, "NSpid:") == pid);
	chk("pidfd_send_signal with an unknown flag (8)", pidfd_send_signal(fd, SIGTERM, NULL, 8));
	chk("pidfd_send_signal(0, PIDFD_SIGNAL_THREAD_GROUP)", pidfd_send_signal(fd, 0, NULL, 2));
	chk("pidfd_send_signal(0, PIDFD_SIGNAL_PROCESS_GROUP)", pidfd_send_signal(fd, 0, NULL, 4));
	chk("pidfd_send_signal with signal 65", pidfd_send_signal(fd, 65, NULL, 0));
	chk("pidfd_send_signal(SIGTERM)", pidfd_send_signal(fd, SIGTERM, NULL, 0));
	chk("poll after the kill", poll(&p, 1, 5000));
	say("revents", "0x%x", p.revents);
	memset(&si, 0, sizeof(si));
	chk("waitid(P_PIDFD)", waitid(P_PIDFD, fd, &si, WEXITED));
	say("si_pid is the child", "%d", si.si_pid == pid);
	say("si_code, si_status", "%d %d", si.si_code, si.si_status);
	chk("pidfd_send_signal to the reaped child", pidfd_send_signal(fd, 0, NULL, 0));
	chk("waitid(P_PIDFD) again", waitid(P_PIDFD, fd, &si, WEXITED));
	close(fd);
	chk("pidfd_send_signal on 1001", pidfd_send_signal(1001, 0, NULL, 0));
	chk("waitid(P_PIDFD) on 1001", waitid(P_PIDFD, 1001, &si, WEXITED));
	fd = open("/", O_RDONLY | O_DIRECTORY);
	chk("pidfd_send_signal on a directory", pidfd_send_signal(fd, 0, NULL, 0));
	close(fd);
	pid = fork();
	if (pid == 0)
		_exit(5);
	fd = pidfd_open(pid, 0);
	waitpid(pid, &st, 0);
	status("a child reaped before its pidfd is used", st);
	chk("pidfd_send_signal to it", pidfd_send_signal(fd, 0, NULL, 0));
	close(fd);
}

static volatile int thread_tid, thread_go;

static void *tid_then_wait(void *arg)
{
	(void)arg;
	thread_tid = (int)syscall(SYS_gettid);
	while (!thread_go)
		usleep(1000);
	return NULL;
}

/* A thread's pidfd (PIDFD_THREAD, O_EXCL): by its tid, as tgkill names it. */
static void thread_pidfds(void)
{
	pthread_t t;
	int fd;

	pthread_create(&t, NULL, tid_then_wait, NULL);
	while (!thread_tid)
		usleep(1000);
	chk("pidfd_open(a thread's tid, 0)", pidfd_open(thread_tid, 0));
	fd = chkfd("pidfd_open(a thread's tid, PIDFD_THREAD)", pidfd_open(thread_tid, O_EXCL));
	chk("pidfd_send_signal(0) to the thread", pidfd_send_signal(fd, 0, NULL, 0));
	thread_go = 1;
	pthread_join(t, NULL);
	close(fd);
	fd = chkfd("pidfd_open(self, PIDFD_THREAD)", pidfd_open(getpid(), O_EXCL));
	close(fd);
}

/* A file's bytes with each NUL as '|' (a cmdline or environ as one line). */
static const char *proc_text(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, buf, n - 1);
	ssize_t i;

	if (fd >= 0)
		close(fd);
	if (got < 0)
		return "unreadable";
	for (i = 0; i < got; i++)
		if (!buf[i])
			buf[i] = '|';
	buf[got] = 0;
	return buf;
}

/*
 * /proc/PID/cmdline and environ as ps and pgrep -f read them: this process's,
 * and a child's after it exec'd itself with other arguments and environment.
 */
static void cmdlines(const char *self)
{
	char buf[512], path[64], *env[] = { "CONF_A=1", "CONF_B=two words", NULL };
	int p[2];
	pid_t c;
	char x;

	say("/proc/self/cmdline", "%s", proc_text("/proc/self/cmdline", buf, sizeof(buf)));
	if (pipe(p) < 0)
		return;
	c = fork();
	if (c == 0) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		execle(self, self, "cmdline-probe", fd, "and two more", "", (char *)NULL, env);
		_exit(127);
	}
	close(p[1]);
	/* The child says when it runs its new image (the end of the pipe: it never writes). */
	if (read(p[0], &x, 1) < 0)
		x = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)c);
	say("a child's /proc/PID/cmdline after its exec", "%s", proc_text(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)c);
	say("a child's /proc/PID/environ after its exec", "%s", proc_text(path, buf, sizeof(buf)));
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	close(p[0]);
}

/* The exec'd child of cmdlines(): closes the pipe (its signal to read) and waits. */
static int cmdline_probe(const char *fd)
{
	close(atoi(fd));
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "cmdline-probe"))
		return cmdline_probe(argv[2]);
	conf_init();
	waits();
	groups();
	pidfds();
	thread_pidfds();
	cmdlines(argv[0]);
	return conf_done();
}
