// SPDX-License-Identifier: GPL-2.0
// sigio.c - conformance: SIGIO's owner (F_SETOWN, F_SETOWN_EX, F_SETSIG, the socket ioctls), O_ASYNC.
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * SIGIO's owner (fcntl F_SETOWN & co.): whom the kernel signals, with what.
 * Seen through SIGURG, which a TCP socket's owner gets on urgent data without
 * O_ASYNC: O_ASYNC is EPERM sandboxed, by design (shim_harden.sh, README.md).
 */
static volatile sig_atomic_t io_hits, io_code, io_fd;

static void on_io(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	io_hits++;
	io_code = si->si_code;
	io_fd = si->si_fd;
}

/* A loopback TCP connection: *srv the accepted end, *cli the other; -1 if none. */
static int tcp_pair(int *srv, int *cli)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*srv = *cli = -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0)
		goto out;
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli >= 0 && connect(*cli, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		*srv = accept(l, NULL, NULL);
out:
	if (l >= 0)
		close(l);
	return *srv < 0 ? -1 : 0;
}

/* How many SIGURGs the owner of @srv got when @cli sent a byte of urgent data. */
static int urg_hits(int srv, int cli)
{
	char c;
	int i;

	io_hits = 0;
	if (send(cli, "!", 1, MSG_OOB) != 1)
		return -1;
	for (i = 0; i < 200 && !io_hits; i++)
		usleep(1000);
	recv(srv, &c, 1, MSG_OOB | MSG_DONTWAIT);
	return io_hits;
}

/* An int through a socket owner ioctl: the call's result, and the int read or written. */
static void owner_ioctl(const char *what, int fd, unsigned long req, int *v)
{
	int e;
	long r = ioctl(fd, req, v);

	e = errno;
	if (r < 0)
		say(what, "-1 %s", ename(e));
	else
		say(what, "%ld", r);
}

/*
 * A socket's owner through ioctl (FIOSETOWN, SIOCSPGRP, FIOGETOWN, SIOCGPGRP):
 * the same owner as fcntl's, in this process's pids; ENOTTY on anything but a
 * socket, EFAULT for a bad pointer, ESRCH for no such process or group.
 */
static void sock_owner(int srv, int cli)
{
	int v, p[2];

	v = 0;
	owner_ioctl("FIOSETOWN to nobody", srv, FIOSETOWN, &v);
	v = -1;
	owner_ioctl("SIOCGPGRP with no owner", srv, SIOCGPGRP, &v);
	say("its answer", "%d", v);
	say("no owner: SIGURGs", "%d", urg_hits(srv, cli));
	v = getpid();
	owner_ioctl("SIOCSPGRP to self", srv, SIOCSPGRP, &v);
	v = 0;
	owner_ioctl("FIOGETOWN of self", srv, FIOGETOWN, &v);
	say("FIOGETOWN is self, F_GETOWN too", "%d %d", v == getpid(),
	    fcntl(srv, F_GETOWN) == getpid());
	say("SIOCSPGRP's owner gets SIGURG: hits", "%d", urg_hits(srv, cli));
	v = -getpgrp();
	owner_ioctl("FIOSETOWN to the process group", srv, FIOSETOWN, &v);
	v = 0;
	owner_ioctl("SIOCGPGRP of the group", srv, SIOCGPGRP, &v);
	say("SIOCGPGRP is minus the group, F_GETOWN too", "%d %d", v == -getpgrp(),
	    fcntl(srv, F_GETOWN) == -getpgrp());
	fcntl(srv, F_SETOWN, getpid());
	v = 0;
	owner_ioctl("FIOGETOWN after F_SETOWN", srv, FIOGETOWN, &v);
	say("it is self", "%d", v == getpid());
	v = 999999;
	owner_ioctl("SIOCSPGRP to a pid that does not exist", srv, SIOCSPGRP, &v);
	v = -999999;
	owner_ioctl("FIOSETOWN to a group that does not exist", srv, FIOSETOWN, &v);
	owner_ioctl("SIOCGPGRP to a bad pointer", srv, SIOCGPGRP, (int *)8);
	owner_ioctl("SIOCSPGRP from a bad pointer", srv, SIOCSPGRP, (int *)8);
	if (pipe(p) < 0)
		return;
	v = getpid();
	owner_ioctl("SIOCSPGRP on a pipe", p[0], SIOCSPGRP, &v);
	owner_ioctl("FIOGETOWN on a pipe", p[1], FIOGETOWN, &v);
	close(p[0]);
	close(p[1]);
	owner_ioctl("SIOCGPGRP on a closed descriptor", p[0], SIOCGPGRP, &v);
	v = open("/dev/null", O_RDONLY);
	owner_ioctl("FIOGETOWN on /dev/null", v, FIOGETOWN, &p[0]);
	close(v);
}

static void sigio(void)
{
	struct sigaction sa = { 0 };
	struct f_owner_ex ex = { 0 };
	int sv[2], hits;

	sa.sa_sigaction = on_io;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGURG, &sa, NULL);
	if (chk("a loopback TCP connection", tcp_pair(&sv[0], &sv[1])) < 0)
		return;
	say("F_GETOWN at first", "%ld", (long)fcntl(sv[0], F_GETOWN));
	say("no owner: SIGURGs", "%d", urg_hits(sv[0], sv[1]));
	chk("F_SETOWN to self", fcntl(sv[0], F_SETOWN, getpid()));
	say("F_GETOWN is self", "%d", fcntl(sv[0], F_GETOWN) == getpid());
	chk("F_GETOWN_EX", fcntl(sv[0], F_GETOWN_EX, &ex));
	say("its type, pid is self", "%d %d", ex.type, ex.pid == getpid());
	hits = urg_hits(sv[0], sv[1]);
	say("SIGURG to the owner on urgent data: hits, si_code", "%d %d", hits, io_code);
	/* SIGIO itself: a real-time or other signal is EINVAL sandboxed (shim_harden.sh). */
	chk("F_SETSIG SIGIO", fcntl(sv[0], F_SETSIG, SIGIO));
	say("F_GETSIG", "%d", fcntl(sv[0], F_GETSIG));
	chk("F_SETOWN to the process group", fcntl(sv[0], F_SETOWN, -getpgrp()));
	say("F_GETOWN is minus the group", "%d", fcntl(sv[0], F_GETOWN) == -getpgrp());
	ex.type = F_OWNER_TID;
	ex.pid = (pid_t)syscall(SYS_gettid);
	chk("F_SETOWN_EX to this thread", fcntl(sv[0], F_SETOWN_EX, &ex));
	memset(&ex, 0, sizeof(ex));
	fcntl(sv[0], F_GETOWN_EX, &ex);
	say("F_GETOWN_EX: type, the thread", "%d %d", ex.type, ex.pid == (pid_t)syscall(SYS_gettid));
	ex.type = F_OWNER_PID;
	ex.pid = -5;
	chk("F_SETOWN_EX with a negative pid", fcntl(sv[0], F_SETOWN_EX, &ex));
	chk("F_SETOWN to a pid that does not exist", fcntl(sv[0], F_SETOWN, 999999));
	chk("F_SETSIG 65", fcntl(sv[0], F_SETSIG, 65));
	sock_owner(sv[0], sv[1]);
	/* Turning O_ASYNC off is served; on is EPERM sandboxed (shim_harden.sh). */
	hits = 0;
	chk("FIOASYNC off", ioctl(sv[0], FIOASYNC, &hits));
	chk("FIOASYNC from a bad pointer", ioctl(sv[0], FIOASYNC, (int *)8));
	chk("F_SETFL without O_ASYNC", fcntl(sv[0], F_SETFL, O_NONBLOCK));
	say("O_ASYNC off, O_NONBLOCK on", "%d %d", !(fcntl(sv[0], F_GETFL) & O_ASYNC),
	    !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
	signal(SIGURG, SIG_DFL);
}

int main(void)
{
	conf_init();
	sigio();
	return conf_done();
}
