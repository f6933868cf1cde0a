// SPDX-License-Identifier: GPL-2.0
// execthreads.c - conformance: execve while other threads run, wait, sleep or spin (they all end first).
#include "conf.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int pipefd[2];
static volatile int spinning;
static char *self_path;

static void *in_condwait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&cv, &mu);
	return NULL;
}

static void *in_read(void *arg)
{
	char c;

	(void)arg;
	for (;;)
		if (read(pipefd[0], &c, 1) <= 0)
			break;
	return NULL;
}

static void *in_sleep(void *arg)
{
	(void)arg;
	for (;;)
		sleep(10);
	return NULL;
}

static void *in_spin(void *arg)
{
	(void)arg;
	for (;;)
		spinning++;
	return NULL;
}

/* The exec itself, from a thread that is not the main one when @arg is set. */
static void *do_exec(void *arg)
{
	char *av[] = { self_path, (char *)arg, NULL };

	execv("/proc/self/exe", av);
	return (void *)(intptr_t)errno;
}

static volatile long handled_by;

static void on_usr1(int sig)
{
	(void)sig;
	handled_by = syscall(SYS_gettid);
}

/* In the new image, a new thread signals the main one by its tid (the pid). */
static void *signal_main(void *arg)
{
	(void)arg;
	return (void *)syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
}

/* The exec'd image's main thread is the process's leader again: its tid is the pid. */
static void leader(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_t t;
	sigset_t set;
	void *r;
	int i;

	say("exec'd image: gettid() == getpid()", "%d", syscall(SYS_gettid) == getpid());
	say("exec'd image: set_tid_address() == getpid()", "%d",
	    syscall(SYS_set_tid_address, NULL) == getpid());
	chk("exec'd image: tgkill(pid, pid, 0)", syscall(SYS_tgkill, getpid(), getpid(), 0));
	signal(SIGUSR1, on_usr1);
	pthread_create(&t, NULL, signal_main, NULL);
	pthread_join(t, &r);
	sigemptyset(&set);
	for (i = 0; i < 1000 && !handled_by; i++)
		usleep(1000);
	say("exec'd image: a thread's tgkill(pid, pid) reaches the main thread", "%ld %d",
	    (long)r, handled_by == getpid());
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&m, &a);
	pthread_mutex_lock(&m);
	say("exec'd image: a PI mutex holds the pid as owner", "%d",
	    (*(int *)&m & 0x3fffffff) == getpid());
	pthread_mutex_unlock(&m);
}

/* The new image: one thread, the old ones' work gone. */
static int after(const char *how)
{
	char line[256];
	int threads = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			threads = atoi(line + 8);
	if (f)
		fclose(f);
	say("exec'd image: how it was reached", "%s", how);
	say("exec'd image: threads", "%d", threads);
	say("exec'd image: its own pipe end is gone (CLOEXEC)", "%s",
	    fcntl(3, F_GETFD) < 0 ? "gone" : "open");
	leader();
	return conf_done();
}

static int run(const char *how, int from_thread)
{
	pthread_t t[5];
	int i;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return 1;
	pthread_create(&t[0], NULL, in_condwait, NULL);
	pthread_create(&t[1], NULL, in_read, NULL);
	pthread_create(&t[2], NULL, in_sleep, NULL);
	pthread_create(&t[3], NULL, in_spin, NULL);
	for (i = 0; i < 1000 && !spinning; i++)
		usleep(1000);
	usleep(20000);	/* the waiters are asleep by now */
	if (from_thread) {
		void *r;

		pthread_create(&t[4], NULL, do_exec, (void *)how);
		pthread_join(t[4], &r);
		return 2;	/* exec failed */
	}
	do_exec((void *)how);
	return 2;
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	conf_init();
	self_path = argv[0];
	if (argc == 2)
		return after(argv[1]);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(run("from-main", 0));
	waitpid(pid, &st, 0);
	say("exec from the main thread while 4 others run: exit", "%d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(run("from-thread", 1));
	waitpid(pid, &st, 0);
	say("exec from a fifth thread while main joins it: exit", "%d",
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return conf_done();
}
