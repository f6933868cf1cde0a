// SPDX-License-Identifier: GPL-2.0
// run.c - the run contract every mode shares: exit statuses, the temporary sandbox, supervision.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiste_mode.h"
#include "kiste_run.h"

int kiste_exit_for_errno(int neg_errno)
{
	switch (neg_errno) {
	case -ENOENT:
		return KISTE_EXIT_NOTFOUND;
	case -ENOEXEC:
	case -EACCES:
	case -ELIBACC:
	case -ELIBBAD:
	case -EISDIR:
	case -ENOTDIR:
		return KISTE_EXIT_NOEXEC;
	default:
		return KISTE_EXIT_REFUSED;
	}
}

int kiste_exit_sigsys_line(const struct kiste_run_who *who, char *buf, size_t n)
{
	return snprintf(buf, n, "kiste: %s was killed by the seccomp filter (SIGSYS): %s\n",
			who->what, who->sigsys);
}

int kiste_exit_from_wait(int wstatus, const struct kiste_run_who *who)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (!WIFSIGNALED(wstatus))
		return KISTE_EXIT_REFUSED;
	if (WTERMSIG(wstatus) == SIGSYS) {
		char line[KISTE_SIGSYS_LINE_MAX];

		kiste_exit_sigsys_line(who, line, sizeof(line));
		fputs(line, stderr);
	}
	if (WTERMSIG(wstatus) == SIGKILL && who->cg && kiste_cgroup_oom(who->cg))
		fprintf(stderr, "kiste: %s was killed: out of memory (the sandbox's memory limit): "
			"raise --memory\n", who->what);
	return KISTE_EXIT_SIGNAL + WTERMSIG(wstatus);
}

int kiste_exit_timed_out(const struct kiste_run_who *who, unsigned int timeout_s)
{
	fprintf(stderr, "kiste: %s timed out after %u s and was killed: raise --timeout\n",
		who->what, timeout_s);
	return KISTE_EXIT_SIGNAL + SIGKILL;
}

void kiste_child_fail(const struct kiste_err *err)
{
	fprintf(stderr, "kiste: %s\n", err->msg);
	_exit(KISTE_EXIT_REFUSED);
}

static uint64_t boottime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

int kiste_run_sandbox(const struct kiste_sandbox_spec *spec, int *kfd, struct kiste_err *err)
{
	uint64_t from;
	uint32_t id;
	int fd, ret;

	*kfd = -1;
	fd = kiste_dev_open(err);
	if (fd == -ENOENT)
		return 0;	/* no module: the userspace layers alone */
	if (fd < 0)
		return fd;
	from = boottime_ns();
	ret = kiste_dev_create(fd, spec, &id, err);
	/*
	 * A name another sandbox has, or one an older module cannot take (interface
	 * 4: 63 characters, no '+'): an unnamed sandbox when the name was optional.
	 */
	if ((ret == -EEXIST || ret == -ENOTTY || ret == -EINVAL) && spec->name_optional &&
	    spec->name) {
		struct kiste_sandbox_spec unnamed = *spec;

		unnamed.name = NULL;
		if (err)
			memset(err, 0, sizeof(*err));
		ret = kiste_dev_create(fd, &unnamed, &id, err);
	}
	if (ret < 0) {
		close(fd);
		return ret;
	}
	/* The module stamps created_ns (CLOCK_BOOTTIME) within these two readings. */
	kiste_run_record_created(id, from, boottime_ns());
	*kfd = fd;
	return 0;
}

bool kiste_watch_exit(const char *comm, int *keep)
{
	static const int ign[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU,
				   SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH };
	struct pollfd p = { .events = POLLIN };
	unsigned int i;
	sigset_t none;
	pid_t child;
	int k, pfd;

	/* Opened here, not in the child: this process cannot have ended yet. */
	p.fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (p.fd < 0)
		return false;
	child = fork();
	if (child != 0) {
		close(p.fd);
		if (child > 0)
			waitpid(child, NULL, 0);
		return false;
	}
	if (fork() != 0)
		_exit(0);
	/*
	 * Not the caller's group's or session's: what ends a job (^C, timeout(1),
	 * a closed terminal) must not end the watcher with it.
	 */
	setsid();
	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++)
		signal(ign[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Nothing of the caller's: its output pipes must reach EOF without us. */
	k = keep && *keep >= 0 ? fcntl(*keep, F_DUPFD, 10) : -1;
	pfd = fcntl(p.fd, F_DUPFD, 10);		/* above both first: either may be 3 or 4 */
	if (pfd < 0 || dup2(pfd, 3) != 3 || (keep && *keep >= 0 && (k < 0 || dup2(k, 4) != 4)))
		_exit(0);	/* no watch it could keep: leave the work undone, never early */
	p.fd = 3;
	if (k >= 0)
		*keep = 4;
	syscall(SYS_close_range, 0, 2, 0);
	syscall(SYS_close_range, k >= 0 ? 5 : 4, ~0U, 0);
	prctl(PR_SET_NAME, comm);
	for (;;) {
		p.revents = 0;
		if (poll(&p, 1, -1) > 0 && (p.revents & POLLNVAL))
			_exit(0);
		if (p.revents & (POLLIN | POLLHUP))
			return true;
	}
}

void kiste_run_block_signals(sigset_t *set, sigset_t *old)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
	sigprocmask(SIG_BLOCK, set, old);
}

/* Time left until @end, false when it has passed. */
static bool time_left(const struct timespec *end, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left->tv_sec = end->tv_sec - now.tv_sec;
	left->tv_nsec = end->tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_sec--;
		left->tv_nsec += 1000000000L;
	}
	return left->tv_sec >= 0;
}

bool kiste_run_supervise(pid_t child, const sigset_t *set, unsigned int timeout_s,
			 int *wstatus, struct rusage *ru)
{
	struct kiste_run_companion none = { 0 };

	return kiste_run_supervise_with(child, &none, set, timeout_s, wstatus, ru);
}

bool kiste_run_supervise_with(pid_t child, struct kiste_run_companion *c, const sigset_t *set,
			      unsigned int timeout_s, int *wstatus, struct rusage *ru)
{
	struct rusage ignored;
	struct timespec end, left;
	siginfo_t si;
	int sig;

	if (!ru)
		ru = &ignored;
	*wstatus = 0;
	c->ended_first = false;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	for (;;) {
		if (wait4(child, wstatus, WNOHANG, ru) == child)
			return false;
		/* our unreaped child: its pid cannot have been reused */
		if (c->pid > 0 && waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
			c->ended_first = true;
			kill(child, SIGKILL);
			wait4(child, wstatus, 0, ru);
			return false;
		}
		if (timeout_s && !time_left(&end, &left)) {
			kill(child, SIGKILL);
			wait4(child, wstatus, 0, ru);
			return true;
		}
		sig = timeout_s ? sigtimedwait(set, &si, &left) : sigwaitinfo(set, &si);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			kill(child, sig);
	}
}

int kiste_run_cgroup(const char *mode, const struct kiste_run_opts *o, uint64_t memory,
		     uint32_t pids, struct kiste_cgroup *cg, struct kiste_err *err)
{
	struct kiste_cgroup_limits l = { .memory = memory, .pids = pids,
					 .cpus_milli = o->cpus_milli };
	char name[64];

	snprintf(name, sizeof(name), "%s-%d", mode, (int)getpid());
	return kiste_cgroup_create(name, &l, cg, err);
}

static __attribute__((noreturn)) void oci_child(struct kiste_oci_launch *ol,
						const struct kiste_cgroup *cg,
						void (*start)(void *arg), void *arg, int ready)
{
	struct kiste_err err = { 0 };
	char c = 'r';

	if (cg->version && kiste_cgroup_attach(cg, 0, &err) < 0)
		kiste_child_fail(&err);
	if (ol->console_fd >= 0 &&
	    (setsid() < 0 || ioctl(ol->console_fd, TIOCSCTTY, 0) < 0 ||
	     dup2(ol->console_fd, 0) < 0 || dup2(ol->console_fd, 1) < 0 ||
	     dup2(ol->console_fd, 2) < 0)) {
		kiste_err_set(&err, -errno, "cannot make the terminal the container's: %s",
			      strerror(errno));
		kiste_child_fail(&err);
	}
	if (ol->console_fd > 2)
		close(ol->console_fd);
	if (write(ready, &c, 1) != 1)
		_exit(KISTE_EXIT_REFUSED);
	close(ready);
	if (kiste_oci_wait_start(ol) < 0)
		_exit(KISTE_EXIT_REFUSED);
	start(arg);
	_exit(KISTE_EXIT_REFUSED);
}

int kiste_oci_wait_start(struct kiste_oci_launch *ol)
{
	struct pollfd p[3] = { { .fd = ol->start_fd, .events = POLLIN },
			       { .fd = ol->creator_pidfd, .events = POLLIN },
			       { .fd = ol->commit_fd, .events = POLLIN } };
	bool started = false;
	int ret = -1;
	ssize_t n;
	char c;

	/*
	 * A start that comes while create is still at work (its hooks, after
	 * state.json) waits for create's commit byte: a create killed then
	 * still takes the init with it, and no hook is cut short.  The byte
	 * comes before create ends (kiste run --bundle goes on to start and
	 * wait); create's end without it is a create killed half-way.
	 */
	for (;;) {
		if (started && p[1].fd < 0) {
			ret = 0;
			break;
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			n = read(ol->start_fd, &c, 1);
			if (n != 1 && errno != EINTR)
				break;
			if (n == 1) {
				started = true;
				p[0].fd = -1;
			}
		}
		if (p[1].revents | p[2].revents) {
			/* create ended or committed: complete with its byte, else killed */
			if (read(ol->commit_fd, &c, 1) != 1) {
				if (!p[1].revents && errno == EAGAIN)
					continue;
				break;
			}
			p[1].fd = p[2].fd = -1;
		}
	}
	if (ol->creator_pidfd >= 0)
		close(ol->creator_pidfd);
	if (ol->commit_fd >= 0)
		close(ol->commit_fd);
	close(ol->start_fd);
	ol->creator_pidfd = ol->commit_fd = ol->start_fd = -1;
	return ret;
}

int kiste_oci_spawn(struct kiste_oci_launch *ol, const struct kiste_cgroup *cg,
		    void (*start)(void *arg), void *arg, struct kiste_err *err)
{
	int ready[2], wst;
	pid_t child;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return kiste_err_set(err, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	child = fork();
	if (child == 0) {
		close(ready[0]);
		oci_child(ol, cg, start, arg, ready[1]);
	}
	close(ready[1]);
	if (child < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		if (child > 0)
			waitpid(child, &wst, 0);
		return kiste_err_set(err, child < 0 ? -errno : -ECHILD, "the container's process "
				     "failed before it was ready");
	}
	close(ready[0]);
	ol->pid = child;
	return 0;
}
