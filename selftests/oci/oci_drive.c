// SPDX-License-Identifier: GPL-2.0
/*
 * oci_drive.c - calls an OCI runtime's verbs as conmon does, for the suites.
 *
 *   oci-drive [-t] [-b TEXT] [-i TEXT] [-k SIG] RUNTIME ROOT BUNDLE ID
 *
 * As podman's conmon: it is the child subreaper, runs `RUNTIME --root ROOT
 * create --bundle BUNDLE --pid-file FILE [--console-socket SOCK] ID` with its
 * own pipes as the container's stdio (-t: process.terminal, the pty's master
 * comes over SOCK), reads the container's pid from FILE, runs `start ID`,
 * copies what the container writes to stdout, reaps the container's process
 * itself (it is its child once create has exited) and runs `delete ID`.
 * -b TEXT is typed before start (an engine's early input), -i TEXT after it
 * (a pipe's write end is closed after it), -k SIG runs `kill ID SIG` once the
 * container has written something.  The last line on stdout is the status as
 * conmon reads it: "status: exit N" or "status: signal N".  Exit 0, or 2 with
 * one line on stderr naming the verb that failed; 90 s at most in all, and
 * once create has made the container, any failure deletes it (`delete --force`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *runtime, *root, *id;
static char dir[] = "/tmp/oci-drive.XXXXXX";
static bool created;		/* a failure from here on deletes the container */
static double end;		/* the run's deadline (CLOCK_MONOTONIC seconds) */

static int verb(int in, int out, ...);

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void cleanup(void)
{
	char p[64];

	snprintf(p, sizeof(p), "%s/console.sock", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pid", dir);
	unlink(p);
	rmdir(dir);
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("oci-drive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (created) {
		created = false;
		end = now() + 15;
		verb(-1, -1, "delete", "--force", id, (char *)NULL);
	}
	cleanup();
	exit(2);
}

/* Runs RUNTIME --root ROOT ARGS... (NULL-ended) on @in/@out (-1: /dev/null); its status. */
static int verb(int in, int out, ...)
{
	const char *argv[16] = { runtime, "--root", root };
	int n = 3, st, null;
	va_list ap;
	pid_t pid;

	va_start(ap, out);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		dup2(in >= 0 ? in : null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(out >= 0 ? out : 2, 2);
		execvp(runtime, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fail("%s %s did not end in time", runtime, argv[3]);
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The master the runtime sends to @lfd's socket (conmon's console socket), or -1. */
static int take_master(int lfd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char name[256];
	struct iovec iov = { name, sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	struct cmsghdr *c;
	int s, fd = -1;

	if (poll(&p, 1, 0) != 1)
		return -1;
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return -1;
	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) > 0) {
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	}
	close(s);
	return fd;
}

static void put(int fd, const char *text)
{
	size_t n = strlen(text);

	if (text[0] && write(fd, text, n) != (ssize_t)n)
		fail("cannot type '%s': %s", text, strerror(errno));
}

int main(int argc, char **argv)
{
	const char *before = "", *after = "", *sig = NULL, *bundle;
	char sock[64], pidf[64], buf[4096], num[32] = "";
	int opt, lfd = -1, io = -1, in[2] = { -1, -1 }, out[2], rc, st = 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool term = false, killed = false, reaped = false, eof = false;
	pid_t pid, w;
	ssize_t n;
	FILE *f;

	while ((opt = getopt(argc, argv, "+tb:i:k:")) != -1) {
		if (opt == 't')
			term = true;
		else if (opt == 'b')
			before = optarg;
		else if (opt == 'i')
			after = optarg;
		else if (opt == 'k')
			sig = optarg;
		else
			return 2;
	}
	if (argc - optind != 4) {
		fprintf(stderr, "usage: oci-drive [-t] [-b TEXT] [-i TEXT] [-k SIG] "
			"RUNTIME ROOT BUNDLE ID\n");
		return 2;
	}
	end = now() + 90;
	runtime = argv[optind];
	root = argv[optind + 1];
	bundle = argv[optind + 2];
	id = argv[optind + 3];
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		fail("mkdtemp: %s", strerror(errno));
	snprintf(sock, sizeof(sock), "%s/console.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (pipe2(out, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	if (term) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(lfd, 1) < 0)
			fail("console socket %s: %s", sock, strerror(errno));
		rc = verb(-1, out[1], "create", "--bundle", bundle, "--pid-file", pidf,
			  "--console-socket", sock, id, (char *)NULL);
	} else {
		if (pipe2(in, O_CLOEXEC) < 0)
			fail("pipe: %s", strerror(errno));
		rc = verb(in[0], out[1], "create", "--bundle", bundle, "--pid-file", pidf, id,
			  (char *)NULL);
		close(in[0]);
	}
	close(out[1]);
	if (rc != 0)
		fail("create exited %d", rc);
	created = true;
	f = fopen(pidf, "r");
	if (!f || !fgets(num, sizeof(num), f) || (pid = (pid_t)atoi(num)) <= 0)
		fail("no pid in --pid-file after create");
	fclose(f);
	if (term) {
		io = take_master(lfd);
		if (io < 0)
			fail("no terminal came over the console socket");
		close(lfd);
	} else {
		io = out[0];
	}
	put(term ? io : in[1], before);
	/* What create's stdout carries now is the container's: conmon keeps reading it. */
	rc = verb(-1, -1, "start", id, (char *)NULL);
	if (rc != 0)
		fail("start exited %d", rc);
	put(term ? io : in[1], after);
	if (!term)
		close(in[1]);
	while (!(reaped && eof)) {
		struct pollfd p = { .fd = eof ? -1 : io, .events = POLLIN };

		if (now() > end)
			fail("the container did not end in 90 s");
		if (!reaped) {
			w = waitpid(pid, &st, WNOHANG);
			if (w < 0)
				fail("the container's process %d is not this subreaper's child: %s",
				     (int)pid, strerror(errno));
			reaped = w == pid;
		}
		if (poll(&p, 1, 100) != 1) {
			/* Reaped, and nothing more within 100 ms: a pty's relay is done. */
			eof = eof || (reaped && term);
			continue;
		}
		/* A pipe ends at EOF, a pty at EIO once its last slave is gone. */
		n = read(io, buf, sizeof(buf));
		if (n <= 0) {
			eof = true;
			continue;
		}
		if (write(1, buf, (size_t)n) != n)
			fail("stdout: %s", strerror(errno));
		if (sig && !killed) {
			killed = true;
			rc = verb(-1, -1, "kill", id, sig, (char *)NULL);
			if (rc != 0)
				fail("kill exited %d", rc);
		}
	}
	rc = verb(-1, -1, "delete", id, (char *)NULL);
	if (rc != 0)
		fail("delete exited %d", rc);
	created = false;
	if (WIFEXITED(st))
		printf("status: exit %d\n", WEXITSTATUS(st));
	else
		printf("status: signal %d\n", WTERMSIG(st));
	cleanup();
	return 0;
}
