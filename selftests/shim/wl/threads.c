// SPDX-License-Identifier: GPL-2.0
// threads.c - a threaded workload whose output is the same natively and in shim mode.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/raw_syscall.h"

#define NT 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int round_no, arrived, go;

/* Each worker takes the mutex 20000 times and meets the others at a condvar barrier 10 times. */
static void *contend(void *arg)
{
	long id = (long)arg;
	int i, r;

	for (i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		if (i % 2000 == 1999) {
			r = round_no;
			if (++arrived == NT) {
				arrived = 0;
				round_no++;
				pthread_cond_broadcast(&cv);
			} else {
				while (round_no == r)
					pthread_cond_wait(&cv, &mu);
			}
		}
		pthread_mutex_unlock(&mu);
	}
	return (void *)(id * id);
}

static int mutex_test(void)
{
	pthread_t t[NT];
	long i, sum = 0;
	void *r;

	for (i = 0; i < NT; i++)
		if (pthread_create(&t[i], NULL, contend, (void *)i))
			return 1;
	for (i = 0; i < NT; i++) {
		pthread_join(t[i], &r);
		sum += (long)r;
	}
	printf("mutex: %d threads, counter %ld, rounds %d, join sum %ld\n", NT, counter, round_no,
	       sum);
	return 0;
}

/* Workers wait in futex (a condvar) while another thread forks and execs. */
static void *waiter(void *arg)
{
	pthread_mutex_lock(&mu);
	arrived++;
	pthread_cond_broadcast(&cv);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return arg;
}

static void *forker(void *arg)
{
	int st = 0;
	pid_t c;

	(void)arg;
	fflush(stdout);
	c = fork();
	if (c == 0) {
		execl("/bin/echo", "echo", "forkexec: the exec'd child speaks", (char *)NULL);
		_exit(127);
	}
	waitpid(c, &st, 0);
	printf("forkexec: child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return NULL;
}

static int forkexec_test(void)
{
	pthread_t w[4], f;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	pthread_mutex_lock(&mu);
	while (arrived < 4)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, NULL);
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	printf("forkexec: 4 waiters joined\n");
	return 0;
}

static void *early(void *arg)
{
	(void)arg;
	pthread_exit((void *)7);
}

static void *late(void *arg)
{
	long code = (long)arg;

	usleep(100000);
	printf("exits: the last thread runs after the first one exited\n");
	fflush(stdout);
	if (code >= 0)
		exit((int)code);	/* exit_group: the process's status */
	return NULL;			/* the last thread's exit: the first one's status (0) */
}

/* A thread exits while others run; then the first thread exits and the last one decides. */
static int exits_test(long code)
{
	pthread_t a, b;
	void *r;

	pthread_create(&a, NULL, early, NULL);
	pthread_join(a, &r);
	printf("exits: early thread returned %ld\n", (long)r);
	fflush(stdout);
	pthread_create(&b, NULL, late, (void *)code);
	pthread_exit(NULL);
}

static volatile int hit_tid;

static void on_usr1(int sig)
{
	(void)sig;
	hit_tid = (int)syscall(SYS_gettid);
}

static void *target(void *arg)
{
	int *tid = arg;

	*tid = (int)syscall(SYS_gettid);
	while (!hit_tid)
		usleep(1000);
	return NULL;
}

/* Distinct tids; tgkill reaches exactly the thread it names. */
static int tgkill_test(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t s;
	int tid = 0;
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	/* Only the target may take it. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_create(&t, NULL, target, &tid);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	printf("tgkill: main is the process (%s), the thread has its own tid (%s)\n",
	       syscall(SYS_gettid) == getpid() ? "yes" : "no", tid != getpid() ? "yes" : "no");
	if (syscall(SYS_tgkill, getpid(), tid, SIGUSR1))
		printf("tgkill: %s\n", strerror(errno));
	pthread_join(t, NULL);
	printf("tgkill: delivered to the named thread: %s\n", hit_tid == tid ? "yes" : "no");
	return 0;
}

/* A thread's raw syscalls: redirected, a raw ptrace is refused rather than killed. */
static void *raw(void *arg)
{
	(void)arg;
	printf("rawthread: raw getpid=%ld ptrace=%ld\n", raw6(SYS_getpid, 0, 0, 0, 0, 0, 0),
	       raw6(SYS_ptrace, 0, 0, 0, 0, 0, 0));
	return NULL;
}

static int rawthread_test(void)
{
	pthread_t t;

	pthread_create(&t, NULL, raw, NULL);
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "mutex"))
		return mutex_test();
	if (!strcmp(m, "forkexec"))
		return forkexec_test();
	if (!strcmp(m, "exits") && argc > 2)
		return exits_test(atol(argv[2]));
	if (!strcmp(m, "tgkill"))
		return tgkill_test();
	if (!strcmp(m, "rawthread"))
		return rawthread_test();
	fprintf(stderr, "usage: threads mutex|forkexec|exits CODE|tgkill|rawthread\n");
	return 2;
}
