// SPDX-License-Identifier: GPL-2.0
// events.c - conformance: eventfd, epoll, timerfd and signalfd, as observed results.
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static long rd64(int fd, uint64_t *v)
{
	return read(fd, v, sizeof(*v));
}

static void eventfds(void)
{
	uint64_t v = 3;
	int fd;

	chk("eventfd2 with an unknown flag", eventfd(0, 0x10));
	fd = chkfd("the old eventfd(5)", syscall(SYS_eventfd, 5));
	chk("its read", rd64(fd, &v));
	say("its counter", "%llu", (unsigned long long)v);
	close(fd);
	fd = chkfd("eventfd2(0, EFD_NONBLOCK)", eventfd(0, EFD_NONBLOCK));
	chk("read of an empty eventfd", rd64(fd, &v));
	v = 3;
	chk("write 3", write(fd, &v, 8));
	v = 5;
	chk("write 5", write(fd, &v, 8));
	v = 0;
	chk("read", rd64(fd, &v));
	say("counter read", "%llu", (unsigned long long)v);
	chk("read with a 4-byte buffer", read(fd, &v, 4));
	v = UINT64_MAX;
	chk("write of 2^64-1", write(fd, &v, 8));
	close(fd);

	fd = chkfd("eventfd2(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC)",
		   eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
	say("close-on-exec set", "%d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	for (int i = 0; i < 3; i++) {
		v = 0;
		chk("semaphore read", rd64(fd, &v));
		say("semaphore value", "%llu", (unsigned long long)v);
	}
	close(fd);
}

static int ep_wait(const char *what, int ep, int timeout)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, timeout);

	chk(what, n);
	for (int i = 0; i < n; i++)
		say(what, "events 0x%x data %llu", ev[i].events,
		    (unsigned long long)ev[i].data.u64);
	return n;
}

static void epolls(void)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 42 };
	uint64_t v = 1;
	int ep, efd, reg;

	chk("epoll_create(0)", epoll_create(0));
	chk("epoll_create1 with an unknown flag", epoll_create1(1));
	ep = chkfd("epoll_create1(EPOLL_CLOEXEC)", epoll_create1(EPOLL_CLOEXEC));
	say("close-on-exec set", "%d", fcntl(ep, F_GETFD) & FD_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK);
	chk("ADD an eventfd", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	chk("ADD it again", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	ep_wait("wait, nothing ready", ep, 0);
	write(efd, &v, 8);
	ep_wait("level-triggered wait after a write", ep, 0);
	ep_wait("level-triggered wait again", ep, 0);
	e.events = EPOLLIN | EPOLLET;
	e.data.u64 = 43;
	chk("MOD to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	ep_wait("edge-triggered wait", ep, 0);
	ep_wait("edge-triggered wait again", ep, 0);
	write(efd, &v, 8);
	ep_wait("edge-triggered wait after a new write", ep, 0);
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 44;
	chk("MOD to one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	ep_wait("one-shot wait", ep, 0);
	ep_wait("one-shot wait again (disarmed)", ep, 0);
	chk("MOD re-arms", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	ep_wait("one-shot wait after re-arming", ep, 0);
	chk("DEL", epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	chk("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	chk("MOD of an fd not in the set", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	chk("ADD with EPOLLEXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	chk("MOD of an exclusive entry", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	chk("ADD the set to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
	chk("an unknown op", epoll_ctl(ep, 7, efd, &e));
	reg = open("/", O_RDONLY | O_DIRECTORY);
	chk("ADD a directory", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &e));
	close(reg);
	/* 1000..1023 are the guest kernel's in shim mode; natively no such descriptor. */
	chk("ADD descriptor 1001", epoll_ctl(ep, EPOLL_CTL_ADD, 1001, &e));
	chk("ADD descriptor 1023", epoll_ctl(ep, EPOLL_CTL_ADD, 1023, &e));
	chk("ADD descriptor -1", epoll_ctl(ep, EPOLL_CTL_ADD, -1, &e));
	chk("ADD to set 1001", epoll_ctl(1001, EPOLL_CTL_ADD, efd, &e));
	chk("DEL descriptor 1004", epoll_ctl(ep, EPOLL_CTL_DEL, 1004, NULL));
	chk("epoll_wait on 1001", epoll_wait(1001, &e, 1, 0));
	chk("epoll_wait on an eventfd", epoll_wait(efd, &e, 1, 0));
	chk("epoll_wait with maxevents 0", epoll_wait(ep, &e, 0, 0));
	close(efd);
	close(ep);
}

static void epoll_masks(void)
{
	struct epoll_event e;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	sigset_t block, empty;
	int ep = epoll_create1(0);

	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigemptyset(&empty);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	chk("epoll_pwait, SIGUSR1 pending and blocked", epoll_pwait(ep, &e, 1, 0, &block));
	say("handler ran", "%d", usr1_seen);
	chk("epoll_pwait with a mask unblocking it", epoll_pwait(ep, &e, 1, 1000, &empty));
	say("handler ran", "%d", usr1_seen);
	chk("epoll_pwait, sigsetsize 4", syscall(SYS_epoll_pwait, ep, &e, 1, 0, &empty, 4));
	chk("epoll_pwait2, 20 ms", epoll_pwait2(ep, &e, 1, &ts, NULL));
	raise(SIGUSR1);
	chk("epoll_pwait2 with a mask unblocking it", epoll_pwait2(ep, &e, 1, NULL, &empty));
	say("handler ran", "%d", usr1_seen);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(ep);
}

static void arm(int fd, int flags, long ms, long interval_ms, int clk)
{
	struct itimerspec it = { 0 };

	if (flags & TFD_TIMER_ABSTIME)
		clock_gettime(clk, &it.it_value);
	it.it_value.tv_nsec += ms * 1000000L;
	it.it_value.tv_sec += it.it_value.tv_nsec / 1000000000L;
	it.it_value.tv_nsec %= 1000000000L;
	it.it_interval.tv_nsec = interval_ms * 1000000L;
	chk("timerfd_settime", timerfd_settime(fd, flags, &it, NULL));
}

static void timerfds(void)
{
	struct itimerspec cur, past = { { 0, 0 }, { 1, 0 } };
	static const int clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	static const char *const names[] = { "MONOTONIC", "REALTIME", "BOOTTIME" };
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 7 };
	uint64_t v;
	int fd, ep;

	chk("timerfd_create(CLOCK_PROCESS_CPUTIME_ID)",
	    timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
	chk("timerfd_create(CLOCK_MONOTONIC_RAW)", timerfd_create(CLOCK_MONOTONIC_RAW, 0));
	chk("timerfd_create with an unknown flag", timerfd_create(CLOCK_MONOTONIC, 1));
	for (int i = 0; i < 3; i++) {
		say("clock", "%s", names[i]);
		fd = chkfd("timerfd_create", timerfd_create(clocks[i], TFD_CLOEXEC));
		chk("timerfd_gettime, unarmed", timerfd_gettime(fd, &cur));
		say("unarmed value", "%ld.%09ld", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
		/* Long enough that gettime still finds it pending on a loaded machine. */
		arm(fd, 0, 300, 0, clocks[i]);
		timerfd_gettime(fd, &cur);
		say("armed: pending", "%d", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
		v = 0;
		chk("blocking read", rd64(fd, &v));
		say("expirations", "%llu", (unsigned long long)v);
		arm(fd, TFD_TIMER_ABSTIME, 20, 0, clocks[i]);
		v = 0;
		chk("blocking read, absolute time", rd64(fd, &v));
		say("expirations", "%llu", (unsigned long long)v);
		chk("settime, absolute time in the past",
		    timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL));
		chk("read", rd64(fd, &v));
		say("expirations", "%llu", (unsigned long long)v);
		close(fd);
	}
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	chk("settime with an unknown flag", timerfd_settime(fd, 4, &past, NULL));
	chk("read before expiry", rd64(fd, &v));
	chk("timerfd_gettime of 1001", timerfd_gettime(1001, &cur));
	arm(fd, 0, 5, 5, CLOCK_MONOTONIC);
	ep = epoll_create1(0);
	chk("ADD a periodic timer", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e));
	ep_wait("wait for it", ep, 5000);
	usleep(30000);
	chk("read", rd64(fd, &v));
	say("several expirations", "%d", v >= 2);
	timerfd_gettime(fd, &cur);
	say("interval kept", "%ld", cur.it_interval.tv_nsec);
	close(ep);
	close(fd);
}

static void signalfds(void)
{
	struct signalfd_siginfo si;
	sigset_t m;
	int fd, efd;
	pid_t pid;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	sigdelset(&m, SIGCHLD);
	fd = chkfd("signalfd(-1, {USR2}, SFD_NONBLOCK)", signalfd(-1, &m, SFD_NONBLOCK));
	chk("read, nothing pending", read(fd, &si, sizeof(si)));
	kill(getpid(), SIGUSR2);
	chk("read after kill(self, USR2)", read(fd, &si, sizeof(si)));
	say("signo, code", "%u %d", si.ssi_signo, si.ssi_code);
	say("sender is self", "%d", si.ssi_pid == (unsigned int)getpid());
	say("sender uid is mine", "%d", si.ssi_uid == getuid());
	chk("read with a short buffer", read(fd, &si, 64));
	sigaddset(&m, SIGCHLD);
	say("a new mask on the same fd", "%d", signalfd(fd, &m, 0) == fd);
	chk("signalfd4 with sizemask 4", syscall(SYS_signalfd4, -1, &m, 4, 0));
	chk("signalfd4 with an unknown flag", syscall(SYS_signalfd4, -1, &m, 8, 1));
	efd = eventfd(0, 0);
	chk("signalfd on an eventfd", signalfd(efd, &m, 0));
	chk("signalfd on 1001", signalfd(1001, &m, 0));
	efd = syscall(SYS_signalfd, -1, &m, 8);
	say("the old signalfd", "%s", efd >= 0 ? "fd" : ename(errno));
	close(efd);
	close(efd);
	pid = fork();
	if (pid == 0)
		_exit(7);
	fd = signalfd(fd, &m, 0); /* now blocking */
	fcntl(fd, F_SETFL, 0);
	chk("blocking read for SIGCHLD", read(fd, &si, sizeof(si)));
	say("signo, code, status", "%u %d %d", si.ssi_signo, si.ssi_code, si.ssi_status);
	say("sender is the child", "%d", si.ssi_pid == (unsigned int)pid);
	waitpid(pid, NULL, 0);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

int main(void)
{
	conf_init();
	eventfds();
	epolls();
	epoll_masks();
	timerfds();
	signalfds();
	return conf_done();
}
