// SPDX-License-Identifier: GPL-2.0
// timers.c - conformance: POSIX timers (timer_create and friends), aimed at the process, a thread, a callback.
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIG (SIGRTMIN + 1)

static volatile sig_atomic_t hits, hit_tid, hit_code, hit_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	hits++;
	hit_tid = (sig_atomic_t)syscall(SYS_gettid);
	hit_code = si->si_code;
	hit_value = si->si_value.sival_int;
}

static const struct itimerspec every_5ms = { { 0, 5000000 }, { 0, 5000000 } };
static const struct itimerspec in_an_hour = { { 0, 0 }, { 3600, 0 } };

/* The raw call, so that glibc's own checks do not answer in its place. */
static long raw_create(long clock, struct sigevent *ev, timer_t *id)
{
	int kid = -1;
	long r = syscall(SYS_timer_create, clock, ev, &kid);

	if (r == 0)
		*id = (timer_t)(intptr_t)kid;
	return r;
}

static pthread_t waiter;
static volatile pid_t waiter_tid;
static volatile int waiter_go = 1;

static void *wait_thread(void *arg)
{
	(void)arg;
	waiter_tid = (pid_t)syscall(SYS_gettid);
	while (waiter_go)
		usleep(1000);
	return NULL;
}

static int cb_runs;
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_callback(union sigval v)
{
	pthread_mutex_lock(&cb_lock);
	if (v.sival_int == 7)
		cb_runs++;
	pthread_mutex_unlock(&cb_lock);
}

static void wait_hits(int n)
{
	int i;

	for (i = 0; i < 2000 && hits < n; i++)
		usleep(1000);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIG };
	struct itimerspec cur;
	timer_t t, t2;
	int i, st;
	pid_t pid;

	conf_init();
	if (argc == 3 && !strcmp(argv[1], "after-exec")) {
		/* the timer the old image made is gone */
		chk("exec: the old image's timer is gone (timer_gettime)",
		    syscall(SYS_timer_gettime, atoi(argv[2]), &cur));
		return conf_done();
	}
	sigaction(SIG, &sa, NULL);

	ev.sigev_value.sival_int = 42;
	chk("timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)", timer_create(CLOCK_MONOTONIC, &ev, &t));
	chk("timer_settime every 5 ms", timer_settime(t, 0, &every_5ms, NULL));
	wait_hits(3);
	say("3 expiries delivered", "%s", hits >= 3 ? "yes" : "no");
	say("the signal's code and value", "%s %d", hit_code == SI_TIMER ? "SI_TIMER" : "other",
	    hit_value);
	say("delivered to the process (its only thread)", "%s",
	    hit_tid == getpid() ? "main" : "other");
	chk("timer_getoverrun", timer_getoverrun(t) >= 0 ? 0 : -1);
	chk("timer_gettime", timer_gettime(t, &cur));
	say("interval as set", "%ld ns", cur.it_interval.tv_nsec);
	chk("timer_delete", timer_delete(t));
	chk("timer_delete again", syscall(SYS_timer_delete, (long)(intptr_t)t));

	/* SIGEV_THREAD_ID: this thread's tid is a guest tid; the signal goes to that thread. */
	pthread_create(&waiter, NULL, wait_thread, NULL);
	while (!waiter_tid)
		usleep(1000);
	hits = 0;
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev._sigev_un._tid = waiter_tid;
	chk("timer_create(SIGEV_THREAD_ID, another thread)", raw_create(CLOCK_REALTIME, &ev, &t));
	timer_settime(t, 0, &every_5ms, NULL);
	wait_hits(2);
	say("delivered to the named thread", "%s", hit_tid == waiter_tid ? "yes" : "no");
	timer_delete(t);
	waiter_go = 0;
	pthread_join(waiter, NULL);
	ev._sigev_un._tid = getppid();
	chk("timer_create(SIGEV_THREAD_ID, not a thread of this process)",
	    raw_create(CLOCK_REALTIME, &ev, &t2));

	/* Bad requests, each natively refused. */
	ev.sigev_notify = SIGEV_SIGNAL;
	chk("timer_create(CLOCK_REALTIME_ALARM)", raw_create(CLOCK_REALTIME_ALARM, &ev, &t2));
	chk("timer_create(clock 99)", raw_create(99, &ev, &t2));
	ev.sigev_signo = 99;
	chk("timer_create(signal 99)", raw_create(CLOCK_MONOTONIC, &ev, &t2));
	ev.sigev_signo = SIG;
	ev.sigev_notify = 77;
	chk("timer_create(notify 77)", raw_create(CLOCK_MONOTONIC, &ev, &t2));
	chk("timer_create(bad sigevent pointer)",
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &i));
	ev.sigev_notify = SIGEV_NONE;
	chk("timer_create(SIGEV_NONE), bad id pointer",
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, (void *)8));
	chk("timer_create(NULL sigevent: SIGALRM)", raw_create(CLOCK_MONOTONIC, NULL, &t2));
	/* An hour, not 5 ms: its SIGALRM (default action: death) must not come before the delete. */
	chk("timer_settime(flags 0x10: ignored bits)",
	    syscall(SYS_timer_settime, (long)(intptr_t)t2, 0x10, &in_an_hour, NULL));
	chk("timer_settime(NULL new value)",
	    syscall(SYS_timer_settime, (long)(intptr_t)t2, 0, NULL, NULL));
	timer_delete(t2);
	chk("timer_settime(no such timer)", syscall(SYS_timer_settime, 12345, 0, &in_an_hour, NULL));

	/* SIGEV_THREAD: glibc's helper thread runs the callback. */
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = on_callback;
	ev.sigev_notify_attributes = NULL;
	ev.sigev_value.sival_int = 7;
	chk("timer_create(SIGEV_THREAD)", timer_create(CLOCK_MONOTONIC, &ev, &t));
	timer_settime(t, 0, &every_5ms, NULL);
	for (i = 0; i < 2000; i++) {
		pthread_mutex_lock(&cb_lock);
		st = cb_runs;
		pthread_mutex_unlock(&cb_lock);
		if (st >= 2)
			break;
		usleep(1000);
	}
	say("the callback ran twice", "%s", st >= 2 ? "yes" : "no");
	timer_delete(t);

	/* A fork's child has no timers; an exec'd image neither. */
	ev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_timer_gettime, (long)(intptr_t)t, &cur) < 0 && errno == EINVAL ? 0 : 1);
	waitpid(pid, &st, 0);
	say("fork: the child has no timers", "%s", WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");
	timer_delete(t);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char id[16];

		/* a timer of this process, then exec: the new image must not have it */
		timer_create(CLOCK_MONOTONIC, &ev, &t);
		snprintf(id, sizeof(id), "%ld", (long)(intptr_t)t);
		execl("/proc/self/exe", argv[0], "after-exec", id, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	say("exec'd image exited", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return conf_done();
}
