// SPDX-License-Identifier: GPL-2.0
// poll.c - conformance: poll, ppoll, select and pselect6 on pipes and odd descriptors.
#include "conf.h"

#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t seen;

static void on_usr1(int sig)
{
	(void)sig;
	seen++;
}

static void polls(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct pollfd p[3];
	int fds[2];

	pipe(fds);
	p[0].fd = fds[0];
	p[0].events = POLLIN;
	p[1].fd = fds[1];
	p[1].events = POLLOUT;
	chk("poll: empty pipe, timeout 0", poll(p, 1, 0));
	chk("poll: empty pipe, 20 ms", poll(p, 1, 20));
	chk("poll: the write end", poll(p + 1, 1, 0));
	say("revents", "0x%x", p[1].revents);
	write(fds[1], "x", 1);
	chk("poll: after a write", poll(p, 2, 0));
	say("revents", "0x%x 0x%x", p[0].revents, p[1].revents);
	close(fds[1]);
	chk("poll: writer closed", poll(p, 1, 0));
	say("revents", "0x%x", p[0].revents);
	close(fds[0]);
	chk("poll: a closed descriptor", poll(p, 1, 0));
	say("revents", "0x%x", p[0].revents);
	p[0].fd = -1;
	chk("poll: a negative descriptor, 10 ms", poll(p, 1, 10));
	say("revents", "0x%x", p[0].revents);
	/* 1000..1023 are the guest kernel's in shim mode: natively, never open here. */
	p[0].fd = 1001;
	p[0].events = POLLIN | POLLOUT;
	p[1].fd = 1002;
	p[1].events = POLLIN;
	p[2].fd = 1004;
	p[2].events = POLLIN | POLLOUT;
	chk("poll: descriptors 1001, 1002 and 1004", poll(p, 3, 0));
	say("revents", "0x%x 0x%x 0x%x", p[0].revents, p[1].revents, p[2].revents);
	say("descriptors kept", "%d %d %d", p[0].fd, p[1].fd, p[2].fd);
	p[2].fd = fds[0];
	chk("ppoll: a closed pipe, 1001, 1002, 10 ms", ppoll(p, 3, &ts, NULL));
	say("revents", "0x%x 0x%x 0x%x", p[0].revents, p[1].revents, p[2].revents);
	chk("poll: nfds beyond RLIMIT_NOFILE", syscall(SYS_poll, p, 100000, 0));
}

static void ppolls(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct pollfd p = { .events = POLLIN };
	sigset_t block, empty;
	int fds[2];

	pipe(fds);
	p.fd = fds[0];
	chk("ppoll: 10 ms", ppoll(&p, 1, &ts, NULL));
	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigemptyset(&empty);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	chk("ppoll: SIGUSR1 pending, blocked", ppoll(&p, 1, &ts, NULL));
	say("handler ran", "%d", seen);
	chk("ppoll: a mask that unblocks it", ppoll(&p, 1, NULL, &empty));
	say("handler ran", "%d", seen);
	chk("ppoll: sigsetsize 4", syscall(SYS_ppoll, &p, 1, &ts, &empty, 4));
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(fds[0]);
	close(fds[1]);
}

static void selects(void)
{
	struct timeval tv = { 0, 0 };
	struct timespec ts = { 0, 0 };
	fd_set r, w;
	int fds[2];

	pipe(fds);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fds[0], &r);
	FD_SET(fds[1], &w);
	chk("select: empty pipe", select(fds[1] + 1, &r, &w, NULL, &tv));
	say("readable, writable", "%d %d", FD_ISSET(fds[0], &r), FD_ISSET(fds[1], &w));
	write(fds[1], "x", 1);
	FD_SET(fds[0], &r);
	chk("pselect: after a write", pselect(fds[1] + 1, &r, NULL, NULL, &ts, NULL));
	say("readable", "%d", FD_ISSET(fds[0], &r));
	chk("select: negative nfds", select(-1, &r, NULL, NULL, &tv));
	FD_ZERO(&r);
	FD_SET(1001, &r);
	chk("select: descriptor 1001", select(1002, &r, NULL, NULL, &tv));
	say("its bit", "%d", FD_ISSET(1001, &r));
	FD_ZERO(&w);
	FD_SET(1002, &w);
	FD_SET(1004, &w);
	chk("pselect: descriptors 1002 and 1004", pselect(1005, NULL, &w, NULL, &ts, NULL));
	say("their bits", "%d %d", FD_ISSET(1002, &w), FD_ISSET(1004, &w));
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	chk("select: nfds 1024, only a pipe set", select(1024, &r, NULL, NULL, &tv));
	say("readable", "%d", FD_ISSET(fds[0], &r));
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	conf_init();
	polls();
	ppolls();
	selects();
	return conf_done();
}
