// SPDX-License-Identifier: GPL-2.0
// mustwork.c - conformance: issue 10's program: epoll, timerfd, signalfd and eventfd across two threads.
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { SRC_TIMER = 1, SRC_EVENT, SRC_SIGNAL, SRC_REPLY };

static int efd, reply;

/*
 * The worker: blocks in its own epoll_wait on @reply (so one thread sleeps in
 * the host while the other runs), and for each wake-up posts one count on
 * efd; at the end it signals the process, which only the signalfd sees.
 */
static void *worker(void *arg)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = SRC_REPLY };
	int ep = epoll_create1(EPOLL_CLOEXEC), posted = 0;
	uint64_t v;

	(void)arg;
	epoll_ctl(ep, EPOLL_CTL_ADD, reply, &e);
	/* An eventfd adds up: two wake-ups read at once are two posts (a slow kernel coalesces). */
	while (posted < 5) {
		if (epoll_wait(ep, &e, 1, 10000) != 1)
			break;
		if (read(reply, &v, 8) != 8)
			break;
		write(efd, &v, 8);
		posted += (int)v;
	}
	kill(getpid(), SIGUSR1);
	close(ep);
	return (void *)(long)posted;
}

static int add(int ep, int fd, uint32_t src, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.u32 = src };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int main(void)
{
	struct itimerspec it = { { 0, 5000000 }, { 0, 5000000 } };
	struct signalfd_siginfo si;
	struct epoll_event ev[4];
	long events = 0, ticks = 0, signals = 0, wakes = 0, loops = 0;
	int ep, tfd, sfd, n;
	pthread_t t;
	uint64_t v;
	sigset_t m;
	void *ret;

	conf_init();
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL); /* before the thread: it inherits the mask */
	ep = chkfd("epoll_create1", epoll_create1(EPOLL_CLOEXEC));
	efd = chkfd("eventfd", eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	reply = chkfd("eventfd for the worker", eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	tfd = chkfd("timerfd", timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	sfd = chkfd("signalfd", signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC));
	chk("add the timer", add(ep, tfd, SRC_TIMER, EPOLLIN));
	chk("add the eventfd, edge-triggered", add(ep, efd, SRC_EVENT, EPOLLIN | EPOLLET));
	chk("add the signalfd", add(ep, sfd, SRC_SIGNAL, EPOLLIN));
	chk("arm the timer, 5 ms period", timerfd_settime(tfd, 0, &it, NULL));
	pthread_create(&t, NULL, worker, NULL);
	/* Each timer tick asks the worker for one event, five times; then its signal ends it. */
	while (!signals && loops++ < 10000) {
		n = epoll_wait(ep, ev, 4, 10000);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			switch (ev[i].data.u32) {
			case SRC_TIMER:
				if (read(tfd, &v, 8) == 8)
					ticks += (long)v;
				if (wakes < 5) {
					v = 1;
					write(reply, &v, 8);
					wakes++;
				}
				break;
			case SRC_EVENT:
				while (read(efd, &v, 8) == 8)
					events += (long)v;
				break;
			case SRC_SIGNAL:
				if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
				    si.ssi_signo == SIGUSR1 && si.ssi_pid == (uint32_t)getpid())
					signals++;
				break;
			}
		}
	}
	pthread_join(t, &ret);
	while (read(efd, &v, 8) == 8)
		events += (long)v;
	say("the worker posted", "%ld", (long)ret);
	say("eventfd counts seen", "%ld", events);
	say("SIGUSR1 from this process, through the signalfd", "%ld", signals);
	say("the timer ticked at least 5 times", "%d", ticks >= 5);
	it.it_value.tv_nsec = 0;
	it.it_interval.tv_nsec = 0;
	chk("disarm the timer", timerfd_settime(tfd, 0, &it, NULL));
	chk("DEL the signalfd", epoll_ctl(ep, EPOLL_CTL_DEL, sfd, NULL));
	chk("nothing left ready", epoll_wait(ep, ev, 4, 0) > 0 ? 1 : 0);
	close(sfd);
	close(tfd);
	close(reply);
	close(efd);
	close(ep);
	return conf_done();
}
